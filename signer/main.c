/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota-sign — the build-machine tool: keys, update bundles, and a TUF
 * repository any TUF client accepts.  Each command lives in its own file.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "keys.h"

typedef struct sign_cmd {
    const char *name;
    sign_cmd_fn fn;
    const char *summary;
} sign_cmd;

static int cmd_help(int argc, char **argv);

/* One line per command; a command is listed once its file exists. */
static const sign_cmd commands[] = {
    {"help", cmd_help, "show this help"},
    {"keygen", cmd_keygen, "create a key pair (passphrase-encrypted by default)"},
    {"passwd", cmd_passwd, "change the passphrase of a key file"},
    {"init", cmd_init, "create a new TUF repository"},
    {"add", cmd_add, "add or replace targets and publish"},
    {"remove", cmd_remove, "remove targets and publish"},
    {"renew", cmd_renew, "re-sign what expires soon (cron, online keys); warn about the rest"},
    {"timestamp", cmd_timestamp, "re-sign timestamp.json (online key)"},
    {"snapshot", cmd_snapshot, "re-sign snapshot.json and timestamp.json"},
    {"sign", cmd_sign, "add signatures to staged metadata (offline threshold signing)"},
    {"publish", cmd_publish, "publish staged metadata once thresholds are met"},
    {"discard", cmd_discard, "drop staged changes (metadata and target files)"},
    {"rotate", cmd_rotate, "change a role's keys or threshold (root included)"},
    {"release", cmd_release, "change a bundle's channels, rollout or downgrade and publish"},
    {"floor", cmd_floor, "list, set or clear the fleet-wide minimum version of a bundle"},
    {"delegate", cmd_delegate, "delegate target paths to a role with its own keys"},
    {"verify", cmd_verify, "check a whole repository as a client would"},
    {"status", cmd_status, "expiry report per role (exit code for monitoring)"},
    {"bundle", cmd_bundle, "build an update bundle (chunked, compressed, reproducible)"},
    {"inspect", cmd_inspect, "show a bundle's manifest, components and head hash"},
    {"verify-bundle", cmd_verify_bundle, "verify every chunk of a bundle as a device would"},
};

static const size_t ncommands = sizeof commands / sizeof commands[0];

static void
usage(FILE *out)
{
    fprintf(out, "usage: ota-sign COMMAND [OPTIONS]   (ota-sign COMMAND --help for details)\n"
                 "       ota-sign --version\n\n"
                 "commands:\n");
    for (size_t i = 0; i < ncommands; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit codes (one table with ota-server and ota-client: docs/exit-codes.md):\n"
                 "  0 ok                1 other failure, I/O   2 usage\n"
                 "  4 verification      5 expired              6 not found\n"
                 "  7 not a repository  12 repository busy     15 disk full\n"
                 "  16 key/passphrase   17 staged (threshold not met)\n"
                 "  18 expires soon     19 would overwrite     20 refused input\n");
}

static int
cmd_help(int argc, char **argv)
{
    (void) argc;
    (void) argv;
    usage(stdout);
    return SX_OK;
}

int
sign_exit_code(ota_err rc)
{
    switch (rc) {
    case OTA_OK: return SX_OK;
    case OTA_E_ARG: return SX_USAGE;
    case OTA_E_KEY:
    case OTA_E_PASSPHRASE: return SX_KEY;
    case OTA_E_SIGNATURE:
    case OTA_E_HASH:
    case OTA_E_LENGTH:
    case OTA_E_TYPE:
    case OTA_E_SPEC_VERSION:
    case OTA_E_ROLLBACK:
    case OTA_E_VERSION:
    case OTA_E_JSON:
    case OTA_E_FORMAT:
    case OTA_E_THRESHOLD: return SX_VERIFY;
    case OTA_E_EXPIRED: return SX_EXPIRED;
    case OTA_E_IO: return SX_IO;
    case OTA_E_NOSPACE: return SX_NOSPACE;
    case OTA_E_NOT_FOUND: return SX_NOTFOUND;
    case OTA_E_EXISTS: return SX_EXISTS;
    case OTA_E_LIMIT:
    case OTA_E_UNSAFE:
    case OTA_E_UNSUPPORTED: return SX_INPUT;
    case OTA_E_NOMEM:
    case OTA_E_CRYPTO:
    case OTA_E_NETWORK:
    case OTA_E_CANCELED:
    case OTA_E_HARDWARE:
    case OTA_E_BAD_VERSION:
    case OTA_E_HOOK:
    case OTA_E_TIMEOUT:
    case OTA_E_STATE:
    case OTA_E_BOOT: return SX_FAIL;
    }
    return SX_FAIL;
}

int
sign_fail(ota_err rc, const char *fmt, ...)
{
    va_list ap;
    fputs("ota-sign: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", ota_strerror(rc));
    return sign_exit_code(rc);
}

int
sign_error(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("ota-sign: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

bool
sign_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

int
main(int argc, char **argv)
{
    /* keys and passphrases pass through this process: no core dumps */
    struct rlimit nocore = {0, 0};
    (void) setrlimit(RLIMIT_CORE, &nocore);
    if (sodium_init() < 0)
        return sign_error(SX_FAIL, "libsodium failed to initialise");
    passphrase_env_take(); /* before anything else runs: children never see it */
    if (argc < 2) {
        usage(stderr);
        return SX_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return SX_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ota-sign %s (libsodium %s, jansson %s)\n", OTA_SIGN_VERSION,
               sodium_version_string(), JANSSON_VERSION);
        return SX_OK;
    }
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ota-sign: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return SX_USAGE;
}
