/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c — the metadata directory: bounded reads, atomic writes
 * (ota_atomic: temporary file, fsync, rename, fsync directory), removals.
 * Every access is relative to a descriptor of the directory and names are
 * flat (callers percent-encode), so nothing here can be steered outside it.
 * POSIX only; firmware without a POSIX file system replaces this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "ota_atomic.h"

static bool
flat_name(const char *name)
{
    return name[0] != '\0' && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0;
}

static int
open_dir(const char *dir)
{
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

ota_err
otac_read_file(const char *dir, const char *name, uint64_t max, uint8_t **out, size_t *len)
{
    int dfd = open_dir(dir);
    if (dfd < 0)
        return OTA_E_IO;
    ota_err rc = otac_read_file_at(dfd, name, max, out, len, NULL);
    close(dfd);
    return rc;
}

ota_err
otac_read_file_at(int dfd, const char *name, uint64_t max, uint8_t **out, size_t *len,
                  struct stat *st_out)
{
    if (!flat_name(name))
        return OTA_E_ARG;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO;
    uint8_t *buf = NULL;
    struct stat st;
    ota_err rc = OTA_E_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    if (st_out != NULL)
        *st_out = st;
    if (st.st_size < 0 || (uint64_t) st.st_size > max || (uint64_t) st.st_size > SIZE_MAX - 1) {
        rc = OTA_E_LENGTH;
        goto out;
    }
    size_t n = (size_t) st.st_size;
    buf = malloc(n + 1);
    if (buf == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t r = read(fd, buf + off, n - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out; /* shrank under us or failed: unusable */
        off += (size_t) r;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
    rc = OTA_OK;
out:
    free(buf);
    close(fd);
    return rc;
}

ota_err
otac_write_atomic(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
    if (!flat_name(name))
        return OTA_E_ARG;
    int dfd = open_dir(dir);
    if (dfd < 0)
        return OTA_E_IO;
    /* hidden and never ending in ".json": never mistaken for metadata */
    ota_err rc = ota_atomic_replace(dfd, name, buf, len, 0644 | OTA_ATOMIC_UMASK);
    close(dfd);
    return rc;
}

ota_err
otac_remove(const char *dir, const char *name)
{
    if (!flat_name(name))
        return OTA_E_ARG;
    int dfd = open_dir(dir);
    if (dfd < 0)
        return OTA_E_IO;
    ota_err rc = OTA_OK;
    if (unlinkat(dfd, name, 0) != 0)
        rc = errno == ENOENT ? OTA_OK : OTA_E_IO;
    else if (fsync(dfd) != 0)
        rc = OTA_E_IO;
    close(dfd);
    return rc;
}
