/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust.c — the TUF 1.0 detailed client workflow (specification section 5):
 * root chain, timestamp, snapshot, targets, delegated targets search.
 *
 * Every check fails closed: rc starts as an error and becomes OTA_OK on the
 * last line before `out:`.  Remote bytes are checked against the length and
 * hashes signed by the referring role before they are parsed, and parsed
 * by the one strict parser in formats/ before their signatures are checked.
 * Local copies in the metadata directory get the same checks as remote ones
 * (signature under the current trusted delegator, version, hashes); any
 * failure makes them absent, never trusted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "ota_pkey.h"

/* ---- small helpers -------------------------------------------------------- */

static void
free_roles(ota_client *c)
{
    for (size_t i = 0; i < c->nroles; i++) {
        free(c->roles[i].name);
        free(c->roles[i].parent);
        ota_md_free(c->roles[i].md);
    }
    c->nroles = 0;
}

void
otac_state_clear(ota_client *c)
{
    ota_md_free(c->root);
    ota_md_free(c->timestamp);
    ota_md_free(c->snapshot);
    c->root = c->timestamp = c->snapshot = NULL;
    free_roles(c);
    c->refreshed = false;
}

static otac_role *
find_role(ota_client *c, const char *name)
{
    for (size_t i = 0; i < c->nroles; i++)
        if (strcmp(c->roles[i].name, name) == 0)
            return &c->roles[i];
    return NULL;
}

/* Takes ownership of md on success. */
static ota_err
add_role(ota_client *c, const char *name, const char *parent, ota_md *md)
{
    if (c->nroles == c->roles_cap) {
        size_t ncap = c->roles_cap ? 2 * c->roles_cap : 8;
        otac_role *n = realloc(c->roles, ncap * sizeof *n);
        if (n == NULL)
            return OTA_E_NOMEM;
        c->roles = n;
        c->roles_cap = ncap;
    }
    otac_role *r = &c->roles[c->nroles];
    r->name = strdup(name);
    r->parent = strdup(parent);
    if (r->name == NULL || r->parent == NULL) {
        free(r->name);
        free(r->parent);
        return OTA_E_NOMEM;
    }
    r->md = md;
    c->nroles++;
    return OTA_OK;
}

static const char *
fmt_time(int64_t t, char buf[21])
{
    if (ota_time_format(t, buf) != OTA_OK)
        snprintf(buf, 21, "%" PRId64, t);
    return buf;
}

static ota_err
check_expiry(ota_client *c, const ota_md *md, const char *what)
{
    char e[21], n[21];
    if (ota_md_check_expiry(md, c->now) == OTA_OK)
        return OTA_OK;
    return otac_fail(c, OTA_E_EXPIRED,
                     "%s (version %" PRId64 ") expired at %s, update started %s "
                     "(freeze attack, or the repository is stale)",
                     what, md->version, fmt_time(md->expires, e), fmt_time(c->now, n));
}

static ota_err
verify_sig(ota_client *c, const ota_md *delegator, const char *role, const ota_md *md,
           const char *what)
{
    size_t nvalid = 0;
    ota_err rc = ota_md_verify_role(delegator, role, md, &nvalid);
    if (rc == OTA_OK)
        return OTA_OK;
    if (rc == OTA_E_SIGNATURE)
        return otac_fail(c, rc, "%s: only %zu valid signature(s), below the threshold for role "
                                "'%s' (arbitrary software / key compromise?)%s",
                         what, nvalid, role,
                         ota_pkey_available() ? ""
                                              : "; this ota-client is built without OpenSSL "
                                                "(NO_OPENSSL): ECDSA and RSA keys are not verified, "
                                                "only Ed25519");
    return otac_fail(c, rc, "%s: cannot verify as role '%s': %s", what, role, ota_strerror(rc));
}

static ota_err
parse_md(ota_client *c, const uint8_t *buf, size_t len, ota_role_type type, const char *what,
         ota_md **out)
{
    ota_err rc = ota_md_parse(buf, len, type, out);
    if (rc != OTA_OK)
        return otac_fail(c, rc, "%s: not valid %s metadata: %s", what, ota_role_name(type),
                         ota_strerror(rc));
    return OTA_OK;
}

/* Length and hashes of buf against meta from a signed snapshot/timestamp. */
static ota_err
check_meta_bytes(ota_client *c, const ota_metafile *mf, const uint8_t *buf, size_t len,
                 const char *what)
{
    switch (ota_metafile_check(mf, buf, len)) {
    case OTA_OK: return OTA_OK;
    case OTA_E_LENGTH:
        return otac_fail(c, OTA_E_LENGTH, "%s: %zu bytes, signed length is %" PRId64, what, len,
                         mf->length);
    case OTA_E_UNSUPPORTED:
        return otac_fail(c, OTA_E_UNSUPPORTED, "%s: no supported hash algorithm listed", what);
    default:
        return otac_fail(c, OTA_E_HASH, "%s: hash differs from the signed hash "
                                        "(mix-and-match or tampering)",
                         what);
    }
}

