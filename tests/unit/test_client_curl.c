/*
 * test_client_curl.c — the libcurl transport against a tiny HTTP responder
 * running in a thread of this test on 127.0.0.1 (test code only: it answers
 * crafted responses by path).  Covers whole fetches, the pull stream over
 * curl's multi interface (pause/resume with bodies larger than its buffer),
 * Range requests, the byte ceiling (Content-Length and endless bodies),
 * status mapping, slow retrieval, the User-Agent.  Every wait is bounded by
 * the transport's own timeouts.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

typedef struct srv {
    int fd;
    int port;
    pthread_t th;
    volatile int stop;
    char last_head[4096];
} srv;

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

static void
respond(srv *s, int c, const char *head)
{
    char path[256] = "", hdr[512];
    sscanf(head, "GET %255s", path);
    const char *range = strstr(head, "Range: bytes=");
    size_t from = range != NULL ? (size_t) strtoul(range + 13, NULL, 10) : 0;
    (void) s;
    if (strcmp(path, "/ok") == 0 || strcmp(path, "/big") == 0 || strcmp(path, "/norange") == 0) {
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
        for (int i = 0; i < 8192 && !s->stop; i++) /* at most 64 MiB */
            if (send(c, buf, sizeof buf, MSG_NOSIGNAL) <= 0)
                break;
    } else if (strcmp(path, "/stall") == 0) {
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n0123456789");
        send_all(c, hdr, strlen(hdr));
        for (int i = 0; i < 200 && !s->stop; i++) { /* at most 10 s */
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
            char b;
            if (recv(c, &b, 1, MSG_DONTWAIT) == 0)
                break; /* the client hung up */
        }
    } else {
        snprintf(hdr, sizeof hdr, "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        send_all(c, hdr, strlen(hdr));
    }
}

static void *
serve(void *arg)
{
    srv *s = arg;
    while (!s->stop) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        char head[4096];
        size_t n = 0;
        while (n < sizeof head - 1) {
            ssize_t r = recv(c, head + n, sizeof head - 1 - n, 0);
            if (r <= 0)
                break;
            n += (size_t) r;
            head[n] = '\0';
            if (strstr(head, "\r\n\r\n") != NULL)
                break;
        }
        head[n] = '\0';
        snprintf(s->last_head, sizeof s->last_head, "%s", head);
        if (!s->stop)
            respond(s, c, head);
        close(c);
    }
    return NULL;
}

static int
setup(void **state)
{
    srv *s = calloc(1, sizeof *s);
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
    s->stop = 1;
    shutdown(s->fd, SHUT_RDWR);
    /* wake accept() */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(c, (struct sockaddr *) &a, sizeof a);
    close(c);
    pthread_join(s->th, NULL);
    close(s->fd);
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
    ota_transport t;
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
    return t->fetch(t->user, &req, sink, out, err);
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
    ota_err rc = t->open(t->user, &req, &st, err);
    uint8_t *buf = malloc(piece);
    while (rc == OTA_OK) {
        size_t got = 0;
        rc = t->read(t->user, st, buf, piece, &got, err);
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
    assert_non_null(strstr(s->last_head, "User-Agent: libotaclient/" OTA_CLIENT_VERSION " ("));
    assert_non_null(strstr(s->last_head, ") test\r\n"));
    assert_null(strstr(s->last_head, "Accept-Encoding")); /* raw bytes only */
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
    assert_int_equal(t.fetch(t.user, &req, sink, &b, err), OTA_E_NETWORK);
    free(b.p);
    /* not HTTP(S) */
    ota_fetch_req fr = {.size = sizeof fr, .url = "file:///etc/passwd", .max_len = 10000};
    memset(&b, 0, sizeof b);
    assert_int_equal(t.fetch(t.user, &fr, sink, &b, err), OTA_E_NETWORK);
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
    assert_non_null(strstr(s->last_head, "Range: bytes=150000-\r\n"));
    check_pattern(&b, 150000, BIG - 150000);
    free(b.p);
    /* a server that ignores Range must not be taken as the requested bytes */
    assert_int_equal(pull(s, &t, "/norange", 150000, BIG, 7000, &b, err), OTA_E_NETWORK);
    assert_non_null(strstr(err, "Range"));
    assert_int_equal(b.len, 0);
    free(b.p);
    ota_curl_transport_free(&t);
}

static void
test_slow_retrieval(void **state)
{
    srv *s = *state;
    ota_transport t = make(1000, 1); /* under 1000 B/s for 1 s: abort */
    sinkbuf b;
    char err[OTA_TRANSPORT_ERRLEN];
    assert_int_equal(fetch(s, &t, "/stall", 1000, &b, err), OTA_E_NETWORK);
    free(b.p);
    assert_int_equal(pull(s, &t, "/stall", 0, 1000, 100, &b, err), OTA_E_NETWORK);
    assert_int_equal(b.len, 10);
    free(b.p);
    ota_curl_transport_free(&t);
}

static void
test_config_checks(void **state)
{
    (void) state;
    ota_transport t;
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
        cmocka_unit_test(test_config_checks),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
