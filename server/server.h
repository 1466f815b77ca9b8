/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h — internal interfaces between ota-server's files (prefix srv_).
 *
 *   main.c      options, exit codes, startup, signals (SIGHUP: reopen the
 *               access log, reload TLS), graceful shutdown
 *   tls.c       the TLS certificate and key (GnuTLS callback, reloadable)
 *   http.c      libmicrohttpd daemon: request dispatch, request-level
 *               checks, connection tracking and the timeout reaper, access log
 *   path.c      URL path decoding and safe opening under the root
 *   files.c     static files: Range, conditional requests, cache headers,
 *               Content-Type, the in-memory cache of small files
 *   reports.c   POST /v1/reports, GET/DELETE /v1/devices (admin token)
 *   db.c        storage of devices, reports and registered keys: every
 *               statement, rule and migration, on one of two backends:
 *   db_sqlite.c   an SQLite file (the embedded default, one server)
 *   db_pg.c       PostgreSQL through libpq (several servers, one database)
 *   ratelimit.c per-address token buckets (first reports of new devices,
 *               failed admin-token attempts: 429)
 *   metrics.c   counters and /metrics (Prometheus text format)
 *   rootscan.c  startup warnings about what --root holds (no timestamp, keys)
 *   fleet.c     the fleet page's data: releases and role expiry read from
 *               the repository's metadata, devices behind the newest release
 *   fleetpage.c GET /fleet (+ .js, .css, embedded at build time from
 *               server/fleet/) and GET /v1/fleet (admin token)
 *
 * Only main.c has process-wide state (the daemon it starts); everything
 * else hangs off one srv context handed to libmicrohttpd as its closure.
 */
#ifndef OTA_SERVER_H
#define OTA_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "ota_err.h"
#include "ota_limits.h"
#include "ota_osv.h"
#include "ota_sbom.h"
#include "ota_util.h"

/* ---- exit codes: the one table of docs/exit-codes.md ---------------------- */
enum {
    SRV_EXIT_OK = 0,     /* stopped by SIGTERM/SIGINT after draining */
    SRV_EXIT_FAIL = 1,   /* runtime failure: daemon did not start, out of memory */
    SRV_EXIT_USAGE = 2,  /* bad command line */
    SRV_EXIT_LISTEN = 3, /* cannot listen on --listen (network) */
    SRV_EXIT_ROOT = 7,   /* --root is not a readable directory (not a repository) */
    SRV_EXIT_TLS = 16,   /* --tls-cert / --tls-key unusable (credential) */
    SRV_EXIT_TOKEN = 16, /* --admin-token-file unusable or insecure (credential) */
    SRV_EXIT_DB = 21,    /* --db cannot be opened, created or migrated */
};

/* ---- device enrolment (reports.c, db.c; docs/ota-server.md) -------------- */
typedef enum srv_enrolment {
    SRV_ENROL_OPEN = 0,       /* trust on first use (default) */
    SRV_ENROL_REGISTERED = 1, /* only ids with a registered key */
    SRV_ENROL_CERTIFIED = 2,  /* registered key, or a provisioning certificate */
} srv_enrolment;
#define SRV_DEFAULT_MAX_DEVICES 100000u
#define SRV_DEFAULT_NEW_PER_MINUTE 60u
#define SRV_MAX_PROVISIONING_KEYS 8u
#define SRV_KEY_BODY_MAX 1024u /* PUT /v1/devices/ID/key */

/* ---- configuration (main.c fills it from the command line) -------------- */
typedef struct srv_config {
    const char *root;
    const char *listen;
    const char *tls_cert;
    const char *tls_key;
    const char *db_path;    /* NULL: reports disabled (404) */
    const char *token_file; /* NULL: admin API disabled (404) */
    const char *access_log; /* "-" stdout, "off", or a file appended to */
    unsigned threads;
    unsigned max_conns;
    unsigned max_per_ip; /* 0: no per-address limit */
    unsigned request_timeout;
    unsigned idle_timeout;
    unsigned shutdown_timeout;
    size_t header_memory;
    size_t cache_total; /* 0: no in-memory cache */
    bool verbose;
    /* device enrolment */
    unsigned max_devices;    /* 0: no cap on known devices */
    unsigned new_per_minute; /* first reports per client address, 0: no limit */
    srv_enrolment enrolment;
    const char *device_keys; /* NULL: no file of registered keys */
    const char *prov_key_files[SRV_MAX_PROVISIONING_KEYS];
    unsigned n_prov_key_files;
    const char *advisories; /* --advisories DIR, NULL: none */
} srv_config;

