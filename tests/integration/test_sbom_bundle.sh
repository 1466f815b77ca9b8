#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bundle format 3: the package list (SBOM) inside a bundle, end to end
# (formats/BUNDLE.md "SBOM component", formats/SBOM.md "In a bundle").
#
# ota-sign bundle --sbom FILE|auto with the vectors of formats/vectors/sbom
# (the list in the bundle is the vector's expected list, byte for byte),
# hostile SBOM files refused with a clear message and nothing written,
# inspect (human, --json, --sbom), verify-bundle, the TUF target's
# custom.ota_bundle.sbom, an install of a format-3 bundle (tree and image:
# the slots exact, the list written nowhere), and a tampered list chunk
# refused by inspect, verify-bundle and the client install.
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
C=${OTA_CLIENT:-$BUILD/ota-client}
V=$ROOT/formats/vectors/sbom
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-sbom.XXXXXX")
cleanup() { kill_servers; rm -rf "$T"; }
trap cleanup EXIT
source "$(dirname "$0")/device.sh"

# the list a bundle carries, as `inspect --sbom` prints it, against a vector
# (printed with a final newline; the vectors have none)
same_list() { { cat "$2"; echo; } | cmp -s - <("$S" inspect --sbom "$1"); }
# a member of `inspect --json`, by a python expression on d
ij() { "$S" inspect --json "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

mkdir -p "$T/in"
echo "kernel image" >"$T/in/kernel.img"
head -c 150000 /dev/urandom >>"$T/in/kernel.img"
B=("$S" bundle --name fw --version 1.0.0 --hardware gw-1 --chunk-size 64k --quiet
   --component image:kernel="$T/in/kernel.img")

# ---- 1. --sbom FILE: SPDX and CycloneDX -------------------------------------------------
for doc in spdx-2.3 cyclonedx-1.5; do
    out=$("${B[@]}" --sbom "$V/$doc.json" -o "$T/$doc.otab" 2>&1)
    rc=$?
    check "--sbom $doc.json: built (exit $rc)" test "$rc" -eq 0
    check "--sbom $doc.json: warns that devices need an agent reading format 3" \
        grep -q "warning: .*format 3.*devices need an agent that reads format 3" <<<"$out"
    check "--sbom $doc.json: the bundle's list is the vector's list, byte for byte" \
        same_list "$T/$doc.otab" "$V/$doc.list.json"
    check "--sbom $doc.json: inspect --json: format 3, sbom source $doc" \
        test "$(ij "$T/$doc.otab" 'd["format"], d["sbom"]["source"]')" = "3 $doc"
    n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$V/$doc.list.json")
    check "--sbom $doc.json: inspect shows the source and $n packages" \
        sh -c "'$S' inspect '$T/$doc.otab' | grep -q '^sbom  *$doc, $n packages, sha256 '"
    check "--sbom $doc.json: verify-bundle checks and decodes it" \
        sh -c "'$S' verify-bundle '$T/$doc.otab' | grep -q 'sbom   $doc, $n packages'"
done
# the same bundle without --sbom: format 1 and no list
expect_rc 0 "without --sbom: built" "${B[@]}" -o "$T/plain.otab"
check "without --sbom: format 1, no sbom member" test "$(ij "$T/plain.otab" 'd["format"], "sbom" in d')" = "1 False"
expect_rc 6 "inspect --sbom of a bundle without a list: exit 6" "$S" inspect --sbom "$T/plain.otab"
check "... saying there is none" sh -c "'$S' inspect --sbom '$T/plain.otab' 2>&1 | grep -q 'carries no package list'"
expect_rc 2 "inspect --sbom with --json: usage" "$S" inspect --sbom --json "$T/spdx-2.3.otab"

# ---- 2. --sbom auto: the rootfs tree's package database ---------------------------------
mkdir -p "$T/rootfs/etc"
cp -a "$V/rootfs-dpkg/." "$T/rootfs/"
echo "hello" >"$T/rootfs/etc/motd"
out=$("${B[@]}" --component rootfs:rootfs="$T/rootfs" --sbom auto -o "$T/auto.otab" 2>&1)
check "--sbom auto: built from rootfs (exit $?)" test -s "$T/auto.otab"
out=$("$S" bundle --name fw --version 1.0.0 --hardware gw-1 --component rootfs:rootfs="$T/rootfs" \
    --component image:kernel="$T/in/kernel.img" --sbom auto -o "$T/auto2.otab" 2>&1)
check "--sbom auto: says which status file it read" grep -q "sbom: dpkg-status, .* from .*var/lib/dpkg/status of rootfs:rootfs" <<<"$out"
check "--sbom auto: the list is the rootfs-dpkg vector's" same_list "$T/auto.otab" "$V/rootfs-dpkg.list.json"
mkdir -p "$T/bare"
echo x >"$T/bare/x"
expect_rc 6 "--sbom auto: a rootfs without a package database: exit 6" \
    "${B[@]}" --component rootfs:rootfs="$T/bare" --sbom auto -o "$T/bare.otab"
check "... naming the files it looked for, nothing written" \
    sh -c "'${B[0]}' bundle --name fw --version 1.0.0 --hardware gw-1 --component rootfs:r='$T/bare' --sbom auto -o '$T/bare.otab' 2>&1 | grep -q 'has no package database (var/lib/dpkg/status' && test ! -e '$T/bare.otab'"
expect_rc 2 "--sbom auto without a rootfs component: usage (exit 2)" \
    "${B[@]}" --sbom auto -o "$T/nor.otab"
# a status file reached through a link out of the tree: refused, not followed
mkdir -p "$T/linked/var/lib"
ln -s "$V/rootfs-dpkg/var/lib/dpkg" "$T/linked/var/lib/dpkg"
expect_rc 20 "--sbom auto: var/lib/dpkg a link out of the tree: refused (exit 20)" \
    "${B[@]}" --component tree:linked="$T/linked" --component rootfs:r2="$T/linked" --sbom auto -o "$T/linked.otab"
check "... nothing written" test ! -e "$T/linked.otab"

# ---- 3. hostile SBOM files: refused with a clear message, nothing written -----------------
H=$T/hostile
mkdir -p "$H"
printf '{"spdxVersion":"SPDX-2.3","packages":[' >"$H/truncated.json"
printf '{"spdxVersion":"SPDX-2.3","spdxVersion":"SPDX-2.3","packages":[]}' >"$H/dupkey.json"
printf '{"spdxVersion":"SPDX-2.1","packages":[]}' >"$H/spdx21.json"
printf '{"bomFormat":"CycloneDX","specVersion":"1.2","components":[]}' >"$H/cdx12.json"
printf '{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"a","name":"bad\\u0001name"}]}' >"$H/control.json"
printf '{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"a","name":42}]}' >"$H/wrongtype.json"
python3 -c 'import sys; sys.stdout.write("{\"a\":" * 100 + "1" + "}" * 100)' >"$H/deep.json"
python3 -c 'import sys; sys.stdout.write("{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"SPDXID\":\"a\",\"name\":\"" + "n" * 300 + "\"}]}")' >"$H/longname.json"
truncate -s 17M "$H/huge.json"
printf '[]' >"$H/array.json"
: >"$H/empty.json"
for f in truncated dupkey spdx21 cdx12 control wrongtype deep longname huge array empty; do
    rm -f "$T/h.otab"
    out=$("${B[@]}" --sbom "$H/$f.json" -o "$T/h.otab" 2>&1)
    rc=$?
    check "hostile SBOM ($f): refused, exit 20 (got $rc: $out)" \
        test "$rc" -eq 20 -a "$(grep -c "ota-sign: bundle: --sbom $H/$f.json: " <<<"$out")" -eq 1
    check "hostile SBOM ($f): no bundle, no temporary left" \
        sh -c "test ! -e '$T/h.otab' && ! ls -A '$T' | grep -q '^\.'"
done
expect_rc 6 "--sbom of a missing file: exit 6" "${B[@]}" --sbom "$H/nope.json" -o "$T/h.otab"
expect_rc 20 "--sbom of a directory: exit 20" "${B[@]}" --sbom "$H" -o "$T/h.otab"
expect_rc 2 "--sbom '': usage" "${B[@]}" --sbom "" -o "$T/h.otab"
check "--help names --sbom" sh -c "'$S' bundle --help | grep -q -- '--sbom FILE|auto'"
check "inspect --help names --sbom" sh -c "'$S' inspect --help | grep -q -- '--sbom'"

# ---- 4. published: the TUF target names the list -------------------------------------------
mkrepo || { failed "ota-sign init"; finish; exit 1; }
expect_rc 0 "add a format-3 bundle" "$S" add -r "$T/repo" "${KEYS[@]}" --path fw3.otab "$T/spdx-2.3.otab"
lsha=$(sha256sum <"$V/spdx-2.3.list.json" | cut -c1-64)
np=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$V/spdx-2.3.list.json")
got=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["signed"]["targets"]["fw3.otab"]["custom"]["ota_bundle"]; print(b["format"], b["sbom"]["source"], b["sbom"]["packages"], b["sbom"]["sha256"], sorted(b["sbom"]))' "$T/repo/metadata/targets.json")
check "custom.ota_bundle: format 3 and sbom {source, packages, sha256 of the list} ($got)" \
    test "$got" = "3 spdx-2.3 $np $lsha ['packages', 'sha256', 'source']"
expect_rc 0 "add a bundle without a list" "$S" add -r "$T/repo" "${KEYS[@]}" --path fw1.otab "$T/plain.otab"
check "custom.ota_bundle of a format-1 bundle: no sbom member" \
    python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["signed"]["targets"]["fw1.otab"]["custom"]["ota_bundle"]; sys.exit("sbom" in b or b["format"] != 1)' "$T/repo/metadata/targets.json"

expect_rc 0 "verify: the repository with a format-3 bundle is consistent" "$S" verify -r "$T/repo" -q
# a signed entry whose sbom does not describe the list (a signer's bug, a
# hand-made entry): staged, edited, signed, published; verify reports it
forge() { # forge NAME PYTHON-STATEMENT-ON-b
    local r=$T/forge-$1
    "$S" init -r "$r" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
        --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null &&
    { "$S" add -r "$r" --stage -k "$T/keys/targets.key" --path fw3.otab "$T/spdx-2.3.otab" >/dev/null 2>&1; [ $? -eq 17 ]; } &&
    python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); b=d["signed"]["targets"]["fw3.otab"]["custom"]["ota_bundle"]; '"$2"'; json.dump(d,open(p,"w"))' "$r/.ota/staged/targets.json" &&
    "$S" sign -r "$r" -k "$T/keys/targets.key" >/dev/null &&
    "$S" publish -r "$r" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key" >/dev/null
}
forge count 'b["sbom"]["packages"] += 1' || failed "forge: a wrong package count published"
expect_rc 4 "verify: a signed sbom with a wrong package count is a problem" "$S" verify -r "$T/forge-count" -q
check "... saying so" sh -c "'$S' verify -r '$T/forge-count' 2>&1 | grep -q 'custom.ota_bundle.sbom does not describe the bundle.s package list'"
forge sha 'b["sbom"]["sha256"] = "0" * 64' || failed "forge: a wrong list hash published"
expect_rc 4 "verify: a signed sbom with a wrong list hash is a problem" "$S" verify -r "$T/forge-sha" -q
forge unnamed 'del b["sbom"]' || failed "forge: an entry without sbom published"
expect_rc 4 "verify: a format-3 bundle whose entry does not name its list is a problem" "$S" verify -r "$T/forge-unnamed" -q
check "... saying so" sh -c "'$S' verify -r '$T/forge-unnamed' 2>&1 | grep -q 'carries a package list its entry does not name'"

