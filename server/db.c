/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.c — device status reports, pinned and registered keys: every
 * statement, rule and migration, run on one of two backends (server.h):
 * an SQLite file (db_sqlite.c, the embedded default: one server) or
 * PostgreSQL (db_pg.c: several servers on one database), chosen by --db.
 *
 *   devices(device_id PK, public_key, keyid, latest report fields, seq,
 *           first_seen, last_seen, reports, remote_addr,
 *           key_conflicts, last_conflict_at, enrolment)          [v2: last 3]
 *   reports(id PK, device_id, received_at, seq, report fields, document)
 *   device_keys(device_id PK, public_key, keyid, source, registered_at) [v2]
 *   schema_version(version PK, applied_at): one row per migration applied
 *
 * The first report of a device id pins its key: trust on first use, or
 * the key registered for the id (device_keys, from the admin API or the
 * --device-keys file), or a key a provisioning key certified (the caller
 * says so in srv_store_policy).  devices.enrolment records which: "tofu",
 * "registered", "certified".  Later reports must carry the same key and a
 * larger seq (no replay); a report with another key is refused and counted
 * on the device (key_conflicts).  A registered key or a certificate
 * outranks a key pinned by trust on first use: the device pinned to the
 * other key is forgotten, history and all.
 *
 * Several servers may store reports of one device at once (PostgreSQL):
 * what keeps them right is the database, not this process's memory.  A
 * store is one transaction that first takes the backend's per-device lock
 * (PostgreSQL: an advisory lock held to the commit; it also orders stores
 * against key registrations, which take it too), and whose writes are
 * conditional on what it read: the pin is INSERT ... ON CONFLICT DO
 * NOTHING, the update WHERE public_key = the pinned key AND seq < the new
 * one.  A write that changes no row lost a race: the transaction is rolled
 * back and run again, and then reads the winner's row (a key conflict, a
 * replay).  SQLite runs the same statements behind its one writer.
 *
 * Schema versions: migrations numbered alike in both backends (1: devices
 * and reports, 2: enrolment), applied at open in one transaction, each
 * recorded in schema_version (SQLite also keeps PRAGMA user_version, what
 * older servers read).  A new database is made as 1 and migrated, so there
 * is one path; a database newer than SCHEMA_VERSION is refused.
 * Each report's signed document is kept as received, so anyone can verify
 * it again later.  History is trimmed to OTA_SERVER_REPORTS_PER_DEVICE.
 */
#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ota_id.h"
#include "ota_key.h"
#include "ota_report.h"
#include "server.h"

#define SCHEMA_VERSION 2
#define STORE_ATTEMPTS 5  /* a store that keeps losing races gives up (503) */
#define LIST_CHUNK 500u   /* rows read at a time when filtering by semver */
#define DB_NAME_MAX 512u

struct srv_db {
    const srv_db_backend *be;
    void *h;
    _Atomic int64_t count;   /* devices: kept here when !be->shared, else last read
                                plus this server's changes since */
    _Atomic int64_t read_ms; /* be->shared: when count was read (srv_now_ms) */
};

/* ---- results ---------------------------------------------------------------- */

ota_err
srv_dbres_put(srv_dbres *r, const void *p, size_t len)
{
    if (r->cells == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        size_t *off = realloc(r->off, cap * sizeof *off);
        if (off == NULL)
            return OTA_E_NOMEM;
        r->off = off;
        size_t *l = realloc(r->len, cap * sizeof *l);
        if (l == NULL)
            return OTA_E_NOMEM;
        r->len = l;
        r->cap = cap;
    }
    size_t at = r->data.len;
    if (p != NULL && (ota_buf_append(&r->data, p, len) != OTA_OK ||
                      ota_buf_putc(&r->data, '\0') != OTA_OK)) {
        r->data.len = at;
        return OTA_E_NOMEM;
    }
    r->off[r->cells] = p != NULL ? at : SIZE_MAX;
    r->len[r->cells] = len;
    r->cells++;
    return OTA_OK;
}

static void
res_init(srv_dbres *r, size_t cols)
{
    memset(r, 0, sizeof *r);
    r->cols = cols;
    r->data.max = SIZE_MAX;
}

static void
res_clear(srv_dbres *r)
{
    free(r->off);
    free(r->len);
    ota_buf_free(&r->data);
    res_init(r, r->cols);
}

static size_t
res_rows(const srv_dbres *r)
{
    return r->cols ? r->cells / r->cols : 0;
}

/* A cell as text, NULL for SQL NULL (and for a row or column not there). */
static const char *
res_text(const srv_dbres *r, size_t row, size_t col)
{
    size_t i = row * r->cols + col;
    if (col >= r->cols || i >= r->cells || r->off[i] == SIZE_MAX)
        return NULL;
    return (const char *) r->data.p + r->off[i];
}

static size_t
res_len(const srv_dbres *r, size_t row, size_t col)
{
    size_t i = row * r->cols + col;
    return col < r->cols && i < r->cells ? r->len[i] : 0;
}

