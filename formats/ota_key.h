/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_key.h — TUF public keys: parsing, key ids, signature verification.
 *
 * Supported (keytype / scheme / keyval.public):
 *   ed25519             / ed25519             / 64 hex digits (libsodium)
 *   ecdsa | ecdsa-sha2-nistp256 / ecdsa-sha2-nistp256 / PEM SubjectPublicKeyInfo
 *   rsa                 / rsassa-pss-sha256   / PEM SubjectPublicKeyInfo
 * ECDSA and RSA go through OpenSSL libcrypto (ota_pkey.h).  Any other
 * type, or a supported type whose public key does not decode, yields a key
 * of type OTA_KEY_UNSUPPORTED: it is kept (so the document still parses and
 * its signatures still verify over the received bytes) but never verifies a
 * signature, as the TUF specification asks for unknown key types.
 */
#ifndef OTA_KEY_H
#define OTA_KEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_limits.h"

typedef enum ota_keytype {
    OTA_KEY_UNSUPPORTED = 0,
    OTA_KEY_ED25519 = 1,
    OTA_KEY_ECDSA_P256 = 2,
    OTA_KEY_RSA_PSS_SHA256 = 3,
} ota_keytype;

typedef struct ota_key {
    const char *keyid;  /* borrowed from the document that listed the key */
    ota_keytype type;
    size_t pub_len;     /* ed25519: 32 raw bytes; others: DER SPKI */
    uint8_t pub[OTA_MAX_SPKI_DER_LEN];
} ota_key;

/*
 * Parse a TUF key object.  keyid is borrowed and must outlive *out.
 * OTA_E_FORMAT when obj is not an object with string keytype, scheme and
 * keyval.public; unknown or undecodable keys are OTA_OK with type
 * OTA_KEY_UNSUPPORTED.
 */
OTA_NODISCARD ota_err ota_key_parse(const char *keyid, const json_t *obj, ota_key *out);

/* True when both keys are the same usable public key (same type and bytes):
 * used so one key listed under two key ids is counted once. */
bool ota_key_same(const ota_key *a, const ota_key *b);

/*
 * Key id: lower-case hex SHA-256 of the canonical JSON of the key object as
 * given (keytype, scheme, keyval and any other fields it carries).
 */
OTA_NODISCARD ota_err ota_key_id(const json_t *keyobj, char out[65]);

/*
 * Verify sig[sig_len] over msg with k.  OTA_OK only for a valid signature;
 * OTA_E_SIGNATURE for an invalid or malformed one; OTA_E_UNSUPPORTED when
 * k cannot verify anything.  Never fails open.
 */
OTA_NODISCARD ota_err ota_key_verify(const ota_key *k, const uint8_t *msg, size_t msg_len,
                                     const uint8_t *sig, size_t sig_len);

/*
 * Build the JSON key object for an Ed25519 public key (new reference).
 */
json_t *ota_key_ed25519_json(const uint8_t pk[32]);

/* Build the JSON key object for a PEM public key of the given type. */
json_t *ota_key_pem_json(ota_keytype type, const char *pem);

#endif
