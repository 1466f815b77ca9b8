/* SPDX-License-Identifier: Apache-2.0 */
/*
 * repo.c — the repository ota-sign keeps: loading and locking it, staging
 * changes below a threshold, publishing new metadata (and staged target
 * files) atomically in dependency order.
 */
#include "repo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ota_atomic.h"
#include "ota_json.h"
#include "ota_limits.h"
#include "ota_util.h"

static const int64_t default_expires[OTA_ROLE_COUNT] = {
    365 * 86400, /* root: 1 year, re-signed at a key ceremony */
    86400,       /* timestamp: 1 day, re-signed by cron with an online key */
    7 * 86400,   /* snapshot: 1 week */
    90 * 86400,  /* targets: 3 months */
};

const char *
short_id(const char *keyid)
{
    static char buf[4][13];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%.12s", keyid);
    return b;
}

ota_err
parse_duration(const char *s, int64_t *out)
{
    uint64_t v;
    const char *end;
    if (ota_parse_u64_prefix(s, 1, 100000, &v, &end) != OTA_OK)
        return OTA_E_ARG;
    int64_t unit;
    if (strcmp(end, "s") == 0)
        unit = 1;
    else if (strcmp(end, "m") == 0)
        unit = 60;
    else if (strcmp(end, "h") == 0)
        unit = 3600;
    else if (strcmp(end, "d") == 0)
        unit = 86400;
    else if (strcmp(end, "w") == 0)
        unit = 7 * 86400;
    else if (strcmp(end, "y") == 0)
        unit = 365 * 86400;
    else
        return OTA_E_ARG;
    *out = (int64_t) v * unit;
    return OTA_OK;
}

static ota_err
set_paths(repo *r, const char *dir)
{
    memset(r, 0, sizeof *r);
    r->lock_fd = -1;
    r->now = (int64_t) time(NULL);
    r->dir = strdup(dir);
    r->meta_dir = fs_join(dir, "metadata");
    r->targets_dir = fs_join(dir, "targets");
    r->state_dir = fs_join(dir, ".ota");
    r->staged_dir = r->state_dir ? fs_join(r->state_dir, "staged") : NULL;
    if (!r->dir || !r->meta_dir || !r->targets_dir || !r->state_dir || !r->staged_dir)
        return OTA_E_NOMEM;
    memcpy(r->expires, default_expires, sizeof r->expires);
    r->consistent = true;
    return OTA_OK;
}

static ota_err
lock_repo(repo *r)
{
    char *path = fs_join(r->state_dir, "lock");
    if (path == NULL)
        return OTA_E_NOMEM;
    r->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    free(path);
    if (r->lock_fd < 0)
        return OTA_E_IO;
    if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        r->fail_exit = sign_error(SX_BUSY, "%s: another ota-sign is working on this repository", r->dir);
        return OTA_E_IO;
    }
    return OTA_OK;
}

static ota_err
read_json_file(const char *path, json_t **out)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    ota_err rc = ota_file_read(path, OTA_MAX_METADATA_SIZE, &buf, &n);
    if (rc == OTA_OK)
        rc = ota_json_parse(buf, n, 0, out);
    free(buf);
    return rc;
}

static ota_err
read_config(repo *r)
{
    char *path = fs_join(r->state_dir, "config.json");
    json_t *cfg = NULL;
    if (path == NULL)
        return OTA_E_NOMEM;
    ota_err rc = read_json_file(path, &cfg);
    free(path);
    if (rc != OTA_OK)
        return rc;
    const json_t *exp = json_object_get(cfg, "expires");
    for (int i = 0; i < OTA_ROLE_COUNT; i++) {
        const json_t *v = json_object_get(exp, ota_role_name((ota_role_type) i));
        if (json_is_integer(v) && json_integer_value(v) > 0)
            r->expires[i] = (int64_t) json_integer_value(v);
    }
    const json_t *cs = json_object_get(cfg, "consistent_snapshot");
    if (json_is_boolean(cs))
        r->consistent = json_is_true(cs);
    json_decref(cfg);
    return OTA_OK;
}

static ota_err
load_md(repo *r, const char *name, ota_role_type t, ota_md **out)
{
    char *path = fs_join(r->meta_dir, name);
    uint8_t *buf = NULL;
    size_t n = 0;
    if (path == NULL)
        return OTA_E_NOMEM;
    ota_err rc = ota_file_read(path, OTA_MAX_METADATA_SIZE, &buf, &n);
    if (rc == OTA_OK)
        rc = ota_md_parse(buf, n, t, out);
    if (rc != OTA_OK && rc != OTA_E_NOT_FOUND)
        sign_fail(rc, "%s", path);
    free(buf);
    free(path);
    return rc;
}

void
repo_role_file(bool consistent, char *buf, size_t cap, const char *name, int64_t version)
{
    if (consistent && version > 0)
        snprintf(buf, cap, "%lld.%s.json", (long long) version, name);
    else
        snprintf(buf, cap, "%s.json", name);
}

repo_role *
repo_role_get(repo *r, const char *name)
{
    for (size_t i = 0; i < r->nroles; i++)
        if (strcmp(r->roles[i].name, name) == 0)
            return &r->roles[i];
    return NULL;
}

ota_err
repo_role_add(repo *r, const char *name, const char *delegator, ota_md *md)
{
    repo_role *nv = realloc(r->roles, (r->nroles + 1) * sizeof *nv);
    if (nv == NULL)
        return OTA_E_NOMEM;
    r->roles = nv;
    repo_role *role = &r->roles[r->nroles];
    memset(role, 0, sizeof *role);
    role->name = strdup(name);
    role->delegator = delegator ? strdup(delegator) : NULL;
    if (role->name == NULL || (delegator && role->delegator == NULL)) {
        free(role->name);
        free(role->delegator);
        return OTA_E_NOMEM;
    }
    role->md = md;
    r->nroles++;
    return OTA_OK;
}

