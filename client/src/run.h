/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.h — the one way libotaclient runs a helper program: bootloader tools,
 * custom backends and install hooks (internal, prefix otac_).
 */
#ifndef OTAC_RUN_H
#define OTAC_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "ota/boot.h"

/* Caps.  A helper's stdout: a U-Boot environment is at most a few hundred
 * KiB on any board we know, but the variables we need fit in far less; an
 * environment listing beyond OTAC_RUN_OUT_MAX is refused (OTA_E_BOOT)
 * instead of being read into memory without bound.  Only the first
 * OTAC_RUN_ERR_MAX bytes of a helper's stderr are kept (for the message). */
#define OTAC_RUN_OUT_MAX (64u * 1024u)
#define OTAC_RUN_ERR_MAX 1024u

/* ---- helper programs (run.c) --------------------------------------- */

/* The outcome of one helper run. */
typedef struct otac_run_result {
    char *out;   /* stdout, NUL-terminated (malloc'd; NULL when not wanted) */
    size_t len;  /* bytes in out */
    int status;  /* exit status (0..255); -1 when killed by a signal */
    char errline[OTA_BOOT_ERRLEN]; /* first line of stderr ("" if none) */
} otac_run_result;

/*
 * Run argv (argv[0] looked up in PATH by execvp, no shell), with the
 * environment plus `env` ("NAME=value" strings, NULL-terminated; may be
 * NULL; an entry replaces an inherited variable of that name), stdin from
 * /dev/null, stdout captured (at most OTAC_RUN_OUT_MAX bytes, only when
 * want_out) and stderr's first line kept.  The child gets its own process
 * group; past timeout_ms the whole group is killed with SIGKILL (reaped) and
 * OTA_E_TIMEOUT returned.  OTA_E_BOOT when it cannot be started, writes more
 * than the cap, or is killed by a signal; OTA_E_NOMEM.  A non-zero exit is
 * NOT an error here: r->status tells (callers decide).  Messages go to err.
 * Free r->out with free() (also on failure: it is then NULL).
 */
ota_err otac_run(const char *const *argv, const char *const *env, unsigned timeout_ms,
                 bool want_out, otac_run_result *r, char *err);

/* otac_run, then a non-zero exit becomes OTA_E_BOOT with the program's
 * name and stderr's first line in err. */
ota_err otac_run_ok(const char *const *argv, const char *const *env, unsigned timeout_ms,
                    bool want_out, otac_run_result *r, char *err);

#endif
