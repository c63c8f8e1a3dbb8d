/*
 * cli/progress.c: rendering progress: a bar on a terminal (stderr), lines in a pipe (stdout),
 * or one JSON object per line (stdout) for machines. Owns nothing.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"

void hm_render_init(hm_render *r, hm_progress_mode mode)
{
    memset(r, 0, sizeof *r);
    if (mode == HM_PROGRESS_AUTO)
        mode = isatty(STDERR_FILENO) ? HM_PROGRESS_BAR : HM_PROGRESS_LINES;
    r->mode = mode;
    /* stderr is for the terminal's bar and for the one line of an error; in a pipe, progress
     * lines are the run's output, like its summary */
    r->f = mode == HM_PROGRESS_BAR ? stderr : stdout;
}

unsigned hm_render_interval_ms(const hm_render *r)
{
    switch (r->mode) {
    case HM_PROGRESS_BAR: return 250;
    case HM_PROGRESS_JSON: return 1000;
    default: return 3000;
    }
}

/* Prints one JSON object on its own line and frees it. */
static void emit_json(FILE *f, json_t *o)
{
    if (!o)
        return;
    json_dumpf(o, f, JSON_COMPACT | JSON_REAL_PRECISION(6));
    fputc('\n', f);
    fflush(f);
    json_decref(o);
}

static void fmt_eta(double s, char *out, size_t n)
{
    if (s < 0 || !isfinite(s))
        snprintf(out, n, "--:--");
    else if (s >= 3600)
        snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else
        snprintf(out, n, "%02d:%02d", (int)(s / 60), (int)fmod(s, 60));
}

void hm_render_progress(const hm_progress *p, void *ud)
{
    hm_render *r = ud;
    double pct = p->rows_estimated ? 100.0 * (double)p->rows_done / (double)p->rows_estimated : 0;
    char eta[32], idx[32] = "";
    if (p->tables_indexing)
        snprintf(idx, sizeof idx, " (%u indexing)", p->tables_indexing);
    if (pct > 100)
        pct = 100;
    if (p->stage == HM_STAGE_DONE)
        pct = 100;
    fmt_eta(p->eta_s, eta, sizeof eta);
    switch (r->mode) {
    case HM_PROGRESS_NONE:
    case HM_PROGRESS_AUTO:
        return;
    case HM_PROGRESS_JSON: {
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:b}",
                              "event", "progress", "stage", hm_stage_name(p->stage),
                              "tables_done", (json_int_t)p->tables_done,
                              "tables_indexing", (json_int_t)p->tables_indexing,
                              "tables_total", (json_int_t)p->tables_total,
                              "rows_done", (json_int_t)p->rows_done,
                              "rows_estimated", (json_int_t)p->rows_estimated,
                              "bytes_done", (json_int_t)p->bytes_done, "bytes_per_sec", p->bytes_per_sec,
                              "eta_s", p->eta_s, "elapsed_s", p->elapsed_s, "resumed", p->resumed);
        emit_json(r->f, o);
        return;
    }
    case HM_PROGRESS_LINES:
        if (p->stage < HM_STAGE_SCHEMA)
            return; /* nothing to say yet; a failure here prints only its error line */
        fprintf(r->f, "hotmig: %-8s tables %u/%u%s  rows %llu/~%llu (%.0f%%)  %.1f MB/s  ETA %s\n",
                hm_stage_name(p->stage), p->tables_done, p->tables_total, idx,
                (unsigned long long)p->rows_done, (unsigned long long)p->rows_estimated, pct,
                p->bytes_per_sec / 1e6, eta);
        fflush(r->f);
        return;
    case HM_PROGRESS_BAR: {
        char bar[31];
        int fill = (int)(pct * 30 / 100);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(r->f, "\r%-8s [%s] %3.0f%%  tables %u/%u%s  rows %llu  %.1f MB/s  ETA %s   ",
                hm_stage_name(p->stage), bar, pct, p->tables_done, p->tables_total, idx,
                (unsigned long long)p->rows_done, p->bytes_per_sec / 1e6, eta);
        fflush(r->f);
        r->bar_drawn = true;
        return;
    }
    }
}

