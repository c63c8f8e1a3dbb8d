/*
 * db/conn.c: connections to source and target, their session setup and error mapping.
 * Owns each hm_conn's MYSQL handle.
 */
#include "db/conn.h"

#include <arpa/inet.h>
#include <errmsg.h>
#include <errno.h>
#include <mysqld_error.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
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

/* The TLS settings of ep on a fresh handle. Connector/C 3.3 encrypts when any TLS option is set
 * (use_ssl) and the server offers it; it verifies the chain when a CA is given, and the host name
 * when VERIFY_SERVER_CERT is on, which also refuses a server that offers no TLS before the login
 * is sent. "required" without verification is enforced after the handshake (tls_check). */
static hm_code tls_apply(hm_conn *c, const hm_endpoint *ep, hm_err *err)
{
    my_bool on = 1, off = 0;
    hm_tls_mode m = ep->tls == HM_TLS_DEFAULT ? HM_TLS_PREFERRED : ep->tls;
    int bad = 0;

    if (m == HM_TLS_DISABLED) {
        bad |= mysql_optionsv(c->my, MYSQL_OPT_SSL_ENFORCE, &off);
        bad |= mysql_optionsv(c->my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
        return bad ? hm_err_set(err, HM_EINTERNAL, "%s: Connector/C refused the TLS options", c->role) : HM_OK;
    }
    {
        /* a file we cannot read: said now, by name, rather than as a handshake failure */
        const char *files[3] = {ep->tls_ca, ep->tls_cert, ep->tls_key};
        static const char *const opt[3] = {"ca", "cert", "key"};
        for (int i = 0; i < 3; i++)
            if (files[i] && access(files[i], R_OK) != 0)
                return hm_err_set(err, HM_ETLS, "%s %s: cannot read %s=%s: %s; give the path of a readable "
                                  "PEM file", c->role, c->addr, opt[i], files[i], strerror(errno));
    }
    bad |= mysql_optionsv(c->my, MYSQL_OPT_SSL_ENFORCE, &on);
    if (ep->tls_ca)
        bad |= mysql_optionsv(c->my, MYSQL_OPT_SSL_CA, ep->tls_ca);
    if (ep->tls_cert)
        bad |= mysql_optionsv(c->my, MYSQL_OPT_SSL_CERT, ep->tls_cert);
    if (ep->tls_key)
        bad |= mysql_optionsv(c->my, MYSQL_OPT_SSL_KEY, ep->tls_key);
    bad |= mysql_optionsv(c->my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, m == HM_TLS_VERIFY_IDENTITY ? &on : &off);
    return bad ? hm_err_set(err, HM_EINTERNAL, "%s: Connector/C refused the TLS options", c->role) : HM_OK;
}

/* After the handshake: a mode that requires TLS got it. */
static hm_code tls_check(hm_conn *c, const hm_endpoint *ep, hm_err *err)
{
    if (ep->tls < HM_TLS_REQUIRED || mysql_get_ssl_cipher(c->my))
        return HM_OK;
    return hm_err_set(err, HM_ETLS,
                      "%s %s does not offer TLS, and the connection asks for it (tls=%s): nothing was done; "
                      "enable TLS on the server (ssl_cert, ssl_key and ssl_ca under [mysqld], then restart it) "
                      "or, on a trusted network only, connect with tls=preferred",
                      c->role, c->addr, hm_tls_mode_name(ep->tls));
}

/* A TLS handshake failure, told apart by what Connector/C says. HM_ETLS, not HM_ECONNECT: waiting
 * does not cure it, so the sync does not retry it. */
static hm_code tls_fail(hm_conn *c, const hm_endpoint *ep, hm_err *err)
{
    const char *msg = mysql_error(c->my);
    const char *ca = ep->tls_ca ? ep->tls_ca : "(none)";
    if (strstr(msg, "does not support") || strstr(msg, "doesn't support") || strstr(msg, "not support SSL"))
        return hm_err_set(err, HM_ETLS,
                          "%s %s does not offer TLS, and the connection asks for it (tls=%s): nothing was "
                          "done; enable TLS on the server (ssl_cert, ssl_key and ssl_ca under [mysqld], then "
                          "restart it) or, on a trusted network only, connect with tls=preferred",
                          c->role, c->addr, hm_tls_mode_name(ep->tls));
    if (strstr(msg, "alidation of SSL server certificate") || strstr(msg, "hostname") ||
        strstr(msg, "host name") || strstr(msg, "mismatch"))
        return hm_err_set(err, HM_ETLS,
                          "%s %s: its TLS certificate does not name the host connected to (%s), and "
                          "tls=verify-identity requires it (%s): nothing was done; connect by a name the "
                          "certificate holds (its subjectAltName), give the server a certificate for %s, or "
                          "use tls=verify-ca to check the CA only",
                          c->role, c->addr, ep->host, msg, ep->host);
    if (strstr(msg, "certificate verify failed") || strstr(msg, "self-signed") || strstr(msg, "self signed") ||
        strstr(msg, "unable to get local issuer") || strstr(msg, "unknown ca") || strstr(msg, "verify"))
        return hm_err_set(err, HM_ETLS,
                          "%s %s: its TLS certificate is not trusted: it is not signed by the CA in ca=%s (%s): "
                          "nothing was done; give as ca= the certificate of the CA that signed the server's "
                          "(the server's ssl_ca)",
                          c->role, c->addr, ca, msg);
    return hm_err_set(err, HM_ETLS,
                      "%s %s: the TLS handshake failed (tls=%s, ca=%s): %s; check the files given as ca, cert "
                      "and key, and the server's ssl settings",
                      c->role, c->addr, hm_tls_mode_name(ep->tls), ca, msg);
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
    snprintf(c->addr, sizeof c->addr, strchr(ep->host, ':') ? "[%s]:%u" : "%s:%u", ep->host, ep->port);
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
    if ((rc = tls_apply(c, ep, err)) != HM_OK) {
        hm_conn_close(c);
        return rc;
    }
    if (!mysql_real_connect(c->my, ep->host, ep->user, ep->password ? ep->password : "", NULL,
                            ep->port, NULL,
                            CLIENT_MULTI_RESULTS | ((flags & HM_CONN_FOUND_ROWS) ? CLIENT_FOUND_ROWS : 0))) {
        rc = mysql_errno(c->my) == CR_SSL_CONNECTION_ERROR ? tls_fail(c, ep, err)
                                                            : hm_conn_fail(c, "connecting", err);
        hm_conn_close(c);
        return rc;
    }
    if ((rc = tls_check(c, ep, err)) != HM_OK) {
        hm_conn_close(c);
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

const char *hm_conn_tls_cipher(const hm_conn *c)
{
    return c->my ? mysql_get_ssl_cipher(c->my) : NULL;
}

bool hm_conn_addr_is_local(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_UNIX)
        return true;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

bool hm_conn_is_local(const hm_conn *c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    my_socket fd;
    if (!c->my)
        return false;
    fd = mysql_get_socket(c->my);
    if ((int)fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return false;
    return hm_conn_addr_is_local((const struct sockaddr *)&ss);
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
