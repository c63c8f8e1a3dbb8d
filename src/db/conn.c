/*
 * db/conn.c: connections to source and target, their session setup and error mapping.
 * Owns each hm_conn's MYSQL handle.
 */
#include "db/conn.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

bool hm_conn_is_priv_error(unsigned errnum)
{
    switch (errnum) {
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_PROCACCESS_DENIED_ERROR:
        return true;
    default:
        return false;
    }
}

hm_code hm_conn_fail(hm_conn *c, const char *what, hm_err *err)
{
    unsigned e = c->my ? mysql_errno(c->my) : 0;
    const char *msg = c->my ? mysql_error(c->my) : "no connection";

    switch (e) {
    case CR_CONN_HOST_ERROR:
    case CR_CONNECTION_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_IPSOCK_ERROR:
        return hm_err_set(err, HM_ECONNECT,
                          "cannot connect to %s %s: %s; check host and port, and that the server is running",
                          c->role, c->addr, msg);
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
        return hm_err_set(err, HM_ECONNECT, "%s %s: connection lost while %s: %s (%u)", c->role,
                          c->addr, what, msg, e);
    case ER_ACCESS_DENIED_ERROR:
        return hm_err_set(err, HM_EAUTH, "%s %s rejected the login: %s; check the user and password",
                          c->role, c->addr, msg);
    default:
        break;
    }
    if (hm_conn_is_priv_error(e))
        return hm_err_set(err, HM_EPRIV, "%s %s: missing privilege while %s: %s; GRANT it to the user",
                          c->role, c->addr, what, msg);
    return hm_err_set(err, strcmp(c->role, "target") == 0 ? HM_ETARGET : HM_ESOURCE,
                      "%s %s: error while %s: %s (%u)", c->role, c->addr, what, msg, e);
}

hm_code hm_conn_open(hm_conn *c, const hm_endpoint *ep, const char *role, unsigned flags,
                     hm_err *err)
{
    unsigned int timeout = 10;
    unsigned int local = (flags & HM_CONN_LOCAL_INFILE) ? 1 : 0;
    const char *ver;
    hm_code rc;

    memset(c, 0, sizeof *c);
    c->role = role;
    snprintf(c->addr, sizeof c->addr, "%s:%u", ep->host, ep->port);
    c->my = mysql_init(NULL);
    if (!c->my)
        return hm_err_set(err, HM_ENOMEM, "out of memory creating a %s connection", role);
    mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(c->my, MYSQL_SET_CHARSET_NAME, "binary");
    mysql_options(c->my, MYSQL_OPT_LOCAL_INFILE, &local);
    mysql_options(c->my, MYSQL_READ_DEFAULT_GROUP, NULL);
    if (flags & HM_CONN_DUMP) {
        unsigned int rt = 30; /* heartbeats come every second: silence this long is a dead peer */
        mysql_options(c->my, MYSQL_OPT_READ_TIMEOUT, &rt);
    }
    if (!mysql_real_connect(c->my, ep->host, ep->user, ep->password ? ep->password : "", NULL,
                            ep->port, NULL,
                            CLIENT_MULTI_RESULTS | ((flags & HM_CONN_FOUND_ROWS) ? CLIENT_FOUND_ROWS : 0))) {
        rc = hm_conn_fail(c, "connecting", err);
        mysql_close(c->my);
        c->my = NULL;
        return rc;
    }
    ver = mysql_get_server_info(c->my);
    snprintf(c->version_str, sizeof c->version_str, "%s", ver ? ver : "");
    c->version = mysql_get_server_version(c->my);
    c->flavor = strstr(c->version_str, "MariaDB") ? HM_FLAVOR_MARIADB : HM_FLAVOR_MYSQL;
    rc = hm_conn_exec(c, "SET NAMES binary, time_zone = '+00:00', "
                         "SESSION net_read_timeout = 3600, SESSION net_write_timeout = 3600, "
                         "SESSION wait_timeout = 86400", err);
    if (rc != HM_OK) {
        hm_conn_close(c);
        return rc;
    }
    return HM_OK;
}

void hm_conn_close(hm_conn *c)
{
    if (c->my)
        mysql_close(c->my);
    c->my = NULL;
}

/* Discards result sets without disturbing the affected-row count of a statement that has none. */
static void drain(hm_conn *c)
{
    for (;;) {
        if (mysql_field_count(c->my) > 0) {
            MYSQL_RES *r = mysql_store_result(c->my);
            if (r)
                mysql_free_result(r);
        }
        if (!mysql_more_results(c->my) || mysql_next_result(c->my) != 0)
            break;
    }
}

hm_code hm_conn_exec(hm_conn *c, const char *sql, hm_err *err)
{
    if (mysql_real_query(c->my, sql, strlen(sql)) != 0)
        return hm_conn_fail(c, "running a statement", err);
    drain(c);
    if (mysql_errno(c->my))
        return hm_conn_fail(c, "running a statement", err);
    return HM_OK;
}

hm_code hm_conn_execb(hm_conn *c, const hm_buf *sql, hm_err *err)
{
    if (mysql_real_query(c->my, sql->data, sql->len) != 0)
        return hm_conn_fail(c, "running a statement", err);
    drain(c);
    if (mysql_errno(c->my))
        return hm_conn_fail(c, "running a statement", err);
    return HM_OK;
}

hm_code hm_conn_query(hm_conn *c, const char *sql, MYSQL_RES **res, hm_err *err)
{
    *res = NULL;
    if (mysql_real_query(c->my, sql, strlen(sql)) != 0)
        return hm_conn_fail(c, "running a query", err);
    *res = mysql_store_result(c->my);
    if (!*res && mysql_field_count(c->my) != 0)
        return hm_conn_fail(c, "reading a result", err);
    return HM_OK;
}

hm_code hm_conn_value(hm_conn *c, const char *sql, char *out, size_t outsz, bool *found,
                      hm_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    hm_code rc = hm_conn_query(c, sql, &res, err);
    if (rc != HM_OK)
        return rc;
    *found = false;
    if (outsz)
        out[0] = '\0';
    if (res && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        *found = true;
        if (row[0] && outsz) {
            size_t n = len[0] < outsz - 1 ? len[0] : outsz - 1;
            memcpy(out, row[0], n);
            out[n] = '\0';
        }
    }
    if (res)
        mysql_free_result(res);
    return HM_OK;
}
