/* SPDX-License-Identifier: Apache-2.0 */
/*
 * device.c — ota-client's device commands: install, status, check, update,
 * confirm, rollback, boot-check, report (and the steps the daemon repeats).
 * Every step that changes what the device runs queues a signed report
 * (ota/report.h); sending it is tried at once and never fails the step.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "ota_atomic.h"
#include "ota_bundle.h"
#include "ota_util.h"

#define AGENT_STATE "agent.json"

volatile int agent_stop;
static ota_installer *volatile g_installer; /* for the signal handler only */

static void
on_signal(int sig)
{
    (void) sig;
    agent_stop = 1;
    ota_installer *in = g_installer;
    if (in != NULL)
        ota_installer_cancel(in);
}

void
dev_catch_signals(ota_installer *in)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_installer = in;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- progress -------------------------------------------------------------------------------- */

void
agent_on_progress(void *user, const ota_install_progress *p)
{
    static const char *const phase[] = {"", "preparing", "writing", "verifying", "hook",
                                        "switching", "done"};
    agent_progress *g = user;
    if (g->tick != NULL)
        g->tick();
    if (!g->tty && !g->json)
        return;
    double t = now_s();
    if (p->phase == OTA_PHASE_WRITE && t - g->last < (g->json ? 1.0 : 0.2))
        return;
    g->last = t;
    double el = t - g->start > 1e-3 ? t - g->start : 1e-3;
    double rate = (double) p->done / el; /* bytes/s over this run */
    double eta = rate > 0 && p->total > p->done ? (double) (p->total - p->done) / rate : 0;
    const char *ph = (unsigned) p->phase < 7 ? phase[p->phase] : "?";
    if (g->json) {
        printf("{\"progress\":{\"phase\":\"%s\",\"done\":%llu,\"total\":%llu,\"rate\":%.0f,"
               "\"eta\":%.0f,\"resumed\":%s}}\n",
               ph, (unsigned long long) p->done, (unsigned long long) p->total, rate, eta,
               p->resumed ? "true" : "false");
        fflush(stdout);
        return;
    }
    fprintf(stderr, "\r\033[K%s%s %.1f / %.1f MiB (%.0f%%)", ph, p->resumed ? " (resumed)" : "",
            (double) p->done / 1048576.0, (double) p->total / 1048576.0,
            p->total ? 100.0 * (double) p->done / (double) p->total : 100.0);
    if (p->phase == OTA_PHASE_WRITE)
        fprintf(stderr, " %.1f MB/s, ETA %.0f s", rate / 1e6, eta);
    if (p->phase == OTA_PHASE_DONE)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* ---- the session ------------------------------------------------------------------------------- */

static int
inst_fail(ota_installer *in, ota_err rc)
{
    const char *msg = ota_installer_errmsg(in);
    fprintf(stderr, "ota-client: %s (%s)\n", msg[0] ? msg : ota_strerror(rc), ota_err_name(rc));
    /* from the installer, E_ROLLBACK is the version check, not metadata */
    return rc == OTA_E_ROLLBACK ? EX_NOTNEWER : exit_code(rc);
}

/* device_id setting, else the first line of /etc/machine-id; "" none */
static void
find_device_id(const agent_opts *o, char out[129])
{
    out[0] = '\0';
    const char *v = agent_str(o, S_DEVICE_ID);
    if (v != NULL) {
        snprintf(out, 129, "%s", v);
        return;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ota_file_read(DEFAULT_MACHINE_ID, 4096, &buf, &len) != OTA_OK)
        return;
    size_t n = 0;
    while (n < len && n < 128 && buf[n] != '\n')
        n++;
    memcpy(out, buf, n);
    out[n] = '\0';
    free(buf);
}

int
dev_open(agent_opts *o, agent_dev *d, bool need_metadata)
{
    memset(d, 0, sizeof *d);
    d->o = o;
    d->prog.tty = isatty(STDERR_FILENO) != 0 && !o->json;
    d->prog.json = o->json;
    d->prog.start = now_s();
    char err[512];
    ota_install_config ic = OTA_INSTALL_CONFIG_INIT;
    ic.state_dir = agent_str(o, S_STATE_DIR);
    ic.system_conf = agent_str(o, S_SYSTEM_CONF);
    ic.hardware_id = agent_str(o, S_HARDWARE_ID);
    ic.progress = agent_on_progress;
    ic.progress_user = &d->prog;
    ic.hook_timeout_s = o->num[S_HOOK_TIMEOUT] > 0 ? (unsigned) o->num[S_HOOK_TIMEOUT] : 0;
    ic.checkpoint_bytes = o->num[S_CHECKPOINT_KIB] > 0 ? (uint64_t) o->num[S_CHECKPOINT_KIB] * 1024u
                                                      : 0;
    ic.allow_downgrade = o->allow_downgrade;
    ic.no_delta = !o->delta;
    ota_err rc = ota_installer_new(&ic, &d->in, err, sizeof err);
    if (rc != OTA_OK) {
        fprintf(stderr, "ota-client: %s (%s)\n", err, ota_err_name(rc));
        return rc == OTA_E_ARG || rc == OTA_E_FORMAT || rc == OTA_E_NOT_FOUND ? EX_USAGE
                                                                             : exit_code(rc);
    }
    bool have_url = agent_str(o, S_METADATA_URL) != NULL;
    if (need_metadata || have_url || agent_str(o, S_REPORT_URL) != NULL) {
        int ex = net_open(o, &d->net, need_metadata || have_url);
        if (ex != EX_OK)
            return ex;
    }
    /* reports: on unless report_url is "none"; without a URL they queue */
    find_device_id(o, d->device_id);
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(d->in, &st) != OTA_OK)
        st.hardware_id[0] = '\0';
    if (d->device_id[0] == '\0' || st.hardware_id[0] == '\0')
        return EX_OK; /* check/update say why they need it */
    if (o->val[S_REPORT_URL] == NULL && have_url)
        return EX_OK; /* report_url = none */
    ota_reporter_config rc_cfg = OTA_REPORTER_CONFIG_INIT;
    rc_cfg.state_dir = agent_str(o, S_STATE_DIR);
    rc_cfg.url = agent_str(o, S_REPORT_URL);
    rc_cfg.transport = d->net.curl_up ? &d->net.tr : NULL;
    rc_cfg.device_id = d->device_id;
    rc_cfg.hardware_id = st.hardware_id;
    if ((rc = ota_reporter_new(&rc_cfg, &d->rep, err, sizeof err)) != OTA_OK)
        fprintf(stderr, "ota-client: warning: reports are off: %s (%s)\n", err,
                ota_err_name(rc));
    return EX_OK;
}

