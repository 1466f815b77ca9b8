/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client.c — libotaclient's TUF workflow through a fake transport that
 * serves crafted responses from memory (no network): every check of the
 * specification's client workflow, the metadata directory, the delegation
 * search, target streams, and the public API's argument checks.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ota/client.h"
#include "ota_key.h"
#include "ota_tuf.h"
#include "ota_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testrepo.h"

static char *
read_local(world *w, const char *name, size_t *len)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", w->dir, name);
    FILE *f = fopen(p, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

static void
write_local(world *w, const char *name, const void *data, size_t len)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", w->dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(data, 1, len, f);
    fclose(f);
}

static bool
local_exists(world *w, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", w->dir, name);
    return access(p, F_OK) == 0;
}

static int64_t
version_of(ota_client *c, const char *role)
{
    int64_t v = -1;
    if (ota_client_role_version(c, role, &v) != OTA_OK)
        return -1;
    return v;
}

/* ---- tests ------------------------------------------------------------------------ */

static void
test_happy_path(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_string_equal(ota_client_errmsg(c), "");
    assert_int_equal(version_of(c, "root"), 1);
    assert_int_equal(version_of(c, "targets"), 1);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    assert_int_equal(t.length, 11);
    assert_true(t.has_sha256);
    assert_string_equal(t.role, "targets");
    assert_string_equal(t.custom_json, "{\"note\":\"a\\nb\"}");
    assert_int_equal(ota_client_get_target(c, "fw/none.bin", &t), OTA_E_NOT_FOUND);
    /* persisted, exact names, nothing else */
    assert_true(local_exists(w, "timestamp.json") && local_exists(w, "snapshot.json") &&
                local_exists(w, "targets.json"));
    world_free(w);
}

static void
fetch_target_and_stream(bool push)
{
    world *w = world_new();
    w->push = push;
    world_publish(w);
    serve_target(w, "fw/a.bin", "firmware A\n", 11, "firmware A\n", 11);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    char out[128];
    snprintf(out, sizeof out, "%s/out", w->dir);
    mkdir(out, 0755);
    bool cached = true;
    assert_int_equal(ota_client_fetch_target(c, &t, out, &cached), OTA_OK);
    assert_false(cached);
    unsigned before = w->f.requests;
    assert_int_equal(ota_client_fetch_target(c, &t, out, &cached), OTA_OK);
    assert_true(cached);
    assert_int_equal(w->f.requests, before); /* verified copy: no download */
    /* stream in 3-byte pieces */
    ota_target_stream *s = NULL;
    assert_int_equal(ota_client_target_open(c, &t, &s), OTA_OK);
    uint8_t buf[3], all[32];
    size_t got, total = 0;
    do {
        assert_int_equal(ota_target_stream_read(s, buf, sizeof buf, &got), OTA_OK);
        memcpy(all + total, buf, got);
        total += got;
    } while (got > 0);
    assert_int_equal(total, 11);
    assert_memory_equal(all, "firmware A\n", 11);
    ota_target_stream_close(s);
    world_free(w);
}

/* A target whose served bytes are wrong in each way never reaches the
 * directory, and leaves no temporary file behind. */
static void
fetch_target_rejects(bool push)
{
    struct {
        const char *served;
        size_t len;
        ota_err want;
    } cases[] = {
        {"firmware B\n", 11, OTA_E_HASH},     /* same length, other bytes */
        {"firmware A", 10, OTA_E_LENGTH},     /* truncated */
        {"firmware A\nXX", 13, OTA_E_LENGTH}, /* longer (endless data) */
        /* longer, the extra bytes in a piece of their own (the fake's
         * short reads: 11, then 9) */
        {"firmware A\nXXXXXXXXX", 20, OTA_E_LENGTH},
        {"", 0, OTA_E_LENGTH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        world *w = world_new();
        w->push = push;
        world_publish(w);
        serve_target(w, "fw/a.bin", "firmware A\n", 11, cases[i].served, cases[i].len);
        ota_client *c = world_client(w, NULL);
        assert_int_equal(ota_client_refresh(c), OTA_OK);
        ota_target_info t = OTA_TARGET_INFO_INIT;
        assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
        char out[128];
        snprintf(out, sizeof out, "%s/out", w->dir);
        mkdir(out, 0755);
        assert_int_equal(ota_client_fetch_target(c, &t, out, NULL), cases[i].want);
        assert_int_equal(ota_client_last_error(c), cases[i].want);
        DIR *d = opendir(out);
        struct dirent *e;
        int n = 0;
        while ((e = readdir(d)) != NULL)
            n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
        closedir(d);
        assert_int_equal(n, 0);
        world_free(w);
    }
}

static void
test_endless_remote_metadata(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    fake_mode(&w->f, MURL "timestamp.json", M_ENDLESS);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_E_LENGTH);
    fake_mode(&w->f, MURL "timestamp.json", M_OK);
    fake_mode(&w->f, MURL "2.root.json", M_ENDLESS);
    assert_int_equal(ota_client_refresh(c), OTA_E_LENGTH);
    world_free(w);
}

/* Every truncated prefix of the timestamp fails (never OK, never a crash);
 * so does every single bit flip in it. */
static void
test_timestamp_prefixes_and_bitflips(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    fentry *e = fake_find(&w->f, MURL "timestamp.json");
    size_t len = e->len;
    uint8_t *orig = malloc(len);
    memcpy(orig, e->data, len);
    ota_client *c = world_client(w, NULL);
    for (size_t n = 0; n < len; n++) {
        fake_meta(&w->f, "timestamp.json", orig, n);
        ota_err rc = ota_client_refresh(c);
        /* a prefix ending in blank space only is still the whole document */
        bool only_ws = true;
        for (size_t j = n; j < len; j++)
            only_ws = only_ws && (orig[j] == '\n' || orig[j] == ' ');
        if (!only_ws)
            assert_int_not_equal(rc, OTA_OK);
    }
    uint8_t *flip = malloc(len);
    for (size_t i = 0; i < len; i += 3) {
        memcpy(flip, orig, len);
        flip[i] ^= 0x01;
        fake_meta(&w->f, "timestamp.json", flip, len);
        ota_err rc = ota_client_refresh(c);
        /* whitespace toggles (' ' <-> '!') outside strings are the only
         * harmless flips; anything accepted must equal the original */
        if (rc == OTA_OK)
            assert_true(orig[i] == ' ' || orig[i] == '\n' || orig[i] == ',' ||
                        orig[i] == ':' || orig[i] == '\r');
    }
    free(flip);
    free(orig);
    world_free(w);
}

