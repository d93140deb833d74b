import { describe, expect, it } from "vitest";
import { moveProblems, movesAtOnce, neighbour } from "../src/lib/moves";
import type { LeadStatus } from "../src/lib/bindings";

const status = (id: number, name: string, requires_note = false, requires_followup_date = false): LeadStatus => ({
  id, tenant_id: 1, name, color: "#888", sort_order: id, is_default: id === 1, is_closed: false, is_won: false,
  is_lost: false, requires_note, requires_followup_date, created_at: null, updated_at: null,
});
const board = [status(1, "New"), status(2, "Callback Scheduled", false, true), status(3, "Lost", true)];

describe("moving a lead", () => {
  it("goes at once where nothing is required", () => {
    expect(movesAtOnce(board[0])).toBe(true);
    expect(movesAtOnce(board[1])).toBe(false);
    expect(moveProblems(board[0], { note: "", followup: "" })).toEqual([]);
  });

  it("asks for the note or the follow-up date the status requires", () => {
    expect(moveProblems(board[1], { note: "", followup: " " })).toEqual(['Moving to "Callback Scheduled" needs a follow-up date.']);
    expect(moveProblems(board[1], { note: "", followup: "tomorrow 10:00" })).toEqual([]);
    expect(moveProblems(board[2], { note: "", followup: "" })).toEqual(['Moving to "Lost" needs a note.']);
  });

  it("finds the column beside, for the keyboard", () => {
    expect(neighbour(board, 1, 1)?.name).toBe("Callback Scheduled");
    expect(neighbour(board, 1, -1)).toBeNull();
    expect(neighbour(board, 3, 1)).toBeNull();
    expect(neighbour(board, 9, 1)).toBeNull();
  });
});
