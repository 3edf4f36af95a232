#!/usr/bin/env bash
# compare.sh: one run of loadgen against chatd, chatircd+chatd and what people
# run instead (ngircd, haproxy+ngircd, ZNC+ngircd), servers pinned to one
# core and the load to another; prints one markdown table. Loopback only.
#
#   tests/bench/compare.sh [BUILD_DIR]        (default: build/ of this tree)
#
# Knobs (environment): PAIRS MESSAGES WINDOW SIZE (relay), LAT_PAIRS LAT_RATE
# LAT_SECONDS (latency), SESSIONS="1000 9000" SOURCES SESSION_TIMEOUT (idle
# logins; SESSIONS="" skips them), TIMEOUT (seconds per loadgen run),
# REPEAT (relay and latency runs per setup; the table shows the best),
# ROWS="chatd chatircd bouncer ngircd haproxy znc" (a subset for quick
# runs; bouncer: chatircd --db, every sender and receiver an account;
# bouncer_pg: the same on PostgreSQL, not in the default rows),
# SERVER_CPU LOAD_CPU, PG_CPU (bouncer_pg's PostgreSQL server; default
# SERVER_CPU, PG_CPU=$LOAD_CPU models the database on a machine of its own:
# it then shares the load generator's core, not the servers'), CHATD_BIN
# CHATIRCD_BIN LOADGEN_BIN, ZNC_PAIRS (ZNC needs one configured user per
# session), KEEP_TMP=1 (keep configs, logs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-${BUILD:-$ROOT/build}}" && pwd)
CHATD=${CHATD_BIN:-$BUILD/contrib/chatd/chatd}
CHATIRCD=${CHATIRCD_BIN:-$BUILD/gateway/chatircd}
LOADGEN=${LOADGEN_BIN:-$BUILD/tests/bench/loadgen}
PAIRS=${PAIRS:-50}
MESSAGES=${MESSAGES:-20000}
WINDOW=${WINDOW:-64}
SIZE=${SIZE:-64}
ZNC_PAIRS=${ZNC_PAIRS:-$PAIRS}
LAT_PAIRS=${LAT_PAIRS:-10}
LAT_RATE=${LAT_RATE:-5000}
LAT_SECONDS=${LAT_SECONDS:-5}
SESSIONS=${SESSIONS-"1000 9000"}
SOURCES=${SOURCES:-50}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PG_CPU=${PG_CPU:-$SERVER_CPU}
TIMEOUT=${TIMEOUT:-120}
REPEAT=${REPEAT:-3}
SESSION_TIMEOUT=${SESSION_TIMEOUT:-600}
HOST=127.0.0.1

for b in "$CHATD" "$CHATIRCD" "$LOADGEN"; do
	[ -x "$b" ] || { echo "compare.sh: $b missing: build first" >&2; exit 2; }
done

# --- peers from Debian -------------------------------------------------------
need=()
command -v ngircd >/dev/null || [ -x /usr/sbin/ngircd ] || need+=(ngircd)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v znc >/dev/null || need+=(znc)
command -v taskset >/dev/null || need+=(util-linux)
command -v ss >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "compare.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q >&2
	$sudo apt-get install -y -q --no-install-recommends "${need[@]}" >&2
	# the packages' own services must not hold ports or CPU during the run
	for s in ngircd haproxy; do
		$sudo systemctl stop "$s" >/dev/null 2>&1 || true
	done
fi
NGIRCD=$(command -v ngircd || echo /usr/sbin/ngircd)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
ZNC=$(command -v znc)

ulimit -n "$(ulimit -Hn)"
# Dirty pages (a build just before) throttle the bouncer's writes:
# written out first, so that the rows measure chatircd, not the build.
sync
TMP=$(mktemp -d /tmp/compare.XXXXXX)
PIDS=()

# Stop the servers of one row (the next row starts fresh ones).
stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}

cleanup() {
	stop_all
	pg_stop
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A loopback port nobody listens on now.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))	# below the ephemeral range
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

# start NAME CMD...: run pinned to SERVER_CPU; PID in $LASTPID.
start() {
	local name=$1; shift
	taskset -c "$SERVER_CPU" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	LASTPID=$!
	PIDS+=("$LASTPID")
}

# wait_listen NAME PORT: until something listens on PORT.
wait_listen() {
	local i
	for i in $(seq 100); do
		ss -Htln "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	echo "compare.sh: $1 not listening on $2" >&2
	cat "$TMP/$1.err" >&2
	exit 1
}

