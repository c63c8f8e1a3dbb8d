/*
 * check/check.c: running the precheck (see check.h): options, the two reading threads, the
 * table of items and the report.
 *
 *   hm_check_run:  validate options --> read source (this thread) | read target (one thread)
 *                  --> join --> zones (target, needs both) --> judge each item in table order
 *                  --> copy verdicts into the report --> close both connections
 *
 * The reading threads share nothing: each owns its connection and its facts struct until the
 * join. Judging happens on the calling thread only.
 */
#include "check/check.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/facts.h"
#include "check/items.h"
#include "db/sqlq.h"
#include "util/clock.h"
#include "util/err.h"

#define DEFAULT_THREADS 4
#define MSG_MAX (16u << 10)

enum { NEED_SRC = 1, NEED_TGT = 2 };

typedef struct def {
    const char *id;
    hm_check_item_fn *fn;
    unsigned needs;
    bool skippable;
    bool binlog;      /* only needed for --mode full+incremental */
    hm_code fail_code;
} def;

/* Report order. Data-safety items (skippable false) are refused by --skip. */
static const def defs[] = {
    {"servers.distinct", hm_check_item_distinct, NEED_SRC | NEED_TGT, false, false, HM_ESAMESERVER},
    {"source.connect", hm_check_item_source_connect, 0, false, false, HM_ECONNECT},
    {"target.connect", hm_check_item_target_connect, 0, false, false, HM_ECONNECT},
    {"source.tls", hm_check_item_source_tls, NEED_SRC, true, false, HM_ESOURCE},
    {"target.tls", hm_check_item_target_tls, NEED_TGT, true, false, HM_ETARGET},
    {"version.path", hm_check_item_version, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"selection.patterns", hm_check_item_patterns, NEED_SRC, false, false, HM_EPATTERN},
    {"source.privileges", hm_check_item_source_privileges, NEED_SRC, true, false, HM_EPRIV},
    {"target.privileges", hm_check_item_target_privileges, NEED_SRC | NEED_TGT, true, false, HM_EPRIV},
    {"target.conflicts", hm_check_item_conflicts, NEED_SRC | NEED_TGT, false, false, HM_ECONFLICT},
    {"target.other_objects", hm_check_item_other_objects, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"target.capacity", hm_check_item_capacity, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"source.server_id", hm_check_item_server_id, NEED_SRC | NEED_TGT, false, true, HM_ESOURCE},
    {"source.log_bin", hm_check_item_log_bin, NEED_SRC, false, true, HM_ESOURCE},
    {"source.binlog_format", hm_check_item_binlog_format, NEED_SRC, false, true, HM_ESOURCE},
    {"source.binlog_row_image", hm_check_item_binlog_row_image, NEED_SRC, false, true, HM_ESOURCE},
    {"source.binlog_compression", hm_check_item_binlog_compression, NEED_SRC, false, true, HM_ESOURCE},
    {"source.gtid_mode", hm_check_item_gtid_mode, NEED_SRC, false, true, HM_ESOURCE},
    {"source.binlog_retention", hm_check_item_binlog_retention, NEED_SRC, false, true, HM_ESOURCE},
    {"source.binlog_row_value_options", hm_check_item_row_value_options, NEED_SRC, false, true, HM_ESOURCE},
    {"source.binlog_row_metadata", hm_check_item_row_metadata, NEED_SRC, true, true, HM_ESOURCE},
    {"source.xa_prepared", hm_check_item_xa_prepared, NEED_SRC, true, true, HM_ESOURCE},
    {"target.vector_type", hm_check_item_vector, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"source.innodb_stats_on_metadata", hm_check_item_stats_on_metadata, NEED_SRC, true, false, HM_ESOURCE},
    {"source.tables_without_key", hm_check_item_no_key, NEED_SRC, true, false, HM_ESOURCE},
    {"source.non_innodb", hm_check_item_non_innodb, NEED_SRC, true, false, HM_ESOURCE},
    {"selection.fk_closure", hm_check_item_fk_closure, NEED_SRC, false, false, HM_EPATTERN},
    {"target.charsets", hm_check_item_charsets, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"target.lower_case_table_names", hm_check_item_lctn, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"target.max_allowed_packet", hm_check_item_max_packet, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"target.sql_mode", hm_check_item_sql_mode, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"target.time_zone_tables", hm_check_item_time_zones, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"target.definers", hm_check_item_definers, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"target.triggers_events", hm_check_item_triggers_events, NEED_SRC | NEED_TGT, true, false, HM_ETARGET},
    {"source.max_connections", hm_check_item_source_max_connections, NEED_SRC, true, false, HM_ESOURCE},
    {"target.max_connections", hm_check_item_target_max_connections, NEED_TGT, true, false, HM_ETARGET},
};
#define NDEFS (sizeof defs / sizeof defs[0])

