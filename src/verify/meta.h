/*
 * verify/meta.h: what a verification has done, kept in hotmig_meta on the target, for resume.
 *
 * Tables (InnoDB, created by hm_verify_meta_init; the only writes verify makes to the target):
 *   verify_run    one row: the run's fingerprint (servers and selection) and state
 *                 'running' -> 'done'.
 *   verify_table  one row per table once its first chunk is compared: state 'comparing' ->
 *                 'equal' | 'differs', the upper bound of the last chunk compared (a packed key
 *                 tuple, keylit.h; NULL: none yet), chunks and source rows compared, re-checks,
 *                 and whether a re-check saw the source change.
 *   verify_diff   one row per difference: table, kind ('missing' | 'extra' | 'changed'), the key
 *                 (packed, for the fix SQL; keyless tables: the row's hash) and its display text,
 *                 the columns that differ, the copies (keyless tables).
 * A chunk's differences and its table row are written in one transaction, so a chunk is either
 * wholly recorded or not at all: a run killed and started again compares from the bound on and
 * reports the same differences.
 */
#ifndef HM_VERIFY_META_H
#define HM_VERIFY_META_H

#include <stdbool.h>
#include <stdint.h>

#include "db/conn.h"
#include "util/buf.h"

typedef struct hm_verify_meta_table {
    bool exists;
    char state[16];
    char *bound;       /* owned; NULL: no chunk yet */
    size_t bound_len;
    uint64_t chunks, rows, rechecks;
    bool written;
} hm_verify_meta_table;

hm_code hm_verify_meta_init(hm_conn *tgt, hm_err *err);
/* Goes on with an unfinished run of the same fingerprint (*resumed true), else starts afresh
 * (the verify tables emptied). */
hm_code hm_verify_meta_begin(hm_conn *tgt, const char *fingerprint, bool *resumed, hm_err *err);
hm_code hm_verify_meta_finish(hm_conn *tgt, hm_err *err);

/* Reads a table's row (mt->exists false when none). Release with hm_verify_meta_table_release. */
hm_code hm_verify_meta_table_get(hm_conn *tgt, const char *db, const char *tbl,
                                 hm_verify_meta_table *mt, hm_err *err);
void hm_verify_meta_table_release(hm_verify_meta_table *mt);

/* The statement recording a table's progress (an upsert with mt's values). */
hm_code hm_verify_meta_table_sql(hm_buf *q, const char *db, const char *tbl,
                                 const hm_verify_meta_table *mt);

/* Appends one difference to a multi-row INSERT being built in q (started when q is empty). */
hm_code hm_verify_meta_diff_sql(hm_buf *q, const char *db, const char *tbl, const char *kind,
                                const char *key, size_t key_len, const char *key_text,
                                const char *cols, uint64_t copies);

/* SELECT of every difference in table order: db, tbl, kind, key, key_text, cols, copies. */
#define HM_VERIFY_META_DIFFS                                                                  \
    "SELECT db, tbl, kind, key_packed, key_text, cols, copies FROM `hotmig_meta`.`verify_diff` " \
    "ORDER BY db, tbl, id"

#endif
