/*
 * tests/unit/binlog/test_rows.c: table maps and row images built by hand, the MySQL way.
 *
 *   - a MySQL 8 table map of every column type with full optional metadata (signedness, default
 *     charset and exceptions, names, ENUM/SET labels and charsets, geometry type, primary key,
 *     visibility), and a v2 WRITE_ROWS of one row of every type: each typed value checked,
 *     temporal values encoded as MySQL's my_*_packed_to_binary do, negative TIME2 fractions
 *     included
 *   - the row data cut at every length: an error naming row and column, never a read past it
 *   - the table-id map: same bytes keep the table, new bytes replace it, clear forgets
 *   - DECIMAL to text at the edges of the format; invalid digit groups rejected
 *   - MySQL binary JSON to text: objects, arrays (small and large), every scalar, escapes,
 *     opaque DECIMAL/DATE/TIME/DATETIME and other types; truncated at every length, bad
 *     offsets and nesting too deep are errors
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "binlog/event.h"
#include "binlog/json.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "evbuild.h"

static uint8_t evbuf[1 << 17];

#define NCOLS 30

/* MySQL's packed temporal encodings (my_time_packed_to_binary and friends) */
static int64_t time_packed(int neg, unsigned h, unsigned m, unsigned s, unsigned us)
{
    int64_t p = ((int64_t)((h << 12) | (m << 6) | s) << 24) + us;
    return neg ? -p : p;
}
static void put_time2(eb *e, int64_t nr, unsigned fsp)
{
    int64_t ip = nr >> 24;          /* arithmetic shift: floor, as MySQL */
    int64_t fr = nr % (1 << 24);    /* truncation: negative with nr */
    switch (fsp) {
    case 0: eb_be(e, (uint64_t)(0x800000 + ip), 3); break;
    case 1: case 2: eb_be(e, (uint64_t)(0x800000 + ip), 3); eb_u8(e, (uint8_t)(int8_t)(fr / 10000)); break;
    case 3: case 4: eb_be(e, (uint64_t)(0x800000 + ip), 3); eb_be(e, (uint16_t)(int16_t)(fr / 100), 2); break;
    default: eb_be(e, (uint64_t)(nr + 0x800000000000LL), 6); break;
    }
}
static void put_datetime2(eb *e, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                          unsigned s, unsigned us, unsigned fsp)
{
    uint64_t ymd = ((uint64_t)(y * 13 + mo) << 5) | d, hms = (h << 12) | (mi << 6) | s;
    eb_be(e, ((ymd << 17) | hms) + 0x8000000000ull, 5);
    if (fsp == 1 || fsp == 2)
        eb_u8(e, us / 10000);
    else if (fsp == 3 || fsp == 4)
        eb_be(e, us / 100, 2);
    else if (fsp >= 5)
        eb_be(e, us, 3);
}

static void json_small(eb *e)
{
    /* {"k": [1, "x"]} */
    eb_u8(e, 0x00); eb_le(e, 1, 2); eb_le(e, 24, 2); eb_le(e, 11, 2); eb_le(e, 1, 2);
    eb_u8(e, 0x02); eb_le(e, 12, 2); eb_str(e, "k");
    eb_le(e, 2, 2); eb_le(e, 12, 2); eb_u8(e, 0x05); eb_le(e, 1, 2); eb_u8(e, 0x0c);
    eb_le(e, 10, 2); eb_u8(e, 1); eb_str(e, "x");
}

