// The bridge to the core: one typed function per Tauri command. Errors arrive as CoreError.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  Board,
  BoardCursor,
  CallingSettings,
  ColumnPage,
  CoreError,
  LeadCard,
  LeadDetail,
  PhoneStatus,
  Session,
} from "./bindings";

export const api = {
  session: () => invoke<Session>("session"),
  board: () => invoke<Board>("board"),
  boardColumn: (status: number, after: BoardCursor | null) =>
    invoke<ColumnPage>("board_column", { status, after }),
  search: (query: string) => invoke<LeadCard[]>("search", { query }),
  lead: (id: number) => invoke<LeadDetail>("lead", { id }),
  phoneStatus: () => invoke<PhoneStatus>("phone_status"),
  callingSettings: () => invoke<CallingSettings>("calling_settings"),
  /** Trusts a private PBX's CA (a PEM file), or no longer (`null`); the phone line restarts. */
  setPbxCaFile: (path: string | null) => invoke<CallingSettings>("set_pbx_ca_file", { path }),
  /** Adds or replaces a STUN server, or a TURN server with its login (the password goes to the keychain). */
  setIceServer: (url: string, username: string | null, password: string | null) =>
    invoke<CallingSettings>("set_ice_server", { url, username, password }),
  removeIceServer: (url: string) => invoke<CallingSettings>("remove_ice_server", { url }),
  /** Calls `on` with every change of the phone line's status; returns the unsubscribe. */
  onPhoneStatus: (on: (status: PhoneStatus) => void) =>
    listen<PhoneStatus>("phone-status", (event) => on(event.payload)),
};

/** A readable message for anything a command threw. */
export function errorMessage(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) {
    return String((err as CoreError).message);
  }
  return String(err);
}
