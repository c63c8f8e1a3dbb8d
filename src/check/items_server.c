/*
 * check/items_server.c: items about the servers themselves: connections, versions, binlog
 * settings, and the variables that must agree between source and target. See items.h.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/items.h"

static const char *flavor_name(const hm_conn *c)
{
    return c->flavor == HM_FLAVOR_MARIADB ? "MariaDB" : "MySQL";
}

static unsigned long series(unsigned long v)
{
    return v / 100; /* 101119 -> 1011 (10.11), 80036 -> 800 (8.0) */
}

static void fmt_series(unsigned long s, char *out, size_t n)
{
    snprintf(out, n, "%lu.%lu", s / 100, s % 100);
}

/* --- connections --- */

/* The account the server named in "Access denied for user 'u'@'h' (using password: YES)". */
static bool denied_account(const char *msg, char *out, size_t n)
{
    const char *p = strstr(msg, "for user '"), *e;
    if (!p)
        return false;
    p += 9;
    e = strstr(p, " (using");
    if (!e)
        e = strchr(p, ';');
    if (!e || (size_t)(e - p) >= n)
        return false;
    snprintf(out, n, "%.*s", (int)(e - p), p);
    return true;
}

static void connect_item(const hm_check_side *s, const hm_endpoint *ep, const char *opt, hm_check_out *out)
{
    const hm_conn *c = &s->conn;
    char acct[300];
    if (s->connect.ok) {
        hm_check_say(out, HM_CHECK_PASS, "connected to %s as %s: %s %lu.%lu.%lu (%s), TLS: %s", c->addr,
                     s->account, flavor_name(c), c->version / 10000, c->version / 100 % 100,
                     c->version % 100, c->version_str, s->tls[0] ? s->tls : "not in use");
        return;
    }
    hm_check_say(out, HM_CHECK_FAILED, "%s", s->connect.err.msg);
    switch (s->connect.err.code) {
    case HM_ECONNECT:
        hm_check_fix(out, "check the host and port of %s (mysql://USER@%s:%u), and that the server runs and "
                          "accepts TCP connections there (its port and bind_address settings, firewalls)",
                     opt, ep->host, ep->port);
        break;
    case HM_EAUTH:
        if (!denied_account(s->connect.err.msg, acct, sizeof acct))
            snprintf(acct, sizeof acct, "'%s'@'%%'", ep->user);
        hm_check_fix(out, "check the user and password of %s; an administrator can set the password on "
                          "the %s with: ALTER USER %s IDENTIFIED BY 'new-password', or allow this host "
                          "with: CREATE USER %s IDENTIFIED BY 'new-password'; an account that must use TLS "
                          "(REQUIRE SSL or X509) is refused the same way when the connection is not "
                          "encrypted: add ?tls=required (and cert=FILE&key=FILE for X509) to %s, the server "
                          "having TLS enabled, or let it in without TLS: ALTER USER %s REQUIRE NONE",
                     opt, s->role, acct, acct, opt, acct);
        break;
    case HM_ETLS:
        break; /* the message says what to do */
    default:
        hm_check_fix(out, "act on the server's message; if the server requires TLS for this account, "
                          "add ?tls=required (or verify-identity&ca=FILE) to %s", opt);
        break;
    }
}

void hm_check_item_source_connect(const hm_check_ctx *c, hm_check_out *out)
{
    connect_item(&c->src->side, &c->o->source, "--source", out);
}

void hm_check_item_target_connect(const hm_check_ctx *c, hm_check_out *out)
{
    connect_item(&c->tgt->side, &c->o->target, "--target", out);
}

/* --- versions --- */

/* Position of a MySQL series on its upgrade path 5.5 -> 5.6 -> 5.7 -> 8.0 -> 8.4 (innovation
 * releases 8.1-8.3 sit between 8.0 and 8.4; 9.x comes after). Doubled so that steps count 2. */
static int mysql_rank(unsigned long s)
{
    if (s <= 505) return 0;
    if (s <= 506) return 2;
    if (s <= 507) return 4;
    if (s == 800) return 6;
    if (s < 804) return 7;
    if (s == 804) return 8;
    return 10;
}