static size_t table_map(uint8_t *out)
{
    static const uint8_t types[NCOLS] = {
        HM_COL_TINY, HM_COL_TINY, HM_COL_SHORT, HM_COL_INT24, HM_COL_LONG, HM_COL_LONGLONG,
        HM_COL_FLOAT, HM_COL_DOUBLE, HM_COL_NEWDECIMAL, HM_COL_NEWDECIMAL, HM_COL_YEAR,
        HM_COL_DATE, HM_COL_TIME2, HM_COL_TIME2, HM_COL_DATETIME2, HM_COL_TIMESTAMP2, HM_COL_BIT,
        HM_COL_STRING, HM_COL_STRING, HM_COL_STRING, HM_COL_VARCHAR, HM_COL_VARCHAR, HM_COL_BLOB,
        HM_COL_BLOB, HM_COL_JSON, HM_COL_GEOMETRY, HM_COL_TIMESTAMP, HM_COL_DATETIME, HM_COL_TIME,
        HM_COL_LONG};
    eb m, e, o;
    eb_reset(&m);
    eb_u8(&m, 4); eb_u8(&m, 8);                  /* FLOAT, DOUBLE */
    eb_u8(&m, 10); eb_u8(&m, 4);                 /* DECIMAL(10,4) */
    eb_u8(&m, 20); eb_u8(&m, 10);                /* DECIMAL(20,10) */
    eb_u8(&m, 0); eb_u8(&m, 3); eb_u8(&m, 6); eb_u8(&m, 3); /* TIME(0) TIME(3) DATETIME(6) TIMESTAMP(3) */
    eb_u8(&m, 4); eb_u8(&m, 1);                  /* BIT(12): 4 bits + 1 byte */
    eb_u8(&m, HM_COL_ENUM); eb_u8(&m, 1);
    eb_u8(&m, HM_COL_SET); eb_u8(&m, 2);
    eb_u8(&m, 0xfe ^ ((400 & 0x300) >> 4)); eb_u8(&m, 400 & 0xff); /* CHAR(100) utf8mb4 */
    eb_le(&m, 300, 2); eb_le(&m, 10, 2);         /* VARCHAR(300), VARCHAR(10) bytes */
    eb_u8(&m, 1); eb_u8(&m, 3); eb_u8(&m, 4); eb_u8(&m, 4); /* TINYBLOB MEDIUMBLOB JSON GEOMETRY */

    eb_reset(&o);
    eb_u8(&o, 1); eb_lenenc(&o, 2); eb_u8(&o, 0x44); eb_u8(&o, 0x00); /* unsigned: 2nd, 6th numeric */
    {
        /* default utf8mb4_0900_ai_ci (255: a 3-byte lenenc), 2nd latin1, 4th binary */
        eb c;
        eb_reset(&c);
        eb_lenenc(&c, 255); eb_lenenc(&c, 1); eb_lenenc(&c, 8); eb_lenenc(&c, 3); eb_lenenc(&c, 63);
        eb_u8(&o, 2); eb_lenenc(&o, c.n); eb_bytes(&o, c.b, c.n);
    }
    {
        eb n;
        eb_reset(&n);
        for (int i = 0; i < NCOLS; i++) {
            char nm[8];
            snprintf(nm, sizeof nm, "c%d", i);
            eb_lenenc(&n, strlen(nm));
            eb_str(&n, nm);
        }
        eb_u8(&o, 4); eb_lenenc(&o, n.n); eb_bytes(&o, n.b, n.n);
    }
    eb_u8(&o, 6); eb_lenenc(&o, 7); eb_lenenc(&o, 3); eb_lenenc(&o, 1); eb_str(&o, "a");
    eb_lenenc(&o, 1); eb_str(&o, "b"); eb_lenenc(&o, 1); eb_str(&o, "c");        /* ENUM labels */
    eb_u8(&o, 5); eb_lenenc(&o, 7); eb_lenenc(&o, 2); eb_lenenc(&o, 2); eb_str(&o, "s1");
    eb_lenenc(&o, 2); eb_str(&o, "s2");                                         /* SET labels */
    eb_u8(&o, 7); eb_lenenc(&o, 1); eb_lenenc(&o, 1);                           /* POINT */
    eb_u8(&o, 8); eb_lenenc(&o, 1); eb_lenenc(&o, 4);                           /* PK: c4 */
    eb_u8(&o, 11); eb_lenenc(&o, 2); eb_lenenc(&o, 45); eb_lenenc(&o, 46);       /* ENUM/SET cs */
    eb_u8(&o, 12); eb_lenenc(&o, 4); eb_u8(&o, 0xff); eb_u8(&o, 0xff); eb_u8(&o, 0xff);
    eb_u8(&o, 0xf8);                                                            /* c29 invisible */
    eb_u8(&o, 99); eb_lenenc(&o, 3); eb_str(&o, "new");                         /* a future field */

    eb_reset(&e);
    eb_le(&e, 42, 6);
    eb_le(&e, 1, 2);
    eb_u8(&e, 4); eb_str(&e, "shop"); eb_u8(&e, 0);
    eb_u8(&e, 5); eb_str(&e, "items"); eb_u8(&e, 0);
    eb_lenenc(&e, NCOLS);
    eb_bytes(&e, types, NCOLS);
    eb_lenenc(&e, m.n);
    eb_bytes(&e, m.b, m.n);
    eb_le(&e, 0x3ffffffe, 4); /* all nullable but c0 */
    eb_bytes(&e, o.b, o.n);
    return eb_event(out, HM_BINLOG_T_TABLE_MAP, &e, 400, 1, 0);
}

