/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_curl.c — the libcurl transport against a tiny HTTP responder
 * running in a thread of this test on 127.0.0.1 (test code only: it answers
 * crafted responses by path).  Covers whole fetches, the pull stream over
 * curl's multi interface (pause/resume with bodies larger than its buffer),
 * Range requests, the byte ceiling (Content-Length and endless bodies),
 * status mapping, slow retrieval, the User-Agent, redirects, connection
 * reuse (one connection for fetches, streams, error pages and posts) and
 * post().  Every wait is bounded by the transport's own timeouts; the
 * server thread shares only atomics and a mutex-guarded last request.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ota/client.h"
#include "ota/transport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define BIG (200u * 1024u)

/* test_slow_retrieval: the overall timeout, and how long /stall and
 * /trickle keep the connection open (past it) */
#define SLOW_TOTAL_MS 10000
#define HOLD_MS 15000

/* The last request the server read: written by the server thread under
 * srv.lock, read by the test through seen(). */
typedef struct request {
    char head[4096];
    char body[4096];
    size_t body_len;
} request;

/* Shared by the test thread and the server thread: stop and accepts are
 * atomics, the last request is behind lock; fd and port are set before the
 * thread starts. */
typedef struct srv {
    int fd;
    int port;
    pthread_t th;
    atomic_int stop;
    pthread_mutex_t lock;
    request last;        /* under lock */
    request copy;        /* the test thread's own, filled by seen() */
    atomic_uint accepts; /* connections accepted */
} srv;

/* The last request the server read, copied out under its lock. */
static const request *
seen(srv *s)
{
    pthread_mutex_lock(&s->lock);
    s->copy = s->last;
    pthread_mutex_unlock(&s->lock);
    return &s->copy;
}

static uint8_t
pat(size_t i)
{
    return (uint8_t) (i * 31u + 7u);
}

static void
send_all(int c, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        ssize_t w = send(c, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t) w;
    }
}

static void
send_body(int c, size_t from, size_t to)
{
    uint8_t buf[4096];
    for (size_t i = from; i < to;) {
        size_t n = to - i < sizeof buf ? to - i : sizeof buf;
        for (size_t j = 0; j < n; j++)
            buf[j] = pat(i + j);
        send_all(c, buf, n);
        i += n;
    }
}

/* POST /post/STATUS: answer STATUS (an empty body; "big": 201 with a body
 * past the transport's reply bound; "hang": never; "redirect": a 302). */
static void
respond_post(srv *s, int c, const char *path, const char *conn)
{
    char hdr[512];
    if (strcmp(path, "/post/hang") == 0) {
        for (int i = 0; i < 100 && !atomic_load(&s->stop); i++) { /* at most 5 s */
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
            char b;
            if (recv(c, &b, 1, MSG_DONTWAIT) == 0)
                break;
        }
        return;
    }
    if (strcmp(path, "/post/redirect") == 0) {
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 302 Found\r\nLocation: /post/201\r\nContent-Length: 0\r\n%s\r\n", conn);
        send_all(c, hdr, strlen(hdr));
        return;
    }
    bool big = strcmp(path, "/post/big") == 0;
    int code = big ? 201 : atoi(path + 6);
    snprintf(hdr, sizeof hdr, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n", code,
             big ? (size_t) BIG : 0, conn);
    send_all(c, hdr, strlen(hdr));
    if (big)
        send_body(c, 0, BIG);
}

/* Answer one request; false: close the connection after it.  Paths under
 * /ka/ are answered with keep-alive (the rest of the path picks the
 * answer as below). */
