/*
 * tests/unit/sync/test_partial.c: MySQL partial JSON updates (PARTIAL_UPDATE_ROWS,
 * binlog_row_value_options=PARTIAL_JSON) applied by the row applier (sync/apply.h) to a live
 * MariaDB target, with JSON_REPLACE / JSON_INSERT / JSON_ARRAY_INSERT / JSON_REMOVE.
 *
 * Run by run-apply-test.sh (the target's port in HM_APPLY_TGT_PORT; skipped without it).
 *
 *   test_built      events built byte by byte as MySQL 8 writes them (the layout of the corpus's
 *                   rmc-json.binlog.000001: a minimal before image with the key, an after image
 *                   with value_options, the partial-JSON bitmap and the diffs): replace, insert,
 *                   array insert, remove, nested paths, quoted member names with blanks, quotes
 *                   and a would-be SQL injection, a whole document beside diffs, a plain column
 *                   changed with them, several diffs on one column applied in order. Each row's
 *                   document on the target must equal (JSON_EQUALS) the full after image MySQL
 *                   computes; the changes go in the same transaction as a WRITE_ROWS event: a
 *                   rollback undoes both, a commit keeps both. A diff for a row the target lacks
 *                   is a divergence (HM_ETARGET).
 *   test_corpus     the real file rmc-json.binlog.000001 (MySQL 8.0.22): its WRITE_ROWS, full
 *                   UPDATE_ROWS and PARTIAL_UPDATE_ROWS events replayed into a table with the
 *                   same definition (generated name and age columns): every document ends as the
 *                   source left it, checked against the age MySQL logged in the generated column
 *                   of each after image.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../binlog/evbuild.h"
#include "binlog/event.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "db/conn.h"
#include "sync/apply.h"
#include "util/buf.h"

static unsigned tgt_port;
static const char *password, *corpus_dir;
static MYSQL *tgt;
static hm_conn conn;
static hm_sync_applier *ap;
static uint8_t evb[1 << 16];

static void exec(MYSQL *my, const char *q)
{
    if (mysql_query(my, q))
        fail_msg("%s: %s", q, mysql_error(my));
    MYSQL_RES *r = mysql_store_result(my);
    if (r)
        mysql_free_result(r);
}

static void value(const char *q, char *out, size_t n)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    if (mysql_query(tgt, q))
        fail_msg("%s: %s", q, mysql_error(tgt));
    res = mysql_store_result(tgt);
    assert_non_null(res);
    row = mysql_fetch_row(res);
    if (!row)
        fail_msg("%s: no row", q);
    snprintf(out, n, "%s", row[0] ? row[0] : "NULL");
    mysql_free_result(res);
}

static void assert_value(const char *q, const char *want)
{
    char v[4096];
    value(q, v, sizeof v);
    if (strcmp(v, want) != 0)
        fail_msg("%s: [%s], not [%s]", q, v, want);
}

/* ---- events as MySQL 8.0 writes them ---- */

static void mysql8_fmt(hm_binlog_fmt *fmt)
{
    static const uint8_t ph[41] = {56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 98, 0, 4, 26,
                                   8,  0,  0, 0, 8, 8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0,
                                   18, 52, 0, 10, 0, 0};
    eb e;
    char v[50] = "8.0.36";
    hm_binlog_event ev;
    hm_err err;
    size_t n;
    eb_reset(&e);
    eb_le(&e, 4, 2);
    eb_bytes(&e, v, 50);
    eb_le(&e, 1700000000, 4);
    eb_u8(&e, 19);
    eb_bytes(&e, ph, sizeof ph);
    eb_u8(&e, 1);
    n = eb_event(evb, HM_BINLOG_T_FORMAT_DESCRIPTION, &e, 4, 1, 0);
    hm_binlog_fmt_init(fmt);
    assert_int_equal(hm_binlog_event_decode(fmt, evb, n, 4, &ev, &err), HM_OK);
}

