/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.c — ota-client's settings: one table, one name per setting (the
 * config key; the flag is the same with '-' for '_'), the config file
 * (/etc/ota/client.conf unless --config), command-line flags winning over
 * it, and a suggestion for an unknown key or flag.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "ota_util.h"

const setting agent_settings[S_COUNT] = {
    [S_METADATA_URL] = {"metadata_url", T_STR, "URL",
                        "where the repository's metadata is served (required for the network)"},
    [S_TARGET_BASE_URL] = {"target_base_url", T_STR, "URL",
                           "where target files are served (default: the sibling 'targets/' of a "
                           "metadata URL ending in 'metadata/')"},
    [S_REPORT_URL] = {"report_url", T_STR, "URL",
                      "where status reports are POSTed (default: 'v1/reports' beside the "
                      "metadata URL's 'metadata/'; 'none' turns reports off)"},
    [S_STATE_DIR] = {"state_dir", T_STR, "DIR", "agent state (default " DEFAULT_STATE_DIR ")"},
    [S_METADATA_DIR] = {"metadata_dir", T_STR, "DIR",
                        "trusted metadata (default STATE_DIR/metadata)"},
    [S_SYSTEM_CONF] = {"system_conf", T_STR, "FILE",
                       "slots and bootloader (default " DEFAULT_SYSTEM_CONF ")"},
    [S_DEVICE_ID] = {"device_id", T_STR, "ID",
                     "this device's id (default: " DEFAULT_MACHINE_ID ")"},
    [S_HARDWARE_ID] = {"hardware_id", T_STR, "ID",
                       "this device's hardware id (default: system.conf 'compatible')"},
    [S_PRODUCT] = {"product", T_STR, "NAME",
                   "the bundle name this device runs (default: the last installed bundle's)"},
    [S_CHANNEL] = {"channel", T_STR, "NAME", "release channel (default stable)"},
    [S_CONNECT_TIMEOUT] = {"connect_timeout", T_NUM, "SECS", "TCP+TLS connect limit (default 10)"},
    [S_TIMEOUT] = {"timeout", T_NUM, "SECS",
                   "whole-request cap (default none: stalls are caught by the speed floor)"},
    [S_LOW_SPEED_LIMIT] = {"low_speed_limit", T_NUM, "BYTES",
                           "abort below BYTES/s ... (default 1024)"},
    [S_LOW_SPEED_TIME] = {"low_speed_time", T_NUM, "SECS", "... sustained this long (default 30)"},
    [S_CA_PATH] = {"ca_path", T_STR, "DIR", "TLS trust anchors directory (default: system)"},
    [S_CA_FILE] = {"ca_file", T_STR, "FILE", "TLS trust anchors bundle (default: system)"},
    [S_MAX_TIMESTAMP_SIZE] = {"max_timestamp_size", T_POS, "BYTES",
                              "timestamp.json ceiling (default 16384)"},
    [S_MAX_ROOT_SIZE] = {"max_root_size", T_POS, "BYTES", "root.json ceiling (default 524288)"},
    [S_HOOK_TIMEOUT] = {"hook_timeout", T_POS, "SECS",
                        "longest an install hook may run (default 300)"},
    [S_CHECKPOINT_KIB] = {"checkpoint_kib", T_POS, "KIB",
                          "install journal interval (default 8192)"},
    [S_POLL_INTERVAL] = {"poll_interval", T_POS, "SECS",
                         "daemon: time between checks (default 3600)"},
    [S_POLL_JITTER] = {"poll_jitter", T_NUM, "SECS",
                       "daemon: each wait is poll_interval +/- a random share of this, and the "
                       "first check waits 0..this (default poll_interval/10)"},
    [S_HEALTH_CHECK] = {"health_check", T_STR, "COMMAND",
                        "daemon: run after a new version boots; exit 0 = healthy (default: none, "
                        "booting is enough)"},
    [S_HEALTH_TIMEOUT] = {"health_timeout", T_POS, "SECS",
                          "longest the health check may run (default 300)"},
    [S_REBOOT_COMMAND] = {"reboot_command", T_STR, "COMMAND",
                          "daemon: run to start an installed update or go back after a failed "
                          "health check (default: none, the operator reboots)"},
    [S_DELTA] = {"delta", T_STR, "yes|no",
                 "install: take the chunks the active slot already has (image pieces; tree "
                 "chunks rebuilt from its files, bundle format 4), download only the others "
                 "(default yes; --no-delta: no)"},
};

