/*
 * verify/fixsql.h: the SQL that makes the target equal to the source, from hotmig_meta.verify_diff.
 *
 * For every difference recorded: a missing row becomes an INSERT of the source's row, a changed
 * row an UPDATE by key of just the columns that differ (with the source's values now), an extra
 * row a DELETE by key (keyless tables: DELETE ... WHERE every column <=> its value LIMIT copies).
 * Values are literals that survive any session: hex with the column's character set introducer,
 * checked numbers, quoted temporal text (the file sets time_zone to UTC). Order, so that it
 * applies with foreign key checks on: INSERTs with parent tables first, then UPDATEs, then DELETEs
 * with child tables first; one transaction. Rows are read one at a time: memory does not grow
 * with the number of differences.
 */
#ifndef HM_VERIFY_FIXSQL_H
#define HM_VERIFY_FIXSQL_H

#include <stdio.h>

#include "copy/catalog.h"
#include "verify/canon.h"

typedef struct hm_verify_fix_ctx {
    hm_conn *meta;         /* target: reads verify_diff */
    hm_conn *src, *tgt;    /* rows' values (the target's for keyless extra rows) */
    const hm_catalog *cat;
    const hm_verify_cols *cols; /* per table */
    hm_verify_dialect ds, dt;
} hm_verify_fix_ctx;

/* Writes the statements to path (replaced). *n counts them. */
hm_code hm_verify_fix_write(const hm_verify_fix_ctx *x, const char *path, uint64_t *n, hm_err *err);

#endif