static void row(eb *e)
{
    eb j;
    eb_le(e, 0x20000000, 4); /* NULL bitmap over the 30 present columns: c29 NULL */
    eb_u8(e, (uint8_t)-5);                            /* c0 TINY */
    eb_u8(e, 250);                                    /* c1 TINY UNSIGNED */
    eb_le(e, (uint16_t)-300, 2);                      /* c2 SHORT */
    eb_le(e, 0x800000, 3);                            /* c3 INT24 -8388608 */
    eb_le(e, 2147483647, 4);                          /* c4 LONG */
    eb_le(e, UINT64_MAX, 8);                          /* c5 LONGLONG UNSIGNED */
    {
        float f = 3.25f;
        uint32_t b;
        memcpy(&b, &f, 4);
        eb_le(e, b, 4);                               /* c6 FLOAT */
        double d = -2.5e-300;
        uint64_t q;
        memcpy(&q, &d, 8);
        eb_le(e, q, 8);                               /* c7 DOUBLE */
    }
    eb_bytes(e, "\x7f\xfb\x2d\xe9\xd1", 5);           /* c8 DECIMAL(10,4) -1234.5678 */
    eb_bytes(e, "\x89\x3b\x9a\xc9\xff\x3b\x9a\xc9\xff\x09", 10); /* c9 9999999999.9999999999 */
    eb_u8(e, 124);                                    /* c10 YEAR 2024 */
    eb_le(e, 29 | 2 << 5 | 2024 << 9, 3);             /* c11 DATE */
    put_time2(e, time_packed(1, 838, 59, 59, 0), 0);  /* c12 TIME(0) -838:59:59 */
    put_time2(e, time_packed(1, 0, 0, 1, 500000), 3); /* c13 TIME(3) -00:00:01.500 */
    put_datetime2(e, 2024, 2, 29, 12, 34, 56, 789012, 6); /* c14 */
    eb_be(e, 1700000000, 4); eb_be(e, 123 * 10, 2);   /* c15 TIMESTAMP(3) .123 */
    eb_be(e, 0xabc, 2);                               /* c16 BIT(12) */
    eb_u8(e, 2);                                      /* c17 ENUM 'b' */
    eb_le(e, 0x0003, 2);                              /* c18 SET 's1,s2' */
    eb_le(e, 6, 2); eb_str(e, "wide c");              /* c19 CHAR(100): 2-byte length */
    eb_le(e, 3, 2); eb_str(e, "abc");                 /* c20 VARCHAR(300) */
    eb_u8(e, 2); eb_str(e, "hi");                     /* c21 VARCHAR(10) */
    eb_u8(e, 3); eb_bytes(e, "\x00\x01\x02", 3);      /* c22 TINYBLOB */
    eb_le(e, 4, 3); eb_str(e, "blob");                /* c23 MEDIUMBLOB */
    eb_reset(&j);
    json_small(&j);
    eb_le(e, j.n, 4); eb_bytes(e, j.b, j.n);          /* c24 JSON */
    eb_le(e, 25, 4); eb_le(e, 0, 4); eb_u8(e, 1); eb_le(e, 1, 4); /* c25 POINT(1 2), SRID 0 */
    {
        double x = 1, y = 2;
        uint64_t q;
        memcpy(&q, &x, 8);
        eb_le(e, q, 8);
        memcpy(&q, &y, 8);
        eb_le(e, q, 8);
    }
    eb_le(e, 1700000000, 4);                          /* c26 TIMESTAMP */
    eb_le(e, 20240229123456ull, 8);                   /* c27 DATETIME */
    eb_le(e, (uint32_t)-123456 & 0xffffff, 3);        /* c28 TIME -12:34:56 */
}

static size_t write_rows(uint8_t *out, size_t cut)
{
    eb e, r;
    eb_reset(&r);
    row(&r);
    eb_reset(&e);
    eb_le(&e, 42, 6);
    eb_le(&e, 1, 2);
    eb_le(&e, 2, 2);
    eb_lenenc(&e, NCOLS);
    eb_le(&e, 0x3fffffff, 4);
    eb_bytes(&e, r.b, cut < r.n ? cut : r.n);
    return eb_event(out, HM_BINLOG_T_WRITE_ROWS, &e, 600, 1, 0);
}

