import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import App from "../src/App.svelte";
import type { Board, LeadCard, LeadDetail, Session } from "../src/lib/bindings";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function card(id: number, name: string, status: number, statusName: string): LeadCard {
  return {
    id, tenant_id: 1, lead_status_id: status, assigned_to_user_id: 2, created_by_user_id: 2, name, company_name: "Acme Labs", email: null,
    phone: "+1 212 555 0100", source: "Website", score: "hot", estimated_value: "12345.67",
    last_contacted_at: null, next_followup_at: null, created_at: "2026-03-01T10:00:00Z",
    updated_at: "2026-03-01T10:00:00Z", status_name: statusName, status_color: "#3B82F6",
    assigned_to_name: "Sam Ortega",
  };
}

const session: Session = {
  user: { id: 2, tenant_id: 1, name: "Sam Ortega", email: "sam@demo.test", email_verified_at: null, role: "sales_agent",
    is_active: true, created_at: null, updated_at: null },
  tenant: { id: 1, name: "Northwind Solar (demo)", status: "active", timezone: "America/New_York", created_at: null,
    updated_at: null },
  role: "sales_agent",
  permissions: ["leads.view", "leads.manage"],
  demo: true,
};

const status = (id: number, name: string, color: string) => ({
  id, tenant_id: 1, name, color, sort_order: id, is_default: id === 1, is_closed: false, is_won: false, is_lost: false,
  requires_note: false, requires_followup_date: false, created_at: null, updated_at: null,
});

const board: Board = {
  columns: [
    { status: status(1, "New", "#3B82F6"), total: 3, leads: [card(10, "<img src=x onerror=alert(1)>", 1, "New")],
      next: { created_at: "2026-03-01T10:00:00Z", id: 10 } },
    { status: status(2, "Won", "javascript:alert(1)"), total: 0, leads: [], next: null },
  ],
};

function mockCore(calls: string[]) {
  mockIPC((cmd, args) => {
    if (cmd !== "phone_status") calls.push(cmd);
    switch (cmd) {
      case "phone_status": return { state: "off", reason: "not set to register on start" };
      case "account_state": return { overview: { session, server_url: null, leads: 3, pending_changes: 0, rejected_changes: 0 }, signed_in: true };
      case "pending_wrap_ups": return [];
      case "changes": return [];
      case "session": return session;
      case "board": return board;
      case "board_column": {
        expect(args).toMatchObject({ status: 1, after: { id: 10 } });
        return { leads: [card(11, "Second Lead", 1, "New"), card(12, "Third Lead", 1, "New")], next: null };
      }
      case "lead": {
        const detail: LeadDetail = {
          card: card(10, "Müller & Co", 1, "New"),
          timeline: [{ id: -1, tenant_id: 1, lead_id: 10, user_id: 2, type: "note", payload: { note: "Wants a demo" },
            created_at: "2026-03-02T10:00:00Z", user_name: "Sam Ortega" }],
        };
        return detail;
      }
      case "search": return [];
      default: throw { kind: "not_found", message: `no command ${cmd}` };
    }
  }, { shouldMockEvents: true });
}

describe("App", () => {
  afterEach(async () => {
    cleanup();
    await tick();
    clearMocks();
  });

  it("shows the tenant's leads by status, hostile names as text", async () => {
    const calls: string[] = [];
    mockCore(calls);
    render(App);
    await tick(); await tick();
    expect(screen.getByTestId("tenant-name").textContent).toBe("Northwind Solar (demo)");
    const columns = screen.getAllByTestId("column");
    expect(columns.map((c) => c.dataset.status)).toEqual(["New", "Won"]);
    expect(screen.getByText("<img src=x onerror=alert(1)>")).toBeTruthy();
    expect(document.querySelector("img")).toBeNull();
    // An unsafe color never reaches the style attribute.
    expect(columns[1].innerHTML).not.toContain("javascript");
    await fireEvent.click(screen.getByText(/Show more/));
    await tick(); await tick();
    expect(screen.getAllByTestId("lead-card")).toHaveLength(3);
    expect(calls.filter((c) => ["session", "board", "board_column", "lead", "search"].includes(c)))
      .toEqual(["session", "board", "board_column"]);
  });

  it("opens a lead with its timeline", async () => {
    mockCore([]);
    render(App);
    await tick(); await tick();
    await fireEvent.click(screen.getAllByTestId("lead-card")[0]);
    await tick(); await tick();
    expect(screen.getByTestId("lead-panel").textContent).toContain("Müller & Co");
    expect(screen.getByTestId("timeline").textContent).toContain("Wants a demo");
  });

  it("shows the phone line's status as it changes", async () => {
    mockCore([]);
    render(App);
    await tick(); await tick();
    const pill = () => screen.getByTestId("phone-status");
    expect(pill().textContent?.trim()).toBe("Phone off");
    expect(pill().title).toBe("not set to register on start");
    await emit("phone-status", { state: "registered", expires: 600 });
    await tick();
    expect(pill().dataset.state).toBe("registered");
    expect(pill().textContent?.trim()).toBe("Phone ready");
    await emit("phone-status", {
      state: "failed", kind: "bad_credentials", reason: "the PBX refused the SIP username or password",
      final: true, retry_in_ms: null,
    });
    await tick();
    expect(pill().textContent?.trim()).toBe("Phone: check settings");
    expect(pill().title).toBe("the PBX refused the SIP username or password");
    await emit("phone-status", {
      state: "failed", kind: "unreachable", reason: "the PBX cannot be reached: refused", final: false, retry_in_ms: 4200,
    });
    await tick();
    expect(pill().textContent?.trim()).toBe("Phone offline");
    expect(pill().title).toBe("the PBX cannot be reached: refused — retrying in 5 s");
  });

  it("shows a core error as a message", async () => {
    mockIPC(() => { throw { kind: "storage", message: "database error: disk I/O error" }; });
    render(App);
    await tick(); await tick();
    expect(screen.getByRole("alert").textContent).toBe("database error: disk I/O error");
  });
});

