#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bootsim.sh — "reboot" a simulated A/B device: apply the slot-selection logic
# a boot script runs (RAUC's documented U-Boot script and grub.cfg, see
# docs/boot.md) to a real, file-backed bootloader environment, and write the
# kernel command line the chosen slot would get.
#
#   bootsim.sh uboot   --fw-config FILE --cmdline OUT [--attempts N]
#   bootsim.sh grub    --grubenv FILE   --cmdline OUT
#   bootsim.sh symlink --link LINK      --cmdline OUT --slot A=DIR --slot B=DIR ...
#
# uboot:   defaults as the script sets them (BOOT_ORDER "A B", BOOT_x_LEFT N
#          for each listed slot); the first slot of BOOT_ORDER with
#          BOOT_x_LEFT > 0 is chosen and its counter decremented.  None left:
#          every counter is reset to N and the board "resets" (the selection
#          runs once more).  The environment is written with ONE
#          `fw_setenv -c FILE -s SCRIPT` call and read back.
# grub:    RAUC's grub.cfg: ORDER "A B", x_OK=0, x_TRY=0 unless the
#          environment says otherwise; for each slot of ORDER, x_TRY=1 is set
#          and x is chosen when it was OK=1 and TRY=0.  None chosen: x_TRY=0
#          for every OK slot (grub.cfg would now start its rescue entry).
#          Written with ONE `grub-editenv FILE set ...` call and read back.
# symlink: no bootloader: the slot whose directory the link points at.
#
# What it did goes to stderr; the chosen slot's bootname to stdout; OUT gets
# "root=/dev/fake-<x> ota.slot=<x>".  Exit 0 when a slot was chosen, 1 when
# nothing is bootable, 2 on usage or an environment that cannot be read or
# written.
set -u
set -o pipefail

say() { echo "bootsim: $*" >&2; }
die() { say "$*"; exit 2; }
usage() { sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

name_ok() { [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{0,30}$ ]]; }
count_ok() { [[ $1 =~ ^[0-9]{1,4}$ ]]; }

[ $# -ge 1 ] || usage
kind=$1
shift
fw_config="" grubenv="" link="" cmdline="" attempts=3
slots=()
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --fw-config) fw_config=$2 ;;
    --grubenv) grubenv=$2 ;;
    --link) link=$2 ;;
    --cmdline) cmdline=$2 ;;
    --attempts) attempts=$2 ;;
    --slot) slots+=("$2") ;;
    *) usage ;;
    esac
    shift 2
done
[ -n "$cmdline" ] || usage
count_ok "$attempts" || die "--attempts $attempts: not a count"

# boot X: the kernel command line and stdout
boot() {
    printf 'root=/dev/fake-%s ota.slot=%s\n' "$1" "$1" >"$cmdline" || die "cannot write $cmdline"
    echo "$1"
    exit 0
}

declare -A env

# load_env LISTING: name=value lines into env[]
load_env() {
    env=()
    local line
    while IFS= read -r line; do
        case $line in *=*) env["${line%%=*}"]=${line#*=} ;; esac
    done <<<"$1"
}

# ---- U-Boot ----------------------------------------------------------------
uboot_read() {
    local out
    out=$(fw_printenv -c "$fw_config" 2>&1) || die "fw_printenv: $(echo "$out" | head -1)"
    load_env "$out"
}

# uboot_write NAME... : those variables of env[] in one fw_setenv -s call
uboot_write() {
    local dir script v got
    dir=$(mktemp -d) || die "mktemp"
    script=$dir/env
    for v in "$@"; do printf '%s=%s\n' "$v" "${env[$v]}"; done >"$script"
    if ! got=$(fw_setenv -c "$fw_config" -s "$script" 2>&1); then
        rm -rf "$dir"
        die "fw_setenv: $(echo "$got" | head -1)"
    fi
    rm -rf "$dir"
    for v in "$@"; do
        got=$(fw_printenv -c "$fw_config" -n "$v" 2>/dev/null) || got="(missing)"
        [ "$got" = "${env[$v]}" ] || die "fw_setenv said yes but $v reads back as $got, not ${env[$v]}"
    done
}

