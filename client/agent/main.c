/*
 * ota-client — the device agent (part 1: TUF metadata and target files).
 *
 *   ota-client init --root FILE [--force]
 *   ota-client refresh
 *   ota-client list [--json]
 *   ota-client fetch TARGET... -o DIR
 *
 * Thin on purpose: every decision is libotaclient's.  This file parses
 * options and the config file, maps ota_err to the documented exit codes,
 * and prints one line on stderr per failure.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ota/client.h"
#include "ota/install.h"
#include "ota/transport.h"
#include "ota_util.h"

/* Exit codes (documented in --help and docs/ota-client.md). */
enum {
    EX_OK = 0,
    EX_FAIL = 1,     /* anything else: I/O, out of memory */
    EX_USAGE = 2,    /* bad command line or config file */
    EX_NETWORK = 3,  /* repository unreachable, timeout, too slow, HTTP error */
    EX_VERIFY = 4,   /* verification failed: a security event */
    EX_EXPIRED = 5,  /* metadata expired: freeze attack or stale repository */
    EX_NOTFOUND = 6, /* target not in the trusted metadata */
    EX_NOINIT = 7,   /* no usable trusted root: run init */
    EX_HARDWARE = 8, /* install: the bundle is not for this hardware */
    EX_NOTNEWER = 9, /* install: not newer than the installed version */
    EX_MARKEDBAD = 10, /* install: the version failed here before */
    EX_HOOK = 11,    /* install: a hook failed or timed out */
    EX_BUSY = 12,    /* an update waits for reboot / confirm; nothing to confirm */
    EX_BOOT = 13,    /* bootloader environment unreadable or not written */
    EX_CANCELED = 14, /* interrupted (signal); the next install resumes */
    EX_NOSPACE = 15, /* no space left in the slot or state dir */
};

#define DEFAULT_SYSTEM_CONF "/etc/ota/system.conf"

#define DEFAULT_STATE_DIR "/var/lib/ota-client"

static const char usage_text[] =
    "usage: ota-client [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Secure over-the-air update agent: TUF 1.0 client.\n"
    "\n"
    "Commands:\n"
    "  init --root FILE [--force]  trust FILE as the root metadata (no network);\n"
    "                              --force replaces an existing trusted root and\n"
    "                              drops all trusted metadata\n"
    "  refresh                     update the trusted metadata from the repository\n"
    "  list [--json]               refresh, then list the trusted targets with their\n"
    "                              custom fields\n"
    "  fetch TARGET... -o DIR      refresh, then download each TARGET into DIR, verified\n"
    "                              by length and hashes before it appears there\n"
    "  install TARGET              refresh, then stream the bundle TARGET into the\n"
    "                              inactive slot (every chunk verified before it is\n"
    "                              written) and make that slot primary; an interrupted\n"
    "                              install of the same TARGET resumes where it stopped\n"
    "  status [--json]             booted and primary slot, install state, versions\n"
    "  confirm                     mark the running new slot good (commit)\n"
    "  rollback [--reason TEXT]    give up the update in flight: old slot primary again,\n"
    "                              its version marked bad on this device\n"
    "  boot-check                  after a boot: notice a new slot booted (pending) or\n"
    "                              a bootloader fallback (version marked bad)\n"
    "\n"
    "Options (any command):\n"
    "  --metadata-dir DIR      trusted metadata (default STATE_DIR/metadata)\n"
    "  --state-dir DIR         default " DEFAULT_STATE_DIR "\n"
    "  --metadata-url URL      where the repository's metadata is served\n"
    "  --target-base-url URL   where target files are served (default: the\n"
    "                          sibling 'targets/' of a metadata URL ending in\n"
    "                          'metadata/')\n"
    "  --config FILE           'key = value' lines: metadata_dir, state_dir,\n"
    "                          metadata_url, target_base_url, connect_timeout,\n"
    "                          timeout, low_speed_limit, low_speed_time, ca_path,\n"
    "                          ca_file, max_timestamp_size, max_root_size\n"
    "                          (command-line options win)\n"
    "  --connect-timeout SECS  (default 10)\n"
    "  --timeout SECS          whole-request cap (default none: stalls are caught\n"
    "                          by the speed floor below)\n"
    "  --low-speed-limit B     abort below B bytes/s ... (default 1024)\n"
    "  --low-speed-time SECS   ... sustained this long (default 30)\n"
    "  --ca-path DIR, --ca-file FILE   TLS trust anchors (verification is always on)\n"
    "  --system-conf FILE      slots and bootloader (default " DEFAULT_SYSTEM_CONF ")\n"
    "  --hardware-id ID        this device's hardware id (default: system.conf\n"
    "                          'compatible')\n"
    "  --hook-timeout SECS     longest an install hook may run (default 300)\n"
    "  --checkpoint KIB        install journal interval in KiB (default 8192): less\n"
    "                          to download again after a power cut, more fsyncs\n"
    "  -h, --help, --version\n"
    "\n"
    "Exit codes:\n"
    "  0  success\n"
    "  1  other failure (I/O, out of memory)\n"
    "  2  usage: bad command line or config file\n"
    "  3  network: repository unreachable, timeout, too slow, HTTP error\n"
    "  4  verification failed (security event): bad signature, hash or length,\n"
    "     rollback, wrong version, mix-and-match, malformed or oversized metadata\n"
    "  5  expired metadata (freeze attack, or the repository is stale)\n"
    "  6  not found: target not in the trusted metadata\n"
    "  7  not initialised: no usable trusted root (run 'ota-client init')\n"
    "  8  install: the bundle is not for this device's hardware\n"
    "  9  install: not newer than the installed version (anti-rollback)\n"
    " 10  install: this version failed on this device before (marked bad)\n"
    " 11  install: a pre- or post-install hook failed or timed out\n"
    " 12  an update waits for a reboot or confirmation; or nothing to confirm\n"
    " 13  bootloader environment could not be read or written\n"
    " 14  interrupted; the next install of the same target resumes\n"
    " 15  no space left in the slot or the state directory\n";

