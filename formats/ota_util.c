/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_util.c — small shared helpers (ota_util.h): growable buffers, hex,
 * SHA-256/512, bounded whole-file reads, mkdir -p, trimming config lines,
 * decimal numbers.
 */
#include "ota_util.h"
#include "ota_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ota_err
ota_buf_append(ota_buf *b, const void *data, size_t n)
{
    if (n == 0)
        return OTA_OK;
    if (n > b->max || b->len > b->max - n)
        return OTA_E_LIMIT;
    /* +1 keeps room for a NUL terminator on steal */
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n + 1)
            ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
        uint8_t *np = realloc(b->p, ncap);
        if (np == NULL)
            return OTA_E_NOMEM;
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return OTA_OK;
}

ota_err
ota_buf_putc(ota_buf *b, char c)
{
    return ota_buf_append(b, &c, 1);
}

uint8_t *
ota_buf_steal(ota_buf *b, size_t *len)
{
    uint8_t *p = b->p;
    if (p != NULL)
        p[b->len] = '\0';
    if (len != NULL)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void
ota_buf_free(ota_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void
ota_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int
hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ota_err
ota_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (hex_len % 2 != 0 || hex_len / 2 > cap)
        return OTA_E_FORMAT;
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hex_val((unsigned char) hex[2 * i]);
        int lo = hex_val((unsigned char) hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return OTA_E_FORMAT;
        out[i] = (uint8_t) (hi << 4 | lo);
    }
    *out_len = hex_len / 2;
    return OTA_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), valid for all years we accept. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
take_digits(const char *s, size_t n, int64_t *v)
{
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

ota_err
ota_time_parse(const char *s, int64_t *out)
{
    /* 0123456789012345678 9 */
    /* YYYY-MM-DDTHH:MM:SSZ */
    if (s == NULL || strlen(s) != 20)
        return OTA_E_FORMAT;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != 'Z')
        return OTA_E_FORMAT;
    int64_t y, mo, d, h, mi, se;
    if (take_digits(s, 4, &y) || take_digits(s + 5, 2, &mo) || take_digits(s + 8, 2, &d) ||
        take_digits(s + 11, 2, &h) || take_digits(s + 14, 2, &mi) || take_digits(s + 17, 2, &se))
        return OTA_E_FORMAT;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
        return OTA_E_FORMAT;
    if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
        return OTA_E_FORMAT;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return OTA_OK;
}

ota_err
ota_time_format(int64_t t, char out[21])
{
    /* civil_from_days, inverse of the above */
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    if (y < 0 || y > 9999)
        return OTA_E_ARG;
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int) y, (int) m, (int) d,
                     (int) (secs / 3600), (int) (secs / 60 % 60), (int) (secs % 60));
    if (n != 20)
        return OTA_E_ARG;
    memcpy(out, tmp, 21);
    return OTA_OK;
}

/* The digits s starts with (at least one) into *v; *over when the value
 * does not fit 64 bits (the digits are still consumed).  No strtoull: it
 * takes space, a sign and wraps "-1" to 2^64-1. */
static ota_err
scan_u64(const char *s, uint64_t *v, bool *over, const char **end)
{
    if (s == NULL || *s < '0' || *s > '9')
        return OTA_E_FORMAT;
    uint64_t x = 0;
    bool o = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned) (*s - '0');
        if (x > (UINT64_MAX - d) / 10)
            o = true;
        else
            x = x * 10 + d;
    }
    *v = x;
    *over = o;
    *end = s;
    return OTA_OK;
}

/* The scanned value into *out when it fits and lies in [min, max]. */
static ota_err
in_range(uint64_t v, bool over, uint64_t min, uint64_t max, uint64_t *out)
{
    if (over || v < min || v > max)
        return OTA_E_LIMIT;
    *out = v;
    return OTA_OK;
}

ota_err
ota_parse_u64_prefix(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **end)
{
    uint64_t v;
    bool over;
    const char *e;
    ota_err rc = scan_u64(s, &v, &over, &e);
    if (rc == OTA_OK && (rc = in_range(v, over, min, max, out)) == OTA_OK)
        *end = e;
    return rc;
}

ota_err
ota_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    bool over;
    const char *e;
    ota_err rc = scan_u64(s, &v, &over, &e);
    if (rc != OTA_OK)
        return rc;
    if (*e != '\0')
        return OTA_E_FORMAT;
    return in_range(v, over, min, max, out);
}

