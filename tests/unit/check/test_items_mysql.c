/*
 * tests/unit/check/test_items_mysql.c: what `hotmig check` says about a MySQL 8 or 9 source, from
 * facts as a MySQL server reports them (no MySQL server can run here: the facts are set by hand,
 * the items are the real ones). Each case asserts the verdict, the message and the fix:
 *   binlog_transaction_compression  OFF, ON (zstd is loadable here)
 *   binlog_row_value_options        '', PARTIAL_JSON, absent (MariaDB)
 *   binlog_row_metadata             FULL, MINIMAL / NO_LOG (PASS: names are a second check; the
 *                                   message says how to log them), absent
 *   gtid_mode                       OFF, ON, ON with enforce_gtid_consistency=WARN, OFF_PERMISSIVE
 *   XA transactions prepared        none, two (WARNING naming them), unknown (the privilege)
 *   VECTOR columns                  none, to a MySQL 9 target, to MariaDB 10.11 (FAILED, with the
 *                                   --exclude options) and to MariaDB 11.7
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "check/items.h"

static hm_check_src src;
static hm_check_tgt tgt;
static hm_check_opts opts;

static void mysql_side(hm_check_side *s, const char *role, unsigned long version, const char *vs,
                       hm_flavor fl)
{
    memset(s, 0, sizeof *s);
    s->role = role;
    s->conn.flavor = fl;
    s->conn.version = version;
    snprintf(s->conn.version_str, sizeof s->conn.version_str, "%s", vs);
    s->connect.ok = s->vars.ok = true;
}

static void setvar(hm_check_side *s, hm_check_var v, const char *val)
{
    s->var[v] = (char *)val; /* the test's strings: not freed */
}

typedef struct verdict {
    hm_check_result r;
    char msg[4096], fix[4096];
} verdict;

static verdict run(hm_check_item_fn *fn)
{
    hm_check_ctx c = {&opts, &src, &tgt, 4};
    hm_check_out out;
    verdict v;
    memset(&out, 0, sizeof out);
    hm_buf_init(&out.msg, 1 << 16);
    hm_buf_init(&out.fix, 1 << 16);
    fn(&c, &out);
    v.r = out.result;
    snprintf(v.msg, sizeof v.msg, "%s", out.msg.data ? out.msg.data : "");
    snprintf(v.fix, sizeof v.fix, "%s", out.fix.data ? out.fix.data : "");
    hm_buf_release(&out.msg);
    hm_buf_release(&out.fix);
    return v;
}

#define EXPECT(fn, result, msgfrag, fixfrag)                                                   \
    do {                                                                                       \
        verdict v_ = run(fn);                                                                  \
        if (v_.r != (result) || !strstr(v_.msg, msgfrag) || !strstr(v_.fix, fixfrag))         \
            fail_msg("%s: result %d, message [%s], fix [%s]; wanted %d, [%s], [%s]", #fn,      \
                     v_.r, v_.msg, v_.fix, result, msgfrag, fixfrag);                          \
    } while (0)

static int setup(void **state)
{
    (void)state;
    memset(&src, 0, sizeof src);
    memset(&tgt, 0, sizeof tgt);
    mysql_side(&src.side, "source", 80036, "8.0.36", HM_FLAVOR_MYSQL);
    mysql_side(&tgt.side, "target", 101119, "10.11.19-MariaDB", HM_FLAVOR_MARIADB);
    src.catalog.ok = true;
    opts.incremental = true;
    return 0;
}

static void test_compression(void **state)
{
    (void)state;
    setvar(&src.side, HM_CV_TRX_COMPRESSION, "OFF");
    EXPECT(hm_check_item_binlog_compression, HM_CHECK_PASS, "binlog_transaction_compression=OFF", "");
    setvar(&src.side, HM_CV_TRX_COMPRESSION, "ON");
    EXPECT(hm_check_item_binlog_compression, HM_CHECK_PASS, "inflates the transactions with libzstd", "");
}

static void test_row_value_options(void **state)
{
    (void)state;
    setvar(&src.side, HM_CV_ROW_VALUE_OPTIONS, "");
    EXPECT(hm_check_item_row_value_options, HM_CHECK_PASS, "logged as whole documents", "");
    setvar(&src.side, HM_CV_ROW_VALUE_OPTIONS, "PARTIAL_JSON");
    EXPECT(hm_check_item_row_value_options, HM_CHECK_PASS, "JSON_REPLACE", "");
    src.side.conn.flavor = HM_FLAVOR_MARIADB;
    setvar(&src.side, HM_CV_ROW_VALUE_OPTIONS, NULL);
    EXPECT(hm_check_item_row_value_options, HM_CHECK_PASS, "not a setting of this source", "");
    src.side.conn.flavor = HM_FLAVOR_MYSQL;
    src.side.vars.ok = false;
    strcpy(src.side.vars.err.msg, "SELECT command denied");
    EXPECT(hm_check_item_row_value_options, HM_CHECK_WARNING, "not checked", "");
    src.side.vars.ok = true;
}