static ota_err
persist(ota_client *c, const char *name, const uint8_t *buf, size_t len)
{
    ota_err rc = otac_write_atomic(c->metadata_dir, name, buf, len);
    if (rc != OTA_OK)
        return otac_fail(c, rc, "cannot write %s/%s: %s", c->metadata_dir, name,
                         ota_strerror(rc));
    return OTA_OK;
}

static char *
meta_url(ota_client *c, const char *file)
{
    char *url = otac_concat(c->metadata_url, file, (const char *) NULL);
    if (url == NULL)
        otac_fail(c, OTA_E_NOMEM, "URL for %s: out of memory or too long", file);
    return url;
}

/* Fetch a metadata file that must exist: a 404 is a network failure. */
static ota_err
fetch_required(ota_client *c, const char *file, uint64_t max, bool exact, uint8_t **buf,
               size_t *len)
{
    char *url = meta_url(c, file);
    if (url == NULL)
        return c->last;
    ota_err rc = otac_fetch(c, url, max, exact, buf, len);
    if (rc == OTA_E_NOT_FOUND)
        rc = otac_fail(c, OTA_E_NETWORK, "%s: not found on the server", url);
    free(url);
    return rc;
}

/* ---- 5.2 / 5.3: trusted root and the root chain -------------------------- */

static ota_err
load_trusted_root(ota_client *c, ota_md **initial)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_md *md = NULL;
    ota_err rc = otac_read_file(c->metadata_dir, "root.json", c->max_root_size, &buf, &len);
    if (rc != OTA_OK) {
        rc = otac_fail(c, OTA_E_NOT_FOUND,
                       "no trusted root: %s/root.json %s (install one first)",
                       c->metadata_dir, rc == OTA_E_NOT_FOUND ? "does not exist" : "is unreadable");
        goto out;
    }
    if (ota_md_parse(buf, len, OTA_ROLE_ROOT, &md) != OTA_OK) {
        /* corrupt local metadata is absent, never trusted */
        rc = otac_fail(c, OTA_E_NOT_FOUND, "no trusted root: %s/root.json is corrupt "
                                           "(install one again)",
                       c->metadata_dir);
        goto out;
    }
    if ((rc = verify_sig(c, md, "root", md, "trusted root.json")) != OTA_OK)
        goto out;
    /* a second copy of the starting root, to see later which keys rotated
     * (update_root frees the trusted root as it advances) */
    if ((rc = ota_md_parse(buf, len, OTA_ROLE_ROOT, initial)) != OTA_OK) {
        rc = otac_fail(c, rc, "out of memory");
        goto out;
    }
    c->root = md;
    md = NULL;
    rc = OTA_OK;
out:
    ota_md_free(md);
    free(buf);
    return rc;
}

static ota_err
update_root(ota_client *c)
{
    ota_err rc = OTA_OK;
    for (uint32_t i = 0; i < c->max_root_rotations; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        ota_md *md = NULL;
        char file[64];
        int64_t n = c->root->version + 1;
        snprintf(file, sizeof file, "%" PRId64 ".root.json", n);
        char *url = meta_url(c, file);
        if (url == NULL)
            return c->last;
        rc = otac_fetch(c, url, c->max_root_size, false, &buf, &len);
        free(url);
        if (rc == OTA_E_NOT_FOUND) {
            otac_ok(c); /* the end of the chain, not an error */
            return OTA_OK;
        }
        if (rc != OTA_OK)
            return rc;
        rc = parse_md(c, buf, len, OTA_ROLE_ROOT, file, &md);
        /* signed by a threshold of the trusted root's keys, then of its own */
        if (rc == OTA_OK)
            rc = verify_sig(c, c->root, "root", md, file);
        if (rc == OTA_OK)
            rc = verify_sig(c, md, "root", md, file);
        if (rc == OTA_OK && md->version != n) {
            if (md->version == c->root->version) {
                /* spec 5.3.5: discard it, carry on with the trusted root */
                ota_md_free(md);
                free(buf);
                otac_ok(c);
                return OTA_OK;
            }
            rc = otac_fail(c, md->version < n ? OTA_E_ROLLBACK : OTA_E_VERSION,
                           "%s: holds root version %" PRId64 ", expected %" PRId64, file,
                           md->version, n);
        }
        if (rc == OTA_OK)
            rc = persist(c, "root.json", buf, len);
        free(buf);
        if (rc != OTA_OK) {
            ota_md_free(md);
            return rc;
        }
        ota_md_free(c->root);
        c->root = md;
    }
    return OTA_OK; /* cap reached: continue with the newest root (spec 5.3.3) */
}

