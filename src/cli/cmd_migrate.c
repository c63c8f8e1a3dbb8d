/*
 * cli/cmd_migrate.c: `hotmig migrate`: runs the copy engine and, in --mode full+incremental,
 * incremental sync after it; renders progress, keeps the state directory's status, and turns the
 * outcome into one line and an exit status.
 *
 * Signals: SIGINT / SIGTERM stop (the checkpoint stays; exit 3), SIGUSR1 is the cut-over
 * request of `hotmig finish`, SIGUSR2 that of `hotmig finish --lock-source`, SIGURG a common point
 * asked for by `hotmig verify --state-dir` (cpoint.c). A rerun, or `hotmig resume`, goes on from the checkpoint.
 */
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"
#include "util/err.h"

static hm_copy *volatile g_copy;
static hm_sync *volatile g_sync;
static volatile sig_atomic_t g_stop, g_finish;

static void on_stop(int sig)
{
    (void)sig;
    g_stop = 1;
    if (g_copy)
        hm_copy_cancel(g_copy);
    if (g_sync)
        hm_sync_cancel(g_sync);
}

static void on_finish(int sig)
{
    g_finish = sig == SIGUSR2 ? 2 : 1;
    if (g_sync) {
        if (g_finish == 2)
            hm_sync_finish_lock_source(g_sync);
        else
            hm_sync_finish(g_sync);
    }
}

static void on_verify_point(int sig)
{
    (void)sig;
    if (g_sync)
        hm_sync_pause_at(g_sync, "", 0); /* the next transaction boundary */
}

/* What the progress callbacks need: the renderer, and the state directory's status. */
typedef struct run_ctx {
    hm_render r;
    hm_statedir *dir;     /* NULL in --mode full */
    double last_status;
    bool copy_started;    /* a copy attempt got past its precheck: later failures are retried */
} run_ctx;

static void status_copy(run_ctx *x, const char *state, const hm_progress *p, const hm_err *err, bool force)
{
    double now = hm_clock_now();
    json_t *o;
    if (!x->dir || (!force && now - x->last_status < 1.0))
        return;
    x->last_status = now;
    o = json_pack("{s:s}", "state", state);
    if (p)
        json_object_set_new(o, "copy", json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "stage",
                                                 hm_stage_name(p->stage), "tables_done", (json_int_t)p->tables_done,
                                                 "tables_indexing", (json_int_t)p->tables_indexing,
                                                 "tables_total", (json_int_t)p->tables_total,
                                                 "rows_done", (json_int_t)p->rows_done,
                                                 "rows_estimated", (json_int_t)p->rows_estimated,
                                                 "bytes_per_sec", p->bytes_per_sec, "eta_s", p->eta_s));
    if (err)
        json_object_set_new(o, "error", json_string(err->msg));
    hm_statedir_status(x->dir, o);
}

static void on_copy_progress(const hm_progress *p, void *ud)
{
    run_ctx *x = ud;
    if (p->stage >= HM_STAGE_SNAPSHOT)
        x->copy_started = true;
    hm_render_progress(p, &x->r);
    status_copy(x, "copying", p, NULL, false);
}

static void on_sync_progress(const hm_sync_progress *p, void *ud)
{
    run_ctx *x = ud;
    double now = hm_clock_now();
    hm_render_sync(p, &x->r);
    if (x->dir && (now - x->last_status >= 0.5 || p->phase == HM_SYNC_FINISHED || p->phase == HM_SYNC_FINISHING)) {
        json_t *o = json_pack("{s:s, s:o}", "state", p->phase == HM_SYNC_FINISHING ? "finishing" : "syncing",
                              "sync", hm_render_sync_json(p));
        x->last_status = now;
        hm_statedir_status(x->dir, o);
    }
}

static void status_end(run_ctx *x, const char *state, const hm_sync_result *res, const hm_err *err)
{
    json_t *o;
    if (!x->dir)
        return;
    o = json_pack("{s:s}", "state", state);
    if (res)
        json_object_set_new(o, strcmp(state, "finished") == 0 ? "final" : "checkpoint",
                            json_pack("{s:s, s:I, s:s, s:I, s:I}", "file", res->file, "pos", (json_int_t)res->pos,
                                      "gtid_set", res->gtid_set, "trx_applied", (json_int_t)res->trx_applied,
                                      "rows_applied", (json_int_t)res->rows_applied));
    if (err)
        json_object_set_new(o, "error", json_string(err->msg));
    hm_statedir_status(x->dir, o);
}

