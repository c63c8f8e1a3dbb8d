/*
 * cli/cmd_verify.c: `hotmig verify`: runs the verification engine (src/verify), prints each
 * difference by table, key and column as it is reported, then a summary (or one JSON object with
 * --json), and turns the outcome into an exit status: 0 equal, 1 differs or failed, 2 usage.
 *
 * SIGINT / SIGTERM stop the comparison; what was compared stays recorded on the target, and the
 * same command goes on from there.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/clock.h"
#include "util/err.h"

#define JSON_DIFFS_MAX 100000 /* differences listed in --json output (all are counted) */

static hm_verify *volatile g_verify;

static void on_stop(int sig)
{
    (void)sig;
    if (g_verify)
        hm_verify_cancel(g_verify);
}

typedef struct vctx {
    hm_render r;
    bool json;
    json_t *diffs;     /* --json: the list */
    size_t ndiffs;
} vctx;

static void on_diff(const hm_verify_diff *d, void *ud)
{
    vctx *x = ud;
    x->ndiffs++;
    if (x->json) {
        if (x->ndiffs <= JSON_DIFFS_MAX)
            json_array_append_new(x->diffs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "db", d->db, "table",
                                                      d->table, "kind", hm_verify_kind_name(d->kind), "key", d->key,
                                                      "columns", d->columns, "copies", (json_int_t)d->copies));
        return;
    }
    if (d->kind == HM_VERIFY_CHANGED)
        printf("hotmig: differs: %s.%s %s: changed column%s %s\n", d->db, d->table, d->key,
               strchr(d->columns, ',') ? "s" : "", d->columns);
    else if (d->copies > 1)
        printf("hotmig: differs: %s.%s %s: %s on the target (%llu copies)\n", d->db, d->table, d->key,
               d->kind == HM_VERIFY_MISSING ? "missing" : "extra", (unsigned long long)d->copies);
    else
        printf("hotmig: differs: %s.%s %s: %s on the target\n", d->db, d->table, d->key,
               d->kind == HM_VERIFY_MISSING ? "missing" : "extra");
}

static void print_text(const hm_cli *cli, const hm_verify_result *res, double secs)
{
    if (res->tables_differ == 0)
        printf("hotmig: verify: equal: %u table%s, %llu rows compared in %.1f s\n", res->tables_total,
               res->tables_total == 1 ? "" : "s", (unsigned long long)res->rows_compared, secs);
    else
        printf("hotmig: verify: DIFFERS: %u of %u tables (%s): %llu missing, %llu extra, %llu changed rows on the "
               "target; %llu rows compared in %.1f s\n", res->tables_differ, res->tables_total, res->differ,
               (unsigned long long)res->missing, (unsigned long long)res->extra, (unsigned long long)res->changed,
               (unsigned long long)res->rows_compared, secs);
    if (res->resumed)
        printf("hotmig: resumed an earlier run: %llu chunks were compared then and not again\n",
               (unsigned long long)res->chunks_skipped);
    if (res->source_written)
        printf("hotmig: the source was being written during the comparison (a re-check saw it change: %s); a "
               "difference is reported only when it held through %u re-checks (compare at common points with "
               "the running sync: --state-dir)\n", res->written, 3u);
    if (res->slow[0])
        printf("hotmig: compared as multisets of rows (no primary or NOT NULL unique key: slow): %s\n", res->slow);
    if (res->common_points)
        printf("hotmig: compared at %llu common points with the running sync (source and target snapshots at "
               "the same binlog position); the sync paused %.1f ms at most\n",
               (unsigned long long)res->common_points, res->pause_ms_max);
    if (cli->fix_sql)
        printf("hotmig: fix SQL: %llu statement%s in %s (apply it to the target, then run verify again)\n",
               (unsigned long long)res->fix_statements, res->fix_statements == 1 ? "" : "s", cli->fix_sql);
}

