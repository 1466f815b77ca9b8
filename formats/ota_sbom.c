/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_sbom.c — package lists (ota_sbom.h, formats/SBOM.md): SPDX and
 * CycloneDX JSON in, dpkg/opkg status in, the canonical list out and back.
 * Every rule below is a row of SBOM.md; formats/vectors/sbom/ has a case
 * for each input kind.
 */
#include "ota_sbom.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ota_json.h"
#include "ota_pkgver.h"
#include "ota_util.h"

/* The words in the messages below name these numbers. */
_Static_assert(OTA_SBOM_MAX_PACKAGES == 20000, "the package-count message says 20000");
_Static_assert(OTA_SBOM_MAX_FIELD == 256, "the field messages say 256");

/* a hex digit's value, or -1 */
static int
hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

#define WHY(w)                                                                                     \
    do {                                                                                           \
        if (why != NULL)                                                                           \
            *why = (w);                                                                            \
    } while (0)

/* ---- the list ---------------------------------------------------------------- */

static void
pkg_free(ota_sbom_pkg *p)
{
    free(p->name);
    free(p->version);
    free(p->ecosystem);
    free(p->purl);
    free(p->license);
    free(p->arch);
    free(p->source);
    free(p->source_version);
    memset(p, 0, sizeof *p);
}

void
ota_sbom_free(ota_sbom *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->npkgs; i++)
        pkg_free(&s->pkgs[i]);
    free(s->pkgs);
    memset(s, 0, sizeof *s);
}

/* The list being built: capacity grows up to the package bound. */
typedef struct builder {
    ota_sbom *s;
    size_t cap;
} builder;

static ota_err
add_pkg(builder *b, ota_sbom_pkg *p, const char **why)
{
    if (b->s->npkgs >= OTA_SBOM_MAX_PACKAGES) {
        WHY("more than 20000 packages");
        return OTA_E_LIMIT;
    }
    if (b->s->npkgs == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 64;
        if (ncap > OTA_SBOM_MAX_PACKAGES)
            ncap = OTA_SBOM_MAX_PACKAGES;
        ota_sbom_pkg *np = realloc(b->s->pkgs, ncap * sizeof *np);
        if (np == NULL) {
            WHY("out of memory");
            return OTA_E_NOMEM;
        }
        b->s->pkgs = np;
        b->cap = ncap;
    }
    b->s->pkgs[b->s->npkgs++] = *p;
    memset(p, 0, sizeof *p);
    return OTA_OK;
}

/* A string field: 1..max bytes, valid UTF-8, no control character (the
 * JSON reader has already refused NUL). */
static bool
text_ok(const char *s, size_t n, size_t max)
{
    if (!ota_text_ok(s, n, max))
        return false;
    json_t *t = json_stringn(s, n); /* jansson checks UTF-8 */
    bool ok = t != NULL;
    json_decref(t);
    return ok;
}

/* Copy s[0..n) into *dst after text_ok; the limit and form errors differ
 * so a caller can tell "too long" (OTA_E_LIMIT) from "bad" (OTA_E_FORMAT). */
static ota_err
set_field(char **dst, const char *s, size_t n, size_t max)
{
    if (n > max)
        return OTA_E_LIMIT;
    if (!text_ok(s, n, max))
        return OTA_E_FORMAT;
    char *c = malloc(n + 1);
    if (c == NULL)
        return OTA_E_NOMEM;
    memcpy(c, s, n);
    c[n] = '\0';
    free(*dst);
    *dst = c;
    return OTA_OK;
}

static int
nullcmp(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL); /* absent first */
    return strcmp(a, b);
}

/* SBOM.md "Order": by name, version, ecosystem, arch, purl, license,
 * source, source_version; bytewise, an absent field before any value. */
static int
pkg_cmp(const void *x, const void *y)
{
    const ota_sbom_pkg *a = x, *b = y;
    int c;
    if ((c = nullcmp(a->name, b->name)) != 0 || (c = nullcmp(a->version, b->version)) != 0 ||
        (c = nullcmp(a->ecosystem, b->ecosystem)) != 0 || (c = nullcmp(a->arch, b->arch)) != 0 ||
        (c = nullcmp(a->purl, b->purl)) != 0 || (c = nullcmp(a->license, b->license)) != 0 ||
        (c = nullcmp(a->source, b->source)) != 0)
        return c;
    return nullcmp(a->source_version, b->source_version);
}

static void
sort_dedup(ota_sbom *s)
{
    if (s->npkgs < 2)
        return;
    qsort(s->pkgs, s->npkgs, sizeof *s->pkgs, pkg_cmp);
    size_t w = 1;
    for (size_t r = 1; r < s->npkgs; r++) {
        if (pkg_cmp(&s->pkgs[w - 1], &s->pkgs[r]) == 0)
            pkg_free(&s->pkgs[r]);
        else
            s->pkgs[w++] = s->pkgs[r];
    }
    s->npkgs = w;
}

/* ---- purl ---------------------------------------------------------------------- */

