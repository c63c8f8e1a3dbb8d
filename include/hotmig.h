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
    hm_progress_fn progress;    /* may be NULL; called from the thread running hm_copy_run */
    void *progress_ud;
    unsigned progress_interval_ms; /* 0: 1000 */
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

#endif
