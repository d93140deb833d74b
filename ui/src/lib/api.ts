// The bridge to the core: one typed function per Tauri command. Errors arrive as CoreError.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Board, BoardCursor, ColumnPage, CoreError, LeadCard, LeadDetail, PhoneStatus, Session } from "./bindings";

export const api = {
  session: () => invoke<Session>("session"),
  board: () => invoke<Board>("board"),
  boardColumn: (status: number, after: BoardCursor | null) =>
    invoke<ColumnPage>("board_column", { status, after }),
  search: (query: string) => invoke<LeadCard[]>("search", { query }),
  lead: (id: number) => invoke<LeadDetail>("lead", { id }),
  phoneStatus: () => invoke<PhoneStatus>("phone_status"),
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
