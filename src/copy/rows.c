/*
 * copy/rows.c: chunk row streaming (see rows.h). Owns, for the duration of one call, the source
 * result and the staging buffer.
 */
#include "copy/rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlq.h"
#include "util/err.h"

#define ROWS_PER_TICK 256 /* rows between throttle/cancel/progress checks */

enum vkind { V_RAW, V_ESC, V_HEX };

typedef struct stream {
    const hm_rows_ctx *cx;
    MYSQL_RES *res;
    unsigned nf;
    enum vkind *kinds;
    hm_buf pend;   /* formatted rows not yet handed to the target */
    size_t pend_off;
    bool eof, failed;
    uint64_t rows, bytes, tick_rows, tick_bytes;
    char errmsg[512];
} stream;

hm_code hm_rows_column_list(hm_buf *b, const hm_table *t)
{
    hm_code rc = HM_OK;
    bool first = true;
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        if (t->cols[i].generated)
            continue;
        if (!first)
            rc = hm_buf_adds(b, ", ");
        first = false;
        if (rc == HM_OK)
            rc = hm_sqlq_ident(b, t->cols[i].name);
    }
    return rc;
}

static enum vkind kind_of(const hm_column *c)
{
    if (c->type == HM_COL_BIT || c->type == HM_COL_GEOM)
        return V_HEX;
    return c->type == HM_COL_NUM ? V_RAW : V_ESC;
}

static void tick(stream *s, bool force)
{
    const hm_rows_ctx *cx = s->cx;
    if (!force && s->tick_rows < ROWS_PER_TICK)
        return;
    atomic_fetch_add(cx->rows_total, s->tick_rows);
    atomic_fetch_add(cx->bytes_total, s->tick_bytes);
    if (cx->throttle)
        hm_throttle_take(cx->throttle, s->tick_rows, cx->cancel);
    s->tick_rows = s->tick_bytes = 0;
}

/* LOAD DATA field escaping: \\ \t \n \0. dst has room for 2n bytes. */
static size_t esc_load(char *dst, const char *src, size_t n)
{
    char *d = dst;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        switch (c) {
        case '\\': *d++ = '\\'; *d++ = '\\'; break;
        case '\t': *d++ = '\\'; *d++ = 't'; break;
        case '\n': *d++ = '\\'; *d++ = 'n'; break;
        case '\0': *d++ = '\\'; *d++ = '0'; break;
        default: *d++ = c;
        }
    }
    return (size_t)(d - dst);
}

/* Formats one row as a LOAD DATA line into s->pend. */
static hm_code format_load_row(stream *s, MYSQL_ROW row, const unsigned long *len)
{
    for (unsigned i = 0; i < s->nf; i++) {
        char *dst;
        size_t w;
        if (!row[i]) {
            if (hm_buf_add(&s->pend, i ? "\t\\N" : "\\N", i ? 3 : 2) != HM_OK)
                return HM_ENOMEM;
            continue;
        }
        dst = hm_buf_reserve(&s->pend, 2 * (size_t)len[i] + 1);
        if (!dst)
            return HM_ENOMEM;
        w = 0;
        if (i)
            dst[w++] = '\t';
        switch (s->kinds[i]) {
        case V_RAW:
            memcpy(dst + w, row[i], len[i]);
            w += len[i];
            break;
        case V_ESC:
            w += esc_load(dst + w, row[i], len[i]);
            break;
        case V_HEX: {
            static const char hex[] = "0123456789abcdef";
            const unsigned char *p = (const unsigned char *)row[i];
            for (unsigned long k = 0; k < len[i]; k++) {
                dst[w++] = hex[p[k] >> 4];
                dst[w++] = hex[p[k] & 15];
            }
            break;
        }
        }
        hm_buf_commit(&s->pend, w);
        s->bytes += len[i];
        s->tick_bytes += len[i];
    }
    return hm_buf_addc(&s->pend, '\n');
}

/* --- LOAD DATA LOCAL callbacks: the "file" is the source result. --- */

