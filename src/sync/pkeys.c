/*
 * sync/pkeys.c: the target tables' conflict-key definitions for parallel apply (see pkeys.h).
 * Owns the cache: a short list searched in order (the tables a source writes at one time are
 * few), emptied when it reaches PKEYS_MAX tables or after DDL.
 */
#include "sync/pkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlq.h"
#include "util/buf.h"
#include "util/err.h"

#define PKEYS_MAX 1024
#define PKEYS_KEYS_MAX 64     /* key definitions per table at most; past it: no parallel apply */
#define PKEYS_COLS_MAX 256    /* key columns per table, all keys together */

typedef struct pk_table {
    struct pk_table *next;
    char *db, *tbl;
    hm_sync_deps_keydef *keys;   /* NULL: barrier table */
    size_t nkeys;
    unsigned max_col;
    unsigned cols[PKEYS_COLS_MAX];
    char *names;                 /* parents' db\0tbl\0 pairs, pointed into by keys */
} pk_table;

struct hm_sync_pkeys {
    hm_conn *c;
    pk_table *head;
    unsigned n;
};

hm_sync_pkeys *hm_sync_pkeys_new(hm_conn *meta, hm_err *err)
{
    hm_sync_pkeys *p = calloc(1, sizeof *p);
    if (!p)
        hm_err_set(err, HM_ENOMEM, "out of memory");
    else
        p->c = meta;
    return p;
}

static void table_free(pk_table *t)
{
    if (!t)
        return;
    free(t->db);
    free(t->tbl);
    free(t->keys);
    free(t->names);
    free(t);
}

void hm_sync_pkeys_forget_all(hm_sync_pkeys *p)
{
    while (p->head) {
        pk_table *t = p->head;
        p->head = t->next;
        table_free(t);
    }
    p->n = 0;
}

void hm_sync_pkeys_free(hm_sync_pkeys *p)
{
    if (!p)
        return;
    hm_sync_pkeys_forget_all(p);
    free(p);
}

/* "SELECT ..." with db and tbl as escaped literals in place of the two %s pairs. */
static hm_code query(hm_sync_pkeys *p, const char *head, const char *mid, const char *tail, const char *db,
                     const char *tbl, MYSQL_RES **res, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 1 << 16);
    rc = hm_buf_adds(&q, head);
    if (rc == HM_OK)
        rc = hm_sqlq_str(&q, p->c->my, db, strlen(db));
    if (rc == HM_OK)
        rc = hm_buf_adds(&q, mid);
    if (rc == HM_OK)
        rc = hm_sqlq_str(&q, p->c->my, tbl, strlen(tbl));
    if (rc == HM_OK)
        rc = hm_buf_adds(&q, tail);
    if (rc == HM_OK)
        rc = hm_buf_addc(&q, '\0');
    if (rc != HM_OK)
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    else
        rc = hm_conn_query(p->c, q.data, res, err);
    hm_buf_release(&q);
    return rc;
}

/* The unique indexes: rows (index, ordinal, nullable, exact), in index then column order. */
static hm_code load_unique(hm_sync_pkeys *p, pk_table *t, bool *usable, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    char cur[256] = "";
    bool cur_notnull = false, cur_exact = true, first = true;
    unsigned ncols = 0;
    hm_code rc = query(p,
        "SELECT s.INDEX_NAME, c.ORDINAL_POSITION, c.IS_NULLABLE = 'YES', "
        "c.COLLATION_NAME IS NULL AND LOWER(c.DATA_TYPE) NOT IN ('float', 'double', 'real') AND s.SUB_PART IS NULL "
        "FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA "
        "AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME WHERE s.NON_UNIQUE = 0 AND s.TABLE_SCHEMA = ",
        " AND s.TABLE_NAME = ", " ORDER BY s.INDEX_NAME, s.SEQ_IN_INDEX", t->db, t->tbl, &res, err);
    *usable = false;
    if (rc != HM_OK)
        return rc;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned ord = (unsigned)strtoul(row[1] ? row[1] : "0", NULL, 10);
        if (!row[0] || ord == 0 || ncols == PKEYS_COLS_MAX || t->nkeys == PKEYS_KEYS_MAX) {
            t->nkeys = 0; /* beyond what is kept: no parallel apply for this table */
            *usable = false;
            break;
        }
        if (first || strncmp(cur, row[0], sizeof cur - 1) != 0) {
            if (!first && cur_notnull)
                *usable = true;
            first = false;
            snprintf(cur, sizeof cur, "%s", row[0]);
            cur_notnull = true;
            cur_exact = true;
            t->keys[t->nkeys].db = t->db;
            t->keys[t->nkeys].tbl = t->tbl;
            t->keys[t->nkeys].keyno = (unsigned)t->nkeys + 1;
            t->keys[t->nkeys].cols = &t->cols[ncols];
            t->keys[t->nkeys].ncols = 0;
            t->nkeys++;
        }
        hm_sync_deps_keydef *k = &t->keys[t->nkeys - 1];
        t->cols[ncols++] = ord - 1;
        k->ncols++;
        if (ord - 1 > t->max_col)
            t->max_col = ord - 1;
        cur_notnull = cur_notnull && !(row[2] && row[2][0] == '1');
        cur_exact = cur_exact && row[3] && row[3][0] == '1';
        k->exact = cur_exact;
    }
    if (!first && cur_notnull && t->nkeys > 0)
        *usable = true;
    mysql_free_result(res);
    return HM_OK;
}

