/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota/client.h — libotaclient: the device side of TUF 1.0.
 *
 * One ota_client handle holds everything: configuration, the trusted
 * metadata loaded in this update cycle, and the last error.  No global
 * state, no printing, no exit.  Typical use:
 *
 *     ota_client_config cfg;
 *     ota_client_config_init(&cfg);
 *     cfg.metadata_dir = "/var/lib/ota-client/metadata";
 *     cfg.metadata_url = "https://updates.example.com/metadata/";
 *     cfg.target_base_url = "https://cdn.example.com/targets/";
 *     cfg.transport = &curl;             // ota_curl_transport_new()
 *     ota_client *c;
 *     ota_target_info t = OTA_TARGET_INFO_INIT;
 *     if (ota_client_new(&cfg, &c) == OTA_OK &&
 *         ota_client_refresh(c) == OTA_OK &&
 *         ota_client_get_target(c, "fw/gw-100/2.0.bundle", &t) == OTA_OK)
 *         ota_client_fetch_target(c, &t, "/var/lib/ota-client/download", NULL);
 *     ... ota_client_errmsg(c) explains any failure ...
 *     ota_client_free(c);
 *
 * ota_client_refresh() runs the TUF specification's detailed client workflow
 * (section 5): fixed update start time; trusted root loaded and checked
 * against its own threshold; root chain N+1.root.json until a 404; timestamp;
 * snapshot; top-level targets.  Delegated targets roles are loaded on demand
 * by ota_client_get_target() / ota_client_list_targets() (pre-order
 * depth-first search).  Trusted metadata is persisted in metadata_dir as
 * root.json, timestamp.json, snapshot.json, targets.json and
 * <percent-encoded role>.json — the exact bytes received — each write atomic
 * (temporary file, fsync, rename, fsync of the directory).  A local file that
 * is unreadable, malformed or fails verification is treated as absent.
 *
 * Thread-safety: one handle per thread; different handles are independent
 * (they should not share a metadata_dir while refreshing concurrently).
 * ota_client_fetch_target may run a thread of its own while it downloads a
 * target of 1 MiB or more (hashing; all signals blocked there), always
 * joined before it returns.
 * Memory: each metadata document is held whole (bounded by the max_*_len
 * ceilings); target data goes through 64 KiB buffers (streams) or
 * straight from the transport's (ota_client_fetch_target with a transport
 * that has fetch: curl's 512 KiB receive buffer).
 */
#ifndef OTA_CLIENT_H
#define OTA_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ota/err.h"
#include "ota/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Library version, also sent in the User-Agent; the same as numbers, and
 *  as one number (MAJOR << 16 | MINOR << 8 | PATCH) for `#if` tests such as
 *  `#if OTA_CLIENT_VERSION_NUM >= 0x000200`. */
#define OTA_CLIENT_VERSION "0.2.0"
#define OTA_CLIENT_VERSION_MAJOR 0
#define OTA_CLIENT_VERSION_MINOR 2
#define OTA_CLIENT_VERSION_PATCH 0
#define OTA_CLIENT_VERSION_NUM                                                                     \
    ((OTA_CLIENT_VERSION_MAJOR << 16) | (OTA_CLIENT_VERSION_MINOR << 8) | OTA_CLIENT_VERSION_PATCH)

/** OTA_CLIENT_VERSION of the library actually linked (the header compiled
 *  against may be another). */
OTA_API const char *ota_client_version(void);

/** OTA_CLIENT_VERSION_NUM of the library actually linked: a program built
 *  against a newer header can test at run time what the library has. */
OTA_API uint32_t ota_client_version_num(void);

/** Opaque client handle. */
typedef struct ota_client ota_client;

/**
 * Progress of one ota_client_fetch_target download: `done` of `total` bytes
 * of the target are in the output directory's partial file, the first
 * `resumed_from` of them kept from an earlier, interrupted download (0 for a
 * fresh start).  Called once when the transfer starts (done ==
 * resumed_from), then at most every 100 ms and at most once per piece
 * received (curl's pieces are at most 16 KiB, a stream's 64 KiB), and once
 * more with done == total when the file has been verified and put in place
 * (its return value is then ignored).  Return OTA_OK to go on; anything else stops the download:
 * ota_client_fetch_target returns OTA_E_CANCELED and keeps the partial file
 * for the next fetch to resume.  Runs on the caller's thread, inside
 * ota_client_fetch_target; it must not call into the same client.
 */
typedef ota_err (*ota_progress_fn)(void *progress_user, uint64_t done, uint64_t total,
                                   uint64_t resumed_from);

