import { describe, expect, it } from "vitest";
import { describeActivity, money, safeColor, when } from "../src/lib/format";

describe("format", () => {
  it("lets only hex colors into style attributes", () => {
    expect(safeColor("#3B82F6")).toBe("#3B82F6");
    expect(safeColor("#fff")).toBe("#fff");
    expect(safeColor("red; background:url(x)")).toBe("#94A3B8");
    expect(safeColor("")).toBe("#94A3B8");
    expect(safeColor(null)).toBe("#94A3B8");
  });

  it("formats decimal amounts as money", () => {
    expect(money("12345.67")).toBe("$12,345.67");
    expect(money("-0.05")).toBe("-$0.05");
    expect(money(null)).toBe("");
    expect(money("12abc")).toBe("");
  });

  it("never throws on unreadable timestamps", () => {
    expect(when("not a date")).toBe("");
    expect(when(null)).toBe("");
    expect(when("2026-03-10T15:00:00Z", "UTC")).toContain("Mar 10");
  });

  it("describes seed-shaped activity payloads and survives odd ones", () => {
    expect(describeActivity("status_change", { from_status: "New", to_status: "Qualified" })).toBe(
      "Moved from New to Qualified",
    );
    expect(describeActivity("call", { call_id: 123, duration: 180, outcome: "Answered" })).toBe(
      "Call: Answered (3m 0s)",
    );
    expect(describeActivity("note", { note: "Customer interested in enterprise plan" })).toBe(
      "Customer interested in enterprise plan",
    );
    expect(describeActivity("note", null)).toBe("");
    expect(describeActivity("call", { outcome: { nested: true } })).toBe("Call: no outcome");
  });
});
