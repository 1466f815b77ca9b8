#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The install engine end to end, with real processes on 127.0.0.1: ota-sign
# builds and publishes bundles, ota-server serves them, ota-client installs
# them into A/B slots (dir + raw) of a simulated device, switches, confirms,
# falls back; hostile bundles, hooks, a vanishing server and signals; zstd
# (format 2) bundles as well as deflate ones.
#
# The simulated device: slot directories and image files under $T/dev, the
# symlink backend ($T/dev/current -> slot-a|slot-b) or the U-Boot backend on a
# file environment driven by tests/integration/bootsim.sh, and a fake kernel
# command line ($T/dev/cmdline, "ota.slot=X") written by the "reboot".
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
# OTA_CLIENT: another ota-client command (make valgrind: one under valgrind)
C=${OTA_CLIENT:-$BUILD/ota-client}
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-install.XXXXXX")
cleanup() { kill_servers; rm -rf "$T"; }
trap cleanup EXIT

source "$(dirname "$0")/device.sh"
mkrepo || { failed "ota-sign init"; finish; exit 1; }
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }

# ---- 1. a first install, symlink backend --------------------------------------------
mkrel 1.0.0 gw-1 || failed "release 1.0.0 published"
mkdevice dev1 symlink
echo "factory A" >"$DEV/slot-a/factory"
A0=$(slot_hash "$DEV/slot-a")
expect_rc 0 "install 1.0.0 into the inactive slot" "${OC[@]}" install gw-fw.otab
check "slot B holds exactly the 1.0.0 tree" same_tree "$T/src/1.0.0/rootfs" "$DEV/slot-b"
check "the raw kernel slot B holds the 1.0.0 image" cmp -s "$T/src/1.0.0/kernel.img" "$DEV/kernel-b.img"
check "the booted slot A was not touched" test "$(slot_hash "$DEV/slot-a")" = "$A0"
check "kernel slot A not touched" test ! -s "$DEV/kernel-a.img"
check "the link now points at slot B" test "$(readlink "$DEV/current")" = "$DEV/slot-b"
check "state: installed (waits for a reboot)" test "$(state_of state)" = installed
check "file modes kept" test -x "$DEV/slot-b/usr/bin/hello"
check "relative symlink kept as a link" test "$(readlink "$DEV/slot-b/etc/hello-link")" = ../usr/bin/hello
check "absolute link of a rootfs tree stored as is (resolves in the slot once booted)" \
    test "$(readlink "$DEV/slot-b/etc/abs-link")" = /usr/bin/hello
expect_rc 12 "a second install before the reboot is refused (busy)" "${OC[@]}" install gw-fw.otab
expect_rc 12 "confirm before the reboot: nothing to confirm yet" "${OC[@]}" confirm
reboot_symlink
expect_rc 0 "boot-check after the reboot" "${OC[@]}" boot-check
check "state: pending in slot B" test "$(state_of state)" = pending
expect_rc 0 "confirm" "${OC[@]}" confirm
check "state: committed, installed 1.0.0" test "$(state_of state)/$(state_of installed_version)" = committed/1.0.0
expect_rc 9 "the same version again: not newer (exit 9)" "${OC[@]}" install gw-fw.otab

# ---- 2. an update into the other slot -------------------------------------------------
mkrel 1.1.0 gw-1 || failed "release 1.1.0 published"
B1=$(slot_hash "$DEV/slot-b")
expect_rc 0 "install 1.1.0 goes to slot A (B is booted)" "${OC[@]}" install gw-fw.otab
check "slot A holds exactly 1.1.0 (factory file gone)" same_tree "$T/src/1.1.0/rootfs" "$DEV/slot-a"
check "the running slot B untouched" test "$(slot_hash "$DEV/slot-b")" = "$B1"
reboot_symlink
expect_rc 0 "boot into A, confirm 1.1.0" "${OC[@]}" confirm
check "installed 1.1.0" test "$(state_of installed_version)" = 1.1.0

