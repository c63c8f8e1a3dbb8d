/*
 * binlog/json.c: MySQL binary JSON to text. See json.h. Recursive over nesting, bounded by
 * MAX_DEPTH (MySQL refuses documents deeper than 100); every offset is checked against the
 * enclosing object or array before it is followed.
 */
#include "binlog/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "binlog/wire.h"
#include "util/err.h"

#define MAX_DEPTH 150

enum {
    J_SMALL_OBJECT = 0x00,
    J_LARGE_OBJECT = 0x01,
    J_SMALL_ARRAY = 0x02,
    J_LARGE_ARRAY = 0x03,
    J_LITERAL = 0x04,
    J_INT16 = 0x05,
    J_UINT16 = 0x06,
    J_INT32 = 0x07,
    J_UINT32 = 0x08,
    J_INT64 = 0x09,
    J_UINT64 = 0x0a,
    J_DOUBLE = 0x0b,
    J_STRING = 0x0c,
    J_OPAQUE = 0x0f,
};

typedef struct jctx {
    hm_buf *out;
    hm_code rc;       /* HM_ENOMEM once out is full */
    const char *bad;  /* what is malformed */
} jctx;

static bool put(jctx *c, const void *p, size_t n)
{
    if (c->rc == HM_OK)
        c->rc = hm_buf_add(c->out, p, n);
    return c->rc == HM_OK;
}
static bool puts_(jctx *c, const char *s) { return put(c, s, strlen(s)); }

static bool fail(jctx *c, const char *what)
{
    if (!c->bad)
        c->bad = what;
    return false;
}

/* The variable-length string length: 7 bits per byte, at most 5 bytes. */
static bool read_varlen(const uint8_t *p, size_t n, size_t *len, size_t *used)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 5; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            if (v > UINT32_MAX)
                return false;
            *len = (size_t)v;
            *used = i + 1;
            return true;
        }
    }
    return false;
}

static bool put_string(jctx *c, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    if (!put(c, "\"", 1))
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        char u[7];
        switch (s[i]) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (s[i] < 0x20) {
                memcpy(u, "\\u00", 4);
                u[4] = hex[s[i] >> 4];
                u[5] = hex[s[i] & 15];
                u[6] = 0;
                esc = u;
            }
        }
        if (esc) {
            if (!put(c, s + i - run, run) || !puts_(c, esc))
                return false;
            run = 0;
        } else {
            run++;
        }
    }
    return put(c, s + n - run, run) && put(c, "\"", 1);
}

static bool put_double(jctx *c, double d)
{
    char b[40];
    if (!isfinite(d))
        return fail(c, "non-finite double");
    /* the shortest text that reads back as the same double */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, d);
        if (strtod(b, NULL) == d)
            break;
    }
    if (!strpbrk(b, ".eE"))
        strcat(b, ".0");
    return puts_(c, b);
}

static bool put_base64(jctx *c, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};
        if (!put(c, q, 4))
            return false;
    }
    return true;
}

