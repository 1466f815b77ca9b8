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

source "$(dirname "$0")/powerloss.sh"
pl_namespace "$@"
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
WANT=${SIGNER_POWERLOSS_POINTS:-24}
NFILES=40
LIMIT=120
PL_STRACE=-f # ota-sign add's threads
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-signer-powerloss.XXXXXX")
pl_setup 512m cmp

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

# ---- the model: unsynced data is lost, fsync'd data kept ---------------------
pl_check_model

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
        pl_kill_at "$sc" "$n" "${ADD[@]}" "$T"/in/*.bin >"$T/run.out" 2>&1
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
