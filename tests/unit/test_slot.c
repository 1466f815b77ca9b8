/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Slot writers (client/src/slot_dir.c, slot_raw.c): every defence against an
 * earlier bundle's leftovers gets a case that fails if the defence is gone —
 * links planted as parents, at a directory's path, at a file's path;
 * setuid bits; emptying a deep, hostile tree without following links,
 * recursion or one descriptor per level; raw read-back against the chunk
 * table; ENOSPC on a small tmpfs.
 *
 * Runs as root (mount, loop devices, chown) where it can; what needs a
 * privilege it does not have is reported as SKIPPED by cmocka, never as a
 * pass.  The unprivileged paths run in a child that drops to uid 65534.
 */
#define _GNU_SOURCE
/* test paths are short; truncation warnings on snprintf are noise here */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/loop.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../client/src/slot.h"
#include "ota_bundle.h"
#include "testutil.h"

#define T0 1500000000 /* an mtime far from now */
#define NOBODY 65534

static char base[256];
static int serial;
static char mounts[8][512];
static size_t nmounts;

/* ---- helpers --------------------------------------------------------------- */

/* a/b joined, in one of 16 rotating buffers */
static const char *
pj(const char *a, const char *b)
{
    static char buf[16][1024];
    static unsigned i;
    char *p = buf[i++ % 16];
    snprintf(p, 1024, "%s/%s", a, b);
    return p;
}

/* A fresh directory base/<name>N (mode 0755). */
static const char *
fresh(const char *name)
{
    static char buf[16][512];
    static unsigned i;
    char *p = buf[i++ % 16];
    snprintf(p, 512, "%s/%s%d", base, name, ++serial);
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(chmod(p, 0755), 0);
    return p;
}

static void
write_file(const char *path, const char *data, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, strlen(data)), (ssize_t) strlen(data));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

/* Whole file as a string (NULL if it cannot be read). */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static bool
content_is(const char *path, const char *want)
{
    char *s = slurp(path);
    bool ok = s != NULL && strcmp(s, want) == 0;
    free(s);
    return ok;
}

static size_t
count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static mode_t
mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

static bool
is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static ota_bundle_entry
ent(const char *path, ota_bundle_etype type, uint32_t mode, int64_t mtime)
{
    ota_bundle_entry e = {path, type, mode, 0, NULL, mtime};
    return e;
}

static ota_err
put_file(otac_dir *d, const char *path, uint32_t mode, const char *data, bool replace)
{
    ota_bundle_entry e = ent(path, OTA_BUNDLE_FILE, mode, T0);
    e.size = strlen(data);
    ota_err rc = otac_dir_entry_begin(d, &e, replace);
    if (rc != OTA_OK)
        return rc;
    if (e.size > 0 && (rc = otac_dir_entry_data(d, (const uint8_t *) data, e.size)) != OTA_OK)
        return rc;
    return otac_dir_entry_end(d);
}

static ota_err
put_dir(otac_dir *d, const char *path, uint32_t mode, bool replace)
{
    ota_bundle_entry e = ent(path, OTA_BUNDLE_DIR, mode, T0);
    ota_err rc = otac_dir_entry_begin(d, &e, replace);
    return rc != OTA_OK ? rc : otac_dir_entry_end(d);
}

static ota_err
put_link(otac_dir *d, const char *path, const char *target, bool replace)
{
    ota_bundle_entry e = ent(path, OTA_BUNDLE_SYMLINK, 0777, T0);
    e.link = target;
    ota_err rc = otac_dir_entry_begin(d, &e, replace);
    return rc != OTA_OK ? rc : otac_dir_entry_end(d);
}

static otac_dir *
open_slot(const char *path, bool allow_setuid)
{
    otac_dir_opts o = {.allow_setuid = allow_setuid};
    otac_dir *d = NULL;
    assert_int_equal(otac_dir_open(path, &o, &d), OTA_OK);
    return d;
}

/* mount a tmpfs of `size` at dir; false (with the reason printed) if not
 * permitted here */
static bool
try_mount(const char *dir, const char *size)
{
    char opt[64];
    snprintf(opt, sizeof opt, "size=%s,mode=0755", size);
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opt) != 0) {
        fprintf(stderr, "SKIPPED: cannot mount a tmpfs at %s (%s); this case did not run\n", dir,
                strerror(errno));
        return false;
    }
    snprintf(mounts[nmounts++], sizeof mounts[0], "%s", dir);
    return true;
}

static void
unmount_all(void)
{
    while (nmounts > 0)
        (void) umount2(mounts[--nmounts], MNT_DETACH);
}

/* Run fn as uid/gid 65534 in a child; its exit status (0: all checks held). */
#define CHILD_CHECK(x)                                                                             \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "unprivileged child: check failed at line %d: %s\n", __LINE__, #x);    \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

static int
as_nobody(void (*fn)(const char *), const char *dir)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(3);
        fn(dir);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