static bool put_opaque(jctx *c, uint8_t ftype, const uint8_t *p, size_t n)
{
    char b[96];
    switch (ftype) {
    case HM_COL_NEWDECIMAL: {
        hm_err e;
        if (n < 2 || hm_binlog_decimal_str(p + 2, n - 2, p[0], p[1], b, sizeof b, &e) != HM_OK)
            return fail(c, "bad DECIMAL");
        return puts_(c, b);
    }
    case HM_COL_DATE: case HM_COL_TIME: case HM_COL_DATETIME: case HM_COL_TIMESTAMP: {
        hm_binlog_value v;
        if (n < 8)
            return fail(c, "bad date or time");
        int64_t packed = (int64_t)hm_le64(p);
        uint64_t t;
        memset(&v, 0, sizeof v);
        v.tm.neg = packed < 0;
        t = v.tm.neg ? 0 - (uint64_t)packed : (uint64_t)packed; /* INT64_MIN too (hostile bytes) */
        v.tm.usec = (uint32_t)(t % (1u << 24));
        t >>= 24;
        if (ftype == HM_COL_TIME) {
            v.tm.hour = (uint32_t)((t >> 12) % 1024);
            v.tm.minute = (uint32_t)((t >> 6) % 64);
            v.tm.second = (uint32_t)(t % 64);
            snprintf(b, sizeof b, "\"%s%02u:%02u:%02u.%06u\"", v.tm.neg ? "-" : "", v.tm.hour,
                     v.tm.minute, v.tm.second, v.tm.usec);
        } else {
            uint64_t ymd = t >> 17, ym = ymd >> 5, hms = t % (1u << 17);
            unsigned day = (unsigned)(ymd % 32), month = (unsigned)(ym % 13),
                     year = (unsigned)(ym / 13);
            if (ftype == HM_COL_DATE)
                snprintf(b, sizeof b, "\"%04u-%02u-%02u\"", year, month, day);
            else
                snprintf(b, sizeof b, "\"%04u-%02u-%02u %02u:%02u:%02u.%06u\"", year, month, day,
                         (unsigned)(hms >> 12), (unsigned)((hms >> 6) % 64),
                         (unsigned)(hms % 64), v.tm.usec);
        }
        return puts_(c, b);
    }
    default:
        snprintf(b, sizeof b, "\"base64:type%u:", ftype);
        return puts_(c, b) && put_base64(c, p, n) && put(c, "\"", 1);
    }
}

static bool put_value(jctx *c, uint8_t type, const uint8_t *p, size_t n, int depth);

/* An object or array at p[0..n) (n: bytes to the end of the enclosing container). */
static bool put_container(jctx *c, uint8_t type, const uint8_t *p, size_t n, int depth)
{
    bool large = type == J_LARGE_OBJECT || type == J_LARGE_ARRAY;
    bool object = type == J_SMALL_OBJECT || type == J_LARGE_OBJECT;
    size_t w = large ? 4 : 2; /* width of counts, sizes, offsets */
    size_t count, size, key_entry = w + 2, value_entry = 1 + w, hdr;

    if (depth > MAX_DEPTH)
        return fail(c, "nested too deep");
    if (n < 2 * w)
        return fail(c, "truncated object or array header");
    count = (size_t)hm_leN(p, (unsigned)w);
    size = (size_t)hm_leN(p + w, (unsigned)w);
    if (size > n || size < 2 * w)
        return fail(c, "object or array size out of bounds");
    hdr = 2 * w + (object ? count * key_entry : 0) + count * value_entry;
    if (count > size || hdr > size)
        return fail(c, "too many elements for the size");
    if (!put(c, object ? "{" : "[", 1))
        return false;
    for (size_t i = 0; i < count; i++) {
        if (i && !put(c, ", ", 2))
            return false;
        if (object) {
            const uint8_t *ke = p + 2 * w + i * key_entry;
            size_t koff = (size_t)hm_leN(ke, (unsigned)w), klen = hm_le16(ke + w);
            if (koff > size || klen > size - koff)
                return fail(c, "key out of bounds");
            if (!put_string(c, p + koff, klen) || !put(c, ": ", 2))
                return false;
        }
        const uint8_t *ve = p + 2 * w + (object ? count * key_entry : 0) + i * value_entry;
        uint8_t vt = ve[0];
        bool inlined = vt == J_LITERAL || vt == J_INT16 || vt == J_UINT16 ||
                       (large && (vt == J_INT32 || vt == J_UINT32));
        if (inlined) {
            if (!put_value(c, vt, ve + 1, w, depth + 1))
                return false;
        } else {
            size_t off = (size_t)hm_leN(ve + 1, (unsigned)w);
            if (off >= size)
                return fail(c, "value out of bounds");
            if (!put_value(c, vt, p + off, size - off, depth + 1))
                return false;
        }
    }
    return put(c, object ? "}" : "]", 1);
}

