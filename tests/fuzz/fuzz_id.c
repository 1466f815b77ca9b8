/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the shared syntaxes every format uses (formats/ota_id.c,
 * formats/ota_util.c, the path rules of formats/ota_bundle_format.c), each
 * against an oracle written here, not a copy of the code under test.  The
 * input is up to three NUL-separated strings a, b, c (a NUL-free input is
 * a alone):
 *  - ota_id_valid(a) exactly when a is 1..OTA_MAX_ID_LEN bytes of
 *    [A-Za-z0-9._:-], the first a letter or digit;
 *  - ota_semver_check(a) exactly when a matches semver.org's regular
 *    expression (as a POSIX ERE) and is at most OTA_MAX_VERSION_LEN bytes;
 *    ota_semver_cmp on valid versions: reflexive, antisymmetric,
 *    transitive over a, b, c; build metadata ignored; a pre-release below
 *    its release;
 *  - ota_time_parse(a): an accepted time formats back to a exactly;
 *  - ota_hex_decode(a): accepted exactly when a has an even length of hex
 *    digits; encodes back to a in lower case;
 *  - ota_parse_u64 / ota_parse_size(a): an accepted value is in range, and
 *    ota_parse_u64 accepts exactly the decimal numbers that fit (printed
 *    back equal, leading zeros aside);
 *  - ota_bundle_path_check(a): an accepted path is relative, with no empty,
 *    "." or ".." component and no control byte;
 *    ota_bundle_link_check(a, b): an accepted target, resolved lexically
 *    from a's directory, never climbs above the tree root (absolute ones
 *    only for a rootfs); ota_bundle_path_cmp: antisymmetric, transitive,
 *    0 only for equal strings.
 */
#include <inttypes.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_limits.h"
#include "ota_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_id: %s:%d: %s\n", __FILE__, __LINE__, #c);                       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool
oracle_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > OTA_MAX_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != ':' && c != '-')))
            return false;
    }
    return true;
}

/* https://semver.org's suggested expression, with (?: as ( and \d as [0-9] */
#define NUM "(0|[1-9][0-9]*)"
#define PRE "(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
static const char semver_re[] = "^" NUM "\\." NUM "\\." NUM "(-(" PRE "(\\." PRE ")*))?"
                                "(\\+([0-9a-zA-Z-]+(\\.[0-9a-zA-Z-]+)*))?$";
static regex_t re;

static bool
oracle_semver(const char *s)
{
    static bool ready;
    if (!ready) {
        if (regcomp(&re, semver_re, REG_EXTENDED | REG_NOSUB) != 0)
            abort();
        ready = true;
    }
    return strlen(s) <= OTA_MAX_VERSION_LEN && regexec(&re, s, 0, NULL, 0) == 0;
}

static int
sign(int x)
{
    return (x > 0) - (x < 0);
}

static void
semver(const char *a, const char *b, const char *c)
{
    bool va = ota_semver_check(a) == OTA_OK;
    CHECK(va == oracle_semver(a));
    if (!va)
        return;
    CHECK(ota_semver_cmp(a, a) == 0);
    char tmp[2 * OTA_MAX_VERSION_LEN + 8];
    if (strchr(a, '+') == NULL) {
        snprintf(tmp, sizeof tmp, "%s+b.1", a);
        CHECK(ota_semver_cmp(a, tmp) == 0 && ota_semver_cmp(tmp, a) == 0);
        if (strchr(a, '-') == NULL) {
            snprintf(tmp, sizeof tmp, "%s-0", a);
            CHECK(ota_semver_cmp(tmp, a) < 0 && ota_semver_cmp(a, tmp) > 0);
        }
    }
    if (ota_semver_check(b) != OTA_OK)
        return;
    int ab = ota_semver_cmp(a, b);
    CHECK(sign(ab) == -sign(ota_semver_cmp(b, a)));
    if (ota_semver_check(c) != OTA_OK)
        return;
    int bc = ota_semver_cmp(b, c), ac = ota_semver_cmp(a, c);
    if (ab <= 0 && bc <= 0)
        CHECK(ac <= 0);
    if (ab == 0 && bc == 0)
        CHECK(ac == 0);
    if (ab < 0 && bc <= 0)
        CHECK(ac < 0);
}

static void
times(const char *a)
{
    int64_t t;
    if (ota_time_parse(a, &t) != OTA_OK)
        return;
    char out[21];
    CHECK(ota_time_format(t, out) == OTA_OK);
    CHECK(strcmp(out, a) == 0);
}

