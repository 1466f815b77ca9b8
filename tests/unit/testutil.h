/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the cmocka unit tests (header-only, test code only). */
#ifndef OTA_TESTUTIL_H
#define OTA_TESTUTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_err.h"

#ifndef OTA_SOURCE_DIR
#define OTA_SOURCE_DIR "."
#endif

/* Read OTA_SOURCE_DIR/rel whole; NULL if missing.  Caller frees. */
static inline unsigned char *
tu_read(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", OTA_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t) n + 1);
    if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = 0;
    fclose(f);
    *len = (size_t) n;
    return buf;
}

/* Sorted list of names in OTA_SOURCE_DIR/rel ending in suffix; returns count,
 * fills names[max] with malloc'd names. */
static inline int
tu_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static inline size_t
tu_list(const char *rel, const char *suffix, char **names, size_t max)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", OTA_SOURCE_DIR, rel);
    DIR *d = opendir(path);
    size_t n = 0;
    if (d == NULL)
        return 0;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d)) != NULL && n < max) {
        size_t l = strlen(e->d_name);
        if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, tu_cmp_str);
    return n;
}

/* Deterministic test data (splitmix64): junk that shapes a test's path comes
 * from a seed, so a failure replays.  *state is the seed, then advances. */
static inline uint64_t
tu_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Fill buf[n] from *state. */
static inline void
tu_rand_fill(uint64_t *state, void *buf, size_t n)
{
    unsigned char *p = buf;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = tu_rand(state);
        for (size_t j = 0; j < 8 && i + j < n; j++)
            p[i + j] = (unsigned char) (v >> (8 * j));
    }
}

/* A bundle in memory as a reader source (ota_bundle_reader_config .read and
 * .skip): skip counts what it skipped and fails past the end, as a network
 * source must. */
typedef struct tu_src {
    const uint8_t *p;
    size_t len, pos;
    uint64_t skipped;
} tu_src;

static inline ota_err
tu_src_read(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    tu_src *s = user;
    size_t n = s->len - s->pos < cap ? s->len - s->pos : cap;
    memcpy(buf, s->p + s->pos, n);
    s->pos += n;
    *got = n;
    return OTA_OK;
}

static inline ota_err
tu_src_skip(void *user, uint64_t n)
{
    tu_src *s = user;
    if (n > s->len - s->pos)
        return OTA_E_LENGTH;
    s->pos += (size_t) n;
    s->skipped += n;
    return OTA_OK;
}


#endif
