/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_choose.c — ota_client_choose (formats/RELEASE.md) over a fake
 * repository: each eligibility rule and its verdict, the highest version
 * wins, malformed policies, the signed floor (top-level only), rollout
 * buckets (the vectors, determinism, the share over 1,000 ids).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ota/update.h"
#include "testrepo.h"

#define VEC_DIR "formats/vectors/release"

/* A bundle target's custom field: ota_bundle (name, version, hardware) and,
 * when release_json is not NULL, ota_release parsed from it. */
static json_t *
bundle_custom(const char *name, const char *version, const char *hw, const char *release_json)
{
    json_t *c = json_pack("{s:{s:s, s:s, s:[s], s:i}}", "ota_bundle", "name", name, "version",
                          version, "hardware", hw, "format", 1);
    if (release_json != NULL) {
        json_t *r = json_loads(release_json, 0, NULL);
        assert_non_null(r);
        json_object_set_new(c, "ota_release", r);
    }
    return c;
}

static void
add_release(world *w, json_t *tgt, const char *path, const char *name, const char *version,
            const char *hw, const char *release_json)
{
    add_target_custom(tgt != NULL ? tgt : w->tgt, path, path, strlen(path),
                      bundle_custom(name, version, hw, release_json));
}

typedef struct seen {
    char path[16][64];
    ota_verdict v[16];
    unsigned bucket[16];
    size_t n;
} seen;

static void
collect(void *user, const ota_release_info *r)
{
    seen *s = user;
    assert_true(s->n < 16);
    snprintf(s->path[s->n], 64, "%s", r->target->path);
    s->v[s->n] = r->verdict;
    s->bucket[s->n] = r->bucket;
    s->n++;
}

static ota_verdict
verdict_of(const seen *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->path[i], path) == 0)
            return s->v[i];
    fail_msg("%s was not considered", path);
    return OTA_VERDICT_INVALID;
}

static ota_device
device(void)
{
    ota_device d = OTA_DEVICE_INIT;
    d.device_id = "gw-0001";
    d.hardware_id = "gw-1";
    d.product = "gw-fw";
    d.installed_version = "1.0.0";
    return d;
}

static ota_err
choose(world *w, const ota_device *d, seen *s, char *chosen_path, size_t cap)
{
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found = true;
    memset(s, 0, sizeof *s);
    ota_err rc = ota_client_choose(c, d, collect, s, &t, &found);
    chosen_path[0] = '\0';
    if (rc == OTA_OK && found)
        snprintf(chosen_path, cap, "%s", t.path);
    return rc;
}

