/* SPDX-License-Identifier: Apache-2.0 */
/* ota-server's advisories against release package lists (server/vuln.c),
 * with in-memory lists and releases: which releases an advisory affects,
 * which cannot be told ("unknown": no list, no ecosystem, no version —
 * never "not affected"), the release that fixes it (the lowest known-good
 * one above every affected one), the package query (Debian and semver
 * orders, below and ranges), and the advisory directory reader (bad,
 * huge, duplicate, linked files skipped with a reason).  vuln.c makes no
 * libmicrohttpd, database or bundle call: it is compiled in. */
#include "../../server/vuln.c"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka 1.1 needs these before <cmocka.h>. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

/* ---- fixtures ----------------------------------------------------------------------- */

static char *
dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A list of packages, each "name|version|ecosystem|source|source_version"
 * ("-" for absent). */
static srv_pkgindex *
list_of(const char *const *spec, size_t n)
{
    ota_sbom s;
    memset(&s, 0, sizeof s);
    snprintf(s.source, sizeof s.source, "dpkg-status");
    s.pkgs = calloc(n ? n : 1, sizeof *s.pkgs);
    assert_non_null(s.pkgs);
    for (size_t i = 0; i < n; i++) {
        char buf[512], *f[5] = {0}, *save = NULL;
        snprintf(buf, sizeof buf, "%s", spec[i]);
        char *p = buf;
        for (int k = 0; k < 5; k++, p = NULL) {
            f[k] = strtok_r(p, "|", &save);
            if (f[k] != NULL && strcmp(f[k], "-") == 0)
                f[k] = NULL;
        }
        s.pkgs[i].name = strdup(f[0]);
        s.pkgs[i].version = dup_or_null(f[1]);
        s.pkgs[i].ecosystem = dup_or_null(f[2]);
        s.pkgs[i].source = dup_or_null(f[3]);
        s.pkgs[i].source_version = dup_or_null(f[4]);
        s.npkgs++;
    }
    srv_pkgindex *x = NULL;
    assert_int_equal(srv_pkgindex_new(&s, &x), OTA_OK);
    assert_int_equal(s.npkgs, 0); /* taken */
    return x;
}

static json_t *
release(const char *name, const char *version, const char *hw, int rollout)
{
    json_t *r = json_pack("{s:s, s:s, s:s, s:[s], s:b, s:[s], s:i}", "name", name, "version",
                          version, "path", "x.otab", "hardware", hw, "valid", 1, "channels",
                          "stable", "rollout", rollout);
    char path[128];
    snprintf(path, sizeof path, "%s-%s.otab", name, version);
    json_object_set_new(r, "path", json_string(path));
    return r;
}

static json_t *
devices(int64_t count, const char *ids)
{
    json_t *a = json_array();
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", ids);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(t));
    return json_pack("{s:I, s:o, s:b}", "count", (json_int_t) count, "ids", a, "more", 0);
}

static ota_osv
advisory(const char *json)
{
    ota_osv a;
    const char *why = NULL;
    ota_err rc = ota_osv_parse((const uint8_t *) json, strlen(json), &a, &why);
    if (rc != OTA_OK)
        fail_msg("advisory: %s (%s)", ota_strerror(rc), why ? why : "");
    return a;
}

static const char DSA[] =
    "{\"id\":\"DSA-5532-1\",\"modified\":\"2024-09-18T03:24:58Z\",\"aliases\":[\"CVE-2023-5363\"],"
    "\"summary\":\"openssl - security update\",\"affected\":["
    "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"openssl\"},\"ranges\":[{\"type\":"
    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"3.0.11-1~deb12u2\"}]}]}]}";

static const char GHSA[] =
    "{\"id\":\"GHSA-xxxx-mqtt-0001\",\"modified\":\"2025-03-01T12:00:00Z\",\"affected\":["
    "{\"package\":{\"ecosystem\":\"npm\",\"name\":\"mqtt-bridge\"},\"ranges\":[{\"type\":"
    "\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.0.2\"}]}]}]}";

/* the status of release i in an evaluation (all releases listed) */
static const char *
status_of(const json_t *o, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(o, "releases"), i), "status"));
}

/* ---- advisories ----------------------------------------------------------------------- */

