#!/usr/bin/env bash
# Bounded soak of the packaged server on loopback: mixed load (uploads of many sizes in all MAC
# dialects, full and ranged downloads checked byte for byte, HEADs, invalid MACs, conflicts, 404s,
# uploads aborted half-way, DELETEs) from scripts/soak/SoakLoad.java, while the server's RSS, open
# file descriptors and threads are sampled from /proc every 10 s.
#
#   scripts/soak.sh                 # 10 minutes of load
#   scripts/soak.sh --minutes 30
#   scripts/soak.sh --quick         # about a minute in all
#   options: --jar FILE (default <build dir>/prosody-filer.jar, built if missing),
#            --build-dir DIR, --clients N (default 8), --keep (keep the work dir; kept anyway on failure)
#
# Phases: start, a short warm-up (so that thread pools and buffers reach their working size),
# idle, "baseline" sample, the load, idle, "after" sample. Fails (exit 1) if after the idle period
# file descriptors or threads are not back within a small margin of the baseline, if any answer
# was not the one the protocol requires, if the server logged an ERROR, if a temp file of an
# aborted upload is left behind, or if the server died.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

minutes=10
quick=0
jar=""
build=""
clients=8
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=${2:?}; shift 2 ;;
    --quick) quick=1; shift ;;
    --jar) jar=${2:?}; shift 2 ;;
    --build-dir) build=${2:?}; shift 2 ;;
    --clients) clients=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $minutes =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: --minutes needs a positive whole number" >&2; exit 2; }
if [ "$quick" = 1 ]; then
  load_s=40; warm_s=8; idle_s=10
else
  load_s=$((minutes * 60)); warm_s=20; idle_s=20
fi
fd_margin=8      # a few descriptors come and go (log rotation, JIT, jar reads)
thread_margin=4  # compiler threads are added and retired by the JVM on its own

JAVA_HOME=$(bin/find-jdk); export JAVA_HOME
java=$JAVA_HOME/bin/java
locale charmap 2>/dev/null | grep -qi 'utf-\?8' || export LC_ALL=C.UTF-8
if [ -z "$jar" ]; then
  build=${build:-$root/target}
  jar=$build/prosody-filer.jar
  if [ ! -f "$jar" ]; then
    echo "soak.sh: building $jar"
    MAVEN_OPTS="${MAVEN_OPTS:-} $(bin/maven-opts)" ./mvnw -q -B -ntp -Dbuild.dir="$build" -DskipTests package
  fi
fi
[ -f "$jar" ] || { echo "soak.sh: no jar at $jar" >&2; exit 2; }