static void
test_each_rule(void **state)
{
    (void) state;
    world *w = world_new();
    add_release(w, NULL, "a-ok-1.1.0", "gw-fw", "1.1.0", "gw-1", NULL);
    add_release(w, NULL, "b-ok-1.3.0", "gw-fw", "1.3.0", "gw-1",
                "{\"channels\":[\"beta\",\"stable\"],\"rollout\":100,\"downgrade\":false}");
    add_release(w, NULL, "c-product", "other", "9.0.0", "gw-1", NULL);
    add_release(w, NULL, "d-hardware", "gw-fw", "9.0.0", "gw-2", NULL);
    add_release(w, NULL, "e-channel", "gw-fw", "9.0.0", "gw-1", "{\"channels\":[\"beta\"]}");
    add_release(w, NULL, "f-floor", "gw-fw", "0.4.0", "gw-1", NULL);
    add_release(w, NULL, "g-bad", "gw-fw", "8.0.0", "gw-1", NULL);
    add_release(w, NULL, "h-old", "gw-fw", "0.9.0", "gw-1", NULL);
    add_release(w, NULL, "i-same", "gw-fw", "1.0.0", "gw-1", NULL);
    add_release(w, NULL, "j-rollout0", "gw-fw", "9.0.0", "gw-1", "{\"rollout\":0}");
    add_release(w, NULL, "k-invalid", "gw-fw", "9.0.0", "gw-1", "{\"rollout\":101}");
    add_target(w->tgt, "not-a-bundle", "x", 1);
    json_object_set_new(w->tgt, "ota_policy",
                        json_pack("{s:{s:s}}", "floors", "gw-fw", "0.5.0"));
    world_publish(w);
    ota_device d = device();
    const char *bad[] = {"8.0.0"};
    d.bad_versions = bad;
    d.nbad = 1;
    seen s;
    char path[128];
    assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
    assert_string_equal(path, "b-ok-1.3.0"); /* the highest eligible version */
    assert_int_equal(s.n, 11);               /* the non-bundle target is not a release */
    assert_int_equal(verdict_of(&s, "a-ok-1.1.0"), OTA_VERDICT_ELIGIBLE);
    assert_int_equal(verdict_of(&s, "b-ok-1.3.0"), OTA_VERDICT_ELIGIBLE);
    assert_int_equal(verdict_of(&s, "c-product"), OTA_VERDICT_PRODUCT);
    assert_int_equal(verdict_of(&s, "d-hardware"), OTA_VERDICT_HARDWARE);
    assert_int_equal(verdict_of(&s, "e-channel"), OTA_VERDICT_CHANNEL);
    assert_int_equal(verdict_of(&s, "f-floor"), OTA_VERDICT_FLOOR);
    assert_int_equal(verdict_of(&s, "g-bad"), OTA_VERDICT_BAD);
    assert_int_equal(verdict_of(&s, "h-old"), OTA_VERDICT_NOT_NEWER);
    assert_int_equal(verdict_of(&s, "i-same"), OTA_VERDICT_NOT_NEWER);
    assert_int_equal(verdict_of(&s, "j-rollout0"), OTA_VERDICT_ROLLOUT);
    assert_int_equal(verdict_of(&s, "k-invalid"), OTA_VERDICT_INVALID);

    /* on the beta channel the 9.0.0 beta wins */
    d.channel = "beta";
    assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
    assert_string_equal(path, "e-channel");
    /* up to date: nothing, and that is not an error */
    d.channel = NULL;
    d.installed_version = "1.3.0";
    assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
    assert_string_equal(path, "");
    assert_int_equal(verdict_of(&s, "b-ok-1.3.0"), OTA_VERDICT_NOT_NEWER);
    /* unknown installed version: everything eligible is newer */
    d.installed_version = NULL;
    assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
    assert_string_equal(path, "b-ok-1.3.0");
    assert_int_equal(verdict_of(&s, "h-old"), OTA_VERDICT_ELIGIBLE);
    assert_int_equal(verdict_of(&s, "f-floor"), OTA_VERDICT_FLOOR);
    assert_int_equal(ota_client_floor(w->c, "gw-fw", path, sizeof path), OTA_OK);
    assert_string_equal(path, "0.5.0");
    assert_int_equal(ota_client_floor(w->c, "other", path, sizeof path), OTA_OK);
    assert_string_equal(path, "");
    assert_int_equal(ota_client_floor(w->c, "gw-fw", path, 3), OTA_E_LIMIT);
    world_free(w);
}

/* every malformed ota_release is "invalid", never guessed */
static void
test_invalid_release(void **state)
{
    (void) state;
    static const char *const bad[] = {
        "{\"rollout\":101}",          "{\"rollout\":-1}",
        "{\"rollout\":\"50\"}",       "{\"channels\":[]}",
        "{\"channels\":\"stable\"}",  "{\"channels\":[\"stable\",\"beta\"]}",
        "{\"channels\":[\"b\",\"b\"]}", "{\"channels\":[\"no space\"]}",
        "{\"channels\":[\".dot\"]}",  "{\"downgrade\":1}",
        "{\"extra\":true}",           "[]",
        "\"stable\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        world *w = world_new();
        if (bad[i][0] == '{')
            add_release(w, NULL, "r", "gw-fw", "2.0.0", "gw-1", bad[i]);
        else {
            json_t *c = bundle_custom("gw-fw", "2.0.0", "gw-1", NULL);
            json_object_set_new(c, "ota_release", json_loads(bad[i], JSON_DECODE_ANY, NULL));
            add_target_custom(w->tgt, "r", "r", 1, c);
        }
        world_publish(w);
        ota_device d = device();
        seen s;
        char path[128];
        assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
        if (s.n != 1 || s.v[0] != OTA_VERDICT_INVALID)
            fail_msg("ota_release %s: verdict %s, wanted invalid", bad[i],
                     s.n ? ota_verdict_name(s.v[0]) : "none");
        assert_string_equal(path, "");
        world_free(w);
    }
}

