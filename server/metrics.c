/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c — /metrics in the Prometheus text exposition format (0.0.4).
 * Counters are relaxed atomics bumped by the request threads; a scrape
 * reads each one once, so a scrape is a consistent-enough snapshot.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "server.h"

__attribute__((format(printf, 2, 3))) static ota_err
put(ota_buf *b, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof line)
        return OTA_E_LIMIT;
    return ota_buf_append(b, line, (size_t) n);
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

static ota_err
counter(ota_buf *b, const char *name, const char *help, uint64_t v)
{
    ota_err rc = put(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    if (rc == OTA_OK)
        rc = put(b, "%s %" PRIu64 "\n", name, v);
    return rc;
}

/* A counter with one label taking three values. */
static ota_err
counter3(ota_buf *b, const char *name, const char *help, const char *label,
         const char *const values[3], const _Atomic uint64_t v[3])
{
    ota_err rc = put(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (unsigned i = 0; i < 3 && rc == OTA_OK; i++)
        rc = put(b, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, values[i], LOAD(v[i]));
    return rc;
}

/* Device enrolment: new devices by how their key is vouched for, first
 * reports refused by reason, key conflicts, devices known. */
static ota_err
render_enrolment(const srv_metrics *m, ota_buf *out)
{
    static const char *const how[] = {"tofu", "registered", "certified"};
    static const char *const why[] = {"capacity", "rate", "enrolment"};
    ota_err rc = counter3(out, "ota_devices_new_total",
                          "New devices (first report stored), by how their key is vouched for.",
                          "enrolment", how, m->devices_new);
    if (rc == OTA_OK)
        rc = counter3(out, "ota_devices_refused_total",
                      "First reports of unknown devices refused, by reason.", "reason", why,
                      m->devices_refused);
    if (rc == OTA_OK)
        rc = counter(out, "ota_device_key_conflicts_total",
                     "Reports for a known or registered device id signed by another key.",
                     LOAD(m->key_conflicts));
    if (rc == OTA_OK)
        rc = put(out,
                 "# HELP ota_devices_known Devices in the database.\n"
                 "# TYPE ota_devices_known gauge\n"
                 "ota_devices_known %" PRId64 "\n",
                 LOAD(m->devices_known));
    return rc;
}

ota_err
srv_metrics_render(const srv_metrics *m, ota_buf *out)
{
    ota_err rc = put(out, "# HELP ota_http_requests_total HTTP responses sent, by status code.\n"
                          "# TYPE ota_http_requests_total counter\n");
    for (unsigned code = 100; code < SRV_STATUS_MAX && rc == OTA_OK; code++) {
        uint64_t v = LOAD(m->status[code]);
        if (v != 0)
            rc = put(out, "ota_http_requests_total{code=\"%u\"} %" PRIu64 "\n", code, v);
    }
    if (rc == OTA_OK)
        rc = counter(out, "ota_http_response_bytes_total",
                     "Body bytes of responses sent in full.", LOAD(m->bytes));
    if (rc == OTA_OK)
        rc = put(out,
                 "# HELP ota_http_connections_active Open client connections.\n"
                 "# TYPE ota_http_connections_active gauge\n"
                 "ota_http_connections_active %" PRId64 "\n",
                 LOAD(m->active));
    if (rc == OTA_OK)
        rc = counter(out, "ota_http_connections_total", "Client connections accepted.",
                     LOAD(m->connections));
    if (rc == OTA_OK)
        rc = counter(out, "ota_http_connection_timeouts_total",
                     "Connections closed because a request did not arrive in time.",
                     LOAD(m->timeouts));
    if (rc == OTA_OK)
        rc = put(out,
                 "# HELP ota_reports_received_total Device status reports received, by outcome.\n"
                 "# TYPE ota_reports_received_total counter\n"
                 "ota_reports_received_total{result=\"accepted\"} %" PRIu64 "\n"
                 "ota_reports_received_total{result=\"rejected\"} %" PRIu64 "\n",
                 LOAD(m->reports_accepted), LOAD(m->reports_rejected));
    if (rc == OTA_OK)
        rc = put(out,
                 "# HELP ota_file_cache_lookups_total In-memory file cache lookups.\n"
                 "# TYPE ota_file_cache_lookups_total counter\n"
                 "ota_file_cache_lookups_total{result=\"hit\"} %" PRIu64 "\n"
                 "ota_file_cache_lookups_total{result=\"miss\"} %" PRIu64 "\n",
                 LOAD(m->cache_hits), LOAD(m->cache_misses));
    if (rc == OTA_OK)
        rc = render_enrolment(m, out);
    return rc;
}