typedef struct opts {
    char *metadata_dir, *state_dir, *metadata_url, *target_base_url, *config;
    char *ca_path, *ca_file, *root_file, *out_dir;
    char *system_conf, *hardware_id, *reason;
    long hook_timeout, checkpoint_kib;
    long connect_timeout, timeout, low_speed_limit, low_speed_time;
    unsigned long long max_timestamp, max_root;
    bool force, json;
} opts;

static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
die(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("ota-client: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static int
exit_code(ota_err rc)
{
    switch (rc) {
    case OTA_OK: return EX_OK;
    case OTA_E_ARG: return EX_USAGE;
    case OTA_E_NETWORK: return EX_NETWORK;
    case OTA_E_EXPIRED: return EX_EXPIRED;
    case OTA_E_NOT_FOUND: return EX_NOTFOUND;
    case OTA_E_JSON:
    case OTA_E_FORMAT:
    case OTA_E_LIMIT:
    case OTA_E_TYPE:
    case OTA_E_SPEC_VERSION:
    case OTA_E_SIGNATURE:
    case OTA_E_ROLLBACK:
    case OTA_E_VERSION:
    case OTA_E_HASH:
    case OTA_E_LENGTH:
    case OTA_E_KEY:
    case OTA_E_UNSUPPORTED:
    case OTA_E_THRESHOLD: return EX_VERIFY;
    case OTA_E_NOMEM:
    case OTA_E_CRYPTO:
    case OTA_E_IO:
    case OTA_E_PASSPHRASE:
    case OTA_E_EXISTS: return EX_FAIL;
    case OTA_E_UNSAFE: return EX_VERIFY;
    case OTA_E_HARDWARE: return EX_HARDWARE;
    case OTA_E_BAD_VERSION: return EX_MARKEDBAD;
    case OTA_E_HOOK:
    case OTA_E_TIMEOUT: return EX_HOOK;
    case OTA_E_STATE: return EX_BUSY;
    case OTA_E_BOOT: return EX_BOOT;
    case OTA_E_CANCELED: return EX_CANCELED;
    case OTA_E_NOSPACE: return EX_NOSPACE;
    default: break; /* values appended by other modules: generic failure until listed */
    }
    return EX_FAIL;
}

static int
lib_fail(ota_client *c, ota_err rc, int code)
{
    const char *msg = ota_client_errmsg(c);
    fprintf(stderr, "ota-client: %s (%s)\n", msg[0] ? msg : ota_strerror(rc), ota_err_name(rc));
    return code;
}

static bool
set_str(char **dst, const char *v)
{
    char *d = strdup(v);
    if (d == NULL)
        return false;
    free(*dst);
    *dst = d;
    return true;
}

static bool
parse_num(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 1000000000L)
        return false;
    *out = v;
    return true;
}

static bool
parse_size(const char *s, unsigned long long *out)
{
    long v;
    if (!parse_num(s, &v) || v == 0)
        return false;
    *out = (unsigned long long) v;
    return true;
}

static char *
trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Apply one config key unless the command line already set it (set[]). */
static int
config_key(opts *o, const opts *cli, const char *k, const char *v, const char *file, int line)
{
#define STR_KEY(name, field)                                                                       \
    if (strcmp(k, name) == 0) {                                                                    \
        if (cli->field == NULL && !set_str(&o->field, v))                                          \
            return die(EX_FAIL, "%s:%d: out of memory", file, line);                                \
        return EX_OK;                                                                              \
    }
#define NUM_KEY(name, field)                                                                       \
    if (strcmp(k, name) == 0) {                                                                    \
        long n;                                                                                    \
        if (!parse_num(v, &n))                                                                     \
            return die(EX_USAGE, "%s:%d: %s: not a number", file, line, name);                            \
        if (cli->field < 0)                                                                        \
            o->field = n;                                                                          \
        return EX_OK;                                                                              \
    }
#define SIZE_KEY(name, field)                                                                      \
    if (strcmp(k, name) == 0) {                                                                    \
        unsigned long long n;                                                                      \
        if (!parse_size(v, &n))                                                                    \
            return die(EX_USAGE, "%s:%d: %s: not a positive number", file, line, name);                   \
        if (cli->field == 0)                                                                       \
            o->field = n;                                                                          \
        return EX_OK;                                                                              \
    }
    STR_KEY("metadata_dir", metadata_dir)
    STR_KEY("state_dir", state_dir)
    STR_KEY("metadata_url", metadata_url)
    STR_KEY("target_base_url", target_base_url)
    STR_KEY("ca_path", ca_path)
    STR_KEY("ca_file", ca_file)
    STR_KEY("system_conf", system_conf)
    STR_KEY("hardware_id", hardware_id)
    NUM_KEY("connect_timeout", connect_timeout)
    NUM_KEY("timeout", timeout)
    NUM_KEY("low_speed_limit", low_speed_limit)
    NUM_KEY("low_speed_time", low_speed_time)
    NUM_KEY("hook_timeout", hook_timeout)
    NUM_KEY("checkpoint_kib", checkpoint_kib)
    SIZE_KEY("max_timestamp_size", max_timestamp)
    SIZE_KEY("max_root_size", max_root)
#undef STR_KEY
#undef NUM_KEY
#undef SIZE_KEY
    return die(EX_USAGE, "%s:%d: unknown key '%s'", file, line, k);
}

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
read_config(opts *o, const opts *cli, const char *file)
{
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return die(EX_USAGE, "%s: %s", file, strerror(errno));
    char line[2048];
    int n = 0, rc = EX_OK;
    while (rc == EX_OK && fgets(line, sizeof line, f) != NULL) {
        n++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            rc = die(EX_USAGE, "%s:%d: expected 'key = value'", file, n);
            break;
        }
        *eq = '\0';
        rc = config_key(o, cli, trim(s), trim(eq + 1), file, n);
    }
    fclose(f);
    return rc;
}

