/*
 * cli/cmd_check.c: `hotmig check` (placeholder until the precheck lands).
 */
#include <stdio.h>

#include "cli/cli.h"

int hm_cmd_check(hm_cli *cli)
{
    (void)cli;
    fprintf(stderr, "hotmig: check is not implemented yet\n");
    return 2;
}
