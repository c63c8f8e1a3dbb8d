/*
 * tests/unit/binlog/test_fixtures.c: the decoder against real binlog files.
 *
 * Every binlog file that has a reference decoding (<file>.mariadb-binlog-vv.txt, the output of
 * mariadb-binlog -vv --base64-output=decode-rows) in the fixture folders is decoded event by event
 * and compared with its reference:
 *   - the same number of events, each at the same position ("# at N"), with the same end_log_pos,
 *     server id and CRC32;
 *   - the same kind (Query, Table_map, Write_rows, Xid, Rotate, GTID, ...; "Ignorable event type
 *     N" for the MySQL events mariadb-binlog does not decode) and the same decoded fields (thread
 *     id, error code, query text, session variables, table names and ids, XIDs, GTIDs, rotate
 *     target);
 *   - for row events, every "###" line, formatted from the decoded values the way mariadb-binlog
 *     formats them (vv.c), and the number of rows.
 * And every event of every file cut short (size field and CRC rewritten to match, so the body
 * decoders see the cut): decoded or refused, and its rows read or refused, never past its end
 * (run under ASan to see that).
 * Folders: argv[1] (the shared MySQL fixtures), argv[2] (MariaDB fixtures made by
 * data/gen-mariadb-fixtures.sh) and argv[3] (the MySQL 5.1-9.6 corpus, binlog-corpus), or
 * HM_FIXTURES_DIR / HM_BINLOG_DATA_DIR / HM_BINLOG_CORPUS_DIR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../fixture_dir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/event.h"
#include "binlog/inflate.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "evbuild.h"
#include "vv.h"

static const char *dirs[3];

#define SUFFIX ".mariadb-binlog-vv.txt"

typedef struct walker {
    const char *name;
    hm_binlog_fmt fmt;
    hm_binlog_tables tables;
    hm_buf inflated, text;  /* text: the "###" lines of the statement so far */
    long stmt_rows;
    hm_binlog_value before[4096], after[4096];
    unsigned events, rows_events, rows, kinds[256];
} walker;

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = s ? strlen(s) : 0, b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

#define CHECK(w, ev, cond, ...)                                                                \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            print_error("%s at %llu: ", (w)->name, (unsigned long long)(ev)->pos);             \
            print_error(__VA_ARGS__);                                                          \
            print_error("\n");                                                                 \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