/* Defaults that depend on other settings. */
static int
resolve(opts *o)
{
    if (o->metadata_dir == NULL) {
        const char *st = o->state_dir != NULL ? o->state_dir : DEFAULT_STATE_DIR;
        size_t n = strlen(st) + sizeof "/metadata";
        o->metadata_dir = malloc(n);
        if (o->metadata_dir == NULL)
            return EX_FAIL;
        snprintf(o->metadata_dir, n, "%s/metadata", st);
    }
    if (o->target_base_url == NULL && o->metadata_url != NULL) {
        /* http://host/repo/metadata[/] -> http://host/repo/targets/ */
        size_t n = strlen(o->metadata_url);
        while (n > 0 && o->metadata_url[n - 1] == '/')
            n--;
        if (n >= 8 && strncmp(o->metadata_url + n - 8, "metadata", 8) == 0) {
            o->target_base_url = malloc(n + 2);
            if (o->target_base_url == NULL)
                return EX_FAIL;
            memcpy(o->target_base_url, o->metadata_url, n - 8);
            memcpy(o->target_base_url + n - 8, "targets/", 9);
        }
    }
    return EX_OK;
}

static void
opts_free(opts *o)
{
    free(o->metadata_dir);
    free(o->state_dir);
    free(o->metadata_url);
    free(o->target_base_url);
    free(o->config);
    free(o->ca_path);
    free(o->ca_file);
    free(o->root_file);
    free(o->out_dir);
    free(o->system_conf);
    free(o->hardware_id);
    free(o->reason);
}

