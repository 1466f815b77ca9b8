#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_deb.sh — the Debian packages end to end: `make deb` builds them
# (dpkg-buildpackage -us -uc -b), each .deb holds what it should (and not what
# another package holds), the control data is right (conffiles, the -dev
# package's dependencies against libotaclient.pc, the shared library's
# shlibs), lintian finds no error; then the packages are unpacked with
# `dpkg -x` into a scratch root (the host's dpkg database is never touched),
# `make demo`'s script runs on the unpacked ota-sign, ota-server and
# ota-client, a program is built against the unpacked libotaclient-dev
# (shared and static) and run, and ota-server's postinst makes its admin
# token in that root with the systemd helpers stubbed.
#
# Not part of `make test`: it rebuilds everything (minutes).  Run:
#   bash tests/packaging/test_deb.sh        (OTA_DEB_DIR=DIR reuses built .debs)
source "$(dirname "$0")/../integration/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ota-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
VER=$(cd "$ROOT" && dpkg-parsechangelog -S Version)
# the library's version is its header's; the shared library's package is
# named after the soname (libotaclient.so.0.MINOR: libotaclient0.MINOR)
HVER=$(sed -n 's/^#define OTA_CLIENT_VERSION "\([0-9.]*\)".*/\1/p' "$ROOT/client/include/ota/client.h")
SO=libotaclient.so.${HVER%.*}
LIB=libotaclient${HVER%.*}
PKGS=(ota-sign ota-server ota-client "$LIB" libotaclient-dev)
check "debian/changelog's version ($VER) is the library's ($HVER)" test "${VER%-*}" = "$HVER"
check "debian/control has the package $LIB (named after $SO)" grep -qx "Package: $LIB" "$ROOT/debian/control"

# ---- 1. build ---------------------------------------------------------------
DEB=${OTA_DEB_DIR:-}
if [ -z "$DEB" ]; then
    DEB=$BUILD/deb
    if make -C "$ROOT" --no-print-directory BUILD="$BUILD" deb >"$T/build.log" 2>&1; then
        pass "make deb (dpkg-buildpackage -us -uc -b)"
    else
        failed "make deb (dpkg-buildpackage -us -uc -b)" "$(tail -20 "$T/build.log")"
    fi
    check "the source tree is left clean (no debian/tmp, debian/build, ../*.deb)" \
        test ! -e "$ROOT/debian/tmp" -a ! -e "$ROOT/debian/build" -a ! -e "$ROOT/debian/files" \
        -a ! -e "$ROOT/../ota-client_${VER}_$ARCH.deb"
