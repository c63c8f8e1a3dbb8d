/*
 * sync/par.h: parallel apply (issue 14 item 2): a pool of workers, each with a target connection
 * of its own, applying the source's independent transactions at the same time.
 *
 * The reader (sync.c) buffers each source transaction's events (hm_sync_ptrx), gathers its
 * conflict keys (sync/deps.h, sync/pkeys.h) and submits it; the pool numbers it, and a worker
 * takes it once every earlier transaction it conflicts with is committed, applies it with its own
 * applier and table maps, and commits it together with an update of its own checkpoint row
 * (hotmig_meta.sync_worker, sync/state.h): the low-water mark and its GTID set, and the end
 * positions of what it committed above it (sync/resume.h). Whatever is not simple is a barrier:
 * the reader waits until everything before it is committed, applies it on its own serial path,
 * and ends it (hm_sync_par_barrier_end). See par.c for the states.
 *
 * Ownership: the pool owns its threads, connections, the transactions submitted to it, and the
 * low-water mark's GTID set. The reader owns a transaction until hm_sync_par_submit() takes it
 * (also when it fails).
 */
#ifndef HM_SYNC_PAR_H
#define HM_SYNC_PAR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/event.h"
#include "hotmig.h"
#include "sync/state.h"
#include "util/buf.h"

/* Transactions in flight at most (numbered and not committed), and so entries of a worker row's
 * `above` list (worker 0 also carries a skip set after a crash, at most about twice that;
 * sync/resume.h reads a row back with room for 8x). */
#define HM_SYNC_PAR_WINDOW 1024
#define HM_SYNC_PAR_ABOVE_MAX (8 * HM_SYNC_PAR_WINDOW)
/* Conflict keys one transaction may have (past it: a barrier). */
#define HM_SYNC_PAR_MAX_KEYS 128

/* The session of every connection that applies rows (sync.c's lanes too). */
#define HM_SYNC_SESSION_SQL "SET NAMES binary, time_zone = '+00:00', autocommit = 0, foreign_key_checks = 1"

/* One source transaction's GTID (kind 0: none). */
typedef struct hm_sync_trx_gtid {
    int kind;                /* 0 none, 1 MariaDB, 2 MySQL */
    uint32_t domain, server;
    uint64_t seq;
    uint8_t sid[16];
    char tag[HM_BINLOG_TAG_MAX];
    size_t tag_len;
} hm_sync_trx_gtid;

/* A buffered source transaction: its events' bytes ([u32 size][u64 pos][bytes] each), the format
 * they decode with, and its conflict keys. */
typedef struct hm_sync_ptrx {
    struct hm_sync_ptrx *next;
    uint64_t seq;
    hm_sync_pos end;         /* where the next event starts: the transaction's end */
    hm_sync_trx_gtid gtid;
    hm_binlog_fmt fmt;
    hm_buf ev;
    size_t nev;
    uint64_t *keys;          /* owned, nkeys of cap */
    size_t nkeys, cap;
    bool too_many;           /* more keys than a transaction may have: a barrier */
} hm_sync_ptrx;

/* An empty transaction (NULL when out of memory); max_keys: past it, too_many. */
hm_sync_ptrx *hm_sync_ptrx_new(size_t max_bytes, size_t max_keys);
void hm_sync_ptrx_free(hm_sync_ptrx *t);
/* Appends one event's bytes (its position in the binlog for messages). HM_EFULL-like failure
 * (HM_ENOMEM) past max_bytes. */
hm_code hm_sync_ptrx_add(hm_sync_ptrx *t, const uint8_t *raw, uint32_t size, uint64_t pos);
void hm_sync_ptrx_key(void *t, uint64_t key); /* a deps emit function: ud is the transaction */
/* Iterates the events: *off starts at 0; false after the last. */
bool hm_sync_ptrx_next(const hm_sync_ptrx *t, size_t *off, const uint8_t **raw, uint32_t *size, uint64_t *pos);

/* Adds g to set (kind 0: nothing). */
hm_code hm_sync_trx_gtid_add(void *gtid_set, const hm_sync_trx_gtid *g, hm_err *err);

