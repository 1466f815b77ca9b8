/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_abi.c — libotaclient's public structs can grow without breaking a
 * program built against another release's header (docs/libotaclient.md
 * "Growing the API"): the first release's ota_client_config and a transport
 * table without post are accepted and their missing fields read as zero; a
 * larger struct only with an all-zero tail; a struct smaller than any
 * release's is refused; output structs are written only as far as the
 * caller's size goes.  Every struct under test sits right before an
 * unmapped page (a read or write past the caller's size faults) or before a
 * canary that is checked after every call.  Also: the version macros and
 * the transport's error capacity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "ota/install.h"
#include "ota/report.h"
#include "testrepo.h"

/* ---- where a struct under test lives ------------------------------------------ */

#define CANARY 0xA5

/* n bytes (the caller's struct), then `zone` canary bytes, then an unmapped
 * page; the bytes before the struct hold the canary too. */
typedef struct place {
    uint8_t *map, *p;
    size_t len, n, zone;
} place;

static void *
place_new(place *pl, size_t n, size_t zone)
{
    size_t pg = (size_t) sysconf(_SC_PAGESIZE);
    /* the struct's own alignment follows: a struct's size is a multiple of it */
    assert_true(n % _Alignof(size_t) == 0 && zone % _Alignof(size_t) == 0 && n + zone < pg);
    pl->len = 2 * pg;
    pl->map = mmap(NULL, pl->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(pl->map != MAP_FAILED);
    assert_int_equal(mprotect(pl->map + pg, pg, PROT_NONE), 0);
    memset(pl->map, CANARY, pg);
    pl->n = n;
    pl->zone = zone;
    pl->p = pl->map + pg - zone - n;
    memset(pl->p, 0, n);
    return pl->p;
}

/* Every byte outside the struct still holds the canary. */
static void
canary_check(const place *pl)
{
    size_t pg = pl->len / 2;
    for (size_t i = 0; i < pg; i++) {
        if (pl->map + i >= pl->p && pl->map + i < pl->p + pl->n)
            continue;
        if (pl->map[i] != CANARY)
            fail_msg("byte %zd from the struct's end was written",
                     (ptrdiff_t) (pl->map + i - (pl->p + pl->n)));
    }
}

static void
place_free(place *pl)
{
    munmap(pl->map, pl->len);
}

/* ---- the first release's structs, as a program built then has them ----------- */

/* ota_client_config of 0.1.0: it ended with clock_user. */
typedef struct client_config_v1 {
    size_t size;
    const char *metadata_dir;
    const char *metadata_url;
    const char *target_base_url;
    const ota_transport *transport;
    uint64_t max_root_size, max_timestamp_size, max_snapshot_size, max_targets_size;
    uint32_t max_root_rotations, max_delegations;
    int64_t (*clock)(void *clock_user);
    void *clock_user;
} client_config_v1;

_Static_assert(sizeof(client_config_v1) == offsetof(ota_client_config, progress),
               "the first release's config is this library's up to clock_user");

/* A transport table with the first release's functions only (no post). */
typedef struct transport_v1 {
    size_t size;
    void *user;
    ota_err (*fetch)(void *, const ota_fetch_req *, ota_sink_fn, void *, char *, size_t);
    ota_err (*open)(void *, const ota_fetch_req *, void **, char *, size_t);
    ota_err (*read)(void *, void *, uint8_t *, size_t, size_t *, char *, size_t);
    void (*close)(void *, void *);
} transport_v1;

_Static_assert(sizeof(transport_v1) == offsetof(ota_transport, post), "no post");

/* ota_install_config as it first appeared (before allow_downgrade). */
typedef struct install_config_old {
    size_t size;
    const char *state_dir;
    const char *system_conf;
    const char *hardware_id;
    const ota_boot_ops *boot;
    const char *cmdline;
    void (*progress)(void *user, const ota_install_progress *p);
    void *progress_user;
    unsigned hook_timeout_s;
    uint64_t checkpoint_bytes;
} install_config_old;

_Static_assert(sizeof(install_config_old) < sizeof(ota_install_config), "smaller");

/* ---- fakes --------------------------------------------------------------------- */

static int clock_calls;

static int64_t
fixed_clock(void *user)
{
    assert_ptr_equal(user, &clock_calls);
    clock_calls++;
    return 1700000000;
}

static int traps;

/* Set where a missing field would be read from: never called. */
static ota_err
trap_progress(void *user, uint64_t done, uint64_t total, uint64_t resumed_from)
{
    (void) user, (void) done, (void) total, (void) resumed_from;
    traps++;
    return OTA_OK;
}

static ota_err
trap_post(void *user, const char *url, const char *ctype, const uint8_t *body, size_t len,
          long *status, char *err, size_t err_cap)
{
    (void) user, (void) url, (void) ctype, (void) body, (void) len, (void) err, (void) err_cap;
    traps++;
    *status = 201;
    return OTA_OK;
}

static ota_err
ok_post(void *user, const char *url, const char *ctype, const uint8_t *body, size_t len,
        long *status, char *err, size_t err_cap)
{
    (void) url, (void) ctype, (void) body, (void) len, (void) err, (void) err_cap;
    (*(int *) user)++;
    *status = 201;
    return OTA_OK;
}

/* A switch backend that always has A booted and primary. */
static ota_err
fb_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    (void) user, (void) err;
    snprintf(bootname, OTA_BOOT_NAME_MAX, "A");
    return OTA_OK;
}

static ota_err
fb_set_primary(void *user, const char *bootname, char *err)
{
    (void) user, (void) bootname, (void) err;
    return OTA_OK;
}

static ota_err
fb_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    (void) user, (void) bootname, (void) err;
    *state = OTA_SLOT_GOOD;
    return OTA_OK;
}

