#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Switch backends through whole simulated boot cycles: the library (driven by
# build/tests/otaboot) writes a real bootloader environment — a U-Boot image
# read by fw_printenv/fw_setenv, a grubenv edited by grub-editenv, a symlink
# — and tests/integration/bootsim.sh "reboots" the device with the logic of
# RAUC's boot scripts, writing the kernel command line the library reads.
#
#   A runs -> switch to B -> B tried N times without being marked good ->
#   attempts spent -> back to A; and: B marked good after its first boot ->
#   B keeps booting.
source "$(dirname "$0")/lib.sh"
OB="$BUILD/tests/otaboot"
SIM="$ROOT/tests/integration/bootsim.sh"
T=$(mktemp -d /tmp/ota-boot-it.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

for tool in fw_printenv fw_setenv mkenvimage grub-editenv; do
    command -v "$tool" >/dev/null || { failed "$tool is installed (make deps)"; finish; exit 1; }
done
[ -x "$OB" ] || { failed "$OB is built"; finish; exit 1; }

# eq NAME WANT GOT: one check with both values in the failure line
eq() { if [ "$2" = "$3" ]; then pass "$1"; else failed "$1" "wanted '$2', got '$3'"; fi; }

# ---- U-Boot ---------------------------------------------------------------------
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\nbootdelay=2\n' > defaults.txt
mkenvimage -s 0x4000 -o uboot.env defaults.txt
echo "$T/uboot.env 0x0000 0x4000" > fw_env.config

ub() { "$OB" --backend uboot --fw-config "$T/fw_env.config" "$@"; }
pe() { fw_printenv -c "$T/fw_env.config" -n "$1" 2>/dev/null; }
# reboot: the simulator picks a slot; prints it
ub_boot() { bash "$SIM" uboot --fw-config "$T/fw_env.config" --cmdline "$T/cmdline" 2>>"$T/sim.log"; }
booted() { "$OB" booted --cmdline "$T/cmdline"; }

eq "uboot: first boot starts A" A "$(ub_boot)"
eq "uboot: the library reads ota.slot=A from the command line" A "$(booted)"
check "uboot: cmdline has root= and ota.slot=" grep -q '^root=/dev/fake-A ota.slot=A$' cmdline
eq "uboot: the boot spent one attempt of A" 2 "$(pe BOOT_A_LEFT)"
expect_rc 0 "uboot: A marked good" ub set-state A good
eq "uboot: marking good restores A's budget" 3 "$(pe BOOT_A_LEFT)"

# an update of B: marked bad while written, then made primary
expect_rc 0 "uboot: B marked bad (being written)" ub set-state B bad
eq "uboot: BOOT_B_LEFT=0" 0 "$(pe BOOT_B_LEFT)"
eq "uboot: still A primary" A "$(ub get-primary)"
expect_rc 0 "uboot: switch to B" ub set-primary B
eq "uboot: BOOT_ORDER after the switch (fw_printenv)" "B A" "$(pe BOOT_ORDER)"
eq "uboot: BOOT_B_LEFT after the switch (fw_printenv)" 3 "$(pe BOOT_B_LEFT)"
eq "uboot: get-primary B" B "$(ub get-primary)"
eq "uboot: other variables untouched" 2 "$(pe bootdelay)"

# B never marked good: three attempts, then back to A
for i in 1 2 3; do
    eq "uboot: unconfirmed boot $i of B" B "$(ub_boot)"
    eq "uboot: BOOT_B_LEFT after boot $i" $((3 - i)) "$(pe BOOT_B_LEFT)"
done
eq "uboot: attempts spent: the device falls back to A" A "$(ub_boot)"
eq "uboot: booted A" A "$(booted)"
eq "uboot: get-primary A after the fallback" A "$(ub get-primary)"
eq "uboot: B reads bad" bad "$(ub get-state B)"
expect_rc 0 "uboot: A marked good after the fallback" ub set-state A good
eq "uboot: and A keeps booting" A "$(ub_boot)"

# B again, marked good after its first boot: it keeps booting
expect_rc 0 "uboot: switch to B again" ub set-primary B
eq "uboot: first boot of the new B" B "$(ub_boot)"
expect_rc 0 "uboot: B marked good after its first boot" ub set-state B good
eq "uboot: B's budget restored" 3 "$(pe BOOT_B_LEFT)"
all_b=yes
for i in 1 2 3 4 5; do
    [ "$(ub_boot)" = B ] || all_b="no (boot $i)"
    ub set-state B good || all_b="no (mark $i)"
done
eq "uboot: five more boots, each marked good: always B" yes "$all_b"
eq "uboot: get-primary B" B "$(ub get-primary)"

# every slot bad: the script resets every counter and boots the first again
ub set-state B bad && ub set-state A bad
eq "uboot: nothing left: reset to 3 and the first of BOOT_ORDER" B "$(ub_boot)"
check "uboot: the simulator says it reset the counters" grep -q "reset to 3" sim.log
eq "uboot: after the reset BOOT_A_LEFT" 3 "$(pe BOOT_A_LEFT)"

# a fw_setenv that says yes and writes nothing (Debian 12 with `name value`
# lines): the library and the simulator both notice
mkdir fake
printf '#!/bin/sh\nexit 0\n' > fake/fw_setenv
chmod +x fake/fw_setenv
expect_rc 1 "uboot: a fw_setenv that writes nothing is caught (library)" \
    ub --fw-setenv "$T/fake/fw_setenv" set-primary A
out=$(ub --fw-setenv "$T/fake/fw_setenv" set-primary A 2>&1)
case $out in *E_BOOT*"reads back"*) pass "uboot: ... as E_BOOT, read-back named" ;;
*) failed "uboot: ... as E_BOOT, read-back named" "$out" ;; esac
expect_rc 2 "uboot: a fw_setenv that writes nothing is caught (simulator)" \
    env PATH="$T/fake:$PATH" bash "$SIM" uboot --fw-config "$T/fw_env.config" --cmdline "$T/cmdline"

