/*
 * tests/unit/db/test_sqlq.c: identifiers and literals as SQL text (db/sqlq.h).
 *
 *   - hm_sqlq_ident wraps in backticks and doubles every backtick inside
 *   - hm_sqlq_table gives `db`.`table`, with both parts quoted
 *   - hm_sqlq_hex gives X'..' in lower-case hex, X'' for no bytes, binary-safe
 *   - hm_sqlq_str (on an unconnected MYSQL handle) escapes ' \ NUL newline CR and ^Z, keeps
 *     other bytes, and refuses values whose escaped form could pass the buffer's max
 *   - all of them append to what the buffer already holds
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db/sqlq.h"

static void expect_ident(const char *name, const char *quoted)
{
    hm_buf b;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_sqlq_ident(&b, name), HM_OK);
    assert_string_equal(b.data, quoted);
    assert_int_equal(b.len, strlen(quoted));
    hm_buf_release(&b);
}

static void test_ident(void **state)
{
    (void)state;
    expect_ident("t", "`t`");
    expect_ident("my table", "`my table`");
    expect_ident("a`b", "`a``b`");
    expect_ident("`", "````");
    expect_ident("``x``", "`````x`````");
    expect_ident("", "``");
    expect_ident("a'b\"c.d", "`a'b\"c.d`");
    expect_ident("\xc3\xa9t\xc3\xa9", "`\xc3\xa9t\xc3\xa9`");
}

static void test_ident_appends(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_buf_adds(&b, "SELECT "), HM_OK);
    assert_int_equal(hm_sqlq_ident(&b, "c`1"), HM_OK);
    assert_int_equal(hm_buf_adds(&b, ", "), HM_OK);
    assert_int_equal(hm_sqlq_ident(&b, "c2"), HM_OK);
    assert_string_equal(b.data, "SELECT `c``1`, `c2`");
    hm_buf_release(&b);
}

static void test_ident_over_max(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 4);
    assert_int_equal(hm_sqlq_ident(&b, "abcdef"), HM_ENOMEM);
    hm_buf_release(&b);
    hm_buf_init(&b, 4);
    assert_int_equal(hm_sqlq_ident(&b, "ab"), HM_OK); /* exactly 4 */
    assert_string_equal(b.data, "`ab`");
    hm_buf_release(&b);
}

static void test_table(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_sqlq_table(&b, "db", "t"), HM_OK);
    assert_string_equal(b.data, "`db`.`t`");
    hm_buf_reset(&b);
    assert_int_equal(hm_sqlq_table(&b, "d`b", "t`"), HM_OK);
    assert_string_equal(b.data, "`d``b`.`t```");
    hm_buf_reset(&b);
    assert_int_equal(hm_sqlq_table(&b, "a.b", "c.d"), HM_OK);
    assert_string_equal(b.data, "`a.b`.`c.d`");
    hm_buf_reset(&b);
    assert_int_equal(hm_buf_adds(&b, "DROP TABLE "), HM_OK);
    assert_int_equal(hm_sqlq_table(&b, "x", "y"), HM_OK);
    assert_string_equal(b.data, "DROP TABLE `x`.`y`");
    hm_buf_release(&b);
}

static void test_hex(void **state)
{
    hm_buf b;
    static const unsigned char bytes[] = {0x00, 0x27, 0x5c, 0xff, 0x0a, 0x41};
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_sqlq_hex(&b, "", 0), HM_OK);
    assert_string_equal(b.data, "X''");
    assert_int_equal(b.len, 3);
    hm_buf_reset(&b);
    assert_int_equal(hm_sqlq_hex(&b, NULL, 0), HM_OK);
    assert_string_equal(b.data, "X''");
    hm_buf_reset(&b);
    assert_int_equal(hm_sqlq_hex(&b, bytes, sizeof bytes), HM_OK);
    assert_string_equal(b.data, "X'00275cff0a41'");
    hm_buf_reset(&b);
    assert_int_equal(hm_sqlq_hex(&b, "abc", 3), HM_OK);
    assert_int_equal(hm_buf_adds(&b, " = "), HM_OK);
    assert_int_equal(hm_sqlq_hex(&b, "\xAB\xCD", 2), HM_OK);
    assert_string_equal(b.data, "X'616263' = X'abcd'");
    hm_buf_release(&b);
}

