#!/usr/bin/env bash
# Builds the libFuzzer target for the frame decoder and runs it for FUZZ_SECONDS (default 60).
# Crashers are copied into Tests/OutpostWireTests/FuzzRegressions/ and the run fails, so they
# become regression tests on the next `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${FUZZ_SECONDS:-60}"
OUT=.build-fuzz
mkdir -p "$OUT/corpus" "$OUT/artifacts"
cp Tests/OutpostWireTests/FuzzRegressions/seed-* Tests/OutpostWireTests/Golden/frame-v1.* "$OUT/corpus/"

echo "fuzz: building $OUT/frame-decoder-fuzz"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name OutpostWireFuzz -package-name outpost \
    $(find Sources/OutpostWire -name '*.swift' | sort) Fuzz/FrameDecoderFuzz.swift \
    -o "$OUT/frame-decoder-fuzz"

echo "fuzz: running for ${SECONDS_TO_RUN}s"
status=0
"$OUT/frame-decoder-fuzz" "$OUT/corpus" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$OUT/artifacts/" -print_final_stats=1 || status=$?

found=0
for artifact in "$OUT"/artifacts/crash-* "$OUT"/artifacts/timeout-* "$OUT"/artifacts/oom-* "$OUT"/artifacts/leak-*; do
    [ -e "$artifact" ] || continue
    cp "$artifact" Tests/OutpostWireTests/FuzzRegressions/
    echo "fuzz: kept $(basename "$artifact") as a regression input"
    found=1
done
if [ "$found" -ne 0 ] || [ "$status" -ne 0 ]; then
    echo "fuzz: the decoder failed on an input; see Tests/OutpostWireTests/FuzzRegressions/" >&2
    exit 1
fi
echo "fuzz: no crash in ${SECONDS_TO_RUN}s"
