/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_keyfile.c — private key files (formats/KEYFILE.md): Argon2id +
 * XSalsa20-Poly1305 encryption at rest, secrets only in sodium_malloc
 * memory, zeroed when done.
 */
#include "ota_keyfile.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ota_json.h"
#include "ota_limits.h"
#include "ota_pkey.h"
#include "ota_util.h"

/* Largest secret we store: a PKCS#8 PEM P-256 key is ~250 bytes. */
#define SECRET_MAX 4096u
/* Sanity ceilings for KDF parameters read from a file (libsodium's own
 * maxima are far beyond what a key file should ask of the machine). */
#define KDF_MEMLIMIT_MAX (4ull * 1024 * 1024 * 1024)
#define KDF_OPSLIMIT_MAX 64ull

struct ota_secret_key {
    ota_keytype type;
    char keyid[65];
    json_t *pub;         /* public TUF key object (not secret, but kept here) */
    uint8_t seed[32];    /* ed25519 */
    uint8_t sk[64];      /* ed25519 */
    size_t secret_len;   /* ecdsa: PEM length */
    char secret[SECRET_MAX]; /* ecdsa: PKCS#8 PEM, NUL-terminated */
};

/* sodium_malloc aborts before sodium_init (idempotent): called here, as
 * ota_pkey_generate and ota_report do, so no caller has to know (a caller
 * without it aborted on any key file holding a secret: found by
 * tests/fuzz/fuzz_keyfile.c). */
static ota_secret_key *
key_alloc(void)
{
    if (sodium_init() < 0)
        return NULL;
    ota_secret_key *k = sodium_malloc(sizeof *k);
    if (k != NULL)
        memset(k, 0, sizeof *k);
    return k;
}

void
ota_secret_key_free(ota_secret_key *k)
{
    if (k == NULL)
        return;
    json_decref(k->pub);
    sodium_memzero(k, sizeof *k);
    sodium_free(k);
}

ota_keytype
ota_secret_key_type(const ota_secret_key *k)
{
    return k->type;
}

const char *
ota_secret_key_id(const ota_secret_key *k)
{
    return k->keyid;
}

json_t *
ota_secret_key_public(const ota_secret_key *k)
{
    return k->pub;
}

/* Fill pub + keyid from the secret part. */
static ota_err
derive_public(ota_secret_key *k)
{
    ota_err rc = OTA_E_KEY;
    char *pub_pem = NULL;
    json_decref(k->pub);
    k->pub = NULL;
    if (k->type == OTA_KEY_ED25519) {
        uint8_t pk[32];
        crypto_sign_seed_keypair(pk, k->sk, k->seed);
        k->pub = ota_key_ed25519_json(pk);
    } else if (k->type == OTA_KEY_ECDSA_P256) {
        rc = ota_pkey_public_from_private(OTA_PKEY_ECDSA_P256, k->secret, k->secret_len,
                                          &pub_pem);
        if (rc != OTA_OK)
            return OTA_E_KEY;
        k->pub = ota_key_pem_json(OTA_KEY_ECDSA_P256, pub_pem);
        free(pub_pem);
    } else
        return OTA_E_UNSUPPORTED;
    if (k->pub == NULL)
        return OTA_E_NOMEM;
    return ota_key_id(k->pub, k->keyid);
}

ota_err
ota_secret_key_generate(ota_keytype type, ota_secret_key **out)
{
    ota_err rc = OTA_E_UNSUPPORTED;
    char *priv = NULL, *pub = NULL;
    ota_secret_key *k = key_alloc();
    if (k == NULL)
        return OTA_E_NOMEM;
    k->type = type;
    if (type == OTA_KEY_ED25519) {
        randombytes_buf(k->seed, sizeof k->seed);
    } else if (type == OTA_KEY_ECDSA_P256) {
        rc = ota_pkey_generate(OTA_PKEY_ECDSA_P256, &priv, &pub);
        if (rc != OTA_OK)
            goto out;
        size_t n = strlen(priv);
        if (n >= sizeof k->secret) {
            rc = OTA_E_LIMIT;
            goto out;
        }
        memcpy(k->secret, priv, n + 1);
        k->secret_len = n;
    } else
        goto out;
    rc = derive_public(k);
out:
    if (priv != NULL)
        sodium_free(priv);
    free(pub);
    if (rc != OTA_OK) {
        ota_secret_key_free(k);
        return rc;
    }
    *out = k;
    return OTA_OK;
}