static void fill_copy_opts(hm_copy_opts *o, const hm_cli *cli, run_ctx *x)
{
    memset(o, 0, sizeof *o);
    o->source = hm_cli_endpoint(&cli->source);
    o->target = hm_cli_endpoint(&cli->target);
    o->include = cli->include;
    o->n_include = cli->n_include;
    o->exclude = cli->exclude;
    o->n_exclude = cli->n_exclude;
    o->threads = cli->threads;
    o->chunk_rows = cli->chunk_rows;
    o->max_rows_per_sec = cli->max_rows_per_sec;
    o->write_method = cli->write_method;
    o->defer_indexes = cli->defer_indexes;
    o->progress = on_copy_progress;
    o->progress_ud = x;
    o->progress_interval_ms = hm_render_interval_ms(&x->r);
    o->incremental = strcmp(cli->mode, "full+incremental") == 0;
}

static void on_paused(const char *file, uint64_t pos, void *ud)
{
    run_ctx *x = ud;
    if (x->dir && g_sync)
        hm_cpoint_paused(g_sync, x->dir->path, file, pos);
}

static int exit_code(const hm_err *err)
{
    return err->code == HM_EUSAGE ? 2 : err->code == HM_ECANCELLED ? 3 : 1;
}

static int run_sync(hm_cli *cli, run_ctx *x, hm_err *err)
{
    hm_sync_opts o;
    hm_sync_result res;
    hm_sync *s;
    hm_code rc;
    memset(&o, 0, sizeof o);
    o.source = hm_cli_endpoint(&cli->source);
    o.target = hm_cli_endpoint(&cli->target);
    o.include = cli->include;
    o.n_include = cli->n_include;
    o.exclude = cli->exclude;
    o.n_exclude = cli->n_exclude;
    o.progress = on_sync_progress;
    o.progress_ud = x;
    o.progress_interval_ms = hm_render_interval_ms(&x->r);
    o.paused = on_paused;
    o.paused_ud = x;
    o.apply_threads = cli->apply_threads;
    if ((s = hm_sync_new(&o, err)) == NULL)
        return exit_code(err);
    g_sync = s;
    if (g_stop)
        hm_sync_cancel(s);
    if (g_finish == 2)
        hm_sync_finish_lock_source(s);
    else if (g_finish)
        hm_sync_finish(s);
    rc = hm_sync_run(s, &res, err);
    g_sync = NULL;
    hm_sync_free(s);
    if (rc == HM_OK) {
        status_end(x, "finished", &res, NULL);
        hm_render_sync_done(&x->r, &res);
        return 0;
    }
    if (rc == HM_ECANCELLED) {
        status_end(x, "stopped", &res, NULL);
        hm_err_set(err, HM_ECANCELLED, "stopped at %s:%llu (checkpoint kept); hotmig resume --state-dir %s "
                   "goes on from there", res.file, (unsigned long long)res.pos, cli->state_dir);
        return 3;
    }
    status_end(x, "failed", &res, err);
    return exit_code(err);
}

/* resume --source URI (the task's lock held): the target's checkpoint becomes its GTID set, after
 * hm_sync_failover has checked that the new source can go on from there. 0 or 1 (err filled). */
static int failover(const hm_cli *cli, hm_err *err)
{
    char shown[1200];
    hm_endpoint se = hm_cli_endpoint(&cli->source), te = hm_cli_endpoint(&cli->target);
    if (!cli->new_source)
        return 0;
    if (hm_sync_failover(&se, &te, err) != HM_OK) {
        hm_err_prefix(err, "failover to the new source refused");
        return 1;
    }
    hm_uri_redacted(&cli->source, shown, sizeof shown);
    fprintf(stderr, "hotmig: failover: the task follows %s from the checkpoint's GTID set, without copying "
            "again\n", shown);
    return 0;
}

/* The copy, retried while a connection is lost (a server restarting, a network cut) for up to
 * COPY_RETRY_S, with backoff: each attempt is a new hm_copy, which resumes where the last one
 * stopped (chunks committed are not copied again). A failure before the first attempt got past
 * its precheck is not retried: a wrong host or port is said at once. */
