/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: package lists (formats/ota_sbom.c, formats/SBOM.md), which
 * ota-sign reads from an operator's SBOM or a root file system's package
 * database and ota-server reads back from bundles.  The first byte % 3
 * picks the reader of the rest:
 *   0  an SPDX or CycloneDX JSON document (ota_sbom_parse);
 *   1  a dpkg (second byte even) or opkg status file (ota_sbom_from_status);
 *   2  a canonical package list (ota_sbom_decode): one accepted is exactly
 *      the encoding of what was read.
 * Whatever is accepted holds at most OTA_SBOM_MAX_PACKAGES packages, each
 * with a name and fields within their bounds, and encodes (or is refused
 * as too large) to a list that decodes to the same bytes again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_limits.h"
#include "ota_pkgver.h"
#include "ota_sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_sbom: %s:%d: %s\n", __FILE__, __LINE__, #c);                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void
field(const char *s, size_t max, int required)
{
    if (s == NULL) {
        CHECK(!required);
        return;
    }
    size_t n = strlen(s);
    CHECK(n >= 1 && n <= max);
    for (size_t i = 0; i < n; i++)
        CHECK((unsigned char) s[i] >= 0x20 && s[i] != 0x7f);
}

static void
accepted(const ota_sbom *s, int dpkg)
{
    CHECK(s->npkgs <= OTA_SBOM_MAX_PACKAGES && (s->npkgs == 0 || s->pkgs != NULL));
    CHECK(s->source[0] != '\0');
    for (size_t i = 0; i < s->npkgs; i++) {
        const ota_sbom_pkg *p = &s->pkgs[i];
        field(p->name, OTA_SBOM_MAX_FIELD, 1);
        field(p->version, OTA_MAX_PKGVER_LEN, dpkg >= 0);
        field(p->purl, OTA_SBOM_MAX_PURL, 0);
        field(p->license, OTA_SBOM_MAX_FIELD, 0);
        field(p->arch, OTA_SBOM_MAX_FIELD, 0);
        field(p->source, OTA_SBOM_MAX_FIELD, 0);
        field(p->source_version, OTA_MAX_PKGVER_LEN, 0);
        if (dpkg == 1)
            CHECK(ota_debver_check(p->version, NULL) == OTA_OK);
        if (p->purl != NULL)
            CHECK(strncmp(p->purl, "pkg:", 4) == 0);
    }
    uint8_t *list = NULL;
    size_t len = 0;
    ota_err rc = ota_sbom_encode(s, &list, &len);
    CHECK(rc == OTA_OK || rc == OTA_E_LIMIT);
    if (rc != OTA_OK)
        return;
    CHECK(len <= OTA_SBOM_MAX_LIST_SIZE);
    ota_sbom back;
    const char *why = NULL;
    rc = ota_sbom_decode(list, len, &back, &why);
    if (rc != OTA_OK)
        fprintf(stderr, "fuzz_sbom: own list refused: %s\n%.*s\n", why, (int) len, list);
    CHECK(rc == OTA_OK);
    CHECK(back.npkgs == s->npkgs && strcmp(back.source, s->source) == 0);
    uint8_t *again = NULL;
    size_t alen = 0;
    CHECK(ota_sbom_encode(&back, &again, &alen) == OTA_OK);
    CHECK(alen == len && memcmp(again, list, len) == 0);
    free(again);
    ota_sbom_free(&back);
    free(list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    ota_sbom s;
    const char *why = NULL;
    ota_err rc;
    switch (data[0] % 3) {
    case 0:
        rc = ota_sbom_parse(data + 1, size - 1, &s, &why);
        if (rc == OTA_OK)
            accepted(&s, -1);
        break;
    case 1: {
        ota_sbom_db db = data[1] % 2 == 0 ? OTA_SBOM_DPKG : OTA_SBOM_OPKG;
        rc = ota_sbom_from_status(data + 2, size - 2, db, db == OTA_SBOM_DPKG ? "Debian:12" : NULL,
                                  &s, &why);
        if (rc == OTA_OK)
            accepted(&s, db == OTA_SBOM_DPKG ? 1 : 0);
        break;
    }
    default:
        rc = ota_sbom_decode(data + 1, size - 1, &s, &why);
        if (rc == OTA_OK) {
            accepted(&s, -1);
            uint8_t *list = NULL;
            size_t len = 0;
            CHECK(ota_sbom_encode(&s, &list, &len) == OTA_OK);
            CHECK(len == size - 1 && memcmp(list, data + 1, len) == 0);
            free(list);
        }
        break;
    }
    if (rc != OTA_OK) {
        CHECK(why != NULL || rc == OTA_E_NOMEM);
        CHECK(s.npkgs == 0 && s.pkgs == NULL);
    }
    ota_sbom_free(&s);
    return 0;
}
