/*
 * tests/unit/sync/test_gtid.c: GTID sets of both flavours (sync/gtid.h).
 *
 *   - parse then format gives the canonical text back; non-canonical inputs (unsorted domains
 *     and uuids, overlapping, adjacent or repeated intervals, uppercase hex, blanks and
 *     newlines as gtid_executed prints them) come out canonical
 *   - adding in order, out of order, into gaps (gap then fill merges), duplicates; contains
 *   - empty sets; parse replaces the whole set, and leaves it as it was on failure
 *   - flavour mismatch: adding or parsing the other flavour is HM_EUSAGE
 *   - limits: 32-bit MariaDB domain and server_id, 64-bit seq, MySQL numbers 1..2^63-1
 *   - malformed texts, each with the fragment its message must hold and the element quoted
 *   - MySQL 8.3+ tags: kept per (uuid, tag), printed after the untagged intervals
 *   - a stream's shape: 1,000,000 consecutive numbers make one interval
 *   - a random differential check of add/contains/format against a bitmap
 *   - real GTIDs: the PREVIOUS_GTIDS of the MySQL fixture binlogs (shared/fixtures/mysql-binlog,
 *     MySQL 5.7.20/21, both empty sets, anonymous GTIDs only) and the GTID_LIST and GTID events
 *     of the MariaDB fixture binlogs (tests/unit/binlog/data), whose set at the end of one file
 *     must be the GTID_LIST that opens the next; the MySQL 8.0-9.6 files of the corpus
 *     (binlog-corpus), tagged GTIDs included, whose PREVIOUS_GTIDS we re-encode byte for byte.
 *     Arguments: the three folders (skipped without).
 *   - tagged adds and MySQL's binary encoding of a set (COM_BINLOG_DUMP_GTID)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../fixture_dir.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/event.h"
#include "sync/gtid.h"

static const char *fixtures_dir, *mariadb_dir, *corpus_dir;

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U1_UP "3E11FA47-71CA-11E1-9E33-C80AA9429562"
#define U2 "4e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U3 "2174b383-5441-11e8-b90a-c80aa9429562"

static const uint8_t u1[16] = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                               0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
static const uint8_t u2[16] = {0x4e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                               0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};

/* The canonical text of s (static buffer, valid until the next call). */
static const char *text_of(const hm_gtid_set *s)
{
    static char out[4096];
    hm_buf b;
    hm_err err;
    hm_buf_init(&b, 1 << 20);
    assert_int_equal(hm_gtid_set_format(s, &b, &err), HM_OK);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    hm_buf_release(&b);
    return out;
}

/* Parses in into a new set and checks its text is want. */
static void check_parse(const char *in, const char *want)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    assert_non_null(s);
    strcpy(err.msg, "untouched");
    if (hm_gtid_set_parse(s, in, &err) != HM_OK)
        fail_msg("parse '%s': %s", in, err.msg);
    assert_string_equal(err.msg, "untouched");
    assert_string_equal(text_of(s), want);
    /* the canonical text parses to itself */
    assert_int_equal(hm_gtid_set_parse(s, want, &err), HM_OK);
    assert_string_equal(text_of(s), want);
    hm_gtid_set_free(s);
}

/* Parses in, expects HM_EUSAGE with frag in the message, and s left as it was. */
static void check_bad(const char *in, const char *frag)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    assert_non_null(s);
    assert_int_equal(hm_gtid_set_parse(s, "7-7-7", &err), HM_OK);
    memset(&err, 0, sizeof err);
    if (hm_gtid_set_parse(s, in, &err) != HM_EUSAGE)
        fail_msg("'%s' was accepted", in);
    if (!strstr(err.msg, frag))
        fail_msg("'%s': message '%s' lacks '%s'", in, err.msg, frag);
    assert_null(strchr(err.msg, '\n'));
    assert_string_equal(text_of(s), "7-7-7");
    hm_gtid_set_free(s);
}

static void test_empty(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    assert_true(hm_gtid_set_is_empty(s));
    assert_string_equal(text_of(s), "");
    assert_false(hm_gtid_set_contains_mysql(s, u1, 1));
    assert_false(hm_gtid_set_contains_mariadb(s, 0, 0));
    assert_int_equal(hm_gtid_set_parse(s, "", &err), HM_OK);
    assert_true(hm_gtid_set_is_empty(s));
    assert_int_equal(hm_gtid_set_parse(s, " \n\t\r\n ", &err), HM_OK);
    assert_true(hm_gtid_set_is_empty(s));
    /* parse replaces: a MariaDB set parsed from "" takes MySQL GTIDs afterwards */
    assert_int_equal(hm_gtid_set_parse(s, "0-11-42", &err), HM_OK);
    assert_false(hm_gtid_set_is_empty(s));
    assert_int_equal(hm_gtid_set_parse(s, "", &err), HM_OK);
    assert_true(hm_gtid_set_is_empty(s));
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 1, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1");
    hm_gtid_set_free(s);
    hm_gtid_set_free(NULL);
}

