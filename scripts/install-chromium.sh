#!/usr/bin/env bash
# Installs Debian's Chromium (and a Chinese font for its screenshots) for the console's
# browser tests, when it is missing. The tests drive /usr/bin/chromium with chromedp; no test
# tool downloads a browser of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	# go test prints nothing of a passing package, skips included: this line is what tells a
	# developer's make test that it did not check everything.
	command -v chromium >/dev/null 2>&1 ||
		echo "install-chromium: not root or no apt-get; install Debian's chromium yourself, or the browser tests (console, public pages) skip (and fail under CI=true)" >&2
	command -v pdftotext >/dev/null 2>&1 ||
		echo "install-chromium: not root or no apt-get; install poppler-utils yourself, or the text of the PDFs (notices, papers) goes unchecked (and the tests fail under CI=true)" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
pkgs="chromium fonts-wqy-microhei poppler-utils"
apt-get install -y -q $pkgs >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $pkgs >/dev/null; }
chromium --version