static void
test_root_chain(void **state)
{
    (void) state;
    world *w = world_new();
    w->root_v = 3;
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(version_of(c, "root"), 3);
    size_t len;
    char *r = read_local(w, "root.json", &len);
    fentry *e = fake_find(&w->f, MURL "3.root.json");
    assert_int_equal(len, e->len);
    assert_memory_equal(r, e->data, len); /* exact bytes received */
    free(r);
    /* a network failure while probing the chain is an error, a 404 is not */
    fake_mode(&w->f, MURL "4.root.json", M_NET);
    assert_int_equal(ota_client_refresh(c), OTA_E_NETWORK);
    fake_mode(&w->f, MURL "4.root.json", M_404);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    world_free(w);
}

static void
test_root_chain_cap(void **state)
{
    (void) state;
    world *w = world_new();
    w->root_v = 12;
    world_publish(w);
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.max_root_rotations = 4;
    ota_client *c = world_client(w, &cfg);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(version_of(c, "root"), 5); /* 1 + 4 rotations, then stops */
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(version_of(c, "root"), 9);
    world_free(w);
}

/* N+1.root.json holding the trusted version: discarded, no error (5.3.5). */
static void
test_root_same_version_discarded(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    fentry *e = fake_find(&w->f, MURL "1.root.json");
    fake_meta(&w->f, "2.root.json", e->data, e->len);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(version_of(c, "root"), 1);
    world_free(w);
}

static void
test_missing_and_corrupt_trusted_root(void **state)
{
    (void) state;
    world *w = world_new();
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_E_NOT_FOUND);
    assert_int_equal(w->f.requests, 0u);
    write_local(w, "root.json", "{\"signed\": 1", 12);
    assert_int_equal(ota_client_refresh(c), OTA_E_NOT_FOUND);
    assert_non_null(strstr(ota_client_errmsg(c), "corrupt"));
    assert_int_equal(w->f.requests, 0u);
    world_free(w);
}

static void
test_init_root(void **state)
{
    (void) state;
    world *w = world_new();
    ota_client *c = world_client(w, NULL);
    size_t len;
    tkey *k[1] = {&w->root};
    uint8_t *r = sign_doc(root_obj(1, FUTURE, &w->root, &w->ts, &w->sn, &w->tg), OTA_ROLE_ROOT,
                          k, 1, &len);
    /* signed by another key: refused */
    tkey *o[1] = {&w->ts};
    uint8_t *bad = sign_doc(root_obj(1, FUTURE, &w->root, &w->ts, &w->sn, &w->tg),
                            OTA_ROLE_ROOT, o, 1, &len);
    assert_int_equal(ota_client_init_root(c, bad, len, false), OTA_E_SIGNATURE);
    assert_false(local_exists(w, "root.json"));
    assert_int_equal(ota_client_init_root(c, (const uint8_t *) "{}", 2, false), OTA_E_FORMAT);
    assert_int_equal(ota_client_init_root(c, r, len, false), OTA_OK);
    assert_int_equal(w->f.requests, 0u); /* no network */
    assert_int_equal(ota_client_init_root(c, r, len, false), OTA_E_EXISTS);
    write_local(w, "timestamp.json", "x", 1);
    write_local(w, "some%2Frole.json", "x", 1);
    assert_int_equal(ota_client_init_root(c, r, len, true), OTA_OK);
    assert_false(local_exists(w, "timestamp.json"));
    assert_false(local_exists(w, "some%2Frole.json"));
    assert_true(local_exists(w, "root.json"));
    free(r);
    free(bad);
    world_free(w);
}

static void
test_rollback_and_equal_timestamp(void **state)
{
    (void) state;
    world *w = world_new();
    w->ts_v = 5;
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    /* same version: remote ignored, trusted kept, no error */
    unsigned snap = fake_hits(&w->f, "1.snapshot.json");
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(fake_hits(&w->f, "1.snapshot.json"), snap); /* not downloaded again */
    w->ts_v = 4;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_E_ROLLBACK);
    assert_non_null(strstr(ota_client_errmsg(c), "rollback"));
    world_free(w);
}

static void
test_rollback_snapshot_meta(void **state)
{
    (void) state;
    world *w = world_new();
    json_object_set_new(w->tgt, "version", json_integer(3));
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    json_object_set_new(w->tgt, "version", json_integer(2));
    w->ts_v = w->sn_v = 2;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_E_ROLLBACK);
    /* a role dropped from the snapshot is a rollback too */
    world_role(w, "extra");
    w->ts_v = w->sn_v = 3;
    json_object_set_new(w->tgt, "version", json_integer(3));
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    json_decref(w->roles[0]);
    w->nroles = 0;
    w->ts_v = w->sn_v = 4;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_E_ROLLBACK);
    world_free(w);
}

static int64_t
fixed_clock(void *user)
{
    return *(int64_t *) user;
}

/* A clock that jumps past every expiry after its first reading: the client
 * must read it once per update cycle (spec 5.1) and still succeed. */
typedef struct tclock {
    int calls;
} tclock;

static int64_t
jumping_clock(void *user)
{
    tclock *t = user;
    return t->calls++ == 0 ? 1893455999 /* 2029-12-31T23:59:59Z */ : 4102444800 /* 2100 */;
}

static void
test_expiry_uses_fixed_start_time(void **state)
{
    (void) state;
    world *w = world_new();
    w->ts_exp = w->sn_exp = w->tg_exp = "2030-01-01T00:00:00Z";
    json_t *a = world_role(w, "a");
    add_target(a, "apps/x", "x", 1);
    json_object_set_new(a, "expires", json_string("2030-01-01T00:00:00Z"));
    add_delegation(w->tgt, "a", role_key(w, "a"), json_pack("[s]", "apps/*"), false, false);
    world_publish(w);
    tclock tc = {0};
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.clock = jumping_clock;
    cfg.clock_user = &tc;
    ota_client *c = world_client(w, &cfg);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "apps/x", &t), OTA_OK); /* same cycle */
    assert_int_equal(tc.calls, 1);
    assert_int_equal(ota_client_refresh(c), OTA_E_EXPIRED); /* a new cycle reads it again */
    world_free(w);
}

