/*
 * verify/verify.c: the verification task: hm_verify_new / hm_verify_run / hm_verify_cancel /
 * hm_verify_free.
 *
 * Owns the control connections, the catalog of the selection, the workers (each with one source
 * connection and two target connections: one compares, one records in hotmig_meta) and the
 * per-table state.
 *
 * hm_verify_run:
 *   1. connect; read the selection's catalog from the source (copy/catalog.c) and which columns
 *      hold JSON; every selected table must exist on the target.
 *   2. hotmig_meta: go on with an unfinished run of the same servers and selection, or start one.
 *   3. workers take tables one at a time; a table's chunks are compared in key order:
 *
 *        table:  (no row) --first chunk--> comparing --last chunk--> equal | differs
 *
 *      chunk i covers (bound(i-1), bound(i)] of the key, the first one unbounded below and the
 *      last unbounded above, so that rows only the target has are inside some chunk. A bound is
 *      found by arithmetic on an integer key (the width adapted to the rows found) or by walking
 *      the source's key (LIMIT 1 OFFSET n); either way the size adapts to take about
 *      CHUNK_SECONDS, its joined text kept under half of the servers' max_allowed_packet (where
 *      GROUP_CONCAT cuts); a chunk a server cut all the same is compared again at half the size
 *      (or narrowed, when it cannot shrink). A chunk whose aggregates differ is compared again
 *      after a pause (the source may be being written), up to `rechecks` times, then narrowed to
 *      rows (chunk.c).
 *      The chunk's differences and the table's new bound commit in one target transaction.
 *      A table without a usable key is one chunk, compared as a multiset.
 *   4. the fix SQL (fixsql.c), the differences to the callback, the run marked done.
 *
 * Threads: hm_verify_run's thread renders progress; workers touch atomics, and v->mu to take a
 * table and to say they ended (v->ended wakes the run's thread). hm_verify_cancel only sets an
 * atomic flag.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "copy/catalog.h"
#include "copy/keylit.h"
#include "copy/select.h"
#include "copy/snapshot.h"
#include "copy/throttle.h"
#include "db/sqlq.h"
#include "util/clock.h"
#include "util/err.h"
#include "verify/chunk.h"
#include "verify/fixsql.h"
#include "verify/meta.h"

#define DEFAULT_THREADS 4
#define DEFAULT_RECHECKS 3
#define CHUNK_SECONDS 0.5
#define CHUNK_ROWS_FIRST 20000
#define CHUNK_ROWS_MIN 1000
#define CHUNK_ROWS_MAX 2000000
#define CHUNK_BYTES (16u << 20) /* a keyed chunk's rows are joined on each server: at most about this,
                                   and half of the smaller max_allowed_packet (where GROUP_CONCAT
                                   stops) */
#define DIFF_FLUSH (1u << 20) /* bytes of recorded differences per INSERT */
#define COMMIT_SECONDS 1.0     /* recorded progress is committed at least this often */
#define BATCH_SECONDS 2.0     /* with a sync: how long one pair of snapshots is compared at most */

typedef struct vtable {
    hm_table *t;
    bool *json;              /* per column, owned */
    bool *nullable;          /* per column, owned: either server allows NULL */
    hm_verify_meta_table mt; /* what is recorded (owned bound) */
    bool failed;
} vtable;

typedef struct worker {
    struct hm_verify *v;
    hm_conn src, tgt, meta;
    pthread_t th;
    bool started;
    bool in_batch;           /* with a sync: src and tgt are inside the snapshots of a common point */
    double batch_t0;
} worker;

struct hm_verify {
    hm_verify_opts o;
    atomic_bool cancel;
    hm_select sel;
    hm_catalog cat;
    hm_conn src, tgt;
    hm_verify_dialect ds, dt;
    hm_throttle throttle;
    unsigned nthreads;
    worker *w;
    vtable *vt;
    hm_verify_cols *cols;    /* per table: vt[i].json and .nullable, for fixsql */
    size_t next;
    pthread_mutex_t mu;
    atomic_bool failed;
    hm_err first_err;
    _Atomic uint64_t rows, bytes, chunks, skipped, rechecks, points;
    _Atomic uint64_t pause_us_max;
    atomic_uint tables_done, alive;
    pthread_cond_t ended;    /* with mu: a worker ended (alive went down) */
    uint64_t rows_est;
    uint64_t max_text;       /* the smaller max_allowed_packet: longest joined text of a chunk */
    char sep[HM_VERIFY_TOKEN_LEN + 1], null_tok[HM_VERIFY_TOKEN_LEN + 1]; /* this run's (canon.h) */
    double chunk_bytes;      /* the joined text of a chunk is sized to about this */
    bool resumed, ran;
    double t0;
};

const char *hm_verify_kind_name(hm_verify_kind k)
{
    switch (k) {
    case HM_VERIFY_MISSING: return "missing";
    case HM_VERIFY_EXTRA: return "extra";
    case HM_VERIFY_CHANGED: return "changed";
    }
    return "?";
}

hm_verify *hm_verify_new(const hm_verify_opts *opts, hm_err *err)
{
    hm_verify *v;
    if (!opts->source.host || !opts->target.host || !opts->source.user || !opts->target.user) {
        hm_err_set(err, HM_EUSAGE, "source and target need a host and a user");
        return NULL;
    }
    v = calloc(1, sizeof *v);
    if (!v) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    v->o = *opts;
    v->nthreads = opts->threads ? opts->threads : DEFAULT_THREADS;
    if (!v->o.rechecks)
        v->o.rechecks = DEFAULT_RECHECKS;
    if (!v->o.progress_interval_ms)
        v->o.progress_interval_ms = 1000;
    atomic_init(&v->cancel, false);
    atomic_init(&v->failed, false);
    pthread_mutex_init(&v->mu, NULL);
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&v->ended, &ca);
        pthread_condattr_destroy(&ca);
    }
    hm_throttle_init(&v->throttle, opts->max_rows_per_sec);
    return v;
}

void hm_verify_cancel(hm_verify *v)
{
    atomic_store(&v->cancel, true);
}

