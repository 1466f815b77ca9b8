/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota/report.h — signed device status reports (formats/REPORT.md) from the
 * device side: the device's own Ed25519 key (made on first use, 0600 in the
 * state directory), a strictly increasing sequence number, and an on-disk
 * queue that a failed send never loses and never blocks an update on.
 *
 *     ota_reporter_config rc = OTA_REPORTER_CONFIG_INIT;
 *     rc.state_dir = "/var/lib/ota-client"; rc.url = "https://ota.example.com/v1/reports";
 *     rc.transport = &tr; rc.device_id = "gw-0001"; rc.hardware_id = "acme-gw-v2";
 *     ota_reporter *r;
 *     ota_reporter_new(&rc, &r, err, sizeof err);
 *     ota_reporter_add(r, &(ota_report_event){.size = sizeof(ota_report_event),
 *                      .outcome = OTA_OUTCOME_SUCCESS, .installed_version = "1.1.0",
 *                      .previous_version = "1.0.0"});
 *     ota_report_sent res = {.size = sizeof res};
 *     ota_reporter_send(r, false, &res);       // whatever is due; keeps the rest
 *
 * Files in state_dir: device.key (0600, the private key), reports/ (the
 * queue: one signed document per file, named by its seq), reports/seq (the
 * last seq used), reports/backoff (when to try again after a failure).
 */
#ifndef OTA_REPORT_PUBLIC_H
#define OTA_REPORT_PUBLIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota/err.h"
#include "ota/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What happened, as the report's `result` (formats/REPORT.md). */
typedef enum ota_outcome {
    OTA_OUTCOME_NONE = 0,     /* "none": check-in, or a step without a verdict yet */
    OTA_OUTCOME_SUCCESS = 1,  /* "success": installed and committed */
    OTA_OUTCOME_FAILURE = 2,  /* "failure": the attempt failed, old version kept */
    OTA_OUTCOME_ROLLBACK = 3, /* "rollback": the new version failed, the device went back */
} ota_outcome;

typedef struct ota_reporter ota_reporter;

/** `size` is the caller's sizeof (OTA_REPORTER_CONFIG_INIT; read by the
 *  growth rule of docs/libotaclient.md).  Strings are copied; the transport
 *  table is copied, its `user` must outlive the reporter. */
typedef struct ota_reporter_config {
    size_t size;
    const char *state_dir;   /* required */
    const char *url;         /* POST target, e.g. "https://host/v1/reports"; NULL: queue only */
    const ota_transport *transport; /* needs `post`; NULL: queue only */
    const char *device_id;   /* required: an id (formats/BUNDLE.md, ota_id.h) */
    const char *hardware_id; /* required: an id */
    unsigned max_queued;     /* 0: 256; past it the oldest report is dropped */
} ota_reporter_config;

#define OTA_REPORTER_CONFIG_INIT {sizeof(ota_reporter_config), NULL, NULL, NULL, NULL, NULL, 0}

/** One report's content.  `size` is the caller's sizeof (growth rule).
 *  installed_version is required (a semantic version; "0.0.0" when
 *  unknown); previous_version, error, custom_json (a JSON object's text)
 *  may be NULL. */
typedef struct ota_report_event {
    size_t size;
    ota_outcome outcome;
    const char *installed_version;
    const char *previous_version;
    const char *error;
    const char *custom_json;
    /** Download counts of the update (formats/REPORT.md 1.2 `download`):
     *  written when download_bundle > 0 (the report then says spec 1.2). */
    uint64_t download_fetched; /* bundle bytes downloaded */
    uint64_t download_bundle;  /* the bundle's length */
} ota_report_event;

/** Result of a send.  `size` is set by the caller (sizeof); the library
 *  writes only the first `size` bytes and sets size to the count written. */
typedef struct ota_report_sent {
    size_t size;
    unsigned sent;     /* accepted by the server (200/201) and removed */
    unsigned refused;  /* refused for good (other 4xx: replay, key, syntax) and removed */
    unsigned queued;   /* still waiting */
    bool deferred;     /* not tried: the backoff after a failure has not passed */
    long last_status;  /* HTTP status of the last answer, 0 when none */
    int64_t next_try;  /* after a failure: when sending is due again (unix time) */
} ota_report_sent;

/** Open the reporter: loads the device key, or makes one (0600, atomic)
 *  when there is none.  err[errlen] says why on failure.  Errors:
 *  OTA_E_ARG, OTA_E_IO, OTA_E_KEY (a key file that is not ours: never
 *  replaced silently), OTA_E_NOMEM. */
OTA_API OTA_NODISCARD ota_err ota_reporter_new(const ota_reporter_config *cfg,
                                               ota_reporter **out, char *err, size_t errlen);

/** NULL is a no-op.  The private key is wiped. */
OTA_API void ota_reporter_free(ota_reporter *r);

/** Sign a report with the next seq and queue it on disk (no network).
 *  Errors: OTA_E_ARG / OTA_E_FORMAT (a field the format refuses), OTA_E_IO,
 *  OTA_E_NOSPACE, OTA_E_NOMEM. */
OTA_API OTA_NODISCARD ota_err ota_reporter_add(ota_reporter *r, const ota_report_event *ev);

/** POST the queued reports, oldest first.  Stops at the first answer that
 *  is not final (no connection, 404, 429, 5xx) and backs off (1 min,
 *  doubling, at most 1 h); unless force, does nothing before the backoff
 *  has passed.  OTA_OK when everything due was handled (res->queued may
 *  still be > 0 after a failure: that is not an error of the caller's
 *  update); OTA_E_NETWORK when a send failed; OTA_E_UNSUPPORTED without
 *  url or transport->post. */
OTA_API OTA_NODISCARD ota_err ota_reporter_send(ota_reporter *r, bool force,
                                                ota_report_sent *res);

/** Reports waiting in the queue. */
OTA_API size_t ota_reporter_queued(ota_reporter *r);

/** The device's public key (64 hex) and TUF key id (64 hex). */
OTA_API void ota_reporter_key(const ota_reporter *r, char public_hex[65], char keyid[65]);

/** The last failure's message ("" none). */
OTA_API const char *ota_reporter_errmsg(const ota_reporter *r);

#ifdef __cplusplus
}
#endif
#endif