#define COPY_RETRY_S 3600
static hm_code run_copy(const hm_copy_opts *o, run_ctx *x, hm_copy_result *res, hm_err *err)
{
    double first_failure = 0, backoff = 0.5;
    unsigned attempts = 0;
    for (;;) {
        double started = hm_clock_now();
        hm_code rc;
        hm_copy *c = hm_copy_new(o, err);
        if (!c)
            return err->code;
        g_copy = c;
        if (g_stop)
            hm_copy_cancel(c);
        rc = hm_copy_run(c, res, err);
        g_copy = NULL;
        hm_copy_free(c);
        if (rc == HM_OK || rc == HM_ECANCELLED || g_stop || !x->copy_started || !hm_err_retryable(err))
            return rc;
        if (hm_clock_now() - started > 30) { /* it ran well for a while: a new outage */
            first_failure = 0;
            backoff = 0.5;
        }
        if (first_failure == 0)
            first_failure = hm_clock_now();
        if (hm_clock_now() - first_failure > COPY_RETRY_S) {
            hm_err_prefix(err, "gave up reconnecting after %u s", COPY_RETRY_S);
            return err->code;
        }
        attempts++;
        fprintf(stderr, "hotmig: copy interrupted (%s); retry %u in %.1f s, from where it stopped\n", err->msg,
                attempts, backoff);
        status_copy(x, "copying", NULL, err, true);
        for (double waited = 0; waited < backoff && !g_stop; waited += 0.1)
            usleep(100000);
        backoff = backoff * 2 > 10 ? 10 : backoff * 2;
        memset(err, 0, sizeof *err);
    }
}

int hm_cmd_migrate(hm_cli *cli)
{
    hm_err err;
    run_ctx x;
    hm_copy_opts o;
    hm_copy_result res;
    hm_statedir dir;
    struct sigaction sa;
    double t0;
    bool incremental = strcmp(cli->mode, "full+incremental") == 0;
    int rc = 1;

    memset(&err, 0, sizeof err);
    memset(&x, 0, sizeof x);
    hm_render_init(&x.r, cli->progress);
    dir.lock_fd = -1;
    /* the handlers first: once the pid file names this process, finish and stop signal it */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_finish;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sa.sa_handler = on_verify_point;
    sigaction(SIGURG, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    {
        /* before anything else, the state directory included: a target that is the source */
        hm_endpoint se = hm_cli_endpoint(&cli->source), te = hm_cli_endpoint(&cli->target);
        if (hm_servers_distinct(&se, &te, &err) == HM_ESAMESERVER) {
            hm_render_error(&x.r, &err);
            return 1;
        }
        memset(&err, 0, sizeof err); /* other failures: the precheck and the retries say them */
    }
    if (incremental) {
        bool ran_before = false;
        if (hm_statedir_open(&dir, cli->state_dir, &err) == 0) {
            /* a task whose copy or sync ran before retries a lost connection from its start: its
             * servers were right once (one restarting as the task resumes must not end it); a
             * task that never got that far still fails at once on a wrong address */
            hm_err ignore;
            json_t *st = hm_statedir_read(dir.path, "status.json", &ignore);
            const char *state = json_string_value(json_object_get(st, "state"));
            ran_before = st && (json_object_get(st, "copy") || json_object_get(st, "sync") ||
                                json_object_get(st, "checkpoint") ||
                                (state && strcmp(state, "failed") != 0 && strcmp(state, "starting") != 0));
            json_decref(st);
        }
        if (dir.lock_fd < 0 || failover(cli, &err) != 0 || hm_statedir_task(&dir, cli, &err) != 0) {
            hm_render_error(&x.r, &err);
            hm_statedir_close(&dir);
            return 1;
        }
        x.dir = &dir;
        x.copy_started = ran_before;
        status_copy(&x, "starting", NULL, NULL, true);
    }
    fill_copy_opts(&o, cli, &x);

    t0 = hm_clock_now();
    if (run_copy(&o, &x, &res, &err) != HM_OK)
        goto fail;
    hm_render_done(&x.r, &res, hm_clock_now() - t0);
    if (!incremental)
        return 0;
    status_copy(&x, "syncing", NULL, NULL, true);
    rc = run_sync(cli, &x, &err);
    if (rc != 0)
        hm_render_error(&x.r, &err);
    hm_statedir_close(&dir);
    return rc;
fail:
    rc = exit_code(&err);
    if (rc == 3 && incremental)
        hm_err_set(&err, HM_ECANCELLED, "stopped during the copy; hotmig resume --state-dir %s goes on from "
                   "there", cli->state_dir);
    hm_render_error(&x.r, &err);
    status_copy(&x, rc == 3 ? "stopped" : "failed", NULL, &err, true);
    hm_statedir_close(&dir);
    return rc;
}
