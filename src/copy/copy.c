/*
 * copy/copy.c: the full-copy task: hm_copy_new / hm_copy_run / hm_copy_cancel / hm_copy_free.
 *
 * Owns the control connections, the workers (each with one source and one target connection),
 * the catalog and the per-table chunk state.
 *
 * Stages of hm_copy_run (all errors before stage 4 leave the target untouched):
 *   1. connect: control connections to source and target; pattern and privilege checks.
 *   2. catalog: everything selected is read from the source (definitions included).
 *   3. state: hotmig_meta on the target says fresh run, resume, or already done; a fresh run
 *      fails on any selected object that already exists on the target.
 *   4. snapshot: worker source connections share one consistent snapshot (snapshot.c).
 *   5. schema: databases and tables are created (tables this run created but did not record are
 *      dropped and created again). A table of DEFER_MIN_ROWS rows or more is created without
 *      its secondary indexes and foreign keys (keydefer.h), which are added after its data.
 *   6. data: workers take work from the tables in order:
 *
 *        table state:  NEW --plan--> READY --last chunk done--> DONE
 *                       (PLANNING while a     \                ^
 *                        worker walks its key) \--> INDEXING --/   (tables with deferred keys)
 *                                                      ^
 *                                      LOADED ---------/  (found so by a rerun: every chunk
 *                                                          done, keys maybe not)
 *
 *      planning writes every chunk's key range to hotmig_meta in one transaction; a chunk is
 *      copied in one target transaction that also marks it done (meta.h). The worker that
 *      copies a deferred table's last chunk records it 'loaded' and builds its indexes in one
 *      ALTER TABLE while the other workers load other tables; a run that finds a table 'loaded'
 *      (or planned with every chunk done) builds what its target definition lacks.
 *   7. objects: views (retried in passes until their dependencies exist), routines, triggers,
 *      events, each recorded in hotmig_meta.
 *   8. the run is marked done.
 *
 * Threads: hm_copy_run's thread renders progress; workers only touch atomics and, under c->mu,
 * the table states. hm_copy_cancel only sets an atomic flag.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <mysqld_error.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/check.h"
#include "copy/catalog.h"
#include "copy/keydefer.h"
#include "copy/keylit.h"
#include "copy/meta.h"
#include "copy/privs.h"
#include "copy/rows.h"
#include "copy/schema.h"
#include "copy/select.h"
#include "copy/snapshot.h"
#include "copy/throttle.h"
#include "db/sqlq.h"
#include "util/clock.h"
#include "util/err.h"

#define DEFAULT_THREADS 4
#define CHUNK_BYTES (16u << 20) /* default chunk size: fewer, larger target commits (measured) */
#define CHUNK_ROWS_MIN 1000
#define CHUNK_ROWS_MAX 1000000
#define LOCK_WAIT_S 10

/* A table this size or larger builds its secondary indexes after its data. Measured (sysbench
 * tables, one secondary key, 8 tables, MariaDB 10.11, durable target; the target's CPU seconds,
 * deferred vs not): 25k rows 0.98 vs 1.05-1.14, 100k rows 3.7 vs 4.4-4.7, 250k rows 9.2 vs
 * 12.3. The gain grows with the table; below this size it is a few milliseconds a table, about
 * what the ALTER's own DDL commit (its fsyncs) costs. */
#define DEFER_MIN_ROWS 100000

typedef enum { TS_NEW, TS_PLANNING, TS_READY, TS_LOADED, TS_INDEXING, TS_DONE } ts_state;

typedef struct tstate {
    hm_table *t;
    ts_state state;
    hm_meta_chunk *chunks; /* pending chunks, owned */
    size_t nchunks, next, completed;
    unsigned active;       /* workers copying a chunk of this table now */
    uint64_t chunk_rows;
    bool deferred;         /* its target definition may lack keys added after the data */
} tstate;

typedef struct worker {
    struct hm_copy *c;
    hm_conn src, tgt;
    pthread_t th;
    bool started;
    tstate *last; /* the table of this worker's previous chunk */
} worker;

struct hm_copy {
    hm_copy_opts o;
    atomic_bool cancel;
    hm_select sel;
    hm_catalog cat;
    hm_conn src, tgt;
    hm_snapshot snap;
    hm_throttle throttle;
    hm_write_method method;
    size_t insert_max;
    size_t packet_max;
    unsigned nthreads;
    worker *w;
    tstate *ts;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool failed;
    hm_err first_err;
    _Atomic uint64_t rows, bytes;
    atomic_uint tables_done, alive, indexing;
    uint64_t rows_est;
    bool resumed;
    unsigned chunks_skipped;
    double t0;
    hm_stage stage;
    bool ran;
};

