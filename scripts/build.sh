#!/usr/bin/env bash
# Builds the fieldsync server as one static binary (no cgo: PocketBase's SQLite is
# modernc.org/sqlite, pure Go) with its version, commit and build date, which
# `fieldsync --version` prints. `make build` runs it; the tests of cmd/fieldsync build with it.
#
#   scripts/build.sh [output]          default output: bin/fieldsync
#   VERSION=1.4.0 scripts/build.sh     override what git says (also COMMIT, BUILD_DATE)
set -euo pipefail

out=${1:-bin/fieldsync}
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$(dirname "$0")/.."

version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
built=${BUILD_DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}

export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
CGO_ENABLED=0 go build -trimpath \
	-ldflags "-s -w -X main.version=$version -X main.commit=$commit -X main.built=$built" \
	-o "$out" ./cmd/fieldsync