# ---- 3. refused before a byte is written -------------------------------------------------
snap() { echo "$(slot_hash "$DEV/slot-a")$(slot_hash "$DEV/slot-b")$(readlink "$DEV/current")$(md5sum <"$DEV/kernel-b.img")"; }
mkrel 1.2.0 gw-2 || failed "release for other hardware published"
before=$(snap)
expect_rc 8 "wrong hardware: exit 8" "${OC[@]}" install gw-fw.otab
check "wrong hardware: nothing written, nothing switched" test "$(snap)" = "$before"
mkrel 1.0.5 gw-1 || failed "older release published"
expect_rc 9 "lower version than installed: exit 9" "${OC[@]}" install gw-fw.otab
check "lower version: nothing written" test "$(snap)" = "$before"

# ---- 4. a tampered chunk in the middle of the bundle ---------------------------------------
mkrel 1.3.0 gw-1 || failed "release 1.3.0 published"
h=$(sha256sum "$T/gw-fw-1.3.0.otab" | cut -c1-64)
f=$T/repo/targets/$h.gw-fw.otab
cp "$f" "$T/saved.otab"
len=$(stat -c %s "$f")
printf 'X' | dd of="$f" bs=1 seek=$((len / 2)) conv=notrunc 2>/dev/null
before=$(slot_hash "$DEV/slot-a")
expect_rc 4 "tampered chunk: verification failure (exit 4)" "${OC[@]}" install gw-fw.otab
check "tampered: the booted slot A is untouched and still primary" \
    test "$(slot_hash "$DEV/slot-a")" = "$before" -a "$(readlink "$DEV/current")" = "$DEV/slot-a"
check "tampered: state idle with the reason recorded" \
    sh -c "test \"\$($(printf '%q ' "${OC[@]}") status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"state\"], \"hash\" in d.get(\"last_error\",\"\"))')\" = 'idle True'"
cp "$T/saved.otab" "$f"
expect_rc 0 "after the repair the same release installs from scratch" "${OC[@]}" install gw-fw.otab
check "slot B holds 1.3.0" same_tree "$T/src/1.3.0/rootfs" "$DEV/slot-b"
expect_rc 0 "roll back the installed 1.3.0" "${OC[@]}" rollback --reason "test"
check "rolled back: link on A, state fell-back, 1.3.0 marked bad" \
    test "$(readlink "$DEV/current")/$(state_of state)" = "$DEV/slot-a/fell-back"
expect_rc 10 "a version marked bad is refused (exit 10)" "${OC[@]}" install gw-fw.otab

# ---- 5. hooks -------------------------------------------------------------------------------
printf '#!/bin/sh\necho "pre: $OTA_BUNDLE_VERSION $OTA_SLOT_BOOTNAME $OTA_SLOTS" > %s/hook.out\n' "$T" >"$T/pre-ok.sh"
printf '#!/bin/sh\necho "disk check failed" >&2\nexit 3\n' >"$T/pre-fail.sh"
printf '#!/bin/sh\nsleep 60\n' >"$T/post-hang.sh"
mkrel 1.4.0 gw-1 --pre-install "$T/pre-fail.sh" || failed "release with a failing hook"
before=$(snap)
expect_rc 11 "a failing pre-install hook aborts (exit 11)" "${OC[@]}" install gw-fw.otab
check "failing hook: old slot still primary" test "$(readlink "$DEV/current")" = "$DEV/slot-a"
check "failing hook: its message is recorded" sh -c "$(printf '%q ' "${OC[@]}") status | grep -q 'disk check failed'"
mkrel 1.5.0 gw-1 --post-install "$T/post-hang.sh" || failed "release with a hanging hook"
start=$(date +%s)
expect_rc 11 "a hanging post-install hook is killed at its timeout" "${OC[@]}" --hook-timeout 2 install gw-fw.otab
check "hanging hook: gave up within the timeout (+ slack)" test $(($(date +%s) - start)) -lt 30
check "hanging hook: old slot still primary" test "$(readlink "$DEV/current")" = "$DEV/slot-a"
mkrel 1.6.0 gw-1 --pre-install "$T/pre-ok.sh" || failed "release with a good hook"
expect_rc 0 "install with a passing pre-install hook" "${OC[@]}" install gw-fw.otab
check "the hook saw version, target slot and slot paths" \
    grep -q "pre: 1.6.0 B rootfs=$DEV/slot-b kernel=$DEV/kernel-b.img" "$T/hook.out"
reboot_symlink
expect_rc 0 "confirm 1.6.0" "${OC[@]}" confirm

