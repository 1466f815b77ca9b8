/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsutil.h — file-system steps for ota-sign: hashing files, and staging
 * files to publish later (over ota_atomic: write temp, fsync, rename, fsync
 * directory; or, for many files at once, write every temporary, one syncfs,
 * the renames, one syncfs).
 */
#ifndef OTA_SIGN_FSUTIL_H
#define OTA_SIGN_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ota_atomic.h"
#include "ota_err.h"
#include "ota_util.h"

/* A write that becomes visible only on commit (ota_atomic, path-based):
 * stage writes a hidden temporary beside the final path and fsyncs it,
 * holding no descriptor afterwards; commit renames it into place and fsyncs
 * the directory; abort removes it.  Stage initialises *p and on failure
 * leaves nothing to abort.  (Single files: ota_atomic_replace_path,
 * ota_atomic_create_path.  Reading files and mkdir -p: ota_file_read,
 * ota_mkdirs in ota_util.h.) */
typedef struct fs_pending {
    ota_atomic a;
    char *path;    /* the final path */
    dev_t dev;     /* the file system of the temporary */
    bool unsynced; /* written without fsync: synced before any commit or move */
} fs_pending;

OTA_NODISCARD ota_err fs_stage(fs_pending *p, const char *path, const void *data, size_t len,
                               mode_t mode);
/* Stage a copy of src, computing its length and hashes on the way (sha512
 * NULL: not computed).  Without `sync` the temporary is closed without an
 * fsync: many files are then made durable together (one syncfs per file
 * system) by fs_commit_all, or by fs_commit / fs_move_pending. */
OTA_NODISCARD ota_err fs_stage_copy(fs_pending *p, const char *path, const char *src,
                                    uint64_t *length, uint8_t sha256[32], uint8_t sha512[64],
                                    bool sync);
/* Commit to another final path in the same directory (the temporary is
 * there already); takes ownership of path. */
void fs_retarget(fs_pending *p, char *path);
OTA_NODISCARD ota_err fs_commit(fs_pending *p);
/* Commit v[0..n) in order, durably: syncfs of every file system holding an
 * unsynced temporary, the renames (no fsync of each directory), then one
 * syncfs per file system, so that every new name is on the disk before
 * anything committed afterwards can name it.  Stops at the first failure
 * (the rest stays pending: fs_abort them). */
OTA_NODISCARD ota_err fs_commit_all(fs_pending *v, size_t n);
void fs_abort(fs_pending *p);
/* Make the unsynced temporaries among v[0..n) durable: one syncfs per file
 * system (fs_commit, fs_commit_all and fs_move_pending do it themselves;
 * before moving many, one call instead of one per move). */
OTA_NODISCARD ota_err fs_sync_pending(fs_pending *v, size_t n);

/* Keep a staged write at another path instead (any directory, created
 * beforehand): the temporary is renamed there (copied across file
 * systems); *p is released either way. */
OTA_NODISCARD ota_err fs_move_pending(fs_pending *p, const char *dst);

/* Remove a directory tree (symlinks are removed, never followed); missing
 * is fine. */
void fs_remove_tree(const char *path);

/* Hash a file (length, sha256, sha512 unless NULL) by streaming it. */
OTA_NODISCARD ota_err fs_hash_file(const char *path, uint64_t *length, uint8_t sha256[32],
                                   uint8_t sha512[64]);

/* "a" + "/" + "b", malloc'd (aborts nothing: NULL on OOM). */
char *fs_join(const char *a, const char *b);

#endif
