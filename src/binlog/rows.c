/*
 * binlog/rows.c: row images to typed values. See rows.h.
 *
 * Formats of the packed values (little-endian unless said):
 *   TINY/SHORT/INT24/LONG/LONGLONG  1/2/3/4/8 bytes        YEAR  1 byte, year - 1900 (0: 0000)
 *   FLOAT/DOUBLE   IEEE 754, 4/8 bytes                      NULL  nothing
 *   NEWDECIMAL     MySQL's binary decimal, big-endian groups of 9 digits (see decimal_str)
 *   BIT            (bits + 7) / 8 bytes, big-endian         ENUM/SET  1-2 / 1-8 bytes
 *   DATE           3 bytes: day | month << 5 | year << 9
 *   TIME           3 bytes, signed HHMMSS                   DATETIME  8 bytes YYYYMMDDhhmmss
 *   TIMESTAMP      4 bytes, seconds since the epoch
 *   TIME2          3 bytes big-endian, 0x800000 + (hour << 12 | minute << 6 | second), then
 *                  (fsp + 1) / 2 bytes of fraction, big-endian, signed with the integer part
 *   DATETIME2      5 bytes big-endian, 0x8000000000 + (((year * 13 + month) << 5 | day) << 17 |
 *                  hour << 12 | minute << 6 | second), then the fraction as TIME2
 *   TIMESTAMP2     4 bytes big-endian seconds, then the fraction
 *   VARCHAR/STRING length in 1 byte (max length < 256) or 2, then the bytes
 *   BLOB/TEXT/JSON/GEOMETRY/VECTOR  length in 1-4 bytes (metadata), then the bytes
 *
 * PARTIAL_UPDATE_ROWS (MySQL binlog_row_value_options=PARTIAL_JSON): each after image starts
 * with value_options (lenenc); when its bit 0 (PARTIAL_JSON_UPDATES) is set, a bitmap follows with
 * one bit per JSON column of the table (present or not); a JSON column whose bit is set holds, in
 * place of a document, a sequence of diffs (json.h). Then the image goes on as usual.
 */
#include "binlog/rows.h"

#include <stdio.h>
#include <string.h>

#include "binlog/wire.h"
#include "util/err.h"

static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
static const uint32_t pow10_9[10] = {1,      10,      100,      1000,      10000,
                                     100000, 1000000, 10000000, 100000000, 1000000000};

size_t hm_binlog_decimal_size(unsigned precision, unsigned scale)
{
    unsigned intg = precision - scale;
    return (size_t)(intg / 9) * 4 + dig2bytes[intg % 9] + (size_t)(scale / 9) * 4 +
           dig2bytes[scale % 9];
}

hm_code hm_binlog_decimal_str(const uint8_t *bin, size_t len, unsigned precision, unsigned scale,
                              char *buf, size_t n, hm_err *err)
{
    uint8_t d[40];
    unsigned intg = precision - scale, intg0 = intg / 9, intg0x = intg % 9;
    unsigned frac0 = scale / 9, frac0x = scale % 9;
    size_t size = hm_binlog_decimal_size(precision, scale), at = 0, o = 0;
    char digits[80];
    size_t nd = 0;
    uint8_t mask;

    if (precision < 1 || precision > 65 || scale > 30 || scale > precision || len != size ||
        size > sizeof d || n < 68)
        return hm_err_set(err, HM_ESOURCE, "DECIMAL(%u,%u): bad encoding", precision, scale);
    /* positive numbers have the top bit set; negative ones are stored complemented */
    memcpy(d, bin, size);
    mask = (d[0] & 0x80) ? 0 : 0xff;
    d[0] ^= 0x80;
    for (size_t i = 0; i < size; i++)
        d[i] ^= mask;

#define GROUP(nbytes, ndig)                                                                    \
    do {                                                                                       \
        uint32_t w = (uint32_t)hm_beN(d + at, (nbytes));                                       \
        at += (nbytes);                                                                        \
        if (w >= pow10_9[(ndig)])                                                              \
            return hm_err_set(err, HM_ESOURCE, "DECIMAL(%u,%u): bad digit group", precision,   \
                              scale);                                                          \
        for (int k = (int)(ndig)-1; k >= 0; k--) {                                             \
            digits[nd + (size_t)k] = (char)('0' + w % 10);                                     \
            w /= 10;                                                                           \
        }                                                                                      \
        nd += (ndig);                                                                          \
    } while (0)

    if (intg0x)
        GROUP(dig2bytes[intg0x], intg0x);
    for (unsigned i = 0; i < intg0; i++)
        GROUP(4, 9);
    size_t int_digits = nd;
    for (unsigned i = 0; i < frac0; i++)
        GROUP(4, 9);
    if (frac0x)
        GROUP(dig2bytes[frac0x], frac0x);
#undef GROUP

    if (mask)
        buf[o++] = '-';
    size_t first = 0;
    while (first + 1 < int_digits && digits[first] == '0')
        first++;
    if (int_digits == 0)
        buf[o++] = '0';
    else
        for (size_t i = first; i < int_digits; i++)
            buf[o++] = digits[i];
    if (scale) {
        buf[o++] = '.';
        memcpy(buf + o, digits + int_digits, scale);
        o += scale;
    }
    buf[o] = 0;
    return HM_OK;
}

