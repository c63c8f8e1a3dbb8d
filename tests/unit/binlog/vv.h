/*
 * tests/unit/binlog/vv.h: what `mariadb-binlog -vv --base64-output=decode-rows` prints, for the
 * binlog decoder tests: its output files parsed into events, and decoded row events formatted the
 * way it formats them, so that the test compares whole lines.
 */
#ifndef HM_TEST_BINLOG_VV_H
#define HM_TEST_BINLOG_VV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/event.h"
#include "binlog/rows.h"
#include "binlog/tablemap.h"
#include "util/buf.h"

/* One event of the reference: "# at N", its header line, and what follows up to the next one. */
typedef struct vv_event {
    uint64_t pos;
    uint32_t server_id, end_log_pos;
    bool has_crc;
    uint32_t crc;
    char *desc;     /* the header line after its tab: "Query\tthread_id=..." */
    char *text;     /* the other lines, each ending in '\n' */
    char *rows;     /* the "###" lines, each ending in '\n' */
    long nrows;     /* "# Number of rows: N", -1 when absent */
    int ignorable;  /* "# Ignorable event type N", -1 when absent */
} vv_event;

typedef struct vv_file {
    vv_event *ev;
    size_t n;
} vv_file;

/* Parses a reference file; false (with a message on stderr) when it cannot be read. */
bool vv_parse(const char *path, vv_file *out);
void vv_free(vv_file *f);

/* Appends one value as mariadb-binlog prints it after "@N=". */
hm_code vv_value(hm_buf *out, const hm_binlog_value *v, hm_err *err);

/* Appends the "###" lines of a decoded (inflated) ROWS event and counts its rows. before and
 * after: scratch arrays of t->ncols values. */
hm_code vv_rows(hm_buf *out, const hm_binlog_fmt *fmt, const hm_binlog_event *ev,
                const hm_binlog_table *t, hm_binlog_value *before, hm_binlog_value *after,
                long *nrows, hm_err *err);

/* Reads a whole file into memory (free() it); NULL on failure. */
uint8_t *vv_slurp(const char *path, size_t *len);

#endif