# garbage and broken environments
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=lots\n' > bad.txt
mkenvimage -s 0x4000 -o uboot.env bad.txt
expect_rc 1 "uboot: BOOT_A_LEFT=lots refused by the library" ub get-primary
expect_rc 2 "uboot: ... and by the simulator" bash "$SIM" uboot --fw-config "$T/fw_env.config" --cmdline "$T/cmdline"
mkenvimage -s 0x4000 -o uboot.env defaults.txt
printf 'XXXX' | dd of=uboot.env bs=1 seek=64 conv=notrunc 2>/dev/null
expect_rc 1 "uboot: CRC broken: E_BOOT" ub get-primary
expect_rc 2 "uboot: CRC broken: the simulator stops" bash "$SIM" uboot --fw-config "$T/fw_env.config" --cmdline "$T/cmdline"
head -c 16384 /dev/zero > uboot.env
expect_rc 1 "uboot: an all-zero env is unreadable" ub get-primary
printf 'BOOT_ORDER=A B\n' > first.txt
fw_setenv -c "$T/fw_env.config" -f defaults.txt -s first.txt 2>/dev/null
eq "uboot: fw_setenv -f DEFAULTS creates it" A "$(ub get-primary)"

# ---- GRUB ---------------------------------------------------------------------
grub-editenv grubenv create
grub-editenv grubenv set ORDER="A B" A_OK=1 A_TRY=0 B_OK=1 B_TRY=0
gb() { "$OB" --backend grub --grubenv "$T/grubenv" "$@"; }
gv() { grub-editenv "$T/grubenv" list | sed -n "s/^$1=//p"; }
gb_boot() { bash "$SIM" grub --grubenv "$T/grubenv" --cmdline "$T/cmdline" 2>>"$T/sim.log"; }

