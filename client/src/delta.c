/* SPDX-License-Identifier: Apache-2.0 */
/*
 * delta.c — the active slot's chunk index (see delta.h).
 */
#include "delta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_hash.h"
#include "slot.h"

typedef struct piece {
    uint64_t key;   /* first key_bytes of the SHA-256, big-endian, zero-padded */
    uint32_t index; /* offset / chunk_size */
    uint32_t len;   /* bytes (chunk_size but for the last piece) */
} piece;

struct otac_delta {
    otac_raw *raw;
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
        uint8_t md[OTA_SHA256_LEN];
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
        ota_sha256(buf, want, md);
        d->p[i] = (piece){.key = key_of(md, key_bytes), .index = (uint32_t) i,
                          .len = (uint32_t) want};
    }
    d->n = (size_t) n;
    d->bytes = end;
    if (d->n > 1)
        qsort(d->p, d->n, sizeof *d->p, piece_cmp);
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
        ota_err rc = otac_raw_read(d->raw, (uint64_t) d->p[i].index * d->chunk_size, buf, ulen,
                                   &got);
        if (rc == OTA_OK && got != ulen)
            rc = OTA_E_IO; /* the slot shrank since it was indexed */
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
    free(d->p);
    free(d);
}
