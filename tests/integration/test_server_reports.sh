#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-server, device status reports and the admin API: startup refusals
# (token file, database), the committed report vectors, trust on first use,
# forged / key-mismatch / replayed / oversize / malformed reports (each
# refused with its 4xx and changing nothing), the admin bearer token
# (missing, wrong), fleet filters and paging, device detail whose stored
# document re-verifies, unpinning, persistence across restarts, metrics, and
# a report produced by an independent implementation (Node.js crypto and
# @tufjs/canonical-json) from the spec in formats/REPORT.md.  Enrolment
# (issue 11): the cap on devices, the per-address limit on first reports,
# key conflicts counted per device, registered keys (admin API and
# --device-keys), provisioning certificates, migration of a schema-1 database.
#
# DB_BACKEND=sqlite (default: --db FILE) or postgresql (--db postgresql://…
# on a PostgreSQL this suite starts, tests/integration/pg.sh): the same
# checks prove both backends; test_server_reports_pg.sh runs it that way.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"
SRV="$BUILD/ota-server"
MK="$BUILD/tests/mkreport"
VEC="$ROOT/formats/vectors/report"
DB_BACKEND=${DB_BACKEND:-sqlite}
T=$(mktemp -d /tmp/ota-srv-reports.XXXXXX)
cleanup() {
    kill_servers
    stop_pg
    rm -rf "$T"
}
trap cleanup EXIT
echo "# backend: $DB_BACKEND"
case $DB_BACKEND in
sqlite) ;;
postgresql)
    if ! pg_available; then
        skip "the report suite on PostgreSQL" "no PostgreSQL server binaries (Debian postgresql)"
        finish
        exit
    fi
    start_pg "$T" || { failed "a PostgreSQL server starts for the suite"; finish; exit 1; } ;;
*) failed "DB_BACKEND=$DB_BACKEND: sqlite or postgresql"; finish; exit 1 ;;
esac
# db NAME: the --db argument for database NAME (a file under $T, or a
# PostgreSQL database made on first use)
db() {
    if [ "$DB_BACKEND" = sqlite ]; then
        echo "$T/$1.db"
    elif [ -n "$(pg_sql postgres "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
        echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$1"
    else
        pg_uri "$1"
    fi
}
# tables NAME: tables in database NAME (0: untouched)
tables() {
    if [ "$DB_BACKEND" = sqlite ]; then
        if [ -e "$T/$1.db" ]; then sqlite3 "$T/$1.db" "SELECT count(*) FROM sqlite_master WHERE type = 'table'"; else echo 0; fi
    else
        pg_sql "$1" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    fi
}
# sql NAME SQL: run SQL in database NAME
sql() {
    if [ "$DB_BACKEND" = sqlite ]; then sqlite3 "$T/$1.db" "$2"; else pg_sql "$1" "$2"; fi
}

# post FILE [CURL-ARGS...]: POST a report; prints "STATUS BODY"
post() {
    local f=$1
    shift
    curl -s --max-time 10 -H 'Content-Type: application/json' --data-binary "@$f" \
        -o "$T/resp" -w '%{http_code}' "$@" "$U/v1/reports"
    printf ' %s' "$(cat "$T/resp" 2>/dev/null)"
    rm -f "$T/resp"
}
status() { post "$@" | cut -d' ' -f1; }
TOKEN=0123456789abcdef0123456789abcdef
admin() { curl -s --max-time 10 -H "Authorization: Bearer $TOKEN" "$@"; }
admin_code() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@"; }
jget() { # jget JSON KEY: top-level scalar (ids and versions only)
    printf '%s' "$1" | sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[0-9a-z]*\).*/\1/p" | head -1 | tr -d '"'
}

R=$T/repo
mkdir -p "$R"
echo '{}' >"$R/timestamp.json"
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"

# ---- startup refusals -----------------------------------------------------------
X=$(db x)
cp "$T/token" "$T/token-open" && chmod 644 "$T/token-open"
expect_rc 16 "token file readable by others: exit 16" "$SRV" --root "$R" --listen 127.0.0.1:0 --db "$X" --admin-token-file "$T/token-open"
printf 'short\n' >"$T/token-short" && chmod 600 "$T/token-short"
expect_rc 16 "token shorter than 32 characters: exit 16" "$SRV" --root "$R" --listen 127.0.0.1:0 --db "$X" --admin-token-file "$T/token-short"
printf 'has a space in it, long enough\n' >"$T/token-space" && chmod 600 "$T/token-space"
expect_rc 16 "token with spaces: exit 16" "$SRV" --root "$R" --listen 127.0.0.1:0 --db "$X" --admin-token-file "$T/token-space"
expect_rc 16 "missing token file: exit 16" "$SRV" --root "$R" --listen 127.0.0.1:0 --db "$X" --admin-token-file "$T/none"
expect_rc 2 "--admin-token-file without --db: exit 2" "$SRV" --root "$R" --listen 127.0.0.1:0 --admin-token-file "$T/token"
if [ "$DB_BACKEND" = sqlite ]; then
    expect_rc 21 "--db in a missing directory: exit 21" "$SRV" --root "$R" --listen 127.0.0.1:0 --db "$T/no/dir/r.db"
    echo "not a database at all, just text that is long enough to have a header" >"$T/text.db"
    expect_rc 21 "--db that is not SQLite: exit 21" "$SRV" --root "$R" --listen 127.0.0.1:0 --db "$T/text.db"
    check "a refused start leaves no database behind" [ ! -e "$(db x)" ]
