/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_keyfile.h — private key files for ota-sign (format: KEYFILE.md).
 *
 * A key file holds one signing key, encrypted with a passphrase by default
 * (Argon2id + XSalsa20-Poly1305 from libsodium, as minisign does), next to
 * its public TUF key object and key id in clear so a tool can tell which
 * role a file is for without asking for its passphrase.  Secrets live in
 * sodium_malloc'd memory and are wiped on free.
 */
#ifndef OTA_KEYFILE_H
#define OTA_KEYFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_key.h"
#include "ota_tuf.h"

#define OTA_KEYFILE_VERSION 1

/* Argon2id cost, stored in the file so any level can be read back. */
typedef enum ota_kdf_level {
    OTA_KDF_INTERACTIVE = 0, /* 64 MiB, ~0.1 s: tests and CI */
    OTA_KDF_MODERATE = 1,    /* 256 MiB, ~0.7 s: the default */
    OTA_KDF_SENSITIVE = 2,   /* 1 GiB, ~3.5 s: root keys on a ceremony machine */
} ota_kdf_level;

typedef struct ota_secret_key ota_secret_key; /* opaque, in sodium_malloc memory */

/* New key of type OTA_KEY_ED25519 or OTA_KEY_ECDSA_P256. */
OTA_NODISCARD ota_err ota_secret_key_generate(ota_keytype type, ota_secret_key **out);

/* Wipes and frees; NULL is a no-op. */
void ota_secret_key_free(ota_secret_key *k);

ota_keytype ota_secret_key_type(const ota_secret_key *k);
/* Key id (hex SHA-256 of the canonical public key object); borrowed. */
const char *ota_secret_key_id(const ota_secret_key *k);
/* Public TUF key object; borrowed (json_incref to keep it). */
json_t *ota_secret_key_public(const ota_secret_key *k);

/* Sign msg; sig[cap] receives the raw signature (Ed25519 64 bytes, ECDSA DER). */
OTA_NODISCARD ota_err ota_secret_key_sign(const ota_secret_key *k, const uint8_t *msg,
                                          size_t msg_len, uint8_t *sig, size_t cap,
                                          size_t *sig_len);

/* Add k's signature over md's canonical bytes (replacing k's previous one). */
OTA_NODISCARD ota_err ota_md_sign(ota_md *md, const ota_secret_key *k);

/*
 * Encode k as a key file.  passphrase NULL (pass_len 0) writes it
 * unencrypted (demo/CI only; the file says so).  *out is a malloc'd
 * NUL-terminated JSON text holding only ciphertext when encrypted.
 */
OTA_NODISCARD ota_err ota_keyfile_encode(const ota_secret_key *k, const char *passphrase,
                                         size_t pass_len, ota_kdf_level level, char **out,
                                         size_t *out_len);

/* Public JSON file for k (the TUF key object plus "keyid"), malloc'd text. */
OTA_NODISCARD ota_err ota_keyfile_encode_public(const ota_secret_key *k, char **out,
                                                size_t *out_len);

/*
 * Read the clear part of a key file (private or public): key id, whether it
 * is encrypted, the public key object (new reference, optional).  Also
 * accepts a bare TUF key object or a .pub file.  OTA_E_KEY when malformed.
 */
OTA_NODISCARD ota_err ota_keyfile_peek(const uint8_t *buf, size_t len, char keyid[65],
                                       bool *has_secret, bool *encrypted, json_t **pub);

/*
 * Decrypt a key file.  OTA_E_PASSPHRASE for a wrong passphrase or a
 * tampered file; OTA_E_KEY when the secret does not match the public key
 * recorded in the file; OTA_E_ARG when encrypted and no passphrase given.
 */
OTA_NODISCARD ota_err ota_keyfile_decode(const uint8_t *buf, size_t len, const char *passphrase,
                                         size_t pass_len, ota_secret_key **out);

#endif
