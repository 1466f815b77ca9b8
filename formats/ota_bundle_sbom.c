/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_bundle_sbom.c — the package list of a format-3 bundle, read back from
 * a bundle file (formats/BUNDLE.md "SBOM component", SBOM.md "In a bundle"):
 * for ota-server (which bundles in its repository carry a list) and
 * `ota-sign inspect --sbom` / `add`.
 *
 * The head is read with pread, its fixed-width fields bounded before use,
 * and compared with the trusted head hash before it is parsed; the list's
 * chunks then go through the streaming reader (ota_bundle_reader.c: the
 * one place chunks are checked and decompressed), resumed at the sbom
 * component's first chunk, so nothing before it is read.  A separate file
 * so that the install engine, which never needs the list, does not link
 * ota_sbom_decode.
 */
#include "ota_bundle.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ota_bundle_int.h"
#include "ota_limits.h"

/* The reader's source: the head from offset 0, then the sbom component's
 * chunks from `jump_to` to the end of the file. */
typedef struct sbom_src {
    int fd;
    uint64_t pos, head_len, jump_to;
    bool jumped;
} sbom_src;

static ota_err
src_read(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    sbom_src *s = user;
    if (!s->jumped && s->pos >= s->head_len) {
        s->pos = s->jump_to;
        s->jumped = true;
    }
    if (!s->jumped && cap > s->head_len - s->pos)
        cap = (size_t) (s->head_len - s->pos);
    for (;;) {
        ssize_t r = pread(s->fd, buf, cap, (off_t) s->pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return OTA_E_IO;
        s->pos += (uint64_t) r;
        *got = (size_t) r;
        return OTA_OK;
    }
}

/* The sink: the list's bytes into one buffer of the component's size. */
typedef struct sbom_sink {
    uint8_t *buf;
    uint64_t size;
} sbom_sink;

static ota_err
sink_begin(void *user, const ota_bundle_component *c, uint64_t from)
{
    sbom_sink *k = user;
    if (c->type != OTA_BUNDLE_SBOM || from != 0 || k->buf != NULL)
        return OTA_E_FORMAT; /* the reader was resumed at the list's start */
    k->buf = malloc((size_t) c->size); /* <= OTA_SBOM_MAX_LIST_SIZE (manifest) */
    if (k->buf == NULL)
        return OTA_E_NOMEM;
    k->size = c->size;
    return OTA_OK;
}

static ota_err
sink_write(void *user, const ota_bundle_component *c, uint64_t off, const uint8_t *buf,
           size_t len)
{
    (void) c;
    sbom_sink *k = user;
    if (k->buf == NULL || off > k->size || len > k->size - off)
        return OTA_E_FORMAT;
    memcpy(k->buf + off, buf, len);
    return OTA_OK;
}

static const char *
chunk_why(ota_err rc)
{
    switch (rc) {
    case OTA_E_HASH: return "a chunk of the package list does not match the bundle's head";
    case OTA_E_LENGTH: return "the bundle file is truncated or has bytes after its end";
    case OTA_E_LIMIT: return "a chunk of the package list decompresses beyond its length";
    case OTA_E_IO: return "reading the bundle file failed";
    case OTA_E_NOMEM: return "out of memory";
    default: return "a chunk of the package list is not valid";
    }
}

ota_err
ota_bundle_sbom_read(int fd, const uint8_t head_sha256[OTA_SHA256_LEN], ota_sbom *out,
                     const char **why)
{
    const char *w = NULL;
    if (why == NULL)
        why = &w;
    *why = "";
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (fd < 0 || head_sha256 == NULL || out == NULL) {
        *why = "invalid argument";
        return OTA_E_ARG;
    }
    uint8_t *head = NULL;
    size_t head_len = 0;
    bool is_bundle = false;
    ota_bundle_head *h = NULL;
    ota_bundle_reader *r = NULL;
    sbom_sink sink = {0};
    ota_err rc = otab_head_pread(fd, &head, &head_len, &is_bundle, why);
    if (rc != OTA_OK)
        goto out;
    uint8_t sha[OTA_SHA256_LEN];
    ota_sha256(head, head_len, sha);
    if (sodium_memcmp(sha, head_sha256, OTA_SHA256_LEN) != 0) {
        rc = OTA_E_HASH;
        *why = "the bundle's head does not match the signed head hash";
        goto out;
    }
    rc = ota_bundle_head_parse(head, head_len, &h);
    if (rc != OTA_OK) {
        *why = "the bundle's head is not valid";
        goto out;
    }
    const ota_bundle_manifest *m = h->manifest;
    const ota_bundle_component *c = &m->components[m->ncomponents - 1];
    if (c->type != OTA_BUNDLE_SBOM) {
        rc = OTA_E_NOT_FOUND;
        *why = "the bundle carries no package list";
        goto out;
    }
    /* the manifest parser allows it only last, 1..OTA_SBOM_MAX_LIST_SIZE
     * bytes, so it has chunks and they end the file */
    uint64_t off = head_len;
    for (uint32_t i = 0; i < c->first_chunk; i++)
        off += otab_get32(h->table + (size_t) i * OTA_BUNDLE_ENTRY_LEN);
    sbom_src src = {.fd = fd, .pos = 0, .head_len = head_len, .jump_to = off};
    ota_bundle_sink sk = {.user = &sink, .component_begin = sink_begin, .image_write = sink_write};
    ota_bundle_resume at = {.next_chunk = c->first_chunk, .bundle_offset = off};
    ota_bundle_reader_config cfg = {.size = sizeof cfg,
                                    .read = src_read,
                                    .read_user = &src,
                                    .sink = &sk,
                                    .head_sha256 = head_sha256,
                                    .head_length = head_len,
                                    .resume = &at};
    rc = ota_bundle_reader_new(&cfg, &r);
    if (rc == OTA_OK)
        rc = ota_bundle_reader_run(r);
    if (rc == OTA_OK && (sink.buf == NULL || sink.size != c->size))
        rc = OTA_E_FORMAT;
    if (rc != OTA_OK) {
        *why = chunk_why(rc);
        goto out;
    }
    rc = ota_sbom_decode(sink.buf, (size_t) sink.size, out, why);
out:
    ota_bundle_reader_free(r);
    ota_bundle_head_free(h);
    free(head);
    free(sink.buf);
    if (rc != OTA_OK)
        ota_sbom_free(out);
    return rc;
}