const char *hm_stage_name(hm_stage s)
{
    static const char *const names[] = {"connect", "snapshot", "schema", "data", "objects", "done", "verify"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

hm_copy *hm_copy_new(const hm_copy_opts *opts, hm_err *err)
{
    hm_copy *c;
    if (!opts->source.host || !opts->target.host || !opts->source.user || !opts->target.user) {
        hm_err_set(err, HM_EUSAGE, "source and target connections are required");
        return NULL;
    }
    if (opts->threads > 256) {
        hm_err_set(err, HM_EUSAGE, "--threads must be from 1 to 256");
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    c->o = *opts;
    c->nthreads = opts->threads ? opts->threads : DEFAULT_THREADS;
    if (!c->o.progress_interval_ms)
        c->o.progress_interval_ms = 1000;
    if (hm_select_init(&c->sel, opts->include, opts->n_include, opts->exclude, opts->n_exclude, err) !=
        HM_OK) {
        free(c);
        return NULL;
    }
    atomic_init(&c->cancel, false);
    atomic_init(&c->failed, false);
    atomic_init(&c->rows, 0);
    atomic_init(&c->bytes, 0);
    atomic_init(&c->tables_done, 0);
    atomic_init(&c->indexing, 0);
    atomic_init(&c->alive, 0);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    hm_throttle_init(&c->throttle, opts->max_rows_per_sec);
    return c;
}

void hm_copy_cancel(hm_copy *c)
{
    atomic_store(&c->cancel, true);
}

void hm_copy_free(hm_copy *c)
{
    if (!c)
        return;
    if (c->ts) {
        for (size_t i = 0; i < c->cat.ntables; i++)
            hm_meta_chunks_free(c->ts[i].chunks, c->ts[i].nchunks);
        free(c->ts);
    }
    if (c->w) {
        for (unsigned i = 0; i < c->nthreads; i++) {
            hm_conn_close(&c->w[i].src);
            hm_conn_close(&c->w[i].tgt);
        }
        free(c->w);
    }
    hm_conn_close(&c->src);
    hm_conn_close(&c->tgt);
    hm_catalog_release(&c->cat);
    hm_select_release(&c->sel);
    hm_throttle_release(&c->throttle);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

/* --- progress --- */

typedef struct rate_window {
    double t[8];
    uint64_t b[8];
    unsigned n, head;
} rate_window;

static void report(hm_copy *c, rate_window *rw, bool force)
{
    hm_progress p;
    double now = hm_clock_now();
    uint64_t bytes = atomic_load(&c->bytes), rows = atomic_load(&c->rows);
    unsigned oldest;
    if (!c->o.progress)
        return;
    (void)force;
    rw->t[rw->head] = now;
    rw->b[rw->head] = bytes;
    rw->head = (rw->head + 1) % 8;
    if (rw->n < 8)
        rw->n++;
    oldest = (rw->head + 8 - rw->n) % 8;
    memset(&p, 0, sizeof p);
    p.stage = c->stage;
    p.tables_total = (unsigned)c->cat.ntables;
    p.tables_done = atomic_load(&c->tables_done);
    p.tables_indexing = atomic_load(&c->indexing);
    p.rows_done = rows;
    p.rows_estimated = c->rows_est > rows ? c->rows_est : rows;
    p.bytes_done = bytes;
    p.elapsed_s = now - c->t0;
    p.bytes_per_sec = now - rw->t[oldest] > 0.2 ? (double)(bytes - rw->b[oldest]) / (now - rw->t[oldest])
                                                  : 0;
    p.eta_s = -1;
    if (c->stage == HM_STAGE_DATA && rows > 0 && p.elapsed_s > 0.5) {
        double row_rate = (double)rows / p.elapsed_s;
        p.eta_s = (double)(p.rows_estimated - rows) / row_rate;
    }
    if (c->stage == HM_STAGE_DONE)
        p.eta_s = 0;
    p.resumed = c->resumed;
    c->o.progress(&p, c->o.progress_ud);
}

static void set_stage(hm_copy *c, hm_stage s, rate_window *rw)
{
    c->stage = s;
    report(c, rw, true);
}

/* --- worker side --- */

static void fail(hm_copy *c, const hm_err *e)
{
    pthread_mutex_lock(&c->mu);
    if (!atomic_load(&c->failed)) {
        c->first_err = *e;
        atomic_store(&c->failed, true);
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Copies a bound (NULL stays NULL, meaning unbounded). */
static hm_code dup_bound(const hm_buf *b, char **out, size_t *len, hm_err *err)
{
    *out = NULL;
    *len = 0;
    if (!b)
        return HM_OK;
    *out = malloc(b->len + 1);
    if (!*out)
        return hm_err_set(err, HM_ENOMEM, "out of memory planning chunks");
    memcpy(*out, b->data, b->len);
    *len = b->len;
    return HM_OK;
}

static hm_code add_chunk(hm_meta_chunk **v, size_t *n, size_t *cap, const hm_buf *lo, const hm_buf *hi,
                         hm_err *err)
{
    hm_meta_chunk *c;
    hm_code rc;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        hm_meta_chunk *p = realloc(*v, nc * sizeof *p);
        if (!p)
            return hm_err_set(err, HM_ENOMEM, "out of memory planning chunks");
        *v = p;
        *cap = nc;
    }
    c = &(*v)[*n];
    memset(c, 0, sizeof *c);
    c->chunk_no = (unsigned)*n;
    (*n)++; /* counted before the copies so that hm_meta_chunks_free releases them on failure */
    rc = dup_bound(lo, &c->lo, &c->lo_len, err);
    return rc == HM_OK ? dup_bound(hi, &c->hi, &c->hi_len, err) : rc;
}

/* Formats a 128-bit integer in decimal. */
static void fmt_i128(__int128 v, char *out, size_t outsz)
{
    char tmp[48];
    size_t n = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < sizeof tmp - 1);
    if (neg)
        tmp[n++] = '-';
    for (size_t i = 0; i < n && i < outsz - 1; i++)
        out[i] = tmp[n - 1 - i];
    out[n < outsz ? n : outsz - 1] = '\0';
}

/* Integer single-column key: ranges by arithmetic, when the keys are dense enough. */
static hm_code plan_int(worker *w, tstate *ts, hm_meta_chunk **v, size_t *n, size_t *cap, bool *done,
                        hm_err *err)
{
    hm_table *t = ts->t;
    hm_buf q, lo, hi;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    __int128 mn, mx, step = (__int128)ts->chunk_rows, nchunks;
    hm_code rc;
    *done = false;
    hm_buf_init(&q, 4096);
    hm_buf_init(&lo, 64);
    hm_buf_init(&hi, 64);
    rc = hm_buf_adds(&q, "SELECT MIN(");
    if (rc == HM_OK) rc = hm_sqlq_ident(&q, t->cols[t->key[0]].name);
    if (rc == HM_OK) rc = hm_buf_adds(&q, "), MAX(");
    if (rc == HM_OK) rc = hm_sqlq_ident(&q, t->cols[t->key[0]].name);
    if (rc == HM_OK) rc = hm_buf_adds(&q, ") FROM ");
    if (rc == HM_OK) rc = hm_sqlq_table(&q, t->db, t->name);
    if (rc != HM_OK) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hm_conn_query(&w->src, q.data, &res, err)) != HM_OK)
        goto out;
    row = res ? mysql_fetch_row(res) : NULL;
    if (!row || !row[0] || !row[1]) { /* empty table: one open chunk */
        rc = add_chunk(v, n, cap, NULL, NULL, err);
        *done = true;
        goto out;
    }
    if (!hm_keylit_parse_int(row[0], strlen(row[0]), &mn) || !hm_keylit_parse_int(row[1], strlen(row[1]), &mx))
        goto out; /* not plain integers: let the walker do it */
    nchunks = (mx - mn) / step + 1;
    if (nchunks > (__int128)(2 * (t->rows_est / ts->chunk_rows) + 1000))
        goto out; /* sparse keys: arithmetic ranges would be mostly empty */
    for (__int128 i = 0; i < nchunks && rc == HM_OK; i++) {
        char num[48];
        char *vals[1];
        unsigned long lens[1];
        bool first = i == 0, last = i == nchunks - 1;
        hm_buf_reset(&lo);
        hm_buf_reset(&hi);
        if (!first) {
            fmt_i128(mn - 1 + i * step, num, sizeof num);
            vals[0] = num;
            lens[0] = (unsigned long)strlen(num);
            rc = hm_keylit_pack(&lo, vals, lens, 1);
        }
        if (rc == HM_OK && !last) {
            fmt_i128(mn - 1 + (i + 1) * step, num, sizeof num);
            vals[0] = num;
            lens[0] = (unsigned long)strlen(num);
            rc = hm_keylit_pack(&hi, vals, lens, 1);
        }
        if (rc == HM_OK)
            rc = add_chunk(v, n, cap, first ? NULL : &lo, last ? NULL : &hi, err);
    }
    *done = rc == HM_OK;
out:
    if (res)
        mysql_free_result(res);
    hm_buf_release(&q);
    hm_buf_release(&lo);
    hm_buf_release(&hi);
    return rc;
}

/* Any key: walk it, one boundary every chunk_rows rows. */
static hm_code plan_walk(worker *w, tstate *ts, hm_meta_chunk **v, size_t *n, size_t *cap, hm_err *err)
{
    hm_table *t = ts->t;
    hm_buf q, cur, next;
    bool have_cur = false;
    hm_code rc = HM_OK;
    hm_buf_init(&q, 1 << 24);
    hm_buf_init(&cur, 1 << 24);
    hm_buf_init(&next, 1 << 24);
    for (;;) {
        MYSQL_RES *res = NULL;
        MYSQL_ROW row;
        if (atomic_load(&w->c->cancel)) {
            rc = hm_err_set(err, HM_ECANCELLED, "cancelled");
            break;
        }
        hm_buf_reset(&q);
        rc = hm_buf_adds(&q, "SELECT ");
        if (rc == HM_OK) rc = hm_keylit_columns(&q, t);
        if (rc == HM_OK) rc = hm_buf_adds(&q, " FROM ");
        if (rc == HM_OK) rc = hm_sqlq_table(&q, t->db, t->name);
        if (rc == HM_OK) rc = hm_buf_adds(&q, " FORCE INDEX (");
        if (rc == HM_OK) rc = hm_sqlq_ident(&q, t->key_name);
        if (rc == HM_OK) rc = hm_buf_adds(&q, ")");
        if (rc == HM_OK && have_cur) {
            rc = hm_buf_adds(&q, " WHERE ");
            if (rc == HM_OK) rc = hm_keylit_cond(&q, t, cur.data, cur.len, true);
        }
        if (rc == HM_OK) rc = hm_buf_adds(&q, " ORDER BY ");
        if (rc == HM_OK) rc = hm_keylit_columns(&q, t);
        if (rc == HM_OK)
            rc = hm_buf_addf(&q, " LIMIT 1 OFFSET %llu", (unsigned long long)(ts->chunk_rows - 1));
        if (rc != HM_OK) {
            rc = hm_err_set(err, rc == HM_EUSAGE ? HM_EINTERNAL : HM_ENOMEM,
                            "cannot build a chunk bound for %s.%s", t->db, t->name);
            break;
        }
        if ((rc = hm_conn_query(&w->src, q.data, &res, err)) != HM_OK)
            break;
        row = res ? mysql_fetch_row(res) : NULL;
        if (!row) {
            if (res)
                mysql_free_result(res);
            rc = add_chunk(v, n, cap, have_cur ? &cur : NULL, NULL, err);
            break;
        }
        hm_buf_reset(&next);
        rc = hm_keylit_pack(&next, row, mysql_fetch_lengths(res), t->nkey);
        mysql_free_result(res);
        if (rc == HM_OK)
            rc = add_chunk(v, n, cap, have_cur ? &cur : NULL, &next, err);
        if (rc != HM_OK)
            break;
        hm_buf_reset(&cur);
        if ((rc = hm_buf_add(&cur, next.data, next.len)) != HM_OK) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            break;
        }
        have_cur = true;
    }
    hm_buf_release(&q);
    hm_buf_release(&cur);
    hm_buf_release(&next);
    return rc;
}

static hm_code plan_table(worker *w, tstate *ts, hm_err *err)
{
    hm_table *t = ts->t;
    hm_meta_chunk *v = NULL;
    size_t n = 0, cap = 0;
    hm_code rc = HM_OK;
    bool done = false;

    if (!t->key)
        rc = add_chunk(&v, &n, &cap, NULL, NULL, err);
    else {
        if (t->nkey == 1 && hm_keylit_is_int_type(t->cols[t->key[0]].data_type))
            rc = plan_int(w, ts, &v, &n, &cap, &done, err);
        if (rc == HM_OK && !done) {
            hm_meta_chunks_free(v, n);
            v = NULL;
            n = cap = 0;
            rc = plan_walk(w, ts, &v, &n, &cap, err);
        }
    }
    if (rc == HM_OK)
        rc = hm_meta_save_plan(&w->tgt, t->db, t->name, v, n, err);
    if (rc != HM_OK) {
        hm_meta_chunks_free(v, n);
        return rc;
    }
    pthread_mutex_lock(&w->c->mu);
    ts->chunks = v;
    ts->nchunks = n;
    ts->next = ts->completed = 0;
    ts->state = TS_READY;
    pthread_cond_broadcast(&w->c->cv);
    pthread_mutex_unlock(&w->c->mu);
    return HM_OK;
}

static hm_code range_where(hm_buf *q, const hm_table *t, const hm_meta_chunk *ch)
{
    hm_code rc = HM_OK;
    if (ch->lo)
        rc = hm_keylit_cond(q, t, ch->lo, ch->lo_len, true);
    if (rc == HM_OK && ch->lo && ch->hi)
        rc = hm_buf_adds(q, " AND ");
    if (rc == HM_OK && ch->hi)
        rc = hm_keylit_cond(q, t, ch->hi, ch->hi_len, false);
    return rc;
}

static hm_code copy_chunk(worker *w, tstate *ts, const hm_meta_chunk *ch, hm_err *err)
{
    hm_copy *c = w->c;
    hm_table *t = ts->t;
    hm_buf where, q;
    uint64_t rows = 0, bytes = 0;
    hm_rows_ctx cx;
    hm_code rc;

    hm_buf_init(&where, 1 << 24);
    hm_buf_init(&q, 1 << 24);
    if (range_where(&where, t, ch) != HM_OK) {
        rc = hm_err_set(err, HM_EINTERNAL, "cannot build the range of a chunk of %s.%s", t->db, t->name);
        goto out;
    }
    if ((rc = hm_conn_exec(&w->tgt, "START TRANSACTION", err)) != HM_OK)
        goto out;
    if (t->flags & HM_FLAG_NON_INNODB) {
        /* a non-transactional table may hold part of this chunk from a killed run */
        rc = hm_buf_adds(&q, "DELETE FROM ");
        if (rc == HM_OK) rc = hm_sqlq_table(&q, t->db, t->name);
        if (rc == HM_OK && where.len) rc = hm_buf_addf(&q, " WHERE %s", where.data);
        if (rc == HM_OK)
            rc = hm_conn_execb(&w->tgt, &q, err);
        if (rc != HM_OK)
            goto rollback;
    }
    memset(&cx, 0, sizeof cx);
    cx.src = &w->src;
    cx.tgt = &w->tgt;
    cx.t = t;
    cx.method = c->method;
    cx.insert_max = c->insert_max;
    cx.packet_max = c->packet_max;
    cx.throttle = c->o.max_rows_per_sec ? &c->throttle : NULL;
    cx.cancel = &c->cancel;
    cx.rows_total = &c->rows;
    cx.bytes_total = &c->bytes;
    rc = hm_rows_copy(&cx, where.len ? where.data : NULL, &rows, &bytes, err);
    if (rc != HM_OK)
        goto rollback;
    hm_buf_reset(&q);
    if (hm_meta_chunk_done_sql(&q, t->db, t->name, ch->chunk_no, rows, bytes, c->snap.file,
                               c->snap.pos) != HM_OK) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto rollback;
    }
    if ((rc = hm_conn_execb(&w->tgt, &q, err)) != HM_OK)
        goto rollback;
    if (mysql_affected_rows(w->tgt.my) != 1) {
        rc = hm_err_set(err, HM_ESTATE,
                        "chunk %u of %s.%s is not pending in hotmig_meta: another hotmig may be writing "
                        "to this target", ch->chunk_no, t->db, t->name);
        goto rollback;
    }
    rc = hm_conn_exec(&w->tgt, "COMMIT", err);
    goto out;
rollback:
    {
        hm_err ignore;
        (void)hm_conn_exec(&w->tgt, "ROLLBACK", &ignore);
    }
out:
    hm_buf_release(&where);
    hm_buf_release(&q);
    return rc;
}

