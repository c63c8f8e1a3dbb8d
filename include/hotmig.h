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
    X(HM_EINTERNAL, 14, "internal error")                                         \
    X(HM_ESAMESERVER, 15, "source and target are the same server")               \
    X(HM_ETLS, 16, "TLS refused")

typedef enum hm_code {
#define HM__ENUM(name, val, text) name = val,
    HM_ERR_MAP(HM__ENUM)
#undef HM__ENUM
} hm_code;

typedef struct hm_err {
    hm_code code;
    char msg[768];
} hm_err;

/* Whether a new attempt may cure the error: a connection lost or refused, a server restarting
 * (HM_ECONNECT, or the server's "gone away", "lost connection", "shutdown in progress"). A TLS
 * refusal (HM_ETLS), a login refused or a missing privilege are not. hm_sync_run retries these by
 * itself; a front retries hm_copy_run with a new hm_copy (it resumes: nothing is copied twice). */
bool hm_err_retryable(const hm_err *err);

/* Stable name of a code ("HM_EAUTH"), and its default text. Never NULL. */
const char *hm_code_name(hm_code code);
const char *hm_code_text(hm_code code);

/* How a connection uses TLS (URI ?tls=...). A zeroed endpoint means HM_TLS_PREFERRED. */
typedef enum hm_tls_mode {
    HM_TLS_DEFAULT = 0,     /* = HM_TLS_PREFERRED */
    HM_TLS_DISABLED,        /* never */
    HM_TLS_PREFERRED,       /* when the server offers it, certificate not verified */
    HM_TLS_REQUIRED,        /* always; refused when the server does not offer it; not verified */
    HM_TLS_VERIFY_CA,       /* required, and the certificate must chain to tls_ca */
    HM_TLS_VERIFY_IDENTITY  /* verify-ca, and the certificate must name the host connected to */
} hm_tls_mode;

/* "disabled", "preferred", ... (HM_TLS_DEFAULT: "preferred"). Never NULL. */
const char *hm_tls_mode_name(hm_tls_mode m);

/* A server to connect to. password may be NULL (no password). The TLS fields come last and may
 * be left zero (preferred, no files): fronts built before them keep working. */
typedef struct hm_endpoint {
    const char *host;
    unsigned port;
    const char *user;
    const char *password;
    hm_tls_mode tls;
    const char *tls_ca;     /* PEM file of the CA(s) to verify the server with; NULL: none */
    const char *tls_cert;   /* PEM client certificate, for a server that asks for one (REQUIRE X509) */
    const char *tls_key;    /* its private key */
} hm_endpoint;

/* Refuses (HM_ESAMESERVER, one line naming the server) when source and target reach one server
 * (the same URI, two addresses of one server, a proxy in front of it): the precheck would
 * otherwise answer about "the target" with the source's tables. Connects to both (connection
 * errors are returned as they are: HM_ECONNECT, HM_EAUTH, ...), writes nothing. HM_OK when they
 * are two servers. */
hm_code hm_servers_distinct(const hm_endpoint *source, const hm_endpoint *target, hm_err *err);

