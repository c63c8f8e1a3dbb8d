/*
 * verify/chunk.c: one chunk compared on both servers, and narrowed to rows (see chunk.h). Owns,
 * for the duration of a call, the results and the piece's hash table.
 */
#include "verify/chunk.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy/keylit.h"
#include "db/sqlq.h"
#include "util/err.h"

#define NARROW_ROWS 10000   /* source rows held in memory at once while narrowing */
#define SHOWN_KEYLESS 50    /* keyless differences shown with their values (each costs a scan) */
#define HASH_LEN 16

static hm_code oom(hm_err *err)
{
    return hm_err_set(err, HM_ENOMEM, "out of memory comparing rows");
}

/* Sends qa on a and qb on b, then reads both results, so both servers work at once.
 * *ra / *rb: stored (use == false) or streaming (use == true) results, owned by the caller. */
static hm_code both(hm_conn *a, const hm_buf *qa, hm_conn *b, const hm_buf *qb, bool use, MYSQL_RES **ra,
                    MYSQL_RES **rb, hm_err *err)
{
    bool sa, sb, oka = false, okb = false;
    *ra = *rb = NULL;
    sa = mysql_send_query(a->my, qa->data, (unsigned long)qa->len) == 0;
    sb = sa && mysql_send_query(b->my, qb->data, (unsigned long)qb->len) == 0;
    if (sa)
        oka = mysql_read_query_result(a->my) == 0 && (*ra = use ? mysql_use_result(a->my)
                                                                 : mysql_store_result(a->my)) != NULL;
    if (sb)
        okb = mysql_read_query_result(b->my) == 0 && (*rb = use ? mysql_use_result(b->my)
                                                                 : mysql_store_result(b->my)) != NULL;
    if (oka && okb)
        return HM_OK;
    if (*ra) {
        mysql_free_result(*ra);
        *ra = NULL;
    }
    if (*rb) {
        mysql_free_result(*rb);
        *rb = NULL;
    }
    return !oka ? hm_conn_fail(a, "comparing rows", err) : hm_conn_fail(b, "comparing rows", err);
}

/* SELECT <what> FROM t [FORCE INDEX (key)] [WHERE where] */
static hm_code select_from(hm_buf *q, const hm_table *t, const char *where)
{
    hm_code rc = hm_buf_adds(q, " FROM ");
    if (rc == HM_OK)
        rc = hm_sqlq_table(q, t->db, t->name);
    if (rc == HM_OK && where && t->key_name) {
        rc = hm_buf_adds(q, " FORCE INDEX (");
        if (rc == HM_OK) rc = hm_sqlq_ident(q, t->key_name);
        if (rc == HM_OK) rc = hm_buf_addc(q, ')');
    }
    if (rc == HM_OK && where)
        rc = hm_buf_addf(q, " WHERE %s", where);
    return rc;
}

static hm_code sum_query(hm_buf *q, const hm_verify_tctx *x, const hm_verify_dialect *d, const char *where)
{
    hm_code rc = hm_buf_adds(q, "SELECT ");
    if (rc == HM_OK)
        rc = x->t->nkey ? hm_verify_canon_agg(q, x->t, &x->cols, d, x->sep, x->null_tok)
                        : hm_verify_canon_sum(q, x->t, &x->cols, d);
    return rc == HM_OK ? select_from(q, x->t, where) : rc;
}

static void read_sum(MYSQL_RES *res, hm_verify_sum *s)
{
    MYSQL_ROW row = mysql_fetch_row(res);
    s->rows = row && row[0] ? strtoull(row[0], NULL, 10) : 0;
    snprintf(s->sum, sizeof s->sum, "%s", row && row[1] ? row[1] : "0");
    s->cut = false;
}

/* Whether the statement just read on c was cut by GROUP_CONCAT (warning 1260): asked only when
 * the server counted a warning, so an equal chunk costs no extra round trip. */