static int li_init(void **ptr, const char *filename, void *userdata)
{
    (void)filename;
    *ptr = userdata;
    return 0;
}

static int li_read(void *ptr, char *buf, unsigned int buf_len)
{
    stream *s = ptr;
    size_t w = 0;
    while (w < buf_len) {
        size_t avail = s->pend.len - s->pend_off;
        if (avail) {
            size_t n = avail < buf_len - w ? avail : buf_len - w;
            memcpy(buf + w, s->pend.data + s->pend_off, n);
            s->pend_off += n;
            w += n;
            continue;
        }
        if (s->eof || s->failed)
            break;
        hm_buf_reset(&s->pend);
        s->pend_off = 0;
        /* fill the staging buffer with whole rows */
        while (s->pend.len < HM_ROWS_BUF / 2) {
            MYSQL_ROW row = mysql_fetch_row(s->res);
            if (!row) {
                if (mysql_errno(s->cx->src->my)) {
                    snprintf(s->errmsg, sizeof s->errmsg, "source %s: reading rows: %s (%u)",
                             s->cx->src->addr, mysql_error(s->cx->src->my), mysql_errno(s->cx->src->my));
                    s->failed = true;
                    return -1;
                }
                s->eof = true;
                break;
            }
            if (format_load_row(s, row, mysql_fetch_lengths(s->res)) != HM_OK) {
                snprintf(s->errmsg, sizeof s->errmsg, "out of memory formatting a row");
                s->failed = true;
                return -1;
            }
            s->rows++;
            s->tick_rows++;
            if (s->tick_rows >= ROWS_PER_TICK) {
                tick(s, false);
                if (atomic_load(s->cx->cancel)) {
                    snprintf(s->errmsg, sizeof s->errmsg, "cancelled");
                    s->failed = true;
                    return -1;
                }
            }
        }
    }
    return (int)w;
}

static void li_end(void *ptr)
{
    (void)ptr;
}

static int li_error(void *ptr, char *msg, unsigned int len)
{
    stream *s = ptr;
    snprintf(msg, len, "%s", s->errmsg[0] ? s->errmsg : "hotmig stream error");
    return 2000;
}

/* True when a warning message is about a generated column: the target computes those itself, as
 * the source did, so their warnings say nothing about the values hotmig wrote. */
static bool about_generated(const hm_table *t, const char *msg)
{
    for (size_t i = 0; i < t->ncols; i++) {
        char q1[300], q2[300];
        if (!t->cols[i].generated)
            continue;
        snprintf(q1, sizeof q1, "'%s'", t->cols[i].name);
        snprintf(q2, sizeof q2, "`%s`", t->cols[i].name);
        if (strstr(msg, q1) || strstr(msg, q2))
            return true;
    }
    return false;
}

/* Fails when the last target statement warned about a written value, or did not write every row it
 * was sent. */
static hm_code check_written(hm_conn *tgt, const hm_table *t, uint64_t sent, hm_err *err)
{
    my_ulonglong affected = mysql_affected_rows(tgt->my);
    if (mysql_warning_count(tgt->my) > 0) {
        MYSQL_RES *res = NULL;
        MYSQL_ROW row;
        hm_err ignore;
        char w[400] = "";
        if (hm_conn_query(tgt, "SHOW WARNINGS", &res, &ignore) != HM_OK || !res)
            return hm_err_set(err, HM_ETARGET, "target %s: writing %s.%s produced warnings that could not "
                              "be read", tgt->addr, t->db, t->name);
        while ((row = mysql_fetch_row(res)) != NULL) {
            if (row[2] && about_generated(t, row[2]))
                continue;
            snprintf(w, sizeof w, "%s %s: %s", row[0] ? row[0] : "", row[1] ? row[1] : "",
                     row[2] ? row[2] : "");
            break;
        }
        mysql_free_result(res);
        if (w[0])
            return hm_err_set(err, HM_ETARGET,
                              "target %s: writing %s.%s produced a warning, so a value would not be stored "
                              "exactly: %s", tgt->addr, t->db, t->name, w);
    }
    if (affected != (my_ulonglong)sent)
        return hm_err_set(err, HM_ETARGET,
                          "target %s: %s.%s stored %llu rows of the %llu sent (duplicate keys?)",
                          tgt->addr, t->db, t->name, (unsigned long long)affected,
                          (unsigned long long)sent);
    return HM_OK;
}

