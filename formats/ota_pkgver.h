/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_pkgver.h — package versions of other ecosystems, compared the way
 * their package managers do: Debian (dpkg's algorithm and syntax) and
 * semantic versions (the one semver of ota_id.h), and which OSV ecosystem
 * or range type uses which (formats/ADVISORIES.md).  Used by the SBOM and
 * advisory readers (ota_sbom.h, ota_osv.h) for ota-sign and ota-server.
 * Not part of libotaclient's public API.
 *
 * No state; every function is thread-safe.
 */
#ifndef OTA_PKGVER_H
#define OTA_PKGVER_H

#include <stdbool.h>

#include "ota_err.h"
#include "ota_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ota_pkgver_scheme {
    OTA_PKGVER_NONE = 0,   /* no ordering known: only equal strings are equal */
    OTA_PKGVER_DEBIAN = 1, /* dpkg: [epoch:]upstream[-revision] */
    OTA_PKGVER_SEMVER = 2, /* Semantic Versioning 2.0.0 (ota_semver_check) */
} ota_pkgver_scheme;

/* "debian", "semver" or "none". */
const char *ota_pkgver_scheme_name(ota_pkgver_scheme s);

/*
 * OTA_OK when s is a Debian version dpkg accepts without complaint, of at
 * most OTA_MAX_PKGVER_LEN bytes: an optional epoch (decimal, at most
 * 2147483647) and ':', an upstream version that starts with a digit and
 * holds only [A-Za-z0-9.+~:-] (':' only with an epoch, '-' only with a
 * revision), and an optional '-' and revision of [A-Za-z0-9.+~].  No
 * whitespace anywhere (dpkg trims leading and trailing blanks; we refuse
 * them).  Else OTA_E_FORMAT (too long: OTA_E_LIMIT) and, when why is not
 * NULL, *why is dpkg's own wording of the problem (a constant string).
 */
OTA_NODISCARD ota_err ota_debver_check(const char *s, const char **why);

/* dpkg's order of two versions ota_debver_check accepts (epoch, then
 * upstream, then revision; '~' before everything, even the end; letters
 * before other characters; digit runs as numbers of any length): <0, 0, >0
 * (-1, 0 or 1).  "1.0" equals "0:1.0" and "1.0-0".  Undefined for input the
 * check refuses. */
int ota_debver_cmp(const char *a, const char *b);

/* ota_debver_check / ota_semver_check by scheme (OTA_PKGVER_NONE: any
 * non-empty string of at most OTA_MAX_PKGVER_LEN bytes without control
 * characters). */
OTA_NODISCARD ota_err ota_pkgver_check(ota_pkgver_scheme s, const char *v, const char **why);

/* Compare a and b under scheme s after checking both: OTA_OK with *out
 * -1, 0 or 1; OTA_E_FORMAT when either is not a version of s (*why says
 * which and why); OTA_PKGVER_NONE compares only equal (0) or OTA_E_UNSUPPORTED. */
OTA_NODISCARD ota_err ota_pkgver_cmp(ota_pkgver_scheme s, const char *a, const char *b, int *out,
                                     const char **why);

/*
 * The version scheme of an OSV ecosystem name (affected[].package.ecosystem):
 * "Debian" and "Debian:<release>" (release: digits, e.g. "Debian:12", as
 * Debian's security tracker exports them) are OTA_PKGVER_DEBIAN.  Anything
 * else: OTA_E_UNSUPPORTED (no guess), *why saying so.
 */
OTA_NODISCARD ota_err ota_pkgver_ecosystem(const char *ecosystem, ota_pkgver_scheme *out,
                                           const char **why);

#ifdef __cplusplus
}
#endif

#endif
