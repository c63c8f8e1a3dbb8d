/*
 * binlog/wire.h: reading binlog bytes, for the binlog modules only (not exported).
 *
 * Every multi-byte integer in a binlog event is little-endian, except inside the packed temporal
 * and DECIMAL column formats, which are big-endian. The readers below take a pointer the caller
 * has already bounds-checked; hm_rd is the bounds-checked cursor that the decoders walk events
 * with: each rd_* call checks that its bytes are there and fails (returns false, moves nothing)
 * when they are not, so a decoder reads a field, or jumps to its one error exit.
 */
#ifndef HM_BINLOG_WIRE_H
#define HM_BINLOG_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t hm_le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t hm_le24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}
static inline uint32_t hm_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hm_le48(const uint8_t *p)
{
    return (uint64_t)hm_le32(p) | (uint64_t)hm_le16(p + 4) << 32;
}
static inline uint64_t hm_le64(const uint8_t *p)
{
    return (uint64_t)hm_le32(p) | (uint64_t)hm_le32(p + 4) << 32;
}
/* n in 0..8 bytes, little-endian */
static inline uint64_t hm_leN(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i > 0; i--)
        v = v << 8 | p[i - 1];
    return v;
}
/* n in 0..8 bytes, big-endian */
static inline uint64_t hm_beN(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}
/* Sign-extends the low `bits` bits of v. */
static inline int64_t hm_sext(uint64_t v, unsigned bits)
{
    if (bits >= 64)
        return (int64_t)v;
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= ((uint64_t)1 << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

static inline bool hm_bit(const uint8_t *bits, size_t i) { return (bits[i / 8] >> (i % 8)) & 1; }

/* A bounds-checked cursor over [p, end). */
typedef struct hm_rd {
    const uint8_t *p, *end;
} hm_rd;

static inline hm_rd hm_rd_make(const void *p, size_t n)
{
    hm_rd r = {(const uint8_t *)p, (const uint8_t *)p + n};
    return r;
}
static inline size_t rd_left(const hm_rd *r) { return (size_t)(r->end - r->p); }
static inline bool rd_has(const hm_rd *r, size_t n) { return rd_left(r) >= n; }
static inline bool rd_skip(hm_rd *r, size_t n)
{
    if (!rd_has(r, n))
        return false;
    r->p += n;
    return true;
}
static inline bool rd_u8(hm_rd *r, uint32_t *v)
{
    if (!rd_has(r, 1))
        return false;
    *v = *r->p++;
    return true;
}
static inline bool rd_u16(hm_rd *r, uint32_t *v)
{
    if (!rd_has(r, 2))
        return false;
    *v = hm_le16(r->p);
    r->p += 2;
    return true;
}
static inline bool rd_u32(hm_rd *r, uint32_t *v)
{
    if (!rd_has(r, 4))
        return false;
    *v = hm_le32(r->p);
    r->p += 4;
    return true;
}
static inline bool rd_u48(hm_rd *r, uint64_t *v)
{
    if (!rd_has(r, 6))
        return false;
    *v = hm_le48(r->p);
    r->p += 6;
    return true;
}
static inline bool rd_u64(hm_rd *r, uint64_t *v)
{
    if (!rd_has(r, 8))
        return false;
    *v = hm_le64(r->p);
    r->p += 8;
    return true;
}
/* n bytes in place: *out points into the buffer. */
static inline bool rd_bytes(hm_rd *r, size_t n, const uint8_t **out)
{
    if (!rd_has(r, n))
        return false;
    *out = r->p;
    r->p += n;
    return true;
}
/* The protocol's length-encoded integer (1, 3, 4 or 9 bytes). 0xfb (SQL NULL in result sets) and
 * 0xff have no meaning in a binlog and are rejected. */
static inline bool rd_lenenc(hm_rd *r, uint64_t *v)
{
    uint32_t b;
    if (!rd_has(r, 1))
        return false;
    b = r->p[0];
    if (b < 0xfb) {
        *v = b;
        r->p += 1;
        return true;
    }
    if (b == 0xfc && rd_has(r, 3)) {
        *v = hm_le16(r->p + 1);
        r->p += 3;
        return true;
    }
    if (b == 0xfd && rd_has(r, 4)) {
        *v = hm_le24(r->p + 1);
        r->p += 4;
        return true;
    }
    if (b == 0xfe && rd_has(r, 9)) {
        *v = hm_le64(r->p + 1);
        r->p += 9;
        return true;
    }
    return false;
}

#endif
