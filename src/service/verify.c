/*
 * service/verify.c: POST/GET /tasks/{id}/verify and /verify/fix.sql: hm_verify run by hotmigd on
 * a thread of the task (an hm_vrun, owned here and hung on hm_task.vrun), with the task's stored
 * endpoints, passwords and selection. Owns the vrun, its thread and the common-point channel.
 *
 * Allowed states: syncing (compared at common points with this process's running sync),
 * finished, failed and terminated (both servers hold the data, nothing of ours writes to the
 * target: the live tables are compared, a differing chunk re-checked up to three times; on a
 * failed or terminated incremental task, differences may only be changes not applied yet).
 * Not while the task is busy otherwise (clean-target, a runner that is not the sync).
 *
 * Common point with the running sync (one process, so a mutex and a condition variable where
 * `hotmig verify --state-dir` uses files and a signal; see src/cli/cpoint.c for the steps):
 *
 *   verify thread (sync_point)                 applier (hm_sync_opts.paused -> hm_vrun_paused)
 *   PAUSE:   hm_sync_pause_at("", 0)     -->   pauses at its next boundary, sets paused=FILE:POS,
 *            waits for paused            <--   signals cv, waits for go (at most PAUSE_MAX_S)
 *   ADVANCE: go = "at S"                 -->   hm_sync_pause_at(S), goes on, pauses at S
 *            waits for paused == S       <--   (as above)
 *   RESUME:  go = "go"                   -->   goes on
 *
 * Everything under svc->mu; vr->cv waits on it. The result lives in the task's extra["verify"]
 * (saved in the store with the task), at most DIFFS_MAX differences listed ("diffs_more" counts
 * the rest); the fix SQL is DATA_DIR/verify-ID.sql (0600; the engine writes it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "service/svc_int.h"
#include "util/clock.h"
#include "util/err.h"

#define DIFFS_MAX 1000
#define PAUSE_MAX_S 10.0   /* the applier never waits longer for a verify */
#define POINT_WAIT_S 60.0  /* verify waits this long for the applier to pause */

enum { GO_NONE = 0, GO_AT, GO_ON };

struct hm_vrun {
    hm_svc *svc;
    int64_t id;
    pthread_t th;
    pthread_cond_t cv;
    hm_verify *v;      /* under mu, while running */
    bool cancel, done; /* under mu */
    /* the channel, under mu */
    bool paused;
    char pfile[256];
    uint64_t ppos;
    int go;
    char gfile[256];
    uint64_t gpos;
    bool applier_in;   /* the applier is inside hm_vrun_paused: the vrun is not freed meanwhile */
    /* owned by the thread */
    json_t *spec;
    char *src_pw, *tgt_pw;
    unsigned threads;
    uint64_t chunk_rows, max_rows_per_sec;
    json_t *diffs;
    uint64_t ndiffs;
    int64_t started_at;
    char fix_path[4200];
};

static void fix_path(const hm_svc *svc, int64_t id, char *out, size_t n)
{
    snprintf(out, n, "%s/verify-%lld.sql", svc->data_dir, (long long)id);
}

static void time_str(int64_t ms, char *out, size_t n)
{
    hm_taskjson_time(ms, out, n);
}

/* ---- the common point ---- */

/* Waits on vr->cv until pred or cancel or timeout; under mu. */
static bool wait_for(hm_vrun *vr, bool (*pred)(const hm_vrun *), double timeout_s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)timeout_s;
    while (!pred(vr) && !vr->cancel)
        if (pthread_cond_timedwait(&vr->cv, &vr->svc->mu, &ts) != 0)
            break;
    return pred(vr);
}

static bool is_paused(const hm_vrun *vr)
{
    return vr->paused;
}

static bool has_go(const hm_vrun *vr)
{
    return vr->go != GO_NONE;
}

bool hm_vrun_paused(hm_svc *svc, hm_task *t, const char *file, uint64_t pos, char *at_file, size_t n,
                    uint64_t *at_pos)
{
    hm_vrun *vr;
    bool advance = false;
    pthread_mutex_lock(&svc->mu);
    vr = t->vrun;
    if (vr && !vr->done && !vr->cancel) {
        vr->applier_in = true;
        vr->paused = true;
        snprintf(vr->pfile, sizeof vr->pfile, "%s", file);
        vr->ppos = pos;
        vr->go = GO_NONE;
        pthread_cond_broadcast(&vr->cv);
        if (wait_for(vr, has_go, PAUSE_MAX_S) && vr->go == GO_AT) {
            snprintf(at_file, n, "%s", vr->gfile);
            *at_pos = vr->gpos;
            advance = true;
        }
        vr->go = GO_NONE;
        vr->applier_in = false;
        pthread_cond_broadcast(&vr->cv);
    }
    pthread_mutex_unlock(&svc->mu);
    return advance;
}