static size_t row_len(void)
{
    eb r;
    eb_reset(&r);
    row(&r);
    return r.n;
}

static void test_every_type(void **state)
{
    static hm_binlog_value v[NCOLS];
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_binlog_table *t;
    hm_binlog_rows_iter it;
    hm_buf jb;
    hm_err err;
    bool more;
    char s[128];
    size_t n;
    (void)state;
    hm_binlog_fmt_init(&fmt);
    fmt.checksum_alg = HM_BINLOG_CRC_CRC32;
    n = table_map(evbuf);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 400, &ev, &err), HM_OK);
    if (hm_binlog_table_new(&fmt, &ev, &t, &err) != HM_OK)
        fail_msg("%s", err.msg);
    assert_string_equal(t->db, "shop");
    assert_string_equal(t->name, "items");
    assert_int_equal(t->table_id, 42);
    assert_int_equal(t->first_unknown, -1);
    assert_true(t->has_signedness && t->has_names && t->has_pk && t->has_charsets &&
                t->has_labels && t->has_geometry_types && t->has_visibility);
    assert_false(t->cols[0].is_unsigned);
    assert_true(t->cols[1].is_unsigned);
    assert_true(t->cols[5].is_unsigned);
    assert_false(t->cols[9].is_unsigned);
    assert_int_equal(t->cols[17].type, HM_COL_ENUM);
    assert_int_equal(t->cols[18].type, HM_COL_SET);
    assert_int_equal(t->cols[19].max_len, 400);
    assert_int_equal(t->cols[19].charset, 255);
    assert_int_equal(t->cols[20].charset, 8);
    assert_int_equal(t->cols[21].charset, 255);
    assert_int_equal(t->cols[22].charset, 63);
    assert_int_equal(t->cols[17].charset, 45);
    assert_int_equal(t->cols[18].charset, 46);
    assert_int_equal(t->cols[25].geometry_type, 1);
    assert_int_equal(t->n_pk, 1);
    assert_int_equal(t->pk[0], 4);
    assert_true(t->cols[28].visible);
    assert_false(t->cols[29].visible);
    assert_memory_equal(t->cols[13].name.p, "c13", 3);
    assert_int_equal(t->cols[17].n_labels, 3);
    hm_binlog_str lab;
    assert_true(hm_binlog_table_label(&t->cols[18], 1, &lab));
    assert_memory_equal(lab.p, "s2", 2);
    assert_false(hm_binlog_table_label(&t->cols[18], 2, &lab));
    assert_false(t->cols[0].nullable);
    assert_true(t->cols[29].nullable);
    hm_binlog_column_type_str(&t->cols[8], s, sizeof s);
    assert_string_equal(s, "DECIMAL(10,4)");
    hm_binlog_column_type_str(&t->cols[16], s, sizeof s);
    assert_string_equal(s, "BIT(12)");

    n = write_rows(evbuf, SIZE_MAX);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 600, &ev, &err), HM_OK);
    assert_int_equal(hm_binlog_rows_begin(&it, &fmt, &ev, t, &err), HM_OK);
    if (hm_binlog_rows_next(&it, NULL, v, &more, &err) != HM_OK)
        fail_msg("%s", err.msg);
    assert_true(more);
    assert_int_equal(v[0].i, -5);
    assert_int_equal(v[1].u, 250);
    assert_int_equal(v[1].i, -6); /* the raw byte read as signed: signedness tells which */
    assert_int_equal(v[2].i, -300);
    assert_int_equal(v[3].i, -8388608);
    assert_int_equal(v[4].i, 2147483647);
    assert_true(v[5].u == UINT64_MAX && v[5].i == -1);
    assert_true(v[6].f == 3.25f && v[6].d == 3.25);
    assert_true(v[7].d == -2.5e-300);
    assert_int_equal(hm_binlog_decimal_str(v[8].ptr, v[8].len, 10, 4, s, sizeof s, &err), HM_OK);
    assert_string_equal(s, "-1234.5678");
    assert_int_equal(hm_binlog_decimal_str(v[9].ptr, v[9].len, 20, 10, s, sizeof s, &err), HM_OK);
    assert_string_equal(s, "9999999999.9999999999");
    assert_int_equal(v[10].i, 2024);
    hm_binlog_time_str(&v[11], s, sizeof s);
    assert_string_equal(s, "2024-02-29");
    hm_binlog_time_str(&v[12], s, sizeof s);
    assert_string_equal(s, "-838:59:59");
    hm_binlog_time_str(&v[13], s, sizeof s);
    assert_string_equal(s, "-00:00:01.500");
    hm_binlog_time_str(&v[14], s, sizeof s);
    assert_string_equal(s, "2024-02-29 12:34:56.789012");
    assert_int_equal(v[15].u, 1700000000);
    assert_int_equal(v[15].tm.usec, 123000);
    assert_int_equal(v[16].u, 0xabc);
    assert_int_equal(v[17].u, 2);
    assert_int_equal(v[18].u, 3);
    assert_int_equal(v[19].len, 6);
    assert_memory_equal(v[19].ptr, "wide c", 6);
    assert_memory_equal(v[20].ptr, "abc", 3);
    assert_memory_equal(v[21].ptr, "hi", 2);
    assert_int_equal(v[22].len, 3);
    assert_memory_equal(v[23].ptr, "blob", 4);
    hm_buf_init(&jb, 4096);
    assert_int_equal(hm_binlog_json_text(v[24].ptr, v[24].len, &jb, &err), HM_OK);
    assert_string_equal(jb.data, "{\"k\": [1, \"x\"]}");
    hm_buf_release(&jb);
    assert_int_equal(v[25].len, 25);
    assert_int_equal(v[26].u, 1700000000);
    hm_binlog_time_str(&v[27], s, sizeof s);
    assert_string_equal(s, "2024-02-29 12:34:56");
    hm_binlog_time_str(&v[28], s, sizeof s);
    assert_string_equal(s, "-12:34:56");
    assert_true(v[29].present && v[29].is_null);
    assert_int_equal(hm_binlog_rows_next(&it, NULL, v, &more, &err), HM_OK);
    assert_false(more);

    /* the rows cut at every length: an error naming the row and column, no overread */
    size_t full = row_len();
    for (size_t cut = 1; cut < full; cut++) {
        n = write_rows(evbuf, cut);
        uint8_t *p = malloc(n);
        memcpy(p, evbuf, n);
        assert_int_equal(hm_binlog_event_decode(&fmt, p, n, 600, &ev, &err), HM_OK);
        assert_int_equal(hm_binlog_rows_begin(&it, &fmt, &ev, t, &err), HM_OK);
        assert_int_equal(hm_binlog_rows_next(&it, NULL, v, &more, &err), HM_ESOURCE);
        assert_non_null(strstr(err.msg, "`shop`.`items`: row 1"));
        free(p);
    }

    /* wrong table, still compressed, unknown column type */
    n = write_rows(evbuf, SIZE_MAX);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 600, &ev, &err), HM_OK);
    t->table_id = 43;
    assert_int_equal(hm_binlog_rows_begin(&it, &fmt, &ev, t, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "another table id"));
    t->table_id = 42;
    ev.u.rows.compressed = true;
    assert_int_equal(hm_binlog_rows_begin(&it, &fmt, &ev, t, &err), HM_EUSAGE);
    hm_binlog_table_free(t);
}

