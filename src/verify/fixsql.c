/*
 * verify/fixsql.c: writing the fix SQL (see fixsql.h). Owns the output file while writing.
 */
#include "verify/fixsql.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "copy/keylit.h"
#include "db/sqlq.h"
#include "util/err.h"
#include "verify/chunk.h"

static hm_code oom(hm_err *err)
{
    return hm_err_set(err, HM_ENOMEM, "out of memory writing the fix SQL");
}

/* Parents before children: a table's depth is one more than its deepest parent's (cycles and
 * self-references stop after ntables rounds). */
static hm_code fk_depths(const hm_verify_fix_ctx *x, unsigned *depth, hm_err *err)
{
    const hm_catalog *cat = x->cat;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    size_t *edges = NULL, nedges = 0; /* pairs child, parent */
    hm_code rc = hm_conn_query(x->src,
        "SELECT TABLE_SCHEMA, TABLE_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME FROM "
        "information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_NAME IS NOT NULL", &res, err);
    if (rc != HM_OK)
        return rc;
    edges = calloc(2 * (mysql_num_rows(res) + 1), sizeof *edges);
    if (!edges) {
        mysql_free_result(res);
        return oom(err);
    }
    while ((row = mysql_fetch_row(res)) != NULL) {
        size_t c = (size_t)-1, p = (size_t)-1;
        for (size_t i = 0; i < cat->ntables; i++) {
            if (strcmp(cat->tables[i].db, row[0]) == 0 && strcmp(cat->tables[i].name, row[1]) == 0)
                c = i;
            if (strcmp(cat->tables[i].db, row[2]) == 0 && strcmp(cat->tables[i].name, row[3]) == 0)
                p = i;
        }
        if (c != (size_t)-1 && p != (size_t)-1 && c != p) {
            edges[2 * nedges] = c;
            edges[2 * nedges + 1] = p;
            nedges++;
        }
    }
    mysql_free_result(res);
    memset(depth, 0, cat->ntables * sizeof *depth);
    for (size_t round = 0; round < cat->ntables; round++) {
        bool moved = false;
        for (size_t e = 0; e < nedges; e++)
            if (depth[edges[2 * e]] < depth[edges[2 * e + 1]] + 1 && depth[edges[2 * e + 1]] < cat->ntables) {
                depth[edges[2 * e]] = depth[edges[2 * e + 1]] + 1;
                moved = true;
            }
        if (!moved)
            break;
    }
    free(edges);
    return HM_OK;
}

/* The literal for one value as the server sent it (text protocol, binary character set). */
static hm_code value_lit(hm_buf *q, hm_conn *c, const hm_column *col, const char *v, size_t n)
{
    hm_code rc;
    if (!v)
        return hm_buf_adds(q, "NULL");
    if (col->type == HM_COL_GEOM)
        return hm_sqlq_hex(q, v, n);
    if (col->type == HM_COL_OTHER)
        return hm_sqlq_str(q, c->my, v, n);
    rc = hm_keylit_value(q, col, v, n);
    if (rc == HM_EUSAGE) /* not a plain number / date text (cannot happen with a sane server) */
        return hm_sqlq_str(q, c->my, v, n);
    return rc;
}

/* SELECT of the stored columns (FLOAT as DOUBLE, exact) */
static hm_code select_cols(hm_buf *q, const hm_table *t, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "SELECT ");
    bool first = true;
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        bool single = strcmp(t->cols[i].data_type, "float") == 0;
        if (t->cols[i].generated)
            continue;
        if (!first)
            rc = hm_buf_adds(q, ", ");
        first = false;
        if (rc == HM_OK && single)
            rc = hm_buf_adds(q, d->cast_double ? "CAST(" : "(");
        if (rc == HM_OK)
            rc = hm_sqlq_ident(q, t->cols[i].name);
        if (rc == HM_OK && single)
            rc = hm_buf_adds(q, d->cast_double ? " AS DOUBLE)" : " + 0e0)");
    }
    if (rc == HM_OK) rc = hm_buf_adds(q, " FROM ");
    if (rc == HM_OK) rc = hm_sqlq_table(q, t->db, t->name);
    return rc == HM_OK ? hm_buf_adds(q, " WHERE ") : rc;
}

/* True when name is one of the ", "-separated names in list. */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p++)
        if ((p == list || (p >= list + 2 && p[-2] == ',' && p[-1] == ' ')) && (p[n] == '\0' || (p[n] == ',' && p[n + 1] == ' ')))
            return true;
    return false;
}

typedef struct diffrow {
    const char *key;
    size_t klen;
    const char *cols;
    uint64_t copies;
} diffrow;

