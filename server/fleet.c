/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet.c — the data of the fleet page (GET /v1/fleet, docs/ota-server.md
 * "Fleet page"): what the repository under --root publishes, read from
 * its own metadata files, and which devices run less than the newest
 * release for their hardware.  No libmicrohttpd or SQLite here
 * (fleetpage.c answers the request, db.c counts the devices), so the unit
 * test compiles this file in.
 *
 * The files are the server's own repository, but they are read as
 * untrusted input all the same: through the safe opener under the root
 * fd (no symlink, regular files only), with the client's size limits,
 * parsed strictly (ota_md_parse), and a file that cannot be read or
 * parsed becomes an "error" on its role, never a failed request.  The
 * metadata is shown as published: signatures are not verified here
 * (`ota-sign status` and the devices do that).
 *
 * Roles are followed the way a client follows them: timestamp names the
 * snapshot version, the snapshot names each targets role's version, and
 * with consistent snapshots (root.json says so) those versions are in the
 * file names (N.snapshot.json, N.ROLE.json).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_release.h"
#include "ota_tuf.h"
#include "server.h"

/* ---- reading one metadata file ------------------------------------------------ */

/* metadata/NAME under root_fd, at most max bytes, into *buf (malloc'd).
 * On failure *why is a constant phrase. */
static ota_err
read_meta(int root_fd, const char *name, size_t max, uint8_t **buf, size_t *len,
          const char **why)
{
    char rel[OTA_MAX_ROLE_NAME_LEN + 64];
    struct stat st;
    *buf = NULL;
    *len = 0;
    if ((size_t) snprintf(rel, sizeof rel, "metadata/%s", name) >= sizeof rel) {
        *why = "name too long";
        return OTA_E_LIMIT;
    }
    int fd = srv_path_open(root_fd, rel, &st);
    if (fd < 0) {
        *why = errno == ENOENT ? "missing" : "cannot be opened (not a regular file, or a symlink)";
        return errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO;
    }
    if (st.st_size < 0 || (uintmax_t) st.st_size > max) {
        close(fd);
        *why = "larger than a device accepts";
        return OTA_E_LIMIT;
    }
    /* one byte more than the size: a file growing under us is seen */
    size_t cap = (size_t) st.st_size + 1, got = 0;
    uint8_t *p = malloc(cap);
    if (p == NULL) {
        close(fd);
        *why = "out of memory";
        return OTA_E_NOMEM;
    }
    for (;;) {
        ssize_t n = pread(fd, p + got, cap - got, (off_t) got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
        if (got == cap)
            break;
    }
    close(fd);
    if (got == cap || got > max) {
        free(p);
        *why = "changed while read";
        return OTA_E_IO;
    }
    *buf = p;
    *len = got;
    return OTA_OK;
}

/* Read and parse metadata/NAME as role type t; on failure *why says why
 * ("missing", "not valid metadata: <ota_err>"). */
static ota_err
load_md(int root_fd, const char *name, ota_role_type t, size_t max, ota_md **out,
        char *why, size_t why_cap)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    const char *w = NULL;
    ota_err rc = read_meta(root_fd, name, max, &buf, &len, &w);
    if (rc == OTA_OK) {
        rc = ota_md_parse(buf, len, t, out);
        if (rc != OTA_OK)
            snprintf(why, why_cap, "metadata/%s: not valid %s metadata: %s", name,
                     ota_role_name(t), ota_strerror(rc));
    } else {
        snprintf(why, why_cap, "metadata/%s: %s", name, w);
    }
    free(buf);
    return rc;
}

/* ---- roles and releases ----------------------------------------------------------- */

static void
role_file(bool consistent, int64_t version, const char *role, char *out, size_t cap)
{
    if (consistent && version > 0)
        snprintf(out, cap, "%lld.%s.json", (long long) version, role);
    else
        snprintf(out, cap, "%s.json", role);
}

/* {"role", "file", "version", "expires", "seconds_left"} of a parsed role,
 * or {"role", "file", "error"}; appended to roles.  NULL md: error. */