static const char *
or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static int64_t
res_int(const srv_dbres *r, size_t row, size_t col)
{
    const char *s = res_text(r, row, col);
    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

static json_t *
res_json_text(const srv_dbres *r, size_t row, size_t col)
{
    const char *s = res_text(r, row, col);
    return s ? json_string(s) : json_null();
}

/* ---- transactions --------------------------------------------------------- */

/* One operation on one connection; the first failure is kept. */
typedef struct tx {
    srv_db *d;
    srv_dbconn *c;
    srv_dbrc rc;
} tx;

static bool
tx_begin(tx *t, srv_db *d)
{
    t->d = d;
    t->rc = SRV_DB_OK;
    t->c = d->be->acquire(d->h);
    if (t->c == NULL)
        t->rc = SRV_DB_FAIL;
    return t->c != NULL;
}

static void
tx_end(tx *t)
{
    if (t->c != NULL)
        t->d->be->release(t->d->h, t->c);
    t->c = NULL;
}

static bool
tx_script(tx *t, const char *sql)
{
    srv_dbrc rc = t->d->be->script(t->c, sql);
    if (rc != SRV_DB_OK)
        t->rc = rc;
    return rc == SRV_DB_OK;
}

/* Run sql; rows into out (res_init'ed by the caller with its columns) */
static bool
tx_run(tx *t, const char *sql, const srv_dbv *p, unsigned n, srv_dbres *out, int64_t *changes)
{
    srv_dbrc rc = t->d->be->run(t->c, sql, p, n, out, changes);
    if (rc != SRV_DB_OK)
        t->rc = rc;
    return rc == SRV_DB_OK;
}

/* The first column of the first row as an integer (0 when no row). */
static bool
tx_int(tx *t, const char *sql, const srv_dbv *p, unsigned n, int64_t *out)
{
    srv_dbres r;
    res_init(&r, 1);
    bool ok = tx_run(t, sql, p, n, &r, NULL);
    *out = ok ? res_int(&r, 0, 0) : 0;
    res_clear(&r);
    return ok;
}

/* The one text column of a one-row query into out[cap] ("" for NULL);
 * *found says whether there was a row. */
static bool
tx_text(tx *t, const char *sql, const srv_dbv *p, unsigned n, char *out, size_t cap,
        bool *found)
{
    srv_dbres r;
    res_init(&r, 1);
    bool ok = tx_run(t, sql, p, n, &r, NULL);
    const char *v = res_text(&r, 0, 0);
    *found = ok && res_rows(&r) > 0;
    snprintf(out, cap, "%s", v ? v : "");
    res_clear(&r);
    return ok;
}

static bool
tx_commit(tx *t)
{
    return tx_script(t, "COMMIT");
}

static void
tx_rollback(tx *t)
{
    t->d->be->script(t->c, "ROLLBACK");
}

/* Begin a writing transaction holding the per-device lock. */
static bool
tx_begin_device(tx *t, const char *device_id)
{
    srv_dbrc rc = t->d->be->begin_device(t->c, device_id);
    if (rc != SRV_DB_OK) {
        t->rc = rc;
        tx_rollback(t);
    }
    return rc == SRV_DB_OK;
}

#define TEXT(v) ((srv_dbv){.kind = SRV_DBV_TEXT, .s = (v)})
#define TEXT_OR_NULL(v) ((v) != NULL ? TEXT(v) : (srv_dbv){.kind = SRV_DBV_NULL})
#define INT(v) ((srv_dbv){.kind = SRV_DBV_INT, .i = (int64_t) (v)})

/* ---- open ----------------------------------------------------------------- */

static void
now_rfc3339(char out[21])
{
    if (ota_time_format((int64_t) time(NULL), out) != OTA_OK)
        snprintf(out, 21, "1970-01-01T00:00:00Z");
}

static bool
is_pg_uri(const char *target)
{
    return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0;
}

/* Append s[n] to out[cap] at *o, as far as it fits. */
static void
put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (*o + n >= cap)
        n = cap - 1 - *o;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
}

/* target for messages: a URI's password (user:PASSWORD@ or password=)
 * replaced with "***". */
static void
target_name(const char *target, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    if (!is_pg_uri(target)) {
        put(out, cap, &o, target, strlen(target));
        return;
    }
    const char *p = strstr(target, "://") + 3, *at = NULL;
    put(out, cap, &o, target, (size_t) (p - target));
    size_t auth = strcspn(p, "/?#");
    for (size_t i = 0; i < auth; i++)
        if (p[i] == '@')
            at = p + i; /* the last one ends the user info */
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t) (at - p));
        put(out, cap, &o, p, (size_t) ((colon != NULL ? colon : at) - p));
        if (colon != NULL)
            put(out, cap, &o, ":***", 4);
        p = at;
    }
    const char *query = strchr(p, '?');
    if (query == NULL) {
        put(out, cap, &o, p, strlen(p));
        return;
    }
    put(out, cap, &o, p, (size_t) (query - p));
    for (p = query; *p != '\0';) { /* p at '?' or '&' */
        put(out, cap, &o, p++, 1);
        size_t seg = strcspn(p, "&");
        if (seg >= 9 && strncmp(p, "password=", 9) == 0) {
            put(out, cap, &o, p, 9);
            put(out, cap, &o, "***", 3);
        } else {
            put(out, cap, &o, p, seg);
        }
        p += seg;
    }
}

/* Create or migrate the schema, all or nothing. */
static bool
migrate(tx *t, const char *name, char *why, size_t why_cap)
{
    const srv_db_backend *be = t->d->be;
    int64_t tables = 0, version = 0;
    char now[21];
    now_rfc3339(now);
    if (!tx_script(t, be->begin_write))
        return false;
    if ((be->lock_migrate != NULL && !tx_run(t, be->lock_migrate, NULL, 0, NULL, NULL)) ||
        !tx_int(t, be->count_tables, NULL, 0, &tables) ||
        !tx_script(t, "CREATE TABLE IF NOT EXISTS schema_version ("
                      " version INTEGER PRIMARY KEY, applied_at TEXT)") ||
        !tx_int(t, be->version, NULL, 0, &version))
        goto fail;
    if (version == 0 && tables != 0) {
        snprintf(why, why_cap, "%s: not an ota-server database (has other tables)", name);
        goto refuse;
    }
    if (version < 0 || version > SCHEMA_VERSION) {
        snprintf(why, why_cap,
                 "%s: schema version %lld, this ota-server knows up to %d (a newer ota-server "
                 "made it: run that one, or restore a backup)",
                 name, (long long) version, SCHEMA_VERSION);
        goto refuse;
    }
    for (int64_t v = 1; v <= SCHEMA_VERSION; v++) {
        if (v > version && !tx_script(t, be->migrations[v - 1]))
            goto fail;
        /* applied now, or before there was a table to say when (NULL) */
        srv_dbv p[2] = {INT(v), v > version ? TEXT(now) : (srv_dbv){.kind = SRV_DBV_NULL}};
        if (!tx_run(t,
                    "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)"
                    " ON CONFLICT (version) DO NOTHING",
                    p, 2, NULL, NULL))
            goto fail;
    }
    if (tx_commit(t))
        return true;
fail:
    snprintf(why, why_cap, "%s: %s", name, be->error(t->c));
refuse:
    tx_rollback(t);
    return false;
}

