/*
 * service/store.h: hotmigd's durable state: tasks, their events and progress samples, console
 * users. The one module that knows the storage engine (SQLite today, in WAL mode; a later step
 * puts a shared MariaDB/Galera store with leases behind the same calls): nothing outside store.c
 * includes sqlite3.h or writes SQL for the store.
 *
 * The store knows no JSON and no task semantics: a task is a row of plain fields (texts the core
 * encodes, opaque sealed password blobs). Every call is one statement or one transaction, so a
 * crash (kill -9) leaves either the old or the new row.
 *
 * Threads: an hm_store serialises its calls with its own mutex; callbacks run under it and must
 * not call the store again.
 *
 * Ownership: strings in an hm_store_task handed to the store are borrowed; those handed to a
 * callback live for the callback only.
 */
#ifndef HM_SERVICE_STORE_H
#define HM_SERVICE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hotmig.h"

typedef struct hm_store hm_store;

/* A task as stored. Texts may be NULL (stored NULL). Times are Unix milliseconds. */
typedef struct hm_store_task {
    int64_t id;              /* 0 on insert: the store assigns it */
    const char *name;
    const char *state;
    const char *spec;        /* the settings (JSON text, no password) */
    const unsigned char *src_pw, *tgt_pw; /* sealed passwords, NULL when none */
    size_t src_pw_len, tgt_pw_len;
    const char *check;       /* last precheck (JSON text): read by hm_store_task_each, written
                                by hm_store_task_set_check only */
    const char *progress;    /* progress summary (JSON text) */
    const char *last_error;  /* JSON text */
    const char *final;       /* final position (JSON text) */
    const char *extra;       /* runner bookkeeping (JSON text) */
    int64_t created_at, updated_at, edited_at, start_req_at, start_at;
} hm_store_task;

typedef struct hm_store_event {
    int64_t seq, task_id, at;
    const char *kind, *state, *message, *who, *data; /* data: JSON text or NULL */
} hm_store_event;

/* Opens or creates the store file at path (mode 0600), in WAL mode, and applies the numbered
 * schema migrations it has not seen yet. NULL and err filled on failure. */
hm_store *hm_store_open(const char *path, hm_err *err);
void hm_store_close(hm_store *st);

hm_code hm_store_task_insert(hm_store *st, hm_store_task *t, hm_err *err);
hm_code hm_store_task_update(hm_store *st, const hm_store_task *t, hm_err *err);
/* A task's last precheck report (JSON text): hm_store_task_update never writes it (the core keeps
 * only a summary in memory). *text: malloc'd, NULL when none. */
hm_code hm_store_task_set_check(hm_store *st, int64_t id, const char *text, hm_err *err);
hm_code hm_store_task_check(hm_store *st, int64_t id, char **text, hm_err *err);
/* Deletes the task with its events and samples, in one transaction. */
hm_code hm_store_task_delete(hm_store *st, int64_t id, hm_err *err);
/* Calls fn for every task, by id. fn returns 0 to go on. */
hm_code hm_store_task_each(hm_store *st, int (*fn)(const hm_store_task *t, void *ud), void *ud, hm_err *err);

/* Appends an event; *seq (may be NULL) receives its number (increasing across tasks). */
hm_code hm_store_event_add(hm_store *st, const hm_store_event *ev, int64_t *seq, hm_err *err);
/* Calls fn for the task's events with seq > since, oldest first, at most limit (0: all). */
hm_code hm_store_event_each(hm_store *st, int64_t task_id, int64_t since, unsigned limit,
                            int (*fn)(const hm_store_event *ev, void *ud), void *ud, hm_err *err);

/* Appends a progress sample (JSON text) and thins the task's history: the newest keep samples
 * stay at full resolution, older ones are halved each time the history passes 2 * keep. */
hm_code hm_store_sample_add(hm_store *st, int64_t task_id, int64_t at, const char *data, unsigned keep,
                            hm_err *err);
hm_code hm_store_sample_each(hm_store *st, int64_t task_id, int64_t since,
                             int (*fn)(int64_t at, const char *data, void *ud), void *ud, hm_err *err);

/* Console users: name -> password hash (the core hashes). hash_out "" when unknown. */
hm_code hm_store_user_set(hm_store *st, const char *name, const char *hash, hm_err *err);
hm_code hm_store_user_hash(hm_store *st, const char *name, char *hash_out, size_t outsz, hm_err *err);

/* The schema version the store is at (the number of migrations applied). */
int hm_store_schema_version(hm_store *st);

#endif