fi
case "$DEB" in /*) ;; *) DEB=$PWD/$DEB ;; esac
deb() { echo "$DEB/${1}_${VER}_$ARCH.deb"; }
for p in "${PKGS[@]}"; do
    check "$p: built" test -s "$(deb "$p")"
done
[ "$_fail" -eq 0 ] || { finish; exit 1; }

# ---- 2. what each package holds -------------------------------------------------
for p in "${PKGS[@]}"; do
    dpkg-deb -c "$(deb "$p")" | awk '{ p = $6; sub(/^\./, "", p); print p }' >"$T/$p.files"
done
# has PKG PATH...: every PATH is in PKG; lacks PKG PATTERN: no path matches
has() {
    local p=$1 f; shift
    for f in "$@"; do
        grep -qxF -- "$f" "$T/$p.files" || { echo "#   $p lacks $f"; return 1; }
    done
}
lacks() { ! grep -qE -- "$2" "$T/$1.files"; }
check "ota-sign: the program, its manual, the renewal units and their /etc/default" \
    has ota-sign /usr/bin/ota-sign /usr/share/man/man1/ota-sign.1.gz \
    /lib/systemd/system/ota-sign-renew.service /lib/systemd/system/ota-sign-renew.timer \
    /etc/default/ota-sign-renew /usr/share/doc/ota-sign/copyright
check "ota-server: the program, its manual, its unit and /etc/default" \
    has ota-server /usr/bin/ota-server /usr/share/man/man1/ota-server.1.gz \
    /lib/systemd/system/ota-server.service /etc/default/ota-server /usr/share/doc/ota-server/copyright
check "ota-client: the program, manuals (1, 5), unit, client.conf, the system.conf example" \
    has ota-client /usr/bin/ota-client /usr/share/man/man1/ota-client.1.gz \
    /usr/share/man/man5/ota-client.conf.5.gz /lib/systemd/system/ota-client.service \
    /etc/ota/client.conf /usr/share/doc/ota-client/examples/system.conf
check "$LIB: the shared library under its soname" has "$LIB" "/usr/lib/$MA/$SO"
check "libotaclient-dev: headers, static library, .so link, pkg-config file" \
    has libotaclient-dev /usr/include/ota/client.h /usr/include/ota/install.h \
    "/usr/lib/$MA/libotaclient.a" "/usr/lib/$MA/libotaclient.so" "/usr/lib/$MA/pkgconfig/libotaclient.pc"
mapfile -t headers < <(cd "$ROOT/client/include" && printf '/usr/include/%s\n' ota/*.h)
check "every public header is in libotaclient-dev" has libotaclient-dev "${headers[@]}"
check "each program only in its own package" \
    bash -c 'for p in ota-sign ota-server ota-client; do
               n=$(cat "$1"/*.files | grep -c "^/usr/bin/$p\$"); [ "$n" -eq 1 ] || exit 1
               [ "$(grep -l "^/usr/bin/$p\$" "$1"/*.files)" = "$1/$p.files" ] || exit 1; done' _ "$T"
check "$LIB has no development link, no headers" lacks "$LIB" '\.so$|/include/|\.a$'
check "no package installs under /usr/local or outside /usr, /lib, /etc" \
    bash -c '! cat "$1"/*.files | grep -vE "^/(usr|lib|etc)?(/|$)" | grep -q . && ! grep -q "^/usr/local" "$1"/*.files' _ "$T"

# ---- 3. control data --------------------------------------------------------------
mkdir -p "$T/ctl"
for p in "${PKGS[@]}"; do dpkg-deb -e "$(deb "$p")" "$T/ctl/$p"; done
check "ota-client: /etc/ota/client.conf is a conffile" grep -qx /etc/ota/client.conf "$T/ctl/ota-client/conffiles"
check "ota-server: /etc/default/ota-server is a conffile" grep -qx /etc/default/ota-server "$T/ctl/ota-server/conffiles"
check "ota-sign: /etc/default/ota-sign-renew is a conffile" grep -qx /etc/default/ota-sign-renew "$T/ctl/ota-sign/conffiles"
check "$LIB: shlibs names the package for the soname" \
    grep -q "^libotaclient ${HVER%.*} $LIB " "$T/ctl/$LIB/shlibs"
DEV_DEPENDS=$(dpkg-deb -f "$(deb libotaclient-dev)" Depends)
check "libotaclient-dev depends on $LIB (= $VER)" grep -qF "$LIB (= $VER)" <<<"$DEV_DEPENDS"
# every module libotaclient.pc's Requires.private names must come with the
# -dev package: the host's package owning that module's .pc is a dependency
dpkg-deb --fsys-tarfile "$(deb libotaclient-dev)" | tar -xOf - "./usr/lib/$MA/pkgconfig/libotaclient.pc" >"$T/libotaclient.pc"
mods=$(sed -n 's/^Requires.private: *//p' "$T/libotaclient.pc")
check "libotaclient.pc has Requires.private" test -n "$mods"
for m in $mods; do
    pc=$(PKG_CONFIG_LIBDIR=/usr/lib/$MA/pkgconfig:/usr/share/pkgconfig pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc
    owner=$(dpkg -S "$pc" 2>/dev/null | head -1 | cut -d: -f1)
    check "libotaclient-dev depends on $owner (Requires.private: $m)" \
        test -n "$owner" -a -n "$(grep -oE "(^|[ ,|])$owner( |,|$)" <<<"$DEV_DEPENDS")"
done
check "the packaged units run the programs from /usr/bin" \
    bash -c 'cd "$1" && for p in ota-sign ota-server ota-client; do
               dpkg-deb --fsys-tarfile "$2/${p}_$3.deb" | tar -xOf - --wildcards "./lib/systemd/system/*" |
                 grep "^ExecStart=" | grep -q "=/usr/bin/$p " || exit 1; done' _ "$T" "$DEB" "${VER}_$ARCH"
# dh_installsystemd: ota-client enabled and started (its unit's condition is
# /etc/ota/system.conf), ota-server and the renewal timer neither
check "ota-client's postinst enables and starts its unit" \
    grep -q "deb-systemd-invoke \$_dh_action 'ota-client.service'" "$T/ctl/ota-client/postinst"
check "ota-server's postinst does not start the server" \
    bash -c '! grep -q "deb-systemd-invoke" "$1" && ! grep -q "was-enabled defaults to true" "$1"' _ "$T/ctl/ota-server/postinst"
check "ota-sign's postinst neither enables nor starts the renewal" \
    bash -c '! grep -q "deb-systemd-invoke" "$1" && ! grep -q "was-enabled defaults to true" "$1"' _ "$T/ctl/ota-sign/postinst"
for s in "$T"/ctl/*/{preinst,postinst,prerm,postrm}; do
    [ -e "$s" ] || continue
    check "sh -n ${s#"$T"/ctl/}" sh -n "$s"
done

# a bare CI machine has no lintian: install it (as mk/deb.mk does debhelper),
# or the check would only ever be skipped there
command -v lintian >/dev/null || {
    echo "test_deb: installing lintian" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq lintian >/dev/null
}
if command -v lintian >/dev/null; then
    # --fail-on error: warnings and infos are printed, only errors fail
    out=$(lintian --fail-on error -I "$DEB/ota.changes" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^[EWIP]:' | sed 's/^/#   lintian: /'
    check "lintian: no errors" test "$rc" -eq 0
else
    skip "lintian: no errors" "lintian not installed"
fi

# ---- 4. unpacked into a scratch root: the demo on the installed programs ------------
R=$T/root
mkdir -p "$R"
for p in "${PKGS[@]}"; do dpkg -x "$(deb "$p")" "$R"; done
mkdir -p "$T/demo"
if BUILD="$T/demo" OTA_BINDIR="$R/usr/bin" bash "$ROOT/scripts/demo.sh" >"$T/demo.log" 2>&1; then
    pass "the demo runs on the unpacked ota-sign, ota-server and ota-client"
else
    failed "the demo runs on the unpacked ota-sign, ota-server and ota-client" "$(tail -5 "$T/demo.log")"
fi
check "the demo used the unpacked programs" grep -qF "$R/usr/bin/ota-client --config" "$T/demo.log"
check "the demo finished every step" grep -q "^Everything above ran on 127.0.0.1" "$T/demo.log"
if command -v systemd-analyze >/dev/null; then
    # as test_dist.sh does for dist/systemd, on the units as packaged
    mkdir -p "$T/units"
    for u in "$R"/lib/systemd/system/*; do sed "s#/usr/bin/#$R/usr/bin/#g" "$u" >"$T/units/${u##*/}"; done
    out=$(cd "$T/units" && systemd-analyze verify --man=no ./* 2>&1)
    check "systemd-analyze verify: the packaged units are clean" test $? -eq 0 -a -z "$out"
    [ -n "$out" ] && echo "#   $out"
else
    skip "systemd-analyze verify: the packaged units are clean" "systemd-analyze not installed"
fi

# ---- 5. libotaclient-dev: a program built against the unpacked root ---------------
cat >"$T/prog.c" <<'C'
/* prog.c — built against the unpacked libotaclient-dev: every public header,
 * the version of the library actually linked. */
#include <ota/boot.h>
#include <ota/client.h>
#include <ota/install.h>
#include <ota/report.h>
#include <ota/transport.h>
#include <ota/update.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    puts(ota_client_version());
    return strcmp(ota_client_version(), OTA_CLIENT_VERSION) != 0;
}
C
export PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_LIBDIR=$R/usr/lib/$MA/pkgconfig:/usr/lib/$MA/pkgconfig:/usr/share/pkgconfig
flags=$(pkg-config --cflags --libs libotaclient)
check "pkg-config finds libotaclient in the root (--cflags --libs: $flags)" \
    grep -qF -- "-I$R/usr/include" <<<"$flags"
