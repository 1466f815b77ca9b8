#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bundle benchmark (not part of `make test`): ota-sign bundle against
# `tar -czf` of the same tree, and ota-sign verify-bundle against `sha256sum`
# of the same file; zstd chunks (--codec zstd, format 2) against
# `tar -c | zstd -T2 -LEVEL` at the same level (size), and verify + extract
# (`ota-sign verify-bundle --extract`, what a device does) against
# `tar -xzf` of the gzip tarball and `zstd -dc | tar -x` of the zstd one —
# all in the same run, page cache warm for every side.  Prints markdown
# tables for bench/RESULTS.md.
#
#   bench/bundle.sh [TREE [TREE2]]     default: /usr/bin (binaries) + /usr/include (text)
#   BUILD=build  REPEAT=2 (best of N)  KEEP=1 (keep the work directory)
#   ZLEVELS="3 9 19" (zstd levels compared)  IMGMB=256 (image size, 3/4 libraries)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
S="$BUILD/ota-sign"
REPEAT=${REPEAT:-2}
ZLEVELS=${ZLEVELS:-3 9 19}
ZDEF=$(sed -n 's/^#define OTA_BUNDLE_ZSTD_DEFAULT_LEVEL \([0-9]*\).*/\1/p' "$ROOT/formats/ota_bundle.h")
TREE1=${1:-/usr/bin}
TREE2=${2:-/usr/include}
[ -x "$S" ] || { echo "build first: make" >&2; exit 1; }
W=$(mktemp -d /tmp/ota-bench-bundle.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
# best wall time of REPEAT runs of "$@" (seconds)
best() {
    local b="" t0 t1 d
    for _ in $(seq 1 "$REPEAT"); do
        t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
        d=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$d < $b" | bc -l)" = 1 ]; then b=$d; fi
    done
    printf '%.3f' "$b"
}
# "WALL CPU": best wall time and best CPU time (user + system, children
# included) of REPEAT runs of "$@" into a fresh empty directory $X.  On a
# shared machine the CPU time is the steadier figure of the two.
best_x() {
    local bw="" bc="" w c
    for _ in $(seq 1 "$REPEAT"); do
        rm -rf "$X"; mkdir "$X"; sync
        /usr/bin/time -f "%e %U %S" -o "$W/time" "$@" >/dev/null 2>&1 || echo "FAILED: $*" >&2
        read -r w u sy < "$W/time"; c=$(echo "$u + $sy" | bc -l)
        if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then bw=$w; fi
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then bc=$c; fi
    done
    printf '%.3f %.3f' "$bw" "$bc"
}
mb() { echo "scale=1; $1 / 1000000" | bc -l; }
rate() { echo "scale=0; $1 / 1000000 / $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
pct() { echo "scale=2; 100 * ($1 - $2) / $2" | bc -l; }
fsize() { stat -c %s "$1"; }

# a copy of the inputs without symlinks (system trees link outside themselves,
# which a bundle rightly refuses); also warms the page cache
mkdir -p "$W/tree"
cp -a "$TREE1" "$W/tree/bin"
cp -a "$TREE2" "$W/tree/inc"
find "$W/tree" -type l -delete
IN=$(tar -cf - -C "$W/tree" . | wc -c)
B=(bundle -q --force --name bench --version 1.0.0 --hardware bench-board
   -c "tree:bin=$W/tree/bin" -c "tree:inc=$W/tree/inc")

t_tar=$(best tar -czf "$W/t.tgz" -C "$W/tree" bin inc)
s_tar=$(fsize "$W/t.tgz")
t_b2=$(best "$S" "${B[@]}" --jobs 2 -o "$W/b.otab")
t_b1=$(best "$S" "${B[@]}" --jobs 1 -o "$W/b1.otab")
s_b=$(fsize "$W/b.otab")
cmp -s "$W/b.otab" "$W/b1.otab" && same=yes || same=NO

# verification of the same file
cat "$W/b.otab" > /dev/null
t_sha=$(best sha256sum "$W/b.otab")
t_ver=$(best "$S" verify-bundle -q "$W/b.otab")

# chunk size: ratio cost against one gzip stream
sizes=""
for cs in 64k 256k 1M 4M; do
    "$S" "${B[@]}" --jobs 2 --chunk-size "$cs" -o "$W/c.otab"
    s=$(fsize "$W/c.otab")
    sizes="$sizes| $cs | $(mb "$s") MB | +$(pct "$s" "$s_tar") % |\n"
done

# ---- zstd chunks (format 2) ---------------------------------------------------------
# size against one zstd stream of the same tar at the same level (-T2: as
# many threads as the bundle's --jobs 2), and build time
zrows=""
for L in $ZLEVELS; do
    t_zt=$(best sh -c "tar -cf - -C '$W/tree' bin inc | zstd -q -f -T2 -$L -o '$W/t$L.tar.zst'")
    s_zt=$(fsize "$W/t$L.tar.zst")
    t_zb=$(best "$S" "${B[@]}" --codec zstd --level "$L" --jobs 2 -o "$W/z$L.otab")
    s_zb=$(fsize "$W/z$L.otab")
    zrows="$zrows| $L | $t_zt | $(mb "$s_zt") | $t_zb | $(mb "$s_zb") | $(echo "scale=3; $s_zb / $s_zt" | bc -l)x | $(echo "scale=3; $s_zb / $s_tar" | bc -l)x |\n"
done
[ -f "$W/z$ZDEF.otab" ] || "$S" "${B[@]}" --codec zstd --level "$ZDEF" --jobs 2 -o "$W/z$ZDEF.otab"
# the same at the default chunk size and level without --level: the default
"$S" "${B[@]}" --codec zstd --jobs 2 -o "$W/zdef.otab"
cmp -s "$W/z$ZDEF.otab" "$W/zdef.otab" || echo "zstd default level is not $ZDEF" >&2
[ -f "$W/t$ZDEF.tar.zst" ] || tar -cf - -C "$W/tree" bin inc | zstd -q -f -T2 "-$ZDEF" -o "$W/t$ZDEF.tar.zst"
"$S" "${B[@]}" --codec zstd --level "$ZDEF" --jobs 1 -o "$W/z1j.otab"
cmp -s "$W/z$ZDEF.otab" "$W/z1j.otab" && zsame=yes || zsame=NO
# chunk size at the default level
zsizes=""
s_ztd=$(fsize "$W/t$ZDEF.tar.zst")
for cs in 64k 256k 1M 4M; do
    "$S" "${B[@]}" --codec zstd --level "$ZDEF" --jobs 2 --chunk-size "$cs" -o "$W/zc.otab"
    s=$(fsize "$W/zc.otab")
    zsizes="$zsizes| $cs | $(mb "$s") MB | $(echo "scale=3; $s / $s_ztd" | bc -l)x |\n"
done
# verify + extract: what a device does with the download (every chunk
# verified, every entry checked, files written), against unpacking the
# tarballs; all into a fresh directory on the same file system: tmpfs
# (XDIR, default /dev/shm) so that the codec and the checks are measured,
# not the disk
XDIR=${XDIR:-/dev/shm}
[ -d "$XDIR" ] && [ -w "$XDIR" ] || XDIR=$W
X=$(mktemp -d "$XDIR/ota-bench-x.XXXXXX"); trap 'rm -rf "$W" "$X"' EXIT
[ "${KEEP:-0}" = 1 ] && trap 'rm -rf "$X"' EXIT
XFS=$(stat -f -c %T "$X")
# the baselines before and after ours
read -r w_xgz c_xgz <<<"$(best_x tar -xzf "$W/t.tgz" -C "$X")"
read -r w_xzs c_xzs <<<"$(best_x sh -c "zstd -dc '$W/t$ZDEF.tar.zst' | tar -xf - -C '$X'")"
read -r w_xd c_xd <<<"$(best_x "$S" verify-bundle -q --extract "$X" "$W/b.otab")"
xrows=""
for L in $(echo "$ZLEVELS $ZDEF" | tr ' ' '\n' | sort -n -u); do
    read -r w c <<<"$(best_x "$S" verify-bundle -q --extract "$X" "$W/z$L.otab")"
    [ "$L" = "$ZDEF" ] && { w_xz=$w; c_xz=$c; }
    xrows="$xrows| ota-sign verify-bundle --extract, zstd -$L bundle ($(mb "$(fsize "$W/z$L.otab")") MB)$([ "$L" != "$ZDEF" ] || echo ', the default level') | $w | WXGZ/$w | $c | CXGZ/$c |\n"
done
read -r w_xgz2 c_xgz2 <<<"$(best_x tar -xzf "$W/t.tgz" -C "$X")"
w_xgz=$(echo "if ($w_xgz2 < $w_xgz) $w_xgz2 else $w_xgz" | bc -l); c_xgz=$(echo "if ($c_xgz2 < $c_xgz) $c_xgz2 else $c_xgz" | bc -l)
# speed-ups against the better of the two tar -xzf rounds
xrows=$(printf '%b' "$xrows" | while IFS= read -r line; do
    w=$(sed -n 's/.*WXGZ\/\([0-9.]*\).*/\1/p' <<<"$line"); c=$(sed -n 's/.*CXGZ\/\([0-9.]*\).*/\1/p' <<<"$line")
    sed "s|WXGZ/[0-9.]*|$(ratio "$w_xgz" "$w")x|; s|CXGZ/[0-9.]*|$(ratio "$c_xgz" "$c")x|" <<<"$line"
done)
# decompression alone (no files): gunzip / zstd -dc of the tarballs, and
# the bundle readers without extraction
read -r w_dgzt c_dgzt <<<"$(best_x sh -c "gzip -dc '$W/t.tgz' > /dev/null")"
read -r w_vd c_vd <<<"$(best_x "$S" verify-bundle -q "$W/b.otab")"
read -r w_vz c_vz <<<"$(best_x "$S" verify-bundle -q "$W/z$ZDEF.otab")"
# the reader's memory
m_d=$("$S" verify-bundle "$W/b.otab" | sed -n 's/.*reader memory //p')
m_z=$("$S" verify-bundle "$W/z$ZDEF.otab" | sed -n 's/.*reader memory //p')
rm -rf "$X"

# an image: 192 MiB of shared libraries + 64 MiB of zeros (a typical partition)
find /usr/lib/x86_64-linux-gnu -maxdepth 1 -name '*.so*' -type f -print0 2>/dev/null |
    xargs -0 cat 2>/dev/null | head -c $((${IMGMB:-256} * 3 / 4 << 20)) > "$W/img" || true
truncate -s $((${IMGMB:-256} << 20)) "$W/img"
IMG=$(fsize "$W/img")
t_gz=$(best sh -c "gzip -6 -c '$W/img' > '$W/img.gz'")
s_gz=$(fsize "$W/img.gz")
t_bi=$(best "$S" bundle -q --force --name img --version 1.0.0 --hardware b -c "image:part=$W/img" -o "$W/i.otab")
s_bi=$(fsize "$W/i.otab")
t_shai=$(best sha256sum "$W/i.otab")
t_veri=$(best "$S" verify-bundle -q "$W/i.otab")
t_zi=$(best sh -c "zstd -q -f -T2 -$ZDEF -o '$W/img.zst' '$W/img'")
s_zi=$(fsize "$W/img.zst")
t_bzi=$(best "$S" bundle -q --force --name img --version 1.0.0 --hardware b --codec zstd -c "image:part=$W/img" -o "$W/zi.otab")
s_bzi=$(fsize "$W/zi.otab")
t_vzi=$(best "$S" verify-bundle -q "$W/zi.otab")
t_dgz=$(best sh -c "gzip -dc '$W/img.gz' > /dev/null")
t_dzs=$(best sh -c "zstd -dc '$W/img.zst' > /dev/null")

cat <<EOF
Machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -r); zlib $(pkg-config --modversion zlib 2>/dev/null), libzstd $(pkg-config --modversion libzstd 2>/dev/null) (zstd(1) $(zstd -V | grep -o 'v[0-9.]*' | head -1)), libarchive $(pkg-config --modversion libarchive 2>/dev/null), libsodium $(pkg-config --modversion libsodium 2>/dev/null).
Tree: $TREE1 + $TREE2, $(mb "$IN") MB as tar. Best of $REPEAT, page cache warm.

