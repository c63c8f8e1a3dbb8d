/*
 * tests/unit/binlog/test_connc.c: why hotmig decodes events itself instead of taking Connector/C's
 * parse (mariadb_rpl_fetch) and row extraction (mariadb_rpl_extract_rows). Offline, on the
 * fixture files, with Connector/C's file mode; each test shows one defect next to this decoder
 * getting the same bytes right. (test_reader.c shows the row-extraction defects on a live
 * MariaDB.) If one of these fails, Connector/C changed: see whether its API became usable.
 *
 *   test_file_mode_drops_a_byte  file mode reads a 20-byte header, keeps 19 and loses the 20th
 *                                byte of every event: it fails on the first event of every file,
 *                                and reads a file only once a byte is inserted after each header
 *   test_mysql57_fde_refused     a MySQL 5.6/5.7 FORMAT_DESCRIPTION (its own post-header length
 *                                95) is refused as malformed, so no 5.7 binlog can be read
 *   test_v2_update_rows          for MySQL's UPDATE_ROWS (v2) the after-image bitmap is taken
 *                                for row data: the first "row" is garbage (all NULL) and the
 *                                images are not told apart
 * Arguments: the MySQL fixture folder and the MariaDB one (data/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../fixture_dir.h"

#include <mysql.h>
/* after mysql.h, which it needs */
#include <mariadb_rpl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binlog/crc32.h"
#include "binlog/event.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "vv.h"

static const char *mysql_dir, *mariadb_dir;

/* A copy of the binlog with one byte inserted after each event header, written to a temporary
 * file; patch_fde: the FDE's own post-header length raised from 95 to 98 (CRC recomputed). */
static char *padded_copy(const char *path, bool patch_fde)
{
    size_t len, o = 4;
    uint8_t *b = vv_slurp(path, &len), *out;
    static char name[64];
    int fd;
    assert_non_null(b);
    out = malloc(len * 2);
    memcpy(out, b, 4);
    for (size_t p = 4; p < len;) {
        uint32_t size;
        assert_true(hm_binlog_peek_size(b + p, len - p, &size));
        if (patch_fde && b[p + 4] == HM_BINLOG_T_FORMAT_DESCRIPTION) {
            uint8_t *fde = b + p;
            size_t at = 19 + 57 + (HM_BINLOG_T_FORMAT_DESCRIPTION - 1);
            uint32_t crc;
            assert_int_equal(fde[at], 95);
            fde[at] = 98;
            crc = hm_binlog_crc32(0, fde, size - 4);
            for (int i = 0; i < 4; i++)
                fde[size - 4 + i] = (uint8_t)(crc >> (8 * i));
        }
        memcpy(out + o, b + p, 19);
        out[o + 19] = 0;
        memcpy(out + o + 20, b + p + 19, size - 19);
        o += size + 1;
        p += size;
    }
    snprintf(name, sizeof name, "/tmp/hm-binlog-connc-XXXXXX");
    fd = mkstemp(name);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, out, o), (ssize_t)o);
    close(fd);
    free(b);
    free(out);
    return name;
}

/* Events Connector/C's file mode reads from path before it stops; *err: whether it stopped on an
 * error (rather than at the end). */
static unsigned cc_count(const char *path, bool *err)
{
    MARIADB_RPL *rpl = mariadb_rpl_init_ex(NULL, MARIADB_RPL_VERSION);
    MARIADB_RPL_EVENT *ev;
    unsigned n = 0;
    assert_non_null(rpl);
    /* length 0: with a length, the name is copied without its NUL and opened as a C string */
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, path, (size_t)0);
    assert_int_equal(mariadb_rpl_open(rpl), 0);
    while ((ev = mariadb_rpl_fetch(rpl, NULL))) {
        n++;
        mariadb_free_rpl_event(ev);
    }
    /* at the end of a file it says "Can't read event header"; anything else is a failure */
    *err = !strstr(mariadb_rpl_error(rpl), "Can't read event header");
    mariadb_rpl_close(rpl);
    return n;
}

static unsigned our_count(const char *path)
{
    size_t len;
    uint8_t *b = vv_slurp(path, &len);
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    unsigned n = 0;
    hm_binlog_fmt_init(&fmt);
    for (uint64_t p = 4; p < len; p = ev.next_pos, n++) {
        uint32_t size;
        assert_true(hm_binlog_peek_size(b + p, len - p, &size));
        if (hm_binlog_event_decode(&fmt, b + p, size, p, &ev, &err) != HM_OK)
            fail_msg("%s", err.msg);
    }
    free(b);
    return n;
}

