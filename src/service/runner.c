/*
 * service/runner.c: the threads that drive the engine for hotmigd's tasks, and the scheduler.
 *
 * Each task that runs has one thread of its own (an hm_run): a precheck (hm_check_run), or a
 * migration: the precheck again when the task leaves the queue, then hm_copy_run, then, in
 * full+incremental mode, hm_sync_run until finish or terminate. A runner touches its task only
 * under svc->mu; the engine calls run without it. One task's failure becomes that task's
 * last_error: nothing here stops another task or the daemon.
 *
 * The scheduler thread wakes every 200 ms (or on a change): it reaps the runners that ended and
 * takes queued tasks out of the queue, in queue order (the time start was requested, or, for a
 * scheduled task, its start_at once due), while fewer than max_copying tasks hold a copy slot
 * (task.c, invariant 1) and no other running task writes to the same target (hotmig_meta holds
 * one run per target).
 *
 * Restart safety comes from the engine's checkpoints in the target's hotmig_meta: a resumed task
 * runs hm_copy_run again with the same options (chunks done are skipped, a finished copy is
 * "already complete"), then hm_sync_run goes on from its checkpoint.
 *
 * Stopping: terminate cancels the engine (hm_copy_cancel / hm_sync_cancel: the checkpoint stays);
 * hm_svc_close does the same but leaves each task in its state, to resume at the next open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/conn.h"
#include "db/sqlq.h"
#include "service/svc_int.h"
#include "util/clock.h"
#include "util/err.h"

typedef enum run_kind { RUN_CHECK, RUN_MIGRATE } run_kind;

struct hm_run {
    hm_svc *svc;
    hm_task *t;
    pthread_t th;
    run_kind kind;
    bool from_queue;   /* re-run the precheck before the copy */
    bool cancel;       /* terminate (under mu) */
    bool shutdown;     /* hm_svc_close: stop, leave the state as it is (under mu) */
    bool finish, lock_source; /* under mu */
    bool done;         /* the thread has ended (under mu) */
    hm_copy *copy;     /* the running engine call, under mu */
    hm_sync *sync;
    /* owned by the thread */
    json_t *spec;
    char *src_pw, *tgt_pw;
    hm_conn mon;       /* target connection reading hotmig_meta for the tables' progress */
    double next_sample, next_tables;
    unsigned reconnects;
    char slow[512];
    json_t *copy_summary;
    json_t *estimates; /* "db\x01table" -> the source's estimated rows, read once */
    bool meta_ours;    /* the target's hotmig_meta holds this task's run (not an earlier task's) */
};

static uint32_t server_id_of(int64_t id)
{
    /* far above the ids servers are usually given, distinct per task */
    return 0x48000000u + (uint32_t)(id & 0x0fffffff);
}

/* ---- reading the target's hotmig_meta (the tables' progress, what clean-target drops) ---- */

static void endpoints(hm_run *r, hm_endpoint *src, hm_endpoint *tgt)
{
    hm_taskjson_endpoint(r->spec, "source", src);
    hm_taskjson_endpoint(r->spec, "target", tgt);
    src->password = r->src_pw;
    tgt->password = r->tgt_pw;
}

/* Per-table progress from hotmig_meta: [{"db","table","state","rows_copied","bytes_copied",
 * "chunks","chunks_done"}], and the run's fingerprint. NULL when unreadable. */
static json_t *read_tables(hm_conn *c, char *fp, size_t fpsz)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    json_t *arr;
    hm_err e;
    bool found;
    fp[0] = '\0';
    if (hm_conn_value(c, "SELECT fingerprint FROM `hotmig_meta`.`copy_run` WHERE id = 1", fp, fpsz, &found, &e) !=
        HM_OK)
        return NULL;
    if (hm_conn_query(c, "SELECT t.db, t.tbl, t.state, COUNT(k.chunk_no), COALESCE(SUM(k.done), 0), "
                         "COALESCE(SUM(k.rows_copied), 0), COALESCE(SUM(k.bytes_copied), 0) "
                         "FROM `hotmig_meta`.`copy_table` t LEFT JOIN `hotmig_meta`.`copy_chunk` k "
                         "ON k.db = t.db AND k.tbl = t.tbl GROUP BY t.db, t.tbl ORDER BY t.db, t.tbl",
                      &res, &e) != HM_OK)
        return NULL;
    arr = json_array();
    while ((row = mysql_fetch_row(res))) {
        unsigned long long chunks = strtoull(row[3], NULL, 10), done = strtoull(row[4], NULL, 10);
        const char *st = strcmp(row[2], "done") == 0 ? "copied" : done > 0 ? "copying" : "waiting";
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:n, s:n}", "db", row[0], "table",
                                             row[1], "state", st, "rows_copied", (json_int_t)strtoull(row[5], NULL, 10),
                                             "bytes_copied", (json_int_t)strtoull(row[6], NULL, 10), "chunks",
                                             (json_int_t)chunks, "chunks_done", (json_int_t)done, "rows_estimated",
                                             "rows_applied"));
    }
    mysql_free_result(res);
    return arr;
}