/* a floor that cannot be read stops the choice; a delegated role's is ignored */
static void
test_policy(void **state)
{
    (void) state;
    static const char *const bad[] = {
        "[]",
        "{\"floors\":[]}",
        "{\"floors\":{\"gw-fw\":\"1.0\"}}",
        "{\"floors\":{\"gw-fw\":1}}",
        "{\"floors\":{\"gw fw\":\"1.0.0\"}}",
        "{\"floors\":{},\"other\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        world *w = world_new();
        add_release(w, NULL, "r", "gw-fw", "2.0.0", "gw-1", NULL);
        json_object_set_new(w->tgt, "ota_policy", json_loads(bad[i], 0, NULL));
        world_publish(w);
        ota_device d = device();
        seen s;
        char path[128];
        ota_err rc = choose(w, &d, &s, path, sizeof path);
        if (rc != OTA_E_FORMAT)
            fail_msg("ota_policy %s: %s, wanted E_FORMAT", bad[i], ota_err_name(rc));
        assert_int_equal(ota_client_floor(w->c, "gw-fw", path, sizeof path), OTA_E_FORMAT);
        world_free(w);
    }
    /* an empty policy and empty floors are fine */
    world *w = world_new();
    add_release(w, NULL, "r", "gw-fw", "2.0.0", "gw-1", NULL);
    json_object_set_new(w->tgt, "ota_policy", json_pack("{s:{}}", "floors"));
    json_t *del = world_role(w, "vendor");
    add_delegation(w->tgt, "vendor", role_key(w, "vendor"), json_pack("[s]", "v/*"), false,
                   false);
    add_release(w, del, "v/r", "gw-fw", "3.0.0", "gw-1", NULL);
    json_object_set_new(del, "ota_policy", json_pack("{s:{s:s}}", "floors", "gw-fw", "9.9.9"));
    world_publish(w);
    ota_device d = device();
    seen s;
    char path[128];
    assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
    assert_string_equal(path, "v/r"); /* the delegated role's floor is not a floor */
    world_free(w);
}

static void
test_device_fields(void **state)
{
    (void) state;
    world *w = world_new();
    add_release(w, NULL, "r", "gw-fw", "2.0.0", "gw-1", NULL);
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found;
    ota_device d = device();
    /* before a refresh */
    assert_int_equal(ota_client_choose(c, &d, NULL, NULL, &t, &found), OTA_E_ARG);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(ota_client_choose(c, &d, NULL, NULL, &t, &found), OTA_OK);
    assert_true(found);
    assert_string_equal(t.path, "r");
    const char *const ids[] = {"", "a b", ".x", "x/y", NULL};
    for (size_t i = 0; i < 5; i++) {
        d = device();
        d.device_id = ids[i];
        assert_int_equal(ota_client_choose(c, &d, NULL, NULL, &t, &found), OTA_E_ARG);
        d = device();
        d.product = ids[i];
        assert_int_equal(ota_client_choose(c, &d, NULL, NULL, &t, &found), OTA_E_ARG);
        d = device();
        d.hardware_id = ids[i];
        assert_int_equal(ota_client_choose(c, &d, NULL, NULL, &t, &found), OTA_E_ARG);
    }
    d = device();
    d.channel = "no space";
    assert_int_equal(ota_client_choose(c, &d, NULL, NULL, &t, &found), OTA_E_ARG);
    d = device();
    d.size = sizeof d - 1; /* a caller's struct that is too small */
    assert_int_equal(ota_client_choose(c, &d, NULL, NULL, &t, &found), OTA_E_ARG);
    world_free(w);
}

