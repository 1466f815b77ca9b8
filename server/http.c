/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c — the libmicrohttpd daemon: request dispatch, request-level
 * checks MHD does not make, connection tracking with a timeout reaper,
 * the access log (reopened on SIGHUP), and graceful shutdown.
 *
 * Traps of libmicrohttpd 0.9.75 handled here (see docs/ota-server.md):
 *  - its URL unescaping turns "%00" into a C-string terminator: we install
 *    an identity unescape callback and decode once ourselves (path.c);
 *  - answering on the handler's first call closes the connection: normal
 *    replies are queued on the second call (early refusals on the first,
 *    where closing is what we want);
 *  - its connection timeout is an idle timeout, so a client sending one
 *    header byte a second is never cut off: the reaper thread enforces a
 *    whole-request deadline by shutdown(2)ing the socket (never close(2):
 *    MHD owns the fd; the CLOSED notification takes the same lock, and MHD
 *    closes the fd only after it, so the fd cannot be reused under us);
 *  - request bodies are unlimited and conflicting Content-Length /
 *    Transfer-Encoding headers are accepted: checked in precheck();
 *  - whitespace before a header's colon stays in the name, so
 *    "Content-Length : 5" is no Content-Length to MHD and the body becomes
 *    the next request (smuggling): any such name is refused with 400.
 */
#define _GNU_SOURCE /* dup3 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

int64_t
srv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
request_deadline(const srv *s)
{
    return srv_now_ms() + (int64_t) s->cfg.request_timeout * 1000;
}

/* ---- replies --------------------------------------------------------------- */

enum MHD_Result
srv_queue(srv_conn *sc, struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
          uint64_t body_len)
{
    sc->status = status;
    sc->body_bytes = sc->method == SRV_M_HEAD ? 0 : body_len;
    atomic_store_explicit(&sc->deadline, 0, memory_order_relaxed);
    atomic_store_explicit(&sc->phase, SRV_ANSWER, memory_order_relaxed);
    return MHD_queue_response(c, status, r);
}

static struct MHD_Response *
small_response(const char *ctype, const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *) (uintptr_t) body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return NULL;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES ||
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES) {
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}

enum MHD_Result
srv_reply(srv_conn *sc, struct MHD_Connection *c, unsigned status, const char *ctype,
          const char *body, size_t len)
{
    struct MHD_Response *r = small_response(ctype, body, len);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = srv_queue(sc, c, status, r, len);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result
srv_reply_error(srv_conn *sc, struct MHD_Connection *c, unsigned status, const char *name,
                const char *msg)
{
    char body[512];
    /* name and msg are our own constants: no JSON escaping needed */
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"message\":\"%s\"}\n", name, msg);
    if (n < 0 || (size_t) n >= sizeof body)
        return MHD_NO;
    return srv_reply(sc, c, status, "application/json", body, (size_t) n);
}

static enum MHD_Result
reply_405(srv_conn *sc, struct MHD_Connection *c, const char *allow)
{
    static const char msg[] = "{\"error\":\"E_METHOD\",\"message\":\"method not allowed\"}\n";
    struct MHD_Response *r = small_response("application/json", msg, sizeof msg - 1);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_NO;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) == MHD_YES)
        ret = srv_queue(sc, c, 405, r, sizeof msg - 1);
    MHD_destroy_response(r);
    return ret;
}

/* ---- connection tracking and the reaper ---------------------------------- */

