/*
 * tests/unit/binlog/test_corpus.c: the decoder against every file of the MySQL 5.1-9.6 corpus
 * (../shared/fixtures/binlog-corpus), beyond what mariadb-binlog's references cover (those are
 * compared event by event in test_fixtures.c).
 *
 * Every file is read to its end: every event decoded, TRANSACTION_PAYLOADs inflated and their
 * inner events decoded, every row of every row event decoded, every JSON value (and JSON diff)
 * turned into text. What is checked:
 *   - where MySQL's own mysqlbinlog -vv wrote a reference (NAME.mysqlbinlog-vv.txt), each GTID
 *     event's logical clock, commit timestamps and transaction length, each DDL's XID, and every
 *     row line ("###": images, values, types);
 *   - the five files copied while open say so (FORMAT_DESCRIPTION in_use) and read whole;
 *   - for the files without a complete reference, the events and values that INDEX.md names and
 *     that the origin projects' tests assert (rust_mysql_common's src/binlog/mod.rs, mysql-binlog-
 *     connector-java, mysql-binlog-connector-rust): the inner events of compressed transactions,
 *     tagged GTIDs and tagged PREVIOUS_GTIDS, the JSON opaque values, the VECTOR values and their
 *     dimensions, the partial JSON updates.
 * The decoded text of each file (events, inner events, rows) is built as one log; the checks
 * search it, so a failure prints the log.
 *
 *   test_binlog_corpus CORPUS_DIR       (or HM_BINLOG_CORPUS_DIR)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../fixture_dir.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/event.h"
#include "binlog/inflate.h"
#include "binlog/json.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "vv.h"

static const char *dir;

/* What a file decoded to. */
typedef struct decoded {
    hm_buf log;           /* one line per event ("pos TYPE details"), inner events indented,
                             row lines as vv.c prints them */
    unsigned events, inner, row_events, rows, in_use, json_diffs;
} decoded;

typedef struct walker {
    hm_binlog_fmt fmt;
    hm_binlog_tables tables;
    hm_buf inflated, payload;
    hm_binlog_value before[4096], after[4096];
    decoded *d;
} walker;

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

static void corpus_fail(const char *file, const char *fmt, ...)
{
    va_list ap;
    char m[1024];
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    print_error("%s: %s\n", file, m);
    fail();
}

static void on_event(walker *w, const char *file, hm_binlog_event *ev, int depth);

static void on_rows(walker *w, const char *file, hm_binlog_event *ev)
{
    const hm_binlog_table *t = hm_binlog_tables_get(&w->tables, ev->u.rows.table_id);
    long n;
    hm_err err;
    size_t at = w->d->log.len;
    if (!t)
        corpus_fail(file, "at %" PRIu64 ": no table map for table id %" PRIu64, ev->pos,
                 ev->u.rows.table_id);
    if (hm_binlog_is_compressed(ev) && hm_binlog_inflate(&w->fmt, ev, &w->inflated, &err))
        corpus_fail(file, "%s", err.msg);
    if (vv_rows(&w->d->log, &w->fmt, ev, t, w->before, w->after, &n, &err) != HM_OK)
        corpus_fail(file, "%s", err.msg);
    w->d->row_events++;
    w->d->rows += (unsigned)n;
    for (const char *p = w->d->log.data + at; (p = strstr(p, "JSON_")) != NULL; p++)
        w->d->json_diffs++;
}

static void on_payload(walker *w, const char *file, hm_binlog_event *ev, int depth)
{
    hm_binlog_payload_iter it;
    hm_binlog_event in;
    hm_err err;
    bool more = true;
    if (hm_binlog_payload_begin(&it, &w->fmt, ev, &w->payload, &err) != HM_OK)
        corpus_fail(file, "%s", err.msg);
    for (;;) {
        if (hm_binlog_payload_next(&it, &in, &more, &err) != HM_OK)
            corpus_fail(file, "%s", err.msg);
        if (!more)
            break;
        w->d->inner++;
        on_event(w, file, &in, depth + 1);
    }
}

