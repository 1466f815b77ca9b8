/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h — options every repository command shares (-r REPO, -k KEY...,
 * --passphrase-file) and the open step that applies them.
 */
#ifndef OTA_SIGN_COMMON_H
#define OTA_SIGN_COMMON_H

#include <getopt.h>
#include <stdio.h>

#include "repo.h"

#define COMMON_MAX_KEYS 64

/* getopt_long entries; append to a command's own table with COMMON_OPTIONS
 * (and STAGE_OPTION for the commands that change metadata) */
enum { OPT_PASSPHRASE_FILE = 0x200, OPT_STAGE };
#define STAGE_OPTION {"stage", no_argument, NULL, OPT_STAGE}
#define COMMON_OPTIONS                                                                             \
    {"repo", required_argument, NULL, 'r'}, {"key", required_argument, NULL, 'k'},                 \
        {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},                         \
        {"help", no_argument, NULL, 'h'}
#define COMMON_SHORT "r:k:h"

#define COMMON_HELP                                                                                \
    "  -r, --repo DIR            the repository (default: current directory)\n"                  \
    "  -k, --key FILE            a private key to sign with (repeat for several)\n"             \
    "      --passphrase-file KEYFILE=F  the passphrase of that key is F's first line\n"      \
    "                            (repeat for each key with its own passphrase)\n"            \
    "      --passphrase-file F   passphrase for every other encrypted key (else\n"           \
    "                            OTA_SIGN_PASSPHRASE, else asked on the terminal)\n"
#define STAGE_HELP                                                                                 \
    "      --stage               stage the change for offline signing even when no key\n"    \
    "                            of a role it needs is given (else that is an error)\n"

typedef struct common_opts {
    const char *repo;
    const char *keys[COMMON_MAX_KEYS];
    size_t nkeys;
    const char *passfiles[COMMON_MAX_KEYS]; /* --passphrase-file arguments */
    size_t npassfiles;
    bool stage;              /* --stage */
    bool allow_expired_root; /* rotate, sign, publish: the way to renew it */
} common_opts;

/* Handle one getopt result if it is a common option: 1 handled, 0 not
 * ours, -1 error (message printed). */
int common_opt(common_opts *o, int c, const char *arg);

/* Parse argv for a command that has only the common options; fills *o.
 * Returns -1 to go on, or the exit code the command should return (help
 * printed, usage error).  args: 1 positional arguments required, 0 none
 * allowed, -1 either. */
int common_parse_only(int argc, char **argv, common_opts *o, void (*help)(FILE *), int args);

/* Open the repository for changes and load the key files. Returns an exit
 * code (SX_OK on success). */
int common_open(const common_opts *o, repo *r, bool allow_staged);

/* Same, read-only (no lock, keys not loaded). */
int common_open_readonly(const common_opts *o, repo *r);

/* Add the key in file to a metadata "keys" object and to a "keyids" array
 * (no duplicates; also registers it for signing when it is private).
 * Returns an exit code. */
int add_role_key(repo *r, const char *file, json_t *keys_obj, json_t *keyids);

/* Sign every changed role with the given keys, then publish (or stage);
 * returns the exit code.  First checks the keys (keys_check_needed with
 * the changed roles, snapshot and timestamp). */
int sign_and_publish(repo *r);

/* The roles a run signs, for keys_check_needed. */
enum {
    NEED_CHANGED = 1,   /* every changed role (root old and new when it changed) */
    NEED_SNAPSHOT = 2,
    NEED_TIMESTAMP = 4,
    NEED_ALL_TARGETS = 8, /* targets and every delegated role, changed or not (renew) */
};

/*
 * Before signing: every key given with -k must belong to a role in `need`
 * (else an error naming the file and the roles it does belong to), and
 * unless r->stage or the changes came from .ota/staged, every such role
 * must have at least one of its keys here (else an error: staging happens
 * only when some but not all of a threshold is here, or with --stage).
 * Returns an exit code (SX_OK to go on).
 */
int keys_check_needed(repo *r, unsigned need);

/* "3 d", "5 h", "12 min", "40 s" for a number of seconds (sign ignored). */
void human_duration(int64_t secs, char *buf, size_t cap);

/* Exit code for the result of repo_publish (and print nothing more). */
int publish_exit(ota_err rc);

#endif
