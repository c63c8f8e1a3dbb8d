/*
 * tests/unit/binlog/test_event.c: the event decoder on hand-built events.
 *
 *   - a MySQL 8 FORMAT_DESCRIPTION sets the stream's checksum and post-header lengths; a 5.5 one
 *     has no checksum byte
 *   - every event kind, cut at every length (size field kept: a short read; size field rewritten
 *     and CRC recomputed: a consistent but short event), is rejected or decoded within its bytes,
 *     never read past; the same with each byte of the event flipped against its CRC
 *   - a flipped byte fails the CRC check with a message naming position and both CRCs
 *   - an unknown type comes back as HM_BINLOG_EV_UNKNOWN with its type, position and ignorable flag
 *   - ROTATE positions and event positions past 4 GiB keep all 64 bits
 *   - MySQL GTID (uuid:n, 8.0 commit timestamps, transaction length, server versions), ANONYMOUS
 *     GTID, PREVIOUS_GTIDS as a GTID set, MariaDB GTID (commit id, XA), GTID_LIST, HEARTBEAT v1/v2,
 *     QUERY status variables, ROWS_QUERY, INCIDENT, XA_PREPARE
 *   - TRANSACTION_PAYLOAD: zstd-compressed and uncompressed payloads give back their inner events
 *   - PARTIAL_UPDATE_ROWS and tagged GTIDs fail with a clear message
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "binlog/event.h"
#include "binlog/reader.h"
#include "binlog/inflate.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "evbuild.h"

static uint8_t evbuf[1 << 17];

static const uint8_t SID1[16] = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                                 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
static const uint8_t SID2[16] = {0xb8, 0x41, 0x9c, 0x7a, 0x00, 0x01, 0x11, 0xee,
                                 0x8c, 0x99, 0x02, 0x42, 0xac, 0x12, 0x00, 0x02};

/* MySQL 8.0's post-header lengths, types 1..41 */
static const uint8_t mysql8_ph[41] = {56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 98, 0, 4, 26,
                                      8,  0,  0, 0, 8, 8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0,
                                      18, 52, 0, 10, 0, 0};

static size_t build_fde(uint8_t *out, const char *version, int alg)
{
    eb e;
    char v[50] = {0};
    eb_reset(&e);
    eb_le(&e, 4, 2);
    strncpy(v, version, sizeof v - 1);
    eb_bytes(&e, v, 50);
    eb_le(&e, 1700000000, 4);
    eb_u8(&e, 19);
    eb_bytes(&e, mysql8_ph, sizeof mysql8_ph);
    if (alg >= 0)
        eb_u8(&e, (unsigned)alg);
    /* the FDE carries a CRC whenever it has the algorithm byte */
    return eb_event(out, HM_BINLOG_T_FORMAT_DESCRIPTION, &e, 4, alg >= 0, 0);
}

static void mysql8_fmt(hm_binlog_fmt *fmt)
{
    hm_binlog_event ev;
    hm_err err;
    size_t n = build_fde(evbuf, "8.0.36", HM_BINLOG_CRC_CRC32);
    hm_binlog_fmt_init(fmt);
    assert_int_equal(hm_binlog_event_decode(fmt, evbuf, n, 4, &ev, &err), HM_OK);
}

static void test_fde(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    assert_true(fmt.have_fde);
    assert_false(fmt.mariadb);
    assert_int_equal(fmt.checksum_alg, HM_BINLOG_CRC_CRC32);
    assert_int_equal(fmt.version, 80036);
    assert_int_equal(fmt.post_header_len[HM_BINLOG_T_GTID], 42);
    assert_int_equal(fmt.post_header_len[HM_BINLOG_T_WRITE_ROWS], 10);

    /* MySQL 5.5 knows no checksums: no algorithm byte, no CRC */
    hm_binlog_fmt_init(&fmt);
    n = build_fde(evbuf, "5.5.62-log", -1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 4, &ev, &err), HM_OK);
    assert_int_equal(fmt.checksum_alg, HM_BINLOG_CRC_OFF);
    assert_false(ev.has_crc);
    assert_int_equal(fmt.n_post_header_len, 41);

    /* checksums off: the FDE still has its algorithm byte and CRC, the others have none */
    hm_binlog_fmt_init(&fmt);
    n = build_fde(evbuf, "10.11.6-MariaDB-log", HM_BINLOG_CRC_OFF);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 4, &ev, &err), HM_OK);
    assert_true(fmt.mariadb);
    assert_int_equal(fmt.checksum_alg, HM_BINLOG_CRC_OFF);
    assert_true(ev.has_crc);

    /* binlog format versions other than 4 are refused */
    n = build_fde(evbuf, "8.0.36", 1);
    evbuf[19] = 3;
    eb_resize(evbuf, n, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 4, &ev, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "version is not 4"));
}

/* ---- one event of each kind, for the truncation and corruption sweeps ---------------------- */

typedef size_t (*build_fn)(uint8_t *out, int crc);

