/*
 * sync/sync.c: incremental sync, the hm_sync_* calls of hotmig.h.
 *
 * One run (run_once) connects to the target (two connections, the lanes below, autocommit off,
 * so that every statement joins the open group), reads the checkpoint, starts the feed (the
 * binlog read ahead on its own thread) from there and takes events one by one: table maps are
 * kept, row events of selected tables are applied (sync/apply.h), QUERY events are classified
 * (sync/ddl.h) and DDL of selected objects is run, GTIDs are added to the applied set. Source
 * transactions are grouped; a group is committed, with the checkpoint, when the feed is empty
 * (caught up), after max_group_trx transactions, and else: following, as soon as the commit
 * before it is done; catching up, 100 ms after it began. The commit runs on the committer's
 * thread (sync/commit.h) while the next group is applied on the other lane; commits stay in
 * source order. hm_sync_run() retries a run that lost a connection, from the checkpoint, with
 * backoff.
 *
 * Parallel apply (apply_threads > 1, or a start with transactions to skip): the reader buffers
 * plain row transactions of keyed tables and hands them to the pool of sync/par.h; everything
 * else is a barrier that goes through the serial path above once the pool has committed all
 * before it (see "parallel apply: the reader's side" below). Every start, serial or not, plans
 * from the main checkpoint and the workers' rows (resume_plan, par_setup).
 *
 * Owns, per run, the lanes (target connection, applier, checkpoint statement each), the
 * committer, the monitor connection, the feed, the table maps, the GTID set and its text; in
 * parallel mode also the pool, the reader's own target connection and key definitions, and the
 * transaction being buffered.
 */
#include <mysql.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "binlog/event.h"
#include "binlog/inflate.h"
#include "binlog/tablemap.h"
#include "copy/deferred.h"
#include "copy/select.h"
#include "db/conn.h"
#include "db/server.h"
#include "db/sqlq.h"
#include "sync/apply.h"
#include "sync/commit.h"
#include "sync/ddl.h"
#include "sync/feed.h"
#include "sync/gtid.h"
#include "sync/par.h"
#include "sync/pkeys.h"
#include "sync/resume.h"
#include "sync/state.h"
#include "sync/xa.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"

#define FEED_BYTES ((size_t)32 << 20)
#define FEED_BYTES_PAR ((size_t)8 << 20) /* parallel: the pool buffers transactions as well */
#define GROUP_MAX_S 0.1        /* catching up: a group may gather this long */
#define TAKE_MS 100
/* parallel apply: bytes in flight at most (transactions: HM_SYNC_PAR_WINDOW), and the largest
 * transaction buffered (a larger one is a barrier, streamed through the serial path) */
#define PAR_BYTES ((size_t)8 << 20)
#define PAR_TRX_BYTES ((size_t)8 << 20)

/* The reader's state in parallel mode (see "parallel apply" below). */
enum { P_IDLE, P_BUF, P_PASS };


/* A target connection with its applier and checkpoint statement. Two lanes take turns: while the
 * committer commits one lane's group, the next group is applied on the other (sync/commit.h).
 * Commits stay in source order: a lane's group is committed only after the other lane's commit
 * succeeded, and its checkpoint row update waits for that commit's row lock anyway. */
typedef struct sync_lane {
    hm_conn tgt;
    hm_sync_applier *ap;
    MYSQL_STMT *ckpt;
    bool fk_checks;          /* the session's foreign_key_checks */
} sync_lane;

struct hm_sync {
    hm_sync_opts o;
    hm_select sel;
    atomic_bool cancel, finish_req, lock_source;
    bool threads_default;    /* apply_threads was not given: the target may lower it */
    uint32_t server_id;

    /* one run */
    sync_lane lanes[2];
    sync_lane *L;            /* the lane the open group is applied on */
    hm_sync_committer *committer;
    struct {                 /* the group whose commit is in flight on the other lane */
        hm_sync_pos pos;
        uint64_t trx_done, rows;
    } flight;
    hm_conn mon;
    hm_sync_feed *feed;
    hm_binlog_fmt fmt;
    hm_binlog_tables maps;
    hm_gtid_set *gtid;
    hm_buf gtid_txt;
    hm_sync_state st;
    hm_sync_snaps snaps;
    bool snaps_active;
    hm_buf inflated, payload;

    hm_sync_pos committed;   /* the checkpoint in the target */
    hm_sync_pos pending;     /* where the handled events end, at a transaction boundary */
    bool in_trx, began;      /* inside a source transaction; it began with BEGIN */
    hm_sync_pos trx_start;
    int gtid_kind;           /* of the current transaction: 0 none, 1 MariaDB, 2 MySQL */
    uint32_t g_domain, g_server;
    uint64_t g_seq;
    uint8_t g_sid[16];
    char g_tag[HM_BINLOG_TAG_MAX];  /* MySQL 8.3+ tagged GTID: its tag (g_tag_len bytes) */
    size_t g_tag_len;
    bool group_open;
    /* a statement's context, from the INTVAR, RAND and USER_VAR events before it */
    hm_buf stmt_ctx;
    bool has_insert_id, has_last_insert_id, has_rand;
    uint64_t insert_id, last_insert_id, rand1, rand2;
    uint64_t stmts_replayed;
    char coll[512][64];      /* collation names by id, "" until looked up */
    unsigned group_trx;
    double group_t0;
    uint64_t trx_base, rows_base; /* committed totals when the run began */
    uint64_t trx_done;            /* transactions ended in this run (committed or in the group) */
    uint64_t trx_committed;       /* of which committed */
    uint64_t rows_committed;

    bool finishing;
    hm_sync_pos goal;
    char goal_gtid[2048];

    uint32_t last_ts;
    bool idle;                    /* the feed was empty and nothing was open at the last look */
    uint64_t lag_bytes;
    bool lag_known;
    double t0, last_progress, last_lag_check;
    uint64_t prog_trx, prog_rows;
    unsigned reconnects;
    hm_sync_phase phase;

    /* the source's XA transaction being read (sync/xa.h): its rows go to a connection of their
     * own, inside XA START ... XA PREPARE on the target; skip: the target holds it already */
    struct {
        bool active, skip;
        hm_sync_xid xid;
        hm_conn conn;
        hm_sync_applier *ap;
        bool fk_checks;
        uint64_t rows;       /* rows applied by the XA connections of this run */
    } xa;

    /* keyless tables changes were applied to (each row matched on all its columns): "db.t, db.u",
     * for the progress report; kept over runs of this handle, as is the count of such rows
     * applied by the appliers of earlier runs */
    hm_buf slow;
    uint64_t keyless_base;

    /* parallel apply (sync/par.h), per run: NULL when serial */
    hm_sync_par *par;
    hm_conn meta;            /* the reader's own target connection (autocommit), for keys */
    hm_sync_pkeys *pkeys;
    MYSQL_RES *warm;         /* parallel: copied tables, whose keys the reader loads while idle
                                (warm_keys, from the warm_at-th on) and the workers their
                                definitions: warm_db[i], warm_tbl[i] point into it */
    const char **warm_db, **warm_tbl;
    size_t nwarm, warm_at;
    hm_sync_ptrx *ptx;       /* P_BUF: the transaction being buffered */
    size_t ptx_rows;         /* its row events */
    int pmode;
    uint64_t pseq;           /* P_PASS: the barrier's number */
    uint64_t ddls, ddls_at;  /* DDL statements run; at the barrier's start */
    hm_sync_trx_gtid pg;     /* the GTID of the transaction being read */
    hm_sync_resume plan;     /* where the run started; the transactions it skips */
    size_t nwrows;           /* worker rows found at the start */
    unsigned par_inflight;   /* at the last look */
    double par_looked;       /* when */
    hm_sync_pos main_at;     /* where the main checkpoint row is (committed) */
    hm_binlog_value *kimg[2];
    uint32_t kcap;

    /* a pause point asked for by hm_sync_pause_at (verification's common point): pause_file and
     * pause_pos are written before pause_req is set */
    atomic_bool pause_req;
    char pause_file[256];
    uint64_t pause_pos;
};

const char *hm_sync_phase_name(hm_sync_phase p)
{
    switch (p) {
    case HM_SYNC_STARTING: return "starting";
    case HM_SYNC_CATCHING_UP: return "catching up";
    case HM_SYNC_FOLLOWING: return "following";
    case HM_SYNC_FINISHING: return "finishing";
    case HM_SYNC_FINISHED: return "finished";
    case HM_SYNC_RECONNECTING: return "reconnecting";
    }
    return "?";
}

hm_sync *hm_sync_new(const hm_sync_opts *opts, hm_err *err)
{
    hm_sync *s = calloc(1, sizeof *s);
    if (!s) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    if (opts->apply_threads > HM_SYNC_APPLY_THREADS_MAX) {
        free(s);
        hm_err_set(err, HM_EUSAGE, "apply_threads must be from 1 to %d (0: the default)", HM_SYNC_APPLY_THREADS_MAX);
        return NULL;
    }
    s->o = *opts;
    s->threads_default = !s->o.apply_threads;
    if (!s->o.apply_threads)
        s->o.apply_threads = HM_SYNC_APPLY_THREADS_DEFAULT;
    hm_buf_init(&s->slow, (size_t)64 << 10);
    if (!s->o.max_group_trx)
        s->o.max_group_trx = 2000;
    if (!s->o.retry_s)
        s->o.retry_s = 3600;
    if (!s->o.progress_interval_ms)
        s->o.progress_interval_ms = 1000;
    if (hm_select_init(&s->sel, opts->include, opts->n_include, opts->exclude, opts->n_exclude, err) != HM_OK) {
        hm_buf_release(&s->slow);
        free(s);
        return NULL;
    }
    atomic_init(&s->cancel, false);
    atomic_init(&s->finish_req, false);
    atomic_init(&s->lock_source, false);
    atomic_init(&s->pause_req, false);
    s->server_id = opts->server_id;
    if (!s->server_id) {
        /* one id per source/target pair: a rerun replaces its own earlier dump on the source */
        uint32_t h = 2166136261u;
        char key[700];
        snprintf(key, sizeof key, "%s:%u>%s:%u", opts->source.host, opts->source.port, opts->target.host,
                 opts->target.port);
        for (const char *p = key; *p; p++)
            h = (h ^ (uint8_t)*p) * 16777619u;
        s->server_id = 0x40000000u | (h & 0x3fffffffu);
    }
    return s;
}

void hm_sync_finish(hm_sync *s)
{
    atomic_store(&s->finish_req, true);
}

void hm_sync_finish_lock_source(hm_sync *s)
{
    atomic_store(&s->lock_source, true);
    atomic_store(&s->finish_req, true);
}

void hm_sync_pause_at(hm_sync *s, const char *file, uint64_t pos)
{
    size_t i = 0;
    if (atomic_load(&s->pause_req))
        return; /* one at a time */
    for (; file[i] && i < sizeof s->pause_file - 1; i++) /* no snprintf: async-signal-safe */
        s->pause_file[i] = file[i];
    s->pause_file[i] = '\0';
    s->pause_pos = pos;
    atomic_store(&s->pause_req, true);
}

void hm_sync_cancel(hm_sync *s)
{
    atomic_store(&s->cancel, true);
}

void hm_sync_free(hm_sync *s)
{
    if (!s)
        return;
    hm_select_release(&s->sel);
    hm_buf_release(&s->slow);
    free(s);
}

static bool system_db(const char *db, size_t n)
{
    static const char *const sys[] = {"mysql", "sys", "information_schema", "performance_schema",
                                      "hotmig_meta"};
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
        if (strlen(sys[i]) == n && strncasecmp(sys[i], db, n) == 0)
            return true;
    return false;
}

/* Whether db.name (name NULL: the database) is selected. */
static bool selected(hm_sync *s, const char *db, const char *name)
{
    if (!db || !*db || system_db(db, strlen(db)))
        return false;
    if (!hm_select_schema(&s->sel, db))
        return false;
    return name == NULL || hm_select_object(&s->sel, db, name);
}

/* A table whose own snapshot is later than the transaction's start has its changes already. */
static bool before_table_snapshot(hm_sync *s, const char *db, size_t dblen, const char *tbl, size_t tbllen)
{
    const hm_sync_pos *snap;
    if (!s->snaps_active)
        return false;
    snap = hm_sync_snaps_find(&s->snaps, db, dblen, tbl, tbllen);
    return snap && hm_sync_pos_cmp(&s->trx_start, snap) < 0;
}