# Our daemons print "listening on ADDR:PORT": the port they got, in PORT.
port_of() {
	local i
	PORT=
	for i in $(seq 100); do
		PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' \
		    "$TMP/$1.out" 2>/dev/null | head -1)
		[ -n "$PORT" ] && return 0
		sleep 0.1
	done
	echo "compare.sh: $1 did not start" >&2
	cat "$TMP/$1.err" >&2
	exit 1
}

# load ARGS...: loadgen on LOAD_CPU; its result line on stdout. A short
# run (delivered < expected) still prints its line, and the table shows it.
load() {
	taskset -c "$LOAD_CPU" "$LOADGEN" --timeout "$TIMEOUT" "$@" \
	    2>>"$TMP/loadgen.err" || true
}

# field LINE KEY: a key=value of a loadgen line.
field() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

# best KEY max|min OLD NEW: the loadgen line with the better KEY. A shared
# machine only ever adds noise that slows a run, so the best of REPEAT runs
# is the closest to what the software can do.
best() {
	local a b
	[ -n "$3" ] || { echo "$4"; return; }
	a=$(field "$3" "$1")
	b=$(field "$4" "$1")
	if awk -v a="${a:-0}" -v b="${b:-0}" -v d="$2" \
	    'BEGIN { exit !(d == "max" ? b > a : b < a) }'; then
		echo "$4"
	else
		echo "$3"
	fi
}

# --- the setups: each starts its servers and sets TARGET, SRV_PIDS, PROTO ---
setup_chatd() {
	start chatd "$CHATD" --bind $HOST --port 0 --max-clients 20000 --no-bots
	SRV_PIDS="$LASTPID"
	port_of chatd
	TARGET=$HOST:$PORT
	PROTO=chat
}

setup_chatircd() {
	setup_chatd
	start chatircd "$CHATIRCD" --listen $HOST:0 --upstream "$TARGET" \
	    --max-clients 20000 --per-address 20000
	SRV_PIDS="$LASTPID $SRV_PIDS"
	port_of chatircd
	TARGET=$HOST:$PORT
	PROTO=irc
}

# chatircd as a bouncer: one account per session (a0.., b0..), so every
# message is stored twice (the sender's copy and the receiver's).
setup_bouncer() {
	local i u
	setup_chatd
	BOUNCER_DB=$TMP/bouncer.db
	rm -f "$BOUNCER_DB" "$BOUNCER_DB-wal" "$BOUNCER_DB-shm"
	for i in $(seq 0 $((PAIRS - 1))); do
		for u in a$i b$i; do
			echo bench | "$CHATIRCD" --db "$BOUNCER_DB" \
			    --add-user "$u" >/dev/null
		done
	done
	start bouncer "$CHATIRCD" --listen $HOST:0 --upstream "$TARGET" \
	    --max-clients 20000 --per-address 20000 --db "$BOUNCER_DB" \
	    --history-max 0 --playback-max 1
	SRV_PIDS="$LASTPID $SRV_PIDS"
	port_of bouncer
	TARGET=$HOST:$PORT
	PROTO=irc
	PASS_ARGS=(--pass bench)
}

# The bouncer on PostgreSQL (issue 19): Debian's server, started here as
# user postgres in $TMP/pg (a Unix socket only, its settings as shipped:
# fsync and synchronous_commit on), pinned to PG_CPU (the servers' CPU
# unless told otherwise).
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null \
	    2>&1 || true
	PG_DIR=
}
setup_bouncer_pg() {
	local i u
	setup_chatd
	PG_DIR=$TMP/pg
	mkdir -p "$PG_DIR"
	chmod 755 "$TMP" "$PG_DIR"
	[ "$(id -u)" -ne 0 ] || chown postgres "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust \
	    --no-sync >/dev/null
	printf "listen_addresses = ''\nunix_socket_directories = '%s'\n" \
	    "$PG_DIR" >>"$PG_DIR/data/postgresql.conf"
	pg_as taskset -c "$PG_CPU" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" \
	    -l "$PG_DIR/log" -w start >/dev/null
	pg_as "$PG_BIN/createdb" -h "$PG_DIR" -U postgres chatircd
	BOUNCER_DB="postgresql:///chatircd?host=$PG_DIR&user=postgres"
	for i in $(seq 0 $((PAIRS - 1))); do
		for u in a$i b$i; do
			echo bench | "$CHATIRCD" --db "$BOUNCER_DB" \
			    --add-user "$u" >/dev/null
		done
	done
	start bouncer_pg "$CHATIRCD" --listen $HOST:0 --upstream "$TARGET" \
	    --max-clients 20000 --per-address 20000 --db "$BOUNCER_DB" \
	    --history-max 0 --playback-max 1
	SRV_PIDS="$LASTPID $SRV_PIDS"
	port_of bouncer_pg
	# every account logged in (holder.c takes them within a second)
	for i in $(seq 100); do
		[ "$(grep -c 'held by this gateway' "$TMP/bouncer_pg.err")" \
		    -ge $((2 * PAIRS)) ] && break
		sleep 0.1
	done
	sleep 1
	TARGET=$HOST:$PORT
	PROTO=irc
	PASS_ARGS=(--pass bench)
}