/**
 * Client configuration.  Initialise with ota_client_config_init() (zeroes
 * the struct and sets `size` to the sizeof this header gives), then set
 * fields.  Strings are copied by ota_client_new(); the transport table is
 * copied, its `user` is retained (not owned) and must outlive the client.
 *
 * Growth rule (every public struct's, docs/libotaclient.md "Growing the
 * API"): fields are only ever appended, and a zero field always means "the
 * default / off".  A program built against an older header passes its
 * smaller `size`; ota_client_new() accepts every size from the first
 * release's struct (which ended with clock_user) on and takes the fields the
 * caller's struct does not have as zero; a larger struct (a newer header
 * than the library) only when every byte the library does not know is zero.
 */
typedef struct ota_client_config {
    /** sizeof(ota_client_config) as the caller compiled it. */
    size_t size;
    /** Directory holding the trusted metadata (must exist).  Required. */
    const char *metadata_dir;
    /** Base URL of the metadata files, e.g. "http://host/metadata/".  A
     *  missing final '/' is added.  Required for refresh. */
    const char *metadata_url;
    /** Base URL of the target files (may be another host or CDN path).
     *  Required for fetching targets. */
    const char *target_base_url;
    /** How bytes are fetched.  Required for refresh and fetch. */
    const ota_transport *transport;
    /** Download ceilings for metadata whose length is not given by signed
     *  metadata (TUF "endless data"); 0 takes the default:
     *  root 512 KiB, timestamp 16 KiB, snapshot 2 MB, targets 5 MB.  Target
     *  files are always bounded by their signed length. */
    uint64_t max_root_size;
    uint64_t max_timestamp_size;
    uint64_t max_snapshot_size;
    uint64_t max_targets_size;
    /** Most root versions followed in one refresh; 0: 32. */
    uint32_t max_root_rotations;
    /** Most targets roles visited in one search; 0: 32. */
    uint32_t max_delegations;
    /** Optional clock for the fixed update start time (seconds since the
     *  epoch).  NULL: libc time(), so faketime(1) works. */
    int64_t (*clock)(void *clock_user);
    void *clock_user;
    /* ---- appended after the first release ---- */
    /** Optional progress of ota_client_fetch_target (NULL: none); handed
     *  progress_user back unchanged. */
    ota_progress_fn progress;
    void *progress_user;
} ota_client_config;

/** Zero *cfg and set cfg->size to the caller's sizeof (inline, so it is
 *  the size the caller compiled, never the library's); all limits then take
 *  their defaults. */
static inline void
ota_client_config_init(ota_client_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->size = sizeof *cfg;
}

/**
 * Create a client from cfg.  No I/O happens here.  Errors: OTA_E_ARG
 * (NULL, a cfg->size or transport size the growth rule refuses, no
 * metadata_dir, a transport without open/read/close), OTA_E_NOMEM.  *out is
 * written only on success.
 */
OTA_API OTA_NODISCARD ota_err ota_client_new(const ota_client_config *cfg, ota_client **out);

/** Free the client and all metadata it holds; NULL is a no-op.  Does not
 *  touch the transport's `user`. */
OTA_API void ota_client_free(ota_client *c);

/** One line explaining the last failure on c ("" after success); borrowed,
 *  valid until the next call on c.  Never NULL. */
OTA_API const char *ota_client_errmsg(const ota_client *c);

/** The ota_err of the last call on c. */
OTA_API ota_err ota_client_last_error(const ota_client *c);

/**
 * Install root[len] as the trusted root (trust on first use, no network):
 * it must parse as TUF root metadata and meet its own root threshold.
 * Written atomically as metadata_dir/root.json.  When a root.json already
 * exists: OTA_E_EXISTS unless `replace`, in which case every trusted
 * metadata file in metadata_dir (root, timestamp, snapshot, targets,
 * delegated roles) is removed first.  Errors: OTA_E_JSON, OTA_E_FORMAT, ...
 * from parsing, OTA_E_SIGNATURE, OTA_E_EXISTS, OTA_E_IO, OTA_E_NOMEM.
 * root is borrowed.
 */
OTA_API OTA_NODISCARD ota_err ota_client_init_root(ota_client *c, const uint8_t *root,
                                                   size_t len, bool replace);

