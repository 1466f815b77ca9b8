/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_osv.h — one vulnerability advisory in the OSV format (schema 1.x, as
 * osv.dev and Debian's security tracker export it), read strictly and
 * within the bounds of ota_limits.h, and OSV's own evaluation of affected
 * ranges (formats/ADVISORIES.md).  For ota-server's advisory import.  Not
 * part of libotaclient's public API.
 *
 * No state; an ota_osv is read-only after ota_osv_parse, so several threads
 * may evaluate one advisory at a time.
 */
#ifndef OTA_OSV_H
#define OTA_OSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_limits.h"
#include "ota_pkgver.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ota_osv_event_kind {
    OTA_OSV_INTRODUCED = 1,
    OTA_OSV_FIXED = 2,
    OTA_OSV_LAST_AFFECTED = 3,
    OTA_OSV_LIMIT = 4,
} ota_osv_event_kind;

typedef struct ota_osv_event {
    ota_osv_event_kind kind;
    const char *version; /* "0" (introduced) and "*" (limit) as given */
} ota_osv_event;

typedef enum ota_osv_range_type {
    OTA_OSV_ECOSYSTEM = 1,
    OTA_OSV_SEMVER = 2,
    OTA_OSV_GIT = 3,
} ota_osv_range_type;

typedef struct ota_osv_range {
    ota_osv_range_type type;
    /* the scheme its versions are compared by: SEMVER ranges semver,
     * ECOSYSTEM ranges the ecosystem's (ota_pkgver_ecosystem), NONE when
     * unsupported or GIT (not evaluated) */
    ota_pkgver_scheme scheme;
    ota_osv_event *events; /* sorted by version when scheme is not NONE */
    size_t nevents;
} ota_osv_range;

typedef struct ota_osv_affected {
    const char *ecosystem; /* NULL: no package (GIT-only entries) */
    const char *name;
    const char *purl; /* NULL when absent */
    ota_osv_range *ranges;
    size_t nranges;
    const char **versions; /* the enumerated affected versions */
    size_t nversions;
} ota_osv_affected;

/* Strings are borrowed from the parsed document, which the advisory holds. */
typedef struct ota_osv {
    json_t *doc;
    const char *id;        /* an id (ota_id_valid), e.g. "DSA-5532-1", "GHSA-..." */
    const char *modified;  /* RFC 3339, as given */
    const char *published; /* NULL when absent */
    const char *withdrawn; /* NULL when absent; a withdrawn advisory affects nothing */
    const char *summary;   /* NULL when absent */
    const char *details;   /* NULL when absent */
    const char **aliases;
    size_t naliases;
    ota_osv_affected *affected;
    size_t naffected;
} ota_osv;

/*
 * Read one advisory buf[len]: larger than OTA_OSV_MAX_SIZE or past a count
 * or length bound: OTA_E_LIMIT; not strict JSON: OTA_E_JSON; not the
 * schema (ADVISORIES.md "What is read": a missing id or modified, wrong
 * types, an event with not exactly one of introduced/fixed/last_affected/
 * limit, a range without introduced or with both fixed and last_affected,
 * a SEMVER version that is not one, a Debian version dpkg refuses):
 * OTA_E_FORMAT.  *why (may be NULL) says what, a constant string.  On
 * success release *out with ota_osv_free.
 */
OTA_NODISCARD ota_err ota_osv_parse(const uint8_t *buf, size_t len, ota_osv *out,
                                    const char **why);

void ota_osv_free(ota_osv *adv);

/* What ota_osv_affects found. */
typedef struct ota_osv_match {
    bool affected;
    /* the lowest `fixed` version above the one asked about that is itself
     * not affected (borrowed from the advisory); NULL when none is known */
    const char *fixed;
    /* an entry for the package had GIT ranges: not evaluated (a commit
     * graph is needed); only its versions list and other ranges count */
    bool git_ignored;
} ota_osv_match;

/*
 * Is package name at version in ecosystem affected by adv?  OSV's
 * IsVulnerable (ADVISORIES.md "Evaluation"): an entry matches when its
 * name is equal and its ecosystem equal, or the same one with and without a
 * release ("Debian" and "Debian:12"); the version is affected when it is in
 * the entry's versions list or in any range (events in version order,
 * introduced "0" before everything, limits).  OTA_OK with *out filled;
 * when no range or list says affected but a matching entry could not be
 * evaluated: OTA_E_UNSUPPORTED (its ecosystem has no known version order)
 * or OTA_E_FORMAT (version is not a version of that scheme) — never a
 * guessed "not affected".
 */
OTA_NODISCARD ota_err ota_osv_affects(const ota_osv *adv, const char *ecosystem, const char *name,
                                      const char *version, ota_osv_match *out);

/* The ecosystem rule of ota_osv_affects: equal, or one ecosystem with and
 * without a release ("Debian" and "Debian:12"; not "Debian:11" and
 * "Debian:12").  For other callers that match package lists by ecosystem
 * (ota-server's package query). */
bool ota_osv_ecosystem_match(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