# ---- 6. hostile bundles whose every hash is right ---------------------------------------------
mkdir -p "$T/outside"
echo keep >"$T/outside/keep"
for v in traversal absolute symlink-escape device duplicate bomb; do
    PUBPATH=evil-$v.otab
    "$S" add -r "$T/repo" "${KEYS[@]}" --path "$PUBPATH" "$ROOT/formats/vectors/bundle/bad-$v.otab" >/dev/null 2>&1 ||
        { failed "publish hostile vector $v"; continue; }
    d=$T/evil-$v
    mkdir -p "$d/a" "$d/b" "$d/state"
    ln -s "$d/a" "$d/current"
    : >"$d/img-a"
    : >"$d/img-b"
    printf '[system]\ncompatible = board-a\nbootloader = symlink\nsymlink = %s/current\ncmdline = %s/cmdline\n[slot.root.0]\ntype = dir\npath = %s/a\nbootname = A\n[slot.root.1]\ntype = dir\npath = %s/b\nbootname = B\n[slot.img.0]\ntype = raw\npath = %s/img-a\nparent = root.0\n[slot.img.1]\ntype = raw\npath = %s/img-b\nparent = root.1\n' \
        "$d" "$d" "$d" "$d" "$d" "$d" >"$d/system.conf"
    echo ota.slot=A >"$d/cmdline"
    # a planted link in the target slot: emptied without being followed
    ln -s "$T/outside" "$d/b/etc"
    E=("$C" --state-dir "$d/state" --system-conf "$d/system.conf" --metadata-url "$U/metadata/")
    "${E[@]}" init --root "$T/repo/metadata/1.root.json" >/dev/null
    want=$(sed -n 's/^error //p' "$ROOT/formats/vectors/bundle/bad-$v.expect")
    "${E[@]}" install "$PUBPATH" >"$d/out" 2>&1
    rc=$?
    check "hostile bundle ($v): refused with $want, exit 4 (got $rc: $(tail -1 "$d/out"))" \
        sh -c "test $rc -eq 4 && grep -q '($want)' '$d/out'"
    check "hostile bundle ($v): nothing outside the slot touched, A still primary" \
        test "$(cat "$T/outside/keep")" = keep -a "$(readlink "$d/current")" = "$d/a" -a ! -e "/etc/cron.d/x"
done
unset PUBPATH
check "the planted link was removed, not followed" test -e "$T/outside/keep" -a ! -L "$T/evil-traversal/b/etc"

