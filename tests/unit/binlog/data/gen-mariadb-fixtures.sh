#!/usr/bin/env bash
# tests/unit/binlog/data/gen-mariadb-fixtures.sh: regenerates the MariaDB binlog fixtures of the
# binlog decoder test (mariadb-*.bin) and their reference decodings (*.mariadb-binlog-vv.txt).
#
# The MySQL fixtures in /work/shared/fixtures/mysql-binlog cover few column types; these files cover
# every column type MariaDB can log, NULLs, odd strings, MINIMAL row images, optional table-map
# metadata (binlog_row_metadata=FULL), old temporal formats, compressed events, XA, and a table with
# more than 250 columns. Run it by hand when the SQL below changes; the files are committed.
#
#   tests/unit/binlog/data/gen-mariadb-fixtures.sh        (needs mariadbd and mariadb-binlog)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../../.." && pwd)
export HM_TEST_ROOT=${HM_TEST_ROOT:-/tmp/hm-binlog}
# shellcheck source=../../../harness/mariadb.sh
source "$REPO/tests/harness/mariadb.sh"
trap hm_srv_stop_all EXIT

hm_srv_start fx source --binlog-checksum=CRC32 --mysql56-temporal-format=ON
DATA="$HM_TEST_ROOT/fx/data"
q() { hm_sql fx "$@"; }

# --- file 1: every type, FULL row image, minimal table-map metadata ------------------------------
q "FLUSH BINARY LOGS"
q "CREATE DATABASE fx; CREATE DATABASE \`odd db\`"
q "CREATE TABLE fx.ints (id INT PRIMARY KEY, t TINYINT, tu TINYINT UNSIGNED, s SMALLINT,
   su SMALLINT UNSIGNED, m MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, b BIGINT,
   bu BIGINT UNSIGNED, y YEAR, bo BOOLEAN)"
q "INSERT INTO fx.ints VALUES
   (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
    -9223372036854775808, 18446744073709551615, 1901, TRUE),
   (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, 2155, FALSE),
   (3, -1, 128, -1, 32768, -1, 8388608, -1, 2147483648, -1, 9223372036854775808, 0, NULL),
   (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
q "CREATE TABLE fx.nums (id INT PRIMARY KEY, f FLOAT, d DOUBLE, d1 DECIMAL(10,0), d2 DECIMAL(5,2),
   d3 DECIMAL(65,30), d4 DECIMAL(18,9), d5 DECIMAL(1,1), d6 DECIMAL(20,10) UNSIGNED, fu FLOAT UNSIGNED)"
q "INSERT INTO fx.nums VALUES
   (1, 1.5, 0.1, 1234567890, -999.99, 12345678901234567890123456789012345.123456789012345678901234567890,
    -123456789.123456789, 0.9, 9999999999.9999999999, 3.25),
   (2, -3.4028234e38, 1.7976931348623157e308, -1, 0.05, -0.000000000000000000000000000001,
    0.000000001, -0.9, 0, 0),
   (3, 1e-30, -2.2250738585072014e-308, 0, 0, 0, 0, 0, 0.0000000001, 1e10),
   (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
   (5, 123456.789, -123456789.123456789, 42, 1.5, 1, -1, 0.1, 1, 0.5)"
q "CREATE TABLE fx.temporal (id INT PRIMARY KEY, da DATE, t0 TIME, t3 TIME(3), t6 TIME(6),
   dt0 DATETIME, dt2 DATETIME(2), dt6 DATETIME(6), ts0 TIMESTAMP NULL, ts1 TIMESTAMP(1) NULL,
   ts4 TIMESTAMP(4) NULL, ts6 TIMESTAMP(6) NULL, t1 TIME(1), t5 TIME(5))"