void hm_check_item_version(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_conn *s = &c->src->side.conn, *t = &c->tgt->side.conn;
    unsigned long ss = series(s->version), ts = series(t->version);
    char sv[48], tv[48];
    fmt_series(ss, sv, sizeof sv);
    fmt_series(ts, tv, sizeof tv);

    if (s->flavor == HM_FLAVOR_MARIADB && t->flavor == HM_FLAVOR_MYSQL) {
        hm_check_say(out, HM_CHECK_FAILED, "MariaDB %s to MySQL %s is not a supported path: MariaDB's "
                     "types, collations and SQL differ from MySQL's", sv, tv);
        hm_check_fix(out, "migrate to a MariaDB %s or newer target", sv);
        return;
    }
    if (s->flavor == HM_FLAVOR_MYSQL && t->flavor == HM_FLAVOR_MARIADB) {
        hm_check_say(out, HM_CHECK_WARNING, "MySQL %s to MariaDB %s: most schemas move, but MySQL-only "
                     "features (utf8mb4_0900 collations, JSON stored as binary, invisible columns, "
                     "functional indexes) may not; target.charsets checks the collations", sv, tv);
        hm_check_fix(out, "test the application against MariaDB %s before the cutover", tv);
        return;
    }
    if (ts < ss) {
        hm_check_say(out, HM_CHECK_FAILED, "%s %s to %s is a downgrade: objects and settings of %s may not "
                     "exist on the target", flavor_name(s), sv, tv, sv);
        hm_check_fix(out, "migrate to a %s %s or newer target", flavor_name(s), sv);
        return;
    }
    if (ts == ss && t->version < s->version) {
        hm_check_say(out, HM_CHECK_WARNING, "the target runs an older %s %s release (%lu.%lu.%lu) than the "
                     "source (%lu.%lu.%lu)", flavor_name(s), sv, t->version / 10000, t->version / 100 % 100,
                     t->version % 100, s->version / 10000, s->version / 100 % 100, s->version % 100);
        hm_check_fix(out, "upgrade the target to %lu.%lu.%lu or newer", s->version / 10000,
                     s->version / 100 % 100, s->version % 100);
        return;
    }
    if (ts == ss) {
        hm_check_say(out, HM_CHECK_PASS, "same version: %s %s", flavor_name(s), sv);
        return;
    }
    if (s->flavor == HM_FLAVOR_MYSQL && mysql_rank(ts) - mysql_rank(ss) > 2) {
        hm_check_say(out, HM_CHECK_WARNING, "MySQL %s to %s skips a step of the upgrade path "
                     "5.5 -> 5.6 -> 5.7 -> 8.0 -> 8.4: a logical copy works across it, but removed "
                     "features and changed defaults of each step apply at once", sv, tv);
        hm_check_fix(out, "test the application against MySQL %s before the cutover", tv);
        return;
    }
    hm_check_say(out, HM_CHECK_PASS, "upgrade path: %s %s to %s", flavor_name(s), sv, tv);
}

/* --- binlog settings (only for --mode full+incremental; check.c answers for --mode full) --- */

void hm_check_item_server_id(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side, *t = &c->tgt->side;
    uint64_t sid, tid, suggest;
    if (!hm_check_need(out, &s->vars) || !hm_check_need(out, &t->vars))
        return;
    sid = hm_check_var_u64(s, HM_CV_SERVER_ID, 0);
    tid = hm_check_var_u64(t, HM_CV_SERVER_ID, 0);
    if (sid <= 1) {
        suggest = tid == 2 ? 3 : 2;
        hm_check_say(out, HM_CHECK_FAILED, "server_id=%llu on the source: it must be greater than 1 (0 "
                     "disables the binlog stream, 1 is every server's default and collides)",
                     (unsigned long long)sid);
        hm_check_fix_var(out, s, "server_id", suggest == 2 ? "2" : "3");
        return;
    }
    if (sid == tid) {
        char v[32];
        suggest = sid + 1 == 1 ? 2 : sid + 1;
        snprintf(v, sizeof v, "%llu", (unsigned long long)suggest);
        hm_check_say(out, HM_CHECK_FAILED, "source and target share server_id=%llu: the target would take "
                     "the source's binlog events for its own", (unsigned long long)sid);
        hm_check_fix_var(out, t, "server_id", v);
        return;
    }
    hm_check_say(out, HM_CHECK_PASS, "server_id=%llu (target %llu)", (unsigned long long)sid,
                 (unsigned long long)tid);
}

