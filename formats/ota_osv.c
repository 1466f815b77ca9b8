/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_osv.c — OSV advisories (ota_osv.h, formats/ADVISORIES.md): the
 * strict reader and OSV's range evaluation (the schema's IsVulnerable,
 * IncludedInRanges and BeforeLimits pseudo-code, versions compared by
 * ota_pkgver.h).
 */
#include "ota_osv.h"

#include <stdlib.h>
#include <string.h>

#include "ota_id.h"
#include "ota_json.h"
#include "ota_util.h"

/* The words in the messages below name these numbers. */
_Static_assert(OTA_OSV_MAX_SIZE == 4u * 1024u * 1024u, "the size message says 4 MiB");

#define WHY(w)                                                                                     \
    do {                                                                                           \
        if (why != NULL)                                                                           \
            *why = (w);                                                                            \
    } while (0)

void
ota_osv_free(ota_osv *adv)
{
    if (adv == NULL)
        return;
    for (size_t i = 0; i < adv->naffected; i++) {
        ota_osv_affected *a = &adv->affected[i];
        for (size_t j = 0; j < a->nranges; j++)
            free(a->ranges[j].events);
        free(a->ranges);
        free(a->versions);
    }
    free(adv->affected);
    free(adv->aliases);
    json_decref(adv->doc);
    memset(adv, 0, sizeof *adv);
}

/* A string of 1..max bytes without control characters (the JSON reader
 * refused NUL and invalid UTF-8). */
static bool
text_ok(const json_t *v, size_t max)
{
    return json_is_string(v) && ota_text_ok(json_string_value(v), json_string_length(v), max);
}

/* free text (summary, details): newlines and tabs allowed */
static bool
prose_ok(const json_t *v, size_t max)
{
    if (!json_is_string(v) || json_string_length(v) > max)
        return false;
    const char *s = json_string_value(v);
    for (size_t i = 0; i < json_string_length(v); i++) {
        unsigned char c = (unsigned char) s[i];
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
            return false;
    }
    return true;
}

/* RFC 3339 in UTC as OSV writes it: YYYY-MM-DDTHH:MM:SS[.fraction]Z */
static bool
time_ok(const json_t *v)
{
    if (!text_ok(v, 40))
        return false;
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n < 20 || s[n - 1] != 'Z')
        return false;
    if (n > 20 && (s[19] != '.' || n < 22 || strspn(s + 20, "0123456789") != n - 21))
        return false;
    char t[21];
    memcpy(t, s, 19);
    t[19] = 'Z';
    t[20] = '\0';
    int64_t sec;
    return ota_time_parse(t, &sec) == OTA_OK;
}

/* Compare version strings of one range: "0" as introduced sorts first, "*"
 * as limit last (OSV "Special values"). */
/* 0 for an ordinary version, -1 for introduced "0" (before every version),
 * 1 for limit "*" (after every version): OSV "Special values". */
static int
special(const ota_osv_event *e)
{
    if (e->kind == OTA_OSV_INTRODUCED && strcmp(e->version, "0") == 0)
        return -1;
    if (e->kind == OTA_OSV_LIMIT && strcmp(e->version, "*") == 0)
        return 1;
    return 0;
}

/* A version v against an event version e of the same scheme (both checked
 * before): <0, 0, >0. */
static int
vcmp(ota_pkgver_scheme s, const char *v, const char *e)
{
    int c = 0;
    if (ota_pkgver_cmp(s, v, e, &c, NULL) != OTA_OK)
        return 0;
    return c;
}

/* The order of sorted(range.events). */
static int
event_cmp(ota_pkgver_scheme s, const ota_osv_event *a, const ota_osv_event *b)
{
    int sa = special(a), sb = special(b);
    if (sa != 0 || sb != 0)
        return (sa > sb) - (sa < sb);
    return vcmp(s, a->version, b->version);
}

