/*
 * sync/state.c: hotmig_meta.sync_state and the tables' snapshots (see state.h). Owns the strings
 * of the structures it fills.
 */
#include "sync/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy/meta.h"
#include "util/err.h"

static const char state_ddl[] =
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`sync_state` ("
    " id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
    " binlog_file VARCHAR(255) NOT NULL, binlog_pos BIGINT UNSIGNED NOT NULL, gtid_set MEDIUMTEXT NOT NULL,"
    " phase VARCHAR(16) NOT NULL DEFAULT 'syncing',"
    " ddl_file VARCHAR(255) NOT NULL DEFAULT '', ddl_pos BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " trx_applied BIGINT UNSIGNED NOT NULL DEFAULT 0, rows_applied BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " final_file VARCHAR(255) NOT NULL DEFAULT '', final_pos BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " final_gtid MEDIUMTEXT NULL,"
    " updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"
    ") ENGINE=InnoDB";

static const char worker_ddl[] =
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`sync_worker` ("
    " id TINYINT UNSIGNED NOT NULL, worker SMALLINT UNSIGNED NOT NULL,"
    " lwm_file VARCHAR(255) NOT NULL, lwm_pos BIGINT UNSIGNED NOT NULL, gtid_set MEDIUMTEXT NOT NULL,"
    " above MEDIUMTEXT NOT NULL,"
    " trx_applied BIGINT UNSIGNED NOT NULL DEFAULT 0, rows_applied BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),"
    " PRIMARY KEY (id, worker)) ENGINE=InnoDB";

static uint64_t file_no(const char *f)
{
    const char *dot = strrchr(f, '.');
    return dot ? strtoull(dot + 1, NULL, 10) : 0;
}

int hm_sync_pos_cmp(const hm_sync_pos *a, const hm_sync_pos *b)
{
    uint64_t fa = file_no(a->file), fb = file_no(b->file);
    if (fa != fb)
        return fa < fb ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void bind_str(MYSQL_BIND *b, const char *s, unsigned long *len)
{
    *len = (unsigned long)strlen(s);
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = (void *)s;
    b->buffer_length = *len;
    b->length = len;
}

static void bind_u64(MYSQL_BIND *b, const uint64_t *v)
{
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = (void *)v;
    b->is_unsigned = 1;
}

/* sql prepared on tgt (NULL, err set, when that fails; what names it in the message). The
 * caller owns the statement. */
static MYSQL_STMT *prepare(hm_conn *tgt, const char *sql, const char *what, hm_err *err)
{
    MYSQL_STMT *st = mysql_stmt_init(tgt->my);
    if (!st) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        hm_err_set(err, HM_ETARGET, "target %s: %s: %s (%u)", tgt->addr, what, mysql_stmt_error(st),
                   mysql_stmt_errno(st));
        mysql_stmt_close(st);
        return NULL;
    }
    return st;
}

/* Prepares sql on tgt, binds b, runs it once, closes it. */
static hm_code run_once(hm_conn *tgt, const char *sql, MYSQL_BIND *b, const char *what, hm_err *err)
{
    MYSQL_STMT *st = prepare(tgt, sql, what, err);
    hm_code rc = HM_OK;
    if (!st)
        return err->code;
    if (mysql_stmt_bind_param(st, b) != 0 || mysql_stmt_execute(st) != 0)
        rc = hm_err_set(err, HM_ETARGET, "target %s: %s: %s (%u)", tgt->addr, what, mysql_stmt_error(st),
                        mysql_stmt_errno(st));
    mysql_stmt_close(st);
    return rc;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

hm_code hm_sync_state_load(hm_conn *tgt, hm_sync_state *st, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_meta_run run;
    hm_code rc;

    memset(st, 0, sizeof *st);
    if ((rc = hm_meta_read_run(tgt, &run, err)) != HM_OK)
        return rc;
    if (!run.exists || strcmp(run.state, "done") != 0)
        return hm_err_set(err, HM_ESTATE, "target %s holds no finished copy (hotmig_meta.copy_run), so "
                          "incremental sync has no start; run the copy first (hotmig migrate resumes it)",
                          tgt->addr);
    snprintf(st->start.file, sizeof st->start.file, "%s", run.binlog_file);
    st->start.pos = run.binlog_pos;
    if ((rc = hm_conn_exec(tgt, state_ddl, err)) != HM_OK || (rc = hm_conn_exec(tgt, worker_ddl, err)) != HM_OK)
        return rc;
    if ((rc = hm_conn_query(tgt, "SELECT binlog_file, binlog_pos, gtid_set, phase, ddl_file, ddl_pos, "
                                 "trx_applied, rows_applied, final_file, final_pos, IFNULL(final_gtid, '') "
                                 "FROM `hotmig_meta`.`sync_state` WHERE id = 1", &res, err)) != HM_OK)
        return rc;
    row = mysql_fetch_row(res);
    if (row) {
        snprintf(st->at.file, sizeof st->at.file, "%s", row[0]);
        st->at.pos = strtoull(row[1], NULL, 10);
        st->gtid = dup_or_empty(row[2]);
        snprintf(st->phase, sizeof st->phase, "%s", row[3]);
        snprintf(st->ddl.file, sizeof st->ddl.file, "%s", row[4]);
        st->ddl.pos = strtoull(row[5], NULL, 10);
        st->trx_applied = strtoull(row[6], NULL, 10);
        st->rows_applied = strtoull(row[7], NULL, 10);
        snprintf(st->final.file, sizeof st->final.file, "%s", row[8]);
        st->final.pos = strtoull(row[9], NULL, 10);
        st->final_gtid = dup_or_empty(row[10]);
        mysql_free_result(res);
    } else {
        MYSQL_BIND b[3];
        unsigned long l0, l2;
        mysql_free_result(res);
        snprintf(st->at.file, sizeof st->at.file, "%s", run.binlog_file);
        st->at.pos = run.binlog_pos;
        st->gtid = dup_or_empty(run.gtid_set);
        st->final_gtid = dup_or_empty("");
        snprintf(st->phase, sizeof st->phase, "syncing");
        if (!st->gtid || !st->final_gtid) {
            hm_sync_state_release(st);
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        }
        memset(b, 0, sizeof b);
        bind_str(&b[0], st->at.file, &l0);
        bind_u64(&b[1], &st->at.pos);
        bind_str(&b[2], st->gtid, &l2);
        rc = run_once(tgt, "INSERT INTO `hotmig_meta`.`sync_state` (id, binlog_file, binlog_pos, gtid_set) "
                           "VALUES (1, ?, ?, ?)", b, "writing the sync checkpoint", err);
        if (rc != HM_OK) {
            hm_sync_state_release(st);
            return rc;
        }
    }
    if (!st->gtid || !st->final_gtid) {
        hm_sync_state_release(st);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    return HM_OK;
}

void hm_sync_state_release(hm_sync_state *st)
{
    free(st->gtid);
    free(st->final_gtid);
    st->gtid = st->final_gtid = NULL;
}

MYSQL_STMT *hm_sync_state_prepare(hm_conn *tgt, hm_err *err)
{
    static const char sql[] = "UPDATE `hotmig_meta`.`sync_state` SET binlog_file = ?, binlog_pos = ?, "
                              "gtid_set = ?, trx_applied = ?, rows_applied = ?, ddl_file = '', ddl_pos = 0 "
                              "WHERE id = 1";
    return prepare(tgt, sql, "preparing the checkpoint update", err);
}

hm_code hm_sync_state_save(MYSQL_STMT *stmt, const hm_sync_pos *at, const char *gtid, uint64_t trx,
                           uint64_t rows, hm_err *err)
{
    MYSQL_BIND b[5];
    unsigned long l0, l2;
    uint64_t pos = at->pos;
    memset(b, 0, sizeof b);
    bind_str(&b[0], at->file, &l0);
    bind_u64(&b[1], &pos);
    bind_str(&b[2], gtid, &l2);
    bind_u64(&b[3], &trx);
    bind_u64(&b[4], &rows);
    if (mysql_stmt_bind_param(stmt, b) != 0 || mysql_stmt_execute(stmt) != 0) {
        unsigned e = mysql_stmt_errno(stmt);
        return hm_err_set(err, e == 2006 || e == 2013 ? HM_ECONNECT : HM_ETARGET,
                          "target: writing the sync checkpoint: %s (%u)", mysql_stmt_error(stmt), e);
    }
    if (mysql_stmt_affected_rows(stmt) != 1)
        return hm_err_set(err, HM_ESTATE, "target: the sync checkpoint row is gone (hotmig_meta.sync_state)");
    return HM_OK;
}

hm_code hm_sync_state_set_ddl(hm_conn *tgt, const hm_sync_pos *ddl, hm_err *err)
{
    MYSQL_BIND b[2];
    unsigned long l0;
    uint64_t pos = ddl ? ddl->pos : 0;
    memset(b, 0, sizeof b);
    bind_str(&b[0], ddl ? ddl->file : "", &l0);
    bind_u64(&b[1], &pos);
    return run_once(tgt, "UPDATE `hotmig_meta`.`sync_state` SET ddl_file = ?, ddl_pos = ? WHERE id = 1", b,
                    "recording the DDL in flight", err);
}

hm_code hm_sync_state_finish(hm_conn *tgt, const hm_sync_pos *final, const char *gtid, hm_err *err)
{
    MYSQL_BIND b[3];
    unsigned long l0, l2;
    uint64_t pos = final->pos;
    memset(b, 0, sizeof b);
    bind_str(&b[0], final->file, &l0);
    bind_u64(&b[1], &pos);
    bind_str(&b[2], gtid, &l2);
    return run_once(tgt, "UPDATE `hotmig_meta`.`sync_state` SET phase = 'finished', final_file = ?, "
                         "final_pos = ?, final_gtid = ? WHERE id = 1", b, "recording the finish", err);
}

static int snap_cmp(const void *a, const void *b)
{
    const hm_sync_snap *x = a, *y = b;
    int c = strcmp(x->db, y->db);
    return c ? c : strcmp(x->tbl, y->tbl);
}

hm_code hm_sync_snaps_load(hm_conn *tgt, const hm_sync_pos *first, hm_sync_snaps *s, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;
    memset(s, 0, sizeof *s);
    s->last = *first;
    /* every chunk of a table has one snapshot (a resumed incremental copy redoes a table whole) */
    rc = hm_conn_query(tgt, "SELECT db, tbl, snap_file, MAX(snap_pos) FROM `hotmig_meta`.`copy_chunk` "
                            "WHERE done = 1 GROUP BY db, tbl, snap_file", &res, err);
    if (rc != HM_OK)
        return rc;
    s->v = calloc(mysql_num_rows(res) + 1, sizeof *s->v);
    if (!s->v)
        goto nomem;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        hm_sync_snap *p = &s->v[s->n];
        snprintf(p->at.file, sizeof p->at.file, "%s", row[2]);
        p->at.pos = strtoull(row[3], NULL, 10);
        if (hm_sync_pos_cmp(&p->at, first) <= 0)
            continue;
        p->db = strndup(row[0], len[0]);
        p->tbl = strndup(row[1], len[1]);
        if (!p->db || !p->tbl) {
            free(p->db);
            free(p->tbl);
            goto nomem;
        }
        /* two files for one table cannot happen; keep the later should it */
        if (s->n > 0 && snap_cmp(p, &s->v[s->n - 1]) == 0) {
            if (hm_sync_pos_cmp(&p->at, &s->v[s->n - 1].at) > 0)
                s->v[s->n - 1].at = p->at;
            free(p->db);
            free(p->tbl);
            continue;
        }
        if (hm_sync_pos_cmp(&p->at, &s->last) > 0)
            s->last = p->at;
        s->n++;
    }
    mysql_free_result(res);
    qsort(s->v, s->n, sizeof *s->v, snap_cmp);
    return HM_OK;
nomem:
    mysql_free_result(res);
    hm_sync_snaps_release(s);
    return hm_err_set(err, HM_ENOMEM, "out of memory");
}

const hm_sync_pos *hm_sync_snaps_find(const hm_sync_snaps *s, const char *db, size_t dblen,
                                      const char *tbl, size_t tbllen)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const hm_sync_snap *p = &s->v[mid];
        int c = strncmp(p->db, db, dblen);
        if (c == 0 && p->db[dblen] != '\0')
            c = 1;
        if (c == 0) {
            c = strncmp(p->tbl, tbl, tbllen);
            if (c == 0 && p->tbl[tbllen] != '\0')
                c = 1;
        }
        if (c == 0)
            return &p->at;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void hm_sync_snaps_release(hm_sync_snaps *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].db);
        free(s->v[i].tbl);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- hotmig_meta.sync_worker ---- */

hm_code hm_sync_wstate_load(hm_conn *tgt, hm_sync_wstate **out, size_t *n, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_sync_wstate *v;
    hm_code rc;
    *out = NULL;
    *n = 0;
    if ((rc = hm_conn_query(tgt, "SELECT worker, lwm_file, lwm_pos, gtid_set, above, trx_applied, rows_applied FROM `hotmig_meta`.`sync_worker` "
                                 "WHERE id = 1 ORDER BY worker", &res, err)) != HM_OK)
        return rc;
    v = calloc(mysql_num_rows(res) + 1, sizeof *v);
    if (!v) {
        mysql_free_result(res);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    while ((row = mysql_fetch_row(res)) != NULL) {
        hm_sync_wstate *w = &v[*n];
        w->worker = (unsigned)strtoul(row[0], NULL, 10);
        snprintf(w->lwm.file, sizeof w->lwm.file, "%s", row[1]);
        w->lwm.pos = strtoull(row[2], NULL, 10);
        w->gtid = dup_or_empty(row[3]);
        w->above = dup_or_empty(row[4]);
        w->trx = strtoull(row[5], NULL, 10);
        w->rows = strtoull(row[6], NULL, 10);
        ++*n;
        if (!w->gtid || !w->above) {
            mysql_free_result(res);
            hm_sync_wstate_free(v, *n);
            *out = NULL;
            *n = 0;
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        }
    }
    mysql_free_result(res);
    *out = v;
    return HM_OK;
}

void hm_sync_wstate_free(hm_sync_wstate *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].gtid);
        free(v[i].above);
    }
    free(v);
}

