/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON input and the canonical JSON encoder. */
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
#include "ota_util.h"
#include "testutil.h"

static ota_err
parse_str(const char *s, json_t **out)
{
    return ota_json_parse((const uint8_t *) s, strlen(s), 0, out);
}

static ota_err
canon_str(const char *s, char **out)
{
    json_t *v = NULL;
    size_t n = 0;
    ota_err rc = parse_str(s, &v);
    if (rc != OTA_OK)
        return rc;
    rc = ota_json_canonical(v, (uint8_t **) out, &n);
    json_decref(v);
    if (rc == OTA_OK)
        assert_int_equal(strlen(*out), n);
    return rc;
}

/* Every committed vector (made by @tufjs/canonical-json) encodes to exactly
 * its .canon bytes. */
static void
test_vectors_from_tufjs(void **state)
{
    (void) state;
    char *names[256];
    size_t n = tu_list("formats/vectors/canonical", ".in.json", names, 256);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        char rel[512], crel[512];
        snprintf(rel, sizeof rel, "formats/vectors/canonical/%s", names[i]);
        snprintf(crel, sizeof crel, "formats/vectors/canonical/%.*s.canon",
                 (int) (strlen(names[i]) - strlen(".in.json")), names[i]);
        size_t in_len = 0, want_len = 0, got_len = 0;
        unsigned char *in = tu_read(rel, &in_len);
        unsigned char *want = tu_read(crel, &want_len);
        assert_non_null(in);
        assert_non_null(want);
        /* vectors may have any top level; our parser wants an object, so
         * wrap as {"v":...} and expect {"v":<canon>} */
        json_t *v = NULL;
        uint8_t *got = NULL;
        unsigned char *wrapped = malloc(in_len + 8);
        memcpy(wrapped, "{\"v\":", 5);
        memcpy(wrapped + 5, in, in_len);
        wrapped[in_len + 5] = '}';
        if (ota_json_parse(wrapped, in_len + 6, 0, &v) != OTA_OK)
            fail_msg("vector %s does not parse", names[i]);
        free(wrapped);
        assert_int_equal(ota_json_canonical(v, &got, &got_len), OTA_OK);
        if (got_len != want_len + 6 || memcmp(got, "{\"v\":", 5) != 0 ||
            memcmp(got + 5, want, want_len) != 0 || got[got_len - 1] != '}')
            fail_msg("vector %s: canonical bytes differ", names[i]);
        json_decref(v);
        free(got);
        free(in);
        free(want);
        free(names[i]);
    }
}

/* Inputs a strict canonical encoder must refuse, at parse or encode time. */
static void
test_invalid_vectors_refused(void **state)
{
    (void) state;
    char *names[64];
    size_t n = tu_list("formats/vectors/canonical-invalid", ".json", names, 64);
    assert_true(n >= 4);
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "formats/vectors/canonical-invalid/%s", names[i]);
        size_t len = 0;
        unsigned char *in = tu_read(rel, &len);
        assert_non_null(in);
        json_t *v = NULL;
        uint8_t *got = NULL;
        size_t got_len = 0;
        ota_err rc = ota_json_parse(in, len, 0, &v);
        if (rc == OTA_OK) {
            rc = ota_json_canonical(v, &got, &got_len);
            json_decref(v);
            free(got);
        }
        if (rc == OTA_OK)
            fail_msg("invalid vector %s was accepted", names[i]);
        free(in);
        free(names[i]);
    }
}

static void
test_sorting_and_escaping(void **state)
{
    (void) state;
    char *out = NULL;
    assert_int_equal(canon_str("{ \"b\" : 1, \"a\" : [true, false, null], \"B\": \"x\\\"y\\\\z\" }",
                               &out),
                     OTA_OK);
    assert_string_equal(out, "{\"B\":\"x\\\"y\\\\z\",\"a\":[true,false,null],\"b\":1}");
    free(out);
    /* control characters and non-ASCII are copied raw, \/ becomes / */
    assert_int_equal(canon_str("{\"k\":\"a\\nb\\t\\u00e9\\/\"}", &out), OTA_OK);
    assert_string_equal(out, "{\"k\":\"a\nb\t\xc3\xa9/\"}");
    free(out);
    /* byte order: "a" < "aa" < "b"; uppercase before lowercase; U+00E9 after z */
    assert_int_equal(canon_str("{\"\\u00e9\":0,\"b\":0,\"aa\":0,\"a\":0,\"Z\":0}", &out), OTA_OK);
    assert_string_equal(out, "{\"Z\":0,\"a\":0,\"aa\":0,\"b\":0,\"\xc3\xa9\":0}");
    free(out);
}

