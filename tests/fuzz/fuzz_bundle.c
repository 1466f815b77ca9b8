/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: bundle parsers.  The first byte picks what to fuzz:
 *   0  the manifest parser (authenticated bytes in real use, but it must
 *      still never crash on anything);
 *   1  the head parser behind its digest: the input is manifest || table,
 *      and the harness writes a header whose lengths and SHA-256 match (and
 *      the format and chunk size the manifest names, "format":2 to 4 and
 *      "chunk_size":N), so the fuzzer reaches the manifest/table
 *      consistency checks and beyond;
 *   2  the streaming reader over the raw input with the head anchored to
 *      the input's own head bytes (what a device does with signed metadata),
 *      pulling through a source that returns odd-sized pieces; format 1
 *      (deflate), format 2 (zstd chunks: seeds in corpus/fuzz_bundle/
 *      *-zstd*) and format 4 (a tree in the delta layout: *-delta*).  The
 *      first byte / 3 also picks: bit 0 a local chunk
 *      provider (two chunks in three, decompressed from the input itself
 *      with the bundle's codec, bit 2: with one byte off, so stale), bit 1 a
 *      source skip function (else the reader drops the bytes of local
 *      chunks itself), bit 3 also ota_bundle_sbom_read on the same bytes
 *      (a memfd) with the same anchor: the package list of a format-3
 *      bundle (seeds: corpus/fuzz_bundle/ *sbom*). */
#define _GNU_SOURCE /* memfd_create */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "ota_bundle.h"
#include "ota_limits.h"
#include "ota_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct src {
    const uint8_t *p;
    size_t left;
    size_t step;
} src;

static ota_err
pull(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    src *s = user;
    size_t n = s->left < cap ? s->left : cap;
    if (n > s->step)
        n = s->step;
    s->step = s->step % 7 + 1; /* 1..7, then back */
    memcpy(buf, s->p, n);
    s->p += n;
    s->left -= n;
    *got = n;
    return OTA_OK;
}

static ota_err
pull_skip(void *user, uint64_t n)
{
    src *s = user;
    if (n == 0 || n > s->left)
        return OTA_E_LENGTH;
    s->p += n;
    s->left -= (size_t) n;
    return OTA_OK;
}

/* A provider that "holds" chunks: the input's own stored bytes,
 * decompressed without any check (the reader must check them). */
typedef struct prov {
    const uint8_t *data;
    size_t size;
    const ota_bundle_reader *r;
    bool stale;
} prov;

static ota_err
local(void *user, uint32_t index, const uint8_t usha[32], uint32_t ulen, uint8_t *buf,
      bool *found)
{
    (void) usha;
    prov *p = user;
    const ota_bundle_head *h = ota_bundle_reader_head(p->r);
    ota_bundle_chunk c;
    if (h == NULL || index % 3 == 1 || ota_bundle_head_chunk(h, index, &c) != OTA_OK)
        return OTA_OK;
    memset(buf, 0, ulen);
    if (c.offset <= p->size && c.clen <= p->size - c.offset) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (c.clen == ulen) {
            memcpy(buf, p->data + c.offset, ulen);
        } else if (h->manifest->codec == OTA_BUNDLE_ZSTD) {
            (void) ZSTD_decompress(buf, ulen, p->data + c.offset, c.clen);
        } else if (inflateInit2(&z, -15) == Z_OK) {
            z.next_in = (Bytef *) (uintptr_t) (p->data + c.offset);
            z.avail_in = c.clen;
            z.next_out = buf;
            z.avail_out = ulen;
            (void) inflate(&z, Z_FINISH);
            inflateEnd(&z);
        }
    }
    if (p->stale)
        buf[index % ulen] ^= 1;
    *found = true;
    return OTA_OK;
}

/* The format the manifest bytes m[n] name ("format":2, 3 or 4), else 1. */
static uint32_t
says_format(const uint8_t *m, size_t n)
{
    static const char k[] = "\"format\":";
    for (size_t i = 0; i + sizeof k <= n; i++)
        if (memcmp(m + i, k, sizeof k - 1) == 0 && m[i + sizeof k - 1] >= '2' &&
            m[i + sizeof k - 1] <= '4')
            return (uint32_t) (m[i + sizeof k - 1] - '0');
    return 1;
}

/* The chunk size the manifest bytes m[n] name ("chunk_size":N), else the
 * default: the header must agree with the manifest for the seeds (64 KiB
 * vectors) to get past the cross-check. */
