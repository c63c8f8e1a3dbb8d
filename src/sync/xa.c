/*
 * sync/xa.c: the source's XA transactions on the target (see xa.h): parsing the xids the binlog
 * carries, the SQL rebuilt from them, and the target's records of them (XA RECOVER,
 * hotmig_meta.sync_xa).
 *
 * Grammar of the statements read (as MySQL and MariaDB log them; case-insensitive words):
 *   XA (START|BEGIN|END|PREPARE|COMMIT|ROLLBACK) xid [ONE PHASE]
 *   xid ::= X'hex' [, X'hex' [, digits]]      (the servers always log all three parts)
 */
#include "sync/xa.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/sqlq.h"
#include "util/err.h"

#define XA_META "`hotmig_meta`.`sync_xa`"

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* A word (case-insensitive) at p followed by a non-letter; moves p past it. */
static bool word(const char **p, const char *e, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(e - *p) < n || strncasecmp(*p, w, n) != 0)
        return false;
    if (*p + n < e && ((*p)[n] | 0x20) >= 'a' && ((*p)[n] | 0x20) <= 'z')
        return false;
    *p += n;
    return true;
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
}

/* X'hex' into out (at most max bytes); *n its length. */
static bool hex_lit(const char **pp, const char *e, uint8_t *out, size_t max, uint8_t *n)
{
    const char *p = *pp;
    size_t k = 0;
    if (p + 2 > e || (p[0] != 'X' && p[0] != 'x') || p[1] != '\'')
        return false;
    for (p += 2; p < e && *p != '\''; p += 2) {
        int hi, lo;
        if (p + 1 >= e || (hi = hexv(p[0])) < 0 || (lo = hexv(p[1])) < 0 || k == max)
            return false;
        out[k++] = (uint8_t)(hi << 4 | lo);
    }
    if (p >= e)
        return false;
    *pp = p + 1;
    *n = (uint8_t)k;
    return true;
}

hm_code hm_sync_xa_parse(const char *q, size_t n, hm_sync_xa_verb *verb, hm_sync_xid *xid,
                         hm_err *err)
{
    const char *p = q, *e = q + n;
    uint8_t b[64];
    unsigned long long fid = 1;
    *verb = HM_XA_NONE;
    memset(xid, 0, sizeof *xid);
    p = skip_ws(p, e);
    if (!word(&p, e, "XA"))
        return HM_OK;
    p = skip_ws(p, e);
    if (word(&p, e, "START") || word(&p, e, "BEGIN"))
        *verb = HM_XA_START;
    else if (word(&p, e, "END"))
        *verb = HM_XA_END;
    else if (word(&p, e, "PREPARE"))
        *verb = HM_XA_PREPARE;
    else if (word(&p, e, "COMMIT"))
        *verb = HM_XA_COMMIT;
    else if (word(&p, e, "ROLLBACK"))
        *verb = HM_XA_ROLLBACK;
    else
        goto bad;
    p = skip_ws(p, e);
    if (!hex_lit(&p, e, xid->data, 64, &xid->gtrid_len) || xid->gtrid_len == 0)
        goto bad;
    p = skip_ws(p, e);
    if (p < e && *p == ',') {
        p = skip_ws(p + 1, e);
        if (!hex_lit(&p, e, b, 64, &xid->bqual_len))
            goto bad;
        memcpy(xid->data + xid->gtrid_len, b, xid->bqual_len);
        p = skip_ws(p, e);
        if (p < e && *p == ',') {
            p = skip_ws(p + 1, e);
            fid = 0;
            if (p >= e || *p < '0' || *p > '9')
                goto bad;
            for (; p < e && *p >= '0' && *p <= '9'; p++)
                if ((fid = fid * 10 + (unsigned long long)(*p - '0')) > UINT32_MAX)
                    goto bad;
        }
    }
    xid->format_id = (uint32_t)fid;
    p = skip_ws(p, e);
    if (*verb == HM_XA_COMMIT && word(&p, e, "ONE")) {
        p = skip_ws(p, e);
        if (!word(&p, e, "PHASE"))
            goto bad;
        *verb = HM_XA_COMMIT_ONE_PHASE;
        p = skip_ws(p, e);
    }
    /* a trailing ';' is allowed */
    if (p < e && *p == ';')
        p = skip_ws(p + 1, e);
    if (p != e)
        goto bad;
    return HM_OK;
bad:
    *verb = HM_XA_NONE;
    return hm_err_set(err, HM_ESOURCE, "an XA statement whose xid could not be read: \"%.*s\"",
                      (int)(n < 120 ? n : 120), q);
}