hm_code hm_sync_wstate_reset(hm_conn *tgt, unsigned workers, const hm_sync_pos *lwm, const char *gtid,
                             const char *above0, hm_err *err)
{
    hm_code rc = hm_conn_exec(tgt, "DELETE FROM `hotmig_meta`.`sync_worker` WHERE id = 1", err);
    for (unsigned w = 0; rc == HM_OK && w < workers; w++) {
        MYSQL_BIND b[5];
        unsigned long l1, l3, l4;
        uint64_t pos = lwm->pos, wn = w;
        memset(b, 0, sizeof b);
        bind_u64(&b[0], &wn);
        bind_str(&b[1], lwm->file, &l1);
        bind_u64(&b[2], &pos);
        bind_str(&b[3], gtid, &l3);
        bind_str(&b[4], w == 0 && above0 ? above0 : "", &l4);
        rc = run_once(tgt, "INSERT INTO `hotmig_meta`.`sync_worker` (id, worker, lwm_file, lwm_pos, gtid_set, above) "
                           "VALUES (1, ?, ?, ?, ?, ?)", b, "writing a worker's checkpoint", err);
    }
    return rc;
}

MYSQL_STMT *hm_sync_wstate_prepare(hm_conn *tgt, hm_err *err)
{
    static const char sql[] = "UPDATE `hotmig_meta`.`sync_worker` SET lwm_file = ?, lwm_pos = ?, gtid_set = ?, "
                              "above = ?, trx_applied = trx_applied + ?, rows_applied = rows_applied + ? "
                              "WHERE id = 1 AND worker = ?";
    return prepare(tgt, sql, "preparing a worker's checkpoint update", err);
}

