#!/bin/sh
# Installs Debian's Chromium for the browser end-to-end tests and the widget
# benchmark (driven by playwright-core; never `npx playwright install`).
# Idempotent: does nothing when /usr/bin/chromium already runs.
# Usage: sh scripts/ensure-chromium.sh      (needs root or sudo on a fresh machine)
set -e
if [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; then
  /usr/bin/chromium --version
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: /usr/bin/chromium is missing and this user cannot install packages (not root, no sudo); install Debian's chromium package" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
