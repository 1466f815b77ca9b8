/* SPDX-License-Identifier: Apache-2.0 */
/*
 * path.c — URL path safety.  The request path is decoded exactly once
 * (libmicrohttpd's own unescaping is switched off, see http.c), checked
 * segment by segment, and opened under the root directory fd without ever
 * following a symlink, so neither "..", "%2e%2e", "%00" nor a symlink can
 * reach outside the root.  Hidden names (".git", ".env") are never served,
 * and nothing outside the repository's metadata/ and targets/ is.
 */
/* O_PATH (Linux): walk directories without needing read permission on them */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "server.h"

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one byte at in[*i] (advancing *i); -1 on a bad escape. */
static int
decode_byte(const char *in, size_t *i)
{
    if (in[*i] != '%') {
        return (unsigned char) in[(*i)++];
    }
    int hi = hexval(in[*i + 1]);
    int lo = hi < 0 ? -1 : hexval(in[*i + 2]);
    if (hi < 0 || lo < 0)
        return -1;
    *i += 3;
    return hi * 16 + lo;
}

bool
srv_query_decode(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; in[i] != '\0';) {
        int b = decode_byte(in, &i);
        if (b < 0x20 || b == 0x7f || o + 1 >= cap)
            return false;
        out[o++] = (char) b;
    }
    if (cap == 0)
        return false;
    out[o] = '\0';
    return true;
}

/* Check the segment out[start..end) just decoded. */
static srv_path_rc
check_segment(const char *seg, size_t n)
{
    if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
        return SRV_PATH_BAD;
    if (seg[0] == '.')
        return SRV_PATH_HIDDEN;
    if (n > 255)
        return SRV_PATH_LONG;
    return SRV_PATH_OK;
}

srv_path_rc
srv_path_parse(const char *url, char *out, size_t cap)
{
    if (url == NULL || url[0] != '/' || cap == 0)
        return SRV_PATH_BAD;
    size_t o = 0, seg_start = 0, segments = 0;
    for (size_t i = 1;;) {
        char c = url[i];
        if (c == '/' || c == '\0') {
            /* a raw '/' ends a segment; empty segments ("//") are dropped */
            size_t n = o - seg_start;
            if (n > 0) {
                srv_path_rc rc = check_segment(out + seg_start, n);
                if (rc != SRV_PATH_OK)
                    return rc;
                if (++segments > OTA_SERVER_MAX_PATH_SEGMENTS)
                    return SRV_PATH_LONG;
            }
            if (c == '\0')
                break;
            if (url[i + 1] == '\0')
                return SRV_PATH_DIR; /* ends in '/': a directory, never listed */
            if (n > 0) {
                if (o + 1 >= cap)
                    return SRV_PATH_LONG;
                out[o++] = '/';
                seg_start = o;
            }
            i++;
            continue;
        }
        int b = decode_byte(url, &i);
        /* NUL (%00), control bytes, backslash, and a decoded '/' (%2F: no
         * name contains a slash) are refused */
        if (b < 0x20 || b == 0x7f || b == '\\' || b == '/')
            return SRV_PATH_BAD;
        if (o + 1 >= cap || o >= OTA_MAX_PATH_LEN)
            return SRV_PATH_LONG;
        out[o++] = (char) b;
    }
    if (o > 0 && out[o - 1] == '/') /* "a//" cannot happen, kept for safety */
        o--;
    out[o] = '\0';
    return o == 0 ? SRV_PATH_DIR : SRV_PATH_OK;
}

bool
srv_path_served(const char *rel)
{
    static const char *const dirs[] = {"metadata/", "targets/"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        size_t n = strlen(dirs[i]);
        if (strncmp(rel, dirs[i], n) == 0 && rel[n] != '\0')
            return true;
    }
    return false;
}

/* Kernel-enforced resolution (Linux >= 5.6).  -1/ENOSYS when unavailable. */
static int
open_beneath(int root_fd, const char *rel)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
    return (int) fd;
}

/* Portable walk: one openat(O_NOFOLLOW) per component. */
static int
open_walk(int root_fd, const char *rel)
{
    char seg[256];
    int dir = root_fd;
    const char *p = rel;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t) (slash - p) : strlen(p);
        if (n == 0 || n >= sizeof seg) {
            errno = ENOENT;
            goto fail;
        }
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (slash == NULL) {
            /* look before opening: never open a FIFO or device node */
            struct stat st;
            if (fstatat(dir, seg, &st, AT_SYMLINK_NOFOLLOW) != 0)
                goto fail;
            if (S_ISLNK(st.st_mode)) {
                errno = ELOOP;
                goto fail;
            }
            if (!S_ISREG(st.st_mode)) {
                errno = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
                goto fail;
            }
            int fd = openat(dir, seg, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
            int saved = errno;
            if (dir != root_fd)
                close(dir);
            errno = saved;
            return fd;
        }
        int next = openat(dir, seg, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            goto fail;
        if (dir != root_fd)
            close(dir);
        dir = next;
        p = slash + 1;
    }
fail : {
    int saved = errno;
    if (dir != root_fd)
        close(dir);
    errno = saved;
    return -1;
}
}

/* Which resolver to use: 0 unknown, 1 openat2, 2 walk.  Benign race: every
 * thread computes the same answer. */
static _Atomic int resolver;

int
srv_path_open(int root_fd, const char *rel, struct stat *st)
{
    int fd = -1;
    if (atomic_load_explicit(&resolver, memory_order_relaxed) != 2) {
        fd = open_beneath(root_fd, rel);
        if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
            atomic_store(&resolver, 2); /* old kernel or seccomp filter */
        } else {
            atomic_store_explicit(&resolver, 1, memory_order_relaxed);
            goto opened;
        }
    }
    fd = open_walk(root_fd, rel);
opened:
    if (fd < 0) {
        if (errno == EXDEV) /* openat2: the path tried to leave the root */
            errno = ELOOP;
        return -1;
    }
    if (fstat(fd, st) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        errno = S_ISDIR(st->st_mode) ? EISDIR : EACCES;
        return -1;
    }
    return fd;
}
