#!/usr/bin/env bash
# Runs the whole test suite, as CI does: installs the Debian packages the end-to-end tests drive
# (when run as root and they are missing), finds a JDK >= 21, then `./mvnw verify`
# (unit + property + fuzz tests in surefire, real-server tests in failsafe), then the
# benchmark's quick smoke mode. Extra arguments go to Maven, e.g. ./test.sh -Dit.test=ProsodyUploadIT
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-test-deps.sh
JAVA_HOME=$(bin/find-jdk); export JAVA_HOME
# Tests create files with non-ASCII names; Java needs a UTF-8 locale for that (CI may have none).
locale charmap 2>/dev/null | grep -qi 'utf-\?8' || export LC_ALL=C.UTF-8
export MAVEN_OPTS="${MAVEN_OPTS:-} $(bin/maven-opts)"
echo "test.sh: using JDK at $JAVA_HOME"
./mvnw -B -ntp verify "$@"
if [ -x bench/run.sh ] && [ "${SKIP_BENCH_SMOKE:-0}" != 1 ]; then
  echo "test.sh: benchmark smoke run (bench/run.sh --quick)"
  bench/run.sh --quick
fi
