#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/advisories.sh — ota-server's advisory and package queries against
# its own fleet page data (GET /v1/fleet: the same metadata read and a
# database query per hardware id) as the baseline, on one server, one
# repository and one database, in the same run.  Not part of `make test`.
#
#   bench/advisories.sh     (BUILD=build REL=12 PKGS=3000 ADV=2000 DEV=300 N=15)
#
# REL releases of one bundle for one hardware id, each carrying a package
# list of PKGS Debian packages (an SPDX document given to `ota-sign bundle
# --sbom`; every package a binary of its own source package, a quarter of
# them at a newer version in each release); ADV OSV advisories (Debian:12
# ranges `introduced 0, fixed V` on random source packages of the lists);
# DEV devices spread over the releases (signed reports, mkreport).  Per
# request: the median and the slowest of N, in ms, and the median's ratio
# to the baseline: GET /v1/fleet of a server without --advisories (then
# the same server is started with them; /v1/fleet then also evaluates
# every advisory for its Vulnerabilities section).  The first GET /v1/advisories also reads every list
# from its bundle (cold); its time is shown on its own.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/integration/lib.sh"
REL=${REL:-12}
PKGS=${PKGS:-3000}
ADV=${ADV:-2000}
DEV=${DEV:-300}
N=${N:-15}
W=$(mktemp -d "${TMPDIR:-/tmp}/ota-bench-adv.XXXXXX")
trap 'kill_servers; rm -rf "$W"' EXIT
die() { echo "bench: $*" >&2; exit 1; }
"$BUILD/ota-sign" bundle --help 2>&1 | grep -q -- --sbom || die "ota-sign has no bundle --sbom"

python3 - "$W" "$REL" "$PKGS" "$ADV" <<'EOF' || die "generating the inputs"
import json, os, random, sys
w, rel, pkgs, adv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(18)
names = ["pkg%05d" % i for i in range(pkgs)]
ver = {n: 1 for n in names}
os.makedirs(w + "/osv")
for r in range(rel):
    if r:
        for n in rnd.sample(names, pkgs // 4):
            ver[n] += 1
    doc = {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "r%d" % r,
           "packages": [{"name": "lib" + n, "SPDXID": "SPDXRef-%d" % i,
                         "versionInfo": "%d.0-1~deb12u1" % ver[n],
                         "externalRefs": [{"referenceType": "purl", "referenceLocator":
                             "pkg:deb/debian/lib%s@%d.0-1~deb12u1?upstream=%s" % (n, ver[n], n)}]}
                        for i, n in enumerate(names)]}
    json.dump(doc, open("%s/sbom-%d.json" % (w, r), "w"))
for a in range(adv):
    n = rnd.choice(names)
    json.dump({"id": "DSA-%05d-1" % a, "modified": "2026-10-01T00:00:00Z", "summary": n,
               "affected": [{"package": {"ecosystem": "Debian:12", "name": n},
                             "ranges": [{"type": "ECOSYSTEM", "events": [
                                 {"introduced": "0"}, {"fixed": "%d.0-1" % rnd.randint(1, 1 + rel // 3)}]}]}]},
              open("%s/osv/dsa-%05d.json" % (w, a), "w"))
EOF

k=$ROOT/keys-example
mkdir -p "$W/keys" && cp "$k"/*.key "$k"/*.pub "$W/keys/" && chmod 600 "$W"/keys/*.key
KEYS=(-k "$W/keys/targets.key" -k "$W/keys/snapshot.key" -k "$W/keys/timestamp.key")
"$BUILD/ota-sign" init -r "$W/repo" --root-key "$W/keys/root.key" --targets-key "$W/keys/targets.key" \
    --snapshot-key "$W/keys/snapshot.key" --timestamp-key "$W/keys/timestamp.key" >/dev/null || die "init"
head -c 4096 /dev/urandom >"$W/img"
for r in $(seq 0 $((REL - 1))); do
    "$BUILD/ota-sign" bundle --name fw --version "1.$r.0" --hardware hw-1 --component "image:k=$W/img" \
        --sbom "$W/sbom-$r.json" -o "$W/fw-$r.otab" --quiet 2>/dev/null &&
        "$BUILD/ota-sign" add -r "$W/repo" "${KEYS[@]}" "$W/fw-$r.otab" >/dev/null || die "release $r"
done
TOKEN=bench-advisories-0123456789abcdef0123
printf '%s\n' "$TOKEN" >"$W/token" && chmod 600 "$W/token"
# the baseline server: the same repository and database, no --advisories
start_server "$W/srv0.log" --root "$W/repo" --db "$W/r.db" --admin-token-file "$W/token" \
    --access-log off --new-devices-per-minute 0 || die "server: $(cat "$W/srv0.log")"
for d in $(seq 1 "$DEV"); do
    "$BUILD/tests/mkreport" --seed-text "b$d" --device "dev-$d" --hardware hw-1 \
        --version "1.$((d % REL)).0" --out "$W/r.json" &&
        curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "@$W/r.json" "$U/v1/reports"
done

H="Authorization: Bearer $TOKEN"
ms() { curl -s -o /dev/null -w '%{time_total}\n' -H "$H" "$U$1" | awk '{printf "%.1f\n", $1 * 1000}'; }
# stats PATH: "median max" of N requests
stats() {
    for _ in $(seq 1 "$N"); do ms "$1"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[NR]}'
}
row() { printf '%-58s %10s %10s %8s\n' "$@"; }
read -r f_med f_max < <(stats /v1/fleet)
stop_server
start_server "$W/srv.log" --root "$W/repo" --db "$W/r.db" --admin-token-file "$W/token" \
    --advisories "$W/osv" --access-log off || die "server: $(cat "$W/srv.log")"
cold=$(ms /v1/advisories)
bytes=$(curl -s -H "$H" "$U/v1/advisories" | wc -c)
affected=$(curl -s -H "$H" "$U/v1/advisories" |
    python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin)["advisories"] if a["affected_devices"]))')
printf 'inputs: %s releases x %s packages, %s advisories (%s affect a release), %s devices; %s requests each\n' \
    "$REL" "$PKGS" "$ADV" "$affected" "$DEV" "$N"
row request median_ms max_ms ratio
row "GET /v1/fleet, no --advisories (baseline)" "$f_med" "$f_max" 1.00
for q in /v1/fleet /v1/advisories /v1/advisories/DSA-00001-1 "/v1/packages?name=pkg00042&below=3.0" \
    "/v1/packages?name=pkg00042&ecosystem=Debian&introduced=1.0&fixed=2.0-1"; do
    read -r med max < <(stats "$q")
    row "GET $q" "$med" "$max" "$(awk -v a="$med" -v b="$f_med" 'BEGIN {printf "%.2f", a / b}')"
done
printf 'first GET /v1/advisories (every list read from its bundle): %s ms; answer %s bytes\n' "$cold" "$bytes"
