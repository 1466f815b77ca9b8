# SPDX-License-Identifier: Apache-2.0
# mk/cross.mk — `make cross-test ARCH=s390x|arm64|armhf`: the device side
# (libotaformats, libotaclient, ota-client) and every unit test built with
# Debian's cross compiler against the target's own -dev packages, run under
# qemu-user, then the client attack suite with the cross-built ota-client.
#
#   s390x  big-endian, 64-bit          (s390x-linux-gnu-gcc, qemu-s390x)
#   arm64  little-endian, 64-bit       (aarch64-linux-gnu-gcc, qemu-aarch64)
#   armhf  32-bit: time_t, off_t and size_t traps (arm-linux-gnueabihf-gcc,
#          qemu-arm); built with -D_FILE_OFFSET_BITS=64.  time_t stays 32
#          bits: bookworm's armhf libraries were built so (Debian moved to a
#          64-bit time_t after bookworm), and libarchive's and libcurl's
#          interfaces take time_t — a different size would break their ABI
#
# The target's libraries are not installed as multiarch packages (the host's
# security updates make their versions differ from the target's and apt
# refuses the pair): their .deb files (apt-get download) are unpacked into a
# sysroot, build-cross-ARCH/sysroot, that only this build reads.  pkg-config
# looks only there; the programs find their libraries there by an rpath, and
# the C library of the cross compiler's own package (/usr/TRIPLET) through
# qemu's -L.  Nothing is installed for the target system-wide.
#
#   make cross-deps ARCH=…   the compiler, qemu-user and the sysroot
#   make cross-build ARCH=…  the build into build-cross-ARCH/
#   make cross-test ARCH=…   both, then the unit tests and the attack suite

ARCH ?= s390x
CROSS_TRIPLET_s390x := s390x-linux-gnu
CROSS_TRIPLET_arm64 := aarch64-linux-gnu
CROSS_TRIPLET_armhf := arm-linux-gnueabihf
CROSS_QEMU_s390x := qemu-s390x
CROSS_QEMU_arm64 := qemu-aarch64
CROSS_QEMU_armhf := qemu-arm
CROSS_TRIPLET = $(or $(CROSS_TRIPLET_$(ARCH)),$(error ARCH=$(ARCH): one of s390x, arm64, armhf))
CROSS_QEMU = $(CROSS_QEMU_$(ARCH))
CROSS_DIR = $(CURDIR)/build-cross-$(ARCH)
CROSS_SYSROOT = $(CROSS_DIR)/sysroot
CROSS_LIBDIR = $(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET)
# older packages (zlib, liblzma, libbz2, libkeyutils) keep theirs in /lib
CROSS_LIBDIR2 = $(CROSS_SYSROOT)/lib/$(CROSS_TRIPLET)
# what the device side links (and the server headers two unit tests include)
CROSS_DEV := libsodium-dev libjansson-dev libssl-dev zlib1g-dev libzstd-dev libarchive-dev \
             libcurl4-openssl-dev libcmocka-dev
CROSS_HEADERS_ONLY := libmicrohttpd-dev
# the cross compiler's package brings these for the target: never unpacked
CROSS_SKIP := libc6 libc6-dev linux-libc-dev libc-dev-bin gcc-12-base libgcc-s1 \
              libstdc++6 libcrypt1 libcrypt-dev rpcsvc-proto libnsl-dev libtirpc-dev
CROSS_TIME_FLAGS_armhf := -D_FILE_OFFSET_BITS=64

.PHONY: cross-deps cross-build cross-test

