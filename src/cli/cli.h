/*
 * cli/cli.h: the command-line front's own pieces: argument parsing (args.c) and progress
 * rendering (progress.c). main.c wires them to the engine. Nothing here is used by the engine.
 */
#ifndef HM_CLI_H
#define HM_CLI_H

#include <stdio.h>

#include "db/uri.h"
#include "hotmig.h"

typedef enum { HM_PROGRESS_AUTO, HM_PROGRESS_BAR, HM_PROGRESS_LINES, HM_PROGRESS_JSON, HM_PROGRESS_NONE } hm_progress_mode;

typedef struct hm_cli {
    const char *command;
    hm_uri source, target; /* owned */
    const char **include, **exclude; /* arrays owned, strings borrowed from argv */
    size_t n_include, n_exclude;
    unsigned threads;
    unsigned long long chunk_rows, max_rows_per_sec;
    hm_write_method write_method;
    hm_progress_mode progress;
    const char *mode;          /* "full" or "full+incremental" */
    /* hotmig check */
    unsigned long long target_capacity; /* bytes, 0 = ask the server */
    const char **skip;         /* check item ids, strings borrowed from argv */
    size_t n_skip;
    bool json;
} hm_cli;

/* Commands: each returns the process exit status. */
int hm_cmd_migrate(hm_cli *cli);
int hm_cmd_check(hm_cli *cli);

/* Parses argv. Returns 0 on success, 2 on a usage error (message in err), and -1 for --help or
 * --version (already printed to out). */
int hm_cli_parse(hm_cli *cli, int argc, char **argv, FILE *out, hm_err *err);
void hm_cli_release(hm_cli *cli);
void hm_cli_usage(FILE *f);

typedef struct hm_render {
    hm_progress_mode mode;
    FILE *f;
    double last_line;
    bool bar_drawn;
} hm_render;

void hm_render_init(hm_render *r, hm_progress_mode mode);
unsigned hm_render_interval_ms(const hm_render *r);
void hm_render_progress(const hm_progress *p, void *ud); /* ud: hm_render* */
void hm_render_done(hm_render *r, const hm_copy_result *res, double seconds);
/* Prints the final error line. */
void hm_render_error(hm_render *r, const hm_err *err);

#endif