const char *hm_check_result_name(hm_check_result r)
{
    switch (r) {
    case HM_CHECK_PASS: return "PASS";
    case HM_CHECK_WARNING: return "WARNING";
    case HM_CHECK_FAILED: return "FAILED";
    case HM_CHECK_SKIPPED: return "SKIPPED";
    }
    return "?";
}

static const def *find_def(const char *id)
{
    for (size_t i = 0; i < NDEFS; i++)
        if (strcmp(defs[i].id, id) == 0)
            return &defs[i];
    return NULL;
}

bool hm_check_item_known(const char *id, bool *skippable)
{
    const def *d = find_def(id);
    if (skippable)
        *skippable = d && d->skippable;
    return d != NULL;
}

/* --- building an item (helpers declared in items.h) --- */

static void vappend(hm_buf *b, const char *fmt, va_list ap) HM_PRINTF(2, 0);
static void vappend(hm_buf *b, const char *fmt, va_list ap)
{
    char tmp[4096];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0)
        return;
    if (b->len && hm_buf_adds(b, "; ") != HM_OK)
        return;
    if (hm_buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1) != HM_OK && b->len + 4 < b->max)
        (void)hm_buf_adds(b, "...");
}

void hm_check_say(hm_check_out *out, hm_check_result r, const char *fmt, ...)
{
    va_list ap;
    if (r > out->result)
        out->result = r;
    va_start(ap, fmt);
    vappend(&out->msg, fmt, ap);
    va_end(ap);
}

void hm_check_fix(hm_check_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vappend(&out->fix, fmt, ap);
    va_end(ap);
}

bool hm_check_need(hm_check_out *out, const hm_check_part *p)
{
    if (p->ok)
        return true;
    hm_check_say(out, out->safety ? HM_CHECK_FAILED : HM_CHECK_WARNING, "not checked: %s", p->err.msg);
    hm_check_fix(out, "grant the account the right to read what the message names, or run the check "
                      "with an account that has it");
    return false;
}

void hm_check_fix_var(hm_check_out *out, const hm_check_side *s, const char *var, const char *value)
{
    if (hm_check_can_persist(s))
        hm_check_fix(out, "on the %s: SET PERSIST %s=%s", s->role, var, value);
    else
        hm_check_fix(out, "on the %s: SET GLOBAL %s=%s; and add %s=%s under [mysqld] in its my.cnf to "
                          "keep it after a restart", s->role, var, value, var, value);
}

void hm_check_bytes(uint64_t n, char *out, size_t outsz)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof unit / sizeof unit[0]) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, outsz, "%llu bytes", (unsigned long long)n);
    else
        snprintf(out, outsz, "%.1f %s", v, unit[u]);
}

void hm_check_list_init(hm_check_list *l)
{
    hm_buf_init(&l->b, 1 << 14);
    l->n = 0;
    l->sep = ", ";
    l->ended = false;
}

void hm_check_stmts_init(hm_check_list *l)
{
    hm_check_list_init(l);
    l->sep = "; ";
}

void hm_check_opts_init(hm_check_list *l)
{
    hm_check_list_init(l);
    l->sep = " ";
}

void hm_check_list_add(hm_check_list *l, const char *fmt, ...)
{
    va_list ap;
    char tmp[1024];
    if (l->n++ >= HM_CHECK_LIST_MAX || l->ended)
        return;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (l->b.len)
        (void)hm_buf_adds(&l->b, l->sep);
    (void)hm_buf_adds(&l->b, tmp);
}

const char *hm_check_list_str(hm_check_list *l)
{
    if (l->n > HM_CHECK_LIST_MAX && !l->ended) {
        (void)hm_buf_addf(&l->b, strcmp(l->sep, "; ") == 0 ? "; -- and %zu more like these" : " and %zu more",
                          l->n - HM_CHECK_LIST_MAX);
        l->ended = true;
    }
    return l->b.data ? l->b.data : "";
}

void hm_check_list_release(hm_check_list *l)
{
    hm_buf_release(&l->b);
}

void hm_check_add_qname(hm_buf *b, const char *db, const char *name)
{
    if (name)
        (void)hm_sqlq_table(b, db, name);
    else
        (void)hm_sqlq_ident(b, db);
}

/* --- running --- */

typedef struct reader {
    hm_check_tgt *t;
    const hm_endpoint *ep;
    hm_code rc;
} reader;

static hm_code read_target(hm_check_tgt *t, const hm_endpoint *ep)
{
    hm_code rc = hm_check_read_side(&t->side, ep, "target");
    if (rc == HM_OK && t->side.connect.ok)
        rc = hm_check_read_target(t);
    return rc;
}

