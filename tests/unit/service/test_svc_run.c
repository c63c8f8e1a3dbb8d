/*
 * tests/unit/service/test_svc_run.c: the service core driving the engine against real MariaDB
 * servers (run-svc-test.sh starts a source and three targets). Through hm_svc_* only; the
 * servers are read with Connector/C to check what they hold.
 *
 * Cases, in order (they share the servers):
 *   queue        three full-mode tasks started together, max_copying 1: their copy intervals
 *                (read from the events) never overlap and follow the order start was asked in
 *   start_at     a task scheduled 5 s ahead does not start before, and starts within 2 s after
 *   lifecycle    a FAILED precheck item (binlog_row_image=MINIMAL) refuses start, naming it;
 *                fixed, checked, started, syncing under writes, finish: finished, the final
 *                position reported, CHECKSUM TABLE equal on every table
 *   terminate    mid-copy: terminated within 5 s; retry resumes (chunks skipped > 0), equal
 *   clean        clean-target drops exactly that task's objects and hotmig_meta rows
 *   restart      close and reopen mid-copy and mid-sync: the task goes on, equal, no duplicate
 * and after all: no password in the store file.
 */
#include <mysql.h>
#include <pthread.h>
#include <stdbool.h>

#include "svc_test.h"

static unsigned src_port, t1_port, t2_port, t3_port;
static const char *pw;
static char data_dir[256];
static hm_svc *svc;

/* ---- servers ---- */

static MYSQL *db_open(unsigned port)
{
    MYSQL *m = mysql_init(NULL);
    if (!mysql_real_connect(m, "127.0.0.1", "root", pw, "mysql", port, NULL, 0))
        fail_msg("connect to %u: %s", port, mysql_error(m));
    return m;
}

static void db_exec(unsigned port, const char *sql)
{
    MYSQL *m = db_open(port);
    if (mysql_query(m, sql) != 0)
        fail_msg("on %u: %s: %s", port, sql, mysql_error(m));
    mysql_close(m);
}

/* The first column of the first row ("" when no row, "NULL" for NULL); out is static. */
static const char *db_value(unsigned port, const char *sql)
{
    static char out[4][512];
    static int k;
    MYSQL *m = db_open(port);
    MYSQL_RES *r;
    MYSQL_ROW row;
    char *o = out[k++ % 4];
    o[0] = '\0';
    if (mysql_query(m, sql) != 0)
        fail_msg("on %u: %s: %s", port, sql, mysql_error(m));
    r = mysql_store_result(m);
    if (r && (row = mysql_fetch_row(r)))
        snprintf(o, 512, "%s", row[0] ? row[0] : "NULL");
    if (r)
        mysql_free_result(r);
    mysql_close(m);
    return o;
}

/* CHECKSUM TABLE of db.t on a server (-1 when the table is missing). */
static long long checksum(unsigned port, const char *db, const char *t)
{
    char q[300];
    const char *v;
    snprintf(q, sizeof q, "CHECKSUM TABLE `%s`.`%s`", db, t);
    {
        MYSQL *m = db_open(port);
        MYSQL_RES *r;
        MYSQL_ROW row;
        long long c = -1;
        if (mysql_query(m, q) == 0 && (r = mysql_store_result(m))) {
            if ((row = mysql_fetch_row(r)) && row[1])
                c = atoll(row[1]);
            mysql_free_result(r);
        }
        mysql_close(m);
        (void)v;
        return c;
    }
}

static void assert_equal_tables(unsigned tgt, const char *db, const char *const *tables)
{
    for (size_t i = 0; tables[i]; i++) {
        long long a = checksum(src_port, db, tables[i]), b = checksum(tgt, db, tables[i]);
        if (a < 0 || a != b)
            fail_msg("%s.%s: source checksum %lld, target %lld", db, tables[i], a, b);
    }
}

static void uri(char *out, size_t outsz, unsigned port)
{
    snprintf(out, outsz, "mysql://root:%s@127.0.0.1:%u", pw, port);
}

/* Creates a task: name, db to include, target port, mode, extra JSON fields ("" or ",..."). */
static int64_t create(const char *name, const char *db, unsigned tgt, const char *mode, const char *extra)
{
    char body[2048], s[256], t[256];
    uri(s, sizeof s, src_port);
    uri(t, sizeof t, tgt);
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"source\":\"%s\",\"target\":\"%s\",\"include\":[\"%s\"],"
             "\"mode\":\"%s\",\"threads\":2%s}", name, s, t, db, mode, extra);
    return tst_create(svc, body);
}