else
    check "a refused start leaves the database empty" [ "$(tables x)" = 0 ]
    expect_rc 21 "--db naming a database that does not exist: exit 21" "$SRV" --root "$R" --listen 127.0.0.1:0 \
        --db "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/no_such_db"
    expect_rc 21 "--db on a port where no server listens: exit 21" "$SRV" --root "$R" --listen 127.0.0.1:0 \
        --db "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$(free_port)/x?connect_timeout=2"
    out=$("$SRV" --root "$R" --listen 127.0.0.1:0 --db "postgresql://$PG_USER:Wr0ngSecret@127.0.0.1:$PG_PORT/x" 2>&1); rc=$?
    check "a wrong password: exit 21, the message says so and shows *** for the password" \
        bash -c '[ "$1" = 21 ] && [[ "$2" == *"password authentication failed"* && "$2" == *":***@"* && "$2" != *Wr0ngSecret* ]]' _ "$rc" "$out"
    out=$("$SRV" --root "$R" --listen 127.0.0.1:0 --db "postgresql://$PG_USER@127.0.0.1:$PG_PORT/no_such_db?password=Wr0ngSecret&sslmode=disable" 2>&1); rc=$?
    check "a password= parameter is not shown either" \
        bash -c '[ "$1" = 21 ] && [[ "$2" == *"password=***&sslmode"* && "$2" != *Wr0ngSecret* ]]' _ "$rc" "$out"
    printf '127.0.0.1:%s:*:%s:%s\n' "$PG_PORT" "$PG_USER" "$PG_PASSWORD" >"$T/pgpass" && chmod 600 "$T/pgpass"
    PGPASSFILE=$T/pgpass start_server "$T/pgpass.log" --root "$R" --db "postgresql://$PG_USER@127.0.0.1:$PG_PORT/x"
    check "no password in the URI: libpq takes it from PGPASSFILE" grep -q "ota-server: serving" "$T/pgpass.log"
    stop_server
    out=$(PGPASSFILE=/nonexistent "$SRV" --root "$R" --listen 127.0.0.1:0 --db "postgresql://$PG_USER@127.0.0.1:$PG_PORT/x" 2>&1); rc=$?
    check "... and without one: exit 21" bash -c '[ "$1" = 21 ] && [[ "$2" == *"password"* ]]' _ "$rc" "$out"
fi
HAVE_SQL=1 # sql and tables work (the sqlite3 command for SQLite)
[ "$DB_BACKEND" = sqlite ] && ! command -v sqlite3 >/dev/null && HAVE_SQL=
if [ -n "$HAVE_SQL" ]; then
    O=$(db other)
    sql other "CREATE TABLE inventory (id INTEGER PRIMARY KEY, name TEXT)" >/dev/null
    out=$("$SRV" --root "$R" --listen 127.0.0.1:0 --db "$O" 2>&1); rc=$?
    check "another application's database (other tables): exit 21, not an ota-server database" \
        bash -c '[ "$1" = 21 ] && [[ "$2" == *"not an ota-server database"* ]]' _ "$rc" "$out"
    check "... and it is left as it was" [ "$(tables other)" = 1 ]
else
    skip "another application's database" "sqlite3 missing"
fi

# ---- the server ------------------------------------------------------------------------
DB=$(db reports)
start_server "$T/a.log" --root "$R" --db "$DB" --admin-token-file "$T/token" ||
    failed "server starts with --db and --admin-token-file" "$(cat "$T/a.log")"
if [ "$DB_BACKEND" = sqlite ]; then
    check "database created on first start, mode 0600" [ "$(stat -c %a "$DB")" = 600 ]
    check "database uses WAL" [ -e "$DB-wal" ]
fi
[ -n "$HAVE_SQL" ] &&
check "schema created on first start: migrations 1 and 2 recorded in schema_version" \
    bash -c '[ "$(printf "%s" "$1" | tr "\n" " ")" = "1 2" ]' _ "$(sql reports "SELECT version FROM schema_version WHERE applied_at IS NOT NULL ORDER BY version")"

