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

ota_err
ota_atomic_begin(ota_atomic *a, int dfd, unsigned mode)
{
    a->dfd = dfd;
    a->fd = -1;
    a->mode = mode;
    a->tmp[0] = '\0';
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(a->tmp, sizeof a->tmp, OTA_ATOMIC_PREFIX "%08" PRIx32, randombytes_random());
        a->fd = openat(dfd, a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       (mode_t) mode);
        if (a->fd >= 0)
            break;
        if (errno != EEXIST)
            break;
    }
    if (a->fd < 0) {
        ota_err rc = ota_errno_err(errno);
        a->tmp[0] = '\0';
        return rc == OTA_E_NOT_FOUND || rc == OTA_E_EXISTS ? OTA_E_IO : rc;
    }
    if (fchmod(a->fd, (mode_t) mode) != 0) {
        int e = errno;
        ota_atomic_abort(a);
        return ota_errno_err(e);
    }
    return OTA_OK;
}

ota_err
ota_atomic_write(ota_atomic *a, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    if (a->fd < 0)
        return OTA_E_ARG;
    while (len > 0) {
        ssize_t w = write(a->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? ota_errno_err(errno) : OTA_E_IO;
        p += w;
        len -= (size_t) w;
    }
    return OTA_OK;
}

ota_err
ota_atomic_commit(ota_atomic *a, const char *name, bool exclusive)
{
    ota_err rc = OTA_E_ARG;
    if (a->fd < 0 || !flat(name))
        goto fail;
    if (fsync(a->fd) != 0) {
        rc = ota_errno_err(errno);
        goto fail;
    }
    int fd = a->fd;
    a->fd = -1;
    if (close(fd) != 0) {
        rc = ota_errno_err(errno);
        goto fail;
    }
    if (exclusive) {
        if (linkat(a->dfd, a->tmp, a->dfd, name, 0) != 0) {
            rc = ota_errno_err(errno);
            goto fail;
        }
        (void) unlinkat(a->dfd, a->tmp, 0);
    } else if (renameat(a->dfd, a->tmp, a->dfd, name) != 0) {
        rc = ota_errno_err(errno);
        goto fail;
    }
    a->tmp[0] = '\0';
    return fsync(a->dfd) == 0 ? OTA_OK : OTA_E_IO;
fail:
    ota_atomic_abort(a);
    return rc;
}

void
ota_atomic_abort(ota_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->tmp[0] != '\0')
        (void) unlinkat(a->dfd, a->tmp, 0);
    a->tmp[0] = '\0';
}

ota_err
ota_atomic_replace(int dfd, const char *name, const void *buf, size_t len, unsigned mode)
{
    ota_atomic a;
    if (!flat(name))
        return OTA_E_ARG;
    ota_err rc = ota_atomic_begin(&a, dfd, mode);
    if (rc != OTA_OK)
        return rc;
    if ((rc = ota_atomic_write(&a, buf, len)) != OTA_OK) {
        ota_atomic_abort(&a);
        return rc;
    }
    return ota_atomic_commit(&a, name, false);
}

ota_err
ota_atomic_replace_path(const char *path, const void *buf, size_t len, unsigned mode)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    int dfd;
    if (slash == NULL) {
        dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        size_t n = slash == path ? 1 : (size_t) (slash - path);
        dir = malloc(n + 1);
        if (dir == NULL)
            return OTA_E_NOMEM;
        memcpy(dir, path, n);
        dir[n] = '\0';
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(dir);
    }
    if (dfd < 0)
        return ota_errno_err(errno);
    ota_err rc = ota_atomic_replace(dfd, slash != NULL ? slash + 1 : path, buf, len, mode);
    close(dfd);
    return rc;
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