static const char *const commands[] = {"init",   "refresh", "list",     "fetch",      "check",
                                       "update", "install", "status",   "confirm",    "rollback",
                                       "boot-check", "report", "daemon"};

/* One line of synopsis and a few of description per command. */
static const char *const command_help[][2] = {
    {"init", "init --root FILE [--force]\n"
             "  Trust FILE as the root metadata (no network). --force replaces an existing\n"
             "  trusted root and drops all other trusted metadata.\n"},
    {"refresh", "refresh\n  Update the trusted metadata from the repository (TUF update cycle).\n"},
    {"list", "list [--json]\n  Refresh, then list the trusted targets with their custom fields.\n"},
    {"fetch", "fetch TARGET... -o DIR\n"
              "  Refresh, then download each TARGET into DIR, verified by length and hashes\n"
              "  before it appears there; an interrupted download resumes.\n"},
    {"check", "check [--json]\n"
              "  Refresh, then say which release 'update' would install and why, or why\n"
              "  nothing (up to date, hardware, channel, rollout, marked bad, signed floor),\n"
              "  and how many bytes installing it downloads (reads the bundle's head and the\n"
              "  active slots; with delta = no, the bundle's length).\n"},
    {"update", "update [--json]\n"
               "  check, then install the chosen release into the inactive slot and make it\n"
               "  primary; reboot to start it, then 'confirm'. Resumes an interrupted update.\n"},
    {"install", "install TARGET [--allow-downgrade] [--no-delta]\n"
                "  Refresh, then install the bundle TARGET (hardware, anti-rollback, the bad\n"
                "  list and the signed floor still apply; channel and rollout do not).\n"
                "  --allow-downgrade: an older version, only when its signed release permits it.\n"
                "  --no-delta: download every chunk (default: chunks the active slot holds are\n"
                "  taken from there: image pieces, and for a format-4 bundle tree chunks\n"
                "  rebuilt from its files; same as 'delta = no').\n"},
    {"status", "status [--json]\n"
               "  Booted and primary slot, installed and pending versions, state, last error,\n"
               "  last check, queued reports (no network).\n"},
    {"confirm", "confirm\n  Mark the running new version good (commit); reports it.\n"},
    {"rollback", "rollback [--reason TEXT]\n"
                 "  Give up the update in flight: the old slot primary again, the new version\n"
                 "  marked bad on this device; reports it.\n"},
    {"boot-check", "boot-check\n"
                   "  Once per boot: notice that a new slot booted (pending) or that the\n"
                   "  bootloader went back (fell back: version marked bad, reported).\n"},
    {"report", "report [--json]\n  Send a check-in report and every queued report now.\n"},
    {"daemon", "daemon [--once]\n"
               "  The service: boot-check; health check then confirm or roll back; poll with\n"
               "  jitter; install; reboot_command; reports. SIGTERM stops at a resumable point.\n"
               "  Under systemd: Type=notify and WatchdogSec= are supported.\n"
               "  --once: one cycle, then exit.\n"},
};

