#!/usr/bin/env bash
# Installs the Debian packages the test suite and the benchmark drive for real:
# Prosody (+ community modules) and ejabberd for the XMPP end-to-end tests, Chromium and
# its driver for the browser (stored-XSS) tests, nginx-light for the side-by-side benchmark.
# Only what is missing is installed; needs root (CI runs as root). The packages' own system
# services are stopped and disabled: the tests start private instances on loopback.
set -euo pipefail
pkgs=(prosody prosody-modules ejabberd chromium chromium-driver nginx-light lua-dbi-sqlite3 attr fakeroot)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-test-deps: missing Debian packages: ${missing[*]} (run as root, or the tests that need them are skipped)" >&2
    exit 0
  fi
  echo "install-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Package scripts must not start the system services (there may be no init system at all).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# If a service did get started anyway, stop it: it would hold the default ports.
for svc in prosody ejabberd nginx; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
done
pkill -x prosody 2>/dev/null || true
exit 0