static ota_err
fb_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    (void) user, (void) bootname, (void) state, (void) err;
    return OTA_OK;
}

static const ota_boot_ops fake_boot = {.size = sizeof fake_boot,
                                       .get_primary = fb_get_primary,
                                       .set_primary = fb_set_primary,
                                       .get_state = fb_get_state,
                                       .set_state = fb_set_state};

/* A device directory: system.conf with two directory slots, the booted slot
 * on a command line, an empty state directory. */
typedef struct devdir {
    char base[64], conf[128], state[128], cmdline[128], a[128], b[128];
} devdir;

static void
devdir_new(devdir *d)
{
    snprintf(d->base, sizeof d->base, "/tmp/ota-test-abi.XXXXXX");
    assert_non_null(mkdtemp(d->base));
    snprintf(d->conf, sizeof d->conf, "%s/system.conf", d->base);
    snprintf(d->state, sizeof d->state, "%s/state", d->base);
    snprintf(d->cmdline, sizeof d->cmdline, "%s/cmdline", d->base);
    snprintf(d->a, sizeof d->a, "%s/a", d->base);
    snprintf(d->b, sizeof d->b, "%s/b", d->base);
    assert_int_equal(mkdir(d->a, 0755), 0);
    assert_int_equal(mkdir(d->b, 0755), 0);
    FILE *f = fopen(d->conf, "w");
    assert_non_null(f);
    fprintf(f,
            "[system]\ncompatible = gw-1\nbootloader = uboot\n\n"
            "[slot.rootfs.0]\ntype = dir\npath = %s\nbootname = A\n\n"
            "[slot.rootfs.1]\ntype = dir\npath = %s\nbootname = B\n",
            d->a, d->b);
    fclose(f);
    f = fopen(d->cmdline, "w");
    assert_non_null(f);
    fputs("quiet ota.slot=A\n", f);
    fclose(f);
}

static ota_install_config
devdir_config(const devdir *d)
{
    ota_install_config c = OTA_INSTALL_CONFIG_INIT;
    c.state_dir = d->state;
    c.system_conf = d->conf;
    c.cmdline = d->cmdline;
    c.boot = &fake_boot;
    return c;
}

/* A copy of the n-byte struct tmpl, its size field set to size, in buf
 * (zeroed past n, one byte set at tail_at when tail_at >= n). */
static void *
variant(void *buf, size_t cap, const void *tmpl, size_t n, size_t size, size_t tail_at)
{
    assert_true(n <= cap && size <= cap);
    memset(buf, 0, cap);
    memcpy(buf, tmpl, n);
    memcpy(buf, &size, sizeof size);
    if (tail_at >= n && tail_at < cap)
        ((uint8_t *) buf)[tail_at] = 1;
    return buf;
}

#define NO_TAIL ((size_t) -1)

/* room for a struct from a newer header than this library's */
typedef union bigbuf {
    max_align_t align;
    uint8_t b[1024];
} bigbuf;

/* ---- the version ------------------------------------------------------------- */

