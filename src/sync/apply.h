/*
 * sync/apply.h: applying the rows of binlog ROWS events to the target.
 *
 * For each table it meets, the applier reads the target table's definition (columns in order,
 * signedness, generated columns, the key: PRIMARY, else the first unique key -- by name -- whose
 * columns are all NOT NULL and not generated) from the target's information_schema once, and
 * prepares its statements once, as they are first needed: INSERT of the non-generated columns
 * (1, 2, 4, ... 128 rows per statement: an event of n rows goes as popcount(n) statements),
 * UPDATE ... SET non-generated columns WHERE key = ?, DELETE ... WHERE key = ? (key IN (...) for
 * several rows of one event). A table without a key matches the whole before-image (col <=> ?
 * for each column, character columns compared as bytes, LIMIT 1), one row per statement, and is
 * counted as slow.
 *
 * Values are bound as parameters from the decoded row images (binlog/rows.h), never formatted
 * into SQL: integers with the target column's signedness, FLOAT/DOUBLE as doubles (a FLOAT
 * widened exactly), DECIMAL (as a decimal parameter) and DATE/TIME/DATETIME as their exact text,
 * TIMESTAMP as UTC text (the session's time_zone is +00:00), YEAR, BIT, ENUM and SET by number,
 * strings, BLOBs, JSON (MySQL's binary JSON turned to text) and GEOMETRY as bytes; BINARY(n),
 * INET4/6 and UUID values, whose trailing 0x00 MariaDB drops, padded back to their length.
 * Values over 1 MiB go by mysql_stmt_send_long_data().
 *
 * MySQL's PARTIAL_UPDATE_ROWS (binlog_row_value_options=PARTIAL_JSON, with binlog_row_image
 * MINIMAL or NOBLOB): the before image needs the key (the whole row for a keyless table); each
 * row is one UPDATE of the columns its after image holds, a JSON column given as diffs written
 * as nested JSON_REPLACE / JSON_INSERT / JSON_ARRAY_INSERT / JSON_REMOVE calls on the column,
 * paths (rewritten by sync/jsonpath.h) and values bound as parameters. MySQL 9's VECTOR goes as
 * its bytes (to a VECTOR or a BLOB column).
 *
 * Rows go into the transaction the caller has open on the target connection; the applier never
 * commits. It may set SAVEPOINT hm_apply in that transaction and roll back to it (a batch of
 * DELETEs that found fewer rows than it was sent is undone, then replayed row by row to name the
 * missing one). On first use, and after hm_sync_applier_forget_all(), it sets the session's
 * sql_mode to NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES,NO_ENGINE_SUBSTITUTION (0 in an
 * AUTO_INCREMENT column stays 0; zero and invalid dates, and the '' of an ENUM, are stored as the
 * source stored them) and reads max_allowed_packet; it relies on the session hm_conn_open() set
 * up (SET NAMES binary, time_zone '+00:00').
 *
 * Every row must change exactly one target row: an UPDATE or DELETE that finds no row, or an
 * INSERT that hits a duplicate key, means the target has diverged from the source, and fails with
 * HM_ETARGET naming the table, the operation and the key (values of key columns only, never a
 * whole row; long values cut) -- it is never skipped. So does a statement that warns (a value the
 * target column cannot hold exactly), with the server's warning. The target connection must have
 * been opened with HM_CONN_FOUND_ROWS, so that an UPDATE that changes nothing still counts its
 * row.
 *
 * After DDL changes a table, hm_sync_applier_forget() drops what was cached for it; a definition
 * that no longer fits the table map (column count, type family, names when logged) fails with
 * HM_ESTATE rather than writing wrong columns (MariaDB's hidden hash column of each long UNIQUE,
 * logged after the others but absent from information_schema, is expected and skipped). After the target connection is reopened, call
 * hm_sync_applier_forget_all(): prepared statements belong to the old connection. After an
 * error the caller's transaction holds part of the event: roll it back.
 *
 * What the caller must know: triggers on target tables fire for every row applied (a replica
 * applying rows does not fire them), and foreign-key actions of the target run as on the source
 * (ON DELETE CASCADE deletes the children the source deleted without logging them); statements
 * of up to 8192 parameters and up to 256 tables' statements (17 each at most) are kept prepared.
 *
 * Ownership: the applier borrows tgt (which must outlive it) and owns its statements and
 * cached definitions.
 */
#ifndef HM_SYNC_APPLY_H
#define HM_SYNC_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "binlog/event.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "db/conn.h"
#include "hotmig.h"

typedef struct hm_sync_applier hm_sync_applier;

typedef struct hm_sync_apply_stats {
    uint64_t rows_inserted, rows_updated, rows_deleted;
    uint64_t statements;        /* statements executed on the target */
    uint64_t keyless_rows;      /* rows of tables without a key (matched by whole image) */
} hm_sync_apply_stats;

/* NULL (err filled) when out of memory. */
hm_sync_applier *hm_sync_applier_new(hm_conn *tgt, hm_err *err);
void hm_sync_applier_free(hm_sync_applier *a);

/* Applies every row of ev, a WRITE, UPDATE or DELETE ROWS event (v1 or v2, MySQL or MariaDB,
 * already inflated when it was compressed; MySQL's PARTIAL_UPDATE_ROWS too), whose table map is tm (tm's database and table name
 * say where on the target). fmt is the stream's format. HM_ESOURCE when the images are not
 * complete (binlog_row_image is not FULL) or do not decode; HM_ESTATE when the table map and
 * the target table differ in columns (the target's definition has not followed the source);
 * HM_ETARGET for a target error or divergence; connection codes when the target is lost. */
hm_code hm_sync_apply_rows(hm_sync_applier *a, const hm_binlog_fmt *fmt, const hm_binlog_event *ev,
                           const hm_binlog_table *tm, hm_err *err);

/* Called with a table's names when the applier loads the definition of a table without a key
 * (its rows are matched on all their columns), before the first change it applies to it; again
 * after the definition is forgotten and loaded anew. The names are borrowed for the call. */
typedef void (*hm_sync_keyless_fn)(void *ud, const char *db, const char *table);
void hm_sync_applier_on_keyless(hm_sync_applier *a, hm_sync_keyless_fn fn, void *ud);

/* Caps the bytes of values sent inline in one statement (default 4 MiB, or a quarter of the
 * server's max_allowed_packet; at least 64 KiB): what the applier's arena and the connection's
 * buffers grow to. Several appliers at once (parallel apply) keep memory down with a smaller cap;
 * larger values go by mysql_stmt_send_long_data() as usual. */
void hm_sync_applier_limit(hm_sync_applier *a, size_t inline_max);

/* Forgets the cached definition and statements of db.table (after DDL on it, or a rename). */
void hm_sync_applier_forget(hm_sync_applier *a, const char *db, const char *table);
/* Forgets everything (after DDL whose effect is not known, or a new target connection). */
void hm_sync_applier_forget_all(hm_sync_applier *a);

/* Loads (and caches) db.table's definition now, as its first change would. */
hm_code hm_sync_applier_preload(hm_sync_applier *a, const char *db, const char *table, hm_err *err);

/* Totals since the applier was created. */
void hm_sync_applier_stats(const hm_sync_applier *a, hm_sync_apply_stats *out);

#endif
