/* SPDX-License-Identifier: Apache-2.0 */
/* Ids and semantic versions (formats/ota_id.h, formats/BUNDLE.md "Ids and
 * semantic versions"): the rule at and past its limits, semver precedence,
 * and that bundles and reports accept exactly what the rule accepts. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_limits.h"
#include "ota_report.h"

/* A case: `head`, then `fill` repeated until the string is `len` bytes long
 * (len 0: head alone). */
typedef struct id_case {
    const char *head;
    char fill;
    size_t len;
    bool ok;
} id_case;

static const id_case ids[] = {
    {"a", 0, 0, true},
    {"Z", 0, 0, true},
    {"7", 0, 0, true},
    {"acme-gw-r1", 0, 0, true},
    {"00:11:22:33:44:55", 0, 0, true},
    {"SN-2024.001_x", 0, 0, true},
    {"a.", 0, 0, true},
    {"a", 'b', OTA_MAX_ID_LEN, true},      /* at the limit */
    {"a", 'b', OTA_MAX_ID_LEN + 1, false}, /* one past */
    {"a", 'b', 4096, false},
    {"", 0, 0, false},
    {"gw+2", 0, 0, false}, /* '+' was allowed in bundles before 1.1 */
    {".hidden", 0, 0, false},
    {"-x", 0, 0, false},
    {"_x", 0, 0, false},
    {":x", 0, 0, false},
    {"a b", 0, 0, false},
    {"a/b", 0, 0, false},
    {"../n", 0, 0, false},
    {"a'b", 0, 0, false},
    {"a;b", 0, 0, false},
    {"a\\b", 0, 0, false},
    {"n\xc3\xa9", 0, 0, false}, /* UTF-8 é */
    {"a\tb", 0, 0, false},
};

static const id_case versions[] = {
    {"0.0.0", 0, 0, true},
    {"1.2.3", 0, 0, true},
    {"10.20.30", 0, 0, true},
    {"1.0.0-alpha", 0, 0, true},
    {"1.0.0-0.3.7", 0, 0, true},
    {"1.0.0-x.7.z.92", 0, 0, true},
    {"1.0.0-x-y-z.--", 0, 0, true},
    {"1.0.0+20130313144700", 0, 0, true},
    {"1.0.0+001", 0, 0, true}, /* build metadata may have leading zeros */
    {"1.0.0-beta+exp.sha.5114f85", 0, 0, true},
    {"2.0.0-rc.1+build.123", 0, 0, true},
    {"1.2.3-", 'a', OTA_MAX_VERSION_LEN, true},      /* at the limit */
    {"1.2.3-", 'a', OTA_MAX_VERSION_LEN + 1, false}, /* one past */
    {"1.2.3+", 'b', OTA_MAX_VERSION_LEN + 1, false},
    {"1.2.3-", 'a', 128, false}, /* the old bundle limit */
    {"", 0, 0, false},
    {"1", 0, 0, false},
    {"1.2", 0, 0, false},
    {"1.2.3.4", 0, 0, false},
    {"01.2.3", 0, 0, false},
    {"1.02.3", 0, 0, false},
    {"1.2.03", 0, 0, false},
    {"1.2.3-", 0, 0, false},
    {"1.2.3-01", 0, 0, false},
    {"1.2.3+", 0, 0, false},
    {"1.2.3-a..b", 0, 0, false},
    {"1.2.3-a_b", 0, 0, false},
    {"1.2.3+a+b", 0, 0, false},
    {"1.2.3-\xce\xa9", 0, 0, false},
    {"v1.2.3", 0, 0, false},
    {"1.2.3 ", 0, 0, false},
    {"-1.2.3", 0, 0, false},
};

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

/* The case's string in buf[cap] (cap > every len in the tables). */
static const char *
expand(const id_case *c, char *buf, size_t cap)
{
    size_t n = strlen(c->head);
    assert_true(n < cap && c->len < cap);
    memcpy(buf, c->head, n);
    for (; n < c->len; n++)
        buf[n] = c->fill;
    buf[n] = '\0';
    return buf;
}

static void
test_id_rule(void **state)
{
    (void) state;
    char buf[4200];
    for (size_t i = 0; i < NCASES(ids); i++) {
        const char *s = expand(&ids[i], buf, sizeof buf);
        if (ota_id_valid(s) != ids[i].ok)
            fail_msg("ota_id_valid('%.40s', %zu bytes) = %d", s, strlen(s), !ids[i].ok);
    }
    assert_false(ota_id_valid(NULL));
}

static void
test_version_rule(void **state)
{
    (void) state;
    char buf[4200];
    for (size_t i = 0; i < NCASES(versions); i++) {
        const char *s = expand(&versions[i], buf, sizeof buf);
        if ((ota_semver_check(s) == OTA_OK) != versions[i].ok)
            fail_msg("ota_semver_check('%.40s', %zu bytes) wrong", s, strlen(s));
    }
    assert_int_equal(ota_semver_check(NULL), OTA_E_FORMAT);
}

/* semver.org section 11, in increasing order, with the core numbers around
 * it compared numerically. */