static void
test_version(void **state)
{
    (void) state;
    char s[32];
    snprintf(s, sizeof s, "%d.%d.%d", OTA_CLIENT_VERSION_MAJOR, OTA_CLIENT_VERSION_MINOR,
             OTA_CLIENT_VERSION_PATCH);
    assert_string_equal(s, OTA_CLIENT_VERSION);
    assert_string_equal(ota_client_version(), OTA_CLIENT_VERSION);
    assert_int_equal(ota_client_version_num(), OTA_CLIENT_VERSION_NUM);
    assert_int_equal(OTA_CLIENT_VERSION_NUM, (OTA_CLIENT_VERSION_MAJOR << 16) |
                                                 (OTA_CLIENT_VERSION_MINOR << 8) |
                                                 OTA_CLIENT_VERSION_PATCH);
#if OTA_CLIENT_VERSION_NUM < 0x000200
#error "the numeric version is usable in #if"
#endif
}

/* ---- inputs from the first release -------------------------------------------- */

/* A program built against the first release: its config ends with
 * clock_user, its transport has no post.  Both are read up to their size
 * (the clock is used), never past it (the structs end at an unmapped page),
 * and the fields they lack are zero: the progress a newer config would have
 * right after the old one is not called. */
static void
test_client_config_first_release(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    serve_target(w, "fw/a.bin", "firmware A\n", 11, "firmware A\n", 11);

    place ptr, pcfg;
    transport_v1 *tr = place_new(&ptr, sizeof *tr, 0);
    *tr = (transport_v1){
        .size = sizeof *tr, .user = &w->f, .open = f_open, .read = f_read, .close = f_close};
    client_config_v1 *cfg = place_new(&pcfg, sizeof *cfg, 0);
    *cfg = (client_config_v1){.size = sizeof *cfg,
                              .metadata_dir = w->dir,
                              .metadata_url = MURL,
                              .target_base_url = TURL,
                              .transport = (const ota_transport *) (void *) tr,
                              .clock = fixed_clock,
                              .clock_user = &clock_calls};
    ota_client *c = NULL;
    clock_calls = 0;
    assert_int_equal(ota_client_new((const ota_client_config *) (void *) cfg, &c), OTA_OK);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    assert_true(clock_calls > 0); /* the last field of the old struct is read */
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    assert_int_equal(ota_client_fetch_target(c, &t, w->dir, NULL), OTA_OK);
    ota_client_free(c);
    canary_check(&ptr);
    canary_check(&pcfg);

    /* the same config followed by what a newer one has next (progress and
     * its user): taken as absent; as the newer struct, they are used */
    struct {
        client_config_v1 old;
        ota_progress_fn progress;
        void *progress_user;
    } next;
    _Static_assert(sizeof next == sizeof(ota_client_config), "the newer layout");
    memset(&next, 0, sizeof next);
    next.old = *cfg;
    next.progress = trap_progress;
    char out[128];
    snprintf(out, sizeof out, "%s/out", w->dir);
    assert_int_equal(mkdir(out, 0755), 0);
    for (int newer = 0; newer < 2; newer++) {
        next.old.size = newer ? sizeof next : sizeof next.old;
        traps = 0;
        assert_int_equal(ota_client_new((const ota_client_config *) (void *) &next, &c), OTA_OK);
        assert_int_equal(ota_client_refresh(c), OTA_OK);
        assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
        char done[256];
        snprintf(done, sizeof done, "%s/fw%%2Fa.bin", out);
        unlink(done);
        bool cached = true;
        assert_int_equal(ota_client_fetch_target(c, &t, out, &cached), OTA_OK);
        assert_false(cached);
        ota_client_free(c);
        assert_int_equal(traps > 0, newer);
    }
    place_free(&pcfg);
    place_free(&ptr);
    world_free(w);
}

/* A transport table without post, as the reporter sees it: reports stay
 * queued (OTA_E_UNSUPPORTED) and what a newer table has next is never taken
 * for post; with the newer size, that post is used. */
