/*
 * service/catalog.c: servers before a task exists: the connection test and the catalog a
 * console draws its selection tree from (databases -> tables with engine, estimated rows, data
 * size, whether it has a key, its foreign-key parents). Three bulk queries on information_schema,
 * never one per table. Owns nothing beyond the call.
 */
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/uri.h"
#include "service/svc_int.h"

#define SYS_SCHEMAS "('mysql','sys','information_schema','performance_schema','hotmig_meta')"

/* What an endpoint borrows from: an hm_uri or a task's spec, and the password. */
typedef struct ep_src {
    hm_uri uri;
    json_t *spec;
    char *pw;
} ep_src;

static void ep_release(ep_src *s)
{
    hm_uri_release(&s->uri);
    json_decref(s->spec);
    hm_secret_free_password(s->pw);
}

static hm_svc_status body_endpoint(hm_svc *svc, const json_t *body, bool catalog, hm_endpoint *ep, ep_src *s,
                                   hm_svc_err *err)
{
    const char *k;
    json_t *v, *uri = json_object_get(body, "uri"), *pw = json_object_get(body, "password");
    json_t *task = json_object_get(body, "task"), *side = json_object_get(body, "side");
    hm_err e;
    memset(s, 0, sizeof *s);
    memset(ep, 0, sizeof *ep);
    if (!json_is_object(body))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_body", "the body must be a JSON object {\"uri\", \"password\"} "
                           "or {\"task\": id, \"side\": \"source\"|\"target\"}");
    json_object_foreach((json_t *)body, k, v) if (strcmp(k, "uri") && strcmp(k, "password") && strcmp(k, "task") &&
                                                  strcmp(k, "side")) return hm_svc_fail(
        err, HM_SVC_EBADINPUT, "unknown_field", "field \"%.64s\": unknown field (allowed: uri, password, task, side)", k);
    (void)catalog;
    if (task) {
        hm_task *t;
        const char *sd = side ? json_string_value(side) : "source";
        if (uri || pw)
            return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "field \"task\": give either a task or a uri");
        if (!json_is_integer(task))
            return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_type", "field \"task\": must be a task id (integer)");
        if (!sd || (strcmp(sd, "source") != 0 && strcmp(sd, "target") != 0))
            return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "field \"side\": \"source\" or \"target\"");
        pthread_mutex_lock(&svc->mu);
        if (!(t = hm_svc_find(svc, json_integer_value(task)))) {
            pthread_mutex_unlock(&svc->mu);
            return hm_svc_fail(err, HM_SVC_ENOTFOUND, "not_found", "no task %lld", (long long)json_integer_value(task));
        }
        s->spec = json_deep_copy(t->spec);
        if (strcmp(sd, "source") == 0 && t->src_pw)
            s->pw = hm_secret_unseal(svc->secret, t->src_pw, t->src_pw_len);
        else if (strcmp(sd, "target") == 0 && t->tgt_pw)
            s->pw = hm_secret_unseal(svc->secret, t->tgt_pw, t->tgt_pw_len);
        pthread_mutex_unlock(&svc->mu);
        hm_taskjson_endpoint(s->spec, sd, ep);
        ep->password = s->pw;
        return HM_SVC_OK;
    }
    if (side)
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "field \"side\": only with \"task\"");
    if (!json_is_string(uri))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, uri ? "bad_type" : "missing_field", "field \"uri\": a "
                           "mysql://USER@HOST:PORT string is required");
    if (pw && !json_is_string(pw))
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_type", "field \"password\": must be a string");
    memset(&e, 0, sizeof e);
    if (strncmp(json_string_value(uri), "mysql://", 8) != 0 || hm_uri_parse(json_string_value(uri), &s->uri, &e) != HM_OK)
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_uri", "field \"uri\": not a mysql://USER[:PASS]@HOST[:PORT] "
                           "URI%s%s", e.msg[0] ? ": " : "", e.msg);
    if (pw && s->uri.password) {
        hm_uri_release(&s->uri);
        return hm_svc_fail(err, HM_SVC_EBADINPUT, "bad_field", "field \"password\": the URI holds one already");
    }
    if (pw)
        s->pw = strdup(json_string_value(pw));
    ep->host = s->uri.host, ep->port = s->uri.port, ep->user = s->uri.user;
    ep->tls = s->uri.tls, ep->tls_ca = s->uri.tls_ca, ep->tls_cert = s->uri.tls_cert, ep->tls_key = s->uri.tls_key;
    ep->password = s->pw ? s->pw : s->uri.password;
    return HM_SVC_OK;
}

hm_svc_status hm_catalog_body_check(hm_svc *svc, const json_t *body, hm_svc_err *err)
{
    hm_endpoint ep;
    ep_src s;
    hm_svc_status st = body_endpoint(svc, body, false, &ep, &s, err);
    if (st == HM_SVC_OK)
        ep_release(&s);
    return st;
}

