#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_make_install.sh — `make install` (mk/install.mk) into a scratch
# prefix and a DESTDIR stage: the programs, libotaclient static and shared
# (soname, only the public API exported), the public headers standing alone,
# libotaclient.pc usable by a program built against the installed tree,
# manual pages that groff renders without a warning, the systemd units and
# the default client.conf (never overwritten).
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P=$T/usr
mk() { make --no-print-directory -C "$ROOT" BUILD="$BUILD" ${OTA_SAN:+SAN=$OTA_SAN} "$@"; }

if ! command -v go-md2man >/dev/null; then
    skip "make install" "go-md2man not installed (make deps installs it)"
    finish
    exit
fi
expect_rc 0 "make install PREFIX=$P" mk install PREFIX="$P"

for p in ota-sign ota-server ota-client; do
    check "bin/$p installed and runs" bash -c '"$1" --version >/dev/null' _ "$P/bin/$p"
done
check "bin/ota-publish installed beside ota-sign and runs" bash -c '"$1" --help >/dev/null' _ "$P/bin/ota-publish"
so=$(cd "$P/lib" && ls libotaclient.so.* 2>/dev/null)
check "lib/libotaclient.so.X.Y installed" test -n "$so" -a -f "$P/lib/$so"
check "lib/libotaclient.so links to it" test "$(readlink "$P/lib/libotaclient.so")" = "$so"
check "soname is $so" bash -c 'readelf -d "$1" | grep -q "SONAME.*\[$2\]"' _ "$P/lib/$so" "$so"
check "lib/libotaclient.a installed" test -s "$P/lib/libotaclient.a"

# exported = every OTA_API function of the public headers, nothing else
sed -n 's/^OTA_API[^(]*[^a-z0-9_]\(ota_[a-z0-9_]*\)(.*/\1/p' "$ROOT"/client/include/ota/*.h | sort -u >"$T/api"
nm -D --defined-only "$P/lib/$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' |
    grep -v '^OTACLIENT_' | sort -u >"$T/exported"
check "the public API has functions ($(wc -l <"$T/api"))" test "$(wc -l <"$T/api")" -ge 30
check "the shared library exports exactly the public API" cmp -s "$T/api" "$T/exported"
cmp -s "$T/api" "$T/exported" || diff "$T/api" "$T/exported" | head -5 | sed 's/^/#   /'
check "no libotaformats, curl or sodium symbol leaks" \
    bash -c '! nm -D --defined-only "$1" | grep -qE " (ota_json_|ota_tuf_|ota_bundle_writer|curl_|crypto_)"' _ "$P/lib/$so"

# headers: each compiles alone with only the installed include directory
for h in "$P"/include/ota/*.h; do
    n=ota/${h##*/}
    check "#include <$n> alone, -I$(basename "$P")/include only" \
        bash -c 'printf "#include <%s>\nint ota_header_check;\n" "$1" | cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -nostdinc -isystem "$(cc -print-file-name=include)" -isystem /usr/include -isystem /usr/include/x86_64-linux-gnu -I"$2/include" -x c -' _ "$n" "$P"
done
check "no header outside include/ota/" test "$(find "$P/include" -type f ! -path "*/include/ota/*.h" | wc -l)" -eq 0

# a program against the installed tree, through pkg-config, shared and static
cat >"$T/hello.c" <<'C'
#include <ota/client.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    /* the header's version is the library's */
    printf("%s\n", ota_client_version());
    return strcmp(ota_client_version(), OTA_CLIENT_VERSION) != 0;
}
C
export PKG_CONFIG_PATH=$P/lib/pkgconfig
# a sanitizer build's static library needs the sanitizer runtime at link time
SANLINK=${OTA_SAN:+-fsanitize=$OTA_SAN}
check "pkg-config knows libotaclient" pkg-config --exists libotaclient
check "libotaclient.pc version is the header's" \
    test "$(pkg-config --modversion libotaclient)" = "$(sed -n 's/^#define OTA_CLIENT_VERSION "\(.*\)"/\1/p' "$P/include/ota/client.h")"