uboot() {
    [ -n "$fw_config" ] || usage
    uboot_read
    local order=${env[BOOT_ORDER]:-} s left chosen="" names=()
    if [ -z "$order" ]; then
        order="A B"
        say "BOOT_ORDER unset: \"$order\""
    fi
    read -r -a names <<<"$order"
    for s in "${names[@]}"; do
        name_ok "$s" || die "BOOT_ORDER holds \"$s\""
    done
    env[BOOT_ORDER]=$order
    for s in "${names[@]}"; do
        left=${env[BOOT_${s}_LEFT]:-}
        if [ -z "$left" ]; then
            env[BOOT_${s}_LEFT]=$attempts
            say "BOOT_${s}_LEFT unset: $attempts"
        elif ! count_ok "$left"; then
            die "BOOT_${s}_LEFT=\"$left\" is not a count"
        fi
    done
    for round in 1 2; do
        for s in "${names[@]}"; do
            left=${env[BOOT_${s}_LEFT]}
            left=$((10#$left))
            if [ "$left" -gt 0 ]; then
                env[BOOT_${s}_LEFT]=$((left - 1))
                say "slot $s: $left attempts left, booting it ($((left - 1)) left)"
                chosen=$s
                break
            fi
            say "slot $s: no attempts left, skipped"
        done
        [ -n "$chosen" ] && break
        [ "$round" = 2 ] && break
        say "no slot has attempts left: every BOOT_x_LEFT reset to $attempts, board reset"
        for s in "${names[@]}"; do env[BOOT_${s}_LEFT]=$attempts; done
    done
    local vars=(BOOT_ORDER)
    for s in "${names[@]}"; do vars+=("BOOT_${s}_LEFT"); done
    uboot_write "${vars[@]}"
    if [ -z "$chosen" ]; then
        say "nothing bootable"
        exit 1
    fi
    boot "$chosen"
}

# ---- GRUB ------------------------------------------------------------------
grub_read() {
    local out
    [ -f "$grubenv" ] || die "$grubenv: no such file"
    out=$(grub-editenv "$grubenv" list 2>&1) || die "grub-editenv: $(echo "$out" | head -1)"
    load_env "$out"
}

grub() {
    [ -n "$grubenv" ] || usage
    grub_read
    local order=${env[ORDER]:-"A B"} s ok try chosen="" names=() vars=() got
    read -r -a names <<<"$order"
    for s in "${names[@]}"; do
        name_ok "$s" || die "ORDER holds \"$s\""
        ok=${env[${s}_OK]:-0} try=${env[${s}_TRY]:-0}
        count_ok "$ok" || die "${s}_OK=\"$ok\" is not a number"
        count_ok "$try" || die "${s}_TRY=\"$try\" is not a number"
    done
    for s in "${names[@]}"; do
        ok=$((10#${env[${s}_OK]:-0})) try=$((10#${env[${s}_TRY]:-0}))
        env[${s}_TRY]=1
        vars+=("${s}_TRY")
        if [ "$ok" -eq 1 ] && [ "$try" -eq 0 ]; then
            say "slot $s: OK=1 TRY=0, booting it (${s}_TRY=1)"
            chosen=$s
            break
        fi
        say "slot $s: OK=$ok TRY=$try, skipped"
    done
    if [ -z "$chosen" ]; then
        for s in "${names[@]}"; do
            [ "$((10#${env[${s}_OK]:-0}))" -eq 1 ] && env[${s}_TRY]=0
        done
        say "no slot bootable: TRY reset for OK slots (grub.cfg would start its rescue entry)"
    fi
    if [ ${#vars[@]} -gt 0 ]; then
        local args=()
        for s in "${vars[@]}"; do args+=("$s=${env[$s]}"); done
        got=$(grub-editenv "$grubenv" set "${args[@]}" 2>&1) || die "grub-editenv: $got"
        grub_read
        local want
        for s in "${args[@]}"; do
            want=${s#*=}
            [ "${env[${s%%=*}]:-}" = "$want" ] || die "${s%%=*} reads back wrong"
        done
    fi
    [ -n "$chosen" ] || exit 1
    boot "$chosen"
}

# ---- symlink ---------------------------------------------------------------
symlink() {
    [ -n "$link" ] || usage
    [ ${#slots[@]} -gt 0 ] || usage
    local target s
    target=$(readlink "$link") || die "$link: not a symbolic link"
    for s in "${slots[@]}"; do
        if [ "${s#*=}" = "$target" ]; then
            say "$link -> $target: slot ${s%%=*}"
            boot "${s%%=*}"
        fi
    done
    say "$link -> $target: no slot's directory"
    exit 1
}

case $kind in
uboot) uboot ;;
grub) grub ;;
symlink) symlink ;;
*) usage ;;
esac
