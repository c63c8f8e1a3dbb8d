/*
 * copy/keylit.c: packed key tuples and range conditions. See keylit.h.
 */
#include "copy/keylit.h"

#include <string.h>
#include <strings.h>

#include "db/sqlq.h"

hm_code hm_keylit_pack(hm_buf *out, char *const *vals, const unsigned long *lens, size_t n)
{
    hm_code rc = HM_OK;
    for (size_t i = 0; i < n && rc == HM_OK; i++) {
        unsigned char l[4];
        unsigned long v = lens[i];
        l[0] = (unsigned char)(v & 0xff);
        l[1] = (unsigned char)((v >> 8) & 0xff);
        l[2] = (unsigned char)((v >> 16) & 0xff);
        l[3] = (unsigned char)((v >> 24) & 0xff);
        rc = hm_buf_add(out, l, 4);
        if (rc == HM_OK)
            rc = hm_buf_add(out, vals[i], lens[i]);
    }
    return rc;
}

hm_code hm_keylit_unpack(const char *p, size_t len, size_t n, const char **vals, size_t *lens)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l;
        if (len - off < 4)
            return HM_EINTERNAL;
        l = (size_t)s[off] | (size_t)s[off + 1] << 8 | (size_t)s[off + 2] << 16 |
            (size_t)s[off + 3] << 24;
        off += 4;
        if (len - off < l)
            return HM_EINTERNAL;
        vals[i] = p + off;
        lens[i] = l;
        off += l;
    }
    return off == len ? HM_OK : HM_EINTERNAL;
}

static bool only(const char *v, size_t n, const char *allowed)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!v[i] || !strchr(allowed, v[i]))
            return false;
    return true;
}

static bool charset_name_ok(const char *cs)
{
    return cs && only(cs, strlen(cs), "abcdefghijklmnopqrstuvwxyz0123456789_");
}

hm_code hm_keylit_value(hm_buf *sql, const hm_column *c, const char *v, size_t n)
{
    hm_code rc;
    switch (c->type) {
    case HM_COL_NUM:
        if (!only(v, n, "0123456789+-.eE"))
            return HM_EUSAGE;
        return hm_buf_add(sql, v, n);
    case HM_COL_TEMPORAL:
        if (!only(v, n, "0123456789-:. "))
            return HM_EUSAGE;
        rc = hm_buf_addc(sql, '\'');
        if (rc == HM_OK)
            rc = hm_buf_add(sql, v, n);
        return rc == HM_OK ? hm_buf_addc(sql, '\'') : rc;
    case HM_COL_STR:
        if (!charset_name_ok(c->charset))
            return HM_EUSAGE;
        rc = hm_buf_addf(sql, "_%s ", c->charset);
        return rc == HM_OK ? hm_sqlq_hex(sql, v, n) : rc;
    case HM_COL_BIN:
    case HM_COL_BIT:
        return hm_sqlq_hex(sql, v, n);
    case HM_COL_GEOM:
    case HM_COL_OTHER:
        break;
    }
    return HM_EUSAGE;
}

hm_code hm_keylit_columns(hm_buf *sql, const hm_table *t)
{
    hm_code rc = HM_OK;
    for (size_t i = 0; i < t->nkey && rc == HM_OK; i++) {
        if (i)
            rc = hm_buf_adds(sql, ", ");
        if (rc == HM_OK)
            rc = hm_sqlq_ident(sql, t->cols[t->key[i]].name);
    }
    return rc;
}

hm_code hm_keylit_cond(hm_buf *sql, const hm_table *t, const char *packed, size_t packed_len,
                       bool after)
{
    const char *vals[64];
    size_t lens[64];
    hm_code rc;
    if (t->nkey == 0 || t->nkey > 64)
        return HM_EINTERNAL;
    rc = hm_keylit_unpack(packed, packed_len, t->nkey, vals, lens);
    if (rc != HM_OK)
        return rc;
    rc = hm_buf_addc(sql, '(');
    for (size_t i = 0; i < t->nkey && rc == HM_OK; i++) {
        const hm_column *c = &t->cols[t->key[i]];
        bool last = i + 1 == t->nkey;
        const char *op = after ? " > " : (last ? " <= " : " < ");
        rc = hm_sqlq_ident(sql, c->name);
        if (rc == HM_OK)
            rc = hm_buf_adds(sql, op);
        if (rc == HM_OK)
            rc = hm_keylit_value(sql, c, vals[i], lens[i]);
        if (rc == HM_OK && !last) {
            rc = hm_buf_adds(sql, " OR (");
            if (rc == HM_OK)
                rc = hm_sqlq_ident(sql, c->name);
            if (rc == HM_OK)
                rc = hm_buf_adds(sql, " = ");
            if (rc == HM_OK)
                rc = hm_keylit_value(sql, c, vals[i], lens[i]);
            if (rc == HM_OK)
                rc = hm_buf_adds(sql, " AND (");
        }
    }
    for (size_t i = 1; i < t->nkey && rc == HM_OK; i++)
        rc = hm_buf_adds(sql, "))");
    return rc == HM_OK ? hm_buf_addc(sql, ')') : rc;
}

bool hm_keylit_is_int_type(const char *data_type)
{
    static const char *const ints[] = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", NULL};
    for (size_t i = 0; ints[i]; i++)
        if (strcasecmp(data_type, ints[i]) == 0)
            return true;
    return false;
}

bool hm_keylit_parse_int(const char *s, size_t n, __int128 *out)
{
    __int128 v = 0;
    bool neg = n && s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == n || n > 40)
        return false;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}
