/*
 * binlog/json.h: MySQL's binary JSON (the value of a JSON column in a MySQL row event) to JSON
 * text, written from the MySQL documentation of the format (json_binary.h):
 *
 *   doc     ::= type value
 *   type    ::= 0x00 small object | 0x01 large object | 0x02 small array | 0x03 large array
 *             | 0x04 literal | 0x05 int16 | 0x06 uint16 | 0x07 int32 | 0x08 uint32
 *             | 0x09 int64 | 0x0a uint64 | 0x0b double | 0x0c string | 0x0f opaque
 *   object  ::= count size key-entry* value-entry* key* value*     (count, size: 2 or 4 bytes)
 *   array   ::= count size value-entry* value*
 *   key-entry   ::= key-offset (2/4) key-length (2)
 *   value-entry ::= type offset-or-inlined-value (2/4): literals and 16-bit integers (and in the
 *                   large format 32-bit ones) are inlined; offsets count from the start of the
 *                   object or array (its count field)
 *   string  ::= length (7 bits a byte, low bits first, high bit: more) utf8mb4 bytes
 *   opaque  ::= field-type (1) length (as string) bytes: DECIMAL (precision, scale, binary),
 *               DATE/TIME/DATETIME/TIMESTAMP (8-byte packed integer), anything else kept as
 *               "base64:typeN:..." like MySQL prints it
 *
 * The text is MySQL's: {"a": 1, "b": [true, null]}; doubles that look like integers get ".0" so
 * that they stay doubles when parsed again. MariaDB has no binary JSON (its JSON is LONGTEXT).
 */
#ifndef HM_BINLOG_JSON_H
#define HM_BINLOG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "hotmig.h"
#include "util/buf.h"

/* JSON diffs (MySQL PARTIAL_UPDATE_ROWS): a sequence of
 *   diff ::= operation (1: 0 REPLACE, 1 INSERT, 2 REMOVE) path (lenenc length, bytes: a MySQL
 *            JSON path such as $.a[2]."b c") [value (lenenc length, binary JSON): not for REMOVE]
 * each to be applied, in order, to the column's before value. */
typedef enum hm_binlog_json_op {
    HM_JSON_REPLACE = 0,
    HM_JSON_INSERT = 1,
    HM_JSON_REMOVE = 2,
} hm_binlog_json_op;

typedef struct hm_binlog_json_diff {
    hm_binlog_json_op op;
    const uint8_t *path;   /* not NUL-terminated */
    size_t path_len;
    const uint8_t *value;  /* binary JSON (hm_binlog_json_text); NULL for REMOVE */
    size_t value_len;
} hm_binlog_json_diff;

/* Reads the diff at *p (< end) into d and moves *p past it. HM_ESOURCE on a truncated diff or an
 * unknown operation. */
hm_code hm_binlog_json_diff_next(const uint8_t **p, const uint8_t *end, hm_binlog_json_diff *d,
                                 hm_err *err);

/* Appends the text of the binary JSON document p[0..n) to out. An empty document is "null".
 * HM_ESOURCE on a malformed document (out may then hold a partial text), HM_ENOMEM. */
hm_code hm_binlog_json_text(const uint8_t *p, size_t n, hm_buf *out, hm_err *err);

#endif
