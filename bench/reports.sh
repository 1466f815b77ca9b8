#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/reports.sh — device reports under load: two ota-servers on one
# PostgreSQL behind a load balancer, against one ota-server on SQLite; the
# same load, machine and run.  Not part of `make test`.
#
#   bench/reports.sh        (BUILD=build DUR=20 DEVICES=10000 CONC=200)
#
# tests/tools/reportload: DEVICES simulated device ids, CONC at a time
# (each device one report at a time, over keep-alive connections), every
# report signed before the clock starts, for DUR seconds.  Per setup:
# reports acknowledged per second, latency (p50, p99, max), and nothing
# lost: rows in the database against reports acknowledged (2xx).  Exits 1
# when a report was lost.
#
# Durability is alike: PostgreSQL with synchronous_commit=off, SQLite with
# ota-server's synchronous=NORMAL — an acknowledged report survives a crash
# of the server, the last ones may be lost on power loss.  Servers run with
# their default threads (one per CPU), no access log, no first-report or
# per-address limit (every device is 127.0.0.1 here).  The generator, the
# servers, the database and the balancer share this machine's CPUs.
# postgresql and haproxy are installed from Debian if missing (NO_INSTALL=1:
# use what is there; without a balancer the generator alternates between
# the two servers itself, and the table says so).
set -uo pipefail # (not -e: the test helpers are not written for it)
HERE=$(cd "$(dirname "$0")" && pwd)
# ROOT, BUILD (made absolute), free_port, start_server; PostgreSQL; balancer
. "$HERE/../tests/integration/lib.sh"
. "$HERE/../tests/integration/pg.sh"
. "$HERE/../tests/integration/balancer.sh"
DUR=${DUR:-20}
DEVICES=${DEVICES:-10000}
CONC=${CONC:-200}
PRESIGN=${PRESIGN:-8}

need=""
pg_available || need="$need postgresql"
balancer_available || need="$need haproxy"
if [ -n "$need" ] && [ -z "${NO_INSTALL:-}" ]; then
    echo "bench: installing$need from Debian" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
fi
pg_available || { echo "bench: no PostgreSQL server binaries" >&2; exit 1; }
[ -x "$BUILD/ota-server" ] && [ -x "$BUILD/tests/reportload" ] ||
    make -C "$ROOT" --no-print-directory "$BUILD/ota-server" "$BUILD/tests/reportload" >/dev/null

T=$(mktemp -d /tmp/ota-bench-reports.XXXXXX)
cleanup() {
    stop_balancer
    kill_servers
    stop_pg
    rm -rf "$T"
}
trap cleanup EXIT

R=$T/repo
mkdir -p "$R/metadata" "$R/targets"
echo '{}' >"$R/metadata/timestamp.json"
ARGS=(--root "$R" --new-devices-per-minute 0 --max-per-ip 0 --access-log off)
kv() { printf '%s\n' "$1" | sed -n "s/^$2=//p"; }
ROWS=()
LOST=0
# row SETUP OUTPUT ROWS: a table row from a reportload run and the rows stored
row() {
    local out=$2 rows=$3 acked lost
    acked=$(kv "$out" acked)
    lost=$((acked > rows ? acked - rows : 0))
    LOST=$((LOST + lost))
    ROWS+=("| $1 | $(kv "$out" rps) | $(kv "$out" p50_ms) | $(kv "$out" p99_ms) | $(kv "$out" max_ms) | $(kv "$out" sent) | $acked | $rows | $lost |")
}
load() { "$BUILD/tests/reportload" load --devices "$DEVICES" --concurrency "$CONC" --seconds "$DUR" \
    --presign "$PRESIGN" --prefix dev "$@"; }

# ---- two ota-servers, one PostgreSQL, a balancer --------------------------------------
PG_OPTS="-c synchronous_commit=off" start_pg "$T" || exit 1
pgv=$(pg_sql postgres "SHOW server_version" | cut -d' ' -f1)
DB=$(pg_uri bench) || exit 1
start_server "$T/a.log" "${ARGS[@]}" --db "$DB" || { cat "$T/a.log" >&2; exit 1; }
PA=$PORT UA=$U PA_PID=$SERVER_PID
start_server "$T/b.log" "${ARGS[@]}" --db "$DB" || { cat "$T/b.log" >&2; exit 1; }
PB=$PORT UB=$U PB_PID=$SERVER_PID
if balancer_available && start_balancer "$T/lb" "$PA" "$PB"; then
    setup="2 ota-servers behind $LB_NAME, PostgreSQL $pgv"
    out=$(load --url "$LB_URL")
else
    setup="2 ota-servers, PostgreSQL $pgv (no balancer installed: the generator alternates)"
    out=$(load --url "$UA" --url "$UB")
fi
echo "$out" | sed 's/^/# pg: /' >&2
stop_balancer
stop_server "$PA_PID"
stop_server "$PB_PID"
row "$setup" "$out" "$(pg_sql bench "SELECT count(*) FROM reports")"
stop_pg

# ---- one ota-server, SQLite -----------------------------------------------------------
start_server "$T/s.log" "${ARGS[@]}" --db "$T/reports.db" || { cat "$T/s.log" >&2; exit 1; }
out=$(load --url "$U")
echo "$out" | sed 's/^/# sqlite: /' >&2
stop_server
rows=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM reports").fetchone()[0])' "$T/reports.db")
row "1 ota-server, SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')" "$out" "$rows"

echo "Load: $DEVICES device ids, $CONC at a time, ${DUR} s, on $(nproc) CPUs shared by the generator, the servers and the database."
echo
echo "| setup | reports/s | p50 ms | p99 ms | max ms | sent | acknowledged | rows in database | lost |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
[ "$LOST" -eq 0 ]