/* Takes the next piece of work: a table whose keys to build (*ch NULL, *plan false), a chunk
 * to copy (*ch set) or a table to plan (*plan set). Returns false when there is nothing left
 * for this worker.
 *
 * Workers spread over tables: two workers inserting interleaved key ranges into one table cost
 * the target about 35% more than each appending to its own table (measured: sysbench 8 x 250k,
 * 2 threads, 14.2 s vs 10.4 s). So a worker takes, in this order: a chunk of a table nobody is
 * copying (its own previous table first, so its inserts stay in key order); a new table to plan;
 * a chunk of the table with the fewest workers (one big table still gets every worker). */
static bool next_job(worker *w, tstate **out, hm_meta_chunk **ch, bool *plan)
{
    hm_copy *c = w->c;
    bool got = false;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        tstate *best = NULL, *fresh = NULL;
        bool waiting = false;
        if (atomic_load(&c->cancel) || atomic_load(&c->failed))
            break;
        for (size_t i = 0; i < c->cat.ntables && !got; i++) {
            tstate *ts = &c->ts[i];
            if (ts->state == TS_LOADED) { /* left loaded by an earlier run: its keys first */
                ts->state = TS_INDEXING;
                *out = ts;
                *ch = NULL;
                *plan = false;
                got = true;
            } else if (ts->state == TS_READY && ts->next < ts->nchunks) {
                if (!best || ts->active < best->active ||
                    (ts->active == best->active && ts == w->last))
                    best = ts;
            } else if (ts->state == TS_NEW && !fresh) {
                fresh = ts;
            } else if (ts->state == TS_PLANNING) {
                waiting = true;
            }
        }
        if (got) {
            break;
        } else if (fresh && (!best || best->active > 0)) {
            fresh->state = TS_PLANNING;
            *out = fresh;
            *ch = NULL;
            *plan = true;
            got = true;
        } else if (best) {
            *out = best;
            *ch = &best->chunks[best->next++];
            *plan = false;
            best->active++;
            w->last = best;
            got = true;
        }
        if (got || !waiting)
            break;
        pthread_cond_wait(&c->cv, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return got;
}

/* The target's SHOW CREATE TABLE of t, in *out (owned by the caller). */
static hm_code target_definition(worker *w, const hm_table *t, char **out, hm_err *err)
{
    hm_buf q;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    hm_code rc;
    *out = NULL;
    hm_buf_init(&q, 4096);
    if (hm_buf_adds(&q, "SHOW CREATE TABLE ") != HM_OK || hm_sqlq_table(&q, t->db, t->name) != HM_OK)
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    else
        rc = hm_conn_query(&w->tgt, q.data, &res, err);
    if (rc == HM_OK && (!res || !(row = mysql_fetch_row(res)) || mysql_num_fields(res) < 2 || !row[1]))
        rc = hm_err_set(err, HM_ETARGET, "target %s gave no definition for %s.%s", w->tgt.addr, t->db,
                        t->name);
    if (rc == HM_OK && !(*out = strdup(row[1])))
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    if (res)
        mysql_free_result(res);
    hm_buf_release(&q);
    return rc;
}

/*
 * Builds the keys a loaded table's target definition lacks (keydefer.h), in one ALTER TABLE,
 * then checks the definition equals the source's. An ALTER of a killed run may still be running
 * on the target: ours then waits for its metadata lock and fails on a duplicate key name, and
 * the definition is read again (a few times at most).
 */
static hm_code index_table(worker *w, tstate *ts, hm_err *err)
{
    hm_copy *c = w->c;
    hm_table *t = ts->t;
    char *have = NULL;
    hm_buf q;
    hm_err alter_err;
    hm_code rc;
    atomic_fetch_add(&c->indexing, 1);
    hm_buf_init(&q, 1 << 24);
    rc = hm_meta_set_table_state(&w->tgt, t->db, t->name, "loaded", err);
    for (int attempt = 0; rc == HM_OK; attempt++) {
        size_t nadd;
        free(have);
        if ((rc = target_definition(w, t, &have, err)) != HM_OK)
            break;
        if (hm_keydefer_alter(t, have, &q, &nadd) != HM_OK) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory building the indexes of %s.%s", t->db, t->name);
            break;
        }
        if (nadd == 0)
            break;
        if (attempt == 4) {
            rc = hm_err_set(err, HM_ETARGET, "the indexes of %s.%s could not be added on target %s; "
                            "check its definition there and run the same command again", t->db, t->name,
                            w->tgt.addr);
            break;
        }
        if (atomic_load(&c->cancel)) { /* the table stays 'loaded': a rerun builds its keys */
            rc = hm_err_set(err, HM_ECANCELLED, "cancelled; run the same command again to resume");
            break;
        }
        rc = hm_conn_execb(&w->tgt, &q, &alter_err);
        if (rc != HM_OK && (mysql_errno(w->tgt.my) == ER_DUP_KEYNAME ||
                            mysql_errno(w->tgt.my) == ER_DUP_CONSTRAINT_NAME)) {
            rc = HM_OK; /* added meanwhile by a killed run's ALTER: look again */
        } else if (rc != HM_OK) {
            *err = alter_err;
            hm_err_prefix(err, "building the indexes of %s.%s on the target", t->db, t->name);
        }
    }
    if (rc == HM_OK && !hm_keydefer_same_columns_and_keys(t->create_sql, have))
        rc = hm_err_set(err, HM_ETARGET, "after its indexes were built, %s.%s on target %s is not defined "
                        "as on the source (SHOW CREATE TABLE differs); start the copy over (drop the copied tables "
                        "and hotmig_meta on the target) with --defer-indexes never",
                        t->db, t->name, w->tgt.addr);
    if (rc == HM_OK)
        rc = hm_meta_set_table_state(&w->tgt, t->db, t->name, "done", err);
    atomic_fetch_sub(&c->indexing, 1);
    free(have);
    hm_buf_release(&q);
    if (rc != HM_OK)
        return rc;
    pthread_mutex_lock(&c->mu);
    ts->state = TS_DONE;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    atomic_fetch_add(&c->tables_done, 1);
    return HM_OK;
}

