/*
 * check/facts.c: reading what both sides share (connection, variables, status, account, grants)
 * and what only the target tells (its objects, collations, accounts, earlier run, free space).
 * See facts.h. Owns every string of hm_check_side and hm_check_tgt.
 *
 * Queries per server, whatever it holds: variables, status (2), account, grants (one UNION over
 * USER_/SCHEMA_/TABLE_PRIVILEGES); on the target also objects (5), collations (2), mysql.user,
 * hotmig_meta.copy_run, DISKS and mysql.time_zone_name, the last four allowed to fail.
 */
#include "check/facts.h"

#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/sqlq.h"
#include "util/err.h"

#define SYS_FILTER "NOT IN ('mysql','sys','information_schema','performance_schema','hotmig_meta')"

static const char *const var_names[HM_CV__N] = {
    [HM_CV_SERVER_ID] = "server_id",
    [HM_CV_LOG_BIN] = "log_bin",
    [HM_CV_BINLOG_FORMAT] = "binlog_format",
    [HM_CV_BINLOG_ROW_IMAGE] = "binlog_row_image",
    [HM_CV_STATS_ON_METADATA] = "innodb_stats_on_metadata",
    [HM_CV_TRX_COMPRESSION] = "binlog_transaction_compression",
    [HM_CV_LOG_BIN_COMPRESS] = "log_bin_compress",
    [HM_CV_GTID_MODE] = "gtid_mode",
    [HM_CV_ENFORCE_GTID] = "enforce_gtid_consistency",
    [HM_CV_GTID_STRICT] = "gtid_strict_mode",
    [HM_CV_GTID_DOMAIN] = "gtid_domain_id",
    [HM_CV_EXPIRE_SECONDS] = "binlog_expire_logs_seconds",
    [HM_CV_EXPIRE_DAYS] = "expire_logs_days",
    [HM_CV_LCTN] = "lower_case_table_names",
    [HM_CV_MAX_PACKET] = "max_allowed_packet",
    [HM_CV_SQL_MODE] = "sql_mode",
    [HM_CV_TIME_ZONE] = "time_zone",
    [HM_CV_MAX_CONNECTIONS] = "max_connections",
    [HM_CV_EVENT_SCHEDULER] = "event_scheduler",
    [HM_CV_TRUST_CREATORS] = "log_bin_trust_function_creators",
    [HM_CV_DATADIR] = "datadir",
    [HM_CV_ROW_VALUE_OPTIONS] = "binlog_row_value_options",
    [HM_CV_ROW_METADATA] = "binlog_row_metadata",
};

/* The grantees whose privileges this session has: 'user'@'host', and on MariaDB the current
 * role (as copy/privs.c reads them, so that the check and the copy agree). */
#define ME "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', " \
           "SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')"
#define GRANTEES_MARIADB "(" ME ", IFNULL(CONCAT('''', CURRENT_ROLE(), ''''), ''))"
#define GRANTEES_MYSQL "(" ME ")"
#define GRANTS_SQL(G)                                                                          \
    "SELECT 'G', '', PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN " G \
    " UNION ALL SELECT 'S', TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES" \
    " WHERE GRANTEE IN " G                                                                     \
    " UNION ALL SELECT 'T', CONCAT(TABLE_SCHEMA, '.', TABLE_NAME), PRIVILEGE_TYPE FROM"        \
    " information_schema.TABLE_PRIVILEGES WHERE GRANTEE IN " G " AND TABLE_SCHEMA = 'mysql'"