static hm_code sync_point(hm_verify_sync_step step, const char *file, uint64_t pos, void *ud, hm_err *err)
{
    hm_vrun *vr = ud;
    hm_svc *svc = vr->svc;
    hm_task *t;
    hm_code rc = HM_OK;
    pthread_mutex_lock(&svc->mu);
    t = hm_svc_find(svc, vr->id);
    switch (step) {
    case HM_VERIFY_SYNC_PAUSE:
        vr->paused = false;
        if (!t || t->state != HM_TASK_SYNCING || !hm_runner_pause_at(t, "", 0))
            rc = hm_err_set(err, HM_ESTATE, "the task's sync is not running any more, so there is no common point: "
                            "verify again (a finished task is compared live)");
        else if (!wait_for(vr, is_paused, POINT_WAIT_S))
            rc = vr->cancel ? hm_err_set(err, HM_ECANCELLED, "verification cancelled")
                            : hm_err_set(err, HM_ESTATE, "the sync did not pause within %.0f s (is it "
                                         "reconnecting? see the task's events)", POINT_WAIT_S);
        break;
    case HM_VERIFY_SYNC_ADVANCE:
        vr->paused = false;
        snprintf(vr->gfile, sizeof vr->gfile, "%s", file);
        vr->gpos = pos;
        vr->go = GO_AT;
        pthread_cond_broadcast(&vr->cv);
        if (!wait_for(vr, is_paused, POINT_WAIT_S))
            rc = vr->cancel ? hm_err_set(err, HM_ECANCELLED, "verification cancelled")
                            : hm_err_set(err, HM_ESTATE, "the sync did not reach the source's snapshot at %s:%llu "
                                         "within %.0f s", file, (unsigned long long)pos, POINT_WAIT_S);
        else if (strcmp(vr->pfile, file) != 0 || vr->ppos != pos)
            rc = hm_err_set(err, HM_ESNAPSHOT, "the sync was at %s:%llu, past the source's snapshot %s:%llu",
                            vr->pfile, (unsigned long long)vr->ppos, file, (unsigned long long)pos);
        break;
    case HM_VERIFY_SYNC_RESUME:
        vr->paused = false;
        vr->go = GO_ON;
        pthread_cond_broadcast(&vr->cv);
        break;
    }
    pthread_mutex_unlock(&svc->mu);
    return rc;
}

/* ---- the run ---- */

static void on_diff(const hm_verify_diff *d, void *ud)
{
    hm_vrun *vr = ud;
    if (vr->ndiffs++ < DIFFS_MAX)
        json_array_append_new(vr->diffs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "db", d->db, "table", d->table,
                                                   "kind", hm_verify_kind_name(d->kind), "key", d->key, "columns",
                                                   d->columns, "copies", (json_int_t)d->copies));
}

static void str_list(const json_t *arr, const char ***out, size_t *n)
{
    size_t i;
    json_t *v;
    *n = json_array_size(arr);
    *out = calloc(*n + 1, sizeof **out);
    json_array_foreach(arr, i, v) (*out)[i] = json_string_value(v);
}

/* Replaces extra["verify"] (stolen) and saves the task. Under mu. */
static void set_result(hm_svc *svc, hm_task *t, json_t *res)
{
    json_t *extra = json_deep_copy(t->extra); /* copy on write: answers may share the old one */
    json_object_set_new(extra, "verify", res);
    json_decref(t->extra);
    t->extra = extra;
    hm_svc_touch(svc, t);
}

