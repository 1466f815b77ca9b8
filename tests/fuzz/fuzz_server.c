/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: ota-server's request parsers, the pure ones of server/path.c
 * and server/headers.c (no libmicrohttpd calls, so linked without it).  The
 * first byte picks the parser, the rest is the header value or URL as a C
 * string (NUL-terminated copy in a buffer of its exact size):
 *   0  srv_path_parse into an output of a fuzzed capacity, then
 *      srv_path_served, srv_mime_type and srv_name_immutable on the result;
 *      an accepted path is relative, has no empty, ".", ".." or hidden
 *      segment, no control byte or backslash, and fits the capacity;
 *   1  srv_query_decode, same capacity game: no control byte, fits;
 *   2  srv_parse_range for a fuzzed file size (8 bytes): a satisfiable
 *      range lies inside the file and is not empty;
 *   3  srv_parse_http_date: an accepted date prints back (srv_http_date) as
 *      a date that parses to the same time (years 1000..9998);
 *   4  srv_etag_match (If-None-Match list against an entity tag taken from
 *      the input): a list holding the tag itself, or "W/" and the tag, or
 *      "*" always matches. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd NUL-terminated copy of data[size] (stops at an inner NUL as
 * libmicrohttpd's strings do). */
static char *
cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static void
check_path(const char *rel, size_t cap)
{
    size_t n = strlen(rel);
    if (n == 0 || n >= cap || n > OTA_MAX_PATH_LEN || rel[0] == '/' || rel[n - 1] == '/')
        abort();
    for (const char *seg = rel;;) {
        const char *end = strchr(seg, '/');
        size_t len = end != NULL ? (size_t) (end - seg) : strlen(seg);
        if (len == 0 || seg[0] == '.')
            abort(); /* empty, ".", ".." or hidden */
        for (size_t i = 0; i < len; i++)
            if ((unsigned char) seg[i] < 0x20 || seg[i] == 0x7f || seg[i] == '\\')
                abort();
        if (end == NULL)
            break;
        seg = end + 1;
    }
    (void) srv_path_served(rel);
    if (srv_mime_type(rel) == NULL)
        abort();
    (void) srv_name_immutable(rel);
}

static void
fuzz_path(const uint8_t *data, size_t size, bool query)
{
    if (size < 2)
        return;
    /* capacities 0..255 and the server's own */
    size_t cap = data[0] == 255 ? OTA_MAX_PATH_LEN + 1 : data[0];
    char *url = cstr(data + 1, size - 1);
    char *out = malloc(cap > 0 ? cap : 1);
    if (out == NULL)
        abort();
    if (query) {
        if (srv_query_decode(url, out, cap)) {
            size_t n = strlen(out);
            if (n >= cap)
                abort();
            for (size_t i = 0; i < n; i++)
                if ((unsigned char) out[i] < 0x20 || out[i] == 0x7f)
                    abort();
        }
    } else if (srv_path_parse(url, out, cap) == SRV_PATH_OK) {
        check_path(out, cap);
    }
    free(out);
    free(url);
}

static void
fuzz_range(const uint8_t *data, size_t size)
{
    if (size < 8)
        return;
    uint64_t fsize = 0;
    for (int i = 0; i < 8; i++)
        fsize = fsize << 8 | data[i];
    /* mostly small files, where the edges are */
    if (data[0] < 0x80)
        fsize &= 0xffff;
    char *v = cstr(data + 8, size - 8);
    uint64_t start = UINT64_MAX, len = UINT64_MAX;
    switch (srv_parse_range(v, fsize, &start, &len)) {
    case SRV_RANGE_OK:
        if (len == 0 || start >= fsize || len > fsize - start)
            abort();
        break;
    case SRV_RANGE_NONE:
    case SRV_RANGE_UNSAT: break;
    default: abort(); /* conditional headers are decided elsewhere */
    }
    free(v);
}

static void
fuzz_date(const uint8_t *data, size_t size)
{
    char *s = cstr(data, size);
    time_t t;
    if (srv_parse_http_date(s, &t)) {
        struct tm tm;
        if (gmtime_r(&t, &tm) != NULL && tm.tm_year >= 1000 - 1900 && tm.tm_year <= 9998 - 1900) {
            char again[64];
            time_t t2;
            srv_http_date(t, again, sizeof again);
            if (!srv_parse_http_date(again, &t2) || t2 != t)
                abort();
        }
    }
    free(s);
}

static void
fuzz_etag(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    /* the tag: a quoted string of hex digits, as files.c makes them */
    size_t tn = data[0] % 24;
    if (tn > size - 1)
        tn = size - 1;
    char etag[32];
    etag[0] = '"';
    for (size_t i = 0; i < tn; i++)
        etag[1 + i] = "0123456789abcdef-"[data[1 + i] % 17];
    etag[1 + tn] = '"';
    etag[2 + tn] = '\0';
    char *list = cstr(data + 1 + tn, size - 1 - tn);
    (void) srv_etag_match(list, etag);
    free(list);
    /* the list holding the tag itself (also weak, also after others) matches */
    char mine[96];
    snprintf(mine, sizeof mine, "%s", etag);
    if (!srv_etag_match(mine, etag))
        abort();
    snprintf(mine, sizeof mine, "W/%s", etag);
    if (!srv_etag_match(mine, etag))
        abort();
    snprintf(mine, sizeof mine, "\"x\", %s", etag);
    if (!srv_etag_match(mine, etag) || !srv_etag_match("*", etag))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 5) {
    case 0: fuzz_path(data + 1, size - 1, false); break;
    case 1: fuzz_path(data + 1, size - 1, true); break;
    case 2: fuzz_range(data + 1, size - 1); break;
    case 3: fuzz_date(data + 1, size - 1); break;
    default: fuzz_etag(data + 1, size - 1); break;
    }
    return 0;
}