/* ---- metrics.c ----------------------------------------------------------- */
#define SRV_STATUS_MAX 600
typedef struct srv_metrics {
    _Atomic uint64_t status[SRV_STATUS_MAX]; /* responses by status code */
    _Atomic uint64_t bytes;                  /* body bytes of completed responses */
    _Atomic int64_t active;                  /* open connections */
    _Atomic uint64_t connections;            /* accepted connections */
    _Atomic uint64_t timeouts;               /* connections closed by the reaper */
    _Atomic uint64_t reports_accepted;
    _Atomic uint64_t reports_rejected;
    _Atomic uint64_t cache_hits;
    _Atomic uint64_t cache_misses;
    /* enrolment */
    _Atomic uint64_t devices_new[3];      /* by how the key was vouched for: tofu,
                                             registered, certified */
    _Atomic uint64_t devices_refused[3];  /* first reports refused: capacity, rate,
                                             enrolment */
    _Atomic uint64_t key_conflicts;       /* known id, another key */
    _Atomic int64_t devices_known;        /* gauge: devices in the database */
} srv_metrics;
enum { SRV_NEW_TOFU = 0, SRV_NEW_REGISTERED = 1, SRV_NEW_CERTIFIED = 2 };
enum { SRV_REFUSED_CAPACITY = 0, SRV_REFUSED_RATE = 1, SRV_REFUSED_ENROLMENT = 2 };

/* Render the counters as Prometheus text into out (NUL-terminated). */
OTA_NODISCARD ota_err srv_metrics_render(const srv_metrics *m, ota_buf *out);

/* ---- per-connection state (http.c) --------------------------------------- */
typedef enum srv_phase {
    SRV_WAITING = 0, /* no request yet, or between keep-alive requests */
    SRV_BODY = 1,    /* request head seen, reading its body */
    SRV_ANSWER = 2,  /* response queued or being sent */
} srv_phase;

typedef enum srv_method {
    SRV_M_GET,
    SRV_M_HEAD,
    SRV_M_POST,
    SRV_M_DELETE,
    SRV_M_PUT,
    SRV_M_OTHER,
} srv_method;

typedef struct srv_conn {
    /* tracked list, under srv.conn_lock */
    struct srv_conn *prev, *next;
    int fd;                     /* owned by MHD; never closed here */
    bool reaped;                /* shut down by the reaper (reaper thread only) */
    _Atomic int phase;          /* srv_phase */
    _Atomic int64_t deadline;   /* ms, monotonic: the request must be in by then */
    char client[48];            /* client address, for logs */
    /* current request; only the connection's own thread touches these */
    srv_method method;
    const char *method_name;
    unsigned status;
    uint64_t body_bytes; /* response body length, for log and metrics */
    bool body_error;     /* request refused on its head (already answered) */
    bool body_too_big;   /* body over its cap: dropped, answered 413 at the end */
    bool has_body;       /* Content-Length > 0 or chunked */
    bool drain;          /* answered on the head: drop unread input before close */
    ota_buf body;        /* request body (reports only) */
    char url[256];       /* raw path, truncated, for the access log */
    char version[12];
} srv_conn;

/* ---- cache (files.c) ----------------------------------------------------- */
typedef struct srv_cache srv_cache;

/* ---- db.c ----------------------------------------------------------------- */
typedef struct srv_db srv_db;

/* ---- ratelimit.c --------------------------------------------------------- */
typedef struct srv_ratelimit srv_ratelimit;
/* per_minute tokens per client address per minute (burst: per_minute);
 * IPv6 addresses count per /64.  Memory is fixed (a few thousand
 * addresses; the least recently seen is forgotten first). */
OTA_NODISCARD ota_err srv_ratelimit_new(unsigned per_minute, srv_ratelimit **out);
void srv_ratelimit_free(srv_ratelimit *rl);
/* Take one token for client (an address as inet_ntop writes it): 0 when
 * taken, else the seconds until one is there (>= 1). */
unsigned srv_ratelimit_take(srv_ratelimit *rl, const char *client);
/* The same answer without taking a token (an unknown address has a full
 * bucket, and is not recorded). */
