/* tests/unit/sync/test_apply.c: (being written) */
#include <stdio.h>
int main(void)
{
    fputs("test_apply: not written yet\n", stderr);
    return 1;
}
