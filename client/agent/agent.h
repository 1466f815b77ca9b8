/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent.h — ota-client's shared declarations: the exit-code table, the
 * settings (one name each: the config key, the flag is the key with '-'
 * for '_', the C API field where the library has one), and the commands.
 *
 * Flow: options.c parses the command line and the config file into
 * `agent_opts` → main.c resolves defaults and dispatches → the command
 * (main.c: metadata and targets; device.c: install, status, check, update,
 * confirm, rollback, boot-check, report; daemon.c: the service loop).
 */
#ifndef OTA_AGENT_H
#define OTA_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota/client.h"
#include "ota/install.h"
#include "ota/report.h"
#include "ota/transport.h"
#include "ota/update.h"

/* Exit codes: the one table of docs/exit-codes.md (shared with ota-sign and
 * ota-server); --help and docs/ota-client.md list the ones used here. */
enum {
    EX_OK = 0,
    EX_FAIL = 1,       /* anything else: I/O, out of memory */
    EX_USAGE = 2,      /* bad command line or config file */
    EX_NETWORK = 3,    /* repository unreachable, timeout, too slow, HTTP error */
    EX_VERIFY = 4,     /* verification failed: a security event */
    EX_EXPIRED = 5,    /* metadata expired: freeze attack or stale repository */
    EX_NOTFOUND = 6,   /* target not in the trusted metadata */
    EX_NOINIT = 7,     /* no usable trusted root: run init */
    EX_HARDWARE = 8,   /* install: the bundle is not for this hardware */
    EX_NOTNEWER = 9,   /* install: not newer than the installed version */
    EX_MARKEDBAD = 10, /* install: failed here before, or below the signed floor */
    EX_HOOK = 11,      /* install: a hook failed or timed out */
    EX_BUSY = 12,      /* an update waits for reboot / confirm; nothing to confirm */
    EX_BOOT = 13,      /* bootloader environment unreadable or not written */
    EX_CANCELED = 14,  /* interrupted (signal); the next install resumes */
    EX_NOSPACE = 15,   /* no space left in the slot or state dir */
    EX_EXISTS = 19,    /* refusing to overwrite (init without --force) */
    /* 16-18, 20, 21: ota-sign and ota-server (docs/exit-codes.md) */
};

#define DEFAULT_CONFIG "/etc/ota/client.conf"
#define DEFAULT_STATE_DIR "/var/lib/ota-client"
#define DEFAULT_SYSTEM_CONF "/etc/ota/system.conf"
#define DEFAULT_MACHINE_ID "/etc/machine-id"

/* Settings: index into agent_opts.val[]. */
typedef enum setting_id {
    S_METADATA_URL,
    S_TARGET_BASE_URL,
    S_REPORT_URL,
    S_STATE_DIR,
    S_METADATA_DIR,
    S_SYSTEM_CONF,
    S_DEVICE_ID,
    S_HARDWARE_ID,
    S_PRODUCT,
    S_CHANNEL,
    S_CONNECT_TIMEOUT,
    S_TIMEOUT,
    S_LOW_SPEED_LIMIT,
    S_LOW_SPEED_TIME,
    S_CA_PATH,
    S_CA_FILE,
    S_MAX_TIMESTAMP_SIZE,
    S_MAX_ROOT_SIZE,
    S_HOOK_TIMEOUT,
    S_CHECKPOINT_KIB,
    S_POLL_INTERVAL,
    S_POLL_JITTER,
    S_HEALTH_CHECK,
    S_HEALTH_TIMEOUT,
    S_REBOOT_COMMAND,
    S_DELTA,
    S_COUNT
} setting_id;

typedef enum setting_type { T_STR, T_NUM, T_POS } setting_type;

typedef struct setting {
    const char *key;  /* config key; the flag is --key with '-' for '_' */
    setting_type type;
    const char *arg;  /* the value's name in --help */
    const char *help; /* one line, with the default */
} setting;

extern const setting agent_settings[S_COUNT];

typedef struct agent_opts {
    /* settings as given (strings; NULL: not given), and where from */
    char *val[S_COUNT];
    char src[S_COUNT][64];
    long num[S_COUNT]; /* T_NUM / T_POS values after resolve; -1 unset */
    /* command and its own flags */
    const char *cmd;
    char **args;
    int nargs;
    char *config, *root_file, *out_dir, *reason;
    bool force, json, allow_downgrade, once, help;
    bool delta; /* after resolve: the delta setting (default yes; --no-delta) */
} agent_opts;

/* options.c */
int agent_parse(int argc, char **argv, agent_opts *o);
int agent_resolve(agent_opts *o);
void agent_opts_free(agent_opts *o);
void agent_usage(FILE *out);
int agent_command_help(const char *cmd, FILE *out);
const char *agent_str(const agent_opts *o, setting_id s); /* NULL when unset */

/* main.c: shared helpers */
int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int exit_code(ota_err rc);
int lib_fail(ota_client *c, ota_err rc);
double now_s(void);
const char *shown(const char *s, char *buf, size_t cap);


/* progress on a terminal / as JSON lines (install and fetch) */
typedef struct agent_progress {
    bool tty, json;
    double start, last;
    void (*tick)(void); /* called on every progress event (the watchdog) */
} agent_progress;
void agent_on_progress(void *user, const ota_install_progress *p);

/* The network side, made on demand (curl global init, transport, client). */
typedef struct agent_net {
    bool curl_up;
    ota_transport tr;
    ota_client *c;
    agent_progress prog; /* fetch progress */
} agent_net;

int net_open(const agent_opts *o, agent_net *n, bool need_metadata);
void net_close(agent_net *n);
int do_refresh(ota_client *c);

/* device.c */
int cmd_device(agent_opts *o);

/* Shared by device.c and daemon.c: one device session. */
typedef struct agent_dev {
    agent_opts *o;
    agent_net net;
    ota_installer *in;
    ota_reporter *rep; /* NULL when reports are off (no device id or URL) */
    agent_progress prog;
    char device_id[129];
} agent_dev;

int dev_open(agent_opts *o, agent_dev *d, bool need_metadata);
void dev_close(agent_dev *d);
int dev_boot_check(agent_dev *d, bool quiet);
int dev_check(agent_dev *d, bool print, ota_target_info *chosen, bool *found);
int dev_install(agent_dev *d, const ota_target_info *t);
int dev_after_boot(agent_dev *d);
void dev_report(agent_dev *d, ota_outcome outcome, const char *event, const char *installed,
                const char *previous, const char *target, const char *error);
ota_err dev_send_reports(agent_dev *d, bool force, bool print);
void dev_catch_signals(ota_installer *in);
extern volatile int agent_stop; /* set by SIGTERM / SIGINT */

/* daemon.c */
int cmd_daemon(agent_dev *d);

#endif