const ota_md *
repo_delegator_of(repo *r, const char *name)
{
    if (ota_role_from_name(name) >= 0)
        return r->root;
    repo_role *role = repo_role_get(r, name);
    if (role == NULL || role->delegator == NULL)
        return NULL;
    repo_role *d = repo_role_get(r, role->delegator);
    return d ? d->md : NULL;
}

/* After loading every role: who delegates whom. */
static void
link_delegators(repo *r)
{
    for (size_t i = 0; i < r->nroles; i++) {
        const ota_md *md = r->roles[i].md;
        for (size_t j = 0; j < md->ndels; j++) {
            repo_role *child = repo_role_get(r, md->dels[j].name);
            if (child != NULL && child->delegator == NULL && child != &r->roles[i])
                child->delegator = strdup(r->roles[i].name);
        }
    }
}

static ota_err
load_published(repo *r)
{
    char name[OTA_MAX_ROLE_NAME_LEN + 32];
    ota_err rc = load_md(r, "root.json", OTA_ROLE_ROOT, &r->root);
    if (rc == OTA_E_NOT_FOUND) {
        /* an init whose first root waits for offline signatures */
        char *staged_root = fs_join(r->staged_dir, "root.json");
        struct stat st;
        bool pending = staged_root != NULL && stat(staged_root, &st) == 0;
        free(staged_root);
        if (pending)
            return OTA_OK;
        r->fail_exit = sign_error(SX_NOREPO, "%s is not an ota repository (no metadata/root.json)", r->dir);
    }
    if (rc != OTA_OK)
        return rc;
    if ((rc = load_md(r, "timestamp.json", OTA_ROLE_TIMESTAMP, &r->timestamp)) != OTA_OK)
        return rc;
    const ota_metafile *sm = ota_md_find_meta(r->timestamp, "snapshot.json");
    if (sm == NULL)
        return OTA_E_FORMAT;
    repo_role_file(r->consistent, name, sizeof name, "snapshot", sm->version);
    if ((rc = load_md(r, name, OTA_ROLE_SNAPSHOT, &r->snapshot)) != OTA_OK)
        return rc;
    /* targets first, so roles[0] is "targets" */
    const ota_metafile *tm = ota_md_find_meta(r->snapshot, "targets.json");
    if (tm == NULL)
        return OTA_E_FORMAT;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->snapshot->nmeta; i++) {
            const ota_metafile *m = &r->snapshot->meta[i];
            bool is_targets = strcmp(m->name, "targets.json") == 0;
            if ((pass == 0) != is_targets)
                continue;
            size_t n = strlen(m->name);
            if (n <= 5 || strcmp(m->name + n - 5, ".json") != 0 || n - 5 > OTA_MAX_ROLE_NAME_LEN)
                return OTA_E_FORMAT;
            char role[OTA_MAX_ROLE_NAME_LEN + 1];
            memcpy(role, m->name, n - 5);
            role[n - 5] = '\0';
            ota_md *md = NULL;
            repo_role_file(r->consistent, name, sizeof name, role, m->version);
            if ((rc = load_md(r, name, OTA_ROLE_TARGETS, &md)) != OTA_OK)
                return rc;
            if ((rc = repo_role_add(r, role, NULL, md)) != OTA_OK) {
                ota_md_free(md);
                return rc;
            }
        }
    }
    link_delegators(r);
    return OTA_OK;
}