static void test_unknown_column_type(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_binlog_table *t;
    hm_binlog_rows_iter it;
    hm_err err;
    eb e;
    size_t n;
    (void)state;
    hm_binlog_fmt_init(&fmt);
    eb_reset(&e);
    eb_le(&e, 7, 6); eb_le(&e, 0, 2);
    eb_u8(&e, 1); eb_str(&e, "d"); eb_u8(&e, 0);
    eb_u8(&e, 1); eb_str(&e, "t"); eb_u8(&e, 0);
    eb_lenenc(&e, 2); eb_u8(&e, HM_COL_LONG); eb_u8(&e, 200);
    eb_lenenc(&e, 1); eb_u8(&e, 9);
    eb_u8(&e, 0);
    n = eb_event(evbuf, HM_BINLOG_T_TABLE_MAP, &e, 100, 0, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 100, &ev, &err), HM_OK);
    assert_int_equal(hm_binlog_table_new(&fmt, &ev, &t, &err), HM_OK);
    assert_int_equal(t->first_unknown, 1);
    eb_reset(&e);
    eb_le(&e, 7, 6); eb_le(&e, 1, 2); eb_lenenc(&e, 2); eb_u8(&e, 3);
    eb_u8(&e, 0); eb_le(&e, 1, 4); eb_u8(&e, 0);
    n = eb_event(evbuf, HM_BINLOG_T_WRITE_ROWS_V1, &e, 200, 0, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 200, &ev, &err), HM_OK);
    assert_int_equal(hm_binlog_rows_begin(&it, &fmt, &ev, t, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "type this decoder does not know: type 200"));
    hm_binlog_table_free(t);
}

