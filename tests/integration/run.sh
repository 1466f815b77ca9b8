#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every tests/integration/test_*.sh.  Each suite prints its own
# "N passed, N failed" line; this sums them into one closing line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:-build}
pass=0 fail=0 skipped=0
for t in "$here"/test_*.sh; do
    [ -e "$t" ] || continue
    echo "== $(basename "$t")"
    out=$(bash "$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/'); f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    [ -n "$line" ] || { p=0; f=1; echo "no result line from $t"; }
    k=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + ${k:-0}))
done
echo "integration: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