static void
hex(const char *a)
{
    size_t n = strlen(a);
    bool ok = n % 2 == 0;
    for (size_t i = 0; i < n && ok; i++)
        ok = strchr("0123456789abcdefABCDEF", a[i]) != NULL;
    uint8_t out[512];
    size_t got = 0;
    ota_err rc = ota_hex_decode(a, n, out, sizeof out, &got);
    if (n / 2 > sizeof out) {
        CHECK(rc != OTA_OK);
        return;
    }
    CHECK((rc == OTA_OK) == ok);
    if (!ok)
        return;
    CHECK(got == n / 2);
    char back[1025];
    ota_hex_encode(out, got, back);
    for (size_t i = 0; i < n; i++)
        CHECK(back[i] == (a[i] >= 'A' && a[i] <= 'F' ? a[i] - 'A' + 'a' : a[i]));
}

static void
numbers(const char *a, const char *b)
{
    uint64_t lo = 0, hi = UINT64_MAX;
    if (strlen(b) >= 2) {
        lo = (uint8_t) b[0];
        hi = (uint64_t) (uint8_t) b[1] << 32 | 0xffffffu;
    }
    uint64_t v = 0;
    ota_err rc = ota_parse_u64(a, lo, hi, &v);
    if (rc == OTA_OK) {
        CHECK(v >= lo && v <= hi);
        const char *d = a;
        while (d[0] == '0' && d[1] != '\0')
            d++;
        char back[32];
        snprintf(back, sizeof back, "%" PRIu64, v);
        CHECK(strcmp(back, d) == 0);
    } else {
        /* refused: not all digits, empty, too large, or out of range */
        size_t n = strlen(a);
        bool digits = n > 0 && strspn(a, "0123456789") == n;
        if (digits) {
            const char *d = a;
            while (d[0] == '0' && d[1] != '\0')
                d++;
            size_t dn = strlen(d);
            bool fits = dn < 20 || (dn == 20 && strcmp(d, "18446744073709551615") <= 0);
            if (fits) {
                uint64_t x = strtoull(d, NULL, 10);
                CHECK(x < lo || x > hi);
            }
        }
    }
    if (ota_parse_size(a, lo, hi, &v) == OTA_OK)
        CHECK(v >= lo && v <= hi);
}

static void
paths(const char *a, const char *b, const char *c)
{
    if (ota_bundle_path_check(a) == OTA_OK) {
        CHECK(a[0] != '\0' && a[0] != '/' && strlen(a) <= OTA_BUNDLE_MAX_ENTRY_PATH);
        for (const char *p = a;;) {
            size_t n = strcspn(p, "/");
            CHECK(n > 0 && !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.'));
            for (size_t i = 0; i < n; i++)
                CHECK((unsigned char) p[i] >= 0x20 && p[i] != 0x7f);
            if (p[n] == '\0')
                break;
            p += n + 1;
        }
    }
    for (int rootfs = 0; rootfs < 2; rootfs++) {
        if (ota_bundle_link_check(a, b, rootfs) != OTA_OK)
            continue;
        CHECK(ota_bundle_path_check(a) == OTA_OK);
        CHECK(rootfs || b[0] != '/');
        /* resolve lexically from a's directory (from the root when absolute) */
        long depth = 0;
        if (b[0] != '/')
            for (const char *p = a; *p; p++)
                depth += *p == '/';
        for (const char *t = b;;) {
            while (*t == '/')
                t++;
            if (*t == '\0')
                break;
            size_t n = strcspn(t, "/");
            if (n == 2 && t[0] == '.' && t[1] == '.')
                depth--;
            else if (!(n == 1 && t[0] == '.'))
                depth++;
            CHECK(depth >= 0);
            t += n;
        }
    }
    int ab = ota_bundle_path_cmp(a, b);
    CHECK(sign(ab) == -sign(ota_bundle_path_cmp(b, a)));
    CHECK((ab == 0) == (strcmp(a, b) == 0));
    int bc = ota_bundle_path_cmp(b, c), ac = ota_bundle_path_cmp(a, c);
    if (ab < 0 && bc < 0)
        CHECK(ac < 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *buf = malloc(size + 3);
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = buf[size + 2] = '\0';
    const char *a = buf;
    const char *b = a + strlen(a) + (size > strlen(a));
    if (b > buf + size)
        b = buf + size;
    const char *c = b + strlen(b) + (b + strlen(b) < buf + size);
    if (c > buf + size)
        c = buf + size;
    CHECK(ota_id_valid(a) == oracle_id(a));
    semver(a, b, c);
    times(a);
    hex(a);
    numbers(a, b);
    paths(a, b, c);
    free(buf);
    return 0;
}
