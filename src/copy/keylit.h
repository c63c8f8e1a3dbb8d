/*
 * copy/keylit.h: chunk bounds, i.e. tuples of key values, and the SQL conditions built on them.
 *
 * A bound is kept as a packed tuple: for each key column a 4-byte little-endian length then the
 * raw bytes the server sent for it (text protocol, binary character set). Packed tuples are what
 * hotmig_meta stores, so a rerun rebuilds exactly the same conditions.
 *
 * A value becomes a literal that compares the way the index orders it: a character value gets its
 * column's character set introducer (_utf8mb4 X'..'), so the column's collation decides the order,
 * never a binary comparison; binary and BIT values are X'..'; numbers and temporal values are
 * checked to be plain text ([0-9+-.eE] / [0-9-:. ]) and written as such.
 *
 * (k1,k2,k3) > (v1,v2,v3) is spelt k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (k2 = v2 AND k3 > v3)))
 * so that every server's range optimizer reads it as a range on the key.
 */
#ifndef HM_COPY_KEYLIT_H
#define HM_COPY_KEYLIT_H

#include "copy/catalog.h"
#include "util/buf.h"

hm_code hm_keylit_pack(hm_buf *out, char *const *vals, const unsigned long *lens, size_t n);
/* Points vals[i]/lens[i] into p. Returns HM_EINTERNAL when p is not a tuple of exactly n values. */
hm_code hm_keylit_unpack(const char *p, size_t len, size_t n, const char **vals, size_t *lens);

/* Appends the literal for one value of column c. HM_EUSAGE when the value cannot be a bound. */
hm_code hm_keylit_value(hm_buf *sql, const hm_column *c, const char *v, size_t n);

/* Appends "(key) > (bound)" (after == true) or "(key) <= (bound)" (after == false). */
hm_code hm_keylit_cond(hm_buf *sql, const hm_table *t, const char *packed, size_t packed_len,
                       bool after);

/* Appends "k1, k2, ..." (quoted key column names). */
hm_code hm_keylit_columns(hm_buf *sql, const hm_table *t);

/* Integer keys, whose chunk bounds the copy and verify compute by arithmetic: whether a column's
 * DATA_TYPE is an integer type, and the value of a plain decimal integer of n bytes (an optional
 * '-' then digits, at most 40 bytes; false for anything else). */
bool hm_keylit_is_int_type(const char *data_type);
bool hm_keylit_parse_int(const char *s, size_t n, __int128 *out);

#endif
