#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-client against crafted, hostile repositories served by a real HTTP
# server process on 127.0.0.1: one test per TUF attack.  Each scenario is made
# by tests/interop/client-scenarios.js (read it for what each stage holds);
# every check is one that passes only if the defence works (an undefended
# client would exit 0 or differently, or leave a file behind).
#
# Server: tests/integration/static-server.js (node), because the hostile
# behaviours (endless and slow bodies) are its own; every wait is bounded by
# the client's timeouts and `timeout`.
source "$(dirname "$0")/lib.sh"

# OTA_CLIENT: another ota-client to attack (make cross-test: one under qemu)
C=${OTA_CLIENT:-$BUILD/ota-client}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ota-client-attacks.XXXXXX")
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

if [ ! -x "$C" ] || ! command -v node >/dev/null || [ ! -d "$ROOT/tests/interop/node_modules/@tufjs" ]; then
    failed "prerequisites: $C, node and tests/interop/node_modules (make deps-node)"
    finish; exit 1
fi
if ! node "$ROOT/tests/interop/client-scenarios.js" "$TMP/scn" >"$TMP/gen.log" 2>&1; then
    failed "client-scenarios.js builds the crafted repositories" "$(tail -3 "$TMP/gen.log")"
    finish; exit 1
fi
node "$ROOT/tests/integration/static-server.js" --root "$TMP/scn" --port-file "$TMP/port" \
    --log "$TMP/requests.log" --max-seconds $((300 * ${OTA_TIME_FACTOR:-1})) &
SERVER_PID=$!
for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port" 2>/dev/null)
[ -n "$PORT" ] || { failed "static server started"; finish; exit 1; }
BASE=http://127.0.0.1:$PORT
mkdir -p "$TMP/out"

FW=firmware/gw-100/1.0.0.bundle
FWFILE='firmware%2Fgw-100%2F1.0.0.bundle'

# client SCENARIO STAGE ARGS...: run ota-client for a scenario's stage with the
# scenario's own metadata directory (initialised on first use)
client() {
    local s=$1 st=$2; shift 2
    local md=$TMP/md/$s
    if [ ! -d "$md" ]; then
        mkdir -p "$md"
        "$C" --metadata-dir "$md" init --root "$TMP/scn/$s/trusted-root.json" >/dev/null || return 99
    fi
    timeout 60 "$C" --metadata-dir "$md" --metadata-url "$BASE/$s/$st/metadata/" \
        --connect-timeout 5 --timeout 30 --low-speed-limit 100 --low-speed-time 2 "$@"
}
# expect WANT NAME SCENARIO STAGE ARGS... [; stderr must match GREP when set;
# the run must end within WITHIN seconds when set (times OTA_TIME_FACTOR: a
# client under valgrind starts seconds late)]
expect() {
    local want=$1 name=$2 s=$3 st=$4; shift 4
    local out rc t0 ms
    t0=$(now_ms)
    out=$(client "$s" "$st" "$@" 2>&1); rc=$?
    ms=$(($(now_ms) - t0))
    LAST_OUT=$out
    if [ "$rc" -eq "$want" ] && { [ -z "${GREP:-}" ] || grep -q -- "$GREP" <<<"$out"; } &&
        { [ -z "${WITHIN:-}" ] || [ "$ms" -lt $((WITHIN * 1000 * ${OTA_TIME_FACTOR:-1})) ]; }; then
        pass "$name"
    else
        failed "$name" "exit $rc after $ms ms (wanted $want${GREP:+, output matching '$GREP'}${WITHIN:+, within $WITHIN s}): $(tail -2 <<<"$out")"
    fi
    GREP= WITHIN=
}
empty_dir() { [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; }
ts_version() { client "$1" "$2" refresh 2>/dev/null | sed -n 's/.*timestamp v\([0-9]*\).*/\1/p'; }

# ---- arbitrary software / endless data on targets ------------------------------
GREP=E_HASH expect 4 "arbitrary target: served bytes differ from the signed hash -> exit 4" \
    arbitrary-target stage1 fetch "$FW" -o "$TMP/out/arb"
check "arbitrary target: nothing left in the output directory" empty_dir "$TMP/out/arb"
GREP=E_LENGTH expect 4 "endless data: target longer than its signed length -> exit 4" \
    endless-target stage1 fetch "$FW" -o "$TMP/out/endless"
check "endless data: nothing left in the output directory" empty_dir "$TMP/out/endless"

# ---- rollback of each role ---------------------------------------------------------
for role in timestamp snapshot targets; do
    expect 0 "rollback-$role: stage 1 (newer) accepted" rollback-$role stage1 refresh
    GREP=E_ROLLBACK expect 4 "rollback-$role: older $role refused -> exit 4" rollback-$role stage2 refresh
done
check "rollback-timestamp: the trusted timestamp is still version 2" \
    grep -q '"version": 2' "$TMP/md/rollback-timestamp/timestamp.json"
GREP=E_ROLLBACK expect 4 "rollback-root: N+1.root.json holding an older root refused -> exit 4" \
    rollback-root stage1 refresh

# ---- indefinite freeze ---------------------------------------------------------------
for role in root timestamp snapshot targets; do
    GREP=E_EXPIRED expect 5 "freeze: expired $role -> exit 5" freeze-$role stage1 refresh
done
expect 0 "freeze (faketime): valid now" freeze-faketime stage1 refresh
if command -v faketime >/dev/null; then
    out=$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 faketime -f '+3d' "$C" --metadata-dir "$TMP/md/freeze-faketime" \
          --metadata-url "$BASE/freeze-faketime/stage1/metadata/" refresh 2>&1); rc=$?
    if [ "$rc" -eq 5 ]; then pass "freeze (faketime +3d): the same timestamp is now expired -> exit 5"
    else failed "freeze (faketime +3d): the same timestamp is now expired -> exit 5" "exit $rc: $out"; fi
