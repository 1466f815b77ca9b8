#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Metadata verification: parse + canonicalise + verify a large targets file
# with the formats library (tuftool verify) against tuf-js' @tufjs/models
# (tests/interop/tufjs-verify.js) on the same files, in the same run.
# Not part of make test.  Usage: bench/metadata.sh [TARGETS] [RUNS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-2000} RUNS=${2:-3}
T="$ROOT/build/tests/tuftool"
make -C "$ROOT" --no-print-directory all deps-node >/dev/null
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$T" keygen ed25519 "$W/k.json"
node - "$W" "$N" <<'JS'
const fs = require('fs');
const [dir, n] = [process.argv[2], Number(process.argv[3])];
const k = JSON.parse(fs.readFileSync(`${dir}/k.json`));
const pub = { keytype: k.keytype, scheme: k.scheme, keyval: k.keyval };
const role = { keyids: [k.keyid], threshold: 1 };
const signed = (s) => ({ signed: s, signatures: [] });
const common = { spec_version: '1.0.31', version: 1, expires: '2099-01-01T00:00:00Z' };
fs.writeFileSync(`${dir}/root.json`, JSON.stringify(signed({ _type: 'root', ...common,
  consistent_snapshot: true, keys: { [k.keyid]: pub },
  roles: { root: role, targets: role, snapshot: role, timestamp: role } })));
const targets = {};
for (let i = 0; i < n; i++) {
  const h = require('crypto').createHash('sha256').update(String(i)).digest('hex');
  targets[`product-${i % 50}/fw-${i}.bin`] = { length: 1000 + i, hashes: { sha256: h },
    custom: { version: `1.${i}.0`, hardware: ['gw-1'] } };
}
fs.writeFileSync(`${dir}/targets.json`, JSON.stringify(signed({ _type: 'targets', ...common, targets })));
JS
"$T" sign "$W/k.json" "$W/root.json" "$W/root.json"
"$T" sign "$W/k.json" "$W/targets.json" "$W/targets.json"
size=$(stat -c %s "$W/targets.json")

best() { # best wall time of RUNS runs, in seconds
    local b=999 s e t
    for _ in $(seq 1 "$RUNS"); do
        s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l); (( $(echo "$t < $b" | bc -l) )) && b=$t
    done
    printf '%.3f' "$b"
}
ours=$(best "$T" verify "$W/root.json" targets "$W/targets.json")
theirs=$(best node "$ROOT/tests/interop/tufjs-verify.js" "$W/root.json" targets "$W/targets.json")
nodeboot=$(best node -e 0)
echo "targets.json: $N targets, $size bytes, $(nproc) CPUs, best of $RUNS"
printf '%-40s %8s s\n' "tuftool verify (formats library)" "$ours"
printf '%-40s %8s s\n' "tuf-js @tufjs/models verify" "$theirs"
printf '%-40s %8s s\n' "(node startup alone)" "$nodeboot"
echo "ratio tuf-js / ours: $(echo "scale=2; $theirs / $ours" | bc -l)x" \
     "(minus node startup: $(echo "scale=2; ($theirs - $nodeboot) / $ours" | bc -l)x)"
