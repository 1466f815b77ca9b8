/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The install engine (client/src/install.c, ota/install.h) on a simulated
 * device: dir + raw slots in a temporary directory, an in-memory switch
 * backend (ota_boot_ops on a struct the test controls and can make fail),
 * the booted slot from a cmdline file, and real bundles (ota_bundle_writer)
 * served as signed TUF targets by the fake transport of testrepo.h.
 *
 * Covered: the state machine (install, boot-check, confirm, rollback, the
 * bootloader's fallback, GRUB's trial flag, "cannot tell"); refusals before
 * any byte is downloaded; the order of the bootloader writes against the
 * slot data; a failed switch and the switch-only retry; resume after a cut
 * connection (the Range offset asked); a tampered chunk; cancel; a post-
 * install hook; install.json and config-size robustness; progress reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ota/install.h"
#include "ota_bundle.h"
#include "testrepo.h"

#define HW "gw-1"
#define T0 1500000000
#define IMG_LEN (200u * 1024u + 77u) /* four chunks of 64 KiB and a bit */
#define OLD_LEN 4096u
#define MAXEV 512
#define MAXPROG 8192
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- the simulated device ------------------------------------------------ */

typedef struct dev dev;

typedef struct ev {
    char what[48];
    char slot[8]; /* the watched slot's kernel image then: "old", "new" or "part" */
} ev;

typedef struct prog {
    ota_install_phase phase;
    uint64_t done, total;
    bool resumed;
} prog;

typedef struct bundle {
    char path[64];
    char version[32];
    uint8_t *data;
    size_t len;
    uint64_t head_len;
    uint32_t chunks;
    uint8_t *img; /* the kernel image inside */
    fentry *e;    /* where the fake transport serves it */
} bundle;

/* The switch backend's memory: slots A (0) and B (1). */
typedef struct fboot {
    dev *d;
    char primary[OTA_BOOT_NAME_MAX];
    ota_slot_state st[2];
    ota_err fail_get_primary, fail_set_primary, fail_get_state, fail_set_state;
    unsigned writes; /* successful set_primary / set_state calls */
} fboot;

struct dev {
    char base[64], state[128], conf[128], cmdline[128], work[128];
    char rootfs[2][128], kernel[2][128];
    world *w;
    fboot fb;
    ota_boot_ops ops;
    ota_installer *in;
    uint64_t ckpt;
    ev log[MAXEV];
    size_t nlog;
    int watch;         /* slot index whose content events record */
    const bundle *exp; /* the bundle being installed (for "new") */
    prog pr[MAXPROG];
    size_t npr;
    unsigned cancel_at_write, nwrite;
    bundle b[8];
    size_t nb;
};

static uint8_t k_old[OLD_LEN];

static void
fill(uint8_t *p, size_t n, const char *seed)
{
    uint32_t x = 2166136261u;
    for (const char *s = seed; *s; s++)
        x = (x ^ (uint8_t) *s) * 16777619u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t) (x >> 3);
    }
}

static void
put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *
get_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1u << 20, n = 0;
    uint8_t *buf = malloc(cap + 1);
    assert_non_null(buf);
    n = fread(buf, 1, cap, f);
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static const char *
pj(dev *d, const char *name)
{
    static char bufs[8][256];
    static unsigned i;
    char *b = bufs[i++ % 8];
    snprintf(b, 256, "%s/%s", d->base, name);
    return b;
}

/* The watched slot's kernel image: "old", "new" (the expected bundle's) or "part". */
static const char *
slot_content(dev *d, int slot)
{
    size_t len = 0;
    uint8_t *buf = get_file(d->kernel[slot], &len);
    const char *r = "part";
    if (buf != NULL && len == OLD_LEN && memcmp(buf, k_old, OLD_LEN) == 0)
        r = "old";
    else if (buf != NULL && d->exp != NULL && len == IMG_LEN &&
             memcmp(buf, d->exp->img, IMG_LEN) == 0)
        r = "new";
    free(buf);
    return r;
}

static void
evt(dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
evt(dev *d, const char *fmt, ...)
{
    assert_true(d->nlog < MAXEV);
    ev *e = &d->log[d->nlog++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->what, sizeof e->what, fmt, ap);
    va_end(ap);
    snprintf(e->slot, sizeof e->slot, "%s", slot_content(d, d->watch));
}

/* Index of the first event named what at or after from; -1 if none. */
static int
ev_find(dev *d, const char *what, size_t from)
{
    for (size_t i = from; i < d->nlog; i++)
        if (strcmp(d->log[i].what, what) == 0)
            return (int) i;
    return -1;
}

/* ---- the in-memory switch backend ---------------------------------------- */

static int
slot_index(const char *b)
{
    return strcmp(b, "A") == 0 ? 0 : strcmp(b, "B") == 0 ? 1 : -1;
}

static ota_err
fb_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    fboot *f = user;
    if (f->fail_get_primary != OTA_OK) {
        snprintf(err, OTA_BOOT_ERRLEN, "injected get_primary failure");
        return f->fail_get_primary;
    }
    snprintf(bootname, OTA_BOOT_NAME_MAX, "%s", f->primary);
    return OTA_OK;
}

static ota_err
fb_set_primary(void *user, const char *bootname, char *err)
{
    fboot *f = user;
    int i = slot_index(bootname);
    if (i < 0)
        return OTA_E_ARG;
    if (f->fail_set_primary != OTA_OK) {
        snprintf(err, OTA_BOOT_ERRLEN, "injected set_primary failure");
        return f->fail_set_primary;
    }
    snprintf(f->primary, sizeof f->primary, "%s", bootname);
    f->st[i] = OTA_SLOT_GOOD; /* a fresh attempt budget */
    f->writes++;
    evt(f->d, "set_primary %s", bootname);
    return OTA_OK;
}

static ota_err
fb_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    fboot *f = user;
    int i = slot_index(bootname);
    if (i < 0)
        return OTA_E_ARG;
    if (f->fail_get_state != OTA_OK) {
        snprintf(err, OTA_BOOT_ERRLEN, "injected get_state failure");
        return f->fail_get_state;
    }
    *state = f->st[i];
    return OTA_OK;
}

static ota_err
fb_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    fboot *f = user;
    int i = slot_index(bootname);
    if (i < 0)
        return OTA_E_ARG;
    if (f->fail_set_state != OTA_OK) {
        snprintf(err, OTA_BOOT_ERRLEN, "injected set_state failure");
        return f->fail_set_state;
    }
    f->st[i] = state;
    f->writes++;
    evt(f->d, "set_state %s %s", bootname, state == OTA_SLOT_GOOD ? "good" : "bad");
    return OTA_OK;
}

