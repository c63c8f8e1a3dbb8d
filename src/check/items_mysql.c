/*
 * check/items_mysql.c: items about what MySQL 8 and 9 sources write that MariaDB sources do not:
 * partial JSON updates (binlog_row_value_options), the optional table-map metadata
 * (binlog_row_metadata, MariaDB 10.5+ has it too) and VECTOR columns (MySQL 9), which the target
 * must be able to hold. See items.h. (binlog_transaction_compression, gtid_mode and
 * enforce_gtid_consistency are judged in items_server.c.)
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check/items.h"

void hm_check_item_row_value_options(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    const char *v;
    if (!hm_check_need(out, &s->vars))
        return;
    v = hm_check_var_get(s, HM_CV_ROW_VALUE_OPTIONS);
    if (s->conn.flavor == HM_FLAVOR_MARIADB || !v) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_row_value_options is not a setting of this source (%s): JSON "
                     "updates are logged as whole values", s->conn.version_str);
        return;
    }
    if (strcasestr(v, "PARTIAL_JSON")) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_row_value_options=PARTIAL_JSON: updates of part of a JSON "
                     "document are logged as diffs (PARTIAL_UPDATE_ROWS); hotmig applies them on the target "
                     "with JSON_REPLACE, JSON_INSERT, JSON_ARRAY_INSERT and JSON_REMOVE in the same "
                     "transaction as the other changes");
        return;
    }
    hm_check_say(out, HM_CHECK_PASS, "binlog_row_value_options='%s': JSON updates are logged as whole "
                 "documents", v);
}

void hm_check_item_row_metadata(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_side *s = &c->src->side;
    const char *v;
    if (!hm_check_need(out, &s->vars))
        return;
    v = hm_check_var_get(s, HM_CV_ROW_METADATA);
    if (!v) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_row_metadata is not a setting of this source (%s): hotmig "
                     "matches the columns of each row event to the target's by position and type",
                     s->conn.version_str);
        return;
    }
    if (strcasecmp(v, "FULL") == 0) {
        hm_check_say(out, HM_CHECK_PASS, "binlog_row_metadata=FULL: column names, signedness and character "
                     "sets come with each table map, and hotmig checks the names against the target's");
        return;
    }
    /* the default (MySQL MINIMAL, MariaDB NO_LOG): DDL reaches the target in binlog order, so
     * position and type suffice; names are a second check, not a need */
    hm_check_say(out, HM_CHECK_PASS, "binlog_row_metadata=%s: the binlog does not name the columns; "
                 "hotmig matches them to the target's by position and type (with FULL it checks the names "
                 "too: SET %s binlog_row_metadata=FULL)", v, hm_check_can_persist(s) ? "PERSIST" : "GLOBAL");
}

/* MySQL 9.0+ and MariaDB 11.7+ have the VECTOR type. */
static bool has_vector(const hm_conn *c)
{
    return c->flavor == HM_FLAVOR_MARIADB ? c->version >= 110700 : c->version >= 90000;
}

void hm_check_item_vector(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const hm_check_side *t = &c->tgt->side;
    hm_check_list cols, ex;
    if (!hm_check_need(out, &s->catalog))
        return;
    if (s->nvectors == 0) {
        hm_check_say(out, HM_CHECK_PASS, "no VECTOR columns in the selection");
        return;
    }
    if (!hm_check_need(out, &t->connect))
        return;
    hm_check_list_init(&cols);
    hm_check_opts_init(&ex);
    for (size_t i = 0; i < s->nvectors; i++) {
        const hm_check_colluse *v = &s->vectors[i];
        hm_check_list_add(&cols, "%s.%s.%s", v->db, v->table, v->collation);
        if (i == 0 || strcmp(v->db, s->vectors[i - 1].db) != 0 ||
            strcmp(v->table, s->vectors[i - 1].table) != 0)
            hm_check_list_add(&ex, "--exclude %s.%s", v->db, v->table);
    }
    if (has_vector(&t->conn)) {
        hm_check_say(out, HM_CHECK_PASS, "%zu VECTOR column%s (%s): the target (%s) has the type; values are "
                     "copied and applied as their bytes", cols.n, cols.n == 1 ? "" : "s",
                     hm_check_list_str(&cols), t->conn.version_str);
    } else {
        hm_check_say(out, HM_CHECK_FAILED, "%zu VECTOR column%s (%s), a MySQL 9 type that the target (%s %s) "
                     "does not have: creating those tables there would fail", cols.n, cols.n == 1 ? "" : "s",
                     hm_check_list_str(&cols), t->conn.flavor == HM_FLAVOR_MARIADB ? "MariaDB" : "MySQL",
                     t->conn.version_str);
        hm_check_fix(out, "use a target that has VECTOR (MySQL 9.0 or later, MariaDB 11.7 or later), or leave "
                          "those tables out: %s", hm_check_list_str(&ex));
    }
    hm_check_list_release(&cols);
    hm_check_list_release(&ex);
}

/* XA transactions prepared on the source when the migration starts: their changes are in no
 * snapshot, and their XA COMMIT would come later without them (sync stops then). */
void hm_check_item_xa_prepared(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    if (s->xa_prepared < 0) {
        hm_check_say(out, HM_CHECK_WARNING, "not checked: XA RECOVER failed (%s); an XA transaction "
                     "prepared on the source before the migration starts and committed during it stops "
                     "the incremental phase", s->xa_err.msg);
        hm_check_fix(out, "on the source: %s", s->side.conn.flavor == HM_FLAVOR_MARIADB
                                                   ? "GRANT SUPER ON *.* TO the migration account"
                                                   : "GRANT XA_RECOVER_ADMIN ON *.* TO the migration account");
        return;
    }
    if (s->xa_prepared == 0) {
        hm_check_say(out, HM_CHECK_PASS, "no XA transaction is prepared on the source; those prepared "
                     "during the migration are prepared on the target too and follow the source's "
                     "XA COMMIT or XA ROLLBACK");
        return;
    }
    hm_check_say(out, HM_CHECK_WARNING, "%ld XA transaction%s prepared on the source (%s): %s changes are in "
                 "no snapshot, so if the source commits %s while hotmig follows it, the incremental phase "
                 "stops", s->xa_prepared, s->xa_prepared == 1 ? " is" : "s are", s->xa_xids ? s->xa_xids : "?",
                 s->xa_prepared == 1 ? "its" : "their", s->xa_prepared == 1 ? "it" : "one");
    hm_check_fix(out, "before the migration starts, have the application (or its transaction manager) "
                      "commit or roll them back on the source: XA COMMIT 'xid' or XA ROLLBACK 'xid' (XA "
                      "RECOVER lists them)");
}