static ota_err
parse_range(const json_t *r, ota_pkgver_scheme eco_scheme, ota_osv_range *out, size_t *total,
            const char **why)
{
    const char *type = json_string_value(json_object_get(r, "type"));
    const json_t *ev = json_object_get(r, "events");
    if (!json_is_object(r) || type == NULL || !json_is_array(ev)) {
        WHY("a range is not an object with a type string and an events array");
        return OTA_E_FORMAT;
    }
    if (strcmp(type, "ECOSYSTEM") == 0) {
        out->type = OTA_OSV_ECOSYSTEM;
        out->scheme = eco_scheme;
    } else if (strcmp(type, "SEMVER") == 0) {
        out->type = OTA_OSV_SEMVER;
        out->scheme = OTA_PKGVER_SEMVER;
    } else if (strcmp(type, "GIT") == 0) {
        out->type = OTA_OSV_GIT;
        out->scheme = OTA_PKGVER_NONE;
        if (!text_ok(json_object_get(r, "repo"), 4096)) {
            WHY("a GIT range has no repo");
            return OTA_E_FORMAT;
        }
    } else {
        WHY("a range type is not ECOSYSTEM, SEMVER or GIT");
        return OTA_E_FORMAT;
    }
    size_t n = json_array_size(ev);
    if (n == 0 || n > OTA_OSV_MAX_EVENTS || n > OTA_OSV_MAX_EVENTS_TOTAL - *total) {
        WHY(n == 0 ? "a range has no events"
                   : "more than 256 events in a range or 4096 in the advisory");
        return n == 0 ? OTA_E_FORMAT : OTA_E_LIMIT;
    }
    *total += n;
    out->events = calloc(n, sizeof *out->events);
    if (out->events == NULL) {
        WHY("out of memory");
        return OTA_E_NOMEM;
    }
    bool introduced = false, fixed = false, last = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(ev, i);
        static const char *const kinds[] = {"introduced", "fixed", "last_affected", "limit"};
        if (!json_is_object(e) || json_object_size(e) != 1) {
            WHY("an event is not an object with exactly one member");
            return OTA_E_FORMAT;
        }
        ota_osv_event *o = &out->events[out->nevents];
        for (int k = 0; k < 4; k++) {
            const json_t *v = json_object_get(e, kinds[k]);
            if (v == NULL)
                continue;
            if (!text_ok(v, OTA_MAX_PKGVER_LEN)) {
                WHY("an event version is not a string of 1-256 bytes without control "
                    "characters");
                return json_is_string(v) && json_string_length(v) > OTA_MAX_PKGVER_LEN
                           ? OTA_E_LIMIT
                           : OTA_E_FORMAT;
            }
            o->kind = (ota_osv_event_kind) (k + 1);
            o->version = json_string_value(v);
        }
        if (o->version == NULL) {
            WHY("an event is not introduced, fixed, last_affected or limit");
            return OTA_E_FORMAT;
        }
        introduced |= o->kind == OTA_OSV_INTRODUCED;
        fixed |= o->kind == OTA_OSV_FIXED;
        last |= o->kind == OTA_OSV_LAST_AFFECTED;
        if (special(o) == 0 && out->scheme != OTA_PKGVER_NONE &&
            ota_pkgver_check(out->scheme, o->version, NULL) != OTA_OK) {
            WHY(out->scheme == OTA_PKGVER_SEMVER
                    ? "a SEMVER range's version is not a semantic version"
                    : "an ECOSYSTEM range's version is not a version of its ecosystem");
            return OTA_E_FORMAT;
        }
        out->nevents++;
    }
    if (!introduced) {
        WHY("a range has no introduced event");
        return OTA_E_FORMAT;
    }
    if (fixed && last) {
        WHY("a range has both fixed and last_affected events");
        return OTA_E_FORMAT;
    }
    /* sorted(range.events): insertion sort (stable; n <= 256) */
    if (out->scheme != OTA_PKGVER_NONE)
        for (size_t i = 1; i < out->nevents; i++) {
            ota_osv_event x = out->events[i];
            size_t j = i;
            while (j > 0 && event_cmp(out->scheme, &out->events[j - 1], &x) > 0) {
                out->events[j] = out->events[j - 1];
                j--;
            }
            out->events[j] = x;
        }
    return OTA_OK;
}

