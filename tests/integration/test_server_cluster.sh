#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Several ota-servers, one fleet (issue 14): two servers on one repository
# directory and one PostgreSQL database (tests/integration/pg.sh starts a
# real one), then
#  - a device reports to either: its seq and pinned key hold across them
#    (a report one server stored is a replay at the other);
#  - the admin API and GET /v1/fleet answer the same from both; what one
#    changes (forget a device, register a key) the other sees;
#  - races, with both connections open and both requests sent at one
#    instant (tests/tools/reportload race): 50 new ids, each claimed by two
#    keys, one at each server: exactly one key pinned per id, the other
#    refused (403) and counted as a conflict; 50 signed reports each sent
#    to both at once, first reports and later ones: exactly one stored;
#  - one device reporting to both in turn, past the history kept: the
#    newest 100 reports stay;
#  - many devices at once (reportload load): every report acknowledged is
#    a row in the database, nothing lost;
#  - the same through a load balancer (haproxy, or nginx: balancer.sh),
#    whose clients reach both servers.
# Without PostgreSQL the suite is one skip; without a balancer, its part.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"
source "$(dirname "$0")/balancer.sh"
S="$BUILD/ota-sign"
MK="$BUILD/tests/mkreport"
RL="$BUILD/tests/reportload"
T=$(mktemp -d /tmp/ota-cluster.XXXXXX)
cleanup() {
    stop_balancer
    kill_servers
    stop_pg
    rm -rf "$T"
}
trap cleanup EXIT
if ! pg_available; then
    skip "several servers on one PostgreSQL" "no PostgreSQL server binaries (Debian postgresql)"
finish
    exit
fi
start_pg "$T" || { failed "a PostgreSQL server starts"; finish; exit 1; }
DB=$(pg_uri fleet)

TOKEN=cluster-0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
admin() { curl -s --max-time 10 -H "Authorization: Bearer $TOKEN" "$@"; }
admin_code() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@"; }
# post URL FILE: the status of POSTing a report
post() {
    curl -s --max-time 10 -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "@$2" "$1/v1/reports"
}
# mk NAME SEED DEVICE SEQ [ARGS...]: a report into $T/NAME.json
mk() { local n=$1 seed=$2 dev=$3 seq=$4; shift 4
    "$MK" --seed-text "$seed" --device "$dev" --hardware gw-1 --version 1.0.0 --seq "$seq" "$@" --out "$T/$n.json"; }
pubhex() { "$MK" pubkey --seed-text "$1" | cut -d' ' -f1; }
# kv OUTPUT KEY: a reportload key=value
kv() { printf '%s\n' "$1" | sed -n "s/^$2=//p"; }
# fleetnorm: /v1/fleet on stdin without what moves with the clock
same_doc() { [ -n "$1" ] && [ "$1" = "$2" ]; }
fleetnorm() {
    python3 -c '
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in ("now", "seconds_left")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
print(json.dumps(strip(json.load(sys.stdin)), sort_keys=True))'
}