/* The source's row estimates of the tables listed (information_schema, one query per database;
 * a task selects few). */
static json_t *read_estimates(hm_run *r, const json_t *tables)
{
    hm_endpoint src, tgt;
    hm_conn c;
    hm_err e;
    json_t *est = json_object(), *dbs = json_object(), *tb, *v;
    const char *db;
    size_t i;
    endpoints(r, &src, &tgt);
    if (hm_conn_open(&c, &src, "source", 0, &e) != HM_OK) {
        json_decref(dbs);
        return est;
    }
    json_array_foreach(tables, i, tb) json_object_set_new(dbs, json_string_value(json_object_get(tb, "db")), json_true());
    json_object_foreach(dbs, db, v) {
        hm_buf q;
        MYSQL_RES *res;
        MYSQL_ROW row;
        hm_buf_init(&q, 4096);
        hm_buf_adds(&q, "SELECT TABLE_NAME, IFNULL(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
        hm_sqlq_hex(&q, db, strlen(db));
        if (q.data && hm_conn_query(&c, q.data, &res, &e) == HM_OK) {
            while ((row = mysql_fetch_row(res))) {
                char key[600];
                snprintf(key, sizeof key, "%s\x01%s", db, row[0]);
                json_object_set_new(est, key, json_integer((json_int_t)strtoull(row[1], NULL, 10)));
            }
            mysql_free_result(res);
        }
        hm_buf_release(&q);
    }
    hm_conn_close(&c);
    json_decref(dbs);
    return est;
}

/* Refreshes the task's table list from the target (thread side; takes mu to store it). false
 * when the target did not answer (the caller waits longer before the next try: this runs on the
 * copy's own thread). */
static bool refresh_tables(hm_run *r)
{
    hm_endpoint src, tgt;
    hm_err e;
    char fp[64];
    json_t *tables;
    if (!r->meta_ours)
        return true; /* what hotmig_meta says now is another run's: never record it as ours */
    if (!r->mon.my) {
        endpoints(r, &src, &tgt);
        if (hm_conn_open(&r->mon, &tgt, "target", 0, &e) != HM_OK)
            return false;
    }
    if (!(tables = read_tables(&r->mon, fp, sizeof fp))) {
        hm_conn_close(&r->mon); /* hotmig_meta may not exist yet: a new session next time */
        return true;
    }
    if (!r->estimates && json_array_size(tables) > 0)
        r->estimates = read_estimates(r, tables);
    {
        size_t i;
        json_t *tb;
        json_array_foreach(tables, i, tb) {
            char key[600];
            json_t *n;
            snprintf(key, sizeof key, "%s\x01%s", json_string_value(json_object_get(tb, "db")),
                     json_string_value(json_object_get(tb, "table")));
            if ((n = json_object_get(r->estimates, key)))
                json_object_set(tb, "rows_estimated", n);
        }
    }
    pthread_mutex_lock(&r->svc->mu);
    json_object_set_new(r->t->extra, "tables", tables);
    if (fp[0])
        json_object_set_new(r->t->extra, "fingerprint", json_string(fp));
    pthread_mutex_unlock(&r->svc->mu);
    return true;
}

/* Databases on the target before the task's first copy: clean-target never drops those. */
static void record_dbs_before(hm_run *r)
{
    hm_endpoint src, tgt;
    hm_conn c;
    hm_err e;
    MYSQL_RES *res;
    MYSQL_ROW row;
    json_t *dbs;
    pthread_mutex_lock(&r->svc->mu);
    dbs = json_object_get(r->t->extra, "dbs_before");
    pthread_mutex_unlock(&r->svc->mu);
    if (dbs)
        return;
    endpoints(r, &src, &tgt);
    if (hm_conn_open(&c, &tgt, "target", 0, &e) != HM_OK)
        return; /* the copy will say why */
    if (hm_conn_query(&c, "SHOW DATABASES", &res, &e) == HM_OK) {
        dbs = json_array();
        while ((row = mysql_fetch_row(res)))
            json_array_append_new(dbs, json_string(row[0]));
        mysql_free_result(res);
        pthread_mutex_lock(&r->svc->mu);
        json_object_set_new(r->t->extra, "dbs_before", dbs);
        hm_svc_touch(r->svc, r->t);
        pthread_mutex_unlock(&r->svc->mu);
    }
    hm_conn_close(&c);
}

/* ---- progress ---- */

static void copy_progress(const hm_progress *p, void *ud)
{
    hm_run *r = ud;
    double now = hm_clock_now();
    bool sample = now >= r->next_sample;
    double pct = p->rows_estimated ? 100.0 * (double)p->rows_done / (double)p->rows_estimated : 0.0;
    json_t *prog;
    if (p->stage != HM_STAGE_DONE && pct > 99.9)
        pct = 99.9;
    if (p->stage == HM_STAGE_DONE)
        pct = 100.0;
    /* the run row is this copy's from the data stage on (written at the schema stage) */
    if (p->stage >= HM_STAGE_DATA)
        r->meta_ours = true;
    if (now >= r->next_tables)
        r->next_tables = hm_clock_now() + (refresh_tables(r) ? r->svc->sample_interval_ms / 1000.0 : 60.0);
    prog = json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:i, s:i, s:f, s:f, s:b, s:n, s:n, s:i, s:f, s:i}", "stage",
                     "copy", "phase", hm_stage_name(p->stage), "percent", pct, "rows_copied", (json_int_t)p->rows_done,
                     "bytes_copied", (json_int_t)p->bytes_done, "rows_estimated", (json_int_t)p->rows_estimated,
                     "tables_done", (int)p->tables_done, "tables_total", (int)p->tables_total, "bytes_per_sec",
                     p->bytes_per_sec, "eta_s", p->eta_s, "resumed", p->resumed, "lag_s", "lag_bytes", "trx_applied",
                     0, "trx_per_sec", 0.0, "reconnects", 0);
    pthread_mutex_lock(&r->svc->mu);
    json_decref(r->t->progress);
    r->t->progress = prog;
    if (sample) {
        json_t *tables = json_array(), *tb;
        size_t i;
        json_array_foreach(json_object_get(r->t->extra, "tables"), i, tb) {
            if (i >= 200)
                break;
            json_array_append_new(tables, json_pack("{s:O, s:O, s:O}", "db", json_object_get(tb, "db"), "table",
                                                    json_object_get(tb, "table"), "rows_copied",
                                                    json_object_get(tb, "rows_copied")));
        }
        r->next_sample = now + r->svc->sample_interval_ms / 1000.0;
        hm_svc_sample(r->svc, r->t, json_pack("{s:s, s:I, s:I, s:f, s:o}", "stage", "copy", "rows",
                                              (json_int_t)p->rows_done, "bytes", (json_int_t)p->bytes_done,
                                              "bytes_per_sec", p->bytes_per_sec, "tables", tables));
        hm_svc_touch(r->svc, r->t);
    } else {
        hm_svc_publish(r->svc, r->t);
    }
    pthread_mutex_unlock(&r->svc->mu);
}