static void
test_freeze_each_role(void **state)
{
    (void) state;
    for (int role = 0; role < 4; role++) {
        world *w = world_new();
        const char *exp = "2030-01-01T00:00:00Z";
        if (role == 0) {
            w->root_v = 2;
            w->root_exp = exp;
        } else if (role == 1)
            w->ts_exp = exp;
        else if (role == 2)
            w->sn_exp = exp;
        else
            w->tg_exp = exp;
        world_publish(w);
        int64_t before = 1893455999; /* 2029-12-31T23:59:59Z */
        int64_t after = 1893456000;  /* exactly the expiry: expired */
        ota_client_config cfg;
        ota_client_config_init(&cfg);
        cfg.clock = fixed_clock;
        cfg.clock_user = &after;
        ota_client *c = world_client(w, &cfg);
        assert_int_equal(ota_client_refresh(c), OTA_E_EXPIRED);
        cfg.clock_user = &before;
        c = world_client(w, &cfg);
        assert_int_equal(ota_client_refresh(c), OTA_OK);
        world_free(w);
    }
}

static void
test_mix_and_match(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    /* targets.json replaced by another validly signed v1 */
    json_t *other = targets_obj(1, FUTURE);
    add_target(other, "fw/old.bin", "old\n", 4);
    tkey *k[1] = {&w->tg};
    size_t len;
    uint8_t *t = sign_doc(other, OTA_ROLE_TARGETS, k, 1, &len);
    fake_meta(&w->f, "1.targets.json", t, len);
    free(t);
    ota_client *c = world_client(w, NULL);
    ota_err rc = ota_client_refresh(c);
    assert_true(rc == OTA_E_HASH || rc == OTA_E_LENGTH);
    assert_false(local_exists(w, "targets.json"));
    assert_true(local_exists(w, "snapshot.json")); /* accepted before: kept */
    world_free(w);
}

/* Timestamp key rotated in root v2: the trusted v1000 timestamp is dropped. */
static void
test_fast_forward_recovery(void **state)
{
    (void) state;
    world *w = world_new();
    w->ts_v = 1000;
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    tkey old = w->ts;
    tkey_gen(&w->ts);
    w->root_v = 2;
    w->ts_v = 2;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(version_of(c, "timestamp"), 2);
    json_decref(old.obj);
    world_free(w);
}

/* 5.3.11: rotated timestamp/snapshot keys delete the trusted copies at
 * once, even when the rest of the refresh then fails. */
static void
test_rotation_deletes_trusted_copies(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    /* snapshot key rotated: snapshot.json goes, timestamp.json stays */
    tkey old_sn = w->sn;
    tkey_gen(&w->sn);
    w->root_v = 2;
    world_publish(w);
    fake_mode(&w->f, MURL "timestamp.json", M_NET);
    assert_int_equal(ota_client_refresh(c), OTA_E_NETWORK);
    assert_true(local_exists(w, "timestamp.json"));
    assert_false(local_exists(w, "snapshot.json"));
    /* timestamp key rotated: both go */
    fake_mode(&w->f, MURL "timestamp.json", M_OK);
    w->ts_v = w->sn_v = 2;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    tkey old_ts = w->ts;
    tkey_gen(&w->ts);
    w->root_v = 3;
    world_publish(w);
    fake_mode(&w->f, MURL "timestamp.json", M_NET);
    assert_int_equal(ota_client_refresh(c), OTA_E_NETWORK);
    assert_false(local_exists(w, "timestamp.json"));
    assert_false(local_exists(w, "snapshot.json"));
    assert_true(local_exists(w, "targets.json"));
    json_decref(old_sn.obj);
    json_decref(old_ts.obj);
    world_free(w);
}

/* Another validly signed snapshot of the same version and length: only the
 * timestamp's hash tells them apart. */
static void
test_mix_and_match_snapshot(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    fentry *e = fake_find(&w->f, MURL "1.snapshot.json");
    ota_md *md = NULL;
    assert_int_equal(ota_md_parse(e->data, e->len, OTA_ROLE_SNAPSHOT, &md), OTA_OK);
    json_t *so = json_deep_copy(md->signed_obj);
    ota_md_free(md);
    json_object_set_new(so, "expires", json_string("2098-01-01T00:00:00Z"));
    tkey *k[1] = {&w->sn};
    size_t len;
    uint8_t *b = sign_doc(so, OTA_ROLE_SNAPSHOT, k, 1, &len);
    assert_int_equal(len, e->len);
    fake_meta(&w->f, "1.snapshot.json", b, len);
    free(b);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_E_HASH);
    world_free(w);
}

static void
test_local_corruption_is_absence(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    unsigned s1 = fake_hits(&w->f, "1.snapshot.json"), t1 = fake_hits(&w->f, "1.targets.json");
    assert_int_equal(ota_client_refresh(c), OTA_OK); /* still current: nothing downloaded */
    assert_int_equal(fake_hits(&w->f, "1.snapshot.json"), s1);
    assert_int_equal(fake_hits(&w->f, "1.targets.json"), t1);
    write_local(w, "snapshot.json", "garbage", 7);
    write_local(w, "timestamp.json", "{\"signed\":{}}", 13);
    size_t len;
    char *tg = read_local(w, "targets.json", &len);
    tg[len / 2] ^= 1;
    write_local(w, "targets.json", tg, len);
    free(tg);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(fake_hits(&w->f, "1.snapshot.json"), s1 + 1);
    assert_int_equal(fake_hits(&w->f, "1.targets.json"), t1 + 1);
    world_free(w);
}

/* Nothing new for targets (same snapshot, or a new snapshot naming the same
 * targets.json): refresh leaves the stored targets.json alone, the first
 * lookup checks it in full.  The stored copy is garbage here: had refresh
 * read it, it would have found it bad and downloaded it again. */
