#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The device side without OpenSSL (make NO_OPENSSL=1, docs/porting.md):
# built into build-nossl/ here, it does not link libcrypto, verifies and
# fetches from an Ed25519 repository served by a real ota-server, and
# refuses one whose targets role is signed only by an ECDSA key with a
# message that names the build — which the normal ota-client accepts.
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
N=$ROOT/build-nossl/ota-client
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-nossl.XXXXXX")
cleanup() { kill_servers; rm -rf "$T"; }
trap cleanup EXIT

if [ -n "${OTA_SANITIZED:-}" ]; then
    skip "the NO_OPENSSL build" "sanitizer run: the plain build's suite builds it"
    finish; exit
fi
if out=$(make -C "$ROOT" --no-print-directory -j2 NO_OPENSSL=1 WERROR=1 BUILD=build-nossl "build-nossl/ota-client" 2>&1); then
    pass "make NO_OPENSSL=1 builds ota-client"
else
    failed "make NO_OPENSSL=1 builds ota-client" "$(tail -5 <<<"$out")"; finish; exit 1
fi
check "it does not link libcrypto" bash -c "! readelf -d '$N' | grep -q 'NEEDED.*libcrypto'"
check "no OpenSSL symbol in it" bash -c "! nm -u '$N' | grep -qE ' (EVP|OPENSSL|ERR|BIO|PEM)_'"

# an Ed25519 repository (the example keys) with one target
mkdir -p "$T/keys"
cp "$ROOT"/keys-example/*.key "$ROOT"/keys-example/*.pub "$T/keys/" && chmod 600 "$T"/keys/*.key
"$S" init -r "$T/ed" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null
head -c 100000 /dev/urandom >"$T/fw.bin"
"$S" add -r "$T/ed" -k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key" \
    --path fw.bin "$T/fw.bin" >/dev/null
# the same with an ECDSA P-256 targets key
OTA_SIGN_PASSPHRASE=x "$S" keygen -o "$T/keys/ec-targets" --type ecdsa-p256 --unencrypted >/dev/null 2>&1
"$S" init -r "$T/ec" --root-key "$T/keys/root.key" --targets-key "$T/keys/ec-targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null
"$S" add -r "$T/ec" -k "$T/keys/ec-targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key" \
    --path fw.bin "$T/fw.bin" >/dev/null
start_server "$T/ed.log" --root "$T/ed" || { failed "ota-server starts"; finish; exit 1; }
UED=$U
start_server "$T/ec.log" --root "$T/ec" || { failed "ota-server starts"; finish; exit 1; }
UEC=$U

cl() { local c=$1 repo=$2 md=$3; shift 3
       mkdir -p "$md"
       [ -f "$md/root.json" ] || "$c" --metadata-dir "$md" init --root "$T/$repo/metadata/1.root.json" >/dev/null
       local u=$UED; [ "$repo" = ec ] && u=$UEC
       "$c" --metadata-dir "$md" --metadata-url "$u/metadata/" "$@"; }
expect_rc 0 "Ed25519 repository: refresh" cl "$N" ed "$T/md-ed" refresh
expect_rc 0 "… fetch fw.bin, verified" cl "$N" ed "$T/md-ed" fetch fw.bin -o "$T/out"
check "… the bytes are the target's" cmp -s "$T/fw.bin" "$T/out/fw.bin"

out=$(cl "$N" ec "$T/md-ec" refresh 2>&1) && rc=0 || rc=$?
check "ECDSA-signed targets: refused (exit $rc)" test "$rc" -eq 4
if grep -q "without OpenSSL" <<<"$out"; then pass "… the message names the build"
else failed "… the message names the build" "$out"; fi
expect_rc 0 "the normal ota-client accepts that repository" cl "$BUILD/ota-client" ec "$T/md-ec2" refresh
finish