# ---- vectors -----------------------------------------------------------------------------
out=$(post "$VEC/valid-checkin.json")
check "first report of a device: 201, key pinned" bash -c '[[ "$1" == "201 "*"\"first_report\":true"* ]]' _ "$out"
check "later report, same key, higher seq: 200" [ "$(status "$VEC/valid-success.json")" = 200 ]
check "failure report: 200" [ "$(status "$VEC/valid-failure.json")" = 200 ]
check "rollback report: 200" [ "$(status "$VEC/valid-rollback.json")" = 200 ]
out=$(post "$VEC/valid-checkin.json")
check "replayed report (old seq): 409 E_ROLLBACK" bash -c '[[ "$1" == "409 "*"E_ROLLBACK"* ]]' _ "$out"
check "resending the latest seq: 409" [ "$(status "$VEC/valid-rollback.json")" = 409 ]
check "a report with download counts (spec 1.2): 200" [ "$(status "$VEC/valid-download.json")" = 200 ]
before=$(admin "$U/v1/devices/gw-0001")
for f in "$VEC"/invalid/*.json; do
    name=$(basename "$f")
    case "$name" in
    E_SIGNATURE-*) want=403 ;;
    *) want=400 ;;
    esac
    out=$(post "$f")
    err=${name%%-*}
    check "vector $name: $want $err" bash -c '[[ "$1" == "$2 "*"\"error\":\"$3\""* ]]' _ "$out" "$want" "$err"
done
check "refused reports changed nothing" [ "$(admin "$U/v1/devices/gw-0001")" = "$before" ]

# ---- trust on first use, forgery -----------------------------------------------------------
"$MK" --seed-text dev-a-key --device dev-a --hardware hw-1 --version 1.0.0 --seq 1 --out "$T/a1.json"
"$MK" --seed-text dev-a-key --device dev-a --hardware hw-1 --version 1.1.0 --previous 1.0.0 --result success --seq 2 --out "$T/a2.json"
"$MK" --seed-text attacker --device dev-a --hardware hw-1 --version 0.1.0 --seq 99 --out "$T/a-evil.json"
check "new device dev-a: 201" [ "$(status "$T/a1.json")" = 201 ]
out=$(post "$T/a-evil.json")
check "validly self-signed report under a pinned id with another key: 403 E_KEY" bash -c '[[ "$1" == "403 "*"E_KEY"* ]]' _ "$out"
sed 's/"installed_version":"1.1.0"/"installed_version":"9.9.9"/' "$T/a2.json" >"$T/a2-forged.json"
out=$(post "$T/a2-forged.json")
check "forged report (field changed after signing): 403 E_SIGNATURE" bash -c '[[ "$1" == "403 "*"E_SIGNATURE"* ]]' _ "$out"
check "after the refusals dev-a is still on 1.0.0" [ "$(jget "$(admin "$U/v1/devices/dev-a")" installed_version)" = 1.0.0 ]
check "the genuine update is accepted: 200" [ "$(status "$T/a2.json")" = 200 ]
check "dev-a now on 1.1.0" [ "$(jget "$(admin "$U/v1/devices/dev-a")" installed_version)" = 1.1.0 ]

# ---- size, syntax, media type, method --------------------------------------------------------
"$MK" --seed-text pad --device dev-pad --hardware hw-1 --version 1.0.0 --custom '{"pad":""}' --out "$T/p0.json"
pad=$((8192 - $(stat -c %s "$T/p0.json")))
"$MK" --seed-text pad --device dev-pad --hardware hw-1 --version 1.0.0 \
    --custom "{\"pad\":\"$(head -c $pad /dev/zero | tr '\0' x)\"}" --out "$T/p8192.json"
check "a report of exactly 8192 bytes is accepted" \
    bash -c '[ "$(stat -c %s "$1")" = 8192 ] && [ "$2" = 201 ]' _ "$T/p8192.json" "$(status "$T/p8192.json")"
{ head -c 8192 "$T/p8192.json"; printf ' '; } >"$T/p8193.json"
out=$(post "$T/p8193.json")
check "8193 bytes (Content-Length): 413 before the body is read" bash -c '[[ "$1" == "413 "*"E_LIMIT"* ]]' _ "$out"
head -c 100000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
check "100 KB (Content-Length): 413" [ "$(status "$T/huge.json")" = 413 ]
check "100 KB chunked (no Content-Length): 413" [ "$(status "$T/huge.json" -H 'Transfer-Encoding: chunked')" = 413 ]
check "server still answers after oversize bodies" [ "$(status "$T/a2.json")" = 409 ]
printf '{"signed": ' >"$T/bad.json"
out=$(post "$T/bad.json")
check "malformed JSON: 400 E_JSON" bash -c '[[ "$1" == "400 "*"E_JSON"* ]]' _ "$out"
: >"$T/empty.json"
check "empty body: 400" [ "$(status "$T/empty.json")" = 400 ]
printf '[1,2,3]' >"$T/arr.json"
check "JSON that is not an object: 400" [ "$(status "$T/arr.json")" = 400 ]
out=$(curl -s --max-time 10 -H 'Content-Type: text/plain' --data-binary "@$T/a1.json" -w ' %{http_code}' "$U/v1/reports")
check "wrong Content-Type: 415" bash -c '[[ "$1" == *"E_MEDIA_TYPE"*" 415" ]]' _ "$out"
check "Content-Type with charset is fine" \
    [ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json; charset=utf-8' --data-binary "@$T/a1.json" "$U/v1/reports")" = 409 ]
check "GET /v1/reports: 405" [ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$U/v1/reports")" = 405 ]

# ---- admin API -----------------------------------------------------------------------------
h=$(curl -s --max-time 10 -D - -o "$T/body" "$U/v1/devices" | tr -d '\r')
check "no token: 401 with WWW-Authenticate: Bearer" \
    bash -c '[[ "$1" == "HTTP/1.1 401"* && "$1" == *"WWW-Authenticate: Bearer"* ]] && grep -q "token required" "$2"' _ "$h" "$T/body"
h=$(curl -s --max-time 10 -D - -o "$T/body" -H 'Authorization: Bearer 0123456789abcdef0123456789abcdeX' "$U/v1/devices" | tr -d '\r')
check "wrong token: 401 invalid_token" \
    bash -c '[[ "$1" == "HTTP/1.1 401"* && "$1" == *"invalid_token"* ]] && grep -q "invalid admin token" "$2"' _ "$h" "$T/body"
check "token prefix only: 401" [ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer 0123456789abcdef' "$U/v1/devices")" = 401 ]
check "Basic auth with the token: 401" [ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Basic $TOKEN" "$U/v1/devices")" = 401 ]
check "no token on a device: 401" [ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$U/v1/devices/dev-a")" = 401 ]
check "no token on DELETE: 401, device kept" \
    bash -c '[ "$(curl -s --max-time 10 -o /dev/null -w "%{http_code}" -X DELETE "$1/v1/devices/dev-a")" = 401 ] && [ "$(curl -s --max-time 10 -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $2" "$1/v1/devices/dev-a")" = 200 ]' _ "$U" "$TOKEN"
check "scheme is case-insensitive (bearer)" [ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: bearer $TOKEN" "$U/v1/devices")" = 200 ]
for i in 1 2 3 4 5; do
    "$MK" --seed-text "fleet-$i" --device "fleet-$i" --hardware "$([ $i -le 3 ] && echo cam-v1 || echo cam-v2)" \
        --version "$([ $i -le 2 ] && echo 1.2.0 || echo 1.10.0)" --out "$T/f$i.json"
    post "$T/f$i.json" >/dev/null
done
L=$(admin "$U/v1/devices")
check "listing: JSON with all 8 devices" [ "$(printf '%s' "$L" | grep -o '"device_id"' | wc -l)" = 8 ]
check "listing: sorted by id, no next page" bash -c '[[ "$1" == "{\"devices\":[{"*"\"device_id\":\"dev-a\""* && "$1" == *"\"next\":null}" ]]' _ "$L"
check "filter version=1.2.0" [ "$(admin "$U/v1/devices?version=1.2.0" | grep -o '"device_id"' | wc -l)" = 2 ]
check "filter hardware=cam-v2" [ "$(admin "$U/v1/devices?hardware=cam-v2" | grep -o '"device_id"' | wc -l)" = 2 ]
check "filter hardware and version" [ "$(admin "$U/v1/devices?hardware=cam-v1&version=1.10.0" | grep -o '"device_id":"fleet-3"' | wc -l)" = 1 ]
# below= uses semantic-version order: 1.2.0 < 1.10.0 (a string compare would say otherwise)
B=$(admin "$U/v1/devices?below=1.5.0")
check "filter below=1.5.0 (semver): dev-a 1.1.0, dev-pad 1.0.0, fleet-1/2 1.2.0" \
    bash -c 'ids=$(printf "%s" "$1" | grep -o "\"device_id\":\"[^\"]*\"" | tr "\n" " "); [ "$ids" = "\"device_id\":\"dev-a\" \"device_id\":\"dev-pad\" \"device_id\":\"fleet-1\" \"device_id\":\"fleet-2\" " ]' _ "$B"
check "filter below=1.5.0-rc.1 includes gw-0001? no (1.5.0 > 1.5.0-rc.1)" \
    bash -c '! printf "%s" "$1" | grep -q gw-0001' _ "$(admin "$U/v1/devices?below=1.5.0-rc.1")"
check "filter below=1.5.1 includes gw-0001 (1.5.0)" \
    bash -c 'printf "%s" "$1" | grep -q "\"device_id\":\"gw-0001\""' _ "$(admin "$U/v1/devices?below=1.5.1")"
P1=$(admin "$U/v1/devices?limit=3")
n1=$(jget "$P1" next)
check "paging: limit=3 gives 3 and a next cursor" bash -c '[ "$(printf "%s" "$1" | grep -o "\"device_id\"" | wc -l)" = 3 ] && [ "$2" = fleet-1 ]' _ "$P1" "$n1"
P2=$(admin "$U/v1/devices?limit=3&after=$n1")
check "paging: after=cursor continues" bash -c '[[ "$1" == "{\"devices\":[{"*"\"device_id\":\"fleet-2\""* ]]' _ "$P2"
for q in "version=1.2" "below=x" "hardware=a/b" "limit=0" "limit=1001" "after=%00" "version=1.2.0%0a"; do
    check "bad filter '$q': 400" [ "$(admin_code "$U/v1/devices?$q")" = 400 ]
done
D=$(admin "$U/v1/devices/gw-0001")
check "device detail: latest state" \
    bash -c '[ "$(printf "%s" "$1" | sed -n "s/.*\"result\":\"\([a-z]*\)\",\"seq\":4.*/\1/p")" = rollback ]' _ "$D"
