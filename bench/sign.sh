#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signer benchmark (not part of `make test`): `ota-sign add` of N small files
# in one call, and of one file to a repository that holds ONE targets
# already.  There is no other TUF signer on this machine to compare with
# (python-tuf cannot be installed: no PyPI), so the baseline is the raw cost
# of the same I/O: `cp -r` of the same files (or the one file) then `sync`.
# Also prints the scaling of ota-sign add: time(largest N) / time(smallest N)
# against the ratio of the sizes (linear: equal).  Prints a markdown table.
#
#   bench/sign.sh                 SIZES="1000 2000 10000" ONE=10000
#   SIZES="1000 2000" ONE=2000 bench/sign.sh      (QUICK)
#   BUILD=build  REPEAT=1 (best of N)  KEEP=1 (keep the work directory)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
S="$BUILD/ota-sign"
SIZES=${SIZES:-"1000 2000 10000"}
ONE=${ONE:-10000}
REPEAT=${REPEAT:-1}
[ -x "$S" ] || { echo "build first: make" >&2; exit 1; }
W=$(mktemp -d /tmp/ota-bench-sign.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
cd "$W"

now() { date +%s.%N; }
sub() { echo "$1 - $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
min() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

mkdir k
for n in root targets snap ts; do "$S" keygen -o "k/$n" --unencrypted >/dev/null 2>&1; done
"$S" init -r empty --root-key k/root.key --targets-key k/targets.key --snapshot-key k/snap.key \
    --timestamp-key k/ts.key >/dev/null
KEYS=(-k k/targets.key -k k/snap.key -k k/ts.key)

# N distinct small files (about 60 bytes each) in dir
make_files() { # N DIR
    mkdir -p "$2"
    awk -v n="$1" -v d="$2" 'BEGIN { for (i = 1; i <= n; i++) {
        f = sprintf("%s/fw-%05d.bin", d, i); printf "firmware image %d of %d, %s\n", i, n, d > f; close(f) } }'
}

# Every run writes into a new directory; the old ones are deleted only after
# a size's rounds (ext4 without a journal, as here, slows the creation of
# files while inodes freed in the last seconds are nearby: bench/HISTORY.md).
# one ota-sign add of every file of DIR into a fresh repository REPO
add_all() { # DIR REPO
    cp -a empty "$2"; sync
    local t0 t1
    t0=$(now)
    "$S" add -r "$2" "${KEYS[@]}" --prefix p/ "$1"/*.bin >/dev/null
    t1=$(now)
    sub "$t1" "$t0"
}
copy_all() { # DIR DST
    sync
    local t0 t1
    t0=$(now)
    cp -r "$1" "$2" && sync
    t1=$(now)
    sub "$t1" "$t0"
}

echo "| files | ota-sign add (s) | baseline cp -r + sync (s) | ratio ours / baseline |"
echo "|---:|---:|---:|---:|"
first_n="" first_t="" last_n="" last_t=""
for n in $SIZES; do
    make_files "$n" "in-$n"
    best_ours="" best_base=""
    for r in $(seq 1 "$REPEAT"); do
        best_ours=$(min "$best_ours" "$(add_all "in-$n" "repo-$n-$r")")
        best_base=$(min "$best_base" "$(copy_all "in-$n" "copy-$n-$r")")
    done
    mv "repo-$n-1" "repo-$n"
    rm -rf "repo-$n"-* "copy-$n"-*
    got=$(find "repo-$n/targets/p" -type f | wc -l)
    [ "$got" = "$n" ] || { echo "ota-sign add published $got target files, not $n" >&2; exit 1; }
    printf '| %d | %.3f | %.3f | %.1f |\n' "$n" "$best_ours" "$best_base" "$(ratio "$best_ours" "$best_base")"
    [ -n "$first_n" ] || { first_n=$n; first_t=$best_ours; }
    last_n=$n last_t=$best_ours
    [ "$n" = "$ONE" ] || rm -rf "repo-$n"
done

# one more file into a repository holding ONE targets
if [ ! -d "repo-$ONE" ]; then
    make_files "$ONE" "in-$ONE"
    add_all "in-$ONE" "repo-$ONE" >/dev/null
fi
best_ours="" best_base=""
for i in $(seq 1 "$REPEAT"); do
    echo "one more $i" > "one-$i.bin"
    sync
    t0=$(now)
    "$S" add -r "repo-$ONE" "${KEYS[@]}" --prefix p/ "one-$i.bin" >/dev/null
    t1=$(now)
    best_ours=$(min "$best_ours" "$(sub "$t1" "$t0")")
    t0=$(now)
    cp "one-$i.bin" "copy-one-$i.bin" && sync
    t1=$(now)
    best_base=$(min "$best_base" "$(sub "$t1" "$t0")")
done
printf '| 1 more into %d targets | %.3f | %.3f | %.1f |\n' "$ONE" "$best_ours" "$best_base" \
    "$(ratio "$best_ours" "$best_base")"
echo
echo "Scaling of ota-sign add: $last_n files / $first_n files took $(ratio "$last_t" "$first_t")x" \
     "the time (linear: $(ratio "$last_n" "$first_n")x). Best of $REPEAT, $(nproc) CPUs;" \
     "baseline: the same files copied with cp -r, then sync (no other TUF signer here)."