void
dev_close(agent_dev *d)
{
    g_installer = NULL;
    ota_reporter_free(d->rep);
    ota_installer_free(d->in);
    net_close(&d->net);
    d->rep = NULL;
    d->in = NULL;
}

/* ---- reports -------------------------------------------------------------------------------- */

/* dev_report with the download counts of the update (0, 0: none) */
static void
dev_report_dl(agent_dev *d, ota_outcome outcome, const char *event, const char *installed,
              const char *previous, const char *target, const char *error, uint64_t fetched,
              uint64_t bundle);

void
dev_report(agent_dev *d, ota_outcome outcome, const char *event, const char *installed,
           const char *previous, const char *target, const char *error)
{
    dev_report_dl(d, outcome, event, installed, previous, target, error, 0, 0);
}

static void
dev_report_dl(agent_dev *d, ota_outcome outcome, const char *event, const char *installed,
              const char *previous, const char *target, const char *error, uint64_t fetched,
              uint64_t bundle)
{
    if (d->rep == NULL)
        return;
    json_t *c = json_pack("{s:s}", "event", event);
    if (c != NULL && target != NULL && target[0] != '\0')
        json_object_set_new(c, "target_version", json_string(target));
    const char *ch = agent_str(d->o, S_CHANNEL);
    if (c != NULL)
        json_object_set_new(c, "channel", json_string(ch != NULL ? ch : "stable"));
    char *custom = c != NULL ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(c);
    ota_report_event ev = {.size = sizeof ev,
                           .outcome = outcome,
                           .installed_version = installed != NULL && installed[0] ? installed
                                                                                  : "0.0.0",
                           .previous_version = previous != NULL && previous[0] ? previous : NULL,
                           .error = error,
                           .custom_json = custom,
                           .download_fetched = fetched,
                           .download_bundle = bundle};
    ota_err rc = ota_reporter_add(d->rep, &ev);
    free(custom);
    if (rc != OTA_OK)
        fprintf(stderr, "ota-client: warning: report not queued: %s (%s)\n",
                ota_reporter_errmsg(d->rep), ota_err_name(rc));
}

