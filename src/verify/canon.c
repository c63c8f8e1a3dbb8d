/*
 * verify/canon.c: the canonical row form and its hash, as SQL (see canon.h). Owns nothing.
 */
#include "verify/canon.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

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

static bool is_json(const hm_column *c, bool json)
{
    return json || strcasecmp(c->data_type, "json") == 0;
}

/* Whether a column's field in the text can hold any byte (strings, and types whose text we do
 * not know to be free of ','); the others are numbers, temporals, BIT values and hex digits. */
static bool any_bytes(const hm_column *c, bool json)
{
    if (is_json(c, json) || is_large(c))
        return false; /* hashed */
    return c->type == HM_COL_STR || c->type == HM_COL_BIN || c->type == HM_COL_OTHER;
}

/* A field that never holds ',': the value's text, or its hash; N when NULL. */
static hm_code plain_field(hm_buf *q, const hm_column *c, bool json, bool nullable, const hm_verify_dialect *d)
{
    hm_code rc;
    if (is_json(c, json))
        return hm_verify_canon_col(q, c, true, d); /* with its own IFNULL */
    rc = hm_buf_adds(q, nullable ? "IFNULL(" : "");
    if (rc != HM_OK)
        return rc;
    if (is_large(c))
        rc = ident(q, HM_VERIFY_HASH "(", c, ")");
    else if (c->type == HM_COL_BIT)
        rc = ident(q, "(", c, " + 0)");
    else if (strcasecmp(c->data_type, "float") == 0)
        rc = ident(q, d->cast_double ? "CAST(" : "(", c, d->cast_double ? " AS DOUBLE)" : " + 0e0)");
    else
        rc = ident(q, "", c, "");
    return rc == HM_OK ? hm_buf_adds(q, nullable ? ", 'N')" : "") : rc;
}

/* The fields of one column in the row's text (canon.h), each preceded by ", ". */
static hm_code row_fields(hm_buf *q, const hm_column *c, bool json, bool nullable, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, ", ");
    if (rc != HM_OK || !any_bytes(c, json))
        return rc == HM_OK ? plain_field(q, c, json, nullable, d) : rc;
    /* the length (N when NULL), then the bytes (none when NULL) */
    rc = ident(q, nullable ? "IFNULL(LENGTH(" : "LENGTH(", c, nullable ? "), 'N')" : ")");
    return rc == HM_OK ? ident(q, ", ", c, "") : rc;
}

static bool col_json(const hm_verify_cols *k, size_t i)
{
    return k->json && k->json[i];
}

static bool col_nullable(const hm_verify_cols *k, size_t i)
{
    return !k->nullable || k->nullable[i];
}

hm_code hm_verify_canon_row(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "CONCAT_WS(','");
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++)
        if (!t->cols[i].generated)
            rc = row_fields(q, &t->cols[i], col_json(k, i), col_nullable(k, i), d);
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

hm_code hm_verify_token_new(char out[HM_VERIFY_TOKEN_LEN + 1])
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char r[HM_VERIFY_TOKEN_LEN * 2];
    size_t n = 0;
    /* 62 letters from bytes below 248 (4 x 62), so that each is equally likely */
    while (n < HM_VERIFY_TOKEN_LEN) {
        ssize_t got = getrandom(r, sizeof r, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return HM_EINTERNAL;
        for (ssize_t i = 0; i < got && n < HM_VERIFY_TOKEN_LEN; i++)
            if (r[i] < 248)
                out[n++] = alnum[r[i] % 62];
    }
    out[n] = '\0';
    return HM_OK;
}

bool hm_verify_token_ok(const char *tok)
{
    size_t n = 0;
    for (; tok[n]; n++)
        if (!((tok[n] >= '0' && tok[n] <= '9') || (tok[n] >= 'A' && tok[n] <= 'Z') || (tok[n] >= 'a' && tok[n] <= 'z')))
            return false;
    return n == HM_VERIFY_TOKEN_LEN;
}

hm_code hm_verify_canon_agg(hm_buf *q, const hm_table *t, const hm_verify_cols *k, const hm_verify_dialect *d,
                            const char *sep, const char *null_tok)
{
    /* GROUP_CONCAT's own arguments rather than a string per row (5% less server time, measured
     * in canon.h); a field that may hold any byte is set off by the run's separator, the others
     * by ',' */
    hm_code rc;
    size_t n = 0; /* fields so far */
    if (!hm_verify_token_ok(sep) || !hm_verify_token_ok(null_tok) || strcmp(sep, null_tok) == 0)
        return HM_EINTERNAL;
    rc = hm_buf_adds(q, "COUNT(*), " HM_VERIFY_HASH "(GROUP_CONCAT(");
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        const hm_column *c = &t->cols[i];
        bool json = col_json(k, i), nullable = col_nullable(k, i);
        if (c->generated)
            continue;
        if (n++)
            rc = hm_buf_adds(q, ", ");
        if (rc == HM_OK && any_bytes(c, json)) {
            rc = hm_buf_addf(q, "'%s', ", sep);
            if (rc == HM_OK && nullable) /* GROUP_CONCAT leaves out a row with a NULL argument */
                rc = hm_buf_adds(q, "IFNULL(");
            if (rc == HM_OK) rc = hm_sqlq_ident(q, c->name);
            if (rc == HM_OK && nullable) rc = hm_buf_addf(q, ", '%s')", null_tok);
        } else if (rc == HM_OK) {
            rc = hm_buf_adds(q, "',', ");
            if (rc == HM_OK)
                rc = plain_field(q, c, json, nullable, d);
        }
    }
    if (rc == HM_OK && !n)
        rc = hm_buf_adds(q, "','"); /* no stored column: each row is just a ',' */
    /* rows follow each other with nothing between: their fields' own separators tell them apart
     * (canon.h) */
    return rc == HM_OK ? hm_buf_adds(q, " SEPARATOR ''))") : rc;
}