setup(void **state)
{
    (void) state;
    assert_true(sodium_init() >= 0);
    snprintf(base, sizeof base, "/tmp/ota-test-slot-XXXXXX");
    assert_non_null(mkdtemp(base));
    assert_int_equal(chmod(base, 0755), 0); /* the unprivileged child walks through it */
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    unmount_all();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", base, base);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* ---- dir: links planted by an earlier bundle ----------------------------------- */

static void
test_parent_link_refused(void **state)
{
    (void) state;
    const char *slot = fresh("slot"), *out = fresh("outside");
    assert_int_equal(symlink(out, pj(slot, "a")), 0);              /* absolute, to a dir */
    assert_int_equal(symlink("../outside1", pj(slot, "rel")), 0);  /* relative */
    write_file(pj(slot, "file"), "x", 0644);
    otac_dir *d = open_slot(slot, false);

    assert_int_equal(put_file(d, "a/f", 0644, "evil", false), OTA_E_UNSAFE);
    assert_non_null(strstr(otac_dir_error(d), "a/f"));
    assert_int_equal(put_file(d, "a/b/f", 0644, "evil", false), OTA_E_UNSAFE);
    assert_int_equal(put_dir(d, "a/b", 0755, false), OTA_E_UNSAFE);
    assert_int_equal(put_link(d, "a/l", "x", false), OTA_E_UNSAFE);
    assert_int_equal(put_file(d, "a/f", 0644, "evil", true), OTA_E_UNSAFE); /* replace: same */
    assert_int_equal(put_file(d, "rel/f", 0644, "evil", true), OTA_E_UNSAFE);
    /* a file where a directory must be */
    assert_int_equal(put_file(d, "file/f", 0644, "evil", false), OTA_E_UNSAFE);
    /* a link this run created is no way through either */
    assert_int_equal(put_link(d, "mine", out, false), OTA_OK);
    assert_int_equal(put_file(d, "mine/f", 0644, "evil", false), OTA_E_UNSAFE);
    assert_int_equal(count_entries(out), 0); /* nothing written outside */

    /* paths the reader never delivers are refused here too */
    const char *bad[] = {"../escape", "/tmp/abs", "x/../../escape", "", "x//y", "./x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(put_file(d, bad[i], 0644, "evil", true), OTA_E_UNSAFE);
    assert_int_equal(access(pj(base, "escape"), F_OK), -1);

    /* a parent the stream did not list is created (0755), never followed */
    mode_t um = umask(077);
    assert_int_equal(put_file(d, "m/n/f", 0600, "ok", false), OTA_OK);
    umask(um);
    assert_true(content_is(pj(slot, "m/n/f"), "ok"));
    assert_int_equal(mode_of(pj(slot, "m")), 0755);
    assert_int_equal(mode_of(pj(slot, "m/n")), 0755);
    otac_dir_close(d);

    /* the slot itself as a link */
    assert_int_equal(symlink(slot, pj(base, "slotlink")), 0);
    otac_dir *d2 = NULL;
    assert_int_equal(otac_dir_open(pj(base, "slotlink"), NULL, &d2), OTA_E_UNSAFE);
    assert_null(d2);
    assert_int_equal(otac_dir_open(pj(base, "nonexistent"), NULL, &d2), OTA_E_NOT_FOUND);
}

/* The old extractor's bug: mkdir EEXIST accepted on a link, then chmod by
 * path through it. */
static void
test_link_at_directory_path(void **state)
{
    (void) state;
    const char *slot = fresh("slot"), *out = fresh("outside");
    assert_int_equal(chmod(out, 0700), 0);
    assert_int_equal(symlink(out, pj(slot, "etc")), 0);
    assert_int_equal(symlink(out, pj(slot, "var")), 0);
    write_file(pj(slot, "usr"), "plain", 0644);
    otac_dir *d = open_slot(slot, false);

    assert_int_equal(put_dir(d, "etc", 0777, false), OTA_E_UNSAFE);
    assert_int_equal(mode_of(out), 0700); /* target's mode unchanged */
    assert_true(is_link(pj(slot, "etc")));
    assert_int_equal(put_dir(d, "usr", 0755, false), OTA_E_UNSAFE); /* a file in the way */
    assert_true(content_is(pj(slot, "usr"), "plain"));

    /* resume: the link is removed, a real directory made; outside untouched */
    assert_int_equal(put_dir(d, "var", 0751, true), OTA_OK);
    assert_false(is_link(pj(slot, "var")));
    assert_int_equal(mode_of(pj(slot, "var")), 0751);
    assert_int_equal(mode_of(out), 0700);
    assert_int_equal(put_dir(d, "usr", 0755, true), OTA_OK);
    /* an existing real directory is reused (mode set) with or without replace */
    assert_int_equal(put_dir(d, "var", 0755, false), OTA_OK);
    assert_int_equal(mode_of(pj(slot, "var")), 0755);
    assert_int_equal(count_entries(out), 0);
    otac_dir_close(d);
}

static void
test_link_at_file_path(void **state)
{
    (void) state;
    const char *slot = fresh("slot"), *out = fresh("outside");
    write_file(pj(out, "secret"), "secret", 0600);
    assert_int_equal(symlink(pj(out, "secret"), pj(slot, "f")), 0);
    assert_int_equal(symlink(pj(out, "new"), pj(slot, "dangling")), 0);
    assert_int_equal(symlink(pj(out, "secret"), pj(slot, "l")), 0);
    assert_int_equal(mkfifo(pj(slot, "fifo"), 0644), 0);
    assert_int_equal(mkdir(pj(slot, "dir"), 0755), 0);
    write_file(pj(slot, "dir/keep"), "k", 0644);
    otac_dir *d = open_slot(slot, false);

    assert_int_equal(put_file(d, "f", 0644, "evil", false), OTA_E_UNSAFE);
    assert_int_equal(put_file(d, "dangling", 0644, "evil", false), OTA_E_UNSAFE);
    assert_true(content_is(pj(out, "secret"), "secret"));
    assert_int_equal(access(pj(out, "new"), F_OK), -1);

    /* replace: the link goes, the file is written inside */
    assert_int_equal(put_file(d, "f", 0640, "mine", true), OTA_OK);
    assert_false(is_link(pj(slot, "f")));
    assert_true(content_is(pj(slot, "f"), "mine"));
    assert_true(content_is(pj(out, "secret"), "secret"));
    assert_int_equal(mode_of(pj(out, "secret")), 0600);
    assert_int_equal(put_file(d, "dangling", 0644, "mine", true), OTA_OK);
    assert_int_equal(access(pj(out, "new"), F_OK), -1);

    /* a file already there: not without replace */
    assert_int_equal(put_file(d, "f", 0644, "again", false), OTA_E_EXISTS);
    assert_int_equal(put_file(d, "f", 0644, "again", true), OTA_OK);
    assert_true(content_is(pj(slot, "f"), "again"));
    /* a symlink entry over a planted link */
    assert_int_equal(put_link(d, "l", "f", false), OTA_E_UNSAFE);
    assert_int_equal(put_link(d, "l", "f", true), OTA_OK);
    char t[64] = {0};
    assert_int_equal(readlink(pj(slot, "l"), t, sizeof t - 1), 1);
    assert_string_equal(t, "f");
    /* never removed: a directory or a special file in the way */
    assert_int_equal(put_file(d, "dir", 0644, "x", true), OTA_E_UNSAFE);
    assert_true(content_is(pj(slot, "dir/keep"), "k"));
    assert_int_equal(put_file(d, "fifo", 0644, "x", true), OTA_E_UNSAFE);
    assert_int_equal(put_link(d, "dir", "x", true), OTA_E_UNSAFE);
    assert_true(content_is(pj(out, "secret"), "secret"));
    otac_dir_close(d);
}

/* require_empty (verify-bundle --extract): a slot directory holding
 * anything, even one planted link, is refused; an empty one is used.
 * otac_dir_open_at: relative to a directory descriptor, never through a
 * link as the last component. */
static void
test_open_require_empty(void **state)
{
    (void) state;
    const char *top = fresh("top"), *out = fresh("outside");
    assert_int_equal(chmod(out, 0700), 0);
    assert_int_equal(mkdir(pj(top, "linked"), 0755), 0);
    assert_int_equal(symlink(out, pj(top, "linked/etc")), 0);
    assert_int_equal(mkdir(pj(top, "file"), 0755), 0);
    write_file(pj(top, "file/stale"), "s", 0644);
    assert_int_equal(mkdir(pj(top, "hidden"), 0755), 0);
    write_file(pj(top, "hidden/.x"), "s", 0644);
    assert_int_equal(mkdir(pj(top, "empty"), 0755), 0);
    assert_int_equal(symlink(out, pj(top, "link")), 0);
    int dfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dfd >= 0);
    otac_dir_opts o = {.require_empty = true};
    otac_dir *d = NULL;
    assert_int_equal(otac_dir_open_at(dfd, "linked", &o, &d), OTA_E_EXISTS);
    assert_int_equal(otac_dir_open_at(dfd, "file", &o, &d), OTA_E_EXISTS);
    assert_int_equal(otac_dir_open_at(dfd, "hidden", &o, &d), OTA_E_EXISTS);
    assert_int_equal(otac_dir_open_at(dfd, "link", &o, &d), OTA_E_UNSAFE);
    assert_int_equal(otac_dir_open_at(dfd, "missing", &o, &d), OTA_E_NOT_FOUND);
    assert_null(d);
    assert_int_equal(mode_of(out), 0700);
    assert_int_equal(count_entries(out), 0);
    /* without the option, an existing tree is opened (the installer empties it) */
    assert_int_equal(otac_dir_open_at(dfd, "linked", NULL, &d), OTA_OK);
    otac_dir_close(d);
    d = NULL;
    assert_int_equal(otac_dir_open_at(dfd, "empty", &o, &d), OTA_OK);
    assert_int_equal(put_dir(d, "etc", 07777, false), OTA_OK);
    assert_int_equal(put_file(d, "etc/su", 06755, "x", false), OTA_OK);
    otac_dir_close(d);
    assert_int_equal(mode_of(pj(top, "empty/etc")), 01777); /* set-id dropped by default */
    assert_int_equal(mode_of(pj(top, "empty/etc/su")), 0755);
    close(dfd);
}

/* ---- dir: modes, owners, times ---------------------------------------------------- */

static void
test_setuid_bits(void **state)
{
    (void) state;
    const char *slot = fresh("slot");
    otac_dir *d = open_slot(slot, false);
    assert_int_equal(put_file(d, "su", 06755, "x", false), OTA_OK);
    assert_int_equal(put_dir(d, "sg", 03775, false), OTA_OK);
    assert_int_equal(mode_of(pj(slot, "su")), 0755);
    assert_int_equal(mode_of(pj(slot, "sg")), 01775); /* sticky kept */
    otac_dir_close(d);

    slot = fresh("slot");
    d = open_slot(slot, true);
    assert_int_equal(put_file(d, "su", 06755, "x", false), OTA_OK);
    assert_int_equal(put_dir(d, "sg", 03775, false), OTA_OK);
    assert_int_equal(mode_of(pj(slot, "su")), 06755);
    assert_int_equal(mode_of(pj(slot, "sg")), 03775);
    otac_dir_close(d);
}

static int64_t
mtime_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return (int64_t) st.st_mtim.tv_sec;
}

