#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ota-sign bundle / inspect / verify-bundle as real processes: help, exit
# codes, reproducibility, refused inputs, corrupted bundles, extraction,
# the committed vectors, an independent reader, and bounded memory.
source "$(dirname "$0")/lib.sh"
S="$BUILD/ota-sign"
V="$ROOT/formats/vectors/bundle"
T=$(mktemp -d /tmp/ota-bundle-it.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

# ---- inputs ------------------------------------------------------------------
mkdir -p tree/etc tree/usr/bin tree/var/empty
echo "gateway 3.0.0" > tree/etc/version
seq 1 100000 > tree/etc/numbers
head -c 700000 /dev/urandom > tree/usr/bin/app
chmod 755 tree/usr/bin/app
ln -s ../etc/version tree/usr/version
printf 'n\xc3\xa9' > "tree/etc/caf$(printf '\xc3\xa9')"
head -c 300000 /dev/urandom > kernel.img
head -c 400000 /dev/zero >> kernel.img
printf '#!/bin/sh\necho pre-install\n' > pre.sh
BASE=(--name acme-gw --version 3.0.0 --hardware acme-r1 --hardware acme-r2 -q)

# ---- help and usage ----------------------------------------------------------
for c in bundle inspect verify-bundle; do
    out=$("$S" "$c" --help 2>&1); rc=$?
    check "$c --help exits 0 and shows usage" test "$rc" -eq 0 -a -n "$(echo "$out" | grep -m1 "^usage: ota-sign $c")"
done
check "ota-sign --help lists the bundle commands" \
    bash -c "'$S' --help | grep -q verify-bundle && '$S' --help | grep -q inspect"
expect_rc 2 "bundle without arguments: usage" "$S" bundle
expect_rc 2 "bundle: missing --name" "$S" bundle --version 1.0.0 --hardware a -c tree:r=tree -o x.otab
expect_rc 2 "bundle: version is not semver" "$S" bundle --name n --version 1.0 --hardware a -c tree:r=tree -o x.otab
expect_rc 2 "bundle: bad component spec" "$S" bundle "${BASE[@]}" -c dir:r=tree -o x.otab
expect_rc 2 "bundle: bad component name" "$S" bundle "${BASE[@]}" -c tree:../r=tree -o x.otab
expect_rc 2 "bundle: bad hardware id" "$S" bundle --name n --version 1.0.0 --hardware "a b" -c tree:r=tree -o x.otab
# one id and version rule for bundles, reports and the release policy (formats/BUNDLE.md)
out=$("$S" bundle --name n --version 1.0.0 --hardware gw+2 -c tree:r=tree -o x.otab 2>&1); rc=$?
check "bundle: hardware id 'gw+2' refused (exit 2), the message names it and the rule" \
    bash -c "[ $rc -eq 2 ] && grep -q \"\--hardware 'gw+2' is not an id (1-128 bytes of\" <<<\"\$1\"" _ "$out"
expect_rc 2 "bundle: a 129-byte name is refused" \
    "$S" bundle --name "n$(printf 'x%.0s' $(seq 128))" --version 1.0.0 --hardware a -c tree:r=tree -o x.otab
expect_rc 2 "bundle: a 65-byte version is refused" \
    "$S" bundle --name n --version "1.0.0-$(printf 'a%.0s' $(seq 59))" --hardware a -c tree:r=tree -o x.otab
expect_rc 2 "bundle: chunk size not a power of two" "$S" bundle "${BASE[@]}" --chunk-size 100k -c tree:r=tree -o x.otab
expect_rc 2 "bundle: unknown option" "$S" bundle "${BASE[@]}" --frobnicate -c tree:r=tree -o x.otab
expect_rc 2 "bundle: --created not a time" "$S" bundle "${BASE[@]}" --created yesterday -c tree:r=tree -o x.otab
expect_rc 2 "bundle: same component twice" "$S" bundle "${BASE[@]}" -c tree:r=tree -c image:r=kernel.img -o x.otab
expect_rc 2 "inspect without FILE" "$S" inspect
expect_rc 2 "verify-bundle: --head-sha256 without --head-length" "$S" verify-bundle --head-sha256 "$(printf '%064d' 0)" x
check "no partial output after usage errors" test ! -e x.otab

# ---- build, inspect, verify --------------------------------------------------
expect_rc 0 "bundle builds a tree + image bundle" \
    "$S" bundle "${BASE[@]}" --pre-install pre.sh -c tree:rootfs=tree -c image:kernel=kernel.img -o a.otab
expect_rc 19 "bundle refuses to overwrite" \
    "$S" bundle "${BASE[@]}" -c tree:rootfs=tree -o a.otab
cp a.otab keep.otab
expect_rc 0 "bundle --force replaces" \
    "$S" bundle "${BASE[@]}" --pre-install pre.sh -c tree:rootfs=tree -c image:kernel=kernel.img -o a.otab --force
check "no temporary files left beside the output" test -z "$(ls -A | grep -E '^\.ota-tmp\.|ota-bundle-')"
out=$("$S" inspect a.otab)
check "inspect shows name, version, components, hook" \
    bash -c "grep -q 'acme-gw 3.0.0' <<<'$out' && grep -q 'rootfs' <<<'$out' && grep -q 'kernel' <<<'$out' && grep -q 'pre-install' <<<'$out'"
"$S" inspect --json --chunks a.otab > a.json
HS=$(python3 -c 'import json;print(json.load(open("a.json"))["head_sha256"])' 2>/dev/null || sed -n 's/.*"head_sha256": "\([0-9a-f]*\)".*/\1/p' a.json)
HL=$(python3 -c 'import json;print(json.load(open("a.json"))["head_length"])' 2>/dev/null || sed -n 's/.*"head_length": \([0-9]*\).*/\1/p' a.json)
check "inspect --json gives the head hash" test "${#HS}" -eq 64
check "inspect --json --chunks lists the chunk table" grep -q '"stored_sha256"' a.json
expect_rc 0 "verify-bundle (self-consistency)" "$S" verify-bundle a.otab
expect_rc 0 "verify-bundle against the trusted head" "$S" verify-bundle --head-sha256 "$HS" --head-length "$HL" a.otab
expect_rc 0 "verify-bundle with the whole-file sha256" "$S" verify-bundle --sha256 "$(sha256sum a.otab | cut -c1-64)" a.otab
expect_rc 4 "verify-bundle: wrong whole-file sha256" "$S" verify-bundle --sha256 "$(printf '%064d' 0)" a.otab
expect_rc 4 "verify-bundle: wrong trusted head" "$S" verify-bundle --head-sha256 "$(printf '%064d' 0)" --head-length "$HL" a.otab
expect_rc 0 "verify-bundle: matching --hardware" "$S" verify-bundle --hardware acme-r2 a.otab
expect_rc 4 "verify-bundle: other hardware refused" "$S" verify-bundle --hardware other-board a.otab

# targets metadata entry as a TUF client sees it (what `ota-sign add` writes)
cat > targets.json <<EOF
{"signed": {"_type": "targets", "targets": {"fw/acme-gw-3.0.0.otab": {
  "length": $(stat -c %s a.otab), "hashes": {"sha256": "$(sha256sum a.otab | cut -c1-64)"},
  "custom": {"ota_bundle": {"format": 1, "head_length": $HL, "head_sha256": "$HS"}}}}}, "signatures": []}
EOF
expect_rc 0 "verify-bundle --targets takes head, length and hash from the entry" \
    "$S" verify-bundle --targets targets.json --target fw/acme-gw-3.0.0.otab a.otab
check "rebuilding gave the same bytes as the first build" cmp -s a.otab keep.otab
"$S" bundle "${BASE[@]}" -c image:kernel=kernel.img -o other.otab
expect_rc 4 "verify-bundle --targets: another bundle is refused" \
    "$S" verify-bundle --targets targets.json --target fw/acme-gw-3.0.0.otab other.otab
expect_rc 4 "verify-bundle --targets: unknown target" \
    "$S" verify-bundle --targets targets.json --target nope a.otab

# ---- extraction: what a device installs ---------------------------------------
mkdir x1
expect_rc 0 "verify-bundle --extract" "$S" verify-bundle --extract x1 a.otab
check "extracted tree equals the input tree" diff -r tree x1/rootfs
check "extracted image equals the input image" cmp kernel.img x1/kernel.img
check "symlink extracted as a symlink" test "$(readlink x1/rootfs/usr/version)" = "../etc/version"
check "modes kept" test "$(stat -c %a x1/rootfs/usr/bin/app)" = 755

# an earlier extraction left a symlink, pointing outside, where this bundle
# makes a directory (the old extractor chmod'ed through it): a first rootfs
# bundle, verified OK, plants etc -> victim; the second's directory entry
# etc is 07777, its etc/su 06755.  Nothing already in DIR/NAME is trusted:
# a tree is extracted into a new or empty directory only.
mkdir -p victim plant; chmod 700 victim; echo keep > victim/keep
ln -s "$T/victim" plant/etc
mkdir -p setid/etc; echo su > setid/etc/su; chmod 06755 setid/etc/su; chmod 07777 setid/etc
"$S" bundle "${BASE[@]}" -c rootfs:rootfs=plant -o plant.otab
"$S" bundle "${BASE[@]}" -c rootfs:rootfs=setid -o setid.otab
mkdir x2
expect_rc 0 "--extract: a rootfs bundle with an absolute link extracts (the link as a link)" \
    "$S" verify-bundle --extract x2 plant.otab
check "... the planted link is there" test "$(readlink x2/rootfs/etc)" = "$T/victim"
out=$("$S" verify-bundle --extract x2 setid.otab 2>&1); rc=$?
check "--extract into a component directory holding a planted link: exit 19 (in the way), says why" \
    test "$rc" -eq 19 -a -n "$(grep 'x2/rootfs: not empty, refusing' <<<"$out")"
check "... the link's target keeps its mode (no 07777 through the link)" \
    test "$(stat -c %a victim)" = 700
check "... nothing written through the link" test "$(ls -A victim)" = keep
check "... the link is left as it was" test "$(readlink x2/rootfs/etc)" = "$T/victim"
# a component directory with anything in it, harmless or not, is refused: the
# result would merge an earlier tree with this one
mkdir -p x4/rootfs; echo stale > x4/rootfs/stale
expect_rc 19 "--extract: a non-empty component directory (a stale file) is refused" \
    "$S" verify-bundle --extract x4 a.otab
check "... nothing written into it" test "$(ls -A x4/rootfs)" = stale -a ! -e x4/kernel.img
rm x4/rootfs/stale
expect_rc 0 "--extract: an existing empty component directory is used" \
    "$S" verify-bundle --extract x4 a.otab
check "... with the bundle's tree" diff -r tree x4/rootfs
# set-id bits: dropped unless --allow-setuid (a device keeps them only in a
# slot configured allow-setuid = true)
mkdir x5 x6
expect_rc 0 "--extract: a tree with set-id bits" "$S" verify-bundle --extract x5 setid.otab
check "... setuid/setgid dropped by default (06755 -> 0755, 07777 -> 01777)" \
    test "$(stat -c %a x5/rootfs/etc/su)" = 755 -a "$(stat -c %a x5/rootfs/etc)" = 1777
expect_rc 0 "--extract --allow-setuid" "$S" verify-bundle --extract x6 --allow-setuid setid.otab
check "... keeps them (06755, 07777)" \
    test "$(stat -c %a x6/rootfs/etc/su)" = 6755 -a "$(stat -c %a x6/rootfs/etc)" = 7777
expect_rc 2 "--allow-setuid without --extract: usage" "$S" verify-bundle --allow-setuid setid.otab
mkdir x3; ln -s "$T/victim" x3/rootfs; ln -s "$T/victim/img" x3/kernel.img
expect_rc 19 "--extract: a link as the component's directory is refused" \
    "$S" verify-bundle --extract x3 a.otab
rm x3/rootfs; mkdir x3/rootfs
expect_rc 19 "--extract: a link as NAME.img is refused" "$S" verify-bundle --extract x3 a.otab
check "... nothing written outside" test "$(ls -A victim)" = keep -a "$(stat -c %a victim)" = 700
# NAME.img is created O_EXCL: a planted fifo no longer blocks the extraction
# (the old open for writing waited for a reader forever), a planted hard link
# to a file outside DIR is not written through, a leftover image is not reused
mkdir x7; mkfifo x7/kernel.img
out=$(timeout 20 "$S" verify-bundle --extract x7 a.otab 2>&1); rc=$?
check "--extract: a fifo at NAME.img: exit 19 at once (not hung), says why" \
    test "$rc" -eq 19 -a -n "$(grep 'x7/kernel.img: exists, refusing' <<<"$out")"
mkdir x8; echo precious > outside-file; chmod 600 outside-file; ln outside-file x8/kernel.img
expect_rc 19 "--extract: a hard link at NAME.img is refused" "$S" verify-bundle --extract x8 a.otab
check "... the file it links to is unchanged" \
    test "$(cat outside-file)" = precious -a "$(stat -c %a outside-file)" = 600
rm -rf x8/rootfs x8/kernel.img; cp kernel.img x8/kernel.img
expect_rc 19 "--extract: an existing NAME.img (a leftover) is refused" "$S" verify-bundle --extract x8 a.otab

# ---- reproducibility ------------------------------------------------------------
"$S" bundle "${BASE[@]}" --jobs 1 -c tree:rootfs=tree -c image:kernel=kernel.img -o r1.otab
"$S" bundle "${BASE[@]}" --jobs 2 -c tree:rootfs=tree -c image:kernel=kernel.img -o r2.otab
touch -d '2001-01-01' tree/etc/version; chmod 600 tree/etc/numbers; chmod 644 tree/etc/numbers
"$S" bundle "${BASE[@]}" --jobs 4 -c tree:rootfs=tree -c image:kernel=kernel.img -o r3.otab
check "same inputs, any --jobs, other mtimes: identical SHA-256" \
    test "$(sha256sum < r1.otab)" = "$(sha256sum < r2.otab)" -a "$(sha256sum < r1.otab)" = "$(sha256sum < r3.otab)"
SOURCE_DATE_EPOCH=1700000000 "$S" bundle "${BASE[@]}" -c tree:rootfs=tree -o s1.otab
SOURCE_DATE_EPOCH=1700000000 "$S" bundle "${BASE[@]}" -c tree:rootfs=tree -o s2.otab
check "SOURCE_DATE_EPOCH: created recorded, still reproducible" \
    bash -c "cmp -s s1.otab s2.otab && '$S' inspect s1.otab | grep -q 2023-11-14T22:13:20Z"
check "the clock is not read unless asked" bash -c "'$S' inspect r1.otab | grep -q 'not recorded'"
expect_rc 0 "--created now" "$S" bundle "${BASE[@]}" --created now -c image:k=kernel.img -o now.otab

# ---- zstd chunks (format 2) ---------------------------------------------------------
expect_rc 2 "bundle: --codec lz4 refused" "$S" bundle "${BASE[@]}" --codec lz4 -c image:k=kernel.img -o z.otab
out=$("$S" bundle "${BASE[@]}" --codec zstd --level 20 -c image:k=kernel.img -o z.otab 2>&1); rc=$?
check "bundle: zstd --level 20 refused (exit 2), the message gives the range" \
    bash -c "[ $rc -eq 2 ] && grep -q 'zstd wants 1..19' <<<\"\$1\"" _ "$out"
out=$("$S" bundle "${BASE[@]}" --level 12 -c image:k=kernel.img -o z.otab 2>&1); rc=$?
check "bundle: deflate --level 12 refused (exit 2), the message gives the range" \
    bash -c "[ $rc -eq 2 ] && grep -q 'deflate wants 1..9' <<<\"\$1\"" _ "$out"
check "bundle --help documents --codec" bash -c "'$S' bundle --help | grep -q -- '--codec C'"
"$S" bundle "${BASE[@]}" --codec zstd --jobs 1 -c tree:rootfs=tree -c image:kernel=kernel.img -o z1.otab
"$S" bundle "${BASE[@]}" --jobs 3 --level 19 --codec zstd -c tree:rootfs=tree -c image:kernel=kernel.img -o z2.otab
check "zstd: default level 19, any --jobs: identical bytes" cmp -s z1.otab z2.otab
"$S" bundle "${BASE[@]}" --codec zstd --level 9 -c tree:rootfs=tree -c image:kernel=kernel.img -o z9.otab
check "zstd: --level changes the bytes" bash -c "! cmp -s z1.otab z9.otab"
check "inspect: format 2, zstd" bash -c "'$S' inspect z1.otab | grep -q '^compression zstd' && '$S' inspect z1.otab | grep -q '(format 2)'"
check "inspect: deflate bundles stay format 1" bash -c "'$S' inspect r1.otab | grep -q '^compression deflate' && '$S' inspect r1.otab | grep -q '(format 1)'"
check "inspect --json: compression and format" \
    bash -c "'$S' inspect --json z1.otab | grep -q '\"compression\": \"zstd\"' && '$S' inspect --json z1.otab | grep -q '\"format\": 2'"
mkdir xz
expect_rc 0 "verify-bundle --extract of a zstd bundle" "$S" verify-bundle -q --extract xz z9.otab
check "zstd: extracted tree and image equal the inputs" \
    bash -c "diff -r tree xz/rootfs && cmp kernel.img xz/kernel.img"
zh=$("$S" inspect --json z1.otab | sed -n 's/.*"head_sha256": "\([0-9a-f]*\)".*/\1/p')
zl=$("$S" inspect --json z1.otab | sed -n 's/.*"head_length": \([0-9]*\).*/\1/p')
expect_rc 0 "verify-bundle of a zstd bundle against its trusted head" \
    "$S" verify-bundle -q --head-sha256 "$zh" --head-length "$zl" z1.otab

# ---- refused inputs (what a device would refuse) ----------------------------------
mk() { rm -rf bad; mkdir bad; echo ok > bad/ok; }
mk; mkfifo bad/fifo
expect_rc 20 "refused: fifo" "$S" bundle "${BASE[@]}" -c tree:r=bad -o bad.otab
mk; ln -s /etc/passwd bad/abs
expect_rc 20 "refused: absolute symlink in a plain tree" "$S" bundle "${BASE[@]}" -c tree:r=bad -o bad.otab
expect_rc 0 "accepted: absolute symlink in a rootfs tree" "$S" bundle "${BASE[@]}" -c rootfs:r=bad -o rootfs.otab
mk; mkdir bad/sub; ln -s ../../outside bad/sub/esc
expect_rc 20 "refused: symlink leaving the tree" "$S" bundle "${BASE[@]}" -c rootfs:r=bad -o bad.otab
mk; touch "bad/$(printf 'new\nline')"
expect_rc 20 "refused: control character in a name" "$S" bundle "${BASE[@]}" -c tree:r=bad -o bad.otab
mk; python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind("bad/sock")' 2>/dev/null
if [ -S bad/sock ]; then expect_rc 20 "refused: socket" "$S" bundle "${BASE[@]}" -c tree:r=bad -o bad.otab
else skip "refused: socket" "cannot make a Unix socket here"; fi
mk; if mknod bad/null c 1 3 2>/dev/null; then
    expect_rc 20 "refused: device node" "$S" bundle "${BASE[@]}" -c tree:r=bad -o bad.otab
else
    skip "refused: device node" "mknod not permitted here"
fi
check "refused builds leave no output" test ! -e bad.otab
out=$("$S" bundle "${BASE[@]}" -c tree:r=tree -c tree:s=nonexistent -o bad.otab 2>&1); rc=$?
check "missing input directory: exit 6 and names it" test "$rc" -eq 6 -a -n "$(grep nonexistent <<<"$out")"

# ---- corrupted bundles -----------------------------------------------------------------
flip() { cp "$1" "$2"; printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j"$3" -N1 "$1") ^ 1 )))" |
         dd of="$2" bs=1 seek="$3" conv=notrunc status=none; }
