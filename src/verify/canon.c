/*
 * verify/canon.c: the canonical row form and its hash, as SQL (see canon.h). Owns nothing.
 */
#include "verify/canon.h"

#include <string.h>
#include <strings.h>

#include "db/sqlq.h"

hm_verify_dialect hm_verify_dialect_of(const hm_conn *c)
{
    hm_verify_dialect d;
    bool maria = c->flavor == HM_FLAVOR_MARIADB;
    d.cast_double = maria ? c->version >= 100400 : c->version >= 80017;
    d.json_normalize = maria && c->version >= 100700;
    return d;
}

/* Types whose values may be large: hashed on the server rather than concatenated. */
static bool is_large(const hm_column *c)
{
    static const char *const large[] = {"tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob",
                                        "mediumblob", "longblob", "json", NULL};
    for (size_t i = 0; large[i]; i++)
        if (strcasecmp(c->data_type, large[i]) == 0)
            return true;
    return c->type == HM_COL_GEOM;
}

hm_code hm_verify_canon_col(hm_buf *q, const hm_column *c, bool json, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "IFNULL(");
    if (rc != HM_OK)
        return rc;
    if (json || strcasecmp(c->data_type, "json") == 0) {
        /* a JSON value: key order and spacing do not count; text that is not JSON is hashed as is */
        if (d->json_normalize) {
            rc = hm_buf_adds(q, "MD5(IFNULL(JSON_NORMALIZE(");
            if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
            if (rc == HM_OK) rc = hm_buf_adds(q, "), CONCAT('!', ");
            if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
            if (rc == HM_OK) rc = hm_buf_adds(q, ")))");
        } else { /* MySQL: a JSON column's text is already its normal form */
            rc = hm_buf_adds(q, "MD5(");
            if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
            if (rc == HM_OK) rc = hm_buf_addc(q, ')');
        }
    } else if (is_large(c)) {
        rc = hm_buf_adds(q, "MD5(");
        if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK) rc = hm_buf_addc(q, ')');
    } else if (c->type == HM_COL_STR || c->type == HM_COL_BIN) {
        rc = hm_buf_adds(q, "CONCAT(LENGTH(");
        if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK) rc = hm_buf_adds(q, "), ':', CAST(");
        if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK) rc = hm_buf_adds(q, " AS BINARY))");
    } else if (c->type == HM_COL_BIT) {
        rc = hm_buf_adds(q, "(");
        if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK) rc = hm_buf_adds(q, " + 0)");
    } else if (strcasecmp(c->data_type, "float") == 0) {
        rc = hm_buf_adds(q, d->cast_double ? "CAST(" : "(");
        if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK) rc = hm_buf_adds(q, d->cast_double ? " AS DOUBLE)" : " + 0e0)");
    } else {
        rc = hm_sqlq_ident(q, c->name);
    }
    return rc == HM_OK ? hm_buf_adds(q, ", 'N')") : rc;
}

static hm_code ident(hm_buf *q, const char *pre, const hm_column *c, const char *post)
{
    hm_code rc = hm_buf_adds(q, pre);
    if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
    return rc == HM_OK ? hm_buf_adds(q, post) : rc;
}

/* The fields of one column in the row's text (canon.h), each preceded by ", ". */
static hm_code row_fields(hm_buf *q, const hm_column *c, bool json, bool nullable, const hm_verify_dialect *d)
{
    const char *pre = nullable ? ", IFNULL(" : ", ", *post = nullable ? ", 'N')" : "";
    hm_code rc;
    if (json || strcasecmp(c->data_type, "json") == 0) {
        rc = hm_buf_adds(q, ", ");
        return rc == HM_OK ? hm_verify_canon_col(q, c, true, d) : rc;
    }
    if (is_large(c)) {
        rc = hm_buf_adds(q, pre);
        if (rc == HM_OK) rc = ident(q, "MD5(", c, ")");
        return rc == HM_OK ? hm_buf_adds(q, post) : rc;
    }
    if (c->type == HM_COL_STR || c->type == HM_COL_BIN) {
        /* the length (N when NULL), then the bytes (left out by CONCAT_WS when NULL) */
        rc = hm_buf_adds(q, pre);
        if (rc == HM_OK) rc = ident(q, "LENGTH(", c, ")");
        if (rc == HM_OK) rc = hm_buf_adds(q, post);
        return rc == HM_OK ? ident(q, ", ", c, "") : rc;
    }
    rc = hm_buf_adds(q, pre);
    if (rc != HM_OK)
        return rc;
    if (c->type == HM_COL_BIT)
        rc = ident(q, "(", c, " + 0)");
    else if (strcasecmp(c->data_type, "float") == 0)
        rc = ident(q, d->cast_double ? "CAST(" : "(", c, d->cast_double ? " AS DOUBLE)" : " + 0e0)");
    else
        rc = ident(q, "", c, "");
    return rc == HM_OK ? hm_buf_adds(q, post) : rc;
}

hm_code hm_verify_canon_row(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "CONCAT_WS(','");
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++)
        if (!t->cols[i].generated)
            rc = row_fields(q, &t->cols[i], k->json && k->json[i], !k->nullable || k->nullable[i], d);
    return rc == HM_OK ? hm_buf_addc(q, ')') : rc;
}

hm_code hm_verify_canon_hash(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "LEFT(MD5(");
    if (rc == HM_OK)
        rc = hm_verify_canon_row(q, t, k, d);
    return rc == HM_OK ? hm_buf_adds(q, "), 16)") : rc;
}

hm_code hm_verify_canon_sum(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "COUNT(*), SUM(CAST(CONV(");
    if (rc == HM_OK)
        rc = hm_verify_canon_hash(q, t, k, d);
    return rc == HM_OK ? hm_buf_adds(q, ", 16, 10) AS UNSIGNED))") : rc;
}

hm_code hm_verify_canon_agg(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "COUNT(*), MD5(GROUP_CONCAT(");
    if (rc == HM_OK)
        rc = hm_verify_canon_row(q, t, k, d);
    return rc == HM_OK ? hm_buf_adds(q, " SEPARATOR ';'))") : rc;
}
