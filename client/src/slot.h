/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slot.h — slot writers: where verified component bytes land (internal,
 * prefix otac_).  The bundle reader has already checked every byte and
 * every entry (formats/BUNDLE.md) before these functions see them; the
 * writers add the file-system half of the defence:
 *
 *  dir  (a directory, e.g. a mounted partition): emptied first without
 *       following any link and without recursion on the tree's depth; every
 *       entry is created beneath the slot's root descriptor one component at
 *       a time with openat(O_NOFOLLOW | O_DIRECTORY) for parents, so nothing
 *       is ever written through a symbolic link — neither one planted by an
 *       earlier bundle nor one created by this one; files are created
 *       O_EXCL|O_NOFOLLOW; chmod, chown and times are applied through the
 *       descriptor of the object just created (fchmod/fchown/futimens),
 *       symlinks only with AT_SYMLINK_NOFOLLOW; setuid/setgid bits are
 *       dropped unless the slot allows them.  Symlink targets are stored as
 *       given: an absolute target in a rootfs tree means "from the slot's
 *       root" once that slot is booted, and is never followed here.
 *  raw  (a block device or a regular file): chunks written at their
 *       offsets with pwrite, fsync'd; read back after dropping the page
 *       cache and hashed against the chunk table once more before the slot
 *       may be switched to.
 *
 * Errors: OTA_E_IO, OTA_E_NOSPACE (ENOSPC/EDQUOT), OTA_E_UNSAFE (an object
 * in the slot is not what this install created: a symlink or file where a
 * directory must be), OTA_E_NOMEM, OTA_E_HASH (raw read-back).  Each writer
 * keeps a one-line message (path and strerror) for the last failure.
 */
#ifndef OTAC_SLOT_H
#define OTAC_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ota_bundle.h"

/* ---- dir ---------------------------------------------------------------- */

typedef struct otac_dir otac_dir;

typedef struct otac_dir_opts {
    bool allow_setuid;  /* keep S_ISUID/S_ISGID (slot config "allow-setuid") */
    bool require_empty; /* the directory must be empty (tools writing into a
                         * directory they do not own: verify-bundle --extract) */
} otac_dir_opts;

/* Open the slot directory `path` (an existing directory; a symlink as the
 * last component is refused: OTA_E_UNSAFE; missing or not a directory:
 * OTA_E_NOT_FOUND).  o may be NULL (defaults), is copied.  *out only on
 * success (there is no message for a failed open: report path + error). */
ota_err otac_dir_open(const char *path, const otac_dir_opts *o, otac_dir **out);
/* As otac_dir_open, path relative to the directory dirfd (AT_FDCWD: as
 * otac_dir_open).  With o->require_empty, a directory holding anything is
 * OTA_E_EXISTS (checked on the descriptor the writer then uses). */
ota_err otac_dir_open_at(int dirfd, const char *path, const otac_dir_opts *o, otac_dir **out);

/* Remove everything inside the slot directory (not the directory itself):
 * never follows a link, never leaves the slot's file system (a mount inside
 * the slot: OTA_E_UNSAFE, left as it is), iterative (no recursion on the
 * depth; one directory descriptor open at a time; memory: the relative path
 * of the deepest directory), directories made u+rwx through their
 * descriptor first so 0555/0000 ones are emptied too, then fsyncs the slot
 * directory. */
ota_err otac_dir_empty(otac_dir *d);

/* Create one checked entry (e is borrowed for the call).  Parents are
 * walked from the slot's root with O_NOFOLLOW|O_DIRECTORY: a link or a
 * non-directory on the way is OTA_E_UNSAFE; a missing parent is created
 * 0755.  An existing real directory at a directory entry's path is reused
 * (its mode and time are set).  `replace`: any other existing object at the
 * path, left by an interrupted run (resume), is removed first if it is a
 * file or a symlink (a directory in the way of a file or link, or a
 * special file: OTA_E_UNSAFE).  Without `replace`: a symlink, or a file
 * where a directory must be, is OTA_E_UNSAFE, a file where a file or link
 * must be OTA_E_EXISTS.
 * Modes: e->mode & 07777 less S_ISUID/S_ISGID unless allow_setuid; owner
 * 0:0 when running as root.  Not running as root, directories also keep
 * u+rwx (so their entries can be created).  Times: e->mtime (atime too);
 * a directory's time is applied again after each entry created in it, as
 * long as it is on the chain of directory entries of this run (after a
 * resume, the directories opened before it keep the time of their last
 * change). */
