/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.c — target files: the verified pull-style stream, and downloads
 * into a directory that only ever gain complete, verified files; an
 * interrupted download waits in a hidden partial file named by the signed
 * hash and is resumed (Range) by the next fetch of the same target.
 */
#define _GNU_SOURCE /* sync_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "ota_atomic.h"
#include "ota_hash.h"

/* The whole-file hashes of a target, computed as its bytes go by: the ones
 * the metadata lists (at least one, see check_info).  A hashes owns its
 * ota_hash states, so it is never copied: hashes_move hands it on (the
 * source is left empty), hashes_match and hashes_free release it, and both
 * are safe on an empty (zeroed or released) one. */
typedef struct hashes {
    ota_hash h256, h512;
} hashes;

static void
hashes_free(hashes *h)
{
    ota_hash_free(&h->h256);
    ota_hash_free(&h->h512);
}

/* OTA_OK, or OTA_E_NOMEM (h is then empty).  h must be empty. */
static ota_err
hashes_init(hashes *h, const ota_target_info *t)
{
    memset(h, 0, sizeof *h);
    if ((t->has_sha256 && ota_hash_init(&h->h256, OTA_HASH_SHA256) != OTA_OK) ||
        (t->has_sha512 && ota_hash_init(&h->h512, OTA_HASH_SHA512) != OTA_OK)) {
        hashes_free(h);
        return OTA_E_NOMEM;
    }
    return OTA_OK;
}

