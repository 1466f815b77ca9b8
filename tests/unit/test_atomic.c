/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic file replacement (formats/ota_atomic.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_atomic.h"

/* ---- a scripted randombytes: the temporary's names are predictable ------- */

static uint32_t script[128];
static size_t nscript, iscript;
static uint32_t counter = 0x10000000u;

static uint32_t
scripted_random(void)
{
    return iscript < nscript ? script[iscript++] : counter++;
}

static void
scripted_buf(void *const buf, const size_t size)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t) scripted_random();
}

static const char *
scripted_name(void)
{
    return "scripted";
}

static randombytes_implementation scripted = {
    .implementation_name = scripted_name,
    .random = scripted_random,
    .buf = scripted_buf,
};

static void
script_set(uint32_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        script[i] = v;
    nscript = n;
    iscript = 0;
}

/* ---- helpers ---------------------------------------------------------------- */

/* Every test works in a fresh directory (f->dir, open as f->dfd); the
 * teardown removes it with the files (no subdirectories) in it. */
typedef struct fixture {
    char dir[64];
    int dfd;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/ota-atomic-test.XXXXXX");
    if (mkdtemp(f->dir) == NULL || (f->dfd = open(f->dir, O_RDONLY | O_DIRECTORY)) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    (void) umount2(f->dir, MNT_DETACH); /* test_full_file_system's */
    close(f->dfd);
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            (void) unlinkat(dirfd(d), e->d_name, 0);
    if (d != NULL)
        closedir(d);
    int r = rmdir(f->dir);
    free(f);
    return r;
}

static int
count_temps(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += ota_atomic_is_temp(e->d_name);
    closedir(d);
    return n;
}

static int
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

static void
put(const char *dir, const char *name, const char *text, mode_t mode)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

/* dir/name holds exactly text */
static void
assert_holds(const char *dir, const char *name, const char *text)
{
    char p[512], buf[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    assert_int_equal(n, (ssize_t) strlen(text));
    assert_memory_equal(buf, text, strlen(text));
}

static unsigned
mode_of(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(lstat(p, &st), 0);
    return (unsigned) (st.st_mode & 07777);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_errno_err(void **state)
{
    (void) state;
    assert_int_equal(ota_errno_err(ENOSPC), OTA_E_NOSPACE);
    assert_int_equal(ota_errno_err(EDQUOT), OTA_E_NOSPACE);
    assert_int_equal(ota_errno_err(ENOENT), OTA_E_NOT_FOUND);
    assert_int_equal(ota_errno_err(ENOTDIR), OTA_E_NOT_FOUND);
    assert_int_equal(ota_errno_err(EEXIST), OTA_E_EXISTS);
    assert_int_equal(ota_errno_err(ENOMEM), OTA_E_NOMEM);
    assert_int_equal(ota_errno_err(EIO), OTA_E_IO);
    assert_int_equal(ota_errno_err(EFBIG), OTA_E_IO);
}

/* The mode is exact whatever the umask; with OTA_ATOMIC_UMASK the umask
 * narrows it, as open(2) would. */
static void
test_mode_and_umask(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    int dfd = f->dfd;
    char path[512];
    snprintf(path, sizeof path, "%s/p", dir);
    mode_t old = umask(077);
    assert_int_equal(ota_atomic_replace(dfd, "a", "one", 3, 0644), OTA_OK);
    assert_int_equal(mode_of(dir, "a"), 0644);
    assert_int_equal(ota_atomic_replace_path(path, "two", 3, 0640), OTA_OK);
    assert_int_equal(mode_of(dir, "p"), 0640);
    umask(0);
    assert_int_equal(ota_atomic_replace(dfd, "a", "three", 5, 0600), OTA_OK);
    assert_int_equal(mode_of(dir, "a"), 0600);
    assert_holds(dir, "a", "three");
    umask(027);
    assert_int_equal(ota_atomic_replace(dfd, "u", "four", 4, 0666 | OTA_ATOMIC_UMASK), OTA_OK);
    assert_int_equal(mode_of(dir, "u"), 0640);
    umask(old);
    /* a mode with other bits is refused before anything is created */
    assert_int_equal(ota_atomic_replace(dfd, "a", "x", 1, 0x20000u | 0644), OTA_E_ARG);
    assert_int_equal(ota_atomic_replace(dfd, "a/b", "x", 1, 0644), OTA_E_ARG);
    assert_holds(dir, "a", "three");
    assert_int_equal(count_temps(dir), 0);
}

/* A full file system: ENOSPC is OTA_E_NOSPACE, the old file stays, no
 * temporary is left.  Needs mount(2) (root). */
static void
test_full_file_system(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    if (mount("tmpfs", dir, "tmpfs", 0, "size=32k") != 0) {
        fprintf(stderr, "test_full_file_system: mount tmpfs: %s: skipped "
                        "(test_file_size_limit forces a failed write instead)\n",
                strerror(errno));
        skip();
    }
    put(dir, "f", "old contents", 0644);
    size_t big = 64 * 1024;
    uint8_t *buf = calloc(1, big);
    assert_non_null(buf);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY); /* the tmpfs, not f->dfd below it */
    assert_true(dfd >= 0);
    errno = 0;
    assert_int_equal(ota_atomic_replace(dfd, "f", buf, big, 0644), OTA_E_NOSPACE);
    assert_int_equal(errno, ENOSPC);
    assert_holds(dir, "f", "old contents");
    assert_int_equal(count_temps(dir), 0);

    char path[512];
    snprintf(path, sizeof path, "%s/f", dir);
    assert_int_equal(ota_atomic_replace_path(path, buf, big, 0644), OTA_E_NOSPACE);
    assert_holds(dir, "f", "old contents");
    assert_int_equal(count_temps(dir), 0);

    /* streaming: the caller aborts after the failed write */
    ota_atomic a;
    assert_int_equal(ota_atomic_begin(&a, dfd, 0644), OTA_OK);
    assert_int_equal(count_temps(dir), 1);
    assert_int_equal(ota_atomic_write(&a, buf, big), OTA_E_NOSPACE);
    ota_atomic_abort(&a);
    assert_holds(dir, "f", "old contents");
    assert_int_equal(count_temps(dir), 0);

    /* and with room again it works */
    assert_int_equal(ota_atomic_replace(dfd, "f", "new", 3, 0644), OTA_OK);
    assert_holds(dir, "f", "new");
    assert_int_equal(count_temps(dir), 0);
    close(dfd);
    free(buf);
    assert_int_equal(umount2(dir, MNT_DETACH), 0);
}

/* A write past RLIMIT_FSIZE (SIGXFSZ ignored: EFBIG) fails: OTA_E_IO, the
 * old file stays, no temporary is left. */
static void
test_file_size_limit(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    int dfd = f->dfd;
    put(dir, "f", "old contents", 0644);
    size_t big = 64 * 1024;
    uint8_t *buf = calloc(1, big);
    assert_non_null(buf);
    struct rlimit saved, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    lim = saved;
    lim.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    errno = 0;
    ota_err rc = ota_atomic_replace(dfd, "f", buf, big, 0644);
    int e = errno;
    char path[512];
    snprintf(path, sizeof path, "%s/g", dir);
    ota_err rc_path = ota_atomic_create_path(path, buf, big, 0600);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(rc, OTA_E_IO);
    assert_int_equal(e, EFBIG);
    assert_int_equal(rc_path, OTA_E_IO);
    assert_holds(dir, "f", "old contents");
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(count_temps(dir), 0);
    free(buf);
}

/* An exclusive commit never replaces: OTA_E_EXISTS, the name untouched
 * (a file, or a dangling symlink that is not followed), no temporary left. */
static void
test_exclusive(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    int dfd = f->dfd;
    put(dir, "f", "old", 0600);
    ota_atomic a;
    assert_int_equal(ota_atomic_begin(&a, dfd, 0644), OTA_OK);
    assert_int_equal(ota_atomic_write(&a, "new", 3), OTA_OK);
    assert_int_equal(ota_atomic_commit(&a, "f", true), OTA_E_EXISTS);
    ota_atomic_abort(&a); /* safe after a failed commit */
    assert_holds(dir, "f", "old");
    assert_int_equal(mode_of(dir, "f"), 0600);
    assert_int_equal(count_temps(dir), 0);

    char link_path[512], target[512];
    snprintf(link_path, sizeof link_path, "%s/l", dir);
    snprintf(target, sizeof target, "%s/through-link", dir);
    assert_int_equal(symlink("through-link", link_path), 0);
    assert_int_equal(ota_atomic_begin(&a, dfd, 0644), OTA_OK);
    assert_int_equal(ota_atomic_write(&a, "new", 3), OTA_OK);
    assert_int_equal(ota_atomic_commit(&a, "l", true), OTA_E_EXISTS);
    assert_int_equal(access(target, F_OK), -1);
    assert_int_equal(count_temps(dir), 0);

    /* the path form: created once, refused the second time */
    char path[512];
    snprintf(path, sizeof path, "%s/key", dir);
    mode_t old = umask(0);
    assert_int_equal(ota_atomic_create_path(path, "secret", 6, 0600), OTA_OK);
    umask(old);
    assert_int_equal(mode_of(dir, "key"), 0600);
    assert_int_equal(ota_atomic_create_path(path, "other", 5, 0644), OTA_E_EXISTS);
    assert_holds(dir, "key", "secret");
    assert_int_equal(mode_of(dir, "key"), 0600);
    assert_int_equal(count_temps(dir), 0);

    /* a fresh name works and leaves only the file */
    assert_int_equal(ota_atomic_begin(&a, dfd, 0640), OTA_OK);
    assert_int_equal(ota_atomic_write(&a, "fresh", 5), OTA_OK);
    assert_int_equal(ota_atomic_commit(&a, "g", true), OTA_OK);
    ota_atomic_abort(&a); /* safe after a commit */
    assert_holds(dir, "g", "fresh");
    assert_int_equal(mode_of(dir, "g"), 0640);
    assert_int_equal(count_temps(dir), 0);
}

/* Whatever is planted at the temporary's name — a symlink to a file, a
 * dangling one — is skipped, never written through. */
static void
test_planted_symlink_not_followed(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    int dfd = f->dfd;
    put(dir, "victim", "precious", 0644);
    assert_int_equal(symlinkat("victim", dfd, OTA_ATOMIC_PREFIX "aaaaaaaa"), 0);
    assert_int_equal(symlinkat("created-through-link", dfd, OTA_ATOMIC_PREFIX "bbbbbbbb"), 0);
    script[0] = 0xaaaaaaaau;
    script[1] = 0xbbbbbbbbu;
    nscript = 2;
    iscript = 0;
    assert_int_equal(ota_atomic_replace(dfd, "f", "new", 3, 0644), OTA_OK);
    assert_int_equal(iscript, 2); /* both planted names were tried */
    assert_holds(dir, "f", "new");
    assert_holds(dir, "victim", "precious");
    char p[512];
    snprintf(p, sizeof p, "%s/created-through-link", dir);
    assert_int_equal(access(p, F_OK), -1);
    struct stat st;
    assert_int_equal(fstatat(dfd, OTA_ATOMIC_PREFIX "aaaaaaaa", &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(count_temps(dir), 2); /* the two planted ones only */

    /* every name taken: an I/O error, nothing written */
    script_set(0xbbbbbbbbu, 100);
    ota_atomic a;
    assert_int_equal(ota_atomic_begin(&a, dfd, 0644), OTA_E_IO);
    ota_atomic_abort(&a);
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(count_temps(dir), 2);
    nscript = iscript = 0;
}

/* A failed rename (the name is a non-empty directory) leaves no temporary. */
static void
test_commit_failure_removes_temp(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    int dfd = f->dfd;
    assert_int_equal(mkdirat(dfd, "d", 0755), 0);
    assert_int_equal(close(openat(dfd, "d/x", O_WRONLY | O_CREAT, 0644)), 0);
    ota_atomic a;
    assert_int_equal(ota_atomic_begin(&a, dfd, 0644), OTA_OK);
    assert_int_equal(ota_atomic_write(&a, "new", 3), OTA_OK);
    assert_int_equal(ota_atomic_commit(&a, "d", false), OTA_E_IO);
    assert_int_equal(count_temps(dir), 0);
    /* a name that is not flat */
    assert_int_equal(ota_atomic_begin(&a, dfd, 0644), OTA_OK);
    assert_int_equal(ota_atomic_commit(&a, "d/x", false), OTA_E_ARG);
    ota_atomic_abort(&a);
    ota_atomic_abort(&a);
    assert_int_equal(count_temps(dir), 0);
    assert_int_equal(unlinkat(dfd, "d/x", 0), 0);
    assert_int_equal(unlinkat(dfd, "d", AT_REMOVEDIR), 0);
}

/* Path-based: after finish nothing is held open; commit later, or abort. */
static void
test_path_pending(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    char path[512];
    snprintf(path, sizeof path, "%s/f", dir);
    put(dir, "f", "old", 0644);
    int fds = count_fds();
    ota_atomic a, b;
    assert_int_equal(ota_atomic_begin_path(&a, path, 0644), OTA_OK);
    assert_true(ota_atomic_fd(&a) >= 0);
    assert_int_equal(ota_atomic_write(&a, "new", 3), OTA_OK);
    assert_int_equal(ota_atomic_finish(&a), OTA_OK);
    assert_int_equal(ota_atomic_fd(&a), -1);
    assert_int_equal(ota_atomic_begin_path(&b, path, 0644), OTA_OK);
    assert_int_equal(ota_atomic_write(&b, "other", 5), OTA_OK);
    assert_int_equal(ota_atomic_finish(&b), OTA_OK);
    assert_int_equal(count_fds(), fds);
    assert_int_equal(count_temps(dir), 2);
    assert_holds(dir, "f", "old");
    assert_int_equal(ota_atomic_commit(&a, "f", false), OTA_OK);
    assert_holds(dir, "f", "new");
    ota_atomic_abort(&b);
    assert_int_equal(count_temps(dir), 0);
    assert_int_equal(count_fds(), fds);

    /* a bare name is in the working directory */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(ota_atomic_replace_path("g", "here", 4, 0644), OTA_OK);
    assert_int_equal(chdir(cwd), 0);
    assert_holds(dir, "g", "here");

    /* a directory that does not exist */
    snprintf(path, sizeof path, "%s/missing/f", dir);
    assert_int_equal(ota_atomic_begin_path(&a, path, 0644), OTA_E_IO);
    ota_atomic_abort(&a);
    assert_int_equal(count_fds(), fds);
}

/* Unsynced (many files made durable by one syncfs): closing holds nothing
 * open, the commit renames; abort still removes the temporary. */
static void
test_unsynced(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    char path[512];
    snprintf(path, sizeof path, "%s/u", dir);
    put(dir, "u", "old", 0644);
    int fds = count_fds();
    ota_atomic a, b;
    assert_int_equal(ota_atomic_begin_path(&a, path, 0644), OTA_OK);
    assert_int_equal(ota_atomic_write(&a, "new", 3), OTA_OK);
    assert_int_equal(ota_atomic_close_unsynced(&a), OTA_OK);
    assert_int_equal(ota_atomic_fd(&a), -1);
    assert_int_equal(ota_atomic_begin_path(&b, path, 0644), OTA_OK);
    assert_int_equal(ota_atomic_write(&b, "other", 5), OTA_OK);
    assert_int_equal(ota_atomic_close_unsynced(&b), OTA_OK);
    assert_int_equal(count_fds(), fds);
    assert_int_equal(count_temps(dir), 2);
    assert_holds(dir, "u", "old");
    assert_int_equal(ota_atomic_commit_unsynced(&a, "u"), OTA_OK);
    assert_holds(dir, "u", "new");
    assert_int_equal(ota_atomic_commit_unsynced(&a, "u"), OTA_E_ARG); /* done already */
    ota_atomic_abort(&b);
    assert_int_equal(count_temps(dir), 0);
    assert_int_equal(count_fds(), fds);
    /* not flat: refused, the temporary removed */
    assert_int_equal(ota_atomic_begin_path(&a, path, 0644), OTA_OK);
    assert_int_equal(ota_atomic_close_unsynced(&a), OTA_OK);
    assert_int_equal(ota_atomic_commit_unsynced(&a, "d/u"), OTA_E_ARG);
    assert_int_equal(count_temps(dir), 0);
    assert_holds(dir, "u", "new");
    assert_int_equal(count_fds(), fds);
}

/* The temporary is recognisable and hidden; other names are not it. */
static void
test_is_temp(void **state)
{
    fixture *f = *state;
    const char *dir = f->dir;
    int dfd = f->dfd;
    ota_atomic a;
    assert_int_equal(ota_atomic_begin(&a, dfd, 0644), OTA_OK);
    assert_true(ota_atomic_is_temp(a.tmp));
    assert_int_equal(a.tmp[0], '.');
    assert_int_equal(strlen(a.tmp), strlen(OTA_ATOMIC_PREFIX) + 8);
    assert_int_equal(count_temps(dir), 1);
    ota_atomic_abort(&a);
    assert_int_equal(count_temps(dir), 0);
    assert_true(ota_atomic_is_temp(".ota-tmp.0badf00d"));
    assert_false(ota_atomic_is_temp(""));
    assert_false(ota_atomic_is_temp(".ota-tmp"));
    assert_false(ota_atomic_is_temp("ota-tmp.0badf00d"));
    assert_false(ota_atomic_is_temp("x.ota-tmp.0badf00d"));
    assert_false(ota_atomic_is_temp(".ota-download.0badf00d"));
    assert_false(ota_atomic_is_temp("root.json"));

    /* an object never begun can be aborted: it closes nothing */
    if (fcntl(0, F_GETFD) == -1)
        assert_int_equal(open("/dev/null", O_RDONLY), 0);
    ota_atomic none = OTA_ATOMIC_INIT;
    ota_atomic_abort(&none);
    assert_true(fcntl(0, F_GETFD) != -1);
}

int
main(void)
{
    /* the temporary's name comes from randombytes_random: script it */
    if (randombytes_set_implementation(&scripted) != 0 || sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_err),
        cmocka_unit_test_setup_teardown(test_mode_and_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_file_system, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_planted_symlink_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_failure_removes_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsynced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_is_temp, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
