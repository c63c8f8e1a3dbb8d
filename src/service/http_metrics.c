/*
 * service/http_metrics.c: GET /api/v1/metrics, the Prometheus text exposition (version 0.0.4)
 * of what the core reports: tasks by state; per task rows and bytes copied, lag seconds and
 * bytes, transactions applied, reconnects (labels task, and id); per table of a running task
 * rows and bytes copied and rows applied (labels task, table).
 *
 * Every family has its # HELP and # TYPE; label values are escaped (\\, \", \n) and names come
 * from task names, which are the users'. Built from hm_svc_task_list and hm_svc_task_tables in
 * one bounded text buffer (METRICS_MAX). Owns nothing beyond the call.
 */
#include <stdlib.h>
#include <string.h>

#include "service/http_int.h"
#include "util/buf.h"

#define METRICS_MAX (8u * 1024 * 1024)

static const char *const STATES[] = {"created", "checking", "checked", "queued", "copying", "syncing",
                                     "finishing", "finished", "terminating", "terminated", "failed"};

/* A per-task family: the metric, its help, its type, and where the task object holds it (first
 * key found in "progress", then at the top level). */
typedef struct family {
    const char *name, *help, *type;
    const char *keys[4];
} family;

static const family TASK_FAMILIES[] = {
    {"hotmig_task_rows_copied", "Rows copied by the task's full copy.", "gauge",
     {"rows_copied", "rows_done", NULL}},
    {"hotmig_task_rows_estimated", "Rows the full copy expects (estimate).", "gauge", {"rows_estimated", NULL}},
    {"hotmig_task_bytes_copied", "Bytes copied by the task's full copy.", "gauge", {"bytes_copied", "bytes_done", NULL}},
    {"hotmig_task_lag_seconds", "How far the target is behind the source (seconds).", "gauge",
     {"lag_s", "lag_seconds", NULL}},
    {"hotmig_task_lag_bytes", "Binlog bytes the sync has still to apply.", "gauge", {"lag_bytes", NULL}},
    {"hotmig_task_transactions_applied_total", "Source transactions applied by the incremental sync.", "counter",
     {"trx_applied", "transactions_applied", NULL}},
    {"hotmig_task_rows_applied_total", "Row changes applied by the incremental sync.", "counter",
     {"rows_applied", NULL}},
    {"hotmig_task_reconnects_total", "Reconnects to the source or target after a lost connection.", "counter",
     {"reconnects", NULL}},
};

static const family TABLE_FAMILIES[] = {
    {"hotmig_table_rows_copied", "Rows of the table copied.", "gauge", {"rows_copied", NULL}},
    {"hotmig_table_bytes_copied", "Bytes of the table copied.", "gauge", {"bytes_copied", NULL}},
    {"hotmig_table_rows_applied_total", "Row changes of the table applied by the sync.", "counter",
     {"rows_applied", NULL}},
};

/* Appends v as a quoted, escaped label value. */
static void label(hm_buf *b, const char *v)
{
    hm_buf_addc(b, '"');
    for (; v && *v; v++) {
        if (*v == '\\')
            hm_buf_adds(b, "\\\\");
        else if (*v == '"')
            hm_buf_adds(b, "\\\"");
        else if (*v == '\n')
            hm_buf_adds(b, "\\n");
        else
            hm_buf_addc(b, *v);
    }
    hm_buf_addc(b, '"');
}

static bool number(const json_t *o, const char *const *keys, double *out)
{
    const json_t *prog = json_object_get(o, "progress");
    for (const char *const *k = keys; *k; k++) {
        const json_t *v = json_object_get(prog, *k);
        if (!json_is_number(v))
            v = json_object_get(o, *k);
        if (json_is_number(v)) {
            *out = json_number_value(v);
            return true;
        }
    }
    return false;
}

static void sample(hm_buf *b, const char *name, const char *task, json_int_t id, const char *table, double v)
{
    hm_buf_addf(b, "%s{task=", name);
    label(b, task);
    if (table) {
        hm_buf_adds(b, ",table=");
        label(b, table);
    } else {
        hm_buf_addf(b, ",id=\"%lld\"", (long long)id);
    }
    hm_buf_addf(b, "} %.17g\n", v);
}

/* The # HELP and # TYPE lines of fam, once (*done). */
static void family_head(hm_buf *b, const family *fam, bool *done)
{
    if (*done)
        return;
    hm_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name, fam->type);
    *done = true;
}

