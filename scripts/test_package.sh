#!/usr/bin/env bash
# The Debian package on this machine: build it with CPack (build-pkg/,
# prefix /usr), install it with dpkg, run the installed chatircd (through
# the user unit's own command and a ~/.config file) against the installed
# chatd on loopback for one IRC login and echobot round trip, check the
# man pages, the conffile and the units, then purge it and check that
# nothing is left. Needs root or sudo (dpkg). Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
check() {		# check "what" command...: one result per call
	local what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
finish() {
	echo "package: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

work=$(mktemp -d)
pids=()
installed=0
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ "$installed" -eq 1 ] && $sudo dpkg --purge chatircd >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

if dpkg-query -W -f='${Status}' chatircd 2>/dev/null |
    grep -qv 'not-installed'; then
	bad "a chatircd package is already installed here: dpkg --purge" \
	    "chatircd first (this test installs and purges its own)"
	finish
fi

# 1. Build the package.
echo "=== build-pkg: cpack -G DEB" >&2
if ! bash scripts/build.sh build-pkg -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_BUILD_TYPE=Release >&2; then
	bad "build-pkg builds"
	finish
fi
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' \
    build-pkg/CMakeCache.txt)
deb=build-pkg/chatircd_${version}_$(dpkg --print-architecture).deb
rm -f build-pkg/chatircd_*.deb
(cd build-pkg && cpack -G DEB >&2)
if [ ! -f "$deb" ]; then
	bad "cpack makes $deb"
	finish
fi
ok "cpack makes $deb"

want="/usr/sbin/chatircd /usr/bin/chatd /usr/bin/chat
/etc/chatircd/chatircd.conf
/usr/share/man/man8/chatircd.8.gz /usr/share/man/man5/chatircd.conf.5.gz
/usr/share/man/man8/chatd.8.gz /usr/share/man/man1/chat.1.gz
/usr/lib/systemd/system/chatircd.service
/usr/lib/systemd/system/chatd.service
/usr/lib/systemd/user/chatircd.service"
dpkg-deb -c "$deb" | awk '{ print substr($6, 2) }' >"$work/contents"
missing=""
for f in $want; do
	grep -qx "$f" "$work/contents" || missing="$missing $f"
done
check "package holds every file (missing:${missing:- none})" \
    test -z "$missing"
check "Depends from shlibdeps names libevent" \
    grep -q libevent <(dpkg-deb -f "$deb" Depends)

# 2. Install it.
if ! $sudo dpkg -i "$deb" >&2; then
	bad "dpkg -i $deb"
	finish
fi
installed=1
ok "dpkg -i $deb"
dpkg-query -L chatircd >"$work/files"
check "chatircd --version" \
    test "$(/usr/sbin/chatircd --version)" = "chatircd $version"
check "chatd --version" test "$(/usr/bin/chatd --version)" = "chatd $version"
check "chatircd -n -f /etc/chatircd/chatircd.conf" \
    /usr/sbin/chatircd -n -f /etc/chatircd/chatircd.conf
check "/etc/chatircd/chatircd.conf is a conffile" \
    grep -q '/etc/chatircd/chatircd.conf ' \
    <(dpkg-query -W -f='${Conffiles}' chatircd)
for page in chatircd chatircd.conf chatd chat; do
	check "man -w $page" test -n "$(man -w "$page" 2>/dev/null |
	    grep '^/usr/share/man/')"
done
check "man chatircd renders" grep -q "IRC gateway" \
    <(MANWIDTH=80 man chatircd 2>/dev/null)
if command -v systemd-analyze >/dev/null; then
	for u in /usr/lib/systemd/system/chatircd.service \
	    /usr/lib/systemd/system/chatd.service; do
		out=$(systemd-analyze verify "$u" 2>&1)
		check "systemd-analyze verify $u ${out:+($out)}" test -z "$out"
	done
	mkdir -p "$work/run"
	out=$(XDG_RUNTIME_DIR=$work/run systemd-analyze --user verify \
	    /usr/lib/systemd/user/chatircd.service 2>&1)
	check "systemd-analyze --user verify ${out:+($out)}" test -z "$out"
