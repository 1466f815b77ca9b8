/* SPDX-License-Identifier: Apache-2.0 */
/*
 * repo.h — an ota-sign repository on disk, and the one publishing pipeline
 * every command goes through.
 *
 *   REPO/metadata/   served: N.root.json, root.json, timestamp.json,
 *                    N.snapshot.json, N.targets.json, N.<role>.json
 *                    (+ unversioned snapshot.json, targets.json, <role>.json)
 *   REPO/targets/    served: target files, as <dir>/<sha256>.<name> when
 *                    consistent snapshots are on (the default)
 *   REPO/.ota/       not served (hidden): config.json, staged/ (metadata
 *                    waiting for signatures, and under staged/targets/ the
 *                    target files it names, laid out as in targets/), lock
 *
 * Publishing writes every new file under a hidden temporary name first
 * (fsync'd; target files synced together, one syncfs per file system: see
 * fs_commit_all), then renames them into place in an order that keeps the
 * repository valid for a reader at every instant: target files, delegated
 * roles, targets, snapshot, root, and timestamp.json last.  A failure before
 * the renames leaves the published repository byte-for-byte unchanged.
 */
#ifndef OTA_SIGN_REPO_H
#define OTA_SIGN_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "fsutil.h"
#include "keys.h"
#include "ota_tuf.h"

typedef struct repo_role {
    char *name;        /* "targets" or a delegated role name */
    char *delegator;   /* NULL for targets */
    ota_md *md;
    bool changed;
    json_t *published; /* its "targets" as published, kept on the first change */
} repo_role;

typedef struct repo {
    char *dir, *meta_dir, *targets_dir, *state_dir, *staged_dir;
    int lock_fd;
    int fail_exit; /* the exit code a failure printed here calls for (0: map the error) */
    int64_t now;                      /* one clock reading per run */
    int64_t expires[OTA_ROLE_COUNT];  /* validity periods, seconds */
    bool consistent;

    ota_md *root;      /* current (new, when root_changed) */
    ota_md *old_root;  /* the published root when root_changed */
    bool root_changed;
    ota_md *timestamp, *snapshot;
    repo_role *roles;  /* roles[0] is "targets" */
    size_t nroles;

    sign_keys keys;
    fs_pending *files; /* target files staged for publishing */
    size_t nfiles, cap_files;
    bool quiet;
    bool from_staged; /* changes came from .ota/staged: clear it on publish */
    bool stage;       /* --stage: staging without any key of a role is wanted */
} repo;

/* Open REPO for changes: takes the lock, reads the config and the published
 * metadata.  OTA_E_NOT_FOUND when REPO is not an ota repository. */
OTA_NODISCARD ota_err repo_open(repo *r, const char *dir);

/* Open read-only (verify, status): no lock, no staged-change check. */
OTA_NODISCARD ota_err repo_open_readonly(repo *r, const char *dir);

/* Create the directory skeleton for a new repository (init). */
OTA_NODISCARD ota_err repo_create(repo *r, const char *dir, const int64_t expires[OTA_ROLE_COUNT],
                                  bool consistent);

void repo_close(repo *r);

/* Undo repo_create after a failed init: removes the skeleton it made (only
 * empty directories and its own state files). */
void repo_remove_skeleton(repo *r);

/* Refuse to start a change while staged metadata waits for signatures. */
OTA_NODISCARD ota_err repo_check_no_staged(repo *r);

/* The loaded targets role by name, or NULL. */
repo_role *repo_role_get(repo *r, const char *name);

/* Add a role to the in-memory set (takes ownership of md). */
OTA_NODISCARD ota_err repo_role_add(repo *r, const char *name, const char *delegator, ota_md *md);

/* The ota_md that delegates `name` (root for top-level roles). */
const ota_md *repo_delegator_of(repo *r, const char *name);

/* New version of md: version+1 (or `version` when > 0), expires now+period,
 * signatures cleared.  Edits md->signed_obj and refreshes. */