static void
test_modes_owner_times(void **state)
{
    (void) state;
    if (geteuid() != 0) {
        fprintf(stderr, "SKIPPED: exact modes and owner 0:0 need root\n");
        skip();
    }
    const char *slot = fresh("slot");
    /* new entries would inherit group 65534 from a setgid slot: fchown makes them 0:0 */
    assert_int_equal(chown(slot, 0, NOBODY), 0);
    assert_int_equal(chmod(slot, 02755), 0);
    mode_t old = umask(077); /* the umask must not matter: modes go through fchmod */
    otac_dir *d = open_slot(slot, false);
    ota_bundle_entry e;
    e = ent("d", OTA_BUNDLE_DIR, 0751, T0 + 1);
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    assert_int_equal(otac_dir_entry_end(d), OTA_OK);
    e = ent("d/e", OTA_BUNDLE_DIR, 0555, T0 + 4); /* exact as root, children still go in */
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    assert_int_equal(otac_dir_entry_end(d), OTA_OK);
    e = ent("d/e/g", OTA_BUNDLE_FILE, 0444, T0 + 5);
    e.size = 3;
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    assert_int_equal(otac_dir_entry_data(d, (const uint8_t *) "ab", 2), OTA_OK);
    assert_int_equal(otac_dir_sync(d), OTA_OK); /* mid-file */
    assert_int_equal(otac_dir_entry_data(d, (const uint8_t *) "cd", 2), OTA_E_LIMIT);
    assert_int_equal(otac_dir_entry_data(d, (const uint8_t *) "c", 1), OTA_OK);
    assert_int_equal(otac_dir_entry_end(d), OTA_OK);
    e = ent("d/f", OTA_BUNDLE_FILE, 0640, T0 + 2);
    e.size = 5;
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    assert_int_equal(otac_dir_entry_data(d, (const uint8_t *) "hello", 5), OTA_OK);
    assert_int_equal(otac_dir_entry_end(d), OTA_OK);
    e = ent("d/l", OTA_BUNDLE_SYMLINK, 0777, T0 + 3);
    e.link = "f";
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    assert_int_equal(otac_dir_entry_end(d), OTA_OK);
    e = ent("l0", OTA_BUNDLE_SYMLINK, 0777, T0 + 7); /* in the setgid slot root */
    e.link = "d";
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    assert_int_equal(otac_dir_entry_end(d), OTA_OK);
    e = ent("z", OTA_BUNDLE_FILE, 0600, T0 + 6);
    e.size = 4;
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    assert_int_equal(otac_dir_entry_data(d, (const uint8_t *) "ab", 2), OTA_OK);
    assert_int_equal(otac_dir_entry_end(d), OTA_E_LENGTH); /* short file */
    assert_int_equal(otac_dir_sync(d), OTA_OK);
    uint64_t n = 0, files = 0, bytes = 0;
    otac_dir_counts(d, &n, &files, &bytes);
    assert_int_equal(n, 7);
    assert_int_equal(files, 3);
    assert_int_equal(bytes, 3 + 5 + 2);
    otac_dir_close(d);
    umask(old);

    assert_int_equal(mode_of(pj(slot, "d")), 0751);
    assert_int_equal(mode_of(pj(slot, "d/e")), 0555);
    assert_int_equal(mode_of(pj(slot, "d/e/g")), 0444);
    assert_int_equal(mode_of(pj(slot, "d/f")), 0640);
    assert_true(content_is(pj(slot, "d/f"), "hello"));
    assert_true(content_is(pj(slot, "d/e/g"), "abc"));
    /* a directory keeps its own time although entries were created in it later */
    assert_int_equal(mtime_of(pj(slot, "d")), T0 + 1);
    assert_int_equal(mtime_of(pj(slot, "d/e")), T0 + 4);
    assert_int_equal(mtime_of(pj(slot, "d/e/g")), T0 + 5);
    assert_int_equal(mtime_of(pj(slot, "d/f")), T0 + 2);
    assert_int_equal(mtime_of(pj(slot, "d/l")), T0 + 3);
    assert_int_equal(mtime_of(pj(slot, "l0")), T0 + 7);
    const char *owned[] = {"d", "d/e", "d/e/g", "d/f", "d/l", "l0"};
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) {
        struct stat st;
        assert_int_equal(lstat(pj(slot, owned[i]), &st), 0);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(st.st_gid, 0);
    }
}

