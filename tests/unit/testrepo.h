/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testrepo.h — a fake transport serving crafted responses from memory and an
 * in-memory TUF repository ("world": keys, signed roles, a metadata dir, a
 * client) for the cmocka unit tests (header-only, test code only).  Include
 * after <cmocka.h>.  Used by test_client.c (the TUF workflow) and
 * test_install.c (the install engine, bundles served as targets).
 */
#ifndef OTA_TESTREPO_H
#define OTA_TESTREPO_H

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ota/client.h"
#include "ota_key.h"
#include "ota_tuf.h"
#include "ota_util.h"

#define FUTURE "2099-01-01T00:00:00Z"
#define PAST "2001-01-01T00:00:00Z"
#define MURL "http://fake/metadata/"
#define TURL "http://fake/targets/"

/* ---- the fake transport --------------------------------------------------- */

enum { M_OK, M_404, M_NET, M_ENDLESS };

typedef struct fentry {
    char url[1024];
    uint8_t *data;
    size_t len;
    int mode;
    unsigned hits;
    uint64_t opens[16]; /* the offset (Range) of each open, the first 16 */
    unsigned nopens;
    uint64_t served;    /* body bytes handed out, all streams */
    bool cut;           /* one shot: the connection breaks at byte cut_at */
    uint64_t cut_at;
} fentry;

typedef struct fake {
    fentry e[256];
    size_t n;
    unsigned requests;
    char last_url[1024];
    /* Optional: told of every open ("open", off = Range offset) and read
     * ("read", n bytes at off; n = 0: the end) of an entry. */
    void (*trace)(void *ctx, const char *what, const fentry *e, uint64_t off, size_t n);
    void *trace_ctx;
    /* f_fetch: go on after the sink refused, and report success */
    bool fetch_ignores_sink;
} fake;

typedef struct fstream {
    fentry *e;
    size_t off;
    uint64_t max, sent;
} fstream;

static inline fentry *
fake_find(fake *f, const char *url)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->e[i].url, url) == 0)
            return &f->e[i];
    return NULL;
}

/* Serve data (copied) at MURL/name or a full URL. */
static inline void
fake_set(fake *f, const char *url, const void *data, size_t len, int mode)
{
    fentry *e = fake_find(f, url);
    if (e == NULL) {
        assert_true(f->n < 256);
        e = &f->e[f->n++];
        snprintf(e->url, sizeof e->url, "%s", url);
    }
    free(e->data);
    e->data = malloc(len ? len : 1);
    if (len)
        memcpy(e->data, data, len);
    e->len = len;
    e->mode = mode;
}

static inline void
fake_meta(fake *f, const char *name, const void *data, size_t len)
{
    char url[1024];
    snprintf(url, sizeof url, MURL "%s", name);
    fake_set(f, url, data, len, M_OK);
}

static inline void
fake_mode(fake *f, const char *url, int mode)
{
    fentry *e = fake_find(f, url);
    if (e == NULL) {
        fake_set(f, url, "", 0, mode);
        return;
    }
    e->mode = mode;
}

static inline unsigned
fake_hits(fake *f, const char *name)
{
    char url[1024];
    snprintf(url, sizeof url, MURL "%s", name);
    fentry *e = fake_find(f, url);
    return e ? e->hits : 0;
}

static inline void
fake_free(fake *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->e[i].data);
    f->n = 0;
}

static inline ota_err
f_open(void *user, const ota_fetch_req *req, void **stream, char *err, size_t err_cap)
{
    fake *f = user;
    f->requests++;
    snprintf(f->last_url, sizeof f->last_url, "%s", req->url);
    fentry *e = fake_find(f, req->url);
    if (e == NULL || e->mode == M_404) {
        snprintf(err, err_cap, "HTTP status 404");
        return OTA_E_NOT_FOUND;
    }
    e->hits++;
    if (e->nopens < sizeof e->opens / sizeof e->opens[0])
        e->opens[e->nopens] = req->offset;
    e->nopens++;
    if (f->trace != NULL)
        f->trace(f->trace_ctx, "open", e, req->offset, 0);
    if (e->mode == M_NET) {
        snprintf(err, err_cap, "connection refused");
        return OTA_E_NETWORK;
    }
    fstream *s = calloc(1, sizeof *s);
    s->e = e;
    s->off = req->offset < e->len ? (size_t) req->offset : e->len; /* a Range request */
    s->max = req->max_len;
    *stream = s;
    return OTA_OK;
}