static ota_err
add_role(json_t *roles, const char *role, const char *file, const ota_md *md, const char *why,
         int64_t now)
{
    json_t *o = json_object();
    if (o == NULL || json_array_append_new(roles, o) != 0)
        return OTA_E_NOMEM;
    char f[OTA_MAX_ROLE_NAME_LEN + 64];
    snprintf(f, sizeof f, "metadata/%s", file);
    int bad = json_object_set_new(o, "role", json_string(role)) |
              json_object_set_new(o, "file", json_string(f));
    if (md != NULL) {
        char exp[21];
        if (ota_time_format(md->expires, exp) != OTA_OK)
            snprintf(exp, sizeof exp, "?");
        bad |= json_object_set_new(o, "version", json_integer(md->version)) |
               json_object_set_new(o, "expires", json_string(exp)) |
               json_object_set_new(o, "seconds_left", json_integer(md->expires - now));
    } else {
        bad |= json_object_set_new(o, "error", json_string(why));
    }
    return bad ? OTA_E_NOMEM : OTA_OK;
}

/* An array of the strings of v (an array), or NULL when v is not an array
 * of strings. */
static json_t *
string_array(const json_t *v)
{
    if (!json_is_array(v))
        return NULL;
    json_t *a = json_array();
    size_t i;
    const json_t *e;
    json_array_foreach((json_t *) v, i, e)
    {
        if (!json_is_string(e) || json_array_append_new(a, json_string(json_string_value(e)))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* What a release says about its package list (custom.ota_bundle.sbom,
 * bundle format 3): on o, "sbom" {"source","packages","sha256"} as signed,
 * "head_sha256" (the signed head hash the list is read under) and "file"
 * (where the bundle is under the root: targets/DIR/SHA256.NAME with
 * consistent snapshots, else targets/PATH); "sbom": null when the release
 * carries none.  Returns nonzero when out of memory. */
static int
sbom_of(json_t *o, const ota_target *t, bool consistent)
{
    const json_t *b = json_object_get(t->custom, "ota_bundle");
    const json_t *sb = json_object_get(b, "sbom");
    uint64_t head_len = 0;
    uint8_t head[OTA_SHA256_LEN];
    char hex[2 * OTA_SHA256_LEN + 1];
    if (!json_is_object(sb))
        return json_object_set_new(o, "sbom", json_null());
    json_t *copy = json_pack("{s:O?, s:O?, s:O?}", "source", json_object_get(sb, "source"),
                             "packages", json_object_get(sb, "packages"), "sha256",
                             json_object_get(sb, "sha256"));
    if (copy == NULL || json_object_set_new(o, "sbom", copy) != 0)
        return 1;
    if (ota_bundle_custom_head(t->custom, &head_len, head) != OTA_OK || !t->hashes.has_sha256)
        return json_object_set_new(o, "sbom_error",
                                   json_string("the target's ota_bundle has no valid head hash"));
    ota_hex_encode(head, sizeof head, hex);
    const char *slash = strrchr(t->path, '/');
    int dirlen = slash ? (int) (slash - t->path) + 1 : 0;
    char th[2 * OTA_SHA256_LEN + 1];
    ota_hex_encode(t->hashes.sha256, OTA_SHA256_LEN, th);
    json_t *file = consistent ? json_sprintf("targets/%.*s%s.%s", dirlen, t->path, th,
                                             slash ? slash + 1 : t->path)
                              : json_sprintf("targets/%s", t->path);
    if (file == NULL || json_object_set_new(o, "file", file) != 0)
        return 1;
    return json_object_set_new(o, "head_sha256", json_string(hex));
}

/* The release of one bundle target (custom.ota_bundle with a name and a
 * version), or NULL (not a release, or out of memory: *nomem). */
static json_t *
release_of(const char *role, const ota_target *t, bool consistent, bool *nomem)
{
    const json_t *b = json_object_get(t->custom, "ota_bundle");
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *version = json_string_value(json_object_get(b, "version"));
    if (name == NULL || version == NULL)
        return NULL; /* a plain target: not a release (as the client reads it) */
    ota_release_policy rel;
    json_t *hw = string_array(json_object_get(b, "hardware"));
    const char *why = NULL;
    if (ota_semver_check(version) != OTA_OK)
        why = "version is not a semantic version";
    else if (hw == NULL)
        why = "hardware is not a list of ids";
    else
        why = ota_release_read(json_object_get(t->custom, "ota_release"), &rel);
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:b}", "role", role, "path", t->path,
                          "length", (json_int_t) t->length, "name", name, "version", version,
                          "hardware", hw ? hw : json_array(), "valid", why == NULL);
    if (o == NULL) {
        *nomem = true;
        return NULL;
    }
    int bad = 0;
    if (why != NULL) {
        /* the client never offers it: show why, not values it would not use */
        bad = json_object_set_new(o, "error", json_string(why));
    } else {
        json_t *ch = json_array();
        for (size_t i = 0; ch != NULL && i < rel.nchannels; i++)
            bad |= json_array_append_new(ch, json_string(rel.channels[i]));
        bad |= json_object_set_new(o, "channels", ch) |
               json_object_set_new(o, "rollout", json_integer(rel.rollout)) |
               json_object_set_new(o, "downgrade", json_boolean(rel.downgrade));
    }
    bad |= sbom_of(o, t, consistent);
    if (bad) {
        json_decref(o);
        *nomem = true;
        return NULL;
    }
    return o;
}

/* Order of releases: bundle name, then newest version first (invalid
 * versions last), then path. */
static int
release_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
    int c = strcmp(json_string_value(json_object_get(x, "name")),
                   json_string_value(json_object_get(y, "name")));
    if (c != 0)
        return c;
    const char *vx = json_string_value(json_object_get(x, "version"));
    const char *vy = json_string_value(json_object_get(y, "version"));
    bool okx = ota_semver_check(vx) == OTA_OK, oky = ota_semver_check(vy) == OTA_OK;
    if (okx != oky)
        return okx ? -1 : 1;
    if (okx && (c = ota_semver_cmp(vx, vy)) != 0)
        return -c;
    return strcmp(json_string_value(json_object_get(x, "path")),
                  json_string_value(json_object_get(y, "path")));
}

