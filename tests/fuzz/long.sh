#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The long fuzzing run (make fuzz-long): every libFuzzer target until it has
# used FUZZ_CPU_SECONDS of CPU (default 600: ten CPU-minutes), FUZZ_JOBS
# targets at a time. A target that gets less CPU than asked (a busy machine)
# is run again on its grown corpus until it has had its share. Prints one line
# per target: CPU seconds, executions, corpus size, crashes; the table goes to
# build-fuzz/long.txt. Exit 1 if any target crashed, leaked or timed out: the
# input is in build-fuzz/NAME-crash-* (make it a regression: copy it into
# tests/fuzz/regressions/NAME/, which make fuzz replays).  FUZZ_RESUME=1 adds
# to the last run's figures (FUZZ_NAMES=... the targets to top up).
set -euo pipefail
cd "$(dirname "$0")/../.."
cpu_goal=${FUZZ_CPU_SECONDS:-600}
jobs=${FUZZ_JOBS:-2}
names=${FUZZ_NAMES:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}
seeds_common="formats/vectors/canonical formats/vectors/tufjs formats/vectors/bundle formats/vectors/report"

run_one() { # NAME: runs until its CPU time reaches the goal; writes build-fuzz/NAME.long
    local f=$1 cpu=0 execs=0 rounds=0 rc=0 seeds=$seeds_common d
    # FUZZ_RESUME=1: add to the CPU time and executions of the last run
    if [ "${FUZZ_RESUME:-0}" = 1 ] && [ -f "build-fuzz/$f.long" ]; then
        read -r _ cpu execs _ rounds _ <"build-fuzz/$f.long"
    fi
    for d in tests/fuzz/corpus/$f tests/fuzz/regressions/$f; do [ -d "$d" ] && seeds="$d $seeds"; done
    mkdir -p "build-fuzz/corpus/$f"
    [ "${FUZZ_RESUME:-0}" = 1 ] || : >"build-fuzz/$f.longlog"
    # a busy machine gives a round less CPU than its wall time: rounds of
    # at least a minute until the goal is reached
    while [ "$cpu" -lt "$cpu_goal" ] && [ "$rc" = 0 ] && [ "$rounds" -lt 50 ]; do
        local left=$((cpu_goal - cpu))
        [ "$left" -ge 60 ] || left=60
        rounds=$((rounds + 1))
        # libFuzzer's own CPU is measured with /usr/bin/time's format
        /usr/bin/time -f 'cpu %U %S' -o "build-fuzz/$f.time" \
            "build-fuzz/$f" -max_total_time=$((left + 5)) -max_len=65536 -timeout=10 \
            -rss_limit_mb=2048 -artifact_prefix="build-fuzz/$f-" -print_final_stats=1 \
            "build-fuzz/corpus/$f" $seeds >>"build-fuzz/$f.longlog" 2>&1 || rc=$?
        local c
        c=$(awk '/^cpu/{printf "%d", $2+$3}' "build-fuzz/$f.time")
        cpu=$((cpu + c))
        local e
        e=$(awk '/stat::number_of_executed_units/{v=$2} END{print v+0}' <(tail -20 "build-fuzz/$f.longlog"))
        execs=$((execs + e))
    done
    local crashes
    crashes=$(find build-fuzz -maxdepth 1 \( -name "$f-crash-*" -o -name "$f-leak-*" \
        -o -name "$f-timeout-*" -o -name "$f-oom-*" \) | wc -l)
    printf '%-14s %6s %12s %7s %4s %s\n' "$f" "$cpu" "$execs" \
        "$(ls "build-fuzz/corpus/$f" | wc -l)" "$rounds" \
        "$([ "$rc" = 0 ] && echo ok || echo "FAILED rc=$rc ($crashes artifacts)")" >"build-fuzz/$f.long"
}

if [ ! -x /usr/bin/time ]; then # Debian's time: the CPU each target used
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi
# builds the targets (and replays the seeds); FUZZ_BUILD=0: use the built ones
# (another long run may be using them)
[ "${FUZZ_BUILD:-1}" = 0 ] || make --no-print-directory fuzz FUZZ_SECONDS=1 >/dev/null
[ "${FUZZ_RESUME:-0}" = 1 ] || rm -f build-fuzz/*.long
echo "fuzz-long: ${cpu_goal} CPU-seconds per target, $jobs at a time: $names" | tr '\n' ' '
echo
running=0
for f in $names; do
    run_one "$f" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true
{
    printf '%-14s %6s %12s %7s %4s %s\n' target cpu_s executions corpus runs result
    for f in $names; do cat "build-fuzz/$f.long"; done
} | tee build-fuzz/long.txt
! grep -q FAILED build-fuzz/long.txt
