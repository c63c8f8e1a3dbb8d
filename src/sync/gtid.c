/*
 * sync/gtid.c: GTID sets of both flavours (see gtid.h for the contract).
 *
 * Owns: the arrays of an hm_gtid_set. A set is empty, MariaDB (dom[] non-empty) or MySQL
 * (sid[] non-empty); the flavour is read off which array holds entries, so there is no third
 * piece of state to keep in step. Invariants, checked by the tests through the canonical text:
 *
 *   1. dom[] is sorted by domain, one entry per domain.
 *   2. sid[] is sorted by (uuid bytes, tag), the untagged entry ("" tag) of a uuid first. Byte
 *      order of a uuid is the order of its lowercase text, so the text comes out sorted.
 *   3. Each sid[i].iv[] is non-empty, sorted, and its closed intervals [a,b] neither overlap nor
 *      touch (b + 1 < next a): adding always merges.
 *   4. Every MySQL number is in 1..HM__GNO_MAX, so b + 1 never overflows.
 *
 * Cost: a stream adds uuid:last+1 millions of times. last_sid remembers the entry the previous
 * add went to and the last interval is extended in place, so that case is O(1) with no
 * allocation. Any other add is a binary search (O(log k)) plus, when a gap opens or closes, a
 * memmove of the intervals after it; interval arrays grow by doubling.
 *
 * Tags (MySQL 8.3+, "uuid:tag:1-5"): parsed, added and kept per (uuid, tag), printed after the
 * untagged intervals of their uuid as gtid_executed prints them ("uuid:1-5:tag:3-4").
 */
#include "sync/gtid.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/event.h"
#include "util/err.h"

#define HM__GNO_MAX ((uint64_t)INT64_MAX) /* MySQL transaction numbers: 1..2^63-1 */
#define HM__TAG_MAX 32
#define HM__QUOTE_MAX 60 /* longest part of a bad element quoted in a message */

typedef struct gtid_ival {
    uint64_t a, b; /* closed: a <= b */
} gtid_ival;

typedef struct gtid_sid {
    uint8_t uuid[16];
    char tag[HM__TAG_MAX + 1]; /* "" when untagged; lowercase */
    gtid_ival *iv;
    size_t n, cap;
} gtid_sid;

typedef struct gtid_dom {
    uint32_t domain, server_id;
    uint64_t seq;
} gtid_dom;

struct hm_gtid_set {
    gtid_dom *dom;
    size_t ndom, capdom;
    gtid_sid *sid;
    size_t nsid, capsid;
    size_t last_sid; /* index in sid[] of the previous add_mysql; a hint, checked before use */
};

/* ---- lifecycle -------------------------------------------------------------------------- */

static void set_release(hm_gtid_set *s)
{
    for (size_t i = 0; i < s->nsid; i++)
        free(s->sid[i].iv);
    free(s->sid);
    free(s->dom);
    memset(s, 0, sizeof *s);
}

hm_gtid_set *hm_gtid_set_new(void)
{
    return calloc(1, sizeof(hm_gtid_set));
}

void hm_gtid_set_free(hm_gtid_set *s)
{
    if (!s)
        return;
    set_release(s);
    free(s);
}

bool hm_gtid_set_is_empty(const hm_gtid_set *s)
{
    return s->ndom == 0 && s->nsid == 0;
}

/* Makes room for one more element of size sz in *arr (n used, *cap allocated). */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    size_t ncap;
    void *p;
    if (n < *cap)
        return true;
    ncap = *cap ? *cap * 2 : 4;
    if (ncap > ((size_t)-1) / sz)
        return false;
    p = realloc(*arr, ncap * sz);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* ---- MariaDB ---------------------------------------------------------------------------- */