/* ---- commands --------------------------------------------------------------- */

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
cmd_init(ota_client *c, const opts *o)
{
    if (o->root_file == NULL)
        return die(EX_USAGE, "init needs --root FILE");
    size_t len = 0;
    uint8_t *buf = NULL;
    if (ota_file_read(o->root_file, 4u * 1024u * 1024u, &buf, &len) != OTA_OK)
        return die(EX_USAGE, "%s: cannot read (missing or too big)", o->root_file);
    ota_err rc = ota_client_init_root(c, buf, len, o->force);
    free(buf);
    if (rc != OTA_OK)
        return lib_fail(c, rc, exit_code(rc));
    printf("trusted root installed in %s\n", o->metadata_dir);
    return EX_OK;
}

static int
do_refresh(ota_client *c)
{
    ota_err rc = ota_client_refresh(c);
    if (rc == OTA_E_NOT_FOUND)
        return lib_fail(c, rc, EX_NOINIT);
    if (rc != OTA_OK)
        return lib_fail(c, rc, exit_code(rc));
    return EX_OK;
}

static int
cmd_refresh(ota_client *c)
{
    int ex = do_refresh(c);
    if (ex != EX_OK)
        return ex;
    const char *roles[] = {"root", "timestamp", "snapshot", "targets"};
    for (size_t i = 0; i < 4; i++) {
        int64_t v = 0;
        if (ota_client_role_version(c, roles[i], &v) == OTA_OK)
            printf("%s%s v%lld", i ? ", " : "", roles[i], (long long) v);
    }
    printf("\n");
    return EX_OK;
}

static ota_err
list_text(void *user, const ota_target_info *t)
{
    (void) user;
    printf("%s\t%llu\t%s\t%s\n", t->path, (unsigned long long) t->length, t->role,
           t->custom_json != NULL ? t->custom_json : "-");
    return OTA_OK;
}

static ota_err
list_json(void *user, const ota_target_info *t)
{
    json_t *arr = user;
    char h256[2 * 32 + 1], h512[2 * 64 + 1];
    json_t *hashes = json_object();
    json_t *o = json_object();
    ota_err rc = OTA_E_NOMEM;
    if (hashes == NULL || o == NULL)
        goto out;
    if (t->has_sha256) {
        ota_hex_encode(t->sha256, 32, h256);
        if (json_object_set_new(hashes, "sha256", json_string(h256)) != 0)
            goto out;
    }
    if (t->has_sha512) {
        ota_hex_encode(t->sha512, 64, h512);
        if (json_object_set_new(hashes, "sha512", json_string(h512)) != 0)
            goto out;
    }
    json_t *custom = t->custom_json != NULL ? json_loads(t->custom_json, 0, NULL) : json_null();
    if (custom == NULL || json_object_set_new(o, "custom", custom) != 0 ||
        json_object_set_new(o, "path", json_string(t->path)) != 0 ||
        json_object_set_new(o, "length", json_integer((json_int_t) t->length)) != 0 ||
        json_object_set_new(o, "role", json_string(t->role)) != 0 ||
        json_object_set(o, "hashes", hashes) != 0 || json_array_append(arr, o) != 0)
        goto out;
    rc = OTA_OK;
out:
    json_decref(hashes);
    json_decref(o);
    return rc;
}

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
cmd_list(ota_client *c, const opts *o)
{
    int ex = do_refresh(c);
    if (ex != EX_OK)
        return ex;
    json_t *arr = o->json ? json_array() : NULL;
    if (o->json && arr == NULL)
        return die(EX_FAIL, "out of memory");
    ota_err rc = ota_client_list_targets(c, o->json ? list_json : list_text, arr);
    if (rc != OTA_OK) {
        json_decref(arr);
        return lib_fail(c, rc, exit_code(rc));
    }
    if (o->json) {
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(arr);
        if (s == NULL)
            return die(EX_FAIL, "out of memory");
        printf("%s\n", s);
        free(s);
    }
    return EX_OK;
}

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
cmd_fetch(ota_client *c, const opts *o, char **targets, int ntargets)
{
    if (ntargets == 0 || o->out_dir == NULL)
        return die(EX_USAGE, "fetch needs TARGET... and -o DIR");
    if (mkdir(o->out_dir, 0755) != 0 && errno != EEXIST)
        return die(EX_FAIL, "%s: %s", o->out_dir, strerror(errno));
    int ex = do_refresh(c);
    if (ex != EX_OK)
        return ex;
    int first = EX_OK;
    for (int i = 0; i < ntargets; i++) {
        ota_target_info t;
        bool cached = false;
        ota_err rc = ota_client_get_target(c, targets[i], &t);
        if (rc == OTA_OK)
            rc = ota_client_fetch_target(c, &t, o->out_dir, &cached);
        if (rc != OTA_OK) {
            int code = lib_fail(c, rc, exit_code(rc));
            if (first == EX_OK)
                first = code;
            continue;
        }
        char name[768];
        if (ota_target_filename(t.path, name, sizeof name) != OTA_OK)
            snprintf(name, sizeof name, "?");
        printf("%s %s/%s (%llu bytes, %s)\n", cached ? "present" : "fetched", o->out_dir, name,
               (unsigned long long) t.length, t.role);
    }
    return first;
}