ota_err
srv_db_open(const char *target, unsigned conns, srv_db **out, char *why, size_t why_cap)
{
    char name[DB_NAME_MAX];
    target_name(target, name, sizeof name);
    srv_db *d = calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(why, why_cap, "out of memory");
        return OTA_E_NOMEM;
    }
    d->be = is_pg_uri(target) ? &srv_db_pg : &srv_db_sqlite;
    char msg[512];
    d->h = d->be->open(target, conns, msg, sizeof msg);
    if (d->h == NULL) {
        /* SQLite's message names the file already */
        if (d->be->shared)
            snprintf(why, why_cap, "%s: %s", name, msg);
        else
            snprintf(why, why_cap, "%s", msg);
        free(d);
        return OTA_E_IO;
    }
    tx t;
    int64_t count = 0;
    bool ok = tx_begin(&t, d);
    if (!ok)
        snprintf(why, why_cap, "%s: no connection", name);
    else if ((ok = migrate(&t, name, why, why_cap)) &&
             !(ok = tx_int(&t, "SELECT count(*) FROM devices", NULL, 0, &count)))
        snprintf(why, why_cap, "%s: %s", name, d->be->error(t.c));
    tx_end(&t);
    if (!ok) {
        d->be->close(d->h);
        free(d);
        return OTA_E_IO;
    }
    atomic_store(&d->count, count);
    *out = d;
    return OTA_OK;
}

void
srv_db_close(srv_db *d)
{
    if (d == NULL)
        return;
    d->be->close(d->h);
    free(d);
}

/* ---- store ------------------------------------------------------------------ */

static const char *const enrolment_names[] = {"tofu", "registered", "certified"};

static int
enrolment_index(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name != NULL && strcmp(name, enrolment_names[i]) == 0)
            return i;
    return SRV_NEW_TOFU;
}

/* What the database says about a device id when its report comes in. */
typedef struct pin_state {
    bool registered; /* a key is registered for the id: reg */
    char reg[65];
    bool exists; /* the id is pinned: pinned, enrol, last */
    char pinned[65];
    char enrol[16];
    int64_t last;
} pin_state;

/* Who vouches for the report's key pub?  (docs/ota-server.md "Enrolment")
 * Returns the refusal, or SRV_STORE_ERROR for none; *how: the enrolment
 * the device gets (or has), *drop: the device pinned to another key is to
 * be forgotten first. */
static srv_store_rc
decide(const pin_state *ps, const char *pub, const srv_store_policy *p, int *how, bool *drop)
{
    bool same = ps->exists && strcmp(ps->pinned, pub) == 0;
    *how = SRV_NEW_TOFU;
    *drop = false;
    if (ps->registered) {
        *how = SRV_NEW_REGISTERED;
        if (strcmp(ps->reg, pub) != 0)
            return SRV_STORE_KEY;
        if (ps->exists && !same)
            *drop = true; /* pinned by someone else before the registration */
        return SRV_STORE_ERROR;
    }
    if (p->mode == SRV_ENROL_REGISTERED)
        return SRV_STORE_UNREGISTERED;
    if (p->certified) {
        *how = SRV_NEW_CERTIFIED;
        if (ps->exists && !same) {
            if (strcmp(ps->enrol, "tofu") != 0)
                return SRV_STORE_KEY;
            *drop = true; /* a certificate outranks trust on first use */
        }
        return SRV_STORE_ERROR;
    }
    if (ps->exists) {
        *how = enrolment_index(ps->enrol);
        if (!same)
            return SRV_STORE_KEY;
        if (p->mode == SRV_ENROL_CERTIFIED && *how == SRV_NEW_TOFU)
            return SRV_STORE_UNCERTIFIED;
        return SRV_STORE_ERROR;
    }
    return p->mode == SRV_ENROL_CERTIFIED ? SRV_STORE_UNCERTIFIED : SRV_STORE_ERROR;
}

/* Devices in the database, inside t: counted by the database when other
 * servers write too, else kept here. */
static bool
device_count(tx *t, int64_t *out)
{
    if (!t->d->be->shared) {
        *out = atomic_load(&t->d->count);
        return true;
    }
    if (!tx_int(t, "SELECT count(*) FROM devices", NULL, 0, out))
        return false;
    atomic_store(&t->d->count, *out);
    return true;
}

/* This server changed the number of devices by n (for a shared database,
 * on top of the count last read). */
static void
count_add(srv_db *d, int64_t n)
{
    atomic_fetch_add(&d->count, n);
}

/* The report to store, with its strings made once. */
typedef struct store_req {
    const ota_report *r;
    const uint8_t *doc;
    size_t doc_len;
    const char *remote;
    const srv_store_policy *p;
    char pub[65];
    char now[21];
} store_req;

/* One attempt at storing a report, one transaction.  False when it lost a
 * race with another writer of the same device (rolled back: try again);
 * else *out is the outcome. */
