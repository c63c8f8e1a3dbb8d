/*
 * tests/unit/binlog/evbuild.h: building binlog events byte by byte, for the hand-made decoder
 * tests. An eb (event builder) collects a body; eb_event() wraps it in a common header (and a
 * CRC32 trailer when asked) as a server would write it.
 */
#ifndef HM_TEST_BINLOG_EVBUILD_H
#define HM_TEST_BINLOG_EVBUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/crc32.h"

typedef struct eb {
    uint8_t b[1 << 16];
    size_t n;
} eb;

static inline void eb_reset(eb *e) { e->n = 0; }
static inline void eb_bytes(eb *e, const void *p, size_t n)
{
    if (e->n + n > sizeof e->b)
        abort();
    memcpy(e->b + e->n, p, n);
    e->n += n;
}
static inline void eb_le(eb *e, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        e->b[e->n++] = (uint8_t)(v >> (8 * i));
}
static inline void eb_be(eb *e, uint64_t v, unsigned n)
{
    for (unsigned i = n; i > 0; i--)
        e->b[e->n++] = (uint8_t)(v >> (8 * (i - 1)));
}
static inline void eb_u8(eb *e, unsigned v) { eb_le(e, v, 1); }
static inline void eb_str(eb *e, const char *s) { eb_bytes(e, s, strlen(s)); }
static inline void eb_lenenc(eb *e, uint64_t v)
{
    if (v < 251) {
        eb_u8(e, (unsigned)v);
    } else if (v < 65536) {
        eb_u8(e, 0xfc);
        eb_le(e, v, 2);
    } else if (v < (1u << 24)) {
        eb_u8(e, 0xfd);
        eb_le(e, v, 3);
    } else {
        eb_u8(e, 0xfe);
        eb_le(e, v, 8);
    }
}

/* out = header(type, size, log_pos = end_pos) + body (+ CRC32). Returns the event's size. */
static inline size_t eb_event(uint8_t *out, unsigned type, const eb *body, uint64_t pos, int crc,
                              uint16_t flags)
{
    size_t size = 19 + body->n + (crc ? 4 : 0);
    uint8_t *p = out;
    uint32_t ts = 1700000000, sid = 7;
    uint64_t end = pos + size;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(ts >> (8 * i));
    *p++ = (uint8_t)type;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(sid >> (8 * i));
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(size >> (8 * i));
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(end >> (8 * i)); /* 32 bits: wraps past 4 GiB like the servers' */
    *p++ = (uint8_t)flags;
    *p++ = (uint8_t)(flags >> 8);
    memcpy(p, body->b, body->n);
    p += body->n;
    if (crc) {
        uint32_t c = hm_binlog_crc32(0, out, (size_t)(p - out));
        for (int i = 0; i < 4; i++)
            *p++ = (uint8_t)(c >> (8 * i));
    }
    return size;
}

/* Rewrites the size field (and the CRC, when crc) of an event cut to n bytes. */
static inline void eb_resize(uint8_t *ev, size_t n, int crc)
{
    for (int i = 0; i < 4; i++)
        ev[9 + i] = (uint8_t)(n >> (8 * i));
    if (crc && n >= 23) {
        uint32_t c = hm_binlog_crc32(0, ev, n - 4);
        for (int i = 0; i < 4; i++)
            ev[n - 4 + i] = (uint8_t)(c >> (8 * i));
    }
}

#endif
