#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: the whole chain on 127.0.0.1 — sign → bundle → publish → serve →
# the device agent checks, updates into A/B slots, its health check confirms;
# a broken release is staged (rollout 0 %, then 100 %), fails its health
# check and the device goes back → the server shows every signed report → a
# signed floor retires old versions → an attack is refused → an advisory
# names the devices (the demo device and three simulated ones) running a
# vulnerable openssl and the release that fixes it, which the demo device
# installs; a floor then retires the vulnerable releases.  Uses the demo
# keys in keys-example/ (unencrypted, public: never for production).
# The programs are $BUILD's (default build/), or OTA_BINDIR's (e.g. /usr/bin
# of the installed packages); the demo's files go into $BUILD/demo either way.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
BIN=${OTA_BINDIR:-$B}
SIGN="$BIN/ota-sign" SERVER="$BIN/ota-server" CLIENT="$BIN/ota-client"
D="$B/demo"
rm -rf "$D"
mkdir -p "$D/keys" "$D/src"
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; true; }
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s#$D/##g; s#$B/##g"; "$@"; }

cp "$ROOT"/keys-example/*.key "$ROOT"/keys-example/*.pub "$D/keys/"
chmod 600 "$D"/keys/*.key
K="$D/keys"
ONLINE=(-k "$K/targets.key" -k "$K/snapshot.key" -k "$K/timestamp.key")

step "1. build machine: a new TUF repository (demo keys from keys-example/)"
run "$SIGN" init -r "$D/repo" --root-key "$K/root.key" --targets-key "$K/targets.key" \
    --snapshot-key "$K/snapshot.key" --timestamp-key "$K/timestamp.key"

step "2. build machine: an update bundle (a file tree laid out for delta updates and a 4 MiB firmware image, chunked, each chunk hashed)"
mkdir -p "$D/src/rootfs/etc" "$D/src/rootfs/usr/bin" "$D/src/rootfs/usr/lib" "$D/src/rootfs/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$D/src/rootfs/usr/lib/os-release"
OPENSSL=3.0.11-1~deb12u1 # the openssl each release carries (its dpkg status)
head -c 4194304 /dev/urandom >"$D/src/fw.img" # stands in for a modem firmware
# 4 MiB of libraries and documentation that no release changes (they stand in
# for the rest of a root file system; a tree delta downloads none of it)
mkdir -p "$D/src/rootfs/usr/share/doc"
for i in $(seq 100 259); do
    head -c 19000 /dev/urandom | base64 >"$D/src/rootfs/usr/share/doc/file$i.txt"
done
# mkrel VERSION [NOTE] [ota-sign add options...]: build and publish gw-fw
# VERSION (its firmware image differs from the last one in one 256 KiB chunk)
mkrel() {
    local v=$1 note=${2:-}
    shift 2 2>/dev/null || shift $#
    echo "gateway firmware $v$note" >"$D/src/rootfs/etc/version"
    printf '#!/bin/sh\necho hello from %s\n' "$v" >"$D/src/rootfs/usr/bin/hello"
    chmod 755 "$D/src/rootfs/usr/bin/hello"
    printf 'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: %s\n' \
        "$OPENSSL" >"$D/src/rootfs/var/lib/dpkg/status"
    printf 'firmware %s' "$v" | dd of="$D/src/fw.img" bs=1 seek=1048576 conv=notrunc status=none
    run "$SIGN" bundle --name gw-fw --version "$v" --hardware gw-1 \
        --component rootfs:rootfs="$D/src/rootfs" --component image:fw="$D/src/fw.img" \
        --sbom auto --delta -o "$D/gw-fw-$v.otab" --quiet 2>/dev/null
    run "$SIGN" add -r "$D/repo" "${ONLINE[@]}" --path "gw-fw-$v.otab" "$@" "$D/gw-fw-$v.otab"
}
mkrel 1.0.0
run "$SIGN" inspect "$D/gw-fw-1.0.0.otab"
run "$SIGN" verify -r "$D/repo"
run "$SIGN" status -r "$D/repo"

step "3. hosting: ota-server serves the repository on 127.0.0.1 and records device reports"
printf 'demo-admin-token-0123456789abcdef\n' >"$D/admin.token"
chmod 600 "$D/admin.token"
mkdir -p "$D/advisories"
"$SERVER" --root "$D/repo" --listen 127.0.0.1:0 --access-log off --db "$D/reports.db" \
    --admin-token-file "$D/admin.token" --advisories "$D/advisories" 2>"$D/server.err" &
SERVER_PID=$!
URL=
for _ in $(seq 1 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$D/server.err" 2>/dev/null || true)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "demo: ota-server did not start" >&2; cat "$D/server.err" >&2; exit 1; }
echo "serving on $URL"

# A simulated device: two slot directories, a 'current' symlink as the
# bootloader, a fake kernel command line saying which slot booted, a reboot
# script that "boots" what the link points at, and a health check that
# fails when the running version says it is broken.
DEV="$D/device"
mkdir -p "$DEV/slot-a" "$DEV/slot-b"
echo "factory firmware" >"$DEV/slot-a/version"
ln -sfn "$DEV/slot-a" "$DEV/current"
echo "ota.slot=A" >"$DEV/cmdline"
printf '[system]\ncompatible = gw-1\nbootloader = symlink\nsymlink = %s\ncmdline = %s\n' \
    "$DEV/current" "$DEV/cmdline" >"$DEV/system.conf"
printf '[slot.rootfs.%s]\ntype = dir\npath = %s\nbootname = %s\n' \
    0 "$DEV/slot-a" A 1 "$DEV/slot-b" B >>"$DEV/system.conf"
# the firmware image's slots: raw files, switched with the rootfs slots
: >"$DEV/fw-a.img"
: >"$DEV/fw-b.img"
printf '[slot.fw.%s]\ntype = raw\npath = %s\nparent = rootfs.%s\n' \
    0 "$DEV/fw-a.img" 0 1 "$DEV/fw-b.img" 1 >>"$DEV/system.conf"
printf '#!/bin/sh\ncase $(readlink %s) in */slot-a) echo ota.slot=A ;; *) echo ota.slot=B ;; esac >%s\necho "(the device reboots into $(cat %s))" >&2\n' \
    "$DEV/current" "$DEV/cmdline" "$DEV/cmdline" >"$DEV/reboot.sh"
