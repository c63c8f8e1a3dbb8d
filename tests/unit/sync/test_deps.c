/*
 * tests/unit/sync/test_deps.c: the parallel apply's dependency tracker (sync/deps.h). Hand-made
 * cases (same row, same unique value, barriers, key overflow, the window, the low-water mark),
 * then a randomized simulation: transactions over a small key space applied by "workers" in a
 * random order among the ready ones, checked against source order -- every key's final value
 * equals a serial apply's, no transaction is done before one it conflicts with, and the
 * low-water mark is exactly the longest done prefix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sync/deps.h"

static uint64_t k(const char *tbl, unsigned keyno, int v)
{
    return hm_sync_deps_hash("db", tbl, keyno, &v, sizeof v);
}

static uint64_t trx(hm_sync_deps *d, const uint64_t *keys, size_t n, bool barrier)
{
    uint64_t seq;
    assert_true(hm_sync_deps_room(d));
    seq = hm_sync_deps_open(d);
    for (size_t i = 0; i < n; i++)
        hm_sync_deps_key(d, keys[i]);
    if (barrier)
        hm_sync_deps_barrier(d);
    hm_sync_deps_close(d);
    return seq;
}

static void test_hash(void **state)
{
    int a = 1, b = 2;
    (void)state;
    assert_int_not_equal(hm_sync_deps_hash("db", "t", 0, &a, sizeof a), hm_sync_deps_hash("db", "t", 0, &b, sizeof b));
    assert_int_not_equal(hm_sync_deps_hash("db", "t", 0, &a, sizeof a), hm_sync_deps_hash("db", "t", 1, &a, sizeof a));
    assert_int_not_equal(hm_sync_deps_hash("db", "t", 0, &a, sizeof a), hm_sync_deps_hash("db", "u", 0, &a, sizeof a));
    /* names are delimited: "ab"."c" is not "a"."bc" */
    assert_int_not_equal(hm_sync_deps_hash("ab", "c", 0, NULL, 0), hm_sync_deps_hash("a", "bc", 0, NULL, 0));
    /* the whole table differs from any one value of it */
    assert_int_not_equal(hm_sync_deps_hash("db", "t", 0, NULL, 0), hm_sync_deps_hash("db", "t", 0, "", 0));
    assert_int_equal(hm_sync_deps_hash("db", "t", 3, &a, sizeof a), hm_sync_deps_hash("db", "t", 3, &a, sizeof a));
}

static void test_conflicts(void **state)
{
    hm_err err;
    hm_sync_deps *d = hm_sync_deps_new(8, 16, &err);
    (void)state;
    assert_non_null(d);
    uint64_t a[] = {k("acct", 0, 1), k("acct", 0, 2)};
    uint64_t b[] = {k("acct", 0, 3), k("acct", 0, 4)};
    uint64_t c[] = {k("acct", 0, 2), k("acct", 0, 3)};  /* both a and b */
    uint64_t e[] = {k("audit", 0, 1)};
    uint64_t s1 = trx(d, a, 2, false), s2 = trx(d, b, 2, false), s3 = trx(d, c, 2, false);
    uint64_t s4 = trx(d, e, 1, false);
    assert_true(hm_sync_deps_ready(d, s1));
    assert_true(hm_sync_deps_ready(d, s2));
    assert_false(hm_sync_deps_ready(d, s3));
    assert_true(hm_sync_deps_ready(d, s4));
    hm_sync_deps_done(d, s4);  /* out of order: the low-water mark stays */
    assert_int_equal(hm_sync_deps_low_water(d), 0);
    hm_sync_deps_done(d, s2);
    assert_false(hm_sync_deps_ready(d, s3));  /* still waits for s1 */
    hm_sync_deps_done(d, s1);
    assert_int_equal(hm_sync_deps_low_water(d), 2);
    assert_true(hm_sync_deps_ready(d, s3));
    hm_sync_deps_done(d, s3);
    assert_int_equal(hm_sync_deps_low_water(d), 4);
    assert_int_equal(hm_sync_deps_inflight(d), 0);
    assert_false(hm_sync_deps_ready(d, s3));  /* done: not to be applied again */
    hm_sync_deps_free(d);
}