# Bytes on disk (database, WAL; the search file and its WAL, once its
# index has caught up: at most 60 s) per stored message, in DISK.
disk_per_msg() {
	DISK=$(/usr/bin/python3 - "$BOUNCER_DB" <<-'EOF'
	import os, sqlite3, sys, time
	db = sys.argv[1]
	con = sqlite3.connect(db, timeout=10)
	n, top = con.execute("SELECT count(*), coalesce(max(id), 0) FROM msg"
	                     ).fetchone()
	search = db + "-search"
	waited = 0.0
	if os.path.exists(search):
	    con.execute("ATTACH DATABASE ? AS search", (search,))
	    t0 = time.monotonic()
	    while time.monotonic() - t0 < 60 and con.execute(
	            "SELECT upto FROM search.fts_state").fetchone()[0] < top:
	        time.sleep(0.2)
	    waited = time.monotonic() - t0
	con.close()
	size = sum(os.path.getsize(db + x) for x in
	           ("", "-wal", "-search", "-search-wal")
	           if os.path.exists(db + x))
	index = sum(os.path.getsize(search + x) for x in ("", "-wal")
	            if os.path.exists(search + x))
	files = ", ".join("%s %.1f MB" % (x or "file", os.path.getsize(db + x)
	                                  / 1e6) for x in
	                  ("", "-wal", "-search", "-search-wal")
	                  if os.path.exists(db + x))
	print("%d messages stored, %d bytes on disk, %.0f bytes per message"
	      " (the search file %.0f of them, indexed %.1f s after the run;"
	      " %s)" % (n, size, size / n if n else 0, index / n if n else 0,
	                waited, files))
	EOF
	)
}

