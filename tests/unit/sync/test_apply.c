/*
 * tests/unit/sync/test_apply.c: the row applier (sync/apply.h) between two live MariaDB servers.
 *
 * Run by run-apply-test.sh, which starts a source and a target and passes their ports in
 * HM_APPLY_SRC_PORT / HM_APPLY_TGT_PORT; without them the test is skipped (exit 77).
 *
 * Every case creates its own schema (ap_*) with the same DDL on both servers, records the source's
 * binlog position, changes rows on the source, then reads the binlog from that position with the
 * hotmig reader and applies each ROWS event with hm_sync_apply_rows() inside BEGIN/COMMIT on a
 * target connection opened with HM_CONN_FOUND_ROWS (sync_from). The data is then compared table by
 * table: CHECKSUM TABLE ... EXTENDED and COUNT(*) on both sides.
 *
 *   test_types       every column type, extremes, NULLs, fractions 0-6, zero dates, BINARY(n) with
 *                    trailing zeros, UUID/INET6, generated and invisible columns; inserts, updates
 *                    (one changes the primary key), deletes; the same on a keyless copy, where
 *                    rows are matched by their whole image, type by type
 *   test_keys        composite primary key with BINARY(n) trailing zeros (batched DELETEs too), a
 *                    NOT NULL UNIQUE key without a PK, a keyless table with duplicate rows (one of
 *                    two goes), ENUM's '' (value 0) written and matched, a long UNIQUE (MariaDB's
 *                    hidden hash column in the binlog), an UPDATE that changes
 *                    nothing on the target (FOUND_ROWS), 5 MB BLOBs (long data), a 1000-row
 *                    INSERT (multi-row batches, in compressed events)
 *   test_divergence  a row deleted on the target then updated / deleted on the source, one missing
 *                    row in a batch of DELETEs, a target column too narrow for the source's value,
 *                    a duplicate in a multi-row INSERT: HM_ETARGET naming the operation and the key
 *   test_minimal     binlog_row_image=MINIMAL on the source: HM_ESOURCE asking for FULL
 *   test_forget      ALTER TABLE ADD COLUMN on both sides: HM_ESTATE until the applier forgets
 *                    the table, then equal data
 *   test_throughput  sysbench oltp_write_only-like transactions (2 UPDATEs, a DELETE and an INSERT
 *                    each; HM_APPLY_BENCH_TRX of them, 50,000 by default), applied 100 to a target
 *                    transaction on the durable target: rows/s printed, not asserted
 *   test_bulk        100,000 rows inserted, updated and deleted by one statement each (events of
 *                    many rows): rows/s printed
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "binlog/event.h"
#include "binlog/inflate.h"
#include "binlog/reader.h"
#include "binlog/tablemap.h"
#include "db/conn.h"
#include "sync/apply.h"
#include "util/buf.h"

static unsigned src_port, tgt_port;
static const char *password;
static uint32_t next_server_id = 9100;
static MYSQL *src, *tgt;          /* plain sessions for the test's own SQL */
static hm_conn apply_conn;        /* the applier's target session */
static hm_sync_applier *applier;
static char keyless_seen[4096]; /* "db.t;" per call of the applier's keyless callback */

static void on_keyless(void *ud, const char *db, const char *table)
{
    size_t n = strlen(keyless_seen);
    (void)ud;
    snprintf(keyless_seen + n, sizeof keyless_seen - n, "%s.%s;", db, table);
}

static MYSQL *connect_raw(unsigned port)
{
    MYSQL *my = mysql_init(NULL);
    unsigned long maxp = 1ul << 30;
    unsigned timeout = 120;
    assert_non_null(my);
    mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(my, MYSQL_OPT_MAX_ALLOWED_PACKET, &maxp);
    mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(my, "127.0.0.1", "root", password, "mysql", port, NULL,
                            CLIENT_MULTI_STATEMENTS))
        fail_msg("connect to %u: %s", port, mysql_error(my));
    return my;
}

static void exec(MYSQL *my, const char *fmt, ...)
{
    static char q[1 << 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q, sizeof q, fmt, ap);
    va_end(ap);
    if (mysql_query(my, q))
        fail_msg("%s: %s", q, mysql_error(my));
    do {
        MYSQL_RES *r = mysql_store_result(my);
        if (r)
            mysql_free_result(r);
    } while (mysql_next_result(my) == 0);
    if (mysql_errno(my))
        fail_msg("%s: %s", q, mysql_error(my));
}

/* The same SQL on both servers (schemas, and rows that exist before the recorded position). */
static void both(const char *sql)
{
    exec(src, "%s", sql);
    exec(tgt, "%s", sql);
}

static void value(MYSQL *my, const char *sql, unsigned col, char *out, size_t n)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    if (mysql_query(my, sql))
        fail_msg("%s: %s", sql, mysql_error(my));
    res = mysql_store_result(my);
    assert_non_null(res);
    row = mysql_fetch_row(res);
    if (!row)
        fail_msg("%s: no row", sql);
    snprintf(out, n, "%s", row[col] ? row[col] : "NULL");
    mysql_free_result(res);
}

/* Asserts that the first value of sql's first row on my is `want`. */
static void assert_value(MYSQL *my, const char *sql, const char *want)
{
    char v[64];
    value(my, sql, 0, v, sizeof v);
    if (strcmp(v, want) != 0)
        fail_msg("%s: %s, not %s", sql, v, want);
}

typedef struct binpos {
    char file[256];
    uint64_t pos;
} binpos;

