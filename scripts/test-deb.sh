#!/usr/bin/env bash
# End-to-end test of the Debian package on this machine, as root, without a running systemd:
#   install (dpkg -i) -> files, user, store, conffiles, unit checks -> start the installed launcher
#   as the prosody-filer user with a clean environment (no JDK on PATH) and the installed config
#   set to a loopback port -> sd_notify READY=1 -> upload (PUT, v MAC computed with openssl) ->
#   download (byte compare) -> metrics/health -> SIGTERM (STOPPING=1) -> upgrade to a newer
#   version (config and stored files kept) -> download again -> purge -> nothing left behind.
#
#   scripts/test-deb.sh [PACKAGE.deb]     (default: the newest target/prosody-filer_*.deb,
#                                          built with scripts/build-deb.sh when there is none)
# Exits non-zero on the first failure and says why. Cleans up after itself in every case.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pkg=prosody-filer
user=prosody-filer
etc=/etc/prosody-filer
store=/var/lib/prosody-filer
work=$(mktemp -d /tmp/pf-test-deb.XXXXXX)
chmod 0755 "$work"
server_pid=""
notify_pid=""

say() { echo "test-deb: $*"; }
fail() {
  echo "test-deb: FAIL: $*" >&2
  for f in "$work"/server*.log; do [ -f "$f" ] && { echo "--- $f (last 30 lines)" >&2; tail -30 "$f" >&2; }; done
  exit 1
}
cleanup() {
  local rc=$?
  [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null && { kill -KILL "$server_pid" 2>/dev/null || true; }
  [ -n "$notify_pid" ] && kill -0 "$notify_pid" 2>/dev/null && { kill "$notify_pid" 2>/dev/null || true; }
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "installed\|config-files\|half"; then
    dpkg --purge "$pkg" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i, a system user)"
for tool in dpkg dpkg-deb openssl curl setpriv cmp; do command -v "$tool" >/dev/null || fail "$tool is missing"; done

deb=${1:-}
if [ -z "$deb" ]; then
  deb=$(ls -t "$here"/target/prosody-filer_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    say "no package in target/: building one"
    deb=$("$here/scripts/build-deb.sh" | tail -1)
  fi
fi
[ -f "$deb" ] || fail "no package at $deb"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
say "package $deb ($(du -h "$deb" | cut -f1))"

# A leftover from an earlier, interrupted run would make every check below meaningless.
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "installed\|config-files"; then
  say "removing an earlier installation of $pkg"
  dpkg --purge "$pkg" >/dev/null
fi
getent passwd "$user" >/dev/null && fail "user $user exists before the install (left from elsewhere?)"
[ -e "$store" ] && fail "$store exists before the install"

# Upgrade target: the same package with a higher version.
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -R "$deb" "$work/repack"
sed -i "s/^Version: .*/Version: ${version}+upgradetest1/" "$work/repack/DEBIAN/control"
dpkg-deb --root-owner-group -Znone --build "$work/repack" "$work/upgrade.deb" >/dev/null
rm -rf "$work/repack"

# ---------------------------------------------------------------------------------------------
say "1. install"
dpkg -i "$deb" < /dev/null > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dpkg -i failed"; }
dpkg-query -W -f='${Status}\n' "$pkg" | grep -q "install ok installed" || fail "not installed after dpkg -i"

[ -x /usr/bin/prosody-filer ] || fail "/usr/bin/prosody-filer missing or not executable"
[ -x /usr/lib/prosody-filer/runtime/bin/java ] || fail "bundled runtime missing"
[ -f /lib/systemd/system/prosody-filer.service ] || fail "systemd unit missing"
dpkg-query -W -f='${Conffiles}\n' "$pkg" | grep -q "$etc/config.toml" || fail "$etc/config.toml is not a conffile"
dpkg-query -W -f='${Conffiles}\n' "$pkg" | grep -q "$etc/jvm.options" || fail "$etc/jvm.options is not a conffile"
getent passwd "$user" >/dev/null || fail "system user $user was not created"
uid=$(id -u "$user")
[ "$uid" -lt 1000 ] || fail "$user has uid $uid, not a system uid"
[ "$(getent passwd "$user" | cut -d: -f7)" = /usr/sbin/nologin ] || fail "$user can log in"
[ "$(stat -c '%U:%G %a' "$store")" = "$user:$user 750" ] || fail "$store is $(stat -c '%U:%G %a' "$store"), want $user:$user 750"
[ "$(stat -c '%U:%G %a' "$etc/config.toml")" = "root:$user 640" ] || fail "config is $(stat -c '%U:%G %a' "$etc/config.toml"), want root:$user 640 (it holds the secret)"
unit=/lib/systemd/system/prosody-filer.service
for directive in "Type=notify" "ProtectSystem=strict" "ReadWritePaths=$store" "NoNewPrivileges=yes" \
                 "PrivateTmp=yes" "ProtectHome=yes" "Restart=on-failure" "User=$user" "SuccessExitStatus=143"; do
  grep -qx "$directive" "$unit" || fail "unit lacks $directive"
done
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" > "$work/verify.log" 2>&1 || { cat "$work/verify.log" >&2; fail "systemd-analyze verify"; }
  exposure=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  say "   systemd-analyze: unit verifies, exposure level ${exposure:-?} (0 = best, 10 = worst)"
  [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN{exit !(e <= 2.5)}' || fail "exposure level ${exposure:-unknown} is above 2.5"
fi
modules=$(/usr/lib/prosody-filer/runtime/bin/java --list-modules | sed 's/@.*//' | paste -sd' ')
say "   runtime modules: $modules"
case " $modules " in *" java.desktop "*|*" jdk.compiler "*) fail "the runtime is not minimal: $modules" ;; esac
grep -q "not started yet" "$work/install.log" && say "   postinst: $(grep 'not started yet' "$work/install.log")"

# No JDK needed: a clean environment, nothing but /usr/bin:/bin on PATH.
# No LANG either: the launcher must pick a UTF-8 locale itself (the upload below has a non-ASCII name).
clean_env=(env -i PATH=/usr/bin:/bin)
"${clean_env[@]}" /usr/bin/prosody-filer --version > "$work/version.txt" 2>&1 || { cat "$work/version.txt"; fail "prosody-filer --version"; }
say "   $(cat "$work/version.txt")"

# ---------------------------------------------------------------------------------------------
say "2. configure for loopback, start as $user"
secret=$(openssl rand -hex 24)
cfg="$etc/config.toml"
sed -i -e 's|^listenport *=.*|listenport = "127.0.0.1:0"|' -e "s|^secret *=.*|secret = \"$secret\"|" "$cfg"
printf '\nmetricsListen = "127.0.0.1:0"\nshutdownGrace = "5s"\n' >> "$cfg"
grep -q "^secret = \"$secret\"" "$cfg" || fail "could not set the secret in $cfg"
# An admin's first command, as root, before the service ever ran: it must not leave root-owned
# files in the store (the launcher continues as the service user).
/usr/bin/prosody-filer stats > "$work/stats.txt" 2>&1 || { cat "$work/stats.txt"; fail "prosody-filer stats (as root)"; }
leftover=$(find "$store" -user root | head -3)
[ -z "$leftover" ] || fail "root-owned files in the store after an admin command: $leftover"
say "   prosody-filer stats as root: ok, nothing root-owned left in $store"

notify_sock=""
if command -v python3 >/dev/null; then
  # Plays systemd: collects the sd_notify datagrams (socket writable by the service user).
  notify_sock="$work/notify.sock"
  python3 - "$notify_sock" "$work/notify.txt" <<'PY' &
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(300)
with open(out, "a") as f:
    while True:
        try:
            data = s.recv(4096)
        except socket.timeout:
            break
        f.write(data.decode() + "\n--\n")
        f.flush()
PY
  notify_pid=$!
  for _ in $(seq 100); do [ -S "$notify_sock" ] && break; sleep 0.05; done
  [ -S "$notify_sock" ] || fail "could not create the notify socket"
else
  say "   (python3 missing: sd_notify is not checked here, only by SystemdNotifyIT)"
fi

start_server() {  # $1 = log file; sets server_pid, base, ops, startup_ms
  local log=$1 t0
  : > "$log"; chown "$user" "$log"
  t0=$(date +%s%N)
  # setpriv execs (no fork), so $! is the server itself, as under systemd. JOURNAL_STREAM is unset:
  # the log lines keep their timestamps here.
  setpriv --reuid="$user" --regid="$user" --init-groups -- \
    "${clean_env[@]}" ${notify_sock:+NOTIFY_SOCKET=$notify_sock} /usr/bin/prosody-filer > "$log" 2>&1 &
  server_pid=$!
  base=""
  for _ in $(seq 1200); do
    base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$base" ] && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited during start"
    sleep 0.05
  done
  [ -n "$base" ] || fail "the server did not start within 60 s"
  startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  ops=$(sed -n 's/.*metrics on \(http:[^ ]*\)\/metrics.*/\1/p' "$log" | head -1)
  [ -n "$ops" ] || fail "no metrics listener line in the log"
  [ "$(ps -o user= -p "$server_pid" | tr -d ' ')" = "$user" ] || fail "the server does not run as $user"
}

stop_server() {  # SIGTERM, as systemctl stop; expects a clean exit
  local rc=0
  kill -TERM "$server_pid"
  for _ in $(seq 600); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$server_pid" 2>/dev/null && fail "the server did not stop within 30 s of SIGTERM"
  wait "$server_pid" || rc=$?
  server_pid=""
  [ "$rc" = 0 ] || [ "$rc" = 143 ] || fail "the server exited with $rc after SIGTERM (want 0 or 143)"
}

await_notify() {  # $1 = text
  [ -n "$notify_sock" ] || return 0
  for _ in $(seq 200); do grep -q "$1" "$work/notify.txt" 2>/dev/null && return 0; sleep 0.05; done
  fail "no $1 from sd_notify; got: $(cat "$work/notify.txt" 2>/dev/null)"
}

start_server "$work/server1.log"
say "   listening on $base (ready after ${startup_ms} ms, pid $server_pid as $user)"
await_notify "READY=1"

# ---------------------------------------------------------------------------------------------
say "3. upload and download"
head -c 1048576 /dev/urandom > "$work/payload.bin"
size=$(stat -c %s "$work/payload.bin")
path="debtest/$(openssl rand -hex 8)/voix née.ogg"
url_path=$(printf '%s' "$path" | sed -e 's/ /%20/g' -e 's/é/%C3%A9/g')
mac=$(printf '%s %s' "$path" "$size" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')
code=$(curl -sS -o "$work/put.out" -w '%{http_code}' -X PUT -H 'Content-Type: audio/ogg' \
  --data-binary @"$work/payload.bin" "$base$url_path?v=$mac") || fail "PUT failed to connect"
[ "$code" = 201 ] || fail "PUT answered $code, want 201: $(cat "$work/put.out")"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$work/payload.bin" "$base$url_path.2?v=$mac")
[ "$code" = 403 ] || fail "PUT with a MAC for another path answered $code, want 403"
code=$(curl -sS -o "$work/get.bin" -w '%{http_code}' "$base$url_path")
[ "$code" = 200 ] || fail "GET answered $code"
cmp -s "$work/payload.bin" "$work/get.bin" || fail "downloaded bytes differ from the upload"
stored="$store/$path"
[ -f "$stored" ] || fail "the upload is not at $stored"
[ "$(stat -c %U "$stored")" = "$user" ] || fail "$stored is not owned by $user"
[ "$(stat -c %a "$stored")" = 640 ] || say "   note: $stored has mode $(stat -c %a "$stored") (the unit's UMask=0027 makes it 640 under systemd)"
say "   PUT 201, wrong MAC 403, GET 200 with identical bytes, stored at $stored"

metrics=$(curl -fsS "$ops/metrics") || fail "GET /metrics failed"
echo "$metrics" | grep -q '^prosody_filer_uploads_total{status="201"} 1.0' || fail "metrics do not count the upload"
curl -fsS "$ops/health" > /dev/null || fail "/health is not 200"
curl -fsS "$ops/ready" > /dev/null || fail "/ready is not 200"
say "   /metrics counts the upload; /health and /ready answer 200"

stop_server
await_notify "STOPPING=1"
say "   stopped cleanly on SIGTERM"

# ---------------------------------------------------------------------------------------------
say "4. upgrade to ${version}+upgradetest1"
dpkg -i "$work/upgrade.deb" < /dev/null > "$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log" >&2; fail "upgrade failed (a conffile prompt?)"; }
[ "$(dpkg-query -W -f='${Version}' "$pkg")" = "${version}+upgradetest1" ] || fail "version after upgrade is $(dpkg-query -W -f='${Version}' "$pkg")"
grep -q "^secret = \"$secret\"" "$cfg" || fail "the upgrade replaced the admin's config"
[ "$(stat -c '%U:%G %a' "$cfg")" = "root:$user 640" ] || fail "config permissions changed by the upgrade"
cmp -s "$work/payload.bin" "$stored" || fail "the stored file changed or vanished in the upgrade"
[ "$(id -u "$user")" = "$uid" ] || fail "the user's uid changed in the upgrade"
start_server "$work/server2.log"
code=$(curl -sS -o "$work/get2.bin" -w '%{http_code}' "$base$url_path")
[ "$code" = 200 ] && cmp -s "$work/payload.bin" "$work/get2.bin" || fail "the file uploaded before the upgrade is not served after it ($code)"
stop_server
say "   config, permissions, user and stored files kept; the old upload is served (ready after ${startup_ms} ms)"

# ---------------------------------------------------------------------------------------------
say "5. purge"
dpkg --purge "$pkg" < /dev/null > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge failed"; }
dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "installed\|config-files" && fail "package still known to dpkg"
for p in /usr/bin/prosody-filer /usr/lib/prosody-filer "$etc" "$store" /lib/systemd/system/prosody-filer.service /usr/share/doc/prosody-filer; do
  [ -e "$p" ] && fail "$p is left after purge"
done
getent passwd "$user" >/dev/null && fail "user $user is left after purge"
getent group "$user" >/dev/null && fail "group $user is left after purge"
dpkg-statoverride --list "$etc/config.toml" >/dev/null 2>&1 && fail "a stat override is left after purge"
say "   nothing left: files, config, store, user, group and stat override are gone"
say "OK"