void hm_check_item_log_bin(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    if (!hm_check_need(out, &s->vars))
        return;
    if (hm_check_var_on(s, HM_CV_LOG_BIN)) {
        hm_check_say(out, HM_CHECK_PASS, "log_bin=ON");
        return;
    }
    hm_check_say(out, HM_CHECK_FAILED, "log_bin=OFF: the source writes no binlog, so changes made during "
                 "the copy cannot be replayed");
    if (s->conn.flavor == HM_FLAVOR_MYSQL && s->conn.version >= 80000)
        hm_check_fix(out, "log_bin cannot be changed at runtime: on the source remove skip-log-bin / "
                          "disable-log-bin and add log_bin=binlog under [mysqld] in my.cnf, then restart the "
                          "server");
    else
        hm_check_fix(out, "log_bin cannot be changed at runtime: on the source add log_bin=%s under "
                          "[mysqld] in my.cnf (with server_id set), then restart the server",
                     s->conn.flavor == HM_FLAVOR_MARIADB ? "mariadb-bin" : "mysql-bin");
}

void hm_check_item_binlog_format(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    const char *f;
    if (!hm_check_need(out, &s->vars))
        return;
    f = hm_check_var_get(s, HM_CV_BINLOG_FORMAT);
    if (f && strcasecmp(f, "ROW") == 0) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_format=ROW");
        return;
    }
    if (f && strcasecmp(f, "MIXED") == 0)
        hm_check_say(out, HM_CHECK_WARNING, "binlog_format=MIXED: statements the server deems unsafe are "
                     "logged as rows, the others as SQL text, which hotmig replays as statements and "
                     "which may not give the same result on the target");
    else
        hm_check_say(out, HM_CHECK_FAILED, "binlog_format=%s: changes are logged as SQL text, not as rows, "
                     "so the incremental phase cannot replay them exactly", f ? f : "(unknown)");
    hm_check_fix_var(out, s, "binlog_format", "ROW");
    hm_check_fix(out, "connections already open keep their format until they reconnect");
}

void hm_check_item_binlog_row_image(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    const char *v;
    if (!hm_check_need(out, &s->vars))
        return;
    v = hm_check_var_get(s, HM_CV_BINLOG_ROW_IMAGE);
    if (!v) {
        hm_check_say(out, HM_CHECK_PASS, "this server always logs full row images");
        return;
    }
    if (strcasecmp(v, "FULL") == 0) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_row_image=FULL");
        return;
    }
    hm_check_say(out, HM_CHECK_FAILED, "binlog_row_image=%s: row events lack columns hotmig needs to find "
                 "and rewrite each row on the target", v);
    hm_check_fix_var(out, s, "binlog_row_image", "FULL");
}

/* Whether MySQL's compressed transactions can be inflated here (the binlog reader loads
 * libzstd.so.1 the same way when it meets one). */
static bool zstd_loadable(char *why, size_t n)
{
    void *h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, n, "%s", e ? e : "not found");
        return false;
    }
    dlclose(h);
    return true;
}

void hm_check_item_binlog_compression(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    char why[256];
    if (!hm_check_need(out, &s->vars))
        return;
    if (s->conn.flavor == HM_FLAVOR_MARIADB) {
        if (hm_check_var_on(s, HM_CV_LOG_BIN_COMPRESS))
            hm_check_say(out, HM_CHECK_PASS, "log_bin_compress=ON: hotmig inflates MariaDB's compressed "
                         "events (zlib, built in)");
        else
            hm_check_say(out, HM_CHECK_PASS, "log_bin_compress=OFF");
        return;
    }
    if (!hm_check_var_on(s, HM_CV_TRX_COMPRESSION)) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_transaction_compression=%s",
                     hm_check_var_get(s, HM_CV_TRX_COMPRESSION) ? "OFF" : "not available (before 8.0.20)");
        return;
    }
    if (zstd_loadable(why, sizeof why)) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_transaction_compression=ON: hotmig inflates the "
                     "transactions with libzstd.so.1, found on this host");
        return;
    }
    hm_check_say(out, HM_CHECK_FAILED, "binlog_transaction_compression=ON, and libzstd.so.1 cannot be loaded "
                 "on this host (%s), so compressed transactions cannot be read", why);
    hm_check_fix(out, "install libzstd (apt-get install libzstd1, or dnf install libzstd) on the host that "
                      "runs hotmig");
    hm_check_fix_var(out, s, "binlog_transaction_compression", "OFF");
}