static void check_query(walker *w, hm_binlog_event *ev, const vv_event *ref)
{
    unsigned tid, et, ec;
    unsigned long long xid;
    const char *p;
    hm_err err;
    CHECK(w, ev, ev->kind == HM_BINLOG_EV_QUERY, "reference says Query, decoded kind %d", ev->kind);
    CHECK(w, ev, ev->u.query.compressed == starts(ref->desc, "Query_compressed"),
          "compressed flag differs");
    if (ev->u.query.compressed)
        CHECK(w, ev, hm_binlog_inflate(&w->fmt, ev, &w->inflated, &err) == HM_OK, "%s", err.msg);
    p = strchr(ref->desc, '\t');
    CHECK(w, ev, p && sscanf(p, "\tthread_id=%u\texec_time=%u\terror_code=%u\txid=%llu", &tid, &et,
                             &ec, &xid) == 4,
          "cannot parse %s", ref->desc);
    CHECK(w, ev, tid == ev->u.query.thread_id && et == ev->u.query.exec_time &&
                     ec == ev->u.query.error_code,
          "thread/exec/error %u/%u/%u, decoded %u/%u/%u", tid, et, ec, ev->u.query.thread_id,
          ev->u.query.exec_time, ev->u.query.error_code);
    /* mariadb-binlog reads MariaDB's Q_XID (129) only, not MySQL 8's Q_DDL_LOGGED_WITH_XID (17):
     * it prints 0 for those (test_corpus.c checks them against mysqlbinlog's reference) */
    CHECK(w, ev, xid == (ev->u.query.has_xid && w->fmt.mariadb ? ev->u.query.xid : 0),
          "xid %llu", xid);
    CHECK(w, ev, ev->u.query.stopped_at_code == 0, "status variable %u not known",
          ev->u.query.stopped_at_code);

    /* the statement ends the event's text */
    char *want = malloc(ev->u.query.query.len + 16);
    memcpy(want, ev->u.query.query.p, ev->u.query.query.len);
    strcpy(want + ev->u.query.query.len, "\n/*!*/;\n");
    CHECK(w, ev, ends_with(ref->text, want), "statement [%.*s] not at the end of [%s]",
          (int)ev->u.query.query.len, ev->u.query.query.p, ref->text);
    free(want);

    /* the session state mariadb-binlog prints from the status variables */
    if (ref->text && (p = strstr(ref->text, "SET TIMESTAMP="))) {
        unsigned long ts, us = 0;
        int n = sscanf(p, "SET TIMESTAMP=%lu.%lu", &ts, &us);
        CHECK(w, ev, n >= 1 && ts == ev->timestamp, "SET TIMESTAMP differs");
        if (n == 2)
            CHECK(w, ev, ev->u.query.has_microseconds && us == ev->u.query.microseconds,
                  "microseconds differ");
    }
    if (ref->text && (p = strstr(ref->text, "@@session.pseudo_thread_id=")))
        CHECK(w, ev, strtoul(p + 27, NULL, 10) == ev->u.query.thread_id, "pseudo_thread_id");
    if (ref->text && (p = strstr(ref->text, "SET @@session.sql_mode="))) {
        CHECK(w, ev, ev->u.query.has_sql_mode, "no sql_mode decoded");
        CHECK(w, ev, strtoull(p + 23, NULL, 10) == ev->u.query.sql_mode, "sql_mode differs");
    }
    if (ref->text && (p = strstr(ref->text, "SET @@session.time_zone='"))) {
        p += 25;
        CHECK(w, ev, ev->u.query.has_time_zone &&
                         strncmp(p, ev->u.query.time_zone.p, ev->u.query.time_zone.len) == 0 &&
                         p[ev->u.query.time_zone.len] == '\'',
              "time_zone differs");
    }
    if (ref->text && (p = strstr(ref->text, "@@session.collation_connection="))) {
        unsigned cc, cs;
        CHECK(w, ev, sscanf(p, "@@session.collation_connection=%u,@@session.collation_server=%u",
                            &cc, &cs) == 2 && ev->u.query.has_charset &&
                         cc == ev->u.query.collation_connection &&
                         cs == ev->u.query.collation_server,
              "collations differ");
    }
    if (ref->text && (p = strstr(ref->text, "\nuse `"))) {
        CHECK(w, ev, strncmp(p + 6, ev->u.query.db.p, ev->u.query.db.len) == 0 &&
                         p[6 + ev->u.query.db.len] == '`',
              "database differs");
    }
}