/* ---- transport trace and progress ---------------------------------------- */

static void
on_trace(void *ctx, const char *what, const fentry *e, uint64_t off, size_t n)
{
    dev *d = ctx;
    if (strstr(e->url, "/targets/") == NULL)
        return;
    if (strcmp(what, "open") == 0)
        evt(d, "open %llu", (unsigned long long) off);
    else if (off + n == e->len)
        evt(d, "end");
}

static void
on_progress(void *user, const ota_install_progress *p)
{
    dev *d = user;
    assert_int_equal(p->size, sizeof *p);
    assert_true(d->npr < MAXPROG);
    d->pr[d->npr++] = (prog){p->phase, p->done, p->total, p->resumed};
    if (p->phase == OTA_PHASE_WRITE && d->cancel_at_write != 0 &&
        ++d->nwrite == d->cancel_at_write)
        ota_installer_cancel(d->in);
}

/* ---- set-up -------------------------------------------------------------- */

static void
set_booted(dev *d, const char *bootname)
{
    char line[64];
    snprintf(line, sizeof line, "quiet ota.slot=%s\n", bootname);
    put_file(d->cmdline, line, strlen(line));
}

static dev *
dev_new(void)
{
    dev *d = calloc(1, sizeof *d);
    assert_non_null(d);
    memset(k_old, 'o', sizeof k_old);
    snprintf(d->base, sizeof d->base, "/tmp/ota-test-install.XXXXXX");
    assert_non_null(mkdtemp(d->base));
    snprintf(d->state, sizeof d->state, "%s", pj(d, "state"));
    snprintf(d->conf, sizeof d->conf, "%s", pj(d, "system.conf"));
    snprintf(d->cmdline, sizeof d->cmdline, "%s", pj(d, "cmdline"));
    snprintf(d->work, sizeof d->work, "%s", pj(d, "work"));
    assert_int_equal(mkdir(d->work, 0755), 0);
    for (int i = 0; i < 2; i++) {
        snprintf(d->rootfs[i], sizeof d->rootfs[i], "%s", pj(d, i ? "rootfs-b" : "rootfs-a"));
        snprintf(d->kernel[i], sizeof d->kernel[i], "%s",
                 pj(d, i ? "kernel-b.img" : "kernel-a.img"));
        assert_int_equal(mkdir(d->rootfs[i], 0755), 0);
        put_file(d->kernel[i], k_old, OLD_LEN);
    }
    char conf[2048];
    snprintf(conf, sizeof conf,
             "[system]\ncompatible = " HW "\nbootloader = uboot\n\n"
             "[slot.rootfs.0]\ntype = dir\npath = %s\nbootname = A\n\n"
             "[slot.rootfs.1]\ntype = dir\npath = %s\nbootname = B\n\n"
             "[slot.kernel.0]\ntype = raw\npath = %s\nparent = rootfs.0\n\n"
             "[slot.kernel.1]\ntype = raw\npath = %s\nparent = rootfs.1\n",
             d->rootfs[0], d->rootfs[1], d->kernel[0], d->kernel[1]);
    put_file(d->conf, conf, strlen(conf));
    set_booted(d, "A");
    d->fb = (fboot){.d = d, .primary = "A", .st = {OTA_SLOT_GOOD, OTA_SLOT_GOOD}};
    d->ops = (ota_boot_ops){.size = sizeof d->ops,
                            .user = &d->fb,
                            .get_primary = fb_get_primary,
                            .set_primary = fb_set_primary,
                            .get_state = fb_get_state,
                            .set_state = fb_set_state};
    d->watch = 1;
    d->w = world_new();
    d->w->f.trace = on_trace;
    d->w->f.trace_ctx = d;
    return d;
}

static void
dev_free(dev *d)
{
    ota_installer_free(d->in);
    for (size_t i = 0; i < d->nb; i++) {
        free(d->b[i].data);
        free(d->b[i].img);
    }
    world_free(d->w);
    rm_dir(d->base);
    free(d);
}

/* A bundle "gw-fw" VERSION for hardware hw: tree "rootfs" (etc/version, a
 * binary, a symlink, an empty directory) and image "kernel"; an optional
 * post-install hook.  Signed as target fw/VERSION.otab and served. */
static bundle *
add_bundle(dev *d, const char *version, const char *hw, const char *post_hook)
{
    assert_true(d->nb < 8);
    bundle *b = &d->b[d->nb++];
    char tree[256], img[256], out[256], p[512];
    snprintf(b->version, sizeof b->version, "%s", version);
    snprintf(b->path, sizeof b->path, "fw/%s-%s.otab", version, hw);
    snprintf(tree, sizeof tree, "%s/tree-%s-%s", d->work, version, hw);
    snprintf(img, sizeof img, "%s/img-%s", d->work, version);
    snprintf(out, sizeof out, "%s/%s-%s.otab", d->work, version, hw);
    assert_int_equal(mkdir(tree, 0755), 0);
    snprintf(p, sizeof p, "%s/etc", tree);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/etc/version", tree);
    put_file(p, version, strlen(version));
    snprintf(p, sizeof p, "%s/empty", tree);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/etc/app.bin", tree);
    uint8_t *app = malloc(70000);
    assert_non_null(app);
    fill(app, 70000, version);
    put_file(p, app, 70000);
    free(app);
    snprintf(p, sizeof p, "%s/etc/app", tree);
    assert_int_equal(symlink("app.bin", p), 0);
    b->img = malloc(IMG_LEN);
    assert_non_null(b->img);
    fill(b->img, IMG_LEN, img);
    put_file(img, b->img, IMG_LEN);

    const char *hwl[] = {hw};
    ota_bundle_writer_config cfg = {.size = sizeof cfg,
                                    .name = "gw-fw",
                                    .version = version,
                                    .hardware = hwl,
                                    .nhardware = 1,
                                    .mtime = T0,
                                    .chunk_size = 65536,
                                    .jobs = 1,
                                    .tmp_dir = d->work};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "rootfs", tree, true), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "kernel", img), OTA_OK);
    if (post_hook != NULL)
        assert_int_equal(ota_bundle_writer_set_hook(w, OTA_BUNDLE_POST_INSTALL,
                                                    (const uint8_t *) post_hook,
                                                    strlen(post_hook)),
                         OTA_OK);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    uint64_t total = 0;
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, &b->head_len, NULL), OTA_OK);
    ota_bundle_writer_free(w);
    close(fd);
    b->data = get_file(out, &b->len);
    assert_non_null(b->data);
    assert_int_equal(b->len, total);
    json_t *custom = NULL;
    assert_int_equal(ota_bundle_target_custom(out, &custom), OTA_OK);
    b->chunks = (uint32_t) json_integer_value(
        json_object_get(json_object_get(custom, "ota_bundle"), "chunks"));
    assert_true(b->chunks >= 5);
    add_target_custom(d->w->tgt, b->path, b->data, b->len, custom);
    b->e = serve_target(d->w, b->path, b->data, b->len, b->data, b->len);
    return b;
}