/* TABLE_MAP of db.name (id INT, doc JSON, note VARCHAR(20), age INT), table id tid. */
static const hm_binlog_table *table_map(const hm_binlog_fmt *fmt, hm_binlog_tables *ts,
                                        const char *db, const char *name, uint64_t tid)
{
    eb e;
    hm_binlog_event ev;
    const hm_binlog_table *t;
    hm_err err;
    size_t n;
    eb_reset(&e);
    eb_le(&e, tid, 6);
    eb_le(&e, 1, 2);
    eb_u8(&e, (unsigned)strlen(db)); eb_str(&e, db); eb_u8(&e, 0);
    eb_u8(&e, (unsigned)strlen(name)); eb_str(&e, name); eb_u8(&e, 0);
    eb_lenenc(&e, 4);
    eb_u8(&e, HM_COL_LONG); eb_u8(&e, HM_COL_JSON); eb_u8(&e, HM_COL_VARCHAR); eb_u8(&e, HM_COL_LONG);
    eb_lenenc(&e, 3);
    eb_u8(&e, 4); eb_le(&e, 80, 2);           /* JSON: 4 length bytes; VARCHAR(20) utf8mb4 */
    eb_u8(&e, 0x0e);                          /* doc, note, age nullable */
    n = eb_event(evb, HM_BINLOG_T_TABLE_MAP, &e, 500, 1, 0);
    assert_int_equal(hm_binlog_event_decode((hm_binlog_fmt *)fmt, evb, n, 500, &ev, &err), HM_OK);
    if (hm_binlog_tables_put(ts, fmt, &ev, &t, &err) != HM_OK)
        fail_msg("%s", err.msg);
    return t;
}

/* Binary JSON values (MySQL's format, json.h), enough for the diffs below. */
static void j_int16(eb *e, int v) { eb_u8(e, 0x05); eb_le(e, (uint64_t)(uint16_t)v, 2); }
static void j_str(eb *e, const char *s) { eb_u8(e, 0x0c); eb_u8(e, (unsigned)strlen(s)); eb_str(e, s); }
static void j_lit(eb *e, unsigned v) { eb_u8(e, 0x04); eb_u8(e, v); } /* 0 null, 1 true, 2 false */
static void j_obj_k1(eb *e) /* {"k": 1}: count 1, size 12, key entry, value entry, key */
{
    static const uint8_t o[] = {0x00, 1, 0, 12, 0, 11, 0, 1, 0, 0x05, 1, 0, 'k'};
    eb_bytes(e, o, sizeof o);
}

typedef void (*jval_fn)(eb *);

/* One diff: operation, path, value (NULL for REMOVE), into e. */
static void diff(eb *e, unsigned op, const char *path, void (*val)(eb *, const void *),
                 const void *arg)
{
    eb v;
    eb_u8(e, op);
    eb_lenenc(e, strlen(path));
    eb_str(e, path);
    if (op == 2)
        return;
    eb_reset(&v);
    val(&v, arg);
    eb_lenenc(e, v.n);
    eb_bytes(e, v.b, v.n);
}

static void v_int(eb *e, const void *a) { j_int16(e, *(const int *)a); }
static void v_str(eb *e, const void *a) { j_str(e, a); }
static void v_lit(eb *e, const void *a) { j_lit(e, *(const unsigned *)a); }
static void v_obj(eb *e, const void *a) { (void)a; j_obj_k1(e); }

/* A row of a PARTIAL_UPDATE_ROWS event: before image (id), after image (doc as diffs or whole,
 * note, age), appended to rows. doc: the diffs (partial) or a binary document (!partial). */
static void partial_row(eb *rows, int id, const eb *doc, bool partial, const char *note, int age)
{
    eb_u8(rows, 0x00);                 /* before: NULL bitmap of 1 column */
    eb_le(rows, (uint64_t)id, 4);
    eb_lenenc(rows, 1);                /* value_options: PARTIAL_JSON_UPDATES */
    eb_u8(rows, partial ? 1 : 0);      /* one bit per JSON column */
    eb_u8(rows, note ? 0x00 : 0x02);   /* after: NULL bitmap of doc, note, age */
    eb_le(rows, doc->n, 4);
    eb_bytes(rows, doc->b, doc->n);
    if (note) {
        eb_u8(rows, (unsigned)strlen(note));
        eb_str(rows, note);
    }
    eb_le(rows, (uint64_t)age, 4);
}

static size_t rows_event(unsigned type, uint64_t tid, const uint8_t *bi, const uint8_t *ai,
                         const eb *rows)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, tid, 6);
    eb_le(&e, 1, 2);                   /* STMT_END_F */
    eb_le(&e, 2, 2);                   /* no extra data */
    eb_lenenc(&e, 4);
    eb_u8(&e, bi[0]);
    if (ai)
        eb_u8(&e, ai[0]);
    eb_bytes(&e, rows->b, rows->n);
    return eb_event(evb, type, &e, 1000, 1, 0);
}