static void
test_transport_without_post(void **state)
{
    (void) state;
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/ota-test-abi.XXXXXX");
    assert_non_null(mkdtemp(dir));
    int posted = 0;
    struct {
        transport_v1 old;
        ota_err (*post)(void *, const char *, const char *, const uint8_t *, size_t, long *, char *,
                        size_t);
    } next;
    _Static_assert(sizeof next == sizeof(ota_transport), "the newer layout");
    memset(&next, 0, sizeof next);
    next.old.user = &posted;
    ota_reporter_config rc = OTA_REPORTER_CONFIG_INIT;
    rc.state_dir = dir;
    rc.url = "http://fake/v1/reports";
    rc.transport = (const ota_transport *) (void *) &next;
    rc.device_id = "gw-0001";
    rc.hardware_id = "gw-1";
    ota_report_event ev = {.size = sizeof ev, .installed_version = "1.0.0"};
    for (int newer = 0; newer < 2; newer++) {
        next.old.size = newer ? sizeof next : sizeof next.old;
        next.post = newer ? ok_post : trap_post;
        traps = posted = 0;
        ota_reporter *r = NULL;
        char err[256];
        assert_int_equal(ota_reporter_new(&rc, &r, err, sizeof err), OTA_OK);
        assert_int_equal(ota_reporter_add(r, &ev), OTA_OK);
        ota_report_sent res = {.size = sizeof res};
        assert_int_equal(ota_reporter_send(r, true, &res), newer ? OTA_OK : OTA_E_UNSUPPORTED);
        assert_int_equal(traps, 0);
        assert_int_equal(posted, newer ? 2 : 0); /* the report kept from the first round too */
        assert_int_equal(res.queued, newer ? 0 : 1);
        ota_reporter_free(r);
    }
    /* the table at an unmapped page: nothing past it is read */
    place pl;
    transport_v1 *tr = place_new(&pl, sizeof *tr, 0);
    *tr = next.old;
    tr->size = sizeof *tr;
    rc.transport = (const ota_transport *) (void *) tr;
    ota_reporter *r = NULL;
    char err[256];
    assert_int_equal(ota_reporter_new(&rc, &r, err, sizeof err), OTA_OK);
    assert_int_equal(ota_reporter_add(r, &ev), OTA_OK);
    ota_report_sent res = {.size = sizeof res};
    assert_int_equal(ota_reporter_send(r, true, &res), OTA_E_UNSUPPORTED);
    ota_reporter_free(r);
    canary_check(&pl);
    place_free(&pl);
    rm_dir(dir);
}

/* ---- the size rule on every input struct --------------------------------------- */

/* Calls the function that reads struct s; OTA_OK when s was accepted.  A
 * message (if the call gives one) goes to msg[cap]. */
typedef ota_err (*try_fn)(void *ctx, const void *s, char *msg, size_t cap);

/* Struct tmpl (n bytes, an accepted value) through try: as it is; larger
 * with an all-zero tail (accepted); larger with one tail byte set (refused,
 * the message names the struct); cut to min, the smallest struct of any
 * release (accepted: the rest reads as zero); smaller than that, not a
 * multiple of alignof(size_t), or more than a page (refused; the last one
 * ends at an unmapped page, so it must be refused unread). */
static void
size_rules(const char *name, try_fn try, void *ctx, const void *tmpl, size_t n, size_t min)
{
    bigbuf b;
    char msg[512];
    size_t cap = sizeof b.b;
#define TRY(size, tail)                                                                            \
    (msg[0] = '\0', try(ctx, variant(b.b, cap, tmpl, n, size, tail), msg, sizeof msg))
    if (TRY(n, NO_TAIL) != OTA_OK)
        fail_msg("%s as it is: %s", name, msg);
    if (TRY(n + 64, NO_TAIL) != OTA_OK)
        fail_msg("%s with a zero tail: %s", name, msg);
    for (size_t at = n; at < n + 64; at += 21) {
        assert_int_equal(TRY(n + 64, at), OTA_E_ARG);
        if (msg[0] != '\0' && (strstr(msg, name) == NULL || strstr(msg, "newer header") == NULL))
            fail_msg("%s: the message does not name the problem: %s", name, msg);
    }
    if (min < n) {
        /* the older caller's struct ends at min, at an unmapped page */
        place pl;
        void *p = place_new(&pl, min, 0);
        memcpy(p, tmpl, min);
        memcpy(p, &min, sizeof min);
        if (try(ctx, p, msg, sizeof msg) != OTA_OK)
            fail_msg("%s of the smallest size %zu: %s", name, min, msg);
        place_free(&pl);
    }
    assert_int_equal(TRY(min - 8, NO_TAIL), OTA_E_ARG);
    if (msg[0] != '\0' && strstr(msg, "smaller than any release's") == NULL)
        fail_msg("%s too small: %s", name, msg);
    assert_int_equal(TRY(sizeof(size_t), NO_TAIL), OTA_E_ARG);
    assert_int_equal(TRY(n + 1, NO_TAIL), OTA_E_ARG);
    /* half the alignment: 4 bytes on 64-bit CPUs, 2 on 32-bit ones */
    assert_int_equal(TRY(n + _Alignof(size_t) / 2, NO_TAIL), OTA_E_ARG);
#undef TRY
    place pl;
    void *p = place_new(&pl, n, 0);
    memcpy(p, tmpl, n);
    size_t huge = 2 * (size_t) sysconf(_SC_PAGESIZE);
    memcpy(p, &huge, sizeof huge);
    assert_int_equal(try(ctx, p, msg, sizeof msg), OTA_E_ARG);
    canary_check(&pl);
    place_free(&pl);
}