static void end_bar(hm_render *r)
{
    if (r->bar_drawn)
        fputc('\n', r->f);
    r->bar_drawn = false;
}

void hm_render_done(hm_render *r, const hm_copy_result *res, double seconds)
{
    end_bar(r);
    if (r->mode == HM_PROGRESS_JSON) {
        emit_json(stdout, json_pack("{s:s, s:I, s:I, s:I, s:f, s:b, s:I, s:s, s:s, s:f, s:I, s:s, s:I, s:s, s:s}",
                                    "event", "done", "tables", (json_int_t)res->tables_copied,
                                    "rows", (json_int_t)res->rows_copied,
                                    "bytes", (json_int_t)res->bytes_copied, "seconds", seconds,
                                    "resumed", res->resumed, "chunks_skipped", (json_int_t)res->chunks_skipped,
                                    "write_method", res->write_method,
                                    "snapshot_method", res->snapshot_method,
                                    "lock_held_ms", res->lock_held_ms, "snapshot_attempts", (json_int_t)res->snapshot_attempts,
                                    "binlog_file", res->binlog_file,
                                    "binlog_pos", (json_int_t)res->binlog_pos, "gtid_set", res->gtid_set,
                                    "flagged", res->flagged));
        return;
    }
    if (res->snapshot_method && strcmp(res->snapshot_method, "already complete") == 0) {
        printf("hotmig: the copy was complete already (snapshot at %s:%llu%s%s)\n", res->binlog_file,
               (unsigned long long)res->binlog_pos, res->gtid_set[0] ? "  gtid " : "", res->gtid_set);
        return;
    }
    printf("hotmig: copy complete: %u table%s, %llu row%s, %.1f MB in %.1f s (%s)\n", res->tables_copied,
           res->tables_copied == 1 ? "" : "s", (unsigned long long)res->rows_copied,
           res->rows_copied == 1 ? "" : "s", (double)res->bytes_copied / 1e6, seconds,
           res->write_method);
    if (res->resumed)
        printf("hotmig: resumed an earlier run: %u chunks were already done and not copied again\n",
               res->chunks_skipped);
    if (res->snapshot_attempts)
        printf("hotmig: snapshot: %s, %u attempt%s; global lock held %.1f ms\n", res->snapshot_method,
               res->snapshot_attempts, res->snapshot_attempts == 1 ? "" : "s", res->lock_held_ms);
    else
        printf("hotmig: snapshot: %s; global lock held %.1f ms\n", res->snapshot_method, res->lock_held_ms);
    printf("hotmig: source binlog position of the snapshot: %s:%llu%s%s\n",
           res->binlog_file[0] ? res->binlog_file : "(binlog off)", (unsigned long long)res->binlog_pos,
           res->gtid_set[0] ? "  gtid " : "", res->gtid_set);
    if (res->flagged[0])
        printf("hotmig: flagged tables: %s\n", res->flagged);
}

void hm_render_error(hm_render *r, const hm_err *err)
{
    end_bar(r);
    if (r->mode == HM_PROGRESS_JSON)
        emit_json(stdout, json_pack("{s:s, s:s, s:s}", "event", "error", "code", hm_code_name(err->code),
                                    "message", err->msg));
    fprintf(stderr, "hotmig: %s\n", err->msg);
}

static void fmt_bytes(uint64_t n, bool known, char *out, size_t sz)
{
    if (!known)
        snprintf(out, sz, "?");
    else if (n < 10000)
        snprintf(out, sz, "%llu B", (unsigned long long)n);
    else if (n < 10000000)
        snprintf(out, sz, "%.1f KB", (double)n / 1e3);
    else
        snprintf(out, sz, "%.1f MB", (double)n / 1e6);
}

