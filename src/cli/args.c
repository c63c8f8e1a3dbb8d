/*
 * cli/args.c: command-line parsing for `hotmig migrate`. Owns the parsed URIs (passwords
 * included, wiped on release) and the pattern arrays.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/err.h"

void hm_cli_usage(FILE *f)
{
    fputs("usage: hotmig migrate --source URI --target URI [options]\n"
          "       hotmig status  [--state-dir DIR] [--json]\n"
          "       hotmig finish  [--state-dir DIR] [--timeout S] [--lock-source]\n"
          "       hotmig stop    [--state-dir DIR] [--timeout S]\n"
          "       hotmig resume  [--state-dir DIR] [--progress M] [--source/target-password-file F]\n"
          "       hotmig check   --source URI --target URI [--include/--exclude ...] [--mode M]\n"
          "                      [--target-capacity BYTES] [--skip ITEM_ID]... [--json]\n"
          "       hotmig task    list|create|show|check|start|finish|terminate|retry|clean-target|delete|\n"
          "                      events ... [--server URL] [--token-file F] [--json]   (hotmigd's API;\n"
          "                      see hotmig task --help)\n"
          "       hotmig verify  --source URI --target URI [--include/--exclude ...] [--threads N]\n"
          "                      [--chunk-rows N] [--max-rows-per-sec N] [--fix-sql FILE] [--json]\n"
          "                      [--progress M] [--state-dir DIR of a running migrate: compare at\n"
          "                      common points with its sync]\n"
          "\n"
          "Copies a live MySQL/MariaDB database into another server from one consistent snapshot.\n"
          "URI: mysql://USER:PASS@HOST:PORT (PASS may be left out and given by file or environment)\n"
          "\n"
          "  --mode M                     full+incremental (default): copy, then follow the source's\n"
          "                               binlog until hotmig finish; full: copy only\n"
          "  --state-dir DIR              full+incremental: where the task keeps its arguments and\n"
          "                               status, for status/finish/stop/resume (default hotmig-state)\n"
          "  --include PATTERN            db or db.table, * and ? wildcards; repeatable (default: all)\n"
          "  --exclude PATTERN            same syntax; repeatable\n"
          "  --threads N                  parallel chunk workers (default 4); check: as migrate will\n"
          "  --apply-threads N            sync: target connections applying independent source\n"
          "                               transactions in parallel, 1..64 (default 1: in order)\n"
          "  --chunk-rows N               rows per chunk (default: about 16 MiB of rows)\n"
          "  --max-rows-per-sec N         throttle reads from the source (default: unlimited)\n"
          "  --write-method M             auto | load | insert (default auto: LOAD DATA LOCAL when the\n"
          "                               target allows it)\n"
          "  --defer-indexes M            auto | always | never: build secondary indexes after a\n"
          "                               table's rows (default auto: for large tables)\n"
          "  --progress M                 auto | bar | lines | json | none (default auto: bar on a\n"
          "                               terminal, lines otherwise)\n"
          "  --source-password-file F     read the source password from F (first line)\n"
          "  --target-password-file F     read the target password from F (first line)\n"
          "Environment: HOTMIG_SOURCE_PASSWORD, HOTMIG_TARGET_PASSWORD.\n"
          "A rerun with the same arguments after an interruption resumes where the copy stopped.\n"
          "Exit status: 0 success, 1 failure, 2 usage error, 3 stopped (hotmig stop or a signal:\n"
          "the checkpoint is kept; hotmig resume goes on).\n"
          "hotmig check answers every migration prerequisite PASS, WARNING or FAILED with the fix;\n"
          "it exits 0 when nothing FAILED, 1 when something did, 2 on a usage error.\n"
          "hotmig verify compares every selected table row by row (chunks hashed on both servers)\n"
          "and names each missing, extra or changed row by key and column; --fix-sql FILE writes\n"
          "the statements that make the target equal. Exit 0 equal, 1 differs or failed, 2 usage.\n",
          f);
}

static int parse_u64(const char *name, const char *v, unsigned long long min, unsigned long long max,
                     unsigned long long *out, hm_err *err)
{
    char *end;
    unsigned long long x;
    errno = 0;
    if (!v || !*v || *v == '-')
        goto bad;
    x = strtoull(v, &end, 10);
    if (errno || *end || x < min || x > max)
        goto bad;
    *out = x;
    return 0;
bad:
    hm_err_set(err, HM_EUSAGE, "%s must be a whole number from %llu to %llu", name, min, max);
    return 2;
}

static int read_password_file(const char *path, char *out, size_t outsz, hm_err *err)
{
    FILE *f = fopen(path, "r");
    size_t n;
    if (!f) {
        hm_err_set(err, HM_EUSAGE, "cannot read password file %s: %s", path, strerror(errno));
        return 2;
    }
    if (!fgets(out, (int)outsz, f))
        out[0] = '\0';
    fclose(f);
    n = strcspn(out, "\r\n");
    out[n] = '\0';
    return 0;
}

static int push(const char ***arr, size_t *n, const char *v, hm_err *err)
{
    const char **p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return 2;
    }
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

/* The password from file > environment > URI. */
static int resolve_password(hm_uri *u, const char *file, const char *env, hm_err *err)
{
    char buf[1024];
    const char *e;
    if (file) {
        if (read_password_file(file, buf, sizeof buf, err))
            return 2;
        if (hm_uri_set_password(u, buf, err) != HM_OK)
            return 2;
        memset(buf, 0, sizeof buf);
    } else if ((e = getenv(env)) != NULL && !u->password) {
        if (hm_uri_set_password(u, e, err) != HM_OK)
            return 2;
    }
    return 0;
}