static void
test_no_change_refresh_skips_targets(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    unsigned t1 = fake_hits(&w->f, "1.targets.json");
    assert_int_equal(t1, 1);
    size_t good_len;
    char *good = read_local(w, "targets.json", &good_len);
    assert_non_null(good);
    write_local(w, "targets.json", "garbage", 7);
    for (int round = 0; round < 3; round++) {
        /* 0: same timestamp; 1: a new timestamp, same snapshot; 2: a new
         * snapshot too, listing the same targets.json */
        if (round == 1)
            w->ts_v = 2;
        if (round == 2)
            w->ts_v = w->sn_v = 3;
        world_publish(w);
        assert_int_equal(ota_client_refresh(c), OTA_OK);
        assert_int_equal(fake_hits(&w->f, "1.targets.json"), t1); /* not downloaded */
        size_t len;
        char *now = read_local(w, "targets.json", &len);
        assert_true(len == 7 && memcmp(now, "garbage", 7) == 0); /* not touched */
        free(now);
        /* the version the trusted snapshot names */
        assert_int_equal(version_of(c, "targets"), 1);
    }
    /* the first lookup checks the stored copy, finds it bad, downloads */
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    assert_int_equal(t.length, 11);
    assert_int_equal(fake_hits(&w->f, "1.targets.json"), t1 + 1);
    size_t len;
    char *now = read_local(w, "targets.json", &len);
    assert_true(len == good_len && memcmp(now, good, len) == 0);
    free(now);
    /* a second lookup in the same cycle: loaded once */
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    assert_int_equal(fake_hits(&w->f, "1.targets.json"), t1 + 1);
    /* new targets: downloaded by refresh itself, before any lookup */
    add_target(w->tgt, "fw/b.bin", "firmware B\n", 11);
    json_object_set_new(w->tgt, "version", json_integer(2));
    w->ts_v = w->sn_v = 4;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(fake_hits(&w->f, "2.targets.json"), 1);
    assert_int_equal(version_of(c, "targets"), 2);
    free(good);
    world_free(w);
}

static ota_err
count_target(void *user, const ota_target_info *t)
{
    (void) t;
    (*(int *) user)++;
    return OTA_OK;
}

/* The stored targets.json replaced, after a refresh that skipped it, by
 * another validly signed targets of the same version and the same length
 * (fw/a.bin with other contents): only the snapshot's hash tells them apart.
 * The lookup checks it and rejects it; served by the repository too, the
 * lookup fails and returns nothing. */
static void
test_lazy_targets_tampered_local(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    json_t *evil = targets_obj(1, FUTURE);
    add_target(evil, "fw/a.bin", "evil  ware\n", 11);
    tkey *k[1] = {&w->tg};
    size_t elen, glen;
    uint8_t *eb = sign_doc(evil, OTA_ROLE_TARGETS, k, 1, &elen);
    free(read_local(w, "targets.json", &glen));
    assert_int_equal(elen, glen);
    write_local(w, "targets.json", eb, elen);
    uint8_t good[32];
    ota_sha256((const uint8_t *) "firmware A\n", 11, good);
    w->ts_v = 2;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    /* the repository's copy is the good one: the bad local copy is replaced */
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    assert_true(t.has_sha256);
    assert_memory_equal(t.sha256, good, 32);
    /* and when the repository serves it too (a mirror in the attacker's
     * hands): nothing is returned, the error says why */
    w->ts_v = 3;
    world_publish(w);
    write_local(w, "targets.json", eb, elen);
    fake_meta(&w->f, "1.targets.json", eb, elen);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t2 = OTA_TARGET_INFO_INIT;
    ota_err rc = ota_client_get_target(c, "fw/a.bin", &t2);
    assert_true(rc == OTA_E_HASH || rc == OTA_E_LENGTH);
    assert_non_null(strstr(ota_client_errmsg(c), "targets.json"));
    assert_null(t2.path);
    int n = 0;
    assert_int_equal(ota_client_list_targets(c, count_target, &n), rc);
    assert_int_equal(n, 0);
    free(eb);
    world_free(w);
}

/* Targets expired while timestamp and snapshot stay valid and unchanged:
 * refresh no longer reads targets, so the lookup refuses it (spec 5.6.5
 * against this cycle's start time), the stored copy and a download alike. */
static void
test_lazy_targets_expired(void **state)
{
    (void) state;
    world *w = world_new();
    w->tg_exp = "2030-01-01T00:00:00Z";
    world_publish(w);
    int64_t before = 1893455999; /* 2029-12-31T23:59:59Z */
    int64_t after = 1893456000;  /* exactly the expiry: expired */
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.clock = fixed_clock;
    cfg.clock_user = &before;
    ota_client *c = world_client(w, &cfg);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    cfg.clock_user = &after;
    c = world_client(w, &cfg);
    unsigned t1 = fake_hits(&w->f, "1.targets.json");
    assert_int_equal(ota_client_refresh(c), OTA_OK); /* timestamp, snapshot: valid */
    assert_int_equal(fake_hits(&w->f, "1.targets.json"), t1);
    ota_target_info t2 = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t2), OTA_E_EXPIRED);
    assert_non_null(strstr(ota_client_errmsg(c), "targets.json"));
    assert_non_null(strstr(ota_client_errmsg(c), "expired"));
    assert_null(t2.path);
    int n = 0;
    assert_int_equal(ota_client_list_targets(c, count_target, &n), OTA_E_EXPIRED);
    assert_int_equal(n, 0);
    /* renewed by the repository: accepted at the next lookup */
    w->tg_exp = FUTURE;
    json_object_set_new(w->tgt, "version", json_integer(2));
    w->ts_v = w->sn_v = 2;
    world_publish(w);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    world_free(w);
}