static void
hashes_move(hashes *dst, hashes *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

static void
hashes_update(hashes *h, const ota_target_info *t, const uint8_t *p, size_t n)
{
    if (t->has_sha256)
        ota_hash_update(&h->h256, p, n);
    if (t->has_sha512)
        ota_hash_update(&h->h512, p, n);
}

/* Finalise and release h: every hash t lists equal?  A digest the backend
 * failed to compute is a mismatch (fail closed). */
static bool
hashes_match(hashes *h, const ota_target_info *t)
{
    uint8_t d256[OTA_SHA256_LEN], d512[OTA_SHA512_LEN];
    bool ok = t->has_sha256 || t->has_sha512;
    if (t->has_sha256 && (ota_hash_final(&h->h256, d256) != OTA_OK ||
                          sodium_memcmp(d256, t->sha256, sizeof d256) != 0))
        ok = false;
    if (t->has_sha512 && (ota_hash_final(&h->h512, d512) != OTA_OK ||
                          sodium_memcmp(d512, t->sha512, sizeof d512) != 0))
        ok = false;
    hashes_free(h);
    return ok;
}

struct ota_target_stream {
    ota_client *c;     /* borrowed: transport and error message */
    void *ts;          /* the transport's stream */
    ota_target_info t; /* path: ours (below); custom_json and role not kept */
    char *path;
    uint64_t got;
    hashes h;
    ota_err sticky;
    bool done;
    bool partial; /* opened at an offset: only the length can be checked */
};

/* target_base_url + dir/ + [HASH.]basename, percent-encoded, no dot segments. */
static ota_err
target_url(ota_client *c, const ota_target_info *t, char *url, size_t cap)
{
    char hex[2 * OTA_SHA512_LEN + 2];
    const char *slash = strrchr(t->path, '/');
    size_t dlen = slash != NULL ? (size_t) (slash - t->path) + 1 : 0;
    size_t base = strlen(c->target_base_url);
    ota_err rc = OTA_E_LIMIT;

    hex[0] = '\0';
    if (c->root->consistent_snapshot) {
        /* spec 5.7.3: HASH.FILENAME, HASH one of the listed hashes */
        if (t->has_sha256)
            ota_hex_encode(t->sha256, OTA_SHA256_LEN, hex);
        else if (t->has_sha512)
            ota_hex_encode(t->sha512, OTA_SHA512_LEN, hex);
        else
            return otac_fail(c, OTA_E_UNSUPPORTED, "%s: no supported hash listed", t->path);
        strcat(hex, ".");
    }
    if (base >= cap || dlen >= OTA_CLIENT_MAX_URL)
        goto toolong;
    memcpy(url, c->target_base_url, base + 1);
    char *dir = malloc(dlen + 1);
    if (dir == NULL)
        return otac_fail(c, OTA_E_NOMEM, "out of memory");
    memcpy(dir, t->path, dlen);
    dir[dlen] = '\0';
    rc = otac_pct_encode(dir, true, true, false, url + base, cap - base);
    free(dir);
    if (rc != OTA_OK)
        goto toolong;
    size_t o = strlen(url);
    if (strlen(hex) >= cap - o)
        goto toolong;
    memcpy(url + o, hex, strlen(hex) + 1);
    o = strlen(url);
    if (otac_pct_encode(t->path + dlen, false, true, false, url + o, cap - o) != OTA_OK)
        goto toolong;
    return OTA_OK;
toolong:
    return otac_fail(c, OTA_E_LIMIT, "URL for target %s too long", t->path);
}

/* Read the caller's entry user_t into *t (the growth rule, abi.h) and check
 * it can be fetched. */
static ota_err
check_info(ota_client *c, const ota_target_info *user_t, ota_target_info *t)
{
    char msg[256];
    if (user_t == NULL)
        return otac_fail(c, OTA_E_ARG, "no target");
    if (otac_struct_in(t, sizeof *t, user_t, user_t->size, OTAC_MIN_TARGET_INFO, "ota_target_info",
                       msg, sizeof msg) != OTA_OK)
        return otac_fail(c, OTA_E_ARG, "%s", msg);
    if (t->path == NULL || t->path[0] == '\0')
        return otac_fail(c, OTA_E_ARG, "no target");
    if (!c->refreshed || c->root == NULL)
        return otac_fail(c, OTA_E_ARG, "refresh first");
    if (!c->have_tr || c->target_base_url == NULL)
        return otac_fail(c, OTA_E_ARG, "no transport or target URL configured");
    if (!t->has_sha256 && !t->has_sha512)
        return otac_fail(c, OTA_E_UNSUPPORTED, "%s: no supported hash listed", t->path);
    return OTA_OK;
}

ota_err
ota_client_target_open(ota_client *c, const ota_target_info *t, ota_target_stream **out)
{
    return ota_client_target_open_at(c, t, 0, out);
}

/* Open a stream over t from offset.  seed: the hashes of the first offset
 * bytes (which the caller has), so the stream checks the whole file at its
 * end; moved into the stream once it is allocated (*seed is then empty;
 * after an earlier failure it is still the caller's).  NULL: from offset 0
 * a stream that checks the whole file, from further on a partial stream
 * that checks only the length. */
static ota_err
stream_open(ota_client *c, const ota_target_info *user_t, uint64_t offset, hashes *seed,
            ota_target_stream **out)
{
    char err[OTA_TRANSPORT_ERRLEN];
    ota_target_info ti;
    const ota_target_info *t = &ti;
    ota_target_stream *s = NULL;
    char *url = NULL;
    ota_err rc = OTA_E_ARG;
    if (c == NULL)
        return rc;
    otac_ok(c);
    if (out == NULL) {
        rc = otac_fail(c, rc, "no output");
        goto out;
    }
    if ((rc = check_info(c, user_t, &ti)) != OTA_OK)
        goto out;
    if (offset > t->length || (offset == t->length && offset > 0)) {
        rc = otac_fail(c, OTA_E_ARG, "%s: offset %" PRIu64 " beyond its length", t->path, offset);
        goto out;
    }
    url = malloc(OTAC_MAX_URL);
    s = calloc(1, sizeof *s);
    if (url == NULL || s == NULL || (s->path = strdup(t->path)) == NULL) {
        rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = target_url(c, t, url, OTAC_MAX_URL)) != OTA_OK)
        goto out;
    s->c = c;
    s->partial = offset > 0 && seed == NULL;
    s->got = offset;
    s->t = *t;
    s->t.path = s->path;
    s->t.custom_json = s->t.role = NULL;
    if (seed != NULL) {
        hashes_move(&s->h, seed);
    } else if (!s->partial && hashes_init(&s->h, t) != OTA_OK) {
        rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    /* ceiling: the signed length (one byte more for an empty target, so the
     * transport can be asked at all; we refuse that byte ourselves) */
    ota_fetch_req req = {.size = sizeof req,
                         .url = url,
                         .offset = offset,
                         .max_len = t->length > 0 ? t->length - offset : 1};
    err[0] = '\0';
    rc = c->tr.open(c->tr.user, &req, &s->ts, err, sizeof err);
    err[sizeof err - 1] = '\0';
    if (rc != OTA_OK) {
        s->ts = NULL;
        rc = otac_fail(c, rc == OTA_E_NOT_FOUND ? OTA_E_NETWORK : rc, "%s: %s", url,
                       err[0] ? err : ota_strerror(rc));
        goto out;
    }
    *out = s;
    s = NULL;
    rc = OTA_OK;
out:
    free(url);
    ota_target_stream_close(s);
    return rc;
}

ota_err
ota_client_target_open_at(ota_client *c, const ota_target_info *t, uint64_t offset,
                          ota_target_stream **out)
{
    return stream_open(c, t, offset, NULL, out);
}

static ota_err
stream_fail(ota_target_stream *s, ota_err rc, const char *msg)
{
    s->sticky = otac_fail(s->c, rc, "%s: %s", s->path, msg);
    return s->sticky;
}

/* A transfer of target `path` that the transport ended with rc (not OTA_OK;
 * err: its message): the error the caller gets. */
static ota_err
transfer_fail(ota_client *c, const char *path, ota_err rc, const char *err)
{
    if (rc == OTA_E_LENGTH)
        return otac_fail(c, rc, "%s: more bytes than the signed length (endless data?)", path);
    if (rc == OTA_E_NOT_FOUND)
        return otac_fail(c, OTA_E_NETWORK, "%s: not found on the server", path);
    return otac_fail(c, rc, "%s: %s", path, err[0] ? err : ota_strerror(rc));
}

/* The transfer of t ended normally after `got` bytes of the file: all of
 * them there, and (h not NULL) every listed hash equal (h is released). */
static ota_err
end_check(ota_client *c, const ota_target_info *t, uint64_t got, hashes *h)
{
    if (got != t->length)
        return otac_fail(c, OTA_E_LENGTH, "%s: ended early after %" PRIu64 " of %" PRIu64 " bytes",
                         t->path, got, t->length);
    if (h != NULL && !hashes_match(h, t))
        return otac_fail(c, OTA_E_HASH,
                         "%s: hash differs from the signed one (arbitrary software attack)",
                         t->path);
    return OTA_OK;
}

ota_err
ota_target_stream_read(ota_target_stream *s, uint8_t *buf, size_t cap, size_t *got)
{
    char err[OTA_TRANSPORT_ERRLEN];
    uint8_t extra[1];
    if (s == NULL || buf == NULL || got == NULL || cap == 0)
        return OTA_E_ARG;
    if (s->sticky != OTA_OK)
        return s->sticky;
    *got = 0;
    if (s->done)
        return OTA_OK;
    uint64_t left = s->t.length - s->got;
    /* at the signed length, ask for one more byte: there must be none */
    uint8_t *dst = left == 0 ? extra : buf;
    size_t want = left == 0 ? 1 : (left < (uint64_t) cap ? (size_t) left : cap);
    size_t n = 0;
    err[0] = '\0';
    ota_err rc = s->c->tr.read(s->c->tr.user, s->ts, dst, want, &n, err, sizeof err);
    err[sizeof err - 1] = '\0';
    if (rc == OTA_OK && left == 0 && n > 0)
        rc = OTA_E_LENGTH;
    if (rc != OTA_OK)
        return s->sticky = transfer_fail(s->c, s->path, rc, err);
    if (n > want)
        return stream_fail(s, OTA_E_NETWORK, "transport returned too many bytes");
    if (n == 0) {
        /* partial: the caller checks the bytes (bundle chunks) */
        if ((rc = end_check(s->c, &s->t, s->got, s->partial ? NULL : &s->h)) != OTA_OK)
            return s->sticky = rc;
        s->done = true;
        otac_ok(s->c);
        return OTA_OK;
    }
    if (!s->partial)
        hashes_update(&s->h, &s->t, dst, n);
    s->got += n;
    *got = n;
    return OTA_OK;
}

void
ota_target_stream_close(ota_target_stream *s)
{
    if (s == NULL)
        return;
    if (s->ts != NULL)
        s->c->tr.close(s->c->tr.user, s->ts);
    hashes_free(&s->h);
    free(s->path);
    sodium_memzero(s, sizeof *s);
    free(s);
}

/* Hash the first `limit` bytes of fd (from its start, whatever its offset)
 * into h; *total: the bytes there were (less than limit when fd is
 * shorter).  OTA_E_IO (errno set) on a read error. */
static ota_err
hash_fd(int fd, uint64_t limit, const ota_target_info *t, hashes *h, uint8_t *buf,
        uint64_t *total)
{
    *total = 0;
    while (*total < limit) {
        uint64_t left = limit - *total;
        ssize_t r = pread(fd, buf, left < OTAC_IO_CHUNK ? (size_t) left : OTAC_IO_CHUNK,
                          (off_t) *total);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return OTA_E_IO;
        if (r == 0)
            break;
        hashes_update(h, t, buf, (size_t) r);
        *total += (uint64_t) r;
    }
    return OTA_OK;
}

/* Does dir/name hold exactly t (length and every listed hash)? */
static bool
already_there(int dfd, const char *name, const ota_target_info *t, uint8_t *buf)
{
    struct stat st;
    hashes h;
    uint64_t total = 0;
    bool ok = false;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size != t->length)
        goto out;
    if (hashes_init(&h, t) != OTA_OK)
        goto out;
    ok = hash_fd(fd, t->length, t, &h, buf, &total) == OTA_OK && total == t->length &&
         hashes_match(&h, t);
    hashes_free(&h); /* when hash_fd failed */
out:
    close(fd);
    return ok;
}

