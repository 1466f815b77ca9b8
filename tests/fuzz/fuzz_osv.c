/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: OSV advisories and package versions (formats/ota_osv.c,
 * formats/ota_pkgver.c, formats/ADVISORIES.md), which ota-server imports
 * from an operator's directory.  The first byte % 2 picks:
 *   0  an advisory (ota_osv_parse).  One accepted is evaluated for every
 *      package it names at every version it mentions (events and lists)
 *      and a few more: the answer is OK, E_UNSUPPORTED or E_FORMAT; only OK
 *      says affected; a fix is only given for an affected version, is
 *      above it and is itself not affected; a withdrawn advisory affects
 *      nothing.
 *   1  three versions separated by LF, under the Debian and the semver
 *      order: a valid version equals itself, the order is antisymmetric
 *      and transitive.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_osv.h"
#include "ota_pkgver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_osv: %s:%d: %s\n", __FILE__, __LINE__, #c);                      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* bounded work per input: at most this many evaluations */
#define MAX_QUERIES 256

static void
query(const ota_osv *adv, const ota_osv_affected *a, const char *eco, const char *v,
      size_t *budget)
{
    if (*budget == 0)
        return;
    (*budget)--;
    ota_osv_match m;
    ota_err rc = ota_osv_affects(adv, eco, a->name, v, &m);
    CHECK(rc == OTA_OK || rc == OTA_E_UNSUPPORTED || rc == OTA_E_FORMAT);
    if (rc != OTA_OK || !m.affected) {
        CHECK(!m.affected && m.fixed == NULL);
        return;
    }
    CHECK(adv->withdrawn == NULL);
    if (m.fixed == NULL)
        return;
    ota_osv_match f;
    CHECK(ota_osv_affects(adv, eco, a->name, m.fixed, &f) == OTA_OK && !f.affected);
    /* above v under some scheme it is a version of */
    int c = 0;
    bool above = false;
    if (ota_pkgver_cmp(OTA_PKGVER_DEBIAN, m.fixed, v, &c, NULL) == OTA_OK)
        above = above || c > 0;
    if (ota_pkgver_cmp(OTA_PKGVER_SEMVER, m.fixed, v, &c, NULL) == OTA_OK)
        above = above || c > 0;
    CHECK(above);
}

static void
advisory(const uint8_t *data, size_t size)
{
    ota_osv adv;
    const char *why = NULL;
    ota_err rc = ota_osv_parse(data, size, &adv, &why);
    if (rc != OTA_OK) {
        CHECK(adv.doc == NULL && (why != NULL || rc == OTA_E_NOMEM));
        return;
    }
    CHECK(adv.id != NULL && adv.modified != NULL);
    size_t budget = MAX_QUERIES;
    static const char *const extra[] = {"0", "1.0.0", "1.0-1", "1:0", "0.0.0-0", "9999"};
    for (size_t i = 0; i < adv.naffected; i++) {
        const ota_osv_affected *a = &adv.affected[i];
        if (a->name == NULL)
            continue;
        for (size_t k = 0; k < a->nranges; k++)
            for (size_t j = 0; j < a->ranges[k].nevents; j++)
                query(&adv, a, a->ecosystem, a->ranges[k].events[j].version, &budget);
        for (size_t k = 0; k < a->nversions; k++)
            query(&adv, a, a->ecosystem, a->versions[k], &budget);
        for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
            query(&adv, a, a->ecosystem, extra[k], &budget);
    }
    ota_osv_free(&adv);
}

static void
order(ota_pkgver_scheme s, char *v[3])
{
    int c[3][3];
    bool ok[3];
    for (int i = 0; i < 3; i++)
        ok[i] = ota_pkgver_check(s, v[i], NULL) == OTA_OK;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            ota_err rc = ota_pkgver_cmp(s, v[i], v[j], &c[i][j], NULL);
            CHECK((rc == OTA_OK) == (ok[i] && ok[j]));
        }
    for (int i = 0; i < 3; i++) {
        if (!ok[i])
            continue;
        CHECK(c[i][i] == 0);
        for (int j = 0; j < 3; j++) {
            if (!ok[j])
                continue;
            CHECK(c[i][j] == -c[j][i]);
            for (int k = 0; k < 3; k++)
                if (ok[k] && c[i][j] <= 0 && c[j][k] <= 0)
                    CHECK(c[i][k] <= 0);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] % 2 == 0) {
        advisory(data + 1, size - 1);
        return 0;
    }
    if (size > 4096)
        return 0;
    char *buf = malloc(size);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *v[3] = {buf, "", ""};
    for (int i = 1; i < 3; i++) {
        char *nl = strchr(v[i - 1], '\n');
        if (nl == NULL)
            break;
        *nl = '\0';
        v[i] = nl + 1;
    }
    order(OTA_PKGVER_DEBIAN, v);
    order(OTA_PKGVER_SEMVER, v);
    free(buf);
    return 0;
}
