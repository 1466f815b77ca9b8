#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Power cuts inside the bootloader-environment writes of an install, U-Boot
# backend, with the real libubootenv tools on a REDUNDANT file-backed
# environment (two copies, as fw_env.config lists them on real boards: the
# tool writes the inactive copy and then flips which one is current).
#
# A wrapper stands in for fw_setenv: on its K-th invocation it runs the real
# fw_setenv under strace with a SIGKILL injected at that process's W-th
# write(2) (W = 0: after it completed) — or tears that write (half of the
# copy it was writing becomes garbage) — then kills ota-client too: the
# whole device loses power at that instant.  Also taken: every rename(2) and
# fsync(2) of ota-client itself.  After every cut:
#   - the environment is readable (fw_printenv) and names a primary slot;
#   - that slot is the old one with its old content, or the new one complete;
#   - install.json parses;
#   - a second install completes the update (B primary with the new content).
source "$(dirname "$0")/lib.sh"
# LeakSanitizer cannot run under ptrace (strace): off in sanitizer builds
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

S=$BUILD/ota-sign
C=$BUILD/ota-client
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-pc-uboot.XXXXXX")
cleanup() { kill_servers; rm -rf "$T"; }
trap cleanup EXIT

for tool in strace fw_setenv fw_printenv mkenvimage; do
    command -v $tool >/dev/null || { failed "$tool is needed (make deps)"; finish; exit 1; }
done
REAL_SETENV=$(command -v fw_setenv)
K=$ROOT/keys-example
mkdir -p "$T/keys" "$T/src/rootfs/etc" "$T/src/rootfs/lib"
cp "$K"/*.key "$K"/*.pub "$T/keys/" && chmod 600 "$T"/keys/*.key
KEYS=(-k "$T/keys/targets.key" -k "$T/keys/snapshot.key" -k "$T/keys/timestamp.key")
"$S" init -r "$T/repo" --root-key "$T/keys/root.key" --targets-key "$T/keys/targets.key" \
    --snapshot-key "$T/keys/snapshot.key" --timestamp-key "$T/keys/timestamp.key" >/dev/null
echo "new firmware" >"$T/src/rootfs/etc/version"
for i in 1 2 3; do head -c 100000 /dev/urandom >"$T/src/rootfs/lib/f$i"; done
"$S" bundle --name gw-fw --version 2.0.0 --hardware gw-1 --chunk-size 64k \
    --component tree:rootfs="$T/src/rootfs" -o "$T/b.otab" --quiet &&
    "$S" add -r "$T/repo" "${KEYS[@]}" --path gw-fw.otab "$T/b.otab" >/dev/null ||
    { failed "bundle published"; finish; exit 1; }
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }

D0=$T/dev0
D=$T/dev
mkdir -p "$D0/slot-a/etc" "$D0/slot-b" "$D0/state"
echo "old firmware" >"$D0/slot-a/etc/version"
echo "stale" >"$D0/slot-b/stale"
echo "root=/dev/fake ota.slot=A" >"$D0/cmdline"
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n' >"$T/env.txt"
mkenvimage -r -s 0x4000 -o "$D0/env1" "$T/env.txt"
mkenvimage -r -s 0x4000 -o "$D0/env2" "$T/env.txt"
printf '%s 0x0000 0x4000\n%s 0x0000 0x4000\n' "$D/env1" "$D/env2" >"$D0/fw_env.config"
# the fw_setenv stand-in: cuts the power at (invocation K, write W)
cat >"$T/fw_setenv" <<EOF
#!/usr/bin/env bash
n=\$(( \$(cat "$T/calls" 2>/dev/null || echo 0) + 1 ))
echo \$n >"$T/calls"
if [ "\$n" = "\${CUT_CALL:-0}" ]; then
    if [ -n "\${CUT_TORN:-}" ]; then
        # killed at its write; then half of that copy is garbage (a torn write)
        (strace -qq -y -o "$T/torn.log" -e trace=write -e inject=write:signal=SIGKILL:when=1 \
            "$REAL_SETENV" "\$@"; exit \$?) 2>/dev/null
        f=\$(sed -n 's/^write([0-9]*<\([^>]*\)>.*/\1/p' "$T/torn.log" | head -1)
        [ -n "\$f" ] && dd if=/dev/urandom of="\$f" bs=1024 count=8 conv=notrunc status=none
    elif [ "\${CUT_WRITE:-0}" -gt 0 ]; then
        (strace -qq -o /dev/null -e trace=write -e inject=write:signal=SIGKILL:when=\$CUT_WRITE \\
            "$REAL_SETENV" "\$@"; exit \$?) 2>/dev/null
    else
        "$REAL_SETENV" "\$@"
    fi
    kill -9 \$PPID   # the device loses power: ota-client dies too
    exit 137
fi
exec "$REAL_SETENV" "\$@"
EOF
chmod +x "$T/fw_setenv"
SYS_BOOT=uboot SYS_EXTRA="fw-env-config = $D/fw_env.config
fw-setenv = $T/fw_setenv" \
    write_sysconf "$D0/system.conf" "$D" # paths of the copy the runs use