static hm_code chunk_finished(worker *w, tstate *ts, hm_err *err)
{
    bool table_done;
    pthread_mutex_lock(&w->c->mu);
    ts->completed++;
    if (ts->active)
        ts->active--;
    table_done = ts->completed == ts->nchunks;
    if (table_done)
        ts->state = ts->deferred ? TS_INDEXING : TS_DONE;
    pthread_mutex_unlock(&w->c->mu);
    if (!table_done)
        return HM_OK;
    if (ts->deferred) /* overlaps with the other workers' loading */
        return index_table(w, ts, err);
    atomic_fetch_add(&w->c->tables_done, 1);
    return hm_meta_set_table_state(&w->tgt, ts->t->db, ts->t->name, "done", err);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    hm_copy *c = w->c;
    tstate *ts;
    hm_meta_chunk *ch;
    bool plan;
    hm_err e;

    while (next_job(w, &ts, &ch, &plan)) {
        hm_code rc;
        memset(&e, 0, sizeof e);
        if (plan) {
            rc = plan_table(w, ts, &e);
            if (rc == HM_OK && ts->nchunks == 0)
                rc = chunk_finished(w, ts, &e);
        } else if (!ch) {
            rc = index_table(w, ts, &e);
        } else {
            rc = copy_chunk(w, ts, ch, &e);
            if (rc == HM_OK)
                rc = chunk_finished(w, ts, &e);
        }
        if (rc != HM_OK) {
            fail(c, &e);
            break;
        }
    }
    pthread_mutex_lock(&c->mu);
    atomic_fetch_sub(&c->alive, 1);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* --- run --- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void fingerprint(hm_copy *c, char out[40])
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < c->cat.ntables; i++) {
        h = fnv(h, c->cat.tables[i].db, strlen(c->cat.tables[i].db) + 1);
        h = fnv(h, c->cat.tables[i].name, strlen(c->cat.tables[i].name) + 1);
    }
    for (size_t i = 0; i < c->cat.nobjects; i++) {
        h = fnv(h, c->cat.objects[i].db, strlen(c->cat.objects[i].db) + 1);
        h = fnv(h, c->cat.objects[i].name, strlen(c->cat.objects[i].name) + 1);
    }
    snprintf(out, 40, "v1-%016llx", (unsigned long long)h);
}