/* Where an interrupted download of t waits: a hidden name in dir made of
 * the signed hash (SHA-256 preferred), so a changed target can never
 * continue another file's bytes.  Never a downloaded target's name (those
 * never start with '.'), never an ota_atomic temporary. */
#define PART_PREFIX ".ota-part."
#define PART_NAME_MAX (sizeof PART_PREFIX + 2 * OTA_SHA512_LEN)

static void
part_name(const ota_target_info *t, char out[PART_NAME_MAX])
{
    memcpy(out, PART_PREFIX, sizeof PART_PREFIX - 1);
    if (t->has_sha256)
        ota_hex_encode(t->sha256, OTA_SHA256_LEN, out + sizeof PART_PREFIX - 1);
    else
        ota_hex_encode(t->sha512, OTA_SHA512_LEN, out + sizeof PART_PREFIX - 1);
}

/* Leftovers in a download directory.  A download killed outright (power
 * cut, SIGKILL) leaves its ota_atomic temporary behind: removed once
 * untouched for TMP_STALE_SECS (a live writer updates mtime far more often,
 * and gives up after its low-speed limit anyway).  Partial files are kept
 * for resuming, but one untouched for PART_STALE_SECS belongs to a target
 * nobody asks for any more (keep_part, the one being fetched, stays). */
