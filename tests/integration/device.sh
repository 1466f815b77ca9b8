# SPDX-License-Identifier: Apache-2.0
# device.sh — a simulated A/B device and its releases, for the suites that
# install (test_install.sh, test_agent.sh); sourced after lib.sh, with S
# (ota-sign), C (ota-client) and T (scratch dir) set, and U (the server
# URL) before a device is made.
#
#   mkrepo                                the demo keys in $T/keys, KEYS (the
#                                         online keys' options), a repository
#                                         in $T/repo
#   mkrel VERSION [HW] [BUNDLE ARGS...]   build and publish gw-fw VERSION
#                                         (PUBPATH: where; BIG=1: 12 MiB more;
#                                         ADD_ARGS: extra 'ota-sign add' options)
#   mkdevice NAME BACKEND                 slots, system.conf, trusted root;
#                                         sets DEV and OC (the ota-client command)
#   reboot_symlink                        the "reboot" of the symlink backend
#   state_of KEY                          a member of 'status --json'
#   wait_journal                          until an install journaled > 1 MB
#   slow CMD...                           CMD with every write delayed 20 ms
#   inst NAME [ARGS...]                   install gw-fw.otab --json into
#                                         $T/NAME.out (.err), its exit code in RC
#   dl KEY <NAME.out                      a member of the install's "download"
#   boot_confirm                          boot what was installed, confirm it
#   le N LIMIT                            N <= LIMIT

mkrepo() {
    local k=$ROOT/keys-example
    mkdir -p "$T/keys"
    cp "$k"/*.key "$k"/*.pub "$T/keys/" && chmod 600 "$T"/keys/*.key || return 1
    KEYS=(-k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key")
    "$S" init -r "$T/repo" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
        --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null
}

# mkrel VERSION [HW] [extra bundle args...]: a release with a rootfs tree and a
# kernel image whose contents name the version; published as gw-fw.otab
mkrel() {
    local v=$1 hw=${2:-gw-1}
    shift 2 2>/dev/null || shift $#
    local src=$T/src/$v
    rm -rf "$src"
    mkdir -p "$src/rootfs/etc" "$src/rootfs/usr/bin" "$src/rootfs/var/empty"
    echo "firmware $v" >"$src/rootfs/etc/version"
    printf '#!/bin/sh\necho %s\n' "$v" >"$src/rootfs/usr/bin/hello"
    chmod 755 "$src/rootfs/usr/bin/hello"
    ln -s ../usr/bin/hello "$src/rootfs/etc/hello-link"
    ln -s /usr/bin/hello "$src/rootfs/etc/abs-link"   # rootfs: from the slot's root
    head -c 300000 /dev/urandom >"$src/rootfs/usr/bin/blob"
    { echo "kernel $v"; head -c 200000 /dev/zero; } >"$src/kernel.img"
    if [ -n "${BIG:-}" ]; then # 48 files of 256 KiB: tree checkpoints fall between entries
        mkdir -p "$src/rootfs/usr/share/big"
        for i in $(seq 10 57); do head -c 262144 /dev/urandom >"$src/rootfs/usr/share/big/f$i"; done
    fi
    "$S" bundle --name gw-fw --version "$v" --hardware "$hw" --chunk-size 64k \
        --component rootfs:rootfs="$src/rootfs" --component image:kernel="$src/kernel.img" \
        -o "$T/gw-fw-$v.otab" --quiet --force "$@" &&
        "$S" add -r "$T/repo" "${KEYS[@]}" ${ADD_ARGS:+$ADD_ARGS} --path "${PUBPATH:-gw-fw.otab}" "$T/gw-fw-$v.otab" >/dev/null
}

# mkdevice NAME BACKEND: slots A (booted, primary) and B, system.conf, state
mkdevice() {
    local d=$T/$1
    rm -rf "$d"
    mkdir -p "$d/slot-a" "$d/slot-b" "$d/state"
    : >"$d/kernel-a.img"
    : >"$d/kernel-b.img"
    echo "root=/dev/fake ota.slot=A quiet" >"$d/cmdline"
    local extra=""
    case $2 in
    symlink)
        ln -s "$d/slot-a" "$d/current" ;;
    grub)
        grub-editenv "$d/grubenv" create
        grub-editenv "$d/grubenv" set ORDER="A B" A_OK=1 A_TRY=0 B_OK=1 B_TRY=0
        extra="grubenv = $d/grubenv" ;;
    uboot)
        printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n' >"$d/env.txt"
        mkenvimage -s 0x4000 -o "$d/uboot.env" "$d/env.txt"
        echo "$d/uboot.env 0x0000 0x4000" >"$d/fw_env.config"
        extra="fw-env-config = $d/fw_env.config" ;;
    esac
    SYS_BOOT=$2 SYS_EXTRA=$extra write_sysconf "$d/system.conf" "$d" kernel
    DEV=$d
    OC=("$C" --state-dir "$d/state" --system-conf "$d/system.conf" --metadata-url "$U/metadata/")
    "${OC[@]}" init --root "$T/repo/metadata/1.root.json" >/dev/null
}
# reboot_symlink: the device starts what the link points at
reboot_symlink() {
    case $(readlink "$DEV/current") in
    */slot-a) echo "ota.slot=A" >"$DEV/cmdline" ;;
    */slot-b) echo "ota.slot=B" >"$DEV/cmdline" ;;
    esac
}
state_of() { "${OC[@]}" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$1"'"])'; }
same_tree() { diff -r --no-dereference "$1" "$2" >/dev/null; }
slot_hash() { tree_hash "$1"; }

wait_journal() {
    local off
    for _ in $(seq 1 200); do
        off=$("${OC[@]}" status --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("journal",{}).get("bundle_offset",0))' 2>/dev/null)
        [ "${off:-0}" -gt 1000000 ] && return 0
        sleep 0.1
    done
}
# (the delta suites') one install of gw-fw.otab, its download counts, the boot after it
inst() {
    local n=$1
    shift
    "${OC[@]}" --device-id dev-1 --report-url none "$@" --json install gw-fw.otab >"$T/$n.out" 2>"$T/$n.err"
    RC=$?
}
dl() { python3 -c 'import json,sys
for l in sys.stdin:
    l = l.strip()
    if l.startswith("{") and "download" in l: print(json.loads(l)["download"]["'"$1"'"])'; }
boot_confirm() { reboot_symlink && "${OC[@]}" confirm >/dev/null 2>&1; }
le() { [ "$1" -le "$2" ]; }
slow() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -e trace=write,pwrite64 -e inject=write,pwrite64:delay_exit=20000 "$@"; }