/* ---- install engine commands ------------------------------------------------- */

static ota_installer *volatile g_installer; /* for the signal handler only */

static void
on_signal(int sig)
{
    (void) sig;
    ota_installer *in = g_installer;
    if (in != NULL)
        ota_installer_cancel(in);
}

typedef struct prog {
    bool on;
    double start, last;
} prog;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
on_progress(void *user, const ota_install_progress *p)
{
    static const char *const phase[] = {"", "preparing", "writing", "verifying", "hook",
                                        "switching", "done"};
    prog *g = user;
    if (!g->on)
        return;
    double t = now_s();
    if (p->phase == OTA_PHASE_WRITE && t - g->last < 0.2)
        return;
    g->last = t;
    double mib = (double) p->done / 1048576.0, tot = (double) p->total / 1048576.0;
    double rate = (double) p->done / 1e6 / (t - g->start > 1e-3 ? t - g->start : 1e-3);
    fprintf(stderr, "\r\033[Kinstall: %s%s %.1f / %.1f MiB (%.0f%%)", phase[p->phase],
            p->resumed ? " (resumed)" : "", mib, tot,
            p->total ? 100.0 * (double) p->done / (double) p->total : 100.0);
    if (p->phase == OTA_PHASE_WRITE)
        fprintf(stderr, " %.1f MB/s", rate);
    if (p->phase == OTA_PHASE_DONE)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static int
inst_fail(ota_installer *in, ota_err rc)
{
    const char *msg = ota_installer_errmsg(in);
    fprintf(stderr, "ota-client: %s (%s)\n", msg[0] ? msg : ota_strerror(rc), ota_err_name(rc));
    return exit_code(rc);
}

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
open_installer(const opts *o, prog *g, ota_installer **out)
{
    char err[512];
    ota_install_config ic = OTA_INSTALL_CONFIG_INIT;
    ic.state_dir = o->state_dir != NULL ? o->state_dir : DEFAULT_STATE_DIR;
    ic.system_conf = o->system_conf != NULL ? o->system_conf : DEFAULT_SYSTEM_CONF;
    ic.hardware_id = o->hardware_id;
    ic.progress = on_progress;
    ic.hook_timeout_s = o->hook_timeout > 0 ? (unsigned) o->hook_timeout : 0;
    ic.checkpoint_bytes = o->checkpoint_kib > 0 ? (uint64_t) o->checkpoint_kib * 1024u : 0;
    ic.progress_user = g;
    ota_err rc = ota_installer_new(&ic, out, err, sizeof err);
    if (rc != OTA_OK) {
        fprintf(stderr, "ota-client: %s (%s)\n", err, ota_err_name(rc));
        return rc == OTA_E_ARG || rc == OTA_E_FORMAT || rc == OTA_E_NOT_FOUND ? EX_USAGE
                                                                             : exit_code(rc);
    }
    return EX_OK;
}

__attribute__((noinline)) static int
cmd_status(ota_installer *in, const opts *o)
{
    ota_err rc = ota_installer_boot(in);
    if (rc != OTA_OK)
        fprintf(stderr, "ota-client: warning: %s\n", ota_installer_errmsg(in));
    ota_install_status st = {.size = sizeof st};
    if ((rc = ota_installer_status(in, &st)) != OTA_OK)
        return inst_fail(in, rc);
    if (o->json) {
        char *text = NULL;
        if ((rc = ota_installer_state_json(in, &text)) != OTA_OK)
            return inst_fail(in, rc);
        json_t *j = json_loads(text, 0, NULL);
        free(text);
        if (j == NULL)
            return die(EX_FAIL, "install state is not JSON");
        json_object_set_new(j, "booted_slot", json_string(st.booted));
        json_object_set_new(j, "primary_slot", json_string(st.primary));
        char *out = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        if (out == NULL)
            return die(EX_FAIL, "out of memory");
        printf("%s\n", out);
        free(out);
        return EX_OK;
    }
    printf("state:      %s\n", ota_install_state_name(st.state));
    printf("booted:     %s\n", st.booted[0] ? st.booted : "(unknown)");
    printf("primary:    %s\n", st.primary[0] ? st.primary : "(unknown)");
    printf("installed:  %s\n", st.installed_version[0] ? st.installed_version : "(unknown)");
    if (st.target_version[0])
        printf("update:     %s -> slot %s%s\n", st.target_version, st.target_slot,
               st.state == OTA_STATE_DOWNLOADING ? " (interrupted: install resumes it)" : "");
    if (st.resume_offset > 0)
        printf("resume at:  %llu bytes\n", (unsigned long long) st.resume_offset);
    printf("marked bad: %zu version(s)\n", st.nbad);
    if (st.last_error[0])
        printf("last error: %s\n", st.last_error);
    return EX_OK;
}

__attribute__((noinline)) static int
cmd_inst_simple(ota_installer *in, const char *cmd, const opts *o)
{
    ota_err rc;
    if (strcmp(cmd, "confirm") == 0)
        rc = ota_installer_confirm(in);
    else if (strcmp(cmd, "rollback") == 0)
        rc = ota_installer_rollback(in, o->reason);
    else
        rc = ota_installer_boot(in);
    if (rc != OTA_OK)
        return inst_fail(in, rc);
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(in, &st) == OTA_OK)
        printf("%s: state %s%s%s\n", cmd, ota_install_state_name(st.state),
               st.target_version[0] ? ", version " : "", st.target_version);
    return EX_OK;
}

