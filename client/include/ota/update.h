/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota/update.h — which release this device should install, decided from
 * signed metadata only (formats/RELEASE.md): the device's product, hardware
 * id and channel, the staged-rollout bucket, anti-rollback, the versions
 * that failed here, and the repository's signed version floor.
 *
 *     ota_device dev = OTA_DEVICE_INIT;
 *     dev.device_id = "gw-0001"; dev.hardware_id = "acme-gw-v2";
 *     dev.product = "gw-firmware"; dev.installed_version = "1.1.0";
 *     ota_target_info t = OTA_TARGET_INFO_INIT; bool found;
 *     if (ota_client_refresh(c) == OTA_OK &&
 *         ota_client_choose(c, &dev, NULL, NULL, &t, &found) == OTA_OK && found)
 *         ... install t ...
 *
 * ota_installer_choose (ota/install.h) fills hardware id, installed
 * version, product and the bad list from the install engine's state.
 */
#ifndef OTA_UPDATE_H
#define OTA_UPDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "ota/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Why a release is (not) eligible, in the order the checks run. */
typedef enum ota_verdict {
    OTA_VERDICT_ELIGIBLE = 0,
    OTA_VERDICT_INVALID = 1,   /* custom.ota_release malformed: never offered */
    OTA_VERDICT_PRODUCT = 2,   /* another product's bundle */
    OTA_VERDICT_HARDWARE = 3,  /* hardware id not listed */
    OTA_VERDICT_CHANNEL = 4,   /* not released on the device's channel */
    OTA_VERDICT_FLOOR = 5,     /* below the signed version floor (retired) */
    OTA_VERDICT_BAD = 6,       /* failed on this device before */
    OTA_VERDICT_NOT_NEWER = 7, /* not above the installed version */
    OTA_VERDICT_ROLLOUT = 8,   /* the device's bucket is outside the rollout */
} ota_verdict;

/** "eligible", "invalid", "other-product", "hardware", "channel", "floor",
 *  "marked-bad", "not-newer", "rollout"; "?" for other values. */
OTA_API const char *ota_verdict_name(ota_verdict v);

/** The device as the choice sees it.  `size` is the caller's
 *  sizeof(ota_device) (OTA_DEVICE_INIT sets it; read by the growth rule of
 *  docs/libotaclient.md); strings are borrowed. */
typedef struct ota_device {
    size_t size;
    const char *device_id;         /* required: the rollout bucket's input */
    const char *hardware_id;       /* required */
    const char *product;           /* required: the bundle name this device runs */
    const char *channel;           /* NULL: "stable" */
    const char *installed_version; /* NULL or "": unknown, every version is newer */
    const char *const *bad_versions;
    size_t nbad;
} ota_device;

#define OTA_DEVICE_INIT {sizeof(ota_device), NULL, NULL, NULL, NULL, NULL, NULL, 0}

/** One release considered, for display.  Valid during the callback only.
 *  `size` is the library's sizeof(ota_release_info): a field past it is
 *  absent (a library older than the caller's header). */
typedef struct ota_release_info {
    size_t size;
    const ota_target_info *target;
    const char *name;     /* bundle name */
    const char *version;
    const char *channels; /* comma-separated, as signed (or the default);
                             "" (rollout 0, downgrade false) when invalid */
    unsigned rollout;     /* 0..100 */
    unsigned bucket;      /* this device's bucket for the release, 0..99 */
    bool downgrade;       /* signed permission for --allow-downgrade */
    ota_verdict verdict;
} ota_release_info;

typedef void (*ota_release_cb)(void *user, const ota_release_info *r);

/**
 * After a successful refresh: consider every bundle target (custom
 * .ota_bundle) the trusted metadata lists, calling cb (may be NULL) for
 * each with its verdict, and choose the eligible one with the highest
 * version (formats/RELEASE.md "Choosing").  *found says whether there is
 * one; then *chosen is its entry (pointers as for ota_client_get_target;
 * chosen->size set by the caller, only its first chosen->size bytes
 * written).
 * Nothing eligible is OTA_OK with *found false.  Errors: OTA_E_ARG (no
 * refresh, a dev->size or chosen->size the growth rule refuses, missing
 * device fields, an id that is not an id), OTA_E_FORMAT
 * (the top-level targets' ota_policy is malformed: a floor that cannot be
 * read is never ignored), those of ota_client_list_targets.
 */
OTA_API OTA_NODISCARD ota_err ota_client_choose(ota_client *c, const ota_device *dev,
                                                ota_release_cb cb, void *user,
                                                ota_target_info *chosen, bool *found);

/** The signed floor for bundle name (formats/RELEASE.md) into out[cap];
 *  "" when there is none.  Errors: OTA_E_ARG (no refresh), OTA_E_FORMAT
 *  (ota_policy malformed), OTA_E_LIMIT (cap too small). */
OTA_API OTA_NODISCARD ota_err ota_client_floor(ota_client *c, const char *name, char *out,
                                               size_t cap);

/** The rollout bucket 0..99 of (device_id, bundle name, version); 99 (in
 *  a rollout to all only) when it cannot be computed (out of memory). */
OTA_API unsigned ota_rollout_bucket(const char *device_id, const char *name,
                                    const char *version);

#ifdef __cplusplus
}
#endif
#endif
