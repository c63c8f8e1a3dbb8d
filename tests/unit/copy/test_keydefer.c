/*
 * tests/unit/copy/test_keydefer.c: splitting a definition for keys built after the data
 * (copy/keydefer.h).
 *
 *   - split keeps columns, PRIMARY and UNIQUE keys, CHECK constraints and the table options and
 *     partitioning text; drops KEY, FULLTEXT, SPATIAL keys and foreign keys; commas fixed
 *   - split refuses: nothing to defer; a UNIQUE key after a deferrable key; a definition across
 *     lines; a text that is not SHOW CREATE TABLE's shape
 *   - alter adds exactly the deferrable lines the target lacks, in the source's order, quoted
 *     table name; nothing when the target has them all
 *   - same_columns_and_keys ignores the options line (AUTO_INCREMENT) but not a key's order;
 *     a source text not in the expected shape (never split) passes
 *   - is_parent finds REFERENCES `t` in the same database and `db`.`t` in another, not a prefix
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "copy/keydefer.h"

static const char full[] =
    "CREATE TABLE `t``x` (\n"
    "  `id` int(11) NOT NULL,\n"
    "  `a` int(11) DEFAULT NULL,\n"
    "  `b` varchar(10) DEFAULT NULL,\n"
    "  `p` point NOT NULL,\n"
    "  PRIMARY KEY (`id`),\n"
    "  UNIQUE KEY `u` (`b`),\n"
    "  KEY `k_a` (`a`),\n"
    "  FULLTEXT KEY `ft` (`b`),\n"
    "  SPATIAL KEY `sp` (`p`),\n"
    "  CONSTRAINT `fk``1` FOREIGN KEY (`a`) REFERENCES `par` (`id`),\n"
    "  CONSTRAINT `chk` CHECK (`a` > 0)\n"
    ") ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=latin1\n"
    " PARTITION BY KEY (`id`)";

static const char base[] =
    "CREATE TABLE `t``x` (\n"
    "  `id` int(11) NOT NULL,\n"
    "  `a` int(11) DEFAULT NULL,\n"
    "  `b` varchar(10) DEFAULT NULL,\n"
    "  `p` point NOT NULL,\n"
    "  PRIMARY KEY (`id`),\n"
    "  UNIQUE KEY `u` (`b`),\n"
    "  CONSTRAINT `chk` CHECK (`a` > 0)\n"
    ") ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=latin1\n"
    " PARTITION BY KEY (`id`)";

static void test_split(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1 << 20);
    assert_true(hm_keydefer_split(full, &b));
    assert_string_equal(b.data, base);
    hm_buf_release(&b);
}

static void test_split_refuses(void **state)
{
    static const char *const no[] = {
        /* nothing to defer */
        "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
        /* a UNIQUE key after a deferrable one */
        "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  KEY `k` (`id`),\n  UNIQUE KEY `u` (`id`)\n) ENGINE=InnoDB",
        /* a definition across lines */
        "CREATE TABLE `t` (\n  `id` int(11) NOT NULL COMMENT 'a\nb',\n  KEY `k` (`id`)\n) ENGINE=InnoDB",
        /* not the shape */
        "CREATE TABLE `t` (`id` int, KEY `k` (`id`)) ENGINE=InnoDB",
        "",
    };
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_false(hm_keydefer_split(no[i], &b));
        assert_int_equal(b.len, 0);
    }
    assert_false(hm_keydefer_split(NULL, &b));
    hm_buf_release(&b);
}