int hm_cli_parse(hm_cli *cli, int argc, char **argv, FILE *out, hm_err *err)
{
    enum { O_SRC = 256, O_TGT, O_MODE, O_INC, O_EXC, O_THR, O_CHUNK, O_RATE, O_WM, O_PROG, O_SPF, O_TPF, O_HELP, O_VER, O_CAP, O_SKIP, O_JSON, O_STATE, O_TIMEOUT, O_LOCK, O_FIX, O_DEFER, O_APPLY };
    static const struct option opts[] = {
        {"source", required_argument, NULL, O_SRC},
        {"target", required_argument, NULL, O_TGT},
        {"mode", required_argument, NULL, O_MODE},
        {"include", required_argument, NULL, O_INC},
        {"exclude", required_argument, NULL, O_EXC},
        {"threads", required_argument, NULL, O_THR},
        {"apply-threads", required_argument, NULL, O_APPLY},
        {"chunk-rows", required_argument, NULL, O_CHUNK},
        {"max-rows-per-sec", required_argument, NULL, O_RATE},
        {"write-method", required_argument, NULL, O_WM},
        {"defer-indexes", required_argument, NULL, O_DEFER},
        {"progress", required_argument, NULL, O_PROG},
        {"source-password-file", required_argument, NULL, O_SPF},
        {"target-password-file", required_argument, NULL, O_TPF},
        {"target-capacity", required_argument, NULL, O_CAP},
        {"skip", required_argument, NULL, O_SKIP},
        {"json", no_argument, NULL, O_JSON},
        {"state-dir", required_argument, NULL, O_STATE},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"lock-source", no_argument, NULL, O_LOCK},
        {"fix-sql", required_argument, NULL, O_FIX},
        {"help", no_argument, NULL, O_HELP},
        {"version", no_argument, NULL, O_VER},
        {NULL, 0, NULL, 0},
    };
    const char *src = NULL, *tgt = NULL, *spf = NULL, *tpf = NULL;
    unsigned long long v;
    int c;

    memset(cli, 0, sizeof *cli);
    cli->mode = NULL; /* default by command, below */
    if (argc < 2) {
        hm_err_set(err, HM_EUSAGE, "no command given; try: hotmig migrate --help");
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        hm_cli_usage(out);
        return -1;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        fprintf(out, "hotmig %s\n", HM_VERSION);
        return -1;
    }
    if (strcmp(argv[1], "migrate") != 0 && strcmp(argv[1], "check") != 0 && strcmp(argv[1], "status") != 0 &&
        strcmp(argv[1], "finish") != 0 && strcmp(argv[1], "stop") != 0 && strcmp(argv[1], "verify") != 0) {
        hm_err_set(err, HM_EUSAGE, "unknown command '%s'; the commands are: migrate, check, status, finish, "
                                   "stop, resume, verify, task", argv[1]);
        return 2;
    }
    cli->command = argv[1];
    optind = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_SRC: src = optarg; break;
        case O_TGT: tgt = optarg; break;
        case O_MODE:
            if (strcmp(optarg, "full") == 0)
                cli->mode = "full";
            else if (strcmp(optarg, "full+incremental") == 0)
                cli->mode = "full+incremental";
            else {
                hm_err_set(err, HM_EUSAGE, "--mode must be full or full+incremental");
                return 2;
            }
            break;
        case O_INC:
            if (push(&cli->include, &cli->n_include, optarg, err))
                return 2;
            break;
        case O_EXC:
            if (push(&cli->exclude, &cli->n_exclude, optarg, err))
                return 2;
            break;
        case O_THR:
            if (parse_u64("--threads", optarg, 1, 256, &v, err))
                return 2;
            cli->threads = (unsigned)v;
            break;
        case O_APPLY:
            if (parse_u64("--apply-threads", optarg, 1, HM_SYNC_APPLY_THREADS_MAX, &v, err))
                return 2;
            cli->apply_threads = (unsigned)v;
            break;
        case O_CHUNK:
            if (parse_u64("--chunk-rows", optarg, 1, 100000000ULL, &cli->chunk_rows, err))
                return 2;
            break;
        case O_RATE:
            if (parse_u64("--max-rows-per-sec", optarg, 1, 1000000000ULL, &cli->max_rows_per_sec, err))
                return 2;
            break;
        case O_WM:
            if (strcmp(optarg, "auto") == 0) cli->write_method = HM_WRITE_AUTO;
            else if (strcmp(optarg, "load") == 0) cli->write_method = HM_WRITE_LOAD;
            else if (strcmp(optarg, "insert") == 0) cli->write_method = HM_WRITE_INSERT;
            else {
                hm_err_set(err, HM_EUSAGE, "--write-method must be auto, load or insert");
                return 2;
            }
            break;
        case O_DEFER:
            if (strcmp(optarg, "auto") == 0) cli->defer_indexes = HM_DEFER_AUTO;
            else if (strcmp(optarg, "always") == 0) cli->defer_indexes = HM_DEFER_ALWAYS;
            else if (strcmp(optarg, "never") == 0) cli->defer_indexes = HM_DEFER_NEVER;
            else {
                hm_err_set(err, HM_EUSAGE, "--defer-indexes must be auto, always or never");
                return 2;
            }
            break;
        case O_PROG:
            if (strcmp(optarg, "auto") == 0) cli->progress = HM_PROGRESS_AUTO;
            else if (strcmp(optarg, "bar") == 0) cli->progress = HM_PROGRESS_BAR;
            else if (strcmp(optarg, "lines") == 0) cli->progress = HM_PROGRESS_LINES;
            else if (strcmp(optarg, "json") == 0) cli->progress = HM_PROGRESS_JSON;
            else if (strcmp(optarg, "none") == 0) cli->progress = HM_PROGRESS_NONE;
            else {
                hm_err_set(err, HM_EUSAGE, "--progress must be auto, bar, lines, json or none");
                return 2;
            }
            break;
        case O_CAP:
            if (parse_u64("--target-capacity", optarg, 1, ~0ULL, &cli->target_capacity, err))
                return 2;
            break;
        case O_SKIP:
            if (push(&cli->skip, &cli->n_skip, optarg, err))
                return 2;
            break;
        case O_JSON: cli->json = true; break;
        case O_STATE:
            if (!*optarg) {
                hm_err_set(err, HM_EUSAGE, "--state-dir must name a directory");
                return 2;
            }
            cli->state_dir = optarg;
            break;
        case O_LOCK: cli->lock_source = true; break;
        case O_FIX:
            if (!*optarg) {
                hm_err_set(err, HM_EUSAGE, "--fix-sql must name a file");
                return 2;
            }
            cli->fix_sql = optarg;
            break;
        case O_TIMEOUT:
            if (parse_u64("--timeout", optarg, 1, 31536000ULL, &cli->timeout_s, err))
                return 2;
            break;
        case O_SPF: spf = optarg; break;
        case O_TPF: tpf = optarg; break;
        case O_HELP:
            hm_cli_usage(out);
            return -1;
        case O_VER:
            fprintf(out, "hotmig %s\n", HM_VERSION);
            return -1;
        default:
            hm_err_set(err, HM_EUSAGE, "unknown or incomplete option '%s'; see hotmig migrate --help",
                       argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        hm_err_set(err, HM_EUSAGE, "unexpected argument '%s'; see hotmig migrate --help", argv[optind]);
        return 2;
    }
    if (cli->fix_sql && strcmp(cli->command, "verify") != 0) {
        hm_err_set(err, HM_EUSAGE, "--fix-sql belongs to hotmig verify");
        return 2;
    }
    if (strcmp(cli->command, "verify") == 0) {
        if (cli->mode || cli->write_method || cli->target_capacity || cli->n_skip || cli->apply_threads) {
            hm_err_set(err, HM_EUSAGE, "hotmig verify takes --source, --target, --include, --exclude, --threads, "
                                       "--chunk-rows, --max-rows-per-sec, --fix-sql, --json and --progress");
            return 2;
        }
    }
    cli->state_dir_given = cli->state_dir != NULL;
    if (!cli->state_dir)
        cli->state_dir = "hotmig-state";
    if (cli->lock_source && strcmp(cli->command, "finish") != 0) {
        hm_err_set(err, HM_EUSAGE, "--lock-source belongs to hotmig finish");
        return 2;
    }
    if (strcmp(cli->command, "status") == 0 || strcmp(cli->command, "finish") == 0 ||
        strcmp(cli->command, "stop") == 0) {
        if (src || tgt || cli->n_include || cli->n_exclude || cli->mode || cli->threads || cli->n_skip ||
            cli->apply_threads) {
            hm_err_set(err, HM_EUSAGE, "hotmig %s takes --state-dir DIR (and --json, --timeout S) only: the task's "
                                       "other settings are in DIR", cli->command);
            return 2;
        }
        return 0;
    }
    if (cli->timeout_s) {
        hm_err_set(err, HM_EUSAGE, "--timeout belongs to hotmig finish and hotmig stop");
        return 2;
    }
    if (strcmp(cli->command, "migrate") == 0 && (cli->target_capacity || cli->n_skip || cli->json)) {
        hm_err_set(err, HM_EUSAGE, "--target-capacity, --skip and --json belong to hotmig check");
        return 2;
    }
    if (strcmp(cli->command, "check") == 0 &&
        (cli->chunk_rows || cli->max_rows_per_sec || cli->write_method || cli->progress ||
         cli->defer_indexes || cli->apply_threads)) {
        hm_err_set(err, HM_EUSAGE, "--chunk-rows, --max-rows-per-sec, --write-method, --defer-indexes, --apply-threads and --progress "
                                   "belong to hotmig migrate");
        return 2;
    }
    if (!cli->mode)
        cli->mode = "full+incremental";
    if (!src || !tgt) {
        hm_err_set(err, HM_EUSAGE, "--source and --target are both required");
        return 2;
    }
    if (hm_uri_parse(src, &cli->source, err) != HM_OK) {
        hm_err_prefix(err, "--source");
        return 2;
    }
    if (hm_uri_parse(tgt, &cli->target, err) != HM_OK) {
        hm_err_prefix(err, "--target");
        return 2;
    }
    cli->source_password_file = spf;
    cli->target_password_file = tpf;
    if (resolve_password(&cli->source, spf, "HOTMIG_SOURCE_PASSWORD", err) ||
        resolve_password(&cli->target, tpf, "HOTMIG_TARGET_PASSWORD", err))
        return 2;
    return 0;
}

void hm_cli_release(hm_cli *cli)
{
    hm_uri_release(&cli->source);
    hm_uri_release(&cli->target);
    free(cli->include);
    free(cli->exclude);
    free(cli->skip);
    memset(cli, 0, sizeof *cli);
}

hm_endpoint hm_cli_endpoint(const hm_uri *u)
{
    return (hm_endpoint){u->host, u->port, u->user, u->password, u->tls, u->tls_ca, u->tls_cert, u->tls_key};
}
