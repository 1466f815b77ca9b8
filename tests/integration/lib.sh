# SPDX-License-Identifier: Apache-2.0
# Shared helpers for shell-driven suites.  Source it; call `ok NAME CMD...`
# or `check NAME COND` and finish with `finish`.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
_pass=0 _fail=0 _skip=0
pass() { _pass=$((_pass + 1)); echo "ok - $1"; }
# skip NAME WHY: a check that did not run here — counted apart, never as a pass
skip() { _skip=$((_skip + 1)); echo "skip - $1 ($2)"; }
failed() { _fail=$((_fail + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; return 0; }
# expect_rc WANT NAME CMD... : run CMD, require exit status WANT
expect_rc() {
    local want=$1 name=$2; shift 2
    local out; out=$("$@" 2>&1); local rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else failed "$name" "exit $rc, wanted $want: $(echo "$out" | tail -3)"; fi
}
check() { local name=$1; shift; if "$@"; then pass "$name"; else failed "$name"; fi; }
# now_ms: milliseconds since the epoch (for elapsed-time checks)
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
# wait_for SECONDS CMD...: run CMD every 0.05 s until it succeeds or SECONDS
# (whole seconds) pass; returns CMD's last status.  A condition that holds
# early passes early, a slow machine gets the whole bound, nothing hangs.
# (To show that something does NOT happen, a plain sleep is the tool.)
wait_for() {
    local end=$(($(now_ms) + $1 * 1000)) rc
    shift
    while :; do
        "$@" && return 0
        rc=$?
        [ "$(now_ms)" -lt "$end" ] || return "$rc"
        sleep 0.05
    done
}
finish() { echo "$_pass passed, $_fail failed, $_skip skipped"; [ "$_fail" -eq 0 ]; }
# free_port: a TCP port on 127.0.0.1 nobody listens on right now, below the
# kernel's ephemeral range (a port inside it can be taken by any outgoing
# connection between this check and the bind).  Still a race with other
# servers: prefer a server that binds port 0 and says which port it got.
free_port() {
    local p lo=32768
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
    [ "$lo" -gt 12000 ] 2>/dev/null || lo=32768
    for _ in $(seq 1 100); do
        p=$((10000 + RANDOM % (lo - 10000)))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

# start_server LOG ARGS... : ota-server on 127.0.0.1:0 (ARGS may give another
# --listen) with ARGS; its stderr goes to LOG and its access log (stdout) to
# LOG.access.  Waits (bounded) for the "serving" line; sets SERVER_PID, PORT
# and U (http://127.0.0.1:PORT), and remembers the pid for kill_servers.
PIDS=()
start_server() {
    local log=$1
    shift
    "$BUILD/ota-server" --listen 127.0.0.1:0 "$@" 2>"$log" >"$log.access" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for _ in $(seq 1 100); do
        grep -q "ota-server: serving" "$log" 2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    PORT=$(sed -n 's/.*serving .* on https\{0,1\}:\/\/.*:\([0-9][0-9]*\) .*/\1/p' "$log" | head -1)
    U=http://127.0.0.1:$PORT
    [ -n "$PORT" ]
}
# stop_server [PID]: SIGTERM (default: SERVER_PID), wait up to 10 s, then
# SIGKILL; never hangs.
stop_server() {
    local pid=${1:-${SERVER_PID:-}}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
# kill_servers: SIGKILL every server start_server started (for EXIT traps).
kill_servers() {
    local p
    for p in "${PIDS[@]}"; do { kill -9 "$p" && wait "$p"; } 2>/dev/null; done
    return 0
}
# tree_hash DIR: one hash over every file's path and content (hidden files
# included), to prove a failed command changed nothing.
tree_hash() {
    (cd "$1" && find . -type f ! -name lock -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64
}

# write_sysconf: the simulated devices' system.conf (also used by bench/)
source "$(dirname "${BASH_SOURCE[0]}")/sysconf.sh"
