/*
 * tests/unit/sync/test_xa.c: the XA statements the binlog carries, parsed strictly
 * (sync/xa.h), and the SQL rebuilt from the parsed xid, never copied from the binlog; xids taken
 * from MariaDB GTID events and from XA_PREPARE events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sync/xa.h"

static void parses(const char *q, hm_sync_xa_verb verb, const char *sql_verb, const char *sql)
{
    hm_sync_xa_verb v;
    hm_sync_xid x;
    hm_err err;
    hm_buf b;
    if (hm_sync_xa_parse(q, strlen(q), &v, &x, &err) != HM_OK)
        fail_msg("%s: %s", q, err.msg);
    assert_int_equal(v, verb);
    hm_buf_init(&b, 4096);
    assert_int_equal(hm_sync_xa_sql(&b, sql_verb, &x), HM_OK);
    assert_string_equal(b.data, sql);
    hm_buf_release(&b);
}

static void refused(const char *q)
{
    hm_sync_xa_verb v;
    hm_sync_xid x;
    hm_err err;
    assert_int_equal(hm_sync_xa_parse(q, strlen(q), &v, &x, &err), HM_ESOURCE);
    assert_int_equal(v, HM_XA_NONE);
    assert_non_null(strstr(err.msg, "xid could not be read"));
}

static void test_parse(void **state)
{
    hm_sync_xa_verb v;
    hm_sync_xid x;
    hm_err err;
    (void)state;
    parses("XA END X'677431',X'6271',7", HM_XA_END, "END", "XA END X'677431',X'6271',7");
    parses("XA COMMIT X'677431',X'6271',7", HM_XA_COMMIT, "COMMIT", "XA COMMIT X'677431',X'6271',7");
    parses("xa rollback x'6732',X'',1", HM_XA_ROLLBACK, "ROLLBACK", "XA ROLLBACK X'6732','',1");
    parses("XA START X'01ff',X'',4294967295", HM_XA_START, "PREPARE",
           "XA PREPARE X'01ff','',4294967295");
    parses("XA COMMIT X'61' , X'62' , 2 ONE  PHASE", HM_XA_COMMIT_ONE_PHASE, "COMMIT ONE PHASE",
           "XA COMMIT X'61',X'62',2 ONE PHASE");
    parses("XA BEGIN X'61'", HM_XA_START, "START", "XA START X'61','',1");
    /* not XA at all */
    assert_int_equal(hm_sync_xa_parse("XAMPLE", 6, &v, &x, &err), HM_OK);
    assert_int_equal(v, HM_XA_NONE);
    assert_int_equal(hm_sync_xa_parse("INSERT INTO t VALUES (1)", 24, &v, &x, &err), HM_OK);
    assert_int_equal(v, HM_XA_NONE);
    /* XA, but nothing a server logs: the task must stop, not guess */
    refused("XA COMMIT 'abc'");
    refused("XA COMMIT X'6'");
    refused("XA COMMIT X'zz'");
    refused("XA COMMIT X''");
    refused("XA COMMIT X'61',X'62',4294967296");
    refused("XA COMMIT X'61'; DROP TABLE t");
    refused("XA COMMIT X'61',X'62',1 TWO PHASE");
    refused("XA RECOVER");
    {
        char big[300] = "XA END X'";
        for (int i = 0; i < 65; i++)
            strcat(big, "61");
        strcat(big, "'");
        refused(big);
    }
}

static void test_from_events(void **state)
{
    hm_binlog_event ev;
    hm_sync_xid x;
    char t[300];
    (void)state;
    memset(&ev, 0, sizeof ev);
    ev.kind = HM_BINLOG_EV_MARIADB_GTID;
    ev.u.mariadb_gtid.has_xid = true;
    ev.u.mariadb_gtid.xid_format_id = 7;
    ev.u.mariadb_gtid.xid_gtrid_len = 3;
    ev.u.mariadb_gtid.xid_bqual_len = 2;
    ev.u.mariadb_gtid.xid_data = (const uint8_t *)"gt1bq";
    assert_true(hm_sync_xa_from_event(&ev, &x));
    hm_sync_xa_text(&x, t, sizeof t);
    assert_string_equal(t, "X'677431',X'6271',7");
    memset(&ev, 0, sizeof ev);
    ev.kind = HM_BINLOG_EV_XA_PREPARE;
    ev.u.xa_prepare.format_id = 1;
    ev.u.xa_prepare.gtrid_len = 2;
    ev.u.xa_prepare.data = (const uint8_t *)"g2";
    assert_true(hm_sync_xa_from_event(&ev, &x));
    hm_sync_xa_text(&x, t, sizeof t);
    assert_string_equal(t, "X'6732','',1");
    ev.kind = HM_BINLOG_EV_XID;
    assert_false(hm_sync_xa_from_event(&ev, &x));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_from_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