static void test_row_metadata(void **state)
{
    (void)state;
    setvar(&src.side, HM_CV_ROW_METADATA, "FULL");
    EXPECT(hm_check_item_row_metadata, HM_CHECK_PASS, "binlog_row_metadata=FULL", "");
    setvar(&src.side, HM_CV_ROW_METADATA, "MINIMAL");
    EXPECT(hm_check_item_row_metadata, HM_CHECK_PASS, "binlog_row_metadata=MINIMAL: the binlog does not "
           "name the columns; hotmig matches them to the target's by position and type (with FULL it "
           "checks the names too: SET PERSIST binlog_row_metadata=FULL)", "");
    src.side.conn.flavor = HM_FLAVOR_MARIADB; /* MariaDB 10.5+: NO_LOG by default, no SET PERSIST */
    src.side.conn.version = 101119;
    setvar(&src.side, HM_CV_ROW_METADATA, "NO_LOG");
    EXPECT(hm_check_item_row_metadata, HM_CHECK_PASS, "NO_LOG", "");
    EXPECT(hm_check_item_row_metadata, HM_CHECK_PASS, "SET GLOBAL binlog_row_metadata=FULL", "");
    src.side.conn.flavor = HM_FLAVOR_MYSQL;
    setvar(&src.side, HM_CV_ROW_METADATA, NULL);
    EXPECT(hm_check_item_row_metadata, HM_CHECK_PASS, "by position and type", "");
    src.side.conn.version = 80036;
}

static void test_gtid(void **state)
{
    (void)state;
    setvar(&src.side, HM_CV_GTID_MODE, "OFF");
    EXPECT(hm_check_item_gtid_mode, HM_CHECK_PASS, "gtid_mode=OFF", "");
    setvar(&src.side, HM_CV_GTID_MODE, "ON");
    setvar(&src.side, HM_CV_ENFORCE_GTID, "ON");
    EXPECT(hm_check_item_gtid_mode, HM_CHECK_PASS, "gtid_mode=ON, enforce_gtid_consistency=ON", "");
    setvar(&src.side, HM_CV_ENFORCE_GTID, "WARN");
    EXPECT(hm_check_item_gtid_mode, HM_CHECK_WARNING, "enforce_gtid_consistency=WARN",
           "SET PERSIST enforce_gtid_consistency=ON");
    setvar(&src.side, HM_CV_GTID_MODE, "OFF_PERMISSIVE");
    EXPECT(hm_check_item_gtid_mode, HM_CHECK_WARNING, "transition state", "SET PERSIST gtid_mode=OFF");
}

static void test_vector(void **state)
{
    hm_check_colluse v[3] = {{"shop", "items", "embedding"}, {"shop", "items", "thumb"},
                             {"shop", "users", "face"}};
    (void)state;
    EXPECT(hm_check_item_vector, HM_CHECK_PASS, "no VECTOR columns", "");
    src.vectors = v;
    src.nvectors = 3;
    EXPECT(hm_check_item_vector, HM_CHECK_FAILED,
           "3 VECTOR columns (shop.items.embedding, shop.items.thumb, shop.users.face), a MySQL 9 type "
           "that the target (MariaDB 10.11.19-MariaDB) does not have",
           "MariaDB 11.7 or later), or leave those tables out: --exclude shop.items --exclude shop.users");
    tgt.side.conn.version = 110702;
    EXPECT(hm_check_item_vector, HM_CHECK_PASS, "the target (10.11.19-MariaDB) has the type", "");
    mysql_side(&tgt.side, "target", 90100, "9.1.0", HM_FLAVOR_MYSQL);
    EXPECT(hm_check_item_vector, HM_CHECK_PASS, "has the type", "");
    mysql_side(&tgt.side, "target", 80400, "8.4.0", HM_FLAVOR_MYSQL);
    EXPECT(hm_check_item_vector, HM_CHECK_FAILED, "(MySQL 8.4.0) does not have", "--exclude shop.items");
    src.vectors = NULL;
    src.nvectors = 0;
}

static void test_xa_prepared(void **state)
{
    (void)state;
    src.xa_prepared = 0;
    EXPECT(hm_check_item_xa_prepared, HM_CHECK_PASS, "no XA transaction is prepared on the source", "");
    src.xa_prepared = 2;
    src.xa_xids = (char *)"'pay-1', 'pay-2'";
    EXPECT(hm_check_item_xa_prepared, HM_CHECK_WARNING,
           "2 XA transactions are prepared on the source ('pay-1', 'pay-2')", "XA ROLLBACK 'xid'");
    src.xa_xids = NULL;
    src.xa_prepared = -1;
    strcpy(src.xa_err.msg, "Access denied; you need (at least one of) the XA_RECOVER_ADMIN privilege(s)");
    EXPECT(hm_check_item_xa_prepared, HM_CHECK_WARNING, "not checked: XA RECOVER failed (Access denied",
           "GRANT XA_RECOVER_ADMIN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_compression, setup),
        cmocka_unit_test_setup(test_row_value_options, setup),
        cmocka_unit_test_setup(test_row_metadata, setup),
        cmocka_unit_test_setup(test_gtid, setup),
        cmocka_unit_test_setup(test_vector, setup),
        cmocka_unit_test_setup(test_xa_prepared, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
