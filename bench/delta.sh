#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/delta.sh — delta updates of an image component (formats/BUNDLE.md
# "Delta updates"): bytes downloaded and install time of `ota-client
# install` (delta, the default) against `ota-client install --no-delta`
# (full download), same bundle, same ota-server, same run, on 127.0.0.1; and
# zsync (Debian's zsync, rolling checksums at any byte offset) as the
# baseline for bytes.  Not part of `make test`.
#
#   bench/delta.sh                  SIZE=256 REPEAT=3 CHUNKS="256k 64k" BUILD=build
#   KEEP=1                          keep the work directory (printed)
#
# The release: an ext4 image of SIZE MiB (mkfs.ext4 -d, fixed UUID, hash
# seed and time (E2FSPROGS_FAKE_TIME), so the same tree gives the same
# image), ~60 % full with a tree copied from /usr (files in sorted path
# order from /usr/lib, /usr/share, /usr/include, /usr/bin).  Three files are
# then changed — three files under lib/ of 100 KiB .. 2 MiB, each with 64
# bytes rewritten in 8 places and 5000 bytes appended (a patched library
# grows) — in two ways:
#   debugfs   v2 = a copy of the v1 image in which debugfs removes the three
#             files and writes the new ones (an image updated in place: new
#             blocks come from free space, the rest does not move);
#   remake    v2 = mkfs.ext4 -d again of the tree with the three files
#             changed, same UUID, hash seed and time (an image rebuilt from
#             scratch: every file after a grown one is laid out anew).
# Each v2 as a bundle (zstd level 3, chunk size from CHUNKS), published; a
# fresh simulated device per run (bench/../tests/integration/sysconf.sh)
# booted from slot A holding v1, installs v2 into slot B.  Reported: bytes
# the install downloaded (ota-client's count, as in its report), chunks
# taken from the active slot, the bundle's size, the share of it
# downloaded, install wall time (best of REPEAT, delta and full download
# alternating); zsync: `zsync -i v1.img URL.zsync` against the raw v2 image
# (zsyncmake default block size), bytes it fetched as zsync reports them.
# Correctness: the slot after every install is compared with v2 (cmp).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SIZE=${SIZE:-256}
REPEAT=${REPEAT:-3}
CHUNKS=${CHUNKS:-256k 64k}
S=$BUILD/ota-sign
C=$BUILD/ota-client
source "$ROOT/bench/lib.sh"
source "$ROOT/tests/integration/sysconf.sh"
MKFS=$(command -v mkfs.ext4 || echo /usr/sbin/mkfs.ext4)
DEBUGFS=$(command -v debugfs || echo /usr/sbin/debugfs)
[ -x "$MKFS" ] && [ -x "$DEBUGFS" ] || die "mkfs.ext4 and debugfs (e2fsprogs) needed"
command -v zsync >/dev/null || {
    echo "bench: installing Debian 'zsync'" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq zsync >/dev/null
}
bench_workspace delta

# ---- the tree and the images -------------------------------------------------------
mkdir -p "$W/tree"
python3 - "$W/tree" $((SIZE * 1024 * 1024 * 6 / 10)) <<'EOF'
import os, shutil, sys
dst, budget = sys.argv[1], int(sys.argv[2])
total = 0
for top in ("/usr/lib", "/usr/share", "/usr/include", "/usr/bin"):
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            if not os.path.isfile(p) or os.path.islink(p):
                continue
            n = os.path.getsize(p)
            if n > 8 << 20 or total + n > budget:
                continue
            q = os.path.join(dst, os.path.relpath(p, "/usr"))
            os.makedirs(os.path.dirname(q), exist_ok=True)
            try:
                shutil.copyfile(p, q)
            except OSError:
                continue
            os.chmod(q, 0o755 if os.access(p, os.X_OK) else 0o644)
            total += n
