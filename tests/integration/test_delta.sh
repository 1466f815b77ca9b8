#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Delta updates of image components end to end (formats/BUNDLE.md "Delta
# updates"), real ota-server and ota-client on 127.0.0.1: the chunks the
# active slot already holds (at any chunk-aligned offset) are copied from
# it, only the others are downloaded with HTTP Range requests; a modified,
# missing or linked active slot means more downloading, never a failure or
# a wrong slot; a server that ignores Range, a power cut mid-install, and a
# pre-install hook that rewrites the active slot after it was indexed (the
# reader's hash check of every local chunk is what keeps the slot right).
#
# The device is test_install.sh's (device.sh): raw slots kernel-a.img and
# kernel-b.img; the bundles here have one image component "kernel" of
# 64 KiB chunks of random bytes (each compresses to ~64 KiB), so "bytes
# downloaded" is about 64 KiB per changed chunk plus the head.
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
C=${OTA_CLIENT:-$BUILD/ota-client}
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-delta.XXXXXX")
HTTPD_PID=
cleanup() {
    kill_servers
    [ -n "$HTTPD_PID" ] && { kill -9 "$HTTPD_PID" && wait "$HTTPD_PID"; } 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

source "$(dirname "$0")/device.sh"
mkrepo || { failed "ota-sign init"; finish; exit 1; }
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }

CS=65536
mkdir -p "$T/img"
# chunks FILE I...: replace 64 KiB chunk I of FILE with new random bytes
chunks() {
    local f=$1 i
    shift
    for i in "$@"; do
        head -c $CS /dev/urandom | dd of="$f" bs=$CS seek="$i" conv=notrunc status=none
    done
}
# publish VERSION IMAGE [BUNDLE ARGS...]: gw-fw VERSION with IMAGE as component kernel
publish() {
    local v=$1 img=$2
    shift 2
    "$S" bundle --name gw-fw --version "$v" --hardware gw-1 --chunk-size 64k \
        --component image:kernel="$img" -o "$T/gw-fw-$v.otab" --quiet --force "$@" &&
        "$S" add -r "$T/repo" "${KEYS[@]}" --path gw-fw.otab "$T/gw-fw-$v.otab" >/dev/null
}
size() { stat -c %s "$1"; }
# the slot kernel-X.img the next install writes / the booted one
inactive() { [ "$(cat "$DEV/cmdline")" = "ota.slot=A" ] && echo "$DEV/kernel-b.img" || echo "$DEV/kernel-a.img"; }
active() { [ "$(cat "$DEV/cmdline")" = "ota.slot=A" ] && echo "$DEV/kernel-a.img" || echo "$DEV/kernel-b.img"; }

# ---- 1. v1, full download (the active slot is empty) ------------------------------------
head -c $((64 * CS)) /dev/urandom >"$T/img/v1"
publish 1.0.0 "$T/img/v1" || failed "publish 1.0.0"
mkdevice dev symlink
inst i1
check "v1 installs (empty active slot: everything downloaded), rc $RC" test "$RC" = 0
check "v1: slot B holds exactly v1" cmp -s "$T/img/v1" "$DEV/kernel-b.img"
B1=$(size "$T/gw-fw-1.0.0.otab")
check "v1: downloaded the whole bundle ($(dl fetched <"$T/i1.out") of $B1)" \
    test "$(dl fetched <"$T/i1.out")" = "$B1"
boot_confirm