else
    failed "faketime is installed (make deps)"
fi

# ---- endless data / slow retrieval on metadata ------------------------------------------
GREP=E_LENGTH expect 4 "endless data: endless timestamp.json stopped at the ceiling -> exit 4" \
    endless-timestamp stage1 refresh
GREP=E_LENGTH expect 4 "endless data: snapshot longer than the timestamp's length -> exit 4" \
    endless-snapshot stage1 refresh
# the speed floor (under 100 B/s for 2 s), not the 30 s overall timeout, ends it
GREP="Operation too slow" WITHIN=10 expect 3 \
    "slow retrieval: timestamp dripped at 1 byte/s cut off by the speed floor within 10 s -> exit 3" \
    slow-timestamp stage1 refresh

# ---- mix-and-match ---------------------------------------------------------------------
GREP=E_HASH expect 4 "mix-and-match: targets.json not the one the snapshot hashes -> exit 4" \
    mix-and-match stage1 refresh
GREP=E_HASH expect 4 "mix-and-match: snapshot.json not the one the timestamp hashes -> exit 4" \
    mix-and-match-snapshot stage1 refresh
GREP=E_VERSION expect 4 "mix-and-match: snapshot version not the timestamp's -> exit 4" \
    mix-and-match-version stage1 refresh

# ---- fast-forward recovery ---------------------------------------------------------------
expect 0 "fast-forward: compromised timestamp key pushes version 1000 (accepted)" \
    fast-forward-recovery stage1 refresh
check "fast-forward: trusted timestamp is version 1000" test "$(ts_version fast-forward-recovery stage1)" = 1000
expect 0 "fast-forward recovery: root v2 rotates the timestamp key, timestamp v2 accepted" \
    fast-forward-recovery stage2 refresh
check "fast-forward recovery: trusted timestamp is now version 2" \
    test "$(ts_version fast-forward-recovery stage2)" = 2