static size_t build_query(uint8_t *out, int crc)
{
    eb s, e;
    eb_reset(&s);
    eb_u8(&s, 0); eb_le(&s, 0x00040000, 4);                   /* FLAGS2 */
    eb_u8(&s, 1); eb_le(&s, 0x5a200000ull, 8);                 /* SQL_MODE */
    eb_u8(&s, 6); eb_u8(&s, 3); eb_str(&s, "std");             /* CATALOG_NZ */
    eb_u8(&s, 4); eb_le(&s, 33, 2); eb_le(&s, 33, 2); eb_le(&s, 8, 2); /* CHARSET */
    eb_u8(&s, 5); eb_u8(&s, 6); eb_str(&s, "+02:00");          /* TIME_ZONE */
    eb_u8(&s, 12); eb_u8(&s, 2); eb_str(&s, "d1"); eb_u8(&s, 0); eb_str(&s, "d2"); eb_u8(&s, 0);
    eb_u8(&s, 11); eb_u8(&s, 4); eb_str(&s, "root"); eb_u8(&s, 9); eb_str(&s, "localhost");
    eb_u8(&s, 17); eb_le(&s, 4242, 8);                         /* DDL_LOGGED_WITH_XID */
    eb_u8(&s, 18); eb_le(&s, 255, 2);                          /* DEFAULT_COLLATION_FOR_UTF8MB4 */
    eb_u8(&s, 13); eb_le(&s, 123456, 3);                       /* MICROSECONDS */
    eb_reset(&e);
    eb_le(&e, 77, 4);
    eb_le(&e, 2, 4);
    eb_u8(&e, 4);
    eb_le(&e, 0, 2);
    eb_le(&e, s.n, 2);
    eb_bytes(&e, s.b, s.n);
    eb_str(&e, "shop");
    eb_u8(&e, 0);
    eb_str(&e, "CREATE TABLE t (a INT)");
    return eb_event(out, HM_BINLOG_T_QUERY, &e, 1000, crc, 0);
}

static size_t build_rotate(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 0x123456789aull, 8);
    eb_str(&e, "binlog.000042");
    return eb_event(out, HM_BINLOG_T_ROTATE, &e, 5000000000ull, crc, 0);
}

static size_t build_xid(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 987654321, 8);
    return eb_event(out, HM_BINLOG_T_XID, &e, 300, crc, 0);
}

static void table_map_body(eb *e, uint64_t table_id)
{
    eb_reset(e);
    eb_le(e, table_id, 6);
    eb_le(e, 1, 2);
    eb_u8(e, 2); eb_str(e, "db"); eb_u8(e, 0);
    eb_u8(e, 1); eb_str(e, "t"); eb_u8(e, 0);
    eb_lenenc(e, 3);
    eb_u8(e, HM_COL_LONG); eb_u8(e, HM_COL_VARCHAR); eb_u8(e, HM_COL_JSON);
    eb_lenenc(e, 3);
    eb_le(e, 40, 2); /* VARCHAR(40) */
    eb_u8(e, 4);     /* JSON: 4 length bytes */
    eb_u8(e, 0x06);  /* nullable: columns 2, 3 */
    /* optional metadata: signedness (1 numeric column: unsigned), column names */
    eb_u8(e, 1); eb_lenenc(e, 1); eb_u8(e, 0x80);
    eb_u8(e, 4); eb_lenenc(e, 9); eb_u8(e, 2); eb_str(e, "id"); eb_u8(e, 1); eb_str(e, "n");
    eb_u8(e, 3); eb_str(e, "doc");
    eb_u8(e, 8); eb_lenenc(e, 1); eb_u8(e, 0); /* primary key: column 0 */
}

static size_t build_table_map(uint8_t *out, int crc)
{
    eb e;
    table_map_body(&e, 0x0000123456789aull);
    return eb_event(out, HM_BINLOG_T_TABLE_MAP, &e, 400, crc, 0);
}

/* JSON {"k": [1, "x"]} in MySQL's binary format */
static void json_doc(eb *e)
{
    eb_u8(e, 0x00);           /* small object */
    eb_le(e, 1, 2);           /* 1 member */
    eb_le(e, 24, 2);          /* size */
    eb_le(e, 11, 2);          /* key at 11 */
    eb_le(e, 1, 2);           /* key length 1 */
    eb_u8(e, 0x02);           /* value: small array */
    eb_le(e, 12, 2);          /* at 12 */
    eb_str(e, "k");
    /* array at 12: count 2, size 12, entries (int16 1 inlined), (string at 10) */
    eb_le(e, 2, 2);
    eb_le(e, 12, 2);
    eb_u8(e, 0x05); eb_le(e, 1, 2);
    eb_u8(e, 0x0c); eb_le(e, 10, 2);
    eb_u8(e, 1); eb_str(e, "x");
}

static size_t build_write_rows(uint8_t *out, int crc)
{
    eb e, j;
    eb_reset(&j);
    json_doc(&j);
    eb_reset(&e);
    eb_le(&e, 0x0000123456789aull, 6);
    eb_le(&e, 1, 2);     /* STMT_END_F */
    eb_le(&e, 2, 2);     /* no extra data */
    eb_lenenc(&e, 3);
    eb_u8(&e, 0x07);     /* all present */
    /* row 1: 4294967295, 'hello', {"k": [1, "x"]} */
    eb_u8(&e, 0x00);
    eb_le(&e, 0xffffffffu, 4);
    eb_u8(&e, 5); eb_str(&e, "hello");
    eb_le(&e, j.n, 4); eb_bytes(&e, j.b, j.n);
    /* row 2: 7, NULL, NULL */
    eb_u8(&e, 0x06);
    eb_le(&e, 7, 4);
    return eb_event(out, HM_BINLOG_T_WRITE_ROWS, &e, 500, crc, 0);
}

static size_t build_update_rows_v1(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 0x0000123456789aull, 6);
    eb_le(&e, 1, 2);
    eb_lenenc(&e, 3);
    eb_u8(&e, 0x01);     /* before image: id only */
    eb_u8(&e, 0x02);     /* after image: n only */
    eb_u8(&e, 0x00); eb_le(&e, 9, 4);
    eb_u8(&e, 0x00); eb_u8(&e, 2); eb_str(&e, "up");
    return eb_event(out, HM_BINLOG_T_UPDATE_ROWS_V1, &e, 600, crc, 0);
}

static size_t build_gtid(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_u8(&e, 1);
    eb_bytes(&e, SID1, 16);
    eb_le(&e, 23, 8);
    eb_u8(&e, 2);
    eb_le(&e, 10, 8);
    eb_le(&e, 11, 8);
    eb_le(&e, (1ull << 55) | 1700000000123456ull, 7); /* immediate, original follows */
    eb_le(&e, 1690000000654321ull, 7);
    eb_lenenc(&e, 70000);                             /* transaction length */
    eb_le(&e, 0x80000000u | 80036, 4);                /* immediate, original follows */
    eb_le(&e, 80027, 4);
    return eb_event(out, HM_BINLOG_T_GTID, &e, 700, crc, 0);
}

