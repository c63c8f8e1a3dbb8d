/*
 * cli/cmd_migrate.c: `hotmig migrate`: runs the copy engine and, in --mode full+incremental,
 * incremental sync after it; renders progress, keeps the state directory's status, and turns the
 * outcome into one line and an exit status.
 *
 * Signals: SIGINT / SIGTERM stop (the checkpoint stays; exit 3), SIGUSR1 is the cut-over
 * request of `hotmig finish`, SIGUSR2 that of `hotmig finish --lock-source`. A rerun, or `hotmig resume`, goes on from the checkpoint.
 */
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

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

/* What the progress callbacks need: the renderer, and the state directory's status. */
typedef struct run_ctx {
    hm_render r;
    hm_statedir *dir;     /* NULL in --mode full */
    double last_status;
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

int hm_cmd_migrate(hm_cli *cli)
{
    hm_err err;
    run_ctx x;
    hm_copy_opts o;
    hm_copy_result res;
    hm_statedir dir;
    hm_copy *c;
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
    signal(SIGPIPE, SIG_IGN);
    if (incremental) {
        if (hm_statedir_open(&dir, cli->state_dir, &err) != 0 || hm_statedir_task(&dir, cli, &err) != 0) {
            hm_render_error(&x.r, &err);
            hm_statedir_close(&dir);
            return 1;
        }
        x.dir = &dir;
        status_copy(&x, "starting", NULL, NULL, true);
    }
    fill_copy_opts(&o, cli, &x);

    c = hm_copy_new(&o, &err);
    if (!c)
        goto fail;
    g_copy = c;
    if (g_stop)
        hm_copy_cancel(c);
    t0 = hm_clock_now();
    if (hm_copy_run(c, &res, &err) != HM_OK) {
        g_copy = NULL;
        hm_copy_free(c);
        goto fail;
    }
    g_copy = NULL;
    hm_copy_free(c);
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
