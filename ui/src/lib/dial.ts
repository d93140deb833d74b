// What the agent typed, pasted or clicked into something the phone can dial. Phone numbers
// arrive with spaces, dashes, dots, brackets and `tel:` links; SIP users and `sip:`
// addresses pass as they are. Pure: tested in tests/dial.test.ts.

export type DialParse =
  | { ok: true; destination: string; kind: "number" | "sip" }
  | { ok: false; reason: string };

/** Separators people write inside numbers (and copy from web pages and spreadsheets). */
const SEPARATORS = /[\s\u00a0\u2000-\u200b\u2010-\u2015\u2212.()\[\]\/-]/g;
const NUMBER = /^\+?[0-9*#]+$/;
const SIP_USER = /^[A-Za-z0-9._~!$&'+=,;?-]+$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/;
/** The longest number E.164 allows, with room for a few keys of an extension. */
const MAX_DIGITS = 20;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function asNumber(text: string): DialParse {
  const compact = text.replace(SEPARATORS, "");
  if (!compact) return { ok: false, reason: "Enter a number to call." };
  if (!NUMBER.test(compact)) {
    return compact.slice(1).includes("+")
      ? { ok: false, reason: "A + can only start a number." }
      : { ok: false, reason: "A phone number has only digits, +, * and #." };
  }
  const digits = compact.replace(/[^0-9]/g, "").length;
  if (digits === 0) return { ok: false, reason: "Enter a number to call." };
  if (digits > MAX_DIGITS) return { ok: false, reason: `That number is too long (${digits} digits).` };
  return { ok: true, destination: compact, kind: "number" };
}

function asSipAddress(address: string): DialParse {
  const at = address.lastIndexOf("@");
  const user = at >= 0 ? address.slice(0, at) : address;
  const host = at >= 0 ? address.slice(at + 1) : "";
  if (!user || !SIP_USER.test(user)) return { ok: false, reason: "That SIP address has no valid user." };
  if (at >= 0 && !HOST.test(host)) return { ok: false, reason: "That SIP address has no valid host." };
  return { ok: true, destination: at >= 0 ? `sip:${user}@${host}` : user, kind: "sip" };
}

/** Reads what the agent wants to call. */
export function parseDial(input: string): DialParse {
  const text = input.trim();
  if (!text) return { ok: false, reason: "Enter a number to call." };
  const scheme = /^(tel|sips?|callto):(\/\/)?/i.exec(text);
  if (scheme) {
    const rest = decode(text.slice(scheme[0].length));
    const kind = scheme[1].toLowerCase();
    if (kind === "tel" || kind === "callto") {
      // RFC 3966 parameters (`;ext=`, `;phone-context=`) are not dialled, except an extension.
      const [number, ...params] = rest.split(";");
      const ext = params.find((p) => p.toLowerCase().startsWith("ext="));
      return asNumber(number + (ext ? ext.slice(4) : ""));
    }
    // sip:/sips: drop URI parameters and headers.
    const address = rest.split(/[;?]/)[0];
    return asSipAddress(address);
  }
  const compact = text.replace(SEPARATORS, "");
  if (NUMBER.test(compact) || /^[+0-9*#]/.test(compact)) return asNumber(text);
  if (text.includes("@")) return asSipAddress(text);
  if (SIP_USER.test(text)) return { ok: true, destination: text, kind: "sip" };
  return { ok: false, reason: "Enter a phone number or a SIP address." };
}

/** The dial pad's keys, with the letters printed under them. */
export const DIAL_KEYS: ReadonlyArray<{ key: string; letters: string }> = [
  { key: "1", letters: "" }, { key: "2", letters: "ABC" }, { key: "3", letters: "DEF" },
  { key: "4", letters: "GHI" }, { key: "5", letters: "JKL" }, { key: "6", letters: "MNO" },
  { key: "7", letters: "PQRS" }, { key: "8", letters: "TUV" }, { key: "9", letters: "WXYZ" },
  { key: "*", letters: "" }, { key: "0", letters: "+" }, { key: "#", letters: "" },
];