static void check_rows(walker *w, hm_binlog_event *ev, const vv_event *ref)
{
    static const char *const names[] = {"Write", "Update", "Delete"};
    const hm_binlog_table *t;
    char want[128];
    long nrows;
    hm_err err;
    CHECK(w, ev, ev->kind == HM_BINLOG_EV_ROWS, "reference says rows, decoded kind %d", ev->kind);
    snprintf(want, sizeof want, "%s_%srows: table id %llu%s", names[ev->u.rows.action],
             ev->u.rows.compressed ? "compressed_" : "", (unsigned long long)ev->u.rows.table_id,
             ev->u.rows.flags & 1 ? " flags: STMT_END_F" : "");
    CHECK(w, ev, strcmp(want, ref->desc) == 0, "[%s], decoded [%s]", ref->desc, want);
    if (ev->u.rows.compressed)
        CHECK(w, ev, hm_binlog_inflate(&w->fmt, ev, &w->inflated, &err) == HM_OK, "%s", err.msg);
    t = hm_binlog_tables_get(&w->tables, ev->u.rows.table_id);
    CHECK(w, ev, t != NULL, "no table map for table id %llu", (unsigned long long)ev->u.rows.table_id);
    CHECK(w, ev, vv_rows(&w->text, &w->fmt, ev, t, w->before, w->after, &nrows, &err) == HM_OK,
          "%s", err.msg);
    w->rows_events++;
    w->rows += (unsigned)nrows;
    w->stmt_rows += nrows;
    /* mariadb-binlog prints the rows of a statement's events together, after its last event
     * (the one flagged STMT_END_F) */
    if (!(ev->u.rows.flags & 1)) {
        CHECK(w, ev, !ref->rows && ref->nrows < 0, "rows printed before the statement's end");
        return;
    }
    nrows = w->stmt_rows;
    w->stmt_rows = 0;
    CHECK(w, ev, nrows == ref->nrows, "%ld rows, decoded %ld", ref->nrows, nrows);
    if (!ref->rows || strcmp(ref->rows, w->text.data) != 0) {
        /* name the first line that differs */
        const char *a = ref->rows ? ref->rows : "", *b = w->text.data;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        while (a > (ref->rows ? ref->rows : "") && a[-1] != '\n') {
            a--;
            b--;
        }
        CHECK(w, ev, false, "row lines differ:\n  reference: %.*s\n  decoded:   %.*s",
              (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
    }
    hm_buf_reset(&w->text);
}

static void check_event(walker *w, hm_binlog_event *ev, const vv_event *ref)
{
    char want[512];
    const char *d = ref->desc;
    hm_err err;

    CHECK(w, ev, ev->pos == ref->pos, "position %llu, reference %llu",
          (unsigned long long)ev->pos, (unsigned long long)ref->pos);
    CHECK(w, ev, ev->log_pos == ref->end_log_pos, "end_log_pos %u, reference %u", ev->log_pos,
          ref->end_log_pos);
    CHECK(w, ev, (uint32_t)ev->next_pos == ev->log_pos, "next position %llu, end_log_pos %u",
          (unsigned long long)ev->next_pos, ev->log_pos);
    CHECK(w, ev, ev->server_id == ref->server_id, "server id");
    if (ref->has_crc)
        CHECK(w, ev, ev->has_crc && ev->crc == ref->crc, "CRC 0x%08x, reference 0x%08x", ev->crc,
              ref->crc);
    else
        CHECK(w, ev, !ev->has_crc || ev->kind == HM_BINLOG_EV_FORMAT_DESCRIPTION,
              "CRC decoded where the reference has none");

    if (starts(d, "Start:")) {
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_FORMAT_DESCRIPTION, "kind %d", ev->kind);
        snprintf(want, sizeof want, "Start: binlog v %u, server v %s created ",
                 ev->u.fde.binlog_version, ev->u.fde.server_version);
        CHECK(w, ev, starts(d, want), "[%s], decoded [%s]", d, want);
        hm_binlog_tables_clear(&w->tables);
    } else if (starts(d, "Ignorable")) {
        CHECK(w, ev, ref->ignorable == ev->type, "type %u, reference %d", ev->type,
              ref->ignorable);
        if (ev->type == 100) /* Aurora's padding: unknown, skipped by its flag */
            CHECK(w, ev, ev->kind == HM_BINLOG_EV_UNKNOWN && (ev->flags & HM_BINLOG_F_IGNORABLE),
                  "Aurora padding not an ignorable unknown event");
        if (ev->type == HM_BINLOG_T_ANONYMOUS_GTID || ev->type == HM_BINLOG_T_GTID) {
            CHECK(w, ev, ev->kind == HM_BINLOG_EV_MYSQL_GTID, "kind %d", ev->kind);
            CHECK(w, ev, ev->u.mysql_gtid.lt_type == 2 && ev->u.mysql_gtid.sequence_number > 0 &&
                             ev->u.mysql_gtid.last_committed < ev->u.mysql_gtid.sequence_number,
                  "logical clock");
        } else if (ev->type == HM_BINLOG_T_PREVIOUS_GTIDS) {
            hm_buf s;
            hm_buf_init(&s, 1 << 20);
            CHECK(w, ev, ev->kind == HM_BINLOG_EV_PREVIOUS_GTIDS, "kind %d", ev->kind);
            CHECK(w, ev, hm_binlog_gtid_set_format(ev, &s) == HM_OK, "format");
            hm_buf_release(&s);
        }
    } else if (starts(d, "Query")) {
        check_query(w, ev, ref);
    } else if (starts(d, "Table_map:")) {
        const hm_binlog_table *t;
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_TABLE_MAP, "kind %d", ev->kind);
        snprintf(want, sizeof want, "Table_map: `%.*s`.`%.*s` mapped to number %llu",
                 (int)ev->u.table_map.db.len, ev->u.table_map.db.p,
                 (int)ev->u.table_map.table.len, ev->u.table_map.table.p,
                 (unsigned long long)ev->u.table_map.table_id);
        CHECK(w, ev, strcmp(d, want) == 0, "[%s], decoded [%s]", d, want);
        CHECK(w, ev, hm_binlog_tables_put(&w->tables, &w->fmt, ev, &t, &err) == HM_OK, "%s",
              err.msg);
    } else if (strstr(d, "rows: table id")) {
        check_rows(w, ev, ref);
    } else if (starts(d, "Xid = ")) {
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_XID, "kind %d", ev->kind);
        CHECK(w, ev, strtoull(d + 6, NULL, 10) == ev->u.xid.xid, "xid");
    } else if (starts(d, "XID = ")) {
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_XA_PREPARE, "kind %d", ev->kind);
        CHECK(w, ev, ev->u.xa_prepare.gtrid_len == 2 && memcmp(ev->u.xa_prepare.data, "x1", 2) == 0,
              "XA xid");
    } else if (starts(d, "Rotate to ")) {
        snprintf(want, sizeof want, "Rotate to %.*s  pos: %llu", (int)ev->u.rotate.file.len,
                 ev->u.rotate.file.p, (unsigned long long)ev->u.rotate.position);
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_ROTATE && strcmp(d, want) == 0,
              "[%s], decoded [%s]", d, want);
    } else if (starts(d, "Stop")) {
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_STOP, "kind %d", ev->kind);
    } else if (starts(d, "GTID ")) {
        char g[64];
        CHECK(w, ev, hm_binlog_gtid_format(ev, g, sizeof g), "no GTID decoded");
        snprintf(want, sizeof want, "GTID %s", g);
        CHECK(w, ev, starts(d, want) && (d[strlen(want)] == ' ' || !d[strlen(want)]),
              "[%s], decoded [%s]", d, want);
        if (ev->u.mariadb_gtid.has_commit_id) {
            snprintf(want, sizeof want, "cid=%llu", (unsigned long long)ev->u.mariadb_gtid.commit_id);
            CHECK(w, ev, strstr(d, want), "commit id");
        }
        CHECK(w, ev, !!strstr(d, " ddl") == !!(ev->u.mariadb_gtid.flags & 0x20), "ddl flag");
        CHECK(w, ev, !!strstr(d, " trans") == !!(ev->u.mariadb_gtid.flags & 0x04), "trans flag");
    } else if (starts(d, "Gtid list ")) {
        hm_buf s;
        hm_buf_init(&s, 1 << 20);
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_GTID_LIST, "kind %d", ev->kind);
        hm_buf_adds(&s, "Gtid list [");
        hm_binlog_gtid_set_format(ev, &s);
        hm_buf_adds(&s, "]");
        CHECK(w, ev, strcmp(d, s.data) == 0, "[%s], decoded [%s]", d, s.data);
        hm_buf_release(&s);
    } else if (starts(d, "Binlog checkpoint ")) {
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_BINLOG_CHECKPOINT, "kind %d", ev->kind);
        CHECK(w, ev, strlen(d + 18) == ev->u.checkpoint.file.len &&
                         memcmp(d + 18, ev->u.checkpoint.file.p, ev->u.checkpoint.file.len) == 0,
              "checkpoint file");
    } else if (starts(d, "Annotate_rows:")) {
        /* the statement, one "#Q> " line per line of it */
        hm_buf s;
        hm_buf_init(&s, 1 << 24);
        CHECK(w, ev, ev->kind == HM_BINLOG_EV_ROWS_QUERY, "kind %d", ev->kind);
        for (const char *l = ref->text; l && *l; l += strcspn(l, "\n") + 1)
            if (starts(l, "#Q> "))
                hm_buf_addf(&s, "%s%.*s", s.len ? "\n" : "", (int)strcspn(l + 4, "\n"), l + 4);
        CHECK(w, ev, s.len == ev->u.rows_query.query.len &&
                         memcmp(s.data, ev->u.rows_query.query.p, s.len) == 0,
              "annotated statement differs");
        hm_buf_release(&s);
    } else {
        CHECK(w, ev, false, "reference event [%s] not understood by the test", d);
    }
}

