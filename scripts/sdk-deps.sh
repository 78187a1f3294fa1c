#!/usr/bin/env bash
# Installs the JavaScript SDK's npm packages from its lockfile (npm ci; npm's own cache keeps
# them between runs) and checks that its committed generated types and dist/ bundle are what
# its sources make, with a strict tsc pass. Installs Debian's nodejs and npm when missing (as
# root); without them the SDK's tests skip, and under CI=true this fails.
set -euo pipefail
cd "$(dirname "$0")/../mobile-api/js"
if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q nodejs npm >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q nodejs npm >/dev/null; }
fi
if ! command -v npm >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "sdk-deps: npm is missing" >&2
		exit 1
	fi
	echo "sdk-deps: no npm; the JavaScript SDK's tests skip" >&2
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
npm run --silent check