static void sync_progress(const hm_sync_progress *p, void *ud)
{
    hm_run *r = ud;
    double now = hm_clock_now();
    bool sample = now >= r->next_sample;
    json_t *prog;
    const char *slow = p->slow_tables ? p->slow_tables : "";
    prog = json_pack("{s:s, s:s, s:f, s:f, s:I, s:b, s:I, s:I, s:f, s:f, s:i, s:s, s:I, s:s}", "stage", "sync",
                     "phase", hm_sync_phase_name(p->phase), "percent", 100.0, "lag_s", p->lag_s, "lag_bytes",
                     (json_int_t)p->lag_bytes, "lag_bytes_known", p->lag_bytes_known, "trx_applied",
                     (json_int_t)p->trx_applied, "rows_applied", (json_int_t)p->rows_applied, "trx_per_sec",
                     p->trx_per_sec, "rows_per_sec", p->rows_per_sec, "reconnects", (int)p->reconnects, "file",
                     p->file ? p->file : "", "pos", (json_int_t)p->pos, "gtid_set", p->gtid_set ? p->gtid_set : "");
    if (r->copy_summary) {
        json_object_set(prog, "rows_copied", json_object_get(r->copy_summary, "rows_copied"));
        json_object_set(prog, "bytes_copied", json_object_get(r->copy_summary, "bytes_copied"));
    }
    if (!p->lag_bytes_known)
        json_object_set_new(prog, "lag_bytes", json_null());
    pthread_mutex_lock(&r->svc->mu);
    json_decref(r->t->progress);
    r->t->progress = prog;
    if (p->reconnects > r->reconnects) {
        r->reconnects = p->reconnects;
        hm_svc_event(r->svc, r->t, "reconnect", "hotmigd", NULL, "reconnecting (%u so far): %s; going on from the "
                     "checkpoint", p->reconnects, p->last_error ? p->last_error : "connection lost");
    }
    if (strcmp(slow, r->slow) != 0 && *slow) {
        hm_svc_event(r->svc, r->t, "warning", "hotmigd", NULL, "slow tables without a key: %s; each changed row is "
                     "found by all its columns: add a primary key on the source to speed this up", slow);
    }
    snprintf(r->slow, sizeof r->slow, "%s", slow);
    if (sample) {
        r->next_sample = now + r->svc->sample_interval_ms / 1000.0;
        hm_svc_sample(r->svc, r->t, json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:f}", "stage", "sync", "phase",
                                              hm_sync_phase_name(p->phase), "lag_s", p->lag_s, "lag_bytes",
                                              (json_int_t)p->lag_bytes, "trx_applied", (json_int_t)p->trx_applied,
                                              "rows_applied", (json_int_t)p->rows_applied, "trx_per_sec",
                                              p->trx_per_sec));
        hm_svc_touch(r->svc, r->t);
    } else {
        hm_svc_publish(r->svc, r->t);
    }
    pthread_mutex_unlock(&r->svc->mu);
}

