/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_transport.c — the default transport, on libcurl.  Whole files through
 * the easy interface; pull-style streams by driving the multi interface from
 * read() (no thread): curl's write callback fills a 64 KiB buffer and pauses
 * the transfer when it is full; read() drains it and resumes.
 *
 * Every request: HTTP(S) only, redirects at most 5 and never from https
 * down to http, TLS verification on, connect and total timeouts, a minimum
 * transfer speed (slow retrieval), a byte ceiling checked against
 * Content-Length up front and counted as the body arrives (endless data), no
 * content encoding (the bytes hashed are the bytes sent), the proxy
 * environment as libcurl reads it.
 *
 * Streams copy each byte once where they can: while read() drives curl, the
 * write callback puts what arrives straight into read()'s buffer, and only
 * what does not fit there goes to the 64 KiB buffer (and the transfer pauses
 * only when that is full too).
 *
 * Connection reuse: every transfer gets a fresh easy handle (no option of one
 * request can leak into the next, a POST's into a GET), and all of them are
 * attached to one CURLSH share object holding the connection cache, the DNS
 * cache and the TLS session IDs.  A share rather than one long-lived easy
 * handle because whole-file fetches (curl_easy_perform, which keeps its
 * connections in a private multi handle) and streams (a multi handle each)
 * must draw on the same pool: a refresh followed by a target download then
 * uses one TCP (+TLS) connection, not one per file.  The share has no lock
 * callbacks: a transport is used from one thread at a time (transport.h).
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define STREAM_BUF (64u * 1024u) /* >= CURL_MAX_WRITE_SIZE (16 KiB) */

/* Whole-file fetches: curl's receive buffer (its default is 16 KiB), so a
 * large target arrives in fewer, larger reads from the socket.  Streams keep
 * the default: a pause there makes curl copy what is left of its buffer. */
#define FETCH_RECV_BUF (512L * 1024L)

/* post(): device reports are small; the whole exchange is capped, and what
 * the server answers is read (bounded) and dropped. */
#define POST_TOTAL_MS 30000L
#define POST_REPLY_MAX (64u * 1024u)
#define POST_CTYPE_MAX 128

/* An error page (404 ...) is read and dropped up to this size rather than
 * cut off, so its connection stays reusable: every refresh ends the root
 * chain with a 404. */
#define ERR_PAGE_MAX (16u * 1024u)

typedef struct curl_tr {
    long connect_ms, total_ms, low_bytes, low_secs;
    char *ca_path, *ca_file;
    char ua[256];
    CURLSH *share; /* connections, DNS, TLS sessions of every transfer */
} curl_tr;

/* One transfer, whole-file or streamed. */
typedef struct xfer {
    CURL *easy;
    CURLM *multi; /* streams only */
    uint64_t offset, max, received;
    uint64_t skip;  /* leading bytes to drop: a 200 answered a Range request */
    bool status_ok; /* status line checked and acceptable */
    bool length_ok; /* Content-Length checked */
    bool draining;  /* status refused (err set): dropping the error page */
    uint64_t drained;
    ota_err err;    /* set by the write callback when it aborts */
    char msg[OTA_TRANSPORT_ERRLEN];
    char errbuf[CURL_ERROR_SIZE];
    /* whole-file mode */
    ota_sink_fn sink;
    void *ctx;
    /* stream mode */
    uint8_t *buf;
    size_t head, len;
    uint8_t *dst; /* read()'s buffer while it drives curl (buf empty), or NULL */
    size_t dst_cap, dst_len;
    bool paused, done;
    CURLcode result;
} xfer;

static void
msg_http(xfer *x, long code)
{
    snprintf(x->msg, sizeof x->msg, "HTTP status %ld", code);
}

static void
msg_text(xfer *x, const char *text)
{
    snprintf(x->msg, sizeof x->msg, "%s", text);
}

/* Check the HTTP status once, before the first body byte is accepted. */
static ota_err
check_status(xfer *x)
{
    long code = 0;
    if (x->status_ok)
        return OTA_OK;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code == 404 || code == 403 || code == 410) {
        msg_http(x, code);
        return OTA_E_NOT_FOUND;
    }
    if (x->offset > 0 && code == 200) {
        /* the server ignored Range and sends the whole file: drop the first
         * `offset` bytes here, so the caller still gets exactly the bytes it
         * asked for (as many on the wire as a restart from 0) */
        x->skip = x->offset;
    } else if (x->offset > 0 ? code != 206 : (code < 200 || code > 299)) {
        msg_http(x, code);
        return OTA_E_NETWORK;
    }
    x->status_ok = true;
    return OTA_OK;
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t whole = size * nmemb;
    ota_err rc = OTA_OK;
    if (!x->draining && (rc = check_status(x)) != OTA_OK) {
        x->err = rc; /* what finish() reports */
        x->draining = true;
    }
    if (x->draining) {
        if ((uint64_t) whole > ERR_PAGE_MAX - x->drained)
            return 0; /* aborts with CURLE_WRITE_ERROR */
        x->drained += whole;
        return whole;
    }
    if (!x->length_ok) {
        /* Content-Length against the ceiling before the first byte is taken
         * (not CURLOPT_MAXFILESIZE: that would cut off error pages too) */
        curl_off_t cl = -1;
        x->length_ok = true;
        if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
            cl > 0 && (uint64_t) cl > x->skip && (uint64_t) cl - x->skip > x->max) {
            x->err = OTA_E_LENGTH;
            msg_text(x, "Content-Length above the download ceiling");
            return 0;
        }
    }
    size_t drop = x->skip < (uint64_t) whole ? (size_t) x->skip : whole;
    size_t n = whole - drop;
    if (n == 0) {
        x->skip -= drop;
        return whole;
    }
    if ((uint64_t) n > x->max || x->received > x->max - (uint64_t) n) {
        x->err = OTA_E_LENGTH;
        msg_text(x, "more bytes than the download ceiling");
        return 0;
    }
    if (x->sink != NULL) {
        rc = x->sink(x->ctx, (const uint8_t *) ptr + drop, n);
        if (rc != OTA_OK) {
            x->err = rc;
            return 0;
        }
        x->skip -= drop;
        x->received += n;
        return whole;
    }
    const char *src = ptr + drop;
    size_t direct = 0; /* bytes for read()'s buffer */
    if (x->dst != NULL && x->len == 0) {
        direct = x->dst_cap - x->dst_len < n ? x->dst_cap - x->dst_len : n;
        if (n - direct > STREAM_BUF)
            direct = 0; /* the rest would not fit: all of it the slow way */
    }
    if (x->head > 0 && x->len > 0)
        memmove(x->buf, x->buf + x->head, x->len);
    x->head = 0;
    if (STREAM_BUF - x->len < n - direct) {
        x->paused = true;
        return CURL_WRITEFUNC_PAUSE; /* curl re-delivers all of it: skip untouched */
    }
    /* the whole piece is taken now: its start for read(), the rest after */
    if (direct > 0) {
        memcpy(x->dst + x->dst_len, src, direct);
        x->dst_len += direct;
    }
    if (n > direct)
        memcpy(x->buf + x->len, src + direct, n - direct);
    x->skip -= drop;
    x->len += n - direct;
    x->received += n;
    return whole;
}

