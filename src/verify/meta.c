/*
 * verify/meta.c: reading and writing the verify tables of hotmig_meta (see meta.h).
 */
#include "verify/meta.h"

#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlq.h"
#include "util/err.h"

static const char *const meta_ddl[] = {
    "CREATE DATABASE IF NOT EXISTS `hotmig_meta`",
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`verify_run` ("
    " id TINYINT UNSIGNED NOT NULL PRIMARY KEY, fingerprint VARCHAR(40) NOT NULL,"
    " state VARCHAR(20) NOT NULL, started_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
    " finished_at TIMESTAMP(3) NULL DEFAULT NULL) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`verify_table` ("
    " db VARBINARY(256) NOT NULL, tbl VARBINARY(256) NOT NULL, state VARCHAR(16) NOT NULL,"
    " bound MEDIUMBLOB NULL, chunks BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " rows_compared BIGINT UNSIGNED NOT NULL DEFAULT 0, rechecks BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " written TINYINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (db, tbl)) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS `hotmig_meta`.`verify_diff` ("
    " id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " db VARBINARY(256) NOT NULL, tbl VARBINARY(256) NOT NULL, kind VARCHAR(8) NOT NULL,"
    " key_packed MEDIUMBLOB NOT NULL, key_text BLOB NOT NULL, cols BLOB NOT NULL,"
    " copies BIGINT UNSIGNED NOT NULL DEFAULT 1, KEY (db, tbl, id)) ENGINE=InnoDB",
    NULL,
};

hm_code hm_verify_meta_init(hm_conn *tgt, hm_err *err)
{
    for (size_t i = 0; meta_ddl[i]; i++) {
        hm_code rc = hm_conn_exec(tgt, meta_ddl[i], err);
        if (rc != HM_OK) {
            hm_err_prefix(err, "creating hotmig_meta's verify tables on the target");
            return rc;
        }
    }
    return HM_OK;
}

hm_code hm_verify_meta_begin(hm_conn *tgt, const char *fingerprint, bool *resumed, hm_err *err)
{
    char fp[64] = "", state[32] = "";
    bool found = false;
    hm_buf q;
    hm_code rc = hm_conn_value(tgt, "SELECT CONCAT(fingerprint, ' ', state) FROM `hotmig_meta`.`verify_run` "
                                    "WHERE id = 1", fp, sizeof fp, &found, err);
    if (rc != HM_OK)
        return rc;
    if (found) {
        char *sp = strchr(fp, ' ');
        if (sp) {
            *sp = '\0';
            snprintf(state, sizeof state, "%s", sp + 1);
        }
    }
    *resumed = found && strcmp(fp, fingerprint) == 0 && strcmp(state, "running") == 0;
    if (*resumed)
        return HM_OK;
    rc = hm_conn_exec(tgt, "DELETE FROM `hotmig_meta`.`verify_diff`", err);
    if (rc == HM_OK)
        rc = hm_conn_exec(tgt, "DELETE FROM `hotmig_meta`.`verify_table`", err);
    if (rc != HM_OK)
        return rc;
    hm_buf_init(&q, 4096);
    rc = hm_buf_addf(&q, "REPLACE INTO `hotmig_meta`.`verify_run` (id, fingerprint, state) VALUES (1, '%s', "
                         "'running')", fingerprint);
    if (rc == HM_OK)
        rc = hm_conn_execb(tgt, &q, err);
    hm_buf_release(&q);
    return rc;
}

hm_code hm_verify_meta_finish(hm_conn *tgt, hm_err *err)
{
    return hm_conn_exec(tgt, "UPDATE `hotmig_meta`.`verify_run` SET state = 'done', "
                             "finished_at = CURRENT_TIMESTAMP(3) WHERE id = 1", err);
}

void hm_verify_meta_table_release(hm_verify_meta_table *mt)
{
    free(mt->bound);
    memset(mt, 0, sizeof *mt);
}

hm_code hm_verify_meta_table_get(hm_conn *tgt, const char *db, const char *tbl, hm_verify_meta_table *mt,
                                 hm_err *err)
{
    hm_buf q;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    hm_code rc;
    memset(mt, 0, sizeof *mt);
    hm_buf_init(&q, 4096);
    rc = hm_buf_adds(&q, "SELECT state, bound, chunks, rows_compared, rechecks, written FROM "
                         "`hotmig_meta`.`verify_table` WHERE db = ");
    if (rc == HM_OK) rc = hm_sqlq_hex(&q, db, strlen(db));
    if (rc == HM_OK) rc = hm_buf_adds(&q, " AND tbl = ");
    if (rc == HM_OK) rc = hm_sqlq_hex(&q, tbl, strlen(tbl));
    if (rc == HM_OK)
        rc = hm_conn_query(tgt, q.data, &res, err);
    else
        rc = hm_err_set(err, HM_ENOMEM, "out of memory");
    hm_buf_release(&q);
    if (rc != HM_OK)
        return rc;
    row = res ? mysql_fetch_row(res) : NULL;
    if (row) {
        unsigned long *len = mysql_fetch_lengths(res);
        mt->exists = true;
        snprintf(mt->state, sizeof mt->state, "%.*s", (int)len[0], row[0]);
        if (row[1]) {
            mt->bound = hm_buf_memdupz(row[1], len[1]);
            mt->bound_len = len[1];
            if (!mt->bound)
                rc = hm_err_set(err, HM_ENOMEM, "out of memory");
        }
        mt->chunks = strtoull(row[2], NULL, 10);
        mt->rows = strtoull(row[3], NULL, 10);
        mt->rechecks = strtoull(row[4], NULL, 10);
        mt->written = row[5][0] == '1';
    }
    if (res)
        mysql_free_result(res);
    return rc;
}

hm_code hm_verify_meta_table_sql(hm_buf *q, const char *db, const char *tbl, const hm_verify_meta_table *mt)
{
    hm_code rc = hm_buf_adds(q, "REPLACE INTO `hotmig_meta`.`verify_table` (db, tbl, state, bound, chunks, "
                                "rows_compared, rechecks, written) VALUES (");
    if (rc == HM_OK) rc = hm_sqlq_hex(q, db, strlen(db));
    if (rc == HM_OK) rc = hm_buf_addc(q, ',');
    if (rc == HM_OK) rc = hm_sqlq_hex(q, tbl, strlen(tbl));
    if (rc == HM_OK) rc = hm_buf_addf(q, ", '%s', ", mt->state);
    if (rc == HM_OK) rc = mt->bound ? hm_sqlq_hex(q, mt->bound, mt->bound_len) : hm_buf_adds(q, "NULL");
    if (rc == HM_OK)
        rc = hm_buf_addf(q, ", %llu, %llu, %llu, %d)", (unsigned long long)mt->chunks,
                         (unsigned long long)mt->rows, (unsigned long long)mt->rechecks, mt->written ? 1 : 0);
    return rc;
}

hm_code hm_verify_meta_diff_sql(hm_buf *q, const char *db, const char *tbl, const char *kind, const char *key,
                                size_t key_len, const char *key_text, const char *cols, uint64_t copies)
{
    hm_code rc = q->len == 0 ? hm_buf_adds(q, "INSERT INTO `hotmig_meta`.`verify_diff` (db, tbl, kind, "
                                              "key_packed, key_text, cols, copies) VALUES (")
                             : hm_buf_adds(q, ", (");
    if (rc == HM_OK) rc = hm_sqlq_hex(q, db, strlen(db));
    if (rc == HM_OK) rc = hm_buf_addc(q, ',');
    if (rc == HM_OK) rc = hm_sqlq_hex(q, tbl, strlen(tbl));
    if (rc == HM_OK) rc = hm_buf_addf(q, ", '%s', ", kind);
    if (rc == HM_OK) rc = hm_sqlq_hex(q, key, key_len);
    if (rc == HM_OK) rc = hm_buf_addc(q, ',');
    if (rc == HM_OK) rc = hm_sqlq_hex(q, key_text, strlen(key_text));
    if (rc == HM_OK) rc = hm_buf_addc(q, ',');
    if (rc == HM_OK) rc = hm_sqlq_hex(q, cols, strlen(cols));
    if (rc == HM_OK) rc = hm_buf_addf(q, ", %llu)", (unsigned long long)copies);
    return rc;
}