void hm_check_item_gtid_mode(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side, *t = &c->tgt->side;
    const char *mode;
    if (!hm_check_need(out, &s->vars))
        return;
    if (s->conn.flavor == HM_FLAVOR_MARIADB) {
        uint64_t sd = hm_check_var_u64(s, HM_CV_GTID_DOMAIN, 0), td;
        bool strict = hm_check_var_on(s, HM_CV_GTID_STRICT);
        if (t->connect.ok && t->vars.ok && t->conn.flavor == HM_FLAVOR_MARIADB) {
            td = hm_check_var_u64(t, HM_CV_GTID_DOMAIN, 0);
            strict = strict || hm_check_var_on(t, HM_CV_GTID_STRICT);
            if (sd == td && strict) {
                char v[32];
                snprintf(v, sizeof v, "%llu", (unsigned long long)(sd + 1));
                hm_check_say(out, HM_CHECK_WARNING, "source and target both use gtid_domain_id=%llu with "
                             "gtid_strict_mode=ON: the target's own transactions (hotmig's writes included) "
                             "take GTIDs in the source's domain, so replicating between them after the "
                             "cutover (as a way back) would stop on out-of-order GTIDs",
                             (unsigned long long)sd);
                hm_check_fix_var(out, t, "gtid_domain_id", v);
                return;
            }
        }
        hm_check_say(out, HM_CHECK_PASS, "MariaDB GTIDs (gtid_domain_id=%llu, gtid_strict_mode=%s): the "
                     "snapshot position is recorded as a GTID and as file:position", (unsigned long long)sd,
                     hm_check_var_on(s, HM_CV_GTID_STRICT) ? "ON" : "OFF");
        return;
    }
    mode = hm_check_var_get(s, HM_CV_GTID_MODE);
    if (!mode || strcasecmp(mode, "OFF") == 0) {
        hm_check_say(out, HM_CHECK_PASS, "gtid_mode=OFF: the incremental phase follows file:position");
        return;
    }
    if (strcasecmp(mode, "ON") == 0) {
        const char *e = hm_check_var_get(s, HM_CV_ENFORCE_GTID);
        if (e && strcasecmp(e, "ON") != 0) {
            hm_check_say(out, HM_CHECK_WARNING, "gtid_mode=ON but enforce_gtid_consistency=%s", e);
            hm_check_fix_var(out, s, "enforce_gtid_consistency", "ON");
            return;
        }
        hm_check_say(out, HM_CHECK_PASS, "gtid_mode=ON, enforce_gtid_consistency=ON");
        return;
    }
    hm_check_say(out, HM_CHECK_WARNING, "gtid_mode=%s is a transition state: the binlog mixes transactions "
                 "with and without GTIDs", mode);
    if (strcasecmp(mode, "ON_PERMISSIVE") == 0)
        hm_check_fix_var(out, s, "gtid_mode", "ON");
    else
        hm_check_fix_var(out, s, "gtid_mode", "OFF");
}