/* curl_easy_setopt on the easy handle `e` into `cc`, unless an earlier one
 * failed (the functions below check cc once, at the end). */
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (cc == CURLE_OK)                                                                        \
            cc = curl_easy_setopt(e, opt, val);                                                    \
    } while (0)

/* Redirects a request may follow: from an https URL only to https (a
 * redirect must never take away TLS, and with it the server's identity);
 * from http to either. */
static bool
https_only(const char *url)
{
    return strncasecmp(url, "https:", 6) == 0;
}

/* The options every request shares: URL, HTTP(S) only, TLS verification,
 * timeouts, the speed floor, the User-Agent, the share.  follow: redirects
 * (at most 5, by https_only's rule) or none. */
static CURLcode
common_opts(curl_tr *t, CURL *e, const char *url, bool follow, char *errbuf)
{
    CURLcode cc = CURLE_OK;
    SET(CURLOPT_URL, url);
    SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, https_only(url) ? "https" : "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SET(CURLOPT_REDIR_PROTOCOLS,
        https_only(url) ? (long) CURLPROTO_HTTPS : (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, 5L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (t->ca_path != NULL)
        SET(CURLOPT_CAPATH, t->ca_path);
    if (t->ca_file != NULL)
        SET(CURLOPT_CAINFO, t->ca_file);
    SET(CURLOPT_CONNECTTIMEOUT_MS, t->connect_ms);
    SET(CURLOPT_LOW_SPEED_LIMIT, t->low_bytes);
    SET(CURLOPT_LOW_SPEED_TIME, t->low_secs);
    SET(CURLOPT_USERAGENT, t->ua);
    SET(CURLOPT_SHARE, t->share);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    return cc;
}

static ota_err
setup(curl_tr *t, xfer *x, const ota_fetch_req *user_req, char *err, size_t errcap)
{
    char range[48];
    ota_fetch_req r, *req = &r; /* read by the growth rule (abi.h) */
    if (user_req == NULL) {
        snprintf(err, errcap, "invalid request");
        return OTA_E_ARG;
    }
    if (otac_struct_in(&r, sizeof r, user_req, user_req->size, OTAC_MIN_FETCH_REQ, "ota_fetch_req",
                       err, errcap) != OTA_OK)
        return OTA_E_ARG;
    if (req->url == NULL || req->max_len == 0) {
        snprintf(err, errcap, "invalid request");
        return OTA_E_ARG;
    }
    x->offset = req->offset;
    x->max = req->max_len;
    x->easy = curl_easy_init();
    if (x->easy == NULL) {
        snprintf(err, errcap, "curl_easy_init failed");
        return OTA_E_NOMEM;
    }
    CURL *e = x->easy;
    CURLcode cc = common_opts(t, e, req->url, true, x->errbuf);
    SET(CURLOPT_TIMEOUT_MS, t->total_ms);
    SET(CURLOPT_WRITEFUNCTION, write_cb);
    SET(CURLOPT_WRITEDATA, x);
    if (req->offset > 0) {
        snprintf(range, sizeof range, "%" PRIu64 "-", req->offset);
        SET(CURLOPT_RANGE, range); /* copied by libcurl */
    }
    if (cc != CURLE_OK) {
        snprintf(err, errcap, "curl: %s", curl_easy_strerror(cc));
        return OTA_E_NETWORK;
    }
    return OTA_OK;
}

/* Map a finished transfer to an ota_err and a message. */
static ota_err
finish(xfer *x, CURLcode cc, char *err, size_t errcap)
{
    if (x->err != OTA_OK) { /* our callback stopped it */
        snprintf(err, errcap, "%s", x->msg[0] ? x->msg : ota_strerror(x->err));
        return x->err;
    }
    if (cc != CURLE_OK) {
        const char *why = cc == CURLE_OPERATION_TIMEDOUT ? " (timeout or too slow)" : "";
        const char *what = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
        if (snprintf(err, errcap, "%s%s", what, why) < 0 && errcap > 0)
            err[0] = '\0'; /* truncation is fine: it is a message */
        return OTA_E_NETWORK;
    }
    ota_err rc = check_status(x); /* an empty body never reached write_cb */
    if (rc != OTA_OK)
        snprintf(err, errcap, "%s", x->msg);
    return rc;
}

static void
xfer_free(xfer *x)
{
    if (x == NULL)
        return;
    if (x->multi != NULL && x->easy != NULL)
        curl_multi_remove_handle(x->multi, x->easy);
    if (x->easy != NULL)
        curl_easy_cleanup(x->easy);
    if (x->multi != NULL)
        curl_multi_cleanup(x->multi);
    free(x->buf);
    free(x);
}

static ota_err
tr_fetch(void *user, const ota_fetch_req *req, ota_sink_fn sink, void *ctx, char *err,
         size_t errcap)
{
    xfer *x = calloc(1, sizeof *x);
    ota_err rc = OTA_E_NOMEM;
    if (errcap > 0)
        err[0] = '\0';
    if (x == NULL || sink == NULL) {
        snprintf(err, errcap, x == NULL ? "out of memory" : "no sink");
        rc = x == NULL ? OTA_E_NOMEM : OTA_E_ARG;
        goto out;
    }
    x->sink = sink;
    x->ctx = ctx;
    if ((rc = setup(user, x, req, err, errcap)) != OTA_OK)
        goto out;
    /* a request, not an order: curl may keep a smaller buffer */
    (void) curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, FETCH_RECV_BUF);
    rc = finish(x, curl_easy_perform(x->easy), err, errcap);
out:
    xfer_free(x);
    return rc;
}

