#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-server under hostile or heavy clients: oversized request heads,
# conflicting Content-Length / Transfer-Encoding (request smuggling),
# slowloris (head and body), a slow client not blocking others, per-address
# and total connection limits, 1,000 concurrent connections, and graceful
# shutdown (SIGTERM during a large download, the bound on draining, a
# second signal, idle keep-alive connections).  Every wait is bounded.
source "$(dirname "$0")/lib.sh"
SRV="$BUILD/ota-server"
T=$(mktemp -d /tmp/ota-srv-limits.XXXXXX)
cleanup() {
    kill_servers
    rm -rf "$T"
}
trap cleanup EXIT

# wait_exit PID SECONDS: wait (in this shell, which is the parent) for PID
# to end; WAIT_RC is its exit status, or "running" if it was still alive
# after SECONDS (it is then killed so the suite cannot hang).
wait_exit() {
    local i
    WAIT_RC=running
    for i in $(seq 1 $(($2 * 10))); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$1" 2>/dev/null; then
        kill -9 "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        return
    fi
    wait "$1" 2>/dev/null
    WAIT_RC=$?
}
wait_exit_ok() { wait_exit "$SERVER_PID" "$1"; [ "$WAIT_RC" = 0 ]; }
code() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
# raw REQUEST: send bytes on a new connection, print everything the server
# sends until it closes (at most 5 s)
raw() {
    timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 || exit 9; printf "%b" "$2" >&3; cat <&3' _ "$PORT" "$1"
}
metric() { curl -s --max-time 10 "$U/metrics" | sed -n "s/^$1 //p"; }

R=$T/repo
mkdir -p "$R/metadata" "$R/targets"
printf '{"signed":{"_type":"timestamp"}}' >"$R/metadata/timestamp.json"
head -c $((32 * 1024 * 1024)) /dev/urandom >"$R/targets/big.bundle"
BIGSUM=$(sha256sum <"$R/targets/big.bundle" | cut -d' ' -f1)

# ---- request heads and smuggling ---------------------------------------------
start_server "$T/a.log" --root "$R" --request-timeout 2 --db "$T/a.db" --access-log "$T/a.access" || failed "server starts" "$(cat "$T/a.log")"
big=$(head -c 20000 /dev/zero | tr '\0' a)
check "a 20 KB header -> 431" [ "$(code -H "X-Big: $big" "$U/metadata/timestamp.json")" = 431 ]
check "a 4 KB header is fine -> 200" [ "$(code -H "X-Ok: ${big:0:4000}" "$U/metadata/timestamp.json")" = 200 ]
check "a 20 KB URL -> refused (414/431), never served" \
    bash -c 'c=$(curl -s --max-time 10 -o /dev/null -w "%{http_code}" "$1/${2}"); [ "$c" = 414 ] || [ "$c" = 431 ]' _ "$U" "$big"
