/*
 * copy/select.h: which objects a task moves, from --include / --exclude patterns.
 *
 * A pattern is "db" (every object of db) or "db.name", with '*' and '?' wildcards in either part
 * (matched case-sensitively, as names are on a case-sensitive server). No include pattern means
 * every non-system schema. An object is selected when some include matches and no exclude does.
 * System schemas (mysql, sys, information_schema, performance_schema) and hotmig_meta are never
 * selected, whatever the patterns say.
 */
#ifndef HM_COPY_SELECT_H
#define HM_COPY_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "hotmig.h"

typedef struct hm_select {
    const char *const *include;
    size_t n_include;
    const char *const *exclude;
    size_t n_exclude;
    bool *include_used; /* owned; include_used[i] set when include[i] matched something */
} hm_select;

hm_code hm_select_init(hm_select *s, const char *const *inc, size_t ninc, const char *const *exc,
                       size_t nexc, hm_err *err);
void hm_select_release(hm_select *s);

/* Validates one pattern's syntax: non-empty parts, at most one '.'. */
bool hm_select_pattern_ok(const char *pattern);

bool hm_select_is_system_schema(const char *db);

/* Whether db.name is selected; records which include patterns matched. */
bool hm_select_object(hm_select *s, const char *db, const char *name);

/* Whether some object of db could be selected (used for schema-level objects). */
bool hm_select_schema(hm_select *s, const char *db);

/* The first include pattern that matched nothing, or NULL. */
const char *hm_select_unused(const hm_select *s);

#endif
