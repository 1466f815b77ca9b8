/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reportload — many simulated devices sending signed status reports to
 * ota-server (POST /v1/reports), for the load test (bench/reports.sh) and
 * the races of several servers on one database (test_server_cluster.sh).
 * Device i is PREFIX-NNNNN with the key of seed text PREFIX-NNNNN (as
 * mkreport --seed-text makes it); reports are signed before the clock
 * starts.
 *
 *   reportload load --url URL [--url URL]... [--devices N] [--concurrency C]
 *                   [--seconds S] [--presign K] [--prefix P]
 *       C threads, each owning the devices i with i % C == its number,
 *       send their devices' reports in turn (seq 1, 2, ...: each device one
 *       report at a time), over keep-alive connections, to the URLs in
 *       turn, for S seconds.  K reports per device are signed before the
 *       start, later ones on the fly (counted).  Prints key=value lines:
 *       sent, acked (2xx), status_NNN per status, errors (no response),
 *       seconds, rps (acked per second), p50_ms, p99_ms, max_ms,
 *       signed_during.
 *   reportload race --url A --url B --devices N [--prefix P] [--mode keys|replay]
 *                   [--seq N]
 *       For each device id, two threads whose connections are already
 *       open meet at a barrier and send at once, one to A, one to B:
 *       keys: the id's report signed by two keys (seed texts P-NNNNN-a,
 *       P-NNNNN-b); replay: one signed report (key P-NNNNN), to both; the
 *       reports have seq N (default 1: the id's first report).  Prints
 *       "ID STATUS_A STATUS_B" per id (000: no response).
 *
 * Exit codes: 0 done, 1 failure (setup, a thread), 2 usage.  A test tool,
 * not a device agent.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ota_report.h"
#include "ota_util.h"

#define MAX_URLS 8
#define REPORT_TIME "2024-01-01T00:00:00Z"

typedef struct opts {
    const char *urls[MAX_URLS];
    unsigned nurls;
    unsigned devices, concurrency, seconds, presign, seq;
    const char *prefix;
    const char *mode;
} opts;

typedef struct doc {
    uint8_t *p;
    size_t len;
} doc;

static int
usage(void)
{
    fprintf(stderr, "usage: reportload load --url URL [--url URL]... [--devices N] [--concurrency C]\n"
                    "                       [--seconds S] [--presign K] [--prefix P]\n"
                    "       reportload race --url A --url B --devices N [--prefix P]\n"
                    "                       [--mode keys|replay] [--seq N]\n");
    return 2;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
keypair(const char *seed_text, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    ota_sha256((const uint8_t *) seed_text, strlen(seed_text), seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
}

static bool
sign(const char *device_id, const uint8_t sk[64], uint64_t seq, doc *out)
{
    ota_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.device_id, sizeof r.device_id, "%s", device_id);
    snprintf(r.hardware_id, sizeof r.hardware_id, "load-hw");
    snprintf(r.installed_version, sizeof r.installed_version, "1.0.0");
    snprintf(r.time, sizeof r.time, REPORT_TIME);
    r.result = OTA_REPORT_NONE;
    r.seq = seq;
    return ota_report_sign(&r, NULL, sk, &out->p, &out->len) == OTA_OK;
}

static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
    (void) p;
    (void) ctx;
    return size * n;
}

/* A handle for POST base/v1/reports (keep-alive); hdrs is the caller's. */
static CURL *
poster(const char *base, struct curl_slist *hdrs)
{
    char url[512];
    snprintf(url, sizeof url, "%s/v1/reports", base);
    CURL *h = curl_easy_init();
    if (h == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    return h;
}

/* POST d with h: the HTTP status, 0 when there was no response. */
static long
post(CURL *h, const doc *d)
{
    long code = 0;
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *) d->p);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long) d->len);
    if (curl_easy_perform(h) != CURLE_OK)
        return 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

