/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: TUF metadata of every role type, verified against the root of
 * the committed tuf-js vectors; serialize/reparse of anything accepted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_tuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ota_md *root;

static void
load_root(void)
{
    static int tried;
    if (tried++)
        return;
    FILE *f = fopen(OTA_SOURCE_DIR "/formats/vectors/tufjs/root.json", "rb");
    if (f == NULL)
        return;
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (ota_md_parse(buf, n, OTA_ROLE_ROOT, &root) != OTA_OK)
        root = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_root();
    for (int t = 0; t < OTA_ROLE_COUNT; t++) {
        ota_md *md = NULL;
        if (ota_md_parse(data, size, (ota_role_type) t, &md) != OTA_OK)
            continue;
        size_t nvalid = 0;
        if (root != NULL)
            (void) ota_md_verify_role(root, ota_role_name((ota_role_type) t), md, &nvalid);
        if (t == OTA_ROLE_TARGETS)
            for (size_t i = 0; i < md->ndels; i++)
                (void) ota_delegation_matches(&md->dels[i], "product-x/fw.bin");
        uint8_t *out = NULL;
        size_t n = 0;
        if (ota_md_serialize(md, &out, &n) == OTA_OK) {
            ota_md *again = NULL;
            if (ota_md_parse(out, n, (ota_role_type) t, &again) != OTA_OK)
                abort(); /* what we write must read back */
            if (again->canon_len != md->canon_len ||
                memcmp(again->canon, md->canon, md->canon_len) != 0)
                abort(); /* and sign the same bytes */
            ota_md_free(again);
        }
        free(out);
        ota_md_free(md);
    }
    return 0;
}
