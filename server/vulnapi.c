/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vulnapi.c — the admin API over advisories and release contents
 * (docs/ota-server.md "Advisories and packages"):
 *
 *   GET /v1/advisories       every advisory of --advisories DIR with the
 *                            releases it affects (or cannot tell), their
 *                            devices, and the release that fixes it
 *   GET /v1/advisories/ID    one advisory, every release with its status
 *   GET /v1/packages?name=N[&ecosystem=E][&below=V | &introduced=A&fixed=B]
 *                            releases and devices holding package N in range
 *
 * What a release contains is read from the repository this server serves,
 * trusting only what the targets metadata signs: the metadata is read as
 * the fleet page reads it (fleet.c: the files of --root, never a
 * symlink), a release's custom.ota_bundle.sbom says it carries a package
 * list, and the list is read from the bundle file with the signed
 * head_sha256 (ota_bundle_sbom_read checks the head against it and the
 * list's chunks against the head).  A release without a list, or whose
 * list does not verify, is "unknown" — never "not affected" — and a list
 * that does not verify is logged once per file.  Lists are cached by head
 * hash (a head names its bytes) with the file's identity, so a bundle
 * replaced under the same name is read again; at most
 * OTA_SERVER_SBOM_PACKAGES packages are held.
 *
 * Which release a device runs: the published release whose version is the
 * device's installed_version and whose hardware list names its
 * hardware_id (from the report tables, srv_db_devices_on).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ota_bundle.h"
#include "ota_id.h"
#include "server.h"

typedef struct cache_entry {
    uint8_t head[OTA_SHA256_LEN];
    srv_pkgindex *idx; /* NULL: the list could not be read (why) */
    char why[256];
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t gen; /* the last view that used it */
} cache_entry;

struct srv_vuln {
    char *dir; /* NULL: no advisories */
    pthread_mutex_t lock;
    srv_advset *set;
    cache_entry *cache;
    size_t ncache, cap;
    size_t packages; /* in the cached lists */
    uint64_t gen;
};

ota_err
srv_vuln_new(const char *dir, srv_vuln **out, char *why, size_t why_cap)
{
    *out = NULL;
    srv_vuln *v = calloc(1, sizeof *v);
    if (v == NULL || (dir != NULL && (v->dir = strdup(dir)) == NULL)) {
        free(v);
        snprintf(why, why_cap, "out of memory");
        return OTA_E_NOMEM;
    }
    pthread_mutex_init(&v->lock, NULL);
    if (dir != NULL) {
        ota_err rc = srv_advset_load(dir, stderr, &v->set, why, why_cap);
        if (rc != OTA_OK) {
            srv_vuln_free(v);
            return rc == OTA_E_NOMEM ? rc : OTA_E_ARG;
        }
        fprintf(stderr, "ota-server: advisories: %zu read from %s, %zu skipped\n",
                srv_advset_count(v->set), dir, json_array_size(srv_advset_skipped(v->set)));
        fflush(stderr);
    }
    *out = v;
    return OTA_OK;
}

void
srv_vuln_free(srv_vuln *v)
{
    if (v == NULL)
        return;
    srv_advset_unref(v->set);
    for (size_t i = 0; i < v->ncache; i++)
        srv_pkgindex_unref(v->cache[i].idx);
    free(v->cache);
    free(v->dir);
    pthread_mutex_destroy(&v->lock);
    free(v);
}

void
srv_vuln_reload(srv_vuln *v)
{
    if (v == NULL || v->dir == NULL)
        return;
    char why[512];
    srv_advset *set = NULL;
    if (srv_advset_load(v->dir, stderr, &set, why, sizeof why) != OTA_OK) {
        fprintf(stderr,
                "ota-server: SIGHUP: advisories not reloaded, still using the %zu read "
                "before: %s\n",
                srv_advset_count(v->set), why);
        fflush(stderr);
        return;
    }
    pthread_mutex_lock(&v->lock);
    srv_advset *old = v->set;
    v->set = set;
    pthread_mutex_unlock(&v->lock);
    srv_advset_unref(old); /* freed when the last request using it ends */
    fprintf(stderr, "ota-server: SIGHUP: advisories: %zu read from %s, %zu skipped\n",
            srv_advset_count(set), v->dir, json_array_size(srv_advset_skipped(set)));
    fflush(stderr);
}

/* ---- release contents ------------------------------------------------------------ */

static bool
same_file(const cache_entry *e, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The cache entry for head (under the lock), or NULL. */
static cache_entry *
cache_find(srv_vuln *v, const uint8_t head[OTA_SHA256_LEN])
{
    for (size_t i = 0; i < v->ncache; i++)
        if (memcmp(v->cache[i].head, head, OTA_SHA256_LEN) == 0)
            return &v->cache[i];
    return NULL;
}

/* Drop the entries the view of generation gen did not use (releases no
 * longer published); under the lock. */
static void
cache_trim(srv_vuln *v, uint64_t gen)
{
    size_t w = 0;
    for (size_t i = 0; i < v->ncache; i++) {
        if (v->cache[i].gen != gen) {
            if (v->cache[i].idx != NULL)
                v->packages -= srv_pkgindex_size(v->cache[i].idx);
            srv_pkgindex_unref(v->cache[i].idx);
            continue;
        }
        v->cache[w++] = v->cache[i];
    }
    v->ncache = w;
}

/* The package list of release rel: a new reference in *out, or NULL with
 * *why (a constant or the cache's copy, valid while the view holds the
 * set).  why_buf holds a formatted reason. */
static srv_pkgindex *
release_list(srv *s, srv_vuln *v, const json_t *rel, uint64_t gen, char *why_buf, size_t cap,
             const char **why)
{
    const json_t *sb = json_object_get(rel, "sbom");
    *why = NULL;
    if (sb == NULL || json_is_null(sb)) {
        *why = "the release carries no package list (bundle format 3: ota-sign bundle --sbom)";
        return NULL;
    }
    const char *err = json_string_value(json_object_get(rel, "sbom_error"));
    const char *hex = json_string_value(json_object_get(rel, "head_sha256"));
    const char *file = json_string_value(json_object_get(rel, "file"));
    uint8_t head[OTA_SHA256_LEN];
    size_t hl = 0;
    if (err != NULL || hex == NULL || file == NULL ||
        ota_hex_decode(hex, strlen(hex), head, sizeof head, &hl) != OTA_OK || hl != sizeof head) {
        *why = err ? err : "the target's ota_bundle has no valid head hash";
        return NULL;
    }
    struct stat st;
    int fd = srv_path_open(s->root_fd, file, &st);
    if (fd < 0) {
        snprintf(why_buf, cap, "the bundle file %s cannot be opened: %s", file,
                 errno == ELOOP ? "a symbolic link" : strerror(errno));
        *why = why_buf;
        return NULL;
    }
    pthread_mutex_lock(&v->lock);
    cache_entry *e = cache_find(v, head);
    if (e != NULL && same_file(e, &st)) {
        if (gen > e->gen)
            e->gen = gen; /* a newer view may have marked it already */
        srv_pkgindex *x = srv_pkgindex_ref(e->idx);
        if (x == NULL) {
            snprintf(why_buf, cap, "%s", e->why);
            *why = why_buf;
        }
        pthread_mutex_unlock(&v->lock);
        close(fd);
        return x;
    }
    pthread_mutex_unlock(&v->lock);

    /* read outside the lock (two requests may both read a new bundle: the
     * second copy is dropped) */
    ota_sbom list;
    const char *w = NULL;
    memset(&list, 0, sizeof list);
    ota_err rc = ota_bundle_sbom_read(fd, head, &list, &w);
    close(fd);
    srv_pkgindex *x = NULL;
    char reason[256] = "";
    if (rc == OTA_OK && srv_pkgindex_new(&list, &x) != OTA_OK)
        rc = OTA_E_NOMEM;
    ota_sbom_free(&list);
    if (rc != OTA_OK)
        snprintf(reason, sizeof reason, "the package list in %s does not verify: %s (%s)", file,
                 w ? w : ota_strerror(rc), ota_strerror(rc));

    pthread_mutex_lock(&v->lock);
    e = cache_find(v, head);
    bool log_it = rc != OTA_OK && (e == NULL || e->idx != NULL || strcmp(e->why, reason) != 0);
    if (x != NULL && v->packages + srv_pkgindex_size(x) > OTA_SERVER_SBOM_PACKAGES &&
        (e == NULL || e->idx == NULL)) {
        srv_pkgindex_unref(x);
        x = NULL;
        snprintf(reason, sizeof reason,
                 "not read: the lists held already have %zu packages (at most %u)", v->packages,
                 OTA_SERVER_SBOM_PACKAGES);
        e = NULL; /* not cached: read again when there is room */
    } else {
        if (e == NULL && v->ncache == v->cap) {
            size_t nc = v->cap ? v->cap * 2 : 16;
            cache_entry *nv = realloc(v->cache, nc * sizeof *nv);
            if (nv != NULL) {
                v->cache = nv;
                v->cap = nc;
            }
        }
        if (e == NULL && v->ncache < v->cap) {
            e = &v->cache[v->ncache++];
            memset(e, 0, sizeof *e);
            memcpy(e->head, head, sizeof head);
        }
        if (e != NULL) {
            if (e->idx != NULL)
                v->packages -= srv_pkgindex_size(e->idx);
            srv_pkgindex_unref(e->idx);
            e->idx = srv_pkgindex_ref(x);
            if (x != NULL)
                v->packages += srv_pkgindex_size(x);
            snprintf(e->why, sizeof e->why, "%s", reason);
            e->dev = st.st_dev;
            e->ino = st.st_ino;
            e->size = st.st_size;
            e->mtime = st.st_mtim;
            if (gen > e->gen)
                e->gen = gen; /* a newer view may have marked it already */
        }
    }
    pthread_mutex_unlock(&v->lock);
    if (log_it) {
        fprintf(stderr, "ota-server: release %s %s: %s; shown as unknown\n",
                json_string_value(json_object_get(rel, "name")),
                json_string_value(json_object_get(rel, "version")), reason);
        fflush(stderr);
    }
    if (x == NULL) {
        snprintf(why_buf, cap, "%s", reason);
        *why = why_buf;
    }
    return x;
}

/* ---- a view: the releases, their lists and their devices, for one request ---------- */

typedef struct view {
    json_t *fleet; /* srv_fleet_repo's document (owned or borrowed) */
    bool own_fleet;
    srv_rel *rels;
    size_t n;
    char (*why)[300];
    json_t *devices; /* array: per release, {"count","ids","more"} */
    srv_advset *set;
} view;

static void
view_close(view *w)
{
    for (size_t i = 0; i < w->n; i++)
        srv_pkgindex_unref((srv_pkgindex *) w->rels[i].pkgs);
    free(w->rels);
    free(w->why);
    json_decref(w->devices);
    if (w->own_fleet)
        json_decref(w->fleet);
    srv_advset_unref(w->set);
    memset(w, 0, sizeof *w);
}

/* Devices of release rel: {"count","ids","more"}, the ids of every
 * hardware id it lists (at most OTA_SERVER_LIST_MAX). */
static ota_err
release_devices(srv *s, const json_t *rel, json_t **out)
{
    json_t *ids = json_array();
    int64_t total = 0;
    ota_err rc = ids ? OTA_OK : OTA_E_NOMEM;
    size_t i;
    const json_t *h;
    const char *version = json_string_value(json_object_get(rel, "version"));
    json_array_foreach(json_object_get(rel, "hardware"), i, h)
    {
        const char *hw = json_string_value(h);
        if (rc != OTA_OK || hw == NULL || version == NULL)
            continue;
        int64_t n = 0;
        size_t have = json_array_size(ids);
        rc = srv_db_devices_on(
            s->db, hw, version,
            have < OTA_SERVER_LIST_MAX ? OTA_SERVER_LIST_MAX - (unsigned) have : 0, &n, ids);
        total += n;
    }
    *out = rc == OTA_OK ? json_pack("{s:I, s:O, s:b}", "count", (json_int_t) total, "ids", ids,
                                    "more", total > (int64_t) json_array_size(ids))
                        : NULL;
    json_decref(ids);
    return *out != NULL ? OTA_OK : rc != OTA_OK ? rc : OTA_E_NOMEM;
}

/* fleet: the repository as srv_fleet_repo read it (borrowed), or NULL to
 * read it here. */
static ota_err
view_open(srv *s, json_t *fleet, bool devices, view *w)
{
    srv_vuln *v = s->vuln;
    memset(w, 0, sizeof *w);
    if (fleet == NULL) {
        if (srv_fleet_repo(s->root_fd, (int64_t) time(NULL), &w->fleet) != OTA_OK)
            return OTA_E_NOMEM;
        w->own_fleet = true;
    } else {
        w->fleet = fleet;
    }
    pthread_mutex_lock(&v->lock);
    w->set = srv_advset_ref(v->set);
    uint64_t gen = ++v->gen;
    pthread_mutex_unlock(&v->lock);
    const json_t *rels = json_object_get(w->fleet, "releases");
    size_t n = json_array_size(rels);
    w->devices = json_array();
    if (w->devices == NULL || (n > 0 && ((w->rels = calloc(n, sizeof *w->rels)) == NULL ||
                                         (w->why = calloc(n, sizeof *w->why)) == NULL))) {
        view_close(w);
        return OTA_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        srv_rel *r = &w->rels[i];
        r->rel = json_array_get(rels, i);
        r->pkgs = release_list(s, v, r->rel, gen, w->why[i], sizeof w->why[i], &r->unknown);
        w->n = i + 1;
        if (devices && s->db != NULL) {
            json_t *d = NULL;
            ota_err rc = release_devices(s, r->rel, &d);
            if (rc != OTA_OK || json_array_append_new(w->devices, d) != 0) {
                view_close(w);
                return rc != OTA_OK ? rc : OTA_E_NOMEM;
            }
            r->devices = d;
        }
    }
    pthread_mutex_lock(&v->lock);
    if (v->gen == gen)
        cache_trim(v, gen); /* no view started since: what it did not use is gone */
    pthread_mutex_unlock(&v->lock);
    return OTA_OK;
}

/* ---- handlers ---------------------------------------------------------------------- */

static enum MHD_Result
reply_doc(srv_conn *sc, struct MHD_Connection *c, json_t *doc)
{
    char *json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (json == NULL)
        return srv_reply_error(sc, c, 500, "E_NOMEM", "out of memory");
    enum MHD_Result ret = srv_reply(sc, c, 200, "application/json", json, strlen(json));
    free(json);
    return ret;
}

static enum MHD_Result
reply_view_error(srv_conn *sc, struct MHD_Connection *c, ota_err rc)
{
    return rc == OTA_E_IO ? srv_reply_error(sc, c, 503, "E_IO", "database error")
                          : srv_reply_error(sc, c, 500, "E_NOMEM", "out of memory");
}

/* The releases' summary: how many have a package list, which do not. */
static json_t *
releases_summary(const view *w)
{
    json_t *unknown = json_array();
    size_t known = 0;
    for (size_t i = 0; unknown != NULL && i < w->n; i++) {
        if (w->rels[i].pkgs != NULL) {
            known++;
            continue;
        }
        json_t *o =
            json_pack("{s:O?, s:O?, s:O?, s:s}", "name", json_object_get(w->rels[i].rel, "name"),
                      "version", json_object_get(w->rels[i].rel, "version"), "path",
                      json_object_get(w->rels[i].rel, "path"), "reason",
                      w->rels[i].unknown ? w->rels[i].unknown : "no package list");
        if (o == NULL || json_array_append_new(unknown, o) != 0) {
            json_decref(unknown);
            return NULL;
        }
    }
    return unknown ? json_pack("{s:I, s:I, s:o}", "total", (json_int_t) w->n, "with_list",
                               (json_int_t) known, "without_list", unknown)
                   : NULL;
}

static enum MHD_Result
handle_list(srv *s, srv_conn *sc, struct MHD_Connection *c)
{
    view w;
    ota_err rc = view_open(s, NULL, true, &w);
    if (rc != OTA_OK)
        return reply_view_error(sc, c, rc);
    json_t *list = json_array();
    bool nomem = list == NULL;
    size_t n = srv_advset_count(w.set);
    for (size_t i = 0; !nomem && i < n; i++) {
        const char *file = NULL;
        const ota_osv *a = srv_advset_get(w.set, i, &file);
        json_t *o = NULL;
        nomem = srv_adv_eval(a, file, w.rels, w.n, false, &o) != OTA_OK ||
                json_array_append_new(list, o) != 0;
    }
    json_t *doc = nomem ? NULL
                        : json_pack("{s:o, s:o, s:O}", "advisories", list, "releases",
                                    releases_summary(&w), "skipped", srv_advset_skipped(w.set));
    if (nomem)
        json_decref(list);
    view_close(&w);
    return reply_doc(sc, c, doc);
}

static enum MHD_Result
handle_one(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *enc)
{
    char id[OTA_MAX_ID_LEN + 2];
    if (!srv_query_decode(enc, id, sizeof id) || !ota_id_valid(id))
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such advisory");
    view w;
    ota_err rc = view_open(s, NULL, true, &w);
    if (rc != OTA_OK)
        return reply_view_error(sc, c, rc);
    const char *file = NULL;
    const ota_osv *a = srv_advset_find(w.set, id, &file);
    json_t *o = NULL;
    if (a == NULL) {
        view_close(&w);
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND", "no such advisory");
    }
    if (srv_adv_eval(a, file, w.rels, w.n, true, &o) != OTA_OK)
        o = NULL;
    view_close(&w);
    return reply_doc(sc, c, o);
}

/* Query value key, decoded, a text field of at most max bytes; NULL when
 * absent; *bad when present but not such a value. */
static const char *
text_arg(struct MHD_Connection *c, const char *key, char *out, size_t cap, size_t max, bool *bad)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    if (v == NULL)
        return NULL;
    if (!srv_query_decode(v, out, cap) || !ota_text_ok(out, strlen(out), max)) {
        *bad = true;
        return NULL;
    }
    return out;
}

static enum MHD_Result
handle_packages(srv *s, srv_conn *sc, struct MHD_Connection *c)
{
    char name[OTA_SBOM_MAX_FIELD + 2], eco[OTA_SBOM_MAX_FIELD + 2];
    char below[OTA_MAX_PKGVER_LEN + 2], intro[OTA_MAX_PKGVER_LEN + 2],
        fixed[OTA_MAX_PKGVER_LEN + 2];
    bool bad = false;
    srv_pkgquery q = {
        .name = text_arg(c, "name", name, sizeof name, OTA_SBOM_MAX_FIELD, &bad),
        .ecosystem = text_arg(c, "ecosystem", eco, sizeof eco, OTA_SBOM_MAX_FIELD, &bad),
        .below = text_arg(c, "below", below, sizeof below, OTA_MAX_PKGVER_LEN, &bad),
        .introduced = text_arg(c, "introduced", intro, sizeof intro, OTA_MAX_PKGVER_LEN, &bad),
        .fixed = text_arg(c, "fixed", fixed, sizeof fixed, OTA_MAX_PKGVER_LEN, &bad),
    };
    if (bad || q.name == NULL || (q.below != NULL && (q.introduced != NULL || q.fixed != NULL)))
        return srv_reply_error(sc, c, 400, "E_QUERY",
                               "name=N is required; then ecosystem=E, and below=V or "
                               "introduced=A and/or fixed=B (not both forms); each a text of at "
                               "most 256 bytes without control characters");
    /* with an ecosystem of a known order, the versions must be of it */
    ota_pkgver_scheme sch = OTA_PKGVER_NONE;
    if (q.ecosystem != NULL && ota_pkgver_ecosystem(q.ecosystem, &sch, NULL) == OTA_OK) {
        const char *vs[] = {q.below, q.introduced, q.fixed};
        for (size_t i = 0; i < 3; i++)
            if (vs[i] != NULL && ota_pkgver_check(sch, vs[i], NULL) != OTA_OK)
                return srv_reply_error(sc, c, 400, "E_QUERY",
                                       "a version is not a version of the ecosystem's order "
                                       "(Debian: dpkg's syntax)");
    }
    view w;
    ota_err rc = view_open(s, NULL, true, &w);
    if (rc != OTA_OK)
        return reply_view_error(sc, c, rc);
    json_t *o = NULL;
    if (srv_pkg_eval(&q, w.rels, w.n, &o) != OTA_OK)
        o = NULL;
    json_t *sum = o ? releases_summary(&w) : NULL;
    if (o != NULL && (sum == NULL || json_object_set_new(o, "release_lists", sum) != 0)) {
        json_decref(o);
        o = NULL;
    }
    view_close(&w);
    return reply_doc(sc, c, o);
}

enum MHD_Result
srv_vuln_handle(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/v1/packages") == 0)
        return handle_packages(s, sc, c);
    if (s->vuln->dir == NULL)
        return srv_reply_error(sc, c, 404, "E_NOT_FOUND",
                               "advisories are not enabled (--advisories DIR)");
    if (strcmp(url, "/v1/advisories") == 0)
        return handle_list(s, sc, c);
    return handle_one(s, sc, c, url + strlen("/v1/advisories/"));
}

ota_err
srv_vuln_fleet(srv *s, json_t *fleet)
{
    if (s->vuln == NULL || s->vuln->dir == NULL)
        return OTA_OK;
    view w;
    ota_err rc = view_open(s, fleet, true, &w);
    if (rc != OTA_OK)
        return rc;
    json_t *list = json_array();
    rc = list ? OTA_OK : OTA_E_NOMEM;
    for (size_t i = 0; rc == OTA_OK && i < srv_advset_count(w.set); i++) {
        const char *file = NULL;
        const ota_osv *a = srv_advset_get(w.set, i, &file);
        json_t *o = NULL;
        rc = srv_adv_eval(a, file, w.rels, w.n, false, &o);
        if (rc != OTA_OK)
            break;
        if (json_integer_value(json_object_get(o, "affected_releases")) > 0) {
            json_t *e = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(o, "id"),
                                  "summary", json_object_get(o, "summary"), "affected_releases",
                                  json_object_get(o, "affected_releases"), "affected_devices",
                                  json_object_get(o, "affected_devices"), "unknown_devices",
                                  json_object_get(o, "unknown_devices"), "fixed_by",
                                  json_object_get(o, "fixed_by"));
            if (e == NULL || json_array_append_new(list, e) != 0)
                rc = OTA_E_NOMEM;
        }
        json_decref(o);
    }
    json_t *sum = rc == OTA_OK ? releases_summary(&w) : NULL;
    json_t *doc = sum ? json_pack("{s:o, s:I, s:o}", "advisories", list, "loaded",
                                  (json_int_t) srv_advset_count(w.set), "releases", sum)
                      : NULL;
    if (doc == NULL) {
        if (sum == NULL)
            json_decref(list);
        rc = rc != OTA_OK ? rc : OTA_E_NOMEM;
    } else if (json_object_set_new(fleet, "vulnerabilities", doc) != 0) {
        rc = OTA_E_NOMEM;
    }
    view_close(&w);
    return rc;
}