unsigned srv_ratelimit_peek(srv_ratelimit *rl, const char *client);

typedef struct srv_prov_key {
    char keyid[65];
    uint8_t pk[32];
} srv_prov_key;

/* ---- the server context -------------------------------------------------- */
typedef struct srv {
    srv_config cfg;
    int root_fd;
    _Atomic int log_fd; /* -1: access log off */
    srv_cache *cache;   /* NULL: cache off */
    srv_db *db;         /* NULL: reports off */
    bool have_token;
    uint8_t token_hash[OTA_SHA256_LEN];
    srv_metrics metrics;
    srv_ratelimit *first_reports; /* NULL: no limit on first reports */
    srv_ratelimit *admin_fails;   /* failed admin-token attempts (with a token) */
    srv_prov_key prov[SRV_MAX_PROVISIONING_KEYS];
    unsigned n_prov;
    struct srv_vuln *vuln; /* NULL: admin API off */
    atomic_bool draining;
    struct MHD_Daemon *daemon;
    /* tracked connections and the reaper thread (http.c) */
    pthread_mutex_t conn_lock;
    pthread_cond_t conn_cond;
    srv_conn *conns;
    bool reaper_stop;
    bool reaper_started;
    pthread_t reaper;
} srv;

/* ---- http.c -------------------------------------------------------------- */
/* Start the daemon on the listening socket fd (ownership passes to MHD);
 * with tls, certificates come from tls.c (srv_tls_load first).  Returns
 * OTA_OK and sets s->daemon, or an error with nothing left running. */
OTA_NODISCARD ota_err srv_http_start(srv *s, int listen_fd, bool tls);
/* Open the access log file for appending (O_NOFOLLOW, mode 0640 before
 * the umask): an fd, or -1 with errno set. */
int srv_log_open(const char *path);
/* Log rotation (SIGHUP): reopen cfg.access_log under the same fd number,
 * so writers never see a closed or reused fd.  Nothing to do for "-" and
 * "off".  False with why[] set when the file cannot be opened (the old
 * one stays in use). */
bool srv_log_reopen(srv *s, char *why, size_t why_cap);
/* Graceful stop: stop accepting, let in-flight responses finish within
 * cfg.shutdown_timeout seconds (closing idle keep-alive connections), then
 * stop the daemon.  `again` is polled; when it returns true (a second
 * signal) the drain is cut short.  Returns the connections cut off. */
unsigned srv_http_stop(srv *s, bool (*again)(void));

/* Queue a response with a small body; copies body.  For every reply that
 * is not a file: sets Content-Type and records the status for the log. */
enum MHD_Result srv_reply(srv_conn *sc, struct MHD_Connection *c, unsigned status,
                          const char *ctype, const char *body, size_t len);
/* JSON error {"error":NAME,"message":MSG}. */
enum MHD_Result srv_reply_error(srv_conn *sc, struct MHD_Connection *c, unsigned status,
                                const char *name, const char *msg);
/* Queue r (not consumed) with status, recording status and body length. */
enum MHD_Result srv_queue(srv_conn *sc, struct MHD_Connection *c, unsigned status,
                          struct MHD_Response *r, uint64_t body_len);

/* ---- path.c -------------------------------------------------------------- */
typedef enum srv_path_rc {
    SRV_PATH_OK = 0,
    SRV_PATH_BAD = 1,    /* 400: bad escape, NUL, control byte, backslash, "." or ".." */
    SRV_PATH_HIDDEN = 2, /* 404: a segment starts with '.' */
    SRV_PATH_LONG = 3,   /* 414: longer than OTA_MAX_PATH_LEN or too deep */
    SRV_PATH_DIR = 4,    /* 404: empty or ends in '/' (never a listing) */
} srv_path_rc;

/* Percent-decode url (the raw request path) exactly once and check it;
 * on SRV_PATH_OK out[cap] holds the relative path ("a/b.json", no leading
 * '/', empty segments dropped). */
srv_path_rc srv_path_parse(const char *url, char *out, size_t cap);

/* True when rel (from srv_path_parse) lies under the repository's
 * "metadata/" or "targets/": the only files the server hands out (a root
 * pointed at the repository's parent must not serve keys next to it). */
bool srv_path_served(const char *rel);

/* Percent-decode a query value once into out[cap]; false on a bad escape,
 * a NUL or control byte, or overflow. */
