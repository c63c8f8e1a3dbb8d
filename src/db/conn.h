/*
 * db/conn.h: one connection to a source or target server, on top of Connector/C.
 *
 * An hm_conn owns its MYSQL handle. It knows its role ("source" or "target"), which is used in
 * every error message, and the server's flavour and version. Every failure goes through
 * hm_conn_fail(), which maps the server's error number to an hm_code (connect, auth, privilege,
 * or a generic source/target error) and writes one line: role, what was being done, the server's
 * own message, and what to do.
 *
 * TLS follows the endpoint's mode (tls_* fields, from the URI's ?tls=...): a mode that requires
 * TLS fails the open with one line saying which of "the server offers no TLS", "the certificate
 * is not trusted", "the certificate does not name the host" it was; nothing is sent after that.
 *
 * Sessions opened here are binary-safe (SET NAMES binary: bytes travel unconverted) and use
 * time_zone '+00:00' so TIMESTAMP values never shift.
 */
#ifndef HM_DB_CONN_H
#define HM_DB_CONN_H

#include <mysql.h>

#include "hotmig.h"
#include "util/buf.h"

typedef enum hm_flavor { HM_FLAVOR_MYSQL = 0, HM_FLAVOR_MARIADB } hm_flavor;

typedef struct hm_conn {
    MYSQL *my;
    const char *role;       /* static string */
    hm_flavor flavor;
    unsigned long version;  /* e.g. 101119 for 10.11.19 */
    char version_str[96];
    char addr[300];         /* host:port, for messages */
} hm_conn;

enum {
    HM_CONN_LOCAL_INFILE = 1, /* allow LOAD DATA LOCAL (our own handler supplies the data) */
    HM_CONN_FOUND_ROWS = 2,   /* affected rows count the rows matched, changed or not */
    HM_CONN_DUMP = 4          /* a binlog dump: reads time out after 30 s without a byte (the
                                 dump asks for heartbeats far more often) */
};

/* Connects and sets up the session. On failure c->my is NULL and err is filled. */
hm_code hm_conn_open(hm_conn *c, const hm_endpoint *ep, const char *role, unsigned flags,
                     hm_err *err);
void hm_conn_close(hm_conn *c);

/* The TLS cipher in use (borrowed), NULL when the connection is not encrypted. */
const char *hm_conn_tls_cipher(const hm_conn *c);
/* Whether the connection's peer is on this machine (loopback or a Unix socket): traffic that
 * never leaves it needs no encryption. */
bool hm_conn_is_local(const hm_conn *c);
struct sockaddr;
bool hm_conn_addr_is_local(const struct sockaddr *sa);

/* Fills err from the connection's last error; `what` says what was being done. Returns the code. */
hm_code hm_conn_fail(hm_conn *c, const char *what, hm_err *err);

/* Runs a statement and discards any result. */
hm_code hm_conn_exec(hm_conn *c, const char *sql, hm_err *err);
/* Runs a statement held in a buffer (may contain NUL bytes). */
hm_code hm_conn_execb(hm_conn *c, const hm_buf *sql, hm_err *err);
/* Runs a query; *res is the stored result, owned by the caller (mysql_free_result). */
hm_code hm_conn_query(hm_conn *c, const char *sql, MYSQL_RES **res, hm_err *err);
/* Runs a query and copies the first column of the first row into out (NUL-terminated, truncated
 * to outsz). *found is false when there is no row; a NULL value reads as "". */
hm_code hm_conn_value(hm_conn *c, const char *sql, char *out, size_t outsz, bool *found,
                      hm_err *err);

/* True when the error number means "you lack a privilege". */
bool hm_conn_is_priv_error(unsigned errnum);

#endif
