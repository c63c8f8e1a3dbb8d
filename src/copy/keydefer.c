/*
 * copy/keydefer.c: secondary indexes built after the data (see keydefer.h). Pure text work: no
 * connection, no allocation beyond the caller's buffers.
 */
#include "copy/keydefer.h"

#include <stdlib.h>
#include <string.h>

#include "db/sqlq.h"

typedef enum { L_COLUMN, L_UNIQUE, L_DEFER, L_OTHER } line_kind;

/* One line of a definition: [p, p + n), without its newline. */
typedef struct line {
    const char *p;
    size_t n;
} line;

static bool starts(const line *l, const char *s)
{
    size_t k = strlen(s);
    return l->n >= k && memcmp(l->p, s, k) == 0;
}

/* Skips a backquoted identifier at p (`` doubles a backquote); returns the byte after it, or NULL. */
static const char *skip_ident(const char *p, const char *end)
{
    if (p >= end || *p != '`')
        return NULL;
    for (p++; p < end; p++) {
        if (*p != '`')
            continue;
        if (p + 1 < end && p[1] == '`') {
            p++;
            continue;
        }
        return p + 1;
    }
    return NULL;
}

static line_kind classify(const line *l)
{
    if (starts(l, "  `"))
        return L_COLUMN;
    if (starts(l, "  PRIMARY KEY ") || starts(l, "  UNIQUE KEY "))
        return L_UNIQUE;
    if (starts(l, "  KEY `") || starts(l, "  FULLTEXT KEY `") || starts(l, "  SPATIAL KEY `"))
        return L_DEFER;
    if (starts(l, "  CONSTRAINT `")) {
        const char *e = skip_ident(l->p + 13, l->p + l->n);
        static const char fk[] = " FOREIGN KEY (";
        if (e && (size_t)(l->p + l->n - e) >= sizeof fk - 1 && memcmp(e, fk, sizeof fk - 1) == 0)
            return L_DEFER;
    }
    return L_OTHER;
}

/* The body of a definition: the lines between "CREATE TABLE ... (" and the line that starts
 * with ")". Fills at most max lines (each without its trailing comma); *head is the first line,
 * *tail the closing one. False when the text is not in the expected shape. */
static bool body(const char *sql, line *v, size_t max, size_t *n, line *head, line *tail)
{
    const char *p = sql, *nl;
    *n = 0;
    if (!sql || !(nl = strchr(p, '\n')))
        return false;
    head->p = p;
    head->n = (size_t)(nl - p);
    if (head->n == 0 || p[head->n - 1] != '(')
        return false;
    for (p = nl + 1;; p = nl + 1) {
        line l;
        nl = strchr(p, '\n');
        l.p = p;
        l.n = nl ? (size_t)(nl - p) : strlen(p);
        if (l.n > 0 && p[0] == ')') {
            *tail = l;
            return *n > 0;
        }
        if (!nl || *n == max || !starts(&l, "  "))
            return false; /* unexpected shape: a definition across lines, or too many */
        if (l.n > 0 && l.p[l.n - 1] == ',')
            l.n--;
        v[(*n)++] = l;
    }
}

#define MAX_LINES 4200 /* columns (4096 at most) + keys + constraints */

/* Room for the lines of one definition; NULL when out of memory. Freed by the caller. */
static line *lines_new(void)
{
    return malloc(MAX_LINES * sizeof(line));
}