const char *
ota_sbom_purl_ecosystem(const char *purl)
{
    static const struct {
        const char *type, *eco;
    } map[] = {
        {"cargo", "crates.io"}, {"composer", "Packagist"}, {"gem", "RubyGems"},
        {"golang", "Go"},       {"hex", "Hex"},            {"maven", "Maven"},
        {"npm", "npm"},         {"nuget", "NuGet"},        {"pub", "Pub"},
        {"pypi", "PyPI"},       {"swift", "SwiftURL"},
    };
    if (purl == NULL || strncmp(purl, "pkg:", 4) != 0)
        return NULL;
    const char *t = purl + 4;
    size_t n = strcspn(t, "/");
    if (t[n] != '/')
        return NULL;
    /* the type is case-insensitive (purl spec) */
    char type[16];
    if (n == 0 || n >= sizeof type)
        return NULL;
    for (size_t i = 0; i < n; i++)
        type[i] = (char) (t[i] >= 'A' && t[i] <= 'Z' ? t[i] - 'A' + 'a' : t[i]);
    type[n] = '\0';
    if (strcmp(type, "deb") == 0) { /* the namespace names the distribution */
        const char *ns = t + n + 1;
        return strncmp(ns, "debian/", 7) == 0 ? "Debian" : NULL;
    }
    if (strcmp(type, "apk") == 0)
        return strncmp(t + n + 1, "alpine/", 7) == 0 ? "Alpine" : NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(type, map[i].type) == 0)
            return map[i].eco;
    return NULL;
}

/* ---- SPDX and CycloneDX ------------------------------------------------------- */

/* A JSON member that must be a string when present: OTA_OK with *s NULL
 * when absent, OTA_E_FORMAT when present and not a string. */
static ota_err
opt_string(const json_t *o, const char *key, const char **s)
{
    const json_t *v = json_object_get(o, key);
    *s = NULL;
    if (v == NULL)
        return OTA_OK;
    if (!json_is_string(v))
        return OTA_E_FORMAT;
    *s = json_string_value(v);
    return OTA_OK;
}

/* Set one field of p from a JSON string v (NULL: absent). */
static ota_err
set_json(char **dst, const char *v, size_t max, const char *what_long, const char *what_bad,
         const char **why)
{
    if (v == NULL)
        return OTA_OK;
    ota_err rc = set_field(dst, v, strlen(v), max);
    if (rc == OTA_E_LIMIT)
        WHY(what_long);
    else if (rc == OTA_E_FORMAT)
        WHY(what_bad);
    else if (rc == OTA_E_NOMEM)
        WHY("out of memory");
    return rc;
}

/* The one purl rule of SBOM.md: "pkg:TYPE/...". */
static bool
purl_form(const char *purl)
{
    return strncmp(purl, "pkg:", 4) == 0 && strchr(purl + 4, '/') != NULL && purl[4] != '/';
}

/* A deb purl's "upstream" qualifier (syft writes the source package there:
 * upstream=NAME or upstream=NAME@VERSION, percent-encoded) into
 * p->source / p->source_version, each only when it differs from the
 * binary's.  Not a deb purl, or no such qualifier: nothing. */
static ota_err
deb_upstream(ota_sbom_pkg *p, const char *purl)
{
    if (strncmp(purl, "pkg:deb/", 8) != 0)
        return OTA_OK;
    const char *q = strchr(purl, '?');
    if (q == NULL)
        return OTA_OK;
    size_t qn = strcspn(q + 1, "#");
    const char *v = NULL, *end = q + 1 + qn;
    for (const char *k = q + 1; k < end;) {
        const char *amp = memchr(k, '&', (size_t) (end - k));
        size_t kn = (size_t) ((amp != NULL ? amp : end) - k);
        if (kn > 9 && memcmp(k, "upstream=", 9) == 0) {
            v = k + 9;
            end = k + kn;
            break;
        }
        k += kn + 1;
    }
    if (v == NULL)
        return OTA_OK;
    char dec[OTA_SBOM_MAX_PURL + 1];
    size_t n = 0;
    for (const char *c = v; c < end; c++) {
        int hi, lo;
        if (*c != '%') {
            dec[n++] = *c;
            continue;
        }
        if (end - c < 3 || (hi = hexval(c[1])) < 0 || (lo = hexval(c[2])) < 0)
            return OTA_E_FORMAT;
        dec[n++] = (char) (hi * 16 + lo);
        c += 2;
    }
    const char *at = memchr(dec, '@', n);
    size_t nn = at != NULL ? (size_t) (at - dec) : n;
    ota_err rc = OTA_OK;
    if (nn != strlen(p->name) || memcmp(dec, p->name, nn) != 0)
        rc = set_field(&p->source, dec, nn, OTA_SBOM_MAX_FIELD);
    if (rc == OTA_OK && at != NULL) {
        size_t vn = n - nn - 1;
        if (p->version == NULL || vn != strlen(p->version) || memcmp(at + 1, p->version, vn) != 0)
            rc = set_field(&p->source_version, at + 1, vn, OTA_MAX_PKGVER_LEN);
    }
    return rc;
}

/* name, version, purl (and its ecosystem, and a deb purl's source),
 * licence into p */
