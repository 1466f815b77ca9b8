/* SPDX-License-Identifier: Apache-2.0 */
/* ota_hash.c — SHA-256 and SHA-512 (see ota_hash.h). */
#include "ota_hash.h"

#include <string.h>

#include <sodium.h>

#ifndef OTA_NO_OPENSSL
#include <openssl/evp.h>
#endif

static size_t
digest_len(ota_hash_alg alg)
{
    return alg == OTA_HASH_SHA512 ? OTA_SHA512_LEN : OTA_SHA256_LEN;
}

#ifdef OTA_NO_OPENSSL

const char *
ota_hash_backend(void)
{
    return "libsodium";
}

ota_err
ota_hash_init(ota_hash *h, ota_hash_alg alg)
{
    memset(h, 0, sizeof *h);
    if (alg == OTA_HASH_SHA256)
        crypto_hash_sha256_init(&h->u.s256);
    else if (alg == OTA_HASH_SHA512)
        crypto_hash_sha512_init(&h->u.s512);
    else
        return OTA_E_ARG;
    h->alg = alg;
    return OTA_OK;
}

void
ota_hash_update(ota_hash *h, const void *p, size_t n)
{
    if (h->alg == OTA_HASH_SHA256)
        crypto_hash_sha256_update(&h->u.s256, p, n);
    else if (h->alg == OTA_HASH_SHA512)
        crypto_hash_sha512_update(&h->u.s512, p, n);
    else
        h->failed = 1;
}

ota_err
ota_hash_final(ota_hash *h, uint8_t *out)
{
    ota_hash_alg alg = h->alg;
    if (alg == OTA_HASH_SHA256)
        crypto_hash_sha256_final(&h->u.s256, out);
    else if (alg == OTA_HASH_SHA512)
        crypto_hash_sha512_final(&h->u.s512, out);
    ota_err rc = (alg == 0 || h->failed) ? OTA_E_CRYPTO : OTA_OK;
    if (rc != OTA_OK)
        memset(out, 0xff, digest_len(alg));
    ota_hash_free(h);
    return rc;
}

void
ota_hash_free(ota_hash *h)
{
    sodium_memzero(h, sizeof *h);
}

void
ota_sha256(const void *in, size_t n, uint8_t out[OTA_SHA256_LEN])
{
    crypto_hash_sha256(out, in, n);
}

void
ota_sha512(const void *in, size_t n, uint8_t out[OTA_SHA512_LEN])
{
    crypto_hash_sha512(out, in, n);
}

#else /* libcrypto */

const char *
ota_hash_backend(void)
{
    return "libcrypto";
}

ota_err
ota_hash_init(ota_hash *h, ota_hash_alg alg)
{
    memset(h, 0, sizeof *h);
    const EVP_MD *md = alg == OTA_HASH_SHA256 ? EVP_sha256() : alg == OTA_HASH_SHA512 ? EVP_sha512() : NULL;
    if (md == NULL)
        return OTA_E_ARG;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return OTA_E_NOMEM;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return OTA_E_CRYPTO;
    }
    h->md = ctx;
    h->alg = alg;
    return OTA_OK;
}

void
ota_hash_update(ota_hash *h, const void *p, size_t n)
{
    if (h->md == NULL || (n > 0 && EVP_DigestUpdate(h->md, p, n) != 1))
        h->failed = 1;
}

ota_err
ota_hash_final(ota_hash *h, uint8_t *out)
{
    unsigned int len = 0;
    size_t want = digest_len(h->alg);
    ota_err rc = OTA_OK;
    if (h->md == NULL || h->failed || EVP_DigestFinal_ex(h->md, out, &len) != 1 || len != want)
        rc = OTA_E_CRYPTO;
    if (rc != OTA_OK)
        memset(out, 0xff, want);
    ota_hash_free(h);
    return rc;
}

void
ota_hash_free(ota_hash *h)
{
    if (h->md != NULL)
        EVP_MD_CTX_free(h->md);
    memset(h, 0, sizeof *h);
}

void
ota_sha256(const void *in, size_t n, uint8_t out[OTA_SHA256_LEN])
{
    unsigned int len = 0;
    if (EVP_Digest(in, n, out, &len, EVP_sha256(), NULL) != 1 || len != OTA_SHA256_LEN)
        crypto_hash_sha256(out, in, n);
}

void
ota_sha512(const void *in, size_t n, uint8_t out[OTA_SHA512_LEN])
{
    unsigned int len = 0;
    if (EVP_Digest(in, n, out, &len, EVP_sha512(), NULL) != 1 || len != OTA_SHA512_LEN)
        crypto_hash_sha512(out, in, n);
}

#endif
