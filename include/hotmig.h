/*
 * hotmig.h: the public API of libhotmig, the migration engine.
 *
 * The engine has no I/O policy of its own: it never prints, never exits and never reads the
 * environment. A front (the CLI today, the daemon later) fills an hm_copy_opts, calls
 * hm_copy_run() and renders the hm_progress snapshots it is handed through the callback.
 *
 * Errors: every fallible call returns an hm_code (HM_OK == 0) and fills the caller's hm_err,
 * which is left untouched on success so that calls can be chained. hm_err.msg is one line
 * saying what failed, why, and what to do; it never contains a password.
 *
 * Ownership: strings in hm_copy_opts are borrowed for the duration of the call. Nothing the
 * engine hands back through a callback outlives the callback.
 */
#ifndef HOTMIG_H
#define HOTMIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HM_VERSION "0.1.0"

/* One table of error codes (HM_ERR_MAP), libuv-style: code, name, default text. */
#define HM_ERR_MAP(X)                                                              \
    X(HM_OK, 0, "success")                                                         \
    X(HM_EUSAGE, 1, "invalid argument")                                            \
    X(HM_ENOMEM, 2, "out of memory")                                               \
    X(HM_ECONNECT, 3, "cannot connect")                                            \
    X(HM_EAUTH, 4, "access denied")                                                \
    X(HM_EPRIV, 5, "missing privilege")                                            \
    X(HM_ECONFLICT, 6, "target already holds objects being migrated")              \
    X(HM_EPATTERN, 7, "pattern matches nothing")                                   \
    X(HM_ESOURCE, 8, "source server error")                                        \
    X(HM_ETARGET, 9, "target server error")                                        \
    X(HM_ESNAPSHOT, 10, "cannot take a consistent snapshot")                       \
    X(HM_ECANCELLED, 11, "cancelled")                                              \
    X(HM_EIO, 12, "I/O error")                                                     \
    X(HM_ESTATE, 13, "saved state does not match this task")                       \
    X(HM_EINTERNAL, 14, "internal error")

typedef enum hm_code {
#define HM__ENUM(name, val, text) name = val,
    HM_ERR_MAP(HM__ENUM)
#undef HM__ENUM
} hm_code;

typedef struct hm_err {
    hm_code code;
    char msg[768];
} hm_err;

/* Stable name of a code ("HM_EAUTH"), and its default text. Never NULL. */
const char *hm_code_name(hm_code code);
const char *hm_code_text(hm_code code);

/* A server to connect to. password may be NULL (no password). */
typedef struct hm_endpoint {
    const char *host;
    unsigned port;
    const char *user;
    const char *password;
} hm_endpoint;

typedef enum hm_stage {
    HM_STAGE_CONNECT = 0,
    HM_STAGE_SNAPSHOT,
    HM_STAGE_SCHEMA,
    HM_STAGE_DATA,
    HM_STAGE_OBJECTS, /* views, routines, triggers, events: after the data */
    HM_STAGE_DONE
} hm_stage;

const char *hm_stage_name(hm_stage stage);

/* A snapshot of progress, handed to the callback; valid only during the call. */
typedef struct hm_progress {
    hm_stage stage;
    unsigned tables_total, tables_done;
    uint64_t rows_done, rows_estimated;
    uint64_t bytes_done;
    double elapsed_s;
    double bytes_per_sec; /* over the last few seconds */
    double eta_s;         /* < 0 when unknown */
    bool resumed;         /* this run continues an earlier one */
    unsigned tables_indexing; /* tables loaded whose secondary indexes are being built */
} hm_progress;

typedef void (*hm_progress_fn)(const hm_progress *p, void *ud);

/* What is particular about a table: caveats (no usable key, not snapshot-safe engine, history
 * not copied) are reported in hm_copy_result.flagged; a sequence is only told apart. */