ota_err
dev_send_reports(agent_dev *d, bool force, bool print)
{
    if (d->rep == NULL)
        return OTA_OK;
    ota_report_sent res = {.size = sizeof res};
    ota_err rc = ota_reporter_send(d->rep, force, &res);
    if (rc != OTA_OK && (print || rc != OTA_E_UNSUPPORTED))
        fprintf(stderr, "ota-client: %s%s (%s)\n", print ? "" : "warning: reports: ",
                ota_reporter_errmsg(d->rep), ota_err_name(rc));
    else if (res.refused > 0)
        fprintf(stderr, "ota-client: warning: %s\n", ota_reporter_errmsg(d->rep));
    if (print && !d->o->json)
        printf("reports: %u sent, %u refused, %u queued%s\n", res.sent, res.refused, res.queued,
               res.deferred ? " (waiting for the backoff)" : "");
    if (print && d->o->json)
        printf("{\"sent\":%u,\"refused\":%u,\"queued\":%u,\"deferred\":%s,\"next_try\":%lld,"
               "\"last_status\":%ld}\n",
               res.sent, res.refused, res.queued, res.deferred ? "true" : "false",
               (long long) res.next_try, res.last_status);
    return rc;
}

/* ---- agent.json: the last check, for status ---------------------------------------------------- */

/* STATE_DIR/name, malloc'd (NULL: out of memory) */
static char *
state_path(const agent_opts *o, const char *name)
{
    const char *dir = agent_str(o, S_STATE_DIR);
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void
save_check(agent_dev *d, const char *result, const char *floor)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return;
    json_t *j = json_pack("{s:s, s:s, s:s}", "last_check", when, "result", result, "floor",
                          floor != NULL ? floor : "");
    char *text = j != NULL ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    char *path = state_path(d->o, AGENT_STATE);
    if (text != NULL && path != NULL &&
        ota_atomic_replace_path(path, text, strlen(text), 0644) != OTA_OK)
        fprintf(stderr, "ota-client: warning: %s: cannot write\n", path);
    free(path);
    free(text);
}

static json_t *
load_check(const agent_opts *o)
{
    char *path = state_path(o, AGENT_STATE);
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_err rc = path != NULL ? ota_file_read(path, 64 * 1024, &buf, &len) : OTA_E_NOMEM;
    free(path);
    if (rc != OTA_OK)
        return NULL;
    json_t *j = json_loadb((const char *) buf, len, 0, NULL);
    free(buf);
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* ---- steps ------------------------------------------------------------------------------------ */

int
dev_boot_check(agent_dev *d, bool quiet)
{
    ota_install_status b = {.size = sizeof b};
    if (ota_installer_status(d->in, &b) != OTA_OK)
        b.state = OTA_STATE_IDLE;
    bool in_flight = b.state == OTA_STATE_INSTALLED || b.state == OTA_STATE_PENDING;
    ota_err rc = ota_installer_boot(d->in);
    if (rc != OTA_OK)
        return inst_fail(d->in, rc);
    if (ota_installer_status(d->in, &b) != OTA_OK)
        return EX_FAIL;
    if (in_flight && b.state == OTA_STATE_FELL_BACK) {
        char why[512];
        snprintf(why, sizeof why, "the bootloader went back from %.128s: %.256s",
                 b.target_version, b.last_error);
        dev_report(d, OTA_OUTCOME_ROLLBACK, "fell-back", b.installed_version, b.installed_version,
                   b.target_version, why);
    }
    if (!quiet)
        printf("boot-check: state %s%s%s (slot %s booted)\n", ota_install_state_name(b.state),
               b.target_version[0] ? ", version " : "", b.target_version,
               b.booted[0] ? b.booted : "?");
    return EX_OK;
}

typedef struct check_ctx {
    agent_dev *d;
    json_t *list;
    unsigned n, nothers;
    ota_verdict best_reason; /* the most telling reason nothing is eligible */
    char reason_version[129];
} check_ctx;

static void
on_release(void *user, const ota_release_info *r)
{
    check_ctx *x = user;
    if (r->verdict == OTA_VERDICT_PRODUCT) {
        x->nothers++;
        return;
    }
    x->n++;
    /* the reason shown for "nothing to install": the check that came latest
     * in the order (the release that got furthest) */
    if (r->verdict != OTA_VERDICT_ELIGIBLE && r->verdict > x->best_reason) {
        x->best_reason = r->verdict;
        snprintf(x->reason_version, sizeof x->reason_version, "%s", r->version);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:b}", "path", r->target->path, "version",
                          r->version, "verdict", ota_verdict_name(r->verdict), "channels",
                          r->channels, "rollout", (int) r->rollout, "bucket", (int) r->bucket,
                          "downgrade", r->downgrade);
    if (o != NULL)
        json_array_append_new(x->list, o);
}