static void on_event(walker *w, const char *file, hm_binlog_event *ev, int depth)
{
    hm_buf *l = &w->d->log;
    char g[128], tn[16];
    hm_err err;
    const hm_binlog_table *t;
    hm_buf_addf(l, "%*s%" PRIu64 " %s", depth * 2, "", ev->pos,
                hm_binlog_type_name_r(ev->type, tn, sizeof tn));
    switch (ev->kind) {
    case HM_BINLOG_EV_FORMAT_DESCRIPTION:
        hm_buf_addf(l, " %s%s\n", ev->u.fde.server_version, ev->u.fde.in_use ? " in-use" : "");
        w->d->in_use += ev->u.fde.in_use;
        hm_binlog_tables_clear(&w->tables);
        break;
    case HM_BINLOG_EV_MYSQL_GTID:
        hm_binlog_gtid_format(ev, g, sizeof g);
        hm_buf_addf(l, " %s last_committed=%" PRId64 " sequence_number=%" PRId64
                       " original_committed_timestamp=%" PRIu64
                       " immediate_commit_timestamp=%" PRIu64 " transaction_length=%" PRIu64 "\n",
                    ev->u.mysql_gtid.anonymous ? "ANONYMOUS" : g, ev->u.mysql_gtid.last_committed,
                    ev->u.mysql_gtid.sequence_number, ev->u.mysql_gtid.original_commit_ts,
                    ev->u.mysql_gtid.immediate_commit_ts, ev->u.mysql_gtid.trx_len);
        break;
    case HM_BINLOG_EV_PREVIOUS_GTIDS:
        hm_buf_adds(l, " [");
        if (hm_binlog_gtid_set_format(ev, l) != HM_OK)
            corpus_fail(file, "at %" PRIu64 ": PREVIOUS_GTIDS not formatted", ev->pos);
        hm_buf_adds(l, "]\n");
        break;
    case HM_BINLOG_EV_QUERY:
        if (ev->u.query.compressed && hm_binlog_inflate(&w->fmt, ev, &w->inflated, &err))
            corpus_fail(file, "%s", err.msg);
        hm_buf_addf(l, " xid=%" PRIu64 " %.*s\n", ev->u.query.has_xid ? ev->u.query.xid : 0,
                    (int)(ev->u.query.query.len > 60 ? 60 : ev->u.query.query.len),
                    ev->u.query.query.p);
        break;
    case HM_BINLOG_EV_TABLE_MAP:
        if (hm_binlog_tables_put(&w->tables, &w->fmt, ev, &t, &err) != HM_OK)
            corpus_fail(file, "%s", err.msg);
        hm_buf_addf(l, " `%s`.`%s` id %" PRIu64, t->db, t->name, t->table_id);
        for (uint32_t i = 0; i < t->ncols; i++) {
            char ts[64];
            hm_binlog_column_type_str(&t->cols[i], ts, sizeof ts);
            hm_buf_addf(l, "%s%s", i ? "," : " (", ts);
        }
        hm_buf_adds(l, ")\n");
        break;
    case HM_BINLOG_EV_ROWS:
        hm_buf_addf(l, " table id %" PRIu64 "\n", ev->u.rows.table_id);
        on_rows(w, file, ev);
        break;
    case HM_BINLOG_EV_XID:
        hm_buf_addf(l, " %" PRIu64 "\n", ev->u.xid.xid);
        break;
    case HM_BINLOG_EV_TRANSACTION_PAYLOAD:
        hm_buf_addf(l, " compression=%" PRIu64 " size=%zu uncompressed=%" PRIu64 "\n",
                    ev->u.payload.compression, ev->u.payload.payload_len,
                    ev->u.payload.uncompressed_size);
        on_payload(w, file, ev, depth);
        break;
    case HM_BINLOG_EV_ROWS_QUERY:
        hm_buf_addf(l, " %.*s\n", (int)ev->u.rows_query.query.len, ev->u.rows_query.query.p);
        break;
    case HM_BINLOG_EV_ROTATE:
        hm_buf_addf(l, " %.*s:%" PRIu64 "\n", (int)ev->u.rotate.file.len, ev->u.rotate.file.p,
                    ev->u.rotate.position);
        break;
    case HM_BINLOG_EV_UNKNOWN:
        hm_buf_addf(l, " unknown%s\n", ev->flags & HM_BINLOG_F_IGNORABLE ? " ignorable" : "");
        break;
    default:
        hm_buf_addc(l, '\n');
        break;
    }
}

