/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c — the device side of status reports (ota/report.h): the
 * device's Ed25519 key, the seq counter, and the on-disk queue of signed
 * reports sent to POST /v1/reports with backoff.  A send that fails never
 * loses a report and never fails an update: it stays queued.
 *
 * STATE_DIR/device.key     "ed25519 <64 hex: the private seed>\n", 0600
 * STATE_DIR/reports/seq    the last seq used (written before the report)
 * STATE_DIR/reports/NNNNNNNNNNNNNNNN.json   one signed report, by seq
 * STATE_DIR/reports/backoff "<failures> <unix time of the next try>\n"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "ota/report.h"
#include "ota_atomic.h"
#include "ota_id.h"
#include "ota_key.h"
#include "ota_report.h"
#include "ota_util.h"

#define KEY_FILE "device.key"
#define KEY_FILE_MAX 256u /* "ed25519 " + 64 hex + "\n" is 73 */
#define QUEUE_DIR "reports"
#define SEQ_FILE "seq"
#define BACKOFF_FILE "backoff"
#define DEFAULT_MAX_QUEUED 256u
#define BACKOFF_MIN_S 60
#define BACKOFF_MAX_S 3600
#define SEQ_MAX ((uint64_t) 9007199254740991ull) /* 2^53 - 1 (REPORT.md) */

struct ota_reporter {
    char *state_dir, *url, *device_id, *hardware_id;
    ota_transport tr; /* the caller's table, copied by the growth rule */
    bool have_tr;
    unsigned max_queued;
    int qfd;         /* STATE_DIR/reports */
    uint8_t *sk;     /* sodium_malloc'd seed || public key */
    char pub_hex[65], keyid[65];
    char err[512];
};

static ota_err
rfail(ota_reporter *r, ota_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static ota_err
rfail(ota_reporter *r, ota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return rc;
}

const char *
ota_reporter_errmsg(const ota_reporter *r)
{
    return r != NULL ? r->err : "";
}

void
ota_reporter_key(const ota_reporter *r, char public_hex[65], char keyid[65])
{
    memcpy(public_hex, r->pub_hex, 65);
    memcpy(keyid, r->keyid, 65);
}

/* ---- the device key ------------------------------------------------------------------------ */

static ota_err
load_or_make_key(ota_reporter *r, int sdfd)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct stat st;
    uint8_t seed[32], pk[32];
    size_t slen = 0;
    ota_err rc = otac_read_file_at(sdfd, KEY_FILE, KEY_FILE_MAX, &buf, &len, &st);
    if (rc == OTA_E_NOT_FOUND) {
        /* first run: a new key, never replacing one made concurrently */
        randombytes_buf(seed, sizeof seed);
        char line[8 + 64 + 2];
        memcpy(line, "ed25519 ", 8);
        ota_hex_encode(seed, 32, line + 8);
        line[72] = '\n';
        line[73] = '\0';
        size_t pl = strlen(r->state_dir) + sizeof "/" KEY_FILE;
        char *path = malloc(pl);
        if (path == NULL) {
            sodium_memzero(line, sizeof line);
            sodium_memzero(seed, sizeof seed);
            return rfail(r, OTA_E_NOMEM, "out of memory");
        }
        snprintf(path, pl, "%s/%s", r->state_dir, KEY_FILE);
        rc = ota_atomic_create_path(path, line, 73, 0600);
        free(path);
        sodium_memzero(line, sizeof line);
        sodium_memzero(seed, sizeof seed);
        if (rc != OTA_OK && rc != OTA_E_EXISTS)
            return rfail(r, rc, "%s/%s: cannot create the device key: %s", r->state_dir,
                         KEY_FILE, ota_strerror(rc));
        rc = otac_read_file_at(sdfd, KEY_FILE, KEY_FILE_MAX, &buf, &len, &st);
    }
    if (rc != OTA_OK) /* nothing was read into buf */
        return rfail(r, rc == OTA_E_LENGTH ? OTA_E_KEY : rc,
                     "%s/%s: cannot read the device key: %s", r->state_dir, KEY_FILE,
                     ota_strerror(rc));
    rc = OTA_OK;
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0)
        rc = rfail(r, OTA_E_KEY, "%s/%s: mode %03o lets others read the device's private key "
                   "(it must be a regular file, mode 0600)", r->state_dir, KEY_FILE,
                   (unsigned) st.st_mode & 0777);
    else if (len != 73 || memcmp(buf, "ed25519 ", 8) != 0 || buf[72] != '\n' ||
             ota_hex_decode((const char *) buf + 8, 64, seed, sizeof seed, &slen) != OTA_OK ||
             slen != 32)
        rc = rfail(r, OTA_E_KEY, "%s/%s: not an ota device key (\"ed25519 <64 hex>\"); "
                   "move it away to make a new one", r->state_dir, KEY_FILE);
    sodium_memzero(buf, len);
    free(buf);
    if (rc != OTA_OK)
        return rc;
    crypto_sign_seed_keypair(pk, r->sk, seed);
    sodium_memzero(seed, sizeof seed);
    ota_hex_encode(pk, 32, r->pub_hex);
    json_t *k = ota_key_ed25519_json(pk);
    rc = k != NULL ? ota_key_id(k, r->keyid) : OTA_E_NOMEM;
    json_decref(k);
    return rc != OTA_OK ? rfail(r, rc, "device key id: %s", ota_strerror(rc)) : OTA_OK;
}

