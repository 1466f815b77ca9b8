# SPDX-License-Identifier: Apache-2.0
# mk/install.mk — `make install`, the shared libotaclient and the manual
# pages; included by the top-level Makefile (BUILD, CC, flags and the object
# lists come from there).
#
#   make install [PREFIX=/usr/local] [DESTDIR=]   programs (ota-publish with
#        ota-sign), libotaclient (static and shared), public headers,
#        libotaclient.pc, manual pages,
#        systemd units, the default /etc/ota/client.conf (never overwritten)
#        and examples
#   make man                                      manual pages into $(BUILD)/man
#   make install-build     what `make install` installs, without the tests
#                          (no cmocka needed: for packagers)
#   make client / make install-client   the same for the device side only:
#        libotaclient and ota-client (the Yocto recipe's build and install)
#
# INSTALL_PROGRAMS (default: all three) chooses the programs and, with them,
# their units, manual pages and configuration; MANPAGES=0 builds and installs
# no manual pages (go-md2man is not needed then).
#
# Directories follow the GNU conventions; SYSCONFDIR is /etc for PREFIX=/usr
# and PREFIX/etc otherwise, SYSTEMDUNITDIR PREFIX/lib/systemd/system.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/ota
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
INSTALL ?= install
INSTALL_PROGRAMS ?= ota-sign ota-server ota-client
MANPAGES ?= 1

# the library's version is the one in its public header; the soname carries
# the major number (0.x: every minor release may break the ABI, so 0.MINOR)
OTA_VERSION := $(shell sed -n 's/^\#define OTA_CLIENT_VERSION "\([0-9.]*\)".*/\1/p' client/include/ota/client.h)
OTA_SOVER := $(word 1,$(subst ., ,$(OTA_VERSION))).$(word 2,$(subst ., ,$(OTA_VERSION)))
SONAME := libotaclient.so.$(OTA_SOVER)
LIBCLIENT_SO := $(BUILD)/$(SONAME)
# the installed static library holds libotaformats' objects too, so an
# embedder links one archive (-lotaclient) plus the packages in the .pc
LIBCLIENT_DIST := $(BUILD)/dist/libotaclient.a

