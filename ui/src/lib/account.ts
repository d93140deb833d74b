// The account's messages: why a sign-in failed, and the offline banner's words. Pure: tested
// in tests/account.test.ts.

import type { CoreError, SyncUpdate } from "./bindings";

/** Why signing in failed, said for the agent: the server's own words for a refusal (wrong
 * email or password, a suspended or closed tenant), plain advice for the rest. */
export function signInMessage(error: CoreError | unknown): string {
  const e = (error ?? {}) as Partial<CoreError>;
  const message = typeof e.message === "string" ? e.message : String(error);
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  switch (e.kind) {
    case "offline":
      return `The server cannot be reached: check its address and your connection. (${message})`;
    case "keychain":
      return `Leadline keeps your sign-in in the system keychain, which is not available: ${message}`;
    case "invalid_input":
      return `Check the server's address: ${message}`;
    default:
      return sentence.endsWith(".") ? sentence : `${sentence}.`;
  }
}

/** What the offline banner says, if anything: `null` when synced and nothing waits. */
export function syncBanner(update: SyncUpdate | null, pending: number): string | null {
  const waiting = pending === 1 ? "1 change waiting" : `${pending} changes waiting`;
  if (update?.state === "offline") return `Offline — ${waiting} to sync. Retrying in ${Math.ceil(update.retry_in_ms / 1000)} s.`;
  if (update?.state === "stopped") return `Sync stopped: ${update.message}`;
  return null;
}

/** A sync's progress as a fraction (0..1), or `null` when the end is not known. */
export function syncFraction(update: SyncUpdate | null): number | null {
  if (update?.state !== "syncing") return null;
  const { pulled, remaining } = update.progress;
  const total = pulled + remaining;
  return total > 0 ? pulled / total : null;
}

/** What a long sync says beside its bar: how far, and about how long is left at the pace so
 * far (`null` while there is nothing to say). `startedAt` and `now` are in ms. */
export function syncEstimate(update: SyncUpdate | null, startedAt: number | null, now: number): string | null {
  if (update?.state !== "syncing" || startedAt === null) return null;
  const { pulled, remaining } = update.progress;
  const total = pulled + remaining;
  if (total === 0) return null;
  const done = `Syncing: ${pulled.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} changes`;
  const elapsed = (now - startedAt) / 1000;
  if (pulled === 0 || elapsed < 0.5) return done;
  const left = Math.ceil(remaining / (pulled / elapsed));
  return `${done} — about ${left} s left`;
}