ota_err
ota_secret_key_sign(const ota_secret_key *k, const uint8_t *msg, size_t msg_len, uint8_t *sig,
                    size_t cap, size_t *sig_len)
{
    if (k == NULL || sig == NULL || sig_len == NULL)
        return OTA_E_ARG;
    if (k->type == OTA_KEY_ED25519) {
        if (cap < crypto_sign_BYTES)
            return OTA_E_ARG;
        if (crypto_sign_detached(sig, NULL, msg, msg_len, k->sk) != 0)
            return OTA_E_CRYPTO;
        *sig_len = crypto_sign_BYTES;
        return OTA_OK;
    }
    if (k->type == OTA_KEY_ECDSA_P256)
        return ota_pkey_sign(OTA_PKEY_ECDSA_P256, k->secret, k->secret_len, msg, msg_len, sig,
                             cap, sig_len);
    return OTA_E_UNSUPPORTED;
}

ota_err
ota_md_sign(ota_md *md, const ota_secret_key *k)
{
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t n = 0;
    if (md == NULL || k == NULL)
        return OTA_E_ARG;
    ota_err rc = ota_secret_key_sign(k, md->canon, md->canon_len, sig, sizeof sig, &n);
    if (rc != OTA_OK)
        return rc;
    return ota_md_set_signature(md, k->keyid, sig, n);
}

static const char *
type_name(ota_keytype t)
{
    return t == OTA_KEY_ED25519 ? "ed25519" : t == OTA_KEY_ECDSA_P256 ? "ecdsa-p256" : "";
}

static void
kdf_limits(ota_kdf_level level, unsigned long long *ops, size_t *mem)
{
    switch (level) {
    case OTA_KDF_INTERACTIVE:
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        return;
    case OTA_KDF_SENSITIVE:
        *ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
        *mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
        return;
    case OTA_KDF_MODERATE:
        break;
    }
    *ops = crypto_pwhash_OPSLIMIT_MODERATE;
    *mem = crypto_pwhash_MEMLIMIT_MODERATE;
}

/* The secret bytes as stored: the Ed25519 seed or the PEM text. */
static const uint8_t *
secret_bytes(const ota_secret_key *k, size_t *n)
{
    if (k->type == OTA_KEY_ED25519) {
        *n = sizeof k->seed;
        return k->seed;
    }
    *n = k->secret_len;
    return (const uint8_t *) k->secret;
}

static ota_err
dump(json_t *obj, char **out, size_t *out_len)
{
    return ota_json_text(obj, 2, out, out_len);
}

ota_err
ota_keyfile_encode(const ota_secret_key *k, const char *passphrase, size_t pass_len,
                   ota_kdf_level level, char **out, size_t *out_len)
{
    ota_err rc = OTA_E_NOMEM;
    json_t *doc = NULL, *enc = NULL;
    char *hex = NULL;
    uint8_t *box = NULL;
    uint8_t key[crypto_secretbox_KEYBYTES];
    size_t n = 0;

    if (k == NULL || out == NULL || out_len == NULL)
        return OTA_E_ARG;
    const uint8_t *secret = secret_bytes(k, &n);
    size_t box_len = n + crypto_secretbox_MACBYTES;
    /* the hex text of the secret is secret too when unencrypted */
    hex = sodium_malloc(2 * box_len + 1);
    box = sodium_malloc(box_len);
    if (hex == NULL || box == NULL)
        goto out;
    if (passphrase != NULL) {
        uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
        char salt_hex[2 * sizeof salt + 1], nonce_hex[2 * sizeof nonce + 1];
        unsigned long long ops;
        size_t mem;
        kdf_limits(level, &ops, &mem);
        randombytes_buf(salt, sizeof salt);
        randombytes_buf(nonce, sizeof nonce);
        if (crypto_pwhash(key, sizeof key, passphrase, pass_len, salt, ops, mem,
                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
            rc = OTA_E_NOMEM; /* libsodium fails here only when it cannot get memory */
            goto out;
        }
        crypto_secretbox_easy(box, secret, n, nonce, key);
        ota_hex_encode(box, box_len, hex);
        ota_hex_encode(salt, sizeof salt, salt_hex);
        ota_hex_encode(nonce, sizeof nonce, nonce_hex);
        enc = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s}", "kdf", "argon2id13", "opslimit",
                        (json_int_t) ops, "memlimit", (json_int_t) mem, "salt", salt_hex,
                        "cipher", "xsalsa20poly1305", "nonce", nonce_hex);
    } else {
        ota_hex_encode(secret, n, hex);
        enc = json_null();
    }
    if (enc == NULL)
        goto out;
    doc = json_pack("{s:i, s:s, s:s, s:O, s:o, s:s}", "ota_key_file", OTA_KEYFILE_VERSION, "type",
                    type_name(k->type), "keyid", k->keyid, "public", k->pub, "encryption", enc,
                    "secret", hex);
    enc = NULL;
    if (doc == NULL)
        goto out;
    rc = dump(doc, out, out_len);