void
agent_usage(FILE *out)
{
    fputs("usage: ota-client [OPTIONS] COMMAND [ARGS]\n"
          "\n"
          "Secure over-the-air update agent: TUF 1.0 client and A/B installer.\n"
          "\n"
          "Commands (ota-client COMMAND --help for one):\n",
          out);
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++) {
        const char *h = command_help[i][1];
        const char *nl = strchr(h, '\n');
        fprintf(out, "  %.*s\n", (int) (nl - h), h);
    }
    fputs("\nSettings (flag --NAME VALUE, or 'NAME = VALUE' in the config file):\n", out);
    for (size_t i = 0; i < S_COUNT; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", agent_settings[i].key);
        for (char *p = flag; *p; p++)
            if (*p == '_')
                *p = '-';
        fprintf(out, "  %s %s\n      %s\n", flag, agent_settings[i].arg, agent_settings[i].help);
    }
    fputs("  --config FILE\n      settings file (default " DEFAULT_CONFIG " when it exists);\n"
          "      command-line flags win over it\n"
          "  --json  machine-readable output (list, check, update, status, report)\n"
          "  -h, --help, --version\n"
          "\n"
          "Exit codes:\n"
          "  0  success (check/update: also when nothing is to be installed)\n"
          "  1  other failure (I/O, out of memory)\n"
          "  2  usage: bad command line, config file or argument\n"
          "  3  network: repository unreachable, timeout, too slow, HTTP error\n"
          "  4  verification failed (security event): bad signature, hash or length,\n"
          "     rollback, wrong version, mix-and-match, malformed metadata, hostile bundle\n"
          "  5  expired metadata (freeze attack, or the repository is stale)\n"
          "  6  not found: target not in the trusted metadata\n"
          "  7  not initialised: no usable trusted root (run 'ota-client init')\n"
          "  8  install: the bundle is not for this device's hardware\n"
          "  9  install: not newer than the installed version (anti-rollback)\n"
          " 10  install: failed on this device before (marked bad), or below the signed floor\n"
          " 11  install: a hook failed or timed out\n"
          " 12  an update waits for a reboot or confirmation; or nothing to confirm\n"
          " 13  bootloader environment could not be read or written\n"
          " 14  interrupted; the next install, update or fetch resumes\n"
          " 15  no space left in the slot or the state directory\n"
          " 19  exists: init over a trusted root without --force\n"
          "(one table for ota-sign, ota-server and ota-client: docs/exit-codes.md)\n",
          out);
}

int
agent_command_help(const char *cmd, FILE *out)
{
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++)
        if (strcmp(command_help[i][0], cmd) == 0) {
            fprintf(out, "usage: ota-client [OPTIONS] %s\nOptions: see ota-client --help.\n",
                    command_help[i][1]);
            return EX_OK;
        }
    return EX_USAGE;
}

const char *
agent_str(const agent_opts *o, setting_id s)
{
    return o->val[s];
}

/* ---- suggestions --------------------------------------------------------------------------- */

static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t d[64], prev;
    for (size_t j = 0; j <= lb; j++)
        d[j] = j;
    for (size_t i = 1; i <= la; i++) {
        prev = d[0];
        d[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = d[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t best = d[j] + 1 < d[j - 1] + 1 ? d[j] + 1 : d[j - 1] + 1;
            d[j] = sub < best ? sub : best;
            prev = cur;
        }
    }
    return d[lb];
}

/* The setting key closest to k ('-' and '_' alike), or NULL when none is close. */
static const char *
suggest(const char *k)
{
    char norm[64];
    snprintf(norm, sizeof norm, "%s", k);
    for (char *p = norm; *p; p++)
        if (*p == '-')
            *p = '_';
    const char *best = NULL;
    size_t bd = 4;
    for (size_t i = 0; i < S_COUNT; i++) {
        size_t dd = distance(norm, agent_settings[i].key);
        if (dd < bd) {
            bd = dd;
            best = agent_settings[i].key;
        }
    }
    /* names people bring from elsewhere */
    static const char *const alias[][2] = {{"target_url", "target_base_url"},
                                           {"targets_url", "target_base_url"},
                                           {"server_url", "metadata_url"},
                                           {"url", "metadata_url"},
                                           {"checkpoint", "checkpoint_kib"},
                                           {"compatible", "hardware_id"},
                                           {"interval", "poll_interval"}};
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(norm, alias[i][0]) == 0)
            return alias[i][1];
    return best;
}