check "device detail: history newest first, 5 reports" \
    bash -c '[ "$(printf "%s" "$1" | grep -o "\"received_at\"" | wc -l)" = 5 ]' _ "$D"
check "device detail: pinned key is the vector key" \
    [ "$(jget "$D" public_key)" = "$(cut -d' ' -f1 "$VEC/device-key.txt")" ]
printf '%s' "$D" | sed 's/.*"last_report":\(.*\),"last_seen".*/\1/' >"$T/stored.json"
check "device detail: the stored signed document still verifies" bash -c '"$1" verify "$2" >/dev/null' _ "$MK" "$T/stored.json"
check "device detail: the last report (spec 1.2) kept its download counts" \
    bash -c '"$1" verify "$2" | grep -qx "download=201207/4198903"' _ "$MK" "$T/stored.json"
check "unknown device: 404" [ "$(admin_code "$U/v1/devices/nobody")" = 404 ]
check "bad device id: 404" [ "$(admin_code "$U/v1/devices/..%2fetc")" = 404 ]
check "POST on devices: 405" [ "$(admin_code -X POST "$U/v1/devices")" = 405 ]
check "DELETE a device: 200" [ "$(admin_code -X DELETE "$U/v1/devices/dev-a")" = 200 ]
check "deleted device: 404" [ "$(admin_code "$U/v1/devices/dev-a")" = 404 ]
check "DELETE again: 404" [ "$(admin_code -X DELETE "$U/v1/devices/dev-a")" = 404 ]
check "after unpinning, a new key may claim the id: 201" [ "$(status "$T/a-evil.json")" = 201 ]
M=$(curl -s --max-time 10 "$U/metrics")
check "metrics: accepted reports counted" bash -c 'printf "%s\n" "$1" | grep -Eq "^ota_reports_received_total\{result=\"accepted\"\} 1[0-9]$"' _ "$M"
check "metrics: rejected reports counted" bash -c 'printf "%s\n" "$1" | grep -Eq "^ota_reports_received_total\{result=\"rejected\"\} [2-9][0-9]$"' _ "$M"
check "access log: reports logged" grep -q '"POST /v1/reports HTTP/1.1" 201 ' "$T/a.log.access"

# ---- a third-party implementation of formats/REPORT.md -------------------------------------------
NM="$ROOT/tests/interop/node_modules"
if command -v node >/dev/null && [ -d "$NM/@tufjs/canonical-json" ]; then
    NODE_PATH="$NM" node -e '