static void set_pos(hm_sync_pos *p, const char *file, uint64_t pos)
{
    if (p->file != file)
        snprintf(p->file, sizeof p->file, "%s", file);
    p->pos = pos;
}

/* Forgets the INTVAR, RAND and USER_VAR events gathered for the next statement. */
static void stmt_ctx_clear(hm_sync *s)
{
    s->stmt_ctx.len = 0;
    s->has_insert_id = s->has_last_insert_id = s->has_rand = false;
}

static hm_code gtid_text(hm_sync *s, hm_err *err)
{
    s->gtid_txt.len = 0;
    if (hm_gtid_set_format(s->gtid, &s->gtid_txt, err) != HM_OK)
        return err->code;
    if (hm_buf_addc(&s->gtid_txt, '\0') != HM_OK)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    s->gtid_txt.len--;
    return HM_OK;
}

/* An applier loaded a table without a key: named once in the progress report (rare: once per
 * definition load, and such tables are few, so the list is searched as it is). */
static void note_slow(void *ud, const char *db, const char *name)
{
    hm_sync *s = ud;
    size_t dl = strlen(db), tl = strlen(name);
    for (const char *p = s->slow.data; p && (p = strstr(p, db)) != NULL; p += dl)
        if ((p == s->slow.data || p[-1] == ' ') && p[dl] == '.' && strncmp(p + dl + 1, name, tl) == 0 &&
            (p[dl + 1 + tl] == ',' || p[dl + 1 + tl] == '\0'))
            return;
    /* a full list keeps what it has: the precheck names them all */
    (void)hm_buf_addf(&s->slow, "%s%s.%s", s->slow.len ? ", " : "", db, name);
}

/* Rows matched on all their columns, all runs of this handle. */
static uint64_t keyless_now(hm_sync *s)
{
    uint64_t n = s->keyless_base;
    for (int i = 0; i < 2; i++) {
        hm_sync_apply_stats st;
        if (s->lanes[i].ap) {
            hm_sync_applier_stats(s->lanes[i].ap, &st);
            n += st.keyless_rows;
        }
    }
    return n;
}

static uint64_t rows_now(hm_sync *s)
{
    uint64_t rows = s->rows_base + s->xa.rows;
    if (s->par) {
        hm_sync_par_stats ps;
        hm_sync_par_get_stats(s->par, &ps);
        rows += ps.rows;
    }
    for (int i = 0; i < 2; i++) {
        hm_sync_apply_stats st;
        if (!s->lanes[i].ap)
            continue;
        hm_sync_applier_stats(s->lanes[i].ap, &st);
        rows += st.rows_inserted + st.rows_updated + st.rows_deleted;
    }
    return rows;
}

/* Waits for the commit in flight; on success what it covered is committed. */
static hm_code flight_wait(hm_sync *s, hm_err *err)
{
    hm_code rc;
    if (!s->committer || !hm_sync_committer_busy(s->committer))
        return HM_OK;
    if ((rc = hm_sync_committer_wait(s->committer, err)) != HM_OK)
        return rc;
    s->committed = s->main_at = s->flight.pos;
    s->trx_committed = s->flight.trx_done;
    s->rows_committed = s->flight.rows;
    if (s->snaps_active && hm_sync_pos_cmp(&s->committed, &s->snaps.last) >= 0)
        s->snaps_active = false;
    return HM_OK;
}

/* Writes the checkpoint at s->pending into the open group and starts its commit on the
 * committer; the next group goes on the other lane. The previous commit must have succeeded
 * before this one starts (a failed one leaves its changes out: this group must not commit
 * past them). */
static hm_code commit_group(hm_sync *s, hm_err *err)
{
    hm_code rc;
    uint64_t rows = rows_now(s);
    if ((rc = gtid_text(s, err)) != HM_OK)
        return rc;
    rc = hm_sync_state_save(s->L->ckpt, &s->pending, s->gtid_txt.data ? s->gtid_txt.data : "",
                            s->trx_base + s->trx_done, rows, err);
    /* parallel: the workers are idle (a barrier, a pause, the finish): their counts are in these */
    if (rc == HM_OK && s->par)
        rc = hm_sync_wstate_zero(&s->L->tgt, err);
    if (rc != HM_OK)
        return rc;
    if ((rc = flight_wait(s, err)) != HM_OK)
        return rc;
    s->flight.pos = s->pending;
    s->flight.trx_done = s->trx_done;
    s->flight.rows = rows;
    hm_sync_committer_start(s->committer, &s->L->tgt);
    s->L = s->L == &s->lanes[0] ? &s->lanes[1] : &s->lanes[0];
    s->group_open = false;
    s->group_trx = 0;
    return HM_OK;
}

/* commit_group, and its commit waited for. */
static hm_code commit_group_now(hm_sync *s, hm_err *err)
{
    hm_code rc = commit_group(s, err);
    return rc == HM_OK ? flight_wait(s, err) : rc;
}

static void open_group(hm_sync *s)
{
    if (!s->group_open) {
        s->group_open = true;
        s->group_t0 = hm_clock_now();
    }
}

/* Inside a source transaction: the serial path's, or one the parallel reader buffers. */
static bool reader_in_trx(const hm_sync *s)
{
    return s->in_trx || (s->par && s->pmode != P_IDLE);
}

/* The pause point is reached when no source transaction is open and the handled events end at or
 * past it: everything through there is committed (with the checkpoint), then the callback runs
 * while nothing more is applied. */
static hm_code pause_if_due(hm_sync *s, hm_err *err)
{
    hm_sync_pos at;
    hm_code rc;
    if (!atomic_load(&s->pause_req) || reader_in_trx(s))
        return HM_OK;
    set_pos(&at, s->pause_file, s->pause_pos);
    if (hm_sync_pos_cmp(&s->pending, &at) < 0)
        return HM_OK;
    if (s->par && (rc = hm_sync_par_drain(s->par, err)) != HM_OK)
        return rc;
    if (s->group_open || hm_sync_pos_cmp(&s->committed, &s->pending) != 0) {
        open_group(s);
        if ((rc = commit_group_now(s, err)) != HM_OK)
            return rc;
    }
    atomic_store(&s->pause_req, false); /* before the callback: it may ask for the next point */
    if (s->o.paused)
        s->o.paused(s->committed.file, s->committed.pos, s->o.paused_ud);
    return HM_OK;
}

static hm_code end_trx(hm_sync *s, const char *file, uint64_t next_pos, hm_err *err)
{
    hm_code rc = HM_OK;
    if (s->gtid_kind == 1)
        rc = hm_gtid_set_add_mariadb(s->gtid, s->g_domain, s->g_server, s->g_seq, err);
    else if (s->gtid_kind == 2)
        rc = hm_gtid_set_add_mysql_tagged(s->gtid, s->g_sid, s->g_tag, s->g_tag_len, s->g_seq, err);
    if (rc != HM_OK)
        return rc;
    s->in_trx = s->began = false;
    s->gtid_kind = 0;
    stmt_ctx_clear(s);
    set_pos(&s->pending, file, next_pos);
    open_group(s);
    s->group_trx++;
    s->trx_done++;
    return HM_OK;
}

static void begin_trx(hm_sync *s, const char *file, uint64_t pos)
{
    if (!s->in_trx) {
        s->in_trx = true;
        set_pos(&s->trx_start, file, pos);
    }
}

/* Session variables of the DDL's own session, as its QUERY event carries them. */
static hm_code ddl_session(hm_sync *s, const hm_binlog_event *ev, hm_err *err)
{
    char q[512];
    /* the applier's sql_mode is put back after the DDL (plain_session) */
    int n = snprintf(q, sizeof q, "SET @hm_apply_sql_mode = @@SESSION.sql_mode, SESSION foreign_key_checks = 0");
    if (ev->u.query.has_sql_mode && s->fmt.mariadb == (s->L->tgt.flavor == HM_FLAVOR_MARIADB))
        n += snprintf(q + n, sizeof q - (size_t)n, ", sql_mode = %llu", (unsigned long long)ev->u.query.sql_mode);
    if (ev->u.query.has_charset)
        n += snprintf(q + n, sizeof q - (size_t)n,
                      ", character_set_client = %u, collation_connection = %u, collation_server = %u",
                      ev->u.query.charset_client, ev->u.query.collation_connection,
                      ev->u.query.collation_server);
    (void)n;
    return hm_conn_exec(&s->L->tgt, q, err);
}

/* The applier's session. Foreign keys are checked, as a replica does: the source does not log
 * the rows a cascade changes, so the target's own cascade must make them; a row event whose
 * source session had foreign_key_checks off is applied so too (set_fk_checks). The applier sets
 * its own sql_mode. */
static hm_code plain_session(sync_lane *l, hm_err *err)
{
    l->fk_checks = true;
    return hm_conn_exec(&l->tgt, HM_SYNC_SESSION_SQL, err);
}

static hm_code set_fk_checks(hm_sync *s, bool on, hm_err *err)
{
    if (s->L->fk_checks == on)
        return HM_OK;
    s->L->fk_checks = on;
    return hm_conn_exec(&s->L->tgt, on ? "SET SESSION foreign_key_checks = 1" : "SET SESSION foreign_key_checks = 0",
                        err);
}

/* Errors a DDL statement gives when it already ran (a restart after it, before its checkpoint). */
static bool already_done_error(unsigned e)
{
    switch (e) {
    case 1007: /* database exists */
    case 1008: /* database does not exist */
    case 1050: /* table exists */
    case 1051: /* unknown table */
    case 1054: /* unknown column (a DROP/CHANGE that ran) */
    case 1060: /* duplicate column */
    case 1061: /* duplicate key name */
    case 1091: /* can't drop: does not exist */
    case 1146: /* table does not exist */
    case 1304: /* routine exists */
    case 1305: /* routine does not exist */
    case 1347: /* not a view */
    case 4090: /* MariaDB: sequence exists */
        return true;
    default:
        return false;
    }
}

static hm_code apply_ddl(hm_sync *s, const hm_binlog_event *ev, const hm_sync_ddl *d, bool tolerant,
                         hm_err *err)
{
    hm_code rc;
    char db[257];
    unsigned e;
    snprintf(db, sizeof db, "%.*s", (int)ev->u.query.db.len, ev->u.query.db.p);
    /* the checkpoint before the DDL, then the DDL's position: a restart finds it in flight */
    if (s->group_open && (rc = commit_group(s, err)) != HM_OK)
        return rc;
    if ((rc = flight_wait(s, err)) != HM_OK)
        return rc;
    if ((rc = hm_sync_state_set_ddl(&s->L->tgt, &s->trx_start, err)) != HM_OK)
        return rc;
    if (mysql_commit(s->L->tgt.my) != 0)
        return hm_conn_fail(&s->L->tgt, "recording the DDL in flight", err);
    if (db[0]) {
        hm_buf q;
        hm_buf_init(&q, 1024);
        rc = hm_buf_adds(&q, "USE ");
        if (rc == HM_OK)
            rc = hm_sqlq_ident(&q, db);
        if (rc == HM_OK && mysql_real_query(s->L->tgt.my, q.data, q.len) != 0 && mysql_errno(s->L->tgt.my) != 1049)
            rc = hm_conn_fail(&s->L->tgt, "choosing the DDL's database", err);
        hm_buf_release(&q);
        if (rc != HM_OK)
            return rc;
    }
    if ((rc = ddl_session(s, ev, err)) != HM_OK)
        return rc;
    s->ddls++;
    if (mysql_real_query(s->L->tgt.my, ev->u.query.query.p, ev->u.query.query.len) != 0) {
        e = mysql_errno(s->L->tgt.my);
        if (!(tolerant && already_done_error(e))) {
            rc = hm_conn_fail(&s->L->tgt, "applying DDL", err);
            if (rc == HM_ETARGET)
                hm_err_prefix(err, "at %s:%llu (%s of %s.%s, \"%.*s\")", s->trx_start.file,
                              (unsigned long long)s->trx_start.pos, hm_sync_stmt_name(d->kind),
                              d->nobjs && d->objs[0].db ? d->objs[0].db : "?",
                              d->nobjs && d->objs[0].name ? d->objs[0].name : "",
                              (int)(ev->u.query.query.len < 120 ? ev->u.query.query.len : 120),
                              ev->u.query.query.p);
            return rc;
        }
    }
    if ((rc = plain_session(s->L, err)) != HM_OK)
        return rc;
    if ((rc = hm_conn_exec(&s->L->tgt, "SET SESSION sql_mode = @hm_apply_sql_mode", err)) != HM_OK)
        return rc;
    /* both lanes' appliers know the table no more */
    for (int l = 0; l < 2; l++) {
        hm_sync_applier *ap = s->lanes[l].ap;
        if (!ap)
            continue;
        if (d->kind == HM_STMT_DROP_DATABASE || d->kind == HM_STMT_RENAME_TABLE || d->nobjs == 0)
            hm_sync_applier_forget_all(ap);
        for (size_t i = 0; i < d->nobjs; i++)
            if (d->objs[i].db && d->objs[i].name)
                hm_sync_applier_forget(ap, d->objs[i].db, d->objs[i].name);
    }
    return HM_OK;
}