/* The sizeof a struct ending with field (rounded up as the compiler does). */
#define SIZE_THROUGH(type, field)                                                                  \
    ((offsetof(type, field) + sizeof(((type *) 0)->field) + _Alignof(size_t) - 1) /                \
     _Alignof(size_t) * _Alignof(size_t))

static ota_err
try_client_config(void *ctx, const void *s, char *msg, size_t cap)
{
    (void) ctx, (void) msg, (void) cap;
    ota_client *c = NULL;
    ota_err rc = ota_client_new(s, &c);
    ota_client_free(c);
    return rc;
}

static ota_err
try_transport(void *ctx, const void *s, char *msg, size_t cap)
{
    (void) msg, (void) cap;
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.metadata_dir = ((world *) ctx)->dir;
    cfg.transport = s;
    ota_client *c = NULL;
    ota_err rc = ota_client_new(&cfg, &c);
    ota_client_free(c);
    return rc;
}

static ota_err
try_install_config(void *ctx, const void *s, char *msg, size_t cap)
{
    (void) ctx;
    ota_installer *in = NULL;
    ota_err rc = ota_installer_new(s, &in, msg, cap);
    ota_installer_free(in);
    return rc;
}

static ota_err
try_boot_ops(void *ctx, const void *s, char *msg, size_t cap)
{
    ota_install_config c = devdir_config(ctx);
    c.boot = s;
    return try_install_config(ctx, &c, msg, cap);
}

static ota_err
try_boot_config(void *ctx, const void *s, char *msg, size_t cap)
{
    (void) ctx;
    assert_true(cap >= OTA_BOOT_ERRLEN);
    ota_boot_ops ops = {.size = sizeof ops};
    ota_err rc = ota_boot_new(s, &ops, msg);
    ota_boot_free(&ops);
    return rc;
}

static ota_err
try_reporter_config(void *ctx, const void *s, char *msg, size_t cap)
{
    (void) ctx;
    ota_reporter *r = NULL;
    ota_err rc = ota_reporter_new(s, &r, msg, cap);
    ota_reporter_free(r);
    return rc;
}

static ota_err
try_report_event(void *ctx, const void *s, char *msg, size_t cap)
{
    ota_err rc = ota_reporter_add(ctx, s);
    snprintf(msg, cap, "%s", ota_reporter_errmsg(ctx));
    return rc;
}

static ota_err
try_device(void *ctx, const void *s, char *msg, size_t cap)
{
    world *w = ctx;
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found = true;
    ota_err rc = ota_client_choose(w->c, s, NULL, NULL, &t, &found);
    snprintf(msg, cap, "%s", ota_client_errmsg(w->c));
    assert_true(rc != OTA_OK || !found); /* no bundle to choose here */
    return rc;
}

static ota_err
try_target_info(void *ctx, const void *s, char *msg, size_t cap)
{
    world *w = ctx;
    ota_err rc = ota_client_fetch_target(w->c, s, w->dir, NULL);
    snprintf(msg, cap, "%s", ota_client_errmsg(w->c));
    return rc;
}

static ota_err
discard_sink(void *ctx, const uint8_t *buf, size_t len)
{
    (void) ctx, (void) buf, (void) len;
    return OTA_OK;
}

static ota_err
try_fetch_req(void *ctx, const void *s, char *msg, size_t cap)
{
    ota_transport *t = ctx;
    ota_err rc = t->fetch(t->user, s, discard_sink, NULL, msg, cap);
    return rc == OTA_E_NETWORK ? OTA_OK : rc; /* read, then nothing listening */
}

static ota_err
try_curl_config(void *ctx, const void *s, char *msg, size_t cap)
{
    (void) ctx, (void) msg, (void) cap;
    ota_transport t = {.size = sizeof t};
    ota_err rc = ota_curl_transport_new(s, &t);
    ota_curl_transport_free(&t);
    return rc;
}

