/* SPDX-License-Identifier: Apache-2.0 */
/* Passphrase-encrypted key files (formats/KEYFILE.md). */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_json.h"
#include "ota_keyfile.h"
#include "ota_tuf.h"

static const char PASS[] = "correct horse battery staple";

static char *
encode(const ota_secret_key *k, const char *pass, size_t *n)
{
    char *text = NULL;
    assert_int_equal(ota_keyfile_encode(k, pass, pass ? strlen(pass) : 0, OTA_KDF_INTERACTIVE,
                                        &text, n),
                     OTA_OK);
    return text;
}

static void
round_trip(ota_keytype type)
{
    ota_secret_key *k = NULL, *back = NULL;
    assert_int_equal(ota_secret_key_generate(type, &k), OTA_OK);
    size_t n = 0;
    char *text = encode(k, PASS, &n);
    /* nothing secret in clear: the file never contains the seed/PEM text */
    assert_null(strstr(text, "PRIVATE KEY"));
    assert_int_equal(ota_keyfile_decode((uint8_t *) text, n, PASS, strlen(PASS), &back), OTA_OK);
    assert_string_equal(ota_secret_key_id(back), ota_secret_key_id(k));
    /* the decoded key signs, and the public key verifies it */
    json_t *doc = json_pack("{s:{s:s, s:s, s:i, s:s, s:{s:{s:i}}}, s:[]}", "signed", "_type",
                            "timestamp", "spec_version", "1.0.31", "version", 1, "expires",
                            "2099-01-01T00:00:00Z", "meta", "snapshot.json", "version", 1,
                            "signatures");
    ota_md *md = NULL;
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_TIMESTAMP, &md), OTA_OK);
    assert_int_equal(ota_md_sign(md, back), OTA_OK);
    ota_keyring ring = {0};
    ota_key key;
    assert_int_equal(ota_key_parse(ota_secret_key_id(k), ota_secret_key_public(k), &key), OTA_OK);
    ring.keys = &key;
    ring.nkeys = 1;
    const char *ids[1] = {ota_secret_key_id(k)};
    ota_role_keys rk = {.keyids = ids, .nkeyids = 1, .threshold = 1};
    assert_int_equal(ota_md_verify(md, &ring, &rk, NULL), OTA_OK);
    ota_md_free(md);

    /* wrong passphrase, empty passphrase, none at all */
    assert_int_equal(ota_keyfile_decode((uint8_t *) text, n, "wrong", 5, &back), OTA_E_PASSPHRASE);
    assert_int_equal(ota_keyfile_decode((uint8_t *) text, n, "", 0, &back), OTA_E_PASSPHRASE);
    assert_int_equal(ota_keyfile_decode((uint8_t *) text, n, NULL, 0, &back), OTA_E_ARG);

    /* peek tells the key id without a passphrase */
    char id[65];
    bool has_secret = false, encrypted = false;
    assert_int_equal(ota_keyfile_peek((uint8_t *) text, n, id, &has_secret, &encrypted, NULL),
                     OTA_OK);
    assert_string_equal(id, ota_secret_key_id(k));
    assert_true(has_secret);
    assert_true(encrypted);

    /* the public file peeks to the same id and has no secret */
    char *pub = NULL;
    size_t pn = 0;
    assert_int_equal(ota_keyfile_encode_public(k, &pub, &pn), OTA_OK);
    assert_int_equal(ota_keyfile_peek((uint8_t *) pub, pn, id, &has_secret, &encrypted, NULL),
                     OTA_OK);
    assert_string_equal(id, ota_secret_key_id(k));
    assert_false(has_secret);
    ota_secret_key *none = NULL;
    assert_int_equal(ota_keyfile_decode((uint8_t *) pub, pn, PASS, strlen(PASS), &none),
                     OTA_E_KEY);
    free(pub);
    ota_secret_key_free(back);
    ota_secret_key_free(k);
    free(text);
}

static void
test_ed25519_round_trip(void **state)
{
    (void) state;
    round_trip(OTA_KEY_ED25519);
}

static void
test_ecdsa_round_trip(void **state)
{
    (void) state;
    round_trip(OTA_KEY_ECDSA_P256);
}

