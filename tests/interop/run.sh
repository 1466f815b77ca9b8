#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interoperability suite: our C TUF code (through build/tests/tuftool) against
# tuf-js / @tufjs/models / @tufjs/canonical-json, an independent
# implementation. `make interop` runs it.
#
#   BUILD=build tests/interop/run.sh
#
# Needs node and tests/interop/node_modules (`make deps-node`: npm ci from the
# committed lock). Prints one `ok - NAME` / `not ok - NAME` line per check
# (diagnostics as `# ...` lines), then `N passed, N failed`; exits 1 if any
# check failed.
#
#   a. committed canonical vectors == what @tufjs/canonical-json produces now
#   b. tuftool canon reproduces every vector byte for byte, refuses the
#      invalid inputs
#   c. tuf-js -> ours: a repository made with @tufjs/models verifies with
#      tuftool (every role, a delegation by paths and one by hash prefixes,
#      root rotation); wrong role, wrong keys, one key counted twice, below
#      threshold are refused
#   d. each tuf-js file tampered inside "signed" is refused by tuftool
#   e. ours -> tuf-js: keys made and metadata signed by tuftool verify with
#      @tufjs/models, and tuf-js' client (Updater) accepts the repository and
#      downloads its targets; below threshold / tampered is refused
#   f. tuftool signs with key files made by node (PKCS#8 / seed from node)

set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1

