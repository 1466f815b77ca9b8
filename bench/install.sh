#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/install.sh — the install engine (`ota-client install`) against the
# unverified baseline `curl | tar -xz` / `curl | gunzip`, same content, same
# ota-server, same run, on 127.0.0.1.  Not part of `make test`.
#
#   bench/install.sh                 SIZES="16 1024" REPEAT=3 BUILD=build
#   SIZES="16 256" bench/install.sh  (MiB; one tree and one image per size)
#   KEEP=1                           keep the work directory (printed)
#   PROFILE=1                        also profile one install of each kind and size
#                                    (perf cpu-clock if usable; callgrind for the
#                                    first size's tree)
#
# For every size N (MiB):
#   tree   a file tree of N MiB (mix below) as an ota bundle with one `tree`
#          component, installed by `ota-client install` into a `dir` slot of a
#          fresh simulated device (fresh state dir, empty slots, so every run
#          does the whole work: metadata refresh, download, verification,
#          extraction, syncfs checkpoints, switch) — against
#          `curl -sf URL | tar -xzf - -C DIR` of `tar -czf` of the same tree,
#          served by the same ota-server from the repository's targets/.
#   image  an ext4 file system image of N MiB (mkfs.ext4 -d, ~60 % full with
#          the same kind of tree) as a bundle with one `image` component,
#          installed into a `raw` slot (a pre-created empty file) — against
#          `curl -sf URL | gunzip > FILE` of `gzip -6` of the same image.
#
# Tree mix (by bytes): 25 % ELF executables from /usr/bin, 25 % ELF files from
# /usr/lib (shared libraries, modules), 40 % text from /usr/include and
# /usr/share/doc (no .gz), 10 % incompressible (random bytes, standing in for
# compressed assets).  Each part takes files in sorted path order, starts
# over (rep1/, rep2/ ...) when its source runs out, and the last file is
# trimmed to hit the size exactly.  No symlinks; modes 0755 (binaries) /
# 0644 (rest); names limited to printable ASCII.
#
# Timing: wall time of the whole command (our refresh of the TUF metadata is
# inside ours), best of REPEAT, ours and the baseline alternating within each
# round.  The page cache is warm for the served files; `sync` runs before
# every timed run (outside the timing) so that our syncfs does not pay for
# the previous run's dirty pages.  Two extra columns for reference: ours
# with `--checkpoint-kib 65536` (one checkpoint per 64 MiB instead of 8 MiB) and
# the baseline followed by `sync` (durable, as ours is).
# Nothing deleted before a timed run: every run writes into a new directory
# ($W/runs/dev.*, $W/runs/out.*), all removed only after the component's
# runs.  On an ext4 without a journal (this bench's first machine: its root
# file system), creating files within seconds of deleting many makes the
# inode allocator check each free inode's "recently deleted" time
# (recently_deleted() in fs/ext4/ialloc.c): with the previous run's tree just
# removed, both ours and tar spent 40-60 % of their CPU there, and the
# figures drifted from run to run.  A device's slot file system normally has
# a journal, where that check does not exist.  Disk needed: about
# (4 x REPEAT + 6) x the largest size, checked before starting.
# Run it elsewhere with TMPDIR=DIR (e.g. a journaled ext4 mount).
#
# Peak RSS: /usr/bin/time -f %M around each process (GNU tar -z runs gzip as
# its child; the figure for tar is the larger of the two, as wait4 reports),
# and how far ota-client's is above its own start-up (`ota-client --version`).
# Peak heap: one more install under heaptrack (bench/lib.sh heap_kib).
# Correctness: after every run, ours and the baseline's output are compared
# with the source (diff -r --no-dereference / cmp); any difference aborts.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
S=$BUILD/ota-sign
C=$BUILD/ota-client
# write_sysconf: the simulated device's system.conf, as the suites write it
source "$ROOT/tests/integration/sysconf.sh"
SIZES=${SIZES:-16 1024}
REPEAT=${REPEAT:-3}
for b in "$S" "$C" "$BUILD/ota-server"; do
    [ -x "$b" ] || { echo "bench: build first: make" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then # GNU time, for peak RSS
    echo "bench: installing Debian 'time'" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi
command -v mkfs.ext4 >/dev/null || [ -x /usr/sbin/mkfs.ext4 ] ||
    { echo "bench: mkfs.ext4 (e2fsprogs) needed" >&2; exit 1; }
MKFS=$(command -v mkfs.ext4 || echo /usr/sbin/mkfs.ext4)

source "$ROOT/bench/lib.sh"
bench_workspace install

min() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# ---- make_tree DIR MIB: the file tree mix described at the top -----------------------
make_tree() {
    python3 - "$1" "$2" <<'EOF'
import os, random, shutil, stat, sys
dst, mib = sys.argv[1], int(sys.argv[2])
total = mib << 20

def ascii_ok(p):
    return all(0x20 < ord(c) < 0x7f for c in p)

def files(roots, want):
    """regular files under roots, sorted, filtered by want(path)"""
    for root in roots:
        for d, dirs, names in os.walk(root):
            dirs.sort()
            for n in sorted(names):
                p = os.path.join(d, n)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and st.st_size > 0 and ascii_ok(p) and want(p, st):
                    yield p, st.st_size

def is_elf(p, st):
    try:
        with open(p, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False

def is_text(p, st):
    return not p.endswith(".gz")

def fill(name, budget, gen, mode):
    """copy files from gen() into dst/name/repK/... until budget bytes"""
    left, rep = budget, 0
    while left > 0:
        n = 0
        for src, size in gen():
            out = os.path.join(dst, name, "rep%d" % rep, src.lstrip("/"))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copyfile(src, out)
            if size > left:
                os.truncate(out, left)
                size = left
            os.chmod(out, mode)
            left -= size
            n += 1
            if left == 0:
                return
        if n == 0:
            sys.exit("no source files for " + name)
        rep += 1

def random_files():
    rng = random.Random(42)
    i = 0
    while True:
        size = rng.randrange(64 << 10, 1 << 20)
        yield ("random-%05d" % i, size)
        i += 1

def fill_random(budget):
    rng = random.Random(7)
    left = budget
    for name, size in random_files():
        size = min(size, left)
        out = os.path.join(dst, "data", name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(rng.randbytes(size))
        os.chmod(out, 0o644)
        left -= size
        if left == 0:
            return

b_bin = total * 25 // 100
b_lib = total * 25 // 100
b_rnd = total * 10 // 100
b_txt = total - b_bin - b_lib - b_rnd
fill("bin", b_bin, lambda: files(["/usr/bin"], is_elf), 0o755)
fill("lib", b_lib, lambda: files(["/usr/lib"], is_elf), 0o755)
fill("text", b_txt, lambda: files(["/usr/include", "/usr/share/doc"], is_text), 0o644)
fill_random(b_rnd)
EOF
}

max_n=0
for n in $SIZES; do [ "$n" -gt "$max_n" ] && max_n=$n; done
need_mib=$(((4 * REPEAT + 6) * max_n))
avail_mib=$(($(df -Pk "$W" | awk 'NR == 2 {print $4}') / 1024))
[ "$avail_mib" -gt "$need_mib" ] ||
    die "about $need_mib MiB needed in $(dirname "$W"), $avail_mib MiB free (smaller SIZES or TMPDIR=...)"

# ---- the repository, keys from keys-example/, one ota-server --------------------------
mkdir -p "$W/keys"
cp "$ROOT"/keys-example/*.key "$ROOT"/keys-example/*.pub "$W/keys/"
chmod 600 "$W"/keys/*.key
KEYS=(-k "$W/keys/targets.key" -k "$W/keys/snapshot.key" -k "$W/keys/timestamp.key")
"$S" init -r "$W/repo" --root-key "$W/keys/root.key" --targets-key "$W/keys/targets.key" \
    --snapshot-key "$W/keys/snapshot.key" --timestamp-key "$W/keys/timestamp.key" >/dev/null
bench_server "$W/repo"

# publish FILE PATH: a bundle as the signed target PATH
publish() { "$S" add -r "$W/repo" "${KEYS[@]}" --path "$2" "$1" >/dev/null; }
# serve FILE NAME: a plain file for the baseline, beside the targets
serve() { mv "$1" "$W/repo/targets/$2"; }

# ---- a fresh simulated device (symlink backend, booted slot A) -------------------------
# Groups A and B: a `dir` slot rootfs.N (the symlink backend switches between
# directories, so the bootname slots are these) and a `raw` slot disk.N (an
# empty file) in the same group.  The tree bundle fills rootfs, the image
# bundle fills disk; slot B is the target.  Every device is new, in its own
# directory under $W/runs (sets D), and nothing is deleted before a timed
# run: see "Nothing deleted before a timed run" at the top.
mkdevice() {
    mkdir -p "$W/runs"
    D=$(mktemp -d "$W/runs/dev.XXXXXX")
    local d=$D
    mkdir -p "$d/state" "$d/slot-a" "$d/slot-b"
    : >"$d/disk-a.img"
    : >"$d/disk-b.img"
    ln -s "$d/slot-a" "$d/current"
    echo "ota.slot=A" >"$d/cmdline"
    SYS_COMPAT=bench-1 write_sysconf "$d/system.conf" "$d" disk
    "$C" --state-dir "$d/state" --system-conf "$d/system.conf" init \
        --root "$W/repo/metadata/1.root.json" >/dev/null
}

# ours KIND TARGET SRC [CLIENT OPTIONS...] -> "seconds rss_kib cpu_seconds"
# (cpu: user + system); checks the slot
ours() {
    local kind=$1 target=$2 src=$3 t0 t1 rc tries=0
    shift 3
    while :; do
        mkdevice
        sync
        t0=$(now)
        rc=0
        /usr/bin/time -f '%M %U %S' -o "$W/rss.ours" \
            "$C" --state-dir "$D/state" --system-conf "$D/system.conf" \
            --metadata-url "$U/metadata/" --timeout 3600 "$@" install "$target" >"$W/ours.log" 2>&1 ||
            rc=$?
        t1=$(now)
        # exit 14: a signal from outside (another job's `pkill -x ota-client`
        # on a shared machine); that run says nothing, do it again
        if [ "$rc" = 14 ] && [ "$tries" -lt 2 ]; then
            echo "bench: $target interrupted by a signal (exit 14), run again" >&2
            tries=$((tries + 1))
            continue
        fi
        [ "$rc" = 0 ] || die "ota-client install $target failed (exit $rc): $(tail -5 "$W/ours.log")"
        break
    done
    [ "$(readlink "$D/current")" = "$D/slot-b" ] || die "$target: slot B not made primary"
    if [ "$kind" = tree ]; then
        diff -r --no-dereference "$src" "$D/slot-b" >/dev/null || die "$target: slot B differs from the tree"
    else
        cmp -s "$src" "$D/disk-b.img" || die "$target: slot B differs from the image"
    fi
    echo "$(sub "$t1" "$t0") $(tail -1 "$W/rss.ours" | awk '{print $1, $2 + $3}')"
}

# base KIND FILE SRC [sync] -> "seconds rss_curl_kib rss_unpack_kib cpu_seconds"
# (cpu: user + system of curl, tar and its gzip / gunzip); checks the output
base() {
    local kind=$1 file=$2 src=$3 t0 t1 out
    mkdir -p "$W/runs"
    out=$(mktemp -d "$W/runs/out.XXXXXX") # the tree's directory
    if [ "$kind" = image ]; then out=$out/image; fi
    sync
    t0=$(now)
    if [ "$kind" = tree ]; then
        /usr/bin/time -f '%M %U %S' -o "$W/rss.curl" curl -sf "$U/targets/$file" |
            /usr/bin/time -f '%M %U %S' -o "$W/rss.unpack" tar -xzf - -C "$out"
    else
        /usr/bin/time -f '%M %U %S' -o "$W/rss.curl" curl -sf "$U/targets/$file" |
            /usr/bin/time -f '%M %U %S' -o "$W/rss.unpack" gunzip >"$out"
    fi
    if [ "${4:-}" = sync ]; then sync; fi
    t1=$(now)
    if [ "$kind" = tree ]; then
        diff -r --no-dereference "$src" "$out" >/dev/null || die "baseline: $out differs from the tree"
    else
        cmp -s "$src" "$out" || die "baseline: $out differs from the image"
    fi
    echo "$(sub "$t1" "$t0") $(tail -1 "$W/rss.curl" | cut -d' ' -f1) $(tail -1 "$W/rss.unpack" | cut -d' ' -f1)" \
        "$(cat "$W/rss.curl" "$W/rss.unpack" | awk '/^[0-9]+ / {c += $2 + $3} END {print c}')"
}

# anon TARGET -> "rss_anon_kib rss_file_kib": one more (untimed) install whose
# /proc/PID/status is sampled every millisecond; the peak of RssAnon (the
# process's own memory: heap, stacks, buffers) and of RssFile (pages of the
# executable and its ~45 shared libraries: libcurl's dependencies, OpenSSL,
# libarchive...).  /usr/bin/time's peak RSS is their sum.
anon() {
    mkdevice
    python3 - "$C" --state-dir "$D/state" --system-conf "$D/system.conf" \
        --metadata-url "$U/metadata/" --timeout 3600 install "$1" <<'EOF'
import re, subprocess, sys, time
cmd = sys.argv[1:]
for attempt in range(3):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = {"RssAnon": 0, "RssFile": 0}
    while p.poll() is None:
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for k, v in re.findall(r"^(RssAnon|RssFile):\s+(\d+)", f.read(), re.M):
                    peak[k] = max(peak[k], int(v))
        except OSError:
            pass
        time.sleep(0.001)
    if p.returncode != 14:  # 14: a signal from outside, as in ours(); the
        break               # next run resumes, which samples as well
if p.returncode != 0:
    sys.exit("ota-client install failed under the sampler (exit %d)" % p.returncode)
print(peak["RssAnon"], peak["RssFile"])
EOF
}

# heap TARGET -> peak heap KiB (heaptrack) of one more (untimed) install
heap() {
    mkdevice
    heap_kib "$C" --state-dir "$D/state" --system-conf "$D/system.conf" \
        --metadata-url "$U/metadata/" --timeout 3600 install "$1" ||
        die "ota-client install $1 failed under heaptrack"
}

# the process baseline: peak RSS (KiB) and heap of `ota-client --version`
# (start-up: the executable and its ~45 shared libraries, their constructors)
/usr/bin/time -f '%M' -o "$W/rss.version" "$C" --version >/dev/null
VERSION_RSS=$(tail -1 "$W/rss.version")
VERSION_HEAP=$(heap_kib "$C" --version)

# field "A B C" N: the Nth word
field() { echo "$1" | cut -d' ' -f"$2"; }

# measure KIND N TARGET BASEFILE SRC: REPEAT rounds, alternating; appends a row
TIMES="" RSS=""
measure() {
    local kind=$1 n=$2 target=$3 bfile=$4 src=$5
    local bo="" bb="" bo64="" bbs="" ro="" ro64="" rc="" ru="" r co="" cb=""
    local r1 r2 r3 r4
    for i in $(seq 1 "$REPEAT"); do
        r1=$(ours "$kind" "$target" "$src")
        r2=$(base "$kind" "$bfile" "$src")
        r3=$(ours "$kind" "$target" "$src" --checkpoint-kib 65536)
        r4=$(base "$kind" "$bfile" "$src" sync)
        # CPU seconds are those of the best run
        [ "$(min "$bo" "$(field "$r1" 1)")" = "$bo" ] || co=$(field "$r1" 3)
        [ "$(min "$bb" "$(field "$r2" 1)")" = "$bb" ] || cb=$(field "$r2" 4)
        bo=$(min "$bo" "$(field "$r1" 1)") ro=$(max "$ro" "$(field "$r1" 2)")
        bb=$(min "$bb" "$(field "$r2" 1)")
        rc=$(max "$rc" "$(field "$r2" 2)") ru=$(max "$ru" "$(field "$r2" 3)")
        bo64=$(min "$bo64" "$(field "$r3" 1)") ro64=$(max "$ro64" "$(field "$r3" 2)")
        bbs=$(min "$bbs" "$(field "$r4" 1)")
        echo "bench: $kind $n MiB round $i: ours $(fmt3 "${r1%% *}") s, baseline $(fmt3 "${r2%% *}") s," \
            "ours --checkpoint-kib 65536 $(fmt3 "${r3%% *}") s, baseline + sync $(fmt3 "${r4%% *}") s" >&2
    done
    r=$(anon "$target")
    local anon_kib=${r% *} file_kib=${r#* } heap_k
    heap_k=$(heap "$target")
    local base_desc="curl \\| tar -xz"
    [ "$kind" = image ] && base_desc="curl \\| gunzip"
    TIMES="$TIMES| $kind | $n | $base_desc | $(fmt3 "$bb") | $(fmt3 "$bo") | **$(ratio "$bo" "$bb")** | $(fmt3 "$bo64") | $(ratio "$bo64" "$bb") | $(fmt3 "$bbs") | $(printf '%.2f' "$cb") | $(printf '%.2f' "$co") |
"
    RSS="$RSS| $kind | $n | $(kib2mib "$ro") | **$(kib2mib $((ro - VERSION_RSS)))** | $(kib2mib "$heap_k") | $(kib2mib "$anon_kib") | $(kib2mib "$file_kib") | $(kib2mib "$ro64") | $(kib2mib "$rc") | $(kib2mib "$ru") |
"
}

# profile KIND N TARGET (PROFILE=1): one more install of TARGET on a fresh
# device under perf (cpu-clock: on-CPU time, kernel included; waiting for
# the disk is not sampled), printed by library, by function and by kernel
# entry point; at the first size also under callgrind (user-space
# instructions; valgrind hides SHA-NI from the CPU flags, so OpenSSL runs its
# generic SHA-256 there and looks bigger than it is).
profile() {
    local kind=$1 n=$2 target=$3
    if perf record -e cpu-clock -o /dev/null true >/dev/null 2>&1; then
        mkdevice
        perf record -q -e cpu-clock -g -o "$W/perf.data" \
            "$C" --state-dir "$D/state" --system-conf "$D/system.conf" \
            --metadata-url "$U/metadata/" --timeout 3600 install "$target" >/dev/null 2>&1 ||
            echo "bench: the perf run of $target failed" >&2
        echo "--- perf cpu-clock, $kind $n MiB: share of on-CPU time by library (self) ---"
        # (|| true: head closes the pipe early, which pipefail would report)
        perf report -i "$W/perf.data" --no-children -g none --sort dso --stdio 2>/dev/null |
            grep '%' | head -10 || true
        echo "--- by function (self) ---"
        perf report -i "$W/perf.data" --no-children -g none --sort dso,sym --stdio 2>/dev/null |
            grep '%' | head -20 || true
        echo "--- system calls (with what they call) ---"
        perf report -i "$W/perf.data" --children -g none --sort sym --stdio 2>/dev/null |
            grep -E '\[k\] (ksys_write|ksys_pwrite64|__x64_sys_(openat|close|mkdirat|recvfrom|fsync|syncfs|pread64|fadvise64|utimensat|fchmod|fchown)|ext4_create)$' || true
    fi
    if [ "$first" = 1 ] && [ "$kind" = tree ]; then
        mkdevice
        valgrind --tool=callgrind --callgrind-out-file="$W/callgrind.out" \
            "$C" --state-dir "$D/state" --system-conf "$D/system.conf" \
            --metadata-url "$U/metadata/" --timeout 3600 install "$target" >/dev/null 2>&1 ||
            echo "bench: the callgrind run of $target failed" >&2
        echo "--- callgrind, $kind $n MiB: instructions by function (self) ---"
        callgrind_annotate "$W/callgrind.out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -15 || true
    fi
}

SIZESROWS=""
first=1
for n in $SIZES; do
    echo "bench: $n MiB: building inputs" >&2
    # -- tree bundle and its tar.gz --
    make_tree "$W/tree" "$n"
    tree_bytes=$(find "$W/tree" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
    files=$(find "$W/tree" -type f | wc -l)
    "$S" bundle -q --force --name gw-fw --version 1.0.0 --hardware bench-1 \
        --component tree:rootfs="$W/tree" -o "$W/tree.otab"
    s_tb=$(stat -c %s "$W/tree.otab")
    publish "$W/tree.otab" "gw-fw-tree-$n.otab"
    rm -f "$W/tree.otab"
    tar -czf "$W/tree.tar.gz" -C "$W/tree" .
    s_tgz=$(stat -c %s "$W/tree.tar.gz")
    serve "$W/tree.tar.gz" "tree-$n.tar.gz"
    # -- image bundle and its .gz: ext4, ~60 % full with a tree of the same mix --
    make_tree "$W/imgtree" $((n * 60 / 100))
    rm -f "$W/image"
    truncate -s "${n}M" "$W/image"
    "$MKFS" -q -F -E root_owner=0:0 -d "$W/imgtree" "$W/image" >/dev/null
    "$S" bundle -q --force --name gw-img --version 1.0.0 --hardware bench-1 \
        --component image:disk="$W/image" -o "$W/image.otab"
    s_ib=$(stat -c %s "$W/image.otab")
    publish "$W/image.otab" "gw-img-$n.otab"
    rm -f "$W/image.otab"
    gzip -6 -c "$W/image" >"$W/image.gz"
    s_igz=$(stat -c %s "$W/image.gz")
    serve "$W/image.gz" "image-$n.gz"
    SIZESROWS="$SIZESROWS| $n | $files | $(mib "$tree_bytes") | $(mib "$s_tb") | $(mib "$s_tgz") | $(mib "$s_ib") | $(mib "$s_igz") |
"
    # warm the served files once (both sides read them from the page cache)
    cat "$W"/repo/targets/* >/dev/null

    measure tree "$n" "gw-fw-tree-$n.otab" "tree-$n.tar.gz" "$W/tree"
    if [ "${PROFILE:-0}" = 1 ]; then profile tree "$n" "gw-fw-tree-$n.otab"; fi
    rm -rf "$W/runs" # image runs create two files each: no allocator issue
    measure image "$n" "gw-img-$n.otab" "image-$n.gz" "$W/image"
    if [ "${PROFILE:-0}" = 1 ]; then profile image "$n" "gw-img-$n.otab"; fi
    rm -rf "$W/runs"
    first=0

    # this size's files are not needed any more (unlisted first: ota-sign
    # refuses to publish metadata naming a target file that is not there)
    "$S" remove -r "$W/repo" "${KEYS[@]}" "gw-fw-tree-$n.otab" "gw-img-$n.otab" >/dev/null
    rm -rf "$W/tree" "$W/imgtree" "$W/image" "$W/runs" "$W"/repo/targets/*."gw-fw-tree-$n.otab" \
        "$W"/repo/targets/*."gw-img-$n.otab" "$W/repo/targets/tree-$n.tar.gz" "$W/repo/targets/image-$n.gz"
    # a next size's timed runs must not follow a mass deletion closely (see
    # the top): written back, a deleted inode counts as recent for 5 s, for
    # 35 s while its inode table block is dirty again
    sync
    [ "$n" = "${SIZES##* }" ] || sleep 40
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cat <<EOF

### Install engine — $(date -u +%Y-%m-%d), commit $commit

Machine: $(nproc) CPU ($cpu), Linux $(uname -r); $(curl --version | head -1 | cut -d' ' -f1-2),
$(tar --version | head -1), $(gzip --version | head -1); ota-server on 127.0.0.1.
Best of $REPEAT, ours and the baseline alternating; \`sync\` before every run
(not timed); served files in the page cache. Load average at the start
$LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg).

| MiB | tree files | tree bytes (MiB) | tree bundle (MiB) | tree .tar.gz (MiB) | image bundle (MiB) | image .gz (MiB) |
|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s' "$SIZESROWS")

Wall time (seconds; ratio = ours / baseline, ≤ 1.05 is the goal; CPU = user +
system seconds of the best run, the baseline's summed over its processes):

| component | MiB | baseline | baseline s | ours s | ratio | ours --checkpoint-kib 65536 s | ratio | baseline + sync s | baseline CPU s | ours CPU s |
|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s' "$TIMES")

Peak RSS (MiB; /usr/bin/time %M, largest over the runs); above the process
baseline: minus the peak RSS of \`ota-client --version\` ($(kib2mib "$VERSION_RSS") MiB; goal ≤ 4 MiB,
flat across sizes); peak heap: heaptrack, one extra run (\`--version\`:
$(kib2mib "$VERSION_HEAP") MiB); ota-client's split into its own memory (RssAnon) and
mapped executable and library pages (RssFile) from one extra run sampled
every millisecond:

| component | MiB | ota-client | above baseline | peak heap | its peak RssAnon | its peak RssFile | ota-client --checkpoint-kib 65536 | curl | tar -xz (tar, gzip) / gunzip |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s' "$RSS")
EOF
