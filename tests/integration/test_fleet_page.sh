#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-server's fleet page (issue 13): a repository made with ota-sign
# (releases on two hardware ids, channels, a paused rollout, a floor),
# devices seeded with signed reports (mkreport) on several versions and
# states, one with a failure whose error is an HTML payload; then
#  - GET /v1/fleet with curl: the token (none, wrong: 401), what it lists
#    (releases, role expiry, version counts, devices behind, failures), its
#    headers; the page's own headers (CSP, framing, nosniff, referrer);
#    a malformed targets file shown as an error, not a failure;
#  - the page in headless Chromium through chromedriver
#    (fleet_browser.py): a wrong token shows an error and no data, the
#    right one shows each release, each device with its version and state,
#    the device behind highlighted, the chart's bars with their counts, the
#    HTML payload as text (no element made of it), the token in
#    sessionStorage only; a screenshot (FLEET_SCREENSHOT=FILE keeps it,
#    e.g. docs/fleet-page.png).
# Without chromium and chromedriver the browser checks are skips.
source "$(dirname "$0")/lib.sh"
S="$BUILD/ota-sign"
MK="$BUILD/tests/mkreport"
T=$(mktemp -d /tmp/ota-fleet.XXXXXX)
cleanup() {
    kill_servers
    rm -rf "$T"
}
trap cleanup EXIT

TOKEN=fleet-0123456789abcdef0123456789abcdef
WRONG=fleet-0123456789abcdef0123456789abcdeX
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
XSS='<img src=x onerror=window.__xss=1> & "quotes"'

# py FILE CODE [ARG...]: true when CODE's last expression holds (statements
# before it run first), with o the JSON in FILE and a the ARGs
py() {
    python3 -c '
import ast, json, sys
o = json.load(open(sys.argv[1]))
a = sys.argv[3:]
m = ast.parse(sys.argv[2])
last = m.body.pop()
exec(compile(m, "check", "exec"))
sys.exit(0 if eval(compile(ast.Expression(last.value), "check", "eval")) else 1)' "$@"
}