#define TMP_STALE_SECS 600
#define PART_STALE_SECS (7 * 24 * 3600)
static void
sweep_leftovers(int dfd, const char *keep_part)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        time_t stale;
        if (ota_atomic_is_temp(e->d_name))
            stale = TMP_STALE_SECS;
        else if (strncmp(e->d_name, PART_PREFIX, sizeof PART_PREFIX - 1) == 0 &&
                 strcmp(e->d_name, keep_part) != 0)
            stale = PART_STALE_SECS;
        else
            continue;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > stale)
            (void) unlinkat(dfd, e->d_name, 0);
    }
    closedir(d);
}

/* Open (or create) dir/pname for reading and writing, locked against a
 * second download of the same target.  Anything but a regular file there (a
 * planted symlink, a FIFO) is removed and a fresh file made. */
static ota_err
open_part(ota_client *c, int dfd, const char *dir, const char *pname, int *out)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        struct stat st;
        int fd = openat(dfd, pname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
        if (fd < 0 && errno != ELOOP)
            return otac_fail(c, ota_errno_err(errno), "%s/%s: %s", dir, pname, strerror(errno));
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
                close(fd);
                return otac_fail(c, OTA_E_IO,
                                 "%s/%s: another download of this target is in progress", dir,
                                 pname);
            }
            *out = fd;
            return OTA_OK;
        }
        if (fd >= 0)
            close(fd);
        (void) unlinkat(dfd, pname, 0);
    }
    return otac_fail(c, OTA_E_IO, "%s/%s: not a regular file", dir, pname);
}

