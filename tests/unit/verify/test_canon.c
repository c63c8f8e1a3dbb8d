/*
 * tests/unit/verify/test_canon.c: the canonical row form as SQL (verify/canon.h) and the key
 * helpers of verify/chunk.h.
 *
 *   - a row's canonical text: integers as they are, NULL as N only where a column is nullable,
 *     strings as length then bytes, FLOAT as DOUBLE (or + 0e0 on old servers), BIT + 0, BLOB and
 *     TEXT hashed, JSON normalized then hashed, generated columns left out, every name quoted
 *   - the keyed-chunk aggregate (SHA1) joins rows inside GROUP_CONCAT's own arguments, fields that
 *     may hold any byte set off by the run's separator, a NULL string as the run's NULL mark (a
 *     NULL argument would drop the whole row), the others by ','; bad tokens refused
 *   - the run's tokens: 16 letters or digits, new each time
 *   - the multiset aggregate sums the 64-bit row hashes exactly
 *   - key text for people: "id=5", "(a, b)=('it''s', 3)" with quotes escaped, binary as 0x..
 *   - key equality condition: literals from copy/keylit (charset introducer for strings)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "copy/keylit.h"
#include "verify/canon.h"
#include "verify/chunk.h"

static hm_column col(const char *name, const char *dt, hm_coltype type, const char *cs)
{
    hm_column c;
    memset(&c, 0, sizeof c);
    c.name = (char *)name;
    c.data_type = (char *)dt;
    c.type = type;
    c.charset = (char *)cs;
    c.is_float = strcmp(dt, "float") == 0 || strcmp(dt, "double") == 0;
    return c;
}

static hm_column cols[8];
static size_t key1[1] = {0};
static hm_table table;
static bool json[8], nullable[8];

static void setup_table(void)
{
    cols[0] = col("id", "int", HM_COL_NUM, NULL);
    cols[1] = col("s`x", "varchar", HM_COL_STR, "utf8mb4");
    cols[2] = col("f", "float", HM_COL_NUM, NULL);
    cols[3] = col("b", "bit", HM_COL_BIT, NULL);
    cols[4] = col("j", "longtext", HM_COL_STR, "utf8mb4");
    cols[5] = col("blob", "blob", HM_COL_BIN, NULL);
    cols[6] = col("g", "int", HM_COL_NUM, NULL);
    cols[6].generated = true;
    memset(&table, 0, sizeof table);
    table.db = "d";
    table.name = "t";
    table.cols = cols;
    table.ncols = 7;
    table.key = key1;
    table.nkey = 1;
    table.key_name = "PRIMARY";
    memset(json, 0, sizeof json);
    memset(nullable, 0, sizeof nullable);
    json[4] = true;
    nullable[1] = nullable[5] = true;
}

static const hm_verify_dialect maria = {true, true};
static const hm_verify_dialect old = {false, false};

static void test_row(void **state)
{
    hm_buf q;
    hm_verify_cols k = {json, nullable};
    (void)state;
    setup_table();
    hm_buf_init(&q, 1 << 16);
    assert_int_equal(hm_verify_canon_row(&q, &table, &k, &maria), HM_OK);
    assert_string_equal(q.data,
        "CONCAT_WS(',', `id`, IFNULL(LENGTH(`s``x`), 'N'), `s``x`, CAST(`f` AS DOUBLE), (`b` + 0), "
        "IFNULL(SHA1(IFNULL(JSON_NORMALIZE(`j`), CONCAT('!', `j`))), 'N'), IFNULL(SHA1(`blob`), 'N'))");
    hm_buf_reset(&q);
    assert_int_equal(hm_verify_canon_row(&q, &table, &k, &old), HM_OK);
    assert_non_null(strstr(q.data, "(`f` + 0e0)"));
    assert_non_null(strstr(q.data, "IFNULL(SHA1(`j`), 'N')"));
    assert_null(strstr(q.data, "`g`"));
    hm_buf_release(&q);
}

#define SEP "Sep0Sep1Sep2Sep3"
#define NUL "Nul0Nul1Nul2Nul3"

static void test_agg_and_sum(void **state)
{
    hm_buf q;
    hm_verify_cols k = {json, nullable};
    (void)state;
    setup_table();
    hm_buf_init(&q, 1 << 16);
    assert_int_equal(hm_verify_canon_agg(&q, &table, &k, &maria, SEP, NUL), HM_OK);
    assert_string_equal(q.data,
        "COUNT(*), SHA1(GROUP_CONCAT(',', `id`, '" SEP "', IFNULL(`s``x`, '" NUL "'), ',', CAST(`f` AS DOUBLE), "
        "',', (`b` + 0), ',', IFNULL(SHA1(IFNULL(JSON_NORMALIZE(`j`), CONCAT('!', `j`))), 'N'), ',', "
        "IFNULL(SHA1(`blob`), 'N') SEPARATOR ''))");
    /* a type whose text is not known: set off by the separator; NOT NULL: no IFNULL */
    cols[0] = col("ip", "inet6", HM_COL_OTHER, NULL);
    table.ncols = 1;
    hm_buf_reset(&q);
    assert_int_equal(hm_verify_canon_agg(&q, &table, &k, &maria, SEP, NUL), HM_OK);
    assert_string_equal(q.data, "COUNT(*), SHA1(GROUP_CONCAT('" SEP "', `ip` SEPARATOR ''))");
    hm_buf_reset(&q);
    assert_int_equal(hm_verify_canon_row(&q, &table, &k, &maria), HM_OK);
    assert_string_equal(q.data, "CONCAT_WS(',', LENGTH(`ip`), `ip`)");
    /* tokens that could break out of the literal, or are not what the form needs, are refused */
    hm_buf_reset(&q);
    assert_int_equal(hm_verify_canon_agg(&q, &table, &k, &maria, "Sep0Sep1Sep2Sep'", NUL), HM_EINTERNAL);
    assert_int_equal(hm_verify_canon_agg(&q, &table, &k, &maria, "Sep0", NUL), HM_EINTERNAL);
    assert_int_equal(hm_verify_canon_agg(&q, &table, &k, &maria, SEP, SEP), HM_EINTERNAL);
    setup_table();
    hm_buf_reset(&q);
    assert_int_equal(hm_verify_canon_sum(&q, &table, &k, &maria), HM_OK);
    assert_true(strncmp(q.data, "COUNT(*), SUM(CAST(CONV(LEFT(SHA1(CONCAT_WS(',', `id`", 52) == 0);
    assert_non_null(strstr(q.data, "), 16), 16, 10) AS UNSIGNED))"));
    hm_buf_release(&q);
}

