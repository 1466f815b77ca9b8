# SPDX-License-Identifier: Apache-2.0
# mk/examples.mk — examples/*.c: programs an embedder would write, built
# against the public headers only (-Iclient/include, never -Iformats) and
# the libraries, so they break the build when the public API drifts; run by
# tests/integration/test_embed.sh.
$(call pc_memo,CURL_CFLAGS,--cflags libcurl)
EXAMPLES_SRC := $(sort $(wildcard examples/*.c))
EXAMPLES_BIN := $(EXAMPLES_SRC:examples/%.c=$(BUILD)/examples/%)
EXAMPLE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) $(HARDEN) \
                 $(SANFLAGS) -Iclient/include $(CURL_CFLAGS) $(CFLAGS)

$(BUILD)/examples/%: examples/%.c $(LIBCLIENT) $(LIBFORMATS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(EXAMPLE_CFLAGS) -MMD -MP $< -o $@ $(ALL_LDFLAGS) $(LIBCLIENT) $(LIBFORMATS) \
	  $(CLIENT_LIBS) $(DEP_LIBS)

all: $(EXAMPLES_BIN)
-include $(EXAMPLES_BIN:=.d)
