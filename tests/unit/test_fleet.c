/* SPDX-License-Identifier: Apache-2.0 */
/* ota-server's fleet page data (server/fleet.c): a signed repository
 * written to a directory (testrepo.h's world, consistent snapshots, a
 * delegated role), read back as the page shows it — roles and expiry,
 * releases sorted with their policy, floors; then every way the files can
 * be wrong (truncated, missing, too large, a symlink, a version other than
 * the one named, an invalid policy, a role name that is a path) must give
 * an error entry or a note, never a failure; and the devices against the
 * newest release per hardware.  fleet.c and path.c are compiled in: they
 * make no libmicrohttpd or SQLite calls. */
#include "../../server/path.c"

#include "../../server/fleet.c"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testrepo.h"

#define NOW ((int64_t) 1700000000) /* 2023-11-14 */

static json_t *
bundle(const char *name, const char *version, const char *hw, const char *release_json)
{
    json_t *c = json_pack("{s:{s:i, s:s, s:s, s:[s]}}", "ota_bundle", "format", 1, "name", name,
                          "version", version, "hardware", hw);
    if (release_json != NULL)
        json_object_set_new(c, "ota_release", json_loads(release_json, JSON_DECODE_ANY, NULL));
    return c;
}

/* The world's published metadata as files of dir/metadata/, root.json
 * beside 1.root.json as ota-sign writes it. */
static void
write_repo(world *w, const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/metadata", dir);
    mkdir(p, 0755);
    for (size_t i = 0; i < w->f.n; i++) {
        const fentry *e = &w->f.e[i];
        if (strncmp(e->url, MURL, strlen(MURL)) != 0)
            continue;
        const char *name = e->url + strlen(MURL);
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1 && strcmp(name, "1.root.json") != 0)
                break;
            snprintf(p, sizeof p, "%s/metadata/%s", dir, pass ? "root.json" : name);
            FILE *f = fopen(p, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(e->data, 1, e->len, f), e->len);
            fclose(f);
        }
    }
}

typedef struct fixture {
    world *w;
    char dir[64];
    int fd;
} fixture;

/* A repository: gw-fw 1.0.0, 1.2.0 (rollout 0), 1.1.0 (beta, 50 %) for
 * gw-1, a plain target, a floor; role "team" with cam-fw 2.0.0 for cam-2. */
