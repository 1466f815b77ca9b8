#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Power cuts during an install, enumerated deterministically.
#
# A full install is traced once to count every durability-relevant system
# call ota-client makes (fsync, fdatasync, syncfs, rename*, unlink*, mkdir*,
# symlink*, write, pwrite64, ftruncate).  Then, for each chosen call, the
# install runs again from the same starting device with strace fault
# injection killing it (SIGKILL) exactly at that call; after every kill:
#   - install.json still parses (status --json works) and names a valid state;
#   - the primary slot (the `current` link) is exactly the old slot with its
#     old content, or exactly the new slot with the complete new content;
#   - a second, uninterrupted install completes, and the new slot then holds
#     exactly the new tree and image.
# Every fsync/rename/syncfs/unlink/ftruncate point is taken; write/pwrite64/
# mkdir/symlink points are spread evenly (POWERCUT_SPREAD per call, default
# 12).  `make powerloss N=1000` runs a denser spread.
#
# What this proves and what it cannot: it proves recovery from a process
# killed at each of these points with the kernel still running (page cache
# intact) — the writes the process made are all kept.  It does not model
# losing writes that were not yet fsync'd (a real power cut):
# test_powerloss.sh does, on ext4; see docs/install.md "Power-cut safety".
source "$(dirname "$0")/lib.sh"
# LeakSanitizer cannot run under ptrace (strace): off in sanitizer builds
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

S=$BUILD/ota-sign
C=$BUILD/ota-client
SPREAD=${POWERCUT_SPREAD:-12}
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-powercut.XXXXXX")
cleanup() { kill_servers; rm -rf "$T"; }
trap cleanup EXIT

command -v strace >/dev/null || { failed "strace is needed (make deps)"; finish; exit 1; }
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
    { failed "bundle published"; finish; exit 1; }
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }

# the starting device: A booted and primary with old content, B stale
D0=$T/dev0
D=$T/dev
mkdir -p "$D0/slot-a/etc" "$D0/slot-b/old" "$D0/state"
echo "old firmware" >"$D0/slot-a/etc/version"
echo "stale" >"$D0/slot-b/old/file"
head -c 300000 /dev/zero >"$D0/kernel-a.img"
: >"$D0/kernel-b.img"
echo "ota.slot=A" >"$D0/cmdline"
ln -s "$D/slot-a" "$D0/current"
D=$T/dev
write_sysconf "$D0/system.conf" "$D" kernel # paths of the copy the runs use
"$C" --state-dir "$D0/state" init --root "$T/repo/metadata/1.root.json" >/dev/null
OLD_A=$(tree_hash "$D0/slot-a")
OLD_KA=$(sha256sum <"$D0/kernel-a.img")
NEW_K=$(sha256sum <"$T/src/kernel.img")
reset_device() { rm -rf "$D"; cp -a "$D0" "$D"; }
OC=("$C" --state-dir "$D/state" --system-conf "$D/system.conf" --metadata-url "$U/metadata/" --checkpoint-kib 64)
CALLS=fsync,fdatasync,syncfs,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,symlink,symlinkat,write,pwrite64,ftruncate

# one traced run: how many of each call a complete install makes
reset_device
strace -qq -o "$T/count.log" -e trace=$CALLS "${OC[@]}" install gw-fw.otab >/dev/null 2>&1
check "an uninterrupted traced install completes" diff -r --no-dereference "$T/src/rootfs" "$D/slot-b"
declare -A N
for sc in ${CALLS//,/ }; do
    N[$sc]=$(grep -c "^$sc(" "$T/count.log")
done
echo "# calls in one install: $(for sc in ${CALLS//,/ }; do printf '%s=%s ' "$sc" "${N[$sc]}"; done)"

# points: every call of the rare kinds, a spread of the frequent ones
points=()
for sc in ${CALLS//,/ }; do
    n=${N[$sc]}
    [ "$n" -gt 0 ] || continue
    case $sc in
    write | pwrite64 | mkdir | mkdirat | symlink | symlinkat)
        k=$SPREAD
        [ "$n" -lt "$k" ] && k=$n
        for j in $(seq 1 "$k"); do points+=("$sc:$(((j * n + k - 1) / k))"); done ;;
    *) for j in $(seq 1 "$n"); do points+=("$sc:$j"); done ;;
    esac
done
check "at least 50 crash points enumerated (${#points[@]})" test "${#points[@]}" -ge 50

bad=0 recovered=0 hit=0
for pt in "${points[@]}"; do
    sc=${pt%%:*} n=${pt##*:}
    reset_device
    # (in a subshell that reports nothing: the kill is the point)
    (strace -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=SIGKILL:when=$n \
        "${OC[@]}" install gw-fw.otab >"$T/run.out" 2>&1; exit $?) 2>/dev/null
    rc=$?
    [ "$rc" -ne 0 ] && hit=$((hit + 1))
    why=
    st=$("$C" --state-dir "$D/state" --system-conf "$D/system.conf" status --json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)
    case $st in idle | downloading | installed) ;; *) why="state '$st' does not parse or is wrong" ;; esac
    case $(readlink "$D/current") in
    "$D/slot-a")
        [ "$(tree_hash "$D/slot-a")" = "$OLD_A" ] && [ "$(sha256sum <"$D/kernel-a.img")" = "$OLD_KA" ] ||
            why="$why; primary A changed" ;;
    slot-b | "$D/slot-b")
        diff -r --no-dereference "$T/src/rootfs" "$D/slot-b" >/dev/null &&
            [ "$(sha256sum <"$D/kernel-b.img")" = "$NEW_K" ] || why="$why; primary B incomplete" ;;
    *) why="$why; current link is '$(readlink "$D/current")'" ;;
    esac
    "${OC[@]}" install gw-fw.otab >"$T/again.out" 2>&1
    rc2=$?
    if [ "$rc2" -eq 0 ] || grep -q "E_STATE" "$T/again.out"; then
        diff -r --no-dereference "$T/src/rootfs" "$D/slot-b" >/dev/null &&
            [ "$(sha256sum <"$D/kernel-b.img")" = "$NEW_K" ] &&
            [ "$(readlink "$D/current")" = "$D/slot-b" ] || why="$why; the later install did not complete the update"
    else
        why="$why; the later install failed ($rc2: $(tail -1 "$T/again.out"))"
    fi
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        failed "power cut at $sc #$n (exit $rc)" "$why"
    else
        recovered=$((recovered + 1))
    fi
done
echo "# $recovered of ${#points[@]} crash points recovered; $hit of them actually interrupted the install"
check "every crash point recovered ($recovered/${#points[@]})" test "$bad" -eq 0
check "the kills landed (most points interrupted the run: $hit)" test "$hit" -ge $((${#points[@]} * 9 / 10))
finish