/* MySQL's "packed" temporal integer: (date_and_time << 24) | microseconds, signed. */
static void time_from_packed(hm_binlog_time *tm, int64_t packed, bool with_date)
{
    uint64_t t;
    tm->neg = packed < 0;
    t = tm->neg ? 0 - (uint64_t)packed : (uint64_t)packed; /* INT64_MIN too (hostile bytes) */
    tm->usec = (uint32_t)(t % (1u << 24));
    t >>= 24;
    if (with_date) {
        uint64_t ymd = t >> 17, ym = ymd >> 5, hms = t % (1u << 17);
        tm->day = (uint32_t)(ymd % 32);
        tm->month = (uint32_t)(ym % 13);
        tm->year = (uint32_t)(ym / 13);
        tm->second = (uint32_t)(hms % 64);
        tm->minute = (uint32_t)((hms >> 6) % 64);
        tm->hour = (uint32_t)(hms >> 12);
    } else {
        tm->hour = (uint32_t)((t >> 12) % 1024);
        tm->minute = (uint32_t)((t >> 6) % 64);
        tm->second = (uint32_t)(t % 64);
    }
}

/* The fraction that follows TIME2/DATETIME2/TIMESTAMP2, as microseconds; signed (TIME2 stores
 * negative times with a negative fraction). */
static int32_t frac_usec(const uint8_t *p, unsigned fsp)
{
    switch (fsp) {
    case 1: case 2: return (int32_t)(int8_t)p[0] * 10000;
    case 3: case 4: return (int32_t)hm_sext(hm_beN(p, 2), 16) * 100;
    case 5: case 6: return (int32_t)hm_sext(hm_beN(p, 3), 24);
    default: return 0;
    }
}

static unsigned frac_bytes(unsigned fsp) { return (fsp + 1) / 2; }