static fixture *
fixture_new(void)
{
    fixture *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->w = world_new();
    world *w = x->w;
    w->sn_v = 3;
    add_target_custom(w->tgt, "gw-1.0.0.otab", "a", 1, bundle("gw-fw", "1.0.0", "gw-1", NULL));
    add_target_custom(w->tgt, "gw-1.2.0.otab", "bb", 2,
                      bundle("gw-fw", "1.2.0", "gw-1", "{\"rollout\":0}"));
    add_target_custom(w->tgt, "gw-1.1.0.otab", "ccc", 3,
                      bundle("gw-fw", "1.1.0", "gw-1",
                             "{\"channels\":[\"beta\",\"stable\"],\"rollout\":50,\"downgrade\":true}"));
    json_object_set_new(w->tgt, "ota_policy", json_pack("{s:{s:s}}", "floors", "gw-fw", "1.1.0"));
    json_t *team = world_role(w, "team");
    add_target_custom(team, "cam/2.0.0.otab", "dddd", 4, bundle("cam-fw", "2.0.0", "cam-2", NULL));
    world_publish(w);
    snprintf(x->dir, sizeof x->dir, "/tmp/ota-test-fleet.XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    write_repo(w, x->dir);
    x->fd = open(x->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(x->fd >= 0);
    return x;
}

static void
fixture_free(fixture *x)
{
    close(x->fd);
    rm_dir(x->dir);
    world_free(x->w);
    free(x);
}

static json_t *
read_repo(fixture *x)
{
    json_t *o = NULL;
    assert_int_equal(srv_fleet_repo(x->fd, NOW, &o), OTA_OK);
    assert_non_null(o);
    return o;
}

static const char *
sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_t *
role_named(json_t *o, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(o, "roles"), i, r)
    {
        if (strcmp(sget(r, "role"), name) == 0)
            return r;
    }
    fail_msg("no role %s", name);
    return NULL;
}

static void
overwrite(fixture *x, const char *name, const void *data, size_t len)
{
    char p[512];
    snprintf(p, sizeof p, "%s/metadata/%s", x->dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void
test_repository(void **state)
{
    (void) state;
    fixture *x = fixture_new();
    json_t *o = read_repo(x);
    /* roles in the order a client reads them, the files with versions */
    json_t *roles = json_object_get(o, "roles");
    assert_int_equal(json_array_size(roles), 5);
    const char *want[][2] = {{"root", "metadata/root.json"},
                             {"timestamp", "metadata/timestamp.json"},
                             {"snapshot", "metadata/3.snapshot.json"},
                             {"targets", "metadata/1.targets.json"},
                             {"team", "metadata/1.team.json"}};
    for (size_t i = 0; i < 5; i++) {
        json_t *r = json_array_get(roles, i);
        assert_string_equal(sget(r, "role"), want[i][0]);
        assert_string_equal(sget(r, "file"), want[i][1]);
        assert_null(json_object_get(r, "error"));
        assert_string_equal(sget(r, "expires"), FUTURE);
    }
    int64_t left = json_integer_value(json_object_get(role_named(o, "targets"), "seconds_left"));
    int64_t future = 0;
    assert_int_equal(ota_time_parse(FUTURE, &future), OTA_OK);
    assert_true(left == future - NOW);
    assert_int_equal(json_integer_value(json_object_get(role_named(o, "snapshot"), "version")), 3);
    /* releases: by name, newest first; the plain target is none */
    json_t *rel = json_object_get(o, "releases");
    assert_int_equal(json_array_size(rel), 4);
    const char *order[][3] = {{"cam-fw", "2.0.0", "team"},
                              {"gw-fw", "1.2.0", "targets"},
                              {"gw-fw", "1.1.0", "targets"},
                              {"gw-fw", "1.0.0", "targets"}};
    for (size_t i = 0; i < 4; i++) {
        json_t *r = json_array_get(rel, i);
        assert_string_equal(sget(r, "name"), order[i][0]);
        assert_string_equal(sget(r, "version"), order[i][1]);
        assert_string_equal(sget(r, "role"), order[i][2]);
        assert_true(json_is_true(json_object_get(r, "valid")));
    }
    /* the policy as the client reads it: defaults filled in */
    json_t *r110 = json_array_get(rel, 2), *r100 = json_array_get(rel, 3);
    assert_int_equal(json_integer_value(json_object_get(r110, "rollout")), 50);
    assert_true(json_is_true(json_object_get(r110, "downgrade")));
    assert_int_equal(json_array_size(json_object_get(r110, "channels")), 2);
    assert_int_equal(json_integer_value(json_object_get(r110, "length")), 3);
    assert_int_equal(json_integer_value(json_object_get(r100, "rollout")), 100);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r100, "channels"), 0)),
                        "stable");
    assert_string_equal(sget(json_object_get(o, "floors"), "gw-fw"), "1.1.0");
    assert_int_equal(json_array_size(json_object_get(o, "notes")), 0);
    json_decref(o);
    fixture_free(x);
}

