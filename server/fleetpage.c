/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleetpage.c — the fleet page (docs/ota-server.md "Fleet page"):
 *
 *   GET /fleet, /fleet.js, /fleet.css   the page: static, no data, no token;
 *                                       compiled in from server/fleet/ (the
 *                                       Makefile turns each file into a C
 *                                       array: no file is looked up at run
 *                                       time)
 *   GET /v1/fleet                       what the page shows, as JSON (admin
 *                                       token, checked in reports.c)
 *
 * The page's script asks for the admin token, keeps it in sessionStorage
 * (never in a URL or a cookie) and sends it as a bearer token; every
 * string from a device or from the metadata goes into the page as text.
 * The headers forbid everything the page does not need: scripts and
 * styles from this server only, no inline code, no framing, no referrer,
 * and Trusted Types so that an HTML sink (innerHTML) throws.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet_assets.h" /* generated: fleet_html[], fleet_js[], fleet_css[] */
#include "server.h"

#define FLEET_CSP                                                                            \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"          \
    " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none';"         \
    " require-trusted-types-for 'script'; trusted-types 'none'"

typedef struct asset {
    const char *url;
    const unsigned char *data;
    size_t len;
    const char *ctype;
} asset;

static const asset assets[] = {
    {"/fleet", fleet_html, sizeof fleet_html, "text/html; charset=utf-8"},
    {"/fleet.js", fleet_js, sizeof fleet_js, "text/javascript; charset=utf-8"},
    {"/fleet.css", fleet_css, sizeof fleet_css, "text/css; charset=utf-8"},
};

static const char *const page_headers[][2] = {
    {"Cache-Control", "no-cache"},
    {"X-Content-Type-Options", "nosniff"},
    {"Content-Security-Policy", FLEET_CSP},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

bool
srv_fleet_page(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url,
               enum MHD_Result *ret)
{
    const asset *a = NULL;
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
        if (strcmp(url, assets[i].url) == 0)
            a = &assets[i];
    if (a == NULL)
        return false;
    if (s->db == NULL || !s->have_token) {
        *ret = srv_reply_error(sc, c, 404, "E_NOT_FOUND",
                               "the fleet page needs the admin API (--db and --admin-token-file)");
        return true;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        a->len, (void *) (uintptr_t) a->data, MHD_RESPMEM_PERSISTENT);
    *ret = MHD_NO;
    if (r == NULL)
        return true;
    bool ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->ctype) == MHD_YES;
    for (size_t i = 0; ok && i < sizeof page_headers / sizeof page_headers[0]; i++)
        ok = MHD_add_response_header(r, page_headers[i][0], page_headers[i][1]) == MHD_YES;
    if (ok)
        *ret = srv_queue(sc, c, 200, r, a->len);
    MHD_destroy_response(r);
    return true;
}

/* For each hardware id with a newest release: the devices behind it, on
 * its entry of "newest", and their sum as "behind". */
static ota_err
count_behind(srv *s, json_t *doc)
{
    const char *hw;
    json_t *n;
    int64_t sum = 0;
    json_object_foreach(json_object_get(doc, "newest"), hw, n)
    {
        int64_t k = 0;
        ota_err rc =
            srv_db_count_below(s->db, hw, json_string_value(json_object_get(n, "version")), &k);
        if (rc != OTA_OK)
            return rc;
        if (json_object_set_new(n, "behind", json_integer(k)) != 0)
            return OTA_E_NOMEM;
        sum += k;
    }
    return json_object_set_new(doc, "behind", json_integer(sum)) == 0 ? OTA_OK : OTA_E_NOMEM;
}

enum MHD_Result
srv_fleet_handle(srv *s, srv_conn *sc, struct MHD_Connection *c)
{
    int64_t now = (int64_t) time(NULL);
    char when[21];
    json_t *doc = NULL, *dev = NULL;
    if (srv_fleet_repo(s->root_fd, now, &doc) != OTA_OK)
        return srv_reply_error(sc, c, 500, "E_NOMEM", "out of memory");
    ota_err rc = srv_db_fleet(s->db, SRV_FLEET_MAX_DEVICES, &dev);
    if (rc == OTA_OK && json_object_update(doc, dev) != 0)
        rc = OTA_E_NOMEM;
    json_decref(dev);
    if (rc == OTA_OK && ota_time_format(now, when) != OTA_OK)
        rc = OTA_E_NOMEM;
    if (rc == OTA_OK && (json_object_set_new(doc, "now", json_string(when)) != 0 ||
                         json_object_set_new(doc, "devices_max",
                                             json_integer(SRV_FLEET_MAX_DEVICES)) != 0))
        rc = OTA_E_NOMEM;
    if (rc == OTA_OK)
        rc = srv_fleet_annotate(doc);
    if (rc == OTA_OK)
        rc = count_behind(s, doc);
    if (rc == OTA_OK)
        rc = srv_vuln_fleet(s, doc);
    char *json = rc == OTA_OK ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (json == NULL)
        return rc == OTA_E_IO ? srv_reply_error(sc, c, 503, "E_IO", "database error")
                              : srv_reply_error(sc, c, 500, "E_NOMEM", "out of memory");
    enum MHD_Result ret = srv_reply(sc, c, 200, "application/json", json, strlen(json));
    free(json);
    return ret;
}
