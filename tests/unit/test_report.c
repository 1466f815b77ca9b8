/* SPDX-License-Identifier: Apache-2.0 */
/* Device status reports (formats/ota_report.h, formats/REPORT.md). */
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
#include "ota_limits.h"
#include "ota_report.h"
#include "ota_util.h"
#include "testutil.h"

#define VEC "formats/vectors/report"

static void
seed_keypair(uint8_t seed_byte, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static ota_report
sample(void)
{
    ota_report r;
    memset(&r, 0, sizeof r);
    strcpy(r.device_id, "dev-42");
    strcpy(r.hardware_id, "hw.a:1_x");
    strcpy(r.installed_version, "2.0.0-rc.1+build.5");
    strcpy(r.previous_version, "1.9.3");
    r.result = OTA_REPORT_SUCCESS;
    strcpy(r.error, "");
    strcpy(r.time, "2024-02-29T23:59:59Z");
    r.seq = 7;
    return r;
}

static uint8_t *
sign_sample(const ota_report *r, size_t *len)
{
    uint8_t pk[32], sk[64];
    seed_keypair(1, pk, sk);
    uint8_t *doc = NULL;
    assert_int_equal(ota_report_sign(r, NULL, sk, &doc, len), OTA_OK);
    return doc;
}

/* The committed vectors: known fields, the published device key. */
static void
test_valid_vectors(void **state)
{
    (void) state;
    size_t klen = 0;
    char *key = (char *) tu_read(VEC "/device-key.txt", &klen);
    assert_non_null(key);
    char *names[32];
    size_t n = tu_list(VEC, ".json", names, 32);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        char rel[256];
        size_t len = 0;
        snprintf(rel, sizeof rel, VEC "/%s", names[i]);
        uint8_t *doc = tu_read(rel, &len);
        assert_non_null(doc);
        ota_report r;
        if (ota_report_parse(doc, len, &r) != OTA_OK)
            fail_msg("valid vector %s refused", names[i]);
        assert_string_equal(r.device_id, "gw-0001");
        assert_string_equal(r.hardware_id, "acme-gw-v2");
        char pub[65];
        ota_hex_encode(r.public_key, 32, pub);
        assert_memory_equal(key, pub, 64);
        assert_memory_equal(key + 65, r.keyid, 64);
        if (strcmp(names[i], "valid-checkin.json") == 0) {
            assert_int_equal(r.result, OTA_REPORT_NONE);
            assert_string_equal(r.previous_version, "");
            assert_int_equal(r.seq, 1);
            assert_int_equal(r.time_unix, 1714564800);
        } else if (strcmp(names[i], "valid-failure.json") == 0) {
            assert_int_equal(r.result, OTA_REPORT_FAILURE);
            assert_string_equal(r.error, "E_HASH: chunk 3 hash mismatch");
        } else if (strcmp(names[i], "valid-rollback.json") == 0) {
            assert_int_equal(r.result, OTA_REPORT_ROLLBACK);
            assert_string_equal(r.previous_version, "1.6.0-rc.1");
        } else if (strcmp(names[i], "valid-download.json") == 0) {
            assert_true(r.has_download); /* spec 1.2 */
            assert_int_equal(r.download_fetched, 201207);
            assert_int_equal(r.download_bundle, 4198903);
        }
        if (strcmp(names[i], "valid-download.json") != 0)
            assert_false(r.has_download);
        free(doc);
        free(names[i]);
    }
    free(key);
}

/* Every file in invalid/ is refused with the error its name starts with. */
static void
test_invalid_vectors(void **state)
{
    (void) state;
    char *names[64];
    size_t n = tu_list(VEC "/invalid", ".json", names, 64);
    assert_true(n >= 15);
    for (size_t i = 0; i < n; i++) {
        char rel[256];
        size_t len = 0;
        snprintf(rel, sizeof rel, VEC "/invalid/%s", names[i]);
        uint8_t *doc = tu_read(rel, &len);
        assert_non_null(doc);
        ota_report r;
        ota_err rc = ota_report_parse(doc, len, &r);
        const char *want = ota_err_name(rc);
        if (strncmp(names[i], want, strlen(want)) != 0 || names[i][strlen(want)] != '-')
            fail_msg("%s: got %s", names[i], want);
        free(doc);
        free(names[i]);
    }
}

