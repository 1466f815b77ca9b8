/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reports.c — the /v1/ API.
 *
 *   POST   /v1/reports          a signed device status report (formats/REPORT.md)
 *   GET    /v1/devices          fleet listing (admin token), filters:
 *                               ?version=V&hardware=HW&below=V&after=ID&limit=N
 *   GET    /v1/devices/ID       one device with its recent history (admin)
 *   DELETE /v1/devices/ID       forget a device and unpin its key (admin)
 *   PUT    /v1/devices/ID/key   register the device's key (admin; body: a TUF
 *                               Ed25519 key object)
 *   GET    /v1/devices/ID/key   the registration (admin)
 *   DELETE /v1/devices/ID/key   unregister (admin)
 *   GET    /v1/fleet            the fleet page's data (admin; fleetpage.c)
 *   GET    /v1/advisories[/ID], /v1/packages   advisories and package
 *                               queries over the releases (admin; vulnapi.c)
 *
 * Reports are refused with a 4xx and a JSON reason before anything is
 * stored: too large (413, from Content-Length before the body is read),
 * wrong media type (415), bad JSON or schema (400), bad signature (403),
 * a key that is not the one pinned or registered for the device id (403,
 * counted on the device), an enrolment the mode does not allow or a
 * certificate that does not verify (403), a replayed or older seq (409).
 * A first report of a new device may also meet the cap on devices (507:
 * the server's condition, so a device keeps the report and retries) or
 * the per-address limit on first reports (429 with Retry-After).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ota_id.h"
#include "ota_json.h"
#include "ota_key.h"
#include "ota_keyfile.h"
#include "ota_report.h"
#include "server.h"

/* ---- admin token ------------------------------------------------------------ */

ota_err
srv_token_load(srv *s, const char *path, char *why, size_t why_cap)
{
    char buf[OTA_SERVER_TOKEN_MAX + 3];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, why_cap, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return OTA_E_IO;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        snprintf(why, why_cap, "%s: must be a regular file readable by its owner only (chmod 600)",
                 path);
        close(fd);
        return OTA_E_ARG;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) {
        snprintf(why, why_cap, "%s: cannot read: %s", path, strerror(errno));
        return OTA_E_IO;
    }
    size_t len = (size_t) n;
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    bool printable = true;
    for (size_t i = 0; i < len; i++)
        if (buf[i] <= 0x20 || buf[i] >= 0x7f)
            printable = false;
    if (len < OTA_SERVER_TOKEN_MIN || len > OTA_SERVER_TOKEN_MAX || !printable) {
        snprintf(why, why_cap,
                 "%s: the token must be %u to %u printable characters without spaces "
                 "(e.g. `openssl rand -hex 32`)",
                 path, OTA_SERVER_TOKEN_MIN, OTA_SERVER_TOKEN_MAX);
        sodium_memzero(buf, sizeof buf);
        return OTA_E_ARG;
    }
    ota_sha256((const uint8_t *) buf, len, s->token_hash);
    sodium_memzero(buf, sizeof buf);
    s->have_token = true;
    return OTA_OK;
}

/* Constant time in the token: both sides are hashed, the hashes compared
 * with sodium_memcmp. */
static bool
token_ok(const srv *s, const char *auth)
{
    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
        return false;
    const char *tok = auth + 7;
    while (*tok == ' ')
        tok++;
    uint8_t h[OTA_SHA256_LEN];
    ota_sha256((const uint8_t *) tok, strlen(tok), h);
    return sodium_memcmp(h, s->token_hash, sizeof h) == 0;
}