expect 0 "fast-forward (snapshot): compromised keys push snapshot 500" fast-forward-snapshot stage1 refresh
expect 0 "fast-forward recovery (snapshot): rotated keys, snapshot v2 accepted" \
    fast-forward-snapshot stage2 fetch "$FW" -o "$TMP/out/ffs"

# ---- key compromise below threshold, duplicate signatures, tampering ------------------------
GREP=E_SIGNATURE expect 4 "key compromise below threshold: targets signed by 1 of 2 -> exit 4" \
    below-threshold stage1 list
GREP=E_FORMAT expect 4 "duplicate signatures: a key id twice in signatures is malformed -> exit 4" \
    duplicate-signatures stage1 refresh
GREP=E_SIGNATURE expect 4 "one key under two key ids, signing under both, does not make 2 of 2 -> exit 4" \
    same-key-two-keyids stage1 refresh
GREP=E_SIGNATURE expect 4 "tampered targets.json (hashes consistent, signature not) -> exit 4" \
    tampered-targets stage1 refresh

# ---- wrong root chain ----------------------------------------------------------------------
GREP=E_SIGNATURE expect 4 "root chain: 2.root.json not signed by the old root -> exit 4" \
    root-chain-unsigned-by-old stage1 refresh
GREP=E_SIGNATURE expect 4 "root chain: 2.root.json below its own new threshold -> exit 4" \
    root-chain-below-new-threshold stage1 refresh
GREP=E_VERSION expect 4 "root chain: 2.root.json holding version 3 -> exit 4" \
    root-chain-version-gap stage1 refresh
check "root chain: the trusted root is still version 1 after each refusal" \
    grep -q '"version": 1' "$TMP/md/root-chain-unsigned-by-old/root.json" "$TMP/md/root-chain-version-gap/root.json"
GREP="root v3" expect 0 "root rotation 1 -> 2 -> 3 (every key rotated) followed" \
    root-rotation stage1 refresh
expect 0 "root rotation: targets signed by the rotated targets key fetched" \
    root-rotation stage1 fetch "$FW" -o "$TMP/out/rot"

# ---- invalid JSON ------------------------------------------------------------------------------
GREP=E_JSON expect 4 "invalid JSON: truncated timestamp.json -> exit 4" invalid-json stage1 refresh
GREP=E_JSON expect 4 "invalid JSON: duplicate key in snapshot (valid signature on the last value) -> exit 4" \
    duplicate-key stage1 refresh

# ---- delegations: priority, terminating, '*' vs '/', hash prefixes ------------------------------
D=$TMP/out/deleg
expect 0 "delegation: apps/x.bin found" delegation stage1 fetch apps/x.bin -o "$D"
check "delegation priority: apps/x.bin is apps-a's (listed first), not apps-b's" \
    grep -q 'x from apps-a' "$D/apps%2Fx.bin"
expect 0 "delegation (non-terminating): apps/y.bin found in apps-b after apps-a" \
    delegation stage1 fetch apps/y.bin -o "$D"
GREP=E_NOT_FOUND expect 6 "delegation: 'apps/*' does not cover apps/sub/z.bin -> exit 6" \
    delegation stage1 fetch apps/sub/z.bin -o "$D"
expect 0 "delegation by path_hash_prefixes: tools/diag.txt found" delegation stage1 fetch tools/diag.txt -o "$D"
rm -f "$D/apps%2Fy.bin"
GREP=E_NOT_FOUND expect 6 "delegation (terminating apps-a): apps/y.bin no longer found -> exit 6" \
    delegation stage2 fetch apps/y.bin -o "$D"
check "delegation (terminating): nothing written for apps/y.bin" test ! -e "$D/apps%2Fy.bin"

# ---- a server error is a network failure ---------------------------------------------------------
GREP=E_NETWORK expect 3 "HTTP 500 for timestamp.json -> exit 3" server-error stage1 refresh

finish
