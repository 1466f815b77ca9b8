/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota-client — the device agent.
 *
 * Thin on purpose: every security decision is libotaclient's.  main.c
 * dispatches and holds the metadata commands (init, refresh, list, fetch);
 * options.c the settings; device.c install, status, check, update,
 * confirm, rollback, boot-check and report; daemon.c the service loop.
 * Each failure prints one line on stderr: the library's message and the
 * error's stable name, and maps to the one exit-code table in agent.h.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "ota_util.h"

int
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

int
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
    case OTA_E_THRESHOLD:
    case OTA_E_UNSAFE: return EX_VERIFY;
    case OTA_E_NOMEM:
    case OTA_E_CRYPTO:
    case OTA_E_IO:
    case OTA_E_PASSPHRASE: return EX_FAIL;
    case OTA_E_EXISTS: return EX_EXISTS;
    case OTA_E_HARDWARE: return EX_HARDWARE;
    case OTA_E_BAD_VERSION: return EX_MARKEDBAD;
    case OTA_E_HOOK:
    case OTA_E_TIMEOUT: return EX_HOOK;
    case OTA_E_STATE: return EX_BUSY;
    case OTA_E_BOOT: return EX_BOOT;
    case OTA_E_CANCELED: return EX_CANCELED;
    case OTA_E_NOSPACE: return EX_NOSPACE;
    } /* no default: -Wswitch names any ota_err added without an exit code */
    return EX_FAIL; /* a value outside the enum */
}

int
lib_fail(ota_client *c, ota_err rc)
{
    const char *msg = ota_client_errmsg(c);
    fprintf(stderr, "ota-client: %s (%s)\n", msg[0] ? msg : ota_strerror(rc), ota_err_name(rc));
    return exit_code(rc);
}

/* s for a terminal: control characters (C0, DEL, C1), backslashes and
 * bytes that are not UTF-8 become \xNN; names in signed metadata are
 * the vendor's, but a terminal must never take them as commands. */
const char *
shown(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *) s;
    while (*p != '\0' && o + 5 < cap) {
        unsigned c = *p;
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                             : (c & 0xF8) == 0xF0 ? 4 : 0;
        unsigned cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                n = 0;
                break;
            }
            cp = cp << 6 | (p[i] & 0x3F);
        }
        bool ok = n > 0 && !(n == 2 && cp < 0x80) && !(n == 3 && (cp < 0x800 ||
                                                                  (cp >= 0xD800 && cp <= 0xDFFF))) &&
                  !(n == 4 && (cp < 0x10000 || cp > 0x10FFFF));
        if (!ok || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == '\\') {
            o += (size_t) snprintf(buf + o, cap - o, "\\x%02x", c);
            p++;
            continue;
        }
        if (o + n >= cap)
            break;
        memcpy(buf + o, p, n);
        o += n;
        p += n;
    }
    buf[o] = '\0';
    return buf;
}

double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* fetch progress: the install display (a terminal line, or JSON lines);
 * SIGINT/SIGTERM cancel, keeping the partial file for the next fetch */
static ota_err
fetch_progress(void *user, uint64_t done, uint64_t total, uint64_t resumed_from)
{
    if (agent_stop)
        return OTA_E_CANCELED;
    ota_install_progress p = {.size = sizeof p,
                              .phase = done == total ? OTA_PHASE_DONE : OTA_PHASE_WRITE,
                              .done = done,
                              .total = total,
                              .resumed = resumed_from > 0};
    agent_on_progress(user, &p);
    return OTA_OK;
}

/* ---- the network side -------------------------------------------------------------------------- */

