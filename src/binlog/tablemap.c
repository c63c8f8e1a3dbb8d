/*
 * binlog/tablemap.c: table maps and the table-id map of a stream. See tablemap.h.
 *
 * Per-column metadata comes packed, its length set by the column's type (0, 1 or 2 bytes), so a
 * type this decoder does not know leaves the rest unparseable: such a table is kept, marked
 * (first_unknown), and fails only when its rows are decoded.
 *
 * Optional metadata is a list of (type 1 byte, length lenenc, value) fields; the value's layout is
 * per type and counts columns of a class (numeric, character, ENUM/SET, geometry), so the classes
 * below must be those of the servers:
 *   numeric:   TINY SHORT INT24 LONG LONGLONG FLOAT DOUBLE NEWDECIMAL       (SIGNEDNESS)
 *              (+ YEAR on MariaDB, whose YEAR is an unsigned TINYINT underneath)
 *   character: STRING VAR_STRING VARCHAR BLOB (+ GEOMETRY on MariaDB)       (charsets)
 *   enum/set:  ENUM SET (written as STRING with the real type in metadata)
 */
#include "binlog/tablemap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/wire.h"
#include "util/err.h"

enum opt_field {
    OPT_SIGNEDNESS = 1,
    OPT_DEFAULT_CHARSET,
    OPT_COLUMN_CHARSET,
    OPT_COLUMN_NAME,
    OPT_SET_STR_VALUE,
    OPT_ENUM_STR_VALUE,
    OPT_GEOMETRY_TYPE,
    OPT_SIMPLE_PRIMARY_KEY,
    OPT_PRIMARY_KEY_WITH_PREFIX,
    OPT_ENUM_AND_SET_DEFAULT_CHARSET,
    OPT_ENUM_AND_SET_COLUMN_CHARSET,
    OPT_COLUMN_VISIBILITY,
    OPT_VECTOR_DIMENSIONALITY, /* MySQL 9.0: per VECTOR column, its number of floats */
};

static bool is_numeric(uint8_t t, bool mariadb)
{
    switch (t) {
    case HM_COL_TINY: case HM_COL_SHORT: case HM_COL_INT24: case HM_COL_LONG:
    case HM_COL_LONGLONG: case HM_COL_FLOAT: case HM_COL_DOUBLE: case HM_COL_NEWDECIMAL:
        return true;
    case HM_COL_YEAR:
        return mariadb;
    default:
        return false;
    }
}

static bool is_character(uint8_t t, bool mariadb)
{
    switch (t) {
    case HM_COL_STRING: case HM_COL_VAR_STRING: case HM_COL_VARCHAR: case HM_COL_BLOB:
        return true;
    case HM_COL_GEOMETRY:
        return mariadb;
    default:
        return false;
    }
}

static bool is_enum_set(uint8_t t) { return t == HM_COL_ENUM || t == HM_COL_SET; }

/* Takes column c's metadata from m; returns false for a type not known. */
static bool column_meta(hm_binlog_column *c, hm_rd *m, bool *short_meta)
{
    uint32_t a, b;
    c->type = c->binlog_type;
    switch (c->binlog_type) {
    case HM_COL_TINY: case HM_COL_SHORT: case HM_COL_INT24: case HM_COL_LONG:
    case HM_COL_LONGLONG: case HM_COL_NULL: case HM_COL_TIMESTAMP: case HM_COL_DATE:
    case HM_COL_TIME: case HM_COL_DATETIME: case HM_COL_YEAR: case HM_COL_NEWDATE:
        return true;
    case HM_COL_FLOAT: case HM_COL_DOUBLE:
        if (!rd_u8(m, &a))
            break;
        c->meta = (uint16_t)a;
        c->max_len = a;
        return true;
    case HM_COL_TIMESTAMP2: case HM_COL_DATETIME2: case HM_COL_TIME2:
        if (!rd_u8(m, &a))
            break;
        c->meta = (uint16_t)a;
        c->fsp = (uint8_t)a;
        return a <= 6;
    case HM_COL_BLOB: case HM_COL_GEOMETRY: case HM_COL_JSON: case HM_COL_TINY_BLOB:
    case HM_COL_MEDIUM_BLOB: case HM_COL_LONG_BLOB: case HM_COL_VECTOR:
        if (!rd_u8(m, &a))
            break;
        c->meta = (uint16_t)a;
        c->max_len = a;
        return a >= 1 && a <= 4;
    case HM_COL_VARCHAR: case HM_COL_VAR_STRING:
        if (!rd_u16(m, &a))
            break;
        c->meta = (uint16_t)a;
        c->max_len = a;
        return true;
    case HM_COL_NEWDECIMAL:
        if (!rd_u8(m, &a) || !rd_u8(m, &b))
            break;
        c->meta = (uint16_t)(a << 8 | b);
        c->precision = (uint8_t)a;
        c->scale = (uint8_t)b;
        return a >= 1 && a <= 65 && b <= 30 && b <= a;
    case HM_COL_BIT:
        if (!rd_u8(m, &a) || !rd_u8(m, &b))
            break;
        c->meta = (uint16_t)(a | b << 8);
        c->max_len = b * 8 + a;
        return a < 8 && c->max_len >= 1 && c->max_len <= 64;
    case HM_COL_STRING: case HM_COL_ENUM: case HM_COL_SET:
        if (!rd_u8(m, &a) || !rd_u8(m, &b))
            break;
        c->meta = (uint16_t)(a << 8 | b);
        if ((a & 0x30) != 0x30) {
            /* CHAR longer than 255 bytes: two high bits of the length hide in the type byte */
            c->max_len = b | (((a & 0x30) ^ 0x30) << 4);
            a |= 0x30;
        } else {
            c->max_len = b;
        }
        if (a == HM_COL_ENUM || a == HM_COL_SET) {
            c->type = (uint8_t)a;
            return a == HM_COL_ENUM ? (b == 1 || b == 2) : (b >= 1 && b <= 8);
        }
        return a == HM_COL_STRING;
    default:
        return false;
    }
    *short_meta = true;
    return false;
}