/**
 * Run one TUF update cycle (spec section 5.1 to 5.6): afterwards the handle
 * holds trusted, unexpired root, timestamp, snapshot and top-level targets
 * metadata, all persisted.  Metadata accepted before a later step fails
 * stays persisted (as the specification asks).
 * When the trusted snapshot names the same targets.json as the one trusted
 * before (nothing new), the stored copy is not read here: the first lookup
 * (get_target, list_targets, choose, floor) checks it in full against this
 * cycle's root, snapshot and start time (hashes, length, signatures,
 * version, expiry), downloads it again when it fails, and returns that
 * step's error (OTA_E_EXPIRED, OTA_E_HASH...) when the download fails too.
 * Errors:
 *   OTA_E_NOT_FOUND  no usable trusted root.json in metadata_dir (missing or
 *                    corrupt: run init)
 *   OTA_E_NETWORK    a required file could not be fetched (including a 404
 *                    for timestamp, snapshot or targets)
 *   OTA_E_EXPIRED    the final root, or the timestamp, snapshot or targets,
 *                    has expired (freeze attack, or a stale repository)
 *   OTA_E_SIGNATURE  threshold not met (also: the trusted root fails its
 *                    own threshold)
 *   OTA_E_ROLLBACK   a version lower than the trusted one
 *   OTA_E_VERSION    a version other than the one required
 *   OTA_E_HASH, OTA_E_LENGTH  a file differs from its signed hash/length,
 *                    or exceeds its download ceiling (endless data)
 *   OTA_E_JSON, OTA_E_FORMAT, OTA_E_TYPE, OTA_E_LIMIT, OTA_E_SPEC_VERSION,
 *   OTA_E_THRESHOLD, OTA_E_UNSUPPORTED  malformed remote metadata
 *   OTA_E_IO, OTA_E_NOMEM, OTA_E_ARG
 * The message (ota_client_errmsg) names the file and the check that failed.
 */
OTA_API OTA_NODISCARD ota_err ota_client_refresh(ota_client *c);

/**
 * Trusted version of a loaded role ("root", "timestamp", "snapshot",
 * "targets" or a delegated role) after refresh.  OTA_E_NOT_FOUND when that
 * role is not loaded.  "targets" not loaded yet (nothing new at refresh):
 * the version the trusted snapshot names, the only one a lookup accepts.
 * role is borrowed.
 */
OTA_API OTA_NODISCARD ota_err ota_client_role_version(const ota_client *c, const char *role,
                                                      int64_t *version);

/**
 * A trusted target.  Pointers are borrowed from the client: valid until the
 * next ota_client_get_target / ota_client_refresh / ota_client_free on it
 * (inside a list callback: until the callback returns).
 *
 * `size`: as an output (ota_client_get_target, ota_client_choose) the
 * caller sets it (OTA_TARGET_INFO_INIT) and the library writes only the
 * first `size` bytes, then sets size to the count written.  Handed to a
 * callback, it is the library's sizeof: a field past it is absent.  As an
 * input (fetch, open, install) it is read by the growth rule; keep a copy
 * of a callback's entry with ota_target_info_copy, never `*mine = *t`
 * (that would carry the library's size with the caller's smaller struct).
 */
typedef struct ota_target_info {
    size_t size;
    const char *path;        /* target path as signed, e.g. "fw/gw-100/2.0.bundle" */
    uint64_t length;         /* exact length in bytes */
    bool has_sha256;
    bool has_sha512;
    uint8_t sha256[32];
    uint8_t sha512[64];
    const char *custom_json; /* the "custom" field as compact JSON, keys sorted, or NULL */
    const char *role;        /* the targets role that signed this entry */
} ota_target_info;

#define OTA_TARGET_INFO_INIT                                                                       \
    {sizeof(ota_target_info), NULL, 0, false, false, {0}, {0}, NULL, NULL}

/** Copy *src (of any size) into the caller's *dst: the fields both have,
 *  zero for the rest; dst->size is the caller's sizeof. */
static inline void
ota_target_info_copy(ota_target_info *dst, const ota_target_info *src)
{
    size_t n = src->size < sizeof *dst ? src->size : sizeof *dst;
    memset(dst, 0, sizeof *dst);
    memcpy(dst, src, n);
    dst->size = sizeof *dst;
}

/**
 * Find `path` in the trusted targets metadata: pre-order depth-first search
 * from the top-level targets role through delegations whose `paths` or
 * `path_hash_prefixes` cover path, in listed order; a terminating delegation
 * ends the search after its subtree; at most max_delegations roles are
 * visited; each delegated role is loaded (local copy if still current, else
 * downloaded and verified) when first reached.  Needs a successful refresh
 * first (OTA_E_ARG otherwise).  Errors: OTA_E_NOT_FOUND (no trusted role
 * lists path), the refresh errors for the top-level targets role when
 * refresh left it for its first lookup and for delegated roles, OTA_E_ARG
 * (out->size not set).  *out (its first out->size bytes) written only on success.
 * path is borrowed.
 */
OTA_API OTA_NODISCARD ota_err ota_client_get_target(ota_client *c, const char *path,
                                                    ota_target_info *out);

/** Callback for ota_client_list_targets; returning non-OTA_OK stops the
 *  listing with that value. */
typedef ota_err (*ota_target_cb)(void *user, const ota_target_info *t);

