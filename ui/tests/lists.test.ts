// The lead list and the calls view against a mocked core: filters reach the core's query,
// only the rows in view are drawn, and a recording's address shows only with the permission
// (and only an http(s) one).
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import LeadList from "../src/components/LeadList.svelte";
import CallsView from "../src/components/CallsView.svelte";
import { visibleRows } from "../src/lib/virtual";
import { duration, safeRecording } from "../src/lib/format";
import type { CallRow, LeadCard, LeadStatus } from "../src/lib/bindings";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const settle = async () => { for (let i = 0; i < 5; i++) await tick(); };

const status: LeadStatus = { id: 1, tenant_id: 1, name: "New", color: "#3B82F6", sort_order: 1, is_default: true,
  is_closed: false, is_won: false, is_lost: false, requires_note: false, requires_followup_date: false, created_at: null, updated_at: null };

function card(id: number): LeadCard {
  return {
    id, tenant_id: 1, lead_status_id: 1, assigned_to_user_id: 2, created_by_user_id: 2, name: `Lead ${id}`, company_name: null,
    email: null, phone: null, source: null, score: "hot", estimated_value: null, last_contacted_at: null,
    next_followup_at: null, created_at: `2026-01-01T00:00:${String(id % 60).padStart(2, "0")}Z`, updated_at: null,
    status_name: "New", status_color: "#3B82F6", assigned_to_name: null,
  };
}

function row(id: number, recording_url: string | null): CallRow {
  return {
    id, tenant_id: 1, user_id: 2, related_type: "lead", related_id: 7, direction: "outbound", from_number: "1001",
    to_number: "+12125550100", started_at: "2026-11-30T09:00:00Z", ended_at: "2026-11-30T09:01:05Z", duration_seconds: 65,
    pbx_call_id: null, recording_url, disposition_id: 1, wrapup_notes: "<b>call back</b>", created_at: null,
    updated_at: null, quality: null, agent_name: "Sam", disposition_name: "Connected",
  };
}

describe("lists", () => {
  afterEach(async () => { cleanup(); await tick(); clearMocks(); });

  it("draws only the rows in view, a few beyond", () => {
    expect(visibleRows(0, 520, 52, 10_000, 6)).toEqual({ start: 0, end: 17 });
    expect(visibleRows(52 * 5_000, 520, 52, 10_000, 6)).toEqual({ start: 4_994, end: 5_017 });
    expect(visibleRows(52 * 20_000, 520, 52, 10_000, 6)).toEqual({ start: 10_000, end: 10_000 });
    expect(visibleRows(0, 520, 52, 0, 6)).toEqual({ start: 0, end: 0 });
  });

  it("formats lengths and keeps only http(s) recordings", () => {
    expect([duration(65), duration(3_725), duration(null), duration(-1)]).toEqual(["1:05", "1:02:05", "—", "—"]);
    expect(safeRecording("https://rec.example.com/a.mp3")).toBe("https://rec.example.com/a.mp3");
    expect(safeRecording("javascript:alert(1)")).toBeNull();
    expect(safeRecording("not a url")).toBeNull();
  });

  it("asks the core for what the filters pick, and draws a window of 10,000 leads", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "lead_page") return null;
      asked.push(args);
      return { leads: Array.from({ length: 100 }, (_, i) => card(i + 1)), next: { created_at: null, id: 1 }, total: 10_000 };
    });
    render(LeadList, { statuses: [status], onopen: () => {} });
    await settle();
    expect(asked[0]).toEqual({ query: { assigned_to_me: false }, dueToday: false, after: null });
    expect(screen.getByTestId("list-total").textContent).toBe("10000 leads");
    expect(screen.getAllByTestId("list-row").length).toBeLessThan(40);
    const score = screen.getByTestId("filter-score") as HTMLSelectElement;
    score.selectedIndex = [...score.options].findIndex((o) => o.text === "Hot");
    await fireEvent.change(score);
    await fireEvent.click(screen.getByTestId("filter-mine"));
    await fireEvent.click(screen.getByTestId("filter-due"));
    await settle();
    expect(asked.at(-1)).toEqual({ query: { assigned_to_me: true, score: "hot" }, dueToday: true, after: null });
  });

  it("shows the follow-ups due: mine, due today or overdue", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "lead_page") asked.push(args);
      return { leads: [], next: null, total: 0 };
    });
    render(LeadList, { statuses: [status], onopen: () => {}, preset: "followups" });
    await settle();
    expect(asked.at(-1)).toEqual({ query: { assigned_to_me: true }, dueToday: true, after: null });
    expect(screen.getByText("No leads match.")).toBeTruthy();
  });

  it("shows a recording only with the permission, notes as text", async () => {
    mockIPC((cmd) => {
      if (cmd === "calls_today") return [row(1, "https://rec.example.com/1.mp3"), row(2, "javascript:alert(1)")];
      if (cmd === "call_history") return { calls: [], next: null };
      return null;
    });
    render(CallsView, { canHearRecordings: true, onopen: () => {} });
    await settle();
    expect(screen.getAllByTestId("call-row")).toHaveLength(2);
    expect(screen.getAllByTestId("recording")).toHaveLength(1);
    expect(screen.getAllByText("<b>call back</b>")).toHaveLength(2);
    cleanup();
    render(CallsView, { canHearRecordings: false, onopen: () => {} });
    await settle();
    expect(screen.queryAllByTestId("recording")).toHaveLength(0);
    expect(screen.queryByText("Recording")).toBeNull();
  });
});