static binpos source_pos(void)
{
    binpos p;
    char s[32];
    value(src, "SHOW MASTER STATUS", 0, p.file, sizeof p.file);
    value(src, "SHOW MASTER STATUS", 1, s, sizeof s);
    p.pos = strtoull(s, NULL, 10);
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run {
    uint64_t rows_events, compressed, trx, commits;
    double apply_s, commit_s, total_s;
    double cpu_s; /* this process's CPU time (reader, decoder, applier, client library) */
} run;

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Reads the source's binlog from p to its end and applies the ROWS events of the ap_* schemas,
 * `group` source transactions to a target transaction. On failure the target transaction is
 * rolled back and the applier's code returned (err filled). */
static hm_code sync_from(binpos p, unsigned group, run *out, hm_err *err)
{
    MYSQL *my = connect_raw(src_port);
    hm_conn c = {.my = my, .role = "source"};
    hm_binlog_reader_opts o = {p.file, p.pos, next_server_id++, 0, true};
    hm_binlog_reader *r;
    hm_binlog_tables ts;
    hm_binlog_event ev;
    hm_buf scratch;
    hm_err e2;
    run rr = {0};
    bool more = true, in_trx = false;
    unsigned pending = 0;
    hm_code rc = HM_OK;
    double t0 = now_s(), c0 = cpu_now(), t;

    hm_binlog_tables_init(&ts);
    hm_buf_init(&scratch, 1 << 28);
    if (hm_binlog_reader_open(&c, &o, &r, &e2) != HM_OK)
        fail_msg("reader: %s", e2.msg);
    for (;;) {
        if (hm_binlog_reader_next(r, &ev, &more, &e2) != HM_OK)
            fail_msg("reader: %s", e2.msg);
        if (!more)
            break;
        const hm_binlog_fmt *fm = hm_binlog_reader_fmt(r);
        switch (ev.kind) {
        case HM_BINLOG_EV_ROTATE:
            hm_binlog_tables_clear(&ts);
            break;
        case HM_BINLOG_EV_TABLE_MAP: {
            const hm_binlog_table *tm;
            if (hm_binlog_tables_put(&ts, fm, &ev, &tm, &e2) != HM_OK)
                fail_msg("table map: %s", e2.msg);
            break;
        }
        case HM_BINLOG_EV_ROWS: {
            const hm_binlog_table *tm = hm_binlog_tables_get(&ts, ev.u.rows.table_id);
            assert_non_null(tm);
            if (strncmp(tm->db, "ap_", 3) != 0)
                break;
            if (hm_binlog_is_compressed(&ev)) {
                rr.compressed++;
                if (hm_binlog_inflate(fm, &ev, &scratch, &e2) != HM_OK)
                    fail_msg("inflate: %s", e2.msg);
            }
            if (!in_trx) {
                assert_int_equal(hm_conn_exec(&apply_conn, "BEGIN", &e2), HM_OK);
                in_trx = true;
            }
            t = now_s();
            rc = hm_sync_apply_rows(applier, fm, &ev, tm, err);
            rr.apply_s += now_s() - t;
            rr.rows_events++;
            if (rc != HM_OK)
                goto out;
            break;
        }
        case HM_BINLOG_EV_XID:
            rr.trx++;
            if (in_trx && ++pending >= group) {
                t = now_s();
                assert_int_equal(hm_conn_exec(&apply_conn, "COMMIT", &e2), HM_OK);
                rr.commit_s += now_s() - t;
                rr.commits++;
                in_trx = false;
                pending = 0;
            }
            break;
        default:
            break;
        }
    }
out:
    if (in_trx) {
        t = now_s();
        assert_int_equal(hm_conn_exec(&apply_conn, rc == HM_OK ? "COMMIT" : "ROLLBACK", &e2),
                         HM_OK);
        rr.commit_s += now_s() - t;
        rr.commits++;
    }
    rr.total_s = now_s() - t0;
    rr.cpu_s = cpu_now() - c0;
    if (out)
        *out = rr;
    hm_binlog_reader_free(r);
    hm_binlog_tables_release(&ts);
    hm_buf_release(&scratch);
    mysql_close(my);
    return rc;
}

static run sync_ok(binpos p)
{
    hm_err err;
    run r;
    hm_code rc = sync_from(p, 10, &r, &err);
    if (rc != HM_OK)
        fail_msg("apply: %s: %s", hm_code_name(rc), err.msg);
    return r;
}

/* CHECKSUM TABLE ... EXTENDED and COUNT(*) of every table of db, on both sides. Returns the
 * number of rows compared. */
static unsigned long compare_db(const char *db)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    unsigned long rows = 0;
    unsigned ntables = 0;
    char q[512];
    snprintf(q, sizeof q, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
             "TABLE_SCHEMA = '%s' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", db);
    if (mysql_query(src, q))
        fail_msg("%s", mysql_error(src));
    res = mysql_store_result(src);
    assert_non_null(res);
    while ((row = mysql_fetch_row(res)) != NULL) {
        char a[64], b[64];
        snprintf(q, sizeof q, "CHECKSUM TABLE `%s`.`%s` EXTENDED", db, row[0]);
        value(src, q, 1, a, sizeof a);
        value(tgt, q, 1, b, sizeof b);
        if (strcmp(a, b) != 0)
            fail_msg("%s.%s: checksum %s on the source, %s on the target", db, row[0], a, b);
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM `%s`.`%s`", db, row[0]);
        value(src, q, 0, a, sizeof a);
        value(tgt, q, 0, b, sizeof b);
        assert_string_equal(a, b);
        rows += strtoul(a, NULL, 10);
        ntables++;
    }
    mysql_free_result(res);
    assert_true(ntables > 0);
    return rows;
}