static const char *
reason_text(ota_verdict v)
{
    switch (v) {
    case OTA_VERDICT_NOT_NEWER: return "up to date";
    case OTA_VERDICT_ROLLOUT: return "outside the staged rollout of";
    case OTA_VERDICT_BAD: return "marked bad on this device:";
    case OTA_VERDICT_FLOOR: return "below the signed floor:";
    case OTA_VERDICT_CHANNEL: return "not on this device's channel:";
    case OTA_VERDICT_HARDWARE: return "not for this hardware:";
    case OTA_VERDICT_INVALID: return "release policy unreadable:";
    default: return "no release for this product";
    }
}

/* (out of line: their path buffers stay off the frames of dev_check and
 * dev_install, which hold several status structures) */
__attribute__((noinline)) static void
print_release(const json_t *r)
{
    char sp[1024];
    printf("  %-10s %-12s %s (channels %s, rollout %lld%%, bucket %lld)\n",
           json_string_value(json_object_get(r, "verdict")),
           json_string_value(json_object_get(r, "version")),
           shown(json_string_value(json_object_get(r, "path")), sp, sizeof sp),
           json_string_value(json_object_get(r, "channels")),
           (long long) json_integer_value(json_object_get(r, "rollout")),
           (long long) json_integer_value(json_object_get(r, "bucket")));
}

__attribute__((noinline)) static void
print_installed(const char *path, const ota_install_status *st)
{
    char sp[1024];
    printf("installed %s %s into slot %s; reboot to start it, then 'ota-client confirm'\n",
           shown(path, sp, sizeof sp), st->target_version, st->target_slot);
}

