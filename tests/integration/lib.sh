# Shared helpers for shell-driven suites.  Source it; call `ok NAME CMD...`
# or `check NAME COND` and finish with `finish`.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
_pass=0 _fail=0
pass() { _pass=$((_pass + 1)); echo "ok - $1"; }
failed() { _fail=$((_fail + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; return 0; }
# expect_rc WANT NAME CMD... : run CMD, require exit status WANT
expect_rc() {
    local want=$1 name=$2; shift 2
    local out; out=$("$@" 2>&1); local rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else failed "$name" "exit $rc, wanted $want: $(echo "$out" | tail -3)"; fi
}
check() { local name=$1; shift; if "$@"; then pass "$name"; else failed "$name"; fi; }
finish() { echo "$_pass passed, $_fail failed"; [ "$_fail" -eq 0 ]; }
# free_port: a TCP port on 127.0.0.1 nobody listens on right now
free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

# Start ota-server on a free loopback port serving DIR; sets SERVER_PID and
# SERVER_URL (http://127.0.0.1:PORT).  Waits (bounded) until it answers.
start_server() {
    local dir=$1 port tries
    port=$(free_port) || return 1
    "$BUILD/ota-server" --root "$dir" --listen "127.0.0.1:$port" >"${SERVER_LOG:-/dev/null}" 2>&1 &
    SERVER_PID=$!
    SERVER_URL="http://127.0.0.1:$port"
    for tries in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    kill "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}
# tree_hash DIR: one hash over every file's path and content (hidden files
# included), to prove a failed command changed nothing.
tree_hash() {
    (cd "$1" && find . -type f ! -name lock -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64
}
