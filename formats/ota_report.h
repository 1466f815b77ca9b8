/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_report.h — device status reports: the signed document a device POSTs
 * to ota-server (/v1/reports) to say which version it runs and how its last
 * update went.  Specification with test vectors: formats/REPORT.md.
 *
 *   {"signatures":[{"keyid":HEX64,"sig":HEX128}],
 *    "signed":{"_type":"ota-report","spec_version":"1.0","device_id":...,
 *              "hardware_id":...,"installed_version":...,
 *              "previous_version":...|null,"result":...,"error":...,
 *              "time":"YYYY-MM-DDTHH:MM:SSZ","seq":N,"key":{ed25519 key},
 *              "custom":{...}?,"enrolment":{"keyid":HEX64,"sig":HEX128}?}}
 *
 * The signature is Ed25519 over the canonical JSON (formats/CANONICAL_JSON.md)
 * of `signed`, by the key in `signed.key`; the keyid is the TUF key id of
 * that key object.  A report is thus self-signed: it proves possession of
 * the key, and the server binds device_id to the key on first use — unless
 * the key is registered with the server, or the report carries an
 * enrolment certificate (spec 1.1): a provisioning key's Ed25519 signature
 * over the canonical JSON of
 *   {"_type":"ota-device-certificate","device_id":ID,"key":{ed25519 key}}
 * (ota_report_certify makes one, ota_report_certificate_verify checks it).
 *
 * device_id and hardware_id are ids and the versions semantic versions, as
 * everywhere (ota_id.h: ota_id_valid, ota_semver_check).
 *
 * No global state; every function is thread-safe on distinct arguments.
 */
#ifndef OTA_REPORT_H
#define OTA_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_limits.h"

#define OTA_REPORT_TYPE "ota-report"
/* The version we write; we read any 1.x (minor versions only add optional
 * fields under `custom`-style rules spelled out in REPORT.md). */
#define OTA_REPORT_SPEC_VERSION "1.0"
/* The version written when the report carries an enrolment certificate. */
#define OTA_REPORT_SPEC_VERSION_ENROLMENT "1.1"
/* The version written when the report carries `download` (it wins over 1.1). */
#define OTA_REPORT_SPEC_VERSION_DOWNLOAD "1.2"
#define OTA_REPORT_CERT_TYPE "ota-device-certificate"

typedef enum ota_report_result {
    OTA_REPORT_NONE = 0,     /* "none": check-in, no update attempted */
    OTA_REPORT_SUCCESS = 1,  /* "success": update installed and committed */
    OTA_REPORT_FAILURE = 2,  /* "failure": update failed, old version kept */
    OTA_REPORT_ROLLBACK = 3, /* "rollback": new version failed its health check */
} ota_report_result;

/* A parsed, verified report (or the fields to sign).  Plain value type:
 * no pointers, no free needed.  ~1.1 KiB. */
typedef struct ota_report {
    char device_id[OTA_MAX_ID_LEN + 1];
    char hardware_id[OTA_MAX_ID_LEN + 1];
    char installed_version[OTA_MAX_VERSION_LEN + 1];
    char previous_version[OTA_MAX_VERSION_LEN + 1]; /* "" encodes null */
    ota_report_result result;
    char error[OTA_MAX_REPORT_ERROR_LEN + 1];       /* "" when none */
    char time[21];                                  /* as sent, validated */
    int64_t time_unix;
    uint64_t seq;                                   /* 1 .. 2^53-1 */
    uint8_t public_key[32];                         /* Ed25519 */
    char keyid[65];                                 /* lower-case hex */
    /* optional enrolment certificate (spec 1.1); when signing, written if
     * has_enrolment.  Parsing checks its form only: the provisioning key is
     * the verifier's (ota_report_certificate_verify). */
    bool has_enrolment;
    char enrolment_keyid[65];                       /* provisioning key id */
    uint8_t enrolment_sig[64];
    /* optional download counts of the update (spec 1.2): bundle bytes
     * downloaded and the bundle's length, each 0 .. 2^53-1; written if
     * has_download. */
    bool has_download;
    uint64_t download_fetched;
    uint64_t download_bundle;
} ota_report;

/*
 * Parse a report document buf[len] strictly and verify its signature with
 * the key it carries.  *out is written only on OTA_OK.
 * Errors: OTA_E_ARG (NULL), OTA_E_LIMIT (len > OTA_MAX_REPORT_SIZE, depth),
 * OTA_E_JSON (not strict JSON), OTA_E_TYPE (_type), OTA_E_SPEC_VERSION
 * (major not 1), OTA_E_FORMAT (missing, extra or invalid field),
 * OTA_E_KEY (key object not an Ed25519 key), OTA_E_SIGNATURE (keyid is not
 * the key's id, or the signature does not verify).
 */
OTA_NODISCARD ota_err ota_report_parse(const uint8_t *buf, size_t len, ota_report *out);

/*
 * Build and sign a report: r's fields (public_key, keyid, time_unix are
 * ignored: the key comes from sk, the time from r->time), plus an optional
 * `custom` object (borrowed; NULL for none).  sk is a libsodium Ed25519
 * secret key (seed || public key).  On OTA_OK *out is a malloc'd,
 * NUL-terminated document (canonical JSON of the whole envelope) the caller
 * frees.  Errors: OTA_E_ARG, OTA_E_FORMAT (a field ota_report_parse would
 * refuse), OTA_E_LIMIT (document over OTA_MAX_REPORT_SIZE), OTA_E_NOMEM.
 */
OTA_NODISCARD ota_err ota_report_sign(const ota_report *r, const json_t *custom,
                                      const uint8_t sk[64], uint8_t **out, size_t *out_len);

/*
 * The enrolment certificate for (device_id, device_pk): the Ed25519
 * signature by the provisioning key prov_sk (libsodium secret key, seed ||
 * public) over the canonical JSON of {"_type":"ota-device-certificate",
 * "device_id":ID,"key":{ed25519 key object of device_pk}}, and the
 * provisioning key's TUF key id.  Errors: OTA_E_ARG, OTA_E_FORMAT (bad id),
 * OTA_E_NOMEM.
 */
OTA_NODISCARD ota_err ota_report_certify(const char *device_id, const uint8_t device_pk[32],
                                         const uint8_t prov_sk[64], char keyid[65],
                                         uint8_t sig[64]);

/*
 * Check a parsed report's enrolment certificate with the provisioning
 * public key prov_pk whose key id is prov_keyid.  OTA_OK when it verifies
 * for r's device_id and key; OTA_E_NOT_FOUND when r has no certificate or
 * names another provisioning key id; OTA_E_SIGNATURE when it does not
 * verify.
 */
OTA_NODISCARD ota_err ota_report_certificate_verify(const ota_report *r, const uint8_t prov_pk[32],
                                                    const char *prov_keyid);

/* An Ed25519 key object exactly as REPORT.md requires for `key`
 * ({"keytype":"ed25519","scheme":"ed25519","keyval":{"public":HEX64}},
 * lower-case hex) into pk; OTA_E_KEY otherwise. */
OTA_NODISCARD ota_err ota_report_key_parse(const json_t *key, uint8_t pk[32]);

/* "none", "success", "failure", "rollback"; "?" for other values. */
const char *ota_report_result_name(ota_report_result r);

/* Inverse of ota_report_result_name; -1 for anything else. */
int ota_report_result_from_name(const char *s);

#endif
