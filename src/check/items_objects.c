/*
 * check/items_objects.c: items about what is selected and what the target already holds:
 * patterns, conflicts, other objects, capacity, keys, engines, foreign-key closure, collations,
 * time zones, definers, triggers and events. See items.h.
 *
 * Objects are matched by namespace: tables and views share one (a view on the target blocks a
 * table of the same name), procedures, functions, triggers and events have their own. When the
 * target folds names to lower case (lower_case_table_names > 0), names are compared folded.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/items.h"
#include "db/sqlq.h"

/* --- name sets --- */

typedef struct keyset {
    char **v;
    size_t n, cap;
} keyset;

static int ns_of(hm_check_kind k)
{
    return k == HM_CK_VIEW ? HM_CK_TABLE : (int)k;
}

/* "ns\1db\1name", ASCII-folded when fold. NULL on out of memory. */
static char *make_key(int ns, const char *db, const char *name, bool fold)
{
    size_t n = strlen(db) + strlen(name) + 8;
    char *k = malloc(n);
    if (!k)
        return NULL;
    snprintf(k, n, "%d\1%s\1%s", ns, db, name);
    if (fold)
        for (char *p = k; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return k;
}

static bool keyset_add(keyset *s, int ns, const char *db, const char *name, bool fold)
{
    char *k;
    if (!hm_check_grow((void **)&s->v, &s->cap, s->n, sizeof *s->v) || !(k = make_key(ns, db, name, fold)))
        return false;
    s->v[s->n++] = k;
    return true;
}

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keyset_sort(keyset *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, strp_cmp);
}

static bool keyset_has(const keyset *s, int ns, const char *db, const char *name, bool fold)
{
    char *k = make_key(ns, db, name, fold);
    bool hit;
    if (!k)
        return false;
    hit = s->n && bsearch(&k, s->v, s->n, sizeof *s->v, strp_cmp) != NULL;
    free(k);
    return hit;
}