out:
    sodium_memzero(key, sizeof key);
    if (hex != NULL)
        sodium_free(hex);
    if (box != NULL)
        sodium_free(box);
    json_decref(enc);
    /* jansson copied the (encrypted, or demo-only clear) secret string; wipe
     * our copy of the text before freeing the document */
    if (doc != NULL) {
        json_t *s = json_object_get(doc, "secret");
        if (json_is_string(s))
            sodium_memzero((void *) json_string_value(s), json_string_length(s));
    }
    json_decref(doc);
    return rc;
}

ota_err
ota_keyfile_encode_public(const ota_secret_key *k, char **out, size_t *out_len)
{
    if (k == NULL || out == NULL || out_len == NULL)
        return OTA_E_ARG;
    json_t *doc = json_deep_copy(k->pub);
    if (doc == NULL || json_object_set_new(doc, "keyid", json_string(k->keyid)) != 0) {
        json_decref(doc);
        return OTA_E_NOMEM;
    }
    ota_err rc = dump(doc, out, out_len);
    json_decref(doc);
    return rc;
}

/* The public key object from a key file, .pub file or bare key object. */
static json_t *
public_part(json_t *doc)
{
    if (json_is_integer(json_object_get(doc, "ota_key_file")))
        return json_deep_copy(json_object_get(doc, "public"));
    json_t *pub = json_deep_copy(doc);
    if (pub != NULL)
        json_object_del(pub, "keyid");
    return pub;
}

ota_err
ota_keyfile_peek(const uint8_t *buf, size_t len, char keyid[65], bool *has_secret,
                 bool *encrypted, json_t **pub_out)
{
    json_t *doc = NULL;
    ota_err rc = ota_json_parse(buf, len, 64u * 1024u, &doc);
    if (rc != OTA_OK)
        return OTA_E_KEY;
    json_t *pub = public_part(doc);
    ota_key parsed;
    rc = OTA_E_KEY;
    if (pub != NULL && ota_key_parse("-", pub, &parsed) == OTA_OK &&
        parsed.type != OTA_KEY_UNSUPPORTED && ota_key_id(pub, keyid) == OTA_OK) {
        bool secret = json_is_integer(json_object_get(doc, "ota_key_file"));
        if (has_secret != NULL)
            *has_secret = secret;
        if (encrypted != NULL)
            *encrypted = secret && json_is_object(json_object_get(doc, "encryption"));
        if (pub_out != NULL) {
            *pub_out = pub;
            pub = NULL;
        }
        rc = OTA_OK;
    }
    json_decref(pub);
    json_decref(doc);
    return rc;
}

static ota_err
get_hex(const json_t *obj, const char *name, uint8_t *out, size_t want)
{
    const json_t *v = json_object_get(obj, name);
    size_t n = 0;
    if (!json_is_string(v) || json_string_length(v) != 2 * want ||
        ota_hex_decode(json_string_value(v), 2 * want, out, want, &n) != OTA_OK)
        return OTA_E_KEY;
    return OTA_OK;
}