EOF
find "$W/tree" -exec touch -h -d @1700000000 {} +
UUID=4f3c1a52-8d0e-4b7a-9c61-2e5d7f8a9b10
mkimg() { E2FSPROGS_FAKE_TIME=1700000000 "$MKFS" -q -F -b 4096 -U "$UUID" \
    -E hash_seed=$UUID,root_owner=0:0 -L rootfs -d "$W/tree" "$1" "${SIZE}M" >/dev/null; }
mkimg "$W/v1.img"
# three files under lib/ (shared libraries, mostly) of 100 KiB .. 2 MiB, changed as a patch would
# (at a quarter, half and three quarters of their sorted list)
mapfile -t PICK < <(cd "$W/tree" && find lib -type f -size +100k -size -2048k | sort |
    awk '{ v[NR] = $0 } END { if (NR >= 3) print v[int(NR / 4) + 1] "\n" v[int(NR / 2) + 1] "\n" v[int(3 * NR / 4) + 1] }')
[ "${#PICK[@]}" = 3 ] || die "not three libraries to change in the tree"
mkdir -p "$W/new"
for i in 0 1 2; do bench_patch_lib "$W/tree/${PICK[$i]}" "$W/new/$i" "$i"; done
cp "$W/v1.img" "$W/v2-debugfs.img"
for i in 0 1 2; do
    printf 'rm /%s\nwrite %s /%s\nsif /%s mode 0100644\n' "${PICK[$i]}" "$W/new/$i" "${PICK[$i]}" "${PICK[$i]}"
done >"$W/debugfs.cmd"
E2FSPROGS_FAKE_TIME=1700000000 "$DEBUGFS" -w -f "$W/debugfs.cmd" "$W/v2-debugfs.img" >/dev/null 2>&1
for i in 0 1 2; do
    cp "$W/new/$i" "$W/tree/${PICK[$i]}"
    touch -d @1700000000 "$W/tree/${PICK[$i]}"
done
mkimg "$W/v2-remake.img"
changed() { cmp -l "$1" "$2" | awk '{ print int(($1 - 1) / 4096) }' | uniq | wc -l; }