static void *vrun_main(void *arg)
{
    hm_vrun *vr = arg;
    hm_svc *svc = vr->svc;
    hm_verify_opts o;
    hm_verify_result res;
    hm_verify *v;
    hm_err e;
    hm_code rc;
    hm_task *t;
    const char **inc, **exc;
    bool at_points;
    char started[40], finished[40];
    json_t *out;

    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    memset(&e, 0, sizeof e);
    hm_taskjson_endpoint(vr->spec, "source", &o.source);
    hm_taskjson_endpoint(vr->spec, "target", &o.target);
    o.source.password = vr->src_pw;
    o.target.password = vr->tgt_pw;
    str_list(json_object_get(vr->spec, "include"), &inc, &o.n_include);
    str_list(json_object_get(vr->spec, "exclude"), &exc, &o.n_exclude);
    o.include = inc, o.exclude = exc;
    o.threads = vr->threads;
    o.chunk_rows = vr->chunk_rows;
    o.max_rows_per_sec = vr->max_rows_per_sec;
    o.fix_sql_path = vr->fix_path;
    o.diff = on_diff;
    o.diff_ud = vr;

    pthread_mutex_lock(&svc->mu);
    t = hm_svc_find(svc, vr->id);
    at_points = t && t->state == HM_TASK_SYNCING;
    pthread_mutex_unlock(&svc->mu);
    if (at_points) {
        o.sync_point = sync_point;
        o.sync_point_ud = vr;
    }

    if (!(v = hm_verify_new(&o, &e))) {
        rc = e.code;
    } else {
        pthread_mutex_lock(&svc->mu);
        vr->v = v;
        if (vr->cancel)
            hm_verify_cancel(v);
        pthread_mutex_unlock(&svc->mu);
        rc = hm_verify_run(v, &res, &e);
        pthread_mutex_lock(&svc->mu);
        vr->v = NULL;
        pthread_mutex_unlock(&svc->mu);
        hm_verify_free(v);
    }
    free(inc);
    free(exc);
    chmod(vr->fix_path, 0600);

    time_str(vr->started_at, started, sizeof started);
    time_str(hm_svc_now_ms(), finished, sizeof finished);
    if (rc == HM_OK) {
        out = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s, s:s, s:s, s:I, s:f, s:I, s:s, s:s, "
                        "s:s, s:I}",
                        "state", "done", "equal", res.tables_differ == 0, "tables", (json_int_t)res.tables_total,
                        "tables_differ", (json_int_t)res.tables_differ, "rows_compared",
                        (json_int_t)res.rows_compared, "rechecks", (json_int_t)res.rechecks, "missing",
                        (json_int_t)res.missing, "extra", (json_int_t)res.extra, "changed", (json_int_t)res.changed,
                        "source_written", res.source_written, "differ_tables", res.differ, "written_tables",
                        res.written, "slow_tables", res.slow, "common_points", (json_int_t)res.common_points,
                        "pause_ms_max", res.pause_ms_max, "fix_statements", (json_int_t)res.fix_statements,
                        "started_at", started, "finished_at", finished, "mode",
                        at_points ? "common_points" : "live", "diffs_more",
                        (json_int_t)(vr->ndiffs > DIFFS_MAX ? vr->ndiffs - DIFFS_MAX : 0));
        json_object_set(out, "diffs", vr->diffs);
    } else {
        out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "state", "failed", "code", hm_code_name(rc), "message",
                        e.msg, "started_at", started, "finished_at", finished, "mode",
                        at_points ? "common_points" : "live");
    }

    pthread_mutex_lock(&svc->mu);
    if ((t = hm_svc_find(svc, vr->id)) && t->vrun == vr) {
        if (rc == HM_OK && res.tables_differ == 0)
            hm_svc_event(svc, t, "info", "hotmigd", NULL, "verify: equal (%u tables, %llu rows compared%s)",
                         res.tables_total, (unsigned long long)res.rows_compared,
                         at_points ? ", at common points with the sync" : "");
        else if (rc == HM_OK)
            hm_svc_event(svc, t, "warning", "hotmigd", NULL, "verify: %llu differences (%llu missing, %llu extra, "
                         "%llu changed rows on the target, in %s); the fix SQL is at verify/fix.sql",
                         (unsigned long long)(res.missing + res.extra + res.changed), (unsigned long long)res.missing,
                         (unsigned long long)res.extra, (unsigned long long)res.changed, res.differ);
        else
            hm_svc_event(svc, t, "warning", "hotmigd", NULL, "verify failed: %s", e.msg);
        set_result(svc, t, out);
        t->verifying = false;
        hm_svc_publish(svc, t);
    } else {
        json_decref(out);
    }
    vr->done = true;
    pthread_cond_broadcast(&svc->changed);
    pthread_mutex_unlock(&svc->mu);
    return NULL;
}

static void vrun_free(hm_vrun *vr)
{
    if (!vr)
        return;
    pthread_cond_destroy(&vr->cv);
    json_decref(vr->spec);
    json_decref(vr->diffs);
    hm_secret_free_password(vr->src_pw);
    hm_secret_free_password(vr->tgt_pw);
    free(vr);
}

/* Joins and frees a finished vrun of t, unless the applier is still inside hm_vrun_paused. Under
 * mu (the thread has ended: joining is immediate). */
void hm_vrun_reap(hm_task *t)
{
    if (t->vrun && t->vrun->done && !t->vrun->applier_in) {
        pthread_join(t->vrun->th, NULL);
        vrun_free(t->vrun);
        t->vrun = NULL;
    }
}