static const char *str_or_empty(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "";
}

static bool running(const char *state)
{
    return strcmp(state, "copying") == 0 || strcmp(state, "syncing") == 0 || strcmp(state, "finishing") == 0;
}

void hm_http_metrics(hm_http_req *r, hm_http_ans *ans)
{
    hm_svc_err e;
    json_t *list = NULL, *tasks, *t;
    hm_buf b;
    size_t i;
    unsigned counts[sizeof STATES / sizeof STATES[0]] = {0};
    hm_svc_status st;

    memset(&e, 0, sizeof e);
    st = hm_svc_task_list(r->h->svc, NULL, &list, &e);
    if (st != HM_SVC_OK) {
        hm_http_svc(ans, st, list, &e, 200);
        return;
    }
    tasks = json_object_get(list, "tasks");
    hm_buf_init(&b, METRICS_MAX);
    json_array_foreach(tasks, i, t) {
        const char *s = json_string_value(json_object_get(t, "state"));
        for (size_t k = 0; s && k < sizeof STATES / sizeof STATES[0]; k++)
            if (strcmp(s, STATES[k]) == 0)
                counts[k]++;
    }
    hm_buf_adds(&b, "# HELP hotmig_up Whether hotmigd is serving (always 1 when this answers).\n"
                    "# TYPE hotmig_up gauge\nhotmig_up 1\n");
    hm_buf_adds(&b, "# HELP hotmig_tasks Tasks by state.\n# TYPE hotmig_tasks gauge\n");
    for (size_t k = 0; k < sizeof STATES / sizeof STATES[0]; k++)
        hm_buf_addf(&b, "hotmig_tasks{state=\"%s\"} %u\n", STATES[k], counts[k]);
    for (size_t f = 0; f < sizeof TASK_FAMILIES / sizeof TASK_FAMILIES[0]; f++) {
        const family *fam = &TASK_FAMILIES[f];
        bool head = false;
        json_array_foreach(tasks, i, t) {
            double v;
            if (!number(t, fam->keys, &v))
                continue;
            family_head(&b, fam, &head);
            sample(&b, fam->name, str_or_empty(json_object_get(t, "name")),
                   json_integer_value(json_object_get(t, "id")), NULL, v);
        }
    }
    /* per table, for the tasks that run now (a bounded number: --max-copying plus the syncing ones) */
    {
        json_t *per_task[64];
        const char *names[64];
        size_t n = 0;
        json_array_foreach(tasks, i, t) {
            const char *s = json_string_value(json_object_get(t, "state"));
            json_t *tables = NULL;
            hm_svc_err te;
            memset(&te, 0, sizeof te);
            if (n >= 64 || !s || !running(s))
                continue;
            if (hm_svc_task_tables(r->h->svc, json_integer_value(json_object_get(t, "id")), &tables, &te) !=
                HM_SVC_OK) {
                json_decref(tables);
                continue;
            }
            names[n] = str_or_empty(json_object_get(t, "name"));
            per_task[n++] = tables;
        }
        for (size_t f = 0; f < sizeof TABLE_FAMILIES / sizeof TABLE_FAMILIES[0]; f++) {
            const family *fam = &TABLE_FAMILIES[f];
            bool head = false;
            for (size_t k = 0; k < n; k++) {
                json_t *tb;
                size_t j;
                json_array_foreach(json_object_get(per_task[k], "tables"), j, tb) {
                    char full[256];
                    double v;
                    if (!number(tb, fam->keys, &v))
                        continue;
                    family_head(&b, fam, &head);
                    snprintf(full, sizeof full, "%s.%s", str_or_empty(json_object_get(tb, "db")),
                             str_or_empty(json_object_get(tb, "table")));
                    sample(&b, fam->name, names[k], 0, full, v);
                }
            }
        }
        for (size_t k = 0; k < n; k++)
            json_decref(per_task[k]);
    }
    json_decref(list);
    if (!b.data) {
        hm_http_fail(ans, 500, "internal", "out of memory");
        return;
    }
    ans->raw = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
    if (!ans->raw) {
        hm_buf_release(&b);
        hm_http_fail(ans, 500, "internal", "out of memory");
        return;
    }
    MHD_add_response_header(ans->raw, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    MHD_add_response_header(ans->raw, "Cache-Control", "no-store");
    ans->status = 200;
}