describe("Calling settings", () => {
  afterEach(async () => {
    cleanup();
    await tick();
    clearMocks();
  });

  it("adds and removes STUN/TURN servers; a TURN password goes out once and leaves the window", async () => {
    const sent: Record<string, unknown>[] = [];
    let servers: { url: string; username: string | null }[] = [{ url: "stun:stun.acme.example", username: null }];
    mockIPC((cmd, args) => {
      switch (cmd) {
        case "phone_status": return { state: "off", reason: "not set to register on start" };
      case "account_state": return { overview: { session, server_url: null, leads: 3, pending_changes: 0, rejected_changes: 0 }, signed_in: true };
      case "pending_wrap_ups": return [];
      case "changes": return [];
        case "session": return session;
        case "board": return board;
        case "calling_settings": return { pbx_ca_file: null, ice_servers: servers };
        case "set_ice_server": {
          sent.push(args as Record<string, unknown>);
          const { url, username } = args as { url: string; username: string | null };
          if (!url.startsWith("turn:") && !url.startsWith("stun:")) {
            throw { kind: "invalid_input", message: `invalid ice_url: "${url}" has no scheme` };
          }
          servers = [...servers, { url, username }];
          return { pbx_ca_file: null, ice_servers: servers };
        }
        case "remove_ice_server": {
          servers = servers.filter((s) => s.url !== (args as { url: string }).url);
          return { pbx_ca_file: null, ice_servers: servers };
        }
        default: throw { kind: "not_found", message: `no command ${cmd}` };
      }
    }, { shouldMockEvents: true });
    render(App);
    await tick(); await tick();
    await fireEvent.click(screen.getByTestId("phone-status"));
    await tick(); await tick();
    expect(screen.getByTestId("ice-servers").textContent).toContain("stun:stun.acme.example");

    await fireEvent.input(screen.getByTestId("ice-url"), { target: { value: "turn:turn.acme.example:3478" } });
    await tick();
    await fireEvent.input(screen.getByTestId("ice-username"), { target: { value: "agent7" } });
    await fireEvent.input(screen.getByTestId("ice-password"), { target: { value: "turn-secret" } });
    await fireEvent.submit(screen.getByTestId("add-ice"));
    await tick(); await tick();
    expect(sent).toEqual([{ url: "turn:turn.acme.example:3478", username: "agent7", password: "turn-secret" }]);
    expect(screen.getByTestId("ice-servers").textContent).toContain("turn:turn.acme.example:3478");
    expect(screen.getByTestId("ice-servers").textContent).toContain("as agent7");
    const passwordField = screen.queryByTestId("ice-password") as HTMLInputElement | null;
    expect(passwordField?.value ?? "").toBe("");
    expect(document.body.innerHTML).not.toContain("turn-secret");

    // A refused URL is said, and nothing is added.
    await fireEvent.input(screen.getByTestId("ice-url"), { target: { value: "http://nope" } });
    await fireEvent.submit(screen.getByTestId("add-ice"));
    await tick(); await tick();
    expect(screen.getByRole("alert").textContent).toContain("has no scheme");
    expect(sent[1]).toEqual({ url: "http://nope", username: null, password: null });

    await fireEvent.click(screen.getByRole("button", { name: "Remove stun:stun.acme.example" }));
    await tick(); await tick();
    expect(screen.getByTestId("ice-servers").textContent).not.toContain("stun:stun.acme.example");
  });
});