static ota_err
common_fields(ota_sbom_pkg *p, const char *name, const char *version, const char *purl,
              const char *license, const char **why)
{
    ota_err rc;
    if (name == NULL) {
        WHY("a package has no name");
        return OTA_E_FORMAT;
    }
    if ((rc = set_json(&p->name, name, OTA_SBOM_MAX_FIELD, "a package name is longer than 256 bytes",
                       "a package name is empty or has a control character", why)) != OTA_OK ||
        (rc = set_json(&p->version, version, OTA_MAX_PKGVER_LEN,
                       "a package version is longer than 256 bytes",
                       "a package version is empty or has a control character", why)) != OTA_OK ||
        (rc = set_json(&p->license, license, OTA_SBOM_MAX_FIELD,
                       "a licence is longer than 256 bytes",
                       "a licence is empty or has a control character", why)) != OTA_OK)
        return rc;
    if (purl != NULL) {
        if (!purl_form(purl)) {
            WHY("a purl is not pkg:TYPE/NAME");
            return OTA_E_FORMAT;
        }
        if ((rc = set_json(&p->purl, purl, OTA_SBOM_MAX_PURL, "a purl is longer than 1024 bytes",
                           "a purl has a control character", why)) != OTA_OK)
            return rc;
        if ((rc = deb_upstream(p, purl)) != OTA_OK) {
            WHY(rc == OTA_E_NOMEM ? "out of memory"
                                  : "a deb purl's upstream qualifier is not a percent-encoded "
                                    "name[@version] within the bounds");
            return rc;
        }
        const char *eco = ota_sbom_purl_ecosystem(purl);
        if (eco != NULL && (p->ecosystem = strdup(eco)) == NULL) {
            WHY("out of memory");
            return OTA_E_NOMEM;
        }
    }
    return OTA_OK;
}

/* SPDX's "NOASSERTION" and "NONE" say nothing: no licence. */
static const char *
spdx_license(const char *l)
{
    return l == NULL || strcmp(l, "NOASSERTION") == 0 || strcmp(l, "NONE") == 0 ? NULL : l;
}

static ota_err
spdx_packages(const json_t *doc, builder *b, const char **why)
{
    const json_t *pk = json_object_get(doc, "packages");
    if (pk == NULL)
        return OTA_OK;
    if (!json_is_array(pk)) {
        WHY("SPDX packages is not an array");
        return OTA_E_FORMAT;
    }
    if (json_array_size(pk) > OTA_SBOM_MAX_PACKAGES) {
        WHY("more than 20000 packages");
        return OTA_E_LIMIT;
    }
    size_t i;
    const json_t *o;
    json_array_foreach(pk, i, o)
    {
        if (!json_is_object(o)) {
            WHY("an SPDX package is not an object");
            return OTA_E_FORMAT;
        }
        const char *name, *spdxid, *version, *decl, *concl, *purl = NULL;
        if (opt_string(o, "name", &name) != OTA_OK || opt_string(o, "SPDXID", &spdxid) != OTA_OK ||
            opt_string(o, "versionInfo", &version) != OTA_OK ||
            opt_string(o, "licenseDeclared", &decl) != OTA_OK ||
            opt_string(o, "licenseConcluded", &concl) != OTA_OK) {
            WHY("an SPDX package's name, SPDXID, versionInfo or licence is not a string");
            return OTA_E_FORMAT;
        }
        if (spdxid == NULL) {
            WHY("an SPDX package has no SPDXID");
            return OTA_E_FORMAT;
        }
        const json_t *refs = json_object_get(o, "externalRefs");
        if (refs != NULL && !json_is_array(refs)) {
            WHY("an SPDX package's externalRefs is not an array");
            return OTA_E_FORMAT;
        }
        size_t j;
        const json_t *r;
        json_array_foreach(refs, j, r)
        {
            const char *type, *loc;
            if (!json_is_object(r) || opt_string(r, "referenceType", &type) != OTA_OK ||
                opt_string(r, "referenceLocator", &loc) != OTA_OK || type == NULL || loc == NULL) {
                WHY("an SPDX externalRef has no referenceType and referenceLocator strings");
                return OTA_E_FORMAT;
            }
            if (purl == NULL && strcmp(type, "purl") == 0)
                purl = loc; /* the first purl */
        }
        const char *lic = spdx_license(decl) ? spdx_license(decl) : spdx_license(concl);
        ota_sbom_pkg p = {0};
        ota_err rc = common_fields(&p, name, version, purl, lic, why);
        if (rc == OTA_OK)
            rc = add_pkg(b, &p, why);
        pkg_free(&p);
        if (rc != OTA_OK)
            return rc;
    }
    return OTA_OK;
}

/* A CycloneDX component's licence: licenses[0] as {"license": {"id"} or
 * {"name"}} or {"expression"}. */