static void *target_main(void *arg)
{
    reader *r = arg;
    r->rc = read_target(r->t, r->ep);
    mysql_thread_end();
    return NULL;
}

static hm_code read_source(hm_check_src *s, const hm_endpoint *ep)
{
    hm_code rc = hm_check_read_side(&s->side, ep, "source");
    if (rc == HM_OK && s->side.connect.ok)
        rc = hm_check_read_selection(s);
    return rc;
}

static hm_code validate(const hm_check_opts *o, hm_err *err)
{
    if (!o->source.host || !o->target.host || !o->source.user || !o->target.user)
        return hm_err_set(err, HM_EUSAGE, "source and target connections are required");
    if (o->threads > 256)
        return hm_err_set(err, HM_EUSAGE, "--threads must be from 1 to 256");
    for (size_t i = 0; i < o->n_skip; i++) {
        const def *d = find_def(o->skip[i]);
        if (!d)
            return hm_err_set(err, HM_EUSAGE, "--skip %s: no such check item; the items are listed by "
                                              "hotmig check", o->skip[i]);
        if (!d->skippable)
            return hm_err_set(err, HM_EUSAGE, "--skip %s: this item protects the data and cannot be "
                                              "skipped; fix what it reports instead", o->skip[i]);
    }
    return HM_OK;
}

static bool skipped(const hm_check_opts *o, const char *id)
{
    for (size_t i = 0; i < o->n_skip; i++)
        if (strcmp(o->skip[i], id) == 0)
            return true;
    return false;
}

static hm_code judge(const hm_check_ctx *c, const def *d, hm_check_item *it)
{
    hm_check_out out;
    memset(&out, 0, sizeof out);
    out.safety = !d->skippable;
    hm_buf_init(&out.msg, MSG_MAX);
    hm_buf_init(&out.fix, MSG_MAX);
    if (skipped(c->o, d->id)) {
        hm_check_say(&out, HM_CHECK_SKIPPED, "skipped with --skip %s", d->id);
    } else if ((d->needs & NEED_SRC) && !c->src->side.connect.ok) {
        hm_check_say(&out, HM_CHECK_SKIPPED, "not checked: no connection to the source");
        hm_check_fix(&out, "fix source.connect first");
    } else if ((d->needs & NEED_TGT) && !c->tgt->side.connect.ok) {
        hm_check_say(&out, HM_CHECK_SKIPPED, "not checked: no connection to the target");
        hm_check_fix(&out, "fix target.connect first");
    } else if ((d->needs & NEED_TGT) && c->distinct.ok && c->match.same && d->fn != hm_check_item_distinct) {
        /* every answer about "the target" would be about the source: a DROP suggested here would
         * drop the source's tables */
        hm_check_say(&out, HM_CHECK_SKIPPED, "not checked: the target is the source server");
        hm_check_fix(&out, "see servers.distinct");
    } else if (d->binlog && !c->o->incremental) {
        hm_check_say(&out, HM_CHECK_PASS, "not needed for --mode full");
    } else {
        d->fn(c, &out);
    }
    it->id = d->id;
    it->skippable = d->skippable;
    it->result = out.result;
    it->code = HM_OK;
    if (out.result == HM_CHECK_FAILED) {
        it->code = d->fail_code;
        if (strcmp(d->id, "source.connect") == 0)
            it->code = c->src->side.connect.err.code;
        else if (strcmp(d->id, "target.connect") == 0)
            it->code = c->tgt->side.connect.err.code;
    }
    it->message = strdup(out.msg.data ? out.msg.data : "");
    it->fix = strdup(out.fix.data ? out.fix.data : "");
    hm_buf_release(&out.msg);
    hm_buf_release(&out.fix);
    return it->message && it->fix ? HM_OK : HM_ENOMEM;
}