static bool put_value(jctx *c, uint8_t type, const uint8_t *p, size_t n, int depth)
{
    char b[32];
    size_t len, used;
    switch (type) {
    case J_SMALL_OBJECT: case J_LARGE_OBJECT: case J_SMALL_ARRAY: case J_LARGE_ARRAY:
        return put_container(c, type, p, n, depth);
    case J_LITERAL:
        if (n < 1)
            return fail(c, "truncated literal");
        switch (p[0]) {
        case 0: return puts_(c, "null");
        case 1: return puts_(c, "true");
        case 2: return puts_(c, "false");
        default: return fail(c, "unknown literal");
        }
    case J_INT16: case J_UINT16:
        if (n < 2)
            return fail(c, "truncated int16");
        if (type == J_INT16)
            snprintf(b, sizeof b, "%d", (int)(int16_t)hm_le16(p));
        else
            snprintf(b, sizeof b, "%u", hm_le16(p));
        return puts_(c, b);
    case J_INT32: case J_UINT32:
        if (n < 4)
            return fail(c, "truncated int32");
        if (type == J_INT32)
            snprintf(b, sizeof b, "%d", (int32_t)hm_le32(p));
        else
            snprintf(b, sizeof b, "%u", hm_le32(p));
        return puts_(c, b);
    case J_INT64: case J_UINT64:
        if (n < 8)
            return fail(c, "truncated int64");
        if (type == J_INT64)
            snprintf(b, sizeof b, "%lld", (long long)hm_le64(p));
        else
            snprintf(b, sizeof b, "%llu", (unsigned long long)hm_le64(p));
        return puts_(c, b);
    case J_DOUBLE: {
        double d;
        uint64_t bits;
        if (n < 8)
            return fail(c, "truncated double");
        bits = hm_le64(p);
        memcpy(&d, &bits, 8);
        return put_double(c, d);
    }
    case J_STRING:
        if (!read_varlen(p, n, &len, &used) || len > n - used)
            return fail(c, "truncated string");
        return put_string(c, p + used, len);
    case J_OPAQUE:
        if (n < 1 || !read_varlen(p + 1, n - 1, &len, &used) || len > n - 1 - used)
            return fail(c, "truncated opaque value");
        return put_opaque(c, p[0], p + 1 + used, len);
    default:
        return fail(c, "unknown value type");
    }
}

hm_code hm_binlog_json_text(const uint8_t *p, size_t n, hm_buf *out, hm_err *err)
{
    jctx c = {out, HM_OK, NULL};
    if (n == 0)
        return hm_buf_adds(out, "null") == HM_OK
                   ? HM_OK
                   : hm_err_set(err, HM_ENOMEM, "JSON value: out of memory");
    if (put_value(&c, p[0], p + 1, n - 1, 0))
        return HM_OK;
    if (c.rc != HM_OK)
        return hm_err_set(err, c.rc, "JSON value of %zu bytes: out of memory", n);
    return hm_err_set(err, HM_ESOURCE, "JSON value of %zu bytes: malformed binary JSON: %s", n,
                      c.bad ? c.bad : "?");
}

hm_code hm_binlog_json_diff_next(const uint8_t **p, const uint8_t *end, hm_binlog_json_diff *d,
                                 hm_err *err)
{
    hm_rd r = hm_rd_make(*p, (size_t)(end - *p));
    uint32_t op;
    uint64_t n;
    memset(d, 0, sizeof *d);
    if (!rd_u8(&r, &op) || op > HM_JSON_REMOVE)
        return hm_err_set(err, HM_ESOURCE, "JSON diff: %s", r.p > *p ? "unknown operation"
                                                                     : "truncated operation");
    d->op = (hm_binlog_json_op)op;
    if (!rd_lenenc(&r, &n) || n == 0 || !rd_bytes(&r, n, &d->path))
        return hm_err_set(err, HM_ESOURCE, "JSON diff: truncated or empty path");
    d->path_len = (size_t)n;
    if (d->op != HM_JSON_REMOVE) {
        if (!rd_lenenc(&r, &n) || !rd_bytes(&r, n, &d->value))
            return hm_err_set(err, HM_ESOURCE, "JSON diff: truncated value");
        d->value_len = (size_t)n;
    }
    *p = r.p;
    return HM_OK;
}
