#!/usr/bin/env bash
# The main job: chatd on 127.0.0.1:5378 and chatircd in front of it on
# 127.0.0.1:6667 (browsers: http://127.0.0.1:8080/). Point an IRC client
# at localhost 6667. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

CHATD_PORT=${CHATD_PORT:-5378}
IRC_LISTEN=${IRC_LISTEN:-127.0.0.1:6667}
HTTP_LISTEN=${HTTP_LISTEN:-127.0.0.1:8080}

build/contrib/chatd/chatd --bind 127.0.0.1 --port "$CHATD_PORT" &
chatd_pid=$!
trap 'kill $chatd_pid 2>/dev/null; wait $chatd_pid 2>/dev/null' EXIT INT TERM
sleep 0.3
echo "chatd on 127.0.0.1:$CHATD_PORT; IRC clients: /connect localhost ${IRC_LISTEN##*:}; browsers: http://$HTTP_LISTEN/" >&2
build/gateway/chatircd --listen "$IRC_LISTEN" --http-listen "$HTTP_LISTEN" \
    --upstream "127.0.0.1:$CHATD_PORT" "$@"