typedef enum hm_flag {
    HM_FLAG_NO_KEY = 1,     /* copied as one stream: no primary or NOT NULL unique key */
    HM_FLAG_NON_INNODB = 2, /* engine is not transactional: not covered by the snapshot */
    HM_FLAG_SEQUENCE = 4,   /* a MariaDB SEQUENCE: created before the tables (a DEFAULT may call
                               NEXTVAL), its one row copied, so the target goes on where the source
                               would after a restart (next_not_cached_value) */
    HM_FLAG_VERSIONED = 8   /* system-versioned: current rows copied, history rows not */
} hm_flag;

typedef enum hm_write_method {
    HM_WRITE_AUTO = 0, /* LOAD DATA LOCAL when the target allows it, else INSERT */
    HM_WRITE_LOAD,
    HM_WRITE_INSERT
} hm_write_method;

/* When a table's secondary indexes (and FULLTEXT, SPATIAL, foreign keys) are built: with the
 * table, or by one ALTER TABLE after its rows are loaded (InnoDB then sorts instead of inserting
 * row by row; primary and unique keys are always in place from the start). */
typedef enum hm_defer_indexes {
    HM_DEFER_AUTO = 0, /* after the data for tables large enough to gain from it */
    HM_DEFER_ALWAYS,   /* after the data for every table that has such indexes */
    HM_DEFER_NEVER     /* with the table */
} hm_defer_indexes;

typedef struct hm_copy_opts {
    hm_endpoint source, target;
    const char *const *include; /* patterns: "db", "db.table", '*' and '?' wildcards */
    size_t n_include;           /* 0: everything but the system schemas */
    const char *const *exclude;
    size_t n_exclude;
    unsigned threads;           /* 0: 4 */
    uint64_t chunk_rows;        /* 0: about 16 MiB of rows, from the table's average row length */
    uint64_t max_rows_per_sec;  /* 0: unlimited */
    hm_write_method write_method;
    hm_defer_indexes defer_indexes;
    hm_progress_fn progress;    /* may be NULL; called from the thread running hm_copy_run */
    void *progress_ud;
    unsigned progress_interval_ms; /* 0: 1000 */
    /* For a copy that incremental sync (hm_sync) follows:
     *  - triggers and events are not created (hm_sync creates them at finish: a trigger on the
     *    target would act a second time on changes the binlog already carries);
     *  - a resumed run recopies, whole, every table it had not finished, so that each table
     *    comes from one snapshot (hm_sync skips a table's changes up to its own snapshot). */
    bool incremental;
} hm_copy_opts;

/* What a finished (or failed) copy reports. */
typedef struct hm_copy_result {
    char binlog_file[256]; /* snapshot coordinates, for the incremental phase */
    uint64_t binlog_pos;
    char gtid_set[1024];
    double lock_held_ms;     /* how long any global lock was held (0 when none) */
    const char *snapshot_method; /* static string: how the snapshot was taken */
    unsigned snapshot_attempts;  /* lock-free tries needed (0 when a lock was used) */
    unsigned tables_copied;
    uint64_t rows_copied;
    uint64_t bytes_copied;
    unsigned chunks_skipped; /* chunks found done by an earlier run */
    bool resumed;
    char flagged[1024];      /* "db.t (no key), db.u (MyISAM)", may be truncated with "..." */
    const char *write_method; /* "load" or "insert" */
} hm_copy_result;

typedef struct hm_copy hm_copy;

/* Creates a copy task. Returns NULL and fills err on bad options. Free with hm_copy_free(). */
hm_copy *hm_copy_new(const hm_copy_opts *opts, hm_err *err);

/* Runs the copy to the end. Safe to call once per hm_copy. Resumes an earlier interrupted run
 * with the same selection found in the target's hotmig_meta. */
hm_code hm_copy_run(hm_copy *c, hm_copy_result *res, hm_err *err);

/* Asks a running copy to stop soon; thread- and signal-safe. hm_copy_run returns HM_ECANCELLED. */
void hm_copy_cancel(hm_copy *c);

void hm_copy_free(hm_copy *c);