ota_err
ota_keyfile_decode(const uint8_t *buf, size_t len, const char *passphrase, size_t pass_len,
                   ota_secret_key **out)
{
    ota_err rc = OTA_E_KEY;
    json_t *doc = NULL;
    ota_secret_key *k = NULL;
    uint8_t *raw = NULL;
    uint8_t key[crypto_secretbox_KEYBYTES];
    size_t raw_len = 0;

    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    if (ota_json_parse(buf, len, 64u * 1024u, &doc) != OTA_OK)
        return OTA_E_KEY;
    const json_t *ver = json_object_get(doc, "ota_key_file");
    if (!json_is_integer(ver))
        goto out; /* a public key file or something else */
    if (json_integer_value(ver) != OTA_KEYFILE_VERSION) {
        rc = OTA_E_UNSUPPORTED;
        goto out;
    }
    const char *type = json_string_value(json_object_get(doc, "type"));
    const json_t *sec = json_object_get(doc, "secret");
    const char *keyid = json_string_value(json_object_get(doc, "keyid"));
    if (type == NULL || !json_is_string(sec) || keyid == NULL)
        goto out;
    if ((k = key_alloc()) == NULL || (raw = sodium_malloc(SECRET_MAX)) == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    if (strcmp(type, "ed25519") == 0)
        k->type = OTA_KEY_ED25519;
    else if (strcmp(type, "ecdsa-p256") == 0)
        k->type = OTA_KEY_ECDSA_P256;
    else {
        rc = OTA_E_UNSUPPORTED;
        goto out;
    }
    size_t hex_len = json_string_length(sec);
    if (hex_len > 2 * SECRET_MAX ||
        ota_hex_decode(json_string_value(sec), hex_len, raw, SECRET_MAX, &raw_len) != OTA_OK)
        goto out;

    const json_t *enc = json_object_get(doc, "encryption");
    uint8_t *plain = raw;
    size_t plain_len = raw_len;
    if (json_is_object(enc)) {
        uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
        const json_t *ops = json_object_get(enc, "opslimit");
        const json_t *mem = json_object_get(enc, "memlimit");
        const char *kdf = json_string_value(json_object_get(enc, "kdf"));
        const char *cipher = json_string_value(json_object_get(enc, "cipher"));
        if (kdf == NULL || cipher == NULL || strcmp(kdf, "argon2id13") != 0 ||
            strcmp(cipher, "xsalsa20poly1305") != 0) {
            rc = OTA_E_UNSUPPORTED;
            goto out;
        }
        if (!json_is_integer(ops) || !json_is_integer(mem) || json_integer_value(ops) < 1 ||
            (unsigned long long) json_integer_value(ops) > KDF_OPSLIMIT_MAX ||
            json_integer_value(mem) < 8192 ||
            (unsigned long long) json_integer_value(mem) > KDF_MEMLIMIT_MAX ||
            get_hex(enc, "salt", salt, sizeof salt) != OTA_OK ||
            get_hex(enc, "nonce", nonce, sizeof nonce) != OTA_OK ||
            raw_len < crypto_secretbox_MACBYTES)
            goto out;
        if (passphrase == NULL) {
            rc = OTA_E_ARG;
            goto out;
        }
        if (crypto_pwhash(key, sizeof key, passphrase, pass_len, salt,
                          (unsigned long long) json_integer_value(ops),
                          (size_t) json_integer_value(mem), crypto_pwhash_ALG_ARGON2ID13) != 0) {
            rc = OTA_E_NOMEM;
            goto out;
        }
        /* decrypt in place: the plaintext is shorter than the box */
        if (crypto_secretbox_open_easy(raw, raw, raw_len, nonce, key) != 0) {
            rc = OTA_E_PASSPHRASE;
            goto out;
        }
        plain_len = raw_len - crypto_secretbox_MACBYTES;
    } else if (!json_is_null(enc))
        goto out;

    if (k->type == OTA_KEY_ED25519) {
        if (plain_len != sizeof k->seed)
            goto out;
        memcpy(k->seed, plain, sizeof k->seed);
    } else {
        if (plain_len >= sizeof k->secret)
            goto out;
        memcpy(k->secret, plain, plain_len);
        k->secret[plain_len] = '\0';
        k->secret_len = plain_len;
    }
    if ((rc = derive_public(k)) != OTA_OK)
        goto out;
    /* the clear public part must be the key we decrypted */
    if (strcmp(k->keyid, keyid) != 0 ||
        !json_equal(k->pub, json_object_get(doc, "public"))) {
        rc = OTA_E_KEY;
        goto out;
    }
    *out = k;
    k = NULL;
    rc = OTA_OK;
out:
    sodium_memzero(key, sizeof key);
    if (raw != NULL)
        sodium_free(raw);
    ota_secret_key_free(k);
    json_decref(doc);
    return rc;
}