/* Publish the repository and refresh the device's client. */
static void
dev_refresh(dev *d)
{
    world_publish(d->w);
    world_client(d->w, NULL);
    assert_int_equal(ota_client_refresh(d->w->c), OTA_OK);
}

static ota_target_info
target(dev *d, const char *path)
{
    ota_target_info t = OTA_TARGET_INFO_INIT;
    assert_int_equal(ota_client_get_target(d->w->c, path, &t), OTA_OK);
    return t;
}

static ota_install_config
dev_config(dev *d)
{
    ota_install_config c = OTA_INSTALL_CONFIG_INIT;
    c.state_dir = d->state;
    c.system_conf = d->conf;
    c.boot = &d->ops;
    c.cmdline = d->cmdline;
    c.progress = on_progress;
    c.progress_user = d;
    c.checkpoint_bytes = d->ckpt;
    return c;
}

/* (Re)create the installer, as at a process start. */
static void
dev_open(dev *d)
{
    ota_installer_free(d->in);
    d->in = NULL;
    ota_install_config c = dev_config(d);
    char err[512];
    ota_err rc = ota_installer_new(&c, &d->in, err, sizeof err);
    if (rc != OTA_OK)
        fail_msg("ota_installer_new: %s: %s", ota_strerror(rc), err);
}

static ota_err
install(dev *d, const bundle *b)
{
    ota_target_info t = target(d, b->path);
    d->exp = b;
    d->npr = 0;
    d->nwrite = 0;
    return ota_installer_install(d->in, d->w->c, &t);
}

static void
install_ok(dev *d, const bundle *b)
{
    ota_err rc = install(d, b);
    if (rc != OTA_OK)
        fail_msg("install %s: %s: %s", b->version, ota_strerror(rc), ota_installer_errmsg(d->in));
}

static ota_install_status
status(dev *d)
{
    ota_install_status st;
    st.size = sizeof st;
    assert_int_equal(ota_installer_status(d->in, &st), OTA_OK);
    return st;
}

static json_t *
state_json(dev *d)
{
    char *text = NULL;
    assert_int_equal(ota_installer_state_json(d->in, &text), OTA_OK);
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    free(text);
    return o;
}

static char *
state_text(dev *d)
{
    char *text = NULL;
    assert_int_equal(ota_installer_state_json(d->in, &text), OTA_OK);
    return text;
}

static void
assert_state(dev *d, const char *name)
{
    json_t *o = state_json(d);
    assert_string_equal(json_string_value(json_object_get(o, "state")), name);
    json_decref(o);
    assert_string_equal(ota_install_state_name(status(d).state), name);
}

static bool
is_bad_version(dev *d, const char *v)
{
    json_t *o = state_json(d);
    size_t i;
    json_t *x;
    bool found = false;
    json_array_foreach(json_object_get(o, "bad_versions"), i, x)
    {
        found = found || strcmp(json_string_value(x), v) == 0;
    }
    json_decref(o);
    return found;
}

/* The slot holds exactly the bundle: kernel image and tree. */
static void
assert_slot_has(dev *d, int slot, const bundle *b)
{
    size_t len = 0;
    uint8_t *k = get_file(d->kernel[slot], &len);
    assert_non_null(k);
    assert_int_equal(len, IMG_LEN);
    assert_memory_equal(k, b->img, IMG_LEN);
    free(k);
    char p[512];
    snprintf(p, sizeof p, "%s/etc/version", d->rootfs[slot]);
    char *v = (char *) get_file(p, &len);
    assert_non_null(v);
    assert_string_equal(v, b->version);
    free(v);
    snprintf(p, sizeof p, "%s/etc/app", d->rootfs[slot]);
    char link[64] = "";
    assert_int_equal(readlink(p, link, sizeof link - 1), 7);
    assert_string_equal(link, "app.bin");
}

static const char *
journal_str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(json_object_get(o, "journal"), k));
}

static uint64_t
journal_uint(json_t *o, const char *k)
{
    json_t *v = json_object_get(json_object_get(o, "journal"), k);
    assert_true(json_is_integer(v));
    return (uint64_t) json_integer_value(v);
}

/* ---- the state machine --------------------------------------------------- */