# ---- repository, server -------------------------------------------------------------
k=$ROOT/keys-example
mkdir -p "$W/keys"
cp "$k"/*.key "$k"/*.pub "$W/keys/" && chmod 600 "$W"/keys/*.key
KEYS=(-k "$W/keys/targets.key" -k "$W/keys/snapshot.key" -k "$W/keys/timestamp.key")
"$S" init -r "$W/repo" --root-key "$W/keys/root.key" --targets-key "$W/keys/targets.key" \
    --snapshot-key "$W/keys/snapshot.key" --timestamp-key "$W/keys/timestamp.key" >/dev/null
bench_server "$W/repo"
# zsync needs multi-range answers (multipart/byteranges), which ota-server
# does not give: its files are served by nginx
bench_nginx "$W/zs"

# one fresh device, slot A = v1 (booted), B empty; sets OC
device() {
    local d=$W/dev
    rm -rf "$d"
    mkdir -p "$d/slot-a" "$d/slot-b" "$d/state"
    cp "$W/v1.img" "$d/system-a.img"
    : >"$d/system-b.img"
    echo "ota.slot=A" >"$d/cmdline"
    ln -s "$d/slot-a" "$d/current"
    write_sysconf "$d/system.conf" "$d" system
    OC=("$C" --state-dir "$d/state" --system-conf "$d/system.conf" --metadata-url "$U/metadata/"
        --report-url none)
    "${OC[@]}" init --root "$W/repo/metadata/1.root.json" >/dev/null
}
# run ARGS...: one install of gw-os.otab; sets T (seconds), F (bytes), L (local chunks)
run() {
    device
    sync
    local t0 t1 out
    t0=$(now)
    out=$("${OC[@]}" --json "$@" install gw-os.otab 2>"$W/err") || die "install failed: $(cat "$W/err")"
    t1=$(now)
    T=$(sub "$t1" "$t0")
    F=$(printf '%s\n' "$out" | python3 -c 'import json,sys
for l in sys.stdin:
    if "download" in l: print(json.loads(l)["download"]["fetched"])')
    L=$(printf '%s\n' "$out" | python3 -c 'import json,sys
for l in sys.stdin:
    if "download" in l: print(json.loads(l)["download"]["local_chunks"])')
    cmp -s "$W/dev/system-b.img" "$V2" || die "slot B is not v2 after install $*"
}

echo "ext4 image $SIZE MiB, tree $(du -sm "$W/tree" | cut -f1) MiB from /usr; changed: ${PICK[*]}"
echo "4 KiB blocks that differ from v1: debugfs $(changed "$W/v1.img" "$W/v2-debugfs.img"), remake $(changed "$W/v1.img" "$W/v2-remake.img")"
echo "load average at start: $LOAD0"
echo
echo "| v2 | chunk | bundle | delta: downloaded | share | local chunks | delta s | full s | zsync downloaded | zsync share of bundle |"
echo "|---|---|---|---|---|---|---|---|---|---|"
v=1
for kind in debugfs remake; do
    V2=$W/v2-$kind.img
    # zsync: the raw v2 image and its .zsync, served by nginx
    cp "$V2" "$W/zs/v2-$kind.img"
    (cd "$W/zs" && zsyncmake -u "v2-$kind.img" -o "v2-$kind.img.zsync" "v2-$kind.img" >/dev/null 2>&1)
    chmod go+r "$W/zs"/*
    rm -f "$W/zs.img"
    zout=$(cd "$W" && zsync -i "$W/v1.img" -o "$W/zs.img" "http://127.0.0.1:$NPORT/v2-$kind.img.zsync" 2>&1 || true)
    cmp -s "$W/zs.img" "$V2" || die "zsync did not produce v2: $zout"
    ZB=$(printf '%s\n' "$zout" | sed -n 's/.*fetched \([0-9]*\).*/\1/p' | tail -1)
    [ -n "$ZB" ] || die "zsync: no 'fetched' count in: $zout"
    for cs in $CHUNKS; do
        v=$((v + 1))
        "$S" bundle --name gw-os --version "1.0.$v" --hardware gw-1 --chunk-size "$cs" --codec zstd \
            --level 3 --component image:system="$V2" -o "$W/b.otab" --quiet --force
        "$S" add -r "$W/repo" "${KEYS[@]}" --path gw-os.otab "$W/b.otab" >/dev/null
        B=$(stat -c %s "$W/b.otab")
        bd="" bf=""
        for _ in $(seq 1 "$REPEAT"); do
            run
            FD=$F LD=$L
            bd=$(printf '%s\n%s\n' "$bd" "$T" | grep . | sort -g | head -1)
            run --no-delta
            [ "$F" = "$B" ] || die "--no-delta downloaded $F of $B bytes"
            bf=$(printf '%s\n%s\n' "$bf" "$T" | grep . | sort -g | head -1)
        done
        printf '| %s | %s | %s MiB | %s KiB | %.2f %% | %s | %.2f | %.2f | %s KiB | %.2f %% |\n' \
            "$kind" "$cs" "$(mib "$B")" "$((FD / 1024))" "$(echo "100 * $FD / $B" | bc -l)" "$LD" \
            "$bd" "$bf" "$((${ZB:-0} / 1024))" "$(echo "100 * ${ZB:-0} / $B" | bc -l)"
    done
done
echo
echo "delta / full: ours vs ours --no-delta (same bundle; full downloads the whole bundle), wall time"
echo "on loopback (where reading and hashing the active slot costs about what the download saves)."
echo "zsync: the bytes of blocks it fetched (uncompressed, as it reports them; its control file"
echo "not counted). Goal (issue 17): a three-file patch downloads <= 2 % of the bundle."