static size_t build_previous_gtids(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 2, 8);
    eb_bytes(&e, SID1, 16);
    eb_le(&e, 2, 8);
    eb_le(&e, 1, 8); eb_le(&e, 6, 8);   /* 1-5 */
    eb_le(&e, 7, 8); eb_le(&e, 8, 8);   /* 7 */
    eb_bytes(&e, SID2, 16);
    eb_le(&e, 1, 8);
    eb_le(&e, 1, 8); eb_le(&e, 4, 8);   /* 1-3 */
    return eb_event(out, HM_BINLOG_T_PREVIOUS_GTIDS, &e, 800, crc, 0);
}

static size_t build_mariadb_gtid(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 1234567890123ull, 8);
    eb_le(&e, 3, 4);
    eb_u8(&e, 0x02 | 0x04);            /* group commit id, transactional */
    eb_le(&e, 555, 8);
    return eb_event(out, HM_BINLOG_T_MARIADB_GTID, &e, 900, crc, 0);
}

static size_t build_gtid_list(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 2, 4);
    eb_le(&e, 0, 4); eb_le(&e, 1, 4); eb_le(&e, 100, 8);
    eb_le(&e, 5, 4); eb_le(&e, 2, 4); eb_le(&e, 7, 8);
    return eb_event(out, HM_BINLOG_T_GTID_LIST, &e, 1100, crc, 0);
}

static size_t build_heartbeat_v2(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_lenenc(&e, 1); eb_lenenc(&e, 13); eb_str(&e, "binlog.000077");
    eb_lenenc(&e, 2); eb_lenenc(&e, 9); eb_lenenc(&e, 6000000000ull);
    eb_lenenc(&e, 0);
    return eb_event(out, HM_BINLOG_T_HEARTBEAT_V2, &e, 0, crc, 0);
}

static size_t build_rows_query(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_u8(&e, 17);
    eb_str(&e, "INSERT INTO t ...");
    return eb_event(out, HM_BINLOG_T_ROWS_QUERY, &e, 1200, crc, 0);
}

static size_t build_xa_prepare(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_u8(&e, 0);
    eb_le(&e, 1, 4);
    eb_le(&e, 3, 4);
    eb_le(&e, 2, 4);
    eb_str(&e, "gtrbq");
    return eb_event(out, HM_BINLOG_T_XA_PREPARE, &e, 1300, crc, 0);
}

static size_t build_incident(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 1, 2);
    eb_u8(&e, 9);
    eb_str(&e, "LOST_EVTS");
    return eb_event(out, HM_BINLOG_T_INCIDENT, &e, 1400, crc, 0);
}

static size_t build_checkpoint(uint8_t *out, int crc)
{
    eb e;
    eb_reset(&e);
    eb_le(&e, 13, 4);
    eb_str(&e, "binlog.000003");
    return eb_event(out, HM_BINLOG_T_BINLOG_CHECKPOINT, &e, 1500, crc, 0);
}

static const build_fn builders[] = {
    build_query, build_rotate, build_xid, build_table_map, build_write_rows,
    build_update_rows_v1, build_gtid, build_previous_gtids, build_mariadb_gtid, build_gtid_list,
    build_heartbeat_v2, build_rows_query, build_xa_prepare, build_incident, build_checkpoint,
};

/* Whatever an event decoded to, its pointers stay inside its bytes. */
static void assert_within(const hm_binlog_event *ev, const uint8_t *buf, size_t n)
{
#define IN(ptr, len)                                                                             \
    assert_true((len) == 0 || ((const uint8_t *)(ptr) >= buf &&                                  \
                               (const uint8_t *)(ptr) + (len) <= buf + n))
    IN(ev->body, ev->body_len);
    switch (ev->kind) {
    case HM_BINLOG_EV_QUERY:
        IN(ev->u.query.query.p, ev->u.query.query.len);
        IN(ev->u.query.db.p, ev->u.query.db.len);
        IN(ev->u.query.status.p, ev->u.query.status.len);
        IN(ev->u.query.time_zone.p, ev->u.query.time_zone.len);
        break;
    case HM_BINLOG_EV_TABLE_MAP:
        IN(ev->u.table_map.types, ev->u.table_map.ncols);
        IN(ev->u.table_map.meta, ev->u.table_map.meta_len);
        IN(ev->u.table_map.opt, ev->u.table_map.opt_len);
        break;
    case HM_BINLOG_EV_ROWS:
        IN(ev->u.rows.rows, ev->u.rows.rows_len);
        IN(ev->u.rows.cols, (ev->u.rows.ncols + 7) / 8);
        break;
    case HM_BINLOG_EV_ROTATE:
        IN(ev->u.rotate.file.p, ev->u.rotate.file.len);
        break;
    case HM_BINLOG_EV_HEARTBEAT:
        IN(ev->u.heartbeat.file.p, ev->u.heartbeat.file.len);
        break;
    default:
        break;
    }
#undef IN
}