static ota_err
tr_open(void *user, const ota_fetch_req *req, void **stream, char *err, size_t errcap)
{
    xfer *x = calloc(1, sizeof *x);
    ota_err rc = OTA_E_NOMEM;
    if (errcap > 0)
        err[0] = '\0';
    if (x == NULL || (x->buf = malloc(STREAM_BUF)) == NULL) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    if ((rc = setup(user, x, req, err, errcap)) != OTA_OK)
        goto out;
    x->multi = curl_multi_init();
    if (x->multi == NULL || curl_multi_add_handle(x->multi, x->easy) != CURLM_OK) {
        snprintf(err, errcap, "curl multi handle failed");
        rc = OTA_E_NETWORK;
        goto out;
    }
    *stream = x;
    x = NULL;
    rc = OTA_OK;
out:
    xfer_free(x);
    return rc;
}

static ota_err
tr_read(void *user, void *stream, uint8_t *out, size_t cap, size_t *got, char *err, size_t errcap)
{
    xfer *x = stream;
    (void) user;
    if (errcap > 0)
        err[0] = '\0';
    *got = 0;
    for (;;) {
        if (x->len > 0) {
            size_t n = x->len < cap ? x->len : cap;
            memcpy(out, x->buf + x->head, n);
            x->head += n;
            x->len -= n;
            if (x->len == 0)
                x->head = 0;
            if (x->paused) {
                x->paused = false;
                curl_easy_pause(x->easy, CURLPAUSE_CONT); /* may refill buf now */
            }
            *got = n;
            return OTA_OK;
        }
        if (x->done)
            return finish(x, x->result, err, errcap);
        int running = 0;
        x->dst = out;
        x->dst_cap = cap;
        x->dst_len = 0;
        CURLMcode mc = curl_multi_perform(x->multi, &running);
        x->dst = NULL;
        if (mc != CURLM_OK) {
            snprintf(err, errcap, "curl: %s", curl_multi_strerror(mc));
            return OTA_E_NETWORK;
        }
        int left = 0;
        CURLMsg *m;
        while ((m = curl_multi_info_read(x->multi, &left)) != NULL)
            if (m->msg == CURLMSG_DONE && m->easy_handle == x->easy) {
                x->done = true;
                x->result = m->data.result;
            }
        if (x->dst_len > 0) { /* the rest, if any, waits in buf */
            *got = x->dst_len;
            return OTA_OK;
        }
        if (x->len == 0 && !x->done) {
            /* bounded wait; curl's own timeouts end a stalled transfer */
            mc = curl_multi_poll(x->multi, NULL, 0, 1000, NULL);
            if (mc != CURLM_OK) {
                snprintf(err, errcap, "curl: %s", curl_multi_strerror(mc));
                return OTA_E_NETWORK;
            }
        }
    }
}