const crypto = require("crypto");
const { canonicalize } = require("@tufjs/canonical-json");
const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
const key = { keytype: "ed25519", scheme: "ed25519", keyval: { public: pub } };
const keyid = crypto.createHash("sha256").update(canonicalize(key)).digest("hex");
const signed = { _type: "ota-report", spec_version: "1.0", device_id: "node-1",
  hardware_id: "js-board", installed_version: "3.1.4", previous_version: null,
  result: "none", error: "", time: "2024-06-01T00:00:00Z", seq: 1, key };
const sig = crypto.sign(null, Buffer.from(canonicalize(signed)), privateKey).toString("hex");
process.stdout.write(JSON.stringify({ signed, signatures: [{ keyid, sig }] }, null, 2));
' >"$T/node.json"
    check "a report made by Node.js crypto + @tufjs/canonical-json from the spec: 201" \
        [ "$(status "$T/node.json")" = 201 ]
    check "... listed with its version" [ "$(jget "$(admin "$U/v1/devices/node-1")" installed_version)" = 3.1.4 ]
else
    skip "third-party report" "node or tests/interop/node_modules missing"
fi

# ---- persistence ---------------------------------------------------------------------------
stop_server
check "server exits 0" [ $? -eq 0 ]
start_server "$T/b.log" --root "$R" --db "$DB" --admin-token-file "$T/token" || failed "restart on the same database"
check "after a restart the fleet is still there" [ "$(admin "$U/v1/devices" | grep -o '"device_id"' | wc -l)" -ge 8 ]
check "after a restart the pinned key still holds" [ "$(status "$VEC/invalid/E_SIGNATURE-forged-other-key.json")" = 403 ]
check "after a restart replay protection still holds" [ "$(status "$VEC/valid-success.json")" = 409 ]
stop_server
start_server "$T/c.log" --root "$R" --db "$DB" || failed "server starts with --db only"
check "without --admin-token-file the admin API is off: 404" [ "$(admin_code "$U/v1/devices")" = 404 ]
check "... reports still accepted" [ "$(status "$T/f1.json")" = 409 ]
stop_server

# ---- enrolment: cap on devices ---------------------------------------------------------------
# mk NAME SEED DEVICE SEQ [ARGS...]: a report into $T/NAME.json
mk() { local n=$1 seed=$2 dev=$3 seq=$4; shift 4
    "$MK" --seed-text "$seed" --device "$dev" --hardware hw-e --version 1.0.0 --seq "$seq" "$@" --out "$T/$n.json"; }
pubhex() { "$MK" pubkey --seed-text "$1" | cut -d' ' -f1; }
keyobj() { printf '{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"%s"}}' "$1"; }
metric() { curl -s --max-time 10 "$U/metrics" | sed -n "s/^$1 //p"; }
export -f jget # for the bash -c checks
for i in 1 2 3 4 5; do mk cap$i "cap-key-$i" "cap-$i" 1; done
mk cap1b cap-key-1 cap-1 2
start_server "$T/cap.log" --root "$R" --db "$(db cap)" --admin-token-file "$T/token" --max-devices 3 \
    --new-devices-per-minute 0 || failed "server starts with --max-devices 3" "$(cat "$T/cap.log")"
check "cap 3: three new devices accepted" \
    bash -c '[ "$1 $2 $3" = "201 201 201" ]' _ "$(status "$T/cap1.json")" "$(status "$T/cap2.json")" "$(status "$T/cap3.json")"
out=$(post "$T/cap4.json")
check "cap 3: the 4th new device id is refused, 507 E_CAPACITY" bash -c '[[ "$1" == "507 "*"E_CAPACITY"* ]]' _ "$out"
check "cap 3: ... and not stored" [ "$(admin_code "$U/v1/devices/cap-4")" = 404 ]
check "cap 3: a known device is still accepted (200)" [ "$(status "$T/cap1b.json")" = 200 ]
check "metrics: 3 new devices by trust on first use" [ "$(metric 'ota_devices_new_total{enrolment="tofu"}')" = 3 ]
check "metrics: 1 refused for capacity" [ "$(metric 'ota_devices_refused_total{reason="capacity"}')" = 1 ]
check "metrics: 3 devices known" [ "$(metric ota_devices_known)" = 3 ]
check "cap 3: forgetting a device makes room (DELETE, then the 4th: 201)" \
    bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" -X DELETE -H "Authorization: Bearer $3" "$1/v1/devices/cap-2")" = 200 ] && [ "$2" = 201 ]' \
    _ "$U" "$(admin_code -X DELETE "$U/v1/devices/cap-3" >/dev/null; status "$T/cap4.json")" "$TOKEN"
code=$(admin_code -X PUT -H 'Content-Type: application/json' --data-binary "$(keyobj "$(pubhex cap-key-5)")" "$U/v1/devices/cap-5/key")
check "cap reached: a device whose key an admin registered is not capped (PUT 201, report 201)" \
    bash -c '[ "$1" = 201 ] && [ "$2" = 201 ]' _ "$code" "$(status "$T/cap5.json")"
stop_server

# ---- enrolment: first reports per address ------------------------------------------------------
for i in 1 2 3; do mk rate$i "rate-key-$i" "rate-$i" 1; done
mk rate1b rate-key-1 rate-1 2
start_server "$T/rate.log" --root "$R" --db "$(db rate)" --new-devices-per-minute 2 ||
    failed "server starts with --new-devices-per-minute 2" "$(cat "$T/rate.log")"
check "2 first reports a minute: two new ids accepted" \
    bash -c '[ "$1 $2" = "201 201" ]' _ "$(status "$T/rate1.json")" "$(status "$T/rate2.json")"
