/*
 * db/server.c: telling whether two connections reach one server (see server.h), and
 * hm_servers_distinct() of the public API, which a front (CLI, hotmigd) calls before anything
 * else. Owns only the connections hm_servers_distinct() opens.
 */
#include "db/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "util/err.h"

typedef struct ident {
    char uuid[64], hostname[256], port[16], datadir[512], server_id[24];
} ident;

static hm_code read_ident(hm_conn *c, ident *id, hm_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    hm_code rc;
    memset(id, 0, sizeof *id);
    rc = hm_conn_query(c, "SHOW GLOBAL VARIABLES WHERE Variable_name IN "
                          "('server_uuid','hostname','port','datadir','server_id')", &res, err);
    if (rc != HM_OK)
        return rc;
    while (res && (row = mysql_fetch_row(res)) != NULL) {
        const char *v = row[1] ? row[1] : "";
        if (!row[0])
            continue;
        if (strcasecmp(row[0], "server_uuid") == 0)
            snprintf(id->uuid, sizeof id->uuid, "%s", v);
        else if (strcasecmp(row[0], "hostname") == 0)
            snprintf(id->hostname, sizeof id->hostname, "%s", v);
        else if (strcasecmp(row[0], "port") == 0)
            snprintf(id->port, sizeof id->port, "%s", v);
        else if (strcasecmp(row[0], "datadir") == 0)
            snprintf(id->datadir, sizeof id->datadir, "%s", v);
        else if (strcasecmp(row[0], "server_id") == 0)
            snprintf(id->server_id, sizeof id->server_id, "%s", v);
    }
    if (res)
        mysql_free_result(res);
    return HM_OK;
}

/* The lock probe. *decided is false when a server refused the named lock (then the identities
 * decide). */
static hm_code probe(hm_conn *a, hm_conn *b, bool *decided, bool *same, hm_err *err)
{
    unsigned char rnd[12];
    char name[64], sql[160], got[32], mine[32], scratch[32];
    bool found;
    hm_err ignore;
    hm_code rc;

    *decided = false;
    *same = false;
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        /* no entropy source: the clock and the address of a stack object still make it unique
         * enough for a lock that lives for two round trips */
        unsigned long long t = (unsigned long long)time(NULL) ^ (unsigned long long)(uintptr_t)&rnd;
        memcpy(rnd, &t, sizeof t < sizeof rnd ? sizeof t : sizeof rnd);
    }
    int n = snprintf(name, sizeof name, "hotmig-same-server-");
    for (size_t i = 0; i < sizeof rnd; i++)
        n += snprintf(name + n, sizeof name - (size_t)n, "%02x", rnd[i]);

    if (hm_conn_value(a, "SELECT CONNECTION_ID()", mine, sizeof mine, &found, err) != HM_OK)
        return err->code;
    snprintf(sql, sizeof sql, "SELECT GET_LOCK('%s', 0)", name);
    if (hm_conn_value(a, sql, got, sizeof got, &found, &ignore) != HM_OK || strcmp(got, "1") != 0)
        return HM_OK; /* refused, or held by someone else (impossible for a random name): undecided */
    snprintf(sql, sizeof sql, "SELECT IS_USED_LOCK('%s')", name);
    rc = hm_conn_value(b, sql, got, sizeof got, &found, err);
    snprintf(sql, sizeof sql, "SELECT RELEASE_LOCK('%s')", name);
    (void)hm_conn_value(a, sql, scratch, sizeof scratch, &found, &ignore);
    if (rc != HM_OK)
        return rc;
    *decided = true;
    *same = strcmp(got, mine) == 0;
    return HM_OK;
}

hm_code hm_server_compare(hm_conn *a, hm_conn *b, hm_server_match *m, hm_err *err)
{
    ident ia, ib;
    bool decided, same;
    hm_code rc;

    memset(m, 0, sizeof *m);
    if ((rc = read_ident(a, &ia, err)) != HM_OK || (rc = read_ident(b, &ib, err)) != HM_OK)
        return rc;
    if ((rc = probe(a, b, &decided, &same, err)) != HM_OK)
        return rc;
    if (decided) {
        m->by_probe = true;
        m->same = same;
    } else if (ia.uuid[0] && ib.uuid[0]) {
        m->same = strcmp(ia.uuid, ib.uuid) == 0;
    } else {
        m->same = strcmp(ia.server_id, ib.server_id) == 0 && strcmp(ia.hostname, ib.hostname) == 0 &&
                  strcmp(ia.port, ib.port) == 0 && strcmp(ia.datadir, ib.datadir) == 0;
    }
    if (m->same)
        snprintf(m->why, sizeof m->why, "%.80s and %.80s reach one server (hostname %.64s, port %.8s, datadir %.120s%s%.40s%s)",
                 a->addr, b->addr, ia.hostname, ia.port, ia.datadir, ia.uuid[0] ? ", server_uuid " : "",
                 ia.uuid, m->by_probe ? "; a named lock taken through one was held through the other" : "");
    else
        snprintf(m->why, sizeof m->why, "%.80s (hostname %.48s, port %.8s, datadir %.80s) and %.80s (hostname "
                 "%.48s, port %.8s, datadir %.80s) are two servers", a->addr, ia.hostname, ia.port, ia.datadir, b->addr,
                 ib.hostname, ib.port, ib.datadir);
    return HM_OK;
}

hm_code hm_server_same_error(const hm_conn *source, const hm_conn *target, const hm_server_match *m,
                             hm_err *err)
{
    (void)source;
    (void)target;
    return hm_err_set(err, HM_ESAMESERVER,
                      "source and target are the same server: %s; a migration onto its own source would "
                      "overwrite the data it reads, so nothing was done; give as --target another server",
                      m->why);
}

hm_code hm_servers_distinct(const hm_endpoint *source, const hm_endpoint *target, hm_err *err)
{
    hm_conn s, t;
    hm_server_match m;
    hm_code rc;

    if ((rc = hm_conn_open(&s, source, "source", 0, err)) != HM_OK)
        return rc;
    if ((rc = hm_conn_open(&t, target, "target", 0, err)) != HM_OK) {
        hm_conn_close(&s);
        return rc;
    }
    rc = hm_server_compare(&s, &t, &m, err);
    if (rc == HM_OK && m.same)
        rc = hm_server_same_error(&s, &t, &m, err);
    hm_conn_close(&s);
    hm_conn_close(&t);
    return rc;
}