typedef struct hm_sync_par hm_sync_par;

typedef struct hm_sync_par_opts {
    const hm_endpoint *target;   /* borrowed for the call */
    unsigned workers;            /* 1..64 */
    unsigned window;             /* transactions in flight at most */
    size_t max_bytes;            /* bytes of buffered transactions in flight at most */
    unsigned max_group_trx;      /* transactions per worker commit at most */
    hm_sync_pos lwm;             /* where the run starts: the low-water mark */
    const char *lwm_gtid;        /* its GTID set (borrowed for the call) */
    const hm_sync_pos *above0;   /* committed already above lwm: kept in worker 0's row until the
                                    mark passes them (borrowed for the call) */
    size_t nabove0;
    const atomic_bool *cancel;   /* the reader's waits end when it is set */
    /* Tables whose definitions each worker loads while it has nothing to do, so that its first
     * change to one does not wait for that (information_schema, tens of ms): warm_db[i] and
     * warm_table[i], nwarm of them. Borrowed: valid until hm_sync_par_stop(). May be empty. */
    const char *const *warm_db, *const *warm_table;
    size_t nwarm;
} hm_sync_par_opts;

/* Opens the workers' connections (rows of hotmig_meta.sync_worker 0..workers-1 must exist) and
 * starts them. NULL with err filled. */
hm_sync_par *hm_sync_par_start(const hm_sync_par_opts *o, hm_err *err);
/* Stops the workers: a group not yet committed is rolled back. Frees everything. NULL: no-op. */
void hm_sync_par_stop(hm_sync_par *p);

/* Numbers t, records its keys and hands it to the workers, waiting first for room (window,
 * bytes). Takes t in every case. A worker's error, or HM_ECANCELLED. */
hm_code hm_sync_par_submit(hm_sync_par *p, hm_sync_ptrx *t, hm_err *err);
/* A transaction committed already (the resume's skip set): numbered and done at once. */
hm_code hm_sync_par_skip(hm_sync_par *p, const hm_sync_pos *end, const hm_sync_trx_gtid *g, hm_err *err);
/* A barrier: numbered, then waits until every transaction before it is committed. *seq for
 * hm_sync_par_barrier_end, which the reader calls once it has committed it on its own path. */
hm_code hm_sync_par_barrier_begin(hm_sync_par *p, uint64_t *seq, hm_err *err);
/* The barrier committed, ending at end with GTID g. ddl: the workers forget table definitions. */
void hm_sync_par_barrier_end(hm_sync_par *p, uint64_t seq, const hm_sync_pos *end, const hm_sync_trx_gtid *g,
                             bool ddl);
/* Waits until everything submitted is committed. */
hm_code hm_sync_par_drain(hm_sync_par *p, hm_err *err);
/* The low-water mark and its GTID set's text (into gtid, reset first). */
hm_code hm_sync_par_lwm(hm_sync_par *p, hm_sync_pos *lwm, hm_buf *gtid, hm_err *err);
/* Stopping: waits up to `seconds` (cancel or not) for what was submitted to be committed; whether
 * it all was (and no worker failed). */
bool hm_sync_par_quiesce(hm_sync_par *p, double seconds);
/* A worker's error (HM_OK when none). */
hm_code hm_sync_par_error(hm_sync_par *p, hm_err *err);

typedef struct hm_sync_par_stats {
    hm_sync_pos lwm;
    unsigned inflight;           /* submitted (or skipped, or barriers) and not done */
    uint64_t rows;               /* rows committed by the workers */
    uint64_t trx;                /* transactions committed by the workers */
} hm_sync_par_stats;
void hm_sync_par_get_stats(hm_sync_par *p, hm_sync_par_stats *st);

/* Whether the sync follows its source (no backlog): a worker then commits what it holds once it
 * is 2 ms old, not 100 ms (a group that keeps finding work would hold its first transaction
 * back). Called by the reader as its phase changes. */
void hm_sync_par_following(hm_sync_par *p, bool following);

#endif
