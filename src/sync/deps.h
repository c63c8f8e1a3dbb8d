/*
 * sync/deps.h: the dependency tracker of parallel apply (issue 14 item 2): which earlier source
 * transactions, still in flight, a transaction must wait for before it may be applied on a
 * target connection of its own, and the low-water mark of what is committed.
 *
 * The pure part of parallel apply (no I/O, no threads, no locks: its one user, sync/par.c, calls
 * it under the pool's lock) so that it can be tested exhaustively on its own.
 *
 * A transaction is numbered (seq, from 1, in source commit order) when it is opened, is given
 * the conflict keys of the rows it touches while it is read, and is closed. Two transactions
 * conflict when they share a key, or when either is a barrier. A key is a 64-bit hash
 * (hm_sync_deps_hash) of the table and of one key value of one row image: the primary key and
 * every unique key, of the before and of the after image; a table with foreign keys also gives,
 * for each foreign key, its columns' values hashed as the parent's referenced key (the same
 * keyno and bytes the parent's own rows give), so a child row and the parent row it points to
 * (or pointed to) never reorder, cascades included; where that cannot be exact (referenced
 * columns not a unique key, or a collation as below) both the child and the parent give the
 * parent's whole-table key (hm_sync_deps_hash(db, parent, 0, NULL, 0)). A hash
 * collision only adds a wait, never removes one: the tracker errs on the side of order. The
 * caller must hash values as the target compares them: two images the target's unique index
 * holds equal must give the same key. Binary bytes and integers do; a character column under a
 * non-binary collation ('a' = 'A', PAD SPACE 'a' = 'a  ') and FLOAT/DOUBLE (-0 = 0)
 * do not, so for a key with such a column the caller gives the table's whole-table hash
 * instead (hm_sync_deps_hash(db, tbl, 0, NULL, 0)): every transaction touching that table then
 * conflicts on it, which is exact, only slower.
 * Barriers: DDL, rows of keyless tables, statement-format events, XA, anything unknown, and a
 * transaction of more than max_keys keys (its keys are not kept: memory stays bounded).
 *
 * Each key remembers only the last transaction that touched it: waiting for that one is enough,
 * since it waits in turn for the one before it. A transaction after a barrier waits for the
 * barrier; a barrier waits for every transaction before it.
 *
 *   open ──keys/barrier──► close ──(ready: every predecessor done)──► applied ──► done(seq)
 *
 * Bounds: at most `window` transactions between open and done (hm_sync_deps_room() says when the
 * reader must wait for a commit), each with at most max_keys keys: memory is fixed at creation.
 *
 * Ownership: the tracker owns all its memory; nothing is borrowed past a call.
 */
#ifndef HM_SYNC_DEPS_H
#define HM_SYNC_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/rows.h"
#include "hotmig.h"

typedef struct hm_sync_deps hm_sync_deps;

/* window >= 1 transactions in flight, max_keys >= 1 keys each. NULL (err set) when out of
 * memory or an argument is out of range. */
hm_sync_deps *hm_sync_deps_new(unsigned window, unsigned max_keys, hm_err *err);
void hm_sync_deps_free(hm_sync_deps *d);

/* The conflict key of one key value (val, len bytes: the key columns' image, as decoded) of key
 * number keyno of db.tbl; val NULL: the whole table. */
uint64_t hm_sync_deps_hash(const char *db, const char *tbl, unsigned keyno, const void *val, size_t len);

/* One unique key of a table, as the rows of that table give it: its own key (db, tbl: the
 * table, keyno: the key's number in it), or one of its foreign keys (db, tbl: the parent table,
 * keyno: the number of the parent's key it references, cols: the child's columns in that key's
 * order), so that both sides hash the same value alike. */
typedef struct hm_sync_deps_keydef {
    const char *db, *tbl;    /* borrowed */
    unsigned keyno;
    const unsigned *cols;    /* borrowed: ncols column numbers in the row image */
    unsigned ncols;
    bool exact;              /* the key's values compare on the target as their decoded bytes
                                (no character column under a non-binary collation, no FLOAT or
                                DOUBLE): else the whole table of db.tbl is the key */
} hm_sync_deps_keydef;

/* Adds to the open transaction the keys one row image (before or after, t->ncols values as
 * binlog/rows.h decodes them) gives for n key definitions: a key with a NULL column gives none
 * (a unique index holds any number of NULLs, a NULL foreign key points nowhere); a key not
 * exact gives its table's whole-table key (every row of that table gives the same one); a key
 * with a column missing from the image (a minimal image) makes the transaction a barrier. */
void hm_sync_deps_row(hm_sync_deps *d, const hm_sync_deps_keydef *keys, size_t n, const hm_binlog_value *img);

/* The keys hm_sync_deps_row would add, given to emit(ud, key) instead (no tracker: the reader
 * gathers a transaction's keys before it takes the pool's lock). false when the image makes the
 * transaction a barrier (a key column missing from it); the keys given so far then do not count. */
bool hm_sync_deps_row_keys(const hm_sync_deps_keydef *keys, size_t n, const hm_binlog_value *img,
                           void (*emit)(void *ud, uint64_t key), void *ud);

/* Whether a transaction can be opened (fewer than window in flight). */
bool hm_sync_deps_room(const hm_sync_deps *d);
/* Opens the next transaction and returns its seq; only when room() and none is open. */
uint64_t hm_sync_deps_open(hm_sync_deps *d);
/* Adds a conflict key to the open transaction (past max_keys: it becomes a barrier). */
void hm_sync_deps_key(hm_sync_deps *d, uint64_t key);
/* Makes the open transaction a barrier. */
void hm_sync_deps_barrier(hm_sync_deps *d);
/* Closes the open transaction: from now on ready() answers for it. */
void hm_sync_deps_close(hm_sync_deps *d);

/* Whether closed transaction seq may be applied now: every transaction it waits for is done. */
bool hm_sync_deps_ready(const hm_sync_deps *d, uint64_t seq);
/* As ready(), except that a predecessor not done for which mine(ud, pred) is true does not hold
 * seq back: the caller applied it, uncommitted, on the connection it would apply seq on, so seq
 * comes after it there and they commit together (then done() both). Barriers and the wait for a
 * barrier are never waived. */
bool hm_sync_deps_ready_after(const hm_sync_deps *d, uint64_t seq, bool (*mine)(void *ud, uint64_t seq), void *ud);
/* Transaction seq (closed, ready) is committed on the target. Its keys are forgotten. */
void hm_sync_deps_done(hm_sync_deps *d, uint64_t seq);
/* The highest seq such that it and every transaction before it are done; 0 when none is. */
uint64_t hm_sync_deps_low_water(const hm_sync_deps *d);
/* Whether seq (in flight) is a barrier (asked, or past max_keys). */
bool hm_sync_deps_is_barrier(const hm_sync_deps *d, uint64_t seq);
/* Transactions opened and not done. */
unsigned hm_sync_deps_inflight(const hm_sync_deps *d);

#endif
