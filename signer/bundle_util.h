/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle_util.h — what the bundle commands (bundle, inspect, verify-bundle)
 * share: a file source for the streaming reader that also hashes the whole
 * file, and progress on a terminal.  (Sizes are parsed by ota_parse_size,
 * formats/ota_util.h; extraction goes through the device's slot writers,
 * client/src/slot.h.)
 */
#ifndef OTA_SIGN_BUNDLE_UTIL_H
#define OTA_SIGN_BUNDLE_UTIL_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ota_bundle.h"
#include "ota_hash.h"

/* A reader source over an open file: counts and SHA-256s every byte. */
typedef struct bu_source {
    int fd;
    uint64_t total;
    ota_hash sha;
} bu_source;

/* OTA_OK or OTA_E_NOMEM; bu_source_final releases it. */
ota_err bu_source_init(bu_source *s, int fd);
ota_err bu_source_read(void *user, uint8_t *buf, size_t cap, size_t *got);
/* SHA-256 of everything read so far (OTA_E_CRYPTO: the hash failed). */
ota_err bu_source_final(bu_source *s, uint8_t out[32]);

/* Progress line on stderr when it is a terminal ("\r" + text), at most
 * five times a second; bu_progress_done ends the line. */
typedef struct bu_progress {
    bool on;
    double last;
    double start;
    uint64_t total; /* 0: unknown */
    uint64_t done;  /* last value given to bu_progress_update */
    const char *what;
} bu_progress;

void bu_progress_init(bu_progress *p, const char *what, uint64_t total, bool quiet);
void bu_progress_update(bu_progress *p, uint64_t done);
void bu_progress_done(bu_progress *p);
double bu_now(void);

#endif
