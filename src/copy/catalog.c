/*
 * copy/catalog.c: loading the source catalog (see catalog.h). Owns every string of an hm_catalog.
 *
 * Four bulk queries (schemata, tables, columns, index columns) whatever the number of tables, then
 * one SHOW CREATE per selected object. Names are compared with strcmp, never with the server's
 * collation, so `T` and `t` stay two tables on a case-sensitive server.
 */
#include "copy/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/sqlq.h"
#include "util/err.h"

#define SYS_FILTER "NOT IN ('mysql','sys','information_schema','performance_schema','hotmig_meta')"

const char *hm_objkind_name(hm_objkind k)
{
    switch (k) {
    case HM_OBJ_VIEW: return "VIEW";
    case HM_OBJ_PROCEDURE: return "PROCEDURE";
    case HM_OBJ_FUNCTION: return "FUNCTION";
    case HM_OBJ_TRIGGER: return "TRIGGER";
    case HM_OBJ_EVENT: return "EVENT";
    }
    return "?";
}

static void table_release(hm_table *t)
{
    for (size_t i = 0; i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].data_type);
        free(t->cols[i].charset);
    }
    free(t->cols);
    free(t->key);
    free(t->key_name);
    free(t->db);
    free(t->name);
    free(t->engine);
    free(t->create_sql);
}

static void object_release(hm_object *o)
{
    free(o->db);
    free(o->name);
    free(o->create_sql);
    free(o->sql_mode);
    free(o->time_zone);
    free(o->charset_client);
    free(o->collation_connection);
}

void hm_catalog_release(hm_catalog *cat)
{
    for (size_t i = 0; i < cat->nschemas; i++) {
        free(cat->schemas[i].name);
        free(cat->schemas[i].create_sql);
    }
    for (size_t i = 0; i < cat->ntables; i++)
        table_release(&cat->tables[i]);
    for (size_t i = 0; i < cat->nobjects; i++)
        object_release(&cat->objects[i]);
    free(cat->schemas);
    free(cat->tables);
    free(cat->objects);
    memset(cat, 0, sizeof *cat);
}

static int table_cmp(const void *a, const void *b)
{
    const hm_table *x = a, *y = b;
    int c = strcmp(x->db, y->db);
    return c ? c : strcmp(x->name, y->name);
}

static hm_table *find_table(hm_catalog *cat, const char *db, const char *name)
{
    hm_table key;
    key.db = (char *)db;
    key.name = (char *)name;
    return bsearch(&key, cat->tables, cat->ntables, sizeof key, table_cmp);
}

static hm_coltype classify(const char *dt, bool *is_enum_set, bool *is_float)
{
    static const char *const num[] = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint",
                                      "decimal", "numeric", "float", "double", "real", "year", NULL};
    static const char *const str[] = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext",
                                      "enum", "set", "json", NULL};
    static const char *const bin[] = {"binary", "varbinary", "tinyblob", "blob", "mediumblob",
                                      "longblob", NULL};
    static const char *const tmp[] = {"date", "time", "datetime", "timestamp", NULL};
    static const char *const geo[] = {"geometry", "point", "linestring", "polygon", "multipoint",
                                      "multilinestring", "multipolygon", "geometrycollection",
                                      "geomcollection", NULL};
    *is_enum_set = strcasecmp(dt, "enum") == 0 || strcasecmp(dt, "set") == 0;
    *is_float = strcasecmp(dt, "float") == 0 || strcasecmp(dt, "double") == 0 ||
                strcasecmp(dt, "real") == 0;
    for (size_t i = 0; num[i]; i++)
        if (strcasecmp(dt, num[i]) == 0)
            return HM_COL_NUM;
    for (size_t i = 0; str[i]; i++)
        if (strcasecmp(dt, str[i]) == 0)
            return HM_COL_STR;
    for (size_t i = 0; bin[i]; i++)
        if (strcasecmp(dt, bin[i]) == 0)
            return HM_COL_BIN;
    for (size_t i = 0; tmp[i]; i++)
        if (strcasecmp(dt, tmp[i]) == 0)
            return HM_COL_TEMPORAL;
    for (size_t i = 0; geo[i]; i++)
        if (strcasecmp(dt, geo[i]) == 0)
            return HM_COL_GEOM;
    if (strcasecmp(dt, "bit") == 0)
        return HM_COL_BIT;
    return HM_COL_OTHER;
}

static hm_code oom(hm_err *err)
{
    return hm_err_set(err, HM_ENOMEM, "out of memory reading the source catalog");
}

