/*
 * tests/unit/binlog/test_reader.c: the binlog reader against a real MariaDB source, and Connector/C's
 * mariadb_rpl_extract_rows() against this decoder on the same events.
 *
 * Run by run-reader-test.sh, which starts the source (tests/harness/mariadb.sh) and passes its port
 * in HM_BINLOG_PORT; without it the test is skipped (exit 77).
 *
 *   test_read_values   writes rows of every type family (integers, FLOAT/DOUBLE/DECIMAL,
 *                      temporal types with fractions and negative times, strings, BLOBs, a
 *                      17 MiB LONGBLOB (an event above 16 MiB: several protocol packets), JSON,
 *                      ENUM/SET, BIT, POINT, UUID, compressed events), updates and deletes;
 *                      reads them back through
 *                      the reader from the position taken before; checks every value of every
 *                      image, the GTIDs and XIDs, and that the reader's position at the end is the
 *                      source's (SHOW MASTER STATUS); then starts again from the middle
 *   test_heartbeat     a blocking dump at the end of the binlog receives heartbeats
 *   test_bad_start     a start position past 4 GiB is refused before anything is sent when there
 *                      is no GTID state to start from instead; a MySQL start by GTID sends
 *                      COM_BINLOG_DUMP_GTID (refused by MariaDB, as an error of the dump); an unknown
 *                      file is the source's error, with file and position
 *   test_extract_rows  the same events through mariadb_rpl_fetch() + mariadb_rpl_extract_rows():
 *                      per table, what Connector/C gives where it differs from what was written;
 *                      printed, and the known defects asserted so that a fixed Connector/C shows
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mysql.h>
/* after mysql.h, which it needs */
#include <errmsg.h>
#include <mariadb_rpl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/event.h"
#include "binlog/inflate.h"
#include "binlog/reader.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "util/buf.h"

static unsigned port;
static const char *password;
static char start_file[256];
static unsigned long long start_pos;

#define BIG (17u * 1024 * 1024)

static MYSQL *connect_raw(unsigned read_timeout)
{
    MYSQL *my = mysql_init(NULL);
    unsigned long maxp = 1ul << 30;
    assert_non_null(my);
    mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_options(my, MYSQL_OPT_MAX_ALLOWED_PACKET, &maxp);
    if (!mysql_real_connect(my, "127.0.0.1", "root", password, NULL, port, NULL, 0))
        fail_msg("connect: %s", mysql_error(my));
    return my;
}

static void exec(MYSQL *my, const char *sql)
{
    if (mysql_query(my, sql))
        fail_msg("%s: %s", sql, mysql_error(my));
}

static void master_status(MYSQL *my, char *file, size_t n, unsigned long long *pos)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    exec(my, "SHOW MASTER STATUS");
    res = mysql_store_result(my);
    assert_non_null(res);
    row = mysql_fetch_row(res);
    assert_non_null(row);
    snprintf(file, n, "%s", row[0]);
    *pos = strtoull(row[1], NULL, 10);
    mysql_free_result(res);
}

/* The tables, one per type family, so that a failure of extract_rows names the family. */
static const char *const schema[] = {
    "CREATE TABLE rt.ints (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, "
    "mi MEDIUMINT, bi BIGINT, bu BIGINT UNSIGNED)",
    "CREATE TABLE rt.nums (id INT PRIMARY KEY, f FLOAT, d DOUBLE, de DECIMAL(12,3), "
    "dz DECIMAL(30,20))",
    "CREATE TABLE rt.times (id INT PRIMARY KEY, dt DATETIME(6), ts TIMESTAMP(3) NULL, "
    "tm TIME(2), da DATE, y YEAR)",
    "CREATE TABLE rt.strs (id INT PRIMARY KEY, v VARCHAR(300), b BLOB, lb LONGBLOB, j JSON)",
    "CREATE TABLE rt.chars (id INT PRIMARY KEY, c CHAR(5), u UUID)",
    "CREATE TABLE rt.enums (id INT PRIMARY KEY, e ENUM('x','y','z'), s SET('a','b','c'))",
    "CREATE TABLE rt.bits (id INT PRIMARY KEY, b5 BIT(5), b64 BIT(64))",
    "CREATE TABLE rt.geo (id INT PRIMARY KEY, p POINT)",
    "CREATE TABLE rt.comp (id INT PRIMARY KEY, v VARCHAR(200))",
};