int
dev_check(agent_dev *d, bool print, ota_target_info *chosen, bool *found)
{
    agent_opts *o = d->o;
    *found = false;
    if (d->device_id[0] == '\0')
        return die(EX_USAGE, "no device id: set device_id (--device-id) or provide %s",
                   DEFAULT_MACHINE_ID);
    int ex = do_refresh(d->net.c);
    if (ex != EX_OK) {
        save_check(d, "error: refresh failed", NULL);
        return ex;
    }
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(d->in, &st) != OTA_OK)
        return die(EX_FAIL, "install state unreadable");
    ota_device dev = OTA_DEVICE_INIT;
    dev.device_id = d->device_id;
    dev.product = agent_str(o, S_PRODUCT);
    dev.channel = agent_str(o, S_CHANNEL);
    check_ctx x = {.d = d, .list = json_array(), .best_reason = OTA_VERDICT_ELIGIBLE};
    if (x.list == NULL)
        return die(EX_FAIL, "out of memory");
    ota_err rc = ota_installer_choose(d->in, d->net.c, &dev, on_release, &x, chosen, found);
    if (rc != OTA_OK) {
        json_decref(x.list);
        save_check(d, "error: cannot choose", NULL);
        return inst_fail(d->in, rc);
    }
    const char *product = dev.product != NULL ? dev.product : st.installed_name;
    char floor[129] = "";
    if (ota_client_floor(d->net.c, product, floor, sizeof floor) != OTA_OK)
        floor[0] = '\0';
    bool retired = floor[0] != '\0' && st.installed_version[0] != '\0' &&
                   ota_semver_cmp(st.installed_version, floor) < 0;
    char chosen_version[129] = "", summary[400];
    if (*found) {
        json_t *ch = json_loads(chosen->custom_json != NULL ? chosen->custom_json : "{}", 0, NULL);
        const char *v = json_string_value(json_object_get(json_object_get(ch, "ota_bundle"),
                                                          "version"));
        snprintf(chosen_version, sizeof chosen_version, "%s", v != NULL ? v : "?");
        json_decref(ch);
        char sp[300];
        snprintf(summary, sizeof summary, "available: %s (%s)", chosen_version,
                 shown(chosen->path, sp, sizeof sp));
    } else if (x.n == 0) {
        snprintf(summary, sizeof summary, "nothing to install: no release of %s (%u of other "
                 "products)", product, x.nothers);
    } else if (x.best_reason == OTA_VERDICT_NOT_NEWER) {
        snprintf(summary, sizeof summary, "nothing to install: up to date (%s)",
                 st.installed_version[0] ? st.installed_version : "?");
    } else {
        snprintf(summary, sizeof summary, "nothing to install: %s %s",
                 reason_text(x.best_reason), x.reason_version);
    }
    save_check(d, summary, floor);
    /* what installing it downloads: `check` only (update installs at once,
     * the daemon does not print), as it reads the active image slots */
    ota_install_plan plan = {.size = sizeof plan};
    bool planned = false;
    if (print && *found && strcmp(o->cmd, "check") == 0) {
        ota_err prc = ota_installer_plan(d->in, d->net.c, chosen, &plan);
        planned = prc == OTA_OK;
        if (!planned)
            fprintf(stderr, "ota-client: warning: download size unknown: %s (%s)\n",
                    ota_installer_errmsg(d->in), ota_err_name(prc));
        else if (plan.delta_note[0] != '\0')
            fprintf(stderr, "ota-client: note: %s\n", plan.delta_note);
    }
    if (print && o->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:s}", "device_id",
                              d->device_id, "product", product, "channel",
                              dev.channel != NULL ? dev.channel : "stable", "installed_version",
                              st.installed_version, "hardware_id", st.hardware_id, "releases",
                              x.list, "summary", summary, "retired", retired, "floor", floor);
        x.list = NULL;
        if (j != NULL && *found) {
            json_t *dl = planned ? json_pack("{s:I, s:I, s:i, s:i, s:b}", "bytes",
                                             (json_int_t) plan.download, "bundle",
                                             (json_int_t) plan.bundle_length, "chunks",
                                             (int) plan.chunks, "local_chunks",
                                             (int) plan.local_chunks, "delta", o->delta)
                                 : json_null();
            json_object_set_new(j, "chosen", json_pack("{s:s, s:s, s:o}", "path", chosen->path,
                                                       "version", chosen_version, "download",
                                                       dl));
        } else if (j != NULL) {
            json_object_set_new(j, "chosen", json_null());
            json_object_set_new(j, "reason", json_string(*found || x.n == 0
                                                              ? "no-release"
                                                              : ota_verdict_name(x.best_reason)));
        }
        char *s = j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        if (s != NULL)
            printf("%s\n", s);
        free(s);
    } else if (print) {
        printf("device %s (%s, channel %s), installed %s%s\n", d->device_id, st.hardware_id,
               dev.channel != NULL ? dev.channel : "stable",
               st.installed_version[0] ? st.installed_version : "(unknown)",
               retired ? " — RETIRED by the signed floor" : "");
        size_t i;
        json_t *r;
        json_array_foreach(x.list, i, r)
        {
            print_release(r);
        }
        printf("%s\n", summary);
        if (planned)
            printf("download: %llu of %llu bytes (%.1f%%); %u of %u chunks from the active "
                   "slot%s\n",
                   (unsigned long long) plan.download, (unsigned long long) plan.bundle_length,
                   plan.bundle_length
                       ? 100.0 * (double) plan.download / (double) plan.bundle_length
                       : 0.0,
                   plan.local_chunks, plan.chunks, o->delta ? "" : " (delta = no)");
    }
    json_decref(x.list);
    return EX_OK;
}