work=$(mktemp -d /tmp/pf-soak.XXXXXX)
server_pid=""
load_pid=""
cleanup() {
  local rc=$?
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then kill "$load_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  # A failed soak keeps its server log and load output for a look.
  if [ "$keep" = 1 ] || [ "$rc" != 0 ]; then echo "soak.sh: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
delete_secret=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >"$work/config.toml" <<EOF
listenport = "127.0.0.1:0"
secret = "$secret"
storeDir = "$work/store"
uploadSubDir = "upload/"
metronomeDeleteSecret = "$delete_secret"
minFreeSpace = 0
EOF
# Through the launcher, as in production: conf/jvm.options (small heap, serial GC, capped direct
# memory), the flags newer JDKs take, the malloc settings and the start-up cache. RSS must stay
# flat with them. (Without the launcher's malloc settings RSS grew ~65 MiB more under this load.)
PROSODY_FILER_JAR="$jar" bin/prosody-filer -config "$work/config.toml" >"$work/server.log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 1 600); do
  base=$(grep -o 'listening on http://[^ ]*' "$work/server.log" | head -1 | sed 's/listening on //' || true)
  [ -n "$base" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "soak.sh: server exited:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "soak.sh: server did not start:"; tail -20 "$work/server.log"; exit 1; }

# The load program is compiled once (java File.java would compile on every start).
mkdir -p "$work/classes"
"$JAVA_HOME/bin/javac" -d "$work/classes" scripts/soak/SoakLoad.java

samples=()
last_fds=0
last_threads=0
t0=$(date +%s)
sample() {  # $1 = phase name
  local status rss threads fds stats requests unexpected store
  status=$(cat "/proc/$server_pid/status" 2>/dev/null) || { samples+=("$(printf '%-10s %6s  server gone' "$1" $(( $(date +%s) - t0 )))"); return; }
  rss=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' <<<"$status")
  threads=$(awk '/^Threads:/ {print $2}' <<<"$status")
  fds=$( (ls "/proc/$server_pid/fd" 2>/dev/null || true) | wc -l)
  stats=$(cat "$work/stats" 2>/dev/null || true)
  requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$stats"); requests=${requests:-0}
  unexpected=$(sed -n 's/.*unexpected=\([0-9]*\).*/\1/p' <<<"$stats"); unexpected=${unexpected:-0}
  # du races with DELETEs (files vanish while it walks): take its number, ignore its complaints
  store=$( (du -sm "$work/store" 2>/dev/null || true) | cut -f1)
  samples+=("$(printf '%-10s %6d %9d %5d %8d %9d %10d %9d' "$1" $(( $(date +%s) - t0 )) "$rss" "$fds" "$threads" "$requests" "$unexpected" "$store")")
  last_fds=$fds; last_threads=$threads
}
run_load() {  # $1 = seconds; runs in the background, its pid in load_pid
  "$java" -cp "$work/classes" SoakLoad --base "$base" --secret "$secret" --delete-secret "$delete_secret" \
    --seconds "$1" --clients "$clients" --stats "$work/stats" >"$work/load-$2.out" 2>&1 &
  load_pid=$!
}
wait_load() {  # samples every 10 s while the load runs; returns the load's exit code
  local phase=$1 rc=0 next=$(( $(date +%s) + 10 ))
  while kill -0 "$load_pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$next" ]; then sample "$phase"; next=$(( next + 10 )); fi
    sleep 1
  done
  wait "$load_pid" || rc=$?
  return "$rc"
}

echo "soak.sh: server pid $server_pid at $base; load ${load_s}s with $clients clients (work dir $work)"
sample start
warm_rc=0
run_load "$warm_s" warmup
wait_load warm-up || warm_rc=$?
sleep "$idle_s"
sample baseline
base_fds=$last_fds; base_threads=$last_threads
load_rc=0
run_load "$load_s" soak
wait_load load || load_rc=$?
sample load-end
sleep "$idle_s"
sample after-idle
after_fds=$last_fds; after_threads=$last_threads

printf '%-10s %6s %9s %5s %8s %9s %10s %9s\n' phase t_s rss_mib fds threads requests unexpected store_mib
printf '%s\n' "${samples[@]}"
echo
cat "$work/load-soak.out"
echo

failed=0
fail() { echo "soak.sh: FAIL: $*"; failed=1; }
kill -0 "$server_pid" 2>/dev/null || fail "the server died"
[ "$warm_rc" = 0 ] || { fail "unexpected answers during the warm-up:"; cat "$work/load-warmup.out"; }
[ "$load_rc" = 0 ] || fail "unexpected answers during the load (see above)"
[ "$after_fds" -le $((base_fds + fd_margin)) ] || fail "open files $after_fds after the idle period, baseline $base_fds (margin $fd_margin)"
[ "$after_threads" -le $((base_threads + thread_margin)) ] || fail "threads $after_threads after the idle period, baseline $base_threads (margin $thread_margin)"
errors=$(grep -c ' ERROR ' "$work/server.log" || true)
[ "$errors" = 0 ] || { fail "$errors ERROR line(s) in the server log:"; grep -m5 -A3 ' ERROR ' "$work/server.log"; }
parts=$(find "$work/store/.prosody-filer/tmp" -name '*.part' 2>/dev/null | wc -l)
[ "$parts" = 0 ] || fail "$parts temp file(s) of unfinished uploads left after the idle period"
warns=$(grep -c ' WARN ' "$work/server.log" || true)
echo "soak.sh: server log: $errors ERROR, $warns WARN lines (WARN = refused requests, aborted uploads); $parts temp files left"
if [ "$failed" = 0 ]; then
  echo "soak.sh: PASS (fds $base_fds -> $after_fds, threads $base_threads -> $after_threads)"
fi
exit "$failed"