static const char *const writes[] = {
    "INSERT INTO rt.ints VALUES (1, -128, 255, -32768, -8388608, -9223372036854775808, "
    "18446744073709551615), (2, 5, 6, 7, 8, 9, 10), (3, NULL, NULL, NULL, NULL, NULL, NULL)",
    "UPDATE rt.ints SET ti = -1, bu = 1 WHERE id = 2",
    "DELETE FROM rt.ints WHERE id = 3",
    "INSERT INTO rt.nums VALUES (1, 1.5, -0.1, -123456789.125, 0.00000000000000000001), "
    "(2, -1048576.5, 1e308, 0.5, -1234567890.12345678901234567890)",
    "SET time_zone = '+00:00'",
    "INSERT INTO rt.times VALUES (1, '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.123', "
    "'-838:59:59.99', '1000-01-01', 2155), (2, '0000-00-00 00:00:00', NULL, '-00:00:01.5', "
    "'0000-00-00', 0), (3, NULL, NULL, '12:00:00.01', NULL, NULL)",
    "INSERT INTO rt.strs VALUES (1, 'héllo', 0x00ff, 'lb', '{\"a\": [1, 2]}'), "
    "(2, '', '', '', '[]')",
    "INSERT INTO rt.strs VALUES (3, 'big', NULL, REPEAT('x', 17825792), NULL)",
    "UPDATE rt.strs SET v = 'changed' WHERE id = 1",
    "INSERT INTO rt.chars VALUES (1, 'ab', '123e4567-e89b-12d3-a456-426614174000'), "
    "(2, '', NULL)",
    "INSERT INTO rt.enums VALUES (1, 'y', 'a,c'), (2, NULL, '')",
    "INSERT INTO rt.bits VALUES (1, b'10101', 0xFFFFFFFFFFFFFFFF), (2, b'0', 0)",
    "INSERT INTO rt.geo VALUES (1, POINT(1.5, -2.5))",
    "DELETE FROM rt.geo",
    /* MariaDB's compressed events (setup turns log_bin_compress on for this one) */
    "INSERT INTO rt.comp VALUES (1, REPEAT('squeeze ', 20)), (2, 'short')",
};

/* What was written, image by image: "table action: v1|v2|..." in the decoder's terms (see fmt). */
static const char *const expected[] = {
    "ints W: 1|-128|255|-32768|-8388608|-9223372036854775808|18446744073709551615",
    "ints W: 2|5|6|7|8|9|10",
    "ints W: 3|NULL|NULL|NULL|NULL|NULL|NULL",
    "ints U-: 2|5|6|7|8|9|10",
    "ints U+: 2|-1|6|7|8|9|1",
    "ints D: 3|NULL|NULL|NULL|NULL|NULL|NULL",
    "nums W: 1|1.5|-0.10000000000000001|-123456789.125|0.00000000000000000001",
    "nums W: 2|-1048576.5|1e+308|0.500|-1234567890.12345678901234567890",
    "times W: 1|2024-02-29 23:59:59.999999|2147483647.123|-838:59:59.99|1000-01-01|2155",
    "times W: 2|0000-00-00 00:00:00.000000|NULL|-00:00:01.50|0000-00-00|0",
    "times W: 3|NULL|NULL|12:00:00.01|NULL|NULL",
    "strs W: 1|h\\xc3\\xa9llo|\\x00\\xff|lb|{\"a\": [1, 2]}",
    "strs W: 2||||[]",
    "strs W: 3|big|NULL|x*17825792|NULL",
    "strs U-: 1|h\\xc3\\xa9llo|\\x00\\xff|lb|{\"a\": [1, 2]}",
    "strs U+: 1|changed|\\x00\\xff|lb|{\"a\": [1, 2]}",
    "chars W: 1|ab|\\x12>Eg\\xe8\\x9b\\x12\\xd3\\xa4VBf\\x14\\x17@",
    "chars W: 2||NULL",
    "enums W: 1|2|5",
    "enums W: 2|NULL|0",
    "bits W: 1|21|18446744073709551615",
    "bits W: 2|0|0",
    "geo W: 1|POINT(1.5 -2.5)",
    "geo D: 1|POINT(1.5 -2.5)",
    "comp W: 1|squeeze squeeze squeeze squeeze squeeze squeeze squeeze squeeze squeeze squeeze "
    "squeeze squeeze squeeze squeeze squeeze squeeze squeeze squeeze squeeze squeeze ",
    "comp W: 2|short",
};

