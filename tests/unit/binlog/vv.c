/*
 * tests/unit/binlog/vv.c: mariadb-binlog -vv output, parsed and imitated. See vv.h.
 *
 * The formats below are mariadb-binlog's (MariaDB 10.11, log_event_client.cc), quirks included:
 * DATE prints with colons ('2024:02:29'), YEAR 0 prints 1900, FLOAT pads to 20 characters,
 * integers print signed with the unsigned reading after a negative one, strings print bytes below
 * 0x20 as \xNN and everything else raw (quotes and backslashes too).
 */
#include "vv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/json.h"

uint8_t *vv_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        b = malloc((size_t)n + 1);
        if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
            free(b);
            b = NULL;
        } else if (b) {
            b[n] = 0;
            *len = (size_t)n;
        }
    }
    fclose(f);
    return b;
}

static char *append(char *s, const char *line, size_t n)
{
    size_t have = s ? strlen(s) : 0;
    char *r = realloc(s, have + n + 2);
    if (!r)
        abort();
    memcpy(r + have, line, n);
    r[have + n] = '\n';
    r[have + n + 1] = 0;
    return r;
}

bool vv_parse(const char *path, vv_file *out)
{
    size_t len, cap = 0, next_hdr = 0, cur_i = SIZE_MAX;
    char *buf = (char *)vv_slurp(path, &len), *line, *next;
    vv_event *cur;
    memset(out, 0, sizeof *out);
    if (!buf) {
        fprintf(stderr, "cannot read %s\n", path);
        return false;
    }
    for (line = buf; line < buf + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(buf + len - line);
        next = line + n + 1;
        line[n] = 0;
        unsigned long long pos;
        if (sscanf(line, "# at %llu", &pos) == 1) {
            if (out->n == cap) {
                cap = cap ? cap * 2 : 256;
                out->ev = realloc(out->ev, cap * sizeof *out->ev);
                if (!out->ev)
                    abort();
            }
            vv_event *e = &out->ev[out->n++];
            memset(e, 0, sizeof *e);
            e->pos = pos;
            e->nrows = -1;
            e->ignorable = -1;
            continue;
        }
        /* Headers go to the events in order: mariadb-binlog may print "# at A", "# at B", then
         * both headers (it holds an Annotate_rows back until the Table_map after it). */
        if (next_hdr < out->n && line[0] == '#' && line[1] >= '0' && line[1] <= '9') {
            cur_i = next_hdr++;
            cur = &out->ev[cur_i];
            char *tab = strchr(line, '\t'), *p;
            unsigned sid, end;
            p = strstr(line, "server id ");
            if (!tab || !p || sscanf(p, "server id %u end_log_pos %u", &sid, &end) != 2) {
                fprintf(stderr, "%s: bad header line: %s\n", path, line);
                return false;
            }
            cur->server_id = sid;
            cur->end_log_pos = end;
            if ((p = strstr(line, " CRC32 0x")) && p < tab) {
                cur->has_crc = true;
                cur->crc = (uint32_t)strtoul(p + 9, NULL, 16);
            }
            cur->desc = strdup(tab + 1);
            continue;
        }
        if (cur_i == SIZE_MAX)
            continue;
        /* what mariadb-binlog adds after the last event of a file that ends without ROTATE or
         * STOP (a file copied while open) belongs to no event */
        if (strcmp(line, "# End of log file") == 0) {
            char *d;
            cur = &out->ev[cur_i];
            if (cur->text && (d = strstr(cur->text, "DELIMITER ;\n")) != NULL)
                *d = 0;
            cur_i = SIZE_MAX;
            continue;
        }
        cur = &out->ev[cur_i]; /* realloc may have moved it */
        if (strncmp(line, "###", 3) == 0) {
            cur->rows = append(cur->rows, line, n);
            continue;
        }
        if (sscanf(line, "# Number of rows: %ld", &cur->nrows) == 1)
            continue;
        if (sscanf(line, "# Ignorable event type %d", &cur->ignorable) == 1)
            continue;
        cur->text = append(cur->text, line, n);
    }
    free(buf);
    return true;
}

void vv_free(vv_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->ev[i].desc);
        free(f->ev[i].text);
        free(f->ev[i].rows);
    }
    free(f->ev);
    memset(f, 0, sizeof *f);
}

