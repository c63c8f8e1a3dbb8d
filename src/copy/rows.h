/*
 * copy/rows.h: streaming the rows of one chunk from a source connection into a target connection.
 *
 * Two writers, same contract:
 *   LOAD    LOAD DATA LOCAL INFILE whose "file" is a Connector/C callback that pulls rows from
 *           the source result as the target asks for bytes: nothing is staged on disk and at most
 *           one buffer (HM_ROWS_BUF bytes, or one row when a row is larger) is held in memory.
 *   INSERT  multi-row INSERT statements of at most insert_max bytes each.
 * The rows go into the target's current transaction; the caller commits. After every statement
 * the target's warning count must be 0 and its affected-row count must equal the rows sent:
 * anything else (a truncated value, a duplicate key turned into a warning by LOCAL) fails the
 * chunk instead of silently changing data.
 * Generated columns are never selected nor written. BIT and spatial values travel as hex.
 */
#ifndef HM_COPY_ROWS_H
#define HM_COPY_ROWS_H

#include <stdatomic.h>
#include <stdint.h>

#include "copy/catalog.h"
#include "copy/throttle.h"
#include "db/conn.h"

#define HM_ROWS_BUF (256 * 1024)

typedef struct hm_rows_ctx {
    hm_conn *src, *tgt;
    const hm_table *t;
    hm_write_method method;       /* HM_WRITE_LOAD or HM_WRITE_INSERT */
    size_t insert_max;            /* INSERT path: bytes per statement */
    size_t packet_max;            /* the target's max_allowed_packet: a row whose INSERT text would
                                     not fit goes alone, by a prepared statement, in pieces */
    hm_throttle *throttle;        /* may be NULL */
    const atomic_bool *cancel;
    _Atomic uint64_t *rows_total; /* progress counters, added to as rows go */
    _Atomic uint64_t *bytes_total;
} hm_rows_ctx;

/* Copies SELECT <cols> FROM t [WHERE where] into t on the target. where may be NULL.
 * *rows and *bytes receive what was written. */
hm_code hm_rows_copy(const hm_rows_ctx *cx, const char *where, uint64_t *rows, uint64_t *bytes,
                     hm_err *err);

/* Appends the comma-separated quoted list of the columns that are copied (not generated). */
hm_code hm_rows_column_list(hm_buf *b, const hm_table *t);

#endif