static hm_code load_schemas(hm_catalog *cat, hm_conn *src, hm_select *sel, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc = hm_conn_query(src, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                                    "WHERE SCHEMA_NAME " SYS_FILTER, &res, err);
    if (rc != HM_OK)
        return rc;
    cat->schemas = calloc(mysql_num_rows(res) + 1, sizeof *cat->schemas);
    if (!cat->schemas) {
        mysql_free_result(res);
        return oom(err);
    }
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        char *name = hm_buf_memdupz(row[0], len[0]);
        if (!name) {
            mysql_free_result(res);
            return oom(err);
        }
        if (!hm_select_schema(sel, name)) {
            free(name);
            continue;
        }
        cat->schemas[cat->nschemas++].name = name;
    }
    mysql_free_result(res);
    return HM_OK;
}

static bool schema_selected(const hm_catalog *cat, const char *db)
{
    for (size_t i = 0; i < cat->nschemas; i++)
        if (strcmp(cat->schemas[i].name, db) == 0)
            return true;
    return false;
}

/* Base tables and views; views become objects (their definitions are read later). */
static hm_code load_tables(hm_catalog *cat, hm_conn *src, hm_select *sel, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    size_t nviews = 0;
    hm_code rc = hm_conn_query(src,
        "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, IFNULL(ENGINE,''), IFNULL(TABLE_ROWS,0), "
        "IFNULL(DATA_LENGTH,0)+IFNULL(INDEX_LENGTH,0) FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA " SYS_FILTER " AND TABLE_TYPE IN ('BASE TABLE','VIEW','SYSTEM VERSIONED','SEQUENCE')",
        &res, err);
    if (rc != HM_OK)
        return rc;
    cat->tables = calloc(mysql_num_rows(res) + 1, sizeof *cat->tables);
    cat->objects = calloc(mysql_num_rows(res) + 1, sizeof *cat->objects);
    if (!cat->tables || !cat->objects)
        goto nomem;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        char *db = hm_buf_memdupz(row[0], len[0]), *name = hm_buf_memdupz(row[1], len[1]);
        if (!db || !name) {
            free(db);
            free(name);
            goto nomem;
        }
        if (!schema_selected(cat, db) || !hm_select_object(sel, db, name)) {
            free(db);
            free(name);
            continue;
        }
        if (strcmp(row[2], "VIEW") == 0) {
            hm_object *o = &cat->objects[nviews++];
            o->kind = HM_OBJ_VIEW;
            o->db = db;
            o->name = name;
        } else {
            hm_table *t = &cat->tables[cat->ntables++];
            t->db = db;
            t->name = name;
            t->engine = hm_buf_memdupz(row[3], len[3]);
            t->rows_est = strtoull(row[4], NULL, 10);
            t->bytes_est = strtoull(row[5], NULL, 10);
            if (!t->engine)
                goto nomem;
            if (strcasecmp(t->engine, "InnoDB") != 0)
                t->flags |= HM_FLAG_NON_INNODB;
            if (strcmp(row[2], "SEQUENCE") == 0)
                t->flags |= HM_FLAG_SEQUENCE;
            else if (strcmp(row[2], "SYSTEM VERSIONED") == 0)
                t->flags |= HM_FLAG_VERSIONED;
        }
    }
    cat->nobjects = nviews;
    mysql_free_result(res);
    qsort(cat->tables, cat->ntables, sizeof *cat->tables, table_cmp);
    return HM_OK;
nomem:
    mysql_free_result(res);
    return oom(err);
}