static void check_ok(int64_t id)
{
    json_t *out = NULL;
    hm_svc_err err;
    if (hm_svc_task_check(svc, id, "token", &out, &err) != HM_SVC_OK)
        fail_msg("check: %s", err.message);
    json_decref(out);
    tst_wait_state(svc, id, "checked", 60);
}

static void start(int64_t id)
{
    hm_svc_err err;
    if (tst_action(svc, id, "start", NULL, &err) != HM_SVC_OK)
        fail_msg("start %lld: %s", (long long)id, err.message);
}

static json_t *events(int64_t id)
{
    json_t *out = NULL;
    hm_svc_err err;
    assert_int_equal(hm_svc_task_events(svc, id, 0, &out, &err), HM_SVC_OK);
    return out;
}

/* The task's copy interval from its state events: entering copying .. leaving it. */
static void copy_interval(int64_t id, int64_t *from, int64_t *to)
{
    json_t *ev = events(id), *e;
    size_t i;
    *from = *to = 0;
    json_array_foreach(json_object_get(ev, "events"), i, e) {
        json_t *d = json_object_get(e, "data");
        if (strcmp(json_string_value(json_object_get(e, "kind")), "state") != 0 || !d)
            continue;
        if (strcmp(json_string_value(json_object_get(d, "to")), "copying") == 0)
            *from = json_integer_value(json_object_get(e, "at_ms"));
        if (strcmp(json_string_value(json_object_get(d, "from")), "copying") == 0)
            *to = json_integer_value(json_object_get(e, "at_ms"));
    }
    json_decref(ev);
}

/* chunks_skipped of the task's last "copy done" event (-1 when none). */
static json_int_t last_chunks_skipped(int64_t id)
{
    json_t *ev = events(id), *e;
    size_t i;
    json_int_t skipped = -1;
    json_array_foreach(json_object_get(ev, "events"), i, e) {
        json_t *d = json_object_get(json_object_get(e, "data"), "chunks_skipped");
        if (d) {
            skipped = json_integer_value(d);
            print_message("%s\n", json_string_value(json_object_get(e, "message")));
        }
    }
    json_decref(ev);
    return skipped;
}

static json_int_t progress_int(int64_t id, const char *key)
{
    json_t *t = tst_get(svc, id);
    json_int_t v = json_integer_value(json_object_get(json_object_get(t, "progress"), key));
    json_decref(t);
    return v;
}

/* Waits until the task has copied at least rows (progress). */
static void wait_rows(int64_t id, json_int_t rows, double timeout_s)
{
    double end = tst_now() + timeout_s;
    while (progress_int(id, "rows_copied") < rows) {
        if (tst_now() > end)
            fail_msg("task %lld copied fewer than %lld rows in %.0f s", (long long)id, (long long)rows, timeout_s);
        usleep(50 * 1000);
    }
}

static void make_table(const char *db, const char *t, unsigned rows)
{
    char q[512];
    snprintf(q, sizeof q, "CREATE DATABASE IF NOT EXISTS `%s`", db);
    db_exec(src_port, q);
    snprintf(q, sizeof q, "CREATE TABLE `%s`.`%s` (id INT PRIMARY KEY, v BIGINT NOT NULL, pad VARCHAR(100))", db, t);
    db_exec(src_port, q);
    snprintf(q, sizeof q, "INSERT INTO `%s`.`%s` SELECT seq, seq * 7, REPEAT('x', seq %% 100) FROM seq_1_to_%u", db, t,
             rows);
    db_exec(src_port, q);
}

/* ---- cases ---- */

