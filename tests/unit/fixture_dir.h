/*
 * tests/unit/fixture_dir.h: the check the tests reading the MySQL binlog fixtures make first, so
 * that a missing fixture folder fails with one line saying where it was looked for, not with a
 * crash inside a test.
 */
#ifndef HM_TEST_FIXTURE_DIR_H
#define HM_TEST_FIXTURE_DIR_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Whether dir can be read; if not, says so on stderr. */
static inline bool hm_test_fixture_dir_ok(const char *dir)
{
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        fprintf(stderr, "cannot read the binlog fixture folder %s (%s): the MySQL fixtures are looked for in "
                "../shared/fixtures/mysql-binlog next to the repository; configure with -Dmysql_fixtures=DIR "
                "when they are elsewhere\n", dir ? dir : "(none)", dir ? strerror(errno) : "not given");
        return false;
    }
    closedir(d);
    return true;
}

#endif