static hm_code load_columns(hm_catalog *cat, hm_conn *src, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;

    for (size_t i = 0; i < cat->ntables; i++) {
        cat->tables[i].cols = calloc(8, sizeof(hm_column));
        if (!cat->tables[i].cols)
            return oom(err);
    }
    rc = hm_conn_query(src,
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, LOWER(DATA_TYPE), CHARACTER_SET_NAME, "
        "UPPER(EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA " SYS_FILTER
        " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION", &res, err);
    if (rc != HM_OK)
        return rc;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        char db[256], name[256];
        hm_table *t;
        hm_column *c;
        if (len[0] >= sizeof db || len[1] >= sizeof name)
            continue;
        memcpy(db, row[0], len[0]);
        db[len[0]] = '\0';
        memcpy(name, row[1], len[1]);
        name[len[1]] = '\0';
        t = find_table(cat, db, name);
        if (!t)
            continue;
        if (t->ncols >= 8 && (t->ncols & (t->ncols - 1)) == 0) {
            hm_column *p = realloc(t->cols, 2 * t->ncols * sizeof *p);
            if (!p)
                goto nomem;
            t->cols = p;
        }
        c = &t->cols[t->ncols];
        memset(c, 0, sizeof *c);
        c->name = hm_buf_memdupz(row[2], len[2]);
        c->data_type = hm_buf_memdupz(row[3], len[3]);
        c->charset = row[4] ? hm_buf_memdupz(row[4], len[4]) : NULL;
        t->ncols++;
        if (!c->name || !c->data_type || (row[4] && !c->charset))
            goto nomem;
        c->type = classify(c->data_type, &c->is_enum_set, &c->is_float);
        if (c->type == HM_COL_STR && !c->charset) /* MySQL's JSON */
            c->charset = strdup("utf8mb4");
        c->generated = row[5] && (strstr(row[5], "VIRTUAL") || strstr(row[5], "STORED") ||
                                  strstr(row[5], "PERSISTENT"));
    }
    mysql_free_result(res);
    return HM_OK;
nomem:
    mysql_free_result(res);
    return oom(err);
}

static size_t col_index(const hm_table *t, const char *name, unsigned long n)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strlen(t->cols[i].name) == n && memcmp(t->cols[i].name, name, n) == 0)
            return i;
    return (size_t)-1;
}

/* A key is usable for chunking when every column is NOT NULL, whole (no prefix), and compares in
 * SQL the way the index orders it: ENUM/SET order by number but compare as text, and FLOAT/DOUBLE
 * values may not survive a round trip through text, so neither can bound a chunk. */
static bool key_col_ok(const hm_column *c)
{
    return !c->is_enum_set && !c->is_float && c->type != HM_COL_GEOM && c->type != HM_COL_OTHER;
}

static hm_code load_keys(hm_catalog *cat, hm_conn *src, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc = hm_conn_query(src,
        "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, NULLABLE, "
        "SUB_PART FROM information_schema.STATISTICS WHERE TABLE_SCHEMA " SYS_FILTER
        " ORDER BY BINARY TABLE_SCHEMA, BINARY TABLE_NAME, BINARY INDEX_NAME, SEQ_IN_INDEX",
        &res, err);
    size_t cand[64], ncand = 0;
    bool ok = false;
    hm_table *t = NULL;
    char cur_db[256] = "", cur_t[256] = "", cur_idx[256] = "";

    if (rc != HM_OK)
        return rc;
    for (;;) {
        unsigned long *len;
        bool same;
        row = mysql_fetch_row(res);
        len = row ? mysql_fetch_lengths(res) : NULL;
        same = row && len[0] < 256 && len[1] < 256 && len[2] < 256 &&
               strlen(cur_db) == len[0] && memcmp(cur_db, row[0], len[0]) == 0 &&
               strlen(cur_t) == len[1] && memcmp(cur_t, row[1], len[1]) == 0 &&
               strlen(cur_idx) == len[2] && memcmp(cur_idx, row[2], len[2]) == 0;
        if (!same && t && ok && ncand > 0) {
            /* end of an index: keep it if it beats the current choice */
            bool primary = strcmp(cur_idx, "PRIMARY") == 0;
            bool have_primary = t->key_name && strcmp(t->key_name, "PRIMARY") == 0;
            if (!have_primary && (primary || !t->key || ncand < t->nkey)) {
                size_t *k = malloc(ncand * sizeof *k);
                char *kn = strdup(cur_idx);
                if (!k || !kn) {
                    free(k);
                    free(kn);
                    goto nomem;
                }
                memcpy(k, cand, ncand * sizeof *k);
                free(t->key);
                free(t->key_name);
                t->key = k;
                t->key_name = kn;
                t->nkey = ncand;
            }
        }
        if (!row)
            break;
        if (!same) {
            if (len[0] >= 256 || len[1] >= 256 || len[2] >= 256) {
                t = NULL;
                continue;
            }
            memcpy(cur_db, row[0], len[0]);
            cur_db[len[0]] = '\0';
            memcpy(cur_t, row[1], len[1]);
            cur_t[len[1]] = '\0';
            memcpy(cur_idx, row[2], len[2]);
            cur_idx[len[2]] = '\0';
            t = find_table(cat, cur_db, cur_t);
            ncand = 0;
            ok = row[3] && strcmp(row[3], "0") == 0;
        }
        if (!t || !ok)
            continue;
        {
            size_t ci = col_index(t, row[4] ? row[4] : "", row[4] ? len[4] : 0);
            if (ci == (size_t)-1 || ncand >= 64 || (row[5] && row[5][0] == 'Y') || row[6] ||
                !key_col_ok(&t->cols[ci]))
                ok = false;
            else
                cand[ncand++] = ci;
        }
    }
    mysql_free_result(res);
    for (size_t i = 0; i < cat->ntables; i++)
        if (!cat->tables[i].key && !(cat->tables[i].flags & HM_FLAG_SEQUENCE)) /* one row: nothing to chunk */
            cat->tables[i].flags |= HM_FLAG_NO_KEY;
    return HM_OK;
nomem:
    mysql_free_result(res);
    return oom(err);
}

