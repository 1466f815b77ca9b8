# SPDX-License-Identifier: Apache-2.0
# mk/valgrind.mk — `make valgrind`: the unit tests, and the client attack,
# client CLI and install suites with ota-client, under valgrind's memcheck:
# any invalid read or write, use of uninitialised memory, or a leak
# (definite or indirect) fails the run (exit 99 from the program under it).
# Forked children that exit without freeing (a failed exec's _exit) are not
# checked (--child-silent-after-fork).  Slow: about half an hour on 2 cores.

VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
           --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
           --child-silent-after-fork=yes
VG_SUITES := test_client_attacks test_client_cli test_install

.PHONY: valgrind deps-valgrind
deps-valgrind:
	@command -v valgrind >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq valgrind >/dev/null; }

valgrind: all deps-valgrind deps-node
	@echo "valgrind: unit tests"
	@RUNNER="$(VALGRIND)" tests/run-unit.sh $(BUILD)/tests
	@mkdir -p $(BUILD)/valgrind && \
	  printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(VALGRIND)" $(CURDIR)/$(BUILD)/ota-client >$(BUILD)/valgrind/ota-client && \
	  chmod +x $(BUILD)/valgrind/ota-client
	@rc=0; for s in $(VG_SUITES); do echo "valgrind: $$s (ota-client under memcheck)"; \
	  OTA_CLIENT=$(CURDIR)/$(BUILD)/valgrind/ota-client OTA_CLIENT_COMM=memcheck-amd64- OTA_TIME_FACTOR=3 \
	    BUILD=$(BUILD) bash tests/integration/$$s.sh || rc=1; done; exit $$rc
