/* SPDX-License-Identifier: Apache-2.0 */
/* formats/ota_sbom: the vectors of formats/vectors/sbom/ (SPDX, CycloneDX,
 * a dpkg and an opkg root file system tree, each to the exact canonical
 * list gen.py wrote), the canonical list read back, links and special files
 * in a tree, and hostile input: huge, deep, duplicate keys, wrong types,
 * NUL and control characters, overlong fields, too many packages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_sbom.h"
#include "ota_util.h"
#include "testutil.h"

#define VEC "formats/vectors/sbom/"

/* encode s and compare with the file rel byte for byte */
static void
expect_list(const ota_sbom *s, const char *rel)
{
    size_t elen = 0, len = 0;
    unsigned char *exp = tu_read(rel, &elen);
    assert_non_null(exp);
    uint8_t *got = NULL;
    assert_int_equal(ota_sbom_encode(s, &got, &len), OTA_OK);
    if (len != elen || memcmp(got, exp, len) != 0)
        fail_msg("%s differs:\n got %.*s\nwant %.*s", rel, (int) len, got, (int) elen, exp);
    /* and it reads back to the same list */
    ota_sbom back;
    const char *why = NULL;
    if (ota_sbom_decode(exp, elen, &back, &why) != OTA_OK)
        fail_msg("%s does not decode: %s", rel, why);
    assert_int_equal(back.npkgs, s->npkgs);
    assert_string_equal(back.source, s->source);
    assert_memory_equal(back.sha256, s->sha256, OTA_SHA256_LEN);
    ota_sbom_free(&back);
    free(got);
    free(exp);
}

static void
doc_vector(const char *name, const char *source, size_t npkgs)
{
    char rel[256];
    snprintf(rel, sizeof rel, VEC "%s.json", name);
    size_t len = 0;
    unsigned char *doc = tu_read(rel, &len);
    assert_non_null(doc);
    ota_sbom s;
    const char *why = NULL;
    if (ota_sbom_parse(doc, len, &s, &why) != OTA_OK)
        fail_msg("%s: %s", rel, why);
    assert_string_equal(s.source, source);
    assert_int_equal(s.npkgs, npkgs);
    uint8_t sha[OTA_SHA256_LEN];
    ota_sha256(doc, len, sha);
    assert_memory_equal(s.sha256, sha, sizeof sha);
    snprintf(rel, sizeof rel, VEC "%s.list.json", name);
    expect_list(&s, rel);
    ota_sbom_free(&s);
    free(doc);
}

static void
test_documents(void **state)
{
    (void) state;
    /* SPDX: 7 packages, one a duplicate; CycloneDX: 6 + 1 nested, one a
     * duplicate */
    doc_vector("spdx-2.3", "spdx-2.3", 6);
    doc_vector("cyclonedx-1.5", "cyclonedx-1.5", 6);
}

static void
test_trees(void **state)
{
    (void) state;
    ota_sbom s;
    const char *used = NULL, *why = NULL;
    if (ota_sbom_from_tree(OTA_SOURCE_DIR "/" VEC "rootfs-dpkg", &s, &used, &why) != OTA_OK)
        fail_msg("rootfs-dpkg: %s", why);
    assert_string_equal(used, "var/lib/dpkg/status");
    assert_string_equal(s.source, "dpkg-status");
    /* installed (and held) only: not the removed, not the half-configured */
    assert_int_equal(s.npkgs, 6);
    assert_string_equal(s.pkgs[0].ecosystem, "Debian:12"); /* from usr/lib/os-release */
    expect_list(&s, VEC "rootfs-dpkg.list.json");
    ota_sbom_free(&s);
    if (ota_sbom_from_tree(OTA_SOURCE_DIR "/" VEC "rootfs-opkg", &s, &used, &why) != OTA_OK)
        fail_msg("rootfs-opkg: %s", why);
    assert_string_equal(used, "usr/lib/opkg/status");
    assert_int_equal(s.npkgs, 4);
    assert_null(s.pkgs[0].ecosystem);
    expect_list(&s, VEC "rootfs-opkg.list.json");
    ota_sbom_free(&s);
}

static char tmp[64];

static void
put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
mk(const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    assert_int_equal(ota_mkdirs(p, 0755), OTA_OK);
}

static void
run(const char *cmd)
{
    char c[512];
    snprintf(c, sizeof c, "cd %s && %s", tmp, cmd);
    assert_int_equal(system(c), 0);
}

