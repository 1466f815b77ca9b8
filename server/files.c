/* SPDX-License-Identifier: Apache-2.0 */
/*
 * files.c — static files of the repository: GET/HEAD, single Range (206,
 * 416), ETag / Last-Modified with If-None-Match / If-Modified-Since (304)
 * and If-Range, Content-Type by extension, Cache-Control by name kind.
 *
 * Small files (metadata) are served from an in-memory cache: one prebuilt
 * libmicrohttpd response per file, shared by all connections (MHD counts
 * references), revalidated on every request against the file's device,
 * inode, size, mtime and ctime — publishing replaces files by rename, so a
 * new inode is a new file.  The cached bytes were read through the safe
 * opener (path.c); a hit only serves bytes read that way.  Larger files go
 * out with sendfile(2) from an fd response.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define CACHE_BUCKETS 1024u

typedef struct centry {
    struct centry *next;
    char *key;
    uint32_t hash;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
    const uint8_t *data;        /* owned by `full`: freed by MHD with it */
    size_t len;
    struct MHD_Response *full;  /* 200, one reference held by the entry */
    struct MHD_Response *notmod;
    char etag[40];
    char lastmod[40];
    time_t mtime;
    const char *ctype;
    const char *cache_control;
    _Atomic int64_t used;
} centry;

struct srv_cache {
    pthread_rwlock_t lock;
    centry *buckets[CACHE_BUCKETS];
    size_t total;
    size_t max;
};

/* What the headers ask for, given a file's validators. */
typedef struct finfo {
    const char *etag;
    const char *lastmod;
    time_t mtime;
    uint64_t size;
    const char *ctype;
    const char *cache_control;
} finfo;


#define CC_IMMUTABLE SRV_CACHE_IMMUTABLE
#define CC_MUTABLE SRV_CACHE_MUTABLE

static srv_range
decide(struct MHD_Connection *c, const finfo *f, uint64_t *start, uint64_t *len)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    if (inm != NULL) {
        if (srv_etag_match(inm, f->etag))
            return SRV_NOT_MODIFIED;
    } else {
        const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
        time_t t;
        if (ims != NULL && srv_parse_http_date(ims, &t) && f->mtime <= t)
            return SRV_NOT_MODIFIED;
    }
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    if (range == NULL)
        return SRV_RANGE_NONE;
    const char *ifr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
    if (ifr != NULL) {
        /* strong comparison for an entity tag; exact match for a date */
        time_t t;
        bool same = ifr[0] == '"' ? strcmp(ifr, f->etag) == 0
                                  : srv_parse_http_date(ifr, &t) && t == f->mtime;
        if (!same)
            return SRV_RANGE_NONE;
    }
    return srv_parse_range(range, f->size, start, len);
}

static bool
add_headers(struct MHD_Response *r, const finfo *f, bool with_type)
{
    bool ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, f->etag) == MHD_YES &&
              MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, f->lastmod) == MHD_YES &&
              MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, f->cache_control) ==
                  MHD_YES;
    if (ok && with_type)
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, f->ctype) == MHD_YES &&
             MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes") == MHD_YES &&
             MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES;
    return ok;
}

static struct MHD_Response *
empty_response(void)
{
    return MHD_create_response_from_buffer(0, (void *) (uintptr_t) "", MHD_RESPMEM_PERSISTENT);
}

/* Queue r after adding the headers for kind d; consumes r. */
static enum MHD_Result
finish(srv_conn *sc, struct MHD_Connection *c, struct MHD_Response *r, const finfo *f,
       srv_range d, uint64_t start, uint64_t len)
{
    if (r == NULL)
        return MHD_NO;
    char cr[80];
    unsigned status = 200;
    bool ok = add_headers(r, f, d != SRV_NOT_MODIFIED);
    if (d == SRV_RANGE_OK) {
        status = 206;
        snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, start,
                 start + len - 1, f->size);
        ok = ok && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr) == MHD_YES;
    } else if (d == SRV_RANGE_UNSAT) {
        status = 416;
        snprintf(cr, sizeof cr, "bytes */%" PRIu64, f->size);
        ok = ok && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr) == MHD_YES;
    } else if (d == SRV_NOT_MODIFIED) {
        status = 304;
    }
    enum MHD_Result ret = MHD_NO;
    if (ok)
        ret = srv_queue(sc, c, status, r, d == SRV_RANGE_OK ? len : d == SRV_RANGE_NONE ? f->size : 0);
    MHD_destroy_response(r);
    return ret;
}

/* ---- the cache -------------------------------------------------------------- */

static uint32_t
fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++)
        h = (h ^ (uint8_t) *s) * 16777619u;
    return h;
}