static ota_err
parse_affected(const json_t *a, ota_osv_affected *out, size_t *total, const char **why)
{
    if (!json_is_object(a)) {
        WHY("an affected entry is not an object");
        return OTA_E_FORMAT;
    }
    ota_pkgver_scheme eco = OTA_PKGVER_NONE;
    const json_t *pkg = json_object_get(a, "package");
    if (pkg != NULL) {
        const json_t *e = json_object_get(pkg, "ecosystem"), *n = json_object_get(pkg, "name"),
                     *p = json_object_get(pkg, "purl");
        if (!json_is_object(pkg) || !text_ok(e, OTA_SBOM_MAX_FIELD) ||
            !text_ok(n, OTA_SBOM_MAX_FIELD) || (p != NULL && !text_ok(p, OTA_SBOM_MAX_PURL))) {
            WHY("a package is not {ecosystem, name[, purl]} strings of at most 256 bytes "
                "(purl 1024)");
            return OTA_E_FORMAT;
        }
        out->ecosystem = json_string_value(e);
        out->name = json_string_value(n);
        out->purl = json_string_value(p);
        if (ota_pkgver_ecosystem(out->ecosystem, &eco, NULL) != OTA_OK)
            eco = OTA_PKGVER_NONE;
    }
    const json_t *rs = json_object_get(a, "ranges"), *vs = json_object_get(a, "versions");
    if ((rs != NULL && !json_is_array(rs)) || (vs != NULL && !json_is_array(vs))) {
        WHY("ranges or versions is not an array");
        return OTA_E_FORMAT;
    }
    if (json_array_size(rs) > OTA_OSV_MAX_RANGES || json_array_size(vs) > OTA_OSV_MAX_VERSIONS) {
        WHY("more than 64 ranges or 20000 versions in an affected entry");
        return OTA_E_LIMIT;
    }
    if (json_array_size(rs) > 0 &&
        (out->ranges = calloc(json_array_size(rs), sizeof *out->ranges)) == NULL) {
        WHY("out of memory");
        return OTA_E_NOMEM;
    }
    for (size_t i = 0; i < json_array_size(rs); i++) {
        ota_err rc = parse_range(json_array_get(rs, i), eco, &out->ranges[i], total, why);
        out->nranges = i + 1; /* freed by ota_osv_free either way */
        if (rc != OTA_OK)
            return rc;
    }
    if (json_array_size(vs) > 0 &&
        (out->versions = calloc(json_array_size(vs), sizeof *out->versions)) == NULL) {
        WHY("out of memory");
        return OTA_E_NOMEM;
    }
    for (size_t i = 0; i < json_array_size(vs); i++) {
        const json_t *v = json_array_get(vs, i);
        if (!text_ok(v, OTA_MAX_PKGVER_LEN)) {
            WHY("a listed version is not a string of 1-256 bytes without control characters");
            return OTA_E_FORMAT;
        }
        out->versions[out->nversions++] = json_string_value(v);
    }
    return OTA_OK;
}