static hm_code apply(const hm_binlog_fmt *fmt, const hm_binlog_table *t, size_t n, hm_err *err)
{
    hm_binlog_event ev;
    hm_binlog_fmt f = *fmt;
    if (hm_binlog_event_decode(&f, evb, n, 1000, &ev, err) != HM_OK)
        fail_msg("%s", err->msg);
    return hm_sync_apply_rows(ap, &f, &ev, t, err);
}

/* A PARTIAL_UPDATE_ROWS of one row (key id) with one REPLACE at path fails with code and a
 * message holding frag; the transaction is rolled back. */
static void one_diff_fails(const hm_binlog_fmt *fmt, const hm_binlog_table *t, int id,
                           const char *path, hm_code code, const char *frag)
{
    static const uint8_t bi_key[1] = {0x01}, ai_rest[1] = {0x0e};
    eb rows, d;
    hm_err err;
    int v = 26;
    size_t n;
    eb_reset(&rows);
    eb_reset(&d);
    diff(&d, 0, path, v_int, &v);
    partial_row(&rows, id, &d, true, "x", 9);
    n = rows_event(HM_BINLOG_T_PARTIAL_UPDATE_ROWS, 77, bi_key, ai_rest, &rows);
    exec(conn.my, "BEGIN");
    assert_int_equal(apply(fmt, t, n, &err), code);
    if (!strstr(err.msg, frag))
        fail_msg("[%s] lacks [%s]", err.msg, frag);
    exec(conn.my, "ROLLBACK");
}

