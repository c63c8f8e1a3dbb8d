/*
 * tests/unit/copy/test_select.c: --include / --exclude selection (copy/select.h).
 *
 *   - no include: every non-system schema; system schemas (mysql, sys, information_schema,
 *     performance_schema, hotmig_meta) never selected, even with include '*' or 'mysql'
 *   - "db" selects every object of db; "db.t*" only matching names; "*.t" name t in any schema
 *   - '?' matches one character; matching is case-sensitive
 *   - an exclude wins over an include; a "db.t" exclude does not drop the schema, a "db" one does
 *   - hm_select_unused names the first include that matched nothing
 *   - bad patterns ('', '.t', 'db.', 'a.b.c') are refused by hm_select_init with HM_EUSAGE and
 *     a message naming the pattern
 *   - only '*' and '?' are wildcards: '[' and '\' in a pattern are literal characters
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "copy/select.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void init_ok(hm_select *s, const char *const *inc, size_t ninc, const char *const *exc,
                    size_t nexc)
{
    hm_err err;
    memset(&err, 0, sizeof err);
    if (hm_select_init(s, inc, ninc, exc, nexc, &err) != HM_OK)
        fail_msg("hm_select_init refused: %s", err.msg);
}

static void test_pattern_ok(void **state)
{
    (void)state;
    assert_true(hm_select_pattern_ok("db"));
    assert_true(hm_select_pattern_ok("db.t"));
    assert_true(hm_select_pattern_ok("*"));
    assert_true(hm_select_pattern_ok("*.*"));
    assert_true(hm_select_pattern_ok("d?.t*"));
    assert_false(hm_select_pattern_ok(""));
    assert_false(hm_select_pattern_ok(".t"));
    assert_false(hm_select_pattern_ok("db."));
    assert_false(hm_select_pattern_ok("."));
    assert_false(hm_select_pattern_ok("a.b.c"));
    assert_false(hm_select_pattern_ok("a..b"));
}

static void expect_bad(const char *const *inc, size_t ninc, const char *const *exc, size_t nexc,
                       const char *pattern_in_msg, const char *kind)
{
    hm_select s;
    hm_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(hm_select_init(&s, inc, ninc, exc, nexc, &err), HM_EUSAGE);
    assert_int_equal(err.code, HM_EUSAGE);
    assert_non_null(strstr(err.msg, pattern_in_msg));
    assert_non_null(strstr(err.msg, kind));
    assert_null(s.include_used);
    hm_select_release(&s);
}

static void test_init_rejects_bad_patterns(void **state)
{
    static const char *const empty[] = {""};
    static const char *const nodb[] = {"db1", ".t"};
    static const char *const noname[] = {"db."};
    static const char *const three[] = {"a.b.c"};
    static const char *const good[] = {"db"};
    (void)state;
    expect_bad(empty, 1, NULL, 0, "''", "--include");
    expect_bad(nodb, 2, NULL, 0, "'.t'", "--include");
    expect_bad(noname, 1, NULL, 0, "'db.'", "--include");
    expect_bad(three, 1, NULL, 0, "'a.b.c'", "--include");
    expect_bad(good, 1, empty, 1, "''", "--exclude");
    expect_bad(good, 1, nodb, 2, "'.t'", "--exclude");
    expect_bad(NULL, 0, noname, 1, "'db.'", "--exclude");
    expect_bad(NULL, 0, three, 1, "'a.b.c'", "--exclude");
}

static void test_system_schemas(void **state)
{
    (void)state;
    assert_true(hm_select_is_system_schema("mysql"));
    assert_true(hm_select_is_system_schema("sys"));
    assert_true(hm_select_is_system_schema("information_schema"));
    assert_true(hm_select_is_system_schema("performance_schema"));
    assert_true(hm_select_is_system_schema("hotmig_meta"));
    assert_true(hm_select_is_system_schema("INFORMATION_SCHEMA"));
    assert_false(hm_select_is_system_schema("mysql2"));
    assert_false(hm_select_is_system_schema("my"));
    assert_false(hm_select_is_system_schema("system"));
    assert_false(hm_select_is_system_schema("app"));
    assert_false(hm_select_is_system_schema(""));
}

static void test_no_include_selects_all_but_system(void **state)
{
    hm_select s;
    (void)state;
    init_ok(&s, NULL, 0, NULL, 0);
    assert_true(hm_select_object(&s, "app", "t"));
    assert_true(hm_select_object(&s, "other", "x"));
    assert_true(hm_select_schema(&s, "app"));
    assert_false(hm_select_object(&s, "mysql", "user"));
    assert_false(hm_select_object(&s, "sys", "x"));
    assert_false(hm_select_object(&s, "information_schema", "TABLES"));
    assert_false(hm_select_object(&s, "performance_schema", "threads"));
    assert_false(hm_select_object(&s, "hotmig_meta", "chunks"));
    assert_false(hm_select_schema(&s, "mysql"));
    assert_false(hm_select_schema(&s, "hotmig_meta"));
    assert_null(hm_select_unused(&s));
    hm_select_release(&s);
}

static void test_star_never_selects_system(void **state)
{
    static const char *const inc[] = {"*", "mysql", "sys.*", "*.user"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_false(hm_select_object(&s, "mysql", "user"));
    assert_false(hm_select_object(&s, "sys", "sys_config"));
    assert_false(hm_select_object(&s, "information_schema", "user"));
    assert_false(hm_select_object(&s, "performance_schema", "users"));
    assert_false(hm_select_object(&s, "hotmig_meta", "user"));
    assert_false(hm_select_schema(&s, "mysql"));
    assert_false(hm_select_schema(&s, "sys"));
    assert_false(hm_select_schema(&s, "performance_schema"));
    assert_true(hm_select_object(&s, "app", "user"));
    assert_true(hm_select_schema(&s, "app"));
    hm_select_release(&s);
}

static void test_db_pattern(void **state)
{
    static const char *const inc[] = {"db"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_true(hm_select_object(&s, "db", "t1"));
    assert_true(hm_select_object(&s, "db", "anything"));
    assert_false(hm_select_object(&s, "db2", "t1"));
    assert_false(hm_select_object(&s, "d", "t1"));
    assert_false(hm_select_object(&s, "xdb", "t1"));
    assert_true(hm_select_schema(&s, "db"));
    assert_false(hm_select_schema(&s, "db2"));
    hm_select_release(&s);
}

static void test_db_table_wildcard(void **state)
{
    static const char *const inc[] = {"db.t*"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_true(hm_select_object(&s, "db", "t"));
    assert_true(hm_select_object(&s, "db", "t1"));
    assert_true(hm_select_object(&s, "db", "table"));
    assert_false(hm_select_object(&s, "db", "users"));
    assert_false(hm_select_object(&s, "db", "xt"));
    assert_false(hm_select_object(&s, "db2", "t1"));
    assert_false(hm_select_object(&s, "other", "t1"));
    /* the schema is needed for the tables it holds */
    assert_true(hm_select_schema(&s, "db"));
    assert_false(hm_select_schema(&s, "db2"));
    hm_select_release(&s);
}