static void
format_client(const struct sockaddr *sa, char *out, size_t cap)
{
    snprintf(out, cap, "-");
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *) (const void *) sa;
        inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t) cap);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) (const void *) sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t) cap);
    }
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    srv *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        srv_conn *sc = calloc(1, sizeof *sc);
        *socket_context = sc;
        if (sc == NULL)
            return; /* on_request drops the connection */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        sc->fd = ci != NULL ? ci->connect_fd : -1;
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        format_client(ci != NULL ? ci->client_addr : NULL, sc->client, sizeof sc->client);
        sc->body.max = OTA_MAX_REPORT_SIZE;
        atomic_store(&sc->phase, SRV_WAITING);
        atomic_store(&sc->deadline, request_deadline(s));
        pthread_mutex_lock(&s->conn_lock);
        sc->next = s->conns;
        if (s->conns != NULL)
            s->conns->prev = sc;
        s->conns = sc;
        pthread_mutex_unlock(&s->conn_lock);
        atomic_fetch_add_explicit(&s->metrics.active, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->metrics.connections, 1, memory_order_relaxed);
        return;
    }
    srv_conn *sc = *socket_context;
    if (sc == NULL)
        return;
    pthread_mutex_lock(&s->conn_lock);
    if (sc->prev != NULL)
        sc->prev->next = sc->next;
    else
        s->conns = sc->next;
    if (sc->next != NULL)
        sc->next->prev = sc->prev;
    pthread_mutex_unlock(&s->conn_lock);
    ota_buf_free(&sc->body);
    free(sc);
    *socket_context = NULL;
    atomic_fetch_sub_explicit(&s->metrics.active, 1, memory_order_relaxed);
}

/* Every 250 ms (50 ms while draining): shut down connections whose request
 * did not arrive by its deadline, and, while draining, idle ones. */
static void *
reaper_main(void *arg)
{
    srv *s = arg;
    pthread_mutex_lock(&s->conn_lock);
    while (!s->reaper_stop) {
        int64_t now = srv_now_ms();
        bool drain = atomic_load(&s->draining);
        for (srv_conn *sc = s->conns; sc != NULL; sc = sc->next) {
            int phase = atomic_load_explicit(&sc->phase, memory_order_relaxed);
            int64_t dl = atomic_load_explicit(&sc->deadline, memory_order_relaxed);
            bool late = phase != SRV_ANSWER && dl != 0 && now >= dl;
            if ((late || (drain && phase == SRV_WAITING)) && sc->fd >= 0 && !sc->reaped) {
                shutdown(sc->fd, SHUT_RDWR);
                sc->reaped = true; /* once; only this thread reads or writes it */
                if (late && !drain)
                    atomic_fetch_add_explicit(&s->metrics.timeouts, 1, memory_order_relaxed);
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        long step_ns = drain ? 50000000L : 250000000L;
        ts.tv_nsec += step_ns;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->conn_cond, &s->conn_lock, &ts);
    }
    pthread_mutex_unlock(&s->conn_lock);
    return NULL;
}

/* ---- access log -------------------------------------------------------------- */

static void
access_log(srv *s, const srv_conn *sc, bool complete)
{
    int fd = atomic_load_explicit(&s->log_fd, memory_order_relaxed);
    if (fd < 0)
        return;
    /* Common Log Format; the time string is rebuilt once a second per thread */
    static _Thread_local time_t last;
    static _Thread_local char when[40];
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
        last = now;
    }
    /* the raw path is attacker-controlled: escape anything but printable
     * ASCII, quotes and backslashes so a line is always one line */
    char url[4 * sizeof sc->url];
    size_t o = 0;
    for (const char *p = sc->url; *p != '\0' && o + 5 < sizeof url; p++) {
        unsigned char ch = (unsigned char) *p;
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            o += (size_t) snprintf(url + o, sizeof url - o, "\\x%02x", ch);
        else
            url[o++] = (char) ch;
    }
    url[o] = '\0';
    char line[1400];
    char bytes[24];
    if (complete && sc->body_bytes > 0)
        snprintf(bytes, sizeof bytes, "%llu", (unsigned long long) sc->body_bytes);
    else
        snprintf(bytes, sizeof bytes, "-");
    int n = snprintf(line, sizeof line, "%s - - [%s] \"%s %s %s\" %03u %s\n", sc->client, when,
                     sc->method_name, url, sc->version, sc->status, bytes);
    if (n > 0) {
        size_t len = (size_t) n < sizeof line ? (size_t) n : sizeof line - 1;
        ssize_t w = write(fd, line, len); /* O_APPEND: one write, one line */
        (void) w;
    }
}

