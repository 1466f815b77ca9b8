#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/download.sh — a verified target download (`ota-client fetch`:
# metadata refresh, download, length + SHA-256 + SHA-512 check, fsync,
# rename) against the unverified baseline `curl -s -o FILE URL` of the same
# file from the same ota-server on 127.0.0.1, same run.  Not part of
# `make test`.
#
#   bench/download.sh                SIZES="16 256" REPEAT=5 BUILD=build
#   SIZES=256 REPEAT=3 bench/download.sh   (MiB of random bytes per target)
#   KEEP=1                           keep the work directory (printed)
#   PROFILE=1                        also `perf stat` and `perf record` one fetch
#                                    of the largest size (when perf is usable)
#
# Every size N: a target of N MiB of random bytes, signed into a real
# repository (ota-sign init/add, keys from keys-example/) and served with its
# plain copy for curl by one ota-server.  Per round, alternating: ours
# (`ota-client fetch` into a new directory with a freshly initialised state
# directory, so every run refreshes the metadata and downloads the whole
# file), `curl -s -o` (no fsync: the bytes may still be in the page cache
# when it ends), and `curl -s -o FILE URL && sync FILE` (coreutils sync with a
# file argument: fsync of that file, durable as ours is; ours also fsyncs
# the directory after its rename).  `sync` runs before every timed run
# (outside the timing) so no run pays for the previous one's dirty pages;
# the previous run's file is deleted before that sync.
# Timing: wall time of the whole command, median of REPEAT.  Peak RSS:
# /usr/bin/time -f %M (largest over the runs).  Every output is compared
# with the source (cmp); any difference aborts.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
S=$BUILD/ota-sign
C=$BUILD/ota-client
SIZES=${SIZES:-16 256}
REPEAT=${REPEAT:-5}
for b in "$S" "$C" "$BUILD/ota-server"; do
    [ -x "$b" ] || { echo "bench: build first: make" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "bench: curl needed" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then # GNU time, for peak RSS
    echo "bench: installing Debian 'time'" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi

source "$ROOT/bench/lib.sh"
bench_workspace download


max_n=0
for n in $SIZES; do [ "$n" -gt "$max_n" ] && max_n=$n; done
need_mib=$((3 * max_n + 64))
avail_mib=$(($(df -Pk "$W" | awk 'NR == 2 {print $4}') / 1024))
[ "$avail_mib" -gt "$need_mib" ] ||
    die "about $need_mib MiB needed in $(dirname "$W"), $avail_mib MiB free (smaller SIZES or TMPDIR=...)"

# ---- the repository, keys from keys-example/, one ota-server --------------------------
mkdir -p "$W/keys" "$W/src"
cp "$ROOT"/keys-example/*.key "$ROOT"/keys-example/*.pub "$W/keys/"
chmod 600 "$W"/keys/*.key
KEYS=(-k "$W/keys/targets.key" -k "$W/keys/snapshot.key" -k "$W/keys/timestamp.key")
"$S" init -r "$W/repo" --root-key "$W/keys/root.key" --targets-key "$W/keys/targets.key" \
    --snapshot-key "$W/keys/snapshot.key" --timestamp-key "$W/keys/timestamp.key" >/dev/null
for n in $SIZES; do
    head -c "$((n << 20))" /dev/urandom >"$W/src/t$n.bin"
    "$S" add -r "$W/repo" "${KEYS[@]}" --path "t$n.bin" "$W/src/t$n.bin" >/dev/null
    # the plain copy for curl, beside the targets (not a signed target)
    cp "$W/src/t$n.bin" "$W/repo/targets/plain$n.bin"
done
bench_server "$W/repo"
curl -sf -o /dev/null "$U/targets/plain${max_n}.bin" || die "the plain copy is not served"

# a trusted state directory to copy for every run of ours
"$C" --state-dir "$W/state0" --metadata-url "$U/metadata/" \
    init --root "$W/repo/metadata/1.root.json" >/dev/null

# ours N -> "seconds rss_kib cpu_seconds"
ours() {
    local n=$1 t0 t1
    rm -rf "$W/run"
    mkdir -p "$W/run"
    cp -a "$W/state0" "$W/run/state"
    sync
    t0=$(now)
    /usr/bin/time -f '%M %U %S' -o "$W/rss" \
        "$C" --state-dir "$W/run/state" --metadata-url "$U/metadata/" \
        fetch "t$n.bin" -o "$W/run/out" >"$W/ours.log" 2>&1 ||
        die "ota-client fetch t$n.bin failed: $(tail -5 "$W/ours.log")"
    t1=$(now)
    cmp -s "$W/src/t$n.bin" "$W/run/out/t$n.bin" || die "ours: t$n.bin differs from the source"
    echo "$(sub "$t1" "$t0") $(tail -1 "$W/rss" | awk '{print $1, $2 + $3}')"
}

# base N [sync] -> "seconds rss_kib cpu_seconds"
base() {
    local n=$1 t0 t1 f
    rm -rf "$W/run"
    mkdir -p "$W/run"
    f=$W/run/plain$n.bin
    sync
    t0=$(now)
    /usr/bin/time -f '%M %U %S' -o "$W/rss" curl -sf -o "$f" "$U/targets/plain$n.bin" ||
        die "curl failed"
    if [ "${2:-}" = sync ]; then sync "$f"; fi
    t1=$(now)
    cmp -s "$W/src/t$n.bin" "$f" || die "baseline: plain$n.bin differs from the source"
    echo "$(sub "$t1" "$t0") $(tail -1 "$W/rss" | awk '{print $1, $2 + $3}')"
}

field() { echo "$1" | cut -d' ' -f"$2"; }

ROWS=""
for n in $SIZES; do
    to="" tb="" ts="" co="" cb="" ro="" rb=""
    for i in $(seq 1 "$REPEAT"); do
        r1=$(ours "$n")
        r2=$(base "$n")
        r3=$(base "$n" sync)
        to="$to $(field "$r1" 1)" co="$co $(field "$r1" 3)" ro=$(max "$ro" "$(field "$r1" 2)")
        tb="$tb $(field "$r2" 1)" cb="$cb $(field "$r2" 3)" rb=$(max "$rb" "$(field "$r2" 2)")
        ts="$ts $(field "$r3" 1)"
        echo "bench: $n MiB round $i: ours $(fmt3 "${r1%% *}") s, curl -o $(fmt3 "${r2%% *}") s," \
            "curl -o + sync $(fmt3 "${r3%% *}") s" >&2
    done
    mo=$(echo "$to" | median) mb=$(echo "$tb" | median) ms=$(echo "$ts" | median)
    mco=$(echo "$co" | median) mcb=$(echo "$cb" | median)
    ROWS="$ROWS| $n | $(fmt3 "$mb") | $(fmt3 "$ms") | $(fmt3 "$mo") | **$(ratio "$mo" "$mb")** | $(ratio "$mo" "$ms") | $(printf '%.0f' "$(echo "$n / $mo" | bc -l)") | $(printf '%.2f' "$mcb") | $(printf '%.2f' "$mco") | $(kib2mib "$rb") | $(kib2mib "$ro") |
"
done

echo "Median of $REPEAT, alternating; random target bytes; ota-server on 127.0.0.1; load before: $LOAD0."
echo "Ours: \`ota-client fetch\` (metadata refresh + download + SHA-256 and SHA-512 + fsync + rename + directory fsync)."
echo "Baselines: \`curl -s -o FILE URL\` (no fsync) and the same followed by \`sync FILE\` (fsync)."
echo
echo "| MiB | curl -o s | curl -o + sync s | ours s | ours / curl | ours / curl+sync | ours MiB/s | curl CPU s | ours CPU s | curl RSS MiB | ours RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$ROWS"

if [ "${PROFILE:-0}" = 1 ] && perf stat -e task-clock true >/dev/null 2>&1; then
    n=$max_n
    rm -rf "$W/run" && mkdir -p "$W/run" && cp -a "$W/state0" "$W/run/state" && sync
    echo
    echo '```'
    echo "--- perf stat, ours, $n MiB ---"
    perf stat -e task-clock,context-switches,page-faults \
        "$C" --state-dir "$W/run/state" --metadata-url "$U/metadata/" \
        fetch "t$n.bin" -o "$W/run/out" 2>&1 >/dev/null | grep -E 'task-clock|context|faults|elapsed|user|sys' || true
    rm -rf "$W/run" && mkdir -p "$W/run" && cp -a "$W/state0" "$W/run/state" && sync
    perf record -q -e cpu-clock -g -o "$W/perf.data" \
        "$C" --state-dir "$W/run/state" --metadata-url "$U/metadata/" \
        fetch "t$n.bin" -o "$W/run/out" >/dev/null 2>&1 || echo "bench: the perf run failed" >&2
    echo "--- perf cpu-clock, ours, $n MiB: by library (self) ---"
    perf report -i "$W/perf.data" --no-children -g none --sort dso --stdio 2>/dev/null |
        grep '%' | head -8 || true
    echo "--- by function (self) ---"
    perf report -i "$W/perf.data" --no-children -g none --sort dso,sym --stdio 2>/dev/null |
        grep '%' | head -20 || true
    echo '```'
fi