/* The select list. A FLOAT's text form has 6 significant digits and does not survive a round trip,
 * so FLOAT columns are read as DOUBLE: exact, and rounded back to the same float by the target. */
static hm_code select_list(hm_buf *q, const hm_table *t, const hm_conn *src)
{
    bool cast_double = src->flavor == HM_FLAVOR_MARIADB ? src->version >= 100400 : src->version >= 80017;
    hm_code rc = HM_OK;
    bool first = true;
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        const hm_column *c = &t->cols[i];
        bool single = strcmp(c->data_type, "float") == 0;
        if (c->generated)
            continue;
        if (!first)
            rc = hm_buf_adds(q, ", ");
        first = false;
        if (rc == HM_OK && single)
            rc = hm_buf_adds(q, cast_double ? "CAST(" : "(");
        if (rc == HM_OK)
            rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK && single)
            rc = hm_buf_adds(q, cast_double ? " AS DOUBLE)" : " + 0e0)");
    }
    return rc;
}

static hm_code build_select(hm_buf *q, const hm_table *t, const hm_conn *src, const char *where)
{
    hm_code rc = hm_buf_adds(q, "SELECT ");
    if (rc == HM_OK)
        rc = select_list(q, t, src);
    if (rc == HM_OK)
        rc = hm_buf_adds(q, " FROM ");
    if (rc == HM_OK)
        rc = hm_sqlq_table(q, t->db, t->name);
    if (rc == HM_OK && where && t->key_name) {
        rc = hm_buf_adds(q, " FORCE INDEX (");
        if (rc == HM_OK)
            rc = hm_sqlq_ident(q, t->key_name);
        if (rc == HM_OK)
            rc = hm_buf_addc(q, ')');
    }
    if (rc == HM_OK && where)
        rc = hm_buf_addf(q, " WHERE %s", where);
    return rc;
}

static hm_code build_load(hm_buf *q, const hm_table *t)
{
    hm_code rc = hm_buf_adds(q, "LOAD DATA LOCAL INFILE 'hotmig-stream' INTO TABLE ");
    bool first = true;
    if (rc == HM_OK)
        rc = hm_sqlq_table(q, t->db, t->name);
    if (rc == HM_OK)
        rc = hm_buf_adds(q, " CHARACTER SET binary FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' "
                            "LINES TERMINATED BY '\\n' (");
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        const hm_column *c = &t->cols[i];
        if (c->generated)
            continue;
        if (!first)
            rc = hm_buf_adds(q, ", ");
        first = false;
        if (rc == HM_OK)
            rc = kind_of(c) == V_HEX ? hm_buf_addf(q, "@hm%zu", i) : hm_sqlq_ident(q, c->name);
    }
    if (rc == HM_OK)
        rc = hm_buf_addc(q, ')');
    first = true;
    for (size_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        const hm_column *c = &t->cols[i];
        if (c->generated || kind_of(c) != V_HEX)
            continue;
        rc = hm_buf_adds(q, first ? " SET " : ", ");
        first = false;
        if (rc == HM_OK)
            rc = hm_sqlq_ident(q, c->name);
        if (rc == HM_OK)
            rc = hm_buf_addf(q, " = UNHEX(@hm%zu)", i);
    }
    return rc;
}