bool hm_sync_xa_from_event(const hm_binlog_event *ev, hm_sync_xid *xid)
{
    memset(xid, 0, sizeof *xid);
    if (ev->kind == HM_BINLOG_EV_MARIADB_GTID && ev->u.mariadb_gtid.has_xid &&
        ev->u.mariadb_gtid.xid_gtrid_len > 0) {
        xid->format_id = ev->u.mariadb_gtid.xid_format_id;
        xid->gtrid_len = ev->u.mariadb_gtid.xid_gtrid_len;
        xid->bqual_len = ev->u.mariadb_gtid.xid_bqual_len;
        memcpy(xid->data, ev->u.mariadb_gtid.xid_data, (size_t)xid->gtrid_len + xid->bqual_len);
        return true;
    }
    if (ev->kind == HM_BINLOG_EV_XA_PREPARE && ev->u.xa_prepare.gtrid_len > 0) {
        xid->format_id = ev->u.xa_prepare.format_id;
        xid->gtrid_len = (uint8_t)ev->u.xa_prepare.gtrid_len; /* <= 64, checked by the decoder */
        xid->bqual_len = (uint8_t)ev->u.xa_prepare.bqual_len;
        memcpy(xid->data, ev->u.xa_prepare.data, (size_t)xid->gtrid_len + xid->bqual_len);
        return true;
    }
    return false;
}

/* X'..',X'..',n */
static hm_code xid_sql(hm_buf *out, const hm_sync_xid *xid)
{
    hm_code rc = hm_sqlq_hex(out, xid->data, xid->gtrid_len);
    if (rc == HM_OK)
        rc = hm_buf_addc(out, ',');
    if (rc == HM_OK)
        rc = xid->bqual_len ? hm_sqlq_hex(out, xid->data + xid->gtrid_len, xid->bqual_len)
                            : hm_buf_adds(out, "''");
    if (rc == HM_OK)
        rc = hm_buf_addf(out, ",%u", xid->format_id);
    return rc;
}

hm_code hm_sync_xa_sql(hm_buf *out, const char *verb, const hm_sync_xid *xid)
{
    bool one_phase = strcmp(verb, "COMMIT ONE PHASE") == 0;
    hm_code rc = hm_buf_addf(out, "XA %s ", one_phase ? "COMMIT" : verb);
    if (rc == HM_OK)
        rc = xid_sql(out, xid);
    return rc == HM_OK && one_phase ? hm_buf_adds(out, " ONE PHASE") : rc;
}

void hm_sync_xa_text(const hm_sync_xid *xid, char *out, size_t n)
{
    hm_buf b;
    hm_buf_init(&b, 512);
    if (xid_sql(&b, xid) == HM_OK && b.data)
        snprintf(out, n, "%s", b.data);
    else if (n)
        out[0] = 0;
    hm_buf_release(&b);
}

hm_code hm_sync_xa_meta(hm_conn *tgt, hm_err *err)
{
    return hm_conn_exec(tgt, "CREATE TABLE IF NOT EXISTS " XA_META " ("
                             "format_id INT UNSIGNED NOT NULL, gtrid VARBINARY(64) NOT NULL, "
                             "bqual VARBINARY(64) NOT NULL, "
                             "PRIMARY KEY (format_id, gtrid, bqual)) ENGINE=InnoDB", err);
}

