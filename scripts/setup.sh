#!/usr/bin/env bash
# Installs what Leadline needs to build, run and test on Debian 12 / Ubuntu 22.04+, when it is
# missing. Idempotent and quick when everything is there.
#   setup.sh run    what the app needs
#   setup.sh test   what the whole test suite needs (a superset)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

# System packages: WebKitGTK and friends for the Tauri shell; cmake/ALSA for the audio stack.
packages=(build-essential pkg-config file cmake libasound2-dev libssl-dev
  libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libgtk-3-dev
  libxdo-dev libayatana-appindicator3-dev librsvg2-dev)
if [ "$mode" = test ]; then
  packages+=(xvfb xauth webkit2gtk-driver gnome-keyring dbus dbus-bin)
  # The calling tests' real peers, in a private network namespace (iproute2, util-linux).
  packages+=(kamailio kamailio-websocket-modules kamailio-tls-modules kamailio-extra-modules
    kamailio-utils-modules rtpengine-daemon rtpengine-utils baresip-core openssl iproute2 util-linux
    tcpdump chromium linphone-cli sip-tester coturn pulseaudio pulseaudio-utils libasound2-plugins
    iptables)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Front-end packages, from the lock file, when it changed.
if [ ! -f ui/node_modules/.leadline-stamp ] || [ ui/package-lock.json -nt ui/node_modules/.leadline-stamp ]; then
  echo "setup: installing front-end packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  touch ui/node_modules/.leadline-stamp
fi

# The browser softphone peer (JsSIP driven in Chromium by playwright-core), from its lock file.
if [ "$mode" = test ]; then
  peer=tests/peers/jssip
  if [ ! -f $peer/node_modules/.leadline-stamp ] || [ $peer/package-lock.json -nt $peer/node_modules/.leadline-stamp ]; then
    echo "setup: installing the browser peer's packages"
    (cd $peer && npm ci --no-audit --no-fund --loglevel=error)
    touch $peer/node_modules/.leadline-stamp
  fi
fi

# tauri-driver drives the real app over WebDriver in the desktop tests.
if [ "$mode" = test ]; then
  if ! tauri-driver --help >/dev/null 2>&1 && ! "$HOME/.cargo/bin/tauri-driver" --help >/dev/null 2>&1; then
    echo "setup: installing tauri-driver"
    cargo install tauri-driver --version 2.1.0 --locked --quiet
  fi
fi

# cargo-fuzz runs the fuzz targets for a bounded time in the suite (scripts/fuzz.sh).
if [ "$mode" = test ] && ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked --quiet
fi