/* ---- the precheck ---- */

static void str_list(const json_t *arr, const char ***out, size_t *n)
{
    size_t i;
    json_t *v;
    *n = json_array_size(arr);
    *out = calloc(*n ? *n : 1, sizeof **out);
    json_array_foreach(arr, i, v)(*out)[i] = json_string_value(v);
}

/* Runs the precheck; a new check object {"result", "checked_at", "checked_at_ms", "items"}. */
static json_t *run_check(hm_run *r)
{
    hm_check_opts o;
    hm_check_report rep;
    hm_err e;
    const char **inc, **exc;
    int64_t t0 = hm_svc_now_ms();
    json_t *out, *items;
    bool failed = false, warned = false;
    memset(&o, 0, sizeof o);
    endpoints(r, &o.source, &o.target);
    str_list(json_object_get(r->spec, "include"), &inc, &o.n_include);
    str_list(json_object_get(r->spec, "exclude"), &exc, &o.n_exclude);
    o.include = inc, o.exclude = exc;
    o.incremental = strcmp(json_string_value(json_object_get(r->spec, "mode")), "full+incremental") == 0;
    o.threads = (unsigned)json_integer_value(json_object_get(r->spec, "threads"));
    memset(&e, 0, sizeof e);
    memset(&rep, 0, sizeof rep);
    items = json_array();
    if (hm_check_run(&o, &rep, &e) != HM_OK) {
        out = json_pack("{s:s, s:s}", "result", "failed", "error", e.msg);
    } else {
        for (size_t i = 0; i < rep.n; i++) {
            const hm_check_item *it = &rep.items[i];
            failed |= it->result == HM_CHECK_FAILED;
            warned |= it->result == HM_CHECK_WARNING;
            json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "id", it->id, "result",
                                                   hm_check_result_name(it->result), "message", it->message, "fix",
                                                   it->fix, "skippable", it->skippable, "code",
                                                   hm_code_name(it->code)));
        }
        out = json_pack("{s:s, s:f}", "result", failed ? "failed" : warned ? "warning" : "pass", "elapsed_s",
                        rep.elapsed_s);
        hm_check_report_release(&rep);
    }
    json_object_set_new(out, "items", items);
    json_object_set_new(out, "checked_at", hm_taskjson_time_value(t0));
    json_object_set_new(out, "checked_at_ms", json_integer(t0));
    free(inc);
    free(exc);
    return out;
}

/* The FAILED items of a check, as one line ("source.binlog_row_image: message; ..."), and the
 * code of the first (HM_ESOURCE for a source setting, HM_EPRIV for a privilege ...). */
static bool check_failed_line(const json_t *check, char *out, size_t outsz, hm_code *code)
{
    size_t i, used = 0;
    json_t *it;
    out[0] = '\0';
    *code = HM_EUSAGE;
    if (json_object_get(check, "error")) {
        snprintf(out, outsz, "the precheck could not run: %s", json_string_value(json_object_get(check, "error")));
        return true;
    }
    json_array_foreach(json_object_get(check, "items"), i, it) {
        if (strcmp(json_string_value(json_object_get(it, "result")), "FAILED") != 0)
            continue;
        if (used == 0) {
            const char *c = json_string_value(json_object_get(it, "code"));
            for (int k = HM_OK + 1; c && k <= HM_EINTERNAL; k++)
                if (strcmp(hm_code_name((hm_code)k), c) == 0)
                    *code = (hm_code)k;
        }
        int n = snprintf(out + used, outsz - used, "%s%s: %s%s%s", used ? "; " : "precheck FAILED: ",
                         json_string_value(json_object_get(it, "id")), json_string_value(json_object_get(it, "message")),
                         *json_string_value(json_object_get(it, "fix")) ? "; fix: " : "",
                         json_string_value(json_object_get(it, "fix")));
        if (n < 0 || (size_t)n >= outsz - used) {
            used = outsz - 1;
            break;
        }
        used += (size_t)n;
    }
    return used > 0;
}

