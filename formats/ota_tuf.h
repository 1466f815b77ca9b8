/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_tuf.h — the TUF 1.0 metadata model: parse, validate, verify, sign,
 * serialize root / timestamp / snapshot / targets (with delegations).
 *
 * The model keeps the received JSON document and gives typed, validated
 * views into it.  Strings in the views are borrowed from the document and
 * live as long as the ota_md.  Signatures are always checked over the
 * canonical JSON of the *received* `signed` object, so fields this library
 * does not know are preserved and still covered by the signature.
 *
 * Thread-safety: an ota_md may be read from several threads; mutating
 * functions need exclusive access.  No global state.
 */
#ifndef OTA_TUF_H
#define OTA_TUF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_key.h"
#include "ota_limits.h"

/* The specification version we write; we read any 1.x. */
#define OTA_TUF_SPEC_VERSION "1.0.31"

typedef enum ota_role_type {
    OTA_ROLE_ROOT = 0,
    OTA_ROLE_TIMESTAMP = 1,
    OTA_ROLE_SNAPSHOT = 2,
    OTA_ROLE_TARGETS = 3,
} ota_role_type;
#define OTA_ROLE_COUNT 4

/* "root", "timestamp", "snapshot", "targets". */
const char *ota_role_name(ota_role_type t);
/* Inverse of ota_role_name; -1 for anything else. */
int ota_role_from_name(const char *name);

typedef struct ota_hashes {
    bool has_sha256;
    bool has_sha512;
    uint8_t sha256[32];
    uint8_t sha512[64];
    size_t count; /* algorithms listed, supported or not */
} ota_hashes;

/* A role's authorised key ids and threshold (root roles, delegations). */
typedef struct ota_role_keys {
    const char **keyids;
    size_t nkeyids;
    int64_t threshold;
} ota_role_keys;

typedef struct ota_keyring {
    ota_key *keys;
    size_t nkeys;
} ota_keyring;

/* An entry of timestamp or snapshot `meta`. */
typedef struct ota_metafile {
    const char *name; /* e.g. "snapshot.json", "targets.json" */
    int64_t version;
    bool has_length;
    int64_t length;
    ota_hashes hashes; /* count == 0 when absent */
} ota_metafile;

typedef struct ota_target {
    const char *path;
    int64_t length;
    ota_hashes hashes;
    const json_t *custom; /* borrowed; NULL when absent */
} ota_target;

typedef struct ota_delegation {
    const char *name;
    ota_role_keys rk;
    bool terminating;
    bool has_paths; /* else path_hash_prefixes */
    const char **patterns; /* paths or path_hash_prefixes */
    size_t npatterns;
} ota_delegation;

typedef struct ota_sig {
    const char *keyid;
    bool well_formed; /* sig was a hex string of an acceptable length */
    size_t len;
    uint8_t bytes[OTA_MAX_SIG_LEN];
} ota_sig;

typedef struct ota_md {
    ota_role_type type;
    json_t *doc;         /* owned: the whole document */
    json_t *signed_obj;  /* borrowed from doc */
    uint8_t *canon;      /* canonical JSON of signed_obj: the signed bytes */
    size_t canon_len;
    ota_sig *sigs;
    size_t nsigs;

    const char *spec_version;
    int64_t version;
    int64_t expires; /* seconds since the epoch, UTC */

    /* root */
    bool consistent_snapshot;
    ota_role_keys roles[OTA_ROLE_COUNT];
    /* root keys, or the delegation keys of a targets role */
    ota_keyring keys;

    /* timestamp, snapshot */
    ota_metafile *meta;
    size_t nmeta;

    /* targets (top-level or delegated) */
    ota_target *targets; /* sorted by path */
    size_t ntargets;
    bool has_delegations;
    ota_delegation *dels; /* in listed order: it is the search priority */
    size_t ndels;

    /* ota_md_compact: the JSON of `targets` is gone, target paths live in
     * `paths` and each target's custom holds its own reference */
    bool compact;
    char *paths;
} ota_md;

/*
 * Parse and validate untrusted metadata buf[len] expected to be of type
 * `expect` (OTA_ROLE_TARGETS for delegated roles).  Does not verify
 * signatures or expiry.  Errors: OTA_E_JSON, OTA_E_LIMIT (size, depth,
 * counts), OTA_E_FORMAT (schema; also a keyid repeated in `signatures`,
 * which the TUF specification forbids), OTA_E_TYPE (_type differs from expect),
 * OTA_E_SPEC_VERSION (major != 1), OTA_E_THRESHOLD (threshold < 1),
 * OTA_E_UNSUPPORTED (succinct delegations), OTA_E_NOMEM.
 * *out is written only on success; free with ota_md_free().
 */
OTA_NODISCARD ota_err ota_md_parse(const uint8_t *buf, size_t len, ota_role_type expect,
                                   ota_md **out);

/* As ota_md_parse, taking the type from the document's own `_type`: for
 * tools that handle any role (signing a carried file).  Never use it where
 * the role is known: a client must say which role it expects.  OTA_E_TYPE
 * when `_type` is missing or not a TUF role. */