static void test_queue(void **state)
{
    int64_t id[3], from[3], to[3];
    static const char *const tb[] = {"t", NULL};
    (void)state;
    make_table("q1", "t", 3000);
    make_table("q2", "t", 3000);
    make_table("q3", "t", 3000);
    /* a throttle makes each copy last about a second, so that overlaps would show */
    id[0] = create("queue-1", "q1", t1_port, "full", ",\"max_rows_per_sec\":3000,\"chunk_rows\":500");
    id[1] = create("queue-2", "q2", t1_port, "full", ",\"max_rows_per_sec\":3000,\"chunk_rows\":500");
    id[2] = create("queue-3", "q3", t1_port, "full", ",\"max_rows_per_sec\":3000,\"chunk_rows\":500");
    for (int i = 0; i < 3; i++)
        check_ok(id[i]);
    /* started in the order 2, 1, 3 */
    start(id[1]);
    usleep(20 * 1000);
    start(id[0]);
    usleep(20 * 1000);
    start(id[2]);
    for (int i = 0; i < 3; i++)
        tst_wait_state(svc, id[i], "finished", 120);
    for (int i = 0; i < 3; i++) {
        copy_interval(id[i], &from[i], &to[i]);
        assert_true(from[i] > 0 && to[i] >= from[i]);
        print_message("queue-%d copied %lld .. %lld (%.2f s)\n", i + 1, (long long)from[i], (long long)to[i],
                      (to[i] - from[i]) / 1000.0);
    }
    /* queue order: 2, 1, 3; and no overlap */
    assert_true(to[1] <= from[0]);
    assert_true(to[0] <= from[2]);
    assert_equal_tables(t1_port, "q1", tb);
    assert_equal_tables(t1_port, "q2", tb);
    assert_equal_tables(t1_port, "q3", tb);
}

static void test_start_at(void **state)
{
    int64_t id, from, to, at_ms;
    char extra[160], when[64];
    json_t *t;
    (void)state;
    make_table("q4", "t", 2000);
    id = create("scheduled", "q4", t2_port, "full", "");
    check_ok(id);
    at_ms = (int64_t)(tst_now() * 1000) + 5000;
    {
        time_t s = (time_t)(at_ms / 1000);
        struct tm tm;
        gmtime_r(&s, &tm);
        snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(at_ms % 1000));
    }
    snprintf(extra, sizeof extra, "{\"at\":\"%s\"}", when);
    {
        hm_svc_err err;
        if (tst_action(svc, id, "start", json_loads(extra, 0, NULL), &err) != HM_SVC_OK)
            fail_msg("start: %s", err.message);
    }
    t = tst_get(svc, id);
    assert_string_equal(json_string_value(json_object_get(t, "start_at")), when);
    json_decref(t);
    usleep(3000 * 1000);
    {
        char *s = tst_state(svc, id);
        assert_string_equal(s, "queued");
        free(s);
    }
    tst_wait_state(svc, id, "finished", 60);
    copy_interval(id, &from, &to);
    print_message("scheduled at %lld, copy began %lld (+%.2f s)\n", (long long)at_ms, (long long)from,
                  (from - at_ms) / 1000.0);
    assert_true(from >= at_ms);
    assert_true(from - at_ms <= 2000);
}

/* Writes on the source while a flag is up: inserts, updates, deletes on shop.orders. */
static volatile int writing;
static void *writer(void *arg)
{
    MYSQL *m = db_open(src_port);
    unsigned n = 0;
    (void)arg;
    while (writing) {
        char q[256];
        n++;
        snprintf(q, sizeof q, "INSERT INTO shop.orders VALUES (%u, %u, 'new')", 100000 + n, n);
        if (mysql_query(m, q) != 0)
            break;
        snprintf(q, sizeof q, "UPDATE shop.orders SET amount = amount + 1, note = 'upd' WHERE id = %u", 1 + n % 5000);
        mysql_query(m, q);
        snprintf(q, sizeof q, "DELETE FROM shop.items WHERE id = %u", 1 + (n * 13) % 3000);
        mysql_query(m, q);
        snprintf(q, sizeof q, "UPDATE shop.log SET n = n + 1 WHERE msg = 'm%u'", n % 50);
        mysql_query(m, q);
        usleep(2000);
    }
    mysql_close(m);
    return (void *)(uintptr_t)n;
}