/* Decodes the whole file into d (the caller releases d->log). */
static void decode_file(const char *name, decoded *d)
{
    char path[1024];
    size_t len;
    uint64_t pos = 4;
    hm_err err;
    walker *w = calloc(1, sizeof *w);
    uint8_t *b;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    b = vv_slurp(path, &len);
    assert_non_null(w);
    if (!b)
        corpus_fail(name, "cannot read %s", path);
    assert_true(len >= 4 && memcmp(b, HM_BINLOG_MAGIC, 4) == 0);
    memset(d, 0, sizeof *d);
    hm_buf_init(&d->log, 1 << 24);
    w->d = d;
    hm_binlog_fmt_init(&w->fmt);
    hm_binlog_fmt_set_file(&w->fmt, name, strlen(name));
    hm_binlog_tables_init(&w->tables);
    hm_buf_init(&w->inflated, 1 << 26);
    hm_buf_init(&w->payload, 1 << 26);
    while (pos < len) {
        hm_binlog_event ev;
        uint32_t size;
        if (!hm_binlog_peek_size(b + pos, len - pos, &size) || size > len - pos)
            corpus_fail(name, "event at %" PRIu64 " runs past the end of the file", pos);
        if (hm_binlog_event_decode(&w->fmt, b + pos, size, pos, &ev, &err) != HM_OK)
            corpus_fail(name, "%s", err.msg);
        d->events++;
        on_event(w, name, &ev, 0);
        pos = ev.next_pos;
    }
    assert_int_equal(pos, len);
    hm_binlog_tables_release(&w->tables);
    hm_buf_release(&w->inflated);
    hm_buf_release(&w->payload);
    free(b);
    free(w);
}

/* The log holds each of the lines (substrings), in this order. */
static void expect_in_order(const char *name, const decoded *d, const char *const *want, size_t n)
{
    const char *p = d->log.data;
    for (size_t i = 0; i < n; i++) {
        const char *q = strstr(p, want[i]);
        if (!q) {
            fprintf(stderr, "%s decoded to:\n%s\n", name, d->log.data);
            corpus_fail(name, "expected (after the earlier expectations) [%s]", want[i]);
        }
        p = q + 1; /* the next may start with the newline this one ends with */
    }
}

#define EXPECT(name, d, ...)                                                                   \
    do {                                                                                       \
        static const char *const want_[] = {__VA_ARGS__};                                      \
        expect_in_order(name, d, want_, sizeof want_ / sizeof want_[0]);                       \
    } while (0)