static ota_err
open_common(repo *r, const char *dir, bool lock)
{
    ota_err rc = set_paths(r, dir);
    if (rc != OTA_OK)
        return rc;
    struct stat st;
    if (stat(r->state_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        r->fail_exit = sign_error(SX_NOREPO, "%s is not an ota repository (no .ota directory)", dir);
        return OTA_E_NOT_FOUND;
    }
    if (lock && (rc = lock_repo(r)) != OTA_OK)
        return rc;
    if ((rc = read_config(r)) != OTA_OK) {
        sign_fail(rc, "%s/.ota/config.json", dir);
        return rc;
    }
    return load_published(r);
}

ota_err
repo_open(repo *r, const char *dir)
{
    return open_common(r, dir, true);
}

ota_err
repo_open_readonly(repo *r, const char *dir)
{
    return open_common(r, dir, false);
}

ota_err
repo_create(repo *r, const char *dir, const int64_t expires[OTA_ROLE_COUNT], bool consistent)
{
    ota_err rc = set_paths(r, dir);
    if (rc != OTA_OK)
        return rc;
    struct stat st;
    if (stat(r->meta_dir, &st) == 0 || stat(r->state_dir, &st) == 0) {
        sign_error(SX_EXISTS, "%s already holds a repository; refusing to re-initialise", dir);
        return OTA_E_EXISTS;
    }
    for (int i = 0; i < OTA_ROLE_COUNT; i++)
        if (expires[i] > 0)
            r->expires[i] = expires[i];
    r->consistent = consistent;
    if ((rc = ota_mkdirs(r->staged_dir, 0755)) != OTA_OK ||
        (rc = ota_mkdirs(r->meta_dir, 0755)) != OTA_OK ||
        (rc = ota_mkdirs(r->targets_dir, 0755)) != OTA_OK) {
        sign_fail(rc, "cannot create %s", dir);
        return rc;
    }
    if ((rc = lock_repo(r)) != OTA_OK)
        return rc;
    json_t *cfg = json_pack("{s:i, s:{s:I, s:I, s:I, s:I}, s:b}", "ota_repo_config", 1, "expires",
                            "root", (json_int_t) r->expires[0], "timestamp",
                            (json_int_t) r->expires[1], "snapshot", (json_int_t) r->expires[2],
                            "targets", (json_int_t) r->expires[3], "consistent_snapshot",
                            consistent);
    char *text = cfg ? json_dumps(cfg, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(cfg);
    char *path = fs_join(r->state_dir, "config.json");
    rc = text && path ? ota_atomic_replace_path(path, text, strlen(text), 0644) : OTA_E_NOMEM;
    free(text);
    free(path);
    return rc;
}

void
repo_remove_skeleton(repo *r)
{
    const char *state_files[] = {"config.json", "lock"};
    for (size_t i = 0; i < sizeof state_files / sizeof state_files[0]; i++) {
        char *p = fs_join(r->state_dir, state_files[i]);
        if (p)
            unlink(p);
        free(p);
    }
    rmdir(r->staged_dir);
    rmdir(r->state_dir);
    rmdir(r->meta_dir);
    rmdir(r->targets_dir);
}

void
repo_close(repo *r)
{
    for (size_t i = 0; i < r->nfiles; i++)
        fs_abort(&r->files[i]);
    free(r->files);
    for (size_t i = 0; i < r->nroles; i++) {
        free(r->roles[i].name);
        free(r->roles[i].delegator);
        ota_md_free(r->roles[i].md);
        json_decref(r->roles[i].published);
    }
    free(r->roles);
    ota_md_free(r->root);
    ota_md_free(r->old_root);
    ota_md_free(r->timestamp);
    ota_md_free(r->snapshot);
    keys_free(&r->keys);
    if (r->lock_fd >= 0)
        close(r->lock_fd);
    free(r->dir);
    free(r->meta_dir);
    free(r->targets_dir);
    free(r->state_dir);
    free(r->staged_dir);
    memset(r, 0, sizeof *r);
    r->lock_fd = -1;
}

static size_t
count_staged(repo *r)
{
    DIR *d = opendir(r->staged_dir);
    size_t n = 0;
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] != '.' && l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            n++;
    }
    closedir(d);
    return n;
}

bool
repo_has_staged(repo *r)
{
    return count_staged(r) > 0;
}

ota_err
repo_check_no_staged(repo *r)
{
    if (count_staged(r) == 0)
        return OTA_OK;
    sign_error(SX_THRESHOLD,
               "%s has staged metadata waiting for signatures; finish it first "
               "(ota-sign sign / ota-sign publish), see ota-sign status",
               r->dir);
    return OTA_E_SIGNATURE;
}

ota_err
repo_new_md(repo *r, ota_role_type t, json_t *body, ota_md **out)
{
    char exp[21];
    ota_err rc = ota_time_format(r->now + r->expires[t], exp);
    if (rc != OTA_OK) {
        json_decref(body);
        return rc;
    }
    json_t *s = json_pack("{s:s, s:s, s:i, s:s}", "_type", ota_role_name(t), "spec_version",
                          OTA_TUF_SPEC_VERSION, "version", 1, "expires", exp);
    if (s == NULL || json_object_update(s, body) != 0) {
        json_decref(s);
        json_decref(body);
        return OTA_E_NOMEM;
    }
    json_decref(body);
    json_t *doc = json_pack("{s:o, s:[]}", "signed", s, "signatures");
    if (doc == NULL)
        return OTA_E_NOMEM;
    return ota_md_from_json(doc, t, out);
}

ota_err
repo_bump(repo *r, ota_md *md, int64_t period, int64_t version)
{
    char exp[21];
    ota_err rc = ota_time_format(r->now + period, exp);
    if (rc != OTA_OK)
        return rc;
    int64_t v = version > 0 ? version : md->version + 1;
    if (json_object_set_new(md->signed_obj, "version", json_integer(v)) != 0 ||
        json_object_set_new(md->signed_obj, "expires", json_string(exp)) != 0 ||
        json_array_clear(json_object_get(md->doc, "signatures")) != 0)
        return OTA_E_NOMEM;
    return ota_md_refresh(md);
}

static const ota_role_keys *
role_keys(const ota_md *delegator, const char *role, const ota_keyring **ring)
{
    int top = ota_role_from_name(role);
    *ring = &delegator->keys;
    if (delegator->type == OTA_ROLE_ROOT)
        return top >= 0 ? &delegator->roles[top] : NULL;
    const ota_delegation *d = ota_md_find_delegation(delegator, role);
    return d ? &d->rk : NULL;
}

ota_err
repo_sign_role(repo *r, ota_md *md, const char *role, const ota_md *delegator)
{
    const ota_keyring *ring = NULL;
    const ota_role_keys *rk = role_keys(delegator, role, &ring);
    if (rk == NULL)
        return OTA_E_NOT_FOUND;
    /* Signing refreshes md, and md may be its own delegator (root): copy
     * the key id list (the strings live in the unchanged "signed" JSON). */
    size_t nids = rk->nkeyids;
    int64_t threshold = rk->threshold;
    const char **ids = calloc(nids ? nids : 1, sizeof *ids);
    if (ids == NULL)
        return OTA_E_NOMEM;
    memcpy(ids, rk->keyids, nids * sizeof *ids);
    ota_err rc = OTA_OK;
    for (size_t i = 0; i < nids && rc == OTA_OK; i++) {
        ota_secret_key *sk = keys_secret(&r->keys, ids[i], &rc);
        if (sk == NULL && rc == OTA_E_NOT_FOUND)
            rc = OTA_OK; /* not given: someone else signs */
        else if (sk != NULL)
            rc = ota_md_sign(md, sk);
        /* else: wrong passphrase etc.: stop, nothing written */
    }
    size_t nvalid = 0;
    if (rc == OTA_OK)
        rc = ota_md_verify_role(delegator, role, md, &nvalid);
    if (rc == OTA_E_SIGNATURE) {
        fprintf(stderr, "ota-sign: %s v%lld: %zu of %lld signatures; missing keys:", role,
                (long long) md->version, nvalid, (long long) threshold);
        for (size_t i = 0; i < nids; i++) {
            bool have = false;
            for (size_t s = 0; s < md->nsigs; s++)
                have = have || strcmp(md->sigs[s].keyid, ids[i]) == 0;
            const char *file = NULL;
            for (size_t k = 0; k < r->keys.n && file == NULL; k++)
                if (strcmp(r->keys.v[k].keyid, ids[i]) == 0)
                    file = r->keys.v[k].path;
            if (!have)
                fprintf(stderr, " %s", file ? file : ids[i]);
        }
        fputc('\n', stderr);
    }
    free(ids);
    return rc;
}