/* ---- every type ---- */

static const char types_cols[] =
    "id INT NOT NULL, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, "
    "mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, "
    "de DECIMAL(65,30), dn DECIMAL(10,2) UNSIGNED, f FLOAT, db DOUBLE, "
    "b1 BIT(1), b7 BIT(7), b64 BIT(64), "
    "da DATE, t0 TIME, t1 TIME(1), t3 TIME(3), t6 TIME(6), "
    "dt0 DATETIME, dt2 DATETIME(2), dt5 DATETIME(5), dt6 DATETIME(6), "
    "ts0 TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL, ts4 TIMESTAMP(4) NULL, ts6 TIMESTAMP(6) NULL, "
    "y YEAR, c CHAR(10), vc VARCHAR(300), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1, "
    "bn BINARY(8), vb VARBINARY(50), bl BLOB, mb MEDIUMBLOB, "
    "e ENUM('a','b','c'), st SET('x','y','z'), j JSON, g GEOMETRY, p POINT, u UUID, i6 INET6, "
    "gv BIGINT AS (i + 1) VIRTUAL, gs VARCHAR(310) AS (CONCAT(vc, '!')) STORED, "
    "inv INT INVISIBLE";

static const char types_list[] =
    "id, ti, tu, si, su, mi, mu, i, iu, bi, bu, de, dn, f, db, b1, b7, b64, da, t0, t1, t3, t6, "
    "dt0, dt2, dt5, dt6, ts0, ts3, ts4, ts6, y, c, vc, tx, l1, bn, vb, bl, mb, e, st, j, g, p, u, "
    "i6, inv";

static const char *const types_rows[] = {
    /* the largest values */
    "(1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, "
    "9223372036854775807, 18446744073709551615, "
    "99999999999999999999999999999999999.999999999999999999999999999999, 99999999.99, "
    "3.40282e38, 1.7976931348623157e308, b'1', b'1111111', 0xFFFFFFFFFFFFFFFF, "
    "'9999-12-31', '838:59:59', '838:59:58.9', '-838:59:59.000', '-12:34:56.789012', "
    "'9999-12-31 23:59:59', '9999-12-31 23:59:59.99', '9999-12-31 23:59:59.99999', "
    "'9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.999', "
    "'2038-01-19 03:14:07.9999', '2038-01-19 03:14:07.999999', 2155, 'abc', "
    "'\xf0\x9f\x98\x80 h\xc3\xa9llo \xe2\x82\xac', REPEAT('\xf0\x9f\x8e\x89', 500), "
    "_utf8mb4'caf\xc3\xa9 \xc3\xa0 la cr\xc3\xa8me', X'0102000000000000', X'00FF0000', "
    "X'00010200', REPEAT(X'00', 1000), 'c', 'x,z', "
    "'{\"k\": [1, 2.5, \"x\"], \"e\": \"\xf0\x9f\x98\x80\"}', "
    "ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'), POINT(1.5, -2.5), "
    "'ffffffff-ffff-1fff-bfff-ff0000000000', '2001:db8::', 42)",
    /* the smallest, zero dates, empty strings */
    "(2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, "
    "-99999999999999999999999999999999999.999999999999999999999999999999, 0.00, "
    "-1.17549e-38, -2.2250738585072014e-308, b'0', b'0', 0, "
    "'0000-00-00', '-838:59:59', '-00:00:00.1', '00:00:00.001', '-00:00:00.000001', "
    "'0000-00-00 00:00:00', '0000-00-00 00:00:00.00', '1000-01-01 00:00:00.00001', "
    "'1000-01-01 00:00:00.000001', '0000-00-00 00:00:00', '1970-01-01 00:00:01.001', "
    "'1970-01-01 00:00:01.0001', '1970-01-01 00:00:01.000001', 0, '', '', '', '', "
    "X'00', X'', X'', X'', 'a', '', '[]', ST_GeomFromText('POINT(0 0)'), POINT(0, 0), "
    "'00000000-0000-0000-0000-000000000000', '::', 0)",
    /* NULL everywhere */
    "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL)",
    /* ordinary values, inexact floats */
    "(4, -1, 1, -300, 300, -70000, 70000, 123456, 3000000000, -5000000000, 10000000000000000000, "
    "-0.000000000000000000000000000001, 12.34, 0.1, 0.1, b'1', b'1010101', b'1011', "
    "'2024-02-29', '12:00:00', '-01:02:03.4', '23:59:59.999', '100:00:00.5', "
    "'2024-02-29 12:34:56', '2024-02-29 12:34:56.78', '2024-02-29 12:34:56.78901', "
    "'2024-02-29 12:34:56.789012', '2024-02-29 12:34:56', '2024-02-29 12:34:56.789', "
    "'2024-02-29 12:34:56.7891', '2024-02-29 12:34:56.789012', 1901, 'pad  ', 'trailing  ', "
    "'text', 'na\xc3\xafve', X'41', X'0000', X'FF00FF00', X'DEADBEEF00', 'b', 'y', "
    "'{\"a\": null, \"b\": true}', ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'), "
    "POINT(-0.0, 1e300), '123e4567-e89b-12d3-a456-426614174000', '::ffff:1.2.3.4', -7)",
};

