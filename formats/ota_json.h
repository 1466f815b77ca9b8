/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_json.h — strict JSON input (jansson) and the canonical JSON encoder.
 *
 * Canonical JSON is OLPC canonical JSON as TUF uses it (securesystemslib,
 * @tufjs/canonical-json): object keys sorted by byte order of their UTF-8
 * encoding, no insignificant whitespace, strings escape only `"` and `\`
 * (every other byte, control characters and non-ASCII included, is copied
 * as is), integers only (a real number is refused), true/false/null.  These
 * are the exact bytes that are signed.  See formats/CANONICAL_JSON.md.
 */
#ifndef OTA_JSON_H
#define OTA_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

/*
 * Parse untrusted JSON text buf[len] strictly:
 *  - len above max_len (0 means OTA_MAX_METADATA_SIZE): OTA_E_LIMIT;
 *  - nesting deeper than OTA_MAX_JSON_DEPTH: OTA_E_LIMIT (checked by a
 *    non-recursive scan before jansson sees the text);
 *  - syntax errors, invalid UTF-8, duplicate object keys, "\u0000",
 *    integers that overflow 64 bits, a top level other than an object,
 *    trailing bytes: OTA_E_JSON.
 * On success *out holds a new reference the caller json_decref()s.
 */
OTA_NODISCARD ota_err ota_json_parse(const uint8_t *buf, size_t len, size_t max_len,
                                     json_t **out);

/*
 * Encode v as canonical JSON.  On success *out is a malloc'd, NUL-terminated
 * buffer (the NUL is not counted in *out_len).  A real number anywhere, or
 * nesting deeper than OTA_MAX_JSON_DEPTH: OTA_E_FORMAT.  Output larger than
 * 2 * OTA_MAX_METADATA_SIZE: OTA_E_LIMIT.
 */
OTA_NODISCARD ota_err ota_json_canonical(const json_t *v, uint8_t **out, size_t *out_len);

/*
 * Ordinary JSON text of v for files: keys sorted by byte order, `indent`
 * spaces per level, control characters escaped, a final newline.
 * Deterministic.  *out is malloc'd and NUL-terminated (NUL not counted).
 */
OTA_NODISCARD ota_err ota_json_text(const json_t *v, int indent, char **out, size_t *out_len);

#endif
