/*
 * service/clean.c: clean-target: drops exactly what a terminated or failed task created on its
 * target, and its rows in hotmig_meta, nothing else. Owns nothing beyond the call.
 *
 * What the task created is read where the engine recorded it: when the target's
 * hotmig_meta.copy_run still holds this task's run (the fingerprint the runner recorded once the
 * copy reached its data stage), its copy_table and copy_object rows list the tables, views,
 * routines and events; otherwise (another task's run replaced it) the task's own last table list
 * is used, and hotmig_meta is not touched. A database goes only when the task created it (it was
 * not there before the task's first copy) and nothing else is left in it. The task is marked
 * `cleaning` meanwhile: no other action runs on it; the servers are spoken to without the lock.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/conn.h"
#include "db/sqlq.h"
#include "service/svc_int.h"
#include "util/err.h"

static bool in_list(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_string_value(v) && strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static hm_code drop(hm_conn *c, const char *kind, const char *db, const char *name, hm_err *e)
{
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 4096);
    hm_buf_addf(&q, "DROP %s IF EXISTS ", kind);
    if (name)
        hm_sqlq_table(&q, db, name);
    else
        hm_sqlq_ident(&q, db);
    rc = q.data ? hm_conn_execb(c, &q, e) : hm_err_set(e, HM_ENOMEM, "out of memory");
    hm_buf_release(&q);
    return rc;
}

/* Whether db holds nothing (tables, views, routines, events). */
static bool db_empty(hm_conn *c, const char *db)
{
    hm_buf q;
    char n[32] = "1";
    bool found = false;
    hm_err e;
    hm_buf_init(&q, 4096);
    hm_buf_adds(&q, "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
    hm_sqlq_hex(&q, db, strlen(db));
    hm_buf_adds(&q, ") + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ");
    hm_sqlq_hex(&q, db, strlen(db));
    hm_buf_adds(&q, ") + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ");
    hm_sqlq_hex(&q, db, strlen(db));
    hm_buf_adds(&q, ")");
    if (q.data)
        hm_conn_value(c, q.data, n, sizeof n, &found, &e);
    hm_buf_release(&q);
    return found && strcmp(n, "0") == 0;
}

static const char *object_drop_kind(const char *kind)
{
    static const char *const map[][2] = {{"view", "VIEW"}, {"procedure", "PROCEDURE"}, {"function", "FUNCTION"},
                                         {"trigger", "TRIGGER"}, {"event", "EVENT"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(kind, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* The cleaning itself, on the target; *report says what went. */
static hm_code clean(const hm_endpoint *tgt, const json_t *extra, json_t **report, hm_err *e)
{
    hm_conn c;
    hm_code rc;
    char fp[64] = "";
    bool found = false, mine;
    const char *myfp = json_string_value(json_object_get(extra, "fingerprint"));
    json_t *tables = json_array(), *objects = json_array(), *dbs = json_array(), *dropped_dbs = json_array();
    MYSQL_RES *res;
    MYSQL_ROW row;
    size_t i;
    json_t *v;
    if ((rc = hm_conn_open(&c, tgt, "target", 0, e)) != HM_OK)
        goto out;
    hm_conn_value(&c, "SELECT fingerprint FROM `hotmig_meta`.`copy_run` WHERE id = 1", fp, sizeof fp, &found, e);
    mine = found && myfp && strcmp(fp, myfp) == 0;
    if (mine) {
        if ((rc = hm_conn_query(&c, "SELECT db, tbl FROM `hotmig_meta`.`copy_table`", &res, e)) != HM_OK)
            goto out;
        while ((row = mysql_fetch_row(res)))
            json_array_append_new(tables, json_pack("{s:s, s:s}", "db", row[0], "table", row[1]));
        mysql_free_result(res);
        if (hm_conn_query(&c, "SELECT kind, db, name FROM `hotmig_meta`.`copy_object`", &res, e) == HM_OK) {
            while ((row = mysql_fetch_row(res)))
                json_array_append_new(objects, json_pack("{s:s, s:s, s:s}", "kind", row[0], "db", row[1], "name", row[2]));
            mysql_free_result(res);
        }
    } else {
        json_array_foreach(json_object_get(extra, "tables"), i, v)
            json_array_append_new(tables, json_pack("{s:O, s:O}", "db", json_object_get(v, "db"), "table",
                                                    json_object_get(v, "table")));
    }
    if ((rc = hm_conn_exec(&c, "SET SESSION foreign_key_checks = 0", e)) != HM_OK)
        goto out;
    json_array_foreach(objects, i, v) {
        const char *k = object_drop_kind(json_string_value(json_object_get(v, "kind")));
        if (k && (rc = drop(&c, k, json_string_value(json_object_get(v, "db")),
                            json_string_value(json_object_get(v, "name")), e)) != HM_OK)
            goto out;
    }
    json_array_foreach(tables, i, v) {
        const char *db = json_string_value(json_object_get(v, "db"));
        if ((rc = drop(&c, "TABLE", db, json_string_value(json_object_get(v, "table")), e)) != HM_OK)
            goto out;
        if (!in_list(dbs, db))
            json_array_append_new(dbs, json_string(db));
    }
    json_array_foreach(dbs, i, v) {
        const char *db = json_string_value(v);
        /* only a database this task created, and only when nothing else is left in it */
        if (in_list(json_object_get(extra, "dbs_before"), db) || !json_object_get(extra, "dbs_before") ||
            !db_empty(&c, db))
            continue;
        if ((rc = drop(&c, "DATABASE", db, NULL, e)) != HM_OK)
            goto out;
        json_array_append_new(dropped_dbs, json_string(db));
    }
    if (mine) {
        static const char *const clear[] = {"DELETE FROM `hotmig_meta`.`copy_chunk`",
                                            "DELETE FROM `hotmig_meta`.`copy_table`",
                                            "DELETE FROM `hotmig_meta`.`copy_object`",
                                            "DELETE FROM `hotmig_meta`.`copy_run`", NULL};
        hm_err ignore;
        for (int k = 0; clear[k]; k++)
            if ((rc = hm_conn_exec(&c, clear[k], e)) != HM_OK)
                goto out;
        hm_conn_exec(&c, "DELETE FROM `hotmig_meta`.`sync_state`", &ignore); /* absent after a full copy */
    }
    *report = json_pack("{s:O, s:O, s:O, s:b}", "tables", tables, "objects", objects, "databases", dropped_dbs,
                        "meta_rows", mine);
out:
    if (c.my)
        hm_conn_close(&c);
    json_decref(tables);
    json_decref(objects);
    json_decref(dbs);
    json_decref(dropped_dbs);
    return rc;
}

hm_svc_status hm_clean_target(hm_svc *svc, int64_t id, const char *confirm, const char *who, hm_svc_err *err)
{
    hm_task *t;
    hm_endpoint tgt;
    json_t *spec, *extra, *report = NULL;
    char *pw;
    hm_err e;
    hm_code rc;
    hm_svc_status st = HM_SVC_OK;
    memset(&e, 0, sizeof e);
    pthread_mutex_lock(&svc->mu);
    if (!(t = hm_svc_find(svc, id))) {
        pthread_mutex_unlock(&svc->mu);
        return hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld", (long long)id);
    }
    if ((t->state != HM_TASK_FAILED && t->state != HM_TASK_TERMINATED) || t->run || t->cleaning || t->verifying) {
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "bad_state", "task %s is %s: clean-target is allowed only on a "
                         "terminated or failed task", t->name, t->cleaning ? "cleaning already" : hm_task_state_name(t->state));
        pthread_mutex_unlock(&svc->mu);
        return st;
    }
    if (strcmp(confirm, t->name) != 0) {
        st = hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_confirm", "field \"confirm\": must be the task's name (%s), "
                         "to confirm dropping what it created on its target", t->name);
        pthread_mutex_unlock(&svc->mu);
        return st;
    }
    spec = json_deep_copy(t->spec);
    pw = t->tgt_pw ? hm_secret_unseal(svc->secret, t->tgt_pw, t->tgt_pw_len) : NULL;
    extra = json_deep_copy(t->extra);
    t->cleaning = true;
    hm_svc_event(svc, t, "action", who, NULL, "clean-target requested");
    pthread_mutex_unlock(&svc->mu);

    hm_taskjson_endpoint(spec, "target", &tgt);
    tgt.password = pw;
    rc = clean(&tgt, extra, &report, &e);

    pthread_mutex_lock(&svc->mu);
    t->cleaning = false;
    if (rc != HM_OK) {
        hm_svc_event(svc, t, "error", who, NULL, "clean-target failed: %s", e.msg);
        st = hm_svc_fail(err, HM_SVC_ECONFLICT, "clean_failed", "clean-target failed: %s; fix it and ask again", e.msg);
    } else {
        size_t nt = json_array_size(json_object_get(report, "tables"));
        size_t no = json_array_size(json_object_get(report, "objects"));
        size_t nd = json_array_size(json_object_get(report, "databases"));
        hm_svc_event(svc, t, "action", who, report, "clean-target done: dropped %zu tables, %zu other objects and %zu "
                     "databases this task created%s", nt, no, nd,
                     json_is_true(json_object_get(report, "meta_rows")) ? ", and its rows in hotmig_meta" : "");
        json_object_del(t->extra, "tables");
        json_object_del(t->extra, "fingerprint");
        json_object_del(t->extra, "dbs_before");
        json_object_del(t->extra, "copy");
        hm_svc_touch(svc, t);
    }
    pthread_mutex_unlock(&svc->mu);
    json_decref(extra);
    json_decref(spec);
    hm_secret_free_password(pw);
    return st;
}