static void test_lifecycle(void **state)
{
    static const char *const tb[] = {"orders", "items", "log", NULL};
    hm_svc_err err;
    json_t *out = NULL, *t;
    pthread_t th;
    int64_t id;
    (void)state;
    db_exec(src_port, "CREATE DATABASE shop");
    db_exec(src_port, "CREATE TABLE shop.orders (id INT PRIMARY KEY, amount INT NOT NULL, note VARCHAR(20))");
    db_exec(src_port, "INSERT INTO shop.orders SELECT seq, seq, 'x' FROM seq_1_to_5000");
    db_exec(src_port, "CREATE TABLE shop.items (id INT PRIMARY KEY, order_id INT, name VARCHAR(30))");
    db_exec(src_port, "INSERT INTO shop.items SELECT seq, seq % 5000 + 1, CONCAT('item', seq) FROM seq_1_to_3000");
    db_exec(src_port, "CREATE TABLE shop.log (msg VARCHAR(20) NOT NULL, n INT NOT NULL)"); /* no key */
    db_exec(src_port, "INSERT INTO shop.log SELECT CONCAT('m', seq), 0 FROM seq_0_to_49");
    db_exec(src_port, "SET GLOBAL binlog_row_image = 'MINIMAL'");
    id = create("shop", "shop", t2_port, "full+incremental", "");
    check_ok(id);
    assert_int_equal(hm_svc_task_check_get(svc, id, &out, &err), HM_SVC_OK);
    assert_string_equal(json_string_value(json_object_get(out, "result")), "failed");
    json_decref(out);
    assert_int_equal(tst_action(svc, id, "start", NULL, &err), HM_SVC_ECONFLICT);
    assert_string_equal(err.code, "check_failed");
    assert_non_null(strstr(err.message, "source.binlog_row_image"));
    db_exec(src_port, "SET GLOBAL binlog_row_image = 'FULL'");
    check_ok(id);
    t = tst_get(svc, id);
    assert_string_not_equal(json_string_value(json_object_get(json_object_get(t, "check"), "result")), "failed");
    json_decref(t);
    start(id);
    writing = 1;
    pthread_create(&th, NULL, writer, NULL);
    tst_wait_state(svc, id, "syncing", 60);
    usleep(1500 * 1000);
    writing = 0;
    {
        void *n;
        pthread_join(th, &n);
        print_message("writer: %lu rounds of insert+update+delete\n", (unsigned long)(uintptr_t)n);
        assert_true((uintptr_t)n > 10);
    }
    assert_int_equal(tst_action(svc, id, "finish", json_pack("{s:b}", "lock_source", 0), &err), HM_SVC_OK);
    tst_wait_state(svc, id, "finished", 60);
    t = tst_get(svc, id);
    {
        json_t *fin = json_object_get(t, "final");
        assert_non_null(json_string_value(json_object_get(fin, "file")));
        assert_true(strlen(json_string_value(json_object_get(fin, "file"))) > 0);
        assert_true(json_integer_value(json_object_get(fin, "pos")) > 4);
        assert_true(json_integer_value(json_object_get(fin, "trx_applied")) > 0);
        print_message("finished at %s:%lld, %lld trx applied\n", json_string_value(json_object_get(fin, "file")),
                      (long long)json_integer_value(json_object_get(fin, "pos")),
                      (long long)json_integer_value(json_object_get(fin, "trx_applied")));
    }
    json_decref(t);
    assert_equal_tables(t2_port, "shop", tb);
    /* progress samples were kept, of the copy and of the sync */
    assert_int_equal(hm_svc_task_samples(svc, id, 0, &out, &err), HM_SVC_OK);
    {
        size_t i, ncopy = 0, nsync = 0;
        json_t *sm;
        json_array_foreach(json_object_get(out, "samples"), i, sm) {
            const char *st = json_string_value(json_object_get(sm, "stage"));
            ncopy += st && strcmp(st, "copy") == 0;
            nsync += st && strcmp(st, "sync") == 0 && json_object_get(sm, "lag_s");
        }
        print_message("samples: %zu of the copy, %zu of the sync\n", ncopy, nsync);
        assert_true(ncopy >= 1 && nsync >= 1);
    }
    json_decref(out);
    /* the tables' states are known */
    assert_int_equal(hm_svc_task_tables(svc, id, &out, &err), HM_SVC_OK);
    assert_int_equal(json_array_size(json_object_get(out, "tables")), 3);
    {
        size_t i;
        json_t *tab;
        json_array_foreach(json_object_get(out, "tables"), i, tab) {
            if (strcmp(json_string_value(json_object_get(tab, "table")), "orders") != 0)
                continue;
            assert_string_equal(json_string_value(json_object_get(tab, "state")), "copied");
            assert_true(json_integer_value(json_object_get(tab, "rows_copied")) >= 5000); /* + early writes */
            assert_true(json_is_integer(json_object_get(tab, "rows_estimated"))); /* 0 until InnoDB samples */
        }
    }
    json_decref(out);
    /* the keyless table was named as slow in a warning */
    {
        json_t *ev = events(id), *e;
        size_t i;
        bool warned = false;
        json_array_foreach(json_object_get(ev, "events"), i, e)
            warned |= strcmp(json_string_value(json_object_get(e, "kind")), "warning") == 0 &&
                      strstr(json_string_value(json_object_get(e, "message")), "shop.log") != NULL;
        assert_true(warned);
        json_decref(ev);
    }
}