static hm_code quoted(hm_buf *out, const uint8_t *p, size_t n)
{
    hm_code rc = hm_buf_addc(out, '\'');
    for (size_t i = 0; i < n && rc == HM_OK; i++)
        rc = p[i] > 0x1f ? hm_buf_addc(out, (char)p[i]) : hm_buf_addf(out, "\\x%02x", p[i]);
    return rc == HM_OK ? hm_buf_addc(out, '\'') : rc;
}

/* bits as '0'/'1', reading p as one big-endian number of nbits bits */
static hm_code bits(hm_buf *out, const uint8_t *p, unsigned nbits)
{
    unsigned nbits8 = (nbits + 7) / 8 * 8;
    hm_code rc = hm_buf_adds(out, "b'");
    for (unsigned b = nbits8 - nbits; b < nbits8 && rc == HM_OK; b++)
        rc = hm_buf_addc(out, (p[b / 8] >> (7 - b % 8)) & 1 ? '1' : '0');
    return rc == HM_OK ? hm_buf_addc(out, '\'') : rc;
}

static hm_code signed_and_unsigned(hm_buf *out, int64_t i, uint64_t u)
{
    hm_code rc = hm_buf_addf(out, "%" PRId64, i);
    if (rc == HM_OK && i < 0)
        rc = hm_buf_addf(out, " (%" PRIu64 ")", u);
    return rc;
}

hm_code vv_value(hm_buf *out, const hm_binlog_value *v, hm_err *err)
{
    const hm_binlog_column *c = v->col;
    const hm_binlog_time *tm = &v->tm;
    char b[128];
    if (v->is_null)
        return hm_buf_adds(out, "NULL");
    switch (v->type) {
    case HM_COL_TINY: case HM_COL_SHORT: case HM_COL_INT24: case HM_COL_LONG:
    case HM_COL_LONGLONG:
        return signed_and_unsigned(out, v->i, v->u);
    case HM_COL_NEWDECIMAL:
        if (hm_binlog_decimal_str(v->ptr, v->len, c->precision, c->scale, b, sizeof b, err))
            return HM_ESOURCE;
        return hm_buf_adds(out, b);
    case HM_COL_FLOAT:
        return hm_buf_addf(out, "%-20g", (double)v->f);
    case HM_COL_DOUBLE:
        return hm_buf_addf(out, "%-.20g", v->d);
    case HM_COL_BIT:
        return bits(out, v->ptr, c->max_len);
    case HM_COL_TIMESTAMP:
        return hm_buf_addf(out, "%d", (int)(uint32_t)v->u);
    case HM_COL_TIMESTAMP2:
        if (!c->fsp)
            return hm_buf_addf(out, "%" PRIu64, v->u);
        {
            static const uint32_t div[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};
            return hm_buf_addf(out, "%" PRIu64 ".%0*u", v->u, (int)c->fsp,
                               tm->usec / div[c->fsp]);
        }
    case HM_COL_DATETIME:
        return hm_buf_addf(out, "'%04u-%02u-%02u %02u:%02u:%02u'", tm->year, tm->month, tm->day,
                           tm->hour, tm->minute, tm->second);
    case HM_COL_DATETIME2: case HM_COL_TIME2:
        hm_binlog_time_str(v, b, sizeof b);
        return hm_buf_addf(out, "'%s'", b);
    case HM_COL_TIME:
        return hm_buf_addf(out, "'%s%02u:%02u:%02u'", tm->neg ? "-" : "", tm->hour, tm->minute,
                           tm->second);
    case HM_COL_DATE: case HM_COL_NEWDATE:
        return hm_buf_addf(out, "'%04u:%02u:%02u'", tm->year, tm->month, tm->day);
    case HM_COL_YEAR:
        return hm_buf_addf(out, "%04u", (unsigned)v->u + 1900);
    case HM_COL_ENUM:
        return hm_buf_addf(out, "%d", (int)v->u);
    case HM_COL_SET:
        return bits(out, v->ptr, c->max_len * 8);
    case HM_COL_VECTOR: { /* as MySQL's VECTOR_TO_STRING prints it: [1.10000e+00,...] */
        hm_code rc = hm_buf_addc(out, '[');
        for (size_t i = 0; i + 4 <= v->len && rc == HM_OK; i += 4) {
            float f;
            memcpy(&f, v->ptr + i, 4);
            rc = hm_buf_addf(out, "%s%.5e", i ? "," : "", (double)f);
        }
        return rc == HM_OK ? hm_buf_addc(out, ']') : rc;
    }
    case HM_COL_JSON: {
        /* mariadb-binlog cannot print MySQL JSON; the tests use its text instead */
        hm_buf j;
        hm_code rc;
        hm_buf_init(&j, 1 << 26);
        if (v->json_diff) { /* PARTIAL_UPDATE_ROWS: the diffs, as mysqlbinlog names them */
            static const char *const ops[] = {"JSON_REPLACE", "JSON_INSERT", "JSON_REMOVE"};
            const uint8_t *p = v->ptr, *end = v->ptr + v->len;
            hm_binlog_json_diff d;
            rc = HM_OK;
            while (p < end && rc == HM_OK) {
                const uint8_t *at = p;
                if ((rc = hm_binlog_json_diff_next(&p, end, &d, err)) != HM_OK)
                    break;
                rc = hm_buf_addf(out, "%s%s(@, '%.*s'", at == v->ptr ? "" : " ", ops[d.op],
                                 (int)d.path_len, (const char *)d.path);
                if (rc == HM_OK && d.value) {
                    j.len = 0;
                    rc = hm_binlog_json_text(d.value, d.value_len, &j, err);
                    if (rc == HM_OK)
                        rc = hm_buf_addf(out, ", %.*s", (int)j.len, j.data);
                }
                if (rc == HM_OK)
                    rc = hm_buf_addc(out, ')');
            }
            hm_buf_release(&j);
            return rc;
        }
        rc = hm_binlog_json_text(v->ptr, v->len, &j, err);
        if (rc == HM_OK)
            rc = quoted(out, (const uint8_t *)j.data, j.len);
        hm_buf_release(&j);
        return rc;
    }
    default: /* strings, BLOBs, GEOMETRY */
        return quoted(out, v->ptr, v->len);
    }
}

