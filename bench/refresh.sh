#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/refresh.sh — a refresh with nothing new: `ota-client refresh` against
# a signed repository of N targets (one top-level targets.json) served by
# ota-server on 127.0.0.1, after a first refresh has stored everything,
# against tuf-js' Updater.refresh() (tests/interop/tufjs-updater.js, no
# target) on the same server and metadata, in the same run.  Wall time
# (median of RUNS, alternating ours / tuf-js) and peak RSS (/usr/bin/time
# %M, largest over the runs).  Not part of `make test`.
#
#   bench/refresh.sh [TARGETS] [RUNS]      defaults 10000 and 9
#   TUFJS_RUNS=N  tuf-js runs (default RUNS; each takes minutes at 10,000;
#                 0: none, ours only)
#   BASE_BUILD=DIR [BASE_LABEL=TEXT]  also time DIR/ota-client (another
#                 commit's build), alternating, with its own state
#
# The repository: ota-sign init with the keys of keys-example/, then
# targets v2 (TARGETS entries, no custom: plain files as ota-sign add would
# record them), snapshot v2 and timestamp v2 written directly and signed
# with tests/tools/tuftool (ota-sign add of 10,000 files is slow, and wants
# the files); root stays ota-sign's.  Target files are not needed: nothing
# is downloaded.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000} RUNS=${2:-9}
TUFJS_RUNS=${TUFJS_RUNS:-$RUNS}
BUILD=${BUILD:-build}
BASE_LABEL=${BASE_LABEL:-${BASE_BUILD:-}}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
S=$BUILD/ota-sign C=$BUILD/ota-client T=$BUILD/tests/tuftool
make -C "$ROOT" --no-print-directory all deps-node >/dev/null
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
source "$ROOT/bench/lib.sh"
bench_workspace refresh