"$C" --state-dir "$D0/state" init --root "$T/repo/metadata/1.root.json" >/dev/null
OLD_A=$(tree_hash "$D0/slot-a")
reset_device() { rm -rf "$D"; cp -a "$D0" "$D"; rm -f "$T/calls"; }
OC=("$C" --state-dir "$D/state" --system-conf "$D/system.conf" --metadata-url "$U/metadata/" --checkpoint-kib 64)

# primary slot as the boot script would choose it
primary() {
    local env order s left
    env=$(fw_printenv -c "$D/fw_env.config" 2>/dev/null) || { echo "unreadable"; return; }
    order=$(sed -n 's/^BOOT_ORDER=//p' <<<"$env")
    for s in $order; do
        left=$(sed -n "s/^BOOT_${s}_LEFT=//p" <<<"$env")
        [ "${left:-0}" -gt 0 ] && { echo "$s"; return; }
    done
    echo "none"
}

# a clean run: how many fw_setenv calls, how many writes each, ota-client's renames/fsyncs
reset_device
strace -qq -f -o "$T/count.log" -e trace=write,rename,fsync,execve "${OC[@]}" install gw-fw.otab >/dev/null 2>&1
check "an uninterrupted install completes and makes B primary" \
    test "$(primary)" = B -a "$(tree_hash "$D/slot-b")" = "$(tree_hash "$T/src/rootfs")"
ncalls=$(cat "$T/calls")
check "the install writes the environment twice (mark B bad; make B primary): $ncalls" test "$ncalls" -eq 2
# writes of one real fw_setenv -s run on this environment
reset_device
printf 'BOOT_B_LEFT=0\n' >"$T/probe.txt"
strace -qq -o "$T/w.log" -e trace=write "$REAL_SETENV" -c "$D/fw_env.config" -s "$T/probe.txt"
nw=$(grep -c '^write(' "$T/w.log")
check "fw_setenv makes write calls to cut at ($nw)" test "$nw" -ge 1
reset_device
strace -qq -o "$T/main.log" -e trace=rename,renameat,fsync "${OC[@]}" install gw-fw.otab >/dev/null 2>&1
nren=$(grep -c '^rename' "$T/main.log")
nfs=$(grep -c '^fsync(' "$T/main.log")

points=()
for k in $(seq 1 "$ncalls"); do
    for w in $(seq 0 "$nw"); do points+=("env:$k:$w"); done
    points+=("torn:$k")
done
for j in $(seq 1 "$nren"); do points+=("rename:$j"); done
for j in $(seq 1 "$nfs"); do points+=("fsync:$j"); done
echo "# ${#points[@]} cut points: env writes ${ncalls}x$((nw + 1)) + $ncalls torn, renames $nren, fsyncs $nfs"
check "at least 25 cut points (${#points[@]})" test "${#points[@]}" -ge 25

bad=0
for pt in "${points[@]}"; do
    reset_device
    why=
    case $pt in
    env:*)
        IFS=: read -r _ k w <<<"$pt"
        (CUT_CALL=$k CUT_WRITE=$w "${OC[@]}" install gw-fw.otab >"$T/run.out" 2>&1; exit $?) 2>/dev/null ;;
    torn:*)
        (CUT_CALL=${pt#torn:} CUT_TORN=1 "${OC[@]}" install gw-fw.otab >"$T/run.out" 2>&1; exit $?) 2>/dev/null
        grep -q '^write(' "$T/torn.log" || why="torn: no write was seen to tear; " ;;
    *)
        sc=${pt%%:*} n=${pt##*:}
        sci=$sc
        [ "$sc" = rename ] && sci=rename,renameat
        (strace -qq -o /dev/null -e trace=$sci -e inject=$sc:signal=SIGKILL:when=$n \
            "${OC[@]}" install gw-fw.otab >"$T/run.out" 2>&1; exit $?) 2>/dev/null ;;
    esac
    p=$(primary)
    case $p in
    A) [ "$(tree_hash "$D/slot-a")" = "$OLD_A" ] || why="primary A changed" ;;
    B) [ "$(tree_hash "$D/slot-b")" = "$(tree_hash "$T/src/rootfs")" ] || why="primary B incomplete" ;;
    *) why="environment: primary '$p'" ;;
    esac
    "$C" --state-dir "$D/state" --system-conf "$D/system.conf" status --json >/dev/null 2>&1 ||
        why="$why; install.json does not parse"
    "${OC[@]}" install gw-fw.otab >"$T/again.out" 2>&1
    rc2=$?
    if [ "$rc2" -eq 0 ] || grep -q E_STATE "$T/again.out"; then
        [ "$(primary)" = B ] && [ "$(tree_hash "$D/slot-b")" = "$(tree_hash "$T/src/rootfs")" ] ||
            why="$why; the later install did not complete the update"
    else
        why="$why; the later install failed ($rc2: $(tail -1 "$T/again.out"))"
    fi
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        failed "power cut at $pt" "$why"
    fi
done
check "every cut point recovered ($((${#points[@]} - bad))/${#points[@]})" test "$bad" -eq 0
finish