static void
test_install_boot_confirm_commit(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    bundle *b2 = add_bundle(d, "2.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    assert_state(d, "idle");
    /* nothing pending: confirm marks the running slot good (mark-good); no
     * rollback */
    assert_int_equal(ota_installer_confirm(d->in), OTA_OK);
    assert_state(d, "idle");
    assert_int_equal(ota_installer_rollback(d->in, NULL), OTA_E_STATE);
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);

    install_ok(d, b1);
    assert_string_equal(ota_installer_errmsg(d->in), "");
    assert_state(d, "installed");
    ota_install_status st = status(d);
    assert_string_equal(st.booted, "A");
    assert_string_equal(st.primary, "B");
    assert_string_equal(st.target_version, "1.0.0");
    assert_string_equal(st.target_slot, "B");
    assert_string_equal(st.installed_version, "");
    assert_int_equal(st.resume_offset, 0);
    assert_slot_has(d, 1, b1);
    assert_string_equal(slot_content(d, 0), "old"); /* the running slot untouched */
    json_t *o = state_json(d);
    assert_null(json_object_get(o, "journal"));
    json_t *tg = json_object_get(o, "target");
    assert_string_equal(json_string_value(json_object_get(tg, "from_slot")), "A");
    json_decref(o);
    /* not rebooted yet: confirm refuses, a second install refuses */
    assert_int_equal(ota_installer_confirm(d->in), OTA_E_STATE);
    assert_int_equal(install(d, b2), OTA_E_STATE);
    assert_state(d, "installed");

    /* reboot into B (a new process) */
    set_booted(d, "B");
    dev_open(d);
    assert_state(d, "installed");
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    assert_state(d, "pending");
    assert_string_equal(status(d).booted, "B");
    assert_int_equal(install(d, b2), OTA_E_STATE); /* confirm or roll back first */
    unsigned w0 = d->fb.writes;
    d->fb.st[1] = OTA_SLOT_BAD; /* a U-Boot slot on its last attempt reads bad */
    assert_int_equal(ota_installer_confirm(d->in), OTA_OK);
    assert_int_equal(d->fb.writes, w0 + 1);
    assert_string_equal(d->log[d->nlog - 1].what, "set_state B good");
    assert_int_equal(d->fb.st[1], OTA_SLOT_GOOD);
    assert_state(d, "committed");
    st = status(d);
    assert_string_equal(st.installed_version, "1.0.0");
    assert_int_equal(st.nbad, 0);
    assert_string_equal(st.last_error, "");
    /* twice: the running slot is marked good again, nothing else changes */
    assert_int_equal(ota_installer_confirm(d->in), OTA_OK);
    assert_string_equal(d->log[d->nlog - 1].what, "set_state B good");
    assert_int_equal(ota_installer_rollback(d->in, "late"), OTA_E_STATE);
    assert_state(d, "committed");

    /* the next update goes the other way: into A, B untouched */
    d->watch = 0;
    install_ok(d, b2);
    assert_state(d, "installed");
    assert_string_equal(status(d).target_slot, "A");
    assert_string_equal(d->fb.primary, "A");
    assert_slot_has(d, 0, b2);
    assert_slot_has(d, 1, b1);
    set_booted(d, "A");
    dev_open(d);
    assert_int_equal(ota_installer_confirm(d->in), OTA_OK); /* boot-check included */
    assert_state(d, "committed");
    /* persisted */
    dev_open(d);
    st = status(d);
    assert_string_equal(st.installed_version, "2.0.0");
    assert_string_equal(ota_install_state_name(st.state), "committed");
    assert_string_equal(ota_install_state_name((ota_install_state) 42), "?");
    /* 1.0.0 is older now */
    assert_int_equal(install(d, b1), OTA_E_ROLLBACK);
    dev_free(d);
}

static void
test_rollback(void **state)
{
    (void) state;
    for (int pending = 0; pending < 2; pending++) {
        dev *d = dev_new();
        bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
        dev_refresh(d);
        dev_open(d);
        install_ok(d, b1);
        if (pending) {
            set_booted(d, "B");
            assert_int_equal(ota_installer_boot(d->in), OTA_OK);
            assert_state(d, "pending");
        }
        size_t n0 = d->nlog;
        assert_int_equal(ota_installer_rollback(d->in, "health check failed"), OTA_OK);
        assert_state(d, "fell-back");
        assert_true(is_bad_version(d, "1.0.0"));
        assert_string_equal(d->fb.primary, "A");
        assert_int_equal(d->fb.st[1], OTA_SLOT_BAD);
        assert_true(ev_find(d, "set_primary A", n0) >= 0);
        assert_true(ev_find(d, "set_state B bad", n0) >= 0);
        ota_install_status st = status(d);
        assert_int_equal(st.nbad, 1);
        assert_non_null(strstr(st.last_error, "health check failed"));
        json_t *o = state_json(d);
        assert_non_null(strstr(json_string_value(json_object_get(o, "reason")), "1.0.0"));
        json_decref(o);
        assert_int_equal(ota_installer_rollback(d->in, NULL), OTA_E_STATE);
        /* fell back: confirm only marks the running old slot good again;
         * while the given-up slot still runs (a reboot away from the old
         * one) there is nothing to confirm */
        assert_int_equal(ota_installer_confirm(d->in), pending ? OTA_E_STATE : OTA_OK);
        if (pending)
            assert_int_equal(d->fb.st[1], OTA_SLOT_BAD);
        assert_state(d, "fell-back");
        /* never again */
        unsigned hits = b1->e->hits;
        assert_int_equal(install(d, b1), OTA_E_BAD_VERSION);
        assert_int_equal(b1->e->hits, hits);
        dev_free(d);
    }
}

/* The bootloader went back to A (attempts of B exhausted): boot-check marks
 * the version bad, B bad, and gives the running A a fresh budget. */
