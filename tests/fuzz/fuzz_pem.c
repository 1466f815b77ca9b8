/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: PEM / DER keys (formats/ota_pkey.c, the TUF key object of
 * formats/ota_key.c).  The first byte: bit 0 picks the algorithm (ECDSA
 * P-256, RSA-PSS), the rest / 2 % 6 what to fuzz with the other bytes:
 *   0  a PEM public key (ota_pkey_pem_to_spki); the DER it yields, wrapped
 *      as PEM again, is accepted again and gives the same bytes;
 *   1  a DER SubjectPublicKeyInfo that the harness wraps as PEM (base64,
 *      64-column lines), so the fuzzer works on the DER behind the base64;
 *      an accepted key gives back exactly the input DER;
 *   2  ota_pkey_verify: 2 bytes big-endian length, a DER SPKI of that
 *      length, then the signature, over the message of formats/vectors/pkey
 *      (the committed seeds hold the vectors' keys and valid signatures);
 *   3  a PEM private key (ota_pkey_public_from_private, ota_pkey_sign): a
 *      key that is accepted signs, and its signature verifies with its
 *      public key;
 *   4  the same for a DER PKCS#8 key the harness wraps as PEM;
 *   5  a PEM public key as a TUF key object (ota_key_pem_json,
 *      ota_key_parse, ota_key_id): usable exactly when
 *      ota_pkey_pem_to_spki accepts it, with the same DER.
 *
 * "Accepted again" holds for ECDSA only.  OpenSSL's RSA public-key check
 * (ota_pkey_pem_to_spki, and ota_pkey_public_from_private since the fix
 * replayed by test_fuzz_regressions) runs a Miller-Rabin test with random
 * bases on the modulus: for a modulus that is not a product of two large
 * primes it may find a factor on one call and not on the next, so the same
 * RSA key can be accepted once and refused once (seen: 1 refusal in 30
 * `openssl pkey -check` runs).  For RSA the harness therefore only checks
 * that whatever is accepted is consistent (same DER, signatures verify). */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ota_key.h"
#include "ota_limits.h"
#include "ota_pkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* formats/vectors/pkey/message.bin */
static const char MESSAGE[] = "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\"}}";

/* DER as a PEM block of `label`, NUL-terminated and malloc'd (NULL when too
 * big for OTA_MAX_PEM_LEN anyway). */
static char *
pem_wrap(const char *label, const uint8_t *der, size_t len, size_t *out_len)
{
    if (len > OTA_MAX_PEM_LEN)
        return NULL;
    size_t b64cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64cap);
    char *pem = malloc(b64cap + b64cap / 64 + 2 * strlen(label) + 64);
    if (b64 == NULL || pem == NULL)
        abort();
    sodium_bin2base64(b64, b64cap, der, len, sodium_base64_VARIANT_ORIGINAL);
    size_t n = (size_t) sprintf(pem, "-----BEGIN %s-----\n", label);
    size_t blen = strlen(b64);
    for (size_t i = 0; i < blen; i += 64) {
        size_t k = blen - i < 64 ? blen - i : 64;
        memcpy(pem + n, b64 + i, k);
        n += k;
        pem[n++] = '\n';
    }
    n += (size_t) sprintf(pem + n, "-----END %s-----\n", label);
    free(b64);
    *out_len = n;
    return pem;
}

static void
public_pem(ota_pkey_alg alg, const char *pem, size_t len, const uint8_t *want, size_t want_len)
{
    uint8_t der[OTA_MAX_SPKI_DER_LEN];
    size_t dlen = 0;
    if (ota_pkey_pem_to_spki(alg, pem, len, der, sizeof der, &dlen) != OTA_OK)
        return;
    if (dlen == 0 || dlen > sizeof der || (want != NULL && (dlen != want_len ||
                                                           memcmp(der, want, dlen) != 0)))
        abort(); /* an accepted DER is canonical: given back unchanged */
    if (want != NULL)
        return;
    size_t plen = 0;
    char *again = pem_wrap("PUBLIC KEY", der, dlen, &plen);
    uint8_t der2[OTA_MAX_SPKI_DER_LEN];
    size_t dlen2 = 0;
    if (again == NULL)
        abort();
    ota_err rc = ota_pkey_pem_to_spki(alg, again, plen, der2, sizeof der2, &dlen2);
    if ((rc != OTA_OK && alg == OTA_PKEY_ECDSA_P256) ||
        (rc == OTA_OK && (dlen2 != dlen || memcmp(der, der2, dlen) != 0)))
        abort(); /* (RSA: see the header) */
    free(again);
}

