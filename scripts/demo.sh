#!/usr/bin/env bash
# make demo: the whole chain on 127.0.0.1 — sign → bundle → publish → serve →
# device installs into A/B slots, confirms, falls back from a broken release →
# device fetches and verifies → an attack is refused.  Uses the demo keys in
# keys-example/ (unencrypted, public: never for production).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
SIGN="$B/ota-sign" SERVER="$B/ota-server" CLIENT="$B/ota-client"
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

step "2. build machine: an update bundle (file tree, chunked, each chunk hashed)"
mkdir -p "$D/src/rootfs/etc" "$D/src/rootfs/usr/bin"
echo "gateway firmware 1.0.0" > "$D/src/rootfs/etc/version"
printf '#!/bin/sh\necho hello from 1.0.0\n' > "$D/src/rootfs/usr/bin/hello"
chmod 755 "$D/src/rootfs/usr/bin/hello"
run "$SIGN" bundle --name gw-fw --version 1.0.0 --hardware gw-1 \
    --component tree:rootfs="$D/src/rootfs" -o "$D/gw-fw-1.0.0.otab" --quiet
run "$SIGN" inspect "$D/gw-fw-1.0.0.otab"
run "$SIGN" add -r "$D/repo" "${ONLINE[@]}" --path gw-fw.otab "$D/gw-fw-1.0.0.otab"
run "$SIGN" verify -r "$D/repo"
run "$SIGN" status -r "$D/repo"

step "3. hosting: ota-server serves the repository on 127.0.0.1 (the server is not trusted)"
"$SERVER" --root "$D/repo" --listen 127.0.0.1:0 --access-log off 2>"$D/server.err" &
SERVER_PID=$!
URL=
for _ in $(seq 1 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$D/server.err" 2>/dev/null || true)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] || { echo "demo: ota-server did not start" >&2; cat "$D/server.err" >&2; exit 1; }
echo "serving on $URL"
C=("$CLIENT" --state-dir "$D/device" --metadata-url "$URL/metadata/")

step "4. device: trust the shipped root, refresh, list, fetch (every byte verified)"
run "${C[@]}" init --root "$D/repo/metadata/1.root.json"
run "${C[@]}" list
run "${C[@]}" fetch gw-fw.otab -o "$D/device/downloads"
run "$SIGN" verify-bundle "$D/device/downloads/gw-fw.otab"

step "5. build machine: release 1.1.0; the device sees it"
echo "gateway firmware 1.1.0" > "$D/src/rootfs/etc/version"
printf '#!/bin/sh\necho hello from 1.1.0\n' > "$D/src/rootfs/usr/bin/hello"
run "$SIGN" bundle --name gw-fw --version 1.1.0 --hardware gw-1 \
    --component tree:rootfs="$D/src/rootfs" -o "$D/gw-fw-1.1.0.otab" --quiet
run "$SIGN" add -r "$D/repo" "${ONLINE[@]}" --path gw-fw.otab "$D/gw-fw-1.1.0.otab"
run "${C[@]}" list
rm -rf "$D/device/downloads"
run "${C[@]}" fetch gw-fw.otab -o "$D/device/downloads"
cmp "$D/device/downloads/gw-fw.otab" "$D/gw-fw-1.1.0.otab" && echo "device holds 1.1.0, byte-identical"

step "6. device: install 1.1.0 into the inactive A/B slot, reboot, confirm"
# a simulated device: two slot directories, a 'current' symlink as the
# bootloader, a fake kernel command line saying which slot booted
DEV="$D/device"
mkdir -p "$DEV/slot-a" "$DEV/slot-b"
echo "factory firmware" >"$DEV/slot-a/version"
ln -sfn "$DEV/slot-a" "$DEV/current"
echo "ota.slot=A" >"$DEV/cmdline"
printf '[system]\ncompatible = gw-1\nbootloader = symlink\nsymlink = %s\ncmdline = %s\n' \
    "$DEV/current" "$DEV/cmdline" >"$DEV/system.conf"
printf '[slot.rootfs.%s]\ntype = dir\npath = %s\nbootname = %s\n' \
    0 "$DEV/slot-a" A 1 "$DEV/slot-b" B >>"$DEV/system.conf"
C+=(--system-conf "$DEV/system.conf")
reboot_device() {
    case $(readlink "$DEV/current") in */slot-a) echo ota.slot=A ;; *) echo ota.slot=B ;; esac >"$DEV/cmdline"
}
run cat "$DEV/system.conf"
run "${C[@]}" install gw-fw.otab
run "${C[@]}" status
echo "(reboot)"; reboot_device
run "${C[@]}" boot-check
run "$DEV/slot-b/usr/bin/hello"
run "${C[@]}" confirm

step "7. a broken release 1.2.0: its health check fails, the device goes back"
echo "gateway firmware 1.2.0 (broken)" > "$D/src/rootfs/etc/version"
run "$SIGN" bundle --name gw-fw --version 1.2.0 --hardware gw-1 \
    --component tree:rootfs="$D/src/rootfs" -o "$D/gw-fw-1.2.0.otab" --quiet
run "$SIGN" add -r "$D/repo" "${ONLINE[@]}" --path gw-fw.otab "$D/gw-fw-1.2.0.otab"
run "${C[@]}" install gw-fw.otab
echo "(reboot)"; reboot_device
run "${C[@]}" boot-check
if grep -q broken "$(readlink "$DEV/current")/etc/version"; then
    echo "health check: etc/version says broken -> roll back"
    run "${C[@]}" rollback --reason "health check failed"
fi
echo "(reboot)"; reboot_device
run "${C[@]}" status
set +e
run "${C[@]}" install gw-fw.otab
rc=$?
set -e
[ "$rc" -eq 10 ] || { echo "demo: the bad version was offered again (exit $rc)" >&2; exit 1; }
echo "refused (exit 10): 1.2.0 is marked bad on this device and never installed again"

step "8. attack: a compromised server swaps the bundle's bytes"
f="$D/repo/targets/$(sha256sum "$D/gw-fw-1.2.0.otab" | cut -c1-64).gw-fw.otab"
cp "$f" "$D/good.otab"
printf 'EVIL' | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null
rm -rf "$D/device/downloads"
set +e
run "${C[@]}" fetch gw-fw.otab -o "$D/device/downloads"
rc=$?
set -e
cp "$D/good.otab" "$f"
if [ "$rc" -eq 4 ] && [ ! -e "$D/device/downloads/gw-fw.otab" ]; then
    echo "refused (exit 4, security event); nothing was written to the download directory"
else
    echo "demo: the tampered bundle was NOT refused (exit $rc)" >&2
    exit 1
fi

step "done"
echo "Everything above ran on 127.0.0.1; files are in $D."
