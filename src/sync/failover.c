/*
 * sync/failover.c: pointing a task at a new source (its old source failed over to a replica):
 * hm_sync_failover() of the public API. Owns only the two connections it opens.
 *
 * A checkpoint's file:pos names a place in the OLD source's binlog, meaningless on another server;
 * its GTID set is what both share. So the failover checks, then writes the checkpoint's position
 * as ("", 0): "start from the GTID set" (the reader then asks the source to find the place, and
 * takes the file and positions the new source sends). A crash right after leaves the same
 * meaning behind, so a resume at any moment goes on from the GTID set.
 *
 * Refused, with what to do, when:
 *   - the new source is the target (same-server guard), or not MariaDB (starting a MySQL source
 *     by GTID is not supported yet), or the checkpoint has no GTID set;
 *   - the copy is not finished (tables copied from the old source's snapshots and others from
 *     the new one's would not line up), or the sync had not passed the snapshots of tables copied
 *     after the first one, or a DDL was in flight (its place is a position of the old source);
 *   - the new source lacks transactions the target already has: for some domain of the
 *     checkpoint, its @@gtid_binlog_pos is behind (the replica had not caught up, or is another
 *     server's replica), so the changes in between would be lost.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "db/server.h"
#include "db/sqlq.h"
#include "util/buf.h"
#include "sync/gtid.h"
#include "sync/par.h"
#include "sync/resume.h"
#include "sync/state.h"
#include "util/err.h"

/* For each domain-server-seq of the checkpoint's text, the new source's set must hold it. */
static hm_code check_contains(const char *ckpt, const char *have_txt, const hm_conn *src, hm_err *err)
{
    hm_gtid_set *have = hm_gtid_set_new();
    const char *p = ckpt;
    hm_code rc = HM_OK;
    if (!have)
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    if ((rc = hm_gtid_set_parse(have, have_txt, err)) != HM_OK) {
        hm_gtid_set_free(have);
        hm_err_prefix(err, "new source %s: its @@gtid_binlog_pos", src->addr);
        return rc;
    }
    while (*p) {
        unsigned long d, s;
        unsigned long long q;
        int used = 0;
        while (*p == ',' || *p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (sscanf(p, "%lu-%lu-%llu%n", &d, &s, &q, &used) != 3 || used == 0) {
            rc = hm_err_set(err, HM_ESTATE, "the target's checkpoint GTID set '%.200s' is not a MariaDB set: "
                            "a failover by GTID needs one", ckpt);
            break;
        }
        if (!hm_gtid_set_contains_mariadb(have, (uint32_t)d, q)) {
            rc = hm_err_set(err, HM_ESOURCE,
                            "new source %s lacks transactions the target already has: the target applied "
                            "GTID %lu-%lu-%llu, the new source's binlog ends at '%.200s'; nothing was "
                            "changed: point --source at a server that has them (the most advanced replica: "
                            "compare SELECT @@gtid_binlog_pos), or start over with an empty target",
                            src->addr, d, s, q, have_txt[0] ? have_txt : "(empty)");
            break;
        }
        p += used;
    }
    hm_gtid_set_free(have);
    return rc;
}

/* A parallel apply's worker rows (sync/resume.h): their low-water mark is the checkpoint when it is
 * ahead of the main one (*gtid: its GTID set, owned, NULL when not); transactions committed above
 * it are known by position only, which another server does not share: refused. */
static hm_code worker_rows(hm_conn *tgt, const hm_sync_state *st, char **gtid, hm_err *err)
{
    hm_sync_wstate *w = NULL;
    hm_sync_wrow *rows;
    hm_sync_resume plan;
    size_t n = 0;
    hm_code rc;
    *gtid = NULL;
    if (st->at.pos == 0) /* a failover already: the rows were folded then */
        return HM_OK;
    if ((rc = hm_sync_wstate_load(tgt, &w, &n, err)) != HM_OK)
        return rc;
    if (!(rows = calloc(n + 1, sizeof *rows))) {
        hm_sync_wstate_free(w, n);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rows[0].lwm = st->at;
    rows[0].above = "";
    for (size_t i = 0; i < n; i++) {
        rows[i + 1].lwm = w[i].lwm;
        rows[i + 1].above = w[i].above;
    }
    rc = hm_sync_resume_plan(rows, n + 1, HM_SYNC_PAR_ABOVE_MAX, &plan, err);
    if (rc == HM_OK && plan.nskip > 0)
        rc = hm_err_set(err, HM_ESTATE, "the parallel apply had committed %zu transactions past its low-water mark "
                        "when the old source stopped (hotmig_meta.sync_worker), known by their positions in the old "
                        "source's binlog only: resume once with the old source (or stop the task with hotmig stop "
                        "while it runs, which leaves none), else start over with an empty target", plan.nskip);
    if (rc == HM_OK && plan.from_row > 0 && !(*gtid = strdup(w[plan.from_row - 1].gtid)))
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    hm_sync_resume_release(&plan);
    free(rows);
    hm_sync_wstate_free(w, n);
    return rc;
}

static hm_code failover(hm_conn *src, hm_conn *tgt, hm_err *err)
{
    char *wgtid = NULL;
    hm_sync_state st;
    hm_sync_snaps snaps;
    hm_server_match m;
    char have[4096];
    bool found;
    hm_code rc;

    if ((rc = hm_server_compare(src, tgt, &m, err)) != HM_OK)
        return rc;
    if (m.same)
        return hm_server_same_error(src, tgt, &m, err);
    if (src->flavor != HM_FLAVOR_MARIADB)
        return hm_err_set(err, HM_EUSAGE, "new source %s is MySQL: going on from a GTID checkpoint on another "
                          "server is supported for MariaDB sources only in this version", src->addr);
    if ((rc = hm_sync_state_load(tgt, &st, err)) != HM_OK) {
        hm_err_prefix(err, "cannot fail over to %s", src->addr);
        return rc;
    }
    if (strcmp(st.phase, "finished") == 0) {
        hm_sync_state_release(&st);
        return HM_OK; /* nothing left to apply: the task answers finished */
    }
    if (!st.gtid || !st.gtid[0]) {
        rc = hm_err_set(err, HM_ESTATE, "the checkpoint on target %s has no GTID set, so it cannot be found on "
                        "another server: start over with an empty target", tgt->addr);
        goto out;
    }
    if (st.ddl.file[0]) {
        rc = hm_err_set(err, HM_ESTATE, "a DDL statement was being applied when the old source stopped (at "
                        "%s:%" PRIu64 " of the old source): whether it ran cannot be told on another server; check "
                        "the table on the target against the new source, then start over", st.ddl.file, st.ddl.pos);
        goto out;
    }
    if ((rc = hm_sync_snaps_load(tgt, &st.start, &snaps, err)) != HM_OK)
        goto out;
    if (st.at.pos != 0 && hm_sync_pos_cmp(&st.at, &snaps.last) < 0)
        rc = hm_err_set(err, HM_ESTATE, "the sync had not yet passed the snapshot of every table (tables copied "
                        "by a resumed copy, up to %s:%" PRIu64 " of the old source), which are positions of the old "
                        "source: start over with an empty target", snaps.last.file, snaps.last.pos);
    hm_sync_snaps_release(&snaps);
    if (rc != HM_OK)
        goto out;
    if ((rc = worker_rows(tgt, &st, &wgtid, err)) != HM_OK)
        goto out;
    if ((rc = hm_conn_value(src, "SELECT @@global.gtid_binlog_pos", have, sizeof have, &found, err)) != HM_OK)
        goto out;
    if ((rc = check_contains(wgtid ? wgtid : st.gtid, have, src, err)) != HM_OK)
        goto out;
    if (wgtid) { /* the workers' mark is the checkpoint: its GTID set, the rows gone, at once */
        hm_buf q;
        hm_buf_init(&q, (size_t)16 << 20);
        rc = hm_buf_adds(&q, "UPDATE `hotmig_meta`.`sync_state` SET binlog_file = '', binlog_pos = 0, gtid_set = ");
        if (rc == HM_OK)
            rc = hm_sqlq_str(&q, tgt->my, wgtid, strlen(wgtid));
        if (rc == HM_OK)
            rc = hm_buf_adds(&q, " WHERE id = 1");
        if (rc != HM_OK)
            rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        if (rc == HM_OK && (rc = hm_conn_exec(tgt, "START TRANSACTION", err)) == HM_OK &&
            (rc = hm_conn_execb(tgt, &q, err)) == HM_OK &&
            (rc = hm_conn_exec(tgt, "DELETE FROM `hotmig_meta`.`sync_worker` WHERE id = 1", err)) == HM_OK)
            rc = hm_conn_exec(tgt, "COMMIT", err);
        hm_buf_release(&q);
        goto out;
    }
    /* from now on, the checkpoint is its GTID set */
    rc = hm_conn_exec(tgt, "UPDATE `hotmig_meta`.`sync_state` SET binlog_file = '', binlog_pos = 0 WHERE id = 1",
                      err);
out:
    free(wgtid);
    hm_sync_state_release(&st);
    return rc;
}

hm_code hm_sync_failover(const hm_endpoint *source, const hm_endpoint *target, hm_err *err)
{
    hm_conn s, t;
    hm_code rc;
    if ((rc = hm_conn_open(&t, target, "target", 0, err)) != HM_OK)
        return rc;
    if ((rc = hm_conn_open(&s, source, "source", 0, err)) != HM_OK) {
        hm_conn_close(&t);
        return rc;
    }
    rc = failover(&s, &t, err);
    hm_conn_close(&s);
    hm_conn_close(&t);
    return rc;
}
