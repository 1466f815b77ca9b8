/* SPDX-License-Identifier: Apache-2.0 */
/*
 * choose.c — which release a device installs (formats/RELEASE.md): every
 * bundle target of the trusted metadata is judged against the device
 * (product, hardware, channel, signed floor, bad list, anti-rollback,
 * rollout bucket) and the eligible one with the highest version wins.
 * Signed data only: the custom fields come from verified targets roles,
 * the floor from the top-level targets role.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ota/update.h"
#include "ota_bundle.h"
#include "ota_hash.h"
#include "ota_id.h"
#include "ota_release.h"

static const char *const verdict_names[] = {"eligible", "invalid",    "other-product",
                                            "hardware", "channel",    "floor",
                                            "marked-bad", "not-newer", "rollout"};

const char *
ota_verdict_name(ota_verdict v)
{
    return (unsigned) v < sizeof verdict_names / sizeof verdict_names[0] ? verdict_names[v] : "?";
}

unsigned
ota_rollout_bucket(const char *device_id, const char *name, const char *version)
{
    /* SHA-256("ota-rollout-v1" 0 id 0 name 0 version), formats/RELEASE.md */
    static const char tag[] = "ota-rollout-v1"; /* hashed with its NUL */
    const char *parts[] = {device_id, name, version};
    uint8_t h[OTA_SHA256_LEN];
    ota_hash st;
    if (ota_hash_init(&st, OTA_HASH_SHA256) != OTA_OK)
        return 99; /* out of memory: the last bucket, only in a rollout to all */
    ota_hash_update(&st, tag, sizeof tag);
    for (size_t i = 0; i < 3; i++) {
        const char *p = parts[i] != NULL ? parts[i] : "";
        /* the separating NUL after the first two parts */
        ota_hash_update(&st, p, strlen(p) + (i < 2));
    }
    if (ota_hash_final(&st, h) != OTA_OK)
        return 99; /* the backend failed: as above */
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return (unsigned) (v % 100u);
}

/* ---- the signed floor ------------------------------------------------------------------------ */

/* The floor of bundle name in the top-level targets' ota_policy (NULL:
 * none, or no policy).  OTA_E_FORMAT when the policy cannot be read:
 * nothing is chosen from such metadata. */
static ota_err
floor_of(ota_client *c, const char *name, const char **floor)
{
    *floor = NULL;
    const ota_md *targets = NULL;
    ota_err rc = otac_targets(c, &targets);
    if (rc != OTA_OK)
        return rc;
    const json_t *policy = json_object_get(targets->signed_obj, "ota_policy");
    if (ota_policy_floor(policy, name, floor) != OTA_OK)
        return otac_fail(c, OTA_E_FORMAT,
                         "targets.json: ota_policy is malformed (formats/RELEASE.md: %s): no "
                         "release is chosen from it",
                         ota_policy_invalid(policy));
    return OTA_OK;
}

ota_err
ota_client_floor(ota_client *c, const char *name, char *out, size_t cap)
{
    if (c == NULL || name == NULL || out == NULL || cap == 0)
        return OTA_E_ARG;
    const char *v;
    ota_err rc = floor_of(c, name, &v);
    if (rc != OTA_OK)
        return rc;
    if (v == NULL)
        v = "";
    if (strlen(v) >= cap)
        return OTA_E_LIMIT;
    memcpy(out, v, strlen(v) + 1);
    otac_ok(c);
    return OTA_OK;
}

/* ---- one release --------------------------------------------------------------------------- */

typedef struct release {
    const char *name, *version;
    ota_release_policy policy; /* custom.ota_release; all zero when !valid */
    char channels[OTA_RELEASE_MAX_CHANNELS * (OTA_MAX_ID_LEN + 1) + 1]; /* joined by ',' */
    bool valid;
    const json_t *hardware;
} release;

static bool
hardware_listed(const json_t *hw, const char *id)
{
    size_t i;
    const json_t *h;
    json_array_foreach((json_t *) hw, i, h)
    {
        if (json_is_string(h) && strcmp(json_string_value(h), id) == 0)
            return true;
    }
    return false;
}

typedef struct choice {
    ota_client *c;
    const ota_device *dev;
    const char *floor; /* of the device's product; NULL: none */
    ota_release_cb cb;
    void *user;
    char *best_path, *best_version;
} choice;

static ota_verdict
judge(const choice *ch, const release *r, unsigned *bucket)
{
    const ota_device *d = ch->dev;
    *bucket = ota_rollout_bucket(d->device_id, r->name, r->version);
    if (!r->valid)
        return OTA_VERDICT_INVALID;
    if (strcmp(r->name, d->product) != 0)
        return OTA_VERDICT_PRODUCT;
    if (!hardware_listed(r->hardware, d->hardware_id))
        return OTA_VERDICT_HARDWARE;
    if (!ota_release_has_channel(&r->policy,
                                 d->channel != NULL ? d->channel : OTA_RELEASE_DEFAULT_CHANNEL))
        return OTA_VERDICT_CHANNEL;
    /* r->name is the device's product here */
    if (ch->floor != NULL && ota_semver_cmp(r->version, ch->floor) < 0)
        return OTA_VERDICT_FLOOR;
    for (size_t i = 0; i < d->nbad; i++)
        if (d->bad_versions[i] != NULL && strcmp(d->bad_versions[i], r->version) == 0)
            return OTA_VERDICT_BAD;
    if (d->installed_version != NULL && d->installed_version[0] != '\0' &&
        ota_semver_check(d->installed_version) == OTA_OK &&
        ota_semver_cmp(r->version, d->installed_version) <= 0)
        return OTA_VERDICT_NOT_NEWER;
    if (*bucket >= r->policy.rollout)
        return OTA_VERDICT_ROLLOUT;
    return OTA_VERDICT_ELIGIBLE;
}

