/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.h — the signing keys one ota-sign run may use.
 *
 * Key files are named on the command line (--key FILE, role key options).
 * Their key ids are read without a passphrase; a key is decrypted only when
 * a role being signed needs it.  A key's passphrase comes from its own
 * --passphrase-file KEYFILE=PASSFILE, else the plain --passphrase-file F,
 * else the OTA_SIGN_PASSPHRASE environment variable (taken out of the
 * environment at start, see passphrase_env_take), else a prompt on the
 * terminal (echo off); passphrases live in sodium_malloc memory and are
 * wiped.
 */
#ifndef OTA_SIGN_KEYS_H
#define OTA_SIGN_KEYS_H

#include <jansson.h>
#include <stdbool.h>

#include "ota_keyfile.h"

#define KEYFILE_MAX (64u * 1024u) /* a key file is read whole, up to this */

typedef struct sign_keyfile {
    char *path;
    char keyid[65];
    bool has_secret;
    bool encrypted;
    bool given;         /* named with -k (not a role key option) */
    json_t *pub;        /* public TUF key object */
    ota_secret_key *sk; /* decrypted on demand */
} sign_keyfile;

/* --passphrase-file KEYFILE=PASSFILE: the passphrase of one key */
typedef struct sign_passfile {
    char keyid[65];
    char *keyfile;
    const char *file; /* borrowed (points into argv) */
} sign_passfile;

typedef struct sign_keys {
    sign_keyfile *v;
    size_t n;
    const char *passphrase_file; /* borrowed: for every key without its own */
    sign_passfile *pass;
    size_t npass;
} sign_keys;

/* Apply one --passphrase-file argument: "KEYFILE=PASSFILE" (when it holds
 * '=' and no file of that whole name exists) for one key, else a file for
 * every key without its own.  A second plain one, or a second for the same
 * key, is a usage error (OTA_E_ARG); message printed.  Warns on stderr when
 * the passphrase file is readable by group or others. */
OTA_NODISCARD ota_err keys_passphrase_option(sign_keys *ks, const char *arg);

/* Read a key file's public part (a .key or .pub file).  Adding the same key
 * twice keeps one entry; returns it in *out (optional). */
OTA_NODISCARD ota_err keys_add(sign_keys *ks, const char *path, sign_keyfile **out);

/* The key with this id, decrypted (asks for its passphrase once); NULL when
 * no private key with this id was given.  *rc tells why on failure
 * (OTA_E_PASSPHRASE, OTA_E_KEY...); an error message is printed. */
ota_secret_key *keys_secret(sign_keys *ks, const char *keyid, ota_err *rc);

void keys_free(sign_keys *ks);

enum {
    PASS_CONFIRM = 1, /* on a terminal, ask twice */
    PASS_NO_ENV = 2,  /* not from OTA_SIGN_PASSPHRASE (a new passphrase) */
};

/*
 * Get a passphrase: file, environment, or terminal prompt.  keyfile names
 * the encrypted key it is for (NULL for a new key): with no source at all,
 * one line says so, naming it, and OTA_E_KEY is returned.  *out is
 * sodium_malloc'd; free with sodium_free.
 */
OTA_NODISCARD ota_err passphrase_get(const char *prompt, const char *file, const char *keyfile,
                                     unsigned flags, char **out, size_t *len);

/* Move OTA_SIGN_PASSPHRASE out of the environment into locked memory: the
 * value is wiped where the environment held it and the variable unset, so
 * children never inherit it.  Call once, first thing in main. */
void passphrase_env_take(void);

/* --kdf interactive|moderate|sensitive; OTA_E_ARG (message printed). */
OTA_NODISCARD ota_err keys_parse_kdf(const char *s, ota_kdf_level *out);

/* Warn (stderr) when path is readable by group or others; what: "passphrase
 * file", "unencrypted private key file". */
void keys_warn_readable(const char *path, const char *what);

#endif