/* Runs SHOW CREATE <what> `db`.`name` and copies the named columns (by index) out. */
static hm_code show_create(hm_conn *src, const char *what, const char *db, const char *name,
                           const int *idx, char **out[], size_t nout, hm_err *err)
{
    hm_buf q;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;

    hm_buf_init(&q, 4096);
    rc = hm_buf_addf(&q, "SHOW CREATE %s ", what);
    if (rc == HM_OK)
        rc = name ? hm_sqlq_table(&q, db, name) : hm_sqlq_ident(&q, db);
    if (rc != HM_OK) {
        hm_buf_release(&q);
        return oom(err);
    }
    rc = hm_conn_query(src, q.data, &res, err);
    hm_buf_release(&q);
    if (rc != HM_OK) {
        hm_err_prefix(err, "reading the definition of %s %s%s%s", what, db, name ? "." : "",
                      name ? name : "");
        return rc;
    }
    row = res ? mysql_fetch_row(res) : NULL;
    if (!row) {
        if (res)
            mysql_free_result(res);
        return hm_err_set(err, HM_EPRIV,
                          "source: SHOW CREATE %s %s.%s returned nothing; the user may lack the privilege "
                          "to see it (SHOW VIEW, TRIGGER, EVENT, or SELECT on mysql.proc / SHOW_ROUTINE)",
                          what, db, name ? name : "");
    }
    {
        unsigned long *len = mysql_fetch_lengths(res);
        unsigned nf = mysql_num_fields(res);
        for (size_t i = 0; i < nout; i++) {
            if ((unsigned)idx[i] >= nf)
                continue;
            if (!row[idx[i]]) {
                if (i == 0) { /* the definition itself is hidden from this user */
                    mysql_free_result(res);
                    return hm_err_set(err, HM_EPRIV,
                                      "source: the definition of %s %s.%s is hidden from this user; grant it "
                                      "SHOW VIEW / TRIGGER / EVENT or routine access (SHOW_ROUTINE, or SELECT "
                                      "on mysql.proc)", what, db, name ? name : "");
                }
                continue;
            }
            *out[i] = hm_buf_memdupz(row[idx[i]], len[idx[i]]);
            if (!*out[i]) {
                mysql_free_result(res);
                return oom(err);
            }
        }
    }
    mysql_free_result(res);
    return HM_OK;
}

static hm_code add_objects(hm_catalog *cat, hm_conn *src, hm_select *sel, const char *sql,
                           hm_objkind kind, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_object *p;
    hm_code rc = hm_conn_query(src, sql, &res, err);
    if (rc != HM_OK)
        return rc;
    p = realloc(cat->objects, (cat->nobjects + mysql_num_rows(res) + 1) * sizeof *p);
    if (!p) {
        mysql_free_result(res);
        return oom(err);
    }
    cat->objects = p;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        hm_object *o = &cat->objects[cat->nobjects];
        char tbl[256];
        bool selected;
        memset(o, 0, sizeof *o);
        o->kind = kind;
        o->db = hm_buf_memdupz(row[0], len[0]);
        o->name = hm_buf_memdupz(row[1], len[1]);
        if (!o->db || !o->name) {
            object_release(o);
            mysql_free_result(res);
            return oom(err);
        }
        if (kind == HM_OBJ_TRIGGER) { /* a trigger goes with its table */
            snprintf(tbl, sizeof tbl, "%.*s", (int)len[2], row[2]);
            selected = find_table(cat, o->db, tbl) != NULL;
        } else {
            selected = schema_selected(cat, o->db) && hm_select_object(sel, o->db, o->name);
        }
        if (!selected) {
            object_release(o);
            continue;
        }
        cat->nobjects++;
    }
    mysql_free_result(res);
    return HM_OK;
}