/*
 * Incremental sync: after a copy (hm_copy_opts.incremental), the target follows the source's
 * binlog from the copy's snapshot until hm_sync_finish() or hm_sync_cancel().
 *
 * hm_sync_run() reads the binlog as a replica and applies, in source commit order, the row
 * changes and DDL of the selected tables, grouping source transactions into target
 * transactions; each target transaction also moves the checkpoint (hotmig_meta.sync_state), so
 * that a crash at any moment neither loses nor repeats a change, and a new hm_sync_run() goes on
 * from there. A lost source or target connection is retried with backoff, from the checkpoint.
 * Triggers and events are created at finish (the binlog already carries their effects).
 */
typedef enum hm_sync_phase {
    HM_SYNC_STARTING = 0,
    HM_SYNC_CATCHING_UP,  /* applying a backlog */
    HM_SYNC_FOLLOWING,    /* caught up: applying as the source writes */
    HM_SYNC_FINISHING,    /* applying through the source's position at the finish request */
    HM_SYNC_FINISHED,
    HM_SYNC_RECONNECTING  /* a connection was lost; retrying from the checkpoint */
} hm_sync_phase;

const char *hm_sync_phase_name(hm_sync_phase p);

typedef struct hm_sync_progress {
    hm_sync_phase phase;
    const char *file;         /* applied (committed) through file:pos */
    uint64_t pos;
    const char *gtid_set;     /* applied through, "" when the source has no GTIDs */
    double lag_s;             /* now minus the last applied event's time; 0 when caught up */
    uint64_t lag_bytes;       /* binlog bytes the source has written past the checkpoint */
    bool lag_bytes_known;
    uint64_t trx_applied, rows_applied; /* since the sync began (all runs) */
    double trx_per_sec, rows_per_sec;   /* over the last interval */
    double elapsed_s;
    unsigned reconnects;
    const char *last_error;   /* while RECONNECTING: why; else NULL */
    const char *slow_tables;  /* "db.t, db.u": tables without a key changes were applied to, each
                                 row matched on all its columns (slow); NULL when none */
    uint64_t keyless_rows;    /* rows so matched (this process) */
} hm_sync_progress;

typedef void (*hm_sync_progress_fn)(const hm_sync_progress *p, void *ud);

typedef struct hm_sync_opts {
    hm_endpoint source, target;
    const char *const *include; /* the copy's selection */
    size_t n_include;
    const char *const *exclude;
    size_t n_exclude;
    uint32_t server_id;         /* replica id announced to the source; 0: derived */
    unsigned max_group_trx;     /* source transactions per target commit at most; 0: 2000 */
    unsigned retry_s;           /* give up reconnecting after this long; 0: 3600 */
    hm_sync_progress_fn progress; /* may be NULL; called from the thread running hm_sync_run */
    void *progress_ud;
    unsigned progress_interval_ms; /* 0: 1000 */
} hm_sync_opts;

typedef struct hm_sync_result {
    bool finished;            /* false: cancelled (the checkpoint stays) */
    char file[256];           /* finished: the source's position at the cut-over; cancelled: the
                                 checkpoint */
    uint64_t pos;
    char gtid_set[2048];
    uint64_t trx_applied, rows_applied;
    size_t deferred_created;  /* triggers and events created at finish */
    bool source_locked;       /* finished with the source set read-only */
} hm_sync_result;

typedef struct hm_sync hm_sync;

hm_sync *hm_sync_new(const hm_sync_opts *opts, hm_err *err);
/* Follows the source until finished (HM_OK) or cancelled (HM_ECANCELLED; res says where). */
hm_code hm_sync_run(hm_sync *s, hm_sync_result *res, hm_err *err);
/* Cut-over: the source's current binlog end is taken as the goal; hm_sync_run returns once it is
 * applied. Stop the application's writes first. Thread- and async-signal-safe. */
void hm_sync_finish(hm_sync *s);
/* hm_sync_finish(), after setting the source read-only (SET GLOBAL read_only = ON; it stays so):
 * no write can come in after the goal is taken. Thread- and async-signal-safe. */
void hm_sync_finish_lock_source(hm_sync *s);
/* Stops soon, keeping the checkpoint. Thread- and async-signal-safe. */
void hm_sync_cancel(hm_sync *s);
void hm_sync_free(hm_sync *s);

#endif
