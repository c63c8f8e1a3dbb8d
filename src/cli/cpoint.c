/*
 * cli/cpoint.c: the common point between `hotmig verify --state-dir DIR` and the `hotmig
 * migrate` that runs the task of DIR (two processes), through small files in DIR.
 *
 *   verify                                  migrate (sync applier, hm_sync_opts.paused)
 *   PAUSE:   SIGURG to the task's pid   -->  hm_sync_pause_at("", 0): pause at the next boundary
 *            wait for verify-paused     <--  writes verify-paused "FILE POS", waits for verify-go
 *   (takes the source snapshot at S)
 *   ADVANCE: verify-go "at S"           -->  hm_sync_pause_at(S), goes on, pauses at S
 *            wait for verify-paused "S" <--  writes verify-paused "S", waits for verify-go
 *   (opens the target snapshot; when the applier was past S already, a transaction written to the
 *    binlog but not yet visible to snapshots, it is paused where it was: the source snapshot is
 *    taken again and ADVANCE repeated)
 *   RESUME:  verify-go "go"             -->  goes on
 *
 * Each file is written whole under a temporary name and renamed, and removed by its reader.
 * The applier waits at most PAUSE_MAX_S for verify-go: a verify that died never stops the sync
 * for longer. Owns nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"
#include "util/err.h"

#define PAUSE_MAX_S 10.0

static int path_of(char *out, size_t n, const char *dir, const char *name)
{
    return (size_t)snprintf(out, n, "%s/%s", dir, name) < n ? 0 : -1;
}

static int put(const char *dir, const char *name, const char *line)
{
    char p[4200], tmp[4300];
    FILE *f;
    if (path_of(p, sizeof p, dir, name) != 0)
        return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    if ((f = fopen(tmp, "w")) == NULL)
        return -1;
    fputs(line, f);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, p);
}

/* Waits up to timeout_s for DIR/name, reads its line and removes it. */
static bool take(const char *dir, const char *name, char *line, size_t n, double timeout_s)
{
    char p[4200];
    double until = hm_clock_now() + timeout_s;
    if (path_of(p, sizeof p, dir, name) != 0)
        return false;
    do {
        FILE *f = fopen(p, "r");
        if (f) {
            bool ok = fgets(line, (int)n, f) != NULL;
            fclose(f);
            unlink(p);
            if (ok) {
                line[strcspn(line, "\n")] = '\0';
                return true;
            }
        }
        hm_clock_sleep(0.0005);
    } while (hm_clock_now() < until);
    return false;
}

static bool parse_point(const char *s, char *file, size_t n, uint64_t *pos)
{
    const char *sp = strrchr(s, ' ');
    char *end;
    if (!sp || (size_t)(sp - s) >= n || sp == s)
        return false;
    memcpy(file, s, (size_t)(sp - s));
    file[sp - s] = '\0';
    *pos = strtoull(sp + 1, &end, 10);
    return *end == '\0';
}

/* migrate's side (hm_sync_opts.paused): ud is the state directory. */
void hm_cpoint_paused(hm_sync *s, const char *dir, const char *file, uint64_t pos)
{
    char line[400], f[300];
    uint64_t p;
    snprintf(line, sizeof line, "%s %llu\n", file, (unsigned long long)pos);
    if (put(dir, "verify-paused", line) != 0)
        return;
    if (!take(dir, "verify-go", line, sizeof line, PAUSE_MAX_S))
        return;
    if (strncmp(line, "at ", 3) == 0 && parse_point(line + 3, f, sizeof f, &p))
        hm_sync_pause_at(s, f, p);
}

static void clear(const char *dir)
{
    char p[4200];
    if (path_of(p, sizeof p, dir, "verify-paused") == 0)
        unlink(p);
    if (path_of(p, sizeof p, dir, "verify-go") == 0)
        unlink(p);
}

/* verify's side (hm_verify_opts.sync_point): ud is the state directory. */
hm_code hm_cpoint_step(hm_verify_sync_step step, const char *file, uint64_t pos, void *ud, hm_err *err)
{
    const char *dir = ud;
    char line[400], f[300];
    uint64_t p;
    long pid;
    switch (step) {
    case HM_VERIFY_SYNC_PAUSE:
        pid = hm_statedir_runner(dir);
        if (pid <= 0)
            return hm_err_set(err, HM_ESTATE, "no hotmig migrate is running the task of %s, so there is no sync to "
                              "compare with; start it (hotmig resume --state-dir %s), or verify without "
                              "--state-dir once it has finished", dir, dir);
        clear(dir);
        if (kill((pid_t)pid, SIGURG) != 0)
            return hm_err_set(err, HM_ESTATE, "cannot signal the hotmig migrate of %s (pid %ld): %s", dir, pid,
                              strerror(errno));
        if (!take(dir, "verify-paused", line, sizeof line, 60))
            return hm_err_set(err, HM_ESTATE, "the sync of %s did not pause within 60 s (is it reconnecting? see "
                              "hotmig status --state-dir %s)", dir, dir);
        return HM_OK;
    case HM_VERIFY_SYNC_ADVANCE:
        snprintf(line, sizeof line, "at %s %llu\n", file, (unsigned long long)pos);
        if (put(dir, "verify-go", line) != 0)
            return hm_err_set(err, HM_EIO, "cannot write in %s: %s", dir, strerror(errno));
        if (!take(dir, "verify-paused", line, sizeof line, 60))
            return hm_err_set(err, HM_ESTATE, "the sync of %s did not reach the source's snapshot at %s:%llu within "
                              "60 s", dir, file, (unsigned long long)pos);
        if (!parse_point(line, f, sizeof f, &p))
            return hm_err_set(err, HM_EINTERNAL, "the sync of %s wrote a bad point: %s", dir, line);
        if (strcmp(f, file) != 0 || p != pos) /* it was past the snapshot already, and paused again there */
            return hm_err_set(err, HM_ESNAPSHOT, "the sync of %s was at %s, past the source's snapshot %s:%llu",
                              dir, line, file, (unsigned long long)pos);
        return HM_OK;
    case HM_VERIFY_SYNC_RESUME:
        if (put(dir, "verify-go", "go\n") != 0)
            return hm_err_set(err, HM_EIO, "cannot write in %s: %s", dir, strerror(errno));
        return HM_OK;
    }
    return HM_OK;
}