static bool
same_file(const centry *e, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtim.tv_sec == st->st_mtim.tv_sec && e->mtim.tv_nsec == st->st_mtim.tv_nsec &&
           e->ctim.tv_sec == st->st_ctim.tv_sec && e->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

static void
centry_free(centry *e)
{
    if (e == NULL)
        return;
    if (e->full != NULL)
        MHD_destroy_response(e->full); /* data freed when the last sender ends */
    else
        free((void *) (uintptr_t) e->data);
    if (e->notmod != NULL)
        MHD_destroy_response(e->notmod);
    free(e->key);
    free(e);
}

ota_err
srv_cache_new(size_t total, srv_cache **out)
{
    srv_cache *ca = calloc(1, sizeof *ca);
    if (ca == NULL)
        return OTA_E_NOMEM;
    if (pthread_rwlock_init(&ca->lock, NULL) != 0) {
        free(ca);
        return OTA_E_NOMEM;
    }
    ca->max = total;
    *out = ca;
    return OTA_OK;
}

void
srv_cache_free(srv_cache *ca)
{
    if (ca == NULL)
        return;
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        centry *e = ca->buckets[i];
        while (e != NULL) {
            centry *next = e->next;
            centry_free(e);
            e = next;
        }
    }
    pthread_rwlock_destroy(&ca->lock);
    free(ca);
}

static finfo
entry_info(const centry *e)
{
    return (finfo){e->etag, e->lastmod, e->mtime, e->len, e->ctype, e->cache_control};
}

/* Serve from a matching entry; caller holds the read lock. */
static enum MHD_Result
serve_entry(srv_conn *sc, struct MHD_Connection *c, const centry *e)
{
    finfo f = entry_info(e);
    uint64_t start = 0, len = 0;
    srv_range d = decide(c, &f, &start, &len);
    switch (d) {
    case SRV_RANGE_NONE: return srv_queue(sc, c, 200, e->full, e->len);
    case SRV_NOT_MODIFIED: return srv_queue(sc, c, 304, e->notmod, 0);
    case SRV_RANGE_OK:
        return finish(sc, c,
                      MHD_create_response_from_buffer((size_t) len,
                                                      (void *) (uintptr_t) (e->data + start),
                                                      MHD_RESPMEM_MUST_COPY),
                      &f, d, start, len);
    case SRV_RANGE_UNSAT: return finish(sc, c, empty_response(), &f, d, 0, 0);
    }
    return MHD_NO;
}

/* Look rel up; on a hit matching st, serve it and return true. */
static bool
cache_serve(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *rel, uint32_t h,
            const struct stat *st, enum MHD_Result *ret)
{
    srv_cache *ca = s->cache;
    bool hit = false;
    pthread_rwlock_rdlock(&ca->lock);
    for (centry *e = ca->buckets[h % CACHE_BUCKETS]; e != NULL; e = e->next) {
        if (e->hash == h && strcmp(e->key, rel) == 0) {
            if (same_file(e, st)) {
                hit = true;
                atomic_store_explicit(&e->used, srv_now_ms(), memory_order_relaxed);
                *ret = serve_entry(sc, c, e);
            }
            break;
        }
    }
    pthread_rwlock_unlock(&ca->lock);
    return hit;
}

/* Unlink the entry for key (if any); caller holds the write lock. */
static void
cache_remove_locked(srv_cache *ca, centry *victim)
{
    centry **pp = &ca->buckets[victim->hash % CACHE_BUCKETS];
    while (*pp != NULL && *pp != victim)
        pp = &(*pp)->next;
    if (*pp == NULL)
        return;
    *pp = victim->next;
    ca->total -= victim->len;
    centry_free(victim);
}

static void
cache_insert(srv_cache *ca, centry *e)
{
    pthread_rwlock_wrlock(&ca->lock);
    for (centry *o = ca->buckets[e->hash % CACHE_BUCKETS]; o != NULL; o = o->next)
        if (o->hash == e->hash && strcmp(o->key, e->key) == 0) {
            cache_remove_locked(ca, o);
            break;
        }
    /* evict least recently used entries until it fits (linear scan: runs
     * only when a file changes or the cache is full) */
    while (ca->total + e->len > ca->max && ca->total > 0) {
        centry *lru = NULL;
        for (size_t i = 0; i < CACHE_BUCKETS; i++)
            for (centry *o = ca->buckets[i]; o != NULL; o = o->next)
                if (lru == NULL || atomic_load(&o->used) < atomic_load(&lru->used))
                    lru = o;
        if (lru == NULL)
            break;
        cache_remove_locked(ca, lru);
    }
    if (ca->total + e->len <= ca->max) {
        e->next = ca->buckets[e->hash % CACHE_BUCKETS];
        ca->buckets[e->hash % CACHE_BUCKETS] = e;
        ca->total += e->len;
        e = NULL;
    }
    pthread_rwlock_unlock(&ca->lock);
    centry_free(e);
}

/* Read the whole open file into a new entry (NULL when it changed while
 * reading, or out of memory). */