/* "charset collation" of a collation id on the target, for a user variable's value (cached). */
static const char *collation_name(hm_sync *s, uint32_t id, hm_err *err)
{
    char q[160];
    bool found;
    if (id < sizeof s->coll / sizeof s->coll[0] && s->coll[id][0])
        return s->coll[id];
    snprintf(q, sizeof q, "SELECT CONCAT(CHARACTER_SET_NAME, ' ', COLLATION_NAME) FROM "
                          "information_schema.COLLATIONS WHERE ID = %u", id);
    if (id >= sizeof s->coll / sizeof s->coll[0] ||
        hm_conn_value(&s->L->tgt, q, s->coll[id], sizeof s->coll[id], &found, err) != HM_OK || !found) {
        if (id < sizeof s->coll / sizeof s->coll[0])
            s->coll[id][0] = '\0';
        return "binary binary";
    }
    return s->coll[id];
}

/* A USER_VAR event as "SET @`name` = <literal>", kept for the statement it precedes. */
static hm_code on_user_var(hm_sync *s, const hm_binlog_event *ev, hm_err *err)
{
    hm_buf *b = &s->stmt_ctx;
    hm_code rc;
    char num[80];
    char name[300];
    const uint8_t *v = (const uint8_t *)ev->u.user_var.value.p;
    size_t n = ev->u.user_var.value.len;
    snprintf(name, sizeof name, "%.*s", (int)ev->u.user_var.name.len, ev->u.user_var.name.p);
    rc = hm_buf_adds(b, b->len ? ", @" : "SET @");
    if (rc == HM_OK)
        rc = hm_sqlq_ident(b, name);
    if (rc == HM_OK)
        rc = hm_buf_adds(b, " = ");
    if (rc != HM_OK)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    if (ev->u.user_var.is_null)
        return hm_buf_adds(b, "NULL") == HM_OK ? HM_OK : hm_err_set(err, HM_ENOMEM, "out of memory");
    switch (ev->u.user_var.value_type) {
    case 1: { /* REAL */
        double d;
        if (n < 8)
            goto bad;
        memcpy(&d, v, 8);
        snprintf(num, sizeof num, "%.17g", d);
        rc = hm_buf_adds(b, num);
        break;
    }
    case 2: { /* INT */
        uint64_t u = 0;
        if (n < 8)
            goto bad;
        for (int i = 7; i >= 0; i--)
            u = (u << 8) | v[i];
        if (ev->u.user_var.flags & 1)
            snprintf(num, sizeof num, "%llu", (unsigned long long)u);
        else
            snprintf(num, sizeof num, "%lld", (long long)(int64_t)u);
        rc = hm_buf_adds(b, num);
        break;
    }
    case 4: { /* DECIMAL: precision, scale, then the binary value */
        char dec[96];
        if (n < 2 || hm_binlog_decimal_str(v + 2, n - 2, v[0], v[1], dec, sizeof dec, err) != HM_OK)
            goto bad;
        rc = hm_buf_adds(b, dec);
        break;
    }
    default: { /* STRING, in its character set */
        const char *coll = collation_name(s, ev->u.user_var.charset, err);
        rc = hm_buf_adds(b, "CONVERT(");
        if (rc == HM_OK)
            rc = n ? hm_sqlq_hex(b, v, n) : hm_buf_adds(b, "''");
        if (rc == HM_OK)
            rc = hm_buf_adds(b, " USING ");
        /* names of letters, digits and '_' only: anything else is cut off */
        size_t cn = strspn(coll, "abcdefghijklmnopqrstuvwxyz0123456789_");
        const char *cl = coll[cn] == ' ' ? coll + cn + 1 : "binary";
        if (rc == HM_OK)
            rc = hm_buf_add(b, coll, cn ? cn : 0);
        if (rc == HM_OK)
            rc = hm_buf_adds(b, ") COLLATE ");
        if (rc == HM_OK)
            rc = hm_buf_add(b, cl, strspn(cl, "abcdefghijklmnopqrstuvwxyz0123456789_"));
        break;
    }
    }
    return rc == HM_OK ? HM_OK : hm_err_set(err, HM_ENOMEM, "out of memory");
bad:
    return hm_err_set(err, HM_ESOURCE, "at %s:%llu a user variable's value (@%s) does not decode", s->fmt.file,
                      (unsigned long long)ev->pos, name);
}

/*
 * Replays a DML statement of selected tables (binlog_format MIXED or STATEMENT) in the open
 * group, in the session the source ran it in: default database, sql_mode, character sets, time
 * zone, auto_increment settings, foreign and unique checks, the statement's time (TIMESTAMP),
 * INSERT_ID / LAST_INSERT_ID, RAND seeds and user variables, as its INTVAR, RAND and USER_VAR
 * events gave them. The applier's session is put back after.
 */
static hm_code replay_statement(hm_sync *s, const hm_binlog_event *ev, hm_err *err)
{
    hm_buf q;
    hm_code rc = HM_OK;
    char db[257];
    const uint32_t f2 = ev->u.query.has_flags2 ? ev->u.query.flags2 : 0;
    hm_buf_init(&q, (size_t)1 << 20);
    snprintf(db, sizeof db, "%.*s", (int)ev->u.query.db.len, ev->u.query.db.p);
    if (db[0]) {
        if (hm_buf_adds(&q, "USE ") != HM_OK || hm_sqlq_ident(&q, db) != HM_OK)
            goto nomem;
        if ((rc = hm_conn_execb(&s->L->tgt, &q, err)) != HM_OK)
            goto out;
        q.len = 0;
    }
    if (hm_buf_addf(&q, "SET @hm_apply_sql_mode = @@SESSION.sql_mode, TIMESTAMP = %u.%06u, "
                        "foreign_key_checks = %d, unique_checks = %d",
                    (unsigned)ev->timestamp, ev->u.query.has_microseconds ? ev->u.query.microseconds : 0,
                    (f2 & 0x04000000) ? 0 : 1, (f2 & 0x08000000) ? 0 : 1) != HM_OK)
        goto nomem;
    if (ev->u.query.has_sql_mode && s->fmt.mariadb == (s->L->tgt.flavor == HM_FLAVOR_MARIADB) &&
        hm_buf_addf(&q, ", sql_mode = %llu", (unsigned long long)ev->u.query.sql_mode) != HM_OK)
        goto nomem;
    if (ev->u.query.has_charset &&
        hm_buf_addf(&q, ", character_set_client = %u, collation_connection = %u, collation_server = %u",
                    ev->u.query.charset_client, ev->u.query.collation_connection,
                    ev->u.query.collation_server) != HM_OK)
        goto nomem;
    if (ev->u.query.has_time_zone) {
        if (hm_buf_adds(&q, ", time_zone = ") != HM_OK ||
            hm_sqlq_str(&q, s->L->tgt.my, ev->u.query.time_zone.p, ev->u.query.time_zone.len) != HM_OK)
            goto nomem;
    }
    if (ev->u.query.has_auto_increment &&
        hm_buf_addf(&q, ", auto_increment_increment = %u, auto_increment_offset = %u",
                    ev->u.query.auto_increment_increment, ev->u.query.auto_increment_offset) != HM_OK)
        goto nomem;
    if (s->has_insert_id && hm_buf_addf(&q, ", INSERT_ID = %llu", (unsigned long long)s->insert_id) != HM_OK)
        goto nomem;
    if (s->has_last_insert_id &&
        hm_buf_addf(&q, ", LAST_INSERT_ID = %llu", (unsigned long long)s->last_insert_id) != HM_OK)
        goto nomem;
    if (s->has_rand && hm_buf_addf(&q, ", @@rand_seed1 = %llu, @@rand_seed2 = %llu",
                                   (unsigned long long)s->rand1, (unsigned long long)s->rand2) != HM_OK)
        goto nomem;
    if ((rc = hm_conn_execb(&s->L->tgt, &q, err)) != HM_OK)
        goto out;
    if (s->stmt_ctx.len && (rc = hm_conn_execb(&s->L->tgt, &s->stmt_ctx, err)) != HM_OK)
        goto out;
    if (mysql_real_query(s->L->tgt.my, ev->u.query.query.p, ev->u.query.query.len) != 0) {
        rc = hm_conn_fail(&s->L->tgt, "replaying a statement", err);
        if (rc == HM_ETARGET)
            hm_err_prefix(err, "at %s:%llu (\"%.*s\")", s->fmt.file, (unsigned long long)ev->pos,
                          (int)(ev->u.query.query.len < 160 ? ev->u.query.query.len : 160), ev->u.query.query.p);
        goto out;
    }
    q.len = 0;
    if (hm_buf_addf(&q, "SET TIMESTAMP = DEFAULT, sql_mode = @hm_apply_sql_mode, unique_checks = 1, "
                        "foreign_key_checks = %d, time_zone = '+00:00', NAMES binary",
                    s->L->fk_checks ? 1 : 0) != HM_OK)
        goto nomem;
    rc = hm_conn_execb(&s->L->tgt, &q, err);
    s->stmts_replayed++;
    goto out;
nomem:
    rc = hm_err_set(err, HM_ENOMEM, "out of memory");
out:
    hm_buf_release(&q);
    stmt_ctx_clear(s);
    return rc;
}

/* ---- XA transactions of the source (sync/xa.h) ----
 *
 *   (no XA) --GTID FL_PREPARED_XA / "XA START"--> target holds it? --yes--> skip
 *                                                                  --no---> active: XA START on
 *                                                                           the XA connection
 *   active --rows--> applied on the XA connection         skip --rows--> ignored
 *   active --XA_PREPARE--> marker, XA END, XA PREPARE (or XA COMMIT ONE PHASE), connection closed;
 *                          then the checkpoint past it, committed now
 *   skip   --XA_PREPARE--> the checkpoint past it
 *   "XA COMMIT" --> XA COMMIT on the target if prepared there; marker deleted with the checkpoint
 *   "XA ROLLBACK" --> XA ROLLBACK on the target if prepared there; the checkpoint
 */

static void xa_close(hm_sync *s)
{
    if (s->xa.ap) {
        hm_sync_apply_stats st;
        hm_sync_applier_stats(s->xa.ap, &st);
        s->xa.rows += st.rows_inserted + st.rows_updated + st.rows_deleted;
        s->keyless_base += st.keyless_rows;
    }
    hm_sync_applier_free(s->xa.ap);
    s->xa.ap = NULL;
    hm_conn_close(&s->xa.conn); /* an XA transaction not yet prepared is rolled back */
    s->xa.active = s->xa.skip = false;
}

/* The group (and the commit in flight) committed, then a lookup of xid on the target with no
 * transaction left open on the lane. */
static hm_code xa_lookup(hm_sync *s, const hm_sync_xid *xid, bool *prepared, bool *marked, hm_err *err)
{
    hm_code rc;
    if (s->group_open && (rc = commit_group(s, err)) != HM_OK)
        return rc;
    if ((rc = flight_wait(s, err)) != HM_OK)
        return rc;
    if ((rc = hm_sync_xa_lookup(&s->L->tgt, xid, prepared, marked, err)) != HM_OK)
        return rc;
    if (mysql_commit(s->L->tgt.my) != 0)
        return hm_conn_fail(&s->L->tgt, "ending a read", err);
    return HM_OK;
}