static void test_truncated_every_length(void **state)
{
    hm_binlog_fmt fmt;
    (void)state;
    for (size_t b = 0; b < sizeof builders / sizeof *builders; b++) {
        for (int crc = 0; crc <= 1; crc++) {
            uint8_t full[4096], cut[4096];
            size_t n = builders[b](full, crc);
            hm_binlog_fmt_init(&fmt);
            fmt.checksum_alg = crc ? HM_BINLOG_CRC_CRC32 : HM_BINLOG_CRC_OFF;
            for (size_t len = 0; len < n; len++) {
                hm_binlog_event ev;
                hm_err err;
                uint8_t *p = (uint8_t *)malloc(len ? len : 1); /* exact size: ASan sees overreads */
                /* a short read: the size field says more than there is */
                memcpy(p, full, len);
                assert_int_equal(hm_binlog_event_decode(&fmt, p, len, 4, &ev, &err), HM_ESOURCE);
                /* a consistent short event: size field and CRC rewritten */
                memcpy(cut, full, len);
                if (len >= 19) {
                    eb_resize(cut, len, crc);
                    memcpy(p, cut, len);
                    if (hm_binlog_event_decode(&fmt, p, len, 4, &ev, &err) == HM_OK)
                        assert_within(&ev, p, len);
                    else
                        assert_non_null(strstr(err.msg, "binlog position 4: "));
                }
                free(p);
            }
        }
    }
}

static void test_bad_crc(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    (void)state;
    for (size_t b = 0; b < sizeof builders / sizeof *builders; b++) {
        uint8_t e[4096];
        size_t n = builders[b](e, 1);
        hm_binlog_fmt_init(&fmt);
        fmt.checksum_alg = HM_BINLOG_CRC_CRC32;
        assert_int_equal(hm_binlog_event_decode(&fmt, e, n, 4, &ev, &err), HM_OK);
        for (size_t i = 0; i < n; i++) {
            e[i] ^= 0x10;
            assert_int_equal(hm_binlog_event_decode(&fmt, e, n, 4, &ev, &err), HM_ESOURCE);
            e[i] ^= 0x10;
        }
    }
    /* the message: where, and both CRCs */
    uint8_t e[256];
    size_t n = build_xid(e, 1);
    e[25] ^= 1;
    hm_binlog_fmt_init(&fmt);
    hm_binlog_fmt_set_file(&fmt, "binlog.000009", 13);
    fmt.checksum_alg = HM_BINLOG_CRC_CRC32;
    assert_int_equal(hm_binlog_event_decode(&fmt, e, n, 5000000300ull, &ev, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "binlog binlog.000009:5000000300: XID event of 31 bytes: "
                                    "checksum mismatch (stored 0x"));
    /* not verified when asked not to */
    fmt.verify_checksum = false;
    assert_int_equal(hm_binlog_event_decode(&fmt, e, n, 300, &ev, &err), HM_OK);
    /* the FDE's own CRC */
    n = build_fde(e, "8.0.36", 1);
    e[30] ^= 1;
    hm_binlog_fmt_init(&fmt);
    assert_int_equal(hm_binlog_event_decode(&fmt, e, n, 4, &ev, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "checksum mismatch"));
}

static void test_unknown_type(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    eb e;
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    eb_reset(&e);
    eb_str(&e, "some future event");
    n = eb_event(evbuf, 200, &e, 6000000000ull, 1, HM_BINLOG_F_IGNORABLE);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 6000000000ull, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_UNKNOWN);
    assert_int_equal(ev.type, 200);
    assert_int_equal(ev.pos, 6000000000ull);
    assert_true(ev.flags & HM_BINLOG_F_IGNORABLE);
    assert_string_equal(hm_binlog_type_name(200), "type 200");
    char where[128];
    hm_binlog_fmt_set_file(&fmt, "binlog.000001", 13);
    hm_binlog_event_where(&fmt, &ev, where, sizeof where);
    assert_string_equal(where, "binlog.000001:6000000000 (type 200)");
    /* MySQL's type 38-42 era: unknown but named */
    assert_string_equal(hm_binlog_type_name(HM_BINLOG_T_TRANSACTION_PAYLOAD),
                        "TRANSACTION_PAYLOAD");
}

static void test_rotate_past_4gib(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    n = build_rotate(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 5000000000ull, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_ROTATE);
    assert_int_equal(ev.u.rotate.position, 0x123456789aull);
    assert_int_equal(ev.u.rotate.file.len, 13);
    assert_memory_equal(ev.u.rotate.file.p, "binlog.000042", 13);
    /* the event itself sits past 4 GiB: 64-bit positions, the header's 32 bits wrapped */
    assert_int_equal(ev.pos, 5000000000ull);
    assert_int_equal(ev.next_pos, 5000000000ull + n);
    assert_int_equal(ev.log_pos, (uint32_t)(5000000000ull + n));

    /* HEARTBEAT v2 carries a 64-bit position too; v1 only the header's 32 bits */
    n = build_heartbeat_v2(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 0, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_HEARTBEAT);
    assert_int_equal(ev.u.heartbeat.position, 6000000000ull);
    assert_memory_equal(ev.u.heartbeat.file.p, "binlog.000077", 13);
    eb e;
    eb_reset(&e);
    eb_str(&e, "binlog.000078");
    n = eb_event(evbuf, HM_BINLOG_T_HEARTBEAT, &e, 4000, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 0, &ev, &err), HM_OK);
    assert_int_equal(ev.u.heartbeat.position, 4000 + n);
    assert_int_equal(ev.u.heartbeat.file.len, 13);
}

