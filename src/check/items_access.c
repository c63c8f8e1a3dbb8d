/*
 * check/items_access.c: can the accounts do what the migration asks of them? See items.h.
 *
 * Source, for every mode: SELECT, SHOW VIEW, TRIGGER and EVENT on each selected database (as
 * copy/privs.c demands, since information_schema silently hides what an account may not see),
 * and the right to read every routine's definition (without it, routines are invisible and would
 * be left out silently, so it is required even when none is visible); RELOAD for the snapshot lock (MariaDB tries a lock-free snapshot
 * first when the binlog is on, so there it is a warning); REPLICATION CLIENT on MySQL for the
 * snapshot's binlog position. For --mode full+incremental also REPLICATION SLAVE and
 * REPLICATION CLIENT, to stream the binlog.
 *
 * Target: on each selected database what creating its objects takes (derived from what is
 * selected), on hotmig_meta what the progress records take, the right to give objects another
 * DEFINER, and, with the target's binlog on, what creating functions and triggers takes.
 */
#include <stdio.h>
#include <string.h>

#include "check/items.h"
#include "db/sqlq.h"

#define MAX_PRIVS 16

typedef struct privset {
    const char *p[MAX_PRIVS];
    size_t n;
} privset;

static void need(privset *s, const char *p)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->p[i], p) == 0)
            return;
    if (s->n < MAX_PRIVS)
        s->p[s->n++] = p;
}

/* "A, B, C" */
static void join(const privset *s, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->n && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "", s->p[i]);
}

static void qdb(const char *db, char *out, size_t n)
{
    hm_buf q;
    hm_buf_init(&q, 1024);
    hm_check_add_qname(&q, db, NULL);
    snprintf(out, n, "%s", q.data ? q.data : "");
    hm_buf_release(&q);
}

/* --- source --- */

static bool routine_access(const hm_check_side *s)
{
    if (hm_check_has_global(s, "SELECT"))
        return true;
    if (s->conn.flavor == HM_FLAVOR_MYSQL)
        return hm_check_has_global(s, "SHOW_ROUTINE") || hm_check_has_table(s, "mysql", "proc", "SELECT");
    return hm_check_has_table(s, "mysql", "proc", "SELECT") || hm_check_has_global(s, "SHOW CREATE ROUTINE");
}

static void routine_grant(const hm_check_side *s, char *out, size_t n)
{
    const hm_conn *c = &s->conn;
    if (c->flavor == HM_FLAVOR_MARIADB && c->version >= 110300)
        snprintf(out, n, "GRANT SHOW CREATE ROUTINE ON *.* TO %s", s->account);
    else if (c->flavor == HM_FLAVOR_MYSQL && c->version >= 80020)
        snprintf(out, n, "GRANT SHOW_ROUTINE ON *.* TO %s", s->account);
    else if (c->flavor == HM_FLAVOR_MYSQL && c->version >= 80000)
        snprintf(out, n, "GRANT SELECT ON *.* TO %s", s->account);
    else
        snprintf(out, n, "GRANT SELECT ON mysql.proc TO %s", s->account);
}