static void
test_delegations_search(void **state)
{
    (void) state;
    world *w = world_new();
    json_t *a = world_role(w, "a");
    json_t *b = world_role(w, "b");
    json_t *h = world_role(w, "h");
    add_target(a, "apps/x", "from a", 6);
    add_target(b, "apps/x", "from b", 6);
    add_target(b, "apps/y", "y", 1);
    add_target(b, "apps/sub/z", "z", 1);
    add_target(h, "tools/t", "t", 1);
    add_delegation(w->tgt, "a", role_key(w, "a"), json_pack("[s]", "apps/*"), false, false);
    add_delegation(w->tgt, "b", role_key(w, "b"), json_pack("[s]", "apps/*"), false, false);
    uint8_t hh[32];
    char hex[65];
    ota_sha256((const uint8_t *) "tools/t", 7, hh);
    ota_hex_encode(hh, 32, hex);
    hex[3] = '\0';
    add_delegation(w->tgt, "h", role_key(w, "h"), json_pack("[s]", hex), true, false);
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "apps/x", &t), OTA_OK);
    assert_string_equal(t.role, "a"); /* listed first wins */
    assert_int_equal(ota_client_get_target(c, "apps/y", &t), OTA_OK);
    assert_string_equal(t.role, "b");
    assert_int_equal(ota_client_get_target(c, "apps/sub/z", &t), OTA_E_NOT_FOUND);
    assert_int_equal(ota_client_get_target(c, "tools/t", &t), OTA_OK);
    assert_string_equal(t.role, "h");
    assert_false(local_exists(w, "zzz.json"));
    assert_true(local_exists(w, "a.json") && local_exists(w, "b.json") && local_exists(w, "h.json"));
    world_free(w);
}

static void
test_delegations_terminating(void **state)
{
    (void) state;
    world *w = world_new();
    json_t *a = world_role(w, "a");
    json_t *a1 = world_role(w, "a1");
    json_t *b = world_role(w, "b");
    add_target(a1, "apps/deep", "deep", 4);
    add_target(b, "apps/y", "y", 1);
    add_target(b, "apps/deep", "other", 5);
    /* a (terminating) -> a1; b after a is never searched */
    add_delegation(a, "a1", role_key(w, "a1"), json_pack("[s]", "apps/*"), false, false);
    add_delegation(w->tgt, "a", role_key(w, "a"), json_pack("[s]", "apps/*"), false, true);
    add_delegation(w->tgt, "b", role_key(w, "b"), json_pack("[s]", "apps/*"), false, false);
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "apps/deep", &t), OTA_OK);
    assert_string_equal(t.role, "a1"); /* a's subtree is still searched */
    assert_int_equal(ota_client_get_target(c, "apps/y", &t), OTA_E_NOT_FOUND);
    assert_false(local_exists(w, "b.json")); /* never even downloaded */
    world_free(w);
}

/* A cycle a -> b -> a, and a chain longer than the visit cap. */
static void
test_delegations_cycle_and_cap(void **state)
{
    (void) state;
    world *w = world_new();
    json_t *a = world_role(w, "a");
    json_t *b = world_role(w, "b");
    add_delegation(w->tgt, "a", role_key(w, "a"), json_pack("[s]", "*"), false, false);
    add_delegation(a, "b", role_key(w, "b"), json_pack("[s]", "*"), false, false);
    add_delegation(b, "a", role_key(w, "a"), json_pack("[s]", "*"), false, false);
    char name[16];
    json_t *last = b;
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "r%d", i);
        json_t *r = world_role(w, name);
        add_delegation(last, name, role_key(w, name), json_pack("[s]", "*"), false, false);
        last = r;
    }
    add_target(last, "deep", "d", 1);
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "missing", &t), OTA_E_NOT_FOUND);
    assert_non_null(strstr(ota_client_errmsg(c), "limit"));
    assert_int_equal(ota_client_get_target(c, "deep", &t), OTA_E_NOT_FOUND); /* beyond cap */
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.max_delegations = 64;
    c = world_client(w, &cfg);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(ota_client_get_target(c, "deep", &t), OTA_OK);
    world_free(w);
}

static void
test_delegated_role_not_in_snapshot(void **state)
{
    (void) state;
    world *w = world_new();
    add_delegation(w->tgt, "ghost", &w->del[0], json_pack("[s]", "g/*"), false, false);
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "g/x", &t), OTA_E_FORMAT);
    assert_non_null(strstr(ota_client_errmsg(c), "snapshot"));
    world_free(w);
}

/* A delegated role signed by the wrong key is a verification failure. */
static void
test_delegated_role_bad_signature(void **state)
{
    (void) state;
    world *w = world_new();
    json_t *a = world_role(w, "a");
    add_target(a, "apps/x", "x", 1);
    add_delegation(w->tgt, "a", &w->del[5], json_pack("[s]", "apps/*"), false, false);
    world_publish(w); /* signed by del[0], delegated to del[5] */
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "apps/x", &t), OTA_E_SIGNATURE);
    assert_false(local_exists(w, "a.json"));
    world_free(w);
}

static ota_err
count_cb(void *user, const ota_target_info *t)
{
    char *buf = user;
    strcat(buf, t->path);
    strcat(buf, "=");
    strcat(buf, t->role);
    strcat(buf, " ");
    return OTA_OK;
}

static void
test_list_targets(void **state)
{
    (void) state;
    world *w = world_new();
    json_t *a = world_role(w, "a");
    json_t *b = world_role(w, "b");
    add_target(a, "apps/x", "from a", 6);
    add_target(a, "other/q", "not trusted for this path", 25);
    add_target(b, "apps/x", "from b", 6);
    add_target(b, "apps/y", "y", 1);
    add_delegation(w->tgt, "a", role_key(w, "a"), json_pack("[s]", "apps/*"), false, false);
    add_delegation(w->tgt, "b", role_key(w, "b"), json_pack("[s]", "apps/*"), false, false);
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    char buf[1024] = "";
    assert_int_equal(ota_client_list_targets(c, count_cb, buf), OTA_E_ARG); /* refresh first */
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(ota_client_list_targets(c, count_cb, buf), OTA_OK);
    assert_string_equal(buf, "apps/x=a apps/y=b fw/a.bin=targets ");
    world_free(w);
}