static hm_code was_cut(hm_conn *c, bool *cut, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;
    *cut = false;
    if (mysql_warning_count(c->my) == 0)
        return HM_OK;
    if ((rc = hm_conn_query(c, "SHOW WARNINGS", &res, err)) != HM_OK)
        return rc;
    while (res && (row = mysql_fetch_row(res)) != NULL)
        if (row[1] && strcmp(row[1], "1260") == 0) /* ER_CUT_VALUE_GROUP_CONCAT */
            *cut = true;
    if (res)
        mysql_free_result(res);
    return HM_OK;
}

hm_code hm_verify_chunk_sums(const hm_verify_tctx *x, const char *where, hm_verify_sum *src, hm_verify_sum *tgt,
                             hm_err *err)
{
    hm_buf qs, qt;
    MYSQL_RES *rs, *rt;
    hm_code rc;
    hm_buf_init(&qs, 1 << 24);
    hm_buf_init(&qt, 1 << 24);
    rc = sum_query(&qs, x, &x->ds, where);
    if (rc == HM_OK)
        rc = sum_query(&qt, x, &x->dt, where);
    if (rc != HM_OK)
        rc = oom(err);
    else if ((rc = both(x->src, &qs, x->tgt, &qt, false, &rs, &rt, err)) == HM_OK) {
        read_sum(rs, src);
        read_sum(rt, tgt);
        mysql_free_result(rs);
        mysql_free_result(rt);
        if (x->t->nkey && (rc = was_cut(x->src, &src->cut, err)) == HM_OK)
            rc = was_cut(x->tgt, &tgt->cut, err);
    }
    hm_buf_release(&qs);
    hm_buf_release(&qt);
    if (rc != HM_OK)
        hm_err_prefix(err, "%s.%s", x->t->db, x->t->name);
    return rc;
}

/* --- key text and key conditions --- */

static void add_shown(char *out, size_t outsz, size_t *w, const hm_column *c, const char *v, size_t n)
{
    bool printable = c->type != HM_COL_BIN && c->type != HM_COL_BIT;
    for (size_t i = 0; i < n && printable; i++)
        printable = isprint((unsigned char)v[i]) || (unsigned char)v[i] >= 0x80;
    if (c->type == HM_COL_NUM) {
        *w += (size_t)snprintf(out + *w, outsz - *w, "%.*s", (int)n, v);
    } else if (printable) {
        *w += (size_t)snprintf(out + *w, outsz - *w, "'");
        for (size_t i = 0; i < n && *w + 3 < outsz; i++) {
            if (v[i] == '\'' || v[i] == '\\')
                out[(*w)++] = '\\';
            out[(*w)++] = v[i];
        }
        out[*w] = '\0';
        *w += (size_t)snprintf(out + *w, outsz - *w, "'");
    } else {
        *w += (size_t)snprintf(out + *w, outsz - *w, "0x");
        for (size_t i = 0; i < n && *w + 3 < outsz; i++)
            *w += (size_t)snprintf(out + *w, outsz - *w, "%02x", (unsigned char)v[i]);
    }
    if (*w >= outsz)
        *w = outsz - 1;
}

void hm_verify_key_text(const hm_table *t, const char *packed, size_t len, char *out, size_t outsz)
{
    const char *vals[64];
    size_t lens[64], w = 0;
    out[0] = '\0';
    if (t->nkey == 0 || t->nkey > 64 || hm_keylit_unpack(packed, len, t->nkey, vals, lens) != HM_OK) {
        snprintf(out, outsz, "?");
        return;
    }
    if (t->nkey > 1)
        w += (size_t)snprintf(out + w, outsz - w, "(");
    for (size_t i = 0; i < t->nkey && w < outsz; i++)
        w += (size_t)snprintf(out + w, outsz - w, "%s%s", i ? ", " : "", t->cols[t->key[i]].name);
    if (w < outsz)
        w += (size_t)snprintf(out + w, outsz - w, t->nkey > 1 ? ")=(" : "=");
    for (size_t i = 0; i < t->nkey && w < outsz - 1; i++) {
        if (i)
            w += (size_t)snprintf(out + w, outsz - w, ", ");
        if (w < outsz - 1)
            add_shown(out, outsz, &w, &t->cols[t->key[i]], vals[i], lens[i]);
    }
    if (t->nkey > 1 && w < outsz - 1)
        snprintf(out + w, outsz - w, ")");
}

