// The calls as the window shows them, kept from the phone's events: a pure reducer
// (`applyEvent`), so what the softphone panel shows for any sequence of events is tested in
// tests/calls.test.ts without a phone.

import type { CallerMatch, Codec, PhoneEvent, PhoneStatus, Quality, WrapUpDue } from "./bindings";

export type CallState = "dialing" | "ringing" | "incoming" | "talking" | "held";

export type CallView = {
  id: string;
  direction: "inbound" | "outbound";
  /** The number or address at the other end. */
  number: string;
  /** The caller's display name, when their phone sent one. */
  name: string | null;
  /** Leads whose phone is the caller's number (a screen pop), best first. */
  leads: CallerMatch[];
  /** The lead the agent called, when they called from a lead. */
  lead: number | null;
  state: CallState;
  /** Who held the call, while held. */
  heldBy: "us" | "remote" | null;
  muted: boolean;
  /** When the call was answered (ms since the epoch): the timer's start. */
  answeredAt: number | null;
  codec: Codec | null;
  quality: Quality | null;
  /** Arrived while another call was up (call waiting). */
  waiting: boolean;
  /** A transfer under way: where to, and whether attended. */
  transferring: { to: string; attended: boolean } | null;
  /** The latest levels in dBFS (microphone, speaker), while metered. */
  levels: { microphone: number | null; speaker: number | null } | null;
};

export type PhoneState = {
  line: PhoneStatus;
  calls: CallView[];
  /** Ended calls waiting for their wrap-up, oldest first. */
  wrapUps: WrapUpDue[];
  /** The last thing that went wrong on a call, for the panel to say. */
  notice: string | null;
};

export function initialPhone(line: PhoneStatus = { state: "off", reason: "starting" }): PhoneState {
  return { line, calls: [], wrapUps: [], notice: null };
}

function blank(id: string, direction: CallView["direction"]): CallView {
  return {
    id, direction, number: "", name: null, leads: [], lead: null, state: direction === "outbound" ? "dialing" : "incoming",
    heldBy: null, muted: false, answeredAt: null, codec: null, quality: null, waiting: false, transferring: null,
    levels: null,
  };
}

function update(state: PhoneState, id: string, change: (call: CallView) => CallView): PhoneState {
  const known = state.calls.some((c) => c.id === id);
  const calls = known
    ? state.calls.map((c) => (c.id === id ? change(c) : c))
    : [...state.calls, change(blank(id, "outbound"))];
  return { ...state, calls };
}

/** Why a call ended, said for a person (`null`: nothing worth saying). */
export function endedNotice(reason: string, number: string): string | null {
  switch (reason) {
    case "busy": return `${number} is busy.`;
    case "declined": return `${number} declined the call.`;
    case "not_found": return `${number} could not be found.`;
    case "no_answer": return `${number} did not answer.`;
    case "not_connected": return "Not connected to the PBX: the call could not be placed.";
    case "connection_lost": return `The connection to ${number} was lost.`;
    case "failed": return `The call to ${number} failed.`;
    default: return null;
  }
}

/** The state after `event` at `now` (ms since the epoch). */
export function applyEvent(state: PhoneState, event: PhoneEvent, now: number): PhoneState {
  switch (event.event) {
    case "line":
      return { ...state, line: event.status };
    case "incoming": {
      const call: CallView = {
        ...blank(event.call_id, "inbound"),
        number: event.caller_number,
        name: event.caller_name,
        leads: event.leads,
        waiting: event.waiting,
      };
      return { ...state, calls: [...state.calls.filter((c) => c.id !== call.id), call] };
    }
    case "ringing":
      return update(state, event.call_id, (c) => ({ ...c, state: "ringing" }));
    case "answered":
      return update(state, event.call_id, (c) => ({
        ...c, state: "talking", answeredAt: c.answeredAt ?? now, codec: event.codec, waiting: false,
      }));
    case "held":
      return update(state, event.call_id, (c) => ({ ...c, state: "held", heldBy: event.by }));
    case "resumed":
      return update(state, event.call_id, (c) => ({ ...c, state: "talking", heldBy: null }));
    case "muted":
      return update(state, event.call_id, (c) => ({ ...c, muted: event.on }));
    case "levels":
      if (!state.calls.some((c) => c.id === event.call_id)) return state;
      return update(state, event.call_id, (c) => ({
        ...c, levels: { microphone: event.microphone_dbfs, speaker: event.speaker_dbfs },
      }));
    case "quality":
      return update(state, event.call_id, (c) => ({ ...c, quality: event.quality }));
    case "transferring":
      return update(state, event.call_id, (c) => ({ ...c, transferring: { to: event.to, attended: event.attended } }));
    case "transfer":
      if (event.done) return state;
      return {
        ...update(state, event.call_id, (c) => ({ ...c, transferring: null })),
        notice: `The transfer was refused (${event.code}).`,
      };
    case "ended": {
      const call = state.calls.find((c) => c.id === event.call_id);
      const notice = call ? endedNotice(event.reason.reason, call.name ?? call.number) : null;
      return { ...state, calls: state.calls.filter((c) => c.id !== event.call_id), notice: notice ?? state.notice };
    }
    case "rejected":
      return { ...state, calls: state.calls.filter((c) => c.id !== event.call_id) };
    case "wrap_up_due": {
      const { event: _, ...due } = event;
      return { ...state, wrapUps: [...state.wrapUps.filter((w) => w.call !== due.call), due] };
    }
    case "wrapped_up":
      return { ...state, wrapUps: state.wrapUps.filter((w) => w.call !== event.call) };
    case "error":
      return { ...state, notice: event.message };
    default:
      return state;
  }
}

/** A call placed from the window: its number and lead, known before any event about it. */
export function placed(state: PhoneState, id: string, number: string, lead: number | null, name: string | null = null): PhoneState {
  return update(state, id, (c) => ({ ...c, direction: "outbound", number, lead, name: name ?? c.name }));
}

/** The call the agent is talking on (or about to), if any. */
export function activeCall(state: PhoneState): CallView | null {
  return state.calls.find((c) => c.state === "talking" || c.state === "dialing" || c.state === "ringing") ?? null;
}

/** Calls ringing in, waiting for the agent's answer. */
export function ringingIn(state: PhoneState): CallView[] {
  return state.calls.filter((c) => c.state === "incoming");
}

/** `m:ss` (or `h:mm:ss`) since `since`. */
export function elapsed(since: number, now: number): string {
  const total = Math.max(0, Math.floor((now - since) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The quality indicator: a word and a level from the estimated MOS. */
export function qualityLevel(quality: Quality | null): { level: "good" | "fair" | "poor" | "unknown"; label: string } {
  if (!quality) return { level: "unknown", label: "Call quality: measuring" };
  const mos = quality.mos.toFixed(1);
  if (quality.mos >= 4.0) return { level: "good", label: `Call quality: good (MOS ${mos})` };
  if (quality.mos >= 3.5) return { level: "fair", label: `Call quality: fair (MOS ${mos})` };
  return { level: "poor", label: `Call quality: poor (MOS ${mos}, ${quality.loss_percent.toFixed(1)} % lost)` };
}
