# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh — what the benchmarks share; source it after setting ROOT.
#
#   bench_workspace NAME    W (a scratch directory, removed at exit unless
#                           KEEP=1), LOAD0 (the load average now), and an
#                           EXIT trap that also stops the ota-server started
#                           by bench_server
#   bench_server DIR        ota-server on 127.0.0.1 serving DIR (no access
#                           log); waits for it, sets SERVER_PID, PORT and U
#   now sub fmt3 ratio mib kib2mib max median die   small helpers

bench_workspace() {
    LOAD0=$(cut -d' ' -f1-3 /proc/loadavg) # other jobs on the machine show here
    W=$(mktemp -d "${TMPDIR:-/tmp}/ota-bench-$1.XXXXXX")
    SERVER_PID=
    trap bench_cleanup EXIT
}
bench_cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "bench: kept $W" >&2; else rm -rf "$W"; fi
}

bench_server() {
    "$BUILD/ota-server" --root "$1" --listen 127.0.0.1:0 --access-log off 2>"$W/server.log" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        grep -q "ota-server: serving" "$W/server.log" 2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    PORT=$(sed -n 's/.*serving .* on http:\/\/.*:\([0-9][0-9]*\) .*/\1/p' "$W/server.log" | head -1)
    [ -n "$PORT" ] || die "ota-server did not start: $(cat "$W/server.log")"
    U=http://127.0.0.1:$PORT
}

now() { date +%s.%N; }
sub() { echo "$1 - $2" | bc -l; }
fmt3() { printf '%.3f' "$1"; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
mib() { printf '%.1f' "$(echo "$1 / 1048576" | bc -l)"; }
kib2mib() { printf '%.1f' "$(echo "$1 / 1024" | bc -l)"; }
max() { if [ -z "$1" ] || [ "$2" -gt "$1" ]; then echo "$2"; else echo "$1"; fi; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
die() { echo "bench: $*" >&2; exit 1; }
