/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_tar.c — canonical pax headers and the cut rule of the delta layout
 * (see ota_tar.h; formats/BUNDLE.md "Tree layout for delta updates").
 */
#include "ota_tar.h"

#define _GNU_SOURCE /* fdopendir */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ota_hash.h"
#include "ota_limits.h"

#define NAME_LEN 100u
#define MAX_OCTAL_SIZE 077777777777ULL /* 11 octal digits: 8 GiB - 1 */

static bool
ascii_fits(const char *s, size_t n)
{
    if (n > NAME_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) s[i] >= 0x80)
            return false;
    return true;
}

/* "%0*llo" into a field of w bytes: w - 1 digits and a NUL. */
static void
octal(uint8_t *f, size_t w, unsigned long long v)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%0*llo", (int) (w - 1), v);
    memcpy(f, tmp, w - 1);
    f[w - 1] = '\0';
}

/* One ustar header block (POSIX.1-2001 layout). */
static void
ustar(uint8_t *b, const char *name, size_t nlen, uint32_t mode, uint64_t size, int64_t mtime,
      char type, const char *link, size_t llen)
{
    memset(b, 0, OTA_TAR_BLOCK);
    memcpy(b, name, nlen);                              /* name     0..99 */
    octal(b + 100, 8, mode & 07777);                    /* mode   100..107 */
    octal(b + 108, 8, 0);                               /* uid    108..115 */
    octal(b + 116, 8, 0);                               /* gid    116..123 */
    octal(b + 124, 12, size);                           /* size   124..135 */
    octal(b + 136, 12, (unsigned long long) mtime);     /* mtime  136..147 */
    memset(b + 148, ' ', 8);                            /* chksum 148..155 */
    b[156] = (uint8_t) type;                            /* typeflag */
    if (link != NULL)
        memcpy(b + 157, link, llen);                    /* linkname 157..256 */
    memcpy(b + 257, "ustar", 6);                        /* magic "ustar\0" */
    memcpy(b + 263, "00", 2);                           /* version */
    octal(b + 329, 8, 0);                               /* devmajor */
    octal(b + 337, 8, 0);                               /* devminor */
    unsigned sum = 0;
    for (size_t i = 0; i < OTA_TAR_BLOCK; i++)
        sum += b[i];
    char tmp[8];
    snprintf(tmp, sizeof tmp, "%06o", sum & 0777777u);
    memcpy(b + 148, tmp, 6);
    b[154] = '\0';
    b[155] = ' ';
}

/* Length of the pax record "LEN KEY=VALUE\n" for a value of vlen bytes
 * (LEN counts its own digits). */
static size_t
record_len(const char *key, size_t vlen)
{
    size_t base = 1 + strlen(key) + 1 + vlen + 1; /* ' ' key '=' value '\n' */
    size_t n = base + 1;
    for (;;) {
        size_t digits = 1;
        for (size_t t = n; t >= 10; t /= 10)
            digits++;
        if (base + digits == n)
            return n;
        n = base + digits;
    }
}

/* The record for val[vlen] followed by the byte `more` when not 0 (a
 * directory's '/'). */
static size_t
put_record(uint8_t *p, const char *key, const char *val, size_t vlen, char more)
{
    size_t n = record_len(key, vlen + (more != 0));
    size_t k = (size_t) snprintf((char *) p, 32, "%zu %s=", n, key);
    memcpy(p + k, val, vlen);
    if (more != 0)
        p[k + vlen++] = (uint8_t) more;
    p[k + vlen] = '\n';
    return n;
}

static size_t
pad512(uint64_t n)
{
    return (size_t) ((OTA_TAR_BLOCK - n % OTA_TAR_BLOCK) % OTA_TAR_BLOCK);
}

/* What the entry needs: its name as written (a directory ends in '/'),
 * whether path / linkpath / size go into a pax extended header, and the
 * length of that header's records. */
typedef struct plan {
    size_t plen, nlen, llen, rec; /* nlen: plen and a directory's '/' */
    bool x_path, x_link, x_size;
    char sizebuf[24];
} plan;

