// The rules of moving a lead between statuses, as the core applies them: a status may require
// a note, a follow-up date, or both; moving to the same status is no move. The window asks for
// what is required before calling the core (which refuses it too). Pure: tested in
// tests/moves.test.ts.

import type { LeadStatus } from "./bindings";

export type MoveForm = { note: string; followup: string };

/** What moving to `target` asks for. */
export function moveNeeds(target: LeadStatus): { note: boolean; followup: boolean } {
  return { note: target.requires_note, followup: target.requires_followup_date };
}

/** Whether the move can go straight to the core (nothing to ask). */
export function movesAtOnce(target: LeadStatus): boolean {
  const needs = moveNeeds(target);
  return !needs.note && !needs.followup;
}

/** What is missing before the move can be saved (empty: nothing). */
export function moveProblems(target: LeadStatus, form: MoveForm): string[] {
  const needs = moveNeeds(target);
  const problems: string[] = [];
  if (needs.note && !form.note.trim()) problems.push(`Moving to "${target.name}" needs a note.`);
  if (needs.followup && !form.followup.trim()) problems.push(`Moving to "${target.name}" needs a follow-up date.`);
  return problems;
}

/** The status beside `current` in the board's order (`step` -1: left, +1: right), if any. */
export function neighbour(statuses: LeadStatus[], current: number, step: -1 | 1): LeadStatus | null {
  const i = statuses.findIndex((s) => s.id === current);
  if (i < 0) return null;
  return statuses[i + step] ?? null;
}
