/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsutil.c — ota-sign's file-system helpers: path joins; staging files
 * (written and hashed through formats/ota_atomic.h, committed together or
 * not at all); regular-file checks on inputs; removing a tree without
 * following links.
 */
#define _GNU_SOURCE /* syncfs */
#include "fsutil.h"
#include "ota_hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_CHUNK 65536u


char *
fs_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, a, na);
    s[na] = '/';
    memcpy(s + na + 1, b, nb + 1);
    return s;
}

/* The temporary is hidden and in the final path's directory, so the rename
 * is atomic and a server never serves a half-written file (it refuses
 * hidden names). */
static ota_err
stage_begin(fs_pending *p, const char *path, mode_t mode)
{
    *p = (fs_pending) {.a = OTA_ATOMIC_INIT, .path = strdup(path)};
    if (p->path == NULL)
        return OTA_E_NOMEM;
    ota_err rc = ota_atomic_begin_path(&p->a, path, (unsigned) mode);
    struct stat st;
    if (rc == OTA_OK)
        rc = fstat(ota_atomic_fd(&p->a), &st) == 0 ? OTA_OK : ota_errno_err(errno);
    if (rc == OTA_OK)
        p->dev = st.st_dev;
    else
        fs_abort(p);
    return rc;
}

/* After the writes: fsync (or not: see fs_stage_copy) and close, so that
 * nothing stays open until the commit. */
static ota_err
stage_end(fs_pending *p, ota_err rc, bool sync)
{
    if (rc == OTA_OK)
        rc = sync ? ota_atomic_finish(&p->a) : ota_atomic_close_unsynced(&p->a);
    if (rc == OTA_OK)
        p->unsynced = !sync;
    else
        fs_abort(p);
    return rc;
}

ota_err
fs_stage(fs_pending *p, const char *path, const void *data, size_t len, mode_t mode)
{
    ota_err rc = stage_begin(p, path, mode);
    if (rc != OTA_OK)
        return rc;
    return stage_end(p, ota_atomic_write(&p->a, data, len), true);
}

typedef struct hasher {
    ota_hash s256;
    ota_hash s512;
    bool with512;
    uint64_t length;
} hasher;

static ota_err
copy_and_hash(int in, ota_atomic *out, hasher *h)
{
    uint8_t *buf = malloc(IO_CHUNK);
    if (buf == NULL)
        return OTA_E_NOMEM;
    ota_err rc = OTA_OK;
    for (;;) {
        ssize_t n = read(in, buf, IO_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = OTA_E_IO;
            break;
        }
        if (n == 0)
            break;
        ota_hash_update(&h->s256, buf, (size_t) n);
        if (h->with512)
            ota_hash_update(&h->s512, buf, (size_t) n);
        h->length += (uint64_t) n;
        if (out != NULL && (rc = ota_atomic_write(out, buf, (size_t) n)) != OTA_OK)
            break;
    }
    free(buf);
    return rc;
}

/* Hash what in holds, copying it to out (NULL: hash only). */
static ota_err
hash_fd(int in, ota_atomic *out, uint64_t *length, uint8_t sha256[32], uint8_t sha512[64])
{
    hasher h = {.length = 0, .with512 = sha512 != NULL};
    ota_err rc = ota_hash_init(&h.s256, OTA_HASH_SHA256);
    if (rc == OTA_OK && h.with512)
        rc = ota_hash_init(&h.s512, OTA_HASH_SHA512);
    if (rc == OTA_OK)
        rc = copy_and_hash(in, out, &h);
    if (rc == OTA_OK)
        rc = ota_hash_final(&h.s256, sha256);
    if (rc == OTA_OK && h.with512)
        rc = ota_hash_final(&h.s512, sha512);
    ota_hash_free(&h.s256);
    if (h.with512)
        ota_hash_free(&h.s512);
    if (rc == OTA_OK)
        *length = h.length;
    return rc;
}

/* Open path for reading if it is a regular file. */
static ota_err
open_regular(const char *path, int *fd)
{
    /* O_NONBLOCK: a fifo must not block the open (the lock is held) */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return ota_errno_err(errno);
    struct stat st;
    if (fstat(*fd, &st) == 0 && S_ISREG(st.st_mode) &&
        fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK) == 0)
        return OTA_OK;
    close(*fd);
    *fd = -1;
    return OTA_E_IO;
}

ota_err
fs_hash_file(const char *path, uint64_t *length, uint8_t sha256[32], uint8_t sha512[64])
{
    int fd;
    ota_err rc = open_regular(path, &fd);
    if (rc != OTA_OK)
        return rc;
    rc = hash_fd(fd, NULL, length, sha256, sha512);
    close(fd);
    return rc;
}

ota_err
fs_stage_copy(fs_pending *p, const char *path, const char *src, uint64_t *length,
              uint8_t sha256[32], uint8_t sha512[64], bool sync)
{
    int in;
    *p = (fs_pending) {.a = OTA_ATOMIC_INIT, .path = NULL};
    ota_err rc = open_regular(src, &in);
    if (rc != OTA_OK)
        return rc;
    if ((rc = stage_begin(p, path, 0644)) == OTA_OK)
        rc = stage_end(p, hash_fd(in, &p->a, length, sha256, sha512), sync);
    close(in);
    return rc;
}