ota_err
ota_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    bool over;
    const char *e;
    ota_err rc = scan_u64(s, &v, &over, &e);
    if (rc != OTA_OK)
        return rc;
    unsigned shift = 0;
    if (*e == 'k' || *e == 'K')
        shift = 10;
    else if (*e == 'm' || *e == 'M')
        shift = 20;
    else if (*e == 'g' || *e == 'G')
        shift = 30;
    if (shift != 0)
        e++;
    if (*e != '\0')
        return OTA_E_FORMAT;
    if (over || v > (UINT64_MAX >> shift))
        return OTA_E_LIMIT;
    v <<= shift;
    if (v < min || v > max)
        return OTA_E_LIMIT;
    *out = v;
    return OTA_OK;
}

const char *
ota_human_size(uint64_t n, char buf[32])
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double) n;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, 32, "%llu B", (unsigned long long) n);
    else
        snprintf(buf, 32, "%.1f %s", v, unit[u]);
    return buf;
}

#define FILE_CHUNK 65536u

/* Read the regular file open at fd (closed here) whole, at most max bytes. */
static ota_err
read_fd(int fd, size_t max, uint8_t **out, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return OTA_E_IO;
    }
    ota_buf b = {.max = max};
    uint8_t *chunk = malloc(FILE_CHUNK);
    ota_err rc = chunk ? OTA_OK : OTA_E_NOMEM;
    while (rc == OTA_OK) {
        ssize_t n = read(fd, chunk, FILE_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = OTA_E_IO;
        else if (n == 0)
            break;
        else
            rc = ota_buf_append(&b, chunk, (size_t) n);
    }
    free(chunk);
    close(fd);
    if (rc == OTA_OK && b.p == NULL) { /* empty file: still a valid buffer */
        b.p = malloc(1);
        b.cap = 1;
        if (b.p == NULL)
            rc = OTA_E_NOMEM;
    }
    if (rc != OTA_OK) {
        ota_buf_free(&b);
        return rc;
    }
    *out = ota_buf_steal(&b, len);
    return OTA_OK;
}

ota_err
ota_file_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
    /* on every failure too: a caller may free *out whatever happened */
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? OTA_E_NOT_FOUND : OTA_E_IO;
    return read_fd(fd, max, out, len);
}

bool
ota_text_ok(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

ota_err
ota_file_read_beneath(int dirfd, const char *rel, size_t max, uint8_t **out, size_t *len)
{
    if (rel == NULL || rel[0] == '\0' || rel[0] == '/' || strlen(rel) >= OTA_MAX_PATH_LEN)
        return OTA_E_ARG;
    char *path = strdup(rel);
    if (path == NULL)
        return OTA_E_NOMEM;
    int fd = dirfd, rc_fd = -1;
    char *part = path;
    ota_err rc = OTA_OK;
    for (;;) {
        char *slash = strchr(part, '/');
        if (slash != NULL)
            *slash = '\0';
        if (part[0] == '\0' || strcmp(part, ".") == 0 || strcmp(part, "..") == 0) {
            rc = OTA_E_ARG;
            break;
        }
        int flags = slash != NULL ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
                                  : O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
        int nfd = openat(fd, part, flags);
        if (nfd < 0) {
            /* O_NOFOLLOW on a link: ELOOP (or ENOTDIR with O_DIRECTORY) */
            int e = errno; /* before fstatat can change it */
            struct stat st;
            if (e == ELOOP ||
                (fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)))
                rc = OTA_E_UNSAFE;
            else
                rc = e == ENOENT || e == ENOTDIR ? OTA_E_NOT_FOUND : OTA_E_IO;
            break;
        }
        if (fd != dirfd)
            close(fd);
        fd = nfd;
        if (slash == NULL) {
            rc_fd = fd;
            fd = dirfd;
            break;
        }
        part = slash + 1;
    }
    if (fd != dirfd)
        close(fd);
    free(path);
    if (rc != OTA_OK)
        return rc;
    return read_fd(rc_fd, max, out, len);
}

ota_err
ota_mkdirs(const char *path, unsigned mode)
{
    char *p = strdup(path);
    if (p == NULL)
        return OTA_E_NOMEM;
    ota_err rc = OTA_OK;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, (mode_t) mode) != 0 && errno != EEXIST) {
                rc = errno == ENOENT || errno == ENOTDIR ? OTA_E_NOT_FOUND : OTA_E_IO;
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    int saved = errno;
    free(p);
    errno = saved;
    return rc;
}

char *
ota_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}
