/*
 * tests/unit/copy/test_keylit.c: packed chunk bounds and range conditions (copy/keylit.h).
 *
 *   - pack writes a 4-byte little-endian length then the bytes, per value; unpack gives them
 *     back (values with NUL bytes, empty values, one and many columns); unpack refuses a
 *     truncated length, a truncated value, trailing bytes and too few/many values
 *   - hm_keylit_value: numbers as plain text (no ';', quotes, blanks, NUL, empty),
 *     strings as _charset X'..' (charset name checked), binary and BIT as X'..',
 *     temporal values quoted (no quote, no letters), geometry and other types refused
 *   - hm_keylit_cond: exact SQL for 1-, 2- and 3-column keys, both directions; the nesting
 *     spells (k1,k2,k3) > (v1,v2,v3) and (k1,k2,k3) <= (v1,v2,v3); bad tuples and bad values fail
 *   - hm_keylit_columns lists the quoted key columns in key order
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "copy/keylit.h"

/* ---- pack / unpack ---- */

static void test_pack_layout(void **state)
{
    hm_buf b;
    char *vals[] = {"ab", "", "xyz"};
    unsigned long lens[] = {2, 0, 3};
    static const char expect[] = "\x02\x00\x00\x00" "ab"
                                 "\x00\x00\x00\x00"
                                 "\x03\x00\x00\x00" "xyz";
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 3), HM_OK);
    assert_int_equal(b.len, sizeof expect - 1);
    assert_memory_equal(b.data, expect, sizeof expect - 1);
    hm_buf_release(&b);
}

static void test_pack_length_little_endian(void **state)
{
    hm_buf b;
    static char big[0x10203];
    char *vals[] = {big};
    unsigned long lens[] = {sizeof big};
    (void)state;
    memset(big, 'v', sizeof big);
    hm_buf_init(&b, 1 << 20);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 1), HM_OK);
    assert_int_equal(b.len, 4 + sizeof big);
    assert_memory_equal(b.data, "\x03\x02\x01\x00", 4);
    {
        const char *v[1];
        size_t l[1];
        assert_int_equal(hm_keylit_unpack(b.data, b.len, 1, v, l), HM_OK);
        assert_int_equal(l[0], sizeof big);
        assert_ptr_equal(v[0], b.data + 4);
        assert_memory_equal(v[0], big, sizeof big);
    }
    hm_buf_release(&b);
}

static void test_pack_zero_values(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 16);
    assert_int_equal(hm_keylit_pack(&b, NULL, NULL, 0), HM_OK);
    assert_int_equal(b.len, 0);
    assert_int_equal(hm_keylit_unpack("", 0, 0, NULL, NULL), HM_OK);
    hm_buf_release(&b);
}

static void test_pack_over_max(void **state)
{
    hm_buf b;
    char *vals[] = {"abcdef"};
    unsigned long lens[] = {6};
    (void)state;
    hm_buf_init(&b, 9);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 1), HM_ENOMEM);
    hm_buf_release(&b);
}

static void test_round_trip(void **state)
{
    hm_buf b;
    char v0[] = {'a', '\0', 'b'};
    char v1[] = "";
    char v2[] = {'\0'};
    char v3[] = {(char)0xff, '\0', '\0', (char)0x80};
    char v4[] = "plain text";
    char *vals[] = {v0, v1, v2, v3, v4};
    unsigned long lens[] = {3, 0, 1, 4, 10};
    const char *out[5];
    size_t outl[5];
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 5), HM_OK);
    assert_int_equal(b.len, 5 * 4 + 3 + 0 + 1 + 4 + 10);
    assert_int_equal(hm_keylit_unpack(b.data, b.len, 5, out, outl), HM_OK);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(outl[i], lens[i]);
        assert_memory_equal(out[i], vals[i], lens[i]);
        assert_true(out[i] >= b.data && out[i] + outl[i] <= b.data + b.len);
    }
    assert_ptr_equal(out[0], b.data + 4);
    assert_ptr_equal(out[1], b.data + 4 + 3 + 4);
    hm_buf_release(&b);
}

