/*
 * verify/canon.h: the canonical form of a row, as SQL that the server evaluates.
 *
 * A row's canonical text is CONCAT_WS(',', fields...) over its stored (not generated) columns, in
 * a binary session (so bytes, never a collation, are compared), each column giving fields that
 * make the text unambiguous: equal data gives equal text and any difference a different text,
 * whatever the collation, the time zone or the server:
 *   integers, DECIMAL, YEAR    their text   (DECIMAL keeps its scale)
 *   DOUBLE                     its text     (the shortest text that reads back as the same double)
 *   FLOAT                      CAST AS DOUBLE (the 6-digit FLOAT text is not exact)
 *   BIT                        its value as an unsigned number
 *   DATE/TIME/DATETIME/TIMESTAMP  their text with the fraction; sessions are at UTC
 *   CHAR/VARCHAR/BINARY/ENUM/SET  two fields: the length in bytes, then the bytes (case and
 *                              trailing spaces count; a ',' inside cannot shift the fields)
 *   TEXT/BLOB types, spatial   SHA1 of the bytes (hashed on the server, nothing large is concatenated)
 *   JSON                       SHA1 of JSON_NORMALIZE(value): a value, not a text (key order,
 *                              spacing do not count); text that is not JSON: SHA1 of its bytes
 *   other types (INET6, UUID)  as strings: length, then their text
 *   NULL                       N, in a column either server allows NULL in (no other field is
 *                              the letter N; a NULL string gives N for its length and no bytes)
 *
 * Aggregates, so that an equal chunk sends two values per side:
 *   keyed chunk   COUNT(*) and SHA1 of the chunk's rows joined in key order (FORCE INDEX on the
 *                 key, a range on it): 160 bits over the ordered rows, so no two differences can
 *                 cancel (no per-row CRC32, no XOR fold, no sum that a swap or an equal shift
 *                 would leave unchanged). Were a server to read the rows in another order, the
 *                 chunk would only look different and be narrowed to rows, which finds nothing.
 *                 GROUP_CONCAT stops at max_allowed_packet: a cut chunk is seen by its warning
 *                 (chunk.h) and compared smaller.
 *                 The joined text is not made of the rows' canonical texts: a LENGTH() for each
 *                 string costs the servers a fifth of their time (a CHAR value's pad is scanned
 *                 off once more). Instead a field that may hold any byte (CHAR, VARCHAR, BINARY,
 *                 ENUM, SET, types not known here) is preceded by the run's separator S, every
 *                 other field (numbers, temporals, BIT values, hex of a hash, N: none holds a ',')
 *                 by ','; rows follow each other with nothing between; a NULL in an any-byte
 *                 field is the run's NULL mark. S and the mark are 16 letters or digits drawn at random for each run
 *                 (hm_verify_token_new: 95 bits each), so data cannot be made to hold them.
 *                 Unless a value holds S (or is the mark: for one value of L bytes, a chance of
 *                 at most L x 2^-95, far below a SHA1 collision for any table there is), the text
 *                 reads back one way only: S cuts it into segments whose kinds follow from the
 *                 columns (a row has as many S as it has any-byte fields); a segment holds at
 *                 most one any-byte field, first, then a known number of ','-led fields with no
 *                 ',' in them (of its row, and the first ones of the next row), which are taken
 *                 from its end. With no any-byte field, ',' alone cuts the text. So equal texts
 *                 mean equal rows, and the hash decides.
 *   multiset      (tables without a key) COUNT(*) and the exact DECIMAL SUM of each row's 64-bit
 *                 hash (the first 16 hex digits of SHA1 of its canonical text): order-free.
 *   row hash      (narrowing) the same 64 bits per row.
 *
 * Why these (server CPU, MariaDB 10.11, sysbench rows of 4 columns with CHAR(120) and CHAR(60),
 * 250k rows in chunks of 62.5k, buffer pool warm, per 250k rows): COUNT(*) alone 28 ms, CHECKSUM
 * TABLE 35-42 ms; the joined text with lengths, no hash 138-148 ms (of which the strings'
 * lengths 43 ms: a CHAR value's trailing pad is scanned off at each read), then hashed by SHA1
 * 188-195, SHA2-256 188-200, MD5 210-218 (OpenSSL with SHA-NI: SHA1 2.1 GB/s, SHA-256 1.9, MD5
 * 0.8; without SHA-NI, SHA1 is about MD5's speed and SHA-256 half, hence SHA1); with the run's
 * separator instead of lengths, SHA1 140-157 (a table of 5 VARCHARs: 250-273 -> 193), and the
 * rows with nothing between them 3% less again (8 tables, cold). A per-row hash summed
 * (SUM(CAST(CONV(LEFT(h(row), 16), 16, 10) AS UNSIGNED))) costs 193-198 with SHA1, 322-344 with
 * MD5: the per-call cost of the hash and the conversions outweighs GROUP_CONCAT's. One
 * CONCAT_WS per row inside GROUP_CONCAT: 148; QUOTE() instead of lengths: 245; HEX(): 193;
 * ORDER BY inside GROUP_CONCAT: 467 (a sort); IFNULL on NOT NULL columns: +60, hence only where
 * either server allows NULL. Chunk size: 10k-62.5k rows within 5%; 2.5k rows +15%.
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

/* What the canonical form needs to know of a table's columns besides the catalog: per column,
 * whether it holds JSON and whether either server allows NULL in it. */
typedef struct hm_verify_cols {
    const bool *json;
    const bool *nullable;
} hm_verify_cols;

/* Appends one column's value as a single expression (for comparing rows column by column):
 * IFNULL(..., 'N') of the column's canonical field (strings: length ':' bytes). */
hm_code hm_verify_canon_col(hm_buf *q, const hm_column *c, bool json, const hm_verify_dialect *d);

/* Appends the row's canonical text: CONCAT_WS(',', fields...). */
hm_code hm_verify_canon_row(hm_buf *q, const hm_table *t, const hm_verify_cols *k,
                            const hm_verify_dialect *d);

/* Appends the row's 64-bit hash as 16 lowercase hex digits (a string expression). */
hm_code hm_verify_canon_hash(hm_buf *q, const hm_table *t, const hm_verify_cols *k,
                             const hm_verify_dialect *d);

/* Appends "COUNT(*), SUM(<hash as unsigned>)" (multisets). */
hm_code hm_verify_canon_sum(hm_buf *q, const hm_table *t, const hm_verify_cols *k,
                            const hm_verify_dialect *d);

/* The hash function of every hash in the canonical form (see above). */
#define HM_VERIFY_HASH "SHA1"

/* The joined text's separator and NULL mark: HM_VERIFY_TOKEN_LEN letters and digits drawn at
 * random for each run (see above). hm_verify_token_new fails (HM_EINTERNAL) only when the system
 * gives no random bytes. */
#define HM_VERIFY_TOKEN_LEN 16
hm_code hm_verify_token_new(char out[HM_VERIFY_TOKEN_LEN + 1]);
bool hm_verify_token_ok(const char *tok);

/* Appends "COUNT(*), SHA1(GROUP_CONCAT(<fields> SEPARATOR '<sep>'))" (keyed chunks, read in key
 * order; the session's group_concat_max_len must hold a chunk, and the server's
 * max_allowed_packet). sep and null_tok: two different tokens of hm_verify_token_new (anything
 * else: HM_EINTERNAL). */
hm_code hm_verify_canon_agg(hm_buf *q, const hm_table *t, const hm_verify_cols *k,
                            const hm_verify_dialect *d, const char *sep, const char *null_tok);

#endif