static enum MHD_Result
reply_401(srv_conn *sc, struct MHD_Connection *c, bool had_token)
{
    static const char missing[] =
        "{\"error\":\"E_AUTH\",\"message\":\"admin bearer token required\"}\n";
    static const char wrong[] = "{\"error\":\"E_AUTH\",\"message\":\"invalid admin token\"}\n";
    const char *body = had_token ? wrong : missing;
    size_t len = had_token ? sizeof wrong - 1 : sizeof missing - 1;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *) (uintptr_t) body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_NO;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") == MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                had_token ? "Bearer realm=\"ota-server\", error=\"invalid_token\""
                                          : "Bearer realm=\"ota-server\"") == MHD_YES)
        ret = srv_queue(sc, c, 401, r, len);
    MHD_destroy_response(r);
    return ret;
}

/* A constant JSON body with one extra header (Allow, Retry-After). */
static enum MHD_Result
reply_with_header(srv_conn *sc, struct MHD_Connection *c, unsigned status, const char *msg,
                  size_t len, const char *header, const char *value)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *) (uintptr_t) msg, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_NO;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") == MHD_YES &&
        MHD_add_response_header(r, header, value) == MHD_YES)
        ret = srv_queue(sc, c, status, r, len);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
reply_405(srv_conn *sc, struct MHD_Connection *c, const char *allow)
{
    static const char msg[] = "{\"error\":\"E_METHOD\",\"message\":\"method not allowed\"}\n";
    return reply_with_header(sc, c, 405, msg, sizeof msg - 1, MHD_HTTP_HEADER_ALLOW, allow);
}

/* ---- routing ---------------------------------------------------------------- */

typedef enum route {
    R_NONE,
    R_REPORTS,
    R_DEVICES,
    R_DEVICE,
    R_DEVICE_KEY,
    R_FLEET,
    R_VULN, /* /v1/advisories, /v1/advisories/ID, /v1/packages: vulnapi.c */
} route;

static route
route_of(const char *url)
{
    if (strcmp(url, "/v1/reports") == 0)
        return R_REPORTS;
    if (strcmp(url, "/v1/devices") == 0)
        return R_DEVICES;
    if (strcmp(url, "/v1/fleet") == 0)
        return R_FLEET;
    if (strcmp(url, "/v1/advisories") == 0 || strcmp(url, "/v1/packages") == 0 ||
        (strncmp(url, "/v1/advisories/", 15) == 0 && url[15] != '\0' &&
         strchr(url + 15, '/') == NULL))
        return R_VULN;
    size_t n = strlen(url);
    if (strncmp(url, "/v1/devices/", 12) == 0 && n > 16 && strcmp(url + n - 4, "/key") == 0 &&
        memchr(url + 12, '/', n - 16) == NULL)
        return R_DEVICE_KEY;
    if (strncmp(url, "/v1/devices/", 12) == 0 && url[12] != '\0')
        return R_DEVICE;
    return R_NONE;
}

static bool
json_media_type(const char *ct)
{
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
        return false;
    return ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ';
}

