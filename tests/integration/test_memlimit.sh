#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The agent installs under a hard memory limit: a device with little RAM.
#
#  1. address space (ulimit -v): the smallest limit under which ota-client
#     starts at all (its libraries mapped) is found by bisection, then a
#     whole install (12 MiB tree + kernel image, over HTTP, verified) must
#     succeed with only OTA_MEMLIMIT_HEADROOM_MIB (default 16) more;
#  2. memory charged (a cgroup v1 memory controller, when the machine has a
#     writable one): the install succeeds with memory.limit_in_bytes at
#     OTA_MEMLIMIT_CGROUP_MIB (default 24), page cache of what it writes
#     included;
#  and that limit is real: at 2 MiB the install is killed, and the booted
#  slot and the state are as they were.  (The address space is mostly the
#  libraries' mappings: an install needs hardly more than start-up, so the
#  cgroup is the limit that measures the install.)
source "$(dirname "$0")/lib.sh"

S=$BUILD/ota-sign
C=$BUILD/ota-client
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-memlimit.XXXXXX")
CG=
cleanup() { kill_servers; [ -n "$CG" ] && rmdir "$CG" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
HEAD_MIB=${OTA_MEMLIMIT_HEADROOM_MIB:-16}
CG_MIB=${OTA_MEMLIMIT_CGROUP_MIB:-24}

if [ -n "${OTA_SANITIZED:-}" ]; then
    # ASan reserves terabytes of address space and doubles the heap
    skip "install under a hard memory limit" "sanitizer build"
    finish; exit
fi

source "$(dirname "$0")/device.sh"
mkrepo || { failed "ota-sign init"; finish; exit 1; }
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }
BIG=1 mkrel 2.0.0 gw-1 || failed "release 2.0.0 published (12 MiB more)"

# the smallest address space (KiB, to 1 MiB) in which ota-client starts
lo=1024 hi=1048576
while [ $((hi - lo)) -gt 1024 ]; do
    mid=$(((lo + hi) / 2))
    if (ulimit -v "$mid"; "$C" --help >/dev/null 2>&1); then hi=$mid; else lo=$mid; fi
done
BASE_KB=$hi
echo "# ota-client starts in $((BASE_KB / 1024)) MiB of address space (its libraries)"

# 1. address space
mkdevice dev1 symlink
LIMIT=$((BASE_KB + HEAD_MIB * 1024))
out=$( (ulimit -v "$LIMIT"; "${OC[@]}" install gw-fw.otab) 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ]; then pass "install with the address space limited to start-up + $HEAD_MIB MiB"
else failed "install with the address space limited to start-up + $HEAD_MIB MiB" "exit $rc: $(tail -3 <<<"$out")"; fi
check "… slot B holds exactly the 2.0.0 tree" same_tree "$T/src/2.0.0/rootfs" "$DEV/slot-b"

# 2. memory charged to a cgroup (v1 memory controller)
MEMCG=/sys/fs/cgroup/memory
if [ -w "$MEMCG" ] && [ -f "$MEMCG/memory.limit_in_bytes" ] && mkdir "$MEMCG/ota-memlimit-$$" 2>/dev/null; then
    CG=$MEMCG/ota-memlimit-$$
    incg() { local lim=$1; shift; echo $((lim * 1048576)) >"$CG/memory.limit_in_bytes" &&
             echo 0 >"$CG/memory.max_usage_in_bytes" &&
             sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" "$@"; }
    mkdevice dev3 symlink
    out=$(incg "$CG_MIB" "${OC[@]}" install gw-fw.otab 2>&1) && rc=0 || rc=$?
    peak=$(($(cat "$CG/memory.max_usage_in_bytes") / 1048576))
    echo "# cgroup peak charge: $peak MiB (limit $CG_MIB MiB)"
    if [ "$rc" -eq 0 ]; then pass "install in a cgroup limited to $CG_MIB MiB"
    else failed "install in a cgroup limited to $CG_MIB MiB" "exit $rc: $(tail -3 <<<"$out")"; fi
    check "… slot B holds exactly the 2.0.0 tree" same_tree "$T/src/2.0.0/rootfs" "$DEV/slot-b"
    mkdevice dev4 symlink
    A0=$(slot_hash "$DEV/slot-a")
    out=$(incg 2 "${OC[@]}" install gw-fw.otab 2>&1) && rc=0 || rc=$?
    check "in 2 MiB the install fails (exit $rc)" test "$rc" -ne 0
    check "… the booted slot A untouched" test "$(slot_hash "$DEV/slot-a")" = "$A0"
    check "… and nothing is installed" test "$(state_of state)" != installed
else
    skip "install in a memory-limited cgroup" "no writable cgroup v1 memory controller here"
fi
finish
