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
            rc = hm_buf_adds(q, HM_VERIFY_HASH "(IFNULL(JSON_NORMALIZE(");
            if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
            if (rc == HM_OK) rc = hm_buf_adds(q, "), CONCAT('!', ");
            if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
            if (rc == HM_OK) rc = hm_buf_adds(q, ")))");
        } else { /* MySQL: a JSON column's text is already its normal form */
            rc = hm_buf_adds(q, HM_VERIFY_HASH "(");
            if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
            if (rc == HM_OK) rc = hm_buf_addc(q, ')');
        }
    } else if (is_large(c)) {
        rc = hm_buf_adds(q, HM_VERIFY_HASH "(");
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
/* The fields of one column in the row's text (canon.h), each preceded by j: ", " inside CONCAT_WS,
 * ", ',', " among GROUP_CONCAT's own arguments (grouped: no argument may be NULL, or the row would
 * be left out, so a NULL string's bytes are '' there; its length field already says N). */
static hm_code row_fields(hm_buf *q, const char *j, bool grouped, const hm_column *c, bool json, bool nullable,
                          const hm_verify_dialect *d)
{
    const char *post = nullable ? ", 'N')" : "";
    hm_code rc = hm_buf_adds(q, j);
    if (rc == HM_OK && (json || strcasecmp(c->data_type, "json") == 0))
        return hm_verify_canon_col(q, c, true, d); /* one field, with its own IFNULL */
    if (rc == HM_OK && nullable)
        rc = hm_buf_adds(q, "IFNULL(");
    if (rc != HM_OK)
        return rc;
    if (is_large(c)) {
        rc = ident(q, HM_VERIFY_HASH "(", c, ")");
        return rc == HM_OK ? hm_buf_adds(q, post) : rc;
    }
    if (c->type == HM_COL_STR || c->type == HM_COL_BIN) {
        /* the length (N when NULL), then the bytes (none when NULL) */
        rc = ident(q, "LENGTH(", c, ")");
        if (rc == HM_OK) rc = hm_buf_adds(q, post);
        if (rc == HM_OK) rc = hm_buf_adds(q, j);
        if (rc == HM_OK && grouped && nullable)
            return ident(q, "IFNULL(", c, ", '')");
        return rc == HM_OK ? ident(q, "", c, "") : rc;
    }
    if (c->type == HM_COL_BIT)
        rc = ident(q, "(", c, " + 0)");
    else if (strcasecmp(c->data_type, "float") == 0)
        rc = ident(q, d->cast_double ? "CAST(" : "(", c, d->cast_double ? " AS DOUBLE)" : " + 0e0)");
    else
        rc = ident(q, "", c, "");
    return rc == HM_OK ? hm_buf_adds(q, post) : rc;
}

static hm_code fields(hm_buf *q, const char *j, bool grouped, const hm_table *t, const hm_verify_cols *k,
                      const hm_verify_dialect *d)
{
    hm_code rc = HM_OK;
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++)
        if (!t->cols[i].generated)
            rc = row_fields(q, j, grouped, &t->cols[i], k->json && k->json[i], !k->nullable || k->nullable[i], d);
    return rc;
}

hm_code hm_verify_canon_row(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "CONCAT_WS(','");
    if (rc == HM_OK)
        rc = fields(q, ", ", false, t, k, d);
    return rc == HM_OK ? hm_buf_addc(q, ')') : rc;
}

hm_code hm_verify_canon_hash(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "LEFT(" HM_VERIFY_HASH "(");
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
    /* GROUP_CONCAT's own arguments rather than one CONCAT_WS each (5% less server time, measured
     * in canon.h); every row's text starts with ',' */
    hm_code rc = hm_buf_adds(q, "COUNT(*), " HM_VERIFY_HASH "(GROUP_CONCAT(''");
    if (rc == HM_OK)
        rc = fields(q, ", ',', ", true, t, k, d);
    return rc == HM_OK ? hm_buf_adds(q, " SEPARATOR ';'))") : rc;
}