bool srv_query_decode(const char *in, char *out, size_t cap);

/* Open the regular file rel (from srv_path_parse) under root_fd without
 * following any symlink (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where
 * the kernel has it, else a component-by-component O_NOFOLLOW walk).
 * Returns an fd (O_RDONLY|O_CLOEXEC) and fills *st, or -1 with errno set
 * (ENOENT, ELOOP for a symlink, EISDIR/EACCES for a non-regular file...). */
int srv_path_open(int root_fd, const char *rel, struct stat *st);

/* ---- headers.c (pure helpers) --------------------------------------------- */
#define SRV_CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define SRV_CACHE_MUTABLE "no-cache"

typedef enum srv_range {
    SRV_RANGE_NONE = 0,   /* no usable Range: serve the whole file (200) */
    SRV_RANGE_OK = 1,     /* one satisfiable range: 206 */
    SRV_RANGE_UNSAT = 2,  /* 416 */
    SRV_NOT_MODIFIED = 3, /* (decided by the conditional headers) 304 */
} srv_range;

/* Parse a Range header value for a file of `size` bytes.  Multiple ranges,
 * other units and malformed values give SRV_RANGE_NONE (RFC 9110 lets a
 * server ignore Range); start and len are written for SRV_RANGE_OK. */
srv_range srv_parse_range(const char *v, uint64_t size, uint64_t *start, uint64_t *len);
/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") both ways. */
bool srv_parse_http_date(const char *s, time_t *out);
void srv_http_date(time_t t, char *out, size_t cap);
/* If-None-Match list ("*", or entity tags, weak or strong) matches etag. */
bool srv_etag_match(const char *list, const char *etag);

/* ---- files.c ------------------------------------------------------------- */
OTA_NODISCARD ota_err srv_cache_new(size_t total, srv_cache **out);
void srv_cache_free(srv_cache *cache);
enum MHD_Result srv_files_serve(srv *s, srv_conn *sc, struct MHD_Connection *c,
                                const char *url);
/* Content-Type for a file name; "application/octet-stream" by default. */
const char *srv_mime_type(const char *name);
/* True for consistent-snapshot names (never change once published):
 * "N.ROLE.json" and "HEX64.name" / "HEX128.name" basenames. */
bool srv_name_immutable(const char *rel);

/* ---- reports.c ----------------------------------------------------------- */
/* First call for a /v1/ URL (headers only): early refusals (404 when the
 * feature is off, 405, 413 by Content-Length, 415).  Returns true when it
 * answered. */
bool srv_api_precheck(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url,
                      enum MHD_Result *ret);
/* Final call: the request (and body) is complete. */
enum MHD_Result srv_api_handle(srv *s, srv_conn *sc, struct MHD_Connection *c,
                               const char *url);
/* Read, check and hash the admin token file into s. */
OTA_NODISCARD ota_err srv_token_load(srv *s, const char *path, char *why, size_t why_cap);
/* After srv_db_open: load the provisioning keys and the --device-keys file,
 * start the first-report rate limiter.  OTA_E_ARG for an unusable file
 * (why[] says which line), OTA_E_IO for a database error, OTA_E_NOMEM. */
OTA_NODISCARD ota_err srv_enrolment_setup(srv *s, char *why, size_t why_cap);
void srv_enrolment_free(srv *s);
/* "open", "registered", "certified" -> mode; false for anything else. */
bool srv_enrolment_parse(const char *name, srv_enrolment *out);

/* ---- ratelimit.c: the admin API ------------------------------------------- */
/* Before the token check: true when it answered 429 (with Retry-After)
 * because this client failed OTA_SERVER_AUTH_FAILS_PER_MINUTE times. */
bool srv_auth_refused(srv *s, srv_conn *sc, struct MHD_Connection *c, enum MHD_Result *ret);
/* After a failed token check (401): one token of the client's bucket. */
void srv_auth_failed(srv *s, const srv_conn *sc);

