#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Delta updates of tree components end to end (formats/BUNDLE.md "Tree
# layout for delta updates"), real ota-server and ota-client on 127.0.0.1:
# a bundle made with `ota-sign bundle --delta` (format 4) is installed by a
# device whose active dir slot holds the previous release; the device
# regenerates the chunks of the files it already has and downloads only the
# others.  Also: `check` says what install downloads; a bundle without
# --delta, --no-delta, an active slot that is missing or a symlink mean a
# full download; an active tree rewritten after it was indexed (a signed
# pre-install hook) and a hostile active tree (a file replaced by a symlink
# to a file outside the slot) never put a wrong byte in the new slot; a
# power cut in the middle resumes.
#
# The releases: a tree of ~400 files of text-like bytes in 16 directories
# (~6 MiB), 64 KiB chunks, zstd.
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
C=${OTA_CLIENT:-$BUILD/ota-client}
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-dtree.XXXXXX")
cleanup() {
    kill_servers
    rm -rf "$T"
}
trap cleanup EXIT

source "$(dirname "$0")/device.sh"
mkrepo || { failed "ota-sign init"; finish; exit 1; }
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }

# the tree of release 1: text-like files (they compress about 2:1), a few
# large ones, symlinks, an empty directory
python3 - "$T/v1" <<'EOF'
import os, random, sys
root = sys.argv[1]; r = random.Random(17)
words = [bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz_") for _ in range(r.randrange(2, 9))) for _ in range(4000)]
def text(n):
    out = bytearray()
    while len(out) < n:
        out += r.choice(words) + (b"\n" if r.random() < 0.1 else b" ")
    return bytes(out[:n])
for d in range(16):
    p = os.path.join(root, "usr/lib/d%02d" % d)
    os.makedirs(p)
    for f in range(25):
        n = r.choice([200, 900, 3000, 7000, 15000, 30000])
        with open(os.path.join(p, "f%03d" % f), "wb") as fh:
            fh.write(text(n))
        os.chmod(os.path.join(p, "f%03d" % f), 0o755 if f % 4 == 0 else 0o644)
for i in range(3):
    with open(os.path.join(root, "usr/lib/d%02d/large%d" % (i * 5, i)), "wb") as fh:
        fh.write(text(300000 + i * 77777))
os.makedirs(os.path.join(root, "etc"))
os.makedirs(os.path.join(root, "var/empty"))
with open(os.path.join(root, "etc/version"), "w") as fh:
    fh.write("1\n")
os.symlink("../usr/lib/d00/f000", os.path.join(root, "etc/link"))
os.symlink("/usr/lib/d01", os.path.join(root, "etc/abs"))
EOF
# patch SRC DST N: DST = a copy of SRC with file N changed as a patch would
# (64 bytes rewritten, 5000 appended) and etc/version set
patch_tree() {
    rm -rf "$2" && cp -a "$1" "$2" &&
        python3 - "$2" "$3" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2]); r = random.Random(n)
for k in range(3):
    p = os.path.join(root, "usr/lib/d%02d/f%03d" % ((n * 5 + k * 6) % 16, (n * 7 + k * 8) % 25))
    d = bytearray(open(p, "rb").read())
    o = r.randrange(0, max(1, len(d) - 64)); d[o:o + 64] = bytes(r.randrange(97, 123) for _ in range(64))
    d += bytes(r.randrange(97, 123) for _ in range(5000))
    open(p, "wb").write(bytes(d))
open(os.path.join(root, "etc/version"), "w").write("%d\n" % n)
EOF
}
size() { stat -c %s "$1"; }
# publish VERSION TREE [BUNDLE ARGS...]: gw-fw VERSION, tree component rootfs, --delta
publish() {
    local v=$1 tree=$2
    shift 2
    "$S" bundle --name gw-fw --version "$v" --hardware gw-1 --chunk-size 64k --codec zstd \
        --level 3 --component rootfs:rootfs="$tree" -o "$T/gw-fw-$v.otab" --quiet --force "$@" \
        2>"$T/bundle-$v.err" &&
        "$S" add -r "$T/repo" "${KEYS[@]}" --path gw-fw.otab "$T/gw-fw-$v.otab" >/dev/null
}
booted_a() { grep -q "ota.slot=A" "$DEV/cmdline"; }
inactive() { booted_a && echo "$DEV/slot-b" || echo "$DEV/slot-a"; }
active() { booted_a && echo "$DEV/slot-a" || echo "$DEV/slot-b"; }
# same modes, types and sizes, and same contents
modes() { (cd "$1" && find . -printf '%P %m %y %s %l\n' | sort); }
exact() {
    diff -r --no-dereference "$1" "$2" >&2 && diff <(modes "$1") <(modes "$2") >&2
}