/* Every selected table must be readable before anything is written. */
static hm_code check_select_privilege(hm_copy *c, hm_err *err)
{
    hm_buf q;
    hm_code rc = HM_OK;
    hm_buf_init(&q, 1 << 16);
    for (size_t i = 0; i < c->cat.ntables && rc == HM_OK; i++) {
        hm_table *t = &c->cat.tables[i];
        hm_buf_reset(&q);
        if (hm_buf_adds(&q, "SELECT 1 FROM ") != HM_OK || hm_sqlq_table(&q, t->db, t->name) != HM_OK ||
            hm_buf_adds(&q, " LIMIT 0") != HM_OK)
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        else
            rc = hm_conn_execb(&c->src, &q, err);
    }
    hm_buf_release(&q);
    return rc;
}

static hm_code choose_method(hm_copy *c, hm_err *err)
{
    char v[64];
    bool found;
    uint64_t max_packet;
    hm_code rc = hm_conn_value(&c->tgt, "SELECT @@max_allowed_packet", v, sizeof v, &found, err);
    if (rc != HM_OK)
        return rc;
    max_packet = strtoull(v, NULL, 10);
    c->insert_max = max_packet > (2u << 20) ? (1u << 20) : (size_t)(max_packet / 2);
    c->packet_max = max_packet > SIZE_MAX ? SIZE_MAX : (size_t)max_packet;
    c->method = c->o.write_method;
    if (c->method == HM_WRITE_AUTO || c->method == HM_WRITE_LOAD) {
        rc = hm_conn_value(&c->tgt, "SELECT @@local_infile", v, sizeof v, &found, err);
        if (rc != HM_OK)
            return rc;
        if (strcmp(v, "1") != 0 && strcasecmp(v, "ON") != 0) {
            if (c->method == HM_WRITE_LOAD)
                return hm_err_set(err, HM_EUSAGE,
                                  "target %s has local_infile=OFF, so --write-method load cannot work; "
                                  "use --write-method insert or SET GLOBAL local_infile=ON", c->tgt.addr);
            c->method = HM_WRITE_INSERT;
        } else {
            c->method = HM_WRITE_LOAD;
        }
    }
    return HM_OK;
}