static bool
make_plan(const ota_tar_entry *e, plan *p)
{
    if (e == NULL || e->path == NULL || e->mtime < 0 || e->mtime > OTA_TAR_MAX_MTIME ||
        (e->type == OTA_TAR_SYMLINK) != (e->link != NULL) ||
        (e->type != OTA_TAR_FILE && e->size != 0) || e->type > OTA_TAR_SYMLINK)
        return false;
    size_t plen = strlen(e->path);
    if (plen == 0 || plen > OTA_BUNDLE_MAX_ENTRY_PATH)
        return false;
    p->plen = plen;
    p->nlen = plen + (e->type == OTA_TAR_DIR);
    p->llen = e->link != NULL ? strlen(e->link) : 0;
    if (p->llen > OTA_BUNDLE_MAX_ENTRY_PATH)
        return false;
    p->x_path = p->nlen > NAME_LEN || !ascii_fits(e->path, plen);
    p->x_link = e->link != NULL && !ascii_fits(e->link, p->llen);
    p->x_size = e->size > MAX_OCTAL_SIZE;
    p->rec = 0;
    if (p->x_path || p->x_link) /* the records' bytes are names, not text in a charset */
        p->rec += record_len("hdrcharset", 6);
    if (p->x_link)
        p->rec += record_len("linkpath", p->llen);
    if (p->x_path)
        p->rec += record_len("path", p->nlen);
    if (p->x_size) {
        snprintf(p->sizebuf, sizeof p->sizebuf, "%llu", (unsigned long long) e->size);
        p->rec += record_len("size", strlen(p->sizebuf));
    }
    return true;
}

static size_t
header_len(const plan *p)
{
    size_t n = OTA_TAR_BLOCK;
    if (p->rec > 0)
        n += OTA_TAR_BLOCK + p->rec + pad512(p->rec);
    return n;
}

ota_err
ota_tar_header(const ota_tar_entry *e, uint8_t *out, size_t cap, size_t *len)
{
    plan p;
    if (out == NULL || len == NULL || !make_plan(e, &p))
        return OTA_E_ARG;
    size_t n = header_len(&p);
    if (cap < n)
        return OTA_E_ARG;
    uint8_t *q = out;
    if (p.rec > 0) {
        static const char xname[] = "@PaxHeader";
        ustar(q, xname, sizeof xname - 1, 0644, p.rec, e->mtime, 'x', NULL, 0);
        uint8_t *r = q + OTA_TAR_BLOCK;
        /* records in byte order of their keywords */
        if (p.x_path || p.x_link)
            r += put_record(r, "hdrcharset", "BINARY", 6, 0);
        if (p.x_link)
            r += put_record(r, "linkpath", e->link, p.llen, 0);
        if (p.x_path)
            r += put_record(r, "path", e->path, p.plen, e->type == OTA_TAR_DIR ? '/' : 0);
        if (p.x_size)
            r += put_record(r, "size", p.sizebuf, strlen(p.sizebuf), 0);
        size_t pad = pad512(p.rec);
        memset(r, 0, pad);
        q = r + pad;
    }
    static const char xpath[] = "@path", xlink[] = "@linkpath";
    char name[NAME_LEN + 1];
    size_t nlen = p.x_path ? sizeof xpath - 1 : p.nlen;
    if (p.x_path) {
        memcpy(name, xpath, sizeof xpath);
    } else {
        memcpy(name, e->path, p.plen);
        if (e->type == OTA_TAR_DIR)
            name[p.plen] = '/';
    }
    const char *link = e->link == NULL ? NULL : p.x_link ? xlink : e->link;
    size_t llen = e->link == NULL ? 0 : p.x_link ? sizeof xlink - 1 : p.llen;
    char type = e->type == OTA_TAR_DIR ? '5' : e->type == OTA_TAR_SYMLINK ? '2' : '0';
    uint32_t mode = e->type == OTA_TAR_SYMLINK ? 0777u : e->mode & 07777u;
    ustar(q, name, nlen, mode, p.x_size ? 0 : e->size, e->mtime, type, link, llen);
    *len = n;
    return OTA_OK;
}

uint64_t
ota_tar_entry_len(const ota_tar_entry *e)
{
    plan p;
    if (!make_plan(e, &p))
        return 0;
    return header_len(&p) + e->size + pad512(e->size);
}

