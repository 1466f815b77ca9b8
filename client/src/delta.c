/* SPDX-License-Identifier: Apache-2.0 */
/*
 * delta.c — the active slot's chunk index (see delta.h): pieces of a raw
 * image, or the chunks of a tree's stream regenerated from a dir slot.
 */
#define _GNU_SOURCE /* openat, fstatat, readlinkat with O_NOFOLLOW */
#include "delta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ota_bundle.h"
#include "ota_hash.h"
#include "ota_limits.h"
#include "ota_tar.h"
#include "slot.h"

typedef struct piece {
    uint64_t key;   /* first key_bytes of the SHA-256, big-endian, zero-padded */
    uint32_t index; /* offset / chunk_size */
    uint32_t len;   /* bytes (chunk_size but for the last piece) */
} piece;

typedef struct tgen tgen;
static void tgen_free(tgen *g);
static ota_err tgen_read_at(tgen *g, uint64_t off, uint8_t *buf, size_t len, size_t *got);

struct otac_delta {
    otac_raw *raw; /* an image, or: */
    tgen *gen;     /* a tree's stream, regenerated */
    uint32_t chunk_size;
    unsigned key_bytes;
    piece *p;
    size_t n;
    uint64_t bytes;
    char err[512];
};

static uint64_t
key_of(const uint8_t sha[32], unsigned key_bytes)
{
    uint64_t k = 0;
    for (unsigned i = 0; i < 8; i++)
        k = k << 8 | (i < key_bytes ? sha[i] : 0u);
    return k;
}

static int
piece_cmp(const void *a, const void *b)
{
    const piece *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index; /* first occurrence first */
}

/* The table entry of piece number i, buf[len] (images and trees alike). */
static piece
piece_of(const otac_delta *d, const uint8_t *buf, size_t len, uint64_t i)
{
    uint8_t md[OTA_SHA256_LEN];
    ota_sha256(buf, len, md);
    return (piece){.key = key_of(md, d->key_bytes), .index = (uint32_t) i, .len = (uint32_t) len};
}

/* The table, once every piece is in: sorted for otac_delta_find. */
static void
index_sort(otac_delta *d)
{
    if (d->n > 1)
        qsort(d->p, d->n, sizeof *d->p, piece_cmp);
}

ota_err
otac_delta_build(const char *path, uint32_t chunk_size, uint64_t limit, unsigned key_bytes,
                 otac_delta **out, char *err, size_t cap)
{
    otac_delta *d = NULL;
    uint8_t *buf = NULL;
    uint64_t size = 0;
    ota_err rc = OTA_E_ARG;
    if (cap > 0)
        err[0] = '\0';
    if (path == NULL || chunk_size == 0 || key_bytes < 1 || key_bytes > 8) {
        snprintf(err, cap, "delta index: bad arguments");
        return rc;
    }
    if ((d = calloc(1, sizeof *d)) == NULL || (buf = malloc(chunk_size)) == NULL) {
        rc = OTA_E_NOMEM;
        snprintf(err, cap, "out of memory");
        goto out;
    }
    d->chunk_size = chunk_size;
    d->key_bytes = key_bytes;
    if ((rc = otac_raw_open_ro(path, &d->raw)) != OTA_OK) {
        snprintf(err, cap, "%s: %s", path,
                 rc == OTA_E_UNSAFE ? "not a regular file or block device (or a symlink)"
                                    : ota_strerror(rc));
        goto out;
    }
    if ((rc = otac_raw_size(d->raw, &size)) != OTA_OK) {
        snprintf(err, cap, "%s", otac_raw_error(d->raw));
        goto out;
    }
    uint64_t end = size < limit ? size : limit;
    uint64_t n = end / chunk_size + (end % chunk_size != 0);
    if (n > UINT32_MAX || n > SIZE_MAX / sizeof(piece)) {
        rc = OTA_E_LIMIT;
        snprintf(err, cap, "%s: too many pieces to index", path);
        goto out;
    }
    if (n > 0 && (d->p = malloc((size_t) n * sizeof(piece))) == NULL) {
        rc = OTA_E_NOMEM;
        snprintf(err, cap, "out of memory");
        goto out;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t off = i * chunk_size;
        size_t want = end - off < chunk_size ? (size_t) (end - off) : chunk_size, got = 0;
        if ((rc = otac_raw_read(d->raw, off, buf, want, &got)) != OTA_OK) {
            snprintf(err, cap, "%s", otac_raw_error(d->raw));
            goto out;
        }
        if (got != want) {
            rc = OTA_E_IO;
            snprintf(err, cap, "%s: ends at %llu, before its size %llu", path,
                     (unsigned long long) (off + got), (unsigned long long) end);
            goto out;
        }
        d->p[i] = piece_of(d, buf, want, i);
    }
    d->n = (size_t) n;
    d->bytes = end;
    index_sort(d);
    *out = d;
    d = NULL;
    rc = OTA_OK;
out:
    free(buf);
    otac_delta_free(d);
    return rc;
}