static void make_types(const char *table, bool keyed)
{
    char q[4096];
    snprintf(q, sizeof q, "CREATE TABLE ap_types.%s (%s%s) ENGINE=InnoDB", table, types_cols,
             keyed ? ", PRIMARY KEY (id)" : "");
    both(q);
}

static void change_types(const char *table)
{
    exec(src, "SET SESSION sql_mode = '', time_zone = '+00:00'");
    exec(src, "START TRANSACTION");
    for (size_t i = 0; i < sizeof types_rows / sizeof *types_rows; i++)
        exec(src, "INSERT INTO ap_types.%s (%s) VALUES %s", table, types_list, types_rows[i]);
    /* a multi-row insert: rows 11-14 are copies of 1-4 */
    exec(src, "INSERT INTO ap_types.%s (%s) SELECT id + 10, %s FROM ap_types.%s", table,
         types_list, strchr(types_list, ',') + 2, table);
    exec(src, "COMMIT");
    exec(src, "START TRANSACTION");
    /* every column of one row to another row's values, by a self-join */
    exec(src, "UPDATE ap_types.%s a JOIN ap_types.%s b ON b.id = 2 SET a.ti = b.ti, a.tu = b.tu, "
         "a.si = b.si, a.su = b.su, a.mi = b.mi, a.mu = b.mu, a.i = b.i, a.iu = b.iu, a.bi = b.bi, "
         "a.bu = b.bu, a.de = b.de, a.dn = b.dn, a.f = b.f, a.db = b.db, a.b1 = b.b1, a.b7 = b.b7, "
         "a.b64 = b.b64, a.da = b.da, a.t0 = b.t0, a.t1 = b.t1, a.t3 = b.t3, a.t6 = b.t6, "
         "a.dt0 = b.dt0, a.dt2 = b.dt2, a.dt5 = b.dt5, a.dt6 = b.dt6, a.ts0 = b.ts0, "
         "a.ts3 = b.ts3, a.ts4 = b.ts4, a.ts6 = b.ts6, a.y = b.y, a.c = b.c, a.vc = b.vc, "
         "a.tx = b.tx, a.l1 = b.l1, a.bn = b.bn, a.vb = b.vb, a.bl = b.bl, a.mb = b.mb, a.e = b.e, "
         "a.st = b.st, a.j = b.j, a.g = b.g, a.p = b.p, a.u = b.u, a.i6 = b.i6, a.inv = b.inv "
         "WHERE a.id = 11", table, table);
    exec(src, "UPDATE ap_types.%s SET f = f / 3, db = db / 3, vc = CONCAT(vc, '\xf0\x9f\x98\x81'), "
         "ts6 = '2001-02-03 04:05:06.123456', bn = X'03', j = JSON_ARRAY(1, 'two'), inv = 5 "
         "WHERE id IN (4, 14)", table);
    /* NULL to values and values to NULL */
    exec(src, "UPDATE ap_types.%s SET ti = 1, de = 1.5, da = '2000-01-01', vc = 'was null', "
         "bn = X'00000000000000FF', g = POINT(3, 4) WHERE id = 3", table);
    exec(src, "UPDATE ap_types.%s SET ti = NULL, de = NULL, f = NULL, dt6 = NULL, ts6 = NULL, "
         "vc = NULL, bn = NULL, j = NULL, g = NULL, u = NULL WHERE id = 1", table);
    /* the primary key changes */
    exec(src, "UPDATE ap_types.%s SET id = id + 100 WHERE id IN (2, 12)", table);
    exec(src, "DELETE FROM ap_types.%s WHERE id IN (13, 102)", table);
    exec(src, "COMMIT");
    /* every remaining row is deleted and inserted again from a copy: the whole image of every
     * row of every type goes through a DELETE (a WHERE on each column when keyless) */
    exec(src, "CREATE TEMPORARY TABLE ap_types.tmp_%s AS SELECT %s FROM ap_types.%s", table,
         types_list, table);
    exec(src, "DELETE FROM ap_types.%s WHERE id IN (1, 4, 11)", table);
    exec(src, "INSERT INTO ap_types.%s (%s) SELECT %s FROM ap_types.tmp_%s WHERE id IN (1, 4, 11)",
         table, types_list, types_list, table);
    exec(src, "DROP TEMPORARY TABLE ap_types.tmp_%s", table);
}

static void test_types(void **state)
{
    binpos p;
    hm_sync_apply_stats st0, st1;
    (void)state;
    both("CREATE DATABASE ap_types");
    make_types("t", true);
    make_types("nk", false);
    hm_sync_applier_stats(applier, &st0);
    p = source_pos();
    change_types("t");
    change_types("nk");
    sync_ok(p);
    hm_sync_applier_stats(applier, &st1);
    assert_int_equal(compare_db("ap_types"), 2 * 6);
    assert_true(st1.keyless_rows > st0.keyless_rows);
    /* the keyless table is reported once, the keyed one never */
    assert_non_null(strstr(keyless_seen, "ap_types.nk;"));
    assert_null(strstr(strstr(keyless_seen, "ap_types.nk;") + 1, "ap_types.nk;"));
    assert_null(strstr(keyless_seen, "ap_types.t;"));
    assert_true(st1.rows_updated - st0.rows_updated >= 2 * 7);
    assert_true(st1.rows_deleted - st0.rows_deleted >= 2 * 5);
}

/* ---- keys ---- */

