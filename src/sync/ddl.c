/*
 * sync/ddl.c: classifies one statement from a binlog QUERY event and lists the objects it names.
 * See ddl.h for the contract. Owns nothing between calls; an hm_sync_ddl owns its name copies.
 *
 * Two layers, both reading sql[0..len) and never past it:
 *
 *   lexer   bytes -> tokens. Skips whitespace and comments (slash-star, "-- " and # to the end of
 *           the line); an executable comment (slash-star-bang, slash-star-M-bang, with an optional
 *           version of up to 6 digits) is entered, its content lexed as SQL, whatever the version,
 *           and its closing star-slash skipped. Tokens: WORD (unquoted identifier or keyword:
 *           letters, digits, _, $ and bytes >= 0x80), QUOTED (backticks, `` inside), STRING ('..'
 *           or "..", with backslash escapes and doubled quotes), PUNCT (any other one byte), END.
 *           An unterminated quote or comment sets `bad` and ends the stream.
 *   parser  tokens -> kind and objects, by recursive descent without recursion: the first word(s)
 *           choose a statement parser; each reads only as far as it needs, skipping parenthesised
 *           groups it does not care about (column lists, expressions, subqueries).
 *
 * Rules that hold for every statement:
 *   1. Keywords are WORD tokens compared ASCII case-insensitively; a quoted `select` is a name.
 *   2. A name is WORD, QUOTED or a double-quoted STRING (ANSI_QUOTES), optionally qualified as
 *      db.name with any quoting and whitespace around the dot. An unqualified name gets the
 *      default database, as the server resolves it (also for the new name of a RENAME).
 *   3. Anything not understood makes the statement HM_STMT_OTHER with no objects, and so does a
 *      statement with an unterminated quote or comment anywhere (the server would have refused
 *      it): the rest of the input is always lexed to find out. Only running out of memory fails.
 *   4. Backslash escapes are honoured in strings (NO_BACKSLASH_ESCAPES is not known here).
 */
#include "sync/ddl.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* ---------------------------------------------------------------------------------- lexer --- */

enum tok_type { T_END, T_WORD, T_QUOTED, T_STRING, T_PUNCT };

typedef struct tok {
    enum tok_type type;
    char q;        /* the quote of QUOTED and STRING tokens, else 0 */
    const char *p; /* content: for QUOTED and STRING, between the quotes, still escaped */
    size_t n;
    size_t b, e;   /* the raw token is sql[b..e), quotes included */
} tok;