hm_code hm_verify_key_eq(hm_buf *q, const hm_table *t, const char *packed, size_t len)
{
    const char *vals[64];
    size_t lens[64];
    hm_code rc;
    if (t->nkey == 0 || t->nkey > 64)
        return HM_EINTERNAL;
    rc = hm_keylit_unpack(packed, len, t->nkey, vals, lens);
    for (size_t i = 0; i < t->nkey && rc == HM_OK; i++) {
        if (i)
            rc = hm_buf_adds(q, " AND ");
        if (rc == HM_OK) rc = hm_sqlq_ident(q, t->cols[t->key[i]].name);
        if (rc == HM_OK) rc = hm_buf_adds(q, " = ");
        if (rc == HM_OK) rc = hm_keylit_value(q, &t->cols[t->key[i]], vals[i], lens[i]);
    }
    return rc;
}

/* --- narrowing a keyed chunk --- */

typedef struct entry {
    size_t off, len;   /* the packed key in the piece's arena */
    char h[HASH_LEN];
    bool used, seen;
} entry;

typedef struct piece {
    hm_buf arena;      /* packed keys */
    entry *slots;
    size_t cap, n;
} piece;

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

static entry *lookup(piece *p, const char *k, size_t n)
{
    size_t i = (size_t)fnv(k, n) & (p->cap - 1);
    while (p->slots[i].used) {
        entry *e = &p->slots[i];
        if (e->len == n && memcmp(p->arena.data + e->off, k, n) == 0)
            return e;
        i = (i + 1) & (p->cap - 1);
    }
    return &p->slots[i];
}

static hm_code keyhash_query(hm_buf *q, const hm_verify_tctx *x, const hm_verify_dialect *d, const char *where)
{
    hm_code rc = hm_buf_adds(q, "SELECT ");
    if (rc == HM_OK) rc = hm_keylit_columns(q, x->t);
    if (rc == HM_OK) rc = hm_buf_adds(q, ", ");
    if (rc == HM_OK) rc = hm_verify_canon_hash(q, x->t, &x->cols, d);
    return rc == HM_OK ? select_from(q, x->t, where) : rc;
}

/* The canonical fields of one row of each side, by key; *cols gets the names of those that differ
 * (empty when the rows have become equal meanwhile). */
static hm_code changed_columns(const hm_verify_tctx *x, const char *key, size_t klen, hm_buf *cols, hm_err *err)
{
    const hm_table *t = x->t;
    hm_buf qs, qt;
    MYSQL_RES *rs = NULL, *rt = NULL;
    hm_code rc = HM_OK;
    hm_buf_init(&qs, 1 << 24);
    hm_buf_init(&qt, 1 << 24);
    for (int side = 0; side < 2 && rc == HM_OK; side++) {
        hm_buf *q = side ? &qt : &qs;
        bool first = true;
        rc = hm_buf_adds(q, "SELECT ");
        for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
            if (t->cols[i].generated)
                continue;
            if (!first)
                rc = hm_buf_adds(q, ", ");
            first = false;
            if (rc == HM_OK)
                rc = hm_verify_canon_col(q, &t->cols[i], x->cols.json && x->cols.json[i], side ? &x->dt : &x->ds);
        }
        if (rc == HM_OK) rc = select_from(q, t, NULL);
        if (rc == HM_OK) rc = hm_buf_adds(q, " WHERE ");
        if (rc == HM_OK) rc = hm_verify_key_eq(q, t, key, klen);
    }
    if (rc != HM_OK)
        rc = oom(err);
    else
        rc = both(x->src, &qs, x->tgt, &qt, false, &rs, &rt, err);
    if (rc == HM_OK) {
        MYSQL_ROW a = mysql_fetch_row(rs), b = mysql_fetch_row(rt);
        if (a && b) {
            unsigned long *la = mysql_fetch_lengths(rs), *lb = mysql_fetch_lengths(rt);
            size_t f = 0;
            for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
                if (t->cols[i].generated)
                    continue;
                if (la[f] != lb[f] || memcmp(a[f], b[f], la[f]) != 0) {
                    if (cols->len)
                        rc = hm_buf_adds(cols, ", ");
                    if (rc == HM_OK)
                        rc = hm_buf_adds(cols, t->cols[i].name);
                }
                f++;
            }
        }
    }
    if (rs)
        mysql_free_result(rs);
    if (rt)
        mysql_free_result(rt);
    hm_buf_release(&qs);
    hm_buf_release(&qt);
    return rc;
}