static void
tr_close(void *user, void *stream)
{
    (void) user;
    xfer_free(stream);
}

/* post(): the reply body is read and dropped, at most POST_REPLY_MAX bytes. */
static size_t
discard_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    uint64_t *got = ud;
    size_t n = size * nmemb;
    (void) ptr;
    if ((uint64_t) n > POST_REPLY_MAX - *got)
        return 0; /* aborts with CURLE_WRITE_ERROR; the status is known by now */
    *got += n;
    return n;
}

static ota_err
tr_post(void *user, const char *url, const char *content_type, const uint8_t *body, size_t len,
        long *status, char *err, size_t errcap)
{
    curl_tr *t = user;
    char errbuf[CURL_ERROR_SIZE], ctype[sizeof "Content-Type: " + POST_CTYPE_MAX];
    struct curl_slist *hdrs = NULL, *more;
    uint64_t got = 0;
    ota_err rc = OTA_E_ARG;
    CURL *e = NULL;
    long code = 0;

    errbuf[0] = '\0';
    if (errcap > 0)
        err[0] = '\0';
    if (url == NULL || content_type == NULL || status == NULL || (body == NULL && len > 0) ||
        len > (size_t) INT64_MAX) {
        snprintf(err, errcap, "invalid request");
        goto out;
    }
    /* one header line: no CR/LF may smuggle in another */
    if (content_type[0] == '\0' || strlen(content_type) > POST_CTYPE_MAX ||
        strpbrk(content_type, "\r\n") != NULL) {
        snprintf(err, errcap, "invalid Content-Type");
        goto out;
    }
    snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
    rc = OTA_E_NOMEM;
    if ((hdrs = curl_slist_append(NULL, ctype)) == NULL ||
        (more = curl_slist_append(hdrs, "Expect:")) == NULL || (e = curl_easy_init()) == NULL) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    hdrs = more; /* "Expect:" (empty) stops curl from waiting for a 100 Continue */
    CURLcode cc = common_opts(t, e, url, false, errbuf);
    SET(CURLOPT_TIMEOUT_MS, t->total_ms > 0 && t->total_ms < POST_TOTAL_MS ? t->total_ms
                                                                             : POST_TOTAL_MS);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    SET(CURLOPT_POSTFIELDS, len > 0 ? (const char *) body : "");
    SET(CURLOPT_HTTPHEADER, hdrs);
    SET(CURLOPT_WRITEFUNCTION, discard_cb);
    SET(CURLOPT_WRITEDATA, &got);
    if (cc != CURLE_OK) {
        snprintf(err, errcap, "curl: %s", curl_easy_strerror(cc));
        rc = OTA_E_NETWORK;
        goto out;
    }
    cc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    /* a reply past POST_REPLY_MAX is cut off, but the server did answer */
    if ((cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && code > 0)) || code <= 0) {
        const char *why = cc == CURLE_OPERATION_TIMEDOUT ? " (timeout or too slow)" : "";
        const char *what = errbuf[0] ? errbuf : curl_easy_strerror(cc);
        if (cc == CURLE_OK)
            snprintf(err, errcap, "no HTTP status");
        else if (snprintf(err, errcap, "%s%s", what, why) < 0 && errcap > 0)
            err[0] = '\0';
        rc = OTA_E_NETWORK;
        goto out;
    }
    *status = code;
    rc = OTA_OK;