static void
private_pem(ota_pkey_alg alg, const char *pem, size_t len)
{
    char *pub = NULL;
    if (ota_pkey_public_from_private(alg, pem, len, &pub) != OTA_OK)
        return;
    uint8_t sig[OTA_MAX_SIG_LEN], der[OTA_MAX_SPKI_DER_LEN];
    size_t slen = 0, dlen = 0;
    if (ota_pkey_pem_to_spki(alg, pub, strlen(pub), der, sizeof der, &dlen) != OTA_OK) {
        if (alg == OTA_PKEY_ECDSA_P256)
            abort(); /* the public key we derived is one we accept (RSA: see the header) */
        free(pub);
        return;
    }
    if (ota_pkey_sign(alg, pem, len, (const uint8_t *) MESSAGE, sizeof MESSAGE - 1, sig,
                      sizeof sig, &slen) == OTA_OK &&
        ota_pkey_verify(alg, der, dlen, (const uint8_t *) MESSAGE, sizeof MESSAGE - 1, sig,
                        slen) != OTA_OK)
        abort(); /* what we sign verifies */
    free(pub);
}

static void
key_object(ota_pkey_alg alg, const uint8_t *data, size_t size)
{
    char *pem = malloc(size + 1);
    if (pem == NULL)
        abort();
    memcpy(pem, data, size);
    pem[size] = '\0';
    size_t len = strlen(pem);
    ota_keytype type = alg == OTA_PKEY_ECDSA_P256 ? OTA_KEY_ECDSA_P256 : OTA_KEY_RSA_PSS_SHA256;
    json_t *obj = ota_key_pem_json(type, pem);
    if (obj != NULL) {
        char id[65];
        ota_key k;
        uint8_t der[OTA_MAX_SPKI_DER_LEN];
        size_t dlen = 0;
        bool direct = ota_pkey_pem_to_spki(alg, pem, len, der, sizeof der, &dlen) == OTA_OK;
        if (ota_key_id(obj, id) != OTA_OK || ota_key_parse(id, obj, &k) != OTA_OK)
            abort();
        /* both ran the public-key check: for RSA either may refuse alone */
        bool both = k.type == type && direct;
        if (((k.type == type) != direct && alg == OTA_PKEY_ECDSA_P256) ||
            (both && (k.pub_len != dlen || memcmp(k.pub, der, dlen) != 0)))
            abort();
        json_decref(obj);
    }
    free(pem);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ota_pkey_alg alg = data[0] & 1 ? OTA_PKEY_RSA_PSS_SHA256 : OTA_PKEY_ECDSA_P256;
    unsigned mode = (data[0] >> 1) % 6u;
    data++;
    size--;
    char *pem = NULL;
    size_t plen = 0;
    switch (mode) {
    case 0: public_pem(alg, (const char *) data, size, NULL, 0); break;
    case 1:
        if ((pem = pem_wrap("PUBLIC KEY", data, size, &plen)) != NULL)
            public_pem(alg, pem, plen, data, size);
        break;
    case 2:
        if (size >= 2) {
            size_t klen = (size_t) data[0] << 8 | data[1];
            if (klen > size - 2)
                klen = size - 2;
            (void) ota_pkey_verify(alg, data + 2, klen, (const uint8_t *) MESSAGE,
                                   sizeof MESSAGE - 1, data + 2 + klen, size - 2 - klen);
        }
        break;
    case 3: private_pem(alg, (const char *) data, size); break;
    case 4:
        if ((pem = pem_wrap("PRIVATE KEY", data, size, &plen)) != NULL)
            private_pem(alg, pem, plen);
        break;
    default: key_object(alg, data, size); break;
    }
    free(pem);
    return 0;
}
