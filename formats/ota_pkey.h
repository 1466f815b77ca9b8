/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_pkey.h — OpenSSL-backed public-key algorithms for TUF keys.
 *
 * TUF schemes handled here (Ed25519 lives elsewhere, on libsodium):
 *
 *   ecdsa-sha2-nistp256  key: PEM SubjectPublicKeyInfo, EC on prime256v1
 *                        (named curve); signature: DER ECDSA-Sig-Value over
 *                        SHA-256 of the message (hex in metadata).
 *   rsassa-pss-sha256    key: PEM SubjectPublicKeyInfo, rsaEncryption OID,
 *                        2048..4096-bit modulus; signature: RSASSA-PSS,
 *                        SHA-256, MGF1-SHA-256, exactly modulus-size bytes.
 *                        Verification auto-detects the salt length (as
 *                        securesystemslib and tuf-js do); signing uses a
 *                        salt as long as the digest (32 bytes), as
 *                        securesystemslib does.
 *
 * Hex decoding of signatures and the keyid are the caller's business: every
 * function here takes and returns raw bytes / PEM text.
 *
 * Thread-safety: every function is reentrant (no state of our own; OpenSSL 3
 * is thread-safe).  Each function removes any OpenSSL error it raised from
 * the thread's error queue before returning, leaving earlier entries alone.
 * Memory: bounded by the inputs' limits (OTA_MAX_PEM_LEN, OTA_MAX_SPKI_DER_LEN,
 * OTA_MAX_SIG_LEN) plus OpenSSL's own per-key allocations; stack < 2 KiB.
 */
#ifndef OTA_PKEY_H
#define OTA_PKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RSA modulus sizes accepted for rsassa-pss-sha256, in bits.  Below 2048 is
 * under NIST's 112-bit floor; above 4096 only costs verification time (a
 * hostile 16384-bit key in metadata would make every verify slow) and no TUF
 * implementation generates it.  Generated keys are 3072 bits, the
 * securesystemslib default (128-bit security). */
#define OTA_PKEY_RSA_MIN_BITS 2048
#define OTA_PKEY_RSA_MAX_BITS 4096
#define OTA_PKEY_RSA_GEN_BITS 3072

/* RSASSA-PSS salt length used when signing: the SHA-256 digest length. */
#define OTA_PKEY_PSS_SALT_LEN 32

/** Key algorithm (TUF scheme) handled by this module.  Values are stable. */
typedef enum ota_pkey_alg { OTA_PKEY_ECDSA_P256 = 1, OTA_PKEY_RSA_PSS_SHA256 = 2 } ota_pkey_alg;

/**
 * Parse a PEM public key and return its DER SubjectPublicKeyInfo.
 *
 * pem (borrowed) holds pem_len bytes, not necessarily NUL-terminated, at
 * most OTA_MAX_PEM_LEN.  It must start with "-----BEGIN PUBLIC KEY-----"
 * and hold exactly one such block, with no PEM headers, followed by nothing
 * but CR/LF.  The key must be exactly alg: an EC key on prime256v1 with a
 * named-curve encoding and an uncompressed or compressed point, or an
 * rsaEncryption RSA key with a modulus of OTA_PKEY_RSA_MIN_BITS..
 * OTA_PKEY_RSA_MAX_BITS bits that passes OpenSSL's public-key check.  The
 * DER must be canonical (re-encoding gives the same bytes).
 *
 * On success the DER is written to der[cap] (borrowed) and its length to
 * *der_len; nothing is written on failure.
 *
 * Returns OTA_OK; OTA_E_KEY for anything that is not such a key (garbage,
 * truncated or trailing data, a private key, another curve or algorithm,
 * RSA size out of range); OTA_E_LIMIT if pem_len > OTA_MAX_PEM_LEN;
 * OTA_E_ARG for NULL pointers or when cap is too small for the DER (at most
 * OTA_MAX_SPKI_DER_LEN bytes); OTA_E_UNSUPPORTED for an unknown alg;
 * OTA_E_NOMEM.
 */
OTA_API OTA_NODISCARD ota_err ota_pkey_pem_to_spki(ota_pkey_alg alg, const char *pem,
                                                   size_t pem_len, uint8_t *der, size_t cap,
                                                   size_t *der_len);