static void test_built(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_tables ts;
    const hm_binlog_table *t;
    eb rows, d;
    hm_err err;
    size_t n;
    int i26 = 26, i9 = 9, i7 = 7;
    unsigned lnull = 0, ltrue = 1;
    static const uint8_t bi_key[1] = {0x01}, ai_rest[1] = {0x0e}, all[1] = {0x0f};
    (void)state;
    exec(tgt, "DROP DATABASE IF EXISTS hm_pj");
    exec(tgt, "CREATE DATABASE hm_pj");
    exec(tgt, "CREATE TABLE hm_pj.t (id INT PRIMARY KEY, doc JSON, note VARCHAR(20), age INT)");
    exec(tgt, "INSERT INTO hm_pj.t VALUES "
              "(1, '{\"a\": 1, \"b\": [1, 2, 3], \"c d\": \"x\", \"q\\\\\"k\": true, "
              "\"n\": {\"m\": 5}}', 'one', 1),"
              "(2, '{\"a\": 1, \"s\": [\"u\", \"v\"]}', 'two', 2),"
              "(3, '{\"old\": 1}', 'three', 3)");
    mysql8_fmt(&fmt);
    hm_binlog_tables_init(&ts);
    t = table_map(&fmt, &ts, "hm_pj", "t", 77);

    /* row 1: six diffs on doc, in order; row 2: two diffs on one path plus a plain column and
     * a member name that would end an SQL string; row 3: a whole document (partial bit clear) */
    eb_reset(&rows);
    eb_reset(&d);
    diff(&d, 0, "$.a", v_int, &i26);
    diff(&d, 1, "$.e", v_str, "x y");
    diff(&d, 2, "$.\"c d\"", NULL, NULL);
    diff(&d, 1, "$.b[1]", v_int, &i9);
    diff(&d, 0, "$.\"q\\\"k\"", v_lit, &lnull);
    diff(&d, 0, "$.n.m", v_obj, NULL);
    partial_row(&rows, 1, &d, true, "one", 1);
    eb_reset(&d);
    diff(&d, 0, "$.a", v_lit, &ltrue);
    diff(&d, 0, "$.a", v_int, &i7);
    diff(&d, 1, "$.\"x'); DROP TABLE hm_pj.t; -- \"", v_str, "inj");
    diff(&d, 2, "$.s[0]", NULL, NULL);
    partial_row(&rows, 2, &d, true, "deux", 2);
    eb_reset(&d);
    j_obj_k1(&d);
    partial_row(&rows, 3, &d, false, NULL, 3);

    /* a WRITE_ROWS of the same transaction */
    {
        eb w;
        eb_reset(&w);
        eb_reset(&d);
        j_obj_k1(&d);
        eb_u8(&w, 0x00);
        eb_le(&w, 4, 4);
        eb_le(&w, d.n, 4);
        eb_bytes(&w, d.b, d.n);
        eb_u8(&w, 4); eb_str(&w, "four");
        eb_le(&w, 4, 4);
        static uint8_t wev[4096];
        size_t wn = rows_event(HM_BINLOG_T_WRITE_ROWS, 77, all, NULL, &w);
        memcpy(wev, evb, wn);

        /* rolled back: nothing of either stays */
        n = rows_event(HM_BINLOG_T_PARTIAL_UPDATE_ROWS, 77, bi_key, ai_rest, &rows);
        exec(conn.my, "BEGIN");
        if (apply(&fmt, t, n, &err) != HM_OK)
            fail_msg("%s", err.msg);
        memcpy(evb, wev, wn);
        if (apply(&fmt, t, wn, &err) != HM_OK)
            fail_msg("%s", err.msg);
        exec(conn.my, "ROLLBACK");
        assert_value("SELECT COUNT(*) FROM hm_pj.t", "3");
        assert_value("SELECT JSON_EQUALS(doc, '{\"old\": 1}') FROM hm_pj.t WHERE id = 3", "1");

        /* committed: both */
        n = rows_event(HM_BINLOG_T_PARTIAL_UPDATE_ROWS, 77, bi_key, ai_rest, &rows);
        exec(conn.my, "BEGIN");
        if (apply(&fmt, t, n, &err) != HM_OK)
            fail_msg("%s", err.msg);
        memcpy(evb, wev, wn);
        if (apply(&fmt, t, wn, &err) != HM_OK)
            fail_msg("%s", err.msg);
        exec(conn.my, "COMMIT");
    }
    /* the full after images MySQL computes from the same diffs */
    assert_value("SELECT JSON_EQUALS(doc, '{\"a\": 26, \"b\": [1, 9, 2, 3], \"q\\\\\"k\": null, "
                 "\"n\": {\"m\": {\"k\": 1}}, \"e\": \"x y\"}') FROM hm_pj.t WHERE id = 1", "1");
    assert_value("SELECT JSON_EQUALS(doc, '{\"a\": 7, \"s\": [\"v\"], "
                 "\"x\\'); DROP TABLE hm_pj.t; -- \": \"inj\"}') FROM hm_pj.t WHERE id = 2", "1");
    assert_value("SELECT JSON_EQUALS(doc, '{\"k\": 1}') FROM hm_pj.t WHERE id = 3", "1");
    assert_value("SELECT CONCAT_WS(',', note, age) FROM hm_pj.t WHERE id = 1", "one,1");
    assert_value("SELECT CONCAT_WS(',', note, age) FROM hm_pj.t WHERE id = 2", "deux,2");
    assert_value("SELECT CONCAT_WS(',', IFNULL(note, 'NULL'), age) FROM hm_pj.t WHERE id = 3",
                 "NULL,3");
    assert_value("SELECT JSON_EQUALS(doc, '{\"k\": 1}') FROM hm_pj.t WHERE id = 4", "1");

    /* a row the target does not hold: a divergence, named by its key */
    one_diff_fails(&fmt, t, 99, "$.a", HM_ETARGET, "found no row with the key (`id`=99)");
    /* a path with a wildcard is refused, not guessed */
    one_diff_fails(&fmt, t, 1, "$.*", HM_ESOURCE, "path '$.*'");
    hm_binlog_tables_release(&ts);
}

