// The window's phone: the calls kept from the core's phone events (through the pure reducer
// in calls.ts), the pending wrap-ups read back at start (they survive a restart), and the
// commands, each reporting a refusal as the panel's notice.

import { api, errorMessage } from "./api";
import type { PhoneEvent, PhoneStatus } from "./bindings";
import { applyEvent, initialPhone, placed, type PhoneState } from "./calls";
import { parseDial } from "./dial";

export class PhoneModel {
  state = $state<PhoneState>(initialPhone());
  /** Ticks four times a second while a call is up (the timers read it). */
  now = $state(Date.now());
  #unlisten: Array<() => void> = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Listens to the core's phone and reads what is pending. */
  async start(onEvent?: (event: PhoneEvent) => void): Promise<void> {
    this.#unlisten.push(
      await api.onPhoneEvent((event) => {
        this.apply(event);
        onEvent?.(event);
      }),
    );
    try {
      const line: PhoneStatus = await api.phoneStatus();
      this.state = { ...this.state, line };
      const wrapUps = await api.pendingWrapUps();
      this.state = { ...this.state, wrapUps };
    } catch (err) {
      this.state = { ...this.state, notice: errorMessage(err) };
    }
    this.#timer = setInterval(() => {
      if (this.state.calls.length > 0) this.now = Date.now();
    }, 250);
  }

  stop(): void {
    this.#unlisten.forEach((u) => u());
    this.#unlisten = [];
    clearInterval(this.#timer);
  }

  apply(event: PhoneEvent): void {
    this.now = Date.now();
    this.state = applyEvent(this.state, event, this.now);
  }

  say(notice: string | null): void {
    this.state = { ...this.state, notice };
  }

  /** Runs a command; a refusal becomes the notice. Whether it worked. */
  async run(command: () => Promise<unknown>): Promise<boolean> {
    try {
      await command();
      return true;
    } catch (err) {
      this.say(errorMessage(err));
      return false;
    }
  }

  /** Calls what the agent typed (or a lead's number, shown with its `name`); refuses what
   * cannot be dialled. */
  async dial(input: string, lead: number | null = null, name: string | null = null): Promise<boolean> {
    const parsed = parseDial(input);
    if (!parsed.ok) {
      this.say(parsed.reason);
      return false;
    }
    this.say(null);
    try {
      const id = await api.dial({ destination: parsed.destination, ...(lead === null ? {} : { lead }) });
      this.state = placed(this.state, id, parsed.destination, lead, name);
      return true;
    } catch (err) {
      this.say(errorMessage(err));
      return false;
    }
  }
}
