#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Code size of the device side is tracked: bench/size.sh --check compares
# libotaclient's and ota-client's .text with bench/sizes.txt and fails on
# more than 10 % growth that was not recorded there with a note.
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ota-size.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

if [ -n "${OTA_SANITIZED:-}" ]; then
    # sanitizer builds are larger by design: the recorded sizes are -O2 ones
    skip "code size within 10 % of bench/sizes.txt" "sanitizer build"
    finish; exit
fi
out=$(BUILD=$BUILD bash "$ROOT/bench/size.sh" --check 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ]; then pass "code size within 10 % of bench/sizes.txt"
else failed "code size within 10 % of bench/sizes.txt" "$out"; fi

# the check fires: recorded sizes a fifth smaller than today's
grep -v '^#' "$ROOT/bench/sizes.txt" | awk '{ printf "%s %d smaller\n", $1, $2 * 0.8 }' >"$TMP/small.txt"
out=$(SIZES_FILE=$TMP/small.txt BUILD=$BUILD bash "$ROOT/bench/size.sh" --check 2>&1) && rc=0 || rc=$?
if [ "$rc" -ne 0 ] && grep -q "more than 10 % above" <<<"$out"; then pass "growth past 10 % is refused"
else failed "growth past 10 % is refused" "exit $rc: $out"; fi
# … and names a size it has no record of
printf 'libotaclient 1 x\n' >"$TMP/partial.txt"
out=$(SIZES_FILE=$TMP/partial.txt BUILD=$BUILD bash "$ROOT/bench/size.sh" --check 2>&1) && rc=0 || rc=$?
if [ "$rc" -ne 0 ] && grep -q "ota-client is not in" <<<"$out"; then pass "an unrecorded artefact is refused"
else failed "an unrecorded artefact is refused" "exit $rc: $out"; fi
finish