/* Narrows one piece: where selects at most about NARROW_ROWS source rows. */
static hm_code narrow_piece(const hm_verify_tctx *x, const char *where, hm_verify_sink sink, void *ud, hm_err *err)
{
    const hm_table *t = x->t;
    hm_buf qs, qt, key, cols;
    MYSQL_RES *rs = NULL, *rt = NULL;
    MYSQL_ROW row;
    piece p;
    hm_code rc;
    char text[600];
    memset(&p, 0, sizeof p);
    hm_buf_init(&p.arena, (size_t)1 << 30);
    hm_buf_init(&qs, 1 << 24);
    hm_buf_init(&qt, 1 << 24);
    hm_buf_init(&key, 1 << 24);
    hm_buf_init(&cols, 1 << 20);
    rc = keyhash_query(&qs, x, &x->ds, where);
    if (rc == HM_OK)
        rc = keyhash_query(&qt, x, &x->dt, where);
    if (rc != HM_OK) {
        rc = oom(err);
        goto out;
    }
    /* the source's piece in memory (stored), the target's streamed against it */
    if ((rc = both(x->src, &qs, x->tgt, &qt, true, &rs, &rt, err)) != HM_OK)
        goto out;
    { /* the source's rows are read whole first: the two are independent connections */
        p.cap = 1024;
        p.slots = calloc(p.cap, sizeof *p.slots);
        if (!p.slots) {
            rc = oom(err);
            goto out;
        }
        while ((row = mysql_fetch_row(rs)) != NULL) {
            unsigned long *len = mysql_fetch_lengths(rs);
            entry *e;
            if (2 * (p.n + 1) > p.cap) { /* grow: rehash */
                entry *old = p.slots;
                size_t oldcap = p.cap;
                p.cap *= 2;
                p.slots = calloc(p.cap, sizeof *p.slots);
                if (!p.slots) {
                    p.slots = old;
                    p.cap = oldcap;
                    rc = oom(err);
                    goto out;
                }
                for (size_t i = 0; i < oldcap; i++)
                    if (old[i].used)
                        *lookup(&p, p.arena.data + old[i].off, old[i].len) = old[i];
                free(old);
            }
            hm_buf_reset(&key);
            if (hm_keylit_pack(&key, row, len, t->nkey) != HM_OK) {
                rc = oom(err);
                goto out;
            }
            e = lookup(&p, key.data, key.len);
            if (e->used)
                continue; /* cannot happen with a unique key */
            e->used = true;
            e->off = p.arena.len;
            e->len = key.len;
            if (row[t->nkey] && len[t->nkey] == HASH_LEN)
                memcpy(e->h, row[t->nkey], HASH_LEN);
            else
                memset(e->h, 0, HASH_LEN); /* cannot happen: the hash is never NULL */
            if (hm_buf_add(&p.arena, key.data, key.len) != HM_OK) {
                rc = oom(err);
                goto out;
            }
            p.n++;
        }
        if (mysql_errno(x->src->my)) {
            rc = hm_conn_fail(x->src, "reading rows to compare", err);
            goto out;
        }
    }
    /* changed keys are collected in `changed` (packed, length-prefixed) and looked at after the
     * target's stream ends: its connection is busy until then */
    {
        hm_buf changed;
        hm_buf_init(&changed, (size_t)1 << 30);
        while ((row = mysql_fetch_row(rt)) != NULL && rc == HM_OK) {
            unsigned long *len = mysql_fetch_lengths(rt);
            entry *e;
            hm_buf_reset(&key);
            if (hm_keylit_pack(&key, row, len, t->nkey) != HM_OK) {
                rc = oom(err);
                break;
            }
            e = lookup(&p, key.data, key.len);
            if (!e->used) {
                hm_verify_key_text(t, key.data, key.len, text, sizeof text);
                rc = sink(ud, "extra", key.data, key.len, text, "", 1, err);
                continue;
            }
            e->seen = true;
            if (!row[t->nkey] || len[t->nkey] != HASH_LEN || memcmp(e->h, row[t->nkey], HASH_LEN) != 0) {
                uint32_t l = (uint32_t)key.len;
                if (hm_buf_add(&changed, &l, sizeof l) != HM_OK || hm_buf_add(&changed, key.data, key.len) != HM_OK)
                    rc = oom(err);
            }
        }
        if (rc == HM_OK && mysql_errno(x->tgt->my))
            rc = hm_conn_fail(x->tgt, "reading rows to compare", err);
        mysql_free_result(rt);
        rt = NULL;
        mysql_free_result(rs);
        rs = NULL;
        for (size_t off = 0; rc == HM_OK && off < changed.len;) {
            uint32_t l;
            memcpy(&l, changed.data + off, sizeof l);
            off += sizeof l;
            hm_buf_reset(&cols);
            rc = changed_columns(x, changed.data + off, l, &cols, err);
            if (rc == HM_OK && cols.len) {
                hm_verify_key_text(t, changed.data + off, l, text, sizeof text);
                rc = sink(ud, "changed", changed.data + off, l, text, cols.data, 1, err);
            }
            off += l;
        }
        hm_buf_release(&changed);
    }
    for (size_t i = 0; i < p.cap && rc == HM_OK; i++) {
        entry *e = &p.slots[i];
        if (!e->used || e->seen)
            continue;
        hm_verify_key_text(t, p.arena.data + e->off, e->len, text, sizeof text);
        rc = sink(ud, "missing", p.arena.data + e->off, e->len, text, "", 1, err);
    }
out:
    if (rs)
        mysql_free_result(rs);
    if (rt)
        mysql_free_result(rt);
    free(p.slots);
    hm_buf_release(&p.arena);
    hm_buf_release(&qs);
    hm_buf_release(&qt);
    hm_buf_release(&key);
    hm_buf_release(&cols);
    return rc;
}

