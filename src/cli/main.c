/*
 * cli/main.c: `hotmig`, the command-line front: parses the arguments and hands them to the
 * command (cmd_migrate.c, cmd_check.c). Exit status: 0 ok, 1 failed, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    hm_cli cli;
    hm_err err;
    int rc;

    memset(&err, 0, sizeof err);
    rc = hm_cli_parse(&cli, argc, argv, stdout, &err);
    if (rc < 0) {
        hm_cli_release(&cli);
        return 0;
    }
    if (rc != 0) {
        fprintf(stderr, "hotmig: %s\n", err.msg);
        hm_cli_release(&cli);
        return 2;
    }
    rc = strcmp(cli.command, "check") == 0 ? hm_cmd_check(&cli) : hm_cmd_migrate(&cli);
    hm_cli_release(&cli);
    return rc;
}