/* ---- db.c ----------------------------------------------------------------- */
struct ota_report;
typedef enum srv_store_rc {
    SRV_STORE_NEW = 0,      /* first report of this device: key pinned */
    SRV_STORE_UPDATED = 1,  /* later report, same key */
    SRV_STORE_KEY = 2,      /* key differs from the pinned or registered one: refused */
    SRV_STORE_STALE = 3,    /* seq not above the last stored: refused (replay) */
    SRV_STORE_ERROR = 4,    /* database error */
    SRV_STORE_UNREGISTERED = 5, /* registered mode, no key registered for the id */
    SRV_STORE_UNCERTIFIED = 6,  /* certified mode, no certificate or registered key */
    SRV_STORE_FULL = 7,     /* new device, --max-devices reached */
    SRV_STORE_RATE = 8,     /* new device, too many first reports from the address */
} srv_store_rc;

/* How srv_db_store admits reports (reports.c fills it per report). */
typedef struct srv_store_policy {
    srv_enrolment mode;
    unsigned max_devices; /* 0: no cap (registered keys are never capped) */
    bool certified;       /* the report's enrolment certificate verified */
    /* called, under the database lock, for a first report that no
     * registered key vouches for, once it would be stored: 0 admits it,
     * else the seconds after which to retry (SRV_STORE_RATE) */
    unsigned (*admit)(void *ctx);
    void *ctx;
} srv_store_policy;

typedef struct srv_store_info {
    int enrolled;          /* SRV_NEW_*: how the stored key is vouched for */
    unsigned retry_after;  /* SRV_STORE_RATE: seconds */
    bool conflict;         /* SRV_STORE_KEY: a key conflict was counted */
} srv_store_info;

/* Open or create the database: a PostgreSQL URI (postgresql://... or
 * postgres://...; up to conns connections) or else an SQLite file (WAL).
 * Migrations are applied; a database of a newer schema is refused.  On
 * failure why[] says what went wrong (never the URI's password). */
OTA_NODISCARD ota_err srv_db_open(const char *target, unsigned conns, srv_db **out, char *why,
                                  size_t why_cap);
void srv_db_close(srv_db *db);
srv_store_rc srv_db_store(srv_db *db, const struct ota_report *r, const uint8_t *doc,
                          size_t doc_len, const char *remote, const srv_store_policy *p,
                          srv_store_info *info);
/* Devices in the database. */
int64_t srv_db_count(srv_db *db);
/* Register device_pk for device_id (source "admin" or "file").  A device
 * pinned to another key is forgotten (its history was signed by a key
 * that is not the device's): *dropped.  *created: no key was registered.
 * OTA_E_EXISTS when source is "admin" and the id's key comes from the
 * --device-keys file. */
OTA_NODISCARD ota_err srv_db_key_put(srv_db *db, const char *device_id, const uint8_t pk[32],
                                     const char *source, bool *created, bool *dropped);
/* Registration as JSON; OTA_E_NOT_FOUND. */
OTA_NODISCARD ota_err srv_db_key_get(srv_db *db, const char *device_id, char **out_json);
/* Unregister; OTA_E_NOT_FOUND, OTA_E_EXISTS (from the file). */
OTA_NODISCARD ota_err srv_db_key_delete(srv_db *db, const char *device_id);
/* Replace the "file" registrations with the lines `device_id public_key_hex`
 * of path ('#' comments, blank lines); one transaction.  OTA_E_ARG with
 * why[] naming the line, OTA_E_IO. *count: keys loaded, *dropped: devices
 * forgotten because they were pinned to another key. */
OTA_NODISCARD ota_err srv_db_keys_load(srv_db *db, const char *path, unsigned *count,
                                       unsigned *dropped, char *why, size_t why_cap);
/* Devices as a JSON object {"devices":[...],"next":ID|null}, filtered by
 * exact installed version, hardware id, and/or installed version strictly
 * below `below` (semver order); NULL filters are ignored.  after: page
 * cursor (device id) or NULL. */
OTA_NODISCARD ota_err srv_db_list(srv_db *db, const char *version, const char *hardware,
                                  const char *below, const char *after, unsigned limit,
                                  char **out_json);
/* One device with its recent history; OTA_E_NOT_FOUND when unknown. */
OTA_NODISCARD ota_err srv_db_get(srv_db *db, const char *device_id, char **out_json);
/* Forget a device (its pinned key and history); OTA_E_NOT_FOUND. */
OTA_NODISCARD ota_err srv_db_delete(srv_db *db, const char *device_id);

