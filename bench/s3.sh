#!/usr/bin/env bash
# S3 mode of the benchmark: S3Proxy (filesystem blob store, on loopback) as the bucket and
# prosody-filer with storage = "s3" in front of it, started with the shipped JVM flags
# (conf/jvm.options). Streams SIZE bytes through the server into S3 with
# curl from a generator pipe (v MAC, Content-Length, no chunking), reads them back, and prints one
# Markdown table: wall time, throughput, CPU seconds (utime+stime from /proc/PID/stat) and peak
# RSS (VmHWM) of the server, and S3Proxy's CPU for comparison.
#
#   bench/s3.sh [--size BYTES] [--parallel N] [--jar PATH] [--workdir DIR] [--keep] [--out FILE]
#
# --parallel N sends N uploads of SIZE at once (then N downloads): memory per upload shows as the
# growth of the server's peak RSS with N. S3_BENCH_SERVER_FLAGS adds JVM flags to the server.
#
# Exit status: 0 upload and download succeeded and verified; 1 a transfer failed or did not
# verify; 2 the bench could not run (missing tool, bad option, a server did not start).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
JAVA_HOME=$("$root/bin/find-jdk")
export JAVA_HOME

size=$((1024 * 1024 * 1024))
parallel=1
jar=${PROSODY_FILER_JAR:-$root/target/prosody-filer.jar}
workdir=""
keep=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "s3.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$size" in ''|*[!0-9]*) echo "s3.sh: --size must be a number of bytes" >&2; exit 2 ;; esac
case "$parallel" in ''|*[!0-9]*|0) echo "s3.sh: --parallel must be a positive number" >&2; exit 2 ;; esac
for tool in curl openssl cmp awk; do
  command -v "$tool" >/dev/null || { echo "s3.sh: $tool is missing" >&2; exit 2; }
done

[ -n "$workdir" ] || workdir=$(mktemp -d /tmp/pf-bench-s3.XXXXXX)
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$keep" = 0 ]; then rm -rf "$workdir"; else echo "s3.sh: kept $workdir" >&2; fi
}
trap cleanup EXIT

fail() { echo "s3.sh: $*" >&2; exit 2; }

# --- the server jar and S3Proxy's class path (S3Proxy is a test dependency of the project) ---
if [ ! -f "$jar" ]; then
  echo "s3.sh: building $jar" >&2
  [ "$jar" = "$root/target/prosody-filer.jar" ] || fail "$jar does not exist"
  (cd "$root" && ./mvnw -q -B -DskipTests package) >&2