static void test_gtids(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    hm_buf s;
    char g[80];
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    hm_buf_init(&s, 4096);

    n = build_gtid(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 700, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_MYSQL_GTID);
    assert_true(hm_binlog_gtid_format(&ev, g, sizeof g));
    assert_string_equal(g, "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
    assert_int_equal(ev.u.mysql_gtid.last_committed, 10);
    assert_int_equal(ev.u.mysql_gtid.sequence_number, 11);
    assert_true(ev.u.mysql_gtid.has_commit_ts);
    assert_int_equal(ev.u.mysql_gtid.immediate_commit_ts, 1700000000123456ull);
    assert_int_equal(ev.u.mysql_gtid.original_commit_ts, 1690000000654321ull);
    assert_int_equal(ev.u.mysql_gtid.trx_len, 70000);
    assert_int_equal(ev.u.mysql_gtid.immediate_server_version, 80036);
    assert_int_equal(ev.u.mysql_gtid.original_server_version, 80027);

    /* anonymous: the same layout, no GTID to print; a 5.7 one stops after the logical clock */
    eb e;
    eb_reset(&e);
    eb_u8(&e, 0);
    eb_bytes(&e, (uint8_t[16]){0}, 16);
    eb_le(&e, 0, 8);
    eb_u8(&e, 2);
    eb_le(&e, 4, 8);
    eb_le(&e, 5, 8);
    n = eb_event(evbuf, HM_BINLOG_T_ANONYMOUS_GTID, &e, 700, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 700, &ev, &err), HM_OK);
    assert_true(ev.u.mysql_gtid.anonymous);
    assert_false(ev.u.mysql_gtid.has_commit_ts);
    assert_false(hm_binlog_gtid_format(&ev, g, sizeof g));

    n = build_previous_gtids(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 800, &ev, &err), HM_OK);
    assert_int_equal(hm_binlog_gtid_set_format(&ev, &s), HM_OK);
    assert_string_equal(s.data, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,"
                                "b8419c7a-0001-11ee-8c99-0242ac120002:1-3");
    /* an interval that ends before it starts is malformed */
    evbuf[19 + 8 + 16 + 8 + 8] = 0;
    eb_resize(evbuf, n, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 800, &ev, &err), HM_ESOURCE);

    n = build_mariadb_gtid(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 900, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_MARIADB_GTID);
    assert_true(hm_binlog_gtid_format(&ev, g, sizeof g));
    assert_string_equal(g, "3-7-1234567890123");
    assert_true(ev.u.mariadb_gtid.has_commit_id);
    assert_int_equal(ev.u.mariadb_gtid.commit_id, 555);

    /* MariaDB XA: the XID after the flags */
    eb_reset(&e);
    eb_le(&e, 9, 8);
    eb_le(&e, 0, 4);
    eb_u8(&e, 0x40);
    eb_le(&e, 1, 4);
    eb_u8(&e, 2);
    eb_u8(&e, 1);
    eb_str(&e, "abc");
    n = eb_event(evbuf, HM_BINLOG_T_MARIADB_GTID, &e, 900, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 900, &ev, &err), HM_OK);
    assert_true(ev.u.mariadb_gtid.has_xid);
    assert_int_equal(ev.u.mariadb_gtid.xid_gtrid_len, 2);
    assert_memory_equal(ev.u.mariadb_gtid.xid_data, "abc", 3);

    n = build_gtid_list(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 1100, &ev, &err), HM_OK);
    hm_buf_reset(&s);
    assert_int_equal(hm_binlog_gtid_set_format(&ev, &s), HM_OK);
    assert_string_equal(s.data, "0-1-100,5-2-7");
    hm_buf_release(&s);
}

static void test_query_status(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    n = build_query(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 1000, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_QUERY);
    assert_int_equal(ev.u.query.thread_id, 77);
    assert_int_equal(ev.u.query.exec_time, 2);
    assert_memory_equal(ev.u.query.db.p, "shop", 4);
    assert_int_equal(ev.u.query.query.len, strlen("CREATE TABLE t (a INT)"));
    assert_true(ev.u.query.has_sql_mode);
    assert_int_equal(ev.u.query.sql_mode, 0x5a200000ull);
    assert_true(ev.u.query.has_catalog);
    assert_memory_equal(ev.u.query.catalog.p, "std", 3);
    assert_int_equal(ev.u.query.collation_server, 8);
    assert_memory_equal(ev.u.query.time_zone.p, "+02:00", 6);
    assert_int_equal(ev.u.query.xid, 4242);
    assert_int_equal(ev.u.query.default_collation_utf8mb4, 255);
    assert_int_equal(ev.u.query.microseconds, 123456);
    assert_int_equal(ev.u.query.stopped_at_code, 0);

    /* an unknown status variable ends the walk, keeping what came before */
    eb e;
    eb_reset(&e);
    eb_le(&e, 1, 4); eb_le(&e, 0, 4); eb_u8(&e, 0); eb_le(&e, 0, 2);
    eb_le(&e, 12, 2);
    eb_u8(&e, 1); eb_le(&e, 7, 8); eb_u8(&e, 99); eb_u8(&e, 1); eb_u8(&e, 2);
    eb_u8(&e, 0);
    eb_str(&e, "BEGIN");
    n = eb_event(evbuf, HM_BINLOG_T_QUERY, &e, 1000, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 1000, &ev, &err), HM_OK);
    assert_int_equal(ev.u.query.stopped_at_code, 99);
    assert_int_equal(ev.u.query.sql_mode, 7);
    assert_int_equal(ev.u.query.query.len, 5);
}

static void test_misc_events(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    n = build_rows_query(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 1200, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_ROWS_QUERY);
    assert_int_equal(ev.u.rows_query.query.len, 17);
    n = build_xa_prepare(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 1300, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_XA_PREPARE);
    assert_int_equal(ev.u.xa_prepare.gtrid_len, 3);
    n = build_incident(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 1400, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_INCIDENT);
    assert_memory_equal(ev.u.incident.message.p, "LOST_EVTS", 9);
    n = build_update_rows_v1(evbuf, 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 600, &ev, &err), HM_OK);
    assert_int_equal(ev.u.rows.action, HM_BINLOG_ROWS_UPDATE);
    assert_int_equal(ev.u.rows.version, 1);
    assert_non_null(ev.u.rows.cols_ai);
}

/* A file copied while its server had it open: the FDE has LOG_EVENT_BINLOG_IN_USE_F set, and its
 * CRC32 was computed before the flag was set. Read as MySQL does, it is whole; a CRC computed with
 * the flag set is not what a server writes, and is refused. */