hm_code hm_sync_wstate_save(MYSQL_STMT *stmt, unsigned worker, const hm_sync_pos *lwm, const char *gtid,
                            const char *above, uint64_t trx, uint64_t rows, hm_err *err)
{
    MYSQL_BIND b[7];
    unsigned long l0, l2, l3;
    uint64_t pos = lwm->pos, wn = worker;
    memset(b, 0, sizeof b);
    bind_str(&b[0], lwm->file, &l0);
    bind_u64(&b[1], &pos);
    bind_str(&b[2], gtid, &l2);
    bind_str(&b[3], above, &l3);
    bind_u64(&b[4], &trx);
    bind_u64(&b[5], &rows);
    bind_u64(&b[6], &wn);
    if (mysql_stmt_bind_param(stmt, b) != 0 || mysql_stmt_execute(stmt) != 0) {
        unsigned e = mysql_stmt_errno(stmt);
        return hm_err_set(err, e == 2006 || e == 2013 ? HM_ECONNECT : HM_ETARGET,
                          "target: writing worker %u's checkpoint: %s (%u)", worker, mysql_stmt_error(stmt), e);
    }
    if (mysql_stmt_affected_rows(stmt) != 1)
        return hm_err_set(err, HM_ESTATE, "target: worker %u's checkpoint row is gone (hotmig_meta.sync_worker)",
                          worker);
    return HM_OK;
}

hm_code hm_sync_wstate_zero(hm_conn *tgt, hm_err *err)
{
    return hm_conn_exec(tgt, "UPDATE `hotmig_meta`.`sync_worker` SET trx_applied = 0, rows_applied = 0 WHERE id = 1 "
                             "AND (trx_applied <> 0 OR rows_applied <> 0)", err);
}