static void test_keys(void **state)
{
    binpos p;
    hm_sync_apply_stats st0, st1;
    (void)state;
    both("CREATE DATABASE ap_keys");
    both("CREATE TABLE ap_keys.bpk (k BINARY(6) NOT NULL, n INT NOT NULL, v VARCHAR(10), "
         "PRIMARY KEY (k, n))");
    both("CREATE TABLE ap_keys.uq (a INT NULL, b VARCHAR(20) NOT NULL, c INT NOT NULL, v INT, "
         "UNIQUE KEY u1 (a), UNIQUE KEY u2 (b, c))");
    both("CREATE TABLE ap_keys.dup (a INT, b VARCHAR(10))");
    both("CREATE TABLE ap_keys.big (id INT PRIMARY KEY, b LONGBLOB)");
    both("CREATE TABLE ap_keys.bignk (b MEDIUMBLOB, n INT)");
    both("CREATE TABLE ap_keys.many (id INT PRIMARY KEY, v VARCHAR(50))");
    both("CREATE TABLE ap_keys.same (id INT PRIMARY KEY, v VARCHAR(10))");
    both("CREATE TABLE ap_keys.en (id INT PRIMARY KEY, e ENUM('a','b'))");
    /* a long UNIQUE: MariaDB adds a hidden hash column that information_schema does not show */
    both("CREATE TABLE ap_keys.lu (id INT PRIMARY KEY, b BLOB, UNIQUE KEY (b))");
    both("CREATE TABLE ap_keys.enk (e ENUM('a','b'), n INT)");
    both("INSERT INTO ap_keys.same VALUES (1, 'old'), (2, 'old')");
    hm_sync_applier_stats(applier, &st0);
    p = source_pos();

    exec(src, "INSERT INTO ap_keys.bpk VALUES (X'01', 1, 'a'), (X'0102', 1, 'b'), "
         "(X'000001', 1, 'c'), (X'00', 1, 'd'), (X'01', 2, 'e')");
    /* (BINARY compares unpadded: the source's WHERE needs all 6 bytes) */
    exec(src, "UPDATE ap_keys.bpk SET v = 'A' WHERE k = X'010000000000' AND n = 1");
    exec(src, "UPDATE ap_keys.bpk SET k = X'0100000000FF' WHERE k = X'000000000000' AND n = 1");
    exec(src, "UPDATE ap_keys.bpk SET n = 3 WHERE k = X'010200000000'");
    exec(src, "DELETE FROM ap_keys.bpk WHERE k = X'000001000000'");
    exec(src, "DELETE FROM ap_keys.bpk WHERE k = X'010000000000' AND n = 2");
    /* a batch of DELETEs on a composite key whose BINARY part lost its trailing zeros */
    exec(src, "INSERT INTO ap_keys.bpk SELECT CONCAT(UNHEX(HEX(seq)), X'00'), seq + 10, 'm' "
         "FROM seq_1_to_50");
    exec(src, "DELETE FROM ap_keys.bpk WHERE n BETWEEN 20 AND 50");

    exec(src, "INSERT INTO ap_keys.uq VALUES (NULL, 'x', 1, 1), (NULL, 'x', 2, 2), (5, 'y', 1, 3)");
    exec(src, "UPDATE ap_keys.uq SET v = 10 WHERE c = 2");
    exec(src, "UPDATE ap_keys.uq SET b = 'z' WHERE a = 5");
    exec(src, "DELETE FROM ap_keys.uq WHERE b = 'x' AND c = 1");

    exec(src, "INSERT INTO ap_keys.dup VALUES (1, 'x'), (1, 'x'), (2, 'y'), (NULL, NULL), "
         "(NULL, NULL)");
    exec(src, "DELETE FROM ap_keys.dup WHERE a = 1 LIMIT 1");
    exec(src, "UPDATE ap_keys.dup SET b = 'z' WHERE a IS NULL LIMIT 1");

    exec(src, "INSERT INTO ap_keys.big VALUES (1, REPEAT('a', 5 * 1024 * 1024)), (2, 'small')");
    exec(src, "UPDATE ap_keys.big SET b = CONCAT(REPEAT('b', 5 * 1024 * 1024), 'end') "
         "WHERE id = 1");
    exec(src, "UPDATE ap_keys.big SET b = REPEAT(X'00', 2 * 1024 * 1024) WHERE id = 2");
    exec(src, "INSERT INTO ap_keys.bignk VALUES (REPEAT('q', 3 * 1024 * 1024), 1), "
         "(REPEAT('q', 3 * 1024 * 1024), 1), (REPEAT('r', 3 * 1024 * 1024), 2)");
    exec(src, "DELETE FROM ap_keys.bignk WHERE n = 1 LIMIT 1");
    exec(src, "UPDATE ap_keys.bignk SET n = 3 WHERE n = 2");

    /* compressed row events (rows of 10 bytes or more), inflated by the loop first */
    exec(src, "SET GLOBAL log_bin_compress = ON, GLOBAL log_bin_compress_min_len = 10");
    exec(src, "INSERT INTO ap_keys.many SELECT seq, CONCAT('row ', seq) FROM seq_1_to_1000");
    exec(src, "SET GLOBAL log_bin_compress = OFF");
    exec(src, "UPDATE ap_keys.many SET v = 'changed' WHERE id %% 100 = 0");
    exec(src, "DELETE FROM ap_keys.many WHERE id > 990");

    /* ENUM's '' (value 0) that a non-strict source stores for a bad label: written and matched */
    exec(src, "SET SESSION sql_mode = ''");
    exec(src, "INSERT INTO ap_keys.en VALUES (1, 'zz'), (2, 'a'), (3, 'zz')");
    exec(src, "UPDATE ap_keys.en SET e = 'zz' WHERE id = 2");
    exec(src, "UPDATE ap_keys.en SET e = 'b' WHERE id = 1");
    exec(src, "INSERT INTO ap_keys.enk VALUES ('zz', 1), ('zz', 2), ('a', 3)");
    exec(src, "INSERT INTO ap_keys.lu VALUES (1, 'one'), (2, 'two'), (3, NULL)");
    exec(src, "UPDATE ap_keys.lu SET b = 'uno' WHERE id = 1");
    exec(src, "DELETE FROM ap_keys.lu WHERE id = 2");
    exec(src, "UPDATE ap_keys.enk SET n = 5 WHERE n = 1");
    exec(src, "DELETE FROM ap_keys.enk WHERE n = 2");

    /* the target already has the new value: the UPDATE matches its row and changes nothing */
    exec(tgt, "UPDATE ap_keys.same SET v = 'new' WHERE id = 1");
    exec(src, "UPDATE ap_keys.same SET v = 'new' WHERE id = 1");

    assert_true(sync_ok(p).compressed > 0);
    hm_sync_applier_stats(applier, &st1);
    compare_db("ap_keys");
    assert_value(tgt, "SELECT COUNT(*) FROM ap_keys.dup WHERE a = 1", "1");
    assert_value(tgt, "SELECT COUNT(*) FROM ap_keys.bignk", "2");
    assert_value(tgt, "SELECT COUNT(*) FROM ap_keys.many", "990");
    assert_value(tgt, "SELECT COUNT(*) FROM ap_keys.bpk", "22");
    assert_value(tgt, "SELECT COUNT(*) FROM ap_keys.en WHERE e = 0", "2");
    assert_value(tgt, "SELECT n FROM ap_keys.enk WHERE e = 0", "5");
    assert_value(tgt, "SELECT COUNT(*) FROM ap_keys.bpk WHERE k = X'0100000000FF' OR v = 'A' OR "
                      "n = 3", "3");
    /* 1000 rows went as multi-row INSERTs: far fewer statements than rows */
    assert_true(st1.rows_inserted - st0.rows_inserted >= 1000);
    assert_true(st1.statements - st0.statements <
                (st1.rows_inserted - st0.rows_inserted) / 2 +
                    (st1.rows_updated - st0.rows_updated) + (st1.rows_deleted - st0.rows_deleted));
    printf("keys: %llu rows inserted, %llu updated, %llu deleted, %llu statements, %llu keyless\n",
           (unsigned long long)(st1.rows_inserted - st0.rows_inserted),
           (unsigned long long)(st1.rows_updated - st0.rows_updated),
           (unsigned long long)(st1.rows_deleted - st0.rows_deleted),
           (unsigned long long)(st1.statements - st0.statements),
           (unsigned long long)(st1.keyless_rows - st0.keyless_rows));
}