static void
test_sign_parse_roundtrip(void **state)
{
    (void) state;
    ota_report in = sample(), out;
    size_t len = 0;
    uint8_t *doc = sign_sample(&in, &len);
    assert_int_equal(ota_report_parse(doc, len, &out), OTA_OK);
    assert_string_equal(out.device_id, in.device_id);
    assert_string_equal(out.hardware_id, in.hardware_id);
    assert_string_equal(out.installed_version, in.installed_version);
    assert_string_equal(out.previous_version, in.previous_version);
    assert_string_equal(out.time, in.time);
    assert_int_equal(out.result, in.result);
    assert_int_equal(out.seq, 7);
    uint8_t pk[32], sk[64];
    seed_keypair(1, pk, sk);
    assert_memory_equal(out.public_key, pk, 32);
    /* the output is canonical JSON: re-encoding gives the same bytes */
    json_t *v = NULL;
    uint8_t *canon = NULL;
    size_t clen = 0;
    assert_int_equal(ota_json_parse(doc, len, 0, &v), OTA_OK);
    assert_int_equal(ota_json_canonical(v, &canon, &clen), OTA_OK);
    assert_int_equal(clen, len);
    assert_memory_equal(canon, doc, len);
    json_decref(v);
    free(canon);
    free(doc);
}

static void
test_every_truncation_refused(void **state)
{
    (void) state;
    ota_report in = sample(), out;
    size_t len = 0;
    uint8_t *doc = sign_sample(&in, &len);
    for (size_t n = 0; n < len; n++)
        if (ota_report_parse(doc, n, &out) == OTA_OK)
            fail_msg("prefix of %zu bytes accepted", n);
    free(doc);
}

/* No single bit flip anywhere yields an accepted report. */
static void
test_every_bit_flip_refused(void **state)
{
    (void) state;
    ota_report in = sample(), out;
    size_t len = 0;
    uint8_t *doc = sign_sample(&in, &len);
    for (size_t i = 0; i < len; i++)
        for (int b = 0; b < 8; b++) {
            doc[i] ^= (uint8_t) (1u << b);
            if (ota_report_parse(doc, len, &out) == OTA_OK)
                fail_msg("flip of bit %d in byte %zu ('%c') accepted", b, i, doc[i]);
            doc[i] ^= (uint8_t) (1u << b);
        }
    free(doc);
}

static void
test_limits(void **state)
{
    (void) state;
    ota_report in = sample(), out;
    uint8_t pk[32], sk[64];
    seed_keypair(2, pk, sk);
    /* a custom object that makes the document exactly one past the limit */
    size_t base_len = 0;
    uint8_t *base = NULL;
    json_t *custom = json_pack("{s:s}", "pad", "");
    assert_int_equal(ota_report_sign(&in, custom, sk, &base, &base_len), OTA_OK);
    json_decref(custom);
    free(base);
    size_t pad = OTA_MAX_REPORT_SIZE - base_len;
    char *s = malloc(pad + 2);
    memset(s, 'x', pad + 1);
    s[pad] = '\0';
    custom = json_pack("{s:s}", "pad", s);
    uint8_t *doc = NULL;
    size_t len = 0;
    assert_int_equal(ota_report_sign(&in, custom, sk, &doc, &len), OTA_OK);
    assert_int_equal(len, OTA_MAX_REPORT_SIZE);
    assert_int_equal(ota_report_parse(doc, len, &out), OTA_OK);
    free(doc);
    json_decref(custom);
    s[pad] = 'x';
    s[pad + 1] = '\0';
    custom = json_pack("{s:s}", "pad", s);
    assert_int_equal(ota_report_sign(&in, custom, sk, &doc, &len), OTA_E_LIMIT);
    json_decref(custom);
    free(s);
    /* parse refuses one byte past the limit before looking at it */
    uint8_t *big = calloc(1, OTA_MAX_REPORT_SIZE + 1);
    assert_int_equal(ota_report_parse(big, OTA_MAX_REPORT_SIZE + 1, &out), OTA_E_LIMIT);
    free(big);
    /* field lengths (the rule itself: tests/unit/test_id.c): an id and a
     * version at their limits sign and parse back */
    ota_report lim = sample();
    memset(lim.device_id, 'd', OTA_MAX_ID_LEN);
    lim.device_id[OTA_MAX_ID_LEN] = '\0';
    memset(lim.installed_version, '7', OTA_MAX_VERSION_LEN);
    memcpy(lim.installed_version, "1.2.3-", 6);
    lim.installed_version[OTA_MAX_VERSION_LEN] = '\0';
    doc = sign_sample(&lim, &len);
    assert_int_equal(ota_report_parse(doc, len, &out), OTA_OK);
    assert_string_equal(out.installed_version, lim.installed_version);
    free(doc);
    char err[OTA_MAX_REPORT_ERROR_LEN + 2];
    memset(err, 'e', sizeof err);
    err[OTA_MAX_REPORT_ERROR_LEN] = '\0';
    strcpy(in.error, err);
    assert_int_equal(ota_report_sign(&in, NULL, sk, &doc, &len), OTA_OK);
    free(doc);
    /* control characters in the error text are refused */
    strcpy(in.error, "line1\nline2");
    assert_int_equal(ota_report_sign(&in, NULL, sk, &doc, &len), OTA_E_FORMAT);
}