/* MySQL 8.2's mysqlbinlog -vv: each GTID's clock, timestamps and length; each DDL's Xid. */
static unsigned check_mysqlbinlog(const char *name, const decoded *d)
{
    char path[1024], line[4096];
    unsigned long long at = 0, checked = 0;
    FILE *f;
    snprintf(path, sizeof path, "%s/%s.mysqlbinlog-vv.txt", dir, name);
    f = fopen(path, "r");
    if (!f)
        corpus_fail(name, "cannot read %s", path);
    hm_buf ref_rows, our_rows;
    hm_buf_init(&ref_rows, 1 << 24);
    hm_buf_init(&our_rows, 1 << 24);
    /* our row lines, in order (the log's "###" lines, indented ones of payloads included) */
    for (const char *l = d->log.data; l && *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0)) {
        const char *h = l + strspn(l, " ");
        if (strncmp(h, "###", 3) == 0)
            hm_buf_addf(&our_rows, "%.*s\n", (int)strcspn(h, "\n"), h);
    }
    while (fgets(line, sizeof line, f)) {
        unsigned long long lc, sn, oct, ict, tl, xid;
        const char *p;
        char want[512];
        if (strncmp(line, "###", 3) == 0) { /* its row lines, CR LF as LF */
            hm_buf_addf(&ref_rows, "%.*s\n", (int)strcspn(line, "\r\n"), line);
            continue;
        }
        if (sscanf(line, "# at %llu", &at) == 1)
            continue;
        if ((p = strstr(line, "last_committed=")) &&
            sscanf(p, "last_committed=%llu\tsequence_number=%llu", &lc, &sn) == 2) {
            p = strstr(p, "original_committed_timestamp=");
            assert_non_null(p);
            assert_int_equal(sscanf(p, "original_committed_timestamp=%llu\t"
                                       "immediate_commit_timestamp=%llu\ttransaction_length=%llu",
                                    &oct, &ict, &tl), 3);
            snprintf(want, sizeof want,
                     "\n%llu %s ANONYMOUS last_committed=%llu sequence_number=%llu "
                     "original_committed_timestamp=%llu immediate_commit_timestamp=%llu "
                     "transaction_length=%llu\n", at, strstr(line, "Anonymous_GTID") ? "ANONYMOUS_GTID" : "GTID",
                     lc, sn, oct, ict, tl);
            if (!strstr(d->log.data, want))
                fprintf(stderr, "%s decoded to:\n%s\n", name, d->log.data),
                    corpus_fail(name, "mysqlbinlog says [%s]", want + 1);
            checked++;
        } else if ((p = strstr(line, "\tQuery\t")) && (p = strstr(p, "Xid = ")) &&
                   sscanf(p, "Xid = %llu", &xid) == 1) {
            snprintf(want, sizeof want, "\n%llu QUERY xid=%llu ", at, xid);
            if (!strstr(d->log.data, want))
                fprintf(stderr, "%s decoded to:\n%s\n", name, d->log.data),
                    corpus_fail(name, "mysqlbinlog says [%s]", want + 1);
            checked++;
        }
    }
    fclose(f);
    if (ref_rows.len == 0 || ref_rows.len != our_rows.len ||
        memcmp(ref_rows.data, our_rows.data, ref_rows.len) != 0) {
        fprintf(stderr, "mysqlbinlog's rows:\n%s\ndecoded:\n%s\n", ref_rows.data ? ref_rows.data : "",
                our_rows.data ? our_rows.data : "");
        corpus_fail(name, "the row lines differ from mysqlbinlog's");
    }
    for (const char *v = ref_rows.data; (v = strstr(v, "###   @")) != NULL; v++)
        checked++; /* each row value */
    hm_buf_release(&ref_rows);
    hm_buf_release(&our_rows);
    return (unsigned)checked;
}

static void test_every_file(void **state)
{
    DIR *dd = opendir(dir);
    struct dirent *e;
    unsigned files = 0, in_use = 0, mysqlbinlog = 0, events = 0, inner = 0, rows = 0;
    (void)state;
    assert_non_null(dd);
    while ((e = readdir(dd)) != NULL) {
        decoded d;
        char ref[1024];
        FILE *f;
        if (e->d_name[0] == '.' || ends_with(e->d_name, ".txt") || ends_with(e->d_name, ".md") ||
            ends_with(e->d_name, ".sql"))
            continue;
        decode_file(e->d_name, &d);
        files++;
        in_use += d.in_use;
        events += d.events;
        inner += d.inner;
        rows += d.rows;
        snprintf(ref, sizeof ref, "%s/%s.mysqlbinlog-vv.txt", dir, e->d_name);
        if ((f = fopen(ref, "r")) != NULL) {
            fclose(f);
            mysqlbinlog += check_mysqlbinlog(e->d_name, &d);
        }
        if (getenv("HM_CORPUS_DUMP"))
            printf("==== %s\n%s", e->d_name, d.log.data);
        hm_buf_release(&d.log);
    }
    closedir(dd);
    printf("  %u files read to their end: %u events, %u inside compressed transactions, %u rows; "
           "%u copied while open; %u values checked against mysqlbinlog\n",
           files, events, inner, rows, in_use, mysqlbinlog);
    assert_int_equal(files, 18);
    assert_int_equal(in_use, 5);
    assert_true(mysqlbinlog >= 8);
}

/* rust_mysql_common: the payload holds QUERY, TABLE_MAP, WRITE_ROWS, XID and nothing else. */
static void test_transaction_compression(void **state)
{
    decoded d;
    (void)state;
    decode_file("rmc-transaction_compression.000001", &d);
    EXPECT("rmc-transaction_compression.000001", &d,
           "\n274 TRANSACTION_PAYLOAD compression=0 size=124 uncompressed=179\n",
           "\n  274 QUERY xid=0 BEGIN\n", "\n  274 TABLE_MAP `test`.`tb1` id 88 (INT)\n",
           "\n  274 WRITE_ROWS table id 88\n", "###   @1=1 ", "\n  274 XID 462\n",
           "\n431 ROTATE binlog.000043:4\n");
    assert_int_equal(d.inner, 4);
    hm_buf_release(&d.log);
}

