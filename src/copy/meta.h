/*
 * copy/meta.h: the hotmig_meta schema on the target: what a copy has done, for resume.
 *
 * Tables (all InnoDB, created by hm_meta_init):
 *   copy_run    one row: the task's fingerprint, state ('copying' | 'done'), and the binlog
 *               coordinates of the first snapshot (where an incremental phase must start).
 *   copy_table  one row per selected table: state 'created' -> 'planned' -> 'done', with
 *               'loaded' before 'done' for a table whose secondary keys are built after its
 *               data (keydefer.h): every chunk is in, its ALTER TABLE may not be.
 *   copy_chunk  the plan of a table: one row per chunk with its key range (packed tuples, see
 *               keylit.h; the first chunk's lower bound and the last chunk's upper bound are
 *               NULL, so the ranges cover the whole key space). The whole plan is written in one
 *               transaction with the table's 'planned' state. A chunk's done flag, row and byte
 *               counts and snapshot coordinates are set in the same target transaction as the
 *               chunk's rows (hm_meta_chunk_done_sql): a chunk is either wholly there and
 *               recorded, or neither. A rerun copies the planned chunks not done.
 *   copy_object one row per view/routine/trigger/event created.
 * The tool never copies hotmig_meta (see select.c).
 */
#ifndef HM_COPY_META_H
#define HM_COPY_META_H

#include <stdint.h>

#include "db/conn.h"
#include "util/buf.h"

typedef struct hm_meta_run {
    bool exists;
    char fingerprint[40];
    char state[20];
    char binlog_file[256];
    uint64_t binlog_pos;
    char gtid_set[1024];
} hm_meta_run;

typedef struct hm_meta_chunk {
    unsigned chunk_no;
    char *lo, *hi; /* packed tuples, owned; NULL = unbounded */
    size_t lo_len, hi_len;
} hm_meta_chunk;

/* Reads the run row; run->exists is false when the target has no hotmig_meta yet. */
hm_code hm_meta_read_run(hm_conn *tgt, hm_meta_run *run, hm_err *err);
hm_code hm_meta_init(hm_conn *tgt, hm_err *err);
/* Starts a fresh run: clears every table (and an earlier sync checkpoint) and writes the run row. */
hm_code hm_meta_start_run(hm_conn *tgt, const char *fingerprint, const char *file, uint64_t pos,
                          const char *gtid, hm_err *err);
hm_code hm_meta_finish_run(hm_conn *tgt, hm_err *err);

/* state: "" when the table has no row. */
hm_code hm_meta_table_state(hm_conn *tgt, const char *db, const char *tbl, char *state,
                            size_t statesz, hm_err *err);
hm_code hm_meta_set_table_state(hm_conn *tgt, const char *db, const char *tbl, const char *state,
                                hm_err *err);

/* Writes a table's plan and its 'planned' state in one transaction. */
hm_code hm_meta_save_plan(hm_conn *tgt, const char *db, const char *tbl, const hm_meta_chunk *c,
                          size_t n, hm_err *err);
/* Loads the chunks of a table not yet done, by chunk_no. *out is owned by the caller: free with
 * hm_meta_chunks_free. *done_chunks / *done_rows count what earlier runs finished. */
hm_code hm_meta_load_pending(hm_conn *tgt, const char *db, const char *tbl, hm_meta_chunk **out,
                             size_t *n, unsigned *done_chunks, uint64_t *done_rows, hm_err *err);
void hm_meta_chunks_free(hm_meta_chunk *c, size_t n);

/* Marks every chunk of a table not done (its plan is kept), in one statement. */
hm_code hm_meta_reset_chunks(hm_conn *tgt, const char *db, const char *tbl, hm_err *err);

/* Builds the UPDATE that marks a chunk done (run it in the chunk's transaction; it must affect
 * exactly one row). */
hm_code hm_meta_chunk_done_sql(hm_buf *sql, const char *db, const char *tbl, unsigned chunk_no,
                               uint64_t rows, uint64_t bytes, const char *snap_file,
                               uint64_t snap_pos);

bool hm_meta_object_done(hm_conn *tgt, const char *kind, const char *db, const char *name);
hm_code hm_meta_set_object_done(hm_conn *tgt, const char *kind, const char *db, const char *name,
                                hm_err *err);

#endif