/* The fleet page's view of the devices (GET /v1/fleet): a new object
 * {"total", "versions":[{"version","count"}] (the SRV_FLEET_MAX_VERSIONS
 * most common), "other_versions" (devices on versions not listed),
 * "states":[{"state","count"}] (by the latest report's result),
 * "devices":[...] (the `limit` that reported last: device_id, hardware_id,
 * installed_version, result, error, last_seen, reports, key_conflicts,
 * failures = failure and rollback reports among the history kept)}. */
OTA_NODISCARD ota_err srv_db_fleet(srv_db *db, unsigned limit, json_t **out);
/* Devices of hardware that run version (installed_version equal): *count
 * of them and the first `limit` ids (by id) appended to ids. */
OTA_NODISCARD ota_err srv_db_devices_on(srv_db *db, const char *hardware, const char *version,
                                        unsigned limit, int64_t *count, json_t *ids);
/* Devices of hardware whose installed version is below version (semver). */
OTA_NODISCARD ota_err srv_db_count_below(srv_db *db, const char *hardware, const char *version,
                                         int64_t *out);

/* ---- db_sqlite.c, db_pg.c: the backends under db.c -------------------------- */
/* db.c holds every statement (the same SQL for both where the dialects
 * agree, parameters $1..$n) and every rule; a backend opens connections,
 * runs one statement and hands back its rows as bytes. */
typedef enum srv_dbv_kind {
    SRV_DBV_NULL = 0, /* SQL NULL (of type text) */
    SRV_DBV_TEXT,     /* s, NUL-terminated */
    SRV_DBV_INT,      /* i */
    SRV_DBV_BLOB,     /* s[len], any bytes */
} srv_dbv_kind;
typedef struct srv_dbv {
    srv_dbv_kind kind;
    const char *s;
    size_t len;
    int64_t i;
} srv_dbv;

/* A statement's rows: cells row by row, each SQL NULL or bytes (text as
 * the database spells it: integers in decimal; blobs raw) followed by a
 * NUL that is not counted. */
typedef struct srv_dbres {
    size_t cols, cells;
    size_t *off, *len; /* per cell; off SIZE_MAX: NULL */
    size_t cap;
    ota_buf data;
} srv_dbres;
/* Append the next cell (p NULL: SQL NULL).  OTA_E_NOMEM. */
OTA_NODISCARD ota_err srv_dbres_put(srv_dbres *r, const void *p, size_t len);

typedef enum srv_dbrc {
    SRV_DB_OK = 0,
    SRV_DB_RETRY = 1, /* serialization failure or deadlock: run the transaction again */
    SRV_DB_FAIL = 2,  /* anything else (the connection's error() says what) */
} srv_dbrc;

typedef struct srv_dbconn srv_dbconn; /* one connection, the backend's */
typedef struct srv_db_backend {
    const char *name;
    bool shared; /* other servers may write at once: counts come from the database */
    /* statements db.c runs as they are */
    const char *begin_write;  /* a transaction that will write */
    const char *begin_read;   /* a read-only one whose statements agree (one snapshot) */
    const char *lock_all;     /* excludes every begin_device holder (the --device-keys
                                 load); NULL: begin_write serialises writers already */
    const char *lock_migrate; /* one server migrates at a time */
    const char *count_tables; /* tables in the database but schema_version */
    const char *version;      /* the schema version: one integer, 0 for a new database */
    const char *const *migrations; /* [i]: the script from schema i to i+1 */
    /* open the target (a file name or a URI) with up to conns connections:
     * NULL with why[] set on failure */
    void *(*open)(const char *target, unsigned conns, char *why, size_t why_cap);
    void (*close)(void *be);
    /* a connection for one operation (waits for a free one); NULL when none
     * can be made (stderr says why) */
    srv_dbconn *(*acquire)(void *be);
    void (*release)(void *be, srv_dbconn *c);
    /* one statement with n parameters; rows appended to *out (when not
     * NULL), *changes (when not NULL) the rows an INSERT, UPDATE or DELETE
     * changed.  Statements are prepared once per connection, known by
     * their text (db.c has a few dozen) */
    srv_dbrc (*run)(srv_dbconn *c, const char *sql, const srv_dbv *p, unsigned n,
                    srv_dbres *out, int64_t *changes);
    /* statements without parameters, separated by ';' */
    srv_dbrc (*script)(srv_dbconn *c, const char *sql);
    /* begin a writing transaction that serialises the writers of one
     * device, across servers, until it ends (one round trip) */
    srv_dbrc (*begin_device)(srv_dbconn *c, const char *device_id);
    const char *(*error)(srv_dbconn *c); /* the last failure's message */
} srv_db_backend;
extern const srv_db_backend srv_db_sqlite;
extern const srv_db_backend srv_db_pg;

