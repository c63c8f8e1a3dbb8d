/*
 * sync/par.c: the parallel apply pool (see par.h). Owns N worker threads, each with a target
 * connection (autocommit off, the lanes' session), an applier, table maps and a prepared update
 * of its own hotmig_meta.sync_worker row; the dependency tracker; the queue of submitted
 * transactions; the ring of in-flight transactions' end positions and GTIDs; and the low-water
 * mark (lwm) with its GTID set.
 *
 * A source transaction, numbered seq in source order:
 *
 *   reader: buffered ──submit──► queued ──(deps ready: every conflicting earlier one done)──┐
 *           buffered ──skip────────────────────────────────────────────────────────► done │
 *           barrier  ──barrier_begin (waits: all before done)──► serial path ──barrier_end──► done
 *   worker: taken ◄─────────────────────────────────────────────────────────────────────┘
 *           taken ──apply──► in group ──commit (with the worker's row)──► done ──► lwm passes it
 *
 *   | change                          | by                                   |
 *   | buffered -> queued              | hm_sync_par_submit (reader)          |
 *   | queued -> taken                 | take() (worker, under the lock)      |
 *   | in group -> done                | group_commit() (worker)              |
 *   | barrier -> done, skip -> done   | hm_sync_par_barrier_end / _skip      |
 *   | lwm and its GTID set advance    | advance() after every done           |
 *
 * Invariants (the lock held):
 *  1. A transaction is applied only when every earlier transaction sharing a key with it is
 *     committed (hm_sync_deps_ready); a barrier only when all earlier ones are.
 *  2. ring[seq % window] holds seq's end and GTID from its numbering until the lwm passes it
 *     (the tracker keeps fewer than window in flight, so no slot is reused before).
 *  3. lwm_set is the GTID set through lwm: it gains each transaction's GTID in seq order as the
 *     lwm passes it (advance()).
 *  4. A worker's row, written in the transaction it commits, holds an lwm that was true when it
 *     was read (everything through it committed) and every end position this worker committed
 *     after that lwm, its group's included: what sync/resume.h needs for exactly once.
 *  5. A group not committed is never counted anywhere: stop and errors roll it back.
 * Deadlocks and lock wait timeouts between workers (a unique index's gap locks, not a shared
 * key) roll the group back and apply it again, up to PAR_RETRIES times.
 */
#include "sync/par.h"

#include <errno.h>
#include <unistd.h>
#include <mysql.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binlog/tablemap.h"
#include "db/conn.h"
#include "sync/apply.h"
#include "sync/deps.h"
#include "sync/gtid.h"
#include "sync/resume.h"
#include "util/clock.h"
#include "util/err.h"

#define PAR_GROUP_S 0.1       /* a worker's group gathers this long at most while a backlog waits */
#define PAR_FOLLOW_GROUP_S 0.002 /* the same while following (hm_sync_par_following): the lag */
#define PAR_RETRIES 8
#define PAR_INLINE_MAX ((size_t)1 << 20) /* a worker's statement values inline (memory: N workers) */
#define PAR_MAPS_MAX 512      /* table maps a worker keeps before it starts afresh */
#define PAR_TAKE_SCAN 256     /* queued transactions a worker looks at for one it may take: past
                                 them, it commits what it holds (bounded work under the lock) */

/* ---- buffered transactions ---- */

hm_sync_ptrx *hm_sync_ptrx_new(size_t max_bytes, size_t max_keys)
{
    hm_sync_ptrx *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    hm_buf_init(&t->ev, max_bytes);
    t->cap = max_keys;
    return t;
}

void hm_sync_ptrx_free(hm_sync_ptrx *t)
{
    if (!t)
        return;
    hm_buf_release(&t->ev);
    free(t->keys);
    free(t);
}

hm_code hm_sync_ptrx_add(hm_sync_ptrx *t, const uint8_t *raw, uint32_t size, uint64_t pos)
{
    char *p = hm_buf_reserve(&t->ev, 12 + (size_t)size);
    if (!p)
        return HM_ENOMEM;
    memcpy(p, &size, 4);
    memcpy(p + 4, &pos, 8);
    memcpy(p + 12, raw, size);
    hm_buf_commit(&t->ev, 12 + (size_t)size);
    t->nev++;
    return HM_OK;
}

