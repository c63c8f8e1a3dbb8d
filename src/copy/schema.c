/*
 * copy/schema.c: DDL on the target (see schema.h).
 */
#include "copy/schema.h"

#include <mysqld_error.h>
#include <stdio.h>
#include <string.h>

#include "db/sqlq.h"
#include "util/err.h"

hm_code hm_schema_session(hm_conn *tgt, hm_err *err)
{
    return hm_conn_exec(tgt, "SET NAMES binary, time_zone = '+00:00', "
                             "sql_mode = '" HM_SCHEMA_COPY_SQL_MODE "', foreign_key_checks = 0", err);
}

static hm_code use_db(hm_conn *tgt, const char *db, hm_err *err)
{
    if (mysql_select_db(tgt->my, db) != 0)
        return hm_conn_fail(tgt, "selecting the database", err);
    return HM_OK;
}

static bool in_catalog_tables(const hm_catalog *cat, const char *db, const char *name)
{
    for (size_t i = 0; i < cat->ntables; i++)
        if (strcmp(cat->tables[i].db, db) == 0 && strcmp(cat->tables[i].name, name) == 0)
            return true;
    return false;
}

static bool in_catalog_objects(const hm_catalog *cat, const char *kind, const char *db,
                               const char *name)
{
    for (size_t i = 0; i < cat->nobjects; i++) {
        const hm_object *o = &cat->objects[i];
        if (strcmp(o->db, db) == 0 && strcmp(o->name, name) == 0 &&
            strcmp(hm_objkind_name(o->kind), kind) == 0)
            return true;
    }
    return false;
}

hm_code hm_schema_conflicts(hm_conn *tgt, const hm_catalog *cat, hm_buf *out, size_t *n, hm_err *err)
{
    static const char *const lists[] = {
        "SELECT TABLE_SCHEMA, TABLE_NAME, IF(TABLE_TYPE='VIEW','VIEW','TABLE') FROM "
        "information_schema.TABLES WHERE TABLE_SCHEMA IN (",
        "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA IN (",
        "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, 'TRIGGER' FROM information_schema.TRIGGERS "
        "WHERE TRIGGER_SCHEMA IN (",
        "SELECT EVENT_SCHEMA, EVENT_NAME, 'EVENT' FROM information_schema.EVENTS "
        "WHERE EVENT_SCHEMA IN (",
        NULL,
    };
    hm_buf q;
    hm_code rc = HM_OK;
    *n = 0;
    if (cat->nschemas == 0)
        return HM_OK;
    hm_buf_init(&q, 1 << 24);
    for (size_t l = 0; lists[l] && rc == HM_OK; l++) {
        MYSQL_RES *res = NULL;
        MYSQL_ROW row;
        hm_buf_reset(&q);
        rc = hm_buf_adds(&q, lists[l]);
        for (size_t i = 0; i < cat->nschemas && rc == HM_OK; i++) {
            if (i)
                rc = hm_buf_addc(&q, ',');
            if (rc == HM_OK)
                rc = hm_sqlq_hex(&q, cat->schemas[i].name, strlen(cat->schemas[i].name));
        }
        if (rc == HM_OK)
            rc = hm_buf_addc(&q, ')');
        if (rc != HM_OK) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            break;
        }
        rc = hm_conn_query(tgt, q.data, &res, err);
        if (rc != HM_OK)
            break;
        while (res && (row = mysql_fetch_row(res)) != NULL) {
            bool hit = strcmp(row[2], "TABLE") == 0 ? in_catalog_tables(cat, row[0], row[1])
                                                    : in_catalog_objects(cat, row[2], row[0], row[1]);
            if (!hit)
                continue;
            if (*n < 20)
                (void)hm_buf_addf(out, "%s%s.%s%s%s%s", *n ? ", " : "", row[0], row[1],
                                  strcmp(row[2], "TABLE") ? " (" : "",
                                  strcmp(row[2], "TABLE") ? row[2] : "",
                                  strcmp(row[2], "TABLE") ? ")" : "");
            else if (*n == 20)
                (void)hm_buf_adds(out, ", ...");
            (*n)++;
        }
        if (res)
            mysql_free_result(res);
    }
    hm_buf_release(&q);
    return rc;
}