static void
test_malformed_files(void **state)
{
    (void) state;
    fixture *x = fixture_new();
    /* a truncated targets file: an error on its role, the rest still read */
    overwrite(x, "1.targets.json", "{\"signed\": {\"_type\": \"targets\", ", 33);
    json_t *o = read_repo(x);
    const char *e = sget(role_named(o, "targets"), "error");
    assert_non_null(e);
    assert_non_null(strstr(e, "metadata/1.targets.json: not valid targets metadata"));
    assert_null(json_object_get(role_named(o, "root"), "error"));
    assert_int_equal(json_array_size(json_object_get(o, "releases")), 1); /* team's */
    json_decref(o);

    /* garbage, an empty file, a JSON array, deep nesting */
    const char *bad[] = {"\xff\xfe garbage", "", "[1,2,3]",
                         "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        overwrite(x, "1.targets.json", bad[i], strlen(bad[i]));
        o = read_repo(x);
        assert_non_null(sget(role_named(o, "targets"), "error"));
        json_decref(o);
    }

    /* larger than a device accepts: refused by its size, not read */
    char p[512];
    snprintf(p, sizeof p, "%s/metadata/1.team.json", x->dir);
    assert_int_equal(truncate(p, (off_t) OTA_CLIENT_MAX_TARGETS_SIZE + 1), 0);
    o = read_repo(x);
    assert_string_equal(sget(role_named(o, "team"), "error"),
                        "metadata/1.team.json: larger than a device accepts");
    json_decref(o);

    /* a symlink is never followed, even to a good file inside the root */
    unlink(p);
    assert_int_equal(symlink("3.snapshot.json", p), 0);
    o = read_repo(x);
    assert_non_null(strstr(sget(role_named(o, "team"), "error"), "cannot be opened"));
    json_decref(o);

    /* no timestamp: root still shown; without a version to put in its
     * name the snapshot is looked for as snapshot.json (absent here) */
    snprintf(p, sizeof p, "%s/metadata/timestamp.json", x->dir);
    unlink(p);
    o = read_repo(x);
    assert_string_equal(sget(role_named(o, "timestamp"), "error"),
                        "metadata/timestamp.json: missing");
    assert_string_equal(sget(role_named(o, "snapshot"), "error"),
                        "metadata/snapshot.json: missing");
    assert_int_equal(json_integer_value(json_object_get(role_named(o, "root"), "version")), 1);
    json_decref(o);

    /* no root at all: every role an error, no failure */
    snprintf(p, sizeof p, "%s/metadata/root.json", x->dir);
    unlink(p);
    o = read_repo(x);
    assert_string_equal(sget(role_named(o, "root"), "error"), "metadata/root.json: missing");
    json_decref(o);
    fixture_free(x);
}

static void
test_versions_must_match(void **state)
{
    (void) state;
    fixture *x = fixture_new();
    /* 3.snapshot.json replaced by another snapshot version (a file the
     * timestamp does not name): an error, not its targets */
    char from[512], to[512];
    world *w = x->w;
    w->sn_v = 4;
    world_publish(w);
    write_repo(w, x->dir);
    snprintf(from, sizeof from, "%s/metadata/4.snapshot.json", x->dir);
    snprintf(to, sizeof to, "%s/metadata/3.snapshot.json", x->dir);
    assert_int_equal(rename(from, to), 0);
    w->sn_v = 3;
    world_publish(w); /* timestamp names 3 again */
    fentry *ts = fake_find(&w->f, MURL "timestamp.json");
    overwrite(x, "timestamp.json", ts->data, ts->len);
    json_t *o = read_repo(x);
    assert_string_equal(sget(role_named(o, "snapshot"), "error"),
                        "metadata/3.snapshot.json is version 4, the timestamp names version 3");
    assert_int_equal(json_array_size(json_object_get(o, "releases")), 0);
    json_decref(o);
    fixture_free(x);
}

static void
test_invalid_policy_and_names(void **state)
{
    (void) state;
    fixture *x = fixture_new();
    world *w = x->w;
    add_target_custom(w->tgt, "bad-rel.otab", "e", 1,
                      bundle("gw-fw", "9.0.0", "gw-1", "{\"rollout\":101}"));
    add_target_custom(w->tgt, "bad-ver.otab", "f", 1, bundle("gw-fw", "nine", "gw-1", NULL));
    json_object_set_new(w->tgt, "ota_policy", json_pack("{s:{s:s}}", "floors", "gw-fw", "x"));
    world_role(w, "../evil");
    world_role(w, ".hidden");
    world_publish(w);
    write_repo(w, x->dir);
    json_t *o = read_repo(x);
    json_t *rel = json_object_get(o, "releases");
    /* valid versions first, newest first; the invalid version last */
    json_t *r900 = json_array_get(rel, 1), *rnine = json_array_get(rel, 5);
    assert_string_equal(sget(r900, "version"), "9.0.0");
    assert_true(json_is_false(json_object_get(r900, "valid")));
    assert_string_equal(sget(r900, "error"), "rollout is not an integer 0-100");
    assert_null(json_object_get(r900, "rollout")); /* no value the client would not use */
    assert_string_equal(sget(rnine, "version"), "nine");
    assert_string_equal(sget(rnine, "error"), "version is not a semantic version");
    /* the invalid floor: no floor, a note that devices refuse this metadata */
    assert_int_equal(json_object_size(json_object_get(o, "floors")), 0);
    json_t *notes = json_object_get(o, "notes");
    bool policy = false, evil = false, hidden = false;
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n)
    {
        const char *s = json_string_value(n);
        policy |= strstr(s, "ota_policy is invalid") != NULL;
        evil |= strstr(s, "not shown: ../evil") != NULL;
        hidden |= strstr(s, "not shown: .hidden") != NULL;
    }
    assert_true(policy && evil && hidden);
    /* roles: the good ones only */
    assert_int_equal(json_array_size(json_object_get(o, "roles")), 5);

    /* newest per hardware skips invalid releases: 9.0.0 is not "newest" */
    json_object_set_new(o, "devices", json_pack("[{s:s, s:s}]", "hardware_id", "gw-1",
                                                 "installed_version", "1.1.0"));
    json_object_set_new(o, "versions", json_array());
    assert_int_equal(srv_fleet_annotate(o), OTA_OK);
    assert_string_equal(sget(json_object_get(json_object_get(o, "newest"), "gw-1"), "version"),
                        "1.1.0");
    json_decref(o);
    fixture_free(x);
}