fi
cpfile=$workdir/s3proxy.classpath
(cd "$root" && ./mvnw -q -B -Dbuild.dir="$workdir/mvn" dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile") >"$workdir/mvn.log" 2>&1 \
  || { cat "$workdir/mvn.log" >&2; fail "cannot resolve S3Proxy's class path"; }

# --- S3Proxy on a free loopback port, objects under $workdir/s3 ---------------------------
identity=bench
credential=$(openssl rand -hex 16)
mkdir -p "$workdir/s3"
cat >"$workdir/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:0
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$identity
s3proxy.credential=$credential
jclouds.provider=filesystem
jclouds.identity=$identity
jclouds.credential=$credential
jclouds.filesystem.basedir=$workdir/s3
EOF
cat >"$workdir/s3proxy-logback.xml" <<'EOF'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d %level %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.eclipse.jetty.server.AbstractConnector" level="INFO"/>
  <logger name="org.gaul.shaded.org.eclipse.jetty.server.AbstractConnector" level="INFO"/>
  <root level="WARN"><appender-ref ref="out"/></root>
</configuration>
EOF
"$JAVA_HOME/bin/java" -Xmx1g -Dlogback.configurationFile="$workdir/s3proxy-logback.xml" \
  -cp "$(cat "$cpfile")" org.gaul.s3proxy.Main --properties "$workdir/s3proxy.properties" \
  >"$workdir/s3proxy.log" 2>&1 &
s3pid=$!
pids+=("$s3pid")

await_log() { # file pattern seconds pid
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if grep -qoE "$2" "$1" 2>/dev/null; then grep -oE "$2" "$1" | head -1; return 0; fi
    kill -0 "$4" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
s3addr=$(await_log "$workdir/s3proxy.log" '\{127\.0\.0\.1:[0-9]+\}' 60 "$s3pid") \
  || { cat "$workdir/s3proxy.log" >&2; fail "S3Proxy did not start"; }
s3port=${s3addr//[^0-9.:]/}; s3port=${s3port##*:}
endpoint=http://127.0.0.1:$s3port
bucket=bench
mkdir -p "$workdir/s3/$bucket" # the filesystem blob store: a bucket is a directory, an object a file

# --- prosody-filer, storage = "s3" -------------------------------------------------------------
secret=$(openssl rand -hex 16)
cat >"$workdir/config.toml" <<EOF
listenport = "127.0.0.1:0"
secret = "$secret"
storeDir = "$workdir/spool"
uploadSubDir = "upload/"
accessLog = false
storage = "s3"
[s3]
endpoint = "$endpoint"
region = "us-east-1"
bucket = "$bucket"
prefix = "bench/"
pathStyle = true
accessKey = "$identity"
secretKey = "$credential"
EOF
# The shipped JVM flags, read as bin/prosody-filer reads them; the jar is started directly so that
# exactly this jar is measured (the launcher would rebuild target/ when sources are newer).
flags=()
while IFS= read -r line; do
  line=${line%%#*}; line=$(echo "$line" | xargs)
  [ -n "$line" ] && flags+=("$line")
done <"$root/conf/jvm.options"
# shellcheck disable=SC2086 # extra flags for a profiling run, e.g. -XX:StartFlightRecording=...
LC_ALL=C.UTF-8 "$JAVA_HOME/bin/java" "${flags[@]}" ${S3_BENCH_SERVER_FLAGS:-} -jar "$jar" -config "$workdir/config.toml" >"$workdir/filer.log" 2>&1 &
filerpid=$!
pids+=("$filerpid")
base=$(await_log "$workdir/filer.log" 'listening on http://127\.0\.0\.1:[0-9]+/upload/' 120 "$filerpid") \
  || { cat "$workdir/filer.log" >&2; fail "prosody-filer did not start"; }
base=${base#listening on }

ticks=$(getconf CLK_TCK)
cpu() { awk -v t="$ticks" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
sys_cpu() { awk -v t="$ticks" '{ printf "%.2f", $15 / t }' "/proc/$1/stat"; }
rss_kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

run="run-$(date +%s)"
status=0
rss_idle=$(rss_kib "$filerpid" VmRSS)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# --- upload: N generator pipes at once, each streamed with a Content-Length --------------------
cpu0=$(cpu "$filerpid"); sys0=$(sys_cpu "$filerpid"); s3cpu0=$(cpu "$s3pid"); t0=$(now)
for ((i = 0; i < parallel; i++)); do
  path="$run/blob-$i.bin"
  mac=$(printf '%s %s' "$path" "$size" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  (head -c "$size" /dev/zero | curl -sS -o "$workdir/put-$i.body" -w '%{http_code}\n' \
     -T - -H "Content-Length: $size" -H "Transfer-Encoding:" -H "Expect:" "$base$path?v=$mac" >"$workdir/put-$i.code" \
     || echo 000 >"$workdir/put-$i.code") &
done
wait_transfers() { local p; for p in $(jobs -p); do [[ " ${pids[*]} " == *" $p "* ]] || wait "$p" || true; done; }
wait_transfers
t1=$(now); cpu1=$(cpu "$filerpid"); sys1=$(sys_cpu "$filerpid"); s3cpu1=$(cpu "$s3pid")
hwm_up=$(rss_kib "$filerpid" VmHWM)
up_codes=$(cat "$workdir"/put-*.code | sort | uniq -c | awk '{ printf "%s%s×%s", sep, $1, $2; sep=" " }')
for ((i = 0; i < parallel; i++)); do
  code=$(cat "$workdir/put-$i.code")
  [ "$code" = 201 ] || { echo "s3.sh: upload $i answered $code: $(cat "$workdir/put-$i.body")" >&2; status=1; }
  stored=$(stat -c %s "$workdir/s3/$bucket/bench/$run/blob-$i.bin" 2>/dev/null) || stored=0
  [ "$stored" = "$size" ] || { echo "s3.sh: S3 holds $stored bytes of upload $i, expected $size" >&2; status=1; }
done

# --- download: back through the server, each compared with the generator on the fly ------------
cpu2=$(cpu "$filerpid"); sys2=$(sys_cpu "$filerpid"); s3cpu2=$(cpu "$s3pid"); t2=$(now)
for ((i = 0; i < parallel; i++)); do
  (curl -sS -w '%{http_code} %{size_download}\n' -o >(cmp -s -n "$size" - /dev/zero && echo ok >"$workdir/verified-$i") \
     "$base$run/blob-$i.bin" >"$workdir/get-$i.code" || echo "000 0" >"$workdir/get-$i.code") &
done
wait_transfers
t3=$(now); cpu3=$(cpu "$filerpid"); sys3=$(sys_cpu "$filerpid"); s3cpu3=$(cpu "$s3pid")
hwm_down=$(rss_kib "$filerpid" VmHWM)
sleep 0.5 # the cmp processes write their verdict just after curl ends
down_codes=$(awk '{ print $1 }' "$workdir"/get-*.code | sort | uniq -c | awk '{ printf "%s%s×%s", sep, $1, $2; sep=" " }')
for ((i = 0; i < parallel; i++)); do
  read -r code bytes <"$workdir/get-$i.code"
  if [ "$code" != 200 ] || [ "$bytes" != "$size" ] || [ ! -f "$workdir/verified-$i" ]; then
    echo "s3.sh: download $i answered $code with $bytes bytes (content verified: $([ -f "$workdir/verified-$i" ] && echo yes || echo no))" >&2
    status=1
  fi
done
up_time=$(elapsed "$t0" "$t1"); down_time=$(elapsed "$t2" "$t3")

rate() { awk -v b="$size" -v n="$parallel" -v t="$1" 'BEGIN { if (t > 0) printf "%.0f", n * b / 1048576 / t; else print "-" }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
report=$(cat <<EOF
### prosody-filer, storage = "s3" (S3Proxy $(basename "$(tr ':' '\n' <"$cpfile" | grep -m1 '/s3proxy-[0-9]')" .jar | sed 's/s3proxy-//'), filesystem blob store, loopback)

$parallel × $((size / 1048576)) MiB, all at once; server started with conf/jvm.options; JDK $("$JAVA_HOME/bin/java" -version 2>&1 | awk -F'"' 'NR==1 { print $2 }'); $(nproc) cores.

| transfer | HTTP | wall s | MiB/s | server CPU s (of it kernel) | server peak RSS MiB | S3Proxy CPU s |
|---|---|---|---|---|---|---|
| PUT (client → filer → S3) | $up_codes | $up_time | $(rate "$up_time") | $(sub "$cpu0" "$cpu1") ($(sub "$sys0" "$sys1")) | $(mib "$hwm_up") | $(sub "$s3cpu0" "$s3cpu1") |
| GET (S3 → filer → client) | $down_codes | $down_time | $(rate "$down_time") | $(sub "$cpu2" "$cpu3") ($(sub "$sys2" "$sys3")) | $(mib "$hwm_down") | $(sub "$s3cpu2" "$s3cpu3") |

Server RSS when idle, before the upload: $(mib "$rss_idle") MiB. Peak RSS (VmHWM) covers the whole process life.
EOF
)
echo "$report"
[ -z "$out" ] || echo "$report" >"$out"
exit "$status"