| build (tree, $(mb "$IN") MB) | seconds | MB/s in | output MB | vs tar -czf |
|---|---|---|---|---|
| tar -czf (gzip -6, 1 core) | $t_tar | $(rate "$IN" "$t_tar") | $(mb "$s_tar") | 1.00x |
| ota-sign bundle --jobs 2 | $t_b2 | $(rate "$IN" "$t_b2") | $(mb "$s_b") | $(ratio "$t_tar" "$t_b2")x faster |
| ota-sign bundle --jobs 1 | $t_b1 | $(rate "$IN" "$t_b1") | $(mb "$s_b") | $(ratio "$t_tar" "$t_b1")x |

--jobs 1 and --jobs 2 outputs identical: $same

| verify (bundle file, $(mb "$s_b") MB) | seconds | MB/s | vs sha256sum |
|---|---|---|---|
| sha256sum | $t_sha | $(rate "$s_b" "$t_sha") | 1.00x |
| ota-sign verify-bundle (every chunk: 2 x SHA-256 + inflate + tar checks) | $t_ver | $(rate "$s_b" "$t_ver") | $(ratio "$t_sha" "$t_ver")x |

| image ($(mb "$IMG") MB: $((${IMGMB:-256} * 3 / 4)) MiB libraries + $((${IMGMB:-256} / 4)) MiB zeros) | seconds | MB/s in | output MB | vs gzip -6 |
|---|---|---|---|---|
| gzip -6 -c | $t_gz | $(rate "$IMG" "$t_gz") | $(mb "$s_gz") | 1.00x |
| ota-sign bundle (image, --jobs 2) | $t_bi | $(rate "$IMG" "$t_bi") | $(mb "$s_bi") | $(ratio "$t_gz" "$t_bi")x faster |
| sha256sum of the bundle | $t_shai | $(rate "$s_bi" "$t_shai") | |
| ota-sign verify-bundle | $t_veri | $(rate "$s_bi" "$t_veri") | $(ratio "$t_shai" "$t_veri")x of sha256sum |