static hm_code xa_begin(hm_sync *s, const hm_sync_xid *xid, hm_err *err)
{
    bool prepared, marked;
    hm_code rc;
    char x[300];
    if (s->xa.active || s->xa.skip) {
        hm_sync_xa_text(xid, x, sizeof x);
        return hm_err_set(err, HM_ESOURCE, "at %s:%llu XA transaction %s starts inside another one",
                          s->fmt.file, (unsigned long long)s->trx_start.pos, x);
    }
    s->xa.xid = *xid;
    if ((rc = xa_lookup(s, xid, &prepared, &marked, err)) != HM_OK)
        return rc;
    if (prepared || marked) { /* prepared (or more) before a restart: not twice */
        s->xa.skip = true;
        return HM_OK;
    }
    if ((rc = hm_conn_open(&s->xa.conn, &s->o.target, "target", HM_CONN_FOUND_ROWS, err)) != HM_OK)
        return rc;
    s->xa.fk_checks = true;
    if ((rc = hm_conn_exec(&s->xa.conn, "SET NAMES binary, time_zone = '+00:00', foreign_key_checks = 1",
                           err)) != HM_OK ||
        (s->xa.ap = hm_sync_applier_new(&s->xa.conn, err)) == NULL ||
        (rc = hm_sync_xa_exec(&s->xa.conn, "START", xid, err)) != HM_OK) {
        rc = rc != HM_OK ? rc : err->code;
        xa_close(s);
        return rc;
    }
    hm_sync_applier_on_keyless(s->xa.ap, note_slow, s);
    s->xa.active = true;
    return HM_OK;
}

static hm_code xa_rows(hm_sync *s, const hm_binlog_event *ev, const hm_binlog_table *t, hm_err *err)
{
    bool on = (ev->u.rows.flags & 0x0002) == 0;
    hm_code rc;
    if (s->xa.fk_checks != on) {
        s->xa.fk_checks = on;
        rc = hm_conn_exec(&s->xa.conn, on ? "SET SESSION foreign_key_checks = 1"
                                          : "SET SESSION foreign_key_checks = 0", err);
        if (rc != HM_OK)
            return rc;
    }
    return hm_sync_apply_rows(s->xa.ap, &s->fmt, ev, t, err);
}

/* XA_PREPARE: the transaction prepared (or, one phase, committed) on the target, its marker with
 * it; then the checkpoint past it. */
static hm_code xa_prepare(hm_sync *s, const hm_binlog_event *ev, const char *file, uint64_t next_pos,
                          hm_err *err)
{
    hm_sync_xid xid;
    bool one = ev->u.xa_prepare.one_phase;
    hm_code rc = HM_OK;
    char x[300];
    if (!hm_sync_xa_from_event(ev, &xid) || (!s->xa.active && !s->xa.skip) ||
        memcmp(&xid, &s->xa.xid, sizeof xid) != 0) {
        hm_sync_xa_text(&xid, x, sizeof x);
        return hm_err_set(err, HM_ESOURCE, "at %s:%llu XA PREPARE of %s, which did not start in the binlog read",
                          file, (unsigned long long)ev->pos, x);
    }
    if (s->xa.active) {
        if ((rc = hm_sync_xa_mark(&s->xa.conn, &xid, err)) == HM_OK &&
            (rc = hm_sync_xa_exec(&s->xa.conn, "END", &xid, err)) == HM_OK)
            rc = hm_sync_xa_exec(&s->xa.conn, one ? "COMMIT ONE PHASE" : "PREPARE", &xid, err);
        if (rc != HM_OK)
            hm_err_prefix(err, "applying the source's XA transaction");
    }
    xa_close(s);
    if (rc != HM_OK)
        return rc;
    open_group(s);
    if (one && (rc = hm_sync_xa_unmark(&s->L->tgt, &xid, err)) != HM_OK)
        return rc;
    if ((rc = end_trx(s, file, next_pos, err)) != HM_OK)
        return rc;
    return commit_group_now(s, err);
}

/* "XA COMMIT" / "XA ROLLBACK" of the source. */
static hm_code xa_finish(hm_sync *s, hm_sync_xa_verb verb, const hm_sync_xid *xid, const char *file,
                         uint64_t pos, uint64_t next_pos, hm_err *err)
{
    bool prepared, marked, commit = verb == HM_XA_COMMIT;
    hm_code rc;
    char x[300];
    if ((rc = xa_lookup(s, xid, &prepared, &marked, err)) != HM_OK)
        return rc;
    if (prepared) {
        /* on a connection of its own: the lanes' sessions (autocommit off) count as working
         * outside the global transaction */
        rc = hm_conn_open(&s->xa.conn, &s->o.target, "target", 0, err);
        if (rc == HM_OK)
            rc = hm_sync_xa_exec(&s->xa.conn, commit ? "COMMIT" : "ROLLBACK", xid, err);
        xa_close(s);
        if (rc != HM_OK)
            return rc;
    } else if (commit && !marked) {
        hm_sync_xa_text(xid, x, sizeof x);
        return hm_err_set(err, HM_ESOURCE, "at %s:%llu the source committed XA transaction %s, which was "
                          "prepared before this migration's start: its changes are not on the target. Commit "
                          "or roll back the prepared XA transactions of the source (XA RECOVER lists them) and "
                          "start the migration over", file, (unsigned long long)pos, x);
    }
    open_group(s);
    if (commit && (rc = hm_sync_xa_unmark(&s->L->tgt, xid, err)) != HM_OK)
        return rc;
    if ((rc = end_trx(s, file, next_pos, err)) != HM_OK)
        return rc;
    return commit_group_now(s, err);
}

static hm_code on_query(hm_sync *s, const hm_binlog_event *ev, const char *file, uint64_t next_pos,
                        hm_err *err)
{
    hm_sync_ddl d;
    hm_code rc;
    char db[257];
    bool apply = false, tolerant = false, ends;
    const hm_binlog_event *qev = ev;
    hm_binlog_event inflated;

    if (ev->u.query.compressed) {
        inflated = *ev;
        if ((rc = hm_binlog_inflate(&s->fmt, &inflated, &s->inflated, err)) != HM_OK)
            return rc;
        qev = &inflated;
    }
    {
        hm_sync_xa_verb verb;
        hm_sync_xid xid;
        if ((rc = hm_sync_xa_parse(qev->u.query.query.p, qev->u.query.query.len, &verb, &xid, err)) != HM_OK) {
            hm_err_prefix(err, "at %s:%llu", file, (unsigned long long)ev->pos);
            return rc;
        }
        if (verb == HM_XA_START)
            return xa_begin(s, &xid, err);
        if (verb == HM_XA_COMMIT || verb == HM_XA_ROLLBACK)
            return xa_finish(s, verb, &xid, file, ev->pos, next_pos, err);
        if (verb != HM_XA_NONE)
            return HM_OK; /* XA END: done with the prepare */
    }
    if (s->xa.active || s->xa.skip)
        return hm_err_set(err, HM_ESOURCE, "at %s:%llu the source logged a statement inside an XA transaction, "
                          "which this version applies only as rows: set binlog_format=ROW on the source and "
                          "start the migration over", file, (unsigned long long)ev->pos);
    snprintf(db, sizeof db, "%.*s", (int)qev->u.query.db.len, qev->u.query.db.p);
    if ((rc = hm_sync_ddl_parse(qev->u.query.query.p, qev->u.query.query.len, db, &d, err)) != HM_OK)
        return rc;
    switch (d.kind) {
    case HM_STMT_BEGIN:
        begin_trx(s, file, ev->pos);
        s->began = true;
        goto done;
    case HM_STMT_COMMIT:
    case HM_STMT_ROLLBACK:
        rc = end_trx(s, file, next_pos, err);
        goto done;
    case HM_STMT_SAVEPOINT:
        goto done;
    case HM_STMT_DML: {
        size_t nsel = 0, nskip = 0;
        const hm_sync_obj *other = NULL;
        for (size_t i = 0; i < d.nobjs; i++) {
            if (!selected(s, d.objs[i].db, d.objs[i].name))
                other = &d.objs[i];
            else if (before_table_snapshot(s, d.objs[i].db, strlen(d.objs[i].db), d.objs[i].name,
                                           strlen(d.objs[i].name)))
                nskip++;
            else
                nsel++;
        }
        if (nsel > 0 && (other || nskip)) {
            /* the statement would change selected tables from the state of others the target
             * does not hold (or holds from another snapshot): its result there is unknown */
            rc = hm_err_set(err, HM_ESOURCE,
                            "at %s:%llu the source logged, as a statement, a change of selected tables "
                            "that also names %s.%s, which the target does not hold as of this point; it "
                            "cannot be replayed exactly: set binlog_format=ROW on the source (SET GLOBAL "
                            "binlog_format=ROW, then reconnect the application) and start the migration "
                            "over, or select that table too", file, (unsigned long long)ev->pos,
                            other ? (other->db ? other->db : "?") : d.objs[0].db,
                            other ? (other->name ? other->name : "?") : d.objs[0].name);
            goto done;
        }
        if (nsel > 0) {
            begin_trx(s, file, ev->pos);
            open_group(s);
            if ((rc = replay_statement(s, qev, err)) != HM_OK)
                goto done;
        }
        break;
    }
    case HM_STMT_CREATE_DATABASE:
    case HM_STMT_ALTER_DATABASE:
    case HM_STMT_DROP_DATABASE:
        apply = d.nobjs > 0 && selected(s, d.objs[0].db, NULL);
        tolerant = d.if_exists;
        break;
    case HM_STMT_CREATE_TABLE:
    case HM_STMT_ALTER_TABLE:
    case HM_STMT_DROP_TABLE:
    case HM_STMT_RENAME_TABLE:
    case HM_STMT_TRUNCATE_TABLE:
    case HM_STMT_CREATE_INDEX:
    case HM_STMT_DROP_INDEX:
        if (d.temporary)
            break;
        for (size_t i = 0; i < d.nobjs; i++) {
            const hm_sync_obj *o = &d.objs[i];
            if (!o->db || !o->name || !selected(s, o->db, o->name))
                continue;
            if (before_table_snapshot(s, o->db, strlen(o->db), o->name, strlen(o->name)))
                continue;
            apply = true;
        }
        break;
    case HM_STMT_VIEW:
    case HM_STMT_ROUTINE:
    case HM_STMT_SEQUENCE:
        for (size_t i = 0; i < d.nobjs; i++)
            if (d.objs[i].db && d.objs[i].name && selected(s, d.objs[i].db, d.objs[i].name))
                apply = true;
        /* definitions were read at the copy's start: one may already reflect this statement */
        tolerant = true;
        break;
    case HM_STMT_TRIGGER:
    case HM_STMT_EVENT:  /* created from the source's definitions at finish */
    case HM_STMT_OTHER:
        break;
    }
    ends = !s->began; /* DDL, and anything else outside BEGIN ... COMMIT, is a transaction alone */
    begin_trx(s, file, ev->pos);
    if (apply) {
        if (s->st.ddl.file[0] && hm_sync_pos_cmp(&s->st.ddl, &s->trx_start) == 0)
            tolerant = true; /* it was in flight when the last run stopped */
        rc = apply_ddl(s, qev, &d, tolerant, err);
        if (rc != HM_OK)
            goto done;
    }
    if (ends) {
        rc = end_trx(s, file, next_pos, err);
        if (rc == HM_OK && apply)
            rc = commit_group_now(s, err); /* clears the DDL in flight */
    }
done:
    hm_sync_ddl_release(&d);
    return rc;
}

static hm_code on_rows(hm_sync *s, const hm_binlog_event *ev, hm_err *err)
{
    const hm_binlog_table *t = hm_binlog_tables_get(&s->maps, ev->u.rows.table_id);
    hm_binlog_event in;
    hm_code rc;
    if (!t)
        return hm_err_set(err, HM_ESOURCE, "at %s:%llu a row event names table id %llu, which no table map "
                          "described", s->fmt.file, (unsigned long long)ev->pos,
                          (unsigned long long)ev->u.rows.table_id);
    if (!selected(s, t->db, t->name) || before_table_snapshot(s, t->db, strlen(t->db), t->name, strlen(t->name)))
        return HM_OK;
    in = *ev;
    if (hm_binlog_is_compressed(&in) && (rc = hm_binlog_inflate(&s->fmt, &in, &s->inflated, err)) != HM_OK)
        return rc;
    if (s->xa.skip)
        return HM_OK;
    if (s->xa.active)
        return xa_rows(s, &in, t, err);
    open_group(s);
    /* rows event flag 0x0002: the source session had foreign_key_checks off */
    if ((rc = set_fk_checks(s, (ev->u.rows.flags & 0x0002) == 0, err)) != HM_OK)
        return rc;
    return hm_sync_apply_rows(s->L->ap, &s->fmt, &in, t, err);
}