static void test_unpack_rejects_truncated(void **state)
{
    hm_buf b;
    char *vals[] = {"hello", "wo"};
    unsigned long lens[] = {5, 2};
    const char *out[2];
    size_t outl[2];
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 2), HM_OK);
    assert_int_equal(b.len, 15);
    assert_int_equal(hm_keylit_unpack(b.data, b.len, 2, out, outl), HM_OK);
    /* every proper prefix is refused */
    for (size_t cut = 0; cut < b.len; cut++)
        if (hm_keylit_unpack(b.data, cut, 2, out, outl) != HM_EINTERNAL)
            fail_msg("prefix of %zu bytes accepted", cut);
    hm_buf_release(&b);
}

static void test_unpack_rejects_trailing(void **state)
{
    hm_buf b;
    char *vals[] = {"k"};
    unsigned long lens[] = {1};
    const char *out[2];
    size_t outl[2];
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 1), HM_OK);
    assert_int_equal(hm_buf_addc(&b, 'X'), HM_OK);
    assert_int_equal(hm_keylit_unpack(b.data, b.len, 1, out, outl), HM_EINTERNAL);
    assert_int_equal(hm_keylit_unpack(b.data, b.len - 1, 1, out, outl), HM_OK);
    /* a whole extra value is trailing bytes too */
    hm_buf_reset(&b);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 1), HM_OK);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 1), HM_OK);
    assert_int_equal(hm_keylit_unpack(b.data, b.len, 1, out, outl), HM_EINTERNAL);
    assert_int_equal(hm_keylit_unpack(b.data, b.len, 2, out, outl), HM_OK);
    /* and too many values asked for is truncation */
    hm_buf_reset(&b);
    assert_int_equal(hm_keylit_pack(&b, vals, lens, 1), HM_OK);
    assert_int_equal(hm_keylit_unpack(b.data, b.len, 2, out, outl), HM_EINTERNAL);
    hm_buf_release(&b);
}

static void test_unpack_rejects_huge_length(void **state)
{
    static const char p[] = "\xff\xff\xff\xff" "abc";
    const char *out[1];
    size_t outl[1];
    (void)state;
    assert_int_equal(hm_keylit_unpack(p, sizeof p - 1, 1, out, outl), HM_EINTERNAL);
    assert_int_equal(hm_keylit_unpack("\x04\x00\x00\x00" "abc", 7, 1, out, outl), HM_EINTERNAL);
}

/* ---- values ---- */

static hm_column col(const char *name, hm_coltype type, const char *charset)
{
    hm_column c;
    memset(&c, 0, sizeof c);
    c.name = (char *)name;
    c.charset = (char *)charset;
    c.type = type;
    return c;
}

static void value_ok(const hm_column *c, const char *v, size_t n, const char *lit)
{
    hm_buf b;
    hm_code rc;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_buf_adds(&b, "<"), HM_OK);
    rc = hm_keylit_value(&b, c, v, n);
    if (rc != HM_OK)
        fail_msg("value '%.*s' refused (%d), expected %s", (int)n, v, (int)rc, lit);
    assert_int_equal(hm_buf_adds(&b, ">"), HM_OK);
    /* appended after what was there, and nothing after it */
    assert_int_equal(b.len, strlen(lit) + 2);
    assert_int_equal(b.data[0], '<');
    assert_memory_equal(b.data + 1, lit, strlen(lit));
    assert_int_equal(b.data[b.len - 1], '>');
    hm_buf_release(&b);
}

static void value_bad(const hm_column *c, const char *v, size_t n)
{
    hm_buf b;
    hm_code rc;
    hm_buf_init(&b, 1024);
    rc = hm_keylit_value(&b, c, v, n);
    if (rc != HM_EUSAGE)
        fail_msg("value '%.*s' gave %d (%s), expected HM_EUSAGE", (int)n, v, (int)rc,
                 b.data ? b.data : "");
    assert_int_equal(b.len, 0);
    hm_buf_release(&b);
}

#define VOK(c, v, lit) value_ok((c), (v), sizeof(v) - 1, (lit))
#define VBAD(c, v) value_bad((c), (v), sizeof(v) - 1)

