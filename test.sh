#!/usr/bin/env bash
# Runs the whole test suite, as CI does: installs the Debian packages the end-to-end tests drive
# (when run as root and they are missing), finds a JDK >= 21, then `./mvnw verify`
# (unit + property + fuzz-regression tests in surefire, real-server tests in failsafe), then
# 10 s of fuzzing per target, then (as root) builds, installs, exercises and purges the Debian
# package, then the benchmark's quick smoke mode. Extra arguments go to Maven, e.g. ./test.sh -Dit.test=ProsodyUploadIT
# SKIP_FUZZ=1 / SKIP_DEB_TEST=1 / SKIP_BENCH_SMOKE=1 leave those steps out.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-test-deps.sh
JAVA_HOME=$(bin/find-jdk); export JAVA_HOME
# Tests create files with non-ASCII names; Java needs a UTF-8 locale for that (CI may have none).
locale charmap 2>/dev/null | grep -qi 'utf-\?8' || export LC_ALL=C.UTF-8
export MAVEN_OPTS="${MAVEN_OPTS:-} $(bin/maven-opts)"
echo "test.sh: using JDK at $JAVA_HOME"
./mvnw -B -ntp verify "$@"
# Coverage-guided fuzzing of every parser, briefly (verify only replayed the saved inputs).
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  echo "test.sh: fuzzing each target for 10 s (scripts/fuzz.sh)"
  scripts/fuzz.sh --seconds 10
fi
# The Debian package, installed and exercised for real (needs root for dpkg).
if [ "$(id -u)" = 0 ] && [ "${SKIP_DEB_TEST:-0}" != 1 ]; then
  echo "test.sh: Debian package build + install test (scripts/test-deb.sh)"
  rm -f target/prosody-filer_*.deb
  scripts/build-deb.sh --jar target/prosody-filer.jar --out target
  scripts/test-deb.sh "$(ls -t target/prosody-filer_*.deb | head -1)"
fi
if [ -x bench/run.sh ] && [ "${SKIP_BENCH_SMOKE:-0}" != 1 ]; then
  echo "test.sh: benchmark smoke run (bench/run.sh --quick --floor)"
  bench/run.sh --quick --floor
fi
# One closing line for humans and CI: the JUnit totals of surefire and failsafe.
python3 - <<'PY' 2>/dev/null || true
import glob, xml.etree.ElementTree as ET
t = f = s = 0
for p in glob.glob('target/surefire-reports/TEST-*.xml') + glob.glob('target/failsafe-reports/TEST-*.xml'):
    r = ET.parse(p).getroot()
    t += int(r.get('tests', 0)); s += int(r.get('skipped', 0))
    f += int(r.get('failures', 0)) + int(r.get('errors', 0))
print(f"tests: {t - f - s} passed, {f} failed, {s} skipped")
PY
