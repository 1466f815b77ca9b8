/* SPDX-License-Identifier: Apache-2.0 */
/*
 * install.c — the install engine (ota/install.h): bundle reader → slot
 * writers, journal and state in STATE_DIR/install.json, switch backend.
 *
 * Crash safety, step by step (what a power cut at any instant leaves):
 *   - before the first byte: the target slot is marked bad in the
 *     bootloader, then install.json says "downloading" (journal at 0).  The
 *     booted slot stays primary throughout.
 *   - while writing: install.json's journal names the last checkpoint whose
 *     data was made durable (fsync / syncfs) BEFORE the journal was written;
 *     a restart re-reads the head and continues there (HTTP Range).
 *   - complete: raw slots read back and hashed; post-install hook; then ONE
 *     backend call makes the target primary, then install.json says
 *     "installed".  A cut between the two leaves "downloading" with a
 *     complete journal: the next install call re-verifies the head, finds
 *     nothing left to write and switches (idempotent).
 */
#include "ota/install.h"
#include "ota/update.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "delta.h"
#include "ota_atomic.h"
#include "ota_bundle.h"
#include "ota_hash.h"
#include "ota_limits.h"
#include "ota_release.h"
#include "ota_util.h"
#include "run.h"
#include "slot.h"
#include "sysconf.h"

#define STATE_FILE "install.json"
#define STATE_FORMAT 1
#define MAX_STATE_FILE (64u * 1024u)
#define MAX_BAD 64u
#define DEFAULT_CKPT (8u * 1024u * 1024u)
#define DEFAULT_HOOK_S 300u
#define VERSION_CAP 129

/* ---- persisted state ------------------------------------------------------ */

typedef struct istate {
    ota_install_state state;
    char *installed_version, *installed_slot, *installed_name;
    /* the update in flight, or the last one attempted */
    char *t_path, *t_name, *t_version, *t_slot, *t_from;
    char t_head[65]; /* hex SHA-256 of the bundle head: identity of the bundle */
    uint64_t t_length;
    uint64_t t_fetched; /* bytes downloaded by the runs of this attempt (as of their journal) */
    uint32_t t_local;   /* chunks copied from the active slot by them */
    bool has_journal;
    ota_bundle_resume j; /* strings below */
    char *j_prev, *j_last;
    char *bad[MAX_BAD];
    size_t nbad;
    char *last_error, *reason;
} istate;

struct ota_installer {
    char *state_dir;
    int sdfd;
    otac_sysconf *sc;
    ota_boot_ops boot;
    bool own_boot;
    char *hwid, *cmdline;
    void (*progress)(void *, const ota_install_progress *);
    void *progress_user;
    unsigned hook_timeout_s;
    uint64_t ckpt_bytes;
    bool allow_downgrade;
    bool delta;            /* ota_install_config.no_delta not set */
    char delta_note[256];  /* why delta was not used (last run or plan) */
    volatile sig_atomic_t cancel;
    istate s;
    char err[512];
};

static void
istate_clear(istate *s)
{
    char **strs[] = {&s->installed_version, &s->installed_slot, &s->installed_name, &s->t_path,
                     &s->t_name,
                     &s->t_version, &s->t_slot, &s->t_from, &s->j_prev, &s->j_last,
                     &s->last_error, &s->reason};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (size_t i = 0; i < s->nbad; i++)
        free(s->bad[i]);
    memset(s, 0, sizeof *s);
}

static ota_err
fail(ota_installer *in, ota_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static ota_err
fail(ota_installer *in, ota_err rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->err, sizeof in->err, fmt, ap);
    va_end(ap);
    return rc;
}

static bool
sdup(char **dst, const char *v)
{
    char *d = v != NULL ? strdup(v) : NULL;
    if (v != NULL && d == NULL)
        return false;
    free(*dst);
    *dst = d;
    return true;
}

static const char *const state_names[] = {"idle", "downloading", "installed",
                                          "pending", "committed", "fell-back"};

const char *
ota_install_state_name(ota_install_state s)
{
    return (unsigned) s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

static int
jset(json_t *o, const char *k, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static int
jset_str(json_t *o, const char *k, const char *v)
{
    return v == NULL ? 0 : jset(o, k, json_string(v));
}

static ota_err
save(ota_installer *in)
{
    istate *s = &in->s;
    json_t *o = json_object(), *bad = json_array();
    char *text = NULL;
    ota_err rc = OTA_E_NOMEM;
    if (o == NULL || bad == NULL)
        goto out;
    int e = 0;
    e |= jset(o, "format", json_integer(STATE_FORMAT));
    e |= jset(o, "state", json_string(ota_install_state_name(s->state)));
    e |= jset_str(o, "installed_version", s->installed_version);
    e |= jset_str(o, "installed_slot", s->installed_slot);
    e |= jset_str(o, "installed_name", s->installed_name);
    if (s->t_path != NULL) {
        json_t *t = json_object();
        e |= jset(o, "target", t);
        if (t != NULL) {
            e |= jset_str(t, "path", s->t_path);
            e |= jset_str(t, "name", s->t_name);
            e |= jset_str(t, "version", s->t_version);
            e |= jset_str(t, "slot", s->t_slot);
            e |= jset_str(t, "from_slot", s->t_from);
            e |= jset_str(t, "head_sha256", s->t_head);
            e |= jset(t, "length", json_integer((json_int_t) s->t_length));
            e |= jset(t, "fetched", json_integer((json_int_t) s->t_fetched));
            e |= jset(t, "local_chunks", json_integer((json_int_t) s->t_local));
        }
    }
    if (s->has_journal) {
        json_t *j = json_object();
        e |= jset(o, "journal", j);
        if (j != NULL) {
            e |= jset(j, "next_chunk", json_integer((json_int_t) s->j.next_chunk));
            e |= jset(j, "bundle_offset", json_integer((json_int_t) s->j.bundle_offset));
            e |= jset(j, "skip", json_integer((json_int_t) s->j.skip));
            e |= jset(j, "entries", json_integer((json_int_t) s->j.entries));
            e |= jset(j, "bytes", json_integer((json_int_t) s->j.bytes));
            e |= jset(j, "prev_path", json_string(s->j_prev != NULL ? s->j_prev : ""));
            e |= jset(j, "last_nondir", json_string(s->j_last != NULL ? s->j_last : ""));
        }
    }
    for (size_t i = 0; i < s->nbad; i++)
        e |= json_array_append_new(bad, json_string(s->bad[i]));
    e |= json_object_set(o, "bad_versions", bad);
    e |= jset_str(o, "last_error", s->last_error);
    e |= jset_str(o, "reason", s->reason);
    if (e != 0)
        goto out;
    text = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(1));
    if (text == NULL)
        goto out;
    size_t n = strlen(text);
    text[n] = '\n';
    rc = ota_atomic_replace(in->sdfd, STATE_FILE, text, n + 1, 0644);
    if (rc != OTA_OK)
        rc = fail(in, rc, "%s/%s: cannot write: %s", in->state_dir, STATE_FILE,
                  ota_strerror(rc));
out:
    free(text);
    json_decref(o);
    json_decref(bad);
    return rc;
}

static const char *
jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static bool
juint(const json_t *o, const char *k, uint64_t max, uint64_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t) json_integer_value(v) > max)
        return false;
    *out = (uint64_t) json_integer_value(v);
    return true;
}

/* STATE_DIR/install.json whole (bounded); OTA_E_NOT_FOUND when absent. */
static ota_err
read_state_file(const ota_installer *in, uint8_t **buf, size_t *len)
{
    size_t pl = strlen(in->state_dir) + sizeof "/" STATE_FILE;
    char *path = malloc(pl);
    if (path == NULL)
        return OTA_E_NOMEM;
    snprintf(path, pl, "%s/%s", in->state_dir, STATE_FILE);
    ota_err rc = ota_file_read(path, MAX_STATE_FILE, buf, len);
    free(path);
    return rc;
}