/* A careless transport: never enforces max_len (the library must). */
static inline ota_err
f_read(void *user, void *stream, uint8_t *buf, size_t cap, size_t *got, char *err, size_t err_cap)
{
    fake *f = user;
    fstream *s = stream;
    if (s->e->mode == M_ENDLESS) {
        memset(buf, ' ', cap);
        *got = cap;
        s->sent += cap;
        assert_true(s->sent < 64u * 1024u * 1024u); /* the client must stop long before */
        return OTA_OK;
    }
    size_t n = s->e->len - s->off < cap ? s->e->len - s->off : cap;
    if (n > 7)
        n = n / 2 + 1; /* short reads */
    if (s->e->cut && s->off + n > s->e->cut_at) {
        if (s->off >= s->e->cut_at) {
            s->e->cut = false;
            snprintf(err, err_cap, "connection reset by peer");
            return OTA_E_NETWORK;
        }
        n = (size_t) (s->e->cut_at - s->off);
    }
    memcpy(buf, s->e->data + s->off, n);
    if (f->trace != NULL)
        f->trace(f->trace_ctx, "read", s->e, s->off, n);
    s->off += n;
    s->e->served += n;
    *got = n;
    return OTA_OK;
}

static inline void
f_close(void *user, void *stream)
{
    (void) user;
    free(stream);
}

/* The push side of the same fake (world.push): the whole body from the
 * Range offset handed to sink in f_read's short pieces; as careless (no
 * max_len), with the same modes, cut, hits and trace.  fetch_ignores_sink:
 * worse still, it ignores what the sink returns and reports success. */
static inline ota_err
f_fetch(void *user, const ota_fetch_req *req, ota_sink_fn sink, void *ctx, char *err,
        size_t err_cap)
{
    fake *f = user;
    void *stream = NULL;
    uint8_t buf[4096];
    bool refused = false;
    ota_err rc = f_open(user, req, &stream, err, err_cap);
    while (rc == OTA_OK) {
        size_t got = 0;
        rc = f_read(user, stream, buf, sizeof buf, &got, err, err_cap);
        if (rc != OTA_OK || got == 0)
            break;
        rc = sink(ctx, buf, got);
        refused = refused || rc != OTA_OK;
        if (f->fetch_ignores_sink && ((fstream *) stream)->sent < 1024u * 1024u)
            rc = OTA_OK; /* an endless one stops after a MiB */
    }
    if (stream != NULL)
        f_close(user, stream);
    return f->fetch_ignores_sink && refused ? OTA_OK : rc;
}

/* ---- keys and signed documents ---------------------------------------------- */

typedef struct tkey {
    uint8_t pk[32], sk[64];
    char id[65];
    json_t *obj;
} tkey;

static inline void
tkey_gen(tkey *k)
{
    crypto_sign_keypair(k->pk, k->sk);
    k->obj = ota_key_ed25519_json(k->pk);
    assert_non_null(k->obj);
    assert_int_equal(ota_key_id(k->obj, k->id), OTA_OK);
}

/* {"signed": s, "signatures": [...]} signed by keys[0..n), serialized.
 * Takes s. */