bool
repo_target_path_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > OTA_MAX_PATH_LEN || p[0] == '/' || p[n - 1] == '/')
        return false;
    const char *seg = p;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char) p[i];
        if (c == '/' || c == '\0') {
            size_t len = (size_t) (p + i - seg);
            if (len == 0 || seg[0] == '.') /* empty, ".", "..", hidden */
                return false;
            seg = p + i + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\')
            return false;
    }
    return true;
}

char *
repo_target_file(const char *targets_dir, bool consistent, const char *path,
                 const uint8_t sha256[32])
{
    char hex[65] = "";
    if (consistent)
        ota_hex_encode(sha256, 32, hex);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t) (slash - path) + 1 : 0;
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(targets_dir) + strlen(path) + 70;
    char *out = malloc(n);
    if (out == NULL)
        return NULL;
    if (consistent)
        snprintf(out, n, "%s/%.*s%s.%s", targets_dir, (int) dirlen, path, hex, base);
    else
        snprintf(out, n, "%s/%s", targets_dir, path);
    return out;
}

/* A new slot at the end of r->files (not counted until filled). */
static fs_pending *
files_slot(repo *r)
{
    if (r->nfiles == r->cap_files) {
        size_t cap = r->cap_files ? 2 * r->cap_files : 16;
        fs_pending *nv = realloc(r->files, cap * sizeof *nv);
        if (nv == NULL)
            return NULL;
        r->files = nv;
        r->cap_files = cap;
    }
    return &r->files[r->nfiles];
}

ota_err
repo_stage_target_file(repo *r, const char *path, const char *src, uint64_t *length,
                       uint8_t sha256[32])
{
    uint8_t h[32];
    uint64_t len = 0;
    /* The consistent name holds the hash, known only once the file is read:
     * copy it once, hashing on the way, to a temporary in the target's
     * directory, then aim the pending rename at the hash-named file there. */
    char *plain = repo_target_file(r->targets_dir, false, path, NULL);
    char *dir = plain ? strdup(plain) : NULL;
    if (dir == NULL) {
        free(plain);
        return OTA_E_NOMEM;
    }
    *strrchr(dir, '/') = '\0';
    ota_err rc = ota_mkdirs(dir, 0755);
    free(dir);
    fs_pending *p = rc == OTA_OK ? files_slot(r) : NULL;
    if (rc == OTA_OK && p == NULL)
        rc = OTA_E_NOMEM;
    if (rc == OTA_OK) {
        /* no fsync per file: publishing syncs them all at once (the
         * metadata lists no SHA-512: not computed) */
        rc = fs_stage_copy(p, plain, src, &len, h, NULL, false);
        if (rc == OTA_OK && r->consistent) {
            char *dst = repo_target_file(r->targets_dir, true, path, h);
            if (dst == NULL) {
                fs_abort(p);
                rc = OTA_E_NOMEM;
            } else
                fs_retarget(p, dst);
        }
        if (rc == OTA_OK)
            r->nfiles++;
    }
    free(plain);
    if (rc == OTA_OK) {
        *length = len;
        memcpy(sha256, h, 32);
    }
    return rc;
}

repo_role *
repo_role_for_path(repo *r, const char *path)
{
    repo_role *cur = repo_role_get(r, "targets");
    for (int depth = 0; cur != NULL && depth < OTA_MAX_DELEGATION_VISITS; depth++) {
        repo_role *next = NULL;
        for (size_t i = 0; i < cur->md->ndels && next == NULL; i++)
            if (ota_delegation_matches(&cur->md->dels[i], path))
                next = repo_role_get(r, cur->md->dels[i].name);
        if (next == NULL)
            break;
        cur = next;
    }
    return cur;
}

/* Before the first change: keep the role's "targets" as published. */
static ota_err
keep_published(repo_role *role)
{
    if (role->published == NULL &&
        (role->published = json_deep_copy(json_object_get(role->md->signed_obj, "targets"))) ==
            NULL)
        return OTA_E_NOMEM;
    return OTA_OK;
}

ota_err
repo_edit_role(repo *r, repo_role *role)
{
    if (role->changed)
        return OTA_OK;
    if (keep_published(role) != OTA_OK)
        return OTA_E_NOMEM;
    ota_err rc = repo_bump(r, role->md, r->expires[OTA_ROLE_TARGETS], 0);
    if (rc == OTA_OK)
        role->changed = true;
    return rc;
}