/* Index of the first entry with domain >= d. */
static size_t dom_lower(const hm_gtid_set *s, uint32_t d)
{
    size_t lo = 0, hi = s->ndom;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->dom[mid].domain < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Sets the domain's entry; *dup (may be NULL) tells whether the domain was there already. */
static hm_code dom_put(hm_gtid_set *s, uint32_t domain, uint32_t server_id, uint64_t seq, bool *dup,
                       hm_err *err)
{
    size_t i = dom_lower(s, domain);
    bool found = i < s->ndom && s->dom[i].domain == domain;
    if (dup)
        *dup = found;
    if (!found) {
        if (!grow((void **)&s->dom, &s->capdom, s->ndom, sizeof *s->dom))
            return hm_err_set(err, HM_ENOMEM, "out of memory adding a GTID");
        memmove(s->dom + i + 1, s->dom + i, (s->ndom - i) * sizeof *s->dom);
        s->ndom++;
    }
    s->dom[i] = (gtid_dom){domain, server_id, seq};
    return HM_OK;
}

hm_code hm_gtid_set_add_mariadb(hm_gtid_set *s, uint32_t domain, uint32_t server_id, uint64_t seq,
                                hm_err *err)
{
    if (s->nsid)
        return hm_err_set(err, HM_EUSAGE,
                          "cannot add MariaDB GTID %u-%u-%llu to a MySQL GTID set", domain,
                          server_id, (unsigned long long)seq);
    return dom_put(s, domain, server_id, seq, NULL, err);
}

bool hm_gtid_set_contains_mariadb(const hm_gtid_set *s, uint32_t domain, uint64_t seq)
{
    size_t i = dom_lower(s, domain);
    return i < s->ndom && s->dom[i].domain == domain && seq <= s->dom[i].seq;
}

/* ---- MySQL ------------------------------------------------------------------------------ */

static int sid_cmp(const gtid_sid *e, const uint8_t uuid[16], const char *tag)
{
    int c = memcmp(e->uuid, uuid, 16);
    return c ? c : strcmp(e->tag, tag);
}

/* Index of the first entry >= (uuid, tag); *found when it is that entry. */
static size_t sid_find(const hm_gtid_set *s, const uint8_t uuid[16], const char *tag, bool *found)
{
    size_t lo = 0, hi = s->nsid;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sid_cmp(&s->sid[mid], uuid, tag) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->nsid && sid_cmp(&s->sid[lo], uuid, tag) == 0;
    return lo;
}

/* Index of the first interval with b + 1 >= a, i.e. the first that [a,..] could touch. */
static size_t ival_lower(const gtid_sid *e, uint64_t a)
{
    size_t lo = 0, hi = e->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->iv[mid].b + 1 < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Adds [a,b] (1 <= a <= b <= HM__GNO_MAX) to e, merging what it overlaps or touches. */
static bool ival_add(gtid_sid *e, uint64_t a, uint64_t b)
{
    size_t i, j;
    if (e->n && e->iv[e->n - 1].a <= a) {
        gtid_ival *last = &e->iv[e->n - 1];
        if (a <= last->b + 1) { /* the stream's case: extend the last interval in place */
            if (b > last->b)
                last->b = b;
            return true;
        }
        i = j = e->n; /* after everything */
    } else {
        i = ival_lower(e, a);
        for (j = i; j < e->n && e->iv[j].a <= b + 1; j++)
            ;
    }
    if (i == j) { /* touches nothing: a new interval at i */
        if (!grow((void **)&e->iv, &e->cap, e->n, sizeof *e->iv))
            return false;
        memmove(e->iv + i + 1, e->iv + i, (e->n - i) * sizeof *e->iv);
        e->iv[i] = (gtid_ival){a, b};
        e->n++;
        return true;
    }
    /* iv[i..j) overlap or touch [a,b]: they become one interval at i */
    if (e->iv[i].a < a)
        a = e->iv[i].a;
    if (e->iv[j - 1].b > b)
        b = e->iv[j - 1].b;
    e->iv[i] = (gtid_ival){a, b};
    memmove(e->iv + i + 1, e->iv + j, (e->n - j) * sizeof *e->iv);
    e->n -= j - i - 1;
    return true;
}

/* The entry of (uuid, tag), created empty when absent; NULL when out of memory. */
static gtid_sid *sid_get(hm_gtid_set *s, const uint8_t uuid[16], const char *tag)
{
    bool found;
    size_t i;
    if (s->last_sid < s->nsid && sid_cmp(&s->sid[s->last_sid], uuid, tag) == 0)
        return &s->sid[s->last_sid];
    i = sid_find(s, uuid, tag, &found);
    if (!found) {
        if (!grow((void **)&s->sid, &s->capsid, s->nsid, sizeof *s->sid))
            return NULL;
        memmove(s->sid + i + 1, s->sid + i, (s->nsid - i) * sizeof *s->sid);
        memset(&s->sid[i], 0, sizeof s->sid[i]);
        memcpy(s->sid[i].uuid, uuid, 16);
        strcpy(s->sid[i].tag, tag); /* callers pass at most HM__TAG_MAX characters */
        s->nsid++;
    }
    s->last_sid = i;
    return &s->sid[i];
}

/* Adds uuid[:tag]:a-b. An entry created here is removed again if its first interval cannot be
 * stored, so invariant 3 (no empty entry) holds after a failure too. */
static hm_code mysql_put(hm_gtid_set *s, const uint8_t uuid[16], const char *tag, uint64_t a,
                         uint64_t b, hm_err *err)
{
    gtid_sid *e = sid_get(s, uuid, tag);
    if (e && ival_add(e, a, b))
        return HM_OK;
    if (e && e->n == 0) {
        size_t i = (size_t)(e - s->sid);
        free(e->iv);
        memmove(s->sid + i, s->sid + i + 1, (s->nsid - i - 1) * sizeof *s->sid);
        s->nsid--;
    }
    return hm_err_set(err, HM_ENOMEM, "out of memory adding a GTID");
}

hm_code hm_gtid_set_add_mysql(hm_gtid_set *s, const uint8_t uuid[16], uint64_t n, hm_err *err)
{
    char text[37];
    if (s->ndom || n == 0 || n > HM__GNO_MAX) {
        hm_binlog_uuid_format(uuid, text);
        if (s->ndom)
            return hm_err_set(err, HM_EUSAGE, "cannot add MySQL GTID %s:%llu to a MariaDB GTID set",
                              text, (unsigned long long)n);
        return hm_err_set(err, HM_EUSAGE,
                          "bad MySQL GTID %s:%llu: transaction numbers go from 1 to %llu", text,
                          (unsigned long long)n, (unsigned long long)HM__GNO_MAX);
    }
    return mysql_put(s, uuid, "", n, n, err);
}

/* A tag as MySQL takes it: [A-Za-z_][A-Za-z0-9_]{0,31}, lowercased into out. */
static bool tag_norm(const char *tag, size_t n, char out[HM__TAG_MAX + 1])
{
    if (n > HM__TAG_MAX || (n && tag[0] >= '0' && tag[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = tag[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
            return false;
        out[i] = c;
    }
    out[n] = '\0';
    return true;
}

hm_code hm_gtid_set_add_mysql_tagged(hm_gtid_set *s, const uint8_t uuid[16], const char *tag,
                                     size_t tag_len, uint64_t n, hm_err *err)
{
    char t[HM__TAG_MAX + 1], text[37];
    if (!tag_norm(tag, tag_len, t)) {
        hm_binlog_uuid_format(uuid, text);
        return hm_err_set(err, HM_EUSAGE, "bad MySQL GTID tag after %s: a tag is 1 to 32 letters, "
                          "digits or '_', not starting with a digit", text);
    }
    if (s->ndom || n == 0 || n > HM__GNO_MAX)
        return hm_gtid_set_add_mysql(s, uuid, n, err); /* the same refusals and messages */
    return mysql_put(s, uuid, t, n, n, err);
}

bool hm_gtid_set_contains_mysql_tagged(const hm_gtid_set *s, const uint8_t uuid[16],
                                       const char *tag, size_t tag_len, uint64_t n)
{
    char t[HM__TAG_MAX + 1];
    bool found;
    size_t i, k;
    if (!tag_norm(tag, tag_len, t))
        return false;
    i = sid_find(s, uuid, t, &found);
    if (!found || n == 0 || n > HM__GNO_MAX)
        return false;
    k = ival_lower(&s->sid[i], n + 1); /* first interval with b >= n */
    return k < s->sid[i].n && s->sid[i].iv[k].a <= n && n <= s->sid[i].iv[k].b;
}

/* MySQL's serialization-library varlen integer (see binlog/event.c): n trailing 1 bits in the
 * first byte say n more bytes follow; the value is shifted left by n + 1. Tags are <= 32. */
static hm_code put_varlen_small(hm_buf *out, unsigned v)
{
    return hm_buf_addc(out, (char)(v << 1));
}

static hm_code put_le64(hm_buf *out, uint64_t v)
{
    char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (char)(v >> (8 * i));
    return hm_buf_add(out, b, 8);
}

hm_code hm_gtid_set_encode_mysql(const hm_gtid_set *s, hm_buf *out, hm_err *err)
{
    size_t start = out->len;
    bool tagged = false;
    hm_code rc;
    if (s->ndom)
        return hm_err_set(err, HM_EUSAGE, "a MariaDB GTID position has no MySQL encoding");
    for (size_t i = 0; i < s->nsid; i++)
        tagged |= s->sid[i].tag[0] != '\0';
    rc = put_le64(out, tagged ? (uint64_t)1 << 56 | (uint64_t)s->nsid << 8 | 1 : (uint64_t)s->nsid);
    for (size_t i = 0; i < s->nsid && rc == HM_OK; i++) {
        const gtid_sid *e = &s->sid[i];
        size_t tl = strlen(e->tag);
        rc = hm_buf_add(out, (const char *)e->uuid, 16);
        if (rc == HM_OK && tagged)
            rc = put_varlen_small(out, (unsigned)tl);
        if (rc == HM_OK && tl)
            rc = hm_buf_add(out, e->tag, tl);
        if (rc == HM_OK)
            rc = put_le64(out, e->n);
        for (size_t k = 0; k < e->n && rc == HM_OK; k++) {
            rc = put_le64(out, e->iv[k].a);
            if (rc == HM_OK)
                rc = put_le64(out, e->iv[k].b + 1); /* exclusive; b <= 2^63 - 1: no overflow */
        }
    }
    if (rc != HM_OK) {
        out->len = start;
        return hm_err_set(err, HM_ENOMEM, "GTID set encoding: out of memory");
    }
    return HM_OK;
}

bool hm_gtid_set_contains_mysql(const hm_gtid_set *s, const uint8_t uuid[16], uint64_t n)
{
    bool found;
    size_t i = sid_find(s, uuid, "", &found), k;
    if (!found || n == 0 || n > HM__GNO_MAX)
        return false;
    k = ival_lower(&s->sid[i], n + 1); /* first interval with b >= n */
    return k < s->sid[i].n && s->sid[i].iv[k].a <= n && n <= s->sid[i].iv[k].b;
}

/* ---- text ------------------------------------------------------------------------------- */

hm_code hm_gtid_set_format(const hm_gtid_set *s, hm_buf *out, hm_err *err)
{
    size_t start = out->len;
    hm_code rc = HM_OK;
    for (size_t i = 0; i < s->ndom && rc == HM_OK; i++)
        rc = hm_buf_addf(out, "%s%u-%u-%llu", i ? "," : "", s->dom[i].domain, s->dom[i].server_id,
                         (unsigned long long)s->dom[i].seq);
    for (size_t i = 0; i < s->nsid && rc == HM_OK; i++) {
        const gtid_sid *e = &s->sid[i];
        if (i == 0 || memcmp(e->uuid, s->sid[i - 1].uuid, 16) != 0) {
            char text[37];
            hm_binlog_uuid_format(e->uuid, text);
            rc = hm_buf_addf(out, "%s%s", i ? "," : "", text);
        }
        if (rc == HM_OK && e->tag[0])
            rc = hm_buf_addf(out, ":%s", e->tag);
        for (size_t k = 0; k < e->n && rc == HM_OK; k++) {
            if (e->iv[k].a == e->iv[k].b)
                rc = hm_buf_addf(out, ":%llu", (unsigned long long)e->iv[k].a);
            else
                rc = hm_buf_addf(out, ":%llu-%llu", (unsigned long long)e->iv[k].a,
                                 (unsigned long long)e->iv[k].b);
        }
    }
    if (rc != HM_OK) { /* leave out as it was */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return hm_err_set(err, rc, "GTID set text: out of memory or over the buffer's %zu bytes",
                          out->max);
    }
    return HM_OK;
}

/* Parsing works on one element (the text between two commas, trimmed) at a time. */
typedef struct gtid_cur {
    const char *p, *end;  /* what is left of the element */
    const char *el;       /* the whole element, for messages */
    size_t el_len;
} gtid_cur;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* isxdigit is [0-9A-Fa-f] in every locale */
static int hex_val(char c)
{
    if (!isxdigit((unsigned char)c))
        return -1;
    return c <= '9' ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

static void skip_space(gtid_cur *c)
{
    while (c->p < c->end && is_space(*c->p))
        c->p++;
}

/* q receives p[0..n) for a message: cut at HM__QUOTE_MAX with "...", and bytes that are not
 * printable ASCII shown as '?', so that the message stays one line. */
static void quote(char q[HM__QUOTE_MAX + 4], const char *p, size_t n)
{
    size_t k = n > HM__QUOTE_MAX ? HM__QUOTE_MAX : n;
    for (size_t i = 0; i < k; i++)
        q[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    if (k < n)
        memcpy(q + k, "...", 3), k += 3;
    q[k] = '\0';
}

/* HM_EUSAGE: "bad GTID 'element': why". */
static hm_code bad(hm_err *err, const gtid_cur *c, const char *why)
{
    char q[HM__QUOTE_MAX + 4];
    quote(q, c->el, c->el_len);
    return hm_err_set(err, HM_EUSAGE, "bad GTID '%s': %s", q, why);
}

/* Reads a decimal number <= max at the cursor (after blanks). 0: read; 1: no digit; 2: too big. */
static int read_num(gtid_cur *c, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;
    skip_space(c);
    if (c->p == c->end || !is_digit(*c->p))
        return 1;
    for (; c->p < c->end && is_digit(*c->p); c->p++) {
        unsigned d = (unsigned)(*c->p - '0');
        if (x > (max - d) / 10)
            return 2;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* Whether the cursor stands on a uuid (8-4-4-4-12 hex digits, either case); reads it. */
static bool read_uuid(gtid_cur *c, uint8_t uuid[16])
{
    const char *p = c->p;
    int i = 0, k = 0;
    if (c->end - p < 36)
        return false;
    while (i < 36) {
        int hi, lo;
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (p[i++] != '-')
                return false;
            continue;
        }
        hi = hex_val(p[i]);
        lo = hex_val(p[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        uuid[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    c->p += 36;
    return true;
}

/* domain-server-seq, into t. */
static hm_code parse_mariadb(hm_gtid_set *t, gtid_cur *c, hm_err *err)
{
    static const char *const shape =
        "expected MariaDB domain-server-seq (e.g. 0-1-42) or MySQL uuid:n[-m]";
    static const char *const range = "domain and server_id go up to 4294967295, seq up to "
                                     "18446744073709551615";
    uint64_t v[3];
    bool dup;
    hm_code rc;
    for (int i = 0; i < 3; i++) {
        int r;
        if (i) {
            skip_space(c);
            if (c->p == c->end || *c->p != '-')
                return bad(err, c, shape);
            c->p++;
        }
        r = read_num(c, i < 2 ? UINT32_MAX : UINT64_MAX, &v[i]);
        if (r)
            return bad(err, c, r == 2 ? range : shape);
    }
    skip_space(c);
    if (c->p != c->end)
        return bad(err, c, shape);
    rc = dom_put(t, (uint32_t)v[0], (uint32_t)v[1], v[2], &dup, err);
    if (rc == HM_OK && dup)
        return bad(err, c, "a domain appears twice (a MariaDB position has one GTID per domain)");
    return rc;
}

/* A MySQL 8.3+ tag at the cursor, lowercased into tag. */
static hm_code read_tag(gtid_cur *c, char tag[HM__TAG_MAX + 1], hm_err *err)
{
    size_t n = 0;
    for (; c->p < c->end && (*c->p == '_' || is_digit(*c->p) || (*c->p >= 'a' && *c->p <= 'z') ||
                             (*c->p >= 'A' && *c->p <= 'Z'));
         c->p++) {
        if (n == HM__TAG_MAX)
            return bad(err, c, "a tag has at most 32 characters");
        tag[n++] = (*c->p >= 'A' && *c->p <= 'Z') ? (char)(*c->p - 'A' + 'a') : *c->p;
    }
    tag[n] = '\0';
    return HM_OK;
}

/* uuid(:tag|:n|:n-m)..., into t. */
static hm_code parse_mysql(hm_gtid_set *t, gtid_cur *c, hm_err *err)
{
    static const char *const range = "transaction numbers go from 1 to 9223372036854775807";
    uint8_t uuid[16];
    char tag[HM__TAG_MAX + 1] = "";
    bool tag_open = false, any = false;
    if (!read_uuid(c, uuid))
        return bad(err, c, "a MySQL GTID starts with a uuid of 8-4-4-4-12 hex digits");
    for (;;) {
        uint64_t a, b;
        int r;
        skip_space(c);
        if (c->p == c->end)
            break;
        if (*c->p != ':')
            return bad(err, c, "expected ':' then a number, an interval n-m or a tag");
        c->p++;
        skip_space(c);
        if (c->p < c->end && (*c->p == '_' || (*c->p >= 'a' && *c->p <= 'z') ||
                              (*c->p >= 'A' && *c->p <= 'Z'))) {
            if (tag_open)
                return bad(err, c, "a tag is followed by no interval");
            if (read_tag(c, tag, err) != HM_OK)
                return HM_EUSAGE;
            tag_open = true;
            continue;
        }
        r = read_num(c, HM__GNO_MAX, &a);
        if (r == 1)
            return bad(err, c, "expected a number, an interval n-m or a tag after ':'");
        if (r == 2 || a == 0)
            return bad(err, c, range);
        b = a;
        skip_space(c);
        if (c->p < c->end && *c->p == '-') {
            c->p++;
            r = read_num(c, HM__GNO_MAX, &b);
            if (r)
                return bad(err, c, r == 2 ? range : "expected a number after '-'");
            if (b < a)
                return bad(err, c, "an interval n-m needs n <= m");
        }
        if (mysql_put(t, uuid, tag, a, b, err) != HM_OK)
            return HM_ENOMEM;
        tag_open = false;
        any = true;
    }
    if (tag_open)
        return bad(err, c, "a tag is followed by no interval");
    if (!any)
        return bad(err, c, "a uuid needs at least one number or interval (uuid:n or uuid:n-m)");
    return HM_OK;
}

/* HM_EUSAGE for a set with an empty element. */
static hm_code bad_empty(hm_err *err, const char *text)
{
    char q[HM__QUOTE_MAX + 4];
    quote(q, text, strlen(text));
    return hm_err_set(err, HM_EUSAGE,
                      "bad GTID set '%s': an empty element (two commas, or one at an end)", q);
}

hm_code hm_gtid_set_parse(hm_gtid_set *s, const char *text, hm_err *err)
{
    hm_gtid_set t = {0};
    const char *p = text, *end = text + strlen(text);
    hm_code rc = HM_OK;
    while (p < end && is_space(*p))
        p++;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p)), *e = comma ? comma : end;
        gtid_cur c;
        bool mysql;
        while (p < e && is_space(*p))
            p++;
        while (e > p && is_space(e[-1]))
            e--;
        if (p == e) {
            rc = bad_empty(err, text);
            goto out;
        }
        c = (gtid_cur){p, e, p, (size_t)(e - p)};
        /* a ':' or a uuid's dashes say MySQL; anything else must be MariaDB's d-s-n */
        mysql = memchr(p, ':', (size_t)(e - p)) != NULL ||
                (e - p >= 36 && p[8] == '-' && p[13] == '-' && p[18] == '-' && p[23] == '-');
        if (mysql ? t.ndom != 0 : t.nsid != 0) {
            rc = bad(err, &c, mysql ? "a MySQL GTID after MariaDB ones (a set holds one flavour)"
                                    : "a MariaDB GTID after MySQL ones (a set holds one flavour)");
            goto out;
        }
        rc = mysql ? parse_mysql(&t, &c, err) : parse_mariadb(&t, &c, err);
        if (rc != HM_OK)
            goto out;
        if (!comma)
            break;
        p = comma + 1;
        if (p == end) {
            rc = bad_empty(err, text);
            goto out;
        }
    }
    set_release(s);
    *s = t;
    memset(&t, 0, sizeof t);
out:
    set_release(&t);
    return rc;
}