# ---- 1. v1 with --delta: format 4, full download (empty active slot) ---------------------------
publish 1.0.0 "$T/v1" --delta || failed "publish 1.0.0" "$(cat "$T/bundle-1.0.0.err")"
check "--delta writes bundle format 4" sh -c "'$S' inspect '$T/gw-fw-1.0.0.otab' | grep -q 'format 4'"
check "--delta warns that devices need a format-4 agent" grep -q "format 4" "$T/bundle-1.0.0.err"
check "the delta layout is reproducible (same tree, same bytes)" sh -c \
    "'$S' bundle --name gw-fw --version 1.0.0 --hardware gw-1 --chunk-size 64k --codec zstd --level 3 \
     --delta --component rootfs:rootfs='$T/v1' -o '$T/again.otab' --quiet 2>/dev/null && cmp -s '$T/again.otab' '$T/gw-fw-1.0.0.otab'"
mkdir -p "$T/x1"
check "verify-bundle extracts the format-4 tree exactly" sh -c \
    "'$S' verify-bundle --extract '$T/x1' '$T/gw-fw-1.0.0.otab' >/dev/null 2>&1"
check "... the extracted tree is v1 (contents, modes, links)" exact "$T/v1" "$T/x1/rootfs"
mkdevice dev symlink
inst i1
check "v1 installs, rc $RC" test "$RC" = 0
check "v1: slot B holds exactly v1" exact "$T/v1" "$DEV/slot-b"
B1=$(size "$T/gw-fw-1.0.0.otab")
check "v1: whole bundle downloaded (empty active slot)" test "$(dl fetched <"$T/i1.out")" = "$B1"
boot_confirm

# ---- 2. v2 = three files patched: only their chunks are downloaded --------------------------
patch_tree "$T/v1" "$T/v2" 2
publish 1.1.0 "$T/v2" --delta || failed "publish 1.1.0"
B2=$(size "$T/gw-fw-1.1.0.otab")
"${OC[@]}" --device-id dev-1 --report-url none check --json >"$T/c2.json" 2>"$T/c2.err"
PLAN=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["chosen"]["download"]["bytes"])' <"$T/c2.json" 2>/dev/null)
inst i2
F2=$(dl fetched <"$T/i2.out")
L2=$(dl local_chunks <"$T/i2.out")
check "v2 installs, rc $RC" test "$RC" = 0
check "v2: slot A holds exactly v2" exact "$T/v2" "$DEV/slot-a"
check "v2: chunks regenerated from the active tree ($L2)" test "${L2:-0}" -gt 0
check "v2: downloaded $F2 of $B2 bytes (<= 10 %: three files' chunks and the head)" \
    le "${F2:-$B2}" $((B2 / 10))
check "v2: check said exactly what install downloaded ($PLAN)" test "$PLAN" = "$F2"
check "v2: Range requests (206) in the access log" grep -q ' 206 ' "$T/server.log.access"
echo "  (v2: $F2 of $B2 bytes downloaded, $L2 chunks local)"
boot_confirm

# ---- 3. a new mtime (SOURCE_DATE_EPOCH of a new build) still matches ------------------------
patch_tree "$T/v2" "$T/v3" 3
publish 1.2.0 "$T/v3" --delta --mtime 1800000000 || failed "publish 1.2.0"
B3=$(size "$T/gw-fw-1.2.0.otab")
inst i3
F3=$(dl fetched <"$T/i3.out")
check "v3 (new mtime) installs, rc $RC" test "$RC" = 0
check "v3: slot B holds exactly v3" exact "$T/v3" "$DEV/slot-b"
check "v3: the device writes the new mtime into its headers: $F3 of $B3 downloaded (<= 10 %)" \
    le "${F3:-$B3}" $((B3 / 10))
boot_confirm

# ---- 4. a bundle without --delta (format 2): trees downloaded whole ----------------------------
patch_tree "$T/v3" "$T/v4" 4
publish 1.3.0 "$T/v4" || failed "publish 1.3.0"
B4=$(size "$T/gw-fw-1.3.0.otab")
inst i4
check "v4 (no --delta) installs, rc $RC" test "$RC" = 0
check "v4: slot A holds exactly v4" exact "$T/v4" "$DEV/slot-a"
check "v4: format 2 tree, whole bundle downloaded" test "$(dl fetched <"$T/i4.out")" = "$B4"
boot_confirm

# ---- 5. --no-delta, a missing or linked active slot: full download, never a failure -----------
patch_tree "$T/v4" "$T/v5" 5
publish 1.4.0 "$T/v5" --delta || failed "publish 1.4.0"
B5=$(size "$T/gw-fw-1.4.0.otab")
inst i5 --no-delta
check "--no-delta: installs, whole bundle" sh -c "[ $RC = 0 ] && [ '$(dl fetched <"$T/i5.out")' = '$B5' ]"
check "--no-delta: slot B holds exactly v5" exact "$T/v5" "$DEV/slot-b"
boot_confirm
patch_tree "$T/v5" "$T/v5b" 51
publish 1.4.1 "$T/v5b" --delta || failed "publish 1.4.1"
B5=$(size "$T/gw-fw-1.4.1.otab")
A=$(active)
mv "$A" "$T/moved-active"
inst i6
check "missing active slot: installs (full download), rc $RC" test "$RC" = 0
check "missing active slot: the reason is shown" grep -q "full download, the active slot cannot be read" "$T/i6.err"
check "missing active slot: whole bundle" test "$(dl fetched <"$T/i6.out")" = "$B5"
check "missing active slot: the new slot holds exactly the release" exact "$T/v5b" "$(inactive)"
mv "$T/moved-active" "$A"
boot_confirm
patch_tree "$T/v5b" "$T/v5c" 52
publish 1.4.2 "$T/v5c" --delta || failed "publish 1.4.2"
B5=$(size "$T/gw-fw-1.4.2.otab")
A=$(active)
mv "$A" "$T/moved-active"
ln -s "$T/moved-active" "$A"
inst i7
check "symlink as the active slot: not followed, full download, rc $RC" \
    sh -c "[ $RC = 0 ] && [ '$(dl fetched <"$T/i7.out")' = '$B5' ]"