static inline uint8_t *
sign_doc(json_t *s, ota_role_type type, tkey *const *keys, size_t n, size_t *len)
{
    json_t *doc = json_pack("{s:o, s:[]}", "signed", s, "signatures");
    ota_md *md = NULL;
    assert_int_equal(ota_md_from_json(doc, type, &md), OTA_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ota_md_sign_ed25519(md, keys[i]->id, keys[i]->sk), OTA_OK);
    uint8_t *out = NULL;
    assert_int_equal(ota_md_serialize(md, &out, len), OTA_OK);
    ota_md_free(md);
    return out;
}

static inline json_t *
role_entry(tkey *k, int threshold)
{
    return json_pack("{s:[s], s:i}", "keyids", k->id, "threshold", threshold);
}

static inline json_t *
root_obj(int64_t v, const char *exp, tkey *root, tkey *ts, tkey *sn, tkey *tg)
{
    json_t *keys = json_object();
    tkey *all[] = {root, ts, sn, tg};
    for (size_t i = 0; i < 4; i++)
        json_object_set(keys, all[i]->id, all[i]->obj);
    return json_pack("{s:s, s:s, s:I, s:s, s:b, s:o, s:{s:o, s:o, s:o, s:o}}", "_type", "root",
                     "spec_version", "1.0.31", "version", (json_int_t) v, "expires", exp,
                     "consistent_snapshot", 1, "keys", keys, "roles", "root",
                     role_entry(root, 1), "timestamp", role_entry(ts, 1), "snapshot",
                     role_entry(sn, 1), "targets", role_entry(tg, 1));
}

static inline json_t *
targets_obj(int64_t v, const char *exp)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:{}}", "_type", "targets", "spec_version", "1.0.31",
                     "version", (json_int_t) v, "expires", exp, "targets");
}

static inline void
add_target(json_t *t, const char *path, const void *data, size_t len)
{
    uint8_t h[32];
    char hex[65];
    ota_sha256(data, len, h);
    ota_hex_encode(h, 32, hex);
    json_object_set_new(json_object_get(t, "targets"), path,
                        json_pack("{s:I, s:{s:s}, s:{s:s}}", "length", (json_int_t) len, "hashes",
                                  "sha256", hex, "custom", "note", "a\nb"));
}

/* Target `path` (contents data) with `custom` (taken) as its custom field. */
static inline void
add_target_custom(json_t *t, const char *path, const void *data, size_t len, json_t *custom)
{
    uint8_t h[32];
    char hex[65];
    ota_sha256(data, len, h);
    ota_hex_encode(h, 32, hex);
    json_object_set_new(json_object_get(t, "targets"), path,
                        json_pack("{s:I, s:{s:s}, s:o}", "length", (json_int_t) len, "hashes",
                                  "sha256", hex, "custom", custom));
}

/* A delegation to `name` (key k) with paths (or hash prefixes) patterns. */
static inline void
add_delegation(json_t *t, const char *name, tkey *k, json_t *patterns, bool prefixes,
               bool terminating)
{
    json_t *d = json_object_get(t, "delegations");
    if (d == NULL) {
        d = json_pack("{s:{}, s:[]}", "keys", "roles");
        json_object_set_new(t, "delegations", d);
    }
    json_object_set(json_object_get(d, "keys"), k->id, k->obj);
    json_array_append_new(json_object_get(d, "roles"),
                          json_pack("{s:s, s:[s], s:i, s:b, s:o}", "name", name, "keyids", k->id,
                                    "threshold", 1, "terminating", terminating,
                                    prefixes ? "path_hash_prefixes" : "paths", patterns));
}

static inline json_t *
meta_entry(int64_t v, const uint8_t *bytes, size_t len)
{
    uint8_t h[32];
    char hex[65];
    ota_sha256(bytes, len, h);
    ota_hex_encode(h, 32, hex);
    return json_pack("{s:I, s:I, s:{s:s}}", "version", (json_int_t) v, "length",
                     (json_int_t) len, "hashes", "sha256", hex);
}

/* ---- a world: keys, a fake repository, a metadata dir, a client -------------- */

#define MAXROLES 48