hm_code hm_schema_create_database(hm_conn *tgt, const hm_schema *s, hm_err *err)
{
    static const char prefix[] = "CREATE DATABASE ";
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 1 << 20);
    if (s->create_sql && strncmp(s->create_sql, prefix, sizeof prefix - 1) == 0)
        rc = hm_buf_addf(&q, "CREATE DATABASE IF NOT EXISTS %s", s->create_sql + sizeof prefix - 1);
    else {
        rc = hm_buf_adds(&q, "CREATE DATABASE IF NOT EXISTS ");
        if (rc == HM_OK)
            rc = hm_sqlq_ident(&q, s->name);
    }
    if (rc != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rc = hm_conn_execb(tgt, &q, err);
    hm_buf_release(&q);
    if (rc != HM_OK)
        hm_err_prefix(err, "creating database %s on the target", s->name);
    return rc;
}

hm_code hm_schema_create_table(hm_conn *tgt, const hm_table *t, const char *sql, bool drop_first,
                               hm_err *err)
{
    hm_code rc = use_db(tgt, t->db, err);
    if (rc == HM_OK && drop_first) {
        hm_buf q;
        hm_buf_init(&q, 4096);
        if (hm_buf_adds(&q, "DROP TABLE IF EXISTS ") == HM_OK && hm_sqlq_table(&q, t->db, t->name) == HM_OK)
            rc = hm_conn_execb(tgt, &q, err);
        else
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        hm_buf_release(&q);
    }
    if (rc == HM_OK)
        rc = hm_conn_exec(tgt, sql ? sql : t->create_sql, err);
    if (rc != HM_OK)
        hm_err_prefix(err, "creating table %s.%s on the target", t->db, t->name);
    return rc;
}

static hm_code drop_object(hm_conn *tgt, const hm_object *o, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 4096);
    rc = hm_buf_addf(&q, "DROP %s IF EXISTS ", hm_objkind_name(o->kind));
    if (rc == HM_OK)
        rc = hm_sqlq_table(&q, o->db, o->name);
    rc = rc == HM_OK ? hm_conn_execb(tgt, &q, err) : hm_err_set(err, HM_ENOMEM, "out of memory");
    hm_buf_release(&q);
    return rc;
}

/* Sets sql_mode, character set and time zone the object was defined with. */
static hm_code object_context(hm_conn *tgt, const hm_object *o, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 8192);
    rc = hm_buf_adds(&q, "SET SESSION sql_mode = ");
    if (rc == HM_OK)
        rc = hm_sqlq_str(&q, tgt->my, o->sql_mode ? o->sql_mode : "", o->sql_mode ? strlen(o->sql_mode) : 0);
    if (rc == HM_OK && o->charset_client) {
        rc = hm_buf_adds(&q, ", character_set_client = ");
        if (rc == HM_OK)
            rc = hm_sqlq_str(&q, tgt->my, o->charset_client, strlen(o->charset_client));
    }
    if (rc == HM_OK && o->collation_connection) {
        rc = hm_buf_adds(&q, ", collation_connection = ");
        if (rc == HM_OK)
            rc = hm_sqlq_str(&q, tgt->my, o->collation_connection, strlen(o->collation_connection));
    }
    if (rc == HM_OK && o->time_zone) {
        rc = hm_buf_adds(&q, ", time_zone = ");
        if (rc == HM_OK)
            rc = hm_sqlq_str(&q, tgt->my, o->time_zone, strlen(o->time_zone));
    }
    rc = rc == HM_OK ? hm_conn_execb(tgt, &q, err) : hm_err_set(err, HM_ENOMEM, "out of memory");
    hm_buf_release(&q);
    return rc;
}

hm_code hm_schema_create_object(hm_conn *tgt, const hm_object *o, bool drop_first, bool *retry,
                                hm_err *err)
{
    hm_code rc = use_db(tgt, o->db, err);
    hm_err ignore;
    *retry = false;
    if (rc == HM_OK && drop_first)
        rc = drop_object(tgt, o, err);
    if (rc == HM_OK)
        rc = object_context(tgt, o, err);
    if (rc == HM_OK) {
        rc = hm_conn_exec(tgt, o->create_sql, err);
        if (rc != HM_OK) {
            unsigned e = mysql_errno(tgt->my);
            *retry = o->kind == HM_OBJ_VIEW && (e == ER_NO_SUCH_TABLE || e == ER_VIEW_INVALID ||
                                                e == ER_SP_DOES_NOT_EXIST || e == ER_BAD_FIELD_ERROR);
        }
    }
    (void)hm_schema_session(tgt, &ignore);
    if (rc != HM_OK)
        hm_err_prefix(err, "creating %s %s.%s on the target", hm_objkind_name(o->kind), o->db, o->name);
    return rc;
}
