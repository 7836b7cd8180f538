#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it from apt when missing (never download a browser build).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
    echo "Installing Debian's chromium…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version