static bool
store_once(tx *t, const store_req *q, srv_store_info *info, srv_store_rc *out)
{
    const ota_report *r = q->r;
    const srv_store_policy *p = q->p;
    pin_state ps = {0};
    srv_dbres res;
    int64_t n = 0;
    int how = SRV_NEW_TOFU;
    bool drop = false;
    srv_dbv id = TEXT(r->device_id);
    *out = SRV_STORE_ERROR;
    memset(info, 0, sizeof *info);
    if (!tx_begin_device(t, r->device_id))
        return t->rc != SRV_DB_RETRY;
    /* the registration and the pin, in one statement (one row, NULLs for
     * what is not there) */
    res_init(&res, 5);
    if (!tx_run(t,
                "SELECT (SELECT public_key FROM device_keys WHERE device_id = $1),"
                " d.device_id, d.public_key, d.seq, d.enrolment"
                " FROM (SELECT 1) AS one LEFT JOIN devices d ON d.device_id = $1",
                &id, 1, &res, NULL)) {
        res_clear(&res);
        goto rollback;
    }
    if ((ps.registered = res_text(&res, 0, 0) != NULL))
        snprintf(ps.reg, sizeof ps.reg, "%s", res_text(&res, 0, 0));
    if ((ps.exists = res_text(&res, 0, 1) != NULL)) {
        snprintf(ps.pinned, sizeof ps.pinned, "%s", or_empty(res_text(&res, 0, 2)));
        ps.last = res_int(&res, 0, 3);
        snprintf(ps.enrol, sizeof ps.enrol, "%s", or_empty(res_text(&res, 0, 4)));
    }
    res_clear(&res);

    srv_store_rc refuse = decide(&ps, q->pub, p, &how, &drop);
    info->enrolled = how;
    if (refuse == SRV_STORE_KEY) {
        /* counted on the device, committed: the refusal is the news */
        info->conflict = true;
        if (ps.exists) {
            srv_dbv u[2] = {id, TEXT(q->now)};
            if (!tx_run(t,
                        "UPDATE devices SET key_conflicts = key_conflicts + 1,"
                        " last_conflict_at = $2 WHERE device_id = $1",
                        u, 2, NULL, NULL) ||
                !tx_commit(t))
                goto rollback;
            *out = SRV_STORE_KEY;
            return true;
        }
    }
    if (refuse != SRV_STORE_ERROR) {
        *out = refuse; /* refused: change nothing */
        tx_rollback(t);
        return true;
    }
    if (ps.exists && !drop && (int64_t) r->seq <= ps.last) {
        *out = SRV_STORE_STALE;
        tx_rollback(t);
        return true;
    }
    if (drop) {
        srv_dbv dk[2] = {id, TEXT(ps.pinned)};
        if (!tx_run(t, "DELETE FROM devices WHERE device_id = $1 AND public_key = $2", dk, 2,
                    NULL, &n))
            goto rollback;
        if (n != 1)
            goto lost;
        ps.exists = false;
    }
    if (!ps.exists && how != SRV_NEW_REGISTERED) {
        /* growth nobody registered: capped, and rate-limited per address */
        int64_t count = 0;
        if (p->max_devices != 0) {
            if (!device_count(t, &count))
                goto rollback;
            if (!t->d->be->shared && drop)
                count--; /* not yet counted down */
            if (count >= (int64_t) p->max_devices) {
                *out = SRV_STORE_FULL;
                tx_rollback(t);
                return true;
            }
        }
        if (p->admit != NULL && (info->retry_after = p->admit(p->ctx)) != 0) {
            *out = SRV_STORE_RATE;
            tx_rollback(t);
            return true;
        }
    }

    const char *res_name = ota_report_result_name(r->result);
    const char *prev = r->previous_version[0] != '\0' ? r->previous_version : NULL;
    srv_dbv dv[13] = {id,
                      TEXT(r->hardware_id),
                      TEXT(r->installed_version),
                      TEXT_OR_NULL(prev),
                      TEXT(res_name),
                      TEXT(r->error),
                      TEXT(r->time),
                      INT(r->seq),
                      TEXT(q->now),
                      TEXT(q->remote),
                      TEXT(q->pub),
                      TEXT(r->keyid),
                      TEXT(enrolment_names[how])};
    /* conditional: a row another writer changed since the read above
     * (another key, a seq as high) is left alone, and the race is lost */
    if (!tx_run(t,
                ps.exists
                    ? "UPDATE devices SET hardware_id=$2, installed_version=$3, previous_version=$4,"
                      " result=$5, error=$6, device_time=$7, seq=$8, last_seen=$9,"
                      " reports=reports+1, remote_addr=$10, enrolment=$13"
                      " WHERE device_id=$1 AND public_key=$11 AND seq < $8"
                    : "INSERT INTO devices (device_id, hardware_id, installed_version,"
                      " previous_version, result, error, device_time, seq, last_seen, remote_addr,"
                      " first_seen, reports, public_key, keyid, enrolment)"
                      " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$9,1,$11,$12,$13)"
                      " ON CONFLICT (device_id) DO NOTHING",
                dv, 13, NULL, &n))
        goto rollback;
    if (n != 1)
        goto lost;

    srv_dbv rv[10] = {id,
                      TEXT(q->now),
                      INT(r->seq),
                      TEXT(r->installed_version),
                      TEXT_OR_NULL(prev),
                      TEXT(res_name),
                      TEXT(r->error),
                      TEXT(r->time),
                      TEXT(q->remote),
                      {.kind = SRV_DBV_BLOB, .s = (const char *) q->doc, .len = q->doc_len}};
    srv_dbv trim[2] = {id, INT(OTA_SERVER_REPORTS_PER_DEVICE)};
    if (!tx_run(t,
                "INSERT INTO reports (device_id, received_at, seq, installed_version,"
                " previous_version, result, error, device_time, remote_addr, document)"
                " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                rv, 10, NULL, NULL) ||
        /* the newest rows stay: ids grow in commit order per device, since
         * its writers are serialised on the devices row */
        !tx_run(t,
                "DELETE FROM reports WHERE device_id=$1 AND id <= (SELECT id FROM"
                " reports WHERE device_id=$1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
                trim, 2, NULL, NULL) ||
        !tx_commit(t))
        goto rollback;
    if (!ps.exists)
        count_add(t->d, drop ? 0 : 1);
    *out = ps.exists ? SRV_STORE_UPDATED : SRV_STORE_NEW;
    return true;
lost:
    tx_rollback(t);
    return false;
rollback:
    tx_rollback(t);
    *out = SRV_STORE_ERROR;
    return t->rc != SRV_DB_RETRY;
}

srv_store_rc
srv_db_store(srv_db *d, const ota_report *r, const uint8_t *doc, size_t doc_len,
             const char *remote, const srv_store_policy *p, srv_store_info *info)
{
    store_req q = {.r = r, .doc = doc, .doc_len = doc_len, .remote = remote, .p = p};
    srv_store_rc rc = SRV_STORE_ERROR;
    tx t;
    memset(info, 0, sizeof *info);
    ota_hex_encode(r->public_key, sizeof r->public_key, q.pub);
    now_rfc3339(q.now);
    if (!tx_begin(&t, d))
        return SRV_STORE_ERROR;
    bool done = false;
    for (int i = 0; i < STORE_ATTEMPTS && !done; i++)
        done = store_once(&t, &q, info, &rc);
    tx_end(&t);
    return done ? rc : SRV_STORE_ERROR;
}

int64_t
srv_db_count(srv_db *d)
{
    /* several servers: the database's count, read at most once a second
     * (a gauge, asked after every first report) */
    int64_t now = srv_now_ms();
    if (d->be->shared && now - atomic_load(&d->read_ms) >= 1000) {
        atomic_store(&d->read_ms, now);
        tx t;
        int64_t n = 0;
        if (tx_begin(&t, d)) {
            if (tx_int(&t, "SELECT count(*) FROM devices", NULL, 0, &n))
                atomic_store(&d->count, n);
            tx_end(&t);
        }
    }
    return atomic_load(&d->count);
}

/* ---- registered keys ------------------------------------------------------------ */

/* Upsert one registration and forget a device pinned to another key;
 * inside a writing transaction.  *dropped += devices forgotten; -1 on a
 * database error, else whether the id was registered before (1) or not. */
static int
put_key(tx *t, const char *device_id, const char *pub, const char *keyid, const char *source,
        const char *now, unsigned *dropped)
{
    char old[16];
    bool had = false;
    srv_dbv id = TEXT(device_id);
    if (!tx_text(t, "SELECT source FROM device_keys WHERE device_id = $1", &id, 1, old,
                 sizeof old, &had))
        return -1;
    srv_dbv p[5] = {id, TEXT(pub), TEXT(keyid), TEXT(source), TEXT(now)};
    if (!tx_run(t,
                "INSERT INTO device_keys (device_id, public_key, keyid, source, registered_at)"
                " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (device_id) DO UPDATE SET"
                " registered_at = CASE WHEN device_keys.public_key = excluded.public_key"
                " THEN device_keys.registered_at ELSE excluded.registered_at END,"
                " public_key = excluded.public_key, keyid = excluded.keyid,"
                " source = excluded.source",
                p, 5, NULL, NULL))
        return -1;
    int64_t n = 0;
    if (!tx_run(t, "DELETE FROM devices WHERE device_id = $1 AND public_key != $2", p, 2, NULL,
                &n))
        return -1;
    *dropped += (unsigned) n;
    return had;
}

static ota_err
key_strings(const uint8_t pk[32], char pub[65], char keyid[65])
{
    json_t *k = ota_key_ed25519_json(pk);
    if (k == NULL)
        return OTA_E_NOMEM;
    ota_err rc = ota_key_id(k, keyid);
    json_decref(k);
    ota_hex_encode(pk, 32, pub);
    return rc;
}

ota_err
srv_db_key_put(srv_db *d, const char *device_id, const uint8_t pk[32], const char *source,
               bool *created, bool *dropped)
{
    char pub[65], keyid[65], now[21], old[16];
    ota_err rc = key_strings(pk, pub, keyid);
    if (rc != OTA_OK)
        return rc;
    now_rfc3339(now);
    unsigned n = 0;
    bool had = false;
    tx t;
    srv_dbv id = TEXT(device_id);
    if (!tx_begin(&t, d))
        return OTA_E_IO;
    rc = OTA_E_IO;
    if (!tx_begin_device(&t, device_id))
        goto out;
    if (!tx_text(&t, "SELECT source FROM device_keys WHERE device_id = $1", &id, 1, old,
                 sizeof old, &had))
        goto rollback;
    if (had && strcmp(source, "file") != 0 && strcmp(old, "file") == 0) {
        rc = OTA_E_EXISTS;
        goto rollback;
    }
    int put = put_key(&t, device_id, pub, keyid, source, now, &n);
    if (put < 0 || !tx_commit(&t))
        goto rollback;
    count_add(d, -(int64_t) n);
    *created = put == 0;
    *dropped = n > 0;
    rc = OTA_OK;
    goto out;
rollback:
    tx_rollback(&t);
out:
    tx_end(&t);
    return rc;
}

ota_err
srv_db_key_delete(srv_db *d, const char *device_id)
{
    char old[16];
    bool had = false;
    ota_err rc = OTA_E_IO;
    tx t;
    srv_dbv id = TEXT(device_id);
    if (!tx_begin(&t, d))
        return OTA_E_IO;
    if (!tx_begin_device(&t, device_id))
        goto out;
    if (!tx_text(&t, "SELECT source FROM device_keys WHERE device_id = $1", &id, 1, old,
                 sizeof old, &had))
        goto rollback;
    if (!had)
        rc = OTA_E_NOT_FOUND;
    else if (strcmp(old, "file") == 0)
        rc = OTA_E_EXISTS;
    else if (tx_run(&t, "DELETE FROM device_keys WHERE device_id = $1", &id, 1, NULL, NULL) &&
             tx_commit(&t))
        goto out_ok;
rollback:
    tx_rollback(&t);
    goto out;
out_ok:
    rc = OTA_OK;
out:
    tx_end(&t);
    return rc;
}

/* One line of a --device-keys file: "device_id public_key_hex", spaces or
 * tabs around; blank and '#' lines are skipped (*id = NULL).  False when
 * malformed. */
static bool
parse_key_line(char *line, const char **id, const char **hex)
{
    const char *sep = " \t\r\n";
    char *save = NULL;
    char *a = strtok_r(line, sep, &save);
    *id = NULL;
    if (a == NULL || a[0] == '#')
        return true;
    char *b = strtok_r(NULL, sep, &save);
    if (b == NULL || strtok_r(NULL, sep, &save) != NULL || !ota_id_valid(a) ||
        strlen(b) != 64 || strspn(b, "0123456789abcdef") != 64)
        return false;
    *id = a;
    *hex = b;
    return true;
}

ota_err
srv_db_keys_load(srv_db *d, const char *path, unsigned *count, unsigned *dropped, char *why,
                 size_t why_cap)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(why, why_cap, "%s: %s", path, strerror(errno));
        return OTA_E_ARG;
    }
    char line[OTA_MAX_ID_LEN + 128], now[21];
    unsigned lineno = 0, n = 0, gone = 0;
    ota_err rc = OTA_E_IO;
    now_rfc3339(now);
    tx t;
    if (!tx_begin(&t, d)) {
        snprintf(why, why_cap, "%s: database: no connection", path);
        fclose(f);
        return OTA_E_IO;
    }
    /* entries from the previous load that the file no longer has go; no
     * report is stored meanwhile, by this server or another */
    if (!tx_script(&t, d->be->begin_write))
        goto fail;
    if ((d->be->lock_all != NULL && !tx_run(&t, d->be->lock_all, NULL, 0, NULL, NULL)) ||
        !tx_script(&t, "UPDATE device_keys SET source = 'file-old' WHERE source = 'file'"))
        goto rollback;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            snprintf(why, why_cap, "%s:%u: line too long", path, lineno);
            rc = OTA_E_ARG;
            goto rollback;
        }
        const char *id = NULL, *hex = NULL;
        if (!parse_key_line(line, &id, &hex)) {
            snprintf(why, why_cap,
                     "%s:%u: expected `device_id public_key_hex` (an id and 64 lower-case hex "
                     "digits)",
                     path, lineno);
            rc = OTA_E_ARG;
            goto rollback;
        }
        if (id == NULL)
            continue;
        char old[16], keyid[65], pub[65];
        bool had = false;
        uint8_t pk[32];
        size_t pk_len = 0;
        srv_dbv idv = TEXT(id);
        if (!tx_text(&t, "SELECT source FROM device_keys WHERE device_id = $1", &idv, 1, old,
                     sizeof old, &had))
            goto rollback;
        if (had && strcmp(old, "file") == 0) {
            snprintf(why, why_cap, "%s:%u: device id %s listed twice", path, lineno, id);
            rc = OTA_E_ARG;
            goto rollback;
        }
        if (ota_hex_decode(hex, 64, pk, sizeof pk, &pk_len) != OTA_OK || pk_len != 32 ||
            key_strings(pk, pub, keyid) != OTA_OK ||
            put_key(&t, id, pub, keyid, "file", now, &gone) < 0)
            goto rollback;
        n++;
    }
    if (ferror(f)) {
        snprintf(why, why_cap, "%s: read error", path);
        rc = OTA_E_ARG;
        goto rollback;
    }
    int64_t total = 0;
    if (!tx_script(&t, "DELETE FROM device_keys WHERE source = 'file-old'") ||
        !tx_int(&t, "SELECT count(*) FROM devices", NULL, 0, &total) || !tx_commit(&t))
        goto rollback;
    atomic_store(&d->count, total);
    *count = n;
    *dropped = gone;
    rc = OTA_OK;
    goto out;
