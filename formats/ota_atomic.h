/*
 * ota_atomic.h — the one way any ota program replaces a file: a hidden
 * temporary beside it (".ota-tmp.XXXXXXXX", same directory, so the rename
 * is atomic), written, fsync'd, renamed over the final name, then the
 * directory fsync'd.  A crash at any instant leaves the old file or the new
 * one, never a mix; a failure removes the temporary.
 *
 * Every name is relative to a directory descriptor and must be flat (no
 * '/'), so nothing here follows a path the caller did not open itself; the
 * temporary is created O_EXCL|O_NOFOLLOW.
 */
#ifndef OTA_ATOMIC_H
#define OTA_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

#define OTA_ATOMIC_PREFIX ".ota-tmp."

typedef struct ota_atomic {
    int dfd;      /* borrowed directory descriptor */
    int fd;       /* the temporary, -1 when none */
    unsigned mode;
    char tmp[32]; /* OTA_ATOMIC_PREFIX + 8 hex digits */
} ota_atomic;

/* Map an errno value to an ota_err (ENOSPC/EDQUOT: OTA_E_NOSPACE, ENOENT/
 * ENOTDIR: OTA_E_NOT_FOUND, EEXIST: OTA_E_EXISTS, ENOMEM: OTA_E_NOMEM,
 * else OTA_E_IO). */
ota_err ota_errno_err(int e);

/* Create the temporary in dfd (borrowed, must outlive *a) with mode (the
 * umask does not apply: fchmod).  OTA_E_IO / OTA_E_NOSPACE. */
OTA_NODISCARD ota_err ota_atomic_begin(ota_atomic *a, int dfd, unsigned mode);

/* Write all of buf (retries short writes and EINTR). */
OTA_NODISCARD ota_err ota_atomic_write(ota_atomic *a, const void *buf, size_t len);

/* fsync and close the temporary, rename it over dfd/name, fsync dfd.  With
 * `exclusive`, never replace: link(2) to name then unlink the temporary
 * (OTA_E_EXISTS when name exists).  On failure the temporary is removed and
 * dfd/name is untouched (except when only the final directory fsync failed:
 * then the new file is in place and OTA_E_IO is returned). */
OTA_NODISCARD ota_err ota_atomic_commit(ota_atomic *a, const char *name, bool exclusive);

/* Remove the temporary; safe after a failed or successful commit. */
void ota_atomic_abort(ota_atomic *a);

/* begin + write + commit of buf[len] as dfd/name. */
OTA_NODISCARD ota_err ota_atomic_replace(int dfd, const char *name, const void *buf, size_t len,
                                         unsigned mode);

/* The same for a path "dir/name" (or "name" in the working directory). */
OTA_NODISCARD ota_err ota_atomic_replace_path(const char *path, const void *buf, size_t len,
                                              unsigned mode);

/* fsync a directory by path (after a rename or unlink in it). */
OTA_NODISCARD ota_err ota_fsync_dir(const char *dir);

/* True when name is the temporary of an ota_atomic (for sweeping leftovers
 * of a process killed outright). */
bool ota_atomic_is_temp(const char *name);

#endif
