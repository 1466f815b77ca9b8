/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_tuf.c — the TUF 1.0 metadata model (ota_tuf.h): parse and validate
 * root, timestamp, snapshot, targets and delegations; verify signature
 * thresholds (each key once, each keyid once); expiry; delegation matching;
 * sign and serialize.
 */
#include "ota_tuf.h"

#include <ctype.h>
#include <fnmatch.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ota_json.h"
#include "ota_util.h"

static const char *const role_names[OTA_ROLE_COUNT] = {"root", "timestamp", "snapshot",
                                                       "targets"};

const char *
ota_role_name(ota_role_type t)
{
    return (unsigned) t < OTA_ROLE_COUNT ? role_names[t] : "unknown";
}

int
ota_role_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < OTA_ROLE_COUNT; i++)
        if (strcmp(name, role_names[i]) == 0)
            return i;
    return -1;
}

/* ---- views: everything allocated per parse, freed together ------------- */

typedef struct views {
    const char *spec_version;
    int64_t version, expires;
    bool consistent_snapshot;
    ota_role_keys roles[OTA_ROLE_COUNT];
    ota_keyring keys;
    ota_metafile *meta;
    size_t nmeta;
    ota_target *targets;
    size_t ntargets;
    bool has_delegations;
    ota_delegation *dels;
    size_t ndels;
    ota_sig *sigs;
    size_t nsigs;
    uint8_t *canon;
    size_t canon_len;
} views;

static void
role_keys_free(ota_role_keys *rk)
{
    free(rk->keyids);
    rk->keyids = NULL;
    rk->nkeyids = 0;
}

static void
views_free(views *v)
{
    for (int i = 0; i < OTA_ROLE_COUNT; i++)
        role_keys_free(&v->roles[i]);
    free(v->keys.keys);
    free(v->meta);
    free(v->targets);
    for (size_t i = 0; i < v->ndels; i++) {
        role_keys_free(&v->dels[i].rk);
        free(v->dels[i].patterns);
    }
    free(v->dels);
    free(v->sigs);
    free(v->canon);
    memset(v, 0, sizeof *v);
}

/* ---- field helpers ----------------------------------------------------- */

/* A non-negative integer that fits the limits (>= min). */
static ota_err
get_int(const json_t *obj, const char *name, int64_t min, int64_t *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v))
        return OTA_E_FORMAT;
    json_int_t x = json_integer_value(v);
    if (x < min || x > OTA_MAX_JSON_INT)
        return OTA_E_FORMAT;
    *out = (int64_t) x;
    return OTA_OK;
}

static const char *
get_str(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Array of unique strings, at most max, each at most max_len bytes and
 * non-empty.  *out is a malloc'd array of borrowed pointers. */
static ota_err
get_str_array(const json_t *arr, size_t max, size_t max_len, bool unique, const char ***out,
              size_t *n_out)
{
    if (!json_is_array(arr))
        return OTA_E_FORMAT;
    size_t n = json_array_size(arr);
    if (n > max)
        return OTA_E_LIMIT;
    const char **list = calloc(n ? n : 1, sizeof *list);
    if (list == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || json_string_length(s) == 0 ||
            json_string_length(s) > max_len) {
            free(list);
            return OTA_E_FORMAT;
        }
        list[i] = json_string_value(s);
        for (size_t j = 0; unique && j < i; j++) {
            if (strcmp(list[j], list[i]) == 0) {
                free(list);
                return OTA_E_FORMAT;
            }
        }
    }
    *out = list;
    *n_out = n;
    return OTA_OK;
}