void hm_sync_ptrx_key(void *ud, uint64_t key)
{
    hm_sync_ptrx *t = ud;
    if (t->too_many)
        return;
    if (!t->keys && !(t->keys = malloc(t->cap * sizeof *t->keys))) {
        t->too_many = true; /* no memory for its keys: apply it alone */
        return;
    }
    if (t->nkeys == t->cap) {
        t->too_many = true;
        return;
    }
    t->keys[t->nkeys++] = key;
}

bool hm_sync_ptrx_next(const hm_sync_ptrx *t, size_t *off, const uint8_t **raw, uint32_t *size, uint64_t *pos)
{
    if (*off + 12 > t->ev.len)
        return false;
    memcpy(size, t->ev.data + *off, 4);
    memcpy(pos, t->ev.data + *off + 4, 8);
    *raw = (const uint8_t *)t->ev.data + *off + 12;
    *off += 12 + (size_t)*size;
    return true;
}

hm_code hm_sync_trx_gtid_add(void *gtid_set, const hm_sync_trx_gtid *g, hm_err *err)
{
    if (g->kind == 1)
        return hm_gtid_set_add_mariadb(gtid_set, g->domain, g->server, g->seq, err);
    if (g->kind == 2)
        return hm_gtid_set_add_mysql_tagged(gtid_set, g->sid, g->tag, g->tag_len, g->seq, err);
    return HM_OK;
}

/* ---- the pool ---- */

typedef struct par_slot {
    uint64_t seq;
    unsigned owner;          /* 1 + the worker whose open group holds it, 0 when none */
    hm_sync_pos end;
    hm_sync_trx_gtid gtid;
} par_slot;

typedef struct par_worker {
    hm_sync_par *p;
    unsigned no;
    pthread_t th;
    bool started;
    hm_conn tgt;
    hm_sync_applier *ap;
    MYSQL_STMT *row;
    hm_binlog_tables maps;
    bool fk_checks;
    uint64_t gen;
    hm_sync_ptrx *g_head, *g_tail; /* the group: applied, not committed */
    size_t ngroup;
    double g_t0;
    hm_sync_pos *ends;       /* committed by this worker after the lwm it last wrote */
    size_t nends, cap_ends;
    hm_buf above, gtid;
    uint64_t rows_base;      /* the applier's row count already counted */
    size_t warmed;           /* of the pool's warm list, loaded */
} par_worker;

struct hm_sync_par {
    pthread_mutex_t mu;
    pthread_cond_t work;     /* workers wait: something may be ready, or stop */
    pthread_cond_t done;     /* the reader waits: something was done, or an error */
    hm_sync_deps *deps;
    unsigned window, max_group;
    size_t max_bytes, bytes;
    par_slot *ring;
    hm_sync_ptrx *q_head, *q_tail;
    hm_gtid_set *lwm_set;
    hm_sync_pos lwm;
    hm_buf lwm_txt;
    bool txt_dirty;
    uint64_t low_applied;
    uint64_t gen;
    bool stop;
    bool following;          /* hm_sync_par_following */
    hm_err err;              /* the first error: err.code != HM_OK */
    uint64_t rows, trx;
    const atomic_bool *cancel;
    const char *const *warm_db, *const *warm_table; /* hm_sync_par_opts' warm list, borrowed */
    size_t nwarm;
    par_worker *w;
    unsigned nw;
};

/* The lock held. */
static void set_error(hm_sync_par *p, const hm_err *e)
{
    if (p->err.code == HM_OK)
        p->err = *e;
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_cond_broadcast(&p->done);
}

/* The lock held: the lwm and its GTID set follow the tracker's low-water mark (invariant 3). */
static void advance(hm_sync_par *p)
{
    uint64_t low = hm_sync_deps_low_water(p->deps);
    hm_err e;
    while (p->low_applied < low) {
        par_slot *s = &p->ring[++p->low_applied % p->window];
        if (hm_sync_trx_gtid_add(p->lwm_set, &s->gtid, &e) != HM_OK) {
            set_error(p, &e);
            return;
        }
        p->lwm = s->end;
        p->txt_dirty = true;
    }
}