# shellcheck disable=SC2046
check "build against the shared library" cc -o "$T/hello" "$T/hello.c" $(pkg-config --cflags --libs libotaclient)
check "it runs with the installed .so" bash -c 'LD_LIBRARY_PATH="$1" "$2" >/dev/null' _ "$P/lib" "$T/hello"
check "it needs $so" bash -c 'readelf -d "$1" | grep -q "NEEDED.*\[$2\]"' _ "$T/hello" "$so"
# shellcheck disable=SC2046
# static libotaclient, its dependencies shared (a fully static link would
# also need libcurl's own static dependencies): the .pc names them
deps=$(pkg-config --print-requires-private libotaclient | tr '\n' ' ')
check "libotaclient.pc lists its dependencies ($deps)" test -n "$deps"
# shellcheck disable=SC2046,SC2086
check "build against the static library (+ pkg-config --libs of its Requires.private)" \
    cc $SANLINK -o "$T/hello-static" "$T/hello.c" $(pkg-config --cflags libotaclient) "$P/lib/libotaclient.a" \
    $(pkg-config --libs $deps) -lpthread
check "the static one runs without the .so" bash -c '! readelf -d "$1" | grep -q libotaclient && "$1" >/dev/null' _ "$T/hello-static"

# manual pages
for m in man1/ota-sign.1 man1/ota-server.1 man1/ota-client.1 man5/ota-client.conf.5; do
    check "share/man/$m installed" test -s "$P/share/man/$m"
    if command -v groff >/dev/null; then
        check "$m: groff renders it without a warning" \
            bash -c 'out=$(groff -k -man -Tutf8 -ww -Wbreak -z "$1" 2>&1); [ -z "$out" ] || { echo "$out" | head -3; false; }' _ "$P/share/man/$m"
    fi
done
command -v groff >/dev/null || skip "manual pages render" "groff not installed"
check "ota-client.conf(5) lists the settings" grep -q "poll_interval" "$P/share/man/man5/ota-client.conf.5"
check "ota-sign(1) has a NAME section" grep -q '^\.SH NAME' "$P/share/man/man1/ota-sign.1"

# units, configuration, examples
for u in ota-server.service ota-client.service ota-sign-renew.service ota-sign-renew.timer; do
    check "unit $u installed" test -s "$P/lib/systemd/system/$u"
done
check "units start the installed programs" grep -q "^ExecStart=$P/bin/ota-client daemon" "$P/lib/systemd/system/ota-client.service"
check "etc/ota/client.conf installed (PREFIX/etc for a PREFIX other than /usr)" test -s "$P/etc/ota/client.conf"
echo "metadata_url = http://mine/" >>"$P/etc/ota/client.conf"
expect_rc 0 "make install again" mk install PREFIX="$P"
check "an edited client.conf is never overwritten" grep -q "http://mine/" "$P/etc/ota/client.conf"
check "system.conf example in share/doc" test -s "$P/share/doc/ota/examples/system.conf"

# a package-style staged install: DESTDIR, PREFIX=/usr, /etc
expect_rc 0 "make install DESTDIR=stage PREFIX=/usr" mk install DESTDIR="$T/stage" PREFIX=/usr
check "staged: usr/bin/ota-client" test -x "$T/stage/usr/bin/ota-client"
check "staged: /etc/ota/client.conf (PREFIX=/usr: SYSCONFDIR=/etc)" test -s "$T/stage/etc/ota/client.conf"
check "staged: the .pc says prefix=/usr (not the stage)" grep -qx "prefix=/usr" "$T/stage/usr/lib/pkgconfig/libotaclient.pc"
check "staged: units run /usr/bin programs" grep -q "^ExecStart=/usr/bin/ota-client daemon" "$T/stage/usr/lib/systemd/system/ota-client.service"
check "staged: nothing outside DESTDIR named after the stage" bash -c '! grep -rq "$1" "$1/usr/lib/pkgconfig" "$1/usr/lib/systemd"' _ "$T/stage"

finish
