/*
 * cli/cmd_check.c: `hotmig check`: runs the precheck engine (check/check.h) and renders its
 * report, as a table on stdout (wrapped to the terminal's width when stdout is one) or, with
 * --json, as one JSON array of {id, result, message, fix}. Exit status: 0 when nothing FAILED,
 * 1 when something did, 2 on a usage error. Usage errors and failed connections also get one
 * "hotmig: ..." line on stderr. Owns nothing beyond the call.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "check/check.h"
#include "cli/cli.h"

#define COL_RESULT 9 /* "WARNING" + 2 */

static size_t id_width(const hm_check_report *rep)
{
    size_t w = 4; /* "ITEM" */
    for (size_t i = 0; i < rep->n; i++)
        if (strlen(rep->items[i].id) > w)
            w = strlen(rep->items[i].id);
    return w + 2;
}

/* Prints prefix and text from column `indent`, wrapped at `width` (0: no wrapping); the first
 * line is assumed to start at `indent` already. */
static void wrapped(FILE *f, const char *prefix, const char *text, size_t indent, size_t width)
{
    size_t col = indent + strlen(prefix);
    bool first = true;
    fputs(prefix, f);
    for (;;) {
        size_t word;
        while (*text == ' ')
            text++;
        if (!*text)
            break;
        word = strcspn(text, " ");
        if (!first && width > indent + 20 && col + 1 + word > width) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        fwrite(text, 1, word, f);
        col += word;
        text += word;
        first = false;
    }
    fputc('\n', f);
}

/* The report as a table; only the FAILED items when only_failed (for hotmig migrate).
 * Its prototype belongs in cli/cli.h once hotmig migrate prints the precheck. */
void hm_render_check(FILE *f, const hm_check_report *rep, bool only_failed, size_t width)
{
    size_t iw = id_width(rep), indent = iw + COL_RESULT;
    size_t npass = 0, nwarn = 0, nfail = 0, nskip = 0;
    fprintf(f, "%-*s%-*s%s\n", (int)iw, "ITEM", COL_RESULT, "RESULT", "MESSAGE / FIX");
    for (size_t i = 0; i < rep->n; i++) {
        const hm_check_item *it = &rep->items[i];
        switch (it->result) {
        case HM_CHECK_PASS: npass++; break;
        case HM_CHECK_WARNING: nwarn++; break;
        case HM_CHECK_FAILED: nfail++; break;
        case HM_CHECK_SKIPPED: nskip++; break;
        }
        if (only_failed && it->result != HM_CHECK_FAILED)
            continue;
        fprintf(f, "%-*s%-*s", (int)iw, it->id, COL_RESULT, hm_check_result_name(it->result));
        wrapped(f, "", it->message, indent, width);
        if (*it->fix && it->result != HM_CHECK_PASS) {
            fprintf(f, "%*s", (int)indent, "");
            wrapped(f, "fix: ", it->fix, indent, width);
        }
    }
    fprintf(f, "%zu items: %zu PASS, %zu WARNING, %zu FAILED, %zu SKIPPED (%.2f s)\n", rep->n, npass, nwarn,
            nfail, nskip, rep->elapsed_s);
}

static int render_json(const hm_check_report *rep)
{
    json_t *arr = json_array();
    int rc = 0;
    if (!arr)
        return -1;
    for (size_t i = 0; i < rep->n && rc == 0; i++) {
        const hm_check_item *it = &rep->items[i];
        json_t *o = json_object();
        if (!o || json_object_set_new(o, "id", json_string(it->id)) ||
            json_object_set_new(o, "result", json_string(hm_check_result_name(it->result))) ||
            json_object_set_new(o, "message", json_string(it->message)) ||
            json_object_set_new(o, "fix", json_string(it->fix)) || json_array_append_new(arr, o))
            rc = -1;
    }
    if (rc == 0)
        rc = json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(arr);
    return rc;
}

static size_t term_width(void)
{
    struct winsize ws;
    if (!isatty(STDOUT_FILENO))
        return 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 100;
}

int hm_cmd_check(hm_cli *cli)
{
    hm_check_opts o;
    hm_check_report rep;
    hm_err err;
    const hm_check_item *conn_fail[2] = {NULL, NULL};
    size_t nconn = 0;

    memset(&err, 0, sizeof err);
    memset(&o, 0, sizeof o);
    o.source = hm_cli_endpoint(&cli->source);
    o.target = hm_cli_endpoint(&cli->target);
    o.include = cli->include;
    o.n_include = cli->n_include;
    o.exclude = cli->exclude;
    o.n_exclude = cli->n_exclude;
    o.incremental = cli->mode && strcmp(cli->mode, "full+incremental") == 0;
    o.target_capacity = cli->target_capacity;
    o.skip = cli->skip;
    o.n_skip = cli->n_skip;
    o.threads = cli->threads;

    if (hm_check_run(&o, &rep, &err) != HM_OK) {
        fprintf(stderr, "hotmig: %s\n", err.msg);
        return err.code == HM_EUSAGE ? 2 : 1;
    }
    if (cli->json) {
        if (render_json(&rep) != 0)
            fprintf(stderr, "hotmig: cannot write the JSON report\n");
    } else {
        hm_render_check(stdout, &rep, false, term_width());
        fflush(stdout);
    }
    for (size_t i = 0; i < rep.n; i++)
        if (rep.items[i].result == HM_CHECK_FAILED &&
            (strcmp(rep.items[i].id, "source.connect") == 0 || strcmp(rep.items[i].id, "target.connect") == 0))
            conn_fail[nconn++] = &rep.items[i];
    if (nconn)
        fprintf(stderr, "hotmig: %s%s%s\n", conn_fail[0]->message, nconn > 1 ? "; and " : "",
                nconn > 1 ? conn_fail[1]->message : "");
    {
        int rc = hm_check_failed(&rep) ? 1 : 0;
        hm_check_report_release(&rep);
        return rc;
    }
}