const char *hm_check_kind_name(hm_check_kind k)
{
    static const char *const names[] = {"TABLE", "VIEW", "PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

hm_code hm_check_each_row(hm_conn *c, const char *sql, hm_check_row_fn fn, void *ud, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc = hm_conn_query(c, sql, &res, err);
    if (rc != HM_OK)
        return rc;
    while (res && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        if ((rc = fn(ud, row, len, err)) != HM_OK)
            break;
    }
    if (res)
        mysql_free_result(res);
    return rc;
}

bool hm_check_grow(void **v, size_t *cap, size_t n, size_t size)
{
    void *p;
    size_t nc;
    if (n < *cap)
        return true;
    nc = *cap ? *cap * 2 : 64;
    if (nc > ((size_t)-1) / size)
        return false;
    p = realloc(*v, nc * size);
    if (!p)
        return false;
    *v = p;
    *cap = nc;
    return true;
}

hm_code hm_check_oom(hm_err *err)
{
    return hm_err_set(err, HM_ENOMEM, "out of memory during the precheck");
}

/* --- variables, status, account, grants --- */

static hm_code on_var(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_side *s = ud;
    for (size_t i = 0; i < HM_CV__N; i++) {
        if (strlen(var_names[i]) == len[0] && strncasecmp(var_names[i], row[0], len[0]) == 0) {
            free(s->var[i]);
            s->var[i] = hm_buf_memdupz(row[1] ? row[1] : "", row[1] ? len[1] : 0);
            if (!s->var[i])
                return hm_check_oom(err);
        }
    }
    return HM_OK;
}

static hm_code on_status(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_side *s = ud;
    (void)err;
    if (len[0] == 17 && strncasecmp(row[0], "Threads_connected", 17) == 0 && row[1])
        s->threads_connected = strtoull(row[1], NULL, 10);
    if (len[0] == 10 && strncasecmp(row[0], "Ssl_cipher", 10) == 0 && row[1])
        snprintf(s->tls, sizeof s->tls, "%.*s", (int)len[1], row[1]);
    return HM_OK;
}

static hm_code on_grant(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_side *s = ud;
    hm_check_grant *g;
    if (!row[2])
        return HM_OK;
    if (!hm_check_grow((void **)&s->grant, &s->ngrant_cap, s->ngrant, sizeof *s->grant))
        return hm_check_oom(err);
    g = &s->grant[s->ngrant];
    g->kind = row[0] ? row[0][0] : 'G';
    g->scope = hm_buf_memdupz(row[1] ? row[1] : "", row[1] ? len[1] : 0);
    g->priv = hm_buf_memdupz(row[2], len[2]);
    if (!g->scope || !g->priv) {
        free(g->scope);
        free(g->priv);
        return hm_check_oom(err);
    }
    s->ngrant++;
    return HM_OK;
}

/* 'user'@'host' from CURRENT_USER()'s user@host, quotes doubled. */
static void quote_account(const char *cu, char *out, size_t outsz)
{
    const char *at = strrchr(cu, '@');
    size_t o = 0, ulen = at ? (size_t)(at - cu) : strlen(cu);
    const char *parts[2] = {cu, at ? at + 1 : ""};
    size_t lens[2] = {ulen, at ? strlen(at + 1) : 0};
    for (int p = 0; p < (at ? 2 : 1); p++) {
        if (p == 1 && o + 1 < outsz)
            out[o++] = '@';
        if (o + 1 < outsz)
            out[o++] = '\'';
        for (size_t i = 0; i < lens[p] && o + 2 < outsz; i++) {
            if (parts[p][i] == '\'')
                out[o++] = '\'';
            out[o++] = parts[p][i];
        }
        if (o + 1 < outsz)
            out[o++] = '\'';
    }
    out[o < outsz ? o : outsz - 1] = '\0';
}

hm_code hm_check_read_side(hm_check_side *s, const hm_endpoint *ep, const char *role)
{
    hm_buf q;
    hm_code rc;
    char cu[300];
    bool found;

    s->role = role;
    if (hm_conn_open(&s->conn, ep, role, 0, &s->connect.err) != HM_OK)
        return HM_OK;
    s->connect.ok = true;
    /* sql_mode '' as the copy's source session: GROUP BY and string functions behave alike on
     * both flavours (failing here only leaves the server's default) */
    {
        hm_err ignore;
        (void)hm_conn_exec(&s->conn, "SET SESSION sql_mode = ''", &ignore);
    }

    hm_buf_init(&q, 4096);
    rc = hm_buf_adds(&q, "SHOW GLOBAL VARIABLES WHERE Variable_name IN (");
    for (size_t i = 0; i < HM_CV__N && rc == HM_OK; i++)
        rc = hm_buf_addf(&q, "%s'%s'", i ? "," : "", var_names[i]);
    if (rc == HM_OK)
        rc = hm_buf_addc(&q, ')');
    if (rc != HM_OK) {
        hm_buf_release(&q);
        return hm_check_oom(&s->vars.err);
    }
    rc = hm_check_each_row(&s->conn, q.data, on_var, s, &s->vars.err);
    hm_buf_release(&q);
    if (rc == HM_ENOMEM)
        return rc;
    if (rc == HM_OK)
        rc = hm_check_each_row(&s->conn, "SHOW GLOBAL STATUS WHERE Variable_name = 'Threads_connected'",
                               on_status, s, &s->vars.err);
    if (rc == HM_OK)
        rc = hm_check_each_row(&s->conn, "SHOW SESSION STATUS WHERE Variable_name = 'Ssl_cipher'",
                               on_status, s, &s->vars.err);
    s->vars.ok = rc == HM_OK;

    rc = hm_conn_value(&s->conn, "SELECT CURRENT_USER()", cu, sizeof cu, &found, &s->grants.err);
    if (rc == HM_OK) {
        quote_account(found ? cu : "", s->account, sizeof s->account);
        snprintf(s->user_at_host, sizeof s->user_at_host, "%s", found ? cu : "");
        rc = hm_check_each_row(&s->conn,
                               s->conn.flavor == HM_FLAVOR_MARIADB ? GRANTS_SQL(GRANTEES_MARIADB)
                                                                   : GRANTS_SQL(GRANTEES_MYSQL),
                               on_grant, s, &s->grants.err);
    }
    if (rc == HM_ENOMEM)
        return rc;
    s->grants.ok = rc == HM_OK;
    return HM_OK;
}

void hm_check_side_release(hm_check_side *s)
{
    hm_conn_close(&s->conn);
    for (size_t i = 0; i < HM_CV__N; i++)
        free(s->var[i]);
    for (size_t i = 0; i < s->ngrant; i++) {
        free(s->grant[i].scope);
        free(s->grant[i].priv);
    }
    free(s->grant);
    memset(s, 0, sizeof *s);
}

/* --- target --- */

static hm_code push_str(char ***v, size_t *n, size_t *cap, const char *p, size_t len, hm_err *err)
{
    char *s;
    if (!hm_check_grow((void **)v, cap, *n, sizeof **v) || !(s = hm_buf_memdupz(p, len)))
        return hm_check_oom(err);
    (*v)[(*n)++] = s;
    return HM_OK;
}

static hm_code on_tschema(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_tgt *t = ud;
    return push_str(&t->schemas, &t->nschemas, &t->schemas_cap, row[0], len[0], err);
}

static hm_code on_tobj(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_tgt *t = ud;
    hm_check_tobj *o;
    const char *k = row[2] ? row[2] : "";
    if (!hm_check_grow((void **)&t->objs, &t->objs_cap, t->nobjs, sizeof *t->objs))
        return hm_check_oom(err);
    o = &t->objs[t->nobjs];
    if (strcmp(k, "VIEW") == 0)
        o->kind = HM_CK_VIEW;
    else if (strcmp(k, "PROCEDURE") == 0)
        o->kind = HM_CK_PROCEDURE;
    else if (strcmp(k, "FUNCTION") == 0)
        o->kind = HM_CK_FUNCTION;
    else if (strcmp(k, "TRIGGER") == 0)
        o->kind = HM_CK_TRIGGER;
    else if (strcmp(k, "EVENT") == 0)
        o->kind = HM_CK_EVENT;
    else
        o->kind = HM_CK_TABLE; /* BASE TABLE, SYSTEM VERSIONED, SEQUENCE */
    o->db = hm_buf_memdupz(row[0], len[0]);
    o->name = hm_buf_memdupz(row[1], len[1]);
    if (!o->db || !o->name) {
        free(o->db);
        free(o->name);
        return hm_check_oom(err);
    }
    t->nobjs++;
    return HM_OK;
}

static hm_code on_coll(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_tgt *t = ud;
    return push_str(&t->colls, &t->ncolls, &t->colls_cap, row[0], len[0], err);
}

static hm_code on_charset(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_tgt *t = ud;
    hm_check_charset *c;
    if (!hm_check_grow((void **)&t->charsets, &t->charsets_cap, t->ncharsets, sizeof *t->charsets))
        return hm_check_oom(err);
    c = &t->charsets[t->ncharsets];
    c->name = hm_buf_memdupz(row[0], len[0]);
    c->default_collation = hm_buf_memdupz(row[1] ? row[1] : "", row[1] ? len[1] : 0);
    if (!c->name || !c->default_collation) {
        free(c->name);
        free(c->default_collation);
        return hm_check_oom(err);
    }
    t->ncharsets++;
    return HM_OK;
}

static hm_code on_account(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_tgt *t = ud;
    char buf[600];
    int n = snprintf(buf, sizeof buf, "%.*s@%.*s", (int)len[0], row[0] ? row[0] : "", (int)len[1],
                     row[1] ? row[1] : "");
    if (n < 0 || (size_t)n >= sizeof buf)
        return HM_OK;
    return push_str(&t->accounts, &t->naccounts, &t->accounts_cap, buf, (size_t)n, err);
}

static hm_code on_disk(void *ud, MYSQL_ROW row, unsigned long *len, hm_err *err)
{
    hm_check_tgt *t = ud;
    const char *datadir = hm_check_var_get(&t->side, HM_CV_DATADIR);
    size_t plen = len[0];
    (void)err;
    if (!row[0] || !row[1] || !datadir)
        return HM_OK;
    while (plen > 1 && row[0][plen - 1] == '/')
        plen--;
    /* the longest mount path that holds the data directory */
    if (strncmp(datadir, row[0], plen) != 0 || (plen > 1 && datadir[plen] != '/' && datadir[plen] != '\0'))
        return HM_OK;
    if (t->disk_known && plen <= strlen(t->disk_path))
        return HM_OK;
    t->disk_known = true;
    t->disk_free = strtoull(row[1], NULL, 10) * 1024; /* DISKS reports kilobytes */
    snprintf(t->disk_path, sizeof t->disk_path, "%.*s", (int)plen, row[0]);
    return HM_OK;
}

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int tobj_cmp(const void *a, const void *b)
{
    const hm_check_tobj *x = a, *y = b;
    int c = strcmp(x->db, y->db);
    if (c == 0)
        c = strcmp(x->name, y->name);
    return c ? c : (int)x->kind - (int)y->kind;
}

static long count_rows(hm_conn *c, const char *sql)
{
    char v[32];
    bool found;
    hm_err ignore;
    if (hm_conn_value(c, sql, v, sizeof v, &found, &ignore) != HM_OK || !found)
        return -1;
    return strtol(v, NULL, 10);
}

hm_code hm_check_read_target(hm_check_tgt *t)
{
    static const char *const objq[] = {
        "SELECT TABLE_SCHEMA, TABLE_NAME, IF(TABLE_TYPE = 'VIEW', 'VIEW', 'TABLE') FROM "
        "information_schema.TABLES WHERE TABLE_SCHEMA " SYS_FILTER,
        "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA " SYS_FILTER,
        "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, 'TRIGGER' FROM information_schema.TRIGGERS "
        "WHERE TRIGGER_SCHEMA " SYS_FILTER,
        "SELECT EVENT_SCHEMA, EVENT_NAME, 'EVENT' FROM information_schema.EVENTS "
        "WHERE EVENT_SCHEMA " SYS_FILTER,
        NULL,
    };
    hm_conn *c = &t->side.conn;
    hm_code rc;
    hm_err ignore;
    char state[24];
    bool found;

    rc = hm_check_each_row(c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME "
                              SYS_FILTER, on_tschema, t, &t->objects.err);
    for (size_t i = 0; objq[i] && rc == HM_OK; i++)
        rc = hm_check_each_row(c, objq[i], on_tobj, t, &t->objects.err);
    if (rc == HM_ENOMEM)
        return rc;
    t->objects.ok = rc == HM_OK;
    if (t->nobjs) /* listed in messages: by name, not in the server's order */
        qsort(t->objs, t->nobjs, sizeof *t->objs, tobj_cmp);
    if (t->nschemas)
        qsort(t->schemas, t->nschemas, sizeof *t->schemas, strp_cmp);

    rc = hm_check_each_row(c, "SELECT COLLATION_NAME FROM information_schema.COLLATIONS", on_coll, t,
                           &t->collations.err);
    if (rc == HM_OK)
        rc = hm_check_each_row(c, "SELECT CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME FROM "
                                  "information_schema.CHARACTER_SETS", on_charset, t, &t->collations.err);
    if (rc == HM_ENOMEM)
        return rc;
    t->collations.ok = rc == HM_OK;
    if (t->ncolls)
        qsort(t->colls, t->ncolls, sizeof *t->colls, strp_cmp);

    rc = hm_check_each_row(c, "SELECT User, Host FROM mysql.user", on_account, t, &t->users.err);
    if (rc == HM_ENOMEM)
        return rc;
    t->users.ok = rc == HM_OK;
    if (t->naccounts)
        qsort(t->accounts, t->naccounts, sizeof *t->accounts, strp_cmp);

    /* optional facts: failures only mean "unknown" */
    if (hm_conn_value(c, "SELECT state FROM hotmig_meta.copy_run WHERE id = 1", state, sizeof state, &found,
                      &ignore) == HM_OK && found) {
        t->run_exists = true;
        snprintf(t->run_state, sizeof t->run_state, "%s", state);
    }
    rc = hm_check_each_row(c, "SELECT Path, Available FROM information_schema.DISKS", on_disk, t, &ignore);
    if (rc == HM_ENOMEM)
        return rc;
    t->tz_rows = count_rows(c, "SELECT COUNT(*) FROM mysql.time_zone_name");
    return HM_OK;
}

/* A zone name rather than SYSTEM or an offset. */
static bool named_zone(const char *z)
{
    return z && *z && *z != '+' && *z != '-' && strcasecmp(z, "SYSTEM") != 0;
}

hm_code hm_check_read_zones(hm_check_tgt *t, const hm_check_src *s)
{
    const char *zones[32];
    size_t nz = 0;
    const char *gz = hm_check_var_get(&s->side, HM_CV_TIME_ZONE);
    hm_buf q;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc = HM_OK;

    if (named_zone(gz))
        zones[nz++] = gz;
    for (size_t i = 0; i < s->nobjs && nz < sizeof zones / sizeof zones[0]; i++) {
        const hm_check_obj *o = &s->objs[i];
        bool seen = false;
        if (!o->selected || o->kind != HM_CK_EVENT || !named_zone(o->time_zone))
            continue;
        for (size_t j = 0; j < nz && !seen; j++)
            seen = strcmp(zones[j], o->time_zone) == 0;
        if (!seen)
            zones[nz++] = o->time_zone;
    }
    t->zones.ok = true;
    if (nz == 0)
        return HM_OK;
    hm_buf_init(&q, 1 << 16);
    rc = hm_buf_adds(&q, "SELECT ");
    for (size_t i = 0; i < nz && rc == HM_OK; i++) {
        rc = hm_buf_adds(&q, i ? ", CONVERT_TZ('2000-01-01 00:00:00', '+00:00', "
                               : "CONVERT_TZ('2000-01-01 00:00:00', '+00:00', ");
        if (rc == HM_OK)
            rc = hm_sqlq_hex(&q, zones[i], strlen(zones[i]));
        if (rc == HM_OK)
            rc = hm_buf_adds(&q, ") IS NOT NULL");
    }
    if (rc != HM_OK) {
        hm_buf_release(&q);
        return hm_check_oom(&t->zones.err);
    }
    rc = hm_conn_query(&t->side.conn, q.data, &res, &t->zones.err);
    hm_buf_release(&q);
    if (rc != HM_OK) {
        t->zones.ok = false;
        return HM_OK;
    }
    row = res ? mysql_fetch_row(res) : NULL;
    for (size_t i = 0; row && i < nz; i++) {
        if (row[i] && strcmp(row[i], "1") == 0)
            continue;
        t->nzones_missing++;
        if (strlen(t->zones_missing) + strlen(zones[i]) + 3 < sizeof t->zones_missing)
            snprintf(t->zones_missing + strlen(t->zones_missing),
                     sizeof t->zones_missing - strlen(t->zones_missing), "%s%s",
                     t->nzones_missing > 1 ? ", " : "", zones[i]);
    }
    if (res)
        mysql_free_result(res);
    return HM_OK;
}

void hm_check_tgt_release(hm_check_tgt *t)
{
    hm_check_side_release(&t->side);
    for (size_t i = 0; i < t->nschemas; i++)
        free(t->schemas[i]);
    free(t->schemas);
    for (size_t i = 0; i < t->nobjs; i++) {
        free(t->objs[i].db);
        free(t->objs[i].name);
    }
    free(t->objs);
    for (size_t i = 0; i < t->ncolls; i++)
        free(t->colls[i]);
    free(t->colls);
    for (size_t i = 0; i < t->ncharsets; i++) {
        free(t->charsets[i].name);
        free(t->charsets[i].default_collation);
    }
    free(t->charsets);
    for (size_t i = 0; i < t->naccounts; i++)
        free(t->accounts[i]);
    free(t->accounts);
    memset(t, 0, sizeof *t);
}

/* --- helpers --- */

const char *hm_check_var_get(const hm_check_side *s, hm_check_var v)
{
    return (unsigned)v < HM_CV__N ? s->var[v] : NULL;
}

bool hm_check_var_on(const hm_check_side *s, hm_check_var v)
{
    const char *x = hm_check_var_get(s, v);
    return x && (strcasecmp(x, "ON") == 0 || strcmp(x, "1") == 0 || strcasecmp(x, "TRUE") == 0);
}

uint64_t hm_check_var_u64(const hm_check_side *s, hm_check_var v, uint64_t dflt)
{
    const char *x = hm_check_var_get(s, v);
    char *end;
    double d;
    if (!x || !*x)
        return dflt;
    d = strtod(x, &end); /* expire_logs_days may be fractional on MariaDB */
    if (*end || d < 0)
        return dflt;
    return (uint64_t)d;
}

/* SQL LIKE with % _ and \ escapes, ASCII case-insensitive (as information_schema compares). */
static bool like(const char *p, const char *s)
{
    for (; *p; p++, s++) {
        if (*p == '%') {
            while (p[1] == '%')
                p++;
            if (!p[1])
                return true;
            for (; *s; s++)
                if (like(p + 1, s))
                    return true;
            return like(p + 1, s);
        }
        if (!*s)
            return false;
        if (*p == '_')
            continue;
        if (*p == '\\' && p[1])
            p++;
        if (*p != *s && !((unsigned char)*p < 128 && (unsigned char)*s < 128 &&
                          strncasecmp(p, s, 1) == 0))
            return false;
    }
    return *s == '\0';
}

/* Privilege names differ between versions; each entry lists what satisfies the first name. */
static bool priv_is(const char *have, const char *want)
{
    static const char *const alias[][3] = {
        {"REPLICATION CLIENT", "BINLOG MONITOR", NULL}, /* MariaDB 10.5+ renamed it */
        {"BINLOG MONITOR", "REPLICATION CLIENT", NULL},
    };
    if (strcasecmp(have, want) == 0)
        return true;
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcasecmp(alias[i][0], want) == 0)
            for (size_t j = 1; alias[i][j]; j++)
                if (strcasecmp(alias[i][j], have) == 0)
                    return true;
    return false;
}

bool hm_check_has_global(const hm_check_side *s, const char *priv)
{
    for (size_t i = 0; i < s->ngrant; i++)
        if (s->grant[i].kind == 'G' && priv_is(s->grant[i].priv, priv))
            return true;
    return false;
}

bool hm_check_has_schema(const hm_check_side *s, const char *db, const char *priv)
{
    if (hm_check_has_global(s, priv))
        return true;
    for (size_t i = 0; i < s->ngrant; i++)
        if (s->grant[i].kind == 'S' && priv_is(s->grant[i].priv, priv) && like(s->grant[i].scope, db))
            return true;
    return false;
}

bool hm_check_has_table(const hm_check_side *s, const char *db, const char *table, const char *priv)
{
    char scope[600];
    if (hm_check_has_schema(s, db, priv))
        return true;
    snprintf(scope, sizeof scope, "%s.%s", db, table);
    for (size_t i = 0; i < s->ngrant; i++)
        if (s->grant[i].kind == 'T' && priv_is(s->grant[i].priv, priv) && strcasecmp(s->grant[i].scope, scope) == 0)
            return true;
    return false;
}

bool hm_check_can_persist(const hm_check_side *s)
{
    return s->conn.flavor == HM_FLAVOR_MYSQL && s->conn.version >= 80000;
}