/* Same threshold and the same keys (by id and by key material). */
static bool
same_role_keys(const ota_md *a, const ota_md *b, ota_role_type t)
{
    const ota_role_keys *ra = &a->roles[t], *rb = &b->roles[t];
    if (ra->threshold != rb->threshold || ra->nkeyids != rb->nkeyids)
        return false;
    for (size_t i = 0; i < ra->nkeyids; i++) {
        bool found = false;
        for (size_t j = 0; j < rb->nkeyids && !found; j++)
            found = strcmp(ra->keyids[i], rb->keyids[j]) == 0;
        const ota_key *ka = ota_keyring_find(&a->keys, ra->keyids[i]);
        const ota_key *kb = ota_keyring_find(&b->keys, ra->keyids[i]);
        if (!found || ka == NULL || kb == NULL || ka->type != kb->type ||
            ka->pub_len != kb->pub_len || memcmp(ka->pub, kb->pub, ka->pub_len) != 0)
            return false;
    }
    return true;
}

/* ---- 5.4: timestamp ------------------------------------------------------ */

/* A local file parsed and verified by delegator, or NULL (absent/corrupt). */
static ota_md *
load_local(ota_client *c, const char *file, ota_role_type type, const ota_md *delegator,
           const char *role, uint64_t max, const ota_metafile *mf)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_md *md = NULL;
    size_t nvalid;
    if (otac_read_file(c->metadata_dir, file, max, &buf, &len) != OTA_OK)
        goto out;
    if (mf != NULL) {
        if (mf->has_length && (uint64_t) len != (uint64_t) mf->length)
            goto out;
        if (mf->hashes.count > 0) {
            ota_err rc = check_meta_bytes(c, mf, buf, len, file);
            otac_ok(c);
            if (rc != OTA_OK)
                goto out;
        }
    }
    if (ota_md_parse(buf, len, type, &md) != OTA_OK)
        goto out;
    if (ota_md_verify_role(delegator, role, md, &nvalid) != OTA_OK) {
        ota_md_free(md);
        md = NULL;
    }
out:
    free(buf);
    return md;
}

static ota_err
update_timestamp(ota_client *c)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_md *md = NULL;
    ota_md *trusted = load_local(c, "timestamp.json", OTA_ROLE_TIMESTAMP, c->root, "timestamp",
                                 c->max_timestamp_size, NULL);
    ota_err rc = fetch_required(c, "timestamp.json", c->max_timestamp_size, false, &buf, &len);
    if (rc != OTA_OK)
        goto out;
    if ((rc = parse_md(c, buf, len, OTA_ROLE_TIMESTAMP, "timestamp.json", &md)) != OTA_OK)
        goto out;
    if ((rc = verify_sig(c, c->root, "timestamp", md, "timestamp.json")) != OTA_OK)
        goto out;
    if (trusted != NULL) {
        if (md->version < trusted->version) {
            rc = otac_fail(c, OTA_E_ROLLBACK,
                           "timestamp.json: version %" PRId64 " is older than the trusted "
                           "version %" PRId64 " (rollback attack)",
                           md->version, trusted->version);
            goto out;
        }
        if (md->version == trusted->version) {
            /* nothing new: keep the trusted copy, ignore the remote one */
            c->timestamp = trusted;
            trusted = NULL;
            goto final;
        }
        const ota_metafile *o = ota_md_find_meta(trusted, "snapshot.json");
        const ota_metafile *n = ota_md_find_meta(md, "snapshot.json");
        if (o != NULL && n != NULL && n->version < o->version) {
            rc = otac_fail(c, OTA_E_ROLLBACK,
                           "timestamp.json: snapshot version %" PRId64 " is older than the "
                           "trusted %" PRId64 " (rollback attack)",
                           n->version, o->version);
            goto out;
        }
    }
    if ((rc = check_expiry(c, md, "timestamp.json")) != OTA_OK)
        goto out;
    if ((rc = persist(c, "timestamp.json", buf, len)) != OTA_OK)
        goto out;
    c->timestamp = md;
    md = NULL;
final:
    if ((rc = check_expiry(c, c->timestamp, "timestamp.json")) != OTA_OK)
        goto out;
    rc = OTA_OK;
out:
    ota_md_free(trusted);
    ota_md_free(md);
    free(buf);
    return rc;
}

/* ---- 5.5: snapshot ------------------------------------------------------- */