int
srv_log_open(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
}

bool
srv_log_reopen(srv *s, char *why, size_t why_cap)
{
    int cur = atomic_load(&s->log_fd);
    if (cur <= STDERR_FILENO) /* "off" or "-" */
        return true;
    int fd = srv_log_open(s->cfg.access_log);
    if (fd < 0) {
        snprintf(why, why_cap, "%s: %s", s->cfg.access_log, strerror(errno));
        return false;
    }
    /* dup3 swaps the file behind the fd number atomically: a worker
     * writing a line at this moment writes it to the old file or the new
     * one, never to a closed or reused fd */
    bool ok = dup3(fd, cur, O_CLOEXEC) >= 0;
    if (!ok)
        snprintf(why, why_cap, "%s: %s", s->cfg.access_log, strerror(errno));
    close(fd);
    return ok;
}

/* Read and drop what the client already sent after a request refused on
 * its head.  MHD closes such a connection right after the reply, and a
 * close(2) with unread input makes the kernel send RST, which can destroy
 * the reply before the client reads it.  Bounded: 256 KiB, no waiting. */
static void
drain_input(int fd)
{
    char buf[2048];
    for (int i = 0; i < 128; i++)
        if (recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0)
            break;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **req, enum MHD_RequestTerminationCode toe)
{
    srv *s = cls;
    srv_conn *sc = *req;
    (void) c;
    if (sc == NULL)
        return;
    bool complete = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    if (sc->status >= 100 && sc->status < SRV_STATUS_MAX)
        atomic_fetch_add_explicit(&s->metrics.status[sc->status], 1, memory_order_relaxed);
    if (complete)
        atomic_fetch_add_explicit(&s->metrics.bytes, sc->body_bytes, memory_order_relaxed);
    access_log(s, sc, complete);
    if (sc->drain && sc->fd >= 0)
        drain_input(sc->fd);
    if (sc->body.cap > 0)
        ota_buf_free(&sc->body);
    sc->body.max = OTA_MAX_REPORT_SIZE;
    sc->body_error = false;
    sc->body_too_big = false;
    sc->has_body = false;
    sc->drain = false;
    sc->status = 0;
    sc->body_bytes = 0;
    atomic_store_explicit(&sc->deadline, request_deadline(s), memory_order_relaxed);
    atomic_store_explicit(&sc->phase, SRV_WAITING, memory_order_relaxed);
    *req = NULL;
}

/* ---- request checks and dispatch ------------------------------------------- */

typedef struct hdr_scan {
    unsigned content_length;
    unsigned transfer_encoding;
    bool name_space; /* whitespace in a header name ("Content-Length : 5") */
    bool cl_bad;
    bool te_bad;
    bool cl_nonzero;
} hdr_scan;

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    hdr_scan *h = cls;
    (void) kind;
    /* MHD 0.9.75 keeps whitespace before the colon as part of the name, so
     * "Content-Length : 5" is not its Content-Length: the body would be read
     * as the next request, where a proxy in front reads it as a body */
    if (key[strcspn(key, " \t")] != '\0')
        h->name_space = true;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        h->content_length++;
        if (value == NULL || value[0] == '\0' || strspn(value, "0123456789") != strlen(value))
            h->cl_bad = true;
        else if (value[strspn(value, "0")] != '\0')
            h->cl_nonzero = true;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        h->transfer_encoding++;
        if (value == NULL || strcasecmp(value, "chunked") != 0)
            h->te_bad = true;
    }
    return MHD_YES;
}