static bool same_line(const line *a, const line *b)
{
    return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

bool hm_keydefer_split(const char *create_sql, hm_buf *base)
{
    line *tv = lines_new();
    line head, tail;
    size_t n, ndefer = 0, kept = 0, mark = base->len;
    bool seen_defer = false;
    if (!tv || !body(create_sql, tv, MAX_LINES, &n, &head, &tail))
        goto no;
    for (size_t i = 0; i < n; i++) {
        line_kind k = classify(&tv[i]);
        if (k == L_DEFER) {
            seen_defer = true;
            ndefer++;
        } else if (k == L_UNIQUE && seen_defer) {
            goto no;
        }
    }
    if (ndefer == 0)
        goto no;
    if (hm_buf_add(base, head.p, head.n) != HM_OK)
        goto full;
    for (size_t i = 0; i < n; i++) {
        if (classify(&tv[i]) == L_DEFER)
            continue;
        if (hm_buf_adds(base, kept++ ? ",\n" : "\n") != HM_OK || hm_buf_add(base, tv[i].p, tv[i].n) != HM_OK)
            goto full;
    }
    if (hm_buf_addc(base, '\n') != HM_OK || hm_buf_add(base, tail.p, strlen(tail.p)) != HM_OK)
        goto full;
    free(tv);
    return true;
full:
    base->len = mark;
    if (base->data)
        base->data[mark] = '\0';
no:
    free(tv);
    return false;
}

/* The quoted name as it follows REFERENCES in another table's definition. */
static bool references(const char *sql, const hm_buf *quoted)
{
    const char *p = sql;
    while ((p = strstr(p, ") REFERENCES ")) != NULL) {
        p += 13;
        if (strncmp(p, quoted->data, quoted->len) == 0 && p[quoted->len] == ' ')
            return true;
    }
    return false;
}

bool hm_keydefer_is_parent(const hm_catalog *cat, const hm_table *t)
{
    hm_buf same, other;
    bool hit = false;
    hm_buf_init(&same, 1024);
    hm_buf_init(&other, 2048);
    if (hm_sqlq_ident(&same, t->name) != HM_OK || hm_sqlq_table(&other, t->db, t->name) != HM_OK) {
        hit = true; /* cannot tell: keep its keys */
        goto out;
    }
    for (size_t i = 0; i < cat->ntables && !hit; i++) {
        const hm_table *c = &cat->tables[i];
        if (c == t || !c->create_sql)
            continue;
        hit = references(c->create_sql, &other) ||
              (strcmp(c->db, t->db) == 0 && references(c->create_sql, &same));
    }
out:
    hm_buf_release(&same);
    hm_buf_release(&other);
    return hit;
}

hm_code hm_keydefer_alter(const hm_table *t, const char *target_create, hm_buf *q, size_t *nadd)
{
    line *sv = lines_new(), *tv = lines_new();
    line sh, st, th, tt;
    size_t sn, tn;
    hm_code rc = HM_OK;
    *nadd = 0;
    hm_buf_reset(q);
    if (!sv || !tv)
        rc = HM_ENOMEM;
    else if (!body(t->create_sql, sv, MAX_LINES, &sn, &sh, &st) ||
             !body(target_create, tv, MAX_LINES, &tn, &th, &tt))
        sn = 0; /* not a shape we split: nothing was deferred */
    for (size_t i = 0; rc == HM_OK && i < sn; i++) {
        bool present = false;
        if (classify(&sv[i]) != L_DEFER)
            continue;
        for (size_t j = 0; j < tn && !present; j++)
            present = same_line(&sv[i], &tv[j]);
        if (present)
            continue;
        if (*nadd == 0 && (hm_buf_adds(q, "ALTER TABLE ") != HM_OK || hm_sqlq_table(q, t->db, t->name) != HM_OK))
            rc = HM_ENOMEM;
        else if (hm_buf_adds(q, *nadd ? ", ADD " : " ADD ") != HM_OK ||
                 hm_buf_add(q, sv[i].p + 2, sv[i].n - 2) != HM_OK)
            rc = HM_ENOMEM;
        else
            (*nadd)++;
    }
    free(sv);
    free(tv);
    return rc;
}

bool hm_keydefer_same_columns_and_keys(const char *a, const char *b)
{
    line *av = lines_new(), *bv = lines_new();
    line ah, at, bh, bt;
    size_t an, bn;
    bool same;
    if (!av || !bv)
        same = false;
    else if (!body(a, av, MAX_LINES, &an, &ah, &at))
        same = true; /* never split */
    else if (!body(b, bv, MAX_LINES, &bn, &bh, &bt))
        same = false;
    else {
        same = an == bn && same_line(&ah, &bh);
        for (size_t i = 0; same && i < an; i++)
            same = same_line(&av[i], &bv[i]);
    }
    free(av);
    free(bv);
    return same;
}
