/*
 * tests/fuzz/fuzz_binlog_event.c: libFuzzer driver for the binlog event decoder
 * (binlog/event.h): the input is a stream of events; each is decoded and handed to the
 * formatting helpers. Seeds: a FORMAT_DESCRIPTION followed by one event, cut from the fixtures.
 */
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_stream_run(data, size, FZ_HELPERS);
    return 0;
}