cross-deps:
	@set -e; t=$(CROSS_TRIPLET); \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	if ! command -v $$t-gcc >/dev/null || ! command -v $(CROSS_QEMU) >/dev/null; then \
	  echo "cross-deps: installing gcc-$$t and qemu-user"; \
	  $$SUDO apt-get update -qq || true; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gcc-$$t qemu-user >/dev/null; \
	fi; \
	if [ -f $(CROSS_SYSROOT)/.complete ]; then echo "cross-deps: $(CROSS_SYSROOT) present"; exit 0; fi; \
	if ! dpkg --print-foreign-architectures | grep -qx $(ARCH); then \
	  $$SUDO dpkg --add-architecture $(ARCH); fi; \
	if ! apt-cache show libsodium-dev:$(ARCH) >/dev/null 2>&1; then \
	  $$SUDO apt-get update -qq || echo "cross-deps: apt-get update reported errors (a mirror's foreign-architecture index can lag; continuing)"; \
	fi; \
	apt-cache show libsodium-dev:$(ARCH) >/dev/null 2>&1 || \
	  { echo "cross-deps: no $(ARCH) package index (apt-get update failed?)" >&2; exit 1; }; \
	rm -rf $(CROSS_DIR)/debs $(CROSS_SYSROOT); mkdir -p $(CROSS_DIR)/debs $(CROSS_SYSROOT); \
	pk=$$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	      --no-replaces --no-enhances $(CROSS_DEV:%=%:$(ARCH)) 2>/dev/null | \
	      sed -n 's/^\([a-z0-9][a-z0-9.+-]*\):$(ARCH)$$/\1/p' | sort -u); \
	for s in $(CROSS_SKIP); do pk=$$(printf '%s\n' $$pk | grep -vx "$$s" || true); done; \
	echo "cross-deps: unpacking $$(printf '%s\n' $$pk $(CROSS_HEADERS_ONLY) | wc -l) $(ARCH) packages into $(CROSS_SYSROOT)"; \
	cd $(CROSS_DIR)/debs && apt-get download -qq $$(printf '%s:$(ARCH) ' $$pk $(CROSS_HEADERS_ONLY)) 2>&1 | \
	  grep -v 'unsandboxed' || true; \
	for d in $(CROSS_DIR)/debs/*.deb; do dpkg-deb -x $$d $(CROSS_SYSROOT); done; \
	touch $(CROSS_SYSROOT)/.complete

# DT_RPATH (--disable-new-dtags), not RUNPATH: it also finds the libraries
# of libraries (libarchive -> libnettle) in the sysroot.
# pkg-config inside the sysroot only (its .pc files name /usr/...: prefixed)
CROSS_PKG_CONFIG = PKG_CONFIG_LIBDIR=$(CROSS_LIBDIR)/pkgconfig:$(CROSS_SYSROOT)/usr/share/pkgconfig \
                   PKG_CONFIG_SYSROOT_DIR=$(CROSS_SYSROOT) PKG_CONFIG_PATH= pkg-config
# every unit test but those that need the server's libraries to link
CROSS_UNIT := $(filter-out $(BUILD)/tests/test_fleet,$(UNIT_BIN))

# Tests only: gcc 12 for s390x takes cmocka's assert_non_null(strstr(text,
# …)) for a use of the address of the local `text` (-Wdangling-pointer).
cross-build: cross-deps
	@$(MAKE) --no-print-directory BUILD=build-cross-$(ARCH) CC=$(CROSS_TRIPLET)-gcc \
	  PKG_CONFIG="$(CROSS_PKG_CONFIG)" \
	  CFLAGS="$(CROSS_TIME_FLAGS_$(ARCH)) -I$(CROSS_SYSROOT)/usr/include/$(CROSS_TRIPLET) -I$(CROSS_SYSROOT)/usr/include $(CFLAGS)" \
	  LDFLAGS="$(foreach d,$(CROSS_LIBDIR) $(CROSS_LIBDIR2),-L$(d) -Wl,-rpath-link,$(d) -Wl,-rpath,$(d)) -Wl,--disable-new-dtags $(LDFLAGS)" \
	  CHECK_PKGS="libsodium libarchive zlib libzstd libcurl jansson cmocka libcrypto" \
	  TEST_EXTRA_CFLAGS=-Wno-dangling-pointer \
	  cross-build-inner

cross-build-inner: $(LIBFORMATS) $(LIBCLIENT) $(BUILD)/ota-client $(CROSS_UNIT)

# qemu-user runs a target binary: the cross C library from /usr/TRIPLET
CROSS_RUN = $(CROSS_QEMU) -L /usr/$(CROSS_TRIPLET)

cross-test: cross-build
	@echo "cross-test: $(ARCH) unit tests under $(CROSS_QEMU)"
	@RUNNER="$(CROSS_RUN)" tests/run-unit.sh build-cross-$(ARCH)/tests
	@mkdir -p $(CROSS_DIR)/wrap && \
	  printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(CROSS_RUN)" $(CROSS_DIR)/ota-client >$(CROSS_DIR)/wrap/ota-client && \
	  chmod +x $(CROSS_DIR)/wrap/ota-client
	@$(MAKE) --no-print-directory deps-node
	@echo "cross-test: $(ARCH) client attack suite (ota-client under $(CROSS_QEMU))"
	@OTA_CLIENT=$(CROSS_DIR)/wrap/ota-client bash tests/integration/test_client_attacks.sh
