#!/usr/bin/env bash
# Rewrites the golden frame of wire-format version N (default 1) in Tests/OutpostWireTests/Golden:
# frame-vN.json is the source (edit it when the format changes), frame-vN.bin is packed from it
# and signed afresh with the golden gateway's key, and the JSON is rewritten from the binary so
# that both say the same, new signature included. GoldenVectorTests then pins the encoder to them.
#   scripts/write-golden.sh [N] [FOLDER]      (FOLDER defaults to the committed golden folder)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-1}"
golden="${2:-Tests/OutpostWireTests/Golden}"
swift build --product outpostctl >/dev/null
outpostctl="$(swift build --show-bin-path)/outpostctl"
json="$golden/frame-v$version.json"
binary="$golden/frame-v$version.bin"
"$outpostctl" frame pack "$json" --key "$golden/golden-gw-01.key" -o "$binary"
"$outpostctl" frame show "$binary" --public-key "$golden/golden-gw-01.pub" > "$json.new"
mv "$json.new" "$json"
echo "wrote $binary and $json"