/* Three releases of one bundle: 1.0.0 holds the vulnerable openssl (as the
 * binary libssl3 of source openssl), 1.1.0 the fixed one, 1.2.0 has no
 * list.  The advisory names the source package. */
static void
test_debian_source_package(void **state)
{
    (void) state;
    const char *l1[] = {"libssl3|3.0.11-1~deb12u1|Debian:12|openssl|-",
                        "zlib1g|1:1.2.13|Debian:12|zlib|-"};
    const char *l2[] = {"libssl3|3.0.11-1~deb12u2|Debian:12|openssl|-",
                        "zlib1g|1:1.2.13|Debian:12|zlib|-"};
    srv_pkgindex *x1 = list_of(l1, 2), *x2 = list_of(l2, 2);
    json_t *r[3] = {release("gw-fw", "1.0.0", "gw-1", 100), release("gw-fw", "1.1.0", "gw-1", 50),
                    release("gw-fw", "1.2.0", "gw-1", 100)};
    json_t *d[3] = {devices(3, "a,b,c"), devices(2, "d,e"), devices(1, "f")};
    srv_rel rels[3] = {{r[0], x1, NULL, d[0]},
                       {r[1], x2, NULL, d[1]},
                       {r[2], NULL, "the release carries no package list", d[2]}};
    ota_osv a = advisory(DSA);
    json_t *o = NULL;
    assert_int_equal(srv_adv_eval(&a, "dsa.json", rels, 3, true, &o), OTA_OK);
    assert_string_equal(status_of(o, 0), "affected");
    assert_string_equal(status_of(o, 1), "not_affected");
    assert_string_equal(status_of(o, 2), "unknown"); /* never not_affected */
    const json_t *p = json_array_get(
        json_object_get(json_array_get(json_object_get(o, "releases"), 0), "packages"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "openssl");
    assert_string_equal(json_string_value(json_object_get(p, "fixed")), "3.0.11-1~deb12u2");
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "binary"), "name")),
                        "libssl3");
    assert_int_equal(json_integer_value(json_object_get(o, "affected_devices")), 3);
    assert_int_equal(json_integer_value(json_object_get(o, "unknown_devices")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "affected_releases")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "aliases"), 0)),
                        "CVE-2023-5363");
    /* the fix: 1.1.0, with its rollout and its devices */
    const json_t *f = json_array_get(json_object_get(o, "fixed_by"), 0);
    assert_int_equal(json_array_size(json_object_get(o, "fixed_by")), 1);
    assert_string_equal(json_string_value(json_object_get(f, "hardware")), "gw-1");
    const json_t *fr = json_object_get(f, "release");
    assert_string_equal(json_string_value(json_object_get(fr, "version")), "1.1.0");
    assert_int_equal(json_integer_value(json_object_get(fr, "rollout")), 50);
    assert_int_equal(json_integer_value(json_object_get(fr, "devices_on_it")), 2);
    json_decref(o);
    /* the list form leaves out the releases not affected */
    assert_int_equal(srv_adv_eval(&a, "dsa.json", rels, 3, false, &o), OTA_OK);
    assert_int_equal(json_array_size(json_object_get(o, "releases")), 2);
    assert_string_equal(status_of(o, 0), "affected");
    assert_string_equal(status_of(o, 1), "unknown");
    json_decref(o);
    ota_osv_free(&a);
    for (int i = 0; i < 3; i++) {
        json_decref(r[i]);
        json_decref(d[i]);
    }
    srv_pkgindex_unref(x1);
    srv_pkgindex_unref(x2);
}

/* The fix is above every affected release: 1.0.0 not affected (before
 * the package came in), 1.1.0 and 1.3.0 affected, 1.2.0 not (a
 * regression later), 1.4.0 unknown, 1.5.0 fixed.  Another hardware id
 * without a fix gets null. */