/* One statement (or `copies` of them) for one difference. */
static hm_code statement(const hm_verify_fix_ctx *x, size_t ti, int phase, const diffrow *d, FILE *f, uint64_t *n,
                         hm_err *err)
{
    const hm_table *t = &x->cat->tables[ti];
    const hm_verify_cols *cols = &x->cols[ti];
    bool keyless = t->nkey == 0;
    bool from_target = phase == 2 && keyless;
    hm_conn *c = from_target ? x->tgt : x->src;
    const hm_verify_dialect *dl = from_target ? &x->dt : &x->ds;
    hm_buf q, out;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    unsigned long *len = NULL;
    hm_code rc = HM_OK;
    char text[600];

    hm_buf_init(&q, 1 << 24);
    hm_buf_init(&out, (size_t)1 << 31);
    if (!(phase == 2 && !keyless)) { /* the row's values are needed */
        rc = select_cols(&q, t, dl);
        if (rc == HM_OK && keyless) {
            rc = hm_verify_canon_hash(&q, t, cols, dl);
            if (rc == HM_OK) rc = hm_buf_addf(&q, " = '%.*s' LIMIT 1", (int)d->klen, d->key);
        } else if (rc == HM_OK) {
            rc = hm_verify_key_eq(&q, t, d->key, d->klen);
        }
        if (rc != HM_OK) {
            rc = oom(err);
            goto out;
        }
        if ((rc = hm_conn_query(c, q.data, &res, err)) != HM_OK)
            goto out;
        row = mysql_fetch_row(res);
        if (!row) {
            if (keyless)
                snprintf(text, sizeof text, "row with hash %.*s", (int)d->klen, d->key);
            else
                hm_verify_key_text(t, d->key, d->klen, text, sizeof text);
            fprintf(f, "-- %s.%s %s: the %s no longer has this row; nothing to do\n", t->db, t->name, text,
                    from_target ? "target" : "source");
            goto out;
        }
        len = mysql_fetch_lengths(res);
    }
    for (uint64_t copy = 0; copy < (phase == 2 && keyless ? 1 : d->copies) && rc == HM_OK; copy++) {
        size_t f_i = 0;
        bool first = true;
        hm_buf_reset(&out);
        if (phase == 0) {
            rc = hm_buf_adds(&out, "INSERT INTO ");
            if (rc == HM_OK) rc = hm_sqlq_table(&out, t->db, t->name);
            if (rc == HM_OK) rc = hm_buf_adds(&out, " (");
            for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
                if (t->cols[i].generated)
                    continue;
                if (!first) rc = hm_buf_adds(&out, ", ");
                first = false;
                if (rc == HM_OK) rc = hm_sqlq_ident(&out, t->cols[i].name);
            }
            if (rc == HM_OK) rc = hm_buf_adds(&out, ") VALUES (");
            first = true;
            for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
                if (t->cols[i].generated)
                    continue;
                if (!first) rc = hm_buf_adds(&out, ", ");
                first = false;
                if (rc == HM_OK) rc = value_lit(&out, c, &t->cols[i], row[f_i], len[f_i]);
                f_i++;
            }
            if (rc == HM_OK) rc = hm_buf_adds(&out, ");\n");
        } else if (phase == 1) {
            rc = hm_buf_adds(&out, "UPDATE ");
            if (rc == HM_OK) rc = hm_sqlq_table(&out, t->db, t->name);
            if (rc == HM_OK) rc = hm_buf_adds(&out, " SET ");
            for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
                if (t->cols[i].generated)
                    continue;
                if (listed(d->cols, t->cols[i].name)) {
                    if (!first) rc = hm_buf_adds(&out, ", ");
                    first = false;
                    if (rc == HM_OK) rc = hm_sqlq_ident(&out, t->cols[i].name);
                    if (rc == HM_OK) rc = hm_buf_adds(&out, " = ");
                    if (rc == HM_OK) rc = value_lit(&out, c, &t->cols[i], row[f_i], len[f_i]);
                }
                f_i++;
            }
            if (rc == HM_OK) rc = hm_buf_adds(&out, " WHERE ");
            if (rc == HM_OK) rc = hm_verify_key_eq(&out, t, d->key, d->klen);
            if (rc == HM_OK) rc = hm_buf_adds(&out, ";\n");
            if (first) { /* no column named: nothing to set */
                hm_buf_reset(&out);
                rc = HM_OK;
            }
        } else {
            rc = hm_buf_adds(&out, "DELETE FROM ");
            if (rc == HM_OK) rc = hm_sqlq_table(&out, t->db, t->name);
            if (rc == HM_OK) rc = hm_buf_adds(&out, " WHERE ");
            if (rc == HM_OK && !keyless)
                rc = hm_verify_key_eq(&out, t, d->key, d->klen);
            for (size_t i = 0; keyless && i < t->ncols && rc == HM_OK; i++) {
                if (t->cols[i].generated)
                    continue;
                if (!first) rc = hm_buf_adds(&out, " AND ");
                first = false;
                if (rc == HM_OK) rc = hm_sqlq_ident(&out, t->cols[i].name);
                if (rc == HM_OK) rc = hm_buf_adds(&out, " <=> ");
                if (rc == HM_OK) rc = value_lit(&out, c, &t->cols[i], row[f_i], len[f_i]);
                f_i++;
            }
            if (rc == HM_OK && keyless)
                rc = hm_buf_addf(&out, " LIMIT %llu", (unsigned long long)d->copies);
            if (rc == HM_OK) rc = hm_buf_adds(&out, ";\n");
        }
        if (rc != HM_OK) {
            rc = oom(err);
            break;
        }
        if (out.len) {
            if (fwrite(out.data, 1, out.len, f) != out.len) {
                rc = hm_err_set(err, HM_EIO, "writing the fix SQL: %s", strerror(errno));
                break;
            }
            (*n)++;
        }
    }