/* Reads one non-NULL value of column c at r into v; returns what is wrong or NULL. */
static const char *read_value(hm_rd *r, const hm_binlog_column *c, hm_binlog_value *v)
{
    const uint8_t *p;
    size_t n;
    uint64_t x;

    switch (c->type) {
    case HM_COL_TINY: n = 1; goto integer;
    case HM_COL_SHORT: n = 2; goto integer;
    case HM_COL_INT24: n = 3; goto integer;
    case HM_COL_LONG: n = 4; goto integer;
    case HM_COL_LONGLONG: n = 8;
    integer:
        if (!rd_bytes(r, n, &p))
            return "truncated integer";
        v->u = hm_leN(p, (unsigned)n);
        v->i = hm_sext(v->u, (unsigned)n * 8);
        return NULL;
    case HM_COL_YEAR:
        if (!rd_bytes(r, 1, &p))
            return "truncated YEAR";
        v->u = p[0];
        v->i = p[0] ? 1900 + p[0] : 0;
        return NULL;
    case HM_COL_FLOAT:
        if (!rd_bytes(r, 4, &p))
            return "truncated FLOAT";
        {
            uint32_t bits = hm_le32(p);
            memcpy(&v->f, &bits, 4);
            v->d = v->f;
        }
        return NULL;
    case HM_COL_DOUBLE:
        if (!rd_bytes(r, 8, &p))
            return "truncated DOUBLE";
        x = hm_le64(p);
        memcpy(&v->d, &x, 8);
        return NULL;
    case HM_COL_NULL:
        v->is_null = true;
        return NULL;
    case HM_COL_NEWDECIMAL:
        n = hm_binlog_decimal_size(c->precision, c->scale);
        if (!rd_bytes(r, n, &v->ptr))
            return "truncated DECIMAL";
        v->len = n;
        return NULL;
    case HM_COL_BIT:
        n = (c->max_len + 7) / 8;
        if (!rd_bytes(r, n, &v->ptr))
            return "truncated BIT";
        v->len = n;
        v->u = hm_beN(v->ptr, (unsigned)n);
        v->i = (int64_t)v->u;
        return NULL;
    case HM_COL_ENUM: case HM_COL_SET:
        if (!rd_bytes(r, c->max_len, &p))
            return "truncated ENUM/SET";
        v->ptr = p;
        v->len = c->max_len;
        v->u = hm_leN(p, c->max_len);
        v->i = (int64_t)v->u;
        return NULL;
    case HM_COL_DATE: case HM_COL_NEWDATE:
        if (!rd_bytes(r, 3, &p))
            return "truncated DATE";
        x = hm_le24(p);
        v->tm.day = (uint32_t)(x & 31);
        v->tm.month = (uint32_t)((x >> 5) & 15);
        v->tm.year = (uint32_t)(x >> 9);
        return NULL;
    case HM_COL_TIME: {
        if (!rd_bytes(r, 3, &p))
            return "truncated TIME";
        int64_t t = hm_sext(hm_le24(p), 24);
        v->tm.neg = t < 0;
        if (t < 0)
            t = -t;
        v->tm.hour = (uint32_t)(t / 10000);
        v->tm.minute = (uint32_t)(t / 100 % 100);
        v->tm.second = (uint32_t)(t % 100);
        return NULL;
    }
    case HM_COL_DATETIME: {
        if (!rd_bytes(r, 8, &p))
            return "truncated DATETIME";
        x = hm_le64(p);
        uint64_t d = x / 1000000, t = x % 1000000;
        v->tm.year = (uint32_t)(d / 10000);
        v->tm.month = (uint32_t)(d / 100 % 100);
        v->tm.day = (uint32_t)(d % 100);
        v->tm.hour = (uint32_t)(t / 10000);
        v->tm.minute = (uint32_t)(t / 100 % 100);
        v->tm.second = (uint32_t)(t % 100);
        return NULL;
    }
    case HM_COL_TIMESTAMP:
        if (!rd_bytes(r, 4, &p))
            return "truncated TIMESTAMP";
        v->u = hm_le32(p);
        v->i = (int64_t)v->u;
        return NULL;
    case HM_COL_TIMESTAMP2:
        if (!rd_bytes(r, 4 + frac_bytes(c->fsp), &p))
            return "truncated TIMESTAMP";
        v->u = hm_beN(p, 4);
        v->i = (int64_t)v->u;
        {
            int32_t us = frac_usec(p + 4, c->fsp);
            v->tm.usec = us < 0 ? 0 : (uint32_t)us;
        }
        return NULL;
    case HM_COL_DATETIME2: {
        if (!rd_bytes(r, 5 + frac_bytes(c->fsp), &p))
            return "truncated DATETIME";
        int64_t ip = (int64_t)hm_beN(p, 5) - 0x8000000000LL;
        /* in unsigned arithmetic: hostile bytes can reach INT64_MIN, and a fraction past it */
        time_from_packed(&v->tm, (int64_t)((uint64_t)ip * (1u << 24) + (uint64_t)(int64_t)frac_usec(p + 5, c->fsp)),
                         true);
        return NULL;
    }
    case HM_COL_TIME2: {
        if (!rd_bytes(r, 3 + frac_bytes(c->fsp), &p))
            return "truncated TIME";
        int64_t ip, packed;
        if (c->fsp >= 5) {
            packed = (int64_t)hm_beN(p, 6) - 0x800000000000LL;
        } else {
            ip = (int64_t)hm_beN(p, 3) - 0x800000LL;
            if (c->fsp == 0) {
                packed = ip * (1 << 24);
            } else {
                /* the fraction of a negative time is stored as its complement: borrow one */
                int64_t fr = c->fsp <= 2 ? p[3] : (int64_t)hm_beN(p + 3, 2);
                int64_t unit = c->fsp <= 2 ? 0x100 : 0x10000;
                if (ip < 0 && fr) {
                    ip++;
                    fr -= unit;
                }
                packed = ip * (1 << 24) + fr * (c->fsp <= 2 ? 10000 : 100);
            }
        }
        time_from_packed(&v->tm, packed, false);
        return NULL;
    }
    case HM_COL_VARCHAR: case HM_COL_VAR_STRING: case HM_COL_STRING:
        n = c->max_len < 256 ? 1 : 2;
        if (!rd_bytes(r, n, &p))
            return "truncated string length";
        v->len = n == 1 ? p[0] : hm_le16(p);
        if (!rd_bytes(r, v->len, &v->ptr))
            return "truncated string";
        return NULL;
    case HM_COL_BLOB: case HM_COL_TINY_BLOB: case HM_COL_MEDIUM_BLOB: case HM_COL_LONG_BLOB:
    case HM_COL_JSON: case HM_COL_GEOMETRY: case HM_COL_VECTOR:
        if (!rd_bytes(r, c->max_len, &p))
            return "truncated BLOB length";
        v->len = (size_t)hm_leN(p, c->max_len);
        if (!rd_bytes(r, v->len, &v->ptr))
            return "truncated BLOB";
        return NULL;
    default:
        return "column type not supported";
    }
}