static void timed_wait(pthread_cond_t *c, pthread_mutex_t *mu, unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    (void)pthread_cond_timedwait(c, mu, &ts);
}

/* The lock held: HM_OK, the pool's error, or HM_ECANCELLED. */
static hm_code reader_check(hm_sync_par *p, hm_err *err)
{
    if (p->err.code != HM_OK) {
        *err = p->err;
        return p->err.code;
    }
    if (p->cancel && atomic_load(p->cancel))
        return hm_err_set(err, HM_ECANCELLED, "stopped");
    return HM_OK;
}

/* The lock held: waits until a transaction of `bytes` may be numbered. */
static hm_code wait_room(hm_sync_par *p, size_t bytes, hm_err *err)
{
    hm_code rc;
    while ((rc = reader_check(p, err)) == HM_OK &&
           (!hm_sync_deps_room(p->deps) || (p->bytes + bytes > p->max_bytes && hm_sync_deps_inflight(p->deps) > 0)))
        timed_wait(&p->done, &p->mu, 100);
    return rc;
}

static void put_slot(hm_sync_par *p, uint64_t seq, const hm_sync_pos *end, const hm_sync_trx_gtid *g)
{
    par_slot *s = &p->ring[seq % p->window];
    s->seq = seq;
    s->owner = 0;
    if (end)
        s->end = *end;
    if (g)
        s->gtid = *g;
    else
        memset(&s->gtid, 0, sizeof s->gtid);
}

hm_code hm_sync_par_submit(hm_sync_par *p, hm_sync_ptrx *t, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&p->mu);
    if ((rc = wait_room(p, t->ev.len, err)) != HM_OK) {
        pthread_mutex_unlock(&p->mu);
        hm_sync_ptrx_free(t);
        return rc;
    }
    t->seq = hm_sync_deps_open(p->deps);
    if (t->too_many)
        hm_sync_deps_barrier(p->deps); /* waits for all before it; those after wait for it */
    for (size_t i = 0; i < t->nkeys; i++)
        hm_sync_deps_key(p->deps, t->keys[i]);
    hm_sync_deps_close(p->deps);
    put_slot(p, t->seq, &t->end, &t->gtid);
    p->bytes += t->ev.len;
    t->next = NULL;
    if (p->q_tail)
        p->q_tail->next = t;
    else
        p->q_head = t;
    p->q_tail = t;
    /* a waiting worker is woken only for what it could take: a transaction that waits for one in
     * flight is taken by the worker whose group holds that one (it looks again before it waits)
     * or after a commit (which wakes them all) -- hot rows wake nobody in vain */
    if (hm_sync_deps_ready(p->deps, t->seq))
        pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return HM_OK;
}