static hm_code on_event(hm_sync *s, const hm_binlog_event *ev, const char *file, uint64_t next_pos,
                        hm_err *err);

static hm_code on_payload(hm_sync *s, const hm_binlog_event *ev, const char *file, uint64_t next_pos,
                          hm_err *err)
{
    hm_binlog_payload_iter it;
    hm_binlog_event in;
    bool more = true;
    hm_code rc = hm_binlog_payload_begin(&it, &s->fmt, ev, &s->payload, err);
    while (rc == HM_OK) {
        rc = hm_binlog_payload_next(&it, &in, &more, err);
        if (rc != HM_OK || !more)
            break;
        rc = on_event(s, &in, file, next_pos, err);
    }
    return rc;
}

static hm_code on_event(hm_sync *s, const hm_binlog_event *ev, const char *file, uint64_t next_pos,
                        hm_err *err)
{
    const hm_binlog_table *t;
    char tn[32];
    switch (ev->kind) {
    case HM_BINLOG_EV_MARIADB_GTID:
        begin_trx(s, file, ev->pos);
        s->gtid_kind = 1;
        s->g_domain = ev->u.mariadb_gtid.domain_id;
        s->g_server = ev->u.mariadb_gtid.server_id;
        s->g_seq = ev->u.mariadb_gtid.seq_no;
        if (ev->u.mariadb_gtid.flags & 0x40) { /* FL_PREPARED_XA: MariaDB logs no XA START */
            hm_sync_xid xid;
            if (!hm_sync_xa_from_event(ev, &xid))
                return hm_err_set(err, HM_ESOURCE, "at %s:%llu an XA transaction without its xid", file,
                                  (unsigned long long)ev->pos);
            return xa_begin(s, &xid, err);
        }
        return HM_OK;
    case HM_BINLOG_EV_MYSQL_GTID:
        begin_trx(s, file, ev->pos);
        s->gtid_kind = ev->u.mysql_gtid.anonymous ? 0 : 2;
        memcpy(s->g_sid, ev->u.mysql_gtid.sid, 16);
        s->g_seq = (uint64_t)ev->u.mysql_gtid.gno;
        s->g_tag_len = ev->u.mysql_gtid.tag.len; /* <= HM_BINLOG_TAG_MAX, checked by the decoder */
        memcpy(s->g_tag, ev->u.mysql_gtid.tag.p ? ev->u.mysql_gtid.tag.p : "", s->g_tag_len);
        return HM_OK;
    case HM_BINLOG_EV_QUERY:
        return on_query(s, ev, file, next_pos, err);
    case HM_BINLOG_EV_TABLE_MAP:
        return hm_binlog_tables_put(&s->maps, &s->fmt, ev, &t, err);
    case HM_BINLOG_EV_ROWS:
        if (!s->in_trx)
            begin_trx(s, file, ev->pos);
        return on_rows(s, ev, err);
    case HM_BINLOG_EV_XID:
        return end_trx(s, file, next_pos, err);
    case HM_BINLOG_EV_INTVAR:
        if (ev->u.intvar.type == 2) {
            s->has_insert_id = true;
            s->insert_id = ev->u.intvar.value;
        } else {
            s->has_last_insert_id = true;
            s->last_insert_id = ev->u.intvar.value;
        }
        return HM_OK;
    case HM_BINLOG_EV_RAND:
        s->has_rand = true;
        s->rand1 = ev->u.rand.seed1;
        s->rand2 = ev->u.rand.seed2;
        return HM_OK;
    case HM_BINLOG_EV_USER_VAR:
        return on_user_var(s, ev, err);
    case HM_BINLOG_EV_TRANSACTION_PAYLOAD:
        return on_payload(s, ev, file, next_pos, err);
    case HM_BINLOG_EV_XA_PREPARE:
        return xa_prepare(s, ev, file, next_pos, err);
    case HM_BINLOG_EV_INCIDENT:
        return hm_err_set(err, HM_ESOURCE, "at %s:%llu the source's binlog has an INCIDENT event (%.*s): "
                          "changes may be missing from it, so the target cannot be kept equal; start the "
                          "migration over", file, (unsigned long long)ev->pos,
                          (int)ev->u.incident.message.len, ev->u.incident.message.p);
    case HM_BINLOG_EV_ROTATE:
        hm_binlog_tables_clear(&s->maps);
        return HM_OK;
    case HM_BINLOG_EV_UNKNOWN:
        if (ev->flags & HM_BINLOG_F_IGNORABLE)
            return HM_OK;
        return hm_err_set(err, HM_ESOURCE, "at %s:%llu the source's binlog has an event of type %s that this "
                          "version does not know and may not skip", file, (unsigned long long)ev->pos,
                          hm_binlog_type_name_r(ev->type, tn, sizeof tn));
    default:
        return HM_OK;
    }
}

/* ---- parallel apply: the reader's side (sync/par.h) ----
 *
 *   P_IDLE --GTID--> P_BUF: GTID, BEGIN, TABLE_MAP and row events of selected tables with a
 *                    NOT NULL unique key are buffered, their conflict keys gathered
 *   P_BUF  --XID--> submitted to the pool (or skipped: committed before a crash, or nothing
 *                   selected in it) --> P_IDLE
 *   P_BUF / P_IDLE --anything else--> barrier: wait until the pool has committed everything
 *                   before it, replay the buffered events through on_event (the serial path),
 *                   --> P_PASS: every event goes to on_event until the transaction ends; its
 *                   group is committed with the main checkpoint --> P_IDLE
 * Events outside transactions that change nothing (rotate, format, heartbeats, GTID lists) go to
 * on_event in P_IDLE.
 */

/* The barrier ends: committed with the main checkpoint, then done in the pool. */
static hm_code par_pass_end(hm_sync *s, hm_err *err)
{
    hm_code rc;
    bool ddl = s->ddls != s->ddls_at;
    if ((s->group_open || hm_sync_pos_cmp(&s->committed, &s->pending) != 0) &&
        (rc = commit_group_now(s, err)) != HM_OK)
        return rc;
    if ((rc = flight_wait(s, err)) != HM_OK)
        return rc;
    hm_sync_par_barrier_end(s->par, s->pseq, &s->pending, &s->pg, ddl);
    if (ddl)
        hm_sync_pkeys_forget_all(s->pkeys);
    memset(&s->pg, 0, sizeof s->pg);
    s->pmode = P_IDLE;
    return HM_OK;
}

/* What is buffered, then ev, go through the serial path once the pool is drained. */
static hm_code par_barrier(hm_sync *s, const hm_sync_entry *e, const hm_binlog_event *ev, hm_err *err)
{
    hm_code rc;
    hm_sync_ptrx *t = s->ptx;
    hm_sync_par_stats ps;
    s->ptx = NULL;
    if ((rc = hm_sync_par_barrier_begin(s->par, &s->pseq, err)) != HM_OK) {
        hm_sync_ptrx_free(t);
        return rc;
    }
    hm_sync_par_get_stats(s->par, &ps);
    if (hm_sync_pos_cmp(&ps.lwm, &s->committed) > 0)
        s->committed = ps.lwm;
    s->pmode = P_PASS;
    s->ddls_at = s->ddls;
    if (t) {
        size_t off = 0;
        const uint8_t *raw;
        uint32_t size;
        uint64_t pos;
        while (hm_sync_ptrx_next(t, &off, &raw, &size, &pos)) {
            hm_binlog_event rev;
            if ((rc = hm_binlog_event_decode(&s->fmt, raw, size, 0, &rev, err)) != HM_OK)
                break;
            rev.pos = pos;
            if ((rc = on_event(s, &rev, e->file, pos + size, err)) != HM_OK)
                break;
        }
        hm_sync_ptrx_free(t);
        if (rc != HM_OK)
            return rc;
    }
    if ((rc = on_event(s, ev, e->file, e->next_pos, err)) != HM_OK)
        return rc;
    return s->in_trx ? HM_OK : par_pass_end(s, err);
}

/* A row event in P_BUF: buffered with its keys (*simple), or not selected (nothing), or a
 * reason for a barrier (*simple false). */
static hm_code par_rows(hm_sync *s, const hm_sync_entry *e, const hm_binlog_event *ev, bool *simple, hm_err *err)
{
    const hm_binlog_table *t = hm_binlog_tables_get(&s->maps, ev->u.rows.table_id);
    const hm_sync_deps_keydef *keys;
    size_t nkeys;
    unsigned max_col;
    hm_binlog_rows_iter it;
    bool more = true;
    hm_code rc;
    *simple = false;
    if (!t)
        return HM_OK; /* the serial path says what is wrong */
    if (!selected(s, t->db, t->name) || before_table_snapshot(s, t->db, strlen(t->db), t->name, strlen(t->name))) {
        *simple = true;
        return HM_OK;
    }
    if (ev->u.rows.compressed || ev->u.rows.partial || hm_binlog_is_compressed(ev))
        return HM_OK;
    if ((rc = hm_sync_pkeys_get(s->pkeys, t->db, t->name, &keys, &nkeys, &max_col, err)) != HM_OK)
        return rc;
    if (!keys || max_col >= t->ncols)
        return HM_OK;
    if (t->ncols > s->kcap) {
        for (int i = 0; i < 2; i++) {
            hm_binlog_value *v = realloc(s->kimg[i], t->ncols * sizeof *v);
            if (!v)
                return hm_err_set(err, HM_ENOMEM, "out of memory");
            s->kimg[i] = v;
        }
        s->kcap = t->ncols;
    }
    if (hm_binlog_rows_begin(&it, &s->fmt, ev, t, err) != HM_OK)
        return HM_OK; /* the serial path fails it with its message */
    for (;;) {
        hm_binlog_value *b = ev->u.rows.action == HM_BINLOG_ROWS_WRITE ? NULL : s->kimg[0];
        hm_binlog_value *a = ev->u.rows.action == HM_BINLOG_ROWS_DELETE ? NULL : s->kimg[1];
        if (hm_binlog_rows_next(&it, b, a, &more, err) != HM_OK)
            return HM_OK;
        if (!more)
            break;
        if ((b && !hm_sync_deps_row_keys(keys, nkeys, b, hm_sync_ptrx_key, s->ptx)) ||
            (a && !hm_sync_deps_row_keys(keys, nkeys, a, hm_sync_ptrx_key, s->ptx)))
            return HM_OK;
    }
    if (hm_sync_ptrx_add(s->ptx, e->raw, e->size, ev->pos) != HM_OK)
        return HM_OK; /* too large to buffer: streamed */
    s->ptx_rows++;
    *simple = true;
    return HM_OK;
}

/* The buffered transaction ends at e: to the pool, or skipped. */
static hm_code par_trx_end(hm_sync *s, const hm_sync_entry *e, hm_err *err)
{
    hm_sync_ptrx *t = s->ptx;
    hm_code rc;
    bool skip;
    s->ptx = NULL;
    set_pos(&t->end, e->file, e->next_pos);
    t->gtid = s->pg;
    t->fmt = s->fmt;
    if ((rc = hm_sync_trx_gtid_add(s->gtid, &s->pg, err)) != HM_OK) {
        hm_sync_ptrx_free(t);
        return rc;
    }
    set_pos(&s->pending, e->file, e->next_pos);
    s->pmode = P_IDLE;
    memset(&s->pg, 0, sizeof s->pg);
    skip = hm_sync_resume_skip(&s->plan, &t->end);
    if (!skip)
        s->trx_done++; /* a skipped one was counted by the worker that committed it */
    if (s->ptx_rows == 0 || skip) {
        rc = hm_sync_par_skip(s->par, &t->end, &t->gtid, err);
        hm_sync_ptrx_free(t);
        return rc;
    }
    return hm_sync_par_submit(s->par, t, err);
}

/* Whether the reader is past every transaction the run skips (committed by an earlier run): only
 * then may the serial path apply, or the main checkpoint alone say where the task is. */