static ota_err
cdx_license(const json_t *c, const char **out, const char **why)
{
    *out = NULL;
    const json_t *ls = json_object_get(c, "licenses");
    if (ls == NULL)
        return OTA_OK;
    if (!json_is_array(ls)) {
        WHY("a CycloneDX component's licenses is not an array");
        return OTA_E_FORMAT;
    }
    const json_t *l = json_array_get(ls, 0);
    if (l == NULL)
        return OTA_OK;
    if (!json_is_object(l)) {
        WHY("a CycloneDX licence choice is not an object");
        return OTA_E_FORMAT;
    }
    const char *expr, *id = NULL, *name = NULL;
    const json_t *lic = json_object_get(l, "license");
    if (opt_string(l, "expression", &expr) != OTA_OK ||
        (lic != NULL && (!json_is_object(lic) || opt_string(lic, "id", &id) != OTA_OK ||
                         opt_string(lic, "name", &name) != OTA_OK))) {
        WHY("a CycloneDX licence is not {license: {id|name}} or {expression}");
        return OTA_E_FORMAT;
    }
    *out = id ? id : name ? name : expr;
    return OTA_OK;
}

/* Components and their nested components, depth first, with an explicit
 * stack (the depth is bounded by the JSON reader's, and by the stack). */
static ota_err
cdx_components(const json_t *doc, builder *b, const char **why)
{
    struct {
        const json_t *arr;
        size_t i;
    } st[OTA_MAX_JSON_DEPTH];
    size_t depth = 0, seen = 0;
    const json_t *top = json_object_get(doc, "components");
    if (top == NULL)
        return OTA_OK;
    if (!json_is_array(top)) {
        WHY("CycloneDX components is not an array");
        return OTA_E_FORMAT;
    }
    st[depth].arr = top;
    st[depth++].i = 0;
    while (depth > 0) {
        if (st[depth - 1].i >= json_array_size(st[depth - 1].arr)) {
            depth--;
            continue;
        }
        const json_t *c = json_array_get(st[depth - 1].arr, st[depth - 1].i++);
        if (++seen > OTA_SBOM_MAX_PACKAGES) {
            WHY("more than 20000 packages");
            return OTA_E_LIMIT;
        }
        if (!json_is_object(c)) {
            WHY("a CycloneDX component is not an object");
            return OTA_E_FORMAT;
        }
        const char *type, *name, *version, *purl, *lic, *group;
        if (opt_string(c, "type", &type) != OTA_OK || opt_string(c, "name", &name) != OTA_OK ||
            opt_string(c, "version", &version) != OTA_OK || opt_string(c, "purl", &purl) != OTA_OK ||
            opt_string(c, "group", &group) != OTA_OK) {
            WHY("a CycloneDX component's type, name, group, version or purl is not a string");
            return OTA_E_FORMAT;
        }
        if (type == NULL) {
            WHY("a CycloneDX component has no type");
            return OTA_E_FORMAT;
        }
        ota_err rc = cdx_license(c, &lic, why);
        if (rc != OTA_OK)
            return rc;
        /* the name OSV knows: npm "@scope/name", Maven "group:artifact"
         * (by the purl's ecosystem; others keep the bare name) */
        char joined[2 * OTA_SBOM_MAX_FIELD + 2];
        const char *eco = ota_sbom_purl_ecosystem(purl);
        if (group != NULL && group[0] != '\0' && name != NULL && eco != NULL &&
            (strcmp(eco, "npm") == 0 || strcmp(eco, "Maven") == 0)) {
            if (strlen(group) > OTA_SBOM_MAX_FIELD || strlen(name) > OTA_SBOM_MAX_FIELD) {
                WHY("a package name is longer than 256 bytes");
                return OTA_E_LIMIT;
            }
            snprintf(joined, sizeof joined, "%s%s%s", group, eco[0] == 'n' ? "/" : ":", name);
            name = joined;
        }
        ota_sbom_pkg p = {0};
        rc = common_fields(&p, name, version, purl, lic, why);
        if (rc == OTA_OK)
            rc = add_pkg(b, &p, why);
        pkg_free(&p);
        if (rc != OTA_OK)
            return rc;
        const json_t *sub = json_object_get(c, "components");
        if (sub != NULL) {
            if (!json_is_array(sub)) {
                WHY("a CycloneDX component's components is not an array");
                return OTA_E_FORMAT;
            }
            if (depth == OTA_MAX_JSON_DEPTH) { /* not reached: the JSON depth is less */
                WHY("CycloneDX components nest too deep");
                return OTA_E_LIMIT;
            }
            st[depth].arr = sub;
            st[depth++].i = 0;
        }
    }
    return OTA_OK;
}