static bool
respond(srv *s, int c, const char *head)
{
    char method[16] = "", full[256] = "", hdr[512];
    sscanf(head, "%15s %255s", method, full);
    bool ka = strncmp(full, "/ka/", 4) == 0;
    const char *path = ka ? full + 3 : full;
    const char *conn = ka ? "" : "Connection: close\r\n";
    const char *range = strstr(head, "Range: bytes=");
    size_t from = range != NULL ? (size_t) strtoul(range + 13, NULL, 10) : 0;
    if (strcmp(method, "POST") == 0) {
        respond_post(s, c, path, conn);
        return ka;
    }
    if (ka && (strcmp(path, "/ok") == 0 || strcmp(path, "/404") == 0)) {
        bool ok = path[1] == 'o';
        snprintf(hdr, sizeof hdr, "HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n",
                 ok ? "200 OK" : "404 Not Found", ok ? 1000 : 9);
        send_all(c, hdr, strlen(hdr));
        if (ok)
            send_body(c, 0, 1000);
        else
            send_all(c, "not here\n", 9);
        return true;
    }
    if (strncmp(path, "/redir-", 7) == 0) {
        const char *to = strcmp(path, "/redir-ok") == 0     ? "/ok"
                         : strcmp(path, "/redir-loop") == 0 ? "/redir-loop"
                                                              : "file:///etc/passwd";
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n",
                 to);
        send_all(c, hdr, strlen(hdr));
    } else if (strcmp(path, "/ok") == 0 || strcmp(path, "/big") == 0 || strcmp(path, "/norange") == 0) {
        size_t len = strcmp(path, "/ok") == 0 ? 1000 : BIG;
        if (range != NULL && strcmp(path, "/norange") != 0) {
            snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 206 Partial Content\r\nContent-Length: %zu\r\n"
                     "Content-Range: bytes %zu-%zu/%zu\r\nConnection: close\r\n\r\n",
                     len - from, from, len - 1, len);
            send_all(c, hdr, strlen(hdr));
            send_body(c, from, len);
        } else {
            snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", len);
            send_all(c, hdr, strlen(hdr));
            send_body(c, 0, len);
        }
    } else if (strcmp(path, "/empty") == 0) {
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        send_all(c, hdr, strlen(hdr));
    } else if (strcmp(path, "/404") == 0 || strcmp(path, "/500") == 0) {
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 %s\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here\n",
                 path[1] == '4' ? "404 Not Found" : "500 Oops");
        send_all(c, hdr, strlen(hdr));
    } else if (strcmp(path, "/endless") == 0) {
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        send_all(c, hdr, strlen(hdr));
        uint8_t buf[8192];
        memset(buf, 'e', sizeof buf);
        for (int i = 0; i < 8192 && !atomic_load(&s->stop); i++) /* at most 64 MiB */
            if (send(c, buf, sizeof buf, MSG_NOSIGNAL) <= 0)
                break;
    } else if (strcmp(path, "/stall") == 0 || strcmp(path, "/trickle") == 0) {
        /* 10 bytes, then nothing (stall) or one byte every 100 ms (trickle,
         * 10 B/s): either way the connection stays open past the slow
         * test's overall timeout, until the client hangs up */
        bool trickle = path[1] == 't';
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n0123456789");
        send_all(c, hdr, strlen(hdr));
        for (int i = 0; i < HOLD_MS / 50 && !atomic_load(&s->stop); i++) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
            char b;
            if (recv(c, &b, 1, MSG_DONTWAIT) == 0)
                break; /* the client hung up */
            if (trickle && i % 2 == 1 && i / 2 < 990 && send(c, "t", 1, MSG_NOSIGNAL) != 1)
                break;
        }
    } else {
        snprintf(hdr, sizeof hdr, "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        send_all(c, hdr, strlen(hdr));
    }
    return false;
}

/* Read one request head (and its Content-Length body; both kept in s->last)
 * from c; false when the peer closed or went quiet. */
static bool
read_request(srv *s, int c, char *head, size_t cap)
{
    char body[sizeof s->last.body];
    size_t n = 0;
    char *end = NULL;
    while (n < cap - 1) {
        ssize_t r = recv(c, head + n, cap - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t) r;
        head[n] = '\0';
        if ((end = strstr(head, "\r\n\r\n")) != NULL)
            break;
    }
    head[n] = '\0';
    if (end == NULL)
        return false;
    const char *cl = strstr(head, "Content-Length: ");
    size_t want = cl != NULL && cl < end ? (size_t) strtoul(cl + 16, NULL, 10) : 0;
    size_t have = n - (size_t) (end + 4 - head);
    if (want >= sizeof body)
        want = sizeof body - 1;
    if (have > want)
        have = want;
    memcpy(body, end + 4, have);
    while (have < want) {
        ssize_t r = recv(c, body + have, want - have, 0);
        if (r <= 0)
            break;
        have += (size_t) r;
    }
    body[have] = '\0';
    end[4] = '\0';
    pthread_mutex_lock(&s->lock);
    snprintf(s->last.head, sizeof s->last.head, "%s", head);
    memcpy(s->last.body, body, have + 1);
    s->last.body_len = have;
    pthread_mutex_unlock(&s->lock);
    return true;
}