# ---- the repository ---------------------------------------------------------------------
mkdir -p "$W/keys"
cp "$ROOT"/keys-example/*.key "$ROOT"/keys-example/*.pub "$W/keys/"
chmod 600 "$W"/keys/*.key
"$S" init -r "$W/repo" --root-key "$W/keys/root.key" --targets-key "$W/keys/targets.key" \
    --snapshot-key "$W/keys/snapshot.key" --timestamp-key "$W/keys/timestamp.key" >/dev/null
M=$W/repo/metadata
# gen ROLE [LISTED-FILE]: write $W/ROLE.unsigned (version 2), the meta entry
# of LISTED-FILE (a signed file in $M) filled from its bytes
gen() {
    node - "$W" "$M" "$N" "$@" <<'JS'
const fs = require('fs');
const crypto = require('crypto');
const [w, m, n, role, listed] = process.argv.slice(2);
for (const r of ['targets', 'snapshot', 'timestamp']) { // tuftool's key form
  const k = JSON.parse(fs.readFileSync(`${w}/keys/${r}.key`));
  fs.writeFileSync(`${w}/${r}.tuftool.json`, JSON.stringify({ keyid: k.keyid,
    keytype: k.public.keytype, scheme: k.public.scheme, keyval: k.public.keyval,
    private: k.secret }));
}
const signed = JSON.parse(fs.readFileSync(`${m}/1.${role === 'timestamp' ? 'snapshot' : role}.json`)).signed;
signed._type = role;
signed.version = 2;
if (role === 'targets') {
  const targets = {};
  for (let i = 0; i < Number(n); i++) {
    const h = crypto.createHash('sha256').update(String(i)).digest('hex');
    targets[`product-${i % 50}/fw-${i}.bin`] = { length: 1000 + i, hashes: { sha256: h } };
  }
  signed.targets = targets;
} else {
  const bytes = fs.readFileSync(`${m}/2.${listed}`);
  signed.meta = { [listed]: { version: 2, length: bytes.length,
    hashes: { sha256: crypto.createHash('sha256').update(bytes).digest('hex') } } };
}
fs.writeFileSync(`${w}/${role}.unsigned`, JSON.stringify({ signed, signatures: [] }));
JS
}
gen targets
"$T" sign "$W/targets.tuftool.json" "$W/targets.unsigned" "$M/2.targets.json"
gen snapshot targets.json
"$T" sign "$W/snapshot.tuftool.json" "$W/snapshot.unsigned" "$M/2.snapshot.json"
gen timestamp snapshot.json
"$T" sign "$W/timestamp.tuftool.json" "$W/timestamp.unsigned" "$M/timestamp.json"
cp "$M/2.targets.json" "$M/targets.json"
cp "$M/2.snapshot.json" "$M/snapshot.json"
size=$(stat -c %s "$M/2.targets.json")

bench_server "$W/repo"

# ---- the clients, each with everything stored by a first refresh -----------------------
OURS=("$C" --state-dir "$W/dev" --metadata-url "$U/metadata/" refresh)
THEIRS=(node "$ROOT/tests/interop/tufjs-updater.js" "$U/metadata/" "$U/targets/"
    "$M/1.root.json" "$W/tufjs" "$W/tufjs-out")
mkdir -p "$W/dev"
"$C" --state-dir "$W/dev" init --root "$M/1.root.json" >/dev/null
first=$("${OURS[@]}") || die "ota-client refresh failed"
case $first in *"targets v2"*) ;; *) die "ota-client refresh printed '$first'" ;; esac
if [ "$TUFJS_RUNS" -gt 0 ]; then "${THEIRS[@]}" >/dev/null || die "tuf-js refresh failed"; fi
BASE=()
if [ -n "${BASE_BUILD:-}" ]; then # another build's ota-client, its own state
    mkdir -p "$W/base-dev"
    "$BASE_BUILD/ota-client" --state-dir "$W/base-dev" init --root "$M/1.root.json" >/dev/null
    BASE=("$BASE_BUILD/ota-client" --state-dir "$W/base-dev" --metadata-url "$U/metadata/" refresh)
    "${BASE[@]}" >/dev/null || die "$BASE_BUILD/ota-client refresh failed"
fi

# timed NAME COMMAND...: one run -> "wall_s rss_kib cpu_s" appended to $W/NAME
timed() {
    local name=$1 s e
    shift
    s=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$W/rss" "$@" >"$W/out" 2>&1 || die "$name failed: $(tail -3 "$W/out")"
    e=$(date +%s.%N)
    read -r rss u sy <"$W/rss"
    echo "$(echo "$e - $s" | bc -l) $rss $(echo "$u + $sy" | bc -l)" >>"$W/$name"
}
: >"$W/ours" && : >"$W/theirs" && : >"$W/floor" && : >"$W/base"
for i in $(seq 1 "$RUNS"); do
    timed ours "${OURS[@]}"
    if [ ${#BASE[@]} -gt 0 ]; then timed base "${BASE[@]}"; fi
    timed floor "$C" --version
    if [ "$i" -le "$TUFJS_RUNS" ]; then timed theirs "${THEIRS[@]}"; fi
done
# memory: peak RSS (/usr/bin/time) and peak heap (heaptrack) of a first
# refresh (empty state: downloads and verifies the N-target targets.json),
# of a no-change refresh and of the process start-up alone
: >"$W/first"
for i in 1 2 3; do
    rm -rf "$W/dev-first" && mkdir -p "$W/dev-first"
    "$C" --state-dir "$W/dev-first" init --root "$M/1.root.json" >/dev/null
    timed first "$C" --state-dir "$W/dev-first" --metadata-url "$U/metadata/" refresh
done
rm -rf "$W/dev-first" && mkdir -p "$W/dev-first"
"$C" --state-dir "$W/dev-first" init --root "$M/1.root.json" >/dev/null
heap_first=$(heap_kib "$C" --state-dir "$W/dev-first" --metadata-url "$U/metadata/" refresh) ||
    die "the first refresh failed under heaptrack"
heap_ours=$(heap_kib "${OURS[@]}") || die "the no-change refresh failed under heaptrack"
heap_floor=$(heap_kib "$C" --version) || die "ota-client --version failed under heaptrack"
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
best() { sort -n | head -1 | awk '{ printf "%.3f", $1 }'; }
maxrss() { awk '$2 > m { m = $2 } END { printf "%.1f", m / 1024 }'; }
row() { # NAME LABEL -> a table row; sets t_NAME rss_NAME
    local f=$W/$1 t b c r
    t=$(cut -d' ' -f1 "$f" | median) b=$(cut -d' ' -f1 "$f" | best)
    c=$(cut -d' ' -f3 "$f" | median) r=$(maxrss <"$f")
    printf -v "t_$1" %s "$t"
    printf -v "rss_$1" %s "$r"
    echo "| $2 | $t | $b | $c | $r |"
}
nodeboot=$( { for _ in 1 2 3; do s=$(date +%s.%N); node -e 0; e=$(date +%s.%N); echo "$e - $s" | bc -l; done; } | median)

echo "No-change refresh: $N targets (targets.json $size bytes), ota-server on 127.0.0.1," \
    "$(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg) at the end; $RUNS runs" \
    "alternating (tuf-js: $TUFJS_RUNS), wall time median and best, CPU (user + system," \
    "10 ms resolution) median, peak RSS (/usr/bin/time %M) the largest."
echo
echo "| client | median s | best s | CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|"
row ours "ota-client refresh"
if [ ${#BASE[@]} -gt 0 ]; then row base "ota-client refresh, $BASE_LABEL"; fi
row floor "(ota-client --version: process start, libraries)"
if [ "$TUFJS_RUNS" -gt 0 ]; then # TUFJS_RUNS=0: ours only (memory figures)
    row theirs "tuf-js Updater.refresh() (node)"
    echo "| (node startup alone) | $nodeboot | | | |"
    echo
    echo "Ratios tuf-js / ours: time $(echo "scale=1; $t_theirs / $t_ours" | bc -l)x" \
        "(minus node startup $(echo "scale=1; ($t_theirs - $nodeboot) / $t_ours" | bc -l)x)," \
        "peak RSS $(echo "scale=1; $rss_theirs / $rss_ours" | bc -l)x."
fi
if [ ${#BASE[@]} -gt 0 ]; then
    echo "Ours / $BASE_LABEL: time $(echo "scale=2; $t_ours / $t_base" | bc -l)x," \
        "peak RSS $(echo "scale=2; $rss_ours / $rss_base" | bc -l)x."
fi
memrow() { # NAME LABEL HEAP_KIB
    local r
    r=$(maxrss <"$W/$1")
    echo "| $2 | $r | $(echo "scale=1; $r - $rss_floor" | bc -l) | $(kib2mib "$3") |"
}
echo
echo "Memory: peak RSS (/usr/bin/time %M, largest of the runs; the first refresh: 3 runs"
echo "from an empty state), above the process start-up (ota-client --version), and peak"
echo "heap (heaptrack, one more run; every allocation, libraries' included):"
echo
echo "| ota-client | peak RSS MiB | above --version MiB | peak heap MiB |"
echo "|---|---|---|---|"
memrow first "first refresh (downloads and verifies the $N-target targets.json)" "$heap_first"
memrow ours "no-change refresh" "$heap_ours"
memrow floor "--version (process start-up)" "$heap_floor"
