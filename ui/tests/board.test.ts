// Moving leads on the board and working a lead, against a mocked core: drag and drop, the
// keyboard alternative, the move dialog for a status that requires a follow-up date, the
// core's refusal shown as it came, a note added from the lead panel, and a role without
// leads.manage that cannot move.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import type { LeadCard, LeadStatus, Session } from "../src/lib/bindings";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const settle = async () => { for (let i = 0; i < 5; i++) await tick(); };

const status = (id: number, name: string, requires_followup_date = false): LeadStatus => ({
  id, tenant_id: 1, name, color: "#3B82F6", sort_order: id, is_default: id === 1, is_closed: false, is_won: false,
  is_lost: false, requires_note: false, requires_followup_date, created_at: null, updated_at: null,
});
const statuses = [status(1, "New"), status(2, "Contacted"), status(3, "Callback Scheduled", true)];

function card(id: number, name: string, statusId: number): LeadCard {
  return {
    id, tenant_id: 1, lead_status_id: statusId, assigned_to_user_id: 2, created_by_user_id: 2, name, company_name: null,
    email: null, phone: null, source: null, score: "warm", estimated_value: null, last_contacted_at: null,
    next_followup_at: null, created_at: null, updated_at: null, status_name: statuses[statusId - 1].name,
    status_color: "#3B82F6", assigned_to_name: null,
  };
}

function mockCore(invoked: Array<[string, Record<string, unknown>]>, permissions: Session["permissions"]) {
  const session: Session = {
    user: { id: 2, tenant_id: 1, name: "Sam", email: "sam@x.test", email_verified_at: null, role: "sales_agent",
      is_active: true, created_at: null, updated_at: null },
    tenant: { id: 1, name: "T", status: "active", timezone: "UTC", created_at: null, updated_at: null },
    role: "sales_agent", permissions, demo: false,
  };
  mockIPC((cmd, args) => {
    invoked.push([cmd, (args ?? {}) as Record<string, unknown>]);
    switch (cmd) {
      case "phone_status": return { state: "off", reason: "no account" };
      case "account_state": return { overview: { session, server_url: "https://x", leads: 1, pending_changes: 0, rejected_changes: 0 }, signed_in: true };
      case "pending_wrap_ups": case "changes": return [];
      case "session": return session;
      case "board":
        return { columns: statuses.map((s) => ({ status: s, total: s.id === 1 ? 1 : 0, leads: s.id === 1 ? [card(7, "Acme", 1)] : [], next: null })) };
      case "lead": return { card: card(7, "Acme", 1), timeline: [] };
      case "move_lead": {
        const a = args as { status: string; followup: string | null };
        if (a.status === "3" && a.followup === "someday") throw { kind: "invalid_input", message: "cannot read \"someday\" as a time" };
        return card(7, "Acme", Number(a.status));
      }
      case "add_note": return {};
      default: return null;
    }
  }, { shouldMockEvents: true });
}

const calls = (invoked: Array<[string, Record<string, unknown>]>, cmd: string) => invoked.filter(([c]) => c === cmd).map(([, a]) => a);

function dragTo(cardEl: Element, column: Element) {
  const data = new Map<string, string>();
  const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), getData: (k: string) => data.get(k) ?? "" };
  return fireEvent.dragStart(cardEl, { dataTransfer })
    .then(() => fireEvent.dragOver(column, { dataTransfer }))
    .then(() => fireEvent.drop(column, { dataTransfer }));
}

describe("the board", () => {
  afterEach(async () => { cleanup(); await tick(); clearMocks(); });

  it("moves a lead by drag and drop, and from the keyboard", async () => {
    const invoked: Array<[string, Record<string, unknown>]> = [];
    mockCore(invoked, ["leads.view", "leads.manage"]);
    render(App);
    await settle();
    const columns = screen.getAllByTestId("column");
    await dragTo(screen.getByTestId("lead-card"), columns[1]);
    await settle();
    expect(calls(invoked, "move_lead")).toEqual([{ lead: 7, status: "2", note: null, followup: null }]);
    await fireEvent.keyDown(screen.getByTestId("lead-card"), { key: "ArrowRight", altKey: true });
    await settle();
    expect(calls(invoked, "move_lead")[1]).toEqual({ lead: 7, status: "2", note: null, followup: null });
  });

  it("asks for the follow-up date a status requires, and shows the core's refusal", async () => {
    const invoked: Array<[string, Record<string, unknown>]> = [];
    mockCore(invoked, ["leads.view", "leads.manage"]);
    render(App);
    await settle();
    await dragTo(screen.getByTestId("lead-card"), screen.getAllByTestId("column")[2]);
    await settle();
    expect(screen.getByTestId("move-dialog").textContent).toContain("Move Acme to Callback Scheduled");
    await fireEvent.click(screen.getByTestId("save-move"));
    await settle();
    expect(screen.getByRole("alert").textContent).toContain('needs a follow-up date');
    expect(calls(invoked, "move_lead")).toEqual([]);
    await fireEvent.input(screen.getByTestId("move-followup"), { target: { value: "someday" } });
    await fireEvent.click(screen.getByTestId("save-move"));
    await settle();
    expect(screen.getByTestId("move-dialog").textContent).toContain('cannot read "someday" as a time');
    await fireEvent.input(screen.getByTestId("move-followup"), { target: { value: "tomorrow 10:00" } });
    await fireEvent.click(screen.getByTestId("save-move"));
    await settle();
    expect(calls(invoked, "move_lead")[1]).toEqual({ lead: 7, status: "3", note: null, followup: "tomorrow 10:00" });
    expect(screen.queryByTestId("move-dialog")).toBeNull();
  });

  it("adds a note from the lead panel", async () => {
    const invoked: Array<[string, Record<string, unknown>]> = [];
    mockCore(invoked, ["leads.view", "leads.manage"]);
    render(App);
    await settle();
    await fireEvent.click(screen.getByTestId("lead-card"));
    await settle();
    await fireEvent.input(screen.getByTestId("note-text"), { target: { value: "  Wants a quote  " } });
    await fireEvent.click(screen.getByTestId("add-note"));
    await settle();
    expect(calls(invoked, "add_note")).toEqual([{ lead: 7, note: "Wants a quote" }]);
  });

  it("moves nothing for a role without leads.manage", async () => {
    const invoked: Array<[string, Record<string, unknown>]> = [];
    mockCore(invoked, ["leads.view"]);
    render(App);
    await settle();
    expect(screen.getByTestId("lead-card").getAttribute("draggable")).toBe("false");
    await dragTo(screen.getByTestId("lead-card"), screen.getAllByTestId("column")[1]);
    await fireEvent.keyDown(screen.getByTestId("lead-card"), { key: "ArrowRight", altKey: true });
    await settle();
    expect(calls(invoked, "move_lead")).toEqual([]);
    await fireEvent.click(screen.getByTestId("lead-card"));
    await settle();
    expect(screen.queryByTestId("note-text")).toBeNull();
    expect(screen.queryByTestId("lead-status")).toBeNull();
  });
});