/* A whole number >= 1 from the body, or 0 when absent; false with err filled. */
static bool body_uint(const json_t *body, const char *name, uint64_t max, uint64_t *out, hm_svc_err *err)
{
    json_t *v = json_object_get(body, name);
    *out = 0;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || (uint64_t)json_integer_value(v) > max) {
        hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "field \"%s\": must be a whole number from 1 to %llu", name,
                    (unsigned long long)max);
        return false;
    }
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static hm_svc_status parse_body(const json_t *body, hm_vrun *vr, hm_svc_err *err)
{
    const char *k;
    json_t *v;
    uint64_t threads;
    if (!body || json_is_null(body))
        return HM_SVC_OK;
    if (!json_is_object(body))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_body", "verify: the body must be a JSON object "
                           "{\"max_rows_per_sec\", \"threads\", \"chunk_rows\"} (all optional)");
    json_object_foreach((json_t *)body, k, v) if (strcmp(k, "max_rows_per_sec") != 0 && strcmp(k, "threads") != 0 &&
                                                 strcmp(k, "chunk_rows") != 0)
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "unknown_field", "field \"%.64s\": unknown field for verify "
                           "(allowed: max_rows_per_sec, threads, chunk_rows)", k);
    if (!body_uint(body, "threads", 64, &threads, err) ||
        !body_uint(body, "chunk_rows", 100000000, &vr->chunk_rows, err) ||
        !body_uint(body, "max_rows_per_sec", 1000000000, &vr->max_rows_per_sec, err))
        return HM_SVC_EBADINPUT;
    vr->threads = (unsigned)threads;
    return HM_SVC_OK;
}

/* Whether the state and the task's activity allow a verify now. Under mu. */
static hm_svc_status allowed(const hm_task *t, hm_svc_err *err)
{
    if (t->verifying)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "verify_running", "task %s: a verification is running already; "
                           "wait for its result (GET /tasks/%lld/verify)", t->name, (long long)t->id);
    if (t->state != HM_TASK_SYNCING && t->state != HM_TASK_FINISHED && t->state != HM_TASK_FAILED &&
        t->state != HM_TASK_TERMINATED)
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is %s: verify is allowed when syncing (at "
                           "common points), finished, failed or terminated", t->name, hm_task_state_name(t->state));
    if (t->cleaning || (t->state != HM_TASK_SYNCING && t->run))
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is busy; try again in a moment", t->name);
    return HM_SVC_OK;
}

hm_svc_status hm_svc_task_verify(hm_svc *svc, int64_t id, const json_t *body, const char *who, json_t **out,
                                 hm_svc_err *err)
{
    hm_vrun *vr = calloc(1, sizeof *vr);
    hm_task *t;
    hm_svc_status st;
    char started[40];
    if (!vr)
        return hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
    pthread_cond_init(&vr->cv, NULL);
    vr->diffs = json_array();
    if ((st = parse_body(body, vr, err)) != HM_SVC_OK) {
        vrun_free(vr);
        return st;
    }
    pthread_mutex_lock(&svc->mu);
    if (svc->closing) {
        st = hm_svc_fail(err, HM_SVC_EUNAVAIL, "shutting_down", "hotmigd is shutting down");
    } else if (!(t = hm_svc_find(svc, id))) {
        st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld", (long long)id);
    } else {
        hm_vrun_reap(t);
        if ((st = allowed(t, err)) == HM_SVC_OK && t->vrun)
            st = hm_svc_fail(err, HM_SVC_ECONFLICT, "verify_running", "task %s: the last verification is still "
                             "stopping; try again in a moment", t->name);
        if (st == HM_SVC_OK) {
            vr->svc = svc, vr->id = id;
            vr->spec = json_deep_copy(t->spec);
            vr->src_pw = t->src_pw ? hm_secret_unseal(svc->secret, t->src_pw, t->src_pw_len) : NULL;
            vr->tgt_pw = t->tgt_pw ? hm_secret_unseal(svc->secret, t->tgt_pw, t->tgt_pw_len) : NULL;
            vr->started_at = hm_svc_now_ms();
            fix_path(svc, id, vr->fix_path, sizeof vr->fix_path);
            if ((t->src_pw && !vr->src_pw) || (t->tgt_pw && !vr->tgt_pw))
                st = hm_svc_fail(err, HM_SVC_EINTERNAL, "secret", "task %s: a stored password does not open with "
                                 "this data directory's secret.key", t->name);
            else if (pthread_create(&vr->th, NULL, vrun_main, vr) != 0)
                st = hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "cannot start a thread");
            if (st == HM_SVC_OK) {
                t->vrun = vr, vr = NULL;
                t->verifying = true;
                time_str(t->vrun->started_at, started, sizeof started);
                set_result(svc, t, json_pack("{s:s, s:s, s:s}", "state", "running", "started_at", started, "mode",
                                             t->state == HM_TASK_SYNCING ? "common_points" : "live"));
                hm_svc_event(svc, t, "action", who, NULL, "verify started (%s)",
                             t->state == HM_TASK_SYNCING ? "at common points with the running sync"
                                                         : "live tables, differing chunks re-checked");
                *out = json_incref(json_object_get(t->extra, "verify"));
            }
        }
    }
    pthread_mutex_unlock(&svc->mu);
    vrun_free(vr);
    return st;
}

