#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every cmocka unit-test binary in DIR; fail if any fails.  Each binary
# prints cmocka's own summary lines; this script adds one closing line.
set -u
dir=${1:?usage: run-unit.sh BUILD/tests}
pass=0 fail=0 skipped=0
for t in "$dir"/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    echo "== $(basename "$t")"
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    # cmocka's skip(): a case that did not run here, reported as such
    n=$(printf '%s\n' "$out" | grep '^\[  SKIPPED \] test_' | sort -u | wc -l)
    skipped=$((skipped + n))
    if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit: $pass passed, $fail failed, $skipped test cases skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