ota_err
ota_sbom_parse(const uint8_t *buf, size_t len, ota_sbom *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (len > OTA_SBOM_MAX_DOC_SIZE) {
        WHY("the SBOM document is larger than 16 MiB");
        return OTA_E_LIMIT;
    }
    json_t *doc = NULL;
    ota_err rc = ota_json_parse(buf, len, OTA_SBOM_MAX_DOC_SIZE, &doc);
    if (rc != OTA_OK) {
        WHY(rc == OTA_E_LIMIT ? "the SBOM document nests deeper than 32 levels"
                              : "the SBOM document is not strict JSON (syntax, UTF-8, a "
                                "duplicate key, \\u0000, a top level other than an object)");
        return rc;
    }
    const char *spdx = NULL, *bom = NULL, *spec = NULL;
    if (opt_string(doc, "spdxVersion", &spdx) != OTA_OK ||
        opt_string(doc, "bomFormat", &bom) != OTA_OK ||
        opt_string(doc, "specVersion", &spec) != OTA_OK) {
        json_decref(doc);
        WHY("spdxVersion, bomFormat or specVersion is not a string");
        return OTA_E_FORMAT;
    }
    builder b = {.s = out};
    if (spdx != NULL && bom == NULL) {
        if (strcmp(spdx, "SPDX-2.3") != 0 && strcmp(spdx, "SPDX-2.2") != 0) {
            json_decref(doc);
            WHY("unsupported SPDX version (SPDX-2.2 and SPDX-2.3 are read)");
            return OTA_E_UNSUPPORTED;
        }
        snprintf(out->source, sizeof out->source, "spdx-%s", spdx + 5);
        rc = spdx_packages(doc, &b, why);
    } else if (bom != NULL && spdx == NULL && strcmp(bom, "CycloneDX") == 0) {
        if (spec == NULL || (strcmp(spec, "1.4") != 0 && strcmp(spec, "1.5") != 0 &&
                             strcmp(spec, "1.6") != 0)) {
            json_decref(doc);
            WHY("unsupported CycloneDX specVersion (1.4, 1.5 and 1.6 are read)");
            return OTA_E_UNSUPPORTED;
        }
        snprintf(out->source, sizeof out->source, "cyclonedx-%s", spec);
        rc = cdx_components(doc, &b, why);
    } else {
        json_decref(doc);
        WHY("neither SPDX (spdxVersion) nor CycloneDX (bomFormat \"CycloneDX\") JSON");
        return OTA_E_FORMAT;
    }
    json_decref(doc);
    if (rc != OTA_OK) {
        ota_sbom_free(out);
        return rc;
    }
    ota_sha256(buf, len, out->sha256);
    sort_dedup(out);
    return OTA_OK;
}

/* ---- dpkg and opkg status ------------------------------------------------------ */

/* One stanza's fields we read: [p, p + n) into the buffer. */
typedef struct span {
    const char *p;
    size_t n;
    bool set;
} span;

typedef struct stanza {
    span package, version, arch, status, source;
} stanza;

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Status "want flag state": installed for our purposes (SBOM.md). */
static bool
installed(const span *st, ota_sbom_db db)
{
    char w[3][32];
    size_t k = 0, i = 0;
    while (i < st->n && k < 3) {
        while (i < st->n && is_blank(st->p[i]))
            i++;
        size_t j = i;
        while (j < st->n && !is_blank(st->p[j]))
            j++;
        if (j == i || j - i >= sizeof w[0])
            return false;
        memcpy(w[k], st->p + i, j - i);
        w[k++][j - i] = '\0';
        i = j;
    }
    while (i < st->n && is_blank(st->p[i]))
        i++;
    if (k != 3 || i != st->n)
        return false;
    bool want = strcmp(w[0], "install") == 0 || strcmp(w[0], "hold") == 0;
    bool flag = db == OTA_SBOM_OPKG || strcmp(w[1], "ok") == 0;
    return want && flag && strcmp(w[2], "installed") == 0;
}

static ota_err
stanza_end(builder *b, stanza *z, ota_sbom_db db, const char *eco, const char **why)
{
    if (!z->package.set && !z->version.set && !z->status.set && !z->arch.set && !z->source.set)
        return OTA_OK; /* nothing (blank lines) */
    if (!z->package.set) {
        WHY("a status stanza has no Package field");
        return OTA_E_FORMAT;
    }
    if (!z->status.set || !installed(&z->status, db))
        return OTA_OK; /* not installed (or no Status: not a status file's) */
    if (!z->version.set) {
        WHY("an installed package has no Version");
        return OTA_E_FORMAT;
    }
    ota_sbom_pkg p = {0};
    ota_err rc = set_field(&p.name, z->package.p, z->package.n, OTA_SBOM_MAX_FIELD);
    if (rc == OTA_OK)
        rc = set_field(&p.version, z->version.p, z->version.n, OTA_MAX_PKGVER_LEN);
    if (rc == OTA_OK && z->arch.set)
        rc = set_field(&p.arch, z->arch.p, z->arch.n, OTA_SBOM_MAX_FIELD);
    if (rc == OTA_OK && z->source.set) {
        /* "name" or "name (version)" */
        const char *s = z->source.p, *paren = memchr(s, '(', z->source.n);
        size_t nn = paren ? (size_t) (paren - s) : z->source.n;
        while (nn > 0 && is_blank(s[nn - 1]))
            nn--;
        rc = set_field(&p.source, s, nn, OTA_SBOM_MAX_FIELD);
        if (rc == OTA_OK && paren != NULL) {
            const char *v = paren + 1, *end = z->source.p + z->source.n;
            if (end - v < 2 || end[-1] != ')')
                rc = OTA_E_FORMAT;
            else
                rc = set_field(&p.source_version, v, (size_t) (end - 1 - v), OTA_MAX_PKGVER_LEN);
        }
        /* the same as the binary's: said once */
        if (rc == OTA_OK && strcmp(p.source, p.name) == 0) {
            free(p.source);
            p.source = NULL;
        }
        if (rc == OTA_OK && p.source_version != NULL && strcmp(p.source_version, p.version) == 0) {
            free(p.source_version);
            p.source_version = NULL;
        }
    }
    if (rc == OTA_OK && eco != NULL && (p.ecosystem = strdup(eco)) == NULL)
        rc = OTA_E_NOMEM;
    if (rc == OTA_E_LIMIT)
        WHY("a status field is longer than its bound (names 256, versions 256 bytes)");
    else if (rc == OTA_E_FORMAT)
        WHY("a status field is empty, not UTF-8 or has a control character, or Source is "
            "not \"name (version)\"");
    else if (rc == OTA_E_NOMEM)
        WHY("out of memory");
    if (rc == OTA_OK && db == OTA_SBOM_DPKG) {
        const char *vw = NULL;
        if (ota_debver_check(p.version, &vw) != OTA_OK ||
            (p.source_version != NULL && ota_debver_check(p.source_version, &vw) != OTA_OK)) {
            WHY("an installed package's Version is not a Debian version");
            rc = OTA_E_FORMAT;
        }
    }
    if (rc == OTA_OK)
        rc = add_pkg(b, &p, why);
    pkg_free(&p);
    return rc;
}

