/* SPDX-License-Identifier: Apache-2.0 */
/* Decimal numbers (formats/ota_util.h ota_parse_u64, ota_parse_u64_prefix,
 * ota_parse_size): the one integer parser of every option, config value,
 * environment variable and header.  Each refusal below is refused by one
 * check of the parser; each acceptance shows a check is not too strict. */
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_util.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))
#define UNTOUCHED 0xdeadbeefu

typedef struct num_case {
    const char *s;
    uint64_t min, max;
    ota_err want;
    uint64_t value; /* when want is OTA_OK */
} num_case;

static const num_case u64_cases[] = {
    /* syntax: digits only, at least one, nothing else */
    {"", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"-1", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"-0", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"+1", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {" 1", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"\t1", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1 ", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1x", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1\n", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"0x10", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1.5", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1e3", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"x", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    /* a syntax error past a too-big number is still a syntax error */
    {"99999999999999999999999x", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    /* accepted, leading zeros too */
    {"0", 0, UINT64_MAX, OTA_OK, 0},
    {"7", 0, UINT64_MAX, OTA_OK, 7},
    {"007", 0, UINT64_MAX, OTA_OK, 7},
    {"000000000000000000000000000000042", 0, UINT64_MAX, OTA_OK, 42},
    {"18446744073709551615", 0, UINT64_MAX, OTA_OK, UINT64_MAX},
    /* past 64 bits: 2^64, 2^64 + 1, one that wraps to a small value */
    {"18446744073709551616", 0, UINT64_MAX, OTA_E_LIMIT, 0},
    {"18446744073709551617", 0, UINT64_MAX, OTA_E_LIMIT, 0},
    {"36893488147419103237", 0, UINT64_MAX, OTA_E_LIMIT, 0}, /* 2^65 + 5 */
    {"99999999999999999999999", 0, UINT64_MAX, OTA_E_LIMIT, 0},
    /* the range, both ends */
    {"1", 1, 64, OTA_OK, 1},
    {"64", 1, 64, OTA_OK, 64},
    {"0064", 1, 64, OTA_OK, 64},
    {"0", 1, 64, OTA_E_LIMIT, 0},
    {"65", 1, 64, OTA_E_LIMIT, 0},
    {"9223372036854775807", 0, INT64_MAX, OTA_OK, INT64_MAX},
    {"9223372036854775808", 0, INT64_MAX, OTA_E_LIMIT, 0},
};

static void
test_parse_u64(void **state)
{
    (void) state;
    for (size_t i = 0; i < NCASES(u64_cases); i++) {
        const num_case *c = &u64_cases[i];
        uint64_t v = UNTOUCHED;
        ota_err rc = ota_parse_u64(c->s, c->min, c->max, &v);
        if (rc != c->want)
            fail_msg("'%s' in [%llu, %llu]: got %s, want %s", c->s, (unsigned long long) c->min,
                     (unsigned long long) c->max, ota_err_name(rc), ota_err_name(c->want));
        if (rc == OTA_OK && v != c->value)
            fail_msg("'%s': got %llu, want %llu", c->s, (unsigned long long) v,
                     (unsigned long long) c->value);
        if (rc != OTA_OK && v != UNTOUCHED)
            fail_msg("'%s': refused but *out was written", c->s);
    }
    uint64_t v;
    assert_int_equal(ota_parse_u64(NULL, 0, 1, &v), OTA_E_FORMAT);
}

static void
test_parse_u64_prefix(void **state)
{
    (void) state;
    uint64_t v = UNTOUCHED;
    const char *end = NULL;
    assert_int_equal(ota_parse_u64_prefix("90d", 1, 100000, &v, &end), OTA_OK);
    assert_int_equal(v, 90);
    assert_string_equal(end, "d");
    assert_int_equal(ota_parse_u64_prefix("12", 0, 100, &v, &end), OTA_OK);
    assert_int_equal(v, 12);
    assert_string_equal(end, "");
    assert_int_equal(ota_parse_u64_prefix("1.0.31", 0, 999999, &v, &end), OTA_OK);
    assert_int_equal(v, 1);
    assert_string_equal(end, ".0.31");
    /* refusals leave *out and *end alone */
    const char *before = "unchanged";
    end = before;
    v = UNTOUCHED;
    assert_int_equal(ota_parse_u64_prefix("d", 0, 100, &v, &end), OTA_E_FORMAT);
    assert_int_equal(ota_parse_u64_prefix("", 0, 100, &v, &end), OTA_E_FORMAT);
    assert_int_equal(ota_parse_u64_prefix("-5d", 0, 100, &v, &end), OTA_E_FORMAT);
    assert_int_equal(ota_parse_u64_prefix("+5d", 0, 100, &v, &end), OTA_E_FORMAT);
    assert_int_equal(ota_parse_u64_prefix(" 5d", 0, 100, &v, &end), OTA_E_FORMAT);
    assert_int_equal(ota_parse_u64_prefix("0d", 1, 100, &v, &end), OTA_E_LIMIT);
    assert_int_equal(ota_parse_u64_prefix("101d", 1, 100, &v, &end), OTA_E_LIMIT);
    assert_int_equal(ota_parse_u64_prefix("18446744073709551616d", 0, UINT64_MAX, &v, &end),
                     OTA_E_LIMIT);
    assert_int_equal(v, UNTOUCHED);
    assert_ptr_equal(end, before);
}

static const num_case size_cases[] = {
    {"262144", 0, UINT64_MAX, OTA_OK, 262144},
    {"256k", 0, UINT64_MAX, OTA_OK, 256u << 10},
    {"256K", 0, UINT64_MAX, OTA_OK, 256u << 10},
    {"4m", 0, UINT64_MAX, OTA_OK, 4u << 20},
    {"4M", 0, UINT64_MAX, OTA_OK, 4u << 20},
    {"1g", 0, UINT64_MAX, OTA_OK, 1u << 30},
    {"1G", 0, UINT64_MAX, OTA_OK, 1u << 30},
    {"0k", 0, UINT64_MAX, OTA_OK, 0},
    {"064k", 0, UINT64_MAX, OTA_OK, 64u << 10},
    {"18446744073709551615", 0, UINT64_MAX, OTA_OK, UINT64_MAX},
    {"17179869183G", 0, UINT64_MAX, OTA_OK, UINT64_MAX - ((1u << 30) - 1)}, /* 2^34-1 G */
    {"", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"k", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"-1k", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"+1k", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {" 1k", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1kk", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1kb", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1T", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"1 k", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"0x10k", 0, UINT64_MAX, OTA_E_FORMAT, 0},
    {"18446744073709551616", 0, UINT64_MAX, OTA_E_LIMIT, 0},
    {"17179869184G", 0, UINT64_MAX, OTA_E_LIMIT, 0},       /* 2^34 G = 2^64 */
    {"18014398509481984k", 0, UINT64_MAX, OTA_E_LIMIT, 0}, /* 2^54 k */
    /* the range applies to the bytes, after the suffix */
    {"64k", 65536, 4u << 20, OTA_OK, 65536},
    {"4M", 65536, 4u << 20, OTA_OK, 4u << 20},
    {"63k", 65536, 4u << 20, OTA_E_LIMIT, 0},
    {"4097k", 65536, 4u << 20, OTA_E_LIMIT, 0},
    {"1G", 65536, 4u << 20, OTA_E_LIMIT, 0},
};

static void
test_parse_size(void **state)
{
    (void) state;
    for (size_t i = 0; i < NCASES(size_cases); i++) {
        const num_case *c = &size_cases[i];
        uint64_t v = UNTOUCHED;
        ota_err rc = ota_parse_size(c->s, c->min, c->max, &v);
        if (rc != c->want)
            fail_msg("size '%s' in [%llu, %llu]: got %s, want %s", c->s,
                     (unsigned long long) c->min, (unsigned long long) c->max, ota_err_name(rc),
                     ota_err_name(c->want));
        if (rc == OTA_OK && v != c->value)
            fail_msg("size '%s': got %llu, want %llu", c->s, (unsigned long long) v,
                     (unsigned long long) c->value);
        if (rc != OTA_OK && v != UNTOUCHED)
            fail_msg("size '%s': refused but *out was written", c->s);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_u64),
        cmocka_unit_test(test_parse_u64_prefix),
        cmocka_unit_test(test_parse_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