int
dev_install(agent_dev *d, const ota_target_info *t)
{
    ota_install_status before = {.size = sizeof before};
    if (ota_installer_status(d->in, &before) != OTA_OK)
        before.installed_version[0] = '\0';
    dev_catch_signals(d->in);
    d->prog.start = now_s();
    ota_err rc = ota_installer_install(d->in, d->net.c, t);
    g_installer = NULL;
    char why[400];
    snprintf(why, sizeof why, "%s: %s", ota_err_name(rc), ota_installer_errmsg(d->in));
    int ex = rc != OTA_OK ? inst_fail(d->in, rc) : EX_OK; /* before status clears the message */
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(d->in, &st) != OTA_OK)
        st.target_version[0] = '\0';
    if (rc != OTA_OK) {
        /* a break the next run resumes is not a failed attempt, and neither
         * is a refusal before the first byte (hardware, not newer, marked
         * bad or below the floor, busy): nothing was tried */
        if (rc != OTA_E_NETWORK && rc != OTA_E_CANCELED && rc != OTA_E_STATE &&
            rc != OTA_E_HARDWARE && rc != OTA_E_ROLLBACK && rc != OTA_E_BAD_VERSION) {
            dev_report(d, OTA_OUTCOME_FAILURE, "install-failed", before.installed_version, NULL,
                       st.target_version, why);
        }
        return ex;
    }
    dev_report_dl(d, OTA_OUTCOME_NONE, "installed", before.installed_version, NULL,
                  st.target_version, NULL, st.fetched, st.bundle_length);
    if (st.delta_note[0] != '\0')
        fprintf(stderr, "ota-client: note: %s\n", st.delta_note);
    if (d->o->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:{s:I, s:I, s:i}}", "result", "installed",
                              "path", t->path, "version", st.target_version, "slot",
                              st.target_slot, "download", "fetched", (json_int_t) st.fetched,
                              "bundle", (json_int_t) st.bundle_length, "local_chunks",
                              (int) st.local_chunks);
        char *text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        if (text != NULL)
            printf("%s\n", text);
        free(text);
    } else {
        print_installed(t->path, &st);
        printf("downloaded %llu of %llu bytes (%.1f%%), %u chunks from the active slot\n",
               (unsigned long long) st.fetched, (unsigned long long) st.bundle_length,
               st.bundle_length ? 100.0 * (double) st.fetched / (double) st.bundle_length : 0.0,
               st.local_chunks);
    }
    return EX_OK;
}

__attribute__((noinline)) static int
dev_confirm(agent_dev *d)
{
    ota_install_status a = {.size = sizeof a};
    if (ota_installer_status(d->in, &a) != OTA_OK)
        return EX_FAIL;
    ota_err rc = ota_installer_confirm(d->in);
    if (rc != OTA_OK)
        return inst_fail(d->in, rc);
    if (a.state == OTA_STATE_PENDING)
        dev_report(d, OTA_OUTCOME_SUCCESS, "committed", a.target_version, a.installed_version,
                   a.target_version, NULL);
    printf("confirm: %s %s is good\n", a.state == OTA_STATE_PENDING ? "version" : "running slot",
           a.state == OTA_STATE_PENDING ? a.target_version : a.booted);
    return EX_OK;
}

__attribute__((noinline)) static int
dev_rollback(agent_dev *d, const char *reason, const char *event)
{
    ota_install_status a = {.size = sizeof a};
    if (ota_installer_status(d->in, &a) != OTA_OK)
        return EX_FAIL;
    ota_err rc = ota_installer_rollback(d->in, reason);
    if (rc != OTA_OK)
        return inst_fail(d->in, rc);
    char why[400];
    snprintf(why, sizeof why, "%s", reason != NULL ? reason : "rolled back on request");
    dev_report(d, OTA_OUTCOME_ROLLBACK, event, a.installed_version, a.installed_version,
               a.target_version, why);
    ota_install_status b = {.size = sizeof b};
    if (ota_installer_status(d->in, &b) != OTA_OK)
        b.primary[0] = '\0';
    printf("rollback: version %s marked bad; slot %s is primary again%s\n", a.target_version,
           b.primary[0] ? b.primary : "?",
           a.state == OTA_STATE_PENDING ? " (reboot to start it)" : "");
    return EX_OK;
}

