/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_id.c — ids and semantic versions, one implementation for bundles,
 * reports, the release policy and ota-server (ota_id.h; the rule is
 * formats/BUNDLE.md "Ids and semantic versions").
 */
#include "ota_id.h"

#include <stddef.h>
#include <string.h>

/* The words in ota_id.h's messages name these numbers. */
_Static_assert(OTA_MAX_ID_LEN == 128, "OTA_ID_RULE says 128 bytes");
_Static_assert(OTA_MAX_VERSION_LEN == 64, "OTA_VERSION_RULE says 64 bytes");

static bool
is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ---- ids ------------------------------------------------------------------ */

bool
ota_id_valid(const char *s)
{
    if (s == NULL || !is_alnum((unsigned char) s[0]))
        return false;
    for (size_t n = 0; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char) s[n];
        if (n >= OTA_MAX_ID_LEN)
            return false;
        if (!is_alnum(c) && c != '.' && c != '_' && c != ':' && c != '-')
            return false;
    }
    return true;
}

/* ---- semantic versions (semver.org 2.0.0) ---------------------------------- */

/* One dot-separated semver identifier s[0..n): non-empty, digits only when
 * numeric_only, else [0-9A-Za-z-]; an all-digit one without a leading zero
 * when no_leading_zero (build metadata may have them). */
static bool
semver_ident_ok(const char *s, size_t n, bool numeric_only, bool no_leading_zero)
{
    if (n == 0)
        return false;
    bool digits = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= '0' && c <= '9')
            continue;
        digits = false;
        if (numeric_only || !(is_alnum(c) || c == '-'))
            return false;
    }
    if (digits && no_leading_zero && n > 1 && s[0] == '0')
        return false;
    return true;
}

/* Dot-separated identifiers from p on: the end of the last one, or NULL
 * when one is not valid. */
static const char *
semver_idents(const char *p, bool no_leading_zero)
{
    const char *ids = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-";
    for (;;) {
        size_t n = strspn(p, ids);
        if (!semver_ident_ok(p, n, false, no_leading_zero))
            return NULL;
        p += n;
        if (*p != '.')
            return p;
        p++;
    }
}

ota_err
ota_semver_check(const char *s)
{
    if (s == NULL)
        return OTA_E_FORMAT;
    size_t len = strnlen(s, OTA_MAX_VERSION_LEN + 1);
    if (len == 0 || len > OTA_MAX_VERSION_LEN)
        return OTA_E_FORMAT;
    const char *p = s;
    /* MAJOR.MINOR.PATCH */
    for (int part = 0; part < 3; part++) {
        size_t n = strspn(p, "0123456789");
        if (!semver_ident_ok(p, n, true, true))
            return OTA_E_FORMAT;
        p += n;
        if (part < 2) {
            if (*p != '.')
                return OTA_E_FORMAT;
            p++;
        }
    }
    if (*p == '-' && (p = semver_idents(p + 1, true)) == NULL) /* pre-release */
        return OTA_E_FORMAT;
    if (*p == '+' && (p = semver_idents(p + 1, false)) == NULL) /* build metadata */
        return OTA_E_FORMAT;
    return *p == '\0' ? OTA_OK : OTA_E_FORMAT;
}

static bool
all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Compare identifiers a[0..an) and b[0..bn) by semver rules: numeric ones
 * numerically (no leading zeros, so by length then bytes), numeric below
 * alphanumeric, alphanumeric bytewise. */
static int
ident_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    bool ad = all_digits(a, an), bd = all_digits(b, bn);
    if (ad && bd) {
        if (an != bn)
            return an < bn ? -1 : 1;
        return memcmp(a, b, an);
    }
    if (ad != bd)
        return ad ? -1 : 1;
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0)
        return c;
    return an == bn ? 0 : (an < bn ? -1 : 1);
}

int
ota_semver_cmp(const char *a, const char *b)
{
    /* core: three numeric identifiers */
    for (int part = 0; part < 3; part++) {
        size_t an = strspn(a, "0123456789"), bn = strspn(b, "0123456789");
        int c = ident_cmp(a, an, b, bn);
        if (c != 0)
            return c;
        a += an;
        b += bn;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
    }
    bool apre = *a == '-', bpre = *b == '-';
    if (!apre || !bpre)
        return apre == bpre ? 0 : (apre ? -1 : 1); /* a pre-release is lower */
    a++;
    b++;
    for (;;) {
        size_t an = strcspn(a, ".+"), bn = strcspn(b, ".+");
        int c = ident_cmp(a, an, b, bn);
        if (c != 0)
            return c;
        a += an;
        b += bn;
        bool amore = *a == '.', bmore = *b == '.';
        if (!amore || !bmore)
            return amore == bmore ? 0 : (amore ? 1 : -1); /* more fields is higher */
        a++;
        b++;
    }
}
