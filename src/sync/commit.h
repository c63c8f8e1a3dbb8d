/*
 * sync/commit.h: the committer, a thread that runs COMMIT on a target connection while the sync
 * applies the next group on another one.
 *
 * A target commit waits for the target's binlog and redo log to reach the disk; during that wait
 * the next source transactions can already be applied, on a second connection (sync.c's lanes).
 * The order of commits is kept by the caller: one commit in flight at a time, and the next is
 * started only after hm_sync_committer_wait() said the previous one succeeded.
 *
 * Ownership: the committer owns its thread; the connection of a commit in flight is borrowed
 * from start() until wait() returns, and must not be used meanwhile.
 */
#ifndef HM_SYNC_COMMIT_H
#define HM_SYNC_COMMIT_H

#include <stdbool.h>

#include "db/conn.h"
#include "hotmig.h"

typedef struct hm_sync_committer hm_sync_committer;

/* Starts the thread. NULL (err set) when it cannot. */
hm_sync_committer *hm_sync_committer_new(hm_err *err);
/* Waits for a commit in flight, then stops the thread. NULL is allowed. */
void hm_sync_committer_free(hm_sync_committer *c);

/* Runs COMMIT on conn on the thread. Only when nothing is in flight (wait() returned since the
 * last start). */
void hm_sync_committer_start(hm_sync_committer *c, hm_conn *conn);
/* Whether a commit was started and wait() has not returned its result yet. */
bool hm_sync_committer_busy(const hm_sync_committer *c);
/* Whether no COMMIT is running now (none started, or it ended and wait() will not block). */
bool hm_sync_committer_idle(hm_sync_committer *c);
/* Waits for the commit in flight: HM_OK when it succeeded (or none was in flight), else the
 * connection's error code with its message in err (the commit's outcome is then unknown: the
 * caller starts again from the checkpoint it reads back from the target). */
hm_code hm_sync_committer_wait(hm_sync_committer *c, hm_err *err);

#endif