static hm_code image(hm_buf *out, const hm_binlog_table *t, const hm_binlog_value *vals,
                     hm_err *err)
{
    hm_code rc = HM_OK;
    for (uint32_t i = 0; i < t->ncols && rc == HM_OK; i++) {
        const hm_binlog_value *v = &vals[i];
        char ts[64];
        if (!v->present)
            continue;
        hm_binlog_column_type_str(v->col, ts, sizeof ts);
        rc = hm_buf_addf(out, "###   @%u=", i + 1);
        if (rc == HM_OK)
            rc = vv_value(out, v, err);
        if (rc == HM_OK)
            rc = hm_buf_addf(out, " /* %s meta=%u nullable=%d is_null=%d */\n", ts, v->col->meta,
                             v->col->nullable, v->is_null);
    }
    return rc;
}

hm_code vv_rows(hm_buf *out, const hm_binlog_fmt *fmt, const hm_binlog_event *ev,
                const hm_binlog_table *t, hm_binlog_value *before, hm_binlog_value *after,
                long *nrows, hm_err *err)
{
    hm_binlog_rows_iter it;
    hm_code rc = hm_binlog_rows_begin(&it, fmt, ev, t, err);
    bool more = true;
    *nrows = 0;
    while (rc == HM_OK) {
        rc = hm_binlog_rows_next(&it, before, after, &more, err);
        if (rc != HM_OK || !more)
            break;
        (*nrows)++;
        switch (ev->u.rows.action) {
        case HM_BINLOG_ROWS_WRITE:
            rc = hm_buf_addf(out, "### INSERT INTO `%s`.`%s`\n### SET\n", t->db, t->name);
            if (rc == HM_OK)
                rc = image(out, t, after, err);
            break;
        case HM_BINLOG_ROWS_DELETE:
            rc = hm_buf_addf(out, "### DELETE FROM `%s`.`%s`\n### WHERE\n", t->db, t->name);
            if (rc == HM_OK)
                rc = image(out, t, before, err);
            break;
        case HM_BINLOG_ROWS_UPDATE:
            rc = hm_buf_addf(out, "### UPDATE `%s`.`%s`\n### WHERE\n", t->db, t->name);
            if (rc == HM_OK)
                rc = image(out, t, before, err);
            if (rc == HM_OK)
                rc = hm_buf_adds(out, "### SET\n");
            if (rc == HM_OK)
                rc = image(out, t, after, err);
            break;
        }
    }
    return rc;
}