static bool skip_passed(const hm_sync *s)
{
    return s->plan.nskip == 0 || hm_sync_pos_cmp(&s->pending, &s->plan.skip[s->plan.nskip - 1]) >= 0;
}

static hm_code par_event(hm_sync *s, const hm_sync_entry *e, const hm_binlog_event *ev, hm_err *err)
{
    hm_code rc;
    bool simple;
    if (s->pmode == P_PASS) {
        if ((rc = on_event(s, ev, e->file, e->next_pos, err)) != HM_OK)
            return rc;
        return s->in_trx ? HM_OK : par_pass_end(s, err);
    }
    if (s->pmode == P_IDLE) {
        switch (ev->kind) {
        case HM_BINLOG_EV_MARIADB_GTID:
        case HM_BINLOG_EV_MYSQL_GTID:
            memset(&s->pg, 0, sizeof s->pg);
            if (ev->kind == HM_BINLOG_EV_MARIADB_GTID) {
                s->pg.kind = 1;
                s->pg.domain = ev->u.mariadb_gtid.domain_id;
                s->pg.server = ev->u.mariadb_gtid.server_id;
                s->pg.seq = ev->u.mariadb_gtid.seq_no;
                if (ev->u.mariadb_gtid.flags & 0x40) /* FL_PREPARED_XA */
                    return par_barrier(s, e, ev, err);
            } else if (!ev->u.mysql_gtid.anonymous) {
                s->pg.kind = 2;
                memcpy(s->pg.sid, ev->u.mysql_gtid.sid, 16);
                s->pg.seq = (uint64_t)ev->u.mysql_gtid.gno;
                s->pg.tag_len = ev->u.mysql_gtid.tag.len;
                memcpy(s->pg.tag, ev->u.mysql_gtid.tag.p ? ev->u.mysql_gtid.tag.p : "", s->pg.tag_len);
            }
            if (!(s->ptx = hm_sync_ptrx_new(PAR_TRX_BYTES, HM_SYNC_PAR_MAX_KEYS)))
                return hm_err_set(err, HM_ENOMEM, "out of memory");
            s->ptx_rows = 0;
            set_pos(&s->trx_start, e->file, ev->pos);
            s->pmode = P_BUF;
            if (hm_sync_ptrx_add(s->ptx, e->raw, e->size, ev->pos) != HM_OK)
                return par_barrier(s, e, ev, err);
            return HM_OK;
        case HM_BINLOG_EV_FORMAT_DESCRIPTION:
        case HM_BINLOG_EV_ROTATE:
        case HM_BINLOG_EV_STOP:
        case HM_BINLOG_EV_HEARTBEAT:
        case HM_BINLOG_EV_PREVIOUS_GTIDS:
        case HM_BINLOG_EV_GTID_LIST:
        case HM_BINLOG_EV_BINLOG_CHECKPOINT:
        case HM_BINLOG_EV_START_ENCRYPTION:
        case HM_BINLOG_EV_ROWS_QUERY:
        case HM_BINLOG_EV_UNKNOWN:
            return on_event(s, ev, e->file, e->next_pos, err);
        default:
            return par_barrier(s, e, ev, err);
        }
    }
    /* P_BUF */
    switch (ev->kind) {
    case HM_BINLOG_EV_QUERY:
        if (!ev->u.query.compressed && ev->u.query.query.len == 5 && memcmp(ev->u.query.query.p, "BEGIN", 5) == 0 &&
            hm_sync_ptrx_add(s->ptx, e->raw, e->size, ev->pos) == HM_OK)
            return HM_OK;
        return par_barrier(s, e, ev, err);
    case HM_BINLOG_EV_TABLE_MAP: {
        const hm_binlog_table *t;
        if ((rc = hm_binlog_tables_put(&s->maps, &s->fmt, ev, &t, err)) != HM_OK)
            return rc;
        if (hm_sync_ptrx_add(s->ptx, e->raw, e->size, ev->pos) != HM_OK)
            return par_barrier(s, e, ev, err);
        return HM_OK;
    }
    case HM_BINLOG_EV_ROWS:
        if ((rc = par_rows(s, e, ev, &simple, err)) != HM_OK)
            return rc;
        return simple ? HM_OK : par_barrier(s, e, ev, err);
    case HM_BINLOG_EV_XID:
        /* following too, a transaction goes to a worker: it commits on its own connection while
         * an earlier independent one is still committing (the target's group commit can take
         * both), where the serial path (and a native serial replica) would wait for that commit
         * to end first: what makes the tail of the lag (README, the sync bench) */
        if (hm_sync_ptrx_add(s->ptx, e->raw, e->size, ev->pos) != HM_OK)
            return par_barrier(s, e, ev, err);
        return par_trx_end(s, e, err);
    case HM_BINLOG_EV_HEARTBEAT:
    case HM_BINLOG_EV_ROWS_QUERY:
        return HM_OK;
    default:
        return par_barrier(s, e, ev, err);
    }
}

/* The source's binlog end (and GTID state) now. */
static hm_code source_end(hm_sync *s, hm_sync_pos *end, char *gtid, size_t gtidsz, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    bool found;
    hm_code rc = hm_conn_query(&s->mon, "SHOW MASTER STATUS", &res, err);
    if (rc != HM_OK)
        return rc;
    row = mysql_fetch_row(res);
    if (!row) {
        mysql_free_result(res);
        return hm_err_set(err, HM_ESOURCE, "source %s: SHOW MASTER STATUS returned nothing (is log_bin off?)",
                          s->mon.addr);
    }
    set_pos(end, row[0] ? row[0] : "", strtoull(row[1] ? row[1] : "0", NULL, 10));
    mysql_free_result(res);
    if (gtid)
        rc = hm_conn_value(&s->mon, s->mon.flavor == HM_FLAVOR_MARIADB ? "SELECT @@gtid_binlog_pos"
                                                                     : "SELECT @@gtid_executed",
                           gtid, gtidsz, &found, err);
    return rc;
}

/* Bytes the source has written past the checkpoint (SHOW BINARY LOGS). */
static void measure_lag_bytes(hm_sync *s)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_err ignore;
    hm_sync_pos p;
    uint64_t behind = 0;
    bool seen = false;
    s->lag_known = false;
    if (hm_conn_query(&s->mon, "SHOW BINARY LOGS", &res, &ignore) != HM_OK || !res)
        return;
    while ((row = mysql_fetch_row(res)) != NULL) {
        uint64_t size = strtoull(row[1] ? row[1] : "0", NULL, 10);
        int c;
        set_pos(&p, row[0] ? row[0] : "", size);
        c = hm_sync_pos_cmp(&p, &s->committed);
        if (strcmp(p.file, s->committed.file) == 0) {
            seen = true;
            behind += size > s->committed.pos ? size - s->committed.pos : 0;
        } else if (c > 0) {
            behind += size;
        }
    }
    mysql_free_result(res);
    if (seen) {
        s->lag_bytes = behind;
        s->lag_known = true;
    }
}

/* Parallel, between barriers: the checkpoint reported is the workers' low-water mark and its
 * GTID set (the main checkpoint row moves at barriers only). */
static void par_checkpoint(hm_sync *s)
{
    hm_sync_pos lwm;
    hm_err e;
    if (!s->par || s->pmode == P_PASS || s->group_open || hm_sync_committer_busy(s->committer))
        return;
    if (hm_sync_par_lwm(s->par, &lwm, &s->gtid_txt, &e) == HM_OK) {
        if (hm_sync_pos_cmp(&lwm, &s->committed) >= 0)
            s->committed = lwm;
    } else {
        (void)gtid_text(s, &e);
    }
}

static void report(hm_sync *s, bool force, const char *last_error)
{
    hm_sync_progress p;
    double now = hm_clock_now(), dt = now - s->last_progress;
    uint64_t trx = s->trx_base + s->trx_committed, rows = s->rows_base + s->rows_committed;
    if (!s->o.progress || (!force && dt * 1000 < s->o.progress_interval_ms))
        return;
    par_checkpoint(s);
    if (s->mon.my && now - s->last_lag_check >= 1.0) {
        measure_lag_bytes(s);
        s->last_lag_check = now;
    }
    memset(&p, 0, sizeof p);
    if (s->phase == HM_SYNC_CATCHING_UP || s->phase == HM_SYNC_FOLLOWING) {
        /* following: what is left to apply is what a busy source writes in a moment */
        bool behind = (s->lag_known && s->lag_bytes > ((uint64_t)4 << 20)) ||
                      (s->last_ts && (double)time(NULL) - (double)s->last_ts > 5);
        s->phase = s->idle || !behind ? HM_SYNC_FOLLOWING : HM_SYNC_CATCHING_UP;
        if (s->par)
            hm_sync_par_following(s->par, s->phase == HM_SYNC_FOLLOWING);
    }
    p.phase = s->phase;
    p.file = s->committed.file;
    p.pos = s->committed.pos;
    p.gtid_set = s->gtid_txt.data ? s->gtid_txt.data : "";
    if ((s->idle && !s->group_open) || s->phase == HM_SYNC_FINISHED)
        p.lag_s = 0;
    else
        p.lag_s = s->last_ts ? (double)time(NULL) - (double)s->last_ts : 0;
    if (p.lag_s < 0)
        p.lag_s = 0;
    p.lag_bytes = (s->idle && !s->group_open) || s->phase == HM_SYNC_FINISHED ? 0 : s->lag_bytes;
    p.lag_bytes_known = s->lag_known || (s->idle && !s->group_open) || s->phase == HM_SYNC_FINISHED;
    p.trx_applied = trx;
    p.rows_applied = rows;
    p.trx_per_sec = dt > 0 && trx >= s->prog_trx ? (double)(trx - s->prog_trx) / dt : 0;
    p.rows_per_sec = dt > 0 && rows >= s->prog_rows ? (double)(rows - s->prog_rows) / dt : 0;
    p.elapsed_s = now - s->t0;
    p.reconnects = s->reconnects;
    p.last_error = last_error;
    p.keyless_rows = keyless_now(s);
    p.slow_tables = s->slow.data && s->slow.len ? s->slow.data : NULL;
    s->o.progress(&p, s->o.progress_ud);
    s->last_progress = now;
    s->prog_trx = trx;
    s->prog_rows = rows;
}

static void run_release(hm_sync *s)
{
    if (s->feed)
        hm_sync_feed_stop(s->feed);
    s->feed = NULL;
    /* the workers first: a group they have not committed is rolled back */
    hm_sync_par_stop(s->par);
    s->par = NULL;
    hm_sync_ptrx_free(s->ptx);
    s->ptx = NULL;
    s->pmode = P_IDLE;
    hm_sync_pkeys_free(s->pkeys);
    s->pkeys = NULL;
    if (s->warm) /* after the pool, which borrowed the list */
        mysql_free_result(s->warm);
    s->warm = NULL;
    free(s->warm_db);
    free(s->warm_tbl);
    s->warm_db = s->warm_tbl = NULL;
    s->nwarm = s->warm_at = 0;
    hm_conn_close(&s->meta);
    hm_sync_resume_release(&s->plan);
    for (int i = 0; i < 2; i++) {
        free(s->kimg[i]);
        s->kimg[i] = NULL;
    }
    s->kcap = 0;
    xa_close(s);
    /* a commit in flight ends first: its connection is the committer's until then */
    hm_sync_committer_free(s->committer);
    s->committer = NULL;
    for (int i = 0; i < 2; i++) {
        sync_lane *l = &s->lanes[i];
        if (l->ckpt)
            mysql_stmt_close(l->ckpt);
        l->ckpt = NULL;
        if (l->ap) {
            hm_sync_apply_stats st;
            hm_sync_applier_stats(l->ap, &st);
            s->keyless_base += st.keyless_rows;
            hm_sync_applier_free(l->ap);
        }
        l->ap = NULL;
        if (l->tgt.my)
            mysql_rollback(l->tgt.my);
        hm_conn_close(&l->tgt);
    }
    s->L = &s->lanes[0];
    hm_conn_close(&s->mon);
    hm_binlog_tables_release(&s->maps);
    if (s->gtid)
        hm_gtid_set_free(s->gtid);
    s->gtid = NULL;
    hm_sync_state_release(&s->st);
    hm_sync_snaps_release(&s->snaps);
    hm_buf_release(&s->inflated);
    hm_buf_release(&s->payload);
    hm_buf_release(&s->stmt_ctx);
}

