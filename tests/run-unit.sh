#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every cmocka unit-test binary in DIR; fail if any fails.  Each binary
# prints cmocka's own summary lines; this script adds one closing line.
# RUNNER: a command that runs each binary (make cross-test: qemu-user).
set -u
RUNNER=${RUNNER:-}
dir=${1:?usage: run-unit.sh BUILD/tests}
pass=0 fail=0 skipped=0 allskipped=0
for t in "$dir"/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    echo "== $(basename "$t")"
    # shellcheck disable=SC2086 # RUNNER is a command line
    out=$($RUNNER "$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    # cmocka's skip(): a case that did not run here, reported as such
    # (each skipped case's name, whatever it is; not the "N test(s)" summary)
    n=$(printf '%s\n' "$out" | grep '^\[  SKIPPED \] ' | grep -Ev '^\[  SKIPPED \] [0-9]+ test\(s\)' |
        sort -u | wc -l)
    skipped=$((skipped + n))
    # a binary none of whose cases ran is a skip, never a pass
    ran=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    if [ "$rc" -ne 0 ]; then fail=$((fail + 1)); echo "FAILED: $t" >&2
    elif [ "${ran:-0}" -eq 0 ] && [ "$n" -gt 0 ]; then allskipped=$((allskipped + 1))
    else pass=$((pass + 1)); fi
done
echo "unit: $pass passed, $fail failed, $allskipped skipped (no case ran), $skipped test cases skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
