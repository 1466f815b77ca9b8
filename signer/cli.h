/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h — what every ota-sign command shares: the command table, the exit
 * codes (documented in `ota-sign --help` and docs/ota-sign.md), and error
 * reporting (one clear line on stderr).
 */
#ifndef OTA_SIGN_CLI_H
#define OTA_SIGN_CLI_H

#include <stdbool.h>

#include "ota_err.h"

#define OTA_SIGN_VERSION "0.1.0"

/* Exit codes: the one table of docs/exit-codes.md, shared with ota-server
 * and ota-client (a number means the same in all three). */
enum {
    SX_OK = 0,
    SX_FAIL = 1,       /* other failure */
    SX_IO = 1,         /* file system: not writable, an I/O error */
    SX_USAGE = 2,      /* bad command line */
    SX_VERIFY = 4,     /* verification failed: repository or bundle is invalid */
    SX_EXPIRED = 5,    /* status/verify: something has expired */
    SX_NOTFOUND = 6,   /* no such file, target, role or floor */
    SX_NOREPO = 7,     /* the directory is not an ota repository */
    SX_BUSY = 12,      /* another ota-sign holds the repository */
    SX_NOSPACE = 15,   /* the file system is full */
    SX_KEY = 16,       /* wrong passphrase, missing/unusable key, key in no needed role */
    SX_THRESHOLD = 17, /* signatures below threshold: staged, not published */
    SX_WARN = 18,      /* status/renew: something expires soon */
    SX_EXISTS = 19,    /* refusing to overwrite */
    SX_INPUT = 20,     /* refused input (bad target path, not a regular file, bad bundle input) */
};

typedef int (*sign_cmd_fn)(int argc, char **argv);

/* Map a library error to the command's exit code. */
int sign_exit_code(ota_err rc);

/* Print "ota-sign: <context>: <ota_strerror(rc)>" and return the exit code. */
int sign_fail(ota_err rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "ota-sign: <message>" and return code. */
int sign_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when argv[i] is -h or --help. */
bool sign_wants_help(int argc, char **argv);

/* Commands (one file each: signer/cmd_<name>.c). */
int cmd_keygen(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_timestamp(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_delegate(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify_bundle(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_floor(int argc, char **argv);
int cmd_passwd(int argc, char **argv);
int cmd_discard(int argc, char **argv);
int cmd_renew(int argc, char **argv);

#endif