ota_err
ota_osv_parse(const uint8_t *buf, size_t len, ota_osv *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (len > OTA_OSV_MAX_SIZE) {
        WHY("the advisory is larger than 4 MiB");
        return OTA_E_LIMIT;
    }
    ota_err rc = ota_json_parse(buf, len, OTA_OSV_MAX_SIZE, &out->doc);
    if (rc != OTA_OK) {
        WHY(rc == OTA_E_LIMIT ? "the advisory nests deeper than 32 levels"
                              : "the advisory is not strict JSON (syntax, UTF-8, a duplicate "
                                "key, \\u0000, a top level other than an object)");
        return rc;
    }
    const json_t *d = out->doc;
    const json_t *id = json_object_get(d, "id"), *mod = json_object_get(d, "modified"),
                 *pub = json_object_get(d, "published"), *wd = json_object_get(d, "withdrawn"),
                 *sum = json_object_get(d, "summary"), *det = json_object_get(d, "details"),
                 *al = json_object_get(d, "aliases"), *af = json_object_get(d, "affected"),
                 *sv = json_object_get(d, "schema_version");
    rc = OTA_E_FORMAT;
    if (!json_is_string(id) || !ota_id_valid(json_string_value(id)))
        WHY("id is not an id (1-128 bytes of A-Z a-z 0-9 . _ : -)");
    else if (!time_ok(mod))
        WHY("modified is not an RFC 3339 UTC time");
    else if ((pub != NULL && !time_ok(pub)) || (wd != NULL && !time_ok(wd)))
        WHY("published or withdrawn is not an RFC 3339 UTC time");
    else if (sv != NULL && (!json_is_string(sv) || strncmp(json_string_value(sv), "1.", 2) != 0))
        WHY("schema_version is not 1.x");
    else if ((sum != NULL && !json_is_string(sum)) || (det != NULL && !json_is_string(det)))
        WHY("summary or details is not a string");
    else if ((sum != NULL && !prose_ok(sum, OTA_OSV_MAX_SUMMARY)) ||
             (det != NULL && !prose_ok(det, OTA_OSV_MAX_DETAILS))) {
        WHY("summary is longer than 1 KiB or details than 64 KiB (or has control characters)");
        rc = json_string_length(sum) > OTA_OSV_MAX_SUMMARY ||
                     json_string_length(det) > OTA_OSV_MAX_DETAILS
                 ? OTA_E_LIMIT
                 : OTA_E_FORMAT;
    } else if ((al != NULL && !json_is_array(al)) || (af != NULL && !json_is_array(af)))
        WHY("aliases or affected is not an array");
    else if (json_array_size(al) > OTA_OSV_MAX_ALIASES ||
             json_array_size(af) > OTA_OSV_MAX_AFFECTED) {
        WHY("more than 64 aliases or 1024 affected entries");
        rc = OTA_E_LIMIT;
    } else
        rc = OTA_OK;
    if (rc == OTA_OK) {
        out->id = json_string_value(id);
        out->modified = json_string_value(mod);
        out->published = json_string_value(pub);
        out->withdrawn = json_string_value(wd);
        out->summary = json_string_value(sum);
        out->details = json_string_value(det);
        if (json_array_size(al) > 0 &&
            (out->aliases = calloc(json_array_size(al), sizeof *out->aliases)) == NULL)
            rc = OTA_E_NOMEM;
        for (size_t i = 0; rc == OTA_OK && i < json_array_size(al); i++) {
            const json_t *a = json_array_get(al, i);
            if (!json_is_string(a) || !ota_id_valid(json_string_value(a))) {
                WHY("an alias is not an id");
                rc = OTA_E_FORMAT;
            } else
                out->aliases[out->naliases++] = json_string_value(a);
        }
    }
    if (rc == OTA_OK && json_array_size(af) > 0 &&
        (out->affected = calloc(json_array_size(af), sizeof *out->affected)) == NULL)
        rc = OTA_E_NOMEM;
    size_t total = 0;
    for (size_t i = 0; rc == OTA_OK && i < json_array_size(af); i++) {
        rc = parse_affected(json_array_get(af, i), &out->affected[i], &total, why);
        out->naffected = i + 1;
    }
    if (rc == OTA_E_NOMEM)
        WHY("out of memory");
    if (rc != OTA_OK)
        ota_osv_free(out);
    return rc;
}

/* ---- evaluation ----------------------------------------------------------------- */

bool
ota_osv_ecosystem_match(const char *adv, const char *q)
{
    if (strcmp(adv, q) == 0)
        return true;
    size_t an = strcspn(adv, ":"), qn = strcspn(q, ":");
    bool arel = adv[an] == ':', qrel = q[qn] == ':';
    return arel != qrel && an == qn && memcmp(adv, q, an) == 0;
}

/* BeforeLimits */
static bool
before_limits(const ota_osv_range *r, const char *v)
{
    bool any = false;
    for (size_t i = 0; i < r->nevents; i++) {
        const ota_osv_event *e = &r->events[i];
        if (e->kind != OTA_OSV_LIMIT)
            continue;
        any = true;
        if (special(e) > 0 || vcmp(r->scheme, v, e->version) < 0)
            return true;
    }
    return !any; /* no limit: an implicit "*" */
}

/* IncludedInRanges for one range (events sorted at parse time) */
static bool
in_range(const ota_osv_range *r, const char *v)
{
    if (!before_limits(r, v))
        return false;
    bool vulnerable = false;
    for (size_t i = 0; i < r->nevents; i++) {
        const ota_osv_event *e = &r->events[i];
        if (e->kind == OTA_OSV_INTRODUCED &&
            (special(e) < 0 || vcmp(r->scheme, v, e->version) >= 0))
            vulnerable = true;
        else if (e->kind == OTA_OSV_FIXED && vcmp(r->scheme, v, e->version) >= 0)
            vulnerable = false;
        else if (e->kind == OTA_OSV_LAST_AFFECTED && vcmp(r->scheme, v, e->version) > 0)
            vulnerable = false;
    }
    return vulnerable;
}