/* unprivileged: directories keep u+rwx so their entries can be created */
static void
nobody_extract(const char *slot)
{
    otac_dir *d = NULL;
    CHILD_CHECK(otac_dir_open(slot, NULL, &d) == OTA_OK);
    CHILD_CHECK(put_dir(d, "ro", 0555, false) == OTA_OK);
    CHILD_CHECK(put_file(d, "ro/f", 0444, "x", false) == OTA_OK);
    CHILD_CHECK(put_dir(d, "ro/none", 0000, false) == OTA_OK);
    CHILD_CHECK(put_file(d, "ro/none/g", 0644, "y", false) == OTA_OK);
    otac_dir_close(d);
    struct stat st;
    CHILD_CHECK(stat(pj(slot, "ro"), &st) == 0 && (st.st_mode & 07777) == 0755);
    CHILD_CHECK(stat(pj(slot, "ro/none"), &st) == 0 && (st.st_mode & 07777) == 0700);
    CHILD_CHECK(stat(pj(slot, "ro/f"), &st) == 0 && (st.st_mode & 07777) == 0444);
}

static void
test_unprivileged_directory_modes(void **state)
{
    (void) state;
    if (geteuid() != 0) {
        fprintf(stderr, "SKIPPED: needs root to switch to uid %d\n", NOBODY);
        skip();
    }
    const char *slot = fresh("slot");
    assert_int_equal(chown(slot, NOBODY, NOBODY), 0);
    assert_int_equal(as_nobody(nobody_extract, slot), 0);
}

/* ---- dir: emptying ----------------------------------------------------------------- */

/* An outside directory the slot's old tree points into. */
static const char *
make_outside(void)
{
    const char *out = fresh("outside");
    write_file(pj(out, "keep"), "keep", 0640);
    assert_int_equal(mkdir(pj(out, "sub"), 0750), 0);
    write_file(pj(out, "sub/keep2"), "keep2", 0600);
    return out;
}

static void
outside_intact(const char *out)
{
    assert_true(content_is(pj(out, "keep"), "keep"));
    assert_true(content_is(pj(out, "sub/keep2"), "keep2"));
    assert_int_equal(mode_of(pj(out, "keep")), 0640);
    assert_int_equal(mode_of(pj(out, "sub")), 0750);
    assert_int_equal(mode_of(pj(out, "sub/keep2")), 0600);
    assert_int_equal(mode_of(out), 0755);
}

/* A hostile old tree: links to the outside, 0000 and 0555 directories,
 * special files, hidden names. */
