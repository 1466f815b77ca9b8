/* SPDX-License-Identifier: Apache-2.0 */
/* formats/ota_osv: every query of formats/vectors/osv/cases.json against
 * its advisory (affected or not, the lowest fix, GIT ranges noted, no guess
 * for an unsupported ecosystem), every document of invalid.json, and
 * hostile input: huge, deep, duplicate keys, NUL, overlong versions and
 * text, too many entries, ranges and events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_osv.h"
#include "ota_util.h"
#include "testutil.h"

#define VEC "formats/vectors/osv/"

static json_t *
load(const char *rel)
{
    size_t len = 0;
    unsigned char *buf = tu_read(rel, &len);
    assert_non_null(buf);
    json_t *v = json_loadb((const char *) buf, len, JSON_REJECT_DUPLICATES, NULL);
    free(buf);
    assert_non_null(v);
    return v;
}

static void
test_cases(void **state)
{
    (void) state;
    json_t *cases = load(VEC "cases.json");
    size_t i, bad = 0, affected = 0, fixed = 0, errors = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        char rel[256];
        snprintf(rel, sizeof rel, VEC "%s",
                 json_string_value(json_object_get(c, "advisory")));
        size_t len = 0;
        unsigned char *buf = tu_read(rel, &len);
        assert_non_null(buf);
        ota_osv adv;
        const char *why = NULL;
        if (ota_osv_parse(buf, len, &adv, &why) != OTA_OK)
            fail_msg("%s: %s", rel, why);
        free(buf);
        ota_osv_match m;
        ota_err rc = ota_osv_affects(&adv, json_string_value(json_object_get(c, "ecosystem")),
                                     json_string_value(json_object_get(c, "name")),
                                     json_string_value(json_object_get(c, "version")), &m);
        const char *want_rc = json_string_value(json_object_get(c, "rc"));
        const char *want_fixed = json_string_value(json_object_get(c, "fixed"));
        bool want_aff = json_is_true(json_object_get(c, "affected"));
        bool want_git = json_is_true(json_object_get(c, "git"));
        bool ok = strcmp(ota_err_name(rc), want_rc ? want_rc : "OK") == 0;
        if (ok && rc == OTA_OK)
            ok = m.affected == want_aff && m.git_ignored == want_git &&
                 (want_fixed ? m.fixed != NULL && strcmp(m.fixed, want_fixed) == 0
                             : m.fixed == NULL);
        if (rc != OTA_OK)
            ok = ok && !m.affected && m.fixed == NULL;
        if (!ok) {
            print_error("case %zu (%s): %s affected=%d fixed=%s git=%d\n", i,
                        json_string_value(json_object_get(c, "why")), ota_err_name(rc), m.affected,
                        m.fixed ? m.fixed : "-", m.git_ignored);
            bad++;
        }
        affected += want_aff;
        fixed += want_fixed != NULL;
        errors += want_rc != NULL;
        ota_osv_free(&adv);
    }
    json_decref(cases);
    assert_int_equal(bad, 0);
    assert_true(i >= 25 && affected >= 10 && fixed >= 8 && errors >= 3);
}

static ota_err
parse_text(const char *text, size_t len, const char **why)
{
    ota_osv adv;
    ota_err rc = ota_osv_parse((const uint8_t *) text, len, &adv, why);
    if (rc != OTA_OK)
        assert_null(adv.doc);
    ota_osv_free(&adv);
    return rc;
}

static void
test_invalid(void **state)
{
    (void) state;
    json_t *cases = load(VEC "invalid.json");
    size_t i, bad = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        char *text = json_dumps(json_object_get(c, "advisory"), JSON_COMPACT);
        const char *why = NULL;
        ota_err rc = parse_text(text, strlen(text), &why);
        const char *want = json_string_value(json_object_get(c, "rc"));
        if (strcmp(ota_err_name(rc), want) != 0 || (rc != OTA_OK && why == NULL)) {
            print_error("case %zu (%s): %s, want %s (%s)\n", i,
                        json_string_value(json_object_get(c, "why")), ota_err_name(rc), want,
                        why ? why : "no reason");
            bad++;
        }
        free(text);
    }
    json_decref(cases);
    assert_int_equal(bad, 0);
    assert_true(i >= 25);
}

#define HEAD "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\""

/* text of n repetitions of one[] between pre and post */
static char *
repeat(const char *pre, const char *one, size_t n, const char *post)
{
    ota_buf b = {.max = 64u * 1024u * 1024u};
    assert_int_equal(ota_buf_append(&b, pre, strlen(pre)), OTA_OK);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_int_equal(ota_buf_putc(&b, ','), OTA_OK);
        assert_int_equal(ota_buf_append(&b, one, strlen(one)), OTA_OK);
    }
    assert_int_equal(ota_buf_append(&b, post, strlen(post)), OTA_OK);
    size_t len;
    return (char *) ota_buf_steal(&b, &len);
}