# ---- 2. v2 = v1 with three chunks changed -------------------------------------------------
cp "$T/img/v1" "$T/img/v2"
chunks "$T/img/v2" 5 30 50
publish 1.1.0 "$T/img/v2" || failed "publish 1.1.0"
B2=$(size "$T/gw-fw-1.1.0.otab")
"${OC[@]}" --device-id dev-1 --report-url none check --json >"$T/c2.json" 2>"$T/c2.err"
PLAN=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["chosen"]["download"]["bytes"])' <"$T/c2.json" 2>/dev/null)
"${OC[@]}" --device-id dev-1 --report-url none check >"$T/c2.txt" 2>&1
check "check (human): the bytes to download are shown" grep -q "^download: $PLAN of $B2 bytes" "$T/c2.txt"
# the report of this install stays queued (nothing listens on port 9): read it there
"${OC[@]}" --device-id dev-1 --report-url http://127.0.0.1:9/v1/reports --json install gw-fw.otab >"$T/i2.out" 2>"$T/i2.err"
RC=$?
check "v2 installs, rc $RC" test "$RC" = 0
check "v2: slot A holds exactly v2" cmp -s "$T/img/v2" "$DEV/kernel-a.img"
F2=$(dl fetched <"$T/i2.out")
check "v2: 61 of 64 chunks from the active slot" test "$(dl local_chunks <"$T/i2.out")" = 61
# head (~4.5 KiB of table) + three random chunks (~64 KiB each, stored raw)
check "v2: downloaded the 3 changed chunks + head: $F2 of $B2 bytes" le "$F2" $((3 * CS + 16384))
check "v2: check said exactly what install downloaded ($PLAN)" test "$PLAN" = "$F2"
check "v2: Range requests (206) in the access log" grep -q ' 206 ' "$T/server.log.access"
check "v2: the signed report (spec 1.2) records fetched vs bundle size" \
    grep -lq "\"download\":{\"bundle\":$B2,\"fetched\":$F2}" "$DEV"/state/reports/*
# a server that knows only report 1.0/1.1 answers 400 to the 1.2 member: the
# agent re-signs that report (same seq) with the counts in custom.download
# port 0: the kernel picks a free one, which the server writes to a file (a
# port chosen first can be taken, e.g. as a client's ephemeral port, before
# the bind: it once failed so)
python3 - "$T/rp.port" "$T/posted" <<'EOF' &
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        with open(sys.argv[2], "a") as f:
            f.write(body + "\n")
        self.send_response(400 if '"spec_version":"1.2"' in body else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
EOF
RPID=$!
wait_for 20 test -s "$T/rp.port"
RP=$(cat "$T/rp.port" 2>/dev/null)
[ -n "$RP" ] || failed "the old-style report server starts"
"${OC[@]}" --device-id dev-1 --report-url "http://127.0.0.1:$RP/v1/reports" report >"$T/rep.out" 2>&1
kill "$RPID"; wait "$RPID" 2>/dev/null
check "old report server (400 to spec 1.2): the install's report is sent again as 1.0, counts in custom" \
    grep -q "\"download\":{\"bundle\":$B2,\"fetched\":$F2}.*\"spec_version\":\"1.0\"" "$T/posted"
check "old report server: nothing refused, nothing left queued" grep -q "refused, 0 queued" "$T/rep.out" ||
    echo "# report: $(tr '\n' ' ' <"$T/rep.out"); posted: $(cut -c1-300 "$T/posted" 2>/dev/null | tr '\n' ' ')"
boot_confirm

# ---- 3. chunks moved to other offsets still count ----------------------------------------
# v3: v2 rotated by 7 chunks (every chunk at another offset), one chunk new
python3 - "$T/img/v2" "$T/img/v3" $CS <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read(); cs = int(sys.argv[3])
open(sys.argv[2], 'wb').write(d[7 * cs:] + d[:7 * cs])
EOF
chunks "$T/img/v3" 10
publish 1.2.0 "$T/img/v3" || failed "publish 1.2.0"
inst i3
check "v3 (moved chunks) installs, rc $RC" test "$RC" = 0
check "v3: slot B holds exactly v3" cmp -s "$T/img/v3" "$DEV/kernel-b.img"
check "v3: 63 of 64 chunks found at other offsets" test "$(dl local_chunks <"$T/i3.out")" = 63
check "v3: one chunk + head downloaded ($(dl fetched <"$T/i3.out"))" le "$(dl fetched <"$T/i3.out")" $((CS + 16384))
boot_confirm

# ---- 4. a modified active slot: fewer matches, right content ---------------------------------
cp "$T/img/v3" "$T/img/v4"
chunks "$T/img/v4" 0 63
publish 1.3.0 "$T/img/v4" || failed "publish 1.3.0"
A=$(active)
# one byte in each of five chunks of the running slot, inverted (writing a
# fixed byte left a chunk unchanged when its byte was that one already)
python3 - "$A" $CS <<'EOF'
import sys
cs = int(sys.argv[2])
with open(sys.argv[1], 'r+b') as f:
    for i in (2, 12, 22, 32, 42):
        f.seek(i * cs + 100)
        b = f.read(1)[0]
        f.seek(i * cs + 100)
        f.write(bytes([b ^ 0xff]))
EOF
inst i4
check "modified active slot: installs, rc $RC" test "$RC" = 0
check "modified active slot: the new slot holds exactly v4" cmp -s "$T/img/v4" "$(inactive)"
check "modified active slot: 57 chunks local (64 - 2 new - 5 modified)" \
    test "$(dl local_chunks <"$T/i4.out")" = 57
check "modified active slot: 7 chunks downloaded ($(dl fetched <"$T/i4.out"))" \
    le "$(dl fetched <"$T/i4.out")" $((7 * CS + 16384))
boot_confirm

# ---- 5. an active slot that cannot be used: full download ---------------------------------
cp "$T/img/v4" "$T/img/v5"
chunks "$T/img/v5" 20
publish 1.4.0 "$T/img/v5" || failed "publish 1.4.0"
B5=$(size "$T/gw-fw-1.4.0.otab")
A=$(active)
mv "$A" "$T/active.img"
inst i5
check "missing active slot: installs (full download), rc $RC" test "$RC" = 0
check "missing active slot: the new slot holds exactly v5" cmp -s "$T/img/v5" "$(inactive)"
check "missing active slot: the whole bundle downloaded" test "$(dl fetched <"$T/i5.out")" = "$B5"
check "missing active slot: the reason is shown" grep -q "full download, the active slot cannot be read" "$T/i5.err"
mv "$T/active.img" "$A"
boot_confirm

cp "$T/img/v5" "$T/img/v6"
chunks "$T/img/v6" 40
publish 1.5.0 "$T/img/v6" || failed "publish 1.5.0"
B6=$(size "$T/gw-fw-1.5.0.otab")
A=$(active)
# a symlink where the active image is: never followed (to the real image here)
mv "$A" "$T/active.img"
ln -s "$T/active.img" "$A"
inst i6
check "symlink as the active slot: not followed, full download, rc $RC" \
    test "$RC/$(dl fetched <"$T/i6.out")" = "0/$B6"
check "symlink as the active slot: the new slot holds exactly v6" cmp -s "$T/img/v6" "$(inactive)"
rm "$A"
mv "$T/active.img" "$A"
boot_confirm

# --no-delta / delta = no: everything downloaded although the active slot matches
cp "$T/img/v6" "$T/img/v7"
chunks "$T/img/v7" 1
publish 1.6.0 "$T/img/v7" || failed "publish 1.6.0"
B7=$(size "$T/gw-fw-1.6.0.otab")
"${OC[@]}" --device-id dev-1 --report-url none --no-delta check --json >"$T/c7.json" 2>/dev/null
check "check --no-delta: the bundle's length" \
    test "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["chosen"]["download"]["bytes"])' <"$T/c7.json")" = "$B7"
inst i7 --no-delta
check "install --no-delta: whole bundle downloaded, slot right" \
    test "$RC/$(dl fetched <"$T/i7.out")/$(dl local_chunks <"$T/i7.out")" = "0/$B7/0"
check "install --no-delta: the new slot holds exactly v7" cmp -s "$T/img/v7" "$(inactive)"
expect_rc 2 "delta = maybe is refused (usage)" "${OC[@]}" --delta maybe status
boot_confirm

# ---- 6. the active slot changes after it was indexed: the reader's check -------------------
# The signed pre-install hook runs after the index is made: it rewrites
# every chunk of the running slot.  Every copy offered is stale: the reader
# must refuse each one (SHA-256 against the signed table) and fetch it.
cp "$T/img/v7" "$T/img/v8"
chunks "$T/img/v8" 3
A=$(active)
printf '#!/bin/sh\nhead -c %d /dev/urandom >%s\n' $((64 * CS)) "$A" >"$T/scramble.sh"
publish 1.7.0 "$T/img/v8" --pre-install "$T/scramble.sh" || failed "publish 1.7.0"
inst i8
check "active slot rewritten after indexing: installs, rc $RC" test "$RC" = 0
check "active slot rewritten after indexing: the new slot holds exactly v8 (no stale chunk used)" \
    cmp -s "$T/img/v8" "$(inactive)"
check "active slot rewritten after indexing: no chunk local, all fetched" \
    test "$(dl local_chunks <"$T/i8.out")" = 0
boot_confirm

# ---- 7. a server that ignores Range (python3 http.server) -------------------------------------
cp "$T/img/v8" "$T/img/v9"
chunks "$T/img/v9" 8 40
publish 1.8.0 "$T/img/v9" || failed "publish 1.8.0"
# port 0: the kernel picks a free one, which the server prints (no race
# between choosing a port and binding it)
(cd "$T/repo" && exec python3 -u -m http.server --bind 127.0.0.1 0) >"$T/httpd.log" 2>&1 &
HTTPD_PID=$!
wait_for 20 grep -q "^Serving HTTP on .* port [0-9]" "$T/httpd.log"
HP=$(sed -n 's/^Serving HTTP on .* port \([0-9]*\) .*/\1/p' "$T/httpd.log" | head -1)
[ -n "$HP" ] || failed "python3 http.server starts" "$(tail -3 "$T/httpd.log")"
"$C" --state-dir "$DEV/state" --system-conf "$DEV/system.conf" --metadata-url "http://127.0.0.1:$HP/metadata/" \
    --device-id dev-1 --report-url none --json install gw-fw.otab >"$T/i9.out" 2>"$T/i9.err"
