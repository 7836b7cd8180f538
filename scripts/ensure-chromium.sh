#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it from apt when missing (never
# download a browser build). Other runs may hold the dpkg lock: wait for it.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
    echo "Installation de chromium (Debian)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version
