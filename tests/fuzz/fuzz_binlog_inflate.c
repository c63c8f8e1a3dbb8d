/*
 * tests/fuzz/fuzz_binlog_inflate.c: libFuzzer driver for compressed events (binlog/inflate.h):
 * MariaDB's QUERY_COMPRESSED and compressed ROWS events inflated (zlib), MySQL's
 * TRANSACTION_PAYLOAD opened (zstd, when libzstd.so.1 is present) and its inner events decoded,
 * rows included. Seeds: compressed events cut from the fixtures, and generated ones.
 */
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_stream_run(data, size, FZ_INFLATE | FZ_ROWS);
    return 0;
}