/* A bitmap over the columns of one class, most significant bit first. */
static bool opt_bit(const uint8_t *v, size_t len, uint32_t k)
{
    return k / 8 < len && (v[k / 8] >> (7 - k % 8)) & 1;
}

static const char *opt_charsets(hm_binlog_table *t, hm_rd *f, int field, bool mariadb)
{
    bool enums = field == OPT_ENUM_AND_SET_DEFAULT_CHARSET || field == OPT_ENUM_AND_SET_COLUMN_CHARSET;
    uint64_t v, idx;
    uint32_t k = 0;
    if (field == OPT_DEFAULT_CHARSET || field == OPT_ENUM_AND_SET_DEFAULT_CHARSET) {
        /* the default, then (index among the class, collation) for the exceptions */
        if (!rd_lenenc(f, &v))
            return "bad default charset";
        for (uint32_t i = 0; i < t->ncols; i++) {
            hm_binlog_column *c = &t->cols[i];
            if (enums ? is_enum_set(c->type) : is_character(c->type, mariadb))
                c->charset = (uint32_t)v;
        }
        while (rd_left(f) > 0) {
            if (!rd_lenenc(f, &idx) || !rd_lenenc(f, &v))
                return "bad charset exception";
            for (uint32_t i = 0, n = 0; i < t->ncols; i++) {
                hm_binlog_column *c = &t->cols[i];
                if (enums ? is_enum_set(c->type) : is_character(c->type, mariadb)) {
                    if (n++ == idx)
                        c->charset = (uint32_t)v;
                }
            }
        }
        return NULL;
    }
    for (uint32_t i = 0; i < t->ncols && rd_left(f) > 0; i++) {
        hm_binlog_column *c = &t->cols[i];
        if (enums ? is_enum_set(c->type) : is_character(c->type, mariadb)) {
            if (!rd_lenenc(f, &v))
                return "bad column charset";
            c->charset = (uint32_t)v;
            k++;
        }
    }
    return rd_left(f) == 0 ? NULL : "more column charsets than columns";
}

