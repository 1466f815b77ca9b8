#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Power cuts that lose what was not yet on the disk.
#
# test_powercut.sh kills ota-client with the kernel still running: every
# write the process made survives in the page cache.  Here the whole
# simulated device (slots, kernel images, the `current` link and its
# .state file, system.conf, the state directory with install.json and the
# trusted metadata) lives on one ext4 file system in a loop-mounted image
# file, and after the kill only what the loop driver had written to that
# image file is kept:
#
#   1. the pristine device image is copied to live.img and loop-mounted at
#      $D (-o commit=60: no periodic journal commit, so the only writes that
#      reach the "disk" during a run are the ones ota-client forces, or that
#      ext4 starts on its behalf);
#   2. ota-client install runs under strace and is SIGKILLed on entry to the
#      chosen call (the call itself never runs);
#   3. at once, live.img is copied to cut.img.  Reading the backing file
#      gives exactly what the loop device received; dirty pages of the
#      mounted ext4 that were not written back are not in it;
#   4. the live mount is thrown away; cut.img gets `e2fsck -fy` (journal
#      replay, as a reboot would) and is mounted at the same path $D (the
#      device's paths are absolute);
#   5. then, as in test_powercut.sh: install.json parses and names
#      idle/downloading/installed; `current` points at slot A with exactly
#      the old content or at slot B with exactly the new tree and image; a
#      second install completes the update.
#
# The model is checked before it is used (an unsynced file must be gone
# after a cut, an fsync'd one kept), and after the run (at least some cuts
# must have lost data the live file system still showed): a model that
# loses nothing fails the suite instead of passing vacuously.
#
# Points: the fsync/fdatasync/syncfs/rename/renameat/renameat2 calls of an
# install and its write/pwrite64 calls, and one cut right after an install
# that exited 0 (then the update must still be `installed`: exit 0 means
# durable).  By default 48 kill points: 40 of the sync/rename calls and
# POWERLOSS_SPREAD (default 4) write and pwrite64 calls each, all spread
# evenly.  POWERLOSS_POINTS=N takes N kill points (the write kinds keep their
# spread, the sync/rename calls get the rest: all of them when N allows);
# POWERLOSS_POINTS=all takes every call (`make powerloss`).
#
# Limits of the model: ext4 data=ordered only, on a device that honours
# flushes and writes whole sectors (see docs/install.md "Power-cut safety").
# The killed process's files are closed by the kernel; ext4 starts writeback
# on close only for files truncated to zero, which this install never does.
# Runs in a private mount namespace (unshare): a killed run leaves no mount.
#
# Needs root, loop devices, mkfs.ext4, e2fsck and strace; without them the
# suite FAILS (it does not skip).

# A private mount namespace: whatever happens to this shell (even SIGKILL),
# its mounts go away with its last process, and their loop devices with them.
source "$(dirname "$0")/powerloss.sh"
pl_namespace "$@"
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
C=$BUILD/ota-client
SPREAD=${POWERLOSS_SPREAD:-4}
WANT=${POWERLOSS_POINTS:-}
LIMIT=120 # seconds one ota-client run may take
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-powerloss.XXXXXX")
pl_cleanup_hook() { kill_servers; }
pl_setup 768m tar

# json_state: the "state" of the JSON object on stdin (jq, else python3)
if command -v jq >/dev/null; then
    json_state() { jq -er .state 2>/dev/null; }
elif command -v python3 >/dev/null; then
    json_state() { python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null; }
else
    fatal "jq or python3 is needed to read status --json"
fi

