/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_atomic.h — the one way any ota program replaces a file: a hidden
 * temporary beside it (".ota-tmp.XXXXXXXX", same directory, so the rename
 * is atomic), written, fsync'd, renamed over the final name, then the
 * directory fsync'd.  A crash at any instant leaves the old file or the new
 * one, never a mix; a failure removes the temporary.  The temporary is
 * hidden so that a server never serves it (ota-server refuses hidden names)
 * and a leftover of a process killed outright can be recognised
 * (ota_atomic_is_temp).
 *
 * The life of one write:
 *
 *     ota_atomic_begin (or ota_atomic_begin_path)
 *     ota_atomic_write ... (or writes to ota_atomic_fd)
 *     [ota_atomic_finish]       the bytes are durable, nothing visible yet
 *     ota_atomic_commit         or ota_atomic_abort to drop it
 *
 * Every function that fails has already removed the temporary, except
 * ota_atomic_write (and writes to the descriptor): after those call
 * ota_atomic_abort, which is always safe — after a failure, after a commit,
 * twice, and on an object set to OTA_ATOMIC_INIT that was never begun.  On
 * a failure errno tells why (the clean-up keeps it).
 *
 * Names given to ota_atomic_commit are relative to the directory and must be
 * flat (no '/'), so nothing here follows a path the caller did not open
 * itself (path-based writes name their directory once, at the start); the
 * temporary is created O_EXCL|O_NOFOLLOW, so nothing planted at its name is
 * ever followed.
 */
#ifndef OTA_ATOMIC_H
#define OTA_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

#define OTA_ATOMIC_PREFIX ".ota-tmp."

/* Or'ed into a mode: the process umask applies (as with open(2)), for files
 * whose permissions the user's umask should narrow (client downloads and
 * metadata).  Without it the mode is exact whatever the umask. */
#define OTA_ATOMIC_UMASK 0x10000u

typedef struct ota_atomic {
    int dfd;      /* the directory: borrowed, or opened from `dir` while needed */
    int fd;       /* the temporary while it is open, else -1 */
    char *dir;    /* path-based: the directory's path (owned), else NULL */
    char tmp[32]; /* OTA_ATOMIC_PREFIX + 8 hex digits; "" when there is none */
} ota_atomic;

/* An object that was never begun but may be aborted. */
#define OTA_ATOMIC_INIT {.dfd = -1, .fd = -1, .dir = NULL, .tmp = ""}

/* Map an errno value to an ota_err (ENOSPC/EDQUOT: OTA_E_NOSPACE, ENOENT/
 * ENOTDIR: OTA_E_NOT_FOUND, EEXIST: OTA_E_EXISTS, ENOMEM: OTA_E_NOMEM,
 * else OTA_E_IO). */
ota_err ota_errno_err(int e);

/* Create the temporary in dfd (borrowed, must outlive *a) with mode
 * (permission bits, optionally | OTA_ATOMIC_UMASK; without it fchmod makes
 * the mode exact).  OTA_E_IO / OTA_E_NOSPACE, OTA_E_ARG for a bad mode. */
OTA_NODISCARD ota_err ota_atomic_begin(ota_atomic *a, int dfd, unsigned mode);

/* The same for the file at path ("dir/name" or "name"): the temporary is
 * made in path's directory, which *a opens by path now and again for the
 * commit (or abort); after ota_atomic_finish a path-based write holds no
 * descriptor, so a program can stage any number of files and commit them
 * later in an order of its choosing.  ota_atomic_commit then takes a flat
 * name in that directory.  For tools working on paths their user gave
 * (ota-sign).  Also OTA_E_NOMEM. */
OTA_NODISCARD ota_err ota_atomic_begin_path(ota_atomic *a, const char *path, unsigned mode);

/* The temporary's descriptor (write-only, at the end of what was written)
 * for writers that want one, -1 once finished.  Borrowed: never close it. */
int ota_atomic_fd(const ota_atomic *a);

/* Write all of buf (retries short writes and EINTR).  On failure call
 * ota_atomic_abort.  ENOSPC: OTA_E_NOSPACE. */
OTA_NODISCARD ota_err ota_atomic_write(ota_atomic *a, const void *buf, size_t len);

/* Write all of buf to fd (retries short writes and EINTR); ENOSPC/EDQUOT:
 * OTA_E_NOSPACE, other errors as ota_errno_err. */
OTA_NODISCARD ota_err ota_write_all(int fd, const void *buf, size_t len);

/* fsync and close the temporary: its bytes are durable under the hidden
 * name and nothing visible has changed.  Optional: commit does it when it
 * was not done. */
OTA_NODISCARD ota_err ota_atomic_finish(ota_atomic *a);

/* Close the temporary WITHOUT fsync: its bytes may still be in the page
 * cache only.  For a writer staging many files that makes them durable
 * together — one syncfs(2) of their file system — before committing any
 * (ota-sign add of thousands of targets); commit does not fsync it then.
 * Like finish, holds no descriptor afterwards. */
OTA_NODISCARD ota_err ota_atomic_close_unsynced(ota_atomic *a);

/* Finish, rename the temporary over name, fsync the directory.  With
 * `exclusive`, never replace: link(2) to name then unlink the temporary
 * (OTA_E_EXISTS when name exists, whatever it is, even a dangling symlink).
 * On failure the temporary is removed and name is untouched (except when
 * only the final directory fsync failed: then the new file is in place and
 * OTA_E_IO is returned).  A name that is not flat: OTA_E_ARG. */
OTA_NODISCARD ota_err ota_atomic_commit(ota_atomic *a, const char *name, bool exclusive);

/* ota_atomic_commit (not exclusive) without the directory fsync: for many
 * commits in a row made durable together by one syncfs(2) afterwards,
 * before anything that names the new files is committed. */
OTA_NODISCARD ota_err ota_atomic_commit_unsynced(ota_atomic *a, const char *name);

/* Remove the temporary and release what *a holds (see above: always safe). */
void ota_atomic_abort(ota_atomic *a);

/* begin + write + commit of buf[len] as dfd/name. */
OTA_NODISCARD ota_err ota_atomic_replace(int dfd, const char *name, const void *buf, size_t len,
                                         unsigned mode);

/* The same for a path "dir/name" (or "name" in the working directory). */
OTA_NODISCARD ota_err ota_atomic_replace_path(const char *path, const void *buf, size_t len,
                                              unsigned mode);

/* Create path with buf[len], never replacing anything (an exclusive commit:
 * OTA_E_EXISTS and path untouched when it exists).  Unlike a plain O_EXCL
 * creation, a crash never leaves a partial file under the final name (key
 * files).  Needs a file system with hard links. */
OTA_NODISCARD ota_err ota_atomic_create_path(const char *path, const void *buf, size_t len,
                                             unsigned mode);

/* fsync a directory by path (after a rename or unlink in it). */
OTA_NODISCARD ota_err ota_fsync_dir(const char *dir);

/* True when name is the temporary of an ota_atomic (for sweeping leftovers
 * of a process killed outright). */
bool ota_atomic_is_temp(const char *name);

#endif
