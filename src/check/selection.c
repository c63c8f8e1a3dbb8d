/*
 * check/selection.c: what the source holds and which of it the task selects, read for the
 * precheck in nine bulk information_schema queries whatever the number of tables (the copy's
 * catalog also runs one SHOW CREATE per object; the check needs no definitions). Owns every
 * string of hm_check_src.
 *
 * Selection follows copy/catalog.c: a schema is selected by hm_select_schema(); a table, view,
 * routine or event when its schema is and hm_select_object() says so; a trigger goes with its
 * table. Names are compared byte for byte, never with the server's collation.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/facts.h"
#include "util/err.h"

#define SYS_FILTER "NOT IN ('mysql','sys','information_schema','performance_schema','hotmig_meta')"

static int table_cmp(const void *a, const void *b)
{
    const hm_check_table *x = a, *y = b;
    int c = strcmp(x->db, y->db);
    return c ? c : strcmp(x->name, y->name);
}

hm_check_table *hm_check_find_table(const hm_check_src *s, const char *db, const char *name)
{
    hm_check_table key;
    key.db = (char *)db;
    key.name = (char *)name;
    return bsearch(&key, s->tables, s->ntables, sizeof key, table_cmp);
}

static bool schema_selected(const hm_check_src *s, const char *db)
{
    for (size_t i = 0; i < s->nschemas; i++)
        if (s->schemas[i].selected && strcmp(s->schemas[i].name, db) == 0)
            return true;
    return false;
}

static hm_code on_schema(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_src *s = ud;
    hm_check_schema *sc;
    if (!hm_check_grow((void **)&s->schemas, &s->schemas_cap, s->nschemas, sizeof *s->schemas))
        return hm_check_oom(err);
    sc = &s->schemas[s->nschemas];
    memset(sc, 0, sizeof *sc);
    sc->name = hm_buf_memdupz(row[0], len[0]);
    sc->collation = hm_buf_memdupz(row[1], len[1]);
    if (!sc->name || (row[1] && !sc->collation)) {
        free(sc->name);
        free(sc->collation);
        return hm_check_oom(err);
    }
    sc->selected = hm_select_schema(&s->sel, sc->name);
    s->nschemas++;
    return HM_OK;
}

static hm_code on_table(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_src *s = ud;
    hm_check_table *t;
    if (!hm_check_grow((void **)&s->tables, &s->tables_cap, s->ntables, sizeof *s->tables))
        return hm_check_oom(err);
    t = &s->tables[s->ntables];
    memset(t, 0, sizeof *t);
    t->db = hm_buf_memdupz(row[0], len[0]);
    t->name = hm_buf_memdupz(row[1], len[1]);
    t->engine = hm_buf_memdupz(row[2] ? row[2] : "", row[2] ? len[2] : 0);
    t->collation = hm_buf_memdupz(row[4], len[4]);
    if (!t->db || !t->name || !t->engine || (row[4] && !t->collation)) {
        free(t->db);
        free(t->name);
        free(t->engine);
        free(t->collation);
        return hm_check_oom(err);
    }
    t->bytes = row[3] ? strtoull(row[3], NULL, 10) : 0;
    t->selected = schema_selected(s, t->db) && hm_select_object(&s->sel, t->db, t->name);
    s->ntables++;
    return HM_OK;
}

/* STATISTICS rows of unique indexes, grouped by table and index: a table is keyed when one of
 * its unique indexes has only whole NOT NULL columns (the copy's rule for a chunking key, less
 * its column-type limits). */
typedef struct key_walk {
    hm_check_src *s;
    char db[256], table[256], index[256];
    bool usable;
} key_walk;

static void key_flush(key_walk *w)
{
    hm_check_table *t;
    if (!w->db[0] || !w->usable)
        return;
    if ((t = hm_check_find_table(w->s, w->db, w->table)) != NULL)
        t->keyed = true;
}

static hm_code on_key(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    key_walk *w = ud;
    bool whole = !row[4], not_null = !(row[3] && row[3][0] == 'Y');
    (void)err;
    if (len[0] >= sizeof w->db || len[1] >= sizeof w->table || len[2] >= sizeof w->index)
        return HM_OK;
    if (strlen(w->db) != len[0] || memcmp(w->db, row[0], len[0]) != 0 || strlen(w->table) != len[1] ||
        memcmp(w->table, row[1], len[1]) != 0 || strlen(w->index) != len[2] ||
        memcmp(w->index, row[2], len[2]) != 0) {
        key_flush(w);
        memcpy(w->db, row[0], len[0]);
        w->db[len[0]] = '\0';
        memcpy(w->table, row[1], len[1]);
        w->table[len[1]] = '\0';
        memcpy(w->index, row[2], len[2]);
        w->index[len[2]] = '\0';
        w->usable = true;
    }
    w->usable = w->usable && whole && not_null;
    return HM_OK;
}