static void *
serve(void *arg)
{
    srv *s = arg;
    while (!atomic_load(&s->stop)) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        atomic_fetch_add(&s->accepts, 1);
        /* one thread serves every connection: an idle kept-alive one is
         * given up after 300 ms (curl then opens a new one) */
        struct timeval tv = {0, 300 * 1000};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char head[4096];
        while (!atomic_load(&s->stop) && read_request(s, c, head, sizeof head) &&
               respond(s, c, head))
            ;
        close(c);
    }
    return NULL;
}

static int
setup(void **state)
{
    srv *s = calloc(1, sizeof *s);
    atomic_init(&s->stop, 0);
    atomic_init(&s->accepts, 0);
    pthread_mutex_init(&s->lock, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->fd, (struct sockaddr *) &a, sizeof a) != 0 || listen(s->fd, 8) != 0)
        return -1;
    socklen_t al = sizeof a;
    getsockname(s->fd, (struct sockaddr *) &a, &al);
    s->port = ntohs(a.sin_port);
    pthread_create(&s->th, NULL, serve, s);
    *state = s;
    return 0;
}

static int
teardown(void **state)
{
    srv *s = *state;
    atomic_store(&s->stop, 1);
    shutdown(s->fd, SHUT_RDWR);
    /* wake accept() */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(c, (struct sockaddr *) &a, sizeof a);
    close(c);
    pthread_join(s->th, NULL);
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return 0;
}

typedef struct sinkbuf {
    uint8_t *p;
    size_t len;
} sinkbuf;

static ota_err
sink(void *ctx, const uint8_t *buf, size_t len)
{
    sinkbuf *b = ctx;
    b->p = realloc(b->p, b->len + len + 1);
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    return OTA_OK;
}

static ota_transport
make(long low_bytes, long low_secs)
{
    ota_curl_config cfg = {.size = sizeof cfg,
                           .connect_timeout_ms = 5000,
                           .total_timeout_ms = 20000,
                           .low_speed_bytes = low_bytes,
                           .low_speed_secs = low_secs,
                           .user_agent_suffix = "test"};
    ota_transport t = {.size = sizeof t};
    assert_int_equal(ota_curl_transport_new(&cfg, &t), OTA_OK);
    return t;
}

static ota_err
fetch(srv *s, ota_transport *t, const char *path, uint64_t max, sinkbuf *out, char *err)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    ota_fetch_req req = {.size = sizeof req, .url = url, .max_len = max};
    memset(out, 0, sizeof *out);
    return t->fetch(t->user, &req, sink, out, err, OTA_TRANSPORT_ERRLEN);
}

/* Pull a whole stream in `piece`-byte reads. */
static ota_err
pull(srv *s, ota_transport *t, const char *path, uint64_t offset, uint64_t max, size_t piece,
     sinkbuf *out, char *err)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    ota_fetch_req req = {.size = sizeof req, .url = url, .offset = offset, .max_len = max};
    void *st = NULL;
    memset(out, 0, sizeof *out);
    ota_err rc = t->open(t->user, &req, &st, err, OTA_TRANSPORT_ERRLEN);
    uint8_t *buf = malloc(piece);
    while (rc == OTA_OK) {
        size_t got = 0;
        rc = t->read(t->user, st, buf, piece, &got, err, OTA_TRANSPORT_ERRLEN);
        if (rc != OTA_OK || got == 0)
            break;
        assert_true(got <= piece);
        sink(out, buf, got);
    }
    free(buf);
    if (st != NULL)
        t->close(t->user, st);
    return rc;
}

static void
check_pattern(const sinkbuf *b, size_t from, size_t len)
{
    assert_int_equal(b->len, len);
    for (size_t i = 0; i < len; i++)
        if (b->p[i] != pat(from + i))
            fail_msg("byte %zu differs", i);
}

static void
test_fetch_whole(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    assert_int_equal(fetch(s, &t, "/ok", 1000, &b, err), OTA_OK);
    check_pattern(&b, 0, 1000);
    free(b.p);
    assert_non_null(strstr(seen(s)->head, "User-Agent: libotaclient/" OTA_CLIENT_VERSION " ("));
    assert_non_null(strstr(seen(s)->head, ") test\r\n"));
    assert_null(strstr(seen(s)->head, "Accept-Encoding")); /* raw bytes only */
    assert_int_equal(fetch(s, &t, "/empty", 10, &b, err), OTA_OK);
    assert_int_equal(b.len, 0);
    free(b.p);
    ota_curl_transport_free(&t);
    ota_curl_transport_free(&t); /* idempotent */
}

