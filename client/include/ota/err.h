/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota/err.h — the one error enum shared by every ota component, and the
 * OTA_API / OTA_NODISCARD markers of libotaclient's public functions.
 *
 * This is the enum's public home: an embedder compiles against
 * client/include alone.  formats/ota_err.h forwards here, so the tools and
 * the server keep including "ota_err.h".
 *
 * Values are explicit and append-only: they appear in logs, status reports
 * and exit-code tables, so a value never changes meaning.  ota_strerror()
 * is a switch without `default` so the compiler flags a missing case.
 */
#ifndef OTA_ERR_H
#define OTA_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define OTA_NODISCARD __attribute__((warn_unused_result))
#define OTA_API __attribute__((visibility("default")))
#else
#define OTA_NODISCARD
#define OTA_API
#endif

typedef enum ota_err {
    OTA_OK = 0,
    OTA_E_NOMEM = 1,         /* allocation failed */
    OTA_E_ARG = 2,           /* caller passed an invalid argument */
    OTA_E_JSON = 3,          /* not well-formed strict JSON (syntax, duplicate key, NUL) */
    OTA_E_FORMAT = 4,        /* well-formed but not the expected schema */
    OTA_E_LIMIT = 5,         /* an input exceeds a limit from ota_limits.h */
    OTA_E_TYPE = 6,          /* wrong metadata _type for the role */
    OTA_E_SPEC_VERSION = 7,  /* unsupported spec_version major */
    OTA_E_SIGNATURE = 8,     /* signature threshold not met */
    OTA_E_EXPIRED = 9,       /* metadata expired */
    OTA_E_ROLLBACK = 10,     /* version lower than trusted (rollback attack) */
    OTA_E_VERSION = 11,      /* version not the one required (e.g. root N+1, snapshot meta) */
    OTA_E_HASH = 12,         /* hash mismatch */
    OTA_E_LENGTH = 13,       /* length mismatch or too long */
    OTA_E_KEY = 14,          /* malformed or unusable key */
    OTA_E_UNSUPPORTED = 15,  /* unsupported algorithm, key type or feature */
    OTA_E_CRYPTO = 16,       /* crypto library failure (not a verification result) */
    OTA_E_IO = 17,           /* file system error */
    OTA_E_NOT_FOUND = 18,    /* requested item does not exist */
    OTA_E_THRESHOLD = 19,    /* invalid threshold in metadata (< 1 or > keys) */
    OTA_E_NETWORK = 20,      /* transport failure */
    OTA_E_PASSPHRASE = 21,   /* wrong passphrase or corrupted key file */
    OTA_E_EXISTS = 22,       /* refusing to overwrite an existing file */
    OTA_E_UNSAFE = 23,       /* unsafe archive entry: absolute path, '..', device node,
                                link escaping the tree, duplicate or out-of-order entry */
    OTA_E_CANCELED = 24,     /* stopped by the caller (cancel); the work can be resumed */
    OTA_E_HARDWARE = 25,     /* the update is not for this device's hardware id */
    OTA_E_BAD_VERSION = 26,  /* the version was marked bad on this device (it failed before) */
    OTA_E_HOOK = 27,         /* an install hook failed or timed out */
    OTA_E_TIMEOUT = 28,      /* no progress within the time limit (stall, hung hook) */
    OTA_E_NOSPACE = 29,      /* no space left on the device or slot */
    OTA_E_STATE = 30,        /* not possible in the current install state */
    OTA_E_BOOT = 31,         /* the bootloader environment could not be read or written */
} ota_err;

/* Static English description of err; never NULL, for unknown values too. */
OTA_API const char *ota_strerror(ota_err err);

/* Short stable identifier, e.g. "E_SIGNATURE"; never NULL. */
OTA_API const char *ota_err_name(ota_err err);

#ifdef __cplusplus
}
#endif
#endif
