#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-server knows which devices an advisory affects (issue 18): a
# repository made with ota-sign whose bundles carry signed package lists
# (`ota-sign bundle --sbom`: an SPDX document, a CycloneDX document, and
# `auto` from a debootstrap-like root file system tree), one release
# without a list, one whose list was tampered with after signing; devices
# seeded with signed reports (mkreport) on those releases; OSV advisories
# in Debian and semver ranges, a withdrawn one, and hostile files (huge,
# malformed, a duplicate id, a symlink).  Then, against a real ota-server
# on each report backend (SQLite, and PostgreSQL when Debian's binaries
# are there — else that half is a skip, never a pass):
#  - GET /v1/advisories and /v1/advisories/ID: the exact affected releases
#    and device set of each advisory, the fixing release with its rollout,
#    "unknown" (never "not affected") for the release without a list and
#    the tampered one (with a log line), the skipped files with reasons;
#  - GET /v1/packages: below a version (Debian order), within a semver range;
#  - the admin token, 404 without --advisories, 400 on bad queries;
#  - SIGHUP reads the directory again;
#  - GET /v1/fleet's "vulnerabilities".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg.sh"
S="$BUILD/ota-sign"
MK="$BUILD/tests/mkreport"
T=$(mktemp -d /tmp/ota-adv.XXXXXX)
cleanup() {
    kill_servers
    stop_pg
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

TOKEN=advisories-0123456789abcdef0123456789ab
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"

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

if ! "$S" bundle --help 2>&1 | grep -q -- '--sbom'; then
    # the signer is built from this tree: a missing --sbom is a broken build
    failed "ota-sign bundle has --sbom" "this ota-sign cannot make the releases the suite needs"
    finish
    exit 1
fi

# ---- the package lists -----------------------------------------------------------------
# gw-fw 1.0.0: SPDX 2.3 (Debian purls without a release, an npm package)
cat >"$T/spdx-1.0.0.json" <<'EOF'
{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
 "name": "gw-rootfs-1.0.0", "documentNamespace": "https://example.test/spdx/gw-1.0.0",
 "creationInfo": {"created": "2026-11-02T09:14:27Z", "creators": ["Tool: hand"]},
 "packages": [
  {"name": "libssl3", "SPDXID": "SPDXRef-1", "versionInfo": "3.0.11-1~deb12u1",
   "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
     "referenceLocator": "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=arm64&upstream=openssl"}]},
  {"name": "zlib1g", "SPDXID": "SPDXRef-2", "versionInfo": "1:1.2.13.dfsg-1",
   "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
     "referenceLocator": "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=arm64&upstream=zlib"}]},
  {"name": "mqtt-bridge", "SPDXID": "SPDXRef-3", "versionInfo": "1.0.1",
   "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
     "referenceLocator": "pkg:npm/mqtt-bridge@1.0.1"}]}
 ]}
EOF
# gw-fw 1.1.0: generated from the tree (dpkg status, Debian 12)
TREE=$T/rootfs-1.1.0
mkdir -p "$TREE/var/lib/dpkg" "$TREE/usr/lib" "$TREE/etc"
printf 'ID=debian\nVERSION_ID="12"\n' >"$TREE/usr/lib/os-release"
cat >"$TREE/var/lib/dpkg/status" <<'EOF'
Package: libssl3
Status: install ok installed
Architecture: arm64
Source: openssl
Version: 3.0.11-1~deb12u2

Package: zlib1g
Status: install ok installed
Architecture: arm64
Source: zlib
Version: 1:1.2.13.dfsg-1

Package: oldpkg
Status: deinstall ok config-files
Architecture: arm64
Version: 1.0-1
EOF
printf 'hello\n' >"$TREE/etc/motd"
# gw-fw 1.2.0: CycloneDX 1.5
cat >"$T/cdx-1.2.0.json" <<'EOF'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "components": [
  {"type": "library", "name": "libssl3", "version": "3.0.13-1~deb12u1",
   "purl": "pkg:deb/debian/libssl3@3.0.13-1~deb12u1?arch=arm64&upstream=openssl"},
  {"type": "library", "name": "zlib1g", "version": "1:1.3.dfsg-1",
   "purl": "pkg:deb/debian/zlib1g@1:1.3.dfsg-1?arch=arm64&upstream=zlib"},
  {"type": "library", "name": "mqtt-bridge", "version": "1.0.2", "purl": "pkg:npm/mqtt-bridge@1.0.2"}
 ]}