static void
test_unencrypted(void **state)
{
    (void) state;
    ota_secret_key *k = NULL, *back = NULL;
    assert_int_equal(ota_secret_key_generate(OTA_KEY_ED25519, &k), OTA_OK);
    size_t n = 0;
    char *text = encode(k, NULL, &n);
    assert_non_null(strstr(text, "\"encryption\": null"));
    assert_int_equal(ota_keyfile_decode((uint8_t *) text, n, NULL, 0, &back), OTA_OK);
    assert_string_equal(ota_secret_key_id(back), ota_secret_key_id(k));
    ota_secret_key_free(back);
    ota_secret_key_free(k);
    free(text);
}

/* Edit one JSON field of a key file and decode it. */
static ota_err
decode_edited(const char *text, size_t n, const char *path1, const char *path2, json_t *value)
{
    json_t *doc = NULL;
    assert_int_equal(ota_json_parse((const uint8_t *) text, n, 0, &doc), OTA_OK);
    json_t *obj = path2 ? json_object_get(doc, path1) : doc;
    json_object_set_new(obj, path2 ? path2 : path1, value);
    char *edited = json_dumps(doc, 0);
    ota_secret_key *k = NULL;
    ota_err rc = ota_keyfile_decode((uint8_t *) edited, strlen(edited), PASS, strlen(PASS), &k);
    ota_secret_key_free(k);
    free(edited);
    json_decref(doc);
    return rc;
}

static void
test_tampering_detected(void **state)
{
    (void) state;
    ota_secret_key *k = NULL, *other = NULL;
    assert_int_equal(ota_secret_key_generate(OTA_KEY_ED25519, &k), OTA_OK);
    assert_int_equal(ota_secret_key_generate(OTA_KEY_ED25519, &other), OTA_OK);
    size_t n = 0;
    char *text = encode(k, PASS, &n);

    /* flip one ciphertext digit: authentication fails */
    char *flipped = strdup(text);
    char *sec = strstr(flipped, "\"secret\": \"") + 11;
    sec[5] = sec[5] == '0' ? '1' : '0';
    ota_secret_key *back = NULL;
    assert_int_equal(ota_keyfile_decode((uint8_t *) flipped, n, PASS, strlen(PASS), &back),
                     OTA_E_PASSPHRASE);
    free(flipped);

    /* swap in another public key: the decrypted secret does not match it */
    assert_int_equal(decode_edited(text, n, "public", NULL,
                                   json_deep_copy(ota_secret_key_public(other))),
                     OTA_E_KEY);
    assert_int_equal(decode_edited(text, n, "keyid", NULL, json_string(ota_secret_key_id(other))),
                     OTA_E_KEY);
    /* absurd KDF parameters are refused before any work is done */
    assert_int_equal(decode_edited(text, n, "encryption", "memlimit",
                                   json_integer(1LL << 40)),
                     OTA_E_KEY);
    assert_int_equal(decode_edited(text, n, "encryption", "opslimit", json_integer(0)), OTA_E_KEY);
    assert_int_equal(decode_edited(text, n, "encryption", "kdf", json_string("scrypt")),
                     OTA_E_UNSUPPORTED);
    assert_int_equal(decode_edited(text, n, "encryption", "salt", json_string("00")), OTA_E_KEY);
    assert_int_equal(decode_edited(text, n, "ota_key_file", NULL, json_integer(2)),
                     OTA_E_UNSUPPORTED);
    assert_int_equal(decode_edited(text, n, "type", NULL, json_string("rsa")), OTA_E_UNSUPPORTED);
    ota_secret_key_free(other);
    ota_secret_key_free(k);
    free(text);
}

static void
test_every_truncation_fails_cleanly(void **state)
{
    (void) state;
    ota_secret_key *k = NULL, *back = NULL;
    assert_int_equal(ota_secret_key_generate(OTA_KEY_ED25519, &k), OTA_OK);
    size_t n = 0;
    char *text = encode(k, NULL, &n); /* unencrypted: no KDF per attempt, fast */
    n--;                              /* without the final newline it is still whole */
    for (size_t len = 0; len < n; len++)
        if (ota_keyfile_decode((uint8_t *) text, len, NULL, 0, &back) == OTA_OK)
            fail_msg("prefix %zu decoded", len);
    ota_secret_key_free(k);
    free(text);
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ed25519_round_trip),
        cmocka_unit_test(test_ecdsa_round_trip),
        cmocka_unit_test(test_unencrypted),
        cmocka_unit_test(test_tampering_detected),
        cmocka_unit_test(test_every_truncation_fails_cleanly),
    };
    return cmocka_run_group_tests_name("keyfile", tests, NULL, NULL);
}
