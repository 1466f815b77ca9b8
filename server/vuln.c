/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vuln.c — which releases are affected by an advisory, and which contain
 * a package (docs/ota-server.md "Advisories and packages"): the pure part.
 * No libmicrohttpd, no database, no bundle reading here (vulnapi.c does
 * those), so the unit test compiles this file in and drives it with
 * in-memory package lists.
 *
 *   srv_advset_load   every *.json of a directory, each one OSV advisory
 *                     (formats/ADVISORIES.md, ota_osv.h); a file that is
 *                     not one is skipped with a log line naming it and why
 *   srv_pkgindex_new  a release's package list (ota_sbom.h), indexed by the
 *                     names an advisory may use: the package's own name and
 *                     (Debian) its source package's
 *   srv_adv_eval      one advisory over the releases: each release
 *                     affected, not affected or unknown (no list, or a
 *                     package that cannot be evaluated: never guessed as
 *                     not affected), and the release that fixes it
 *   srv_pkg_eval      the package query: releases holding a package below
 *                     a version or within a range
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ota_id.h"
#include "server.h"

/* ---- the advisory set ---------------------------------------------------------- */

struct srv_advset {
    _Atomic unsigned refs;
    ota_osv *advs; /* sorted by id, ids distinct */
    char **files;  /* advs[i] came from files[i] */
    size_t n;
    json_t *skipped; /* [{"file","reason"}] */
};