static hm_code open_source(stream *s, const hm_rows_ctx *cx, const char *where, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    size_t k = 0;
    memset(s, 0, sizeof *s);
    s->cx = cx;
    hm_buf_init(&s->pend, (size_t)1 << 31);
    hm_buf_init(&q, 1 << 24);
    rc = build_select(&q, cx->t, cx->src, where);
    if (rc != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    if (mysql_real_query(cx->src->my, q.data, q.len) != 0) {
        hm_buf_release(&q);
        rc = hm_conn_fail(cx->src, "selecting rows", err);
        hm_err_prefix(err, "%s.%s", cx->t->db, cx->t->name);
        return rc;
    }
    hm_buf_release(&q);
    s->res = mysql_use_result(cx->src->my);
    if (!s->res)
        return hm_conn_fail(cx->src, "reading rows", err);
    s->nf = mysql_num_fields(s->res);
    s->kinds = calloc(s->nf ? s->nf : 1, sizeof *s->kinds);
    if (!s->kinds)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    for (size_t i = 0; i < cx->t->ncols && k < s->nf; i++)
        if (!cx->t->cols[i].generated)
            s->kinds[k++] = kind_of(&cx->t->cols[i]);
    return HM_OK;
}

static void close_source(stream *s)
{
    if (s->res)
        mysql_free_result(s->res); /* an unfinished unbuffered result is drained here */
    s->res = NULL;
    free(s->kinds);
    s->kinds = NULL;
    hm_buf_release(&s->pend);
}

static hm_code copy_load(const hm_rows_ctx *cx, const char *where, uint64_t *rows, uint64_t *bytes,
                         hm_err *err)
{
    stream s;
    hm_buf q;
    hm_code rc = open_source(&s, cx, where, err);
    if (rc != HM_OK)
        goto out;
    hm_buf_init(&q, 1 << 24);
    if (build_load(&q, cx->t) != HM_OK) {
        hm_buf_release(&q);
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto out;
    }
    mysql_set_local_infile_handler(cx->tgt->my, li_init, li_read, li_end, li_error, &s);
    if (mysql_real_query(cx->tgt->my, q.data, q.len) != 0) {
        if (s.failed && strcmp(s.errmsg, "cancelled") == 0)
            rc = hm_err_set(err, HM_ECANCELLED, "cancelled");
        else if (s.failed)
            rc = hm_err_set(err, HM_ESOURCE, "%s (while copying %s.%s)", s.errmsg, cx->t->db, cx->t->name);
        else {
            rc = hm_conn_fail(cx->tgt, "loading rows", err);
            hm_err_prefix(err, "%s.%s", cx->t->db, cx->t->name);
        }
        hm_buf_release(&q);
        mysql_set_local_infile_default(cx->tgt->my);
        goto out;
    }
    hm_buf_release(&q);
    mysql_set_local_infile_default(cx->tgt->my);
    tick(&s, true);
    rc = check_written(cx->tgt, cx->t, s.rows, err);
out:
    *rows = s.rows;
    *bytes = s.bytes;
    close_source(&s);
    return rc;
}

/* Appends one row's "(v1, v2, ...)" for the INSERT path. */
static hm_code format_insert_row(stream *s, hm_buf *q, MYSQL_ROW row, const unsigned long *len)
{
    hm_code rc = hm_buf_addc(q, '(');
    for (unsigned i = 0; i < s->nf && rc == HM_OK; i++) {
        if (i)
            rc = hm_buf_addc(q, ',');
        if (rc != HM_OK)
            break;
        if (!row[i]) {
            rc = hm_buf_add(q, "NULL", 4);
            continue;
        }
        switch (s->kinds[i]) {
        case V_RAW: rc = hm_buf_add(q, row[i], len[i]); break;
        case V_HEX: rc = len[i] ? hm_sqlq_hex(q, row[i], len[i]) : hm_buf_adds(q, "''"); break;
        case V_ESC: rc = hm_sqlq_str(q, s->cx->tgt->my, row[i], len[i]); break;
        }
        s->bytes += len[i];
        s->tick_bytes += len[i];
    }
    return rc == HM_OK ? hm_buf_addc(q, ')') : rc;
}

/* What one row's "(...)" can take at most in the INSERT text: an escaped string doubles, hex too. */
static size_t row_text_max(const stream *s, const unsigned long *len)
{
    size_t n = 2;
    for (unsigned i = 0; i < s->nf; i++)
        n += 2 * (size_t)len[i] + 8;
    return n;
}

/* Sends q (an INSERT of n rows) and checks what the target stored; q is cut back to its head. */
static hm_code flush_insert(const hm_rows_ctx *cx, hm_buf *q, size_t head_len, uint64_t *n, hm_err *err)
{
    hm_code rc;
    if (mysql_real_query(cx->tgt->my, q->data, q->len) != 0) {
        rc = hm_conn_fail(cx->tgt, "inserting rows", err);
        hm_err_prefix(err, "%s.%s", cx->t->db, cx->t->name);
        return rc;
    }
    rc = check_written(cx->tgt, cx->t, *n, err);
    *n = 0;
    q->len = head_len;
    return rc;
}

#define LONG_PIECE ((size_t)1 << 20) /* bytes per mysql_stmt_send_long_data() */

/*
 * Inserts one row too large for the INSERT text (its escaped or hex form would pass the target's
 * max_allowed_packet although the row itself does not): a prepared INSERT whose values travel as
 * raw bytes, the large ones by mysql_stmt_send_long_data() in 1 MiB pieces, so that no packet is
 * larger than the value itself. *stmt is prepared on first use and kept for the chunk.
 * The session is SET NAMES binary, so the bytes are taken as they are, as in the text path.
 */
static hm_code insert_long_row(stream *s, MYSQL_STMT **stmt, MYSQL_ROW row, const unsigned long *len,
                               hm_err *err)
{
    const hm_rows_ctx *cx = s->cx;
    MYSQL_BIND *b = NULL;
    hm_buf q;
    hm_code rc = HM_OK;

    hm_buf_init(&q, (size_t)1 << 20);
    if (!*stmt) {
        if (hm_buf_adds(&q, "INSERT INTO ") != HM_OK || hm_sqlq_table(&q, cx->t->db, cx->t->name) != HM_OK ||
            hm_buf_adds(&q, " (") != HM_OK || hm_rows_column_list(&q, cx->t) != HM_OK ||
            hm_buf_adds(&q, ") VALUES (") != HM_OK) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            goto out;
        }
        for (unsigned i = 0; i < s->nf && rc == HM_OK; i++)
            rc = hm_buf_adds(&q, i ? ",?" : "?");
        if (rc != HM_OK || hm_buf_addc(&q, ')') != HM_OK) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            goto out;
        }
        if ((*stmt = mysql_stmt_init(cx->tgt->my)) == NULL) {
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
            goto out;
        }
        if (mysql_stmt_prepare(*stmt, q.data, q.len) != 0)
            goto stmt_fail;
    }
    if ((b = calloc(s->nf ? s->nf : 1, sizeof *b)) == NULL) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < s->nf; i++) {
        b[i].buffer_type = row[i] ? MYSQL_TYPE_LONG_BLOB : MYSQL_TYPE_NULL;
        if (row[i] && len[i] <= LONG_PIECE) {
            b[i].buffer = row[i];
            b[i].buffer_length = len[i];
        }
    }
    if (mysql_stmt_bind_param(*stmt, b) != 0)
        goto stmt_fail;
    for (unsigned i = 0; i < s->nf; i++) {
        if (!row[i] || len[i] <= LONG_PIECE)
            continue;
        for (size_t off = 0; off < len[i]; off += LONG_PIECE) {
            size_t n = len[i] - off < LONG_PIECE ? len[i] - off : LONG_PIECE;
            if (mysql_stmt_send_long_data(*stmt, i, row[i] + off, (unsigned long)n) != 0)
                goto stmt_fail;
        }
    }
    if (mysql_stmt_execute(*stmt) != 0)
        goto stmt_fail;
    if (mysql_stmt_affected_rows(*stmt) != 1 || mysql_stmt_warning_count(*stmt) > 0) {
        /* check_written reads the counts from the connection: run it on a one-row answer */
        rc = check_written(cx->tgt, cx->t, 1, err);
        if (rc == HM_OK && mysql_stmt_affected_rows(*stmt) != 1)
            rc = hm_err_set(err, HM_ETARGET, "target %s: %s.%s did not store a row of %zu bytes",
                            cx->tgt->addr, cx->t->db, cx->t->name, row_text_max(s, len) / 2);
    }
    for (unsigned i = 0; i < s->nf; i++)
        if (row[i]) {
            s->bytes += len[i];
            s->tick_bytes += len[i];
        }
    goto out;