/* ---- the migration ---- */

/* After an engine call ended with rc: what the task becomes. Returns true when the run goes on. */
static bool after_engine(hm_run *r, hm_code rc, const hm_err *e, const char *stage)
{
    hm_svc *svc = r->svc;
    bool go_on = false;
    pthread_mutex_lock(&svc->mu);
    if (r->shutdown) {
        /* the task keeps its state: the next hm_svc_open resumes it */
    } else if (r->cancel || r->t->state == HM_TASK_TERMINATING) {
        if (rc == HM_OK && strcmp(stage, "sync") != 0 && r->t->state == HM_TASK_TERMINATING)
            hm_task_terminated(svc, r->t);
        else if (rc == HM_OK && strcmp(stage, "sync") == 0)
            go_on = true; /* finished anyway: the caller records it */
        else
            hm_task_terminated(svc, r->t);
    } else if (rc != HM_OK) {
        hm_task_fail(svc, r->t, stage, e);
    } else {
        go_on = true;
    }
    pthread_mutex_unlock(&svc->mu);
    return go_on;
}

static bool run_copy(hm_run *r, bool incremental)
{
    hm_copy_opts o;
    hm_copy_result res;
    hm_copy *c;
    hm_err e;
    hm_code rc;
    const char **inc, **exc;
    char line[1400];
    memset(&o, 0, sizeof o);
    memset(&e, 0, sizeof e);
    endpoints(r, &o.source, &o.target);
    str_list(json_object_get(r->spec, "include"), &inc, &o.n_include);
    str_list(json_object_get(r->spec, "exclude"), &exc, &o.n_exclude);
    o.include = inc, o.exclude = exc;
    o.threads = (unsigned)json_integer_value(json_object_get(r->spec, "threads"));
    o.max_rows_per_sec = (uint64_t)json_integer_value(json_object_get(r->spec, "max_rows_per_sec"));
    o.chunk_rows = (uint64_t)json_integer_value(json_object_get(r->spec, "chunk_rows"));
    o.progress = copy_progress;
    o.progress_ud = r;
    o.progress_interval_ms = 1000;
    o.incremental = incremental;
    record_dbs_before(r);
    if (!(c = hm_copy_new(&o, &e))) {
        rc = e.code;
    } else {
        pthread_mutex_lock(&r->svc->mu);
        r->copy = c;
        if (r->cancel || r->shutdown)
            hm_copy_cancel(c);
        pthread_mutex_unlock(&r->svc->mu);
        rc = hm_copy_run(c, &res, &e);
        pthread_mutex_lock(&r->svc->mu);
        r->copy = NULL;
        pthread_mutex_unlock(&r->svc->mu);
        hm_copy_free(c);
    }
    free(inc);
    free(exc);
    if (rc == HM_OK)
        r->meta_ours = true;
    refresh_tables(r);
    if (!after_engine(r, rc, &e, "copy"))
        return false;
    json_decref(r->copy_summary); /* an earlier run's, when the copy ran again */
    r->copy_summary = json_pack("{s:I, s:I, s:i, s:i, s:b, s:s, s:I, s:s, s:s, s:f}", "rows_copied",
                                (json_int_t)res.rows_copied, "bytes_copied", (json_int_t)res.bytes_copied,
                                "tables_copied", (int)res.tables_copied, "chunks_skipped", (int)res.chunks_skipped,
                                "resumed", res.resumed, "snapshot_file", res.binlog_file, "snapshot_pos",
                                (json_int_t)res.binlog_pos, "snapshot_gtid", res.gtid_set, "snapshot_method",
                                res.snapshot_method ? res.snapshot_method : "", "lock_held_ms", res.lock_held_ms);
    snprintf(line, sizeof line, "copy done: %u tables, %llu rows, %llu bytes%s; %u chunks skipped (done by an earlier "
             "run)%s%s", res.tables_copied, (unsigned long long)res.rows_copied, (unsigned long long)res.bytes_copied,
             res.resumed ? ", resumed" : "", res.chunks_skipped, res.flagged[0] ? "; flagged: " : "", res.flagged);
    line[sizeof line - 1] = '\0';
    pthread_mutex_lock(&r->svc->mu);
    json_object_set(r->t->extra, "copy", r->copy_summary);
    hm_svc_event(r->svc, r->t, "info", "hotmigd", json_deep_copy(r->copy_summary), "%s", line);
    hm_svc_progress_set(r->t, "percent", json_real(100.0));
    hm_task_copy_done(r->svc, r->t, incremental, json_pack("{s:I, s:I, s:s, s:I, s:s}", "rows_copied",
                                                          (json_int_t)res.rows_copied, "bytes_copied",
                                                          (json_int_t)res.bytes_copied, "file", res.binlog_file,
                                                          "pos", (json_int_t)res.binlog_pos, "gtid_set", res.gtid_set));
    pthread_mutex_unlock(&r->svc->mu);
    return incremental;
}