static hm_code on_fk(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_src *s = ud;
    hm_check_fk *f;
    if (!hm_check_grow((void **)&s->fks, &s->fks_cap, s->nfks, sizeof *s->fks))
        return hm_check_oom(err);
    f = &s->fks[s->nfks];
    f->db = hm_buf_memdupz(row[0], len[0]);
    f->table = hm_buf_memdupz(row[1], len[1]);
    f->name = hm_buf_memdupz(row[2], len[2]);
    f->pdb = hm_buf_memdupz(row[3], len[3]);
    f->ptable = hm_buf_memdupz(row[4], len[4]);
    if (!f->db || !f->table || !f->name || !f->pdb || !f->ptable) {
        free(f->db);
        free(f->table);
        free(f->name);
        free(f->pdb);
        free(f->ptable);
        return hm_check_oom(err);
    }
    s->nfks++;
    return HM_OK;
}

/* The XA transactions prepared on the source (XA RECOVER: formatID, gtrid_length, bqual_length,
 * data): their count and gtrids, printable bytes kept, others as '?'. */
static void read_xa(hm_check_src *s, hm_conn *c)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_buf b;
    s->xa_prepared = -1;
    if (hm_conn_query(c, "XA RECOVER", &res, &s->xa_err) != HM_OK || !res)
        return;
    hm_buf_init(&b, 4096);
    s->xa_prepared = 0;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        size_t g = row[1] ? strtoul(row[1], NULL, 10) : 0;
        if (s->xa_prepared++ < 20 && row[3]) {
            if (g > len[3])
                g = len[3];
            hm_buf_adds(&b, b.len ? ", '" : "'");
            for (size_t i = 0; i < g; i++)
                hm_buf_addc(&b, row[3][i] >= 0x20 && row[3][i] < 0x7f ? row[3][i] : '?');
            hm_buf_addc(&b, '\'');
        }
    }
    mysql_free_result(res);
    if (b.len)
        s->xa_xids = hm_buf_memdupz(b.data, b.len);
    hm_buf_release(&b);
}

/* (db, table, text) of a selected table into *arr: a collation a column uses, or a VECTOR
 * column's name. */
static hm_code add_tcol(hm_check_src *s, hm_check_colluse **arr, size_t *n, size_t *cap, MYSQL_ROW row,
                        unsigned long *len, hm_err *err)
{
    hm_check_colluse *c;
    char db[256], name[256];
    hm_check_table *t;
    if (len[0] >= sizeof db || len[1] >= sizeof name || !row[2])
        return HM_OK;
    memcpy(db, row[0], len[0]);
    db[len[0]] = '\0';
    memcpy(name, row[1], len[1]);
    name[len[1]] = '\0';
    if (!(t = hm_check_find_table(s, db, name)) || !t->selected)
        return HM_OK; /* views' columns, unselected tables */
    if (!hm_check_grow((void **)arr, cap, *n, sizeof **arr))
        return hm_check_oom(err);
    c = &(*arr)[*n];
    c->db = hm_buf_memdupz(row[0], len[0]);
    c->table = hm_buf_memdupz(row[1], len[1]);
    c->collation = hm_buf_memdupz(row[2], len[2]);
    if (!c->db || !c->table || !c->collation) {
        free(c->db);
        free(c->table);
        free(c->collation);
        return hm_check_oom(err);
    }
    (*n)++;
    return HM_OK;
}

static hm_code on_colluse(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_src *s = ud;
    return add_tcol(s, &s->colls, &s->ncolls, &s->colls_cap, row, len, err);
}

static hm_code on_vector(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_src *s = ud;
    return add_tcol(s, &s->vectors, &s->nvectors, &s->vectors_cap, row, len, err);
}

/* Which column of a query holds which field of an object; -1 when it has none. */
typedef struct obj_cols {
    int kind; /* -1: fixed_kind */
    hm_check_kind fixed_kind;
    int table, definer, time_zone, status, cs_client, coll_conn, db_coll, hidden, deterministic, access;
} obj_cols;

typedef struct obj_walk {
    hm_check_src *s;
    const obj_cols *c;
} obj_walk;

static char *col(MYSQL_ROW row, unsigned long *len, int i)
{
    return i < 0 || !row[i] ? NULL : hm_buf_memdupz(row[i], len[i]);
}