static void
test_percent_encoding(void **state)
{
    (void) state;
    char out[256];
    assert_int_equal(ota_target_filename("fw/a.bin", out, sizeof out), OTA_OK);
    assert_string_equal(out, "fw%2Fa.bin");
    assert_int_equal(ota_target_filename("..", out, sizeof out), OTA_OK);
    assert_string_equal(out, "%2E.");
    assert_int_equal(ota_target_filename(".hidden", out, sizeof out), OTA_OK);
    assert_string_equal(out, "%2Ehidden");
    assert_int_equal(ota_target_filename("a b?c#d%e\xc3\xa9", out, sizeof out), OTA_OK);
    assert_string_equal(out, "a%20b%3Fc%23d%25e%C3%A9");
    assert_int_equal(ota_target_filename("abc", out, 3), OTA_E_LIMIT);
    assert_int_equal(ota_target_filename("", out, sizeof out), OTA_E_ARG);

    /* role names in URLs and file names; target dot segments in URLs */
    world *w = world_new();
    json_t *r = world_role(w, "../x/?#");
    add_target(r, "odd/../t", "t", 1);
    add_delegation(w->tgt, "../x/?#", role_key(w, "../x/?#"), json_pack("[s]", "odd/*/*"), false,
                   false);
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "odd/../t", &t), OTA_OK);
    assert_string_equal(w->f.last_url, MURL "1...%2Fx%2F%3F%23.json");
    assert_true(local_exists(w, "..%2Fx%2F%3F%23.json")); /* inside the dir */
    /* init --force clears it like every other trusted file */
    size_t rlen;
    char *root = read_local(w, "root.json", &rlen);
    assert_int_equal(ota_client_init_root(c, (const uint8_t *) root, rlen, true), OTA_OK);
    assert_false(local_exists(w, "..%2Fx%2F%3F%23.json"));
    free(root);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(ota_client_get_target(c, "odd/../t", &t), OTA_OK);
    char outdir[128];
    snprintf(outdir, sizeof outdir, "%s/o", w->dir);
    mkdir(outdir, 0755);
    assert_int_equal(ota_client_fetch_target(c, &t, outdir, NULL), OTA_E_NETWORK); /* not served */
    assert_non_null(strstr(w->f.last_url, TURL "odd/%2E%2E/"));
    world_free(w);
}

/* ---- resuming fetch_target ------------------------------------------------- */

/* more than 1 MiB: big enough that the push path hashes in its second
 * thread (target.c, HASHER_MIN_LEN), also after a resume from 150000 */
#define RLEN (1280u * 1024u)

typedef struct prog {
    unsigned calls;
    uint64_t first_done, first_from, last_done, last_total, last_from;
    unsigned cancel_after; /* 0: never */
} prog;

static ota_err
on_progress(void *user, uint64_t done, uint64_t total, uint64_t from)
{
    prog *p = user;
    if (p->calls++ == 0) {
        p->first_done = done;
        p->first_from = from;
    }
    assert_true(done >= p->last_done && done <= total && from <= done);
    p->last_done = done;
    p->last_total = total;
    p->last_from = from;
    return p->cancel_after != 0 && p->calls >= p->cancel_after ? OTA_E_CANCELED : OTA_OK;
}

typedef struct rworld {
    world *w;
    ota_client *c;
    ota_target_info t;
    fentry *e;
    uint8_t *data;
    prog p;
    char out[256], part[512], final[512];
} rworld;

static void
rworld_new(rworld *r, bool push)
{
    memset(r, 0, sizeof *r);
    r->w = world_new();
    r->w->push = push;
    r->data = malloc(RLEN);
    for (size_t i = 0; i < RLEN; i++)
        r->data[i] = (uint8_t) (i * 7u + (i >> 9));
    add_target(r->w->tgt, "fw/big.bin", r->data, RLEN);
    world_publish(r->w);
    r->e = serve_target(r->w, "fw/big.bin", r->data, RLEN, r->data, RLEN);
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.progress = on_progress;
    cfg.progress_user = &r->p;
    r->c = world_client(r->w, &cfg);
    assert_int_equal(ota_client_refresh(r->c), OTA_OK);
    r->t.size = sizeof r->t;
    assert_int_equal(ota_client_get_target(r->c, "fw/big.bin", &r->t), OTA_OK);
    snprintf(r->out, sizeof r->out, "%s/out", r->w->dir);
    mkdir(r->out, 0755);
    char hex[65];
    ota_hex_encode(r->t.sha256, 32, hex);
    snprintf(r->part, sizeof r->part, "%s/.ota-part.%s", r->out, hex);
    snprintf(r->final, sizeof r->final, "%s/fw%%2Fbig.bin", r->out);
}

static void
rworld_free(rworld *r)
{
    free(r->data);
    world_free(r->w);
}

static long
fsize(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (long) st.st_size : -1;
}

static ota_err
rfetch(rworld *r)
{
    memset(&r->p, 0, offsetof(prog, cancel_after));
    r->e->served = 0;
    return ota_client_fetch_target(r->c, &r->t, r->out, NULL);
}

/* A fetch whose transfer breaks after `at` bytes: OTA_E_NETWORK, and those
 * bytes kept in the partial file. */
static void
rfetch_cut(rworld *r, uint64_t at)
{
    r->e->cut = true;
    r->e->cut_at = at;
    assert_int_equal(rfetch(r), OTA_E_NETWORK);
    assert_int_equal(fsize(r->part), (long) at);
    assert_int_equal(fsize(r->final), -1);
}

