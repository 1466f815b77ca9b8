/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_bundle_writer.c — builds a bundle from file trees and images.
 *
 * Pipeline: the caller's thread produces uncompressed chunks (a pax tar
 * stream written by libarchive, or an image read sequentially) into a ring
 * of slots; `jobs` worker threads compress each chunk on its own (raw
 * deflate or one zstd frame, fixed settings, one thread per chunk) and hash it; the caller's thread appends the
 * results to an unlinked staging file and the chunk table *in chunk order*.
 * So the bytes never depend on the thread count or on scheduling.  finish()
 * then writes header | manifest | table and copies the payload after them.
 *
 * Memory: nslots = 2 x jobs + 2 slots of 2 x chunk_size, the table (68 B
 * per chunk), a 64 KiB read buffer, and the directory listings of the
 * current path in the tree walk.  Independent of input sizes.
 */
#define _GNU_SOURCE /* O_TMPFILE, copy_file_range */
#include "ota_bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "ota_bundle_int.h"
#include "ota_id.h"
#include "ota_limits.h"
#include "ota_tar.h"
#include "ota_util.h"

enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

typedef struct wslot {
    uint8_t *ubuf, *cbuf;
    uint32_t ulen, clen;
    uint8_t csha[32], usha[32];
    int state;
    ota_err err;
} wslot;

#define READ_BUF (64u * 1024u)

struct ota_bundle_writer {
    char *name, *version, *created, *tmp_dir;
    char **hardware;
    size_t nhardware;
    int64_t mtime;
    uint32_t chunk_size;
    ota_bundle_codec codec;
    bool delta;       /* trees in the delta layout (ota_tar.h) */
    ota_tar_cut cut;  /* ... its position in the current chunk */
    uint64_t entry_len; /* ... and the length of the entry being written */
    int level;
    unsigned jobs;
    void (*progress)(void *user, uint64_t bytes_in);
    void *progress_user;

    int payload_fd;
    uint64_t payload_len;
    ota_buf table;
    otab_wcomp comps[OTA_BUNDLE_MAX_COMPONENTS];
    size_t ncomps;
    uint8_t *hooks[OTA_BUNDLE_NHOOKS];
    size_t hook_len[OTA_BUNDLE_NHOOKS];

    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    bool sync_ok;
    pthread_t *threads;
    size_t nthreads;
    bool stop;
    wslot *slots;
    size_t nslots;
    uint64_t next_fill, next_take, next_emit;
    wslot *cur; /* slot being filled, or NULL */

    uint64_t bytes_in, comp_bytes;
    otab_wcomp *comp; /* component being written */
    uint8_t *rbuf;
    char *path;       /* tree walk: current relative path, OTA_BUNDLE_MAX_ENTRY_PATH + 1 */
    bool failed;
    ota_err werr;     /* error from inside libarchive's write callback */
    char err[1024];
};

static ota_err
fail(ota_bundle_writer *w, ota_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static ota_err
fail(ota_bundle_writer *w, ota_err rc, const char *fmt, ...)
{
    if (!w->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err, sizeof w->err, fmt, ap);
        va_end(ap);
    }
    w->failed = true;
    return rc;
}

/* ---- compression workers --------------------------------------------------- */

/* A worker's compressor: one of the two, set up once with fixed settings. */
typedef struct wcomp {
    z_stream z;
    ZSTD_CCtx *zc;
    bool ok;
} wcomp;

/*
 * zstd, reproducible: every parameter that shapes the output is set
 * explicitly — the level (which, with the chunk's length known up front,
 * picks the window and search parameters), content size written (the
 * reader requires it), no checksum (the table's SHA-256s cover more), no
 * dictionary ID, no worker threads inside libzstd (the writer's own threads
 * take whole chunks), so the bytes depend on the input, the level and the
 * zstd version only.  ZSTD_compress2 starts a new frame each call.
 */
static bool
zstd_setup(ZSTD_CCtx *zc, int level)
{
    return !ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, level)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_contentSizeFlag, 1)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 0)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_dictIDFlag, 0)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_nbWorkers, 0));
}

static void
compress_slot(wcomp *wc, wslot *s)
{
    ota_sha256(s->ubuf, s->ulen, s->usha);
    s->clen = s->ulen; /* stored unless the codec is strictly smaller */
    z_stream *z = &wc->z;
    bool zok = wc->ok;
    if (zok && wc->zc != NULL) {
        if (s->ulen > 1) {
            size_t r = ZSTD_compress2(wc->zc, s->cbuf, s->ulen - 1, s->ubuf, s->ulen);
            if (!ZSTD_isError(r))
                s->clen = (uint32_t) r;
            else if (ZSTD_getErrorCode(r) != ZSTD_error_dstSize_tooSmall)
                s->err = OTA_E_NOMEM;
        }
    } else if (zok && s->ulen > 1) {
        if (deflateReset(z) != Z_OK) {
            s->err = OTA_E_NOMEM;
            return;
        }
        z->next_in = s->ubuf;
        z->avail_in = s->ulen;
        z->next_out = s->cbuf;
        z->avail_out = s->ulen - 1;
        int zr = deflate(z, Z_FINISH);
        if (zr == Z_STREAM_END)
            s->clen = s->ulen - 1 - z->avail_out;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            s->err = OTA_E_NOMEM;
    } else if (!zok) {
        s->err = OTA_E_NOMEM;
    }
    if (s->clen == s->ulen)
        memcpy(s->csha, s->usha, 32);
    else
        ota_sha256(s->cbuf, s->clen, s->csha);
}