/* ---- fleet.c, fleetpage.c: the fleet page --------------------------------- */
#define SRV_FLEET_MAX_ROLES 64u       /* targets roles read (top-level included) */
#define SRV_FLEET_MAX_RELEASES 1000u  /* releases listed */
#define SRV_FLEET_MAX_VERSIONS 64u    /* version counts listed (the most common) */
#define SRV_FLEET_MAX_DEVICES 1000u   /* devices listed (the latest to report) */
/* What the repository under root_fd publishes, read from its metadata
 * files: a new object {"roles":[{"role","file","version","expires",
 * "seconds_left"} or {"role","file","error"}], "releases":[{"role","path",
 * "length","name","version","hardware","valid", and "channels","rollout",
 * "downgrade" or "error"}] (by name, newest first), "floors":{...},
 * "notes":[...]}.  A file that is missing, too large or malformed is an
 * error on its role, never a failure: only OTA_E_NOMEM fails. */
OTA_NODISCARD ota_err srv_fleet_repo(int root_fd, int64_t now, json_t **out);
/* On a document with "releases", "floors", "devices" and "versions":
 * "newest":{HW:{"version","name","path"}} (the newest valid release with a
 * rollout above 0 that lists HW), on each device "newest" (version or
 * null), "behind" (runs less) and "below_floor"; "versions" sorted newest
 * first.  OTA_E_NOMEM only. */
OTA_NODISCARD ota_err srv_fleet_annotate(json_t *fleet);
/* /fleet, /fleet.js, /fleet.css (no token: they hold no data); false when
 * url is none of them. */
bool srv_fleet_page(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url,
                    enum MHD_Result *ret);
/* GET /v1/fleet, after the admin token was checked. */
enum MHD_Result srv_fleet_handle(srv *s, srv_conn *sc, struct MHD_Connection *c);

/* ---- vuln.c: advisories against releases' package lists (pure) ------------ */
/* The advisories of --advisories DIR, read-only once loaded; refcounted so
 * a request keeps the set it started with across a reload. */
typedef struct srv_advset srv_advset;
/* Read every NAME.json of dir (not hidden, not through a link; at most
 * OTA_SERVER_ADV_FILES files and OTA_SERVER_ADV_BYTES bytes): each one OSV
 * advisory (ota_osv_parse).  A file that is not one, is too large, or
 * repeats an id read from a file earlier in byte order is skipped, with a
 * line on log (when not NULL) naming it and why, and listed in
 * srv_advset_skipped.  Fails only when dir cannot be opened (why[] says
 * so) or for OTA_E_NOMEM. */
OTA_NODISCARD ota_err srv_advset_load(const char *dir, FILE *log, srv_advset **out, char *why,
                                      size_t why_cap);
srv_advset *srv_advset_ref(srv_advset *a);
void srv_advset_unref(srv_advset *a);
size_t srv_advset_count(const srv_advset *a);
/* The i-th advisory (by id) and its file name. */
const ota_osv *srv_advset_get(const srv_advset *a, size_t i, const char **file);
/* The advisory with this id, or NULL. */
const ota_osv *srv_advset_find(const srv_advset *a, const char *id, const char **file);
/* [{"file","reason"}] of the files skipped. */
const json_t *srv_advset_skipped(const srv_advset *a);

/* A release's package list (ota_sbom), indexed by package name and by
 * source package name; refcounted (vulnapi.c's cache shares them). */
typedef struct srv_pkgindex srv_pkgindex;
/* Takes the packages of *list (left empty). */
OTA_NODISCARD ota_err srv_pkgindex_new(ota_sbom *list, srv_pkgindex **out);
srv_pkgindex *srv_pkgindex_ref(srv_pkgindex *x);
void srv_pkgindex_unref(srv_pkgindex *x);
size_t srv_pkgindex_size(const srv_pkgindex *x);
const char *srv_pkgindex_source(const srv_pkgindex *x);

