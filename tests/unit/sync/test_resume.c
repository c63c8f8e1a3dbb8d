/*
 * tests/unit/sync/test_resume.c: the parallel apply's resume plan (sync/resume.h). Lists that
 * parse and lists refused; then a simulation: transactions handed out in a window above the
 * low-water mark to 1..8 workers, each worker committing its own in order with its checkpoint
 * row, a crash after every step: the plan's start plus skip set is exactly what was committed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/resume.h"

static hm_sync_pos P(const char *file, uint64_t pos)
{
    hm_sync_pos p;
    snprintf(p.file, sizeof p.file, "%s", file);
    p.pos = pos;
    return p;
}

static void test_parse(void **state)
{
    hm_sync_resume r;
    hm_err err;
    hm_sync_wrow rows[] = {
        {P("b.000001", 500), "b.000001:700,b.000002:4"},
        {P("b.000001", 900), "b.000001:400,b.000001:1000"},
        {P("b.000001", 100), ""},
    };
    (void)state;
    assert_int_equal(hm_sync_resume_plan(rows, 3, 4, &r, &err), HM_OK);
    assert_int_equal(r.from_row, 1);
    assert_int_equal(r.from.pos, 900);
    assert_int_equal(r.nskip, 2);  /* 700 and 400 are at or before 900 */
    hm_sync_pos a = P("b.000001", 1000), b = P("b.000002", 4), c = P("b.000001", 700), d = P("b.000002", 5);
    assert_true(hm_sync_resume_skip(&r, &a));
    assert_true(hm_sync_resume_skip(&r, &b));
    assert_false(hm_sync_resume_skip(&r, &c));
    assert_false(hm_sync_resume_skip(&r, &d));
    hm_sync_resume_release(&r);

    const char *bad[] = {"b.000001", "b.000001:", ":5", "b.000001:5x", "b.000001:5,", "b:1,,b:2",
                         "b.000001:99999999999999999999999", "b:1,b:2,b:3,b:4,b:5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hm_sync_wrow w = {P("b.000001", 0), bad[i]};
        if (hm_sync_resume_plan(&w, 1, 4, &r, &err) == HM_OK)
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(err.code, HM_ESTATE);
        assert_null(r.skip);
    }

    hm_buf buf;
    hm_sync_pos ends[] = {P("b.000001", 10), P("b.000001", 30), P("b.000002", 4)}, lwm = P("b.000001", 10);
    hm_buf_init(&buf, 1 << 20);
    assert_int_equal(hm_sync_resume_above(&buf, &lwm, ends, 3, &err), HM_OK);
    assert_string_equal(buf.data, "b.000001:30,b.000002:4");
    ends[0] = P("b:x.000003", 99);
    assert_int_equal(hm_sync_resume_above(&buf, &lwm, ends, 1, &err), HM_EUSAGE);
    hm_buf_release(&buf);
}

/* Transaction i (1-based) ends at end_of(i): two binlog files, so that order crosses a file. */
#define NT 400
static hm_sync_pos end_of(uint64_t i)
{
    return i <= NT / 2 ? P("b.000009", 1000 + i * 100) : P("b.000010", 4 + i * 100);
}

typedef struct worker {
    uint64_t q[NT], qlwm[NT];   /* handed out, with the low-water mark then */
    size_t qh, qt;
    uint64_t mine[NT];          /* committed by it, above its last lwm */
    size_t nmine;
    hm_sync_pos lwm;
    hm_buf above;
} worker;

static void test_simulation(void **state)
{
    static worker ws[8];
    static bool committed[NT + 1], handed[NT + 1];
    unsigned seed = 777;
    hm_err err;
    (void)state;
    for (unsigned nw = 1; nw <= 8; nw *= 2) {
        for (unsigned window = 1; window <= 16; window *= 4) {
            uint64_t low = 0;
            memset(committed, 0, sizeof committed);
            memset(handed, 0, sizeof handed);
            for (unsigned w = 0; w < nw; w++) {
                memset(&ws[w], 0, sizeof ws[w]);
                ws[w].lwm = P("b.000009", 4);  /* the start: nothing committed */
                hm_buf_init(&ws[w].above, 1 << 20);
            }
            while (low < NT) {
                unsigned w = (unsigned)rand_r(&seed) % nw;
                if (rand_r(&seed) % 2) {
                    /* hand out one transaction of the window to worker w */
                    uint64_t i = low + 1 + (uint64_t)rand_r(&seed) % window;
                    if (i <= NT && !handed[i]) {
                        handed[i] = true;
                        ws[w].qlwm[ws[w].qt] = low;
                        ws[w].q[ws[w].qt++] = i;
                    }
                    continue;
                }
                if (ws[w].qh == ws[w].qt)
                    continue;
                /* worker w commits the head of its queue with its row */
                uint64_t i = ws[w].q[ws[w].qh], l = ws[w].qlwm[ws[w].qh];
                hm_sync_pos ends[NT];
                size_t n = 0;
                ws[w].qh++;
                ws[w].lwm = l ? end_of(l) : P("b.000009", 4);
                ws[w].mine[ws[w].nmine++] = i;
                for (size_t j = 0; j < ws[w].nmine; j++)
                    if (ws[w].mine[j] > l)
                        ends[n] = end_of(ws[w].mine[j]), ws[w].mine[n++] = ws[w].mine[j];
                ws[w].nmine = n;
                assert_true(n <= window);
                assert_int_equal(hm_sync_resume_above(&ws[w].above, &ws[w].lwm, ends, n, &err), HM_OK);
                committed[i] = true;
                while (low < NT && committed[low + 1])
                    low++;
                /* crash now: the plan must give exactly what is committed */
                hm_sync_wrow rows[8];
                hm_sync_resume r;
                for (unsigned v = 0; v < nw; v++)
                    rows[v] = (hm_sync_wrow){ws[v].lwm, ws[v].above.data ? ws[v].above.data : ""};
                assert_int_equal(hm_sync_resume_plan(rows, nw, window, &r, &err), HM_OK);
                for (uint64_t t = 1; t <= NT; t++) {
                    hm_sync_pos e = end_of(t);
                    bool done = hm_sync_pos_cmp(&e, &r.from) <= 0 || hm_sync_resume_skip(&r, &e);
                    if (done != committed[t])
                        fail_msg("workers %u window %u: transaction %llu committed %d, plan says %d", nw,
                                 window, (unsigned long long)t, committed[t], done);
                }
                hm_sync_resume_release(&r);
            }
            for (unsigned v = 0; v < nw; v++)
                hm_buf_release(&ws[v].above);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_simulation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