| chunk size | bundle | size vs one gzip stream (tar -czf) |
|---|---|---|
$(printf '%b' "$sizes")

zstd chunks (\`--codec zstd\`, format 2), 256 KiB chunks, --jobs 2, against one zstd stream of the same tar at the same level (\`tar -c | zstd -T2 -LEVEL\`):

| level | tar \\| zstd s | tar \\| zstd MB | bundle s | bundle MB | bundle / tar\\|zstd (goal <= 1.02) | bundle / tar -czf |
|---|---|---|---|---|---|---|
$(printf '%b' "$zrows")

--codec zstd --level $ZDEF (the default), --jobs 1 and --jobs 2 outputs identical: $zsame

| zstd chunk size (level $ZDEF) | bundle | size vs one zstd stream (tar \\| zstd -T2 -$ZDEF) |
|---|---|---|
$(printf '%b' "$zsizes")

Verify + extract of the tree ($(mb "$IN") MB) into an empty directory on $XFS, best of $REPEAT; CPU = user + system, children included (tar's gzip); speed-up = tar -xzf / this:

| verify + extract (goal for zstd: >= 2x) | wall s | speed-up (wall) | CPU s | speed-up (CPU) |
|---|---|---|---|---|
| tar -xzf (gzip tarball, $(mb "$s_tar") MB) | $w_xgz | 1.00x | $c_xgz | 1.00x |
| zstd -dc \\| tar -x (tar \\| zstd -$ZDEF, $(mb "$s_ztd") MB; nothing verified) | $w_xzs | $(ratio "$w_xgz" "$w_xzs")x | $c_xzs | $(ratio "$c_xgz" "$c_xzs")x |
| ota-sign verify-bundle --extract, deflate bundle ($(mb "$s_b") MB) | $w_xd | $(ratio "$w_xgz" "$w_xd")x | $c_xd | $(ratio "$c_xgz" "$c_xd")x |
$xrows

| no files written | wall s | CPU s |
|---|---|---|
| gzip -dc of the gzip tarball (decompression only, nothing checked) | $w_dgzt | $c_dgzt |
| ota-sign verify-bundle, deflate bundle (2 x SHA-256 + inflate + tar checks) | $w_vd | $c_vd |
| ota-sign verify-bundle, zstd -$ZDEF bundle (2 x SHA-256 + zstd + tar checks) | $w_vz | $c_vz ($(ratio "$c_vd" "$c_vz")x less than deflate, $(ratio "$c_dgzt" "$c_vz")x less than gzip -dc) |

Reader memory (256 KiB chunks, verify-bundle): deflate $m_d, zstd $m_z (the zstd DCtx: one-shot decoding, no window buffer).

| image, zstd ($(mb "$IMG") MB) | seconds | output MB | |
|---|---|---|---|
| zstd -T2 -$ZDEF | $t_zi | $(mb "$s_zi") | bundle / zstd: $(echo "scale=3; $s_bzi / $s_zi" | bc -l)x |
| ota-sign bundle --codec zstd (image, --jobs 2) | $t_bzi | $(mb "$s_bzi") | $(ratio "$t_zi" "$t_bzi")x the speed of zstd -T2 |
| ota-sign verify-bundle (zstd image) | $t_vzi | | deflate image: $t_veri s ($(ratio "$t_veri" "$t_vzi")x) |
| gzip -dc / zstd -dc of the image (no checks) | $t_dgz / $t_dzs | | |
EOF