printf '#!/bin/sh\nif grep -q broken %s/etc/version; then echo "service check failed" >&2; exit 1; fi\n' \
    "$DEV/current" >"$DEV/health.sh"
chmod 755 "$DEV/reboot.sh" "$DEV/health.sh"
{
    echo "metadata_url = $URL/metadata/"
    echo "state_dir = $DEV/state"
    echo "system_conf = $DEV/system.conf"
    echo "device_id = demo-gw-0001"
    echo "product = gw-fw"
    echo "health_check = $DEV/health.sh"
    echo "reboot_command = $DEV/reboot.sh"
} >"$DEV/client.conf"
C=("$CLIENT" --config "$DEV/client.conf")

step "4. device: trust the shipped root, refresh, list, fetch (every byte verified)"
run cat "$DEV/client.conf"
run "${C[@]}" init --root "$D/repo/metadata/1.root.json"
run "${C[@]}" list
run "${C[@]}" fetch gw-fw-1.0.0.otab -o "$DEV/downloads"
run "$SIGN" verify-bundle "$DEV/downloads/gw-fw-1.0.0.otab"

step "5. build machine: release 1.1.0; the device checks what it would install, and why"
mkrel 1.1.0
run "${C[@]}" check

step "6. device: update installs 1.1.0 into the inactive slot; after the reboot the daemon's health check confirms it"
run cat "$DEV/system.conf"
run "${C[@]}" update
"$DEV/reboot.sh"
run "${C[@]}" daemon --once
run "$DEV/slot-b/usr/bin/hello"
run "${C[@]}" status

step "7. a broken release 1.2.0, staged: 0 % of the fleet first, then everyone (delta: only the changed files' and the image's changed chunks are downloaded)"
mkrel 1.2.0 " (broken)" --rollout 0
run "${C[@]}" check
run "$SIGN" release -r "$D/repo" "${ONLINE[@]}" gw-fw-1.2.0.otab --rollout 100
run "${C[@]}" daemon --once
echo "(after the reboot the daemon runs the health check)"
run "${C[@]}" daemon --once
run "${C[@]}" status
set +e
run "${C[@]}" install gw-fw-1.2.0.otab
rc=$?
set -e
[ "$rc" -eq 10 ] || { echo "demo: the bad version was offered again (exit $rc)" >&2; exit 1; }
echo "refused (exit 10): 1.2.0 is marked bad on this device and never installed again"

step "8. the vendor's view: each step the device reported (signed reports, POST /v1/reports)"
run curl -s -H "Authorization: Bearer $(cat "$D/admin.token")" -o "$D/device.json" \
    "$URL/v1/devices/demo-gw-0001"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for h in reversed(d["history"]):
    print("  seq %-3s %-9s runs %-6s %s" % (h["seq"], h["result"], h["installed_version"], h["error"] or ""))' \
    "$D/device.json"
echo "The fleet at a glance (GET /v1/fleet; the page for a browser is $URL/fleet, admin token in $D/admin.token):"
run curl -s -H "Authorization: Bearer $(cat "$D/admin.token")" -o "$D/fleet.json" "$URL/v1/fleet"
python3 -c 'import json, sys
f = json.load(open(sys.argv[1]))
print("  releases: " + ", ".join("%s %s (%s%%)" % (r["name"], r["version"], r.get("rollout", "?"))
                                  for r in f["releases"] if r.get("valid")))
