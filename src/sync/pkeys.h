/*
 * sync/pkeys.h: the conflict-key definitions of target tables for parallel apply (sync/deps.h):
 * which columns of a row image name a row, as the target's unique indexes compare them, and
 * which tables a foreign key links. Read from the target's information_schema once per table
 * and cached until forgotten (after DDL).
 *
 * Per table:
 *   - every unique index (PRIMARY and UNIQUE, keyno 1, 2, ... in name order), exact only when
 *     each of its columns compares as its decoded bytes (no collation, not FLOAT/DOUBLE, no
 *     prefix); an inexact one gives the whole table's key (hm_sync_deps_keydef.exact);
 *   - for each foreign key of the table, the parent's whole-table key; when the table is
 *     referenced by a foreign key, its own whole-table key: a child row and its parent never
 *     reorder, cascades included (order errs on the safe side).
 * A table with no unique index whose columns are all NOT NULL (the applier would match its rows
 * on whole images, sync/apply.h) has no definitions: its transactions are barriers.
 *
 * Ownership: the cache borrows the connection (autocommit on; it must outlive the cache) and
 * owns every definition; what hm_sync_pkeys_get lends is valid until the next get or forget.
 */
#ifndef HM_SYNC_PKEYS_H
#define HM_SYNC_PKEYS_H

#include <stddef.h>

#include "db/conn.h"
#include "hotmig.h"
#include "sync/deps.h"

typedef struct hm_sync_pkeys hm_sync_pkeys;

hm_sync_pkeys *hm_sync_pkeys_new(hm_conn *meta, hm_err *err);
void hm_sync_pkeys_free(hm_sync_pkeys *p);

/* The definitions of db.tbl: *keys NULL (n 0) when its rows cannot be ordered by key (no NOT
 * NULL unique index); *max_col: the highest column number they read (the row image must have
 * more columns). Connection codes when the target is lost. */
hm_code hm_sync_pkeys_get(hm_sync_pkeys *p, const char *db, const char *tbl, const hm_sync_deps_keydef **keys,
                          size_t *n, unsigned *max_col, hm_err *err);
/* Forgets every table (after DDL). */
void hm_sync_pkeys_forget_all(hm_sync_pkeys *p);

#endif
