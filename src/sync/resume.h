/*
 * sync/resume.h: where a parallel apply resumes after a crash, and which transactions it skips
 * there (issue 14 item 2): the pure part of the one-row-per-worker checkpoint (rows in
 * hotmig_meta.sync_worker, sync/state.h; written by sync/par.c; read by every start of sync.c,
 * with the main checkpoint as one more row with nothing above it), tested on its own.
 *
 * The plan: worker w commits each source transaction it applied together with an update of its
 * own checkpoint row (no other connection writes that row, so commits of different workers never
 * wait for each other's row lock). The row holds
 *   lwm        the low-water mark known when the transaction was handed out: the end position
 *              of the longest prefix of source transactions all committed (sync/deps.h), with
 *              the GTID set through it;
 *   above      the end positions of the transactions this worker committed that end after lwm,
 *              this one included ("file:pos,file:pos", at most the window's size).
 * Exact because: a transaction T committed before the crash by worker w is in w's row as that
 * commit wrote it; a later commit of w drops T from `above` only when its lwm is at or past T.
 * So with L the latest lwm of all rows, every committed transaction ends at or before L or is in
 * some row's `above`, and nothing in `above` or before L is uncommitted. Resume: start the binlog
 * at L (with its GTID set) and skip exactly the transactions whose end position is in some
 * row's `above` and after L.
 *
 * Positions are transaction end positions (the next event's start), unique in a binlog.
 */
#ifndef HM_SYNC_RESUME_H
#define HM_SYNC_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "hotmig.h"
#include "sync/state.h"
#include "util/buf.h"

/* One worker's checkpoint row, as read back (borrowed strings). */
typedef struct hm_sync_wrow {
    hm_sync_pos lwm;
    const char *above;       /* "" or "file:pos,file:pos,..." */
} hm_sync_wrow;

typedef struct hm_sync_resume {
    hm_sync_pos from;        /* L: the latest lwm */
    size_t from_row;         /* the row it came from (its GTID set goes with it) */
    hm_sync_pos *skip;       /* owned: the transactions to skip, after `from`, sorted */
    size_t nskip;
} hm_sync_resume;

/* Plans the resume from n >= 1 rows. HM_ESTATE (err says which row) when an `above` list does
 * not parse (more than max_entries, a file name too long, a position not a number). */
hm_code hm_sync_resume_plan(const hm_sync_wrow *rows, size_t n, size_t max_entries, hm_sync_resume *out,
                            hm_err *err);
/* Whether the transaction ending at end was committed already (in the skip set). */
bool hm_sync_resume_skip(const hm_sync_resume *r, const hm_sync_pos *end);
void hm_sync_resume_release(hm_sync_resume *r);

/* Writes `above` for a worker's row: those of its n committed end positions that are after lwm.
 * b is reset first; left empty (b->len 0, b->data possibly NULL) when none is. HM_EUSAGE when a
 * file name holds ':' or ',' (a binlog name never does). */
hm_code hm_sync_resume_above(hm_buf *b, const hm_sync_pos *lwm, const hm_sync_pos *ends, size_t n, hm_err *err);

#endif