/* A new version runs unconfirmed: health check, then confirm or go back. */
int
dev_after_boot(agent_dev *d)
{
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(d->in, &st) != OTA_OK || st.state != OTA_STATE_PENDING)
        return EX_OK;
    const char *hc = agent_str(d->o, S_HEALTH_CHECK);
    if (hc != NULL) {
        int status = -1;
        ota_err rc = ota_installer_run_command(d->in, hc, (unsigned) d->o->num[S_HEALTH_TIMEOUT],
                                               &status);
        if (rc != OTA_OK || status != 0) {
            char why[400];
            snprintf(why, sizeof why, "health check failed: %s",
                     rc != OTA_OK || ota_installer_errmsg(d->in)[0]
                         ? ota_installer_errmsg(d->in)
                         : "non-zero exit");
            fprintf(stderr, "ota-client: %s %s; going back\n", st.target_version, why);
            int ex = dev_rollback(d, why, "health-failed");
            if (ex != EX_OK)
                return ex;
            dev_send_reports(d, false, false);
            const char *rb = agent_str(d->o, S_REBOOT_COMMAND);
            if (rb != NULL) {
                int rs = -1;
                if (ota_installer_run_command(d->in, rb, 600, &rs) != OTA_OK || rs != 0)
                    fprintf(stderr, "ota-client: reboot_command: %s\n",
                            ota_installer_errmsg(d->in));
            } else {
                fprintf(stderr, "ota-client: reboot to go back to the previous version\n");
            }
            return EX_OK;
        }
        printf("health check passed for %s\n", st.target_version);
    }
    return dev_confirm(d);
}

__attribute__((noinline)) static int
cmd_status(agent_dev *d)
{
    ota_err rc = ota_installer_boot(d->in);
    if (rc != OTA_OK)
        fprintf(stderr, "ota-client: warning: %s\n", ota_installer_errmsg(d->in));
    ota_install_status st = {.size = sizeof st};
    if ((rc = ota_installer_status(d->in, &st)) != OTA_OK)
        return inst_fail(d->in, rc);
    json_t *last = load_check(d->o);
    size_t queued = d->rep != NULL ? ota_reporter_queued(d->rep) : 0;
    const char *ch = agent_str(d->o, S_CHANNEL);
    const char *product = agent_str(d->o, S_PRODUCT);
    if (product == NULL)
        product = st.installed_name;
    const char *floor = json_string_value(json_object_get(last, "floor"));
    bool retired = floor != NULL && floor[0] != '\0' && st.installed_version[0] != '\0' &&
                   ota_semver_cmp(st.installed_version, floor) < 0;
    if (d->o->json) {
        char *text = NULL;
        if ((rc = ota_installer_state_json(d->in, &text)) != OTA_OK) {
            json_decref(last);
            return inst_fail(d->in, rc);
        }
        json_t *j = json_loads(text, 0, NULL);
        free(text);
        if (j == NULL) {
            json_decref(last);
            return die(EX_FAIL, "install state is not JSON");
        }
        json_object_set_new(j, "booted_slot", json_string(st.booted));
        json_object_set_new(j, "primary_slot", json_string(st.primary));
        json_object_set_new(j, "device_id", json_string(d->device_id));
        json_object_set_new(j, "hardware_id", json_string(st.hardware_id));
        json_object_set_new(j, "product", json_string(product));
        json_object_set_new(j, "channel", json_string(ch != NULL ? ch : "stable"));
        json_object_set_new(j, "reports_queued", json_integer((json_int_t) queued));
        json_object_set_new(j, "retired", json_boolean(retired));
        json_object_set_new(j, "last_check", last != NULL ? json_incref(last) : json_null());
        char *out = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        json_decref(last);
        if (out == NULL)
            return die(EX_FAIL, "out of memory");
        printf("%s\n", out);
        free(out);
        return EX_OK;
    }
    printf("device:     %s (%s), product %s, channel %s\n",
           d->device_id[0] ? d->device_id : "(no id)", st.hardware_id,
           product[0] ? product : "(unknown)", ch != NULL ? ch : "stable");
    printf("state:      %s\n", ota_install_state_name(st.state));
    printf("booted:     %s\n", st.booted[0] ? st.booted : "(unknown)");
    printf("primary:    %s\n", st.primary[0] ? st.primary : "(unknown)");
    printf("installed:  %s%s\n", st.installed_version[0] ? st.installed_version : "(unknown)",
           retired ? " — RETIRED by the signed floor: update now" : "");
    if (st.target_version[0])
        printf("update:     %s -> slot %s%s\n", st.target_version, st.target_slot,
               st.state == OTA_STATE_DOWNLOADING ? " (interrupted: update resumes it)" : "");
    if (st.resume_offset > 0)
        printf("resume at:  %llu bytes\n", (unsigned long long) st.resume_offset);
    printf("marked bad: %zu version(s)\n", st.nbad);
    if (st.last_error[0])
        printf("last error: %s\n", st.last_error);
    if (last != NULL)
        printf("last check: %s: %s\n", json_string_value(json_object_get(last, "last_check")),
               json_string_value(json_object_get(last, "result")));
    printf("reports:    %zu queued%s\n", queued, d->rep == NULL ? " (reports off)" : "");
    json_decref(last);
    return EX_OK;
}

