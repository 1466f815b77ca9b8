#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/delta_tree.sh — delta updates of a tree component (issue 17;
# `ota-sign bundle --delta`, bundle format 4: tree chunks cut at file
# boundaries chosen from the path, the device regenerates candidate chunks
# from its active dir slot): bytes downloaded and install time of
# `ota-client install` (delta, the default) against `ota-client install
# --no-delta` (full download), same bundle, same ota-server, same run, on
# 127.0.0.1; and casync, zchunk and zsync (Debian's packages) as baselines
# for bytes, each seeded with v1.  Not part of `make test`.
#
#   bench/delta_tree.sh             SIZE=300 REPEAT=3 BUILD=build
#   DELTA_FLAG=--delta              the signer's delta flag; when `ota-sign
#                                   bundle --help` does not mention it the
#                                   bundles are built without it (a note
#                                   says so: the delta rows are then what a
#                                   tree component does today, a full
#                                   download); DELTA_FLAG= to build without
#   PKGS="libssl3 openssl"          the package upgrade (below)
#   KEEP=1                          keep the work directory (printed)
#   TRACE=1                         each install's time on stderr
#   TMPDIR=/dev/shm                 the work directory (~4 GB at SIZE=300)
#                                   in RAM: install times without the disk
#
# v1: a tree of about SIZE MiB laid out as a root file system (usr/...),
# copied from this machine's /usr: regular files (<= 8 MiB each), symlinks
# (absolute ones, and relative ones that stay inside the tree) and the
# directories walked, in sorted path order from /usr/lib/x86_64-linux-gnu
# (35 % of SIZE), the rest of /usr/lib (15 %), /usr/share (30 %), /usr/bin
# (12 %) and /usr/include (8 %), each walk stopping when its share is full;
# plus the files of version A of the packages PKGS (below).  Normalised:
# owner 0:0, directories 0755, files 0755 if any x bit else 0644, every
# mtime 1700000000.  Two v2:
#   patch     three shared libraries (*.so*) under usr/lib of 100 KiB ..
#             2 MiB (at a quarter, half and three quarters of their sorted
#             list), each with 64 bytes rewritten in 8 places and 5000 bytes
#             appended (as bench/delta.sh: a patched library grows);
#   upgrade   a real Debian package upgrade: for each package of PKGS, the
#             two newest versions apt knows (`apt-cache madison`; e.g.
#             bookworm and bookworm-security), `apt-get download`ed and
#             `dpkg-deb -x`ed: v1 holds version A's files, v2 version B's
#             (files only in A removed), normalised the same way.  Without
#             two versions of any of them, the next of a fixed list of
#             candidates (libc6 tzdata perl-base ...) is used, and the
#             output says which.
# "Changed files compressed" (the issue's yardstick for the upgrade): the
# regular files of v2 that are new or differ from v1, each compressed on its
# own with `zstd -3`, summed.
#
# Each v2 is a bundle (zstd level 3, default 256 KiB chunks, DELTA_FLAG),
# published with ota-sign add and served by ota-server.  The device: a
# simulated A/B device (tests/integration/sysconf.sh, dir slots slot-a and
# slot-b) on which v1 was installed by ota-client (from its own bundle, into
# slot B), then "rebooted" into B and confirmed; that device is copied
# (cp -a) afresh for every run, so each install of v2 (into slot A) starts
# from the same device booted from the slot holding v1.  Reported for ours:
# bytes downloaded (ota-client's count), chunks taken from the active slot,
# the bundle's size, the share of it downloaded, install wall time (best of
# REPEAT, delta and --no-delta alternating).  Baselines, once each, the
# files served by nginx (multi-range answers), bytes = the sum of
# $body_bytes_sent in its access log (index/control files included):
#   casync   `casync make --compression=zstd` of the v2 tree (default
#            chunking, 64 KiB average), `casync extract --store=URL
#            --seed=V1TREE URL/v2.caidx OUT`;
#   zchunk   `zck` of the v2 tar (GNU tar, sorted, mtime 0, owner 0),
#            `zckdl --source v1.tar.zck URL/v2.tar.zck` (the device keeps
#            the v1 .zck);
#   zsync    `zsyncmake` of the v2 tar (uncompressed), `zsync -i v1.tar`.
# "full" for a baseline is what it downloads without a seed: casync the
# index plus every chunk of its store, zchunk the .zck, zsync the tar.
# Correctness: after every install slot A equals the v2 tree (diff -r
# --no-dereference, and `find -printf '%P %m %y %s %l'` of both, no size for
# directories); casync's
# output tree, zchunk's and zsync's files likewise.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SIZE=${SIZE:-300}
REPEAT=${REPEAT:-3}
DELTA_FLAG=${DELTA_FLAG---delta}
PKGS=${PKGS:-libssl3 openssl}
FALLBACK_PKGS="libc6 tzdata perl-base python3.11-minimal libcurl4 systemd"
S=$BUILD/ota-sign
C=$BUILD/ota-client
# shellcheck source-path=SCRIPTDIR/.. source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source-path=SCRIPTDIR/.. source=tests/integration/sysconf.sh
source "$ROOT/tests/integration/sysconf.sh"
if [ ! -x /usr/bin/time ]; then # GNU time, for peak RSS and CPU
    echo "bench: installing Debian 'time'" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi
