/* SPDX-License-Identifier: Apache-2.0 */
/*
 * delta.h — the active slot's chunk index for delta updates of image
 * components, and of tree components in the delta layout (format 4) (internal, prefix otac_; formats/BUNDLE.md "Delta updates").
 *
 * The active (booted) slot of an image component is read once, read-only,
 * in pieces of the bundle's chunk size at aligned offsets (0, cs, 2cs, ...),
 * and the SHA-256 of each piece is kept as a sorted table of (first
 * key_bytes bytes of the hash, piece number): 16 bytes per piece of the
 * slot, e.g. 25 KiB for 400 MiB at 256 KiB chunks.  A chunk of the new
 * bundle whose uncompressed SHA-256 starts with a key of the table is then
 * read from that piece, wherever it lies in the slot.  The table is a hint,
 * never trusted: the bundle reader hashes every byte the provider hands it
 * and uses it only when the whole SHA-256 equals the signed table's
 * (formats/ota_bundle.h ota_bundle_local_fn); a stale or colliding piece is
 * fetched from the network instead.
 */
#ifndef OTAC_DELTA_H
#define OTAC_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

/* Bytes of the SHA-256 kept per piece (the key): 8 (a false match among
 * n pieces: about n^2 / 2^65); a smaller key is for tests, whose matches
 * are mostly false ones. */
#define OTAC_DELTA_KEY_BYTES 8u

typedef struct otac_delta otac_delta;

/*
 * Index the image at path (a block device or a regular file, opened
 * read-only, a symlink refused: otac_raw_open_ro) in pieces of chunk_size
 * bytes up to min(its size, limit); the last piece may be shorter.  key_bytes:
 * 1..8.  Reads the whole range once (one chunk_size buffer, freed before
 * return).  Errors (err[cap] says which file and why): OTA_E_UNSAFE,
 * OTA_E_NOT_FOUND, OTA_E_IO (a read error or a piece shorter than the size
 * said), OTA_E_ARG, OTA_E_NOMEM.  *out only on success.
 */
ota_err otac_delta_build(const char *path, uint32_t chunk_size, uint64_t limit,
                         unsigned key_bytes, otac_delta **out, char *err, size_t cap);

/*
 * A piece that may hold the chunk with SHA-256 usha and ulen bytes: the
 * first piece of length ulen whose key matches, read into buf (ulen bytes)
 * and *found set.  Not checked here (the reader checks).  A read error is
 * returned (OTA_E_IO): the caller stops using the index.
 */
ota_err otac_delta_find(otac_delta *d, const uint8_t usha[32], uint32_t ulen, uint8_t *buf,
                        bool *found);

/*
 * Index a tree component in the delta layout (bundle format 4, ota_tar.h)
 * from the active dir slot at path (a directory, a symlink refused): its
 * stream as the signer would write that tree with this mtime and chunk size
 * is regenerated and cut into chunks, up to limit of them (the rest of a
 * larger tree is not offered), and each chunk's SHA-256 kept as for an
 * image.  A chunk is made again from the tree when it is asked for.  Reads
 * the whole tree once; memory: the table and one chunk (freed before
 * return), then the walk's open directories and their listings.
 * Errors: OTA_E_UNSAFE, OTA_E_NOT_FOUND, OTA_E_IO (the slot cannot be
 * opened or listed), OTA_E_ARG, OTA_E_NOMEM.
 */
ota_err otac_delta_build_tree(const char *path, uint32_t chunk_size, int64_t mtime,
                              uint64_t limit, unsigned key_bytes, otac_delta **out, char *err,
                              size_t cap);

/* Pieces indexed and bytes they cover. */
uint64_t otac_delta_pieces(const otac_delta *d);
uint64_t otac_delta_bytes(const otac_delta *d);

/* Message of the last failure of otac_delta_find ("" none). */
const char *otac_delta_error(const otac_delta *d);

/* NULL is a no-op; closes the slot. */
void otac_delta_free(otac_delta *d);

#endif