ngircd_conf() {
	cat >"$TMP/ngircd.conf" <<-EOF
	[Global]
	Name = bench.invalid
	Info = compare.sh
	Listen = $HOST
	Ports = $1
	MotdPhrase = compare.sh
	[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxNickLength = 16
	MaxPenaltyTime = 0
	PingTimeout = 3600
	PongTimeout = 3600
	[Options]
	DNS = no
	Ident = no
	PAM = no
	EOF
}

setup_ngircd() {
	local p
	p=$(free_port)
	ngircd_conf "$p"
	start ngircd "$NGIRCD" --nodaemon -f "$TMP/ngircd.conf"
	NG_PID=$LASTPID
	SRV_PIDS="$LASTPID"
	wait_listen ngircd "$p"
	NG_PORT=$p
	TARGET=$HOST:$p
	PROTO=irc
}

setup_haproxy() {
	local p
	setup_ngircd
	p=$(free_port)
	cat >"$TMP/haproxy.cfg" <<-EOF
	global
		maxconn 5000
	defaults
		mode tcp
		timeout connect 5s
		timeout client 1h
		timeout server 1h
	frontend irc
		bind $HOST:$p
		default_backend ngircd
	backend ngircd
		server ngircd $HOST:$NG_PORT
	EOF
	start haproxy "$HAPROXY" -db -f "$TMP/haproxy.cfg"
	SRV_PIDS="$LASTPID $SRV_PIDS"
	wait_listen haproxy "$p"
	TARGET=$HOST:$p
}

# ZNC: one user per session (a0.., b0..), each with a network on ngircd,
# flood control off; password hash: SHA-256 of password then salt.
# ZNC connects its users one per second (ConnectDelay has a 1 s floor).
znc_conf() {
	local port=$1 n=$2 salt hash i u
	salt=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	hash=$(printf '%s%s' bench "$salt" | sha256sum | cut -d' ' -f1)
	mkdir -p "$TMP/znc/configs"
	{
		echo "Version = 1.8.2"
		echo "ConnectDelay = 0"
		echo "ServerThrottle = 0"
		echo "AnonIPLimit = 100000"
		echo "MaxBufferSize = 100000"
		echo "<Listener l>"
		echo "	Host = $HOST"
		echo "	Port = $port"
		echo "	IPv4 = true"
		echo "	IPv6 = false"
		echo "	SSL = false"
		echo "	AllowWeb = false"
		echo "</Listener>"
		for i in $(seq 0 $((n - 1))); do
			for u in a$i b$i; do
				echo "<User $u>"
				echo "	Nick = $u"
				echo "	AltNick = ${u}_"
				echo "	Ident = $u"
				echo "	RealName = $u"
				echo "	Admin = false"
				echo "	MaxNetworks = 1"
				echo "	AutoClearQueryBuffer = true"
				echo "	<Pass password>"
				echo "		Method = sha256"
				echo "		Hash = $hash"
				echo "		Salt = $salt"
				echo "	</Pass>"
				echo "	<Network bench>"
				echo "		Server = $HOST $NG_PORT"
				echo "		FloodRate = -1.00"	# no flood queue
				echo "		IRCConnectEnabled = true"
				echo "	</Network>"
				echo "</User>"
			done
		done
	} >"$TMP/znc/configs/znc.conf"
}

# established connections to ngircd's port
ng_clients() {
	ss -Htn state established "dport = :$NG_PORT" | wc -l
}

setup_znc() {
	local p i
	setup_ngircd
	p=$(free_port)
	znc_conf "$p" "$ZNC_PAIRS"
	if [ "$(id -u)" -eq 0 ]; then
		# as root ZNC waits 30 s before starting: run it as nobody
		chmod 711 "$TMP"
		chown -R nobody:nogroup "$TMP/znc"
		start znc setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$ZNC" --foreground --datadir "$TMP/znc"
	else
		start znc "$ZNC" --foreground --datadir "$TMP/znc"
	fi
	SRV_PIDS="$LASTPID $SRV_PIDS"
	wait_listen znc "$p"
	for i in $(seq $((ZNC_PAIRS * 20 + 300))); do
		[ "$(ng_clients)" -ge $((ZNC_PAIRS * 2)) ] && break
		sleep 0.1
	done
	[ "$(ng_clients)" -ge $((ZNC_PAIRS * 2)) ] || {
		echo "compare.sh: ZNC connected $(ng_clients) of" \
		    "$((ZNC_PAIRS * 2)) users to ngircd" >&2
		exit 1
	}
	sleep 1		# the 001s behind the last connections
	TARGET=$HOST:$p
	PROTO=irc
	PASS_ARGS=(--pass bench)
}

# run PAIRS LOADGEN_ARGS...: one loadgen run on the servers of the current
# setup, its line in RESULT. Not in a $(subshell): the EXIT trap must see
# the servers.
run() {
	local pairs=$1 pidargs=() p
	shift
	for p in $SRV_PIDS; do
		pidargs+=(--pid "$p")
	done
	RESULT=$(load --proto "$PROTO" --target "$TARGET" --pairs "$pairs" \
	    --sources "$SOURCES" "${PASS_ARGS[@]}" "${pidargs[@]}" "$@")
}

# --- the runs ----------------------------------------------------------------
ROWS=${ROWS:-"chatd chatircd bouncer ngircd haproxy znc"}
DISK=
declare -A NAME=([chatd]="chat clients -> chatd"
	[chatircd]="IRC -> chatircd -> chatd"
	[bouncer]="IRC -> chatircd --db (bouncer) -> chatd"
	[bouncer_pg]="IRC -> chatircd --db postgresql:// (bouncer) -> chatd"
	[ngircd]="IRC -> ngircd"
	[haproxy]="IRC -> haproxy (TCP) -> ngircd" [znc]="IRC -> ZNC -> ngircd")
declare -A RELAY LAT
lat_msgs=$((LAT_RATE * LAT_SECONDS / LAT_PAIRS))
for r in $ROWS; do
	pairs=$PAIRS
	[ "$r" = znc ] && pairs=$ZNC_PAIRS
	echo "compare.sh: $r: starting" >&2
	PASS_ARGS=()
	"setup_$r"
	RELAY[$r]=
	LAT[$r]=
	# the same servers for every repeat (ZNC takes a second per user to
	# start); new names where the server has them, ZNC has one user each
	for i in $(seq "$REPEAT"); do
		prefix=(--prefix "r$i")
		[ "$r" = znc ] || [ "${r%_pg}" = bouncer ] && prefix=()
		echo "compare.sh: $r: relay $i" >&2
		run "$pairs" --messages "$MESSAGES" --window "$WINDOW" \
		    --size "$SIZE" "${prefix[@]}"
		echo "  $RESULT" >&2
		RELAY[$r]=$(best msg_s max "${RELAY[$r]}" "$RESULT")
	done
	for i in $(seq "$REPEAT"); do
		prefix=(--prefix "l$i")
		[ "$r" = znc ] || [ "${r%_pg}" = bouncer ] && prefix=()
		echo "compare.sh: $r: latency $i" >&2
		run "$LAT_PAIRS" --messages "$lat_msgs" --window "$WINDOW" \
		    --size "$SIZE" --rate "$LAT_RATE" "${prefix[@]}"
		echo "  $RESULT" >&2
		LAT[$r]=$(best p99_ms min "${LAT[$r]}" "$RESULT")
	done
	[ "$r" = bouncer ] && disk_per_msg
	stop_all
	pg_stop
done
declare -A SESS_GW SESS_CHATD
for n in $SESSIONS; do
	echo "compare.sh: $n idle sessions through chatircd" >&2
	setup_chatircd
	gw=${SRV_PIDS%% *}
	SESS_GW[$n]=$(load --proto irc --target "$TARGET" --pairs 0 \
	    --idle "$n" --sources "$SOURCES" --pid "$gw" \
	    --timeout "$SESSION_TIMEOUT")
	echo "  ${SESS_GW[$n]}" >&2
	stop_all
	echo "compare.sh: $n idle sessions straight to chatd" >&2
	setup_chatd
	SESS_CHATD[$n]=$(load --proto chat --target "$TARGET" --pairs 0 \
	    --idle "$n" --sources "$SOURCES" --pid "$SRV_PIDS" \
	    --timeout "$SESSION_TIMEOUT")
	echo "  ${SESS_CHATD[$n]}" >&2
	stop_all
done

# --- the table ---------------------------------------------------------------
base=$(field "${RELAY[chatd]:-}" msg_s)
base99=$(field "${LAT[chatd]:-}" p99_ms)
pg_on=
[[ " $ROWS " != *" bouncer_pg "* ]] || pg_on=", PostgreSQL on CPU $PG_CPU"
echo
echo "Relay: $PAIRS pairs ($ZNC_PAIRS through ZNC), $MESSAGES messages each," \
    "$SIZE-byte text, $WINDOW in flight per sender; servers on CPU" \
    "$SERVER_CPU, load on CPU $LOAD_CPU$pg_on. Latency: $LAT_PAIRS pairs at" \
    "$LAT_RATE msg/s for ${LAT_SECONDS} s. Best of $REPEAT runs each" \
    "(msg/s highest, p99 lowest); idle logins: one run each."
echo
echo "| setup | delivered | refused | msg/s | x chatd | servers' CPU µs/msg | servers' peak RSS KiB | p50 ms @$LAT_RATE/s | p99 ms @$LAT_RATE/s | p99 vs chatd ms |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for r in $ROWS; do
	m=$(field "${RELAY[$r]}" msg_s)
	p99=$(field "${LAT[$r]}" p99_ms)
	d=$(field "${RELAY[$r]}" delivered)
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
	    "${NAME[$r]}" "$d" "$(field "${RELAY[$r]}" refused)" "${m:-?}" \
	    "$(awk -v a="${m:-0}" -v b="${base:-0}" \
		'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')" \
	    "$(awk -v c="$(field "${RELAY[$r]}" srv_cpu_s)" -v d="${d%/*}" \
		'BEGIN { if (d > 0) printf "%.2f", c * 1e6 / d; else print "?" }')" \
	    "$(field "${RELAY[$r]}" peak_rss_kib)" \
	    "$(field "${LAT[$r]}" p50_ms)" "${p99:-?}" \
	    "$(awk -v a="${p99:-0}" -v b="${base99:-0}" \
		'BEGIN { printf "%+.3f", a - b }')"
done
[ -z "$DISK" ] || { echo; echo "Bouncer store: $DISK."; }
[ -n "$SESSIONS" ] || exit 0
echo
echo "| idle sessions | through chatircd: logged in | logins/s | gateway RSS per session KiB | chatd alone: logins/s |"
echo "|---|---|---|---|---|"
for n in $SESSIONS; do
	g=${SESS_GW[$n]}
	c=${SESS_CHATD[$n]}
	printf '| %s | %s | %s | %s | %s |\n' "$n" "$(field "$g" logins)" \
	    "$(awk -v n="$n" -v s="$(field "$g" login_s)" \
		'BEGIN { if (s > 0) printf "%.0f", n / s; else print "?" }')" \
	    "$(awk -v n="$n" -v p="$(field "$g" peak_rss_kib)" \
		-v b="$(field "$g" base_rss_kib)" \
		'BEGIN { printf "%.1f", (p - b) / n }')" \
	    "$(awk -v n="$n" -v s="$(field "$c" login_s)" \
		'BEGIN { if (s > 0) printf "%.0f", n / s; else print "?" }')"
done