static ota_err
parse_role_keys(const json_t *obj, ota_role_keys *rk)
{
    if (!json_is_object(obj))
        return OTA_E_FORMAT;
    const json_t *th = json_object_get(obj, "threshold");
    if (!json_is_integer(th))
        return OTA_E_FORMAT;
    if (json_integer_value(th) < 1)
        return OTA_E_THRESHOLD;
    if (json_integer_value(th) > OTA_MAX_ROLE_KEYIDS)
        return OTA_E_THRESHOLD;
    ota_err rc = get_str_array(json_object_get(obj, "keyids"), OTA_MAX_ROLE_KEYIDS,
                               OTA_MAX_KEYID_LEN, true, &rk->keyids, &rk->nkeyids);
    if (rc != OTA_OK)
        return rc;
    rk->threshold = (int64_t) json_integer_value(th);
    return OTA_OK;
}

static ota_err
parse_keys(const json_t *obj, ota_keyring *ring)
{
    if (!json_is_object(obj))
        return OTA_E_FORMAT;
    size_t n = json_object_size(obj);
    if (n > OTA_MAX_KEYS)
        return OTA_E_LIMIT;
    ring->keys = calloc(n ? n : 1, sizeof *ring->keys);
    if (ring->keys == NULL)
        return OTA_E_NOMEM;
    const char *keyid;
    json_t *kv;
    json_object_foreach((json_t *) obj, keyid, kv)
    {
        if (strlen(keyid) == 0 || strlen(keyid) > OTA_MAX_KEYID_LEN)
            return OTA_E_FORMAT;
        ota_err rc = ota_key_parse(keyid, kv, &ring->keys[ring->nkeys]);
        if (rc != OTA_OK)
            return rc;
        ring->nkeys++;
    }
    return OTA_OK;
}

static ota_err
parse_hashes(const json_t *obj, ota_hashes *h)
{
    memset(h, 0, sizeof *h);
    if (!json_is_object(obj) || json_object_size(obj) == 0)
        return OTA_E_FORMAT;
    if (json_object_size(obj) > 16)
        return OTA_E_LIMIT;
    const char *alg;
    json_t *v;
    json_object_foreach((json_t *) obj, alg, v)
    {
        if (!json_is_string(v))
            return OTA_E_FORMAT;
        const char *hex = json_string_value(v);
        size_t hex_len = json_string_length(v);
        size_t n = 0;
        if (strcmp(alg, "sha256") == 0) {
            if (hex_len != 64 || ota_hex_decode(hex, hex_len, h->sha256, 32, &n) != OTA_OK)
                return OTA_E_FORMAT;
            h->has_sha256 = true;
        } else if (strcmp(alg, "sha512") == 0) {
            if (hex_len != 128 || ota_hex_decode(hex, hex_len, h->sha512, 64, &n) != OTA_OK)
                return OTA_E_FORMAT;
            h->has_sha512 = true;
        }
        h->count++;
    }
    return OTA_OK;
}

static ota_err
parse_metafile(const char *name, const json_t *obj, ota_metafile *m)
{
    memset(m, 0, sizeof *m);
    if (!json_is_object(obj) || strlen(name) == 0 || strlen(name) > OTA_MAX_PATH_LEN)
        return OTA_E_FORMAT;
    m->name = name;
    ota_err rc = get_int(obj, "version", 1, &m->version);
    if (rc != OTA_OK)
        return rc;
    if (json_object_get(obj, "length") != NULL) {
        rc = get_int(obj, "length", 1, &m->length);
        if (rc != OTA_OK)
            return rc;
        m->has_length = true;
    }
    if (json_object_get(obj, "hashes") != NULL) {
        rc = parse_hashes(json_object_get(obj, "hashes"), &m->hashes);
        if (rc != OTA_OK)
            return rc;
    }
    return OTA_OK;
}

static ota_err
parse_meta(const json_t *obj, views *v, bool timestamp)
{
    if (!json_is_object(obj))
        return OTA_E_FORMAT;
    size_t n = json_object_size(obj);
    if (timestamp && (n != 1 || json_object_get(obj, "snapshot.json") == NULL))
        return OTA_E_FORMAT;
    if (n > OTA_MAX_DELEGATIONS + 1)
        return OTA_E_LIMIT;
    v->meta = calloc(n ? n : 1, sizeof *v->meta);
    if (v->meta == NULL)
        return OTA_E_NOMEM;
    const char *name;
    json_t *mv;
    json_object_foreach((json_t *) obj, name, mv)
    {
        ota_err rc = parse_metafile(name, mv, &v->meta[v->nmeta]);
        if (rc != OTA_OK)
            return rc;
        v->nmeta++;
    }
    return OTA_OK;
}