static srv_method
parse_method(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return SRV_M_GET;
    if (strcmp(m, "HEAD") == 0)
        return SRV_M_HEAD;
    if (strcmp(m, "POST") == 0)
        return SRV_M_POST;
    if (strcmp(m, "DELETE") == 0)
        return SRV_M_DELETE;
    if (strcmp(m, "PUT") == 0)
        return SRV_M_PUT;
    return SRV_M_OTHER;
}

static bool
is_api(const char *url)
{
    return strncmp(url, "/v1/", 4) == 0 || strcmp(url, "/v1") == 0;
}

/* Request-level checks.  True when it answered. */
static bool
precheck(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url, enum MHD_Result *ret)
{
    if (is_api(url))
        return srv_api_precheck(s, sc, c, url, ret);
    if (sc->method != SRV_M_GET && sc->method != SRV_M_HEAD) {
        sc->body_error = true;
        *ret = reply_405(sc, c, "GET, HEAD");
        return true;
    }
    if (sc->has_body) {
        sc->body_error = true;
        *ret = srv_reply_error(sc, c, 400, "E_REQUEST", "request body not allowed");
        return true;
    }
    return false;
}

static void
copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_size, void **req)
{
    srv *s = cls;
    srv_conn *sc = *req;
    if (sc == NULL) {
        /* first call: the request head is complete */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        sc = ci != NULL ? ci->socket_context : NULL;
        if (sc == NULL)
            return MHD_NO; /* out of memory at accept time: drop */
        *req = sc;
        sc->method = parse_method(method);
        sc->method_name = sc->method == SRV_M_OTHER ? "-" : method;
        copy_trunc(sc->url, sizeof sc->url, url);
        copy_trunc(sc->version, sizeof sc->version, version);
        atomic_store_explicit(&sc->phase, SRV_BODY, memory_order_relaxed);
        /* headers MHD lets through but a proxy in front may read otherwise
         * (request smuggling): refuse, and close */
        hdr_scan h = {0};
        MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &h);
        const char *why = NULL;
        if (h.name_space)
            why = "whitespace in a header name";
        else if (h.content_length > 1)
            why = "more than one Content-Length header";
        else if (h.content_length > 0 && h.transfer_encoding > 0)
            why = "both Content-Length and Transfer-Encoding";
        else if (h.cl_bad)
            why = "invalid Content-Length";
        else if (h.transfer_encoding > 1 || h.te_bad)
            why = "unsupported Transfer-Encoding";
        if (why != NULL) {
            sc->body_error = true;
            sc->drain = true;
            return srv_reply_error(sc, c, 400, "E_REQUEST", why);
        }
        sc->has_body = h.cl_nonzero || h.transfer_encoding > 0;
        /* a request with a body is judged on its head, before the body is
         * read (answering now closes the connection, as it must); one
         * without is answered on the next call so keep-alive survives */
        enum MHD_Result ret = MHD_YES;
        if (sc->has_body && precheck(s, sc, c, url, &ret)) {
            sc->drain = true;
            return ret;
        }
        return MHD_YES;
    }
    if (*upload_size != 0) {
        /* MHD 0.9.75 cannot queue a reply in the middle of a body: past the
         * cap the rest is read and dropped (memory stays bounded, time is
         * bounded by the request deadline) and 413 is the final answer */
        if (!sc->body_error && !sc->body_too_big &&
            ota_buf_append(&sc->body, upload_data, *upload_size) != OTA_OK)
            sc->body_too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (sc->body_error)
        return MHD_YES; /* answered already */
    if (!sc->has_body) {
        enum MHD_Result ret = MHD_YES;
        if (precheck(s, sc, c, url, &ret))
            return ret;
    }
    if (sc->body_too_big) {
        if (strcmp(url, "/v1/reports") == 0)
            atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
        return srv_reply_error(sc, c, 413, "E_LIMIT", "request body too large");
    }
    if (strcmp(url, "/metrics") == 0) {
        ota_buf b = {.max = 64u * 1024u};
        if (srv_metrics_render(&s->metrics, &b) != OTA_OK) {
            ota_buf_free(&b);
            return srv_reply_error(sc, c, 500, "E_NOMEM", "cannot render metrics");
        }
        enum MHD_Result ret =
            srv_reply(sc, c, 200, "text/plain; version=0.0.4; charset=utf-8", (char *) b.p, b.len);
        ota_buf_free(&b);
        return ret;
    }
    if (is_api(url))
        return srv_api_handle(s, sc, c, url);
    enum MHD_Result page = MHD_NO;
    if (srv_fleet_page(s, sc, c, url, &page))
        return page;
    return srv_files_serve(s, sc, c, url);
}