static void
test_sign_refuses_bad_fields(void **state)
{
    (void) state;
    uint8_t pk[32], sk[64], *doc = NULL;
    size_t len = 0;
    seed_keypair(3, pk, sk);
    ota_report r = sample();
    strcpy(r.device_id, "a/b");
    assert_int_equal(ota_report_sign(&r, NULL, sk, &doc, &len), OTA_E_FORMAT);
    r = sample();
    strcpy(r.installed_version, "01.2.3");
    assert_int_equal(ota_report_sign(&r, NULL, sk, &doc, &len), OTA_E_FORMAT);
    r = sample();
    r.seq = 0;
    assert_int_equal(ota_report_sign(&r, NULL, sk, &doc, &len), OTA_E_FORMAT);
    r = sample();
    strcpy(r.time, "2024-13-01T00:00:00Z");
    assert_int_equal(ota_report_sign(&r, NULL, sk, &doc, &len), OTA_E_FORMAT);
    r = sample();
    r.result = (ota_report_result) 9;
    assert_int_equal(ota_report_sign(&r, NULL, sk, &doc, &len), OTA_E_FORMAT);
    r = sample();
    r.has_download = true; /* counts past 2^53-1 have no exact JSON integer */
    r.download_fetched = (uint64_t) 1 << 53;
    assert_int_equal(ota_report_sign(&r, NULL, sk, &doc, &len), OTA_E_FORMAT);
    r = sample();
    r.has_download = true; /* and a good one goes round: spec 1.2 */
    r.download_fetched = 5;
    r.download_bundle = 9;
    assert_int_equal(ota_report_sign(&r, NULL, sk, &doc, &len), OTA_OK);
    ota_report back;
    assert_int_equal(ota_report_parse(doc, len, &back), OTA_OK);
    assert_true(back.has_download && back.download_fetched == 5 && back.download_bundle == 9);
    assert_non_null(strstr((const char *) doc, "\"spec_version\":\"1.2\""));
    free(doc);
    doc = NULL;
    r = sample();
    json_t *notobj = json_integer(1);
    assert_int_equal(ota_report_sign(&r, notobj, sk, &doc, &len), OTA_E_FORMAT);
    json_decref(notobj);
    json_t *real = json_pack("{s:f}", "x", 1.5);
    assert_int_equal(ota_report_sign(&r, real, sk, &doc, &len), OTA_E_FORMAT);
    json_decref(real);
    assert_int_equal(ota_report_sign(NULL, NULL, sk, &doc, &len), OTA_E_ARG);
    assert_int_equal(ota_report_parse(NULL, 0, NULL), OTA_E_ARG);
}

static void
test_result_names(void **state)
{
    (void) state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(ota_report_result_from_name(ota_report_result_name((ota_report_result) i)),
                         i);
    assert_int_equal(ota_report_result_from_name("ok"), -1);
    assert_int_equal(ota_report_result_from_name(NULL), -1);
    assert_string_equal(ota_report_result_name((ota_report_result) 17), "?");
}

/* Enrolment certificates (spec 1.1): the committed vectors verify with the
 * test provisioning key, each certificate-invalid/ one is refused with the
 * error its name starts with, and certify / verify round-trip. */
