// The wrap-up form's rules, as the core applies them: a disposition is chosen, notes are
// there when the disposition (or the status the lead moves to) requires them, and a status
// that requires a follow-up date has one. The window says what is missing before asking;
// the core refuses it too. Pure: tested in tests/wrapup.test.ts.

import type { CallDisposition, LeadStatus, WrapUp, WrapUpDue } from "./bindings";

export type WrapUpForm = {
  disposition: number | null;
  notes: string;
  /** The status to move the call's lead to (`null`: leave it). */
  status: number | null;
  /** When to follow up (as the core reads it: a date, "tomorrow 10:00", "in 2 days"). */
  followup: string;
};

/** The form as it opens: the tenant's default disposition chosen, nothing else. */
export function initialForm(due: WrapUpDue): WrapUpForm {
  return { disposition: due.default_disposition, notes: "", status: null, followup: "" };
}

function chosenDisposition(form: WrapUpForm, due: WrapUpDue): CallDisposition | undefined {
  return due.dispositions.find((d) => d.id === form.disposition);
}

/** What must change before the wrap-up can be saved (empty: it can). */
export function wrapUpProblems(form: WrapUpForm, due: WrapUpDue, statuses: LeadStatus[]): string[] {
  const problems: string[] = [];
  const disposition = chosenDisposition(form, due);
  const notes = form.notes.trim();
  if (!disposition) problems.push("Choose how the call ended.");
  else if (disposition.requires_note && !notes) problems.push(`"${disposition.name}" needs wrap-up notes.`);
  if (form.status !== null) {
    const status = statuses.find((s) => s.id === form.status);
    if (due.lead === null) problems.push("This call is not on a lead: there is no status to move.");
    else if (!status) problems.push("Choose a status the tenant has.");
    else {
      if (status.requires_note && !notes && !disposition?.requires_note) {
        problems.push(`Moving to "${status.name}" needs a note.`);
      }
      if (status.requires_followup_date && !form.followup.trim()) {
        problems.push(`Moving to "${status.name}" needs a follow-up date.`);
      }
    }
  }
  return problems;
}

/** The core's wrap-up command for a form without problems. */
export function toWrapUp(form: WrapUpForm, due: WrapUpDue): WrapUp {
  const wrapUp: WrapUp = { call: due.call, disposition: String(form.disposition ?? "") };
  const notes = form.notes.trim();
  if (notes) wrapUp.notes = notes;
  if (form.status !== null) {
    wrapUp.status = String(form.status);
    const followup = form.followup.trim();
    if (followup) wrapUp.followup = followup;
  }
  return wrapUp;
}