static int
cmp_target(const void *a, const void *b)
{
    return strcmp(((const ota_target *) a)->path, ((const ota_target *) b)->path);
}

static ota_err
parse_targets(const json_t *obj, views *v)
{
    if (!json_is_object(obj))
        return OTA_E_FORMAT;
    size_t n = json_object_size(obj);
    v->targets = calloc(n ? n : 1, sizeof *v->targets);
    if (v->targets == NULL)
        return OTA_E_NOMEM;
    const char *path;
    json_t *tv;
    json_object_foreach((json_t *) obj, path, tv)
    {
        ota_target *t = &v->targets[v->ntargets];
        if (!json_is_object(tv) || strlen(path) == 0 || strlen(path) > OTA_MAX_PATH_LEN)
            return OTA_E_FORMAT;
        t->path = path;
        ota_err rc = get_int(tv, "length", 0, &t->length);
        if (rc == OTA_OK)
            rc = parse_hashes(json_object_get(tv, "hashes"), &t->hashes);
        if (rc != OTA_OK)
            return rc;
        t->custom = json_object_get(tv, "custom");
        v->ntargets++;
    }
    qsort(v->targets, v->ntargets, sizeof *v->targets, cmp_target);
    return OTA_OK;
}

static bool
is_hex_string(const char *s)
{
    for (; *s; s++)
        if (!isxdigit((unsigned char) *s))
            return false;
    return true;
}

static ota_err
parse_delegations(const json_t *obj, views *v)
{
    if (!json_is_object(obj))
        return OTA_E_FORMAT;
    if (json_object_get(obj, "succinct_roles") != NULL)
        return OTA_E_UNSUPPORTED; /* TAP 15, not part of TUF 1.0 */
    ota_err rc = parse_keys(json_object_get(obj, "keys"), &v->keys);
    if (rc != OTA_OK)
        return rc;
    const json_t *roles = json_object_get(obj, "roles");
    if (!json_is_array(roles))
        return OTA_E_FORMAT;
    size_t n = json_array_size(roles);
    if (n > OTA_MAX_DELEGATIONS)
        return OTA_E_LIMIT;
    v->dels = calloc(n ? n : 1, sizeof *v->dels);
    if (v->dels == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(roles, i);
        ota_delegation *d = &v->dels[i];
        v->ndels = i + 1; /* so views_free releases what this entry allocates */
        if (!json_is_object(r))
            return OTA_E_FORMAT;
        d->name = get_str(r, "name");
        if (d->name == NULL || strlen(d->name) == 0 || strlen(d->name) > OTA_MAX_ROLE_NAME_LEN ||
            ota_role_from_name(d->name) >= 0)
            return OTA_E_FORMAT;
        for (size_t j = 0; j < i; j++)
            if (strcmp(v->dels[j].name, d->name) == 0)
                return OTA_E_FORMAT;
        rc = parse_role_keys(r, &d->rk);
        if (rc != OTA_OK)
            return rc;
        const json_t *term = json_object_get(r, "terminating");
        if (!json_is_boolean(term))
            return OTA_E_FORMAT;
        d->terminating = json_is_true(term);
        const json_t *paths = json_object_get(r, "paths");
        const json_t *prefixes = json_object_get(r, "path_hash_prefixes");
        if ((paths == NULL) == (prefixes == NULL))
            return OTA_E_FORMAT; /* exactly one of the two */
        d->has_paths = paths != NULL;
        rc = get_str_array(d->has_paths ? paths : prefixes, OTA_MAX_ROLE_PATHS, OTA_MAX_PATH_LEN,
                           false, &d->patterns, &d->npatterns);
        if (rc != OTA_OK)
            return rc;
        for (size_t j = 0; !d->has_paths && j < d->npatterns; j++)
            if (strlen(d->patterns[j]) > 64 || !is_hex_string(d->patterns[j]))
                return OTA_E_FORMAT;
    }
    v->has_delegations = true;
    return OTA_OK;
}