static const char *opt_parse(hm_binlog_table *t, const uint8_t *p, size_t len, bool mariadb)
{
    hm_rd r = hm_rd_make(p, len);
    while (rd_left(&r) > 0) {
        uint32_t type;
        uint64_t flen, v = 0, w = 0;
        const uint8_t *val;
        const char *bad = NULL;
        rd_u8(&r, &type);
        if (!rd_lenenc(&r, &flen) || !rd_bytes(&r, flen, &val))
            return "truncated optional metadata";
        hm_rd f = hm_rd_make(val, flen);
        switch (type) {
        case OPT_SIGNEDNESS:
            for (uint32_t i = 0, k = 0; i < t->ncols; i++)
                if (is_numeric(t->cols[i].type, mariadb))
                    t->cols[i].is_unsigned = opt_bit(val, flen, k++);
            t->has_signedness = true;
            break;
        case OPT_DEFAULT_CHARSET: case OPT_COLUMN_CHARSET:
        case OPT_ENUM_AND_SET_DEFAULT_CHARSET: case OPT_ENUM_AND_SET_COLUMN_CHARSET:
            bad = opt_charsets(t, &f, (int)type, mariadb);
            t->has_charsets = true;
            break;
        case OPT_COLUMN_NAME:
            for (uint32_t i = 0; i < t->ncols; i++) {
                const uint8_t *s;
                if (!rd_lenenc(&f, &v) || !rd_bytes(&f, v, &s)) {
                    bad = "bad column names";
                    break;
                }
                t->cols[i].name.p = (const char *)s;
                t->cols[i].name.len = v;
            }
            t->has_names = true;
            break;
        case OPT_SET_STR_VALUE: case OPT_ENUM_STR_VALUE:
            for (uint32_t i = 0; i < t->ncols && !bad; i++) {
                hm_binlog_column *c = &t->cols[i];
                if (c->type != (type == OPT_SET_STR_VALUE ? HM_COL_SET : HM_COL_ENUM))
                    continue;
                if (!rd_lenenc(&f, &v) || v > 65535) {
                    bad = "bad ENUM/SET labels";
                    break;
                }
                c->labels = f.p;
                c->n_labels = (uint32_t)v;
                for (uint64_t k = 0; k < v && !bad; k++)
                    if (!rd_lenenc(&f, &w) || !rd_skip(&f, w))
                        bad = "bad ENUM/SET labels";
                c->labels_len = (size_t)(f.p - c->labels);
            }
            t->has_labels = true;
            break;
        case OPT_GEOMETRY_TYPE:
            for (uint32_t i = 0; i < t->ncols && !bad; i++)
                if (t->cols[i].type == HM_COL_GEOMETRY) {
                    if (!rd_lenenc(&f, &v))
                        bad = "bad geometry types";
                    t->cols[i].geometry_type = (uint32_t)v;
                }
            t->has_geometry_types = true;
            break;
        case OPT_SIMPLE_PRIMARY_KEY: case OPT_PRIMARY_KEY_WITH_PREFIX: {
            uint32_t n = 0;
            free(t->pk);
            t->pk = calloc(2 * (size_t)t->ncols, sizeof *t->pk);
            if (!t->pk)
                return "";
            t->pk_prefix = t->pk + t->ncols;
            while (rd_left(&f) > 0) {
                w = 0;
                if (!rd_lenenc(&f, &v) || v >= t->ncols || n >= t->ncols ||
                    (type == OPT_PRIMARY_KEY_WITH_PREFIX && !rd_lenenc(&f, &w))) {
                    bad = "bad primary key";
                    break;
                }
                t->pk[n] = (uint32_t)v;
                t->pk_prefix[n++] = (uint32_t)w;
            }
            t->n_pk = n;
            t->has_pk = true;
            break;
        }
        case OPT_VECTOR_DIMENSIONALITY:
            for (uint32_t i = 0; i < t->ncols && !bad; i++)
                if (t->cols[i].type == HM_COL_VECTOR) {
                    if (!rd_lenenc(&f, &v) || v > 16383)
                        bad = "bad vector dimensions";
                    t->cols[i].dimensions = (uint32_t)v;
                }
            t->has_dimensions = true;
            break;
        case OPT_COLUMN_VISIBILITY:
            for (uint32_t i = 0; i < t->ncols; i++)
                t->cols[i].visible = opt_bit(val, flen, i);
            t->has_visibility = true;
            break;
        default:
            break; /* a newer field: its length lets us skip it */
        }
        if (bad)
            return bad;
    }
    return NULL;
}

void hm_binlog_table_free(hm_binlog_table *t)
{
    if (!t)
        return;
    free(t->pk);
    free(t->cols);
    free(t->copy);
    free(t);
}