/* The key of the source row NARROW_ROWS after `from` within where (none: *found false). */
static hm_code next_piece_bound(const hm_verify_tctx *x, const char *where, const hm_buf *from, bool have_from,
                                hm_buf *out, bool *found, hm_err *err)
{
    const hm_table *t = x->t;
    hm_buf q;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;
    *found = false;
    hm_buf_init(&q, 1 << 24);
    rc = hm_buf_adds(&q, "SELECT ");
    if (rc == HM_OK) rc = hm_keylit_columns(&q, t);
    if (rc == HM_OK) rc = select_from(&q, t, where ? where : "1");
    if (rc == HM_OK && have_from) {
        rc = hm_buf_adds(&q, " AND ");
        if (rc == HM_OK) rc = hm_keylit_cond(&q, t, from->data, from->len, true);
    }
    if (rc == HM_OK) rc = hm_buf_adds(&q, " ORDER BY ");
    if (rc == HM_OK) rc = hm_keylit_columns(&q, t);
    if (rc == HM_OK) rc = hm_buf_addf(&q, " LIMIT 1 OFFSET %d", NARROW_ROWS - 1);
    if (rc != HM_OK)
        rc = oom(err);
    else
        rc = hm_conn_query(x->src, q.data, &res, err);
    hm_buf_release(&q);
    if (rc != HM_OK)
        return rc;
    row = res ? mysql_fetch_row(res) : NULL;
    if (row) {
        hm_buf_reset(out);
        rc = hm_keylit_pack(out, row, mysql_fetch_lengths(res), t->nkey);
        *found = rc == HM_OK;
        if (rc != HM_OK)
            rc = oom(err);
    }
    if (res)
        mysql_free_result(res);
    return rc;
}