static void test_mariadb_text(void **state)
{
    (void)state;
    check_parse("0-11-42,1-12-7", "0-11-42,1-12-7");
    check_parse("0-11-42", "0-11-42");
    check_parse("1-12-7,0-11-42", "0-11-42,1-12-7");
    check_parse("\n 10-1-1 ,\n\t2-1-5,0-11-42\n", "0-11-42,2-1-5,10-1-1");
    check_parse("0-0-0", "0-0-0");
    check_parse("007-011-042", "7-11-42");
}

static void test_mariadb_add(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    strcpy(err.msg, "untouched");
    assert_int_equal(hm_gtid_set_add_mariadb(s, 0, 11, 4, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mariadb(s, 0, 11, 5, &err), HM_OK);
    assert_string_equal(text_of(s), "0-11-5");
    assert_int_equal(hm_gtid_set_add_mariadb(s, 2, 12, 7, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mariadb(s, 1, 13, 9, &err), HM_OK);
    assert_string_equal(text_of(s), "0-11-5,1-13-9,2-12-7");
    /* the domain's entry becomes what is given, even a lower seq from another server */
    assert_int_equal(hm_gtid_set_add_mariadb(s, 2, 99, 3, &err), HM_OK);
    assert_string_equal(text_of(s), "0-11-5,1-13-9,2-99-3");
    assert_string_equal(err.msg, "untouched");

    assert_true(hm_gtid_set_contains_mariadb(s, 0, 1));
    assert_true(hm_gtid_set_contains_mariadb(s, 0, 5));
    assert_false(hm_gtid_set_contains_mariadb(s, 0, 6));
    assert_true(hm_gtid_set_contains_mariadb(s, 2, 3));
    assert_false(hm_gtid_set_contains_mariadb(s, 2, 4));
    assert_false(hm_gtid_set_contains_mariadb(s, 3, 0));
    assert_false(hm_gtid_set_contains_mysql(s, u1, 1));
    hm_gtid_set_free(s);
}

static void test_mysql_text(void **state)
{
    (void)state;
    /* canonical */
    check_parse(U1 ":1-5:7:9-10," U2 ":3", U1 ":1-5:7:9-10," U2 ":3");
    check_parse(U1 ":1", U1 ":1");
    /* uppercase, as in the MySQL manual's examples */
    check_parse(U1_UP ":1-5", U1 ":1-5");
    /* gtid_executed as the server prints it: ",\n" between uuids */
    check_parse(U3 ":1-3,\n" U1 ":1-19", U3 ":1-3," U1 ":1-19");
    /* uuids unsorted, intervals unsorted, overlapping, adjacent, repeated, a uuid twice */
    check_parse(U2 ":3," U1 ":9-10:1-5:7", U1 ":1-5:7:9-10," U2 ":3");
    check_parse(U1 ":1-5:3-8", U1 ":1-8");
    check_parse(U1 ":1-3:4-6", U1 ":1-6");
    check_parse(U1 ":5:5:5", U1 ":5");
    check_parse(U1 ":1:3:5:7:9:2-8", U1 ":1-9");
    check_parse(U1 ":1:3:5:7:20:3-5", U1 ":1:3-5:7:20");
    check_parse(U1 ":1-3," U2 ":1," U1 ":4-5", U1 ":1-5," U2 ":1");
    /* blanks around ':' and '-' and after commas, as MySQL's own parser allows */
    check_parse(" " U1 " : 1 - 3 : 5 ,\n\t" U2 ":2\n", U1 ":1-3:5," U2 ":2");
}

static void test_mysql_add(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    strcpy(err.msg, "untouched");
    for (uint64_t n = 1; n <= 3; n++)
        assert_int_equal(hm_gtid_set_add_mysql(s, u1, n, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-3");
    /* a gap, then its fill merges the two intervals */
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 5, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-3:5");
    assert_false(hm_gtid_set_contains_mysql(s, u1, 4));
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 4, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-5");
    /* out of order: later first, then the middle, then one before everything */
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 10, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 8, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-5:8:10");
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 9, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-5:8-10");
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 7, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-5:7-10");
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 6, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-10");
    /* already there: no change */
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 3, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 10, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-10");
    /* a second uuid sorting after, then interleaved adds */
    assert_int_equal(hm_gtid_set_add_mysql(s, u2, 100, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 11, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u2, 101, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-11," U2 ":100-101");
    assert_string_equal(err.msg, "untouched");

    assert_true(hm_gtid_set_contains_mysql(s, u1, 1));
    assert_true(hm_gtid_set_contains_mysql(s, u1, 11));
    assert_false(hm_gtid_set_contains_mysql(s, u1, 12));
    assert_false(hm_gtid_set_contains_mysql(s, u1, 0));
    assert_false(hm_gtid_set_contains_mysql(s, u2, 99));
    assert_true(hm_gtid_set_contains_mysql(s, u2, 100));
    assert_false(hm_gtid_set_contains_mysql(s, u2, 102));
    assert_false(hm_gtid_set_contains_mariadb(s, 0, 0));
    hm_gtid_set_free(s);
}

/* uuids added in descending byte order, and ones that differ only in their last byte, come
 * out sorted by their text. */
static void test_mysql_uuid_order(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    uint8_t u[16];
    (void)state;
    for (int i = 5; i >= 0; i--) {
        memcpy(u, u1, 16);
        u[i % 2 ? 0 : 15] = (uint8_t)(0x10 * i + 1);
        assert_int_equal(hm_gtid_set_add_mysql(s, u, (uint64_t)i + 1, &err), HM_OK);
    }
    assert_string_equal(text_of(s), "1111fa47-71ca-11e1-9e33-c80aa9429562:2,"
                                    "3111fa47-71ca-11e1-9e33-c80aa9429562:4,"
                                    "3e11fa47-71ca-11e1-9e33-c80aa9429501:1,"
                                    "3e11fa47-71ca-11e1-9e33-c80aa9429521:3,"
                                    "3e11fa47-71ca-11e1-9e33-c80aa9429541:5,"
                                    "5111fa47-71ca-11e1-9e33-c80aa9429562:6");
    hm_gtid_set_free(s);
}

static void test_flavour_mismatch(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    assert_int_equal(hm_gtid_set_add_mariadb(s, 0, 11, 42, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 1, &err), HM_EUSAGE);
    assert_non_null(strstr(err.msg, "cannot add MySQL GTID " U1 ":1 to a MariaDB GTID set"));
    assert_string_equal(text_of(s), "0-11-42");

    assert_int_equal(hm_gtid_set_parse(s, U1 ":1-5", &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mariadb(s, 0, 11, 42, &err), HM_EUSAGE);
    assert_non_null(strstr(err.msg, "cannot add MariaDB GTID 0-11-42 to a MySQL GTID set"));
    assert_string_equal(text_of(s), U1 ":1-5");
    hm_gtid_set_free(s);

    check_bad("0-11-42," U1 ":1", "bad GTID '" U1 ":1': a MySQL GTID after MariaDB ones");
    check_bad(U1 ":1,0-11-42", "bad GTID '0-11-42': a MariaDB GTID after MySQL ones");
}

static void test_limits(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    check_parse("4294967295-4294967295-18446744073709551615",
                "4294967295-4294967295-18446744073709551615");
    check_bad("4294967296-1-1", "domain and server_id go up to 4294967295");
    check_bad("1-4294967296-1", "domain and server_id go up to 4294967295");
    check_bad("1-1-18446744073709551616", "seq up to 18446744073709551615");
    check_bad("1-1-99999999999999999999999", "seq up to 18446744073709551615");
    assert_int_equal(hm_gtid_set_add_mariadb(s, UINT32_MAX, UINT32_MAX, UINT64_MAX, &err), HM_OK);
    assert_true(hm_gtid_set_contains_mariadb(s, UINT32_MAX, UINT64_MAX));
    assert_string_equal(text_of(s), "4294967295-4294967295-18446744073709551615");

    check_parse(U1 ":9223372036854775807", U1 ":9223372036854775807");
    check_parse(U1 ":1-9223372036854775807:5", U1 ":1-9223372036854775807");
    check_bad(U1 ":9223372036854775808", "transaction numbers go from 1 to 9223372036854775807");
    check_bad(U1 ":1-9223372036854775808", "transaction numbers go from 1 to");
    check_bad(U1 ":0", "transaction numbers go from 1 to");
    check_bad(U1 ":0-5", "transaction numbers go from 1 to");
    check_bad(U1 ":5-3", "an interval n-m needs n <= m");

    assert_int_equal(hm_gtid_set_parse(s, "", &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 0, &err), HM_EUSAGE);
    assert_non_null(strstr(err.msg, "transaction numbers go from 1 to 9223372036854775807"));
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, (uint64_t)INT64_MAX + 1, &err), HM_EUSAGE);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, UINT64_MAX, &err), HM_EUSAGE);
    assert_true(hm_gtid_set_is_empty(s));
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, (uint64_t)INT64_MAX, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, (uint64_t)INT64_MAX - 1, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":9223372036854775806-9223372036854775807");
    assert_true(hm_gtid_set_contains_mysql(s, u1, (uint64_t)INT64_MAX));
    assert_false(hm_gtid_set_contains_mysql(s, u1, (uint64_t)INT64_MAX + 1));
    assert_false(hm_gtid_set_contains_mysql(s, u1, UINT64_MAX));
    hm_gtid_set_free(s);
}

static void test_malformed(void **state)
{
    static const struct {
        const char *in, *frag;
    } cases[] = {
        {"abc", "bad GTID 'abc': expected MariaDB domain-server-seq"},
        {"0-1", "bad GTID '0-1': expected MariaDB domain-server-seq"},
        {"0-1-2-3", "bad GTID '0-1-2-3': expected MariaDB"},
        {"0--1-2", "bad GTID '0--1-2'"},
        {"-1-2-3", "bad GTID '-1-2-3'"},
        {"0-1-x", "bad GTID '0-1-x'"},
        {"0-1-2 3", "bad GTID '0-1-2 3'"},
        {"0-11-42,1-12", "bad GTID '1-12': expected MariaDB"},
        {"0-1-2,0-3-4", "bad GTID '0-3-4': a domain appears twice"},
        {"0-1-2,,1-2-3", "bad GTID set '0-1-2,,1-2-3': an empty element"},
        {"0-1-2,", "an empty element"},
        {"0-1-2, \n", "an empty element"},
        {",0-1-2", "an empty element"},
        {",", "an empty element"},
        {"3e11fa47-71ca-11e1-9e33-c80aa942956:1", "a MySQL GTID starts with a uuid of 8-4-4-4-12"},
        {"3e11fa47-71ca-11e1-9e33-c80aa942956g:1", "a MySQL GTID starts with a uuid"},
        {"3e11fa4771ca11e19e33c80aa9429562:1", "a MySQL GTID starts with a uuid"},
        {"+" U1 ":1", "a MySQL GTID starts with a uuid"},
        {":1", "a MySQL GTID starts with a uuid"},
        {U1, "bad GTID '" U1 "': a uuid needs at least one number or interval"},
        {U1 ":", "expected a number, an interval n-m or a tag after ':'"},
        {U1 "::1", "expected a number, an interval n-m or a tag after ':'"},
        {U1 ":-1", "expected a number, an interval n-m or a tag after ':'"},
        {U1 ":1-", "expected a number after '-'"},
        {U1 ":1-2-3", "expected ':' then a number"},
        {U1 ":1 2", "expected ':' then a number"},
        {U1 "x:1", "expected ':' then a number"},
        {U1 ":1;" U2 ":1", "expected ':' then a number"},
        {U1 ":tag", "a tag is followed by no interval"},
        {U1 ":1:tag", "a tag is followed by no interval"},
        {U1 ":t1:t2:1", "a tag is followed by no interval"},
        {U1 ":abcdefghijklmnopqrstuvwxyz0123456:1", "a tag has at most 32 characters"},
        {U1 ":ta-g:1", "expected ':' then a number"},
        {U1 ":t\xc3\xa9:1", "bad GTID '" U1 ":t??:1': expected ':' then a number"},
        {"0-1-\x01", "bad GTID '0-1-?'"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_bad(cases[i].in, cases[i].frag);
}

/* A long bad element is quoted cut short with "...", not whole. */
static void test_malformed_long(void **state)
{
    char in[400], want[200];
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    snprintf(in, sizeof in, "%s", U1);
    for (int i = 1; i <= 40; i++)
        snprintf(in + strlen(in), sizeof in - strlen(in), ":%d", 2 * i);
    strcat(in, ":oops-END");
    assert_int_equal(hm_gtid_set_parse(s, in, &err), HM_EUSAGE);
    snprintf(want, sizeof want, "bad GTID '%.60s...': ", in);
    assert_non_null(strstr(err.msg, want));
    assert_null(strstr(err.msg, "END"));
    assert_true(strlen(err.msg) < 200);
    hm_gtid_set_free(s);
}

static void test_tags(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    check_parse(U1 ":1-5:tag1:3-4", U1 ":1-5:tag1:3-4");
    check_parse(U1 ":1-5:aa:1:bb:2," U2 ":cc:7-9", U1 ":1-5:aa:1:bb:2," U2 ":cc:7-9");
    /* tags sorted after the untagged intervals, uppercase lowered, same tag merged */
    check_parse(U1 ":b_tag:1," U1_UP ":A_TAG:2:3," U1 ":1-5," U1 ":b_tag:2-4",
                U1 ":1-5:a_tag:2-3:b_tag:1-4");
    check_parse(U1 ":_x:1:_x:2", U1 ":_x:1-2");
    check_parse(U1 ":abcdefghijklmnopqrstuvwxyz012345:1", U1 ":abcdefghijklmnopqrstuvwxyz012345:1");
    check_parse(U1 ": tag : 1 - 2", U1 ":tag:1-2");

    /* add and contains address the untagged GTIDs */
    assert_int_equal(hm_gtid_set_parse(s, U1 ":tag:1-5", &err), HM_OK);
    assert_false(hm_gtid_set_contains_mysql(s, u1, 3));
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 3, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 4, &err), HM_OK);
    assert_true(hm_gtid_set_contains_mysql(s, u1, 3));
    assert_string_equal(text_of(s), U1 ":3-4:tag:1-5");
    hm_gtid_set_free(s);
}

/* A stream: one add per transaction, consecutive numbers. */
static void test_stream_million(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    (void)state;
    for (uint64_t n = 1; n <= 1000000; n++)
        if (hm_gtid_set_add_mysql(s, u1, n, &err) != HM_OK)
            fail_msg("add %llu: %s", (unsigned long long)n, err.msg);
    assert_string_equal(text_of(s), U1 ":1-1000000");
    assert_true(hm_gtid_set_contains_mysql(s, u1, 500000));
    /* two sources interleaved: each add finds its uuid by search, still one interval each */
    assert_int_equal(hm_gtid_set_parse(s, "", &err), HM_OK);
    for (uint64_t n = 1; n <= 200000; n++) {
        assert_int_equal(hm_gtid_set_add_mysql(s, u2, n, &err), HM_OK);
        assert_int_equal(hm_gtid_set_add_mysql(s, u1, n + 7, &err), HM_OK);
    }
    assert_string_equal(text_of(s), U1 ":8-200007," U2 ":1-200000");
    hm_gtid_set_free(s);
}

/* Random adds in a small range against a bitmap: contains and the text agree with it, and
 * the text parses back to itself. */
static void test_random_vs_bitmap(void **state)
{
    enum { N = 300 };
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    bool in[N + 2] = {false};
    unsigned seed = 12345;
    char want[4096];
    (void)state;
    for (int round = 0; round < 400; round++) {
        uint64_t n;
        size_t len;
        seed = seed * 1103515245u + 12345u;
        n = 1 + (seed >> 8) % N;
        in[n] = true;
        assert_int_equal(hm_gtid_set_add_mysql(s, u1, n, &err), HM_OK);
        for (uint64_t k = 1; k <= N; k++)
            assert_int_equal(hm_gtid_set_contains_mysql(s, u1, k), in[k]);
        len = (size_t)snprintf(want, sizeof want, "%s", U1);
        for (uint64_t a = 1; a <= N; a++) {
            uint64_t b = a;
            if (!in[a])
                continue;
            while (in[b + 1])
                b++;
            if (a == b)
                len += (size_t)snprintf(want + len, sizeof want - len, ":%llu",
                                        (unsigned long long)a);
            else
                len += (size_t)snprintf(want + len, sizeof want - len, ":%llu-%llu",
                                        (unsigned long long)a, (unsigned long long)b);
            a = b;
        }
        assert_string_equal(text_of(s), want);
    }
    check_parse(want, want);
    hm_gtid_set_free(s);
}

/* format appends, and leaves the buffer as it was when the text does not fit. */
static void test_format_buffer(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    hm_buf b;
    (void)state;
    assert_int_equal(hm_gtid_set_parse(s, U1 ":1-5:7," U2 ":3", &err), HM_OK);
    hm_buf_init(&b, 64);
    assert_int_equal(hm_buf_adds(&b, "gtid="), HM_OK);
    assert_int_equal(hm_gtid_set_format(s, &b, &err), HM_ENOMEM);
    assert_string_equal(b.data, "gtid=");
    assert_int_equal(b.len, 5);
    hm_buf_release(&b);
    hm_buf_init(&b, 200);
    assert_int_equal(hm_buf_adds(&b, "gtid="), HM_OK);
    assert_int_equal(hm_gtid_set_format(s, &b, &err), HM_OK);
    assert_string_equal(b.data, "gtid=" U1 ":1-5:7," U2 ":3");
    hm_buf_release(&b);
    /* a buffer that has never allocated stays so */
    hm_buf_init(&b, 10);
    assert_int_equal(hm_gtid_set_format(s, &b, &err), HM_ENOMEM);
    assert_int_equal(b.len, 0);
    hm_buf_release(&b);
    hm_gtid_set_free(s);
}

/* ---- real binlogs ------------------------------------------------------------------------- */

static uint8_t *load(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    uint8_t *b;
    long n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Walks a binlog: the set its GTID_LIST or PREVIOUS_GTIDS names is parsed into *start, and
 * every GTID event after it is added to s (which starts as a copy of *start). */
static void walk(const char *dir, const char *name, hm_gtid_set *start, hm_gtid_set *s,
                 unsigned *n_gtids)
{
    size_t len;
    uint8_t *b = load(dir, name, &len);
    hm_binlog_fmt fmt;
    hm_err err;
    uint64_t pos = 4;
    bool seen_list = false;
    hm_binlog_fmt_init(&fmt);
    *n_gtids = 0;
    while (pos < len) {
        hm_binlog_event ev;
        uint32_t size;
        assert_true(hm_binlog_peek_size(b + pos, len - pos, &size));
        if (hm_binlog_event_decode(&fmt, b + pos, size, pos, &ev, &err) != HM_OK)
            fail_msg("%s at %llu: %s", name, (unsigned long long)pos, err.msg);
        if (ev.kind == HM_BINLOG_EV_GTID_LIST || ev.kind == HM_BINLOG_EV_PREVIOUS_GTIDS) {
            hm_buf t;
            hm_buf_init(&t, 1 << 16);
            assert_int_equal(hm_binlog_gtid_set_format(&ev, &t), HM_OK);
            if (hm_gtid_set_parse(start, t.data ? t.data : "", &err) != HM_OK ||
                hm_gtid_set_parse(s, t.data ? t.data : "", &err) != HM_OK)
                fail_msg("%s: %s", name, err.msg);
            if (ev.kind == HM_BINLOG_EV_PREVIOUS_GTIDS) {
                /* our encoding of the set is the server's, byte for byte (as COM_BINLOG_DUMP_GTID
                 * carries it) */
                t.len = 0;
                assert_int_equal(hm_gtid_set_encode_mysql(start, &t, &err), HM_OK);
                assert_int_equal(t.len, ev.u.previous_gtids.len);
                assert_memory_equal(t.data, ev.u.previous_gtids.data, t.len);
            }
            hm_buf_release(&t);
            seen_list = true;
        } else if (ev.kind == HM_BINLOG_EV_MARIADB_GTID) {
            assert_true(seen_list);
            assert_int_equal(hm_gtid_set_add_mariadb(s, ev.u.mariadb_gtid.domain_id,
                                                     ev.u.mariadb_gtid.server_id,
                                                     ev.u.mariadb_gtid.seq_no, &err),
                             HM_OK);
            (*n_gtids)++;
        } else if (ev.kind == HM_BINLOG_EV_MYSQL_GTID && !ev.u.mysql_gtid.anonymous) {
            assert_int_equal(hm_gtid_set_add_mysql_tagged(s, ev.u.mysql_gtid.sid,
                                                          ev.u.mysql_gtid.tag.p,
                                                          ev.u.mysql_gtid.tag.len,
                                                          (uint64_t)ev.u.mysql_gtid.gno, &err),
                             HM_OK);
            (*n_gtids)++;
        }
        pos = ev.next_pos;
    }
    assert_true(seen_list);
    free(b);
}

/* MySQL 5.7 binlogs with gtid_mode OFF: PREVIOUS_GTIDS is the empty set, GTIDs anonymous. */
static void test_fixture_mysql(void **state)
{
    static const char *const files[] = {"mysql-bin.checksum-crc32", "mysql-bin.checksum-none"};
    (void)state;
    if (!fixtures_dir)
        skip();
    for (size_t i = 0; i < 2; i++) {
        hm_gtid_set *start = hm_gtid_set_new(), *s = hm_gtid_set_new();
        hm_err err;
        unsigned n;
        assert_int_equal(hm_gtid_set_parse(start, "0-1-1", &err), HM_OK); /* replaced */
        walk(fixtures_dir, files[i], start, s, &n);
        assert_int_equal(n, 0);
        assert_true(hm_gtid_set_is_empty(start));
        assert_true(hm_gtid_set_is_empty(s));
        hm_gtid_set_free(start);
        hm_gtid_set_free(s);
    }
}

/* MariaDB binlogs of one server (server_id 11, domain 0), rotated: mariadb-1.bin opens with
 * Gtid list [0-11-3] and ends at GTID 0-11-31; mariadb-2.bin opens with [0-11-31], and so on. */
static void test_fixture_mariadb(void **state)
{
    static const struct {
        const char *file, *list, *end;
        unsigned gtids;
    } files[] = {
        {"mariadb-1.bin", "0-11-3", "0-11-31", 28},
        {"mariadb-2.bin", "0-11-31", "0-11-45", 14},
        {"mariadb-3.bin", "0-11-45", "0-11-49", 4},
    };
    char prev_end[64] = "";
    (void)state;
    if (!mariadb_dir)
        skip();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        hm_gtid_set *start = hm_gtid_set_new(), *s = hm_gtid_set_new();
        unsigned n;
        walk(mariadb_dir, files[i].file, start, s, &n);
        assert_int_equal(n, files[i].gtids);
        assert_string_equal(text_of(start), files[i].list);
        if (prev_end[0])
            assert_string_equal(text_of(start), prev_end);
        assert_string_equal(text_of(s), files[i].end);
        assert_true(hm_gtid_set_contains_mariadb(s, 0, 31));
        assert_false(hm_gtid_set_contains_mariadb(s, 1, 1));
        snprintf(prev_end, sizeof prev_end, "%s", text_of(s));
        hm_gtid_set_free(start);
        hm_gtid_set_free(s);
    }
}

/* The MySQL 8.0-9.6 files of the corpus: PREVIOUS_GTIDS (tagged in 9.6) parsed, re-encoded byte
 * for byte, then the file's GTIDs (a tagged one in 9.6) added: the set a checkpoint keeps. */
static void test_fixture_corpus(void **state)
{
    static const struct {
        const char *file, *start, *end;
        unsigned n;
    } f[] = {
        {"rmc-binlog_transaction_with_GTID_TAG.000001",
         "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2",
         "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-3", 1},
        {"rmc-binlog_transaction_previous_GTID_no_tag.000001",
         "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2", "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2",
         0},
        {"mbcr-mysql-bin.000057", "76f3e7be-6720-11ed-9cad-0242ac110002:1-10",
         "76f3e7be-6720-11ed-9cad-0242ac110002:1-13", 3},
        {"rmc-transaction_compression.000001", "357df524-4139-11ee-9979-b033ee13919e:1",
         "357df524-4139-11ee-9979-b033ee13919e:1", 0},
    };
    uint8_t sid[16] = {0x55, 0x77, 0x89, 0x04, 0x02, 0x99, 0x11, 0xf1,
                       0xb1, 0xb8, 0x4e, 0xf0, 0xc4, 0x95, 0x6f, 0xeb};
    (void)state;
    if (!corpus_dir)
        skip();
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        hm_gtid_set *start = hm_gtid_set_new(), *s = hm_gtid_set_new();
        hm_err err;
        unsigned n;
        walk(corpus_dir, f[i].file, start, s, &n);
        assert_int_equal(n, f[i].n);
        assert_string_equal(text_of(start), f[i].start);
        assert_string_equal(text_of(s), f[i].end);
        if (i == 0) {
            assert_true(hm_gtid_set_contains_mysql_tagged(s, sid, "mytag", 5, 3));
            assert_true(hm_gtid_set_contains_mysql_tagged(s, sid, "MyTag", 5, 1));
            assert_false(hm_gtid_set_contains_mysql_tagged(s, sid, "mytag", 5, 4));
            assert_false(hm_gtid_set_contains_mysql_tagged(s, sid, "other", 5, 1));
            assert_true(hm_gtid_set_contains_mysql(s, sid, 13));
            assert_false(hm_gtid_set_contains_mysql(s, sid, 14));
            /* the checkpoint's text parses back to the same set */
            assert_int_equal(hm_gtid_set_parse(start, text_of(s), &err), HM_OK);
            assert_string_equal(text_of(start), f[i].end);
        }
        hm_gtid_set_free(start);
        hm_gtid_set_free(s);
    }
}

/* Tagged adds, and MySQL's binary encoding byte for byte. */
static void test_tagged_add_encode(void **state)
{
    hm_gtid_set *s = hm_gtid_set_new();
    hm_err err;
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1 << 16);
    /* the empty set: a zero count */
    assert_int_equal(hm_gtid_set_encode_mysql(s, &b, &err), HM_OK);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "\0\0\0\0\0\0\0\0", 8);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 1, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 2, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql(s, u1, 7, &err), HM_OK);
    b.len = 0;
    assert_int_equal(hm_gtid_set_encode_mysql(s, &b, &err), HM_OK);
    {
        static const uint8_t want[] = {
            1, 0, 0, 0, 0, 0, 0, 0,                                   /* 1 uuid */
            0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
            0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62,
            2, 0, 0, 0, 0, 0, 0, 0,                                   /* 2 intervals */
            1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,           /* [1, 3) */
            7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0,           /* [7, 8) */
        };
        assert_int_equal(b.len, sizeof want);
        assert_memory_equal(b.data, want, sizeof want);
    }
    assert_int_equal(hm_gtid_set_add_mysql_tagged(s, u1, "Tag_1", 5, 5, &err), HM_OK);
    assert_int_equal(hm_gtid_set_add_mysql_tagged(s, u2, "", 0, 9, &err), HM_OK);
    assert_string_equal(text_of(s), U1 ":1-2:7:tag_1:5," U2 ":9");
    b.len = 0;
    assert_int_equal(hm_gtid_set_encode_mysql(s, &b, &err), HM_OK);
    {
        const uint8_t *p = (const uint8_t *)b.data;
        static const uint8_t head[8] = {1, 3, 0, 0, 0, 0, 0, 1}; /* tagged, 3 entries */
        assert_memory_equal(p, head, 8);
        assert_memory_equal(p + 8, u1, 16);
        assert_int_equal(p[24], 0);                /* untagged: tag length 0 */
        assert_int_equal(p[25], 2);                /* 2 intervals */
        p += 25 + 8 + 32;
        assert_memory_equal(p, u1, 16);
        assert_int_equal(p[16], 5 << 1);           /* varlen 5 */
        assert_memory_equal(p + 17, "tag_1", 5);
        assert_int_equal(p[22], 1);
        assert_int_equal(p[30], 5);
        assert_int_equal(p[38], 6);
        p += 46;
        assert_memory_equal(p, u2, 16);
        assert_int_equal(p[16], 0);
        assert_int_equal((size_t)(p + 17 + 8 + 16 - (const uint8_t *)b.data), b.len);
    }
    /* bad tags */
    assert_int_equal(hm_gtid_set_add_mysql_tagged(s, u1, "9x", 2, 1, &err), HM_EUSAGE);
    assert_int_equal(hm_gtid_set_add_mysql_tagged(s, u1, "a-b", 3, 1, &err), HM_EUSAGE);
    assert_int_equal(hm_gtid_set_add_mysql_tagged(s, u1, "abcdefghijklmnopqrstuvwxyz0123456", 33,
                                                  1, &err), HM_EUSAGE);
    assert_int_equal(hm_gtid_set_add_mysql_tagged(s, u1, "t", 1, 0, &err), HM_EUSAGE);
    /* a MariaDB position has no MySQL encoding */
    assert_int_equal(hm_gtid_set_parse(s, "0-1-5", &err), HM_OK);
    assert_int_equal(hm_gtid_set_encode_mysql(s, &b, &err), HM_EUSAGE);
    hm_buf_release(&b);
    hm_gtid_set_free(s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_mariadb_text),
        cmocka_unit_test(test_mariadb_add),
        cmocka_unit_test(test_mysql_text),
        cmocka_unit_test(test_mysql_add),
        cmocka_unit_test(test_mysql_uuid_order),
        cmocka_unit_test(test_flavour_mismatch),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_malformed_long),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_stream_million),
        cmocka_unit_test(test_random_vs_bitmap),
        cmocka_unit_test(test_format_buffer),
        cmocka_unit_test(test_fixture_mysql),
        cmocka_unit_test(test_fixture_mariadb),
        cmocka_unit_test(test_fixture_corpus),
        cmocka_unit_test(test_tagged_add_encode),
    };
    if (argc > 2) {
        fixtures_dir = argv[1];
        mariadb_dir = argv[2];
        if (!hm_test_fixture_dir_ok(fixtures_dir) || !hm_test_fixture_dir_ok(mariadb_dir))
            return 1;
    }
    if (argc > 3) {
        corpus_dir = argv[3];
        if (!hm_test_fixture_dir_ok(corpus_dir))
            return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
