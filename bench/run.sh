#!/usr/bin/env bash
# Benchmarks prosody-filer against nginx (WebDAV PUT + static GET) on loopback and prints one
# Markdown table. See bench/README.md.
#
#   bench/run.sh [--quick] [--repeat N] [--only SCENARIO[,SCENARIO...]] [--jar PATH]
#                [--launcher PATH | --no-launcher] [--nginx PATH] [--workdir DIR] [--out FILE]
#
# Exit status: 0 all requests succeeded and verified; 1 some request failed or a download did not
# verify; 2 the bench could not run (missing jar/nginx, bad option).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
JAVA_HOME=$("$root/bin/find-jdk")
export JAVA_HOME
classes=${BENCH_CLASSES:-/tmp/pf-bench-classes-$(id -u)}
# Recompile the generator when any source is newer than the last build.
if [ ! -f "$classes/Bench.class" ] || [ -n "$(find "$here/loadgen" -name '*.java' -newer "$classes/Bench.class")" ]; then
  rm -rf "$classes"
  "$JAVA_HOME/bin/javac" -Xlint:all -Werror --release 21 -d "$classes" "$here"/loadgen/*.java
fi
# Serial GC and a fixed heap keep the generator's own CPU small and steady.
exec "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xms256m -Xmx1g -cp "$classes" Bench --root "$root" "$@"
