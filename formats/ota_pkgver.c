/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_pkgver.c — Debian versions (dpkg's syntax and order), the semver of
 * ota_id.c by scheme, and OSV ecosystem names (ota_pkgver.h,
 * formats/ADVISORIES.md).  The order is dpkg's verrevcmp: checked against
 * `dpkg --compare-versions` by formats/vectors/pkgver/gen.sh.
 */
#include "ota_pkgver.h"

#include <stddef.h>
#include <string.h>

#include "ota_id.h"

const char *
ota_pkgver_scheme_name(ota_pkgver_scheme s)
{
    switch (s) {
    case OTA_PKGVER_DEBIAN:
        return "debian";
    case OTA_PKGVER_SEMVER:
        return "semver";
    case OTA_PKGVER_NONE:
        break;
    }
    return "none";
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---- Debian --------------------------------------------------------------- */

/* A parsed version: pointers into the string, nothing copied. */
typedef struct debver {
    unsigned long epoch;
    const char *up; /* upstream [up, up + uplen) */
    size_t uplen;
    const char *rev; /* revision [rev, rev + revlen), "" when absent */
    size_t revlen;
} debver;

#define EPOCH_MAX 2147483647ul /* dpkg: INT_MAX */

static ota_err
debver_parse(const char *s, debver *v, const char **why)
{
    const char *w = NULL;
    if (why == NULL)
        why = &w;
    if (s == NULL || *s == '\0') {
        *why = "version string is empty";
        return OTA_E_FORMAT;
    }
    size_t len = strnlen(s, OTA_MAX_PKGVER_LEN + 1);
    if (len > OTA_MAX_PKGVER_LEN) {
        *why = "version string is longer than 256 bytes";
        return OTA_E_LIMIT;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            *why = "version string has embedded spaces";
            return OTA_E_FORMAT;
        }
    }
    memset(v, 0, sizeof *v);
    const char *p = s, *end = s + len;
    const char *colon = memchr(s, ':', len);
    if (colon != NULL) {
        if (colon == s) {
            *why = "epoch in version is empty";
            return OTA_E_FORMAT;
        }
        unsigned long e = 0;
        for (const char *q = s; q < colon; q++) {
            if (!is_digit((unsigned char) *q)) {
                *why = "epoch in version is not number";
                return OTA_E_FORMAT;
            }
            e = e * 10 + (unsigned long) (*q - '0');
            if (e > EPOCH_MAX) {
                *why = "epoch in version is too big";
                return OTA_E_FORMAT;
            }
        }
        if (colon + 1 == end) {
            *why = "nothing after colon in version number";
            return OTA_E_FORMAT;
        }
        v->epoch = e;
        p = colon + 1;
    }
    /* the revision: after the last hyphen */
    const char *hyphen = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '-')
            hyphen = q;
    v->up = p;
    v->uplen = (size_t) ((hyphen != NULL ? hyphen : end) - p);
    v->rev = hyphen != NULL ? hyphen + 1 : end;
    v->revlen = (size_t) (end - v->rev);
    if (hyphen != NULL && v->revlen == 0) {
        *why = "revision number is empty";
        return OTA_E_FORMAT;
    }
    if (v->uplen == 0) {
        *why = "version number is empty";
        return OTA_E_FORMAT;
    }
    /* dpkg warns about these (and compares anyway); Debian policy forbids
     * them, and so do we */
    if (!is_digit((unsigned char) v->up[0])) {
        *why = "version number does not start with digit";
        return OTA_E_FORMAT;
    }
    for (size_t i = 0; i < v->uplen; i++) {
        unsigned char c = (unsigned char) v->up[i];
        if (!is_digit(c) && !is_alpha(c) && strchr(".-+~:", c) == NULL) {
            *why = "invalid character in version number";
            return OTA_E_FORMAT;
        }
    }
    for (size_t i = 0; i < v->revlen; i++) {
        unsigned char c = (unsigned char) v->rev[i];
        if (!is_digit(c) && !is_alpha(c) && strchr(".+~", c) == NULL) {
            *why = "invalid character in revision number";
            return OTA_E_FORMAT;
        }
    }
    return OTA_OK;
}

ota_err
ota_debver_check(const char *s, const char **why)
{
    debver v;
    return debver_parse(s, &v, why);
}

/* dpkg's weight of a non-digit character (and of the end, 0): '~' below the
 * end, the end below letters, letters below everything else. */
static int
order(const char *p, const char *end)
{
    if (p >= end)
        return 0;
    unsigned char c = (unsigned char) *p;
    if (is_digit(c))
        return 0;
    if (is_alpha(c))
        return c;
    if (c == '~')
        return -1;
    return c + 256;
}

