# packaging/yocto/ota-client_0.2.0.bb — BitBake recipe for the device side of
# ota: libotaclient (shared and static) and the ota-client agent with its
# systemd unit and default /etc/ota/client.conf.  The server and the signer
# are not built (`make client` / `make install-client`).  Needs Yocto 3.4
# (honister) or later (":" overrides) and meta-oe (libsodium).  Usage:
# docs/packaging.md; checked by tests/integration/test_recipes.sh.

SUMMARY = "ota update agent and libotaclient (TUF 1.0 client, A/B installer)"
DESCRIPTION = "ota-client verifies every byte of an update against signed TUF 1.0 \
metadata, installs it into the inactive slot, switches the bootloader, confirms \
the new version after a health check or falls back, and sends signed reports."
SECTION = "admin"
LICENSE = "Apache-2.0"
LIC_FILES_CHKSUM = "file://LICENSE;md5=3b83ef96387f14655fc854ddc3c6bd57"

# Point OTA_GIT_URL and SRCREV at your copy of the sources (local.conf or a
# .bbappend; pin SRCREV for a reproducible image), or build a checkout in
# place: INHERIT += "externalsrc" and EXTERNALSRC:pn-ota-client = "/path/to/ota".
OTA_GIT_URL ?= "git://git.example.com/ota.git;protocol=https;branch=main"
SRC_URI = "${OTA_GIT_URL}"
SRCREV ?= "${AUTOREV}"
S = "${WORKDIR}/git"

DEPENDS = "curl libsodium jansson openssl zlib zstd libarchive"

inherit pkgconfig systemd

# The cross toolchain's CC, CFLAGS and LDFLAGS; -Werror off (a compiler of
# another version may warn where the project's does not) and no manual pages
# (they need go-md2man, which OE-Core does not have).
EXTRA_OEMAKE = "'CC=${CC}' 'CFLAGS=${CFLAGS}' 'LDFLAGS=${LDFLAGS}' \
                'PKG_CONFIG=pkg-config' WERROR=0 MANPAGES=0"

do_compile() {
    oe_runmake client
}

do_install() {
    oe_runmake install-client DESTDIR=${D} PREFIX=${prefix} BINDIR=${bindir} \
        LIBDIR=${libdir} INCLUDEDIR=${includedir} SYSCONFDIR=${sysconfdir} \
        MANDIR=${mandir} DOCDIR=${docdir}/${BPN} \
        SYSTEMDUNITDIR=${systemd_system_unitdir}
}

# ota-client links libotaclient statically: the shared library is a package
# of its own for other programs; headers, .so link and .pc go to -dev, the
# archive to -staticdev, the system.conf example to -doc.
PACKAGES =+ "libotaclient"
FILES:libotaclient = "${libdir}/libotaclient.so.*"
FILES:${PN} = "${bindir}/ota-client ${sysconfdir}/ota ${systemd_system_unitdir}/ota-client.service"
CONFFILES:${PN} = "${sysconfdir}/ota/client.conf"

# The unit starts only where /etc/ota/system.conf exists (the image's slots).
SYSTEMD_SERVICE:${PN} = "ota-client.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"