/* equal versions: the path that sorts first; the rollout threshold is exact */
static void
test_ties_and_rollout_edge(void **state)
{
    (void) state;
    world *w = world_new();
    add_release(w, NULL, "z/r", "gw-fw", "2.0.0", "gw-1", NULL);
    add_release(w, NULL, "a/r", "gw-fw", "2.0.0+build.7", "gw-1", NULL);
    world_publish(w);
    ota_device d = device();
    seen s;
    char path[128];
    assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
    assert_string_equal(path, "a/r");
    world_free(w);

    unsigned b = ota_rollout_bucket("gw-0001", "gw-fw", "2.0.0");
    assert_true(b < 100);
    char rel[64];
    for (int delta = 0; delta <= 1; delta++) {
        w = world_new();
        snprintf(rel, sizeof rel, "{\"rollout\":%u}", b + (unsigned) delta);
        add_release(w, NULL, "r", "gw-fw", "2.0.0", "gw-1", rel);
        world_publish(w);
        assert_int_equal(choose(w, &d, &s, path, sizeof path), OTA_OK);
        assert_int_equal(s.bucket[0], b);
        /* inside exactly when bucket < rollout */
        assert_int_equal(s.v[0], delta ? OTA_VERDICT_ELIGIBLE : OTA_VERDICT_ROLLOUT);
        world_free(w);
    }
}

static void
test_bucket_vectors(void **state)
{
    (void) state;
    json_error_t e;
    json_t *v = json_load_file(VEC_DIR "/buckets.json", JSON_REJECT_DUPLICATES, &e);
    if (v == NULL)
        fail_msg(VEC_DIR "/buckets.json: %s", e.text);
    assert_true(json_array_size(v) >= 20);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        const char *id = json_string_value(json_object_get(x, "device_id"));
        const char *n = json_string_value(json_object_get(x, "name"));
        const char *ver = json_string_value(json_object_get(x, "version"));
        json_int_t want = json_integer_value(json_object_get(x, "bucket"));
        assert_non_null(id);
        unsigned got = ota_rollout_bucket(id, n, ver);
        if ((json_int_t) got != want)
            fail_msg("bucket(%s, %s, %s) = %u, vector says %lld", id, n, ver, got,
                     (long long) want);
    }
    json_decref(v);
}

typedef struct vec_release {
    bool seen;
    char channels[256];
    unsigned rollout;
    bool downgrade;
    ota_verdict v;
} vec_release;

static void
keep_release(void *user, const ota_release_info *r)
{
    vec_release *x = user;
    x->seen = true;
    snprintf(x->channels, sizeof x->channels, "%s", r->channels);
    x->rollout = r->rollout;
    x->downgrade = r->downgrade;
    x->v = r->verdict;
}

/* one vector case: the verdict (and the effective policy) as the file says */
static void
check_policy_case(json_t *x, bool valid)
{
    world *w = world_new();
    json_t *rel = json_object_get(x, "ota_release"), *pol = json_object_get(x, "ota_policy");
    const char *why = json_string_value(json_object_get(x, "why"));
    json_t *c = bundle_custom("gw-fw", "2.0.0", "gw-1", NULL);
    if (rel != NULL)
        json_object_set(c, "ota_release", rel);
    add_target_custom(w->tgt, "r", "r", 1, c);
    if (pol != NULL)
        json_object_set(w->tgt, "ota_policy", pol);
    /* a float is not canonical JSON: such metadata cannot even be signed */
    ota_md *md = NULL;
    ota_err prc = ota_md_from_json(json_pack("{s:O, s:[]}", "signed", w->tgt, "signatures"),
                                   OTA_ROLE_TARGETS, &md);
    ota_md_free(md);
    if (prc != OTA_OK) {
        if (valid)
            fail_msg("%s: a valid case the TUF layer refuses (%s)", why, ota_err_name(prc));
        world_free(w);
        return;
    }
    world_publish(w);
    ota_client *cl = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(cl), OTA_OK);
    ota_device d = device();
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found;
    vec_release got = {0};
    ota_err rc = ota_client_choose(cl, &d, keep_release, &got, &t, &found);
    json_t *expect = json_object_get(x, "expect");
    if (pol != NULL) {
        if ((rc == OTA_OK) != valid)
            fail_msg("%s: %s", why, ota_err_name(rc));
        const char *k;
        json_t *v;
        char floor[128];
        json_object_foreach(expect, k, v)
        {
            assert_int_equal(ota_client_floor(cl, k, floor, sizeof floor), OTA_OK);
            assert_string_equal(floor, json_string_value(v));
        }
    } else {
        assert_int_equal(rc, OTA_OK);
        assert_true(got.seen);
        if ((got.v != OTA_VERDICT_INVALID) != valid)
            fail_msg("%s: verdict %s", why, ota_verdict_name(got.v));
        if (valid) {
            char want[256] = "";
            size_t i, off = 0;
            json_t *ch;
            json_array_foreach(json_object_get(expect, "channels"), i, ch)
            {
                off += (size_t) snprintf(want + off, sizeof want - off, "%s%s", i ? "," : "",
                                         json_string_value(ch));
            }
            if (strcmp(want, got.channels) != 0)
                fail_msg("%s: channels %s, expected %s", why, got.channels, want);
            assert_int_equal(got.rollout, json_integer_value(json_object_get(expect, "rollout")));
            assert_int_equal(got.downgrade, json_is_true(json_object_get(expect, "downgrade")));
        }
    }
    world_free(w);
}

