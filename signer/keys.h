/*
 * keys.h — the signing keys one ota-sign run may use.
 *
 * Key files are named on the command line (--key FILE, role key options).
 * Their key ids are read without a passphrase; a key is decrypted only when
 * a role being signed needs it.  Passphrases come from --passphrase-file,
 * then the OTA_SIGN_PASSPHRASE environment variable, then a prompt on the
 * terminal (echo off); they live in sodium_malloc memory and are wiped.
 */
#ifndef OTA_SIGN_KEYS_H
#define OTA_SIGN_KEYS_H

#include <jansson.h>
#include <stdbool.h>

#include "ota_keyfile.h"

typedef struct sign_keyfile {
    char *path;
    char keyid[65];
    bool has_secret;
    bool encrypted;
    json_t *pub;        /* public TUF key object */
    ota_secret_key *sk; /* decrypted on demand */
} sign_keyfile;

typedef struct sign_keys {
    sign_keyfile *v;
    size_t n;
    const char *passphrase_file; /* borrowed */
} sign_keys;

/* Read a key file's public part (a .key or .pub file).  Adding the same key
 * twice keeps one entry; returns it in *out (optional). */
OTA_NODISCARD ota_err keys_add(sign_keys *ks, const char *path, sign_keyfile **out);

/* The key with this id, decrypted (asks for its passphrase once); NULL when
 * no private key with this id was given.  *rc tells why on failure
 * (OTA_E_PASSPHRASE, OTA_E_KEY...); an error message is printed. */
ota_secret_key *keys_secret(sign_keys *ks, const char *keyid, ota_err *rc);

void keys_free(sign_keys *ks);

/*
 * Get a passphrase: file, environment, or terminal prompt (twice when
 * confirm).  *out is sodium_malloc'd; free with sodium_free.
 */
OTA_NODISCARD ota_err passphrase_get(const char *prompt, const char *file, bool confirm,
                                     char **out, size_t *len);

#endif