hm_code hm_binlog_table_new(const hm_binlog_fmt *fmt, const hm_binlog_event *ev,
                            hm_binlog_table **out, hm_err *err)
{
    hm_binlog_table *t = NULL;
    const char *bad = NULL;
    hm_code rc = HM_ENOMEM;
    size_t db_len = ev->u.table_map.db.len, tb_len = ev->u.table_map.table.len;
    uint8_t *c;

    if (ev->kind != HM_BINLOG_EV_TABLE_MAP)
        return hm_err_set(err, HM_EUSAGE, "hm_binlog_table_new: not a TABLE_MAP event");
    t = calloc(1, sizeof *t);
    if (!t)
        goto nomem;
    /* one block: the body, then the db and table names NUL-terminated */
    t->copy_len = ev->body_len;
    t->copy = malloc(ev->body_len + db_len + tb_len + 2);
    t->cols = calloc(ev->u.table_map.ncols, sizeof *t->cols);
    if (!t->copy || !t->cols)
        goto nomem;
    c = t->copy;
    memcpy(c, ev->body, ev->body_len);
    t->db = (char *)c + ev->body_len;
    memcpy(t->db, ev->u.table_map.db.p, db_len);
    t->db[db_len] = 0;
    t->name = t->db + db_len + 1;
    memcpy(t->name, ev->u.table_map.table.p, tb_len);
    t->name[tb_len] = 0;
    t->table_id = ev->u.table_map.table_id;
    t->flags = ev->u.table_map.flags;
    t->ncols = ev->u.table_map.ncols;
    t->first_unknown = -1;

#define IN_COPY(ptr) (c + ((const uint8_t *)(ptr) - ev->body))
    {
        const uint8_t *types = IN_COPY(ev->u.table_map.types);
        const uint8_t *nulls = IN_COPY(ev->u.table_map.null_bits);
        hm_rd m = hm_rd_make(IN_COPY(ev->u.table_map.meta), ev->u.table_map.meta_len);
        for (uint32_t i = 0; i < t->ncols; i++) {
            hm_binlog_column *col = &t->cols[i];
            bool short_meta = false;
            col->binlog_type = types[i];
            col->nullable = hm_bit(nulls, i);
            col->visible = true;
            if (col->binlog_type == HM_COL_JSON)
                t->n_json++;
            if (t->first_unknown < 0) {
                col->known = column_meta(col, &m, &short_meta);
                if (short_meta) {
                    bad = "metadata shorter than the column types need";
                    rc = HM_ESOURCE;
                    goto fail;
                }
                if (!col->known)
                    t->first_unknown = (int)i;
            } else {
                col->type = col->binlog_type;
            }
        }
        if (t->first_unknown < 0 && ev->u.table_map.opt) {
            bad = opt_parse(t, IN_COPY(ev->u.table_map.opt), ev->u.table_map.opt_len,
                            fmt->mariadb);
            if (bad) {
                rc = *bad ? HM_ESOURCE : HM_ENOMEM;
                if (rc == HM_ENOMEM)
                    goto nomem;
                goto fail;
            }
        }
    }
#undef IN_COPY
    *out = t;
    return HM_OK;

nomem:
    hm_binlog_table_free(t);
    return hm_err_set(err, HM_ENOMEM, "out of memory decoding a table map");
fail:
    rc = hm_err_set(err, rc, "binlog %s:%llu: TABLE_MAP of `%s`.`%s` (table id %llu): %s",
                    fmt->file[0] ? fmt->file : "?", (unsigned long long)ev->pos, t->db, t->name,
                    (unsigned long long)t->table_id, bad);
    hm_binlog_table_free(t);
    return rc;
}

bool hm_binlog_table_label(const hm_binlog_column *c, uint32_t i, hm_binlog_str *out)
{
    hm_rd r;
    uint64_t len;
    if (!c->labels || i >= c->n_labels)
        return false;
    r = hm_rd_make(c->labels, c->labels_len);
    for (uint32_t k = 0; rd_lenenc(&r, &len) && rd_has(&r, len); k++) {
        if (k == i) {
            out->p = (const char *)r.p;
            out->len = len;
            return true;
        }
        r.p += len;
    }
    return false;
}