static void
test_status_mapping(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    assert_int_equal(fetch(s, &t, "/404", 1000, &b, err), OTA_E_NOT_FOUND);
    free(b.p);
    assert_int_equal(fetch(s, &t, "/500", 1000, &b, err), OTA_E_NETWORK);
    assert_non_null(strstr(err, "500"));
    free(b.p);
    assert_int_equal(pull(s, &t, "/404", 0, 1000, 100, &b, err), OTA_E_NOT_FOUND);
    free(b.p);
    /* an error page longer than the (small) target is still "not found",
     * not "endless data" */
    assert_int_equal(fetch(s, &t, "/404", 6, &b, err), OTA_E_NOT_FOUND);
    assert_non_null(strstr(err, "404"));
    free(b.p);
    assert_int_equal(pull(s, &t, "/404", 0, 6, 100, &b, err), OTA_E_NOT_FOUND);
    free(b.p);
    /* nothing listening */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:1/x");
    ota_fetch_req req = {.size = sizeof req, .url = url, .max_len = 10};
    memset(&b, 0, sizeof b);
    assert_int_equal(t.fetch(t.user, &req, sink, &b, err, sizeof err), OTA_E_NETWORK);
    free(b.p);
    /* not HTTP(S) */
    ota_fetch_req fr = {.size = sizeof fr, .url = "file:///etc/passwd", .max_len = 10000};
    memset(&b, 0, sizeof b);
    assert_int_equal(t.fetch(t.user, &fr, sink, &b, err, sizeof err), OTA_E_NETWORK);
    assert_int_equal(b.len, 0);
    free(b.p);
    ota_curl_transport_free(&t);
}

static void
test_ceiling(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    assert_int_equal(fetch(s, &t, "/ok", 999, &b, err), OTA_E_LENGTH); /* Content-Length */
    assert_true(b.len <= 999);
    free(b.p);
    assert_int_equal(fetch(s, &t, "/endless", 100000, &b, err), OTA_E_LENGTH);
    assert_true(b.len <= 100000);
    free(b.p);
    assert_int_equal(pull(s, &t, "/endless", 0, 100000, 4096, &b, err), OTA_E_LENGTH);
    assert_true(b.len <= 100000);
    free(b.p);
    ota_curl_transport_free(&t);
}

static void
test_stream_big_body(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    /* small reads: curl fills the 64 KiB buffer, pauses, resumes */
    assert_int_equal(pull(s, &t, "/big", 0, BIG, 1000, &b, err), OTA_OK);
    check_pattern(&b, 0, BIG);
    free(b.p);
    assert_int_equal(pull(s, &t, "/big", 0, BIG, 100000, &b, err), OTA_OK);
    check_pattern(&b, 0, BIG);
    free(b.p);
    ota_curl_transport_free(&t);
}