/* The same entry: version, length and hashes (listed or not) all equal. */
static bool
same_metafile(const ota_metafile *a, const ota_metafile *b)
{
    return a != NULL && b != NULL && a->version == b->version &&
           a->has_length == b->has_length && (!a->has_length || a->length == b->length) &&
           a->hashes.count == b->hashes.count && a->hashes.has_sha256 == b->hashes.has_sha256 &&
           a->hashes.has_sha512 == b->hashes.has_sha512 &&
           (!a->hashes.has_sha256 ||
            memcmp(a->hashes.sha256, b->hashes.sha256, sizeof a->hashes.sha256) == 0) &&
           (!a->hashes.has_sha512 ||
            memcmp(a->hashes.sha512, b->hashes.sha512, sizeof a->hashes.sha512) == 0);
}

/* *targets_same: the trusted snapshot's targets.json entry is the one the
 * previously trusted snapshot listed (nothing new for the top-level targets
 * role, which is then loaded at its first lookup, not here). */
static ota_err
update_snapshot(ota_client *c, bool *targets_same)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_md *md = NULL;
    char file[64];
    const ota_metafile *tm = ota_md_find_meta(c->timestamp, "snapshot.json");
    ota_md *prev = load_local(c, "snapshot.json", OTA_ROLE_SNAPSHOT, c->root, "snapshot",
                              c->max_snapshot_size, NULL);
    ota_err rc = OTA_E_FORMAT;
    if (tm == NULL) {
        rc = otac_fail(c, rc, "timestamp.json lists no snapshot.json");
        goto out;
    }
    if (prev != NULL && prev->version == tm->version &&
        ota_md_check_expiry(prev, c->now) == OTA_OK) {
        /* the trusted copy is the one the timestamp names: no download (the
         * hashes were checked when it was accepted) */
        c->snapshot = prev;
        prev = NULL;
        *targets_same = ota_md_find_meta(c->snapshot, "targets.json") != NULL;
        rc = OTA_OK;
        goto out;
    }
    if (c->root->consistent_snapshot)
        snprintf(file, sizeof file, "%" PRId64 ".snapshot.json", tm->version);
    else
        snprintf(file, sizeof file, "snapshot.json");
    uint64_t max = tm->has_length ? (uint64_t) tm->length : c->max_snapshot_size;
    if ((rc = fetch_required(c, file, max, tm->has_length, &buf, &len)) != OTA_OK)
        goto out;
    if ((rc = check_meta_bytes(c, tm, buf, len, file)) != OTA_OK)
        goto out;
    if ((rc = parse_md(c, buf, len, OTA_ROLE_SNAPSHOT, file, &md)) != OTA_OK)
        goto out;
    if ((rc = verify_sig(c, c->root, "snapshot", md, file)) != OTA_OK)
        goto out;
    if (md->version != tm->version) {
        rc = otac_fail(c, OTA_E_VERSION,
                       "%s: version %" PRId64 ", but timestamp.json names version %" PRId64
                       " (mix-and-match)",
                       file, md->version, tm->version);
        goto out;
    }
    for (size_t i = 0; prev != NULL && i < prev->nmeta; i++) {
        const ota_metafile *o = &prev->meta[i];
        const ota_metafile *n = ota_md_find_meta(md, o->name);
        if (n == NULL) {
            rc = otac_fail(c, OTA_E_ROLLBACK, "%s: no longer lists %s (rollback attack)", file,
                           o->name);
            goto out;
        }
        if (n->version < o->version) {
            rc = otac_fail(c, OTA_E_ROLLBACK,
                           "%s: %s version %" PRId64 " is older than the trusted %" PRId64
                           " (rollback attack)",
                           file, o->name, n->version, o->version);
            goto out;
        }
    }
    if ((rc = check_expiry(c, md, file)) != OTA_OK)
        goto out;
    if ((rc = persist(c, "snapshot.json", buf, len)) != OTA_OK)
        goto out;
    *targets_same = prev != NULL && same_metafile(ota_md_find_meta(prev, "targets.json"),
                                                  ota_md_find_meta(md, "targets.json"));
    c->snapshot = md;
    md = NULL;
    rc = OTA_OK;
out:
    ota_md_free(prev);
    ota_md_free(md);
    free(buf);
    return rc;
}

/* ---- 5.6: targets and delegated targets ------------------------------------ */

/*
 * Load targets role `name` delegated by `parent` (the root for "targets"):
 * the local copy when it still matches the snapshot's meta, else downloaded.
 */