void
ota_reporter_free(ota_reporter *r)
{
    if (r == NULL)
        return;
    if (r->sk != NULL)
        sodium_free(r->sk); /* zeroes it */
    if (r->qfd >= 0)
        close(r->qfd);
    free(r->state_dir);
    free(r->url);
    free(r->device_id);
    free(r->hardware_id);
    free(r);
}

ota_err
ota_reporter_new(const ota_reporter_config *user_cfg, ota_reporter **out, char *err, size_t errlen)
{
    ota_reporter_config full, *cfg = &full;
    ota_transport tr;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (user_cfg == NULL || out == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "reporter: no config");
        return OTA_E_ARG;
    }
    if (otac_struct_in(&full, sizeof full, user_cfg, user_cfg->size, OTAC_MIN_REPORTER_CONFIG,
                       "ota_reporter_config", err, errlen) != OTA_OK ||
        (cfg->transport != NULL && otac_transport_in(&tr, cfg->transport, err, errlen) != OTA_OK))
        return OTA_E_ARG;
    if (cfg->state_dir == NULL || cfg->device_id == NULL || cfg->hardware_id == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "reporter: state_dir, device_id and hardware_id are required");
        return OTA_E_ARG;
    }
    if (sodium_init() < 0)
        return OTA_E_CRYPTO;
    ota_reporter *r = calloc(1, sizeof *r);
    if (r == NULL)
        return OTA_E_NOMEM;
    r->qfd = -1;
    ota_err rc = OTA_E_NOMEM;
    int sdfd = -1;
    r->state_dir = strdup(cfg->state_dir);
    r->device_id = strdup(cfg->device_id);
    r->hardware_id = strdup(cfg->hardware_id);
    r->url = cfg->url != NULL ? strdup(cfg->url) : NULL;
    r->sk = sodium_malloc(64);
    if (r->state_dir == NULL || r->device_id == NULL || r->hardware_id == NULL || r->sk == NULL ||
        (cfg->url != NULL && r->url == NULL))
        goto out;
    if (cfg->transport != NULL) {
        r->tr = tr;
        r->have_tr = true;
    }
    r->max_queued = cfg->max_queued != 0 ? cfg->max_queued : DEFAULT_MAX_QUEUED;
    rc = OTA_E_ARG;
    if (!ota_id_valid(r->device_id) || !ota_id_valid(r->hardware_id)) {
        rfail(r, rc, "device id '%.140s' / hardware id '%.140s': not ids (%s)", r->device_id,
              r->hardware_id, OTA_ID_RULE);
        goto out;
    }
    if ((rc = ota_mkdirs(r->state_dir, 0755)) != OTA_OK) {
        rfail(r, rc, "%s: %s", r->state_dir, strerror(errno));
        goto out;
    }
    sdfd = open(r->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sdfd < 0 || (mkdirat(sdfd, QUEUE_DIR, 0700) != 0 && errno != EEXIST) ||
        (r->qfd = openat(sdfd, QUEUE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        rc = rfail(r, ota_errno_err(errno), "%s/%s: %s", r->state_dir, QUEUE_DIR,
                   strerror(errno));
        goto out;
    }
    rc = load_or_make_key(r, sdfd);
out:
    if (sdfd >= 0)
        close(sdfd);
    if (rc != OTA_OK) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s", r->err[0] ? r->err : ota_strerror(rc));
        ota_reporter_free(r);
        return rc;
    }
    *out = r;
    return OTA_OK;
}

/* ---- the queue ----------------------------------------------------------------------------- */