/* ---- failures ---- */

static void expect_fail(binpos p, hm_code want, const char *const *parts)
{
    hm_err err;
    hm_code rc = sync_from(p, 10, NULL, &err);
    if (rc != want)
        fail_msg("expected %s, got %s: %s", hm_code_name(want), hm_code_name(rc),
                 rc ? err.msg : "");
    printf("expected failure: %s\n", err.msg);
    for (; *parts; parts++)
        if (!strstr(err.msg, *parts))
            fail_msg("\"%s\" is not in: %s", *parts, err.msg);
}

static void test_divergence(void **state)
{
    binpos p;
    (void)state;
    both("CREATE DATABASE ap_div");
    both("CREATE TABLE ap_div.t (id INT PRIMARY KEY, v INT, name VARCHAR(200))");
    both("CREATE TABLE ap_div.c (a VARCHAR(100) NOT NULL, b BINARY(4) NOT NULL, v INT, "
         "PRIMARY KEY (a, b))");
    both("INSERT INTO ap_div.t SELECT seq, seq, REPEAT('n', 150) FROM seq_1_to_100");
    both("INSERT INTO ap_div.c VALUES (REPEAT('k', 100), X'0A', 1)");

    exec(tgt, "DELETE FROM ap_div.t WHERE id = 42");
    p = source_pos();
    exec(src, "UPDATE ap_div.t SET v = -1 WHERE id = 42");
    expect_fail(p, HM_ETARGET, (const char *const[]){"UPDATE", "`ap_div`.`t`", "`id`=42",
                                                      "diverged", NULL});
    /* the whole row is not in the message, only the key */
    p = source_pos();
    exec(src, "DELETE FROM ap_div.t WHERE id = 42");
    expect_fail(p, HM_ETARGET, (const char *const[]){"DELETE", "`id`=42", NULL});

    /* a long key value is cut; a binary one is shown in hex */
    exec(tgt, "DELETE FROM ap_div.c");
    p = source_pos();
    exec(src, "UPDATE ap_div.c SET v = 2");
    expect_fail(p, HM_ETARGET, (const char *const[]){"UPDATE", "(100 bytes)", "`b`=0x0a000000",
                                                      NULL});

    /* a batch of DELETEs, one row of which the target lacks: it is named, the batch undone */
    exec(tgt, "DELETE FROM ap_div.t WHERE id = 50");
    p = source_pos();
    exec(src, "DELETE FROM ap_div.t WHERE id BETWEEN 30 AND 60");
    expect_fail(p, HM_ETARGET, (const char *const[]){"DELETE", "`id`=50", "diverged", NULL});
    /* 42 and 50 were not there; the others still are */
    assert_value(tgt, "SELECT COUNT(*) FROM ap_div.t WHERE id BETWEEN 30 AND 60", "29");

    /* a target column narrower than the source's: the row fails, nothing is cut */
    exec(src, "CREATE TABLE ap_div.w (id INT PRIMARY KEY, v VARCHAR(10))");
    exec(tgt, "CREATE TABLE ap_div.w (id INT PRIMARY KEY, v VARCHAR(5))");
    p = source_pos();
    exec(src, "INSERT INTO ap_div.w VALUES (1, 'abc'), (2, 'abcdefghij')");
    expect_fail(p, HM_ETARGET, (const char *const[]){"INSERT", "`ap_div`.`w`", "`id`=2",
                                                      "exactly", "Data truncated", NULL});
    p = source_pos();
    exec(src, "INSERT INTO ap_div.w VALUES (3, 'abcdefghij')");
    expect_fail(p, HM_ETARGET, (const char *const[]){"INSERT", "`id`=3", "Data truncated", NULL});

    /* a duplicate in a multi-row INSERT: the row at fault is named */
    exec(tgt, "INSERT INTO ap_div.t VALUES (150, 0, 'target only')");
    p = source_pos();
    exec(src, "INSERT INTO ap_div.t SELECT seq, seq, 'x' FROM seq_101_to_200");
    expect_fail(p, HM_ETARGET, (const char *const[]){"INSERT", "`id`=150", "Duplicate", NULL});
    assert_value(tgt, "SELECT COUNT(*) FROM ap_div.t WHERE id > 100", "1"); /* rolled back */
}

