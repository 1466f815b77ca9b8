/*
 * target.c — target files: the verified pull-style stream, and downloads
 * into a directory that only ever gain complete, verified files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "ota_atomic.h"

struct ota_target_stream {
    ota_client *c; /* borrowed: transport and error message */
    void *ts;      /* the transport's stream */
    char *path;
    uint64_t length, got;
    bool has_sha256, has_sha512;
    uint8_t sha256[32], sha512[64];
    crypto_hash_sha256_state h256;
    crypto_hash_sha512_state h512;
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

static ota_err
check_info(ota_client *c, const ota_target_info *t)
{
    if (t == NULL || t->path == NULL || t->path[0] == '\0')
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

ota_err
ota_client_target_open_at(ota_client *c, const ota_target_info *t, uint64_t offset,
                          ota_target_stream **out)
{
    char err[OTA_TRANSPORT_ERRLEN];
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
    if ((rc = check_info(c, t)) != OTA_OK)
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
    s->partial = offset > 0;
    s->got = offset;
    s->length = t->length;
    s->has_sha256 = t->has_sha256;
    s->has_sha512 = t->has_sha512;
    memcpy(s->sha256, t->sha256, sizeof s->sha256);
    memcpy(s->sha512, t->sha512, sizeof s->sha512);
    crypto_hash_sha256_init(&s->h256);
    crypto_hash_sha512_init(&s->h512);
    /* ceiling: the signed length (one byte more for an empty target, so the
     * transport can be asked at all; we refuse that byte ourselves) */
    ota_fetch_req req = {.size = sizeof req,
                         .url = url,
                         .offset = offset,
                         .max_len = t->length > 0 ? t->length - offset : 1};
    err[0] = '\0';
    rc = c->tr.open(c->tr.user, &req, &s->ts, err);
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

static ota_err
stream_fail(ota_target_stream *s, ota_err rc, const char *msg)
{
    s->sticky = otac_fail(s->c, rc, "%s: %s", s->path, msg);
    return s->sticky;
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
    uint64_t left = s->length - s->got;
    /* at the signed length, ask for one more byte: there must be none */
    uint8_t *dst = left == 0 ? extra : buf;
    size_t want = left == 0 ? 1 : (left < (uint64_t) cap ? (size_t) left : cap);
    size_t n = 0;
    err[0] = '\0';
    ota_err rc = s->c->tr.read(s->c->tr.user, s->ts, dst, want, &n, err);
    err[sizeof err - 1] = '\0';
    if (rc == OTA_E_LENGTH || (rc == OTA_OK && left == 0 && n > 0))
        return stream_fail(s, OTA_E_LENGTH, "more bytes than the signed length (endless data?)");
    if (rc == OTA_E_NOT_FOUND)
        return stream_fail(s, OTA_E_NETWORK, "not found on the server");
    if (rc != OTA_OK)
        return stream_fail(s, rc, err[0] ? err : ota_strerror(rc));
    if (n > want)
        return stream_fail(s, OTA_E_NETWORK, "transport returned too many bytes");
    if (n == 0) {
        char msg[96];
        if (s->got != s->length) {
            snprintf(msg, sizeof msg, "ended early after %" PRIu64 " of %" PRIu64 " bytes",
                     s->got, s->length);
            return stream_fail(s, OTA_E_LENGTH, msg);
        }
        if (s->partial) { /* the caller checks the bytes (bundle chunks) */
            s->done = true;
            otac_ok(s->c);
            return OTA_OK;
        }
        uint8_t h256[OTA_SHA256_LEN], h512[OTA_SHA512_LEN];
        crypto_hash_sha256_final(&s->h256, h256);
        crypto_hash_sha512_final(&s->h512, h512);
        if ((s->has_sha256 && sodium_memcmp(h256, s->sha256, sizeof h256) != 0) ||
            (s->has_sha512 && sodium_memcmp(h512, s->sha512, sizeof h512) != 0))
            return stream_fail(s, OTA_E_HASH,
                               "hash differs from the signed one (arbitrary software attack)");
        s->done = true;
        otac_ok(s->c);
        return OTA_OK;
    }
    /* only the hashes the metadata lists (at least one, see check_info) */
    if (s->has_sha256 && !s->partial)
        crypto_hash_sha256_update(&s->h256, dst, n);
    if (s->has_sha512 && !s->partial)
        crypto_hash_sha512_update(&s->h512, dst, n);
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
    free(s->path);
    sodium_memzero(s, sizeof *s);
    free(s);
}

/* Does dir/name hold exactly t (length and every listed hash)? */
static bool
already_there(int dfd, const char *name, const ota_target_info *t, uint8_t *buf)
{
    crypto_hash_sha256_state h256;
    crypto_hash_sha512_state h512;
    struct stat st;
    bool ok = false;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size != t->length)
        goto out;
    crypto_hash_sha256_init(&h256);
    crypto_hash_sha512_init(&h512);
    uint64_t total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, OTAC_IO_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        total += (uint64_t) r;
        if (total > t->length)
            goto out;
        if (t->has_sha256)
            crypto_hash_sha256_update(&h256, buf, (size_t) r);
        if (t->has_sha512)
            crypto_hash_sha512_update(&h512, buf, (size_t) r);
    }
    uint8_t d256[OTA_SHA256_LEN], d512[OTA_SHA512_LEN];
    crypto_hash_sha256_final(&h256, d256);
    crypto_hash_sha512_final(&h512, d512);
    ok = total == t->length && (t->has_sha256 || t->has_sha512) &&
         (!t->has_sha256 || sodium_memcmp(d256, t->sha256, sizeof d256) == 0) &&
         (!t->has_sha512 || sodium_memcmp(d512, t->sha512, sizeof d512) == 0);
out:
    close(fd);
    return ok;
}

