// The softphone in the window, against a mocked core: what the agent sees and what reaches
// the core's commands for a call placed from a lead, a call ringing in (screen pop), and the
// wrap-up that the next call waits for.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import App from "../src/App.svelte";
import type { LeadCard, PhoneEvent, Session, WrapUpDue } from "../src/lib/bindings";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const settle = async () => { for (let i = 0; i < 4; i++) await tick(); };

const hostile = "<img src=x onerror=alert(1)>";

function card(id: number, name: string): LeadCard {
  return {
    id, tenant_id: 1, lead_status_id: 1, assigned_to_user_id: 2, created_by_user_id: 2, name, company_name: null,
    email: null, phone: "+1 (212) 555-0100", source: null, score: "warm", estimated_value: null, last_contacted_at: null,
    next_followup_at: null, created_at: null, updated_at: null, status_name: "New", status_color: "#3B82F6",
    assigned_to_name: null,
  };
}

function sessionWith(permissions: Session["permissions"]): Session {
  return {
    user: { id: 2, tenant_id: 1, name: "Sam Ortega", email: "sam@demo.test", email_verified_at: null, role: "sales_agent",
      is_active: true, created_at: null, updated_at: null },
    tenant: { id: 1, name: "Northwind Solar", status: "active", timezone: "UTC", created_at: null, updated_at: null },
    role: "sales_agent", permissions, demo: false,
  };
}

const status = (id: number, name: string, requires_followup_date: boolean) => ({
  id, tenant_id: 1, name, color: "#3B82F6", sort_order: id, is_default: id === 1, is_closed: false, is_won: false,
  is_lost: false, requires_note: false, requires_followup_date, created_at: null, updated_at: null,
});

const due: WrapUpDue = {
  call: 41, call_id: "out-1", lead: 10, number: "+12125550100", duration_seconds: 65,
  dispositions: [
    { id: 1, tenant_id: 1, name: "Connected", sort_order: 1, is_default: true, requires_note: false, created_at: null, updated_at: null },
    { id: 2, tenant_id: 1, name: "Not interested", sort_order: 2, is_default: false, requires_note: true, created_at: null, updated_at: null },
  ],
  default_disposition: 1,
};

type Invoked = { cmd: string; args: Record<string, unknown> };

function mockCore(
  invoked: Invoked[],
  options: { permissions?: Session["permissions"]; pending?: WrapUpDue[]; link?: string } = {},
) {
  const session = sessionWith(options.permissions ?? ["leads.view", "leads.manage", "calls.make", "calls.view"]);
  mockIPC((cmd, args) => {
    invoked.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    switch (cmd) {
      case "phone_status": return { state: "registered", expires: 600 };
      case "account_state":
        return { overview: { session, server_url: "https://crm.example.com", leads: 1, pending_changes: 0, rejected_changes: 0 }, signed_in: true };
      case "pending_wrap_ups": return options.pending ?? [];
      case "changes": return [];
      case "session": return session;
      case "board":
        return { columns: [{ status: status(1, "New", false), total: 1, leads: [card(10, "Acme Roofing")], next: null },
          { status: status(2, "Call back", true), total: 0, leads: [], next: null }] };
      case "lead": return { card: card(10, "Acme Roofing"), timeline: [] };
      case "dial": return "out-1";
      case "take_dial_link": return options.link ?? null;
      case "wrap_up": {
        const w = (args as { wrapUp: { disposition: string; notes?: string } }).wrapUp;
        if (w.disposition === "2" && !w.notes) throw { kind: "rule", message: "\"Not interested\" requires wrap-up notes" };
        return {};
      }
      case "answer": case "reject": case "hangup": case "mute": case "hold": case "meter_call_levels": return null;
      default: return null;
    }
  }, { shouldMockEvents: true });
}

const phoneEvent = (event: PhoneEvent) => emit("phone-event", event);
const sent = (invoked: Invoked[], cmd: string) => invoked.filter((i) => i.cmd === cmd).map((i) => i.args);