# ---- 5. a tampered list chunk: inspect, verify-bundle refuse it ------------------------------
cp "$T/spdx-2.3.otab" "$T/tampered.otab"
len=$(stat -c %s "$T/tampered.otab")
# the list is the last component: its stored bytes end the file
printf '\x00' | dd of="$T/tampered.otab" bs=1 seek=$((len - 3)) conv=notrunc 2>/dev/null
expect_rc 4 "tampered list chunk: inspect exit 4" "$S" inspect "$T/tampered.otab"
check "... saying the list does not match the head" \
    sh -c "'$S' inspect '$T/tampered.otab' 2>&1 | grep -q 'package list: a chunk of the package list does not match'"
expect_rc 4 "tampered list chunk: inspect --sbom exit 4" "$S" inspect --sbom "$T/tampered.otab"
expect_rc 4 "tampered list chunk: verify-bundle exit 4" "$S" verify-bundle "$T/tampered.otab"
expect_rc 4 "tampered list chunk: add refuses to publish it" \
    "$S" add -r "$T/repo" "${KEYS[@]}" --path bad.otab "$T/tampered.otab"

# ---- 6. installing a format-3 bundle (tree and image) -----------------------------------------
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }
mkrel 1.0.0 gw-1 --sbom "$V/cyclonedx-1.5.json" || failed "release 1.0.0 (format 3) published"
check "the published release is format 3" \
    python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["signed"]["targets"]["gw-fw.otab"]["custom"]["ota_bundle"]; sys.exit(b["format"] != 3 or b["sbom"]["source"] != "cyclonedx-1.5")' "$T/repo/metadata/targets.json"