eq "grub: first boot starts A" A "$(gb_boot)"
eq "grub: A_TRY=1 while A runs unconfirmed" 1 "$(gv A_TRY)"
eq "grub: booted A" A "$(booted)"
expect_rc 0 "grub: A marked good" gb set-state A good
eq "grub: A_TRY=0" 0 "$(gv A_TRY)"
expect_rc 0 "grub: B marked bad (being written)" gb set-state B bad
eq "grub: B_OK=0" 0 "$(gv B_OK)"
expect_rc 0 "grub: switch to B" gb set-primary B
eq "grub: ORDER (grub-editenv list)" "B A" "$(gv ORDER)"
eq "grub: B_OK=1 B_TRY=0" "1 0" "$(gv B_OK) $(gv B_TRY)"
eq "grub: get-primary B" B "$(gb get-primary)"
eq "grub: the one trial boot of B" B "$(gb_boot)"
eq "grub: B_TRY=1" 1 "$(gv B_TRY)"
eq "grub: B unconfirmed: the next boot falls back to A" A "$(gb_boot)"
eq "grub: booted A" A "$(booted)"
eq "grub: B reads bad" bad "$(gb get-state B)"
expect_rc 0 "grub: A marked good after the fallback" gb set-state A good
eq "grub: get-primary A" A "$(gb get-primary)"
eq "grub: A keeps booting" A "$(gb_boot)"
gb set-state A good

expect_rc 0 "grub: switch to B again" gb set-primary B
eq "grub: first boot of the new B" B "$(gb_boot)"
expect_rc 0 "grub: B marked good" gb set-state B good
all_b=yes
for i in 1 2 3; do
    [ "$(gb_boot)" = B ] || all_b="no (boot $i)"
    gb set-state B good || all_b="no (mark $i)"
done
eq "grub: three more boots, each marked good: always B" yes "$all_b"

gb set-state A bad && gb set-state B bad
expect_rc 1 "grub: nothing OK: the simulator finds no slot" \
    bash "$SIM" grub --grubenv "$T/grubenv" --cmdline "$T/cmdline"
expect_rc 1 "grub: and the library says E_BOOT for get-primary" gb get-primary
printf '#!/bin/sh\n[ "$2" = set ] && exit 0\nexec grub-editenv "$@"\n' > fake/grub-editenv
chmod +x fake/grub-editenv
expect_rc 1 "grub: a grub-editenv that writes nothing is caught" \
    gb --grub-editenv "$T/fake/grub-editenv" set-primary A
expect_rc 1 "grub: a missing grubenv is refused" "$OB" --backend grub --grubenv "$T/nope" get-primary
check "grub: ... and not created" test ! -e "$T/nope"

# ---- symlink --------------------------------------------------------------------
mkdir -p slots/a slots/b
ln -s "$T/slots/a" current
sl() { "$OB" --backend symlink --link "$T/current" --slot "A=$T/slots/a" --slot "B=$T/slots/b" "$@"; }
sl_boot() {
    bash "$SIM" symlink --link "$T/current" --slot "A=$T/slots/a" --slot "B=$T/slots/b" \
        --cmdline "$T/cmdline" 2>>"$T/sim.log"
}
eq "symlink: boots A" A "$(sl_boot)"
expect_rc 0 "symlink: switch to B" sl set-primary B
eq "symlink: the link points at B's directory" "$T/slots/b" "$(readlink current)"
eq "symlink: boots B" B "$(sl_boot)"
eq "symlink: booted B" B "$(booted)"
expect_rc 0 "symlink: B marked bad" sl set-state B bad
eq "symlink: state file" "A good B bad" "$(tr '\n' ' ' < current.state | sed 's/ $//')"
eq "symlink: no bootloader skips it: still B" B "$(sl get-primary)"
ln -sfn /etc current
expect_rc 1 "symlink: a link elsewhere: the simulator boots nothing" sl_boot
expect_rc 1 "symlink: ... and the library refuses" sl get-primary

finish
