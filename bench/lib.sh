# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh — what the benchmarks share; source it after setting ROOT.
#
#   bench_workspace NAME    W (a scratch directory, removed at exit unless
#                           KEEP=1), LOAD0 (the load average now), and an
#                           EXIT trap that also stops the ota-server started
#                           by bench_server
#   bench_server DIR        ota-server on 127.0.0.1 serving DIR (no access
#                           log); waits for it, sets SERVER_PID, PORT and U
#   heap_kib COMMAND...     the peak heap (KiB) of one run of COMMAND under
#                           heaptrack (malloc and friends, libraries' included;
#                           not stacks or mapped pages); fails with COMMAND
#   bench_nginx DIR [bytes] nginx on 127.0.0.1 serving DIR (multi-range
#                           answers; installs nginx-light if missing); sets
#                           NPORT, NGINX_PID (stopped at exit) and NU; with
#                           "bytes", W/nginx/access.log gets one line
#                           "BODY_BYTES URI" per request
#   bench_patch_lib SRC DST SEED   DST = SRC changed as a security patch
#                           changes a library: 64 bytes rewritten in 8
#                           places, 5000 bytes appended (random from SEED)
#   now sub fmt3 ratio mib kib2mib max median die   small helpers

bench_workspace() {
    LOAD0=$(cut -d' ' -f1-3 /proc/loadavg) # other jobs on the machine show here
    W=$(mktemp -d "${TMPDIR:-/tmp}/ota-bench-$1.XXXXXX")
    SERVER_PID= NGINX_PID=
    trap bench_cleanup EXIT
}
bench_cleanup() {
    if [ -n "${NGINX_PID:-}" ]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "bench: kept $W" >&2; else rm -rf "$W"; fi
}

bench_nginx() {
    local nginx log="access_log off;"
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$nginx" ] || {
        echo "bench: installing Debian 'nginx-light'" >&2
        if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null
    }
    [ -x "$nginx" ] || die "nginx needed"
    [ "${2:-}" = bytes ] &&
        log="log_format bytes '\$body_bytes_sent \$request_uri'; access_log $W/nginx/access.log bytes;"
    NPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$1" "$W/nginx"
    chmod go+rx "$W" "$1" # nginx workers run as another user
    printf '%s\n' "worker_processes 1;" "pid $W/nginx/nginx.pid;" "error_log $W/nginx/error.log;" \
        "daemon off;" "events { worker_connections 64; }" \
        "http { $log client_body_temp_path $W/nginx/body; default_type application/octet-stream;" \
        "  server { listen 127.0.0.1:$NPORT; root $1; location / { } } }" >"$W/nginx/nginx.conf"
    "$nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/error.log" 2>"$W/nginx/stderr" &
    NGINX_PID=$!
    for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$NPORT") 2>/dev/null && break; sleep 0.1; done
    NU=http://127.0.0.1:$NPORT
}

bench_patch_lib() {
    python3 - "$1" "$2" "$3" <<'EOF'
import random, sys
d = bytearray(open(sys.argv[1], 'rb').read()); r = random.Random(int(sys.argv[3]))
for _ in range(8):
    o = r.randrange(0, len(d) - 64); d[o:o + 64] = bytes(r.randrange(256) for _ in range(64))
d += bytes(r.randrange(256) for _ in range(5000))
open(sys.argv[2], 'wb').write(bytes(d))
EOF
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

heap_kib() {
    command -v heaptrack >/dev/null || {
        echo "bench: installing Debian 'heaptrack'" >&2
        if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq heaptrack >/dev/null
    }
    local out
    out=$(mktemp -u "$W/heaptrack.XXXXXX")
    heaptrack -o "$out" "$@" >"$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
    # "peak heap memory consumption: 184.45K" (B, K, M, G: powers of 1024)
    heaptrack_print -p 0 -a 0 -T 0 -l 0 "$out.zst" 2>/dev/null |
        awk '/^peak heap memory consumption:/ { v = $5; u = substr(v, length(v)); n = v + 0;
             if (u == "K") n *= 1024; else if (u == "M") n *= 1048576; else if (u == "G") n *= 1073741824;
             printf "%d\n", n / 1024; f = 1 } END { exit !f }'
    rm -f "$out.zst" "$out.log"
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
