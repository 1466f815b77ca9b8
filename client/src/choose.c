/*
 * choose.c — which release a device installs (formats/RELEASE.md): every
 * bundle target of the trusted metadata is judged against the device
 * (product, hardware, channel, signed floor, bad list, anti-rollback,
 * rollout bucket) and the eligible one with the highest version wins.
 * Signed data only: the custom fields come from verified targets roles,
 * the floor from the top-level targets role.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ota/update.h"
#include "ota_bundle.h"
#include "ota_id.h"

#define MAX_CHANNELS 16u
#define MAX_FLOORS 256u
#define DEFAULT_CHANNEL "stable"

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
    crypto_hash_sha256_state st;
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *) tag, sizeof tag);
    for (size_t i = 0; i < 3; i++) {
        const char *p = parts[i] != NULL ? parts[i] : "";
        /* the separating NUL after the first two parts */
        crypto_hash_sha256_update(&st, (const uint8_t *) p, strlen(p) + (i < 2));
    }
    crypto_hash_sha256_final(&st, h);
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return (unsigned) (v % 100u);
}

/* ---- the signed floor ------------------------------------------------------------------------ */

/* The top-level targets' ota_policy.floors, validated; NULL (OK) when none. */
static ota_err
floors_of(ota_client *c, const json_t **out)
{
    *out = NULL;
    if (!c->refreshed || c->nroles == 0 || c->roles[0].md == NULL)
        return otac_fail(c, OTA_E_ARG, "no trusted targets metadata: refresh first");
    const json_t *pol = json_object_get(c->roles[0].md->signed_obj, "ota_policy");
    if (pol == NULL)
        return OTA_OK;
    const json_t *floors = json_object_get(pol, "floors");
    if (!json_is_object(pol) || json_object_size(pol) != 1 || !json_is_object(floors) ||
        json_object_size(floors) > MAX_FLOORS)
        return otac_fail(c, OTA_E_FORMAT,
                         "targets.json: ota_policy is malformed (formats/RELEASE.md): no release "
                         "is chosen from it");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *) floors, k, v)
    {
        if (!ota_id_valid(k) || !json_is_string(v) ||
            ota_semver_check(json_string_value(v)) != OTA_OK)
            return otac_fail(c, OTA_E_FORMAT,
                             "targets.json: ota_policy.floors: '%.64s' is not a bundle name with "
                             "a semantic version",
                             k);
    }
    *out = floors;
    return OTA_OK;
}

ota_err
ota_client_floor(ota_client *c, const char *name, char *out, size_t cap)
{
    if (c == NULL || name == NULL || out == NULL || cap == 0)
        return OTA_E_ARG;
    const json_t *floors = NULL;
    ota_err rc = floors_of(c, &floors);
    if (rc != OTA_OK)
        return rc;
    const char *v = json_string_value(json_object_get(floors, name));
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
    char channels[MAX_CHANNELS * (OTA_MAX_ID_LEN + 1) + 1];
    unsigned rollout;
    bool downgrade, valid;
    const json_t *hardware;
} release;

/* custom.ota_release into r (defaults when absent); false when malformed. */
static bool
parse_release(const json_t *rel, release *r)
{
    r->rollout = 100;
    r->downgrade = false;
    snprintf(r->channels, sizeof r->channels, "%s", DEFAULT_CHANNEL);
    if (rel == NULL)
        return true;
    if (!json_is_object(rel))
        return false;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *) rel, k, v)
    {
        if (strcmp(k, "channels") == 0) {
            size_t n = json_array_size(v), off = 0;
            if (!json_is_array(v) || n < 1 || n > MAX_CHANNELS)
                return false;
            for (size_t i = 0; i < n; i++) {
                const char *ch = json_string_value(json_array_get(v, i));
                const char *prev = i > 0 ? json_string_value(json_array_get(v, i - 1)) : NULL;
                if (ch == NULL || !ota_id_valid(ch) ||
                    (prev != NULL && strcmp(prev, ch) >= 0)) /* sorted, distinct */
                    return false;
                off += (size_t) snprintf(r->channels + off, sizeof r->channels - off, "%s%s",
                                         i > 0 ? "," : "", ch);
            }
        } else if (strcmp(k, "rollout") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
                return false;
            r->rollout = (unsigned) json_integer_value(v);
        } else if (strcmp(k, "downgrade") == 0) {
            if (!json_is_boolean(v))
                return false;
            r->downgrade = json_is_true(v);
        } else {
            return false; /* a policy we cannot read is not one we may guess */
        }
    }
    return true;
}

static bool
channel_listed(const char *channels, const char *ch)
{
    size_t n = strlen(ch);
    for (const char *p = channels; *p != '\0';) {
        const char *e = strchr(p, ',');
        size_t l = e != NULL ? (size_t) (e - p) : strlen(p);
        if (l == n && memcmp(p, ch, n) == 0)
            return true;
        p += l + (e != NULL);
    }
    return false;
}

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
    const json_t *floors;
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
    if (!channel_listed(r->channels, d->channel != NULL ? d->channel : DEFAULT_CHANNEL))
        return OTA_VERDICT_CHANNEL;
    const char *floor = json_string_value(json_object_get(ch->floors, r->name));
    if (floor != NULL && ota_semver_cmp(r->version, floor) < 0)
        return OTA_VERDICT_FLOOR;
    for (size_t i = 0; i < d->nbad; i++)
        if (d->bad_versions[i] != NULL && strcmp(d->bad_versions[i], r->version) == 0)
            return OTA_VERDICT_BAD;
    if (d->installed_version != NULL && d->installed_version[0] != '\0' &&
        ota_semver_check(d->installed_version) == OTA_OK &&
        ota_semver_cmp(r->version, d->installed_version) <= 0)
        return OTA_VERDICT_NOT_NEWER;
    if (*bucket >= r->rollout)
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
              parse_release(json_object_get(custom, "ota_release"), &r);
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
                                 .rollout = r.rollout,
                                 .bucket = bucket,
                                 .downgrade = r.downgrade,
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
    ota_err rc = floors_of(c, &ch.floors);
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