/* How much of t the partial file fd already holds, hashed into h (empty on
 * entry; the caller releases it, whatever the outcome).  A file longer than
 * t is emptied (start over); a complete one whose hashes do not match too.
 * *complete: it holds exactly t (only the rename is missing; h is then
 * released). */
static ota_err
resume_point(ota_client *c, int fd, const ota_target_info *t, const char *what, uint8_t *buf,
             hashes *h, uint64_t *have, bool *complete)
{
    struct stat st;
    *have = 0;
    *complete = false;
    if (hashes_init(h, t) != OTA_OK)
        return otac_fail(c, OTA_E_NOMEM, "out of memory");
    if (fstat(fd, &st) != 0)
        return otac_fail(c, OTA_E_IO, "%s: %s", what, strerror(errno));
    uint64_t size = (uint64_t) st.st_size;
    if (size > 0 && size <= t->length) {
        if (hash_fd(fd, size, t, h, buf, have) != OTA_OK)
            return otac_fail(c, OTA_E_IO, "%s: %s", what, strerror(errno));
        if (*have == t->length) {
            *complete = hashes_match(h, t);
            if (!*complete) {
                *have = 0;
                if (hashes_init(h, t) != OTA_OK)
                    return otac_fail(c, OTA_E_NOMEM, "out of memory");
            }
        }
    }
    /* from here the file is exactly the prefix hashed, written at its end */
    if (ftruncate(fd, (off_t) *have) != 0 || lseek(fd, (off_t) *have, SEEK_SET) < 0)
        return otac_fail(c, ota_errno_err(errno), "%s: %s", what, strerror(errno));
    return OTA_OK;
}

/* Tell the caller's progress callback (every PROGRESS_MS at most, or now
 * when `force`); true when it asks to stop. */
#define PROGRESS_MS 100
static bool
progress(ota_client *c, uint64_t done, uint64_t total, uint64_t from, int64_t *last_ms,
         bool force)
{
    struct timespec ts;
    if (c->progress == NULL)
        return false;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (!force && now - *last_ms < PROGRESS_MS)
        return false;
    *last_ms = now;
    return c->progress(c->progress_user, done, total, from) != OTA_OK;
}

/* fsync the finished partial file, rename it to name, fsync the directory. */
static ota_err
commit_part(ota_client *c, int dfd, int fd, const char *dir, const char *pname, const char *name)
{
    if (fsync(fd) != 0)
        return otac_fail(c, ota_errno_err(errno), "%s/%s: %s", dir, pname, strerror(errno));
    if (renameat(dfd, pname, dfd, name) != 0)
        return otac_fail(c, ota_errno_err(errno), "%s/%s: %s", dir, name, strerror(errno));
    if (fsync(dfd) != 0)
        return otac_fail(c, OTA_E_IO, "%s: %s", dir, strerror(errno));
    return OTA_OK;
}

/* Early write-back: every WRITEBACK_BYTES written, the kernel is asked to
 * start writing them out (SYNC_FILE_RANGE_WRITE: it does not wait for the
 * disk), so dirty pages do not pile up and the fsync at the end finds
 * little left to do. */
#define WRITEBACK_BYTES (8u << 20)

/* Hashing beside the transfer (push path, targets of HASHER_MIN_LEN bytes
 * or more): a second thread reads back what the transfer has written to the
 * partial file (from the page cache: pread into its own HASHER_BUF buffer)
 * and hashes it, so the hashes no longer hold up receiving and writing; on a
 * machine with a free core they cost no wall time.  The bytes hashed are the
 * file's, which is what gets renamed into place.  No thread (it could not be
 * started, or the target is small): the sink hashes each piece itself. */
#define HASHER_MIN_LEN (1u << 20)
#define HASHER_BUF (256u * 1024u)