/* Foreign keys: the parents of t (their whole-table keys) and whether t is a parent (its own). */
static hm_code load_fks(hm_sync_pkeys *p, pk_table *t, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_buf names;
    size_t nparents = 0, off[PKEYS_KEYS_MAX];
    bool is_parent = false, too_many = false;
    hm_code rc = query(p,
        "SELECT DISTINCT REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, 0 FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA = ",
        " AND TABLE_NAME = ", "", t->db, t->tbl, &res, err);
    if (rc != HM_OK)
        return rc;
    hm_buf_init(&names, 1 << 20);
    while (rc == HM_OK && (row = mysql_fetch_row(res)) != NULL) {
        if (!row[0] || !row[1] || t->nkeys + nparents + 1 >= PKEYS_KEYS_MAX) {
            too_many = true;
            break;
        }
        off[nparents++] = names.len;
        if (hm_buf_add(&names, row[0], strlen(row[0]) + 1) != HM_OK ||
            hm_buf_add(&names, row[1], strlen(row[1]) + 1) != HM_OK)
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    mysql_free_result(res);
    if (rc == HM_OK && !too_many) {
        rc = query(p, "SELECT 1 FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA = ",
                   " AND REFERENCED_TABLE_NAME = ", " LIMIT 1", t->db, t->tbl, &res, err);
        if (rc == HM_OK) {
            is_parent = mysql_fetch_row(res) != NULL;
            mysql_free_result(res);
        }
    }
    if (rc == HM_OK && too_many) { /* too many to list: no parallel apply for this table */
        t->nkeys = 0;
        hm_buf_release(&names);
        return HM_OK;
    }
    if (rc != HM_OK) {
        hm_buf_release(&names);
        return rc;
    }
    if (names.len) {
        t->names = malloc(names.len);
        if (!t->names) {
            hm_buf_release(&names);
            return hm_err_set(err, HM_ENOMEM, "out of memory");
        }
        memcpy(t->names, names.data, names.len);
    }
    hm_buf_release(&names);
    for (size_t i = 0; i < nparents; i++) {
        hm_sync_deps_keydef *k = &t->keys[t->nkeys++];
        memset(k, 0, sizeof *k);
        k->db = t->names + off[i];
        k->tbl = k->db + strlen(k->db) + 1;
        k->exact = false;
    }
    if (is_parent) {
        hm_sync_deps_keydef *k = &t->keys[t->nkeys++];
        memset(k, 0, sizeof *k);
        k->db = t->db;
        k->tbl = t->tbl;
        k->exact = false;
    }
    return HM_OK;
}

hm_code hm_sync_pkeys_get(hm_sync_pkeys *p, const char *db, const char *tbl, const hm_sync_deps_keydef **keys,
                          size_t *n, unsigned *max_col, hm_err *err)
{
    pk_table *t, **pp;
    bool usable;
    hm_code rc;
    for (pp = &p->head; (t = *pp) != NULL; pp = &t->next)
        if (strcmp(t->db, db) == 0 && strcmp(t->tbl, tbl) == 0) {
            if (pp != &p->head) { /* most recently used first */
                *pp = t->next;
                t->next = p->head;
                p->head = t;
            }
            goto found;
        }
    if (p->n >= PKEYS_MAX)
        hm_sync_pkeys_forget_all(p);
    t = calloc(1, sizeof *t);
    if (!t || !(t->db = strdup(db)) || !(t->tbl = strdup(tbl)) ||
        !(t->keys = calloc(PKEYS_KEYS_MAX, sizeof *t->keys))) {
        table_free(t);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    if ((rc = load_unique(p, t, &usable, err)) == HM_OK && usable)
        rc = load_fks(p, t, err);
    if (rc != HM_OK) {
        table_free(t);
        return rc;
    }
    if (!usable || t->nkeys == 0) {
        free(t->keys);
        t->keys = NULL;
        t->nkeys = 0;
    }
    t->next = p->head;
    p->head = t;
    p->n++;
found:
    *keys = t->keys;
    *n = t->nkeys;
    *max_col = t->max_col;
    return HM_OK;
}