static bool
queue_name(const char *name, uint64_t *seq)
{
    if (strlen(name) != 16 + 5 || strcmp(name + 16, ".json") != 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < 16; i++) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        v = v * 10 + (uint64_t) (name[i] - '0');
    }
    *seq = v;
    return v >= 1 && v <= SEQ_MAX;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

/* The queued seqs, ascending (malloc'd; *n of them). */
static ota_err
list_queue(ota_reporter *r, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int fd = dup(r->qfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return rfail(r, OTA_E_IO, "%s/%s: %s", r->state_dir, QUEUE_DIR, strerror(errno));
    }
    rewinddir(d);
    size_t cap = 0;
    ota_err rc = OTA_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t s;
        if (!queue_name(e->d_name, &s))
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            uint64_t *p = realloc(*out, nc * sizeof *p);
            if (p == NULL) {
                rc = rfail(r, OTA_E_NOMEM, "out of memory");
                break;
            }
            *out = p;
            cap = nc;
        }
        (*out)[(*n)++] = s;
    }
    closedir(d);
    if (rc == OTA_OK && *n > 1)
        qsort(*out, *n, sizeof **out, cmp_u64);
    return rc;
}

size_t
ota_reporter_queued(ota_reporter *r)
{
    uint64_t *q = NULL;
    size_t n = 0;
    if (r == NULL || list_queue(r, &q, &n) != OTA_OK)
        n = 0;
    free(q);
    return n;
}

/* A counter file: "A" or "A B" (decimal, one space, optional newline).
 * Anything else reads as 0 0: the file is ours, but a damaged one must not
 * stop reporting (the seq then restarts above the queue, see below). */
static uint64_t
read_u64_file(ota_reporter *r, const char *name, uint64_t *second)
{
    uint8_t *buf = NULL;
    size_t len;
    uint64_t a = 0, b = 0;
    if (otac_read_file_at(r->qfd, name, 64, &buf, &len, NULL) == OTA_OK) {
        char *s = (char *) buf;
        s[strcspn(s, "\n")] = '\0';
        char *sp = strchr(s, ' ');
        if (sp != NULL)
            *sp = '\0';
        if (ota_parse_u64(s, 0, UINT64_MAX, &a) != OTA_OK ||
            (sp != NULL && ota_parse_u64(sp + 1, 0, UINT64_MAX, &b) != OTA_OK))
            a = b = 0;
    }
    free(buf);
    if (second != NULL)
        *second = b;
    return a;
}

static void
seq_name(uint64_t seq, char name[32])
{
    snprintf(name, 32, "%016llu.json", (unsigned long long) seq);
}

/* error text as the format allows it: printable ASCII only (a message may
 * quote a path in any encoding; invalid UTF-8 would make the report
 * unsignable), at most cap - 1 bytes */
static void
clean_error(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; in != NULL && in[n] != '\0' && n < cap - 1; n++) {
        unsigned char ch = (unsigned char) in[n];
        out[n] = ch < 0x20 || ch >= 0x7f ? '?' : (char) ch;
    }
    out[n] = '\0';
}