out:
    if (res)
        mysql_free_result(res);
    hm_buf_release(&q);
    hm_buf_release(&out);
    return rc;
}

static hm_code table_phase(const hm_verify_fix_ctx *x, size_t ti, int phase, FILE *f, uint64_t *n, hm_err *err)
{
    static const char *const kinds[] = {"missing", "changed", "extra"};
    const hm_table *t = &x->cat->tables[ti];
    hm_buf q;
    MYSQL_RES *res;
    MYSQL_ROW row;
    hm_code rc;
    hm_buf_init(&q, 4096);
    rc = hm_buf_adds(&q, "SELECT key_packed, cols, copies FROM `hotmig_meta`.`verify_diff` WHERE db = ");
    if (rc == HM_OK) rc = hm_sqlq_hex(&q, t->db, strlen(t->db));
    if (rc == HM_OK) rc = hm_buf_adds(&q, " AND tbl = ");
    if (rc == HM_OK) rc = hm_sqlq_hex(&q, t->name, strlen(t->name));
    if (rc == HM_OK) rc = hm_buf_addf(&q, " AND kind = '%s' ORDER BY id", kinds[phase]);
    if (rc != HM_OK) {
        hm_buf_release(&q);
        return oom(err);
    }
    if (mysql_real_query(x->meta->my, q.data, (unsigned long)q.len) != 0 ||
        (res = mysql_use_result(x->meta->my)) == NULL) {
        hm_buf_release(&q);
        return hm_conn_fail(x->meta, "reading hotmig_meta.verify_diff", err);
    }
    hm_buf_release(&q);
    while ((row = mysql_fetch_row(res)) != NULL && rc == HM_OK) {
        unsigned long *len = mysql_fetch_lengths(res);
        diffrow d = {row[0], len[0], row[1], strtoull(row[2], NULL, 10)};
        rc = statement(x, ti, phase, &d, f, n, err);
    }
    if (rc == HM_OK && mysql_errno(x->meta->my))
        rc = hm_conn_fail(x->meta, "reading hotmig_meta.verify_diff", err);
    mysql_free_result(res);
    return rc;
}

hm_code hm_verify_fix_write(const hm_verify_fix_ctx *x, const char *path, uint64_t *n, hm_err *err)
{
    size_t nt = x->cat->ntables;
    unsigned *depth = calloc(nt + 1, sizeof *depth);
    size_t *order = calloc(nt + 1, sizeof *order);
    FILE *f = NULL;
    hm_code rc;
    *n = 0;
    if (!depth || !order) {
        rc = oom(err);
        goto out;
    }
    if ((rc = fk_depths(x, depth, err)) != HM_OK)
        goto out;
    for (size_t i = 0; i < nt; i++) { /* stable insertion by depth: parents first */
        size_t j = i;
        while (j > 0 && depth[order[j - 1]] > depth[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    f = fopen(path, "w");
    if (!f) {
        rc = hm_err_set(err, HM_EIO, "cannot write the fix SQL to %s: %s", path, strerror(errno));
        goto out;
    }
    fprintf(f, "-- hotmig verify: the statements that make the target equal to the source.\n"
               "-- Apply to the target (foreign key checks on: parents are inserted first, children\n"
               "-- deleted first), for example: mariadb -h HOST -P PORT -u USER -p < this-file\n"
               "SET NAMES binary;\nSET time_zone = '+00:00';\nSTART TRANSACTION;\n");
    for (int phase = 0; phase < 3 && rc == HM_OK; phase++)
        for (size_t k = 0; k < nt && rc == HM_OK; k++)
            rc = table_phase(x, phase == 2 ? order[nt - 1 - k] : order[k], phase, f, n, err);
    if (rc == HM_OK)
        fprintf(f, "COMMIT;\n");
    if (fclose(f) != 0 && rc == HM_OK)
        rc = hm_err_set(err, HM_EIO, "writing the fix SQL to %s: %s", path, strerror(errno));
    f = NULL;
out:
    free(depth);
    free(order);
    return rc;
}
