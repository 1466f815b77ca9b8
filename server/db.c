/*
 * db.c — device status reports in SQLite: one file, WAL journal, created on
 * first start, schema version in PRAGMA user_version.  One connection
 * behind a mutex: reports are rare next to file requests, and SQLite
 * serialises writers anyway.
 *
 *   devices(device_id PK, public_key, keyid, latest report fields, seq,
 *           first_seen, last_seen, reports, remote_addr,
 *           key_conflicts, last_conflict_at, enrolment)          [v2: last 3]
 *   reports(id PK, device_id, received_at, seq, report fields, document)
 *   device_keys(device_id PK, public_key, keyid, source, registered_at) [v2]
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
 * Schema versions: 1 (no enrolment) is migrated to 2 in place on open; a
 * new database is made as 1 and migrated, so there is one path.
 * Each report's signed document is kept as received, so anyone can verify
 * it again later.  History is trimmed to OTA_SERVER_REPORTS_PER_DEVICE.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ota_id.h"
#include "ota_key.h"
#include "ota_report.h"
#include "server.h"

#define SCHEMA_VERSION 2

struct srv_db {
    sqlite3 *db;
    pthread_mutex_t lock;
    int64_t count; /* rows in devices, under lock */
};

static const char SCHEMA[] =
    "CREATE TABLE devices ("
    " device_id TEXT PRIMARY KEY NOT NULL,"
    " public_key TEXT NOT NULL,"
    " keyid TEXT NOT NULL,"
    " hardware_id TEXT NOT NULL,"
    " installed_version TEXT NOT NULL,"
    " previous_version TEXT,"
    " result TEXT NOT NULL,"
    " error TEXT NOT NULL,"
    " device_time TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " first_seen TEXT NOT NULL,"
    " last_seen TEXT NOT NULL,"
    " reports INTEGER NOT NULL,"
    " remote_addr TEXT NOT NULL);"
    "CREATE INDEX devices_version ON devices(installed_version);"
    "CREATE INDEX devices_hardware ON devices(hardware_id);"
    "CREATE TABLE reports ("
    " id INTEGER PRIMARY KEY,"
    " device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,"
    " received_at TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " installed_version TEXT NOT NULL,"
    " previous_version TEXT,"
    " result TEXT NOT NULL,"
    " error TEXT NOT NULL,"
    " device_time TEXT NOT NULL,"
    " remote_addr TEXT NOT NULL,"
    " document BLOB NOT NULL);"
    "CREATE INDEX reports_device ON reports(device_id, id);"
    "PRAGMA user_version = 1;";

/* 1 -> 2: enrolment.  ALTER TABLE ADD COLUMN with constant defaults does
 * not rewrite the table: instant on a big database. */
static const char MIGRATE_2[] =
    "ALTER TABLE devices ADD COLUMN key_conflicts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE devices ADD COLUMN last_conflict_at TEXT;"
    "ALTER TABLE devices ADD COLUMN enrolment TEXT NOT NULL DEFAULT 'tofu';"
    "CREATE TABLE device_keys ("
    " device_id TEXT PRIMARY KEY NOT NULL,"
    " public_key TEXT NOT NULL,"
    " keyid TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " registered_at TEXT NOT NULL);"
    "PRAGMA user_version = 2;";

static const char *const enrolment_names[] = {"tofu", "registered", "certified"};

static int
enrolment_index(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name != NULL && strcmp(name, enrolment_names[i]) == 0)
            return i;
    return SRV_NEW_TOFU;
}

static void
sql_semver_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void) argc;
    const char *a = (const char *) sqlite3_value_text(argv[0]);
    const char *b = (const char *) sqlite3_value_text(argv[1]);
    if (a == NULL || b == NULL || ota_semver_check(a) != OTA_OK ||
        ota_semver_check(b) != OTA_OK) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_int(ctx, ota_semver_cmp(a, b));
}

/* ---- open ----------------------------------------------------------------- */