OTA_NODISCARD ota_err ota_md_parse_any(const uint8_t *buf, size_t len, ota_md **out);

/* As ota_md_parse but from a JSON document; doc is transferred (decref'd
 * on failure too). */
OTA_NODISCARD ota_err ota_md_from_json(json_t *doc, ota_role_type expect, ota_md **out);

/* Re-validate after md->signed_obj was changed in place; recomputes the
 * canonical bytes and all views.  On failure md is unchanged in its views
 * but the JSON keeps the edit: the caller should discard md. */
OTA_NODISCARD ota_err ota_md_refresh(ota_md *md);

void ota_md_free(ota_md *md);

/*
 * For a reader done with the document, such as a client once a targets
 * role is verified: drop the JSON of its `targets` object, the bulk of a
 * large role (some allocations per target), keeping the views.  The paths
 * move to one block of their exact total size; each `custom` is kept (its
 * own reference); signatures and canonical bytes stay, so ota_md_verify
 * still works.  signed_obj no longer holds "targets": ota_md_refresh,
 * ota_md_set_signature, ota_md_sign_ed25519, ota_md_clear_signatures and
 * ota_md_serialize refuse a compact md (OTA_E_ARG).  No-op for other roles
 * and when already compact.  OTA_E_NOMEM leaves md as it was.
 */
OTA_NODISCARD ota_err ota_md_compact(ota_md *md);

/*
 * Count valid signatures on md by keys authorised in rk and found in ring:
 * each authorised key counts at most once (one key listed under several key
 * ids included; a keyid signing twice never parses); unknown key ids, unsupported key
 * types and empty or malformed `sig` values are invalid signatures, never
 * errors.  OTA_OK when at least rk->threshold are valid, else
 * OTA_E_SIGNATURE.  *nvalid (optional) receives the count either way.
 */
OTA_NODISCARD ota_err ota_md_verify(const ota_md *md, const ota_keyring *ring,
                                    const ota_role_keys *rk, size_t *nvalid);

/*
 * Verify md as role `role` delegated by `delegator`: a root for the four
 * top-level role names, a targets role for a delegated name.  Also checks
 * md's _type is right for the role.  OTA_E_NOT_FOUND when the delegator
 * does not delegate `role`.
 */
OTA_NODISCARD ota_err ota_md_verify_role(const ota_md *delegator, const char *role,
                                         const ota_md *md, size_t *nvalid);

/*
 * Check bytes fetched for a timestamp/snapshot `meta` entry against it:
 * OTA_E_LENGTH when a listed length differs, OTA_E_UNSUPPORTED when hashes
 * are listed but none is sha256 or sha512, OTA_E_HASH when a listed
 * supported hash differs.  No length or hashes listed: OTA_OK.
 */
OTA_NODISCARD ota_err ota_metafile_check(const ota_metafile *m, const uint8_t *buf, size_t len);

/* OTA_E_EXPIRED when md->expires <= now (the fixed update start time). */
OTA_NODISCARD ota_err ota_md_check_expiry(const ota_md *md, int64_t now);

/* Lookups; NULL when absent. */
const ota_metafile *ota_md_find_meta(const ota_md *md, const char *name);
const ota_target *ota_md_find_target(const ota_md *md, const char *path);
const ota_key *ota_keyring_find(const ota_keyring *ring, const char *keyid);
const ota_delegation *ota_md_find_delegation(const ota_md *md, const char *name);

/*
 * Does delegation d cover target path?  `paths` patterns are shell-style
 * (`*`, `?`, `[...]`) matched per path segment: `*` never matches `/`, and
 * pattern and path must have the same number of segments.
 * `path_hash_prefixes` match the lower-case hex SHA-256 of the path.
 */
bool ota_delegation_matches(const ota_delegation *d, const char *path);

/*
 * Add (or replace, for the same key id) a signature in the document and
 * refresh.  sig is raw bytes; it is stored as lower-case hex.
 */
OTA_NODISCARD ota_err ota_md_set_signature(ota_md *md, const char *keyid, const uint8_t *sig,
                                           size_t sig_len);

/* Sign md's canonical bytes with an Ed25519 secret key (libsodium's 64-byte
 * form) under keyid, via ota_md_set_signature. */
OTA_NODISCARD ota_err ota_md_sign_ed25519(ota_md *md, const char *keyid, const uint8_t sk[64]);

/* Remove every signature (after changing signed content). */
OTA_NODISCARD ota_err ota_md_clear_signatures(ota_md *md);

/*
 * Serialize the whole document ({"signed":..., "signatures":[...]}) as
 * ordinary JSON with keys sorted by byte order, one-space indentation and a
 * final newline: deterministic bytes, so publishing the same content twice
 * yields the same hashes.  (Not canonical JSON: that form leaves control
 * characters such as the newlines of PEM keys raw, which JSON forbids; it
 * is only ever the signed form, never a file format.)  *out is malloc'd and
 * NUL-terminated.
 */
OTA_NODISCARD ota_err ota_md_serialize(const ota_md *md, uint8_t **out, size_t *out_len);

#endif