/* Bytes as text: printable ASCII kept, the rest \xNN; a long run of one byte as "x*N". */
static void put_bytes(hm_buf *o, const uint8_t *p, size_t n)
{
    if (n > 64 && p[0] == p[n - 1] && memchr(p, p[0] ^ 1, n) == NULL) {
        size_t k = 0;
        while (k < n && p[k] == p[0])
            k++;
        if (k == n) {
            hm_buf_addf(o, "%c*%zu", p[0], n);
            return;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x20 && p[i] < 0x7f)
            hm_buf_addc(o, (char)p[i]);
        else
            hm_buf_addf(o, "\\x%02x", p[i]);
}

static void put_point(hm_buf *o, const uint8_t *p, size_t n)
{
    double x, y;
    if (n != 25) {
        hm_buf_addf(o, "GEOMETRY(%zu bytes)", n);
        return;
    }
    memcpy(&x, p + 9, 8);
    memcpy(&y, p + 17, 8);
    hm_buf_addf(o, "POINT(%g %g)", x, y);
}

/* One decoded value as the expected[] strings write it. */
static void fmt(hm_buf *o, const hm_binlog_value *v)
{
    char b[128];
    hm_err err;
    if (v->is_null) {
        hm_buf_adds(o, "NULL");
        return;
    }
    switch (v->type) {
    case HM_COL_TINY: case HM_COL_SHORT: case HM_COL_INT24: case HM_COL_LONG:
    case HM_COL_LONGLONG:
        /* signedness from the schema: the unsigned columns are named *u */
        if (v->col->name.len ? v->col->name.p[v->col->name.len - 1] == 'u' : 0)
            hm_buf_addf(o, "%llu", (unsigned long long)v->u);
        else
            hm_buf_addf(o, "%lld", (long long)v->i);
        break;
    case HM_COL_FLOAT: hm_buf_addf(o, "%.9g", (double)v->f); break;
    case HM_COL_DOUBLE: hm_buf_addf(o, "%.17g", v->d); break;
    case HM_COL_NEWDECIMAL:
        assert_int_equal(hm_binlog_decimal_str(v->ptr, v->len, v->col->precision, v->col->scale,
                                               b, sizeof b, &err),
                         HM_OK);
        hm_buf_adds(o, b);
        break;
    case HM_COL_TIMESTAMP2:
        hm_buf_addf(o, "%llu.%03u", (unsigned long long)v->u, v->tm.usec / 1000);
        break;
    case HM_COL_DATETIME2: case HM_COL_TIME2: case HM_COL_DATE:
        hm_binlog_time_str(v, b, sizeof b);
        hm_buf_adds(o, b);
        break;
    case HM_COL_YEAR: hm_buf_addf(o, "%lld", (long long)v->i); break;
    case HM_COL_ENUM: case HM_COL_SET: case HM_COL_BIT:
        hm_buf_addf(o, "%llu", (unsigned long long)v->u);
        break;
    case HM_COL_GEOMETRY: put_point(o, v->ptr, v->len); break;
    default: put_bytes(o, v->ptr, v->len); break;
    }
}

static void image(hm_buf *o, const hm_binlog_table *t, const char *what, const hm_binlog_value *v)
{
    hm_buf_addf(o, "%s %s: ", t->name, what);
    for (uint32_t i = 0; i < t->ncols; i++) {
        if (i)
            hm_buf_addc(o, '|');
        fmt(o, &v[i]);
    }
    hm_buf_addc(o, '\n');
}

/* Names of the columns, for the signedness convention: the test sets binlog_row_metadata=FULL. */
static hm_binlog_value before[64], after[64];

typedef struct seen {
    hm_buf images, scratch;
    unsigned gtids, xids, rows_events, compressed;
    uint64_t gtid_pos[64];
    unsigned ngtid_pos;
    char end_file[256];
    uint64_t end_pos;
} seen;

static void read_all(const char *file, uint64_t pos, seen *s, bool want_all)
{
    MYSQL *my = connect_raw(30);
    hm_conn c = {.my = my, .role = "source"};
    hm_binlog_reader *r;
    hm_binlog_tables ts;
    hm_binlog_reader_opts o = {file, pos, 4242, 0, true};
    hm_binlog_event ev;
    hm_err err;
    bool more = true;

    hm_binlog_tables_init(&ts);
    hm_buf_init(&s->scratch, 1 << 26);
    if (hm_binlog_reader_open(&c, &o, &r, &err) != HM_OK)
        fail_msg("%s", err.msg);
    while (more) {
        const char *f;
        uint64_t at;
        hm_binlog_reader_where(r, &f, &at);
        if (hm_binlog_reader_next(r, &ev, &more, &err) != HM_OK)
            fail_msg("%s", err.msg);
        if (!more)
            break;
        const hm_binlog_fmt *fm = hm_binlog_reader_fmt(r);
        switch (ev.kind) {
        case HM_BINLOG_EV_MARIADB_GTID:
            assert_int_equal(ev.u.mariadb_gtid.domain_id, 0);
            assert_int_equal(ev.u.mariadb_gtid.server_id, 11);
            if (s->ngtid_pos < 64)
                s->gtid_pos[s->ngtid_pos++] = at;
            assert_int_equal(ev.pos, at);
            s->gtids++;
            break;
        case HM_BINLOG_EV_XID:
            s->xids++;
            break;
        case HM_BINLOG_EV_ROTATE:
            hm_binlog_tables_clear(&ts);
            break;
        case HM_BINLOG_EV_TABLE_MAP: {
            const hm_binlog_table *t;
            if (hm_binlog_tables_put(&ts, fm, &ev, &t, &err) != HM_OK)
                fail_msg("%s", err.msg);
            break;
        }
        case HM_BINLOG_EV_ROWS: {
            const hm_binlog_table *t = hm_binlog_tables_get(&ts, ev.u.rows.table_id);
            hm_binlog_rows_iter it;
            bool rm = true;
            assert_non_null(t);
            if (strcmp(t->db, "rt") != 0)
                break;
            s->rows_events++;
            if (hm_binlog_is_compressed(&ev)) {
                s->compressed++;
                if (hm_binlog_inflate(fm, &ev, &s->scratch, &err) != HM_OK)
                    fail_msg("%s", err.msg);
            }
            if (hm_binlog_rows_begin(&it, fm, &ev, t, &err) != HM_OK)
                fail_msg("%s", err.msg);
            for (;;) {
                if (hm_binlog_rows_next(&it, before, after, &rm, &err) != HM_OK)
                    fail_msg("%s", err.msg);
                if (!rm)
                    break;
                switch (ev.u.rows.action) {
                case HM_BINLOG_ROWS_WRITE: image(&s->images, t, "W", after); break;
                case HM_BINLOG_ROWS_DELETE: image(&s->images, t, "D", before); break;
                case HM_BINLOG_ROWS_UPDATE:
                    image(&s->images, t, "U-", before);
                    image(&s->images, t, "U+", after);
                    break;
                }
            }
            break;
        }
        default:
            break;
        }
        (void)want_all;
    }
    const char *f;
    hm_binlog_reader_where(r, &f, &s->end_pos);
    snprintf(s->end_file, sizeof s->end_file, "%s", f);
    hm_binlog_reader_free(r);
    hm_binlog_tables_release(&ts);
    hm_buf_release(&s->scratch);
    mysql_close(my);
}

static void test_read_values(void **state)
{
    MYSQL *w = connect_raw(60);
    seen s = {0};
    char end_file[256];
    unsigned long long end_pos;
    hm_buf want;
    (void)state;
    hm_buf_init(&s.images, 1 << 26);
    hm_buf_init(&want, 1 << 26);
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        hm_buf_addf(&want, "%s\n", expected[i]);

    read_all(start_file, start_pos, &s, true);
    master_status(w, end_file, sizeof end_file, &end_pos);
    if (strcmp(s.images.data, want.data) != 0) {
        print_error("decoded:\n%s\nwritten:\n%s\n", s.images.data, want.data);
        fail();
    }
    /* a transaction per statement, DDL included */
    /* CREATE DATABASE, the tables, and every write but SET time_zone */
    assert_int_equal(s.gtids, 1 + sizeof schema / sizeof *schema + sizeof writes / sizeof *writes - 1);
    assert_true(s.xids >= 13);
    assert_string_equal(s.end_file, end_file);
    assert_int_equal(s.end_pos, end_pos);
    assert_int_equal(s.compressed, 1);

    /* again from the middle: the GTID of the 10th transaction */
    seen m = {0};
    hm_buf_init(&m.images, 1 << 26);
    read_all(start_file, s.gtid_pos[10], &m, true);
    assert_int_equal(m.gtids, s.gtids - 10);
    assert_int_equal(m.end_pos, end_pos);
    assert_non_null(strstr(s.images.data, m.images.data));
    hm_buf_release(&m.images);
    hm_buf_release(&s.images);
    hm_buf_release(&want);
    mysql_close(w);
}

static void test_heartbeat(void **state)
{
    MYSQL *my = connect_raw(10);
    hm_conn c = {.my = my, .role = "source"};
    char file[256];
    unsigned long long pos;
    hm_binlog_reader *r;
    hm_binlog_event ev;
    hm_err err;
    bool more;
    int beats = 0;
    (void)state;
    master_status(my, file, sizeof file, &pos);
    hm_binlog_reader_opts o = {file, pos, 4243, 200, false};
    if (hm_binlog_reader_open(&c, &o, &r, &err) != HM_OK)
        fail_msg("%s", err.msg);
    for (int i = 0; i < 20 && beats < 2; i++) {
        if (hm_binlog_reader_next(r, &ev, &more, &err) != HM_OK)
            fail_msg("%s", err.msg);
        assert_true(more);
        if (ev.kind == HM_BINLOG_EV_HEARTBEAT) {
            beats++;
            assert_int_equal(ev.u.heartbeat.position, pos);
            assert_int_equal(ev.u.heartbeat.file.len, strlen(file));
            assert_memory_equal(ev.u.heartbeat.file.p, file, strlen(file));
        }
    }
    assert_int_equal(beats, 2);
    const char *f;
    uint64_t at;
    hm_binlog_reader_where(r, &f, &at);
    assert_string_equal(f, file);
    assert_int_equal(at, pos);
    hm_binlog_reader_free(r);
    mysql_close(my);
}

static void test_bad_start(void **state)
{
    MYSQL *my = connect_raw(10);
    hm_conn c = {.my = my, .role = "source"};
    hm_binlog_reader *r;
    hm_binlog_event ev;
    hm_err err;
    bool more;
    hm_code rc;
    (void)state;
    hm_binlog_reader_opts o = {start_file, 5000000000ull, 4244, 0, true};
    /* a MySQL source past 4 GiB needs its GTID set (COM_BINLOG_DUMP_GTID) */
    assert_int_equal(hm_binlog_reader_open(&c, &o, &r, &err), HM_EUSAGE);
    assert_non_null(strstr(err.msg, "5000000000"));
    assert_non_null(strstr(err.msg, "gtid_mode=ON"));
    {
        /* with it, COM_BINLOG_DUMP_GTID goes out on the wire (the live MariaDB here does not know
         * the command: its refusal comes back as the dump's error, with file and position) */
        static const uint8_t sids[8 + 16 + 8 + 16] = {1, 0, 0, 0, 0, 0, 0, 0, [24] = 1, [32] = 1,
                                                      [40] = 2};
        hm_binlog_reader_opts g = o;
        MYSQL *my2 = connect_raw(10);
        hm_conn c2 = {.my = my2, .role = "source"};
        g.gtid_sids = sids;
        g.gtid_sids_len = sizeof sids;
        rc = hm_binlog_reader_open(&c2, &g, &r, &err);
        if (rc == HM_OK) {
            rc = hm_binlog_reader_next(r, &ev, &more, &err);
            hm_binlog_reader_free(r);
        }
        assert_int_not_equal(rc, HM_OK);
        print_message("COM_BINLOG_DUMP_GTID to MariaDB: %s\n", err.msg);
        assert_non_null(strstr(err.msg, "5000000000"));
        mysql_close(my2);
    }
    /* a MariaDB one can, but not without the GTID state that goes with the position */
    c.flavor = HM_FLAVOR_MARIADB;
    assert_int_equal(hm_binlog_reader_open(&c, &o, &r, &err), HM_EUSAGE);
    assert_non_null(strstr(err.msg, "no GTID state"));
    o.pos = 4;
    o.file = "nosuch.000001";
    rc = hm_binlog_reader_open(&c, &o, &r, &err);
    if (rc == HM_OK) {
        rc = hm_binlog_reader_next(r, &ev, &more, &err);
        hm_binlog_reader_free(r);
    }
    assert_int_not_equal(rc, HM_OK);
    assert_non_null(strstr(err.msg, "nosuch.000001"));
    mysql_close(my);
}

/* ---- Connector/C's extract_rows on the same events ---------------------------------------- */

static void cc_value(hm_buf *o, const MARIADB_RPL_VALUE *v, const char *colname)
{
    if (v->is_null) {
        hm_buf_adds(o, "NULL");
        return;
    }
    switch (v->field_type) {
    case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_INT24: case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
        if (colname[strlen(colname) - 1] == 'u')
            hm_buf_addf(o, "%llu", (unsigned long long)v->val.ull);
        else
            hm_buf_addf(o, "%lld", (long long)v->val.ll);
        break;
    case MYSQL_TYPE_FLOAT: hm_buf_addf(o, "%.9g", (double)v->val.f); break;
    case MYSQL_TYPE_DOUBLE: hm_buf_addf(o, "%.17g", v->val.d); break;
    case MYSQL_TYPE_YEAR: case MYSQL_TYPE_ENUM: case MYSQL_TYPE_SET:
        hm_buf_addf(o, "%llu", (unsigned long long)v->val.ull);
        break;
    case MYSQL_TYPE_TIMESTAMP: case MYSQL_TYPE_TIMESTAMP2:
        hm_buf_addf(o, "%u.%03u", v->val.ts.second, v->val.ts.second_part / 1000);
        break;
    case MYSQL_TYPE_DATE: case MYSQL_TYPE_NEWDATE:
        hm_buf_addf(o, "%04u-%02u-%02u", v->val.tm.year, v->val.tm.month, v->val.tm.day);
        break;
    case MYSQL_TYPE_DATETIME: case MYSQL_TYPE_DATETIME2:
        hm_buf_addf(o, "%04u-%02u-%02u %02u:%02u:%02u.%06lu", v->val.tm.year, v->val.tm.month,
                    v->val.tm.day, v->val.tm.hour, v->val.tm.minute, v->val.tm.second,
                    v->val.tm.second_part);
        break;
    case MYSQL_TYPE_TIME: case MYSQL_TYPE_TIME2:
        hm_buf_addf(o, "%s%02u:%02u:%02u.%02lu", v->val.tm.neg ? "-" : "", v->val.tm.hour,
                    v->val.tm.minute, v->val.tm.second, v->val.tm.second_part / 10000);
        break;
    case MYSQL_TYPE_BIT: {
        unsigned long long x = 0;
        for (size_t i = 0; i < v->val.str.length; i++)
            x = x << 8 | (unsigned char)v->val.str.str[i];
        hm_buf_addf(o, "%llu", x);
        break;
    }
    case MYSQL_TYPE_GEOMETRY:
        put_point(o, (const uint8_t *)v->val.str.str, v->val.str.length);
        break;
    default:
        put_bytes(o, (const uint8_t *)v->val.str.str, v->val.str.length);
        break;
    }
}

static void test_extract_rows(void **state)
{
    MYSQL *my = connect_raw(30);
    MARIADB_RPL *rpl;
    MARIADB_RPL_EVENT *ev, *maps[64] = {0};
    hm_buf got, report;
    unsigned long long maps_id[64] = {0};
    unsigned nmaps = 0, failures = 0, differences = 0;
    const char *bad_tables[16];
    unsigned nbad = 0;
    (void)state;
    hm_buf_init(&got, 1 << 26);
    hm_buf_init(&report, 1 << 16);
    exec(my, "SET @master_binlog_checksum = @@global.binlog_checksum, "
             "@mariadb_slave_capability = 4");
    rpl = mariadb_rpl_init(my);
    assert_non_null(rpl);
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, start_file, strlen(start_file));
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, (unsigned long)start_pos);
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, 4245u);
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, (unsigned)MARIADB_RPL_BINLOG_DUMP_NON_BLOCK);
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_VERIFY_CHECKSUM, 1u);
    assert_int_equal(mariadb_rpl_open(rpl), 0);

    unsigned fetched = 0;
    for (;;) {
        rpl_clear_error(rpl); /* extract_rows leaves its errors behind */
        if (!(ev = mariadb_rpl_fetch(rpl, NULL)))
            break;
        fetched++;
        if (ev->event_type == TABLE_MAP_EVENT) {
            unsigned i;
            for (i = 0; i < nmaps && maps_id[i] != ev->event.table_map.table_id; i++)
                ;
            if (i == nmaps && nmaps < 64)
                nmaps++;
            if (maps[i])
                mariadb_free_rpl_event(maps[i]);
            maps[i] = ev;
            maps_id[i] = ev->event.table_map.table_id;
            continue;
        }
        if (IS_ROW_EVENT(ev)) {
            MARIADB_RPL_EVENT *tm = NULL;
            for (unsigned i = 0; i < nmaps; i++)
                if (maps_id[i] == ev->event.rows.table_id)
                    tm = maps[i];
            assert_non_null(tm);
            char tname[64];
            snprintf(tname, sizeof tname, "%.*s", (int)tm->event.table_map.table.length,
                     tm->event.table_map.table.str);
            if (strncmp(tm->event.table_map.database.str, "rt", 2) != 0) {
                mariadb_free_rpl_event(ev);
                continue;
            }
            MARIADB_RPL_ROW *row = mariadb_rpl_extract_rows(rpl, tm, ev);
            if (!row) {
                hm_buf_addf(&report, "  %-6s extract_rows failed: %s\n", tname,
                            mariadb_rpl_error(rpl));
                hm_buf_addf(&got, "%s: FAILED\n", tname);
                failures++;
            }
            unsigned k = 0;
            for (; row; row = row->next, k++) {
                static const char *const acts[] = {"W", "U", "D"};
                const char *act = acts[ev->event.rows.type];
                if (ev->event.rows.type == UPDATE_ROWS)
                    act = k % 2 ? "U+" : "U-";
                hm_buf_addf(&got, "%s %s: ", tname, act);
                for (uint32_t i = 0; i < row->column_count; i++) {
                    char cn[8];
                    snprintf(cn, sizeof cn, "%s", i ? "x" : "id");
                    if (i)
                        hm_buf_addc(&got, '|');
                    /* the unsigned columns are tu and bu: columns 2 and 6 of rt.ints */
                    if (strcmp(tname, "ints") == 0 && (i == 2 || i == 6))
                        strcpy(cn, "u");
                    cc_value(&got, &row->columns[i], cn);
                }
                hm_buf_addc(&got, '\n');
            }
        }
        mariadb_free_rpl_event(ev);
    }
    if (mariadb_rpl_errno(rpl))
        hm_buf_addf(&report, "  mariadb_rpl_fetch() stopped after %u events: %u %s\n", fetched,
                    mariadb_rpl_errno(rpl), mariadb_rpl_error(rpl));

    /* compare with what was written, line by line */
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        const char *want = expected[i];
        size_t tl = strcspn(want, " ");
        char line[512];
        snprintf(line, sizeof line, "%s\n", want);
        if (!strstr(got.data, line)) {
            char t[32];
            snprintf(t, sizeof t, "%.*s", (int)tl, want);
            bool listed = false;
            for (unsigned b = 0; b < nbad; b++)
                listed |= strcmp(bad_tables[b], want) == 0 || strncmp(bad_tables[b], want, tl) == 0;
            if (!listed && nbad < 16)
                bad_tables[nbad++] = want;
            /* show what Connector/C gave for the same image */
            const char *g = got.data, *hit = NULL;
            while ((g = strstr(g, t)) != NULL) {
                if ((g == got.data || g[-1] == '\n') && g[tl] == ' ') {
                    hit = g;
                    break;
                }
                g++;
            }
            (void)hit;
            hm_buf_addf(&report, "  written    %s\n", want);
            differences++;
        }
    }
    printf("Connector/C mariadb_rpl_extract_rows() on the test's events: %u event(s) refused, "
           "%u image(s) not as written\n%s--- what it returned:\n%s",
           failures, differences, report.data, got.data);
    /* Known defects (Connector/C 3.3): tables of integer/date columns only (no metadata) are
     * refused, CHAR columns break the row, YEAR 0 reads as 1900, negative TIME fractions are
     * wrong. If this fails, Connector/C changed: look at the report above. */
    assert_non_null(strstr(got.data, "ints: FAILED"));
    assert_non_null(strstr(got.data, "chars: FAILED"));
    assert_true(differences > 0);

    for (unsigned i = 0; i < nmaps; i++)
        mariadb_free_rpl_event(maps[i]);
    mariadb_rpl_close(rpl);
    hm_buf_release(&got);
    hm_buf_release(&report);
    mysql_close(my);
}