static ota_err
tree(const char *rel, const char **why)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    ota_sbom s;
    ota_err rc = ota_sbom_from_tree(p, &s, NULL, why);
    ota_sbom_free(&s);
    return rc;
}

/* a link anywhere on the way to the status file is refused, never followed;
 * a FIFO is not opened blocking; no database: NOT_FOUND */
static void
test_tree_links(void **state)
{
    (void) state;
    snprintf(tmp, sizeof tmp, "/tmp/ota-test-sbom.XXXXXX");
    assert_non_null(mkdtemp(tmp));
    const char *st = "Package: evil\nStatus: install ok installed\nVersion: 1.0\n";
    mk("outside/dpkg");
    put("outside/dpkg/status", st);
    /* var/lib/dpkg a link out of the tree */
    mk("t1/var/lib");
    run("ln -s ../../../outside/dpkg t1/var/lib/dpkg");
    const char *why = NULL;
    assert_int_equal(tree("t1", &why), OTA_E_UNSAFE);
    assert_non_null(strstr(why, "link"));
    /* the status file itself a link (absolute) */
    mk("t2/var/lib/dpkg");
    run("ln -s \"$PWD/outside/dpkg/status\" t2/var/lib/dpkg/status");
    assert_int_equal(tree("t2", &why), OTA_E_UNSAFE);
    /* var a link */
    mk("t3");
    run("ln -s ../outside t3/var");
    assert_int_equal(tree("t3", &why), OTA_E_UNSAFE);
    /* a FIFO: refused at once, not waited on */
    mk("t4/var/lib/dpkg");
    run("mkfifo t4/var/lib/dpkg/status");
    assert_int_equal(tree("t4", &why), OTA_E_IO);
    /* nothing */
    mk("t5/etc");
    assert_int_equal(tree("t5", &why), OTA_E_NOT_FOUND);
    assert_int_equal(tree("no-such-dir", &why), OTA_E_NOT_FOUND);
    /* the control: the same tree without links is read */
    mk("t6/var/lib/dpkg");
    put("t6/var/lib/dpkg/status", st);
    assert_int_equal(tree("t6", &why), OTA_OK);
    /* os-release a link (as etc/os-release usually is): ignored, "Debian" */
    mk("t6/usr/lib");
    put("outside/os-release", "ID=debian\nVERSION_ID=\"13\"\n");
    run("ln -s ../../../outside/os-release t6/usr/lib/os-release");
    char p[256];
    snprintf(p, sizeof p, "%s/t6", tmp);
    ota_sbom s;
    assert_int_equal(ota_sbom_from_tree(p, &s, NULL, NULL), OTA_OK);
    assert_string_equal(s.pkgs[0].ecosystem, "Debian");
    ota_sbom_free(&s);
    /* another distribution's os-release: no ecosystem (no guess) */
    run("rm t6/usr/lib/os-release");
    put("t6/usr/lib/os-release", "ID=ubuntu\nVERSION_ID=\"24.04\"\n");
    assert_int_equal(ota_sbom_from_tree(p, &s, NULL, NULL), OTA_OK);
    assert_null(s.pkgs[0].ecosystem);
    ota_sbom_free(&s);
    /* var/lib/opkg after dpkg: the first that exists wins */
    mk("t7/var/lib/opkg");
    put("t7/var/lib/opkg/status", "Package: a\nVersion: 1\nStatus: install user installed\n");
    const char *used = NULL;
    snprintf(p, sizeof p, "%s/t7", tmp);
    assert_int_equal(ota_sbom_from_tree(p, &s, &used, NULL), OTA_OK);
    assert_string_equal(used, "var/lib/opkg/status");
    assert_string_equal(s.source, "opkg-status");
    ota_sbom_free(&s);
    run("rm -rf t1 t2 t3 t4 t5 t6 t7 outside");
    rmdir(tmp);
}

static ota_err
parse(const char *doc, const char **why)
{
    ota_sbom s;
    ota_err rc = ota_sbom_parse((const uint8_t *) doc, strlen(doc), &s, why);
    if (rc != OTA_OK)
        assert_int_equal(s.npkgs, 0);
    ota_sbom_free(&s);
    return rc;
}

