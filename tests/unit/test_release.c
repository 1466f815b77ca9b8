/* formats/ota_release: validity of custom.ota_release and ota_policy
 * (formats/RELEASE.md) against every case of formats/vectors/release/
 * policy-valid.json and policy-invalid.json, and the absent member. */
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