static int
cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* TUF: each keyid in `signatures` MUST be unique.  Sorted copies of the
 * pointers, neighbours compared: O(n log n) string compares for n up to
 * OTA_MAX_SIGNATURES, whatever the keyids' length.  OTA_E_FORMAT on a
 * repeat. */
static ota_err
sig_keyids_unique(const ota_sig *sigs, size_t n)
{
    ota_err rc = OTA_OK;
    if (n < 2)
        return OTA_OK;
    const char **ids = malloc(n * sizeof *ids);
    if (ids == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        ids[i] = sigs[i].keyid;
    qsort(ids, n, sizeof *ids, cmp_str_ptr);
    for (size_t i = 1; i < n && rc == OTA_OK; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            rc = OTA_E_FORMAT;
    free(ids);
    return rc;
}

static ota_err
parse_signatures(const json_t *arr, views *v)
{
    if (!json_is_array(arr))
        return OTA_E_FORMAT;
    size_t n = json_array_size(arr);
    if (n > OTA_MAX_SIGNATURES)
        return OTA_E_LIMIT;
    v->sigs = calloc(n ? n : 1, sizeof *v->sigs);
    if (v->sigs == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i);
        ota_sig *sig = &v->sigs[i];
        const char *keyid = json_is_object(s) ? get_str(s, "keyid") : NULL;
        if (keyid == NULL)
            return OTA_E_FORMAT;
        sig->keyid = keyid;
        /* An empty, missing or malformed sig is an invalid signature, not a
         * malformed document: it must not stop other valid signatures. */
        const json_t *hex = json_object_get(s, "sig");
        if (json_is_string(hex) && json_string_length(hex) > 0 &&
            ota_hex_decode(json_string_value(hex), json_string_length(hex), sig->bytes,
                           sizeof sig->bytes, &sig->len) == OTA_OK)
            sig->well_formed = true;
    }
    v->nsigs = n;
    return sig_keyids_unique(v->sigs, n);
}

static ota_err
parse_spec_version(const char *s)
{
    /* MAJOR.MINOR or MAJOR.MINOR.PATCH, digits only */
    if (s == NULL)
        return OTA_E_FORMAT;
    int parts = 0;
    const char *p = s;
    uint64_t major = 0;
    while (*p) {
        uint64_t x;
        const char *end;
        /* at most 6 digits a part, leading zeros counted */
        if (ota_parse_u64_prefix(p, 0, UINT64_MAX, &x, &end) != OTA_OK || end - p > 6)
            return OTA_E_FORMAT;
        if (parts == 0)
            major = x;
        parts++;
        p = end;
        if (*p == '.') {
            p++;
            if (*p == '\0')
                return OTA_E_FORMAT;
        } else if (*p != '\0')
            return OTA_E_FORMAT;
    }
    if (parts < 2 || parts > 3)
        return OTA_E_FORMAT;
    return major == 1 ? OTA_OK : OTA_E_SPEC_VERSION;
}

/* Validate doc as `expect` and build the views.  Fails closed. */
static ota_err
build_views(const json_t *doc, ota_role_type expect, views *v)
{
    ota_err rc = OTA_E_FORMAT;
    memset(v, 0, sizeof *v);
    const json_t *sobj = json_object_get(doc, "signed");
    if (!json_is_object(sobj))
        goto out;
    const char *type = get_str(sobj, "_type");
    if (type == NULL)
        goto out;
    int t = ota_role_from_name(type);
    if (t != (int) expect) {
        rc = OTA_E_TYPE;
        goto out;
    }
    rc = parse_spec_version(get_str(sobj, "spec_version"));
    if (rc != OTA_OK)
        goto out;
    v->spec_version = get_str(sobj, "spec_version");
    if ((rc = get_int(sobj, "version", 1, &v->version)) != OTA_OK)
        goto out;
    if ((rc = ota_time_parse(get_str(sobj, "expires"), &v->expires)) != OTA_OK)
        goto out;
    rc = parse_signatures(json_object_get(doc, "signatures"), v);
    if (rc != OTA_OK)
        goto out;

    switch (expect) {
    case OTA_ROLE_ROOT: {
        const json_t *cs = json_object_get(sobj, "consistent_snapshot");
        if (cs != NULL && !json_is_boolean(cs)) {
            rc = OTA_E_FORMAT;
            goto out;
        }
        v->consistent_snapshot = json_is_true(cs);
        if ((rc = parse_keys(json_object_get(sobj, "keys"), &v->keys)) != OTA_OK)
            goto out;
        const json_t *roles = json_object_get(sobj, "roles");
        if (!json_is_object(roles) || json_object_size(roles) != OTA_ROLE_COUNT) {
            rc = OTA_E_FORMAT;
            goto out;
        }
        for (int i = 0; i < OTA_ROLE_COUNT; i++) {
            rc = parse_role_keys(json_object_get(roles, role_names[i]), &v->roles[i]);
            if (rc != OTA_OK)
                goto out;
        }
        break;
    }
    case OTA_ROLE_TIMESTAMP:
    case OTA_ROLE_SNAPSHOT:
        rc = parse_meta(json_object_get(sobj, "meta"), v, expect == OTA_ROLE_TIMESTAMP);
        if (rc != OTA_OK)
            goto out;
        break;
    case OTA_ROLE_TARGETS:
        if ((rc = parse_targets(json_object_get(sobj, "targets"), v)) != OTA_OK)
            goto out;
        if (json_object_get(sobj, "delegations") != NULL) {
            rc = parse_delegations(json_object_get(sobj, "delegations"), v);
            if (rc != OTA_OK)
                goto out;
        }
        break;
    }
    rc = ota_json_canonical(sobj, &v->canon, &v->canon_len);
    if (rc != OTA_OK)
        goto out;
    rc = OTA_OK;
out:
    if (rc != OTA_OK)
        views_free(v);
    return rc;
}

static void
install_views(ota_md *md, views *v)
{
    md->signed_obj = json_object_get(md->doc, "signed");
    md->canon = v->canon;
    md->canon_len = v->canon_len;
    md->sigs = v->sigs;
    md->nsigs = v->nsigs;
    md->spec_version = v->spec_version;
    md->version = v->version;
    md->expires = v->expires;
    md->consistent_snapshot = v->consistent_snapshot;
    memcpy(md->roles, v->roles, sizeof md->roles);
    md->keys = v->keys;
    md->meta = v->meta;
    md->nmeta = v->nmeta;
    md->targets = v->targets;
    md->ntargets = v->ntargets;
    md->has_delegations = v->has_delegations;
    md->dels = v->dels;
    md->ndels = v->ndels;
}

static void
take_views(ota_md *md, views *v)
{
    memset(v, 0, sizeof *v);
    v->canon = md->canon;
    v->sigs = md->sigs;
    memcpy(v->roles, md->roles, sizeof v->roles);
    v->keys = md->keys;
    v->meta = md->meta;
    v->targets = md->targets;
    v->dels = md->dels;
    v->ndels = md->ndels;
}

ota_err
ota_md_from_json(json_t *doc, ota_role_type expect, ota_md **out)
{
    ota_err rc = OTA_E_ARG;
    ota_md *md = NULL;
    views v;
    if (doc == NULL || out == NULL || (unsigned) expect >= OTA_ROLE_COUNT)
        goto out;
    if (!json_is_object(doc)) {
        rc = OTA_E_FORMAT;
        goto out;
    }
    rc = build_views(doc, expect, &v);
    if (rc != OTA_OK)
        goto out;
    md = calloc(1, sizeof *md);
    if (md == NULL) {
        views_free(&v);
        rc = OTA_E_NOMEM;
        goto out;
    }
    md->type = expect;
    md->doc = doc;
    doc = NULL;
    install_views(md, &v);
    *out = md;
    rc = OTA_OK;
out:
    json_decref(doc);
    return rc;
}

ota_err
ota_md_parse(const uint8_t *buf, size_t len, ota_role_type expect, ota_md **out)
{
    json_t *doc = NULL;
    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    ota_err rc = ota_json_parse(buf, len, 0, &doc);
    if (rc != OTA_OK)
        return rc;
    return ota_md_from_json(doc, expect, out);
}

ota_err
ota_md_parse_any(const uint8_t *buf, size_t len, ota_md **out)
{
    json_t *doc = NULL;
    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    ota_err rc = ota_json_parse(buf, len, 0, &doc);
    if (rc != OTA_OK)
        return rc;
    int t = ota_role_from_name(get_str(json_object_get(doc, "signed"), "_type"));
    if (t < 0) {
        json_decref(doc);
        return OTA_E_TYPE;
    }
    return ota_md_from_json(doc, (ota_role_type) t, out);
}

ota_err
ota_md_refresh(ota_md *md)
{
    views nv, old;
    if (md == NULL || md->compact)
        return OTA_E_ARG;
    ota_err rc = build_views(md->doc, md->type, &nv);
    if (rc != OTA_OK)
        return rc;
    take_views(md, &old);
    views_free(&old);
    install_views(md, &nv);
    return OTA_OK;
}

ota_err
ota_md_compact(ota_md *md)
{
    if (md == NULL)
        return OTA_E_ARG;
    if (md->compact || md->type != OTA_ROLE_TARGETS)
        return OTA_OK;
    size_t total = 0;
    for (size_t i = 0; i < md->ntargets; i++)
        total += strlen(md->targets[i].path) + 1; /* each <= OTA_MAX_PATH_LEN */
    char *paths = malloc(total ? total : 1);
    if (paths == NULL)
        return OTA_E_NOMEM;
    size_t off = 0;
    for (size_t i = 0; i < md->ntargets; i++) {
        size_t n = strlen(md->targets[i].path) + 1;
        memcpy(paths + off, md->targets[i].path, n);
        md->targets[i].path = paths + off;
        off += n;
        json_incref((json_t *) md->targets[i].custom);
    }
    md->paths = paths;
    md->compact = true;
    /* the last reference to every entry but the customs kept above */
    json_object_del(md->signed_obj, "targets");
    return OTA_OK;
}

void
ota_md_free(ota_md *md)
{
    if (md == NULL)
        return;
    if (md->compact) {
        for (size_t i = 0; i < md->ntargets; i++)
            json_decref((json_t *) md->targets[i].custom);
        free(md->paths);
    }
    views v;
    take_views(md, &v);
    views_free(&v);
    json_decref(md->doc);
    free(md);
}

/* ---- verification ------------------------------------------------------ */

const ota_key *
ota_keyring_find(const ota_keyring *ring, const char *keyid)
{
    for (size_t i = 0; ring != NULL && keyid != NULL && i < ring->nkeys; i++)
        if (strcmp(ring->keys[i].keyid, keyid) == 0)
            return &ring->keys[i];
    return NULL;
}

ota_err
ota_md_verify(const ota_md *md, const ota_keyring *ring, const ota_role_keys *rk,
              size_t *nvalid)
{
    ota_err rc = OTA_E_SIGNATURE;
    size_t count = 0;
    const ota_key **counted = NULL;

    if (md == NULL || ring == NULL || rk == NULL) {
        rc = OTA_E_ARG;
        goto out;
    }
    if (rk->threshold < 1) {
        rc = OTA_E_THRESHOLD;
        goto out;
    }
    counted = calloc(rk->nkeyids ? rk->nkeyids : 1, sizeof *counted);
    if (counted == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < rk->nkeyids; i++) {
        const ota_key *k = ota_keyring_find(ring, rk->keyids[i]);
        if (k == NULL || k->type == OTA_KEY_UNSUPPORTED)
            continue;
        bool seen = false;
        for (size_t j = 0; j < count && !seen; j++)
            seen = ota_key_same(counted[j], k);
        if (seen)
            continue; /* one key under two key ids counts once */
        for (size_t s = 0; s < md->nsigs; s++) {
            const ota_sig *sig = &md->sigs[s];
            if (!sig->well_formed || strcmp(sig->keyid, rk->keyids[i]) != 0)
                continue;
            if (ota_key_verify(k, md->canon, md->canon_len, sig->bytes, sig->len) == OTA_OK) {
                counted[count++] = k;
                break; /* duplicate signatures by one key count once */
            }
        }
    }
    if (nvalid != NULL)
        *nvalid = count;
    if ((int64_t) count >= rk->threshold)
        rc = OTA_OK;
out:
    free(counted);
    return rc;
}

const ota_delegation *
ota_md_find_delegation(const ota_md *md, const char *name)
{
    for (size_t i = 0; md != NULL && name != NULL && i < md->ndels; i++)
        if (strcmp(md->dels[i].name, name) == 0)
            return &md->dels[i];
    return NULL;
}

ota_err
ota_md_verify_role(const ota_md *delegator, const char *role, const ota_md *md, size_t *nvalid)
{
    if (delegator == NULL || role == NULL || md == NULL)
        return OTA_E_ARG;
    int top = ota_role_from_name(role);
    if (delegator->type == OTA_ROLE_ROOT) {
        if (top < 0)
            return OTA_E_NOT_FOUND;
        if (md->type != (ota_role_type) top)
            return OTA_E_TYPE;
        return ota_md_verify(md, &delegator->keys, &delegator->roles[top], nvalid);
    }
    if (delegator->type != OTA_ROLE_TARGETS || top >= 0)
        return OTA_E_NOT_FOUND;
    const ota_delegation *d = ota_md_find_delegation(delegator, role);
    if (d == NULL)
        return OTA_E_NOT_FOUND;
    if (md->type != OTA_ROLE_TARGETS)
        return OTA_E_TYPE;
    return ota_md_verify(md, &delegator->keys, &d->rk, nvalid);
}

ota_err
ota_md_check_expiry(const ota_md *md, int64_t now)
{
    if (md == NULL)
        return OTA_E_ARG;
    return md->expires > now ? OTA_OK : OTA_E_EXPIRED;
}

ota_err
ota_metafile_check(const ota_metafile *m, const uint8_t *buf, size_t len)
{
    if (m == NULL || (buf == NULL && len > 0))
        return OTA_E_ARG;
    if (m->has_length && (uint64_t) len != (uint64_t) m->length)
        return OTA_E_LENGTH;
    if (m->hashes.count == 0)
        return OTA_OK;
    if (!m->hashes.has_sha256 && !m->hashes.has_sha512)
        return OTA_E_UNSUPPORTED;
    if (m->hashes.has_sha256) {
        uint8_t h[OTA_SHA256_LEN];
        ota_sha256(buf, len, h);
        if (memcmp(h, m->hashes.sha256, sizeof h) != 0)
            return OTA_E_HASH;
    }
    if (m->hashes.has_sha512) {
        uint8_t h[OTA_SHA512_LEN];
        ota_sha512(buf, len, h);
        if (memcmp(h, m->hashes.sha512, sizeof h) != 0)
            return OTA_E_HASH;
    }
    return OTA_OK;
}

const ota_metafile *
ota_md_find_meta(const ota_md *md, const char *name)
{
    for (size_t i = 0; md != NULL && name != NULL && i < md->nmeta; i++)
        if (strcmp(md->meta[i].name, name) == 0)
            return &md->meta[i];
    return NULL;
}

const ota_target *
ota_md_find_target(const ota_md *md, const char *path)
{
    if (md == NULL || path == NULL || md->ntargets == 0)
        return NULL;
    ota_target key = {.path = path};
    return bsearch(&key, md->targets, md->ntargets, sizeof key, cmp_target);
}

/* Count '/'-separated segments. */
static size_t
segments(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == '/';
    return n;
}

static bool
path_matches(const char *pattern, const char *path)
{
    if (segments(pattern) != segments(path))
        return false;
    /* Same segment count, and FNM_PATHNAME makes wildcards stop at '/': so
     * each segment is matched against its counterpart. */
    return fnmatch(pattern, path, FNM_PATHNAME) == 0;
}

bool
ota_delegation_matches(const ota_delegation *d, const char *path)
{
    if (d == NULL || path == NULL)
        return false;
    if (d->has_paths) {
        for (size_t i = 0; i < d->npatterns; i++)
            if (path_matches(d->patterns[i], path))
                return true;
        return false;
    }
    uint8_t h[OTA_SHA256_LEN];
    char hex[2 * OTA_SHA256_LEN + 1];
    ota_sha256((const uint8_t *) path, strlen(path), h);
    ota_hex_encode(h, sizeof h, hex);
    for (size_t i = 0; i < d->npatterns; i++) {
        const char *p = d->patterns[i];
        size_t n = strlen(p);
        bool ok = n <= sizeof hex - 1;
        for (size_t j = 0; ok && j < n; j++)
            ok = tolower((unsigned char) p[j]) == hex[j];
        if (ok)
            return true;
    }
    return false;
}

/* ---- signing and serialization ---------------------------------------- */

ota_err
ota_md_set_signature(ota_md *md, const char *keyid, const uint8_t *sig, size_t sig_len)
{
    if (md == NULL || md->compact || keyid == NULL || sig == NULL || sig_len == 0 ||
        sig_len > OTA_MAX_SIG_LEN)
        return OTA_E_ARG;
    char hex[2 * OTA_MAX_SIG_LEN + 1];
    ota_hex_encode(sig, sig_len, hex);
    json_t *arr = json_object_get(md->doc, "signatures");
    if (!json_is_array(arr))
        return OTA_E_FORMAT;
    for (size_t i = json_array_size(arr); i > 0; i--) {
        const char *k = get_str(json_array_get(arr, i - 1), "keyid");
        if (k != NULL && strcmp(k, keyid) == 0 && json_array_remove(arr, i - 1) != 0)
            return OTA_E_NOMEM;
    }
    json_t *entry = json_pack("{s:s, s:s}", "keyid", keyid, "sig", hex);
    if (entry == NULL || json_array_append_new(arr, entry) != 0)
        return OTA_E_NOMEM;
    return ota_md_refresh(md);
}

ota_err
ota_md_sign_ed25519(ota_md *md, const char *keyid, const uint8_t sk[64])
{
    uint8_t sig[crypto_sign_BYTES];
    if (md == NULL || md->compact || sk == NULL)
        return OTA_E_ARG;
    if (crypto_sign_detached(sig, NULL, md->canon, md->canon_len, sk) != 0)
        return OTA_E_CRYPTO;
    return ota_md_set_signature(md, keyid, sig, sizeof sig);
}

ota_err
ota_md_clear_signatures(ota_md *md)
{
    if (md == NULL || md->compact)
        return OTA_E_ARG;
    json_t *arr = json_object_get(md->doc, "signatures");
    if (!json_is_array(arr) || json_array_clear(arr) != 0)
        return OTA_E_FORMAT;
    return ota_md_refresh(md);
}

ota_err
ota_md_serialize(const ota_md *md, uint8_t **out, size_t *out_len)
{
    if (md == NULL || md->compact || out == NULL)
        return OTA_E_ARG;
    /* Ordinary JSON (control characters escaped): canonical JSON is only
     * the signed form; it leaves control characters raw, which is not JSON. */
    return ota_json_text(md->doc, 1, (char **) out, out_len);
}