static void
test_hostile_documents(void **state)
{
    (void) state;
    static const struct {
        const char *doc;
        ota_err rc;
    } c[] = {
        /* strict JSON */
        {"{\"spdxVersion\":\"SPDX-2.3\",\"spdxVersion\":\"SPDX-2.3\"}", OTA_E_JSON},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"name\":\"b\",\"SPDXID\":\"x\"}]}",
         OTA_E_JSON},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\\u0000b\",\"SPDXID\":\"x\"}]}",
         OTA_E_JSON},
        {"[]", OTA_E_JSON},
        {"{\"spdxVersion\":\"SPDX-2.3\"} x", OTA_E_JSON},
        /* which format */
        {"{}", OTA_E_FORMAT},
        {"{\"bomFormat\":\"SPDX\"}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\"}",
         OTA_E_FORMAT},
        {"{\"spdxVersion\":23}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.1\"}", OTA_E_UNSUPPORTED},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.3\"}", OTA_E_UNSUPPORTED},
        {"{\"bomFormat\":\"CycloneDX\"}", OTA_E_UNSUPPORTED},
        /* wrong types, missing fields */
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":{}}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[1]}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"SPDXID\":\"x\"}]}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\"}]}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":7,\"SPDXID\":\"x\"}]}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"SPDXID\":\"x\",\"versionInfo\":1.5}]}",
         OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"SPDXID\":\"x\",\"externalRefs\":{}}]}",
         OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"SPDXID\":\"x\",\"externalRefs\":[{\"referenceType\":\"purl\"}]}]}",
         OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"SPDXID\":\"x\",\"externalRefs\":[{\"referenceType\":\"purl\",\"referenceLocator\":\"npm:a\"}]}]}",
         OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"\",\"SPDXID\":\"x\"}]}", OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\\u0001\",\"SPDXID\":\"x\"}]}",
         OTA_E_FORMAT},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"SPDXID\":\"x\",\"versionInfo\":\"1\\n2\"}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":{}}", OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"name\":\"a\"}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\"}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"licenses\":\"MIT\"}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"licenses\":[{\"license\":\"MIT\"}]}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"components\":{}}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"components\":[{\"type\":\"library\",\"name\":5}]}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"group\":[]}]}",
         OTA_E_FORMAT},
        /* a deb purl's upstream qualifier: percent-encoded, a name */
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"purl\":\"pkg:deb/debian/a@1?upstream=b%4\"}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"purl\":\"pkg:deb/debian/a@1?upstream=b%00\"}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"purl\":\"pkg:deb/debian/a@1?upstream=%401\"}]}",
         OTA_E_FORMAT},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"purl\":\"pkg:deb/debian/a@1?arch=x&upstream=b%401#sub\"}]}",
         OTA_OK},
        /* the control: the smallest valid ones */
        {"{\"spdxVersion\":\"SPDX-2.3\"}", OTA_OK},
        {"{\"spdxVersion\":\"SPDX-2.2\",\"packages\":[{\"name\":\"a\",\"SPDXID\":\"x\"}]}", OTA_OK},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[]}", OTA_OK},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        const char *why = NULL;
        ota_err rc = parse(c[i].doc, &why);
        if (rc != c[i].rc)
            fail_msg("case %zu: %s, want %s (%s)\n%s", i, ota_err_name(rc), ota_err_name(c[i].rc),
                     why ? why : "", c[i].doc);
        if (rc != OTA_OK && why == NULL)
            fail_msg("case %zu: no reason given", i);
    }
}

/* a document of n SPDX packages (or CycloneDX components, nested two deep) */
static char *
many(size_t n, bool cdx)
{
    ota_buf b = {.max = 64u * 1024u * 1024u};
    const char *head = cdx ? "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
                           : "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[";
    assert_int_equal(ota_buf_append(&b, head, strlen(head)), OTA_OK);
    for (size_t i = 0; i < n; i++) {
        char one[160];
        int k;
        if (cdx && i % 2 == 0)
            k = snprintf(one, sizeof one,
                         "%s{\"type\":\"library\",\"name\":\"p%zu\",\"version\":\"1.%zu\",\"components\":[",
                         i ? "," : "", i, i);
        else if (cdx)
            k = snprintf(one, sizeof one, "{\"type\":\"library\",\"name\":\"p%zu\"}]}", i);
        else
            k = snprintf(one, sizeof one, "%s{\"name\":\"p%zu\",\"SPDXID\":\"S%zu\"}", i ? "," : "",
                         i, i);
        assert_int_equal(ota_buf_append(&b, one, (size_t) k), OTA_OK);
    }
    if (cdx && n % 2 == 1)
        assert_int_equal(ota_buf_append(&b, "]}", 2), OTA_OK);
    assert_int_equal(ota_buf_append(&b, "]}", 2), OTA_OK);
    size_t len;
    return (char *) ota_buf_steal(&b, &len);
}

