# SPDX-License-Identifier: Apache-2.0
# mk/deb.mk — `make deb`: the Debian packages (debian/) built with
# dpkg-buildpackage -us -uc -b; included by the top-level Makefile.
#
#   make deb [DEB_JOBS=2]   ota-sign, ota-server, ota-client, libotaclient0.1,
#                           libotaclient-dev (and their -dbgsym) plus the
#                           .buildinfo and .changes, collected in $(BUILD)/deb/
#
# debhelper is installed when missing (packaging only: not in `make deps`).
# dpkg-buildpackage writes next to the source tree (..); the files the
# .changes lists are moved from there into $(BUILD)/deb.  The tree is cleaned
# afterwards (-tc: debian/rules clean only removes debian/build, the
# packages' own build directory, never $(BUILD)).

DEB_DIR = $(BUILD)/deb
DEB_JOBS ?= 2

.PHONY: deb
deb:
	@command -v dh >/dev/null || { \
	  echo "deb: installing debhelper"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq debhelper >/dev/null; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)
	dpkg-buildpackage -us -uc -b -tc -j$(DEB_JOBS) --changes-file=$(abspath $(DEB_DIR))/ota.changes
	sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]\{32\} [0-9]* [^ ]* [^ ]* \([^ ]*\)$$/\1/p' $(DEB_DIR)/ota.changes | \
	  while read -r f; do mv "../$$f" $(DEB_DIR)/; done
	@ls $(DEB_DIR)
