/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_tar.h — the delta layout of a tree component (bundle format 4,
 * formats/BUNDLE.md "Tree layout for delta updates").
 *
 * Two things the signer and a device must do byte for byte alike, so they
 * live here once:
 *
 *  - the canonical pax serialisation of one entry's header blocks (not
 *    libarchive's: a device must reproduce the signer's bytes whatever
 *    libarchive version either side has), and of the filler that closes a
 *    chunk early (one pax global header, which readers ignore);
 *  - the cut rule: where the tar stream is padded to the next chunk
 *    boundary, decided per entry from its path and length only, so an
 *    inserted, removed or changed file changes the chunks around it and
 *    nothing after the next cut.
 *
 * The writer (ota_bundle_writer.c) feeds these bytes into its chunks; the
 * device (client/src/delta.c) regenerates the stream from its active slot
 * to find chunks it already holds.  Nothing here trusts the bytes it makes:
 * a reader checks every chunk against the signed table.
 */
#ifndef OTA_TAR_H
#define OTA_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

#define OTA_TAR_BLOCK 512u
/* Largest mtime an ustar header holds in its 11 octal digits (year 2242). */
#define OTA_TAR_MAX_MTIME 077777777777LL
/* Most header bytes one entry can need: the pax extended header's own
 * header, its records (path and link target up to 4096 bytes each, size,
 * hdrcharset) padded, and the ustar header. */
#define OTA_TAR_HEADER_MAX (12u * 1024u)

typedef enum ota_tar_type {
    OTA_TAR_FILE = 0,
    OTA_TAR_DIR = 1,
    OTA_TAR_SYMLINK = 2,
} ota_tar_type;

typedef struct ota_tar_entry {
    const char *path; /* the entry's path (ota_bundle_path_check), no trailing '/' */
    ota_tar_type type;
    uint32_t mode;    /* permission bits (07777); a symlink's are written 0777 */
    uint64_t size;    /* regular file: its length; otherwise 0 */
    const char *link; /* symlink: its target; otherwise NULL */
    int64_t mtime;    /* 0 .. OTA_TAR_MAX_MTIME */
} ota_tar_entry;

/*
 * The entry's header blocks (pax extended header when needed, then the
 * ustar header) into out[cap]; *len their length (a multiple of 512,
 * <= OTA_TAR_HEADER_MAX).  OTA_E_ARG for an entry outside the rules above
 * (path or link longer than 4096 bytes, mtime out of range, cap too small).
 */
OTA_NODISCARD ota_err ota_tar_header(const ota_tar_entry *e, uint8_t *out, size_t cap,
                                     size_t *len);

/* The entry's whole length in the stream: header blocks, data, padding to
 * 512.  0 when ota_tar_header would refuse it. */
uint64_t ota_tar_entry_len(const ota_tar_entry *e);

/* Zero bytes after a file's size bytes of data, to the next 512. */
uint32_t ota_tar_padding(uint64_t size);

/*
 * The names in directory dirfd but "." and "..", sorted bytewise: the order
 * a tree's entries have in its stream (BUNDLE.md "File trees"), so the
 * writer and a device rebuilding its stream list a directory the same way.
 * dirfd stays open and is listed from its start whatever its offset.
 * *names (NULL when there are none) is freed with ota_tar_names_free.
 * Errors: OTA_E_IO (errno says why), OTA_E_NOMEM, OTA_E_LIMIT (more than
 * max names).
 */
OTA_NODISCARD ota_err ota_tar_list_dir(int dirfd, size_t max, char ***names, size_t *n);
void ota_tar_names_free(char **names, size_t n);

/*
 * n bytes of filler (n a multiple of 512, >= 512) into out: one pax global
 * header whose single record is a comment, with the given mtime.
 */
void ota_tar_filler(uint8_t *out, size_t n, int64_t mtime);

/* Bytes [off, off + len) of that filler into out (a filler written or
 * regenerated in pieces); off + len <= n. */
void ota_tar_filler_part(uint8_t *out, size_t n, size_t off, size_t len, int64_t mtime);

/*
 * The cut rule, as a little state machine over the stream's position in its
 * current chunk.  Per entry of length e (ota_tar_entry_len):
 *
 *   fill = ota_tar_cut_before(&c, e);   // filler bytes to write first (0: none)
 *   ... write the entry (e bytes) ...
 *   fill = ota_tar_cut_after(&c, path, e);  // filler bytes to write after
 *
 * and after the last entry the 1024 end-of-archive bytes (no filler).
 */
typedef struct ota_tar_cut {
    uint32_t chunk_size; /* the bundle's chunk size */
    uint32_t pos;        /* bytes of the stream in the current chunk */
} ota_tar_cut;

void ota_tar_cut_init(ota_tar_cut *c, uint32_t chunk_size);
uint32_t ota_tar_cut_before(ota_tar_cut *c, uint64_t e);
uint32_t ota_tar_cut_after(ota_tar_cut *c, const char *path, uint64_t e);

/* Whether the rule cuts after an entry of this path and length (exposed for
 * tests and the spec's vectors). */
bool ota_tar_cut_hit(const char *path, uint64_t e, uint32_t chunk_size);

#endif