static void
test_limits(void **state)
{
    (void) state;
    const char *why = NULL;
    /* the package count: at the bound, and one past, in both formats */
    for (int cdx = 0; cdx < 2; cdx++) {
        char *d = many(OTA_SBOM_MAX_PACKAGES, cdx);
        ota_sbom s;
        assert_int_equal(ota_sbom_parse((uint8_t *) d, strlen(d), &s, &why), OTA_OK);
        assert_int_equal(s.npkgs, OTA_SBOM_MAX_PACKAGES);
        uint8_t *list = NULL;
        size_t len = 0;
        assert_int_equal(ota_sbom_encode(&s, &list, &len), OTA_OK);
        assert_true(len <= OTA_SBOM_MAX_LIST_SIZE);
        ota_sbom back;
        assert_int_equal(ota_sbom_decode(list, len, &back, &why), OTA_OK);
        assert_int_equal(back.npkgs, OTA_SBOM_MAX_PACKAGES);
        ota_sbom_free(&back);
        free(list);
        ota_sbom_free(&s);
        free(d);
        d = many(OTA_SBOM_MAX_PACKAGES + 1, cdx);
        why = NULL;
        assert_int_equal(parse(d, &why), OTA_E_LIMIT);
        assert_non_null(strstr(why, "20000"));
        free(d);
    }
    /* the encoded list: packages of long fields fill 4 MiB before 20000 */
    for (size_t count = 2000; count <= 3000; count += 1000) {
        ota_sbom big = {.source = "spdx-2.3"};
        big.pkgs = calloc(count, sizeof *big.pkgs);
        assert_non_null(big.pkgs);
        big.npkgs = count;
        for (size_t i = 0; i < count; i++) {
            char v[OTA_SBOM_MAX_PURL + 1];
            memset(v, 'a', sizeof v);
            memcpy(v, "pkg:npm/", 8); /* then i in six digits, then 'a's */
            for (size_t k = 0, q = i; k < 6; k++, q /= 10)
                v[13 - k] = (char) ('0' + q % 10);
            v[OTA_SBOM_MAX_PURL] = '\0';
            big.pkgs[i].purl = strdup(v);
            v[OTA_SBOM_MAX_FIELD] = '\0';
            big.pkgs[i].name = strdup(v + 8);
            big.pkgs[i].version = strdup(v + 8);
        }
        uint8_t *list = NULL;
        size_t len = 0;
        ota_err rc = ota_sbom_encode(&big, &list, &len);
        assert_int_equal(rc, count == 2000 ? OTA_OK : OTA_E_LIMIT);
        free(list);
        ota_sbom_free(&big);
    }
    /* document size: one byte past the bound, before any parsing */
    size_t big = OTA_SBOM_MAX_DOC_SIZE + 1;
    uint8_t *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    ota_sbom s;
    assert_int_equal(ota_sbom_parse(huge, big, &s, &why), OTA_E_LIMIT);
    assert_int_equal(ota_sbom_parse(huge, big - 1, &s, &why), OTA_E_JSON); /* at: read, not JSON */
    free(huge);
    /* depth: the JSON reader's bound, before jansson */
    char deep[200] = "{\"spdxVersion\":\"SPDX-2.3\",\"x\":";
    size_t n = strlen(deep);
    for (int i = 0; i < 40; i++)
        deep[n++] = '[';
    for (int i = 0; i < 40; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    assert_int_equal(parse(deep, &why), OTA_E_LIMIT);
    /* field lengths: a version of 256 bytes is read, 257 is not; a name of
     * 256 / 257; a purl of 1024 / 1025 */
    char doc[4096], fill[2048];
    static const struct {
        const char *pre, *post;
        size_t at;
    } f[] = {
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"SPDXID\":\"x\",\"versionInfo\":\"",
         "\"}]}", OTA_MAX_PKGVER_LEN},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"SPDXID\":\"x\",\"name\":\"", "\"}]}",
         OTA_SBOM_MAX_FIELD},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"name\":\"a\",\"purl\":\"pkg:npm/",
         "\"}]}", OTA_SBOM_MAX_PURL - 8},
        /* an npm group joined to the name: "@s/" + name within 256 */
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\",\"group\":\"@s\",\"purl\":\"pkg:npm/%40s/a\",\"name\":\"",
         "\"}]}", OTA_SBOM_MAX_FIELD - 3},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        memset(fill, '1', f[i].at + 1);
        fill[f[i].at] = '\0';
        snprintf(doc, sizeof doc, "%s%s%s", f[i].pre, fill, f[i].post);
        assert_int_equal(parse(doc, &why), OTA_OK);
        fill[f[i].at] = '1';
        fill[f[i].at + 1] = '\0';
        snprintf(doc, sizeof doc, "%s%s%s", f[i].pre, fill, f[i].post);
        assert_int_equal(parse(doc, &why), OTA_E_LIMIT);
    }
}

