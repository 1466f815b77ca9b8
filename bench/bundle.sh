#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bundle benchmark (not part of `make test`): ota-sign bundle against
# `tar -czf` of the same tree, and ota-sign verify-bundle against `sha256sum`
# of the same file, in the same run, page cache warm for both.  Prints a
# markdown table for bench/RESULTS.md.
#
#   bench/bundle.sh [TREE [TREE2]]     default: /usr/bin (binaries) + /usr/include (text)
#   BUILD=build  REPEAT=2 (best of N)  KEEP=1 (keep the work directory)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
S="$BUILD/ota-sign"
REPEAT=${REPEAT:-2}
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

# an image: 192 MiB of shared libraries + 64 MiB of zeros (a typical partition)
find /usr/lib/x86_64-linux-gnu -maxdepth 1 -name '*.so*' -type f -print0 2>/dev/null |
    xargs -0 cat 2>/dev/null | head -c $((192 << 20)) > "$W/img" || true
truncate -s $((256 << 20)) "$W/img"
IMG=$(fsize "$W/img")
t_gz=$(best sh -c "gzip -6 -c '$W/img' > '$W/img.gz'")
s_gz=$(fsize "$W/img.gz")
t_bi=$(best "$S" bundle -q --force --name img --version 1.0.0 --hardware b -c "image:part=$W/img" -o "$W/i.otab")
s_bi=$(fsize "$W/i.otab")
t_shai=$(best sha256sum "$W/i.otab")
t_veri=$(best "$S" verify-bundle -q "$W/i.otab")

cat <<EOF
Machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -r); zlib $(pkg-config --modversion zlib 2>/dev/null), libarchive $(pkg-config --modversion libarchive 2>/dev/null), libsodium $(pkg-config --modversion libsodium 2>/dev/null).
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

| image ($(mb "$IMG") MB: 192 MiB libraries + 64 MiB zeros) | seconds | MB/s in | output MB | vs gzip -6 |
|---|---|---|---|---|
| gzip -6 -c | $t_gz | $(rate "$IMG" "$t_gz") | $(mb "$s_gz") | 1.00x |
| ota-sign bundle (image, --jobs 2) | $t_bi | $(rate "$IMG" "$t_bi") | $(mb "$s_bi") | $(ratio "$t_gz" "$t_bi")x faster |
| sha256sum of the bundle | $t_shai | $(rate "$s_bi" "$t_shai") | |
| ota-sign verify-bundle | $t_veri | $(rate "$s_bi" "$t_veri") | $(ratio "$t_shai" "$t_veri")x of sha256sum |

| chunk size | bundle | size vs one gzip stream (tar -czf) |
|---|---|---|
$(printf '%b' "$sizes")
EOF