static void
check_final(rworld *r)
{
    FILE *f = fopen(r->final, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(RLEN + 1);
    assert_int_equal(fread(b, 1, RLEN + 1, f), RLEN);
    fclose(f);
    assert_memory_equal(b, r->data, RLEN);
    free(b);
    assert_int_equal(fsize(r->part), -1); /* the partial file became the final one */
}

/* A broken connection keeps the bytes received; the next fetch asks only
 * for the rest and still checks the hashes over the whole file. */
static void
fetch_resume(bool push)
{
    rworld r;
    rworld_new(&r, push);
    rfetch_cut(&r, 100000);
    assert_true(r.p.calls >= 1 && r.p.first_done == 0 && r.p.first_from == 0);
    assert_int_equal(r.p.last_total, RLEN);
    assert_int_equal(rfetch(&r), OTA_OK);
    assert_int_equal(r.e->opens[r.e->nopens - 1], 100000); /* a Range request */
    assert_int_equal(r.e->served, RLEN - 100000);          /* only the rest */
    assert_true(r.p.first_done == 100000 && r.p.first_from == 100000);
    assert_true(r.p.last_done == RLEN && r.p.last_from == 100000);
    assert_true(r.p.calls >= 2 && r.p.calls <= 2 + RLEN / 1000);
    check_final(&r);
    rworld_free(&r);
}

/* Bytes in the partial file that are not the target's: the check at the
 * end fails, the partial file is deleted, the next fetch starts over. */
static void
fetch_resume_tampered(bool push)
{
    rworld r;
    rworld_new(&r, push);
    rfetch_cut(&r, 100000);
    FILE *f = fopen(r.part, "r+b");
    assert_non_null(f);
    fseek(f, 5000, SEEK_SET);
    fputc(r.data[5000] ^ 1, f);
    fclose(f);
    assert_int_equal(rfetch(&r), OTA_E_HASH);
    assert_int_equal(r.e->opens[r.e->nopens - 1], 100000);
    assert_int_equal(fsize(r.part), -1);
    assert_int_equal(fsize(r.final), -1);
    assert_int_equal(rfetch(&r), OTA_OK);
    assert_int_equal(r.e->opens[r.e->nopens - 1], 0);
    check_final(&r);
    rworld_free(&r);
}

/* Odd partial files: longer than the target, complete but not renamed, a
 * symlink planted at its name, another download holding it. */
static void
fetch_resume_odd_partials(bool push)
{
    rworld r;
    rworld_new(&r, push);
    FILE *f = fopen(r.part, "wb");
    fwrite(r.data, 1, RLEN, f);
    fwrite("extra", 1, 5, f);
    fclose(f);
    assert_int_equal(rfetch(&r), OTA_OK); /* longer: discarded, from 0 */
    assert_int_equal(r.e->opens[r.e->nopens - 1], 0);
    assert_int_equal(r.e->served, RLEN);
    check_final(&r);

    unlink(r.final);
    f = fopen(r.part, "wb");
    fwrite(r.data, 1, RLEN, f);
    fclose(f);
    unsigned before = r.w->f.requests;
    assert_int_equal(rfetch(&r), OTA_OK); /* complete: only the rename was missing */
    assert_int_equal(r.w->f.requests, before);
    check_final(&r);

    unlink(r.final);
    char victim[300];
    snprintf(victim, sizeof victim, "%s/victim", r.w->dir);
    f = fopen(victim, "wb");
    fputs("keep me", f);
    fclose(f);
    assert_int_equal(symlink(victim, r.part), 0);
    assert_int_equal(rfetch(&r), OTA_OK);
    assert_int_equal(fsize(victim), 7); /* never followed */
    check_final(&r);

    unlink(r.final);
    int fd = open(r.part, O_RDWR | O_CREAT, 0644);
    assert_true(fd >= 0 && flock(fd, LOCK_EX) == 0);
    assert_int_equal(rfetch(&r), OTA_E_IO);
    assert_non_null(strstr(ota_client_errmsg(r.c), "in progress"));
    close(fd);
    assert_int_equal(rfetch(&r), OTA_OK);
    check_final(&r);

    /* the final file already there: a stale partial of it goes */
    f = fopen(r.part, "wb");
    fputs("stale", f);
    fclose(f);
    assert_int_equal(rfetch(&r), OTA_OK);
    assert_int_equal(fsize(r.part), -1);
    rworld_free(&r);
}

/* The progress callback stops the download: OTA_E_CANCELED, resumable. */
static void
fetch_cancel(bool push)
{
    rworld r;
    rworld_new(&r, push);
    r.p.cancel_after = 1; /* at the first call, before any byte */
    assert_int_equal(rfetch(&r), OTA_E_CANCELED);
    assert_int_equal(fsize(r.part), 0);
    assert_int_equal(fsize(r.final), -1);
    r.p.cancel_after = 0;
    rfetch_cut(&r, 150000);
    r.p.cancel_after = 1; /* canceled again, as the resumed transfer starts */
    assert_int_equal(rfetch(&r), OTA_E_CANCELED);
    assert_int_equal(r.p.first_from, 150000);
    assert_int_equal(fsize(r.part), 150000); /* a cancel keeps what there is */
    r.p.cancel_after = 0;
    assert_int_equal(rfetch(&r), OTA_OK);
    assert_int_equal(r.e->opens[r.e->nopens - 1], 150000);
    check_final(&r);
    rworld_free(&r);
}

static void
test_api_arguments(void **state)
{
    (void) state;
    ota_client_config cfg;
    ota_client *c = NULL;
    ota_client_config_init(&cfg);
    assert_int_equal(ota_client_new(&cfg, &c), OTA_E_ARG); /* no metadata_dir */
    cfg.metadata_dir = "/tmp";
    cfg.size = sizeof cfg - 1;
    assert_int_equal(ota_client_new(&cfg, &c), OTA_E_ARG);
    cfg.size = sizeof cfg + 1;
    assert_int_equal(ota_client_new(&cfg, &c), OTA_E_ARG);
    /* a program built against the first release's header (no progress) */
    cfg.size = offsetof(ota_client_config, progress);
    cfg.progress = (ota_progress_fn) 1; /* beyond its struct: never read */
    assert_int_equal(ota_client_new(&cfg, &c), OTA_OK);
    ota_client_free(c);
    c = NULL;
    cfg.progress = NULL;
    cfg.size = sizeof cfg;
    ota_transport half = {.size = sizeof half, .open = f_open};
    cfg.transport = &half;
    assert_int_equal(ota_client_new(&cfg, &c), OTA_E_ARG);
    assert_null(c);
    cfg.transport = NULL;
    assert_int_equal(ota_client_new(&cfg, &c), OTA_OK);
    assert_int_equal(ota_client_refresh(c), OTA_E_ARG); /* no transport */
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "x", &t), OTA_E_ARG);
    assert_non_null(strstr(ota_client_errmsg(c), "refresh"));
    ota_client_free(c);
    ota_client_free(NULL);
    ota_target_stream_close(NULL);
    assert_string_equal(ota_client_version(), OTA_CLIENT_VERSION);
    assert_int_equal(ota_client_refresh(NULL), OTA_E_ARG);
}

/* Plain (non-consistent) file names, and a transport with its own fetch. */
static void
test_not_consistent(void **state)
{
    (void) state;
    world *w = world_new();
    w->consistent = false;
    /* root v1 with consistent_snapshot false */
    tkey *k[1] = {&w->root};
    size_t len;
    json_t *ro = root_obj(1, FUTURE, &w->root, &w->ts, &w->sn, &w->tg);
    json_object_set_new(ro, "consistent_snapshot", json_false());
    uint8_t *r = sign_doc(ro, OTA_ROLE_ROOT, k, 1, &len);
    write_local(w, "root.json", r, len);
    free(r);
    w->root_v = 0; /* publish no roots */
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_int_equal(fake_hits(&w->f, "snapshot.json"), 1);
    assert_int_equal(fake_hits(&w->f, "targets.json"), 1);
    world_free(w);
}