static ota_err
status(const char *text, ota_sbom_db db, const char **why)
{
    ota_sbom s;
    ota_err rc = ota_sbom_from_status((const uint8_t *) text, strlen(text), db, NULL, &s, why);
    ota_sbom_free(&s);
    return rc;
}

static void
test_hostile_status(void **state)
{
    (void) state;
    static const struct {
        const char *text;
        ota_err rc;
    } c[] = {
        {"Package: a\nStatus: install ok installed\nVersion: 1.0\n", OTA_OK},
        {"\n\n\nPackage: a\nStatus: install ok installed\nVersion: 1.0\n\n\n", OTA_OK},
        {"package: a\nSTATUS: install ok installed\nversion: 1.0\n", OTA_OK}, /* case */
        {"", OTA_OK},
        {" continued\nPackage: a\n", OTA_E_FORMAT},
        {"Package a\n", OTA_E_FORMAT},
        {"# comment\n", OTA_E_FORMAT},
        {"Pack age: a\n", OTA_E_FORMAT},
        {"Package: a\nPackage: b\nStatus: install ok installed\nVersion: 1\n", OTA_E_FORMAT},
        {"Package: a\nStatus: install ok installed\n", OTA_E_FORMAT},    /* no Version */
        {"Status: install ok installed\nVersion: 1\n", OTA_E_FORMAT},     /* no Package */
        {"Package: a\nStatus: install ok installed\nVersion: a1\n", OTA_E_FORMAT}, /* dpkg */
        {"Package: a\nStatus: install ok installed\nVersion: 1\nSource: b (1\n", OTA_E_FORMAT},
        {"Package: \nStatus: install ok installed\nVersion: 1\n", OTA_E_FORMAT},
        {"Package: a\x01\nStatus: install ok installed\nVersion: 1\n", OTA_E_FORMAT},
        {"Package: a\xff\nStatus: install ok installed\nVersion: 1\n", OTA_E_FORMAT}, /* UTF-8 */
        /* not installed: skipped, even when otherwise broken */
        {"Package: a\nStatus: deinstall ok config-files\n", OTA_OK},
        {"Package: a\nStatus: install reinstreq half-installed\nVersion: 1\n", OTA_OK},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        const char *why = NULL;
        ota_err rc = status(c[i].text, OTA_SBOM_DPKG, &why);
        if (rc != c[i].rc)
            fail_msg("case %zu: %s, want %s (%s)", i, ota_err_name(rc), ota_err_name(c[i].rc),
                     why ? why : "");
    }
    /* a NUL byte */
    const char nul[] = "Package: a\0b\nStatus: install ok installed\nVersion: 1\n";
    ota_sbom s;
    assert_int_equal(ota_sbom_from_status((const uint8_t *) nul, sizeof nul - 1, OTA_SBOM_DPKG,
                                          NULL, &s, NULL),
                     OTA_E_FORMAT);
    /* opkg: any flag, and versions are not Debian's */
    const char *why = NULL;
    assert_int_equal(status("Package: a\nStatus: install user installed\nVersion: git-r0\n",
                            OTA_SBOM_OPKG, &why),
                     OTA_OK);
    /* the size bound */
    size_t big = OTA_SBOM_MAX_STATUS_SIZE + 1;
    uint8_t *huge = calloc(1, big);
    assert_non_null(huge);
    assert_int_equal(ota_sbom_from_status(huge, big, OTA_SBOM_DPKG, NULL, &s, &why), OTA_E_LIMIT);
    memset(huge, '\n', big);
    assert_int_equal(ota_sbom_from_status(huge, big - 1, OTA_SBOM_DPKG, NULL, &s, &why), OTA_OK);
    assert_int_equal(s.npkgs, 0);
    ota_sbom_free(&s);
    free(huge);
}