ota_err
fs_move_pending(fs_pending *p, const char *dst)
{
    const char *slash = p->path ? strrchr(p->path, '/') : NULL;
    if (slash == NULL || p->a.tmp[0] == '\0') {
        fs_abort(p);
        return OTA_E_ARG;
    }
    ota_err rc = fs_sync_pending(p, 1);
    if (rc == OTA_OK)
        rc = ota_atomic_finish(&p->a);
    size_t dl = (size_t) (slash - p->path);
    char *dir = rc == OTA_OK ? strndup(p->path, dl) : NULL;
    char *tmp = dir ? fs_join(dir, p->a.tmp) : NULL;
    if (rc == OTA_OK && tmp == NULL)
        rc = OTA_E_NOMEM;
    if (rc == OTA_OK && rename(tmp, dst) == 0) {
        p->a.tmp[0] = '\0'; /* moved: nothing to remove */
        char *ddir = strdup(dst);
        char *ds = ddir ? strrchr(ddir, '/') : NULL;
        if (ds != NULL)
            *ds = '\0';
        rc = ddir == NULL ? OTA_E_NOMEM : ota_fsync_dir(ds ? ddir : ".");
        free(ddir);
    } else if (rc == OTA_OK && errno == EXDEV) {
        fs_pending copy;
        uint64_t len;
        uint8_t h256[32];
        if ((rc = fs_stage_copy(&copy, dst, tmp, &len, h256, NULL, true)) == OTA_OK)
            rc = fs_commit(&copy);
    } else if (rc == OTA_OK)
        rc = ota_errno_err(errno);
    free(tmp);
    free(dir);
    fs_abort(p);
    return rc;
}

static void
remove_at(int dfd, const char *name, int depth)
{
    struct stat st;
    if (depth > 64 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        (void) unlinkat(dfd, name, 0);
        return;
    }
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL && fd >= 0)
        close(fd);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            remove_at(fd, e->d_name, depth + 1);
    if (d != NULL)
        closedir(d);
    (void) unlinkat(dfd, name, AT_REMOVEDIR);
}

void
fs_remove_tree(const char *path)
{
    remove_at(AT_FDCWD, path, 0);
}

void
fs_retarget(fs_pending *p, char *path)
{
    free(p->path);
    p->path = path;
}

/* syncfs(2) of the file system holding p's directory (where its temporary
 * is, and its final name). */
static ota_err
sync_fs_of(const fs_pending *p)
{
    const char *slash = strrchr(p->path, '/');
    char *dir = slash == NULL ? strdup(".") : strndup(p->path, (size_t) (slash - p->path) + 1);
    if (dir == NULL)
        return OTA_E_NOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return ota_errno_err(errno);
    int r = syncfs(fd), e = errno;
    close(fd);
    return r == 0 ? OTA_OK : ota_errno_err(e);
}

/* One syncfs per file system among v[0..n) (all, or only the unsynced). */
static ota_err
sync_file_systems(fs_pending *v, size_t n, bool only_unsynced)
{
    dev_t done[16];
    size_t ndone = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].path == NULL || (only_unsynced && !v[i].unsynced))
            continue;
        bool seen = false;
        for (size_t j = 0; j < ndone && !seen; j++)
            seen = done[j] == v[i].dev;
        if (seen)
            continue;
        ota_err rc = sync_fs_of(&v[i]);
        if (rc != OTA_OK)
            return rc;
        if (ndone < sizeof done / sizeof done[0])
            done[ndone++] = v[i].dev; /* (more file systems: synced again, still right) */
    }
    return OTA_OK;
}

ota_err
fs_sync_pending(fs_pending *v, size_t n)
{
    ota_err rc = sync_file_systems(v, n, true);
    for (size_t i = 0; rc == OTA_OK && i < n; i++)
        v[i].unsynced = false;
    return rc;
}

static const char *
base_name(const char *path)
{
    const char *name = strrchr(path, '/');
    return name != NULL ? name + 1 : path;
}

ota_err
fs_commit(fs_pending *p)
{
    if (p->path == NULL)
        return OTA_E_ARG;
    ota_err rc = fs_sync_pending(p, 1);
    if (rc == OTA_OK)
        rc = ota_atomic_commit(&p->a, base_name(p->path), false);
    fs_abort(p);
    return rc;
}

ota_err
fs_commit_all(fs_pending *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].path == NULL)
            return OTA_E_ARG;
    ota_err rc = fs_sync_pending(v, n);
    /* (the committed keep their path and device for the syncfs after) */
    for (size_t i = 0; rc == OTA_OK && i < n; i++)
        rc = ota_atomic_commit_unsynced(&v[i].a, base_name(v[i].path));
    if (rc == OTA_OK)
        rc = sync_file_systems(v, n, false);
    if (rc == OTA_OK)
        for (size_t i = 0; i < n; i++)
            fs_abort(&v[i]);
    return rc;
}

void
fs_abort(fs_pending *p)
{
    ota_atomic_abort(&p->a);
    free(p->path);
    p->path = NULL;
}
