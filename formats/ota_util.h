/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_util.h — small helpers shared by the formats library: hex,
 * a growable byte buffer with a hard cap, RFC 3339 UTC times, decimal
 * numbers (the one integer parser of every command line, config file and
 * header).
 */
#ifndef OTA_UTIL_H
#define OTA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_hash.h"

/* Growable buffer.  `max` is the hard cap: appends past it fail with
 * OTA_E_LIMIT and leave the buffer unchanged.  Zero-initialise, set max. */
typedef struct ota_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max;
} ota_buf;

OTA_NODISCARD ota_err ota_buf_append(ota_buf *b, const void *data, size_t n);
OTA_NODISCARD ota_err ota_buf_putc(ota_buf *b, char c);
/* Takes ownership of the bytes: returns b->p (NUL-terminated, may be NULL
 * when nothing was appended) and resets b. */
uint8_t *ota_buf_steal(ota_buf *b, size_t *len);
void ota_buf_free(ota_buf *b);

/* Lower-case hex of n bytes into out (capacity >= 2n+1, NUL-terminated). */
void ota_hex_encode(const uint8_t *in, size_t n, char *out);

/* s without leading spaces and tabs, trailing spaces, tabs, CR and LF cut
 * off in place (for "key = value" lines). */
char *ota_trim(char *s);

/* Decode exactly hex_len hex digits (either case) into out[cap].  Odd
 * length, a non-hex digit, or more bytes than cap: OTA_E_FORMAT.  Writes
 * *out_len only on success.  Does not branch on the digit values in a way
 * that matters for secrets (used for keys too). */
OTA_NODISCARD ota_err ota_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t cap,
                                     size_t *out_len);

/* SHA-256 / SHA-512: ota_hash.h */

/* Parse "YYYY-MM-DDTHH:MM:SSZ" exactly (the TUF `expires` format) into
 * seconds since the epoch.  Anything else (offsets, fractions, out-of-range
 * fields, trailing bytes): OTA_E_FORMAT. */
OTA_NODISCARD ota_err ota_time_parse(const char *s, int64_t *out);

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into out[21]; years 0..9999 only. */
OTA_NODISCARD ota_err ota_time_format(int64_t t, char out[21]);

/* Decimal unsigned integers: ASCII digits only, at least one; no sign,
 * no space, no "0x", nothing after (leading zeros are fine: "007" is 7).
 * The value must be in [min, max].  Not that syntax: OTA_E_FORMAT; past
 * 2^64-1 or outside [min, max]: OTA_E_LIMIT.  Writes *out only on success.
 * Callers keep their own error message (naming the option and its range). */
OTA_NODISCARD ota_err ota_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* The same for the run of digits s starts with, for "NUMBER UNIT" forms:
 * *end points at the first byte after the digits (set only on success). */
OTA_NODISCARD ota_err ota_parse_u64_prefix(const char *s, uint64_t min, uint64_t max,
                                           uint64_t *out, const char **end);

/* A byte count: digits with an optional k/K, m/M or g/G (powers of 1024:
 * "262144", "256k", "4M", "1G"), nothing after; the bytes must be in
 * [min, max].  Errors as ota_parse_u64. */
OTA_NODISCARD ota_err ota_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* n bytes for people: "512 B", "1.5 KiB", "12.3 MiB" … "TiB" (powers of
 * 1024, one decimal).  Returns buf. */
const char *ota_human_size(uint64_t n, char buf[32]);

/* Read a whole regular file of at most max bytes (OTA_E_LIMIT beyond; not a
 * regular file: OTA_E_IO; missing: OTA_E_NOT_FOUND).  *out is malloc'd and
 * NUL-terminated (the NUL is not counted), also for an empty file. */
OTA_NODISCARD ota_err ota_file_read(const char *path, size_t max, uint8_t **out, size_t *len);

/* The same for the file at rel beneath the directory open at dirfd, never
 * leaving it: every component is opened with O_NOFOLLOW (a directory with
 * O_DIRECTORY), so a symbolic link anywhere on the way is refused with
 * OTA_E_UNSAFE, not followed; "", an absolute path, "." and ".." components:
 * OTA_E_ARG.  A FIFO or device is not opened blocking and is refused
 * (OTA_E_IO).  For files inside a tree that is not ours (a root file
 * system image). */
OTA_NODISCARD ota_err ota_file_read_beneath(int dirfd, const char *rel, size_t max, uint8_t **out,
                                            size_t *len);

/* A text field: 1..max bytes, none of them a C0 control character or DEL
 * (the SBOM and advisory parsers' one rule for names, versions, ids). */
bool ota_text_ok(const char *s, size_t n, size_t max);

/* mkdir -p: create path and missing parents with mode.  On failure errno
 * tells why (OTA_E_NOT_FOUND for ENOENT/ENOTDIR, else OTA_E_IO). */
OTA_NODISCARD ota_err ota_mkdirs(const char *path, unsigned mode);

#endif