__attribute__((noinline)) static int
cmd_install(ota_client *c, ota_installer *in, const char *target)
{
    int ex = do_refresh(c);
    if (ex != EX_OK)
        return ex;
    ota_target_info t;
    ota_err rc = ota_client_get_target(c, target, &t);
    if (rc != OTA_OK)
        return lib_fail(c, rc, exit_code(rc));
    rc = ota_installer_install(in, c, &t);
    if (rc != OTA_OK) {
        int code = inst_fail(in, rc);
        /* from the installer, E_ROLLBACK is the version check, not metadata */
        return rc == OTA_E_ROLLBACK ? EX_NOTNEWER : code;
    }
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(in, &st) == OTA_OK)
        printf("installed %s %s into slot %s; reboot to start it, then 'ota-client confirm'\n",
               target, st.target_version, st.target_slot);
    return EX_OK;
}

__attribute__((noinline)) static int
run_install(ota_client *c, const opts *o, const char *target)
{
    prog g = {.on = isatty(STDERR_FILENO) != 0, .start = now_s()};
    ota_installer *in = NULL;
    int ex = open_installer(o, &g, &in);
    if (ex != EX_OK)
        return ex;
    /* SIGINT / SIGTERM stop at the next chunk, journal kept */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_installer = in;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ex = cmd_install(c, in, target);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    g_installer = NULL;
    ota_installer_free(in);
    return ex;
}

/* ---- main ---------------------------------------------------------------- */