static void test_file_mode_drops_a_byte(void **state)
{
    char path[1024];
    bool err;
    (void)state;
    snprintf(path, sizeof path, "%s/mariadb-1.bin", mariadb_dir);
    assert_int_equal(our_count(path), 111);
    assert_int_equal(cc_count(path, &err), 0);
    assert_true(err);
    char *padded = padded_copy(path, false);
    assert_int_equal(cc_count(padded, &err), 111);
    assert_false(err);
    unlink(padded);
}

static void test_mysql57_fde_refused(void **state)
{
    char path[1024];
    bool err;
    (void)state;
    snprintf(path, sizeof path, "%s/mysql-bin.checksum-crc32", mysql_dir);
    assert_int_equal(our_count(path), 303);
    char *padded = padded_copy(path, false);
    assert_int_equal(cc_count(padded, &err), 0);
    assert_true(err);
    unlink(padded);
    padded = padded_copy(path, true);
    assert_int_equal(cc_count(padded, &err), 303);
    assert_false(err);
    unlink(padded);
}

static void test_v2_update_rows(void **state)
{
    char path[1024];
    MARIADB_RPL *rpl = mariadb_rpl_init_ex(NULL, MARIADB_RPL_VERSION);
    MARIADB_RPL_EVENT *ev, *tm = NULL;
    bool checked = false;
    (void)state;
    snprintf(path, sizeof path, "%s/mysql-bin.checksum-crc32", mysql_dir);
    char *padded = padded_copy(path, true);
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, padded, (size_t)0);
    assert_int_equal(mariadb_rpl_open(rpl), 0);
    while (!checked && (ev = mariadb_rpl_fetch(rpl, NULL))) {
        if (ev->event_type == TABLE_MAP_EVENT) {
            if (tm)
                mariadb_free_rpl_event(tm);
            tm = ev;
            continue;
        }
        if (ev->event_type == UPDATE_ROWS_EVENT) {
            /* the first UPDATE of the fixture: `simu_file_dev`.`file` id 12600330, 1 row */
            MARIADB_RPL_ROW *row = mariadb_rpl_extract_rows(rpl, tm, ev);
            unsigned n = 0;
            assert_non_null(row);
            for (MARIADB_RPL_ROW *r = row; r; r = r->next)
                n++;
            assert_true(row->columns[0].is_null); /* the after-image bitmap, read as a row */
            assert_int_equal(n, 3); /* the garbage row, then before and after */
            checked = true;
        }
        mariadb_free_rpl_event(ev);
    }
    assert_true(checked);
    if (tm)
        mariadb_free_rpl_event(tm);
    mariadb_rpl_close(rpl);
    unlink(padded);

    /* this decoder on the same event: one row, before and after images */
    size_t len;
    uint8_t *b = vv_slurp(path, &len);
    hm_binlog_fmt fmt;
    hm_binlog_event e;
    hm_binlog_tables ts;
    hm_err err;
    static hm_binlog_value before[64], after[64];
    hm_binlog_fmt_init(&fmt);
    hm_binlog_tables_init(&ts);
    for (uint64_t p = 4; p < len; p = e.next_pos) {
        uint32_t size;
        const hm_binlog_table *t;
        hm_binlog_rows_iter it;
        bool more;
        assert_true(hm_binlog_peek_size(b + p, len - p, &size));
        assert_int_equal(hm_binlog_event_decode(&fmt, b + p, size, p, &e, &err), HM_OK);
        if (e.kind == HM_BINLOG_EV_TABLE_MAP)
            assert_int_equal(hm_binlog_tables_put(&ts, &fmt, &e, &t, &err), HM_OK);
        if (e.kind != HM_BINLOG_EV_ROWS || e.u.rows.action != HM_BINLOG_ROWS_UPDATE)
            continue;
        t = hm_binlog_tables_get(&ts, e.u.rows.table_id);
        assert_int_equal(hm_binlog_rows_begin(&it, &fmt, &e, t, &err), HM_OK);
        assert_int_equal(hm_binlog_rows_next(&it, before, after, &more, &err), HM_OK);
        assert_true(more);
        assert_int_equal(before[0].i, 12600330);
        assert_int_equal(after[0].i, 12600330);
        assert_int_equal(hm_binlog_rows_next(&it, before, after, &more, &err), HM_OK);
        assert_false(more);
        break;
    }
    hm_binlog_tables_release(&ts);
    free(b);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s MYSQL_FIXTURES_DIR MARIADB_FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    mysql_dir = argv[1];
    mariadb_dir = argv[2];
    if (!hm_test_fixture_dir_ok(mysql_dir) || !hm_test_fixture_dir_ok(mariadb_dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_mode_drops_a_byte),
        cmocka_unit_test(test_mysql57_fde_refused),
        cmocka_unit_test(test_v2_update_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
