/* SPDX-License-Identifier: Apache-2.0 */
/* ota_atomic.c — atomic file replacement (see ota_atomic.h). */
#include "ota_atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PERM_BITS 07777u

ota_err
ota_errno_err(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT: return OTA_E_NOSPACE;
    case ENOENT:
    case ENOTDIR: return OTA_E_NOT_FOUND;
    case EEXIST: return OTA_E_EXISTS;
    case ENOMEM: return OTA_E_NOMEM;
    default: return OTA_E_IO;
    }
}

static bool
flat(const char *name)
{
    return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* A path-based write opens its directory only while it needs it. */
static bool
open_dir(ota_atomic *a)
{
    if (a->dfd < 0 && a->dir != NULL)
        a->dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return a->dfd >= 0;
}

static void
close_dir(ota_atomic *a)
{
    if (a->dir == NULL)
        return; /* borrowed */
    if (a->dfd >= 0)
        close(a->dfd);
    a->dfd = -1;
}

/* Create the temporary in a->dfd (or a->dir): O_EXCL|O_NOFOLLOW, so a name
 * that exists, symlink or not, is skipped and never opened. */
static ota_err
create_temp(ota_atomic *a, unsigned mode)
{
    ota_err rc = OTA_E_ARG;
    if ((mode & ~(PERM_BITS | OTA_ATOMIC_UMASK)) != 0)
        goto out;
    rc = OTA_E_IO;
    if (!open_dir(a))
        goto out;
    mode_t perm = (mode_t) (mode & PERM_BITS);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(a->tmp, sizeof a->tmp, OTA_ATOMIC_PREFIX "%08" PRIx32, randombytes_random());
        a->fd = openat(a->dfd, a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       perm);
        if (a->fd >= 0 || errno != EEXIST)
            break;
    }
    if (a->fd < 0) {
        a->tmp[0] = '\0';
        /* a missing directory or 100 taken names: an I/O error here */
        rc = ota_errno_err(errno);
        rc = rc == OTA_E_NOT_FOUND || rc == OTA_E_EXISTS ? OTA_E_IO : rc;
        goto out;
    }
    if ((mode & OTA_ATOMIC_UMASK) == 0 && fchmod(a->fd, perm) != 0) {
        rc = ota_errno_err(errno);
        goto out;
    }
    rc = OTA_OK;
out:
    if (rc != OTA_OK)
        ota_atomic_abort(a);
    return rc;
}

ota_err
ota_atomic_begin(ota_atomic *a, int dfd, unsigned mode)
{
    a->dfd = dfd;
    a->fd = -1;
    a->dir = NULL;
    a->tmp[0] = '\0';
    return create_temp(a, mode);
}

ota_err
ota_atomic_begin_path(ota_atomic *a, const char *path, unsigned mode)
{
    const char *slash = strrchr(path, '/');
    a->dfd = -1;
    a->fd = -1;
    a->tmp[0] = '\0';
    /* the directory: "." for a bare name, "/" for "/name" */
    if (slash == NULL)
        a->dir = strdup(".");
    else
        a->dir = strndup(path, slash == path ? 1 : (size_t) (slash - path));
    if (a->dir == NULL)
        return OTA_E_NOMEM;
    return create_temp(a, mode);
}

int
ota_atomic_fd(const ota_atomic *a)
{
    return a->fd;
}

ota_err
ota_atomic_write(ota_atomic *a, const void *buf, size_t len)
{
    return a->fd < 0 ? OTA_E_ARG : ota_write_all(a->fd, buf, len);
}

ota_err
ota_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? ota_errno_err(errno) : OTA_E_IO;
        p += w;
        len -= (size_t) w;
    }
    return OTA_OK;
}

static ota_err
close_temp(ota_atomic *a, bool sync)
{
    if (a->tmp[0] == '\0')
        return OTA_E_ARG; /* never begun, or committed or aborted already */
    if (a->fd < 0)
        return OTA_OK; /* finished already */
    int fd = a->fd;
    a->fd = -1;
    int r = sync ? fsync(fd) : 0, e = errno;
    if (close(fd) != 0 && r == 0) { /* close reports delayed write errors (NFS) */
        r = -1;
        e = errno;
    }
    if (r != 0) {
        errno = e;
        ota_atomic_abort(a);
        return ota_errno_err(e);
    }
    close_dir(a);
    return OTA_OK;
}