h=$(curl -s --max-time 10 -D - -o "$T/body" -H 'Content-Type: application/json' --data-binary "@$T/rate3.json" "$U/v1/reports" | tr -d '\r')
ra=$(printf '%s\n' "$h" | sed -n 's/^Retry-After: //Ip')
check "the third new id from the same address: 429 E_RATE with Retry-After 1..30" \
    bash -c '[[ "$1" == "HTTP/1.1 429"* ]] && grep -q E_RATE "$2" && [ "$3" -ge 1 ] && [ "$3" -le 30 ]' _ "$h" "$T/body" "${ra:-0}"
check "... not stored: a known device is not limited (200)" [ "$(status "$T/rate1b.json")" = 200 ]
check "metrics: 1 first report refused for rate" [ "$(metric 'ota_devices_refused_total{reason="rate"}')" = 1 ]
stop_server
expect_rc 2 "--max-devices x: exit 2" "$SRV" --root "$R" --db "$(db x)" --max-devices x
expect_rc 2 "--enrolment bogus: exit 2" "$SRV" --root "$R" --db "$(db x)" --enrolment bogus
expect_rc 2 "--enrolment certified without --provisioning-key: exit 2" "$SRV" --root "$R" --db "$(db x)" --enrolment certified
expect_rc 2 "--device-keys without --db: exit 2" "$SRV" --root "$R" --device-keys "$T/none"

# ---- enrolment: squatting, key conflicts, registered keys (admin API) -------------------------
mk sq-evil squatter sq-1 1 --version 0.0.1
mk sq-good genuine-sq-1 sq-1 1 --version 1.0.0
mk sq-good2 genuine-sq-1 sq-1 2 --version 1.0.0
start_server "$T/sq.log" --root "$R" --db "$(db sq)" --admin-token-file "$T/token" ||
    failed "server for squatting" "$(cat "$T/sq.log")"
check "a squatter reports first for a guessable id: 201 (trust on first use)" [ "$(status "$T/sq-evil.json")" = 201 ]
check "the genuine device is refused: 403 E_KEY" bash -c '[[ "$1" == "403 "*"E_KEY"* ]]' _ "$(post "$T/sq-good.json")"
D=$(admin "$U/v1/devices/sq-1")
check "GET /v1/devices/ID: key_conflicts 1, last_conflict_at set" \
    bash -c '[ "$(jget "$1" key_conflicts)" = 1 ] && [[ "$(jget "$1" last_conflict_at)" == 20*Z ]]' _ "$D"
check "the listing shows key_conflicts and enrolment" \
    bash -c '[[ "$1" == *"\"enrolment\":\"tofu\""*"\"key_conflicts\":1"* ]]' _ "$(admin "$U/v1/devices")"
check "metrics: 1 key conflict" [ "$(metric ota_device_key_conflicts_total)" = 1 ]
PUTK() { admin_code -X PUT -H 'Content-Type: application/json' --data-binary "$1" "$U/v1/devices/$2/key"; }
good=$(pubhex genuine-sq-1)
check "PUT key without the token: 401" [ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data-binary "$(keyobj "$good")" "$U/v1/devices/sq-1/key")" = 401 ]
check "PUT key, wrong media type: 415" [ "$(admin_code -X PUT -H 'Content-Type: text/plain' --data-binary "$(keyobj "$good")" "$U/v1/devices/sq-1/key")" = 415 ]
check "PUT key, not a key object: 400" [ "$(PUTK '{"keytype":"rsa"}' sq-1)" = 400 ]
check "PUT key, upper-case hex: 400" [ "$(PUTK "$(keyobj "$(printf %s "$good" | tr a-f A-F)")" sq-1)" = 400 ]
check "PUT key, bad device id: 404" [ "$(PUTK "$(keyobj "$good")" 'a%2fb')" = 404 ]
out=$(admin -X PUT -H 'Content-Type: application/json' --data-binary "$(keyobj "$good")" -w ' %{http_code}' "$U/v1/devices/sq-1/key")
check "PUT the genuine key: 201, the squatter's device record is forgotten" \
    bash -c '[[ "$1" == *"\"forgot_device_with_other_key\":true"*" 201" ]]' _ "$out"
check "GET /v1/devices/sq-1/key: the registration" \
    bash -c '[ "$(jget "$1" public_key)" = "$2" ] && [ "$(jget "$1" source)" = admin ]' _ "$(admin "$U/v1/devices/sq-1/key")" "$good"
check "the genuine device's report is now accepted: 201, enrolment registered" \
    bash -c '[[ "$1" == "201 "*"\"first_report\":true"* ]] && [ "$(jget "$2" enrolment)" = registered ]' _ "$(post "$T/sq-good.json")" "$(admin "$U/v1/devices/sq-1" | sed 's/"history".*//')"
check "... and it is listed by ?below=" bash -c '[[ "$1" == *"\"device_id\":\"sq-1\""* ]]' _ "$(admin "$U/v1/devices?below=2.0.0")"
mk sq-evil2 squatter sq-1 9 --version 0.0.1
check "the squatter is now refused: 403 E_KEY" bash -c '[[ "$1" == "403 "*"registered key"* ]]' _ "$(post "$T/sq-evil2.json")"
check "the genuine device goes on: 200" [ "$(status "$T/sq-good2.json")" = 200 ]
check "PUT the same key again: 200" [ "$(PUTK "$(keyobj "$good")" sq-1)" = 200 ]
check "DELETE /v1/devices/sq-1/key: 200, then GET: 404" \
    bash -c '[ "$1" = 200 ] && [ "$2" = 404 ]' _ "$(admin_code -X DELETE "$U/v1/devices/sq-1/key")" "$(admin_code "$U/v1/devices/sq-1/key")"