/* mysql-binlog-connector-java: a compressed UPDATE_ROWS of demo.movies (genre Western ->
 * Western|Action). mysql-binlog-connector-rust: two payloads, ROWS_QUERY inside, write and update
 * rows v2, whose values match the statements the ROWS_QUERY events carry. */
static void test_compressed_rows(void **state)
{
    decoded d;
    (void)state;
    decode_file("mbcj-mysql-bin.compressed", &d);
    EXPECT("mbcj-mysql-bin.compressed", &d, "\n236 TRANSACTION_PAYLOAD compression=0 size=451 "
           "uncompressed=960\n", "\n  236 TABLE_MAP `demo`.`movies` id 84 ",
           "\n  236 UPDATE_ROWS table id 84\n### UPDATE `demo`.`movies`\n### WHERE\n###   @1=1 ",
           "###   @2='Once Upon a Time in the West' ", "###   @5='Western' ", "### SET\n",
           "###   @5='Western|Action' ", "###   @11='Paramount Pictures' ", "\n  236 XID 31\n");
    assert_int_equal(d.rows, 1);
    hm_buf_release(&d.log);

    decode_file("mbcr-mysql-bin.000057", &d);
    EXPECT("mbcr-mysql-bin.000057", &d,
           "\n126 PREVIOUS_GTIDS [76f3e7be-6720-11ed-9cad-0242ac110002:1-10]\n",
           "\n197 GTID 76f3e7be-6720-11ed-9cad-0242ac110002:11 ",
           "\n378 GTID 76f3e7be-6720-11ed-9cad-0242ac110002:12 ",
           "\n457 TRANSACTION_PAYLOAD ", "\n  457 ROWS_QUERY insert into b values(1)\n",
           "\n  457 WRITE_ROWS table id 92\n### INSERT INTO `a`.`b`\n### SET\n###   @1=1 ",
           "\n  457 XID 10\n", "\n651 GTID 76f3e7be-6720-11ed-9cad-0242ac110002:13 ",
           "\n730 TRANSACTION_PAYLOAD ", "\n  730 ROWS_QUERY update test_table_3 set "
           "enum_field='large', set_field='c', ",
           "\n  730 UPDATE_ROWS table id 89\n### UPDATE `a`.`test_table_3`\n### WHERE\n"
           "###   @1=55555 ", "###   @8=b'00001000' ", "###   @11='product_item_2_value' ",
           "### SET\n", "###   @8=b'00000100' ", "###   @10='{\"c\": 1}' ",
           "###   @11='product_3_value' ", "\n  730 WRITE_ROWS table id 89\n",
           "###   @1=6666 ", "\n  730 XID 22\n");
    assert_int_equal(d.inner, 13);
    hm_buf_release(&d.log);
}

/* rust_mysql_common gtid_tagged_log_event_from_binlog: PREVIOUS_GTIDS holds uuid [1,14) untagged
 * and [1,3) tagged "mytag"; the GTID is uuid:mytag:3. */
static void test_tagged_gtids(void **state)
{
    decoded d;
    (void)state;
    decode_file("rmc-binlog_transaction_with_GTID_TAG.000001", &d);
    EXPECT("rmc-binlog_transaction_with_GTID_TAG.000001", &d,
           "\n127 PREVIOUS_GTIDS [55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2]\n",
           "\n245 GTID_TAGGED 55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3 last_committed=0 "
           "sequence_number=1 original_committed_timestamp=1770368687207196 "
           "immediate_commit_timestamp=1770368687207196 transaction_length=296\n",
           "### INSERT INTO `test`.`orders`\n### SET\n###   @1=3 ", "###   @3=250.00 ",
           "\n510 XID 40\n");
    hm_buf_release(&d.log);
    decode_file("rmc-binlog_transaction_previous_GTID_no_tag.000001", &d);
    EXPECT("rmc-binlog_transaction_previous_GTID_no_tag.000001", &d,
           "\n126 PREVIOUS_GTIDS [b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2]\n");
    hm_buf_release(&d.log);
}

