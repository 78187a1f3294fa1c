#!/usr/bin/env bash
# Installs Debian's nginx (nginx-light) for the test of the documented reverse proxy
# (internal/ops TestDeploy_NginxAsDocumented), when it is missing. The test runs it in the
# foreground on loopback ports of its own; the package's own service is not needed.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-nginx: not root or no apt-get; install nginx yourself, or the proxy test skips (and fails under CI=true)" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q nginx-light >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q nginx-light >/dev/null; }
# The package starts its own server on port 80; the test needs only the binary.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
	systemctl stop nginx || true
fi
/usr/sbin/nginx -v
