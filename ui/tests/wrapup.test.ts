import { describe, expect, it } from "vitest";
import { initialForm, toWrapUp, wrapUpProblems } from "../src/lib/wrapup";
import type { CallDisposition, LeadStatus, WrapUpDue } from "../src/lib/bindings";

const disposition = (id: number, name: string, requires_note: boolean, is_default = false): CallDisposition => ({
  id, tenant_id: 1, name, sort_order: id, is_default, requires_note, created_at: null, updated_at: null,
});
const status = (id: number, name: string, requires_note: boolean, requires_followup_date: boolean): LeadStatus => ({
  id, tenant_id: 1, name, color: "#888888", sort_order: id, is_default: false, is_closed: false, is_won: false,
  is_lost: false, requires_note, requires_followup_date, created_at: null, updated_at: null,
});

const due: WrapUpDue = {
  call: 41, call_id: "abc@host", lead: 7, number: "+12125550100", duration_seconds: 93,
  dispositions: [disposition(1, "Connected", false, true), disposition(2, "Not interested", true)],
  default_disposition: 1,
};
const statuses = [status(1, "New", false, false), status(2, "Lost", true, false), status(3, "Follow up", false, true)];

describe("the wrap-up form", () => {
  it("opens with the tenant's default disposition, which saves as it is", () => {
    const form = initialForm(due);
    expect(form.disposition).toBe(1);
    expect(wrapUpProblems(form, due, statuses)).toEqual([]);
    expect(toWrapUp(form, due)).toEqual({ call: 41, disposition: "1" });
  });

  it("asks for notes where the disposition requires them", () => {
    const form = { ...initialForm(due), disposition: 2 };
    expect(wrapUpProblems(form, due, statuses)).toEqual(['"Not interested" needs wrap-up notes.']);
    expect(wrapUpProblems({ ...form, notes: "   " }, due, statuses)).toHaveLength(1);
    expect(wrapUpProblems({ ...form, notes: "Has a supplier" }, due, statuses)).toEqual([]);
  });

  it("asks for a disposition when none is chosen", () => {
    expect(wrapUpProblems({ ...initialForm(due), disposition: null }, due, statuses)).toEqual(["Choose how the call ended."]);
  });

  it("keeps the status rules: a note, a follow-up date", () => {
    const lost = { ...initialForm(due), status: 2 };
    expect(wrapUpProblems(lost, due, statuses)).toEqual(['Moving to "Lost" needs a note.']);
    const later = { ...initialForm(due), status: 3 };
    expect(wrapUpProblems(later, due, statuses)).toEqual(['Moving to "Follow up" needs a follow-up date.']);
    const ready = { ...later, followup: "tomorrow 10:00", notes: " Call back " };
    expect(wrapUpProblems(ready, due, statuses)).toEqual([]);
    expect(toWrapUp(ready, due)).toEqual({
      call: 41, disposition: "1", notes: "Call back", status: "3", followup: "tomorrow 10:00",
    });
  });

  it("moves no status on a call that is not on a lead", () => {
    const form = { ...initialForm(due), status: 1 };
    expect(wrapUpProblems(form, { ...due, lead: null }, statuses)).toEqual([
      "This call is not on a lead: there is no status to move.",
    ]);
  });
});