static ota_err
load(ota_installer *in)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    json_t *o = NULL;
    istate *s = &in->s;
    ota_err rc = read_state_file(in, &buf, &len);
    if (rc == OTA_E_NOT_FOUND) {
        s->state = OTA_STATE_IDLE; /* first start */
        rc = OTA_OK;
        goto out;
    }
    if (rc != OTA_OK) {
        rc = fail(in, rc, "%s/%s: cannot read: %s", in->state_dir, STATE_FILE, ota_strerror(rc));
        goto out;
    }
    json_error_t je;
    o = json_loadb((const char *) buf, len, JSON_REJECT_DUPLICATES, &je);
    rc = fail(in, OTA_E_FORMAT, "%s/%s: malformed install state", in->state_dir, STATE_FILE);
    if (o == NULL || !json_is_object(o) || json_integer_value(json_object_get(o, "format")) !=
                                               STATE_FORMAT)
        goto out;
    const char *st = jstr(o, "state");
    s->state = (ota_install_state) 99;
    for (size_t i = 0; st != NULL && i < sizeof state_names / sizeof state_names[0]; i++)
        if (strcmp(st, state_names[i]) == 0)
            s->state = (ota_install_state) i;
    if ((unsigned) s->state >= sizeof state_names / sizeof state_names[0])
        goto out;
    bool ok = sdup(&s->installed_version, jstr(o, "installed_version")) &&
              sdup(&s->installed_slot, jstr(o, "installed_slot")) &&
              sdup(&s->installed_name, jstr(o, "installed_name")) &&
              sdup(&s->last_error, jstr(o, "last_error")) && sdup(&s->reason, jstr(o, "reason"));
    json_t *t = json_object_get(o, "target");
    if (json_is_object(t)) {
        const char *hs = jstr(t, "head_sha256");
        ok = ok && hs != NULL && strlen(hs) == 64 && juint(t, "length", INT64_MAX, &s->t_length) &&
             sdup(&s->t_path, jstr(t, "path")) && sdup(&s->t_name, jstr(t, "name")) &&
             sdup(&s->t_version, jstr(t, "version")) && sdup(&s->t_slot, jstr(t, "slot")) &&
             sdup(&s->t_from, jstr(t, "from_slot")) && s->t_path != NULL &&
             s->t_version != NULL && s->t_slot != NULL;
        if (ok)
            memcpy(s->t_head, hs, 65);
        /* optional (written since delta updates): counts for reports */
        uint64_t lc = 0;
        if (!juint(t, "fetched", INT64_MAX, &s->t_fetched))
            s->t_fetched = 0;
        if (juint(t, "local_chunks", UINT32_MAX, &lc))
            s->t_local = (uint32_t) lc;
    } else if (s->state != OTA_STATE_IDLE && s->state != OTA_STATE_COMMITTED) {
        ok = false; /* an update in flight needs its target */
    }
    json_t *j = json_object_get(o, "journal");
    if (ok && json_is_object(j)) {
        uint64_t nc = 0, sk = 0;
        ok = juint(j, "next_chunk", UINT32_MAX, &nc) &&
             juint(j, "bundle_offset", INT64_MAX, &s->j.bundle_offset) &&
             juint(j, "skip", UINT32_MAX, &sk) && juint(j, "entries", INT64_MAX, &s->j.entries) &&
             juint(j, "bytes", INT64_MAX, &s->j.bytes) &&
             sdup(&s->j_prev, jstr(j, "prev_path")) && sdup(&s->j_last, jstr(j, "last_nondir"));
        s->j.next_chunk = (uint32_t) nc;
        s->j.skip = (uint32_t) sk;
        s->has_journal = ok;
    }
    json_t *bad = json_object_get(o, "bad_versions");
    if (bad != NULL && !json_is_array(bad))
        ok = false; /* never forget the bad versions silently */
    size_t i;
    json_t *v;
    json_array_foreach(bad, i, v)
    {
        if (!json_is_string(v) || s->nbad >= MAX_BAD)
            ok = false;
        else if ((s->bad[s->nbad++] = strdup(json_string_value(v))) == NULL)
            ok = false;
    }
    if (!ok)
        goto out;
    rc = OTA_OK;
out:
    json_decref(o);
    free(buf);
    return rc;
}

/* ---- handle ------------------------------------------------------------------- */