uint32_t
ota_tar_padding(uint64_t size)
{
    return (uint32_t) pad512(size);
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

void
ota_tar_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

ota_err
ota_tar_list_dir(int dirfd, size_t max, char ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    int dfd = dup(dirfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (d == NULL) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        errno = e;
        return OTA_E_IO;
    }
    rewinddir(d); /* a dup shares dirfd's offset, which an earlier listing moved */
    char **names = NULL;
    size_t n = 0, cap = 0;
    ota_err rc = OTA_OK;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == max) {
            rc = OTA_E_LIMIT;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (nn == NULL) {
                rc = OTA_E_NOMEM;
                break;
            }
            names = nn;
            cap = ncap;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            rc = OTA_E_NOMEM;
            break;
        }
        n++;
    }
    int e = errno;
    if (rc == OTA_OK && e != 0)
        rc = OTA_E_IO;
    closedir(d);
    if (rc != OTA_OK) {
        ota_tar_names_free(names, n);
        errno = e;
        return rc;
    }
    if (n > 1) /* qsort(NULL, 0) is undefined: an empty directory has no list */
        qsort(names, n, sizeof *names, cmp_name);
    *out = names;
    *nout = n;
    return OTA_OK;
}

void
ota_tar_filler_part(uint8_t *out, size_t n, size_t off, size_t len, int64_t mtime)
{
    static const char gname[] = "@PaxGlobal";
    size_t d = n - OTA_TAR_BLOCK; /* a multiple of 512: exactly one record */
    uint8_t hb[OTA_TAR_BLOCK];
    ustar(hb, gname, sizeof gname - 1, 0644, d, mtime, 'g', NULL, 0);
    /* the record: "D comment=000...0\n" of exactly d bytes, D the decimal d */
    char pre[32];
    size_t k = d > 0 ? (size_t) snprintf(pre, sizeof pre, "%zu comment=", d) : 0;
    while (len > 0) {
        size_t take;
        if (off < OTA_TAR_BLOCK) {
            take = OTA_TAR_BLOCK - off < len ? OTA_TAR_BLOCK - off : len;
            memcpy(out, hb + off, take);
        } else if (off - OTA_TAR_BLOCK < k) {
            size_t j = off - OTA_TAR_BLOCK;
            take = k - j < len ? k - j : len;
            memcpy(out, pre + j, take);
        } else if (off + 1 < n) {
            take = n - 1 - off < len ? n - 1 - off : len;
            memset(out, '0', take);
        } else {
            take = 1;
            *out = '\n';
        }
        out += take;
        off += take;
        len -= take;
    }
}

void
ota_tar_filler(uint8_t *out, size_t n, int64_t mtime)
{
    ota_tar_filler_part(out, n, 0, n, mtime);
}

void
ota_tar_cut_init(ota_tar_cut *c, uint32_t chunk_size)
{
    c->chunk_size = chunk_size;
    c->pos = 0;
}

uint32_t
ota_tar_cut_before(ota_tar_cut *c, uint64_t e)
{
    uint32_t fill = 0;
    if (c->pos > 0 && c->pos + e > c->chunk_size)
        fill = c->chunk_size - c->pos; /* it does not fit: it starts the next chunk */
    c->pos = (uint32_t) (((fill ? 0 : c->pos) + e) % c->chunk_size);
    return fill;
}

bool
ota_tar_cut_hit(const char *path, uint64_t e, uint32_t chunk_size)
{
    /* a cut after about every chunk_size / 2 bytes of entries, where it falls
     * decided by the path alone: probability e / T per entry */
    static const char tag[] = "ota tree cut 1";
    uint64_t t = chunk_size / 2;
    if (e >= t)
        return true;
    uint8_t md[OTA_SHA256_LEN];
    ota_hash h;
    if (ota_hash_init(&h, OTA_HASH_SHA256) != OTA_OK)
        return false;
    ota_hash_update(&h, tag, sizeof tag); /* with its NUL */
    ota_hash_update(&h, path, strlen(path));
    if (ota_hash_final(&h, md) != OTA_OK)
        return false;
    uint64_t k = 0;
    for (int i = 0; i < 8; i++)
        k = k << 8 | md[i];
    return k % t < e;
}

uint32_t
ota_tar_cut_after(ota_tar_cut *c, const char *path, uint64_t e)
{
    if (c->pos == 0 || !ota_tar_cut_hit(path, e, c->chunk_size))
        return 0;
    uint32_t fill = c->chunk_size - c->pos;
    c->pos = 0;
    return fill;
}
