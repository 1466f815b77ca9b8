/*
 * bundle_util.h — what the bundle commands (bundle, inspect, verify-bundle)
 * share: a file source for the streaming reader that also hashes the whole
 * file, a sink that extracts into a directory without ever following a
 * link, progress on a terminal, and size parsing.
 */
#ifndef OTA_SIGN_BUNDLE_UTIL_H
#define OTA_SIGN_BUNDLE_UTIL_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ota_bundle.h"

/* A reader source over an open file: counts and SHA-256s every byte. */
typedef struct bu_source {
    int fd;
    uint64_t total;
    crypto_hash_sha256_state sha;
} bu_source;

void bu_source_init(bu_source *s, int fd);
ota_err bu_source_read(void *user, uint8_t *buf, size_t cap, size_t *got);
/* SHA-256 of everything read so far. */
void bu_source_final(bu_source *s, uint8_t out[32]);

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

/* Sink that extracts into DIR: tree components into DIR/NAME/, images into
 * DIR/NAME.img.  Every path is opened with openat(O_NOFOLLOW) below the
 * component's directory, so even a sink-level mistake cannot leave it. */
typedef struct bu_extract {
    int root_fd;
    int comp_fd;
    int file_fd;
    int img_fd;
    uint64_t entries, files, bytes;
    char err[512];
} bu_extract;

/* Opens dir (must exist).  OTA_E_IO / OTA_E_NOT_FOUND. */
OTA_NODISCARD ota_err bu_extract_open(bu_extract *x, const char *dir);
void bu_extract_close(bu_extract *x);
/* Fill sink's callbacks with the extractor (sink->user = x). */
void bu_extract_sink(bu_extract *x, ota_bundle_sink *sink);

/* "262144", "256k", "256K", "4M", "1G" (powers of 1024) into *out. */
bool bu_parse_size(const char *s, uint64_t *out);

/* "1.5 MiB" style into buf. */
const char *bu_human(uint64_t n, char buf[32]);

#endif