# ---- 7. a server that disappears mid-download, and signals -------------------------------------
BIG=1 mkrel 1.7.0 gw-1 || failed "release 1.7.0 (48 more files of 256 KiB)"
# every file write slowed down by 20 ms (strace fault injection), so the
# download is still running when the server goes away
# (LeakSanitizer cannot run under ptrace: off for traced runs of sanitizer builds)
# wait_journal: until the install in flight has journaled more than 1 MB (bounded)
slow "${OC[@]}" --checkpoint-kib 256 install gw-fw.otab >"$T/i1.out" 2>&1 &
ipid=$!
wait_journal
{ kill -9 "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null   # gone, no goodbye
wait $ipid
rc=$?
check "server gone mid-download: network error (exit 3), got $rc" test "$rc" -eq 3
j1=$(state_of state)
check "the journal is kept (state downloading)" test "$j1" = downloading
check "the old slot is still primary" test "$(readlink "$DEV/current")" = "$DEV/slot-b"
start_server "$T/server2.log" --root "$T/repo" || failed "ota-server restarts"
OC=("$C" --state-dir "$DEV/state" --system-conf "$DEV/system.conf" --metadata-url "$U/metadata/")
"${OC[@]}" install gw-fw.otab >"$T/i2.out" 2>&1
rc=$?
check "the server is back: the install resumes and completes (exit $rc)" test "$rc" -eq 0
check "resumed with a Range request (206 in the access log)" grep -q ' 206 ' "$T/server2.log.access"
check "slot A holds exactly 1.7.0 after the resume" same_tree "$T/src/1.7.0/rootfs" "$DEV/slot-a"
reboot_symlink
expect_rc 0 "confirm 1.7.0" "${OC[@]}" confirm

BIG=1 mkrel 1.8.0 gw-1 || failed "release 1.8.0 (48 more files of 256 KiB)"
slow "${OC[@]}" --checkpoint-kib 256 install gw-fw.otab >"$T/i3.out" 2>&1 &
ipid=$!
wait_journal
# only this run's ota-client: a child of the backgrounded subshell or of its strace
# (OTA_CLIENT_COMM: its process name when it runs under another program)
for p in "$ipid" $(pgrep -P "$ipid"); do pkill -TERM -x -P "$p" "${OTA_CLIENT_COMM:-ota-client}" 2>/dev/null; done
wait $ipid
rc=$?
check "SIGTERM mid-download: canceled, resumable (exit 14), got $rc" test "$rc" -eq 14
check "SIGTERM: state downloading, old slot primary" \
    test "$(state_of state)/$(readlink "$DEV/current")" = "downloading/$DEV/slot-a"
expect_rc 0 "install again resumes and completes" "${OC[@]}" install gw-fw.otab
check "slot B holds exactly 1.8.0" same_tree "$T/src/1.8.0/rootfs" "$DEV/slot-b"

reboot_symlink
expect_rc 0 "confirm 1.8.0" "${OC[@]}" confirm

# a server that stalls mid-body (SIGSTOP): the speed floor (under 1000 B/s
# for 3 s) ends the wait.  No overall timeout is set: without the floor only
# `timeout` would end it (-k: with no byte moving, SIGTERM alone did not).
BIG=1 mkrel 1.8.5 gw-1 || failed "release 1.8.5 (48 more files of 256 KiB)"
slow timeout -k 5 120 "${OC[@]}" --checkpoint-kib 256 --low-speed-limit 1000 --low-speed-time 3 install gw-fw.otab >"$T/i4.out" 2>&1 &
ipid=$!
wait_journal
kill -STOP "$SERVER_PID"
t0=$(now_ms)
wait $ipid
rc=$?
took=$(($(now_ms) - t0))
kill -CONT "$SERVER_PID"
check "a stalled server: the install gives up (exit 3), got $rc" test "$rc" -eq 3
check "a stalled server: cut off within 45 s of the stall ($took ms), not hanging" test "$took" -lt 45000
check "... by the speed floor ('too slow')" grep -q "Operation too slow" "$T/i4.out"
expect_rc 0 "the server moves again: the install resumes and completes" "${OC[@]}" install gw-fw.otab
check "slot A holds exactly 1.8.5" same_tree "$T/src/1.8.5/rootfs" "$DEV/slot-a"
reboot_symlink
expect_rc 0 "confirm 1.8.5" "${OC[@]}" confirm

# ---- 8. disk full in the slot ---------------------------------------------------------------
mkrel 1.9.0 gw-1 || failed "release 1.9.0"
if mount -t tmpfs -o size=128k tmpfs "$DEV/slot-b" 2>/dev/null; then
    before=$(slot_hash "$DEV/slot-a")
    expect_rc 15 "slot full: no space (exit 15)" "${OC[@]}" install gw-fw.otab
    check "slot full: the running slot A untouched and primary" \
        test "$(slot_hash "$DEV/slot-a")" = "$before" -a "$(readlink "$DEV/current")" = "$DEV/slot-a"
    check "slot full: the reason is recorded" \
        sh -c "$(printf '%q ' "${OC[@]}") status | grep -qi 'no space'"
    umount "$DEV/slot-b"
    check "slot full: not resumable, the next attempt starts over (state idle)" test "$(state_of state)" = idle
    expect_rc 0 "with room again, the install completes" "${OC[@]}" install gw-fw.otab
    check "slot B holds exactly 1.9.0" same_tree "$T/src/1.9.0/rootfs" "$DEV/slot-b"
else
    failed "disk full: cannot mount a small tmpfs (needs root)"
fi

# ---- 9. U-Boot: install, boot, no confirm, attempts exhausted, fallback, marked bad -------------
if command -v fw_setenv >/dev/null && command -v mkenvimage >/dev/null && [ -x "$ROOT/tests/integration/bootsim.sh" ]; then
    mkrel 2.0.0 gw-1 || failed "release 2.0.0"
    mkdevice dev2 uboot
    SIM=("$ROOT/tests/integration/bootsim.sh" uboot --fw-config "$DEV/fw_env.config" --cmdline "$DEV/cmdline")
    expect_rc 0 "uboot: install 2.0.0" "${OC[@]}" install gw-fw.otab
    check "uboot: BOOT_ORDER starts with B, B has 3 attempts" \
        sh -c "fw_printenv -c '$DEV/fw_env.config' | grep -qx 'BOOT_ORDER=B A' && fw_printenv -c '$DEV/fw_env.config' | grep -qx 'BOOT_B_LEFT=3'"
    "${SIM[@]}" >/dev/null
    expect_rc 0 "uboot: first boot of B, boot-check" "${OC[@]}" boot-check
    check "uboot: pending" test "$(state_of state)" = pending
    expect_rc 0 "uboot: confirm marks B good" "${OC[@]}" confirm
    mkrel 2.1.0 gw-1 || failed "release 2.1.0"
    expect_rc 0 "uboot: install 2.1.0 into A" "${OC[@]}" install gw-fw.otab
    for i in 1 2 3 4; do "${SIM[@]}" >/dev/null; "${OC[@]}" boot-check >/dev/null 2>&1; done
    check "uboot: 2.1.0 never confirmed: after its attempts the board runs B again" grep -q 'ota.slot=B' "$DEV/cmdline"
    check "uboot: state fell-back, 2.1.0 marked bad" \
        sh -c "$(printf '%q ' "${OC[@]}") status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"state\"]==\"fell-back\" and \"2.1.0\" in d[\"bad_versions\"] else 1)'"
    expect_rc 10 "uboot: 2.1.0 is never offered again" "${OC[@]}" install gw-fw.otab
else
    failed "uboot cycle: fw_setenv, mkenvimage and tests/integration/bootsim.sh are needed"
fi

# ---- 10. GRUB: the same life with ORDER / x_OK / x_TRY ----------------------------------------
if command -v grub-editenv >/dev/null && [ -x "$ROOT/tests/integration/bootsim.sh" ]; then
    mkrel 3.0.0 gw-1 || failed "release 3.0.0"
    mkdevice dev3 grub
    SIM=("$ROOT/tests/integration/bootsim.sh" grub --grubenv "$DEV/grubenv" --cmdline "$DEV/cmdline")
    "${SIM[@]}" >/dev/null 2>&1   # the factory boot of A (A_TRY=1 until marked good)
    expect_rc 0 "grub: the running factory slot is confirmed (mark-good every boot)" "${OC[@]}" confirm
    check "grub: A_TRY=0 again" sh -c "grub-editenv '$DEV/grubenv' list | grep -qx 'A_TRY=0'"
    expect_rc 0 "grub: install 3.0.0" "${OC[@]}" install gw-fw.otab
    check "grub: ORDER starts with B, B_OK=1, B_TRY=0" \
        sh -c "grub-editenv '$DEV/grubenv' list | grep -qx 'ORDER=B A' && grub-editenv '$DEV/grubenv' list | grep -qx 'B_OK=1' && grub-editenv '$DEV/grubenv' list | grep -qx 'B_TRY=0'"
    "${SIM[@]}" >/dev/null 2>&1
    expect_rc 0 "grub: first boot of B, boot-check" "${OC[@]}" boot-check
    check "grub: pending in B" test "$(state_of state)/$(cat "$DEV/cmdline" | grep -o 'ota.slot=.')" = pending/ota.slot=B
    "${SIM[@]}" >/dev/null 2>&1    # not confirmed: B's trial is spent, GRUB starts A
    check "grub: the unconfirmed B is skipped, A boots" grep -q 'ota.slot=A' "$DEV/cmdline"
    expect_rc 0 "grub: boot-check notices the fallback" "${OC[@]}" boot-check
    check "grub: fell-back, 3.0.0 marked bad" \
        sh -c "$(printf '%q ' "${OC[@]}") status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"state\"]==\"fell-back\" and \"3.0.0\" in d[\"bad_versions\"] else 1)'"
    "${SIM[@]}" >/dev/null 2>&1
    check "grub: A was given a fresh trial budget and keeps booting" grep -q 'ota.slot=A' "$DEV/cmdline"
    expect_rc 10 "grub: 3.0.0 never again" "${OC[@]}" install gw-fw.otab
else
    failed "grub cycle: grub-editenv and tests/integration/bootsim.sh are needed"
fi


# ---- 11. a link left in the slot by an earlier tree; set-id bits per slot ----------------------
# The tree's etc is 07777 and etc/su 06755; the target slot holds etc -> a
# directory outside.  The slot is emptied without following the link, and
# set-id bits are kept only in a slot configured allow-setuid = true.
src=$T/src/setid
rm -rf "$src"; mkdir -p "$src/rootfs/etc"
echo su >"$src/rootfs/etc/su"; chmod 06755 "$src/rootfs/etc/su"; chmod 07777 "$src/rootfs/etc"
echo "kernel setid" >"$src/kernel.img"
if "$S" bundle --name gw-fw --version 4.0.0 --hardware gw-1 --component rootfs:rootfs="$src/rootfs" \
       --component image:kernel="$src/kernel.img" -o "$T/gw-fw-setid.otab" --quiet --force &&
   "$S" add -r "$T/repo" "${KEYS[@]}" --path gw-fw.otab "$T/gw-fw-setid.otab" >/dev/null; then
    mkdir -p "$T/victim"; chmod 700 "$T/victim"; echo keep >"$T/victim/keep"
    mkdevice dev4 symlink
    ln -s "$T/victim" "$DEV/slot-b/etc"
    expect_rc 0 "setid tree over a slot holding etc -> outside: installed" "${OC[@]}" install gw-fw.otab
    check "... the link's target keeps its mode and contents" \
        test "$(stat -c %a "$T/victim")" = 700 -a "$(ls -A "$T/victim")" = keep
    check "... etc is a real directory in the slot" test -d "$DEV/slot-b/etc" -a ! -L "$DEV/slot-b/etc"
    check "... set-id bits dropped by default (etc 01777, etc/su 0755)" \
        test "$(stat -c %a "$DEV/slot-b/etc")" = 1777 -a "$(stat -c %a "$DEV/slot-b/etc/su")" = 755
    mkdevice dev5 symlink
    sed -i 's/^type = dir$/type = dir\nallow-setuid = true/' "$DEV/system.conf"
    ln -s "$T/victim" "$DEV/slot-b/etc"
    expect_rc 0 "setid tree into a slot with allow-setuid = true" "${OC[@]}" install gw-fw.otab
    check "... set-id bits kept inside the slot (etc 07777, etc/su 06755)" \
        test "$(stat -c %a "$DEV/slot-b/etc")" = 7777 -a "$(stat -c %a "$DEV/slot-b/etc/su")" = 6755
    check "... and the link's target still untouched" \
        test "$(stat -c %a "$T/victim")" = 700 -a "$(ls -A "$T/victim")" = keep
else
    failed "release 4.0.0 with set-id bits published"
fi


# ---- 12. zstd bundles (format 2): tree and image -----------------------------------------------
if mkrel 5.0.0 gw-1 --codec zstd --level 19; then
    check "5.0.0 is a format-2 zstd bundle" bash -c "'$S' inspect '$T/gw-fw-5.0.0.otab' | grep -q '^compression zstd'"
    mkdevice dev6 symlink
    expect_rc 0 "zstd: install 5.0.0 into the inactive slot" "${OC[@]}" install gw-fw.otab
    check "zstd: slot B holds exactly the 5.0.0 tree" same_tree "$T/src/5.0.0/rootfs" "$DEV/slot-b"
    check "zstd: the raw kernel slot B holds the 5.0.0 image" cmp -s "$T/src/5.0.0/kernel.img" "$DEV/kernel-b.img"
    reboot_symlink
    expect_rc 0 "zstd: boot into B, confirm 5.0.0" "${OC[@]}" confirm
    check "zstd: installed 5.0.0" test "$(state_of installed_version)" = 5.0.0
    if mkrel 5.1.0 gw-1 --codec zstd --level 3; then
        expect_rc 0 "zstd: update to 5.1.0 goes to slot A" "${OC[@]}" install gw-fw.otab
        check "zstd: slot A holds exactly the 5.1.0 tree" same_tree "$T/src/5.1.0/rootfs" "$DEV/slot-a"
        check "zstd: kernel slot A holds the 5.1.0 image" cmp -s "$T/src/5.1.0/kernel.img" "$DEV/kernel-a.img"
    else
        failed "release 5.1.0 (zstd) published"
    fi
else
    failed "release 5.0.0 (zstd) published"
fi

finish