ota_err
otac_delta_find(otac_delta *d, const uint8_t usha[32], uint32_t ulen, uint8_t *buf, bool *found)
{
    *found = false;
    d->err[0] = '\0';
    uint64_t k = key_of(usha, d->key_bytes);
    size_t lo = 0, hi = d->n; /* first entry with key >= k */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->p[mid].key < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < d->n && d->p[i].key == k; i++) {
        if (d->p[i].len != ulen)
            continue;
        size_t got = 0;
        uint64_t off = (uint64_t) d->p[i].index * d->chunk_size;
        ota_err rc = d->gen != NULL ? tgen_read_at(d->gen, off, buf, ulen, &got)
                                    : otac_raw_read(d->raw, off, buf, ulen, &got);
        if (rc == OTA_OK && got != ulen && d->gen != NULL)
            return OTA_OK; /* the tree changed since it was indexed: not here */
        if (rc == OTA_OK && got != ulen)
            rc = OTA_E_IO; /* the slot shrank since it was indexed */
        if (rc != OTA_OK && d->gen != NULL) {
            snprintf(d->err, sizeof d->err, "reading the active tree: %s", ota_strerror(rc));
            return rc;
        }
        if (rc != OTA_OK) {
            snprintf(d->err, sizeof d->err, "%s",
                     otac_raw_error(d->raw)[0] ? otac_raw_error(d->raw) : "short read");
            return rc;
        }
        *found = true;
        return OTA_OK;
    }
    return OTA_OK;
}

uint64_t
otac_delta_pieces(const otac_delta *d)
{
    return d->n;
}

uint64_t
otac_delta_bytes(const otac_delta *d)
{
    return d->bytes;
}

const char *
otac_delta_error(const otac_delta *d)
{
    return d->err;
}

void
otac_delta_free(otac_delta *d)
{
    if (d == NULL)
        return;
    otac_raw_close(d->raw);
    tgen_free(d->gen);
    free(d->p);
    free(d);
}

/* ---- trees: the stream regenerated from the active dir slot ------------------------------- */

/*
 * A generator of the tar stream the signer's writer would make of the
 * active slot's tree with this bundle's mtime and chunk size (the delta
 * layout, ota_tar.h): the same walk (names in byte order, depth first, a
 * directory before its entries), the same headers, the same cut rule.  It
 * is never trusted: bytes it makes are offered to the reader, which hashes
 * them against the signed table.  What it cannot make the writer's way —
 * a name or a link the format refuses, a fifo, device or socket, anything
 * below a directory on another file system (a mount point: its contents
 * belong to no update) — it leaves out, so the rest still lines up.
 *
 * Iterative (no recursion on the tree's depth): a stack of open
 * directories with their sorted names, one per level of the current path.
 * Forward only; a chunk behind the current offset restarts the walk.
 */