mkdevice dev1 symlink
# first a tampered list chunk in the served file: the install stops at it
h=$(sha256sum "$T/gw-fw-1.0.0.otab" | cut -c1-64)
f=$T/repo/targets/$h.gw-fw.otab
cp "$f" "$T/saved.otab"
len=$(stat -c %s "$f")
printf '\x00' | dd of="$f" bs=1 seek=$((len - 3)) conv=notrunc 2>/dev/null
expect_rc 4 "client: a tampered list chunk fails the install (exit 4)" "${OC[@]}" install gw-fw.otab
check "client: ... on a hash mismatch, the link still on slot A" \
    sh -c "$(printf '%q ' "${OC[@]}") status | grep -qi 'hash' && test \"\$(readlink '$DEV/current')\" = '$DEV/slot-a'"
cp "$T/saved.otab" "$f"
expect_rc 0 "client: installs the format-3 bundle" "${OC[@]}" install gw-fw.otab
check "client: slot B holds exactly the tree" same_tree "$T/src/1.0.0/rootfs" "$DEV/slot-b"
check "client: the raw kernel slot B holds exactly the image" cmp -s "$T/src/1.0.0/kernel.img" "$DEV/kernel-b.img"
check "client: the list was written nowhere (no sbom file in the slots or the state)" \
    sh -c "! find '$DEV' -name 'sbom*' | grep -q . && ! grep -rlq 'cyclonedx-1.5' '$DEV/slot-b' '$DEV/kernel-b.img'"
check "client: state installed, switched to B" \
    test "$(state_of state)/$(readlink "$DEV/current")" = "installed/$DEV/slot-b"
# an agent that reads only formats 1 and 2 refuses it before downloading:
# that agent is gone from this tree; its check is ota_bundle_custom_head's
# format bound (tests/unit/test_install.c "a bundle format from a later release")

finish
