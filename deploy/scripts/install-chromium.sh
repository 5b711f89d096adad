#!/usr/bin/env bash
# install-chromium.sh: installs Debian's chromium for the browser test of the
# public pages (lookup/browser_test.go) when it is missing. Idempotent.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "install-chromium: chromium is missing; run as root or: sudo apt-get install -y chromium" >&2
	exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