ota_err
repo_set_targets(repo *r, repo_role *role, json_t *entries)
{
    json_t *targets = json_object_get(role->md->signed_obj, "targets");
    if (!json_is_object(targets))
        return OTA_E_FORMAT;
    bool first = !role->changed;
    if (first && keep_published(role) != OTA_OK)
        return OTA_E_NOMEM;
    if (json_object_update(targets, entries) != 0)
        return OTA_E_NOMEM;
    /* one refresh: the bump's on the first change */
    ota_err rc = first ? repo_bump(r, role->md, r->expires[OTA_ROLE_TARGETS], 0)
                       : ota_md_refresh(role->md);
    if (rc == OTA_OK)
        role->changed = true;
    return rc;
}

ota_err
repo_sign_changed(repo *r)
{
    ota_err result = OTA_OK;
    if (r->root_changed) {
        /* old root keys, then the new root's own (rotation needs both) */
        if (r->old_root != NULL) {
            ota_err rc = repo_sign_role(r, r->root, "root", r->old_root);
            if (rc != OTA_OK && rc != OTA_E_SIGNATURE)
                return rc;
        }
        ota_err rc = repo_sign_role(r, r->root, "root", r->root);
        if (rc != OTA_OK && rc != OTA_E_SIGNATURE)
            return rc;
        if (rc != OTA_OK)
            result = rc;
    }
    for (size_t i = 0; i < r->nroles; i++) {
        if (!r->roles[i].changed)
            continue;
        const ota_md *d = repo_delegator_of(r, r->roles[i].name);
        if (d == NULL)
            return OTA_E_NOT_FOUND;
        ota_err rc = repo_sign_role(r, r->roles[i].md, r->roles[i].name, d);
        if (rc != OTA_OK && rc != OTA_E_SIGNATURE)
            return rc;
        if (rc != OTA_OK)
            result = rc;
    }
    return result;
}

/* ---- publishing --------------------------------------------------------- */

typedef struct outfile {
    char name[OTA_MAX_ROLE_NAME_LEN + 40];
    uint8_t *bytes;
    size_t len;
} outfile;

static ota_err
serialize(const ota_md *md, outfile *o, const char *name)
{
    snprintf(o->name, sizeof o->name, "%s", name);
    return ota_md_serialize(md, &o->bytes, &o->len);
}

static json_t *
meta_entry(int64_t version, const outfile *o)
{
    uint8_t h[32];
    char hex[65];
    ota_sha256(o->bytes, o->len, h);
    ota_hex_encode(h, sizeof h, hex);
    return json_pack("{s:I, s:I, s:{s:s}}", "version", (json_int_t) version, "length",
                     (json_int_t) o->len, "hashes", "sha256", hex);
}

ota_err
repo_save_staged(repo *r)
{
    ota_err rc = ota_mkdirs(r->staged_dir, 0755);
    char name[OTA_MAX_ROLE_NAME_LEN + 8];
    for (size_t i = 0; rc == OTA_OK && i <= r->nroles; i++) {
        const ota_md *md = NULL;
        if (i == r->nroles) {
            if (!r->root_changed)
                break;
            md = r->root;
            snprintf(name, sizeof name, "root.json");
        } else {
            if (!r->roles[i].changed)
                continue;
            md = r->roles[i].md;
            snprintf(name, sizeof name, "%s.json", r->roles[i].name);
        }
        outfile o;
        if ((rc = serialize(md, &o, name)) != OTA_OK)
            break;
        char *path = fs_join(r->staged_dir, name);
        rc = path ? ota_atomic_replace_path(path, o.bytes, o.len, 0644) : OTA_E_NOMEM;
        if (rc == OTA_OK && !r->quiet)
            fprintf(stderr, "ota-sign: staged %s\n", path);
        free(path);
        free(o.bytes);
    }
    return rc;
}

void
repo_clear_staged(repo *r)
{
    DIR *d = opendir(r->staged_dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l <= 5 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        char *p = fs_join(r->staged_dir, e->d_name);
        if (p)
            unlink(p);
        free(p);
    }
    closedir(d);
    char *t = fs_join(r->staged_dir, "targets");
    if (t != NULL)
        fs_remove_tree(t);
    free(t);
}

/* Where the staged copy of a target file lives: staged/targets/ + its path
 * under targets/. */
static char *
staged_target_path(repo *r, const char *final)
{
    size_t n = strlen(r->targets_dir);
    if (strncmp(final, r->targets_dir, n) != 0 || final[n] != '/')
        return NULL;
    char *base = fs_join(r->staged_dir, "targets");
    char *out = base ? fs_join(base, final + n + 1) : NULL;
    free(base);
    return out;
}

/* Staging: keep this run's target files with the staged metadata. */
static ota_err
stage_target_files(repo *r)
{
    ota_err rc = fs_sync_pending(r->files, r->nfiles); /* at once, not per move */
    for (size_t i = 0; rc == OTA_OK && i < r->nfiles; i++) {
        if (r->files[i].path == NULL)
            continue;
        char *dst = staged_target_path(r, r->files[i].path);
        char *dir = dst ? strdup(dst) : NULL;
        if (dir == NULL) {
            free(dst);
            return OTA_E_NOMEM;
        }
        *strrchr(dir, '/') = '\0';
        if ((rc = ota_mkdirs(dir, 0755)) == OTA_OK)
            rc = fs_move_pending(&r->files[i], dst);
        if (rc == OTA_OK && !r->quiet)
            fprintf(stderr, "ota-sign: staged %s\n", dst);
        free(dir);
        free(dst);
    }
    return rc;
}

/* Metadata and target files of this run to .ota/staged/. */
static ota_err
stage_all(repo *r)
{
    ota_err rc = repo_save_staged(r);
    if (rc == OTA_OK)
        rc = stage_target_files(r);
    return rc;
}

/* The entry of target t as published in its role (same length and
 * SHA-256): its file was checked when it was published. */
