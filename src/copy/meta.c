/*
 * copy/meta.c: reading and writing hotmig_meta on the target (see meta.h).
 */
#include "copy/meta.h"

#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlq.h"
#include "util/err.h"

static const char *const meta_ddl[] = {
    "CREATE DATABASE IF NOT EXISTS `hotmig_meta`",
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`copy_run` ("
    " id TINYINT UNSIGNED NOT NULL PRIMARY KEY, fingerprint VARCHAR(40) NOT NULL,"
    " state VARCHAR(20) NOT NULL, binlog_file VARCHAR(255) NOT NULL DEFAULT '',"
    " binlog_pos BIGINT UNSIGNED NOT NULL DEFAULT 0, gtid_set TEXT,"
    " started_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
    " finished_at TIMESTAMP(3) NULL DEFAULT NULL) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`copy_table` ("
    " db VARBINARY(256) NOT NULL, tbl VARBINARY(256) NOT NULL, state VARCHAR(20) NOT NULL,"
    " PRIMARY KEY (db, tbl)) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`copy_chunk` ("
    " db VARBINARY(256) NOT NULL, tbl VARBINARY(256) NOT NULL, chunk_no INT UNSIGNED NOT NULL,"
    " lo_key MEDIUMBLOB NULL, hi_key MEDIUMBLOB NULL, done TINYINT NOT NULL DEFAULT 0,"
    " rows_copied BIGINT UNSIGNED NOT NULL DEFAULT 0, bytes_copied BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " snap_file VARCHAR(255) NOT NULL DEFAULT '', snap_pos BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " done_at TIMESTAMP(3) NULL DEFAULT NULL,"
    " PRIMARY KEY (db, tbl, chunk_no)) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`copy_object` ("
    " kind VARCHAR(16) NOT NULL, db VARBINARY(256) NOT NULL, name VARBINARY(256) NOT NULL,"
    " PRIMARY KEY (kind, db, name)) ENGINE=InnoDB",
    NULL,
};

hm_code hm_meta_init(hm_conn *tgt, hm_err *err)
{
    for (size_t i = 0; meta_ddl[i]; i++) {
        hm_code rc = hm_conn_exec(tgt, meta_ddl[i], err);
        if (rc != HM_OK) {
            hm_err_prefix(err, "creating hotmig_meta on the target");
            return rc;
        }
    }
    return HM_OK;
}

static void copy_field(char *dst, size_t dstsz, const char *src, unsigned long n)
{
    size_t m = src ? (n < dstsz - 1 ? n : dstsz - 1) : 0;
    if (m)
        memcpy(dst, src, m);
    dst[m] = '\0';
}

hm_code hm_meta_read_run(hm_conn *tgt, hm_meta_run *run, hm_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    memset(run, 0, sizeof *run);
    if (mysql_query(tgt->my, "SELECT fingerprint, state, binlog_file, binlog_pos, IFNULL(gtid_set,'') "
                             "FROM `hotmig_meta`.`copy_run` WHERE id = 1") != 0) {
        unsigned e = mysql_errno(tgt->my);
        if (e == ER_NO_SUCH_TABLE || e == ER_BAD_DB_ERROR)
            return HM_OK;
        return hm_conn_fail(tgt, "reading hotmig_meta.copy_run", err);
    }
    res = mysql_store_result(tgt->my);
    if (!res)
        return hm_conn_fail(tgt, "reading hotmig_meta.copy_run", err);
    row = mysql_fetch_row(res);
    if (row) {
        unsigned long *len = mysql_fetch_lengths(res);
        run->exists = true;
        copy_field(run->fingerprint, sizeof run->fingerprint, row[0], len[0]);
        copy_field(run->state, sizeof run->state, row[1], len[1]);
        copy_field(run->binlog_file, sizeof run->binlog_file, row[2], len[2]);
        run->binlog_pos = strtoull(row[3] ? row[3] : "0", NULL, 10);
        copy_field(run->gtid_set, sizeof run->gtid_set, row[4], len[4]);
    }
    mysql_free_result(res);
    return HM_OK;
}

static hm_code exec_buf(hm_conn *tgt, hm_buf *q, const char *what, hm_err *err)
{
    hm_code rc;
    if (!q->data)
        return hm_err_set(err, HM_ENOMEM, "out of memory %s", what);
    rc = hm_conn_execb(tgt, q, err);
    if (rc != HM_OK)
        hm_err_prefix(err, "%s", what);
    hm_buf_release(q);
    return rc;
}

hm_code hm_meta_start_run(hm_conn *tgt, const char *fingerprint, const char *file, uint64_t pos,
                          const char *gtid, hm_err *err)
{
    static const char *const clear[] = {
        "DELETE FROM `hotmig_meta`.`copy_chunk`", "DELETE FROM `hotmig_meta`.`copy_table`",
        "DELETE FROM `hotmig_meta`.`copy_object`", "DELETE FROM `hotmig_meta`.`copy_run`", NULL};
    hm_buf q;
    hm_code rc;
    for (size_t i = 0; clear[i]; i++)
        if ((rc = hm_conn_exec(tgt, clear[i], err)) != HM_OK)
            return rc;
    /* an earlier run's sync checkpoint belongs to another snapshot: a sync after this copy must
     * start from this run's coordinates, not finish at once at the old run's final position */
    if (mysql_query(tgt->my, "DELETE FROM `hotmig_meta`.`sync_state`") != 0 && mysql_errno(tgt->my) != ER_NO_SUCH_TABLE)
        return hm_conn_fail(tgt, "clearing the previous run's sync checkpoint", err);
    hm_buf_init(&q, 1 << 16);
    if (hm_buf_adds(&q, "INSERT INTO `hotmig_meta`.`copy_run` (id, fingerprint, state, binlog_file, "
                        "binlog_pos, gtid_set) VALUES (1, ") != HM_OK ||
        hm_sqlq_hex(&q, fingerprint, strlen(fingerprint)) != HM_OK ||
        hm_buf_adds(&q, ", 'copying', ") != HM_OK || hm_sqlq_hex(&q, file, strlen(file)) != HM_OK ||
        hm_buf_addf(&q, ", %llu, ", (unsigned long long)pos) != HM_OK ||
        hm_sqlq_hex(&q, gtid, strlen(gtid)) != HM_OK || hm_buf_addc(&q, ')') != HM_OK)
        hm_buf_release(&q);
    return exec_buf(tgt, &q, "recording the run in hotmig_meta", err);
}

hm_code hm_meta_finish_run(hm_conn *tgt, hm_err *err)
{
    return hm_conn_exec(tgt, "UPDATE `hotmig_meta`.`copy_run` SET state = 'done', "
                             "finished_at = CURRENT_TIMESTAMP(3) WHERE id = 1", err);
}

static hm_code where_table(hm_buf *q, const char *db, const char *tbl)
{
    hm_code rc = hm_buf_adds(q, " WHERE db = ");
    if (rc == HM_OK)
        rc = hm_sqlq_hex(q, db, strlen(db));
    if (rc == HM_OK)
        rc = hm_buf_adds(q, " AND tbl = ");
    return rc == HM_OK ? hm_sqlq_hex(q, tbl, strlen(tbl)) : rc;
}

hm_code hm_meta_table_state(hm_conn *tgt, const char *db, const char *tbl, char *state,
                            size_t statesz, hm_err *err)
{
    hm_buf q;
    bool found;
    hm_code rc;
    hm_buf_init(&q, 4096);
    if (hm_buf_adds(&q, "SELECT state FROM `hotmig_meta`.`copy_table`") != HM_OK ||
        where_table(&q, db, tbl) != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rc = hm_conn_value(tgt, q.data, state, statesz, &found, err);
    hm_buf_release(&q);
    return rc;
}

hm_code hm_meta_set_table_state(hm_conn *tgt, const char *db, const char *tbl, const char *state,
                                hm_err *err)
{
    hm_buf q;
    hm_buf_init(&q, 4096);
    if (hm_buf_adds(&q, "REPLACE INTO `hotmig_meta`.`copy_table` (db, tbl, state) VALUES (") != HM_OK ||
        hm_sqlq_hex(&q, db, strlen(db)) != HM_OK || hm_buf_adds(&q, ", ") != HM_OK ||
        hm_sqlq_hex(&q, tbl, strlen(tbl)) != HM_OK || hm_buf_adds(&q, ", ") != HM_OK ||
        hm_sqlq_hex(&q, state, strlen(state)) != HM_OK || hm_buf_addc(&q, ')') != HM_OK)
        hm_buf_release(&q);
    return exec_buf(tgt, &q, "recording table state in hotmig_meta", err);
}

void hm_meta_chunks_free(hm_meta_chunk *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].lo);
        free(c[i].hi);
    }
    free(c);
}