void hm_check_item_source_privileges(const hm_check_ctx *c, hm_check_out *out)
{
    static const char *const per_db[] = {"SELECT", "SHOW VIEW", "TRIGGER", "EVENT"};
    const hm_check_src *src = c->src;
    const hm_check_side *s = &src->side;
    hm_check_list dbs, hidden;
    privset global = {{0}, 0}, missing_global = {{0}, 0};
    char list[256], g[512];
    size_t nsel = 0, nroutines = 0;
    bool mariadb = s->conn.flavor == HM_FLAVOR_MARIADB;
    bool lockfree = mariadb && hm_check_var_on(s, HM_CV_LOG_BIN);

    if (!hm_check_need(out, &s->grants) || !hm_check_need(out, &src->catalog))
        return;
    hm_check_list_init(&dbs);
    hm_check_list_init(&hidden);

    for (size_t i = 0; i < src->nschemas; i++) {
        const hm_check_schema *sc = &src->schemas[i];
        privset miss = {{0}, 0};
        char q[600];
        if (!sc->selected)
            continue;
        nsel++;
        for (size_t p = 0; p < sizeof per_db / sizeof per_db[0]; p++)
            if (!hm_check_has_schema(s, sc->name, per_db[p]))
                need(&miss, per_db[p]);
        if (!miss.n)
            continue;
        if (dbs.n < HM_CHECK_LIST_MAX) {
            /* one clause per database, the first missing privilege named as copy/privs.c does */
            privset rest = {{0}, 0};
            for (size_t k = 1; k < miss.n; k++)
                need(&rest, miss.p[k]);
            join(&rest, list, sizeof list);
            hm_check_say(out, HM_CHECK_FAILED, "the account %s lacks %s on database %s%s%s%s, so some of its "
                         "objects would be invisible and not copied", s->account, miss.p[0], sc->name,
                         rest.n ? " (also missing there: " : "", rest.n ? list : "", rest.n ? ")" : "");
            qdb(sc->name, q, sizeof q);
            hm_check_fix(out, "GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON %s.* TO %s", q, s->account);
        }
        hm_check_list_add(&dbs, "%s", sc->name);
    }
    if (dbs.n > HM_CHECK_LIST_MAX)
        hm_check_say(out, HM_CHECK_FAILED, "databases lacking privileges, in all (%zu): %s", dbs.n,
                     hm_check_list_str(&dbs));

    for (size_t i = 0; i < src->nobjs; i++) {
        const hm_check_obj *o = &src->objs[i];
        if (!o->selected || (o->kind != HM_CK_PROCEDURE && o->kind != HM_CK_FUNCTION))
            continue;
        nroutines++;
        if (o->hidden)
            hm_check_list_add(&hidden, "%s.%s (%s)", o->db, o->name, hm_check_kind_name(o->kind));
    }
    if (hidden.n || !routine_access(s)) {
        routine_grant(s, g, sizeof g);
        if (hidden.n)
            hm_check_say(out, HM_CHECK_FAILED, "selected routines whose definitions are hidden from %s, so that "
                         "they cannot be copied (%zu): %s", s->account, hidden.n, hm_check_list_str(&hidden));
        else
            hm_check_say(out, HM_CHECK_FAILED, "%s cannot read the definitions of routines it did not create, "
                         "and the routines it has no privilege on are invisible to it: they would be left out "
                         "without a word", s->account);
        hm_check_fix(out, "%s", g);
    }

    if (!hm_check_has_global(s, "RELOAD")) {
        if (lockfree)
            hm_check_say(out, HM_CHECK_WARNING, "%s lacks RELOAD: the snapshot is taken without a lock when the "
                         "source is quiet enough, but a busy source needs the BACKUP STAGE lock, which takes "
                         "RELOAD", s->account);
        else
            hm_check_say(out, HM_CHECK_FAILED, "%s lacks RELOAD, which the snapshot lock (%s) takes",
                         s->account, mariadb ? "BACKUP STAGE" : "FLUSH TABLES WITH READ LOCK");
        need(&missing_global, "RELOAD");
    }
    /* global[0] is RELOAD, judged above; the rest are judged alike below */
    need(&global, "RELOAD");
    if (c->o->incremental) {
        need(&global, "REPLICATION SLAVE");
        need(&global, "REPLICATION CLIENT");
    } else if (!mariadb) {
        need(&global, "REPLICATION CLIENT"); /* SHOW MASTER STATUS for the snapshot position */
    }
    for (size_t i = 1; i < global.n; i++) {
        if (hm_check_has_global(s, global.p[i]))
            continue;
        hm_check_say(out, HM_CHECK_FAILED, "%s lacks %s, which %s takes", s->account, global.p[i],
                     strcmp(global.p[i], "REPLICATION SLAVE") == 0
                         ? "streaming the binlog (--mode full+incremental)"
                         : c->o->incremental ? "reading binlog positions (--mode full+incremental)"
                                             : "reading the snapshot's binlog position");
        need(&missing_global, global.p[i]);
    }
    if (missing_global.n) {
        join(&missing_global, list, sizeof list);
        hm_check_fix(out, "GRANT %s ON *.* TO %s", list, s->account);
    }
    if (out->result == HM_CHECK_PASS) {
        join(&global, list, sizeof list);
        hm_check_say(out, HM_CHECK_PASS, "%s has SELECT, SHOW VIEW, TRIGGER and EVENT on every selected "
                     "database (%zu), can read routine definitions (selected routines: %zu), and has %s",
                     s->account, nsel, nroutines, list);
    }
    hm_check_list_release(&dbs);
    hm_check_list_release(&hidden);
}

/* --- target --- */

/* What creating the selected objects of db takes. */
static void db_needs(const hm_check_ctx *c, const char *db, privset *p)
{
    const hm_check_src *s = c->src;
    need(p, "SELECT");
    need(p, "INSERT");
    need(p, "CREATE");
    need(p, "DROP"); /* a resumed copy drops what it created but did not record */
    if (c->o->incremental) {
        need(p, "UPDATE");
        need(p, "DELETE");
    }
    /* which kinds the database holds, then their privileges in one fixed order, so that the
     * message and the GRANT read the same whatever order the objects came in */
    bool view = false, routine = false, trigger = false, event = false;
    for (size_t i = 0; i < s->nobjs; i++) {
        const hm_check_obj *o = &s->objs[i];
        if (!o->selected || strcmp(o->db, db) != 0)
            continue;
        switch (o->kind) {
        case HM_CK_VIEW: view = true; break;
        case HM_CK_PROCEDURE:
        case HM_CK_FUNCTION: routine = true; break;
        case HM_CK_TRIGGER: trigger = true; break;
        case HM_CK_EVENT: event = true; break;
        case HM_CK_TABLE: break;
        }
    }
    if (view)
        need(p, "CREATE VIEW");
    if (routine) {
        need(p, "CREATE ROUTINE");
        need(p, "ALTER ROUTINE");
    }
    if (trigger)
        need(p, "TRIGGER");
    if (event)
        need(p, "EVENT");
    for (size_t i = 0; i < s->nfks; i++) {
        const hm_check_table *t = hm_check_find_table(s, s->fks[i].db, s->fks[i].table);
        if (t && t->selected && strcmp(t->db, db) == 0)
            need(p, "REFERENCES");
    }
}