typedef struct lexer {
    const char *s;
    size_t len, pos;
    bool in_exec; /* inside an executable comment: its star-slash is skipped */
    bool bad;     /* met an unterminated quote or comment */
} lexer;

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_ident(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

/* Byte at i, or 0 past the end: lets the lexer look ahead without a bound check at each use. */
static unsigned char at(const lexer *L, size_t i)
{
    return i < L->len ? (unsigned char)L->s[i] : 0;
}

static void skip_line(lexer *L)
{
    while (L->pos < L->len && L->s[L->pos] != '\n')
        L->pos++;
}

/* At the opening quote q; on return pos is past the closing one. False when unterminated. */
static bool skip_quoted(lexer *L, char q)
{
    size_t i = L->pos + 1;
    while (i < L->len) {
        char c = L->s[i];
        if (c == '\\' && q != '`') {
            i += 2;
        } else if (c == q) {
            if (at(L, i + 1) != (unsigned char)q) {
                L->pos = i + 1;
                return true;
            }
            i += 2;
        } else {
            i++;
        }
    }
    return false;
}

/* At a slash-star: skips a plain comment, or enters an executable one. False when unterminated. */
static bool skip_comment(lexer *L)
{
    size_t i = L->pos + 2;
    if (at(L, i) == 'M' && at(L, i + 1) == '!')
        i++;
    if (at(L, i) == '!') {
        i++;
        for (int d = 0; d < 6 && at(L, i) >= '0' && at(L, i) <= '9'; d++)
            i++;
        L->in_exec = true;
        L->pos = i;
        return true;
    }
    for (; i + 1 < L->len; i++)
        if (L->s[i] == '*' && L->s[i + 1] == '/') {
            L->pos = i + 2;
            return true;
        }
    return false;
}

/* Skips whitespace and comments. False on an unterminated comment, executable ones included. */
static bool skip_blank(lexer *L)
{
    while (L->pos < L->len) {
        unsigned char c = at(L, L->pos), c1 = at(L, L->pos + 1);
        if (is_space(c)) {
            L->pos++;
        } else if (c == '/' && c1 == '*') {
            if (!skip_comment(L))
                return false;
        } else if (c == '*' && c1 == '/' && L->in_exec) {
            L->in_exec = false;
            L->pos += 2;
        } else if (c == '#' || (c == '-' && c1 == '-' && at(L, L->pos + 2) <= ' ')) {
            skip_line(L); /* "--" needs a space or control byte after it, or the end */
        } else {
            return true;
        }
    }
    return !L->in_exec;
}

static void lex(lexer *L, tok *t)
{
    unsigned char c;
    memset(t, 0, sizeof *t);
    if (!L->bad && !skip_blank(L))
        L->bad = true;
    if (L->bad || L->pos >= L->len)
        goto end;
    t->b = L->pos;
    c = at(L, L->pos);
    if (c == '`' || c == '\'' || c == '"') {
        if (!skip_quoted(L, (char)c)) {
            L->bad = true;
            goto end;
        }
        t->type = c == '`' ? T_QUOTED : T_STRING;
        t->q = (char)c;
        t->p = L->s + t->b + 1;
        t->n = L->pos - t->b - 2;
    } else if (is_ident(c)) {
        while (L->pos < L->len && is_ident(at(L, L->pos)))
            L->pos++;
        t->type = T_WORD;
        t->p = L->s + t->b;
        t->n = L->pos - t->b;
    } else {
        L->pos++;
        t->type = T_PUNCT;
        t->p = L->s + t->b;
        t->n = 1;
    }
    t->e = L->pos;
    return;
end: /* the end of the input, or an unterminated quote or comment: END from now on */
    L->pos = L->len;
    t->type = T_END;
    t->b = t->e = L->len;
}

/* The content of a name token, unescaped one byte at a time: `a``b` gives a`b. */
typedef struct unq {
    const char *p, *end;
    char q;
} unq;

static unq unq_of(const tok *t)
{
    unq u = {t->p, t->p + t->n, t->q};
    return u;
}

static int unq_next(unq *u)
{
    char c;
    if (u->p >= u->end)
        return -1;
    c = *u->p++;
    if (u->q && c == u->q && u->p < u->end && *u->p == u->q)
        u->p++;
    return (unsigned char)c;
}

static bool tok_same_name(const tok *a, const tok *b)
{
    unq x = unq_of(a), y = unq_of(b);
    int c;
    do {
        c = unq_next(&x);
        if (c != unq_next(&y))
            return false;
    } while (c >= 0);
    return true;
}

/* A malloc'd NUL-terminated copy of the name, or NULL when out of memory. */
static char *tok_dup(const tok *t)
{
    char *s = malloc(t->n + 1), *d = s;
    unq u = unq_of(t);
    int c;
    if (!s)
        return NULL;
    while ((c = unq_next(&u)) >= 0)
        *d++ = (char)c;
    *d = '\0';
    return s;
}

/* --------------------------------------------------------------------------------- parser --- */

typedef struct parser {
    lexer lx;
    tok t;              /* the current token */
    const char *defdb;  /* NULL when none */
    hm_sync_ddl *out;
    size_t cap;         /* of out->objs */
    bool oom;
} parser;

/* A position to come back to: lexing is cheap, so lookahead is lex, look, restore. */
typedef struct mark {
    lexer lx;
    tok t;
} mark;

typedef struct qname {
    tok db, name;
    bool has_db;
} qname;

static void next(parser *P) { lex(&P->lx, &P->t); }

static mark save(const parser *P)
{
    mark m = {P->lx, P->t};
    return m;
}

static void restore(parser *P, const mark *m)
{
    P->lx = m->lx;
    P->t = m->t;
}

static bool tok_kw(const tok *t, const char *kw)
{
    size_t i;
    if (t->type != T_WORD)
        return false;
    for (i = 0; i < t->n && kw[i]; i++) {
        unsigned char c = (unsigned char)t->p[i];
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (c != (unsigned char)kw[i])
            return false;
    }
    return i == t->n && kw[i] == '\0';
}

static bool kw(const parser *P, const char *k) { return tok_kw(&P->t, k); }

/* The current token is one of the NULL-terminated keywords. */
static bool kw_in(const parser *P, const char *const *ks)
{
    for (; *ks; ks++)
        if (kw(P, *ks))
            return true;
    return false;
}

static bool accept(parser *P, const char *k)
{
    if (!kw(P, k))
        return false;
    next(P);
    return true;
}

static bool is_punct(const parser *P, char c) { return P->t.type == T_PUNCT && P->t.p[0] == c; }

static bool accept_punct(parser *P, char c)
{
    if (!is_punct(P, c))
        return false;
    next(P);
    return true;
}

/* The next token is keyword k; the current one is kept. */
static bool peek_kw(const parser *P, const char *k)
{
    lexer l = P->lx;
    tok t;
    lex(&l, &t);
    return tok_kw(&t, k);
}

static bool at_end(const parser *P) { return P->t.type == T_END || is_punct(P, ';'); }

static bool is_name(const tok *t)
{
    return t->type == T_WORD || t->type == T_QUOTED || (t->type == T_STRING && t->q == '"');
}

/* At '(': skips to past the matching ')', or to the end. */
static void skip_group(parser *P)
{
    size_t depth = 0;
    do {
        if (is_punct(P, '('))
            depth++;
        else if (is_punct(P, ')'))
            depth--;
        next(P);
    } while (depth > 0 && P->t.type != T_END);
}

/* Skips to keyword k outside parentheses and past it. False when the statement ends first. */
static bool skip_to(parser *P, const char *k)
{
    while (!at_end(P)) {
        if (accept(P, k))
            return true;
        if (is_punct(P, '('))
            skip_group(P);
        else
            next(P);
    }
    return false;
}

/* [IF [NOT] EXISTS]: sets out->if_exists when present. */
static void opt_if_exists(parser *P)
{
    mark m = save(P);
    if (!accept(P, "IF"))
        return;
    accept(P, "NOT");
    if (accept(P, "EXISTS"))
        P->out->if_exists = true;
    else
        restore(P, &m);
}

/* name | db.name. False (nothing consumed) when the current token cannot start a name. */
static bool parse_name(parser *P, qname *qn)
{
    mark m;
    if (!is_name(&P->t))
        return false;
    memset(qn, 0, sizeof *qn);
    qn->name = P->t;
    next(P);
    if (!is_punct(P, '.'))
        return true;
    m = save(P);
    next(P);
    if (!is_name(&P->t)) {
        restore(P, &m); /* t.* of a multi-table DELETE: the caller reads the ".*" */
        return true;
    }
    qn->db = qn->name;
    qn->has_db = true;
    qn->name = P->t;
    next(P);
    return true;
}

/* Appends (db, name), taking both strings (either may be NULL); false when out of memory. */
static bool push_obj(parser *P, char *db, char *name)
{
    hm_sync_ddl *d = P->out;
    if (d->nobjs == P->cap) {
        size_t cap = P->cap ? P->cap * 2 : 4;
        hm_sync_obj *o = realloc(d->objs, cap * sizeof *o);
        if (!o)
            goto oom;
        d->objs = o;
        P->cap = cap;
    }
    d->objs[d->nobjs].db = db;
    d->objs[d->nobjs].name = name;
    d->nobjs++;
    return true;
oom:
    free(db);
    free(name);
    P->oom = true;
    return false;
}

/* A copy of the database part: t's content, or the default database (maybe none) when t is NULL.
 * False when out of memory. */
static bool dup_db(const parser *P, const tok *t, char **db)
{
    size_t n;
    if (t) {
        *db = tok_dup(t);
        return *db != NULL;
    }
    *db = NULL;
    if (!P->defdb)
        return true;
    n = strlen(P->defdb);
    *db = malloc(n + 1);
    if (*db)
        memcpy(*db, P->defdb, n + 1);
    return *db != NULL;
}

/* Appends a database-level object: db named by t, or the default database when t is NULL. */
static bool add_db(parser *P, const tok *t)
{
    char *db;
    if (!dup_db(P, t, &db)) {
        P->oom = true;
        return false;
    }
    return push_obj(P, db, NULL);
}

static bool add_name(parser *P, const qname *qn)
{
    char *db = NULL, *name = tok_dup(&qn->name);
    if (!name || !dup_db(P, qn->has_db ? &qn->db : NULL, &db)) {
        free(name);
        P->oom = true;
        return false;
    }
    return push_obj(P, db, name);
}

/* name: false when there is none (or memory ran out). */
static bool one_name(parser *P)
{
    qname qn;
    return parse_name(P, &qn) && add_name(P, &qn);
}

/* name {, name} */
static bool name_list(parser *P)
{
    do {
        if (!one_name(P))
            return false;
    } while (accept_punct(P, ','));
    return true;
}

/* ------------------------------------------------------------------- table references --- */

/*
 * The table references of a multi-table UPDATE or DELETE, as far as the clause that ends them.
 * A table name is expected first, after a comma and after JOIN; the name may be followed by an
 * alias. Parentheses that open where a table is expected group joins and are entered; any other
 * group (derived table, ON expression, index hint, PARTITION list) is skipped whole.
 */

#define HM__MAX_REFS 64 /* aliases remembered for a multi-table DELETE; beyond, names as written */

typedef struct table_ref {
    qname table;
    tok alias; /* the explicit alias, else the table's own name */
} table_ref;

typedef struct table_refs {
    table_ref r[HM__MAX_REFS];
    size_t n;
} table_refs;

static const char *const refs_end[] = {"SET", "WHERE", "ORDER", "LIMIT", "RETURNING", NULL};

/* Words that may follow a table name and so are not aliases. */
static const char *const not_alias[] = {
    "ON", "USING", "JOIN", "INNER", "CROSS", "LEFT", "RIGHT", "NATURAL", "STRAIGHT_JOIN", "OUTER",
    "FULL", "USE", "IGNORE", "FORCE", "PARTITION", "FOR", "SET", "WHERE", "ORDER", "LIMIT",
    "RETURNING", "GROUP", "HAVING", "WINDOW", "UNION", "LOCK", NULL,
};

static bool starts_subquery(const parser *P)
{
    return peek_kw(P, "SELECT") || peek_kw(P, "WITH") || peek_kw(P, "VALUES") ||
           peek_kw(P, "TABLE");
}

/* Adds every table named when add is set; records tables and aliases in refs when not NULL. */
static bool table_refs_walk(parser *P, bool add, table_refs *refs)
{
    bool expect = true;      /* a table name may come next */
    table_ref *named = NULL; /* the table just named, whose alias may follow */
    size_t depth = 0;
    while (!at_end(P) && !(depth == 0 && kw_in(P, refs_end))) {
        qname qn;
        if (named && (accept(P, "AS") || P->t.type == T_QUOTED ||
                      (P->t.type == T_WORD && !kw_in(P, not_alias)))) {
            if (is_name(&P->t)) {
                named->alias = P->t;
                next(P);
            }
            named = NULL;
            continue;
        }
        named = NULL;
        if (is_punct(P, '(') && expect && !starts_subquery(P)) {
            depth++;
            next(P);
        } else if (is_punct(P, '(')) {
            skip_group(P);
            expect = false;
        } else if (is_punct(P, ')')) {
            if (depth > 0)
                depth--;
            next(P);
        } else if (is_punct(P, ',') || kw(P, "JOIN") || kw(P, "STRAIGHT_JOIN")) {
            expect = true;
            next(P);
        } else if (expect && parse_name(P, &qn)) {
            expect = false;
            if (add && !add_name(P, &qn))
                return false;
            if (refs && refs->n < HM__MAX_REFS) {
                named = &refs->r[refs->n++];
                named->table = qn;
                named->alias = qn.name;
            }
        } else {
            expect = false;
            next(P);
        }
    }
    return true;
}

/* ------------------------------------------------------------------------------------ DML --- */

/* INSERT|REPLACE [LOW_PRIORITY|DELAYED|HIGH_PRIORITY] [IGNORE] [INTO] t */
static bool parse_insert(parser *P)
{
    static const char *const opts[] = {"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", NULL};
    while (kw_in(P, opts))
        next(P);
    accept(P, "INTO");
    return one_name(P);
}

/* UPDATE [LOW_PRIORITY] [IGNORE] table_references SET ...: every table named before SET. */
static bool parse_update(parser *P)
{
    while (kw(P, "LOW_PRIORITY") || kw(P, "IGNORE"))
        next(P);
    return table_refs_walk(P, true, NULL) && P->out->nobjs > 0 && kw(P, "SET");
}

/* tbl[.*] {, tbl[.*]}: the tables a DELETE deletes from, each resolved through refs' aliases and
 * added when refs is not NULL, only read when it is. */
static bool delete_targets(parser *P, const table_refs *refs)
{
    do {
        qname qn;
        if (!parse_name(P, &qn))
            return false;
        if (accept_punct(P, '.') && !accept_punct(P, '*'))
            return false;
        for (size_t i = 0; refs && !qn.has_db && i < refs->n; i++)
            if (tok_same_name(&refs->r[i].alias, &qn.name)) {
                qn = refs->r[i].table;
                break;
            }
        if (refs && !add_name(P, &qn))
            return false;
    } while (accept_punct(P, ','));
    return true;
}

/*
 * DELETE [LOW_PRIORITY] [QUICK] [IGNORE] then one of
 *   FROM t [WHERE ...]                 single table
 *   FROM a[.*], b[.*] USING refs ...   multi: a and b, through refs' aliases
 *   a[.*], b[.*] FROM refs ...         multi: likewise
 * The refs follow the targets, so the targets are read twice: skipped to find the refs, then
 * read again with the aliases known.
 */
static bool parse_delete(parser *P)
{
    static const char *const opts[] = {"LOW_PRIORITY", "QUICK", "IGNORE", NULL};
    table_refs refs;
    mark targets;
    bool from;
    refs.n = 0;
    while (kw_in(P, opts))
        next(P);
    from = accept(P, "FROM");
    targets = save(P);
    if (!delete_targets(P, NULL))
        return false;
    if (from ? accept(P, "USING") : accept(P, "FROM")) {
        if (!table_refs_walk(P, false, &refs))
            return false;
    } else if (!from) {
        return false;
    }
    restore(P, &targets);
    return delete_targets(P, &refs);
}

/* LOAD {DATA|XML} [LOW_PRIORITY|CONCURRENT] [LOCAL] INFILE '...' [REPLACE|IGNORE] INTO TABLE t */
static bool parse_load(parser *P)
{
    if (!accept(P, "DATA") && !accept(P, "XML"))
        return false;
    return skip_to(P, "INTO") && accept(P, "TABLE") && one_name(P);
}

/* ------------------------------------------------------------------------------------ DDL --- */

enum verb { V_CREATE, V_ALTER, V_DROP };

/* What CREATE, ALTER and DROP do to each kind of object; OTHER: not a statement. */
static const struct objkind {
    const char *word;
    hm_sync_stmt kind[3];
} objkinds[] = {
    {"TABLE", {HM_STMT_CREATE_TABLE, HM_STMT_ALTER_TABLE, HM_STMT_DROP_TABLE}},
    {"TABLES", {HM_STMT_OTHER, HM_STMT_OTHER, HM_STMT_DROP_TABLE}},
    {"DATABASE", {HM_STMT_CREATE_DATABASE, HM_STMT_ALTER_DATABASE, HM_STMT_DROP_DATABASE}},
    {"SCHEMA", {HM_STMT_CREATE_DATABASE, HM_STMT_ALTER_DATABASE, HM_STMT_DROP_DATABASE}},
    {"INDEX", {HM_STMT_CREATE_INDEX, HM_STMT_OTHER, HM_STMT_DROP_INDEX}},
    {"VIEW", {HM_STMT_VIEW, HM_STMT_VIEW, HM_STMT_VIEW}},
    {"TRIGGER", {HM_STMT_TRIGGER, HM_STMT_OTHER, HM_STMT_TRIGGER}},
    {"PROCEDURE", {HM_STMT_ROUTINE, HM_STMT_ROUTINE, HM_STMT_ROUTINE}},
    {"FUNCTION", {HM_STMT_ROUTINE, HM_STMT_ROUTINE, HM_STMT_ROUTINE}},
    {"EVENT", {HM_STMT_EVENT, HM_STMT_EVENT, HM_STMT_EVENT}},
    {"SEQUENCE", {HM_STMT_SEQUENCE, HM_STMT_SEQUENCE, HM_STMT_SEQUENCE}},
};

/* DEFINER = {CURRENT_USER[()] | user[@host]}, the '=' already read. A host may be quoted, or
 * written bare, in which case it runs over adjacent words and '.', '-', '%'. */
static void skip_user(parser *P)
{
    if (accept(P, "CURRENT_USER")) {
        if (is_punct(P, '('))
            skip_group(P);
        return;
    }
    if (at_end(P))
        return;
    next(P);
    if (!accept_punct(P, '@'))
        return;
    if (P->t.type == T_QUOTED || P->t.type == T_STRING) {
        next(P);
        return;
    }
    while (P->t.type == T_WORD || is_punct(P, '.') || is_punct(P, '-') || is_punct(P, '%')) {
        size_t e = P->t.e;
        next(P);
        if (P->t.b != e)
            break;
    }
}

/* The words between the verb and the object kind: OR REPLACE, TEMPORARY, DEFINER=..., ... */
static void ddl_options(parser *P)
{
    static const char *const flags[] = {"ONLINE", "OFFLINE", "IGNORE", "UNIQUE", "FULLTEXT",
                                        "SPATIAL", "AGGREGATE", NULL};
    for (;;) {
        if (accept(P, "TEMPORARY")) {
            P->out->temporary = true;
        } else if (kw_in(P, flags)) {
            next(P);
        } else if (kw(P, "OR") && peek_kw(P, "REPLACE")) {
            next(P);
            next(P);
            P->out->if_exists = true;
        } else if (accept(P, "ALGORITHM")) {
            accept_punct(P, '=');
            if (!at_end(P))
                next(P);
        } else if (accept(P, "DEFINER")) {
            accept_punct(P, '=');
            skip_user(P);
        } else if (accept(P, "SQL")) {
            if (accept(P, "SECURITY") && !at_end(P))
                next(P);
        } else {
            return;
        }
    }
}

/* ALTER DATABASE may leave out the name: it then alters the default database. */
static bool database_name(parser *P, enum verb v)
{
    static const char *const no_name[] = {"DEFAULT", "CHARACTER", "CHARSET", "COLLATE", "COMMENT",
                                          "READ", "ENCRYPTION", NULL};
    if (v == V_ALTER && (!is_name(&P->t) || kw_in(P, no_name)))
        return add_db(P, NULL);
    if (!is_name(&P->t))
        return false;
    if (!add_db(P, &P->t))
        return false;
    next(P);
    return true;
}

/* CREATE TABLE t: LIKE s or (LIKE s) names the source; anything else (columns, AS SELECT) not. */
static bool create_table_tail(parser *P)
{
    mark m = save(P);
    bool paren = accept_punct(P, '(');
    if (accept(P, "LIKE"))
        return one_name(P);
    if (paren)
        restore(P, &m);
    return true;
}

/* ALTER TABLE t ... RENAME [TO|AS] x anywhere in the list adds x (RENAME COLUMN/INDEX/KEY
 * rename something else); ALTER EVENT e ... RENAME TO x likewise, before the body's DO. */
static bool rename_tail(parser *P, const char *stop)
{
    static const char *const renamed[] = {"COLUMN", "INDEX", "KEY", "CONSTRAINT", NULL};
    while (!at_end(P) && !(stop && kw(P, stop))) {
        if (is_punct(P, '(')) {
            skip_group(P);
        } else if (!accept(P, "RENAME")) {
            next(P);
        } else if (!kw_in(P, renamed)) {
            if (!accept(P, "TO"))
                accept(P, "AS");
            return one_name(P);
        }
    }
    return true;
}

/* CREATE/ALTER/DROP ...: the verb has been read. */
static bool parse_ddl(parser *P, enum verb v)
{
    hm_sync_stmt kind = HM_STMT_OTHER;
    bool is_function;
    qname qn;
    ddl_options(P);
    for (size_t i = 0; i < sizeof objkinds / sizeof objkinds[0]; i++)
        if (kw(P, objkinds[i].word))
            kind = objkinds[i].kind[v];
    if (kind == HM_STMT_OTHER)
        return false;
    is_function = kw(P, "FUNCTION");
    P->out->kind = kind;
    next(P);
    opt_if_exists(P);
    switch (kind) {
    case HM_STMT_CREATE_DATABASE:
    case HM_STMT_ALTER_DATABASE:
    case HM_STMT_DROP_DATABASE:
        return database_name(P, v);
    case HM_STMT_CREATE_INDEX:
    case HM_STMT_DROP_INDEX: /* INDEX i [USING ...] ON t: only the table is listed */
        return parse_name(P, &qn) && skip_to(P, "ON") && one_name(P);
    case HM_STMT_DROP_TABLE:
        return name_list(P);
    case HM_STMT_VIEW:
    case HM_STMT_SEQUENCE:
        return v == V_DROP ? name_list(P) : one_name(P);
    default:
        break;
    }
    if (!one_name(P))
        return false;
    switch (kind) {
    case HM_STMT_CREATE_TABLE:
        return create_table_tail(P);
    case HM_STMT_ALTER_TABLE:
        return rename_tail(P, NULL);
    case HM_STMT_EVENT:
        return v != V_ALTER || rename_tail(P, "DO");
    case HM_STMT_TRIGGER: /* CREATE: {BEFORE|AFTER} event ON t */
        return v != V_CREATE || (skip_to(P, "ON") && one_name(P));
    case HM_STMT_ROUTINE: /* CREATE FUNCTION f RETURNS ... SONAME: a UDF, not a stored routine */
        return !(v == V_CREATE && is_function && kw(P, "RETURNS"));
    default:
        return true;
    }
}

/* RENAME TABLE[S] [IF EXISTS] a [WAIT n|NOWAIT] TO b {, c TO d} */
static bool parse_rename(parser *P)
{
    if (!accept(P, "TABLE") && !accept(P, "TABLES"))
        return false;
    opt_if_exists(P);
    do {
        if (!one_name(P))
            return false;
        if (accept(P, "WAIT") && !at_end(P))
            next(P);
        accept(P, "NOWAIT");
        if (!accept(P, "TO") || !one_name(P))
            return false;
    } while (accept_punct(P, ','));
    return true;
}

/* ---------------------------------------------------------------------------- statements --- */

/* Transaction control. Returns OTHER when the words are none of them. */
static hm_sync_stmt parse_trx(parser *P)
{
    if (accept(P, "BEGIN")) /* BEGIN NOT ATOMIC opens a compound statement */
        return kw(P, "NOT") ? HM_STMT_OTHER : HM_STMT_BEGIN;
    if (accept(P, "START"))
        return kw(P, "TRANSACTION") ? HM_STMT_BEGIN : HM_STMT_OTHER;
    if (accept(P, "COMMIT"))
        return HM_STMT_COMMIT;
    if (accept(P, "ROLLBACK")) {
        accept(P, "WORK");
        return kw(P, "TO") ? HM_STMT_SAVEPOINT : HM_STMT_ROLLBACK;
    }
    if (accept(P, "SAVEPOINT"))
        return HM_STMT_SAVEPOINT;
    if (accept(P, "RELEASE"))
        return kw(P, "SAVEPOINT") ? HM_STMT_SAVEPOINT : HM_STMT_OTHER;
    if (accept(P, "XA")) {
        if (kw(P, "START") || kw(P, "BEGIN"))
            return HM_STMT_BEGIN;
        if (kw(P, "COMMIT"))
            return HM_STMT_COMMIT;
        if (kw(P, "ROLLBACK"))
            return HM_STMT_ROLLBACK;
    }
    return HM_STMT_OTHER;
}

/* Fills P->out; false when the statement is not understood (or memory ran out). */
static bool parse_stmt(parser *P)
{
    hm_sync_stmt k;
    /* SET STATEMENT var=value [, ...] FOR stmt (MariaDB): the inner statement counts */
    while (kw(P, "SET") && peek_kw(P, "STATEMENT"))
        if (!skip_to(P, "FOR"))
            return false;
    P->out->kind = HM_STMT_DML;
    if (accept(P, "INSERT") || accept(P, "REPLACE"))
        return parse_insert(P);
    if (accept(P, "UPDATE"))
        return parse_update(P);
    if (accept(P, "DELETE"))
        return parse_delete(P);
    if (accept(P, "LOAD"))
        return parse_load(P);
    if (accept(P, "CREATE"))
        return parse_ddl(P, V_CREATE);
    if (accept(P, "ALTER"))
        return parse_ddl(P, V_ALTER);
    if (accept(P, "DROP"))
        return parse_ddl(P, V_DROP);
    if (accept(P, "RENAME")) {
        P->out->kind = HM_STMT_RENAME_TABLE;
        return parse_rename(P);
    }
    if (accept(P, "TRUNCATE")) {
        P->out->kind = HM_STMT_TRUNCATE_TABLE;
        accept(P, "TABLE");
        return one_name(P);
    }
    k = parse_trx(P);
    P->out->kind = k;
    return k != HM_STMT_OTHER;
}

hm_code hm_sync_ddl_parse(const char *sql, size_t len, const char *default_db, hm_sync_ddl *out,
                          hm_err *err)
{
    parser P;
    bool ok;
    memset(out, 0, sizeof *out);
    memset(&P, 0, sizeof P);
    P.lx.s = sql;
    P.lx.len = sql ? len : 0;
    P.defdb = default_db && *default_db ? default_db : NULL;
    P.out = out;
    next(&P);
    ok = parse_stmt(&P);
    while (P.t.type != T_END) /* rule 3: an unterminated quote further on spoils it all */
        next(&P);
    if (P.oom) {
        hm_sync_ddl_release(out);
        return hm_err_set(err, HM_ENOMEM, "out of memory listing the objects of a statement");
    }
    if (!ok || P.lx.bad)
        hm_sync_ddl_release(out);
    return HM_OK;
}

void hm_sync_ddl_release(hm_sync_ddl *d)
{
    for (size_t i = 0; i < d->nobjs; i++) {
        free(d->objs[i].db);
        free(d->objs[i].name);
    }
    free(d->objs);
    memset(d, 0, sizeof *d);
}

const char *hm_sync_stmt_name(hm_sync_stmt k)
{
    static const char *const names[] = {
        [HM_STMT_OTHER] = "OTHER",
        [HM_STMT_BEGIN] = "BEGIN",
        [HM_STMT_COMMIT] = "COMMIT",
        [HM_STMT_ROLLBACK] = "ROLLBACK",
        [HM_STMT_SAVEPOINT] = "SAVEPOINT",
        [HM_STMT_DML] = "DML",
        [HM_STMT_CREATE_DATABASE] = "CREATE_DATABASE",
        [HM_STMT_ALTER_DATABASE] = "ALTER_DATABASE",
        [HM_STMT_DROP_DATABASE] = "DROP_DATABASE",
        [HM_STMT_CREATE_TABLE] = "CREATE_TABLE",
        [HM_STMT_ALTER_TABLE] = "ALTER_TABLE",
        [HM_STMT_DROP_TABLE] = "DROP_TABLE",
        [HM_STMT_RENAME_TABLE] = "RENAME_TABLE",
        [HM_STMT_TRUNCATE_TABLE] = "TRUNCATE_TABLE",
        [HM_STMT_CREATE_INDEX] = "CREATE_INDEX",
        [HM_STMT_DROP_INDEX] = "DROP_INDEX",
        [HM_STMT_VIEW] = "VIEW",
        [HM_STMT_TRIGGER] = "TRIGGER",
        [HM_STMT_ROUTINE] = "ROUTINE",
        [HM_STMT_EVENT] = "EVENT",
        [HM_STMT_SEQUENCE] = "SEQUENCE",
    };
    if ((size_t)k < sizeof names / sizeof names[0] && names[k])
        return names[k];
    return "UNKNOWN";
}