/* "WHERE format_id = n AND gtrid = X'..' AND bqual = X'..'" */
static hm_code where_xid(hm_buf *q, const hm_sync_xid *xid)
{
    hm_code rc = hm_buf_addf(q, " WHERE format_id = %u AND gtrid = ", xid->format_id);
    if (rc == HM_OK)
        rc = hm_sqlq_hex(q, xid->data, xid->gtrid_len);
    if (rc == HM_OK)
        rc = hm_buf_adds(q, " AND bqual = ");
    if (rc == HM_OK)
        rc = xid->bqual_len ? hm_sqlq_hex(q, xid->data + xid->gtrid_len, xid->bqual_len)
                            : hm_buf_adds(q, "''");
    return rc;
}

static hm_code exec_buf(hm_conn *c, hm_buf *q, hm_code rc, hm_err *err)
{
    if (rc == HM_OK)
        rc = hm_conn_execb(c, q, err);
    else
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    hm_buf_release(q);
    return rc;
}

hm_code hm_sync_xa_lookup(hm_conn *tgt, const hm_sync_xid *xid, bool *prepared, bool *marked,
                          hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_buf q;
    hm_code rc;
    char v[8];
    *prepared = *marked = false;
    /* formatID, gtrid_length, bqual_length, data (gtrid then bqual, raw bytes) */
    if ((rc = hm_conn_query(tgt, "XA RECOVER", &res, err)) != HM_OK)
        return rc;
    while (res && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        size_t dl = (size_t)xid->gtrid_len + xid->bqual_len;
        if (row[0] && row[1] && row[2] && row[3] &&
            strtoul(row[0], NULL, 10) == xid->format_id &&
            strtoul(row[1], NULL, 10) == xid->gtrid_len &&
            strtoul(row[2], NULL, 10) == xid->bqual_len && len[3] == dl &&
            memcmp(row[3], xid->data, dl) == 0)
            *prepared = true;
    }
    if (res)
        mysql_free_result(res);
    hm_buf_init(&q, 4096);
    rc = hm_buf_adds(&q, "SELECT 1 FROM " XA_META);
    if (rc == HM_OK)
        rc = where_xid(&q, xid);
    if (rc != HM_OK || hm_buf_addc(&q, '\0') != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rc = hm_conn_value(tgt, q.data, v, sizeof v, marked, err);
    hm_buf_release(&q);
    return rc;
}

hm_code hm_sync_xa_mark(hm_conn *c, const hm_sync_xid *xid, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 4096);
    rc = hm_buf_addf(&q, "INSERT INTO " XA_META " (format_id, gtrid, bqual) VALUES (%u, ",
                     xid->format_id);
    if (rc == HM_OK)
        rc = hm_sqlq_hex(&q, xid->data, xid->gtrid_len);
    if (rc == HM_OK)
        rc = hm_buf_adds(&q, ", ");
    if (rc == HM_OK)
        rc = xid->bqual_len ? hm_sqlq_hex(&q, xid->data + xid->gtrid_len, xid->bqual_len)
                            : hm_buf_adds(&q, "''");
    if (rc == HM_OK)
        rc = hm_buf_addc(&q, ')');
    return exec_buf(c, &q, rc, err);
}

hm_code hm_sync_xa_unmark(hm_conn *c, const hm_sync_xid *xid, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 4096);
    rc = hm_buf_adds(&q, "DELETE FROM " XA_META);
    if (rc == HM_OK)
        rc = where_xid(&q, xid);
    return exec_buf(c, &q, rc, err);
}

hm_code hm_sync_xa_exec(hm_conn *c, const char *verb, const hm_sync_xid *xid, hm_err *err)
{
    hm_buf q;
    hm_buf_init(&q, 4096);
    return exec_buf(c, &q, hm_sync_xa_sql(&q, verb, xid), err);
}