ota_err
ota_reporter_add(ota_reporter *r, const ota_report_event *user_ev)
{
    ota_report_event full, *ev = &full;
    if (r == NULL || user_ev == NULL)
        return OTA_E_ARG;
    r->err[0] = '\0';
    if (otac_struct_in(&full, sizeof full, user_ev, user_ev->size, OTAC_MIN_REPORT_EVENT,
                       "ota_report_event", r->err, sizeof r->err) != OTA_OK)
        return OTA_E_ARG;
    if (ev->installed_version == NULL || (unsigned) ev->outcome > OTA_OUTCOME_ROLLBACK)
        return rfail(r, OTA_E_ARG, "report: no installed version, or an unknown outcome");
    ota_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.device_id, sizeof rep.device_id, "%s", r->device_id);
    snprintf(rep.hardware_id, sizeof rep.hardware_id, "%s", r->hardware_id);
    if (strlen(ev->installed_version) >= sizeof rep.installed_version ||
        (ev->previous_version != NULL &&
         strlen(ev->previous_version) >= sizeof rep.previous_version))
        return rfail(r, OTA_E_FORMAT, "report: version too long");
    snprintf(rep.installed_version, sizeof rep.installed_version, "%s", ev->installed_version);
    snprintf(rep.previous_version, sizeof rep.previous_version, "%s",
             ev->previous_version != NULL ? ev->previous_version : "");
    rep.result = (ota_report_result) ev->outcome;
    if (ev->download_bundle > 0) {
        rep.has_download = true;
        rep.download_fetched = ev->download_fetched;
        rep.download_bundle = ev->download_bundle;
    }
    clean_error(ev->error, rep.error, sizeof rep.error);
    struct tm tm;
    time_t now = time(NULL);
    if (gmtime_r(&now, &tm) == NULL || strftime(rep.time, sizeof rep.time, "%Y-%m-%dT%H:%M:%SZ",
                                                &tm) == 0)
        return rfail(r, OTA_E_IO, "report: the clock cannot be read");
    json_t *custom = NULL;
    if (ev->custom_json != NULL) {
        custom = json_loads(ev->custom_json, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(custom)) {
            json_decref(custom);
            return rfail(r, OTA_E_FORMAT, "report: custom is not a JSON object");
        }
    }
    /* the next seq: above the counter and everything queued, recorded
     * before the report exists, so no seq is ever used twice */
    uint64_t *q = NULL;
    size_t nq = 0;
    uint8_t *doc = NULL;
    size_t dlen = 0;
    char name[32], text[32];
    ota_err rc = list_queue(r, &q, &nq);
    if (rc != OTA_OK)
        goto out;
    uint64_t seq = read_u64_file(r, SEQ_FILE, NULL);
    if (nq > 0 && q[nq - 1] > seq)
        seq = q[nq - 1];
    if (seq >= SEQ_MAX) {
        rc = rfail(r, OTA_E_LIMIT, "report: sequence numbers exhausted");
        goto out;
    }
    rep.seq = ++seq;
    int tl = snprintf(text, sizeof text, "%llu\n", (unsigned long long) seq);
    if ((rc = ota_atomic_replace(r->qfd, SEQ_FILE, text, (size_t) tl, 0600)) != OTA_OK) {
        rfail(r, rc, "%s/%s/%s: %s", r->state_dir, QUEUE_DIR, SEQ_FILE, ota_strerror(rc));
        goto out;
    }
    if ((rc = ota_report_sign(&rep, custom, r->sk, &doc, &dlen)) != OTA_OK) {
        rfail(r, rc, "report: cannot sign: %s (a field the format refuses?)", ota_strerror(rc));
        goto out;
    }
    seq_name(seq, name);
    if ((rc = ota_atomic_replace(r->qfd, name, doc, dlen, 0600)) != OTA_OK) {
        rfail(r, rc, "%s/%s/%s: %s", r->state_dir, QUEUE_DIR, name, ota_strerror(rc));
        goto out;
    }
    /* bounded queue: the oldest go first */
    for (size_t i = 0; nq + 1 > r->max_queued && i < nq; i++, nq--) {
        seq_name(q[i], name);
        (void) unlinkat(r->qfd, name, 0);
    }
out:
    json_decref(custom);
    free(q);
    free(doc);
    return rc;
}

/* ---- sending ------------------------------------------------------------------------------- */

static void
set_backoff(ota_reporter *r, uint64_t failures, int64_t next)
{
    char text[64];
    if (failures == 0) {
        (void) unlinkat(r->qfd, BACKOFF_FILE, 0);
        return;
    }
    int n = snprintf(text, sizeof text, "%llu %lld\n", (unsigned long long) failures,
                     (long long) next);
    if (ota_atomic_replace(r->qfd, BACKOFF_FILE, text, (size_t) n, 0600) != OTA_OK)
        (void) unlinkat(r->qfd, BACKOFF_FILE, 0); /* no backoff recorded: the next send tries */
}

static ota_err send_queue(ota_reporter *r, bool force, ota_report_sent *res);

ota_err
ota_reporter_send(ota_reporter *r, bool force, ota_report_sent *user_res)
{
    if (r == NULL || user_res == NULL)
        return OTA_E_ARG;
    r->err[0] = '\0';
    if (otac_struct_out_ok(user_res->size, OTAC_OUT_MIN, "ota_report_sent", r->err,
                           sizeof r->err) != OTA_OK)
        return OTA_E_ARG;
    /* filled whole here, handed back as far as the caller's size goes */
    ota_report_sent res;
    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    ota_err rc = send_queue(r, force, &res);
    otac_struct_out(user_res, user_res->size, &res, sizeof res);
    return rc;
}

/*
 * REPORT.md "Versioning": a server that knows only 1.0/1.1 answers a 1.2
 * member with 400.  The same report (same seq), re-signed without the 1.2
 * `download` member, its counts moved into `custom.download`, replaces the
 * queued one in *doc.  OTA_E_FORMAT when doc is not such a report.
 */