hm_code hm_verify_chunk_rows(const hm_verify_tctx *x, const char *where, hm_verify_sink sink, void *ud,
                             hm_err *err)
{
    const hm_table *t = x->t;
    hm_buf from, to, w;
    bool have_from = false;
    hm_code rc = HM_OK;
    hm_buf_init(&from, 1 << 24);
    hm_buf_init(&to, 1 << 24);
    hm_buf_init(&w, 1 << 26);
    for (;;) {
        bool found;
        if (atomic_load(x->cancel)) {
            rc = hm_err_set(err, HM_ECANCELLED, "cancelled");
            break;
        }
        rc = next_piece_bound(x, where, &from, have_from, &to, &found, err);
        if (rc != HM_OK)
            break;
        hm_buf_reset(&w);
        rc = hm_buf_addc(&w, '(');
        if (rc == HM_OK) rc = hm_buf_adds(&w, where ? where : "1");
        if (rc == HM_OK && have_from) {
            rc = hm_buf_adds(&w, ") AND (");
            if (rc == HM_OK) rc = hm_keylit_cond(&w, t, from.data, from.len, true);
        }
        if (rc == HM_OK && found) {
            rc = hm_buf_adds(&w, ") AND (");
            if (rc == HM_OK) rc = hm_keylit_cond(&w, t, to.data, to.len, false);
        }
        if (rc == HM_OK) rc = hm_buf_addc(&w, ')');
        if (rc != HM_OK) {
            rc = oom(err);
            break;
        }
        rc = narrow_piece(x, w.data, sink, ud, err);
        if (rc != HM_OK || !found)
            break;
        hm_buf_reset(&from);
        if (hm_buf_add(&from, to.data, to.len) != HM_OK) {
            rc = oom(err);
            break;
        }
        have_from = true;
    }
    hm_buf_release(&from);
    hm_buf_release(&to);
    hm_buf_release(&w);
    if (rc != HM_OK && rc != HM_ECANCELLED)
        hm_err_prefix(err, "%s.%s", t->db, t->name);
    return rc;
}

/* --- keyless tables: multisets --- */

static hm_code multiset_query(hm_buf *q, const hm_verify_tctx *x, const hm_verify_dialect *d)
{
    hm_code rc = hm_buf_adds(q, "SELECT h, COUNT(*) FROM (SELECT ");
    if (rc == HM_OK) rc = hm_verify_canon_hash(q, x->t, &x->cols, d);
    if (rc == HM_OK) rc = hm_buf_adds(q, " AS h");
    if (rc == HM_OK) rc = select_from(q, x->t, NULL);
    return rc == HM_OK ? hm_buf_adds(q, ") AS hm_rows GROUP BY h ORDER BY h") : rc;
}

/* "row ('a', 5, NULL)": the values of one row with hash h, from conn c (first 64 bytes of each). */
static hm_code row_text(const hm_verify_tctx *x, hm_conn *c, const hm_verify_dialect *d, const char *h,
                        char *out, size_t outsz, hm_err *err)
{
    const hm_table *t = x->t;
    hm_buf q;
    bool first = true, found = false;
    hm_code rc;
    char val[512];
    hm_buf_init(&q, 1 << 24);
    rc = hm_buf_adds(&q, "SELECT CONCAT_WS(', '");
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        if (t->cols[i].generated)
            continue;
        rc = hm_buf_adds(&q, ", IFNULL(QUOTE(LEFT(");
        if (rc == HM_OK) rc = hm_sqlq_ident(&q, t->cols[i].name);
        if (rc == HM_OK) rc = hm_buf_adds(&q, ", 64)), 'NULL')");
        first = false;
    }
    (void)first;
    if (rc == HM_OK) rc = hm_buf_adds(&q, ")");
    if (rc == HM_OK) rc = select_from(&q, t, NULL);
    if (rc == HM_OK) rc = hm_buf_adds(&q, " WHERE ");
    if (rc == HM_OK) rc = hm_verify_canon_hash(&q, t, &x->cols, d);
    if (rc == HM_OK) rc = hm_buf_addf(&q, " = '%.16s' LIMIT 1", h);
    if (rc != HM_OK)
        rc = oom(err);
    else
        rc = hm_conn_value(c, q.data, val, sizeof val, &found, err);
    hm_buf_release(&q);
    if (rc == HM_OK)
        snprintf(out, outsz, "row (%s)", found ? val : "?");
    return rc;
}