static void
test_fixing_release(void **state)
{
    (void) state;
    const char *ok[] = {"mqtt-bridge|1.0.2|npm|-|-"};
    const char *bad[] = {"mqtt-bridge|1.0.1|npm|-|-"};
    const char *none[] = {"other|1.0.0|npm|-|-"};
    srv_pkgindex *good = list_of(ok, 1), *vuln = list_of(bad, 1), *empty = list_of(none, 1);
    json_t *r[7] = {release("app", "1.0.0", "gw-1", 100), release("app", "1.1.0", "gw-1", 100),
                    release("app", "1.2.0", "gw-1", 100), release("app", "1.3.0", "gw-1", 100),
                    release("app", "1.4.0", "gw-1", 100), release("app", "1.5.0", "gw-1", 0),
                    release("cam", "2.0.0", "cam-2", 100)};
    srv_rel rels[7] = {{r[0], empty, NULL, NULL}, {r[1], vuln, NULL, NULL},
                       {r[2], good, NULL, NULL},  {r[3], vuln, NULL, NULL},
                       {r[4], NULL, "x", NULL},   {r[5], good, NULL, NULL},
                       {r[6], vuln, NULL, NULL}};
    ota_osv a = advisory(GHSA);
    json_t *o = NULL;
    assert_int_equal(srv_adv_eval(&a, NULL, rels, 7, true, &o), OTA_OK);
    const char *want[7] = {"not_affected", "affected",     "not_affected", "affected",
                           "unknown",      "not_affected", "affected"};
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(status_of(o, i), want[i]);
    const json_t *fb = json_object_get(o, "fixed_by");
    assert_int_equal(json_array_size(fb), 2);
    const json_t *f0 = json_array_get(fb, 0), *f1 = json_array_get(fb, 1);
    assert_string_equal(json_string_value(json_object_get(f0, "bundle")), "app");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(f0, "release"), "version")), "1.5.0");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(f0, "release"), "rollout")),
                     0); /* its rollout state, paused */
    assert_string_equal(json_string_value(json_object_get(f1, "hardware")), "cam-2");
    assert_true(json_is_null(json_object_get(f1, "release")));
    json_decref(o);
    ota_osv_free(&a);
    for (int i = 0; i < 7; i++)
        json_decref(r[i]);
    srv_pkgindex_unref(good);
    srv_pkgindex_unref(vuln);
    srv_pkgindex_unref(empty);
}

/* A package of the advisory's name that cannot be evaluated makes the
 * release unknown: no ecosystem (opkg lists), no version, a version that
 * is not one of the range's order; a withdrawn advisory affects nothing. */
static void
test_undecided_is_unknown(void **state)
{
    (void) state;
    const char *noeco[] = {"openssl|3.0.11-1~deb12u1|-|-|-"};
    const char *nover[] = {"openssl|-|Debian:12|-|-"};
    const char *badver[] = {"mqtt-bridge|1.0|npm|-|-"};
    const char *otheco[] = {"openssl|3.0.11-1~deb12u1|Alpine|-|-", "mqtt-bridge|-|PyPI|-|-"};
    srv_pkgindex *x[4] = {list_of(noeco, 1), list_of(nover, 1), list_of(badver, 1),
                          list_of(otheco, 2)};
    json_t *r = release("gw-fw", "1.0.0", "gw-1", 100);
    ota_osv dsa = advisory(DSA), ghsa = advisory(GHSA);
    const ota_osv *adv[4] = {&dsa, &dsa, &ghsa, &dsa};
    const char *want[4] = {"unknown", "unknown", "unknown", "not_affected"};
    for (int i = 0; i < 4; i++) {
        srv_rel rel = {r, x[i], NULL, NULL};
        json_t *o = NULL;
        assert_int_equal(srv_adv_eval(adv[i], NULL, &rel, 1, true, &o), OTA_OK);
        assert_string_equal(status_of(o, 0), want[i]);
        if (i < 3) {
            const json_t *p = json_array_get(
                json_object_get(json_array_get(json_object_get(o, "releases"), 0), "packages"), 0);
            assert_string_equal(json_string_value(json_object_get(p, "status")), "unknown");
            assert_non_null(json_string_value(json_object_get(p, "reason")));
        }
        json_decref(o);
    }
    /* the other-ecosystem list against the npm advisory: PyPI's package
     * has no version but is not the entry's: not affected */
    srv_rel rel = {r, x[3], NULL, NULL};
    json_t *o = NULL;
    assert_int_equal(srv_adv_eval(&ghsa, NULL, &rel, 1, true, &o), OTA_OK);
    assert_string_equal(status_of(o, 0), "not_affected");
    json_decref(o);
    /* withdrawn */
    char w[sizeof DSA + 64];
    snprintf(w, sizeof w, "{\"withdrawn\":\"2024-10-01T00:00:00Z\",%s", DSA + 1);
    ota_osv wd = advisory(w);
    srv_rel rel0[2] = {{r, x[0], NULL, NULL}, {r, NULL, "no list", NULL}};
    assert_int_equal(srv_adv_eval(&wd, NULL, rel0, 2, true, &o), OTA_OK);
    assert_string_equal(status_of(o, 0), "not_affected");
    assert_string_equal(status_of(o, 1), "not_affected"); /* even without a list */
    json_decref(o);
    ota_osv_free(&wd);
    ota_osv_free(&dsa);
    ota_osv_free(&ghsa);
    json_decref(r);
    for (int i = 0; i < 4; i++)
        srv_pkgindex_unref(x[i]);
}