typedef struct verdict {
    bool affected, unsupported, badver, git;
} verdict;

/* IsVulnerable over every matching entry */
static verdict
evaluate(const ota_osv *adv, const char *eco, const char *name, const char *v)
{
    verdict d = {0};
    if (adv->withdrawn != NULL)
        return d;
    for (size_t i = 0; i < adv->naffected; i++) {
        const ota_osv_affected *a = &adv->affected[i];
        if (a->name == NULL || strcmp(a->name, name) != 0 ||
            !ota_osv_ecosystem_match(a->ecosystem, eco))
            continue;
        for (size_t k = 0; k < a->nranges; k++)
            d.git |= a->ranges[k].type == OTA_OSV_GIT;
        ota_pkgver_scheme es = OTA_PKGVER_NONE;
        if (ota_pkgver_ecosystem(a->ecosystem, &es, NULL) != OTA_OK)
            es = OTA_PKGVER_NONE;
        /* IncludedInVersions: equal under the ecosystem's order when it has
         * one (and both are versions of it), else equal strings */
        for (size_t k = 0; k < a->nversions && !d.affected; k++) {
            int c = 1;
            if (es != OTA_PKGVER_NONE && ota_pkgver_cmp(es, v, a->versions[k], &c, NULL) == OTA_OK)
                d.affected = c == 0;
            else
                d.affected = strcmp(v, a->versions[k]) == 0;
        }
        for (size_t k = 0; k < a->nranges && !d.affected; k++) {
            const ota_osv_range *r = &a->ranges[k];
            if (r->type == OTA_OSV_GIT)
                continue;
            if (r->scheme == OTA_PKGVER_NONE) {
                d.unsupported = true;
                continue;
            }
            if (ota_pkgver_check(r->scheme, v, NULL) != OTA_OK) {
                d.badver = true;
                continue;
            }
            d.affected = in_range(r, v);
        }
    }
    return d;
}

ota_err
ota_osv_affects(const ota_osv *adv, const char *ecosystem, const char *name, const char *version,
                ota_osv_match *out)
{
    memset(out, 0, sizeof *out);
    if (adv == NULL || ecosystem == NULL || name == NULL || version == NULL)
        return OTA_E_ARG;
    verdict d = evaluate(adv, ecosystem, name, version);
    out->git_ignored = d.git;
    if (!d.affected)
        return d.unsupported ? OTA_E_UNSUPPORTED : d.badver ? OTA_E_FORMAT : OTA_OK;
    out->affected = true;
    /* the lowest fixed version above `version` that is not affected itself
     * (another range may cover it) and is decided */
    ota_pkgver_scheme best_scheme = OTA_PKGVER_NONE;
    for (size_t i = 0; i < adv->naffected; i++) {
        const ota_osv_affected *a = &adv->affected[i];
        if (a->name == NULL || strcmp(a->name, name) != 0 ||
            !ota_osv_ecosystem_match(a->ecosystem, ecosystem))
            continue;
        for (size_t k = 0; k < a->nranges; k++) {
            const ota_osv_range *r = &a->ranges[k];
            if (r->scheme == OTA_PKGVER_NONE || ota_pkgver_check(r->scheme, version, NULL) != OTA_OK)
                continue;
            for (size_t j = 0; j < r->nevents; j++) {
                const char *f = r->events[j].version;
                if (r->events[j].kind != OTA_OSV_FIXED || vcmp(r->scheme, f, version) <= 0)
                    continue;
                if (out->fixed != NULL &&
                    (best_scheme != r->scheme || vcmp(r->scheme, f, out->fixed) >= 0))
                    continue; /* not lower (another scheme: the first found stays) */
                /* a fix is one this advisory says is not affected: not one
                 * another entry for the package leaves undecided (its
                 * scheme unsupported, or `f` not a version of it) */
                verdict fv = evaluate(adv, ecosystem, name, f);
                if (fv.affected || fv.unsupported || fv.badver)
                    continue;
                out->fixed = f;
                best_scheme = r->scheme;
            }
        }
    }
    return OTA_OK;
}
