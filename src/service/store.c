/*
 * service/store.c: the SQLite store of hotmigd (see store.h). Owns the database handle and every
 * prepared statement; nothing else in hotmigd knows SQLite.
 *
 * Invariants:
 *   1. The file is in WAL mode with synchronous=FULL: a committed change survives kill -9 and a
 *      power cut.
 *   2. The schema is the numbered list `migrations` below, applied in order, each in one
 *      transaction with PRAGMA user_version set to its number: a store is never half migrated,
 *      and a newer hotmigd opens an older store by applying what it lacks.
 *   3. Every statement is prepared once, at open, with bound parameters; no SQL is built from
 *      values.
 *   4. One mutex serialises the calls (a prepared statement is not reentrant).
 */
#include "service/store.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

static const char *const migrations[] = {
    /* 1: tasks, events, samples, users */
    "CREATE TABLE task ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, state TEXT NOT NULL,"
    " spec TEXT NOT NULL, src_pw BLOB, tgt_pw BLOB, check_json TEXT, progress TEXT, last_error TEXT,"
    " final TEXT, extra TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    " edited_at INTEGER NOT NULL, start_req_at INTEGER NOT NULL DEFAULT 0,"
    " start_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE event ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, at INTEGER NOT NULL,"
    " kind TEXT NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL, who TEXT NOT NULL, data TEXT);"
    "CREATE INDEX event_task ON event (task_id, seq);"
    "CREATE TABLE sample ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, at INTEGER NOT NULL,"
    " data TEXT NOT NULL);"
    "CREATE INDEX sample_task ON sample (task_id, at);"
    "CREATE TABLE console_user (name TEXT PRIMARY KEY, hash TEXT NOT NULL);",
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

enum {
    Q_TASK_INSERT,
    Q_TASK_UPDATE,
    Q_TASK_DELETE,
    Q_TASK_CHECK_SET,
    Q_TASK_CHECK_GET,
    Q_TASK_DELETE_EVENTS,
    Q_TASK_DELETE_SAMPLES,
    Q_TASK_ALL,
    Q_EVENT_ADD,
    Q_EVENT_LIST,
    Q_SAMPLE_ADD,
    Q_SAMPLE_COUNT,
    Q_SAMPLE_THIN,
    Q_SAMPLE_LIST,
    Q_USER_SET,
    Q_USER_GET,
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_COUNT
};

#define TASK_COLS                                                                                      \
    "name, state, spec, src_pw, tgt_pw, check_json, progress, last_error, final, extra, created_at, " \
    "updated_at, edited_at, start_req_at, start_at"

static const char *const queries[Q_COUNT] = {
    [Q_TASK_INSERT] = "INSERT INTO task (" TASK_COLS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
    /* ?6 (check_json) is bound but not written: hm_store_task_set_check owns that column */
    [Q_TASK_UPDATE] = "UPDATE task SET name=?1, state=?2, spec=?3, src_pw=?4, tgt_pw=?5, "
                      "progress=?7, last_error=?8, final=?9, extra=?10, created_at=?11, updated_at=?12, "
                      "edited_at=?13, start_req_at=?14, start_at=?15 WHERE id=?16",
    [Q_TASK_DELETE] = "DELETE FROM task WHERE id=?1",
    [Q_TASK_CHECK_SET] = "UPDATE task SET check_json=?2 WHERE id=?1",
    [Q_TASK_CHECK_GET] = "SELECT check_json FROM task WHERE id=?1",
    [Q_TASK_DELETE_EVENTS] = "DELETE FROM event WHERE task_id=?1",
    [Q_TASK_DELETE_SAMPLES] = "DELETE FROM sample WHERE task_id=?1",
    [Q_TASK_ALL] = "SELECT " TASK_COLS ", id FROM task ORDER BY id",
    [Q_EVENT_ADD] = "INSERT INTO event (task_id, at, kind, state, message, who, data) VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [Q_EVENT_LIST] = "SELECT seq, task_id, at, kind, state, message, who, data FROM event "
                     "WHERE task_id=?1 AND seq>?2 ORDER BY seq LIMIT ?3",
    [Q_SAMPLE_ADD] = "INSERT INTO sample (task_id, at, data) VALUES (?1,?2,?3)",
    [Q_SAMPLE_COUNT] = "SELECT COUNT(*) FROM sample WHERE task_id=?1",
    /* of the samples older than the newest ?2, every second one goes */
    [Q_SAMPLE_THIN] = "DELETE FROM sample WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
                      "(ORDER BY id) AS n FROM sample WHERE task_id=?1 AND id < (SELECT MIN(id) FROM "
                      "(SELECT id FROM sample WHERE task_id=?1 ORDER BY id DESC LIMIT ?2))) WHERE n % 2 = 0)",
    [Q_SAMPLE_LIST] = "SELECT at, data FROM sample WHERE task_id=?1 AND at>?2 ORDER BY id",
    [Q_USER_SET] = "INSERT INTO console_user (name, hash) VALUES (?1, ?2) "
                   "ON CONFLICT(name) DO UPDATE SET hash=excluded.hash",
    [Q_USER_GET] = "SELECT hash FROM console_user WHERE name=?1",
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
};

struct hm_store {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    pthread_mutex_t mu;
    int version;
};

static hm_code db_fail(hm_store *st, const char *what, hm_err *err)
{
    return hm_err_set(err, HM_EIO, "store: %s: %s; check the data directory's disk and permissions", what,
                      sqlite3_errmsg(st->db));
}

static hm_code exec_sql(hm_store *st, const char *sql, const char *what, hm_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hm_err_set(err, HM_EIO, "store: %s: %s", what, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return HM_EIO;
    }
    return HM_OK;
}

static int read_version(hm_store *st)
{
    sqlite3_stmt *s;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

static hm_code migrate(hm_store *st, hm_err *err)
{
    int v = read_version(st);
    if (v < 0)
        return db_fail(st, "reading the schema version", err);
    if ((size_t)v > N_MIGRATIONS)
        return hm_err_set(err, HM_ESTATE, "store: its schema (version %d) is newer than this hotmigd knows "
                          "(%zu); run the newer hotmigd", v, N_MIGRATIONS);
    for (size_t i = (size_t)v; i < N_MIGRATIONS; i++) {
        char pragma[64];
        hm_code rc = exec_sql(st, "BEGIN IMMEDIATE", "starting a migration", err);
        if (rc != HM_OK)
            return rc;
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %zu", i + 1);
        if ((rc = exec_sql(st, migrations[i], "applying a schema migration", err)) != HM_OK ||
            (rc = exec_sql(st, pragma, "recording the schema version", err)) != HM_OK ||
            (rc = exec_sql(st, "COMMIT", "committing a migration", err)) != HM_OK) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    st->version = (int)N_MIGRATIONS;
    return HM_OK;
}

hm_store *hm_store_open(const char *path, hm_err *err)
{
    hm_store *st = calloc(1, sizeof *st);
    int fd;
    if (!st) {
        hm_err_set(err, HM_ENOMEM, "out of memory opening the store");
        return NULL;
    }
    pthread_mutex_init(&st->mu, NULL);
    /* created 0600 before SQLite opens it (SQLite would use the umask) */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        hm_err_set(err, HM_EIO, "store: cannot create %s; check the data directory's permissions", path);
        goto fail;
    }
    close(fd);
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        hm_err_set(err, HM_EIO, "store: cannot open %s: %s", path, st->db ? sqlite3_errmsg(st->db) : "no memory");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 5000);
    if (exec_sql(st, "PRAGMA journal_mode=WAL", "switching to WAL mode", err) != HM_OK ||
        exec_sql(st, "PRAGMA synchronous=FULL", "setting synchronous", err) != HM_OK ||
        exec_sql(st, "PRAGMA foreign_keys=ON", "setting foreign_keys", err) != HM_OK ||
        migrate(st, err) != HM_OK)
        goto fail;
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT, &st->q[i], NULL) != SQLITE_OK) {
            db_fail(st, "preparing a statement", err);
            goto fail;
        }
    return st;