/* hm_sync_opts.paused: a verification's common point (verify.c). */
static void sync_paused(const char *file, uint64_t pos, void *ud)
{
    hm_run *r = ud;
    char at[256];
    uint64_t at_pos = 0;
    if (hm_vrun_paused(r->svc, r->t, file, pos, at, sizeof at, &at_pos))
        hm_sync_pause_at(r->sync, at, at_pos);
}

static void run_sync(hm_run *r)
{
    hm_sync_opts o;
    hm_sync_result res;
    hm_sync *s;
    hm_err e;
    hm_code rc;
    const char **inc, **exc;
    memset(&o, 0, sizeof o);
    memset(&e, 0, sizeof e);
    memset(&res, 0, sizeof res);
    endpoints(r, &o.source, &o.target);
    str_list(json_object_get(r->spec, "include"), &inc, &o.n_include);
    str_list(json_object_get(r->spec, "exclude"), &exc, &o.n_exclude);
    o.include = inc, o.exclude = exc;
    o.server_id = server_id_of(r->t->id);
    o.apply_threads = (unsigned)json_integer_value(json_object_get(r->spec, "apply_threads"));
    o.progress = sync_progress;
    o.progress_ud = r;
    o.progress_interval_ms = 1000;
    o.paused = sync_paused;
    o.paused_ud = r;
    if (!(s = hm_sync_new(&o, &e))) {
        rc = e.code;
    } else {
        pthread_mutex_lock(&r->svc->mu);
        r->sync = s;
        if (r->cancel || r->shutdown)
            hm_sync_cancel(s);
        else if (r->finish && r->lock_source)
            hm_sync_finish_lock_source(s);
        else if (r->finish)
            hm_sync_finish(s);
        pthread_mutex_unlock(&r->svc->mu);
        rc = hm_sync_run(s, &res, &e);
        pthread_mutex_lock(&r->svc->mu);
        r->sync = NULL;
        pthread_mutex_unlock(&r->svc->mu);
        hm_sync_free(s);
    }
    free(inc);
    free(exc);
    if (rc == HM_OK && !res.finished)
        rc = HM_ECANCELLED;
    if (!after_engine(r, rc, &e, "sync"))
        return;
    pthread_mutex_lock(&r->svc->mu);
    hm_task_finished(r->svc, r->t, json_pack("{s:s, s:I, s:s, s:I, s:I, s:i, s:b, s:O}", "file", res.file, "pos",
                                             (json_int_t)res.pos, "gtid_set", res.gtid_set, "trx_applied",
                                             (json_int_t)res.trx_applied, "rows_applied", (json_int_t)res.rows_applied,
                                             "deferred_created", (int)res.deferred_created, "source_locked",
                                             res.source_locked, "copy",
                                             r->copy_summary ? r->copy_summary : json_null()));
    pthread_mutex_unlock(&r->svc->mu);
}

static void run_migrate(hm_run *r)
{
    hm_svc *svc = r->svc;
    bool incremental = strcmp(json_string_value(json_object_get(r->spec, "mode")), "full+incremental") == 0;
    hm_task_state state;
    if (r->from_queue) {
        json_t *check = run_check(r);
        char line[700];
        bool failed;
        hm_code code;
        pthread_mutex_lock(&svc->mu);
        if (r->shutdown) {
            json_decref(check);
            pthread_mutex_unlock(&svc->mu);
            return;
        }
        failed = check_failed_line(check, line, sizeof line, &code);
        hm_svc_set_check(svc, r->t, check);
        if (r->cancel || r->t->state != HM_TASK_QUEUED) {
            if (r->t->state == HM_TASK_TERMINATING)
                hm_task_terminated(svc, r->t);
            pthread_mutex_unlock(&svc->mu);
            return;
        }
        if (failed) {
            hm_err e;
            hm_err_set(&e, code, "%s", line);
            hm_task_fail(svc, r->t, "precheck", &e);
            pthread_mutex_unlock(&svc->mu);
            return;
        }
        hm_task_copy_begin(svc, r->t);
        pthread_mutex_unlock(&svc->mu);
    }
    pthread_mutex_lock(&svc->mu);
    state = r->t->state;
    if (json_object_get(r->t->extra, "copy"))
        r->copy_summary = json_deep_copy(json_object_get(r->t->extra, "copy"));
    pthread_mutex_unlock(&svc->mu);
    if (state == HM_TASK_COPYING || state == HM_TASK_SYNCING || state == HM_TASK_FINISHING) {
        /* a resumed sync runs the copy again first: "already complete" from its checkpoint */
        if (state == HM_TASK_COPYING || !r->copy_summary) {
            if (!run_copy(r, incremental))
                return;
        }
        run_sync(r);
    }
}