static void test_barrier(void **state)
{
    hm_err err;
    hm_sync_deps *d = hm_sync_deps_new(8, 16, &err);
    (void)state;
    uint64_t a[] = {k("t", 0, 1)}, b[] = {k("t", 0, 2)}, c[] = {k("t", 0, 3)};
    uint64_t s1 = trx(d, a, 1, false), s2 = trx(d, NULL, 0, true), s3 = trx(d, b, 1, false);
    uint64_t s4 = trx(d, c, 1, false);
    assert_true(hm_sync_deps_ready(d, s1));
    assert_false(hm_sync_deps_ready(d, s2));
    assert_false(hm_sync_deps_ready(d, s3));
    hm_sync_deps_done(d, s1);
    assert_true(hm_sync_deps_ready(d, s2));
    assert_false(hm_sync_deps_ready(d, s3));
    assert_false(hm_sync_deps_ready(d, s4));
    hm_sync_deps_done(d, s2);
    assert_true(hm_sync_deps_ready(d, s3));
    assert_true(hm_sync_deps_ready(d, s4));
    hm_sync_deps_free(d);
}

static void test_overflow_and_window(void **state)
{
    hm_err err;
    hm_sync_deps *d = hm_sync_deps_new(3, 2, &err);
    (void)state;
    uint64_t many[] = {k("t", 0, 1), k("t", 0, 2), k("t", 0, 3)};
    uint64_t one[] = {k("t", 0, 9)};
    uint64_t s1 = trx(d, one, 1, false);
    uint64_t s2 = trx(d, many, 3, false);  /* over max_keys: a barrier */
    uint64_t s3 = trx(d, NULL, 0, false);
    assert_false(hm_sync_deps_room(d));
    assert_true(hm_sync_deps_ready(d, s1));
    assert_false(hm_sync_deps_ready(d, s2));
    assert_false(hm_sync_deps_ready(d, s3));
    hm_sync_deps_done(d, s1);
    assert_true(hm_sync_deps_room(d));
    assert_true(hm_sync_deps_ready(d, s2));
    hm_sync_deps_done(d, s2);
    assert_true(hm_sync_deps_ready(d, s3));
    hm_sync_deps_free(d);
    assert_null(hm_sync_deps_new(0, 1, &err));
    assert_int_equal(err.code, HM_EUSAGE);
}

/* Row images: an account table (id INT PRIMARY KEY, email VARCHAR UNIQUE binary, name UNIQUE
 * under a case-insensitive collation) and a transfer table whose acct column references it. */
static hm_binlog_value ival(uint64_t u)
{
    hm_binlog_value v = {.present = true, .type = HM_COL_LONG, .u = u, .i = (int64_t)u};
    return v;
}

static hm_binlog_value sval(const char *s)
{
    hm_binlog_value v = {.present = true, .type = HM_COL_VARCHAR, .ptr = (const uint8_t *)s, .len = strlen(s)};
    return v;
}

static const unsigned c0[] = {0}, c1[] = {1}, c2[] = {2};
static const hm_sync_deps_keydef acct_keys[] = {
    {"db", "acct", 0, c0, 1, true},
    {"db", "acct", 1, c1, 1, true},
};
static const hm_sync_deps_keydef xfer_keys[] = {
    {"db", "xfer", 0, c0, 1, true},
    {"db", "acct", 0, c1, 1, true},  /* xfer.acct -> acct.id */
};

static uint64_t row_trx(hm_sync_deps *d, const hm_sync_deps_keydef *keys, size_t n, hm_binlog_value *img)
{
    uint64_t seq = hm_sync_deps_open(d);
    hm_sync_deps_row(d, keys, n, img);
    hm_sync_deps_close(d);
    return seq;
}

static void test_rows(void **state)
{
    hm_err err;
    hm_sync_deps *d = hm_sync_deps_new(16, 16, &err);
    (void)state;
    hm_binlog_value a5[] = {ival(5), sval("a@x")}, a6[] = {ival(6), sval("b@x")};
    hm_binlog_value a7same_email[] = {ival(7), sval("a@x")};
    hm_binlog_value x1[] = {ival(1), ival(6)}, x2[] = {ival(2), ival(8)};
    hm_binlog_value xnull[] = {ival(3), {.present = true, .type = HM_COL_LONG, .is_null = true}};
    uint64_t t1 = row_trx(d, acct_keys, 2, a5);
    uint64_t t2 = row_trx(d, acct_keys, 2, a6);
    uint64_t t3 = row_trx(d, acct_keys, 2, a7same_email); /* same unique email as t1 */
    uint64_t t4 = row_trx(d, xfer_keys, 2, x1);           /* child of acct 6: after t2 */
    uint64_t t5 = row_trx(d, xfer_keys, 2, x2);           /* acct 8: nobody */
    uint64_t t6 = row_trx(d, xfer_keys, 2, xnull);        /* NULL reference: nobody */
    xnull[0] = ival(4);
    uint64_t t6b = row_trx(d, xfer_keys, 2, xnull);       /* nor with t6 */
    assert_true(hm_sync_deps_ready(d, t1));
    assert_true(hm_sync_deps_ready(d, t2));
    assert_false(hm_sync_deps_ready(d, t3));
    assert_false(hm_sync_deps_ready(d, t4));
    assert_true(hm_sync_deps_ready(d, t5));
    assert_true(hm_sync_deps_ready(d, t6));
    assert_true(hm_sync_deps_ready(d, t6b));
    hm_sync_deps_done(d, t2);
    assert_true(hm_sync_deps_ready(d, t4));
    assert_false(hm_sync_deps_ready(d, t3));
    hm_sync_deps_done(d, t1);
    assert_true(hm_sync_deps_ready(d, t3));

    /* a key under a case-insensitive collation: the whole table, so 'A' and 'a' conflict */
    static const hm_sync_deps_keydef ci[] = {{"db", "named", 0, c2, 1, false}};
    hm_binlog_value n1[] = {ival(1), ival(0), sval("A")}, n2[] = {ival(2), ival(0), sval("a")};
    uint64_t t7 = row_trx(d, ci, 1, n1), t8 = row_trx(d, ci, 1, n2);
    assert_true(hm_sync_deps_ready(d, t7));
    assert_false(hm_sync_deps_ready(d, t8));

    /* a minimal image without the key's column: a barrier */
    hm_binlog_value minimal[] = {{.present = false}, sval("z@x")};
    uint64_t t9 = row_trx(d, acct_keys, 2, minimal);
    assert_false(hm_sync_deps_ready(d, t9));
    hm_sync_deps_free(d);
}