static const char *read_image(hm_binlog_rows_iter *it, const uint8_t *present,
                              uint32_t n_present, hm_binlog_value *vals, uint32_t *col,
                              bool shared)
{
    const hm_binlog_table *t = it->t;
    hm_rd r = {it->p, it->end};
    const uint8_t *nulls, *partial = NULL;
    uint32_t k = 0, j = 0;

    *col = UINT32_MAX;
    if (shared) { /* a PARTIAL_UPDATE_ROWS after image */
        uint64_t opts;
        if (!rd_lenenc(&r, &opts))
            return "truncated value options";
        if ((opts & 1) && !rd_bytes(&r, (t->n_json + 7) / 8, &partial))
            return "truncated partial JSON bitmap";
    }
    if (!rd_bytes(&r, (n_present + 7) / 8, &nulls)) {
        *col = UINT32_MAX;
        return "truncated NULL bitmap";
    }
    for (uint32_t i = 0; i < t->ncols; i++) {
        hm_binlog_value *v = &vals[i];
        memset(v, 0, sizeof *v);
        v->col = &t->cols[i];
        v->type = t->cols[i].type;
        if (v->type == HM_COL_JSON && partial && hm_bit(partial, j++))
            v->json_diff = true;
        if (!hm_bit(present, i))
            continue;
        v->present = true;
        if (hm_bit(nulls, k++)) {
            v->is_null = true;
            continue;
        }
        const char *bad = read_value(&r, &t->cols[i], v);
        if (bad) {
            *col = i;
            return bad;
        }
    }
    it->p = r.p;
    return NULL;
}

static uint32_t popcount(const uint8_t *bits, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        c += hm_bit(bits, i);
    return c;
}