/* ---- the package query ---------------------------------------------------------------- */

static void
test_package_query(void **state)
{
    (void) state;
    const char *l1[] = {"libssl3|3.0.11-1~deb12u1|Debian:12|openssl|-", "busybox|1.36.1|-|-|-"};
    const char *l2[] = {"libssl3|3.0.13-1~deb12u1|Debian:12|openssl|-", "busybox|-|-|-|-"};
    const char *l3[] = {"openssl|3.1.4|-|-|-"};
    srv_pkgindex *x1 = list_of(l1, 2), *x2 = list_of(l2, 2), *x3 = list_of(l3, 1);
    json_t *r[4] = {release("gw-fw", "1.0.0", "gw-1", 100), release("gw-fw", "1.1.0", "gw-1", 100),
                    release("yocto", "3.0.0", "cam-2", 100),
                    release("gw-fw", "0.9.0", "gw-1", 100)};
    json_t *d = devices(4, "a,b,c,d");
    srv_rel rels[4] = {{r[0], x1, NULL, d},
                       {r[1], x2, NULL, NULL},
                       {r[2], x3, NULL, NULL},
                       {r[3], NULL, "no list", NULL}};
    json_t *o = NULL;
    /* the ecosystem rule (ota_osv.h): with and without a release */
    assert_true(ota_osv_ecosystem_match("Debian", "Debian:12"));
    assert_true(ota_osv_ecosystem_match("Debian:12", "Debian"));
    assert_false(ota_osv_ecosystem_match("Debian:11", "Debian:12"));
    assert_false(ota_osv_ecosystem_match("npm", "PyPI"));
        /* Debian order (by the source package's name and version) */
    srv_pkgquery q = {.name = "openssl", .ecosystem = "Debian", .below = "3.0.13-1~deb12u2"};
    assert_int_equal(srv_pkg_eval(&q, rels, 4, &o), OTA_OK);
    const json_t *rl = json_object_get(o, "releases");
    assert_int_equal(json_array_size(rl),
                     3); /* 1.0.0, 1.1.0 (~deb12u1 < ~deb12u2), 0.9.0 unknown */
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 0), "status")),
                        "contains");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 1), "version")),
                        "1.1.0");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 2), "status")),
                        "unknown");
    assert_int_equal(json_integer_value(json_object_get(o, "devices")), 4);
    json_decref(o);
    /* below 3.0.13 (= 3.0.13-0, below 3.0.13-1~deb12u1): only 1.0.0; the
     * yocto package has no ecosystem: not Debian's */
    q.below = "3.0.13";
    assert_int_equal(srv_pkg_eval(&q, rels, 4, &o), OTA_OK);
    rl = json_object_get(o, "releases");
    assert_int_equal(json_array_size(rl), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 0), "version")),
                        "1.0.0");
    json_decref(o);
    /* no ecosystem, a range: the yocto package (no ecosystem: semver) in
     * [3.0.12, 3.2.0), the Debian ones in Debian order (1.1.0's only) */
    srv_pkgquery q2 = {.name = "openssl", .introduced = "3.0.12", .fixed = "3.2.0"};
    assert_int_equal(srv_pkg_eval(&q2, rels, 4, &o), OTA_OK);
    rl = json_object_get(o, "releases");
    assert_int_equal(json_array_size(rl), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 0), "version")),
                        "1.1.0");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 1), "name")), "yocto");
    json_decref(o);
    /* a package without a version: unknown when bounded, contained when not */
    srv_pkgquery q3 = {.name = "busybox", .below = "2.0.0"};
    assert_int_equal(srv_pkg_eval(&q3, rels, 4, &o), OTA_OK);
    rl = json_object_get(o, "releases");
    assert_int_equal(json_array_size(rl), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 0), "status")),
                        "contains");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 1), "status")),
                        "unknown");
    json_decref(o);
    srv_pkgquery q4 = {.name = "busybox"};
    assert_int_equal(srv_pkg_eval(&q4, rels, 4, &o), OTA_OK);
    rl = json_object_get(o, "releases");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 1), "status")),
                        "contains");
    json_decref(o);
    for (int i = 0; i < 4; i++)
        json_decref(r[i]);
    json_decref(d);
    srv_pkgindex_unref(x1);
    srv_pkgindex_unref(x2);
    srv_pkgindex_unref(x3);
}

