/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c — the ota_client handle: configuration, errors, fetching whole
 * files through the pluggable transport with a hard byte ceiling, and the
 * URL / file-name encoding every other file uses.
 */
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *
ota_client_version(void)
{
    return OTA_CLIENT_VERSION;
}

uint32_t
ota_client_version_num(void)
{
    return OTA_CLIENT_VERSION_NUM;
}

ota_err
otac_fail(ota_client *c, ota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    c->last = rc;
    return rc;
}

void
otac_ok(ota_client *c)
{
    c->err[0] = '\0';
    c->last = OTA_OK;
}

const char *
ota_client_errmsg(const ota_client *c)
{
    return c == NULL ? "no client" : c->err;
}

ota_err
ota_client_last_error(const ota_client *c)
{
    return c == NULL ? OTA_E_ARG : c->last;
}

/* strdup of a base URL with a final '/' guaranteed; NULL in -> NULL out. */
static ota_err
dup_base_url(const char *url, char **out)
{
    *out = NULL;
    if (url == NULL)
        return OTA_OK;
    size_t n = strlen(url);
    if (n == 0 || n > OTAC_MAX_URL / 2)
        return OTA_E_ARG;
    char *s = malloc(n + 2);
    if (s == NULL)
        return OTA_E_NOMEM;
    memcpy(s, url, n);
    if (s[n - 1] != '/')
        s[n++] = '/';
    s[n] = '\0';
    *out = s;
    return OTA_OK;
}

ota_err
otac_transport_in(ota_transport *dst, const ota_transport *src, char *err, size_t errcap)
{
    return otac_struct_in(dst, sizeof *dst, src, src->size, OTAC_MIN_TRANSPORT, "ota_transport",
                          err, errcap);
}

ota_err
ota_client_new(const ota_client_config *user_cfg, ota_client **out)
{
    ota_err rc = OTA_E_ARG;
    ota_client *c = NULL;
    ota_client_config full, *cfg = &full;
    ota_transport tr;

    /* fields the caller's (older) struct does not have read as zero */
    if (user_cfg == NULL ||
        otac_struct_in(&full, sizeof full, user_cfg, user_cfg->size, OTAC_MIN_CLIENT_CONFIG,
                       "ota_client_config", NULL, 0) != OTA_OK)
        goto out;
    if (sodium_init() < 0) { /* the library's own: callers need not know it uses libsodium */
        rc = OTA_E_CRYPTO;
        goto out;
    }
    if (out == NULL || cfg->metadata_dir == NULL ||
        cfg->metadata_dir[0] == '\0' || strlen(cfg->metadata_dir) > OTAC_MAX_URL / 2)
        goto out;
    if (cfg->transport != NULL && (otac_transport_in(&tr, cfg->transport, NULL, 0) != OTA_OK ||
                                   tr.open == NULL || tr.read == NULL || tr.close == NULL))
        goto out;
    rc = OTA_E_NOMEM;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        goto out;
    c->metadata_dir = strdup(cfg->metadata_dir);
    if (c->metadata_dir == NULL)
        goto out;
    if ((rc = dup_base_url(cfg->metadata_url, &c->metadata_url)) != OTA_OK ||
        (rc = dup_base_url(cfg->target_base_url, &c->target_base_url)) != OTA_OK)
        goto out;
    if (cfg->transport != NULL) {
        c->tr = tr;
        c->have_tr = true;
    }
    c->max_root_size = cfg->max_root_size ? cfg->max_root_size : OTAC_DEFAULT_ROOT_LEN;
    c->max_timestamp_size =
        cfg->max_timestamp_size ? cfg->max_timestamp_size : OTAC_DEFAULT_TIMESTAMP_LEN;
    c->max_snapshot_size = cfg->max_snapshot_size ? cfg->max_snapshot_size : OTAC_DEFAULT_SNAPSHOT_LEN;
    c->max_targets_size = cfg->max_targets_size ? cfg->max_targets_size : OTAC_DEFAULT_TARGETS_LEN;
    c->max_root_rotations =
        cfg->max_root_rotations ? cfg->max_root_rotations : OTA_MAX_ROOT_ROTATIONS;
    c->max_delegations = cfg->max_delegations ? cfg->max_delegations : OTA_MAX_DELEGATION_VISITS;
    c->clock = cfg->clock;
    c->clock_user = cfg->clock_user;
    c->progress = cfg->progress;
    c->progress_user = cfg->progress_user;
    *out = c;
    c = NULL;
    rc = OTA_OK;
out:
    ota_client_free(c);
    return rc;
}

void
ota_client_free(ota_client *c)
{
    if (c == NULL)
        return;
    otac_state_clear(c);
    free(c->roles);
    free(c->metadata_dir);
    free(c->metadata_url);
    free(c->target_base_url);
    free(c->info_custom);
    free(c);
}

/* ---- fetching ------------------------------------------------------------ */

typedef struct sink_ctx {
    ota_buf buf;
    uint64_t max;
} sink_ctx;

