/* SPDX-License-Identifier: Apache-2.0 */
/* ota-server's pure parts: URL path safety and opening under the root
 * (server/path.c), header helpers (server/headers.c); the version order
 * the fleet listing filters by is ota_semver_cmp (tests/unit/test_id.c).
 * The files are compiled in directly: they make no libmicrohttpd or SQLite
 * calls, and this reaches their static functions (both path resolvers). */
#include "../../server/path.c"

#include "../../server/headers.c"

#include <errno.h>
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

static void
expect_path(const char *url, srv_path_rc want, const char *want_rel)
{
    char out[OTA_MAX_PATH_LEN + 1];
    srv_path_rc rc = srv_path_parse(url, out, sizeof out);
    if (rc != want)
        fail_msg("'%s': got %d, want %d", url, rc, want);
    if (want == SRV_PATH_OK && strcmp(out, want_rel) != 0)
        fail_msg("'%s': got '%s', want '%s'", url, out, want_rel);
}

static void
test_path_parse(void **state)
{
    (void) state;
    expect_path("/timestamp.json", SRV_PATH_OK, "timestamp.json");
    expect_path("/targets/ab.bundle", SRV_PATH_OK, "targets/ab.bundle");
    expect_path("//a//b", SRV_PATH_OK, "a/b");
    expect_path("/%74imestamp.json", SRV_PATH_OK, "timestamp.json");
    expect_path("/%252e%252e", SRV_PATH_OK, "%2e%2e"); /* decoded once only */
    expect_path("/caf%C3%A9", SRV_PATH_OK, "caf\xc3\xa9");
    expect_path("/a b", SRV_PATH_OK, "a b");
    /* traversal in every spelling */
    expect_path("/..", SRV_PATH_BAD, NULL);
    expect_path("/a/../b", SRV_PATH_BAD, NULL);
    expect_path("/a/..", SRV_PATH_BAD, NULL);
    expect_path("/%2e%2e/etc/passwd", SRV_PATH_BAD, NULL);
    expect_path("/%2E%2e/x", SRV_PATH_BAD, NULL);
    expect_path("/.%2e/x", SRV_PATH_BAD, NULL);
    expect_path("/.", SRV_PATH_BAD, NULL);
    expect_path("/a/./b", SRV_PATH_BAD, NULL);
    expect_path("/..%2fetc", SRV_PATH_BAD, NULL);
    expect_path("/a%2F..%2F..%2Fetc", SRV_PATH_BAD, NULL);
    expect_path("/a\\..\\b", SRV_PATH_BAD, NULL);
    expect_path("/a%5c..", SRV_PATH_BAD, NULL);
    /* NUL and control bytes */
    expect_path("/timestamp.json%00.png", SRV_PATH_BAD, NULL);
    expect_path("/a%0a", SRV_PATH_BAD, NULL);
    expect_path("/a%7f", SRV_PATH_BAD, NULL);
    expect_path("/a\x01", SRV_PATH_BAD, NULL);
    /* bad escapes */
    expect_path("/a%", SRV_PATH_BAD, NULL);
    expect_path("/a%4", SRV_PATH_BAD, NULL);
    expect_path("/a%zz", SRV_PATH_BAD, NULL);
    expect_path("a", SRV_PATH_BAD, NULL);
    expect_path("", SRV_PATH_BAD, NULL);
    /* hidden names */
    expect_path("/.git/config", SRV_PATH_HIDDEN, NULL);
    expect_path("/a/.env", SRV_PATH_HIDDEN, NULL);
    expect_path("/%2egit", SRV_PATH_HIDDEN, NULL);
    expect_path("/...", SRV_PATH_HIDDEN, NULL);
    /* directories are never listed */
    expect_path("/", SRV_PATH_DIR, NULL);
    expect_path("/targets/", SRV_PATH_DIR, NULL);
    expect_path("//", SRV_PATH_DIR, NULL);
}

/* Only the repository's metadata/ and targets/ are served (a root at the
 * repository's parent must not hand out keys/ or passphrase files). */
