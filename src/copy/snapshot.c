/*
 * copy/snapshot.c: consistent snapshot across connections (see snapshot.h).
 */
#include "copy/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlq.h"
#include "util/clock.h"
#include "util/err.h"

#define LOCKFREE_ATTEMPTS 30

static hm_code begin(hm_conn *w, hm_err *err)
{
    hm_code rc = hm_conn_exec(w, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", err);
    if (rc == HM_OK)
        rc = hm_conn_exec(w, "START TRANSACTION WITH CONSISTENT SNAPSHOT", err);
    if (rc != HM_OK)
        hm_err_prefix(err, "starting a consistent snapshot");
    return rc;
}

/* MariaDB: the binlog position of this connection's snapshot. */
static hm_code snapshot_pos(hm_conn *w, char *file, size_t filesz, uint64_t *pos, hm_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    hm_code rc = hm_conn_query(w, "SHOW STATUS LIKE 'binlog_snapshot_%'", &res, err);
    if (rc != HM_OK)
        return rc;
    file[0] = '\0';
    *pos = 0;
    while (res && (row = mysql_fetch_row(res)) != NULL) {
        if (!row[0] || !row[1])
            continue;
        if (strcmp(row[0], "Binlog_snapshot_file") == 0)
            snprintf(file, filesz, "%s", row[1]);
        else if (strcmp(row[0], "Binlog_snapshot_position") == 0)
            *pos = strtoull(row[1], NULL, 10);
    }
    if (res)
        mysql_free_result(res);
    return HM_OK;
}

static void rollback_all(hm_conn *const *workers, size_t n)
{
    hm_err ignore;
    for (size_t i = 0; i < n; i++)
        (void)hm_conn_exec(workers[i], "ROLLBACK", &ignore);
}

static hm_code mariadb_gtid(hm_conn *c, hm_snapshot *snap, hm_err *err)
{
    hm_buf q;
    bool found;
    hm_code rc;
    hm_buf_init(&q, 1024);
    if (hm_buf_adds(&q, "SELECT BINLOG_GTID_POS(") != HM_OK ||
        hm_sqlq_hex(&q, snap->file, strlen(snap->file)) != HM_OK ||
        hm_buf_addf(&q, ", %llu)", (unsigned long long)snap->pos) != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rc = hm_conn_value(c, q.data, snap->gtid, sizeof snap->gtid, &found, err);
    hm_buf_release(&q);
    return rc;
}

static hm_code lock_free(hm_conn *ctl, hm_conn *const *workers, size_t n, hm_snapshot *snap, bool *ok,
                         hm_err *err)
{
    *ok = false;
    for (unsigned a = 1; a <= LOCKFREE_ATTEMPTS; a++) {
        bool same = true;
        hm_code rc;
        for (size_t i = 0; i < n; i++)
            if ((rc = begin(workers[i], err)) != HM_OK)
                return rc;
        for (size_t i = 0; i < n && same; i++) {
            char file[256];
            uint64_t pos;
            if ((rc = snapshot_pos(workers[i], file, sizeof file, &pos, err)) != HM_OK)
                return rc;
            if (file[0] == '\0')
                return HM_OK; /* binlog off: nothing ties the snapshots together */
            if (i == 0) {
                snprintf(snap->file, sizeof snap->file, "%s", file);
                snap->pos = pos;
            } else if (strcmp(file, snap->file) != 0 || pos != snap->pos) {
                same = false;
            }
        }
        snap->attempts = a;
        if (same) {
            *ok = true;
            snap->method = "consistent snapshot (no lock)";
            snap->lock_ms = 0;
            return mariadb_gtid(ctl, snap, err);
        }
        rollback_all(workers, n);
    }
    return HM_OK;
}

static hm_code master_status(hm_conn *ctl, hm_snapshot *snap, hm_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc = hm_conn_query(ctl, "SHOW MASTER STATUS", &res, err);
    if (rc != HM_OK && ctl->flavor == HM_FLAVOR_MYSQL)
        rc = hm_conn_query(ctl, "SHOW BINARY LOG STATUS", &res, err); /* MySQL 8.4 */
    if (rc != HM_OK)
        return rc;
    snap->file[0] = snap->gtid[0] = '\0';
    snap->pos = 0;
    if (res && (row = mysql_fetch_row(res)) != NULL) {
        unsigned nf = mysql_num_fields(res);
        snprintf(snap->file, sizeof snap->file, "%s", row[0] ? row[0] : "");
        snap->pos = row[1] ? strtoull(row[1], NULL, 10) : 0;
        if (nf >= 5 && row[4])
            snprintf(snap->gtid, sizeof snap->gtid, "%s", row[4]);
    }
    if (res)
        mysql_free_result(res);
    if (ctl->flavor == HM_FLAVOR_MARIADB && snap->file[0])
        return mariadb_gtid(ctl, snap, err);
    return HM_OK;
}

static hm_code with_lock(hm_conn *ctl, hm_conn *const *workers, size_t n, unsigned lock_wait_s,
                         hm_snapshot *snap, hm_err *err)
{
    static const char *const backup_stages[] = {"BACKUP STAGE START", "BACKUP STAGE FLUSH",
                                                "BACKUP STAGE BLOCK_DDL", "BACKUP STAGE BLOCK_COMMIT",
                                                NULL};
    char q[128];
    double t0;
    hm_code rc;
    bool backup_stage = ctl->flavor == HM_FLAVOR_MARIADB && ctl->version >= 100400;

    snprintf(q, sizeof q, "SET SESSION lock_wait_timeout = %u", lock_wait_s);
    if ((rc = hm_conn_exec(ctl, q, err)) != HM_OK)
        return rc;
    t0 = hm_clock_now();
    if (backup_stage) {
        for (size_t i = 0; backup_stages[i]; i++) {
            if ((rc = hm_conn_exec(ctl, backup_stages[i], err)) != HM_OK) {
                hm_err ignore;
                (void)hm_conn_exec(ctl, "BACKUP STAGE END", &ignore);
                if (rc == HM_EPRIV)
                    hm_err_prefix(err, "taking the snapshot lock (needs RELOAD)");
                return rc;
            }
        }
        snap->method = "BACKUP STAGE BLOCK_COMMIT";
    } else {
        (void)hm_conn_exec(ctl, "FLUSH NO_WRITE_TO_BINLOG TABLES", err);
        t0 = hm_clock_now();
        if ((rc = hm_conn_exec(ctl, "FLUSH TABLES WITH READ LOCK", err)) != HM_OK) {
            hm_err_prefix(err, "taking the snapshot lock (needs RELOAD; waited at most %us for running "
                          "queries)", lock_wait_s);
            return rc;
        }
        snap->method = "FLUSH TABLES WITH READ LOCK";
    }
    for (size_t i = 0; i < n && rc == HM_OK; i++)
        rc = begin(workers[i], err);
    if (rc == HM_OK)
        rc = master_status(ctl, snap, err);
    {
        hm_err ignore;
        (void)hm_conn_exec(ctl, backup_stage ? "BACKUP STAGE END" : "UNLOCK TABLES", &ignore);
    }
    snap->lock_ms = (hm_clock_now() - t0) * 1000.0;
    return rc;
}

hm_code hm_snapshot_take(hm_conn *ctl, hm_conn *const *workers, size_t n, unsigned lock_wait_s,
                         hm_snapshot *snap, hm_err *err)
{
    hm_code rc;
    memset(snap, 0, sizeof *snap);
    if (ctl->flavor == HM_FLAVOR_MARIADB) {
        bool ok;
        rc = lock_free(ctl, workers, n, snap, &ok, err);
        if (rc != HM_OK || ok)
            return rc;
        rollback_all(workers, n);
    }
    rc = with_lock(ctl, workers, n, lock_wait_s, snap, err);
    if (rc != HM_OK)
        rollback_all(workers, n);
    return rc;
}