static void test_tokens(void **state)
{
    char a[HM_VERIFY_TOKEN_LEN + 1], b[HM_VERIFY_TOKEN_LEN + 1];
    (void)state;
    assert_int_equal(hm_verify_token_new(a), HM_OK);
    assert_int_equal(hm_verify_token_new(b), HM_OK);
    assert_int_equal(strlen(a), HM_VERIFY_TOKEN_LEN);
    assert_true(hm_verify_token_ok(a));
    assert_true(hm_verify_token_ok(b));
    assert_string_not_equal(a, b); /* 2^-95 */
    assert_false(hm_verify_token_ok("abc"));
    assert_false(hm_verify_token_ok("abcdefghijklmno-"));
}

static void test_col(void **state)
{
    hm_buf q;
    (void)state;
    setup_table();
    hm_buf_init(&q, 1 << 16);
    assert_int_equal(hm_verify_canon_col(&q, &cols[1], false, &maria), HM_OK);
    assert_string_equal(q.data, "IFNULL(CONCAT(LENGTH(`s``x`), ':', CAST(`s``x` AS BINARY)), 'N')");
    hm_buf_release(&q);
}

static void pack(hm_buf *b, const char *const *vals, size_t n)
{
    unsigned long lens[4];
    for (size_t i = 0; i < n; i++)
        lens[i] = (unsigned long)strlen(vals[i]);
    hm_buf_reset(b);
    assert_int_equal(hm_keylit_pack(b, (char *const *)vals, lens, n), HM_OK);
}

static void test_key_text(void **state)
{
    hm_buf b, q;
    char out[200];
    static const char *const one[] = {"5"};
    static const char *const two[] = {"it's", "3"};
    static const char *const bin[] = {"\x01\xff"};
    hm_column c2[2];
    size_t k2[2] = {0, 1};
    hm_table t2;
    (void)state;
    setup_table();
    hm_buf_init(&b, 1024);
    hm_buf_init(&q, 4096);
    pack(&b, one, 1);
    hm_verify_key_text(&table, b.data, b.len, out, sizeof out);
    assert_string_equal(out, "id=5");
    assert_int_equal(hm_verify_key_eq(&q, &table, b.data, b.len), HM_OK);
    assert_string_equal(q.data, "`id` = 5");

    c2[0] = col("a", "varchar", HM_COL_STR, "utf8mb4");
    c2[1] = col("b", "int", HM_COL_NUM, NULL);
    t2 = table;
    t2.cols = c2;
    t2.ncols = 2;
    t2.key = k2;
    t2.nkey = 2;
    pack(&b, two, 2);
    hm_verify_key_text(&t2, b.data, b.len, out, sizeof out);
    assert_string_equal(out, "(a, b)=('it\\'s', 3)");
    hm_buf_reset(&q);
    assert_int_equal(hm_verify_key_eq(&q, &t2, b.data, b.len), HM_OK);
    assert_string_equal(q.data, "`a` = _utf8mb4 X'69742773' AND `b` = 3");

    c2[0] = col("h", "varbinary", HM_COL_BIN, NULL);
    t2.nkey = 1;
    pack(&b, bin, 1);
    hm_verify_key_text(&t2, b.data, b.len, out, sizeof out);
    assert_string_equal(out, "h=0x01ff");
    /* a truncated tuple is not a key */
    hm_verify_key_text(&t2, b.data, b.len - 1, out, sizeof out);
    assert_string_equal(out, "?");
    hm_buf_release(&b);
    hm_buf_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row),
        cmocka_unit_test(test_agg_and_sum),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_col),
        cmocka_unit_test(test_key_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