static void skip_file(json_t *skipped, FILE *log, const char *dir, const char *name,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
skip_file(json_t *skipped, FILE *log, const char *dir, const char *name, const char *fmt, ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (log != NULL)
        fprintf(log, "ota-server: advisories: %s/%s: skipped: %s\n", dir, name, why);
    json_array_append_new(skipped, json_pack("{s:s, s:s}", "file", name, "reason", why));
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A file name we read: NAME.json, printable, not hidden. */
static bool
adv_name_ok(const char *n)
{
    size_t len = strlen(n);
    return len > 5 && len <= 255 && n[0] != '.' && strcmp(n + len - 5, ".json") == 0 &&
           ota_text_ok(n, len, 255);
}

void
srv_advset_unref(srv_advset *a)
{
    if (a == NULL || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    for (size_t i = 0; i < a->n; i++) {
        ota_osv_free(&a->advs[i]);
        free(a->files[i]);
    }
    free(a->advs);
    free(a->files);
    json_decref(a->skipped);
    free(a);
}

srv_advset *
srv_advset_ref(srv_advset *a)
{
    if (a != NULL)
        atomic_fetch_add(&a->refs, 1);
    return a;
}

size_t
srv_advset_count(const srv_advset *a)
{
    return a != NULL ? a->n : 0;
}

const ota_osv *
srv_advset_get(const srv_advset *a, size_t i, const char **file)
{
    if (file != NULL)
        *file = a->files[i];
    return &a->advs[i];
}

const ota_osv *
srv_advset_find(const srv_advset *a, const char *id, const char **file)
{
    size_t lo = 0, hi = a != NULL ? a->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(a->advs[mid].id, id);
        if (c == 0)
            return srv_advset_get(a, mid, file);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const json_t *
srv_advset_skipped(const srv_advset *a)
{
    return a->skipped;
}

ota_err
srv_advset_load(const char *dir, FILE *log, srv_advset **out, char *why, size_t why_cap)
{
    *out = NULL;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        snprintf(why, why_cap, "%s: %s", dir, strerror(errno));
        return errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO;
    }
    int dfd2 = dup(dfd);
    DIR *d = dfd2 >= 0 ? fdopendir(dfd2) : NULL;
    if (d == NULL) {
        snprintf(why, why_cap, "%s: %s", dir, strerror(errno));
        if (dfd2 >= 0)
            close(dfd2);
        close(dfd);
        return OTA_E_IO;
    }
    srv_advset *a = calloc(1, sizeof *a);
    char **names = NULL;
    size_t nnames = 0, cap = 0, total = 0;
    ota_err rc = OTA_OK;
    if (a == NULL || (a->skipped = json_array()) == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    atomic_init(&a->refs, 1);
    /* the names first, sorted: the order of reading (and of which file
     * wins among duplicates) does not depend on the directory's */
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!adv_name_ok(e->d_name))
            continue;
        if (nnames == OTA_SERVER_ADV_FILES) {
            skip_file(a->skipped, log, dir, "*",
                      "more than %u advisory files: the rest are not read", OTA_SERVER_ADV_FILES);
            break;
        }
        if (nnames == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(names, nc * sizeof *nn);
            if (nn == NULL) {
                rc = OTA_E_NOMEM;
                goto out;
            }
            names = nn;
            cap = nc;
        }
        if ((names[nnames] = strdup(e->d_name)) == NULL) {
            rc = OTA_E_NOMEM;
            goto out;
        }
        nnames++;
    }
    if (nnames > 0)
        qsort(names, nnames, sizeof *names, name_cmp);
    if (nnames > 0 && ((a->advs = calloc(nnames, sizeof *a->advs)) == NULL ||
                       (a->files = calloc(nnames, sizeof *a->files)) == NULL)) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nnames; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        /* beneath the directory, never through a link; a FIFO does not block */
        ota_err frc = ota_file_read_beneath(dfd, names[i], OTA_OSV_MAX_SIZE, &buf, &len);
        if (frc != OTA_OK) {
            skip_file(a->skipped, log, dir, names[i], "%s",
                      frc == OTA_E_LIMIT    ? "larger than 4 MiB (OTA_OSV_MAX_SIZE)"
                      : frc == OTA_E_UNSAFE ? "a symbolic link (not followed)"
                      : frc == OTA_E_NOMEM  ? "out of memory"
                                            : "cannot be read (not a regular file?)");
            continue;
        }
        if (total + len > OTA_SERVER_ADV_BYTES) {
            free(buf);
            skip_file(a->skipped, log, dir, names[i],
                      "the advisories read so far hold %zu bytes: more than %u in all", total,
                      OTA_SERVER_ADV_BYTES);
            continue;
        }
        const char *w = NULL;
        ota_osv adv;
        frc = ota_osv_parse(buf, len, &adv, &w);
        free(buf);
        if (frc != OTA_OK) {
            skip_file(a->skipped, log, dir, names[i], "not a valid OSV advisory: %s (%s)",
                      w ? w : "?", ota_strerror(frc));
            continue;
        }
        total += len;
        a->advs[a->n] = adv;
        a->files[a->n] = names[i];
        names[i] = NULL;
        a->n++;
    }
    /* duplicate ids: the file name first in byte order is kept */
    if (a->n > 1) {
        /* stable by construction: insertion sort by id keeps file order among equals */
        for (size_t i = 1; i < a->n; i++) {
            ota_osv v = a->advs[i];
            char *f = a->files[i];
            size_t j = i;
            while (j > 0 && strcmp(a->advs[j - 1].id, v.id) > 0) {
                a->advs[j] = a->advs[j - 1];
                a->files[j] = a->files[j - 1];
                j--;
            }
            a->advs[j] = v;
            a->files[j] = f;
        }
        size_t w = 0;
        for (size_t i = 0; i < a->n; i++) {
            if (w > 0 && strcmp(a->advs[w - 1].id, a->advs[i].id) == 0) {
                skip_file(a->skipped, log, dir, a->files[i], "duplicate id %s (kept from %s)",
                          a->advs[i].id, a->files[w - 1]);
                ota_osv_free(&a->advs[i]);
                free(a->files[i]);
                continue;
            }
            a->advs[w] = a->advs[i];
            a->files[w] = a->files[i];
            w++;
        }
        a->n = w;
    }
out:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    closedir(d);
    close(dfd);
    if (rc != OTA_OK) {
        snprintf(why, why_cap, "out of memory");
        srv_advset_unref(a);
        return rc;
    }
    *out = a;
    return OTA_OK;
}

/* ---- package lists, indexed by name ------------------------------------------- */

/* One way a package is asked about: by its own name and version, or
 * (Debian) by its source package's name and version. */
typedef struct pkgkey {
    const char *key;
    const char *version; /* NULL: the list gives none */
    const ota_sbom_pkg *pkg;
    bool source;
} pkgkey;

struct srv_pkgindex {
    _Atomic unsigned refs;
    ota_sbom sbom;
    pkgkey *keys; /* sorted by key */
    size_t nkeys;
};

static int
key_cmp(const void *a, const void *b)
{
    const pkgkey *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c == 0)
        c = x->pkg < y->pkg ? -1 : x->pkg > y->pkg;
    return c != 0 ? c : (int) x->source - (int) y->source;
}