OTA_NODISCARD ota_err repo_bump(repo *r, ota_md *md, int64_t period, int64_t version);

/* Sign md with every given key authorised for `role` (as delegated by
 * delegator).  Returns OTA_OK when the threshold is met, OTA_E_SIGNATURE
 * otherwise, after printing which key ids are missing. */
OTA_NODISCARD ota_err repo_sign_role(repo *r, ota_md *md, const char *role,
                                     const ota_md *delegator);

/* File name of a published role version: "V.NAME.json" with consistent
 * snapshots (and version > 0), else "NAME.json". */
void repo_role_file(bool consistent, char *buf, size_t cap, const char *name, int64_t version);

/* Where target `path` with this SHA-256 lives under targets_dir:
 * DIR/<sha256>.<name> with consistent snapshots, else the plain path.
 * malloc'd; NULL on OOM. */
char *repo_target_file(const char *targets_dir, bool consistent, const char *path,
                       const uint8_t sha256[32]);

/* Validate a target path: relative, '/'-separated, no empty, '.', '..' or
 * hidden segments, no backslash or control characters, bounded length. */
bool repo_target_path_ok(const char *path);

/* Stage a copy of a file as target `path`; fills length and hashes. */
OTA_NODISCARD ota_err repo_stage_target_file(repo *r, const char *path, const char *src,
                                             uint64_t *length, uint8_t sha256[32]);

/*
 * Publish: check the thresholds of every changed role (root against the old
 * and the new root), make and sign a new snapshot and timestamp, write and
 * rename everything.  When a threshold is not met, every changed metadata
 * file is saved to .ota/staged/ instead and OTA_E_SIGNATURE is returned
 * (exit code "threshold not met: staged").
 */
OTA_NODISCARD ota_err repo_publish(repo *r);

/* The role a target path belongs in: follow the first matching delegation
 * from "targets" down, as a client's search would find it. */
repo_role *repo_role_for_path(repo *r, const char *path);

/* Mark a targets role as changed: the first call in a run bumps its version
 * and expiry (clearing signatures); later calls do nothing. */
OTA_NODISCARD ota_err repo_edit_role(repo *r, repo_role *role);

/* Add or replace entries (an object: path -> target) in the "targets" of a
 * targets role, marking it changed as repo_edit_role does: one refresh of
 * its metadata however many entries (ota-sign add of thousands of files). */
OTA_NODISCARD ota_err repo_set_targets(repo *r, repo_role *role, json_t *entries);

/* Sign every changed role with the keys given; OTA_E_SIGNATURE (not an
 * error yet: publish stages) when some threshold is not met. */
OTA_NODISCARD ota_err repo_sign_changed(repo *r);

/* Parse a duration like "90d", "12h", "30m", "45s", "2w", "1y". */
OTA_NODISCARD ota_err parse_duration(const char *s, int64_t *out);

/* Build an empty metadata document of a role (version 1). */
OTA_NODISCARD ota_err repo_new_md(repo *r, ota_role_type t, json_t *body, ota_md **out);

/* Write every changed role (and a changed root) to .ota/staged/, each
 * atomically; prints "staged PATH" unless r->quiet. */
OTA_NODISCARD ota_err repo_save_staged(repo *r);

/* Load every staged file into r (publish, sign). */
OTA_NODISCARD ota_err repo_load_staged(repo *r, size_t *count);

/* Remove everything staged (metadata and target files); discard. */
void repo_clear_staged(repo *r);

/* True when metadata is staged (waiting for signatures). */
bool repo_has_staged(repo *r);

/* A new timestamp.json only (version + 1, expires now + the timestamp
 * period) naming the same snapshot, signed with the timestamp key(s).
 * Refused (OTA_E_EXPIRED, message printed) when that snapshot has expired;
 * warns when the snapshot expires before the new timestamp. */
OTA_NODISCARD ota_err repo_publish_timestamp(repo *r);

/* Short human form of a key id: first 12 hex digits. */
const char *short_id(const char *keyid);

#endif