hm_code hm_check_run(const hm_check_opts *o, hm_check_report *rep, hm_err *err)
{
    hm_check_src *src = NULL;
    hm_check_tgt *tgt = NULL;
    hm_check_ctx ctx;
    reader rd;
    pthread_t th;
    bool threaded;
    double t0 = hm_clock_now();
    hm_code rc;

    memset(rep, 0, sizeof *rep);
    if ((rc = validate(o, err)) != HM_OK)
        return rc;
    src = calloc(1, sizeof *src);
    tgt = calloc(1, sizeof *tgt);
    rep->items = calloc(NDEFS, sizeof *rep->items);
    if (!src || !tgt || !rep->items) {
        rc = hm_check_oom(err);
        goto out;
    }
    if ((rc = hm_select_init(&src->sel, o->include, o->n_include, o->exclude, o->n_exclude, err)) != HM_OK)
        goto out;
    src->tz_rows = tgt->tz_rows = -1;

    /* Connector/C's global state is set up here, before a second thread may connect */
    mysql_library_init(0, NULL, NULL);
    rd.t = tgt;
    rd.ep = &o->target;
    rd.rc = HM_OK;
    threaded = pthread_create(&th, NULL, target_main, &rd) == 0;
    rc = read_source(src, &o->source);
    if (threaded)
        pthread_join(th, NULL);
    else
        rd.rc = read_target(tgt, &o->target);
    if (rc == HM_OK)
        rc = rd.rc;
    if (rc != HM_OK) {
        rc = hm_check_oom(err);
        goto out;
    }
    if (src->side.connect.ok && tgt->side.connect.ok && src->catalog.ok &&
        hm_check_read_zones(tgt, src) != HM_OK) {
        rc = hm_check_oom(err);
        goto out;
    }

    memset(&ctx, 0, sizeof ctx);
    ctx.o = o;
    ctx.src = src;
    ctx.tgt = tgt;
    if (src->side.connect.ok && tgt->side.connect.ok)
        ctx.distinct.ok = hm_server_compare(&src->side.conn, &tgt->side.conn, &ctx.match,
                                            &ctx.distinct.err) == HM_OK;
    ctx.threads = o->threads ? o->threads : DEFAULT_THREADS;
    for (size_t i = 0; i < NDEFS; i++) {
        rep->n = i + 1;
        if (judge(&ctx, &defs[i], &rep->items[i]) != HM_OK) {
            rc = hm_check_oom(err);
            goto out;
        }
    }
    rep->elapsed_s = hm_clock_now() - t0;
out:
    if (src)
        hm_check_src_release(src);
    if (tgt)
        hm_check_tgt_release(tgt);
    free(src);
    free(tgt);
    if (rc != HM_OK)
        hm_check_report_release(rep);
    return rc;
}

void hm_check_report_release(hm_check_report *rep)
{
    if (rep->items)
        for (size_t i = 0; i < rep->n; i++) {
            free(rep->items[i].message);
            free(rep->items[i].fix);
        }
    free(rep->items);
    memset(rep, 0, sizeof *rep);
}

bool hm_check_failed(const hm_check_report *rep)
{
    for (size_t i = 0; i < rep->n; i++)
        if (rep->items[i].result == HM_CHECK_FAILED)
            return true;
    return false;
}

hm_code hm_check_report_error(const hm_check_report *rep, hm_err *err)
{
    const hm_check_item *first = NULL;
    char ids[512] = "";
    size_t nfailed = 0;
    for (size_t i = 0; i < rep->n; i++) {
        const hm_check_item *it = &rep->items[i];
        size_t l = strlen(ids);
        if (it->result != HM_CHECK_FAILED)
            continue;
        if (!first)
            first = it;
        nfailed++;
        snprintf(ids + l, sizeof ids - l, "%s%s", l ? ", " : "", it->id);
    }
    if (!first)
        return HM_OK;
    {
        /* one line of at most sizeof err->msg: the message gives way before the fix does */
        char head[600];
        size_t room, mlen = strlen(first->message), flen = strlen(first->fix);
        int hn = snprintf(head, sizeof head, "precheck FAILED (%zu: %s): ", nfailed, ids);
        const char *tail = "; run hotmig check for every item";
        size_t used = (hn > 0 ? (size_t)hn : 0) + strlen(tail) + (flen ? 7 + flen : 0);
        room = used + 40 < sizeof err->msg ? sizeof err->msg - 1 - used : 40;
        return hm_err_set(err, first->code != HM_OK ? first->code : HM_EINTERNAL, "%s%.*s%s%s%s%s", head,
                          (int)(mlen > room ? room - 3 : mlen), first->message, mlen > room ? "..." : "",
                          flen ? "; fix: " : "", first->fix, tail);
    }
}

hm_code hm_check_before_copy(const hm_copy_opts *copy, hm_check_report *rep, hm_err *err)
{
    hm_check_opts o;
    hm_check_report local;
    hm_check_report *r = rep ? rep : &local;
    hm_code rc;
    memset(&o, 0, sizeof o);
    o.source = copy->source;
    o.target = copy->target;
    o.include = copy->include;
    o.n_include = copy->n_include;
    o.exclude = copy->exclude;
    o.n_exclude = copy->n_exclude;
    o.threads = copy->threads;
    o.incremental = copy->incremental; /* the binlog items matter when sync follows */
    rc = hm_check_run(&o, r, err);
    if (rc == HM_OK)
        rc = hm_check_report_error(r, err);
    if (!rep)
        hm_check_report_release(&local);
    return rc;
}