typedef struct hasher {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fd;
    const ota_target_info *t;
    hashes *h;        /* the thread's until hasher_stop */
    uint8_t *buf;
    uint64_t from;    /* where the thread starts (h covers the bytes before) */
    uint64_t written; /* under mu: the file's bytes written so far */
    uint64_t told;    /* the caller's: `written` when it last woke the thread */
    bool finished;    /* under mu: nothing more will be written */
    bool stop;        /* under mu: give up (the download failed) */
    int err;          /* the thread's read error (errno), 0: none; read after join */
    uint64_t hashed;  /* read after join */
} hasher;

static void *
hasher_main(void *arg)
{
    hasher *k = arg;
    uint64_t pos = k->from;
    pthread_mutex_lock(&k->mu);
    for (;;) {
        /* woken per HASHER_BUF written (hasher_wrote), not per piece */
        while (k->written - pos < HASHER_BUF && !k->finished && !k->stop)
            pthread_cond_wait(&k->cv, &k->mu);
        if (k->stop || pos == k->written)
            break; /* given up, or finished and all of it hashed */
        uint64_t avail = k->written - pos;
        pthread_mutex_unlock(&k->mu);
        ssize_t r = pread(k->fd, k->buf, avail < HASHER_BUF ? (size_t) avail : HASHER_BUF,
                          (off_t) pos);
        if (r > 0) {
            hashes_update(k->h, k->t, k->buf, (size_t) r);
            pos += (uint64_t) r;
        }
        pthread_mutex_lock(&k->mu);
        if (r < 0 && errno != EINTR) {
            k->err = errno;
            break;
        }
        if (r == 0) { /* shorter than written: someone else truncated it */
            k->err = EIO;
            break;
        }
    }
    pthread_mutex_unlock(&k->mu);
    k->hashed = pos;
    return NULL;
}

/* Start hashing fd from `from` (h covers the bytes before) in a thread;
 * false when it cannot be (the caller hashes itself, h untouched). */
static bool
hasher_start(hasher *k, int fd, const ota_target_info *t, hashes *h, uint64_t from)
{
    sigset_t all, old;
    memset(k, 0, sizeof *k);
    k->fd = fd;
    k->t = t;
    k->h = h;
    k->from = k->written = k->told = from;
    if ((k->buf = malloc(HASHER_BUF)) == NULL)
        return false;
    if (pthread_mutex_init(&k->mu, NULL) != 0)
        goto nomutex;
    if (pthread_cond_init(&k->cv, NULL) != 0)
        goto nocond;
    /* the thread takes no signals: they stay with the caller's thread */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&k->tid, NULL, hasher_main, k);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e == 0)
        return true;
    pthread_cond_destroy(&k->cv);
nocond:
    pthread_mutex_destroy(&k->mu);
nomutex:
    free(k->buf);
    k->buf = NULL;
    return false;
}

/* The file now holds `written` bytes.  The thread is woken once a buffer's
 * worth more is there (a wake-up per piece costs a system call each). */