static void
test_bootcheck_fallback(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    bundle *b2 = add_bundle(d, "1.1.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    install_ok(d, b1);
    snprintf(d->fb.primary, sizeof d->fb.primary, "A");
    d->fb.st[1] = OTA_SLOT_BAD;
    d->fb.st[0] = OTA_SLOT_BAD; /* GRUB counted its trial boot against A */
    dev_open(d);
    size_t n0 = d->nlog;
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    assert_state(d, "fell-back");
    assert_true(is_bad_version(d, "1.0.0"));
    assert_true(ev_find(d, "set_state B bad", n0) >= 0);
    assert_true(ev_find(d, "set_state A good", n0) >= 0);
    assert_int_equal(d->fb.st[0], OTA_SLOT_GOOD);
    assert_non_null(strstr(status(d).last_error, "went back to slot A"));
    /* boot-check again: nothing more */
    unsigned w = d->fb.writes;
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    assert_int_equal(d->fb.writes, w);
    /* the pending case: booted B, then fell back to A before confirm */
    install_ok(d, b2);
    set_booted(d, "B");
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    assert_state(d, "pending");
    set_booted(d, "A");
    snprintf(d->fb.primary, sizeof d->fb.primary, "A");
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    assert_state(d, "fell-back");
    assert_true(is_bad_version(d, "1.1.0"));
    assert_int_equal(status(d).nbad, 2);
    dev_free(d);
}

/* INSTALLED, old slot booted, new one still primary: not rebooted yet. */
static void
test_bootcheck_not_rebooted(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    install_ok(d, b1);
    char *before = state_text(d);
    unsigned w = d->fb.writes;
    for (int i = 0; i < 3; i++) {
        dev_open(d);
        assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    }
    assert_state(d, "installed");
    assert_int_equal(d->fb.writes, w);
    char *after = state_text(d);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_false(is_bad_version(d, "1.0.0"));
    dev_free(d);
}

/* GRUB: get_primary fails (no slot qualifies during/after a trial), the new
 * slot reads bad: fell back.  With the state unknown too: an error, nothing
 * changed. */
static void
test_bootcheck_grub_and_unknown(void **state)
{
    (void) state;
    for (int c = 0; c < 3; c++) {
        dev *d = dev_new();
        bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
        dev_refresh(d);
        dev_open(d);
        install_ok(d, b1);
        char *before = state_text(d);
        unsigned w = d->fb.writes;
        d->fb.fail_get_primary = OTA_E_BOOT;
        if (c == 0) {
            d->fb.st[1] = OTA_SLOT_BAD; /* B_TRY=1: GRUB fell back */
            assert_int_equal(ota_installer_boot(d->in), OTA_OK);
            assert_state(d, "fell-back");
            assert_true(is_bad_version(d, "1.0.0"));
            free(before);
            dev_free(d);
            continue;
        }
        if (c == 1)
            d->fb.st[1] = OTA_SLOT_GOOD; /* cannot tell: B may still be tried */
        else
            d->fb.fail_get_state = OTA_E_BOOT;
        assert_int_equal(ota_installer_boot(d->in), OTA_E_BOOT);
        assert_non_null(strstr(ota_installer_errmsg(d->in), "get primary"));
        assert_int_equal(d->fb.writes, w);
        char *after = state_text(d);
        assert_string_equal(before, after);
        free(after);
        free(before);
        assert_int_equal(status(d).state, OTA_STATE_INSTALLED);
        dev_free(d);
    }
}

/* ---- refusals before any byte -------------------------------------------- */

static void
preload(dev *d, const char *json)
{
    ota_installer_free(d->in);
    d->in = NULL;
    assert_int_equal(mkdir(d->state, 0755) == 0 || errno == EEXIST, 1);
    char p[256];
    snprintf(p, sizeof p, "%s/install.json", d->state);
    put_file(p, json, strlen(json));
}

static void
test_refusals_before_download(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *good = add_bundle(d, "2.0.0", HW, NULL);
    bundle *old = add_bundle(d, "1.5.0", HW, NULL);
    bundle *same = add_bundle(d, "1.9.0", HW, NULL);
    bundle *other = add_bundle(d, "3.0.0", "other-hw", NULL);
    bundle *badv = add_bundle(d, "2.5.0", HW, NULL);
    add_target(d->w->tgt, "fw/plain.bin", "not a bundle", 12);
    fentry *plain = serve_target(d->w, "fw/plain.bin", "not a bundle", 12, "not a bundle", 12);
    dev_refresh(d);
    static const char committed[] = "{\"format\":1,\"state\":\"committed\","
                                    "\"installed_version\":\"1.9.0\",\"installed_slot\":\"A\","
                                    "\"bad_versions\":[\"2.5.0\"]}\n";
    preload(d, committed);
    dev_open(d);
    struct {
        const bundle *b;
        ota_err rc;
        const char *msg;
    } cases[] = {
        {other, OTA_E_HARDWARE, "not for hardware 'gw-1'"},
        {old, OTA_E_ROLLBACK, "not newer than the installed 1.9.0"},
        {same, OTA_E_ROLLBACK, "not newer"},
        {badv, OTA_E_BAD_VERSION, "marked bad"},
    };
    char *before = state_text(d);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(install(d, cases[i].b), cases[i].rc);
        assert_non_null(strstr(ota_installer_errmsg(d->in), cases[i].msg));
        assert_int_equal(cases[i].b->e->hits, 0);
    }
    ota_target_info t = target(d, "fw/plain.bin");
    assert_int_equal(ota_installer_install(d->in, d->w->c, &t), OTA_E_FORMAT);
    assert_non_null(strstr(ota_installer_errmsg(d->in), "not an update bundle"));
    assert_int_equal(plain->hits, 0);
    /* a bundle format from a later release: refused before any download, saying so */
    t.custom_json = "{\"ota_bundle\":{\"format\":5,\"head_length\":1000,\"head_sha256\":"
                    "\"0000000000000000000000000000000000000000000000000000000000000000\"}}";
    assert_int_equal(ota_installer_install(d->in, d->w->c, &t), OTA_E_FORMAT);
    assert_non_null(strstr(ota_installer_errmsg(d->in), "bundle format 5, this agent reads 1 to 4"));
    assert_int_equal(plain->hits, 0);
    assert_int_equal(d->fb.writes, 0);
    assert_int_equal(d->nlog, 0);
    char *after = state_text(d);
    assert_string_equal(before, after);
    free(after);
    free(before);
    assert_int_equal(ota_installer_install(d->in, NULL, &t), OTA_E_ARG);
    assert_int_equal(ota_installer_install(d->in, d->w->c, NULL), OTA_E_ARG);
    assert_int_equal(ota_installer_install(NULL, d->w->c, &t), OTA_E_ARG);

    /* busy: installed (waits for a reboot) and pending (waits for confirm) */
    static const char busy[] =
        "{\"format\":1,\"state\":\"%s\",\"installed_version\":\"1.0.0\","
        "\"target\":{\"path\":\"fw/x\",\"version\":\"1.9.0\",\"slot\":\"B\",\"from_slot\":\"A\","
        "\"head_sha256\":\"" ZERO64 "\",\"length\":1},\"bad_versions\":[]}\n";
    for (int pending = 0; pending < 2; pending++) {
        char text[1024];
        snprintf(text, sizeof text, busy, pending ? "pending" : "installed");
        preload(d, text);
        snprintf(d->fb.primary, sizeof d->fb.primary, "B");
        set_booted(d, pending ? "B" : "A");
        dev_open(d);
        assert_int_equal(install(d, good), OTA_E_STATE);
        assert_non_null(strstr(ota_installer_errmsg(d->in), pending ? "confirm" : "reboot"));
        assert_int_equal(good->e->hits, 0);
        assert_int_equal(d->fb.writes, 0);
        assert_state(d, pending ? "pending" : "installed");
    }
    dev_free(d);
}

/* ---- order of the durable steps ------------------------------------------ */

static void
test_order_mark_bad_write_switch(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    d->nlog = 0;
    install_ok(d, b1);
    int bad = ev_find(d, "set_state B bad", 0);
    int open0 = ev_find(d, "open 0", 0);
    int end = ev_find(d, "end", 0);
    int sw = ev_find(d, "set_primary B", 0);
    assert_true(bad >= 0 && open0 >= 0 && end >= 0 && sw >= 0);
    /* marked bad before the first byte was even asked for, the slot untouched then */
    assert_true(bad < open0);
    assert_string_equal(d->log[bad].slot, "old");
    /* switched once, after the last byte arrived, to a complete slot */
    assert_true(sw > end);
    assert_string_equal(d->log[sw].slot, "new");
    assert_int_equal(ev_find(d, "set_primary B", (size_t) sw + 1), -1);
    assert_int_equal(ev_find(d, "set_primary A", 0), -1);
    assert_int_equal(ev_find(d, "set_state A bad", 0), -1); /* the running slot never */
    assert_int_equal(d->fb.writes, 2);
    assert_int_equal(b1->e->nopens, 1);
    assert_int_equal(b1->e->served, b1->len);
    dev_free(d);
}