static void test_terminate_retry(void **state)
{
    static const char *const tb[] = {"t", NULL};
    hm_svc_err err;
    int64_t id;
    double t0;
    (void)state;
    make_table("big", "t", 30000);
    id = create("big", "big", t1_port, "full", ",\"max_rows_per_sec\":8000,\"chunk_rows\":1000");
    check_ok(id);
    start(id);
    tst_wait_state(svc, id, "copying", 30);
    wait_rows(id, 6000, 30);
    t0 = tst_now();
    assert_int_equal(tst_action(svc, id, "terminate", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "terminated", 5);
    print_message("terminated in %.2f s\n", tst_now() - t0);
    assert_true(tst_now() - t0 < 5.0);
    assert_int_equal(tst_action(svc, id, "retry", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "finished", 60);
    assert_true(last_chunks_skipped(id) > 0);
    assert_equal_tables(t1_port, "big", tb);
}

static void test_clean_target(void **state)
{
    hm_svc_err err;
    int64_t id;
    (void)state;
    make_table("cl", "a", 20000);
    make_table("cl", "b", 100);
    db_exec(src_port, "CREATE VIEW cl.v AS SELECT id FROM cl.b");
    db_exec(t1_port, "CREATE DATABASE keepme");
    db_exec(t1_port, "CREATE TABLE keepme.k (id INT PRIMARY KEY)");
    id = create("cl", "cl", t1_port, "full", ",\"max_rows_per_sec\":5000,\"chunk_rows\":1000");
    check_ok(id);
    start(id);
    tst_wait_state(svc, id, "copying", 30);
    wait_rows(id, 2000, 30);
    assert_int_equal(tst_action(svc, id, "terminate", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "terminated", 5);
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) > 0 FROM information_schema.TABLES WHERE TABLE_SCHEMA='cl'"),
                        "1");
    assert_int_equal(tst_action(svc, id, "clean-target", json_pack("{s:s}", "confirm", "wrong"), &err),
                     HM_SVC_EBADINPUT);
    assert_int_equal(tst_action(svc, id, "clean-target", NULL, &err), HM_SVC_EBADINPUT);
    assert_int_equal(tst_action(svc, id, "clean-target", json_pack("{s:s}", "confirm", "cl"), &err), HM_SVC_OK);
    /* that task's objects and rows are gone; nothing else */
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='cl'"),
                        "0");
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) FROM hotmig_meta.copy_run"), "0");
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) FROM hotmig_meta.copy_chunk"), "0");
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='keepme'"),
                        "1");
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) FROM big.t"), "30000");
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) FROM q1.t"), "3000");
    assert_string_equal(db_value(t1_port, "SELECT COUNT(*) FROM q3.t"), "3000");
    /* and the task can run again from scratch */
    assert_int_equal(tst_action(svc, id, "retry", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "finished", 60);
    {
        static const char *const tb[] = {"a", "b", NULL};
        assert_equal_tables(t1_port, "cl", tb);
    }
}

/* The precheck runs again when a task leaves the queue: a server changed meanwhile fails it, the
 * items named; fixed, retry goes on. */