static void schema_grants(const hm_check_side *t, const char *db, const privset *needs, hm_check_out *out)
{
    privset miss = {{0}, 0};
    char list[256], q[600];
    for (size_t i = 0; i < needs->n; i++)
        if (!hm_check_has_schema(t, db, needs->p[i]))
            need(&miss, needs->p[i]);
    if (!miss.n)
        return;
    join(&miss, list, sizeof list);
    qdb(db, q, sizeof q);
    hm_check_say(out, HM_CHECK_FAILED, "the target account %s lacks %s on database %s", t->account, list, db);
    hm_check_fix(out, "GRANT %s ON %s.* TO %s", list, q, t->account);
}

static const char *set_user_priv(const hm_conn *c)
{
    if (c->flavor == HM_FLAVOR_MARIADB)
        return c->version >= 100502 ? "SET USER" : "SUPER";
    if (c->version >= 80200)
        return "SET_ANY_DEFINER";
    return c->version >= 80000 ? "SET_USER_ID" : "SUPER";
}

void hm_check_item_target_privileges(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const hm_check_side *t = &c->tgt->side;
    privset meta = {{0}, 0};
    hm_check_list others, unsafe;
    size_t nsel = 0, ncreators = 0;
    const char *setuser = set_user_priv(&t->conn);
    bool super = hm_check_has_global(t, "SUPER");

    if (!hm_check_need(out, &t->grants) || !hm_check_need(out, &s->catalog))
        return;
    hm_check_list_init(&others);
    hm_check_list_init(&unsafe);
    for (size_t i = 0; i < s->nschemas; i++) {
        privset p = {{0}, 0};
        if (!s->schemas[i].selected)
            continue;
        nsel++;
        if (nsel > HM_CHECK_LIST_MAX)
            continue; /* the first ones show the pattern; the same GRANT fixes the rest */
        db_needs(c, s->schemas[i].name, &p);
        schema_grants(t, s->schemas[i].name, &p, out);
    }
    need(&meta, "SELECT");
    need(&meta, "INSERT");
    need(&meta, "UPDATE");
    need(&meta, "DELETE");
    need(&meta, "CREATE");
    schema_grants(t, "hotmig_meta", &meta, out);

    for (size_t i = 0; i < s->nobjs; i++) {
        const hm_check_obj *o = &s->objs[i];
        if (!o->selected)
            continue;
        if (o->kind == HM_CK_FUNCTION || o->kind == HM_CK_TRIGGER)
            ncreators++;
        if (o->unsafe_for_binlog)
            hm_check_list_add(&unsafe, "%s.%s", o->db, o->name);
        if (o->definer && *o->definer && strcmp(o->definer, t->user_at_host) != 0)
            hm_check_list_add(&others, "%s.%s (%s, DEFINER %s)", o->db, o->name, hm_check_kind_name(o->kind),
                              o->definer);
    }
    if (others.n && !hm_check_has_global(t, setuser) && !super) {
        hm_check_say(out, HM_CHECK_FAILED, "giving selected objects a DEFINER other than %s takes %s, which it "
                     "lacks (%zu): %s", t->account, setuser, others.n, hm_check_list_str(&others));
        hm_check_fix(out, "GRANT %s ON *.* TO %s", setuser, t->account);
    }
    if (hm_check_var_on(t, HM_CV_LOG_BIN) && !hm_check_var_on(t, HM_CV_TRUST_CREATORS)) {
        if (unsafe.n) {
            hm_check_say(out, HM_CHECK_FAILED, "the target's binlog is on and log_bin_trust_function_creators=OFF, "
                         "so it refuses selected functions that are neither DETERMINISTIC nor NO SQL / "
                         "READS SQL DATA (%zu): %s", unsafe.n, hm_check_list_str(&unsafe));
            hm_check_fix_var(out, t, "log_bin_trust_function_creators", "1");
        } else if (ncreators && !super) {
            hm_check_say(out, HM_CHECK_FAILED, "the target's binlog is on and log_bin_trust_function_creators=OFF, "
                         "so creating the selected functions and triggers (%zu) takes SUPER, which %s lacks",
                         ncreators, t->account);
            hm_check_fix_var(out, t, "log_bin_trust_function_creators", "1");
        }
    }
    if (out->result == HM_CHECK_PASS)
        hm_check_say(out, HM_CHECK_PASS, "%s can create the objects of every selected database (%zu) and "
                     "hotmig_meta%s", t->account, nsel, others.n ? ", with their DEFINERs" : "");
    hm_check_list_release(&others);
    hm_check_list_release(&unsafe);
}