static hm_code finish_now(hm_sync *s, hm_sync_result *res, hm_err *err)
{
    hm_code rc = flight_wait(s, err);
    if (rc != HM_OK)
        return rc;
    if (s->group_open || hm_sync_pos_cmp(&s->committed, &s->pending) != 0) {
        open_group(s);
        if ((rc = commit_group_now(s, err)) != HM_OK)
            return rc;
    }
    /* the feed is not needed any more; its connection goes before the DDL below */
    hm_sync_feed_stop(s->feed);
    s->feed = NULL;
    if ((rc = hm_deferred_create(&s->mon, &s->L->tgt, &s->sel, &res->deferred_created, err)) != HM_OK)
        return rc;
    if ((rc = plain_session(s->L, err)) != HM_OK)
        return rc;
    if ((rc = hm_sync_state_finish(&s->L->tgt, &s->goal, s->goal_gtid, err)) != HM_OK)
        return rc;
    if (mysql_commit(s->L->tgt.my) != 0)
        return hm_conn_fail(&s->L->tgt, "recording the finish", err);
    res->finished = true;
    snprintf(res->file, sizeof res->file, "%s", s->goal.file);
    res->pos = s->goal.pos;
    snprintf(res->gtid_set, sizeof res->gtid_set, "%s", s->goal_gtid);
    s->phase = HM_SYNC_FINISHED;
    report(s, true, NULL);
    return HM_OK;
}

/* A run that lost its target connection may have left a transaction open on the server (a COMMIT
 * still on its way through the network, say): it must end before this run reads where to start,
 * or it could commit changes this run then applies again. A locking read of the checkpoint rows
 * waits until no other transaction holds them; a wait that times out is retried as a lost
 * connection is (the old session is dropped by the server in time). */
static hm_code wait_earlier_runs(hm_sync *s, hm_err *err)
{
    static const char *const q[] = {
        "SELECT id FROM `hotmig_meta`.`sync_state` WHERE id = 1 FOR UPDATE",
        "SELECT worker FROM `hotmig_meta`.`sync_worker` WHERE id = 1 FOR UPDATE",
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        MYSQL_RES *res;
        if (mysql_query(s->L->tgt.my, q[i]) != 0) {
            unsigned e = mysql_errno(s->L->tgt.my);
            if (e == 1205 || e == 1213)
                return hm_err_set(err, HM_ECONNECT, "target %s: a transaction of an earlier run still holds the "
                                  "sync's checkpoint (%u); retrying", s->L->tgt.addr, e);
            return hm_conn_fail(&s->L->tgt, "reading the checkpoint", err);
        }
        if ((res = mysql_store_result(s->L->tgt.my)) != NULL)
            mysql_free_result(res);
    }
    if (mysql_commit(s->L->tgt.my) != 0)
        return hm_conn_fail(&s->L->tgt, "committing", err);
    return HM_OK;
}

/* Where this run starts (sync/resume.h): the main checkpoint and the workers' rows of an earlier
 * parallel run, as one plan; *from_gtid (owned) is the GTID set at its start. After a failover
 * (a checkpoint at position 0, a GTID set alone) worker rows are positions in the old source's
 * binlog: they are not read (hm_sync_failover refuses while they are ahead of the checkpoint). */