static hm_code open_workers(hm_copy *c, hm_err *err)
{
    hm_code rc = HM_OK;
    c->w = calloc(c->nthreads, sizeof *c->w);
    if (!c->w)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    for (unsigned i = 0; i < c->nthreads && rc == HM_OK; i++) {
        c->w[i].c = c;
        rc = hm_conn_open(&c->w[i].src, &c->o.source, "source", 0, err);
        if (rc == HM_OK)
            rc = hm_conn_open(&c->w[i].tgt, &c->o.target, "target", HM_CONN_LOCAL_INFILE, err);
        if (rc == HM_OK)
            rc = hm_schema_session(&c->w[i].tgt, err);
    }
    return rc;
}

/*
 * For --mode full+incremental: a table not finished by an earlier run is copied again, whole,
 * from this run's snapshot, so that every table comes from one snapshot and incremental sync
 * can start each table at its own. The chunk marks are cleared first and the table emptied
 * after: a crash in between leaves chunks to do, so the next run empties it again.
 */
static hm_code restart_table(hm_copy *c, tstate *ts, unsigned *done_chunks, uint64_t *done_rows,
                             hm_err *err)
{
    hm_buf q;
    hm_code rc = HM_OK;
    if (*done_chunks > 0) {
        hm_meta_chunks_free(ts->chunks, ts->nchunks);
        ts->chunks = NULL;
        ts->nchunks = 0;
        rc = hm_meta_reset_chunks(&c->tgt, ts->t->db, ts->t->name, err);
        if (rc == HM_OK)
            rc = hm_meta_load_pending(&c->tgt, ts->t->db, ts->t->name, &ts->chunks, &ts->nchunks,
                                      done_chunks, done_rows, err);
        if (rc != HM_OK)
            return rc;
    }
    if (ts->t->flags & HM_FLAG_SEQUENCE) /* its one row is overwritten, not added */
        return HM_OK;
    hm_buf_init(&q, 4096);
    if (hm_buf_adds(&q, "TRUNCATE TABLE ") != HM_OK || hm_sqlq_table(&q, ts->t->db, ts->t->name) != HM_OK)
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    if (rc == HM_OK)
        rc = hm_conn_execb(&c->tgt, &q, err);
    hm_buf_release(&q);
    return rc;
}

/* Whether t is created without its secondary keys, to build them after its data. */
static bool defer_keys(const hm_copy *c, const hm_table *t)
{
    if (c->o.defer_indexes == HM_DEFER_NEVER ||
        (t->flags & (HM_FLAG_NON_INNODB | HM_FLAG_SEQUENCE | HM_FLAG_VERSIONED)))
        return false;
    if (c->o.defer_indexes == HM_DEFER_AUTO && t->rows_est < DEFER_MIN_ROWS)
        return false;
    return !hm_keydefer_is_parent(&c->cat, t);
}

/* Creates databases and tables, and sets each table's starting state from hotmig_meta. */
static hm_code create_schema(hm_copy *c, hm_err *err)
{
    hm_code rc = HM_OK;
    for (size_t i = 0; i < c->cat.nschemas && rc == HM_OK; i++)
        rc = hm_schema_create_database(&c->tgt, &c->cat.schemas[i], err);
    /* pass 0 the sequences, pass 1 the tables: a column DEFAULT may call NEXTVAL(seq) */
    for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < c->cat.ntables && rc == HM_OK; i++) {
        tstate *ts = &c->ts[i];
        char state[20] = "";
        bool sequence = (c->cat.tables[i].flags & HM_FLAG_SEQUENCE) != 0;
        if (sequence != (pass == 0))
            continue;
        ts->t = &c->cat.tables[i];
        c->rows_est += ts->t->rows_est;
        ts->chunk_rows = c->o.chunk_rows;
        if (!ts->chunk_rows) {
            uint64_t avg = ts->t->rows_est ? ts->t->bytes_est / ts->t->rows_est : 0;
            ts->chunk_rows = avg ? CHUNK_BYTES / avg : CHUNK_ROWS_MAX;
            if (ts->chunk_rows < CHUNK_ROWS_MIN)
                ts->chunk_rows = CHUNK_ROWS_MIN;
            if (ts->chunk_rows > CHUNK_ROWS_MAX)
                ts->chunk_rows = CHUNK_ROWS_MAX;
        }
        if (c->resumed)
            rc = hm_meta_table_state(&c->tgt, ts->t->db, ts->t->name, state, sizeof state, err);
        if (rc != HM_OK)
            break;
        if (state[0] == '\0') {
            hm_buf base;
            hm_buf_init(&base, 1 << 26);
            ts->deferred = defer_keys(c, ts->t) && hm_keydefer_split(ts->t->create_sql, &base);
            rc = hm_schema_create_table(&c->tgt, ts->t, ts->deferred ? base.data : NULL, c->resumed, err);
            hm_buf_release(&base);
            if (rc == HM_OK)
                rc = hm_meta_set_table_state(&c->tgt, ts->t->db, ts->t->name, "created", err);
            ts->state = TS_NEW;
        } else if (strcmp(state, "created") == 0) {
            ts->deferred = true; /* an earlier run's choice: its definition is checked at the end */
            ts->state = TS_NEW;
        } else {
            unsigned done_chunks;
            uint64_t done_rows;
            rc = hm_meta_load_pending(&c->tgt, ts->t->db, ts->t->name, &ts->chunks, &ts->nchunks,
                                      &done_chunks, &done_rows, err);
            if (rc == HM_OK && c->o.incremental && ts->nchunks > 0)
                rc = restart_table(c, ts, &done_chunks, &done_rows, err);
            c->chunks_skipped += done_chunks;
            atomic_fetch_add(&c->rows, done_rows);
            ts->deferred = true;
            ts->state = ts->nchunks ? TS_READY : strcmp(state, "done") == 0 ? TS_DONE : TS_LOADED;
            if (ts->state == TS_DONE)
                atomic_fetch_add(&c->tables_done, 1);
        }
    }
    return rc;
}