static void
test_hostile(void **state)
{
    (void) state;
    const char *why = NULL;
    /* strict JSON */
    static const char *const json_bad[] = {
        HEAD ",\"id\":\"X-2\"}",
        HEAD ",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"a\",\"name\":\"b\"}}]}",
        HEAD ",\"summary\":\"a\\u0000b\"}",
        "[" HEAD "}]",
        HEAD "}{}",
    };
    for (size_t i = 0; i < sizeof json_bad / sizeof json_bad[0]; i++)
        assert_int_equal(parse_text(json_bad[i], strlen(json_bad[i]), &why), OTA_E_JSON);
    /* a raw NUL byte inside */
    const char nul[] = HEAD ",\"summary\":\"a\0b\"}";
    assert_int_equal(parse_text(nul, sizeof nul - 1, &why), OTA_E_JSON);
    /* deep */
    ota_buf b = {.max = 4096};
    assert_int_equal(ota_buf_append(&b, HEAD ",\"database_specific\":", strlen(HEAD) + 22), OTA_OK);
    for (int i = 0; i < 40; i++)
        assert_int_equal(ota_buf_putc(&b, '['), OTA_OK);
    for (int i = 0; i < 40; i++)
        assert_int_equal(ota_buf_putc(&b, ']'), OTA_OK);
    assert_int_equal(ota_buf_putc(&b, '}'), OTA_OK);
    size_t dl;
    char *dd = (char *) ota_buf_steal(&b, &dl);
    assert_int_equal(parse_text(dd, dl, &why), OTA_E_LIMIT);
    free(dd);
    /* huge: one byte past 4 MiB is refused before parsing; at 4 MiB read */
    size_t big = OTA_OSV_MAX_SIZE + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    memcpy(huge, HEAD "}", strlen(HEAD "}"));
    assert_int_equal(parse_text(huge, big, &why), OTA_E_LIMIT);
    assert_int_equal(parse_text(huge, big - 1, &why), OTA_OK);
    free(huge);
    /* details at 64 KiB and one past; a version of 256 and 257 bytes */
    char *det = malloc(OTA_OSV_MAX_DETAILS + 2);
    assert_non_null(det);
    memset(det, 'x', OTA_OSV_MAX_DETAILS + 1);
    det[OTA_OSV_MAX_DETAILS] = '\0';
    char *t = repeat(HEAD ",\"details\":\"", det, 1, "\"}");
    assert_int_equal(parse_text(t, strlen(t), &why), OTA_OK);
    free(t);
    det[OTA_OSV_MAX_DETAILS] = 'x';
    det[OTA_OSV_MAX_DETAILS + 1] = '\0';
    t = repeat(HEAD ",\"details\":\"", det, 1, "\"}");
    assert_int_equal(parse_text(t, strlen(t), &why), OTA_E_LIMIT);
    free(t);
    free(det);
    char ver[OTA_MAX_PKGVER_LEN + 2];
    memset(ver, '1', sizeof ver);
    ver[OTA_MAX_PKGVER_LEN] = '\0';
    const char *pre = HEAD ",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"a\"},"
                           "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
                           "{\"fixed\":\"";
    t = repeat(pre, ver, 1, "\"}]}]}]}");
    assert_int_equal(parse_text(t, strlen(t), &why), OTA_OK);
    free(t);
    ver[OTA_MAX_PKGVER_LEN] = '1';
    ver[OTA_MAX_PKGVER_LEN + 1] = '\0';
    t = repeat(pre, ver, 1, "\"}]}]}]}");
    assert_int_equal(parse_text(t, strlen(t), &why), OTA_E_LIMIT);
    free(t);
    /* counts: affected entries, ranges, events per range and in all,
     * versions, aliases — at the bound and one past */
    static const struct {
        const char *pre, *one, *post;
        size_t at;
    } n[] = {
        {HEAD ",\"affected\":[", "{}", "]}", OTA_OSV_MAX_AFFECTED},
        {HEAD ",\"affected\":[{\"ranges\":[",
         "{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"}]}", "]}]}", OTA_OSV_MAX_RANGES},
        {HEAD ",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\",\"events\":[",
         "{\"introduced\":\"1.0.0\"}", "]}]}]}", OTA_OSV_MAX_EVENTS},
        {HEAD ",\"affected\":[{\"versions\":[", "\"1.0\"", "]}]}", OTA_OSV_MAX_VERSIONS},
        {HEAD ",\"aliases\":[", "\"CVE-1\"", "]}", OTA_OSV_MAX_ALIASES},
        /* 16 entries of 256 events: the total at 4096 */
        {HEAD ",\"affected\":[",
         "{\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"}"
         ",{\"introduced\":\"0\"},{\"introduced\":\"0\"},{\"introduced\":\"0\"}]}]}",
         "]}", OTA_OSV_MAX_EVENTS_TOTAL / 4},
    };
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        t = repeat(n[i].pre, n[i].one, n[i].at, n[i].post);
        if (parse_text(t, strlen(t), &why) != OTA_OK)
            fail_msg("count %zu at %zu: %s", i, n[i].at, why);
        free(t);
        t = repeat(n[i].pre, n[i].one, n[i].at + 1, n[i].post);
        assert_int_equal(parse_text(t, strlen(t), &why), OTA_E_LIMIT);
        free(t);
    }
}