static void *
worker(void *arg)
{
    ota_bundle_writer *w = arg;
    wcomp wc;
    memset(&wc, 0, sizeof wc);
    if (w->codec == OTA_BUNDLE_ZSTD) {
        wc.zc = ZSTD_createCCtx();
        wc.ok = wc.zc != NULL && zstd_setup(wc.zc, w->level);
    } else {
        /* raw deflate: the SHA-256s make zlib's own check redundant */
        wc.ok = deflateInit2(&wc.z, w->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    }
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->next_take >= w->next_fill)
            pthread_cond_wait(&w->cv_work, &w->mu);
        if (w->next_take >= w->next_fill)
            break; /* stop, and nothing left */
        wslot *s = &w->slots[w->next_take % w->nslots];
        w->next_take++;
        s->state = SLOT_BUSY;
        pthread_mutex_unlock(&w->mu);
        compress_slot(&wc, s);
        pthread_mutex_lock(&w->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&w->cv_done);
    }
    pthread_mutex_unlock(&w->mu);
    if (w->codec == OTA_BUNDLE_ZSTD)
        ZSTD_freeCCtx(wc.zc);
    else if (wc.ok)
        deflateEnd(&wc.z);
    return NULL;
}

static ota_err
write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return OTA_E_IO;
        p += r;
        n -= (size_t) r;
    }
    return OTA_OK;
}

/* Wait for the oldest outstanding chunk and append it to payload + table. */
static ota_err
emit_one(ota_bundle_writer *w)
{
    wslot *s = &w->slots[w->next_emit % w->nslots];
    pthread_mutex_lock(&w->mu);
    while (s->state != SLOT_DONE)
        pthread_cond_wait(&w->cv_done, &w->mu);
    pthread_mutex_unlock(&w->mu);
    if (s->err != OTA_OK)
        return fail(w, s->err, "compression failed");
    const uint8_t *data = s->clen == s->ulen ? s->ubuf : s->cbuf;
    if (write_all(w->payload_fd, data, s->clen) != OTA_OK)
        return fail(w, OTA_E_IO, "writing the staging file: %s", strerror(errno));
    uint8_t e[OTA_BUNDLE_ENTRY_LEN];
    ota_bundle_chunk_encode(s->clen, s->csha, s->usha, e);
    if (ota_buf_append(&w->table, e, sizeof e) != OTA_OK)
        return fail(w, OTA_E_NOMEM, "chunk table");
    w->payload_len += s->clen;
    s->state = SLOT_FREE;
    w->next_emit++;
    return OTA_OK;
}

/* The slot to fill next (emitting finished chunks to make room). */
static ota_err
take_slot(ota_bundle_writer *w)
{
    if (w->cur != NULL)
        return OTA_OK;
    if (w->next_fill >= OTA_BUNDLE_MAX_CHUNKS)
        return fail(w, OTA_E_LIMIT, "more than %u chunks: use a larger --chunk-size",
                    OTA_BUNDLE_MAX_CHUNKS);
    while (w->next_fill - w->next_emit >= w->nslots) {
        ota_err rc = emit_one(w);
        if (rc != OTA_OK)
            return rc;
    }
    w->cur = &w->slots[w->next_fill % w->nslots];
    w->cur->ulen = 0;
    w->cur->err = OTA_OK;
    return OTA_OK;
}

static void
submit(ota_bundle_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->cur->state = SLOT_READY;
    w->next_fill++;
    pthread_cond_signal(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
    w->cur = NULL;
    if (w->progress != NULL)
        w->progress(w->progress_user, w->bytes_in);
}

/* Append component bytes. */
static ota_err
feed(ota_bundle_writer *w, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ota_err rc = take_slot(w);
        if (rc != OTA_OK)
            return rc;
        size_t k = w->chunk_size - w->cur->ulen;
        if (k > n)
            k = n;
        memcpy(w->cur->ubuf + w->cur->ulen, p, k);
        w->cur->ulen += (uint32_t) k;
        w->comp_bytes += k;
        w->bytes_in += k;
        p += k;
        n -= k;
        if (w->cur->ulen == w->chunk_size)
            submit(w);
    }
    return OTA_OK;
}

/* End of a component: its last (short) chunk goes out; the next component
 * starts a new chunk. */
static void
end_component(ota_bundle_writer *w)
{
    if (w->cur != NULL && w->cur->ulen > 0)
        submit(w);
}