static void test_table_ids(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_binlog_tables ts;
    const hm_binlog_table *a, *b;
    hm_err err;
    size_t n;
    (void)state;
    hm_binlog_fmt_init(&fmt);
    fmt.checksum_alg = HM_BINLOG_CRC_CRC32;
    hm_binlog_tables_init(&ts);
    assert_null(hm_binlog_tables_get(&ts, 42));
    n = table_map(evbuf);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 400, &ev, &err), HM_OK);
    assert_int_equal(hm_binlog_tables_put(&ts, &fmt, &ev, &a, &err), HM_OK);
    assert_int_equal(hm_binlog_tables_put(&ts, &fmt, &ev, &b, &err), HM_OK);
    assert_ptr_equal(a, b); /* same bytes: kept */
    assert_ptr_equal(hm_binlog_tables_get(&ts, 42), a);
    /* many tables: the map grows */
    for (uint64_t id = 1000; id < 1300; id++) {
        evbuf[19] = (uint8_t)id;
        evbuf[20] = (uint8_t)(id >> 8);
        eb_resize(evbuf, n, 1);
        assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 400, &ev, &err), HM_OK);
        assert_int_equal(hm_binlog_tables_put(&ts, &fmt, &ev, &b, &err), HM_OK);
        assert_int_equal(b->table_id, id);
    }
    for (uint64_t id = 1000; id < 1300; id++)
        assert_int_equal(hm_binlog_tables_get(&ts, id)->table_id, id);
    assert_int_equal(hm_binlog_tables_get(&ts, 42)->table_id, 42);
    hm_binlog_tables_clear(&ts);
    assert_null(hm_binlog_tables_get(&ts, 42));
    hm_binlog_tables_release(&ts);
}

static void test_decimal(void **state)
{
    static const struct {
        unsigned p, s;
        const char *bin;
        size_t len;
        const char *text;
    } cases[] = {
        {1, 0, "\x80", 1, "0"},
        {1, 0, "\x89", 1, "9"},
        {1, 0, "\x76", 1, "-9"},
        {9, 9, "\x87\x5b\xcd\x15", 4, "0.123456789"},
        {10, 0, "\x81\x0d\xfb\x38\xd2", 5, "1234567890"},
        {5, 2, "\x83\xe7\x63", 3, "999.99"},
        {5, 2, "\x7c\x18\x9c", 3, "-999.99"},
        {4, 2, "\x80\x05", 2, "0.05"},
        {18, 9, "\x80\x00\x00\x00\x00\x00\x00\x01", 8, "0.000000001"},
        {20, 10, "\x89\x3b\x9a\xc9\xff\x3b\x9a\xc9\xff\x09", 10, "9999999999.9999999999"},
    };
    char s[80];
    hm_err err;
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(hm_binlog_decimal_size(cases[i].p, cases[i].s), cases[i].len);
        if (hm_binlog_decimal_str((const uint8_t *)cases[i].bin, cases[i].len, cases[i].p,
                                  cases[i].s, s, sizeof s, &err) != HM_OK)
            fail_msg("case %zu: %s", i, err.msg);
        assert_string_equal(s, cases[i].text);
    }
    assert_int_equal(hm_binlog_decimal_size(65, 30), 30);
    /* a 9-digit group above 999999999 */
    assert_int_equal(hm_binlog_decimal_str((const uint8_t *)"\xbb\x9a\xca\x00", 4, 9, 0, s,
                                           sizeof s, &err),
                     HM_ESOURCE);
    /* precision out of range, wrong length */
    assert_int_equal(hm_binlog_decimal_str((const uint8_t *)"\x80", 1, 66, 0, s, sizeof s, &err),
                     HM_ESOURCE);
    assert_int_equal(hm_binlog_decimal_str((const uint8_t *)"\x80", 1, 5, 2, s, sizeof s, &err),
                     HM_ESOURCE);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_is(const eb *doc, const char *want)
{
    hm_buf b;
    hm_err err;
    hm_buf_init(&b, 1 << 20);
    if (hm_binlog_json_text(doc->b, doc->n, &b, &err) != HM_OK)
        fail_msg("%s (want %s)", err.msg, want);
    assert_string_equal(b.data, want);
    hm_buf_release(&b);
    /* any shorter document is malformed, and read within its bytes */
    for (size_t n = 1; n < doc->n; n++) {
        uint8_t *p = malloc(n);
        memcpy(p, doc->b, n);
        hm_buf_init(&b, 1 << 20);
        assert_int_equal(hm_binlog_json_text(p, n, &b, &err), HM_ESOURCE);
        hm_buf_release(&b);
        free(p);
    }
}

