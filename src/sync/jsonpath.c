/*
 * sync/jsonpath.c: MySQL partial-JSON diff paths to quoted paths (see jsonpath.h).
 *
 * Grammar read (MySQL's Json_path text as a diff carries it):
 *   path   ::= '$' leg*
 *   leg    ::= '.' ident | '.' string | '[' digits ']'
 *   ident  ::= [A-Za-z_$][A-Za-z0-9_$]*   (and bytes >= 0x80: ECMAScript identifiers may be
 *                                           Unicode)
 *   string ::= '"' (char | '\' escape)* '"'   JSON escapes: \" \\ \/ \b \f \n \r \t \uXXXX
 * Blanks between legs are allowed, as MySQL allows them.
 */
#include "sync/jsonpath.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

static hm_code bad(const uint8_t *p, size_t n, const char *why, hm_err *err)
{
    char q[64];
    size_t k = n < 48 ? n : 48;
    for (size_t i = 0; i < k; i++)
        q[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    q[k] = 0;
    return hm_err_set(err, HM_ESOURCE, "partial JSON update with path '%s%s': %s", q,
                      k < n ? "..." : "", why);
}

static bool ident_start(uint8_t c)
{
    return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int hexv(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One name byte (already unescaped) into the quoted output. */
static hm_code put_name_byte(hm_buf *out, uint8_t c)
{
    if (c == '"' || c == '\\') {
        hm_code rc = hm_buf_addc(out, '\\');
        return rc == HM_OK ? hm_buf_addc(out, (char)c) : rc;
    }
    return hm_buf_addc(out, (char)c);
}

/* A code point as UTF-8 into the quoted output. */
static hm_code put_utf8(hm_buf *out, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        return put_name_byte(out, (uint8_t)cp);
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return hm_buf_add(out, b, n);
}

/* The quoted member name at p[*i] (on its opening quote), unescaped and re-quoted into out. */
static const char *quoted_name(const uint8_t *p, size_t n, size_t *i, hm_buf *out, hm_code *rc)
{
    size_t k = *i + 1;
    *rc = hm_buf_adds(out, ".\"");
    while (*rc == HM_OK) {
        uint8_t c;
        if (k >= n)
            return "a quoted member name is not closed";
        c = p[k++];
        if (c == '"')
            break;
        if (c < 0x20)
            return "a control character in a quoted member name";
        if (c != '\\') {
            *rc = put_name_byte(out, c);
            continue;
        }
        if (k >= n)
            return "an escape at the end of the path";
        c = p[k++];
        switch (c) {
        case '"': case '\\': case '/': *rc = put_name_byte(out, c); break;
        case 'b': *rc = hm_buf_addc(out, '\b'); break;
        case 'f': *rc = hm_buf_addc(out, '\f'); break;
        case 'n': *rc = hm_buf_addc(out, '\n'); break;
        case 'r': *rc = hm_buf_addc(out, '\r'); break;
        case 't': *rc = hm_buf_addc(out, '\t'); break;
        case 'u': {
            uint32_t cp = 0;
            if (k + 4 > n)
                return "a short \\u escape";
            for (int j = 0; j < 4; j++) {
                int h = hexv(p[k++]);
                if (h < 0)
                    return "a bad \\u escape";
                cp = cp << 4 | (uint32_t)h;
            }
            if (cp >= 0xd800 && cp < 0xdc00) { /* a surrogate pair */
                uint32_t lo = 0;
                if (k + 6 > n || p[k] != '\\' || p[k + 1] != 'u')
                    return "a lone surrogate in a \\u escape";
                k += 2;
                for (int j = 0; j < 4; j++) {
                    int h = hexv(p[k++]);
                    if (h < 0)
                        return "a bad \\u escape";
                    lo = lo << 4 | (uint32_t)h;
                }
                if (lo < 0xdc00 || lo > 0xdfff)
                    return "a lone surrogate in a \\u escape";
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                return "a lone surrogate in a \\u escape";
            }
            *rc = cp == 0 ? HM_ESOURCE : put_utf8(out, cp);
            if (cp == 0)
                return "a NUL in a member name";
            break;
        }
        default:
            return "an unknown escape in a quoted member name";
        }
    }
    if (*rc == HM_OK)
        *rc = hm_buf_addc(out, '"');
    *i = k;
    return NULL;
}

hm_code hm_sync_jsonpath(const uint8_t *p, size_t n, hm_buf *out, bool *array_last, hm_err *err)
{
    size_t i = 0, start = out->len;
    hm_code rc;
    const char *why = NULL;
    *array_last = false;
    if (n == 0 || p[0] != '$')
        return bad(p, n, "does not start with '$'", err);
    rc = hm_buf_addc(out, '$');
    i = 1;
    while (rc == HM_OK && !why) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
            i++;
        if (i >= n)
            break;
        if (p[i] == '[') {
            uint64_t v = 0;
            size_t d = 0;
            for (i++; i < n && p[i] == ' '; i++)
                ;
            for (; i < n && p[i] >= '0' && p[i] <= '9' && d < 10; i++, d++)
                v = v * 10 + (uint64_t)(p[i] - '0');
            for (; i < n && p[i] == ' '; i++)
                ;
            if (d == 0 || d >= 10 || i >= n || p[i] != ']') {
                why = "an array leg is not [n] (wildcards, ranges and 'last' do not occur in "
                      "diffs)";
                break;
            }
            i++;
            rc = hm_buf_addf(out, "[%llu]", (unsigned long long)v);
            *array_last = true;
        } else if (p[i] == '.') {
            for (i++; i < n && p[i] == ' '; i++)
                ;
            if (i < n && p[i] == '"') {
                why = quoted_name(p, n, &i, out, &rc);
            } else if (i < n && ident_start(p[i])) {
                rc = hm_buf_adds(out, ".\"");
                for (; i < n && rc == HM_OK && (ident_start(p[i]) || (p[i] >= '0' && p[i] <= '9'));
                     i++)
                    rc = put_name_byte(out, p[i]);
                if (rc == HM_OK)
                    rc = hm_buf_addc(out, '"');
            } else {
                why = "a member leg is neither a name nor a quoted name (no wildcards in diffs)";
                break;
            }
            *array_last = false;
        } else {
            why = "unexpected character";
        }
    }
    if (why || rc != HM_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = 0;
        if (rc == HM_ENOMEM || (rc != HM_OK && !why))
            return hm_err_set(err, HM_ENOMEM, "out of memory rewriting a JSON path");
        return bad(p, n, why, err);
    }
    return HM_OK;
}