/* ---- values ---------------------------------------------------------------------------------- */

static int
set_val(agent_opts *o, setting_id s, const char *v, const char *src)
{
    char *d = strdup(v);
    if (d == NULL)
        return die(EX_FAIL, "out of memory");
    free(o->val[s]);
    o->val[s] = d;
    snprintf(o->src[s], sizeof o->src[s], "%s", src);
    return EX_OK;
}


static int
read_config(agent_opts *o, const char *file, bool must_exist, const bool *from_cli)
{
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        if (!must_exist && errno == ENOENT)
            return EX_OK;
        return die(EX_USAGE, "%s: %s", file, strerror(errno));
    }
    enum { LINE_MAX_LEN = 4096 };
    char *line = malloc(LINE_MAX_LEN);
    int n = 0, rc = line != NULL ? EX_OK : die(EX_FAIL, "out of memory");
    while (rc == EX_OK && fgets(line, LINE_MAX_LEN, f) != NULL) {
        n++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            rc = die(EX_USAGE, "%s:%d: line longer than %d bytes", file, n, LINE_MAX_LEN - 2);
            break;
        }
        char *s = ota_trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            rc = die(EX_USAGE, "%s:%d: expected 'key = value'", file, n);
            break;
        }
        *eq = '\0';
        char *k = ota_trim(s), *v = ota_trim(eq + 1);
        size_t i = 0;
        while (i < S_COUNT && strcmp(agent_settings[i].key, k) != 0)
            i++;
        if (i == S_COUNT) {
            const char *sg = suggest(k);
            rc = die(EX_USAGE, "%s:%d: unknown key '%s'%s%s%s", file, n, k,
                     sg ? " (did you mean '" : "", sg ? sg : "", sg ? "'?)" : "");
            break;
        }
        if (from_cli[i])
            continue; /* the command line wins */
        char src[64];
        snprintf(src, sizeof src, "%.50s:%d", file, n);
        rc = set_val(o, (setting_id) i, v, src);
    }
    free(line);
    fclose(f);
    return rc;
}

enum { O_CONFIG = 1000, O_ROOT, O_FORCE, O_JSON, O_REASON, O_DOWNGRADE, O_ONCE, O_VERSION,
       O_NO_DELTA };