enum {
    O_MDIR = 256,
    O_SDIR,
    O_MURL,
    O_TURL,
    O_CONFIG,
    O_CTO,
    O_TO,
    O_LSL,
    O_LST,
    O_CAPATH,
    O_CAFILE,
    O_ROOT,
    O_FORCE,
    O_JSON,
    O_VERSION,
    O_SYSCONF,
    O_HWID,
    O_REASON,
    O_HOOKTO,
    O_CKPT,
};

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"metadata-dir", required_argument, NULL, O_MDIR},
        {"state-dir", required_argument, NULL, O_SDIR},
        {"metadata-url", required_argument, NULL, O_MURL},
        {"target-base-url", required_argument, NULL, O_TURL},
        {"config", required_argument, NULL, O_CONFIG},
        {"connect-timeout", required_argument, NULL, O_CTO},
        {"timeout", required_argument, NULL, O_TO},
        {"low-speed-limit", required_argument, NULL, O_LSL},
        {"low-speed-time", required_argument, NULL, O_LST},
        {"ca-path", required_argument, NULL, O_CAPATH},
        {"ca-file", required_argument, NULL, O_CAFILE},
        {"root", required_argument, NULL, O_ROOT},
        {"force", no_argument, NULL, O_FORCE},
        {"json", no_argument, NULL, O_JSON},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, O_VERSION},
        {"system-conf", required_argument, NULL, O_SYSCONF},
        {"hardware-id", required_argument, NULL, O_HWID},
        {"reason", required_argument, NULL, O_REASON},
        {"hook-timeout", required_argument, NULL, O_HOOKTO},
        {"checkpoint", required_argument, NULL, O_CKPT},
        {NULL, 0, NULL, 0},
    };
    opts o = {.connect_timeout = -1,
              .timeout = -1,
              .low_speed_limit = -1,
              .low_speed_time = -1,
              .hook_timeout = -1,
              .checkpoint_kib = -1};
    int ex = EX_USAGE, ch;
    ota_client *c = NULL;
    ota_transport tr = {0};
    bool curl_up = false;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        long n;
        bool ok = true;
        switch (ch) {
        case O_MDIR: ok = set_str(&o.metadata_dir, optarg); break;
        case O_SDIR: ok = set_str(&o.state_dir, optarg); break;
        case O_MURL: ok = set_str(&o.metadata_url, optarg); break;
        case O_TURL: ok = set_str(&o.target_base_url, optarg); break;
        case O_CONFIG: ok = set_str(&o.config, optarg); break;
        case O_CAPATH: ok = set_str(&o.ca_path, optarg); break;
        case O_CAFILE: ok = set_str(&o.ca_file, optarg); break;
        case O_ROOT: ok = set_str(&o.root_file, optarg); break;
        case 'o': ok = set_str(&o.out_dir, optarg); break;
        case O_SYSCONF: ok = set_str(&o.system_conf, optarg); break;
        case O_HWID: ok = set_str(&o.hardware_id, optarg); break;
        case O_REASON: ok = set_str(&o.reason, optarg); break;
        case O_FORCE: o.force = true; break;
        case O_JSON: o.json = true; break;
        case O_HOOKTO:
        case O_CKPT:
            if (!parse_num(optarg, &n) || n == 0) {
                ex = die(EX_USAGE, "%s: not a positive number: %s", argv[optind - 1], optarg);
                goto out;
            }
            if (ch == O_HOOKTO)
                o.hook_timeout = n;
            else
                o.checkpoint_kib = n;
            break;
        case O_CTO:
        case O_TO:
        case O_LSL:
        case O_LST:
            if (!parse_num(optarg, &n)) {
                ex = die(EX_USAGE, "%s: not a number: %s", argv[optind - 1], optarg);
                goto out;
            }
            if (ch == O_CTO)
                o.connect_timeout = n;
            else if (ch == O_TO)
                o.timeout = n;
            else if (ch == O_LSL)
                o.low_speed_limit = n;
            else
                o.low_speed_time = n;
            break;
        case 'h': fputs(usage_text, stdout); ex = EX_OK; goto out;
        case O_VERSION:
            printf("ota-client %s\n", ota_client_version());
            ex = EX_OK;
            goto out;
        default:
            ex = die(EX_USAGE, "unknown or incomplete option %s (see --help)",
                     argv[optind - 1] ? argv[optind - 1] : "");
            goto out;
        }
        if (!ok) {
            ex = die(EX_FAIL, "out of memory");
            goto out;
        }
    }
    if (optind >= argc) {
        fputs(usage_text, stderr);
        ex = EX_USAGE;
        goto out;
    }
    const char *cmd = argv[optind];
    char **args = argv + optind + 1;
    int nargs = argc - optind - 1;
    static const char *const commands[] = {"init",    "refresh", "list",     "fetch",     "install",
                                           "status",  "confirm", "rollback", "boot-check"};
    bool known = false;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        known = known || strcmp(cmd, commands[i]) == 0;
    if (!known) {
        ex = die(EX_USAGE, "unknown command '%s' (see --help)", cmd);
        goto out;
    }
    bool inst_cmd = strcmp(cmd, "status") == 0 || strcmp(cmd, "confirm") == 0 ||
                    strcmp(cmd, "rollback") == 0 || strcmp(cmd, "boot-check") == 0;
    if (strcmp(cmd, "install") == 0 && nargs != 1) {
        ex = die(EX_USAGE, "install needs exactly one TARGET");
        goto out;
    }
    if (strcmp(cmd, "fetch") == 0 && (nargs == 0 || o.out_dir == NULL)) {
        ex = die(EX_USAGE, "fetch needs TARGET... and -o DIR");
        goto out;
    }
    if (strcmp(cmd, "fetch") != 0 && strcmp(cmd, "install") != 0 && nargs > 0) {
        ex = die(EX_USAGE, "%s: unexpected argument '%s'", cmd, args[0]);
        goto out;
    }
    if (o.config != NULL) {
        opts cli = o; /* what the command line set wins over the file */
        if ((ex = read_config(&o, &cli, o.config)) != EX_OK)
            goto out;
    }
    if ((ex = resolve(&o)) != EX_OK) {
        ex = die(EX_FAIL, "out of memory");
        goto out;
    }
    if (inst_cmd) {
        prog g = {0};
        ota_installer *in = NULL;
        if ((ex = open_installer(&o, &g, &in)) != EX_OK)
            goto out;
        ex = strcmp(cmd, "status") == 0 ? cmd_status(in, &o) : cmd_inst_simple(in, cmd, &o);
        ota_installer_free(in);
        goto out;
    }
    if (strcmp(cmd, "init") != 0 && o.metadata_url == NULL) {
        ex = die(EX_USAGE, "%s needs --metadata-url (or metadata_url in --config)", cmd);
        goto out;
    }
    if ((strcmp(cmd, "fetch") == 0 || strcmp(cmd, "install") == 0) && o.target_base_url == NULL) {
        ex = die(EX_USAGE, "%s needs --target-base-url", cmd);
        goto out;
    }
    struct stat st;
    if (stat(o.metadata_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (strcmp(cmd, "init") != 0) {
            ex = die(EX_NOINIT, "%s: no metadata directory (run 'ota-client init')",
                     o.metadata_dir);
            goto out;
        }
        if (ota_mkdirs(o.metadata_dir, 0755) != OTA_OK) {
            ex = die(EX_FAIL, "%s: %s", o.metadata_dir, strerror(errno));
            goto out;
        }
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ex = die(EX_FAIL, "cannot initialise libcurl");
        goto out;
    }
    curl_up = true;
    ota_curl_config cc = {.size = sizeof cc,
                          .connect_timeout_ms = o.connect_timeout > 0 ? o.connect_timeout * 1000
                                                                      : 0,
                          .total_timeout_ms = o.timeout > 0 ? o.timeout * 1000 : 0,
                          .low_speed_bytes = o.low_speed_limit > 0 ? o.low_speed_limit : 0,
                          .low_speed_secs = o.low_speed_time > 0 ? o.low_speed_time : 0,
                          .ca_path = o.ca_path,
                          .ca_file = o.ca_file,
                          .user_agent_suffix = "ota-client"};
    ota_err rc = ota_curl_transport_new(&cc, &tr);
    if (rc != OTA_OK) {
        ex = die(EX_FAIL, "transport: %s", ota_strerror(rc));
        goto out;
    }
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.metadata_dir = o.metadata_dir;
    cfg.metadata_url = o.metadata_url;
    cfg.target_base_url = o.target_base_url;
    cfg.transport = &tr;
    cfg.max_timestamp_len = o.max_timestamp;
    cfg.max_root_len = o.max_root;
    if ((rc = ota_client_new(&cfg, &c)) != OTA_OK) {
        ex = die(EX_USAGE, "invalid configuration: %s", ota_strerror(rc));
        goto out;
    }
    if (strcmp(cmd, "init") == 0)
        ex = cmd_init(c, &o);
    else if (strcmp(cmd, "refresh") == 0)
        ex = cmd_refresh(c);
    else if (strcmp(cmd, "list") == 0)
        ex = cmd_list(c, &o);
    else if (strcmp(cmd, "fetch") == 0)
        ex = cmd_fetch(c, &o, args, nargs);
    else
        ex = run_install(c, &o, args[0]);
out:
    ota_client_free(c);
    ota_curl_transport_free(&tr);
    if (curl_up)
        curl_global_cleanup();
    opts_free(&o);
    return ex;
}
