/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: strict JSON parser + canonical encoder never crash, and
 * canonical output of an accepted document is a fixed point when it has no
 * control characters (canonical JSON leaves them raw, which is not JSON). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ota_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    if (ota_json_parse(data, size, 0, &v) != OTA_OK)
        return 0;
    uint8_t *c1 = NULL, *c2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (ota_json_canonical(v, &c1, &n1) == OTA_OK) {
        bool has_ctrl = false;
        for (size_t i = 0; i < n1; i++)
            has_ctrl = has_ctrl || c1[i] < 0x20 || c1[i] == 0x7f;
        json_t *w = NULL;
        if (!has_ctrl && ota_json_parse(c1, n1, 0, &w) == OTA_OK) {
            if (ota_json_canonical(w, &c2, &n2) != OTA_OK || n1 != n2 || memcmp(c1, c2, n1) != 0)
                abort();
            json_decref(w);
        }
    }
    free(c1);
    free(c2);
    json_decref(v);
    return 0;
}