static ota_err
flush_all(ota_bundle_writer *w)
{
    while (w->next_emit < w->next_fill) {
        ota_err rc = emit_one(w);
        if (rc != OTA_OK)
            return rc;
    }
    return OTA_OK;
}

static void
stop_threads(ota_bundle_writer *w)
{
    if (!w->sync_ok)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    w->nthreads = 0;
}

/* ---- new / free ------------------------------------------------------------------ */

static int
cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static ota_err
make_tmp(ota_bundle_writer *w)
{
    const char *dir = w->tmp_dir ? w->tmp_dir : ".";
    w->payload_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (w->payload_fd >= 0)
        return OTA_OK;
    size_t n = strlen(dir) + 32;
    char *t = malloc(n);
    if (t == NULL)
        return OTA_E_NOMEM;
    snprintf(t, n, "%s/.ota-bundle-XXXXXX", dir);
    w->payload_fd = mkstemp(t);
    if (w->payload_fd >= 0)
        unlink(t);
    free(t);
    if (w->payload_fd < 0)
        return fail(w, OTA_E_IO, "cannot create a staging file in %s: %s", dir, strerror(errno));
    return OTA_OK;
}

ota_err
ota_bundle_writer_new(const ota_bundle_writer_config *cfg, ota_bundle_writer **out)
{
    if (cfg == NULL || out == NULL || cfg->size < sizeof *cfg)
        return OTA_E_ARG;
    uint32_t cs = cfg->chunk_size ? cfg->chunk_size : OTA_BUNDLE_DEFAULT_CHUNK_SIZE;
    ota_bundle_codec codec = cfg->codec ? cfg->codec : OTA_BUNDLE_DEFLATE;
    int lmin = 0, lmax = 0, ldef = 0;
    if (!ota_bundle_codec_levels(codec, &lmin, &lmax, &ldef))
        return OTA_E_ARG;
    int level = cfg->level ? cfg->level : ldef;
    int64_t t;
    if (!ota_id_valid(cfg->name) || ota_semver_check(cfg->version) != OTA_OK ||
        cfg->nhardware == 0 || cfg->nhardware > OTA_BUNDLE_MAX_HARDWARE || cfg->hardware == NULL ||
        cs < OTA_BUNDLE_MIN_CHUNK_SIZE || cs > OTA_BUNDLE_MAX_CHUNK_SIZE || (cs & (cs - 1)) != 0 ||
        level < lmin || level > lmax || cfg->mtime < 0 ||
        (cfg->delta_trees && cfg->mtime > OTA_TAR_MAX_MTIME) ||
        (cfg->created != NULL && ota_time_parse(cfg->created, &t) != OTA_OK))
        return OTA_E_ARG;
    for (size_t i = 0; i < cfg->nhardware; i++)
        if (!ota_id_valid(cfg->hardware[i]))
            return OTA_E_ARG;
    ota_bundle_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return OTA_E_NOMEM;
    ota_err rc = OTA_E_NOMEM;
    w->payload_fd = -1;
    w->chunk_size = cs;
    w->codec = codec;
    w->level = level;
    w->mtime = cfg->mtime;
    w->delta = cfg->delta_trees;
    w->progress = cfg->progress;
    w->progress_user = cfg->progress_user;
    w->table.max = (size_t) OTA_BUNDLE_MAX_CHUNKS * OTA_BUNDLE_ENTRY_LEN;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = cfg->jobs ? cfg->jobs : (ncpu > 0 ? (unsigned) ncpu : 1u);
    if (jobs > OTA_BUNDLE_MAX_JOBS)
        jobs = OTA_BUNDLE_MAX_JOBS;
    w->jobs = jobs;
    w->name = strdup(cfg->name);
    w->version = strdup(cfg->version);
    w->created = cfg->created ? strdup(cfg->created) : NULL;
    w->tmp_dir = cfg->tmp_dir ? strdup(cfg->tmp_dir) : NULL;
    w->hardware = calloc(cfg->nhardware, sizeof *w->hardware);
    w->rbuf = malloc(READ_BUF);
    w->path = malloc(OTA_BUNDLE_MAX_ENTRY_PATH + 2);
    if (w->name == NULL || w->version == NULL || (cfg->created && w->created == NULL) ||
        (cfg->tmp_dir && w->tmp_dir == NULL) || w->hardware == NULL || w->rbuf == NULL ||
        w->path == NULL)
        goto out;
    for (size_t i = 0; i < cfg->nhardware; i++) {
        w->hardware[i] = strdup(cfg->hardware[i]);
        if (w->hardware[i] == NULL)
            goto out;
        w->nhardware++;
    }
    qsort(w->hardware, w->nhardware, sizeof *w->hardware, cmp_strp);
    size_t k = 0;
    for (size_t i = 0; i < w->nhardware; i++) {
        if (k > 0 && strcmp(w->hardware[k - 1], w->hardware[i]) == 0)
            free(w->hardware[i]);
        else
            w->hardware[k++] = w->hardware[i];
    }
    w->nhardware = k;
    w->nslots = 2 * (size_t) jobs + 2;
    w->slots = calloc(w->nslots, sizeof *w->slots);
    if (w->slots == NULL)
        goto out;
    for (size_t i = 0; i < w->nslots; i++) {
        w->slots[i].ubuf = malloc(cs);
        w->slots[i].cbuf = malloc(cs);
        if (w->slots[i].ubuf == NULL || w->slots[i].cbuf == NULL)
            goto out;
    }
    rc = make_tmp(w);
    if (rc != OTA_OK)
        goto out;
    rc = OTA_E_NOMEM;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        goto out;
    if (pthread_cond_init(&w->cv_work, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        goto out;
    }
    if (pthread_cond_init(&w->cv_done, NULL) != 0) {
        pthread_cond_destroy(&w->cv_work);
        pthread_mutex_destroy(&w->mu);
        goto out;
    }
    w->sync_ok = true;
    w->threads = calloc(jobs, sizeof *w->threads);
    if (w->threads == NULL)
        goto out;
    for (unsigned i = 0; i < jobs; i++) {
        if (pthread_create(&w->threads[i], NULL, worker, w) != 0)
            goto out;
        w->nthreads++;
    }
    *out = w;
    w = NULL;
    rc = OTA_OK;
out:
    ota_bundle_writer_free(w);
    return rc;
}

void
ota_bundle_writer_free(ota_bundle_writer *w)
{
    if (w == NULL)
        return;
    stop_threads(w);
    if (w->sync_ok) {
        pthread_cond_destroy(&w->cv_done);
        pthread_cond_destroy(&w->cv_work);
        pthread_mutex_destroy(&w->mu);
    }
    free(w->threads);
    if (w->slots != NULL)
        for (size_t i = 0; i < w->nslots; i++) {
            free(w->slots[i].ubuf);
            free(w->slots[i].cbuf);
        }
    free(w->slots);
    if (w->payload_fd >= 0)
        close(w->payload_fd);
    for (size_t i = 0; i < w->nhardware; i++)
        free(w->hardware[i]);
    free(w->hardware);
    for (size_t i = 0; i < w->ncomps; i++)
        free(w->comps[i].name);
    for (int i = 0; i < OTA_BUNDLE_NHOOKS; i++)
        free(w->hooks[i]);
    ota_buf_free(&w->table);
    free(w->name);
    free(w->version);
    free(w->created);
    free(w->tmp_dir);
    free(w->rbuf);
    free(w->path);
    free(w);
}

const char *
ota_bundle_writer_error(const ota_bundle_writer *w)
{
    return w != NULL ? w->err : "";
}

uint32_t
ota_bundle_writer_format(const ota_bundle_writer *w)
{
    return otab_format_of(w->codec, w->comps, w->ncomps);
}

ota_err
ota_bundle_writer_set_hook(ota_bundle_writer *w, ota_bundle_hook which, const uint8_t *script,
                           size_t len)
{
    if (w == NULL || (which != OTA_BUNDLE_PRE_INSTALL && which != OTA_BUNDLE_POST_INSTALL) ||
        script == NULL || len == 0)
        return OTA_E_ARG;
    if (len > OTA_BUNDLE_MAX_HOOK)
        return OTA_E_LIMIT;
    uint8_t *p = malloc(len);
    if (p == NULL)
        return OTA_E_NOMEM;
    memcpy(p, script, len);
    free(w->hooks[which]);
    w->hooks[which] = p;
    w->hook_len[which] = len;
    return OTA_OK;
}

/* ---- components ------------------------------------------------------------------ */

static ota_err
begin_component(ota_bundle_writer *w, const char *name, ota_bundle_ctype type, bool rootfs)
{
    if (w->failed)
        return OTA_E_ARG;
    if (!ota_id_valid(name))
        return fail(w, OTA_E_ARG, "invalid component name '%s'", name ? name : "");
    for (size_t i = 0; i < w->ncomps; i++)
        if (strcmp(w->comps[i].name, name) == 0)
            return fail(w, OTA_E_ARG, "component '%s' given twice", name);
    if (w->ncomps > 0 && w->comps[w->ncomps - 1].type == OTA_BUNDLE_SBOM)
        return fail(w, OTA_E_ARG, "the package list (sbom) must be the last component");
    if (w->ncomps >= OTA_BUNDLE_MAX_COMPONENTS)
        return fail(w, OTA_E_LIMIT, "more than %d components", OTA_BUNDLE_MAX_COMPONENTS);
    otab_wcomp *c = &w->comps[w->ncomps];
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    if (c->name == NULL)
        return fail(w, OTA_E_NOMEM, "out of memory");
    c->type = type;
    c->rootfs = rootfs;
    w->ncomps++;
    w->comp = c;
    w->comp_bytes = 0;
    return OTA_OK;
}

ota_err
ota_bundle_writer_add_image(ota_bundle_writer *w, const char *name, const char *path)
{
    if (w == NULL || path == NULL)
        return OTA_E_ARG;
    ota_err rc = begin_component(w, name, OTA_BUNDLE_IMAGE, false);
    if (rc != OTA_OK)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(w, errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO, "%s: %s", path,
                    strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(w, OTA_E_IO, "%s: not a file or block device", path);
    }
    for (;;) {
        rc = take_slot(w);
        if (rc != OTA_OK)
            break;
        wslot *s = w->cur;
        ssize_t r = read(fd, s->ubuf + s->ulen, w->chunk_size - s->ulen);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = fail(w, OTA_E_IO, "%s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        s->ulen += (uint32_t) r;
        w->comp_bytes += (uint64_t) r;
        w->bytes_in += (uint64_t) r;
        if (s->ulen == w->chunk_size)
            submit(w);
    }
    close(fd);
    if (rc != OTA_OK)
        return rc;
    end_component(w);
    w->comp->size = w->comp_bytes;
    return OTA_OK;
}

ota_err
ota_bundle_writer_add_sbom(ota_bundle_writer *w, const ota_sbom *s)
{
    if (w == NULL || s == NULL)
        return OTA_E_ARG;
    if (w->failed)
        return OTA_E_ARG;
    if (w->ncomps == 0)
        return fail(w, OTA_E_ARG, "the package list (sbom) comes after the components");
    uint8_t *list = NULL;
    size_t len = 0;
    ota_err rc = ota_sbom_encode(s, &list, &len);
    if (rc != OTA_OK)
        return fail(w, rc, "package list: %s",
                    rc == OTA_E_LIMIT ? "larger than the bound (OTA_SBOM_MAX_LIST_SIZE)"
                                      : ota_strerror(rc));
    rc = begin_component(w, OTA_BUNDLE_SBOM_NAME, OTA_BUNDLE_SBOM, false);
    if (rc == OTA_OK)
        rc = feed(w, list, len);
    free(list);
    if (rc != OTA_OK)
        return rc;
    end_component(w);
    w->comp->size = w->comp_bytes;
    return OTA_OK;
}

/* libarchive's output: the tar stream, straight into chunks. */
static la_ssize_t
tar_write_cb(struct archive *a, void *user, const void *buf, size_t len)
{
    (void) a;
    ota_bundle_writer *w = user;
    ota_err rc = feed(w, buf, len);
    if (rc != OTA_OK) {
        w->werr = rc;
        return -1;
    }
    return (la_ssize_t) len;
}

static ota_err
ar_fail(ota_bundle_writer *w, struct archive *a, const char *what)
{
    if (w->werr != OTA_OK)
        return w->werr;
    return fail(w, OTA_E_IO, "%s: %s: %s", w->path, what, archive_error_string(a));
}

typedef struct walk_ctx {
    struct archive *a;        /* libarchive's pax writer (formats 1 to 3), or NULL: */
    struct archive_entry *e;
    bool rootfs;
    uint8_t *hdr;             /* the delta layout's own headers (OTA_TAR_HEADER_MAX) */
} walk_ctx;

/* Delta layout: n bytes of filler (0: none), fed in pieces. */
static ota_err
feed_filler(ota_bundle_writer *w, uint32_t n)
{
    for (uint32_t off = 0; off < n;) {
        uint32_t k = n - off < READ_BUF ? n - off : READ_BUF;
        ota_tar_filler_part(w->rbuf, n, off, k, w->mtime);
        ota_err rc = feed(w, w->rbuf, k);
        if (rc != OTA_OK)
            return rc;
        off += k;
    }
    return OTA_OK;
}

/* Delta layout: the cut after the entry now ended, and the padding of a
 * file's data before it. */
static ota_err
end_entry(ota_bundle_writer *w, walk_ctx *x, uint64_t size)
{
    if (x->a != NULL)
        return OTA_OK;
    static const uint8_t zero[OTA_TAR_BLOCK];
    ota_err rc = feed(w, zero, ota_tar_padding(size));
    if (rc != OTA_OK)
        return rc;
    return feed_filler(w, ota_tar_cut_after(&w->cut, w->path, w->entry_len));
}

static ota_err
put_header(ota_bundle_writer *w, walk_ctx *x, mode_t type, mode_t perm, int64_t size,
           const char *link)
{
    if (x->a == NULL) {
        ota_tar_entry te = {.path = w->path,
                            .type = type == AE_IFDIR   ? OTA_TAR_DIR
                                    : type == AE_IFLNK ? OTA_TAR_SYMLINK
                                                       : OTA_TAR_FILE,
                            .mode = (uint32_t) perm & 07777u,
                            .size = (uint64_t) size,
                            .link = link,
                            .mtime = w->mtime};
        size_t hl = 0;
        uint64_t len = ota_tar_entry_len(&te);
        if (len == 0 || ota_tar_header(&te, x->hdr, OTA_TAR_HEADER_MAX, &hl) != OTA_OK)
            return fail(w, OTA_E_UNSAFE, "%s: cannot be written as a tar entry", w->path);
        w->entry_len = len;
        ota_err rc = feed_filler(w, ota_tar_cut_before(&w->cut, len));
        if (rc == OTA_OK)
            rc = feed(w, x->hdr, hl);
        if (rc != OTA_OK)
            return rc;
        if (++w->comp->entries > OTA_BUNDLE_MAX_ENTRIES)
            return fail(w, OTA_E_LIMIT, "more than %u entries", OTA_BUNDLE_MAX_ENTRIES);
        return OTA_OK;
    }
    struct archive_entry *e = x->e;
    archive_entry_clear(e);
    /* raw bytes (checked to be UTF-8), no locale conversion on either side */
    archive_entry_copy_pathname(e, w->path);
    if (link != NULL)
        archive_entry_copy_symlink(e, link);
    archive_entry_set_filetype(e, (unsigned) type);
    archive_entry_set_perm(e, perm & 07777);
    archive_entry_set_size(e, size);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_mtime(e, (time_t) w->mtime, 0);
    if (archive_write_header(x->a, e) != ARCHIVE_OK)
        return ar_fail(w, x->a, "archive header");
    if (++w->comp->entries > OTA_BUNDLE_MAX_ENTRIES)
        return fail(w, OTA_E_LIMIT, "more than %u entries", OTA_BUNDLE_MAX_ENTRIES);
    return OTA_OK;
}

static ota_err
put_file(ota_bundle_writer *w, walk_ctx *x, int dirfd, const char *name, const struct stat *st)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return fail(w, OTA_E_IO, "%s: %s", w->path, strerror(errno));
    struct stat st2;
    ota_err rc;
    if (fstat(fd, &st2) != 0 || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev ||
        !S_ISREG(st2.st_mode)) {
        rc = fail(w, OTA_E_IO, "%s: changed while reading", w->path);
        goto out;
    }
    rc = put_header(w, x, AE_IFREG, st2.st_mode, st2.st_size, NULL);
    if (rc != OTA_OK)
        goto out;
    uint64_t left = (uint64_t) st2.st_size;
    while (left > 0) {
        size_t want = left < READ_BUF ? (size_t) left : READ_BUF;
        ssize_t r = read(fd, w->rbuf, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = fail(w, OTA_E_IO, "%s: %s", w->path,
                      r < 0 ? strerror(errno) : "changed while reading (shrank)");
            goto out;
        }
        if (x->a == NULL) {
            if ((rc = feed(w, w->rbuf, (size_t) r)) != OTA_OK)
                goto out;
        } else if (archive_write_data(x->a, w->rbuf, (size_t) r) != r) {
            rc = ar_fail(w, x->a, "archive data");
            goto out;
        }
        left -= (uint64_t) r;
    }
    ssize_t r = read(fd, w->rbuf, 1);
    if (r != 0) {
        rc = fail(w, OTA_E_IO, "%s: changed while reading (grew)", w->path);
        goto out;
    }
    w->comp->unpacked += (uint64_t) st2.st_size;
    rc = end_entry(w, x, (uint64_t) st2.st_size);
out:
    close(fd);
    return rc;
}

static ota_err walk(ota_bundle_writer *w, walk_ctx *x, int dirfd, size_t plen, unsigned depth);

/* One directory entry `name` of dirfd; w->path holds its relative path. */
static ota_err
put_one(ota_bundle_writer *w, walk_ctx *x, int dirfd, const char *name, size_t plen,
        unsigned depth)
{
    struct stat st;
    if (ota_bundle_path_check(w->path) != OTA_OK)
        return fail(w, OTA_E_UNSAFE, "%s: unsafe name (control character, invalid UTF-8 or "
                                     "too long)", w->path);
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return fail(w, OTA_E_IO, "%s: %s", w->path, strerror(errno));
    if (S_ISREG(st.st_mode))
        return put_file(w, x, dirfd, name, &st);
    if (S_ISLNK(st.st_mode)) {
        char *t = (char *) w->rbuf;
        ssize_t n = readlinkat(dirfd, name, t, OTA_BUNDLE_MAX_ENTRY_PATH + 1);
        if (n < 0)
            return fail(w, OTA_E_IO, "%s: %s", w->path, strerror(errno));
        if ((size_t) n > OTA_BUNDLE_MAX_ENTRY_PATH)
            return fail(w, OTA_E_UNSAFE, "%s: symlink target too long", w->path);
        t[n] = '\0';
        if (ota_bundle_link_check(w->path, t, x->rootfs) != OTA_OK)
            return fail(w, OTA_E_UNSAFE, "%s -> %s: symlink leaves the tree%s", w->path, t,
                        t[0] == '/' && !x->rootfs ? " (absolute; use a rootfs component)" : "");
        ota_err rc = put_header(w, x, AE_IFLNK, 0777, 0, t);
        return rc == OTA_OK ? end_entry(w, x, 0) : rc;
    }
    if (S_ISDIR(st.st_mode)) {
        if (depth + 1 > OTA_BUNDLE_MAX_DEPTH)
            return fail(w, OTA_E_LIMIT, "%s: deeper than %d levels", w->path,
                        OTA_BUNDLE_MAX_DEPTH);
        ota_err rc = put_header(w, x, AE_IFDIR, st.st_mode, 0, NULL);
        if (rc == OTA_OK)
            rc = end_entry(w, x, 0);
        if (rc != OTA_OK)
            return rc;
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return fail(w, OTA_E_IO, "%s: %s", w->path, strerror(errno));
        rc = walk(w, x, fd, plen, depth + 1);
        close(fd);
        return rc;
    }
    const char *kind = S_ISCHR(st.st_mode)   ? "character device"
                       : S_ISBLK(st.st_mode) ? "block device"
                       : S_ISFIFO(st.st_mode) ? "fifo"
                       : S_ISSOCK(st.st_mode) ? "socket"
                                              : "special file";
    return fail(w, OTA_E_UNSAFE, "%s: %s refused", w->path, kind);
}

/* Entries of dirfd in byte order, depth first: the order the reader checks. */
static ota_err
walk(ota_bundle_writer *w, walk_ctx *x, int dirfd, size_t plen, unsigned depth)
{
    char **names = NULL;
    size_t n = 0;
    ota_err rc = ota_tar_list_dir(dirfd, OTA_BUNDLE_MAX_ENTRIES, &names, &n);
    if (rc == OTA_E_NOMEM)
        return fail(w, rc, "out of memory");
    if (rc == OTA_E_LIMIT)
        return fail(w, rc, "more than %u entries", OTA_BUNDLE_MAX_ENTRIES);
    if (rc != OTA_OK)
        return fail(w, OTA_E_IO, "%s: %s", plen ? w->path : "tree root", strerror(errno));
    for (size_t i = 0; i < n && rc == OTA_OK; i++) {
        size_t nl = strlen(names[i]);
        size_t np = plen + (plen ? 1 : 0) + nl;
        if (np > OTA_BUNDLE_MAX_ENTRY_PATH) {
            w->path[plen] = '\0';
            rc = fail(w, OTA_E_UNSAFE, "%s/%s: path too long", w->path, names[i]);
            break;
        }
        if (plen)
            w->path[plen] = '/';
        memcpy(w->path + plen + (plen ? 1 : 0), names[i], nl + 1);
        rc = put_one(w, x, dirfd, names[i], np, depth);
        w->path[plen] = '\0';
    }
    ota_tar_names_free(names, n);
    return rc;
}

ota_err
ota_bundle_writer_add_tree(ota_bundle_writer *w, const char *name, const char *dir, bool rootfs)
{
    if (w == NULL || dir == NULL)
        return OTA_E_ARG;
    ota_err rc = begin_component(w, name, OTA_BUNDLE_TREE, rootfs);
    if (rc != OTA_OK)
        return rc;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(w, errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO, "%s: %s", dir,
                    strerror(errno));
    walk_ctx x = {NULL, NULL, rootfs, NULL};
    w->path[0] = '\0';
    w->werr = OTA_OK;
    if (w->delta) {
        /* the delta layout: our own headers, cut by ota_tar's rule */
        w->comp->delta = true;
        w->comp->mtime = w->mtime;
        ota_tar_cut_init(&w->cut, w->chunk_size);
        if ((x.hdr = malloc(OTA_TAR_HEADER_MAX)) == NULL) {
            rc = fail(w, OTA_E_NOMEM, "out of memory");
            goto out;
        }
        rc = walk(w, &x, fd, 0, 0);
        if (rc == OTA_OK) { /* end of archive: two zero blocks */
            memset(x.hdr, 0, 2 * OTA_TAR_BLOCK);
            rc = feed(w, x.hdr, 2 * OTA_TAR_BLOCK);
        }
        if (rc != OTA_OK)
            goto out;
    } else {
        x.a = archive_write_new();
        x.e = archive_entry_new();
        if (x.a == NULL || x.e == NULL) {
            rc = fail(w, OTA_E_NOMEM, "out of memory");
            goto out;
        }
        /* pax: exact sizes and UTF-8 names of any length; unblocked output so
         * the stream ends right after the two end-of-archive blocks */
        if (archive_write_set_format_pax_restricted(x.a) != ARCHIVE_OK ||
            archive_write_set_format_option(x.a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
            archive_write_set_bytes_per_block(x.a, 0) != ARCHIVE_OK ||
            archive_write_open2(x.a, w, NULL, tar_write_cb, NULL, NULL) != ARCHIVE_OK) {
            rc = ar_fail(w, x.a, "archive setup");
            goto out;
        }
        rc = walk(w, &x, fd, 0, 0);
        if (rc != OTA_OK)
            goto out;
        if (archive_write_close(x.a) != ARCHIVE_OK) {
            rc = ar_fail(w, x.a, "archive close");
            goto out;
        }
    }
    end_component(w);
    w->comp->size = w->comp_bytes;
    rc = OTA_OK;
out:
    free(x.hdr);
    if (x.e != NULL)
        archive_entry_free(x.e);
    if (x.a != NULL)
        archive_write_free(x.a);
    close(fd);
    if (rc != OTA_OK)
        w->failed = true;
    return rc;
}

/* ---- finish ---------------------------------------------------------------------- */

static ota_err
copy_payload(ota_bundle_writer *w, int out_fd)
{
    if (lseek(w->payload_fd, 0, SEEK_SET) != 0)
        return fail(w, OTA_E_IO, "staging file: %s", strerror(errno));
    uint64_t left = w->payload_len;
    bool fallback = false;
    while (left > 0) {
        size_t want = left > (1u << 30) ? (1u << 30) : (size_t) left;
        ssize_t r = -1;
        if (!fallback) {
            r = copy_file_range(w->payload_fd, NULL, out_fd, NULL, want, 0);
            if (r < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                          errno == EOPNOTSUPP || errno == EBADF)) {
                fallback = true;
                continue;
            }
        } else {
            r = read(w->payload_fd, w->rbuf, want < READ_BUF ? want : READ_BUF);
            if (r > 0 && write_all(out_fd, w->rbuf, (size_t) r) != OTA_OK)
                r = -1;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return fail(w, OTA_E_IO, "writing the bundle: %s",
                        r < 0 ? strerror(errno) : "staging file truncated");
        left -= (uint64_t) r;
    }
    return OTA_OK;
}

ota_err
ota_bundle_writer_finish(ota_bundle_writer *w, int out_fd, uint64_t *total_len,
                         uint64_t *head_len, uint8_t head_sha256[32])
{
    if (w == NULL || out_fd < 0 || w->failed)
        return OTA_E_ARG;
    if (w->ncomps == 0)
        return fail(w, OTA_E_ARG, "a bundle needs at least one component");
    uint8_t *man = NULL;
    size_t man_len = 0;
    ota_err rc = flush_all(w);
    if (rc != OTA_OK)
        goto out;
    stop_threads(w);
    rc = otab_manifest_build(w->name, w->version, w->hardware, w->nhardware, w->created,
                             w->chunk_size, w->codec, w->comps, w->ncomps, w->hooks, w->hook_len, &man,
                             &man_len);
    if (rc != OTA_OK) {
        fail(w, rc, "manifest");
        goto out;
    }
    if (man_len > OTA_BUNDLE_MAX_MANIFEST) {
        rc = fail(w, OTA_E_LIMIT, "manifest larger than %u bytes", OTA_BUNDLE_MAX_MANIFEST);
        goto out;
    }
    ota_bundle_header h;
    memset(&h, 0, sizeof h);
    h.format = otab_format_of(w->codec, w->comps, w->ncomps);
    h.chunk_size = w->chunk_size;
    h.chunk_count = (uint32_t) (w->table.len / OTA_BUNDLE_ENTRY_LEN);
    h.manifest_len = man_len;
    h.table_len = w->table.len;
    h.payload_len = w->payload_len;
    uint8_t hb[OTA_BUNDLE_HEADER_LEN];
    uint8_t hs[32];
    ota_hash st;
    rc = ota_hash_init(&st, OTA_HASH_SHA256);
    if (rc == OTA_OK) {
        ota_hash_update(&st, man, man_len);
        ota_hash_update(&st, w->table.p, w->table.len);
        rc = ota_hash_final(&st, h.digest);
    }
    ota_bundle_header_encode(&h, hb);
    if (rc == OTA_OK)
        rc = ota_hash_init(&st, OTA_HASH_SHA256);
    if (rc == OTA_OK) {
        ota_hash_update(&st, hb, sizeof hb);
        ota_hash_update(&st, man, man_len);
        ota_hash_update(&st, w->table.p, w->table.len);
        rc = ota_hash_final(&st, hs);
    }
    if (rc != OTA_OK) {
        rc = fail(w, rc, "hashing the bundle head");
        goto out;
    }
    if (write_all(out_fd, hb, sizeof hb) != OTA_OK || write_all(out_fd, man, man_len) != OTA_OK ||
        (w->table.len && write_all(out_fd, w->table.p, w->table.len) != OTA_OK)) {
        rc = fail(w, OTA_E_IO, "writing the bundle: %s", strerror(errno));
        goto out;
    }
    rc = copy_payload(w, out_fd);
    if (rc != OTA_OK)
        goto out;
    uint64_t hl = OTA_BUNDLE_HEADER_LEN + man_len + w->table.len;
    if (total_len != NULL)
        *total_len = hl + w->payload_len;
    if (head_len != NULL)
        *head_len = hl;
    if (head_sha256 != NULL)
        memcpy(head_sha256, hs, 32);
    rc = OTA_OK;
out:
    free(man);
    if (rc != OTA_OK)
        w->failed = true;
    return rc;
}
