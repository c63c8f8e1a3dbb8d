/*
 * binlog/crc32.h: the CRC-32 of binlog event checksums (ISO-HDLC polynomial): zlib's crc32_z(),
 * which the engine links anyway for MariaDB's compressed events.
 */
#ifndef HM_BINLOG_CRC32_H
#define HM_BINLOG_CRC32_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* CRC-32 of p[0..n), continuing from crc (start with 0). Thread-safe. */
static inline uint32_t hm_binlog_crc32(uint32_t crc, const void *p, size_t n)
{
    return (uint32_t)crc32_z(crc, (const Bytef *)p, (z_size_t)n);
}

#endif