static hm_code create_objects(hm_copy *c, hm_err *err)
{
    size_t n = c->cat.nobjects, left = n;
    bool *done = calloc(n + 1, sizeof *done);
    hm_code rc = HM_OK;
    if (!done)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    /* passes: a view that uses a view not yet created is retried in the next pass */
    while (left > 0 && rc == HM_OK) {
        size_t progress = 0;
        hm_err last;
        bool last_set = false;
        for (size_t i = 0; i < n && rc == HM_OK; i++) {
            hm_object *o = &c->cat.objects[i];
            const char *kind = hm_objkind_name(o->kind);
            bool retry;
            if (done[i])
                continue;
            if (c->o.incremental && (o->kind == HM_OBJ_TRIGGER || o->kind == HM_OBJ_EVENT)) {
                done[i] = true; /* created by hm_sync at finish */
                left--;
                progress++;
                continue;
            }
            if (c->resumed && hm_meta_object_done(&c->tgt, kind, o->db, o->name)) {
                done[i] = true;
                left--;
                progress++;
                continue;
            }
            rc = hm_schema_create_object(&c->tgt, o, c->resumed, &retry, err);
            if (rc != HM_OK && retry) {
                last = *err;
                last_set = true;
                rc = HM_OK;
                continue;
            }
            if (rc == HM_OK)
                rc = hm_meta_set_object_done(&c->tgt, kind, o->db, o->name, err);
            if (rc == HM_OK) {
                done[i] = true;
                left--;
                progress++;
            }
        }
        if (rc == HM_OK && progress == 0 && left > 0) {
            if (last_set)
                *err = last;
            rc = last_set ? last.code : hm_err_set(err, HM_EINTERNAL, "cannot create the remaining views");
        }
    }
    free(done);
    return rc;
}

static void fill_result(hm_copy *c, hm_copy_result *res)
{
    size_t off = 0;
    memset(res, 0, sizeof *res);
    snprintf(res->binlog_file, sizeof res->binlog_file, "%s", c->snap.file);
    res->binlog_pos = c->snap.pos;
    snprintf(res->gtid_set, sizeof res->gtid_set, "%s", c->snap.gtid);
    res->lock_held_ms = c->snap.lock_ms;
    res->snapshot_method = c->snap.method ? c->snap.method : "none";
    res->snapshot_attempts = c->snap.lock_ms > 0 ? 0 : c->snap.attempts;
    res->tables_copied = atomic_load(&c->tables_done);
    res->rows_copied = atomic_load(&c->rows);
    res->bytes_copied = atomic_load(&c->bytes);
    res->chunks_skipped = c->chunks_skipped;
    res->resumed = c->resumed;
    res->write_method = c->method == HM_WRITE_INSERT ? "insert" : "load";
    for (size_t i = 0; i < c->cat.ntables; i++) {
        hm_table *t = &c->cat.tables[i];
        int k;
        char why[160] = "";
        if (!(t->flags & (HM_FLAG_NO_KEY | HM_FLAG_NON_INNODB | HM_FLAG_VERSIONED)))
            continue;
        if (t->flags & HM_FLAG_NO_KEY)
            strcat(why, "no key: one stream");
        if (t->flags & HM_FLAG_NON_INNODB)
            snprintf(why + strlen(why), sizeof why - strlen(why), "%s%.64s", why[0] ? "; " : "", t->engine);
        if (t->flags & HM_FLAG_VERSIONED)
            snprintf(why + strlen(why), sizeof why - strlen(why), "%s", why[0] ? "; system-versioned: history "
                     "rows not copied" : "system-versioned: history rows not copied");
        k = snprintf(res->flagged + off, sizeof res->flagged - off, "%s%s.%s (%s)", off ? ", " : "",
                     t->db, t->name, why);
        if (k < 0 || (size_t)k >= sizeof res->flagged - off) {
            snprintf(res->flagged + (sizeof res->flagged - 5), 5, "...");
            break;
        }
        off += (size_t)k;
    }
}

static hm_code run_data(hm_copy *c, rate_window *rw, hm_err *err)
{
    double next = hm_clock_now();
    unsigned indexing = 0;
    atomic_store(&c->alive, c->nthreads);
    for (unsigned i = 0; i < c->nthreads; i++) {
        if (pthread_create(&c->w[i].th, NULL, worker_main, &c->w[i]) != 0) {
            atomic_fetch_sub(&c->alive, c->nthreads - i);
            atomic_store(&c->cancel, true);
            hm_err_set(err, HM_EINTERNAL, "cannot start a worker thread");
            break;
        }
        c->w[i].started = true;
    }
    while (atomic_load(&c->alive) > 0) {
        double now = hm_clock_now();
        /* a table starting or ending its index build is told at once */
        if (now >= next || atomic_load(&c->indexing) != indexing) {
            indexing = atomic_load(&c->indexing);
            report(c, rw, false);
            next = now + c->o.progress_interval_ms / 1000.0;
        }
        hm_clock_sleep(0.05);
    }
    for (unsigned i = 0; i < c->nthreads; i++)
        if (c->w[i].started)
            pthread_join(c->w[i].th, NULL);
    if (atomic_load(&c->failed)) {
        *err = c->first_err;
        return err->code;
    }
    if (atomic_load(&c->cancel))
        return hm_err_set(err, HM_ECANCELLED, "cancelled; run the same command again to resume");
    for (size_t i = 0; i < c->cat.ntables; i++)
        if (c->ts[i].state != TS_DONE)
            return hm_err_set(err, HM_EINTERNAL, "table %s.%s was left unfinished", c->ts[i].t->db,
                              c->ts[i].t->name);
    return HM_OK;
}