static hm_code load_definitions(hm_catalog *cat, hm_conn *src, hm_err *err)
{
    hm_code rc = HM_OK;
    for (size_t i = 0; i < cat->nschemas && rc == HM_OK; i++) {
        static const int idx[] = {1};
        char **out[] = {&cat->schemas[i].create_sql};
        rc = show_create(src, "DATABASE", cat->schemas[i].name, NULL, idx, out, 1, err);
    }
    for (size_t i = 0; i < cat->ntables && rc == HM_OK; i++) {
        static const int idx[] = {1};
        char **out[] = {&cat->tables[i].create_sql};
        rc = show_create(src, "TABLE", cat->tables[i].db, cat->tables[i].name, idx, out, 1, err);
    }
    for (size_t i = 0; i < cat->nobjects && rc == HM_OK; i++) {
        hm_object *o = &cat->objects[i];
        switch (o->kind) {
        case HM_OBJ_VIEW: {
            static const int idx[] = {1, 2, 3};
            char **out[] = {&o->create_sql, &o->charset_client, &o->collation_connection};
            rc = show_create(src, "VIEW", o->db, o->name, idx, out, 3, err);
            break;
        }
        case HM_OBJ_PROCEDURE:
        case HM_OBJ_FUNCTION: {
            static const int idx[] = {2, 1, 3, 4};
            char **out[] = {&o->create_sql, &o->sql_mode, &o->charset_client, &o->collation_connection};
            rc = show_create(src, hm_objkind_name(o->kind), o->db, o->name, idx, out, 4, err);
            break;
        }
        case HM_OBJ_TRIGGER: {
            static const int idx[] = {2, 1, 3, 4};
            char **out[] = {&o->create_sql, &o->sql_mode, &o->charset_client, &o->collation_connection};
            rc = show_create(src, "TRIGGER", o->db, o->name, idx, out, 4, err);
            break;
        }
        case HM_OBJ_EVENT: {
            static const int idx[] = {3, 1, 2, 4, 5};
            char **out[] = {&o->create_sql, &o->sql_mode, &o->time_zone, &o->charset_client,
                            &o->collation_connection};
            rc = show_create(src, "EVENT", o->db, o->name, idx, out, 5, err);
            break;
        }
        }
    }
    return rc;
}

hm_code hm_catalog_load_schemas(hm_catalog *cat, hm_conn *src, hm_select *sel, hm_err *err)
{
    hm_code rc;
    memset(cat, 0, sizeof *cat);
    rc = load_schemas(cat, src, sel, err);
    if (rc != HM_OK)
        hm_catalog_release(cat);
    return rc;
}

hm_code hm_catalog_load(hm_catalog *cat, hm_conn *src, hm_select *sel, hm_err *err)
{
    hm_code rc = HM_OK;
    if (!cat->schemas)
        rc = hm_catalog_load_schemas(cat, src, sel, err);
    if (rc == HM_OK)
        rc = load_tables(cat, src, sel, err);
    if (rc == HM_OK)
        rc = load_columns(cat, src, err);
    if (rc == HM_OK)
        rc = load_keys(cat, src, err);
    if (rc == HM_OK)
        rc = add_objects(cat, src, sel,
                         "SELECT ROUTINE_SCHEMA, ROUTINE_NAME FROM information_schema.ROUTINES "
                         "WHERE ROUTINE_TYPE='PROCEDURE' AND ROUTINE_SCHEMA " SYS_FILTER,
                         HM_OBJ_PROCEDURE, err);
    if (rc == HM_OK)
        rc = add_objects(cat, src, sel,
                         "SELECT ROUTINE_SCHEMA, ROUTINE_NAME FROM information_schema.ROUTINES "
                         "WHERE ROUTINE_TYPE='FUNCTION' AND ROUTINE_SCHEMA " SYS_FILTER,
                         HM_OBJ_FUNCTION, err);
    if (rc == HM_OK)
        rc = add_objects(cat, src, sel,
                         "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE FROM "
                         "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA " SYS_FILTER
                         " ORDER BY TRIGGER_SCHEMA, EVENT_OBJECT_TABLE, ACTION_ORDER",
                         HM_OBJ_TRIGGER, err);
    if (rc == HM_OK)
        rc = add_objects(cat, src, sel,
                         "SELECT EVENT_SCHEMA, EVENT_NAME FROM information_schema.EVENTS "
                         "WHERE EVENT_SCHEMA " SYS_FILTER, HM_OBJ_EVENT, err);
    if (rc == HM_OK)
        rc = load_definitions(cat, src, err);
    if (rc != HM_OK)
        hm_catalog_release(cat);
    return rc;
}