/* Randomized: NT transactions of 1..4 keys out of NK (some barriers) applied by a scheduler that
 * picks any ready one; each "applies" by writing its seq into its keys' cells. */
#define NT 20000
#define NK 64
typedef struct sim_trx {
    int keys[4];
    int n;
    bool barrier;
} sim_trx;

static void test_random(void **state)
{
    static sim_trx ts[NT + 1];
    static uint64_t serial[NK], par[NK];
    static bool done[NT + 1];
    hm_err err;
    unsigned seed = 12345;
    (void)state;
    for (int w = 1; w <= 64; w *= 4) {
        hm_sync_deps *d = hm_sync_deps_new((unsigned)w, 3, &err);
        uint64_t next = 1, opened = 0;
        memset(serial, 0, sizeof serial);
        memset(par, 0, sizeof par);
        memset(done, 0, sizeof done);
        assert_non_null(d);
        for (int i = 1; i <= NT; i++) {
            ts[i].n = 1 + (int)(rand_r(&seed) % 4); /* 4: over max_keys 3 unless repeated */
            for (int j = 0; j < ts[i].n; j++)
                ts[i].keys[j] = (int)(rand_r(&seed) % NK);
            ts[i].barrier = rand_r(&seed) % 97 == 0;
            for (int j = 0; j < ts[i].n; j++)
                serial[ts[i].keys[j]] = (uint64_t)i;
        }
        while (next <= NT) {
            /* open as many as the window allows */
            while (opened < NT && hm_sync_deps_room(d)) {
                uint64_t i = hm_sync_deps_open(d);
                assert_int_equal(i, opened + 1);
                opened = i;
                for (int j = 0; j < ts[i].n; j++)
                    hm_sync_deps_key(d, k("t", 0, ts[i].keys[j]));
                if (ts[i].barrier)
                    hm_sync_deps_barrier(d);
                hm_sync_deps_close(d);
            }
            /* apply one ready transaction, chosen at random */
            uint64_t ready[4096];
            size_t nr = 0;
            for (uint64_t i = hm_sync_deps_low_water(d) + 1; i <= opened; i++)
                if (hm_sync_deps_ready(d, i))
                    ready[nr++] = i;
            assert_true(nr > 0); /* never stuck */
            uint64_t i = ready[rand_r(&seed) % nr];
            /* every earlier conflicting transaction is done already */
            for (uint64_t p = 1; p < i; p++) {
                if (done[p])
                    continue;
                assert_false(ts[i].barrier || ts[p].barrier);
                for (int a = 0; a < ts[i].n; a++)
                    for (int b = 0; b < ts[p].n; b++)
                        assert_int_not_equal(ts[i].keys[a], ts[p].keys[b]);
            }
            for (int j = 0; j < ts[i].n; j++)
                par[ts[i].keys[j]] = i;
            done[i] = true;
            hm_sync_deps_done(d, i);
            while (next <= NT && done[next])
                next++;
            assert_int_equal(hm_sync_deps_low_water(d), next - 1);
        }
        assert_memory_equal(serial, par, sizeof serial);
        assert_int_equal(hm_sync_deps_inflight(d), 0);
        hm_sync_deps_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_barrier),
        cmocka_unit_test(test_overflow_and_window),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