static void keyset_release(keyset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static bool target_folds(const hm_check_ctx *c)
{
    return hm_check_var_u64(&c->tgt->side, HM_CV_LCTN, 0) != 0;
}

/* Every selected source object in a keyset. */
static bool selected_keys(const hm_check_ctx *c, keyset *ks)
{
    const hm_check_src *s = c->src;
    bool fold = target_folds(c);
    for (size_t i = 0; i < s->ntables; i++)
        if (s->tables[i].selected && !keyset_add(ks, HM_CK_TABLE, s->tables[i].db, s->tables[i].name, fold))
            return false;
    for (size_t i = 0; i < s->nobjs; i++)
        if (s->objs[i].selected && !keyset_add(ks, ns_of(s->objs[i].kind), s->objs[i].db, s->objs[i].name, fold))
            return false;
    keyset_sort(ks);
    return true;
}

static bool oom_item(hm_check_out *out)
{
    hm_check_say(out, HM_CHECK_FAILED, "not checked: out of memory");
    return false;
}

uint64_t hm_check_selected_bytes(const hm_check_src *s)
{
    uint64_t b = 0;
    for (size_t i = 0; i < s->ntables; i++)
        if (s->tables[i].selected)
            b += s->tables[i].bytes;
    return b;
}

/* --- selection --- */

void hm_check_item_patterns(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const char *unused;
    size_t nschemas = 0, ntables = 0, nobj[HM_CK_EVENT + 1] = {0};
    char b[32];
    if (!hm_check_need(out, &s->catalog))
        return;
    if ((unused = hm_select_unused(&s->sel)) != NULL) {
        hm_check_say(out, HM_CHECK_FAILED, "--include '%s' matches nothing on source %s; check the database "
                     "and table names (patterns are case-sensitive; a database the account has no privilege "
                     "on is invisible to it)", unused, s->side.conn.addr);
        hm_check_fix(out, "correct or remove --include '%s'", unused);
        return;
    }
    for (size_t i = 0; i < s->nschemas; i++)
        nschemas += s->schemas[i].selected;
    for (size_t i = 0; i < s->ntables; i++)
        ntables += s->tables[i].selected;
    for (size_t i = 0; i < s->nobjs; i++)
        if (s->objs[i].selected)
            nobj[s->objs[i].kind]++;
    if (nschemas == 0) {
        hm_check_say(out, HM_CHECK_FAILED, "source %s has no user database to copy%s", s->side.conn.addr,
                     c->o->n_include || c->o->n_exclude ? " with these --include/--exclude patterns" : "");
        hm_check_fix(out, "name the databases to migrate with --include DB");
        return;
    }
    hm_check_bytes(hm_check_selected_bytes(s), b, sizeof b);
    hm_check_say(out, HM_CHECK_PASS, "selected: databases %zu, tables %zu (%s), views %zu, procedures %zu, "
                 "functions %zu, triggers %zu, events %zu", nschemas, ntables, b, nobj[HM_CK_VIEW],
                 nobj[HM_CK_PROCEDURE], nobj[HM_CK_FUNCTION], nobj[HM_CK_TRIGGER], nobj[HM_CK_EVENT]);
}

/* --- what the target holds --- */

static const char *drop_kind(hm_check_kind k)
{
    return k == HM_CK_TABLE ? "TABLE" : hm_check_kind_name(k);
}

void hm_check_item_conflicts(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_tgt *t = c->tgt;
    keyset sel = {0};
    hm_check_list names, drops, excl;
    bool fold = target_folds(c);
    size_t nsel = 0;
    if (!hm_check_need(out, &c->src->catalog) || !hm_check_need(out, &t->objects))
        return;
    if (!selected_keys(c, &sel)) {
        keyset_release(&sel);
        (void)oom_item(out);
        return;
    }
    nsel = sel.n;
    hm_check_list_init(&names);
    hm_check_stmts_init(&drops);
    hm_check_opts_init(&excl);
    for (size_t i = 0; i < t->nobjs; i++) {
        const hm_check_tobj *o = &t->objs[i];
        hm_buf q;
        if (!keyset_has(&sel, ns_of(o->kind), o->db, o->name, fold))
            continue;
        hm_check_list_add(&names, "%s.%s%s%s%s", o->db, o->name, o->kind != HM_CK_TABLE ? " (" : "",
                          o->kind != HM_CK_TABLE ? hm_check_kind_name(o->kind) : "",
                          o->kind != HM_CK_TABLE ? ")" : "");
        hm_buf_init(&q, 2048);
        hm_check_add_qname(&q, o->db, o->name);
        hm_check_list_add(&drops, "DROP %s %s", drop_kind(o->kind), q.data ? q.data : "");
        hm_buf_release(&q);
        if (o->kind != HM_CK_TRIGGER)
            hm_check_list_add(&excl, "--exclude '%s.%s'", o->db, o->name);
    }
    if (names.n == 0) {
        hm_check_say(out, HM_CHECK_PASS, "the target holds none of the selected objects (%zu)", nsel);
    } else if (t->run_exists) {
        hm_check_say(out, HM_CHECK_WARNING, "target %s already holds %zu of the objects to migrate: %s; they "
                     "belong to an earlier hotmig run (hotmig_meta.copy_run is '%s'): hotmig migrate with the "
                     "same --include/--exclude resumes or finishes it, and refuses another selection",
                     t->side.conn.addr, names.n, hm_check_list_str(&names), t->run_state);
        hm_check_fix(out, "to start over instead, on the target: %s; DROP DATABASE `hotmig_meta`",
                     hm_check_list_str(&drops));
    } else {
        hm_check_say(out, HM_CHECK_FAILED, "target %s already holds %zu of the objects to migrate: %s",
                     t->side.conn.addr, names.n, hm_check_list_str(&names));
        hm_check_fix(out, "on the target: %s", hm_check_list_str(&drops));
        if (excl.n)
            hm_check_fix(out, "or leave them out: %s", hm_check_list_str(&excl));
    }
    hm_check_list_release(&names);
    hm_check_list_release(&drops);
    hm_check_list_release(&excl);
    keyset_release(&sel);
}

void hm_check_item_other_objects(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const hm_check_tgt *t = c->tgt;
    keyset sel = {0}, dbs = {0};
    hm_check_list other, existing, drops;
    bool fold = target_folds(c);
    if (!hm_check_need(out, &s->catalog) || !hm_check_need(out, &t->objects))
        return;
    if (!selected_keys(c, &sel)) {
        keyset_release(&sel);
        (void)oom_item(out);
        return;
    }
    for (size_t j = 0; j < s->nschemas; j++)
        if (s->schemas[j].selected && !keyset_add(&dbs, 0, s->schemas[j].name, "", fold)) {
            keyset_release(&sel);
            keyset_release(&dbs);
            (void)oom_item(out);
            return;
        }
    keyset_sort(&dbs);
    hm_check_list_init(&other);
    hm_check_list_init(&existing);
    hm_check_stmts_init(&drops);
    for (size_t i = 0; i < t->nschemas; i++) {
        if (keyset_has(&dbs, 0, t->schemas[i], "", fold)) {
            hm_check_list_add(&existing, "%s", t->schemas[i]);
        } else {
            hm_buf q;
            hm_check_list_add(&other, "database %s", t->schemas[i]);
            hm_buf_init(&q, 1024);
            hm_check_add_qname(&q, t->schemas[i], NULL);
            hm_check_list_add(&drops, "DROP DATABASE %s", q.data ? q.data : "");
            hm_buf_release(&q);
        }
    }
    for (size_t i = 0; i < t->nobjs; i++) {
        const hm_check_tobj *o = &t->objs[i];
        /* objects of other databases are counted with their database; conflicts are the other item's */
        if (!keyset_has(&dbs, 0, o->db, "", fold) || keyset_has(&sel, ns_of(o->kind), o->db, o->name, fold))
            continue;
        hm_check_list_add(&other, "%s.%s (%s)", o->db, o->name, hm_check_kind_name(o->kind));
    }
    if (other.n == 0 && existing.n == 0) {
        hm_check_say(out, HM_CHECK_PASS, "the target holds no other database or object");
    } else {
        if (existing.n)
            hm_check_say(out, HM_CHECK_WARNING, "databases to migrate already exist on the target: %s (hotmig "
                         "adds to them and keeps their default character set)", hm_check_list_str(&existing));
        if (other.n)
            hm_check_say(out, HM_CHECK_WARNING, "the target also holds what hotmig leaves alone (%zu): %s",
                         other.n, hm_check_list_str(&other));
        hm_check_fix(out, "nothing to do if they belong there%s%s", drops.n ? "; leftovers can go with: " : "",
                     drops.n ? hm_check_list_str(&drops) : "");
    }
    hm_check_list_release(&other);
    hm_check_list_release(&existing);
    hm_check_list_release(&drops);
    keyset_release(&sel);
    keyset_release(&dbs);
}

void hm_check_item_capacity(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_tgt *t = c->tgt;
    uint64_t need, cap;
    char nb[32], cb[32], where[400], more[32];
    if (!hm_check_need(out, &c->src->catalog))
        return;
    need = hm_check_selected_bytes(c->src);
    hm_check_bytes(need, nb, sizeof nb);
    if (c->o->target_capacity) {
        cap = c->o->target_capacity;
        snprintf(where, sizeof where, "--target-capacity");
    } else if (t->disk_known) {
        cap = t->disk_free;
        snprintf(where, sizeof where, "free on %s, the target's data directory file system "
                                      "(information_schema.DISKS)", t->disk_path);
    } else {
        hm_check_say(out, HM_CHECK_WARNING, "the selected tables take %s (data and indexes, %llu bytes), and "
                     "the target's free space is unknown: --target-capacity was not given and the target "
                     "does not report it (information_schema.DISKS is not installed)", nb,
                     (unsigned long long)need);
        hm_check_fix(out, "pass --target-capacity BYTES (the free space of the target's data directory), or "
                          "on the target: INSTALL SONAME 'disks'");
        return;
    }
    hm_check_bytes(cap, cb, sizeof cb);
    if (cap < need) {
        hm_check_bytes(need - cap, more, sizeof more);
        hm_check_say(out, HM_CHECK_FAILED, "the selected tables take %s (%llu bytes) but the target has %s "
                     "(%llu bytes, %s)", nb, (unsigned long long)need, cb, (unsigned long long)cap, where);
        hm_check_fix(out, "free at least %s more on the target's data directory (or give it a larger volume), "
                          "or leave tables out with --exclude", more);
        return;
    }
    if (cap - need < need / 4) {
        hm_check_say(out, HM_CHECK_WARNING, "the selected tables take %s (%llu bytes) and the target has %s "
                     "(%llu bytes, %s): less than 25%% to spare for the target's binlog, temporary files "
                     "and growth", nb, (unsigned long long)need, cb, (unsigned long long)cap, where);
        hm_check_fix(out, "give the target's data directory more room before the migration");
        return;
    }
    hm_check_say(out, HM_CHECK_PASS, "the selected tables take %s (%llu bytes); the target has %s (%llu bytes, "
                 "%s)", nb, (unsigned long long)need, cb, (unsigned long long)cap, where);
}

/* --- the selection's own shape --- */

void hm_check_item_no_key(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    hm_check_list names, fixes;
    if (!hm_check_need(out, &s->catalog))
        return;
    hm_check_list_init(&names);
    hm_check_stmts_init(&fixes);
    for (size_t i = 0; i < s->ntables; i++) {
        const hm_check_table *t = &s->tables[i];
        hm_buf q;
        if (!t->selected || t->keyed)
            continue;
        hm_check_list_add(&names, "%s.%s", t->db, t->name);
        hm_buf_init(&q, 2048);
        hm_check_add_qname(&q, t->db, t->name);
        hm_check_list_add(&fixes, "ALTER TABLE %s ADD PRIMARY KEY (columns that identify a row)",
                          q.data ? q.data : "");
        hm_buf_release(&q);
    }
    if (names.n == 0) {
        hm_check_say(out, HM_CHECK_PASS, "every selected table has a primary key or a NOT NULL unique key");
    } else {
        hm_check_say(out, HM_CHECK_WARNING, "selected tables without a primary key or a NOT NULL unique key are "
                     "copied as one stream (an interrupted copy starts them over), and each change to them "
                     "during the sync must be matched on all columns (%zu): %s", names.n,
                     hm_check_list_str(&names));
        hm_check_fix(out, "%s", hm_check_list_str(&fixes));
    }
    hm_check_list_release(&names);
    hm_check_list_release(&fixes);
}

void hm_check_item_non_innodb(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    hm_check_list names, fixes;
    if (!hm_check_need(out, &s->catalog))
        return;
    hm_check_list_init(&names);
    hm_check_stmts_init(&fixes);
    for (size_t i = 0; i < s->ntables; i++) {
        const hm_check_table *t = &s->tables[i];
        hm_buf q;
        if (!t->selected || strcasecmp(t->engine, "InnoDB") == 0)
            continue;
        hm_check_list_add(&names, "%s.%s (%s)", t->db, t->name, t->engine[0] ? t->engine : "unknown engine");
        hm_buf_init(&q, 2048);
        hm_check_add_qname(&q, t->db, t->name);
        hm_check_list_add(&fixes, "ALTER TABLE %s ENGINE=InnoDB", q.data ? q.data : "");
        hm_buf_release(&q);
    }
    if (names.n == 0) {
        hm_check_say(out, HM_CHECK_PASS, "every selected table is InnoDB");
    } else {
        hm_check_say(out, HM_CHECK_WARNING, "selected tables that are not InnoDB are not covered by the "
                     "consistent snapshot: rows written to them during the copy may be copied inconsistently "
                     "(%zu): %s", names.n, hm_check_list_str(&names));
        hm_check_fix(out, "on the source: %s; or keep them unwritten during the copy", hm_check_list_str(&fixes));
    }
    hm_check_list_release(&names);
    hm_check_list_release(&fixes);
}

void hm_check_item_fk_closure(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    hm_check_list missing, incl;
    keyset seen = {0};
    size_t nfk = 0;
    if (!hm_check_need(out, &s->catalog))
        return;
    hm_check_list_init(&missing);
    hm_check_opts_init(&incl);
    for (size_t i = 0; i < s->nfks; i++) {
        const hm_check_fk *f = &s->fks[i];
        const hm_check_table *child = hm_check_find_table(s, f->db, f->table);
        const hm_check_table *parent;
        if (!child || !child->selected)
            continue;
        nfk++;
        parent = hm_check_find_table(s, f->pdb, f->ptable);
        if (parent && parent->selected)
            continue;
        hm_check_list_add(&missing, "%s.%s -> %s.%s (%s%s)", f->db, f->table, f->pdb, f->ptable, f->name,
                          parent ? "" : ", parent missing on the source");
        if (!keyset_has(&seen, 0, f->pdb, f->ptable, false)) {
            if (!keyset_add(&seen, 0, f->pdb, f->ptable, false)) {
                (void)oom_item(out);
                goto out;
            }
            keyset_sort(&seen);
            hm_check_list_add(&incl, "--include '%s.%s'", f->pdb, f->ptable);
        }
    }
    if (missing.n == 0 && nfk == 0)
        hm_check_say(out, HM_CHECK_PASS, "the selected tables have no foreign keys");
    else if (missing.n == 0)
        hm_check_say(out, HM_CHECK_PASS, "the parent of every foreign key of the selected tables is selected "
                     "(foreign keys: %zu)", nfk);
    else {
        hm_check_say(out, HM_CHECK_FAILED, "foreign keys of selected tables reference tables that are not "
                     "selected, so the target would hold rows whose parents are missing (%zu): %s", missing.n,
                     hm_check_list_str(&missing));
        hm_check_fix(out, "add the parents: %s; or --exclude the child tables", hm_check_list_str(&incl));
    }
out:
    hm_check_list_release(&missing);
    hm_check_list_release(&incl);
    keyset_release(&seen);
}

/* --- collations --- */

/* MySQL 5.7 names utf8mb3 "utf8"; newer servers answer to both spellings. */
static bool target_has_coll(const hm_check_tgt *t, const char *coll)
{
    char alt[256];
    const char *k = coll;
    if (t->ncolls && bsearch(&k, t->colls, t->ncolls, sizeof *t->colls, strp_cmp))
        return true;
    if (strncmp(coll, "utf8_", 5) == 0)
        snprintf(alt, sizeof alt, "utf8mb3_%s", coll + 5);
    else if (strncmp(coll, "utf8mb3_", 8) == 0)
        snprintf(alt, sizeof alt, "utf8_%s", coll + 8);
    else
        return false;
    k = alt;
    return t->ncolls && bsearch(&k, t->colls, t->ncolls, sizeof *t->colls, strp_cmp) != NULL;
}

/* The character set of a collation name (the part before the first '_'), and the target's
 * default collation for it, or utf8mb4's when the target lacks the set. */
static void replacement(const hm_check_tgt *t, const char *coll, char *cs, size_t cssz, const char **dflt)
{
    const char *u = strchr(coll, '_');
    snprintf(cs, cssz, "%.*s", (int)(u ? (size_t)(u - coll) : strlen(coll)), coll);
    *dflt = NULL;
    for (int pass = 0; pass < 2 && !*dflt; pass++) {
        for (size_t i = 0; i < t->ncharsets && !*dflt; i++)
            if (strcmp(t->charsets[i].name, cs) == 0)
                *dflt = t->charsets[i].default_collation;
        if (!*dflt)
            snprintf(cs, cssz, "utf8mb4");
    }
    if (!*dflt)
        *dflt = "utf8mb4_general_ci";
}

void hm_check_item_charsets(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const hm_check_tgt *t = c->tgt;
    hm_check_list missing, fixes;
    keyset seen = {0}, fixed = {0};
    size_t nused = 0;
    char cs[64];
    const char *dflt;
    if (!hm_check_need(out, &s->catalog) || !hm_check_need(out, &t->collations))
        return;
    hm_check_list_init(&missing);
    hm_check_stmts_init(&fixes);

#define USE(coll, what_fmt, ...)                                                                \
    do {                                                                                         \
        const char *c_ = (coll);                                                                 \
        if (!c_ || !*c_)                                                                         \
            break;                                                                               \
        if (!keyset_has(&seen, 0, c_, "", false)) {                                              \
            if (!keyset_add(&seen, 0, c_, "", false))                                            \
                goto nomem;                                                                      \
            keyset_sort(&seen);                                                                  \
            nused++;                                                                             \
        }                                                                                        \
        if (target_has_coll(t, c_))                                                              \
            break;                                                                               \
        hm_check_list_add(&missing, "%s (" what_fmt ")", c_, __VA_ARGS__);                       \
    } while (0)

    for (size_t i = 0; i < s->nschemas; i++) {
        const hm_check_schema *sc = &s->schemas[i];
        if (!sc->selected)
            continue;
        USE(sc->collation, "database %s", sc->name);
        if (sc->collation && !target_has_coll(t, sc->collation)) {
            hm_buf q;
            hm_buf_init(&q, 1024);
            hm_check_add_qname(&q, sc->name, NULL);
            replacement(t, sc->collation, cs, sizeof cs, &dflt);
            hm_check_list_add(&fixes, "ALTER DATABASE %s CHARACTER SET %s COLLATE %s", q.data ? q.data : "",
                              cs, dflt);
            hm_buf_release(&q);
        }
    }
    for (size_t i = 0; i < s->ntables; i++) {
        const hm_check_table *tb = &s->tables[i];
        if (tb->selected)
            USE(tb->collation, "table %s.%s", tb->db, tb->name);
    }
    for (size_t i = 0; i < s->ncolls; i++) {
        const hm_check_colluse *u = &s->colls[i];
        USE(u->collation, "columns of %s.%s", u->db, u->table);
    }
    /* every table using a missing collation, itself or in a column, gets one CONVERT */
    for (size_t pass = 0; pass < 2; pass++) {
        size_t n = pass == 0 ? s->ntables : s->ncolls;
        for (size_t i = 0; i < n; i++) {
            const char *db = pass == 0 ? s->tables[i].db : s->colls[i].db;
            const char *tn = pass == 0 ? s->tables[i].name : s->colls[i].table;
            const char *coll = pass == 0 ? s->tables[i].collation : s->colls[i].collation;
            hm_buf q;
            if ((pass == 0 && !s->tables[i].selected) || !coll || target_has_coll(t, coll) ||
                keyset_has(&fixed, 0, db, tn, false))
                continue;
            if (!keyset_add(&fixed, 0, db, tn, false))
                goto nomem;
            keyset_sort(&fixed);
            replacement(t, coll, cs, sizeof cs, &dflt);
            hm_buf_init(&q, 2048);
            hm_check_add_qname(&q, db, tn);
            hm_check_list_add(&fixes, "ALTER TABLE %s CONVERT TO CHARACTER SET %s COLLATE %s", q.data ? q.data : "",
                              cs, dflt);
            hm_buf_release(&q);
        }
    }
    for (size_t i = 0; i < s->nobjs; i++) {
        const hm_check_obj *o = &s->objs[i];
        if (!o->selected)
            continue;
        USE(o->coll_conn, "%s %s.%s, collation_connection", hm_check_kind_name(o->kind), o->db, o->name);
        USE(o->db_coll, "%s %s.%s, database collation", hm_check_kind_name(o->kind), o->db, o->name);
    }
#undef USE
    if (missing.n == 0) {
        hm_check_say(out, HM_CHECK_PASS, "the target knows every collation the selection uses (%zu)", nused);
    } else {
        hm_check_say(out, HM_CHECK_FAILED, "the target does not know these collations the selection uses "
                     "(%zu): %s", missing.n, hm_check_list_str(&missing));
        if (fixes.n)
            hm_check_fix(out, "on the source, move them to a collation the target knows: %s",
                         hm_check_list_str(&fixes));
        hm_check_fix(out, "or migrate to a target version that has these collations; views, routines, "
                          "triggers and events are recreated under their own character_set_client and "
                          "collation_connection");
    }
    goto out;
nomem:
    (void)oom_item(out);
out:
    hm_check_list_release(&missing);
    hm_check_list_release(&fixes);
    keyset_release(&seen);
    keyset_release(&fixed);
}

/* --- time zones --- */

void hm_check_item_time_zones(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const hm_check_tgt *t = c->tgt;
    const char *load = t->side.conn.flavor == HM_FLAVOR_MARIADB
                           ? "mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb -u root mysql"
                           : "mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -u root mysql";
    if (!hm_check_need(out, &s->catalog) || !hm_check_need(out, &t->zones))
        return;
    if (t->nzones_missing) {
        hm_check_say(out, HM_CHECK_FAILED, "the source uses named time zones the target does not know (its "
                     "time zone tables are %s): %s", t->tz_rows == 0 ? "empty" : "missing them",
                     t->zones_missing);
        hm_check_fix(out, "load the time zone tables on the target (as a shell command on its host): %s", load);
        return;
    }
    if (s->tz_rows > 0 && t->tz_rows == 0) {
        hm_check_say(out, HM_CHECK_WARNING, "the source has time zone tables (%ld zone names) and the target "
                     "none: CONVERT_TZ() and SET time_zone with a zone name fail on the target", s->tz_rows);
        hm_check_fix(out, "load them on the target (as a shell command on its host): %s", load);
        return;
    }
    hm_check_say(out, HM_CHECK_PASS, "%s", t->tz_rows > 0 || s->tz_rows > 0
                                               ? "the named time zones in use are known to the target"
                                               : "no named time zone in use (the global time_zone and the "
                                                 "events' time zones are SYSTEM or offsets)");
}

/* --- definers --- */

static bool target_has_account(const hm_check_tgt *t, const char *definer)
{
    char k[600];
    const char *p = k;
    /* a role definer (MariaDB) has no host: its mysql.user row has Host '' */
    snprintf(k, sizeof k, "%s%s", definer, strchr(definer, '@') ? "" : "@");
    return t->naccounts && bsearch(&p, t->accounts, t->naccounts, sizeof *t->accounts, strp_cmp) != NULL;
}

/* 'user'@'host' from user@host. */
static void quote_definer(const char *d, char *out, size_t n)
{
    const char *at = strrchr(d, '@');
    if (at)
        snprintf(out, n, "'%.*s'@'%s'", (int)(at - d), d, at + 1);
    else
        snprintf(out, n, "'%s'", d);
}

void hm_check_item_definers(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const hm_check_tgt *t = c->tgt;
    hm_check_list missing, objs, fixes;
    keyset seen = {0};
    if (!hm_check_need(out, &s->catalog))
        return;
    if (!t->users.ok) {
        hm_check_say(out, HM_CHECK_WARNING, "not checked: the target account cannot read mysql.user (%s)",
                     t->users.err.msg);
        hm_check_fix(out, "on the target: GRANT SELECT ON mysql.user TO %s; or check with an account that can",
                     t->side.account);
        return;
    }
    hm_check_list_init(&missing);
    hm_check_list_init(&objs);
    hm_check_stmts_init(&fixes);
    for (size_t i = 0; i < s->nobjs; i++) {
        const hm_check_obj *o = &s->objs[i];
        char q[600];
        if (!o->selected || !o->definer || !*o->definer || target_has_account(t, o->definer))
            continue;
        hm_check_list_add(&objs, "%s.%s (%s)", o->db, o->name, hm_check_kind_name(o->kind));
        if (keyset_has(&seen, 0, o->definer, "", false))
            continue;
        if (!keyset_add(&seen, 0, o->definer, "", false)) {
            (void)oom_item(out);
            goto out;
        }
        keyset_sort(&seen);
        quote_definer(o->definer, q, sizeof q);
        hm_check_list_add(&missing, "%s", q);
        hm_check_list_add(&fixes, "CREATE USER %s IDENTIFIED BY 'password'; then the grants SHOW GRANTS FOR %s "
                                  "lists on the source", q, q);
    }
    if (missing.n == 0) {
        hm_check_say(out, HM_CHECK_PASS, "every DEFINER of the selected views, routines, triggers and events "
                     "exists on the target");
    } else {
        hm_check_say(out, HM_CHECK_WARNING, "DEFINER accounts missing on the target (%zu): %s; the objects "
                     "they define are created but fail when used (views and routines with SQL SECURITY "
                     "DEFINER, every trigger and event): %s", missing.n, hm_check_list_str(&missing),
                     hm_check_list_str(&objs));
        hm_check_fix(out, "on the target: %s", hm_check_list_str(&fixes));
    }
out:
    hm_check_list_release(&missing);
    hm_check_list_release(&objs);
    hm_check_list_release(&fixes);
    keyset_release(&seen);
}

/* --- triggers and events that would run twice --- */

void hm_check_item_triggers_events(const hm_check_ctx *c, hm_check_out *out)
{
    const hm_check_src *s = c->src;
    const hm_check_tgt *t = c->tgt;
    hm_check_list trg, trgfix, evt;
    bool scheduler;
    if (!hm_check_need(out, &s->catalog) || !hm_check_need(out, &t->side.vars))
        return;
    scheduler = hm_check_var_on(&t->side, HM_CV_EVENT_SCHEDULER);
    hm_check_list_init(&trg);
    hm_check_stmts_init(&trgfix);
    hm_check_list_init(&evt);
    for (size_t i = 0; i < s->nobjs; i++) {
        const hm_check_obj *o = &s->objs[i];
        if (!o->selected)
            continue;
        if (o->kind == HM_CK_TRIGGER && c->o->incremental) {
            hm_buf q;
            hm_check_list_add(&trg, "%s.%s (on %s)", o->db, o->name, o->table);
            hm_buf_init(&q, 2048);
            hm_check_add_qname(&q, o->db, o->name);
            hm_check_list_add(&trgfix, "DROP TRIGGER %s", q.data ? q.data : "");
            hm_buf_release(&q);
        }
        if (o->kind == HM_CK_EVENT && o->enabled && scheduler)
            hm_check_list_add(&evt, "%s.%s", o->db, o->name);
    }
    if (trg.n) {
        hm_check_say(out, HM_CHECK_WARNING, "triggers that would fire a second time on the target during the "
                     "sync, on rows whose trigger effects the source's binlog already carries (%zu): %s", trg.n,
                     hm_check_list_str(&trg));
        hm_check_fix(out, "on the target, once the copy has created them: %s; create them again at the "
                          "cutover from SHOW CREATE TRIGGER on the source", hm_check_list_str(&trgfix));
    }
    if (evt.n) {
        hm_check_say(out, HM_CHECK_WARNING, "enabled events that would run on the target as well as on the "
                     "source once created, as the target's event_scheduler is ON (%zu): %s", evt.n,
                     hm_check_list_str(&evt));
        hm_check_fix(out, "on the target until the cutover: SET GLOBAL event_scheduler=OFF");
    }
    if (!trg.n && !evt.n)
        hm_check_say(out, HM_CHECK_PASS, "no selected trigger or event would run twice%s",
                     c->o->incremental ? "" : " (no sync in --mode full; triggers are created after the data)");
    hm_check_list_release(&trg);
    hm_check_list_release(&trgfix);
    hm_check_list_release(&evt);
}