static void test_fde_in_use(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    size_t n;
    (void)state;
    n = build_fde(evbuf, "8.0.36", HM_BINLOG_CRC_CRC32);
    evbuf[17] |= HM_BINLOG_F_IN_USE; /* set after the CRC, as the server does */
    hm_binlog_fmt_init(&fmt);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 4, &ev, &err), HM_OK);
    assert_true(ev.u.fde.in_use);
    assert_int_equal(fmt.checksum_alg, HM_BINLOG_CRC_CRC32);
    /* CRC recomputed over the flag set: corrupt for MySQL and MariaDB */
    eb_resize(evbuf, n, 1);
    hm_binlog_fmt_init(&fmt);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 4, &ev, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "checksum mismatch"));
    /* a closed file */
    n = build_fde(evbuf, "8.0.36", HM_BINLOG_CRC_CRC32);
    hm_binlog_fmt_init(&fmt);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 4, &ev, &err), HM_OK);
    assert_false(ev.u.fde.in_use);
}

/* MySQL's serialization-library varlen integer: n trailing 1 bits, then the value << (n + 1). */
static void eb_varlen(eb *e, uint64_t v)
{
    unsigned n = 0;
    while (n < 8 && v >= ((uint64_t)1 << (7 * (n + 1))))
        n++;
    if (n == 8) {
        eb_u8(e, 0xff);
        eb_le(e, v, 8);
        return;
    }
    eb_le(e, (v << (n + 1)) | (((uint64_t)1 << n) - 1), n + 1);
}

static void eb_varlen_signed(eb *e, int64_t v)
{
    eb_varlen(e, v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1);
}

/* A GTID_TAGGED body: version 2, size, last non-ignorable field id (lnif), fields. extra_fid: one
 * more field id at the end (0: none) with a 1-byte value. */
static size_t build_tagged_gtid(uint8_t *out, const char *tag, int64_t gno, uint64_t extra_fid,
                                uint64_t lnif)
{
    eb f, e;
    eb_reset(&f);
    eb_varlen(&f, 0); eb_varlen(&f, 1);                      /* flags */
    eb_varlen(&f, 1);
    for (int i = 0; i < 16; i++)
        eb_varlen(&f, SID1[i]);                                /* uuid */
    eb_varlen(&f, 2); eb_varlen_signed(&f, gno);              /* gno */
    eb_varlen(&f, 3); eb_varlen(&f, strlen(tag)); eb_str(&f, tag);
    eb_varlen(&f, 4); eb_varlen_signed(&f, 41);               /* last_committed */
    eb_varlen(&f, 5); eb_varlen_signed(&f, 42);               /* sequence_number */
    eb_varlen(&f, 6); eb_varlen(&f, 1770000000123456ull);     /* immediate commit ts */
    eb_varlen(&f, 8); eb_varlen(&f, 333);                     /* transaction length */
    eb_varlen(&f, 9); eb_varlen(&f, 90600);                   /* immediate server version */
    if (extra_fid) {
        eb_varlen(&f, extra_fid);
        eb_u8(&f, 0);
    }
    eb_reset(&e);
    eb_u8(&e, 2);
    /* size counts the version byte, itself and the field id; all small here: 1 byte each */
    assert_true(f.n + 3 < 128 && lnif < 128);
    eb_varlen(&e, f.n + 3);
    eb_varlen(&e, lnif);
    eb_bytes(&e, f.b, f.n);
    return eb_event(out, HM_BINLOG_T_GTID_TAGGED, &e, 2500, 1, 0);
}

static void test_tagged_gtid(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    char g[96];
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    n = build_tagged_gtid(evbuf, "mytag", 3, 0, 11);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 2500, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_MYSQL_GTID);
    assert_memory_equal(ev.u.mysql_gtid.sid, SID1, 16);
    assert_int_equal(ev.u.mysql_gtid.gno, 3);
    assert_int_equal(ev.u.mysql_gtid.last_committed, 41);
    assert_int_equal(ev.u.mysql_gtid.sequence_number, 42);
    assert_int_equal(ev.u.mysql_gtid.immediate_commit_ts, 1770000000123456ull);
    assert_int_equal(ev.u.mysql_gtid.original_commit_ts, 1770000000123456ull);
    assert_int_equal(ev.u.mysql_gtid.trx_len, 333);
    assert_int_equal(ev.u.mysql_gtid.original_server_version, 90600);
    assert_true(hm_binlog_gtid_format(&ev, g, sizeof g));
    assert_string_equal(g, "3e11fa47-71ca-11e1-9e33-c80aa9429562:mytag:3");
    /* a big GNO: 9-byte varlen */
    n = build_tagged_gtid(evbuf, "t_1", INT64_MAX, 0, 11);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 2500, &ev, &err), HM_OK);
    assert_int_equal(ev.u.mysql_gtid.gno, INT64_MAX);
    /* a newer, ignorable field ends the message; a non-ignorable unknown one fails it */
    n = build_tagged_gtid(evbuf, "mytag", 3, 40, 11);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 2500, &ev, &err), HM_OK);
    assert_int_equal(ev.u.mysql_gtid.gno, 3);
    n = build_tagged_gtid(evbuf, "mytag", 3, 40, 60);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 2500, &ev, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "may not skip"));
    /* hostile tags and numbers */
    n = build_tagged_gtid(evbuf, "My-Tag", 3, 0, 11);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 2500, &ev, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "GTID_TAGGED event"));
    n = build_tagged_gtid(evbuf, "abcdefghijklmnopqrstuvwxyz0123456", 3, 0, 11); /* 33 */
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 2500, &ev, &err), HM_ESOURCE);
    n = build_tagged_gtid(evbuf, "mytag", -1, 0, 11);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 2500, &ev, &err), HM_ESOURCE);
    /* cut at every length: refused or decoded within its bytes */
    n = build_tagged_gtid(evbuf, "mytag", 3, 0, 11);
    for (size_t k = 19; k < n; k++) {
        uint8_t cut[256];
        hm_binlog_fmt f = fmt;
        memcpy(cut, evbuf, k);
        eb_resize(cut, k, 1);
        (void)hm_binlog_event_decode(&f, cut, k, 2500, &ev, &err);
    }
}