static int setup(void **state)
{
    MYSQL *w;
    (void)state;
    w = connect_raw(60);
    exec(w, "DROP DATABASE IF EXISTS rt");
    exec(w, "SET GLOBAL binlog_row_metadata = FULL");
    master_status(w, start_file, sizeof start_file, &start_pos);
    exec(w, "CREATE DATABASE rt");
    for (size_t i = 0; i < sizeof schema / sizeof *schema; i++)
        exec(w, schema[i]);
    for (size_t i = 0; i < sizeof writes / sizeof *writes; i++) {
        if (strstr(writes[i], "rt.comp"))
            exec(w, "SET GLOBAL log_bin_compress = ON, GLOBAL log_bin_compress_min_len = 10");
        exec(w, writes[i]);
        if (strstr(writes[i], "rt.comp"))
            exec(w, "SET GLOBAL log_bin_compress = OFF");
    }
    exec(w, "SET GLOBAL binlog_row_metadata = MINIMAL");
    mysql_close(w);
    return 0;
}

int main(void)
{
    const char *p = getenv("HM_BINLOG_PORT");
    password = getenv("HM_TEST_PASSWORD");
    if (!p || !password) {
        fprintf(stderr, "HM_BINLOG_PORT/HM_TEST_PASSWORD not set: skipped (run-reader-test.sh "
                        "starts a server)\n");
        return 77;
    }
    port = (unsigned)atoi(p);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_values),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_bad_start),
        cmocka_unit_test(test_extract_rows),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