ota_err
srv_pkgindex_new(ota_sbom *list, srv_pkgindex **out)
{
    *out = NULL;
    srv_pkgindex *x = calloc(1, sizeof *x);
    if (x == NULL ||
        (list->npkgs > 0 && (x->keys = calloc(list->npkgs, 2 * sizeof *x->keys)) == NULL)) {
        free(x);
        return OTA_E_NOMEM;
    }
    atomic_init(&x->refs, 1);
    x->sbom = *list;
    memset(list, 0, sizeof *list);
    for (size_t i = 0; i < x->sbom.npkgs; i++) {
        const ota_sbom_pkg *p = &x->sbom.pkgs[i];
        x->keys[x->nkeys++] = (pkgkey){p->name, p->version, p, false};
        if (p->source != NULL && strcmp(p->source, p->name) != 0)
            x->keys[x->nkeys++] =
                (pkgkey){p->source, p->source_version ? p->source_version : p->version, p, true};
    }
    if (x->nkeys > 1)
        qsort(x->keys, x->nkeys, sizeof *x->keys, key_cmp);
    *out = x;
    return OTA_OK;
}

srv_pkgindex *
srv_pkgindex_ref(srv_pkgindex *x)
{
    if (x != NULL)
        atomic_fetch_add(&x->refs, 1);
    return x;
}

void
srv_pkgindex_unref(srv_pkgindex *x)
{
    if (x == NULL || atomic_fetch_sub(&x->refs, 1) != 1)
        return;
    ota_sbom_free(&x->sbom);
    free(x->keys);
    free(x);
}

size_t
srv_pkgindex_size(const srv_pkgindex *x)
{
    return x->sbom.npkgs;
}

const char *
srv_pkgindex_source(const srv_pkgindex *x)
{
    return x->sbom.source;
}

/* The keys equal to name: [*first, *first + return) */
static size_t
keys_named(const srv_pkgindex *x, const char *name, size_t *first)
{
    size_t lo = 0, hi = x->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(x->keys[mid].key, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < x->nkeys && strcmp(x->keys[end].key, name) == 0)
        end++;
    *first = lo;
    return end - lo;
}

/* {"name","version","ecosystem"[,"source"]} of a package as it was asked
 * about (the source's name and version when asked by source) */