check "POST on a key: 405" [ "$(admin_code -X POST "$U/v1/devices/sq-1/key")" = 405 ]
stop_server

# ---- enrolment registered: --device-keys --------------------------------------------------------
mk reg-a reg-key-a reg-a 1
mk reg-b reg-key-b reg-b 1
printf '# registered devices\n\nreg-a %s\n  reg-c\t%s  \n' "$(pubhex reg-key-a)" "$(pubhex reg-key-c)" >"$T/keys"
printf 'reg-a %s\nreg-a %s\n' "$(pubhex reg-key-a)" "$(pubhex reg-key-c)" >"$T/keys-dup"
printf 'reg-a %s extra\n' "$(pubhex reg-key-a)" >"$T/keys-bad"
out=$("$SRV" --root "$R" --db "$(db kb)" --device-keys "$T/keys-bad" --listen 127.0.0.1:0 2>&1); rc=$?
check "--device-keys with a malformed line: exit 2 naming the line" bash -c '[ "$1" = 2 ] && [[ "$2" == *"keys-bad:1:"* ]]' _ "$rc" "$out"
out=$("$SRV" --root "$R" --db "$(db kb)" --device-keys "$T/keys-dup" --listen 127.0.0.1:0 2>&1); rc=$?
check "--device-keys listing an id twice: exit 2" bash -c '[ "$1" = 2 ] && [[ "$2" == *"keys-dup:2:"*"twice"* ]]' _ "$rc" "$out"
start_server "$T/reg.log" --root "$R" --db "$(db reg)" --admin-token-file "$T/token" --enrolment registered \
    --device-keys "$T/keys" || failed "server with --enrolment registered" "$(cat "$T/reg.log")"
check "startup says how many keys were loaded" grep -q "2 registered device key(s)" "$T/reg.log"
check "registered mode: a listed device: 201" [ "$(status "$T/reg-a.json")" = 201 ]
check "registered mode: an unlisted id: 403 E_KEY, no key registered" \
    bash -c '[[ "$1" == "403 "*"E_KEY"*"no key is registered"* ]]' _ "$(post "$T/reg-b.json")"
check "... not stored" [ "$(admin_code "$U/v1/devices/reg-b")" = 404 ]
check "a key from the file cannot be replaced or removed by the API: 409" \
    bash -c '[ "$1 $2" = "409 409" ]' _ "$(PUTK "$(keyobj "$(pubhex reg-key-b)")" reg-a)" "$(admin_code -X DELETE "$U/v1/devices/reg-a/key")"
check "registering reg-b by the API: 201, then its report: 201" \
    bash -c '[ "$1 $2" = "201 201" ]' _ "$(PUTK "$(keyobj "$(pubhex reg-key-b)")" reg-b)" "$(status "$T/reg-b.json")"
check "metrics: 1 refused for enrolment, 2 registered" \
    bash -c '[ "$1 $2" = "1 2" ]' _ "$(metric 'ota_devices_refused_total{reason="enrolment"}')" "$(metric 'ota_devices_new_total{enrolment="registered"}')"
stop_server

# ---- enrolment certified: provisioning certificates ---------------------------------------------
EV=$VEC/enrolment
PK=$EV/provisioning-key.pub
out=$("$SRV" --root "$R" --db "$(db x2)" --provisioning-key "$T/token" --listen 127.0.0.1:0 2>&1); rc=$?
check "--provisioning-key that is not a key: exit 2" bash -c '[ "$1" = 2 ] && [[ "$2" == *"not an Ed25519 public key"* ]]' _ "$rc" "$out"
start_server "$T/cert.log" --root "$R" --db "$(db cert)" --admin-token-file "$T/token" --enrolment certified \
    --provisioning-key "$PK" || failed "server with --enrolment certified" "$(cat "$T/cert.log")"
check "certified mode: the vector with a valid certificate: 201, enrolment certified" \
    bash -c '[ "$1" = 201 ] && [ "$(jget "$2" enrolment)" = certified ]' _ "$(status "$EV/valid-enrolled.json")" "$(admin "$U/v1/devices/gw-0001" | sed 's/"history".*//')"