/* Each fetch_target test runs through both paths of a download: the
 * transport's stream (open/read, which every transport has) and its
 * whole-file fetch (push: the curl transport has one). */
#define BOTH_PATHS(name)                                                                           \
    static void test_##name##_pull(void **state)                                                   \
    {                                                                                              \
        (void) state;                                                                              \
        name(false);                                                                               \
    }                                                                                              \
    static void test_##name##_push(void **state)                                                   \
    {                                                                                              \
        (void) state;                                                                              \
        name(true);                                                                                \
    }
BOTH_PATHS(fetch_target_and_stream)
BOTH_PATHS(fetch_target_rejects)
BOTH_PATHS(fetch_resume)
BOTH_PATHS(fetch_resume_tampered)
BOTH_PATHS(fetch_resume_odd_partials)
BOTH_PATHS(fetch_cancel)

/* The push path hashes the partial file's bytes (its second thread reads
 * them back): a file changed under the download (here: emptied half-way,
 * so the writes go on past a hole of zeros) fails it and places nothing. */
static void
truncate_midway(void *ctx, const char *what, const fentry *e, uint64_t off, size_t n)
{
    const rworld *r = ctx;
    (void) e;
    (void) n;
    if (strcmp(what, "read") == 0 && off <= RLEN / 2 && off + n > RLEN / 2)
        assert_int_equal(truncate(r->part, 0), 0);
}

static void
test_fetch_push_hashes_the_file(void **state)
{
    (void) state;
    rworld r;
    rworld_new(&r, true);
    r.w->f.trace = truncate_midway;
    r.w->f.trace_ctx = &r;
    ota_err rc = rfetch(&r);
    assert_true(rc == OTA_E_HASH || rc == OTA_E_IO);
    assert_int_equal(fsize(r.final), -1);
    assert_int_equal(fsize(r.part), -1);
    r.w->f.trace = NULL;
    assert_int_equal(rfetch(&r), OTA_OK);
    check_final(&r);
    rworld_free(&r);
}

/* A push transport that ignores the sink's refusal and reports success:
 * the download still fails for the sink's reason and places nothing.  The
 * right 11 bytes come first, in a piece of their own, so only the refusal
 * of what follows tells this apart from a good download. */
static void
test_fetch_push_refusal_wins(void **state)
{
    (void) state;
    const int modes[] = {M_OK, M_ENDLESS};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        world *w = world_new();
        w->push = true;
        w->f.fetch_ignores_sink = true;
        world_publish(w);
        serve_target(w, "fw/a.bin", "firmware A\n", 11, "firmware A\nXXXXXXXXX", 20)->mode =
            modes[i];
        ota_client *c = world_client(w, NULL);
        assert_int_equal(ota_client_refresh(c), OTA_OK);
        ota_target_info t = OTA_TARGET_INFO_INIT;
        assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
        char out[128];
        snprintf(out, sizeof out, "%s/out", w->dir);
        mkdir(out, 0755);
        assert_int_equal(ota_client_fetch_target(c, &t, out, NULL), OTA_E_LENGTH);
        assert_non_null(strstr(ota_client_errmsg(c), "endless"));
        DIR *d = opendir(out);
        struct dirent *e;
        int n = 0;
        while ((e = readdir(d)) != NULL)
            n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
        closedir(d);
        assert_int_equal(n, 0);
        world_free(w);
    }
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_happy_path),
        cmocka_unit_test(test_fetch_target_and_stream_pull),
        cmocka_unit_test(test_fetch_target_and_stream_push),
        cmocka_unit_test(test_fetch_target_rejects_pull),
        cmocka_unit_test(test_fetch_target_rejects_push),
        cmocka_unit_test(test_fetch_resume_pull),
        cmocka_unit_test(test_fetch_resume_push),
        cmocka_unit_test(test_fetch_resume_tampered_pull),
        cmocka_unit_test(test_fetch_resume_tampered_push),
        cmocka_unit_test(test_fetch_resume_odd_partials_pull),
        cmocka_unit_test(test_fetch_resume_odd_partials_push),
        cmocka_unit_test(test_fetch_cancel_pull),
        cmocka_unit_test(test_fetch_cancel_push),
        cmocka_unit_test(test_fetch_push_refusal_wins),
        cmocka_unit_test(test_fetch_push_hashes_the_file),
        cmocka_unit_test(test_endless_remote_metadata),
        cmocka_unit_test(test_timestamp_prefixes_and_bitflips),
        cmocka_unit_test(test_root_chain),
        cmocka_unit_test(test_root_chain_cap),
        cmocka_unit_test(test_root_same_version_discarded),
        cmocka_unit_test(test_missing_and_corrupt_trusted_root),
        cmocka_unit_test(test_init_root),
        cmocka_unit_test(test_rollback_and_equal_timestamp),
        cmocka_unit_test(test_rollback_snapshot_meta),
        cmocka_unit_test(test_expiry_uses_fixed_start_time),
        cmocka_unit_test(test_freeze_each_role),
        cmocka_unit_test(test_mix_and_match),
        cmocka_unit_test(test_fast_forward_recovery),
        cmocka_unit_test(test_rotation_deletes_trusted_copies),
        cmocka_unit_test(test_mix_and_match_snapshot),
        cmocka_unit_test(test_local_corruption_is_absence),
        cmocka_unit_test(test_no_change_refresh_skips_targets),
        cmocka_unit_test(test_lazy_targets_tampered_local),
        cmocka_unit_test(test_lazy_targets_expired),
        cmocka_unit_test(test_delegations_search),
        cmocka_unit_test(test_delegations_terminating),
        cmocka_unit_test(test_delegations_cycle_and_cap),
        cmocka_unit_test(test_delegated_role_not_in_snapshot),
        cmocka_unit_test(test_delegated_role_bad_signature),
        cmocka_unit_test(test_list_targets),
        cmocka_unit_test(test_percent_encoding),
        cmocka_unit_test(test_api_arguments),
        cmocka_unit_test(test_not_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