hm_code hm_sync_par_skip(hm_sync_par *p, const hm_sync_pos *end, const hm_sync_trx_gtid *g, hm_err *err)
{
    hm_code rc;
    uint64_t seq;
    pthread_mutex_lock(&p->mu);
    if ((rc = wait_room(p, 0, err)) == HM_OK) {
        seq = hm_sync_deps_open(p->deps);
        hm_sync_deps_close(p->deps);
        put_slot(p, seq, end, g);
        hm_sync_deps_done(p->deps, seq);
        advance(p);
        pthread_cond_broadcast(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

hm_code hm_sync_par_barrier_begin(hm_sync_par *p, uint64_t *seq, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&p->mu);
    if ((rc = wait_room(p, 0, err)) == HM_OK) {
        *seq = hm_sync_deps_open(p->deps);
        hm_sync_deps_barrier(p->deps);
        hm_sync_deps_close(p->deps);
        put_slot(p, *seq, &p->lwm, NULL);
        while ((rc = reader_check(p, err)) == HM_OK && !hm_sync_deps_ready(p->deps, *seq))
            timed_wait(&p->done, &p->mu, 100);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void hm_sync_par_barrier_end(hm_sync_par *p, uint64_t seq, const hm_sync_pos *end, const hm_sync_trx_gtid *g,
                             bool ddl)
{
    pthread_mutex_lock(&p->mu);
    put_slot(p, seq, end, g);
    hm_sync_deps_done(p->deps, seq);
    advance(p);
    if (ddl)
        p->gen++;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
}

hm_code hm_sync_par_drain(hm_sync_par *p, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&p->mu);
    while ((rc = reader_check(p, err)) == HM_OK && hm_sync_deps_inflight(p->deps) > 0)
        timed_wait(&p->done, &p->mu, 100);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

hm_code hm_sync_par_lwm(hm_sync_par *p, hm_sync_pos *lwm, hm_buf *gtid, hm_err *err)
{
    hm_code rc = HM_OK;
    pthread_mutex_lock(&p->mu);
    if (p->txt_dirty) {
        hm_buf_reset(&p->lwm_txt);
        rc = hm_gtid_set_format(p->lwm_set, &p->lwm_txt, err);
        p->txt_dirty = rc != HM_OK;
    }
    if (rc == HM_OK) {
        *lwm = p->lwm;
        hm_buf_reset(gtid);
        if (hm_buf_add(gtid, p->lwm_txt.data ? p->lwm_txt.data : "", p->lwm_txt.len) != HM_OK)
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

bool hm_sync_par_quiesce(hm_sync_par *p, double seconds)
{
    double until = hm_clock_now() + seconds;
    bool drained;
    pthread_mutex_lock(&p->mu);
    while (p->err.code == HM_OK && hm_sync_deps_inflight(p->deps) > 0 && hm_clock_now() < until)
        timed_wait(&p->done, &p->mu, 50);
    drained = p->err.code == HM_OK && hm_sync_deps_inflight(p->deps) == 0;
    pthread_mutex_unlock(&p->mu);
    return drained;
}

hm_code hm_sync_par_error(hm_sync_par *p, hm_err *err)
{
    hm_code rc;
    pthread_mutex_lock(&p->mu);
    rc = p->err.code;
    if (rc != HM_OK)
        *err = p->err;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void hm_sync_par_get_stats(hm_sync_par *p, hm_sync_par_stats *st)
{
    pthread_mutex_lock(&p->mu);
    st->lwm = p->lwm;
    st->inflight = hm_sync_deps_inflight(p->deps);
    st->rows = p->rows;
    st->trx = p->trx;
    pthread_mutex_unlock(&p->mu);
}

/* ---- a worker ---- */

static bool in_my_group(void *ud, uint64_t seq)
{
    par_worker *w = ud;
    const par_slot *s = &w->p->ring[seq % w->p->window];
    return s->seq == seq && s->owner == w->no + 1;
}

/* The lock held: the first queued transaction that w may apply now: every earlier one it
 * conflicts with is committed, or in w's own open group (a hot row: one worker takes the chain
 * and commits it as one group). */
static hm_sync_ptrx *take(hm_sync_par *p, par_worker *w)
{
    hm_sync_ptrx **pp = &p->q_head, *t, *prev = NULL;
    unsigned looked = 0;
    for (; (t = *pp) != NULL && looked++ < PAR_TAKE_SCAN; prev = t, pp = &t->next) {
        if (!hm_sync_deps_ready_after(p->deps, t->seq, w->ngroup ? in_my_group : NULL, w))
            continue;
        p->ring[t->seq % p->window].owner = w->no + 1;
        *pp = t->next;
        if (p->q_tail == t)
            p->q_tail = prev;
        t->next = NULL;
        return t;
    }
    return NULL;
}

static bool retryable_lock_error(par_worker *w)
{
    unsigned e = w->tgt.my ? mysql_errno(w->tgt.my) : 0;
    return e == 1213 || e == 1205;
}

static uint64_t applier_rows(par_worker *w)
{
    hm_sync_apply_stats st;
    hm_sync_applier_stats(w->ap, &st);
    return st.rows_inserted + st.rows_updated + st.rows_deleted;
}

/* Applies t's rows in the worker's open transaction. */
static hm_code apply_trx(par_worker *w, const hm_sync_ptrx *t, hm_err *err)
{
    hm_binlog_fmt fmt = t->fmt;
    size_t off = 0;
    const uint8_t *raw;
    uint32_t size;
    uint64_t pos;
    hm_code rc = HM_OK;
    if (w->maps.count > PAR_MAPS_MAX)
        hm_binlog_tables_clear(&w->maps);
    while (rc == HM_OK && hm_sync_ptrx_next(t, &off, &raw, &size, &pos)) {
        hm_binlog_event ev;
        const hm_binlog_table *tm;
        if ((rc = hm_binlog_event_decode(&fmt, raw, size, 0, &ev, err)) != HM_OK)
            break;
        ev.pos = pos;
        if (ev.kind == HM_BINLOG_EV_TABLE_MAP) {
            rc = hm_binlog_tables_put(&w->maps, &fmt, &ev, &tm, err);
        } else if (ev.kind == HM_BINLOG_EV_ROWS) {
            bool on = (ev.u.rows.flags & 0x0002) == 0; /* the source session's foreign_key_checks */
            if (!(tm = hm_binlog_tables_get(&w->maps, ev.u.rows.table_id)))
                return hm_err_set(err, HM_ESOURCE, "at %s:%llu a row event names table id %llu, which no table "
                                  "map described", t->end.file, (unsigned long long)pos,
                                  (unsigned long long)ev.u.rows.table_id);
            if (w->fk_checks != on) {
                w->fk_checks = on;
                if ((rc = hm_conn_exec(&w->tgt, on ? "SET SESSION foreign_key_checks = 1"
                                                   : "SET SESSION foreign_key_checks = 0", err)) != HM_OK)
                    break;
            }
            rc = hm_sync_apply_rows(w->ap, &fmt, &ev, tm, err);
        }
    }
    return rc;
}

/* After a deadlock: the group rolled back and applied again, then t. */
static hm_code reapply(par_worker *w, const hm_sync_ptrx *t, hm_err *err)
{
    hm_code rc = HM_ETARGET;
    for (int attempt = 0; attempt < PAR_RETRIES; attempt++) {
        mysql_rollback(w->tgt.my);
        w->rows_base = applier_rows(w); /* the rows undone are not counted */
        if (attempt)
            usleep(1000u << (attempt < 6 ? attempt : 6));
        rc = HM_OK;
        for (const hm_sync_ptrx *g = w->g_head; g && rc == HM_OK; g = g->next)
            rc = apply_trx(w, g, err);
        if (rc == HM_OK && t)
            rc = apply_trx(w, t, err);
        if (rc == HM_OK || !retryable_lock_error(w))
            return rc;
    }
    hm_err_prefix(err, "parallel apply: still conflicting after %d attempts", PAR_RETRIES);
    return rc;
}

static int pos_le(const hm_sync_pos *a, const hm_sync_pos *b)
{
    return hm_sync_pos_cmp(a, b) <= 0;
}

/* The lock held (released during the I/O): commits the group with the worker's row. */
static hm_code group_commit(par_worker *w, hm_err *err)
{
    hm_sync_par *p = w->p;
    hm_sync_pos lwm;
    hm_code rc = HM_OK;
    size_t k = 0;
    if (p->txt_dirty) {
        hm_buf_reset(&p->lwm_txt);
        if ((rc = hm_gtid_set_format(p->lwm_set, &p->lwm_txt, err)) != HM_OK)
            return rc;
        p->txt_dirty = false;
    }
    lwm = p->lwm;
    hm_buf_reset(&w->gtid);
    if (hm_buf_add(&w->gtid, p->lwm_txt.data ? p->lwm_txt.data : "", p->lwm_txt.len) != HM_OK)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    pthread_mutex_unlock(&p->mu);

    /* invariant 4: what this worker committed after lwm, and this group */
    for (size_t i = 0; i < w->nends; i++)
        if (!pos_le(&w->ends[i], &lwm))
            w->ends[k++] = w->ends[i];
    w->nends = k;
    for (hm_sync_ptrx *g = w->g_head; g; g = g->next) {
        if (w->nends == w->cap_ends) {
            size_t cap = w->cap_ends ? 2 * w->cap_ends : 64;
            hm_sync_pos *e = realloc(w->ends, cap * sizeof *e);
            if (!e) {
                rc = hm_err_set(err, HM_ENOMEM, "out of memory");
                break;
            }
            w->ends = e;
            w->cap_ends = cap;
        }
        w->ends[w->nends++] = g->end;
    }
    if (rc == HM_OK)
        rc = hm_sync_resume_above(&w->above, &lwm, w->ends, w->nends, err);
    if (rc == HM_OK)
        rc = hm_sync_wstate_save(w->row, w->no, &lwm, w->gtid.data ? w->gtid.data : "",
                                 w->above.data && w->above.len ? w->above.data : "", w->ngroup,
                                 applier_rows(w) - w->rows_base, err);
    if (rc == HM_OK && mysql_commit(w->tgt.my) != 0)
        rc = hm_conn_fail(&w->tgt, "committing applied transactions", err);
    if (rc != HM_OK) {
        /* nothing of the group is committed: its ends are not this worker's */
        w->nends -= w->nends >= w->ngroup ? w->ngroup : w->nends;
        pthread_mutex_lock(&p->mu);
        return rc;
    }
    uint64_t rows = applier_rows(w);
    pthread_mutex_lock(&p->mu);
    while (w->g_head) {
        hm_sync_ptrx *g = w->g_head;
        w->g_head = g->next;
        p->ring[g->seq % p->window].owner = 0;
        hm_sync_deps_done(p->deps, g->seq);
        p->bytes -= g->ev.len;
        p->trx++;
        hm_sync_ptrx_free(g);
    }
    w->g_tail = NULL;
    w->ngroup = 0;
    p->rows += rows - w->rows_base;
    w->rows_base = rows;
    advance(p);
    pthread_cond_broadcast(&p->work);
    pthread_cond_broadcast(&p->done);
    return HM_OK;
}

static void *worker_main(void *arg)
{
    par_worker *w = arg;
    hm_sync_par *p = w->p;
    hm_err err;
    hm_code rc = HM_OK;
    memset(&err, 0, sizeof err);
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        hm_sync_ptrx *t = take(p, w);
        if (!t) {
            if (w->ngroup) { /* nothing else may be applied now: commit at once (lag) */
                if ((rc = group_commit(w, &err)) != HM_OK)
                    break;
                continue;
            }
            if (w->warmed < p->nwarm && w->gen == p->gen) {
                /* idle: the next table's definition (a table gone is no error here) */
                size_t i = w->warmed++;
                hm_err ignored;
                pthread_mutex_unlock(&p->mu);
                (void)hm_sync_applier_preload(w->ap, p->warm_db[i], p->warm_table[i], &ignored);
                pthread_mutex_lock(&p->mu);
                continue;
            }
            timed_wait(&p->work, &p->mu, 200);
            continue;
        }
        if (w->gen != p->gen) { /* DDL ran: table definitions may have changed */
            w->gen = p->gen;
            hm_sync_applier_forget_all(w->ap);
            hm_binlog_tables_clear(&w->maps);
        }
        pthread_mutex_unlock(&p->mu);
        if (!w->ngroup)
            w->g_t0 = hm_clock_now();
        rc = apply_trx(w, t, &err);
        if (rc != HM_OK && retryable_lock_error(w))
            rc = reapply(w, t, &err);
        pthread_mutex_lock(&p->mu);
        if (rc != HM_OK) {
            hm_sync_ptrx_free(t);
            break;
        }
        if (w->g_tail)
            w->g_tail->next = t;
        else
            w->g_head = t;
        w->g_tail = t;
        w->ngroup++;
        if ((w->ngroup >= p->max_group ||
             hm_clock_now() - w->g_t0 >= (p->following ? PAR_FOLLOW_GROUP_S : PAR_GROUP_S)) &&
            (rc = group_commit(w, &err)) != HM_OK)
            break;
    }
    if (rc != HM_OK)
        set_error(p, &err);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void worker_release(par_worker *w)
{
    while (w->g_head) { /* invariant 5: never committed */
        hm_sync_ptrx *g = w->g_head;
        w->g_head = g->next;
        hm_sync_ptrx_free(g);
    }
    if (w->row)
        mysql_stmt_close(w->row);
    hm_sync_applier_free(w->ap);
    if (w->tgt.my)
        mysql_rollback(w->tgt.my);
    hm_conn_close(&w->tgt);
    hm_binlog_tables_release(&w->maps);
    hm_buf_release(&w->above);
    hm_buf_release(&w->gtid);
    free(w->ends);
}

void hm_sync_par_stop(hm_sync_par *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nw; i++)
        if (p->w[i].started)
            pthread_join(p->w[i].th, NULL);
    for (unsigned i = 0; i < p->nw; i++)
        worker_release(&p->w[i]);
    while (p->q_head) {
        hm_sync_ptrx *t = p->q_head;
        p->q_head = t->next;
        hm_sync_ptrx_free(t);
    }
    free(p->w);
    free(p->ring);
    hm_sync_deps_free(p->deps);
    if (p->lwm_set)
        hm_gtid_set_free(p->lwm_set);
    hm_buf_release(&p->lwm_txt);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p);
}

static hm_code worker_open(par_worker *w, const hm_endpoint *target, hm_err *err)
{
    hm_code rc;
    hm_binlog_tables_init(&w->maps);
    hm_buf_init(&w->above, (size_t)64 << 20);
    hm_buf_init(&w->gtid, (size_t)16 << 20);
    w->fk_checks = true;
    if ((rc = hm_conn_open(&w->tgt, target, "target", HM_CONN_FOUND_ROWS, err)) != HM_OK ||
        (rc = hm_conn_exec(&w->tgt, HM_SYNC_SESSION_SQL, err)) != HM_OK)
        return rc;
    if (!(w->ap = hm_sync_applier_new(&w->tgt, err)) || !(w->row = hm_sync_wstate_prepare(&w->tgt, err)))
        return err->code;
    hm_sync_applier_limit(w->ap, PAR_INLINE_MAX);
    return HM_OK;
}

hm_sync_par *hm_sync_par_start(const hm_sync_par_opts *o, hm_err *err)
{
    hm_sync_par *p = calloc(1, sizeof *p);
    hm_code rc = HM_OK;
    if (!p) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->window = o->window;
    p->max_bytes = o->max_bytes;
    p->max_group = o->max_group_trx ? o->max_group_trx : 2000;
    p->cancel = o->cancel;
    p->lwm = o->lwm;
    p->txt_dirty = true;
    hm_buf_init(&p->lwm_txt, (size_t)16 << 20);
    if (!(p->deps = hm_sync_deps_new(o->window, HM_SYNC_PAR_MAX_KEYS, err))) {
        rc = err->code;
        goto fail;
    }
    p->ring = calloc(o->window, sizeof *p->ring);
    p->w = calloc(o->workers, sizeof *p->w);
    p->lwm_set = hm_gtid_set_new();
    if (!p->ring || !p->w || !p->lwm_set) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = hm_gtid_set_parse(p->lwm_set, o->lwm_gtid ? o->lwm_gtid : "", err)) != HM_OK)
        goto fail;
    p->warm_db = o->warm_db;
    p->warm_table = o->warm_table;
    p->nwarm = o->nwarm;
    p->nw = o->workers;
    for (unsigned i = 0; i < p->nw; i++) {
        p->w[i].p = p;
        p->w[i].no = i;
        if ((rc = worker_open(&p->w[i], o->target, err)) != HM_OK) {
            hm_err_prefix(err, "parallel apply worker %u", i);
            goto fail;
        }
    }
    if (o->nabove0) { /* invariant 4 for what an earlier run committed above the mark */
        par_worker *w0 = &p->w[0];
        if (!(w0->ends = malloc(o->nabove0 * sizeof *w0->ends))) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            goto fail;
        }
        memcpy(w0->ends, o->above0, o->nabove0 * sizeof *w0->ends);
        w0->nends = w0->cap_ends = o->nabove0;
    }
    for (unsigned i = 0; i < p->nw; i++) {
        if (pthread_create(&p->w[i].th, NULL, worker_main, &p->w[i]) != 0) {
            rc = hm_err_set(err, HM_ENOMEM, "cannot start a parallel apply worker: %s", strerror(errno));
            goto fail;
        }
        p->w[i].started = true;
    }
    return p;
fail:
    (void)rc;
    hm_sync_par_stop(p);
    return NULL;
}

void hm_sync_par_following(hm_sync_par *p, bool following)
{
    pthread_mutex_lock(&p->mu);
    p->following = following;
    pthread_mutex_unlock(&p->mu);
}