static void test_minimal(void **state)
{
    binpos p;
    (void)state;
    both("CREATE DATABASE ap_min");
    both("CREATE TABLE ap_min.t (id INT PRIMARY KEY, a INT, b INT)");
    both("INSERT INTO ap_min.t VALUES (1, 1, 1), (2, 2, 2)");
    p = source_pos();
    exec(src, "SET SESSION binlog_row_image = MINIMAL");
    exec(src, "UPDATE ap_min.t SET a = 5 WHERE id = 1");
    exec(src, "SET SESSION binlog_row_image = FULL");
    expect_fail(p, HM_ESOURCE, (const char *const[]){"binlog_row_image=FULL", "`ap_min`.`t`",
                                                      NULL});
    p = source_pos();
    exec(src, "SET SESSION binlog_row_image = MINIMAL");
    exec(src, "DELETE FROM ap_min.t WHERE id = 2");
    exec(src, "SET SESSION binlog_row_image = FULL");
    expect_fail(p, HM_ESOURCE, (const char *const[]){"binlog_row_image=FULL", NULL});
}

static void test_forget(void **state)
{
    binpos p;
    (void)state;
    both("CREATE DATABASE ap_ddl");
    both("CREATE TABLE ap_ddl.t (id INT PRIMARY KEY, a INT)");
    p = source_pos();
    exec(src, "INSERT INTO ap_ddl.t VALUES (1, 1), (2, 2)");
    sync_ok(p); /* the applier now has the two-column definition */
    both("ALTER TABLE ap_ddl.t ADD COLUMN b VARCHAR(10) DEFAULT 'd' AFTER id");
    p = source_pos();
    exec(src, "INSERT INTO ap_ddl.t VALUES (3, 'three', 3)");
    exec(src, "UPDATE ap_ddl.t SET b = 'one' WHERE id = 1");
    expect_fail(p, HM_ESTATE, (const char *const[]){"`ap_ddl`.`t`", "has not followed", NULL});
    hm_sync_applier_forget(applier, "ap_ddl", "t");
    sync_ok(p);
    assert_int_equal(compare_db("ap_ddl"), 3);
}

/* ---- throughput ---- */

#define BENCH_TABLE_ROWS 10000
#define BENCH_TRX 50000