static int
int_query(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

ota_err
srv_db_open(const char *path, srv_db **out, char *why, size_t why_cap)
{
    srv_db *d = calloc(1, sizeof *d);
    char *err = NULL;
    if (d == NULL) {
        snprintf(why, why_cap, "out of memory");
        return OTA_E_NOMEM;
    }
    pthread_mutex_init(&d->lock, NULL);
    int rc = sqlite3_open_v2(path, &d->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX |
                                 SQLITE_OPEN_NOFOLLOW,
                             NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_extended_result_codes(d->db, 1);
    sqlite3_busy_timeout(d->db, 5000);
    /* WAL: readers never block the writer; NORMAL sync is durable across
     * process crashes, and loses at most the last reports on power loss */
    char mode[16] = "";
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(d->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        snprintf(mode, sizeof mode, "%s", (const char *) sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        goto fail;
    if (strcmp(mode, "wal") != 0) {
        snprintf(why, why_cap, "%s: cannot switch to WAL journal mode", path);
        goto fail_why;
    }
    rc = sqlite3_exec(d->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL, NULL,
                      &err);
    if (rc != SQLITE_OK)
        goto fail;
    int version = -1;
    rc = int_query(d->db, "PRAGMA user_version", &version);
    if (rc != SQLITE_OK)
        goto fail;
    if (version == 0) {
        int tables = -1;
        rc = int_query(d->db, "SELECT count(*) FROM sqlite_master", &tables);
        if (rc != SQLITE_OK)
            goto fail;
        if (tables != 0) {
            snprintf(why, why_cap, "%s: not an ota-server database (has other tables)", path);
            goto fail_why;
        }
    } else if (version < 0 || version > SCHEMA_VERSION) {
        snprintf(why, why_cap, "%s: schema version %d, this ota-server knows up to %d", path,
                 version, SCHEMA_VERSION);
        goto fail_why;
    }
    if (version < SCHEMA_VERSION) { /* create and/or migrate, all or nothing */
        rc = sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, &err);
        if (rc == SQLITE_OK && version < 1)
            rc = sqlite3_exec(d->db, SCHEMA, NULL, NULL, &err);
        if (rc == SQLITE_OK && version < 2)
            rc = sqlite3_exec(d->db, MIGRATE_2, NULL, NULL, &err);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(d->db, "COMMIT", NULL, NULL, &err);
        if (rc != SQLITE_OK) {
            sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
    }
    int count = 0;
    rc = int_query(d->db, "SELECT count(*) FROM devices", &count);
    if (rc != SQLITE_OK)
        goto fail;
    d->count = count;
    rc = sqlite3_create_function(d->db, "semver_cmp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                 sql_semver_cmp, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    *out = d;
    return OTA_OK;
fail:
    snprintf(why, why_cap, "%s: %s", path,
             err ? err : d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
fail_why:
    sqlite3_free(err);
    sqlite3_close(d->db);
    pthread_mutex_destroy(&d->lock);
    free(d);
    return OTA_E_IO;
}

void
srv_db_close(srv_db *d)
{
    if (d == NULL)
        return;
    sqlite3_close(d->db);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* ---- store ------------------------------------------------------------------ */

static void
now_rfc3339(char out[21])
{
    if (ota_time_format((int64_t) time(NULL), out) != OTA_OK)
        snprintf(out, 21, "1970-01-01T00:00:00Z");
}

static int
step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s[0] == '\0')
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* The one text column of a one-row query with ?1 = key into out[cap]
 * ("" when NULL).  SQLITE_ROW when found, SQLITE_DONE when not. */
static int
text_row(sqlite3 *db, const char *sql, const char *key, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *v = (const char *) sqlite3_column_text(st, 0);
            snprintf(out, cap, "%s", v ? v : "");
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* Run sql with ?1 = key; the rows changed, or -1 on error. */
static int
exec_key(sqlite3 *db, const char *sql, const char *key)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return step_done(st) == SQLITE_OK ? sqlite3_changes(db) : -1;
}

srv_store_rc
srv_db_store(srv_db *d, const ota_report *r, const uint8_t *doc, size_t doc_len,
             const char *remote, const srv_store_policy *p, srv_store_info *info)
{
    srv_store_rc result = SRV_STORE_ERROR;
    char pub[65], now[21], reg[65], pinned[65] = "", enrol[16] = "";
    sqlite3_stmt *st = NULL;
    sqlite3_int64 last = 0;
    bool exists = false, drop = false;
    int how = SRV_NEW_TOFU;
    memset(info, 0, sizeof *info);
    ota_hex_encode(r->public_key, sizeof r->public_key, pub);
    now_rfc3339(now);
    const char *res = ota_report_result_name(r->result);

    pthread_mutex_lock(&d->lock);
    if (sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto out_unlock;
    int rc = text_row(d->db, "SELECT public_key FROM device_keys WHERE device_id = ?1",
                      r->device_id, reg, sizeof reg);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto rollback;
    bool registered = rc == SQLITE_ROW;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT public_key, seq, enrolment FROM devices WHERE device_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        goto rollback;
    sqlite3_bind_text(st, 1, r->device_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *k = (const char *) sqlite3_column_text(st, 0);
        const char *e = (const char *) sqlite3_column_text(st, 2);
        exists = true;
        snprintf(pinned, sizeof pinned, "%s", k ? k : "");
        snprintf(enrol, sizeof enrol, "%s", e ? e : "");
        last = sqlite3_column_int64(st, 1);
    } else if (rc != SQLITE_DONE) {
        goto rollback;
    }
    sqlite3_finalize(st);
    st = NULL;

    /* who vouches for this key?  (docs/ota-server.md "Enrolment") */
    bool same = exists && strcmp(pinned, pub) == 0;
    srv_store_rc refuse = SRV_STORE_ERROR; /* none */
    if (registered) {
        how = SRV_NEW_REGISTERED;
        if (strcmp(reg, pub) != 0)
            refuse = SRV_STORE_KEY;
        else if (exists && !same)
            drop = true; /* pinned by someone else before the registration */
    } else if (p->mode == SRV_ENROL_REGISTERED) {
        refuse = SRV_STORE_UNREGISTERED;
    } else if (p->certified) {
        how = SRV_NEW_CERTIFIED;
        if (exists && !same) {
            if (strcmp(enrol, "tofu") == 0)
                drop = true; /* a certificate outranks trust on first use */
            else
                refuse = SRV_STORE_KEY;
        }
    } else if (exists) {
        how = enrolment_index(enrol);
        if (!same)
            refuse = SRV_STORE_KEY;
        else if (p->mode == SRV_ENROL_CERTIFIED && how == SRV_NEW_TOFU)
            refuse = SRV_STORE_UNCERTIFIED;
    } else if (p->mode == SRV_ENROL_CERTIFIED) {
        refuse = SRV_STORE_UNCERTIFIED;
    }
    info->enrolled = how;
    if (refuse == SRV_STORE_KEY) {
        /* counted on the device, committed: the refusal is the news */
        info->conflict = true;
        if (exists) {
            if (sqlite3_prepare_v2(d->db,
                                   "UPDATE devices SET key_conflicts = key_conflicts + 1,"
                                   " last_conflict_at = ?2 WHERE device_id = ?1",
                                   -1, &st, NULL) != SQLITE_OK)
                goto rollback;
            sqlite3_bind_text(st, 1, r->device_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
            rc = step_done(st);
            st = NULL;
            if (rc != SQLITE_OK || sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
                goto rollback;
            result = SRV_STORE_KEY;
            goto out_unlock;
        }
    }
    if (refuse != SRV_STORE_ERROR) {
        result = refuse;
        goto rollback; /* refused: change nothing */
    }
    if (exists && !drop && (sqlite3_int64) r->seq <= last) {
        result = SRV_STORE_STALE;
        goto rollback;
    }
    if (drop) {
        if (exec_key(d->db, "DELETE FROM devices WHERE device_id = ?1", r->device_id) != 1)
            goto rollback;
        exists = false;
    }
    if (!exists && how != SRV_NEW_REGISTERED) {
        /* growth nobody registered: capped, and rate-limited per address */
        if (p->max_devices != 0 && d->count - (drop ? 1 : 0) >= (int64_t) p->max_devices) {
            result = SRV_STORE_FULL;
            goto rollback;
        }
        if (p->admit != NULL && (info->retry_after = p->admit(p->ctx)) != 0) {
            result = SRV_STORE_RATE;
            goto rollback;
        }
    }

    const char *sql =
        exists ? "UPDATE devices SET hardware_id=?2, installed_version=?3, previous_version=?4,"
                 " result=?5, error=?6, device_time=?7, seq=?8, last_seen=?9,"
                 " reports=reports+1, remote_addr=?10, enrolment=?13 WHERE device_id=?1"
               : "INSERT INTO devices (device_id, hardware_id, installed_version,"
                 " previous_version, result, error, device_time, seq, last_seen, remote_addr,"
                 " first_seen, reports, public_key, keyid, enrolment)"
                 " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?9,1,?11,?12,?13)";
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto rollback;
    sqlite3_bind_text(st, 1, r->device_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->hardware_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->installed_version, -1, SQLITE_STATIC);
    bind_text_or_null(st, 4, r->previous_version);
    sqlite3_bind_text(st, 5, res, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->time, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64) r->seq);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, remote, -1, SQLITE_STATIC);
    if (!exists) {
        sqlite3_bind_text(st, 11, pub, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, r->keyid, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 13, enrolment_names[how], -1, SQLITE_STATIC);
    rc = step_done(st);
    st = NULL;
    if (rc != SQLITE_OK)
        goto rollback;

    if (sqlite3_prepare_v2(d->db,
                           "INSERT INTO reports (device_id, received_at, seq, installed_version,"
                           " previous_version, result, error, device_time, remote_addr, document)"
                           " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                           -1, &st, NULL) != SQLITE_OK)
        goto rollback;
    sqlite3_bind_text(st, 1, r->device_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64) r->seq);
    sqlite3_bind_text(st, 4, r->installed_version, -1, SQLITE_STATIC);
    bind_text_or_null(st, 5, r->previous_version);
    sqlite3_bind_text(st, 6, res, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->time, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, remote, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 10, doc, (int) doc_len, SQLITE_STATIC);
    rc = step_done(st);
    st = NULL;
    if (rc != SQLITE_OK)
        goto rollback;

    if (sqlite3_prepare_v2(d->db,
                           "DELETE FROM reports WHERE device_id=?1 AND id <= (SELECT id FROM"
                           " reports WHERE device_id=?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        goto rollback;
    sqlite3_bind_text(st, 1, r->device_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, OTA_SERVER_REPORTS_PER_DEVICE);
    rc = step_done(st);
    st = NULL;
    if (rc != SQLITE_OK || sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto rollback;
    if (!exists)
        d->count += drop ? 0 : 1;
    result = exists ? SRV_STORE_UPDATED : SRV_STORE_NEW;
    goto out_unlock;
rollback:
    sqlite3_finalize(st);
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
out_unlock:
    pthread_mutex_unlock(&d->lock);
    return result;
}

int64_t
srv_db_count(srv_db *d)
{
    pthread_mutex_lock(&d->lock);
    int64_t n = d->count;
    pthread_mutex_unlock(&d->lock);
    return n;
}

/* ---- registered keys ------------------------------------------------------------ */

/* Upsert one registration and forget a device pinned to another key; in a
 * transaction, under the lock.  *dropped += devices forgotten; -1 on a
 * database error, else whether the id was registered before (1) or not. */
static int
put_key_locked(srv_db *d, const char *device_id, const char *pub, const char *keyid,
               const char *source, const char *now, unsigned *dropped)
{
    char old[16];
    int had = text_row(d->db, "SELECT source FROM device_keys WHERE device_id = ?1", device_id,
                       old, sizeof old);
    if (had != SQLITE_ROW && had != SQLITE_DONE)
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            d->db,
            "INSERT INTO device_keys (device_id, public_key, keyid, source, registered_at)"
            " VALUES (?1,?2,?3,?4,?5) ON CONFLICT(device_id) DO UPDATE SET"
            " registered_at = CASE WHEN public_key = excluded.public_key THEN registered_at"
            " ELSE excluded.registered_at END,"
            " public_key = excluded.public_key, keyid = excluded.keyid, source = excluded.source",
            -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, pub, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, keyid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    if (step_done(st) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(d->db, "DELETE FROM devices WHERE device_id = ?1 AND public_key != ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, pub, -1, SQLITE_STATIC);
    if (step_done(st) != SQLITE_OK)
        return -1;
    *dropped += (unsigned) sqlite3_changes(d->db);
    return had == SQLITE_ROW;
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
    rc = OTA_E_IO;
    pthread_mutex_lock(&d->lock);
    if (sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    int had = text_row(d->db, "SELECT source FROM device_keys WHERE device_id = ?1", device_id,
                       old, sizeof old);
    if (had == SQLITE_ROW && strcmp(source, "file") != 0 && strcmp(old, "file") == 0) {
        rc = OTA_E_EXISTS;
        goto rollback;
    }
    int put = put_key_locked(d, device_id, pub, keyid, source, now, &n);
    if (put < 0 || sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto rollback;
    d->count -= n;
    *created = put == 0;
    *dropped = n > 0;
    rc = OTA_OK;
    goto out;
rollback:
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
out:
    pthread_mutex_unlock(&d->lock);
    return rc;
}

ota_err
srv_db_key_delete(srv_db *d, const char *device_id)
{
    char old[16];
    ota_err rc = OTA_E_IO;
    pthread_mutex_lock(&d->lock);
    int had = text_row(d->db, "SELECT source FROM device_keys WHERE device_id = ?1", device_id,
                       old, sizeof old);
    if (had == SQLITE_DONE)
        rc = OTA_E_NOT_FOUND;
    else if (had == SQLITE_ROW && strcmp(old, "file") == 0)
        rc = OTA_E_EXISTS;
    else if (had == SQLITE_ROW &&
             exec_key(d->db, "DELETE FROM device_keys WHERE device_id = ?1", device_id) >= 0)
        rc = OTA_OK;
    pthread_mutex_unlock(&d->lock);
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
    pthread_mutex_lock(&d->lock);
    /* entries from the previous load that the file no longer has go */
    if (sqlite3_exec(d->db,
                     "BEGIN IMMEDIATE; UPDATE device_keys SET source = 'file-old'"
                     " WHERE source = 'file'",
                     NULL, NULL, NULL) != SQLITE_OK)
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
        uint8_t pk[32];
        size_t pk_len = 0;
        if (text_row(d->db, "SELECT source FROM device_keys WHERE device_id = ?1", id, old,
                     sizeof old) == SQLITE_ROW &&
            strcmp(old, "file") == 0) {
            snprintf(why, why_cap, "%s:%u: device id %s listed twice", path, lineno, id);
            rc = OTA_E_ARG;
            goto rollback;
        }
        if (ota_hex_decode(hex, 64, pk, sizeof pk, &pk_len) != OTA_OK || pk_len != 32 ||
            key_strings(pk, pub, keyid) != OTA_OK ||
            put_key_locked(d, id, pub, keyid, "file", now, &gone) < 0)
            goto rollback;
        n++;
    }
    if (ferror(f)) {
        snprintf(why, why_cap, "%s: read error", path);
        rc = OTA_E_ARG;
        goto rollback;
    }
    int total = 0;
    if (sqlite3_exec(d->db, "DELETE FROM device_keys WHERE source = 'file-old'", NULL, NULL,
                     NULL) != SQLITE_OK ||
        int_query(d->db, "SELECT count(*) FROM devices", &total) != SQLITE_OK ||
        sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto rollback;
    d->count = total;
    *count = n;
    *dropped = gone;
    rc = OTA_OK;
    goto out;
rollback:
    if (rc == OTA_E_IO)
        snprintf(why, why_cap, "%s: database error: %s", path, sqlite3_errmsg(d->db));
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
out:
    pthread_mutex_unlock(&d->lock);
    fclose(f);
    return rc;
}

/* ---- queries ----------------------------------------------------------------- */

static json_t *
col_text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *) sqlite3_column_text(st, i);
    return s ? json_string(s) : json_null();
}

#define DEVICE_COLUMNS                                                                       \
    "device_id, hardware_id, installed_version, previous_version, result, error,"           \
    " device_time, seq, keyid, public_key, first_seen, last_seen, reports, remote_addr,"    \
    " key_conflicts, last_conflict_at, enrolment"

static json_t *
device_row(sqlite3_stmt *st)
{
    static const char *const names[] = {
        "device_id", "hardware_id", "installed_version", "previous_version", "result",
        "error",     "device_time", "seq",               "keyid",            "public_key",
        "first_seen", "last_seen",  "reports",           "remote_addr",      "key_conflicts",
        "last_conflict_at", "enrolment"};
    json_t *o = json_object();
    for (int i = 0; o != NULL && i < (int) (sizeof names / sizeof names[0]); i++) {
        json_t *v = (i == 7 || i == 12 || i == 14) ? json_integer(sqlite3_column_int64(st, i))
                                        : col_text(st, i);
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

ota_err
srv_db_list(srv_db *d, const char *version, const char *hardware, const char *below,
            const char *after, unsigned limit, char **out_json)
{
    ota_err rc = OTA_E_IO;
    sqlite3_stmt *st = NULL;
    json_t *list = json_array(), *next = json_null();
    pthread_mutex_lock(&d->lock);
    if (list == NULL ||
        sqlite3_prepare_v2(d->db,
                           "SELECT " DEVICE_COLUMNS " FROM devices"
                           " WHERE (?1 IS NULL OR installed_version = ?1)"
                           " AND (?2 IS NULL OR hardware_id = ?2)"
                           " AND (?3 IS NULL OR semver_cmp(installed_version, ?3) < 0)"
                           " AND (?4 IS NULL OR device_id > ?4)"
                           " ORDER BY device_id LIMIT ?5",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (version)
        sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    if (hardware)
        sqlite3_bind_text(st, 2, hardware, -1, SQLITE_STATIC);
    if (below)
        sqlite3_bind_text(st, 3, below, -1, SQLITE_STATIC);
    if (after)
        sqlite3_bind_text(st, 4, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, (int) limit + 1);
    unsigned n = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) { /* one more exists: the page ends at the previous one */
            json_t *last = json_array_get(list, limit - 1);
            json_decref(next);
            next = json_incref(json_object_get(last, "device_id"));
            break;
        }
        json_t *row = device_row(st);
        if (row == NULL || json_array_append_new(list, row) != 0) {
            rc = OTA_E_NOMEM;
            goto out;
        }
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        goto out;
    rc = OTA_OK;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&d->lock);
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
    sqlite3_stmt *st = NULL;
    json_t *dev = NULL, *hist = json_array(), *last_doc = json_null();
    pthread_mutex_lock(&d->lock);
    if (hist == NULL ||
        sqlite3_prepare_v2(d->db, "SELECT " DEVICE_COLUMNS " FROM devices WHERE device_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        rc = OTA_E_NOT_FOUND;
        goto out;
    }
    if (s != SQLITE_ROW || (dev = device_row(st)) == NULL)
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT received_at, seq, installed_version, previous_version, result,"
                           " error, device_time, remote_addr, document FROM reports"
                           " WHERE device_id = ?1 ORDER BY id DESC LIMIT 20",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
    bool first = true;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *h = json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "received_at",
                              col_text(st, 0), "seq", (json_int_t) sqlite3_column_int64(st, 1),
                              "installed_version", col_text(st, 2), "previous_version",
                              col_text(st, 3), "result", col_text(st, 4), "error",
                              col_text(st, 5), "device_time", col_text(st, 6), "remote_addr",
                              col_text(st, 7));
        if (h == NULL || json_array_append_new(hist, h) != 0) {
            rc = OTA_E_NOMEM;
            goto out;
        }
        if (first) { /* the latest signed document, as received */
            json_t *doc = json_loadb(sqlite3_column_blob(st, 8),
                                     (size_t) sqlite3_column_bytes(st, 8), 0, NULL);
            if (doc != NULL) {
                json_decref(last_doc);
                last_doc = doc;
            }
            first = false;
        }
    }
    if (s != SQLITE_DONE)
        goto out;
    char reg[65];
    s = text_row(d->db, "SELECT public_key FROM device_keys WHERE device_id = ?1", device_id, reg,
                 sizeof reg);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        goto out;
    if (json_object_set_new(dev, "registered_key", s == SQLITE_ROW ? json_string(reg)
                                                                   : json_null()) != 0 ||
        json_object_set(dev, "history", hist) != 0 ||
        json_object_set(dev, "last_report", last_doc) != 0) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    rc = OTA_OK;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&d->lock);
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
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&d->lock);
    if (sqlite3_prepare_v2(d->db, "DELETE FROM devices WHERE device_id = ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = sqlite3_changes(d->db) > 0 ? OTA_OK : OTA_E_NOT_FOUND;
        if (rc == OTA_OK)
            d->count--;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

ota_err
srv_db_key_get(srv_db *d, const char *device_id, char **out_json)
{
    ota_err rc = OTA_E_IO;
    sqlite3_stmt *st = NULL;
    json_t *o = NULL;
    pthread_mutex_lock(&d->lock);
    if (sqlite3_prepare_v2(d->db,
                           "SELECT public_key, keyid, source, registered_at FROM device_keys"
                           " WHERE device_id = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE) {
            rc = OTA_E_NOT_FOUND;
        } else if (s == SQLITE_ROW) {
            o = json_pack("{s:s, s:o, s:o, s:o, s:o}", "device_id", device_id, "public_key",
                          col_text(st, 0), "keyid", col_text(st, 1), "source", col_text(st, 2),
                          "registered_at", col_text(st, 3));
            rc = o ? OTA_OK : OTA_E_NOMEM;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&d->lock);
    return rc == OTA_OK ? dump(o, out_json) : rc;
}

/* ---- the fleet page ------------------------------------------------------------ */

/* Rows of a two-column (text, count) query as [{key: text, "count": n}]. */
static int
count_rows(sqlite3 *db, const char *sql, unsigned limit, const char *key, json_t *arr,
           int64_t *listed)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_bind_int(st, 1, (int) limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 1);
        json_t *o = json_pack("{s:o, s:I}", key, col_text(st, 0), "count", (json_int_t) n);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        *listed += n;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

ota_err
srv_db_fleet(srv_db *d, unsigned limit, json_t **out)
{
    static const char *const names[] = {"device_id", "hardware_id", "installed_version",
                                        "result",    "error",       "last_seen",
                                        "reports",   "key_conflicts", "failures"};
    ota_err rc = OTA_E_IO;
    sqlite3_stmt *st = NULL;
    json_t *versions = json_array(), *states = json_array(), *list = json_array();
    int total = 0;
    int64_t listed = 0, ignored = 0;
    *out = NULL;
    pthread_mutex_lock(&d->lock);
    if (versions == NULL || states == NULL || list == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    /* one read transaction: the counts and the list agree */
    if (sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    if (int_query(d->db, "SELECT count(*) FROM devices", &total) != SQLITE_OK ||
        count_rows(d->db,
                   "SELECT installed_version, count(*) AS n FROM devices"
                   " GROUP BY installed_version ORDER BY n DESC, installed_version LIMIT ?1",
                   SRV_FLEET_MAX_VERSIONS, "version", versions, &listed) != SQLITE_OK ||
        count_rows(d->db,
                   "SELECT result, count(*) AS n FROM devices GROUP BY result"
                   " ORDER BY n DESC, result LIMIT ?1",
                   16, "state", states, &ignored) != SQLITE_OK)
        goto rollback;
    /* the devices that reported last (last_seen is RFC 3339 UTC: text
     * order is time order); failures counted in the kept history */
    if (sqlite3_prepare_v2(d->db,
                           "SELECT device_id, hardware_id, installed_version, result, error,"
                           " last_seen, reports, key_conflicts,"
                           " (SELECT count(*) FROM reports r WHERE r.device_id = d.device_id"
                           "  AND r.result IN ('failure', 'rollback'))"
                           " FROM devices d ORDER BY last_seen DESC, device_id LIMIT ?1",
                           -1, &st, NULL) != SQLITE_OK)
        goto rollback;
    sqlite3_bind_int(st, 1, (int) limit);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(list, o) != 0) {
            rc = OTA_E_NOMEM;
            goto rollback;
        }
        for (int i = 0; i < (int) (sizeof names / sizeof names[0]); i++) {
            json_t *v = i >= 6 ? json_integer(sqlite3_column_int64(st, i)) : col_text(st, i);
            if (json_object_set_new(o, names[i], v) != 0) {
                rc = OTA_E_NOMEM;
                goto rollback;
            }
        }
    }
    if (s != SQLITE_DONE)
        goto rollback;
    sqlite3_finalize(st);
    st = NULL;
    sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
    *out = json_pack("{s:i, s:O, s:I, s:O, s:O}", "total", total, "versions", versions,
                     "other_versions", (json_int_t) (total - listed), "states", states,
                     "devices", list);
    rc = *out != NULL ? OTA_OK : OTA_E_NOMEM;
    goto out;
rollback:
    sqlite3_finalize(st);
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
out:
    pthread_mutex_unlock(&d->lock);
    json_decref(versions);
    json_decref(states);
    json_decref(list);
    return rc;
}

ota_err
srv_db_count_below(srv_db *d, const char *hardware, const char *version, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    ota_err rc = OTA_E_IO;
    pthread_mutex_lock(&d->lock);
    if (sqlite3_prepare_v2(d->db,
                           "SELECT count(*) FROM devices WHERE hardware_id = ?1"
                           " AND semver_cmp(installed_version, ?2) < 0",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, hardware, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = OTA_OK;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&d->lock);
    return rc;
}
