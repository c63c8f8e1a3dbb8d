/*
 * cli/cmd_ctl.c: `hotmig status`, `hotmig finish`, `hotmig stop`: the commands that act on a
 * running full+incremental task through its state directory (cli.h, statedir.c). They talk to
 * the running hotmig by signals (SIGUSR1 finish, SIGTERM stop) and read what it writes to
 * status.json; they never connect to a database. Owns nothing.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"

static const char *str(json_t *o, const char *path1, const char *key)
{
    json_t *v = path1 ? json_object_get(json_object_get(o, path1), key) : json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

static long long num(json_t *o, const char *path1, const char *key)
{
    json_t *v = json_object_get(json_object_get(o, path1), key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static void print_status(json_t *st, long runner, bool as_json)
{
    const char *state = str(st, NULL, "state");
    if (as_json) {
        json_object_set_new(st, "running", json_boolean(runner != 0));
        json_dumpf(st, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        fputc('\n', stdout);
        return;
    }
    printf("state: %s%s\n", state, runner ? "" : " (no hotmig is running this task)");
    if (json_object_get(st, "copy"))
        printf("copy: %s, tables %lld/%lld, rows %lld/~%lld\n", str(st, "copy", "stage"),
               num(st, "copy", "tables_done"), num(st, "copy", "tables_total"), num(st, "copy", "rows_done"),
               num(st, "copy", "rows_estimated"));
    if (json_object_get(st, "sync")) {
        json_t *s = json_object_get(st, "sync");
        json_t *lb = json_object_get(s, "lag_bytes");
        printf("sync: %s, applied through %s:%lld%s%s\n", str(st, "sync", "phase"), str(st, "sync", "file"),
               num(st, "sync", "pos"), *str(st, "sync", "gtid_set") ? "  gtid " : "", str(st, "sync", "gtid_set"));
        char bytes[32] = "?";
        if (json_is_integer(lb))
            snprintf(bytes, sizeof bytes, "%lld", (long long)json_integer_value(lb));
        printf("lag: %.1f s, %s bytes of binlog; %.0f trx/s, %.0f rows/s; %lld transactions, %lld rows applied\n",
               json_real_value(json_object_get(s, "lag_s")), bytes,
               json_real_value(json_object_get(s, "trx_per_sec")), json_real_value(json_object_get(s, "rows_per_sec")),
               num(st, "sync", "trx_applied"), num(st, "sync", "rows_applied"));
        if (*str(st, "sync", "slow_tables"))
            printf("slow: %s (no primary key or NOT NULL unique key: %lld changed rows found by all their "
                   "columns)\n", str(st, "sync", "slow_tables"), num(st, "sync", "keyless_rows"));
    }
    if (json_object_get(st, "final"))
        printf("final position: %s:%lld%s%s\n", str(st, "final", "file"), num(st, "final", "pos"),
               *str(st, "final", "gtid_set") ? "  gtid " : "", str(st, "final", "gtid_set"));
    if (json_object_get(st, "checkpoint"))
        printf("checkpoint: %s:%lld\n", str(st, "checkpoint", "file"), num(st, "checkpoint", "pos"));
    if (*str(st, NULL, "error"))
        printf("error: %s\n", str(st, NULL, "error"));
}

int hm_cmd_status(hm_cli *cli)
{
    hm_err err;
    json_t *st;
    long runner = hm_statedir_runner(cli->state_dir);
    memset(&err, 0, sizeof err);
    st = hm_statedir_read(cli->state_dir, "status.json", &err);
    if (!st) {
        fprintf(stderr, "hotmig: no task status in %s (%s); is it the --state-dir of a hotmig migrate?\n",
                cli->state_dir, err.msg);
        return 1;
    }
    print_status(st, runner, cli->json);
    json_decref(st);
    return 0;
}

/* Waits until the runner is gone (true) or timeout_s passed (false; 0 = no limit). */
static bool wait_gone(const char *dir, unsigned long long timeout_s)
{
    double t0 = hm_clock_now();
    while (hm_statedir_runner(dir) != 0) {
        if (timeout_s && hm_clock_now() - t0 > (double)timeout_s)
            return false;
        usleep(100000);
    }
    return true;
}

static int signal_runner(hm_cli *cli, int sig, const char *what, const char *want_state)
{
    long pid = hm_statedir_runner(cli->state_dir);
    json_t *st;
    hm_err err;
    const char *state;
    int rc = 1;
    memset(&err, 0, sizeof err);
    if (pid == 0) {
        st = hm_statedir_read(cli->state_dir, "status.json", &err);
        if (st && strcmp(str(st, NULL, "state"), want_state) == 0) {
            print_status(st, 0, cli->json);
            json_decref(st);
            return 0;
        }
        fprintf(stderr, "hotmig: no hotmig is running the task of %s (state: %s), so there is nothing to %s; "
                "run hotmig resume --state-dir %s first\n", cli->state_dir, st ? str(st, NULL, "state") : "none",
                what, cli->state_dir);
        if (st)
            json_decref(st);
        return 1;
    }
    if (pid < 0 || kill((pid_t)pid, sig) != 0) {
        fprintf(stderr, "hotmig: cannot signal the hotmig running %s (pid %ld): %s\n", cli->state_dir, pid,
                pid < 0 ? "its pid file is missing" : strerror(errno));
        return 1;
    }
    if (!wait_gone(cli->state_dir, cli->timeout_s)) {
        fprintf(stderr, "hotmig: the task of %s did not %s within %llu s; it goes on (see hotmig status "
                "--state-dir %s)\n", cli->state_dir, what, cli->timeout_s, cli->state_dir);
        return 1;
    }
    st = hm_statedir_read(cli->state_dir, "status.json", &err);
    state = st ? str(st, NULL, "state") : "";
    if (strcmp(state, want_state) == 0) {
        print_status(st, 0, cli->json);
        rc = 0;
    } else {
        fprintf(stderr, "hotmig: the task of %s ended %s: %s\n", cli->state_dir, *state ? state : "unknown",
                st && *str(st, NULL, "error") ? str(st, NULL, "error") : "see its output");
    }
    if (st)
        json_decref(st);
    return rc;
}

int hm_cmd_finish(hm_cli *cli)
{
    return signal_runner(cli, cli->lock_source ? SIGUSR2 : SIGUSR1, "finish", "finished");
}

int hm_cmd_stop(hm_cli *cli)
{
    return signal_runner(cli, SIGTERM, "stop", "stopped");
}