EOF
# cam-fw 2.0.0: an npm application
cat >"$T/cdx-cam.json" <<'EOF'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "components": [{"type": "library", "name": "mqtt-bridge", "version": "3.1.0", "purl": "pkg:npm/mqtt-bridge@3.1.0"}]}
EOF

# ---- the repository ------------------------------------------------------------------
k=$ROOT/keys-example
mkdir -p "$T/keys"
cp "$k"/*.key "$k"/*.pub "$T/keys/" && chmod 600 "$T"/keys/*.key
KEYS=(-k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key")
R=$T/repo
"$S" init -r "$R" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null ||
    failed "ota-sign init"
# rel NAME VERSION HW COMPONENT [bundle options...] -- [add options...]
rel() {
    local n=$1 v=$2 hw=$3 comp=$4 b=()
    shift 4
    while [ $# -gt 0 ] && [ "$1" != -- ]; do b+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    "$S" bundle --name "$n" --version "$v" --hardware "$hw" --component "$comp" "${b[@]}" \
        -o "$T/$n-$v.otab" --quiet --force 2>>"$T/bundle.err" &&
        "$S" add -r "$R" "${KEYS[@]}" --path "$n-$v.otab" "$@" "$T/$n-$v.otab" >/dev/null
}
head -c 5000 /dev/urandom >"$T/img"
published=0
rel gw-fw 0.9.0 gw-1 "image:kernel=$T/img" && published=$((published + 1))
rel gw-fw 1.0.0 gw-1 "image:kernel=$T/img" --sbom "$T/spdx-1.0.0.json" && published=$((published + 1))
rel gw-fw 1.1.0 gw-1 "rootfs:rootfs=$TREE" --sbom auto -- --rollout 50 && published=$((published + 1))
rel gw-fw 1.2.0 gw-1 "image:kernel=$T/img" --sbom "$T/cdx-1.2.0.json" -- --rollout 0 &&
    published=$((published + 1))
rel cam-fw 2.0.0 cam-2 "image:kernel=$T/img" --sbom "$T/cdx-cam.json" && published=$((published + 1))
rel tmp-fw 1.0.0 tmp-1 "image:kernel=$T/img" --sbom "$T/spdx-1.0.0.json" && published=$((published + 1))
check "six releases published (five with a signed package list)" [ "$published" = 6 ]
[ "$published" = 6 ] || cat "$T/bundle.err"
check "... each list-carrying bundle warned that it needs a format-3 agent" \
    [ "$(grep -c 'is bundle format 3' "$T/bundle.err")" = 5 ]
# the tampered release: one byte of its sbom component (the bundle's last
# chunk) changed in the served file, after signing
tf=$(find "$R/targets" -name '*tmp-fw-1.0.0.otab' | head -1)
check "the tampered bundle is in the repository" [ -n "$tf" ]
python3 - "$tf" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-3] ^= 0xFF
open(p, "wb").write(bytes(b))
EOF

# ---- the advisories -----------------------------------------------------------------------
A=$T/advisories
mkdir -p "$A"
cat >"$A/dsa-9001.json" <<'EOF'
{"schema_version": "1.6.0", "id": "DSA-9001-1", "modified": "2026-10-01T00:00:00Z",
 "aliases": ["CVE-2099-9001"], "summary": "openssl - security update",
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]}
EOF
cat >"$A/debian-cve-zlib.json" <<'EOF'
{"id": "DEBIAN-CVE-2099-0002", "modified": "2026-10-02T00:00:00Z", "summary": "zlib: heap overflow",
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1:1.2.11.dfsg-2"}, {"last_affected": "1:1.2.13.dfsg-1"}]}]}]}
EOF
cat >"$A/ghsa-mqtt.json" <<'EOF'
{"id": "GHSA-test-mqtt-0003", "modified": "2026-10-03T00:00:00Z", "aliases": ["CVE-2099-0003"],
 "summary": "mqtt-bridge accepts unauthenticated retained messages",
 "affected": [{"package": {"ecosystem": "npm", "name": "mqtt-bridge"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "3.0.0"}, {"fixed": "3.2.5"}, {"introduced": "1.0.0"}, {"fixed": "1.0.2"}]}]}]}
EOF
cat >"$A/withdrawn.json" <<'EOF'
{"id": "GHSA-test-gone-0004", "modified": "2026-10-04T00:00:00Z", "withdrawn": "2026-10-05T00:00:00Z",
 "affected": [{"package": {"ecosystem": "npm", "name": "mqtt-bridge"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}
EOF
# hostile: a duplicate id (its file sorts after dsa-9001.json: that one is kept),
# malformed JSON, a duplicate key, a file past 4 MiB, a link out
sed 's/openssl - security update/a second copy/' "$A/dsa-9001.json" >"$A/zz-dsa-9001-copy.json"
printf '{"id": "BAD-1", "modified": ' >"$A/malformed.json"
printf '{"id": "BAD-2", "id": "BAD-3", "modified": "2026-10-01T00:00:00Z"}' >"$A/dupkey.json"
python3 -c 'import sys; sys.stdout.write("{\"id\": \"HUGE-1\", \"modified\": \"2026-10-01T00:00:00Z\", \"details\": \"" + "x" * (5 << 20) + "\"}")' >"$A/huge.json"
printf '{"id": "OUTSIDE-1", "modified": "2026-10-01T00:00:00Z"}' >"$T/outside.json"
ln -s "$T/outside.json" "$A/link.json"
printf 'not an advisory\n' >"$A/README.txt"

# ---- one backend ----------------------------------------------------------------------------
code() { curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$@"; }
get() { curl -s --max-time 20 -H "Authorization: Bearer $TOKEN" -o "$2" -w '%{http_code}' "$U$1"; }
# report DEVICE HW VERSION
report() {
    "$MK" --seed-text "key-$1" --device "$1" --hardware "$2" --version "$3" --seq 1 \
        --out "$T/r.json" &&
        curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
            --data-binary "@$T/r.json" "$U/v1/reports" | grep -q '^20[01]$'
}

run_backend() {
    local be=$1 db=$2 L=$T/srv-$1.log
    echo "# backend: $be"
    start_server "$L" --root "$R" --db "$db" --admin-token-file "$T/token" --advisories "$A" ||
        { failed "[$be] server starts with --advisories" "$(cat "$L")"; return; }
    local seeded=0 d
    for d in gw-d1 gw-d2 gw-d3; do report "$d" gw-1 1.0.0 && seeded=$((seeded + 1)); done
    for d in gw-d4 gw-d5; do report "$d" gw-1 1.1.0 && seeded=$((seeded + 1)); done
    report gw-d6 gw-1 1.2.0 && seeded=$((seeded + 1))
    report gw-d7 gw-1 0.9.0 && seeded=$((seeded + 1))
    report gw-d8 gw-1 1.3.0 && seeded=$((seeded + 1)) # not published
    for d in cam-c1 cam-c2; do report "$d" cam-2 2.0.0 && seeded=$((seeded + 1)); done
    report tmp-t1 tmp-1 1.0.0 && seeded=$((seeded + 1))
    check "[$be] eleven devices report" [ "$seeded" = 11 ]

    check "[$be] the skipped files are logged with their reasons" \
        bash -c 'grep -q "zz-dsa-9001-copy.json: skipped: duplicate id DSA-9001-1 (kept from dsa-9001.json)" "$1" &&
                 grep -q "malformed.json: skipped: not a valid OSV advisory" "$1" &&
                 grep -q "dupkey.json: skipped: not a valid OSV advisory" "$1" &&
                 grep -q "huge.json: skipped: larger than 4 MiB" "$1" &&
                 grep -q "link.json: skipped: a symbolic link" "$1" &&
                 grep -q "advisories: 4 read from .*, 5 skipped" "$1" && ! grep -q README "$1"' _ "$L"

    check "[$be] GET /v1/advisories without the token: 401" [ "$(code "$U/v1/advisories")" = 401 ]
    check "[$be] GET /v1/packages without the token: 401" [ "$(code "$U/v1/packages?name=openssl")" = 401 ]
    check "[$be] POST /v1/advisories: 405" \
        [ "$(code -X POST -H "Authorization: Bearer $TOKEN" "$U/v1/advisories")" = 405 ]
    local F=$T/adv-$be.json
    check "[$be] GET /v1/advisories: 200" [ "$(get /v1/advisories "$F")" = 200 ]
    check "[$be] four advisories by id, the skipped files listed" \
        py "$F" '[x["id"] for x in o["advisories"]] == ["DEBIAN-CVE-2099-0002","DSA-9001-1","GHSA-test-gone-0004","GHSA-test-mqtt-0003"] and sorted(s["file"] for s in o["skipped"]) == ["dupkey.json","huge.json","link.json","malformed.json","zz-dsa-9001-copy.json"]'
    # r(o, id): {(name, version): (status, sorted device ids)} of one advisory
    local R_='def r(i):
    x = [a for a in o["advisories"] if a["id"] == i][0]
    return {(e["name"], e["version"]): (e["status"], sorted(e["devices"]["ids"])) for e in x["releases"]}
def adv(i): return [a for a in o["advisories"] if a["id"] == i][0]
U = ("unknown", ["gw-d7"]); TMP = ("unknown", ["tmp-t1"])'
    check "[$be] DSA-9001-1 (Debian:12 openssl, fixed in 3.0.11-1~deb12u2): gw-fw 1.0.0's three devices" \
        py "$F" "$R_"'
r("DSA-9001-1") == {("gw-fw","1.0.0"): ("affected", ["gw-d1","gw-d2","gw-d3"]), ("gw-fw","0.9.0"): U, ("tmp-fw","1.0.0"): TMP} and adv("DSA-9001-1")["affected_devices"] == 3 and adv("DSA-9001-1")["unknown_devices"] == 2'
    check "[$be] DSA-9001-1: the fix is gw-fw 1.1.0 (rollout 50, two devices on it)" \
        py "$F" "$R_"'
f = adv("DSA-9001-1")["fixed_by"]; [(x["bundle"], x["hardware"], x["release"]["version"], x["release"]["rollout"], x["release"]["devices_on_it"]) for x in f] == [("gw-fw","gw-1","1.1.0",50,2)]'
    check "[$be] DSA-9001-1: asked by the source package, the binary named" \
        py "$F" "$R_"'
p = [e for e in adv("DSA-9001-1")["releases"] if e["version"] == "1.0.0" and e["name"] == "gw-fw"][0]["packages"]; p == [{"name":"openssl","version":"3.0.11-1~deb12u1","ecosystem":"Debian","binary":{"name":"libssl3","version":"3.0.11-1~deb12u1"},"status":"affected","fixed":"3.0.11-1~deb12u2"}]'
    check "[$be] DEBIAN-CVE-2099-0002 (zlib up to 1:1.2.13.dfsg-1): 1.0.0 and 1.1.0, fixed by 1.2.0 (paused)" \
        py "$F" "$R_"'
r("DEBIAN-CVE-2099-0002") == {("gw-fw","1.0.0"): ("affected", ["gw-d1","gw-d2","gw-d3"]), ("gw-fw","1.1.0"): ("affected", ["gw-d4","gw-d5"]), ("gw-fw","0.9.0"): U, ("tmp-fw","1.0.0"): TMP} and adv("DEBIAN-CVE-2099-0002")["affected_devices"] == 5 and [(x["release"]["version"], x["release"]["rollout"]) for x in adv("DEBIAN-CVE-2099-0002")["fixed_by"]] == [("1.2.0", 0)]'
    check "[$be] GHSA-test-mqtt-0003 (npm, semver ranges): gw-fw 1.0.0 and cam-fw 2.0.0; cam-2 has no fix" \
        py "$F" "$R_"'
r("GHSA-test-mqtt-0003") == {("gw-fw","1.0.0"): ("affected", ["gw-d1","gw-d2","gw-d3"]), ("cam-fw","2.0.0"): ("affected", ["cam-c1","cam-c2"]), ("gw-fw","0.9.0"): U, ("tmp-fw","1.0.0"): TMP} and adv("GHSA-test-mqtt-0003")["affected_devices"] == 5 and sorted((x["hardware"], x["release"] and x["release"]["version"]) for x in adv("GHSA-test-mqtt-0003")["fixed_by"]) == [("cam-2", None), ("gw-1", "1.1.0")]'
    check "[$be] the withdrawn advisory affects nothing" \
        py "$F" "$R_"'
adv("GHSA-test-gone-0004")["affected_devices"] == 0 and adv("GHSA-test-gone-0004")["unknown_devices"] == 0 and adv("GHSA-test-gone-0004")["releases"] == [] and adv("GHSA-test-gone-0004")["withdrawn"] == "2026-10-05T00:00:00Z"'
    check "[$be] the release without a list and the tampered one: unknown with the reason" \
        py "$F" '{(x["name"], x["version"]): x["reason"] for x in o["releases"]["without_list"]} and o["releases"]["total"] == 6 and o["releases"]["with_list"] == 4 and "no package list" in [x for x in o["releases"]["without_list"] if x["name"] == "gw-fw"][0]["reason"] and "does not verify" in [x for x in o["releases"]["without_list"] if x["name"] == "tmp-fw"][0]["reason"]'
    check "[$be] the tampered list is logged once, not per request" \
        bash -c '[ "$(grep -c "release tmp-fw 1.0.0: the package list in .* does not verify" "$1")" = 1 ]' _ "$L"

    local D=$T/one-$be.json
    check "[$be] GET /v1/advisories/DSA-9001-1: 200 with every release" \
        bash -c '[ "$(curl -s -H "Authorization: Bearer $2" -o "$3" -w "%{http_code}" "$1/v1/advisories/DSA-9001-1")" = 200 ]' _ "$U" "$TOKEN" "$D"
    check "[$be] every release with its status: not_affected only where the list says so" \
        py "$D" 'sorted((e["name"], e["version"], e["status"]) for e in o["releases"]) == [("cam-fw","2.0.0","not_affected"),("gw-fw","0.9.0","unknown"),("gw-fw","1.0.0","affected"),("gw-fw","1.1.0","not_affected"),("gw-fw","1.2.0","not_affected"),("tmp-fw","1.0.0","unknown")] and o["aliases"] == ["CVE-2099-9001"] and o["summary"] == "openssl - security update" and o["file"] == "dsa-9001.json"'
    check "[$be] GET /v1/advisories/NOPE-1: 404" \
        [ "$(code -H "Authorization: Bearer $TOKEN" "$U/v1/advisories/NOPE-1")" = 404 ]

    local P=$T/pkg-$be.json
    check "[$be] packages: openssl (Debian) below 3.0.13 — gw-fw 1.0.0 and 1.1.0, five devices" \
        bash -c '[ "$(curl -s -G -H "Authorization: Bearer $2" -o "$3" -w "%{http_code}" --data-urlencode name=openssl --data-urlencode ecosystem=Debian --data-urlencode below=3.0.13 "$1/v1/packages")" = 200 ]' _ "$U" "$TOKEN" "$P" &&
        check "[$be] ... the exact releases and devices" \
            py "$P" 'sorted((e["name"], e["version"], e["status"], tuple(sorted(e["devices"]["ids"]))) for e in o["releases"]) == [("gw-fw","0.9.0","unknown",("gw-d7",)),("gw-fw","1.0.0","contains",("gw-d1","gw-d2","gw-d3")),("gw-fw","1.1.0","contains",("gw-d4","gw-d5")),("tmp-fw","1.0.0","unknown",("tmp-t1",))] and o["devices"] == 5 and o["unknown_devices"] == 2'
    check "[$be] packages: mqtt-bridge in [1.0.0, 2.0.0) — gw-fw 1.0.0 and 1.2.0" \
        bash -c '[ "$(curl -s -G -H "Authorization: Bearer $2" -o "$3" -w "%{http_code}" --data-urlencode name=mqtt-bridge --data-urlencode introduced=1.0.0 --data-urlencode fixed=2.0.0 "$1/v1/packages")" = 200 ]' _ "$U" "$TOKEN" "$P" &&
        check "[$be] ... the exact releases and devices" \
            py "$P" 'sorted((e["name"], e["version"]) for e in o["releases"] if e["status"] == "contains") == [("gw-fw","1.0.0"),("gw-fw","1.2.0")] and o["devices"] == 4'
    check "[$be] packages: no name, or below with a range, or a bad Debian version: 400" \
        bash -c 'for q in "" "?name=x&below=1&fixed=2" "?name=openssl&ecosystem=Debian&below=x1"; do
                   [ "$(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $2" "$1/v1/packages$q")" = 400 ] || exit 1; done' _ "$U" "$TOKEN"

    local FL=$T/fleet-$be.json
    check "[$be] GET /v1/fleet: the vulnerabilities, the three that affect a release" \
        bash -c '[ "$(curl -s -H "Authorization: Bearer $2" -o "$3" -w "%{http_code}" "$1/v1/fleet")" = 200 ]' _ "$U" "$TOKEN" "$FL" &&
        check "[$be] ... with their device counts and fixes" \
            py "$FL" 'v = o["vulnerabilities"]; [(x["id"], x["affected_devices"]) for x in v["advisories"]] == [("DEBIAN-CVE-2099-0002",5),("DSA-9001-1",3),("GHSA-test-mqtt-0003",5)] and v["loaded"] == 4 and v["releases"]["with_list"] == 4'

    if [ "$be" = sqlite ]; then
        if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
            skip "[$be] the fleet page's vulnerabilities in headless Chromium" "chromium or chromedriver not installed"
        else
            python3 "$ROOT/tests/integration/fleet_browser.py" "$U" "$TOKEN" "wrong-$TOKEN" "$T/obs.json" \
                "$T/shot.png" >"$T/browser.log" 2>&1
            local before=$_fail
            check "[$be] the fleet page in Chromium: each affecting advisory, its devices and fix" \
                py "$T/obs.json" 's = o["steps"]["shown"]; not s["vulns_hidden"] and [(r["data"]["advisory"], r["cells"][2], r["cells"][4]) for r in s["vulns"]] == [("DEBIAN-CVE-2099-0002","5","gw-fw on gw-1: 1.2.0 (paused)"),("DSA-9001-1","3","gw-fw on gw-1: 1.1.0 (rollout 50 %)"),("GHSA-test-mqtt-0003","5","cam-fw on cam-2: no fixed release yet; gw-fw on gw-1: 1.1.0 (rollout 50 %)")] and "unknown (never counted as not affected): gw-fw 0.9.0, tmp-fw 1.0.0" in s["vulns_note"] and o["steps"]["wrong_token"]["vulns"] == []'
            [ "$_fail" = "$before" ] || echo "#   $(tail -3 "$T/browser.log")"
        fi
    fi

    # SIGHUP: the directory read again
    rm -f "$A/withdrawn.json"
    sed 's/DSA-9001-1/DSA-9002-1/' "$A/dsa-9001.json" >"$A/dsa-9002.json"
    kill -HUP "$SERVER_PID"
    wait_for 10 grep -q "SIGHUP: advisories: 4 read from" "$L"
    check "[$be] SIGHUP: the new file is read, the removed one gone" \
        bash -c '[ "$(curl -s -H "Authorization: Bearer $2" "$1/v1/advisories" | python3 -c "import json,sys; print(\",\".join(a[\"id\"] for a in json.load(sys.stdin)[\"advisories\"]))")" = "DEBIAN-CVE-2099-0002,DSA-9001-1,DSA-9002-1,GHSA-test-mqtt-0003" ]' _ "$U" "$TOKEN"
    rm -f "$A/dsa-9002.json"
    cp "$T/withdrawn.keep" "$A/withdrawn.json" 2>/dev/null
    stop_server
}

cp "$A/withdrawn.json" "$T/withdrawn.keep"
run_backend sqlite "$T/reports.db"
if pg_available; then
    if start_pg "$T"; then
        run_backend postgresql "$(pg_uri advisories)"
    else
        failed "a PostgreSQL server starts for the suite"
    fi
else
    skip "the advisory suite on PostgreSQL" "no PostgreSQL server binaries (Debian postgresql)"
fi

# ---- without --advisories; refusals at start ----------------------------------------------
start_server "$T/srv-none.log" --root "$R" --db "$T/none.db" --admin-token-file "$T/token" ||
    failed "server starts without --advisories" "$(cat "$T/srv-none.log")"
check "without --advisories: /v1/advisories is 404, /v1/packages answers" \
    bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $2" "$1/v1/advisories")" = 404 ] &&
             [ "$(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $2" "$1/v1/packages?name=openssl")" = 200 ]' _ "$U" "$TOKEN"
# a bundle file that is a symbolic link is not followed: unknown, not read
cf=$(find "$R/targets" -name '*cam-fw-2.0.0.otab' | head -1)
mv "$cf" "$T/cam.otab" && ln -s "$T/cam.otab" "$cf"
check "a release whose bundle file is a symlink: unknown (not followed)" \
    bash -c 'curl -s -G -H "Authorization: Bearer $2" --data-urlencode name=mqtt-bridge "$1/v1/packages" |
             python3 -c "import json,sys; o=json.load(sys.stdin); c=[r for r in o[\"releases\"] if r[\"name\"]==\"cam-fw\"]; sys.exit(0 if len(c)==1 and c[0][\"status\"]==\"unknown\" and \"a symbolic link\" in c[0][\"reason\"] else 1)"' _ "$U" "$TOKEN"
stop_server
expect_rc 2 "--advisories without the admin API: usage error" \
    "$BUILD/ota-server" --root "$R" --advisories "$A" --listen 127.0.0.1:0
expect_rc 2 "--advisories DIR that does not exist: usage error" \
    "$BUILD/ota-server" --root "$R" --db "$T/x.db" --admin-token-file "$T/token" \
    --advisories "$T/nope" --listen 127.0.0.1:0
finish