typedef struct pending {
    char h[HASH_LEN + 1];
    bool on_source;
    uint64_t copies;
} pending;

hm_code hm_verify_chunk_multiset(const hm_verify_tctx *x, hm_verify_sink sink, void *ud, hm_err *err)
{
    hm_buf qs, qt;
    MYSQL_RES *rs = NULL, *rt = NULL;
    MYSQL_ROW a, b;
    pending shown[SHOWN_KEYLESS];
    size_t nshown = 0;
    hm_code rc;
    char text[600];
    hm_buf_init(&qs, 1 << 24);
    hm_buf_init(&qt, 1 << 24);
    rc = multiset_query(&qs, x, &x->ds);
    if (rc == HM_OK)
        rc = multiset_query(&qt, x, &x->dt);
    if (rc != HM_OK)
        rc = oom(err);
    else
        rc = both(x->src, &qs, x->tgt, &qt, true, &rs, &rt, err);
    if (rc != HM_OK)
        goto out;
    a = mysql_fetch_row(rs);
    b = mysql_fetch_row(rt);
    while ((a || b) && rc == HM_OK) {
        int c;
        if ((a && (!a[0] || mysql_fetch_lengths(rs)[0] != HASH_LEN)) ||
            (b && (!b[0] || mysql_fetch_lengths(rt)[0] != HASH_LEN))) {
            rc = hm_err_set(err, HM_EINTERNAL, "a row hash that is not %d characters", HASH_LEN);
            break;
        }
        c = !a ? 1 : !b ? -1 : memcmp(a[0], b[0], HASH_LEN);
        uint64_t na = a && c <= 0 ? strtoull(a[1], NULL, 10) : 0;
        uint64_t nb = b && c >= 0 ? strtoull(b[1], NULL, 10) : 0;
        const char *h = c <= 0 ? a[0] : b[0];
        if (na != nb) {
            pending pd;
            memcpy(pd.h, h, HASH_LEN);
            pd.h[HASH_LEN] = '\0';
            pd.on_source = na > nb;
            pd.copies = na > nb ? na - nb : nb - na;
            if (nshown < SHOWN_KEYLESS)
                shown[nshown++] = pd;
            else {
                snprintf(text, sizeof text, "row with hash %s", pd.h);
                rc = sink(ud, pd.on_source ? "missing" : "extra", pd.h, HASH_LEN, text, "", pd.copies, err);
            }
        }
        if (c <= 0)
            a = mysql_fetch_row(rs);
        if (c >= 0)
            b = mysql_fetch_row(rt);
    }
    if (rc == HM_OK && mysql_errno(x->src->my))
        rc = hm_conn_fail(x->src, "reading rows to compare", err);
    if (rc == HM_OK && mysql_errno(x->tgt->my))
        rc = hm_conn_fail(x->tgt, "reading rows to compare", err);
    mysql_free_result(rs);
    mysql_free_result(rt);
    rs = rt = NULL;
    for (size_t i = 0; i < nshown && rc == HM_OK; i++) {
        rc = row_text(x, shown[i].on_source ? x->src : x->tgt, shown[i].on_source ? &x->ds : &x->dt, shown[i].h,
                      text, sizeof text, err);
        if (rc == HM_OK)
            rc = sink(ud, shown[i].on_source ? "missing" : "extra", shown[i].h, HASH_LEN, text, "",
                      shown[i].copies, err);
    }
out:
    if (rs)
        mysql_free_result(rs);
    if (rt)
        mysql_free_result(rt);
    hm_buf_release(&qs);
    hm_buf_release(&qt);
    if (rc != HM_OK && rc != HM_ECANCELLED)
        hm_err_prefix(err, "%s.%s", x->t->db, x->t->name);
    return rc;
}
