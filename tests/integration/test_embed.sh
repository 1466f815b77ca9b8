#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_embed.sh — examples/embed.c, firmware that uses libotaclient through
# the public headers only with a switch backend of its own ("bootloader =
# application" in system.conf), updates a simulated A/B device from a real
# ota-server on 127.0.0.1: install, reboot, confirm, up to date, a fallback
# the product's bootloader made, and ota-client refusing a device whose
# switch only the application can drive.
source "$(dirname "$0")/lib.sh"
S=$BUILD/ota-sign C=$BUILD/ota-client E=$BUILD/examples/embed
T=$(mktemp -d "${TMPDIR:-/tmp}/ota-embed.XXXXXX")
trap 'kill_servers; rm -rf "$T"' EXIT
source "$(dirname "$0")/device.sh"

[ -x "$E" ] || { failed "examples/embed was built ($E)"; finish; exit 1; }
mkrepo || { failed "ota-sign init"; finish; exit 1; }
start_server "$T/server.log" --root "$T/repo" || { failed "ota-server starts"; finish; exit 1; }
mkrel 1.0.0 gw-1 || failed "release 1.0.0 published"
mkdevice dev application
echo "primary A good 1 1" >"$DEV/bootstate"
EM=("$E" --state-dir "$DEV/state" --system-conf "$DEV/system.conf" --metadata-url "$U/metadata/" --targets-url "$U/targets/"
    --bootfile "$DEV/bootstate" --device-id gw-0001 --product gw-fw)
reboot_to() { echo "root=/dev/fake ota.slot=$1" >"$DEV/cmdline"; }

out=$("${EM[@]}" update 2>&1)
check "embed update: exit 0" test $? -eq 0
echo "$out" | sed 's/^/#   /'
check "... it says what it installed and where" grep -q "installed gw-fw.otab 1.0.0 into slot B" <<<"$out"
check "... the library it runs is the one its header names" \
    grep -qE "^libotaclient ([0-9.]+) \(built against \1\)" <<<"$out"
check "the application's backend made B primary" grep -qx "primary B good 1 1" "$DEV/bootstate"
check "slot B holds the 1.0.0 tree" same_tree "$T/src/1.0.0/rootfs" "$DEV/slot-b"
check "kernel slot B holds the 1.0.0 image" cmp -s "$T/src/1.0.0/kernel.img" "$DEV/kernel-b.img"
check "status: installed, waiting for the reboot" \
    grep -q "^state installed booted A primary B" <<<"$("${EM[@]}" status)"

reboot_to B
out=$("${EM[@]}" confirm 2>&1)
check "after the reboot into B: confirm" grep -qx confirmed <<<"$out"
check "status: committed, 1.0.0 installed" \
    grep -q "^state committed booted B primary B installed 1.0.0" <<<"$("${EM[@]}" status)"
check "update again: up to date" grep -qx "up to date" <<<"$("${EM[@]}" update 2>&1)"

# 1.1.0 goes to A; the product's bootloader cannot start it and goes back to B
mkrel 1.1.0 gw-1 || failed "release 1.1.0 published"
check "update to 1.1.0 installs into slot A" grep -q "1.1.0 into slot A" <<<"$("${EM[@]}" update 2>&1)"
check "A is primary" grep -qx "primary A good 1 1" "$DEV/bootstate"
echo "primary B good 0 1" >"$DEV/bootstate" # the bootloader gave up on A
reboot_to B
check "the boot check sees the fallback" grep -q "^state fell-back booted B" <<<"$("${EM[@]}" status)"
out=$("${EM[@]}" update 2>&1)
check "1.1.0 is not offered again (marked bad on this device)" grep -qx "up to date" <<<"$out"

# a broken backend file is an error with a message, not a guess
echo "garbage" >"$DEV/bootstate"
out=$("${EM[@]}" status 2>&1)
check "status with an unreadable boot state: primary unknown, still exit 0" grep -q "primary -" <<<"$out"
out=$("${EM[@]}" confirm 2>&1)
check "confirm with an unreadable boot state fails, naming the file" \
    bash -c '! "$@" >/dev/null 2>&1' _ "${EM[@]}" confirm
check "... with the backend's message" grep -q "not a boot state file" <<<"$out"

# ota-client cannot drive a switch that only the application knows
out=$("$C" --state-dir "$DEV/state" --system-conf "$DEV/system.conf" status 2>&1)
rc=$?
check "ota-client on a 'bootloader = application' device: refused (exit $rc)" test "$rc" -ne 0
check "... saying the program must supply the backend" grep -q "ota_install_config.boot" <<<"$out"

finish