static ota_err
load_role(ota_client *c, const char *name, const char *parent_name, const ota_md *parent,
          ota_md **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_md *md = NULL;
    char mname[OTA_MAX_ROLE_NAME_LEN + 8], file[3 * OTA_MAX_ROLE_NAME_LEN + 8];
    char rfile[3 * OTA_MAX_ROLE_NAME_LEN + 40];
    ota_err rc = OTA_E_FORMAT;

    otac_role *have = find_role(c, name);
    if (have != NULL) {
        /* loaded through another delegator: it must also hold for this one */
        if (strcmp(have->parent, parent_name) != 0 &&
            (rc = verify_sig(c, parent, name, have->md, name)) != OTA_OK)
            return rc;
        *out = have->md;
        return OTA_OK;
    }
    if (strlen(name) > OTA_MAX_ROLE_NAME_LEN)
        return otac_fail(c, OTA_E_LIMIT, "role name too long");
    snprintf(mname, sizeof mname, "%s.json", name);
    if (otac_pct_encode(name, false, false, false, file, sizeof file - 5) != OTA_OK)
        return otac_fail(c, OTA_E_LIMIT, "role name too long");
    strcat(file, ".json");
    const ota_metafile *mf = ota_md_find_meta(c->snapshot, mname);
    if (mf == NULL)
        return otac_fail(c, OTA_E_FORMAT, "role '%s' is delegated but snapshot.json does not "
                                          "list %s",
                         name, mname);
    uint64_t max = mf->has_length ? (uint64_t) mf->length : c->max_targets_size;

    md = load_local(c, file, OTA_ROLE_TARGETS, parent, name, max, mf);
    if (md != NULL && md->version == mf->version && ota_md_check_expiry(md, c->now) == OTA_OK)
        goto keep; /* still current: not downloaded again */
    ota_md_free(md);
    md = NULL;

    if (c->root->consistent_snapshot)
        snprintf(rfile, sizeof rfile, "%" PRId64 ".%s", mf->version, file);
    else
        snprintf(rfile, sizeof rfile, "%s", file);
    if ((rc = fetch_required(c, rfile, max, mf->has_length, &buf, &len)) != OTA_OK)
        goto out;
    if ((rc = check_meta_bytes(c, mf, buf, len, rfile)) != OTA_OK)
        goto out;
    if ((rc = parse_md(c, buf, len, OTA_ROLE_TARGETS, rfile, &md)) != OTA_OK)
        goto out;
    if ((rc = verify_sig(c, parent, name, md, rfile)) != OTA_OK)
        goto out;
    if (md->version != mf->version) {
        rc = otac_fail(c, OTA_E_VERSION,
                       "%s: version %" PRId64 ", but snapshot.json names version %" PRId64
                       " (mix-and-match)",
                       rfile, md->version, mf->version);
        goto out;
    }
    if ((rc = check_expiry(c, md, rfile)) != OTA_OK)
        goto out;
    if ((rc = persist(c, file, buf, len)) != OTA_OK)
        goto out;
keep:
    /* verified: the JSON of its targets is no longer needed (the views,
     * signatures and signed bytes stay) */
    if ((rc = ota_md_compact(md)) != OTA_OK ||
        (rc = add_role(c, name, parent_name, md)) != OTA_OK) {
        rc = otac_fail(c, rc, "out of memory");
        goto out;
    }
    *out = md;
    md = NULL;
    rc = OTA_OK;
out:
    ota_md_free(md);
    free(buf);
    return rc;
}

/* ---- refresh ---------------------------------------------------------------- */

ota_err
ota_client_refresh(ota_client *c)
{
    ota_md *initial = NULL;
    ota_md *targets = NULL;
    bool targets_same = false;
    ota_err rc = OTA_E_ARG;

    if (c == NULL)
        return OTA_E_ARG;
    otac_state_clear(c);
    otac_ok(c);
    /* 5.1: one fixed update start time for every expiry check */
    c->now = c->clock != NULL ? c->clock(c->clock_user) : (int64_t) time(NULL);
    if (!c->have_tr || c->metadata_url == NULL) {
        rc = otac_fail(c, OTA_E_ARG, "no transport or metadata URL configured");
        goto out;
    }
    if ((rc = load_trusted_root(c, &initial)) != OTA_OK)
        goto out;
    int64_t start_version = c->root->version;
    if ((rc = update_root(c)) != OTA_OK)
        goto out;
    if ((rc = check_expiry(c, c->root, "root.json")) != OTA_OK)
        goto out;
    if (c->root->version != start_version) {
        /* 5.3.11: rotated timestamp / snapshot keys make the trusted copies
         * worthless (and are how a repository recovers from fast-forward) */
        bool ts = !same_role_keys(initial, c->root, OTA_ROLE_TIMESTAMP);
        bool sn = !same_role_keys(initial, c->root, OTA_ROLE_SNAPSHOT);
        if ((ts && (rc = otac_remove(c->metadata_dir, "timestamp.json")) != OTA_OK) ||
            ((ts || sn) && (rc = otac_remove(c->metadata_dir, "snapshot.json")) != OTA_OK)) {
            rc = otac_fail(c, rc, "cannot remove superseded metadata in %s", c->metadata_dir);
            goto out;
        }
    }
    if ((rc = update_timestamp(c)) != OTA_OK)
        goto out;
    if ((rc = update_snapshot(c, &targets_same)) != OTA_OK)
        goto out;
    /* 5.6: new targets metadata is downloaded and checked now; when the
     * snapshot names the same targets.json as before, the stored copy is
     * not even read: it is checked in full (hashes and length against this
     * snapshot, signatures under this root, version, expiry against this
     * cycle's start time) at the first lookup, or replaced by a download
     * when it fails any of them (otac_targets). */
    if (!targets_same && (rc = load_role(c, "targets", "root", c->root, &targets)) != OTA_OK)
        goto out;
    c->refreshed = true;
    otac_ok(c);
    rc = OTA_OK;
out:
    ota_md_free(initial);
    return rc;
}