# ---- the shared library: only the public API is exported ---------------------
# The symbol list is every OTA_API function declared in client/include/ota/;
# a version script makes the rest local even if someone drops
# -fvisibility=hidden.
$(BUILD)/libotaclient.map: $(wildcard client/include/ota/*.h) mk/install.mk
	@mkdir -p $(dir $@)
	$(Q){ echo "OTACLIENT_$(OTA_SOVER) {"; echo "  global:"; \
	  sed -n 's/^OTA_API[^(]*[^a-z0-9_]\(ota_[a-z0-9_]*\)(.*/    \1;/p' client/include/ota/*.h | sort -u; \
	  echo "  local: *;"; echo "};"; } >$@

$(LIBCLIENT_SO): $(CLIENT_OBJ) $(FORMATS_OBJ) $(BUILD)/libotaclient.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(BUILD)/libotaclient.map \
	  -Wl,--no-undefined $(ALL_LDFLAGS) $(CLIENT_OBJ) $(FORMATS_OBJ) -o $@ $(CLIENT_LIBS) $(DEP_LIBS)

$(LIBCLIENT_DIST): $(CLIENT_OBJ) $(FORMATS_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(Q)ar rcs $@ $^

# pkg-config file, written at install time (it names the install's PREFIX)
define LIBOTACLIENT_PC
prefix=$(PREFIX)
libdir=$(LIBDIR)
includedir=$(INCLUDEDIR)

Name: libotaclient
Description: ota device library: TUF 1.0 client, verified bundles, A/B installer
Version: $(OTA_VERSION)
Requires.private: libcurl $(FORMATS_PKGS)
Cflags: -I$${includedir}
Libs: -L$${libdir} -lotaclient
Libs.private: -lpthread
endef
export LIBOTACLIENT_PC

# ---- manual pages from docs/ (go-md2man) -------------------------------------
# Each page is the manual in docs/ under a roff title and a NAME line (for
# whatis/apropos); ota-client.conf(5) is ota-client.md's "Settings" section.
MAN1 := ota-sign ota-server ota-client
MAN_PAGES := $(MAN1:%=$(BUILD)/man/%.1) $(BUILD)/man/ota-client.conf.5
MD2MAN ?= go-md2man
MAN_NAME_ota-sign := sign update bundles and an ota (TUF 1.0) repository
MAN_NAME_ota-server := serve an ota repository and collect device reports
MAN_NAME_ota-client := the ota update agent: verify, install, confirm or fall back
man: $(MAN_PAGES)

$(BUILD)/man/%.1: docs/%.md mk/install.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MAN     $@")
	$(Q){ printf '%% %s 1 "" "ota $(OTA_VERSION)" "ota manual"\n\n' "$$(echo $* | tr a-z A-Z)"; \
	  printf '# NAME\n\n%s - %s\n\n# DESCRIPTION\n\n' $* "$(MAN_NAME_$*)"; \
	  sed '1{/^# /d}' $<; } | $(MD2MAN) >$@.tmp && mv $@.tmp $@

$(BUILD)/man/ota-client.conf.5: docs/ota-client.md mk/install.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MAN     $@")
	$(Q){ printf '%% OTA-CLIENT.CONF 5 "" "ota $(OTA_VERSION)" "ota manual"\n\n'; \
	  printf '# NAME\n\nota-client.conf - settings of the ota-client update agent\n\n'; \
	  printf '# SYNOPSIS\n\n/etc/ota/client.conf\n\n# DESCRIPTION\n\n'; \
	  sed -n '/^## Settings/,/^## /{/^## /d;p}' $<; \
	  printf '# SEE ALSO\n\nota-client(1), ota-server(1), ota-sign(1)\n'; } | $(MD2MAN) >$@.tmp && mv $@.tmp $@

# ---- install -------------------------------------------------------------------
# what INSTALL_PROGRAMS brings along: the manual pages of those programs (and
# ota-client.conf(5) with ota-client), the units named after them
# (ota-sign-renew.* with ota-sign), the client's configuration and the
# server's and renewal's /etc/default examples
has = $(filter $(1),$(INSTALL_PROGRAMS))
INSTALL_BIN = $(INSTALL_PROGRAMS:%=$(BUILD)/%)
INSTALL_MAN = $(strip $(if $(filter 1,$(MANPAGES)),$(INSTALL_PROGRAMS:%=$(BUILD)/man/%.1) \
                $(if $(call has,ota-client),$(BUILD)/man/ota-client.conf.5)))
INSTALL_UNITS = $(wildcard $(INSTALL_PROGRAMS:%=dist/systemd/%.*) $(if $(call has,ota-sign),dist/systemd/ota-sign-renew.*))
INSTALL_DEFAULTS = $(strip $(if $(call has,ota-server),dist/default/ota-server) \
                   $(if $(call has,ota-sign),dist/default/ota-sign-renew))

.PHONY: install man install-build client install-client
install-build: $(INSTALL_BIN) $(LIBCLIENT_SO) $(LIBCLIENT_DIST) $(INSTALL_MAN)
client:
	@$(MAKE) --no-print-directory install-build INSTALL_PROGRAMS=ota-client
install-client:
	@$(MAKE) --no-print-directory install INSTALL_PROGRAMS=ota-client

install: install-build
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(INCLUDEDIR)/ota $(DESTDIR)$(DOCDIR) $(if $(INSTALL_UNITS),$(DESTDIR)$(SYSTEMDUNITDIR)) \
	  $(if $(INSTALL_MAN),$(DESTDIR)$(MANDIR)/man1) $(if $(filter %.5,$(INSTALL_MAN)),$(DESTDIR)$(MANDIR)/man5) \
	  $(if $(call has,ota-client),$(DESTDIR)$(SYSCONFDIR)/ota) \
	  $(if $(call has,ota-client)$(INSTALL_DEFAULTS),$(DESTDIR)$(DOCDIR)/examples)
	$(INSTALL) -m 755 $(INSTALL_BIN) $(DESTDIR)$(BINDIR)/
	$(if $(call has,ota-sign),$(INSTALL) -m 755 scripts/ota-publish $(DESTDIR)$(BINDIR)/)
	$(INSTALL) -m 644 $(LIBCLIENT_DIST) $(DESTDIR)$(LIBDIR)/libotaclient.a
	$(INSTALL) -m 755 $(LIBCLIENT_SO) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libotaclient.so
	$(INSTALL) -m 644 client/include/ota/*.h $(DESTDIR)$(INCLUDEDIR)/ota/
	printf '%s\n' "$$LIBOTACLIENT_PC" >$(DESTDIR)$(PKGCONFIGDIR)/libotaclient.pc
	$(if $(filter %.1,$(INSTALL_MAN)),$(INSTALL) -m 644 $(filter %.1,$(INSTALL_MAN)) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(filter %.5,$(INSTALL_MAN)),$(INSTALL) -m 644 $(filter %.5,$(INSTALL_MAN)) $(DESTDIR)$(MANDIR)/man5/)
	for u in $(INSTALL_UNITS); do \
	  sed 's#/usr/bin/#$(BINDIR)/#g; s#/etc/#$(SYSCONFDIR)/#g' $$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}.tmp && \
	  chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}.tmp && \
	  mv $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; done
ifneq ($(call has,ota-client),)
	test -e $(DESTDIR)$(SYSCONFDIR)/ota/client.conf || \
	  $(INSTALL) -m 644 dist/etc/ota/client.conf $(DESTDIR)$(SYSCONFDIR)/ota/client.conf
	$(INSTALL) -m 644 dist/etc/ota/system.conf.example $(DESTDIR)$(DOCDIR)/examples/system.conf
endif
	$(if $(INSTALL_DEFAULTS),$(INSTALL) -m 644 $(INSTALL_DEFAULTS) $(DESTDIR)$(DOCDIR)/examples/)
	$(INSTALL) -m 644 README.md CHANGELOG.md LICENSE $(DESTDIR)$(DOCDIR)/