static void *run_main(void *arg)
{
    hm_run *r = arg;
    hm_svc *svc = r->svc;
    if (r->kind == RUN_CHECK) {
        json_t *check = run_check(r);
        pthread_mutex_lock(&svc->mu);
        hm_task_check_done(svc, r->t, check);
        pthread_mutex_unlock(&svc->mu);
    } else {
        run_migrate(r);
    }
    if (r->mon.my)
        hm_conn_close(&r->mon);
    pthread_mutex_lock(&svc->mu);
    r->done = true;
    pthread_cond_broadcast(&svc->changed);
    pthread_mutex_unlock(&svc->mu);
    return NULL;
}

static void run_free(hm_run *r)
{
    json_decref(r->spec);
    json_decref(r->copy_summary);
    json_decref(r->estimates);
    hm_secret_free_password(r->src_pw);
    hm_secret_free_password(r->tgt_pw);
    free(r);
}

/* Starts a runner for t. Under mu. */
static hm_svc_status spawn(hm_svc *svc, hm_task *t, run_kind kind, bool from_queue, hm_svc_err *err)
{
    hm_run *r;
    if (t->run)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is busy", t->name);
    if (!(r = calloc(1, sizeof *r)))
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
    r->svc = svc, r->t = t, r->kind = kind, r->from_queue = from_queue;
    r->spec = json_deep_copy(t->spec);
    r->src_pw = t->src_pw ? hm_secret_unseal(svc->secret, t->src_pw, t->src_pw_len) : NULL;
    r->tgt_pw = t->tgt_pw ? hm_secret_unseal(svc->secret, t->tgt_pw, t->tgt_pw_len) : NULL;
    r->lock_source = json_is_true(json_object_get(t->extra, "lock_source"));
    r->finish = t->state == HM_TASK_FINISHING;
    if ((t->src_pw && !r->src_pw) || (t->tgt_pw && !r->tgt_pw)) {
        run_free(r);
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "secret", "task %s: a stored password does not open with this "
                           "data directory's secret.key; edit the task's passwords", t->name);
    }
    if (pthread_create(&r->th, NULL, run_main, r) != 0) {
        run_free(r);
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "cannot start a thread");
    }
    t->run = r;
    return HM_SVC_OK;
}

hm_svc_status hm_runner_check(hm_svc *svc, hm_task *t, hm_svc_err *err)
{
    return spawn(svc, t, RUN_CHECK, false, err);
}

void hm_runner_resume(hm_svc *svc, hm_task *t)
{
    hm_svc_err se;
    if (spawn(svc, t, RUN_MIGRATE, false, &se) != HM_SVC_OK) {
        hm_err e;
        hm_err_set(&e, HM_EINTERNAL, "%s", se.message);
        hm_task_fail(svc, t, "resume", &e);
    }
}

void hm_runner_cancel(hm_task *t)
{
    hm_run *r = t->run;
    if (!r)
        return;
    r->cancel = true;
    if (r->copy)
        hm_copy_cancel(r->copy);
    if (r->sync)
        hm_sync_cancel(r->sync);
}

void hm_runner_finish(hm_task *t, bool lock_source)
{
    hm_run *r = t->run;
    if (!r)
        return;
    r->finish = true;
    r->lock_source = lock_source;
    if (r->sync) {
        if (lock_source)
            hm_sync_finish_lock_source(r->sync);
        else
            hm_sync_finish(r->sync);
    }
}

bool hm_runner_pause_at(hm_task *t, const char *file, uint64_t pos)
{
    if (!t->run || !t->run->sync)
        return false;
    hm_sync_pause_at(t->run->sync, file, pos);
    return true;
}

/* ---- the scheduler ---- */

static bool same_target(const hm_task *a, const hm_task *b)
{
    const json_t *x = json_object_get(a->spec, "target"), *y = json_object_get(b->spec, "target");
    const char *hx = json_string_value(json_object_get(x, "host")), *hy = json_string_value(json_object_get(y, "host"));
    return hx && hy && strcmp(hx, hy) == 0 &&
           json_integer_value(json_object_get(x, "port")) == json_integer_value(json_object_get(y, "port"));
}

static bool holds_target(const hm_task *t)
{
    return t->state == HM_TASK_COPYING || t->state == HM_TASK_SYNCING || t->state == HM_TASK_FINISHING ||
           t->state == HM_TASK_TERMINATING || (t->state == HM_TASK_QUEUED && t->run);
}

static int64_t queue_key(const hm_task *t)
{
    return t->start_at > 0 ? t->start_at : t->start_req_at;
}

