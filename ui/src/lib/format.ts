// Presentation helpers. Nothing here trusts its input: values come from the tenant's data.

const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** A status color safe to put in a style attribute; anything else becomes neutral grey. */
export function safeColor(color: string | null | undefined): string {
  return color && HEX_COLOR.test(color) ? color : "#94A3B8";
}

/** A decimal amount as the core sends it ("12345.67") as money: "$12,345.67". */
export function money(amount: string | null | undefined, currency = "USD"): string {
  if (amount === null || amount === undefined || !/^-?\d+(\.\d{1,2})?$/.test(amount)) return "";
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(Number(amount));
}

/** A timestamp as a short local date and time, or "" when absent or unreadable. */
export function when(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat("en-US", {
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZone,
  }).format(date);
}

/** One line describing a timeline entry, from its seed-shaped payload. */
export function describeActivity(type: string, payload: Record<string, unknown> | null): string {
  const p = payload ?? {};
  const text = (key: string) => (typeof p[key] === "string" || typeof p[key] === "number" ? String(p[key]) : "");
  switch (type) {
    case "status_change":
      return `Moved from ${text("from_status") || "?"} to ${text("to_status") || "?"}` + (text("note") ? ` — ${text("note")}` : "");
    case "call": {
      const seconds = Number(p["duration"]);
      const duration = Number.isFinite(seconds) ? ` (${Math.floor(seconds / 60)}m ${seconds % 60}s)` : "";
      return `Call: ${text("outcome") || "no outcome"}${duration}`;
    }
    case "note":
      return text("note");
    case "followup":
      return `Follow-up scheduled for ${when(text("followup_at")) || "?"}` + (text("note") ? ` — ${text("note")}` : "");
    default:
      return type;
  }
}

/** A call's length: `m:ss`, or `h:mm:ss` past the hour; `—` when unknown. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** A recording address the window may show: http(s) only (anything else is not a link). */
export function safeRecording(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