typedef struct world {
    tkey root, ts, sn, tg, del[MAXROLES];
    fake f;
    char dir[64];
    ota_transport tr;
    ota_client *c;
    int64_t root_v, ts_v, sn_v;
    const char *ts_exp, *sn_exp, *tg_exp, *root_exp;
    json_t *tgt;                /* top-level targets signed object (kept) */
    json_t *roles[MAXROLES];    /* delegated roles' signed objects */
    char names[MAXROLES][64];
    size_t nroles;
    bool consistent;
    bool push; /* the transport has f_fetch (set before world_client) */
} world;

static inline world *
world_new(void)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    tkey_gen(&w->root);
    tkey_gen(&w->ts);
    tkey_gen(&w->sn);
    tkey_gen(&w->tg);
    for (size_t i = 0; i < MAXROLES; i++)
        tkey_gen(&w->del[i]);
    snprintf(w->dir, sizeof w->dir, "/tmp/ota-test-client.XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    w->tr = (ota_transport){
        .size = sizeof w->tr, .user = &w->f, .open = f_open, .read = f_read, .close = f_close};
    w->root_v = w->ts_v = w->sn_v = 1;
    w->ts_exp = w->sn_exp = w->tg_exp = w->root_exp = FUTURE;
    w->tgt = targets_obj(1, FUTURE);
    add_target(w->tgt, "fw/a.bin", "firmware A\n", 11);
    w->consistent = true;
    return w;
}

static inline ota_client *
world_client(world *w, ota_client_config *over)
{
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    if (over != NULL)
        cfg = *over;
    cfg.metadata_dir = w->dir;
    cfg.metadata_url = MURL;
    cfg.target_base_url = TURL;
    w->tr.fetch = w->push ? f_fetch : NULL;
    cfg.transport = &w->tr;
    ota_client_free(w->c);
    w->c = NULL;
    assert_int_equal(ota_client_new(&cfg, &w->c), OTA_OK);
    return w->c;
}

static inline void
rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int) sizeof p)
            continue;
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_dir(p);
        else
            unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static inline void
world_free(world *w)
{
    ota_client_free(w->c);
    fake_free(&w->f);
    json_decref(w->tgt);
    for (size_t i = 0; i < w->nroles; i++)
        json_decref(w->roles[i]);
    for (size_t i = 0; i < MAXROLES; i++)
        json_decref(w->del[i].obj);
    json_decref(w->root.obj);
    json_decref(w->ts.obj);
    json_decref(w->sn.obj);
    json_decref(w->tg.obj);
    rm_dir(w->dir);
    free(w);
}

/* Role names as python-tuf's parse.quote(name, safe=""): every byte but
 * [A-Za-z0-9._~-] percent-encoded. */
static inline void
role_encode(const char *name, char *out)
{
    for (; *name; name++) {
        unsigned char ch = (unsigned char) *name;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("._~-", ch) != NULL)
            *out++ = (char) ch;
        else
            out += sprintf(out, "%%%02X", ch);
    }
    *out = '\0';
}

/* Add delegated role `name` signed by del[i] (its own targets object). */
static inline json_t *
world_role(world *w, const char *name)
{
    assert_true(w->nroles < MAXROLES);
    snprintf(w->names[w->nroles], 64, "%s", name);
    w->roles[w->nroles] = targets_obj(1, FUTURE);
    return w->roles[w->nroles++];
}

static inline tkey *
role_key(world *w, const char *name)
{
    for (size_t i = 0; i < w->nroles; i++)
        if (strcmp(w->names[i], name) == 0)
            return &w->del[i];
    fail_msg("no role %s", name);
    return NULL;
}

/* Root v1..root_v (each signed by the one root key), targets, delegated
 * roles, snapshot and timestamp, served in consistent-snapshot layout. */