void hm_check_item_binlog_retention(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    bool has_seconds;
    uint64_t secs, days, keep, bytes, est, need;
    char b[32], v[32];
    if (!hm_check_need(out, &s->vars))
        return;
    has_seconds = hm_check_var_get(s, HM_CV_EXPIRE_SECONDS) != NULL;
    secs = hm_check_var_u64(s, HM_CV_EXPIRE_SECONDS, 0);
    days = hm_check_var_u64(s, HM_CV_EXPIRE_DAYS, 0);
    keep = secs ? secs : days * 86400;
    bytes = c->src->catalog.ok ? hm_check_selected_bytes(c->src) : 0;
    est = bytes / HM_CHECK_COPY_BYTES_PER_SEC;
    need = 2 * est > 3600 ? 2 * est : 3600;
    hm_check_bytes(bytes, b, sizeof b);
    if (keep == 0) {
        hm_check_say(out, HM_CHECK_PASS, "binlogs are never purged automatically (%s=0)",
                     has_seconds ? "binlog_expire_logs_seconds" : "expire_logs_days");
        return;
    }
    if (keep >= need) {
        hm_check_say(out, HM_CHECK_PASS, "binlogs are kept %llu s; copying the selected %s takes about "
                     "%llu s at %llu MiB/s, and %llu s are needed", (unsigned long long)keep, b,
                     (unsigned long long)est, HM_CHECK_COPY_BYTES_PER_SEC >> 20, (unsigned long long)need);
        return;
    }
    hm_check_say(out, HM_CHECK_FAILED, "binlogs are kept only %llu s, but copying the selected %s takes about "
                 "%llu s at %llu MiB/s and the incremental phase must still find the binlog of the "
                 "snapshot afterwards: at least %llu s are needed", (unsigned long long)keep, b,
                 (unsigned long long)est, HM_CHECK_COPY_BYTES_PER_SEC >> 20, (unsigned long long)need);
    need = (need + 86399) / 86400; /* whole days */
    if (has_seconds) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)(need * 86400));
        hm_check_fix_var(out, s, "binlog_expire_logs_seconds", v);
    } else {
        snprintf(v, sizeof v, "%llu", (unsigned long long)need);
        hm_check_fix_var(out, s, "expire_logs_days", v);
    }
}

void hm_check_item_stats_on_metadata(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    if (!hm_check_need(out, &s->vars))
        return;
    if (!hm_check_var_on(s, HM_CV_STATS_ON_METADATA)) {
        hm_check_say(out, HM_CHECK_PASS, "innodb_stats_on_metadata=OFF");
        return;
    }
    hm_check_say(out, HM_CHECK_WARNING, "innodb_stats_on_metadata=ON: every information_schema read by "
                 "hotmig (and by anyone) re-samples InnoDB statistics, slowing the source and changing "
                 "query plans");
    hm_check_fix_var(out, s, "innodb_stats_on_metadata", "OFF");
}

/* --- variables that must agree --- */

void hm_check_item_lctn(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side, *t = &c->tgt->side;
    uint64_t sv, tv;
    if (!hm_check_need(out, &s->vars) || !hm_check_need(out, &t->vars))
        return;
    sv = hm_check_var_u64(s, HM_CV_LCTN, 0);
    tv = hm_check_var_u64(t, HM_CV_LCTN, 0);
    if (sv == tv) {
        hm_check_say(out, HM_CHECK_PASS, "lower_case_table_names=%llu on both", (unsigned long long)sv);
        return;
    }
    hm_check_say(out, HM_CHECK_FAILED, "lower_case_table_names is %llu on the source and %llu on the target: "
                 "table and database names would change case, or collide when they differ only in case",
                 (unsigned long long)sv, (unsigned long long)tv);
    hm_check_fix(out, "lower_case_table_names cannot change at runtime: on the target set "
                      "lower_case_table_names=%llu under [mysqld] in my.cnf and restart it%s",
                 (unsigned long long)sv,
                 t->conn.flavor == HM_FLAVOR_MYSQL && t->conn.version >= 80000
                     ? " (MySQL 8 accepts it only when the data directory is initialized: re-initialize "
                       "the target with --lower-case-table-names=N)"
                     : "");
}

void hm_check_item_max_packet(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side, *t = &c->tgt->side;
    uint64_t sv, tv;
    char a[32], b[32], v[32];
    if (!hm_check_need(out, &s->vars) || !hm_check_need(out, &t->vars))
        return;
    sv = hm_check_var_u64(s, HM_CV_MAX_PACKET, 0);
    tv = hm_check_var_u64(t, HM_CV_MAX_PACKET, 0);
    hm_check_bytes(sv, a, sizeof a);
    hm_check_bytes(tv, b, sizeof b);
    if (tv >= sv) {
        hm_check_say(out, HM_CHECK_PASS, "max_allowed_packet: target %llu (%s) >= source %llu (%s)",
                     (unsigned long long)tv, b, (unsigned long long)sv, a);
        return;
    }
    hm_check_say(out, HM_CHECK_FAILED, "max_allowed_packet is %llu (%s) on the target, less than the source's "
                 "%llu (%s): a row or statement the source accepted could be refused by the target",
                 (unsigned long long)tv, b, (unsigned long long)sv, a);
    snprintf(v, sizeof v, "%llu", (unsigned long long)sv);
    hm_check_fix_var(out, t, "max_allowed_packet", v);
}