bool
srv_api_precheck(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url,
                 enum MHD_Result *ret)
{
    route r = route_of(url);
    sc->body_error = true; /* unless we fall through to the final call */
    switch (r) {
    case R_NONE:
        *ret = srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such API endpoint");
        return true;
    case R_REPORTS: {
        if (s->db == NULL) {
            *ret = srv_reply_error(sc, c, 404, "E_NOT_FOUND", "reports are not enabled (--db)");
            return true;
        }
        if (sc->method != SRV_M_POST) {
            *ret = reply_405(sc, c, "POST");
            return true;
        }
        if (!json_media_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"))) {
            *ret = srv_reply_error(sc, c, 415, "E_MEDIA_TYPE",
                                   "Content-Type must be application/json");
            return true;
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        /* digits only (checked in http.c); longer than 10 digits is too big */
        uint64_t cl_n;
        if (cl != NULL &&
            (strlen(cl) > 10 || ota_parse_u64(cl, 0, OTA_MAX_REPORT_SIZE, &cl_n) != OTA_OK)) {
            *ret = srv_reply_error(sc, c, 413, "E_LIMIT", "report larger than 8192 bytes");
            atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
            return true;
        }
        sc->body.max = OTA_MAX_REPORT_SIZE;
        sc->body_error = false;
        return false;
    }
    case R_DEVICES:
    case R_DEVICE:
    case R_DEVICE_KEY:
    case R_FLEET:
    case R_VULN:
        if (s->db == NULL || !s->have_token) {
            *ret = srv_reply_error(sc, c, 404, "E_NOT_FOUND",
                                   "admin API is not enabled (--db and --admin-token-file)");
            return true;
        }
        if (!(sc->method == SRV_M_GET || sc->method == SRV_M_HEAD ||
              (r == R_DEVICE && sc->method == SRV_M_DELETE) ||
              (r == R_DEVICE_KEY && sc->method == SRV_M_DELETE) ||
              (r == R_DEVICE_KEY && sc->method == SRV_M_PUT))) {
            *ret = reply_405(sc, c,
                             r == R_DEVICE_KEY ? "GET, HEAD, PUT, DELETE"
                             : r == R_DEVICE   ? "GET, HEAD, DELETE"
                                               : "GET, HEAD");
            return true;
        }
        {
            const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
            if (srv_auth_refused(s, sc, c, ret))
                return true;
            if (!token_ok(s, auth)) {
                srv_auth_failed(s, sc);
                *ret = reply_401(sc, c, auth != NULL);
                return true;
            }
        }
        if (sc->method == SRV_M_PUT) {
            if (!json_media_type(
                    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"))) {
                *ret = srv_reply_error(sc, c, 415, "E_MEDIA_TYPE",
                                       "Content-Type must be application/json");
                return true;
            }
            sc->body.max = SRV_KEY_BODY_MAX;
        } else {
            sc->body.max = 0; /* no body expected: any byte is refused with 413 */
        }
        sc->body_error = false;
        return false;
    }
    return false;
}

/* ---- handlers ----------------------------------------------------------------- */

static enum MHD_Result
reply_json_owned(srv_conn *sc, struct MHD_Connection *c, unsigned status, char *json)
{
    size_t len = strlen(json);
    json[len] = '\0';
    enum MHD_Result ret = srv_reply(sc, c, status, "application/json", json, len);
    free(json);
    return ret;
}

/* 429 with Retry-After (seconds). */
static enum MHD_Result
reply_429(srv_conn *sc, struct MHD_Connection *c, unsigned retry_after)
{
    static const char msg[] =
        "{\"error\":\"E_RATE\",\"message\":\"too many new devices from this address; "
        "retry later (known devices are not limited)\"}\n";
    char ra[16];
    snprintf(ra, sizeof ra, "%u", retry_after);
    return reply_with_header(sc, c, 429, msg, sizeof msg - 1, MHD_HTTP_HEADER_RETRY_AFTER, ra);
}

/* srv_store_policy.admit: one token of the client's first-report bucket. */
typedef struct admit_ctx {
    srv_ratelimit *rl;
    const char *client;
} admit_ctx;

static unsigned
admit_first_report(void *ctx)
{
    const admit_ctx *a = ctx;
    return srv_ratelimit_take(a->rl, a->client);
}

/* A first report refused (metrics: a rejected report, and why). */
static void
refused_new(srv *s, int reason)
{
    atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->metrics.devices_refused[reason], 1, memory_order_relaxed);
}

static enum MHD_Result
handle_report(srv *s, srv_conn *sc, struct MHD_Connection *c)
{
    ota_report r;
    const char *name = "E_FORMAT", *msg = "not a valid report";
    unsigned status = 400;
    ota_err rc = ota_report_parse(sc->body.p ? sc->body.p : (const uint8_t *) "", sc->body.len, &r);
    switch (rc) {
    case OTA_OK: break;
    case OTA_E_LIMIT:
        status = 413;
        name = "E_LIMIT";
        msg = "report too large or too deeply nested";
        break;
    case OTA_E_JSON:
        name = "E_JSON";
        msg = "malformed JSON (strict: no duplicate keys)";
        break;
    case OTA_E_TYPE:
        name = "E_TYPE";
        msg = "_type is not ota-report";
        break;
    case OTA_E_SPEC_VERSION:
        name = "E_SPEC_VERSION";
        msg = "unsupported spec_version (1.x expected)";
        break;
    case OTA_E_KEY:
        name = "E_KEY";
        msg = "key is not an Ed25519 key object";
        break;
    case OTA_E_SIGNATURE:
        status = 403;
        name = "E_SIGNATURE";
        msg = "signature does not verify with the report's key";
        break;
    default: break;
    }
    if (rc != OTA_OK) {
        atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
        return srv_reply_error(sc, c, status, name, msg);
    }
    /* an enrolment certificate is checked when the server has provisioning
     * keys (and ignored otherwise); one that does not verify is refused,
     * whatever the mode: it is a claim that is false */
    bool certified = false;
    if (r.has_enrolment && s->n_prov > 0) {
        ota_err crc = OTA_E_NOT_FOUND;
        for (unsigned i = 0; i < s->n_prov && crc == OTA_E_NOT_FOUND; i++)
            crc = ota_report_certificate_verify(&r, s->prov[i].pk, s->prov[i].keyid);
        if (crc != OTA_OK) {
            atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
            return srv_reply_error(sc, c, 403, "E_ENROLMENT",
                                   crc == OTA_E_NOT_FOUND
                                       ? "enrolment certificate names an unknown provisioning key"
                                       : "enrolment certificate does not verify for this device "
                                         "id and key");
        }
        certified = true;
    }
    admit_ctx actx = {s->first_reports, sc->client};
    srv_store_policy pol = {
        .mode = s->cfg.enrolment,
        .max_devices = s->cfg.max_devices,
        .certified = certified,
        .admit = s->first_reports != NULL ? admit_first_report : NULL,
        .ctx = &actx,
    };
    srv_store_info info;
    srv_store_rc st = srv_db_store(s->db, &r, sc->body.p, sc->body.len, sc->client, &pol, &info);
    if (info.conflict)
        atomic_fetch_add_explicit(&s->metrics.key_conflicts, 1, memory_order_relaxed);
    char body[320];
    switch (st) {
    case SRV_STORE_NEW:
    case SRV_STORE_UPDATED: {
        atomic_fetch_add_explicit(&s->metrics.reports_accepted, 1, memory_order_relaxed);
        if (st == SRV_STORE_NEW) {
            atomic_fetch_add_explicit(&s->metrics.devices_new[info.enrolled], 1,
                                      memory_order_relaxed);
            atomic_store_explicit(&s->metrics.devices_known, srv_db_count(s->db),
                                  memory_order_relaxed);
        }
        /* device_id is [A-Za-z0-9._:-]: no escaping needed */
        int n = snprintf(body, sizeof body,
                         "{\"accepted\":true,\"device_id\":\"%s\",\"first_report\":%s,"
                         "\"seq\":%llu}\n",
                         r.device_id, st == SRV_STORE_NEW ? "true" : "false",
                         (unsigned long long) r.seq);
        return srv_reply(sc, c, st == SRV_STORE_NEW ? 201 : 200, "application/json", body,
                         (size_t) n);
    }
    case SRV_STORE_KEY:
        atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
        return srv_reply_error(sc, c, 403, "E_KEY",
                               info.enrolled == SRV_NEW_REGISTERED
                                   ? "device id has a different registered key"
                                   : "device id is pinned to a different key");
    case SRV_STORE_UNREGISTERED:
    case SRV_STORE_UNCERTIFIED:
        refused_new(s, SRV_REFUSED_ENROLMENT);
        if (st == SRV_STORE_UNREGISTERED)
            return srv_reply_error(sc, c, 403, "E_KEY",
                                   "no key is registered for this device id (enrolment: "
                                   "registered)");
        return srv_reply_error(sc, c, 403, "E_ENROLMENT",
                               "this device id needs a registered key or an enrolment "
                               "certificate from a provisioning key (enrolment: certified)");
    case SRV_STORE_FULL:
        refused_new(s, SRV_REFUSED_CAPACITY);
        return srv_reply_error(sc, c, 507, "E_CAPACITY",
                               "the server knows as many devices as it may (--max-devices); "
                               "known devices are still served");
    case SRV_STORE_RATE:
        refused_new(s, SRV_REFUSED_RATE);
        return reply_429(sc, c, info.retry_after);
    case SRV_STORE_STALE:
        atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
        return srv_reply_error(sc, c, 409, "E_ROLLBACK",
                               "seq is not greater than the last stored report's (replay)");
    case SRV_STORE_ERROR: break;
    }
    atomic_fetch_add_explicit(&s->metrics.reports_rejected, 1, memory_order_relaxed);
    return srv_reply_error(sc, c, 503, "E_IO", "database error");
}

/* Query value `key` decoded into out[cap]; NULL when absent.  *bad set on
 * an undecodable value. */
static const char *
query(struct MHD_Connection *c, const char *key, char *out, size_t cap, bool *bad)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    if (v == NULL)
        return NULL;
    if (!srv_query_decode(v, out, cap)) {
        *bad = true;
        return NULL;
    }
    return out;
}

