/*
 * cli/statedir.c: the state directory of a full+incremental task (see cli.h): the task's
 * arguments, the runner's lock and pid, its status. Owns the lock's file descriptor.
 *
 * The engine keeps what must survive a crash in the target (hotmig_meta); the state directory is
 * how the commands of one machine find the running hotmig (finish, stop, status) and how a
 * resume knows the task's arguments. Passwords never go into it.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/err.h"

/* Room for a redacted URI kept for resume: user, host and three TLS file names, escaped. */
#define HM_STATEDIR_URI_MAX 8192

static int join(char *out, size_t n, const char *dir, const char *name)
{
    int k = snprintf(out, n, "%s/%s", dir, name);
    return k > 0 && (size_t)k < n ? 0 : -1;
}

int hm_statedir_open(hm_statedir *d, const char *path, hm_err *err)
{
    char p[4200];
    char pid[32];
    int fd;
    memset(d, 0, sizeof *d);
    d->lock_fd = -1;
    if (snprintf(d->path, sizeof d->path, "%s", path) >= (int)sizeof d->path) {
        hm_err_set(err, HM_EUSAGE, "--state-dir is too long");
        return 1;
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        hm_err_set(err, HM_EIO, "cannot create the state directory %s: %s; choose another with --state-dir",
                   path, strerror(errno));
        return 1;
    }
    if (join(p, sizeof p, path, "lock") != 0 || (fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        hm_err_set(err, HM_EIO, "cannot open %s/lock: %s", path, strerror(errno));
        return 1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        long other = hm_statedir_runner(path);
        close(fd);
        hm_err_set(err, HM_ESTATE, "another hotmig (pid %ld) is running the task of %s; see hotmig status "
                   "--state-dir %s", other, path, path);
        return 1;
    }
    d->lock_fd = fd;
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (join(p, sizeof p, path, "pid") == 0) {
        FILE *f = fopen(p, "w");
        if (f) {
            fputs(pid, f);
            fclose(f);
        }
    }
    return 0;
}

void hm_statedir_close(hm_statedir *d)
{
    if (d->lock_fd >= 0)
        close(d->lock_fd); /* releases the lock */
    d->lock_fd = -1;
}

long hm_statedir_runner(const char *dir)
{
    char p[4200], buf[32] = "";
    int fd;
    long pid = 0;
    FILE *f;
    if (join(p, sizeof p, dir, "lock") != 0 || (fd = open(p, O_RDWR | O_CLOEXEC)) < 0)
        return 0;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) { /* nobody holds it */
        close(fd);
        return 0;
    }
    close(fd);
    if (join(p, sizeof p, dir, "pid") == 0 && (f = fopen(p, "r")) != NULL) {
        if (fgets(buf, sizeof buf, f))
            pid = strtol(buf, NULL, 10);
        fclose(f);
    }
    return pid > 0 ? pid : -1;
}

void *hm_statedir_read(const char *dir, const char *name, hm_err *err)
{
    char p[4200];
    json_error_t je;
    json_t *o;
    if (join(p, sizeof p, dir, name) != 0) {
        hm_err_set(err, HM_EUSAGE, "--state-dir is too long");
        return NULL;
    }
    o = json_load_file(p, 0, &je);
    if (!o)
        hm_err_set(err, errno == ENOENT ? HM_ESTATE : HM_EIO, "cannot read %s: %s", p, je.text);
    return o;
}

