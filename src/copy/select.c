/*
 * copy/select.c: include/exclude pattern matching. Owns the include_used flags.
 */
#include "copy/select.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static const char *const system_schemas[] = {
    "mysql", "sys", "information_schema", "performance_schema", "hotmig_meta", NULL,
};

bool hm_select_is_system_schema(const char *db)
{
    for (size_t i = 0; system_schemas[i]; i++)
        if (strcasecmp(db, system_schemas[i]) == 0)
            return true;
    return false;
}

bool hm_select_pattern_ok(const char *p)
{
    const char *dot = strchr(p, '.');
    if (!*p)
        return false;
    if (!dot)
        return true;
    return dot != p && dot[1] != '\0' && strchr(dot + 1, '.') == NULL;
}

hm_code hm_select_init(hm_select *s, const char *const *inc, size_t ninc, const char *const *exc,
                       size_t nexc, hm_err *err)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < ninc; i++)
        if (!hm_select_pattern_ok(inc[i]))
            return hm_err_set(err, HM_EUSAGE,
                              "bad --include pattern '%s': use db or db.table, with * and ? wildcards",
                              inc[i]);
    for (size_t i = 0; i < nexc; i++)
        if (!hm_select_pattern_ok(exc[i]))
            return hm_err_set(err, HM_EUSAGE,
                              "bad --exclude pattern '%s': use db or db.table, with * and ? wildcards",
                              exc[i]);
    s->include = inc;
    s->n_include = ninc;
    s->exclude = exc;
    s->n_exclude = nexc;
    if (ninc) {
        s->include_used = calloc(ninc, sizeof *s->include_used);
        if (!s->include_used)
            return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    return HM_OK;
}

void hm_select_release(hm_select *s)
{
    free(s->include_used);
    s->include_used = NULL;
}

/*
 * Glob match of pattern p[0..np) against the whole of s. Only '*' (any run, empty included) and
 * '?' (one byte) are special: '[' and '\\' are ordinary characters in MySQL names, so fnmatch(3),
 * which treats them as syntax, would match the wrong tables. Iterative, backtracking only to the
 * last '*', so it is linear-ish and never recurses.
 */
static bool glob(const char *p, size_t np, const char *s)
{
    size_t pi = 0, star = (size_t)-1;
    const char *mark = NULL;
    while (*s) {
        if (pi < np && p[pi] == '*') {
            star = pi++;
            mark = s;
        } else if (pi < np && (p[pi] == '?' || p[pi] == *s)) {
            pi++;
            s++;
        } else if (mark) {
            pi = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (pi < np && p[pi] == '*')
        pi++;
    return pi == np;
}

/* Matches "db" or "db.name" pattern p against db and name (name NULL: schema-level question). */
static bool match(const char *p, const char *db, const char *name)
{
    const char *dot = strchr(p, '.');
    if (!dot)
        return glob(p, strlen(p), db);
    if (!glob(p, (size_t)(dot - p), db))
        return false;
    return name == NULL || glob(dot + 1, strlen(dot + 1), name);
}

bool hm_select_object(hm_select *s, const char *db, const char *name)
{
    bool in = s->n_include == 0;
    if (hm_select_is_system_schema(db))
        return false;
    for (size_t i = 0; i < s->n_include; i++)
        if (match(s->include[i], db, name)) {
            in = true;
            s->include_used[i] = true;
        }
    if (!in)
        return false;
    for (size_t i = 0; i < s->n_exclude; i++)
        if (match(s->exclude[i], db, name))
            return false;
    return true;
}

bool hm_select_schema(hm_select *s, const char *db)
{
    bool in = s->n_include == 0;
    if (hm_select_is_system_schema(db))
        return false;
    for (size_t i = 0; i < s->n_include && !in; i++)
        in = match(s->include[i], db, NULL);
    if (!in)
        return false;
    for (size_t i = 0; i < s->n_exclude; i++)
        if (!strchr(s->exclude[i], '.') && match(s->exclude[i], db, NULL))
            return false;
    return true;
}

const char *hm_select_unused(const hm_select *s)
{
    for (size_t i = 0; i < s->n_include; i++)
        if (!s->include_used[i])
            return s->include[i];
    return NULL;
}
