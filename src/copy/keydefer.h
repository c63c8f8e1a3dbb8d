/*
 * copy/keydefer.h: secondary indexes built after the data (text work on SHOW CREATE TABLE).
 *
 * InnoDB builds an index on a loaded table by sorting, far faster than it inserts every row into
 * one more B-tree while loading. So a large table is created with its PRIMARY KEY and every
 * UNIQUE key in place (the copy chunks by one, and the incremental sync finds rows by them),
 * and after its last chunk the rest of its definition is added in one statement:
 *
 *   ALTER TABLE `db`.`t` ADD KEY ..., ADD FULLTEXT KEY ..., ADD SPATIAL KEY ...,
 *                        ADD CONSTRAINT `fk` FOREIGN KEY ...      (foreign keys after their keys)
 *
 * Everything here works on the text SHOW CREATE TABLE prints: one definition a line, indented by
 * two spaces, a comma after all but the last, the closing ") ENGINE=..." on its own line. A
 * definition that does not have this shape is never split (hm_keydefer_split returns false).
 *
 * The ALTER is built from what the target is missing (hm_keydefer_alter compares the source's
 * lines with the target's current SHOW CREATE TABLE), so it is right whatever an earlier, killed
 * run left: nothing, or the whole ALTER (MariaDB's DDL is atomic).
 */
#ifndef HM_COPY_KEYDEFER_H
#define HM_COPY_KEYDEFER_H

#include <stdbool.h>

#include "copy/catalog.h"
#include "util/buf.h"

/* Writes to `base` the CREATE TABLE of create_sql without its deferrable lines (non-unique,
 * FULLTEXT and SPATIAL keys, foreign keys). Returns false, `base` untouched, when there is
 * nothing to defer or the text is not in the expected shape or a UNIQUE/PRIMARY key follows a
 * deferrable key (then adding the keys later could not reproduce the source's key order). */
bool hm_keydefer_split(const char *create_sql, hm_buf *base);

/* Whether another selected table has a foreign key referencing t: such a parent keeps all its
 * keys at creation, so the child's constraint always finds its index. */
bool hm_keydefer_is_parent(const hm_catalog *cat, const hm_table *t);

/* Builds in `q` "ALTER TABLE `db`.`t` ADD ..., ADD ..." with the deferrable lines of t's source
 * definition that target_create lacks, in the source's order; *nadd is how many (0: q empty).
 * HM_ENOMEM when q is full. */
hm_code hm_keydefer_alter(const hm_table *t, const char *target_create, hm_buf *q, size_t *nadd);

/* Whether the target's SHOW CREATE TABLE `tgt` defines the table as the source's `src` does:
 * equal up to the table options line (") ENGINE=... AUTO_INCREMENT=..."), whose counter may
 * legitimately differ. True when src is not in the shape hm_keydefer_split works on (such a
 * table is never split, so nothing deferred is left to check). */
bool hm_keydefer_same_columns_and_keys(const char *src, const char *tgt);

#endif