hm_code hm_binlog_rows_begin(hm_binlog_rows_iter *it, const hm_binlog_fmt *fmt,
                             const hm_binlog_event *ev, const hm_binlog_table *t, hm_err *err)
{
    const char *bad = NULL;
    memset(it, 0, sizeof *it);
    it->fmt = fmt;
    it->ev = ev;
    it->t = t;
    if (ev->kind != HM_BINLOG_EV_ROWS)
        return hm_err_set(err, HM_EUSAGE, "hm_binlog_rows_begin: not a ROWS event");
    if (ev->u.rows.compressed)
        return hm_err_set(err, HM_EUSAGE, "hm_binlog_rows_begin: the event is still compressed");
    it->p = ev->u.rows.rows;
    it->end = ev->u.rows.rows + ev->u.rows.rows_len;
    if (t->table_id != ev->u.rows.table_id)
        bad = "the table map given is of another table id";
    else if (t->ncols != ev->u.rows.ncols)
        bad = "column count differs from the table map's";
    else if (t->first_unknown >= 0 &&
             (hm_bit(ev->u.rows.cols, (uint32_t)t->first_unknown) ||
              (ev->u.rows.cols_ai && hm_bit(ev->u.rows.cols_ai, (uint32_t)t->first_unknown))))
        bad = "a column has a type this decoder does not know";
    if (bad) {
        char tn[16];
        return hm_err_set(err, HM_ESOURCE,
                          "binlog %s:%llu: %s event for `%s`.`%s` (table id %llu): %s%s%u",
                          fmt->file[0] ? fmt->file : "?", (unsigned long long)ev->pos,
                          hm_binlog_type_name_r(ev->type, tn, sizeof tn), t->db, t->name,
                          (unsigned long long)ev->u.rows.table_id, bad,
                          t->first_unknown >= 0 ? ": type " : "",
                          t->first_unknown >= 0 ? t->cols[t->first_unknown].binlog_type : 0);
    }
    it->n_present = popcount(ev->u.rows.cols, t->ncols);
    it->n_present_ai = ev->u.rows.cols_ai ? popcount(ev->u.rows.cols_ai, t->ncols) : 0;
    return HM_OK;
}

hm_code hm_binlog_rows_next(hm_binlog_rows_iter *it, hm_binlog_value *before,
                            hm_binlog_value *after, bool *more, hm_err *err)
{
    const hm_binlog_event *ev = it->ev;
    const char *bad = NULL;
    uint32_t col = UINT32_MAX;
    hm_binlog_value *first;

    *more = false;
    if (it->p >= it->end)
        return HM_OK;
    first = ev->u.rows.action == HM_BINLOG_ROWS_WRITE ? after : before;
    if (!first || (ev->u.rows.action == HM_BINLOG_ROWS_UPDATE && !after))
        return hm_err_set(err, HM_EUSAGE, "hm_binlog_rows_next: no array for the row image");
    bad = read_image(it, ev->u.rows.cols, it->n_present, first, &col, false);
    if (!bad && ev->u.rows.action == HM_BINLOG_ROWS_UPDATE) {
        if (it->p >= it->end)
            bad = "no after image";
        else
            bad = read_image(it, ev->u.rows.cols_ai, it->n_present_ai, after, &col,
                             ev->u.rows.partial);
    }
    if (bad) {
        char tn[16], cn[48] = "";
        const hm_binlog_table *t = it->t;
        if (col != UINT32_MAX)
            snprintf(cn, sizeof cn, ", column %u (type %u)", col + 1, t->cols[col].type);
        return hm_err_set(err, HM_ESOURCE,
                          "binlog %s:%llu: %s event for `%s`.`%s`: row %llu%s: %s",
                          it->fmt->file[0] ? it->fmt->file : "?", (unsigned long long)ev->pos,
                          hm_binlog_type_name_r(ev->type, tn, sizeof tn), t->db, t->name,
                          (unsigned long long)it->row + 1, cn, bad);
    }
    it->row++;
    *more = true;
    return HM_OK;
}

void hm_binlog_time_str(const hm_binlog_value *v, char *buf, size_t n)
{
    const hm_binlog_time *tm = &v->tm;
    unsigned fsp = v->col ? v->col->fsp : 0;
    char frac[16] = "";
    if (fsp)
        snprintf(frac, sizeof frac, ".%06u", tm->usec);
    frac[fsp ? fsp + 1 : 0] = 0;
    switch (v->type) {
    case HM_COL_DATE: case HM_COL_NEWDATE:
        snprintf(buf, n, "%04u-%02u-%02u", tm->year, tm->month, tm->day);
        break;
    case HM_COL_TIME: case HM_COL_TIME2:
        snprintf(buf, n, "%s%02u:%02u:%02u%s", tm->neg ? "-" : "", tm->hour, tm->minute,
                 tm->second, frac);
        break;
    case HM_COL_DATETIME: case HM_COL_DATETIME2:
        snprintf(buf, n, "%04u-%02u-%02u %02u:%02u:%02u%s", tm->year, tm->month, tm->day,
                 tm->hour, tm->minute, tm->second, frac);
        break;
    default:
        if (n)
            buf[0] = 0;
        break;
    }
}
