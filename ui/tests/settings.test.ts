import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import SettingsDialog from "../src/components/SettingsDialog.svelte";
import { applyTheme, meterFill, savedTheme } from "../src/lib/theme";
import type { AudioDevice, AudioSetup } from "../src/lib/bindings";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const settle = async () => { for (let i = 0; i < 4; i++) await tick(); };

const device = (id: string, name: string, input: boolean, headset = false): AudioDevice => ({
  id, name, input, output: !input, default_input: false, default_output: false, headset,
});
const setup: AudioSetup = {
  devices: [device("alsa:mic", "USB Mic", true), device("alsa:hs", "Jabra Evolve", false, true), device("alsa:spk", "Speakers", false)],
  resolved: [
    { role: "microphone", device: device("alsa:mic", "USB Mic", true), fell_back: false, remembered: "alsa:mic" },
    { role: "speaker", device: device("alsa:spk", "Speakers", false), fell_back: true, remembered: "alsa:gone" },
    { role: "ringer", device: null, fell_back: false, remembered: null },
  ],
};

describe("settings", () => {
  afterEach(async () => { cleanup(); await tick(); clearMocks(); });

  it("chooses devices, says when one fell back, meters the microphone and saves the voice processing", async () => {
    const invoked: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      invoked.push([cmd, args]);
      switch (cmd) {
        case "audio_setup": case "choose_audio_device": return setup;
        case "voice_settings": return { noise_suppression: true, echo_cancellation: "auto" };
        case "set_voice_settings": return (args as { settings: unknown }).settings;
        case "preferences":
          return { start_minimized: false, shortcut_answer: "CommandOrControl+Shift+A", shortcut_hangup: "CommandOrControl+Shift+H",
            shortcut_mute: "CommandOrControl+Shift+M" };
        case "set_preferences": return (args as { preferences: unknown }).preferences;
        case "sip_account":
          return { ws_url: "wss://pbx.example.com/ws", username: "1001", domain: "example.com", display_name: "Sam",
            register_on_start: true, has_password: true };
        default: return null;
      }
    }, { shouldMockEvents: true });
    render(SettingsDialog, { onclose: () => {} });
    await settle();
    const speaker = screen.getByTestId("device-speaker") as HTMLSelectElement;
    expect([...speaker.options].map((o) => o.text)).toEqual(["System default", "Jabra Evolve (headset)", "Speakers"]);
    expect(screen.getByText(/The speaker \(headset\) you chose is not connected/)).toBeTruthy();
    await fireEvent.change(speaker, { target: { value: "alsa:hs" } });
    await settle();
    expect(invoked.find(([c]) => c === "choose_audio_device")?.[1]).toEqual({ role: "speaker", id: "alsa:hs" });
    await emit("mic-level", { rms_dbfs: -30, peak_dbfs: -12 });
    await settle();
    expect(screen.getByTestId("mic-meter").getAttribute("aria-valuenow")).toBe("-30");
    await fireEvent.click(screen.getByTestId("noise-suppression"));
    await settle();
    expect(invoked.find(([c]) => c === "set_voice_settings")?.[1])
      .toEqual({ settings: { noise_suppression: false, echo_cancellation: "auto" } });
    await fireEvent.click(screen.getByTestId("start-minimized"));
    await fireEvent.input(screen.getByTestId("shortcut-answer"), { target: { value: "Alt+F1" } });
    await fireEvent.click(screen.getByTestId("save-preferences"));
    await settle();
    expect(invoked.find(([c]) => c === "set_preferences")?.[1]).toEqual({
      preferences: { start_minimized: true, shortcut_answer: "Alt+F1", shortcut_hangup: "CommandOrControl+Shift+H",
        shortcut_mute: "CommandOrControl+Shift+M" },
    });
    const sip = screen.getByTestId("sip-account").textContent ?? "";
    expect(sip).toContain("1001@example.com");
    expect(sip).toContain("Kept in the system keychain");
  });

  it("keeps the theme and fills the meter from dBFS", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const root = document.createElement("html");
    expect(savedTheme(storage)).toBe("system");
    applyTheme("dark", root, storage);
    expect(root.dataset.theme).toBe("dark");
    expect(savedTheme(storage)).toBe("dark");
    applyTheme("system", root, storage);
    expect(root.dataset.theme).toBeUndefined();
    expect([meterFill(-100), meterFill(-30), meterFill(3), meterFill(Number.NaN)]).toEqual([0, 0.5, 1, 0]);
  });
});
