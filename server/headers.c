/* SPDX-License-Identifier: Apache-2.0 */
/*
 * headers.c — pure helpers for file responses (no libmicrohttpd calls, so
 * the unit tests compile this file directly): Content-Type by extension,
 * the immutable-name rule for Cache-Control, HTTP dates, If-None-Match
 * lists, and the single-range parser.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "server.h"

const char *
srv_mime_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"sha256", "text/plain; charset=utf-8"},
        {"pem", "application/x-pem-file"},
        {"gz", "application/gzip"},
        {"tgz", "application/gzip"},
        {"tar", "application/x-tar"},
        {"zip", "application/zip"},
    };
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    if (dot != NULL && dot != base)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

bool
srv_name_immutable(const char *rel)
{
    const char *b = strrchr(rel, '/');
    b = b ? b + 1 : rel;
    size_t n = strlen(b);
    /* N.ROLE.json: consistent-snapshot metadata, N without leading zeros */
    size_t d = strspn(b, "0123456789");
    if (d > 0 && b[0] != '0' && b[d] == '.' && n > d + 1 + 5 &&
        strcmp(b + n - 5, ".json") == 0)
        return true;
    /* HASH.NAME: consistent-snapshot target, sha256 or sha512 hex prefix */
    size_t h = strspn(b, "0123456789abcdef");
    return (h == 64 || h == 128) && b[h] == '.' && b[h + 1] != '\0';
}


void
srv_http_date(time_t t, char *out, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"), the one format a
 * sender must generate; the obsolete ones simply never match. */
bool
srv_parse_http_date(const char *s, time_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
        strcmp(s + 26, "GMT") != 0)
        return false;
    static const int digits[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++)
        if (s[digits[i]] < '0' || s[digits[i]] > '9')
            return false;
    int mon = -1;
    for (int m = 0; m < 12; m++)
        if (strncmp(s + 8, months + 3 * m, 3) == 0)
            mon = m;
    if (mon < 0)
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_mday = (s[5] - '0') * 10 + (s[6] - '0');
    tm.tm_mon = mon;
    tm.tm_year = (s[12] - '0') * 1000 + (s[13] - '0') * 100 + (s[14] - '0') * 10 + (s[15] - '0') -
                 1900;
    tm.tm_hour = (s[17] - '0') * 10 + (s[18] - '0');
    tm.tm_min = (s[20] - '0') * 10 + (s[21] - '0');
    tm.tm_sec = (s[23] - '0') * 10 + (s[24] - '0');
    if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    *out = timegm(&tm);
    return true;
}

/* If-None-Match list: "*" or comma-separated (weak or strong) entity tags;
 * weak comparison as RFC 9110 requires for If-None-Match. */
bool
srv_etag_match(const char *list, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, elen) == 0 &&
            (p[elen] == '\0' || p[elen] == ',' || p[elen] == ' ' || p[elen] == '\t'))
            return true;
        while (*p != '\0' && *p != ',')
            p++;
    }
    return false;
}

/* Digits only, at most 18 (no overflow); advances *p. */
static bool
parse_u64(const char **p, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    while (**p >= '0' && **p <= '9') {
        if (++n > 18)
            return false;
        v = v * 10 + (uint64_t) (**p - '0');
        (*p)++;
    }
    *out = v;
    return n > 0;
}

/* One byte range.  SRV_RANGE_NONE when absent, malformed or multi-range (RFC 9110
 * lets a server ignore Range), SRV_RANGE_OK with start/len, SRV_RANGE_UNSAT. */
srv_range
srv_parse_range(const char *v, uint64_t size, uint64_t *start, uint64_t *len)
{
    if (strncasecmp(v, "bytes=", 6) != 0)
        return SRV_RANGE_NONE;
    const char *p = v + 6;
    if (strchr(p, ',') != NULL)
        return SRV_RANGE_NONE;
    uint64_t a = 0, b = 0;
    if (*p == '-') {
        p++;
        if (!parse_u64(&p, &b) || *p != '\0')
            return SRV_RANGE_NONE;
        if (b == 0 || size == 0)
            return SRV_RANGE_UNSAT;
        if (b > size)
            b = size;
        *start = size - b;
        *len = b;
        return SRV_RANGE_OK;
    }
    if (!parse_u64(&p, &a) || *p != '-')
        return SRV_RANGE_NONE;
    p++;
    if (*p == '\0') {
        b = UINT64_MAX;
    } else if (!parse_u64(&p, &b) || *p != '\0' || b < a) {
        return SRV_RANGE_NONE;
    }
    if (a >= size)
        return SRV_RANGE_UNSAT;
    if (b >= size)
        b = size - 1;
    *start = a;
    *len = b - a + 1;
    return SRV_RANGE_OK;
}