static char *dupbytes(const char *p, unsigned long n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

hm_code hm_meta_save_plan(hm_conn *tgt, const char *db, const char *tbl, const hm_meta_chunk *c,
                          size_t n, hm_err *err)
{
    hm_buf q;
    hm_code rc = hm_conn_exec(tgt, "START TRANSACTION", err);
    size_t i = 0;
    hm_buf_init(&q, 1 << 24);
    while (rc == HM_OK && i < n) {
        hm_buf_reset(&q);
        rc = hm_buf_adds(&q, "INSERT INTO `hotmig_meta`.`copy_chunk` (db, tbl, chunk_no, lo_key, hi_key) "
                             "VALUES ");
        for (size_t k = 0; rc == HM_OK && i < n && k < 500; k++, i++) {
            rc = hm_buf_adds(&q, k ? ",(" : "(");
            if (rc == HM_OK)
                rc = hm_sqlq_hex(&q, db, strlen(db));
            if (rc == HM_OK)
                rc = hm_buf_addc(&q, ',');
            if (rc == HM_OK)
                rc = hm_sqlq_hex(&q, tbl, strlen(tbl));
            if (rc == HM_OK)
                rc = hm_buf_addf(&q, ",%u,", c[i].chunk_no);
            if (rc == HM_OK)
                rc = c[i].lo ? hm_sqlq_hex(&q, c[i].lo, c[i].lo_len) : hm_buf_adds(&q, "NULL");
            if (rc == HM_OK)
                rc = hm_buf_addc(&q, ',');
            if (rc == HM_OK)
                rc = c[i].hi ? hm_sqlq_hex(&q, c[i].hi, c[i].hi_len) : hm_buf_adds(&q, "NULL");
            if (rc == HM_OK)
                rc = hm_buf_addc(&q, ')');
        }
        if (rc != HM_OK)
            rc = hm_err_set(err, HM_ENOMEM, "out of memory writing a chunk plan");
        else
            rc = hm_conn_execb(tgt, &q, err);
    }
    hm_buf_release(&q);
    if (rc == HM_OK)
        rc = hm_meta_set_table_state(tgt, db, tbl, "planned", err);
    if (rc == HM_OK)
        rc = hm_conn_exec(tgt, "COMMIT", err);
    if (rc != HM_OK) {
        hm_err ignore;
        (void)hm_conn_exec(tgt, "ROLLBACK", &ignore);
        hm_err_prefix(err, "saving the chunk plan of %s.%s", db, tbl);
    }
    return rc;
}

hm_code hm_meta_load_pending(hm_conn *tgt, const char *db, const char *tbl, hm_meta_chunk **out,
                             size_t *n, unsigned *done_chunks, uint64_t *done_rows, hm_err *err)
{
    hm_buf q;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_meta_chunk *c = NULL;
    size_t k = 0;
    hm_code rc;

    *out = NULL;
    *n = 0;
    *done_chunks = 0;
    *done_rows = 0;
    hm_buf_init(&q, 4096);
    if (hm_buf_adds(&q, "SELECT chunk_no, lo_key, hi_key, done, rows_copied FROM "
                        "`hotmig_meta`.`copy_chunk`") != HM_OK ||
        where_table(&q, db, tbl) != HM_OK || hm_buf_adds(&q, " ORDER BY chunk_no") != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rc = hm_conn_query(tgt, q.data, &res, err);
    hm_buf_release(&q);
    if (rc != HM_OK)
        return rc;
    c = calloc(mysql_num_rows(res) + 1, sizeof *c);
    if (!c)
        goto nomem;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        if (row[3] && strcmp(row[3], "0") != 0) {
            (*done_chunks)++;
            *done_rows += strtoull(row[4] ? row[4] : "0", NULL, 10);
            continue;
        }
        c[k].chunk_no = (unsigned)strtoul(row[0], NULL, 10);
        k++;
        if (row[1]) {
            if (!(c[k - 1].lo = dupbytes(row[1], len[1])))
                goto nomem;
            c[k - 1].lo_len = len[1];
        }
        if (row[2]) {
            if (!(c[k - 1].hi = dupbytes(row[2], len[2])))
                goto nomem;
            c[k - 1].hi_len = len[2];
        }
    }
    mysql_free_result(res);
    *out = c;
    *n = k;
    return HM_OK;
nomem:
    mysql_free_result(res);
    hm_meta_chunks_free(c, k);
    return hm_err_set(err, HM_ENOMEM, "out of memory reading hotmig_meta");
}

hm_code hm_meta_reset_chunks(hm_conn *tgt, const char *db, const char *tbl, hm_err *err)
{
    hm_buf q;
    hm_code rc;
    hm_buf_init(&q, 4096);
    if (hm_buf_adds(&q, "UPDATE `hotmig_meta`.`copy_chunk` SET done = 0, rows_copied = 0, bytes_copied = 0, "
                        "snap_file = '', snap_pos = 0, done_at = NULL") != HM_OK ||
        where_table(&q, db, tbl) != HM_OK) {
        hm_buf_release(&q);
        return hm_err_set(err, HM_ENOMEM, "out of memory");
    }
    rc = hm_conn_execb(tgt, &q, err);
    hm_buf_release(&q);
    return rc;
}

hm_code hm_meta_chunk_done_sql(hm_buf *sql, const char *db, const char *tbl, unsigned chunk_no,
                               uint64_t rows, uint64_t bytes, const char *snap_file,
                               uint64_t snap_pos)
{
    hm_code rc = hm_buf_addf(sql, "UPDATE `hotmig_meta`.`copy_chunk` SET done = 1, rows_copied = %llu, "
                                  "bytes_copied = %llu, done_at = CURRENT_TIMESTAMP(3), snap_file = ",
                             (unsigned long long)rows, (unsigned long long)bytes);
    if (rc == HM_OK)
        rc = hm_sqlq_hex(sql, snap_file, strlen(snap_file));
    if (rc == HM_OK)
        rc = hm_buf_addf(sql, ", snap_pos = %llu", (unsigned long long)snap_pos);
    if (rc == HM_OK)
        rc = where_table(sql, db, tbl);
    if (rc == HM_OK)
        rc = hm_buf_addf(sql, " AND chunk_no = %u AND done = 0", chunk_no);
    return rc;
}

static hm_code object_sql(hm_buf *q, const char *prefix, const char *kind, const char *db,
                          const char *name, const char *suffix)
{
    hm_code rc = hm_buf_adds(q, prefix);
    if (rc == HM_OK)
        rc = hm_sqlq_hex(q, kind, strlen(kind));
    if (rc == HM_OK)
        rc = hm_buf_adds(q, suffix[0] == ')' ? ", " : " AND db = ");
    if (rc == HM_OK)
        rc = hm_sqlq_hex(q, db, strlen(db));
    if (rc == HM_OK)
        rc = hm_buf_adds(q, suffix[0] == ')' ? ", " : " AND name = ");
    if (rc == HM_OK)
        rc = hm_sqlq_hex(q, name, strlen(name));
    return rc == HM_OK ? hm_buf_adds(q, suffix) : rc;
}

bool hm_meta_object_done(hm_conn *tgt, const char *kind, const char *db, const char *name)
{
    hm_buf q;
    char v[8];
    bool found = false;
    hm_err e;
    hm_buf_init(&q, 4096);
    if (object_sql(&q, "SELECT 1 FROM `hotmig_meta`.`copy_object` WHERE kind = ", kind, db, name,
                   "") == HM_OK)
        (void)hm_conn_value(tgt, q.data, v, sizeof v, &found, &e);
    hm_buf_release(&q);
    return found;
}

hm_code hm_meta_set_object_done(hm_conn *tgt, const char *kind, const char *db, const char *name,
                                hm_err *err)
{
    hm_buf q;
    hm_buf_init(&q, 4096);
    if (object_sql(&q, "REPLACE INTO `hotmig_meta`.`copy_object` (kind, db, name) VALUES (", kind, db,
                   name, ")") != HM_OK)
        hm_buf_release(&q);
    return exec_buf(tgt, &q, "recording an object in hotmig_meta", err);
}
