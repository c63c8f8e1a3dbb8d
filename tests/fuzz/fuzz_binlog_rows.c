/*
 * tests/fuzz/fuzz_binlog_rows.c: libFuzzer driver for row images (binlog/tablemap.h,
 * binlog/rows.h): a stream of events whose TABLE_MAPs are kept and whose ROWS events are decoded
 * row by row, every value rendered as mariadb-binlog -vv prints it (JSON, DECIMAL, temporal
 * types included). Seeds: FORMAT_DESCRIPTION + TABLE_MAP + ROWS, cut from the fixtures.
 */
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_stream_run(data, size, FZ_ROWS);
    return 0;
}