if out=$(cc -std=c11 -Wall -Wextra -Werror "$T/prog.c" -o "$T/prog" $flags 2>&1); then
    pass "a program compiles and links against the shared libotaclient"
    check "it runs on the unpacked $SO and reports the library version $HVER" \
        test "$(LD_LIBRARY_PATH=$R/usr/lib/$MA "$T/prog")" = "$HVER"
    check "it loads the unpacked $SO" \
        grep -qF "$SO => $R/usr/lib/$MA/$SO" <<<"$(LD_LIBRARY_PATH=$R/usr/lib/$MA ldd "$T/prog")"
else
    failed "a program compiles and links against the shared libotaclient" "$(head -5 <<<"$out")"
fi
# static: libotaclient.a (holding the formats objects too) plus the modules
# of Requires.private, nothing else
static=$(pkg-config --cflags libotaclient) && static+=" -L$R/usr/lib/$MA -l:libotaclient.a $(pkg-config --libs $mods) -lpthread"
if out=$(cc -std=c11 -Wall -Wextra -Werror "$T/prog.c" -o "$T/prog-static" $static 2>&1); then
    pass "a program links libotaclient.a with only the .pc's Requires.private"
    check "the statically linked program runs without libotaclient.so" \
        bash -c '[ "$("$1")" = "$2" ] && ! ldd "$1" | grep -q libotaclient' _ "$T/prog-static" "$HVER"
