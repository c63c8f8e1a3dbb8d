/*
 * copy/snapshot.h: one consistent snapshot shared by every worker connection, and its binlog
 * coordinates.
 *
 * Methods, tried in this order:
 *   1. MariaDB with the binlog on, no lock at all: every worker runs START TRANSACTION WITH
 *      CONSISTENT SNAPSHOT and reads binlog_snapshot_file/_position, which MariaDB ties to the
 *      snapshot. When all workers report the same position, no transaction committed between
 *      their snapshots, so they are one snapshot. Otherwise roll back and try again (up to 30
 *      times; the window is a few hundred microseconds).
 *   2. MariaDB 10.4+: BACKUP STAGE START .. BLOCK_COMMIT (blocks commits, not running queries),
 *      snapshots, then BACKUP STAGE END.
 *   3. Otherwise (MySQL): FLUSH TABLES WITH READ LOCK with a short lock_wait_timeout, snapshots,
 *      SHOW MASTER STATUS, UNLOCK TABLES.
 * The time any global lock was held is measured and reported.
 */
#ifndef HM_COPY_SNAPSHOT_H
#define HM_COPY_SNAPSHOT_H

#include <stdint.h>

#include "db/conn.h"

typedef struct hm_snapshot {
    char file[256];
    uint64_t pos;
    char gtid[1024];
    double lock_ms;
    const char *method; /* static */
    unsigned attempts;
} hm_snapshot;

/* ctl: a connection used for locks; *workers[0..n) (borrowed) get the snapshot. */
hm_code hm_snapshot_take(hm_conn *ctl, hm_conn *const *workers, size_t n, unsigned lock_wait_s,
                         hm_snapshot *snap, hm_err *err);

#endif