static void
test_path_served(void **state)
{
    (void) state;
    assert_true(srv_path_served("metadata/timestamp.json"));
    assert_true(srv_path_served("metadata/1.root.json"));
    assert_true(srv_path_served("targets/fw.bundle"));
    assert_true(srv_path_served("targets/firmware/gw-100/1.0.0.bundle"));
    assert_false(srv_path_served("keys/root1.key"));
    assert_false(srv_path_served("passphrase"));
    assert_false(srv_path_served("timestamp.json"));
    assert_false(srv_path_served("metadata"));
    assert_false(srv_path_served("metadata/"));
    assert_false(srv_path_served("targets"));
    assert_false(srv_path_served("metadatax/timestamp.json"));
    assert_false(srv_path_served("Metadata/timestamp.json"));
    assert_false(srv_path_served("repo/metadata/timestamp.json"));
    assert_false(srv_path_served("targetsx"));
    assert_false(srv_path_served(""));
}

static void
test_path_limits(void **state)
{
    (void) state;
    char url[OTA_MAX_PATH_LEN + 256];
    /* 32 segments ok, 33 too deep */
    strcpy(url, "");
    for (int i = 0; i < 32; i++)
        strcat(url, "/a");
    expect_path(url, SRV_PATH_OK, url + 1);
    strcat(url, "/a");
    expect_path(url, SRV_PATH_LONG, NULL);
    /* a 255-byte name ok, 256 too long */
    url[0] = '/';
    memset(url + 1, 'n', 255);
    url[256] = '\0';
    expect_path(url, SRV_PATH_OK, url + 1);
    url[256] = 'n';
    url[257] = '\0';
    expect_path(url, SRV_PATH_LONG, NULL);
    /* total length past OTA_MAX_PATH_LEN */
    size_t o = 0;
    while (o < OTA_MAX_PATH_LEN + 4) {
        memcpy(url + o, "/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
               128);
        o += 128;
    }
    url[o] = '\0';
    expect_path(url, SRV_PATH_LONG, NULL);
    /* a small output buffer is never overrun */
    char small[4];
    assert_int_equal(srv_path_parse("/abcdef", small, sizeof small), SRV_PATH_LONG);
}

static void
test_query_decode(void **state)
{
    (void) state;
    char out[16];
    assert_true(srv_query_decode("1.2.3%2Bbuild", out, sizeof out));
    assert_string_equal(out, "1.2.3+build");
    assert_true(srv_query_decode("a+b", out, sizeof out));
    assert_string_equal(out, "a+b");
    assert_false(srv_query_decode("a%00b", out, sizeof out));
    assert_false(srv_query_decode("a%zz", out, sizeof out));
    assert_false(srv_query_decode("0123456789abcdef", out, sizeof out));
}

/* A root with a file, a subdirectory, and everything that must not open. */
static char root[64];
static int root_fd = -1;

