/*
 * cli/main.c: `hotmig`, the command-line front: parses the arguments and hands them to the
 * command (cmd_migrate.c, cmd_check.c, cmd_ctl.c, cmd_verify.c; `hotmig task ...`, the client of
 * hotmigd, parses its own arguments in cmd_task.c). `hotmig resume` is `hotmig migrate` with the
 * arguments its state directory kept (`hotmig resume --source URI`: after a failover of the source,
 * see hm_sync_failover). Exit status: 0 ok, 1 failed, 2 usage, 3 stopped.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    hm_cli cli;
    hm_err err;
    char **rargv = NULL;
    void *owner = NULL;
    int rc;

    bool new_source = false;
    memset(&err, 0, sizeof err);
    if (argc >= 2 && strcmp(argv[1], "task") == 0)
        return hm_cmd_task(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "resume") == 0) {
        /* resume --source URI: a failover (the task's own --source comes first; this one wins) */
        for (int i = 2; i < argc; i++)
            new_source |= strcmp(argv[i], "--source") == 0 || strncmp(argv[i], "--source=", 9) == 0;
        if (hm_cli_resume_argv(argc, argv, &argc, &rargv, &owner, &err) != 0) {
            fprintf(stderr, "hotmig: %s\n", err.msg);
            return 2;
        }
        argv = rargv;
    }
    rc = hm_cli_parse(&cli, argc, argv, stdout, &err);
    cli.new_source = new_source;
    if (rc < 0) {
        rc = 0;
    } else if (rc != 0) {
        fprintf(stderr, "hotmig: %s\n", err.msg);
        rc = 2;
    } else if (strcmp(cli.command, "check") == 0) {
        rc = hm_cmd_check(&cli);
    } else if (strcmp(cli.command, "status") == 0) {
        rc = hm_cmd_status(&cli);
    } else if (strcmp(cli.command, "finish") == 0) {
        rc = hm_cmd_finish(&cli);
    } else if (strcmp(cli.command, "stop") == 0) {
        rc = hm_cmd_stop(&cli);
    } else if (strcmp(cli.command, "verify") == 0) {
        rc = hm_cmd_verify(&cli);
    } else {
        rc = hm_cmd_migrate(&cli);
    }
    hm_cli_release(&cli);
    hm_cli_resume_free(rargv, owner);
    return rc;
}