static void test_value_num(void **state)
{
    hm_column c = col("id", HM_COL_NUM, NULL);
    (void)state;
    VOK(&c, "0", "0");
    VOK(&c, "1234567890", "1234567890");
    VOK(&c, "-42", "-42");
    VOK(&c, "3.25", "3.25");
    VOK(&c, "1.5e+10", "1.5e+10");
    VOK(&c, "-2E-3", "-2E-3");
    VOK(&c, "18446744073709551615", "18446744073709551615");
    VBAD(&c, "1;DROP");
    VBAD(&c, "1;DROP TABLE t");
    VBAD(&c, "1 OR 1=1");
    VBAD(&c, "1 ");
    VBAD(&c, "'1'");
    VBAD(&c, "0x10");
    VBAD(&c, "1/*");
    VBAD(&c, "1\0");
    VBAD(&c, "");
    VBAD(&c, "NULL");
}

static void test_value_str(void **state)
{
    hm_column c = col("name", HM_COL_STR, "utf8mb4");
    hm_column l1 = col("name", HM_COL_STR, "latin1");
    (void)state;
    VOK(&c, "abc", "_utf8mb4 X'616263'");
    VOK(&c, "", "_utf8mb4 X''");
    VOK(&c, "it's", "_utf8mb4 X'69742773'");
    VOK(&c, "a\0b", "_utf8mb4 X'610062'");
    VOK(&c, "\xc3\xa9", "_utf8mb4 X'c3a9'");
    VOK(&l1, "\xe9", "_latin1 X'e9'");
}

static void test_value_str_bad_charset(void **state)
{
    hm_column quote = col("s", HM_COL_STR, "utf8' OR 1=1 -- ");
    hm_column space = col("s", HM_COL_STR, "utf8 x");
    hm_column semi = col("s", HM_COL_STR, "utf8;");
    hm_column upper = col("s", HM_COL_STR, "UTF8");
    hm_column dash = col("s", HM_COL_STR, "utf-8");
    hm_column empty = col("s", HM_COL_STR, "");
    hm_column none = col("s", HM_COL_STR, NULL);
    hm_column ok = col("s", HM_COL_STR, "utf8mb3_x9");
    (void)state;
    VBAD(&quote, "a");
    VBAD(&space, "a");
    VBAD(&semi, "a");
    VBAD(&upper, "a");
    VBAD(&dash, "a");
    VBAD(&empty, "a");
    VBAD(&none, "a");
    VOK(&ok, "a", "_utf8mb3_x9 X'61'");
}

static void test_value_bin(void **state)
{
    hm_column c = col("h", HM_COL_BIN, NULL);
    hm_column bit = col("flags", HM_COL_BIT, NULL);
    (void)state;
    VOK(&c, "", "X''");
    VOK(&c, "\x00\x01\xfe\xff", "X'0001feff'");
    VOK(&c, "'; DROP", "X'273b2044524f50'");
    VOK(&bit, "\x05", "X'05'");
    VOK(&bit, "\x00\x80", "X'0080'");
}

static void test_value_temporal(void **state)
{
    hm_column c = col("ts", HM_COL_TEMPORAL, NULL);
    (void)state;
    VOK(&c, "2024-02-29", "'2024-02-29'");
    VOK(&c, "2024-02-29 23:59:59.123456", "'2024-02-29 23:59:59.123456'");
    VOK(&c, "-838:59:59", "'-838:59:59'");
    VOK(&c, "0000-00-00 00:00:00", "'0000-00-00 00:00:00'");
    VBAD(&c, "2024-01-01'");
    VBAD(&c, "'");
    VBAD(&c, "2024-01-01' OR '1'='1");
    VBAD(&c, "2024-01-01\\");
    VBAD(&c, "2024-01-01T00:00");
    VBAD(&c, "2024-01-01\0");
    VBAD(&c, "");
}

static void test_value_other_types(void **state)
{
    hm_column g = col("g", HM_COL_GEOM, NULL);
    hm_column o = col("o", HM_COL_OTHER, NULL);
    (void)state;
    VBAD(&g, "\x00\x00\x00\x00\x01");
    VBAD(&o, "::1");
    VBAD(&o, "1");
}

/* ---- conditions ---- */

static hm_table table_of(hm_column *cols, size_t ncols, size_t *key, size_t nkey)
{
    hm_table t;
    memset(&t, 0, sizeof t);
    t.db = "db";
    t.name = "t";
    t.cols = cols;
    t.ncols = ncols;
    t.key = key;
    t.nkey = nkey;
    return t;
}