static void
make_hostile(const char *slot, const char *out)
{
    assert_int_equal(symlink(out, pj(slot, "out")), 0);
    assert_int_equal(symlink(pj(out, "keep"), pj(slot, "outf")), 0);
    assert_int_equal(symlink(pj(out, "nothing"), pj(slot, "dangling")), 0);
    assert_int_equal(mkdir(pj(slot, "locked"), 0755), 0);
    write_file(pj(slot, "locked/f"), "f", 0000);
    assert_int_equal(mkdir(pj(slot, "locked/inner"), 0755), 0);
    write_file(pj(slot, "locked/inner/g"), "g", 0644);
    assert_int_equal(symlink(out, pj(slot, "locked/inner/out")), 0);
    assert_int_equal(chmod(pj(slot, "locked/inner"), 0000), 0);
    assert_int_equal(chmod(pj(slot, "locked"), 0000), 0);
    assert_int_equal(mkdir(pj(slot, "ro"), 0755), 0);
    write_file(pj(slot, "ro/h"), "h", 0444);
    assert_int_equal(mkdir(pj(slot, "ro/empty"), 0755), 0);
    assert_int_equal(chmod(pj(slot, "ro"), 0555), 0);
    assert_int_equal(mkdir(pj(slot, "wx"), 0755), 0);
    write_file(pj(slot, "wx/i"), "i", 0644);
    assert_int_equal(chmod(pj(slot, "wx"), 0300), 0); /* not listable */
    assert_int_equal(mkfifo(pj(slot, "fifo"), 0600), 0);
    write_file(pj(slot, ".hidden"), ".", 0644);
    assert_int_equal(mkdir(pj(slot, "e"), 0755), 0);
}

static void
test_empty_hostile_tree(void **state)
{
    (void) state;
    const char *slot = fresh("slot"), *out = make_outside();
    make_hostile(slot, out);
    otac_dir *d = open_slot(slot, false);
    assert_int_equal(otac_dir_empty(d), OTA_OK);
    assert_int_equal(count_entries(slot), 0);
    outside_intact(out);
    assert_int_equal(otac_dir_empty(d), OTA_OK); /* empty already: fine */
    /* and the slot is usable afterwards */
    assert_int_equal(put_file(d, "new", 0644, "n", false), OTA_OK);
    otac_dir_close(d);
    assert_int_equal(mode_of(slot), 0755); /* the slot directory itself stays */
}

static void
nobody_empty(const char *slot)
{
    otac_dir *d = NULL;
    CHILD_CHECK(otac_dir_open(slot, NULL, &d) == OTA_OK);
    ota_err rc = otac_dir_empty(d);
    if (rc != OTA_OK)
        fprintf(stderr, "unprivileged empty: %s (%s)\n", ota_strerror(rc), otac_dir_error(d));
    CHILD_CHECK(rc == OTA_OK);
    otac_dir_close(d);
    DIR *dir = opendir(slot);
    CHILD_CHECK(dir != NULL);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(dir)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dir);
    CHILD_CHECK(n == 0);
}

/* Without root's DAC override, a 0000 or 0555 directory can only be emptied
 * after fixing its mode: this is where that fix is visible. */
static void
test_empty_unprivileged(void **state)
{
    (void) state;
    if (geteuid() != 0) {
        fprintf(stderr, "SKIPPED: needs root to switch to uid %d\n", NOBODY);
        skip();
    }
    const char *slot = fresh("slot"), *out = make_outside();
    make_hostile(slot, out);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "chown -hR %d:%d '%s'", NOBODY, NOBODY, slot);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(as_nobody(nobody_empty, slot), 0);
    outside_intact(out);
}

typedef struct empty_job {
    otac_dir *d;
    ota_err rc;
} empty_job;

static void *
empty_thread(void *p)
{
    empty_job *j = p;
    j->rc = otac_dir_empty(j->d);
    return NULL;
}

#define DEEP 3000

/* DEEP nested directories (the path is ~2 x PATH_MAX), some 0000, links to
 * the outside on the way; emptied on a 256 KiB stack with 16 spare
 * descriptors. */
static void
test_empty_deep_tree(void **state)
{
    (void) state;
    const char *slot = fresh("slot"), *out = make_outside();
    int fd = open(slot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    for (int i = 0; i < DEEP; i++) {
        assert_int_equal(mkdirat(fd, "d", 0755), 0);
        if (i % 250 == 0) {
            int f = openat(fd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            assert_true(f >= 0);
            close(f);
            assert_int_equal(symlinkat(out, fd, "out"), 0);
        }
        int nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(nfd >= 0);
        if (i % 700 == 3)
            assert_int_equal(fchmod(fd, 0000), 0);
        close(fd);
        fd = nfd;
    }
    assert_int_equal(symlinkat(out, fd, "bottom-out"), 0);
    close(fd);

    otac_dir *d = open_slot(slot, false);
    /* few descriptors: one per level would run out */
    int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(probe >= 0);
    close(probe);
    struct rlimit old, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t) probe + 16;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    /* a small stack: recursion on the depth would overflow it */
    pthread_attr_t attr;
    pthread_t th;
    empty_job j = {d, OTA_E_IO};
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
    int pe = pthread_create(&th, &attr, empty_thread, &j);
    if (pe == 0)
        pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(pe, 0);
    if (j.rc != OTA_OK)
        fprintf(stderr, "empty: %s\n", otac_dir_error(d));
    assert_int_equal(j.rc, OTA_OK);
    otac_dir_close(d);
    assert_int_equal(count_entries(slot), 0);
    outside_intact(out);
}

/* A file system mounted inside the slot is left alone. */
static void
test_empty_stays_on_its_file_system(void **state)
{
    (void) state;
    const char *slot = fresh("slot");
    assert_int_equal(mkdir(pj(slot, "a"), 0755), 0);
    assert_int_equal(mkdir(pj(slot, "a/mnt"), 0755), 0);
    if (!try_mount(pj(slot, "a/mnt"), "64k"))
        skip();
    write_file(pj(slot, "a/mnt/other-fs"), "other", 0644);
    otac_dir *d = open_slot(slot, false);
    assert_int_equal(otac_dir_empty(d), OTA_E_UNSAFE);
    assert_non_null(strstr(otac_dir_error(d), "a"));
    assert_true(content_is(pj(slot, "a/mnt/other-fs"), "other"));
    otac_dir_close(d);
    unmount_all();
}

/* ---- dir: the reader's output, end to end ---------------------------------------------- */

typedef struct xsink {
    otac_dir *d;
} xsink;

static ota_err
xs_entry(void *u, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    (void) c;
    return otac_dir_entry_begin(((xsink *) u)->d, e, false);
}
static ota_err
xs_data(void *u, const uint8_t *b, size_t n)
{
    return otac_dir_entry_data(((xsink *) u)->d, b, n);
}
static ota_err
xs_end(void *u)
{
    return otac_dir_entry_end(((xsink *) u)->d);
}

typedef struct msrc {
    const uint8_t *p;
    size_t len, pos;
} msrc;

static ota_err
m_read(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    msrc *m = user;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    *got = n;
    return OTA_OK;
}

/* Build a bundle from the given tree/image into memory. */
static uint8_t *
build_bundle(const char *tree, const char *image, size_t *len)
{
    const char *hw[] = {"hw"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg,
                                    .name = "slot-test",
                                    .version = "1.0.0",
                                    .hardware = hw,
                                    .nhardware = 1,
                                    .mtime = T0,
                                    .chunk_size = 64 * 1024,
                                    .jobs = 1,
                                    .tmp_dir = base};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    if (tree != NULL)
        assert_int_equal(ota_bundle_writer_add_tree(w, "rootfs", tree, false), OTA_OK);
    if (image != NULL)
        assert_int_equal(ota_bundle_writer_add_image(w, "kernel", image), OTA_OK);
    int fd = memfd_create("bundle", MFD_CLOEXEC);
    assert_true(fd >= 0);
    uint64_t total = 0;
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, NULL, NULL), OTA_OK);
    ota_bundle_writer_free(w);
    uint8_t *buf = malloc(total);
    assert_int_equal(pread(fd, buf, total, 0), (ssize_t) total);
    close(fd);
    *len = total;
    return buf;
}