static centry *
cache_load(int fd, const struct stat *st, const char *rel, uint32_t h)
{
    size_t size = (size_t) st->st_size;
    centry *e = calloc(1, sizeof *e);
    uint8_t *data = malloc(size > 0 ? size : 1);
    if (e == NULL || data == NULL)
        goto fail;
    e->data = data;
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, data + got, size - got, (off_t) got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        got += (size_t) n;
    }
    struct stat after;
    if (fstat(fd, &after) != 0 || after.st_size != st->st_size ||
        after.st_mtim.tv_nsec != st->st_mtim.tv_nsec || after.st_mtim.tv_sec != st->st_mtim.tv_sec)
        goto fail;
    e->key = strdup(rel);
    if (e->key == NULL)
        goto fail;
    e->hash = h;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtim = st->st_mtim;
    e->ctim = st->st_ctim;
    e->len = size;
    e->mtime = st->st_mtim.tv_sec;
    /* content ETag: identical on every server that has the same bytes */
    uint8_t digest[OTA_SHA256_LEN];
    char hex[2 * OTA_SHA256_LEN + 1];
    ota_sha256(data, size, digest);
    ota_hex_encode(digest, 16, hex);
    snprintf(e->etag, sizeof e->etag, "\"%.32s\"", hex);
    srv_http_date(e->mtime, e->lastmod, sizeof e->lastmod);
    e->ctype = srv_mime_type(rel);
    e->cache_control = srv_name_immutable(rel) ? CC_IMMUTABLE : CC_MUTABLE;
    atomic_store(&e->used, srv_now_ms());
    finfo f = entry_info(e);
    e->full = MHD_create_response_from_buffer_with_free_callback(size, data, free);
    if (e->full == NULL)
        goto fail;
    /* from here `full` owns data */
    e->notmod = empty_response();
    if (e->notmod == NULL || !add_headers(e->full, &f, true) || !add_headers(e->notmod, &f, false))
        goto fail_entry;
    return e;
fail:
    free(data);
    if (e != NULL)
        free(e->key);
    free(e);
    return NULL;
fail_entry:
    centry_free(e);
    return NULL;
}

/* ---- serving ------------------------------------------------------------------ */

static enum MHD_Result
serve_fd(srv_conn *sc, struct MHD_Connection *c, const char *rel, int fd, const struct stat *st)
{
    char etag[64], lastmod[40];
    snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "-%lx\"", (uint64_t) st->st_size,
             (uint64_t) st->st_mtim.tv_sec, (unsigned long) st->st_mtim.tv_nsec);
    srv_http_date(st->st_mtim.tv_sec, lastmod, sizeof lastmod);
    finfo f = {etag,
               lastmod,
               st->st_mtim.tv_sec,
               (uint64_t) st->st_size,
               srv_mime_type(rel),
               srv_name_immutable(rel) ? CC_IMMUTABLE : CC_MUTABLE};
    uint64_t start = 0, len = 0;
    srv_range d = decide(c, &f, &start, &len);
    struct MHD_Response *r = NULL;
    if (d == SRV_RANGE_NONE && f.size > 0) {
        r = MHD_create_response_from_fd64(f.size, fd); /* takes fd: sendfile */
    } else if (d == SRV_RANGE_OK) {
        r = MHD_create_response_from_fd_at_offset64(len, fd, start);
    } else {
        close(fd);
        r = empty_response();
    }
    if (r == NULL && (d == SRV_RANGE_OK || (d == SRV_RANGE_NONE && f.size > 0)))
        close(fd);
    return finish(sc, c, r, &f, d, start, len);
}

enum MHD_Result
srv_files_serve(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url)
{
    static _Thread_local char rel[OTA_MAX_PATH_LEN + 1];
    switch (srv_path_parse(url, rel, sizeof rel)) {
    case SRV_PATH_OK: break;
    case SRV_PATH_BAD: return srv_reply_error(sc, c, 400, "E_PATH", "invalid path");
    case SRV_PATH_LONG: return srv_reply_error(sc, c, 414, "E_PATH", "path too long");
    case SRV_PATH_HIDDEN:
    case SRV_PATH_DIR: return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such file");
    }
    if (!srv_path_served(rel))
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such file");
    uint32_t h = fnv1a(rel);
    struct stat st;
    if (s->cache != NULL) {
        enum MHD_Result ret = MHD_NO;
        /* cheap revalidation: the cached bytes are served only if this path
         * still names the very file they were read from */
        if (fstatat(s->root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            cache_serve(s, sc, c, rel, h, &st, &ret)) {
            atomic_fetch_add_explicit(&s->metrics.cache_hits, 1, memory_order_relaxed);
            return ret;
        }
    }
    int fd = srv_path_open(s->root_fd, rel, &st);
    if (fd < 0) {
        switch (errno) {
        case EMFILE:
        case ENFILE:
        case ENOMEM:
            return srv_reply_error(sc, c, 503, "E_BUSY", "server busy");
        default: return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such file");
        }
    }
    if (s->cache != NULL && (size_t) st.st_size <= OTA_SERVER_CACHE_FILE_MAX &&
        (size_t) st.st_size <= s->cache->max) {
        atomic_fetch_add_explicit(&s->metrics.cache_misses, 1, memory_order_relaxed);
        centry *e = cache_load(fd, &st, rel, h);
        if (e != NULL) {
            cache_insert(s->cache, e);
            enum MHD_Result ret = MHD_NO;
            if (cache_serve(s, sc, c, rel, h, &st, &ret)) {
                close(fd);
                return ret;
            }
        }
    }
    return serve_fd(sc, c, rel, fd, &st);
}