static void
test_input_sizes(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    serve_target(w, "fw/a.bin", "firmware A\n", 11, "firmware A\n", 11);
    devdir d;
    devdir_new(&d);

    ota_client_config cc;
    ota_client_config_init(&cc);
    cc.metadata_dir = w->dir;
    size_rules("ota_client_config", try_client_config, w, &cc, sizeof cc,
               SIZE_THROUGH(ota_client_config, clock_user));

    size_rules("ota_transport", try_transport, w, &w->tr, sizeof w->tr,
               SIZE_THROUGH(ota_transport, close));

    ota_install_config ic = devdir_config(&d);
    size_rules("ota_install_config", try_install_config, &d, &ic, sizeof ic,
               SIZE_THROUGH(ota_install_config, system_conf));
    /* the first ota_install_config, before allow_downgrade */
    install_config_old old = {.size = sizeof old,
                              .state_dir = d.state,
                              .system_conf = d.conf,
                              .boot = &fake_boot,
                              .cmdline = d.cmdline};
    char msg[512];
    assert_int_equal(try_install_config(&d, &old, msg, sizeof msg), OTA_OK);

    size_rules("ota_boot_ops", try_boot_ops, &d, &fake_boot, sizeof fake_boot,
               SIZE_THROUGH(ota_boot_ops, release));

    static const char *const ab[] = {"A", "B"};
    ota_boot_config bc = {.size = sizeof bc, .backend = "uboot", .bootnames = ab, .nbootnames = 2};
    size_rules("ota_boot_config", try_boot_config, NULL, &bc, sizeof bc,
               SIZE_THROUGH(ota_boot_config, nbootnames));

    char rdir[128];
    snprintf(rdir, sizeof rdir, "%s/reports", d.base);
    ota_reporter_config rc = OTA_REPORTER_CONFIG_INIT;
    rc.state_dir = rdir;
    rc.device_id = "gw-0001";
    rc.hardware_id = "gw-1";
    size_rules("ota_reporter_config", try_reporter_config, NULL, &rc, sizeof rc,
               SIZE_THROUGH(ota_reporter_config, hardware_id));

    ota_reporter *r = NULL;
    assert_int_equal(ota_reporter_new(&rc, &r, msg, sizeof msg), OTA_OK);
    ota_report_event ev = {.size = sizeof ev,
                           .outcome = OTA_OUTCOME_SUCCESS,
                           .installed_version = "1.1.0",
                           .previous_version = "1.0.0"};
    size_rules("ota_report_event", try_report_event, r, &ev, sizeof ev,
               SIZE_THROUGH(ota_report_event, installed_version));
    ota_reporter_free(r);

    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    ota_device dev = OTA_DEVICE_INIT;
    dev.device_id = "gw-0001";
    dev.hardware_id = "gw-1";
    dev.product = "gw-fw";
    size_rules("ota_device", try_device, w, &dev, sizeof dev, SIZE_THROUGH(ota_device, product));

    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &t), OTA_OK);
    size_rules("ota_target_info", try_target_info, w, &t, sizeof t,
               SIZE_THROUGH(ota_target_info, sha512));

    ota_transport curl = {.size = sizeof curl};
    assert_int_equal(ota_curl_transport_new(NULL, &curl), OTA_OK);
    ota_fetch_req req = {.size = sizeof req, .url = "http://127.0.0.1:1/x", .max_len = 10};
    size_rules("ota_fetch_req", try_fetch_req, &curl, &req, sizeof req, sizeof req);
    ota_curl_transport_free(&curl);

    ota_curl_config cfg = {.size = sizeof cfg, .user_agent_suffix = "abi"};
    size_rules("ota_curl_config", try_curl_config, NULL, &cfg, sizeof cfg, sizeof cfg);

    rm_dir(d.base);
    world_free(w);
}

/* ---- outputs: written only as far as the caller's size goes --------------------- */

/* A caller's struct of `size` bytes (older: smaller than the library's;
 * newer: larger, its own part past the library's struct set to 0x5A; 0: a
 * size field left 0) followed by a canary. */
static void *
out_place(place *pl, size_t size, size_t lib_size)
{
    uint8_t *p = place_new(pl, size < sizeof size ? sizeof size : size, 64);
    if (size > lib_size)
        memset(p + lib_size, 0x5A, size - lib_size);
    memcpy(p, &size, sizeof size);
    return p;
}

/* After the call: the size field says what was written, the newer caller's
 * own bytes and the canary are untouched. */
static void
out_check(place *pl, size_t lib_size)
{
    size_t got;
    memcpy(&got, pl->p, sizeof got);
    assert_int_equal(got, pl->n < lib_size ? pl->n : lib_size);
    for (size_t i = lib_size; i < pl->n; i++)
        assert_int_equal(pl->p[i], 0x5A);
    canary_check(pl);
    place_free(pl);
}

