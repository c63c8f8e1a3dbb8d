/*
 * verify/canon.h: the canonical form of a row, as SQL that the server evaluates.
 *
 * A row's canonical text is CONCAT_WS(',', f1, f2, ...) over its stored (not generated) columns,
 * each field f made unambiguous so that equal data gives equal text and any difference gives a
 * different text, whatever the collation, the time zone or the server:
 *   NULL                       N            (no other field form is the single letter N)
 *   integers, DECIMAL, YEAR    their text   (DECIMAL keeps its scale)
 *   DOUBLE                     its text     (the shortest text that reads back as the same double)
 *   FLOAT                      CAST AS DOUBLE, then as DOUBLE (the 6-digit FLOAT text is not exact)
 *   BIT                        its value as an unsigned number
 *   DATE/TIME/DATETIME/TIMESTAMP  their text with the fraction; sessions are at UTC
 *   CHAR/VARCHAR/BINARY/ENUM/SET  length ':' bytes (the bytes, never the collation: case and
 *                              trailing spaces count)
 *   TEXT/BLOB types, spatial   MD5 of the bytes (hashed on the server, nothing large is concatenated)
 *   JSON                       MD5 of JSON_NORMALIZE(value): a value, not a text (key order,
 *                              spacing do not count); text that is not JSON: MD5 of its bytes
 *   other types (INET6, UUID)  their text
 * A row's hash is the first 64 bits of MD5 of its canonical text; a chunk's aggregate is
 * COUNT(*) and the exact (DECIMAL) SUM of those hashes as unsigned numbers. Unlike CRC32 or an
 * XOR fold, a sum of a non-linear wide hash does not let two changes cancel (two rows' values
 * swapped, the same shift applied to several rows): a false "equal" needs a 64-bit collision.
 */
#ifndef HM_VERIFY_CANON_H
#define HM_VERIFY_CANON_H

#include <stdbool.h>

#include "copy/catalog.h"
#include "util/buf.h"

/* How one server spells things (FLOAT to DOUBLE needs MariaDB 10.4 / MySQL 8.0.17). */
typedef struct hm_verify_dialect {
    bool cast_double;
    bool json_normalize; /* MariaDB 10.7+ */
} hm_verify_dialect;

hm_verify_dialect hm_verify_dialect_of(const hm_conn *c);

/* Appends the canonical field of column c (IFNULL(..., 'N')). json: the column holds JSON. */
hm_code hm_verify_canon_col(hm_buf *q, const hm_column *c, bool json, const hm_verify_dialect *d);

/* Appends the row's 64-bit hash as 16 lowercase hex digits (a string expression). */
hm_code hm_verify_canon_hash(hm_buf *q, const hm_table *t, const bool *json,
                             const hm_verify_dialect *d);

/* Appends "COUNT(*), SUM(<hash as unsigned>)". */
hm_code hm_verify_canon_sum(hm_buf *q, const hm_table *t, const bool *json,
                            const hm_verify_dialect *d);

#endif