static void reap(hm_svc *svc)
{
    for (size_t i = 0; i < svc->ntasks; i++) {
        hm_task *t = svc->tasks[i];
        if (t->run && t->run->done) {
            pthread_join(t->run->th, NULL);
            run_free(t->run);
            t->run = NULL;
        }
    }
}

/* Another running task that writes to t's target, or NULL. */
static hm_task *target_user(hm_svc *svc, const hm_task *t)
{
    for (size_t j = 0; j < svc->ntasks; j++)
        if (svc->tasks[j] != t && holds_target(svc->tasks[j]) && same_target(svc->tasks[j], t))
            return svc->tasks[j];
    return NULL;
}

/* Says in each waiting task's progress why it waits (published only when it changes). */
static void label_queue(hm_svc *svc)
{
    int64_t now = hm_svc_now_ms();
    for (size_t i = 0; i < svc->ntasks; i++) {
        hm_task *t = svc->tasks[i], *user;
        char why[160];
        const char *old;
        if (t->state != HM_TASK_QUEUED)
            continue;
        if (t->run)
            snprintf(why, sizeof why, "prechecking before the copy");
        else if (t->start_at > now)
            snprintf(why, sizeof why, "waiting for its start time");
        else if ((user = target_user(svc, t)))
            snprintf(why, sizeof why, "waiting for its target, which task %s uses", user->name);
        else
            snprintf(why, sizeof why, "waiting for a copy slot");
        old = json_string_value(json_object_get(t->progress, "phase"));
        if (old && strcmp(old, why) == 0)
            continue;
        hm_svc_progress_set(t, "stage", json_string("queued"));
        hm_svc_progress_set(t, "phase", json_string(why));
        hm_svc_publish(svc, t);
    }
}

static void schedule(hm_svc *svc)
{
    int64_t now = hm_svc_now_ms();
    for (;;) {
        unsigned slots = 0;
        hm_task *best = NULL;
        for (size_t i = 0; i < svc->ntasks; i++) {
            hm_task *t = svc->tasks[i];
            if (t->state == HM_TASK_COPYING || (t->state == HM_TASK_QUEUED && t->run))
                slots++;
        }
        if (slots >= svc->max_copying)
            return;
        for (size_t i = 0; i < svc->ntasks; i++) {
            hm_task *t = svc->tasks[i];
            bool busy = false;
            if (t->state != HM_TASK_QUEUED || t->run || t->cleaning || (t->start_at > 0 && t->start_at > now))
                continue;
            busy = target_user(svc, t) != NULL;
            if (busy)
                continue;
            if (!best || queue_key(t) < queue_key(best) || (queue_key(t) == queue_key(best) && t->id < best->id))
                best = t;
        }
        if (!best)
            return;
        {
            hm_svc_err se;
            if (spawn(svc, best, RUN_MIGRATE, true, &se) != HM_SVC_OK) {
                hm_err e;
                hm_err_set(&e, HM_EINTERNAL, "%s", se.message);
                hm_task_fail(svc, best, "start", &e);
                continue;
            }
            hm_svc_event(svc, best, "info", "hotmigd", NULL, "left the queue: running the precheck again before the "
                         "copy");
        }
    }
}

static void *scheduler_main(void *arg)
{
    hm_svc *svc = arg;
    pthread_mutex_lock(&svc->mu);
    while (!svc->closing) {
        struct timespec dl;
        reap(svc);
        schedule(svc);
        label_queue(svc);
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += 200 * 1000000L;
        if (dl.tv_nsec >= 1000000000L)
            dl.tv_sec++, dl.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&svc->changed, &svc->mu, &dl);
    }
    pthread_mutex_unlock(&svc->mu);
    return NULL;
}

hm_code hm_runner_start_scheduler(hm_svc *svc, hm_err *err)
{
    if (pthread_create(&svc->scheduler, NULL, scheduler_main, svc) != 0)
        return hm_err_set(err, HM_EINTERNAL, "cannot start the scheduler thread");
    svc->scheduler_started = true;
    return HM_OK;
}

void hm_runner_stop_all(hm_svc *svc)
{
    if (svc->scheduler_started) {
        pthread_join(svc->scheduler, NULL);
        svc->scheduler_started = false;
    }
    pthread_mutex_lock(&svc->mu);
    for (size_t i = 0; i < svc->ntasks; i++) {
        hm_run *r = svc->tasks[i]->run;
        if (!r)
            continue;
        r->shutdown = true;
        if (r->copy)
            hm_copy_cancel(r->copy);
        if (r->sync)
            hm_sync_cancel(r->sync);
    }
    pthread_mutex_unlock(&svc->mu);
    for (size_t i = 0; i < svc->ntasks; i++) {
        hm_run *r = svc->tasks[i]->run;
        if (!r)
            continue;
        pthread_join(r->th, NULL);
        run_free(r);
        svc->tasks[i]->run = NULL;
    }
}