ota_err
ota_client_role_version(const ota_client *c, const char *role, int64_t *version)
{
    if (c == NULL || role == NULL || version == NULL)
        return OTA_E_ARG;
    const ota_md *md = NULL;
    if (strcmp(role, "root") == 0)
        md = c->root;
    else if (strcmp(role, "timestamp") == 0)
        md = c->timestamp;
    else if (strcmp(role, "snapshot") == 0)
        md = c->snapshot;
    else
        for (size_t i = 0; i < c->nroles && md == NULL; i++)
            if (strcmp(c->roles[i].name, role) == 0)
                md = c->roles[i].md;
    if (md == NULL && c->refreshed && strcmp(role, "targets") == 0) {
        /* not loaded yet (nothing new at refresh): the version the trusted
         * snapshot names, the only one a lookup will accept */
        const ota_metafile *mf = ota_md_find_meta(c->snapshot, "targets.json");
        if (mf == NULL)
            return OTA_E_NOT_FOUND;
        *version = mf->version;
        return OTA_OK;
    }
    if (md == NULL)
        return OTA_E_NOT_FOUND;
    *version = md->version;
    return OTA_OK;
}

ota_err
otac_targets(ota_client *c, const ota_md **out)
{
    ota_md *md = NULL;
    if (!c->refreshed)
        return otac_fail(c, OTA_E_ARG, "no trusted targets metadata: refresh first");
    ota_err rc = load_role(c, "targets", "root", c->root, &md);
    if (rc == OTA_OK)
        *out = md;
    return rc;
}

/* ---- init ------------------------------------------------------------------- */

#include <dirent.h>

static ota_err
remove_all_metadata(ota_client *c)
{
    DIR *d = opendir(c->metadata_dir);
    if (d == NULL)
        return OTA_E_IO;
    struct dirent *e;
    ota_err rc = OTA_OK;
    while ((e = readdir(d)) != NULL && rc == OTA_OK) {
        size_t n = strlen(e->d_name);
        /* every trusted file ends in ".json" (a delegated role's may begin
         * with '.'); temporary files never do */
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        rc = otac_remove(c->metadata_dir, e->d_name);
    }
    closedir(d);
    return rc;
}

ota_err
ota_client_init_root(ota_client *c, const uint8_t *root, size_t len, bool replace)
{
    ota_md *md = NULL;
    uint8_t *old = NULL;
    size_t oldlen = 0;
    ota_err rc = OTA_E_ARG;
    if (c == NULL)
        return rc;
    otac_state_clear(c);
    otac_ok(c);
    if (root == NULL) {
        rc = otac_fail(c, rc, "no root given");
        goto out;
    }
    if (len > c->max_root_size) {
        rc = otac_fail(c, OTA_E_LENGTH, "root metadata larger than %llu bytes",
                       (unsigned long long) c->max_root_size);
        goto out;
    }
    if ((rc = parse_md(c, root, len, OTA_ROLE_ROOT, "root", &md)) != OTA_OK)
        goto out;
    if ((rc = verify_sig(c, md, "root", md, "root")) != OTA_OK)
        goto out;
    rc = otac_read_file(c->metadata_dir, "root.json", UINT64_MAX, &old, &oldlen);
    if (rc == OTA_OK || rc == OTA_E_LENGTH) {
        if (!replace) {
            rc = otac_fail(c, OTA_E_EXISTS, "%s/root.json exists (replace it with --force)",
                           c->metadata_dir);
            goto out;
        }
    } else if (rc != OTA_E_NOT_FOUND) {
        rc = otac_fail(c, rc, "cannot read %s/root.json", c->metadata_dir);
        goto out;
    }
    if (replace && (rc = remove_all_metadata(c)) != OTA_OK) {
        rc = otac_fail(c, rc, "cannot clear %s", c->metadata_dir);
        goto out;
    }
    if ((rc = persist(c, "root.json", root, len)) != OTA_OK)
        goto out;
    rc = OTA_OK;
out:
    free(old);
    ota_md_free(md);
    return rc;
}