/* Open the connection before the race: GET base/metrics on h. */
static void
warm(CURL *h, const char *base)
{
    char url[512];
    snprintf(url, sizeof url, "%s/metrics", base);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_perform(h);
    snprintf(url, sizeof url, "%s/v1/reports", base);
    curl_easy_setopt(h, CURLOPT_URL, url);
}

/* ---- load ----------------------------------------------------------------- */

typedef struct device {
    char id[64];
    uint8_t sk[64];
    uint64_t seq; /* last sent */
    doc *docs;    /* presigned: seq 1..presign */
} device;

typedef struct worker {
    const opts *o;
    pthread_t th;
    unsigned no;
    device *dev; /* this worker's devices */
    unsigned ndev;
    pthread_barrier_t *start;
    double deadline;
    /* results */
    uint64_t sent, errors, signed_during, status[600];
    uint32_t *lat_us;
    size_t nlat, cap;
    bool failed;
} worker;

static void *
load_worker(void *arg)
{
    worker *w = arg;
    const opts *o = w->o;
    CURL *h[MAX_URLS] = {0};
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    for (unsigned i = 0; i < o->nurls; i++)
        if ((h[i] = poster(o->urls[i], hdrs)) == NULL)
            w->failed = true;
    /* sign before the clock starts */
    for (unsigned d = 0; d < w->ndev && !w->failed; d++) {
        device *dv = &w->dev[d];
        uint8_t pk[32];
        keypair(dv->id, pk, dv->sk);
        dv->docs = calloc(o->presign, sizeof *dv->docs);
        for (unsigned k = 0; k < o->presign; k++)
            if (dv->docs == NULL || !sign(dv->id, dv->sk, k + 1, &dv->docs[k]))
                w->failed = true;
    }
    pthread_barrier_wait(w->start); /* signed */
    pthread_barrier_wait(w->start); /* go: deadline set */
    unsigned d = 0, u = w->no % o->nurls;
    while (!w->failed && w->ndev > 0 && now_s() < w->deadline) {
        device *dv = &w->dev[d];
        doc fresh = {0}, *dc;
        uint64_t seq = dv->seq + 1;
        if (seq <= o->presign) {
            dc = &dv->docs[seq - 1];
        } else {
            if (!sign(dv->id, dv->sk, seq, &fresh)) {
                w->failed = true;
                break;
            }
            w->signed_during++;
            dc = &fresh;
        }
        double t0 = now_s();
        long code = post(h[u], dc);
        double dt = now_s() - t0;
        free(fresh.p);
        w->sent++;
        if (code <= 0 || code >= 600)
            w->errors++;
        else
            w->status[code]++;
        dv->seq = seq; /* sent, whatever the answer: the next one is higher */
        if (w->nlat == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 4096;
            uint32_t *l = realloc(w->lat_us, cap * sizeof *l);
            if (l == NULL) {
                w->failed = true;
                break;
            }
            w->lat_us = l;
            w->cap = cap;
        }
        w->lat_us[w->nlat++] = (uint32_t) (dt * 1e6);
        d = (d + 1) % w->ndev;
        u = (u + 1) % o->nurls;
    }
    for (unsigned i = 0; i < o->nurls; i++)
        curl_easy_cleanup(h[i]);
    curl_slist_free_all(hdrs);
    return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return x < y ? -1 : x > y;
}