static void
test_output_sizes(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    serve_target(w, "fw/a.bin", "firmware A\n", 11, "firmware A\n", 11);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    place pl;

    /* ota_target_info: an older caller's, up to the hashes */
    size_t small = SIZE_THROUGH(ota_target_info, sha512), lib = sizeof(ota_target_info);
    ota_target_info *t = out_place(&pl, small, lib);
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", t), OTA_OK);
    assert_string_equal(t->path, "fw/a.bin");
    assert_int_equal(t->length, 11);
    assert_true(t->has_sha256);
    /* ... and it is enough to fetch with */
    assert_int_equal(ota_client_fetch_target(c, t, w->dir, NULL), OTA_OK);
    bool found = true;
    ota_device dev = OTA_DEVICE_INIT;
    dev.device_id = "gw-0001";
    dev.hardware_id = "gw-1";
    dev.product = "gw-fw";
    assert_int_equal(ota_client_choose(c, &dev, NULL, NULL, t, &found), OTA_OK);
    out_check(&pl, lib);
    t = out_place(&pl, lib + 32, lib); /* a newer caller's */
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", t), OTA_OK);
    assert_string_equal(t->role, "targets");
    out_check(&pl, lib);
    t = out_place(&pl, 0, lib);
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", t), OTA_E_ARG);
    assert_non_null(strstr(ota_client_errmsg(c), "ota_target_info.size 0"));
    found = true;
    assert_int_equal(ota_client_choose(c, &dev, NULL, NULL, t, &found), OTA_E_ARG);
    canary_check(&pl);
    place_free(&pl);

    /* ota_install_status: as it first was, up to last_error */
    devdir d;
    devdir_new(&d);
    ota_install_config ic = devdir_config(&d);
    ota_installer *in = NULL;
    char msg[512];
    assert_int_equal(ota_installer_new(&ic, &in, msg, sizeof msg), OTA_OK);
    small = offsetof(ota_install_status, installed_name);
    lib = sizeof(ota_install_status);
    ota_install_status *st = out_place(&pl, small, lib);
    assert_int_equal(ota_installer_status(in, st), OTA_OK);
    assert_int_equal(st->state, OTA_STATE_IDLE);
    assert_string_equal(st->booted, "A");
    assert_string_equal(st->primary, "A");
    out_check(&pl, lib);
    st = out_place(&pl, lib + 64, lib);
    assert_int_equal(ota_installer_status(in, st), OTA_OK);
    assert_string_equal(st->hardware_id, "gw-1");
    out_check(&pl, lib);
    st = out_place(&pl, 0, lib);
    assert_int_equal(ota_installer_status(in, st), OTA_E_ARG);
    assert_non_null(strstr(ota_installer_errmsg(in), "ota_install_status.size 0"));
    canary_check(&pl);
    place_free(&pl);
    ota_installer_free(in);

    /* ota_report_sent: up to queued */
    char rdir[128];
    snprintf(rdir, sizeof rdir, "%s/reports", d.base);
    ota_reporter_config rc = OTA_REPORTER_CONFIG_INIT;
    rc.state_dir = rdir;
    rc.device_id = "gw-0001";
    rc.hardware_id = "gw-1";
    ota_reporter *r = NULL;
    assert_int_equal(ota_reporter_new(&rc, &r, msg, sizeof msg), OTA_OK);
    ota_report_event ev = {.size = sizeof ev, .installed_version = "1.0.0"};
    assert_int_equal(ota_reporter_add(r, &ev), OTA_OK);
    small = offsetof(ota_report_sent, last_status);
    lib = sizeof(ota_report_sent);
    ota_report_sent *res = out_place(&pl, small, lib);
    assert_int_equal(ota_reporter_send(r, true, res), OTA_E_UNSUPPORTED); /* no url */
    assert_int_equal(res->queued, 1);
    out_check(&pl, lib);
    res = out_place(&pl, lib + 16, lib);
    assert_int_equal(ota_reporter_send(r, true, res), OTA_E_UNSUPPORTED);
    assert_int_equal(res->queued, 1);
    out_check(&pl, lib);
    res = out_place(&pl, 0, lib);
    assert_int_equal(ota_reporter_send(r, true, res), OTA_E_ARG);
    canary_check(&pl);
    place_free(&pl);
    ota_reporter_free(r);

    /* ota_transport from the curl transport: a table without post gets none */
    small = SIZE_THROUGH(ota_transport, close);
    lib = sizeof(ota_transport);
    ota_transport *tr = out_place(&pl, small, lib);
    assert_int_equal(ota_curl_transport_new(NULL, tr), OTA_OK);
    assert_non_null(tr->open);
    assert_non_null(tr->close);
    ota_curl_transport_free(tr);
    assert_null(tr->user);
    out_check(&pl, lib);
    tr = out_place(&pl, lib + 8, lib);
    assert_int_equal(ota_curl_transport_new(NULL, tr), OTA_OK);
    assert_non_null(tr->post);
    ota_curl_transport_free(tr);
    out_check(&pl, lib);
    tr = out_place(&pl, small - 8, lib);
    assert_int_equal(ota_curl_transport_new(NULL, tr), OTA_E_ARG);
    canary_check(&pl);
    place_free(&pl);

    rm_dir(d.base);
    world_free(w);
}