ota_err otac_dir_entry_begin(otac_dir *d, const ota_bundle_entry *e, bool replace);
/* File data of the current entry, in order (more than its size: OTA_E_LIMIT). */
ota_err otac_dir_entry_data(otac_dir *d, const uint8_t *buf, size_t len);
/* End of the current entry: owner, mode and times applied through its
 * descriptor, then closed (a file shorter than its size: OTA_E_LENGTH). */
ota_err otac_dir_entry_end(otac_dir *d);

/* Make everything written so far durable: fsync of the current file and
 * syncfs(2) of the slot's file system. */
ota_err otac_dir_sync(otac_dir *d);

/* Counters for tools: entries, regular files, file bytes written. */
void otac_dir_counts(const otac_dir *d, uint64_t *entries, uint64_t *files, uint64_t *bytes);

/* Message for the last failure ("" if none); valid until the next call. */
const char *otac_dir_error(const otac_dir *d);

/* NULL is a no-op; closes every descriptor (no sync). */
void otac_dir_close(otac_dir *d);

/* ---- raw ---------------------------------------------------------------- */

typedef struct otac_raw otac_raw;

/* Open the slot image `path` for writing and reading back: a block device,
 * or a regular file (created 0600 when absent and `create`; absent without
 * it: OTA_E_NOT_FOUND).  A symlink (O_NOFOLLOW), a directory, a character
 * device or a fifo is refused: OTA_E_UNSAFE (opened O_NONBLOCK|O_NOCTTY
 * until its type is known, so nothing planted there can block or grab a
 * terminal).  *out only on success. */
ota_err otac_raw_open(const char *path, bool create, otac_raw **out);

/* Open the image `path` read-only (the active slot, for delta updates):
 * same checks as otac_raw_open (O_NOFOLLOW: a symlink at the path is
 * OTA_E_UNSAFE; only a block device or a regular file), never created. */
ota_err otac_raw_open_ro(const char *path, otac_raw **out);

/* Bytes of the device (BLKGETSIZE64) or the file (fstat). */
ota_err otac_raw_size(otac_raw *r, uint64_t *size);

/* Read len bytes at off (pread, all of them); *got < len only at the end. */
ota_err otac_raw_read(otac_raw *r, uint64_t off, uint8_t *buf, size_t len, size_t *got);

/* A new image file dirfd/name for tools (`ota-sign verify-bundle
 * --extract`): created with O_CREAT|O_EXCL|O_NOFOLLOW, mode `mode` less the
 * umask, so nothing already there is ever opened: an existing file (or a
 * hard link to one elsewhere), a fifo, a device or a symlink is
 * OTA_E_EXISTS.  label names it in messages.  *out only on success. */
ota_err otac_raw_create(int dirfd, const char *name, const char *label, mode_t mode,
                        otac_raw **out);

/* Write buf[len] at offset off (pwrite, all of it; past the end of a block
 * device or a full file system: OTA_E_NOSPACE). */
ota_err otac_raw_write(otac_raw *r, uint64_t off, const uint8_t *buf, size_t len);

/* fsync what was written so far. */
ota_err otac_raw_sync(otac_raw *r);

/* End of the component: a regular file is truncated to `size`; fsync.  A
 * block device smaller than size: OTA_E_NOSPACE. */
ota_err otac_raw_finish(otac_raw *r, uint64_t size);

/* Read back component c of head h after an fsync and dropping the page
 * cache (posix_fadvise DONTNEED) and compare the SHA-256 of each chunk-sized
 * piece with the table's uncompressed hash: OTA_E_HASH on a mismatch or a
 * short read (the message names the offset); a regular file of another
 * length than c->size: OTA_E_LENGTH.  buf: scratch of at least
 * h->header.chunk_size bytes. */
ota_err otac_raw_verify(otac_raw *r, const ota_bundle_head *h, const ota_bundle_component *c,
                        uint8_t *buf);

const char *otac_raw_error(const otac_raw *r);

/* NULL is a no-op. */
void otac_raw_close(otac_raw *r);

#endif
