# SPDX-License-Identifier: Apache-2.0
# ota — top-level, non-recursive makefile (GNU make).
#
#   make            build everything into $(BUILD)
#   make deps       install missing Debian packages (apt-get), then npm test deps
#   make deps-demo  only what the demo needs (no test tools, no Node.js)
#   make test       deps + build + every test suite (the README's command)
#   make unit       build + cmocka unit tests only
#   make demo       end-to-end demo on 127.0.0.1
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (clang; build-fuzz/)
#   make powerloss  the long power-cut runs (N=1000 kill points per call kind;
#                   lost unsynced writes at every sync/rename/write point)
#   make install    PREFIX=/usr/local DESTDIR= (mk/install.mk); make man
#   make valgrind   unit tests and the client suites under valgrind (slow)
#   make tsan       ThreadSanitizer: unit tests and the threaded programs' suites
#   make cross-test ARCH=s390x|arm64|armhf   the device side on other CPUs
#                   under qemu-user (mk/cross.mk)
#   make clean
#
# Variables: SAN=address,undefined builds with sanitizers (into build-san/),
# WERROR=0 drops -Werror (for packagers), CC, CFLAGS, LDFLAGS as usual.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# V=1 shows full compiler command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

CC ?= cc
PKG_CONFIG ?= pkg-config
WERROR ?= 1
SAN ?=

# NO_OPENSSL=1: the device side without OpenSSL's libcrypto, into
# build-nossl/ (`make client NO_OPENSSL=1`, or the unit tests): hashing by
# libsodium, Ed25519 keys only — ECDSA and RSA keys in metadata are ignored
# like unknown key types, and a threshold only they could meet fails with a
# message naming this build.  ota-sign and ota-server always need libcrypto.
NO_OPENSSL ?=
ifeq ($(NO_OPENSSL),1)
BUILD ?= build-nossl
SSL_PKG :=
NOSSL_CFLAGS := -DOTA_NO_OPENSSL
else
SSL_PKG := libcrypto
endif

ifeq ($(SAN),)
BUILD ?= build
else
BUILD ?= build-san
endif

# Debian packages: to build; to run `make demo` (no Node.js); to test. Kept in
# one place so `make deps`, `make deps-demo` and the README agree.
PKGS := libsodium libarchive zlib libzstd libcurl jansson libmicrohttpd gnutls sqlite3 libpq cmocka $(SSL_PKG)
DEB_PKGS_BUILD := pkg-config libsodium-dev libarchive-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev \
            libjansson-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libpq-dev libcmocka-dev libssl-dev
DEB_PKGS_DEMO := $(DEB_PKGS_BUILD) curl python3
DEB_PKGS := $(DEB_PKGS_DEMO) faketime openssl strace libubootenv-tool u-boot-tools grub-common \
            e2fsprogs util-linux zstd go-md2man chromium chromium-driver postgresql haproxy rclone
DEMO_CMDS := curl python3
TEST_CMDS := $(DEMO_CMDS) faketime openssl strace fw_printenv fw_setenv mkenvimage grub-editenv \
             mkfs.ext4 e2fsck losetup unshare zstd go-md2man chromium chromedriver pg_ctlcluster haproxy rclone

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wformat=2 \
        -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wimplicit-fallthrough \
        -Wframe-larger-than=4096
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT ?= -O2 -g
# hardening: fortified libc calls (level 3: dynamic object sizes), stack
# protector and stack-clash probes; executables are PIE (Debian's default),
# linked with full RELRO (ALL_LDFLAGS)
HARDEN := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fPIC
ifneq ($(SAN),)
OPT := -O1 -g -fno-omit-frame-pointer
HARDEN := -fPIC
SANFLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=all
endif

