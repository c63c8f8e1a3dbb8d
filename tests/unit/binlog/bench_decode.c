/*
 * tests/unit/binlog/bench_decode.c: decoder throughput on one core (a benchmark, not a test).
 *
 *   bench_decode [--goal N] [seconds] FILE|DIR...   (default 3 seconds)
 *
 * meson test --benchmark: binlog_decode over the fixture binlogs, binlog_decode_corpus over the
 * whole MySQL 5.1-9.6 corpus folder with its goal (--goal 500000 row events/s).
 *
 * Each pass decodes every event of every file the way a replica would: header, CRC32 check,
 * body; table maps into the table-id map (unchanged ones kept); MariaDB compressed events
 * inflated; MySQL TRANSACTION_PAYLOADs inflated (zstd, the time counted) and their inner events
 * decoded the same way; every row of every ROWS event decoded into typed values. It prints row events per
 * CPU second of the decoding thread (pinned to one core; on a shared machine the wall clock counts
 * other processes' time too, so it is printed beside), rows per second and MB/s over the whole
 * passes (the non-row events are included in the time, not in the counts).
 */
#include <dirent.h>
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

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* the CPU this thread used: the rate per core, whatever else the machine runs at the time */
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

static hm_binlog_value before[4096], after[4096];

typedef struct counters {
    unsigned long long rev, rows, values, payloads;
} counters;

static bool one_event(const file *f, hm_binlog_fmt *fmt, hm_binlog_event *ev,
                      hm_binlog_tables *ts, hm_buf *scratch, hm_buf *payload, counters *c);

/* A TRANSACTION_PAYLOAD: inflated (zstd) and its inner events decoded like the others. */
static bool one_payload(const file *f, hm_binlog_fmt *fmt, hm_binlog_event *ev,
                        hm_binlog_tables *ts, hm_buf *scratch, hm_buf *payload, counters *c)
{
    hm_binlog_payload_iter it;
    hm_binlog_event in;
    hm_err err;
    bool more = true;
    if (hm_binlog_payload_begin(&it, fmt, ev, payload, &err) != HM_OK)
        goto fail;
    c->payloads++;
    for (;;) {
        if (hm_binlog_payload_next(&it, &in, &more, &err) != HM_OK)
            goto fail;
        if (!more)
            return true;
        if (!one_event(f, &it.fmt, &in, ts, scratch, NULL, c))
            return false;
    }
fail:
    fprintf(stderr, "%s: %s\n", f->name, err.msg);
    return false;
}

static bool one_event(const file *f, hm_binlog_fmt *fmt, hm_binlog_event *evp,
                      hm_binlog_tables *ts, hm_buf *scratch, hm_buf *payload, counters *c)
{
    hm_binlog_event ev = *evp;
    hm_err err;
    if (ev.kind == HM_BINLOG_EV_TRANSACTION_PAYLOAD && payload)
        return one_payload(f, fmt, &ev, ts, scratch, payload, c);
    if (ev.kind == HM_BINLOG_EV_TABLE_MAP) {
        const hm_binlog_table *t;
        if (hm_binlog_tables_put(ts, fmt, &ev, &t, &err) != HM_OK)
            goto fail;
    } else if (ev.kind == HM_BINLOG_EV_ROWS) {
        const hm_binlog_table *t = hm_binlog_tables_get(ts, ev.u.rows.table_id);
        hm_binlog_rows_iter it;
        bool more = true;
        if (ev.u.rows.compressed && hm_binlog_inflate(fmt, &ev, scratch, &err) != HM_OK)
            goto fail;
        if (!t || hm_binlog_rows_begin(&it, fmt, &ev, t, &err) != HM_OK)
            goto fail;
        while (more) {
            if (hm_binlog_rows_next(&it, before, after, &more, &err) != HM_OK)
                goto fail;
            if (more) {
                c->rows++;
                c->values += t->ncols;
            }
        }
        c->rev++;
    }
    return true;
fail:
    fprintf(stderr, "%s: %s\n", f->name, err.msg);
    return false;
}