static void
test_reader_into_dir_slot(void **state)
{
    (void) state;
    const char *tree = fresh("tree");
    assert_int_equal(mkdir(pj(tree, "etc"), 0755), 0);
    write_file(pj(tree, "etc/version"), "3.0.0\n", 0644);
    assert_int_equal(mkdir(pj(tree, "usr"), 0755), 0);
    assert_int_equal(mkdir(pj(tree, "usr/bin"), 0755), 0);
    write_file(pj(tree, "usr/bin/app"), "#!/bin/sh\n", 0755);
    write_file(pj(tree, "usr/bin/su"), "suid", 04755);
    assert_int_equal(symlink("../etc/version", pj(tree, "usr/version")), 0);
    size_t len = 0;
    uint8_t *b = build_bundle(tree, NULL, &len);

    const char *slot = fresh("slot");
    xsink xs = {open_slot(slot, false)};
    ota_bundle_sink sink = {.user = &xs, .entry_begin = xs_entry, .entry_data = xs_data,
                            .entry_end = xs_end};
    msrc m = {b, len, 0};
    ota_bundle_reader_config cfg = {.size = sizeof cfg, .read = m_read, .read_user = &m,
                                    .sink = &sink};
    ota_bundle_reader *r = NULL;
    assert_int_equal(ota_bundle_reader_new(&cfg, &r), OTA_OK);
    assert_int_equal(ota_bundle_reader_run(r), OTA_OK);
    ota_bundle_reader_free(r);
    assert_int_equal(otac_dir_sync(xs.d), OTA_OK);
    otac_dir_close(xs.d);
    free(b);

    assert_true(content_is(pj(slot, "etc/version"), "3.0.0\n"));
    assert_true(content_is(pj(slot, "usr/bin/app"), "#!/bin/sh\n"));
    assert_int_equal(mode_of(pj(slot, "usr/bin/app")), 0755);
    assert_int_equal(mode_of(pj(slot, "usr/bin/su")), 0755); /* setuid dropped */
    char t[64] = {0};
    assert_int_equal(readlink(pj(slot, "usr/version"), t, sizeof t - 1), 14);
    assert_string_equal(t, "../etc/version");
    assert_int_equal(mtime_of(pj(slot, "usr")), T0);
    assert_int_equal(mtime_of(pj(slot, "usr/bin")), T0);
    assert_int_equal(mtime_of(pj(slot, "etc")), T0);
}

/* ---- raw ------------------------------------------------------------------------- */

#define RAW_CHUNK (64u * 1024u)
#define RAW_LEN (3 * RAW_CHUNK + 12345)

static uint8_t *raw_img;
static ota_bundle_head *raw_head;

/* A bundle with one image component of RAW_LEN pseudo-random (seeded,
 * incompressible) bytes: its head. */
static const ota_bundle_component *
raw_fixture(void)
{
    if (raw_head == NULL) {
        raw_img = malloc(RAW_LEN);
        uint64_t rng = 889;
        tu_rand_fill(&rng, raw_img, RAW_LEN);
        const char *src = pj(fresh("img"), "kernel.img");
        int fd = open(src, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, raw_img, RAW_LEN), RAW_LEN);
        close(fd);
        size_t len = 0;
        uint8_t *b = build_bundle(NULL, src, &len);
        const char *bp = pj(base, "raw.otab");
        fd = open(bp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_int_equal(write(fd, b, len), (ssize_t) len);
        close(fd);
        free(b);
        assert_int_equal(ota_bundle_head_read_file(bp, &raw_head), OTA_OK);
    }
    assert_int_equal(raw_head->manifest->ncomponents, 1);
    return &raw_head->manifest->components[0];
}