static uint32_t
says_chunk_size(const uint8_t *m, size_t n)
{
    static const char k[] = "\"chunk_size\":";
    for (size_t i = 0; i + sizeof k <= n; i++)
        if (memcmp(m + i, k, sizeof k - 1) == 0) {
            uint64_t v = 0;
            for (size_t j = i + sizeof k - 1; j < n && m[j] >= '0' && m[j] <= '9' && v < UINT32_MAX; j++)
                v = v * 10 + (uint64_t) (m[j] - '0');
            return v > 0 && v <= UINT32_MAX ? (uint32_t) v : OTA_BUNDLE_DEFAULT_CHUNK_SIZE;
        }
    return OTA_BUNDLE_DEFAULT_CHUNK_SIZE;
}

static void
fuzz_head(const uint8_t *data, size_t size)
{
    if (size < 2)
        return;
    size_t mlen = ((size_t) data[0] << 8 | data[1]) % (size - 1);
    const uint8_t *rest = data + 2;
    size_t rlen = size - 2;
    if (mlen > rlen)
        mlen = rlen;
    size_t tlen = (rlen - mlen) / OTA_BUNDLE_ENTRY_LEN * OTA_BUNDLE_ENTRY_LEN;
    ota_bundle_header h = {.format = says_format(rest, mlen),
                           .chunk_size = says_chunk_size(rest, mlen),
                           .chunk_count = (uint32_t) (tlen / OTA_BUNDLE_ENTRY_LEN),
                           .manifest_len = mlen,
                           .table_len = tlen};
    for (size_t i = 0; i < h.chunk_count; i++) {
        const uint8_t *e = rest + mlen + i * OTA_BUNDLE_ENTRY_LEN;
        h.payload_len += (uint32_t) e[0] << 24 | (uint32_t) e[1] << 16 | (uint32_t) e[2] << 8 | e[3];
    }
    size_t hlen = OTA_BUNDLE_HEADER_LEN + mlen + tlen;
    uint8_t *buf = malloc(hlen);
    if (buf == NULL)
        return;
    memcpy(buf + OTA_BUNDLE_HEADER_LEN, rest, mlen + tlen);
    ota_sha256(buf + OTA_BUNDLE_HEADER_LEN, mlen + tlen, h.digest);
    ota_bundle_header_encode(&h, buf);
    ota_bundle_head *head = NULL;
    if (ota_bundle_head_parse(buf, hlen, &head) == OTA_OK) {
        ota_bundle_chunk c;
        for (uint32_t i = 0; i < h.chunk_count && i < 64; i++)
            (void) ota_bundle_head_chunk(head, i, &c);
        ota_bundle_head_free(head);
    }
    free(buf);
}

static void
fuzz_reader(const uint8_t *data, size_t size, unsigned mode)
{
    ota_bundle_header h;
    uint8_t anchor[32];
    uint64_t head_len = 0;
    if (ota_bundle_header_decode(data, size, &h) == OTA_OK) {
        head_len = OTA_BUNDLE_HEADER_LEN + h.manifest_len + h.table_len;
        if (head_len <= size)
            ota_sha256(data, (size_t) head_len, anchor);
        else
            head_len = 0;
    }
    src s = {.p = data, .left = size, .step = 1};
    ota_bundle_sink sink = {0};
    ota_bundle_reader_config cfg = {.size = sizeof cfg,
                                    .read = pull,
                                    .read_user = &s,
                                    .sink = &sink,
                                    .head_sha256 = head_len ? anchor : NULL,
                                    .head_length = head_len,
                                    .max_chunk_size = 1u << 20};
    prov pv = {.data = data, .size = size, .stale = (mode & 4) != 0};
    if (mode & 1) {
        cfg.local_chunk = local;
        cfg.local_user = &pv;
    }
    if (mode & 2)
        cfg.skip = pull_skip;
    ota_bundle_reader *r = NULL;
    if (ota_bundle_reader_new(&cfg, &r) != OTA_OK)
        return;
    pv.r = r;
    (void) ota_bundle_reader_run(r);
    ota_bundle_reader_free(r);
    if ((mode & 8) && head_len) {
        int fd = memfd_create("fuzz", 0);
        if (fd < 0)
            return;
        if (write(fd, data, size) == (ssize_t) size) {
            ota_sbom list;
            const char *why = NULL;
            if (ota_bundle_sbom_read(fd, anchor, &list, &why) == OTA_OK)
                ota_sbom_free(&list);
        }
        close(fd);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: {
        ota_bundle_manifest *m = NULL;
        if (ota_bundle_manifest_parse(data + 1, size - 1, &m) == OTA_OK)
            ota_bundle_manifest_free(m);
        break;
    }
    case 1: fuzz_head(data + 1, size - 1); break;
    default: fuzz_reader(data + 1, size - 1, data[0] / 3u); break;
    }
    return 0;
}
