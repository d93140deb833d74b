#!/usr/bin/env bash
# Runs a command with a PulseAudio server holding a null sink (`spk`) and a 440 Hz microphone
# (`mic.monitor`: a null sink `mic` into which `module-sine` plays) as the defaults, in a
# throwaway runtime directory (`micin` is the same microphone as a source that is not a monitor,
# for Chromium, which lists no monitors): ALSA's `default` device then plays and records in real time
# with no sound card. (module-sine-source would be simpler, but it hands its samples over in
# bursts of seconds; a null sink's monitor follows the latency the recorder asks for.) The test peers (baresip) play there
# instead of ALSA's null device, which has no clock and busy-loops a core. The server is
# ended (by its PID) when the command exits.
set -euo pipefail
runtime=$(mktemp -d)
chmod 700 "$runtime"
export XDG_RUNTIME_DIR=$runtime
pulseaudio --daemonize=no --exit-idle-time=-1 --system=false -n \
  --load=module-native-protocol-unix \
  --load="module-null-sink sink_name=spk rate=48000 channels=2" \
  --load="module-null-sink sink_name=mic rate=48000 channels=1" \
  --load="module-sine sink=mic frequency=440" \
  --load="module-remap-source master=mic.monitor source_name=micin" \
  --load=module-always-sink >"$runtime/pulseaudio.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$runtime"; }
trap cleanup EXIT
for _ in $(seq 100); do
  pactl info >/dev/null 2>&1 && break
  sleep 0.05
done
if pactl info >/dev/null 2>&1; then
  pactl set-default-sink spk
  pactl set-default-source mic.monitor
  export LEADLINE_TEST_AUDIO=pulse
else
  echo "with-audio: PulseAudio did not start; the peers play to ALSA's null device" >&2
  cat "$runtime/pulseaudio.log" >&2
fi
"$@"
