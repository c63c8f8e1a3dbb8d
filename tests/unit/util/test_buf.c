/*
 * tests/unit/util/test_buf.c: the bounded growable buffer (util/buf.h).
 *
 *   - add / adds / addc / addf / addhex append exactly the expected bytes, NUL-terminated
 *   - growth past the first allocation keeps earlier content
 *   - reserve + commit (including committing fewer bytes than reserved)
 *   - every append that would take len past max returns HM_ENOMEM and leaves len and bytes as
 *     they were; an append that lands exactly on max succeeds
 *   - reset keeps the allocation, release frees it and the buffer can be used again
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "util/buf.h"

static void test_init_empty(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 100);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100);
    hm_buf_release(&b);
}

static void test_add_basic(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_buf_add(&b, "abc", 3), HM_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "abc\0", 4);
    assert_int_equal(hm_buf_adds(&b, "de"), HM_OK);
    assert_int_equal(hm_buf_addc(&b, 'f'), HM_OK);
    assert_int_equal(b.len, 6);
    assert_string_equal(b.data, "abcdef");
    assert_int_equal(b.data[6], '\0');
    hm_buf_release(&b);
}

static void test_add_zero_on_fresh_buffer(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 16);
    assert_int_equal(hm_buf_add(&b, "", 0), HM_OK);
    assert_int_equal(b.len, 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    assert_int_equal(hm_buf_adds(&b, ""), HM_OK);
    assert_int_equal(b.len, 0);
    hm_buf_release(&b);
}

static void test_add_binary_with_nul(void **state)
{
    hm_buf b;
    static const char bytes[] = {'a', '\0', 'b', '\0', (char)0xff};
    (void)state;
    hm_buf_init(&b, 64);
    assert_int_equal(hm_buf_add(&b, bytes, sizeof bytes), HM_OK);
    assert_int_equal(b.len, sizeof bytes);
    assert_memory_equal(b.data, bytes, sizeof bytes);
    assert_int_equal(b.data[sizeof bytes], '\0');
    hm_buf_release(&b);
}

static void test_growth_keeps_content(void **state)
{
    hm_buf b;
    char expect[3000];
    (void)state;
    hm_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < sizeof expect; i++) {
        expect[i] = (char)('a' + i % 26);
        assert_int_equal(hm_buf_addc(&b, expect[i]), HM_OK);
        assert_true(b.cap > b.len);
    }
    assert_int_equal(b.len, sizeof expect);
    assert_memory_equal(b.data, expect, sizeof expect);
    assert_int_equal(b.data[b.len], '\0');
    assert_true(b.cap <= b.max + 1);
    hm_buf_release(&b);
}

static void test_addf(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 1024);
    assert_int_equal(hm_buf_adds(&b, "x="), HM_OK);
    assert_int_equal(hm_buf_addf(&b, "%d,%s,%05.1f,%c", -42, "str", 3.14159, 'z'), HM_OK);
    assert_string_equal(b.data, "x=-42,str,003.1,z");
    assert_int_equal(b.len, strlen("x=-42,str,003.1,z"));
    assert_int_equal(hm_buf_addf(&b, "%s", ""), HM_OK);
    assert_int_equal(b.len, strlen("x=-42,str,003.1,z"));
    assert_int_equal(hm_buf_addf(&b, "[%u]", 7u), HM_OK);
    assert_string_equal(b.data, "x=-42,str,003.1,z[7]");
    hm_buf_release(&b);
}

static void test_addf_long(void **state)
{
    hm_buf b;
    char big[1000];
    (void)state;
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    hm_buf_init(&b, 4096);
    assert_int_equal(hm_buf_addf(&b, "<%s>", big), HM_OK);
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1000], '>');
    assert_memory_equal(b.data + 1, big, 999);
    assert_int_equal(b.data[1001], '\0');
    hm_buf_release(&b);
}

static void test_addhex(void **state)
{
    hm_buf b;
    static const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff, 0x10};
    (void)state;
    hm_buf_init(&b, 64);
    assert_int_equal(hm_buf_adds(&b, "0x"), HM_OK);
    assert_int_equal(hm_buf_addhex(&b, bytes, sizeof bytes), HM_OK);
    assert_string_equal(b.data, "0x00017f80abff10");
    assert_int_equal(b.len, 2 + 2 * sizeof bytes);
    assert_int_equal(hm_buf_addhex(&b, bytes, 0), HM_OK);
    assert_string_equal(b.data, "0x00017f80abff10");
    hm_buf_release(&b);
}

static void test_reserve_commit(void **state)
{
    hm_buf b;
    char *p;
    (void)state;
    hm_buf_init(&b, 32);
    assert_int_equal(hm_buf_adds(&b, "ab"), HM_OK);
    p = hm_buf_reserve(&b, 10);
    assert_non_null(p);
    assert_ptr_equal(p, b.data + 2);
    assert_int_equal(b.len, 2); /* reserving does not change len */
    memcpy(p, "0123456789", 10);
    hm_buf_commit(&b, 4); /* only part of what was reserved */
    assert_int_equal(b.len, 6);
    assert_string_equal(b.data, "ab0123");
    p = hm_buf_reserve(&b, 0);
    assert_non_null(p);
    hm_buf_commit(&b, 0);
    assert_string_equal(b.data, "ab0123");
    hm_buf_release(&b);
}

static void test_reserve_over_max(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 8);
    assert_non_null(hm_buf_reserve(&b, 8));
    assert_null(hm_buf_reserve(&b, 9));
    assert_null(hm_buf_reserve(&b, SIZE_MAX));
    assert_int_equal(hm_buf_adds(&b, "abc"), HM_OK);
    assert_non_null(hm_buf_reserve(&b, 5));
    assert_null(hm_buf_reserve(&b, 6));
    assert_null(hm_buf_reserve(&b, SIZE_MAX - 1));
    assert_int_equal(b.len, 3);
    assert_string_equal(b.data, "abc");
    hm_buf_release(&b);
}