static void test_alter(void **state)
{
    hm_table t;
    hm_buf q;
    size_t n;
    char *partial;
    (void)state;
    memset(&t, 0, sizeof t);
    t.db = "d";
    t.name = "t`x";
    t.create_sql = (char *)full;
    hm_buf_init(&q, 1 << 20);
    assert_int_equal(hm_keydefer_alter(&t, base, &q, &n), HM_OK);
    assert_int_equal(n, 4);
    assert_string_equal(q.data, "ALTER TABLE `d`.`t``x` ADD KEY `k_a` (`a`), ADD FULLTEXT KEY `ft` (`b`), "
                                "ADD SPATIAL KEY `sp` (`p`), ADD CONSTRAINT `fk``1` FOREIGN KEY (`a`) "
                                "REFERENCES `par` (`id`)");
    assert_int_equal(hm_keydefer_alter(&t, full, &q, &n), HM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(q.len, 0);
    /* the target has the first two: only the rest */
    partial = strdup(full);
    assert_non_null(partial);
    {
        char *sp = strstr(partial, "  SPATIAL");
        char *end = strstr(partial, "  CONSTRAINT `chk`");
        memmove(sp, end, strlen(end) + 1);
    }
    assert_int_equal(hm_keydefer_alter(&t, partial, &q, &n), HM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(q.data, "ALTER TABLE `d`.`t``x` ADD SPATIAL KEY `sp` (`p`), ADD CONSTRAINT `fk``1` "
                                "FOREIGN KEY (`a`) REFERENCES `par` (`id`)");
    free(partial);
    hm_buf_release(&q);
}

static void test_same(void **state)
{
    static const char a[] = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a` int(11),\n"
                            "  PRIMARY KEY (`id`),\n  KEY `x` (`a`),\n  KEY `y` (`id`,`a`)\n"
                            ") ENGINE=InnoDB AUTO_INCREMENT=5";
    static const char b[] = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a` int(11),\n"
                            "  PRIMARY KEY (`id`),\n  KEY `x` (`a`),\n  KEY `y` (`id`,`a`)\n"
                            ") ENGINE=InnoDB AUTO_INCREMENT=9";
    static const char c[] = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a` int(11),\n"
                            "  PRIMARY KEY (`id`),\n  KEY `y` (`id`,`a`),\n  KEY `x` (`a`)\n"
                            ") ENGINE=InnoDB AUTO_INCREMENT=5";
    (void)state;
    assert_true(hm_keydefer_same_columns_and_keys(a, b));
    assert_false(hm_keydefer_same_columns_and_keys(a, c));
    assert_false(hm_keydefer_same_columns_and_keys(a, base));
    assert_false(hm_keydefer_same_columns_and_keys(a, "CREATE TABLE `t` (`id` int)"));
    /* a source text never split: nothing to check */
    assert_true(hm_keydefer_same_columns_and_keys("CREATE TABLE `t` (`id` int) ENGINE=InnoDB", b));
}

static void test_is_parent(void **state)
{
    hm_table tabs[3];
    hm_catalog cat;
    (void)state;
    memset(tabs, 0, sizeof tabs);
    memset(&cat, 0, sizeof cat);
    tabs[0].db = "d";
    tabs[0].name = "par";
    tabs[0].create_sql = "CREATE TABLE `par` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB";
    tabs[1].db = "d";
    tabs[1].name = "child";
    tabs[1].create_sql = (char *)full; /* REFERENCES `par` (`id`) */
    tabs[2].db = "e";
    tabs[2].name = "pa";
    tabs[2].create_sql = "CREATE TABLE `pa` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB";
    cat.tables = tabs;
    cat.ntables = 3;
    assert_true(hm_keydefer_is_parent(&cat, &tabs[0]));
    assert_false(hm_keydefer_is_parent(&cat, &tabs[1]));
    assert_false(hm_keydefer_is_parent(&cat, &tabs[2])); /* `pa` is a prefix of `par`, other db */
    tabs[1].create_sql = "CREATE TABLE `c` (\n  `x` int(11),\n  CONSTRAINT `f` FOREIGN KEY (`x`) "
                         "REFERENCES `e`.`pa` (`id`)\n) ENGINE=InnoDB";
    assert_true(hm_keydefer_is_parent(&cat, &tabs[2]));
    assert_false(hm_keydefer_is_parent(&cat, &tabs[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_refuses),
        cmocka_unit_test(test_alter),
        cmocka_unit_test(test_same),
        cmocka_unit_test(test_is_parent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