/* rust_mysql_common json-opaque.binlog: the first column of each row, in order. */
static void test_json_opaque(void **state)
{
    decoded d;
    (void)state;
    decode_file("rmc-json-opaque.binlog", &d);
    EXPECT("rmc-json-opaque.binlog", &d, "@1='{\"a\": \"base64:type15:VQ==\"}'",
           "@1='{\"b\": \"2012-03-18\"}'", "@1='{\"c\": \"2012-03-18 11:30:45.000000\"}'",
           "@1='{\"c\": \"87:31:46.654321\"}'", "@1='{\"d\": 123.456}'",
           "@1='{\"e\": 9.00}'", "@1='{\"e\": [0, 1, true, false]}'", "@1='{\"e\": null}'");
    assert_int_equal(d.rows, 8);
    hm_buf_release(&d.log);
}

/* rust_mysql_common vector.binlog: foo's vector has 3 dimensions, bar's two 2 and 4; the rows of
 * foo are (1, [1.1, 2.2, 3.3]) and (2, [1, -1, 0]) as float32 bytes. */
static void test_vector(void **state)
{
    decoded d;
    (void)state;
    decode_file("rmc-vector.binlog", &d);
    EXPECT("rmc-vector.binlog", &d, "\n1004 TABLE_MAP `dtb`.`foo` id 85 (LONGINT,VECTOR(3))\n",
           "###   @1=1 ", "###   @2=[1.10000e+00,2.20000e+00,3.30000e+00] /* VECTOR(3) ",
           "###   @1=2 ", "###   @2=[1.00000e+00,-1.00000e+00,0.00000e+00] /* VECTOR(3) ",
           "\n1170 TABLE_MAP `dtb`.`bar` id 87 (LONGINT,VECTOR(2),BLOB/TEXT,VECTOR(4))\n",
           "###   @4=[1.10000e+00,2.20000e+00,3.30000e+00,4.40000e+00] /* VECTOR(4) ",
           "\n3146 DELETE_ROWS table id 92\n", "###   @2=[1.01000e+00,-1.01000e+00] ",
           "\n3443 STOP\n");
    hm_buf_release(&d.log);
}

/* json.binlog (round trip only in its origin): six rows updated in full (UPDATE_ROWS, age 24 ->
 * 25 ...), then the same rows updated with binlog_row_value_options=PARTIAL_JSON: a
 * PARTIAL_UPDATE_ROWS whose after images carry JSON_REPLACE diffs of $.age that agree with the
 * plain column age logged beside them. */
static void test_partial_json(void **state)
{
    decoded d;
    (void)state;
    decode_file("rmc-json.binlog.000001", &d);
    EXPECT("rmc-json.binlog.000001", &d, "\n2612 UPDATE_ROWS table id 119\n",
           "@2='{\"age\": 24, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}'",
           "@2='{\"age\": 25, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}'",
           "\n3750 PARTIAL_UPDATE_ROWS table id 119\n### UPDATE `mysql`.`t`\n### WHERE\n"
           "###   @1=1 /* INT meta=0 nullable=0 is_null=0 */\n### SET\n"
           "###   @2=JSON_REPLACE(@, '$.age', 26) ", "###   @4=26 ",
           "###   @1=2 ", "###   @2=JSON_REPLACE(@, '$.age', 34) ", "###   @4=34 ",
           "###   @1=3 ", "###   @2=JSON_REPLACE(@, '$.age', 42) ", "###   @4=42 ",
           "###   @1=6 ", "###   @2=JSON_REPLACE(@, '$.age', 42) ", "###   @4=42 ",
           "\n3980 XID 53\n");
    assert_int_equal(d.json_diffs, 6);
    hm_buf_release(&d.log);
}

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : getenv("HM_BINLOG_CORPUS_DIR");
    if (!hm_test_fixture_dir_ok(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file),
        cmocka_unit_test(test_transaction_compression),
        cmocka_unit_test(test_compressed_rows),
        cmocka_unit_test(test_tagged_gtids),
        cmocka_unit_test(test_json_opaque),
        cmocka_unit_test(test_vector),
        cmocka_unit_test(test_partial_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