/* Writes o to dir/name through a temporary file and rename, so readers never see half of it. */
static int write_json(const char *dir, const char *name, json_t *o)
{
    char p[4200], tmp[4210];
    if (join(p, sizeof p, dir, name) != 0 || snprintf(tmp, sizeof tmp, "%s.tmp", p) >= (int)sizeof tmp)
        return -1;
    if (json_dump_file(o, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
        return -1;
    return rename(tmp, p);
}

void hm_statedir_status(hm_statedir *d, void *json_obj)
{
    json_t *o = json_obj;
    if (!o)
        return;
    json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
    json_object_set_new(o, "updated_at", json_integer((json_int_t)time(NULL)));
    (void)write_json(d->path, "status.json", o); /* best effort: the checkpoint is in the target */
    json_decref(o);
}

static json_t *strings(const char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* The migrate command's arguments, as `hotmig resume` replays them. */
static json_t *task_argv(const hm_cli *cli, hm_err *err)
{
    char uri[HM_STATEDIR_URI_MAX], num[32];
    json_t *a = json_array();
#define ADD(s) json_array_append_new(a, json_string(s))
    ADD("migrate");
    for (int side = 0; side < 2; side++) {
        if (!hm_uri_redacted(side ? &cli->target : &cli->source, uri, sizeof uri)) {
            json_decref(a);
            hm_err_set(err, HM_EUSAGE, "the %s URI is longer than %d bytes, too long to keep for resume: give "
                       "shorter TLS file names (ca=, cert=, key=)", side ? "--target" : "--source",
                       HM_STATEDIR_URI_MAX - 1);
            return NULL;
        }
        ADD(side ? "--target" : "--source");
        ADD(uri);
    }
    ADD("--mode");
    ADD(cli->mode);
    for (size_t i = 0; i < cli->n_include; i++) {
        ADD("--include");
        ADD(cli->include[i]);
    }
    for (size_t i = 0; i < cli->n_exclude; i++) {
        ADD("--exclude");
        ADD(cli->exclude[i]);
    }
    if (cli->threads) {
        snprintf(num, sizeof num, "%u", cli->threads);
        ADD("--threads");
        ADD(num);
    }
    if (cli->apply_threads) {
        snprintf(num, sizeof num, "%u", cli->apply_threads);
        ADD("--apply-threads");
        ADD(num);
    }
    if (cli->chunk_rows) {
        snprintf(num, sizeof num, "%llu", cli->chunk_rows);
        ADD("--chunk-rows");
        ADD(num);
    }
    if (cli->max_rows_per_sec) {
        snprintf(num, sizeof num, "%llu", cli->max_rows_per_sec);
        ADD("--max-rows-per-sec");
        ADD(num);
    }
    if (cli->write_method != HM_WRITE_AUTO) {
        ADD("--write-method");
        ADD(cli->write_method == HM_WRITE_LOAD ? "load" : "insert");
    }
    if (cli->defer_indexes != HM_DEFER_AUTO) {
        ADD("--defer-indexes");
        ADD(cli->defer_indexes == HM_DEFER_ALWAYS ? "always" : "never");
    }
    if (cli->source_password_file) {
        ADD("--source-password-file");
        ADD(cli->source_password_file);
    }
    if (cli->target_password_file) {
        ADD("--target-password-file");
        ADD(cli->target_password_file);
    }
#undef ADD
    return a;
}

int hm_statedir_task(hm_statedir *d, const hm_cli *cli, hm_err *err)
{
    char src[HM_STATEDIR_URI_MAX], tgt[HM_STATEDIR_URI_MAX];
    hm_err ignore;
    json_t *old, *now, *argv;
    int rc = 0;
    if (!(argv = task_argv(cli, err)))
        return 1;
    hm_uri_redacted(&cli->source, src, sizeof src); /* whole: task_argv checked */
    hm_uri_redacted(&cli->target, tgt, sizeof tgt);
    /* the task is its servers, not how they are reached: TLS options may change between runs
     * (argv keeps them, for resume) */
    src[strcspn(src, "?")] = '\0';
    tgt[strcspn(tgt, "?")] = '\0';
    now = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:o}", "version", 1, "source", src, "target", tgt,
                    "mode", cli->mode, "include", strings(cli->include, cli->n_include), "exclude",
                    strings(cli->exclude, cli->n_exclude), "argv", argv);
    if (!now) {
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return 1;
    }
    old = hm_statedir_read(d->path, "task.json", &ignore);
    if (old) {
        static const char *const keys[] = {"source", "target", "mode", "include", "exclude"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (!json_equal(json_object_get(old, keys[i]), json_object_get(now, keys[i])) &&
                !(i == 0 && cli->new_source)) { /* a failover names a new source */
                hm_err_set(err, HM_ESTATE, "the state directory %s belongs to another task (its %s differs: "
                           "source %s, target %s); give this task its own --state-dir", d->path, keys[i],
                           json_string_value(json_object_get(old, "source")),
                           json_string_value(json_object_get(old, "target")));
                rc = 1;
                break;
            }
        json_decref(old);
    }
    if (rc == 0 && write_json(d->path, "task.json", now) != 0) {
        hm_err_set(err, HM_EIO, "cannot write %s/task.json: %s", d->path, strerror(errno));
        rc = 1;
    }
    json_decref(now);
    return rc;
}

/* Finds "--state-dir DIR" or "--state-dir=DIR" in argv. */
static const char *state_dir_arg(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--state-dir=", 12) == 0)
            return argv[i] + 12;
    }
    return NULL;
}

int hm_cli_resume_argv(int argc, char **argv, int *out_argc, char ***out_argv, void **owner, hm_err *err)
{
    const char *dir = state_dir_arg(argc, argv);
    json_t *task, *a;
    char **v;
    size_t n;
    *out_argv = NULL;
    *owner = NULL;
    if (!dir) {
        hm_err_set(err, HM_EUSAGE, "hotmig resume needs --state-dir DIR (the directory of the task to resume)");
        return 2;
    }
    task = hm_statedir_read(dir, "task.json", err);
    if (!task) {
        hm_err_prefix(err, "nothing to resume in %s", dir);
        return 2;
    }
    a = json_object_get(task, "argv");
    n = json_array_size(a);
    if (n == 0) {
        json_decref(task);
        hm_err_set(err, HM_ESTATE, "%s/task.json holds no command", dir);
        return 2;
    }
    v = calloc(n + (size_t)argc, sizeof *v);
    if (!v) {
        json_decref(task);
        hm_err_set(err, HM_ENOMEM, "out of memory");
        return 2;
    }
    v[0] = argv[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s) {
            free(v);
            json_decref(task);
            hm_err_set(err, HM_ESTATE, "%s/task.json is damaged", dir);
            return 2;
        }
        v[1 + i] = (char *)s;
    }
    for (int i = 2; i < argc; i++)
        v[1 + n + (size_t)(i - 2)] = argv[i];
    *out_argc = (int)(1 + n + (size_t)(argc - 2));
    /* the state directory keeps no password: each side needs a file or the environment */
    for (int side = 0; side < 2; side++) {
        const char *opt = side ? "--target-password-file" : "--source-password-file";
        const char *env = side ? "HOTMIG_TARGET_PASSWORD" : "HOTMIG_SOURCE_PASSWORD";
        bool given = getenv(env) != NULL;
        for (int i = 1; i < *out_argc && !given; i++)
            given = strcmp(v[i], opt) == 0 || strncmp(v[i], opt, strlen(opt)) == 0;
        if (!given) {
            free(v);
            json_decref(task);
            hm_err_set(err, HM_EUSAGE, "hotmig resume needs the %s password again (the state directory never "
                       "keeps one): give %s F or set %s", side ? "target" : "source", opt, env);
            return 2;
        }
    }
    *out_argv = v;
    *owner = task;
    return 0;
}

void hm_cli_resume_free(char **argv, void *owner)
{
    free(argv);
    if (owner)
        json_decref(owner);
}
