/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: key files — peek, and decode without a passphrase (an
 * encrypted file is parsed and bounds-checked up to the point where the
 * passphrase is needed, so no Argon2id run per input). */
#include <stdint.h>
#include <stdlib.h>

#include "ota_keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[65];
    bool has_secret = false, encrypted = false;
    json_t *pub = NULL;
    if (ota_keyfile_peek(data, size, id, &has_secret, &encrypted, &pub) == OTA_OK)
        json_decref(pub);
    ota_secret_key *k = NULL;
    if (ota_keyfile_decode(data, size, NULL, 0, &k) == OTA_OK)
        ota_secret_key_free(k);
    return 0;
}