static void
test_integers(void **state)
{
    (void) state;
    char *out = NULL;
    assert_int_equal(canon_str("{\"a\":-0,\"b\":9223372036854775807,\"c\":-9223372036854775808}",
                               &out),
                     OTA_OK);
    assert_string_equal(out, "{\"a\":0,\"b\":9223372036854775807,\"c\":-9223372036854775808}");
    free(out);
    json_t *v = NULL;
    /* past 64 bits: refused by the parser */
    assert_int_equal(parse_str("{\"a\":9223372036854775808}", &v), OTA_E_JSON);
    assert_int_equal(parse_str("{\"a\":123456789012345678901234567890}", &v), OTA_E_JSON);
    /* reals parse (custom fields may hold them) but never encode */
    assert_int_equal(canon_str("{\"a\":1.0}", &out), OTA_E_FORMAT);
    assert_int_equal(canon_str("{\"a\":[1e3]}", &out), OTA_E_FORMAT);
}

static void
test_duplicate_keys_rejected(void **state)
{
    (void) state;
    json_t *v = NULL;
    assert_int_equal(parse_str("{\"a\":1,\"a\":2}", &v), OTA_E_JSON);
    assert_int_equal(parse_str("{\"x\":{\"a\":1,\"b\":2,\"a\":1}}", &v), OTA_E_JSON);
    /* same key in different objects is fine */
    assert_int_equal(parse_str("{\"a\":{\"a\":1}}", &v), OTA_OK);
    json_decref(v);
}

static void
test_strictness(void **state)
{
    (void) state;
    json_t *v = NULL;
    const char *bad[] = {
        "",                       /* empty */
        "[1,2]",                  /* top level must be an object */
        "\"str\"",                /* scalar top level */
        "{\"a\":1} x",            /* trailing bytes */
        "{\"a\":1}{}",            /* two documents */
        "{\"a\":\"\\u0000\"}",    /* NUL in string */
        "{\"a\":\"\xff\"}",       /* invalid UTF-8 */
        "{\"a\":\"\\ud800\"}",    /* lone surrogate */
        "{'a':1}",                /* single quotes */
        "{\"a\":1,}",             /* trailing comma */
        "{\"a\":NaN}",            /* not JSON */
        "{\"a\":01}",             /* leading zero */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse_str(bad[i], &v) != OTA_E_JSON)
            fail_msg("accepted bad input #%zu", i);
}

static char *
nested(size_t depth)
{
    /* {"a":{"a":...{}...}} with `depth` objects */
    char *s = malloc(depth * 6 + 8);
    size_t p = 0;
    for (size_t i = 0; i < depth; i++) {
        if (i == 0)
            s[p++] = '{';
        else {
            memcpy(s + p, "\"a\":{", 5);
            p += 5;
        }
    }
    for (size_t i = 0; i < depth; i++)
        s[p++] = '}';
    s[p] = 0;
    return s;
}

static void
test_depth_limit(void **state)
{
    (void) state;
    json_t *v = NULL;
    char *ok = nested(OTA_MAX_JSON_DEPTH);
    char *deep = nested(OTA_MAX_JSON_DEPTH + 1);
    char *very = nested(100000);
    assert_int_equal(parse_str(ok, &v), OTA_OK);
    json_decref(v);
    assert_int_equal(parse_str(deep, &v), OTA_E_LIMIT);
    assert_int_equal(parse_str(very, &v), OTA_E_LIMIT);
    /* brackets inside strings do not count */
    assert_int_equal(parse_str("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", &v),
                     OTA_OK);
    json_decref(v);
    /* an escaped quote does not end the string */
    assert_int_equal(parse_str("{\"a\":\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", &v),
                     OTA_OK);
    json_decref(v);
    /* the encoder enforces the limit on values built in memory too */
    json_t *root = json_object(), *cur = root;
    for (int i = 0; i < OTA_MAX_JSON_DEPTH + 1; i++) {
        json_t *child = json_object();
        json_object_set_new(cur, "a", child);
        cur = child;
    }
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(ota_json_canonical(root, &out, &n), OTA_E_FORMAT);
    json_decref(root);
    free(ok);
    free(deep);
    free(very);
}