q "SET time_zone='+00:00', sql_mode='';
   INSERT INTO fx.temporal VALUES
   (1, '2024-02-29', '838:59:59', '-838:59:59.999', '-00:00:00.000001', '1000-01-01 00:00:00',
    '9999-12-31 23:59:59.99', '2024-02-29 12:34:56.789012', '1970-01-01 00:00:01',
    '2038-01-19 03:14:07.9', '2001-02-03 04:05:06.7891', '2020-01-01 00:00:00.000001',
    '-12:34:56.7', '-00:00:01.00001'),
   (2, '0000-00-00', '-00:00:01', '00:00:00.5', '-01:02:03.040506', '0000-00-00 00:00:00',
    '2000-01-01 00:00:00.01', '2000-01-01 00:00:00', NULL, NULL, NULL, NULL, '00:00:00.1', '00:00:00.00001'),
   (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
   (4, '1000-01-01', '-838:59:59', '-00:00:00.001', '12:00:00', '2024-06-30 23:59:59',
    '2024-06-30 23:59:59.5', '2024-06-30 23:59:59.000001', '2024-06-30 23:59:59',
    '2024-06-30 23:59:59.1', '2024-06-30 23:59:59.0001', '2024-06-30 23:59:59.999999',
    '-838:59:59.9', '-00:00:00.99999')"
q "CREATE TABLE fx.strs (id INT PRIMARY KEY, c CHAR(10) CHARACTER SET latin1, cu CHAR(255) CHARACTER SET utf8mb4,
   v VARCHAR(10) CHARACTER SET latin1, vl VARCHAR(300) CHARACTER SET utf8mb4, bi BINARY(4), vb VARBINARY(300),
   c1 CHAR(1) CHARACTER SET utf8mb3, c0 CHAR(0))"