int
net_open(const agent_opts *o, agent_net *n, bool need_metadata)
{
    const char *mdir = agent_str(o, S_METADATA_DIR);
    if (need_metadata && agent_str(o, S_METADATA_URL) == NULL && strcmp(o->cmd, "init") != 0)
        return die(EX_USAGE, "%s needs metadata_url (--metadata-url, or in the config file)",
                   o->cmd);
    struct stat st;
    if (need_metadata && (stat(mdir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        if (strcmp(o->cmd, "init") != 0)
            return die(EX_NOINIT, "%s: no metadata directory (run 'ota-client init')", mdir);
        if (ota_mkdirs(mdir, 0755) != OTA_OK)
            return die(EX_FAIL, "%s: %s", mdir, strerror(errno));
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return die(EX_FAIL, "cannot initialise libcurl");
    n->curl_up = true;
    ota_curl_config cc = {.size = sizeof cc,
                          .connect_timeout_ms = o->num[S_CONNECT_TIMEOUT] > 0
                                                    ? o->num[S_CONNECT_TIMEOUT] * 1000
                                                    : 0,
                          .total_timeout_ms = o->num[S_TIMEOUT] > 0 ? o->num[S_TIMEOUT] * 1000 : 0,
                          .low_speed_bytes = o->num[S_LOW_SPEED_LIMIT] > 0
                                                 ? o->num[S_LOW_SPEED_LIMIT]
                                                 : 0,
                          .low_speed_secs = o->num[S_LOW_SPEED_TIME] > 0
                                                ? o->num[S_LOW_SPEED_TIME]
                                                : 0,
                          .ca_path = agent_str(o, S_CA_PATH),
                          .ca_file = agent_str(o, S_CA_FILE),
                          .user_agent_suffix = "ota-client"};
    n->tr.size = sizeof n->tr;
    ota_err rc = ota_curl_transport_new(&cc, &n->tr);
    if (rc != OTA_OK)
        return die(EX_FAIL, "transport: %s", ota_strerror(rc));
    if (!need_metadata)
        return EX_OK;
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.metadata_dir = mdir;
    cfg.metadata_url = agent_str(o, S_METADATA_URL);
    cfg.target_base_url = agent_str(o, S_TARGET_BASE_URL);
    cfg.transport = &n->tr;
    cfg.max_timestamp_size = o->num[S_MAX_TIMESTAMP_SIZE] > 0
                                ? (uint64_t) o->num[S_MAX_TIMESTAMP_SIZE]
                                : 0;
    cfg.max_root_size = o->num[S_MAX_ROOT_SIZE] > 0 ? (uint64_t) o->num[S_MAX_ROOT_SIZE] : 0;
    n->prog.tty = isatty(STDERR_FILENO) != 0 && !o->json;
    n->prog.json = o->json;
    n->prog.start = now_s();
    cfg.progress = fetch_progress;
    cfg.progress_user = &n->prog;
    if ((rc = ota_client_new(&cfg, &n->c)) != OTA_OK)
        return die(EX_USAGE, "invalid configuration: %s", ota_strerror(rc));
    return EX_OK;
}

void
net_close(agent_net *n)
{
    ota_client_free(n->c);
    n->c = NULL;
    ota_curl_transport_free(&n->tr);
    memset(&n->tr, 0, sizeof n->tr);
    if (n->curl_up)
        curl_global_cleanup();
    n->curl_up = false;
}

int
do_refresh(ota_client *c)
{
    ota_err rc = ota_client_refresh(c);
    if (rc == OTA_E_NOT_FOUND) { /* no usable trusted root */
        (void) lib_fail(c, rc);
        return die(EX_NOINIT, "run 'ota-client init --root FILE' with the root metadata you ship");
    }
    if (rc != OTA_OK)
        return lib_fail(c, rc);
    return EX_OK;
}

/* ---- metadata commands ---------------------------------------------------------------------- */

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
cmd_init(ota_client *c, const agent_opts *o)
{
    if (o->root_file == NULL)
        return die(EX_USAGE, "init needs --root FILE");
    size_t len = 0;
    uint8_t *buf = NULL;
    if (ota_file_read(o->root_file, 4u * 1024u * 1024u, &buf, &len) != OTA_OK)
        return die(EX_USAGE, "%s: cannot read (missing or too big)", o->root_file);
    ota_err rc = ota_client_init_root(c, buf, len, o->force);
    free(buf);
    /* a file that is not root metadata at all is the wrong argument, not a
     * security event; a root that fails its own signatures stays one (4) */
    if (rc == OTA_E_JSON || rc == OTA_E_FORMAT || rc == OTA_E_TYPE || rc == OTA_E_SPEC_VERSION ||
        rc == OTA_E_LIMIT) {
        (void) lib_fail(c, rc);
        return die(EX_USAGE, "%s is not TUF root metadata", o->root_file);
    }
    if (rc != OTA_OK)
        return lib_fail(c, rc);
    printf("trusted root installed in %s\n", agent_str(o, S_METADATA_DIR));
    return EX_OK;
}

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
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

/* `list` for people: one row per target, printed as a table once all are
 * known (column widths).  Version and hardware come from the bundle's
 * signed custom.ota_bundle; other targets show "-". */
typedef struct list_row {
    char *path, *version, *hardware;
    uint64_t length;
} list_row;

typedef struct list_rows {
    list_row *v;
    size_t n, cap;
} list_rows;

/* the bundle's version and hardware list, terminal-safe, into ver/hw */
static void
bundle_fields(const char *custom_json, char *ver, size_t vcap, char *hw, size_t hcap)
{
    snprintf(ver, vcap, "-");
    snprintf(hw, hcap, "-");
    json_t *root = custom_json != NULL ? json_loads(custom_json, 0, NULL) : NULL;
    json_t *b = json_object_get(root, "ota_bundle");
    const char *v = json_string_value(json_object_get(b, "version"));
    if (v != NULL)
        shown(v, ver, vcap);
    json_t *h = json_object_get(b, "hardware");
    size_t o = 0, i;
    json_t *e;
    json_array_foreach(h, i, e)
    {
        const char *x = json_string_value(e);
        if (x == NULL || o + 2 >= hcap)
            continue;
        if (o > 0)
            hw[o++] = ',';
        shown(x, hw + o, hcap - o);
        o += strlen(hw + o);
    }
    json_decref(root);
}

static ota_err
list_text(void *user, const ota_target_info *t)
{
    list_rows *rows = user;
    char p[1024], v[128], h[512];
    if (rows->n == rows->cap) {
        size_t nc = rows->cap ? rows->cap * 2 : 32;
        list_row *nv = realloc(rows->v, nc * sizeof *nv);
        if (nv == NULL)
            return OTA_E_NOMEM;
        rows->v = nv;
        rows->cap = nc;
    }
    bundle_fields(t->custom_json, v, sizeof v, h, sizeof h);
    list_row *r = &rows->v[rows->n];
    r->path = strdup(shown(t->path, p, sizeof p));
    r->version = strdup(v);
    r->hardware = strdup(h);
    r->length = t->length;
    if (r->path == NULL || r->version == NULL || r->hardware == NULL) {
        free(r->path);
        free(r->version);
        free(r->hardware);
        return OTA_E_NOMEM;
    }
    rows->n++;
    return OTA_OK;
}

static int
width(int w, const char *s)
{
    int n = (int) strlen(s);
    return n > w ? n : w;
}

static void
list_print(list_rows *rows)
{
    int wp = 6, wv = 7, wh = 8; /* TARGET, VERSION, HARDWARE */
    for (size_t i = 0; i < rows->n; i++) {
        wp = width(wp, rows->v[i].path);
        wv = width(wv, rows->v[i].version);
        wh = width(wh, rows->v[i].hardware);
    }
    if (rows->n == 0) {
        printf("no targets\n");
        return;
    }
    printf("%-*s  %-*s  %-*s  %10s\n", wp, "TARGET", wv, "VERSION", wh, "HARDWARE", "SIZE");
    for (size_t i = 0; i < rows->n; i++) {
        char sz[32];
        printf("%-*s  %-*s  %-*s  %10s\n", wp, rows->v[i].path, wv, rows->v[i].version, wh,
               rows->v[i].hardware, ota_human_size(rows->v[i].length, sz));
    }
}

static void
list_free(list_rows *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        free(rows->v[i].path);
        free(rows->v[i].version);
        free(rows->v[i].hardware);
    }
    free(rows->v);
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
cmd_list(ota_client *c, const agent_opts *o)
{
    int ex = do_refresh(c);
    if (ex != EX_OK)
        return ex;
    list_rows rows = {0};
    json_t *arr = o->json ? json_array() : NULL;
    if (o->json && arr == NULL)
        return die(EX_FAIL, "out of memory");
    ota_err rc = ota_client_list_targets(c, o->json ? list_json : list_text,
                                         o->json ? (void *) arr : (void *) &rows);
    if (rc != OTA_OK) {
        json_decref(arr);
        list_free(&rows);
        return lib_fail(c, rc);
    }
    if (o->json) {
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(arr);
        if (s == NULL)
            return die(EX_FAIL, "out of memory");
        printf("%s\n", s);
        free(s);
    } else {
        list_print(&rows);
        list_free(&rows);
    }
    return EX_OK;
}

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
cmd_fetch(ota_client *c, const agent_opts *o)
{
    if (mkdir(o->out_dir, 0755) != 0 && errno != EEXIST)
        return die(EX_FAIL, "%s: %s", o->out_dir, strerror(errno));
    int ex = do_refresh(c);
    if (ex != EX_OK)
        return ex;
    int first = EX_OK;
    for (int i = 0; i < o->nargs; i++) {
        ota_target_info t = OTA_TARGET_INFO_INIT;
        bool cached = false;
        ota_err rc = ota_client_get_target(c, o->args[i], &t);
        if (rc == OTA_OK)
            rc = ota_client_fetch_target(c, &t, o->out_dir, &cached);
        if (rc == OTA_E_CANCELED) {
            (void) lib_fail(c, rc);
            return EX_CANCELED; /* the partial file waits for the next fetch */
        }
        if (rc != OTA_OK) {
            int code = lib_fail(c, rc);
            if (first == EX_OK)
                first = code;
            continue;
        }
        char name[768];
        if (ota_target_filename(t.path, name, sizeof name) != OTA_OK)
            snprintf(name, sizeof name, "?");
        char sr[512];
        printf("%s %s/%s (%llu bytes, %s)\n", cached ? "present" : "fetched", o->out_dir, name,
               (unsigned long long) t.length, shown(t.role, sr, sizeof sr));
    }
    return first;
}

/* not inlined: keeps main() within the 4 KiB frame budget */
__attribute__((noinline)) static int
run_metadata_cmd(agent_opts *o)
{
    agent_net n;
    memset(&n, 0, sizeof n);
    dev_catch_signals(NULL);
    int ex = net_open(o, &n, true);
    if (ex == EX_OK) {
        if (strcmp(o->cmd, "fetch") == 0 && agent_str(o, S_TARGET_BASE_URL) == NULL)
            ex = die(EX_USAGE, "fetch needs target_base_url (--target-base-url)");
        else if (strcmp(o->cmd, "init") == 0)
            ex = cmd_init(n.c, o);
        else if (strcmp(o->cmd, "refresh") == 0)
            ex = cmd_refresh(n.c);
        else if (strcmp(o->cmd, "list") == 0)
            ex = cmd_list(n.c, o);
        else
            ex = cmd_fetch(n.c, o);
    }
    net_close(&n);
    return ex;
}

int
main(int argc, char **argv)
{
    agent_opts o;
    memset(&o, 0, sizeof o);
    int ex = agent_parse(argc, argv, &o);
    if (ex == -1) { /* --help, --version */
        agent_opts_free(&o);
        return EX_OK;
    }
    if (ex == EX_OK)
        ex = agent_resolve(&o);
    if (ex == EX_OK) {
        static const char *const md[] = {"init", "refresh", "list", "fetch"};
        bool is_md = false;
        for (size_t i = 0; i < 4; i++)
            is_md = is_md || strcmp(o.cmd, md[i]) == 0;
        ex = is_md ? run_metadata_cmd(&o) : cmd_device(&o);
    }
    agent_opts_free(&o);
    return ex;
}