hm_code hm_copy_run(hm_copy *c, hm_copy_result *res, hm_err *err)
{
    rate_window rw;
    hm_meta_run run;
    char fp[40];
    hm_code rc;
    const char *unused;

    memset(&rw, 0, sizeof rw);
    memset(res, 0, sizeof *res);
    if (c->ran)
        return hm_err_set(err, HM_EUSAGE, "hm_copy_run called twice");
    c->ran = true;
    c->t0 = hm_clock_now();
    set_stage(c, HM_STAGE_CONNECT, &rw);

    /* the precheck: nothing is written to the target while one of its items FAILS */
    if ((rc = hm_check_before_copy(&c->o, NULL, err)) != HM_OK)
        goto out;
    if ((rc = hm_conn_open(&c->src, &c->o.source, "source", 0, err)) != HM_OK)
        goto out;
    if ((rc = hm_conn_open(&c->tgt, &c->o.target, "target", 0, err)) != HM_OK)
        goto out;
    if ((rc = hm_schema_session(&c->tgt, err)) != HM_OK)
        goto out;
    if ((rc = hm_conn_exec(&c->src, "SET SESSION sql_mode = '', sql_quote_show_create = 1", err)) != HM_OK)
        goto out;
    if ((rc = hm_catalog_load_schemas(&c->cat, &c->src, &c->sel, err)) != HM_OK)
        goto out;
    if ((rc = hm_privs_check_source(&c->src, &c->cat, err)) != HM_OK)
        goto out;
    if ((rc = hm_catalog_load(&c->cat, &c->src, &c->sel, err)) != HM_OK)
        goto out;
    if ((unused = hm_select_unused(&c->sel)) != NULL) {
        rc = hm_err_set(err, HM_EPATTERN,
                        "--include '%s' matches nothing on source %s; check the database and table names "
                        "(patterns are case-sensitive)", unused, c->src.addr);
        goto out;
    }
    if (c->cat.ntables == 0 && c->cat.nobjects == 0 && c->cat.nschemas == 0) {
        rc = hm_err_set(err, HM_EPATTERN, "source %s has no user database to copy", c->src.addr);
        goto out;
    }
    if ((rc = check_select_privilege(c, err)) != HM_OK)
        goto out;
    if ((rc = choose_method(c, err)) != HM_OK)
        goto out;

    fingerprint(c, fp);
    if ((rc = hm_meta_read_run(&c->tgt, &run, err)) != HM_OK)
        goto out;
    if (run.exists && strcmp(run.fingerprint, fp) == 0 && strcmp(run.state, "done") == 0) {
        c->resumed = true;
        snprintf(c->snap.file, sizeof c->snap.file, "%s", run.binlog_file);
        c->snap.pos = run.binlog_pos;
        snprintf(c->snap.gtid, sizeof c->snap.gtid, "%s", run.gtid_set);
        c->snap.method = "already complete";
        c->stage = HM_STAGE_DONE;
        goto out;
    }
    if (run.exists && strcmp(run.state, "copying") == 0 && strcmp(run.fingerprint, fp) != 0) {
        rc = hm_err_set(err, HM_ESTATE,
                        "target %s holds an unfinished copy of a different selection (hotmig_meta.copy_run); "
                        "rerun it with its original --include/--exclude to resume, or drop its tables and "
                        "the hotmig_meta database on the target to start over", c->tgt.addr);
        goto out;
    }
    c->resumed = run.exists && strcmp(run.state, "copying") == 0;
    if (!c->resumed) {
        hm_buf list;
        size_t n = 0;
        hm_buf_init(&list, 4096);
        rc = hm_schema_conflicts(&c->tgt, &c->cat, &list, &n, err);
        if (rc == HM_OK && n > 0)
            rc = hm_err_set(err, HM_ECONFLICT,
                            "target %s already holds %zu of the objects to migrate: %s; drop them on the "
                            "target or --exclude them", c->tgt.addr, n, list.data ? list.data : "");
        hm_buf_release(&list);
        if (rc != HM_OK)
            goto out;
    }

    set_stage(c, HM_STAGE_SNAPSHOT, &rw);
    if ((rc = open_workers(c, err)) != HM_OK)
        goto out;
    {
        hm_conn **srcs = malloc(c->nthreads * sizeof *srcs);
        if (!srcs) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            goto out;
        }
        for (unsigned i = 0; i < c->nthreads; i++)
            srcs[i] = &c->w[i].src;
        rc = hm_snapshot_take(&c->src, srcs, c->nthreads, LOCK_WAIT_S, &c->snap, err);
        free(srcs);
        if (rc != HM_OK)
            goto out;
    }

    set_stage(c, HM_STAGE_SCHEMA, &rw);
    if ((rc = hm_meta_init(&c->tgt, err)) != HM_OK)
        goto out;
    if (!c->resumed &&
        (rc = hm_meta_start_run(&c->tgt, fp, c->snap.file, c->snap.pos, c->snap.gtid, err)) != HM_OK)
        goto out;
    c->ts = calloc(c->cat.ntables + 1, sizeof *c->ts);
    if (!c->ts) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = create_schema(c, err)) != HM_OK)
        goto out;

    set_stage(c, HM_STAGE_DATA, &rw);
    if ((rc = run_data(c, &rw, err)) != HM_OK)
        goto out;
    for (unsigned i = 0; i < c->nthreads; i++) { /* release the snapshot */
        hm_conn_close(&c->w[i].src);
        hm_conn_close(&c->w[i].tgt);
    }

    set_stage(c, HM_STAGE_OBJECTS, &rw);
    if ((rc = create_objects(c, err)) != HM_OK)
        goto out;
    if ((rc = hm_meta_finish_run(&c->tgt, err)) != HM_OK)
        goto out;
    c->stage = HM_STAGE_DONE;
out:
    if (rc == HM_OK && atomic_load(&c->cancel))
        rc = hm_err_set(err, HM_ECANCELLED, "cancelled; run the same command again to resume");
    fill_result(c, res);
    if (rc == HM_OK)
        report(c, &rw, true);
    return rc;
}