static void
test_size_limit(void **state)
{
    (void) state;
    json_t *v = NULL;
    const char *doc = "{\"a\":\"0123456789\"}";
    size_t n = strlen(doc);
    assert_int_equal(ota_json_parse((const uint8_t *) doc, n, n, &v), OTA_OK);
    json_decref(v);
    assert_int_equal(ota_json_parse((const uint8_t *) doc, n, n - 1, &v), OTA_E_LIMIT);
    /* the hard cap holds whatever max the caller asks for */
    assert_int_equal(ota_json_parse((const uint8_t *) doc, (size_t) OTA_MAX_METADATA_SIZE + 1,
                                    SIZE_MAX, &v),
                     OTA_E_LIMIT);
}

static void
test_every_truncated_prefix_rejected(void **state)
{
    (void) state;
    size_t len = 0;
    unsigned char *doc = tu_read("formats/vectors/canonical/tuf-root-signed.in.json", &len);
    assert_non_null(doc);
    while (len > 0 && (doc[len - 1] == '\n' || doc[len - 1] == ' ' || doc[len - 1] == '\r'))
        len--; /* a prefix that only drops trailing whitespace is still the document */
    json_t *v = NULL;
    assert_int_equal(ota_json_parse(doc, len, 0, &v), OTA_OK);
    json_decref(v);
    for (size_t n = 0; n < len; n++)
        if (ota_json_parse(doc, n, 0, &v) == OTA_OK)
            fail_msg("prefix of %zu bytes accepted", n);
    free(doc);
}

static void
test_round_trip_is_fixed_point(void **state)
{
    (void) state;
    size_t len = 0;
    unsigned char *doc = tu_read("formats/vectors/canonical/nested-unsorted.canon", &len);
    assert_non_null(doc);
    json_t *v = NULL;
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(ota_json_parse(doc, len, 0, &v), OTA_OK);
    assert_int_equal(ota_json_canonical(v, &out, &n), OTA_OK);
    assert_int_equal(n, len);
    assert_memory_equal(out, doc, len);
    json_decref(v);
    free(out);
    free(doc);
}

static void
test_util_hex_and_time(void **state)
{
    (void) state;
    uint8_t b[4];
    size_t n = 0;
    assert_int_equal(ota_hex_decode("00fFa1", 6, b, sizeof b, &n), OTA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(b[1], 0xff);
    assert_int_equal(ota_hex_decode("0", 1, b, sizeof b, &n), OTA_E_FORMAT);
    assert_int_equal(ota_hex_decode("0g", 2, b, sizeof b, &n), OTA_E_FORMAT);
    assert_int_equal(ota_hex_decode("0011223344", 10, b, sizeof b, &n), OTA_E_FORMAT);

    int64_t t = 0;
    char s[21];
    assert_int_equal(ota_time_parse("1970-01-01T00:00:00Z", &t), OTA_OK);
    assert_int_equal(t, 0);
    assert_int_equal(ota_time_parse("2030-01-01T00:00:00Z", &t), OTA_OK);
    assert_int_equal(t, 1893456000);
    assert_int_equal(ota_time_parse("2024-02-29T23:59:59Z", &t), OTA_OK);
    assert_int_equal(ota_time_format(t, s), OTA_OK);
    assert_string_equal(s, "2024-02-29T23:59:59Z");
    const char *bad[] = {"2023-02-29T00:00:00Z", "2030-01-01T00:00:00", "2030-01-01 00:00:00Z",
                         "2030-01-01T00:00:00+00:00", "2030-01-01T00:00:00.5Z",
                         "2030-13-01T00:00:00Z", "2030-01-01T24:00:00Z", "2030-1-01T00:00:00Z",
                         "", "2030-01-01T00:00:60Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ota_time_parse(bad[i], &t) != OTA_E_FORMAT)
            fail_msg("accepted time %s", bad[i]);
}

static void
test_strerror_total(void **state)
{
    (void) state;
    for (int e = 0; e <= OTA_E_EXISTS; e++) {
        assert_non_null(ota_strerror((ota_err) e));
        assert_string_not_equal(ota_strerror((ota_err) e), "unknown error");
        assert_string_not_equal(ota_err_name((ota_err) e), "E_UNKNOWN");
    }
    assert_string_equal(ota_strerror((ota_err) 9999), "unknown error");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_from_tufjs),
        cmocka_unit_test(test_invalid_vectors_refused),
        cmocka_unit_test(test_sorting_and_escaping),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_duplicate_keys_rejected),
        cmocka_unit_test(test_strictness),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_every_truncated_prefix_rejected),
        cmocka_unit_test(test_round_trip_is_fixed_point),
        cmocka_unit_test(test_util_hex_and_time),
        cmocka_unit_test(test_strerror_total),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