static enum MHD_Result
handle_devices(srv *s, srv_conn *sc, struct MHD_Connection *c)
{
    char version[OTA_MAX_VERSION_LEN + 2], below[OTA_MAX_VERSION_LEN + 2];
    char hardware[OTA_MAX_ID_LEN + 2], after[OTA_MAX_ID_LEN + 2], lim[16];
    bool bad = false;
    const char *v = query(c, "version", version, sizeof version, &bad);
    const char *b = query(c, "below", below, sizeof below, &bad);
    const char *h = query(c, "hardware", hardware, sizeof hardware, &bad);
    const char *a = query(c, "after", after, sizeof after, &bad);
    const char *l = query(c, "limit", lim, sizeof lim, &bad);
    unsigned limit = OTA_SERVER_LIST_DEFAULT;
    if (l != NULL) {
        uint64_t x;
        if (ota_parse_u64(l, 1, OTA_SERVER_LIST_MAX, &x) == OTA_OK)
            limit = (unsigned) x;
        else
            bad = true;
    }
    if (bad || (v && ota_semver_check(v) != OTA_OK) || (b && ota_semver_check(b) != OTA_OK) ||
        (h && !ota_id_valid(h)) || (a && !ota_id_valid(a)))
        return srv_reply_error(sc, c, 400, "E_QUERY",
                               "bad filter: version/below are semantic versions, hardware/after "
                               "device or hardware ids, limit 1..1000");
    char *json = NULL;
    if (srv_db_list(s->db, v, h, b, a, limit, &json) != OTA_OK)
        return srv_reply_error(sc, c, 503, "E_IO", "database error");
    return reply_json_owned(sc, c, 200, json);
}

