/*
 * tests/fuzz/fuzz_binlog_json.c: libFuzzer driver for MySQL's binary JSON (binlog/json.h): the
 * input is one JSON column value as a row image carries it; it is rendered as text.
 * Seeds: generated values of every type (tests/fuzz/seeds.py).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/json.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hm_buf out;
    hm_err err;
    /* exactly the value's bytes, so that ASan sees a read past its end */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    hm_buf_init(&out, (size_t)16 << 20);
    (void)hm_binlog_json_text(copy, size, &out, &err);
    hm_buf_release(&out);
    free(copy);
    return 0;
}