json_t *hm_render_sync_json(const hm_sync_progress *p)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:f, s:o, s:I, s:I, s:f, s:f, s:f, s:i, s:o, s:s, s:I}", "phase",
                     hm_sync_phase_name(p->phase), "file", p->file ? p->file : "", "pos", (json_int_t)p->pos,
                     "gtid_set", p->gtid_set ? p->gtid_set : "", "lag_s", p->lag_s, "lag_bytes",
                     p->lag_bytes_known ? json_integer((json_int_t)p->lag_bytes) : json_null(), "trx_applied",
                     (json_int_t)p->trx_applied, "rows_applied", (json_int_t)p->rows_applied, "trx_per_sec",
                     p->trx_per_sec, "rows_per_sec", p->rows_per_sec, "elapsed_s", p->elapsed_s, "reconnects",
                     (int)p->reconnects, "last_error", p->last_error ? json_string(p->last_error) : json_null(),
                     "slow_tables", p->slow_tables ? p->slow_tables : "", "keyless_rows",
                     (json_int_t)p->keyless_rows);
}

void hm_render_sync(const hm_sync_progress *p, void *ud)
{
    hm_render *r = ud;
    char lag[32];
    fmt_bytes(p->lag_bytes, p->lag_bytes_known, lag, sizeof lag);
    switch (r->mode) {
    case HM_PROGRESS_NONE:
    case HM_PROGRESS_AUTO:
        return;
    case HM_PROGRESS_JSON: {
        json_t *o = json_pack("{s:s}", "event", "sync");
        json_object_update_new(o, hm_render_sync_json(p));
        emit_json(r->f, o);
        return;
    }
    case HM_PROGRESS_LINES:
        if (p->slow_tables && strlen(p->slow_tables) > r->slow_noted) {
            const char *add = p->slow_tables + r->slow_noted;
            add += strspn(add, ", ");
            fprintf(r->f, "hotmig: sync     slow: %s: no primary key or NOT NULL unique key, so each changed row "
                    "is found by all its columns (add a primary key on the source to speed this up)\n", add);
            r->slow_noted = strlen(p->slow_tables);
        }
        if (p->phase == HM_SYNC_RECONNECTING)
            fprintf(r->f, "hotmig: sync     reconnecting (%u): %s\n", p->reconnects,
                    p->last_error ? p->last_error : "");
        else
            fprintf(r->f, "hotmig: sync     %-11s applied %s:%llu  lag %.0f s, %s  %.0f trx/s  %.0f rows/s\n",
                    hm_sync_phase_name(p->phase), p->file, (unsigned long long)p->pos, p->lag_s, lag,
                    p->trx_per_sec, p->rows_per_sec);
        fflush(r->f);
        return;
    case HM_PROGRESS_BAR:
        fprintf(r->f, "\rsync %-11s %s:%llu  lag %.0f s, %s  %.0f trx/s  %llu trx   ", hm_sync_phase_name(p->phase),
                p->file, (unsigned long long)p->pos, p->lag_s, lag, p->trx_per_sec,
                (unsigned long long)p->trx_applied);
        fflush(r->f);
        r->bar_drawn = true;
        return;
    }
}

void hm_render_sync_done(hm_render *r, const hm_sync_result *res)
{
    end_bar(r);
    if (r->mode == HM_PROGRESS_JSON) {
        emit_json(stdout, json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I}", "event", "finished", "file", res->file,
                                    "pos", (json_int_t)res->pos, "gtid_set", res->gtid_set,
                                    "trx_applied", (json_int_t)res->trx_applied,
                                    "rows_applied", (json_int_t)res->rows_applied,
                                    "triggers_events_created", (json_int_t)res->deferred_created));
        return;
    }
    printf("hotmig: finished: the target has every change of the source through %s:%llu%s%s; lag 0\n",
           res->file, (unsigned long long)res->pos, res->gtid_set[0] ? "  gtid " : "", res->gtid_set);
    if (res->source_locked)
        printf("hotmig: the source was set read-only (read_only=ON) for the cut-over; it stays so\n");
    printf("hotmig: sync applied %llu transactions, %llu rows; %zu triggers and events created at the end\n",
           (unsigned long long)res->trx_applied, (unsigned long long)res->rows_applied, res->deferred_created);
}