static hm_code on_obj(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    obj_walk *w = ud;
    hm_check_src *s = w->s;
    const obj_cols *c = w->c;
    hm_check_obj *o;
    if (!hm_check_grow((void **)&s->objs, &s->objs_cap, s->nobjs, sizeof *s->objs))
        return hm_check_oom(err);
    o = &s->objs[s->nobjs];
    memset(o, 0, sizeof *o);
    o->kind = c->fixed_kind;
    if (c->kind >= 0 && row[c->kind])
        o->kind = strcmp(row[c->kind], "FUNCTION") == 0 ? HM_CK_FUNCTION : HM_CK_PROCEDURE;
    o->db = col(row, len, 0);
    o->name = col(row, len, 1);
    o->table = col(row, len, c->table);
    o->definer = col(row, len, c->definer);
    o->time_zone = col(row, len, c->time_zone);
    o->cs_client = col(row, len, c->cs_client);
    o->coll_conn = col(row, len, c->coll_conn);
    o->db_coll = col(row, len, c->db_coll);
    s->nobjs++; /* counted first, so that release frees whatever was copied */
    if (!o->db || !o->name || (c->table >= 0 && !o->table))
        return hm_check_oom(err);
    o->hidden = c->hidden >= 0 && row[c->hidden] && strcmp(row[c->hidden], "1") == 0;
    o->enabled = c->status >= 0 && row[c->status] && strcmp(row[c->status], "ENABLED") == 0;
    o->unsafe_for_binlog = o->kind == HM_CK_FUNCTION && c->deterministic >= 0 && c->access >= 0 &&
                           row[c->deterministic] && strcmp(row[c->deterministic], "NO") == 0 &&
                           row[c->access] && (strcmp(row[c->access], "CONTAINS SQL") == 0 ||
                                              strcmp(row[c->access], "MODIFIES SQL DATA") == 0);
    if (o->kind == HM_CK_TRIGGER) {
        hm_check_table *t = hm_check_find_table(s, o->db, o->table);
        o->selected = t && t->selected;
    } else {
        o->selected = schema_selected(s, o->db) && hm_select_object(&s->sel, o->db, o->name);
    }
    return HM_OK;
}

/* Objects are listed in messages: by name, not in the server's order. */
static int obj_cmp(const void *a, const void *b)
{
    const hm_check_obj *x = a, *y = b;
    int c = strcmp(x->db, y->db);
    if (c == 0)
        c = strcmp(x->name, y->name);
    return c ? c : (int)x->kind - (int)y->kind;
}

static hm_code read_objects(hm_check_src *s, hm_err *err)
{
    static const obj_cols views = {-1, HM_CK_VIEW, -1, 2, -1, -1, 3, 4, -1, -1, -1, -1};
    static const obj_cols routines = {2, HM_CK_PROCEDURE, -1, 3, -1, -1, 7, 8, 9, 4, 5, 6};
    static const obj_cols triggers = {-1, HM_CK_TRIGGER, 2, 3, -1, -1, 4, 5, 6, -1, -1, -1};
    static const obj_cols events = {-1, HM_CK_EVENT, -1, 2, 3, 4, 5, 6, 7, -1, -1, -1};
    static const struct {
        const char *sql;
        const obj_cols *cols;
    } q[] = {
        {"SELECT TABLE_SCHEMA, TABLE_NAME, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION "
         "FROM information_schema.VIEWS WHERE TABLE_SCHEMA " SYS_FILTER, &views},
        {"SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, DEFINER, ROUTINE_DEFINITION IS NULL, "
         "IS_DETERMINISTIC, SQL_DATA_ACCESS, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, "
         "DATABASE_COLLATION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA " SYS_FILTER,
         &routines},
        {"SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, DEFINER, CHARACTER_SET_CLIENT, "
         "COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.TRIGGERS WHERE "
         "TRIGGER_SCHEMA " SYS_FILTER, &triggers},
        {"SELECT EVENT_SCHEMA, EVENT_NAME, DEFINER, TIME_ZONE, STATUS, CHARACTER_SET_CLIENT, "
         "COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.EVENTS WHERE "
         "EVENT_SCHEMA " SYS_FILTER, &events},
    };
    hm_code rc = HM_OK;
    for (size_t i = 0; i < sizeof q / sizeof q[0] && rc == HM_OK; i++) {
        obj_walk w = {s, q[i].cols};
        rc = hm_check_each_row(&s->side.conn, q[i].sql, on_obj, &w, err);
    }
    if (rc == HM_OK && s->nobjs)
        qsort(s->objs, s->nobjs, sizeof *s->objs, obj_cmp);
    return rc;
}