static int
setup_root(void **state)
{
    (void) state;
    strcpy(root, "/tmp/ota-test-path-XXXXXX");
    assert_non_null(mkdtemp(root));
    char p[256];
    snprintf(p, sizeof p, "%s/repo", root);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/repo/sub", root);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/secret", root);
    FILE *f = fopen(p, "w");
    fputs("secret", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/repo/sub/file.json", root);
    f = fopen(p, "w");
    fputs("{}", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/repo/out", root);
    assert_int_equal(symlink("../secret", p), 0);
    snprintf(p, sizeof p, "%s/repo/in", root);
    assert_int_equal(symlink("sub/file.json", p), 0);
    snprintf(p, sizeof p, "%s/repo/updir", root);
    assert_int_equal(symlink("..", p), 0);
    snprintf(p, sizeof p, "%s/repo/fifo", root);
    assert_int_equal(mkfifo(p, 0600), 0);
    snprintf(p, sizeof p, "%s/repo", root);
    root_fd = open(p, O_RDONLY | O_DIRECTORY);
    assert_true(root_fd >= 0);
    return 0;
}

static int
teardown_root(void **state)
{
    (void) state;
    char cmd[128];
    close(root_fd);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

typedef int (*opener)(int, const char *);

static void
check_opener(opener op, const char *name)
{
    int fd = op(root_fd, "sub/file.json");
    if (fd < 0)
        fail_msg("%s: regular file did not open: %s", name, strerror(errno));
    close(fd);
    static const char *refused[] = {"out", "in", "updir/secret", "out/x", "missing"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        fd = op(root_fd, refused[i]);
        if (fd >= 0)
            fail_msg("%s: '%s' opened", name, refused[i]);
    }
}

static void
test_open_beneath(void **state)
{
    (void) state;
    errno = 0;
    int fd = open_beneath(root_fd, "sub/file.json");
    if (fd < 0 && errno == ENOSYS)
        skip(); /* kernel without openat2: the walk below is what runs */
    close(fd);
    check_opener(open_beneath, "openat2");
}

static void
test_open_walk(void **state)
{
    (void) state;
    check_opener(open_walk, "walk");
    /* the walk refuses a FIFO without opening it (no blocking) */
    assert_int_equal(open_walk(root_fd, "fifo"), -1);
    assert_int_equal(open_walk(root_fd, "sub"), -1);
    assert_int_equal(errno, EISDIR);
}

static void
test_path_open(void **state)
{
    (void) state;
    struct stat st;
    int fd = srv_path_open(root_fd, "sub/file.json", &st);
    assert_true(fd >= 0);
    assert_int_equal(st.st_size, 2);
    close(fd);
    assert_int_equal(srv_path_open(root_fd, "out", &st), -1);
    assert_int_equal(errno, ELOOP);
    assert_int_equal(srv_path_open(root_fd, "updir/secret", &st), -1);
    assert_int_equal(srv_path_open(root_fd, "fifo", &st), -1); /* must not hang */
    assert_int_equal(srv_path_open(root_fd, "sub", &st), -1);
    assert_int_equal(errno, EISDIR);
}

static void
expect_range(const char *v, uint64_t size, srv_range want, uint64_t start, uint64_t len)
{
    uint64_t s = 99, l = 99;
    srv_range got = srv_parse_range(v, size, &s, &l);
    if (got != want)
        fail_msg("Range '%s' (size %llu): got %d, want %d", v, (unsigned long long) size, got,
                 want);
    if (want == SRV_RANGE_OK && (s != start || l != len))
        fail_msg("Range '%s': got %llu+%llu, want %llu+%llu", v, (unsigned long long) s,
                 (unsigned long long) l, (unsigned long long) start, (unsigned long long) len);
}

static void
test_ranges(void **state)
{
    (void) state;
    expect_range("bytes=0-0", 10, SRV_RANGE_OK, 0, 1);
    expect_range("bytes=0-9", 10, SRV_RANGE_OK, 0, 10);
    expect_range("bytes=0-99", 10, SRV_RANGE_OK, 0, 10); /* end clamped */
    expect_range("bytes=5-", 10, SRV_RANGE_OK, 5, 5);
    expect_range("bytes=9-", 10, SRV_RANGE_OK, 9, 1);
    expect_range("bytes=-3", 10, SRV_RANGE_OK, 7, 3);
    expect_range("bytes=-30", 10, SRV_RANGE_OK, 0, 10);
    expect_range("BYTES=1-2", 10, SRV_RANGE_OK, 1, 2);
    expect_range("bytes=10-", 10, SRV_RANGE_UNSAT, 0, 0);
    expect_range("bytes=10-20", 10, SRV_RANGE_UNSAT, 0, 0);
    expect_range("bytes=-0", 10, SRV_RANGE_UNSAT, 0, 0);
    expect_range("bytes=0-", 0, SRV_RANGE_UNSAT, 0, 0);
    expect_range("bytes=-1", 0, SRV_RANGE_UNSAT, 0, 0);
    /* ignored: whole file */
    expect_range("bytes=5-1", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("bytes=0-1,3-4", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("items=0-1", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("bytes=", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("bytes=-", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("bytes=a-b", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("bytes= 0-1", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("bytes=0-1x", 10, SRV_RANGE_NONE, 0, 0);
    expect_range("bytes=99999999999999999999-", 10, SRV_RANGE_NONE, 0, 0); /* overflow */
    expect_range("bytes=0-99999999999999999999", 10, SRV_RANGE_NONE, 0, 0);
}

static void
test_http_dates(void **state)
{
    (void) state;
    time_t t = 0;
    assert_true(srv_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    char buf[40];
    srv_http_date(784111777, buf, sizeof buf);
    assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_false(srv_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &t));
    assert_false(srv_parse_http_date("Sun Nov  6 08:49:37 1994", &t));
    assert_false(srv_parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", &t));
    assert_false(srv_parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT", &t));
    assert_false(srv_parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC", &t));
    assert_false(srv_parse_http_date("", &t));
}

static void
test_etag_lists(void **state)
{
    (void) state;
    const char *e = "\"abc\"";
    assert_true(srv_etag_match("\"abc\"", e));
    assert_true(srv_etag_match("W/\"abc\"", e));
    assert_true(srv_etag_match("\"x\", \"abc\"", e));
    assert_true(srv_etag_match("\"x\",\"abc\"", e));
    assert_true(srv_etag_match("*", e));
    assert_false(srv_etag_match("\"abcd\"", e));
    assert_false(srv_etag_match("\"ab\"", e));
    assert_false(srv_etag_match("abc", e));
    assert_false(srv_etag_match("", e));
}

static void
test_names(void **state)
{
    (void) state;
    assert_true(srv_name_immutable("1.root.json"));
    assert_true(srv_name_immutable("metadata/42.snapshot.json"));
    assert_true(srv_name_immutable("12.role-a.json"));
    char h64[200];
    memset(h64, 'a', 64);
    strcpy(h64 + 64, ".fw.bundle");
    assert_true(srv_name_immutable(h64));
    char path[260];
    snprintf(path, sizeof path, "targets/x/%s", h64);
    assert_true(srv_name_immutable(path));
    memset(h64, 'f', 128);
    strcpy(h64 + 128, ".fw.bundle");
    assert_true(srv_name_immutable(h64));
    assert_false(srv_name_immutable("timestamp.json"));
    assert_false(srv_name_immutable("root.json"));
    assert_false(srv_name_immutable("snapshot.json"));
    assert_false(srv_name_immutable("targets/fw.bundle"));
    assert_false(srv_name_immutable("01.root.json"));
    assert_false(srv_name_immutable("1.json"));
    assert_false(srv_name_immutable("1.root.txt"));
    memset(h64, 'a', 63);
    strcpy(h64 + 63, ".fw.bundle");
    assert_false(srv_name_immutable(h64));
    memset(h64, 'A', 64); /* upper-case hex is not how TUF names targets */
    strcpy(h64 + 64, ".fw.bundle");
    assert_false(srv_name_immutable(h64));
    assert_string_equal(srv_mime_type("a/1.root.json"), "application/json");
    assert_string_equal(srv_mime_type("x.JSON"), "application/json");
    assert_string_equal(srv_mime_type("fw.bundle"), "application/octet-stream");
    assert_string_equal(srv_mime_type("a.tar.gz"), "application/gzip");
    assert_string_equal(srv_mime_type(".json"), "application/octet-stream");
    assert_string_equal(srv_mime_type("json"), "application/octet-stream");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_parse),
        cmocka_unit_test(test_path_served),
        cmocka_unit_test(test_path_limits),
        cmocka_unit_test(test_query_decode),
        cmocka_unit_test_setup_teardown(test_open_beneath, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_open_walk, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_path_open, setup_root, teardown_root),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_http_dates),
        cmocka_unit_test(test_etag_lists),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