static bool
published_same(const repo_role *role, const ota_target *t)
{
    const json_t *old = json_object_get(role->published, t->path);
    const json_t *oh = json_object_get(json_object_get(old, "hashes"), "sha256");
    char hex[65];
    ota_hex_encode(t->hashes.sha256, 32, hex);
    return old != NULL && json_integer_value(json_object_get(old, "length")) == t->length &&
           json_is_string(oh) && strcmp(json_string_value(oh), hex) == 0;
}

/* Target t's file as the metadata says: copied in this run, or its staged
 * copy (copied in now, checked on the way), or the file published before
 * (hashed again when its entry changed). */
static ota_err
target_file_ok(repo *r, const repo_role *role, const ota_target *t, const char *final,
               json_t *copied, bool any_staged)
{
    if (json_object_get(copied, final) != NULL)
        return OTA_OK;
    char *staged = staged_target_path(r, final);
    if (staged == NULL)
        return OTA_E_NOMEM;
    struct stat st;
    uint64_t len = 0;
    uint8_t h256[32], h512[64];
    uint8_t *want512 = t->hashes.has_sha512 ? h512 : NULL; /* only when listed */
    ota_err rc = OTA_OK;
    const char *what = staged;
    if (any_staged && lstat(staged, &st) == 0) {
        fs_pending *p = files_slot(r);
        if (p == NULL)
            rc = OTA_E_NOMEM;
        else if ((rc = fs_stage_copy(p, final, staged, &len, h256, want512, false)) ==
                 OTA_OK) {
            r->nfiles++;
            if (json_object_set_new_nocheck(copied, final, json_true()) != 0)
                rc = OTA_E_NOMEM;
        }
        if (rc != OTA_OK)
            sign_fail(rc, "target %s: staged file %s", t->path, staged);
    } else if (stat(final, &st) != 0) {
        sign_error(SX_NOTFOUND,
                   "target %s (role %s v%lld): %s is missing (nor staged as %s); refusing to "
                   "publish metadata naming a file that is not there",
                   t->path, role->name, (long long) role->md->version, final, staged);
        rc = OTA_E_NOT_FOUND;
    } else if (S_ISREG(st.st_mode) && st.st_size == t->length && published_same(role, t)) {
        free(staged);
        return OTA_OK;
    } else {
        what = final;
        rc = fs_hash_file(final, &len, h256, want512);
        if (rc != OTA_OK)
            sign_fail(rc, "target %s: %s", t->path, final);
    }
    if (rc == OTA_OK &&
        ((int64_t) len != t->length || memcmp(h256, t->hashes.sha256, 32) != 0 ||
         (t->hashes.has_sha512 && memcmp(h512, t->hashes.sha512, 64) != 0))) {
        sign_error(SX_VERIFY,
                   "target %s (role %s v%lld): %s differs from the metadata (length/hash); "
                   "refusing to publish",
                   t->path, role->name, (long long) role->md->version, what);
        rc = OTA_E_HASH;
    }
    free(staged);
    return rc;
}

/* Before publishing: every target of every changed role has its file. */
static ota_err
check_target_files(repo *r)
{
    /* the final paths of the files copied in this run: a hash table, not a
     * scan per target (thousands of files added at once) */
    json_t *copied = json_object();
    if (copied == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < r->nfiles; i++)
        if (r->files[i].path != NULL &&
            json_object_set_new_nocheck(copied, r->files[i].path, json_true()) != 0) {
            json_decref(copied);
            return OTA_E_NOMEM;
        }
    /* no staged target files (the usual case): no lstat per target */
    char *staged_targets = fs_join(r->staged_dir, "targets");
    struct stat st;
    bool any_staged = staged_targets == NULL || lstat(staged_targets, &st) == 0;
    free(staged_targets);
    ota_err rc = OTA_OK;
    for (size_t i = 0; rc == OTA_OK && i < r->nroles; i++) {
        const repo_role *role = &r->roles[i];
        for (size_t j = 0; role->changed && j < role->md->ntargets; j++) {
            const ota_target *t = &role->md->targets[j];
            if (!t->hashes.has_sha256) {
                sign_error(SX_VERIFY, "target %s (role %s) has no sha256", t->path, role->name);
                rc = OTA_E_FORMAT;
                break;
            }
            char *final = repo_target_file(r->targets_dir, r->consistent, t->path,
                                           t->hashes.sha256);
            rc = final ? target_file_ok(r, role, t, final, copied, any_staged) : OTA_E_NOMEM;
            free(final);
            if (rc != OTA_OK)
                break;
        }
    }
    json_decref(copied);
    return rc;
}

ota_err
repo_load_staged(repo *r, size_t *count)
{
    DIR *d = opendir(r->staged_dir);
    ota_err rc = OTA_OK;
    *count = 0;
    if (d == NULL)
        return OTA_OK;
    struct dirent *e;
    while (rc == OTA_OK && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l <= 5 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        char role[OTA_MAX_ROLE_NAME_LEN + 1];
        if (l - 5 > OTA_MAX_ROLE_NAME_LEN)
            continue;
        memcpy(role, e->d_name, l - 5);
        role[l - 5] = '\0';
        char *p = fs_join(r->staged_dir, e->d_name);
        uint8_t *buf = NULL;
        size_t n = 0;
        ota_md *md = NULL;
        bool is_root = strcmp(role, "root") == 0;
        rc = p ? ota_file_read(p, OTA_MAX_METADATA_SIZE, &buf, &n) : OTA_E_NOMEM;
        if (rc == OTA_OK)
            rc = ota_md_parse(buf, n, is_root ? OTA_ROLE_ROOT : OTA_ROLE_TARGETS, &md);
        if (rc != OTA_OK)
            sign_fail(rc, "staged file %s", p);
        free(buf);
        free(p);
        if (rc != OTA_OK)
            break;
        if (is_root) {
            r->old_root = r->root;
            r->root = md;
            r->root_changed = true;
        } else {
            repo_role *existing = repo_role_get(r, role);
            if (existing != NULL) {
                if (existing->published == NULL)
                    existing->published =
                        json_deep_copy(json_object_get(existing->md->signed_obj, "targets"));
                ota_md_free(existing->md);
                existing->md = md;
                existing->changed = true;
            } else if ((rc = repo_role_add(r, role, NULL, md)) == OTA_OK) {
                r->roles[r->nroles - 1].changed = true;
            } else
                ota_md_free(md);
        }
        (*count)++;
    }
    closedir(d);
    if (rc == OTA_OK)
        link_delegators(r);
    if (rc == OTA_OK && *count > 0)
        r->from_staged = true;
    return rc;
}