ota_err
ota_atomic_finish(ota_atomic *a)
{
    return close_temp(a, true);
}

ota_err
ota_atomic_close_unsynced(ota_atomic *a)
{
    return close_temp(a, false);
}

static ota_err
commit(ota_atomic *a, const char *name, bool exclusive, bool sync_dir)
{
    ota_err rc = OTA_E_ARG;
    if (!flat(name) || a->tmp[0] == '\0')
        goto out;
    if ((rc = ota_atomic_finish(a)) != OTA_OK)
        return rc; /* aborted */
    rc = OTA_E_IO;
    if (!open_dir(a))
        goto out;
    if (exclusive ? linkat(a->dfd, a->tmp, a->dfd, name, 0) != 0
                  : renameat(a->dfd, a->tmp, a->dfd, name) != 0) {
        rc = ota_errno_err(errno);
        rc = rc == OTA_E_NOT_FOUND ? OTA_E_IO : rc;
        goto out;
    }
    if (exclusive)
        (void) unlinkat(a->dfd, a->tmp, 0);
    a->tmp[0] = '\0';
    rc = !sync_dir || fsync(a->dfd) == 0 ? OTA_OK : OTA_E_IO;
out:
    ota_atomic_abort(a); /* the temporary after a failure; the directory */
    return rc;
}

ota_err
ota_atomic_commit(ota_atomic *a, const char *name, bool exclusive)
{
    return commit(a, name, exclusive, true);
}

ota_err
ota_atomic_commit_unsynced(ota_atomic *a, const char *name)
{
    return commit(a, name, false, false);
}

void
ota_atomic_abort(ota_atomic *a)
{
    int e = errno;
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->tmp[0] != '\0' && open_dir(a))
        (void) unlinkat(a->dfd, a->tmp, 0);
    a->tmp[0] = '\0';
    close_dir(a);
    free(a->dir);
    a->dir = NULL;
    errno = e;
}

/* After a begin that returned rc: write buf[len] and commit it as name. */
static ota_err
write_commit(ota_atomic *a, ota_err rc, const char *name, const void *buf, size_t len,
             bool exclusive)
{
    if (rc == OTA_OK && (rc = ota_atomic_write(a, buf, len)) == OTA_OK)
        return ota_atomic_commit(a, name, exclusive);
    ota_atomic_abort(a);
    return rc;
}

ota_err
ota_atomic_replace(int dfd, const char *name, const void *buf, size_t len, unsigned mode)
{
    ota_atomic a;
    if (!flat(name))
        return OTA_E_ARG;
    return write_commit(&a, ota_atomic_begin(&a, dfd, mode), name, buf, len, false);
}

static ota_err
write_path(const char *path, const void *buf, size_t len, unsigned mode, bool exclusive)
{
    ota_atomic a;
    const char *name = strrchr(path, '/');
    name = name != NULL ? name + 1 : path;
    if (!flat(name))
        return OTA_E_ARG;
    return write_commit(&a, ota_atomic_begin_path(&a, path, mode), name, buf, len, exclusive);
}

ota_err
ota_atomic_replace_path(const char *path, const void *buf, size_t len, unsigned mode)
{
    return write_path(path, buf, len, mode, false);
}

ota_err
ota_atomic_create_path(const char *path, const void *buf, size_t len, unsigned mode)
{
    return write_path(path, buf, len, mode, true);
}

ota_err
ota_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ota_errno_err(errno);
    int r = fsync(fd);
    close(fd);
    return r == 0 ? OTA_OK : OTA_E_IO;
}

bool
ota_atomic_is_temp(const char *name)
{
    return strncmp(name, OTA_ATOMIC_PREFIX, sizeof OTA_ATOMIC_PREFIX - 1) == 0;
}