static void
test_range(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    assert_int_equal(pull(s, &t, "/big", 150000, BIG - 150000, 7000, &b, err), OTA_OK);
    assert_non_null(strstr(seen(s)->head, "Range: bytes=150000-\r\n"));
    check_pattern(&b, 150000, BIG - 150000);
    free(b.p);
    /* a server that ignores Range (200, the whole file): the transport drops
     * the first `offset` bytes itself, so the bytes are still the asked ones */
    assert_int_equal(pull(s, &t, "/norange", 150000, BIG - 150000, 7000, &b, err), OTA_OK);
    assert_non_null(strstr(seen(s)->head, "Range: bytes=150000-\r\n"));
    check_pattern(&b, 150000, BIG - 150000);
    free(b.p);
    assert_int_equal(pull(s, &t, "/norange", 150000, BIG - 150000, 100, &b, err), OTA_OK);
    check_pattern(&b, 150000, BIG - 150000); /* paused and resumed mid-skip */
    free(b.p);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/norange", s->port);
    ota_fetch_req req = {.size = sizeof req, .url = url, .offset = 1000, .max_len = BIG - 1000};
    memset(&b, 0, sizeof b);
    assert_int_equal(t.fetch(t.user, &req, sink, &b, err, sizeof err), OTA_OK);
    check_pattern(&b, 1000, BIG - 1000);
    free(b.p);
    /* the ceiling still counts the bytes delivered */
    req.max_len = BIG - 1001;
    memset(&b, 0, sizeof b);
    assert_int_equal(t.fetch(t.user, &req, sink, &b, err, sizeof err), OTA_E_LENGTH);
    free(b.p);
    ota_curl_transport_free(&t);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* A stalled and a trickling body (the server holds either open past the
 * overall timeout) are cut off by the speed floor (under 1000 B/s for 1 s),
 * within a few seconds: well before SLOW_TOTAL_MS, and with curl's "too
 * slow" reason, not the overall timeout's "timed out". */
static void
test_slow_retrieval(void **state)
{
    srv *s = *state;
    ota_curl_config cfg = {.size = sizeof cfg,
                           .connect_timeout_ms = 5000,
                           .total_timeout_ms = SLOW_TOTAL_MS,
                           .low_speed_bytes = 1000,
                           .low_speed_secs = 1};
    ota_transport t = {.size = sizeof t};
    assert_int_equal(ota_curl_transport_new(&cfg, &t), OTA_OK);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    static const char *const paths[] = {"/stall", "/trickle"};
    for (size_t i = 0; i < 2; i++) {
        for (int stream = 0; stream < 2; stream++) {
            double t0 = now_s();
            ota_err rc = stream ? pull(s, &t, paths[i], 0, 1000, 100, &b, err)
                                : fetch(s, &t, paths[i], 1000, &b, err);
            double took = now_s() - t0;
            print_message("%s %s: %s after %.2f s: %s\n", stream ? "pull" : "fetch", paths[i],
                          ota_strerror(rc), took, err);
            assert_int_equal(rc, OTA_E_NETWORK);
            assert_true(took < 5.0);
            assert_non_null(strstr(err, "Operation too slow"));
            if (i == 0)
                assert_int_equal(b.len, 10); /* then nothing */
            else
                assert_true(b.len > 10 && b.len < 1000); /* it did trickle */
            free(b.p);
        }
    }
    ota_curl_transport_free(&t);
}

static void
test_redirects(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    assert_int_equal(fetch(s, &t, "/redir-ok", 1000, &b, err), OTA_OK); /* http -> http */
    check_pattern(&b, 0, 1000);
    free(b.p);
    assert_int_equal(fetch(s, &t, "/redir-loop", 1000, &b, err), OTA_E_NETWORK); /* at most 5 */
    free(b.p);
    assert_int_equal(fetch(s, &t, "/redir-file", 1000, &b, err), OTA_E_NETWORK);
    assert_int_equal(b.len, 0);
    free(b.p);
    /* https -> http is refused: tests/integration/test_client_cli.sh (TLS) */
    ota_curl_transport_free(&t);
}

/* Fetches, a stream, error pages and posts to one server: one connection. */
static void
test_connection_reuse(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    long status = 0;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ka/post/201", s->port);
    unsigned before = atomic_load(&s->accepts);
    assert_int_equal(fetch(s, &t, "/ka/404", 1000, &b, err), OTA_E_NOT_FOUND);
    free(b.p);
    assert_int_equal(fetch(s, &t, "/ka/404", 6, &b, err), OTA_E_NOT_FOUND); /* page > ceiling */
    free(b.p);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fetch(s, &t, "/ka/ok", 1000, &b, err), OTA_OK);
        check_pattern(&b, 0, 1000);
        free(b.p);
    }
    assert_int_equal(pull(s, &t, "/ka/ok", 0, 1000, 300, &b, err), OTA_OK);
    check_pattern(&b, 0, 1000);
    free(b.p);
    assert_int_equal(pull(s, &t, "/ka/404", 0, 1000, 300, &b, err), OTA_E_NOT_FOUND);
    free(b.p);
    assert_int_equal(t.post(t.user, url, "application/json", (const uint8_t *) "{}", 2, &status,
                            err, sizeof err),
                     OTA_OK);
    assert_int_equal(fetch(s, &t, "/ka/ok", 1000, &b, err), OTA_OK);
    free(b.p);
    assert_int_equal(atomic_load(&s->accepts) - before, 1);
    ota_curl_transport_free(&t);
}