void hm_verify_free(hm_verify *v)
{
    if (!v)
        return;
    for (size_t i = 0; v->vt && i < v->cat.ntables; i++) {
        free(v->vt[i].json);
        free(v->vt[i].nullable);
        hm_verify_meta_table_release(&v->vt[i].mt);
    }
    free(v->vt);
    free(v->cols);
    free(v->w);
    hm_catalog_release(&v->cat);
    hm_select_release(&v->sel);
    hm_conn_close(&v->src);
    hm_conn_close(&v->tgt);
    hm_throttle_release(&v->throttle);
    pthread_cond_destroy(&v->ended);
    pthread_mutex_destroy(&v->mu);
    free(v);
}

static void fail(hm_verify *v, const hm_err *e)
{
    pthread_mutex_lock(&v->mu);
    if (!atomic_load(&v->failed)) {
        v->first_err = *e;
        atomic_store(&v->failed, true);
    }
    pthread_mutex_unlock(&v->mu);
}

/* --- integer keys: bounds by arithmetic --- */

static hm_code pack_i128(hm_buf *b, __int128 v)
{
    char tmp[48], num[48];
    size_t n = 0, k = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    char *vals[1];
    unsigned long lens[1];
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (neg)
        num[k++] = '-';
    while (n)
        num[k++] = tmp[--n];
    num[k] = '\0';
    vals[0] = num;
    lens[0] = (unsigned long)k;
    hm_buf_reset(b);
    return hm_keylit_pack(b, vals, lens, 1);
}