static void scalar(eb *e, unsigned type, uint64_t v, unsigned n)
{
    eb_reset(e);
    eb_u8(e, type);
    eb_le(e, v, n);
}

static void test_json(void **state)
{
    eb e;
    double d;
    uint64_t q;
    (void)state;
    eb_reset(&e);
    json_small(&e);
    json_is(&e, "{\"k\": [1, \"x\"]}");

    scalar(&e, 0x04, 0, 1); json_is(&e, "null");
    scalar(&e, 0x04, 1, 1); json_is(&e, "true");
    scalar(&e, 0x04, 2, 1); json_is(&e, "false");
    scalar(&e, 0x05, (uint16_t)-2, 2); json_is(&e, "-2");
    scalar(&e, 0x06, 65535, 2); json_is(&e, "65535");
    scalar(&e, 0x07, (uint32_t)-70000, 4); json_is(&e, "-70000");
    scalar(&e, 0x08, 4000000000u, 4); json_is(&e, "4000000000");
    scalar(&e, 0x09, (uint64_t)-5000000000000000000ll, 8); json_is(&e, "-5000000000000000000");
    scalar(&e, 0x0a, UINT64_MAX, 8); json_is(&e, "18446744073709551615");
    d = 2.5; memcpy(&q, &d, 8); scalar(&e, 0x0b, q, 8); json_is(&e, "2.5");
    d = 3; memcpy(&q, &d, 8); scalar(&e, 0x0b, q, 8); json_is(&e, "3.0");
    d = 0.1; memcpy(&q, &d, 8); scalar(&e, 0x0b, q, 8); json_is(&e, "0.1");
    d = -1e300; memcpy(&q, &d, 8); scalar(&e, 0x0b, q, 8); json_is(&e, "-1e+300");

    /* a string with everything that needs escaping; a 200-byte one (2-byte length) */
    eb_reset(&e);
    eb_u8(&e, 0x0c); eb_u8(&e, 12); eb_bytes(&e, "a\"b\\c\n\x01\t\xc3\xa9/\x7f", 12);
    json_is(&e, "\"a\\\"b\\\\c\\n\\u0001\\t\xc3\xa9/\x7f\"");
    eb_reset(&e);
    eb_u8(&e, 0x0c); eb_u8(&e, 0x80 | (200 & 0x7f)); eb_u8(&e, 200 >> 7);
    for (int i = 0; i < 200; i++)
        eb_u8(&e, 'z');
    {
        char want[210] = "\"";
        memset(want + 1, 'z', 200);
        strcpy(want + 201, "\"");
        json_is(&e, want);
    }

    /* large object {"big": [true, -1, "s"]}: 4-byte counts and offsets, int32 inlined */
    eb_reset(&e);
    eb_u8(&e, 0x01);
    eb_le(&e, 1, 4); eb_le(&e, 8 + 6 + 5 + 3 + 25, 4);
    eb_le(&e, 19, 4); eb_le(&e, 3, 2);                /* key at 19 */
    eb_u8(&e, 0x03); eb_le(&e, 22, 4);               /* large array at 22 */
    eb_str(&e, "big");
    eb_le(&e, 3, 4); eb_le(&e, 25, 4);               /* array: 3 elements, 25 bytes */
    eb_u8(&e, 0x04); eb_le(&e, 1, 4);                /* true */
    eb_u8(&e, 0x07); eb_le(&e, (uint32_t)-1, 4);     /* int32 inlined */
    eb_u8(&e, 0x0c); eb_le(&e, 23, 4);               /* string at 23 */
    eb_u8(&e, 1); eb_str(&e, "s");
    json_is(&e, "{\"big\": [true, -1, \"s\"]}");

    /* empty containers */
    eb_reset(&e);
    eb_u8(&e, 0x02); eb_le(&e, 0, 2); eb_le(&e, 4, 2);
    json_is(&e, "[]");
    eb_reset(&e);
    eb_u8(&e, 0x00); eb_le(&e, 0, 2); eb_le(&e, 4, 2);
    json_is(&e, "{}");

    /* opaque values: DECIMAL(4,2) 12.50, DATETIME, DATE, TIME, and another type as base64 */
    eb_reset(&e);
    eb_u8(&e, 0x0f); eb_u8(&e, HM_COL_NEWDECIMAL); eb_u8(&e, 4); eb_u8(&e, 4); eb_u8(&e, 2);
    eb_bytes(&e, "\x8c\x32", 2);
    json_is(&e, "12.50");
    int64_t ymd = ((2024 * 13 + 2) << 5) | 29, hms = (12 << 12) | (34 << 6) | 56;
    eb_reset(&e);
    eb_u8(&e, 0x0f); eb_u8(&e, HM_COL_DATETIME); eb_u8(&e, 8);
    eb_le(&e, (uint64_t)((((ymd << 17) | hms) << 24) + 789012), 8);
    json_is(&e, "\"2024-02-29 12:34:56.789012\"");
    eb_reset(&e);
    eb_u8(&e, 0x0f); eb_u8(&e, HM_COL_DATE); eb_u8(&e, 8);
    eb_le(&e, (uint64_t)((ymd << 17) << 24), 8);
    json_is(&e, "\"2024-02-29\"");
    eb_reset(&e);
    eb_u8(&e, 0x0f); eb_u8(&e, HM_COL_TIME); eb_u8(&e, 8);
    eb_le(&e, (uint64_t)time_packed(1, 1, 2, 3, 500000), 8);
    json_is(&e, "\"-01:02:03.500000\"");
    eb_reset(&e);
    eb_u8(&e, 0x0f); eb_u8(&e, HM_COL_BLOB); eb_u8(&e, 2); eb_bytes(&e, "\x00\x01", 2);
    json_is(&e, "\"base64:type252:AAE=\"");

    /* an empty document is null */
    eb_reset(&e);
    json_is(&e, "null");
}

