/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_release.c — the release policy read in one place (ota_release.h):
 * custom.ota_release and ota_policy (formats/RELEASE.md "Per release" and
 * "Fleet-wide").  Every rule below is a row of those tables;
 * formats/vectors/release/ has a case for each.
 */
#include <string.h>

#include "ota_id.h"
#include "ota_release.h"

/* The words in the messages below name these numbers. */
_Static_assert(OTA_RELEASE_MAX_CHANNELS == 16, "the channels message says 1-16");
_Static_assert(OTA_POLICY_MAX_FLOORS == 256, "the floors message says 256");

static void
defaults(ota_release_policy *p)
{
    memset(p, 0, sizeof *p);
    p->channels[0] = OTA_RELEASE_DEFAULT_CHANNEL;
    p->nchannels = 1;
    p->rollout = OTA_RELEASE_DEFAULT_ROLLOUT;
    p->downgrade = OTA_RELEASE_DEFAULT_DOWNGRADE;
}

/* The rules; fills *p from a valid rel (p starts at the defaults). */
static const char *
release_read(const json_t *rel, ota_release_policy *p)
{
    if (rel == NULL)
        return NULL;
    if (!json_is_object(rel))
        return "ota_release is not an object";
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *) rel, key, v)
    {
        if (strcmp(key, "channels") == 0) {
            size_t n = json_array_size(v);
            if (!json_is_array(v) || n < 1 || n > OTA_RELEASE_MAX_CHANNELS)
                return "channels is not an array of 1-16 names";
            for (size_t i = 0; i < n; i++) {
                const char *c = json_string_value(json_array_get(v, i));
                if (c == NULL || !ota_id_valid(c))
                    return "a channel is not a valid name";
                if (i > 0 && strcmp(p->channels[i - 1], c) >= 0)
                    return "channels are not sorted and distinct";
                p->channels[i] = c;
            }
            p->nchannels = n;
        } else if (strcmp(key, "rollout") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
                return "rollout is not an integer 0-100";
            p->rollout = (unsigned) json_integer_value(v);
        } else if (strcmp(key, "downgrade") == 0) {
            if (!json_is_boolean(v))
                return "downgrade is not true or false";
            p->downgrade = json_is_true(v);
        } else {
            return "ota_release has an unknown member";
        }
    }
    return NULL;
}

const char *
ota_release_read(const json_t *rel, ota_release_policy *out)
{
    ota_release_policy p;
    defaults(&p);
    const char *why = release_read(rel, &p);
    if (why != NULL)
        defaults(&p); /* nothing from a policy that could not be read */
    if (out != NULL)
        *out = p;
    return why;
}

const char *
ota_release_invalid(const json_t *rel)
{
    return ota_release_read(rel, NULL);
}

bool
ota_release_has_channel(const ota_release_policy *p, const char *channel)
{
    if (p == NULL || channel == NULL)
        return false;
    for (size_t i = 0; i < p->nchannels && i < OTA_RELEASE_MAX_CHANNELS; i++)
        if (p->channels[i] != NULL && strcmp(p->channels[i], channel) == 0)
            return true;
    return false;
}

const char *
ota_policy_invalid(const json_t *policy)
{
    if (!json_is_object(policy))
        return "ota_policy is not an object";
    const json_t *floors = json_object_get(policy, "floors");
    if (json_object_size(policy) != 1 || !json_is_object(floors))
        return "ota_policy must have exactly one member, the object floors";
    if (json_object_size(floors) > OTA_POLICY_MAX_FLOORS)
        return "more than 256 floors";
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *) floors, name, v)
    {
        if (!ota_id_valid(name))
            return "a floor's bundle name is not a valid name";
        if (ota_semver_check(json_string_value(v)) != OTA_OK)
            return "a floor is not a semantic version of at most 64 bytes";
    }
    return NULL;
}

ota_err
ota_policy_floor(const json_t *policy, const char *name, const char **version)
{
    if (version == NULL)
        return OTA_E_ARG;
    *version = NULL;
    if (policy == NULL)
        return OTA_OK;
    if (ota_policy_invalid(policy) != NULL)
        return OTA_E_FORMAT;
    if (name != NULL)
        *version = json_string_value(json_object_get(json_object_get(policy, "floors"), name));
    return OTA_OK;
}