else
    failed "a program links libotaclient.a with only the .pc's Requires.private" "$(head -5 <<<"$out")"
fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
check "the shared library exports only ota_* functions" \
    bash -c '[ -n "$(nm -D --defined-only "$1" | grep " T ota_")" ] &&
             ! nm -D --defined-only "$1" | awk "\$2 ~ /[TDBR]/ && \$3 !~ /^(ota_|OTACLIENT_)/" | grep -q .' \
    _ "$R/usr/lib/$MA/$SO"

# ---- 6. ota-server's postinst in the scratch root -------------------------------
# The debhelper parts call deb-systemd-helper and systemctl: stubs log them
# (a fresh install: not yet installed, "was enabled" as on a new system).
mkdir -p "$T/stubs"
for c in deb-systemd-helper deb-systemd-invoke systemctl; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/stubs.log"\ncase "$*" in *debian-installed*) exit 1 ;; esac\nexit 0\n' \
        "$c" "$T" >"$T/stubs/$c"
    chmod 755 "$T/stubs/$c"
done
postinst() { DPKG_ROOT=$R PATH="$T/stubs:$PATH" sh "$T/ctl/ota-server/postinst" "$@"; }
TOK=$R/etc/ota/server-admin.token
check "ota-server postinst configure: exit 0" postinst configure
check "the admin token: 64 hex digits and a newline" \
    bash -c '[ "$(wc -c <"$1")" -eq 65 ] && grep -qxE "[0-9a-f]{64}" "$1"' _ "$TOK"
check "the admin token: mode 0600, owned by the installing user" \
    test "$(stat -c '%a %u' "$TOK")" = "600 $(id -u)"
check "the postinst enabled and started nothing" bash -c '! grep -qE " (enable|start|restart) " "$1"' _ "$T/stubs.log"
tok=$(cat "$TOK")
check "an upgrade (configure OLD-VERSION) keeps the token" \
    bash -c 'DPKG_ROOT=$1 PATH="$2:$PATH" sh "$3" configure 0.1.0-0 && [ "$(cat "$4")" = "$5" ]' _ \
    "$R" "$T/stubs" "$T/ctl/ota-server/postinst" "$TOK" "$tok"
printf 'my-own-token\n' >"$TOK"
check "an administrator's own token is kept" \
    bash -c 'DPKG_ROOT=$1 PATH="$2:$PATH" sh "$3" configure && [ "$(cat "$4")" = my-own-token ]' _ \
    "$R" "$T/stubs" "$T/ctl/ota-server/postinst" "$TOK"
rm -f "$TOK"
postinst configure
check "a new install makes a new token" test -s "$TOK" -a "$(cat "$TOK")" != "$tok"
check "postrm purge removes the token" \
    bash -c 'DPKG_ROOT=$1 PATH="$2:$PATH" sh "$3" purge && [ ! -e "$4" ] && [ -e "$1/etc/ota/client.conf" ]' _ \
    "$R" "$T/stubs" "$T/ctl/ota-server/postrm" "$TOK"

finish
