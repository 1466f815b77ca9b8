/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tuftool — a thin command-line face on the formats library, used by the
 * interoperability suite (tests/interop/run.sh) to exchange metadata with
 * tuf-js.  Not a product command: ota-sign is.
 *
 *   tuftool canon FILE                   canonical JSON of FILE to stdout
 *   tuftool keygen ed25519|ecdsa OUT     new key file (test keys, unencrypted)
 *   tuftool sign KEY IN OUT              add KEY's signature to IN, write OUT
 *   tuftool verify [--check-expiry] DELEGATOR ROLE FILE
 *
 * Exit codes: 0 ok, 1 refused/failed verification, 2 usage.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ota_json.h"
#include "ota_key.h"
#include "ota_limits.h"
#include "ota_pkey.h"
#include "ota_tuf.h"
#include "ota_util.h"

static int
usage(void)
{
    fprintf(stderr, "usage: tuftool canon FILE\n"
                    "       tuftool keygen ed25519|ecdsa OUT.json\n"
                    "       tuftool sign KEY.json IN.json OUT.json\n"
                    "       tuftool verify [--check-expiry] DELEGATOR.json ROLE FILE.json\n");
    return 2;
}

static int
fail(const char *what, ota_err rc)
{
    fprintf(stderr, "tuftool: %s: %s (%s)\n", what, ota_strerror(rc), ota_err_name(rc));
    return 1;
}

static int
write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n) {
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f);
}

static ota_err
load_json(const char *path, json_t **out)
{
    size_t n = 0;
    uint8_t *buf = NULL;
    ota_err rc = ota_file_read(path, OTA_MAX_METADATA_SIZE, &buf, &n);
    if (rc != OTA_OK)
        return rc;
    rc = ota_json_parse(buf, n, 0, out);
    free(buf);
    return rc;
}

/* Parse a metadata file whose type is read from its own _type. */
static ota_err
load_md_any(const char *path, ota_md **out)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    ota_err rc = ota_file_read(path, OTA_MAX_METADATA_SIZE, &buf, &n);
    if (rc == OTA_OK)
        rc = ota_md_parse_any(buf, n, out);
    free(buf);
    return rc;
}

static int
cmd_canon(const char *path)
{
    json_t *doc = NULL;
    uint8_t *canon = NULL;
    size_t n = 0;
    ota_err rc = load_json(path, &doc);
    if (rc == OTA_OK)
        rc = ota_json_canonical(doc, &canon, &n);
    json_decref(doc);
    if (rc != OTA_OK)
        return fail(path, rc);
    int ok = fwrite(canon, 1, n, stdout) == n;
    free(canon);
    return ok ? 0 : 1;
}