hm_svc_status hm_svc_task_verify_get(hm_svc *svc, int64_t id, json_t **out, hm_svc_err *err)
{
    hm_task *t;
    json_t *v;
    hm_svc_status st = HM_SVC_OK;
    pthread_mutex_lock(&svc->mu);
    if (!(t = hm_svc_find(svc, id))) {
        st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld", (long long)id);
    } else if (!(v = json_object_get(t->extra, "verify"))) {
        st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "no_verify", "task %s has not been verified yet (POST "
                         "/tasks/%lld/verify)", t->name, (long long)id);
    } else if (!t->verifying && strcmp(json_string_value(json_object_get(v, "state")), "running") == 0) {
        /* a run that was going on when the last process ended */
        *out = json_deep_copy(v);
        json_object_set_new(*out, "state", json_string("failed"));
        json_object_set_new(*out, "message", json_string("interrupted when hotmigd stopped: verify again"));
    } else {
        *out = json_incref(v);
    }
    pthread_mutex_unlock(&svc->mu);
    return st;
}

hm_svc_status hm_svc_task_verify_fix(hm_svc *svc, int64_t id, char **text, size_t *len, hm_svc_err *err)
{
    hm_task *t;
    hm_svc_status st = HM_SVC_OK;
    char path[4200];
    FILE *f = NULL;
    pthread_mutex_lock(&svc->mu);
    if (!(t = hm_svc_find(svc, id)))
        st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld", (long long)id);
    else if (t->verifying)
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "verify_running", "task %s: a verification is running; the fix SQL "
                         "is ready when it ends", t->name);
    else if (!json_object_get(t->extra, "verify"))
        st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "no_verify", "task %s has not been verified yet", t->name);
    if (st == HM_SVC_OK) {
        fix_path(svc, id, path, sizeof path);
        if (!(f = fopen(path, "rb")))
            st = hm_svc_fail(err, HM_SVC_ENOTFOUND, "no_fix_sql", "task %s: the last verification wrote no fix SQL "
                             "(it failed before the end)", t->name);
    }
    pthread_mutex_unlock(&svc->mu);
    if (!f)
        return st;
    {
        size_t cap = 65536, n = 0, got;
        char *buf = malloc(cap);
        while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
            n += got;
            if (n == cap) {
                char *nb = realloc(buf, cap * 2);
                if (!nb) {
                    free(buf);
                    buf = NULL;
                    break;
                }
                buf = nb, cap *= 2;
            }
        }
        fclose(f);
        if (!buf)
            return hm_svc_fail(err, HM_SVC_EINTERNAL, "internal", "out of memory");
        *text = buf, *len = n;
    }
    return HM_SVC_OK;
}

void hm_vrun_cancel(hm_task *t)
{
    hm_vrun *vr = t->vrun;
    if (!vr || vr->done)
        return;
    vr->cancel = true;
    if (vr->v)
        hm_verify_cancel(vr->v);
    pthread_cond_broadcast(&vr->cv);
}

void hm_vrun_stop_all(hm_svc *svc)
{
    pthread_mutex_lock(&svc->mu);
    for (size_t i = 0; i < svc->ntasks; i++)
        hm_vrun_cancel(svc->tasks[i]);
    pthread_mutex_unlock(&svc->mu);
    for (size_t i = 0; i < svc->ntasks; i++) {
        hm_vrun *vr = svc->tasks[i]->vrun;
        if (!vr)
            continue;
        pthread_join(vr->th, NULL);
        pthread_mutex_lock(&svc->mu);
        while (vr->applier_in) /* it was told to go on: leaves within PAUSE_MAX_S */
            pthread_cond_wait(&vr->cv, &svc->mu);
        svc->tasks[i]->vrun = NULL;
        svc->tasks[i]->verifying = false;
        pthread_mutex_unlock(&svc->mu);
        vrun_free(vr);
    }
}
