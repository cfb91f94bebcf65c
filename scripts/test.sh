#!/usr/bin/env bash
# What `make test` runs once the format is checked and the dependencies are installed:
#   1. the debug build, then every Swift test, in the three runs the Makefile explains;
#   2. the Debian packages, from an unoptimised static build, installed, upgraded, removed and
#      purged on a clean Debian 12 root (scripts/package-test.sh, docs/packaging.md).
# The clean root (debootstrap) and the static build start with the debug build, at idle
# priority (SCHED_IDLE and idle I/O): they get only the CPU the build leaves, in its serial
# stretches. The static build is stopped (SIGSTOP) while the tests run, whose deadlines must not
# share the machine (a run that let it go on beside them failed two browser and fleet tests on
# their 30 s waits), and goes on after them.
#
# Environment (set by the Makefile): SWIFT, OUTPOST_PYTHON, TEST_TIMEOUT, BLOCKING_TESTS.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SWIFT:=swift}" "${TEST_TIMEOUT:=1500}"
: "${BLOCKING_TESTS:?the Makefile names the tests that block threads}"
export OUTPOST_PYTHON
mkdir -p .build
root_log=.build/package-root.log
static_log=.build/package-static-build.log

# Each in a session of its own, so that a failure here stops it and what it started.
jobs_started=()
stop_jobs() {
    for job in "${jobs_started[@]}"; do
        kill -TERM -- -"$job" 2>/dev/null || true
        kill -CONT -- -"$job" 2>/dev/null || true  # a stopped process acts on SIGTERM once continued
    done
}
trap stop_jobs EXIT
idle() { setsid chrt --idle 0 ionice -c 3 "$@"; }
finish() {
    local job=$1 what=$2 log=$3
    if ! wait "$job"; then
        tail -n 40 "$log" >&2
        echo "test: $what failed (the whole log: $log)" >&2
        exit 1
    fi
}

idle bash scripts/package-root.sh >"$root_log" 2>&1 &
root_job=$!
jobs_started+=("$root_job")

# Resolved first, so that the two builds do not resolve the same packages at once.
"$SWIFT" package resolve >/dev/null
OUTPOST_BUILD_CONFIG=debug SWIFT="$SWIFT" idle make -f debian/rules override_dh_auto_build >"$static_log" 2>&1 &
static_job=$!
jobs_started+=("$static_job")

"$SWIFT" build --build-tests

kill -STOP -- -"$static_job" 2>/dev/null || true
run_tests() { timeout --signal=KILL "$TEST_TIMEOUT" "$SWIFT" test --skip-build "$@"; }
run_tests --filter OutpostAgentTests
run_tests --filter "$BLOCKING_TESTS"
run_tests --skip OutpostAgentTests --skip "$BLOCKING_TESTS"
kill -CONT -- -"$static_job" 2>/dev/null || true

echo "test: waiting for the clean root and the static build"
finish "$root_job" "making the clean Debian 12 root" "$root_log"
finish "$static_job" "the static build of the packaged programs" "$static_log"
make package-test PACKAGE_CONFIG=debug