static void test_json_malformed(void **state)
{
    hm_buf b;
    hm_err err;
    eb e;
    (void)state;
    hm_buf_init(&b, 1 << 20);
    /* a key offset past the object */
    eb_reset(&e);
    json_small(&e);
    e.b[5] = 200;
    assert_int_equal(hm_binlog_json_text(e.b, e.n, &b, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "key out of bounds"));
    /* a value offset past the object */
    eb_reset(&e);
    json_small(&e);
    e.b[10] = 240;
    assert_int_equal(hm_binlog_json_text(e.b, e.n, &b, &err), HM_ESOURCE);
    /* an object claiming more elements than fit */
    eb_reset(&e);
    json_small(&e);
    e.b[1] = 0xff;
    assert_int_equal(hm_binlog_json_text(e.b, e.n, &b, &err), HM_ESOURCE);
    /* unknown type and literal */
    eb_reset(&e);
    eb_u8(&e, 0x0d); eb_u8(&e, 0);
    assert_int_equal(hm_binlog_json_text(e.b, e.n, &b, &err), HM_ESOURCE);
    scalar(&e, 0x04, 7, 1);
    assert_int_equal(hm_binlog_json_text(e.b, e.n, &b, &err), HM_ESOURCE);
    /* 1000 nested arrays [[[...]]]: refused, not a stack overflow */
    eb_reset(&e);
    eb_u8(&e, 0x02);
    for (int i = 0; i < 1000; i++) {
        size_t rest = (size_t)(1000 - i) * 7;
        eb_le(&e, 1, 2); eb_le(&e, rest < 65535 ? rest : 65535, 2);
        eb_u8(&e, 0x02); eb_le(&e, 7, 2);
    }
    hm_buf_reset(&b);
    assert_int_equal(hm_binlog_json_text(e.b, e.n, &b, &err), HM_ESOURCE);
    /* the output buffer's limit */
    hm_buf_release(&b);
    hm_buf_init(&b, 4);
    eb_reset(&e);
    json_small(&e);
    assert_int_equal(hm_binlog_json_text(e.b, e.n, &b, &err), HM_ENOMEM);
    hm_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_unknown_column_type),
        cmocka_unit_test(test_table_ids),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
