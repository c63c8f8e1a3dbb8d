/*
 * tests/unit/binlog/bench_decode.c: decoder throughput on one core (a benchmark, not a test).
 *
 *   bench_decode [seconds] FILE...      (meson: the fixture binlogs; default 3 seconds)
 *
 * Each pass decodes every event of every file the way a replica would: header, CRC32 check,
 * body; table maps into the table-id map (unchanged ones kept); MariaDB compressed events
 * inflated; every row of every ROWS event decoded into typed values. It prints row events per
 * second, rows per second and MB/s over the whole passes (the non-row events are included in the
 * time, not in the counts).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binlog/event.h"
#include "binlog/inflate.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "vv.h"

typedef struct file {
    const char *name;
    uint8_t *b;
    size_t len;
} file;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static hm_binlog_value before[4096], after[4096];

/* One pass over a file; adds to the counters. Returns false on a decode error. */
static bool pass(const file *f, hm_binlog_tables *ts, hm_buf *scratch, unsigned long long *rev,
                 unsigned long long *rows, unsigned long long *values)
{
    hm_binlog_fmt fmt;
    hm_binlog_event ev;
    hm_err err;
    uint64_t pos = 4;
    hm_binlog_fmt_init(&fmt);
    while (pos < f->len) {
        uint32_t size;
        if (!hm_binlog_peek_size(f->b + pos, f->len - pos, &size) || size > f->len - pos ||
            hm_binlog_event_decode(&fmt, f->b + pos, size, pos, &ev, &err) != HM_OK) {
            fprintf(stderr, "%s: %s\n", f->name, err.msg);
            return false;
        }
        pos = ev.next_pos;
        if (ev.kind == HM_BINLOG_EV_TABLE_MAP) {
            const hm_binlog_table *t;
            if (hm_binlog_tables_put(ts, &fmt, &ev, &t, &err) != HM_OK)
                goto fail;
        } else if (ev.kind == HM_BINLOG_EV_ROWS) {
            const hm_binlog_table *t = hm_binlog_tables_get(ts, ev.u.rows.table_id);
            hm_binlog_rows_iter it;
            bool more = true;
            if (ev.u.rows.compressed && hm_binlog_inflate(&fmt, &ev, scratch, &err) != HM_OK)
                goto fail;
            if (!t || hm_binlog_rows_begin(&it, &fmt, &ev, t, &err) != HM_OK)
                goto fail;
            while (more) {
                if (hm_binlog_rows_next(&it, before, after, &more, &err) != HM_OK)
                    goto fail;
                if (more) {
                    (*rows)++;
                    *values += t->ncols;
                }
            }
            (*rev)++;
        }
    }
    return true;
fail:
    fprintf(stderr, "%s: %s\n", f->name, err.msg);
    return false;
}

int main(int argc, char **argv)
{
    double seconds = 3, t0, t;
    int first = 1;
    file files[64];
    int n = 0;
    unsigned long long rev = 0, rows = 0, values = 0, bytes = 0, passes = 0;
    hm_binlog_tables ts;
    hm_buf scratch;
    cpu_set_t one;

    if (argc > 1 && strspn(argv[1], "0123456789.") == strlen(argv[1])) {
        seconds = atof(argv[1]);
        first = 2;
    }
    for (int i = first; i < argc && n < 64; i++) {
        files[n].name = argv[i];
        files[n].b = vv_slurp(argv[i], &files[n].len);
        if (!files[n].b) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        n++;
    }
    if (!n) {
        fprintf(stderr, "usage: %s [seconds] BINLOG...\n", argv[0]);
        return 2;
    }
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one); /* one core; best effort */
    hm_binlog_tables_init(&ts);
    hm_buf_init(&scratch, 1 << 26);

    t0 = now();
    do {
        for (int i = 0; i < n; i++) {
            if (!pass(&files[i], &ts, &scratch, &rev, &rows, &values))
                return 1;
            bytes += files[i].len;
        }
        passes++;
        t = now() - t0;
    } while (t < seconds);

    printf("binlog decoder, one core: %llu passes over %d files in %.2f s\n", passes, n, t);
    printf("  %.0f row events/s, %.0f rows/s, %.0f values/s, %.1f MB/s of binlog\n", rev / t,
           rows / t, values / t, bytes / t / 1e6);
    hm_binlog_tables_release(&ts);
    hm_buf_release(&scratch);
    for (int i = 0; i < n; i++)
        free(files[i].b);
    return 0;
}