typedef struct tframe {
    int fd;
    char **names;
    size_t n, i;
    size_t plen; /* the directory's path length (its entries' prefix) */
} tframe;

struct tgen {
    int root_fd;
    dev_t dev;
    uint32_t cs;
    int64_t mtime;
    tframe st[OTA_BUNDLE_MAX_DEPTH + 1];
    size_t depth;
    char path[OTA_BUNDLE_MAX_ENTRY_PATH + 2];
    char link[OTA_BUNDLE_MAX_ENTRY_PATH + 1];
    uint8_t hdr[OTA_TAR_HEADER_MAX];
    ota_tar_cut cut;
    uint64_t off; /* stream offset of the next byte */
    /* the current entry, as the segments filler | header | data | padding | filler */
    bool have, end, done;
    uint32_t fb, fa, pad;
    size_t hl;
    uint64_t size, eoff, total;
    int pfd;          /* its directory (a frame's fd) */
    const char *name; /* its name there (a frame's list) */
    dev_t fdev;
    ino_t fino;
    int fd;           /* the file, opened when its data is first wanted */
    uint64_t end_off; /* in the 1024 end-of-archive bytes */
};

static void
frame_close(tframe *f)
{
    ota_tar_names_free(f->names, f->n);
    if (f->fd >= 0)
        close(f->fd);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

/* Push the directory fd (owned) with its names in the writer's order; plen
 * its path's length.  ota_tar_list_dir's errors; fd is closed on failure. */
static ota_err
frame_push(tgen *g, int fd, size_t plen)
{
    tframe *f = &g->st[g->depth];
    memset(f, 0, sizeof *f);
    f->fd = fd;
    f->plen = plen;
    ota_err rc = ota_tar_list_dir(fd, OTA_BUNDLE_MAX_ENTRIES, &f->names, &f->n);
    if (rc != OTA_OK) {
        frame_close(f);
        return rc;
    }
    g->depth++;
    return OTA_OK;
}

static void
tgen_rewind_close(tgen *g)
{
    while (g->depth > 0)
        frame_close(&g->st[--g->depth]);
    if (g->fd >= 0)
        close(g->fd);
    g->fd = -1;
}

/* Back to the stream's start. */
static ota_err
tgen_rewind(tgen *g)
{
    tgen_rewind_close(g);
    g->off = 0;
    g->have = g->end = g->done = false;
    g->end_off = 0;
    ota_tar_cut_init(&g->cut, g->cs);
    int fd = dup(g->root_fd);
    if (fd < 0)
        return OTA_E_IO;
    return frame_push(g, fd, 0);
}

static void
tgen_free(tgen *g)
{
    if (g == NULL)
        return;
    tgen_rewind_close(g);
    if (g->root_fd >= 0)
        close(g->root_fd);
    free(g);
}

/* The next entry the writer would write, or g->end.  Only allocation
 * failures are errors; what cannot be read is left out. */
static ota_err
tgen_next(tgen *g)
{
    for (;;) {
        if (g->depth == 0) {
            g->end = true;
            return OTA_OK;
        }
        tframe *f = &g->st[g->depth - 1];
        if (f->i == f->n) {
            frame_close(f);
            g->depth--;
            continue;
        }
        const char *name = f->names[f->i++];
        size_t nl = strlen(name), np = f->plen + (f->plen ? 1 : 0) + nl;
        if (np > OTA_BUNDLE_MAX_ENTRY_PATH)
            continue;
        if (f->plen)
            g->path[f->plen] = '/';
        memcpy(g->path + f->plen + (f->plen ? 1 : 0), name, nl + 1);
        struct stat st;
        if (ota_bundle_path_check(g->path) != OTA_OK ||
            fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        ota_tar_entry te = {.path = g->path, .mode = (uint32_t) st.st_mode & 07777u,
                            .mtime = g->mtime};
        if (S_ISREG(st.st_mode)) {
            te.type = OTA_TAR_FILE;
            te.size = (uint64_t) st.st_size;
        } else if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlinkat(f->fd, name, g->link, sizeof g->link);
            if (n <= 0 || (size_t) n >= sizeof g->link)
                continue;
            g->link[n] = '\0';
            te.type = OTA_TAR_SYMLINK;
            te.link = g->link;
        } else if (S_ISDIR(st.st_mode)) {
            te.type = OTA_TAR_DIR;
        } else {
            continue; /* never in a bundle */
        }
        uint64_t e = ota_tar_entry_len(&te);
        if (e == 0 || ota_tar_header(&te, g->hdr, sizeof g->hdr, &g->hl) != OTA_OK)
            continue;
        if (te.type == OTA_TAR_DIR && st.st_dev == g->dev && g->depth <= OTA_BUNDLE_MAX_DEPTH) {
            /* its entries follow it; one that cannot be listed is empty */
            int fd = openat(f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0) {
                ota_err rc = frame_push(g, fd, np);
                if (rc == OTA_E_NOMEM)
                    return rc;
            }
        }
        g->fb = ota_tar_cut_before(&g->cut, e);
        g->fa = ota_tar_cut_after(&g->cut, g->path, e);
        g->size = te.size;
        g->pad = ota_tar_padding(te.size);
        g->total = g->fb + e + g->fa;
        g->eoff = 0;
        g->pfd = f->fd;
        g->name = name;
        g->fdev = st.st_dev;
        g->fino = st.st_ino;
        g->have = true;
        return OTA_OK;
    }
}

/* File data [at, at + n) of the current entry into buf (zeros where the file
 * no longer has them: such a chunk fails its hash). */
static void
tgen_data(tgen *g, uint64_t at, uint8_t *buf, size_t n)
{
    if (g->fd < 0) {
        /* O_NONBLOCK: a fifo swapped in after the listing must not hang the open */
        int fd = openat(g->pfd, g->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != g->fdev || st.st_ino != g->fino)) {
            close(fd);
            fd = -1;
        }
        g->fd = fd;
    }
    size_t got = 0;
    while (g->fd >= 0 && got < n) {
        ssize_t r = pread(g->fd, buf + got, n - got, (off_t) (at + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t) r;
    }
    memset(buf + got, 0, n - got);
}

/* The next len bytes of the stream into buf (buf NULL: skipped, no file is
 * read); *got < len only at the stream's end. */
static ota_err
tgen_read(tgen *g, uint8_t *buf, size_t len, size_t *got)
{
    *got = 0;
    while (len > 0 && !g->done) {
        if (!g->have && !g->end) {
            ota_err rc = tgen_next(g);
            if (rc != OTA_OK)
                return rc;
            continue;
        }
        size_t take;
        if (g->end) {
            take = 2 * OTA_TAR_BLOCK - g->end_off < len ? 2 * OTA_TAR_BLOCK - g->end_off : len;
            if (buf != NULL)
                memset(buf, 0, take);
            g->end_off += take;
            g->done = g->end_off == 2 * OTA_TAR_BLOCK;
        } else {
            uint64_t a = g->fb, b = a + g->hl, c = b + g->size, d = c + g->pad, x = g->eoff;
            uint64_t lim = x < a ? a : x < b ? b : x < c ? c : x < d ? d : g->total;
            take = lim - x < len ? (size_t) (lim - x) : len;
            if (buf != NULL) {
                if (x < a)
                    ota_tar_filler_part(buf, g->fb, (size_t) x, take, g->mtime);
                else if (x < b)
                    memcpy(buf, g->hdr + (x - a), take);
                else if (x < c)
                    tgen_data(g, x - b, buf, take);
                else if (x < d)
                    memset(buf, 0, take);
                else
                    ota_tar_filler_part(buf, g->fa, (size_t) (x - d), take, g->mtime);
            }
            g->eoff += take;
            if (g->eoff == g->total) {
                g->have = false;
                if (g->fd >= 0)
                    close(g->fd);
                g->fd = -1;
            }
        }
        if (buf != NULL)
            buf += take;
        len -= take;
        *got += take;
        g->off += take;
    }
    return OTA_OK;
}

/* len bytes of the stream at off (a restart when off is behind). */
static ota_err
tgen_read_at(tgen *g, uint64_t off, uint8_t *buf, size_t len, size_t *got)
{
    *got = 0;
    ota_err rc;
    if (off < g->off && (rc = tgen_rewind(g)) != OTA_OK)
        return rc;
    while (g->off < off) {
        uint64_t want = off - g->off;
        size_t k = 0;
        if ((rc = tgen_read(g, NULL, want > SIZE_MAX ? SIZE_MAX : (size_t) want, &k)) != OTA_OK)
            return rc;
        if (k == 0)
            return OTA_OK; /* the stream ends before off */
    }
    return tgen_read(g, buf, len, got);
}

ota_err
otac_delta_build_tree(const char *path, uint32_t chunk_size, int64_t mtime, uint64_t limit,
                      unsigned key_bytes, otac_delta **out, char *err, size_t cap)
{
    otac_delta *d = NULL;
    uint8_t *buf = NULL;
    ota_err rc = OTA_E_ARG;
    if (cap > 0)
        err[0] = '\0';
    if (path == NULL || chunk_size == 0 || key_bytes < 1 || key_bytes > 8 || mtime < 0 ||
        mtime > OTA_TAR_MAX_MTIME) {
        snprintf(err, cap, "delta index: bad arguments");
        return rc;
    }
    if ((d = calloc(1, sizeof *d)) == NULL || (buf = malloc(chunk_size)) == NULL ||
        (d->gen = calloc(1, sizeof *d->gen)) == NULL) {
        rc = OTA_E_NOMEM;
        snprintf(err, cap, "out of memory");
        goto out;
    }
    d->chunk_size = chunk_size;
    d->key_bytes = key_bytes;
    tgen *g = d->gen;
    g->fd = -1;
    g->cs = chunk_size;
    g->mtime = mtime;
    g->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (g->root_fd < 0 || fstat(g->root_fd, &st) != 0) {
        rc = errno == ENOENT ? OTA_E_NOT_FOUND : errno == ELOOP || errno == ENOTDIR ? OTA_E_UNSAFE
                                                                                    : OTA_E_IO;
        snprintf(err, cap, "%s: %s", path,
                 rc == OTA_E_UNSAFE ? "not a directory (or a symlink)" : strerror(errno));
        goto out;
    }
    g->dev = st.st_dev;
    if ((rc = tgen_rewind(g)) != OTA_OK) {
        snprintf(err, cap, "%s: cannot list it: %s", path, ota_strerror(rc));
        goto out;
    }
    /* chunks of the regenerated stream, up to limit of them */
    size_t cap_p = 0;
    for (uint64_t i = 0; i < limit; i++) {
        size_t got = 0;
        if ((rc = tgen_read(g, buf, chunk_size, &got)) != OTA_OK) {
            snprintf(err, cap, "%s: %s", path, ota_strerror(rc));
            goto out;
        }
        if (got == 0)
            break;
        if (d->n == cap_p) {
            size_t nc = cap_p ? cap_p * 2 : 256;
            piece *np = i < UINT32_MAX ? realloc(d->p, nc * sizeof *np) : NULL;
            if (np == NULL) {
                rc = OTA_E_NOMEM;
                snprintf(err, cap, "out of memory");
                goto out;
            }
            d->p = np;
            cap_p = nc;
        }
        d->p[d->n++] = piece_of(d, buf, got, i);
        d->bytes += got;
        if (got < chunk_size)
            break;
    }
    index_sort(d);
    *out = d;
    d = NULL;
    rc = OTA_OK;
out:
    free(buf);
    otac_delta_free(d);
    return rc;
}