/* affects on arguments and on an advisory parsed from a vector: bad
 * arguments, and the fix is never reported for an unaffected version */
static void
test_api(void **state)
{
    (void) state;
    size_t len = 0;
    unsigned char *buf = tu_read(VEC "DSA-5532-1.json", &len);
    assert_non_null(buf);
    ota_osv adv;
    assert_int_equal(ota_osv_parse(buf, len, &adv, NULL), OTA_OK);
    free(buf);
    assert_string_equal(adv.id, "DSA-5532-1");
    assert_int_equal(adv.naliases, 1);
    assert_string_equal(adv.aliases[0], "CVE-2023-5363");
    assert_int_equal(adv.naffected, 3);
    assert_int_equal(adv.affected[0].nversions, 3);
    assert_int_equal(adv.affected[0].ranges[0].scheme, OTA_PKGVER_DEBIAN);
    ota_osv_match m;
    assert_int_equal(ota_osv_affects(&adv, NULL, "openssl", "1", &m), OTA_E_ARG);
    assert_int_equal(ota_osv_affects(NULL, "Debian", "openssl", "1", &m), OTA_E_ARG);
    ota_osv_free(&adv);
    ota_osv_free(&adv); /* twice is fine */
    /* events are evaluated in version order whatever the file's order */
    const char *t = HEAD ",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"a\"},"
                         "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"fixed\":\"2.0-1\"},"
                         "{\"introduced\":\"1.0~rc1-1\"},{\"fixed\":\"1.0-1\"},"
                         "{\"introduced\":\"1.5-1\"}]}]}]}";
    assert_int_equal(ota_osv_parse((const uint8_t *) t, strlen(t), &adv, NULL), OTA_OK);
    static const struct {
        const char *v;
        bool aff;
        const char *fixed;
    } q[] = {
        {"0.9-1", false, NULL},    {"1.0~rc1-1", true, "1.0-1"}, {"1.0~rc2-1", true, "1.0-1"},
        {"1.0-1", false, NULL},    {"1.4-9", false, NULL},       {"1.5-1", true, "2.0-1"},
        {"2.0~beta-1", true, "2.0-1"}, {"2.0-1", false, NULL},   {"1:0.1-1", false, NULL},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        assert_int_equal(ota_osv_affects(&adv, "Debian:12", "a", q[i].v, &m), OTA_OK);
        if (m.affected != q[i].aff || (q[i].fixed ? m.fixed == NULL || strcmp(m.fixed, q[i].fixed)
                                                  : m.fixed != NULL))
            fail_msg("%s: affected %d fixed %s", q[i].v, m.affected, m.fixed ? m.fixed : "-");
    }
    ota_osv_free(&adv);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