/* One pass over a file; adds to the counters. Returns false on a decode error. */
static bool pass(const file *f, hm_binlog_tables *ts, hm_buf *scratch, hm_buf *payload,
                 counters *c)
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
        if (ev.kind == HM_BINLOG_EV_FORMAT_DESCRIPTION)
            hm_binlog_tables_clear(ts); /* table ids are per file */
        if (!one_event(f, &fmt, &ev, ts, scratch, payload, c))
            return false;
    }
    return true;
}

static bool skip_name(const char *n)
{
    size_t l = strlen(n);
    return n[0] == '.' || (l > 4 && (strcmp(n + l - 4, ".txt") == 0 || strcmp(n + l - 4, ".sql") == 0)) ||
           (l > 3 && strcmp(n + l - 3, ".md") == 0);
}

/* A file, or every binlog in a folder (references and notes skipped). */
static int add_files(file *files, int n, int max, const char *arg)
{
    DIR *d = opendir(arg);
    struct dirent *e;
    if (!d) {
        if (n < max) {
            files[n].name = strdup(arg);
            files[n].b = vv_slurp(arg, &files[n].len);
            if (!files[n].b) {
                fprintf(stderr, "cannot read %s\n", arg);
                return -1;
            }
            n++;
        }
        return n;
    }
    while ((e = readdir(d)) != NULL && n >= 0) {
        char path[2048];
        if (skip_name(e->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s", arg, e->d_name);
        n = add_files(files, n, max, path);
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    double seconds = 3, t0, t, c0, cpu, goal = 0;
    int first = 1;
    file files[64];
    int n = 0;
    unsigned long long bytes = 0, passes = 0;
    counters c = {0};
    hm_binlog_tables ts;
    hm_buf scratch, payload;
    cpu_set_t one;

    if (argc > 2 && strcmp(argv[1], "--goal") == 0) { /* row events/s to reach */
        goal = atof(argv[2]);
        argv += 2;
        argc -= 2;
    }
    if (argc > 1 && strspn(argv[1], "0123456789.") == strlen(argv[1])) {
        seconds = atof(argv[1]);
        first = 2;
    }
    for (int i = first; i < argc && n >= 0; i++)
        n = add_files(files, n, 64, argv[i]);
    if (n < 0)
        return 1;
    if (!n) {
        fprintf(stderr, "usage: %s [seconds] BINLOG...\n", argv[0]);
        return 2;
    }
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one); /* one core; best effort */
    hm_binlog_tables_init(&ts);
    hm_buf_init(&scratch, 1 << 26);
    hm_buf_init(&payload, 1 << 26);

    t0 = now();
    c0 = cpu_now();
    do {
        for (int i = 0; i < n; i++) {
            if (!pass(&files[i], &ts, &scratch, &payload, &c))
                return 1;
            bytes += files[i].len;
        }
        passes++;
        t = now() - t0;
    } while (t < seconds);

    cpu = cpu_now() - c0;
    printf("binlog decoder, one core: %llu passes over %d files in %.2f s (%.2f s of CPU: the rates "
           "below are per CPU second)\n", passes, n, t, cpu);
    if (cpu <= 0)
        cpu = t;
    printf("  %.0f row events/s, %.0f rows/s, %.0f values/s, %.1f MB/s of binlog; "
           "%.0f compressed transactions/s inflated (zstd)\n", c.rev / cpu, c.rows / cpu,
           c.values / cpu, bytes / cpu / 1e6, c.payloads / cpu);
    printf("  by the wall clock: %.0f row events/s\n", c.rev / t);
    if (goal > 0)
        printf("  goal: %.0f row events/s: %s (%.2fx)\n", goal,
               c.rev / cpu >= goal ? "met" : "NOT met", c.rev / cpu / goal);
    hm_binlog_tables_release(&ts);
    hm_buf_release(&scratch);
    hm_buf_release(&payload);
    for (int i = 0; i < n; i++) {
        free(files[i].b);
        free((char *)files[i].name);
    }
    return 0;
}
