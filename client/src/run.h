/*
 * run.h — run a helper program (install hooks, bootloader tools, custom
 * backends) without a shell: fork + execvp, stdin from /dev/null, stdout
 * captured up to a cap, the first line of stderr kept for the message, a
 * hard time limit (the whole process group is killed), always reaped.
 * Internal to libotaclient (prefix otac_).
 */
#ifndef OTAC_RUN_H
#define OTAC_RUN_H

#include <stddef.h>

#include "ota_err.h"

typedef struct otac_run_opts {
    const char *const *argv; /* argv[0] is looked up in PATH when it has no '/' */
    const char *const *env;  /* extra "NAME=value" entries (NULL-terminated), or NULL */
    unsigned timeout_ms;     /* 0: 30000 */
    char *out;               /* stdout, NUL-terminated, cut at out_cap - 1; NULL: discarded */
    size_t out_cap;
    char *errline;           /* first line of stderr, NUL-terminated; may be NULL */
    size_t err_cap;
} otac_run_opts;

/* OTA_OK when the program ran and exited; *status is its exit status (128 +
 * signal number when killed by a signal, 127 when it could not be
 * executed).  OTA_E_TIMEOUT when it was killed at the time limit;
 * OTA_E_IO / OTA_E_NOMEM when it could not be started. */
ota_err otac_run(const otac_run_opts *o, int *status);

#endif