/* ---- the advisory directory ------------------------------------------------------------ */

static void
put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *
skipped_reason(const srv_advset *a, const char *file)
{
    size_t i;
    const json_t *e;
    json_array_foreach(srv_advset_skipped(a), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "file")), file) == 0)
            return json_string_value(json_object_get(e, "reason"));
    }
    return NULL;
}

static void
test_load_directory(void **state)
{
    (void) state;
    char dir[] = "/tmp/ota-test-vuln.XXXXXX";
    assert_non_null(mkdtemp(dir));
    put(dir, "a-dsa.json", DSA);
    put(dir, "b-ghsa.json", GHSA);
    put(dir, "c-dup.json", DSA);                /* the same id again */
    put(dir, "d-bad.json", "{\"id\": \"X\", "); /* not JSON */
    put(dir, "e-noid.json", "{\"modified\":\"2024-01-01T00:00:00Z\"}");
    put(dir, "notes.txt", "not an advisory"); /* not *.json: not read */
    put(dir, ".hidden.json", DSA);
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/f-huge.json", dir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), OTA_OSV_MAX_SIZE + 1), 0);
    fclose(f);
    snprintf(p, sizeof p, "%s/a-dsa.json", dir);
    snprintf(q, sizeof q, "%s/g-link.json", dir);
    assert_int_equal(symlink(p, q), 0);
    FILE *log = tmpfile();
    srv_advset *a = NULL;
    char why[256];
    assert_int_equal(srv_advset_load(dir, log, &a, why, sizeof why), OTA_OK);
    assert_int_equal(srv_advset_count(a), 2);
    const char *file = NULL;
    assert_non_null(srv_advset_find(a, "DSA-5532-1", &file));
    assert_string_equal(file, "a-dsa.json");
    assert_non_null(srv_advset_find(a, "GHSA-xxxx-mqtt-0001", NULL));
    assert_null(srv_advset_find(a, "CVE-0000-0000", NULL));
    assert_int_equal(json_array_size(srv_advset_skipped(a)), 5);
    assert_non_null(strstr(skipped_reason(a, "c-dup.json"), "duplicate id DSA-5532-1"));
    assert_non_null(strstr(skipped_reason(a, "d-bad.json"), "not a valid OSV advisory"));
    assert_non_null(strstr(skipped_reason(a, "e-noid.json"), "not a valid OSV advisory"));
    assert_non_null(strstr(skipped_reason(a, "f-huge.json"), "larger than 4 MiB"));
    assert_non_null(strstr(skipped_reason(a, "g-link.json"), "symbolic link"));
    /* one log line per skipped file, naming it */
    rewind(log);
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof line, log) != NULL) {
        assert_non_null(strstr(line, "skipped: "));
        lines++;
    }
    assert_int_equal(lines, 5);
    fclose(log);
    /* a request keeps its set across a reload */
    srv_advset *held = srv_advset_ref(a);
    srv_advset_unref(a);
    assert_non_null(srv_advset_find(held, "DSA-5532-1", NULL));
    srv_advset_unref(held);
    /* a directory that is not there: an error, not an empty set */
    assert_int_equal(srv_advset_load("/nonexistent-ota-dir", NULL, &a, why, sizeof why),
                     OTA_E_NOT_FOUND);
    assert_null(a);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debian_source_package), cmocka_unit_test(test_fixing_release),
        cmocka_unit_test(test_undecided_is_unknown),  cmocka_unit_test(test_package_query),
        cmocka_unit_test(test_load_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