static hm_code resume_plan(hm_sync *s, char **from_gtid, hm_err *err)
{
    hm_sync_wstate *w = NULL;
    hm_sync_wrow *rows;
    size_t n = 0;
    hm_code rc;
    if ((rc = hm_sync_wstate_load(&s->L->tgt, &w, &n, err)) != HM_OK)
        return rc;
    if (mysql_commit(s->L->tgt.my) != 0) {
        hm_sync_wstate_free(w, n);
        return hm_conn_fail(&s->L->tgt, "committing", err);
    }
    s->nwrows = n;
    if (s->st.at.pos == 0)
        n = 0;
    if (!(rows = calloc(n + 1, sizeof *rows))) {
        hm_sync_wstate_free(w, s->nwrows);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rows[0].lwm = s->st.at;
    rows[0].above = "";
    for (size_t i = 0; i < n; i++) {
        rows[i + 1].lwm = w[i].lwm;
        rows[i + 1].above = w[i].above;
        s->trx_base += w[i].trx; /* what the workers committed, counted once from here */
        s->rows_base += w[i].rows;
    }
    rc = hm_sync_resume_plan(rows, n + 1, HM_SYNC_PAR_ABOVE_MAX, &s->plan, err);
    if (rc == HM_OK && !(*from_gtid = strdup(s->plan.from_row == 0 ? s->st.gtid : w[s->plan.from_row - 1].gtid)))
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    free(rows);
    hm_sync_wstate_free(w, s->nwrows);
    return rc;
}

/* The checkpoint rows made to say the plan's start in one target transaction: the main one at
 * `from` when a worker's row was ahead of it, the workers' rows (one per worker of this run, none
 * when serial) at `from`, worker 0's holding the skip set until the low-water mark passes it
 * (else a second crash would forget them). Then, parallel, the pool. Serial with no worker rows
 * and nothing to skip: nothing changes. */
static hm_code par_setup(hm_sync *s, const char *from_gtid, hm_err *err)
{
    bool parallel;
    unsigned nw;
    if (s->threads_default) {
        /* the default leaves most of a small target's connections to others: one worker per 8 */
        char v[32];
        bool found = false;
        hm_code qrc = hm_conn_value(&s->L->tgt, "SELECT @@max_connections", v, sizeof v, &found, err);
        if (qrc != HM_OK)
            return qrc;
        unsigned long mc = found ? strtoul(v, NULL, 10) : 0;
        s->o.apply_threads = HM_SYNC_APPLY_THREADS_DEFAULT;
        if (mc / 8 < s->o.apply_threads)
            s->o.apply_threads = mc / 8 > 1 ? (unsigned)(mc / 8) : 1;
    }
    parallel = s->o.apply_threads > 1 || s->plan.nskip > 0;
    nw = parallel ? s->o.apply_threads : 0;
    hm_sync_par_opts po;
    hm_buf above;
    hm_code rc = HM_OK;
    if (!parallel && s->nwrows == 0)
        return HM_OK;
    if (hm_sync_pos_cmp(&s->plan.from, &s->st.at) != 0 || s->trx_base != s->st.trx_applied ||
        s->rows_base != s->st.rows_applied) {
        if ((rc = hm_sync_state_save(s->L->ckpt, &s->plan.from, from_gtid, s->trx_base, s->rows_base, err)) != HM_OK)
            return rc;
        if (s->st.ddl.file[0] && (rc = hm_sync_state_set_ddl(&s->L->tgt, &s->st.ddl, err)) != HM_OK)
            return rc;
    }
    hm_buf_init(&above, (size_t)64 << 20);
    rc = hm_sync_resume_above(&above, &s->plan.from, s->plan.skip, s->plan.nskip, err);
    if (rc == HM_OK)
        rc = hm_sync_wstate_reset(&s->L->tgt, nw, &s->plan.from, from_gtid, above.len ? above.data : "", err);
    hm_buf_release(&above);
    if (rc != HM_OK)
        return rc;
    if (mysql_commit(s->L->tgt.my) != 0)
        return hm_conn_fail(&s->L->tgt, "writing the workers' checkpoints", err);
    if (!parallel)
        return HM_OK;
    if ((rc = hm_conn_open(&s->meta, &s->o.target, "target", 0, err)) != HM_OK)
        return rc;
    if (!(s->pkeys = hm_sync_pkeys_new(&s->meta, err)))
        return err->code;
    memset(&po, 0, sizeof po);
    po.target = &s->o.target;
    po.workers = nw;
    po.window = HM_SYNC_PAR_WINDOW;
    po.max_bytes = PAR_BYTES;
    po.max_group_trx = s->o.max_group_trx;
    po.lwm = s->plan.from;
    po.lwm_gtid = from_gtid;
    po.above0 = s->plan.skip;
    po.nabove0 = s->plan.nskip;
    po.cancel = &s->cancel;
    /* the copied tables (the first 256: what an applier caches), whose definitions the workers
     * and the reader load early (warm_keys) */
    hm_err ignored;
    if (hm_conn_query(&s->meta, "SELECT db, tbl FROM `hotmig_meta`.`copy_table` ORDER BY db, tbl LIMIT 256",
                      &s->warm, &ignored) == HM_OK && s->warm) {
        size_t n = (size_t)mysql_num_rows(s->warm);
        MYSQL_ROW row;
        s->warm_db = calloc(n ? n : 1, sizeof *s->warm_db);
        s->warm_tbl = calloc(n ? n : 1, sizeof *s->warm_tbl);
        while (s->warm_db && s->warm_tbl && (row = mysql_fetch_row(s->warm)) != NULL && s->nwarm < n)
            if (row[0] && row[1]) {
                s->warm_db[s->nwarm] = row[0];
                s->warm_tbl[s->nwarm++] = row[1];
            }
    }
    po.warm_db = s->warm_db;
    po.warm_table = s->warm_tbl;
    po.nwarm = s->nwarm;
    if (!(s->par = hm_sync_par_start(&po, err)))
        return err->code;
    s->pmode = P_IDLE;
    return HM_OK;
}

/* Parallel, idle (nothing came for TAKE_MS): the conflict keys of the next copied tables, for
 * at most 20 ms or until an event waits, so that the first change to a table does not stall the
 * reader on information_schema (tens of ms a table). Errors are left to the real lookup. */
static void warm_keys(hm_sync *s)
{
    double until = hm_clock_now() + 0.02;
    while (s->warm_at < s->nwarm && hm_clock_now() < until && hm_sync_feed_empty(s->feed)) {
        const hm_sync_deps_keydef *keys;
        size_t n;
        unsigned max_col;
        hm_err ignored;
        size_t i = s->warm_at++;
        (void)hm_sync_pkeys_get(s->pkeys, s->warm_db[i], s->warm_tbl[i], &keys, &n, &max_col, &ignored);
    }
}

/* Parallel: a worker's error ends the run; the checkpoint and counters follow the pool. */
static hm_code par_follow(hm_sync *s, hm_err *err)
{
    hm_sync_par_stats ps;
    hm_code rc = hm_sync_par_error(s->par, err);
    if (rc != HM_OK)
        return rc;
    hm_sync_par_get_stats(s->par, &ps);
    if (s->pmode != P_PASS && !s->group_open && hm_sync_pos_cmp(&ps.lwm, &s->committed) > 0)
        s->committed = ps.lwm;
    s->trx_committed = s->trx_done > ps.inflight ? s->trx_done - ps.inflight : 0;
    s->rows_committed = rows_now(s);
    s->par_inflight = ps.inflight;
    return HM_OK;
}

static bool par_busy(const hm_sync *s)
{
    return s->par_inflight > 0;
}

/* The run ends (stopped on request, or the source lost, ...): once the workers have committed
 * what they were given (a few seconds at most; at once when they failed), the main checkpoint
 * takes the low-water mark and the workers' rows go (the next parallel start writes them anew),
 * so that the task stops in one place, as a serial one does (a failover to another server needs
 * it; so does anyone reading hotmig_meta.sync_state). Else the rows stay as they are: the next
 * start resumes from them, exactly as after a crash. */
static void par_stop_clean(hm_sync *s)
{
    hm_err e;
    hm_sync_par_stats ps;
    /* not before the skip set is passed: the workers' rows hold it (a second crash needs it) */
    if (s->pmode == P_PASS || s->group_open || !s->L->ckpt || !skip_passed(s) || !hm_sync_par_quiesce(s->par, 5.0))
        return;
    hm_sync_par_get_stats(s->par, &ps);
    if (hm_sync_pos_cmp(&ps.lwm, &s->pending) != 0 || gtid_text(s, &e) != HM_OK)
        return;
    if (hm_sync_state_save(s->L->ckpt, &s->pending, s->gtid_txt.data ? s->gtid_txt.data : "",
                           s->trx_base + s->trx_done, rows_now(s), &e) == HM_OK &&
        hm_sync_wstate_reset(&s->L->tgt, 0, &s->pending, "", "", &e) == HM_OK &&
        mysql_commit(s->L->tgt.my) == 0) {
        s->committed = s->main_at = s->pending;
        s->trx_committed = s->trx_done;
        s->rows_committed = rows_now(s);
    } else {
        mysql_rollback(s->L->tgt.my);
    }
}

static hm_code run_once(hm_sync *s, hm_sync_result *res, hm_err *err)
{
    hm_code rc;
    hm_binlog_event ev;
    char *from_gtid = NULL;

    hm_binlog_tables_init(&s->maps);
    hm_buf_init(&s->inflated, (size_t)1 << 30);
    hm_buf_init(&s->payload, (size_t)1 << 30);
    hm_buf_init(&s->gtid_txt, (size_t)16 << 20);
    hm_buf_init(&s->stmt_ctx, (size_t)64 << 20);
    stmt_ctx_clear(s);
    memset(s->coll, 0, sizeof s->coll);
    s->in_trx = s->began = s->group_open = false;
    s->gtid_kind = 0;
    s->group_trx = 0;
    s->trx_done = s->trx_committed = s->rows_committed = 0;
    s->xa.rows = 0;
    s->idle = false;

    s->L = &s->lanes[0];
    for (int i = 0; i < 2; i++) {
        if ((rc = hm_conn_open(&s->lanes[i].tgt, &s->o.target, "target", HM_CONN_FOUND_ROWS, err)) != HM_OK)
            goto out;
        if ((rc = plain_session(&s->lanes[i], err)) != HM_OK)
            goto out;
    }
    if ((rc = hm_sync_state_load(&s->L->tgt, &s->st, err)) != HM_OK)
        goto out;
    if (mysql_commit(s->L->tgt.my) != 0) {
        rc = hm_conn_fail(&s->L->tgt, "committing", err);
        goto out;
    }
    /* the checkpoint as it is once no earlier run's transaction holds it */
    if ((rc = wait_earlier_runs(s, err)) != HM_OK)
        goto out;
    hm_sync_state_release(&s->st);
    if ((rc = hm_sync_state_load(&s->L->tgt, &s->st, err)) != HM_OK)
        goto out;
    if (mysql_commit(s->L->tgt.my) != 0) {
        rc = hm_conn_fail(&s->L->tgt, "committing", err);
        goto out;
    }
    if ((rc = hm_sync_xa_meta(&s->L->tgt, err)) != HM_OK) /* DDL: before anything is open */
        goto out;
    s->trx_base = s->st.trx_applied;
    s->rows_base = s->st.rows_applied;
    if (strcmp(s->st.phase, "finished") == 0) {
        res->finished = true;
        snprintf(res->file, sizeof res->file, "%s", s->st.final.file);
        res->pos = s->st.final.pos;
        snprintf(res->gtid_set, sizeof res->gtid_set, "%s", s->st.final_gtid);
        s->phase = HM_SYNC_FINISHED;
        goto out;
    }
    if ((rc = resume_plan(s, &from_gtid, err)) != HM_OK)
        goto out;
    s->committed = s->pending = s->main_at = s->plan.from;
    s->prog_trx = s->trx_base; /* rates count this run's work, not the totals */
    s->prog_rows = s->rows_base;
    if ((s->gtid = hm_gtid_set_new()) == NULL) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hm_gtid_set_parse(s->gtid, from_gtid, err)) != HM_OK)
        goto out;
    if ((rc = gtid_text(s, err)) != HM_OK)
        goto out;
    if ((rc = hm_sync_snaps_load(&s->L->tgt, &s->st.start, &s->snaps, err)) != HM_OK)
        goto out;
    if (mysql_commit(s->L->tgt.my) != 0) {
        rc = hm_conn_fail(&s->L->tgt, "committing", err);
        goto out;
    }
    /* position 0: a checkpoint that is a GTID set alone (after a failover, which checked that the
     * snapshots were passed) */
    s->snaps_active = s->committed.pos != 0 && hm_sync_pos_cmp(&s->committed, &s->snaps.last) < 0;
    for (int i = 0; i < 2; i++) {
        if ((s->lanes[i].ckpt = hm_sync_state_prepare(&s->lanes[i].tgt, err)) == NULL ||
            (s->lanes[i].ap = hm_sync_applier_new(&s->lanes[i].tgt, err)) == NULL) {
            rc = err->code;
            goto out;
        }
        hm_sync_applier_on_keyless(s->lanes[i].ap, note_slow, s);
    }
    if ((s->committer = hm_sync_committer_new(err)) == NULL) {
        rc = err->code;
        goto out;
    }
    if ((rc = par_setup(s, from_gtid, err)) != HM_OK)
        goto out;
    if ((rc = hm_conn_open(&s->mon, &s->o.source, "source", 0, err)) != HM_OK)
        goto out;
    {
        /* a resume may name another source (failover): never one that is the target */
        hm_server_match m;
        if ((rc = hm_server_compare(&s->mon, &s->L->tgt, &m, err)) != HM_OK)
            goto out;
        if (m.same) {
            rc = hm_server_same_error(&s->mon, &s->L->tgt, &m, err);
            goto out;
        }
    }
    rc = hm_sync_feed_start(&s->feed, &s->o.source, s->committed.file, s->committed.pos,
                            s->gtid_txt.data ? s->gtid_txt.data : "", s->server_id,
                            s->par ? FEED_BYTES_PAR : FEED_BYTES, err);
    if (rc != HM_OK)
        goto out;
    s->fmt = *hm_sync_feed_fmt0(s->feed);
    s->fmt.verify_checksum = false; /* the feed's reader verified every checksum already */
    s->phase = HM_SYNC_CATCHING_UP;
    report(s, true, NULL);

    for (;;) {
        hm_sync_entry *e;
        if (atomic_load(&s->cancel)) {
            rc = hm_err_set(err, HM_ECANCELLED, "stopped");
            goto out;
        }
        if (atomic_load(&s->finish_req) && !s->finishing) {
            if (atomic_load(&s->lock_source)) {
                if ((rc = hm_conn_exec(&s->mon, "SET GLOBAL read_only = ON", err)) != HM_OK) {
                    hm_err_prefix(err, "setting the source read-only for the cut-over (--lock-source; it "
                                       "takes SUPER or READ_ONLY ADMIN)");
                    goto out;
                }
                res->source_locked = true;
            }
            if ((rc = source_end(s, &s->goal, s->goal_gtid, sizeof s->goal_gtid, err)) != HM_OK)
                goto out;
            s->finishing = true;
            s->phase = HM_SYNC_FINISHING;
            report(s, true, NULL);
        }
        if (s->finishing && !reader_in_trx(s) && hm_sync_pos_cmp(&s->pending, &s->goal) >= 0) {
            /* parallel: everything read is committed first; the main checkpoint then takes it */
            if (s->par && (rc = hm_sync_par_drain(s->par, err)) != HM_OK)
                goto out;
            rc = finish_now(s, res, err);
            goto out;
        }
        if ((rc = pause_if_due(s, err)) != HM_OK)
            goto out;
        e = hm_sync_feed_take(s->feed, atomic_load(&s->pause_req) ? 5 : TAKE_MS);
        if (!e) {
            /* nothing came: whatever is grouped goes in now */
            if (s->group_open && !s->in_trx && (rc = commit_group(s, err)) != HM_OK)
                goto out;
            if ((rc = flight_wait(s, err)) != HM_OK)
                goto out;
            if (s->par && (rc = par_follow(s, err)) != HM_OK)
                goto out;
            if (s->par && s->pmode == P_IDLE)
                warm_keys(s);
            if (s->par && s->pmode == P_IDLE && !par_busy(s) && skip_passed(s) &&
                hm_sync_pos_cmp(&s->main_at, &s->pending) != 0) {
                /* idle: the main checkpoint catches up with what the workers committed */
                open_group(s);
                if ((rc = commit_group_now(s, err)) != HM_OK)
                    goto out;
            }
            s->idle = !reader_in_trx(s) && !(s->par && par_busy(s));
            report(s, false, NULL);
            continue;
        }
        if (e->rc != HM_OK) {
            rc = hm_err_set(err, e->rc, "%.*s", (int)e->size, (const char *)e->raw);
            free(e);
            if (strstr(err->msg, "1236")) {
                char why[600];
                snprintf(why, sizeof why, "%.500s", err->msg);
                rc = hm_err_set(err, HM_ESOURCE, "the source no longer has the binlog this task needs (from "
                                "%s:%llu): %s; the changes since then cannot be applied: start the migration "
                                "over with an empty target", s->committed.file,
                                (unsigned long long)s->committed.pos, why);
            }
            goto out;
        }
        rc = hm_binlog_event_decode(&s->fmt, e->raw, e->size, 0, &ev, err);
        if (rc == HM_OK) {
            /* the event's own position: the feed gives where the next one starts */
            ev.pos = e->next_pos >= e->size ? e->next_pos - e->size : 0;
            if (ev.kind != HM_BINLOG_EV_HEARTBEAT && ev.timestamp)
                s->last_ts = ev.timestamp;
            rc = s->par ? par_event(s, e, &ev, err) : on_event(s, &ev, e->file, e->next_pos, err);
            if (rc == HM_OK && !reader_in_trx(s) && ev.kind != HM_BINLOG_EV_HEARTBEAT)
                set_pos(&s->pending, e->file, e->next_pos);
        }
        free(e);
        if (rc != HM_OK)
            goto out;
        s->idle = false;
        if (s->par && hm_clock_now() - s->par_looked >= 0.01) { /* not every event: the pool's lock */
            s->par_looked = hm_clock_now();
            if ((rc = par_follow(s, err)) != HM_OK)
                goto out;
        }
        /* following, a group goes as soon as the commit before it is done (while it runs, the
         * group gathers what arrives: the target's fsyncs are shared); catching up, it gathers
         * up to GROUP_MAX_S */
        if (s->group_open && !s->in_trx &&
            (s->group_trx >= s->o.max_group_trx || hm_sync_feed_empty(s->feed) ||
             (s->phase == HM_SYNC_FOLLOWING ? hm_sync_committer_idle(s->committer)
                                             : hm_clock_now() - s->group_t0 >= GROUP_MAX_S)) &&
            (rc = commit_group(s, err)) != HM_OK)
            goto out;
        report(s, false, NULL);
    }
out:
    if (rc != HM_OK) {
        hm_err ferr; /* the run ends with its own error; the commit in flight only moves the checkpoint */
        (void)flight_wait(s, &ferr);
    }
    if (rc != HM_OK && s->par)
        par_stop_clean(s);
    if (s->par && rc != HM_OK)
        par_checkpoint(s);
    if (rc == HM_ECANCELLED || (rc != HM_OK && !res->finished)) {
        snprintf(res->file, sizeof res->file, "%s", s->committed.file);
        res->pos = s->committed.pos;
        snprintf(res->gtid_set, sizeof res->gtid_set, "%s", s->gtid_txt.data ? s->gtid_txt.data : "");
    }
    res->trx_applied = s->trx_base + s->trx_committed;
    res->rows_applied = s->rows_base + s->rows_committed;
    run_release(s);
    hm_buf_release(&s->gtid_txt);
    free(from_gtid);
    return rc;
}

hm_code hm_sync_run(hm_sync *s, hm_sync_result *res, hm_err *err)
{
    double first_failure = 0, backoff = 0.5;
    hm_code rc;
    memset(res, 0, sizeof *res);
    s->t0 = s->last_progress = hm_clock_now();
    s->phase = HM_SYNC_STARTING;
    for (;;) {
        double started = hm_clock_now();
        rc = run_once(s, res, err);
        if (rc == HM_OK || rc == HM_ECANCELLED || !hm_err_retryable(err))
            break;
        if (hm_clock_now() - started > 30) { /* it ran well for a while: a new outage */
            first_failure = 0;
            backoff = 0.5;
        }
        if (first_failure == 0)
            first_failure = hm_clock_now();
        if (hm_clock_now() - first_failure > s->o.retry_s) {
            hm_err_prefix(err, "gave up reconnecting after %u s", s->o.retry_s);
            break;
        }
        s->phase = HM_SYNC_RECONNECTING;
        s->reconnects++;
        report(s, true, err->msg);
        for (double waited = 0; waited < backoff && !atomic_load(&s->cancel); waited += 0.1)
            usleep(100000);
        backoff = backoff * 2 > 10 ? 10 : backoff * 2;
        if (atomic_load(&s->cancel)) {
            rc = hm_err_set(err, HM_ECANCELLED, "stopped");
            break;
        }
    }
    return rc;
}