/* Field name [p, p+n) equals name, ASCII case-insensitive (deb822). */
static bool
field_is(const char *p, size_t n, const char *name)
{
    if (strlen(name) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char) (c - 'A' + 'a');
        char d = name[i];
        if (d >= 'A' && d <= 'Z')
            d = (char) (d - 'A' + 'a');
        if (c != d)
            return false;
    }
    return true;
}

ota_err
ota_sbom_from_status(const uint8_t *buf, size_t len, ota_sbom_db db, const char *eco,
                     ota_sbom *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (len > OTA_SBOM_MAX_STATUS_SIZE) {
        WHY("the status file is larger than 32 MiB");
        return OTA_E_LIMIT;
    }
    if (db != OTA_SBOM_DPKG && db != OTA_SBOM_OPKG)
        return OTA_E_ARG;
    builder b = {.s = out};
    stanza z;
    memset(&z, 0, sizeof z);
    bool have_field = false;
    ota_err rc = OTA_OK;
    const char *p = (const char *) buf, *end = p + len;
    while (rc == OTA_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const char *le = nl ? nl : end;
        if (memchr(p, '\0', (size_t) (le - p)) != NULL) {
            WHY("a NUL byte in the status file");
            rc = OTA_E_FORMAT;
        } else if (le == p) { /* blank line: the stanza ends */
            rc = stanza_end(&b, &z, db, eco, why);
            memset(&z, 0, sizeof z);
            have_field = false;
        } else if (is_blank(*p)) { /* continuation of the previous field */
            if (!have_field) {
                WHY("a continuation line with no field before it");
                rc = OTA_E_FORMAT;
            }
        } else {
            const char *colon = memchr(p, ':', (size_t) (le - p));
            size_t fn = colon ? (size_t) (colon - p) : 0;
            for (size_t i = 0; i < fn && colon != NULL; i++) {
                unsigned char c = (unsigned char) p[i];
                if (c <= ' ' || c >= 0x7f)
                    colon = NULL;
            }
            if (colon == NULL || fn == 0 || p[0] == '#' || p[0] == '-') {
                WHY("a line of the status file is not \"Field: value\"");
                rc = OTA_E_FORMAT;
                break;
            }
            const char *v = colon + 1, *ve = le;
            while (v < ve && is_blank(*v))
                v++;
            while (ve > v && (is_blank(ve[-1]) || ve[-1] == '\r'))
                ve--;
            span *f = field_is(p, fn, "Package")        ? &z.package
                      : field_is(p, fn, "Version")      ? &z.version
                      : field_is(p, fn, "Architecture") ? &z.arch
                      : field_is(p, fn, "Status")       ? &z.status
                      : field_is(p, fn, "Source")       ? &z.source
                                                        : NULL;
            if (f != NULL) {
                if (f->set) {
                    WHY("a field appears twice in one status stanza");
                    rc = OTA_E_FORMAT;
                }
                f->p = v;
                f->n = (size_t) (ve - v);
                f->set = true;
            }
            have_field = true;
        }
        p = nl ? nl + 1 : end;
    }
    if (rc == OTA_OK)
        rc = stanza_end(&b, &z, db, eco, why);
    if (rc != OTA_OK) {
        ota_sbom_free(out);
        return rc;
    }
    snprintf(out->source, sizeof out->source, "%s", db == OTA_SBOM_DPKG ? "dpkg-status" : "opkg-status");
    ota_sha256(buf, len, out->sha256);
    sort_dedup(out);
    return OTA_OK;
}

/* The ecosystem of a dpkg tree, into eco[16]: "Debian:N" when its
 * os-release says ID=debian and VERSION_ID=N, "Debian" when it says
 * ID=debian without a numeric release or there is no os-release, "" (none)
 * when it names another distribution (Ubuntu's versions are not Debian's
 * releases; no guess). */