LEN=$(stat -c %s a.otab)
for pos in 0 9 20 40 60 100 $((HL - 1)) "$HL" $((HL + 1000)) $((LEN / 2)) $((LEN - 1)); do
    flip a.otab f.otab "$pos"
    expect_rc 4 "flipped byte at $pos (trusted head): refused" \
        "$S" verify-bundle --head-sha256 "$HS" --head-length "$HL" f.otab
    expect_rc 4 "flipped byte at $pos (no anchor): refused" "$S" verify-bundle f.otab
    mkdir -p xf; rm -rf xf/*
    "$S" verify-bundle -q --head-sha256 "$HS" --head-length "$HL" --extract xf f.otab 2>/dev/null
    if [ "$pos" -ge $((HL + 1000)) ] && [ -f xf/kernel.img ]; then
        # whatever reached the slot matches the original, byte for byte
        check "flip at $pos: image bytes written are all original" \
            cmp -n "$(stat -c %s xf/kernel.img)" xf/kernel.img kernel.img
    fi
done
out=$("$S" verify-bundle f.otab 2>&1)
check "verify-bundle says where it failed" grep -q "INVALID after [0-9]* verified chunks" <<<"$out"
for cut in 0 7 80 $((HL - 1)) "$HL" $((HL + 1)) $((LEN - 1)); do
    head -c "$cut" a.otab > t.otab
    expect_rc 4 "truncated to $cut bytes: refused" "$S" verify-bundle --head-sha256 "$HS" --head-length "$HL" t.otab
done
cat a.otab > long.otab; echo x >> long.otab
expect_rc 4 "trailing bytes: refused" "$S" verify-bundle long.otab
echo "not a bundle" > plain.txt
expect_rc 4 "inspect: not a bundle" "$S" inspect plain.txt
expect_rc 4 "verify-bundle: not a bundle" "$S" verify-bundle plain.txt
flip a.otab f.otab 100
expect_rc 4 "inspect: damaged bundle" "$S" inspect f.otab
expect_rc 6 "inspect: missing file" "$S" inspect nonexistent.otab
expect_rc 6 "verify-bundle: missing file" "$S" verify-bundle nonexistent.otab

# ---- published with ota-sign add: the custom field anchors verify-bundle ---------------
if "$S" init --help >/dev/null 2>&1 && "$S" add --help >/dev/null 2>&1; then
    for k in root targets snap ts; do "$S" keygen -o "k-$k" --unencrypted >/dev/null 2>&1; done
    if "$S" init -r repo --root-key k-root.key --targets-key k-targets.key --snapshot-key k-snap.key \
           --timestamp-key k-ts.key >/dev/null 2>&1 &&
       "$S" add -r repo -k k-targets.key -k k-snap.key -k k-ts.key --path fw/a.otab a.otab >/dev/null 2>&1; then
        check "add put the bundle head into custom.ota_bundle" grep -q "$HS" repo/metadata/targets.json
        expect_rc 0 "verify-bundle --targets with real signed metadata" \
            "$S" verify-bundle --targets repo/metadata/targets.json --target fw/a.otab a.otab
        expect_rc 4 "verify-bundle --targets: a flipped bundle is refused" \
            "$S" verify-bundle --targets repo/metadata/targets.json --target fw/a.otab f.otab
    else
        failed "init + add of a bundle" "ota-sign init/add failed"
    fi
fi

# ---- committed vectors -------------------------------------------------------------------
for e in "$V"/*.expect; do
    n=$(basename "$e" .expect)
    vh=$(sed -n 's/^head_sha256 //p' "$e"); vl=$(sed -n 's/^head_length //p' "$e")
    want=0; grep -q '^error ' "$e" && want=4
    expect_rc "$want" "vector $n" "$S" verify-bundle --head-sha256 "$vh" --head-length "$vl" "$V/$n.otab"
done
for n in bad-traversal bad-symlink-escape bad-absolute; do
    mkdir "xv-$n"; "$S" verify-bundle -q --extract "xv-$n" "$V/$n.otab" 2>/dev/null
done
check "hostile vectors wrote nothing outside (or inside) the extract dir" \
    test -z "$(find "$T" -name 'x' -path '*cron.d*')" -a ! -e "$T/etc" -a -z "$(find xv-* -type f)"

# ---- independent reader (Python, from the spec) ---------------------------------------------
if command -v python3 >/dev/null; then
    check "independent reader decodes the good vector exactly" \
        bash -c "python3 '$V/bundle_check.py' '$V/good-tree-image.otab' | cmp -s - '$V/good-tree-image.expect'"
    check "independent reader accepts a fresh bundle" \
        bash -c "python3 '$V/bundle_check.py' a.otab '$HS' '$HL' >/dev/null"
    if command -v zstd >/dev/null; then
        check "independent reader decodes the zstd vector exactly" \
            bash -c "python3 '$V/bundle_check.py' '$V/good-zstd-tree-image.otab' | cmp -s - '$V/good-zstd-tree-image.expect'"
        check "independent reader accepts a fresh zstd bundle against its head" \
            bash -c "python3 '$V/bundle_check.py' z1.otab '$zh' '$zl' >/dev/null"
        # only where it can decode zstd: without zstd(1) a refusal proves nothing
        for n in bad-zstd-trailing bad-zstd-window bad-zstd-skippable; do
            check "independent reader refuses $n" bash -c "! python3 '$V/bundle_check.py' '$V/$n.otab' >/dev/null 2>&1"
        done
    else
        skip "independent reader: zstd bundles (and its refusals of bad ones)" "zstd(1) not installed"
    fi
    check "independent reader refuses a flipped payload" \
        bash -c "! python3 '$V/bundle_check.py' '$V/bad-payload-flip.otab' >/dev/null"
    check "independent reader decodes the format-3 vector (with its package list) exactly" \
        bash -c "python3 '$V/bundle_check.py' '$V/good-sbom-tree-image.otab' | cmp -s - '$V/good-sbom-tree-image.expect'"
    for n in bad-sbom-flip bad-sbom-format2 bad-sbom-first; do
        check "independent reader refuses $n" bash -c "! python3 '$V/bundle_check.py' '$V/$n.otab' >/dev/null 2>&1"
    done
    # format 4: the tree stream is rebuilt from its entries with BUNDLE.md's
    # headers, fillers and cut rule and compared byte for byte
    check "independent reader decodes the format-4 vector (delta tree layout) exactly" \
        bash -c "python3 '$V/bundle_check.py' '$V/good-delta-tree-image.otab' | cmp -s - '$V/good-delta-tree-image.expect'"
    for n in bad-delta-mtime bad-delta-format3-mtime; do
        check "independent reader refuses $n" bash -c "! python3 '$V/bundle_check.py' '$V/$n.otab' >/dev/null 2>&1"
    done
    # a fresh --delta bundle whose headers need pax records: names over 100
    # bytes or not ASCII (90 and 91 bytes: the 99/101-byte record lengths),
    # 100-byte names and targets (no record), long and non-ASCII symlink
    # targets, a long-named link with a long target, directories of 100 and
    # 101 bytes with their '/', empty files, an empty directory, a file
    # larger than a chunk, setuid and sticky bits, the largest mtime
    e=$(printf '\xc3\xa9') r100=$(printf 'r%.0s' $(seq 100))
    mkdir -p dtree/empty-dir dtree/a/b "dtree/deep/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))" \
        "dtree/$(printf 'p%.0s' $(seq 99))" "dtree/$(printf 'q%.0s' $(seq 100))" dtree/sticky
    chmod 1777 dtree/sticky
    echo deep > "dtree/deep/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))/f"
    echo long > "dtree/$(printf 'l%.0s' $(seq 120))"
    echo r > "dtree/$r100"
    echo cafe > "dtree/caf$e"
    echo x > "dtree/$(printf 'n%.0s' $(seq 88))$e"; echo y > "dtree/$(printf 'n%.0s' $(seq 89))$e"
    : > dtree/empty1; : > dtree/a/empty2
    head -c 200000 /dev/urandom > dtree/big
    echo s > dtree/suid; chmod 4755 dtree/suid
    for i in $(seq 1 30); do head -c $((i * 977)) /dev/urandom > "dtree/a/f$i"; done
    ln -s "b/$(printf 'x%.0s' $(seq 150))" dtree/a/longlink
    ln -s "../caf$e" dtree/a/utf8link
    ln -s "$r100" dtree/link100
    ln -s "$(printf 'w%.0s' $(seq 101))" dtree/link101
    ln -s "$(printf 'y%.0s' $(seq 130))" "dtree/a/$(printf 'z%.0s' $(seq 110))"
    expect_rc 0 "bundle --delta of a tree that needs pax records" \
        "$S" bundle "${BASE[@]}" --delta --mtime 8589934591 --chunk-size 64k -c tree:app=dtree -o d4.otab
    "$S" inspect --json d4.otab > d4.json
    dh=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["head_sha256"])' d4.json)
    dl=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["head_length"])' d4.json)
    check "independent reader accepts it: its tree stream is the canonical layout" \
        bash -c "python3 '$V/bundle_check.py' d4.otab '$dh' '$dl' > d4.list"
    check "... with every entry of the tree listed" \
        test "$(grep -c '^entry ' d4.list)" -eq "$(find dtree -mindepth 1 | wc -l)"
    # the same vector with one filler byte changed (a '0' of its comment
    # record; chunk 0 stored raw, table, digest and head hash recomputed):
    # the C reader extracts the same files (the comment means nothing), the
    # independent reader finds the layout is not the canonical one
    nh=$(python3 - "$V/good-delta-tree-image.otab" nc.otab <<'PY'
import hashlib, struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
ml, tl, pl = struct.unpack(">QQQ", b[24:48])
hl = 80 + ml + tl
t = bytearray(b[80 + ml:hl])
clen = struct.unpack(">I", t[:4])[0]
raw = bytearray(zlib.decompress(bytes(b[hl:hl + clen]), -15))
raw[raw.rindex(b" comment=") + 9] = ord("1")
h = hashlib.sha256(raw).digest()
t[0:68] = struct.pack(">I", len(raw)) + h + h
b[40:48] = struct.pack(">Q", pl - clen + len(raw))
n = b[:80 + ml] + t + raw + b[hl + clen:]
n[48:80] = hashlib.sha256(bytes(n[80:hl])).digest()
open(sys.argv[2], "wb").write(n)
print(hashlib.sha256(bytes(n[:hl])).hexdigest())
PY
)
    hl4=$(sed -n 's/^head_length //p' "$V/good-delta-tree-image.expect")
    expect_rc 0 "a format-4 bundle with a changed filler byte: verify-bundle accepts it" \
        "$S" verify-bundle --head-sha256 "$nh" --head-length "$hl4" nc.otab
    check "... the independent reader refuses it: not the canonical layout" \
        bash -c "python3 '$V/bundle_check.py' nc.otab '$nh' '$hl4' | grep -q 'not the canonical layout'"
else
    skip "independent reader" "python3 not installed"
fi

# ---- progress on a terminal ---------------------------------------------------------------------
if command -v script >/dev/null; then
    script -qec "'$S' bundle --name n --version 1.0.0 --hardware a -c image:k=kernel.img -o tty.otab" /dev/null > tty.out 2>&1
    check "summary printed on a terminal" grep -q "head:" tty.out
else
    skip "summary printed on a terminal" "script(1) not installed"
fi

# ---- bounded memory ---------------------------------------------------------------------------------
# (not under sanitizers: their shadow memory is not the program's)
if [ -r /proc/self/status ] && [ -z "${OTA_SANITIZED:-}" ]; then
    truncate -s 512M big.img
    head -c 8000000 /dev/urandom | dd of=big.img conv=notrunc status=none
    # peak RSS of the program itself: VmHWM of its own address space, polled
    # until it exits (rusage would include the forking shell's pages)
    rss() { "$@" >/dev/null 2>&1 & local pid=$! hwm=999999 v
        while kill -0 "$pid" 2>/dev/null; do
            v=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null); [ -n "$v" ] && hwm=$v
            sleep 0.02
        done
        wait "$pid" || hwm=999999; echo "$hwm"; }
    kb=$(rss "$S" bundle -q --name n --version 1.0.0 --hardware a -c image:big=big.img -o big.otab)
    check "bundle of a 512 MiB image: peak RSS ${kb} KiB < 24 MiB" test "${kb:-999999}" -lt 24576
    kb2=$(rss "$S" verify-bundle -q big.otab)
    check "verify-bundle of it: peak RSS ${kb2} KiB < 12 MiB" test "${kb2:-999999}" -lt 12288
    rm -f big.img big.otab
else
    why="no /proc/self/status"
    [ -n "${OTA_SANITIZED:-}" ] && why="under sanitizers their shadow memory is not the program's"
    skip "bundle of a 512 MiB image: peak RSS" "$why"
    skip "verify-bundle of it: peak RSS" "$why"
fi

finish
