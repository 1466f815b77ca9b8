/* SPDX-License-Identifier: Apache-2.0 */
/* formats/ota_pkgver: Debian versions against dpkg itself (every ordered
 * pair of formats/vectors/pkgver/debian-order.txt, which gen.py sorted with
 * `dpkg --compare-versions`, and every version dpkg refuses or warns about
 * in debian-invalid.txt), dpkg's rules one by one (epochs, tildes, letters,
 * digit runs longer than any integer), the limits, semver by scheme, and
 * the OSV ecosystem names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_pkgver.h"
#include "testutil.h"

#define MAXV 256

typedef struct ranked {
    int rank;
    char *v;
} ranked;

static size_t
load_order(ranked *out, size_t max)
{
    size_t len = 0, n = 0;
    char *buf = (char *) tu_read("formats/vectors/pkgver/debian-order.txt", &len);
    assert_non_null(buf);
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *sp = strchr(line, ' ');
        assert_non_null(sp);
        *sp = '\0';
        assert_true(n < max);
        out[n].rank = atoi(line);
        out[n].v = strdup(sp + 1);
        n++;
    }
    free(buf);
    return n;
}

/* every ordered pair, as dpkg ordered them */
static void
test_dpkg_order(void **state)
{
    (void) state;
    ranked r[MAXV];
    size_t n = load_order(r, MAXV), bad = 0;
    assert_true(n >= 80);
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        if (ota_debver_check(r[i].v, &why) != OTA_OK) {
            print_error("dpkg accepts %s, we do not: %s\n", r[i].v, why);
            bad++;
        }
        for (size_t j = 0; j < n; j++) {
            int want = (r[i].rank > r[j].rank) - (r[i].rank < r[j].rank);
            int got = ota_debver_cmp(r[i].v, r[j].v), via = 9;
            assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_DEBIAN, r[i].v, r[j].v, &via, NULL),
                             OTA_OK);
            if (got != want || via != want) {
                print_error("%s vs %s: dpkg %d, ours %d\n", r[i].v, r[j].v, want, got);
                bad++;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free(r[i].v);
    assert_int_equal(bad, 0);
}

static void
test_dpkg_invalid(void **state)
{
    (void) state;
    size_t len = 0, n = 0, errors = 0, warnings = 0;
    char *buf = (char *) tu_read("formats/vectors/pkgver/debian-invalid.txt", &len);
    assert_non_null(buf);
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *sp = strchr(line, ' ');
        assert_non_null(sp);
        *sp = '\0';
        const char *why = NULL;
        ota_err rc = ota_debver_check(sp + 1, &why);
        if (rc == OTA_OK)
            fail_msg("dpkg says %s for '%s'; we accept it", line, sp + 1);
        assert_non_null(why);
        errors += strcmp(line, "error") == 0;
        warnings += strcmp(line, "warning") == 0;
        n++;
    }
    free(buf);
    assert_true(n >= 25 && errors >= 10 && warnings >= 10);
}

/* dpkg's rules, each by name (the examples the issue and policy give) */
static void
test_rules(void **state)
{
    (void) state;
    static const struct {
        const char *a, *b;
        int want;
    } c[] = {
        {"1.0~rc1", "1.0", -1},         /* tilde before the end */
        {"1.0", "1.0+b1", -1},          /* the end before '+' */
        {"1.0~rc1", "1.0+b1", -1},
        {"1.0~~", "1.0~", -1},          /* two tildes before one */
        {"1.0~", "1.0", -1},
        {"1:0.9", "2.0", 1},            /* the epoch first */
        {"0:2.0", "2.0", 0},            /* epoch 0 is no epoch */
        {"1.0-1", "1.0-1~deb12u1", 1},  /* revisions: tilde before the end */
        {"1.0-1+deb12u1", "1.0-1", 1},
        {"1.0", "1.0-0", 0},            /* no revision is revision "0" */
        {"1.0a", "1.0+", -1},           /* letters before non-letters */
        {"1.0a", "1.0.", -1},
        {"1.0A", "1.0a", -1},           /* ASCII among letters */
        {"010", "10", 0},               /* leading zeros */
        {"1.2.10", "1.2.9", 1},         /* digit runs numerically */
        {"99999999999999999999999999999999", "100000000000000000000000000000000", -1},
        {"1.99999999999999999999999999999999999999999", "1.100000000000000000000000000000000000000000", -1},
        {"2147483647:1", "2147483646:999", 1},
        {"3.0.11-1~deb12u2", "3.0.13-1~deb12u1", -1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int got = ota_debver_cmp(c[i].a, c[i].b), back = ota_debver_cmp(c[i].b, c[i].a);
        if (got != c[i].want || back != -c[i].want)
            fail_msg("%s vs %s: %d/%d, want %d", c[i].a, c[i].b, got, back, c[i].want);
    }
}

/* a digit run of 200 digits (no integer type holds it) and the length limit */
static void
test_limits(void **state)
{
    (void) state;
    char a[OTA_MAX_PKGVER_LEN + 2], b[OTA_MAX_PKGVER_LEN + 2];
    memset(a, '9', OTA_MAX_PKGVER_LEN);
    a[OTA_MAX_PKGVER_LEN] = '\0';
    memcpy(b, a, sizeof a);
    b[OTA_MAX_PKGVER_LEN - 1] = '8';
    assert_int_equal(ota_debver_check(a, NULL), OTA_OK); /* at the limit */
    assert_int_equal(ota_debver_cmp(a, b), 1);
    assert_int_equal(ota_debver_cmp(b, a), -1);
    b[0] = '0'; /* a leading zero: the run is one digit shorter, so smaller */
    b[1] = '9';
    assert_int_equal(ota_debver_cmp(a, b), 1);
    b[0] = '1';
    b[1] = '0'; /* 10...: as long, the first digit decides */
    assert_int_equal(ota_debver_cmp(a, b), 1);
    const char *why = NULL;
    a[OTA_MAX_PKGVER_LEN] = '9';
    a[OTA_MAX_PKGVER_LEN + 1] = '\0';
    assert_int_equal(ota_debver_check(a, &why), OTA_E_LIMIT); /* one past */
    assert_non_null(why);
    int out = 7;
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_DEBIAN, a, "1.0", &out, NULL), OTA_E_LIMIT);
    assert_int_equal(out, 7);
    assert_int_equal(ota_debver_check("", NULL), OTA_E_FORMAT);
    assert_int_equal(ota_debver_check(NULL, NULL), OTA_E_FORMAT);
    assert_int_equal(ota_debver_check("1.0\n", NULL), OTA_E_FORMAT);
    assert_int_equal(ota_debver_check(" 1.0", NULL), OTA_E_FORMAT);
}