static void test_any_db_table(void **state)
{
    static const char *const inc[] = {"*.t"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_true(hm_select_object(&s, "a", "t"));
    assert_true(hm_select_object(&s, "b", "t"));
    assert_false(hm_select_object(&s, "a", "t1"));
    assert_false(hm_select_object(&s, "a", "tt"));
    assert_false(hm_select_object(&s, "a", "u"));
    assert_false(hm_select_object(&s, "mysql", "t"));
    assert_true(hm_select_schema(&s, "a"));
    assert_true(hm_select_schema(&s, "zzz"));
    hm_select_release(&s);
}

static void test_question_mark(void **state)
{
    static const char *const inc[] = {"d?.t?"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_true(hm_select_object(&s, "d1", "t2"));
    assert_true(hm_select_object(&s, "dx", "tt"));
    assert_false(hm_select_object(&s, "d", "t2"));
    assert_false(hm_select_object(&s, "d12", "t2"));
    assert_false(hm_select_object(&s, "d1", "t"));
    assert_false(hm_select_object(&s, "d1", "t23"));
    hm_select_release(&s);
}

static void test_case_sensitive(void **state)
{
    static const char *const inc[] = {"Shop.Orders", "lower"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_true(hm_select_object(&s, "Shop", "Orders"));
    assert_false(hm_select_object(&s, "shop", "Orders"));
    assert_false(hm_select_object(&s, "Shop", "orders"));
    assert_false(hm_select_object(&s, "SHOP", "ORDERS"));
    assert_true(hm_select_object(&s, "lower", "x"));
    assert_false(hm_select_object(&s, "Lower", "x"));
    assert_false(hm_select_object(&s, "LOWER", "x"));
    assert_true(hm_select_schema(&s, "Shop"));
    assert_false(hm_select_schema(&s, "shop"));
    hm_select_release(&s);
}

static void test_exclude_wins(void **state)
{
    static const char *const inc[] = {"db", "db.t1"};
    static const char *const exc[] = {"db.t1", "db.tmp_*"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), exc, N(exc));
    assert_false(hm_select_object(&s, "db", "t1"));
    assert_false(hm_select_object(&s, "db", "tmp_x"));
    assert_false(hm_select_object(&s, "db", "tmp_"));
    assert_true(hm_select_object(&s, "db", "t2"));
    assert_true(hm_select_object(&s, "db", "tmp"));
    /* a table exclude does not drop the schema */
    assert_true(hm_select_schema(&s, "db"));
    hm_select_release(&s);
}

static void test_exclude_schema(void **state)
{
    static const char *const exc[] = {"test*", "app.secret"};
    hm_select s;
    (void)state;
    init_ok(&s, NULL, 0, exc, N(exc));
    assert_false(hm_select_object(&s, "test", "t"));
    assert_false(hm_select_object(&s, "test_2", "t"));
    assert_false(hm_select_schema(&s, "test"));
    assert_false(hm_select_schema(&s, "testing"));
    assert_true(hm_select_object(&s, "app", "t"));
    assert_false(hm_select_object(&s, "app", "secret"));
    assert_true(hm_select_schema(&s, "app"));
    assert_true(hm_select_object(&s, "mytest", "t"));
    hm_select_release(&s);
}

static void test_exclude_any_schema_table(void **state)
{
    static const char *const inc[] = {"*"};
    static const char *const exc[] = {"*.log"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), exc, N(exc));
    assert_false(hm_select_object(&s, "a", "log"));
    assert_false(hm_select_object(&s, "b", "log"));
    assert_true(hm_select_object(&s, "a", "logs"));
    assert_true(hm_select_schema(&s, "a"));
    hm_select_release(&s);
}

static void test_unused(void **state)
{
    static const char *const inc[] = {"app", "shop.orders", "missing", "ghost.*"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_non_null(s.include_used);
    assert_string_equal(hm_select_unused(&s), "app"); /* nothing matched yet */
    assert_true(hm_select_object(&s, "app", "t"));
    assert_string_equal(hm_select_unused(&s), "shop.orders");
    assert_false(hm_select_object(&s, "shop", "customers"));
    assert_string_equal(hm_select_unused(&s), "shop.orders");
    assert_true(hm_select_object(&s, "shop", "orders"));
    assert_string_equal(hm_select_unused(&s), "missing");
    /* asking about a schema does not count as a use */
    assert_false(hm_select_schema(&s, "mysql"));
    assert_true(hm_select_schema(&s, "missing"));
    assert_string_equal(hm_select_unused(&s), "missing");
    assert_true(hm_select_object(&s, "missing", "x"));
    assert_string_equal(hm_select_unused(&s), "ghost.*");
    assert_true(hm_select_object(&s, "ghost", "y"));
    assert_null(hm_select_unused(&s));
    hm_select_release(&s);
    assert_null(s.include_used);
}

static void test_unused_system_never_counts(void **state)
{
    static const char *const inc[] = {"mysql", "app"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    assert_false(hm_select_object(&s, "mysql", "user"));
    assert_true(hm_select_object(&s, "app", "t"));
    assert_string_equal(hm_select_unused(&s), "mysql");
    hm_select_release(&s);
}

/* The header promises '*' and '?' as the wildcards; '[' and '\' can appear in MySQL names. */
static void test_brackets_are_literal(void **state)
{
    static const char *const inc[] = {"db.t[1]"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    {
        bool as_wildcard = hm_select_object(&s, "db", "t1");
        bool as_literal = hm_select_object(&s, "db", "t[1]");
        hm_select_release(&s);
        assert_false(as_wildcard);
        assert_true(as_literal);
    }
}

static void test_backslash_is_literal(void **state)
{
    static const char *const inc[] = {"db.a\\b"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    {
        bool as_wildcard = hm_select_object(&s, "db", "ab");
        bool as_literal = hm_select_object(&s, "db", "a\\b");
        hm_select_release(&s);
        assert_false(as_wildcard);
        assert_true(as_literal);
    }
}

/* '*' stays a wildcard where the name itself holds a '*'; several stars backtrack correctly. */
static void test_star_backtracking(void **state)
{
    static const char *const inc[] = {"d*b.a*", "x.*a*b*c"};
    hm_select s;
    (void)state;
    init_ok(&s, inc, N(inc), NULL, 0);
    {
        bool name_with_star = hm_select_object(&s, "db", "a*b");
        bool db_mid_star = hm_select_object(&s, "dxxb", "a");
        bool db_no_match = hm_select_object(&s, "dbx", "a");
        bool multi = hm_select_object(&s, "x", "zzabxxbyyc");
        bool multi_order = hm_select_object(&s, "x", "zzcba");
        bool multi_trailing = hm_select_object(&s, "x", "abcd");
        hm_select_release(&s);
        assert_true(name_with_star);
        assert_true(db_mid_star);
        assert_false(db_no_match);
        assert_true(multi);
        assert_false(multi_order);
        assert_false(multi_trailing);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_ok),
        cmocka_unit_test(test_init_rejects_bad_patterns),
        cmocka_unit_test(test_system_schemas),
        cmocka_unit_test(test_no_include_selects_all_but_system),
        cmocka_unit_test(test_star_never_selects_system),
        cmocka_unit_test(test_db_pattern),
        cmocka_unit_test(test_db_table_wildcard),
        cmocka_unit_test(test_any_db_table),
        cmocka_unit_test(test_question_mark),
        cmocka_unit_test(test_case_sensitive),
        cmocka_unit_test(test_exclude_wins),
        cmocka_unit_test(test_exclude_schema),
        cmocka_unit_test(test_exclude_any_schema_table),
        cmocka_unit_test(test_unused),
        cmocka_unit_test(test_unused_system_never_counts),
        cmocka_unit_test(test_brackets_are_literal),
        cmocka_unit_test(test_backslash_is_literal),
        cmocka_unit_test(test_star_backtracking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