static void
debian_release(int dfd, char eco[16])
{
    static const char *const where[] = {"usr/lib/os-release", "etc/os-release"};
    snprintf(eco, 16, "Debian");
    for (size_t w = 0; w < 2; w++) {
        uint8_t *t = NULL;
        size_t n = 0;
        if (ota_file_read_beneath(dfd, where[w], 64u * 1024u, &t, &n) != OTA_OK)
            continue; /* absent, or a link (etc/os-release usually is) */
        bool debian = false, id = false;
        char ver[8] = "";
        for (char *line = strtok((char *) t, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            char *eq = strchr(line, '=');
            if (eq == NULL)
                continue;
            *eq = '\0';
            char *v = eq + 1;
            size_t vn = strlen(v);
            if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
                v[vn - 1] = '\0';
                v++;
            }
            if (strcmp(line, "ID") == 0) {
                id = true;
                debian = strcmp(v, "debian") == 0;
            }
            else if (strcmp(line, "VERSION_ID") == 0 && strlen(v) >= 1 && strlen(v) <= 4 &&
                     strspn(v, "0123456789") == strlen(v))
                snprintf(ver, sizeof ver, "%s", v);
        }
        free(t);
        if (debian && ver[0] != '\0')
            snprintf(eco, 16, "Debian:%s", ver);
        else if (id && !debian)
            eco[0] = '\0';
        return;
    }
}

ota_err
ota_sbom_from_tree(const char *root, ota_sbom *out, const char **used, const char **why)
{
    static const struct {
        const char *path;
        ota_sbom_db db;
    } dbs[] = {
        {"var/lib/dpkg/status", OTA_SBOM_DPKG},
        {"usr/lib/opkg/status", OTA_SBOM_OPKG},
        {"var/lib/opkg/status", OTA_SBOM_OPKG},
    };
    memset(out, 0, sizeof *out);
    if (used != NULL)
        *used = NULL;
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        WHY("the root file system tree cannot be opened as a directory");
        return errno == ENOENT || errno == ENOTDIR ? OTA_E_NOT_FOUND : OTA_E_IO;
    }
    ota_err rc = OTA_E_NOT_FOUND;
    WHY("no var/lib/dpkg/status, usr/lib/opkg/status or var/lib/opkg/status in the tree");
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
        uint8_t *t = NULL;
        size_t n = 0;
        rc = ota_file_read_beneath(dfd, dbs[i].path, OTA_SBOM_MAX_STATUS_SIZE, &t, &n);
        if (rc == OTA_E_NOT_FOUND)
            continue;
        if (rc != OTA_OK) {
            WHY(rc == OTA_E_UNSAFE ? "a symbolic link on the way to the status file (not followed)"
                : rc == OTA_E_LIMIT ? "the status file is larger than 32 MiB"
                                    : "the status file cannot be read (not a regular file?)");
            break;
        }
        char eco[16];
        if (dbs[i].db == OTA_SBOM_DPKG)
            debian_release(dfd, eco);
        rc = ota_sbom_from_status(t, n, dbs[i].db,
                                  dbs[i].db == OTA_SBOM_DPKG && eco[0] != '\0' ? eco : NULL, out,
                                  why);
        free(t);
        if (rc == OTA_OK && used != NULL)
            *used = dbs[i].path;
        break;
    }
    close(dfd);
    return rc;
}

/* ---- the canonical list --------------------------------------------------------- */

static const char *const SOURCES[] = {"spdx-2.2",      "spdx-2.3",      "cyclonedx-1.4",
                                      "cyclonedx-1.5", "cyclonedx-1.6", "dpkg-status",
                                      "opkg-status"};

/* The package members, in the order of the struct (pkg_field). */
static const char *const FIELDS[] = {"name",    "version", "ecosystem", "purl",
                                     "license", "arch",    "source",    "source_version"};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])

static char **
pkg_field(ota_sbom_pkg *p, size_t i)
{
    char **f[NFIELDS] = {&p->name,    &p->version, &p->ecosystem, &p->purl,
                         &p->license, &p->arch,    &p->source,    &p->source_version};
    return f[i];
}

static size_t
field_max(size_t i)
{
    return i == 1 || i == 7 ? OTA_MAX_PKGVER_LEN : i == 3 ? OTA_SBOM_MAX_PURL : OTA_SBOM_MAX_FIELD;
}

ota_err
ota_sbom_encode(const ota_sbom *s, uint8_t **out, size_t *out_len)
{
    char hex[2 * OTA_SHA256_LEN + 1];
    ota_hex_encode(s->sha256, OTA_SHA256_LEN, hex);
    json_t *doc = json_object(), *arr = json_array();
    ota_err rc = doc && arr ? OTA_OK : OTA_E_NOMEM;
    if (rc == OTA_OK &&
        (json_object_set_new(doc, "format", json_integer(OTA_SBOM_FORMAT)) != 0 ||
         json_object_set_new(doc, "source", json_string(s->source)) != 0 ||
         json_object_set_new(doc, "sha256", json_string(hex)) != 0 ||
         json_object_set(doc, "packages", arr) != 0))
        rc = OTA_E_NOMEM;
    for (size_t i = 0; rc == OTA_OK && i < s->npkgs; i++) {
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            rc = OTA_E_NOMEM;
            break;
        }
        for (size_t f = 0; f < NFIELDS && rc == OTA_OK; f++) {
            const char *v = *pkg_field(&s->pkgs[i], f);
            if (v == NULL)
                continue;
            json_t *js = json_string(v);
            if (js == NULL) /* not UTF-8: the readers never let one in */
                rc = OTA_E_FORMAT;
            else if (json_object_set_new(o, FIELDS[f], js) != 0)
                rc = OTA_E_NOMEM;
        }
    }
    json_decref(arr);
    if (rc == OTA_OK) {
        rc = ota_json_canonical(doc, out, out_len);
        if (rc == OTA_OK && *out_len > OTA_SBOM_MAX_LIST_SIZE) {
            free(*out);
            *out = NULL;
            rc = OTA_E_LIMIT;
        }
    }
    json_decref(doc);
    return rc;
}