static ota_err
sink_append(void *ctx, const uint8_t *p, size_t n)
{
    sink_ctx *s = ctx;
    /* our own ceiling, whatever the transport enforces */
    if ((uint64_t) n > s->max || (uint64_t) s->buf.len > s->max - (uint64_t) n)
        return OTA_E_LENGTH;
    ota_err rc = ota_buf_append(&s->buf, p, n);
    return rc == OTA_E_LIMIT ? OTA_E_LENGTH : rc;
}

ota_err
otac_fetch(ota_client *c, const char *url, uint64_t max_len, bool exact, uint8_t **out,
           size_t *len)
{
    ota_err rc = OTA_E_ARG;
    char err[OTA_TRANSPORT_ERRLEN];
    sink_ctx s = {.max = max_len};
    void *stream = NULL;
    uint8_t chunk[2048];

    err[0] = '\0';
    if (!c->have_tr || max_len == 0 || max_len > SIZE_MAX - 1) {
        rc = otac_fail(c, OTA_E_ARG, "no transport configured");
        goto out;
    }
    s.buf.max = (size_t) max_len;
    if (exact && max_len <= OTA_MAX_METADATA_SIZE) {
        /* the signed length: one buffer of that size (and the NUL), not a
         * doubling one (bigger, and copied at each step); never above what
         * the parser would take anyway */
        s.buf.p = malloc((size_t) max_len + 1);
        if (s.buf.p == NULL) {
            rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
            goto out;
        }
        s.buf.cap = (size_t) max_len + 1;
    }
    ota_fetch_req req = {.size = sizeof req, .url = url, .offset = 0, .max_len = max_len};
    if (c->tr.fetch != NULL) {
        rc = c->tr.fetch(c->tr.user, &req, sink_append, &s, err, sizeof err);
    } else {
        rc = c->tr.open(c->tr.user, &req, &stream, err, sizeof err);
        while (rc == OTA_OK) {
            size_t got = 0;
            rc = c->tr.read(c->tr.user, stream, chunk, sizeof chunk, &got, err, sizeof err);
            if (rc != OTA_OK || got == 0)
                break;
            if (got > sizeof chunk) {
                rc = OTA_E_NETWORK;
                snprintf(err, sizeof err, "transport returned more bytes than asked");
                break;
            }
            rc = sink_append(&s, chunk, got);
        }
        if (stream != NULL)
            c->tr.close(c->tr.user, stream);
    }
    err[sizeof err - 1] = '\0';
    if (rc == OTA_E_LENGTH) {
        rc = otac_fail(c, rc, "%s: more than %llu bytes (download ceiling; endless data?)", url,
                       (unsigned long long) max_len);
        goto out;
    }
    if (rc != OTA_OK) {
        rc = otac_fail(c, rc, "%s: %s", url, err[0] ? err : ota_strerror(rc));
        goto out;
    }
    if (s.buf.p == NULL) { /* empty body: still a valid, NUL-terminated buffer */
        *out = calloc(1, 1);
        if (*out == NULL) {
            rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
            goto out;
        }
        *len = 0;
    } else {
        *out = ota_buf_steal(&s.buf, len);
    }
    rc = OTA_OK;
out:
    ota_buf_free(&s.buf);
    return rc;
}

/* ---- encoding ------------------------------------------------------------ */

static bool
unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

ota_err
otac_pct_encode(const char *s, bool keep_slash, bool dot_segments, bool leading_dot, char *out,
                size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    const char *seg = s; /* start of the current '/'-separated segment */

    if (cap == 0)
        return OTA_E_LIMIT;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char) *p;
        bool encode = !unreserved(ch) && !(keep_slash && ch == '/');
        if (ch == '/')
            seg = p + 1;
        if (ch == '.' && leading_dot && p == s)
            encode = true;
        if (ch == '.' && dot_segments) {
            /* is this segment made only of dots? */
            const char *e = seg;
            while (*e == '.')
                e++;
            if ((*e == '\0' || *e == '/') && e - seg <= 2)
                encode = true;
        }
        size_t need = encode ? 3 : 1;
        if (cap - o <= need)
            return OTA_E_LIMIT;
        if (encode) {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char) ch;
        }
    }
    out[o] = '\0';
    return OTA_OK;
}

char *
otac_concat(const char *first, ...)
{
    va_list ap;
    size_t total = 0;
    va_start(ap, first);
    for (const char *p = first; p != NULL; p = va_arg(ap, const char *)) {
        size_t n = strlen(p);
        if (n > OTAC_MAX_URL || total > OTAC_MAX_URL - n) {
            va_end(ap);
            return NULL;
        }
        total += n;
    }
    va_end(ap);
    char *out = malloc(total + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    va_start(ap, first);
    for (const char *p = first; p != NULL; p = va_arg(ap, const char *)) {
        size_t n = strlen(p);
        memcpy(out + o, p, n);
        o += n;
    }
    va_end(ap);
    out[o] = '\0';
    return out;
}

ota_err
ota_target_filename(const char *path, char *out, size_t cap)
{
    if (out != NULL && cap > 0)
        out[0] = '\0'; /* terminated whatever happens */
    if (path == NULL || out == NULL || path[0] == '\0')
        return OTA_E_ARG;
    ota_err rc = otac_pct_encode(path, false, false, true, out, cap);
    if (rc != OTA_OK && cap > 0)
        out[0] = '\0';
    return rc;
}
