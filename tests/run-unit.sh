#!/usr/bin/env bash
# Run every cmocka unit-test binary in DIR; fail if any fails.  Each binary
# prints cmocka's own summary lines; this script adds one closing line.
set -u
dir=${1:?usage: run-unit.sh BUILD/tests}
pass=0 fail=0
for t in "$dir"/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    echo "== $(basename "$t")"
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