/* Write the image chunk by chunk, last chunk first (offsets, not order). */
static void
raw_write_all(otac_raw *r)
{
    for (int i = 3; i >= 0; i--) {
        size_t off = (size_t) i * RAW_CHUNK;
        size_t n = RAW_LEN - off < RAW_CHUNK ? RAW_LEN - off : RAW_CHUNK;
        assert_int_equal(otac_raw_write(r, off, raw_img + off, n), OTA_OK);
    }
}

static void
flip_byte(const char *path, off_t off)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= 0x01;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

static void
test_raw_file_write_verify(void **state)
{
    (void) state;
    const ota_bundle_component *c = raw_fixture();
    uint8_t *scratch = malloc(raw_head->header.chunk_size);
    const char *path = pj(fresh("raw"), "slot.img");
    otac_raw *r = NULL;
    assert_int_equal(otac_raw_open(path, false, &r), OTA_E_NOT_FOUND);
    assert_int_equal(otac_raw_open(path, true, &r), OTA_OK);
    assert_int_equal(mode_of(path), 0600);
    raw_write_all(r);
    assert_int_equal(otac_raw_sync(r), OTA_OK);
    assert_int_equal(otac_raw_finish(r, c->size), OTA_OK);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_OK);
    otac_raw_close(r);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, RAW_LEN);

    /* one flipped byte in the third chunk: found, and where */
    flip_byte(path, 2 * RAW_CHUNK + 77);
    assert_int_equal(otac_raw_open(path, false, &r), OTA_OK);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_E_HASH);
    assert_non_null(strstr(otac_raw_error(r), "offset 131072"));
    /* rewriting that chunk repairs it */
    assert_int_equal(otac_raw_write(r, 2 * RAW_CHUNK, raw_img + 2 * RAW_CHUNK, RAW_CHUNK),
                     OTA_OK);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_OK);
    otac_raw_close(r);

    /* the last (short) chunk's last byte */
    flip_byte(path, RAW_LEN - 1);
    assert_int_equal(otac_raw_open(path, false, &r), OTA_OK);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_E_HASH);
    otac_raw_close(r);

    /* an old, longer image in the slot: finish truncates it */
    write_file(path, "", 0600);
    assert_int_equal(truncate(path, 4 * 1024 * 1024), 0);
    assert_int_equal(otac_raw_open(path, false, &r), OTA_OK);
    raw_write_all(r);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_E_LENGTH); /* not finished */
    assert_int_equal(otac_raw_finish(r, c->size), OTA_OK);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_OK);
    otac_raw_close(r);

    /* a short image */
    assert_int_equal(truncate(path, RAW_LEN - 100), 0);
    assert_int_equal(otac_raw_open(path, false, &r), OTA_OK);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_E_HASH);
    assert_non_null(strstr(otac_raw_error(r), "offset"));
    otac_raw_close(r);
    free(scratch);
}

static void
test_raw_open_refuses(void **state)
{
    (void) state;
    const char *dir = fresh("raw");
    write_file(pj(dir, "target"), "precious", 0644);
    assert_int_equal(symlink(pj(dir, "target"), pj(dir, "link")), 0);
    assert_int_equal(symlink(pj(dir, "nothing"), pj(dir, "dangling")), 0);
    assert_int_equal(mkfifo(pj(dir, "fifo"), 0600), 0);
    otac_raw *r = NULL;
    assert_int_equal(otac_raw_open(pj(dir, "link"), false, &r), OTA_E_UNSAFE);
    assert_int_equal(otac_raw_open(pj(dir, "link"), true, &r), OTA_E_UNSAFE);
    assert_int_equal(otac_raw_open(pj(dir, "dangling"), true, &r), OTA_E_UNSAFE);
    assert_int_equal(access(pj(dir, "nothing"), F_OK), -1);
    assert_int_equal(otac_raw_open(pj(dir, "fifo"), false, &r), OTA_E_UNSAFE); /* no hang */
    assert_int_equal(otac_raw_open(dir, false, &r), OTA_E_UNSAFE);
    assert_int_equal(otac_raw_open("/dev/null", false, &r), OTA_E_UNSAFE);
    assert_null(r);
    assert_true(content_is(pj(dir, "target"), "precious"));
}

/* otac_raw_create (verify-bundle --extract): only a new file is ever
 * opened; whatever is at the name is OTA_E_EXISTS and left as it was. */
static void
test_raw_create_new_only(void **state)
{
    (void) state;
    const char *dir = fresh("rawnew"), *out = fresh("outside");
    write_file(pj(out, "precious"), "precious", 0600);
    assert_int_equal(link(pj(out, "precious"), pj(dir, "hard.img")), 0);
    assert_int_equal(mkfifo(pj(dir, "fifo.img"), 0600), 0);
    assert_int_equal(symlink(pj(out, "precious"), pj(dir, "link.img")), 0);
    assert_int_equal(symlink(pj(out, "nothing"), pj(dir, "dangling.img")), 0);
    write_file(pj(dir, "old.img"), "old", 0644);
    assert_int_equal(mkdir(pj(dir, "dir.img"), 0755), 0);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dfd >= 0);
    otac_raw *r = NULL;
    const char *names[] = {"hard.img", "fifo.img", "link.img", "dangling.img", "old.img",
                           "dir.img"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        assert_int_equal(otac_raw_create(dfd, names[i], names[i], 0644, &r), OTA_E_EXISTS);
    assert_null(r);
    assert_true(content_is(pj(out, "precious"), "precious"));
    assert_int_equal(mode_of(pj(out, "precious")), 0600);
    assert_int_equal(access(pj(out, "nothing"), F_OK), -1);
    assert_true(content_is(pj(dir, "old.img"), "old"));

    /* a new name: created (mode less the umask), written, finished */
    mode_t um = umask(022);
    assert_int_equal(otac_raw_create(dfd, "new.img", "x/new.img", 0666, &r), OTA_OK);
    umask(um);
    assert_int_equal(otac_raw_write(r, 0, (const uint8_t *) "abc", 3), OTA_OK);
    assert_int_equal(otac_raw_finish(r, 3), OTA_OK);
    otac_raw_close(r);
    assert_true(content_is(pj(dir, "new.img"), "abc"));
    assert_int_equal(mode_of(pj(dir, "new.img")), 0644);
    /* and only once */
    r = NULL;
    assert_int_equal(otac_raw_create(dfd, "new.img", "new.img", 0644, &r), OTA_E_EXISTS);
    assert_null(r);
    close(dfd);
}