rollback:
    if (rc == OTA_E_IO)
        snprintf(why, why_cap, "%s: database error: %s", path, d->be->error(t.c));
    tx_rollback(&t);
    goto out;
fail:
    snprintf(why, why_cap, "%s: database error: %s", path, d->be->error(t.c));
out:
    tx_end(&t);
    fclose(f);
    return rc;
}

/* ---- queries ----------------------------------------------------------------- */

#define DEVICE_COLUMNS                                                                       \
    "device_id, hardware_id, installed_version, previous_version, result, error,"           \
    " device_time, seq, keyid, public_key, first_seen, last_seen, reports, remote_addr,"    \
    " key_conflicts, last_conflict_at, enrolment"
#define DEVICE_NCOLUMNS 17u

static json_t *
device_row(const srv_dbres *r, size_t row)
{
    static const char *const names[DEVICE_NCOLUMNS] = {
        "device_id", "hardware_id", "installed_version", "previous_version", "result",
        "error",     "device_time", "seq",               "keyid",            "public_key",
        "first_seen", "last_seen",  "reports",           "remote_addr",      "key_conflicts",
        "last_conflict_at", "enrolment"};
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < DEVICE_NCOLUMNS; i++) {
        json_t *v = (i == 7 || i == 12 || i == 14) ? json_integer(res_int(r, row, i))
                                                   : res_json_text(r, row, i);
        if (json_object_set_new(o, names[i], v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static ota_err
dump(json_t *v, char **out)
{
    if (v == NULL)
        return OTA_E_NOMEM;
    *out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(v);
    return *out ? OTA_OK : OTA_E_NOMEM;
}

/* installed version v is strictly below `below` in semver order (a version
 * that is not semver is never below anything) */
static bool
version_below(const char *v, const char *below)
{
    return v != NULL && ota_semver_check(v) == OTA_OK && ota_semver_check(below) == OTA_OK &&
           ota_semver_cmp(v, below) < 0;
}

ota_err
srv_db_list(srv_db *d, const char *version, const char *hardware, const char *below,
            const char *after, unsigned limit, char **out_json)
{
    ota_err rc = OTA_E_IO;
    json_t *list = json_array(), *next = json_null();
    char cursor[OTA_MAX_ID_LEN + 1];
    srv_dbres res;
    tx t;
    res_init(&res, DEVICE_NCOLUMNS);
    if (list == NULL || !tx_begin(&t, d)) {
        json_decref(list);
        return list == NULL ? OTA_E_NOMEM : OTA_E_IO;
    }
    snprintf(cursor, sizeof cursor, "%s", after ? after : "");
    /* the semver order is the C library's: without `below` one page of
     * limit + 1 rows; with it, rows in chunks until limit + 1 match */
    unsigned chunk = below != NULL ? LIST_CHUNK : limit + 1, n = 0;
    bool more = true;
    if (!tx_script(&t, d->be->begin_read))
        goto out;
    while (more && n <= limit) {
        srv_dbv p[4] = {TEXT_OR_NULL(version), TEXT_OR_NULL(hardware),
                        TEXT_OR_NULL(cursor[0] ? cursor : NULL), INT(chunk)};
        res_clear(&res);
        if (!tx_run(&t,
                    "SELECT " DEVICE_COLUMNS " FROM devices"
                    " WHERE ($1 IS NULL OR installed_version = $1)"
                    " AND ($2 IS NULL OR hardware_id = $2)"
                    " AND ($3 IS NULL OR device_id > $3)"
                    " ORDER BY device_id LIMIT $4",
                    p, 4, &res, NULL))
            goto rollback;
        size_t rows = res_rows(&res);
        more = below != NULL && rows == chunk;
        for (size_t i = 0; i < rows && n <= limit; i++) {
            snprintf(cursor, sizeof cursor, "%s", or_empty(res_text(&res, i, 0)));
            if (below != NULL && !version_below(res_text(&res, i, 2), below))
                continue;
            if (n++ == limit) { /* one more exists: the page ends at the previous one */
                json_t *last = json_array_get(list, limit - 1);
                json_decref(next);
                next = json_incref(json_object_get(last, "device_id"));
                break;
            }
            json_t *row = device_row(&res, i);
            if (row == NULL || json_array_append_new(list, row) != 0) {
                rc = OTA_E_NOMEM;
                goto rollback;
            }
        }
    }
    if (tx_commit(&t)) {
        rc = OTA_OK;
        goto out;
    }
rollback:
    tx_rollback(&t);
out:
    tx_end(&t);
    res_clear(&res);
    if (rc == OTA_OK) {
        json_t *doc = json_pack("{s:o, s:o}", "devices", list, "next", next);
        return dump(doc, out_json);
    }
    json_decref(list);
    json_decref(next);
    return rc;
}

ota_err
srv_db_get(srv_db *d, const char *device_id, char **out_json)
{
    ota_err rc = OTA_E_IO;
    json_t *dev = NULL, *hist = json_array(), *last_doc = json_null();
    srv_dbv id = TEXT(device_id);
    srv_dbres res;
    tx t;
    res_init(&res, DEVICE_NCOLUMNS);
    if (hist == NULL || !tx_begin(&t, d)) {
        json_decref(hist);
        return hist == NULL ? OTA_E_NOMEM : OTA_E_IO;
    }
    if (!tx_script(&t, d->be->begin_read))
        goto out;
    if (!tx_run(&t, "SELECT " DEVICE_COLUMNS " FROM devices WHERE device_id = $1", &id, 1, &res,
                NULL))
        goto rollback;
    if (res_rows(&res) == 0) {
        rc = OTA_E_NOT_FOUND;
        goto rollback;
    }
    if ((dev = device_row(&res, 0)) == NULL) {
        rc = OTA_E_NOMEM;
        goto rollback;
    }
    res_clear(&res);
    res_init(&res, 9);
    if (!tx_run(&t,
                "SELECT received_at, seq, installed_version, previous_version, result,"
                " error, device_time, remote_addr, document FROM reports"
                " WHERE device_id = $1 ORDER BY id DESC LIMIT 20",
                &id, 1, &res, NULL))
        goto rollback;
    for (size_t i = 0; i < res_rows(&res); i++) {
        json_t *h = json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "received_at",
                              res_json_text(&res, i, 0), "seq", (json_int_t) res_int(&res, i, 1),
                              "installed_version", res_json_text(&res, i, 2),
                              "previous_version", res_json_text(&res, i, 3), "result",
                              res_json_text(&res, i, 4), "error", res_json_text(&res, i, 5),
                              "device_time", res_json_text(&res, i, 6), "remote_addr",
                              res_json_text(&res, i, 7));
        if (h == NULL || json_array_append_new(hist, h) != 0) {
            rc = OTA_E_NOMEM;
            goto rollback;
        }
        if (i == 0 && res_text(&res, i, 8) != NULL) { /* the latest signed document, as received */
            json_t *doc = json_loadb(res_text(&res, i, 8), res_len(&res, i, 8), 0, NULL);
            if (doc != NULL) {
                json_decref(last_doc);
                last_doc = doc;
            }
        }
    }
    char reg[65];
    bool registered = false;
    if (!tx_text(&t, "SELECT public_key FROM device_keys WHERE device_id = $1", &id, 1, reg,
                 sizeof reg, &registered) ||
        !tx_commit(&t))
        goto rollback;
    if (json_object_set_new(dev, "registered_key", registered ? json_string(reg) : json_null()) !=
            0 ||
        json_object_set(dev, "history", hist) != 0 ||
        json_object_set(dev, "last_report", last_doc) != 0) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    rc = OTA_OK;
    goto out;
rollback:
    tx_rollback(&t);
out:
    tx_end(&t);
    res_clear(&res);
    json_decref(hist);
    json_decref(last_doc);
    if (rc == OTA_OK)
        return dump(dev, out_json);
    json_decref(dev);
    return rc;
}

ota_err
srv_db_delete(srv_db *d, const char *device_id)
{
    ota_err rc = OTA_E_IO;
    int64_t n = 0;
    srv_dbv id = TEXT(device_id);
    tx t;
    if (!tx_begin(&t, d))
        return OTA_E_IO;
    if (tx_begin_device(&t, device_id)) {
        if (tx_run(&t, "DELETE FROM devices WHERE device_id = $1", &id, 1, NULL, &n) &&
            tx_commit(&t)) {
            rc = n > 0 ? OTA_OK : OTA_E_NOT_FOUND;
            count_add(d, -n);
        } else {
            tx_rollback(&t);
        }
    }
    tx_end(&t);
    return rc;
}

ota_err
srv_db_key_get(srv_db *d, const char *device_id, char **out_json)
{
    ota_err rc = OTA_E_IO;
    json_t *o = NULL;
    srv_dbv id = TEXT(device_id);
    srv_dbres res;
    tx t;
    res_init(&res, 4);
    if (!tx_begin(&t, d))
        return OTA_E_IO;
    if (tx_run(&t,
               "SELECT public_key, keyid, source, registered_at FROM device_keys"
               " WHERE device_id = $1",
               &id, 1, &res, NULL)) {
        if (res_rows(&res) == 0) {
            rc = OTA_E_NOT_FOUND;
        } else {
            o = json_pack("{s:s, s:o, s:o, s:o, s:o}", "device_id", device_id, "public_key",
                          res_json_text(&res, 0, 0), "keyid", res_json_text(&res, 0, 1),
                          "source", res_json_text(&res, 0, 2), "registered_at",
                          res_json_text(&res, 0, 3));
            rc = o ? OTA_OK : OTA_E_NOMEM;
        }
    }
    tx_end(&t);
    res_clear(&res);
    return rc == OTA_OK ? dump(o, out_json) : rc;
}

/* ---- the fleet page ------------------------------------------------------------ */

/* Rows of a two-column (text, count) query as [{key: text, "count": n}]. */
static bool
count_rows(tx *t, const char *sql, unsigned limit, const char *key, json_t *arr, int64_t *listed)
{
    srv_dbres res;
    srv_dbv lim = INT(limit);
    res_init(&res, 2);
    bool ok = tx_run(t, sql, &lim, 1, &res, NULL);
    for (size_t i = 0; ok && i < res_rows(&res); i++) {
        int64_t n = res_int(&res, i, 1);
        json_t *o = json_pack("{s:o, s:I}", key, res_json_text(&res, i, 0), "count", (json_int_t) n);
        if (o == NULL || json_array_append_new(arr, o) != 0)
            ok = false;
        *listed += n;
    }
    res_clear(&res);
    return ok;
}

ota_err
srv_db_fleet(srv_db *d, unsigned limit, json_t **out)
{
    static const char *const names[] = {"device_id", "hardware_id", "installed_version",
                                        "result",    "error",       "last_seen",
                                        "reports",   "key_conflicts", "failures"};
    const size_t ncols = sizeof names / sizeof names[0];
    ota_err rc = OTA_E_IO;
    json_t *versions = json_array(), *states = json_array(), *list = json_array();
    int64_t total = 0, listed = 0, ignored = 0;
    srv_dbres res;
    srv_dbv lim = INT(limit);
    tx t;
    *out = NULL;
    res_init(&res, ncols);
    if (versions == NULL || states == NULL || list == NULL) {
        rc = OTA_E_NOMEM;
        goto out_free;
    }
    if (!tx_begin(&t, d))
        goto out_free;
    /* one read transaction: the counts and the list agree */
    if (!tx_script(&t, d->be->begin_read))
        goto out;
    if (!tx_int(&t, "SELECT count(*) FROM devices", NULL, 0, &total) ||
        !count_rows(&t,
                    "SELECT installed_version, count(*) AS n FROM devices"
                    " GROUP BY installed_version ORDER BY n DESC, installed_version LIMIT $1",
                    SRV_FLEET_MAX_VERSIONS, "version", versions, &listed) ||
        !count_rows(&t,
                    "SELECT result, count(*) AS n FROM devices GROUP BY result"
                    " ORDER BY n DESC, result LIMIT $1",
                    16, "state", states, &ignored))
        goto rollback;
    /* the devices that reported last (last_seen is RFC 3339 UTC: text
     * order is time order); failures counted in the kept history */
    if (!tx_run(&t,
                "SELECT device_id, hardware_id, installed_version, result, error,"
                " last_seen, reports, key_conflicts,"
                " (SELECT count(*) FROM reports r WHERE r.device_id = d.device_id"
                "  AND r.result IN ('failure', 'rollback'))"
                " FROM devices d ORDER BY last_seen DESC, device_id LIMIT $1",
                &lim, 1, &res, NULL))
        goto rollback;
    for (size_t row = 0; row < res_rows(&res); row++) {
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(list, o) != 0) {
            rc = OTA_E_NOMEM;
            goto rollback;
        }
        for (size_t i = 0; i < ncols; i++) {
            json_t *v = i >= 6 ? json_integer(res_int(&res, row, i)) : res_json_text(&res, row, i);
            if (json_object_set_new(o, names[i], v) != 0) {
                rc = OTA_E_NOMEM;
                goto rollback;
            }
        }
    }
    if (!tx_commit(&t))
        goto rollback;
    *out = json_pack("{s:I, s:O, s:I, s:O, s:O}", "total", (json_int_t) total, "versions",
                     versions, "other_versions", (json_int_t) (total - listed), "states", states,
                     "devices", list);
    rc = *out != NULL ? OTA_OK : OTA_E_NOMEM;
    goto out;
rollback:
    tx_rollback(&t);
out:
    tx_end(&t);
out_free:
    res_clear(&res);
    json_decref(versions);
    json_decref(states);
    json_decref(list);
    return rc;
}

ota_err
srv_db_devices_on(srv_db *d, const char *hardware, const char *version, unsigned limit,
                  int64_t *count, json_t *ids)
{
    ota_err rc = OTA_E_IO;
    srv_dbv p[3] = {TEXT(hardware), TEXT(version), INT(limit)};
    srv_dbres res;
    tx t;
    res_init(&res, 1);
    if (!tx_begin(&t, d))
        return OTA_E_IO;
    /* one read transaction: the count and the list agree */
    if (tx_script(&t, d->be->begin_read)) {
        if (tx_int(&t,
                   "SELECT count(*) FROM devices WHERE hardware_id = $1 AND installed_version = $2",
                   p, 2, count) &&
            tx_run(&t,
                   "SELECT device_id FROM devices WHERE hardware_id = $1 AND installed_version = $2"
                   " ORDER BY device_id LIMIT $3",
                   p, 3, &res, NULL) &&
            tx_commit(&t)) {
            rc = OTA_OK;
            for (size_t i = 0; rc == OTA_OK && i < res_rows(&res); i++)
                if (json_array_append_new(ids, json_string(or_empty(res_text(&res, i, 0)))) != 0)
                    rc = OTA_E_NOMEM;
        } else {
            tx_rollback(&t);
        }
    }
    tx_end(&t);
    res_clear(&res);
    return rc;
}

ota_err
srv_db_count_below(srv_db *d, const char *hardware, const char *version, int64_t *out)
{
    /* per installed version (few), the semver order here */
    srv_dbres res;
    srv_dbv hw = TEXT(hardware);
    tx t;
    res_init(&res, 2);
    if (!tx_begin(&t, d))
        return OTA_E_IO;
    bool ok = tx_run(&t,
                     "SELECT installed_version, count(*) FROM devices WHERE hardware_id = $1"
                     " GROUP BY installed_version",
                     &hw, 1, &res, NULL);
    tx_end(&t);
    int64_t n = 0;
    for (size_t i = 0; ok && i < res_rows(&res); i++)
        if (version != NULL && version_below(res_text(&res, i, 0), version))
            n += res_int(&res, i, 1);
    res_clear(&res);
    if (!ok)
        return OTA_E_IO;
    *out = n;
    return OTA_OK;
}