/* dpkg's verrevcmp on [a, a+an) and [b, b+bn): alternately the non-digit
 * prefixes (by order()) and the digit runs (as numbers: leading zeros
 * skipped, then the longer run is larger, then the first different digit
 * decides — no integer is formed, so no run overflows). */
static int
verrevcmp(const char *a, size_t an, const char *b, size_t bn)
{
    const char *ae = a + an, *be = b + bn;
    while (a < ae || b < be) {
        while ((a < ae && !is_digit((unsigned char) *a)) ||
               (b < be && !is_digit((unsigned char) *b))) {
            int ac = order(a, ae), bc = order(b, be);
            if (ac != bc)
                return ac < bc ? -1 : 1;
            if (a < ae)
                a++;
            if (b < be)
                b++;
        }
        while (a < ae && *a == '0')
            a++;
        while (b < be && *b == '0')
            b++;
        const char *ad = a, *bd = b;
        while (ad < ae && is_digit((unsigned char) *ad))
            ad++;
        while (bd < be && is_digit((unsigned char) *bd))
            bd++;
        size_t al = (size_t) (ad - a), bl = (size_t) (bd - b);
        if (al != bl)
            return al < bl ? -1 : 1;
        int c = memcmp(a, b, al);
        if (c != 0)
            return c < 0 ? -1 : 1;
        a = ad;
        b = bd;
    }
    return 0;
}

int
ota_debver_cmp(const char *a, const char *b)
{
    debver va, vb;
    if (debver_parse(a, &va, NULL) != OTA_OK || debver_parse(b, &vb, NULL) != OTA_OK)
        return 0; /* undefined (ota_pkgver.h); 0 keeps a sort consistent */
    if (va.epoch != vb.epoch)
        return va.epoch < vb.epoch ? -1 : 1;
    int c = verrevcmp(va.up, va.uplen, vb.up, vb.uplen);
    if (c != 0)
        return c;
    return verrevcmp(va.rev, va.revlen, vb.rev, vb.revlen);
}

/* ---- by scheme ------------------------------------------------------------ */

ota_err
ota_pkgver_check(ota_pkgver_scheme s, const char *v, const char **why)
{
    const char *w = NULL;
    if (why == NULL)
        why = &w;
    switch (s) {
    case OTA_PKGVER_DEBIAN:
        return ota_debver_check(v, why);
    case OTA_PKGVER_SEMVER:
        if (ota_semver_check(v) != OTA_OK) {
            *why = "not a semantic version (semver.org 2.0.0, at most 64 bytes, no leading v)";
            return OTA_E_FORMAT;
        }
        return OTA_OK;
    case OTA_PKGVER_NONE:
        break;
    }
    if (v == NULL || *v == '\0') {
        *why = "version string is empty";
        return OTA_E_FORMAT;
    }
    size_t len = strnlen(v, OTA_MAX_PKGVER_LEN + 1);
    if (len > OTA_MAX_PKGVER_LEN) {
        *why = "version string is longer than 256 bytes";
        return OTA_E_LIMIT;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f) {
            *why = "version string has a control character";
            return OTA_E_FORMAT;
        }
    return OTA_OK;
}

ota_err
ota_pkgver_cmp(ota_pkgver_scheme s, const char *a, const char *b, int *out, const char **why)
{
    ota_err rc = ota_pkgver_check(s, a, why);
    if (rc == OTA_OK)
        rc = ota_pkgver_check(s, b, why);
    if (rc != OTA_OK)
        return rc;
    int c;
    switch (s) {
    case OTA_PKGVER_DEBIAN:
        c = ota_debver_cmp(a, b);
        break;
    case OTA_PKGVER_SEMVER:
        c = ota_semver_cmp(a, b);
        break;
    default:
        if (strcmp(a, b) != 0) {
            if (why != NULL)
                *why = "versions of an unknown scheme have no order";
            return OTA_E_UNSUPPORTED;
        }
        c = 0;
        break;
    }
    *out = (c > 0) - (c < 0);
    return OTA_OK;
}

ota_err
ota_pkgver_ecosystem(const char *ecosystem, ota_pkgver_scheme *out, const char **why)
{
    *out = OTA_PKGVER_NONE;
    if (ecosystem != NULL && strncmp(ecosystem, "Debian", 6) == 0) {
        const char *r = ecosystem + 6;
        if (*r == '\0') {
            *out = OTA_PKGVER_DEBIAN;
            return OTA_OK;
        }
        size_t n = strspn(r + 1, "0123456789");
        if (*r == ':' && n >= 1 && n <= 4 && r[1 + n] == '\0') {
            *out = OTA_PKGVER_DEBIAN;
            return OTA_OK;
        }
    }
    if (why != NULL)
        *why = "unsupported ecosystem (versions are compared for \"Debian\" and \"Debian:N\" "
               "ecosystems and SEMVER ranges only)";
    return OTA_E_UNSUPPORTED;
}