# pkg-config answers, each asked at most once per make invocation and only
# when a recipe first needs it, so `make deps` (and a no-op make) works before
# the packages exist.  $(call pc_memo,VAR,ARGS) defines VAR recursively as
# "ask pkg-config ARGS, store the answer as the simple variable VAR, then
# expand it": the first expansion replaces the definition by its value.
# formats/ (shared by every program) needs libsodium, jansson, OpenSSL libcrypto
# (ECDSA/RSA keys only), zlib, libzstd and libarchive (bundles).
pc_memo = $(eval $(1) = $$(eval $(1) := $$$$(shell $$(PKG_CONFIG) $(2) 2>/dev/null))$$($(1)))
FORMATS_PKGS := libsodium jansson $(SSL_PKG) zlib libzstd libarchive
$(call pc_memo,DEP_CFLAGS,--cflags $(FORMATS_PKGS))
$(call pc_memo,PC_FORMATS_LIBS,--libs $(FORMATS_PKGS))
DEP_LIBS = $(PC_FORMATS_LIBS) -lpthread
$(call pc_memo,CMOCKA_LIBS,--libs cmocka)
$(call pc_memo,SERVER_LIBS,--libs libmicrohttpd gnutls sqlite3 libpq)
$(call pc_memo,CLIENT_LIBS,--libs libcurl)

# -ffunction-sections -fdata-sections with --gc-sections: the linker drops
# what nothing reaches (libotaclient.so keeps what its exported API needs:
# not the bundle writer or the signer's parts of the formats library).
# libotaclient .text 170.7 -> 144.3 KiB, ota-client 182.2 -> 171.7 KiB (gcc 12,
# -O2; bench/size.sh)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) $(HARDEN) \
             $(SANFLAGS) $(NOSSL_CFLAGS) -fvisibility=hidden -ffunction-sections -fdata-sections \
             -Iformats -Iclient/include $(DEP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) -Wl,-z,relro,-z,now -Wl,--gc-sections $(LDFLAGS)

# Cold code of the device side -- read the configuration, drive the
# bootloader, sign and queue reports, spawn hooks, choose a target: run once
# per update, never per byte -- is optimised for size (-Os where the build
# says -O2; sanitizer and other OPT builds are unchanged).  libotaclient
# .text 152.3 -> 142.4 KiB, ota-client 181.0 -> 171.2 KiB (bench/size.sh; bench/RESULTS.md "Code size").
# The delta index (delta.c, ota_tar.c) too: per chunk or per tree entry, its
# time is reading files and SHA-256 in libcrypto, not its own code.
COLD_SRC := client/src/sysconf.c client/src/boot.c client/src/boot_custom.c \
            client/src/boot_env.c client/src/boot_grub.c client/src/boot_ordered.c \
            client/src/boot_symlink.c client/src/boot_uboot.c client/src/report.c \
            formats/ota_report.c client/src/run.c client/src/choose.c \
            client/src/delta.c formats/ota_tar.c
$(COLD_SRC:%.c=$(BUILD)/%.o): OPT := $(subst -O2,-Os,$(OPT))

