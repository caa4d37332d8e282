#!/usr/bin/env bash
# Coverage-guided fuzzing of the Jazzer @FuzzTest targets in src/test/java/org/prosodyfiler/fuzz/.
# `./mvnw verify` only replays their regression inputs; this script fuzzes each target for real,
# in a JVM of its own (Jazzer fuzzes one @FuzzTest per JVM), for --seconds N each.
#
#   scripts/fuzz.sh                              # every target, 10 s each (the pass CI runs)
#   scripts/fuzz.sh --seconds 3600 PathFuzzTest  # one target for an hour
#   scripts/fuzz.sh --build-dir /tmp/pf-build-me --seconds 60 MacFuzzTest JwtFuzzTest
#
# A finding fails the run; Jazzer writes the input to
# src/test/resources/org/prosodyfiler/fuzz/<Target>Inputs/<method>/crash-<sha1>, where every
# later `./mvnw verify` replays it: keep it there (with the fix). The growing corpus lives in
# .cifuzz-corpus/ (not committed) and makes the next run start where this one stopped.
# Output: one line per target (runs, exec/s, result); the full log is in <build dir>/fuzz.log.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=10
build=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?}; shift 2 ;;
    --build-dir) build=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds needs a positive whole number" >&2; exit 2; }
if [ ${#targets[@]} -eq 0 ]; then
  for f in src/test/java/org/prosodyfiler/fuzz/*FuzzTest.java; do targets+=("$(basename "$f" .java)"); done
fi

JAVA_HOME=$(bin/find-jdk); export JAVA_HOME
locale charmap 2>/dev/null | grep -qi 'utf-\?8' || export LC_ALL=C.UTF-8
export MAVEN_OPTS="${MAVEN_OPTS:-} $(bin/maven-opts)"
mvn_args=(-B -ntp)
if [ -n "$build" ]; then
  mkdir -p "$build"; build=$(cd "$build" && pwd); mvn_args+=("-Dbuild.dir=$build")
else
  build=$PWD/target; mkdir -p "$build"
fi
log=$build/fuzz.log
stamp=$build/fuzz.started
touch "$stamp"

# While fuzzing, keep the hooks that guide the fuzzer through regular expressions; the bug
# detectors for injections, deserialization and the like have nothing to find in these parsers.
sanitizers=com.code_intelligence.jazzer.sanitizers
unused=""
for s in BigDecimal ClojureLangHooks Deserialization ExpressionLanguageInjection FilePathTraversal LdapInjection \
         NamingContextLookup OsCommandInjection ReflectiveCall RegexInjection ScriptEngineInjection \
         ServerSideRequestForgery SqlInjection TemplateInjection UnsafeSanitizer XPathInjection XmlParserSsrfGuidance; do
  unused+="${unused:+:}$sanitizers.$s"
done

echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each; log in $log"
start=$(date +%s)
rc=0
JAZZER_FUZZ=1 ./mvnw "${mvn_args[@]}" test \
  -Dtest="$(IFS=,; echo "${targets[*]}")" -Dsurefire.failIfNoSpecifiedTests=false \
  -DreuseForks=false -Djazzer.fuzz.seconds="$seconds" -Djazzer.unused.sanitizers="$unused" \
  >"$log" 2>&1 || rc=$?

# One line per target from the log: surefire's "Running <class>", libFuzzer's "Done N runs in S second(s)".
awk -v fmt="%-24s %12s %6s %9s  %s\n" '
  BEGIN { printf fmt, "target", "runs", "secs", "exec/s", "result" }
  /Running org\.prosodyfiler\.fuzz\./ { sub(/.*Running org\.prosodyfiler\.fuzz\./, ""); cur = $1; order[++n] = cur }
  /^Done [0-9]+ runs in [0-9]+ second/ { runs[cur] = $2; secs[cur] = $5 }
  /Tests run:.* in org\.prosodyfiler\.fuzz\./ { res[cur] = ($0 ~ /FAIL/) ? "FAILED" : "ok" }
  END {
    for (i = 1; i <= n; i++) {
      t = order[i]
      if (t in runs) {
        total += runs[t]
        printf fmt, t, runs[t], secs[t], (secs[t] > 0 ? int(runs[t] / secs[t]) : runs[t]), res[t]
      } else {
        printf fmt, t, "-", "-", "-", (t in res ? res[t] : "did not run")
      }
    }
    printf "total executions: %d\n", total
  }' "$log"
echo "fuzz.sh: $(( $(date +%s) - start ))s in all"

found=$(find src/test/resources/org/prosodyfiler/fuzz -name 'crash-*' -newer "$stamp" 2>/dev/null || true)
if [ -n "$found" ]; then
  echo "fuzz.sh: new crashing inputs (now regression inputs; commit them with the fix):"
  echo "$found" | sed 's/^/  /'
fi
if [ "$rc" -ne 0 ]; then
  echo "fuzz.sh: FAILED (exit $rc); findings and errors from $log:"
  # The finding (exception and the first frames of ours), else Maven's own errors.
  grep -a -E -A14 '^Caused by|FuzzTestFindingException:' "$log" | grep -a -v -E '^\s+at (java\.|com\.code_intelligence|org\.junit)' | head -40 \
    || grep -a '\[ERROR\]' "$log" | head -30
fi
exit "$rc"
