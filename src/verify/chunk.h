/*
 * verify/chunk.h: comparing one chunk of a table on both servers, and narrowing a differing
 * chunk down to rows.
 *
 *   hm_verify_chunk_sums      both servers compute COUNT(*) and the sum of the row hashes of the
 *                             chunk (canon.h) at the same time; two numbers per side travel.
 *   hm_verify_chunk_rows      a keyed chunk that differs: each piece of at most NARROW_ROWS
 *                             source rows is read as (key, row hash) from the source into a hash
 *                             table, the target's rows of the same range are streamed against it:
 *                             a key only on the target is extra, only on the source missing, a
 *                             different hash changed; a changed row's columns are then compared
 *                             one by one (by their canonical fields) to name the ones that differ.
 *   hm_verify_chunk_multiset  a table without a usable key: both servers stream (row hash, copies)
 *                             grouped and ordered by hash, merged here: a hash with more copies on
 *                             one side is a missing or extra row (with how many copies).
 * Memory: one piece of a chunk (keys and 16-byte hashes), never a table.
 */
#ifndef HM_VERIFY_CHUNK_H
#define HM_VERIFY_CHUNK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "copy/catalog.h"
#include "verify/canon.h"

typedef struct hm_verify_tctx {
    hm_conn *src, *tgt;     /* borrowed: the worker's connections */
    const hm_table *t;
    hm_verify_cols cols;    /* per column: JSON, nullable */
    hm_verify_dialect ds, dt;
    const atomic_bool *cancel;
    const char *sep, *null_tok; /* the run's tokens for the keyed aggregate (canon.h), borrowed */
} hm_verify_tctx;

typedef struct hm_verify_sum {
    uint64_t rows;
    char sum[48];           /* exact decimal text, "0" for no rows */
    bool cut;               /* the server cut the chunk's joined rows (GROUP_CONCAT stops at
                               max_allowed_packet, with warning 1260): the hash covers only a
                               part of the chunk and proves nothing */
} hm_verify_sum;

/* Receives one difference: kind "missing" | "extra" | "changed"; key: packed key tuple (keyless:
 * the row hash); key_text: for people; cols: changed columns ("a, b") or "". */
typedef hm_code (*hm_verify_sink)(void *ud, const char *kind, const char *key, size_t key_len,
                                  const char *key_text, const char *cols, uint64_t copies, hm_err *err);

/* where: a condition on the key, or NULL for the whole table. A side whose aggregate the server
 * cut has .cut set (its rows are right, its hash is not to be compared). */
hm_code hm_verify_chunk_sums(const hm_verify_tctx *x, const char *where, hm_verify_sum *src,
                             hm_verify_sum *tgt, hm_err *err);
hm_code hm_verify_chunk_rows(const hm_verify_tctx *x, const char *where, hm_verify_sink sink, void *ud,
                             hm_err *err);
hm_code hm_verify_chunk_multiset(const hm_verify_tctx *x, hm_verify_sink sink, void *ud, hm_err *err);

/* "id=5" or "(a, b)=('x', 3)" for a packed key of t, into out (truncated). */
void hm_verify_key_text(const hm_table *t, const char *packed, size_t len, char *out, size_t outsz);

/* Appends "k1 = v1 AND k2 = v2" for a packed key of t. */
hm_code hm_verify_key_eq(hm_buf *q, const hm_table *t, const char *packed, size_t len);

#endif
