#!/usr/bin/env bash
# Copies the JavaScript sync SDK's committed bundle (mobile-api/js/dist/) into the inspectors'
# app (internal/inspectorapp/ui/sdk/), which Go's embed cannot reach outside its package.
# Run it after the SDK's bundle changes (after a merge too); TestSDK_CopyIsCurrent fails while
# the copy differs from the bundle.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/mobile-api/js/dist"
dst="$root/internal/inspectorapp/ui/sdk"
mkdir -p "$dst"
rm -f "$dst"/*
cp "$src"/* "$dst"/
echo "app-sdk: copied $(ls "$src" | wc -l) file(s) from mobile-api/js/dist to internal/inspectorapp/ui/sdk"