/* A loop device (auto-cleared when the last descriptor closes) over a
 * file of `size` bytes; its path in dev. -1 if loop devices are not
 * available here. */
static int
loop_attach(const char *backing, char dev[64])
{
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        return -1;
    int bfd = open(backing, O_RDWR | O_CLOEXEC);
    assert_true(bfd >= 0);
    int lfd = -1;
    for (int attempt = 0; attempt < 5 && lfd < 0; attempt++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0)
            break;
        snprintf(dev, 64, "/dev/loop%d", n);
        lfd = open(dev, O_RDWR | O_CLOEXEC);
        if (lfd < 0)
            continue;
        struct loop_config lc;
        memset(&lc, 0, sizeof lc);
        lc.fd = (uint32_t) bfd;
        lc.info.lo_flags = LO_FLAGS_AUTOCLEAR;
        if (ioctl(lfd, LOOP_CONFIGURE, &lc) != 0) {
            close(lfd);
            lfd = -1;
        }
    }
    close(bfd);
    close(ctl);
    return lfd;
}

static void
test_raw_block_device(void **state)
{
    (void) state;
    const ota_bundle_component *c = raw_fixture();
    const char *backing = pj(fresh("blk"), "backing");
    write_file(backing, "", 0600);
    assert_int_equal(truncate(backing, 1024 * 1024), 0);
    char dev[64];
    int lfd = loop_attach(backing, dev);
    if (lfd < 0) {
        fprintf(stderr, "SKIPPED: no loop device available (%s); the block-device case did "
                        "not run\n", strerror(errno));
        skip();
    }
    uint8_t *scratch = malloc(raw_head->header.chunk_size);
    otac_raw *r = NULL;
    assert_int_equal(otac_raw_open(dev, false, &r), OTA_OK);
    raw_write_all(r);
    assert_int_equal(otac_raw_finish(r, c->size), OTA_OK);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_OK);
    /* an image larger than the device */
    assert_int_equal(otac_raw_finish(r, 2 * 1024 * 1024), OTA_E_NOSPACE);
    assert_int_equal(otac_raw_write(r, 1024 * 1024 - 10, raw_img, 100), OTA_E_NOSPACE);
    /* corruption under the page cache is seen: verify reads the device */
    int bfd = open(backing, O_RDWR | O_CLOEXEC);
    assert_true(bfd >= 0);
    uint8_t x = (uint8_t) (raw_img[5] ^ 0xff);
    assert_int_equal(pwrite(bfd, &x, 1, 5), 1);
    assert_int_equal(fsync(bfd), 0);
    close(bfd);
    assert_int_equal(otac_raw_verify(r, raw_head, c, scratch), OTA_E_HASH);
    assert_non_null(strstr(otac_raw_error(r), "offset 0"));
    otac_raw_close(r);
    close(lfd);
    free(scratch);
}

/* ---- no space ---------------------------------------------------------------------- */

static void
test_no_space(void **state)
{
    (void) state;
    const char *mnt = fresh("small");
    if (!try_mount(mnt, "64k"))
        skip();
    static uint8_t block[64 * 1024];
    memset(block, 'x', sizeof block);
    otac_dir *d = open_slot(mnt, false);
    ota_bundle_entry e = ent("big", OTA_BUNDLE_FILE, 0644, T0);
    e.size = 16 * sizeof block;
    assert_int_equal(otac_dir_entry_begin(d, &e, false), OTA_OK);
    ota_err rc = OTA_OK;
    for (int i = 0; i < 16 && rc == OTA_OK; i++)
        rc = otac_dir_entry_data(d, block, sizeof block);
    assert_int_equal(rc, OTA_E_NOSPACE);
    assert_non_null(strstr(otac_dir_error(d), "big"));
    assert_non_null(strstr(otac_dir_error(d), strerror(ENOSPC)));
    otac_dir_close(d);
    assert_int_equal(unlink(pj(mnt, "big")), 0);

    otac_raw *r = NULL;
    assert_int_equal(otac_raw_open(pj(mnt, "img"), true, &r), OTA_OK);
    rc = OTA_OK;
    for (int i = 0; i < 16 && rc == OTA_OK; i++)
        rc = otac_raw_write(r, (uint64_t) i * sizeof block, block, sizeof block);
    assert_int_equal(rc, OTA_E_NOSPACE);
    assert_non_null(strstr(otac_raw_error(r), strerror(ENOSPC)));
    otac_raw_close(r);
    unmount_all();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parent_link_refused),
        cmocka_unit_test(test_link_at_directory_path),
        cmocka_unit_test(test_link_at_file_path),
        cmocka_unit_test(test_open_require_empty),
        cmocka_unit_test(test_setuid_bits),
        cmocka_unit_test(test_modes_owner_times),
        cmocka_unit_test(test_unprivileged_directory_modes),
        cmocka_unit_test(test_empty_hostile_tree),
        cmocka_unit_test(test_empty_unprivileged),
        cmocka_unit_test(test_empty_deep_tree),
        cmocka_unit_test(test_empty_stays_on_its_file_system),
        cmocka_unit_test(test_reader_into_dir_slot),
        cmocka_unit_test(test_raw_file_write_verify),
        cmocka_unit_test(test_raw_open_refuses),
        cmocka_unit_test(test_raw_create_new_only),
        cmocka_unit_test(test_raw_block_device),
        cmocka_unit_test(test_no_space),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    ota_bundle_head_free(raw_head);
    free(raw_img);
    return failed;
}