static ota_err
decode(const char *text, const char **why)
{
    ota_sbom s;
    ota_err rc = ota_sbom_decode((const uint8_t *) text, strlen(text), &s, why);
    ota_sbom_free(&s);
    return rc;
}

#define SHA "\"sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\""

static void
test_hostile_list(void **state)
{
    (void) state;
    static const struct {
        const char *text;
        ota_err rc;
    } c[] = {
        {"{\"format\":1,\"packages\":[{\"name\":\"a\"},{\"name\":\"b\"}]," SHA ",\"source\":\"dpkg-status\"}",
         OTA_OK},
        /* not canonical: order of packages, duplicates, whitespace, key order */
        {"{\"format\":1,\"packages\":[{\"name\":\"b\"},{\"name\":\"a\"}]," SHA ",\"source\":\"dpkg-status\"}",
         OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[{\"name\":\"a\"},{\"name\":\"a\"}]," SHA ",\"source\":\"dpkg-status\"}",
         OTA_E_FORMAT},
        {"{\"format\": 1,\"packages\":[]," SHA ",\"source\":\"dpkg-status\"}", OTA_E_FORMAT},
        {"{\"packages\":[],\"format\":1," SHA ",\"source\":\"dpkg-status\"}", OTA_E_FORMAT},
        /* schema */
        {"{\"format\":2,\"packages\":[]," SHA ",\"source\":\"dpkg-status\"}", OTA_E_UNSUPPORTED},
        {"{\"format\":\"1\",\"packages\":[]," SHA ",\"source\":\"dpkg-status\"}", OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[]," SHA ",\"source\":\"rpm\"}", OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[],\"sha256\":\"00\",\"source\":\"dpkg-status\"}", OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[]," SHA ",\"source\":\"dpkg-status\",\"x\":1}", OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[{\"name\":\"a\",\"x\":\"y\"}]," SHA ",\"source\":\"dpkg-status\"}",
         OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[{\"version\":\"1\"}]," SHA ",\"source\":\"dpkg-status\"}",
         OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[{\"name\":1}]," SHA ",\"source\":\"dpkg-status\"}", OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[{\"name\":\"a\\u0007\"}]," SHA ",\"source\":\"dpkg-status\"}",
         OTA_E_FORMAT},
        {"{\"format\":1,\"packages\":[{\"name\":\"a\",\"purl\":\"npm:a\"}]," SHA ",\"source\":\"dpkg-status\"}",
         OTA_E_FORMAT},
        {"{\"format\":1,\"format\":1,\"packages\":[]," SHA ",\"source\":\"dpkg-status\"}", OTA_E_JSON},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        const char *why = NULL;
        ota_err rc = decode(c[i].text, &why);
        if (rc != c[i].rc)
            fail_msg("case %zu: %s, want %s (%s)", i, ota_err_name(rc), ota_err_name(c[i].rc),
                     why ? why : "");
    }
}

static void
test_purl(void **state)
{
    (void) state;
    assert_string_equal(ota_sbom_purl_ecosystem("pkg:deb/debian/curl@7.88.1-10"), "Debian");
    assert_null(ota_sbom_purl_ecosystem("pkg:deb/ubuntu/curl@7.81.0-1"));
    assert_string_equal(ota_sbom_purl_ecosystem("pkg:NPM/left-pad@1.0.0"), "npm");
    assert_string_equal(ota_sbom_purl_ecosystem("pkg:pypi/django@1.11.1"), "PyPI");
    assert_string_equal(ota_sbom_purl_ecosystem("pkg:cargo/rand@0.7.2"), "crates.io");
    assert_string_equal(ota_sbom_purl_ecosystem("pkg:golang/golang.org/x/net@v0.1.0"), "Go");
    assert_null(ota_sbom_purl_ecosystem("pkg:generic/openssl@3.0.0"));
    assert_null(ota_sbom_purl_ecosystem("pkg:npm"));
    assert_null(ota_sbom_purl_ecosystem("npm/left-pad"));
    assert_null(ota_sbom_purl_ecosystem(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),         cmocka_unit_test(test_trees),
        cmocka_unit_test(test_tree_links),        cmocka_unit_test(test_hostile_documents),
        cmocka_unit_test(test_limits),            cmocka_unit_test(test_hostile_status),
        cmocka_unit_test(test_hostile_list),      cmocka_unit_test(test_purl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