# ---- the repository ------------------------------------------------------------------
k=$ROOT/keys-example
mkdir -p "$T/keys"
cp "$k"/*.key "$k"/*.pub "$T/keys/" && chmod 600 "$T"/keys/*.key
KEYS=(-k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key")
R=$T/repo
"$S" init -r "$R" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null ||
    failed "ota-sign init"
# rel NAME VERSION HW [add options...]: a small bundle, published
rel() {
    local n=$1 v=$2 hw=$3
    shift 3
    head -c 20000 /dev/urandom >"$T/img-$v"
    "$S" bundle --name "$n" --version "$v" --hardware "$hw" --component "image:kernel=$T/img-$v" \
        -o "$T/$n-$v.otab" --quiet --force &&
        "$S" add -r "$R" "${KEYS[@]}" --path "$n-$v.otab" "$@" "$T/$n-$v.otab" >/dev/null
}
rel gw-fw 1.0.0 gw-1 && rel gw-fw 1.1.0 gw-1 --channel beta,stable --rollout 50 &&
    rel gw-fw 1.2.0 gw-1 && rel gw-fw 1.3.0 gw-1 --channel beta --rollout 0 &&
    rel cam-fw 2.0.0 cam-2 || failed "publishing the releases"
"$S" floor -r "$R" "${KEYS[@]}" gw-fw 1.1.0 >/dev/null || failed "ota-sign floor"

# ---- the server and the devices ------------------------------------------------------
start_server "$T/srv.log" --root "$R" --db "$T/reports.db" --admin-token-file "$T/token" ||
    failed "server starts" "$(cat "$T/srv.log")"
# report DEVICE HW VERSION SEQ [mkreport options]
report() {
    local d=$1 hw=$2 v=$3 seq=$4
    shift 4
    "$MK" --seed-text "key-$d" --device "$d" --hardware "$hw" --version "$v" --seq "$seq" "$@" \
        --out "$T/r.json" &&
        curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
            --data-binary "@$T/r.json" "$U/v1/reports" | grep -q '^20[01]$'
}
seeded=0
report gw-a gw-1 1.2.0 1 --result success --previous 1.1.0 && seeded=$((seeded + 1))
report gw-b gw-1 1.1.0 1 && seeded=$((seeded + 1))
report gw-c gw-1 1.0.0 1 && seeded=$((seeded + 1))
report gw-c gw-1 1.0.0 2 --result failure --previous 1.0.0 --error "$XSS" && seeded=$((seeded + 1))
report gw-d gw-1 1.2.0 1 --result rollback --previous 1.2.0 --error "health check failed" &&
    seeded=$((seeded + 1))
report cam-a cam-2 2.0.0 1 --result success && seeded=$((seeded + 1))
report gw-e gw-1 1.2.0 1 && seeded=$((seeded + 1))
check "seven reports from six devices accepted" [ "$seeded" = 7 ]

# ---- GET /v1/fleet -----------------------------------------------------------------------
code() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
check "GET /v1/fleet without a token: 401" [ "$(code "$U/v1/fleet")" = 401 ]
check "GET /v1/fleet with a wrong token: 401" \
    [ "$(code -H "Authorization: Bearer $WRONG" "$U/v1/fleet")" = 401 ]
check "POST /v1/fleet: 405" [ "$(code -X POST -H "Authorization: Bearer $TOKEN" "$U/v1/fleet")" = 405 ]
curl -s --max-time 10 -D "$T/fleet.h" -o "$T/fleet.json" -H "Authorization: Bearer $TOKEN" "$U/v1/fleet"
tr -d '\r' <"$T/fleet.h" >"$T/fleet.hdr"
check "GET /v1/fleet with the token: 200 JSON, no-store" \
    bash -c 'grep -q "^HTTP/1.1 200" "$1" && grep -qi "^Content-Type: application/json" "$1" &&
             grep -qi "^Cache-Control: no-store" "$1"' _ "$T/fleet.hdr"
F=$T/fleet.json
check "lists the five releases, newest first per bundle" \
    py "$F" '[(r["name"], r["version"]) for r in o["releases"]] == [("cam-fw","2.0.0"),("gw-fw","1.3.0"),("gw-fw","1.2.0"),("gw-fw","1.1.0"),("gw-fw","1.0.0")]'
check "a release's hardware, channels, rollout and size" \
    py "$F" 'any(r["version"]=="1.1.0" and r["hardware"]==["gw-1"] and r["channels"]==["beta","stable"] and r["rollout"]==50 and r["length"]>20000 and r["valid"] for r in o["releases"])'
check "expiry of root, timestamp, snapshot and targets" \
    py "$F" '[r["role"] for r in o["roles"]] == ["root","timestamp","snapshot","targets"] and all(r["seconds_left"] > 0 and "error" not in r for r in o["roles"])'
check "consistent snapshots: the versioned files are read" \
    py "$F" 'o["roles"][2]["file"] == "metadata/%d.snapshot.json" % o["roles"][2]["version"] and o["roles"][3]["file"].endswith(".targets.json") and o["roles"][3]["file"][9].isdigit()'
check "the floor" py "$F" 'o["floors"] == {"gw-fw": "1.1.0"}'
check "newest per hardware: the paused 1.3.0 does not count" \
    py "$F" 'o["newest"]["gw-1"]["version"] == "1.2.0" and o["newest"]["cam-2"]["version"] == "2.0.0"'
check "six devices, versions counted newest first" \
    py "$F" 'o["total"] == 6 and [(v["version"], v["count"]) for v in o["versions"]] == [("2.0.0",1),("1.2.0",3),("1.1.0",1),("1.0.0",1)] and o["other_versions"] == 0'
check "two devices behind (gw-b on 1.1.0, gw-c on 1.0.0)" \
    py "$F" 'o["behind"] == 2 and sorted(d["device_id"] for d in o["devices"] if d["behind"]) == ["gw-b","gw-c"]'
check "gw-c runs below the floor, nobody else" \
    py "$F" '[d["device_id"] for d in o["devices"] if d["below_floor"]] == ["gw-c"]'
check "states by the latest result" \
    py "$F" 'sorted((s["state"], s["count"]) for s in o["states"]) == [("failure",1),("none",2),("rollback",1),("success",2)]'
check "failures: gw-c and gw-d one each, the payload kept as sent" \
    py "$F" '{d["device_id"]: d["failures"] for d in o["devices"]} == {"gw-a":0,"gw-b":0,"gw-c":1,"gw-d":1,"cam-a":0,"gw-e":0} and [d["error"] for d in o["devices"] if d["device_id"]=="gw-c"] == [a[0]]' "$XSS"

# ---- the page's headers --------------------------------------------------------------------
curl -s --max-time 10 -D "$T/page.h" -o "$T/page.html" "$U/fleet"
tr -d '\r' <"$T/page.h" >"$T/page.hdr"
check "GET /fleet without a token: 200 HTML (the page holds no data)" \
    bash -c 'grep -q "^HTTP/1.1 200" "$1" && grep -qi "^Content-Type: text/html" "$1" && grep -q "fleet.js" "$2"' _ "$T/page.hdr" "$T/page.html"
check "the page's CSP: nothing but this server, no inline code, no framing, Trusted Types" \
    grep -q "^Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';.*frame-ancestors 'none'; require-trusted-types-for 'script'" "$T/page.hdr"
check "X-Frame-Options DENY, nosniff, no referrer" \
    bash -c 'grep -q "^X-Frame-Options: DENY" "$1" && grep -q "^X-Content-Type-Options: nosniff" "$1" && grep -q "^Referrer-Policy: no-referrer" "$1"' _ "$T/page.hdr"
check "no inline script or style in the page" \
    bash -c '! grep -Eiq "<script>|<script [^>]*>[^<]|<style|[[:space:]]style=|[[:space:]]on[a-z]+=" "$1"' _ "$T/page.html"
check "fleet.js and fleet.css: their types" \
    bash -c '[ "$(curl -s -o /dev/null -w "%{content_type}" "$1/fleet.js")" = "text/javascript; charset=utf-8" ] &&
             [ "$(curl -s -o /dev/null -w "%{content_type}" "$1/fleet.css")" = "text/css; charset=utf-8" ]' _ "$U"
check "HEAD /fleet: 200, no body" [ "$(curl -s --max-time 10 -I -o /dev/null -w '%{http_code} %{size_download}' "$U/fleet")" = "200 0" ]
check "POST /fleet: 405" [ "$(code -X POST "$U/fleet")" = 405 ]
check "/fleet/ and /fleet.html are not the page: 404" \
    bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" "$1/fleet/")" = 404 ] && [ "$(curl -s -o /dev/null -w "%{http_code}" "$1/fleet.html")" = 404 ]' _ "$U"

printf '<script>alert(1)</script>' >"$R/targets/page.html"
cp "$R/targets/page.html" "$R/targets/page.svg"
check "repository files are never HTML or SVG on the page's origin" \
    bash -c '[ "$(curl -s -o /dev/null -w "%{content_type}" "$1/targets/page.html")" = application/octet-stream ] &&
             [ "$(curl -s -o /dev/null -w "%{content_type}" "$1/targets/page.svg")" = application/octet-stream ]' _ "$U"
rm -f "$R/targets/page.html" "$R/targets/page.svg"

# ---- malformed metadata: an error on its role, not a failed page ---------------------------
R2=$T/repo-broken
cp -a "$R" "$R2"
tf=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["roles"][3]["file"])' "$F")
printf '{"signed": {"_type": "targets", ' >"$R2/$tf"
start_server "$T/srv2.log" --root "$R2" --db "$T/reports2.db" --admin-token-file "$T/token" ||
    failed "second server starts" "$(cat "$T/srv2.log")"
curl -s --max-time 10 -o "$T/broken.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U/v1/fleet" >"$T/broken.code"
check "truncated targets metadata: 200, an error on the targets role, no release" \
    bash -c '[ "$(cat "$1")" = 200 ] && python3 -c "import json,sys; o=json.load(open(sys.argv[1])); t=o[\"roles\"][3]; sys.exit(0 if t[\"role\"]==\"targets\" and \"not valid targets metadata\" in t[\"error\"] and o[\"releases\"]==[] and o[\"roles\"][0][\"version\"]==1 else 1)" "$2"' _ "$T/broken.code" "$T/broken.json"
rm -f "$R2/metadata/timestamp.json"
curl -s --max-time 10 -o "$T/broken2.json" -H "Authorization: Bearer $TOKEN" "$U/v1/fleet"
check "no timestamp.json: the error says missing, root still shown" \
    py "$T/broken2.json" 'o["roles"][1]["error"] == "metadata/timestamp.json: missing" and "version" in o["roles"][0]'
stop_server
start_server "$T/srv3.log" --root "$R" --db "$T/reports3.db" ||
    failed "third server starts" "$(cat "$T/srv3.log")"
check "without --admin-token-file: /fleet and /v1/fleet are 404" \
    bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" "$1/fleet")" = 404 ] && [ "$(curl -s -o /dev/null -w "%{http_code}" "$1/v1/fleet")" = 404 ]' _ "$U"
stop_server

# ---- in a browser -------------------------------------------------------------------------
start_server "$T/srv4.log" --root "$R" --db "$T/reports.db" --admin-token-file "$T/token" ||
    failed "server restarts on the seeded database" "$(cat "$T/srv4.log")"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    skip "the fleet page in headless Chromium" "chromium or chromedriver not installed (make deps)"
else
    shot=${FLEET_SCREENSHOT:-$T/fleet-page.png}
    python3 "$ROOT/tests/integration/fleet_browser.py" "$U" "$TOKEN" "$WRONG" "$T/obs.json" "$shot" \
        >"$T/browser.log" 2>&1
    O=$T/obs.json
    check "the browser ran every step" py "$O" '"error" not in o["steps"]' ||
        echo "#   $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"].get("error"))' "$O" 2>/dev/null) $(tail -3 "$T/browser.log")"
    b() { py "$O" "$@"; } # b EXPR [ARG...] over o (the observations)
    check "opened: asks for the token, shows no data" \
        b 's=o["steps"]["opened"]; s["data_hidden"] and "admin token" in s["status"] and s["devices"]==[] and s["title"]=="ota fleet"'
    check "wrong token: an error message, no data, nothing stored" \
        b 's=o["steps"]["wrong_token"]; s["data_hidden"] and "refused" in s["status"] and s["status_class"]=="error" and s["devices"]==[] and s["releases"]==[] and s["bars"]==[] and s["stored_token"] is None'
    check "the right token: data shown, status clear" \
        b 's=o["steps"]["shown"]; not s["data_hidden"] and s["status"]=="" and s["summary"].startswith("6 devices, 2 behind")'
    check "each release with its version, hardware, channels and rollout" \
        b 'r=o["steps"]["shown"]["releases"]; [x["cells"][0:5] for x in r] == [["cam-fw","2.0.0newest","cam-2","stable","100 %"],["gw-fw","1.3.0","gw-1","beta","0 %paused"],["gw-fw","1.2.0newest","gw-1","stable","100 %"],["gw-fw","1.1.0","gw-1","beta, stable","50 %"],["gw-fw","1.0.0","gw-1","stable","100 %"]]'
    check "the floor is shown" b '"gw-fw ≥ 1.1.0" in o["steps"]["shown"]["floors"]'
    check "each role's expiry, none highlighted" \
        b 'r=o["steps"]["shown"]["roles"]; [x["data"]["role"] for x in r]==["root","timestamp","snapshot","targets"] and all(x["cls"]=="role" for x in r)'
    check "each device with its installed version and last result" \
        b 'd={x["data"]["device"]: x["cells"] for x in o["steps"]["shown"]["devices"]}; {k: (v[2], v[4]) for k, v in d.items()} == {"gw-a":("1.2.0","success"),"gw-b":("1.1.0","none"),"gw-c":("1.0.0below floor","failure"),"gw-d":("1.2.0","rollback"),"cam-a":("2.0.0","success"),"gw-e":("1.2.0","none")}'
    check "the devices behind the newest release are highlighted, and only they" \
        b 'd=o["steps"]["shown"]["devices"]; sorted(x["data"]["device"] for x in d if "behind" in x["cls"].split()) == ["gw-b","gw-c"] and [x["data"]["device"] for x in d if "below-floor" in x["cls"].split()] == ["gw-c"]'
    check "failures and the last report's age" \
        b 'd={x["data"]["device"]: x["cells"] for x in o["steps"]["shown"]["devices"]}; d["gw-c"][8]=="1" and d["gw-d"][8]=="1" and d["gw-a"][8]=="0" and all(v[6].endswith(" ago") for v in d.values())'
    check "the chart: one bar per version with its count, newest first" \
        b '[(x["version"], x["count"]) for x in o["steps"]["shown"]["bars"]] == [("2.0.0",1),("1.2.0",3),("1.1.0",1),("1.0.0",1)]'
    check "the chart: bar lengths follow the counts, the newest releases marked" \
        b 'x=o["steps"]["shown"]["bars"]; x[1]["width"] == 3 * x[0]["width"] and x[2]["width"] == x[0]["width"] and "newest" in x[1]["cls"] and "newest" in x[0]["cls"] and "newest" not in x[2]["cls"]'
    check "the HTML payload in a device's error is shown as text" \
        b 'd={x["data"]["device"]: x["cells"] for x in o["steps"]["shown"]["devices"]}; d["gw-c"][5] == a[0]' "$XSS"
    check "... and no element was made of it (no img, its handler never ran)" \
        b 's=o["steps"]["shown"]; "img" not in s["tags"] and not s["xss_fired"] and s["tags"]["td"] > 60'
    check "the token: in sessionStorage only, never in a URL, no cookie" \
        b 's=o["steps"]["shown"]; t=a[0]; s["stored_token"]==t and s["cookie"]=="" and s["local_storage"]==0 and not any(t in u for u in s["fetched"]+[s["url"]]) and any(u.endswith("/v1/fleet") for u in s["fetched"])' "$TOKEN"
    check "reopened in the same session: the data comes back without typing" \
        b 's=o["steps"]["reopened"]; not s["data_hidden"] and len(s["devices"]) == 6'
    check "forget token: the data goes, the token too" \
        b 's=o["steps"]["forgotten"]; s["data_hidden"] and s["devices"]==[] and s["stored_token"] is None and "forgotten" in s["status"]'
    check "a wrong token while the data is shown: the data goes, the token too" \
        b 's=o["steps"]["wrong_after_data"]; s["data_hidden"] and "refused" in s["status"] and s["devices"]==[] and s["releases"]==[] and s["roles"]==[] and s["bars"]==[] and s["summary"]=="" and s["stored_token"] is None and "gw-c" not in s["body_text"]'
    check "a screenshot was taken" bash -c '[ "$(head -c 8 "$1" | od -An -tx1 | tr -d " ")" = 89504e470d0a1a0a ]' _ "$shot"
fi
finish