for x in "$S" "$C" "$BUILD/ota-server"; do [ -x "$x" ] || die "no $x: make"; done
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
# need CMD PACKAGE: install Debian PACKAGE when CMD is missing (no failure:
# the row of a missing baseline says why)
need() {
    command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] && return 0
    echo "bench: installing Debian '$2'" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null 2>&1 || true
}
need zstd zstd
need casync casync
need zck zchunk
need zsync zsync
command -v zstd >/dev/null || die "zstd needed (the changed files' yardstick)"

DELTA_NOTE=
if [ -n "$DELTA_FLAG" ] && ! "$S" bundle --help 2>&1 | grep -q -e "$DELTA_FLAG\b"; then
    DELTA_NOTE="note: this ota-sign has no $DELTA_FLAG (bundle --help does not mention it): bundles are built without it, so the 'ota delta' rows are what a tree component does without it (a full download)"
    echo "bench: $DELTA_NOTE" >&2
    DELTA_FLAG=
fi
bench_workspace delta-tree
T0=$(now)

# ---- the package upgrade: two versions of PKGS ------------------------------------
# newest2 PKG: "A B", the two newest versions apt knows of PKG (A older)
newest2() {
    apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u |
        python3 -c '
import functools, subprocess, sys
v = [l.strip() for l in sys.stdin if l.strip()]
def cmp(a, b):
    if a == b: return 0
    return -1 if subprocess.call(["dpkg", "--compare-versions", a, "lt", b]) == 0 else 1
v.sort(key=functools.cmp_to_key(cmp))
if len(v) >= 2: print(v[-2], v[-1])'
}
mkdir -p "$W/pkg/A" "$W/pkg/B" "$W/pkg/deb"
UPGRADE=
for set in "$PKGS" $FALLBACK_PKGS; do
    ok=1 desc=
    rm -rf "$W/pkg/A" "$W/pkg/B" "$W/pkg/deb"/*
    mkdir -p "$W/pkg/A" "$W/pkg/B"
    for p in $set; do
        read -r va vb < <(newest2 "$p"; echo) || true
        if [ -z "${vb:-}" ]; then ok=0; break; fi
        if ! (cd "$W/pkg/deb" && apt-get download -qq "$p=$va" "$p=$vb" >/dev/null 2>&1); then ok=0; break; fi
        # apt-get download names the file NAME_VERSION_ARCH.deb, an epoch's ':' as %3a
        dpkg-deb -x "$W/pkg/deb/${p}_${va//:/%3a}_"*.deb "$W/pkg/A" || { ok=0; break; }
        dpkg-deb -x "$W/pkg/deb/${p}_${vb//:/%3a}_"*.deb "$W/pkg/B" || { ok=0; break; }
        desc="$desc $p $va -> $vb,"
    done
    if [ "$ok" = 1 ]; then UPGRADE=${desc%,}; break; fi
    echo "bench: no two downloadable versions of ($set), trying the next candidate" >&2
done
[ -n "$UPGRADE" ] || die "no package among ($PKGS $FALLBACK_PKGS) has two versions apt can download: no upgrade case (never faked)"
UPGRADE_NOTE=
[ "$set" = "$PKGS" ] || UPGRADE_NOTE="(PKGS=$PKGS had no two versions: fallback)"

# ---- v1, v2-patch, v2-upgrade --------------------------------------------------------
# normalise TREE: owner 0:0, modes 0755/0644, one mtime
normalise() {
    chown -hR 0:0 "$1" 2>/dev/null || true
    find "$1" -type d -exec chmod 755 {} +
    find "$1" -type f -perm /111 -exec chmod 755 {} +
    find "$1" -type f ! -perm /111 -exec chmod 644 {} +
    find "$1" -exec touch -h -d @1700000000 {} +
}
mkdir -p "$W/v1"
python3 - "$W/v1" $((SIZE * 1024 * 1024)) <<'EOF'
import os, shutil, sys
dst, size = sys.argv[1], int(sys.argv[2])
tops = [("/usr/lib/x86_64-linux-gnu", 35), ("/usr/lib", 15), ("/usr/share", 30),
        ("/usr/bin", 12), ("/usr/include", 8)]
finished = []  # the tops walked before: not walked again (/usr/lib/x86_64-linux-gnu in /usr/lib)
def inside(rel, target):
    # a symlink at rel (relative to the tree's root, which is "/") to target
    if os.path.isabs(target):
        return True
    return not os.path.normpath(os.path.join(os.path.dirname(rel), target)).startswith("..")
def link(p, q, rel):
    t = os.readlink(p)
    if inside(rel, t):
        os.makedirs(os.path.dirname(q), exist_ok=True)
        os.symlink(t, q)
for top, share in tops:
    budget, total, full = size * share // 100, 0, False
    for d, dirs, files in os.walk(top):
        if full:
            break
        if any(d == t or d.startswith(t + "/") for t in finished):
            dirs[:] = []
            continue
        dirs.sort()
        rd = os.path.relpath(d, "/")
        os.makedirs(os.path.join(dst, rd), exist_ok=True)
        for name in sorted(files + [x for x in dirs if os.path.islink(os.path.join(d, x))]):
            p = os.path.join(d, name)
            rel = os.path.join(rd, name)
            q = os.path.join(dst, rel)
            if os.path.lexists(q):
                continue
            if os.path.islink(p):
                link(p, q, rel)
                continue
            if not os.path.isfile(p):
                continue
            n = os.path.getsize(p)
            if n > 8 << 20:
                continue
            if total + n > budget:
                full = True
                break
            try:
                shutil.copyfile(p, q)
            except OSError:
                continue
            os.chmod(q, 0o755 if os.access(p, os.X_OK) else 0o644)
            total += n
    finished.append(top)
EOF
cp -a "$W/pkg/A/." "$W/v1/"
normalise "$W/v1"
# three shared libraries (*.so*) under usr/lib of 100 KiB .. 2 MiB
mapfile -t PICK < <(cd "$W/v1" && find usr/lib -type f -name '*.so*' -size +100k -size -2048k | sort |
    awk '{ v[NR] = $0 } END { if (NR >= 3) print v[int(NR / 4) + 1] "\n" v[int(NR / 2) + 1] "\n" v[int(3 * NR / 4) + 1] }')
[ "${#PICK[@]}" = 3 ] || die "not three libraries to change in the tree"
cp -a "$W/v1" "$W/v2-patch"
for i in 0 1 2; do bench_patch_lib "$W/v2-patch/${PICK[$i]}" "$W/v2-patch/${PICK[$i]}" "$i"; done
normalise "$W/v2-patch"
cp -a "$W/v1" "$W/v2-upgrade"
# what only version A has: files and links removed, then its directories if empty
(cd "$W/pkg/A" && find . ! -type d) | while read -r f; do
    [ -e "$W/pkg/B/$f" ] || [ -L "$W/pkg/B/$f" ] || rm -f "$W/v2-upgrade/$f"
done
(cd "$W/pkg/A" && find . -mindepth 1 -type d | sort -r) | while read -r f; do
    [ -d "$W/pkg/B/$f" ] || rmdir "$W/v2-upgrade/$f" 2>/dev/null || true
done
cp -a "$W/pkg/B/." "$W/v2-upgrade/"
normalise "$W/v2-upgrade"
rm -rf "$W/pkg/deb"

# listing TREE: one line per entry (path, mode, type; size and link target
# but for directories, whose size depends on the file system's history)
listing() { (cd "$1" && find . \( -type d -printf '%P %m %y\n' \) -o -printf '%P %m %y %s %l\n' | LC_ALL=C sort); }
same_tree() {
    diff -r --no-dereference "$1" "$2" >/dev/null 2>&1 && cmp -s <(listing "$1") <(listing "$2")
}
# changed V1 V2: "N BYTES ZBYTES": regular files of V2 new or different from
# V1, their size, and the sum of each compressed on its own with zstd -3
changed() {
    python3 - "$1" "$2" <<'EOF'
import filecmp, os, subprocess, sys
a, b = sys.argv[1], sys.argv[2]
n = raw = z = 0
for d, dirs, files in os.walk(b):
    for f in files:
        p = os.path.join(d, f)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        q = os.path.join(a, os.path.relpath(p, b))
        if os.path.isfile(q) and not os.path.islink(q) and filecmp.cmp(p, q, shallow=False):
            continue
        n += 1
        raw += os.path.getsize(p)
        z += len(subprocess.run(["zstd", "-3", "-q", "-c", p], check=True, stdout=subprocess.PIPE).stdout)
print(n, raw, z)
EOF
}

# ---- repository, ota-server, nginx --------------------------------------------------
k=$ROOT/keys-example
mkdir -p "$W/keys"
cp "$k"/*.key "$k"/*.pub "$W/keys/" && chmod 600 "$W"/keys/*.key
KEYS=(-k "$W/keys/targets.key" -k "$W/keys/snapshot.key" -k "$W/keys/timestamp.key")
"$S" init -r "$W/repo" --root-key "$W/keys/root.key" --targets-key "$W/keys/targets.key" \
    --snapshot-key "$W/keys/snapshot.key" --timestamp-key "$W/keys/timestamp.key" >/dev/null
bench_server "$W/repo"
# publish VERSION TREE: the bundle $W/b-VERSION.otab of TREE, published as gw-os.otab
publish() {
    # shellcheck disable=SC2086 # DELTA_FLAG: one flag or none
    "$S" bundle --name gw-os --version "$1" --hardware gw-1 --codec zstd --level 3 $DELTA_FLAG \
        --component rootfs:rootfs="$2" -o "$W/b-$1.otab" --quiet --force 2>/dev/null
    "$S" add -r "$W/repo" "${KEYS[@]}" --path gw-os.otab "$W/b-$1.otab" >/dev/null
}
bench_nginx "$W/www" bytes
# served: bytes nginx sent since the last call
LOGPOS=0
served() {
    local n
    n=$(tail -c +$((LOGPOS + 1)) "$W/nginx/access.log" | awk '{ s += $1 } END { print s + 0 }')
    LOGPOS=$(stat -c %s "$W/nginx/access.log")
    echo "$n"
}

# ---- the device: v1 installed by ota-client, booted, confirmed ---------------------------
publish 1.0.1 "$W/v1"
B1=$(stat -c %s "$W/b-1.0.1.otab")
d=$W/dev
mkdir -p "$d/slot-a" "$d/slot-b" "$d/state"
echo "ota.slot=A" >"$d/cmdline"
ln -s "$d/slot-a" "$d/current"
write_sysconf "$d/system.conf" "$d"
OC=("$C" --state-dir "$d/state" --system-conf "$d/system.conf" --metadata-url "$U/metadata/"
    --report-url none)
"${OC[@]}" init --root "$W/repo/metadata/1.root.json" >/dev/null
"${OC[@]}" install gw-os.otab >/dev/null 2>"$W/err" || die "v1 install failed: $(cat "$W/err")"
[ "$(readlink "$d/current")" = "$d/slot-b" ] || die "v1 was not installed into slot B"
echo "ota.slot=B" >"$d/cmdline" # the reboot
"${OC[@]}" confirm >/dev/null 2>"$W/err" || die "confirm failed: $(cat "$W/err")"
same_tree "$W/v1" "$d/slot-b" || die "slot B after the v1 install is not the v1 tree"
mv "$d" "$W/device-v1"

# run ARGS...: one install of gw-os.otab on a fresh copy of the v1 device
# (its active slot hard-linked: the install only reads it, and halving what
# each run writes keeps a throttled disk from timing the copies; it is
# checked unchanged at the end); sets T (seconds), F (bytes downloaded), L
# (local chunks)
run() {
    local e
    rm -rf "$d"
    mkdir "$d"
    for e in "$W/device-v1"/* "$W/device-v1"/.[!.]*; do
        [ -e "$e" ] || [ -L "$e" ] || continue
        if [ "$e" = "$W/device-v1/slot-b" ]; then cp -al "$e" "$d/"; else cp -a "$e" "$d/"; fi
    done
    sync
    local t0 t1 out
    t0=$(now)
    out=$(/usr/bin/time -f '%M %U %S' -o "$W/rss" "${OC[@]}" --json "$@" install gw-os.otab 2>"$W/err") ||
        die "install $* failed: $(cat "$W/err")"
    t1=$(now)
    T=$(sub "$t1" "$t0")
    read -r RSS CPU_U CPU_S <"$W/rss"
    CPU=$(echo "$CPU_U + $CPU_S" | bc -l)
    [ -z "${TRACE:-}" ] || echo "bench: install ${*:-(delta)} ($kind): $T s" >&2
    F=$(printf '%s\n' "$out" | python3 -c 'import json,sys
for l in sys.stdin:
    if "download" in l: print(json.loads(l)["download"]["fetched"])')
    L=$(printf '%s\n' "$out" | python3 -c 'import json,sys
for l in sys.stdin:
    if "download" in l: print(json.loads(l)["download"]["local_chunks"])')
    same_tree "$V2" "$d/slot-a" || die "slot A is not v2 ($kind) after install $*"
}

# ---- baselines ---------------------------------------------------------------------
mktar() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .; }
mktar "$W/v1" "$W/v1.tar"
ZCK_V1=
if command -v zck >/dev/null && zck -o "$W/v1.tar.zck" "$W/v1.tar" >/dev/null 2>"$W/zck.err"; then ZCK_V1=$W/v1.tar.zck; fi
# each sets BS (full), BD (downloaded), BT (seconds) or BWHY (why not)
base_casync() {
    BWHY=
    command -v casync >/dev/null || { BWHY="casync not installed"; return; }
    rm -rf "$W/www/store" "$W/www/v2.caidx" "$W/ca-out"
    casync make --compression=zstd --store="$W/www/store" "$W/www/v2.caidx" "$V2" >/dev/null 2>"$W/ca.err" ||
        { BWHY="casync make failed: $(tail -1 "$W/ca.err")"; return; }
    chmod -R go+rX "$W/www"
    BS=$(($(find "$W/www/store" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }') + $(stat -c %s "$W/www/v2.caidx")))
    served >/dev/null
    local t0 t1
    t0=$(now)
    casync extract --store="$NU/store" --seed="$W/v1" "$NU/v2.caidx" "$W/ca-out" >/dev/null 2>"$W/ca.err" ||
        { BWHY="casync extract failed: $(tail -1 "$W/ca.err")"; return; }
    t1=$(now)
    BT=$(sub "$t1" "$t0")
    BD=$(served)
    same_tree "$V2" "$W/ca-out" || BWHY="casync extract did not give the v2 tree"
    rm -rf "$W/ca-out" "$W/www/store" "$W/www/v2.caidx"
}
base_zchunk() {
    BWHY=
    if ! command -v zck >/dev/null || ! command -v zckdl >/dev/null; then BWHY="zchunk not installed"; return; fi
    [ -n "$ZCK_V1" ] || { BWHY="zck of v1 failed: $(tail -1 "$W/zck.err")"; return; }
    zck -o "$W/www/v2.tar.zck" "$W/v2.tar" >/dev/null 2>"$W/zck.err" ||
        { BWHY="zck failed: $(tail -1 "$W/zck.err")"; return; }
    chmod go+r "$W/www/v2.tar.zck"
    BS=$(stat -c %s "$W/www/v2.tar.zck")
    rm -rf "$W/zdl" && mkdir -p "$W/zdl"
    served >/dev/null
    local t0 t1
    t0=$(now)
    (cd "$W/zdl" && zckdl -q --source "$ZCK_V1" "$NU/v2.tar.zck") >/dev/null 2>"$W/zckdl.err" ||
        { BWHY="zckdl failed: $(tail -1 "$W/zckdl.err")"; return; }
    t1=$(now)
    BT=$(sub "$t1" "$t0")
    BD=$(served)
    cmp -s "$W/zdl/v2.tar.zck" "$W/www/v2.tar.zck" || BWHY="zckdl did not give the v2 .zck"
    rm -rf "$W/zdl" "$W/www/v2.tar.zck"
}
base_zsync() {
    BWHY=
    if ! command -v zsync >/dev/null || ! command -v zsyncmake >/dev/null; then BWHY="zsync not installed"; return; fi
    cp "$W/v2.tar" "$W/www/v2.tar"
    (cd "$W/www" && zsyncmake -u v2.tar -o v2.tar.zsync v2.tar >/dev/null 2>&1) || { BWHY="zsyncmake failed"; return; }
    chmod go+r "$W/www"/v2.tar*
    BS=$(stat -c %s "$W/v2.tar")
    rm -f "$W/zs.tar"
    served >/dev/null
    local t0 t1
    t0=$(now)
    (cd "$W" && zsync -q -i "$W/v1.tar" -o "$W/zs.tar" "$NU/v2.tar.zsync") >/dev/null 2>"$W/zsync.err" ||
        { BWHY="zsync failed: $(tail -1 "$W/zsync.err")"; return; }
    t1=$(now)
    BT=$(sub "$t1" "$t0")
    BD=$(served)
    cmp -s "$W/zs.tar" "$W/v2.tar" || BWHY="zsync did not give the v2 tar"
    rm -f "$W/zs.tar" "$W/www"/v2.tar*
}

# ---- the runs --------------------------------------------------------------------
pct() { printf '%.2f %%' "$(echo "100 * $1 / $2" | bc -l)"; }
rows=()
declare -A GOAL
echo "tree: $(du -sm --apparent-size "$W/v1" | cut -f1) MiB ($(find "$W/v1" -type f | wc -l) files, $(find "$W/v1" -type l | wc -l) symlinks, $(find "$W/v1" -type d | wc -l) directories) from /usr, as a rootfs (usr/...); v1 bundle $(mib "$B1") MiB"
echo "patch: three files changed: ${PICK[*]}"
echo "upgrade:$UPGRADE (Debian packages, apt-get download + dpkg-deb -x) $UPGRADE_NOTE"
echo "signer: ota-sign bundle --codec zstd --level 3${DELTA_FLAG:+ $DELTA_FLAG} (chunks 256 KiB)"
[ -z "$DELTA_NOTE" ] || echo "$DELTA_NOTE"
echo "load average at start: $LOAD0"
DLABEL="ota delta ($DELTA_FLAG)"
[ -n "$DELTA_FLAG" ] || DLABEL="ota delta (no delta flag: a full download)"
v=1
for kind in patch upgrade; do
    V2=$W/v2-$kind
    v=$((v + 1))
    read -r CN CRAW CZ < <(changed "$W/v1" "$V2")
    echo "$kind: $CN files new or changed, $(kib2mib $((CRAW / 1024))) MiB; changed files compressed (each file on its own, zstd -3): $((CZ / 1024)) KiB"
    publish "1.0.$v" "$V2"
    B=$(stat -c %s "$W/b-1.0.$v.otab")
    # what the layout costs a full download: the same tree without the flag
    if [ -n "$DELTA_FLAG" ]; then
        "$S" bundle --name gw-os --version "1.0.$v" --hardware gw-1 --codec zstd --level 3 \
            --component rootfs:rootfs="$V2" -o "$W/plain.otab" --quiet --force
        BP=$(stat -c %s "$W/plain.otab")
        echo "$kind: bundle with $DELTA_FLAG $(mib "$B") MiB ($(( $("$S" inspect --json "$W/b-1.0.$v.otab" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])') )) chunks), without $(mib "$BP") MiB ($("$S" inspect --json "$W/plain.otab" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])') chunks): $(pct "$((B - BP))" "$BP") larger"
        rm -f "$W/plain.otab"
    fi
    bd="" bf=""
    # delta and full alternating, each first in every other round
    for i in $(seq 1 "$REPEAT"); do
        for mode in $( [ $((i % 2)) = 1 ] && echo "delta full" || echo "full delta"); do
            if [ "$mode" = delta ]; then
                run
                FD=$F LD=$L RD=$RSS CD=$CPU
                bd=$(printf '%s\n%s\n' "$bd" "$T" | grep . | sort -g | head -1)
            else
                run --no-delta
                [ "$F" = "$B" ] || die "--no-delta downloaded $F of $B bytes"
                LF=$L RF=$RSS CF=$CPU
                bf=$(printf '%s\n%s\n' "$bf" "$T" | grep . | sort -g | head -1)
            fi
        done
    done
    rows+=("| $kind | $DLABEL | $(mib "$B") MiB | $((FD / 1024)) KiB | $(pct "$FD" "$B") | $(pct "$FD" "$B") | $LD | $(fmt3 "$bd") |")
    rows+=("| $kind | ota --no-delta | $(mib "$B") MiB | $((B / 1024)) KiB | $(pct "$B" "$B") | $(pct "$B" "$B") | $LF | $(fmt3 "$bf") |")
    echo "$kind: ota-client peak RSS / CPU (last run of each): delta $((RD / 1024)) MiB / $(fmt3 "$CD") s, --no-delta $((RF / 1024)) MiB / $(fmt3 "$CF") s"
    mktar "$V2" "$W/v2.tar"
    for m in casync zchunk zsync; do
        BS=0 BD=0 BT=0
        "base_$m"
        if [ -n "$BWHY" ]; then
            rows+=("| $kind | $m | — | — | — | — | — | $BWHY |")
        else
            rows+=("| $kind | $m | $(mib "$BS") MiB | $((BD / 1024)) KiB | $(pct "$BD" "$BS") | $(pct "$BD" "$B") | — | $(fmt3 "$BT") |")
        fi
    done
    rm -f "$W/v2.tar"
    if [ "$kind" = patch ]; then
        GOAL[patch]=$(printf 'three-file patch: ota delta downloaded %s of the bundle (goal <= 2 %%): %s' "$(pct "$FD" "$B")" \
            "$( [ "$(echo "100 * $FD <= 2 * $B" | bc)" = 1 ] && echo met || echo NOT met)")
    else
        GOAL[upgrade]=$(printf 'package upgrade: ota delta downloaded %s KiB = %sx the changed files compressed (%s KiB; goal <= 1.5x): %s' \
            "$((FD / 1024))" "$(ratio "$FD" "$CZ")" "$((CZ / 1024))" \
            "$( [ "$(echo "2 * $FD <= 3 * $CZ" | bc)" = 1 ] && echo met || echo NOT met)")
    fi
done
same_tree "$W/v1" "$W/device-v1/slot-b" || die "the v1 device's active slot changed during the runs"
echo
echo "| v2 | method | full download | downloaded | share of full | share of our bundle | local chunks | time s |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Goals (issue 17), computed from this run:"
echo "- ${GOAL[patch]}"
echo "- ${GOAL[upgrade]}"
[ -z "$DELTA_NOTE" ] || echo "- (without the delta flag: the goals are measured on a full download)"
echo
echo "ota: bytes ota-client downloaded (its count: head and chunks), best wall time of $REPEAT installs"
echo "(delta and --no-delta alternating, each on a fresh copy of the device) on loopback. Baselines:"
echo "one run each, bytes = nginx's body bytes sent (index/control files and multipart framing"
echo "included), seeded with v1 (casync: the v1 tree; zchunk: v1.tar.zck; zsync: v1.tar); zsync"
echo "transfers uncompressed blocks. Whole run $(printf '%.0f' "$(sub "$(now)" "$T0")") s."