static void
test_annotate(void **state)
{
    (void) state;
    fixture *x = fixture_new();
    json_t *o = read_repo(x);
    json_object_set_new(
        o, "devices",
        json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s},"
                  " {s:s, s:s, s:s}, {s:s, s:s, s:s}]",
                  "device_id", "a", "hardware_id", "gw-1", "installed_version", "1.1.0", /* newest */
                  "device_id", "b", "hardware_id", "gw-1", "installed_version", "1.0.0", /* behind, floor */
                  "device_id", "c", "hardware_id", "gw-1", "installed_version", "1.1.0-rc.1",
                  "device_id", "d", "hardware_id", "cam-2", "installed_version", "1.0.0",
                  "device_id", "e", "hardware_id", "other", "installed_version", "0.1.0",
                  "device_id", "f", "hardware_id", "gw-1", "installed_version", "junk"));
    json_object_set_new(o, "versions",
                        json_pack("[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}, {s:s, s:i}, {s:s, s:i}]",
                                  "version", "1.0.0", "count", 5, "version", "junk", "count", 1,
                                  "version", "1.10.0", "count", 1, "version", "1.2.0", "count",
                                  2, "version", "1.1.0-rc.1", "count", 1));
    assert_int_equal(srv_fleet_annotate(o), OTA_OK);
    /* 1.2.0 has rollout 0: the newest offered for gw-1 is 1.1.0 */
    json_t *newest = json_object_get(o, "newest");
    assert_string_equal(sget(json_object_get(newest, "gw-1"), "version"), "1.1.0");
    assert_string_equal(sget(json_object_get(newest, "gw-1"), "path"), "gw-1.1.0.otab");
    assert_string_equal(sget(json_object_get(newest, "cam-2"), "version"), "2.0.0");
    assert_int_equal(json_object_size(newest), 2);
    struct {
        const char *newest;
        bool behind, below;
    } want[] = {{"1.1.0", false, false}, {"1.1.0", true, true}, {"1.1.0", true, true},
                {"2.0.0", true, false},  {NULL, false, false},  {"1.1.0", false, false}};
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(o, "devices"), i, d)
    {
        const char *nv = sget(d, "newest");
        if ((nv == NULL) != (want[i].newest == NULL) || (nv && strcmp(nv, want[i].newest) != 0))
            fail_msg("device %zu: newest %s", i, nv ? nv : "null");
        if (json_is_true(json_object_get(d, "behind")) != want[i].behind ||
            json_is_true(json_object_get(d, "below_floor")) != want[i].below)
            fail_msg("device %zu: behind or below_floor wrong", i);
    }
    /* version counts: semantic-version order, newest first, junk last */
    const char *order[] = {"1.10.0", "1.2.0", "1.1.0-rc.1", "1.0.0", "junk"};
    json_t *v;
    json_array_foreach(json_object_get(o, "versions"), i, v)
        assert_string_equal(sget(v, "version"), order[i]);
    json_decref(o);
    fixture_free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repository),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_versions_must_match),
        cmocka_unit_test(test_invalid_policy_and_names),
        cmocka_unit_test(test_annotate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
