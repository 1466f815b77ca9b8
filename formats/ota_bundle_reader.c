/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_bundle_reader.c — the streaming, verify-before-use bundle reader.
 *
 * Order of trust:
 *   1. read exactly the trusted head length (bounded), SHA-256 it, compare
 *      with the trusted hash: only then parse header, manifest (JSON) and
 *      table;
 *   2. per chunk: read exactly its stored length into a buffer of at most
 *      chunk_size, SHA-256 it, compare with the table: only then
 *      decompress (raw deflate, or one zstd frame whose header is checked
 *      first; output capped at the chunk's uncompressed length: a bomb
 *      stops at the cap), SHA-256 the output and compare;
 *   3. only verified chunk bytes reach the sink (images) or libarchive
 *      (trees: libarchive pulls through tar_read_cb, which verifies the
 *      next chunk before returning it), and every tar entry is checked
 *      before the sink sees it.
 *
 * Resume (BUNDLE.md "Resume"): chunks are deflated independently, so a tree
 * restarts at the chunk holding the next entry's first header block; that
 * chunk is verified whole and libarchive is fed from `skip` bytes into it,
 * with the entry count, byte count and ordering state of the checkpoint.
 *
 * Chunks from elsewhere (BUNDLE.md "Chunks from elsewhere"): an optional
 * local provider is asked for each chunk's uncompressed bytes before the
 * source is; they are used only when their SHA-256 equals the table's
 * uncompressed hash, exactly as an inflated chunk would be.  The stored
 * bytes of such a chunk are not needed: they are counted as consumed
 * (r->offset) and owed to the source (r->pending), which is told to skip
 * them (or they are read and dropped) just before the reader next needs a
 * source byte, so consecutive local chunks make one skip.
 *
 * Memory: head + 2 x chunk_size + the decoder — zlib's inflate state
 * (counted through zalloc) or a zstd DCtx (ZSTD_sizeof_DCtx; one-shot
 * decoding straight into the chunk buffer, so no window buffer) — + three
 * path buffers, and libarchive's tar reader state.
 */
#include "ota_bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "ota_bundle_int.h"
#include "ota_limits.h"
#include "ota_util.h"

struct ota_bundle_reader {
    ota_bundle_reader_config cfg;
    ota_bundle_sink sink; /* copy with NULL callbacks when cfg.sink is NULL */
    ota_bundle_head *head;
    uint8_t *cbuf, *ubuf;
    const uint8_t *data; /* verified uncompressed bytes of the current chunk */
    uint32_t data_len;
    z_stream z;
    bool zinit;
    ZSTD_DCtx *zd;       /* zstd bundles only */
    size_t zd_mem;
    uint64_t offset;     /* bundle offset of the next byte needed: counts the bytes of
                          * local chunks as consumed (the source is at offset - pending) */
    uint64_t pending;    /* bytes of local chunks the source has not yet skipped */
    uint64_t bytes_read;
    uint64_t bytes_skipped; /* passed to cfg.skip (not downloaded) */
    uint32_t verified;
    uint32_t local_used, local_rejected;
    uint32_t ckpt_chunk;
    uint64_t ckpt_offset;
    size_t mem, mem_peak;
    ota_err err;         /* error raised inside a libarchive callback */
    uint32_t tree_next, tree_end;
    uint32_t tree_skip;  /* bytes of the next chunk libarchive must not see */
    uint64_t tree_base;  /* tar offset of the first byte given to libarchive */
    char *prev_path, *last_nondir, *path;
    ota_bundle_resume resume; /* copy of cfg.resume; its strings are in prev_path,
                               * last_nondir until the resumed tree starts */
    bool ran;
};

/* ---- memory accounting ------------------------------------------------------ */

static void *
r_alloc(ota_bundle_reader *r, size_t n)
{
    size_t *p = malloc(n + sizeof(size_t) * 2);
    if (p == NULL)
        return NULL;
    p[0] = n;
    r->mem += n;
    if (r->mem > r->mem_peak)
        r->mem_peak = r->mem;
    return p + 2;
}

static void
r_free(ota_bundle_reader *r, void *q)
{
    if (q == NULL)
        return;
    size_t *p = (size_t *) q - 2;
    r->mem -= p[0];
    free(p);
}

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
    if (size != 0 && items > SIZE_MAX / size)
        return NULL;
    return r_alloc(opaque, (size_t) items * size);
}

static void
z_free(voidpf opaque, voidpf p)
{
    r_free(opaque, p);
}

/* ---- new / free ------------------------------------------------------------------ */

/* Copy a resume state path (NULL: none) into dst[OTA_BUNDLE_MAX_ENTRY_PATH + 1]:
 * at most that long and, unless empty, a valid entry path. */