static void
test_semver_precedence(void **state)
{
    (void) state;
    static const char *chain[] = {
        "0.9.9",      "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
        "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",  "1.0.0",           "1.0.1",
        "1.9.0",      "1.10.0",      "1.11.0",        "2.0.0",            "2.1.0",
        "2.1.1",      "10.0.0",
    };
    size_t n = NCASES(chain);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ota_semver_check(chain[i]), OTA_OK);
        for (size_t j = 0; j < n; j++) {
            int c = ota_semver_cmp(chain[i], chain[j]);
            if ((i < j && c >= 0) || (i > j && c <= 0) || (i == j && c != 0))
                fail_msg("cmp(%s, %s) = %d", chain[i], chain[j], c);
        }
    }
    /* build metadata is ignored */
    static const char *same[][2] = {
        {"1.0.0+a", "1.0.0+b"},
        {"1.0.0+a", "1.0.0"},
        {"1.0.0-rc.1+a", "1.0.0-rc.1"},
        {"1.0.0-rc.1+x.y", "1.0.0-rc.1+z"},
    };
    for (size_t i = 0; i < NCASES(same); i++)
        if (ota_semver_cmp(same[i][0], same[i][1]) != 0 ||
            ota_semver_cmp(same[i][1], same[i][0]) != 0)
            fail_msg("%s and %s should have the same precedence", same[i][0], same[i][1]);
    assert_true(ota_semver_cmp("1.0.0-rc.1+x", "1.0.0") < 0);
    /* numbers past 64 bits are still compared as numbers */
    assert_true(ota_semver_cmp("99999999999999999999.0.0", "9999999999999999999.0.0") > 0);
}

/* Bundles (writer and reader) and reports (sign) accept an id or version
 * exactly when ota_id.h does: one rule, no second copy of it. */
static ota_err
manifest_with(const char *name, const char *hw, const char *comp, const char *version)
{
    char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"chunk_size\":65536,\"components\":[{\"name\":\"%s\",\"size\":1,\"type\":"
             "\"image\"}],\"format\":1,\"hardware\":[\"%s\"],\"name\":\"%s\",\"type\":\"ota-"
             "bundle\",\"version\":\"%s\"}",
             comp, hw, name, version);
    ota_bundle_manifest *m = NULL;
    ota_err rc = ota_bundle_manifest_parse((const uint8_t *) buf, strlen(buf), &m);
    ota_bundle_manifest_free(m);
    return rc;
}

static ota_err
writer_with(const char *name, const char *hw, const char *version)
{
    const char *hardware[] = {hw};
    ota_bundle_writer_config c = {.size = sizeof c, .name = name, .version = version,
                                  .hardware = hardware, .nhardware = 1, .tmp_dir = "/tmp"};
    ota_bundle_writer *w = NULL;
    ota_err rc = ota_bundle_writer_new(&c, &w);
    ota_bundle_writer_free(w);
    return rc;
}

static ota_err
report_with(const char *id, const char *version)
{
    ota_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.device_id, sizeof r.device_id, "%s", id);
    snprintf(r.hardware_id, sizeof r.hardware_id, "%s", "hw-1");
    snprintf(r.installed_version, sizeof r.installed_version, "%s", version);
    snprintf(r.time, sizeof r.time, "%s", "2024-05-01T12:00:00Z");
    r.result = OTA_REPORT_NONE;
    r.seq = 1;
    uint8_t pk[32], sk[64], seed[32] = {1};
    crypto_sign_seed_keypair(pk, sk, seed);
    uint8_t *doc = NULL;
    size_t len = 0;
    ota_err rc = ota_report_sign(&r, NULL, sk, &doc, &len);
    free(doc);
    return rc;
}

static void
test_every_format_follows_the_rule(void **state)
{
    (void) state;
    char buf[4200];
    for (size_t i = 0; i < NCASES(ids); i++) {
        const char *s = expand(&ids[i], buf, sizeof buf);
        if (strchr(s, '"') != NULL || strchr(s, '\\') != NULL || strchr(s, '\t') != NULL)
            continue; /* not in a hand-made JSON string */
        ota_err want_m = ids[i].ok ? OTA_OK : OTA_E_FORMAT;
        ota_err want_w = ids[i].ok ? OTA_OK : OTA_E_ARG;
        if (manifest_with(s, "hw", "c", "1.0.0") != want_m ||
            manifest_with("n", s, "c", "1.0.0") != want_m ||
            manifest_with("n", "hw", s, "1.0.0") != want_m)
            fail_msg("a bundle manifest does not follow the id rule on '%.40s'", s);
        if (writer_with(s, "hw", "1.0.0") != want_w || writer_with("n", s, "1.0.0") != want_w)
            fail_msg("the bundle writer does not follow the id rule on '%.40s'", s);
        if (strlen(s) <= OTA_MAX_ID_LEN &&
            report_with(s, "1.0.0") != (ids[i].ok ? OTA_OK : OTA_E_FORMAT))
            fail_msg("a report does not follow the id rule on '%.40s'", s);
    }
    for (size_t i = 0; i < NCASES(versions); i++) {
        const char *s = expand(&versions[i], buf, sizeof buf);
        if (manifest_with("n", "hw", "c", s) != (versions[i].ok ? OTA_OK : OTA_E_FORMAT) ||
            writer_with("n", "hw", s) != (versions[i].ok ? OTA_OK : OTA_E_ARG))
            fail_msg("a bundle does not follow the version rule on '%.40s'", s);
        if (strlen(s) <= OTA_MAX_VERSION_LEN &&
            report_with("dev-1", s) != (versions[i].ok ? OTA_OK : OTA_E_FORMAT))
            fail_msg("a report does not follow the version rule on '%.40s'", s);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_rule),
        cmocka_unit_test(test_version_rule),
        cmocka_unit_test(test_semver_precedence),
        cmocka_unit_test(test_every_format_follows_the_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