# ---- one repository, two servers --------------------------------------------------------
k=$ROOT/keys-example
mkdir -p "$T/keys"
cp "$k"/*.key "$k"/*.pub "$T/keys/" && chmod 600 "$T"/keys/*.key
R=$T/repo
"$S" init -r "$R" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null &&
    head -c 20000 /dev/urandom >"$T/img" &&
    "$S" bundle --name gw-fw --version 1.1.0 --hardware gw-1 --component "image:kernel=$T/img" \
        -o "$T/gw.otab" --quiet --force &&
    "$S" add -r "$R" -k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key" \
        --path gw-fw-1.1.0.otab "$T/gw.otab" >/dev/null || failed "the repository is made"
# the first-report and per-address limits are per server, and every
# client here is 127.0.0.1: off (docs/scaling.md)
ARGS=(--root "$R" --db "$DB" --admin-token-file "$T/token" --new-devices-per-minute 0 --max-per-ip 0)
start_server "$T/a.log" "${ARGS[@]}" || failed "server A starts" "$(cat "$T/a.log")"
A=$U PA=$PORT
start_server "$T/b.log" "${ARGS[@]}" || failed "server B starts" "$(cat "$T/b.log")"
B=$U PB=$PORT
check "two servers on one database, both serving" [ -n "$PA" ] && [ -n "$PB" ] && [ "$PA" != "$PB" ]

# ---- a device reports to either -----------------------------------------------------------
for i in 1 2 3; do mk c$i c1-key c-1 $i; done
mk c1-evil someone-else c-1 9
check "seq 1 at A: 201, seq 2 at B: 200, seq 3 at A: 200" \
    bash -c '[ "$1 $2 $3" = "201 200 200" ]' _ "$(post "$A" "$T/c1.json")" "$(post "$B" "$T/c2.json")" "$(post "$A" "$T/c3.json")"
check "seq 2 again at A (B stored it): 409; seq 3 again at B (A stored it): 409" \
    bash -c '[ "$1 $2" = "409 409" ]' _ "$(post "$A" "$T/c2.json")" "$(post "$B" "$T/c3.json")"
check "another key for c-1 at B (A pinned it): 403 E_KEY" \
    bash -c '[ "$1" = 403 ] && grep -q E_KEY "$2"' _ "$(post "$B" "$T/c1-evil.json")" "$T/resp"

# ---- the admin API and the fleet page answer the same from both ------------------------------
for q in "/v1/devices" "/v1/devices/c-1" "/v1/devices?below=2.0.0&hardware=gw-1" "/v1/devices/c-1/key"; do
    a=$(admin -w ' %{http_code}' "$A$q") b=$(admin -w ' %{http_code}' "$B$q")
    check "GET $q: the same answer from A and B" bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$a" "$b"
done
check "... (c-1 is listed, with its 3 reports and 1 key conflict)" \
    bash -c '[[ "$1" == *"\"key_conflicts\":1"*"\"reports\":3"* ]]' _ "$(admin "$A/v1/devices/c-1" | sed 's/"history".*"key_conflicts"/"key_conflicts"/')"
fa=$(admin "$A/v1/fleet" | fleetnorm) fb=$(admin "$B/v1/fleet" | fleetnorm)
check "GET /v1/fleet: the same releases, versions and devices from A and B" \
    bash -c '[ -n "$1" ] && [ "$1" = "$2" ] && [[ "$1" == *"gw-fw-1.1.0.otab"* && "$1" == *"\"device_id\": \"c-1\""* ]]' _ "$fa" "$fb"
check "DELETE c-1 at A: 200; then B: 404" \
    bash -c '[ "$1 $2" = "200 404" ]' _ "$(admin_code -X DELETE "$A/v1/devices/c-1")" "$(admin_code "$B/v1/devices/c-1")"
key=$(printf '{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"%s"}}' "$(pubhex c2-key)")
mk c2 c2-key c-2 1
mk c2-evil squatter c-2 1
check "a key registered at B: 201; at A a report under another key: 403, the registered key's: 201" \
    bash -c '[ "$1 $2 $3" = "201 403 201" ]' _ \
    "$(admin_code -X PUT -H 'Content-Type: application/json' --data-binary "$key" "$B/v1/devices/c-2/key")" \
    "$(post "$A" "$T/c2-evil.json")" "$(post "$A" "$T/c2.json")"

# ---- races: both requests sent at one instant ---------------------------------------------------
out=$("$RL" race --url "$A" --url "$B" --devices 50 --prefix race)
ok=$(printf '%s\n' "$out" | awk '($2 == 201 && $3 == 403) || ($2 == 403 && $3 == 201) { n++ } END { print n + 0 }')
check "50 new ids, each claimed at once by two keys at two servers: one 201 and one 403 each" [ "$ok" = 50 ] ||
    printf '%s\n' "$out" | awk '!(($2 == 201 && $3 == 403) || ($2 == 403 && $3 == 201))' | head -5
printf '%s\n' "$out" | while read -r id sa sb; do
    [ "$sa" = 201 ] && side=a || side=b
    printf '%s|%s|1\n' "$id" "$(pubhex "$id-$side")"
done >"$T/race-want"
pg_sql fleet "SELECT device_id, public_key, key_conflicts FROM devices WHERE device_id LIKE 'race-%' ORDER BY device_id" >"$T/race-got"
check "... each id pinned to the key whose report got 201, the other counted as its one key conflict" \
    bash -c '[ "$(wc -l <"$1")" = 50 ] && cmp -s "$1" "$2"' _ "$T/race-want" "$T/race-got"
out=$("$RL" race --mode replay --url "$A" --url "$B" --devices 50 --prefix replay)
ok=$(printf '%s\n' "$out" | awk '($2 == 201 && $3 == 409) || ($2 == 409 && $3 == 201) { n++ } END { print n + 0 }')
check "50 signed reports, each sent to both servers at once: one stored (201), one a replay (409)" [ "$ok" = 50 ] ||
    printf '%s\n' "$out" | awk '!(($2 == 201 && $3 == 409) || ($2 == 409 && $3 == 201))' | head -5
check "... 50 reports in the database, one per device" \
    [ "$(pg_sql fleet "SELECT count(*), max(d.reports) FROM reports r JOIN devices d USING (device_id) WHERE device_id LIKE 'replay-%'")" = "50|1" ]
out=$("$RL" race --mode replay --seq 2 --url "$A" --url "$B" --devices 50 --prefix replay)
ok=$(printf '%s\n' "$out" | awk '($2 == 200 && $3 == 409) || ($2 == 409 && $3 == 200) { n++ } END { print n + 0 }')
check "the same devices' next reports, each sent to both at once: one stored (200), one a replay (409)" [ "$ok" = 50 ] ||
    printf '%s\n' "$out" | awk '!(($2 == 200 && $3 == 409) || ($2 == 409 && $3 == 200))' | head -5
check "... 100 reports in the database, two per device" \
    [ "$(pg_sql fleet "SELECT count(*), min(d.reports), max(d.reports) FROM reports r JOIN devices d USING (device_id) WHERE device_id LIKE 'replay-%'")" = "100|2|2" ]

# ---- one device, both servers, past the history kept ----------------------------------------------
out=$("$RL" load --url "$A" --url "$B" --devices 1 --concurrency 1 --seconds 2 --presign 1000 --prefix trim)
n=$(kv "$out" acked)
check "one device reporting to A and B in turn: every report accepted (${n:-0} of $(kv "$out" sent))" \
    bash -c '[ "${1:-0}" -gt 100 ] && [ "$1" = "$2" ]' _ "$n" "$(kv "$out" sent)"
check "... the newest 100 kept: seq $((${n:-0} - 99))..${n:-0}" \
    [ "$(pg_sql fleet "SELECT count(*), min(seq), max(seq) FROM reports WHERE device_id = 'trim-00000'")" = "100|$((${n:-0} - 99))|${n:-0}" ]

# ---- many devices at once: nothing lost ---------------------------------------------------------
out=$("$RL" load --url "$A" --url "$B" --devices 500 --concurrency 20 --seconds 3 --prefix many)
n=$(kv "$out" acked)
check "500 devices, 20 at a time, for 3 s at A and B: all acknowledged ($n of $(kv "$out" sent))" \
    bash -c '[ "${1:-0}" -gt 0 ] && [ "$1" = "$2" ]' _ "$n" "$(kv "$out" sent)"
check "... rows in the database = reports acknowledged" \
    [ "$(pg_sql fleet "SELECT count(*) FROM reports WHERE device_id LIKE 'many-%'")" = "${n:-x}" ]

# ---- through a load balancer ---------------------------------------------------------------------
if ! balancer_available; then
    skip "through a load balancer" "neither haproxy nor nginx is installed"
elif ! start_balancer "$T/lb" "$PA" "$PB"; then
    failed "a load balancer ($(_lb_cmd)) starts in front of A and B"
else
    before_a=$(grep -c 'POST /v1/reports' "$T/a.log.access") before_b=$(grep -c 'POST /v1/reports' "$T/b.log.access")
    out=$("$RL" load --url "$LB_URL" --devices 200 --concurrency 10 --seconds 2 --prefix lb)
    n=$(kv "$out" acked)
    check "$LB_NAME in front of A and B: 200 devices report through it, all acknowledged ($n)" \
        bash -c '[ "${1:-0}" -gt 0 ] && [ "$1" = "$2" ]' _ "$n" "$(kv "$out" sent)"
    check "... rows in the database = reports acknowledged" \
        [ "$(pg_sql fleet "SELECT count(*) FROM reports WHERE device_id LIKE 'lb-%'")" = "${n:-x}" ]
    check "... both servers took reports" \
        [ "$(grep -c 'POST /v1/reports' "$T/a.log.access")" -gt "$before_a" ] && [ "$(grep -c 'POST /v1/reports' "$T/b.log.access")" -gt "$before_b" ]
    l1=$(admin "$LB_URL/v1/devices?limit=50") l2=$(admin "$LB_URL/v1/devices?limit=50")
    check "... the admin API through it: the same page twice (from one server, then the other)" \
        bash -c '[[ "$1" == *"\"device_id\":\"c-2\""* ]] && [ "$1" = "$2" ] && [ "$1" = "$3" ]' _ "$l1" "$l2" "$(admin "$A/v1/devices?limit=50")"
    f1=$(admin "$LB_URL/v1/fleet" | fleetnorm) f2=$(admin "$LB_URL/v1/fleet" | fleetnorm)
    # compared in this shell: the documents are larger than one exec argument may be
    check "... /v1/fleet through it: the same twice (${#f1} bytes)" same_doc "$f1" "$f2"
    stop_balancer
fi
finish
