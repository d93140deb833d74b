import { describe, expect, it } from "vitest";
import { activeCall, applyEvent, elapsed, initialPhone, placed, qualityLevel, ringingIn } from "../src/lib/calls";
import type { PhoneEvent, Quality } from "../src/lib/bindings";

const run = (events: PhoneEvent[], start = initialPhone()) =>
  events.reduce((state, event, i) => applyEvent(state, event, 1_000 * i), start);

const quality = (mos: number): Quality => ({
  codec: "OPUS", bitrate_kbps: 32, jitter_ms: 3, loss_percent: 0.4, rtt_ms: 12, buffer_ms: 40, concealed: 1, mos,
});

describe("the calls the panel shows", () => {
  it("follows a call the agent placed from dialling to its wrap-up", () => {
    let state = placed(initialPhone(), "c1", "+12125550100", 7);
    expect(activeCall(state)?.state).toBe("dialing");
    state = run([
      { event: "ringing", call_id: "c1", code: 180, early_media: false },
      { event: "answered", call_id: "c1", codec: "OPUS" },
      { event: "muted", call_id: "c1", on: true },
      { event: "quality", call_id: "c1", quality: quality(4.3) },
      { event: "held", call_id: "c1", by: "us", packets_received: 50 },
    ], state);
    const call = state.calls[0];
    expect(call).toMatchObject({ state: "held", heldBy: "us", muted: true, answeredAt: 1_000, lead: 7, codec: "OPUS" });
    expect(activeCall(state)).toBeNull();
    state = run([
      { event: "resumed", call_id: "c1", by: "us", packets_received: 60 },
      { event: "ended", call_id: "c1", reason: { reason: "local_hangup" }, duration_ms: 9_000 },
      { event: "wrap_up_due", call: 41, call_id: "c1", lead: 7, number: "+12125550100", duration_seconds: 9,
        dispositions: [], default_disposition: null },
    ], state);
    expect(state.calls).toEqual([]);
    expect(state.wrapUps.map((w) => w.call)).toEqual([41]);
    expect(state.notice).toBeNull();
    state = applyEvent(state, { event: "wrapped_up", call: 41, disposition: 1, lead: 7 }, 0);
    expect(state.wrapUps).toEqual([]);
  });

  it("rings an incoming call with its screen pop, and a second one as call waiting", () => {
    const lead = { lead: { id: 7, name: "Acme" }, matched: "exact" } as never;
    const state = run([
      { event: "incoming", call_id: "in1", caller_name: "Ana", caller_number: "1001", waiting: false, leads: [lead] },
      { event: "answered", call_id: "in1", codec: "PCMU" },
      { event: "incoming", call_id: "in2", caller_name: null, caller_number: "1002", waiting: true, leads: [] },
    ]);
    expect(ringingIn(state).map((c) => [c.id, c.waiting])).toEqual([["in2", true]]);
    expect(activeCall(state)?.id).toBe("in1");
    expect(state.calls[0].leads).toEqual([lead]);
    const rejected = applyEvent(state, { event: "rejected", call_id: "in2", code: 486 }, 0);
    expect(ringingIn(rejected)).toEqual([]);
  });

  it("says why a call did not go through", () => {
    const state = run([
      { event: "ringing", call_id: "c2", code: 180, early_media: false },
    ], placed(initialPhone(), "c2", "+12125550100", null));
    const busy = applyEvent(state, { event: "ended", call_id: "c2", reason: { reason: "busy" }, duration_ms: 0 }, 0);
    expect(busy.notice).toBe("+12125550100 is busy.");
    const refused = applyEvent(state, { event: "transfer", call_id: "c2", code: 603, done: false }, 0);
    expect(refused.notice).toBe("The transfer was refused (603).");
  });

  it("keeps a call's levels while metered, and ignores levels of calls it does not know", () => {
    let state = placed(initialPhone(), "c3", "1001", null);
    state = applyEvent(state, { event: "levels", call_id: "c3", microphone_dbfs: -22.5, speaker_dbfs: -9 }, 0);
    expect(state.calls[0].levels).toEqual({ microphone: -22.5, speaker: -9 });
    const same = applyEvent(state, { event: "levels", call_id: "gone", microphone_dbfs: -1, speaker_dbfs: -1 }, 0);
    expect(same.calls.map((c) => c.id)).toEqual(["c3"]);
  });

  it("keeps the line's status", () => {
    const state = applyEvent(initialPhone(), { event: "line", status: { state: "unregistered" } }, 0);
    expect(state.line).toEqual({ state: "unregistered" });
  });

  it("times calls and grades their quality", () => {
    expect(elapsed(0, 65_400)).toBe("1:05");
    expect(elapsed(0, 3_725_000)).toBe("1:02:05");
    expect(elapsed(10, 0)).toBe("0:00");
    expect(qualityLevel(null).level).toBe("unknown");
    expect(qualityLevel(quality(4.4)).level).toBe("good");
    expect(qualityLevel(quality(3.7)).level).toBe("fair");
    expect(qualityLevel(quality(2.1))).toEqual({ level: "poor", label: "Call quality: poor (MOS 2.1, 0.4 % lost)" });
  });
});