hm_code hm_check_read_selection(hm_check_src *s)
{
    hm_conn *c = &s->side.conn;
    hm_err *err = &s->catalog.err;
    key_walk kw;
    hm_code rc;
    char v[32];
    bool found;
    hm_err ignore;

    rc = hm_check_each_row(c, "SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                              "WHERE SCHEMA_NAME " SYS_FILTER, on_schema, s, err);
    if (rc == HM_OK)
        rc = hm_check_each_row(c, "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, "
                                  "IFNULL(DATA_LENGTH, 0) + IFNULL(INDEX_LENGTH, 0), TABLE_COLLATION "
                                  "FROM information_schema.TABLES WHERE TABLE_SCHEMA " SYS_FILTER
                                  " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
                               on_table, s, err);
    if (rc == HM_OK && s->ntables)
        qsort(s->tables, s->ntables, sizeof *s->tables, table_cmp);
    memset(&kw, 0, sizeof kw);
    kw.s = s;
    if (rc == HM_OK)
        rc = hm_check_each_row(c, "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NULLABLE, SUB_PART FROM "
                                  "information_schema.STATISTICS WHERE NON_UNIQUE = 0 AND TABLE_SCHEMA "
                                  SYS_FILTER " ORDER BY BINARY TABLE_SCHEMA, BINARY TABLE_NAME, "
                                  "BINARY INDEX_NAME", on_key, &kw, err);
    if (rc == HM_OK)
        key_flush(&kw);
    if (rc == HM_OK)
        rc = hm_check_each_row(c, "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, "
                                  "UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME FROM "
                                  "information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA "
                                  SYS_FILTER, on_fk, s, err);
    if (rc == HM_OK)
        rc = hm_check_each_row(c, "SELECT DISTINCT TABLE_SCHEMA, TABLE_NAME, COLLATION_NAME FROM "
                                  "information_schema.COLUMNS WHERE COLLATION_NAME IS NOT NULL AND "
                                  "TABLE_SCHEMA " SYS_FILTER, on_colluse, s, err);
    if (rc == HM_OK) /* MySQL 9's VECTOR (none elsewhere): what the target must hold */
        rc = hm_check_each_row(c, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM "
                                  "information_schema.COLUMNS WHERE DATA_TYPE = 'vector' AND "
                                  "TABLE_SCHEMA " SYS_FILTER, on_vector, s, err);
    if (rc == HM_OK)
        rc = read_objects(s, err);
    if (rc == HM_ENOMEM)
        return rc;
    s->catalog.ok = rc == HM_OK;
    s->tz_rows = -1;
    if (hm_conn_value(c, "SELECT COUNT(*) FROM mysql.time_zone_name", v, sizeof v, &found, &ignore) == HM_OK &&
        found)
        s->tz_rows = strtol(v, NULL, 10);
    read_xa(s, c);
    return HM_OK;
}

void hm_check_src_release(hm_check_src *s)
{
    hm_check_side_release(&s->side);
    hm_select_release(&s->sel);
    for (size_t i = 0; i < s->nschemas; i++) {
        free(s->schemas[i].name);
        free(s->schemas[i].collation);
    }
    free(s->schemas);
    for (size_t i = 0; i < s->ntables; i++) {
        free(s->tables[i].db);
        free(s->tables[i].name);
        free(s->tables[i].engine);
        free(s->tables[i].collation);
    }
    free(s->tables);
    for (size_t i = 0; i < s->nobjs; i++) {
        hm_check_obj *o = &s->objs[i];
        free(o->db);
        free(o->name);
        free(o->table);
        free(o->definer);
        free(o->time_zone);
        free(o->cs_client);
        free(o->coll_conn);
        free(o->db_coll);
    }
    free(s->objs);
    for (size_t i = 0; i < s->nfks; i++) {
        free(s->fks[i].db);
        free(s->fks[i].table);
        free(s->fks[i].name);
        free(s->fks[i].pdb);
        free(s->fks[i].ptable);
    }
    free(s->fks);
    for (size_t i = 0; i < s->ncolls; i++) {
        free(s->colls[i].db);
        free(s->colls[i].table);
        free(s->colls[i].collation);
    }
    free(s->colls);
    for (size_t i = 0; i < s->nvectors; i++) {
        free(s->vectors[i].db);
        free(s->vectors[i].table);
        free(s->vectors[i].collation);
    }
    free(s->vectors);
    free(s->xa_xids);
    memset(s, 0, sizeof *s);
}