BUILD=${BUILD:-build}
case $BUILD in
  /*) TUFTOOL=$BUILD/tests/tuftool ;;
  *) TUFTOOL=$ROOT/$BUILD/tests/tuftool ;;
esac
VECTORS=$ROOT/formats/vectors

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ota-interop.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

PASSED=0
FAILED=0
LOG=$TMP/check.log

ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }

not_ok() {
  FAILED=$((FAILED + 1))
  echo "not ok - $1"
  if [ -s "$LOG" ]; then head -n 20 "$LOG" | sed 's/^/#   /'; fi
}

# check NAME CMD...: passes when CMD exits 0.
check() {
  local name=$1; shift
  if "$@" >"$LOG" 2>&1; then ok "$name"; else not_ok "$name"; fi
}

# refuse NAME CMD...: passes when CMD exits with a failure status (1..125),
# not 0 and not a crash (signal) or a missing program (126/127).
refuse() {
  local name=$1; shift
  "$@" >"$LOG" 2>&1
  local rc=$?
  if [ "$rc" -ge 1 ] && [ "$rc" -le 125 ]; then
    ok "$name"
  else
    echo "exit status $rc" >>"$LOG"
    not_ok "$name"
  fi
}

# refuse_tampered NAME IN OUT MODE CMD...: writes OUT = IN changed by
# `tamper.js MODE`, then passes when CMD (which should read OUT) fails. A
# tamper step that fails is a failed check, never a vacuous pass.
refuse_tampered() {
  local name=$1 in=$2 out=$3 mode=$4; shift 4
  if ! node_js tamper.js "$in" "$out" "$mode" >"$LOG" 2>&1; then
    not_ok "$name"
    return
  fi
  refuse "$name" "$@"
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit
}

node_js() { node "$HERE/$1" "${@:2}"; }

# tuftool canon IN must print exactly the bytes of WANT.
canon_matches() {
  "$TUFTOOL" canon "$1" >"$TMP/canon.out" || return 1
  cmp "$TMP/canon.out" "$2"
}

# tuftool verify must accept (exit 0) and say so: its output starts with
# "ok" (details may follow, e.g. "ok (2 valid signatures)").
tuftool_verify() {
  local out
  out=$("$TUFTOOL" verify "$@") || return 1
  case $out in
    ok | "ok "*) return 0 ;;
    *) echo "tuftool verify exited 0 but printed: $out"; return 1 ;;
  esac
}

# tuftool sign KEY IN OUT, and OUT must have been written.
tuftool_sign() {
  rm -f "$3"
  "$TUFTOOL" sign "$1" "$2" "$3" || return 1
  [ -s "$3" ] || { echo "tuftool sign did not write $3"; return 1; }
}

# tuftool keygen TYPE OUT, and OUT must have been written.
tuftool_keygen() {
  rm -f "$2"
  "$TUFTOOL" keygen "$1" "$2" || return 1
  [ -s "$2" ] || { echo "tuftool keygen did not write $2"; return 1; }
}

# ---- prerequisites -----------------------------------------------------------
if ! command -v node >/dev/null || [ ! -d "$HERE/node_modules/@tufjs/models" ]; then
  echo "node or tests/interop/node_modules missing: run 'make deps-node'" >"$LOG"
  not_ok "node and the pinned npm packages are installed"
  finish
fi

HAVE_TOOL=1
if [ ! -x "$TUFTOOL" ]; then
  echo "$TUFTOOL not found: run 'make' (BUILD=$BUILD)" >"$LOG"
  not_ok "tuftool is built"
  HAVE_TOOL=0
fi

# ---- a. committed canonical vectors are what the independent encoder makes --
check "canonical vectors regenerate with @tufjs/canonical-json" \
  node_js gen-canonical-vectors.js "$TMP/canon-gen"
check "committed formats/vectors/canonical is identical to a fresh generation" \
  diff -r -x README.md "$VECTORS/canonical" "$TMP/canon-gen"

# ---- b. our canonical encoder --------------------------------------------------
if [ "$HAVE_TOOL" = 1 ]; then
  for want in "$VECTORS"/canonical/*.canon; do
    name=$(basename "$want" .canon)
    check "tuftool canon $name" canon_matches "$VECTORS/canonical/$name.in.json" "$want"
  done
  for bad in "$VECTORS"/canonical-invalid/*.json; do
    refuse "tuftool canon refuses $(basename "$bad" .json)" "$TUFTOOL" canon "$bad"
  done
fi

# ---- c. tuf-js -> ours ---------------------------------------------------------
R=$TMP/tufjs
check "tufjs-make-repo.js builds a repository" node_js tufjs-make-repo.js "$R"
check "sanity: tuf-js' own client accepts the tuf-js repository" \
  node_js tufjs-client.js "$R" firmware/gw-100/1.4.2.bundle product-x/app-2.0.0.bundle tools/diag-1.0.txt

if [ "$HAVE_TOOL" = 1 ]; then
  for role in root timestamp snapshot targets; do
    check "tuftool verify tuf-js $role.json" tuftool_verify "$R/root.json" "$role" "$R/$role.json"
  done
  check "tuftool verify tuf-js product-x.json (delegated by paths)" \
    tuftool_verify "$R/targets.json" product-x "$R/product-x.json"
  check "tuftool verify tuf-js hashed-bin.json (path_hash_prefixes, keytype ecdsa-sha2-nistp256)" \
    tuftool_verify "$R/targets.json" hashed-bin "$R/hashed-bin.json"
  check "tuftool verify tuf-js 2.root.json against 1.root.json (rotation)" \
    tuftool_verify "$R/1.root.json" root "$R/2.root.json"
  check "tuftool verify tuf-js 2.root.json against itself" \
    tuftool_verify "$R/2.root.json" root "$R/2.root.json"
  refuse "tuftool verify refuses 1.root.json under 2.root.json's keys" \
    "$TUFTOOL" verify "$R/2.root.json" root "$R/1.root.json"
  refuse "tuftool verify refuses timestamp.json as snapshot (wrong _type)" \
    "$TUFTOOL" verify "$R/root.json" snapshot "$R/timestamp.json"
  refuse "tuftool verify refuses product-x.json as targets (wrong keys)" \
    "$TUFTOOL" verify "$R/root.json" targets "$R/product-x.json"
  refuse "tuftool verify refuses product-x.json as hashed-bin (wrong keys)" \
    "$TUFTOOL" verify "$R/targets.json" hashed-bin "$R/product-x.json"
  refuse_tampered "tuftool verify refuses root signed by 1 of threshold 2" \
    "$R/root.json" "$TMP/root-one-sig.json" drop-first \
    "$TUFTOOL" verify "$R/root.json" root "$TMP/root-one-sig.json"
  refuse_tampered "tuftool verify refuses root with one key's signature twice (threshold 2)" \
    "$R/root.json" "$TMP/root-dup-sig.json" dup-first \
    "$TUFTOOL" verify "$R/root.json" root "$TMP/root-dup-sig.json"
fi

# ---- d. tampered tuf-js files --------------------------------------------------
T=$TMP/tampered
mkdir -p "$T"
tamper_case() { # NAME DELEGATOR ROLE FILE MODE
  local name=$1 delegator=$2 role=$3 file=$4 mode=$5
  refuse_tampered "tuftool verify refuses tampered $name" "$file" "$T/$name.json" "$mode" \
    "$TUFTOOL" verify "$delegator" "$role" "$T/$name.json"
}
if [ "$HAVE_TOOL" = 1 ]; then
  for role in root timestamp snapshot targets; do
    tamper_case "$role-version" "$R/root.json" "$role" "$R/$role.json" version
  done
  tamper_case timestamp-expires "$R/root.json" timestamp "$R/timestamp.json" expires
  tamper_case targets-custom "$R/root.json" targets "$R/targets.json" custom
  tamper_case product-x-version "$R/targets.json" product-x "$R/product-x.json" version
  tamper_case hashed-bin-custom "$R/targets.json" hashed-bin "$R/hashed-bin.json" custom
  tamper_case 2.root-version "$R/1.root.json" root "$R/2.root.json" version
  tamper_case 2.root-expires "$R/2.root.json" root "$R/2.root.json" expires
fi
refuse_tampered "sanity: tufjs-verify refuses tampered targets too" \
  "$R/targets.json" "$T/sanity-targets.json" custom \
  node_js tufjs-verify.js "$R/root.json" targets "$T/sanity-targets.json"

# ---- e. ours -> tuf-js -----------------------------------------------------------
K=$TMP/keys
U=$TMP/unsigned
S=$TMP/signed
if [ "$HAVE_TOOL" = 1 ]; then
  mkdir -p "$K" "$S"
  keys_ok=1
  for spec in root-ed25519:ed25519 root-ecdsa:ecdsa targets:ed25519 snapshot:ecdsa \
              timestamp:ed25519 product-x:ecdsa; do
    name=${spec%%:*} type=${spec#*:}
    tuftool_keygen "$type" "$K/$name.json" >"$LOG" 2>&1 || { keys_ok=0; break; }
  done
  if [ "$keys_ok" = 1 ]; then ok "tuftool keygen ed25519 and ecdsa keys"; else not_ok "tuftool keygen ed25519 and ecdsa keys"; fi
fi
if [ "$HAVE_TOOL" = 1 ] && [ "$keys_ok" = 1 ]; then
  check "tufjs-build-unsigned.js accepts tuftool keys (keyids = sha256 of canonical key)" \
    node_js tufjs-build-unsigned.js "$K" "$U"
  cp -r "$U/targets" "$S/targets" 2>/dev/null

  sign_ok=1
  : >"$LOG"
  tuftool_sign "$K/root-ed25519.json" "$U/root.json" "$TMP/root-half.json" >>"$LOG" 2>&1 &&
    tuftool_sign "$K/root-ecdsa.json" "$TMP/root-half.json" "$S/root.json" >>"$LOG" 2>&1 || sign_ok=0
  for role in timestamp snapshot targets product-x; do
    tuftool_sign "$K/$role.json" "$U/$role.json" "$S/$role.json" >>"$LOG" 2>&1 || sign_ok=0
  done
  if [ "$sign_ok" = 1 ]; then ok "tuftool sign every role (root by both root keys)"; else not_ok "tuftool sign every role (root by both root keys)"; fi

  for role in root timestamp snapshot targets; do
    check "tufjs-verify $role.json signed by tuftool" \
      node_js tufjs-verify.js "$S/root.json" "$role" "$S/$role.json"
  done
  check "tufjs-verify product-x.json signed by tuftool (delegated)" \
    node_js tufjs-verify.js "$S/targets.json" product-x "$S/product-x.json"
  check "tuf-js client (Updater) refreshes from the tuftool-signed repository and downloads targets" \
    node_js tufjs-client.js "$S" firmware/gw-100/2.0.0.bundle product-x/app-1.0.0.bundle
  if [ -s "$TMP/root-half.json" ]; then
    refuse "tufjs-verify refuses root signed by only one of two root keys" \
      node_js tufjs-verify.js "$TMP/root-half.json" root "$TMP/root-half.json"
  else
    echo "tuftool sign did not write root-half.json" >"$LOG"
    not_ok "tufjs-verify refuses root signed by only one of two root keys"
  fi
  check "tuftool sign again with the same key replaces its signature" \
    tuftool_sign "$K/root-ed25519.json" "$S/root.json" "$TMP/root-resigned.json"
  check "tufjs-verify accepts the re-signed root (one signature per keyid)" \
    node_js tufjs-verify.js "$S/root.json" root "$TMP/root-resigned.json"
  for role in root targets; do
    refuse_tampered "tufjs-verify refuses tampered tuftool-signed $role.json" \
      "$S/$role.json" "$T/ours-$role.json" version \
      node_js tufjs-verify.js "$S/root.json" "$role" "$T/ours-$role.json"
  done
  refuse_tampered "tufjs-verify refuses tampered tuftool-signed product-x.json" \
    "$S/product-x.json" "$T/ours-product-x.json" version \
    node_js tufjs-verify.js "$S/targets.json" product-x "$T/ours-product-x.json"
fi

# ---- f. tuftool signs with keys made by node -----------------------------------------
if [ "$HAVE_TOOL" = 1 ]; then
  strip_sigs() { node -e '
    const fs = require("fs");
    const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    d.signatures = [];
    fs.writeFileSync(process.argv[2], JSON.stringify(d));' "$1" "$2"; }
  strip_sigs "$R/root.json" "$TMP/node-root-unsigned.json"
  strip_sigs "$R/targets.json" "$TMP/node-targets-unsigned.json"
  : >"$LOG"
  tuftool_sign "$R/keys/root-ed25519.json" "$TMP/node-root-unsigned.json" "$TMP/node-root-1.json" >>"$LOG" 2>&1 &&
    tuftool_sign "$R/keys/root-ecdsa.json" "$TMP/node-root-1.json" "$TMP/node-root.json" >>"$LOG" 2>&1 &&
    tuftool_sign "$R/keys/targets.json" "$TMP/node-targets-unsigned.json" "$TMP/node-targets.json" >>"$LOG" 2>&1
  if [ $? = 0 ]; then ok "tuftool sign with node-made ed25519 seed and ecdsa PKCS#8 keys"; else not_ok "tuftool sign with node-made ed25519 seed and ecdsa PKCS#8 keys"; fi
  check "tufjs-verify root re-signed by tuftool with node-made keys" \
    node_js tufjs-verify.js "$R/root.json" root "$TMP/node-root.json"
  check "tufjs-verify targets re-signed by tuftool with a node-made key" \
    node_js tufjs-verify.js "$R/root.json" targets "$TMP/node-targets.json"
fi

finish
