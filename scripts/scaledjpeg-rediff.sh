#!/usr/bin/env bash
# Re-diffs internal/blobs/scaledjpeg against the image/jpeg of the Go toolchain in use and
# compares the result with the recorded diff (internal/blobs/scaledjpeg/upstream.diff), so that
# no change to the fork goes unrecorded and a new Go release's decoder changes are seen.
#   scripts/scaledjpeg-rediff.sh           check: exit 1 and show what differs
#   scripts/scaledjpeg-rediff.sh --update  rewrite upstream.diff after reviewing the change
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
fork=internal/blobs/scaledjpeg
upstream="$(go env GOROOT)/src/image/jpeg"
recorded="$fork/upstream.diff"

current() {
	echo "# internal/blobs/scaledjpeg against $(go env GOVERSION) src/image/jpeg"
	for f in dct.go huffman.go reader.go scan.go; do
		# diff exits 1 when the files differ, which they do.
		diff -u --label "upstream/$f" --label "scaledjpeg/$f" "$upstream/$f" "$fork/$f" || [ $? -eq 1 ]
	done
}

if [ "${1:-}" = "--update" ]; then
	current >"$recorded"
	echo "wrote $recorded"
	exit 0
fi
# Go's BSD licence travels with the forked code, and UPSTREAM.md names the release it is from.
if ! cmp -s "$(go env GOROOT)/LICENSE" "$fork/LICENSE"; then
	echo "$fork/LICENSE is not the licence of $(go env GOVERSION): copy $(go env GOROOT)/LICENSE" >&2
	exit 1
fi
version="$(go env GOVERSION)"
if ! grep -qF "Forked from **Go ${version#go}**" "$fork/UPSTREAM.md"; then
	echo "$fork/UPSTREAM.md does not say it is forked from Go ${version#go}" >&2
	exit 1
fi
if ! diff -u --label recorded --label current "$recorded" <(current); then
	echo "scaledjpeg differs from upstream otherwise than $recorded records: review the change," >&2
	echo "list it in $fork/UPSTREAM.md, then run $0 --update" >&2
	exit 1
fi
echo "scaledjpeg differs from $(go env GOVERSION) image/jpeg exactly as recorded"
