# SPDX-License-Identifier: Apache-2.0
# sysconf.sh — sourced by lib.sh and bench/install.sh.
# write_sysconf FILE DIR [RAWCLASS]: the one system.conf writer of the
# simulated A/B devices (suites and bench/install.sh).  Slots DIR/slot-a and
# DIR/slot-b (type dir, bootnames A and B); with RAWCLASS also raw slots
# DIR/RAWCLASS-a.img and DIR/RAWCLASS-b.img in the same groups.  [system]:
# compatible SYS_COMPAT (gw-1), bootloader SYS_BOOT (symlink, with symlink =
# DIR/current), cmdline DIR/cmdline, then the lines of SYS_EXTRA.
write_sysconf() {
    local f=$1 d=$2 raw=${3:-} boot=${SYS_BOOT:-symlink} g
    {
        printf '[system]\ncompatible = %s\nbootloader = %s\ncmdline = %s/cmdline\n' \
            "${SYS_COMPAT:-gw-1}" "$boot" "$d"
        [ "$boot" = symlink ] && printf 'symlink = %s/current\n' "$d"
        [ -n "${SYS_EXTRA:-}" ] && printf '%s\n' "$SYS_EXTRA"
        for g in 0 1; do
            printf '\n[slot.rootfs.%s]\ntype = dir\npath = %s/slot-%s\nbootname = %s\n' \
                "$g" "$d" "$( [ $g = 0 ] && echo a || echo b)" "$( [ $g = 0 ] && echo A || echo B)"
        done
        if [ -n "$raw" ]; then
            for g in 0 1; do
                printf '\n[slot.%s.%s]\ntype = raw\npath = %s/%s-%s.img\nparent = rootfs.%s\n' \
                    "$raw" "$g" "$d" "$raw" "$( [ $g = 0 ] && echo a || echo b)" "$g"
            done
        fi
    } >"$f"
}