/**
 * Verify sig over msg with the DER SubjectPublicKeyInfo spki.
 *
 * All pointers are borrowed; msg may be NULL when msg_len is 0, sig may be
 * NULL when sig_len is 0.  The key gets the same algorithm, curve, size and
 * canonical-DER checks as in ota_pkey_pem_to_spki() except OpenSSL's RSA
 * public-key check (a few ms per call): keys are expected to have been
 * admitted through ota_pkey_pem_to_spki().
 *
 * ECDSA: sig must be a canonical DER ECDSA-Sig-Value with nothing after it,
 * r and s in [1, n-1]; high-S is accepted (TUF does not normalise S).
 * RSA-PSS: sig must be exactly the modulus size; any salt length is
 * accepted (auto-detected).
 *
 * Returns OTA_OK only for a valid signature; OTA_E_SIGNATURE for any invalid
 * or malformed signature (wrong length, bad or non-canonical DER, trailing
 * bytes, longer than OTA_MAX_SIG_LEN, wrong scheme); OTA_E_KEY when spki
 * cannot be decoded or is not alg; OTA_E_LIMIT if spki_len >
 * OTA_MAX_SPKI_DER_LEN; OTA_E_ARG for NULL pointers; OTA_E_UNSUPPORTED for
 * an unknown alg; OTA_E_NOMEM; OTA_E_CRYPTO if OpenSSL cannot set up the
 * operation.  Never crashes on any input.
 */
OTA_API OTA_NODISCARD ota_err ota_pkey_verify(ota_pkey_alg alg, const uint8_t *spki,
                                              size_t spki_len, const uint8_t *msg,
                                              size_t msg_len, const uint8_t *sig,
                                              size_t sig_len);

/**
 * Generate a new key pair: P-256, or RSA with OTA_PKEY_RSA_GEN_BITS bits
 * (takes about half a second).
 *
 * On success *priv_pem receives a NUL-terminated unencrypted PKCS#8 PEM
 * ("-----BEGIN PRIVATE KEY-----") in sodium_malloc'd memory, transferred:
 * free it with sodium_free().  *pub_pem receives a NUL-terminated PEM
 * SubjectPublicKeyInfo from malloc, transferred: free it with free().
 * Neither is written on failure.  Calls sodium_init() (idempotent).
 *
 * Returns OTA_OK; OTA_E_ARG for NULL pointers; OTA_E_UNSUPPORTED for an
 * unknown alg; OTA_E_NOMEM; OTA_E_CRYPTO if OpenSSL or libsodium fails.
 */
OTA_API OTA_NODISCARD ota_err ota_pkey_generate(ota_pkey_alg alg, char **priv_pem,
                                                char **pub_pem);

/**
 * Sign msg with a private key.
 *
 * priv_pem (borrowed, priv_len bytes, at most OTA_MAX_PEM_LEN, need not be
 * NUL-terminated) must be exactly one unencrypted PKCS#8 PEM block
 * ("-----BEGIN PRIVATE KEY-----") followed by nothing but CR/LF, holding a
 * key that meets the same rules as in ota_pkey_pem_to_spki().  Encrypted
 * and traditional (SEC1, PKCS#1) PEM are refused, never prompted for.
 * Decoded key bytes are wiped before returning; the caller's priv_pem is not
 * copied.
 *
 * ECDSA: writes a DER ECDSA-Sig-Value (at most 72 bytes) over SHA-256(msg).
 * RSA: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt OTA_PKEY_PSS_SALT_LEN bytes;
 * the signature is the modulus size.  Each signature is verified with the
 * public key before it is returned (guards against faults).
 *
 * msg (borrowed) may be NULL when msg_len is 0.  On success the signature is
 * written to sig[cap] (borrowed) and its length to *sig_len; nothing is
 * written on failure.
 *
 * Returns OTA_OK; OTA_E_KEY if priv_pem is not such a key or not alg;
 * OTA_E_LIMIT if priv_len > OTA_MAX_PEM_LEN; OTA_E_ARG for NULL pointers or
 * when cap is too small; OTA_E_UNSUPPORTED for an unknown alg; OTA_E_NOMEM;
 * OTA_E_CRYPTO if signing or the self-check fails.
 */
OTA_API OTA_NODISCARD ota_err ota_pkey_sign(ota_pkey_alg alg, const char *priv_pem,
                                            size_t priv_len, const uint8_t *msg, size_t msg_len,
                                            uint8_t *sig, size_t cap, size_t *sig_len);

/**
 * Derive the PEM SubjectPublicKeyInfo of a private key.
 *
 * priv_pem (borrowed) follows the rules of ota_pkey_sign().  On success
 * *pub_pem receives a NUL-terminated PEM from malloc, transferred: free it
 * with free().  It is byte-identical to the pub_pem ota_pkey_generate()
 * returned for the same key.  Nothing is written on failure.
 *
 * Returns OTA_OK; OTA_E_KEY; OTA_E_LIMIT; OTA_E_ARG for NULL pointers;
 * OTA_E_UNSUPPORTED for an unknown alg; OTA_E_NOMEM; OTA_E_CRYPTO.
 */
OTA_API OTA_NODISCARD ota_err ota_pkey_public_from_private(ota_pkey_alg alg, const char *priv_pem,
                                                           size_t priv_len, char **pub_pem);

/**
 * false in a build without OpenSSL (make NO_OPENSSL=1, OTA_NO_OPENSSL):
 * every function above then returns OTA_E_UNSUPPORTED.
 */
bool ota_pkey_available(void);

#ifdef __cplusplus
}
#endif
#endif
