/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db_sqlite.c — the SQLite backend of db.c: one file, WAL journal,
 * synchronous=NORMAL, foreign keys on; one connection behind a mutex
 * (reports are rare next to file requests, and SQLite serialises writers
 * anyway).  The schema version is PRAGMA user_version (what every
 * ota-server since 0.1 reads: an older one refuses a newer file), kept in
 * step with the schema_version table db.c writes.
 *
 * Statements use $1..$n: SQLite takes them as named parameters, bound
 * here by name.
 */
#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define SQ_PREPARED_MAX 64

struct srv_dbconn {
    sqlite3 *db;
    pthread_mutex_t lock; /* the one connection: acquire..release */
    char err[256];        /* a failure that is not the connection's (out of memory) */
    /* statements prepared once (db.c's are a few dozen), reset after use */
    struct {
        char *sql;
        sqlite3_stmt *st;
    } prepared[SQ_PREPARED_MAX];
    unsigned nprepared;
};

/* Schema 1: devices and their reports. */
static const char MIGRATE_1[] =
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

static const char *const migrations[] = {MIGRATE_1, MIGRATE_2, NULL};

static void *
sq_open(const char *target, unsigned conns, char *why, size_t why_cap)
{
    (void) conns; /* one connection: SQLite has one writer at a time */
    struct srv_dbconn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(why, why_cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    int rc = sqlite3_open_v2(target, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX |
                                 SQLITE_OPEN_NOFOLLOW,
                             NULL);
    char mode[16] = "";
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(c->db, 1);
        sqlite3_busy_timeout(c->db, 5000);
        /* WAL: readers never block the writer; NORMAL sync is durable across
         * process crashes, and loses at most the last reports on power loss */
        rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            snprintf(mode, sizeof mode, "%s", (const char *) sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    if (rc == SQLITE_OK && strcmp(mode, "wal") != 0) {
        snprintf(why, why_cap, "%s: cannot switch to WAL journal mode", target);
        goto fail;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL,
                          NULL, NULL);
    if (rc == SQLITE_OK)
        return c;
    snprintf(why, why_cap, "%s: %s", target, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
fail:
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return NULL;
}

static void
sq_close(void *be)
{
    struct srv_dbconn *c = be;
    for (unsigned i = 0; i < c->nprepared; i++) {
        sqlite3_finalize(c->prepared[i].st);
        free(c->prepared[i].sql);
    }
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static srv_dbconn *
sq_acquire(void *be)
{
    struct srv_dbconn *c = be;
    pthread_mutex_lock(&c->lock);
    c->err[0] = '\0';
    return c;
}

static void
sq_release(void *be, srv_dbconn *c)
{
    (void) be;
    pthread_mutex_unlock(&c->lock);
}

static int
bind_params(sqlite3_stmt *st, const srv_dbv *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%u", i + 1);
        int at = sqlite3_bind_parameter_index(st, name), rc = SQLITE_OK;
        if (at == 0)
            continue; /* not used by this statement */
        switch (p[i].kind) {
        case SRV_DBV_NULL: rc = sqlite3_bind_null(st, at); break;
        case SRV_DBV_TEXT: rc = sqlite3_bind_text(st, at, p[i].s, -1, SQLITE_STATIC); break;
        case SRV_DBV_INT: rc = sqlite3_bind_int64(st, at, p[i].i); break;
        case SRV_DBV_BLOB:
            rc = sqlite3_bind_blob64(st, at, p[i].s, p[i].len, SQLITE_STATIC);
            break;
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static srv_dbrc
sq_run(srv_dbconn *c, const char *sql, const srv_dbv *p, unsigned n, srv_dbres *out,
       int64_t *changes)
{
    sqlite3_stmt *st = NULL;
    bool kept = false;
    int rc = SQLITE_OK;
    for (unsigned i = 0; i < c->nprepared && st == NULL; i++)
        if (strcmp(c->prepared[i].sql, sql) == 0)
            st = c->prepared[i].st;
    if (st != NULL) {
        kept = true;
    } else {
        rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        char *copy = rc == SQLITE_OK && c->nprepared < SQ_PREPARED_MAX ? strdup(sql) : NULL;
        if (copy != NULL) {
            c->prepared[c->nprepared].sql = copy;
            c->prepared[c->nprepared++].st = st;
            kept = true;
        }
    }
    if (rc == SQLITE_OK)
        rc = bind_params(st, p, n);
    int cols = st != NULL ? sqlite3_column_count(st) : 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        for (int i = 0; out != NULL && i < cols && rc == SQLITE_OK; i++) {
            const void *v = NULL;
            int type = sqlite3_column_type(st, i); /* before any conversion */
            if (type == SQLITE_BLOB)
                v = sqlite3_column_blob(st, i);
            else if (type != SQLITE_NULL)
                v = sqlite3_column_text(st, i);
            size_t len = (size_t) sqlite3_column_bytes(st, i);
            if (v == NULL && type != SQLITE_NULL)
                v = ""; /* an empty blob */
            if (srv_dbres_put(out, v, len) != OTA_OK) {
                snprintf(c->err, sizeof c->err, "out of memory");
                rc = SQLITE_NOMEM;
            }
        }
    }
    if (rc == SQLITE_DONE && changes != NULL)
        *changes = (int64_t) sqlite3_changes64(c->db);
    if (kept) { /* ready for the next use; the error message stays */
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
    return rc == SQLITE_DONE ? SRV_DB_OK : SRV_DB_FAIL;
}

static srv_dbrc
sq_script(srv_dbconn *c, const char *sql)
{
    return sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SRV_DB_OK : SRV_DB_FAIL;
}

static srv_dbrc
sq_begin_device(srv_dbconn *c, const char *device_id)
{
    (void) device_id; /* one writer at a time already */
    return sq_script(c, "BEGIN IMMEDIATE");
}

static const char *
sq_error(srv_dbconn *c)
{
    return c->err[0] != '\0' ? c->err : sqlite3_errmsg(c->db);
}

const srv_db_backend srv_db_sqlite = {
    .name = "sqlite",
    .shared = false,
    .begin_write = "BEGIN IMMEDIATE",
    .begin_read = "BEGIN",
    .lock_all = NULL,
    .lock_migrate = NULL,
    .count_tables = "SELECT count(*) FROM sqlite_master WHERE name != 'schema_version'",
    .version = "PRAGMA user_version",
    .migrations = migrations,
    .open = sq_open,
    .close = sq_close,
    .acquire = sq_acquire,
    .release = sq_release,
    .run = sq_run,
    .script = sq_script,
    .begin_device = sq_begin_device,
    .error = sq_error,
};