static void check_file(const char *bin, const char *ref_path)
{
    walker *w = calloc(1, sizeof *w);
    vv_file ref;
    size_t len, i = 0;
    uint8_t *b = vv_slurp(bin, &len);
    uint64_t pos = 4;
    hm_err err;

    assert_non_null(w);
    assert_non_null(b);
    assert_true(vv_parse(ref_path, &ref));
    assert_true(len >= 4 && memcmp(b, HM_BINLOG_MAGIC, 4) == 0);
    w->name = bin;
    hm_binlog_fmt_init(&w->fmt);
    hm_binlog_tables_init(&w->tables);
    hm_buf_init(&w->inflated, 1 << 26);
    hm_buf_init(&w->text, 1 << 26);
    while (pos < len) {
        hm_binlog_event ev;
        uint32_t size;
        assert_true(hm_binlog_peek_size(b + pos, len - pos, &size));
        assert_true(size <= len - pos);
        if (hm_binlog_event_decode(&w->fmt, b + pos, size, pos, &ev, &err) != HM_OK) {
            print_error("%s: %s\n", bin, err.msg);
            fail();
        }
        if (i >= ref.n) {
            print_error("%s: more events than the reference's %zu\n", bin, ref.n);
            fail();
        }
        check_event(w, &ev, &ref.ev[i]);
        w->kinds[ev.type]++;
        w->events++;
        i++;
        pos = ev.next_pos;
    }
    assert_int_equal(pos, len);
    if (i != ref.n) {
        print_error("%s: %zu events decoded, the reference has %zu\n", bin, i, ref.n);
        fail();
    }
    printf("  %s: %u events, %u row events, %u rows: all match\n", strrchr(bin, '/') + 1,
           w->events, w->rows_events, w->rows);
    vv_free(&ref);
    hm_binlog_tables_release(&w->tables);
    hm_buf_release(&w->inflated);
    hm_buf_release(&w->text);
    free(b);
    free(w);
}