__attribute__((noinline)) static int
cmd_install(agent_dev *d, const char *target)
{
    int ex = do_refresh(d->net.c);
    if (ex != EX_OK)
        return ex;
    ota_target_info t = OTA_TARGET_INFO_INIT;
    ota_err rc = ota_client_get_target(d->net.c, target, &t);
    if (rc != OTA_OK)
        return lib_fail(d->net.c, rc);
    return dev_install(d, &t);
}

__attribute__((noinline)) static int
cmd_update(agent_dev *d)
{
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_boot(d->in) != OTA_OK || ota_installer_status(d->in, &st) != OTA_OK)
        return inst_fail(d->in, OTA_E_BOOT);
    if (st.state == OTA_STATE_INSTALLED || st.state == OTA_STATE_PENDING)
        return die(EX_BUSY, "version %s is %s: %s first", st.target_version,
                   st.state == OTA_STATE_INSTALLED ? "installed and waits for a reboot"
                                                   : "running and not yet confirmed",
                   st.state == OTA_STATE_INSTALLED ? "reboot" : "confirm or roll back");
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found = false;
    int ex = dev_check(d, !d->o->json, &t, &found);
    if (ex != EX_OK || !found) {
        if (ex == EX_OK && d->o->json)
            printf("{\"result\":\"up-to-date\"}\n");
        dev_send_reports(d, false, false);
        return ex;
    }
    ex = dev_install(d, &t);
    dev_send_reports(d, false, false);
    return ex;
}

int
cmd_device(agent_opts *o)
{
    const char *cmd = o->cmd;
    bool net = strcmp(cmd, "check") == 0 || strcmp(cmd, "update") == 0 ||
               strcmp(cmd, "install") == 0 || strcmp(cmd, "daemon") == 0;
    agent_dev d;
    int ex = dev_open(o, &d, net);
    if (ex != EX_OK) {
        dev_close(&d);
        return ex;
    }
    if (strcmp(cmd, "install") == 0 && agent_str(o, S_TARGET_BASE_URL) == NULL)
        ex = die(EX_USAGE, "install needs target_base_url (--target-base-url)");
    else if (strcmp(cmd, "status") == 0)
        ex = cmd_status(&d);
    else if (strcmp(cmd, "boot-check") == 0)
        ex = dev_boot_check(&d, false);
    else if (strcmp(cmd, "confirm") == 0)
        ex = dev_confirm(&d);
    else if (strcmp(cmd, "rollback") == 0)
        ex = dev_rollback(&d, o->reason, "rolled-back");
    else if (strcmp(cmd, "install") == 0) {
        ex = cmd_install(&d, o->args[0]);
    } else if (strcmp(cmd, "check") == 0) {
        ota_target_info t = OTA_TARGET_INFO_INIT;
        bool found;
        ex = dev_check(&d, true, &t, &found);
    } else if (strcmp(cmd, "update") == 0) {
        ex = cmd_update(&d);
    } else if (strcmp(cmd, "report") == 0) {
        if (d.rep == NULL) {
            ex = die(EX_USAGE, "reports are off: %s", d.device_id[0] ? "report_url is none"
                                                                      : "no device id");
        } else {
            ota_install_status st = {.size = sizeof st};
            if (ota_installer_status(d.in, &st) != OTA_OK)
                st.installed_version[0] = '\0';
            dev_report(&d, OTA_OUTCOME_NONE, "check-in", st.installed_version, NULL, NULL, NULL);
            ota_err rc = dev_send_reports(&d, true, true);
            ex = rc == OTA_OK ? EX_OK : rc == OTA_E_UNSUPPORTED ? EX_USAGE : exit_code(rc);
        }
    } else {
        ex = cmd_daemon(&d);
    }
    /* confirm, rollback, boot-check and install queued a report: try it now */
    if (strcmp(cmd, "report") != 0 && strcmp(cmd, "status") != 0 && strcmp(cmd, "daemon") != 0 &&
        strcmp(cmd, "update") != 0)
        dev_send_reports(&d, false, false);
    dev_close(&d);
    return ex;
}
