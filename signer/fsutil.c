#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_CHUNK 65536u

static ota_err
errno_err(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR: return OTA_E_NOT_FOUND;
    case EEXIST: return OTA_E_EXISTS;
    case ENOMEM: return OTA_E_NOMEM;
    default: return OTA_E_IO;
    }
}

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

static ota_err
write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return OTA_E_IO; /* ENOSPC, EDQUOT, EFBIG, EIO... */
        p += n;
        len -= (size_t) n;
    }
    return OTA_OK;
}

ota_err
fs_write_new(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return errno_err(errno);
    ota_err rc = write_all(fd, data, len);
    if (rc == OTA_OK && fchmod(fd, mode) != 0) /* umask must not widen or narrow it */
        rc = OTA_E_IO;
    if (rc == OTA_OK && fsync(fd) != 0)
        rc = OTA_E_IO;
    if (close(fd) != 0 && rc == OTA_OK)
        rc = OTA_E_IO;
    if (rc != OTA_OK)
        unlink(path);
    return rc;
}

static ota_err
fsync_dir_of(const char *path)
{
    char *d = strdup(path);
    if (d == NULL)
        return OTA_E_NOMEM;
    char *slash = strrchr(d, '/');
    if (slash == NULL)
        strcpy(d, ".");
    else if (slash == d)
        d[1] = '\0';
    else
        *slash = '\0';
    int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(d);
    if (fd < 0)
        return OTA_E_IO;
    ota_err rc = fsync(fd) == 0 ? OTA_OK : OTA_E_IO;
    close(fd);
    return rc;
}

static int
open_tmp(fs_pending *p, const char *path, mode_t mode)
{
    p->tmp = NULL;
    p->path = strdup(path);
    size_t n = strlen(path) + 32;
    p->tmp = malloc(n);
    if (p->path == NULL || p->tmp == NULL)
        return -1;
    /* hidden temp name in the same directory, so rename is atomic and a
     * server never serves a half-written file (it refuses hidden names) */
    const char *base = strrchr(path, '/');
    size_t dirlen = base ? (size_t) (base - path) + 1 : 0;
    snprintf(p->tmp, n, "%.*s.tmp-%08x-%s", (int) dirlen, path, randombytes_random(),
             base ? base + 1 : path);
    return open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

static ota_err
finish_tmp(fs_pending *p, int fd, ota_err rc, mode_t mode)
{
    if (rc == OTA_OK && fchmod(fd, mode) != 0)
        rc = OTA_E_IO;
    if (rc == OTA_OK && fsync(fd) != 0)
        rc = OTA_E_IO;
    if (close(fd) != 0 && rc == OTA_OK)
        rc = OTA_E_IO;
    if (rc != OTA_OK)
        fs_abort(p);
    return rc;
}

ota_err
fs_stage(fs_pending *p, const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open_tmp(p, path, mode);
    if (fd < 0) {
        ota_err rc = p->tmp ? errno_err(errno) : OTA_E_NOMEM;
        fs_abort(p);
        return rc == OTA_E_NOT_FOUND ? OTA_E_IO : rc;
    }
    return finish_tmp(p, fd, write_all(fd, data, len), mode);
}

typedef struct hasher {
    crypto_hash_sha256_state s256;
    crypto_hash_sha512_state s512;
    uint64_t length;
} hasher;

static ota_err
copy_and_hash(int in, int out, hasher *h)
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
        crypto_hash_sha256_update(&h->s256, buf, (size_t) n);
        crypto_hash_sha512_update(&h->s512, buf, (size_t) n);
        h->length += (uint64_t) n;
        if (out >= 0 && (rc = write_all(out, buf, (size_t) n)) != OTA_OK)
            break;
    }
    free(buf);
    return rc;
}

static ota_err
hash_fd(int in, int out, uint64_t *length, uint8_t sha256[32], uint8_t sha512[64])
{
    hasher h;
    crypto_hash_sha256_init(&h.s256);
    crypto_hash_sha512_init(&h.s512);
    h.length = 0;
    ota_err rc = copy_and_hash(in, out, &h);
    if (rc != OTA_OK)
        return rc;
    crypto_hash_sha256_final(&h.s256, sha256);
    crypto_hash_sha512_final(&h.s512, sha512);
    *length = h.length;
    return OTA_OK;
}

ota_err
fs_hash_file(const char *path, uint64_t *length, uint8_t sha256[32], uint8_t sha512[64])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_err(errno);
    struct stat st;
    ota_err rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? OTA_OK : OTA_E_IO;
    if (rc == OTA_OK)
        rc = hash_fd(fd, -1, length, sha256, sha512);
    close(fd);
    return rc;
}

ota_err
fs_stage_copy(fs_pending *p, const char *path, const char *src, uint64_t *length,
              uint8_t sha256[32], uint8_t sha512[64])
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno_err(errno);
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(in);
        return OTA_E_IO;
    }
    int fd = open_tmp(p, path, 0644);
    if (fd < 0) {
        ota_err rc = p->tmp ? errno_err(errno) : OTA_E_NOMEM;
        close(in);
        fs_abort(p);
        return rc == OTA_E_NOT_FOUND ? OTA_E_IO : rc;
    }
    ota_err rc = hash_fd(in, fd, length, sha256, sha512);
    close(in);
    return finish_tmp(p, fd, rc, 0644);
}

void
fs_retarget(fs_pending *p, char *path)
{
    free(p->path);
    p->path = path;
}

ota_err
fs_commit(fs_pending *p)
{
    if (p->tmp == NULL)
        return OTA_E_ARG;
    if (rename(p->tmp, p->path) != 0) {
        ota_err rc = errno_err(errno);
        fs_abort(p);
        return rc == OTA_E_NOT_FOUND ? OTA_E_IO : rc;
    }
    ota_err rc = fsync_dir_of(p->path);
    free(p->tmp);
    free(p->path);
    p->tmp = p->path = NULL;
    return rc;
}

void
fs_abort(fs_pending *p)
{
    if (p->tmp != NULL)
        unlink(p->tmp);
    free(p->tmp);
    free(p->path);
    p->tmp = p->path = NULL;
}

ota_err
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    fs_pending p = {0};
    ota_err rc = fs_stage(&p, path, data, len, mode);
    if (rc == OTA_OK)
        rc = fs_commit(&p);
    return rc;
}