static int
cmd_keygen(const char *type, const char *out)
{
    json_t *key = NULL;
    char priv_hex[65];
    char *priv_pem = NULL;
    char *pub_pem = NULL;

    if (strcmp(type, "ed25519") == 0) {
        uint8_t pk[32], sk[64], seed[32];
        randombytes_buf(seed, sizeof seed);
        crypto_sign_seed_keypair(pk, sk, seed);
        key = ota_key_ed25519_json(pk);
        ota_hex_encode(seed, sizeof seed, priv_hex);
        sodium_memzero(sk, sizeof sk);
        sodium_memzero(seed, sizeof seed);
    } else if (strcmp(type, "ecdsa") == 0) {
        ota_err rc = ota_pkey_generate(OTA_PKEY_ECDSA_P256, &priv_pem, &pub_pem);
        if (rc != OTA_OK)
            return fail("keygen", rc);
        key = ota_key_pem_json(OTA_KEY_ECDSA_P256, pub_pem);
    } else
        return usage();

    char keyid[65];
    ota_err rc = key ? ota_key_id(key, keyid) : OTA_E_NOMEM;
    if (rc == OTA_OK) {
        json_object_set_new(key, "keyid", json_string(keyid));
        json_object_set_new(key, "private", json_string(priv_pem ? priv_pem : priv_hex));
    }
    sodium_memzero(priv_hex, sizeof priv_hex);
    if (priv_pem)
        sodium_free(priv_pem);
    free(pub_pem);
    if (rc != OTA_OK) {
        json_decref(key);
        return fail("keygen", rc);
    }
    int wrc = json_dump_file(key, out, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(key);
    if (wrc != 0)
        return fail(out, OTA_E_IO);
    return 0;
}

static int
cmd_sign(const char *keypath, const char *in, const char *out)
{
    json_t *key = NULL;
    ota_md *md = NULL;
    uint8_t *bytes = NULL;
    size_t n = 0;
    int ret = 1;
    ota_err rc = load_json(keypath, &key);
    if (rc != OTA_OK)
        return fail(keypath, rc);
    rc = load_md_any(in, &md);
    if (rc != OTA_OK) {
        json_decref(key);
        return fail(in, rc);
    }
    /* the key id is recomputed from the public part, never trusted */
    json_t *pubobj = json_deep_copy(key);
    json_object_del(pubobj, "keyid");
    json_object_del(pubobj, "private");
    char keyid[65];
    rc = ota_key_id(pubobj, keyid);
    json_decref(pubobj);
    const char *type = json_string_value(json_object_get(key, "keytype"));
    const char *priv = json_string_value(json_object_get(key, "private"));
    if (rc == OTA_OK && (type == NULL || priv == NULL))
        rc = OTA_E_KEY;
    if (rc == OTA_OK && strcmp(type, "ed25519") == 0) {
        uint8_t seed[32], pk[32], sk[64];
        size_t sn = 0;
        rc = ota_hex_decode(priv, strlen(priv), seed, sizeof seed, &sn);
        if (rc == OTA_OK && sn != 32)
            rc = OTA_E_KEY;
        if (rc == OTA_OK) {
            crypto_sign_seed_keypair(pk, sk, seed);
            rc = ota_md_sign_ed25519(md, keyid, sk);
        }
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(sk, sizeof sk);
    } else if (rc == OTA_OK) {
        uint8_t sig[OTA_MAX_SIG_LEN];
        size_t siglen = 0;
        rc = ota_pkey_sign(OTA_PKEY_ECDSA_P256, priv, strlen(priv), md->canon, md->canon_len, sig,
                           sizeof sig, &siglen);
        if (rc == OTA_OK)
            rc = ota_md_set_signature(md, keyid, sig, siglen);
    }
    if (rc == OTA_OK)
        rc = ota_md_serialize(md, &bytes, &n);
    if (rc == OTA_OK && write_file(out, bytes, n) != 0)
        rc = OTA_E_IO;
    if (rc == OTA_OK)
        ret = 0;
    else
        fail("sign", rc);
    free(bytes);
    ota_md_free(md);
    json_decref(key);
    return ret;
}

static int
cmd_verify(int check_expiry, const char *delegator_path, const char *role, const char *path)
{
    ota_md *delegator = NULL, *md = NULL;
    size_t nvalid = 0;
    int top = ota_role_from_name(role);
    ota_err rc = load_md_any(delegator_path, &delegator);
    if (rc != OTA_OK)
        return fail(delegator_path, rc);
    size_t n = 0;
    uint8_t *buf = NULL;
    rc = ota_file_read(path, OTA_MAX_METADATA_SIZE, &buf, &n);
    if (rc == OTA_OK)
        rc = ota_md_parse(buf, n, top >= 0 ? (ota_role_type) top : OTA_ROLE_TARGETS, &md);
    free(buf);
    if (rc == OTA_OK)
        rc = ota_md_verify_role(delegator, role, md, &nvalid);
    if (rc == OTA_OK && check_expiry)
        rc = ota_md_check_expiry(md, (int64_t) time(NULL));
    ota_md_free(md);
    ota_md_free(delegator);
    if (rc != OTA_OK)
        return fail(path, rc);
    printf("ok (%zu valid signature%s)\n", nvalid, nvalid == 1 ? "" : "s");
    return 0;
}

int
main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return fail("sodium_init", OTA_E_CRYPTO);
    if (argc == 3 && strcmp(argv[1], "canon") == 0)
        return cmd_canon(argv[2]);
    if (argc == 4 && strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "sign") == 0)
        return cmd_sign(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "verify") == 0)
        return cmd_verify(0, argv[2], argv[3], argv[4]);
    if (argc == 6 && strcmp(argv[1], "verify") == 0 && strcmp(argv[2], "--check-expiry") == 0)
        return cmd_verify(1, argv[3], argv[4], argv[5]);
    return usage();
}