check "symlink as the active slot: the new slot holds exactly the release" exact "$T/v5c" "$(inactive)"
rm "$A" && mv "$T/moved-active" "$A"
boot_confirm
rm -rf "$T/v5" && cp -a "$T/v5c" "$T/v5"

# ---- 6. the active tree rewritten after it was indexed (pre-install hook) -----------------------
# Every file of the running slot gets new bytes of the same length after the
# index was made: every regenerated chunk is stale and must be refused.
patch_tree "$T/v5" "$T/v6" 6
A=$(active)
printf '#!/bin/sh\nfind %s -type f -exec sh -c '"'"'n=$(stat -c %%s "$1"); head -c "$n" /dev/zero | tr "\\\\0" Z >"$1"'"'"' _ {} \\;\n' "$A" >"$T/scramble.sh"
publish 1.5.0 "$T/v6" --delta --pre-install "$T/scramble.sh" || failed "publish 1.5.0"
inst i8
check "active tree rewritten after indexing: installs, rc $RC" test "$RC" = 0
check "active tree rewritten after indexing: slot holds exactly v6 (no stale chunk used)" \
    exact "$T/v6" "$(inactive)"
check "active tree rewritten after indexing: fewer than 10 chunks local ($(dl local_chunks <"$T/i8.out"))" \
    le "$(dl local_chunks <"$T/i8.out")" 10
boot_confirm

# ---- 7. a hostile active tree: a file replaced by a symlink to a copy outside -------------------
# The generator opens nothing through a link: the chunk that held the file
# is regenerated with a symlink entry, fails its hash, and is downloaded.
patch_tree "$T/v6" "$T/v7" 7
A=$(active)
rm -rf "$A" && cp -a "$T/v6" "$A"   # an honest copy of v6 as the running slot
cp "$A/usr/lib/d08/f010" "$T/outside"
rm "$A/usr/lib/d08/f010" && ln -s "$T/outside" "$A/usr/lib/d08/f010"
publish 1.6.0 "$T/v7" --delta || failed "publish 1.6.0"
inst i9
check "hostile active tree (file -> symlink outside): installs, rc $RC" test "$RC" = 0
check "hostile active tree: slot holds exactly v7" exact "$T/v7" "$(inactive)"
check "hostile active tree: the rest still comes from the active slot" \
    test "$(dl local_chunks <"$T/i9.out")" -gt 0
boot_confirm

# ---- 8. power cut in the middle of a delta install: resumes, same result -----------------------
patch_tree "$T/v7" "$T/v8" 8
# a larger change so the install takes a while: 40 new files of 60 KiB
python3 - "$T/v8" <<'EOF'
import os, random, sys
r = random.Random(8)
for i in range(40):
    p = os.path.join(sys.argv[1], "usr/lib/d%02d/new%02d" % (i % 16, i))
    open(p, "wb").write(bytes(r.randrange(256) for _ in range(60000)))
EOF
publish 1.7.0 "$T/v8" --delta || failed "publish 1.7.0"
B8=$(size "$T/gw-fw-1.7.0.otab")
slow "${OC[@]}" --device-id dev-1 --report-url none --checkpoint-kib 256 install gw-fw.otab >"$T/i10a.out" 2>&1 &
ipid=$!
wait_journal
# only this run's ota-client, killed as a power cut would (no goodbye)
for p in "$ipid" $(pgrep -P "$ipid"); do pkill -KILL -x -P "$p" "${OTA_CLIENT_COMM:-ota-client}" 2>/dev/null; done
wait "$ipid" 2>/dev/null
check "power cut: the journal is kept (state downloading)" test "$(state_of state)" = downloading
inst i10
check "power cut, then install again: resumes (rc $RC)" \
    sh -c "[ $RC = 0 ] && grep -q '\"resumed\":true' '$T/i10.out'"
check "power cut: slot holds exactly v8" exact "$T/v8" "$(inactive)"
check "power cut: the resumed run downloaded less than the bundle ($(dl fetched <"$T/i10.out") of $B8)" \
    le "$(dl fetched <"$T/i10.out")" "$B8"
boot_confirm

finish