/* MySQL 8.3+ PREVIOUS_GTIDS with tags: header 01 | n_sids (6 bytes) | 01; each entry a uuid, the
 * tag (varlen length, bytes; 0: untagged), intervals. Printed as gtid_executed prints it. */
static void test_tagged_previous_gtids(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    hm_buf s;
    eb e;
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    eb_reset(&e);
    eb_u8(&e, 1); eb_le(&e, 3, 6); eb_u8(&e, 1);
    eb_bytes(&e, SID1, 16); eb_varlen(&e, 0); eb_le(&e, 2, 8);
    eb_le(&e, 1, 8); eb_le(&e, 6, 8); eb_le(&e, 7, 8); eb_le(&e, 8, 8);
    eb_bytes(&e, SID1, 16); eb_varlen(&e, 5); eb_str(&e, "mytag"); eb_le(&e, 1, 8);
    eb_le(&e, 1, 8); eb_le(&e, 3, 8);
    eb_bytes(&e, SID2, 16); eb_varlen(&e, 1); eb_str(&e, "x"); eb_le(&e, 1, 8);
    eb_le(&e, 4, 8); eb_le(&e, 5, 8);
    n = eb_event(evbuf, HM_BINLOG_T_PREVIOUS_GTIDS, &e, 200, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 200, &ev, &err), HM_OK);
    assert_true(ev.u.previous_gtids.tagged);
    assert_int_equal(ev.u.previous_gtids.n_sids, 3);
    hm_buf_init(&s, 4096);
    assert_int_equal(hm_binlog_gtid_set_format(&ev, &s), HM_OK);
    assert_string_equal(s.data, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7:mytag:1-2,"
                                "b8419c7a-0001-11ee-8c99-0242ac120002:x:4");
    hm_buf_release(&s);
    /* a bad tag, a count past the bytes */
    e.b[8 + 16 + 1 + 8 + 32 + 16 + 1] = 'M';
    n = eb_event(evbuf, HM_BINLOG_T_PREVIOUS_GTIDS, &e, 200, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 200, &ev, &err), HM_ESOURCE);
    e.b[1] = 9;
    n = eb_event(evbuf, HM_BINLOG_T_PREVIOUS_GTIDS, &e, 200, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 200, &ev, &err), HM_ESOURCE);
}

/* COM_BINLOG_DUMP_GTID byte for byte, as MySQL's protocol documentation lays it out (no MySQL
 * server here to send it to). */
static void test_dump_gtid_packet(void **state)
{
    /* the set 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5 in MySQL's encoding */
    static const uint8_t sids[] = {
        0x01, 0, 0, 0, 0, 0, 0, 0,
        0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62,
        0x01, 0, 0, 0, 0, 0, 0, 0,
        0x01, 0, 0, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t want[] = {
        0x1e,                               /* COM_BINLOG_DUMP_GTID */
        0x04, 0x00,                         /* flags: BINLOG_THROUGH_GTID */
        0x01, 0x00, 0x00, 0x40,             /* server id 0x40000001 */
        0x00, 0x00, 0x00, 0x00,             /* file name length: 0 (auto-position) */
        0x04, 0, 0, 0, 0, 0, 0, 0,          /* position 4 */
        0x30, 0x00, 0x00, 0x00,             /* 48 bytes of GTID set */
    };
    static const uint8_t want_named[] = {
        0x1e, 0x05, 0x00,                   /* THROUGH_GTID | NON_BLOCK */
        0x07, 0, 0, 0,
        0x0d, 0, 0, 0, 'b', 'i', 'n', 'l', 'o', 'g', '.', '0', '0', '0', '0', '0', '3',
        0x00, 0xf2, 0x05, 0x2a, 0x01, 0, 0, 0, /* 5000000000 */
        0x00, 0, 0, 0,                      /* no set */
    };
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1 << 16);
    assert_int_equal(hm_binlog_dump_gtid_packet(&b, 0x40000001u, false, "", 4, sids, sizeof sids),
                     HM_OK);
    assert_int_equal(b.len, sizeof want + sizeof sids);
    assert_memory_equal(b.data, want, sizeof want);
    assert_memory_equal(b.data + sizeof want, sids, sizeof sids);
    b.len = 0;
    assert_int_equal(hm_binlog_dump_gtid_packet(&b, 7, true, "binlog.000003", 5000000000ull, NULL, 0),
                     HM_OK);
    assert_int_equal(b.len, sizeof want_named);
    assert_memory_equal(b.data, want_named, sizeof want_named);
    hm_buf_release(&b);
}

/* PARTIAL_UPDATE_ROWS is an UPDATE whose after images start with value options. */
static void test_partial_update_rows(void **state)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    eb e;
    size_t n;
    (void)state;
    mysql8_fmt(&fmt);
    eb_reset(&e);
    eb_le(&e, 5, 6); eb_le(&e, 1, 2); eb_le(&e, 2, 2); eb_lenenc(&e, 1); eb_u8(&e, 1);
    eb_u8(&e, 1); eb_u8(&e, 0); eb_le(&e, 1, 4);
    n = eb_event(evbuf, HM_BINLOG_T_PARTIAL_UPDATE_ROWS, &e, 1600, 1, 0);
    assert_int_equal(hm_binlog_event_decode(&fmt, evbuf, n, 1600, &ev, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_ROWS);
    assert_int_equal(ev.u.rows.action, HM_BINLOG_ROWS_UPDATE);
    assert_true(ev.u.rows.partial);
    assert_int_equal(ev.u.rows.table_id, 5);
    assert_non_null(ev.u.rows.cols_ai);
}

/* ---- TRANSACTION_PAYLOAD -------------------------------------------------------------------- */

