#!/usr/bin/env bash
# The whole test suite: a normal build and an ASan+UBSan build, each with
# unit and integration tests (real chatd, chatircd and IRC clients on
# loopback); after the normal build the Debian package (built, installed,
# run, purged) and the Node clients (The Lounge in Chromium, irc-framework);
# then every libFuzzer target for a bounded time, then the protocol-level
# integration tests again with both daemons under valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test

FUZZ_SECONDS=${FUZZ_SECONDS:-45}
JOBS=${TEST_JOBS:-2}
status=0

run_tree() {
	local dir=$1; shift
	echo "=== $dir: build" >&2
	bash scripts/build.sh "$dir" "$@"
	echo "=== $dir: ctest" >&2
	ctest --test-dir "$dir" --output-on-failure -j"$JOBS" || status=1
}

run_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "=== build-pkg: the Debian package, installed, run and purged" >&2
bash scripts/test_package.sh || status=1
echo "=== tests/web: The Lounge in Chromium, irc-framework" >&2
bash tests/web/run.sh || status=1
run_tree build-asan -DCMAKE_BUILD_TYPE=Debug -DCHATIRCD_SANITIZE=ON

echo "=== build-fuzz: libFuzzer, ${FUZZ_SECONDS}s per target" >&2
CC=clang bash scripts/build.sh build-fuzz -DCMAKE_BUILD_TYPE=Debug \
    -DCHATIRCD_FUZZ=ON
fuzz_pass=0 fuzz_fail=0
for bin in build-fuzz/tests/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus_src=tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$corpus_src" ] && cp -r "$corpus_src/." "$work/"
	dict=tests/fuzz/${name#fuzz_}.dict
	args=(-max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048
	    -close_fd_mask=2
	    -artifact_prefix="$work/")
	[ -f "$dict" ] && args+=(-dict="$dict")
	if "$bin" "${args[@]}" "$work" >"$work.log" 2>&1; then
		fuzz_pass=$((fuzz_pass + 1))
		grep -E '^#[0-9]+.*DONE' "$work.log" | tail -1 | sed "s/^/$name: /" >&2 || true
	else
		fuzz_fail=$((fuzz_fail + 1))
		echo "FUZZ FAILURE: $name" >&2
		tail -40 "$work.log" >&2
		status=1
	fi
	rm -rf "$work" "$work.log"
done
echo "fuzz: $fuzz_pass passed, $fuzz_fail failed"

# valgrind: memory errors or definite leaks make a daemon exit 99, which
# the fixtures report as a failed test.
VALGRIND_TESTS=${VALGRIND_TESTS:-"test_chatd.py test_gw_register.py \
test_gw_msg.py test_gw_query.py test_gw_chan.py test_gw_nick.py \
test_gw_reconnect.py test_gw_tls.py"}
echo "=== valgrind: $VALGRIND_TESTS" >&2
(
	cd tests/integration
	export CHATD_BIN=$PWD/../../build/contrib/chatd/chatd
	export CHATIRCD_BIN=$PWD/../../build/gateway/chatircd
	export CHAT_BIN=$PWD/../../build/contrib/chat/chat
	export DAEMON_WRAPPER="valgrind -q --error-exitcode=99
	    --leak-check=full --show-leak-kinds=definite,indirect
	    --errors-for-leak-kinds=definite,indirect"
	# shellcheck disable=SC2086
	/usr/bin/python3 -m pytest -q -p no:cacheprovider -o addopts= \
	    $VALGRIND_TESTS
) || status=1
exit $status
