/*
 * sync/state.h: incremental sync's records in the target's hotmig_meta.
 *
 *   sync_state  one row: the checkpoint (binlog file, 64-bit position, GTID set, counters), the
 *               phase ('syncing' | 'finished'), the DDL in flight, and the final coordinates of
 *               a finished sync. The checkpoint is updated by hm_sync_state_save_stmt() inside
 *               the target transaction that applied the changes it covers, so a crash can
 *               neither lose nor repeat a change. DDL cannot share a transaction with it: the
 *               DDL's position is recorded first (ddl_file/ddl_pos), so that a restart knows
 *               the statement may already have run.
 *   sync_worker one row per parallel-apply worker (sync/par.h, sync/resume.h): the low-water mark
 *               (file, position, GTID set) known at its last commit and the end positions of the
 *               transactions it committed above it; each worker updates its own row in the target
 *               transaction of what it applied, with its counts of transactions and rows since
 *               the main checkpoint last counted them. Created with sync_state.
 *   The start comes from copy_run (the first snapshot); where a table was copied from a later
 *   snapshot (a resumed copy), hm_sync_snaps_load() reads each table's own snapshot from
 *   copy_chunk so that its changes up to there are not applied twice.
 *
 * Positions compare by file number (the digits after the last '.') then offset.
 */
#ifndef HM_SYNC_STATE_H
#define HM_SYNC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <mysql.h>

#include "db/conn.h"
#include "hotmig.h"

typedef struct hm_sync_pos {
    char file[256];
    uint64_t pos;
} hm_sync_pos;

/* <0, 0, >0 as a is before, at, after b. */
int hm_sync_pos_cmp(const hm_sync_pos *a, const hm_sync_pos *b);

typedef struct hm_sync_state {
    hm_sync_pos start;       /* the copy's first snapshot (copy_run) */
    hm_sync_pos at;          /* the checkpoint: the next event to apply */
    char *gtid;              /* owned: GTID set applied through the checkpoint */
    hm_sync_pos ddl;         /* file "" when no DDL is in flight */
    char phase[16];          /* "syncing" | "finished" */
    uint64_t trx_applied, rows_applied;
    hm_sync_pos final;       /* finished: where the source was at the cut-over */
    char *final_gtid;        /* owned */
} hm_sync_state;

/* Reads the state; creates it from copy_run when sync has not run yet. HM_ESTATE when the
 * target holds no finished copy. */
hm_code hm_sync_state_load(hm_conn *tgt, hm_sync_state *st, hm_err *err);
void hm_sync_state_release(hm_sync_state *st);

/* A prepared "UPDATE sync_state SET checkpoint" on tgt; run it with hm_sync_state_save(). */
MYSQL_STMT *hm_sync_state_prepare(hm_conn *tgt, hm_err *err);
hm_code hm_sync_state_save(MYSQL_STMT *stmt, const hm_sync_pos *at, const char *gtid, uint64_t trx,
                           uint64_t rows, hm_err *err);

/* Records (autocommit) the DDL about to run, or clears it (ddl NULL). */
hm_code hm_sync_state_set_ddl(hm_conn *tgt, const hm_sync_pos *ddl, hm_err *err);
/* Records the finish: phase 'finished' and the final coordinates (autocommit). */
hm_code hm_sync_state_finish(hm_conn *tgt, const hm_sync_pos *final, const char *gtid, hm_err *err);

/* A worker's row of hotmig_meta.sync_worker. */
typedef struct hm_sync_wstate {
    unsigned worker;
    hm_sync_pos lwm;
    char *gtid, *above;      /* owned */
    uint64_t trx, rows;      /* committed by the worker since the main checkpoint last counted */
} hm_sync_wstate;

/* Every worker row (*out: n rows, free with hm_sync_wstate_free). */
hm_code hm_sync_wstate_load(hm_conn *tgt, hm_sync_wstate **out, size_t *n, hm_err *err);
void hm_sync_wstate_free(hm_sync_wstate *v, size_t n);
/* Replaces the rows (in the caller's transaction) by rows 0..workers-1 at lwm / gtid, worker 0's
 * `above` above0 (NULL: ""), the others' "". workers 0: no rows. */
hm_code hm_sync_wstate_reset(hm_conn *tgt, unsigned workers, const hm_sync_pos *lwm, const char *gtid,
                             const char *above0, hm_err *err);
/* A prepared update of one worker's row; run it with hm_sync_wstate_save(). */
MYSQL_STMT *hm_sync_wstate_prepare(hm_conn *tgt, hm_err *err);
hm_code hm_sync_wstate_save(MYSQL_STMT *stmt, unsigned worker, const hm_sync_pos *lwm, const char *gtid,
                            const char *above, uint64_t trx, uint64_t rows, hm_err *err);
/* The workers' counters to 0 (in the caller's transaction): the main checkpoint now counts what
 * they committed (every worker idle). */
hm_code hm_sync_wstate_zero(hm_conn *tgt, hm_err *err);

/* Each table's own snapshot, where it is after the first one. */
typedef struct hm_sync_snap {
    char *db, *tbl;          /* owned */
    hm_sync_pos at;
} hm_sync_snap;

typedef struct hm_sync_snaps {
    hm_sync_snap *v;         /* sorted by db, tbl */
    size_t n;
    hm_sync_pos last;        /* the latest of them: past it, no table needs the check */
} hm_sync_snaps;

hm_code hm_sync_snaps_load(hm_conn *tgt, const hm_sync_pos *first, hm_sync_snaps *s, hm_err *err);
/* The snapshot of db.tbl when it is later than the first one, else NULL. */
const hm_sync_pos *hm_sync_snaps_find(const hm_sync_snaps *s, const char *db, size_t dblen,
                                      const char *tbl, size_t tbllen);
void hm_sync_snaps_release(hm_sync_snaps *s);

#endif