static int
run_load(const opts *o)
{
    unsigned c = o->concurrency;
    device *dev = calloc(o->devices, sizeof *dev);
    worker *w = calloc(c, sizeof *w);
    pthread_barrier_t start;
    if (dev == NULL || w == NULL || pthread_barrier_init(&start, NULL, c + 1) != 0)
        return 1;
    /* worker t owns devices t, t + c, ...: laid out contiguously per worker */
    unsigned at = 0;
    for (unsigned t = 0; t < c; t++) {
        w[t].o = o;
        w[t].no = t;
        w[t].start = &start;
        w[t].dev = &dev[at];
        for (unsigned i = t; i < o->devices; i += c) {
            snprintf(dev[at].id, sizeof dev[at].id, "%s-%05u", o->prefix, i);
            at++;
            w[t].ndev++;
        }
    }
    for (unsigned t = 0; t < c; t++)
        if (pthread_create(&w[t].th, NULL, load_worker, &w[t]) != 0)
            return 1;
    /* the workers sign and meet at `start` twice: once signed, then to go
     * (the clock starts between, the deadline written before the second) */
    pthread_barrier_wait(&start);
    double t0 = now_s();
    for (unsigned t = 0; t < c; t++)
        w[t].deadline = t0 + (double) o->seconds;
    pthread_barrier_wait(&start);
    static uint64_t status[600]; /* by HTTP status, all workers */
    uint64_t sent = 0, errors = 0, signed_during = 0;
    size_t nlat = 0;
    bool failed = false;
    for (unsigned t = 0; t < c; t++) {
        pthread_join(w[t].th, NULL);
        sent += w[t].sent;
        errors += w[t].errors;
        signed_during += w[t].signed_during;
        nlat += w[t].nlat;
        failed |= w[t].failed;
        for (int s = 0; s < 600; s++)
            status[s] += w[t].status[s];
    }
    double secs = now_s() - t0;
    uint32_t *lat = malloc((nlat ? nlat : 1) * sizeof *lat);
    if (lat == NULL)
        return 1;
    size_t k = 0;
    for (unsigned t = 0; t < c; t++) {
        memcpy(lat + k, w[t].lat_us, w[t].nlat * sizeof *lat);
        k += w[t].nlat;
        free(w[t].lat_us);
    }
    qsort(lat, nlat, sizeof *lat, cmp_u32);
    uint64_t acked = 0;
    for (int s = 200; s < 300; s++)
        acked += status[s];
    printf("sent=%llu\nacked=%llu\nerrors=%llu\n", (unsigned long long) sent,
           (unsigned long long) acked, (unsigned long long) errors);
    for (int s = 0; s < 600; s++)
        if (status[s] != 0)
            printf("status_%d=%llu\n", s, (unsigned long long) status[s]);
    printf("seconds=%.2f\nrps=%.0f\n", secs, secs > 0 ? (double) acked / secs : 0.0);
    if (nlat > 0)
        printf("p50_ms=%.2f\np99_ms=%.2f\nmax_ms=%.2f\n", lat[nlat / 2] / 1000.0,
               lat[(size_t) ((double) (nlat - 1) * 0.99)] / 1000.0, lat[nlat - 1] / 1000.0);
    printf("signed_during=%llu\n", (unsigned long long) signed_during);
    for (unsigned i = 0; i < o->devices; i++) {
        for (unsigned j = 0; dev[i].docs != NULL && j < o->presign; j++)
            free(dev[i].docs[j].p);
        free(dev[i].docs);
        sodium_memzero(dev[i].sk, sizeof dev[i].sk);
    }
    free(lat);
    free(dev);
    free(w);
    pthread_barrier_destroy(&start);
    if (failed)
        fprintf(stderr, "reportload: a worker failed (signing or out of memory)\n");
    return failed ? 1 : 0;
}

/* ---- race ----------------------------------------------------------------- */

typedef struct racer {
    const opts *o;
    pthread_t th;
    unsigned side; /* 0: A, 1: B */
    doc *docs;     /* per device */
    long *codes;
    pthread_barrier_t *meet;
} racer;