static bool has_mode(const char *list, const char *mode, size_t n)
{
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncasecmp(p, mode, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* Appends to l the modes of a that b lacks. */
static void mode_diff(const char *a, const char *b, hm_check_list *l)
{
    const char *p = a;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && !has_mode(b, p, n))
            hm_check_list_add(l, "%.*s", (int)n, p);
        p = e ? e + 1 : NULL;
    }
}

void hm_check_item_sql_mode(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side, *t = &c->tgt->side;
    const char *sv, *tv;
    hm_check_list only_src, only_tgt;
    char v[2048];
    if (!hm_check_need(out, &s->vars) || !hm_check_need(out, &t->vars))
        return;
    sv = hm_check_var_get(s, HM_CV_SQL_MODE);
    tv = hm_check_var_get(t, HM_CV_SQL_MODE);
    sv = sv ? sv : "";
    tv = tv ? tv : "";
    hm_check_list_init(&only_src);
    hm_check_list_init(&only_tgt);
    mode_diff(sv, tv, &only_src);
    mode_diff(tv, sv, &only_tgt);
    if (only_src.n == 0 && only_tgt.n == 0) {
        hm_check_say(out, HM_CHECK_PASS, "same global sql_mode on both: '%s'", sv);
    } else {
        hm_check_say(out, HM_CHECK_WARNING, "the global sql_mode differs: only the source has [%s], only the "
                     "target has [%s]; hotmig copies under its own session sql_mode, but the application "
                     "will behave differently after the cutover", hm_check_list_str(&only_src),
                     hm_check_list_str(&only_tgt));
        snprintf(v, sizeof v, "'%s'", sv);
        hm_check_fix_var(out, t, "sql_mode", v);
    }
    hm_check_list_release(&only_src);
    hm_check_list_release(&only_tgt);
}

static void connections_item(const hm_check_ctx *c, const hm_check_side *s, hm_check_out *out)
{
    uint64_t max, used, free_, need, margin;
    char v[32];
    if (!hm_check_need(out, &s->vars))
        return;
    max = hm_check_var_u64(s, HM_CV_MAX_CONNECTIONS, 0);
    used = s->threads_connected > 0 ? s->threads_connected - 1 : 0; /* this check's own goes away */
    free_ = max > used ? max - used : 0;
    need = (uint64_t)c->threads + 1 + (c->o->incremental ? 1 : 0);
    margin = max / 10 > 2 ? max / 10 : 2;
    if (free_ < need) {
        hm_check_say(out, HM_CHECK_FAILED, "max_connections=%llu with %llu in use leaves %llu, but the copy "
                     "needs %llu (%u workers, 1 control%s)", (unsigned long long)max,
                     (unsigned long long)used, (unsigned long long)free_, (unsigned long long)need,
                     c->threads, c->o->incremental ? ", 1 binlog stream" : "");
        snprintf(v, sizeof v, "%llu", (unsigned long long)(used + need + margin));
        hm_check_fix_var(out, s, "max_connections", v);
        hm_check_fix(out, "or run the migration with fewer --threads");
        return;
    }
    if (free_ - need < margin) {
        hm_check_say(out, HM_CHECK_WARNING, "max_connections=%llu with %llu in use leaves %llu: the copy's "
                     "%llu connections leave the application fewer than %llu", (unsigned long long)max,
                     (unsigned long long)used, (unsigned long long)free_, (unsigned long long)need,
                     (unsigned long long)margin);
        snprintf(v, sizeof v, "%llu", (unsigned long long)(used + need + margin));
        hm_check_fix_var(out, s, "max_connections", v);
        return;
    }
    hm_check_say(out, HM_CHECK_PASS, "max_connections=%llu, %llu in use: room for the copy's %llu "
                 "connections", (unsigned long long)max, (unsigned long long)used, (unsigned long long)need);
}

void hm_check_item_source_max_connections(const hm_check_ctx *c, hm_check_out *out)
{
    connections_item(c, &c->src->side, out);
}

void hm_check_item_target_max_connections(const hm_check_ctx *c, hm_check_out *out)
{
    connections_item(c, &c->tgt->side, out);
}
