/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_id.h — the one id syntax and the one version syntax every format
 * shares: bundle names, component names and hardware ids (BUNDLE.md),
 * device and hardware ids in reports (REPORT.md), channel names and floor
 * keys in the release policy (RELEASE.md), and the ids ota-server filters
 * by.  The rule is written down once, in formats/BUNDLE.md "Ids and
 * semantic versions"; the limits are in ota_limits.h.
 *
 * No state; every function is thread-safe.
 */
#ifndef OTA_ID_H
#define OTA_ID_H

#include <stdbool.h>

#include "ota_err.h"
#include "ota_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Both rules in words, for error messages (ota_id.c checks that the
 * numbers are OTA_MAX_ID_LEN and OTA_MAX_VERSION_LEN). */
#define OTA_ID_RULE "1-128 bytes of A-Z a-z 0-9 . _ : -, the first a letter or digit"
#define OTA_VERSION_RULE "a semantic version (e.g. 1.2.3 or 2.0.0-rc.1) of at most 64 bytes"

/* True when s is an id: 1..OTA_MAX_ID_LEN bytes of [A-Za-z0-9._:-], the
 * first one a letter or digit.  NULL is not an id. */
OTA_API bool ota_id_valid(const char *s);

/* OTA_OK when s is a Semantic Versioning 2.0.0 version (no leading zeros in
 * numeric identifiers) of at most OTA_MAX_VERSION_LEN bytes; OTA_E_FORMAT
 * otherwise (NULL included). */
OTA_API OTA_NODISCARD ota_err ota_semver_check(const char *s);

/* Precedence of two valid versions (semver.org section 11): <0, 0, >0.
 * Build metadata is ignored, so 0 does not mean equal strings.  Undefined
 * for input ota_semver_check refuses. */
OTA_API int ota_semver_cmp(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