/* Every <bin> with a <bin>.mariadb-binlog-vv.txt in dir; returns how many were checked. */
static int check_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    char *names[64];
    int nn = 0;
    if (!d) {
        print_error("cannot open fixture folder %s\n", dir);
        fail();
    }
    while ((e = readdir(d)) && nn < 64)
        if (ends_with(e->d_name, SUFFIX))
            names[nn++] = strdup(e->d_name);
    closedir(d);
    for (int k = 0; k < nn; k++) {
        char bin[1024], ref[1024];
        snprintf(ref, sizeof ref, "%s/%s", dir, names[k]);
        snprintf(bin, sizeof bin, "%s/%.*s", dir, (int)(strlen(names[k]) - strlen(SUFFIX)),
                 names[k]);
        check_file(bin, ref);
        n++;
        free(names[k]);
    }
    return n;
}

/* Every event of the file cut at every length (at most 300 lengths an event), decoded and, for
 * row events, its rows read, each from a buffer of exactly the cut length. */
static void cut_file(const char *bin)
{
    size_t len;
    uint8_t *b = vv_slurp(bin, &len);
    hm_binlog_fmt fmt;
    hm_binlog_tables ts;
    hm_buf scratch;
    hm_err err;
    static hm_binlog_value before[4096], after[4096];
    unsigned cuts = 0;
    assert_non_null(b);
    hm_binlog_fmt_init(&fmt);
    hm_binlog_tables_init(&ts);
    hm_buf_init(&scratch, 1 << 26);
    for (uint64_t pos = 4; pos < len;) {
        hm_binlog_event ev;
        uint32_t size;
        const hm_binlog_table *t;
        assert_true(hm_binlog_peek_size(b + pos, len - pos, &size));
        bool crc = fmt.checksum_alg == HM_BINLOG_CRC_CRC32;
        size_t step = size > 300 ? size / 300 : 1;
        for (size_t n = 19; n < size; n += step) {
            hm_binlog_fmt f = fmt;
            uint8_t *p = malloc(n);
            memcpy(p, b + pos, n);
            eb_resize(p, n, crc || b[pos + 4] == HM_BINLOG_T_FORMAT_DESCRIPTION);
            if (hm_binlog_event_decode(&f, p, n, pos, &ev, &err) == HM_OK &&
                ev.kind == HM_BINLOG_EV_ROWS && (t = hm_binlog_tables_get(&ts, ev.u.rows.table_id))) {
                hm_binlog_rows_iter it;
                bool more = true;
                if (!hm_binlog_is_compressed(&ev) ||
                    hm_binlog_inflate(&f, &ev, &scratch, &err) == HM_OK) {
                    if (hm_binlog_rows_begin(&it, &f, &ev, t, &err) == HM_OK)
                        while (more && hm_binlog_rows_next(&it, before, after, &more, &err) == HM_OK)
                            ;
                }
            }
            free(p);
            cuts++;
        }
        assert_int_equal(hm_binlog_event_decode(&fmt, b + pos, size, pos, &ev, &err), HM_OK);
        if (ev.kind == HM_BINLOG_EV_TABLE_MAP)
            assert_int_equal(hm_binlog_tables_put(&ts, &fmt, &ev, &t, &err), HM_OK);
        pos = ev.next_pos;
    }
    printf("  %s: %u cut events decoded or refused\n", strrchr(bin, '/') + 1, cuts);
    hm_binlog_tables_release(&ts);
    hm_buf_release(&scratch);
    free(b);
}