/* MIN and MAX of an integer key over both servers (*empty when neither has a row). */
static hm_code int_span(worker *w, const hm_table *t, __int128 *mn, __int128 *mx, bool *empty, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    *empty = true;
    hm_buf_init(&q, 4096);
    rc = hm_buf_adds(&q, "SELECT MIN(");
    if (rc == HM_OK) rc = hm_sqlq_ident(&q, t->cols[t->key[0]].name);
    if (rc == HM_OK) rc = hm_buf_adds(&q, "), MAX(");
    if (rc == HM_OK) rc = hm_sqlq_ident(&q, t->cols[t->key[0]].name);
    if (rc == HM_OK) rc = hm_buf_adds(&q, ") FROM ");
    if (rc == HM_OK) rc = hm_sqlq_table(&q, t->db, t->name);
    if (rc != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    for (int side = 0; side < 2 && rc == HM_OK; side++) {
        MYSQL_RES *res = NULL;
        MYSQL_ROW row;
        rc = hm_conn_query(side ? &w->tgt : &w->src, q.data, &res, err);
        row = rc == HM_OK && res ? mysql_fetch_row(res) : NULL;
        if (row && row[0] && row[1]) {
            unsigned long *len = mysql_fetch_lengths(res);
            __int128 a, b;
            if (hm_keylit_parse_int(row[0], len[0], &a) && hm_keylit_parse_int(row[1], len[1], &b)) {
                if (*empty || a < *mn)
                    *mn = a;
                if (*empty || b > *mx)
                    *mx = b;
                *empty = false;
            }
        }
        if (res)
            mysql_free_result(res);
    }
    hm_buf_release(&q);
    return rc;
}

/* The next walked bound: the source's key n rows after lo (*found false: none, the last chunk). */
static hm_code walk_bound(worker *w, const hm_table *t, const hm_buf *lo, bool have_lo, uint64_t n, hm_buf *out,
                          bool *found, hm_err *err)
{
    hm_buf q;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;
    *found = false;
    hm_buf_init(&q, 1 << 24);
    rc = hm_buf_adds(&q, "SELECT ");
    if (rc == HM_OK) rc = hm_keylit_columns(&q, t);
    if (rc == HM_OK) rc = hm_buf_adds(&q, " FROM ");
    if (rc == HM_OK) rc = hm_sqlq_table(&q, t->db, t->name);
    if (rc == HM_OK) rc = hm_buf_adds(&q, " FORCE INDEX (");
    if (rc == HM_OK) rc = hm_sqlq_ident(&q, t->key_name);
    if (rc == HM_OK) rc = hm_buf_addc(&q, ')');
    if (rc == HM_OK && have_lo) {
        rc = hm_buf_adds(&q, " WHERE ");
        if (rc == HM_OK) rc = hm_keylit_cond(&q, t, lo->data, lo->len, true);
    }
    if (rc == HM_OK) rc = hm_buf_adds(&q, " ORDER BY ");
    if (rc == HM_OK) rc = hm_keylit_columns(&q, t);
    if (rc == HM_OK) rc = hm_buf_addf(&q, " LIMIT 1 OFFSET %llu", (unsigned long long)(n - 1));
    if (rc != HM_OK)
        rc = hm_err_set(err, HM_EINTERNAL, "cannot build a chunk bound for %s.%s", t->db, t->name);
    else
        rc = hm_conn_query(&w->src, q.data, &res, err);
    hm_buf_release(&q);
    if (rc != HM_OK)
        return rc;
    row = res ? mysql_fetch_row(res) : NULL;
    if (row) {
        hm_buf_reset(out);
        rc = hm_keylit_pack(out, row, mysql_fetch_lengths(res), t->nkey);
        *found = rc == HM_OK;
    }
    if (res)
        mysql_free_result(res);
    return rc;
}

/* --- recording --- */

typedef struct chunk_rec {
    worker *w;
    vtable *vt;
    hm_buf ins;   /* differences not yet sent */
    bool in_trx;
    uint64_t found;
    double committed_at;
} chunk_rec;

static hm_code rec_begin(chunk_rec *r, hm_err *err)
{
    if (r->in_trx)
        return HM_OK;
    r->in_trx = true;
    return hm_conn_exec(&r->w->meta, "START TRANSACTION", err);
}

static hm_code rec_flush(chunk_rec *r, hm_err *err)
{
    hm_code rc;
    if (!r->ins.len)
        return HM_OK;
    rc = rec_begin(r, err);
    if (rc == HM_OK)
        rc = hm_conn_execb(&r->w->meta, &r->ins, err);
    hm_buf_reset(&r->ins);
    return rc;
}

static hm_code rec_sink(void *ud, const char *kind, const char *key, size_t key_len, const char *key_text,
                        const char *cols, uint64_t copies, hm_err *err)
{
    chunk_rec *r = ud;
    r->found++;
    if (hm_verify_meta_diff_sql(&r->ins, r->vt->t->db, r->vt->t->name, kind, key, key_len, key_text, cols, copies)
        != HM_OK)
        return hm_err_set(err, HM_ENOMEM, "out of memory recording a difference");
    return r->ins.len >= DIFF_FLUSH ? rec_flush(r, err) : HM_OK;
}

/* Records the chunk's differences and the table's progress in the open transaction, which is
 * committed when `force` (the table's last chunk) or COMMIT_SECONDS after the last commit: a
 * commit per chunk would cost the target an fsync each (its durability settings stay), and a
 * kill only loses the chunks of the uncommitted second, compared again by the next run. */
static hm_code rec_commit(chunk_rec *r, bool force, hm_err *err)
{
    hm_buf q;
    hm_code rc = rec_flush(r, err);
    if (rc == HM_OK)
        rc = rec_begin(r, err);
    hm_buf_init(&q, 1 << 25);
    if (rc == HM_OK && hm_verify_meta_table_sql(&q, r->vt->t->db, r->vt->t->name, &r->vt->mt) != HM_OK)
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    if (rc == HM_OK)
        rc = hm_conn_execb(&r->w->meta, &q, err);
    hm_buf_release(&q);
    if (rc == HM_OK && !force && hm_clock_now() - r->committed_at < COMMIT_SECONDS)
        return HM_OK;
    if (rc == HM_OK)
        rc = hm_conn_exec(&r->w->meta, "COMMIT", err);
    r->in_trx = false;
    r->committed_at = hm_clock_now();
    return rc;
}

static void rec_abort(chunk_rec *r)
{
    hm_err ignore;
    if (r->in_trx)
        hm_conn_exec(&r->w->meta, "ROLLBACK", &ignore);
    r->in_trx = false;
    hm_buf_reset(&r->ins);
}

/* Sets the table's final state, inside the last chunk's transaction: 'differs' when any chunk,
 * of this run or of the runs it continues, recorded a difference. */
static hm_code final_state(chunk_rec *r, hm_err *err)
{
    const hm_table *t = r->vt->t;
    char cnt[32] = "0";
    bool found = false;
    hm_buf q;
    hm_code rc = rec_flush(r, err);
    if (rc == HM_OK)
        rc = rec_begin(r, err);
    hm_buf_init(&q, 4096);
    if (rc == HM_OK &&
        (hm_buf_adds(&q, "SELECT COUNT(*) FROM `hotmig_meta`.`verify_diff` WHERE db = ") != HM_OK ||
         hm_sqlq_hex(&q, t->db, strlen(t->db)) != HM_OK || hm_buf_adds(&q, " AND tbl = ") != HM_OK ||
         hm_sqlq_hex(&q, t->name, strlen(t->name)) != HM_OK))
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    if (rc == HM_OK)
        rc = hm_conn_value(&r->w->meta, q.data, cnt, sizeof cnt, &found, err);
    hm_buf_release(&q);
    if (rc == HM_OK)
        snprintf(r->vt->mt.state, sizeof r->vt->mt.state, "%s", strcmp(cnt, "0") != 0 ? "differs" : "equal");
    return rc;
}

/* --- common points with a running sync --- */

static hm_code batch_close(worker *w, hm_err *err)
{
    hm_code rc;
    if (!w->in_batch)
        return HM_OK;
    w->in_batch = false;
    rc = hm_conn_exec(&w->src, "COMMIT", err);
    return rc == HM_OK ? hm_conn_exec(&w->tgt, "COMMIT", err) : rc;
}

/* Opens a common point: the applier paused, a source snapshot with its coordinates, the applier
 * through exactly those, a target snapshot, the applier on its way again. */
static hm_code batch_open(worker *w, hm_err *err)
{
    hm_verify *v = w->v;
    hm_conn *ws[1] = {&w->src};
    hm_snapshot snap;
    double t0;
    uint64_t us, max;
    hm_err ignore;
    double paused;           /* how long the applier stood still: while the source snapshot was
                                taken, and from its reaching that point until it was let go */
    hm_code rc = v->o.sync_point(HM_VERIFY_SYNC_PAUSE, NULL, 0, v->o.sync_point_ud, err);
    if (rc != HM_OK)
        return rc;
    t0 = hm_clock_now();
    paused = 0;
    /* A transaction can reach the applier (written to the binlog) before snapshots see it
     * (committed in the engine): then the applier is past the snapshot, and stays paused where it
     * is; a new snapshot a moment later includes it. */
    for (unsigned attempt = 0;; attempt++) {
        memset(&snap, 0, sizeof snap);
        rc = hm_snapshot_take(&v->src, ws, 1, 10, &snap, err);
        if (rc == HM_OK && !snap.file[0])
            rc = hm_err_set(err, HM_ESNAPSHOT, "the source %s has no binlog coordinates for its snapshot; a "
                            "common point with the sync needs the binlog on", v->src.addr);
        paused += hm_clock_now() - t0;
        if (rc == HM_OK)
            rc = v->o.sync_point(HM_VERIFY_SYNC_ADVANCE, snap.file, snap.pos, v->o.sync_point_ud, err);
        t0 = hm_clock_now();
        if (rc != HM_ESNAPSHOT || attempt >= 50 || !snap.file[0])
            break;
        hm_conn_exec(&w->src, "ROLLBACK", &ignore);
        hm_clock_sleep(0.001);
    }
    t0 = hm_clock_now();
    if (rc == HM_OK)
        rc = hm_conn_exec(&w->tgt, "START TRANSACTION WITH CONSISTENT SNAPSHOT", err);
    /* the applier goes on whatever happened */
    if (v->o.sync_point(HM_VERIFY_SYNC_RESUME, NULL, 0, v->o.sync_point_ud, rc == HM_OK ? err : &ignore) != HM_OK &&
        rc == HM_OK)
        rc = err->code;
    us = (uint64_t)((paused + hm_clock_now() - t0) * 1e6);
    max = atomic_load(&v->pause_us_max);
    while (us > max && !atomic_compare_exchange_weak(&v->pause_us_max, &max, us))
        ;
    if (rc != HM_OK) {
        hm_conn_exec(&w->src, "ROLLBACK", &ignore);
        hm_conn_exec(&w->tgt, "ROLLBACK", &ignore);
        return rc;
    }
    atomic_fetch_add(&v->points, 1);
    w->in_batch = true;
    w->batch_t0 = hm_clock_now();
    return HM_OK;
}

/* With a sync: a batch is open, and not older than BATCH_SECONDS. */
static hm_code batch_ensure(worker *w, hm_err *err)
{
    hm_code rc = HM_OK;
    if (!w->v->o.sync_point)
        return HM_OK;
    if (w->in_batch && hm_clock_now() - w->batch_t0 > BATCH_SECONDS)
        rc = batch_close(w, err);
    if (rc == HM_OK && !w->in_batch)
        rc = batch_open(w, err);
    return rc;
}

/* --- one chunk --- */

/* Compares one chunk (where NULL: the whole table), re-checking and narrowing as needed. *rows:
 * the source's rows in it. A keyed chunk whose joined rows a server cut (chunk.h) proves nothing:
 * with can_shrink, *cut is set and nothing else is done (the caller compares a smaller chunk);
 * otherwise the chunk is narrowed to rows, which needs no aggregate. */
static hm_code compare_chunk(worker *w, vtable *vt, const hm_verify_tctx *x, const char *where, chunk_rec *r,
                             bool can_shrink, bool *cut, uint64_t *rows, hm_err *err)
{
    hm_verify *v = w->v;
    hm_verify_sum s, t, s0;
    hm_code rc = hm_verify_chunk_sums(x, where, &s, &t, err);
    *cut = false;
    if (rc != HM_OK)
        return rc;
    *rows = s.rows;
    if ((s.cut || t.cut) && can_shrink) {
        *cut = true;
        return HM_OK;
    }
    s0 = s;
    for (unsigned k = 0; !v->o.sync_point && k < v->o.rechecks && !s.cut && !t.cut &&
                         (s.rows != t.rows || strcmp(s.sum, t.sum) != 0); k++) {
        if (atomic_load(&v->cancel))
            return hm_err_set(err, HM_ECANCELLED, "cancelled");
        atomic_fetch_add(&v->rechecks, 1);
        vt->mt.rechecks++;
        hm_clock_sleep(0.2 * (k + 1));
        if ((rc = hm_verify_chunk_sums(x, where, &s, &t, err)) != HM_OK)
            return rc;
        if (s.rows != s0.rows || strcmp(s.sum, s0.sum) != 0)
            vt->mt.written = true;
    }
    *rows = s.rows;
    if (!s.cut && !t.cut && s.rows == t.rows && strcmp(s.sum, t.sum) == 0)
        return HM_OK;
    return vt->t->nkey ? hm_verify_chunk_rows(x, where, rec_sink, r, err)
                       : hm_verify_chunk_multiset(x, rec_sink, r, err);
}

static hm_code range_where(hm_buf *q, const hm_table *t, const hm_buf *lo, bool have_lo, const hm_buf *hi,
                           bool have_hi)
{
    hm_code rc = HM_OK;
    hm_buf_reset(q);
    if (have_lo)
        rc = hm_keylit_cond(q, t, lo->data, lo->len, true);
    if (rc == HM_OK && have_lo && have_hi)
        rc = hm_buf_adds(q, " AND ");
    if (rc == HM_OK && have_hi)
        rc = hm_keylit_cond(q, t, hi->data, hi->len, false);
    if (rc == HM_OK && !have_lo && !have_hi)
        rc = hm_buf_adds(q, "1");
    return rc;
}

/* n rows, within CHUNK_ROWS_MIN..CHUNK_ROWS_MAX, and at most `bytes` of text at text_row a row
 * (even below CHUNK_ROWS_MIN: a chunk's text must fit in what the servers join) */
static uint64_t clamp_rows(double n, double text_row, double bytes)
{
    double cap = bytes / text_row;
    if (n < CHUNK_ROWS_MIN)
        n = CHUNK_ROWS_MIN;
    if (n > CHUNK_ROWS_MAX)
        n = CHUNK_ROWS_MAX;
    if (n > cap)
        n = cap;
    return n < 1 ? 1 : (uint64_t)n;
}

/* --- one table --- */

static hm_code table_run(worker *w, vtable *vt, hm_err *err)
{
    hm_verify *v = w->v;
    hm_table *t = vt->t;
    hm_verify_tctx x = {&w->src, &w->tgt, t, {vt->json, vt->nullable}, v->ds, v->dt, &v->cancel,
                        v->sep, v->null_tok};
    chunk_rec r = {w, vt, {0}, false, 0, hm_clock_now()};
    hm_buf lo, hi, where;
    bool have_lo = vt->mt.bound != NULL, have_hi, int_mode = false, empty = true;
    __int128 mn = 0, mx = 0, cur = 0, width = 0;
    uint64_t n_rows = v->o.chunk_rows ? v->o.chunk_rows : CHUNK_ROWS_FIRST;
    double avg_row = t->rows_est ? (double)t->bytes_est / (double)t->rows_est : 100;
    double text_row = avg_row; /* bytes of canonical text per row: the stored size, or more once a
                                  server cut a chunk */
    bool cut, can_shrink;
    hm_code rc = HM_OK;

    if (vt->mt.exists && strcmp(vt->mt.state, "comparing") != 0) { /* done by an earlier run */
        atomic_fetch_add(&v->skipped, vt->mt.chunks);
        atomic_fetch_add(&v->rows, vt->mt.rows);
        return HM_OK;
    }
    if (vt->mt.exists) {
        atomic_fetch_add(&v->skipped, vt->mt.chunks);
        atomic_fetch_add(&v->rows, vt->mt.rows);
    }
    hm_buf_init(&r.ins, (size_t)1 << 26);
    hm_buf_init(&lo, 1 << 24);
    hm_buf_init(&hi, 1 << 24);
    hm_buf_init(&where, 1 << 26);
    if (have_lo && hm_buf_add(&lo, vt->mt.bound, vt->mt.bound_len) != HM_OK) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(vt->mt.state, sizeof vt->mt.state, "comparing");
    if (!v->o.chunk_rows)
        n_rows = clamp_rows((double)n_rows, text_row, v->chunk_bytes);
    if (!t->key) { /* a multiset: one chunk */
        uint64_t rows = 0;
        rc = batch_ensure(w, err);
        if (rc == HM_OK)
            rc = compare_chunk(w, vt, &x, NULL, &r, false, &cut, &rows, err);
        if (rc == HM_OK) {
            vt->mt.chunks = 1;
            vt->mt.rows = rows;
            snprintf(vt->mt.state, sizeof vt->mt.state, "%s", r.found ? "differs" : "equal");
            rc = rec_commit(&r, true, err);
        }
        atomic_fetch_add(&v->rows, rows);
        atomic_fetch_add(&v->bytes, (uint64_t)((double)rows * avg_row));
        atomic_fetch_add(&v->chunks, 1);
        goto out;
    }
    if ((rc = batch_ensure(w, err)) != HM_OK)
        goto out;
    if (t->nkey == 1 && hm_keylit_is_int_type(t->cols[t->key[0]].data_type)) {
        rc = int_span(w, t, &mn, &mx, &empty, err);
        if (rc != HM_OK)
            goto out;
        int_mode = true;
        if (have_lo) {
            const char *vals[1];
            size_t lens[1];
            if (hm_keylit_unpack(lo.data, lo.len, 1, vals, lens) != HM_OK || !hm_keylit_parse_int(vals[0], lens[0], &cur)) {
                rc = hm_err_set(err, HM_ESTATE, "hotmig_meta.verify_table holds a bad bound for %s.%s", t->db, t->name);
                goto out;
            }
        } else {
            cur = mn - 1;
        }
        width = (__int128)n_rows;
    }
    for (;;) {
        uint64_t rows = 0;
        double t0 = hm_clock_now(), dt;
        if (atomic_load(&v->cancel) || atomic_load(&v->failed)) {
            rc = hm_err_set(err, HM_ECANCELLED, "cancelled");
            break;
        }
        if ((rc = batch_ensure(w, err)) != HM_OK)
            break;
        /* the upper bound of this chunk */
        if (int_mode) {
            have_hi = !empty && cur < mx;
            if (have_hi && (rc = pack_i128(&hi, cur + width)) != HM_OK) {
                rc = hm_err_set(err, HM_ENOMEM, "out of memory");
                break;
            }
        } else {
            rc = walk_bound(w, t, &lo, have_lo, n_rows, &hi, &have_hi, err);
            if (rc != HM_OK)
                break;
        }
        if ((rc = range_where(&where, t, &lo, have_lo, &hi, have_hi)) != HM_OK) {
            rc = hm_err_set(err, HM_EINTERNAL, "cannot build a chunk range for %s.%s", t->db, t->name);
            break;
        }
        /* a chunk cut by a server is compared again at half the size (an integer key's last chunk,
         * unbounded above, and a single key are narrowed instead) */
        can_shrink = int_mode ? have_hi && width > 1 : n_rows > 1;
        rc = compare_chunk(w, vt, &x, where.data, &r, can_shrink, &cut, &rows, err);
        if (rc != HM_OK)
            break;
        if (cut) {
            if (rows && (double)v->max_text / (double)rows > text_row)
                text_row = (double)v->max_text / (double)rows; /* the rows' text is at least this */
            if (int_mode)
                width = width / 2 > 0 ? width / 2 : 1;
            else
                n_rows = n_rows / 2 > 0 ? n_rows / 2 : 1;
            continue;
        }
        vt->mt.chunks++;
        vt->mt.rows += rows;
        free(vt->mt.bound);
        vt->mt.bound = NULL;
        vt->mt.bound_len = 0;
        if (have_hi) {
            vt->mt.bound = hm_buf_memdupz(hi.data, hi.len);
            vt->mt.bound_len = hi.len;
            if (!vt->mt.bound) {
                rc = hm_err_set(err, HM_ENOMEM, "out of memory");
                break;
            }
        } else if ((rc = final_state(&r, err)) != HM_OK) {
            break;
        }
        if ((rc = rec_commit(&r, !have_hi, err)) != HM_OK)
            break;
        atomic_fetch_add(&v->rows, rows);
        atomic_fetch_add(&v->bytes, (uint64_t)((double)rows * avg_row));
        atomic_fetch_add(&v->chunks, 1);
        if (v->o.max_rows_per_sec)
            hm_throttle_take(&v->throttle, rows, &v->cancel);
        if (!have_hi)
            break;
        /* the next chunk: sized to take about CHUNK_SECONDS */
        dt = hm_clock_now() - t0;
        if (!v->o.chunk_rows) {
            double f = dt > 0.001 ? CHUNK_SECONDS / dt : 2;
            if (f > 2)
                f = 2;
            if (f < 0.5)
                f = 0.5;
            if (int_mode && rows) { /* the same density: the rows wanted over the rows per key unit */
                double want = (double)rows * f;
                if (want * text_row > v->chunk_bytes)
                    want = v->chunk_bytes / text_row;
                width = (__int128)((double)width * want / (double)rows);
            } else if (int_mode) {
                width *= 2;
            }
            n_rows = clamp_rows((double)n_rows * f, text_row, v->chunk_bytes);
            if (int_mode && width < 1)
                width = 1;
            if (int_mode && width > (__int128)1 << 100)
                width = (__int128)1 << 100;
        }
        hm_buf_reset(&lo);
        if (hm_buf_add(&lo, hi.data, hi.len) != HM_OK) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            break;
        }
        have_lo = true;
        if (int_mode) {
            const char *vals[1];
            size_t lens[1];
            if (hm_keylit_unpack(lo.data, lo.len, 1, vals, lens) != HM_OK || !hm_keylit_parse_int(vals[0], lens[0], &cur)) {
                rc = hm_err_set(err, HM_EINTERNAL, "bad bound for %s.%s", t->db, t->name);
                break;
            }
        }
    }
out:
    if (rc != HM_OK)
        rec_abort(&r);
    hm_buf_release(&r.ins);
    hm_buf_release(&lo);
    hm_buf_release(&hi);
    hm_buf_release(&where);
    if (rc != HM_OK && rc != HM_ECANCELLED && !strstr(err->msg, t->name))
        hm_err_prefix(err, "%s.%s", t->db, t->name);
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    hm_verify *v = w->v;
    for (;;) {
        vtable *vt = NULL;
        hm_err e;
        hm_code rc;
        memset(&e, 0, sizeof e);
        pthread_mutex_lock(&v->mu);
        if (v->next < v->cat.ntables && !atomic_load(&v->failed) && !atomic_load(&v->cancel))
            vt = &v->vt[v->next++];
        pthread_mutex_unlock(&v->mu);
        if (!vt)
            break;
        rc = table_run(w, vt, &e);
        if (rc != HM_OK) {
            vt->failed = true;
            if (rc == HM_ECANCELLED && !atomic_load(&v->cancel))
                break; /* another worker failed first */
            fail(v, &e);
            break;
        }
        atomic_fetch_add(&v->tables_done, 1);
    }
    if (w->in_batch) {
        hm_err e;
        if (batch_close(w, &e) != HM_OK)
            fail(v, &e);
    }
    pthread_mutex_lock(&v->mu);
    atomic_fetch_sub(&v->alive, 1);
    pthread_cond_signal(&v->ended);
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

/* --- setup --- */

static void fingerprint(hm_verify *v, char out[40])
{
    uint64_t h = 1469598103934665603ULL;
    const char *parts[4] = {v->src.addr, v->tgt.addr, NULL, NULL};
#define FNV_STR(s)                                                   \
    for (const char *p_ = (s); *p_; p_++)                            \
        h = (h ^ (unsigned char)*p_) * 1099511628211ULL;             \
    h = (h ^ 0xff) * 1099511628211ULL;
    for (size_t i = 0; i < 2; i++) {
        FNV_STR(parts[i]);
    }
    for (size_t i = 0; i < v->o.n_include; i++) {
        FNV_STR("+");
        FNV_STR(v->o.include[i]);
    }
    for (size_t i = 0; i < v->o.n_exclude; i++) {
        FNV_STR("-");
        FNV_STR(v->o.exclude[i]);
    }
#undef FNV_STR
    snprintf(out, 40, "verify-%016llx", (unsigned long long)h);
}

/* Which columns hold JSON (MariaDB: a LONGTEXT with a json_valid(`col`) check). */
static hm_code load_json(hm_verify *v, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;
    for (size_t i = 0; i < v->cat.ntables; i++) {
        hm_table *t = &v->cat.tables[i];
        v->vt[i].json = calloc(t->ncols + 1, sizeof(bool));
        v->vt[i].nullable = calloc(t->ncols + 1, sizeof(bool));
        if (!v->vt[i].json || !v->vt[i].nullable)
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        v->cols[i].json = v->vt[i].json;
        v->cols[i].nullable = v->vt[i].nullable;
        for (size_t c = 0; c < t->ncols; c++)
            v->vt[i].json[c] = strcasecmp(t->cols[c].data_type, "json") == 0;
    }
    if (v->src.flavor != HM_FLAVOR_MARIADB || v->src.version < 100200)
        return HM_OK;
    rc = hm_conn_query(&v->src, "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM "
                                "information_schema.CHECK_CONSTRAINTS WHERE CHECK_CLAUSE LIKE 'json_valid(%'",
                       &res, err);
    if (rc != HM_OK)
        return rc;
    while ((row = mysql_fetch_row(res)) != NULL) {
        for (size_t i = 0; i < v->cat.ntables; i++) {
            hm_table *t = &v->cat.tables[i];
            if (strcmp(t->db, row[0]) != 0 || strcmp(t->name, row[1]) != 0)
                continue;
            for (size_t c = 0; c < t->ncols; c++) {
                char want[600];
                snprintf(want, sizeof want, "json_valid(`%s`)", t->cols[c].name);
                if (strcmp(row[2], want) == 0)
                    v->vt[i].json[c] = true;
            }
        }
    }
    mysql_free_result(res);
    return HM_OK;
}

/* Which columns either server allows NULL in (the canonical form marks NULL only there). */
static hm_code load_nullable(hm_verify *v, hm_conn *c, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc = hm_conn_query(c, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                                  "WHERE IS_NULLABLE = 'YES' AND TABLE_SCHEMA NOT IN ('mysql', 'sys', "
                                  "'information_schema', 'performance_schema', 'hotmig_meta')", &res, err);
    if (rc != HM_OK)
        return rc;
    while ((row = mysql_fetch_row(res)) != NULL)
        for (size_t i = 0; i < v->cat.ntables; i++) {
            hm_table *t = &v->cat.tables[i];
            if (strcmp(t->db, row[0]) != 0 || strcmp(t->name, row[1]) != 0)
                continue;
            for (size_t k = 0; k < t->ncols; k++)
                if (strcmp(t->cols[k].name, row[2]) == 0)
                    v->vt[i].nullable[k] = true;
        }
    mysql_free_result(res);
    return HM_OK;
}

/* Every selected table must be on the target. */
static hm_code check_target_tables(hm_verify *v, hm_err *err)
{
    for (size_t i = 0; i < v->cat.ntables; i++) {
        hm_table *t = &v->cat.tables[i];
        hm_buf q;
        char n[16] = "0";
        bool found = false;
        hm_code rc;
        hm_buf_init(&q, 4096);
        rc = hm_buf_adds(&q, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
        if (rc == HM_OK) rc = hm_sqlq_hex(&q, t->db, strlen(t->db));
        if (rc == HM_OK) rc = hm_buf_adds(&q, " AND TABLE_NAME = ");
        if (rc == HM_OK) rc = hm_sqlq_hex(&q, t->name, strlen(t->name));
        if (rc == HM_OK)
            rc = hm_conn_value(&v->tgt, q.data, n, sizeof n, &found, err);
        hm_buf_release(&q);
        if (rc != HM_OK)
            return rc;
        if (strcmp(n, "1") != 0)
            return hm_err_set(err, HM_ETARGET, "table %s.%s is not on the target %s, so the target is not equal to "
                              "the source; copy it (hotmig migrate --include '%s.%s') or leave it out of the "
                              "comparison with --exclude", t->db, t->name, v->tgt.addr, t->db, t->name);
    }
    return HM_OK;
}

static void report(hm_verify *v, double *last_t, uint64_t *last_b, bool force)
{
    hm_progress p;
    double now = hm_clock_now();
    uint64_t b = atomic_load(&v->bytes);
    if (!v->o.progress)
        return;
    if (!force && (now - *last_t) * 1000 < v->o.progress_interval_ms)
        return;
    memset(&p, 0, sizeof p);
    p.stage = force ? HM_STAGE_DONE : HM_STAGE_VERIFY;
    p.tables_total = (unsigned)v->cat.ntables;
    p.tables_done = atomic_load(&v->tables_done);
    p.rows_done = atomic_load(&v->rows);
    p.rows_estimated = v->rows_est;
    p.bytes_done = b;
    p.elapsed_s = now - v->t0;
    p.bytes_per_sec = now > *last_t ? (double)(b - *last_b) / (now - *last_t) : 0;
    p.eta_s = -1;
    if (p.rows_done && p.rows_estimated > p.rows_done && p.elapsed_s > 1)
        p.eta_s = p.elapsed_s * (double)(p.rows_estimated - p.rows_done) / (double)p.rows_done;
    p.resumed = v->resumed;
    *last_t = now;
    *last_b = b;
    v->o.progress(&p, v->o.progress_ud);
}

static void add_name(char *list, size_t sz, const char *db, const char *name)
{
    size_t n = strlen(list);
    if (n + 4 >= sz || strstr(list, "..."))
        return;
    if ((size_t)snprintf(list + n, sz - n, "%s%s.%s", n ? ", " : "", db, name) >= sz - n)
        snprintf(list + (sz > 4 ? sz - 4 : 0), 4, "...");
}

/* Totals from hotmig_meta (this run and the runs it continues), the differences to the callback. */
static hm_code summarize(hm_verify *v, hm_verify_result *res, hm_err *err)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    for (size_t i = 0; i < v->cat.ntables; i++) {
        vtable *vt = &v->vt[i];
        if (strcmp(vt->mt.state, "differs") == 0) {
            res->tables_differ++;
            add_name(res->differ, sizeof res->differ, vt->t->db, vt->t->name);
        } else {
            res->tables_equal++;
        }
        if (vt->mt.written) {
            res->source_written = true;
            add_name(res->written, sizeof res->written, vt->t->db, vt->t->name);
        }
        if (!vt->t->key)
            add_name(res->slow, sizeof res->slow, vt->t->db, vt->t->name);
        res->rows_compared += vt->mt.rows;
    }
    if (mysql_query(v->tgt.my, HM_VERIFY_META_DIFFS) != 0 || (r = mysql_use_result(v->tgt.my)) == NULL)
        return hm_conn_fail(&v->tgt, "reading hotmig_meta.verify_diff", err);
    while ((row = mysql_fetch_row(r)) != NULL) {
        hm_verify_diff d;
        d.db = row[0];
        d.table = row[1];
        d.kind = strcmp(row[2], "missing") == 0 ? HM_VERIFY_MISSING
                 : strcmp(row[2], "extra") == 0 ? HM_VERIFY_EXTRA : HM_VERIFY_CHANGED;
        d.key = row[4];
        d.columns = row[5];
        d.copies = strtoull(row[6], NULL, 10);
        if (d.kind == HM_VERIFY_MISSING)
            res->missing += d.copies;
        else if (d.kind == HM_VERIFY_EXTRA)
            res->extra += d.copies;
        else
            res->changed += d.copies;
        if (v->o.diff)
            v->o.diff(&d, v->o.diff_ud);
    }
    if (mysql_errno(v->tgt.my)) {
        mysql_free_result(r);
        return hm_conn_fail(&v->tgt, "reading hotmig_meta.verify_diff", err);
    }
    mysql_free_result(r);
    return HM_OK;
}

/* The longest text GROUP_CONCAT gives on both servers (their max_allowed_packet), and the chunk
 * size in bytes that follows from it. */
static hm_code max_text(hm_verify *v, hm_err *err)
{
    hm_conn *cs[2] = {&v->src, &v->tgt};
    v->max_text = UINT64_MAX;
    for (int i = 0; i < 2; i++) {
        char val[32] = "";
        bool found = false;
        hm_code rc = hm_conn_value(cs[i], "SELECT @@max_allowed_packet", val, sizeof val, &found, err);
        unsigned long long n = found ? strtoull(val, NULL, 10) : 0;
        if (rc != HM_OK)
            return rc;
        if (n >= 1024 && n < v->max_text)
            v->max_text = n;
    }
    if (v->max_text == UINT64_MAX)
        v->max_text = 1u << 20; /* the servers did not say: the smallest default there has been */
    v->chunk_bytes = (double)v->max_text / 2 < CHUNK_BYTES ? (double)v->max_text / 2 : CHUNK_BYTES;
    return HM_OK;
}

static hm_code open_workers(hm_verify *v, hm_err *err)
{
    v->w = calloc(v->nthreads, sizeof *v->w);
    if (!v->w)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    for (unsigned i = 0; i < v->nthreads; i++) {
        worker *w = &v->w[i];
        hm_code rc;
        w->v = v;
        if ((rc = hm_conn_open(&w->src, &v->o.source, "source", 0, err)) != HM_OK ||
            (rc = hm_conn_open(&w->tgt, &v->o.target, "target", 0, err)) != HM_OK ||
            (rc = hm_conn_open(&w->meta, &v->o.target, "target", 0, err)) != HM_OK)
            return rc;
        /* the source is only read: say so to the server too; a keyed chunk's canonical rows are
         * joined on the server (canon.h) */
        if ((rc = hm_conn_exec(&w->src, "SET SESSION TRANSACTION READ ONLY", err)) != HM_OK ||
            (rc = hm_conn_exec(&w->src, "SET SESSION group_concat_max_len = 4294967295", err)) != HM_OK ||
            (rc = hm_conn_exec(&w->tgt, "SET SESSION group_concat_max_len = 4294967295", err)) != HM_OK)
            return rc;
    }
    return HM_OK;
}

static void close_workers(hm_verify *v)
{
    for (unsigned i = 0; v->w && i < v->nthreads; i++) {
        hm_conn_close(&v->w[i].src);
        hm_conn_close(&v->w[i].tgt);
        hm_conn_close(&v->w[i].meta);
    }
}

hm_code hm_verify_run(hm_verify *v, hm_verify_result *res, hm_err *err)
{
    hm_code rc;
    char fp[40];
    double last_t;
    uint64_t last_b = 0;
    const char *unused;
    memset(res, 0, sizeof *res);
    if (v->ran)
        return hm_err_set(err, HM_EUSAGE, "hm_verify_run may be called once");
    v->ran = true;
    v->t0 = last_t = hm_clock_now();
    if (v->o.fix_sql_path) { /* a path that cannot be written fails now, not after the comparison */
        FILE *f = fopen(v->o.fix_sql_path, "a");
        if (!f)
            return hm_err_set(err, HM_EIO, "cannot write the fix SQL to %s: %s", v->o.fix_sql_path, strerror(errno));
        fclose(f);
    }
    if ((rc = hm_conn_open(&v->src, &v->o.source, "source", 0, err)) != HM_OK ||
        (rc = hm_conn_open(&v->tgt, &v->o.target, "target", 0, err)) != HM_OK)
        return rc;
    v->ds = hm_verify_dialect_of(&v->src);
    v->dt = hm_verify_dialect_of(&v->tgt);
    if ((rc = max_text(v, err)) != HM_OK)
        return rc;
    do { /* the keyed aggregate's separator and NULL mark, new for each run */
        if (hm_verify_token_new(v->sep) != HM_OK || hm_verify_token_new(v->null_tok) != HM_OK)
            return hm_err_set(err, HM_EINTERNAL, "no random bytes from the system (getrandom)");
    } while (strcmp(v->sep, v->null_tok) == 0);
    if ((rc = hm_select_init(&v->sel, v->o.include, v->o.n_include, v->o.exclude, v->o.n_exclude, err)) != HM_OK)
        return rc;
    if ((rc = hm_catalog_load(&v->cat, &v->src, &v->sel, err)) != HM_OK)
        return rc;
    if ((unused = hm_select_unused(&v->sel)) != NULL)
        return hm_err_set(err, HM_EPATTERN, "--include '%s' matches no table on the source %s", unused, v->src.addr);
    if (v->cat.ntables == 0)
        return hm_err_set(err, HM_EPATTERN, "no table selected on the source %s: nothing to compare", v->src.addr);
    v->vt = calloc(v->cat.ntables, sizeof *v->vt);
    v->cols = calloc(v->cat.ntables, sizeof *v->cols);
    if (!v->vt || !v->cols)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    for (size_t i = 0; i < v->cat.ntables; i++) {
        v->vt[i].t = &v->cat.tables[i];
        v->rows_est += v->cat.tables[i].rows_est;
    }
    if ((rc = load_json(v, err)) != HM_OK || (rc = check_target_tables(v, err)) != HM_OK ||
        (rc = load_nullable(v, &v->src, err)) != HM_OK || (rc = load_nullable(v, &v->tgt, err)) != HM_OK)
        return rc;
    fingerprint(v, fp);
    if ((rc = hm_verify_meta_init(&v->tgt, err)) != HM_OK ||
        (rc = hm_verify_meta_begin(&v->tgt, fp, &v->resumed, err)) != HM_OK)
        return rc;
    res->resumed = v->resumed;
    for (size_t i = 0; i < v->cat.ntables; i++)
        if ((rc = hm_verify_meta_table_get(&v->tgt, v->cat.tables[i].db, v->cat.tables[i].name, &v->vt[i].mt, err))
            != HM_OK)
            return rc;
    if (v->nthreads > v->cat.ntables)
        v->nthreads = (unsigned)v->cat.ntables;
    if (v->o.sync_point) /* one pair of snapshots at a time, so one applier pause per batch */
        v->nthreads = 1;
    if ((rc = open_workers(v, err)) != HM_OK) {
        close_workers(v);
        return rc;
    }
    atomic_store(&v->alive, v->nthreads);
    for (unsigned i = 0; i < v->nthreads; i++) {
        if (pthread_create(&v->w[i].th, NULL, worker_main, &v->w[i]) != 0) {
            atomic_fetch_sub(&v->alive, v->nthreads - i);
            hm_verify_cancel(v);
            break;
        }
        v->w[i].started = true;
    }
    /* progress until the last worker ends; woken by it at once, not at the next tick */
    pthread_mutex_lock(&v->mu);
    while (atomic_load(&v->alive) > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&v->ended, &v->mu, &ts);
        pthread_mutex_unlock(&v->mu);
        report(v, &last_t, &last_b, false);
        pthread_mutex_lock(&v->mu);
    }
    pthread_mutex_unlock(&v->mu);
    for (unsigned i = 0; i < v->nthreads; i++)
        if (v->w[i].started)
            pthread_join(v->w[i].th, NULL);
    close_workers(v);
    res->tables_total = (unsigned)v->cat.ntables;
    res->chunks_compared = atomic_load(&v->chunks);
    res->chunks_skipped = atomic_load(&v->skipped);
    res->rechecks = atomic_load(&v->rechecks);
    res->common_points = atomic_load(&v->points);
    res->pause_ms_max = (double)atomic_load(&v->pause_us_max) / 1000.0;
    if (atomic_load(&v->failed)) {
        *err = v->first_err;
        return err->code;
    }
    if (atomic_load(&v->cancel))
        return hm_err_set(err, HM_ECANCELLED, "cancelled; run the same command again to go on from the last chunk "
                          "compared");
    if (v->o.fix_sql_path) {
        hm_conn fsrc, ftgt;
        hm_verify_fix_ctx fx;
        if ((rc = hm_conn_open(&fsrc, &v->o.source, "source", 0, err)) != HM_OK)
            return rc;
        if ((rc = hm_conn_open(&ftgt, &v->o.target, "target", 0, err)) != HM_OK) {
            hm_conn_close(&fsrc);
            return rc;
        }
        fx.meta = &v->tgt;
        fx.src = &fsrc;
        fx.tgt = &ftgt;
        fx.cat = &v->cat;
        fx.cols = v->cols;
        fx.ds = v->ds;
        fx.dt = v->dt;
        rc = hm_verify_fix_write(&fx, v->o.fix_sql_path, &res->fix_statements, err);
        hm_conn_close(&fsrc);
        hm_conn_close(&ftgt);
        if (rc != HM_OK)
            return rc;
    }
    if ((rc = summarize(v, res, err)) != HM_OK)
        return rc;
    report(v, &last_t, &last_b, true);
    return hm_verify_meta_finish(&v->tgt, err);
}