/**
 * Call cb for every target the device would accept, in byte order of path:
 * every delegated role reachable within max_delegations is loaded, and a
 * path is reported with the entry ota_client_get_target() would return for
 * it (so targets listed by a role not trusted for their path are left out).
 * Errors: those of ota_client_get_target (except OTA_E_NOT_FOUND), or cb's.
 */
OTA_API OTA_NODISCARD ota_err ota_client_list_targets(ota_client *c, ota_target_cb cb,
                                                      void *user);

/**
 * Download target t (from ota_client_get_target on this client) into
 * directory dir as the file <percent-encoded path> (a flat name: '/' and
 * every byte outside [A-Za-z0-9._~-] become %XX, a leading '.' too, as
 * python-tuf and tuf-js name downloaded targets).  The URL is target_base_url +
 * path, with HASH.basename under consistent snapshots.  The body is
 * streamed into the hidden partial file dir/.ota-part.<hex SHA-256 of the
 * target> (SHA-512 when no SHA-256 is listed), never past t->length; only
 * when length and every listed hash match is it fsync'd and renamed into
 * place (and dir fsync'd): a partial or rejected download never appears
 * under the final name.
 * Resume: after OTA_E_NETWORK or OTA_E_CANCELED (progress callback) the
 * partial file is kept, and the next fetch of the same target (same signed
 * hash, so never another file's bytes) asks only for the rest (an HTTP
 * Range request; a server answering with the whole file works too).  The
 * kept prefix is hashed first: the hashes are always checked over the whole
 * file.  Every other failure (a hash or length mismatch, I/O, no space)
 * deletes the partial file, so wrong bytes are never resumed twice; a
 * partial file longer than t->length is discarded and the download starts
 * over.  A second fetch of the same target into dir while one runs fails
 * (OTA_E_IO) instead of writing the same file.  Leftovers: partial files
 * untouched for 7 days (targets no longer asked for) are removed by the
 * next fetch into dir.
 * When a file with the right length and hashes is already there, nothing is
 * downloaded and *cached (optional) is set true.
 * Errors: OTA_E_HASH, OTA_E_LENGTH (wrong or too long data), OTA_E_NETWORK,
 * OTA_E_CANCELED, OTA_E_IO, OTA_E_NOSPACE (dir's file system is full),
 * OTA_E_ARG, OTA_E_NOMEM.  t and dir are borrowed.
 */
OTA_API OTA_NODISCARD ota_err ota_client_fetch_target(ota_client *c, const ota_target_info *t,
                                                      const char *dir, bool *cached);

/**
 * File name (no directory) ota_client_fetch_target uses for path, into
 * out[cap].  OTA_E_LIMIT when it does not fit.
 */
OTA_API OTA_NODISCARD ota_err ota_target_filename(const char *path, char *out, size_t cap);

/** A pull-style stream over one target's bytes. */
typedef struct ota_target_stream ota_target_stream;

/**
 * Open a stream over target t: bytes come from the transport's pull
 * stream, never more than t->length; the stream hashes as it goes.  The
 * bytes are NOT authenticated until the final read reports the end with
 * OTA_OK; consumers must not act on them before (the bundle reader checks
 * each chunk against signed hashes instead).  t is copied.  Errors as
 * ota_client_fetch_target.  Free with ota_target_stream_close.
 */
OTA_API OTA_NODISCARD ota_err ota_client_target_open(ota_client *c, const ota_target_info *t,
                                                     ota_target_stream **out);

/**
 * As ota_client_target_open, from byte `offset` (< t->length) on: an HTTP
 * Range request.  Such a stream checks only that the bytes end exactly at
 * the signed length — the prefix was not seen, so the whole-file hashes
 * cannot be checked: the caller must authenticate what it reads by other
 * signed hashes (the install engine resumes a bundle this way: every chunk
 * is checked against the signed chunk table).  offset 0 is
 * ota_client_target_open.  Errors as ota_client_target_open, OTA_E_ARG for
 * an offset at or past the end.
 */
OTA_API OTA_NODISCARD ota_err ota_client_target_open_at(ota_client *c, const ota_target_info *t,
                                                        uint64_t offset,
                                                        ota_target_stream **out);

/**
 * Read up to cap next bytes.  *got = 0 with OTA_OK: the whole target
 * arrived and matched its signed length and every listed hash.  Errors:
 * OTA_E_LENGTH (more or fewer bytes than signed), OTA_E_HASH, transport
 * errors.  After an error every further read fails the same way.
 */
OTA_API OTA_NODISCARD ota_err ota_target_stream_read(ota_target_stream *s, uint8_t *buf,
                                                     size_t cap, size_t *got);

/** Close and free; NULL is a no-op. */
OTA_API void ota_target_stream_close(ota_target_stream *s);

#ifdef __cplusplus
}
#endif
#endif
