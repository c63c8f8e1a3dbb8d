/*
 * db/server.h: is the target the source? Telling whether two open connections reach one server.
 *
 * A user who gives the same server as --source and --target (the same URI, or two addresses of
 * one server: 127.0.0.1 and ::1, two bind addresses, a proxy in front) would otherwise be told
 * by the precheck that the "target" holds the selected tables, with DROP TABLE as the fix: on the
 * source. Every front refuses such a task before anything else.
 *
 * How (hm_server_compare):
 *   1. A named-lock probe, definitive and needing no privilege: connection a takes
 *      GET_LOCK('hotmig-same-<random>', 0); connection b asks IS_USED_LOCK() of that name. Named
 *      locks belong to the server instance, so b sees a's connection id exactly when both reach one
 *      server. a releases the lock at once.
 *   2. When the probe cannot run (a server that refuses GET_LOCK, e.g. some cluster modes), the
 *      identities: @@server_uuid when both servers have one (MySQL 5.6+), else server_id, hostname,
 *      port and datadir all equal.
 * The identities are read in both cases, to name the server in the message.
 *
 * Owns nothing: the connections are borrowed.
 */
#ifndef HM_DB_SERVER_H
#define HM_DB_SERVER_H

#include <stdbool.h>

#include "db/conn.h"

typedef struct hm_server_match {
    bool same;          /* both connections reach one server */
    bool by_probe;      /* decided by the named-lock probe (else by the identities) */
    char why[1024];     /* one clause naming the server (when same) or what differs */
} hm_server_match;

/* Compares the servers behind a and b (both open). Fills *m; errors (a connection lost while
 * asking) go to err. Writes nothing on either server (a named lock is no write). */
hm_code hm_server_compare(hm_conn *a, hm_conn *b, hm_server_match *m, hm_err *err);

/* The message a front shows when m->same: what, why, what to do. */
hm_code hm_server_same_error(const hm_conn *source, const hm_conn *target, const hm_server_match *m,
                             hm_err *err);

#endif
