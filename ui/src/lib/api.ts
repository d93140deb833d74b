// The bridge to the core: one typed function per Tauri command. Errors arrive as CoreError.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  AccountState,
  Preferences,
  CallCursor,
  CallPage,
  LeadPage,
  LeadQuery,
  AudioSetup,
  DeviceRole,
  SipAccountView,
  VoiceSettings,
  Board,
  Call,
  CallRow,
  ChangeView,
  Dial,
  DtmfMethod,
  LeadActivity,
  PhoneEvent,
  SyncUpdate,
  WrapUp,
  WrapUpDue,
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
  accountState: () => invoke<AccountState>("account_state"),
  /** Signs in; the password goes to the core, the token to the keychain. */
  signIn: (server: string, email: string, password: string) =>
    invoke<Session>("sign_in", { server, email, password }),
  signOut: () => invoke<void>("sign_out"),
  /** A signed-out profile becomes the built-in demo's again. */
  tryDemo: () => invoke<Session>("try_demo"),
  syncNow: () => invoke<void>("sync_now"),
  /** The demo's "call me": a demo lead calls the agent (demo tenant only). */
  demoCallMe: () => invoke<string>("demo_call_me"),
  changes: () => invoke<ChangeView[]>("changes"),
  dismissChange: (mutationId: string) => invoke<void>("dismiss_change", { mutationId }),
  /** Places a call; returns its id at once (what happens next arrives as phone events). */
  dial: (dial: Dial) => invoke<string>("dial", { dial }),
  answer: (callId: string) => invoke<void>("answer", { callId }),
  reject: (callId: string) => invoke<void>("reject", { callId }),
  hangup: (callId: string) => invoke<void>("hangup", { callId }),
  hold: (callId: string, on: boolean) => invoke<void>("hold", { callId, on }),
  swap: () => invoke<void>("swap"),
  mute: (callId: string, on: boolean) => invoke<void>("mute", { callId, on }),
  sendDtmf: (callId: string, digits: string) => invoke<DtmfMethod>("send_dtmf", { callId, digits }),
  transfer: (callId: string, target: string) => invoke<void>("transfer", { callId, target }),
  transferAttended: (callId: string, consultation: string) =>
    invoke<void>("transfer_attended", { callId, consultation }),
  /** The calls' level reports (`levels` events) on or off. */
  meterCallLevels: (on: boolean) => invoke<void>("meter_call_levels", { on }),
  pendingWrapUps: () => invoke<WrapUpDue[]>("pending_wrap_ups"),
  wrapUp: (wrapUp: WrapUp) => invoke<Call>("wrap_up", { wrapUp }),
  moveLead: (lead: number, status: string, note: string | null, followup: string | null) =>
    invoke<LeadCard>("move_lead", { lead, status, note, followup }),
  addNote: (lead: number, note: string) => invoke<LeadActivity>("add_note", { lead, note }),
  scheduleFollowup: (lead: number, when: string, note: string | null) =>
    invoke<LeadCard>("schedule_followup", { lead, when, note }),
  callsToday: () => invoke<CallRow[]>("calls_today"),
  /** A page of the call history (before today), after `after`. */
  callHistory: (after: CallCursor | null) => invoke<CallPage>("call_history", { after }),
  /** A page of a lead list: the leads `query` picks (due by the end of today with `dueToday`). */
  leadPage: (query: LeadQuery, dueToday: boolean, after: BoardCursor | null) =>
    invoke<LeadPage>("lead_page", { query, dueToday, after }),
  followups: () => invoke<LeadCard[]>("followups"),
  /** Calls `on` with every phone event; returns the unsubscribe. */
  onPhoneEvent: (on: (event: PhoneEvent) => void) =>
    listen<PhoneEvent>("phone-event", (event) => on(event.payload)),
  audioSetup: () => invoke<AudioSetup>("audio_setup"),
  /** Chooses the device for a role (`null`: the system default); calls up move to it. */
  chooseAudioDevice: (role: DeviceRole, id: string | null) => invoke<AudioSetup>("choose_audio_device", { role, id }),
  voiceSettings: () => invoke<VoiceSettings>("voice_settings"),
  setVoiceSettings: (settings: VoiceSettings) => invoke<VoiceSettings>("set_voice_settings", { settings }),
  setVolume: (percent: number) => invoke<void>("set_volume", { percent }),
  testSound: (role: DeviceRole) => invoke<void>("test_sound", { role }),
  /** Streams the microphone's level as `mic-level` events until `stopMeter` (resolves then). */
  startMeter: () => invoke<void>("start_meter"),
  stopMeter: () => invoke<void>("stop_meter"),
  recordAndPlay: () => invoke<void>("record_and_play"),
  sipAccount: () => invoke<SipAccountView>("sip_account"),
  preferences: () => invoke<Preferences>("preferences"),
  /** Saves the desktop's preferences; shortcuts take effect at once (refused: not a key combination). */
  setPreferences: (preferences: Preferences) => invoke<Preferences>("set_preferences", { preferences }),
  /** The `tel:`/`sip:` link the app was started with, once. */
  takeDialLink: () => invoke<string | null>("take_dial_link"),
  /** Calls `on` with each link a second launch hands over (to dial). */
  onDialLink: (on: (link: string) => void) => listen<string>("dial-link", (event) => on(event.payload)),
  /** Calls `on` with every step of staying in sync; returns the unsubscribe. */
  onSync: (on: (update: SyncUpdate) => void) => listen<SyncUpdate>("sync-event", (event) => on(event.payload)),
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