/* Structs handed to callbacks carry the library's size. */
static ota_err
list_cb(void *user, const ota_target_info *t)
{
    (void) user;
    assert_int_equal(t->size, sizeof *t);
    (*(int *) user)++;
    return OTA_OK;
}

static void
test_callback_sizes(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    assert_int_equal(ota_client_refresh(c), OTA_OK);
    int n = 0;
    assert_int_equal(ota_client_list_targets(c, list_cb, &n), OTA_OK);
    assert_int_equal(n, 1);
    /* a copy into a caller's struct carries the caller's size */
    ota_target_info a = OTA_TARGET_INFO_INIT, b;
    assert_int_equal(ota_client_get_target(c, "fw/a.bin", &a), OTA_OK);
    memset(&b, 0xFF, sizeof b);
    a.size = SIZE_THROUGH(ota_target_info, sha512); /* from an older library */
    ota_target_info_copy(&b, &a);
    assert_int_equal(b.size, sizeof b);
    assert_string_equal(b.path, "fw/a.bin");
    assert_null(b.custom_json);
    assert_null(b.role);
    world_free(w);
}

/* ---- the transport's error capacity -------------------------------------------- */

static size_t seen_cap;

/* Fills every byte it is given, with no NUL: the library must end the
 * message within err_cap itself. */
static ota_err
spill_open(void *user, const ota_fetch_req *req, void **stream, char *err, size_t err_cap)
{
    (void) user, (void) req, (void) stream;
    seen_cap = err_cap;
    memset(err, 'e', err_cap);
    return OTA_E_NETWORK;
}

static ota_err
spill_post(void *user, const char *url, const char *ctype, const uint8_t *body, size_t len,
           long *status, char *err, size_t err_cap)
{
    (void) user, (void) url, (void) ctype, (void) body, (void) len, (void) status;
    seen_cap = err_cap;
    memset(err, 'e', err_cap);
    return OTA_E_NETWORK;
}

/* The run of 'e' after the first ": " of msg. */
static size_t
spilled(const char *msg)
{
    const char *p = strstr(msg, ": ");
    assert_non_null(p);
    return strspn(p + 2, "e");
}

static void
test_err_cap(void **state)
{
    (void) state;
    world *w = world_new();
    world_publish(w);
    ota_transport tr = {.size = sizeof tr, .open = spill_open, .read = f_read, .close = f_close};
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.metadata_dir = w->dir;
    cfg.metadata_url = MURL;
    cfg.transport = &tr;
    ota_client *c = NULL;
    assert_int_equal(ota_client_new(&cfg, &c), OTA_OK);
    seen_cap = 0;
    assert_int_equal(ota_client_refresh(c), OTA_E_NETWORK);
    assert_true(seen_cap > 1);
    assert_int_equal(spilled(ota_client_errmsg(c)), seen_cap - 1);
    ota_client_free(c);

    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/ota-test-abi.XXXXXX");
    assert_non_null(mkdtemp(dir));
    ota_transport pt = {.size = sizeof pt, .post = spill_post};
    ota_reporter_config rc = OTA_REPORTER_CONFIG_INIT;
    rc.state_dir = dir;
    rc.url = "http://fake/v1/reports";
    rc.transport = &pt;
    rc.device_id = "gw-0001";
    rc.hardware_id = "gw-1";
    ota_reporter *r = NULL;
    char err[256];
    assert_int_equal(ota_reporter_new(&rc, &r, err, sizeof err), OTA_OK);
    ota_report_event ev = {.size = sizeof ev, .installed_version = "1.0.0"};
    assert_int_equal(ota_reporter_add(r, &ev), OTA_OK);
    ota_report_sent res = {.size = sizeof res};
    seen_cap = 0;
    assert_int_equal(ota_reporter_send(r, true, &res), OTA_E_NETWORK);
    assert_true(seen_cap > 1);
    assert_int_equal(spilled(ota_reporter_errmsg(r)), seen_cap - 1);
    ota_reporter_free(r);
    rm_dir(dir);
    world_free(w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_client_config_first_release),
        cmocka_unit_test(test_transport_without_post),
        cmocka_unit_test(test_input_sizes),
        cmocka_unit_test(test_output_sizes),
        cmocka_unit_test(test_callback_sizes),
        cmocka_unit_test(test_err_cap),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
