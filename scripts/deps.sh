#!/usr/bin/env bash
# Install the Debian packages a task needs, only those missing.
# usage: deps.sh build|test
set -euo pipefail

build_pkgs="cmake make gcc pkg-config libevent-dev uthash-dev libcmocka-dev
	libsqlite3-dev libsodium-dev libssl-dev libwslay-dev libpq-dev"
test_pkgs="clang libclang-rt-14-dev python3 python3-pytest tmux irssi valgrind
	weechat-headless weechat-plugins ii netcat-openbsd procps iproute2
	haproxy openssl dpkg-dev man-db systemd chromium fonts-dejavu-core
	postgresql"
# npm for tests/web (The Lounge brings its own Node 22): Debian's, unless
# one is already on PATH (a nodesource nodejs ships its own npm).
command -v npm >/dev/null || test_pkgs="$test_pkgs nodejs npm"

want=$build_pkgs
[ "${1:-build}" = test ] && want="$build_pkgs $test_pkgs"

missing=()
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >&2
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