fail:
    hm_store_close(st);
    return NULL;
}

void hm_store_close(hm_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(st->q[i]);
    if (st->db)
        sqlite3_close(st->db);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

int hm_store_schema_version(hm_store *st)
{
    return st->version;
}

/* Binds a text or NULL. */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_blob(sqlite3_stmt *s, int i, const unsigned char *v, size_t n)
{
    if (v)
        sqlite3_bind_blob(s, i, v, (int)n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_task(sqlite3_stmt *s, const hm_store_task *t)
{
    bind_text(s, 1, t->name);
    bind_text(s, 2, t->state);
    bind_text(s, 3, t->spec);
    bind_blob(s, 4, t->src_pw, t->src_pw_len);
    bind_blob(s, 5, t->tgt_pw, t->tgt_pw_len);
    bind_text(s, 6, t->check);
    bind_text(s, 7, t->progress);
    bind_text(s, 8, t->last_error);
    bind_text(s, 9, t->final);
    bind_text(s, 10, t->extra);
    sqlite3_bind_int64(s, 11, t->created_at);
    sqlite3_bind_int64(s, 12, t->updated_at);
    sqlite3_bind_int64(s, 13, t->edited_at);
    sqlite3_bind_int64(s, 14, t->start_req_at);
    sqlite3_bind_int64(s, 15, t->start_at);
}

/* Steps a statement that returns no row, then resets it. */
static hm_code step_done(hm_store *st, sqlite3_stmt *s, const char *what, hm_err *err)
{
    int rc = sqlite3_step(s);
    hm_code out = HM_OK;
    if (rc == SQLITE_CONSTRAINT)
        out = hm_err_set(err, HM_ECONFLICT, "store: %s: %s", what, sqlite3_errmsg(st->db));
    else if (rc != SQLITE_DONE)
        out = db_fail(st, what, err);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return out;
}

hm_code hm_store_task_insert(hm_store *st, hm_store_task *t, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&st->mu);
    bind_task(st->q[Q_TASK_INSERT], t);
    rc = step_done(st, st->q[Q_TASK_INSERT], "adding a task", err);
    if (rc == HM_OK)
        t->id = sqlite3_last_insert_rowid(st->db);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

hm_code hm_store_task_update(hm_store *st, const hm_store_task *t, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&st->mu);
    bind_task(st->q[Q_TASK_UPDATE], t);
    sqlite3_bind_int64(st->q[Q_TASK_UPDATE], 16, t->id);
    rc = step_done(st, st->q[Q_TASK_UPDATE], "saving a task", err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

hm_code hm_store_task_set_check(hm_store *st, int64_t id, const char *text, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&st->mu);
    sqlite3_bind_int64(st->q[Q_TASK_CHECK_SET], 1, id);
    bind_text(st->q[Q_TASK_CHECK_SET], 2, text);
    rc = step_done(st, st->q[Q_TASK_CHECK_SET], "saving a precheck", err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

hm_code hm_store_task_check(hm_store *st, int64_t id, char **text, hm_err *err)
{
    sqlite3_stmt *s = st->q[Q_TASK_CHECK_GET];
    hm_code out = HM_OK;
    int rc;
    *text = NULL;
    pthread_mutex_lock(&st->mu);
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_text(s, 0)) {
        if (!(*text = strdup((const char *)sqlite3_column_text(s, 0))))
            out = hm_err_set(err, HM_ENOMEM, "out of memory");
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        out = db_fail(st, "reading a precheck", err);
    }
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->mu);
    return out;
}

hm_code hm_store_task_delete(hm_store *st, int64_t id, hm_err *err)
{
    static const int steps[] = {Q_TASK_DELETE_EVENTS, Q_TASK_DELETE_SAMPLES, Q_TASK_DELETE};
    hm_code rc;
    pthread_mutex_lock(&st->mu);
    rc = step_done(st, st->q[Q_BEGIN], "starting a transaction", err);
    for (size_t i = 0; rc == HM_OK && i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_bind_int64(st->q[steps[i]], 1, id);
        rc = step_done(st, st->q[steps[i]], "deleting a task", err);
    }
    if (rc == HM_OK)
        rc = step_done(st, st->q[Q_COMMIT], "committing", err);
    else
        step_done(st, st->q[Q_ROLLBACK], "rolling back", NULL);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

hm_code hm_store_task_each(hm_store *st, int (*fn)(const hm_store_task *t, void *ud), void *ud, hm_err *err)
{
    sqlite3_stmt *s = st->q[Q_TASK_ALL];
    hm_code out = HM_OK;
    int rc;
    pthread_mutex_lock(&st->mu);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        hm_store_task t;
        memset(&t, 0, sizeof t);
        t.name = col_text(s, 0);
        t.state = col_text(s, 1);
        t.spec = col_text(s, 2);
        t.src_pw = sqlite3_column_blob(s, 3);
        t.src_pw_len = (size_t)sqlite3_column_bytes(s, 3);
        t.tgt_pw = sqlite3_column_blob(s, 4);
        t.tgt_pw_len = (size_t)sqlite3_column_bytes(s, 4);
        t.check = col_text(s, 5);
        t.progress = col_text(s, 6);
        t.last_error = col_text(s, 7);
        t.final = col_text(s, 8);
        t.extra = col_text(s, 9);
        t.created_at = sqlite3_column_int64(s, 10);
        t.updated_at = sqlite3_column_int64(s, 11);
        t.edited_at = sqlite3_column_int64(s, 12);
        t.start_req_at = sqlite3_column_int64(s, 13);
        t.start_at = sqlite3_column_int64(s, 14);
        t.id = sqlite3_column_int64(s, 15);
        if (fn(&t, ud) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = db_fail(st, "reading the tasks", err);
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->mu);
    return out;
}

hm_code hm_store_event_add(hm_store *st, const hm_store_event *ev, int64_t *seq, hm_err *err)
{
    sqlite3_stmt *s = st->q[Q_EVENT_ADD];
    hm_code rc;
    pthread_mutex_lock(&st->mu);
    sqlite3_bind_int64(s, 1, ev->task_id);
    sqlite3_bind_int64(s, 2, ev->at);
    bind_text(s, 3, ev->kind);
    bind_text(s, 4, ev->state);
    bind_text(s, 5, ev->message);
    bind_text(s, 6, ev->who ? ev->who : "hotmigd");
    bind_text(s, 7, ev->data);
    rc = step_done(st, s, "adding an event", err);
    if (rc == HM_OK && seq)
        *seq = sqlite3_last_insert_rowid(st->db);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

hm_code hm_store_event_each(hm_store *st, int64_t task_id, int64_t since, unsigned limit,
                            int (*fn)(const hm_store_event *ev, void *ud), void *ud, hm_err *err)
{
    sqlite3_stmt *s = st->q[Q_EVENT_LIST];
    hm_code out = HM_OK;
    int rc;
    pthread_mutex_lock(&st->mu);
    sqlite3_bind_int64(s, 1, task_id);
    sqlite3_bind_int64(s, 2, since);
    sqlite3_bind_int64(s, 3, limit ? (int64_t)limit : -1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        hm_store_event ev = {
            .seq = sqlite3_column_int64(s, 0),
            .task_id = sqlite3_column_int64(s, 1),
            .at = sqlite3_column_int64(s, 2),
            .kind = col_text(s, 3),
            .state = col_text(s, 4),
            .message = col_text(s, 5),
            .who = col_text(s, 6),
            .data = col_text(s, 7),
        };
        if (fn(&ev, ud) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = db_fail(st, "reading events", err);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    pthread_mutex_unlock(&st->mu);
    return out;
}

hm_code hm_store_sample_add(hm_store *st, int64_t task_id, int64_t at, const char *data, unsigned keep,
                            hm_err *err)
{
    sqlite3_stmt *s = st->q[Q_SAMPLE_ADD], *c = st->q[Q_SAMPLE_COUNT];
    int64_t n = 0;
    hm_code rc;
    pthread_mutex_lock(&st->mu);
    sqlite3_bind_int64(s, 1, task_id);
    sqlite3_bind_int64(s, 2, at);
    bind_text(s, 3, data);
    rc = step_done(st, s, "adding a sample", err);
    if (rc == HM_OK && keep > 0) {
        sqlite3_bind_int64(c, 1, task_id);
        if (sqlite3_step(c) == SQLITE_ROW)
            n = sqlite3_column_int64(c, 0);
        sqlite3_reset(c);
        if (n > 2 * (int64_t)keep) {
            sqlite3_bind_int64(st->q[Q_SAMPLE_THIN], 1, task_id);
            sqlite3_bind_int64(st->q[Q_SAMPLE_THIN], 2, keep);
            rc = step_done(st, st->q[Q_SAMPLE_THIN], "thinning samples", err);
        }
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

hm_code hm_store_sample_each(hm_store *st, int64_t task_id, int64_t since,
                             int (*fn)(int64_t at, const char *data, void *ud), void *ud, hm_err *err)
{
    sqlite3_stmt *s = st->q[Q_SAMPLE_LIST];
    hm_code out = HM_OK;
    int rc;
    pthread_mutex_lock(&st->mu);
    sqlite3_bind_int64(s, 1, task_id);
    sqlite3_bind_int64(s, 2, since);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (fn(sqlite3_column_int64(s, 0), col_text(s, 1), ud) != 0)
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = db_fail(st, "reading samples", err);
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->mu);
    return out;
}

hm_code hm_store_user_set(hm_store *st, const char *name, const char *hash, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&st->mu);
    bind_text(st->q[Q_USER_SET], 1, name);
    bind_text(st->q[Q_USER_SET], 2, hash);
    rc = step_done(st, st->q[Q_USER_SET], "saving a user", err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

hm_code hm_store_user_hash(hm_store *st, const char *name, char *hash_out, size_t outsz, hm_err *err)
{
    sqlite3_stmt *s = st->q[Q_USER_GET];
    hm_code out = HM_OK;
    int rc;
    hash_out[0] = '\0';
    pthread_mutex_lock(&st->mu);
    bind_text(s, 1, name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        snprintf(hash_out, outsz, "%s", col_text(s, 0) ? col_text(s, 0) : "");
    else if (rc != SQLITE_DONE)
        out = db_fail(st, "reading a user", err);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    pthread_mutex_unlock(&st->mu);
    return out;
}
