#!/usr/bin/env bash
# Writes a manual page per program and subcommand from the programs' own --help, with
# swift-argument-parser's generate-manual tool (from the checkout the build resolved): the pages
# can never disagree with the options.
#   manual-pages.sh BIN_DIR OUT_DIR SCRATCH_DIR
set -euo pipefail
bin=$1
out=$2
scratch=$3
parser=$scratch/checkouts/swift-argument-parser
if [ ! -d "$parser" ]; then
    echo "manual-pages: $parser is missing: the programs were not built in $scratch" >&2
    exit 1
fi
# Unoptimised: it runs three times, and builds in a third of the time.
${SWIFT:-swift} build --package-path "$parser" --scratch-path .build-manual --product generate-manual
tool=.build-manual/debug/generate-manual
rm -rf "$out"
mkdir -p "$out"
for program in outpost-agent outpost-hub outpostctl; do
    # The changelog's date (dpkg-buildpackage sets SOURCE_DATE_EPOCH): the same pages every build.
    "$tool" "$bin/$program" --output-directory "$out" --authors "Outpost developers<outpost@example.org>" \
        --date "$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)"
done