/* Packs the values (C strings) of a bound. */
static void pack(hm_buf *p, size_t n, char **vals)
{
    unsigned long lens[8];
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(vals[i]);
    hm_buf_init(p, 4096);
    assert_int_equal(hm_keylit_pack(p, vals, lens, n), HM_OK);
}

static void cond_ok(const hm_table *t, const hm_buf *packed, bool after, const char *sql)
{
    hm_buf b;
    hm_code rc;
    hm_buf_init(&b, 4096);
    assert_int_equal(hm_buf_adds(&b, "WHERE "), HM_OK);
    rc = hm_keylit_cond(&b, t, packed->data, packed->len, after);
    if (rc != HM_OK)
        fail_msg("hm_keylit_cond failed (%d) for %s", (int)rc, sql);
    assert_string_equal(b.data, sql);
    assert_int_equal(b.len, strlen(sql));
    hm_buf_release(&b);
}

static void test_cond_one_column(void **state)
{
    hm_column cols[] = {col("other", HM_COL_STR, "utf8mb4"), col("id", HM_COL_NUM, NULL)};
    size_t key[] = {1};
    hm_table t = table_of(cols, 2, key, 1);
    char *v[] = {"42"};
    hm_buf p;
    (void)state;
    pack(&p, 1, v);
    cond_ok(&t, &p, true, "WHERE (`id` > 42)");
    cond_ok(&t, &p, false, "WHERE (`id` <= 42)");
    hm_buf_release(&p);
}

static void test_cond_two_columns(void **state)
{
    hm_column cols[] = {col("a", HM_COL_NUM, NULL), col("b", HM_COL_STR, "latin1")};
    size_t key[] = {0, 1};
    hm_table t = table_of(cols, 2, key, 2);
    char *v[] = {"7", "x"};
    hm_buf p;
    (void)state;
    pack(&p, 2, v);
    cond_ok(&t, &p, true, "WHERE (`a` > 7 OR (`a` = 7 AND (`b` > _latin1 X'78')))");
    cond_ok(&t, &p, false, "WHERE (`a` < 7 OR (`a` = 7 AND (`b` <= _latin1 X'78')))");
    hm_buf_release(&p);
}

static void test_cond_three_columns(void **state)
{
    /* key order differs from column order, and one name needs its backtick doubled */
    hm_column cols[] = {
        col("c`3", HM_COL_TEMPORAL, NULL),
        col("a", HM_COL_NUM, NULL),
        col("unused", HM_COL_GEOM, NULL),
        col("b", HM_COL_STR, "utf8mb4"),
    };
    size_t key[] = {1, 3, 0};
    hm_table t = table_of(cols, 4, key, 3);
    char *v[] = {"1", "k", "2024-01-02 03:04:05"};
    hm_buf p;
    (void)state;
    pack(&p, 3, v);
    cond_ok(&t, &p, true,
            "WHERE (`a` > 1 OR (`a` = 1 AND (`b` > _utf8mb4 X'6b' OR (`b` = _utf8mb4 X'6b' AND "
            "(`c``3` > '2024-01-02 03:04:05')))))");
    cond_ok(&t, &p, false,
            "WHERE (`a` < 1 OR (`a` = 1 AND (`b` < _utf8mb4 X'6b' OR (`b` = _utf8mb4 X'6b' AND "
            "(`c``3` <= '2024-01-02 03:04:05')))))");
    hm_buf_release(&p);
}

static void test_cond_binary_key_with_nul(void **state)
{
    hm_column cols[] = {col("h", HM_COL_BIN, NULL), col("n", HM_COL_NUM, NULL)};
    size_t key[] = {0, 1};
    hm_table t = table_of(cols, 2, key, 2);
    char v0[] = {'\0', 'a', '\0'};
    char *vals[] = {v0, "-5"};
    unsigned long lens[] = {3, 2};
    hm_buf p;
    (void)state;
    hm_buf_init(&p, 256);
    assert_int_equal(hm_keylit_pack(&p, vals, lens, 2), HM_OK);
    cond_ok(&t, &p, true, "WHERE (`h` > X'006100' OR (`h` = X'006100' AND (`n` > -5)))");
    cond_ok(&t, &p, false, "WHERE (`h` < X'006100' OR (`h` = X'006100' AND (`n` <= -5)))");
    hm_buf_release(&p);
}

