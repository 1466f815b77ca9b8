/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_key.c — TUF key objects: parsing Ed25519, ECDSA P-256 and RSA-PSS
 * public keys, key ids (SHA-256 of the canonical key object), and
 * verifying one signature with one key (formats/TUF_METADATA.md "Keys").
 */
#include "ota_key.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ota_json.h"
#include "ota_pkey.h"
#include "ota_util.h"

static const char *
str_field(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

ota_err
ota_key_parse(const char *keyid, const json_t *obj, ota_key *out)
{
    if (keyid == NULL || out == NULL)
        return OTA_E_ARG;
    if (!json_is_object(obj))
        return OTA_E_FORMAT;
    const char *keytype = str_field(obj, "keytype");
    const char *scheme = str_field(obj, "scheme");
    const json_t *keyval = json_object_get(obj, "keyval");
    const char *pub = json_is_object(keyval) ? str_field(keyval, "public") : NULL;
    if (keytype == NULL || scheme == NULL || pub == NULL)
        return OTA_E_FORMAT;
    size_t pub_len = json_string_length(json_object_get(keyval, "public"));

    memset(out, 0, sizeof *out);
    out->keyid = keyid;
    out->type = OTA_KEY_UNSUPPORTED;

    if (strcmp(keytype, "ed25519") == 0 && strcmp(scheme, "ed25519") == 0) {
        size_t n = 0;
        if (pub_len == 64 && ota_hex_decode(pub, pub_len, out->pub, 32, &n) == OTA_OK && n == 32) {
            out->type = OTA_KEY_ED25519;
            out->pub_len = 32;
        }
    } else if ((strcmp(keytype, "ecdsa") == 0 || strcmp(keytype, "ecdsa-sha2-nistp256") == 0) &&
               strcmp(scheme, "ecdsa-sha2-nistp256") == 0) {
        size_t n = 0;
        if (ota_pkey_pem_to_spki(OTA_PKEY_ECDSA_P256, pub, pub_len, out->pub, sizeof out->pub,
                                 &n) == OTA_OK) {
            out->type = OTA_KEY_ECDSA_P256;
            out->pub_len = n;
        }
    } else if (strcmp(keytype, "rsa") == 0 && strcmp(scheme, "rsassa-pss-sha256") == 0) {
        size_t n = 0;
        if (ota_pkey_pem_to_spki(OTA_PKEY_RSA_PSS_SHA256, pub, pub_len, out->pub,
                                 sizeof out->pub, &n) == OTA_OK) {
            out->type = OTA_KEY_RSA_PSS_SHA256;
            out->pub_len = n;
        }
    }
    if (out->type == OTA_KEY_UNSUPPORTED)
        memset(out->pub, 0, sizeof out->pub);
    return OTA_OK;
}

bool
ota_key_same(const ota_key *a, const ota_key *b)
{
    return a->type != OTA_KEY_UNSUPPORTED && a->type == b->type && a->pub_len == b->pub_len &&
           memcmp(a->pub, b->pub, a->pub_len) == 0;
}

ota_err
ota_key_id(const json_t *keyobj, char out[65])
{
    uint8_t *canon = NULL;
    size_t n = 0;
    if (!json_is_object(keyobj))
        return OTA_E_FORMAT;
    ota_err rc = ota_json_canonical(keyobj, &canon, &n);
    if (rc != OTA_OK)
        return rc;
    uint8_t h[OTA_SHA256_LEN];
    ota_sha256(canon, n, h);
    ota_hex_encode(h, sizeof h, out);
    free(canon);
    return OTA_OK;
}

ota_err
ota_key_verify(const ota_key *k, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
               size_t sig_len)
{
    ota_err rc = OTA_E_SIGNATURE;
    if (k == NULL || (msg == NULL && msg_len > 0))
        return OTA_E_ARG;
    if (sig == NULL || sig_len == 0)
        return OTA_E_SIGNATURE;
    switch (k->type) {
    case OTA_KEY_ED25519:
        if (sig_len != crypto_sign_BYTES || k->pub_len != crypto_sign_PUBLICKEYBYTES)
            return OTA_E_SIGNATURE;
        if (crypto_sign_verify_detached(sig, msg, msg_len, k->pub) == 0)
            rc = OTA_OK;
        break;
    case OTA_KEY_ECDSA_P256:
        rc = ota_pkey_verify(OTA_PKEY_ECDSA_P256, k->pub, k->pub_len, msg, msg_len, sig, sig_len);
        if (rc != OTA_OK)
            rc = OTA_E_SIGNATURE;
        break;
    case OTA_KEY_RSA_PSS_SHA256:
        rc = ota_pkey_verify(OTA_PKEY_RSA_PSS_SHA256, k->pub, k->pub_len, msg, msg_len, sig,
                             sig_len);
        if (rc != OTA_OK)
            rc = OTA_E_SIGNATURE;
        break;
    case OTA_KEY_UNSUPPORTED:
        rc = OTA_E_UNSUPPORTED;
        break;
    }
    return rc;
}

json_t *
ota_key_ed25519_json(const uint8_t pk[32])
{
    char hex[65];
    ota_hex_encode(pk, 32, hex);
    return json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519", "keyval",
                     "public", hex);
}

json_t *
ota_key_pem_json(ota_keytype type, const char *pem)
{
    switch (type) {
    case OTA_KEY_ECDSA_P256:
        return json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ecdsa", "scheme",
                         "ecdsa-sha2-nistp256", "keyval", "public", pem);
    case OTA_KEY_RSA_PSS_SHA256:
        return json_pack("{s:s, s:s, s:{s:s}}", "keytype", "rsa", "scheme", "rsassa-pss-sha256",
                         "keyval", "public", pem);
    case OTA_KEY_ED25519:
    case OTA_KEY_UNSUPPORTED:
        break;
    }
    return NULL;
}
