/* SPDX-License-Identifier: Apache-2.0 */
/*
 * internal.h — libotaclient's cross-file declarations (prefix otac_), not
 * installed.  The handle's layout lives here so the TUF workflow (trust.c),
 * the store (store.c) and target fetching (target.c) share it.
 */
#ifndef OTAC_INTERNAL_H
#define OTAC_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "ota/client.h"
#include "ota/transport.h"
#include "ota_tuf.h"
#include "ota_util.h"

/* Defaults: ota_limits.h (client section) says why. */
#define OTAC_DEFAULT_ROOT_LEN ((uint64_t) OTA_MAX_ROOT_SIZE)
#define OTAC_DEFAULT_TIMESTAMP_LEN ((uint64_t) OTA_MAX_TIMESTAMP_SIZE)
#define OTAC_DEFAULT_SNAPSHOT_LEN ((uint64_t) OTA_CLIENT_MAX_SNAPSHOT_SIZE)
#define OTAC_DEFAULT_TARGETS_LEN ((uint64_t) OTA_CLIENT_MAX_TARGETS_SIZE)
#define OTAC_MAX_URL ((size_t) OTA_CLIENT_MAX_URL)

/* Streaming buffer for target downloads. */
#define OTAC_IO_CHUNK (64u * 1024u)

/* A targets role loaded in this update cycle. */
typedef struct otac_role {
    char *name;
    char *parent; /* the delegator that verified it ("root" for targets) */
    ota_md *md;
} otac_role;

struct ota_client {
    char *metadata_dir;
    char *metadata_url; /* ends with '/' */
    char *target_base_url; /* ends with '/' or NULL */
    ota_transport tr;
    bool have_tr;
    uint64_t max_root_size, max_timestamp_size, max_snapshot_size, max_targets_size;
    uint32_t max_root_rotations, max_delegations;
    int64_t (*clock)(void *);
    void *clock_user;
    ota_progress_fn progress;
    void *progress_user;

    ota_err last;
    char err[512];

    /* trusted state of the current update cycle */
    bool refreshed;
    int64_t now; /* fixed update start time */
    ota_md *root, *timestamp, *snapshot;
    otac_role *roles; /* roles[0] is "targets" once loaded */
    size_t nroles, roles_cap;

    /* storage behind the pointers of the last ota_target_info returned */
    char *info_custom;
};

/* Record rc and a formatted message on c; returns rc. */
ota_err otac_fail(ota_client *c, ota_err rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void otac_ok(ota_client *c);

/* ---- fetching (client.c) ------------------------------------------------ */

/* Copy the application's transport table src into *dst by the growth rule
 * (abi.h; the first release's table ended with close, so post is NULL when
 * src->size does not cover it).  OTA_E_ARG with a message in err[errcap]
 * (may be NULL) otherwise. */
ota_err otac_transport_in(ota_transport *dst, const ota_transport *src, char *err, size_t errcap);

/* GET url whole into *out (malloc'd, NUL-terminated, *len without NUL), at
 * most max_len bytes: OTA_E_LENGTH past it, whatever the transport does.
 * exact: max_len is the signed length (the buffer is allocated at that size
 * at once, up to OTA_MAX_METADATA_SIZE), else a ceiling (it grows). */
ota_err otac_fetch(ota_client *c, const char *url, uint64_t max_len, bool exact, uint8_t **out,
                   size_t *len);

/* Percent-encode s into out[cap]: every byte but [A-Za-z0-9._~-] (and '/'
 * when keep_slash) becomes %XX.  dot_segments: also encode the dots of a
 * segment that is all dots ("." / ".."), so URLs never hold dot segments.
 * leading_dot: encode a leading '.' (flat file names never hidden). */
ota_err otac_pct_encode(const char *s, bool keep_slash, bool dot_segments, bool leading_dot,
                        char *out, size_t cap);

/* malloc'd concatenation of the NULL-terminated parts; NULL when out of
 * memory or longer than OTAC_MAX_URL. */
char *otac_concat(const char *first, ...);

/* ---- the metadata directory (store.c) ---------------------------------- */

/* Read dir/name whole if it is a regular file of at most max bytes;
 * OTA_E_NOT_FOUND when absent, OTA_E_LENGTH when bigger, OTA_E_IO. */
ota_err otac_read_file(const char *dir, const char *name, uint64_t max, uint8_t **out,
                       size_t *len);

/* The same for name in the directory dfd (borrowed), never through a link
 * or into a fifo; *st_out (optional) receives the file's fstat, taken on
 * the descriptor read. */
struct stat;
ota_err otac_read_file_at(int dfd, const char *name, uint64_t max, uint8_t **out, size_t *len,
                          struct stat *st_out);

/* Atomically replace dir/name with buf[len] (ota_atomic_replace, mode 0644
 * narrowed by the umask).  On failure the old file is intact and the
 * temporary removed; OTA_E_NOSPACE when the file system is full. */
ota_err otac_write_atomic(const char *dir, const char *name, const uint8_t *buf, size_t len);

/* Remove dir/name (absent is fine) and fsync dir. */
ota_err otac_remove(const char *dir, const char *name);

/* ---- the TUF workflow (trust.c) ----------------------------------------- */

void otac_state_clear(ota_client *c);

/* The top-level targets role of this update cycle, loaded and checked now
 * if refresh left it for its first use (nothing new); *out is borrowed
 * from c.  Errors as ota_client_refresh's, with c's message set. */
ota_err otac_targets(ota_client *c, const ota_md **out);

#endif
