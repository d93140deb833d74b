import { describe, expect, it } from "vitest";
import { parseDial } from "../src/lib/dial";

const number = (input: string) => {
  const parsed = parseDial(input);
  return parsed.ok ? parsed.destination : `refused: ${parsed.reason}`;
};

describe("the dial field", () => {
  it("takes numbers as people write and paste them", () => {
    expect(number("+1 (212) 555-0100")).toBe("+12125550100");
    expect(number("  212.555.0100 ")).toBe("2125550100");
    expect(number("030 / 123 45 67")).toBe("0301234567");
    expect(number("+44\u00a020\u20137946\u20130958")).toBe("+442079460958");
    expect(number("1001")).toBe("1001");
    expect(number("*97#")).toBe("*97#");
  });

  it("takes tel: and sip: links", () => {
    expect(number("tel:+1-212-555-0100")).toBe("+12125550100");
    expect(number("tel:+1%20212%20555%200100")).toBe("+12125550100");
    expect(number("tel:7042;phone-context=example.com")).toBe("7042");
    expect(number("TEL:+1-212-555-0100;ext=12")).toBe("+1212555010012");
    expect(number("sip:carl@pbx.example.com")).toBe("sip:carl@pbx.example.com");
    expect(number("sips:carl@pbx.example.com:5061;transport=tls")).toBe("sip:carl@pbx.example.com:5061");
    expect(number("carl")).toBe("carl");
  });

  it("refuses what cannot be dialled, saying why", () => {
    expect(number("")).toMatch(/^refused: Enter a number/);
    expect(number("   ")).toMatch(/^refused: Enter a number/);
    expect(number("1+212")).toMatch(/^refused: A \+ can only start/);
    expect(number("212-555-01OO")).toMatch(/^refused: A phone number has only digits/);
    expect(number("+1 212 555 0100 2125550100 99")).toMatch(/^refused: That number is too long/);
    expect(number("call me maybe")).toMatch(/^refused: Enter a phone number or a SIP address/);
    expect(number("sip:@pbx")).toMatch(/^refused: That SIP address has no valid user/);
    expect(number("sip:carl@bad host")).toMatch(/^refused: That SIP address has no valid host/);
    expect(number("<img src=x onerror=alert(1)>")).toMatch(/^refused:/);
    expect(number("tel:")).toMatch(/^refused: Enter a number/);
  });
});