/* Thresholds of every changed role; prints what is missing. */
static ota_err
check_thresholds(repo *r)
{
    ota_err rc = OTA_OK, e;
    size_t nvalid = 0;
    if (r->root_changed) {
        /* N+1.root.json must satisfy the old root's threshold and its own */
        if (r->old_root && (e = ota_md_verify_role(r->old_root, "root", r->root, &nvalid)) !=
                               OTA_OK) {
            fprintf(stderr, "ota-sign: root v%lld: %zu of %lld signatures from the current "
                            "root keys\n",
                    (long long) r->root->version, nvalid,
                    (long long) r->old_root->roles[OTA_ROLE_ROOT].threshold);
            rc = e;
        }
        if ((e = ota_md_verify_role(r->root, "root", r->root, &nvalid)) != OTA_OK) {
            fprintf(stderr, "ota-sign: root v%lld: %zu of %lld signatures from the new root "
                            "keys\n",
                    (long long) r->root->version, nvalid,
                    (long long) r->root->roles[OTA_ROLE_ROOT].threshold);
            rc = e;
        }
    }
    for (size_t i = 0; i < r->nroles; i++) {
        if (!r->roles[i].changed)
            continue;
        const ota_md *d = repo_delegator_of(r, r->roles[i].name);
        if (d == NULL) {
            sign_error(SX_VERIFY, "role %s is not delegated by anyone", r->roles[i].name);
            return OTA_E_NOT_FOUND;
        }
        if ((e = ota_md_verify_role(d, r->roles[i].name, r->roles[i].md, &nvalid)) != OTA_OK) {
            fprintf(stderr, "ota-sign: %s v%lld: %zu signatures, threshold not met\n",
                    r->roles[i].name, (long long) r->roles[i].md->version, nvalid);
            rc = e;
        }
    }
    return rc;
}

static ota_err
stage_out(repo *r, fs_pending **list, size_t *n, const char *name, const outfile *o)
{
    fs_pending *nv = realloc(*list, (*n + 1) * sizeof *nv);
    if (nv == NULL)
        return OTA_E_NOMEM;
    *list = nv;
    char *path = fs_join(r->meta_dir, name);
    if (path == NULL)
        return OTA_E_NOMEM;
    ota_err rc = fs_stage(&nv[*n], path, o->bytes, o->len, 0644);
    free(path);
    if (rc == OTA_OK)
        (*n)++;
    return rc;
}