static enum MHD_Result
handle_device(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url)
{
    char id[OTA_MAX_ID_LEN + 2];
    if (!srv_query_decode(url + 12, id, sizeof id) || !ota_id_valid(id))
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such device");
    if (sc->method == SRV_M_DELETE) {
        ota_err rc = srv_db_delete(s->db, id);
        if (rc == OTA_E_NOT_FOUND)
            return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such device");
        if (rc != OTA_OK)
            return srv_reply_error(sc, c, 503, "E_IO", "database error");
        atomic_store_explicit(&s->metrics.devices_known, srv_db_count(s->db),
                              memory_order_relaxed);
        char body[200];
        int n = snprintf(body, sizeof body, "{\"deleted\":\"%s\"}\n", id);
        return srv_reply(sc, c, 200, "application/json", body, (size_t) n);
    }
    char *json = NULL;
    ota_err rc = srv_db_get(s->db, id, &json);
    if (rc == OTA_E_NOT_FOUND)
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such device");
    if (rc != OTA_OK)
        return srv_reply_error(sc, c, 503, "E_IO", "database error");
    return reply_json_owned(sc, c, 200, json);
}

/* PUT/GET/DELETE /v1/devices/ID/key */
static enum MHD_Result
handle_device_key(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url)
{
    char id[OTA_MAX_ID_LEN + 2], enc[OTA_MAX_ID_LEN * 3 + 2];
    size_t enc_len = strlen(url) - 16; /* "/v1/devices/" ... "/key" */
    if (enc_len >= sizeof enc)
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such device");
    memcpy(enc, url + 12, enc_len);
    enc[enc_len] = '\0';
    if (!srv_query_decode(enc, id, sizeof id) || !ota_id_valid(id))
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such device");
    ota_err rc;
    if (sc->method == SRV_M_PUT) {
        json_t *key = NULL;
        uint8_t pk[32];
        bool created = false, dropped = false;
        rc = ota_json_parse(sc->body.p ? sc->body.p : (const uint8_t *) "", sc->body.len,
                            SRV_KEY_BODY_MAX, &key);
        if (rc == OTA_OK)
            rc = ota_report_key_parse(key, pk);
        json_decref(key);
        if (rc != OTA_OK)
            return srv_reply_error(sc, c, 400, "E_KEY",
                                   "body must be the device's public key as a TUF key object "
                                   "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\","
                                   "\"keyval\":{\"public\":HEX64}}");
        rc = srv_db_key_put(s->db, id, pk, "admin", &created, &dropped);
        if (rc == OTA_E_EXISTS)
            return srv_reply_error(sc, c, 409, "E_CONFLICT",
                                   "this device's key comes from the --device-keys file");
        if (rc != OTA_OK)
            return srv_reply_error(sc, c, 503, "E_IO", "database error");
        if (dropped)
            atomic_store_explicit(&s->metrics.devices_known, srv_db_count(s->db),
                                  memory_order_relaxed);
        char hex[65], body[400];
        ota_hex_encode(pk, sizeof pk, hex);
        int n = snprintf(body, sizeof body,
                         "{\"device_id\":\"%s\",\"public_key\":\"%s\",\"registered\":true,"
                         "\"created\":%s,\"forgot_device_with_other_key\":%s}\n",
                         id, hex, created ? "true" : "false", dropped ? "true" : "false");
        return srv_reply(sc, c, created ? 201 : 200, "application/json", body, (size_t) n);
    }
    if (sc->method == SRV_M_DELETE) {
        rc = srv_db_key_delete(s->db, id);
        if (rc == OTA_E_NOT_FOUND)
            return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no key registered for this device");
        if (rc == OTA_E_EXISTS)
            return srv_reply_error(sc, c, 409, "E_CONFLICT",
                                   "this device's key comes from the --device-keys file");
        if (rc != OTA_OK)
            return srv_reply_error(sc, c, 503, "E_IO", "database error");
        char body[200];
        int n = snprintf(body, sizeof body, "{\"unregistered\":\"%s\"}\n", id);
        return srv_reply(sc, c, 200, "application/json", body, (size_t) n);
    }
    char *json = NULL;
    rc = srv_db_key_get(s->db, id, &json);
    if (rc == OTA_E_NOT_FOUND)
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no key registered for this device");
    if (rc != OTA_OK)
        return srv_reply_error(sc, c, 503, "E_IO", "database error");
    return reply_json_owned(sc, c, 200, json);
}