static inline void
world_publish(world *w)
{
    char name[512];
    size_t len;
    tkey *k[1];
    for (int64_t v = 1; v <= w->root_v; v++) {
        k[0] = &w->root;
        uint8_t *r = sign_doc(root_obj(v, v == w->root_v ? w->root_exp : FUTURE, &w->root, &w->ts,
                                       &w->sn, &w->tg),
                              OTA_ROLE_ROOT, k, 1, &len);
        snprintf(name, sizeof name, "%lld.root.json", (long long) v);
        fake_meta(&w->f, name, r, len);
        if (v == 1 && access(w->dir, F_OK) == 0) {
            snprintf(name, sizeof name, "%s/root.json", w->dir);
            if (access(name, F_OK) != 0) {
                FILE *fp = fopen(name, "wb");
                fwrite(r, 1, len, fp);
                fclose(fp);
            }
        }
        free(r);
    }
    json_t *smeta = json_object();
    json_object_set_new(w->tgt, "expires", json_string(w->tg_exp));
    k[0] = &w->tg;
    uint8_t *t = sign_doc(json_deep_copy(w->tgt), OTA_ROLE_TARGETS, k, 1, &len);
    int64_t tv = json_integer_value(json_object_get(w->tgt, "version"));
    snprintf(name, sizeof name, w->consistent ? "%lld.targets.json" : "targets.json",
             (long long) tv);
    fake_meta(&w->f, name, t, len);
    json_object_set_new(smeta, "targets.json", meta_entry(tv, t, len));
    free(t);
    for (size_t i = 0; i < w->nroles; i++) {
        k[0] = &w->del[i];
        t = sign_doc(json_deep_copy(w->roles[i]), OTA_ROLE_TARGETS, k, 1, &len);
        char enc[256];
        role_encode(w->names[i], enc);
        int64_t rv = json_integer_value(json_object_get(w->roles[i], "version"));
        snprintf(name, sizeof name, "%lld.%s.json", (long long) rv, enc);
        fake_meta(&w->f, name, t, len);
        snprintf(name, sizeof name, "%s.json", w->names[i]);
        json_object_set_new(smeta, name, meta_entry(rv, t, len));
        free(t);
    }
    json_t *s = json_pack("{s:s, s:s, s:I, s:s, s:o}", "_type", "snapshot", "spec_version",
                          "1.0.31", "version", (json_int_t) w->sn_v, "expires", w->sn_exp, "meta",
                          smeta);
    k[0] = &w->sn;
    uint8_t *sb = sign_doc(s, OTA_ROLE_SNAPSHOT, k, 1, &len);
    snprintf(name, sizeof name, w->consistent ? "%lld.snapshot.json" : "snapshot.json",
             (long long) w->sn_v);
    fake_meta(&w->f, name, sb, len);
    json_t *ts = json_pack("{s:s, s:s, s:I, s:s, s:{s:o}}", "_type", "timestamp", "spec_version",
                           "1.0.31", "version", (json_int_t) w->ts_v, "expires", w->ts_exp, "meta",
                           "snapshot.json", meta_entry(w->sn_v, sb, len));
    free(sb);
    k[0] = &w->ts;
    uint8_t *tb = sign_doc(ts, OTA_ROLE_TIMESTAMP, k, 1, &len);
    fake_meta(&w->f, "timestamp.json", tb, len);
    free(tb);
}

/* Serve target `path` (contents data) under its consistent name: the bytes
 * served (served_len) may differ from the signed ones.  Returns the entry. */
static inline fentry *
serve_target(world *w, const char *path, const void *data, size_t len, const void *served,
             size_t served_len)
{
    uint8_t h[32];
    char hex[65], url[1024];
    ota_sha256(data, len, h);
    ota_hex_encode(h, 32, hex);
    const char *slash = strrchr(path, '/');
    if (slash != NULL)
        snprintf(url, sizeof url, TURL "%.*s/%s.%s", (int) (slash - path), path, hex, slash + 1);
    else
        snprintf(url, sizeof url, TURL "%s.%s", hex, path);
    fake_set(&w->f, url, served, served_len, M_OK);
    return fake_find(&w->f, url);
}

#endif