ota_err
ota_sbom_decode(const uint8_t *buf, size_t len, ota_sbom *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (len > OTA_SBOM_MAX_LIST_SIZE) {
        WHY("the package list is larger than 4 MiB");
        return OTA_E_LIMIT;
    }
    json_t *doc = NULL;
    ota_err rc = ota_json_parse(buf, len, OTA_SBOM_MAX_LIST_SIZE, &doc);
    if (rc != OTA_OK) {
        WHY("the package list is not strict JSON");
        return rc;
    }
    rc = OTA_E_FORMAT;
    const json_t *fmt = json_object_get(doc, "format");
    const char *src = json_string_value(json_object_get(doc, "source"));
    const char *sha = json_string_value(json_object_get(doc, "sha256"));
    const json_t *pk = json_object_get(doc, "packages");
    size_t hexlen = 0;
    if (!json_is_integer(fmt)) {
        WHY("the package list has no integer format");
    } else if (json_integer_value(fmt) != OTA_SBOM_FORMAT) {
        WHY("unsupported package list format (1 is read)");
        rc = OTA_E_UNSUPPORTED;
    } else if (json_object_size(doc) != 4 || src == NULL || sha == NULL || !json_is_array(pk)) {
        WHY("the package list is not {format, source, sha256, packages}");
    } else if (strlen(sha) != 2 * OTA_SHA256_LEN || strspn(sha, "0123456789abcdef") != strlen(sha) ||
               ota_hex_decode(sha, strlen(sha), out->sha256, OTA_SHA256_LEN, &hexlen) != OTA_OK) {
        WHY("sha256 is not 64 lower-case hex digits");
    } else if (json_array_size(pk) > OTA_SBOM_MAX_PACKAGES) {
        WHY("more than 20000 packages");
        rc = OTA_E_LIMIT;
    } else {
        bool known = false;
        for (size_t i = 0; i < sizeof SOURCES / sizeof SOURCES[0]; i++)
            known = known || strcmp(src, SOURCES[i]) == 0;
        if (!known)
            WHY("unknown source");
        else {
            snprintf(out->source, sizeof out->source, "%s", src);
            rc = OTA_OK;
        }
    }
    builder b = {.s = out};
    size_t i;
    const json_t *o;
    json_array_foreach(rc == OTA_OK ? pk : NULL, i, o)
    {
        if (!json_is_object(o)) {
            WHY("a package is not an object");
            rc = OTA_E_FORMAT;
            break;
        }
        ota_sbom_pkg p = {0};
        size_t seen = 0;
        for (size_t f = 0; f < NFIELDS && rc == OTA_OK; f++) {
            const json_t *v = json_object_get(o, FIELDS[f]);
            if (v == NULL)
                continue;
            seen++;
            if (!json_is_string(v)) {
                WHY("a package member is not a string");
                rc = OTA_E_FORMAT;
                break;
            }
            rc = set_field(pkg_field(&p, f), json_string_value(v), json_string_length(v),
                           field_max(f));
            if (rc != OTA_OK)
                WHY("a package member is empty, too long or has a control character");
        }
        if (rc == OTA_OK && (p.name == NULL || seen != json_object_size(o))) {
            WHY("a package has no name or an unknown member");
            rc = OTA_E_FORMAT;
        }
        if (rc == OTA_OK && p.purl != NULL && !purl_form(p.purl)) {
            WHY("a purl is not pkg:TYPE/NAME");
            rc = OTA_E_FORMAT;
        }
        if (rc == OTA_OK)
            rc = add_pkg(&b, &p, why);
        pkg_free(&p);
        if (rc != OTA_OK)
            break;
    }
    json_decref(doc);
    /* one list, one encoding: sorted, no duplicates, canonical bytes */
    for (size_t k = 1; rc == OTA_OK && k < out->npkgs; k++)
        if (pkg_cmp(&out->pkgs[k - 1], &out->pkgs[k]) >= 0) {
            WHY("the packages are not sorted, or one is listed twice");
            rc = OTA_E_FORMAT;
        }
    uint8_t *re = NULL;
    size_t relen = 0;
    if (rc == OTA_OK) {
        rc = ota_sbom_encode(out, &re, &relen);
        if (rc == OTA_OK && (relen != len || memcmp(re, buf, len) != 0)) {
            WHY("the package list is not in canonical form (order, duplicates, bytes)");
            rc = OTA_E_FORMAT;
        }
        free(re);
    }
    if (rc != OTA_OK)
        ota_sbom_free(out);
    return rc;
}
