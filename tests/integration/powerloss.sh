# SPDX-License-Identifier: Apache-2.0
# tests/integration/powerloss.sh — the power-loss model, shared by
# test_powerloss.sh (ota-client install) and test_signer_powerloss.sh
# (ota-sign add).  Sourced, not a suite.
#
# A device's file system is an ext4 image file, loop-mounted at $D with
# commit=60 (no periodic journal commit: the only writes that reach the
# "disk" during a run are the ones the program forces, or that ext4 starts
# on its behalf).  A power cut copies the image file at once (reading the
# backing file gives exactly what the loop device received; dirty pages of
# the mounted ext4 are not in it); the reboot throws the live mount away,
# runs `e2fsck -fy` on the copy (journal replay) and mounts it at the same
# path.  The model is checked before it is used (pl_check_model).
#
#   pl_namespace "$@"    first thing in the suite: re-executes it in a
#                        private mount namespace (a killed run leaves no
#                        mount behind, nor its loop devices)
#   pl_setup TMPFS_SIZE TOOL...   after lib.sh, with T set: DISK=$T/disk
#                        (a tmpfs of TMPFS_SIZE when possible) holding
#                        pristine.img (64 MiB, empty ext4), mounted at
#                        D=$T/dev; fails the suite without root or a TOOL.
#                        The EXIT trap unmounts, detaches and removes $T; it
#                        first runs pl_cleanup_hook when the suite defines it
#   boot_live            a fresh copy of pristine.img mounted at $D
#   power_cut            what the disk holds now -> cut.img
#   reboot_cut           the cut image, journal replayed, at $D (FSCK_RC)
#   pl_kill_at SC N CMD...   runs CMD under strace, SIGKILLed on entry to
#                        its N-th SC call (the call never runs); PL_STRACE
#                        adds options (-f: threads and children); returns
#                        CMD's status (137 when killed)
#   pl_check_model       an fsync'd file survives a cut, unsynced ones do not
#   spread K N           K of the numbers 1..N, evenly, the last included
#   fatal NAME [DETAIL]  fail the suite now
#
# Limits of the model: ext4 data=ordered only, on a device that honours
# flushes and writes whole sectors (docs/install.md "Power-cut safety").

pl_namespace() {
    if [ -z "${OTA_POWERLOSS_NS:-}" ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
        unshare --mount --propagation private true 2>/dev/null; then
        OTA_POWERLOSS_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
    fi
}

fatal() { failed "$1" "${2:-}"; finish; exit 1; }

# the programs run under strace, and LeakSanitizer cannot run under ptrace:
# off in sanitizer builds (as in test_powercut.sh)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# detach every loop device backed by one of our image files
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
# (bash runs the EXIT trap on SIGINT/SIGTERM/SIGHUP too)
pl_cleanup() {
    if declare -F pl_cleanup_hook >/dev/null; then pl_cleanup_hook; fi
    for _ in 1 2 3; do mountpoint -q "$D" || break; unmount_dev; done
    detach_loops
    mountpoint -q "$DISK" && umount "$DISK" 2>/dev/null
    if mountpoint -q "$D" || mountpoint -q "$DISK"; then
        echo "# WARNING: could not unmount $D or $DISK; $T left in place" >&2
    else
        rm -rf "$T"
    fi
}

# mount_img IMG: the image at $D (a fresh loop device)
mount_img() { mount -o "$MOUNT_OPTS" "$1" "$D" 2>"$T/mount.err" && MOUNTED=1; }

pl_setup() {
    local size=$1 t
    shift
    DISK=$T/disk # the image files
    D=$T/dev     # the device's file system is mounted here
    mkdir -p "$DISK" "$D"
    trap pl_cleanup EXIT
    [ -n "${OTA_POWERLOSS_NS:-}" ] || echo "# no private mount namespace (unshare): relying on the EXIT trap alone"
    [ "$(id -u)" -eq 0 ] || fatal "power-loss model: must run as root (loop devices, mount)"
    for t in strace mkfs.ext4 e2fsck losetup mount umount mountpoint dd timeout "$@"; do
        command -v "$t" >/dev/null || fatal "power-loss model: '$t' is needed"
    done
    # the images in a tmpfs (fast copies, nothing written to the real disk)
    mount -t tmpfs -o "size=$size,mode=0700" ota-powerloss "$DISK" 2>/dev/null ||
        echo "# no tmpfs for the images; using $DISK as it is"
    # lazy_*_init=0: no ext4lazyinit thread writing to the image in the background
    truncate -s 64M "$DISK/pristine.img" &&
        mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$DISK/pristine.img" ||
        fatal "power-loss model: mkfs.ext4 on an image file"
    # commit=60: no periodic journal commit during a run (the default 5 s
    # would write back at a random moment, and could do so while the image
    # is copied)
    MOUNT_OPTS=loop,commit=60
    mount_img "$DISK/pristine.img" ||
        fatal "power-loss model: loop-mounting an ext4 image (mount -o loop)" "$(cat "$T/mount.err")"
}

boot_live() { unmount_dev && cp "$DISK/pristine.img" "$DISK/live.img" && mount_img "$DISK/live.img"; }
# (the live mount is left alone: nothing may flush it before the copy)
power_cut() { cp --sparse=always "$DISK/live.img" "$DISK/cut.img"; }
reboot_cut() {
    unmount_dev || return 1
    e2fsck -fy "$DISK/cut.img" >"$T/fsck.out" 2>&1
    FSCK_RC=$?
    mount_img "$DISK/cut.img"
}

pl_kill_at() {
    local sc=$1 n=$2
    shift 2
    # (a subshell: bash's "Killed" notice goes to its discarded stderr)
    (timeout -k 5 "${LIMIT:-120}" strace ${PL_STRACE:-} -qq -o /dev/null -e trace="$sc" \
        -e inject="$sc":signal=SIGKILL:when="$n" "$@"; exit $?) 2>/dev/null
}

pl_check_model() {
    local live_has
    boot_live || fatal "mount a live copy of the device"
    echo "kept" | dd of="$D/synced" conv=fsync status=none
    echo "lost" >"$D/unsynced"
    head -c 100000 /dev/urandom >"$D/unsynced-big"
    power_cut
    live_has=$(cat "$D/unsynced" 2>/dev/null)
    reboot_cut || fatal "power-loss model: mount the cut image" "$(cat "$T/mount.err")"
    check "model: the journal replay leaves a consistent file system (e2fsck $FSCK_RC)" test "$FSCK_RC" -le 1
    check "model: an fsync'd file survives the cut" test "$(cat "$D/synced" 2>/dev/null)" = kept
    check "model: the live file system still shows the unsynced file ('$live_has')" test "$live_has" = lost
    if [ -s "$D/unsynced" ] || [ -s "$D/unsynced-big" ]; then
        fatal "model: unsynced writes are lost by a cut" \
            "the unsynced files survived: this machine writes back at once, the model does not work here"
    fi
    pass "model: unsynced writes are lost by a cut"
    unmount_dev
}

spread() { local j; for j in $(seq 1 "$1"); do echo $(((j * $2 + $1 - 1) / $1)); done; }