static void test_max_exact_fit(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 5);
    assert_int_equal(hm_buf_add(&b, "hello", 5), HM_OK);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "hello");
    assert_true(b.cap <= 6);
    assert_int_equal(hm_buf_add(&b, "", 0), HM_OK);
    assert_int_equal(hm_buf_addc(&b, '!'), HM_ENOMEM);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "hello");
    hm_buf_release(&b);
}

static void test_over_max_leaves_content(void **state)
{
    hm_buf b;
    static const unsigned char two[] = {0xde, 0xad};
    (void)state;
    hm_buf_init(&b, 10);
    assert_int_equal(hm_buf_adds(&b, "1234567"), HM_OK);

    assert_int_equal(hm_buf_add(&b, "abcd", 4), HM_ENOMEM);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "1234567");

    assert_int_equal(hm_buf_adds(&b, "wxyz"), HM_ENOMEM);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "1234567");

    assert_int_equal(hm_buf_addf(&b, "%d", 1234), HM_ENOMEM);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "1234567");

    assert_int_equal(hm_buf_addhex(&b, two, 2), HM_ENOMEM); /* 4 hex digits > 3 left */
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "1234567");

    /* what still fits does */
    assert_int_equal(hm_buf_addf(&b, "%d", 89), HM_OK);
    assert_int_equal(hm_buf_addc(&b, 'x'), HM_OK);
    assert_string_equal(b.data, "123456789x");
    assert_int_equal(b.len, 10);
    assert_int_equal(hm_buf_addc(&b, 'y'), HM_ENOMEM);
    assert_int_equal(hm_buf_addhex(&b, two, 1), HM_ENOMEM);
    assert_string_equal(b.data, "123456789x");
    hm_buf_release(&b);
}

static void test_addhex_over_max(void **state)
{
    hm_buf b;
    static const unsigned char one[] = {0x5a};
    (void)state;
    hm_buf_init(&b, 3);
    assert_int_equal(hm_buf_addhex(&b, one, 1), HM_OK);
    assert_string_equal(b.data, "5a");
    assert_int_equal(hm_buf_addhex(&b, one, 1), HM_ENOMEM);
    assert_string_equal(b.data, "5a");
    assert_int_equal(b.len, 2);
    /* a count whose doubling overflows size_t is refused, not wrapped */
    assert_int_equal(hm_buf_addhex(&b, one, SIZE_MAX / 2 + 1), HM_ENOMEM);
    assert_int_equal(b.len, 2);
    hm_buf_release(&b);
}

static void test_max_zero(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 0);
    assert_int_equal(hm_buf_addc(&b, 'a'), HM_ENOMEM);
    assert_int_equal(b.len, 0);
    assert_int_equal(hm_buf_add(&b, "", 0), HM_OK);
    assert_string_equal(b.data, "");
    hm_buf_release(&b);
}

static void test_reset_keeps_allocation(void **state)
{
    hm_buf b;
    char *data;
    size_t cap;
    (void)state;
    hm_buf_init(&b, 4096);
    assert_int_equal(hm_buf_adds(&b, "some text that is here"), HM_OK);
    data = b.data;
    cap = b.cap;
    hm_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.max, 4096);
    assert_string_equal(b.data, "");
    assert_int_equal(hm_buf_adds(&b, "new"), HM_OK);
    assert_ptr_equal(b.data, data);
    assert_string_equal(b.data, "new");
    assert_int_equal(b.len, 3);
    hm_buf_release(&b);
}

static void test_reset_empty(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 10);
    hm_buf_reset(&b); /* no allocation yet: must not touch data */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_reset_after_full(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 4);
    assert_int_equal(hm_buf_adds(&b, "abcd"), HM_OK);
    assert_int_equal(hm_buf_addc(&b, 'e'), HM_ENOMEM);
    hm_buf_reset(&b);
    assert_int_equal(hm_buf_adds(&b, "wxyz"), HM_OK); /* max applies to len, reset frees it */
    assert_string_equal(b.data, "wxyz");
    hm_buf_release(&b);
}

static void test_release_and_reuse(void **state)
{
    hm_buf b;
    (void)state;
    hm_buf_init(&b, 64);
    assert_int_equal(hm_buf_adds(&b, "first"), HM_OK);
    hm_buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    hm_buf_release(&b); /* twice is harmless */
    hm_buf_init(&b, 64);
    assert_int_equal(hm_buf_adds(&b, "second"), HM_OK);
    assert_string_equal(b.data, "second");
    assert_int_equal(b.len, 6);
    hm_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_empty),
        cmocka_unit_test(test_add_basic),
        cmocka_unit_test(test_add_zero_on_fresh_buffer),
        cmocka_unit_test(test_add_binary_with_nul),
        cmocka_unit_test(test_growth_keeps_content),
        cmocka_unit_test(test_addf),
        cmocka_unit_test(test_addf_long),
        cmocka_unit_test(test_addhex),
        cmocka_unit_test(test_reserve_commit),
        cmocka_unit_test(test_reserve_over_max),
        cmocka_unit_test(test_max_exact_fit),
        cmocka_unit_test(test_over_max_leaves_content),
        cmocka_unit_test(test_addhex_over_max),
        cmocka_unit_test(test_max_zero),
        cmocka_unit_test(test_reset_keeps_allocation),
        cmocka_unit_test(test_reset_empty),
        cmocka_unit_test(test_reset_after_full),
        cmocka_unit_test(test_release_and_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