static size_t payload_event(uint8_t *out, unsigned compression, const uint8_t *payload,
                            size_t plen, size_t uncompressed)
{
    eb e;
    eb_reset(&e);
    /* (type, length of the value, value), all length-encoded, as MySQL writes them */
    eb_lenenc(&e, 2); eb_lenenc(&e, compression < 251 ? 1 : 3); eb_lenenc(&e, compression);
    if (compression != 255) {
        eb_lenenc(&e, 3); eb_lenenc(&e, uncompressed < 251 ? 1 : 3); eb_lenenc(&e, uncompressed);
    }
    eb_lenenc(&e, 1); eb_lenenc(&e, plen < 251 ? 1 : 3); eb_lenenc(&e, plen);
    eb_lenenc(&e, 0);
    eb_bytes(&e, payload, plen);
    return eb_event(out, HM_BINLOG_T_TRANSACTION_PAYLOAD, &e, 2000, 1, 0);
}

static void check_inner_events(hm_binlog_fmt *fmt, hm_binlog_payload_iter *it)
{
    hm_binlog_event ev;
    hm_binlog_tables ts;
    hm_binlog_value after[3];
    hm_binlog_rows_iter ri;
    const hm_binlog_table *t;
    hm_err err;
    bool more;
    hm_binlog_tables_init(&ts);
    assert_int_equal(hm_binlog_payload_next(it, &ev, &more, &err), HM_OK);
    assert_true(more);
    assert_int_equal(ev.kind, HM_BINLOG_EV_TABLE_MAP);
    assert_int_equal(ev.pos, 2000);
    assert_int_equal(hm_binlog_tables_put(&ts, fmt, &ev, &t, &err), HM_OK);
    assert_int_equal(hm_binlog_payload_next(it, &ev, &more, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_ROWS);
    assert_int_equal(hm_binlog_rows_begin(&ri, fmt, &ev, t, &err), HM_OK);
    assert_int_equal(hm_binlog_rows_next(&ri, NULL, after, &more, &err), HM_OK);
    assert_true(more);
    assert_int_equal(after[0].u, 0xffffffffu);
    assert_memory_equal(after[1].ptr, "hello", 5);
    assert_int_equal(hm_binlog_payload_next(it, &ev, &more, &err), HM_OK);
    assert_int_equal(ev.kind, HM_BINLOG_EV_XID);
    assert_int_equal(hm_binlog_payload_next(it, &ev, &more, &err), HM_OK);
    assert_false(more);
    hm_binlog_tables_release(&ts);
}

static void test_transaction_payload(void **state)
{
    static uint8_t inner[8192], packed[8192], ev_bytes[16384];
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_binlog_payload_iter it;
    hm_buf out;
    hm_err err;
    size_t n = 0, m;
    (void)state;
    mysql8_fmt(&fmt);
    hm_buf_init(&out, 1 << 20);
    /* inner events carry no checksum */
    n += build_table_map(inner + n, 0);
    n += build_write_rows(inner + n, 0);
    n += build_xid(inner + n, 0);

    /* uncompressed (compression type 255) */
    m = payload_event(ev_bytes, 255, inner, n, n);
    if (hm_binlog_event_decode(&fmt, ev_bytes, m, 2000, &ev, &err) != HM_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(ev.kind, HM_BINLOG_EV_TRANSACTION_PAYLOAD);
    assert_int_equal(hm_binlog_payload_begin(&it, &fmt, &ev, &out, &err), HM_OK);
    check_inner_events(&fmt, &it);

    /* zstd, compressed here with the same library the decoder loads */
    char why[256];
    if (!hm_binlog_zstd_available(why, sizeof why)) {
        print_message("zstd not available (%s): compressed payload not tested\n", why);
        hm_buf_release(&out);
        return;
    }
    void *h = dlopen("libzstd.so.1", RTLD_NOW);
    size_t (*compress)(void *, size_t, const void *, size_t, int);
    void *f = dlsym(h, "ZSTD_compress");
    memcpy(&compress, &f, sizeof f);
    size_t plen = compress(packed, sizeof packed, inner, n, 3);
    assert_true(plen > 0 && plen < sizeof packed);
    m = payload_event(ev_bytes, 0, packed, plen, n);
    assert_int_equal(hm_binlog_event_decode(&fmt, ev_bytes, m, 2000, &ev, &err), HM_OK);
    assert_int_equal(ev.u.payload.uncompressed_size, n);
    assert_int_equal(hm_binlog_payload_begin(&it, &fmt, &ev, &out, &err), HM_OK);
    check_inner_events(&fmt, &it);

    /* a lie about the uncompressed size, an unknown algorithm */
    m = payload_event(ev_bytes, 0, packed, plen, n + 1);
    assert_int_equal(hm_binlog_event_decode(&fmt, ev_bytes, m, 2000, &ev, &err), HM_OK);
    assert_int_equal(hm_binlog_payload_begin(&it, &fmt, &ev, &out, &err), HM_ESOURCE);
    m = payload_event(ev_bytes, 7, packed, plen, n);
    assert_int_equal(hm_binlog_event_decode(&fmt, ev_bytes, m, 2000, &ev, &err), HM_OK);
    assert_int_equal(hm_binlog_payload_begin(&it, &fmt, &ev, &out, &err), HM_ESOURCE);
    assert_non_null(strstr(err.msg, "algorithm 7"));
    dlclose(h);
    hm_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fde),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_unknown_type),
        cmocka_unit_test(test_rotate_past_4gib),
        cmocka_unit_test(test_gtids),
        cmocka_unit_test(test_query_status),
        cmocka_unit_test(test_misc_events),
        cmocka_unit_test(test_fde_in_use),
        cmocka_unit_test(test_tagged_gtid),
        cmocka_unit_test(test_tagged_previous_gtids),
        cmocka_unit_test(test_partial_update_rows),
        cmocka_unit_test(test_dump_gtid_packet),
        cmocka_unit_test(test_transaction_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