print("  roles:    " + ", ".join("%s v%s, %dh left" % (r["role"], r["version"], r["seconds_left"] // 3600)
                                  for r in f["roles"] if "error" not in r))
for d in f["devices"]:
    print("  device %s: runs %s, newest for its hardware %s, last result %s%s" % (
        d["device_id"], d["installed_version"], d.get("newest") or "-", d.get("result") or "-",
        " (behind)" if d.get("behind") else ""))' "$D/fleet.json"

step "9. build machine: a signed floor retires every gw-fw below 1.1.0, fleet-wide"
run "$SIGN" floor -r "$D/repo" "${ONLINE[@]}" gw-fw 1.1.0
run "${C[@]}" check

step "10. attack: a compromised server swaps the bundle's bytes"
f="$D/repo/targets/$(sha256sum "$D/gw-fw-1.1.0.otab" | cut -c1-64).gw-fw-1.1.0.otab"
cp "$f" "$D/good.otab"
printf 'EVIL' | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null
rm -rf "$DEV/downloads"
set +e
run "${C[@]}" fetch gw-fw-1.1.0.otab -o "$DEV/downloads"
rc=$?
set -e
cp "$D/good.otab" "$f"
if [ "$rc" -eq 4 ] && [ ! -e "$DEV/downloads/gw-fw-1.1.0.otab" ]; then
    echo "refused (exit 4, security event); nothing was written to the download directory"
else
    echo "demo: the tampered bundle was NOT refused (exit $rc)" >&2
    exit 1
fi

step "11. after shipment: an advisory for openssl; which devices run it, and the release that fixes it"
cat >"$D/advisories/dsa-demo.json" <<'EOF2'
{"id": "DSA-9999-1", "modified": "2026-12-01T00:00:00Z", "aliases": ["CVE-2099-9999"],
 "summary": "openssl - security update (a demo advisory)",
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.13-1~deb12u1"}]}]}]}
EOF2
OPENSSL=3.0.13-1~deb12u1
mkrel 1.3.0 " (openssl 3.0.13)"
run kill -HUP "$SERVER_PID" # the server reads its --advisories directory again
for _ in $(seq 1 100); do grep -q "SIGHUP: advisories" "$D/server.err" && break; sleep 0.05; done
# advisory ID: "device on release, ..." and the fix
show_advisory() {
    curl -s -H "Authorization: Bearer $(cat "$D/admin.token")" -o "$D/advisory.json" "$URL/v1/advisories/DSA-9999-1"
    python3 -c 'import json, sys
a = json.load(open(sys.argv[1]))
print("  %s (%s): %d device(s) affected" % (a["id"], a["summary"], a["affected_devices"]))
for r in a["releases"]:
    ids = ", ".join(r.get("devices", {}).get("ids", [])) or "no device"
    print("  %-6s %-12s %s" % (r["version"], r["status"], ids))
for f in a["fixed_by"]:
    r = f["release"]
    print("  fixed for %s on %s by %s (rollout %s %%)" % (f["bundle"], f["hardware"], r["version"], r["rollout"]) if r else "  no fix yet")' "$D/advisory.json"
}
# three more devices of the fleet, simulated: the signed report each one's
# agent would send (tests/tools/mkreport; not there in an installed-package run)
MK="$B/tests/mkreport"
if [ -x "$MK" ]; then
    for dv in demo-gw-0002:1.0.0 demo-gw-0003:1.0.0 demo-gw-0004:1.1.0; do
        "$MK" --seed-text "demo-key-${dv%%:*}" --device "${dv%%:*}" --hardware gw-1 \
            --version "${dv#*:}" --result success --seq 1 --out "$D/sim-report.json"
        curl -s -o /dev/null -H 'Content-Type: application/json' \
            --data-binary "@$D/sim-report.json" "$URL/v1/reports"
        echo "simulated device ${dv%%:*} reports gw-fw ${dv#*:}"
    done
else
    echo "(no $MK: the simulated devices are left out; the demo device is shown alone)"
fi
echo "GET /v1/advisories/DSA-9999-1:"
show_advisory
run "${C[@]}" update
"$DEV/reboot.sh"
run "${C[@]}" daemon --once
echo "after the demo device installed 1.3.0 and reported it (the others have not updated yet):"
show_advisory
echo "closing the loop: a signed floor retires the vulnerable releases (no device installs them again)"
run "$SIGN" floor -r "$D/repo" "${ONLINE[@]}" gw-fw 1.3.0

step "done"
echo "Everything above ran on 127.0.0.1; files are in $D."
