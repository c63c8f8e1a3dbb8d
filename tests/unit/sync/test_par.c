/*
 * tests/unit/sync/test_par.c: the pure pieces of parallel apply (sync/par.h, sync/deps.h): a
 * buffered transaction's events read back byte for byte and its size limit; its key list and
 * the overflow that makes it a barrier; the row-image keys (a missing key column is a barrier,
 * NULL gives none, an inexact key the whole table); and the chained take: a transaction whose
 * only pending predecessor is in the taker's own group may be taken by it, never by another,
 * and never past a barrier. (The pool's threads and connections are tested against real
 * servers: tests/integration/t_sync_parallel_basic.sh.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sync/deps.h"
#include "sync/par.h"

static void test_ptrx_events(void **state)
{
    hm_sync_ptrx *t = hm_sync_ptrx_new(100, 4);
    uint8_t a[10], b[40], big[80];
    const uint8_t *raw;
    uint32_t size;
    uint64_t pos;
    size_t off = 0;
    (void)state;
    assert_non_null(t);
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    memset(big, 'x', sizeof big);
    assert_int_equal(hm_sync_ptrx_add(t, a, sizeof a, 1000), HM_OK);
    assert_int_equal(hm_sync_ptrx_add(t, b, sizeof b, 1010), HM_OK);
    /* 12 + 10 + 12 + 40 = 74 held; 12 + 80 more is past 100: refused, nothing changed */
    assert_int_not_equal(hm_sync_ptrx_add(t, big, sizeof big, 1050), HM_OK);
    assert_int_equal(t->nev, 2);
    assert_true(hm_sync_ptrx_next(t, &off, &raw, &size, &pos));
    assert_int_equal(size, 10);
    assert_int_equal(pos, 1000);
    assert_memory_equal(raw, a, 10);
    assert_true(hm_sync_ptrx_next(t, &off, &raw, &size, &pos));
    assert_int_equal(size, 40);
    assert_int_equal(pos, 1010);
    assert_memory_equal(raw, b, 40);
    assert_false(hm_sync_ptrx_next(t, &off, &raw, &size, &pos));
    hm_sync_ptrx_free(t);
}

static void test_ptrx_keys(void **state)
{
    hm_sync_ptrx *t = hm_sync_ptrx_new(100, 3);
    (void)state;
    for (uint64_t k = 1; k <= 3; k++)
        hm_sync_ptrx_key(t, k);
    assert_false(t->too_many);
    assert_int_equal(t->nkeys, 3);
    assert_int_equal(t->keys[2], 3);
    hm_sync_ptrx_key(t, 4);
    assert_true(t->too_many);
    assert_int_equal(t->nkeys, 3);
    hm_sync_ptrx_free(t);
}

typedef struct keys_got {
    uint64_t k[8];
    size_t n;
} keys_got;

static void got(void *ud, uint64_t key)
{
    keys_got *g = ud;
    if (g->n < 8)
        g->k[g->n++] = key;
}

static void test_row_keys(void **state)
{
    hm_binlog_value img[3];
    unsigned c0[] = {0}, c12[] = {1, 2};
    hm_sync_deps_keydef kd[] = {
        {"db", "t", 1, c0, 1, true},
        {"db", "t", 2, c12, 2, false},    /* inexact: the whole table */
        {"db", "parent", 0, NULL, 0, false}, /* a foreign key's parent */
    };
    keys_got g;
    (void)state;
    memset(img, 0, sizeof img);
    for (int i = 0; i < 3; i++) {
        img[i].present = true;
        img[i].type = 3;
        img[i].i = img[i].u = (uint64_t)(10 + i);
    }
    memset(&g, 0, sizeof g);
    assert_true(hm_sync_deps_row_keys(kd, 3, img, got, &g));
    assert_int_equal(g.n, 3);
    assert_int_equal(g.k[1], hm_sync_deps_hash("db", "t", 0, NULL, 0));
    assert_int_equal(g.k[2], hm_sync_deps_hash("db", "parent", 0, NULL, 0));
    /* the same value of another row gives the same key; another value another key */
    {
        keys_got h;
        memset(&h, 0, sizeof h);
        img[1].u = img[1].i = 99;
        assert_true(hm_sync_deps_row_keys(kd, 1, img, got, &h));
        assert_int_equal(h.k[0], g.k[0]);
        img[0].u = img[0].i = 11;
        memset(&h, 0, sizeof h);
        assert_true(hm_sync_deps_row_keys(kd, 1, img, got, &h));
        assert_int_not_equal(h.k[0], g.k[0]);
    }
    /* NULL in an exact key: none from it */
    img[0].is_null = true;
    memset(&g, 0, sizeof g);
    assert_true(hm_sync_deps_row_keys(kd, 1, img, got, &g));
    assert_int_equal(g.n, 0);
    /* a key column missing from the image: a barrier */
    img[0].present = false;
    assert_false(hm_sync_deps_row_keys(kd, 1, img, got, &g));
}

static uint64_t mine_seq;
static bool is_mine(void *ud, uint64_t seq)
{
    (void)ud;
    return seq == mine_seq;
}

static void test_chain(void **state)
{
    hm_err err;
    hm_sync_deps *d = hm_sync_deps_new(8, 8, &err);
    uint64_t s1, s2, s3, s4, s5;
    (void)state;
    assert_non_null(d);
    s1 = hm_sync_deps_open(d);
    hm_sync_deps_key(d, 7);
    hm_sync_deps_close(d);
    s2 = hm_sync_deps_open(d);     /* the same hot row */
    hm_sync_deps_key(d, 7);
    hm_sync_deps_close(d);
    assert_true(hm_sync_deps_ready(d, s1));
    assert_false(hm_sync_deps_ready(d, s2));
    /* s1 taken (mine, not done): s2 may follow it in my group, not in another's */
    mine_seq = s1;
    assert_true(hm_sync_deps_ready_after(d, s2, is_mine, NULL));
    mine_seq = 0;
    assert_false(hm_sync_deps_ready_after(d, s2, is_mine, NULL));
    /* a barrier after them, then s4: never waived */
    s3 = hm_sync_deps_open(d);
    hm_sync_deps_barrier(d);
    hm_sync_deps_close(d);
    s4 = hm_sync_deps_open(d);
    hm_sync_deps_key(d, 9);
    hm_sync_deps_close(d);
    mine_seq = s2;
    assert_false(hm_sync_deps_ready_after(d, s3, is_mine, NULL));
    assert_false(hm_sync_deps_ready_after(d, s4, is_mine, NULL));
    hm_sync_deps_done(d, s1);
    hm_sync_deps_done(d, s2);
    assert_true(hm_sync_deps_ready(d, s3));
    assert_true(hm_sync_deps_is_barrier(d, s3));
    assert_false(hm_sync_deps_is_barrier(d, s4));
    hm_sync_deps_done(d, s3);
    assert_true(hm_sync_deps_ready(d, s4));
    s5 = hm_sync_deps_open(d);
    hm_sync_deps_key(d, 9);
    hm_sync_deps_close(d);
    mine_seq = s4;
    assert_true(hm_sync_deps_ready_after(d, s5, is_mine, NULL));
    hm_sync_deps_done(d, s4);
    hm_sync_deps_done(d, s5);
    assert_int_equal(hm_sync_deps_low_water(d), s5);
    hm_sync_deps_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ptrx_events),
        cmocka_unit_test(test_ptrx_keys),
        cmocka_unit_test(test_row_keys),
        cmocka_unit_test(test_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
