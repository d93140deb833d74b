import { describe, expect, it } from "vitest";
import { signInMessage, syncBanner, syncEstimate, syncFraction } from "../src/lib/account";

describe("signing in", () => {
  it("says each failure plainly", () => {
    expect(signInMessage({ kind: "refused", message: "wrong email or password" })).toBe("Wrong email or password.");
    expect(signInMessage({ kind: "refused", message: "this tenant is suspended; contact your administrator" }))
      .toBe("This tenant is suspended; contact your administrator.");
    expect(signInMessage({ kind: "offline", message: "the tenant server cannot be reached: connection refused" }))
      .toMatch(/^The server cannot be reached: check its address/);
    expect(signInMessage({ kind: "keychain", message: "no secret service" })).toMatch(/system keychain, which is not available/);
    expect(signInMessage({ kind: "invalid_input", message: "invalid server address" })).toMatch(/^Check the server's address/);
    expect(signInMessage("boom")).toBe("Boom.");
  });
});

describe("the sync banner", () => {
  it("shows only while offline or stopped, with the changes waiting", () => {
    expect(syncBanner(null, 3)).toBeNull();
    expect(syncBanner({ state: "synced", report: { pushed: 1, rejected: [], pulled: 0, deleted: 0 } }, 0)).toBeNull();
    expect(syncBanner({ state: "offline", kind: "offline", message: "x", retry_in_ms: 4_200 }, 1))
      .toBe("Offline — 1 change waiting to sync. Retrying in 5 s.");
    expect(syncBanner({ state: "offline", kind: "offline", message: "x", retry_in_ms: 1_000 }, 12))
      .toBe("Offline — 12 changes waiting to sync. Retrying in 1 s.");
    expect(syncBanner({ state: "stopped", kind: "refused", message: "this tenant is closed" }, 0))
      .toBe("Sync stopped: this tenant is closed");
  });

  it("measures a long sync's progress when its end is known", () => {
    expect(syncFraction({ state: "syncing", progress: { pushed: 0, pulled: 2_500, pages: 5, remaining: 7_500 } })).toBe(0.25);
    expect(syncFraction({ state: "syncing", progress: { pushed: 0, pulled: 0, pages: 0, remaining: 0 } })).toBeNull();
    expect(syncFraction(null)).toBeNull();
  });
});

describe("a long sync's estimate", () => {
  it("says how far and, at the pace so far, about how long is left", () => {
    const syncing = (pulled: number, remaining: number) =>
      ({ state: "syncing", progress: { pushed: 0, pulled, pages: 1, remaining } }) as const;
    expect(syncEstimate(syncing(2_500, 7_500), 0, 2_000)).toBe("Syncing: 2,500 of 10,000 changes — about 6 s left");
    expect(syncEstimate(syncing(0, 10_000), 0, 100)).toBe("Syncing: 0 of 10,000 changes");
    expect(syncEstimate(syncing(0, 0), 0, 5_000)).toBeNull();
    expect(syncEstimate({ state: "synced", report: { pushed: 0, rejected: [], pulled: 1, deleted: 0 } }, 0, 1)).toBeNull();
    expect(syncEstimate(syncing(1, 1), null, 1)).toBeNull();
  });
});