static ota_err
resign_without_download(ota_reporter *r, uint8_t **doc, size_t *len)
{
    ota_report rep;
    if (ota_report_parse(*doc, *len, &rep) != OTA_OK || !rep.has_download ||
        strcmp(rep.keyid, r->keyid) != 0)
        return OTA_E_FORMAT;
    json_t *d = json_loadb((const char *) *doc, *len, JSON_REJECT_DUPLICATES, NULL);
    json_t *old = json_object_get(json_object_get(d, "signed"), "custom");
    json_t *custom = json_is_object(old) ? json_deep_copy(old) : json_object();
    json_decref(d);
    ota_err rc = OTA_E_NOMEM;
    uint8_t *out = NULL;
    size_t olen = 0;
    if (custom != NULL &&
        json_object_set_new(custom, "download",
                            json_pack("{s:I, s:I}", "bundle", (json_int_t) rep.download_bundle,
                                      "fetched", (json_int_t) rep.download_fetched)) == 0) {
        rep.has_download = false;
        rc = ota_report_sign(&rep, custom, r->sk, &out, &olen);
    }
    json_decref(custom);
    if (rc != OTA_OK)
        return rc;
    free(*doc);
    *doc = out;
    *len = olen;
    return OTA_OK;
}

static ota_err
send_queue(ota_reporter *r, bool force, ota_report_sent *res)
{
    uint64_t *q = NULL;
    size_t nq = 0;
    ota_err rc = list_queue(r, &q, &nq);
    if (rc != OTA_OK)
        return rc;
    res->queued = (unsigned) nq;
    uint64_t next = 0, failures = read_u64_file(r, BACKOFF_FILE, &next);
    int64_t now = (int64_t) time(NULL);
    if (nq == 0)
        goto out;
    if (r->url == NULL || !r->have_tr || r->tr.post == NULL) {
        rc = rfail(r, OTA_E_UNSUPPORTED, "reports: no report URL or transport: %zu queued", nq);
        goto out;
    }
    if (!force && failures > 0 && (int64_t) next > now) {
        res->deferred = true;
        res->next_try = (int64_t) next;
        goto out;
    }
    for (size_t i = 0; i < nq; i++) {
        char name[32], terr[OTA_TRANSPORT_ERRLEN] = "";
        size_t len;
        long status = 0;
        seq_name(q[i], name);
        uint8_t *doc = NULL;
        if (otac_read_file_at(r->qfd, name, OTA_MAX_REPORT_SIZE, &doc, &len, NULL) != OTA_OK) {
            (void) unlinkat(r->qfd, name, 0); /* unreadable or oversized: never sendable */
            res->refused++;
            res->queued--;
            continue;
        }
        rc = r->tr.post(r->tr.user, r->url, "application/json", doc, len, &status, terr,
                        sizeof terr);
        if (rc == OTA_OK && status == 400 && resign_without_download(r, &doc, &len) == OTA_OK) {
            /* kept queued in its older form first: a cut here loses nothing */
            if (ota_atomic_replace(r->qfd, name, doc, len, 0600) == OTA_OK)
                rc = r->tr.post(r->tr.user, r->url, "application/json", doc, len, &status, terr,
                                sizeof terr);
        }
        terr[sizeof terr - 1] = '\0';
        free(doc);
        res->last_status = status;
        bool final = rc == OTA_OK && status >= 200 && status < 500 && status != 404 &&
                     status != 408 && status != 429 && (status < 300 || status >= 400);
        if (!final) {
            failures++;
            int64_t wait = BACKOFF_MIN_S;
            for (uint64_t k = 1; k < failures && wait < BACKOFF_MAX_S; k++)
                wait *= 2;
            if (wait > BACKOFF_MAX_S)
                wait = BACKOFF_MAX_S;
            res->next_try = now + wait;
            set_backoff(r, failures, res->next_try);
            if (rc == OTA_OK)
                rc = rfail(r, OTA_E_NETWORK, "%s: HTTP %ld; %u report(s) stay queued", r->url,
                           status, res->queued);
            else
                rc = rfail(r, OTA_E_NETWORK, "%s: %s; %u report(s) stay queued", r->url,
                           terr[0] ? terr : ota_strerror(rc), res->queued);
            goto out;
        }
        if (status >= 300)
            rfail(r, OTA_OK, "%s: report %llu refused with HTTP %ld and dropped", r->url,
                  (unsigned long long) q[i], status);
        (void) unlinkat(r->qfd, name, 0);
        if (status >= 300)
            res->refused++;
        else
            res->sent++;
        res->queued--;
        rc = OTA_OK;
    }
    if (failures > 0)
        set_backoff(r, 0, 0);
out:
    free(q);
    return rc;
}