/* Sort a JSON array in place with cmp over its elements. */
static ota_err
sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return OTA_OK;
    json_t **v = malloc(n * sizeof *v);
    if (v == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, cmp);
    json_array_clear(arr);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= json_array_append_new(arr, v[i]);
    free(v);
    return bad ? OTA_E_NOMEM : OTA_OK;
}

/* A delegated role's name is usable as a file name under metadata/: no
 * separator, nothing hidden, no escape, no control byte. */
static bool
role_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > OTA_MAX_ROLE_NAME_LEN || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) name[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '%')
            return false;
    }
    return true;
}

typedef struct repo_read {
    int root_fd;
    int64_t now;
    json_t *roles, *releases, *notes, *floors;
    bool nomem;
} repo_read;

static void
note(repo_read *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(repo_read *r, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (json_array_append_new(r->notes, json_string(buf)) != 0)
        r->nomem = true;
}

/* One targets role: its expiry, its releases, and for the top-level one
 * the floors. */
static void
read_targets(repo_read *r, const char *role, const ota_metafile *m, bool consistent)
{
    char file[OTA_MAX_ROLE_NAME_LEN + 32], why[OTA_MAX_ROLE_NAME_LEN + 160];
    ota_md *md = NULL;
    role_file(consistent, m->version, role, file, sizeof file);
    if (load_md(r->root_fd, file, OTA_ROLE_TARGETS, OTA_CLIENT_MAX_TARGETS_SIZE, &md, why,
                sizeof why) != OTA_OK) {
        if (add_role(r->roles, role, file, NULL, why, r->now) != OTA_OK)
            r->nomem = true;
        return;
    }
    if (md->version != m->version) {
        snprintf(why, sizeof why, "metadata/%s is version %lld, the snapshot names version %lld",
                 file, (long long) md->version, (long long) m->version);
        if (add_role(r->roles, role, file, NULL, why, r->now) != OTA_OK)
            r->nomem = true;
        ota_md_free(md);
        return;
    }
    if (add_role(r->roles, role, file, md, NULL, r->now) != OTA_OK)
        r->nomem = true;
    for (size_t i = 0; i < md->ntargets && !r->nomem; i++) {
        if (json_array_size(r->releases) >= SRV_FLEET_MAX_RELEASES) {
            note(r, "more than %u releases: the rest (from %s on) are not shown",
                 SRV_FLEET_MAX_RELEASES, md->targets[i].path);
            break;
        }
        json_t *rel = release_of(role, &md->targets[i], consistent, &r->nomem);
        if (rel != NULL && json_array_append_new(r->releases, rel) != 0)
            r->nomem = true;
    }
    if (strcmp(role, "targets") == 0) {
        const json_t *pol = json_object_get(md->signed_obj, "ota_policy");
        const char *bad = pol != NULL ? ota_policy_invalid(pol) : NULL;
        if (bad != NULL)
            note(r, "targets: ota_policy is invalid (%s): devices refuse to choose from this "
                    "metadata",
                 bad);
        else if (pol != NULL && json_object_update(r->floors, json_object_get(pol, "floors")))
            r->nomem = true;
    }
    ota_md_free(md);
}

ota_err
srv_fleet_repo(int root_fd, int64_t now, json_t **out)
{
    repo_read r = {.root_fd = root_fd,
                   .now = now,
                   .roles = json_array(),
                   .releases = json_array(),
                   .notes = json_array(),
                   .floors = json_object()};
    ota_md *root = NULL, *ts = NULL, *snap = NULL;
    char why[OTA_MAX_ROLE_NAME_LEN + 160] = "", file[64];
    *out = NULL;
    if (r.roles == NULL || r.releases == NULL || r.notes == NULL || r.floors == NULL)
        goto done;
    /* root: its expiry, and whether file names carry versions */
    if (load_md(root_fd, "root.json", OTA_ROLE_ROOT, OTA_MAX_ROOT_SIZE, &root, why, sizeof why) !=
        OTA_OK)
        root = NULL;
    if (add_role(r.roles, "root", "root.json", root, why, now) != OTA_OK)
        goto done;
    bool consistent = root != NULL && root->consistent_snapshot;
    if (load_md(root_fd, "timestamp.json", OTA_ROLE_TIMESTAMP, OTA_MAX_TIMESTAMP_SIZE, &ts, why,
                sizeof why) != OTA_OK)
        ts = NULL;
    if (add_role(r.roles, "timestamp", "timestamp.json", ts, why, now) != OTA_OK)
        goto done;
    const ota_metafile *sm = ts != NULL ? ota_md_find_meta(ts, "snapshot.json") : NULL;
    if (ts != NULL && sm == NULL) {
        snprintf(why, sizeof why, "timestamp.json names no snapshot.json");
        if (add_role(r.roles, "snapshot", "snapshot.json", NULL, why, now) != OTA_OK)
            goto done;
    } else {
        role_file(consistent, sm != NULL ? sm->version : 0, "snapshot", file, sizeof file);
        if (load_md(root_fd, file, OTA_ROLE_SNAPSHOT, OTA_CLIENT_MAX_SNAPSHOT_SIZE, &snap, why,
                    sizeof why) != OTA_OK)
            snap = NULL;
        if (snap != NULL && sm != NULL && snap->version != sm->version) {
            snprintf(why, sizeof why,
                     "metadata/%s is version %lld, the timestamp names version %lld", file,
                     (long long) snap->version, (long long) sm->version);
            ota_md_free(snap);
            snap = NULL;
        }
        if (add_role(r.roles, "snapshot", file, snap, why, now) != OTA_OK)
            goto done;
    }
    if (snap != NULL) {
        /* the top-level targets first, then the delegated roles as listed */
        const ota_metafile *tm = ota_md_find_meta(snap, "targets.json");
        if (tm != NULL)
            read_targets(&r, "targets", tm, consistent);
        else if (add_role(r.roles, "targets", "targets.json", NULL,
                          "the snapshot names no targets.json", now) != OTA_OK)
            goto done;
        unsigned shown = 1;
        for (size_t i = 0; i < snap->nmeta && !r.nomem; i++) {
            const ota_metafile *m = &snap->meta[i];
            size_t n = strlen(m->name);
            if (m == tm)
                continue;
            if (shown >= SRV_FLEET_MAX_ROLES) {
                note(&r, "the snapshot lists more than %u targets roles: the rest are not shown",
                     SRV_FLEET_MAX_ROLES);
                break;
            }
            char role[OTA_MAX_ROLE_NAME_LEN + 1];
            if (n <= 5 || n - 5 > OTA_MAX_ROLE_NAME_LEN || strcmp(m->name + n - 5, ".json") != 0) {
                note(&r, "the snapshot lists a file that is not a role: %.80s", m->name);
                continue;
            }
            memcpy(role, m->name, n - 5);
            role[n - 5] = '\0';
            if (!role_name_ok(role) || ota_role_from_name(role) >= 0) {
                note(&r, "the snapshot lists a role name that is not shown: %.80s", role);
                continue;
            }
            read_targets(&r, role, m, consistent);
            shown++;
        }
    }
    if (!r.nomem && sort_array(r.releases, release_cmp) == OTA_OK)
        *out = json_pack("{s:O, s:O, s:O, s:O}", "roles", r.roles, "releases", r.releases,
                         "floors", r.floors, "notes", r.notes);
done:
    ota_md_free(root);
    ota_md_free(ts);
    ota_md_free(snap);
    json_decref(r.roles);
    json_decref(r.releases);
    json_decref(r.notes);
    json_decref(r.floors);
    return *out != NULL ? OTA_OK : OTA_E_NOMEM;
}

/* ---- devices against releases ------------------------------------------------------------- */

/* Order of the version counts: newest version first, invalid ones last. */
static int
version_count_cmp(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *) a, "version"));
    const char *y = json_string_value(json_object_get(*(json_t *const *) b, "version"));
    bool okx = ota_semver_check(x) == OTA_OK, oky = ota_semver_check(y) == OTA_OK;
    if (okx != oky)
        return okx ? -1 : 1;
    int c = okx ? -ota_semver_cmp(x, y) : 0;
    return c != 0 ? c : strcmp(x ? x : "", y ? y : "");
}

