#!/usr/bin/env bash
# Builds outpost-fuzz with libFuzzer and AddressSanitizer and runs each fuzz target (every parser
# of outside input, see Sources/OutpostFuzzing) for FUZZ_SECONDS (default 60) each; FUZZ_TARGETS
# picks some (default: all). Each target starts from its committed corpus in Fuzz/corpus/TARGET;
# a crash, hang, leak or broken promise is copied there and the run fails, so the input becomes
# a regression test on the next `make test` (FuzzCorpusTests).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
TARGETS="${FUZZ_TARGETS:-frame agent-config hub-config profile nmea line modbus csv query}"
OUT=.build-fuzz

echo "fuzz: building outpost-fuzz with -sanitize=fuzzer,address (in $OUT)"
# lld, not gold: gold (binutils 2.40) stops with an internal error on this link.
swift build -c release --product outpost-fuzz --build-path "$OUT" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
BIN="$OUT/release/outpost-fuzz"

failed=0
for target in $TARGETS; do
    [ -d "Fuzz/corpus/$target" ] || { echo "fuzz: no target '$target'" >&2; exit 2; }
    work="$OUT/corpus/$target"
    artifacts="$OUT/artifacts/$target"
    mkdir -p "$work" "$artifacts"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
    status=0
    # TOMLKit (0.6) leaks the C strings of a table's keys on every `keys` (tableGetKeys): a few
    # bytes per key, once per start for a configuration. Leak checks stay on for the others.
    leaks=1
    case "$target" in agent-config | hub-config | profile) leaks=0 ;; esac
    # Swift's own backtracer crashes under AddressSanitizer; a fatalError's message is enough.
    export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=$leaks"
    # The first folder collects what the fuzzer finds; the committed corpus is only read.
    "$BIN" "$target" "$work" "Fuzz/corpus/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
        -rss_limit_mb=2048 -max_len=16384 -detect_leaks=$leaks -artifact_prefix="$artifacts/" -print_final_stats=1 \
        >"$OUT/$target.log" 2>&1 || status=$?
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$OUT/$target.log" | sed "s/^/fuzz: $target: /" || true
    [ "$status" -eq 0 ] || tail -40 "$OUT/$target.log"
    for artifact in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/leak-*; do
        [ -e "$artifact" ] || continue
        cp "$artifact" "Fuzz/corpus/$target/"
        echo "fuzz: $target: kept $(basename "$artifact") in Fuzz/corpus/$target"
        rm "$artifact"
        failed=1
    done
    [ "$status" -eq 0 ] || failed=1
done
if [ "$failed" -ne 0 ]; then
    echo "fuzz: a target failed on an input; see Fuzz/corpus/ and replay with: swift run outpost-fuzz TARGET FILE" >&2
    exit 1
fi
echo "fuzz: no crash, hang or broken promise in ${SECONDS_PER_TARGET}s per target ($TARGETS)"