/* ---- the target search ------------------------------------------------------- */

typedef struct visit {
    const char *name;
    const char *parent;
} visit;

typedef struct vstack {
    visit *v;
    size_t n, cap;
} vstack;

static ota_err
vpush(vstack *s, const char *name, const char *parent)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? 2 * s->cap : 16;
        visit *nv = realloc(s->v, ncap * sizeof *nv);
        if (nv == NULL)
            return OTA_E_NOMEM;
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n].name = name;
    s->v[s->n].parent = parent;
    s->n++;
    return OTA_OK;
}

static const ota_md *
delegator_md(ota_client *c, const char *parent)
{
    if (strcmp(parent, "root") == 0)
        return c->root;
    otac_role *r = find_role(c, parent);
    return r != NULL ? r->md : NULL;
}

/*
 * Pre-order depth-first search (spec 5.6.7; python-tuf's order): pop a
 * role, load it, look for path; push the delegations that cover path, in
 * reverse so the first listed is searched first; a terminating delegation
 * drops everything not yet searched outside its own subtree.
 */
static ota_err
search(ota_client *c, const char *path, const ota_target **tout, const char **rout)
{
    vstack st = {0};
    const char **visited = NULL;
    size_t nvisited = 0;
    ota_err rc = OTA_E_NOMEM;

    visited = calloc(c->max_delegations, sizeof *visited);
    if (visited == NULL || vpush(&st, "targets", "root") != OTA_OK) {
        rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    while (st.n > 0) {
        if (nvisited >= c->max_delegations) {
            rc = otac_fail(c, OTA_E_NOT_FOUND,
                           "%s: not found within %" PRIu32 " targets roles (search limit)", path,
                           c->max_delegations);
            goto out;
        }
        visit cur = st.v[--st.n];
        bool seen = false;
        for (size_t i = 0; i < nvisited && !seen; i++)
            seen = strcmp(visited[i], cur.name) == 0;
        if (seen)
            continue; /* cycles in the delegation graph */
        const ota_md *parent = delegator_md(c, cur.parent);
        ota_md *md = NULL;
        if (parent == NULL) {
            rc = otac_fail(c, OTA_E_ARG, "internal: delegator %s not loaded", cur.parent);
            goto out;
        }
        if ((rc = load_role(c, cur.name, cur.parent, parent, &md)) != OTA_OK)
            goto out;
        const ota_target *t = ota_md_find_target(md, path);
        if (t != NULL) {
            *tout = t;
            *rout = find_role(c, cur.name)->name;
            rc = OTA_OK;
            goto out;
        }
        visited[nvisited++] = find_role(c, cur.name)->name;
        size_t first = st.n;
        for (size_t i = 0; i < md->ndels; i++) {
            const ota_delegation *d = &md->dels[i];
            if (!ota_delegation_matches(d, path))
                continue;
            if (d->terminating) {
                /* drop the rest of the stack, keep what this role pushed */
                size_t mine = st.n - first;
                memmove(st.v, st.v + first, mine * sizeof *st.v);
                st.n = mine;
                first = 0;
            }
            if ((rc = vpush(&st, d->name, find_role(c, cur.name)->name)) != OTA_OK) {
                rc = otac_fail(c, rc, "out of memory");
                goto out;
            }
            if (d->terminating)
                break;
        }
        /* reverse this role's children: the first listed is popped first */
        for (size_t i = first, j = st.n; i + 1 < j; i++, j--) {
            visit tmp = st.v[i];
            st.v[i] = st.v[j - 1];
            st.v[j - 1] = tmp;
        }
    }
    rc = otac_fail(c, OTA_E_NOT_FOUND, "%s: no trusted targets role lists it", path);
out:
    free(st.v);
    free(visited);
    return rc;
}

/* Fill *out from t; custom text goes to *custom (malloc'd, caller frees). */
static ota_err
fill_info(const ota_target *t, const char *role, ota_target_info *out, char **custom)
{
    memset(out, 0, sizeof *out);
    out->size = sizeof *out;
    *custom = NULL;
    if (t->custom != NULL) {
        /* ordinary JSON (control characters escaped, unlike canonical JSON),
         * compact, keys sorted: deterministic and parseable */
        *custom = json_dumps(t->custom, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (*custom == NULL)
            return OTA_E_NOMEM;
    }
    out->path = t->path;
    out->length = (uint64_t) t->length;
    out->has_sha256 = t->hashes.has_sha256;
    out->has_sha512 = t->hashes.has_sha512;
    memcpy(out->sha256, t->hashes.sha256, sizeof out->sha256);
    memcpy(out->sha512, t->hashes.sha512, sizeof out->sha512);
    out->custom_json = *custom;
    out->role = role;
    return OTA_OK;
}

ota_err
ota_client_get_target(ota_client *c, const char *path, ota_target_info *out)
{
    const ota_target *t = NULL;
    const char *role = NULL;
    char *custom = NULL;
    if (c == NULL)
        return OTA_E_ARG;
    otac_ok(c);
    if (path == NULL || out == NULL || path[0] == '\0')
        return otac_fail(c, OTA_E_ARG, "no target path");
    char msg[160];
    if (otac_struct_out_ok(out->size, OTAC_OUT_MIN, "ota_target_info", msg, sizeof msg) != OTA_OK)
        return otac_fail(c, OTA_E_ARG, "%s", msg);
    if (!c->refreshed)
        return otac_fail(c, OTA_E_ARG, "refresh first");
    ota_err rc = search(c, path, &t, &role);
    if (rc != OTA_OK)
        return rc;
    ota_target_info info;
    if ((rc = fill_info(t, role, &info, &custom)) != OTA_OK)
        return otac_fail(c, rc, "%s: custom field: %s", path, ota_strerror(rc));
    free(c->info_custom);
    c->info_custom = custom;
    otac_struct_out(out, out->size, &info, sizeof info);
    return OTA_OK;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

ota_err
ota_client_list_targets(ota_client *c, ota_target_cb cb, void *user)
{
    vstack st = {0};
    const char **paths = NULL;
    size_t npaths = 0, cap = 0, nloaded = 0;
    ota_err rc = OTA_E_ARG;
    if (c == NULL)
        return rc;
    otac_ok(c);
    if (cb == NULL) {
        rc = otac_fail(c, rc, "no callback");
        goto out;
    }
    if (!c->refreshed) {
        rc = otac_fail(c, rc, "refresh first");
        goto out;
    }
    /* walk every reachable role (bounded), collecting candidate paths */
    if (vpush(&st, "targets", "root") != OTA_OK) {
        rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    const char **walked = calloc(c->max_delegations, sizeof *walked);
    if (walked == NULL) {
        rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    while (st.n > 0 && nloaded < c->max_delegations) {
        visit cur = st.v[--st.n];
        bool seen = false;
        for (size_t i = 0; i < nloaded && !seen; i++)
            seen = strcmp(walked[i], cur.name) == 0;
        if (seen)
            continue;
        const ota_md *parent = delegator_md(c, cur.parent);
        ota_md *md = NULL;
        if (parent == NULL || (rc = load_role(c, cur.name, cur.parent, parent, &md)) != OTA_OK) {
            if (parent == NULL)
                rc = otac_fail(c, OTA_E_ARG, "internal: delegator %s not loaded", cur.parent);
            free(walked);
            goto out;
        }
        const char *stable = find_role(c, cur.name)->name;
        walked[nloaded++] = stable;
        for (size_t i = 0; i < md->ntargets; i++) {
            if (npaths == cap) {
                size_t ncap = cap ? 2 * cap : 64;
                const char **np = realloc(paths, ncap * sizeof *np);
                if (np == NULL) {
                    free(walked);
                    rc = otac_fail(c, OTA_E_NOMEM, "out of memory");
                    goto out;
                }
                paths = np;
                cap = ncap;
            }
            paths[npaths++] = md->targets[i].path;
        }
        for (size_t i = md->ndels; i > 0; i--)
            if ((rc = vpush(&st, md->dels[i - 1].name, stable)) != OTA_OK) {
                free(walked);
                rc = otac_fail(c, rc, "out of memory");
                goto out;
            }
    }
    free(walked);
    if (npaths > 0)
        qsort(paths, npaths, sizeof *paths, cmp_str);
    for (size_t i = 0; i < npaths; i++) {
        if (i > 0 && strcmp(paths[i], paths[i - 1]) == 0)
            continue;
        const ota_target *t = NULL;
        const char *role = NULL;
        char *custom = NULL;
        rc = search(c, paths[i], &t, &role);
        if (rc == OTA_E_NOT_FOUND) {
            otac_ok(c); /* listed by a role not trusted for it */
            continue;
        }
        if (rc != OTA_OK)
            goto out;
        ota_target_info info;
        if ((rc = fill_info(t, role, &info, &custom)) != OTA_OK) {
            rc = otac_fail(c, rc, "%s: custom field: %s", paths[i], ota_strerror(rc));
            goto out;
        }
        rc = cb(user, &info);
        free(custom);
        if (rc != OTA_OK) {
            if (c->err[0] == '\0')
                otac_fail(c, rc, "listing stopped by the callback");
            c->last = rc;
            goto out;
        }
    }
    otac_ok(c);
    rc = OTA_OK;
out:
    free(st.v);
    free(paths);
    return rc;
}