stmt_fail:
    rc = hm_err_set(err, HM_ETARGET, "target %s: inserting a large row into %s.%s: %s", cx->tgt->addr,
                    cx->t->db, cx->t->name, *stmt ? mysql_stmt_error(*stmt) : mysql_error(cx->tgt->my));
out:
    free(b);
    hm_buf_release(&q);
    return rc;
}

static hm_code copy_insert(const hm_rows_ctx *cx, const char *where, uint64_t *rows,
                           uint64_t *bytes, hm_err *err)
{
    stream s;
    hm_buf q;
    size_t head_len, room;
    uint64_t in_stmt = 0;
    MYSQL_STMT *big = NULL;
    hm_code rc = open_source(&s, cx, where, err);
    hm_buf_init(&q, (size_t)1 << 31);
    if (rc != HM_OK)
        goto out;
    if (hm_buf_adds(&q, "INSERT INTO ") != HM_OK || hm_sqlq_table(&q, cx->t->db, cx->t->name) != HM_OK ||
        hm_buf_adds(&q, " (") != HM_OK || hm_rows_column_list(&q, cx->t) != HM_OK ||
        hm_buf_adds(&q, ") VALUES ") != HM_OK) {
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        goto out;
    }
    head_len = q.len;
    /* what a statement may hold, below max_allowed_packet with room for the packet header */
    room = cx->packet_max > head_len + 4096 ? cx->packet_max - head_len - 4096 : 0;
    for (;;) {
        MYSQL_ROW row = mysql_fetch_row(s.res);
        if (!row && mysql_errno(cx->src->my)) {
            rc = hm_conn_fail(cx->src, "reading rows", err);
            goto out;
        }
        if (row) {
            const unsigned long *len = mysql_fetch_lengths(s.res);
            size_t most = row_text_max(&s, len);
            if (in_stmt && q.len - head_len + 1 + most > room &&
                (rc = flush_insert(cx, &q, head_len, &in_stmt, err)) != HM_OK)
                goto out;
            if (most > room) {
                if ((rc = insert_long_row(&s, &big, row, len, err)) != HM_OK)
                    goto out;
            } else {
                if (in_stmt && (rc = hm_buf_addc(&q, ',')) != HM_OK)
                    goto nomem;
                if ((rc = format_insert_row(&s, &q, row, len)) != HM_OK)
                    goto nomem;
                in_stmt++;
            }
            s.rows++;
            s.tick_rows++;
        }
        if (in_stmt && (!row || q.len >= cx->insert_max) &&
            (rc = flush_insert(cx, &q, head_len, &in_stmt, err)) != HM_OK)
            goto out;
        if (s.tick_rows >= ROWS_PER_TICK || !row) {
            tick(&s, true);
            if (atomic_load(cx->cancel)) {
                rc = hm_err_set(err, HM_ECANCELLED, "cancelled");
                goto out;
            }
        }
        if (!row)
            break;
    }
    goto out;
nomem:
    rc = hm_err_set(err, HM_ENOMEM, "out of memory: a row of %s.%s is too large", cx->t->db, cx->t->name);
out:
    if (big)
        mysql_stmt_close(big);
    *rows = s.rows;
    *bytes = s.bytes;
    hm_buf_release(&q);
    close_source(&s);
    return rc;
}

hm_code hm_rows_copy(const hm_rows_ctx *cx, const char *where, uint64_t *rows, uint64_t *bytes,
                     hm_err *err)
{
    *rows = *bytes = 0;
    return cx->method == HM_WRITE_INSERT ? copy_insert(cx, where, rows, bytes, err)
                                         : copy_load(cx, where, rows, bytes, err);
}