/* A download killed outright (power cut, SIGKILL) leaves its hidden
 * temporary (ota_atomic's) behind; remove such leftovers.  Only files untouched for
 * STALE_SECS: a live download writes (and so updates mtime) far more often,
 * and gives up after its low-speed limit anyway. */
#define STALE_SECS 600
static void
sweep_stale_temporaries(int dfd)
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
        if (!ota_atomic_is_temp(e->d_name))
            continue;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > STALE_SECS)
            (void) unlinkat(dfd, e->d_name, 0);
    }
    closedir(d);
}

ota_err
ota_client_fetch_target(ota_client *c, const ota_target_info *t, const char *dir, bool *cached)
{
    char name[768]; /* longer names exceed NAME_MAX anyway */
    uint8_t *buf = NULL;
    ota_target_stream *s = NULL;
    ota_atomic part = OTA_ATOMIC_INIT;
    int dfd = -1;
    ota_err rc = OTA_E_ARG;

    if (c == NULL)
        return rc;
    otac_ok(c);
    if (dir == NULL) {
        rc = otac_fail(c, rc, "no output directory");
        goto out;
    }
    if ((rc = check_info(c, t)) != OTA_OK)
        goto out;
    if ((rc = ota_target_filename(t->path, name, sizeof name)) != OTA_OK) {
        rc = otac_fail(c, rc, "%s: file name too long", t->path);
        goto out;
    }
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
    sweep_stale_temporaries(dfd);
    if (already_there(dfd, name, t, buf)) {
        if (cached != NULL)
            *cached = true;
        rc = OTA_OK;
        goto out;
    }
    if ((rc = ota_client_target_open(c, t, &s)) != OTA_OK)
        goto out;
    /* a hidden temporary in dir (same file system, so the rename is
     * atomic); removed on every failure */
    if ((rc = ota_atomic_begin(&part, dfd, 0644 | OTA_ATOMIC_UMASK)) != OTA_OK) {
        rc = otac_fail(c, rc, "%s: cannot create a temporary file: %s", dir, strerror(errno));
        goto out;
    }
    for (;;) {
        size_t n = 0;
        if ((rc = ota_target_stream_read(s, buf, OTAC_IO_CHUNK, &n)) != OTA_OK)
            goto out;
        if (n == 0)
            break; /* verified: length and every hash */
        if ((rc = ota_atomic_write(&part, buf, n)) != OTA_OK) {
            rc = otac_fail(c, rc, "%s/%s: %s", dir, part.tmp, strerror(errno));
            goto out;
        }
    }
    if ((rc = ota_atomic_commit(&part, name, false)) != OTA_OK) {
        rc = otac_fail(c, rc, "%s/%s: %s", dir, name, strerror(errno));
        goto out;
    }
    if (cached != NULL)
        *cached = false;
    rc = OTA_OK;
out:
    ota_atomic_abort(&part);
    if (dfd >= 0)
        close(dfd);
    ota_target_stream_close(s);
    free(buf);
    return rc;
}
