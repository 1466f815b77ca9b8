/*
 * ota_release.h — validity of the release policy in signed targets
 * metadata (formats/RELEASE.md): custom.ota_release of a bundle target and
 * ota_policy of the top-level targets role.  For readers that show or
 * check the policy without choosing a release (ota-server's fleet page);
 * the vectors are formats/vectors/release/policy-{valid,invalid}.json.
 *
 * No state; every function is thread-safe.
 */
#ifndef OTA_RELEASE_H
#define OTA_RELEASE_H

#include <jansson.h>

#include "ota_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_RELEASE_MAX_CHANNELS 16u
#define OTA_RELEASE_DEFAULT_CHANNEL "stable"
#define OTA_RELEASE_DEFAULT_ROLLOUT 100
#define OTA_POLICY_MAX_FLOORS 256u

/* NULL when rel, a target's custom.ota_release, is valid (NULL: the member
 * is absent, which reads as the defaults), else why not, one short phrase
 * (a constant string). */
OTA_API const char *ota_release_invalid(const json_t *rel);

/* NULL when policy, the top-level targets' ota_policy member, is valid,
 * else why not (a constant string).  NULL policy is invalid: call it only
 * when the member is present. */
OTA_API const char *ota_policy_invalid(const json_t *policy);

#ifdef __cplusplus
}
#endif

#endif
