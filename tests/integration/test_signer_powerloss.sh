#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-sign add under power cuts that lose what was not yet on the disk: the
# model of test_powerloss.sh (an ext4 image, loop-mounted with commit=60;
# the process SIGKILLed on entry to a chosen call; the image file copied at
# once, e2fsck'd and mounted: only what the loop driver received is kept).
#
# ota-sign add of many files writes them without an fsync each and makes
# them durable with syncfs (before any rename, and after the renames of the
# target files, before the metadata).  After a cut at any of its
# fsync/syncfs/rename calls (and a spread of its writes), and right after it
# exits 0, the repository must be the old one or the new one: `ota-sign
# verify` passes (every target file the metadata lists is there with its
# length and hash), timestamp.json is the old or the new one (and the new
# one when add had exited 0), and the same add run again publishes.
#
# SIGNER_POWERLOSS_POINTS=N (default 24; every syncfs is always one) or
# all.  Needs root, loop devices, mkfs.ext4, e2fsck and strace; without them
# the suite FAILS (it does not skip).

if [ -z "${OTA_POWERLOSS_NS:-}" ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
    unshare --mount --propagation private true 2>/dev/null; then
    OTA_POWERLOSS_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
WANT=${SIGNER_POWERLOSS_POINTS:-24}
NFILES=40
LIMIT=120
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-signer-powerloss.XXXXXX")
DISK=$T/disk
D=$T/dev
mkdir -p "$DISK" "$D"

detach_loops() {
    local img dev
    for img in "$DISK"/*.img; do
        [ -e "$img" ] || continue
        for dev in $(losetup -j "$img" -O NAME -n 2>/dev/null); do losetup -d "$dev" 2>/dev/null; done
    done
    return 0
}
MOUNTED=0
unmount_dev() {
    [ "$MOUNTED" -eq 1 ] || mountpoint -q "$D" || return 0
    umount "$D" 2>/dev/null || umount -l "$D" 2>/dev/null || return 1
    MOUNTED=0
}
cleanup() {
    for _ in 1 2 3; do mountpoint -q "$D" || break; unmount_dev; done
    detach_loops
    mountpoint -q "$DISK" && umount "$DISK" 2>/dev/null
    if mountpoint -q "$D" || mountpoint -q "$DISK"; then
        echo "# WARNING: could not unmount $D or $DISK; $T left in place" >&2
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
fatal() { failed "$1" "${2:-}"; finish; exit 1; }

[ "$(id -u)" -eq 0 ] || fatal "power-loss model: must run as root (loop devices, mount)"
for t in strace mkfs.ext4 e2fsck losetup mount umount mountpoint cmp timeout; do
    command -v "$t" >/dev/null || fatal "power-loss model: '$t' is needed"
done
mount -t tmpfs -o size=512m,mode=0700 ota-signer-powerloss "$DISK" 2>/dev/null ||
    echo "# no tmpfs for the images; using $DISK as it is"
truncate -s 64M "$DISK/pristine.img" &&
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$DISK/pristine.img" ||
    fatal "power-loss model: mkfs.ext4 on an image file"
MOUNT_OPTS=loop,commit=60
mount_img() { mount -o "$MOUNT_OPTS" "$1" "$D" 2>"$T/mount.err" && MOUNTED=1; }
mount_img "$DISK/pristine.img" ||
    fatal "power-loss model: loop-mounting an ext4 image (mount -o loop)" "$(cat "$T/mount.err")"

# ---- the repository on the image (keys and the new files outside it) --------
mkdir -p "$T/k" "$T/in"
for n in root targets snap ts; do "$S" keygen -o "$T/k/$n" --unencrypted >/dev/null 2>&1; done
KEYS=(-k "$T/k/targets.key" -k "$T/k/snap.key" -k "$T/k/ts.key")
R=$D/repo
"$S" init -r "$R" --root-key "$T/k/root.key" --targets-key "$T/k/targets.key" \
    --snapshot-key "$T/k/snap.key" --timestamp-key "$T/k/ts.key" >/dev/null &&
    echo "already there" >"$T/old.bin" && "$S" add -r "$R" "${KEYS[@]}" "$T/old.bin" >/dev/null ||
    fatal "a repository on the device"
for i in $(seq 1 "$NFILES"); do head -c $((i * 900)) /dev/urandom >"$T/in/f$i.bin"; done
cp "$R/metadata/timestamp.json" "$T/ts-old.json"
unmount_dev || fatal "unmount the pristine device"
ADD=("$S" add -r "$R" "${KEYS[@]}" --prefix p/)

boot_live() { unmount_dev && cp "$DISK/pristine.img" "$DISK/live.img" && mount_img "$DISK/live.img"; }
power_cut() { cp --sparse=always "$DISK/live.img" "$DISK/cut.img"; }
reboot_cut() {
    unmount_dev || return 1
    e2fsck -fy "$DISK/cut.img" >"$T/fsck.out" 2>&1
    FSCK_RC=$?
    mount_img "$DISK/cut.img"
}

# ---- the model: unsynced data is lost, fsync'd data kept ---------------------
boot_live || fatal "mount a live copy of the device"
echo "kept" | dd of="$D/synced" conv=fsync status=none
head -c 100000 /dev/urandom >"$D/unsynced"
power_cut
reboot_cut || fatal "power-loss model: mount the cut image" "$(cat "$T/mount.err")"
check "model: an fsync'd file survives the cut" test "$(cat "$D/synced" 2>/dev/null)" = kept
[ -s "$D/unsynced" ] && fatal "model: unsynced writes are lost by a cut" \
    "the unsynced file survived: this machine writes back at once, the model does not work here"
pass "model: unsynced writes are lost by a cut"

# ---- one complete add: its calls ----------------------------------------------
SYNCS="fsync fdatasync syncfs rename renameat renameat2"
boot_live || fatal "mount a live copy of the device"
timeout -k 5 "$LIMIT" strace -f -qq -o "$T/count.log" -e trace="$(echo $SYNCS write | tr ' ' ,)" \
    "${ADD[@]}" "$T"/in/*.bin >"$T/first.out" 2>&1
check "an uninterrupted traced add of $NFILES files on the loop device publishes" \
    "$S" verify -r "$R" -q
declare -A N
for sc in $SYNCS write; do N[$sc]=$(grep -cE "^([0-9]+ +)?$sc\(" "$T/count.log"); done
echo "# calls in one add: $(for sc in $SYNCS write; do printf '%s=%s ' "$sc" "${N[$sc]}"; done)"
check "the add syncs its target files together (syncfs called: ${N[syncfs]})" test "${N[syncfs]}" -ge 1

syncs=()
for sc in $SYNCS; do for j in $(seq 1 "${N[$sc]}"); do syncs+=("$sc:$j"); done; done
[ "${#syncs[@]}" -gt 0 ] || fatal "the traced add made no fsync/syncfs/rename call" "$(head -3 "$T/count.log")"
spread() { local j; for j in $(seq 1 "$1"); do echo $(((j * $2 + $1 - 1) / $1)); done; }
nw=4
[ "$WANT" = all ] && WANT=$((${#syncs[@]} + nw))
case $WANT in *[!0-9]* | 0) fatal "SIGNER_POWERLOSS_POINTS is a positive number or 'all'" ;; esac
ns=$((WANT - nw))
[ "$ns" -gt "${#syncs[@]}" ] && ns=${#syncs[@]}
[ "$ns" -lt 1 ] && ns=1
points=()
for i in $(spread "$ns" "${#syncs[@]}"); do points+=("${syncs[$((i - 1))]}"); done
# every syncfs is a point whatever the budget (they are what this tests)
for j in $(seq 1 "${N[syncfs]}"); do
    case " ${points[*]} " in *" syncfs:$j "*) ;; *) points+=("syncfs:$j") ;; esac
done
for i in $(spread "$nw" "${N[write]}"); do points+=("write:$i"); done
points+=("exit:0")

# ---- a power cut at each point ------------------------------------------------------
t0=$SECONDS
bad=0 hit=0 lost=0 newer=0
for pt in "${points[@]}"; do
    sc=${pt%%:*} n=${pt##*:}
    what="at $sc #$n"
    [ "$sc" = exit ] && what="right after a complete add"
    why=
    boot_live || { failed "power cut $what" "cannot mount a live copy: $(cat "$T/mount.err")"; bad=$((bad + 1)); continue; }
    if [ "$sc" = exit ]; then
        timeout -k 5 "$LIMIT" "${ADD[@]}" "$T"/in/*.bin >"$T/run.out" 2>&1
    else
        (timeout -k 5 "$LIMIT" strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=SIGKILL:when="$n" \
            "${ADD[@]}" "$T"/in/*.bin >"$T/run.out" 2>&1; exit $?) 2>/dev/null
    fi
    rc=$?
    [ "$rc" -eq 124 ] && why="ota-sign add hung (killed after $LIMIT s)"
    power_cut
    [ "$rc" -ne 0 ] && hit=$((hit + 1))
    live=$(cd "$D" && find . -type f ! -name lock -print0 | sort -z | xargs -0 cat | sha256sum)
    if ! reboot_cut; then
        failed "power cut $what (exit $rc)" "the cut image does not mount: $(tail -3 "$T/fsck.out") $(cat "$T/mount.err")"
        bad=$((bad + 1))
        continue
    fi
    [ "$FSCK_RC" -le 1 ] || why="e2fsck exit $FSCK_RC"
    [ "$live" != "$(cd "$D" && find . -type f ! -name lock -print0 | sort -z | xargs -0 cat | sha256sum)" ] &&
        lost=$((lost + 1))
    "$S" verify -r "$R" -q >"$T/verify.out" 2>&1 || why="$why; verify fails: $(head -2 "$T/verify.out" | tr '\n' ' ')"
    if cmp -s "$R/metadata/timestamp.json" "$T/ts-old.json"; then
        [ "$sc" = exit ] && why="$why; exit $rc but the old timestamp.json after the cut: not durable"
    else
        newer=$((newer + 1))
        n_t=$(grep -c '"p/f[0-9]*\.bin"' "$R/metadata/targets.json")
        [ "$n_t" = "$NFILES" ] || why="$why; a new timestamp.json but $n_t of $NFILES new targets"
    fi
    # the next try publishes
    timeout -k 5 "$LIMIT" "${ADD[@]}" "$T"/in/*.bin >"$T/again.out" 2>&1 &&
        "$S" verify -r "$R" -q >/dev/null 2>&1 ||
        why="$why; the add run again does not publish: $(tail -1 "$T/again.out")"
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        failed "power cut $what (exit $rc)" "${why#; }"
    fi
done
unmount_dev
echo "# $((${#points[@]} - bad)) of ${#points[@]} power cuts left the old or the new repository in $((SECONDS - t0)) s;" \
    "$hit interrupted the add, $newer left the new one, $lost lost data the live file system still showed"
check "every power cut left the old or the new repository (${#points[@]} cuts)" test "$bad" -eq 0
check "the kills landed (most points interrupted the add: $hit)" test "$hit" -ge $((${#points[@]} * 8 / 10))
check "the cuts lost data (at $lost of ${#points[@]} points the disk held less than the page cache)" \
    test "$lost" -ge $((${#points[@]} / 4))
finish