int
agent_parse(int argc, char **argv, agent_opts *o)
{
    struct option lo[S_COUNT + 16];
    char names[S_COUNT][48];
    bool from_cli[S_COUNT] = {false};
    size_t n = 0;
    for (size_t i = 0; i < S_COUNT; i++) {
        snprintf(names[i], sizeof names[i], "%s", agent_settings[i].key);
        for (char *p = names[i]; *p; p++)
            if (*p == '_')
                *p = '-';
        lo[n++] = (struct option){names[i], required_argument, NULL, (int) i};
    }
    lo[n++] = (struct option){"config", required_argument, NULL, O_CONFIG};
    lo[n++] = (struct option){"root", required_argument, NULL, O_ROOT};
    lo[n++] = (struct option){"force", no_argument, NULL, O_FORCE};
    lo[n++] = (struct option){"json", no_argument, NULL, O_JSON};
    lo[n++] = (struct option){"output", required_argument, NULL, 'o'};
    lo[n++] = (struct option){"reason", required_argument, NULL, O_REASON};
    lo[n++] = (struct option){"allow-downgrade", no_argument, NULL, O_DOWNGRADE};
    lo[n++] = (struct option){"once", no_argument, NULL, O_ONCE};
    lo[n++] = (struct option){"no-delta", no_argument, NULL, O_NO_DELTA};
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n++] = (struct option){"version", no_argument, NULL, O_VERSION};
    lo[n] = (struct option){NULL, 0, NULL, 0};
    for (size_t i = 0; i < S_COUNT; i++)
        o->num[i] = -1;

    int ch, rc;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        char **dst = NULL;
        switch (ch) {
        case O_CONFIG: dst = &o->config; break;
        case O_ROOT: dst = &o->root_file; break;
        case 'o': dst = &o->out_dir; break;
        case O_REASON: dst = &o->reason; break;
        case O_FORCE: o->force = true; break;
        case O_JSON: o->json = true; break;
        case O_DOWNGRADE: o->allow_downgrade = true; break;
        case O_ONCE: o->once = true; break;
        case O_NO_DELTA:
            if ((rc = set_val(o, S_DELTA, "no", "command line (--no-delta)")) != EX_OK)
                return rc;
            from_cli[S_DELTA] = true;
            break;
        case 'h': o->help = true; break;
        case O_VERSION: printf("ota-client %s\n", ota_client_version()); return -1;
        default:
            if (ch >= 0 && ch < (int) S_COUNT) {
                if ((rc = set_val(o, (setting_id) ch, optarg, "command line")) != EX_OK)
                    return rc;
                from_cli[ch] = true;
                break;
            }
            {
                const char *bad = argv[optind - 1] ? argv[optind - 1] : "";
                const char *sg = strncmp(bad, "--", 2) == 0 ? suggest(bad + 2) : NULL;
                char flag[64] = "";
                if (sg != NULL) {
                    snprintf(flag, sizeof flag, "--%s", sg);
                    for (char *p = flag; *p; p++)
                        if (*p == '_')
                            *p = '-';
                }
                return die(EX_USAGE, "unknown or incomplete option %s%s%s%s (see --help)", bad,
                           sg ? " (did you mean " : "", flag, sg ? "?)" : "");
            }
        }
        if (dst != NULL) {
            free(*dst);
            if ((*dst = strdup(optarg)) == NULL)
                return die(EX_FAIL, "out of memory");
        }
    }
    if (optind < argc) {
        o->cmd = argv[optind];
        o->args = argv + optind + 1;
        o->nargs = argc - optind - 1;
    }
    if (o->help) {
        if (o->cmd != NULL && agent_command_help(o->cmd, stdout) == EX_OK)
            return -1;
        agent_usage(stdout);
        return -1;
    }
    if (o->cmd == NULL) {
        agent_usage(stderr);
        return EX_USAGE;
    }
    bool known = false;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        known = known || strcmp(o->cmd, commands[i]) == 0;
    if (!known)
        return die(EX_USAGE, "unknown command '%s' (see --help)", o->cmd);
    bool takes_args = strcmp(o->cmd, "fetch") == 0 || strcmp(o->cmd, "install") == 0;
    if (!takes_args && o->nargs > 0)
        return die(EX_USAGE, "%s: unexpected argument '%s'", o->cmd, o->args[0]);
    if (strcmp(o->cmd, "install") == 0 && o->nargs != 1)
        return die(EX_USAGE, "install needs exactly one TARGET");
    if (strcmp(o->cmd, "fetch") == 0 && (o->nargs == 0 || o->out_dir == NULL))
        return die(EX_USAGE, "fetch needs TARGET... and -o DIR");
    if (o->config != NULL)
        return read_config(o, o->config, true, from_cli);
    return read_config(o, DEFAULT_CONFIG, false, from_cli);
}

static bool
parse_num(const char *s, long *out)
{
    uint64_t v;
    if (ota_parse_u64(s, 0, 1000000000, &v) != OTA_OK)
        return false;
    *out = (long) v;
    return true;
}

/* a malloc'd copy of base (without trailing '/') minus a final "metadata",
 * plus suffix; NULL when base does not end in "metadata" */
