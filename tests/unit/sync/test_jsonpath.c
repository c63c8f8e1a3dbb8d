/*
 * tests/unit/sync/test_jsonpath.c: MySQL partial-JSON diff paths rewritten for the target's JSON
 * functions (sync/jsonpath.h): every member name quoted, escapes decoded and re-escaped, array
 * cells kept, anything that is not a concrete path refused with the path quoted; hostile diff
 * sequences (cut, bytes flipped) read within their bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "binlog/json.h"
#include "sync/jsonpath.h"

static void ok(const char *in, const char *want, bool want_array)
{
    hm_buf b;
    hm_err err;
    bool arr;
    hm_buf_init(&b, 1 << 16);
    if (hm_sync_jsonpath((const uint8_t *)in, strlen(in), &b, &arr, &err) != HM_OK)
        fail_msg("%s: %s", in, err.msg);
    assert_string_equal(b.data, want);
    assert_int_equal(arr, want_array);
    hm_buf_release(&b);
}

static void refused(const char *in, size_t n, const char *frag)
{
    hm_buf b;
    hm_err err;
    bool arr;
    hm_buf_init(&b, 1 << 16);
    assert_int_equal(hm_sync_jsonpath((const uint8_t *)in, n, &b, &arr, &err), HM_ESOURCE);
    if (!strstr(err.msg, frag))
        fail_msg("%s: [%s] lacks [%s]", in, err.msg, frag);
    assert_true(b.len == 0);
    hm_buf_release(&b);
}

static void test_paths(void **state)
{
    (void)state;
    ok("$", "$", false);
    ok("$.age", "$.\"age\"", false);
    ok("$.a.b_c$9", "$.\"a\".\"b_c$9\"", false);
    ok("$.b[1]", "$.\"b\"[1]", true);
    ok("$[0][12].x", "$[0][12].\"x\"", false);
    ok("$.\"c d\"", "$.\"c d\"", false);
    ok("$.\"q\\\"k\"", "$.\"q\\\"k\"", false);
    ok("$.\"back\\\\slash\"", "$.\"back\\\\slash\"", false);
    ok("$.\"\\u00e9t\\u00e9\"", "$.\"\xc3\xa9t\xc3\xa9\"", false);
    ok("$.\"\\ud83d\\ude00\"", "$.\"\xf0\x9f\x98\x80\"", false);
    ok("$.\"x'); DROP TABLE t; -- \"", "$.\"x'); DROP TABLE t; -- \"", false);
    ok("$.caf\xc3\xa9", "$.\"caf\xc3\xa9\"", false);
    ok("$ . a [ 2 ]", "$.\"a\"[2]", true);
}

static void test_refused(void **state)
{
    (void)state;
    refused("", 0, "does not start with '$'");
    refused("a.b", 3, "does not start with '$'");
    refused("$.*", 3, "path '$.*'");
    refused("$**.a", 5, "unexpected character");
    refused("$[*]", 4, "array leg");
    refused("$[last]", 7, "array leg");
    refused("$[1 to 3]", 9, "array leg");
    refused("$[12345678901]", 14, "array leg");
    refused("$.\"open", 7, "not closed");
    refused("$.\"a\\q\"", 7, "unknown escape");
    refused("$.\"a\\u12\"", 9, "\\u escape");
    refused("$.\"\\ud800\"", 10, "surrogate");
    refused("$.\"\\u0000\"", 10, "NUL");
    refused("$.\"a\nb\"", 7, "control character");
    refused("$.9a", 4, "neither a name");
    refused("$.\x01", 3, "path '$.?'");
}

/* JSON diffs and their paths, cut at every length and with bytes flipped at random: each read
 * stays within its bytes (ASan) and either decodes or is refused. */
static void test_hostile_diffs(void **state)
{
    static const uint8_t good[] = {
        0, 5, '$', '.', 'a', 'g', 'e', 3, 0x05, 26, 0,             /* REPLACE $.age 26 */
        1, 7, '$', '.', '"', 'c', ' ', 'd', '"', 3, 0x0c, 1, 'x',  /* INSERT $."c d" "x" */
        2, 6, '$', '.', 'b', '[', '1', ']',                        /* REMOVE $.b[1] */
    };
    uint8_t buf[sizeof good];
    unsigned seed = 12345, decoded = 0, refused = 0;
    (void)state;
    for (size_t n = 0; n <= sizeof good; n++) {
        for (int round = 0; round < 200; round++) {
            const uint8_t *p, *end;
            hm_binlog_json_diff d;
            hm_err err;
            uint8_t *cut = malloc(n ? n : 1);
            memcpy(buf, good, sizeof good);
            if (round) { /* flip one to three bytes */
                for (int k = 0; k < 1 + round % 3; k++) {
                    seed = seed * 1103515245u + 12345u;
                    buf[(seed >> 16) % sizeof good] ^= (uint8_t)(seed >> 8);
                }
            }
            memcpy(cut, buf, n);
            p = cut;
            end = cut + n;
            while (p < end) {
                hm_buf out;
                bool arr;
                if (hm_binlog_json_diff_next(&p, end, &d, &err) != HM_OK) {
                    refused++;
                    break;
                }
                assert_true(p <= end);
                hm_buf_init(&out, 1 << 12);
                if (hm_sync_jsonpath(d.path, d.path_len, &out, &arr, &err) == HM_OK)
                    decoded++;
                else
                    refused++;
                if (d.value) {
                    out.len = 0;
                    (void)hm_binlog_json_text(d.value, d.value_len, &out, &err);
                }
                hm_buf_release(&out);
            }
            free(cut);
        }
    }
    print_message("%u diffs decoded, %u refused\n", decoded, refused);
    assert_true(decoded > 0 && refused > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_hostile_diffs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