static json_t *
pkg_json(const pkgkey *k)
{
    const ota_sbom_pkg *p = k->pkg;
    json_t *o = json_pack("{s:s, s:o, s:o}", "name", k->key, "version",
                          k->version ? json_string(k->version) : json_null(), "ecosystem",
                          p->ecosystem ? json_string(p->ecosystem) : json_null());
    if (o != NULL && k->source &&
        json_object_set_new(o, "binary",
                            json_pack("{s:s, s:o}", "name", p->name, "version",
                                      p->version ? json_string(p->version) : json_null())) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- one advisory over the releases ------------------------------------------ */

static const char *
rel_str(const json_t *rel, const char *key)
{
    return json_string_value(json_object_get(rel, key));
}

static bool
rel_lists_hw(const json_t *rel, const char *hw)
{
    size_t i;
    const json_t *h;
    json_array_foreach(json_object_get(rel, "hardware"), i, h)
    {
        if (json_is_string(h) && strcmp(json_string_value(h), hw) == 0)
            return true;
    }
    return false;
}

/* The status of one release against adv: SRV_ADV_* and, in *pkgs, the
 * packages that are affected (with "fixed") or could not be evaluated
 * (with "reason"). */
static int
release_status(const ota_osv *adv, const srv_pkgindex *x, json_t *pkgs, bool *nomem)
{
    bool affected = false, undecided = false;
    if (adv->withdrawn != NULL)
        return SRV_ADV_NOT_AFFECTED; /* affects nothing */
    /* a package is asked about once per name it is known by */
    const pkgkey **done = NULL;
    size_t ndone = 0, done_cap = 0;
    for (size_t i = 0; i < adv->naffected && !*nomem; i++) {
        const ota_osv_affected *e = &adv->affected[i];
        if (e->name == NULL)
            continue;
        size_t first, n = keys_named(x, e->name, &first);
        for (size_t k = first; k < first + n && !*nomem; k++) {
            const pkgkey *pk = &x->keys[k];
            bool seen = false;
            for (size_t j = 0; j < ndone && !seen; j++)
                seen = done[j] == pk;
            if (seen)
                continue;
            if (pk->pkg->ecosystem != NULL && pk->version == NULL &&
                !ota_osv_ecosystem_match(e->ecosystem, pk->pkg->ecosystem))
                continue; /* not this entry's, and nothing to evaluate: another may be */
            if (ndone == done_cap) {
                size_t nc = done_cap ? done_cap * 2 : 16;
                const pkgkey **nd = realloc(done, nc * sizeof *nd);
                if (nd == NULL) {
                    *nomem = true;
                    break;
                }
                done = nd;
                done_cap = nc;
            }
            done[ndone++] = pk;
            const char *why = NULL;
            ota_osv_match m = {0};
            const char *eco = pk->pkg->ecosystem;
            if (eco == NULL) {
                /* an entry of this name in some ecosystem: is it this package's? */
                why = "the package list gives no ecosystem for this package";
            } else if (pk->version == NULL) {
                why = "the package list gives no version for this package";
            } else {
                /* every entry of the advisory at once */
                ota_err rc = ota_osv_affects(adv, eco, pk->key, pk->version, &m);
                if (rc != OTA_OK)
                    why = rc == OTA_E_UNSUPPORTED
                              ? "no known version order for its ecosystem"
                              : "its version is not a version of the range's order";
            }
            if (why == NULL && !m.affected)
                continue;
            json_t *o = pkg_json(pk);
            if (o == NULL || json_array_append_new(pkgs, o) != 0) {
                *nomem = true;
                break;
            }
            int bad = 0;
            if (why != NULL) {
                undecided = true;
                bad = json_object_set_new(o, "status", json_string("unknown")) |
                      json_object_set_new(o, "reason", json_string(why));
            } else {
                affected = true;
                bad = json_object_set_new(o, "status", json_string("affected")) |
                      json_object_set_new(o, "fixed", m.fixed ? json_string(m.fixed) : json_null());
                if (m.git_ignored)
                    bad |= json_object_set_new(o, "git_ranges_ignored", json_true());
            }
            if (bad)
                *nomem = true;
        }
    }
    free(done);
    return affected ? SRV_ADV_AFFECTED : undecided ? SRV_ADV_UNKNOWN : SRV_ADV_NOT_AFFECTED;
}

const char *
srv_adv_status_name(int st)
{
    return st == SRV_ADV_AFFECTED       ? "affected"
           : st == SRV_ADV_NOT_AFFECTED ? "not_affected"
                                        : "unknown";
}

/* Devices of a release as given: {"count", "ids", "more"}; count 0 when none. */
static int64_t
rel_devices(const srv_rel *r)
{
    return json_integer_value(json_object_get(r->devices, "count"));
}

/* The fixing release for bundle `name` on hardware hw: the lowest release
 * of that name listing hw whose version is above every affected one's and
 * whose list is known not to be affected; -1 when none. */
static long
fix_for(const srv_rel *rels, size_t n, const int *st, const char *name, const char *hw)
{
    const char *top = NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = rels[i].rel;
        const char *v = rel_str(r, "version");
        if (st[i] != SRV_ADV_AFFECTED || strcmp(rel_str(r, "name"), name) != 0 ||
            !rel_lists_hw(r, hw) || ota_semver_check(v) != OTA_OK)
            continue;
        if (top == NULL || ota_semver_cmp(v, top) > 0)
            top = v;
    }
    long best = -1;
    for (size_t i = 0; top != NULL && i < n; i++) {
        const json_t *r = rels[i].rel;
        const char *v = rel_str(r, "version");
        if (st[i] != SRV_ADV_NOT_AFFECTED || strcmp(rel_str(r, "name"), name) != 0 ||
            !rel_lists_hw(r, hw) || ota_semver_check(v) != OTA_OK || ota_semver_cmp(v, top) <= 0)
            continue;
        if (best < 0 || ota_semver_cmp(v, rel_str(rels[best].rel, "version")) < 0)
            best = (long) i;
    }
    return best;
}

/* {"name","version","path","hardware", and the release's rollout state} */
static json_t *
rel_ref(const json_t *rel)
{
    json_t *o = json_object();
    static const char *const keys[] = {"name",  "version",  "path",    "hardware",
                                       "valid", "channels", "rollout", "error"};
    for (size_t i = 0; o != NULL && i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(rel, keys[i]);
        if (v != NULL && json_object_set(o, keys[i], v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

ota_err
srv_adv_eval(const ota_osv *adv, const char *file, const srv_rel *rels, size_t n, bool all,
             json_t **out)
{
    *out = NULL;
    int *st = n > 0 ? calloc(n, sizeof *st) : NULL;
    json_t *o = json_object(), *list = json_array(), *fixes = json_array(), *aliases = json_array();
    bool nomem =
        (n > 0 && st == NULL) || o == NULL || list == NULL || fixes == NULL || aliases == NULL;
    int64_t affected_dev = 0, unknown_dev = 0;
    size_t naffected = 0, nunknown = 0;
    for (size_t i = 0; !nomem && i < adv->naliases; i++)
        nomem = json_array_append_new(aliases, json_string(adv->aliases[i])) != 0;
    for (size_t i = 0; !nomem && i < n; i++) {
        json_t *pkgs = json_array(), *r = NULL;
        if (pkgs == NULL) {
            nomem = true;
            break;
        }
        const char *reason = NULL;
        if (adv->withdrawn != NULL) {
            st[i] = SRV_ADV_NOT_AFFECTED; /* affects nothing, whatever a release holds */
        } else if (rels[i].pkgs == NULL) {
            st[i] = SRV_ADV_UNKNOWN;
            reason = rels[i].unknown ? rels[i].unknown : "no package list";
        } else {
            st[i] = release_status(adv, rels[i].pkgs, pkgs, &nomem);
            if (st[i] == SRV_ADV_UNKNOWN)
                reason = "a package of this name could not be evaluated (see packages)";
        }
        int64_t nd = rel_devices(&rels[i]);
        if (st[i] == SRV_ADV_AFFECTED) {
            affected_dev += nd;
            naffected++;
        } else if (st[i] == SRV_ADV_UNKNOWN) {
            unknown_dev += nd;
            nunknown++;
        }
        if (!all && st[i] == SRV_ADV_NOT_AFFECTED) { /* not listed: no object made */
            json_decref(pkgs);
            continue;
        }
        if ((r = rel_ref(rels[i].rel)) == NULL) {
            json_decref(pkgs);
            nomem = true;
            break;
        }
        int bad = json_object_set_new(r, "status", json_string(srv_adv_status_name(st[i])));
        if (reason != NULL)
            bad |= json_object_set_new(r, "reason", json_string(reason));
        if (json_array_size(pkgs) > 0)
            bad |= json_object_set(r, "packages", pkgs);
        json_decref(pkgs);
        if (rels[i].devices != NULL)
            bad |= json_object_set(r, "devices", (json_t *) rels[i].devices);
        if (bad != 0 || json_array_append_new(list, r) != 0)
            nomem = true;
    }
    /* the fixing release of each (bundle, hardware) with an affected release */
    for (size_t i = 0; !nomem && i < n; i++) {
        if (st[i] != SRV_ADV_AFFECTED)
            continue;
        const char *name = rel_str(rels[i].rel, "name");
        size_t k;
        const json_t *h;
        json_array_foreach(json_object_get(rels[i].rel, "hardware"), k, h)
        {
            const char *hw = json_string_value(h);
            if (hw == NULL)
                continue;
            /* once per (name, hw) */
            bool seen = false;
            size_t j;
            const json_t *f;
            json_array_foreach(fixes, j, f)
            {
                seen |= strcmp(rel_str(f, "bundle"), name) == 0 &&
                        strcmp(rel_str(f, "hardware"), hw) == 0;
            }
            if (seen)
                continue;
            long b = fix_for(rels, n, st, name, hw);
            json_t *fo = json_pack("{s:s, s:s}", "bundle", name, "hardware", hw);
            int bad = fo == NULL || json_array_append_new(fixes, fo) != 0;
            if (!bad && b >= 0) {
                json_t *rr = rel_ref(rels[b].rel);
                bad = rr == NULL || json_object_set_new(fo, "release", rr) != 0;
                if (!bad && rels[b].devices != NULL)
                    bad = json_object_set_new(rr, "devices_on_it",
                                              json_integer(rel_devices(&rels[b]))) != 0;
            } else if (!bad) {
                bad = json_object_set_new(fo, "release", json_null()) != 0;
            }
            nomem |= bad != 0;
        }
    }
    if (!nomem) {
        int bad =
            json_object_set_new(o, "id", json_string(adv->id)) |
            json_object_set_new(o, "summary",
                                adv->summary ? json_string(adv->summary) : json_null()) |
            json_object_set(o, "aliases", aliases) |
            json_object_set_new(o, "modified", json_string(adv->modified)) |
            json_object_set_new(o, "withdrawn",
                                adv->withdrawn ? json_string(adv->withdrawn) : json_null()) |
            json_object_set_new(o, "file", file ? json_string(file) : json_null()) |
            json_object_set_new(o, "affected_releases", json_integer((json_int_t) naffected)) |
            json_object_set_new(o, "unknown_releases", json_integer((json_int_t) nunknown)) |
            json_object_set_new(o, "affected_devices", json_integer(affected_dev)) |
            json_object_set_new(o, "unknown_devices", json_integer(unknown_dev)) |
            json_object_set(o, "releases", list) | json_object_set(o, "fixed_by", fixes);
        if (bad == 0) {
            *out = o;
            o = NULL;
        }
    }
    free(st);
    json_decref(o);
    json_decref(list);
    json_decref(fixes);
    json_decref(aliases);
    return *out != NULL ? OTA_OK : OTA_E_NOMEM;
}

/* ---- the package query ------------------------------------------------------- */

/* Is version v (of a package of ecosystem eco) within q's bounds?  1 yes,
 * 0 no, -1 undecided with *why. */
static int
in_bounds(const srv_pkgquery *q, const char *eco, const char *v, const char **why)
{
    if (q->below == NULL && q->introduced == NULL && q->fixed == NULL)
        return 1;
    if (v == NULL) {
        *why = "the package list gives no version for this package";
        return -1;
    }
    /* the ecosystem's order when it has one (Debian), else semver */
    ota_pkgver_scheme s = OTA_PKGVER_SEMVER;
    if (eco != NULL && ota_pkgver_ecosystem(eco, &s, NULL) != OTA_OK)
        s = OTA_PKGVER_SEMVER;
    int c = 0;
    const char *w = NULL;
    const char *hi = q->below ? q->below : q->fixed;
    if (hi != NULL) {
        if (ota_pkgver_cmp(s, v, hi, &c, &w) != OTA_OK) {
            *why = s == OTA_PKGVER_DEBIAN ? "not comparable as Debian versions"
                                          : "not comparable as semantic versions";
            return -1;
        }
        if (c >= 0)
            return 0;
    }
    if (q->introduced != NULL) {
        if (ota_pkgver_cmp(s, v, q->introduced, &c, &w) != OTA_OK) {
            *why = s == OTA_PKGVER_DEBIAN ? "not comparable as Debian versions"
                                          : "not comparable as semantic versions";
            return -1;
        }
        if (c < 0)
            return 0;
    }
    return 1;
}

ota_err
srv_pkg_eval(const srv_pkgquery *q, const srv_rel *rels, size_t n, json_t **out)
{
    *out = NULL;
    json_t *list = json_array();
    int64_t dev = 0, unknown_dev = 0;
    bool nomem = list == NULL;
    for (size_t i = 0; !nomem && i < n; i++) {
        json_t *r = rel_ref(rels[i].rel), *pkgs = json_array();
        int status = SRV_ADV_NOT_AFFECTED;
        const char *reason = NULL;
        if (r == NULL || pkgs == NULL) {
            json_decref(r);
            json_decref(pkgs);
            nomem = true;
            break;
        }
        if (rels[i].pkgs == NULL) {
            status = SRV_ADV_UNKNOWN;
            reason = rels[i].unknown ? rels[i].unknown : "no package list";
        } else {
            size_t first, m = keys_named(rels[i].pkgs, q->name, &first);
            for (size_t k = first; k < first + m && !nomem; k++) {
                const pkgkey *pk = &rels[i].pkgs->keys[k];
                const char *eco = pk->pkg->ecosystem;
                if (q->ecosystem != NULL &&
                    (eco == NULL || !ota_osv_ecosystem_match(q->ecosystem, eco)))
                    continue;
                const char *why = NULL;
                int b = in_bounds(q, eco, pk->version, &why);
                if (b == 0)
                    continue;
                json_t *o = pkg_json(pk);
                if (o == NULL || json_array_append_new(pkgs, o) != 0 ||
                    json_object_set_new(o, "status", json_string(b > 0 ? "in_range" : "unknown")) ||
                    (why != NULL && json_object_set_new(o, "reason", json_string(why)))) {
                    nomem = true;
                    break;
                }
                if (b > 0)
                    status = SRV_ADV_AFFECTED;
                else if (status != SRV_ADV_AFFECTED)
                    status = SRV_ADV_UNKNOWN;
            }
            if (status == SRV_ADV_UNKNOWN)
                reason = "a package of this name could not be compared (see packages)";
        }
        int64_t nd = rel_devices(&rels[i]);
        if (status == SRV_ADV_AFFECTED)
            dev += nd;
        else if (status == SRV_ADV_UNKNOWN)
            unknown_dev += nd;
        int bad =
            json_object_set_new(r, "status",
                                json_string(status == SRV_ADV_AFFECTED  ? "contains"
                                            : status == SRV_ADV_UNKNOWN ? "unknown"
                                                                        : "does_not_contain"));
        if (reason != NULL)
            bad |= json_object_set_new(r, "reason", json_string(reason));
        if (json_array_size(pkgs) > 0)
            bad |= json_object_set(r, "packages", pkgs);
        json_decref(pkgs);
        if (rels[i].devices != NULL)
            bad |= json_object_set(r, "devices", (json_t *) rels[i].devices);
        if (bad != 0 || (status != SRV_ADV_NOT_AFFECTED ? json_array_append_new(list, r)
                                                        : (json_decref(r), 0)) != 0)
            nomem = true;
    }
    if (!nomem) {
        json_t *query = json_pack("{s:s}", "name", q->name);
        const char *keys[] = {"ecosystem", "below", "introduced", "fixed"};
        const char *vals[] = {q->ecosystem, q->below, q->introduced, q->fixed};
        for (size_t i = 0; query != NULL && i < 4; i++)
            if (vals[i] != NULL && json_object_set_new(query, keys[i], json_string(vals[i])) != 0) {
                json_decref(query);
                query = NULL;
            }
        if (query != NULL)
            *out = json_pack("{s:o, s:O, s:I, s:I}", "query", query, "releases", list, "devices",
                             (json_int_t) dev, "unknown_devices", (json_int_t) unknown_dev);
    }
    json_decref(list);
    return *out != NULL ? OTA_OK : OTA_E_NOMEM;
}