# ---- the bundle and the server (outside the device) ---------------------------------------
K=$ROOT/keys-example
mkdir -p "$T/keys" "$T/src/rootfs/etc" "$T/src/rootfs/usr/lib/deep/er/still"
cp "$K"/*.key "$K"/*.pub "$T/keys/" && chmod 600 "$T"/keys/*.key
KEYS=(-k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key")
"$S" init -r "$T/repo" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null
echo "new firmware" >"$T/src/rootfs/etc/version"
for i in $(seq 1 20); do head -c $((i * 7000)) /dev/urandom >"$T/src/rootfs/usr/lib/f$i"; done
head -c 400000 /dev/urandom >"$T/src/rootfs/usr/lib/deep/er/still/big"
ln -s ../lib/f1 "$T/src/rootfs/usr/lib/deep/link"
head -c 300000 /dev/urandom >"$T/src/kernel.img"
"$S" bundle --name gw-fw --version 2.0.0 --hardware gw-1 --chunk-size 64k \
    --component tree:rootfs="$T/src/rootfs" --component image:kernel="$T/src/kernel.img" \
    -o "$T/b.otab" --quiet && "$S" add -r "$T/repo" "${KEYS[@]}" --path gw-fw.otab "$T/b.otab" >/dev/null ||
    fatal "bundle published"
start_server "$T/server.log" --root "$T/repo" || fatal "ota-server starts"

# ---- the starting device, on the image: A booted and primary, B stale ---------------------
mkdir -p "$D/slot-a/etc" "$D/slot-b/old" "$D/state"
echo "old firmware" >"$D/slot-a/etc/version"
echo "stale" >"$D/slot-b/old/file"
head -c 300000 /dev/zero >"$D/kernel-a.img"
: >"$D/kernel-b.img"
echo "ota.slot=A" >"$D/cmdline"
ln -s "$D/slot-a" "$D/current"
write_sysconf "$D/system.conf" "$D" kernel
"$C" --state-dir "$D/state" init --root "$T/repo/metadata/1.root.json" >/dev/null ||
    fatal "ota-client init on the device"
OLD_A=$(tree_hash "$D/slot-a")
OLD_KA=$(sha256sum <"$D/kernel-a.img")
NEW_K=$(sha256sum <"$T/src/kernel.img")
unmount_dev || fatal "unmount the pristine device"
OC=("$C" --state-dir "$D/state" --system-conf "$D/system.conf" --metadata-url "$U/metadata/" --checkpoint-kib 64)

# ---- the model itself: unsynced data is lost, fsync'd data kept ---------------------------
pl_check_model

# ---- one complete install: how many of each call it makes ---------------------------------
SYNCS="fsync fdatasync syncfs rename renameat renameat2"
WRITES="write pwrite64"
CALLS=$(echo $SYNCS $WRITES | tr ' ' ,)
boot_live || fatal "mount a live copy of the device"
timeout -k 5 "$LIMIT" strace -qq -o "$T/count.log" -e trace="$CALLS" "${OC[@]}" install gw-fw.otab >"$T/first.out" 2>&1
check "an uninterrupted traced install on the loop device completes" \
    diff -r --no-dereference "$T/src/rootfs" "$D/slot-b"
declare -A N
for sc in $SYNCS $WRITES; do N[$sc]=$(grep -c "^$sc(" "$T/count.log"); done
echo "# calls in one install: $(for sc in $SYNCS $WRITES; do printf '%s=%s ' "$sc" "${N[$sc]}"; done)"

# ---- the points -----------------------------------------------------------------------------
# every sync/rename call, and write/pwrite64 calls spread evenly; a budget
# (POWERLOSS_POINTS) spreads the sync points too when it is smaller
syncs=()
for sc in $SYNCS; do for j in $(seq 1 "${N[$sc]}"); do syncs+=("$sc:$j"); done; done
nsync=${#syncs[@]} nwrite=0
for sc in $WRITES; do nwrite=$((nwrite + N[$sc])); done
case $WANT in
'') budget=48 ;;
all) budget=$((nsync + nwrite)) ;;
*[!0-9]* | 0) fatal "POWERLOSS_POINTS is a positive number or 'all' ('$WANT')" ;;
*) budget=$WANT ;;
esac
wb=$((budget - nsync))
[ "$wb" -lt $((2 * SPREAD)) ] && wb=$((2 * SPREAD))
[ "$wb" -gt "$budget" ] && wb=$budget
[ "$wb" -gt "$nwrite" ] && wb=$nwrite
sb=$((budget - wb))
[ "$sb" -gt "$nsync" ] && sb=$nsync
points=()
[ "$sb" -gt 0 ] && for i in $(spread "$sb" "$nsync"); do points+=("${syncs[$((i - 1))]}"); done
left=$wb kinds=$(echo $WRITES | wc -w)
# the rarer kinds first: what they cannot take goes to the next
for sc in $(for w in $WRITES; do echo "${N[$w]} $w"; done | sort -n | cut -d' ' -f2); do
    k=$(((left + kinds - 1) / kinds))
    [ "$k" -gt "${N[$sc]}" ] && k=${N[$sc]}
    [ "$k" -gt 0 ] && for i in $(spread "$k" "${N[$sc]}"); do points+=("$sc:$i"); done
    left=$((left - k)) kinds=$((kinds - 1))
done
# and one cut right after a complete install: exit 0 must mean durable
points+=("exit:0")
check "at least 30 power-cut points (${#points[@]}: $sb of $nsync sync/rename calls, $wb of $nwrite write/pwrite64)" \
    test "${#points[@]}" -ge 30

# view: the whole device (names, types, modes, times, link targets,
# contents; lost+found left out) as one hash
view() { tar -C "$D" --exclude=./lost+found --sort=name -cf - . 2>/dev/null | sha256sum; }

# ---- a power cut at each point ----------------------------------------------------------------
t0=$SECONDS
bad=0 recovered=0 hit=0 lost=0
for pt in "${points[@]}"; do
    sc=${pt%%:*} n=${pt##*:}
    what="at $sc #$n"
    [ "$sc" = exit ] && what="right after a complete install"
    why=
    boot_live || { failed "power cut $what" "cannot mount a live copy: $(cat "$T/mount.err")"; bad=$((bad + 1)); continue; }
    if [ "$sc" = exit ]; then
        timeout -k 5 "$LIMIT" "${OC[@]}" install gw-fw.otab >"$T/run.out" 2>&1
    else
        pl_kill_at "$sc" "$n" "${OC[@]}" install gw-fw.otab >"$T/run.out" 2>&1
    fi
    rc=$?
    [ "$rc" -eq 124 ] && why="the install hung (killed after $LIMIT s)"
    power_cut # the power goes out
    [ "$rc" -ne 0 ] && hit=$((hit + 1))
    live=$(view) # what the page cache showed, to tell whether the cut lost anything
    if ! reboot_cut; then
        failed "power cut $what (exit $rc)" "the cut image does not mount: $(tail -3 "$T/fsck.out") $(cat "$T/mount.err")"
        bad=$((bad + 1))
        continue
    fi
    [ "$FSCK_RC" -le 1 ] || why="e2fsck exit $FSCK_RC: $(grep -v '^Pass\|^e2fsck' "$T/fsck.out" | head -3 | tr '\n' ' ')"
    [ "$live" != "$(view)" ] && lost=$((lost + 1))
    st=$("$C" --state-dir "$D/state" --system-conf "$D/system.conf" status --json 2>/dev/null | json_state)
    case $st in idle | downloading | installed) ;; *) why="$why; state '$st' does not parse or is wrong" ;; esac
    case $(readlink "$D/current") in
    "$D/slot-a")
        [ "$(tree_hash "$D/slot-a")" = "$OLD_A" ] && [ "$(sha256sum <"$D/kernel-a.img")" = "$OLD_KA" ] ||
            why="$why; primary A changed" ;;
    "$D/slot-b")
        diff -r --no-dereference "$T/src/rootfs" "$D/slot-b" >/dev/null &&
            [ "$(sha256sum <"$D/kernel-b.img")" = "$NEW_K" ] || why="$why; primary B incomplete" ;;
    *) why="$why; current link is '$(readlink "$D/current")'" ;;
    esac
    if [ "$sc" = exit ]; then
        [ "$rc" -eq 0 ] || why="$why; the uninterrupted install failed ($rc: $(tail -1 "$T/run.out"))"
        [ "$st" = installed ] && [ "$(readlink "$D/current")" = "$D/slot-b" ] ||
            why="$why; exit 0 was not durable: state '$st', current '$(readlink "$D/current")'"
    fi
    # the next boot: install again (exit 12 when it already waits for the reboot)
    timeout -k 5 "$LIMIT" "${OC[@]}" install gw-fw.otab >"$T/again.out" 2>&1
    rc2=$?
    if [ "$rc2" -eq 0 ] || { [ "$rc2" -eq 12 ] && [ "$st" = installed ]; }; then
        diff -r --no-dereference "$T/src/rootfs" "$D/slot-b" >"$T/diff.out" 2>&1 &&
            [ "$(sha256sum <"$D/kernel-b.img")" = "$NEW_K" ] &&
            [ "$(readlink "$D/current")" = "$D/slot-b" ] ||
            why="$why; the later install did not complete the update: $(head -2 "$T/diff.out" | tr '\n' ' ')"
    else
        why="$why; the later install failed ($rc2: $(tail -1 "$T/again.out"))"
    fi
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        failed "power cut $what (exit $rc, state after '$st')" "${why#; }"
    else
        recovered=$((recovered + 1))
    fi
done
unmount_dev
echo "# $recovered of ${#points[@]} power cuts recovered in $((SECONDS - t0)) s; $hit interrupted the install; $lost lost data the live file system still showed"
check "every power cut recovered ($recovered/${#points[@]})" test "$bad" -eq 0
check "the kills landed (most points interrupted the run: $hit)" test "$hit" -ge $((${#points[@]} * 9 / 10))
check "the cuts lost data (at $lost of ${#points[@]} points the disk held less than the page cache)" \
    test "$lost" -ge $((${#points[@]} / 4))
finish