/* MHD's unescaping is off: path.c decodes the raw path exactly once. */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void) cls;
    (void) c;
    return strlen(s);
}

/* MHD's format strings: vprintf-like (clang's -Wformat-nonliteral wants it said) */
__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void) cls;
    fputs("ota-server: mhd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

ota_err
srv_http_start(srv *s, int listen_fd, bool tls)
{
    /* a pool of epoll threads (thread per connection is faster for a few
     * large downloads, measured, but costs a thread per slow client);
     * TURBO: opportunistic reads/writes before waiting in epoll, ~10% more
     * small-file requests/s here */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO;
    if (s->cfg.verbose)
        flags |= MHD_USE_ERROR_LOG;
    if (tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem ops[20];
    size_t n = 0;
#define OPT(o, v, p) ops[n++] = (struct MHD_OptionItem){(o), (intptr_t) (v), (p)}
    OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL); /* first, or MHD logs before it */
    OPT(MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL);
    if (s->cfg.threads > 1)
        OPT(MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, NULL);
    OPT(MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_conns, NULL);
    OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.max_per_ip, NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.idle_timeout, NULL);
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->cfg.header_memory, NULL);
    OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, s);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, s);
    OPT(MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, s);
    OPT(MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, NULL);
    OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
    if (tls) /* asked on every handshake: SIGHUP can swap the pair */
        OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0, srv_tls_callback());
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->conn_cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->conn_lock, NULL);

    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, ops,
                                 MHD_OPTION_END);
    if (s->daemon == NULL)
        return OTA_E_NETWORK;
    if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
        MHD_stop_daemon(s->daemon);
        s->daemon = NULL;
        return OTA_E_NOMEM;
    }
    s->reaper_started = true;
    return OTA_OK;
}

unsigned
srv_http_stop(srv *s, bool (*again)(void))
{
    atomic_store(&s->draining, true);
    /* new connections are refused from here on: the listening socket is
     * shut down now but closed only after MHD_stop_daemon — MHD's thread
     * may still be taking it out of its epoll set, and a closed number can
     * be reused by the next open (ThreadSanitizer saw that race) */
    MHD_socket lfd = MHD_quiesce_daemon(s->daemon);
    if (lfd != MHD_INVALID_SOCKET)
        (void) shutdown(lfd, SHUT_RDWR);
    pthread_mutex_lock(&s->conn_lock);
    pthread_cond_signal(&s->conn_cond);
    pthread_mutex_unlock(&s->conn_lock);
    int64_t end = srv_now_ms() + (int64_t) s->cfg.shutdown_timeout * 1000;
    while (atomic_load(&s->metrics.active) > 0 && srv_now_ms() < end && !again()) {
        struct timespec ts = {0, 20000000L};
        nanosleep(&ts, NULL);
    }
    int64_t left = atomic_load(&s->metrics.active);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    if (s->reaper_started) {
        pthread_mutex_lock(&s->conn_lock);
        s->reaper_stop = true;
        pthread_cond_signal(&s->conn_cond);
        pthread_mutex_unlock(&s->conn_lock);
        pthread_join(s->reaper, NULL);
    }
    return left > 0 ? (unsigned) left : 0;
}