# The refusal is checked in the access log: libmicrohttpd 0.9.75 has no
# lingering close, so when the client is still sending, the kernel may
# answer its late bytes with RST and the 400 never reaches it.  What must
# hold either way: the request is refused and nothing behind it is served.
logged() { # logged N PATTERN: the access log has N lines matching PATTERN
    local i
    for i in $(seq 1 30); do
        [ "$(grep -c "$2" "$T/a.access" 2>/dev/null)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
before=$(grep -c "GET /metadata/timestamp.json" "$T/a.access")
out=$(raw 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 30\r\n\r\nhelloGET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\n\r\n')
check "two different Content-Length -> 400" logged 1 '"POST /v1/reports HTTP/1.1" 400'
check "... and the smuggled request behind it is not answered" \
    bash -c '[[ "$1" != *"HTTP/1.1 200"* ]] && [ "$(grep -c "GET /metadata/timestamp.json" "$2")" = "$3" ]' _ "$out" "$T/a.access" "$before"
# whitespace before the colon: libmicrohttpd keeps it in the name, so this
# was no Content-Length to it and the "body" was answered as a second
# request, where a proxy in front reads one request with a body.  Sent in
# one write (python: bash's printf may write line by line, and a line
# arriving after the close gets an RST that destroys the answer).
rawpy() {
    timeout 5 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.settimeout(4)
while True:
    d = s.recv(65536)
    if not d:
        break
    sys.stdout.buffer.write(d)
' "$PORT" "$1"
}
before=$(grep -c "GET /metadata/timestamp.json" "$T/a.access")
out=$(rawpy 'POST /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nContent-Length : 50\r\n\r\nGET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\n\r\n')
check "header name with whitespace before the colon -> 400" bash -c '[[ "$1" == "HTTP/1.1 400"* ]]' _ "$out"
# the refusal's own log line is written before the connection closes, as a
# smuggled GET's would be: once it is there, the count below is final
wait_for 10 grep -q '"POST /metadata/timestamp.json HTTP/1.1" 400' "$T/a.access"
check "... and no second response (nothing smuggled)" \
    bash -c '[ "$(printf "%s" "$1" | grep -c "^HTTP/1.1 ")" = 1 ] && [ "$(grep -c "GET /metadata/timestamp.json" "$2")" = "$3" ]' _ "$out" "$T/a.access" "$before"
out=$(rawpy 'GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nX-Pad\t: 1\r\nConnection: close\r\n\r\n')
check "a tab before the colon -> 400 too" bash -c '[[ "$1" == "HTTP/1.1 400"* ]]' _ "$out"
out=$(raw 'GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n')
check "two equal Content-Length -> 400" bash -c '[[ "$1" == "HTTP/1.1 400"* ]]' _ "$out"
out=$(raw 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
check "Content-Length with Transfer-Encoding: chunked -> 400" logged 2 '"POST /v1/reports HTTP/1.1" 400'
check "... never a success" bash -c '[[ "$1" != *"HTTP/1.1 2"* ]]' _ "$out"
out=$(raw 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n')
check "Transfer-Encoding other than chunked -> refused" \
    bash -c '[[ "$1" != *"HTTP/1.1 2"* ]] && { [[ "$1" == "HTTP/1.1 4"* || "$1" == "HTTP/1.1 501"* || -z "$1" ]]; }' _ "$out"
out=$(raw 'GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')
check "GET with a body -> 400" bash -c '[[ "$1" == "HTTP/1.1 400"* ]]' _ "$out"
out=$(raw 'GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
check "a plain raw request still works -> 200" bash -c '[[ "$1" == "HTTP/1.1 200"* ]]' _ "$out"

# ---- slowloris ----------------------------------------------------------------
# Send a request head one line every 0.25 s for up to 10 s; the server must
# cut the connection (request deadline 2 s) long before the head is done.
slow_head() {
    trap '' PIPE
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 2
    printf 'GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\n' >&3
    for i in $(seq 1 40); do
        sleep 0.25 # deliberate: the slowloris pace
        printf 'X-Slow-%d: 1\r\n' "$i" >&3 2>/dev/null || { echo "cut after $i lines"; return 0; }
    done
    echo "never cut"
    return 1
}
slow_body() {
    trap '' PIPE
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 2
    printf 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n' >&3
    for i in $(seq 1 40); do
        sleep 0.25 # deliberate: the slowloris pace
        printf 'x' >&3 2>/dev/null || { echo "cut after $i bytes"; return 0; }
    done
    echo "never cut"
    return 1
}
export -f slow_head slow_body
timeout 15 bash -c 'slow_head "$1"' _ "$PORT" >"$T/slow1" &
s1=$!
timeout 15 bash -c 'slow_head "$1"' _ "$PORT" >"$T/slow2" &
s2=$!
# both slow clients are connected (the scrape itself is the third)
active() { local n; n=$(metric ota_http_connections_active); [ "${n:-0}" -ge "$1" ]; }
wait_for 10 active 3
check "while slow clients trickle, others are served" [ "$(code "$U/metadata/timestamp.json")" = 200 ]
check "a large download completes meanwhile" \
    [ "$(curl -s --max-time 20 "$U/targets/big.bundle" | sha256sum | cut -d' ' -f1)" = "$BIGSUM" ]
wait $s1
check "slowloris head: the server cuts the connection" [ $? -eq 0 ]
wait $s2
check "slowloris head (second client): cut too" [ $? -eq 0 ]
timeout 15 bash -c 'slow_body "$1"' _ "$PORT" >"$T/slow3"
check "slow request body: cut by the same deadline" [ $? -eq 0 ]
check "cuts are counted in /metrics" bash -c '[ "$(curl -s --max-time 10 "$1/metrics" | sed -n "s/^ota_http_connection_timeouts_total //p")" -ge 3 ]' _ "$U"
idle_cut() {
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 2
    # an idle connection that sends nothing gets closed: read sees EOF
    read -r -t 10 -u 3 line
    [ $? -eq 1 ] # EOF (a timeout would be > 128)
}
export -f idle_cut
check "a connection that never sends a request is closed" timeout 15 bash -c 'idle_cut "$1"' _ "$PORT"
kill -TERM "$SERVER_PID"
check "server 1 exits 0" wait_exit_ok 20

# ---- per-address limit --------------------------------------------------------
start_server "$T/b.log" --root "$R" --max-per-ip 3 --request-timeout 30 || failed "server starts (per-ip)"
exec 5<>"/dev/tcp/127.0.0.1/$PORT" 6<>"/dev/tcp/127.0.0.1/$PORT" 7<>"/dev/tcp/127.0.0.1/$PORT"
# polled: a try before the server has accepted all three may still be served
refused() { [ "$(curl -s --max-time "$1" -o /dev/null -w '%{http_code}' "$U/metadata/timestamp.json")" = 000 ]; }
check "--max-per-ip 3: a 4th connection from the same address is refused" wait_for 10 refused 5
exec 5>&- 6>&- 7>&-
ok=0
for _ in $(seq 1 50); do [ "$(code "$U/metadata/timestamp.json")" = 200 ] && { ok=1; break; }; sleep 0.1; done
check "--max-per-ip: served again once those close" [ $ok = 1 ]
kill -TERM "$SERVER_PID"
wait_exit "$SERVER_PID" 20

# ---- total limit --------------------------------------------------------------
start_server "$T/c.log" --root "$R" --threads 1 --max-connections 3 --max-per-ip 0 --request-timeout 30 ||
    failed "server starts (max-connections)"
exec 5<>"/dev/tcp/127.0.0.1/$PORT" 6<>"/dev/tcp/127.0.0.1/$PORT" 7<>"/dev/tcp/127.0.0.1/$PORT"
check "--max-connections 3: a 4th connection is not served while 3 are open" wait_for 10 refused 2
exec 5>&- 6>&- 7>&-
ok=0
for _ in $(seq 1 50); do [ "$(code "$U/metadata/timestamp.json")" = 200 ] && { ok=1; break; }; sleep 0.1; done
check "--max-connections: served again once they close" [ $ok = 1 ]
kill -TERM "$SERVER_PID"
wait_exit "$SERVER_PID" 20

# ---- 1,000 concurrent connections ---------------------------------------------------
start_server "$T/d.log" --root "$R" --max-per-ip 0 --max-connections 2000 --request-timeout 60 ||
    failed "server starts (1000)"
many() {
    ulimit -n 4096 2>/dev/null || ulimit -n 2048 || return 3
    local fds=() fd i
    for i in $(seq 1 1000); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 2
        fds+=("$fd")
    done
    # all 1,000 are open at once: the server must see them
    local active=0
    for i in $(seq 1 100); do
        active=$(curl -s --max-time 5 "http://127.0.0.1:$1/metrics" | sed -n 's/^ota_http_connections_active //p')
        [ "${active:-0}" -ge 1000 ] && break
        sleep 0.1
    done
    echo "active=$active"
    for fd in "${fds[@]}"; do
        printf 'GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&"$fd"
    done
    local ok=0 line
    for fd in "${fds[@]}"; do
        read -r -t 20 -u "$fd" line && [[ "$line" == "HTTP/1.1 200"* ]] && ok=$((ok + 1))
        exec {fd}>&-
    done
    echo "ok=$ok"
}
export -f many
out=$(timeout 90 bash -c 'many "$1"' _ "$PORT")
check "1,000 concurrent connections are all open at the server at once" \
    bash -c '[[ "$1" =~ active=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 1000 ]' _ "$out"
check "... and every one of them gets its 200 ($(echo $out))" bash -c '[[ "$1" == *"ok=1000"* ]]' _ "$out"
kill -TERM "$SERVER_PID"
check "server exits 0 after the crowd" wait_exit_ok 20

# ---- graceful shutdown ----------------------------------------------------------
start_server "$T/e.log" --root "$R" || failed "server starts (shutdown)"
curl -s --max-time 60 --limit-rate 8M "$U/targets/big.bundle" -o "$T/dl1" &
c1=$!
for _ in $(seq 1 100); do [ "$(stat -c %s "$T/dl1" 2>/dev/null || echo 0)" -gt 1000000 ] && break; sleep 0.05; done
kill -TERM "$SERVER_PID"
refused=0
for _ in $(seq 1 50); do
    curl -s --max-time 2 -o /dev/null "$U/metadata/timestamp.json"
    [ $? -eq 7 ] && { refused=1; break; }
    sleep 0.1
done
check "SIGTERM: new connections are refused at once" [ $refused = 1 ]
wait $c1
check "SIGTERM: the download in flight finishes (curl exit 0)" [ $? -eq 0 ]
check "SIGTERM: ... with every byte right" [ "$(sha256sum <"$T/dl1" | cut -d' ' -f1)" = "$BIGSUM" ]
check "SIGTERM: then the server exits 0" wait_exit_ok 20
check "SIGTERM: nothing had to be cut" bash -c '! grep -q "closed .* still open" "$1"' _ "$T/e.log"

start_server "$T/f.log" --root "$R" --shutdown-timeout 1 || failed "server starts (shutdown bound)"
curl -s --max-time 60 --limit-rate 4M "$U/targets/big.bundle" -o "$T/dl2" &
c2=$!
for _ in $(seq 1 100); do [ -s "$T/dl2" ] && break; sleep 0.05; done
kill -TERM "$SERVER_PID"
check "--shutdown-timeout 1: a download that cannot finish is cut, the server exits 0" \
    wait_exit_ok 20
check "--shutdown-timeout: the cut is logged" grep -q "closed 1 connection(s) still open at shutdown" "$T/f.log"
wait $c2
check "--shutdown-timeout: the client sees a truncated transfer, not success" [ $? -ne 0 ]

start_server "$T/g.log" --root "$R" --shutdown-timeout 600 || failed "server starts (second signal)"
curl -s --max-time 60 --limit-rate 300K "$U/targets/big.bundle" -o "$T/dl3" &
c3=$!
for _ in $(seq 1 100); do [ -s "$T/dl3" ] && break; sleep 0.05; done
kill -TERM "$SERVER_PID"
wait_for 10 grep -q "stopping (in-flight" "$T/g.log" # the drain has begun
kill -INT "$SERVER_PID"
check "a second signal cuts the drain short (exit 0 well before 600 s)" wait_exit_ok 20
kill $c3 2>/dev/null
wait $c3 2>/dev/null

start_server "$T/h.log" --root "$R" --shutdown-timeout 600 --request-timeout 600 || failed "server starts (idle)"
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /metadata/timestamp.json HTTP/1.1\r\nHost: x\r\n\r\n' >&5
read -r -t 5 -u 5 line
check "keep-alive connection served" bash -c '[[ "$1" == "HTTP/1.1 200"* ]]' _ "$line"
kill -TERM "$SERVER_PID"
check "SIGTERM with an idle keep-alive connection open: exits without waiting for it" \
    wait_exit_ok 20
exec 5>&-

# ---- admin token: length and failed attempts ----------------------------------------
TOKEN=0123456789abcdef0123456789abcdef # 32 characters: the shortest accepted
printf '%s\n' "$TOKEN" >"$T/token" && chmod 600 "$T/token"
printf '%s\n' "${TOKEN:0:31}" >"$T/token31" && chmod 600 "$T/token31"
expect_rc 16 "a 31-character admin token is refused (exit 16)" \
    timeout 10 "$SRV" --root "$R" --listen 127.0.0.1:0 --db "$T/t.db" --admin-token-file "$T/token31"
check "... and the message names the minimum" bash -c 'timeout 10 "$1" --root "$2" --listen 127.0.0.1:0 --db "$3" --admin-token-file "$4" 2>&1 | grep -q "must be 32 to 1024 printable characters"' _ "$SRV" "$R" "$T/t.db" "$T/token31"
start_server "$T/i.log" --root "$R" --db "$T/t.db" --admin-token-file "$T/token" ||
    failed "server starts (admin token)" "$(cat "$T/i.log")"
adm() { # adm TOKEN [CURL-ARGS...]: status of GET /v1/devices
    local t=$1
    shift
    curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$@" "$U/v1/devices"
}
check "the right token -> 200" [ "$(adm "$TOKEN")" = 200 ]
codes=""
for i in $(seq 1 10); do codes="$codes$(adm "wrong-token-$i-0123456789abcdef0123") "; done
check "10 wrong tokens -> 401 each" [ "$codes" = "401 401 401 401 401 401 401 401 401 401 " ]
check "the 11th attempt -> 429" [ "$(adm wrong-token-11-0123456789abcdef0123)" = 429 ]
h=$(curl -s --max-time 10 -D - -o "$T/429.json" -H "Authorization: Bearer $TOKEN" "$U/v1/devices" | tr -d '\r')
check "... then even the right token from that address -> 429 with Retry-After (a token back in <= 6 s)" \
    bash -c '[[ "$1" == "HTTP/1.1 429"* ]] && [[ "$1" =~ Retry-After:\ [1-6] ]]' _ "$h"
check "... and a JSON error E_RATE" grep -q '"error":"E_RATE"' "$T/429.json"
if curl -s --max-time 5 -o /dev/null --interface 127.0.0.2 "$U/metrics"; then
    check "the right token from another address (127.0.0.2) -> 200" \
        [ "$(adm "$TOKEN" --interface 127.0.0.2)" = 200 ]
else
    skip "another source address" "cannot bind 127.0.0.2"
fi
check "files are still served to the locked-out address" [ "$(code "$U/metadata/timestamp.json")" = 200 ]
after=$(printf '%s\n' "$h" | sed -n 's/^Retry-After: //p')
sleep "${after:-6}" # deliberate: the lockout is measured in time
check "after Retry-After seconds: the right token -> 200" [ "$(adm "$TOKEN")" = 200 ]
check "one more wrong token -> 401 (one attempt came back) ..." [ "$(adm wrong-again-0123456789abcdef0123)" = 401 ]
check "... and the next one -> 429 (10 guesses a minute at most)" [ "$(adm wrong-again-0123456789abcdef0123)" = 429 ]
stop_server "$SERVER_PID"

finish