static void test_hex_over_max(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 7);
    assert_int_equal(hm_sqlq_hex(&b, "ab", 2), HM_OK); /* X'6162' is 7 */
    assert_string_equal(b.data, "X'6162'");
    hm_buf_release(&b);
    hm_buf_init(&b, 7);
    assert_int_equal(hm_sqlq_hex(&b, "abc", 3), HM_ENOMEM);
    hm_buf_release(&b);
}

static MYSQL *my;

static int setup_mysql(void **state)
{
    (void)state;
    my = mysql_init(NULL);
    return my ? 0 : -1;
}

static int teardown_mysql(void **state)
{
    (void)state;
    mysql_close(my);
    my = NULL;
    return 0;
}

static void expect_str(const char *v, size_t n, const char *lit, size_t litlen)
{
    hm_buf b;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_sqlq_str(&b, my, v, n), HM_OK);
    assert_int_equal(b.len, litlen);
    assert_memory_equal(b.data, lit, litlen);
    assert_int_equal(b.data[b.len], '\0');
    hm_buf_release(&b);
}

#define EXPECT_STR(v, lit) expect_str((v), sizeof(v) - 1, (lit), sizeof(lit) - 1)

static void test_str_plain(void **state)
{
    (void)state;
    EXPECT_STR("", "''");
    EXPECT_STR("hello world", "'hello world'");
    EXPECT_STR("a\"b`c%d_e", "'a\\\"b`c%d_e'");
}

static void test_str_quote(void **state)
{
    (void)state;
    EXPECT_STR("it's", "'it\\'s'");
    EXPECT_STR("'", "'\\''");
    EXPECT_STR("''", "'\\'\\''");
    EXPECT_STR("x' OR '1'='1", "'x\\' OR \\'1\\'=\\'1'");
}

static void test_str_backslash(void **state)
{
    (void)state;
    EXPECT_STR("\\", "'\\\\'");
    EXPECT_STR("a\\'b", "'a\\\\\\'b'");
    EXPECT_STR("C:\\dir\\", "'C:\\\\dir\\\\'");
}

static void test_str_nul_newline(void **state)
{
    (void)state;
    EXPECT_STR("a\0b", "'a\\0b'");
    EXPECT_STR("\0", "'\\0'");
    EXPECT_STR("l1\nl2", "'l1\\nl2'");
    EXPECT_STR("cr\r", "'cr\\r'");
    EXPECT_STR("z\x1a", "'z\\Z'");
    EXPECT_STR("\0\n\r'\\\x1a", "'\\0\\n\\r\\'\\\\\\Z'");
}

static void test_str_appends(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_buf_adds(&b, "SET @v = "), HM_OK);
    assert_int_equal(hm_sqlq_str(&b, my, "o'k", 3), HM_OK);
    assert_int_equal(hm_buf_adds(&b, ";"), HM_OK);
    assert_string_equal(b.data, "SET @v = 'o\\'k';");
    hm_buf_release(&b);
}

static void test_str_over_max(void **state)
{
    hm_buf b;
    (void)state;
    /* the worst case (every byte escaped, plus the quotes) must fit before anything is written */
    hm_buf_init(&b, 8);
    assert_int_equal(hm_sqlq_str(&b, my, "abc", 3), HM_OK); /* 2*3+2 = 8 reserved */
    assert_string_equal(b.data, "'abc'");
    assert_int_equal(b.len, 5);
    assert_int_equal(hm_sqlq_str(&b, my, "d", 1), HM_ENOMEM); /* 5 + 4 > 8 */
    assert_string_equal(b.data, "'abc'");
    assert_int_equal(b.len, 5);
    hm_buf_release(&b);

    hm_buf_init(&b, 7);
    assert_int_equal(hm_sqlq_str(&b, my, "abc", 3), HM_ENOMEM);
    assert_int_equal(b.len, 0);
    hm_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_ident_appends),
        cmocka_unit_test(test_ident_over_max),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_hex_over_max),
        cmocka_unit_test(test_str_plain),
        cmocka_unit_test(test_str_quote),
        cmocka_unit_test(test_str_backslash),
        cmocka_unit_test(test_str_nul_newline),
        cmocka_unit_test(test_str_appends),
        cmocka_unit_test(test_str_over_max),
    };
    return cmocka_run_group_tests(tests, setup_mysql, teardown_mysql);
}
