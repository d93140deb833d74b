#!/usr/bin/env bash
# What WebKitGTK costs by itself, as the floor under the desktop app's memory (figures in
# docs/benchmarks.md): a bare GTK window holding one WebKit view with a line of text, no app
# around it, measured as the app is (Xvfb, software compositing, the PSS of the window's
# process and WebKit's processes 25 s after the start). Needs python3-gi and WebKitGTK 4.1's
# introspection data (`apt-get install python3-gi gir1.2-webkit2-4.1`).
set -euo pipefail
view=$(mktemp --suffix .py)
trap 'rm -f "$view"' EXIT
cat > "$view" <<'PY'
import gi
gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2
window = Gtk.Window()
window.set_default_size(1280, 800)
view = WebKit2.WebView()
window.add(view)
view.load_html("<!doctype html><p>hello</p>", "about:blank")
window.show_all()
GLib.timeout_add_seconds(40, Gtk.main_quit)
Gtk.main()
PY
WEBKIT_DISABLE_COMPOSITING_MODE=1 xvfb-run -a /usr/bin/python3 "$view" &
runner=$!
sleep 25
pss() { awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup"; }
total=0
window=$(pgrep -f "^/usr/bin/python3 $view") || {
  echo "webkit-floor: the window did not start (python3-gi and gir1.2-webkit2-4.1 installed?)" >&2
  exit 1
}
for pid in "$window" $(pgrep -P "$window"); do
  kib=$(pss "$pid")
  printf '%-16s %6.1f MiB\n' "$(cat "/proc/$pid/comm")" "$(echo "$kib / 1024" | bc -l)"
  total=$((total + kib))
done
printf '%-16s %6.1f MiB\n' all "$(echo "$total / 1024" | bc -l)"
wait "$runner"