void hm_binlog_column_type_str(const hm_binlog_column *c, char *buf, size_t n)
{
    switch (c->type) {
    case HM_COL_LONG: snprintf(buf, n, "INT"); break;
    case HM_COL_TINY: snprintf(buf, n, "TINYINT"); break;
    case HM_COL_SHORT: snprintf(buf, n, "SHORTINT"); break;
    case HM_COL_INT24: snprintf(buf, n, "MEDIUMINT"); break;
    case HM_COL_LONGLONG: snprintf(buf, n, "LONGINT"); break;
    case HM_COL_NEWDECIMAL: snprintf(buf, n, "DECIMAL(%u,%u)", c->precision, c->scale); break;
    case HM_COL_FLOAT: snprintf(buf, n, "FLOAT"); break;
    case HM_COL_DOUBLE: snprintf(buf, n, "DOUBLE"); break;
    case HM_COL_BIT: snprintf(buf, n, "BIT(%u)", c->max_len); break;
    case HM_COL_TIMESTAMP: snprintf(buf, n, "TIMESTAMP"); break;
    case HM_COL_TIMESTAMP2: snprintf(buf, n, "TIMESTAMP(%u)", c->fsp); break;
    case HM_COL_DATETIME: snprintf(buf, n, "DATETIME"); break;
    case HM_COL_DATETIME2: snprintf(buf, n, "DATETIME(%u)", c->fsp); break;
    case HM_COL_TIME: snprintf(buf, n, "TIME"); break;
    case HM_COL_TIME2: snprintf(buf, n, "TIME(%u)", c->fsp); break;
    case HM_COL_NEWDATE: case HM_COL_DATE: snprintf(buf, n, "DATE"); break;
    case HM_COL_YEAR: snprintf(buf, n, "YEAR"); break;
    case HM_COL_ENUM:
        snprintf(buf, n, "ENUM(%u byte%s)", c->max_len, c->max_len == 1 ? "" : "s");
        break;
    case HM_COL_SET: snprintf(buf, n, "SET(%u bytes)", c->max_len); break;
    case HM_COL_BLOB: case HM_COL_TINY_BLOB: case HM_COL_MEDIUM_BLOB: case HM_COL_LONG_BLOB:
        snprintf(buf, n, "%s", c->max_len == 1   ? "TINYBLOB/TINYTEXT"
                               : c->max_len == 2 ? "BLOB/TEXT"
                               : c->max_len == 3 ? "MEDIUMBLOB/MEDIUMTEXT"
                                                 : "LONGBLOB/LONGTEXT");
        break;
    case HM_COL_VARCHAR: case HM_COL_VAR_STRING: snprintf(buf, n, "VARSTRING(%u)", c->meta); break;
    case HM_COL_STRING: snprintf(buf, n, "STRING(%u)", c->max_len); break;
    case HM_COL_GEOMETRY: snprintf(buf, n, "GEOMETRY"); break;
    case HM_COL_JSON: snprintf(buf, n, "JSON"); break;
    case HM_COL_VECTOR: snprintf(buf, n, "VECTOR(%u)", c->dimensions); break;
    default: snprintf(buf, n, "type %u", c->type); break;
    }
}

/* ---- the table-id map ---------------------------------------------------------------------- */

void hm_binlog_tables_init(hm_binlog_tables *ts) { memset(ts, 0, sizeof *ts); }

static size_t slot_of(const hm_binlog_tables *ts, uint64_t id)
{
    size_t i = (size_t)((id * 0x9e3779b97f4a7c15ull) >> 17) & (ts->cap - 1);
    while (ts->slot[i] && ts->slot[i]->table_id != id)
        i = (i + 1) & (ts->cap - 1);
    return i;
}

const hm_binlog_table *hm_binlog_tables_get(const hm_binlog_tables *ts, uint64_t table_id)
{
    if (!ts->cap)
        return NULL;
    return ts->slot[slot_of(ts, table_id)];
}

static bool grow(hm_binlog_tables *ts)
{
    size_t cap = ts->cap ? ts->cap * 2 : 64;
    hm_binlog_table **old = ts->slot;
    size_t oldcap = ts->cap;
    ts->slot = calloc(cap, sizeof *ts->slot);
    if (!ts->slot) {
        ts->slot = old;
        return false;
    }
    ts->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i])
            ts->slot[slot_of(ts, old[i]->table_id)] = old[i];
    free(old);
    return true;
}

hm_code hm_binlog_tables_put(hm_binlog_tables *ts, const hm_binlog_fmt *fmt,
                             const hm_binlog_event *ev, const hm_binlog_table **out, hm_err *err)
{
    hm_binlog_table *t;
    hm_code rc;
    size_t i;
    if ((ts->count + 1) * 2 > ts->cap && !grow(ts))
        return hm_err_set(err, HM_ENOMEM, "out of memory mapping table ids");
    i = slot_of(ts, ev->u.table_map.table_id);
    t = ts->slot[i];
    /* the same table is mapped again before each transaction: keep it when nothing changed */
    if (t && t->copy_len == ev->body_len && memcmp(t->copy, ev->body, ev->body_len) == 0) {
        *out = t;
        return HM_OK;
    }
    rc = hm_binlog_table_new(fmt, ev, &t, err);
    if (rc != HM_OK)
        return rc;
    if (ts->slot[i])
        hm_binlog_table_free(ts->slot[i]);
    else
        ts->count++;
    ts->slot[i] = t;
    *out = t;
    return HM_OK;
}

void hm_binlog_tables_clear(hm_binlog_tables *ts)
{
    for (size_t i = 0; i < ts->cap; i++) {
        hm_binlog_table_free(ts->slot[i]);
        ts->slot[i] = NULL;
    }
    ts->count = 0;
}

void hm_binlog_tables_release(hm_binlog_tables *ts)
{
    hm_binlog_tables_clear(ts);
    free(ts->slot);
    memset(ts, 0, sizeof *ts);
}