# Every object waits for check-deps (order-only: it never makes an object out
# of date), so under -j a missing library stops the build with its one clear
# message before any compiler error.
$(BUILD)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# ---- formats: the shared static library -------------------------------------
FORMATS_SRC := $(sort $(wildcard formats/*.c))
FORMATS_OBJ := $(FORMATS_SRC:%.c=$(BUILD)/%.o)
LIBFORMATS := $(BUILD)/libotaformats.a

$(LIBFORMATS): $(FORMATS_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

# ---- libotaclient: client/src/*.c (public headers in client/include/ota/) ---
CLIENT_SRC := $(sort $(wildcard client/src/*.c))
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(BUILD)/%.o)
LIBCLIENT := $(BUILD)/libotaclient.a

$(LIBCLIENT): $(CLIENT_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

# ---- programs: one directory each -------------------------------------------
SIGNER_SRC := $(sort $(wildcard signer/*.c))
SERVER_SRC := $(sort $(wildcard server/*.c))
AGENT_SRC := $(sort $(wildcard client/agent/*.c))
PROGRAMS := $(if $(SIGNER_SRC),$(BUILD)/ota-sign) $(if $(SERVER_SRC),$(BUILD)/ota-server) \
            $(if $(AGENT_SRC),$(BUILD)/ota-client)

# ota-sign verify-bundle --extract uses the device's slot writers: the static
# link pulls only client/src/slot_*.o from libotaclient (no libcurl).
$(BUILD)/ota-sign: $(SIGNER_SRC:%.c=$(BUILD)/%.o) $(LIBCLIENT) $(LIBFORMATS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -o $@ $(DEP_LIBS)

$(BUILD)/ota-server: $(SERVER_SRC:%.c=$(BUILD)/%.o) $(LIBFORMATS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -o $@ $(SERVER_LIBS) $(DEP_LIBS)

# The fleet page (server/fleet/*: HTML, CSS, JS) is compiled into ota-server:
# each file becomes a C array named after it (fleet.js -> fleet_js[]), made
# with od and sed (no xxd needed); nothing is looked up at run time.
FLEET_ASSETS := $(sort $(wildcard server/fleet/*))
$(BUILD)/gen/fleet_assets.h: $(FLEET_ASSETS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q){ echo "/* generated from server/fleet/ by the Makefile: do not edit */"; \
	  for f in $(FLEET_ASSETS); do \
	    echo "static const unsigned char $$(basename $$f | tr -c 'A-Za-z0-9\n' _)[] = {"; \
	    od -An -v -tx1 $$f | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; echo "};"; \
	  done; } >$@.tmp && mv $@.tmp $@
$(BUILD)/server/fleetpage.o: $(BUILD)/gen/fleet_assets.h
$(BUILD)/server/fleetpage.o: ALL_CFLAGS += -I$(BUILD)/gen
# libpq's header lives in /usr/include/postgresql
$(call pc_memo,PQ_CFLAGS,--cflags libpq)
$(BUILD)/server/db_pg.o: ALL_CFLAGS += $(PQ_CFLAGS)

$(BUILD)/ota-client: $(AGENT_SRC:%.c=$(BUILD)/%.o) $(LIBCLIENT) $(LIBFORMATS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -o $@ $(CLIENT_LIBS) $(DEP_LIBS)

# ---- unit tests (cmocka): one binary per tests/unit/test_*.c ----------------
# Each links every library we build (static: only what it uses is pulled in).
# Objects are compiled on their own ($(BUILD)/tests/unit/test_X.o), so a
# library change relinks the tests without recompiling them.
# cmocka's macros cast between integer types; conversion warnings there are noise.
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_CFLAGS = $(ALL_CFLAGS) -Wno-conversion -Wno-sign-conversion -Wno-frame-larger-than \
              -DOTA_SOURCE_DIR=\"$(CURDIR)\" $(TEST_EXTRA_CFLAGS)
TEST_LIBS = $(if $(CLIENT_SRC),$(LIBCLIENT)) $(LIBFORMATS) $(CLIENT_LIBS) $(DEP_LIBS) $(CMOCKA_LIBS)

$(UNIT_OBJ): $(BUILD)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(UNIT_BIN): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(if $(CLIENT_SRC),$(LIBCLIENT)) $(LIBFORMATS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $< -o $@ $(TEST_LIBS)

# ---- test tools: small programs the shell/interop suites drive --------------
# Linked like the unit tests with every library we build (static: a tool
# pulls in only what it uses, e.g. otaboot the switch backends); compiled by
# the generic rule into $(BUILD)/tests/tools/X.o.
TOOLS_SRC := $(sort $(wildcard tests/tools/*.c))
TOOLS_OBJ := $(TOOLS_SRC:%.c=$(BUILD)/%.o)
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=$(BUILD)/tests/%)
TOOLS_LIBS = $(if $(CLIENT_SRC),$(LIBCLIENT)) $(LIBFORMATS) $(CLIENT_LIBS) $(DEP_LIBS)

$(TOOLS_BIN): $(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(if $(CLIENT_SRC),$(LIBCLIENT)) $(LIBFORMATS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $< -o $@ $(TOOLS_LIBS)

# ---- top-level targets -------------------------------------------------------
.PHONY: bench all deps deps-demo deps-node deps-clang test unit interop integration demo clean \
        check-deps fuzz fuzz-build powerloss

all: check-deps $(LIBFORMATS) $(if $(CLIENT_SRC),$(LIBCLIENT)) $(PROGRAMS) $(UNIT_BIN) $(TOOLS_BIN)

# One pkg-config run when everything is there; one per package to name the
# missing ones otherwise.  A packaging build (make install / install-build,
# mk/install.mk) builds no unit test, so it does not ask for cmocka, and a
# client-only one (INSTALL_PROGRAMS=ota-client) not for the server's libraries.
CHECK_PKGS = $(if $(filter install install-build client install-client,$(MAKECMDGOALS)),$(filter-out \
               cmocka $(if $(filter ota-client,$(INSTALL_PROGRAMS)),$(if $(filter-out ota-client,$(INSTALL_PROGRAMS)),,libmicrohttpd gnutls sqlite3 libpq)),$(PKGS)),$(PKGS))
check-deps:
	@$(PKG_CONFIG) --exists $(CHECK_PKGS) 2>/dev/null && exit 0; \
	missing=""; for p in $(CHECK_PKGS); do $(PKG_CONFIG) --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "missing libraries:$$missing — run 'make deps'" >&2; exit 1; fi

# apt_install WHAT CMDS DEBS: install DEBS when a library in PKGS or a command
# in CMDS is missing (sudo when not root)
define apt_install
	@missing=""; command -v $(PKG_CONFIG) >/dev/null || missing=pkg-config; \
	for p in $(PKGS); do $(PKG_CONFIG) --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	for c in $(2); do command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  echo "$(1): installing Debian packages (missing:$$missing)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(3) >/dev/null; \
	else echo "$(1): all present"; fi
endef

# Node.js from Debian only when there is none: Debian's npm conflicts with a
# nodejs from elsewhere (NodeSource's bundles its own npm)
deps:
	$(call apt_install,deps,$(TEST_CMDS) node npm,$(DEB_PKGS) $$(command -v node >/dev/null && command -v npm >/dev/null || echo nodejs npm))
	@$(MAKE) --no-print-directory deps-node

# what `make demo` needs: the build and curl/python3, not the test tools or Node.js
deps-demo:
	$(call apt_install,deps-demo,$(DEMO_CMDS),$(DEB_PKGS_DEMO))

# npm packages for interoperability tests only, pinned by package-lock.json.
deps-node: tests/interop/node_modules/.package-lock.json

tests/interop/node_modules/.package-lock.json: tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

unit: all headers-check
	@tests/run-unit.sh $(BUILD)/tests

# libotaclient's public headers stand alone: each compiles by itself with
# only -Iclient/include (no formats/, no dependency's headers) and includes
# nothing but ota/ headers and the C library's.
PUBLIC_HDR := $(sort $(wildcard client/include/ota/*.h))
.PHONY: headers-check
headers-check:
	@for h in $(PUBLIC_HDR); do \
	  bad=$$(grep -E '^[[:space:]]*#[[:space:]]*include' $$h | \
	         grep -vE '^#include ("ota/[a-z_]+\.h"|<(stdbool|stddef|stdint|string)\.h>)$$'); \
	  if [ -n "$$bad" ]; then echo "$$h: not an ota/ or C library header: $$bad" >&2; exit 1; fi; \
	  printf '#include "%s"\n#include "%s"\n' $${h#client/include/} $${h#client/include/} | \
	    $(CC) -std=c11 $(WARN) -Iclient/include -fsyntax-only -x c - || \
	    { echo "$$h does not compile alone with -Iclient/include" >&2; exit 1; }; \
	done

interop: all deps-node
	@BUILD=$(BUILD) tests/interop/run.sh

# Shell-driven suites with real processes on 127.0.0.1: tests/integration/test_*.sh
# Under sanitizers, faketime's LD_PRELOAD comes before the ASan runtime
# (harmless, so the link-order check is off) and memory bounds are not
# measured (OTA_SANITIZED).
# Under SAN every sanitizer report goes to $(BUILD)/san-reports/ (log_path)
# and fails the run: a server stopped with a signal, or a program whose
# failure a test expects, would otherwise hide one (exit codes unseen).
SAN_REPORTS := $(abspath $(BUILD))/san-reports
integration: all
	@$(if $(SAN),rm -rf $(SAN_REPORTS); mkdir -p $(SAN_REPORTS);) \
	BUILD=$(BUILD) $(if $(SAN),OTA_SANITIZED=1 \
	  ASAN_OPTIONS=verify_asan_link_order=0:log_path=$(SAN_REPORTS)/asan \
	  UBSAN_OPTIONS=log_path=$(SAN_REPORTS)/ubsan OTA_SAN=$(SAN)) tests/integration/run.sh; \
	rc=$$?; $(if $(SAN),for r in $(SAN_REPORTS)/*; do [ -f "$$r" ] || continue; rc=1; \
	  echo "integration: a sanitizer report ($$r):"; head -40 "$$r"; done;) exit $$rc

# ThreadSanitizer (gcc): the unit tests, then the suites whose programs run
# threads — ota-server's request handling, ota-sign bundle's compression
# workers, the server's package-list cache — against build-tsan/.  Every
# report is written to build-tsan/reports/SUITE.PID (log_path) and fails
# the run: a server's exit code (66 after a race) is not seen by the suites,
# which stop it with a signal.
TSAN_SUITES := test_server_files test_server_reports test_server_limits test_bundle test_advisories
.PHONY: tsan
tsan: deps
	@$(MAKE) --no-print-directory SAN=thread BUILD=build-tsan all
	@$(MAKE) --no-print-directory SAN=thread BUILD=build-tsan unit
	@rm -rf build-tsan/reports; mkdir -p build-tsan/reports; \
	rc=0; for s in $(TSAN_SUITES); do echo "tsan: $$s"; \
	  BUILD=build-tsan OTA_SANITIZED=1 OTA_SAN=thread \
	  TSAN_OPTIONS="exitcode=66 log_path=$(CURDIR)/build-tsan/reports/$$s" \
	    bash tests/integration/$$s.sh | tail -1; [ "$${PIPESTATUS[0]}" -eq 0 ] || rc=1; \
	  for r in build-tsan/reports/$$s.*; do [ -f "$$r" ] || continue; rc=1; \
	    echo "tsan: $$s: a ThreadSanitizer report ($$r):"; head -40 "$$r"; done; done; exit $$rc

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory interop
	@$(MAKE) --no-print-directory integration

# The long power-cut runs: test_powercut.sh with N kill points per frequent
# system call (make test takes 12; every fsync/rename/syncfs point is always
# taken), then test_powerloss.sh (writes not yet on the disk are lost; make
# test takes 48 points) and test_signer_powerloss.sh (ota-sign add; 24) at
# every one of their points.  All run; any fails it.
N ?= 1000
powerloss: all
	@rc=0; BUILD=$(BUILD) POWERCUT_SPREAD=$(N) bash tests/integration/test_powercut.sh || rc=1; \
	BUILD=$(BUILD) POWERLOSS_POINTS=all bash tests/integration/test_powerloss.sh || rc=1; \
	BUILD=$(BUILD) SIGNER_POWERLOSS_POINTS=all bash tests/integration/test_signer_powerloss.sh || rc=1; \
	exit $$rc

demo: deps-demo
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

# every benchmark with its baseline; rewrites bench/RESULTS.md (bench/run.sh:
# QUICK=1, ONLY="server bundle")
bench: all deps-node
	@BUILD=$(BUILD) bench/run.sh

# ---- libFuzzer targets (clang): tests/fuzz/fuzz_*.c --------------------------
# `make fuzz` builds everything a fuzzer links (libotaformats, libotaclient and
# the server's pure parsers) into build-fuzz/ with clang, ASan + UBSan and
# libFuzzer's coverage (a sub-make: BUILD=build-fuzz, target fuzz-build), then
# runs each target FUZZ_SECONDS.  Seeds: the committed tests/fuzz/corpus/NAME/
# (tests/fuzz/mkcorpus.py), tests/fuzz/regressions/NAME/ (inputs that found
# bugs, replayed by tests/unit/test_fuzz_regressions.c) and formats/vectors;
# new inputs go to build-fuzz/corpus/NAME, crashes to build-fuzz/NAME-crash-*.
#
# Every parser of untrusted input and its target (fuzz_NAME):
#   formats/ota_json.c strict JSON, canonical form ........... json (+ every JSON one)
#   formats/ota_tuf.c TUF metadata, signatures ............... metadata, client
#   formats/ota_key.c TUF key objects; ota_pkey.c PEM/DER .... pem, metadata
#   formats/ota_keyfile.c key files .......................... keyfile
#   formats/ota_report.c reports; device key bodies (server) . report
#   formats/ota_bundle_format.c header, manifest, head, table  bundle (0, 1)
#   formats/ota_bundle_reader.c chunks, inflate, tar, tree ... bundle (2), tree
#   formats/ota_bundle_sbom.c a format-3 bundle's package list  bundle (2, bit 3)
#   ota_bundle_custom_head (a target's custom.ota_bundle) .... release (2)
#   formats/ota_release.c ota_release, ota_policy ............ release, client
#   formats/ota_sbom.c SPDX, CycloneDX, dpkg/opkg status,
#     the canonical package list ............................. sbom
#   formats/ota_osv.c OSV advisories, range evaluation;
#     ota_pkgver.c Debian and semver order ................... osv
#   formats/ota_id.c ids, semver; ota_util.c times, hex,
#     numbers, sizes; entry paths and link targets ........... id
#   client/src trust.c, target.c, client.c, choose.c: the
#     update cycle over a transport, the release choice ...... client
#   client/src/slot_dir.c tree extraction into a directory ... tree
#   client/src/sysconf.c system.conf ......................... conf (0)
#   client/agent/options.c client.conf ....................... conf (1)
#   client/src/boot_env.c fw_printenv / grub-editenv output .. conf (2)
#   client/src/install.c install.json (the installer's own) ... conf (3)
#   server/path.c URLs, queries; server/headers.c Range,
#     dates, If-None-Match ................................... server
# Not fuzzed: client/src/curl_transport.c (libcurl parses HTTP; the code
# checks status codes and lengths only), files the programs write for
# themselves besides install.json (the device key, the report queue), operator
# files of ota-server (--device-keys, the admin token), and the handlers of
# server/http.c, reports.c, fleet.c (libmicrohttpd parses requests; they
# route by exact strings and hand bodies, URLs and headers to the parsers
# above).
FUZZ_SECONDS ?= 30
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_BIN := $(FUZZ_NAMES:%=$(BUILD)/%)
FUZZ_SEEDS := formats/vectors/canonical formats/vectors/tufjs formats/vectors/bundle \
              formats/vectors/report
# server/path.c and server/headers.c make no libmicrohttpd calls (they only
# include its header): linked without it
FUZZ_SERVER_OBJ := $(BUILD)/server/path.o $(BUILD)/server/headers.o
FUZZ_LIBS := $(FUZZ_SERVER_OBJ) $(if $(CLIENT_SRC),$(LIBCLIENT)) $(LIBFORMATS)

# fuzz_conf also links the agent's settings parser (its die() is the harness's)
$(BUILD)/fuzz_conf: FUZZ_EXTRA := $(BUILD)/client/agent/options.o
$(BUILD)/fuzz_conf: $(BUILD)/client/agent/options.o

# only meaningful in the sub-make (CC=clang, CFLAGS=-fsanitize=fuzzer-no-link)
$(FUZZ_BIN): $(BUILD)/%: tests/fuzz/%.c $(FUZZ_LIBS)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -DOTA_SOURCE_DIR=\"$(CURDIR)\" -MMD -MP $< $(FUZZ_EXTRA) $(FUZZ_LIBS) \
	  -o $@ $(ALL_LDFLAGS) $(CLIENT_LIBS) $(DEP_LIBS)

fuzz-build: $(FUZZ_BIN)

# the C libraries only (not `deps`: no Node.js, no npm ci for fuzzing)
.PHONY: fuzz-deps fuzz-long
fuzz-deps:
	$(call apt_install,fuzz-deps,,$(DEB_PKGS))

fuzz: fuzz-deps deps-clang
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SAN=address,undefined WERROR=0 \
	  CFLAGS="-fsanitize=fuzzer-no-link" fuzz-build
	@set -eo pipefail; for f in $(FUZZ_NAMES); do \
	  mkdir -p build-fuzz/corpus/$$f; \
	  seeds="$(FUZZ_SEEDS)"; \
	  for d in tests/fuzz/corpus/$$f tests/fuzz/regressions/$$f; do [ -d $$d ] && seeds="$$d $$seeds"; done; \
	  echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
	  if ! build-fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=build-fuzz/$$f- -print_final_stats=0 build-fuzz/corpus/$$f \
	    $$seeds >build-fuzz/$$f.log 2>&1; then \
	    grep -v '^#[0-9]' build-fuzz/$$f.log | tail -60; echo "fuzz: $$f FAILED (build-fuzz/$$f.log)"; exit 1; \
	  fi; tail -1 build-fuzz/$$f.log; \
	done

# the long run: every target for FUZZ_CPU_SECONDS of CPU (default 600),
# FUZZ_JOBS at a time; the table in build-fuzz/long.txt (tests/fuzz/long.sh)
fuzz-long: fuzz-deps deps-clang
	@bash tests/fuzz/long.sh

# clang: the fuzzers' compiler and CI's second one (Debian's clang brings
# libFuzzer and the sanitizer runtimes)
deps-clang:
	@command -v clang >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clang >/dev/null; }

# make analyze: clang's static analyzer (scan-build) over the programs and
# the libraries they link; prints each finding (file:line, kind) and the
# HTML report's directory.  Not in CI: about 20 of its findings are paths
# it cannot see are impossible (a length checked in a callee, a struct
# filled by a copy); read the new ones after a change.
.PHONY: analyze
analyze: fuzz-deps
	@command -v scan-build >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clang-tools >/dev/null; }
	@rm -rf build-analyze; echo "analyze: scan-build over ota-client, ota-sign, ota-server (a few minutes)"
	@scan-build -o build-analyze/report $(MAKE) --no-print-directory BUILD=build-analyze \
	  build-analyze/ota-client build-analyze/ota-sign build-analyze/ota-server >/dev/null 2>&1
	@for f in build-analyze/report/*/report-*.html; do [ -f "$$f" ] || continue; \
	  awk '/^<!-- BUG(FILE|LINE|TYPE) /{v[$$2]=$$3; for (i = 4; i < NF; i++) v[$$2] = v[$$2] " " $$i} \
	    END{print v["BUGFILE"] ":" v["BUGLINE"] "  " v["BUGTYPE"]}' "$$f" | sed "s|^$(CURDIR)/||"; done | sort
	@echo "analyze: report in $$(ls -d build-analyze/report/* 2>/dev/null || echo '(none: no finding)')"

# make install, the shared library, manual pages; make deb (Debian packages);
# examples/ built like an embedder's code
include mk/install.mk
include mk/deb.mk
include mk/examples.mk
# make cross-test ARCH=s390x|arm64|armhf: other CPUs under qemu-user
include mk/cross.mk
# make valgrind: unit tests and the client suites under memcheck
include mk/valgrind.mk

clean:
	rm -rf build build-san build-tsan build-fuzz build-clang build-clang-san build-nossl build-os build-cross-*

ALL_OBJ := $(FORMATS_OBJ) $(CLIENT_OBJ) $(SIGNER_SRC:%.c=$(BUILD)/%.o) $(SERVER_SRC:%.c=$(BUILD)/%.o) \
           $(AGENT_SRC:%.c=$(BUILD)/%.o)
-include $(ALL_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(TOOLS_OBJ:.o=.d) $(FUZZ_BIN:=.d)
