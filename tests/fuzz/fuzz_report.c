/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: what ota-server parses from request bodies — signed device
 * status reports (POST /v1/reports, from anyone on the network), and the
 * same bytes as the body of PUT /v1/devices/ID/key (ota_json_parse with the
 * server's 1024-byte cap, then ota_report_key_parse, as server/reports.c
 * does): an accepted key is the input's own lower-case hex. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ota_json.h"
#include "ota_report.h"
#include "ota_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ota_report r;
    (void) ota_report_parse(data, size, &r);
    json_t *key = NULL;
    if (ota_json_parse(data, size, 1024, &key) == OTA_OK) {
        uint8_t pk[32];
        if (ota_report_key_parse(key, pk) == OTA_OK) {
            char hex[65];
            ota_hex_encode(pk, sizeof pk, hex);
            const char *in =
                json_string_value(json_object_get(json_object_get(key, "keyval"), "public"));
            if (in == NULL || strcmp(in, hex) != 0)
                abort();
        }
        json_decref(key);
    }
    return 0;
}
