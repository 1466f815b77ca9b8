/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota/transport.h — how libotaclient fetches bytes: a function-pointer table
 * any transport implements (HTTP via libcurl by default, a crafted-response
 * fake in tests, a vendor's own stack in firmware).
 *
 * The library never trusts a transport: it enforces every byte ceiling and
 * checks every length and hash itself.  A transport only has to move bytes
 * and tell "does not exist" (OTA_E_NOT_FOUND) apart from every other failure
 * (OTA_E_NETWORK).
 *
 * Thread-safety: a transport table is used by one ota_client at a time; the
 * curl transport may be shared by several clients only if they are used
 * from one thread.
 */
#ifndef OTA_TRANSPORT_H
#define OTA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One request: GET url from byte `offset` (an HTTP Range request when > 0),
 *  at most `max_len` body bytes (> 0) counted from offset.  The bytes handed
 *  back are always the file's from offset on: when a server ignores Range
 *  and sends the whole file (200), the transport drops the first `offset`
 *  bytes itself (the curl transport does) or fails with OTA_E_NETWORK.
 *  `size` is the library's sizeof(ota_fetch_req): a field past it is absent
 *  (a library older than the transport's header).  Strings are borrowed for
 *  the duration of the call. */
typedef struct ota_fetch_req {
    size_t size;
    const char *url;
    uint64_t offset;
    uint64_t max_len;
} ota_fetch_req;

/** Receives fetched bytes in order.  Returning anything but OTA_OK stops the
 *  transfer; the transport's fetch then returns that value. */
typedef ota_err (*ota_sink_fn)(void *ctx, const uint8_t *buf, size_t len);

/** The err_cap this library passes to a transport (a transport must go by
 *  the err_cap it is given, never by this number). */
#define OTA_TRANSPORT_ERRLEN 256

/**
 * A transport: a table the application fills (or ota_curl_transport_new
 * does).  `size` is sizeof(ota_transport) as the application compiled it;
 * `open`, `read` and `close` are required; `fetch` and `post` are optional
 * (the library falls back to open/read/close for fetch; without post,
 * device reports stay queued).  `post` was appended after the first
 * release: it is there only when `size` covers it (a smaller table, from a
 * program built against the first release's fields, has none), and a
 * table's size below the end of `close` is refused (OTA_E_ARG).  Tables
 * grow by the rule of every public struct (docs/libotaclient.md "Growing
 * the API"): a larger table's unknown tail must be zero.
 *
 * fetch: deliver the whole body of req to sink.  Returns OTA_OK at the end
 *   of the body; OTA_E_NOT_FOUND when the server says the file does not exist
 *   (HTTP 404, 403, 410); OTA_E_LENGTH when the body would exceed
 *   req->max_len; OTA_E_NETWORK for any other failure (connection, timeout,
 *   too slow, other HTTP status); or what sink returned.
 * open: start a pull-style stream for req; *stream is the transport's own
 *   handle.  May already return OTA_E_NOT_FOUND / OTA_E_NETWORK, or defer
 *   them to the first read.
 * read: up to cap (> 0) next bytes into buf; *got = 0 means the body ended
 *   normally.  Errors as for fetch.  Blocks until at least one byte, the
 *   end, or an error (bounded by the transport's own timeouts).
 * close: end the stream and free it; stream may be mid-transfer.
 * err, err_cap: on failure, a one-line reason into err[err_cap]
 *   (NUL-terminated within err_cap bytes, cut if longer; err_cap >= 1).
 *
 * `user` is handed back unchanged to every call and never freed by the
 * library.
 */
typedef struct ota_transport {
    size_t size;
    void *user;
    ota_err (*fetch)(void *user, const ota_fetch_req *req, ota_sink_fn sink, void *ctx, char *err,
                     size_t err_cap);
    ota_err (*open)(void *user, const ota_fetch_req *req, void **stream, char *err, size_t err_cap);
    ota_err (*read)(void *user, void *stream, uint8_t *buf, size_t cap, size_t *got, char *err,
                    size_t err_cap);
    void (*close)(void *user, void *stream);
    /* ---- appended after the first release: present when size covers it ---- */
    /** Optional (NULL: reports cannot be sent, OTA_E_UNSUPPORTED).  POST
     *  body[len] with Content-Type content_type to url; no redirect is
     *  followed.  Returns OTA_OK when the server answered (any status, put
     *  in *status), OTA_E_NETWORK when it could not be reached or did not
     *  answer in time.  The response body is discarded. */
    ota_err (*post)(void *user, const char *url, const char *content_type, const uint8_t *body,
                    size_t len, long *status, char *err, size_t err_cap);
} ota_transport;

/**
 * Settings for the libcurl transport.  `size` is sizeof(ota_curl_config) as
 * the caller compiled it (the growth rule of docs/libotaclient.md); zero
 * fields take the documented defaults.  Strings are copied by
 * ota_curl_transport_new.
 */
typedef struct ota_curl_config {
    size_t size;
    /** TCP + TLS connect timeout in ms; 0: 10000. */
    long connect_timeout_ms;
    /** Whole-request cap in ms; 0: none.  A 300 MB bundle at 1 MB/s needs
     *  5 minutes, so no default cap: slow retrieval and stalls are bounded by
     *  the speed floor below (and connect_timeout_ms).  post() is always
     *  capped at 30 s (or this, when smaller). */
    long total_timeout_ms;
    /** Abort when fewer than low_speed_bytes per second arrive during
     *  low_speed_secs seconds (slow-retrieval defence); 0: 1024 bytes/s over
     *  30 s. */
    long low_speed_bytes;
    long low_speed_secs;
    /** CA directory / bundle for TLS server verification (which is always
     *  on); NULL: the system default. */
    const char *ca_path;
    const char *ca_file;
    /** Appended to the User-Agent "libotaclient/VERSION"; may be NULL. */
    const char *user_agent_suffix;
} ota_curl_config;

/**
 * Fill *out with a libcurl transport (HTTP and HTTPS only; GET redirects
 * followed up to 5 times, to HTTP(S) only, and after an https URL to https
 * only — a redirect never drops TLS; the proxy environment variables
 * http_proxy, https_proxy, no_proxy are honoured as libcurl does; no content
 * encoding is requested, so the bytes received are the bytes hashed).
 * Whole-file fetches use curl's easy interface; streams drive curl's multi
 * interface from read() (no thread); post() is implemented (no redirects,
 * the reply read up to 64 KiB and dropped).  Every transfer draws on one
 * pool of connections, DNS answers and TLS sessions kept by the transport
 * (a CURLSH share), so a refresh and the downloads after it use one TCP
 * (+TLS) connection per server while it stays open; error pages (404 ...)
 * up to 16 KiB are read rather than cut off, so they keep it too.
 * The application calls curl_global_init() before and curl_global_cleanup()
 * after.  cfg may be NULL for all defaults.  out->size is set by the caller
 * (sizeof(ota_transport)); the first out->size bytes of the table are
 * written (a table too small for post gets none), and out->size then says
 * how many.  Errors: OTA_E_ARG (a cfg->size or out->size the growth rule
 * refuses), OTA_E_NOMEM, OTA_E_NETWORK (curl could not be initialised).
 * *out is written only on success; release with ota_curl_transport_free(),
 * which closes the pooled connections.
 * Memory: one 64 KiB buffer per open stream, curl's 512 KiB receive buffer
 * during a whole-file fetch, plus curl's connection pool.
 */
OTA_API OTA_NODISCARD ota_err ota_curl_transport_new(const ota_curl_config *cfg,
                                                     ota_transport *out);

/** Release what ota_curl_transport_new allocated; every stream must be
 *  closed first.  The table is then zeroed but its size.  NULL, or a
 *  table without user, is a no-op. */
OTA_API void ota_curl_transport_free(ota_transport *t);

#ifdef __cplusplus
}
#endif
#endif
