/*
 * tests/fuzz/fuzz_gtid.c: libFuzzer driver for the GTID-set parser (sync/gtid.h). Besides not
 * crashing, a set that parses must format to a text that parses to the same set again
 * (format(parse(format(parse(x)))) == format(parse(x))); a difference aborts, so libFuzzer keeps it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/gtid.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    hm_gtid_set *a = hm_gtid_set_new(), *b = hm_gtid_set_new();
    hm_buf fa, fb;
    hm_err err;
    if (!text || !a || !b)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    hm_buf_init(&fa, (size_t)16 << 20);
    hm_buf_init(&fb, (size_t)16 << 20);
    if (hm_gtid_set_parse(a, text, &err) == HM_OK && hm_gtid_set_format(a, &fa, &err) == HM_OK) {
        const char *t = fa.data ? fa.data : "";
        if (hm_gtid_set_parse(b, t, &err) != HM_OK) {
            fprintf(stderr, "formatted set does not parse: [%s]: %s\n", t, err.msg);
            abort();
        }
        if (hm_gtid_set_format(b, &fb, &err) == HM_OK && strcmp(t, fb.data ? fb.data : "") != 0) {
            fprintf(stderr, "format/parse not stable: [%s] -> [%s]\n", t, fb.data ? fb.data : "");
            abort();
        }
        (void)hm_gtid_set_is_empty(a);
    }
    hm_buf_release(&fa);
    hm_buf_release(&fb);
    hm_gtid_set_free(a);
    hm_gtid_set_free(b);
    free(text);
    return 0;
}
