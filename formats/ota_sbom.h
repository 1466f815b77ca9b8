/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_sbom.h — what a bundle contains, as a package list (formats/SBOM.md):
 * read from an SPDX 2.2/2.3 or CycloneDX 1.4-1.6 JSON document, or generated
 * from a root file system tree's package database (dpkg or opkg status),
 * and written as the canonical package list (format 1: one canonical JSON
 * document, sorted, deduplicated) that bundles carry and ota-server reads.
 * Every input is untrusted: strict JSON (ota_json_parse), the bounds of
 * ota_limits.h ("SBOMs and advisories"), never a link out of a tree.
 * Not part of libotaclient's public API.
 */
#ifndef OTA_SBOM_H
#define OTA_SBOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_hash.h"
#include "ota_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_SBOM_FORMAT 1

/* One package.  Every string is malloc'd and owned by the list; optional
 * ones are NULL when absent.  Strings hold no control characters. */
typedef struct ota_sbom_pkg {
    char *name;      /* required, 1..OTA_SBOM_MAX_FIELD bytes */
    char *version;   /* 1..OTA_MAX_PKGVER_LEN bytes; NULL: the SBOM gives none */
    char *ecosystem; /* OSV ecosystem name (ADVISORIES.md), e.g. "Debian:12", "npm" */
    char *purl;      /* "pkg:..." as given, at most OTA_SBOM_MAX_PURL bytes */
    char *license;   /* SPDX licence id or expression, as given */
    char *arch;      /* dpkg/opkg Architecture */
    char *source;    /* dpkg Source: the source package, when not the name */
    char *source_version; /* dpkg Source: "(version)", when not the version */
} ota_sbom_pkg;

typedef struct ota_sbom {
    /* where the list came from: "spdx-2.3", "cyclonedx-1.5", "dpkg-status",
     * "opkg-status" (SBOM.md "Sources") */
    char source[16];
    uint8_t sha256[OTA_SHA256_LEN]; /* of the document or status file read */
    ota_sbom_pkg *pkgs;             /* sorted (SBOM.md "Order"), no two equal */
    size_t npkgs;
} ota_sbom;

/* Release every package and string; *s is zeroed.  NULL is fine. */
void ota_sbom_free(ota_sbom *s);

/*
 * Read an SPDX (spdxVersion "SPDX-2.2" or "SPDX-2.3") or CycloneDX (bomFormat
 * "CycloneDX", specVersion "1.4"-"1.6") JSON document buf[len]: which one it
 * is comes from those members.  Longer than OTA_SBOM_MAX_DOC_SIZE, more than
 * OTA_SBOM_MAX_PACKAGES packages, or a field past its bound: OTA_E_LIMIT;
 * not strict JSON (duplicate keys, too deep, NUL): OTA_E_JSON; neither
 * format, a wrong type, a missing name: OTA_E_FORMAT; another version of
 * either: OTA_E_UNSUPPORTED.  On error *why (when not NULL) says what (a
 * constant string) and *out is empty.
 */
OTA_NODISCARD ota_err ota_sbom_parse(const uint8_t *buf, size_t len, ota_sbom *out,
                                     const char **why);

/* Which package database ota_sbom_from_status reads. */
typedef enum ota_sbom_db { OTA_SBOM_DPKG = 1, OTA_SBOM_OPKG = 2 } ota_sbom_db;

/*
 * Read a dpkg or opkg status file buf[len] (deb822 stanzas; SBOM.md
 * "dpkg and opkg status"): the installed packages (Status "install ok
 * installed" or "hold ok installed"; opkg: want install or hold, state
 * installed, any flags), with Package, Version, Architecture and (dpkg)
 * Source.  ecosystem (may be NULL) is set on every package.  Errors as
 * ota_sbom_parse (a line that is not a field: OTA_E_FORMAT).
 */
OTA_NODISCARD ota_err ota_sbom_from_status(const uint8_t *buf, size_t len, ota_sbom_db db,
                                           const char *ecosystem, ota_sbom *out,
                                           const char **why);

/*
 * Generate the list of the root file system tree at root: the first of
 * var/lib/dpkg/status (dpkg), usr/lib/opkg/status, var/lib/opkg/status
 * (opkg) that exists, read beneath root without following a link
 * (ota_file_read_beneath: a link on the way is OTA_E_UNSAFE), at most
 * OTA_SBOM_MAX_STATUS_SIZE bytes.  For dpkg the ecosystem is "Debian:N"
 * when usr/lib/os-release (or etc/os-release, when a regular file) says
 * ID=debian and VERSION_ID=N, none when it names another ID, else
 * "Debian".  *used (may be NULL) is the
 * relative path read.  None there: OTA_E_NOT_FOUND.
 */
OTA_NODISCARD ota_err ota_sbom_from_tree(const char *root, ota_sbom *out, const char **used,
                                         const char **why);

/* The canonical package list of s (SBOM.md "The canonical package list"):
 * canonical JSON, *out malloc'd and NUL-terminated.  Larger than
 * OTA_SBOM_MAX_LIST_SIZE: OTA_E_LIMIT. */
OTA_NODISCARD ota_err ota_sbom_encode(const ota_sbom *s, uint8_t **out, size_t *out_len);

/* Read a canonical package list back (a bundle's, on ota-server): strict,
 * every rule of SBOM.md, and the bytes must be exactly the canonical
 * encoding of what was read (so a list has one encoding).  Errors as
 * ota_sbom_parse; format other than 1: OTA_E_UNSUPPORTED. */
OTA_NODISCARD ota_err ota_sbom_decode(const uint8_t *buf, size_t len, ota_sbom *out,
                                      const char **why);

/* Ecosystem hint of a purl ("pkg:TYPE/..."): the OSV ecosystem name of its
 * type (SBOM.md table), or NULL when there is none. */
const char *ota_sbom_purl_ecosystem(const char *purl);

#ifdef __cplusplus
}
#endif

#endif