hm_svc_status hm_svc_connection_test(hm_svc *svc, const json_t *body, json_t **out, hm_svc_err *err)
{
    hm_endpoint ep;
    ep_src s;
    hm_conn c;
    hm_err e;
    hm_svc_status st = body_endpoint(svc, body, false, &ep, &s, err);
    if (st != HM_SVC_OK)
        return st;
    memset(&e, 0, sizeof e);
    if (hm_conn_open(&c, &ep, "server", 0, &e) != HM_OK) {
        *out = json_pack("{s:b, s:s, s:s}", "ok", 0, "code", hm_code_name(e.code), "message", e.msg);
    } else {
        *out = json_pack("{s:b, s:s, s:s}", "ok", 1, "version", c.version_str, "flavor",
                         c.flavor == HM_FLAVOR_MARIADB ? "mariadb" : "mysql");
        hm_conn_close(&c);
    }
    ep_release(&s);
    return HM_SVC_OK;
}

static json_t *find_db(json_t *dbs, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(dbs, i, d) if (strcmp(json_string_value(json_object_get(d, "name")), name) == 0) return d;
    d = json_pack("{s:s, s:[]}", "name", name, "tables");
    json_array_append_new(dbs, d);
    return d;
}

static json_t *find_table(json_t *dbs, const char *db, const char *name)
{
    size_t i;
    json_t *t, *d = find_db(dbs, db);
    json_array_foreach(json_object_get(d, "tables"), i, t) if (strcmp(json_string_value(json_object_get(t, "name")),
                                                                      name) == 0) return t;
    return NULL;
}

hm_svc_status hm_svc_catalog(hm_svc *svc, const json_t *body, json_t **out, hm_svc_err *err)
{
    hm_endpoint ep;
    ep_src s;
    hm_conn c;
    hm_err e;
    MYSQL_RES *res;
    MYSQL_ROW row;
    json_t *dbs;
    hm_svc_status st = body_endpoint(svc, body, true, &ep, &s, err);
    if (st != HM_SVC_OK)
        return st;
    memset(&e, 0, sizeof e);
    if (hm_conn_open(&c, &ep, "source", 0, &e) != HM_OK) {
        ep_release(&s);
        return hm_svc_fail(err, HM_SVC_ECONFLICT, "connect_failed", "%s", e.msg);
    }
    dbs = json_array();
    if (hm_conn_query(&c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN " SYS_SCHEMAS
                          " ORDER BY SCHEMA_NAME", &res, &e) != HM_OK)
        goto fail;
    while ((row = mysql_fetch_row(res)))
        find_db(dbs, row[0]);
    mysql_free_result(res);
    /* a usable key: the primary key, or a unique key whose columns are all NOT NULL */
    if (hm_conn_query(&c, "SELECT t.TABLE_SCHEMA, t.TABLE_NAME, IFNULL(t.ENGINE, ''), t.TABLE_TYPE, "
                          "IFNULL(t.TABLE_ROWS, 0), IFNULL(t.DATA_LENGTH, 0), "
                          "EXISTS (SELECT 1 FROM information_schema.STATISTICS s WHERE s.TABLE_SCHEMA = t.TABLE_SCHEMA "
                          " AND s.TABLE_NAME = t.TABLE_NAME AND s.NON_UNIQUE = 0 GROUP BY s.INDEX_NAME "
                          " HAVING SUM(s.NULLABLE = 'YES') = 0) "
                          "FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA NOT IN " SYS_SCHEMAS
                          " ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME", &res, &e) != HM_OK)
        goto fail;
    while ((row = mysql_fetch_row(res))) {
        json_t *d = find_db(dbs, row[0]);
        json_array_append_new(json_object_get(d, "tables"),
                              json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:[]}", "name", row[1], "engine", row[2],
                                        "type", strcmp(row[3], "VIEW") == 0 ? "view" : strcmp(row[3], "SEQUENCE") == 0
                                                                                        ? "sequence" : "table",
                                        "rows", (json_int_t)strtoull(row[4], NULL, 10), "data_bytes",
                                        (json_int_t)strtoull(row[5], NULL, 10), "has_key", strcmp(row[6], "1") == 0,
                                        "fk_parents"));
    }
    mysql_free_result(res);
    if (hm_conn_query(&c, "SELECT DISTINCT CONSTRAINT_SCHEMA, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, "
                          "REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                          "CONSTRAINT_SCHEMA NOT IN " SYS_SCHEMAS, &res, &e) != HM_OK)
        goto fail;
    while ((row = mysql_fetch_row(res))) {
        json_t *t = find_table(dbs, row[0], row[1]);
        char parent[600];
        if (!t)
            continue;
        snprintf(parent, sizeof parent, "%s.%s", row[2], row[3]);
        json_array_append_new(json_object_get(t, "fk_parents"), json_string(parent));
    }
    mysql_free_result(res);
    hm_conn_close(&c);
    ep_release(&s);
    *out = json_pack("{s:o}", "databases", dbs);
    return HM_SVC_OK;
fail:
    hm_conn_close(&c);
    ep_release(&s);
    json_decref(dbs);
    return hm_svc_fail(err, HM_SVC_ECONFLICT, "catalog_failed", "%s", e.msg);
}