static void
test_policy_vectors(void **state)
{
    (void) state;
    const char *files[] = {VEC_DIR "/policy-valid.json", VEC_DIR "/policy-invalid.json"};
    for (size_t f = 0; f < 2; f++) {
        json_error_t e;
        json_t *v = json_load_file(files[f], JSON_REJECT_DUPLICATES, &e);
        if (v == NULL)
            fail_msg("%s: %s", files[f], e.text);
        assert_true(json_array_size(v) >= 10);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) check_policy_case(x, f == 0);
        json_decref(v);
    }
}

/* an invalid ota_release is shown as offered to nobody: no values from it,
 * not even those read before the member that breaks a rule */
static void
test_invalid_shows_nothing(void **state)
{
    (void) state;
    world *w = world_new();
    add_release(w, NULL, "r", "gw-fw", "2.0.0", "gw-1",
                "{\"channels\":[\"beta\",\"stable\"],\"downgrade\":true,\"rollout\":101}");
    world_publish(w);
    ota_client *cl = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(cl), OTA_OK);
    ota_device d = device();
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found = true;
    vec_release got = {0};
    assert_int_equal(ota_client_choose(cl, &d, keep_release, &got, &t, &found), OTA_OK);
    assert_false(found);
    assert_true(got.seen);
    assert_int_equal(got.v, OTA_VERDICT_INVALID);
    assert_string_equal(got.channels, "");
    assert_int_equal(got.rollout, 0);
    assert_false(got.downgrade);
    world_free(w);
}

/* about the right share of 1,000 devices, and a different set per release */
static void
test_bucket_share(void **state)
{
    (void) state;
    unsigned in25 = 0, in25_other = 0, both = 0;
    char id[32];
    for (unsigned i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "device-%04u", i);
        unsigned a = ota_rollout_bucket(id, "gw-fw", "2.0.0");
        unsigned b = ota_rollout_bucket(id, "gw-fw", "2.1.0");
        assert_int_equal(a, ota_rollout_bucket(id, "gw-fw", "2.0.0")); /* stable */
        in25 += a < 25;
        in25_other += b < 25;
        both += a < 25 && b < 25;
    }
    /* binomial(1000, 0.25): mean 250, sd 13.7; +/- 5 sd */
    assert_in_range(in25, 182, 318);
    assert_in_range(in25_other, 182, 318);
    /* independent sets: about 62 in both, far from 250 */
    assert_in_range(both, 20, 120);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_invalid_release),
        cmocka_unit_test(test_invalid_shows_nothing),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_device_fields),
        cmocka_unit_test(test_ties_and_rollout_edge),
        cmocka_unit_test(test_bucket_vectors),
        cmocka_unit_test(test_policy_vectors),
        cmocka_unit_test(test_bucket_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