q "INSERT INTO fx.strs VALUES
   (1, 'abc', 'héllo wörld ☃', 'x', REPEAT('é', 300), 'ab', 0x00010203FF, 'z', ''),
   (2, '', '', '', '', '', '', '', NULL),
   (3, 'it''s', 'back\\\\slash', CONCAT('a', CHAR(10), 'b'), CONCAT('tab', CHAR(9), 'nul', CHAR(0), 'x'),
    0x00000000, X'', NULL, ''),
   (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
   (5, '/* c */', '😀 four-byte', 'q\"q', REPEAT('x', 255), 0x7F80FE01, REPEAT(0xAB, 256), '''', NULL)"
q "CREATE TABLE fx.blobs (id INT PRIMARY KEY, tb TINYBLOB, b BLOB, mb MEDIUMBLOB, lb LONGBLOB,
   tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT, j JSON)"
q "INSERT INTO fx.blobs VALUES
   (1, 0x00FF, REPEAT('b', 300), REPEAT('m', 70000), 'long', 'tiny', 'text', 'medium', 'longtext', '{\"a\": [1, 2.5, null, true], \"b\": \"x\"}'),
   (2, '', '', '', '', '', '', '', '', '[]'),
   (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
q "CREATE TABLE fx.misc (id INT PRIMARY KEY, b1 BIT(1), b10 BIT(10), b64 BIT(64), e ENUM('a','b','c'),
   e2 ENUM($(seq -s, -f "'e%g'" 1 300)), s SET('x','y','z'), s2 SET($(seq -s, -f "'s%g'" 1 64)),
   g GEOMETRY, p POINT, u UUID, i6 INET6, i4 INET4)"
q "INSERT INTO fx.misc VALUES
   (1, b'1', b'1010101010', 0xFFFFFFFFFFFFFFFF, 'b', 'e300', 'x,z', 's1,s64', ST_GeomFromText('LINESTRING(0 0,1 1)'),
    POINT(1.5, -2.5), '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', '192.168.0.1'),
   (2, b'0', b'0', 0, 'a', 'e1', '', '', POINT(0,0), POINT(0,0), '00000000-0000-0000-0000-000000000000', '::', '0.0.0.0'),
   (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
q "CREATE TABLE \`odd db\`.\`t-1\` (\`col 1\` INT PRIMARY KEY, \`é\` VARCHAR(5))"
q "INSERT INTO \`odd db\`.\`t-1\` VALUES (1, 'a'), (2, 'b')"
# updates and deletes, several rows per event
q "UPDATE fx.ints SET t = t - 1, y = 2000 WHERE id IN (2, 3)"
q "UPDATE fx.strs SET vl = 'changed', c = NULL WHERE id <= 3"
q "UPDATE fx.temporal SET dt6 = '2001-01-01 01:01:01.000001', t6 = '-00:00:00.5' WHERE id = 1"
q "DELETE FROM fx.nums WHERE id IN (1, 3)"
q "DELETE FROM fx.misc WHERE id = 3"
q "XA START 'x1'; INSERT INTO \`odd db\`.\`t-1\` VALUES (3, 'xa'); XA END 'x1'; XA PREPARE 'x1'; XA COMMIT 'x1'"
q "BEGIN; INSERT INTO fx.ints (id) VALUES (10); INSERT INTO fx.ints (id, t) VALUES (11, 5); ROLLBACK"
q "INSERT INTO fx.ints (id, i) SELECT seq, seq * 7 FROM fx.seq_100_to_400"
# a wide table: column count above 250 takes a 3-byte length-encoded integer
cols=$(seq -s, -f 'c%g INT' 1 300)
q "CREATE TABLE fx.wide (id INT PRIMARY KEY, $cols)"
q "INSERT INTO fx.wide (id, c1, c150, c300) VALUES (1, 1, 150, 300), (2, NULL, -150, NULL)"
# old (pre-5.6) temporal formats: TIME, DATETIME, TIMESTAMP without fractions
q "SET GLOBAL mysql56_temporal_format=OFF"
q "CREATE TABLE fx.oldtemporal (id INT PRIMARY KEY, t TIME, dt DATETIME, ts TIMESTAMP NULL)"
q "SET GLOBAL mysql56_temporal_format=ON"
q "SET time_zone='+00:00', sql_mode=''; INSERT INTO fx.oldtemporal VALUES (1, '-838:59:59', '2024-02-29 12:34:56', '2001-02-03 04:05:06'),
   (2, '12:00:01', '0000-00-00 00:00:00', NULL), (3, '-00:00:01', '9999-12-31 23:59:59', '1970-01-01 00:00:01')"
q "FLUSH BINARY LOGS"

# --- file 2: optional table-map metadata (FULL) and MINIMAL / NOBLOB row images -----------------
q "SET GLOBAL binlog_row_metadata=FULL"
q "INSERT INTO fx.ints VALUES (20, -5, 250, -5, 65000, -5, 16000000, -5, 4000000000, -5, 18000000000000000000, 1999, 1)"
q "INSERT INTO fx.strs VALUES (20, 'meta', 'méta', 'v', 'vl', 'bin', 0x01, 'c', '')"
q "INSERT INTO fx.misc VALUES (20, b'1', b'11', 5, 'c', 'e2', 'y', 's2', POINT(3,4), POINT(5,6),
   '123e4567-e89b-12d3-a456-426614174000', '::1', '10.0.0.1')"
q "INSERT INTO fx.nums VALUES (20, 2.5, 2.5, 7, 7.5, 7.5, 7.5, 0.5, 7.5, 2.5)"
q "INSERT INTO fx.blobs VALUES (20, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '{\"k\": 1}')"
q "INSERT INTO \`odd db\`.\`t-1\` VALUES (20, 'm')"
q "CREATE TABLE fx.pk2 (a INT, b VARCHAR(20), c INT, d TEXT, PRIMARY KEY (b(5), a))"
q "INSERT INTO fx.pk2 VALUES (1, 'abcdefgh', 2, 'x')"
q "SET SESSION binlog_row_image=MINIMAL; UPDATE fx.ints SET t = 9 WHERE id = 20; DELETE FROM fx.ints WHERE id = 1;
   INSERT INTO fx.ints (id, s) VALUES (21, 3); UPDATE fx.strs SET v = 'min' WHERE id IN (2, 20)"
q "SET SESSION binlog_row_image=NOBLOB; UPDATE fx.blobs SET tx = 'noblob' WHERE id = 20; UPDATE fx.blobs SET tb = 'n' WHERE id = 2"
q "SET GLOBAL binlog_row_metadata=MINIMAL"
q "FLUSH BINARY LOGS"

# --- file 3: compressed events (QUERY_COMPRESSED, *_ROWS_COMPRESSED_V1) ---------------------------
q "SET GLOBAL log_bin_compress=ON; SET GLOBAL log_bin_compress_min_len=10"
q "CREATE TABLE fx.comp (id INT PRIMARY KEY, v VARCHAR(200), n INT)"
q "INSERT INTO fx.comp VALUES (1, REPEAT('compress me ', 10), 1), (2, 'short', NULL)"
q "UPDATE fx.comp SET v = REPEAT('z', 150), n = 2 WHERE id = 1"
q "DELETE FROM fx.comp WHERE id = 2"
q "SET GLOBAL log_bin_compress=OFF"
q "FLUSH BINARY LOGS"

files=$(q "SHOW BINARY LOGS" | awk '{print $1}' | sed -n '2,4p')
n=1
for f in $files; do
    out="$HERE/mariadb-$n.bin"
    cp "$DATA/$f" "$out"
    chmod 644 "$out"
    mariadb-binlog --no-defaults -vv --base64-output=decode-rows "$out" >"$out.mariadb-binlog-vv.txt"
    n=$((n + 1))
done
ls -l "$HERE"