static char *
beside_metadata(const char *base, const char *suffix)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n < 8 || strncmp(base + n - 8, "metadata", 8) != 0)
        return NULL;
    size_t sl = strlen(suffix);
    char *out = malloc(n - 8 + sl + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, base, n - 8);
    memcpy(out + n - 8, suffix, sl + 1);
    return out;
}

int
agent_resolve(agent_opts *o)
{
    for (size_t i = 0; i < S_COUNT; i++) {
        if (agent_settings[i].type == T_STR || o->val[i] == NULL)
            continue;
        if (!parse_num(o->val[i], &o->num[i]) ||
            (agent_settings[i].type == T_POS && o->num[i] == 0))
            return die(EX_USAGE, "%s: %s: not a %snumber: '%s'", o->src[i], agent_settings[i].key,
                       agent_settings[i].type == T_POS ? "positive " : "", o->val[i]);
    }
    int rc = EX_OK;
    if (o->val[S_STATE_DIR] == NULL)
        rc = set_val(o, S_STATE_DIR, DEFAULT_STATE_DIR, "default");
    if (rc == EX_OK && o->val[S_METADATA_DIR] == NULL) {
        size_t n = strlen(o->val[S_STATE_DIR]) + sizeof "/metadata";
        char *buf = malloc(n);
        if (buf == NULL)
            return die(EX_FAIL, "out of memory");
        snprintf(buf, n, "%s/metadata", o->val[S_STATE_DIR]);
        rc = set_val(o, S_METADATA_DIR, buf, "default");
        free(buf);
    }
    if (rc == EX_OK && o->val[S_SYSTEM_CONF] == NULL)
        rc = set_val(o, S_SYSTEM_CONF, DEFAULT_SYSTEM_CONF, "default");
    if (rc == EX_OK && o->val[S_METADATA_URL] != NULL) {
        if (o->val[S_TARGET_BASE_URL] == NULL) {
            char *t = beside_metadata(o->val[S_METADATA_URL], "targets/");
            if (t != NULL) {
                rc = set_val(o, S_TARGET_BASE_URL, t, "default");
                free(t);
            }
        }
        if (rc == EX_OK && o->val[S_REPORT_URL] == NULL) {
            char *t = beside_metadata(o->val[S_METADATA_URL], "v1/reports");
            if (t != NULL) {
                rc = set_val(o, S_REPORT_URL, t, "default");
                free(t);
            }
        }
    }
    if (rc == EX_OK && o->val[S_REPORT_URL] != NULL && strcmp(o->val[S_REPORT_URL], "none") == 0) {
        free(o->val[S_REPORT_URL]);
        o->val[S_REPORT_URL] = NULL;
    }
    o->delta = true;
    if (o->val[S_DELTA] != NULL) {
        if (strcmp(o->val[S_DELTA], "no") == 0)
            o->delta = false;
        else if (strcmp(o->val[S_DELTA], "yes") != 0)
            return die(EX_USAGE, "%s: delta: 'yes' or 'no', not '%s'", o->src[S_DELTA],
                       o->val[S_DELTA]);
    }
    if (o->num[S_POLL_INTERVAL] < 0)
        o->num[S_POLL_INTERVAL] = 3600;
    if (o->num[S_POLL_JITTER] < 0)
        o->num[S_POLL_JITTER] = o->num[S_POLL_INTERVAL] / 10;
    if (o->num[S_POLL_JITTER] > o->num[S_POLL_INTERVAL])
        return die(EX_USAGE, "poll_jitter %ld is larger than poll_interval %ld",
                   o->num[S_POLL_JITTER], o->num[S_POLL_INTERVAL]);
    if (o->num[S_HEALTH_TIMEOUT] < 0)
        o->num[S_HEALTH_TIMEOUT] = 300;
    return rc;
}

void
agent_opts_free(agent_opts *o)
{
    for (size_t i = 0; i < S_COUNT; i++)
        free(o->val[i]);
    free(o->config);
    free(o->root_file);
    free(o->out_dir);
    free(o->reason);
}