ota_err
repo_publish(repo *r)
{
    ota_err rc = check_thresholds(r);
    outfile *outs = NULL;
    size_t nouts = 0;
    fs_pending *pend = NULL;
    size_t npend = 0;

    if (rc == OTA_E_SIGNATURE) {
        ota_err src = stage_all(r);
        if (src != OTA_OK)
            return sign_fail(src, "cannot stage metadata"), src;
        fprintf(stderr, "ota-sign: not published: add the missing signatures with "
                        "'ota-sign sign', then run 'ota-sign publish'\n");
        return OTA_E_SIGNATURE;
    }
    if (rc == OTA_OK)
        rc = check_target_files(r);
    if (rc != OTA_OK)
        return rc;

    /* every targets role, changed or not, is listed in the new snapshot */
    outs = calloc(r->nroles + 3, sizeof *outs);
    if (outs == NULL)
        return OTA_E_NOMEM;
    json_t *meta = json_object();
    char name[OTA_MAX_ROLE_NAME_LEN + 40];
    for (size_t i = 0; rc == OTA_OK && i < r->nroles; i++) {
        snprintf(name, sizeof name, "%s.json", r->roles[i].name);
        rc = serialize(r->roles[i].md, &outs[nouts], name);
        if (rc == OTA_OK)
            json_object_set_new(meta, name, meta_entry(r->roles[i].md->version, &outs[nouts]));
        nouts++;
    }
    /* snapshot */
    if (rc == OTA_OK) {
        if (r->snapshot == NULL)
            rc = repo_new_md(r, OTA_ROLE_SNAPSHOT, json_pack("{s:O}", "meta", meta),
                             &r->snapshot);
        else if ((rc = repo_bump(r, r->snapshot, r->expires[OTA_ROLE_SNAPSHOT], 0)) == OTA_OK) {
            json_object_set(r->snapshot->signed_obj, "meta", meta);
            rc = ota_md_refresh(r->snapshot);
        }
    }
    json_decref(meta);
    if (rc == OTA_OK)
        rc = repo_sign_role(r, r->snapshot, "snapshot", r->root);
    size_t snap_idx = nouts;
    if (rc == OTA_OK)
        rc = serialize(r->snapshot, &outs[nouts++], "snapshot.json");
    /* timestamp */
    if (rc == OTA_OK) {
        json_t *tmeta = json_pack("{s:o}", "snapshot.json",
                                  meta_entry(r->snapshot->version, &outs[snap_idx]));
        if (r->timestamp == NULL) {
            rc = repo_new_md(r, OTA_ROLE_TIMESTAMP, json_pack("{s:o}", "meta", tmeta),
                             &r->timestamp);
            tmeta = NULL; /* "o" transferred it */
        } else if ((rc = repo_bump(r, r->timestamp, r->expires[OTA_ROLE_TIMESTAMP], 0)) ==
                 OTA_OK) {
            json_object_set_new(r->timestamp->signed_obj, "meta", tmeta);
            tmeta = NULL;
            rc = ota_md_refresh(r->timestamp);
        }
        json_decref(tmeta);
    }
    if (rc == OTA_OK)
        rc = repo_sign_role(r, r->timestamp, "timestamp", r->root);
    size_t ts_idx = nouts;
    if (rc == OTA_OK)
        rc = serialize(r->timestamp, &outs[nouts++], "timestamp.json");
    size_t root_idx = nouts;
    if (rc == OTA_OK && r->root_changed)
        rc = serialize(r->root, &outs[nouts++], "root.json");
    if (rc == OTA_E_SIGNATURE) {
        /* the online keys were not given: keep the signed role changes */
        ota_err src = stage_all(r);
        fprintf(stderr, "ota-sign: not published: the snapshot and timestamp keys are needed "
                        "(--key); run 'ota-sign publish' with them%s\n",
                src == OTA_OK ? "" : " (staging failed too)");
        goto out;
    }
    if (rc != OTA_OK)
        goto out;

    /* write everything under temporary names: nothing visible changes yet */
    for (size_t i = 0; rc == OTA_OK && i < r->nroles; i++) {
        if (!r->roles[i].changed)
            continue;
        repo_role_file(r->consistent, name, sizeof name, r->roles[i].name,
                       r->roles[i].md->version);
        rc = stage_out(r, &pend, &npend, name, &outs[i]);
        if (rc == OTA_OK && r->consistent)
            rc = stage_out(r, &pend, &npend, outs[i].name, &outs[i]);
    }
    repo_role_file(r->consistent, name, sizeof name, "snapshot", r->snapshot->version);
    if (rc == OTA_OK)
        rc = stage_out(r, &pend, &npend, name, &outs[snap_idx]);
    if (rc == OTA_OK && r->consistent)
        rc = stage_out(r, &pend, &npend, "snapshot.json", &outs[snap_idx]);
    if (rc == OTA_OK && r->root_changed) {
        rc = stage_out(r, &pend, &npend, "root.json", &outs[root_idx]);
        snprintf(name, sizeof name, "%lld.root.json", (long long) r->root->version);
        if (rc == OTA_OK)
            rc = stage_out(r, &pend, &npend, name, &outs[root_idx]);
    }
    if (rc == OTA_OK)
        rc = stage_out(r, &pend, &npend, "timestamp.json", &outs[ts_idx]);
    if (rc != OTA_OK) {
        sign_fail(rc, "cannot write to %s (repository unchanged)", r->dir);
        goto out;
    }
    /* now rename: targets files, roles, snapshot, root, timestamp last */
    if (rc == OTA_OK)
        rc = fs_commit_all(r->files, r->nfiles);
    for (size_t i = 0; rc == OTA_OK && i < npend; i++)
        rc = fs_commit(&pend[i]);
    if (rc != OTA_OK) {
        sign_fail(rc, "publishing %s was interrupted; timestamp.json still names the "
                      "previous snapshot",
                  r->dir);
        goto out;
    }
    if (r->from_staged)
        repo_clear_staged(r);
    if (!r->quiet)
        printf("published: timestamp v%lld, snapshot v%lld%s\n", (long long) r->timestamp->version,
               (long long) r->snapshot->version, r->root_changed ? ", new root" : "");
out:
    for (size_t i = 0; i < npend; i++)
        fs_abort(&pend[i]);
    free(pend);
    for (size_t i = 0; i < nouts; i++)
        free(outs[i].bytes);
    free(outs);
    return rc;
}

ota_err
repo_publish_timestamp(repo *r)
{
    const char *snap_exp = json_string_value(json_object_get(r->snapshot->signed_obj, "expires"));
    if (r->snapshot->expires <= r->now) {
        sign_error(SX_EXPIRED,
                   "snapshot v%lld expired at %s: no client accepts a timestamp naming it; "
                   "renew both with 'ota-sign renew -k SNAPSHOT-KEY -k TIMESTAMP-KEY'",
                   (long long) r->snapshot->version, snap_exp);
        return OTA_E_EXPIRED;
    }
    ota_err rc = repo_bump(r, r->timestamp, r->expires[OTA_ROLE_TIMESTAMP], 0);
    if (rc == OTA_OK)
        rc = repo_sign_role(r, r->timestamp, "timestamp", r->root);
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (rc == OTA_OK)
        rc = ota_md_serialize(r->timestamp, &bytes, &n);
    char *path = rc == OTA_OK ? fs_join(r->meta_dir, "timestamp.json") : NULL;
    if (rc == OTA_OK)
        rc = path ? ota_atomic_replace_path(path, bytes, n, 0644) : OTA_E_NOMEM;
    free(path);
    free(bytes);
    if (rc == OTA_OK && r->snapshot->expires < r->timestamp->expires)
        fprintf(stderr,
                "ota-sign: warning: snapshot v%lld expires at %s, before this timestamp: "
                "devices stop updating then unless 'ota-sign renew' runs first\n",
                (long long) r->snapshot->version, snap_exp);
    return rc;
}