static void
test_enrolment_vectors(void **state)
{
    (void) state;
    size_t klen = 0, len = 0, n_pk = 0;
    char *key = (char *) tu_read(VEC "/enrolment/provisioning-key.txt", &klen);
    assert_non_null(key);
    assert_true(klen >= 129);
    uint8_t ppk[32];
    char pkeyid[65];
    assert_int_equal(ota_hex_decode(key, 64, ppk, sizeof ppk, &n_pk), OTA_OK);
    memcpy(pkeyid, key + 65, 64);
    pkeyid[64] = '\0';
    free(key);

    uint8_t *doc = tu_read(VEC "/enrolment/valid-enrolled.json", &len);
    assert_non_null(doc);
    ota_report r;
    assert_int_equal(ota_report_parse(doc, len, &r), OTA_OK);
    free(doc);
    assert_true(r.has_enrolment);
    assert_string_equal(r.enrolment_keyid, pkeyid);
    assert_int_equal(ota_report_certificate_verify(&r, ppk, pkeyid), OTA_OK);
    /* the certificate binds the device id and the key */
    ota_report other = r;
    other.device_id[3] = '9';
    assert_int_equal(ota_report_certificate_verify(&other, ppk, pkeyid), OTA_E_SIGNATURE);
    other = r;
    other.public_key[0] ^= 1;
    assert_int_equal(ota_report_certificate_verify(&other, ppk, pkeyid), OTA_E_SIGNATURE);
    other = r;
    other.has_enrolment = false;
    assert_int_equal(ota_report_certificate_verify(&other, ppk, pkeyid), OTA_E_NOT_FOUND);

    char *names[16];
    size_t n = tu_list(VEC "/enrolment/certificate-invalid", ".json", names, 16);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, VEC "/enrolment/certificate-invalid/%s", names[i]);
        doc = tu_read(rel, &len);
        assert_non_null(doc);
        if (ota_report_parse(doc, len, &r) != OTA_OK)
            fail_msg("%s: the report itself must be valid", names[i]);
        const char *want = ota_err_name(ota_report_certificate_verify(&r, ppk, pkeyid));
        if (strncmp(names[i], want, strlen(want)) != 0 || names[i][strlen(want)] != '-')
            fail_msg("%s: got %s", names[i], want);
        free(doc);
        free(names[i]);
    }

    /* round trip: sign a report carrying a fresh certificate */
    uint8_t dpk[32], dsk[64], qpk[32], qsk[64];
    seed_keypair(3, dpk, dsk);
    seed_keypair(4, qpk, qsk);
    ota_report in = sample(), out;
    assert_int_equal(ota_report_certify(in.device_id, dpk, qsk, in.enrolment_keyid,
                                        in.enrolment_sig),
                     OTA_OK);
    in.has_enrolment = true;
    assert_int_equal(ota_report_sign(&in, NULL, dsk, &doc, &len), OTA_OK);
    assert_non_null(strstr((const char *) doc, "\"spec_version\":\"1.1\""));
    assert_int_equal(ota_report_parse(doc, len, &out), OTA_OK);
    free(doc);
    assert_int_equal(ota_report_certificate_verify(&out, qpk, in.enrolment_keyid), OTA_OK);
    assert_int_equal(ota_report_certificate_verify(&out, ppk, in.enrolment_keyid),
                     OTA_E_SIGNATURE);
    assert_int_equal(ota_report_certify("../x", dpk, qsk, in.enrolment_keyid, in.enrolment_sig),
                     OTA_E_FORMAT);
    /* without a certificate: spec 1.0, no enrolment member */
    in.has_enrolment = false;
    assert_int_equal(ota_report_sign(&in, NULL, dsk, &doc, &len), OTA_OK);
    assert_non_null(strstr((const char *) doc, "\"spec_version\":\"1.0\""));
    assert_null(strstr((const char *) doc, "enrolment"));
    free(doc);
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_vectors),
        cmocka_unit_test(test_invalid_vectors),
        cmocka_unit_test(test_sign_parse_roundtrip),
        cmocka_unit_test(test_every_truncation_refused),
        cmocka_unit_test(test_every_bit_flip_refused),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_sign_refuses_bad_fields),
        cmocka_unit_test(test_result_names),
        cmocka_unit_test(test_enrolment_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