static void
hasher_wrote(hasher *k, uint64_t written)
{
    pthread_mutex_lock(&k->mu);
    k->written = written;
    if (written - k->told >= HASHER_BUF) {
        k->told = written;
        pthread_cond_signal(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
}

/* End the thread: drain (hash everything written first) or give up.  After
 * a drain, OTA_OK when every byte written was hashed; OTA_E_IO (errno set)
 * when the thread could not read them back. */
static ota_err
hasher_stop(hasher *k, bool drain)
{
    pthread_mutex_lock(&k->mu);
    k->finished = true;
    k->stop = !drain;
    uint64_t written = k->written;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->tid, NULL);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    free(k->buf);
    k->buf = NULL;
    if (drain && (k->err != 0 || k->hashed != written)) {
        errno = k->err != 0 ? k->err : EIO;
        return OTA_E_IO;
    }
    return OTA_OK;
}

/* One download of t into the partial file fd, by either path below. */
typedef struct dl {
    ota_client *c;
    const ota_target_info *t;
    const char *what; /* the partial file, for messages */
    int fd;
    hashes *h;        /* push path: the hashes, seeded with the first `have` bytes */
    hasher *k;        /* push path: the thread hashing them, or NULL */
    uint64_t have;    /* where this transfer starts */
    uint64_t done;    /* bytes of the file in fd */
    uint64_t flushed; /* write-back started up to here */
    int64_t last_ms;
    bool canceled;    /* the progress callback asked to stop */
    ota_err err;      /* push path: why dl_sink stopped the transfer */
} dl;

/* Append p[n] to the partial file and tell the progress callback.
 * OTA_E_CANCELED (d->canceled set) when it asks to stop; a write error is
 * recorded on the client. */
static ota_err
dl_write(dl *d, const uint8_t *p, size_t n)
{
    ota_err rc = ota_write_all(d->fd, p, n);
    if (rc != OTA_OK)
        return otac_fail(d->c, rc, "%s: %s", d->what, strerror(errno));
    d->done += n;
    if (d->done - d->flushed >= WRITEBACK_BYTES) {
        /* advice only: an error here shows again in the fsync */
        (void) sync_file_range(d->fd, (off_t) d->flushed, (off_t) (d->done - d->flushed),
                               SYNC_FILE_RANGE_WRITE);
        d->flushed = d->done;
    }
    if (progress(d->c, d->done, d->t->length, d->have, &d->last_ms, false)) {
        d->canceled = true;
        return OTA_E_CANCELED;
    }
    return OTA_OK;
}

/* The push path's sink: each piece the transport delivers is counted
 * against the signed length (whatever the transport enforces), hashed and
 * written straight from the transport's buffer.  Once it has refused, it
 * refuses everything (a careless transport may call again). */
static ota_err
dl_sink(void *ctx, const uint8_t *p, size_t n)
{
    dl *d = ctx;
    if (d->err != OTA_OK)
        return d->err;
    if ((uint64_t) n > d->t->length - d->done) {
        d->err = otac_fail(d->c, OTA_E_LENGTH,
                           "%s: more bytes than the signed length (endless data?)", d->t->path);
        return d->err;
    }
    if (d->k == NULL)
        hashes_update(d->h, d->t, p, n);
    d->err = dl_write(d, p, n);
    if (d->k != NULL && n > 0)
        hasher_wrote(d->k, d->done); /* what failed to be written is not hashed */
    return d->err;
}

/* Push path: the transport's whole-file fetch (from d->have: a Range
 * request) calls dl_sink with its own buffers; no stream, no copy.  Checks
 * the length and every hash at the end. */
/* not inlined: keeps ota_client_fetch_target within the 4 KiB frame budget */
__attribute__((noinline)) static ota_err
fetch_push(dl *d)
{
    char err[OTA_TRANSPORT_ERRLEN];
    ota_client *c = d->c;
    const ota_target_info *t = d->t;
    char *url = malloc(OTAC_MAX_URL);
    ota_err rc;
    if (url == NULL)
        return otac_fail(c, OTA_E_NOMEM, "out of memory");
    if ((rc = target_url(c, t, url, OTAC_MAX_URL)) != OTA_OK)
        goto out;
    /* ceiling: the signed length (one byte more for an empty target, so the
     * transport can be asked at all; dl_sink refuses that byte) */
    ota_fetch_req req = {.size = sizeof req,
                         .url = url,
                         .offset = d->have,
                         .max_len = t->length > d->have ? t->length - d->have : 1};
    hasher k;
    if (t->length - d->have >= HASHER_MIN_LEN && hasher_start(&k, d->fd, t, d->h, d->have))
        d->k = &k;
    err[0] = '\0';
    rc = c->tr.fetch(c->tr.user, &req, dl_sink, d, err, sizeof err);
    err[sizeof err - 1] = '\0';
    ota_err hrc = OTA_OK;
    if (d->k != NULL) { /* h is the thread's until it ends */
        hrc = hasher_stop(d->k, d->err == OTA_OK && rc == OTA_OK);
        d->k = NULL;
    }
    if (d->err != OTA_OK) /* ours, whatever the transport made of it */
        rc = d->err;
    else if (rc != OTA_OK)
        rc = transfer_fail(c, t->path, rc, err);
    else if (hrc != OTA_OK)
        rc = otac_fail(c, hrc, "%s: %s", d->what, strerror(errno));
    else
        rc = end_check(c, t, d->done, d->h);
out:
    free(url);
    return rc;
}

/* Pull path, for a transport without fetch: a stream (seeded with *h,
 * which it takes) read into buf[OTAC_IO_CHUNK] and written from there. */
static ota_err
fetch_pull(dl *d, hashes *h, uint8_t *buf)
{
    ota_target_stream *s = NULL;
    ota_err rc = stream_open(d->c, d->t, d->have, h, &s);
    while (rc == OTA_OK) {
        size_t n = 0;
        if ((rc = ota_target_stream_read(s, buf, OTAC_IO_CHUNK, &n)) != OTA_OK || n == 0)
            break; /* n == 0: verified, length and every hash, over the whole file */
        rc = dl_write(d, buf, n);
    }
    ota_target_stream_close(s);
    return rc;
}

ota_err
ota_client_fetch_target(ota_client *c, const ota_target_info *user_t, const char *dir, bool *cached)
{
    ota_target_info ti;
    const ota_target_info *t = &ti;
    char name[768]; /* longer names exceed NAME_MAX anyway */
    char pname[PART_NAME_MAX], what[512]; /* what: messages only */
    uint8_t *buf = NULL;
    hashes h;
    uint64_t have = 0;
    int64_t last_ms = 0;
    bool complete = false, placed = false;
    int dfd = -1, fd = -1;
    ota_err rc = OTA_E_ARG;

    memset(&h, 0, sizeof h);
    if (c == NULL)
        return rc;
    otac_ok(c);
    if (dir == NULL) {
        rc = otac_fail(c, rc, "no output directory");
        goto out;
    }
    if ((rc = check_info(c, user_t, &ti)) != OTA_OK)
        goto out;
    if ((rc = ota_target_filename(t->path, name, sizeof name)) != OTA_OK) {
        rc = otac_fail(c, rc, "%s: file name too long", t->path);
        goto out;
    }
    part_name(t, pname);
    snprintf(what, sizeof what, "%s/%s", dir, pname); /* truncation: only a message */
    buf = malloc(OTAC_IO_CHUNK);
    if (buf == NULL) {
        rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        rc = otac_fail(c, OTA_E_IO, "%s: %s", dir, strerror(errno));
        goto out;
    }
    sweep_leftovers(dfd, pname);
    if (already_there(dfd, name, t, buf)) {
        (void) unlinkat(dfd, pname, 0); /* a partial copy of it is of no use */
        if (cached != NULL)
            *cached = true;
        rc = OTA_OK;
        goto out;
    }
    /* the partial file (same file system as name, so the rename is atomic);
     * from here on kept only after a network failure or a cancel */
    if ((rc = open_part(c, dfd, dir, pname, &fd)) != OTA_OK ||
        (rc = resume_point(c, fd, t, what, buf, &h, &have, &complete)) != OTA_OK)
        goto out;
    if (!complete) {
        dl d = {.c = c, .t = t, .what = what, .fd = fd, .h = &h, .have = have, .done = have,
                .flushed = have};
        if (progress(c, have, t->length, have, &d.last_ms, true))
            goto canceled;
        /* the transport's whole-file fetch when it has one (the curl
         * transport does): every byte hashed and written where it lands */
        rc = c->tr.fetch != NULL ? fetch_push(&d) : fetch_pull(&d, &h, buf);
        last_ms = d.last_ms;
        if (d.canceled)
            goto canceled;
        if (rc != OTA_OK)
            goto out;
    }
    if ((rc = commit_part(c, dfd, fd, dir, pname, name)) != OTA_OK)
        goto out;
    placed = true;
    (void) progress(c, t->length, t->length, have, &last_ms, true);
    if (cached != NULL)
        *cached = false;
    rc = OTA_OK;
    goto out;
canceled:
    rc = otac_fail(c, OTA_E_CANCELED, "%s: canceled; %s kept for resuming", t->path, what);
out:
    if (fd >= 0) {
        /* wrong bytes are never resumed: only a broken transfer keeps them */
        if (!placed && rc != OTA_E_NETWORK && rc != OTA_E_CANCELED)
            (void) unlinkat(dfd, pname, 0);
        close(fd);
    }
    if (dfd >= 0)
        close(dfd);
    hashes_free(&h); /* left over unless the check at the end released it */
    free(buf);
    return rc;
}