static void print_json(const hm_cli *cli, vctx *x, const hm_verify_result *res, double secs)
{
    json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:s, s:s, s:s, s:f}",
                          "equal", res->tables_differ == 0, "tables", (json_int_t)res->tables_total,
                          "tables_differ", (json_int_t)res->tables_differ, "rows_compared",
                          (json_int_t)res->rows_compared, "chunks_compared", (json_int_t)res->chunks_compared,
                          "chunks_skipped", (json_int_t)res->chunks_skipped, "rechecks", (json_int_t)res->rechecks,
                          "missing", (json_int_t)res->missing, "extra", (json_int_t)res->extra, "changed",
                          (json_int_t)res->changed, "resumed", res->resumed, "source_written", res->source_written,
                          "differ_tables", res->differ, "written_tables", res->written, "slow_tables", res->slow,
                          "seconds", secs);
    json_object_set_new(o, "common_points", json_integer((json_int_t)res->common_points));
    json_object_set_new(o, "pause_ms_max", json_real(res->pause_ms_max));
    json_object_set(o, "diffs", x->diffs);
    json_object_set_new(o, "diffs_truncated", json_boolean(x->ndiffs > JSON_DIFFS_MAX));
    if (cli->fix_sql) {
        json_object_set_new(o, "fix_sql", json_string(cli->fix_sql));
        json_object_set_new(o, "fix_statements", json_integer((json_int_t)res->fix_statements));
    }
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(o);
}

int hm_cmd_verify(hm_cli *cli)
{
    hm_verify_opts o;
    hm_verify_result res;
    hm_verify *v;
    hm_err err;
    vctx x;
    struct sigaction sa;
    double t0;
    int rc;

    memset(&err, 0, sizeof err);
    memset(&x, 0, sizeof x);
    x.json = cli->json;
    /* --json: stdout carries the result object, so progress lines are left out (a terminal's bar
     * is on stderr, --progress json objects are lines of their own) */
    hm_render_init(&x.r, cli->progress);
    if (cli->json && x.r.mode == HM_PROGRESS_LINES)
        x.r.mode = HM_PROGRESS_NONE;
    x.diffs = json_array();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    memset(&o, 0, sizeof o);
    o.source = hm_cli_endpoint(&cli->source);
    o.target = hm_cli_endpoint(&cli->target);
    o.include = cli->include;
    o.n_include = cli->n_include;
    o.exclude = cli->exclude;
    o.n_exclude = cli->n_exclude;
    o.threads = cli->threads;
    o.chunk_rows = cli->chunk_rows;
    o.max_rows_per_sec = cli->max_rows_per_sec;
    o.fix_sql_path = cli->fix_sql;
    o.progress = hm_render_progress;
    o.progress_ud = &x.r;
    o.progress_interval_ms = hm_render_interval_ms(&x.r);
    o.diff = on_diff;
    o.diff_ud = &x;
    if (cli->state_dir_given) {
        o.sync_point = hm_cpoint_step;
        o.sync_point_ud = (void *)cli->state_dir;
    }

    t0 = hm_clock_now();
    v = hm_verify_new(&o, &err);
    if (!v) {
        hm_render_error(&x.r, &err);
        json_decref(x.diffs);
        return err.code == HM_EUSAGE ? 2 : 1;
    }
    g_verify = v;
    if (hm_verify_run(v, &res, &err) != HM_OK) {
        g_verify = NULL;
        hm_verify_free(v);
        hm_render_error(&x.r, &err);
        json_decref(x.diffs);
        return err.code == HM_EUSAGE ? 2 : 1;
    }
    g_verify = NULL;
    hm_verify_free(v);
    if (x.r.bar_drawn)
        fputc('\n', x.r.f);
    if (cli->json)
        print_json(cli, &x, &res, hm_clock_now() - t0);
    else
        print_text(cli, &res, hm_clock_now() - t0);
    rc = res.tables_differ ? 1 : 0;
    json_decref(x.diffs);
    return rc;
}