/* A small evaluator for the conditions built above on integer keys: checks that the text says
 * what the header promises, tuple > bound (after) or tuple <= bound (!after), on every tuple of
 * a 3x3x3 grid. The SQL is parsed back by substituting the tuple's values for the names. */
static int cmp3(const int *x, const int *y)
{
    for (int i = 0; i < 3; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* Evaluates the expression produced for integer keys `a`,`b`,`c` with values in row. */
static const char *ev_p;
static bool ev_or(const int *row);
static void ev_skip(const char *s)
{
    size_t n = strlen(s);
    if (strncmp(ev_p, s, n) != 0)
        fail_msg("unexpected SQL at '%s' (wanted '%s')", ev_p, s);
    ev_p += n;
}
static bool ev_atom(const int *row)
{
    int col, val = 0, neg = 1;
    char op[3] = {0};
    bool r;
    if (*ev_p == '(') {
        ev_p++;
        r = ev_or(row);
        ev_skip(")");
        return r;
    }
    ev_skip("`");
    col = *ev_p++ - 'a';
    ev_skip("` ");
    op[0] = *ev_p++;
    if (*ev_p != ' ')
        op[1] = *ev_p++;
    ev_skip(" ");
    if (*ev_p == '-') {
        neg = -1;
        ev_p++;
    }
    while (*ev_p >= '0' && *ev_p <= '9')
        val = val * 10 + (*ev_p++ - '0');
    val *= neg;
    if (!strcmp(op, ">"))
        return row[col] > val;
    if (!strcmp(op, "<"))
        return row[col] < val;
    if (!strcmp(op, "<="))
        return row[col] <= val;
    if (!strcmp(op, "="))
        return row[col] == val;
    fail_msg("unexpected operator '%s'", op);
    return false;
}
static bool ev_and(const int *row)
{
    bool r = ev_atom(row);
    while (strncmp(ev_p, " AND ", 5) == 0) {
        ev_p += 5;
        r = ev_atom(row) && r;
    }
    return r;
}
static bool ev_or(const int *row)
{
    bool r = ev_and(row);
    while (strncmp(ev_p, " OR ", 4) == 0) {
        ev_p += 4;
        r = ev_and(row) || r;
    }
    return r;
}

static void test_cond_semantics(void **state)
{
    hm_column cols[] = {col("a", HM_COL_NUM, NULL), col("b", HM_COL_NUM, NULL),
                        col("c", HM_COL_NUM, NULL)};
    size_t key[] = {0, 1, 2};
    hm_table t = table_of(cols, 3, key, 3);
    char *v[] = {"1", "1", "1"};
    int bound[3] = {1, 1, 1};
    hm_buf p;
    (void)state;
    pack(&p, 3, v);
    for (int after = 0; after <= 1; after++) {
        hm_buf sql;
        hm_buf_init(&sql, 4096);
        assert_int_equal(hm_keylit_cond(&sql, &t, p.data, p.len, after), HM_OK);
        for (int i = 0; i < 27; i++) {
            int row[3] = {i / 9, i / 3 % 3, i % 3};
            bool want = after ? cmp3(row, bound) > 0 : cmp3(row, bound) <= 0;
            bool got;
            ev_p = sql.data;
            got = ev_atom(row);
            assert_int_equal(*ev_p, '\0');
            if (got != want)
                fail_msg("%s on (%d,%d,%d): got %d, want %d", sql.data, row[0], row[1], row[2],
                         got, want);
        }
        hm_buf_release(&sql);
    }
    hm_buf_release(&p);
}

static void test_cond_errors(void **state)
{
    hm_column cols[] = {col("a", HM_COL_NUM, NULL), col("b", HM_COL_NUM, NULL)};
    size_t key[] = {0, 1};
    hm_table t2 = table_of(cols, 2, key, 2);
    hm_table t0 = table_of(cols, 2, NULL, 0);
    char *one[] = {"1"};
    char *two[] = {"1", "2"};
    char *bad[] = {"1", "2;DROP"};
    hm_buf p, b;
    (void)state;
    hm_buf_init(&b, 4096);

    pack(&p, 1, one); /* too few values for the key */
    assert_int_equal(hm_keylit_cond(&b, &t2, p.data, p.len, true), HM_EINTERNAL);
    assert_int_equal(b.len, 0);
    hm_buf_release(&p);

    pack(&p, 2, two);
    assert_int_equal(hm_keylit_cond(&b, &t2, p.data, p.len - 1, true), HM_EINTERNAL);
    assert_int_equal(b.len, 0);
    assert_int_equal(hm_keylit_cond(&b, &t0, p.data, p.len, true), HM_EINTERNAL);
    assert_int_equal(b.len, 0);
    hm_buf_release(&p);

    pack(&p, 2, bad);
    assert_int_equal(hm_keylit_cond(&b, &t2, p.data, p.len, false), HM_EUSAGE);
    hm_buf_release(&p);
    hm_buf_release(&b);
}

static void test_columns(void **state)
{
    hm_column cols[] = {col("x", HM_COL_NUM, NULL), col("y`z", HM_COL_STR, "utf8mb4"),
                        col("w", HM_COL_NUM, NULL)};
    size_t key1[] = {2};
    size_t key3[] = {1, 2, 0};
    hm_table t1 = table_of(cols, 3, key1, 1);
    hm_table t3 = table_of(cols, 3, key3, 3);
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 256);
    assert_int_equal(hm_keylit_columns(&b, &t1), HM_OK);
    assert_string_equal(b.data, "`w`");
    hm_buf_reset(&b);
    assert_int_equal(hm_keylit_columns(&b, &t3), HM_OK);
    assert_string_equal(b.data, "`y``z`, `w`, `x`");
    hm_buf_release(&b);
}

/* Integer keys: the type names that are integers, and exact parsing over the whole range a
 * BIGINT UNSIGNED or signed can hold, with everything else refused. */
static void test_int_keys(void **state)
{
    __int128 v = 0;
    (void)state;
    assert_true(hm_keylit_is_int_type("bigint"));
    assert_true(hm_keylit_is_int_type("INT"));
    assert_true(hm_keylit_is_int_type("tinyint"));
    assert_false(hm_keylit_is_int_type("decimal"));
    assert_false(hm_keylit_is_int_type("bit"));
    assert_false(hm_keylit_is_int_type("int4"));
    assert_true(hm_keylit_parse_int("18446744073709551615", 20, &v));
    assert_true(v == (__int128)UINT64_MAX);
    assert_true(hm_keylit_parse_int("-9223372036854775808", 20, &v));
    assert_true(v == (__int128)INT64_MIN);
    assert_true(hm_keylit_parse_int("42x", 2, &v)); /* only n bytes are read */
    assert_true(v == 42);
    assert_false(hm_keylit_parse_int("", 0, &v));
    assert_false(hm_keylit_parse_int("-", 1, &v));
    assert_false(hm_keylit_parse_int("+5", 2, &v));
    assert_false(hm_keylit_parse_int("1.5", 3, &v));
    assert_false(hm_keylit_parse_int("1e3", 3, &v));
    assert_false(hm_keylit_parse_int("12345678901234567890123456789012345678901", 41, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_layout),
        cmocka_unit_test(test_pack_length_little_endian),
        cmocka_unit_test(test_pack_zero_values),
        cmocka_unit_test(test_pack_over_max),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unpack_rejects_truncated),
        cmocka_unit_test(test_unpack_rejects_trailing),
        cmocka_unit_test(test_unpack_rejects_huge_length),
        cmocka_unit_test(test_value_num),
        cmocka_unit_test(test_value_str),
        cmocka_unit_test(test_value_str_bad_charset),
        cmocka_unit_test(test_value_bin),
        cmocka_unit_test(test_value_temporal),
        cmocka_unit_test(test_value_other_types),
        cmocka_unit_test(test_cond_one_column),
        cmocka_unit_test(test_cond_two_columns),
        cmocka_unit_test(test_cond_three_columns),
        cmocka_unit_test(test_cond_binary_key_with_nul),
        cmocka_unit_test(test_cond_semantics),
        cmocka_unit_test(test_cond_errors),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_int_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
