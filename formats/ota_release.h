/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_release.h — the release policy in signed targets metadata
 * (formats/RELEASE.md), read in one place: custom.ota_release of a bundle
 * target (validity, and its values with the defaults of absent members) and
 * ota_policy of the top-level targets role (validity, and the floor of a
 * bundle name).  Used by ota-sign (status, release, floor), libotaclient's
 * choice of a release and its install, and ota-server's fleet page; the
 * vectors are formats/vectors/release/policy-{valid,invalid}.json.  Not
 * part of libotaclient's public API.  The caps are in ota_limits.h.
 *
 * No state; every function is thread-safe.
 */
#ifndef OTA_RELEASE_H
#define OTA_RELEASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ota_err.h"
#include "ota_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an absent member of custom.ota_release reads as. */
#define OTA_RELEASE_DEFAULT_CHANNEL "stable"
#define OTA_RELEASE_DEFAULT_ROLLOUT 100u
#define OTA_RELEASE_DEFAULT_DOWNGRADE false

/* The effective custom.ota_release of one target. */
typedef struct ota_release_policy {
    /* 1..OTA_RELEASE_MAX_CHANNELS channel names, sorted by byte value and
     * distinct; borrowed from the json_t read (or the default's literal) */
    const char *channels[OTA_RELEASE_MAX_CHANNELS];
    size_t nchannels;
    unsigned rollout; /* 0..100 */
    bool downgrade;
} ota_release_policy;

/* Read rel, a target's custom.ota_release (NULL: the member is absent).
 * NULL when it is valid, with *out its values, absent members at their
 * defaults; else why not (one short phrase, a constant string), with *out
 * all defaults (never values from a policy that could not be read: a
 * caller that shows or rewrites it starts from there, a client never
 * offers the release).  out may be NULL (validity only). */
const char *ota_release_read(const json_t *rel, ota_release_policy *out);

/* ota_release_read(rel, NULL): NULL when valid, else why not. */
const char *ota_release_invalid(const json_t *rel);

/* True when channel is one of p's channels (NULL: never). */
bool ota_release_has_channel(const ota_release_policy *p, const char *channel);

/* NULL when policy, the top-level targets' ota_policy member, is valid,
 * else why not (a constant string).  NULL policy is invalid: call it only
 * when the member is present. */
const char *ota_policy_invalid(const json_t *policy);

/* The floor of bundle name under policy, the top-level targets' ota_policy
 * member (NULL: absent, so no floors).  OTA_OK with *version the floor
 * (borrowed from policy) or NULL when name has none; OTA_E_FORMAT with
 * *version NULL when policy is not valid (ota_policy_invalid says why): a
 * floor that cannot be read is never taken for no floor. */
OTA_NODISCARD ota_err ota_policy_floor(const json_t *policy, const char *name,
                                       const char **version);

#ifdef __cplusplus
}
#endif

#endif