static void test_corpus(void **state)
{
    char path[1024];
    FILE *f;
    uint8_t *b;
    long len;
    uint64_t pos = 4;
    hm_binlog_fmt fmt;
    hm_binlog_tables ts;
    hm_err err;
    unsigned partial = 0, applied = 0;
    int ages[7] = {0};
    (void)state;
    if (!corpus_dir)
        skip();
    snprintf(path, sizeof path, "%s/rmc-json.binlog.000001", corpus_dir);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)len);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    /* the source's table (`mysql`.`t` there) under another name here */
    exec(tgt, "DROP DATABASE IF EXISTS hm_pj_corpus");
    exec(tgt, "CREATE DATABASE hm_pj_corpus");
    exec(tgt, "CREATE TABLE hm_pj_corpus.t (id INT PRIMARY KEY AUTO_INCREMENT, json_col JSON, "
              "name VARCHAR(100) AS (JSON_VALUE(json_col, '$.name')) VIRTUAL, "
              "age INT AS (JSON_VALUE(json_col, '$.age')) VIRTUAL)");
    hm_binlog_fmt_init(&fmt);
    hm_binlog_tables_init(&ts);
    exec(conn.my, "BEGIN");
    while (pos < (uint64_t)len) {
        hm_binlog_event ev;
        uint32_t size;
        const hm_binlog_table *t;
        assert_true(hm_binlog_peek_size(b + pos, (size_t)len - pos, &size));
        assert_int_equal(hm_binlog_event_decode(&fmt, b + pos, size, pos, &ev, &err), HM_OK);
        if (ev.kind == HM_BINLOG_EV_TABLE_MAP) {
            hm_binlog_table *w;
            assert_int_equal(hm_binlog_tables_put(&ts, &fmt, &ev, &t, &err), HM_OK);
            w = (hm_binlog_table *)t;   /* the test's renaming of the source's database */
            w->db = (char *)"hm_pj_corpus";
        } else if (ev.kind == HM_BINLOG_EV_ROWS) {
            t = hm_binlog_tables_get(&ts, ev.u.rows.table_id);
            assert_non_null(t);
            if (hm_sync_apply_rows(ap, &fmt, &ev, t, &err) != HM_OK)
                fail_msg("at %llu: %s", (unsigned long long)ev.pos, err.msg);
            applied++;
            if (ev.u.rows.partial) {
                /* what MySQL computed: its generated age column in each after image */
                hm_binlog_rows_iter it;
                hm_binlog_value bv[4], av[4];
                bool more = true;
                partial++;
                assert_int_equal(hm_binlog_rows_begin(&it, &fmt, &ev, t, &err), HM_OK);
                while (hm_binlog_rows_next(&it, bv, av, &more, &err) == HM_OK && more) {
                    assert_true(av[1].json_diff && av[3].present);
                    assert_true(bv[0].i >= 1 && bv[0].i <= 6);
                    ages[bv[0].i] = (int)av[3].i;
                }
            }
        } else if (ev.kind == HM_BINLOG_EV_XID) {
            exec(conn.my, "COMMIT");
            exec(conn.my, "BEGIN");
        }
        pos = ev.next_pos;
    }
    exec(conn.my, "COMMIT");
    assert_int_equal(partial, 1);
    assert_int_equal(applied, 6);
    assert_value("SELECT COUNT(*) FROM hm_pj_corpus.t", "6");
    for (int id = 1; id <= 6; id++) {
        char q[256], want[16];
        assert_true(ages[id] > 0);
        snprintf(q, sizeof q, "SELECT age FROM hm_pj_corpus.t WHERE id = %d", id);
        snprintf(want, sizeof want, "%d", ages[id]);
        assert_value(q, want);
    }
    assert_value("SELECT JSON_EQUALS(json_col, '{\"age\": 26, \"data\": \"xxxxxxxxxx\", "
                 "\"name\": \"Joe\"}') FROM hm_pj_corpus.t WHERE id = 1", "1");
    assert_value("SELECT JSON_EQUALS(json_col, '{\"age\": 42, \"data\": \"zzzzzzzzzz\", "
                 "\"name\": \"Pete\"}') FROM hm_pj_corpus.t WHERE id = 6", "1");
    hm_binlog_tables_release(&ts);
    free(b);
}

static int setup(void **state)
{
    hm_endpoint ep = {"127.0.0.1", tgt_port, "root", password};
    hm_err err;
    (void)state;
    tgt = mysql_init(NULL);
    if (!mysql_real_connect(tgt, "127.0.0.1", "root", password, "mysql", tgt_port, NULL, 0))
        fail_msg("connect: %s", mysql_error(tgt));
    if (hm_conn_open(&conn, &ep, "target", HM_CONN_FOUND_ROWS, &err) != HM_OK)
        fail_msg("%s", err.msg);
    exec(conn.my, "SET autocommit = 0");
    ap = hm_sync_applier_new(&conn, &err);
    assert_non_null(ap);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hm_sync_applier_free(ap);
    hm_conn_close(&conn);
    mysql_close(tgt);
    return 0;
}

int main(void)
{
    const char *tp = getenv("HM_APPLY_TGT_PORT");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_built),
        cmocka_unit_test(test_corpus),
    };
    if (!tp) {
        fprintf(stderr, "HM_APPLY_TGT_PORT not set: skipped\n");
        return 77;
    }
    tgt_port = (unsigned)atoi(tp);
    password = getenv("HM_TEST_PASSWORD") ? getenv("HM_TEST_PASSWORD") : "hm-test-pw";
    corpus_dir = getenv("HM_BINLOG_CORPUS_DIR");
    return cmocka_run_group_tests(tests, setup, teardown);
}