static void test_cut_events(void **state)
{
    static const char *const names[] = {"mysql-bin.checksum-crc32", "mysql-bin.checksum-none"};
    char path[1024];
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[0], names[i]);
        cut_file(path);
    }
    for (int i = 1; i <= 3; i++) {
        snprintf(path, sizeof path, "%s/mariadb-%d.bin", dirs[1], i);
        cut_file(path);
    }
    /* every binlog of the corpus (the files without a '.' suffix of a reference or notes) */
    DIR *d = opendir(dirs[2]);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || ends_with(e->d_name, ".txt") || ends_with(e->d_name, ".md") ||
            ends_with(e->d_name, ".sql"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dirs[2], e->d_name);
        cut_file(path);
    }
    closedir(d);
}

static void test_mysql_fixtures(void **state)
{
    (void)state;
    assert_true(check_dir(dirs[0]) >= 2);
}

static void test_mariadb_fixtures(void **state)
{
    (void)state;
    assert_true(check_dir(dirs[1]) >= 3);
}

/* The corpus of MySQL 5.1 to 9.6 files (../shared/fixtures/binlog-corpus): those with a complete
 * mariadb-binlog reference; the others are test_corpus.c's. */
static void test_corpus_references(void **state)
{
    (void)state;
    assert_true(check_dir(dirs[2]) >= 11);
}

int main(int argc, char **argv)
{
    dirs[0] = argc > 1 ? argv[1] : getenv("HM_FIXTURES_DIR");
    dirs[1] = argc > 2 ? argv[2] : getenv("HM_BINLOG_DATA_DIR");
    dirs[2] = argc > 3 ? argv[3] : getenv("HM_BINLOG_CORPUS_DIR");
    if (!dirs[0] || !dirs[1] || !dirs[2]) {
        fprintf(stderr, "usage: %s MYSQL_FIXTURES_DIR MARIADB_FIXTURES_DIR CORPUS_DIR\n", argv[0]);
        return 2;
    }
    if (!hm_test_fixture_dir_ok(dirs[0]) || !hm_test_fixture_dir_ok(dirs[1]) ||
        !hm_test_fixture_dir_ok(dirs[2]))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mysql_fixtures),
        cmocka_unit_test(test_mariadb_fixtures),
        cmocka_unit_test(test_corpus_references),
        cmocka_unit_test(test_cut_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