static void test_dequeue_precheck(void **state)
{
    static const char *const tb[] = {"t", NULL};
    hm_svc_err err;
    json_t *t, *le;
    int64_t id;
    (void)state;
    make_table("dq", "t", 1000);
    id = create("dequeue", "dq", t3_port, "full+incremental", "");
    check_ok(id);
    t = tst_get(svc, id);
    assert_string_not_equal(json_string_value(json_object_get(json_object_get(t, "check"), "result")), "failed");
    json_decref(t);
    db_exec(src_port, "SET GLOBAL binlog_row_image = 'MINIMAL'");
    start(id);
    tst_wait_state(svc, id, "failed", 30);
    t = tst_get(svc, id);
    le = json_object_get(t, "last_error");
    print_message("failed at dequeue: %s / %s: %s\n", json_string_value(json_object_get(le, "stage")),
                  json_string_value(json_object_get(le, "code")), json_string_value(json_object_get(le, "message")));
    assert_string_equal(json_string_value(json_object_get(le, "stage")), "precheck");
    assert_string_equal(json_string_value(json_object_get(le, "code")), "HM_ESOURCE");
    assert_non_null(strstr(json_string_value(json_object_get(le, "message")), "source.binlog_row_image"));
    assert_non_null(json_string_value(json_object_get(le, "what_to_do")));
    json_decref(t);
    /* nothing was written to the target */
    assert_string_equal(db_value(t3_port, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='dq'"),
                        "0");
    db_exec(src_port, "SET GLOBAL binlog_row_image = 'FULL'");
    assert_int_equal(tst_action(svc, id, "retry", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "syncing", 60);
    assert_int_equal(tst_action(svc, id, "finish", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "finished", 60);
    assert_equal_tables(t3_port, "dq", tb);
}

static void test_restart(void **state)
{
    static const char *const tb[] = {"t", "u", NULL};
    hm_svc_err err;
    int64_t id;
    pthread_t th;
    (void)state;
    make_table("rs", "t", 30000);
    make_table("rs", "u", 500);
    id = create("restart", "rs", t3_port, "full+incremental", ",\"max_rows_per_sec\":8000,\"chunk_rows\":1000");
    check_ok(id);
    start(id);
    tst_wait_state(svc, id, "copying", 30);
    wait_rows(id, 8000, 30);
    /* mid-copy: the daemon goes away and comes back */
    hm_svc_close(svc);
    {
        char *s;
        svc = tst_open(data_dir, 1);
        s = tst_state(svc, id);
        assert_string_equal(s, "copying");
        free(s);
    }
    tst_wait_state(svc, id, "syncing", 60);
    /* an incremental copy recopies a table it had not finished whole: only finished ones skip */
    assert_true(last_chunks_skipped(id) > 0);
    /* mid-sync, with writes on both sides of the restart */
    db_exec(src_port, "CREATE TABLE shop.orders_bk LIKE shop.orders"); /* not selected: ignored */
    db_exec(src_port, "UPDATE rs.t SET v = v + 1 WHERE id <= 2000");
    db_exec(src_port, "INSERT INTO rs.u SELECT seq + 1000, seq, 'late' FROM seq_1_to_300");
    usleep(1500 * 1000);
    hm_svc_close(svc);
    db_exec(src_port, "DELETE FROM rs.u WHERE id <= 100");
    db_exec(src_port, "UPDATE rs.t SET pad = 'after' WHERE id BETWEEN 5000 AND 5500");
    svc = tst_open(data_dir, 1);
    tst_wait_state(svc, id, "syncing", 30);
    (void)th;
    /* the source drops the task's binlog connection: it reconnects, and says so in its events */
    {
        double end = tst_now() + 30;
        bool said = false;
        while (progress_int(id, "reconnects") < 1) {
            db_exec(src_port, "BEGIN NOT ATOMIC FOR d IN (SELECT ID FROM information_schema.PROCESSLIST "
                              "WHERE COMMAND LIKE 'Binlog Dump%') DO KILL CONNECTION d.ID; END FOR; END");
            if (tst_now() > end)
                fail_msg("the task did not report a reconnect in 30 s");
            usleep(500 * 1000);
        }
        db_exec(src_port, "UPDATE rs.u SET pad = 'after the reconnect' WHERE id > 1000");
        json_t *ev = events(id), *e;
        size_t i;
        json_array_foreach(json_object_get(ev, "events"), i, e) said |=
            strcmp(json_string_value(json_object_get(e, "kind")), "reconnect") == 0;
        json_decref(ev);
        assert_true(said);
    }
    assert_int_equal(tst_action(svc, id, "finish", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "finished", 60);
    assert_equal_tables(t3_port, "rs", tb);
    assert_string_equal(db_value(t3_port, "SELECT COUNT(*) FROM rs.u"), db_value(src_port, "SELECT COUNT(*) FROM rs.u"));
    assert_string_equal(db_value(t3_port, "SELECT COUNT(*) FROM rs.t"), "30000");
}

/* A second full+incremental task on a target whose hotmig_meta holds a finished sync (shop's):
 * it syncs from its own snapshot. While it syncs (no copy slot held), a full task copies. */
static void test_second_task_same_target(void **state)
{
    static const char *const tb[] = {"t", NULL};
    hm_svc_err err;
    int64_t id, other, third;
    double t0;
    char *s;
    (void)state;
    make_table("s2", "t", 1000);
    make_table("q5", "t", 1000);
    id = create("second", "s2", t2_port, "full+incremental", "");
    check_ok(id);
    start(id);
    tst_wait_state(svc, id, "syncing", 60);
    db_exec(src_port, "INSERT INTO s2.t VALUES (5001, 1, 'after the copy')");
    db_exec(src_port, "UPDATE s2.t SET v = 0 WHERE id <= 10");
    other = create("while-syncing", "q5", t1_port, "full", "");
    check_ok(other);
    start(other);
    tst_wait_state(svc, other, "finished", 60);
    s = tst_state(svc, id);
    assert_string_equal(s, "syncing"); /* max_copying 1, yet the other task copied meanwhile */
    free(s);
    /* a second syncing task from the same source, on its own replica server_id */
    make_table("s3", "t", 1000);
    third = create("third", "s3", t3_port, "full+incremental", "");
    check_ok(third);
    start(third);
    tst_wait_state(svc, third, "syncing", 60);
    db_exec(src_port, "INSERT INTO s3.t VALUES (5001, 1, 'both syncing')");
    db_exec(src_port, "INSERT INTO s2.t VALUES (5002, 1, 'both syncing')");
    /* terminate while syncing: stopped within 5 s, the checkpoint kept; retry goes on */
    t0 = tst_now();
    assert_int_equal(tst_action(svc, id, "terminate", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "terminated", 5);
    print_message("terminated while syncing in %.2f s\n", tst_now() - t0);
    db_exec(src_port, "DELETE FROM s2.t WHERE id = 5001");
    assert_int_equal(tst_action(svc, id, "retry", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "syncing", 60);
    usleep(1000 * 1000);
    assert_int_equal(tst_action(svc, id, "finish", NULL, &err), HM_SVC_OK);
    assert_int_equal(tst_action(svc, third, "finish", NULL, &err), HM_SVC_OK);
    tst_wait_state(svc, id, "finished", 60);
    tst_wait_state(svc, third, "finished", 60);
    assert_equal_tables(t2_port, "s2", tb);
    assert_string_equal(db_value(t2_port, "SELECT COUNT(*) FROM s2.t"), "1001");
    assert_equal_tables(t3_port, "s3", tb);
    assert_string_equal(db_value(t3_port, "SELECT COUNT(*) FROM s3.t"), "1001");
    assert_equal_tables(t1_port, "q5", tb);
    /* two replicas of one source at once: neither was thrown off by the other */
    assert_int_equal(progress_int(third, "reconnects"), 0);
}

static void test_servers_before_a_task(void **state)
{
    char u[256];
    json_t *b, *out = NULL, *d, *tb;
    hm_svc_err err;
    size_t i, j;
    bool found = false;
    (void)state;
    db_exec(src_port, "CREATE TABLE shop.lines (id INT PRIMARY KEY, order_id INT, FOREIGN KEY (order_id) "
                      "REFERENCES shop.orders (id))");
    db_exec(src_port, "CREATE TABLE shop.nokey (a INT)");
    uri(u, sizeof u, src_port);
    b = json_pack("{s:s}", "uri", u);
    assert_int_equal(hm_svc_connection_test(svc, b, &out, &err), HM_SVC_OK);
    assert_true(json_is_true(json_object_get(out, "ok")));
    assert_non_null(strstr(json_string_value(json_object_get(out, "version")), "MariaDB"));
    json_decref(out);
    json_decref(b);
    snprintf(u, sizeof u, "mysql://root@127.0.0.1:%u", src_port);
    b = json_pack("{s:s, s:s}", "uri", u, "password", "wrong-pw-123");
    assert_int_equal(hm_svc_connection_test(svc, b, &out, &err), HM_SVC_OK);
    assert_false(json_is_true(json_object_get(out, "ok")));
    {
        char *txt = json_dumps(out, 0);
        assert_null(strstr(txt, "wrong-pw-123"));
        print_message("bad password: %s\n", json_string_value(json_object_get(out, "message")));
        free(txt);
    }
    json_decref(out);
    json_decref(b);
    b = json_pack("{s:i}", "task", 1);
    assert_int_equal(hm_svc_catalog(svc, b, &out, &err), HM_SVC_OK);
    json_decref(b);
    json_array_foreach(json_object_get(out, "databases"), i, d) {
        if (strcmp(json_string_value(json_object_get(d, "name")), "shop") != 0)
            continue;
        json_array_foreach(json_object_get(d, "tables"), j, tb) {
            const char *n = json_string_value(json_object_get(tb, "name"));
            if (strcmp(n, "lines") == 0) {
                assert_string_equal(json_string_value(json_array_get(json_object_get(tb, "fk_parents"), 0)),
                                    "shop.orders");
                assert_true(json_is_true(json_object_get(tb, "has_key")));
                assert_string_equal(json_string_value(json_object_get(tb, "engine")), "InnoDB");
                found = true;
            }
            if (strcmp(n, "nokey") == 0)
                assert_false(json_is_true(json_object_get(tb, "has_key")));
        }
    }
    assert_true(found);
    json_decref(out);
    b = json_pack("{s:s}", "uri", "http://nope");
    assert_int_equal(hm_svc_catalog(svc, b, &out, &err), HM_SVC_EBADINPUT);
    assert_string_equal(err.code, "bad_uri");
    json_decref(b);
}

static void test_no_password_at_rest(void **state)
{
    char path[400];
    json_t *out = NULL;
    hm_svc_err err;
    char *txt;
    (void)state;
    assert_int_equal(hm_svc_task_list(svc, NULL, &out, &err), HM_SVC_OK);
    txt = json_dumps(out, JSON_COMPACT);
    assert_null(strstr(txt, pw));
    free(txt);
    json_decref(out);
    for (int64_t id = 1; id <= 10; id++) {
        if (hm_svc_task_events(svc, id, 0, &out, &err) != HM_SVC_OK)
            continue;
        txt = json_dumps(out, JSON_COMPACT);
        assert_null(strstr(txt, pw));
        free(txt);
        json_decref(out);
    }
    hm_svc_close(svc);
    svc = NULL;
    snprintf(path, sizeof path, "%s/hotmigd.db", data_dir);
    assert_true(tst_file_has(path, "shop"));
    assert_false(tst_file_has(path, pw));
    snprintf(path, sizeof path, "%s/hotmigd.db-wal", data_dir);
    assert_false(tst_file_has(path, pw));
}

int main(void)
{
    const char *s = getenv("HM_SVC_SRC_PORT");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue),
        cmocka_unit_test(test_start_at),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_terminate_retry),
        cmocka_unit_test(test_clean_target),
        cmocka_unit_test(test_dequeue_precheck),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_second_task_same_target),
        cmocka_unit_test(test_servers_before_a_task),
        cmocka_unit_test(test_no_password_at_rest),
    };
    int rc;
    if (!s) {
        fprintf(stderr, "run through run-svc-test.sh (needs HM_SVC_*_PORT)\n");
        return 77;
    }
    src_port = (unsigned)atoi(s);
    t1_port = (unsigned)atoi(getenv("HM_SVC_T1_PORT"));
    t2_port = (unsigned)atoi(getenv("HM_SVC_T2_PORT"));
    t3_port = (unsigned)atoi(getenv("HM_SVC_T3_PORT"));
    pw = getenv("HM_TEST_PASSWORD") ? getenv("HM_TEST_PASSWORD") : "hm-test-pw";
    {
        char tmpl[] = "/tmp/hm-svc-run-XXXXXX";
        if (!mkdtemp(tmpl))
            return 1;
        snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
    }
    svc = tst_open(data_dir, 1);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (svc)
        hm_svc_close(svc);
    return rc;
}