RC=$?
check "server without Range (http.server): installs, rc $RC" test "$RC" = 0
check "server without Range: the new slot holds exactly v9" cmp -s "$T/img/v9" "$(inactive)"
check "server without Range: 62 chunks still taken from the active slot" \
    test "$(dl local_chunks <"$T/i9.out")" = 62
check "server without Range: it answered 200 to every request (ignored Range)" \
    sh -c "! grep -q '\" 206 ' '$T/httpd.log' && grep -q 'gw-fw.otab HTTP/1.1\" 200' '$T/httpd.log'"
kill "$HTTPD_PID"; wait "$HTTPD_PID" 2>/dev/null; HTTPD_PID=
boot_confirm

# ---- 8. power cut in the middle of a delta install, then resume -----------------------------
# v10: v9 twice (128 chunks), every other one new: 64 to download, 64 local
# (enough downloading to be cut in the middle)
python3 - "$T/img/v9" "$T/img/v10" $CS <<'EOF'
import os, sys
d = bytearray(open(sys.argv[1], 'rb').read()); cs = int(sys.argv[3])
d = d + bytes(d)
for i in range(0, 128, 2):
    d[i * cs:(i + 1) * cs] = os.urandom(cs)
open(sys.argv[2], 'wb').write(bytes(d))
EOF
publish 1.9.0 "$T/img/v10" || failed "publish 1.9.0"
B10=$(size "$T/gw-fw-1.9.0.otab")
slow "${OC[@]}" --device-id dev-1 --report-url none --checkpoint-kib 64 install gw-fw.otab >"$T/i10a.out" 2>&1 &
IPID=$!
wait_journal
kill -9 "$IPID" 2>/dev/null; wait "$IPID" 2>/dev/null
J=$("${OC[@]}" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("journal",{}).get("bundle_offset",0))')
check "power cut: the journal is inside the bundle ($J of $B10)" sh -c "[ '$J' -gt 0 ] && [ '$J' -lt '$B10' ]"
check "power cut: state downloading" test "$(state_of state)" = downloading
inst i10
check "resume after the cut: installs, rc $RC" test "$RC" = 0
check "resume after the cut: the new slot holds exactly v10" cmp -s "$T/img/v10" "$(inactive)"
F10=$(dl fetched <"$T/i10.out")
# 64 new chunks and 64 local ones: half the bundle, plus what the cut cost again
check "resume after the cut: downloads stayed a delta ($F10 of $B10 bytes over both runs)" \
    le "$F10" $((B10 / 2 + 4 * CS))
boot_confirm

finish