fi

# 3. Run it: installed chatd, installed chatircd started the way the user
# unit starts it (%E = a fresh XDG_CONFIG_HOME holding a config file).
wait_port() {		# wait_port FILE: the port a daemon printed
	local i
	for i in $(seq 100); do
		sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$1" | grep . &&
		    return 0
		sleep 0.1
	done
	return 1
}
/usr/bin/chatd --bind 127.0.0.1 --port 0 >"$work/chatd.out" \
    2>"$work/chatd.err" &
pids+=($!)
chatd_port=$(wait_port "$work/chatd.out")
mkdir -p "$work/config/chatircd"
printf 'listen 127.0.0.1:0\nupstream 127.0.0.1:%s\n' "$chatd_port" \
    >"$work/config/chatircd/chatircd.conf"
exec_start=$(sed -n 's/^ExecStart=//p' /usr/lib/systemd/user/chatircd.service)
exec_start=${exec_start//%E/$work\/config}
eval "exec $exec_start" >"$work/gw.out" 2>"$work/gw.err" &
pids+=($!)
gw_port=$(wait_port "$work/gw.out")
check "installed daemons listen (chatd ${chatd_port:-?}, chatircd \
${gw_port:-?} from the user unit's config)" test -n "$chatd_port" -a -n "$gw_port"
check "IRC login, 004 version, echobot round trip" \
    /usr/bin/python3 - "${gw_port:-0}" "$version" <<'EOF'
import socket, sys, time
port, version = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"NICK pkgtest\r\nUSER pkgtest 0 * :pkg\r\n")
buf, seen, deadline = b"", [], time.monotonic() + 10
want = [" 004 pkgtest chatircd.invalid chatircd-%s " % version,
        " PRIVMSG pkgtest :round trip"]
while want and time.monotonic() < deadline:
    try:
        data = s.recv(4096)
    except socket.timeout:
        break
    if not data:
        break
    buf += data
    while b"\r\n" in buf:
        line, buf = buf.split(b"\r\n", 1)
        line = line.decode(errors="replace")
        seen.append(line)
        if line.startswith("PING "):
            s.sendall(("PONG " + line[5:] + "\r\n").encode())
        if " 001 pkgtest " in line:
            s.sendall(b"PRIVMSG echobot :round trip\r\n")
        if want and want[0] in line and (len(want) == 2 or
                                         line.startswith(":echobot!")):
            want.pop(0)
s.sendall(b"QUIT\r\n")
if want:
    print("\n".join(seen) + "\nmissing: %r" % want, file=sys.stderr)
sys.exit(1 if want else 0)
EOF
check "start-up is one info line naming listen and upstream" \
    test "$(grep -c 'info: chatircd .*IRC clients on.*chat server' \
    "$work/gw.err")" -eq 1 -a "$(grep -c 'limit \|warning' \
    "$work/gw.err")" -eq 0
for i in 1 0; do
	kill -TERM "${pids[$i]}"
	wait "${pids[$i]}"
	rc=$?
	name=chatd
	[ "$i" -eq 1 ] && name=chatircd
	check "$name exits 0 on SIGTERM" test "$rc" -eq 0
done
pids=()

# 4. Purge it: every file it installed gone, /etc/chatircd too.
check "dpkg --purge chatircd" $sudo dpkg --purge chatircd >&2
installed=0
left=""
while read -r f; do
	[ -d "$f" ] && continue	# shared directories (/usr/bin) stay
	[ -e "$f" ] && left="$left $f"
done <"$work/files"
[ -e /etc/chatircd ] && left="$left /etc/chatircd"
check "nothing left after purge (${left:-clean})" test -z "$left"
check "dpkg forgets chatircd" test -z \
    "$(dpkg-query -W -f='${Status}' chatircd 2>/dev/null |
    grep -v not-installed)"
cd "$root" || true
finish