static void *
race_worker(void *arg)
{
    racer *r = arg;
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *h = poster(r->o->urls[r->side], hdrs);
    if (h != NULL)
        warm(h, r->o->urls[r->side]);
    for (unsigned i = 0; i < r->o->devices; i++) {
        pthread_barrier_wait(r->meet); /* both connections ready: go */
        r->codes[i] = h != NULL ? post(h, &r->docs[i]) : 0;
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    return NULL;
}

static int
run_race(const opts *o)
{
    bool replay = strcmp(o->mode, "replay") == 0;
    unsigned n = o->devices;
    doc *docs[2] = {calloc(n, sizeof(doc)), calloc(n, sizeof(doc))};
    long *codes[2] = {calloc(n, sizeof(long)), calloc(n, sizeof(long))};
    if (docs[0] == NULL || docs[1] == NULL || codes[0] == NULL || codes[1] == NULL)
        return 1;
    for (unsigned i = 0; i < n; i++) {
        char id[64], seed[80];
        uint8_t pk[32], sk[64];
        snprintf(id, sizeof id, "%s-%05u", o->prefix, i);
        for (int s = 0; s < 2; s++) {
            if (replay && s == 1) {
                docs[1][i].len = docs[0][i].len;
                docs[1][i].p = malloc(docs[0][i].len);
                if (docs[1][i].p == NULL)
                    return 1;
                memcpy(docs[1][i].p, docs[0][i].p, docs[0][i].len);
                continue;
            }
            snprintf(seed, sizeof seed, replay ? "%s" : s == 0 ? "%s-a" : "%s-b", id);
            keypair(seed, pk, sk);
            if (!sign(id, sk, o->seq, &docs[s][i]))
                return 1;
            sodium_memzero(sk, sizeof sk);
        }
    }
    pthread_barrier_t meet;
    if (pthread_barrier_init(&meet, NULL, 2) != 0)
        return 1;
    racer r[2];
    for (unsigned s = 0; s < 2; s++) {
        r[s] = (racer){.o = o, .side = s, .docs = docs[s], .codes = codes[s], .meet = &meet};
        if (pthread_create(&r[s].th, NULL, race_worker, &r[s]) != 0)
            return 1;
    }
    for (unsigned s = 0; s < 2; s++)
        pthread_join(r[s].th, NULL);
    for (unsigned i = 0; i < n; i++)
        printf("%s-%05u %03ld %03ld\n", o->prefix, i, codes[0][i], codes[1][i]);
    for (unsigned s = 0; s < 2; s++) {
        for (unsigned i = 0; i < n; i++)
            free(docs[s][i].p);
        free(docs[s]);
        free(codes[s]);
    }
    pthread_barrier_destroy(&meet);
    return 0;
}

int
main(int argc, char **argv)
{
    opts o = {.devices = 100, .concurrency = 10, .seconds = 5, .presign = 4,
              .seq = 1, .prefix = "load", .mode = "keys"};
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            return usage();
        const char *k = argv[i], *v = argv[i + 1];
        uint64_t n = 0;
        if (strcmp(k, "--url") == 0) {
            if (o.nurls == MAX_URLS)
                return usage();
            o.urls[o.nurls++] = v;
        } else if (strcmp(k, "--prefix") == 0) {
            o.prefix = v;
        } else if (strcmp(k, "--mode") == 0) {
            if (strcmp(v, "keys") != 0 && strcmp(v, "replay") != 0)
                return usage();
            o.mode = v;
        } else if (ota_parse_u64(v, 1, 1000000, &n) != OTA_OK) {
            return usage();
        } else if (strcmp(k, "--devices") == 0) {
            o.devices = (unsigned) n;
        } else if (strcmp(k, "--concurrency") == 0) {
            o.concurrency = (unsigned) n;
        } else if (strcmp(k, "--seconds") == 0) {
            o.seconds = (unsigned) n;
        } else if (strcmp(k, "--seq") == 0) {
            o.seq = (unsigned) n;
        } else if (strcmp(k, "--presign") == 0) {
            o.presign = (unsigned) n;
        } else {
            return usage();
        }
    }
    if (o.nurls == 0 || strlen(o.prefix) > 40 || sodium_init() < 0 ||
        curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return usage();
    int rc;
    if (strcmp(cmd, "load") == 0) {
        if (o.concurrency > o.devices)
            o.concurrency = o.devices;
        rc = run_load(&o);
    } else if (strcmp(cmd, "race") == 0 && o.nurls == 2) {
        rc = run_race(&o);
    } else {
        rc = usage();
    }
    curl_global_cleanup();
    return rc;
}