static ota_err
post(srv *s, ota_transport *t, const char *path, const char *ctype, const char *body,
     long *status, char *err)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    *status = -1;
    return t->post(t->user, url, ctype, (const uint8_t *) body, body ? strlen(body) : 0, status,
                   err, OTA_TRANSPORT_ERRLEN);
}

static void
test_post(void **state)
{
    srv *s = *state;
    ota_transport t = make(0, 0);
    char err[OTA_TRANSPORT_ERRLEN];
    long status;
    const char *rep = "{\"device\":\"gw-1\",\"state\":\"committed\"}";
    assert_non_null(t.post);
    assert_int_equal(post(s, &t, "/post/201", "application/json", rep, &status, err), OTA_OK);
    assert_int_equal(status, 201);
    assert_non_null(strstr(seen(s)->head, "POST /post/201 HTTP/1.1\r\n"));
    assert_non_null(strstr(seen(s)->head, "\r\nContent-Type: application/json\r\n"));
    assert_non_null(strstr(seen(s)->head, "User-Agent: libotaclient/"));
    assert_null(strstr(seen(s)->head, "Expect:"));
    assert_int_equal(seen(s)->body_len, strlen(rep));
    assert_string_equal(seen(s)->body, rep);
    assert_int_equal(post(s, &t, "/post/409", "application/json", rep, &status, err), OTA_OK);
    assert_int_equal(status, 409);
    assert_int_equal(post(s, &t, "/post/500", "application/json", rep, &status, err), OTA_OK);
    assert_int_equal(status, 500);
    /* no redirect is followed: the 302 is the answer */
    assert_int_equal(post(s, &t, "/post/redirect", "application/json", rep, &status, err), OTA_OK);
    assert_int_equal(status, 302);
    assert_non_null(strstr(seen(s)->head, "POST /post/redirect "));
    /* a long reply is read only up to the bound; the status stands */
    assert_int_equal(post(s, &t, "/post/big", "application/json", rep, &status, err), OTA_OK);
    assert_int_equal(status, 201);
    /* an empty body */
    assert_int_equal(post(s, &t, "/post/201", "text/plain", NULL, &status, err), OTA_OK);
    assert_int_equal(seen(s)->body_len, 0);
    assert_non_null(strstr(seen(s)->head, "Content-Length: 0\r\n"));
    /* one header line only */
    assert_int_equal(post(s, &t, "/post/201", "text/plain\r\nX-Evil: 1", rep, &status, err),
                     OTA_E_ARG);
    assert_int_equal(status, -1);
    /* nothing listening */
    ota_err rc = t.post(t.user, "http://127.0.0.1:1/r", "application/json", (const uint8_t *) "{}",
                        2, &status, err, sizeof err);
    assert_int_equal(rc, OTA_E_NETWORK);
    assert_true(err[0] != '\0');
    ota_curl_transport_free(&t);
    /* no answer within the cap: a network failure, in bounded time */
    ota_curl_config cfg = {.size = sizeof cfg, .connect_timeout_ms = 2000, .total_timeout_ms = 1000};
    assert_int_equal(ota_curl_transport_new(&cfg, &t), OTA_OK);
    time_t t0 = time(NULL);
    assert_int_equal(post(s, &t, "/post/hang", "application/json", rep, &status, err),
                     OTA_E_NETWORK);
    assert_true(time(NULL) - t0 <= 3);
    assert_non_null(strstr(err, "timeout"));
    ota_curl_transport_free(&t);
}

static void
test_config_checks(void **state)
{
    (void) state;
    ota_transport t = {.size = sizeof t};
    ota_curl_config cfg = {.size = 3};
    assert_int_equal(ota_curl_transport_new(&cfg, &t), OTA_E_ARG);
    assert_int_equal(ota_curl_transport_new(NULL, NULL), OTA_E_ARG);
    assert_int_equal(ota_curl_transport_new(NULL, &t), OTA_OK); /* all defaults */
    ota_curl_transport_free(&t);
    ota_curl_transport_free(NULL);
}

int
main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_whole),   cmocka_unit_test(test_status_mapping),
        cmocka_unit_test(test_ceiling),       cmocka_unit_test(test_stream_big_body),
        cmocka_unit_test(test_range),         cmocka_unit_test(test_slow_retrieval),
        cmocka_unit_test(test_redirects),     cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_post),          cmocka_unit_test(test_config_checks),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