check "certified mode: a later report without the certificate: 200" [ "$(status "$VEC/valid-success.json")" = 200 ]
for f in "$EV"/certificate-invalid/*.json; do
    check "certified mode: $(basename "$f"): 403 E_ENROLMENT" bash -c '[[ "$1" == "403 "*"E_ENROLMENT"* ]]' _ "$(post "$f")"
done
mk cert-none no-cert-key cert-x 1
check "certified mode: a new id without a certificate: 403 E_ENROLMENT" \
    bash -c '[[ "$1" == "403 "*"E_ENROLMENT"* ]]' _ "$(post "$T/cert-none.json")"
check "certified mode: a report for a new id certified for another id: 403" \
    [ "$(status "$EV/certificate-invalid/E_SIGNATURE-certifies-another-device-id.json")" = 403 ]
stop_server
# open mode with a provisioning key: a certificate outranks a squatter's trust-on-first-use pin
start_server "$T/open.log" --root "$R" --db "$(db open)" --admin-token-file "$T/token" --provisioning-key "$PK" ||
    failed "open mode with --provisioning-key" "$(cat "$T/open.log")"
mk gw-squat squatter-gw gw-0001 50
check "open mode: a squatter pins gw-0001 first: 201" [ "$(status "$T/gw-squat.json")" = 201 ]
check "open mode: the certified device reclaims gw-0001: 201 first report" \
    bash -c '[[ "$1" == "201 "*"\"first_report\":true"* ]]' _ "$(post "$EV/valid-enrolled.json")"
mk gw-squat2 squatter-gw gw-0001 51
check "open mode: the squatter is then refused: 403 E_KEY" \
    bash -c '[[ "$1" == "403 "*"E_KEY"* ]]' _ "$(post "$T/gw-squat2.json")"
check "open mode: a bad certificate is refused even there: 403 E_ENROLMENT" \
    bash -c '[[ "$1" == "403 "*"E_ENROLMENT"* ]]' _ "$(post "$EV/certificate-invalid/E_SIGNATURE-certifies-another-key.json")"
check "metrics: 1 certified, 1 tofu" \
    bash -c '[ "$1 $2" = "1 1" ]' _ "$(metric 'ota_devices_new_total{enrolment="certified"}')" "$(metric 'ota_devices_new_total{enrolment="tofu"}')"
stop_server

# ---- a schema-1 database (before enrolment) is migrated in place ---------------------------------
# (the schema as the first version of each backend made it)
OLD_ROW="'old-1','$(pubhex old-key)','x','hw','1.0.0',NULL,'none','','2024-01-01T00:00:00Z',1,
 '2024-01-01T00:00:00Z','2024-01-01T00:00:00Z',1,'127.0.0.1'"
if [ "$DB_BACKEND" = postgresql ]; then
    V1=$(db v1)
    pg_sql v1 "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT);
INSERT INTO schema_version VALUES (1, '2024-01-01T00:00:00Z');
CREATE TABLE devices (device_id text COLLATE \"C\" PRIMARY KEY, public_key text NOT NULL, keyid text NOT NULL,
 hardware_id text NOT NULL, installed_version text NOT NULL, previous_version text, result text NOT NULL,
 error text NOT NULL, device_time text NOT NULL, seq bigint NOT NULL, first_seen text NOT NULL,
 last_seen text NOT NULL, reports bigint NOT NULL, remote_addr text NOT NULL);
CREATE INDEX devices_version ON devices(installed_version);
CREATE INDEX devices_hardware ON devices(hardware_id);
CREATE TABLE reports (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
 device_id text COLLATE \"C\" NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
 received_at text NOT NULL, seq bigint NOT NULL, installed_version text NOT NULL, previous_version text,
 result text NOT NULL, error text NOT NULL, device_time text NOT NULL, remote_addr text NOT NULL, document bytea NOT NULL);
CREATE INDEX reports_device ON reports(device_id, id);
INSERT INTO devices VALUES ($OLD_ROW);" >/dev/null
elif command -v sqlite3 >/dev/null; then
    V1=$(db v1)
    sqlite3 "$V1" "PRAGMA journal_mode=WAL;
CREATE TABLE devices (device_id TEXT PRIMARY KEY NOT NULL, public_key TEXT NOT NULL, keyid TEXT NOT NULL,
 hardware_id TEXT NOT NULL, installed_version TEXT NOT NULL, previous_version TEXT, result TEXT NOT NULL,
 error TEXT NOT NULL, device_time TEXT NOT NULL, seq INTEGER NOT NULL, first_seen TEXT NOT NULL,
 last_seen TEXT NOT NULL, reports INTEGER NOT NULL, remote_addr TEXT NOT NULL);
CREATE INDEX devices_version ON devices(installed_version);
CREATE INDEX devices_hardware ON devices(hardware_id);
CREATE TABLE reports (id INTEGER PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
 received_at TEXT NOT NULL, seq INTEGER NOT NULL, installed_version TEXT NOT NULL, previous_version TEXT,
 result TEXT NOT NULL, error TEXT NOT NULL, device_time TEXT NOT NULL, remote_addr TEXT NOT NULL, document BLOB NOT NULL);
CREATE INDEX reports_device ON reports(device_id, id);
INSERT INTO devices VALUES ($OLD_ROW);
PRAGMA user_version = 1;" >/dev/null
else
    V1=
    skip "schema-1 migration" "sqlite3 missing"
fi
if [ -n "$V1" ]; then
    start_server "$T/v1.log" --root "$R" --db "$V1" --admin-token-file "$T/token" ||
        failed "server starts on a schema-1 database" "$(cat "$T/v1.log")"
    D=$(admin "$U/v1/devices/old-1")
    check "schema 1 migrated: the old device is there, enrolment tofu, key_conflicts 0" \
        bash -c '[ "$(jget "$1" enrolment)" = tofu ] && [ "$(jget "$1" key_conflicts)" = 0 ]' _ "$D"
    mk old2 old-key old-1 2
    check "schema 1 migrated: the old device reports on (200)" [ "$(status "$T/old2.json")" = 200 ]
    stop_server
    check "schema 1 migrated: schema_version has 1 and 2, 2 applied now" \
        bash -c '[[ "$(printf "%s" "$1" | tr "\n" " ")" == "1|"*" 2|20"*"Z" ]]' _ "$(sql v1 "SELECT version, applied_at FROM schema_version ORDER BY version")"
    if [ "$DB_BACKEND" = sqlite ]; then
        check "schema 1 migrated: user_version 2 (what older servers read)" [ "$(sqlite3 "$V1" 'PRAGMA user_version')" = 2 ]
        sqlite3 "$V1" 'PRAGMA user_version = 9'
    else
        pg_sql v1 "INSERT INTO schema_version VALUES (9, '2030-01-01T00:00:00Z')"
    fi
    out=$("$SRV" --root "$R" --db "$V1" --listen 127.0.0.1:0 2>&1); rc=$?
    check "a database of a newer schema: exit 21, saying which version" \
        bash -c '[ "$1" = 21 ] && [[ "$2" == *"schema version 9, this ota-server knows up to 2"* ]]' _ "$rc" "$out"
fi

finish