static void
test_schemes(void **state)
{
    (void) state;
    int out = 9;
    const char *why = NULL;
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_SEMVER, "1.0.0-rc.1", "1.0.0", &out, NULL), OTA_OK);
    assert_int_equal(out, -1);
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_SEMVER, "1.0.0-alpha.10", "1.0.0-alpha.9", &out,
                                    NULL),
                     OTA_OK);
    assert_int_equal(out, 1);
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_SEMVER, "1.0.0+a", "1.0.0+b", &out, NULL), OTA_OK);
    assert_int_equal(out, 0);
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_SEMVER, "v1.0.0", "1.0.0", &out, &why),
                     OTA_E_FORMAT);
    assert_non_null(why);
    /* the same strings order differently under the two schemes */
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_SEMVER, "1.0.0-rc1", "1.0.0-1", &out, NULL), OTA_OK);
    assert_int_equal(out, 1); /* semver: alphanumeric above numeric */
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_DEBIAN, "1.0.0-rc1", "1.0.0-1", &out, NULL), OTA_OK);
    assert_int_equal(out, 1); /* dpkg too: revision "rc1" vs "1", a letter first */
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_DEBIAN, "1.0.0~rc1", "1.0.0", &out, NULL), OTA_OK);
    assert_int_equal(out, -1);
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_SEMVER, "1.0.0~rc1", "1.0.0", &out, NULL),
                     OTA_E_FORMAT);
    /* no scheme: only equal strings compare */
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_NONE, "r1", "r1", &out, NULL), OTA_OK);
    assert_int_equal(out, 0);
    assert_int_equal(ota_pkgver_cmp(OTA_PKGVER_NONE, "r1", "r2", &out, &why), OTA_E_UNSUPPORTED);
    assert_int_equal(ota_pkgver_check(OTA_PKGVER_NONE, "a\x01", NULL), OTA_E_FORMAT);
    assert_string_equal(ota_pkgver_scheme_name(OTA_PKGVER_DEBIAN), "debian");
    assert_string_equal(ota_pkgver_scheme_name(OTA_PKGVER_SEMVER), "semver");
}

static void
test_ecosystems(void **state)
{
    (void) state;
    ota_pkgver_scheme s = OTA_PKGVER_SEMVER;
    const char *why = NULL;
    assert_int_equal(ota_pkgver_ecosystem("Debian", &s, NULL), OTA_OK);
    assert_int_equal(s, OTA_PKGVER_DEBIAN);
    assert_int_equal(ota_pkgver_ecosystem("Debian:12", &s, NULL), OTA_OK);
    assert_int_equal(s, OTA_PKGVER_DEBIAN);
    assert_int_equal(ota_pkgver_ecosystem("Debian:7", &s, NULL), OTA_OK);
    static const char *no[] = {"debian", "Debian:", "Debian:twelve", "Debian:12:x", "Debian12",
                               "Ubuntu:22.04:LTS", "PyPI", "npm", "Go", "", NULL};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        s = OTA_PKGVER_DEBIAN;
        why = NULL;
        assert_int_equal(ota_pkgver_ecosystem(no[i], &s, &why), OTA_E_UNSUPPORTED);
        assert_int_equal(s, OTA_PKGVER_NONE);
        assert_non_null(strstr(why, "unsupported ecosystem"));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpkg_order), cmocka_unit_test(test_dpkg_invalid),
        cmocka_unit_test(test_rules),      cmocka_unit_test(test_limits),
        cmocka_unit_test(test_schemes),    cmocka_unit_test(test_ecosystems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
