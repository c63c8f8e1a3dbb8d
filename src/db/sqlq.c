/*
 * db/sqlq.c: identifier quoting and value literals. See sqlq.h.
 */
#include "db/sqlq.h"

#include <string.h>

hm_code hm_sqlq_ident(hm_buf *b, const char *name)
{
    hm_code rc = hm_buf_addc(b, '`');
    for (const char *p = name; rc == HM_OK && *p; p++) {
        if (*p == '`')
            rc = hm_buf_addc(b, '`');
        if (rc == HM_OK)
            rc = hm_buf_addc(b, *p);
    }
    return rc == HM_OK ? hm_buf_addc(b, '`') : rc;
}

hm_code hm_sqlq_table(hm_buf *b, const char *db, const char *table)
{
    hm_code rc = hm_sqlq_ident(b, db);
    if (rc == HM_OK)
        rc = hm_buf_addc(b, '.');
    return rc == HM_OK ? hm_sqlq_ident(b, table) : rc;
}

hm_code hm_sqlq_hex(hm_buf *b, const void *p, size_t n)
{
    hm_code rc = hm_buf_add(b, "X'", 2);
    if (rc == HM_OK)
        rc = hm_buf_addhex(b, p, n);
    return rc == HM_OK ? hm_buf_addc(b, '\'') : rc;
}

hm_code hm_sqlq_str(hm_buf *b, MYSQL *my, const char *p, size_t n)
{
    char *dst;
    unsigned long w;
    if (n > (b->max / 2))
        return HM_ENOMEM;
    dst = hm_buf_reserve(b, 2 * n + 2);
    if (!dst)
        return HM_ENOMEM;
    dst[0] = '\'';
    w = mysql_real_escape_string(my, dst + 1, p, (unsigned long)n);
    dst[1 + w] = '\'';
    hm_buf_commit(b, w + 2);
    return HM_OK;
}
