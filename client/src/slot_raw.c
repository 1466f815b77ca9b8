/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slot_raw.c — the `raw` slot writer (see slot.h): image bytes written at
 * their offsets into a block device or a regular file, fsync'd, then read
 * back from the device (page cache dropped) and hashed against the chunk
 * table before the slot may be switched to.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h> /* BLKGETSIZE64 */
#endif

#include "ota_atomic.h"
#include "ota_hash.h"
#include "slot.h"

/* Largest offset pwrite/pread take (off_t is 64-bit here). */
#define RAW_MAX_OFF ((uint64_t) INT64_MAX)

struct otac_raw {
    int fd;
    bool blk;  /* block device (else a regular file) */
    char *path;
    char err[512];
};

static ota_err
raw_fail(otac_raw *r, const char *op, int e)
{
    snprintf(r->err, sizeof r->err, "%s %s: %s", op, r->path, strerror(e));
    return ota_errno_err(e);
}

/*
 * Open dirfd/path with flags (O_NONBLOCK among them: a fifo or a device
 * planted at the path must not block the open), then keep it only if it is
 * a block device or a regular file; O_NONBLOCK is cleared once fstat says
 * so.  label names it in messages.
 */
static ota_err
raw_open_at(int dirfd, const char *path, const char *label, int flags, mode_t mode,
            otac_raw **out)
{
    ota_err rc = OTA_E_NOMEM;
    otac_raw *r = calloc(1, sizeof *r);
    if (r == NULL)
        return OTA_E_NOMEM;
    r->fd = -1;
    if ((r->path = strdup(label)) == NULL)
        goto out;
    r->fd = openat(dirfd, path, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode);
    if (r->fd < 0) {
        /* a link (O_NOFOLLOW) or a directory where the image must be */
        rc = errno == ELOOP || errno == EISDIR ? OTA_E_UNSAFE : ota_errno_err(errno);
        goto out;
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        rc = ota_errno_err(errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        rc = OTA_E_UNSAFE;
        goto out;
    }
    r->blk = S_ISBLK(st.st_mode);
    int fl = fcntl(r->fd, F_GETFL);
    if (fl < 0 || fcntl(r->fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        rc = ota_errno_err(errno);
        goto out;
    }
    *out = r;
    r = NULL;
    rc = OTA_OK;
out:
    otac_raw_close(r);
    return rc;
}

ota_err
otac_raw_open(const char *path, bool create, otac_raw **out)
{
    return raw_open_at(AT_FDCWD, path, path, O_RDWR | (create ? O_CREAT : 0), 0600, out);
}

ota_err
otac_raw_open_ro(const char *path, otac_raw **out)
{
    return raw_open_at(AT_FDCWD, path, path, O_RDONLY, 0, out);
}

ota_err
otac_raw_size(otac_raw *r, uint64_t *size)
{
    r->err[0] = '\0';
    if (r->blk) {
#ifdef BLKGETSIZE64
        if (ioctl(r->fd, BLKGETSIZE64, size) != 0)
            return raw_fail(r, "size of", errno);
        return OTA_OK;
#else
        return OTA_E_UNSUPPORTED;
#endif
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0)
        return raw_fail(r, "stat", errno);
    *size = (uint64_t) st.st_size;
    return OTA_OK;
}

ota_err
otac_raw_create(int dirfd, const char *name, const char *label, mode_t mode, otac_raw **out)
{
    /* O_EXCL: whatever is at the name (a file, a hard link to a file
     * elsewhere, a fifo, a symlink, even a dangling one) is EEXIST */
    return raw_open_at(dirfd, name, label, O_RDWR | O_CREAT | O_EXCL, mode, out);
}

void
otac_raw_close(otac_raw *r)
{
    if (r == NULL)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->path);
    free(r);
}

const char *
otac_raw_error(const otac_raw *r)
{
    return r->err;
}

ota_err
otac_raw_write(otac_raw *r, uint64_t off, const uint8_t *buf, size_t len)
{
    r->err[0] = '\0';
    if (off > RAW_MAX_OFF || len > RAW_MAX_OFF - off) {
        snprintf(r->err, sizeof r->err, "write %s: offset out of range", r->path);
        return OTA_E_ARG;
    }
    while (len > 0) {
        ssize_t w = pwrite(r->fd, buf, len, (off_t) off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) /* 0: past the end of a device */
            return raw_fail(r, "write", w < 0 ? errno : ENOSPC);
        buf += w;
        len -= (size_t) w;
        off += (uint64_t) w;
    }
    return OTA_OK;
}

ota_err
otac_raw_sync(otac_raw *r)
{
    if (fsync(r->fd) != 0)
        return raw_fail(r, "fsync", errno);
    return OTA_OK;
}

ota_err
otac_raw_finish(otac_raw *r, uint64_t size)
{
    r->err[0] = '\0';
    if (size > RAW_MAX_OFF)
        return OTA_E_ARG;
    if (r->blk) {
#ifdef BLKGETSIZE64
        uint64_t dev = 0;
        if (ioctl(r->fd, BLKGETSIZE64, &dev) != 0)
            return raw_fail(r, "size of", errno);
        if (dev < size) {
            snprintf(r->err, sizeof r->err, "%s: %llu bytes, the image needs %llu", r->path,
                     (unsigned long long) dev, (unsigned long long) size);
            return OTA_E_NOSPACE;
        }
#else
        return OTA_E_UNSUPPORTED;
#endif
    } else if (ftruncate(r->fd, (off_t) size) != 0) {
        return raw_fail(r, "truncate", errno);
    }
    return otac_raw_sync(r);
}

/* Read len bytes at off, all of them; *got < len only at the end. */
static ota_err
read_at(otac_raw *r, uint64_t off, uint8_t *buf, size_t len, size_t *got)
{
    size_t n = 0;
    if (off > RAW_MAX_OFF || len > RAW_MAX_OFF - off) {
        snprintf(r->err, sizeof r->err, "read %s: offset out of range", r->path);
        return OTA_E_ARG;
    }
    while (n < len) {
        ssize_t g = pread(r->fd, buf + n, len - n, (off_t) (off + n));
        if (g < 0 && errno == EINTR)
            continue;
        if (g < 0)
            return raw_fail(r, "read", errno);
        if (g == 0)
            break;
        n += (size_t) g;
    }
    *got = n;
    return OTA_OK;
}

ota_err
otac_raw_read(otac_raw *r, uint64_t off, uint8_t *buf, size_t len, size_t *got)
{
    r->err[0] = '\0';
    return read_at(r, off, buf, len, got);
}

ota_err
otac_raw_verify(otac_raw *r, const ota_bundle_head *h, const ota_bundle_component *c,
                uint8_t *buf)
{
    ota_err rc = OTA_E_IO;
    uint64_t csize = h->header.chunk_size;
    r->err[0] = '\0';
    if (c->type != OTA_BUNDLE_IMAGE)
        return OTA_E_ARG;
    /* only clean pages can be dropped: write back first */
    if ((rc = otac_raw_sync(r)) != OTA_OK)
        return rc;
    int e = posix_fadvise(r->fd, 0, 0, POSIX_FADV_DONTNEED);
    if (e != 0)
        return raw_fail(r, "drop the cache of", e);
    for (uint32_t i = 0; i < c->nchunks; i++) {
        ota_bundle_chunk ch;
        uint8_t md[OTA_SHA256_LEN];
        uint64_t off = (uint64_t) i * csize;
        if (i > UINT32_MAX - c->first_chunk ||
            (rc = ota_bundle_head_chunk(h, c->first_chunk + i, &ch)) != OTA_OK ||
            ch.comp_offset != off || ch.ulen > csize) {
            snprintf(r->err, sizeof r->err, "verify %s: chunk table does not match component %s",
                     r->path, c->name);
            return OTA_E_ARG;
        }
        size_t got = 0;
        if ((rc = read_at(r, off, buf, ch.ulen, &got)) != OTA_OK)
            return rc;
        if (got != ch.ulen) {
            snprintf(r->err, sizeof r->err, "verify %s: ends at offset %llu, before chunk %u",
                     r->path, (unsigned long long) (off + got), i);
            return OTA_E_HASH;
        }
        ota_sha256(buf, ch.ulen, md);
        if (sodium_memcmp(md, ch.usha, sizeof md) != 0) {
            snprintf(r->err, sizeof r->err,
                     "verify %s: bytes at offset %llu..%llu differ from the bundle (chunk %u)",
                     r->path, (unsigned long long) off, (unsigned long long) (off + ch.ulen),
                     i);
            return OTA_E_HASH;
        }
    }
    if (!r->blk) {
        struct stat st;
        if (fstat(r->fd, &st) != 0)
            return raw_fail(r, "stat", errno);
        if ((uint64_t) st.st_size != c->size) {
            snprintf(r->err, sizeof r->err, "verify %s: %llu bytes, the image has %llu", r->path,
                     (unsigned long long) st.st_size, (unsigned long long) c->size);
            return OTA_E_LENGTH;
        }
    }
    return OTA_OK;
}