enum MHD_Result
srv_api_handle(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url)
{
    switch (route_of(url)) {
    case R_REPORTS: return handle_report(s, sc, c);
    case R_DEVICES: return handle_devices(s, sc, c);
    case R_DEVICE: return handle_device(s, sc, c, url);
    case R_DEVICE_KEY: return handle_device_key(s, sc, c, url);
    case R_FLEET: return srv_fleet_handle(s, sc, c);
    case R_VULN: return srv_vuln_handle(s, sc, c, url);
    case R_NONE: break;
    }
    return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such API endpoint");
}

/* ---- enrolment setup -------------------------------------------------------------- */

bool
srv_enrolment_parse(const char *name, srv_enrolment *out)
{
    static const char *const names[] = {"open", "registered", "certified"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (srv_enrolment) i;
            return true;
        }
    return false;
}

/* A provisioning public key: an ota-sign .pub file or a bare TUF Ed25519
 * key object.  A private key file is refused: it has no business on the
 * server. */
static ota_err
prov_key_load(const char *path, srv_prov_key *out, char *why, size_t why_cap)
{
    ota_buf b = {.max = 64u * 1024u};
    char chunk[1024];
    size_t n;
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(why, why_cap, "%s: %s", path, strerror(errno));
        return OTA_E_ARG;
    }
    ota_err rc = OTA_OK;
    while (rc == OTA_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = ota_buf_append(&b, chunk, n);
    bool bad_read = ferror(f) != 0;
    fclose(f);
    bool secret = false, encrypted = false;
    json_t *pub = NULL;
    char keyid[65];
    if (rc == OTA_OK && !bad_read)
        rc = ota_keyfile_peek(b.p ? b.p : (const uint8_t *) "", b.len, keyid, &secret, &encrypted,
                              &pub);
    else
        rc = OTA_E_LIMIT;
    ota_buf_free(&b);
    if (rc == OTA_OK && secret) {
        snprintf(why, why_cap, "%s: a private key file; give the public key (.pub)", path);
        json_decref(pub);
        return OTA_E_ARG;
    }
    if (rc == OTA_OK)
        rc = ota_report_key_parse(pub, out->pk);
    if (rc == OTA_OK)
        rc = ota_key_id(pub, out->keyid);
    json_decref(pub);
    if (rc != OTA_OK) {
        snprintf(why, why_cap,
                 "%s: not an Ed25519 public key (an ota-sign .pub file or a TUF key object)",
                 path);
        return OTA_E_ARG;
    }
    return OTA_OK;
}

