/* SPDX-License-Identifier: Apache-2.0 */
/* formats/ota_release: validity of custom.ota_release and ota_policy
 * (formats/RELEASE.md) against every case of formats/vectors/release/
 * policy-valid.json and policy-invalid.json, and the absent member; the
 * values read (ota_release_read against each valid case's "expect", the
 * defaults for an invalid one) and the floor lookup (ota_policy_floor). */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_release.h"
#include "testutil.h"

static json_t *
load_vectors(const char *rel)
{
    size_t len = 0;
    unsigned char *buf = tu_read(rel, &len);
    assert_non_null(buf);
    json_t *v = json_loadb((const char *) buf, len, JSON_REJECT_DUPLICATES, NULL);
    free(buf);
    assert_true(json_is_array(v));
    return v;
}

/* Every case: NULL (valid) or a reason (invalid), as the file says. */
static void
run(const char *rel, bool valid, size_t *releases, size_t *policies)
{
    json_t *v = load_vectors(rel);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        const char *why = json_string_value(json_object_get(x, "why"));
        json_t *r = json_object_get(x, "ota_release"), *p = json_object_get(x, "ota_policy");
        assert_true((r == NULL) != (p == NULL));
        const char *got = r != NULL ? ota_release_invalid(r) : ota_policy_invalid(p);
        if ((got == NULL) != valid)
            fail_msg("%s case %zu (%s): %s", rel, i, why, got ? got : "accepted");
        (*(r != NULL ? releases : policies))++;
    }
    json_decref(v);
}

static void
test_vectors(void **state)
{
    (void) state;
    size_t vr = 0, vp = 0, ir = 0, ip = 0;
    run("formats/vectors/release/policy-valid.json", true, &vr, &vp);
    run("formats/vectors/release/policy-invalid.json", false, &ir, &ip);
    /* every kind of case was there */
    assert_true(vr >= 10 && vp >= 5 && ir >= 20 && ip >= 15);
}

static void
test_absent(void **state)
{
    (void) state;
    /* an absent ota_release reads as the defaults; an absent ota_policy is
     * the caller's to skip (the function is for a present member) */
    assert_null(ota_release_invalid(NULL));
    assert_non_null(ota_policy_invalid(NULL));
    json_t *null = json_null();
    assert_non_null(ota_release_invalid(null)); /* present but null */
    json_decref(null);
}

/* The values ota_release_read gives equal a valid case's "expect"; an
 * invalid case reads as the defaults.  ota_policy_floor gives each
 * expected floor, none for another name, E_FORMAT for an invalid policy. */
static void
check_values(json_t *x, bool valid)
{
    const char *why = json_string_value(json_object_get(x, "why"));
    json_t *r = json_object_get(x, "ota_release"), *p = json_object_get(x, "ota_policy");
    json_t *expect = valid ? json_object_get(x, "expect") : NULL;
    if (r != NULL) {
        ota_release_policy got;
        memset(&got, 0xa5, sizeof got);
        assert_true((ota_release_read(r, &got) == NULL) == valid);
        json_t *ch = json_object_get(expect, "channels");
        size_t n = valid ? json_array_size(ch) : 1;
        if (got.nchannels != n)
            fail_msg("%s: %zu channels, expected %zu", why, got.nchannels, n);
        for (size_t i = 0; i < n; i++) {
            const char *want =
                valid ? json_string_value(json_array_get(ch, i)) : OTA_RELEASE_DEFAULT_CHANNEL;
            if (strcmp(got.channels[i], want) != 0)
                fail_msg("%s: channel %zu is %s, expected %s", why, i, got.channels[i], want);
            assert_true(ota_release_has_channel(&got, want));
        }
        assert_false(ota_release_has_channel(&got, "no-such-channel"));
        assert_int_equal(got.rollout, valid ? json_integer_value(json_object_get(expect, "rollout"))
                                            : OTA_RELEASE_DEFAULT_ROLLOUT);
        assert_int_equal(got.downgrade,
                         valid ? json_is_true(json_object_get(expect, "downgrade")) : false);
        return;
    }
    const char *floor = "x";
    if (!valid) {
        assert_int_equal(ota_policy_floor(p, "gw-fw", &floor), OTA_E_FORMAT);
        assert_null(floor);
        return;
    }
    const char *name;
    json_t *v;
    json_object_foreach(expect, name, v)
    {
        assert_int_equal(ota_policy_floor(p, name, &floor), OTA_OK);
        if (floor == NULL || strcmp(floor, json_string_value(v)) != 0)
            fail_msg("%s: floor of %s is %s, expected %s", why, name, floor ? floor : "none",
                     json_string_value(v));
    }
    assert_int_equal(ota_policy_floor(p, "no-such-bundle", &floor), OTA_OK);
    assert_null(floor);
}

static void
test_values(void **state)
{
    (void) state;
    const char *files[] = {"formats/vectors/release/policy-valid.json",
                           "formats/vectors/release/policy-invalid.json"};
    for (size_t f = 0; f < 2; f++) {
        json_t *v = load_vectors(files[f]);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) check_values(x, f == 0);
        json_decref(v);
    }
    /* absent: the defaults, no floors */
    ota_release_policy d;
    assert_null(ota_release_read(NULL, &d));
    assert_int_equal(d.nchannels, 1);
    assert_string_equal(d.channels[0], OTA_RELEASE_DEFAULT_CHANNEL);
    assert_int_equal(d.rollout, 100);
    assert_false(d.downgrade);
    const char *floor = "x";
    assert_int_equal(ota_policy_floor(NULL, "gw-fw", &floor), OTA_OK);
    assert_null(floor);
    assert_false(ota_release_has_channel(NULL, "stable"));
    assert_false(ota_release_has_channel(&d, NULL));
}

/* An invalid value after valid ones: nothing read before it is kept. */
static void
test_invalid_keeps_nothing(void **state)
{
    (void) state;
    json_t *r = json_loads("{\"channels\":[\"beta\"],\"downgrade\":true,\"rollout\":101}", 0, NULL);
    assert_non_null(r);
    ota_release_policy p;
    assert_non_null(ota_release_read(r, &p));
    assert_int_equal(p.nchannels, 1);
    assert_string_equal(p.channels[0], OTA_RELEASE_DEFAULT_CHANNEL);
    assert_false(p.downgrade);
    assert_int_equal(p.rollout, OTA_RELEASE_DEFAULT_ROLLOUT);
    json_decref(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_invalid_keeps_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