static ota_err
consider(void *user, const ota_target_info *t)
{
    choice *ch = user;
    if (t->custom_json == NULL)
        return OTA_OK;
    json_t *custom = json_loads(t->custom_json, JSON_REJECT_DUPLICATES, NULL);
    const json_t *b = json_object_get(custom, "ota_bundle");
    release r;
    memset(&r, 0, sizeof r);
    r.name = json_string_value(json_object_get(b, "name"));
    r.version = json_string_value(json_object_get(b, "version"));
    r.hardware = json_object_get(b, "hardware");
    if (r.name == NULL || r.version == NULL) { /* not a bundle: not a release */
        json_decref(custom);
        return OTA_OK;
    }
    r.valid = ota_semver_check(r.version) == OTA_OK && json_is_array(r.hardware) &&
              ota_release_read(json_object_get(custom, "ota_release"), &r.policy) == NULL;
    if (r.valid) {
        size_t off = 0;
        for (size_t i = 0; i < r.policy.nchannels; i++)
            off += (size_t) snprintf(r.channels + off, sizeof r.channels - off, "%s%s",
                                     i > 0 ? "," : "", r.policy.channels[i]);
    } else {
        /* a policy that cannot be read is not shown as one: offered to nobody */
        memset(&r.policy, 0, sizeof r.policy);
    }
    unsigned bucket = 0;
    ota_verdict v = judge(ch, &r, &bucket);
    ota_err rc = OTA_OK;
    if (v == OTA_VERDICT_ELIGIBLE &&
        (ch->best_version == NULL || ota_semver_cmp(r.version, ch->best_version) > 0)) {
        /* paths arrive in byte order: of equal versions the first stays */
        char *p = strdup(t->path), *ver = strdup(r.version);
        if (p == NULL || ver == NULL) {
            free(p);
            free(ver);
            rc = otac_fail(ch->c, OTA_E_NOMEM, "out of memory");
            goto out;
        }
        free(ch->best_path);
        free(ch->best_version);
        ch->best_path = p;
        ch->best_version = ver;
    }
    if (ch->cb != NULL) {
        ota_release_info info = {.size = sizeof info,
                                 .target = t,
                                 .name = r.name,
                                 .version = r.version,
                                 .channels = r.channels,
                                 .rollout = r.policy.rollout,
                                 .bucket = bucket,
                                 .downgrade = r.policy.downgrade,
                                 .verdict = v};
        ch->cb(ch->user, &info);
    }
out:
    json_decref(custom);
    return rc;
}

ota_err
ota_client_choose(ota_client *c, const ota_device *dev, ota_release_cb cb, void *user,
                  ota_target_info *chosen, bool *found)
{
    if (c == NULL || dev == NULL || chosen == NULL || found == NULL)
        return OTA_E_ARG;
    char msg[256];
    ota_device d;
    if (otac_struct_in(&d, sizeof d, dev, dev->size, OTAC_MIN_DEVICE, "ota_device", msg,
                       sizeof msg) != OTA_OK ||
        otac_struct_out_ok(chosen->size, OTAC_OUT_MIN, "ota_target_info", msg, sizeof msg) !=
            OTA_OK)
        return otac_fail(c, OTA_E_ARG, "%s", msg);
    dev = &d;
    *found = false;
    if (dev->device_id == NULL || !ota_id_valid(dev->device_id) ||
        dev->hardware_id == NULL || !ota_id_valid(dev->hardware_id) ||
        dev->product == NULL || !ota_id_valid(dev->product) ||
        (dev->channel != NULL && !ota_id_valid(dev->channel)) ||
        (dev->nbad > 0 && dev->bad_versions == NULL))
        return otac_fail(c, OTA_E_ARG,
                         "device id, hardware id, product and channel must be ids (%s)",
                         OTA_ID_RULE);
    choice ch = {.c = c, .dev = dev, .cb = cb, .user = user};
    ota_err rc = floor_of(c, dev->product, &ch.floor);
    if (rc == OTA_OK)
        rc = ota_client_list_targets(c, consider, &ch);
    if (rc == OTA_OK && ch.best_path != NULL) {
        rc = ota_client_get_target(c, ch.best_path, chosen);
        *found = rc == OTA_OK;
    }
    free(ch.best_path);
    free(ch.best_version);
    if (rc == OTA_OK)
        otac_ok(c);
    return rc;
}