ota_err
ota_installer_new(const ota_install_config *cfg, ota_installer **out, char *errbuf, size_t errcap)
{
    ota_installer *in = NULL;
    ota_err rc = OTA_E_ARG;
    char berr[OTA_BOOT_ERRLEN];
    if (errbuf != NULL && errcap > 0)
        errbuf[0] = '\0';
    if (out == NULL || cfg == NULL) {
        if (errbuf != NULL && errcap > 0)
            snprintf(errbuf, errcap, "no config");
        return rc;
    }
    /* the caller's struct may be older (smaller) or newer with a zero tail;
     * only its first cfg->size bytes are read; the same for the boot table */
    ota_install_config c;
    ota_boot_ops boot;
    if (otac_struct_in(&c, sizeof c, cfg, cfg->size, OTAC_MIN_INSTALL_CONFIG, "ota_install_config",
                       errbuf, errcap) != OTA_OK ||
        (c.boot != NULL &&
         otac_struct_in(&boot, sizeof boot, c.boot, c.boot->size, OTAC_MIN_BOOT_OPS, "ota_boot_ops",
                        errbuf, errcap) != OTA_OK))
        return rc;
    if (c.state_dir == NULL || c.system_conf == NULL) {
        if (errbuf != NULL)
            snprintf(errbuf, errcap, "state_dir and system_conf are required");
        return rc;
    }
    if ((in = calloc(1, sizeof *in)) == NULL)
        return OTA_E_NOMEM;
    in->sdfd = -1;
    if (!sdup(&in->state_dir, c.state_dir) || !sdup(&in->cmdline, c.cmdline)) {
        rc = fail(in, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = otac_sysconf_load(c.system_conf, &in->sc, in->err, sizeof in->err)) != OTA_OK)
        goto out;
    if (!sdup(&in->hwid, c.hardware_id != NULL ? c.hardware_id : in->sc->compatible) ||
        (in->cmdline == NULL && !sdup(&in->cmdline, in->sc->cmdline))) {
        rc = fail(in, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    if (c.boot != NULL) {
        if (boot.get_primary == NULL || boot.set_primary == NULL || boot.get_state == NULL ||
            boot.set_state == NULL) {
            rc = fail(in, OTA_E_ARG, "boot backend: every function is required");
            goto out;
        }
        in->boot = boot;
    } else {
        berr[0] = '\0';
        in->boot.size = sizeof in->boot;
        if ((rc = otac_sysconf_boot(in->sc, &in->boot, berr)) != OTA_OK) {
            rc = fail(in, rc, "%s: bootloader: %s", c.system_conf, berr);
            goto out;
        }
        in->own_boot = true;
    }
    in->progress = c.progress;
    in->progress_user = c.progress_user;
    in->hook_timeout_s = c.hook_timeout_s != 0 ? c.hook_timeout_s : DEFAULT_HOOK_S;
    in->ckpt_bytes = c.checkpoint_bytes != 0 ? c.checkpoint_bytes : DEFAULT_CKPT;
    in->allow_downgrade = c.allow_downgrade;
    in->delta = !c.no_delta;
    ota_err mk = ota_mkdirs(in->state_dir, 0755);
    if (mk != OTA_OK) {
        rc = fail(in, mk, "%s: %s", in->state_dir, strerror(errno));
        goto out;
    }
    in->sdfd = open(in->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (in->sdfd < 0) {
        rc = fail(in, ota_errno_err(errno), "%s: %s", in->state_dir, strerror(errno));
        goto out;
    }
    if ((rc = load(in)) != OTA_OK)
        goto out;
    in->err[0] = '\0';
    *out = in;
    in = NULL;
    rc = OTA_OK;
out:
    if (in != NULL && errbuf != NULL)
        snprintf(errbuf, errcap, "%s", in->err[0] ? in->err : ota_strerror(rc));
    ota_installer_free(in);
    return rc;
}

void
ota_installer_free(ota_installer *in)
{
    if (in == NULL)
        return;
    if (in->own_boot)
        ota_boot_free(&in->boot);
    if (in->sdfd >= 0)
        close(in->sdfd);
    otac_sysconf_free(in->sc);
    istate_clear(&in->s);
    free(in->state_dir);
    free(in->hwid);
    free(in->cmdline);
    free(in);
}

const char *
ota_installer_errmsg(const ota_installer *in)
{
    return in != NULL ? in->err : "no installer";
}

void
ota_installer_cancel(ota_installer *in)
{
    if (in != NULL)
        in->cancel = 1;
}

/* ---- bootloader helpers --------------------------------------------------------- */

static ota_err
boot_call(ota_installer *in, ota_err rc, const char *what, const char *berr)
{
    if (rc == OTA_OK)
        return rc;
    return fail(in, rc, "bootloader (%s): %s: %s", in->sc->bootloader, what,
                berr[0] ? berr : ota_strerror(rc));
}

static ota_err
set_state(ota_installer *in, const char *slot, ota_slot_state st)
{
    char berr[OTA_BOOT_ERRLEN] = "";
    return boot_call(in, in->boot.set_state(in->boot.user, slot, st, berr),
                     st == OTA_SLOT_GOOD ? "mark good" : "mark bad", berr);
}

static ota_err
set_primary(ota_installer *in, const char *slot)
{
    char berr[OTA_BOOT_ERRLEN] = "";
    return boot_call(in, in->boot.set_primary(in->boot.user, slot, berr), "set primary", berr);
}

static ota_err
get_primary(ota_installer *in, char out[OTA_BOOT_NAME_MAX])
{
    char berr[OTA_BOOT_ERRLEN] = "";
    out[0] = '\0';
    return boot_call(in, in->boot.get_primary(in->boot.user, out, berr), "get primary", berr);
}

static bool
known_bootname(const ota_installer *in, const char *b)
{
    for (size_t i = 0; i < in->sc->nbootnames; i++)
        if (strcmp(in->sc->bootnames[i], b) == 0)
            return true;
    return false;
}

/* The slot the running system came from: the kernel command line; for the
 * symlink and custom backends without one, the primary slot. */
static ota_err
booted_slot(ota_installer *in, char out[OTA_BOOT_NAME_MAX])
{
    ota_err rc = ota_boot_booted(in->cmdline, out);
    if (rc == OTA_E_NOT_FOUND && (strcmp(in->sc->bootloader, "symlink") == 0 ||
                                  strcmp(in->sc->bootloader, "custom") == 0 || !in->own_boot))
        rc = get_primary(in, out);
    else if (rc != OTA_OK)
        return fail(in, OTA_E_BOOT,
                    "cannot tell the booted slot: no ota.slot= or rauc.slot= in %s",
                    in->cmdline != NULL ? in->cmdline : "/proc/cmdline");
    if (rc != OTA_OK)
        return rc;
    if (!known_bootname(in, out))
        return fail(in, OTA_E_BOOT, "booted slot '%s' is not a bootname of %s", out,
                    in->sc->file);
    return OTA_OK;
}

static bool
is_bad(const ota_installer *in, const char *version)
{
    for (size_t i = 0; i < in->s.nbad; i++)
        if (strcmp(in->s.bad[i], version) == 0)
            return true;
    return false;
}

static ota_err
mark_bad_version(ota_installer *in, const char *version)
{
    istate *s = &in->s;
    if (version == NULL || is_bad(in, version))
        return OTA_OK;
    if (s->nbad == MAX_BAD) { /* forget the oldest */
        free(s->bad[0]);
        memmove(s->bad, s->bad + 1, (MAX_BAD - 1) * sizeof s->bad[0]);
        s->nbad--;
    }
    if ((s->bad[s->nbad] = strdup(version)) == NULL)
        return fail(in, OTA_E_NOMEM, "out of memory");
    s->nbad++;
    return OTA_OK;
}

/* ---- start-up check ------------------------------------------------------------------ */

/* The update in flight failed: its slot is marked bad, its version too;
 * `running` (may be NULL), the old slot the bootloader went back to, gets a
 * fresh budget (GRUB counts its own trial boot against it). */
static ota_err
fell_back(ota_installer *in, const char *reason, const char *running)
{
    istate *s = &in->s;
    ota_err rc = set_state(in, s->t_slot, OTA_SLOT_BAD);
    if (rc == OTA_OK && running != NULL)
        rc = set_state(in, running, OTA_SLOT_GOOD);
    if (rc != OTA_OK)
        return rc;
    if ((rc = mark_bad_version(in, s->t_version)) != OTA_OK)
        return rc;
    s->state = OTA_STATE_FELL_BACK;
    s->has_journal = false;
    if (!sdup(&s->reason, reason) || !sdup(&s->last_error, reason))
        return fail(in, OTA_E_NOMEM, "out of memory");
    return save(in);
}

ota_err
ota_installer_boot(ota_installer *in)
{
    char booted[OTA_BOOT_NAME_MAX], primary[OTA_BOOT_NAME_MAX], why[256];
    if (in == NULL)
        return OTA_E_ARG;
    in->err[0] = '\0';
    istate *s = &in->s;
    bool complete = s->state == OTA_STATE_DOWNLOADING && s->has_journal && s->t_slot != NULL &&
                    s->j.bundle_offset == s->t_length;
    if (s->state != OTA_STATE_INSTALLED && s->state != OTA_STATE_PENDING && !complete)
        return OTA_OK;
    ota_err rc = booted_slot(in, booted);
    if (rc != OTA_OK)
        return rc;
    if (complete) {
        /* a switch reported as failed that did happen (a custom program
         * that wrote, then failed): the complete, verified slot runs */
        if (strcmp(booted, s->t_slot) != 0)
            return OTA_OK;
        s->has_journal = false;
        s->state = OTA_STATE_PENDING;
        return save(in);
    }
    if (strcmp(booted, s->t_slot) == 0) {
        if (s->state == OTA_STATE_PENDING)
            return OTA_OK;
        s->state = OTA_STATE_PENDING; /* the new slot runs: waits for confirm */
        return save(in);
    }
    if (s->state == OTA_STATE_INSTALLED) {
        /* the old slot runs: not rebooted yet, or the new slot failed to
         * boot within its attempts (then it is no longer primary, or reads
         * bad: GRUB's trial flag) */
        ota_err prc = get_primary(in, primary);
        if (prc == OTA_OK && strcmp(primary, s->t_slot) == 0)
            return OTA_OK;
        ota_slot_state st = OTA_SLOT_GOOD;
        char berr[OTA_BOOT_ERRLEN] = "";
        ota_err src = in->boot.get_state(in->boot.user, s->t_slot, &st, berr);
        if (prc != OTA_OK && (src != OTA_OK || st != OTA_SLOT_BAD))
            return prc; /* cannot tell: change nothing */
    }
    snprintf(why, sizeof why,
             "version %s in slot %s was not confirmed: the bootloader went back to slot %s",
             s->t_version, s->t_slot, booted);
    return fell_back(in, why, booted);
}

/* ---- hooks ------------------------------------------------------------------------------- */

typedef struct run run;

static ota_err run_hook(run *r, ota_bundle_hook which);

/* ---- one install run ------------------------------------------------------------------------ */

struct run {
    ota_installer *in;
    ota_client *c;
    const ota_target_info *t;
    ota_target_stream *stream;
    uint64_t pos, head_len, resume_off;
    bool resumed;
    const char *slot; /* target bootname */
    const ota_bundle_manifest *m;
    ota_bundle_reader *rd;
    otac_dir *dir;
    otac_raw *raw;
    const ota_bundle_component *comp;
    uint64_t last_ckpt;
    uint8_t *vbuf;
    char *c_name, *c_version;
    ota_err src_err;
    bool hook_failed; /* a hook failed or hung: never resumed */
    /* delta: the booted slot group, one index per component (NULL: none) */
    const char *from;
    otac_delta **delta;
    size_t ndelta;
    uint64_t fetched;                 /* bytes this run pulled from the network */
    uint64_t fetched_base;            /* ... and the earlier runs of the attempt */
    uint32_t local_base;
};

static void
progress(run *r, ota_install_phase ph, uint64_t done)
{
    if (r->in->progress == NULL)
        return;
    ota_install_progress p = {.size = sizeof p,
                              .phase = ph,
                              .done = done,
                              .total = r->t->length,
                              .resumed = r->resumed,
                              .component = r->comp != NULL ? r->comp->name : NULL};
    r->in->progress(r->in->progress_user, &p);
}

/* A resumed run read the head again: the payload continues at the journal. */
static void
resume_jump(run *r)
{
    if (r->resume_off > r->head_len && r->pos == r->head_len) {
        ota_target_stream_close(r->stream);
        r->stream = NULL;
        r->pos = r->resume_off;
    }
}

static ota_err
k_read(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    run *r = user;
    ota_err rc;
    *got = 0;
    if (r->in->cancel)
        return fail(r->in, OTA_E_CANCELED, "canceled");
    resume_jump(r);
    if (r->stream == NULL && r->pos >= r->t->length)
        return OTA_OK; /* the rest was resumed past or skipped: the end (the signed length) */
    if (r->stream == NULL) {
        rc = ota_client_target_open_at(r->c, r->t, r->pos, &r->stream);
        if (rc != OTA_OK) {
            r->stream = NULL;
            r->src_err = rc;
            return fail(r->in, rc, "%s", ota_client_errmsg(r->c));
        }
    }
    if (r->resume_off > r->head_len && r->pos < r->head_len && cap > r->head_len - r->pos)
        cap = (size_t) (r->head_len - r->pos);
    rc = ota_target_stream_read(r->stream, buf, cap, got);
    if (rc != OTA_OK) {
        r->src_err = rc;
        return fail(r->in, rc, "%s", ota_client_errmsg(r->c));
    }
    r->pos += *got;
    r->fetched += *got;
    return OTA_OK;
}

/* A gap up to this size is read and dropped rather than ended with a new
 * Range request (a request costs a round trip and its headers; a chunk of
 * zeros compresses to a few dozen bytes). */
#define SKIP_READ_MAX (32u * 1024u)

/* The reader does not need the next n bytes (chunks found in the active
 * slot, consecutive ones in one call): the next read opens a Range request
 * at the new offset.  A server that ignores Range answers 200 and the
 * transport drops the bytes before the offset: correct, no saving. */
static ota_err
k_skip(void *user, uint64_t n)
{
    run *r = user;
    uint8_t drop[2048];
    if (r->in->cancel)
        return fail(r->in, OTA_E_CANCELED, "canceled");
    resume_jump(r);
    if (r->pos > r->t->length || n > r->t->length - r->pos)
        return fail(r->in, OTA_E_LENGTH, "%s: skip past the end of the bundle", r->t->path);
    if (r->stream != NULL && n <= SKIP_READ_MAX) {
        while (n > 0) {
            size_t got = 0;
            ota_err rc = ota_target_stream_read(r->stream, drop,
                                                n < sizeof drop ? (size_t) n : sizeof drop, &got);
            if (rc != OTA_OK) {
                r->src_err = rc;
                return fail(r->in, rc, "%s", ota_client_errmsg(r->c));
            }
            if (got == 0)
                return fail(r->in, OTA_E_LENGTH, "%s: ended early", r->t->path);
            r->pos += got;
            r->fetched += got;
            n -= got;
        }
        return OTA_OK;
    }
    ota_target_stream_close(r->stream);
    r->stream = NULL;
    r->pos += n;
    return OTA_OK;
}

/* ---- delta: the active slot's index ------------------------------------------------------------ */

static void
delta_note(ota_installer *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
delta_note(ota_installer *in, const char *fmt, ...)
{
    va_list ap;
    if (in->delta_note[0] != '\0')
        return; /* the first reason is the one shown */
    va_start(ap, fmt);
    vsnprintf(in->delta_note, sizeof in->delta_note, fmt, ap);
    va_end(ap);
}

/* One index per component of m (NULL entries: none): image components whose
 * slot in the booted group `from` is raw and can be read, and trees in the
 * delta layout (format 4) whose slot there is a dir.  Never fails the
 * install: what cannot be indexed is downloaded (delta_note says why). */
static otac_delta **
delta_indexes(ota_installer *in, const ota_bundle_manifest *m, const char *from)
{
    otac_delta **ix = calloc(m->ncomponents > 0 ? m->ncomponents : 1, sizeof *ix);
    if (ix == NULL) {
        delta_note(in, "delta off: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < m->ncomponents; i++) {
        const ota_bundle_component *c = &m->components[i];
        const otac_slot *sl = otac_sysconf_slot(in->sc, c->name, from);
        char err[512];
        ota_err rc;
        if (c->nchunks == 0 || sl == NULL)
            continue;
        if (c->type == OTA_BUNDLE_IMAGE && sl->type == OTAC_SLOT_RAW)
            rc = otac_delta_build(sl->path, m->chunk_size, (uint64_t) c->nchunks * m->chunk_size,
                                  OTAC_DELTA_KEY_BYTES, &ix[i], err, sizeof err);
        else if (c->type == OTA_BUNDLE_TREE && c->mtime >= 0 && sl->type == OTAC_SLOT_DIR)
            /* format 4: the active tree's stream, regenerated; a tree much
             * larger than the new one is indexed only as far as twice it */
            rc = otac_delta_build_tree(sl->path, m->chunk_size, c->mtime,
                                       2 * (uint64_t) c->nchunks + 16, OTAC_DELTA_KEY_BYTES,
                                       &ix[i], err, sizeof err);
        else
            continue;
        if (rc != OTA_OK) {
            ix[i] = NULL;
            delta_note(in, "%s: full download, the active slot cannot be read: %s (%s)", c->name,
                       err, ota_err_name(rc));
        }
    }
    return ix;
}

static void
delta_free(otac_delta **ix, size_t n)
{
    for (size_t i = 0; ix != NULL && i < n; i++)
        otac_delta_free(ix[i]);
    free(ix);
}

/* Local chunk provider (ota_bundle_local_fn): a copy from the active slot. */
static ota_err
k_local(void *user, uint32_t index, const uint8_t usha[32], uint32_t ulen, uint8_t *buf,
        bool *found)
{
    run *r = user;
    ota_bundle_chunk ch;
    *found = false;
    if (r->delta == NULL ||
        ota_bundle_head_chunk(ota_bundle_reader_head(r->rd), index, &ch) != OTA_OK ||
        ch.component >= r->ndelta || r->delta[ch.component] == NULL)
        return OTA_OK;
    otac_delta *d = r->delta[ch.component];
    if (otac_delta_find(d, usha, ulen, buf, found) != OTA_OK) {
        /* never fail because of delta: the rest of the component is fetched */
        delta_note(r->in, "%s: delta stopped at chunk %u: %s", r->m->components[ch.component].name,
                   index, otac_delta_error(d));
        otac_delta_free(d);
        r->delta[ch.component] = NULL;
        *found = false;
    }
    return OTA_OK;
}

/* The attempt's counts as of now, for install.json (then reports). */
static void
note_counts(run *r)
{
    r->in->s.t_fetched = r->fetched_base + r->fetched;
    r->in->s.t_local = r->local_base + (r->rd != NULL ? ota_bundle_reader_local_used(r->rd) : 0);
}

static ota_err
k_manifest(void *user, const ota_bundle_manifest *m)
{
    run *r = user;
    ota_installer *in = r->in;
    r->m = m;
    if (!ota_bundle_manifest_has_hardware(m, in->hwid))
        return fail(in, OTA_E_HARDWARE, "bundle %s %s is not for hardware '%s'", m->name,
                    m->version, in->hwid);
    if (strcmp(m->version, r->c_version) != 0 || strcmp(m->name, r->c_name) != 0)
        return fail(in, OTA_E_FORMAT, "bundle manifest (%s %s) differs from its signed entry (%s %s)",
                    m->name, m->version, r->c_name, r->c_version);
    for (size_t i = 0; i < m->ncomponents; i++) {
        const ota_bundle_component *c = &m->components[i];
        if (c->type == OTA_BUNDLE_SBOM)
            continue; /* the package list: verified, never installed */
        const otac_slot *sl = otac_sysconf_slot(in->sc, c->name, r->slot);
        if (sl == NULL)
            return fail(in, OTA_E_UNSUPPORTED, "component '%s': no such slot class in %s",
                        c->name, in->sc->file);
        if ((c->type == OTA_BUNDLE_TREE) != (sl->type == OTAC_SLOT_DIR))
            return fail(in, OTA_E_UNSUPPORTED, "component '%s' is %s but slot %s is %s", c->name,
                        c->type == OTA_BUNDLE_TREE ? "a tree" : "an image", sl->name,
                        sl->type == OTAC_SLOT_DIR ? "a dir" : "raw");
    }
    /* the active slot is indexed before anything runs or is written */
    if (in->delta && r->from != NULL) {
        progress(r, OTA_PHASE_PREPARE, r->pos);
        r->delta = delta_indexes(in, m, r->from);
        r->ndelta = r->delta != NULL ? m->ncomponents : 0;
    }
    if (!r->resumed && m->hook[OTA_BUNDLE_PRE_INSTALL] != NULL)
        return run_hook(r, OTA_BUNDLE_PRE_INSTALL);
    return OTA_OK;
}

static ota_err
slot_fail(run *r, ota_err rc, const char *msg)
{
    return fail(r->in, rc, "slot %s: %s", r->comp != NULL ? r->comp->name : "?", msg);
}

static ota_err
k_component_begin(void *user, const ota_bundle_component *c, uint64_t from)
{
    run *r = user;
    r->comp = c;
    if (c->type == OTA_BUNDLE_SBOM)
        return OTA_OK; /* its chunks are verified by the reader and dropped */
    const otac_slot *sl = otac_sysconf_slot(r->in->sc, c->name, r->slot);
    ota_err rc;
    progress(r, OTA_PHASE_PREPARE, r->pos);
    if (c->type == OTA_BUNDLE_TREE) {
        otac_dir_opts o = {.allow_setuid = sl->allow_setuid};
        if ((rc = otac_dir_open(sl->path, &o, &r->dir)) != OTA_OK)
            return fail(r->in, rc, "slot %s: cannot open %s: %s", sl->name, sl->path,
                        ota_strerror(rc));
        /* a fresh start of the tree: the slot is emptied (again) */
        if (from == 0 && (rc = otac_dir_empty(r->dir)) != OTA_OK)
            return slot_fail(r, rc, otac_dir_error(r->dir));
        return OTA_OK;
    }
    /* scratch for the read-back: one chunk of this bundle, images only */
    if (r->vbuf == NULL &&
        (r->vbuf = malloc(ota_bundle_reader_head(r->rd)->header.chunk_size)) == NULL)
        return fail(r->in, OTA_E_NOMEM, "out of memory");
    if ((rc = otac_raw_open(sl->path, false, &r->raw)) != OTA_OK)
        return fail(r->in, rc, "slot %s: cannot open %s: %s", sl->name, sl->path,
                    ota_strerror(rc));
    return OTA_OK;
}

static ota_err
k_image_write(void *user, const ota_bundle_component *c, uint64_t off, const uint8_t *buf,
              size_t len)
{
    run *r = user;
    if (c->type == OTA_BUNDLE_SBOM)
        return OTA_OK; /* verified, written nowhere */
    ota_err rc = otac_raw_write(r->raw, off, buf, len);
    return rc == OTA_OK ? rc : slot_fail(r, rc, otac_raw_error(r->raw));
}

static ota_err
k_entry_begin(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    (void) c;
    run *r = user;
    /* after a resume the entries from the checkpoint on may exist already
     * (half-written before the cut): replace them */
    ota_err rc = otac_dir_entry_begin(r->dir, e, r->resumed);
    return rc == OTA_OK ? rc : slot_fail(r, rc, otac_dir_error(r->dir));
}

static ota_err
k_entry_data(void *user, const uint8_t *buf, size_t len)
{
    run *r = user;
    ota_err rc = otac_dir_entry_data(r->dir, buf, len);
    return rc == OTA_OK ? rc : slot_fail(r, rc, otac_dir_error(r->dir));
}

static ota_err
k_entry_end(void *user)
{
    run *r = user;
    ota_err rc = otac_dir_entry_end(r->dir);
    return rc == OTA_OK ? rc : slot_fail(r, rc, otac_dir_error(r->dir));
}

static ota_err
k_component_end(void *user, const ota_bundle_component *c)
{
    run *r = user;
    ota_err rc = OTA_OK;
    if (c->type == OTA_BUNDLE_SBOM) {
        /* nothing was written */
    } else if (c->type == OTA_BUNDLE_TREE) {
        if ((rc = otac_dir_sync(r->dir)) != OTA_OK)
            rc = slot_fail(r, rc, otac_dir_error(r->dir));
        otac_dir_close(r->dir);
        r->dir = NULL;
    } else {
        progress(r, OTA_PHASE_VERIFY, r->pos);
        if ((rc = otac_raw_finish(r->raw, c->size)) != OTA_OK ||
            (rc = otac_raw_verify(r->raw, ota_bundle_reader_head(r->rd), c, r->vbuf)) != OTA_OK)
            rc = slot_fail(r, rc, otac_raw_error(r->raw));
        otac_raw_close(r->raw);
        r->raw = NULL;
    }
    r->comp = NULL;
    return rc;
}

static ota_err
k_chunk_verified(void *user, uint32_t index, uint64_t end)
{
    (void) index;
    run *r = user;
    if (r->in->cancel)
        return fail(r->in, OTA_E_CANCELED, "canceled");
    progress(r, OTA_PHASE_WRITE, end);
    return OTA_OK;
}

static ota_err
k_checkpoint(void *user, const ota_bundle_resume *p)
{
    run *r = user;
    ota_installer *in = r->in;
    /* component boundaries always; inside a component every ckpt_bytes */
    if (r->comp != NULL && p->bundle_offset - r->last_ckpt < in->ckpt_bytes)
        return OTA_OK;
    ota_err rc = OTA_OK;
    /* the data before the checkpoint must be durable before the journal
     * says so */
    if (r->dir != NULL && (rc = otac_dir_sync(r->dir)) != OTA_OK)
        return slot_fail(r, rc, otac_dir_error(r->dir));
    if (r->raw != NULL && (rc = otac_raw_sync(r->raw)) != OTA_OK)
        return slot_fail(r, rc, otac_raw_error(r->raw));
    istate *s = &in->s;
    s->j = *p;
    s->j.prev_path = s->j.last_nondir = NULL;
    if (!sdup(&s->j_prev, p->prev_path != NULL ? p->prev_path : "") ||
        !sdup(&s->j_last, p->last_nondir != NULL ? p->last_nondir : ""))
        return fail(in, OTA_E_NOMEM, "out of memory");
    s->has_journal = true;
    r->last_ckpt = p->bundle_offset;
    note_counts(r);
    return save(in);
}

/* ---- hooks ---------------------------------------------------------------------------------- */

static ota_err
run_hook(run *r, ota_bundle_hook which)
{
    ota_installer *in = r->in;
    const char *name = which == OTA_BUNDLE_PRE_INSTALL ? "pre-install" : "post-install";
    char file[32], *script = NULL, *slots = NULL;
    char e_hook[64], e_name[96], e_ver[160], e_slot[64], *e_path = NULL, *e_slots = NULL;
    ota_buf sb = {.max = 64u * 1024u};
    ota_err rc;
    progress(r, OTA_PHASE_HOOK, r->pos);
    snprintf(file, sizeof file, ".hook-%s", name);
    /* the signed script, as a private executable file in the state dir */
    ota_atomic a = OTA_ATOMIC_INIT;
    if ((rc = ota_atomic_begin(&a, in->sdfd, 0700)) != OTA_OK ||
        (rc = ota_atomic_write(&a, r->m->hook[which], r->m->hook_len[which])) != OTA_OK ||
        (rc = ota_atomic_commit(&a, file, false)) != OTA_OK) {
        ota_atomic_abort(&a);
        return fail(in, rc, "%s hook: cannot write it to %s: %s", name, in->state_dir,
                    ota_strerror(rc));
    }
    const char *first_path = NULL;
    for (size_t i = 0; i < r->m->ncomponents; i++) {
        if (r->m->components[i].type == OTA_BUNDLE_SBOM)
            continue; /* no slot */
        const otac_slot *sl = otac_sysconf_slot(in->sc, r->m->components[i].name, r->slot);
        if (first_path == NULL)
            first_path = sl->path;
        if ((i > 0 && ota_buf_putc(&sb, ' ') != OTA_OK) ||
            ota_buf_append(&sb, sl->cls, strlen(sl->cls)) != OTA_OK ||
            ota_buf_putc(&sb, '=') != OTA_OK ||
            ota_buf_append(&sb, sl->path, strlen(sl->path)) != OTA_OK) {
            rc = fail(in, OTA_E_NOMEM, "out of memory");
            goto out;
        }
    }
    if (ota_buf_putc(&sb, '\0') != OTA_OK) {
        rc = fail(in, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    slots = (char *) ota_buf_steal(&sb, NULL);
    size_t pl = strlen(in->state_dir) + strlen(file) + 2;
    size_t el = strlen(first_path) + 32, sl2 = strlen(slots) + 16;
    script = malloc(pl);
    e_path = malloc(el);
    e_slots = malloc(sl2);
    if (script == NULL || e_path == NULL || e_slots == NULL) {
        rc = fail(in, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    snprintf(script, pl, "%s/%s", in->state_dir, file);
    snprintf(e_hook, sizeof e_hook, "OTA_HOOK=%s", name);
    snprintf(e_name, sizeof e_name, "OTA_BUNDLE_NAME=%s", r->m->name);
    snprintf(e_ver, sizeof e_ver, "OTA_BUNDLE_VERSION=%s", r->m->version);
    snprintf(e_slot, sizeof e_slot, "OTA_SLOT_BOOTNAME=%s", r->slot);
    snprintf(e_path, el, "OTA_SLOT_PATH=%s", first_path);
    snprintf(e_slots, sl2, "OTA_SLOTS=%s", slots);
    const char *env[] = {e_hook, e_name, e_ver, e_slot, e_path, e_slots, NULL};
    const char *argv[] = {script, NULL};
    otac_run_result res;
    char rerr[OTA_BOOT_ERRLEN] = "";
    rc = otac_run(argv, env, in->hook_timeout_s * 1000u, false, &res, rerr);
    if (rc == OTA_E_TIMEOUT)
        rc = fail(in, OTA_E_TIMEOUT, "%s hook: killed after %u s", name, in->hook_timeout_s);
    else if (rc == OTA_E_NOMEM)
        rc = fail(in, rc, "%s hook: out of memory", name);
    else if (rc != OTA_OK)
        rc = fail(in, OTA_E_HOOK, "%s hook: %s", name, rerr);
    else if (res.status != 0)
        rc = fail(in, OTA_E_HOOK, "%s hook failed (exit %d)%s%s", name, res.status,
                  res.errline[0] ? ": " : "", res.errline);
out:
    if (rc != OTA_OK)
        r->hook_failed = true;
    (void) unlinkat(in->sdfd, file, 0);
    ota_buf_free(&sb);
    free(slots);
    free(script);
    free(e_path);
    free(e_slots);
    return rc;
}

/* ---- install ------------------------------------------------------------------------------------- */

/* The signed custom.ota_bundle of t: head anchor, name, version, hardware. */
static ota_err
bundle_entry(ota_installer *in, const ota_target_info *t, uint64_t *head_len, uint8_t head[32],
             char **name, char **version, bool *hw_ok, bool *downgrade)
{
    json_t *custom = t->custom_json != NULL ? json_loads(t->custom_json, JSON_REJECT_DUPLICATES, NULL)
                                            : NULL;
    ota_err rc = fail(in, OTA_E_FORMAT, "%s is not an update bundle (no custom.ota_bundle)",
                      t->path);
    ota_err hrc = custom != NULL ? ota_bundle_custom_head(custom, head_len, head) : OTA_E_FORMAT;
    if (hrc == OTA_E_UNSUPPORTED) /* a bundle format from a later release */
        rc = fail(in, OTA_E_FORMAT, "%s: bundle format %lld, this agent reads %u to %u: "
                                    "update ota-client first", t->path,
                  (long long) json_integer_value(json_object_get(json_object_get(custom,
                                                                                 "ota_bundle"),
                                                                 "format")),
                  OTA_BUNDLE_FORMAT_MIN, OTA_BUNDLE_FORMAT_VERSION);
    if (hrc != OTA_OK)
        goto out;
    json_t *b = json_object_get(custom, "ota_bundle");
    const char *n = jstr(b, "name"), *v = jstr(b, "version");
    json_t *hw = json_object_get(b, "hardware");
    if (n == NULL || v == NULL || ota_semver_check(v) != OTA_OK || !json_is_array(hw))
        goto out;
    *hw_ok = false;
    size_t i;
    json_t *h;
    json_array_foreach(hw, i, h)
    {
        if (json_is_string(h) && strcmp(json_string_value(h), in->hwid) == 0)
            *hw_ok = true;
    }
    /* an ota_release that cannot be read permits nothing (formats/RELEASE.md) */
    ota_release_policy rel;
    *downgrade = ota_release_read(json_object_get(custom, "ota_release"), &rel) == NULL &&
                 rel.downgrade;
    *name = strdup(n);
    *version = strdup(v);
    if (*name == NULL || *version == NULL) {
        rc = fail(in, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    rc = OTA_OK;
out:
    json_decref(custom);
    return rc;
}

/* Failures after which the slot still holds exactly what the journal says:
 * the source went away or stalled, we were asked to stop, or the switch
 * failed after the slot was complete and verified (the retry only
 * switches).  A slot that failed to write (full, I/O error) may be changed
 * before the next attempt (space freed, media replaced), and a hook that
 * failed or hung may have changed it: start over rather than trust it. */
static bool
resumable(ota_err rc)
{
    return rc == OTA_E_NETWORK || rc == OTA_E_CANCELED || rc == OTA_E_TIMEOUT ||
           rc == OTA_E_NOMEM || rc == OTA_E_BOOT;
}

/* Start a new attempt: the target slot is marked bad before anything is
 * written, then the attempt is recorded. */
static ota_err
fresh_attempt(ota_installer *in, const ota_target_info *t, const char *slot, const char *booted,
              const char *name, const char *version, const uint8_t head[32])
{
    istate *s = &in->s;
    ota_err rc = set_state(in, slot, OTA_SLOT_BAD);
    if (rc != OTA_OK)
        return rc;
    if (!sdup(&s->t_path, t->path) || !sdup(&s->t_name, name) || !sdup(&s->t_version, version) ||
        !sdup(&s->t_slot, slot) || !sdup(&s->t_from, booted) || !sdup(&s->reason, NULL) ||
        !sdup(&s->last_error, NULL))
        return fail(in, OTA_E_NOMEM, "out of memory");
    ota_hex_encode(head, 32, s->t_head);
    s->t_length = t->length;
    s->t_fetched = 0;
    s->t_local = 0;
    s->has_journal = false;
    s->state = OTA_STATE_DOWNLOADING;
    return save(in);
}

static ota_err
finish_switch(ota_installer *in, run *r)
{
    istate *s = &in->s;
    progress(r, OTA_PHASE_SWITCH, r->t->length);
    note_counts(r);
    ota_err rc = set_primary(in, s->t_slot);
    if (rc != OTA_OK)
        return rc;
    s->state = OTA_STATE_INSTALLED;
    s->has_journal = false;
    rc = save(in);
    if (rc == OTA_OK)
        progress(r, OTA_PHASE_DONE, r->t->length);
    return rc;
}

ota_err
ota_installer_install(ota_installer *in, ota_client *c, const ota_target_info *user_t)
{
    ota_target_info ti; /* the caller's entry, read by the growth rule (abi.h) */
    const ota_target_info *t = &ti;
    char booted[OTA_BOOT_NAME_MAX];
    uint8_t head[32];
    uint64_t head_len = 0;
    bool hw_ok = false, downgrade = false;
    char floor[VERSION_CAP];
    run r;
    memset(&r, 0, sizeof r);
    ota_err rc = OTA_E_ARG;
    if (in == NULL)
        return rc;
    in->err[0] = '\0';
    in->delta_note[0] = '\0';
    in->cancel = 0;
    istate *s = &in->s;
    if (c == NULL || user_t == NULL)
        return fail(in, rc, "no client or target");
    if (otac_struct_in(&ti, sizeof ti, user_t, user_t->size, OTAC_MIN_TARGET_INFO,
                       "ota_target_info", in->err, sizeof in->err) != OTA_OK)
        return rc;
    if (t->path == NULL)
        return fail(in, rc, "no client or target");
    if ((rc = bundle_entry(in, t, &head_len, head, &r.c_name, &r.c_version, &hw_ok,
                           &downgrade)) != OTA_OK)
        goto out;
    /* an update in flight must be finished first */
    if ((rc = ota_installer_boot(in)) != OTA_OK)
        goto out;
    if (s->state == OTA_STATE_INSTALLED || s->state == OTA_STATE_PENDING) {
        rc = fail(in, OTA_E_STATE, "version %s is %s in slot %s: %s first", s->t_version,
                  s->state == OTA_STATE_INSTALLED ? "installed and waits for a reboot"
                                                  : "running and not yet confirmed",
                  s->t_slot, s->state == OTA_STATE_INSTALLED ? "reboot" : "confirm or roll back");
        goto out;
    }
    /* decided from signed metadata before any byte is downloaded */
    if (!hw_ok) {
        rc = fail(in, OTA_E_HARDWARE, "%s (%s %s) is not for hardware '%s'", t->path, r.c_name,
                  r.c_version, in->hwid);
        goto out;
    }
    if (is_bad(in, r.c_version)) {
        rc = fail(in, OTA_E_BAD_VERSION,
                  "%s: version %s failed on this device before and is marked bad", t->path,
                  r.c_version);
        goto out;
    }
    if ((rc = ota_client_floor(c, r.c_name, floor, sizeof floor)) != OTA_OK) {
        rc = fail(in, rc, "%s", ota_client_errmsg(c));
        goto out;
    }
    if (floor[0] != '\0' && ota_semver_cmp(r.c_version, floor) < 0) {
        rc = fail(in, OTA_E_BAD_VERSION,
                  "%s: version %s is below the signed floor %s for %s (retired fleet-wide)",
                  t->path, r.c_version, floor, r.c_name);
        goto out;
    }
    if (s->installed_version != NULL && ota_semver_check(s->installed_version) == OTA_OK &&
        ota_semver_cmp(r.c_version, s->installed_version) <= 0 &&
        !(in->allow_downgrade && downgrade)) {
        rc = fail(in, OTA_E_ROLLBACK, "%s: version %s is not newer than the installed %s%s",
                  t->path, r.c_version, s->installed_version,
                  in->allow_downgrade ? " (and its signed release does not permit a downgrade)"
                                      : "");
        goto out;
    }
    if ((rc = booted_slot(in, booted)) != OTA_OK)
        goto out;
    r.slot = NULL;
    for (size_t i = 0; i < in->sc->nbootnames && r.slot == NULL; i++)
        if (strcmp(in->sc->bootnames[i], booted) != 0)
            r.slot = in->sc->bootnames[i];
    char hexhead[65];
    ota_hex_encode(head, 32, hexhead);
    bool same = s->state == OTA_STATE_DOWNLOADING && s->t_path != NULL &&
                strcmp(s->t_path, t->path) == 0 && strcmp(s->t_head, hexhead) == 0 &&
                s->t_length == t->length && strcmp(s->t_slot, r.slot) == 0;
    /* after a rollback the slot we would write is the one the next boot
     * starts: never overwrite the version the device is going back to.
     * (Our own attempt in flight may have switched already: a power cut
     * between the switch and its record; resuming it only switches.) */
    char prim[OTA_BOOT_NAME_MAX];
    if (!same && get_primary(in, prim) == OTA_OK && strcmp(prim, r.slot) == 0) {
        rc = fail(in, OTA_E_STATE,
                  "slot %s is primary but slot %s is running (a rollback waits for its reboot): "
                  "reboot first, then install",
                  r.slot, booted);
        goto out;
    }
    in->err[0] = '\0';
    if (!same && (rc = fresh_attempt(in, t, r.slot, booted, r.c_name, r.c_version, head)) != OTA_OK)
        goto out;
    ota_bundle_resume resume;
    r.resumed = same && s->has_journal && s->j.bundle_offset > head_len;
    if (r.resumed) {
        resume = s->j;
        resume.prev_path = s->j_prev;
        resume.last_nondir = s->j_last;
        r.resume_off = s->j.bundle_offset;
    }
    r.in = in;
    r.c = c;
    r.t = t;
    r.from = booted;
    r.fetched_base = s->t_fetched;
    r.local_base = s->t_local;
    r.head_len = head_len;
    r.last_ckpt = r.resume_off;
    progress(&r, OTA_PHASE_PREPARE, r.resume_off);
    ota_bundle_sink sink = {.user = &r,
                            .manifest = k_manifest,
                            .component_begin = k_component_begin,
                            .image_write = k_image_write,
                            .entry_begin = k_entry_begin,
                            .entry_data = k_entry_data,
                            .entry_end = k_entry_end,
                            .component_end = k_component_end,
                            .chunk_verified = k_chunk_verified,
                            .checkpoint = k_checkpoint};
    ota_bundle_reader_config rc_cfg = {.size = sizeof rc_cfg,
                                       .read = k_read,
                                       .read_user = &r,
                                       .sink = &sink,
                                       .head_sha256 = head,
                                       .head_length = head_len,
                                       .resume = r.resumed ? &resume : NULL,
                                       .local_chunk = in->delta ? k_local : NULL,
                                       .local_user = &r,
                                       .skip = k_skip};
    if ((rc = ota_bundle_reader_new(&rc_cfg, &r.rd)) != OTA_OK) {
        rc = fail(in, rc, "bundle reader: %s", ota_strerror(rc));
        goto out;
    }
    in->err[0] = '\0';
    rc = ota_bundle_reader_run(r.rd);
    if (rc != OTA_OK) {
        if (in->err[0] == '\0')
            fail(in, rc, "%s: %s (bundle checks)", t->path, ota_strerror(rc));
        goto out;
    }
    if (r.m != NULL && r.m->hook[OTA_BUNDLE_POST_INSTALL] != NULL &&
        (rc = run_hook(&r, OTA_BUNDLE_POST_INSTALL)) != OTA_OK)
        goto out;
    rc = finish_switch(in, &r);
out:
    otac_dir_close(r.dir);
    otac_raw_close(r.raw);
    ota_target_stream_close(r.stream);
    ota_bundle_reader_free(r.rd);
    if (rc != OTA_OK && s->state == OTA_STATE_DOWNLOADING && s->t_path != NULL &&
        r.in != NULL) {
        /* keep the journal for network breaks and cancels; start over after
         * anything the bundle or a hook did wrong */
        char msg[sizeof in->err];
        memcpy(msg, in->err, sizeof msg);
        if (!resumable(rc) || r.hook_failed) {
            s->state = OTA_STATE_IDLE;
            s->has_journal = false;
        }
        if (sdup(&s->last_error, msg[0] ? msg : ota_strerror(rc)))
            (void) save(in);
        memcpy(in->err, msg, sizeof msg);
    }
    free(r.vbuf);
    free(r.c_name);
    free(r.c_version);
    delta_free(r.delta, r.ndelta);
    return rc;
}

/* ---- plan: what an install would download ----------------------------------------------------- */

/* The head of target t (head_len bytes from offset 0), checked against the
 * signed head SHA-256, parsed. */
static ota_err
plan_head(ota_installer *in, ota_client *c, const ota_target_info *t, uint64_t head_len,
          const uint8_t head[32], ota_bundle_head **out)
{
    ota_target_stream *st = NULL;
    uint8_t *buf = NULL, md[OTA_SHA256_LEN];
    ota_err rc;
    if (head_len < OTA_BUNDLE_HEADER_LEN || head_len > OTA_BUNDLE_MAX_HEAD || head_len > t->length)
        return fail(in, OTA_E_LIMIT, "%s: signed head length %llu out of range", t->path,
                    (unsigned long long) head_len);
    if ((buf = malloc((size_t) head_len)) == NULL)
        return fail(in, OTA_E_NOMEM, "out of memory");
    if ((rc = ota_client_target_open(c, t, &st)) != OTA_OK) {
        rc = fail(in, rc, "%s", ota_client_errmsg(c));
        goto out;
    }
    for (size_t n = 0; n < head_len;) {
        size_t got = 0;
        if ((rc = ota_target_stream_read(st, buf + n, (size_t) head_len - n, &got)) != OTA_OK) {
            rc = fail(in, rc, "%s", ota_client_errmsg(c));
            goto out;
        }
        if (got == 0) {
            rc = fail(in, OTA_E_LENGTH, "%s: ended within its head", t->path);
            goto out;
        }
        n += got;
    }
    ota_sha256(buf, (size_t) head_len, md);
    if (sodium_memcmp(md, head, sizeof md) != 0) {
        rc = fail(in, OTA_E_HASH, "%s: bundle head differs from its signed head_sha256", t->path);
        goto out;
    }
    if ((rc = ota_bundle_head_parse(buf, (size_t) head_len, out)) != OTA_OK)
        rc = fail(in, rc, "%s: bundle head: %s", t->path, ota_strerror(rc));
out:
    ota_target_stream_close(st);
    free(buf);
    return rc;
}

ota_err
ota_installer_plan(ota_installer *in, ota_client *c, const ota_target_info *user_t,
                   ota_install_plan *user_p)
{
    ota_target_info ti;
    char booted[OTA_BOOT_NAME_MAX];
    uint8_t head[32];
    uint64_t head_len = 0;
    bool hw_ok = false, downgrade = false;
    char *name = NULL, *version = NULL;
    ota_bundle_head *h = NULL;
    otac_delta **ix = NULL;
    uint8_t *buf = NULL;
    ota_install_plan p;
    ota_err rc = OTA_E_ARG;
    if (in == NULL)
        return rc;
    in->err[0] = '\0';
    in->delta_note[0] = '\0';
    if (c == NULL || user_t == NULL || user_p == NULL)
        return fail(in, rc, "no client, target or plan");
    if (otac_struct_out_ok(user_p->size, OTAC_OUT_MIN, "ota_install_plan", in->err,
                           sizeof in->err) != OTA_OK ||
        otac_struct_in(&ti, sizeof ti, user_t, user_t->size, OTAC_MIN_TARGET_INFO,
                       "ota_target_info", in->err, sizeof in->err) != OTA_OK)
        return rc;
    if (ti.path == NULL)
        return fail(in, rc, "no target");
    memset(&p, 0, sizeof p);
    p.size = sizeof p;
    p.bundle_length = ti.length;
    if ((rc = bundle_entry(in, &ti, &head_len, head, &name, &version, &hw_ok, &downgrade)) !=
            OTA_OK ||
        (rc = booted_slot(in, booted)) != OTA_OK ||
        (rc = plan_head(in, c, &ti, head_len, head, &h)) != OTA_OK)
        goto out;
    const ota_bundle_manifest *m = h->manifest;
    p.chunks = h->header.chunk_count;
    p.download = ti.length;
    if (!in->delta)
        goto done;
    if ((ix = delta_indexes(in, m, booted)) == NULL)
        goto done;
    if ((buf = malloc(m->chunk_size)) == NULL) {
        rc = fail(in, OTA_E_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < h->header.chunk_count; i++) {
        ota_bundle_chunk ch;
        bool found = false;
        uint8_t md[OTA_SHA256_LEN];
        if ((rc = ota_bundle_head_chunk(h, i, &ch)) != OTA_OK)
            goto out;
        if (ch.component >= m->ncomponents || ix[ch.component] == NULL)
            continue;
        if (otac_delta_find(ix[ch.component], ch.usha, ch.ulen, buf, &found) != OTA_OK) {
            delta_note(in, "%s: delta stopped at chunk %u: %s", m->components[ch.component].name,
                       i, otac_delta_error(ix[ch.component]));
            otac_delta_free(ix[ch.component]);
            ix[ch.component] = NULL;
            continue;
        }
        if (!found)
            continue;
        ota_sha256(buf, ch.ulen, md); /* as the reader will: only a true copy counts */
        if (sodium_memcmp(md, ch.usha, sizeof md) == 0) {
            p.local_chunks++;
            p.download -= ch.clen;
        }
    }
done:
    snprintf(p.delta_note, sizeof p.delta_note, "%s", in->delta_note);
    otac_struct_out(user_p, user_p->size, &p, sizeof p);
    rc = OTA_OK;
out:
    free(buf);
    if (h != NULL)
        delta_free(ix, h->manifest->ncomponents);
    ota_bundle_head_free(h);
    free(name);
    free(version);
    return rc;
}

/* ---- confirm / rollback / status ------------------------------------------------------------------------ */

ota_err
ota_installer_confirm(ota_installer *in)
{
    char booted[OTA_BOOT_NAME_MAX];
    if (in == NULL)
        return OTA_E_ARG;
    ota_err rc = ota_installer_boot(in);
    if (rc != OTA_OK)
        return rc;
    istate *s = &in->s;
    if (s->state == OTA_STATE_INSTALLED)
        return fail(in, OTA_E_STATE, "version %s waits for a reboot into slot %s: nothing to "
                    "confirm yet", s->t_version, s->t_slot);
    if ((rc = booted_slot(in, booted)) != OTA_OK)
        return rc;
    char prim[OTA_BOOT_NAME_MAX];
    if (s->state == OTA_STATE_FELL_BACK && get_primary(in, prim) == OTA_OK &&
        strcmp(prim, booted) != 0)
        return fail(in, OTA_E_STATE, "slot %s runs the version given up (%s); slot %s is primary "
                    "again: reboot, nothing to confirm", booted, s->t_version ? s->t_version : "?",
                    prim);
    in->err[0] = '\0';
    if (s->state != OTA_STATE_PENDING)
        /* nothing new runs: the running slot is good (GRUB counts every
         * boot as a trial until this is said, as RAUC's mark-good) */
        return set_state(in, booted, OTA_SLOT_GOOD);
    if (strcmp(booted, s->t_slot) != 0)
        return fail(in, OTA_E_STATE, "slot %s is booted, not the new slot %s", booted, s->t_slot);
    if ((rc = set_state(in, s->t_slot, OTA_SLOT_GOOD)) != OTA_OK)
        return rc;
    if (!sdup(&s->installed_version, s->t_version) || !sdup(&s->installed_slot, s->t_slot) ||
        !sdup(&s->installed_name, s->t_name) || !sdup(&s->last_error, NULL) ||
        !sdup(&s->reason, NULL))
        return fail(in, OTA_E_NOMEM, "out of memory");
    s->state = OTA_STATE_COMMITTED;
    return save(in);
}

ota_err
ota_installer_rollback(ota_installer *in, const char *reason)
{
    char why[256];
    if (in == NULL)
        return OTA_E_ARG;
    istate *s = &in->s;
    if (s->state != OTA_STATE_INSTALLED && s->state != OTA_STATE_PENDING)
        return fail(in, OTA_E_STATE, "no update in flight to roll back (state %s)",
                    ota_install_state_name(s->state));
    const char *back = s->t_from;
    for (size_t i = 0; back == NULL && i < in->sc->nbootnames; i++)
        if (strcmp(in->sc->bootnames[i], s->t_slot) != 0)
            back = in->sc->bootnames[i];
    ota_err rc = set_primary(in, back);
    if (rc != OTA_OK)
        return rc;
    snprintf(why, sizeof why, "version %s rolled back: %s", s->t_version,
             reason != NULL ? reason : "requested");
    return fell_back(in, why, NULL);
}

ota_err
ota_installer_status(ota_installer *in, ota_install_status *st)
{
    if (in == NULL || st == NULL)
        return OTA_E_ARG;
    if (otac_struct_out_ok(st->size, OTAC_OUT_MIN, "ota_install_status", in->err, sizeof in->err) !=
        OTA_OK)
        return OTA_E_ARG;
    /* filled whole here, handed back as far as the caller's size goes */
    ota_install_status full, *user_st = st;
    st = &full;
    istate *s = &in->s;
    memset(st, 0, sizeof *st);
    st->size = sizeof *st;
    st->state = s->state;
    char b[OTA_BOOT_NAME_MAX], keep[sizeof in->err];
    memcpy(keep, in->err, sizeof keep); /* a status display keeps the last error's message */
    if (booted_slot(in, b) == OTA_OK)
        snprintf(st->booted, sizeof st->booted, "%s", b);
    if (get_primary(in, b) == OTA_OK)
        snprintf(st->primary, sizeof st->primary, "%s", b);
    memcpy(in->err, keep, sizeof keep);
    snprintf(st->installed_version, sizeof st->installed_version, "%s",
             s->installed_version != NULL ? s->installed_version : "");
    snprintf(st->target_version, sizeof st->target_version, "%s",
             s->t_version != NULL ? s->t_version : "");
    snprintf(st->target_slot, sizeof st->target_slot, "%s", s->t_slot != NULL ? s->t_slot : "");
    st->resume_offset = s->has_journal ? s->j.bundle_offset : 0;
    st->nbad = s->nbad;
    snprintf(st->last_error, sizeof st->last_error, "%s",
             s->last_error != NULL ? s->last_error : "");
    snprintf(st->installed_name, sizeof st->installed_name, "%s",
             s->installed_name != NULL ? s->installed_name : "");
    snprintf(st->hardware_id, sizeof st->hardware_id, "%s", in->hwid);
    st->bundle_length = s->t_path != NULL ? s->t_length : 0;
    st->fetched = s->t_path != NULL ? s->t_fetched : 0;
    st->local_chunks = s->t_path != NULL ? s->t_local : 0;
    snprintf(st->delta_note, sizeof st->delta_note, "%s", in->delta_note);
    otac_struct_out(user_st, user_st->size, &full, sizeof full);
    return OTA_OK;
}

ota_err
ota_installer_state_json(ota_installer *in, char **out)
{
    if (in == NULL || out == NULL)
        return OTA_E_ARG;
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_err rc = read_state_file(in, &buf, &len);
    if (rc == OTA_E_NOT_FOUND) {
        char *d = strdup("{\"format\":1,\"state\":\"idle\"}\n");
        if (d == NULL)
            return OTA_E_NOMEM;
        *out = d;
        return OTA_OK;
    }
    if (rc != OTA_OK)
        return rc;
    *out = (char *) buf;
    return OTA_OK;
}

ota_err
ota_installer_choose(ota_installer *in, ota_client *c, const ota_device *dev, ota_release_cb cb,
                     void *user, ota_target_info *chosen, bool *found)
{
    if (in == NULL || c == NULL || dev == NULL || found == NULL)
        return OTA_E_ARG;
    istate *s = &in->s;
    ota_device d;
    if (otac_struct_in(&d, sizeof d, dev, dev->size, OTAC_MIN_DEVICE, "ota_device", in->err,
                       sizeof in->err) != OTA_OK)
        return OTA_E_ARG;
    if (d.hardware_id == NULL)
        d.hardware_id = in->hwid;
    if (d.installed_version == NULL)
        d.installed_version = s->installed_version;
    if (d.product == NULL)
        d.product = s->installed_name != NULL ? s->installed_name : s->t_name;
    if (d.product == NULL)
        return fail(in, OTA_E_ARG, "the product (bundle name) this device runs is not known yet: "
                    "set it, or install a first bundle by name");
    if (d.bad_versions == NULL) {
        d.bad_versions = (const char *const *) s->bad;
        d.nbad = s->nbad;
    }
    ota_err rc = ota_client_choose(c, &d, cb, user, chosen, found);
    if (rc != OTA_OK)
        return fail(in, rc, "%s", ota_client_errmsg(c));
    return OTA_OK;
}

ota_err
ota_installer_run_command(ota_installer *in, const char *command, unsigned timeout_s, int *status)
{
    if (in == NULL || command == NULL || status == NULL || timeout_s == 0)
        return OTA_E_ARG;
    istate *s = &in->s;
    char e_state[64], e_ver[VERSION_CAP + 16], e_inst[VERSION_CAP + 24], e_slot[OTA_BOOT_NAME_MAX + 16];
    snprintf(e_state, sizeof e_state, "OTA_STATE=%s", ota_install_state_name(s->state));
    snprintf(e_ver, sizeof e_ver, "OTA_VERSION=%s", s->t_version != NULL ? s->t_version : "");
    snprintf(e_inst, sizeof e_inst, "OTA_INSTALLED_VERSION=%s",
             s->installed_version != NULL ? s->installed_version : "");
    snprintf(e_slot, sizeof e_slot, "OTA_SLOT=%s", s->t_slot != NULL ? s->t_slot : "");
    const char *const env[] = {e_state, e_ver, e_inst, e_slot, NULL};
    const char *const argv[] = {"/bin/sh", "-c", command, NULL};
    otac_run_result r;
    char err[OTA_BOOT_ERRLEN] = "";
    unsigned ms = timeout_s > UINT_MAX / 1000u ? UINT_MAX : timeout_s * 1000u;
    ota_err rc = otac_run(argv, env, ms, false, &r, err);
    free(r.out);
    if (rc == OTA_E_TIMEOUT)
        return fail(in, rc, "'%s' did not finish within %u s (killed)", command, timeout_s);
    if (rc != OTA_OK)
        return fail(in, OTA_E_HOOK, "'%s': %s", command, err[0] ? err : ota_strerror(rc));
    *status = r.status;
    if (r.status != 0)
        fail(in, OTA_OK, "'%s' exited %d%s%s", command, r.status, r.errline[0] ? ": " : "",
             r.errline);
    return OTA_OK;
}