describe("the softphone", () => {
  afterEach(async () => {
    cleanup();
    await tick();
    clearMocks();
  });

  it("calls a lead from its number and shows the call through to its wrap-up", async () => {
    const invoked: Invoked[] = [];
    mockCore(invoked);
    render(App);
    await settle();
    await fireEvent.click(screen.getAllByTestId("lead-card")[0]);
    await settle();
    await fireEvent.click(screen.getByTestId("call-lead"));
    await settle();
    expect(sent(invoked, "dial")).toEqual([{ dial: { destination: "+12125550100", lead: 10 } }]);
    expect(screen.getByTestId("call-state").textContent).toBe("Calling…");
    expect(screen.getByTestId("call").textContent).toContain("Acme Roofing");
    await phoneEvent({ event: "ringing", call_id: "out-1", code: 180, early_media: false });
    await settle();
    expect(screen.getByTestId("call-state").textContent).toBe("Ringing…");
    await phoneEvent({ event: "answered", call_id: "out-1", codec: "OPUS" });
    await settle();
    expect(screen.getByTestId("call-state").textContent).toBe("0:00");
    expect(sent(invoked, "meter_call_levels").at(-1)).toEqual({ on: true });
    await phoneEvent({ event: "levels", call_id: "out-1", microphone_dbfs: -24, speaker_dbfs: -9.2 });
    await settle();
    expect(screen.getByTestId("level-speaker").getAttribute("aria-valuenow")).toBe("-9");
    await fireEvent.click(screen.getByRole("button", { name: "Mute" }));
    await fireEvent.click(screen.getByRole("button", { name: "Hold" }));
    await fireEvent.click(screen.getByRole("button", { name: "Hang up" }));
    await settle();
    expect(sent(invoked, "mute")).toEqual([{ callId: "out-1", on: true }]);
    expect(sent(invoked, "hold")).toEqual([{ callId: "out-1", on: true }]);
    expect(sent(invoked, "hangup")).toEqual([{ callId: "out-1" }]);

    // The call ends: its wrap-up opens and the next call waits for it.
    await phoneEvent({ event: "ended", call_id: "out-1", reason: { reason: "local_hangup" }, duration_ms: 65_000 });
    await phoneEvent({ event: "wrap_up_due", ...due });
    await settle();
    expect(screen.queryByTestId("call")).toBeNull();
    expect((screen.getByTestId("dial-button") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Wrap up the last call first.")).toBeTruthy();
    await fireEvent.click(screen.getByLabelText(/Not interested/));
    await fireEvent.click(screen.getByRole("button", { name: "Save wrap-up" }));
    await settle();
    expect(screen.getByRole("alert").textContent).toContain('"Not interested" needs wrap-up notes.');
    expect(sent(invoked, "wrap_up")).toEqual([]);
    await fireEvent.input(screen.getByLabelText("Notes"), { target: { value: "Has a supplier" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save wrap-up" }));
    await settle();
    expect(sent(invoked, "wrap_up")).toEqual([{ wrapUp: { call: 41, disposition: "2", notes: "Has a supplier" } }]);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect((screen.getByTestId("dial-button") as HTMLButtonElement).disabled).toBe(false);
  });

  it("pops the matching lead when a call rings in, names as text, and answers it", async () => {
    const invoked: Invoked[] = [];
    mockCore(invoked);
    render(App);
    await settle();
    await phoneEvent({
      event: "incoming", call_id: "in-1", caller_name: hostile, caller_number: "2125550100", waiting: false,
      leads: [{ lead: card(10, hostile), matched: "suffix" }],
    });
    await settle();
    const pop = screen.getByTestId("incoming-call");
    expect(screen.getByTestId("caller").textContent).toBe(hostile);
    expect(screen.getByTestId("screen-pop-lead").textContent).toContain(hostile);
    expect(pop.querySelector("img")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Answer" }));
    await settle();
    expect(sent(invoked, "answer")).toEqual([{ callId: "in-1" }]);
    await phoneEvent({ event: "answered", call_id: "in-1", codec: "PCMU" });
    await settle();
    expect(screen.queryByTestId("incoming-call")).toBeNull();
    expect(screen.getByTestId("call").textContent).toContain(hostile);
  });

  it("refuses a number it cannot dial before asking the core", async () => {
    const invoked: Invoked[] = [];
    mockCore(invoked);
    render(App);
    await settle();
    await fireEvent.input(screen.getByTestId("dial-input"), { target: { value: "212-555-01OO" } });
    await fireEvent.click(screen.getByTestId("dial-button"));
    await settle();
    expect(screen.getByTestId("phone-notice").textContent).toContain("A phone number has only digits");
    expect(sent(invoked, "dial")).toEqual([]);
    await fireEvent.input(screen.getByTestId("dial-input"), { target: { value: "tel:+1-212-555-0199" } });
    await fireEvent.click(screen.getByTestId("dial-button"));
    await settle();
    expect(sent(invoked, "dial")).toEqual([{ dial: { destination: "+12125550199" } }]);
  });

  it("dials the tel: link the app was started with, and one a second launch hands over", async () => {
    const invoked: Invoked[] = [];
    mockCore(invoked, { link: "tel:+1-212-555-0100" });
    render(App);
    await settle();
    expect(sent(invoked, "dial")).toEqual([{ dial: { destination: "+12125550100" } }]);
    await emit("dial-link", "sip:carl@pbx.example.com");
    await settle();
    expect(sent(invoked, "dial")[1]).toEqual({ dial: { destination: "sip:carl@pbx.example.com" } });
  });

  it("hides calling from a role without calls.make", async () => {
    const invoked: Invoked[] = [];
    mockCore(invoked, { permissions: ["leads.view"] });
    render(App);
    await settle();
    expect((screen.getByTestId("dial-button") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Your role does not place calls.")).toBeTruthy();
    await fireEvent.click(screen.getAllByTestId("lead-card")[0]);
    await settle();
    expect(screen.queryByTestId("call-lead")).toBeNull();
  });

  it("brings back a wrap-up left pending before a restart", async () => {
    mockCore([], { pending: [due] });
    render(App);
    await settle();
    expect(screen.getByRole("dialog").textContent).toContain("Wrap up the call with +12125550100");
    expect((screen.getByLabelText("Connected") as HTMLInputElement).checked).toBe(true);
  });
});