static void test_throughput(void **state)
{
    binpos p;
    run r;
    hm_err err;
    hm_code rc;
    hm_sync_apply_stats st0, st1;
    double t0;
    const char *ntrx_env = getenv("HM_APPLY_BENCH_TRX");
    unsigned ntrx = ntrx_env ? (unsigned)strtoul(ntrx_env, NULL, 10) : BENCH_TRX;
    (void)state;
    both("CREATE DATABASE ap_bench");
    both("CREATE TABLE ap_bench.sbtest (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, "
         "c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), "
         "KEY k_1 (k))");
    both("INSERT INTO ap_bench.sbtest SELECT seq, seq % 1000, "
         "CONCAT('c', seq, REPEAT('-0123456789', 10)), CONCAT('p', seq, REPEAT('x', 50)) "
         "FROM seq_1_to_10000");
    exec(src, "CREATE PROCEDURE ap_bench.oltp_write_only(n INT) BEGIN "
              "DECLARE i INT DEFAULT 0; DECLARE x INT; "
              "WHILE i < n DO "
              "START TRANSACTION; "
              "UPDATE ap_bench.sbtest SET k = k + 1 WHERE id = 1 + (i * 7919) %% 10000; "
              "UPDATE ap_bench.sbtest SET c = CONCAT('u', i, REPEAT('-9876543210', 10)) "
              "WHERE id = 1 + (i * 104729) %% 10000; "
              "SET x = 1 + (i * 15485863) %% 10000; "
              "DELETE FROM ap_bench.sbtest WHERE id = x; "
              "INSERT INTO ap_bench.sbtest VALUES (x, i %% 1000, CONCAT('i', i, "
              "REPEAT('-0123456789', 10)), CONCAT('p', i, REPEAT('y', 50))); "
              "COMMIT; SET i = i + 1; "
              "END WHILE; END");
    /* the source need not be durable to produce the binlog; the target stays durable */
    exec(src, "SET GLOBAL sync_binlog = 0, GLOBAL innodb_flush_log_at_trx_commit = 0");
    p = source_pos();
    t0 = now_s();
    exec(src, "CALL ap_bench.oltp_write_only(%u)", ntrx);
    printf("throughput: %u source transactions written in %.1f s\n", ntrx, now_s() - t0);
    exec(src, "SET GLOBAL sync_binlog = 1, GLOBAL innodb_flush_log_at_trx_commit = 1");

    hm_sync_applier_stats(applier, &st0);
    rc = sync_from(p, 100, &r, &err);
    if (rc != HM_OK)
        fail_msg("apply: %s", err.msg);
    hm_sync_applier_stats(applier, &st1);
    {
        uint64_t rows = (st1.rows_inserted - st0.rows_inserted) +
                        (st1.rows_updated - st0.rows_updated) +
                        (st1.rows_deleted - st0.rows_deleted);
        assert_int_equal(rows, 4ull * ntrx);
        printf("throughput: %llu row changes in %llu source transactions (%llu target commits): "
               "applier %.0f rows/s (%.2f s in apply, %.2f s in COMMIT); whole loop with the "
               "reader %.0f rows/s, %.0f source transactions/s (%.2f s, %.2f s of CPU here)\n",
               (unsigned long long)rows, (unsigned long long)r.trx,
               (unsigned long long)r.commits, (double)rows / (r.apply_s + r.commit_s), r.apply_s,
               r.commit_s, (double)rows / r.total_s, (double)r.trx / r.total_s, r.total_s, r.cpu_s);
    }
    assert_int_equal(compare_db("ap_bench"), BENCH_TABLE_ROWS);
}

/* Multi-row events: 100,000 rows inserted by INSERT ... SELECT (events of many rows), updated and
 * deleted by one statement each; rows/s per kind printed. */
static void bulk_step(const char *what, const char *sql, uint64_t want)
{
    hm_sync_apply_stats st0, st1;
    binpos p = source_pos();
    run r;
    hm_err err;
    exec(src, "%s", sql);
    hm_sync_applier_stats(applier, &st0);
    if (sync_from(p, 1, &r, &err) != HM_OK)
        fail_msg("apply: %s", err.msg);
    hm_sync_applier_stats(applier, &st1);
    uint64_t rows = (st1.rows_inserted - st0.rows_inserted) +
                    (st1.rows_updated - st0.rows_updated) + (st1.rows_deleted - st0.rows_deleted);
    assert_int_equal(rows, want);
    printf("bulk %s: %llu rows in %llu events, %llu statements: applier %.0f rows/s (%.2f s in "
           "apply, %.2f s in COMMIT)\n", what, (unsigned long long)rows,
           (unsigned long long)r.rows_events, (unsigned long long)(st1.statements - st0.statements),
           (double)rows / (r.apply_s + r.commit_s), r.apply_s, r.commit_s);
}

static void test_bulk(void **state)
{
    (void)state;
    both("CREATE DATABASE ap_bulk");
    both("CREATE TABLE ap_bulk.t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(100))");
    bulk_step("INSERT", "INSERT INTO ap_bulk.t SELECT seq, seq, REPEAT('b', 80) FROM "
              "seq_1_to_100000", 100000);
    bulk_step("UPDATE", "UPDATE ap_bulk.t SET a = a + 1", 100000);
    assert_int_equal(compare_db("ap_bulk"), 100000);
    bulk_step("DELETE", "DELETE FROM ap_bulk.t", 100000);
}

static int setup(void **state)
{
    hm_endpoint ep = {"127.0.0.1", tgt_port, "root", password};
    hm_err err;
    (void)state;
    src = connect_raw(src_port);
    tgt = connect_raw(tgt_port);
    if (hm_conn_open(&apply_conn, &ep, "target", HM_CONN_FOUND_ROWS, &err) != HM_OK)
        fail_msg("%s", err.msg);
    applier = hm_sync_applier_new(&apply_conn, &err);
    assert_non_null(applier);
    hm_sync_applier_on_keyless(applier, on_keyless, NULL);
    for (const char *const *d = (const char *const[]){"ap_types", "ap_keys", "ap_div", "ap_min",
                                                       "ap_ddl", "ap_bench", "ap_bulk", NULL};
         *d; d++) {
        char q[128];
        snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s", *d);
        both(q);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hm_sync_applier_free(applier);
    hm_conn_close(&apply_conn);
    mysql_close(src);
    mysql_close(tgt);
    return 0;
}

int main(int argc, char **argv)
{
    const char *sp = getenv("HM_APPLY_SRC_PORT"), *tp = getenv("HM_APPLY_TGT_PORT");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),      cmocka_unit_test(test_keys),
        cmocka_unit_test(test_divergence), cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_forget),     cmocka_unit_test(test_throughput),
        cmocka_unit_test(test_bulk),
    };
    if (!sp || !tp) {
        fprintf(stderr, "HM_APPLY_SRC_PORT / HM_APPLY_TGT_PORT not set: skipped\n");
        return 77;
    }
    src_port = (unsigned)atoi(sp);
    tgt_port = (unsigned)atoi(tp);
    password = getenv("HM_TEST_PASSWORD") ? getenv("HM_TEST_PASSWORD") : "hm-test-pw";
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return cmocka_run_group_tests(tests, setup, teardown);
}