/* One published release as the evaluation sees it. */
typedef struct srv_rel {
    const json_t *rel;          /* its entry of srv_fleet_repo's "releases" */
    const srv_pkgindex *pkgs;   /* NULL: what it contains is unknown */
    const char *unknown;        /* why, when pkgs is NULL */
    const json_t *devices;      /* {"count","ids","more"} or NULL */
} srv_rel;

enum { SRV_ADV_NOT_AFFECTED = 0, SRV_ADV_AFFECTED = 1, SRV_ADV_UNKNOWN = 2 };
/* "not_affected", "affected", "unknown" */
const char *srv_adv_status_name(int st);

/* One advisory over the releases: a new object {"id","summary","aliases",
 * "modified","withdrawn","file","affected_releases","unknown_releases",
 * "affected_devices","unknown_devices","releases":[the release with
 * "status", "reason" (unknown), "packages" (the affected ones with
 * "fixed", the undecided ones with "reason"), "devices"] (all: every
 * release; else only affected and unknown ones), "fixed_by":[{"bundle",
 * "hardware","release": the lowest release of that bundle for that
 * hardware above every affected one whose list is known not affected, or
 * null}]}.  A release without a list is "unknown", never "not_affected".
 * OTA_E_NOMEM only. */
OTA_NODISCARD ota_err srv_adv_eval(const ota_osv *adv, const char *file, const srv_rel *rels,
                                   size_t n, bool all, json_t **out);

/* GET /v1/packages: name, and optionally ecosystem (ota_osv_ecosystem_match),
 * below (version < below), introduced (>=) and fixed (<).  NULL: absent. */
typedef struct srv_pkgquery {
    const char *name, *ecosystem, *below, *introduced, *fixed;
} srv_pkgquery;
/* The releases that hold a package of that name (or source name) within
 * the bounds ("contains") or that cannot tell ("unknown": no list, no
 * version, versions not comparable in the ecosystem's order — Debian's, or
 * else semver): a new object {"query","releases","devices",
 * "unknown_devices"}.  OTA_E_NOMEM only. */
OTA_NODISCARD ota_err srv_pkg_eval(const srv_pkgquery *q, const srv_rel *rels, size_t n,
                                   json_t **out);

/* ---- vulnapi.c: GET /v1/advisories, /v1/advisories/ID, /v1/packages -------- */
typedef struct srv_vuln srv_vuln;
/* With dir NULL: no advisories (404), packages still answered.  Loads the
 * advisories once (a directory that cannot be opened: OTA_E_ARG, why[]). */
OTA_NODISCARD ota_err srv_vuln_new(const char *dir, srv_vuln **out, char *why, size_t why_cap);
void srv_vuln_free(srv_vuln *v);
/* SIGHUP: read the directory again; on failure the set in use stays (stderr says why). */
void srv_vuln_reload(srv_vuln *v);
enum MHD_Result srv_vuln_handle(srv *s, srv_conn *sc, struct MHD_Connection *c, const char *url);
/* For GET /v1/fleet: "vulnerabilities": [{"id","summary","affected_devices",
 * "unknown_devices","fixed_by"}] of the advisories affecting a release or
 * unknown for one; nothing without --advisories. */
OTA_NODISCARD ota_err srv_vuln_fleet(srv *s, json_t *fleet);

/* ---- tls.c ------------------------------------------------------------------ */
/* Load (or on SIGHUP reload) the certificate chain and key: checked, then
 * used from the next TLS handshake on.  On failure why[] says why and the
 * pair in use, if any, stays. */
OTA_NODISCARD ota_err srv_tls_load(const char *cert_path, const char *key_path, char *why,
                                   size_t why_cap);
/* The GnuTLS certificate retrieve function for MHD_OPTION_HTTPS_CERT_CALLBACK. */
void *srv_tls_callback(void);
/* At exit: every pair loaded. */
void srv_tls_free(void);

/* ---- rootscan.c ---------------------------------------------------------- */
/* Warn on stderr, one line each, when the root (opened as root_fd, named
 * root) has no metadata/timestamp.json or holds key-like files anywhere
 * below it.  Bounded: OTA_SERVER_SCAN_DEPTH levels, OTA_SERVER_SCAN_ENTRIES
 * entries, symlinks never followed.  Returns the number of warnings. */
unsigned srv_root_warn(int root_fd, const char *root);

/* ---- time helpers -------------------------------------------------------- */
int64_t srv_now_ms(void); /* CLOCK_MONOTONIC */

#endif
