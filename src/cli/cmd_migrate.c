/*
 * cli/cmd_migrate.c: `hotmig migrate`: runs the copy engine, renders its progress, turns the
 * outcome into one line and an exit status. SIGINT/SIGTERM ask the engine to stop; a rerun
 * resumes.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/clock.h"

static hm_copy *volatile g_copy;

static void on_signal(int sig)
{
    (void)sig;
    if (g_copy)
        hm_copy_cancel(g_copy);
}

int hm_cmd_migrate(hm_cli *cli)
{
    hm_err err;
    hm_render r;
    hm_copy_opts o;
    hm_copy_result res;
    hm_copy *c;
    struct sigaction sa;
    double t0;
    int rc;

    memset(&err, 0, sizeof err);
    hm_render_init(&r, cli->progress);
    memset(&o, 0, sizeof o);
    o.source = (hm_endpoint){cli->source.host, cli->source.port, cli->source.user, cli->source.password};
    o.target = (hm_endpoint){cli->target.host, cli->target.port, cli->target.user, cli->target.password};
    o.include = cli->include;
    o.n_include = cli->n_include;
    o.exclude = cli->exclude;
    o.n_exclude = cli->n_exclude;
    o.threads = cli->threads;
    o.chunk_rows = cli->chunk_rows;
    o.max_rows_per_sec = cli->max_rows_per_sec;
    o.write_method = cli->write_method;
    o.progress = hm_render_progress;
    o.progress_ud = &r;
    o.progress_interval_ms = hm_render_interval_ms(&r);

    c = hm_copy_new(&o, &err);
    if (!c) {
        fprintf(stderr, "hotmig: %s\n", err.msg);
        return err.code == HM_EUSAGE ? 2 : 1;
    }
    g_copy = c;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    t0 = hm_clock_now();
    if (hm_copy_run(c, &res, &err) == HM_OK) {
        hm_render_done(&r, &res, hm_clock_now() - t0);
        rc = 0;
    } else {
        hm_render_error(&r, &err);
        rc = err.code == HM_EUSAGE ? 2 : 1;
    }
    g_copy = NULL;
    hm_copy_free(c);
    return rc;
}