ota_err
srv_fleet_annotate(json_t *fleet)
{
    json_t *newest = json_object();
    if (newest == NULL || json_object_set_new(fleet, "newest", newest) != 0)
        return OTA_E_NOMEM;
    /* the newest valid release offered to anyone (rollout above 0), per
     * hardware id it lists */
    size_t i, j;
    json_t *rel, *hw;
    json_array_foreach(json_object_get(fleet, "releases"), i, rel)
    {
        if (!json_is_true(json_object_get(rel, "valid")) ||
            json_integer_value(json_object_get(rel, "rollout")) <= 0)
            continue;
        const char *v = json_string_value(json_object_get(rel, "version"));
        json_array_foreach(json_object_get(rel, "hardware"), j, hw)
        {
            const char *h = json_string_value(hw);
            if (!ota_id_valid(h))
                continue;
            const char *cur = json_string_value(json_object_get(json_object_get(newest, h),
                                                                "version"));
            if (cur != NULL && ota_semver_cmp(v, cur) <= 0)
                continue;
            json_t *n = json_pack("{s:O, s:O, s:O}", "version", json_object_get(rel, "version"),
                                  "name", json_object_get(rel, "name"), "path",
                                  json_object_get(rel, "path"));
            if (n == NULL || json_object_set_new(newest, h, n) != 0)
                return OTA_E_NOMEM;
        }
    }
    /* each device: the newest release for its hardware, whether it runs
     * less, and whether it runs less than that bundle's floor */
    const json_t *floors = json_object_get(fleet, "floors");
    json_t *dev;
    json_array_foreach(json_object_get(fleet, "devices"), i, dev)
    {
        const char *h = json_string_value(json_object_get(dev, "hardware_id"));
        const char *v = json_string_value(json_object_get(dev, "installed_version"));
        const json_t *n = h != NULL ? json_object_get(newest, h) : NULL;
        const char *nv = json_string_value(json_object_get(n, "version"));
        const char *fl = json_string_value(
            json_object_get(floors, json_string_value(json_object_get(n, "name"))));
        bool valid = ota_semver_check(v) == OTA_OK;
        bool behind = nv != NULL && valid && ota_semver_cmp(v, nv) < 0;
        bool below = fl != NULL && valid && ota_semver_check(fl) == OTA_OK &&
                     ota_semver_cmp(v, fl) < 0;
        if (json_object_set_new(dev, "newest", nv ? json_string(nv) : json_null()) != 0 ||
            json_object_set_new(dev, "behind", json_boolean(behind)) != 0 ||
            json_object_set_new(dev, "below_floor", json_boolean(below)) != 0)
            return OTA_E_NOMEM;
    }
    return sort_array(json_object_get(fleet, "versions"), version_count_cmp);
}
