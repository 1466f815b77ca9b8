#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/server.sh — ota-server against nginx, same files, same machine, same
# run, measured with wrk on loopback.  Not part of `make test`.
#
#   bench/server.sh            (BUILD=build DUR=8 ROUNDS=3 by default)
#
# Measures requests/s for timestamp.json (a small, mutable metadata file:
# the request every device makes on every check) at 64 and 256 connections,
# and MB/s for a 64 MiB bundle at 4 connections.  Each figure is the median
# of ROUNDS runs of DUR seconds; servers alternate within a round.  Prints
# the ratios ota-server / nginx and a markdown block for bench/RESULTS.md.
#
# Both servers get the same number of workers (one per CPU), keep-alive,
# sendfile, and no access log (so neither pays for logging).  nginx also
# gets open_file_cache, its own answer to the stat/open cost per request.
# A third column runs ota-server with --cache-size 0: the plain
# libmicrohttpd fd-response path without the in-memory metadata cache.
# wrk and nginx are installed from Debian here if missing.
set -euo pipefail
# ROOT, BUILD (made absolute) and free_port come from the test helpers
. "$(dirname "$0")/../tests/integration/lib.sh"
DUR=${DUR:-8}
ROUNDS=${ROUNDS:-3}
WORKERS=$(nproc)

need=""
command -v wrk >/dev/null || need="$need wrk"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
if [ -n "$need" ]; then
    echo "bench: installing$need from Debian"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BUILD/ota-server" ] || make -C "$ROOT" --no-print-directory "$BUILD/ota-server" >/dev/null

T=$(mktemp -d /tmp/ota-bench-server.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.2
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT

wait_up() {
    for _ in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$1/metadata/timestamp.json")" = 200 ] && return 0
        sleep 0.1
    done
    echo "bench: server on port $1 did not come up" >&2
    return 1
}

# ---- the repository: a realistic signed timestamp.json and a 64 MiB bundle --
R=$T/repo
mkdir -p "$R/metadata" "$R/targets"
sig=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
snap=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '{"signatures":[{"keyid":"%s","sig":"%s"}],"signed":{"_type":"timestamp","expires":"2030-01-01T00:00:00Z","meta":{"snapshot.json":{"hashes":{"sha256":"%s"},"length":1402,"version":42}},"spec_version":"1.0.31","version":4242}}' \
    "$snap" "$sig" "$snap" >"$R/metadata/timestamp.json"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$T/bundle"
H=$(sha256sum "$T/bundle" | cut -d' ' -f1)
mv "$T/bundle" "$R/targets/$H.fw.bundle"
BIG=targets/$H.fw.bundle
chmod -R go+rX "$T" # nginx workers run as another user

# ---- servers ---------------------------------------------------------------------
NPORT=$(free_port)
mkdir -p "$T/nginx"
cat >"$T/nginx/nginx.conf" <<EOF
worker_processes $WORKERS;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=1000 inactive=60s;
    client_body_temp_path $T/nginx/body;
    types { application/json json; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$NPORT;
        root $R;
        location / { }
    }
}
EOF
"$NGINX" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" 2>"$T/nginx/stderr" &
PIDS+=($!)
OPORT=$(free_port)
"$BUILD/ota-server" --root "$R" --listen "127.0.0.1:$OPORT" --access-log off --max-per-ip 0 \
    --threads "$WORKERS" 2>"$T/ota.log" &
PIDS+=($!)
CPORT=$(free_port)
"$BUILD/ota-server" --root "$R" --listen "127.0.0.1:$CPORT" --access-log off --max-per-ip 0 \
    --threads "$WORKERS" --cache-size 0 2>"$T/ota-nocache.log" &
PIDS+=($!)
wait_up "$NPORT"
wait_up "$OPORT"
wait_up "$CPORT"
for p in $NPORT $OPORT $CPORT; do
    [ "$(curl -s "http://127.0.0.1:$p/metadata/timestamp.json" | sha256sum)" = "$(sha256sum <"$R/metadata/timestamp.json")" ] ||
        { echo "bench: port $p serves the wrong timestamp.json" >&2; exit 1; }
    [ "$(curl -s "http://127.0.0.1:$p/$BIG" | sha256sum | cut -d' ' -f1)" = "$H" ] ||
        { echo "bench: port $p serves the wrong bundle" >&2; exit 1; }
done

# run_wrk PORT PATH CONNS -> "req/s MB/s"; refuses runs with errors
run_wrk() {
    local out
    out=$(wrk -t2 -c"$3" -d"${DUR}s" --latency "http://127.0.0.1:$1/$2" 2>&1)
    if printf '%s\n' "$out" | grep -q "Non-2xx"; then
        echo "bench: non-2xx answers from port $1: $(printf '%s\n' "$out" | grep Non-2xx)" >&2
        exit 1
    fi
    local rps tr
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
    tr=$(printf '%s\n' "$out" | awk '/^Transfer\/sec:/ {v=$2; u=v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v);
        m = (u=="GB") ? 1024 : (u=="MB") ? 1 : (u=="KB") ? 1/1024 : 1/1048576; printf "%.1f", v*m}')
    echo "$rps $tr"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A RES
for r in $(seq 1 "$ROUNDS"); do
    for t in ts64 ts256 big; do
        case $t in
        ts64) path=metadata/timestamp.json conns=64 col=1 ;;
        ts256) path=metadata/timestamp.json conns=256 col=1 ;;
        big) path=$BIG conns=4 col=2 ;;
        esac
        for s in nginx ota otanc; do
            case $s in nginx) port=$NPORT ;; ota) port=$OPORT ;; otanc) port=$CPORT ;; esac
            v=$(run_wrk "$port" "$path" "$conns" | cut -d' ' -f$col)
            RES[$s.$t]="${RES[$s.$t]:-} $v"
            echo "round $r  $t  $s: $v" >&2
        done
    done
done
med() { for v in ${RES[$1]}; do echo "$v"; done | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
kernel=$(uname -r)
date=$(date -u +%Y-%m-%d)
mhd=$("$BUILD/ota-server" --version | sed 's/.*libmicrohttpd \([^)]*\)).*/\1/')
ngv=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
n64=$(med nginx.ts64) o64=$(med ota.ts64) c64=$(med otanc.ts64)
n256=$(med nginx.ts256) o256=$(med ota.ts256) c256=$(med otanc.ts256)
nbig=$(med nginx.big) obig=$(med ota.big) cbig=$(med otanc.big)
cat <<EOF

### ota-server vs nginx — $date

Machine: $cpu, $WORKERS CPUs, Linux $kernel; wrk 2 threads on the same
machine (it competes with the servers for the same $WORKERS CPUs).
nginx $ngv, $WORKERS workers, sendfile, open_file_cache, access_log off;
ota-server (libmicrohttpd $mhd), $WORKERS threads, --access-log off.
Median of $ROUNDS runs of ${DUR}s each, keep-alive.

| test | nginx | ota-server | ratio | ota-server --cache-size 0 | ratio |
|---|---:|---:|---:|---:|---:|
| timestamp.json, 64 connections (req/s) | $n64 | $o64 | $(ratio "$o64" "$n64") | $c64 | $(ratio "$c64" "$n64") |
| timestamp.json, 256 connections (req/s) | $n256 | $o256 | $(ratio "$o256" "$n256") | $c256 | $(ratio "$c256" "$n256") |
| 64 MiB bundle, 4 connections (MB/s) | $nbig | $obig | $(ratio "$obig" "$nbig") | $cbig | $(ratio "$cbig" "$nbig") |
EOF
