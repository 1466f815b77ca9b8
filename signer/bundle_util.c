/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_util.c — shared helpers of the bundle commands (see bundle_util.h). */
#include "bundle_util.h"
#include "ota_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- source ------------------------------------------------------------------ */

ota_err
bu_source_init(bu_source *s, int fd)
{
    s->fd = fd;
    s->total = 0;
    return ota_hash_init(&s->sha, OTA_HASH_SHA256);
}

ota_err
bu_source_read(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    bu_source *s = user;
    for (;;) {
        ssize_t r = read(s->fd, buf, cap);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return OTA_E_IO;
        ota_hash_update(&s->sha, buf, (size_t) r);
        s->total += (uint64_t) r;
        *got = (size_t) r;
        return OTA_OK;
    }
}

ota_err
bu_source_final(bu_source *s, uint8_t out[32])
{
    return ota_hash_final(&s->sha, out);
}

/* ---- progress ------------------------------------------------------------------ */

double
bu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void
bu_progress_init(bu_progress *p, const char *what, uint64_t total, bool quiet)
{
    p->on = !quiet && isatty(STDERR_FILENO);
    p->start = bu_now();
    p->last = 0;
    p->total = total;
    p->done = 0;
    p->what = what;
}

void
bu_progress_update(bu_progress *p, uint64_t done)
{
    p->done = done;
    if (!p->on)
        return;
    double t = bu_now();
    if (t - p->last < 0.2)
        return;
    p->last = t;
    char h[32];
    double rate = (double) done / (t - p->start > 1e-6 ? t - p->start : 1e-6) / 1e6;
    if (p->total > 0)
        fprintf(stderr, "\r%s: %s (%3.0f%%) %.0f MB/s   ", p->what, ota_human_size(done, h),
                100.0 * (double) done / (double) p->total, rate);
    else
        fprintf(stderr, "\r%s: %s %.0f MB/s   ", p->what, ota_human_size(done, h), rate);
    fflush(stderr);
}

void
bu_progress_done(bu_progress *p)
{
    if (p->on && p->last > 0)
        fputs("\r\033[K", stderr);
}