out:
    if (e != NULL)
        curl_easy_cleanup(e);
    curl_slist_free_all(hdrs);
    return rc;
}

static char *
dup_opt(const char *s, bool *fail)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *fail = true;
    return d;
}

ota_err
ota_curl_transport_new(const ota_curl_config *user_cfg, ota_transport *out)
{
    ota_curl_config full, *cfg = NULL;
    if (out == NULL ||
        otac_struct_out_ok(out->size, OTAC_MIN_TRANSPORT, "ota_transport", NULL, 0) != OTA_OK)
        return OTA_E_ARG;
    if (user_cfg != NULL) { /* the growth rule (abi.h) */
        if (otac_struct_in(&full, sizeof full, user_cfg, user_cfg->size, OTAC_MIN_CURL_CONFIG,
                           "ota_curl_config", NULL, 0) != OTA_OK)
            return OTA_E_ARG;
        cfg = &full;
    }
    curl_tr *t = calloc(1, sizeof *t);
    if (t == NULL)
        return OTA_E_NOMEM;
    bool fail = false;
    t->connect_ms = cfg != NULL && cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
    /* no overall cap by default: a large bundle on a slow but moving link
     * must be able to arrive; stalls are bounded by the speed floor */
    t->total_ms = cfg != NULL && cfg->total_timeout_ms > 0 ? cfg->total_timeout_ms : 0;
    t->low_bytes = cfg != NULL && cfg->low_speed_bytes > 0 ? cfg->low_speed_bytes : 1024;
    t->low_secs = cfg != NULL && cfg->low_speed_secs > 0 ? cfg->low_speed_secs : 30;
    if (cfg != NULL) {
        t->ca_path = dup_opt(cfg->ca_path, &fail);
        t->ca_file = dup_opt(cfg->ca_file, &fail);
    }
    curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    snprintf(t->ua, sizeof t->ua, "libotaclient/%s (libcurl/%s)%s%s", OTA_CLIENT_VERSION,
             vi != NULL ? vi->version : "?",
             cfg != NULL && cfg->user_agent_suffix != NULL ? " " : "",
             cfg != NULL && cfg->user_agent_suffix != NULL ? cfg->user_agent_suffix : "");
    CURLSHcode sc = CURLSHE_OK;
    if (!fail && (t->share = curl_share_init()) == NULL)
        fail = true;
    if (!fail) {
        sc = curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        if (sc == CURLSHE_OK)
            sc = curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
#if LIBCURL_VERSION_NUM >= 0x073900 /* 7.57.0: a shared connection cache */
        if (sc == CURLSHE_OK)
            sc = curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
#endif
    }
    if (fail || sc != CURLSHE_OK) {
        if (t->share != NULL)
            curl_share_cleanup(t->share);
        free(t->ca_path);
        free(t->ca_file);
        free(t);
        return fail ? OTA_E_NOMEM : OTA_E_NETWORK;
    }
    ota_transport tr = {.size = sizeof tr,
                        .user = t,
                        .fetch = tr_fetch,
                        .open = tr_open,
                        .read = tr_read,
                        .close = tr_close,
                        .post = tr_post};
    otac_struct_out(out, out->size, &tr, sizeof tr);
    return OTA_OK;
}

void
ota_curl_transport_free(ota_transport *tr)
{
    if (tr == NULL || tr->size < OTAC_MIN_TRANSPORT || tr->user == NULL)
        return;
    curl_tr *t = tr->user;
    curl_share_cleanup(t->share); /* closes the cached connections */
    free(t->ca_path);
    free(t->ca_file);
    free(t);
    size_t keep = tr->size; /* the caller's: nothing past it is written */
    memset(tr, 0, keep < sizeof *tr ? keep : sizeof *tr);
    tr->size = keep;
}
