/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_hash.h — the one SHA-256 / SHA-512 of every program (formats library,
 * client, signer, server).
 *
 * Backend: OpenSSL's libcrypto (its EVP digests use the CPU's SHA
 * instructions where there are any: 4-6x libsodium's portable code on the
 * machines we measured, bench/RESULTS.md).  A build with OTA_NO_OPENSSL
 * defined uses libsodium's portable implementation instead.
 *
 * Streaming use:  ota_hash h; if (ota_hash_init(&h, OTA_HASH_SHA256)) fail;
 *                 ota_hash_update(&h, p, n) ...; ota_hash_final(&h, out);
 * ota_hash_final always releases h; a hash that is abandoned is released
 * with ota_hash_free.  Both are safe on a zero-initialised ota_hash.
 */
#ifndef OTA_HASH_H
#define OTA_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

#ifdef OTA_NO_OPENSSL
#include <sodium.h>
#endif

#define OTA_SHA256_LEN 32u
#define OTA_SHA512_LEN 64u

typedef enum ota_hash_alg { OTA_HASH_SHA256 = 1, OTA_HASH_SHA512 = 2 } ota_hash_alg;

typedef struct ota_hash {
    ota_hash_alg alg; /* 0: not initialised or released */
    int failed; /* an update failed: final reports it */
#ifdef OTA_NO_OPENSSL
    union {
        crypto_hash_sha256_state s256;
        crypto_hash_sha512_state s512;
    } u;
#else
    void *md; /* EVP_MD_CTX */
#endif
} ota_hash;

/* OTA_OK, or OTA_E_NOMEM (h is then released). */
OTA_NODISCARD ota_err ota_hash_init(ota_hash *h, ota_hash_alg alg);
void ota_hash_update(ota_hash *h, const void *p, size_t n);
/* Writes the digest (32 or 64 bytes) and releases h.  OTA_E_CRYPTO when
 * the backend failed on the way: out is then filled with 0xff and must not
 * be compared (callers fail closed on the return code). */
OTA_NODISCARD ota_err ota_hash_final(ota_hash *h, uint8_t *out);
void ota_hash_free(ota_hash *h);

/* One-shot digests.  They cannot fail: when libcrypto does, libsodium
 * computes the same digest. */
void ota_sha256(const void *in, size_t n, uint8_t out[OTA_SHA256_LEN]);
void ota_sha512(const void *in, size_t n, uint8_t out[OTA_SHA512_LEN]);

/* Which implementation computes the digests ("libcrypto" or "libsodium"). */
const char *ota_hash_backend(void);

#endif