static ota_err
resume_path(char *dst, const char *src)
{
    dst[0] = '\0';
    if (src == NULL || src[0] == '\0')
        return OTA_OK;
    size_t n = strnlen(src, OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    if (n > OTA_BUNDLE_MAX_ENTRY_PATH || ota_bundle_path_check(src) != OTA_OK)
        return OTA_E_ARG;
    memcpy(dst, src, n + 1);
    return OTA_OK;
}

ota_err
ota_bundle_reader_new(const ota_bundle_reader_config *cfg, ota_bundle_reader **out)
{
    if (cfg == NULL || out == NULL || cfg->size < sizeof *cfg || cfg->read == NULL)
        return OTA_E_ARG;
    if (cfg->head_sha256 != NULL && cfg->head_length < OTA_BUNDLE_HEADER_LEN)
        return OTA_E_ARG;
    ota_bundle_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return OTA_E_NOMEM;
    r->cfg = *cfg;
    r->cfg.size = sizeof r->cfg;
    if (r->cfg.max_head == 0 || r->cfg.max_head > OTA_BUNDLE_MAX_HEAD)
        r->cfg.max_head = OTA_BUNDLE_MAX_HEAD;
    if (r->cfg.max_chunk_size == 0 || r->cfg.max_chunk_size > OTA_BUNDLE_MAX_CHUNK_SIZE)
        r->cfg.max_chunk_size = OTA_BUNDLE_MAX_CHUNK_SIZE;
    if (cfg->sink != NULL)
        r->sink = *cfg->sink;
    r->path = r_alloc(r, OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    r->prev_path = r_alloc(r, OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    r->last_nondir = r_alloc(r, OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    if (r->path == NULL || r->prev_path == NULL || r->last_nondir == NULL) {
        ota_bundle_reader_free(r);
        return OTA_E_NOMEM;
    }
    r->prev_path[0] = r->last_nondir[0] = '\0';
    if (cfg->resume != NULL) {
        /* the tree state is checked against the head in run() */
        r->resume = *cfg->resume;
        r->resume.prev_path = r->resume.last_nondir = NULL;
        r->cfg.resume = &r->resume;
        if (resume_path(r->prev_path, cfg->resume->prev_path) != OTA_OK ||
            resume_path(r->last_nondir, cfg->resume->last_nondir) != OTA_OK) {
            ota_bundle_reader_free(r);
            return OTA_E_ARG;
        }
    }
    *out = r;
    return OTA_OK;
}

void
ota_bundle_reader_free(ota_bundle_reader *r)
{
    if (r == NULL)
        return;
    if (r->zinit)
        inflateEnd(&r->z);
    ZSTD_freeDCtx(r->zd);
    r_free(r, r->cbuf);
    r_free(r, r->ubuf);
    r_free(r, r->path);
    r_free(r, r->prev_path);
    r_free(r, r->last_nondir);
    ota_bundle_head_free(r->head);
    free(r);
}

const ota_bundle_head *
ota_bundle_reader_head(const ota_bundle_reader *r)
{
    return r != NULL ? r->head : NULL;
}

void
ota_bundle_reader_resume_point(const ota_bundle_reader *r, uint32_t *next_chunk,
                               uint64_t *bundle_offset)
{
    if (next_chunk != NULL)
        *next_chunk = r->ckpt_chunk;
    if (bundle_offset != NULL)
        *bundle_offset = r->ckpt_offset;
}

uint32_t
ota_bundle_reader_chunks_verified(const ota_bundle_reader *r)
{
    return r->verified;
}

uint64_t
ota_bundle_reader_bytes_read(const ota_bundle_reader *r)
{
    return r->bytes_read;
}

uint64_t
ota_bundle_reader_bytes_skipped(const ota_bundle_reader *r)
{
    return r->bytes_skipped;
}

uint32_t
ota_bundle_reader_local_used(const ota_bundle_reader *r)
{
    return r->local_used;
}

uint32_t
ota_bundle_reader_local_rejected(const ota_bundle_reader *r)
{
    return r->local_rejected;
}

size_t
ota_bundle_reader_memory(const ota_bundle_reader *r)
{
    return r->mem_peak;
}

/* ---- source ------------------------------------------------------------------------ */

/* Exactly n bytes from the source into buf; the bundle offset is the
 * caller's business. */
static ota_err
src_read(ota_bundle_reader *r, uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t got = 0;
        ota_err rc = r->cfg.read(r->cfg.read_user, buf + done, n - done, &got);
        if (rc != OTA_OK)
            return rc;
        if (got == 0)
            return OTA_E_LENGTH; /* truncated */
        if (got > n - done)
            return OTA_E_ARG; /* the source broke its contract */
        done += got;
        r->bytes_read += got;
    }
    return OTA_OK;
}

/*
 * Bring the source to r->offset: the stored bytes of the local chunks since
 * the last source read are not needed.  One cfg.skip call for all of them,
 * or (no skip) read them into cbuf and drop them: cbuf holds nothing needed
 * here (the next chunk from the source overwrites it; libarchive is done
 * with the previous block once it asks for the next).  Nothing is pending
 * afterwards, even on an error (the run is over then).
 */
static ota_err
src_sync(ota_bundle_reader *r)
{
    uint64_t n = r->pending;
    r->pending = 0;
    if (n == 0)
        return OTA_OK;
    if (r->cfg.skip != NULL) {
        ota_err rc = r->cfg.skip(r->cfg.read_user, n);
        if (rc == OTA_OK)
            r->bytes_skipped += n;
        return rc;
    }
    uint32_t cap = r->head->manifest->chunk_size;
    while (n > 0) {
        size_t k = n < cap ? (size_t) n : cap;
        ota_err rc = src_read(r, r->cbuf, k);
        if (rc != OTA_OK)
            return rc;
        n -= k;
    }
    return OTA_OK;
}

/* The next n bytes of the bundle (at r->offset) from the source. */
static ota_err
read_exact(ota_bundle_reader *r, uint8_t *buf, size_t n)
{
    ota_err rc = src_sync(r);
    if (rc == OTA_OK)
        rc = src_read(r, buf, n);
    if (rc == OTA_OK)
        r->offset += n;
    return rc;
}

/* ---- head ---------------------------------------------------------------------------- */

static ota_err
read_head(ota_bundle_reader *r)
{
    uint8_t *buf = NULL;
    size_t len;
    ota_err rc;
    if (r->cfg.head_sha256 != NULL) {
        /* trusted length first: nothing is parsed before the hash matches */
        if (r->cfg.head_length > r->cfg.max_head)
            return OTA_E_LIMIT;
        len = (size_t) r->cfg.head_length;
        buf = r_alloc(r, len);
        if (buf == NULL)
            return OTA_E_NOMEM;
        rc = read_exact(r, buf, len);
        if (rc != OTA_OK)
            goto out;
        uint8_t h[32];
        ota_sha256(buf, len, h);
        if (sodium_memcmp(h, r->cfg.head_sha256, 32) != 0) {
            rc = OTA_E_HASH;
            goto out;
        }
    } else {
        /* no anchor (tools): fixed-width header fields locate the rest */
        uint8_t hb[OTA_BUNDLE_HEADER_LEN];
        ota_bundle_header hd;
        rc = read_exact(r, hb, sizeof hb);
        if (rc != OTA_OK)
            return rc;
        rc = ota_bundle_header_decode(hb, sizeof hb, &hd);
        if (rc != OTA_OK)
            return rc;
        uint64_t hl = OTA_BUNDLE_HEADER_LEN + hd.manifest_len + hd.table_len;
        if (hl > r->cfg.max_head)
            return OTA_E_LIMIT;
        len = (size_t) hl;
        buf = r_alloc(r, len);
        if (buf == NULL)
            return OTA_E_NOMEM;
        memcpy(buf, hb, sizeof hb);
        rc = read_exact(r, buf + sizeof hb, len - sizeof hb);
        if (rc != OTA_OK)
            goto out;
    }
    rc = ota_bundle_head_parse(buf, len, &r->head);
    if (rc == OTA_E_LENGTH)
        rc = OTA_E_FORMAT; /* trusted length disagrees with the header */
    if (rc != OTA_OK)
        goto out;
    /* the parsed head (table copy, manifest) stays while the chunks stream;
     * count it as its byte size */
    r->mem += len;
    if (r->mem > r->mem_peak)
        r->mem_peak = r->mem;
    rc = OTA_OK;
out:
    r_free(r, buf);
    return rc;
}

/* ---- chunks ------------------------------------------------------------------------------ */

/*
 * Ask the local provider for chunk c (index idx).  *used: its bytes are in
 * ubuf and match the table's uncompressed SHA-256 (constant-time compare);
 * its stored bytes are then owed to the source as a skip.  A copy that does
 * not match is stale, not an error: counted, and the chunk comes from the
 * source.  The provider's own errors stop the run (fail closed).
 */
static ota_err
load_local(ota_bundle_reader *r, uint32_t idx, const ota_bundle_chunk *c, bool *used)
{
    *used = false;
    if (r->cfg.local_chunk == NULL)
        return OTA_OK;
    bool found = false;
    ota_err rc = r->cfg.local_chunk(r->cfg.local_user, idx, c->usha, c->ulen, r->ubuf, &found);
    if (rc != OTA_OK || !found)
        return rc;
    uint8_t h[32];
    ota_sha256(r->ubuf, c->ulen, h);
    if (sodium_memcmp(h, c->usha, 32) != 0) {
        r->local_rejected++;
        return OTA_OK;
    }
    r->local_used++;
    r->pending += c->clen;
    r->offset += c->clen;
    r->data = r->ubuf;
    *used = true;
    return OTA_OK;
}

/* Raw deflate: exactly one stream, exactly ulen bytes. */
static ota_err
inflate_chunk(ota_bundle_reader *r, const ota_bundle_chunk *c)
{
    if (inflateReset(&r->z) != Z_OK)
        return OTA_E_NOMEM;
    r->z.next_in = r->cbuf;
    r->z.avail_in = c->clen;
    r->z.next_out = r->ubuf;
    r->z.avail_out = c->ulen;
    int zr = inflate(&r->z, Z_FINISH);
    if (zr != Z_STREAM_END)
        /* output full but the stream goes on: more bytes than the table
         * says, a decompression bomb */
        return r->z.avail_out == 0 ? OTA_E_LIMIT : OTA_E_FORMAT;
    if (r->z.avail_in != 0 || r->z.avail_out != 0)
        return OTA_E_FORMAT;
    return OTA_OK;
}

/* Little-endian field of n (<= 8) bytes. */
static uint64_t
le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/*
 * zstd (BUNDLE.md "zstd chunks"): the stored bytes are exactly one zstd
 * frame (RFC 8878 3.1.1) — not a skippable frame, nothing after it — whose
 * header declares no checksum, no dictionary, a content size equal to the
 * chunk's ulen (larger: E_LIMIT, a bomb announced; smaller or missing:
 * E_FORMAT) and a window no larger than the chunk size (E_LIMIT).  The
 * header is read here, from the spec, before libzstd decodes anything;
 * then the frame is decoded in one shot into ubuf with capacity exactly
 * ulen, so no frame can write more than the signed length whatever it
 * claims (libzstd: dstSize_tooSmall, E_LIMIT), and libzstd itself checks
 * the content size against what it produced (E_FORMAT).
 */
static ota_err
unzstd_chunk(ota_bundle_reader *r, const ota_bundle_chunk *c)
{
    const uint8_t *p = r->cbuf;
    size_t n = c->clen;
    if (n < 6 || le(p, 4) != ZSTD_MAGICNUMBER)
        return OTA_E_FORMAT; /* not a zstd frame (skippable ones included) */
    uint8_t fhd = p[4];
    unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1u, reserved = (fhd >> 3) & 1u;
    unsigned checksum = (fhd >> 2) & 1u, did_flag = fhd & 3u;
    if (reserved || checksum || did_flag != 0)
        return OTA_E_FORMAT;
    static const size_t fcs_len[4] = {0, 2, 4, 8};
    size_t flen = fcs_flag == 0 && single ? 1 : fcs_len[fcs_flag];
    size_t pos = 5;
    uint64_t window = 0;
    if (!single) {
        uint8_t wd = p[pos++];
        unsigned wlog = 10u + (wd >> 3); /* <= 41 */
        uint64_t base = (uint64_t) 1 << wlog;
        window = base + (base / 8) * (wd & 7u);
    }
    if (flen == 0)
        return OTA_E_FORMAT; /* content size not declared */
    if (n < pos + flen)
        return OTA_E_FORMAT;
    uint64_t fcs = le(p + pos, flen) + (flen == 2 ? 256u : 0u);
    if (single)
        window = fcs;
    if (fcs > c->ulen || window > r->head->manifest->chunk_size)
        return OTA_E_LIMIT;
    if (fcs != c->ulen || ZSTD_getFrameContentSize(p, n) != c->ulen)
        return OTA_E_FORMAT;
    size_t fsz = ZSTD_findFrameCompressedSize(p, n);
    if (ZSTD_isError(fsz) || fsz != n)
        return OTA_E_FORMAT; /* truncated, or bytes (another frame) after it */
    size_t got = ZSTD_decompressDCtx(r->zd, r->ubuf, c->ulen, p, n);
    if (ZSTD_isError(got))
        return ZSTD_getErrorCode(got) == ZSTD_error_dstSize_tooSmall ? OTA_E_LIMIT : OTA_E_FORMAT;
    return got == c->ulen ? OTA_OK : OTA_E_FORMAT;
}

/* Chunk c from the source: its stored bytes checked against the table
 * before the decompressor sees them, then decompressed (capped) and
 * checked again. */
static ota_err
load_stored(ota_bundle_reader *r, const ota_bundle_chunk *c)
{
    ota_err rc = read_exact(r, r->cbuf, c->clen);
    if (rc != OTA_OK)
        return rc;
    uint8_t h[32];
    ota_sha256(r->cbuf, c->clen, h);
    if (sodium_memcmp(h, c->csha, 32) != 0)
        return OTA_E_HASH; /* never reaches zlib */
    if (c->clen == c->ulen) {
        r->data = r->cbuf; /* stored */
    } else {
        rc = r->zd != NULL ? unzstd_chunk(r, c) : inflate_chunk(r, c);
        if (rc != OTA_OK)
            return rc;
        r->data = r->ubuf;
    }
    ota_sha256(r->data, c->ulen, h);
    if (sodium_memcmp(h, c->usha, 32) != 0)
        return OTA_E_HASH;
    return OTA_OK;
}

/* Chunk idx, verified, into r->data / r->data_len: from the local provider
 * when it has a matching copy, else from the source. */
static ota_err
load_chunk(ota_bundle_reader *r, uint32_t idx)
{
    ota_bundle_chunk c;
    ota_err rc = ota_bundle_head_chunk(r->head, idx, &c);
    if (rc != OTA_OK)
        return rc;
    bool local = false;
    rc = load_local(r, idx, &c, &local);
    if (rc == OTA_OK && !local)
        rc = load_stored(r, &c);
    if (rc != OTA_OK)
        return rc;
    r->data_len = c.ulen;
    r->verified++;
    if (r->sink.chunk_verified != NULL)
        return r->sink.chunk_verified(r->sink.user, idx, r->offset);
    return OTA_OK;
}

static ota_err
checkpoint(ota_bundle_reader *r, uint32_t next)
{
    r->ckpt_chunk = next;
    r->ckpt_offset = r->offset;
    if (r->sink.checkpoint != NULL) {
        ota_bundle_resume p = {.next_chunk = next, .bundle_offset = r->offset};
        return r->sink.checkpoint(r->sink.user, &p);
    }
    return OTA_OK;
}

static ota_err
do_image(ota_bundle_reader *r, const ota_bundle_component *c, uint32_t start)
{
    uint64_t from = (uint64_t) (start - c->first_chunk) * r->head->manifest->chunk_size;
    ota_err rc = OTA_OK;
    if (r->sink.component_begin != NULL)
        rc = r->sink.component_begin(r->sink.user, c, from);
    uint32_t end = c->first_chunk + c->nchunks;
    for (uint32_t i = start; rc == OTA_OK && i < end; i++) {
        rc = load_chunk(r, i);
        if (rc == OTA_OK && r->sink.image_write != NULL)
            rc = r->sink.image_write(r->sink.user, c, from, r->data, r->data_len);
        from += r->data_len;
        if (rc == OTA_OK && i + 1 < end)
            rc = checkpoint(r, i + 1);
    }
    if (rc == OTA_OK && r->sink.component_end != NULL)
        rc = r->sink.component_end(r->sink.user, c);
    /* the component's last resume point comes after component_end, as for
     * trees: a restart there must not skip it */
    if (rc == OTA_OK && c->nchunks > 0)
        rc = checkpoint(r, end);
    return rc;
}

/* libarchive pulls the tar stream here: one verified chunk per call, the
 * first one of a resumed tree without its first tree_skip bytes (the chunk
 * is still verified whole). */
static la_ssize_t
tar_read_cb(struct archive *a, void *user, const void **buf)
{
    (void) a;
    ota_bundle_reader *r = user;
    if (r->err != OTA_OK)
        return ARCHIVE_FATAL;
    if (r->tree_next >= r->tree_end)
        return 0;
    ota_err rc = load_chunk(r, r->tree_next);
    if (rc == OTA_OK && r->tree_skip >= r->data_len)
        rc = OTA_E_ARG; /* checked in run(); never hand libarchive an empty block */
    if (rc != OTA_OK) {
        r->err = rc;
        return ARCHIVE_FATAL;
    }
    r->tree_next++;
    uint32_t skip = r->tree_skip;
    r->tree_skip = 0;
    *buf = r->data + skip;
    return (la_ssize_t) (r->data_len - skip);
}

/*
 * The resume point before the entry whose first header block (its pax
 * extended header when it has one) starts at tar offset pos: entries and
 * bytes delivered so far, prev_path / last_nondir still those of the entry
 * before.  The chunk holding pos has been loaded, so its file offset follows
 * from r->offset (the end of the last loaded chunk) by walking back.
 */
static ota_err
tree_checkpoint(ota_bundle_reader *r, const ota_bundle_component *c, uint64_t pos,
                uint64_t entries, uint64_t bytes)
{
    uint32_t cs = r->head->manifest->chunk_size;
    uint64_t k = pos / cs;
    if (pos >= c->size || c->first_chunk + k >= r->tree_next)
        return OTA_E_FORMAT; /* a header libarchive cannot have read */
    uint32_t idx = c->first_chunk + (uint32_t) k;
    if (r->sink.checkpoint == NULL)
        return OTA_OK;
    uint64_t off = r->offset;
    for (uint32_t i = idx; i < r->tree_next; i++)
        off -= otab_get32(r->head->table + (size_t) i * OTA_BUNDLE_ENTRY_LEN);
    ota_bundle_resume p = {.next_chunk = idx,
                           .bundle_offset = off,
                           .skip = (uint32_t) (pos % cs),
                           .entries = entries,
                           .bytes = bytes,
                           .prev_path = r->prev_path,
                           .last_nondir = r->last_nondir};
    return r->sink.checkpoint(r->sink.user, &p);
}

/* Checks one tar entry; fills e.  rc OTA_E_UNSAFE / OTA_E_LIMIT. */
static ota_err
check_entry(ota_bundle_reader *r, const ota_bundle_component *c, struct archive_entry *ae,
            ota_bundle_entry *e, uint64_t count)
{
    if (count > c->entries)
        return OTA_E_LIMIT; /* more entries than the manifest says */
    const char *p = archive_entry_pathname(ae); /* raw bytes; UTF-8 checked below */
    if (p == NULL || archive_entry_hardlink(ae) != NULL || archive_entry_sparse_count(ae) > 0)
        return OTA_E_UNSAFE;
    size_t n = strnlen(p, OTA_BUNDLE_MAX_ENTRY_PATH + 2);
    if (n > OTA_BUNDLE_MAX_ENTRY_PATH)
        return OTA_E_UNSAFE;
    memcpy(r->path, p, n + 1);
    memset(e, 0, sizeof *e);
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG: e->type = OTA_BUNDLE_FILE; break;
    case AE_IFDIR:
        e->type = OTA_BUNDLE_DIR;
        if (n > 1 && r->path[n - 1] == '/')
            r->path[--n] = '\0'; /* tar marks directories with one '/' */
        break;
    case AE_IFLNK: e->type = OTA_BUNDLE_SYMLINK; break;
    default: return OTA_E_UNSAFE; /* devices, fifos, sockets */
    }
    if (ota_bundle_path_check(r->path) != OTA_OK)
        return OTA_E_UNSAFE;
    /* strictly increasing, component by component: no duplicates, and the
     * entries under a path come right after it */
    if (count > 1 && ota_bundle_path_cmp(r->prev_path, r->path) >= 0)
        return OTA_E_UNSAFE;
    /* nothing may be extracted through a symlink (or file) of this tree */
    size_t ln = strlen(r->last_nondir);
    if (ln > 0 && strncmp(r->path, r->last_nondir, ln) == 0 && r->path[ln] == '/')
        return OTA_E_UNSAFE;
    if (e->type == OTA_BUNDLE_SYMLINK) {
        e->link = archive_entry_symlink(ae);
        if (ota_bundle_link_check(r->path, e->link, c->rootfs) != OTA_OK)
            return OTA_E_UNSAFE;
    }
    int64_t size = archive_entry_size(ae);
    if (size < 0)
        return OTA_E_UNSAFE;
    if (e->type == OTA_BUNDLE_FILE) {
        if ((uint64_t) size > c->unpacked)
            return OTA_E_LIMIT;
        e->size = (uint64_t) size;
    }
    memcpy(r->prev_path, r->path, n + 1);
    if (e->type != OTA_BUNDLE_DIR)
        memcpy(r->last_nondir, r->path, n + 1);
    e->path = r->path;
    e->mode = (uint32_t) archive_entry_perm(ae) & 07777u;
    e->mtime = (int64_t) archive_entry_mtime(ae);
    /* format 4: the manifest names the one mtime (the delta layout's headers) */
    if (c->mtime >= 0 && e->mtime != c->mtime)
        return OTA_E_FORMAT;
    return OTA_OK;
}

/* Entries of tree c from the current position; count and bytes: what was
 * delivered before it (non-zero when resuming). */
static ota_err
tree_entries(ota_bundle_reader *r, const ota_bundle_component *c, struct archive *a,
             uint64_t count, uint64_t bytes)
{
    for (bool first = true;; first = false) {
        struct archive_entry *ae;
        int ar = archive_read_next_header(a, &ae);
        if (ar == ARCHIVE_EOF)
            break;
        if (ar != ARCHIVE_OK)
            return r->err != OTA_OK ? r->err : OTA_E_FORMAT;
        ota_err rc;
        if (!first) {
            /* the previous entry is delivered; the checks' state is still its */
            la_int64_t hp = archive_read_header_position(a);
            if (hp < 0)
                return OTA_E_FORMAT;
            rc = tree_checkpoint(r, c, r->tree_base + (uint64_t) hp, count, bytes);
            if (rc != OTA_OK)
                return rc;
        }
        ota_bundle_entry e;
        rc = check_entry(r, c, ae, &e, ++count);
        if (rc != OTA_OK)
            return rc;
        if (r->sink.entry_begin != NULL && (rc = r->sink.entry_begin(r->sink.user, c, &e)) != OTA_OK)
            return rc;
        uint64_t done = 0;
        while (e.type == OTA_BUNDLE_FILE) {
            const void *buf;
            size_t len;
            la_int64_t off;
            ar = archive_read_data_block(a, &buf, &len, &off);
            if (ar == ARCHIVE_EOF)
                break;
            if (ar != ARCHIVE_OK)
                return r->err != OTA_OK ? r->err : OTA_E_FORMAT;
            if (off < 0 || (uint64_t) off != done || len > e.size - done)
                return OTA_E_FORMAT; /* holes or overlong data */
            done += len;
            bytes += len;
            if (bytes > c->unpacked)
                return OTA_E_LIMIT; /* more file bytes than the manifest says */
            if (r->sink.entry_data != NULL &&
                (rc = r->sink.entry_data(r->sink.user, buf, len)) != OTA_OK)
                return rc;
        }
        if (done != e.size)
            return OTA_E_FORMAT;
        if (r->sink.entry_end != NULL && (rc = r->sink.entry_end(r->sink.user)) != OTA_OK)
            return rc;
    }
    if (r->err != OTA_OK)
        return r->err;
    /* counts include what was delivered before a resume point */
    if (count != c->entries || bytes != c->unpacked)
        return OTA_E_FORMAT;
    return OTA_OK;
}

/* Tree c, from its start or (resumed) from the resume point inside it. */
static ota_err
do_tree(ota_bundle_reader *r, const ota_bundle_component *c, bool resumed)
{
    uint64_t count = 0, bytes = 0;
    r->tree_next = c->first_chunk;
    r->tree_end = c->first_chunk + c->nchunks;
    r->tree_skip = 0;
    r->tree_base = 0;
    if (resumed) {
        /* checked by resume_check; prev_path and last_nondir already hold
         * the ordering state (ota_bundle_reader_new) */
        count = r->resume.entries;
        bytes = r->resume.bytes;
        r->tree_next = r->resume.next_chunk;
        r->tree_skip = r->resume.skip;
        r->tree_base = (uint64_t) (r->tree_next - c->first_chunk) * r->head->manifest->chunk_size +
                       r->tree_skip;
    } else {
        r->prev_path[0] = r->last_nondir[0] = '\0';
    }
    ota_err rc = OTA_OK;
    if (r->sink.component_begin != NULL)
        rc = r->sink.component_begin(r->sink.user, c, r->tree_base);
    if (rc != OTA_OK)
        return rc;
    struct archive *a = archive_read_new();
    if (a == NULL)
        return OTA_E_NOMEM;
    r->err = OTA_OK;
    /* tar formats only, no decompression filter: the stream is plain tar */
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_open(a, r, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
        rc = r->err != OTA_OK ? r->err : OTA_E_FORMAT;
        goto out;
    }
    rc = tree_entries(r, c, a, count, bytes);
    if (rc != OTA_OK)
        goto out;
    /* whatever libarchive did not ask for (padding) is still verified */
    while (r->tree_next < r->tree_end) {
        rc = load_chunk(r, r->tree_next);
        if (rc != OTA_OK)
            goto out;
        r->tree_next++;
    }
    if (r->sink.component_end != NULL && (rc = r->sink.component_end(r->sink.user, c)) != OTA_OK)
        goto out;
    rc = checkpoint(r, r->tree_end);
out:
    archive_read_free(a);
    return rc;
}

/*
 * Check cfg.resume against the head (BUNDLE.md "Resume"); set *tree to the
 * tree component it points inside (NULL: a chunk boundary that needs no tree
 * state) and r->ckpt_* to the last resume point that needs none.
 */
static ota_err
resume_check(ota_bundle_reader *r, const ota_bundle_component **tree)
{
    const ota_bundle_manifest *m = r->head->manifest;
    const ota_bundle_resume *p = &r->resume;
    uint32_t start = p->next_chunk;
    *tree = NULL;
    if (start > r->head->header.chunk_count)
        return OTA_E_ARG;
    uint64_t off = r->head->head_len;
    for (uint32_t i = 0; i < start; i++)
        off += otab_get32(r->head->table + (size_t) i * OTA_BUNDLE_ENTRY_LEN);
    if (p->bundle_offset != off)
        return OTA_E_ARG;
    r->ckpt_chunk = start;
    r->ckpt_offset = off;
    const ota_bundle_component *c = NULL;
    for (size_t i = 0; i < m->ncomponents; i++)
        if (start >= m->components[i].first_chunk &&
            start - m->components[i].first_chunk < m->components[i].nchunks)
            c = &m->components[i];
    if (c == NULL || c->type != OTA_BUNDLE_TREE || (start == c->first_chunk && p->skip == 0)) {
        /* a chunk boundary (an image chunk, a component's start, the end) */
        if (p->skip != 0 || p->entries != 0 || p->bytes != 0 || r->prev_path[0] != '\0' ||
            r->last_nondir[0] != '\0')
            return OTA_E_ARG;
        return OTA_OK;
    }
    ota_bundle_chunk ch;
    ota_err rc = ota_bundle_head_chunk(r->head, start, &ch);
    if (rc != OTA_OK)
        return rc;
    /* before an entry header: at least one entry (>= 512 bytes each) done */
    uint64_t pos = ch.comp_offset + p->skip;
    if (p->skip >= ch.ulen || p->entries == 0 || p->entries > c->entries ||
        p->entries > pos / 512 || p->bytes > c->unpacked || p->bytes > pos ||
        r->prev_path[0] == '\0' ||
        (r->last_nondir[0] != '\0' && ota_bundle_path_cmp(r->last_nondir, r->prev_path) > 0))
        return OTA_E_ARG;
    /* a restart without tree state begins this tree again */
    r->ckpt_chunk = c->first_chunk;
    for (uint32_t i = c->first_chunk; i < start; i++)
        r->ckpt_offset -= otab_get32(r->head->table + (size_t) i * OTA_BUNDLE_ENTRY_LEN);
    *tree = c;
    return OTA_OK;
}

ota_err
ota_bundle_reader_run(ota_bundle_reader *r)
{
    if (r == NULL || r->ran)
        return OTA_E_ARG;
    r->ran = true;
    ota_err rc = read_head(r);
    if (rc != OTA_OK)
        return rc;
    const ota_bundle_manifest *m = r->head->manifest;
    if (m->chunk_size > r->cfg.max_chunk_size)
        return OTA_E_LIMIT;
    /* where the payload resumes */
    uint32_t start = 0;
    const ota_bundle_component *rtree = NULL;
    r->offset = r->ckpt_offset = r->head->head_len;
    r->ckpt_chunk = 0;
    if (r->cfg.resume != NULL) {
        rc = resume_check(r, &rtree);
        if (rc != OTA_OK)
            return rc;
        start = r->resume.next_chunk;
        r->offset = r->resume.bundle_offset;
    }
    r->cbuf = r_alloc(r, m->chunk_size);
    r->ubuf = r_alloc(r, m->chunk_size);
    if (r->cbuf == NULL || r->ubuf == NULL)
        return OTA_E_NOMEM;
    if (m->codec == OTA_BUNDLE_ZSTD) {
        /* one-shot decoding needs no window buffer; the limit is still set
         * (the frame header check enforces it first) */
        unsigned wlog = 0;
        while ((1u << wlog) < m->chunk_size)
            wlog++;
        r->zd = ZSTD_createDCtx();
        if (r->zd == NULL ||
            ZSTD_isError(ZSTD_DCtx_setParameter(r->zd, ZSTD_d_windowLogMax, (int) wlog)))
            return OTA_E_NOMEM;
        r->zd_mem = ZSTD_sizeof_DCtx(r->zd);
        r->mem += r->zd_mem;
        if (r->mem > r->mem_peak)
            r->mem_peak = r->mem;
    } else {
        r->z.zalloc = z_alloc;
        r->z.zfree = z_free;
        r->z.opaque = r;
        if (inflateInit2(&r->z, -15) != Z_OK)
            return OTA_E_NOMEM;
        r->zinit = true;
    }
    if (r->sink.manifest != NULL && (rc = r->sink.manifest(r->sink.user, m)) != OTA_OK)
        return rc;
    for (size_t i = 0; i < m->ncomponents; i++) {
        const ota_bundle_component *c = &m->components[i];
        if (c->nchunks == 0 ? start > c->first_chunk : start >= c->first_chunk + c->nchunks)
            continue; /* delivered before the resume point */
        if (c->type != OTA_BUNDLE_TREE) /* an image or the package list (sbom) */
            rc = do_image(r, c, start > c->first_chunk ? start : c->first_chunk);
        else
            rc = do_tree(r, c, c == rtree);
        if (rc != OTA_OK)
            return rc;
    }
    /* the bundle ends here: trailing bytes are an error.  Local chunks at
     * the end are skipped first, so the source must end exactly at the
     * bundle's length (a skip past its end fails in skip or src_read). */
    rc = src_sync(r);
    if (rc != OTA_OK)
        return rc;
    uint8_t extra;
    size_t got = 0;
    rc = r->cfg.read(r->cfg.read_user, &extra, 1, &got);
    if (rc != OTA_OK)
        return rc;
    if (got != 0)
        return OTA_E_LENGTH;
    return OTA_OK;
}
