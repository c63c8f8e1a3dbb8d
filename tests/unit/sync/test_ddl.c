/* tests/unit/sync/test_ddl.c: (being written) */
#include <stdio.h>
int main(void)
{
    fputs("test_ddl: not written yet\n", stderr);
    return 1;
}
