/*
 * cli/cli.h: the command-line front's own pieces: argument parsing (args.c) and progress
 * rendering (progress.c). main.c wires them to the engine. Nothing here is used by the engine.
 */
#ifndef HM_CLI_H
#define HM_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "db/uri.h"
#include "hotmig.h"

typedef enum { HM_PROGRESS_AUTO, HM_PROGRESS_BAR, HM_PROGRESS_LINES, HM_PROGRESS_JSON, HM_PROGRESS_NONE } hm_progress_mode;

typedef struct hm_cli {
    const char *command;
    hm_uri source, target; /* owned */
    const char **include, **exclude; /* arrays owned, strings borrowed from argv */
    size_t n_include, n_exclude;
    unsigned threads;
    unsigned apply_threads;    /* --apply-threads, 0: not given (the engine's default) */
    unsigned long long chunk_rows, max_rows_per_sec;
    hm_write_method write_method;
    hm_defer_indexes defer_indexes;
    hm_progress_mode progress;
    const char *mode;          /* "full" or "full+incremental" */
    /* hotmig check */
    unsigned long long target_capacity; /* bytes, 0 = ask the server */
    const char **skip;         /* check item ids, strings borrowed from argv */
    size_t n_skip;
    bool json;
    /* --mode full+incremental, and status / finish / stop / resume */
    const char *state_dir;     /* default "hotmig-state" */
    const char *source_password_file, *target_password_file; /* borrowed, kept in the task */
    unsigned long long timeout_s; /* finish, stop: how long to wait; 0 = no limit */
    bool lock_source;          /* finish: set the source read-only first */
    bool new_source;           /* resume --source URI: the task's source failed over to URI */
    const char *fix_sql;       /* verify: where to write the fix SQL (borrowed), NULL: none */
    bool state_dir_given;      /* verify: --state-dir was given (compare at common points) */
} hm_cli;

/* Commands: each returns the process exit status (0 done, 1 failed, 2 usage, 3 stopped on
 * request with the checkpoint kept). */
int hm_cmd_migrate(hm_cli *cli);
int hm_cmd_check(hm_cli *cli);
int hm_cmd_status(hm_cli *cli);
int hm_cmd_finish(hm_cli *cli);
int hm_cmd_stop(hm_cli *cli);
/* `hotmig task ...`: the client of hotmigd's API (cmd_task.c); parses argv itself. */
int hm_cmd_task(int argc, char **argv);
int hm_cmd_verify(hm_cli *cli); /* 0 equal, 1 differs or failed, 2 usage */

/* `hotmig resume --state-dir DIR [options]`: the arguments of the task's migrate command, read
 * from DIR/task.json, followed by argv[2..]. *out_argv (and the strings, held by *owner: free
 * both with hm_cli_resume_free) replaces argv. Returns 0, or 2 with err filled. */
int hm_cli_resume_argv(int argc, char **argv, int *out_argc, char ***out_argv, void **owner, hm_err *err);
void hm_cli_resume_free(char **argv, void *owner);

/* Parses argv. Returns 0 on success, 2 on a usage error (message in err), and -1 for --help or
 * --version (already printed to out). */
int hm_cli_parse(hm_cli *cli, int argc, char **argv, FILE *out, hm_err *err);
void hm_cli_release(hm_cli *cli);
/* The engine's view of a parsed URI (strings borrowed from u). */
hm_endpoint hm_cli_endpoint(const hm_uri *u);
void hm_cli_usage(FILE *f);

typedef struct hm_render {
    hm_progress_mode mode;
    FILE *f;
    double last_line;
    bool bar_drawn;
    size_t slow_noted;  /* bytes of hm_sync_progress.slow_tables already reported */
} hm_render;

void hm_render_init(hm_render *r, hm_progress_mode mode);
unsigned hm_render_interval_ms(const hm_render *r);
void hm_render_progress(const hm_progress *p, void *ud); /* ud: hm_render* */
void hm_render_done(hm_render *r, const hm_copy_result *res, double seconds);
/* Prints the final error line. */
void hm_render_error(hm_render *r, const hm_err *err);
void hm_render_sync(const hm_sync_progress *p, void *ud); /* ud: hm_render* */
/* The sync's progress as a JSON object (new reference): the "sync" object of status.json, and
 * the fields of a --progress json "sync" event. */
json_t *hm_render_sync_json(const hm_sync_progress *p);
void hm_render_sync_done(hm_render *r, const hm_sync_result *res);

/*
 * The state directory of a full+incremental task (statedir.c): task.json (the migrate command's
 * arguments, passwords never), lock (held by the running hotmig, flock), pid, status.json
 * (written atomically about every second: phase, progress, checkpoint, lag, final position).
 */
typedef struct hm_statedir {
    char path[4096];
    int lock_fd;               /* -1 when not held */
} hm_statedir;

/* Creates the directory (0700) when missing and takes its lock. 1 (err filled) when another
 * hotmig holds it, or on an I/O error. */
int hm_statedir_open(hm_statedir *d, const char *path, hm_err *err);
/* Writes task.json, or checks that it names this task (source, target, selection, mode). */
int hm_statedir_task(hm_statedir *d, const hm_cli *cli, hm_err *err);
/* Replaces status.json with o (stolen). */
void hm_statedir_status(hm_statedir *d, void *json_obj);
void hm_statedir_close(hm_statedir *d);
/* pid of the hotmig running the task in dir, 0 when none. */
long hm_statedir_runner(const char *dir);
/* Parses dir/name as JSON (a json_t *, the caller decrefs); NULL with err filled. */
void *hm_statedir_read(const char *dir, const char *name, hm_err *err);

/* The common point between verify and a running sync, through files in the state directory
 * (cpoint.c). hm_cpoint_paused: the sync's side (from hm_sync_opts.paused); hm_cpoint_step:
 * verify's (hm_verify_opts.sync_point, ud the directory). */
void hm_cpoint_paused(hm_sync *s, const char *dir, const char *file, uint64_t pos);
hm_code hm_cpoint_step(hm_verify_sync_step step, const char *file, uint64_t pos, void *ud, hm_err *err);

#endif
