/*
 * binlog/rows.h: decoding the row images of a ROWS event into typed values.
 *
 * A ROWS event carries, after its header, a sequence of rows; each row is one image (WRITE: the
 * new row, DELETE: the old row) or two (UPDATE: before, then after). An image is a NULL bitmap
 * over the columns present in it (the event's columns-present bitmap, or for UPDATE's after image
 * the second bitmap: with binlog_row_image=MINIMAL they differ), then the non-NULL values packed
 * one after another, their size given by the column type and the table map's metadata.
 *
 * Iteration allocates nothing: the caller owns two arrays of ncols hm_binlog_value, reused for
 * every row; a value points into the event buffer (strings, BLOBs, DECIMAL, JSON, GEOMETRY, BIT)
 * and is valid while the event is. Every read is bounds-checked; a truncated or inconsistent row
 * fails with HM_ESOURCE naming the file, position, row number and column.
 *
 * Integers come both ways, sign-extended (i) and zero-extended (u): the binlog does not say which
 * is meant unless the table map carries signedness (column.is_unsigned with has_signedness),
 * otherwise the schema does.
 *
 * VECTOR (MySQL 9) comes as its bytes (ptr/len): dimensions x IEEE float32, little-endian.
 *
 * MariaDB stores BINARY(n), CHAR(n) and its UUID/INET types with trailing 0x00 / spaces removed:
 * pad back to the column's length when applying. MySQL TIMESTAMP values are seconds since the
 * epoch (UTC), not a wall-clock time.
 */
#ifndef HM_BINLOG_ROWS_H
#define HM_BINLOG_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/event.h"
#include "binlog/tablemap.h"
#include "hotmig.h"
#include "util/buf.h"

/* DATE, TIME, DATETIME parts (TIME: hour up to 838, neg for negative times). */
typedef struct hm_binlog_time {
    uint32_t year, month, day, hour, minute, second, usec;
    bool neg;
} hm_binlog_time;

typedef struct hm_binlog_value {
    const hm_binlog_column *col;
    bool present;        /* the column is in this image (else nothing below is set) */
    bool is_null;
    uint8_t type;        /* col->type */
    int64_t i;           /* integers sign-extended; YEAR as the year (0 or 1901-2155); ENUM
                            index; SET and BIT bits; TIMESTAMP seconds */
    uint64_t u;          /* the same bits zero-extended; YEAR: the stored byte */
    double d;            /* FLOAT (widened), DOUBLE */
    float f;             /* FLOAT */
    const uint8_t *ptr;  /* CHAR/VARCHAR/BINARY/BLOB/TEXT bytes, JSON binary, GEOMETRY (SRID +
                            WKB), DECIMAL binary, BIT bytes (big-endian) */
    size_t len;
    hm_binlog_time tm;   /* DATE, TIME, DATETIME; TIMESTAMP: usec only */
    bool json_diff;      /* JSON in a PARTIAL_UPDATE_ROWS after image: ptr/len hold JSON diffs
                            (json.h, hm_binlog_json_diff_next) to apply to the before value, not
                            a document */
} hm_binlog_value;

typedef struct hm_binlog_rows_iter {
    const hm_binlog_fmt *fmt;
    const hm_binlog_event *ev;
    const hm_binlog_table *t;
    const uint8_t *p, *end;
    uint32_t n_present, n_present_ai;
    uint64_t row;        /* rows read so far */
} hm_binlog_rows_iter;

/* Starts reading the rows of ev (a ROWS event, inflated if it was compressed) with its table map
 * t. Fails with HM_ESOURCE when t is not ev's table, column counts differ, or a present column has
 * a type the decoder does not know; HM_EUSAGE when ev is still compressed. */
hm_code hm_binlog_rows_begin(hm_binlog_rows_iter *it, const hm_binlog_fmt *fmt,
                             const hm_binlog_event *ev, const hm_binlog_table *t, hm_err *err);

/* Decodes the next row into before[] and/or after[] (t->ncols entries each): WRITE fills after,
 * DELETE fills before, UPDATE both; the array not used may be NULL. *more is false (and nothing
 * is filled) after the last row. */
hm_code hm_binlog_rows_next(hm_binlog_rows_iter *it, hm_binlog_value *before,
                            hm_binlog_value *after, bool *more, hm_err *err);

/* Bytes of a DECIMAL(precision, scale) value in a row. */
size_t hm_binlog_decimal_size(unsigned precision, unsigned scale);
/* The exact decimal text of a DECIMAL value ("-123.4500", scale digits after the point, as
 * MySQL prints it). buf must hold 68 bytes. HM_ESOURCE on an invalid encoding. */
hm_code hm_binlog_decimal_str(const uint8_t *bin, size_t len, unsigned precision, unsigned scale,
                              char *buf, size_t n, hm_err *err);

/* DATE "2024-02-29", TIME "-838:59:59.000", DATETIME "2024-02-29 12:34:56.789012": the SQL
 * literal text without quotes, with the column's fractional digits. Other types: "". */
void hm_binlog_time_str(const hm_binlog_value *v, char *buf, size_t n);

#endif