/* set_primary fails: the slot is complete, state "downloading" with a
 * complete journal; the retry switches without writing the slot again. */
static void
test_switch_failure_then_switch_only(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    d->fb.fail_set_primary = OTA_E_BOOT;
    assert_int_equal(install(d, b1), OTA_E_BOOT);
    assert_non_null(strstr(ota_installer_errmsg(d->in), "injected set_primary failure"));
    assert_string_equal(d->fb.primary, "A");
    assert_int_equal(d->fb.st[1], OTA_SLOT_BAD);
    assert_state(d, "downloading");
    json_t *o = state_json(d);
    assert_int_equal(journal_uint(o, "next_chunk"), b1->chunks);
    assert_int_equal(journal_uint(o, "bundle_offset"), b1->len);
    json_decref(o);
    assert_int_equal(status(d).resume_offset, b1->len);
    assert_non_null(strstr(status(d).last_error, "set primary"));
    assert_slot_has(d, 1, b1);

    /* the retry (after a restart): head only, no slot write */
    d->fb.fail_set_primary = OTA_OK;
    dev_open(d);
    char marker[512];
    snprintf(marker, sizeof marker, "%s/marker", d->rootfs[1]);
    put_file(marker, "x", 1);
    struct timespec ts[2] = {{T0, 0}, {T0, 0}};
    assert_int_equal(utimensat(AT_FDCWD, d->kernel[1], ts, 0), 0);
    uint64_t served = b1->e->served;
    unsigned opens = b1->e->nopens;
    install_ok(d, b1);
    assert_state(d, "installed");
    assert_string_equal(d->fb.primary, "B");
    assert_int_equal(b1->e->nopens, opens + 1);
    assert_int_equal(b1->e->opens[opens], 0);
    assert_int_equal(b1->e->served - served, b1->head_len);
    assert_int_equal(access(marker, F_OK), 0); /* not emptied */
    struct stat st;
    assert_int_equal(stat(d->kernel[1], &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, T0); /* not written */
    assert_true(d->npr > 0 && d->pr[0].resumed);
    dev_free(d);
}

/* The switch reported failure but did happen (a custom program that wrote,
 * then exited non-zero): after the reboot into the complete slot, boot-check
 * makes it pending instead of letting the next install overwrite it. */
static void
test_switch_failed_but_happened(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    d->fb.fail_set_primary = OTA_E_BOOT;
    assert_int_equal(install(d, b1), OTA_E_BOOT);
    assert_state(d, "downloading");
    /* booted the old slot: nothing to do */
    dev_open(d);
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    assert_state(d, "downloading");
    /* booted the new, complete slot */
    set_booted(d, "B");
    dev_open(d);
    assert_int_equal(ota_installer_boot(d->in), OTA_OK);
    assert_state(d, "pending");
    d->fb.fail_set_primary = OTA_OK;
    assert_int_equal(ota_installer_confirm(d->in), OTA_OK);
    assert_state(d, "committed");
    assert_string_equal(status(d).installed_version, "1.0.0");
    dev_free(d);
}

/* ---- resume, tampering, cancel ------------------------------------------- */

static void
test_resume_after_cut(void **state)
{
    (void) state;
    dev *d = dev_new();
    d->ckpt = 1; /* a journal at every checkpoint */
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    uint64_t cut = b1->head_len + (b1->len - b1->head_len) * 2 / 3;
    b1->e->cut = true;
    b1->e->cut_at = cut;
    assert_int_equal(install(d, b1), OTA_E_NETWORK);
    assert_non_null(strstr(ota_installer_errmsg(d->in), "connection reset"));
    assert_state(d, "downloading");
    assert_string_equal(d->fb.primary, "A");
    json_t *o = state_json(d);
    uint64_t j = journal_uint(o, "bundle_offset");
    assert_true(j > b1->head_len && j <= cut);
    assert_true(journal_uint(o, "next_chunk") > 0);
    assert_non_null(journal_str(o, "prev_path"));
    json_decref(o);
    assert_int_equal(status(d).resume_offset, j);
    assert_non_null(strstr(status(d).last_error, "connection reset"));
    assert_int_equal(b1->e->served, cut);

    /* a restart, then the same target again: the head, then a Range request */
    dev_open(d);
    uint64_t served = b1->e->served;
    install_ok(d, b1);
    assert_int_equal(b1->e->nopens, 3);
    assert_int_equal(b1->e->opens[1], 0);
    assert_int_equal(b1->e->opens[2], j);
    assert_int_equal(b1->e->served - served, b1->head_len + (b1->len - j));
    assert_true(d->pr[0].resumed);
    assert_int_equal(d->pr[0].done, j);
    assert_state(d, "installed");
    assert_slot_has(d, 1, b1);
    /* only the first attempt marked the slot bad */
    size_t nbad = 0;
    for (size_t i = 0; i < d->nlog; i++)
        nbad += strcmp(d->log[i].what, "set_state B bad") == 0;
    assert_int_equal(nbad, 1);
    dev_free(d);
}

static void
test_tampered_chunk(void **state)
{
    (void) state;
    dev *d = dev_new();
    d->ckpt = 1;
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    /* first a cut (a journal), then a flipped byte after the resume point */
    b1->e->cut = true;
    b1->e->cut_at = b1->head_len + (b1->len - b1->head_len) / 3;
    assert_int_equal(install(d, b1), OTA_E_NETWORK);
    assert_int_equal(status(d).state, OTA_STATE_DOWNLOADING);
    b1->e->data[b1->len - 100] ^= 0x40;
    assert_int_equal(install(d, b1), OTA_E_HASH);
    assert_state(d, "idle");
    json_t *o = state_json(d);
    assert_null(json_object_get(o, "journal"));
    json_decref(o);
    ota_install_status st = status(d);
    assert_int_equal(st.resume_offset, 0);
    assert_true(st.last_error[0] != '\0');
    assert_string_equal(d->fb.primary, "A"); /* never switched */
    assert_int_equal(d->fb.st[1], OTA_SLOT_BAD);
    assert_int_equal(ev_find(d, "set_primary B", 0), -1);
    assert_int_equal(st.nbad, 0); /* a bad download is not a bad version */
    /* a tampered head */
    b1->e->data[b1->len - 100] ^= 0x40;
    b1->e->data[10] ^= 1;
    assert_int_equal(install(d, b1), OTA_E_HASH);
    assert_state(d, "idle");
    /* the right bytes: starts over from 0 and completes */
    b1->e->data[10] ^= 1;
    unsigned opens = b1->e->nopens;
    install_ok(d, b1);
    assert_int_equal(b1->e->nopens, opens + 1);
    assert_int_equal(b1->e->opens[opens], 0);
    assert_false(d->pr[0].resumed);
    assert_slot_has(d, 1, b1);
    assert_string_equal(status(d).last_error, "");
    dev_free(d);
}

static void
test_cancel_from_progress(void **state)
{
    (void) state;
    dev *d = dev_new();
    d->ckpt = 1;
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    d->cancel_at_write = 4;
    assert_int_equal(install(d, b1), OTA_E_CANCELED);
    assert_state(d, "downloading");
    assert_true(b1->e->served < b1->len);
    json_t *o = state_json(d);
    uint64_t j = journal_uint(o, "bundle_offset");
    json_decref(o);
    assert_true(j > b1->head_len);
    assert_string_equal(d->fb.primary, "A");
    /* resumable: the next call continues at the journal */
    d->cancel_at_write = 0;
    install_ok(d, b1);
    assert_true(d->pr[0].resumed);
    assert_int_equal(b1->e->opens[b1->e->nopens - 1], j);
    assert_slot_has(d, 1, b1);
    assert_state(d, "installed");
    ota_installer_cancel(NULL);
    dev_free(d);
}

static void
test_post_install_hook(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *fails = add_bundle(d, "1.0.0", HW, "#!/bin/sh\necho 'no good' >&2\nexit 3\n");
    bundle *ok = add_bundle(d, "1.0.1", HW,
                            "#!/bin/sh\n[ \"$OTA_HOOK\" = post-install ] || exit 1\n"
                            "[ \"$OTA_SLOT_BOOTNAME\" = B ] || exit 1\n"
                            "[ \"$OTA_BUNDLE_VERSION\" = 1.0.1 ] || exit 1\n"
                            "[ -f \"$OTA_SLOT_PATH/etc/version\" ] || exit 1\n");
    dev_refresh(d);
    dev_open(d);
    assert_int_equal(install(d, fails), OTA_E_HOOK);
    assert_non_null(strstr(ota_installer_errmsg(d->in), "exit 3"));
    assert_state(d, "idle");
    assert_non_null(strstr(status(d).last_error, "no good"));
    assert_string_equal(d->fb.primary, "A");
    install_ok(d, ok);
    assert_state(d, "installed");
    bool hook = false;
    for (size_t i = 0; i < d->npr; i++)
        hook = hook || d->pr[i].phase == OTA_PHASE_HOOK;
    assert_true(hook);
    dev_free(d);
}

/* ---- install.json and the config ----------------------------------------- */

static ota_err
open_rc(dev *d, char *err, size_t cap)
{
    ota_install_config c = dev_config(d);
    ota_installer *in = NULL;
    ota_err rc = ota_installer_new(&c, &in, err, cap);
    assert_true((rc == OTA_OK) == (in != NULL));
    ota_installer_free(in);
    return rc;
}

static void
test_install_json_robust(void **state)
{
    (void) state;
    dev *d = dev_new();
    d->ckpt = 1;
    bundle *b1 = add_bundle(d, "1.0.0", HW, NULL);
    dev_refresh(d);
    dev_open(d);
    b1->e->cut = true;
    b1->e->cut_at = b1->head_len + (b1->len - b1->head_len) * 2 / 3;
    assert_int_equal(install(d, b1), OTA_E_NETWORK);
    char *valid = state_text(d); /* downloading, with target and journal */
    assert_non_null(strstr(valid, "\"journal\""));
    ota_installer_free(d->in);
    d->in = NULL;
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/install.json", d->state);
    size_t len = strlen(valid);
    for (size_t n = 0; n < len; n++) {
        put_file(path, valid, n);
        ota_err rc = open_rc(d, err, sizeof err);
        if (n + 1 == len && rc == OTA_OK)
            continue; /* all but the final newline: still the same JSON */
        if (rc != OTA_E_FORMAT || strstr(err, path) == NULL)
            fail_msg("prefix %zu: %s '%s'", n, ota_strerror(rc), err);
        /* never silently reset */
        size_t got = 0;
        char *now = (char *) get_file(path, &got);
        assert_int_equal(got, n);
        free(now);
    }
    static const char *const bad[] = {
        "garbage",
        "[]",
        "{\"format\":1}",
        "{\"format\":2,\"state\":\"idle\"}",
        "{\"format\":1,\"state\":\"rebooting\"}",
        "{\"format\":1,\"state\":\"IDLE\"}",
        "{\"format\":1,\"state\":7}",
        "{\"format\":1,\"state\":\"idle\",\"state\":\"idle\"}",
        "{\"format\":1,\"state\":\"installed\"}",
        "{\"format\":1,\"state\":\"idle\",\"bad_versions\":[1]}",
        "{\"format\":1,\"state\":\"idle\",\"bad_versions\":\"2.0.0\"}",
        "{\"format\":1,\"state\":\"idle\",\"bad_versions\":{\"2.0.0\":true}}",
        "{\"format\":1,\"state\":\"downloading\",\"target\":{\"path\":\"p\",\"version\":\"1.0.0\","
        "\"slot\":\"B\",\"head_sha256\":\"00\",\"length\":1}}",
        "{\"format\":1,\"state\":\"downloading\",\"target\":{\"path\":\"p\",\"version\":\"1.0.0\","
        "\"slot\":\"B\",\"head_sha256\":\"" ZERO64 "\",\"length\":-1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put_file(path, bad[i], strlen(bad[i]));
        ota_err rc = open_rc(d, err, sizeof err);
        if (rc != OTA_E_FORMAT)
            fail_msg("'%s': %s", bad[i], ota_strerror(rc));
    }
    /* the valid one still opens, and the install resumes */
    put_file(path, valid, len);
    free(valid);
    dev_open(d);
    assert_state(d, "downloading");
    install_ok(d, b1);
    assert_true(d->pr[0].resumed);
    /* a minimal idle file, and none at all */
    static const char idle[] = "{\"format\":1,\"state\":\"idle\"}";
    put_file(path, idle, strlen(idle));
    dev_open(d);
    assert_state(d, "idle");
    unlink(path);
    dev_open(d);
    char *text = state_text(d);
    assert_non_null(strstr(text, "idle"));
    free(text);
    dev_free(d);
}

static void
test_config_rules(void **state)
{
    (void) state;
    dev *d = dev_new();
    char err[512];
    ota_installer *in = NULL;
    ota_install_config c = dev_config(d);
    /* an older, smaller struct: the fields it has */
    c.size = offsetof(ota_install_config, progress);
    assert_int_equal(ota_installer_new(&c, &in, err, sizeof err), OTA_OK);
    ota_installer_free(in);
    in = NULL;
    /* a newer, larger struct: a zero tail is fine, anything else is not */
    struct {
        ota_install_config c;
        uint64_t more[2];
    } big;
    memset(&big, 0, sizeof big);
    big.c = dev_config(d);
    big.c.size = sizeof big;
    assert_int_equal(ota_installer_new(&big.c, &in, err, sizeof err), OTA_OK);
    ota_installer_free(in);
    in = NULL;
    big.more[1] = 1;
    assert_int_equal(ota_installer_new(&big.c, &in, err, sizeof err), OTA_E_ARG);
    assert_null(in);
    assert_non_null(strstr(err, "ota_install_config.size"));
    assert_non_null(strstr(err, "newer header"));
    /* a struct too small to hold state_dir: the caller has none */
    size_t *tiny = malloc(sizeof *tiny);
    assert_non_null(tiny);
    *tiny = sizeof *tiny;
    assert_int_equal(ota_installer_new((const ota_install_config *) (void *) tiny, &in, err,
                                       sizeof err),
                     OTA_E_ARG);
    assert_null(in);
    assert_non_null(strstr(err, "smaller than any release's"));
    free(tiny);
    c = dev_config(d);
    c.size = 0;
    assert_int_equal(ota_installer_new(&c, &in, err, sizeof err), OTA_E_ARG);
    c = dev_config(d);
    c.state_dir = NULL;
    assert_int_equal(ota_installer_new(&c, &in, err, sizeof err), OTA_E_ARG);
    assert_non_null(strstr(err, "required"));
    c = dev_config(d);
    c.system_conf = NULL;
    assert_int_equal(ota_installer_new(&c, &in, err, sizeof err), OTA_E_ARG);
    assert_int_equal(ota_installer_new(NULL, &in, err, sizeof err), OTA_E_ARG);
    c = dev_config(d);
    assert_int_equal(ota_installer_new(&c, NULL, err, sizeof err), OTA_E_ARG);
    /* a backend without every function */
    ota_boot_ops half = d->ops;
    half.get_state = NULL;
    c.boot = &half;
    assert_int_equal(ota_installer_new(&c, &in, err, sizeof err), OTA_E_ARG);
    assert_non_null(strstr(err, "every function"));
    /* system.conf errors come through with file and line */
    c = dev_config(d);
    char conf2[256];
    snprintf(conf2, sizeof conf2, "%s/bad.conf", d->base);
    static const char badconf[] = "[system]\n\ncompatible = x\nwhat = 1\n";
    put_file(conf2, badconf, strlen(badconf));
    c.system_conf = conf2;
    assert_int_equal(ota_installer_new(&c, &in, err, sizeof err), OTA_E_FORMAT);
    char want[300];
    snprintf(want, sizeof want, "%s:4: unknown key 'what'", conf2);
    assert_non_null(strstr(err, want));
    assert_null(in);
    ota_installer_free(NULL);
    assert_string_equal(ota_installer_errmsg(NULL), "no installer");
    dev_free(d);
}

/* ---- progress ------------------------------------------------------------ */

static void
test_progress(void **state)
{
    (void) state;
    dev *d = dev_new();
    bundle *b1 = add_bundle(d, "1.0.0", HW, "#!/bin/sh\nexit 0\n");
    dev_refresh(d);
    dev_open(d);
    install_ok(d, b1);
    assert_true(d->npr >= 8);
    assert_int_equal(d->pr[0].phase, OTA_PHASE_PREPARE);
    assert_int_equal(d->pr[0].done, 0);
    assert_int_equal(d->pr[d->npr - 1].phase, OTA_PHASE_DONE);
    assert_int_equal(d->pr[d->npr - 1].done, b1->len);
    assert_int_equal(d->pr[d->npr - 2].phase, OTA_PHASE_SWITCH);
    size_t writes = 0, verify = 0, hook = 0;
    for (size_t i = 0; i < d->npr; i++) {
        const prog *p = &d->pr[i];
        assert_int_equal(p->total, b1->len);
        assert_false(p->resumed);
        assert_true(p->done <= p->total);
        if (i > 0 && p->done < d->pr[i - 1].done)
            fail_msg("progress %zu: done %llu after %llu (phase %d after %d)", i,
                     (unsigned long long) p->done, (unsigned long long) d->pr[i - 1].done,
                     p->phase, d->pr[i - 1].phase);
        /* phases: PREPARE, then per component PREPARE / WRITE... / VERIFY
         * (raw), then HOOK, SWITCH, DONE: never back from HOOK on */
        if (i > 0 && d->pr[i - 1].phase >= OTA_PHASE_HOOK)
            assert_true(p->phase >= d->pr[i - 1].phase);
        writes += p->phase == OTA_PHASE_WRITE;
        verify += p->phase == OTA_PHASE_VERIFY;
        hook += p->phase == OTA_PHASE_HOOK;
        if (p->phase == OTA_PHASE_VERIFY)
            assert_true(writes > 0);
        if (p->phase == OTA_PHASE_HOOK)
            assert_true(verify > 0);
    }
    assert_int_equal(writes, b1->chunks);
    assert_int_equal(verify, 1);
    assert_int_equal(hook, 1);
    dev_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_boot_confirm_commit),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_bootcheck_fallback),
        cmocka_unit_test(test_bootcheck_not_rebooted),
        cmocka_unit_test(test_bootcheck_grub_and_unknown),
        cmocka_unit_test(test_refusals_before_download),
        cmocka_unit_test(test_order_mark_bad_write_switch),
        cmocka_unit_test(test_switch_failure_then_switch_only),
        cmocka_unit_test(test_switch_failed_but_happened),
        cmocka_unit_test(test_resume_after_cut),
        cmocka_unit_test(test_tampered_chunk),
        cmocka_unit_test(test_cancel_from_progress),
        cmocka_unit_test(test_post_install_hook),
        cmocka_unit_test(test_install_json_robust),
        cmocka_unit_test(test_config_rules),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