ota_err
srv_enrolment_setup(srv *s, char *why, size_t why_cap)
{
    const srv_config *cfg = &s->cfg;
    for (unsigned i = 0; i < cfg->n_prov_key_files; i++) {
        ota_err rc = prov_key_load(cfg->prov_key_files[i], &s->prov[s->n_prov], why, why_cap);
        if (rc != OTA_OK)
            return rc;
        s->n_prov++;
    }
    if (cfg->device_keys != NULL) {
        unsigned count = 0, dropped = 0;
        ota_err rc = srv_db_keys_load(s->db, cfg->device_keys, &count, &dropped, why, why_cap);
        if (rc != OTA_OK)
            return rc;
        fprintf(stderr, "ota-server: %u registered device key(s) from %s", count,
                cfg->device_keys);
        if (dropped > 0)
            fprintf(stderr, "; %u device(s) pinned to another key forgotten", dropped);
        fputc('\n', stderr);
    }
    if (cfg->new_per_minute > 0 && srv_ratelimit_new(cfg->new_per_minute, &s->first_reports) != OTA_OK) {
        snprintf(why, why_cap, "out of memory");
        return OTA_E_NOMEM;
    }
    atomic_store_explicit(&s->metrics.devices_known, srv_db_count(s->db), memory_order_relaxed);
    return OTA_OK;
}

void
srv_enrolment_free(srv *s)
{
    srv_ratelimit_free(s->first_reports);
    s->first_reports = NULL;
}