typedef enum hm_stage {
    HM_STAGE_CONNECT = 0,
    HM_STAGE_SNAPSHOT,
    HM_STAGE_SCHEMA,
    HM_STAGE_DATA,
    HM_STAGE_OBJECTS, /* views, routines, triggers, events: after the data */
    HM_STAGE_DONE,
    HM_STAGE_VERIFY   /* hm_verify: comparing chunks */
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

#define HM_SYNC_APPLY_THREADS_DEFAULT 4 /* at most: fewer when the target allows fewer than 32 connections */
#define HM_SYNC_APPLY_THREADS_MAX 64

typedef struct hm_sync_opts {
    hm_endpoint source, target;
    const char *const *include; /* the copy's selection */
    size_t n_include;
    const char *const *exclude;
    size_t n_exclude;
    uint32_t server_id;         /* replica id announced to the source; 0: derived */
    unsigned max_group_trx;     /* source transactions per target commit at most; 0: 2000 */
    unsigned apply_threads;     /* target connections applying independent source transactions in
                                   parallel (1..64); 0: the default (HM_SYNC_APPLY_THREADS_DEFAULT);
                                   1: one applier, in source order */
    unsigned retry_s;           /* give up reconnecting after this long; 0: 3600 */
    hm_sync_progress_fn progress; /* may be NULL; called from the thread running hm_sync_run */
    void *progress_ud;
    unsigned progress_interval_ms; /* 0: 1000 */
    /* May be NULL. Called on the applier's thread when the point asked for by hm_sync_pause_at()
     * is reached: the target has every change through file:pos committed and nothing after it;
     * the applier waits until the callback returns (verification opens its target snapshot). */
    void (*paused)(const char *file, uint64_t pos, void *ud);
    void *paused_ud;
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
/* Asks the applier to pause once it has committed exactly through file:pos (a transaction
 * boundary, e.g. a source snapshot's binlog position) and call opts.paused. One request at a
 * time (ignored while one is pending). Thread- and async-signal-safe. */
void hm_sync_pause_at(hm_sync *s, const char *file, uint64_t pos);
/* Stops soon, keeping the checkpoint. Thread- and async-signal-safe. */
void hm_sync_cancel(hm_sync *s);
void hm_sync_free(hm_sync *s);

/*
 * The precheck (the items and what each means: src/check/check.h): can this migration work, and
 * what must change before it can? hm_check_run() reads both servers (never writes) and answers a
 * fixed list of items, each PASS, WARNING, FAILED or SKIPPED with a one-line message and a fix.
 * A connection failure is an item, not an error of hm_check_run. The report owns its strings.
 */
typedef enum hm_check_result {
    HM_CHECK_PASS = 0,
    HM_CHECK_WARNING,
    HM_CHECK_FAILED,
    HM_CHECK_SKIPPED /* --skip, or not checkable because a connection failed */
} hm_check_result;

typedef struct hm_check_opts {
    hm_endpoint source, target;
    const char *const *include; /* patterns as in hm_copy_opts */
    size_t n_include;
    const char *const *exclude;
    size_t n_exclude;
    bool incremental;           /* --mode full+incremental: the binlog items apply */
    uint64_t target_capacity;   /* free bytes on the target; 0: ask the server */
    const char *const *skip;    /* item ids not to check */
    size_t n_skip;
    unsigned threads;           /* copy workers the migration will use; 0: 4 */
} hm_check_opts;

typedef struct hm_check_item {
    const char *id;             /* static, stable */
    hm_check_result result;
    char *message;              /* owned, one line, never NULL */
    char *fix;                  /* owned, "" when there is nothing to change */
    bool skippable;
    hm_code code;               /* FAILED: the error code that fits (HM_EPRIV, ...); else HM_OK */
} hm_check_item;

typedef struct hm_check_report {
    hm_check_item *items;       /* owned, in the order of the list above */
    size_t n;
    double elapsed_s;
} hm_check_report;

/* Runs every item. HM_OK when the report is complete (whatever the items say); HM_EUSAGE for a
 * bad pattern, an unknown --skip id or a data-safety id in --skip (err names it); HM_ENOMEM.
 * On failure rep is empty. */
hm_code hm_check_run(const hm_check_opts *o, hm_check_report *rep, hm_err *err);
void hm_check_report_release(hm_check_report *rep);

/* Whether some item FAILED. */
bool hm_check_failed(const hm_check_report *rep);

/* "PASS", "WARNING", "FAILED", "SKIPPED". */
const char *hm_check_result_name(hm_check_result r);
/* Failover: the task's source failed over to a replica with the same GTIDs; source is that new
 * primary. Checks that it is not the target, that the copy is finished, and that its binlog holds
 * every transaction the target already applied (else HM_ESOURCE saying so, and what to do), then
 * makes the target's checkpoint its GTID set alone: the next hm_sync_run (with the new source in
 * its options) goes on from there, without copying again. Call it with no sync running on the
 * task. MariaDB sources only. */
hm_code hm_sync_failover(const hm_endpoint *source, const hm_endpoint *target, hm_err *err);

/*
 * Verification: proves the target holds the same rows as the source, table by table.
 *
 * Each table is compared in chunks of its key (primary or NOT NULL unique key), the same key
 * ranges on both servers, each chunk sized to take about half a second. Both servers compute
 * the chunk's row count and the sum of a 64-bit hash of each row's canonical form in SQL, at
 * the same time, so an equal chunk sends two numbers over the network. A chunk whose sums differ
 * is compared again (up to `rechecks` times: the source may have been written meanwhile), then
 * narrowed to rows: each row missing on the target, extra on the target, or changed (with the
 * columns that differ). Tables without a usable key are compared as multisets of rows (slow).
 *
 * Nothing is written to the source; on the target, only to hotmig_meta (verify_run,
 * verify_table, verify_diff), one transaction per chunk: a run killed at any moment and started
 * again with the same selection goes on after the last chunk compared and reports the same
 * answer. A run that ended starts afresh.
 */
typedef enum hm_verify_kind {
    HM_VERIFY_MISSING = 0, /* the source has the row, the target does not */
    HM_VERIFY_EXTRA,       /* the target has a row the source does not */
    HM_VERIFY_CHANGED      /* both have the key; the named columns differ */
} hm_verify_kind;

const char *hm_verify_kind_name(hm_verify_kind k); /* "missing", "extra", "changed" */

/* One difference, handed to the callback; valid only during the call. */
typedef struct hm_verify_diff {
    const char *db, *table;
    hm_verify_kind kind;
    const char *key;     /* "id=5", "(a, b)=('x', 3)"; keyless tables: "row (v1, v2, ...)" */
    const char *columns; /* HM_VERIFY_CHANGED: "a, b"; else "" */
    uint64_t copies;     /* keyless tables: how many copies are missing / extra; else 1 */
} hm_verify_diff;

typedef void (*hm_verify_diff_fn)(const hm_verify_diff *d, void *ud);

/* The steps of a common point with a running sync (see hm_verify_opts.sync_point). */
typedef enum hm_verify_sync_step {
    HM_VERIFY_SYNC_PAUSE = 0, /* the applier pauses at its next transaction boundary */
    HM_VERIFY_SYNC_ADVANCE,   /* the applier goes on to exactly file:pos, and pauses there */
    HM_VERIFY_SYNC_RESUME     /* the applier goes on */
} hm_verify_sync_step;

typedef struct hm_verify_opts {
    hm_endpoint source, target;
    const char *const *include; /* as hm_copy_opts */
    size_t n_include;
    const char *const *exclude;
    size_t n_exclude;
    unsigned threads;           /* tables compared at once (each: one source and two target
                                   connections); 0: 4 */
    uint64_t chunk_rows;        /* fixed rows per chunk; 0: sized to about 0.5 s per chunk */
    uint64_t max_rows_per_sec;  /* 0: unlimited */
    unsigned rechecks;          /* a differing chunk is compared again up to this often before its
                                   rows are reported; 0: 3 */
    const char *fix_sql_path;   /* NULL: none; else the SQL that makes the target equal is written
                                   there (replaced) */
    hm_progress_fn progress;    /* may be NULL; called from the thread running hm_verify_run */
    void *progress_ud;
    unsigned progress_interval_ms; /* 0: 1000 */
    hm_verify_diff_fn diff;     /* may be NULL; every difference, once, after the comparison, in
                                   table order (also those found by an earlier, interrupted run) */
    void *diff_ud;
    /* With a running sync: NULL compares the live tables (re-checking a differing chunk). Else
     * each batch of chunks (about 2 s) is read at a common point: the source's rows inside a
     * consistent snapshot whose binlog coordinates are known, the target's inside a snapshot
     * opened while the applier has committed exactly through them. The engine calls, from its
     * worker thread: PAUSE (return once the applier is paused), takes the source snapshot,
     * ADVANCE with its coordinates (return once the applier has committed exactly through them
     * and paused), opens the target snapshot, RESUME. Tables are then compared one at a time. */
    hm_code (*sync_point)(hm_verify_sync_step step, const char *file, uint64_t pos, void *ud, hm_err *err);
    void *sync_point_ud;
} hm_verify_opts;

typedef struct hm_verify_result {
    unsigned tables_total, tables_equal, tables_differ;
    uint64_t rows_compared;   /* source rows, this run and the interrupted runs it continues */
    uint64_t chunks_compared, chunks_skipped; /* skipped: done by an earlier interrupted run */
    uint64_t rechecks;        /* chunks compared again because they differed at first */
    uint64_t missing, extra, changed; /* rows (keyless: copies) */
    bool resumed;
    bool source_written;      /* a re-check saw the source change: it was being written */
    char differ[1024];        /* "db.t, db.u" (may end in "...") */
    char written[1024];       /* tables whose source changed during re-checks */
    char slow[1024];          /* tables without a usable key, compared as multisets */
    uint64_t fix_statements;  /* written to fix_sql_path */
    uint64_t common_points;   /* with sync_point: batches compared at a common point */
    double pause_ms_max;      /* with sync_point: the applier's longest pause */
} hm_verify_result;

typedef struct hm_verify hm_verify;

hm_verify *hm_verify_new(const hm_verify_opts *opts, hm_err *err);
/* Compares everything selected. HM_OK when the comparison ran to the end, equal or not (the
 * result says which); an error code when it could not (a table that could not be compared is an
 * error). Safe to call once. */
hm_code hm_verify_run(hm_verify *v, hm_verify_result *res, hm_err *err);
/* Stops soon (HM_ECANCELLED); what was compared stays recorded. Thread- and signal-safe. */
void hm_verify_cancel(hm_verify *v);
void hm_verify_free(hm_verify *v);

#endif
