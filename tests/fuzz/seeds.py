#!/usr/bin/env python3
"""tests/fuzz/seeds.py OUT_DIR FIXTURE_DIR...: writes the fuzzers' seed corpora into OUT_DIR/<target>/.

Binlog seeds are cut at run time from the binlog files found in the fixture folders (never copied
into the repository): for fuzz_binlog_event a FORMAT_DESCRIPTION followed by one event, for
fuzz_binlog_rows a FORMAT_DESCRIPTION + the TABLE_MAP before a ROWS event + that event (and each
whole small file), for fuzz_binlog_inflate the compressed events (MariaDB 165-171, MySQL
TRANSACTION_PAYLOAD 40) the same way. The other corpora are generated here: MySQL binary JSON
values of every type, GTID sets of both flavours, DDL statements, connection URIs. The regression
inputs of tests/fuzz/regress/<target>/ are added too.
"""
import hashlib
import os
import struct
import sys

HEADER = 19
COMPRESSED = set(range(165, 172)) | {40}
ROWS = {23, 24, 25, 30, 31, 32, 166, 167, 168, 169, 170, 171}


def events(data):
    pos = 4 if data[:4] == b"\xfebin" else 0
    while pos + HEADER <= len(data):
        size = struct.unpack_from("<I", data, pos + 9)[0]
        if size < HEADER or pos + size > len(data):
            return
        yield data[pos + 4], data[pos:pos + size]
        pos += size


def put(out, target, blob):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(blob).hexdigest()[:16]), "wb") as f:
        f.write(blob)


def binlog_seeds(out, path):
    try:
        data = open(path, "rb").read()
    except OSError:
        return 0
    if data[:4] != b"\xfebin":
        return 0
    fde, tmap, n, per_type = b"", b"", 0, {}
    for typ, ev in events(data):
        if typ == 15:
            fde = ev
            continue
        if typ == 19:
            tmap = ev
        # at most a few events of each type per file: the corpus stays small, the types all there
        if per_type.get(typ, 0) < 6:
            per_type[typ] = per_type.get(typ, 0) + 1
            put(out, "fuzz_binlog_event", fde + ev)
            n += 1
            if typ in ROWS:
                put(out, "fuzz_binlog_rows", fde + tmap + ev)
            if typ in COMPRESSED:
                put(out, "fuzz_binlog_inflate", fde + tmap + ev)
    if len(data) <= 64 << 10:
        put(out, "fuzz_binlog_rows", data)
        if any(t in COMPRESSED for t, _ in events(data)):
            put(out, "fuzz_binlog_inflate", data)
    return n


def varlen(n):
    b = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        b.append(c | (0x80 if n else 0))
        if not n:
            return bytes(b)


def jvalue(v):
    """(type, bytes) of a value in MySQL's binary JSON (small containers)."""
    if v is None:
        return 0x04, b"\x00"
    if v is True:
        return 0x04, b"\x01"
    if v is False:
        return 0x04, b"\x02"
    if isinstance(v, int):
        if -32768 <= v < 32768:
            return 0x05, struct.pack("<h", v)
        if -2**31 <= v < 2**31:
            return 0x07, struct.pack("<i", v)
        if -2**63 <= v < 2**63:
            return 0x09, struct.pack("<q", v)
        return 0x0A, struct.pack("<Q", v)
    if isinstance(v, float):
        return 0x0B, struct.pack("<d", v)
    if isinstance(v, str):
        b = v.encode()
        return 0x0C, varlen(len(b)) + b
    if isinstance(v, bytes):  # opaque: a DECIMAL-typed blob (field type 246)
        return 0x0F, bytes([246]) + varlen(len(v)) + v
    if isinstance(v, list):
        return 0x02, container([], v)
    if isinstance(v, dict):
        return 0x00, container(list(v.keys()), list(v.values()))
    raise TypeError(v)


def container(keys, vals):
    n = len(vals)
    head = 4 + 4 * len(keys) + 3 * n
    keyblob = b"".join(k.encode() for k in keys)
    entries, tail = b"", b""
    koff, off = head, head + len(keyblob)
    kentries = b""
    for k in keys:
        kentries += struct.pack("<HH", koff, len(k.encode()))
        koff += len(k.encode())
    for v in vals:
        t, b = jvalue(v)
        if t == 0x04 or t == 0x05 or t == 0x06:
            entries += struct.pack("<B", t) + (b + b"\x00")[:2]
        else:
            entries += struct.pack("<BH", t, off + len(tail))
            tail += b
    body = kentries + entries + keyblob + tail
    return struct.pack("<HH", n, 4 + len(body)) + body


def json_seeds(out):
    for v in [None, True, False, 0, -1, 32767, 70000, -2**40, 2**64 - 1, 3.25, "", "héllo",
              "x" * 300, [], {}, [1, "a", None, [2.5, {"k": True}]],
              {"a": 1, "bb": [1, 2, 3], "c": {"d": "e", "f": None}}, b"\x80\x00\x01",
              {"key" * 20: ["v" * 200, -5, 1e300]}]:
        t, b = jvalue(v)
        put(out, "fuzz_binlog_json", bytes([t]) + b)


GTIDS = [
    "", "0-1-1", "0-1-100,1-2-3", "0-11-1996,5-22-7,4294967295-4294967295-18446744073709551615",
    "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5",
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7:9-20,\n24da167-0c0c-11e8-8442-00059a3c7b00:1",
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5, 3e11fa47-71ca-11e1-9e33-c80aa9429562:6-9",
    "a" * 36 + ":1", "0-1-1,0-2-2", "1-1-5,", "3e11fa47-71ca-11e1-9e33-c80aa9429562:9-1",
]
DDL = [
    "CREATE TABLE t (id INT PRIMARY KEY)", "create table if not exists `a``b`.`c` like d.e",
    "ALTER TABLE app.t ADD COLUMN v INT, RENAME TO app.u", "DROP TABLE IF EXISTS a, b.c, `d`",
    "RENAME TABLE a TO b, c.d TO e.f", "CREATE TEMPORARY TABLE tmp (x INT)", "TRUNCATE TABLE x",
    "CREATE OR REPLACE VIEW v AS SELECT 1", "/*!40101 SET NAMES utf8 */", "CREATE DATABASE `db`",
    "DROP SCHEMA IF EXISTS db", "SET STATEMENT max_statement_time=10 FOR ALTER TABLE t ENGINE=InnoDB",
    "CREATE INDEX i ON t (a)", "DROP INDEX i ON app.t", "/*!50100 CREATE TABLE `x` (a INT) */",
    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 'it''s \\' -- no'",
    "CREATE DEFINER=`u`@`%` PROCEDURE p() BEGIN SELECT 1; END", "ALTER TABLE `t` /* c */ DROP x",
    "DROP TABLE /* generated by server */ `t`", "CREATE SEQUENCE s", "ALTER DATABASE d CHARACTER SET x",
    "INSERT INTO t VALUES (1)", "CREATE TABLE t2 SELECT * FROM t1", "# comment\nDROP VIEW v",
]
URIS = [
    "mysql://root:secret@127.0.0.1:3306", "mysql://u@h", "mysql://u:p%40ss@[::1]:3307/",
    "mysql://u:p@h:1?tls=required", "mysql://u:p@h?tls=verify-identity&ca=/etc/ca.pem",
    "mysql://u:p@h?ca=%2Fa%26b.pem&cert=/c.pem&key=/k.pem", "mysql://u:p@h?tls=disabled",
    "mysql://u:p@h?ssl=1", "mysql://a:b@c:65535?tls=preferred&", "mysql://%41:%42@h",
]


# REST API request bodies (fuzz_api_body): valid and invalid task, action and connection bodies
API_BODIES = [
    '{"name": "t1", "source": "mysql://root:pw@127.0.0.1:3306", "target": "mysql://app@127.0.0.1:3307"}',
    '{"name": "t2", "source": {"uri": "mysql://root@127.0.0.1:3306?tls=verify-ca&ca=/etc/ca.pem", "password": "x"},'
    ' "target": "mysql://app@db:3307", "target_password": "y", "mode": "full", "include": ["app", "shop.*"],'
    ' "exclude": ["app.t?"], "threads": 8, "max_rows_per_sec": 1000, "chunk_rows": 5000,'
    ' "start_at": "2026-12-06T02:00:00.5+01:00"}',
    '{"name": "-bad", "source": 1, "target": null}',
    '{"threads": 0, "start_at": "2026-02-30T00:00:00Z", "include": ["a.b.c"]}',
    '{"source": "mysql://u:p@h:1", "source_password": "p"}',
    '{"source": {"uri": "mysql://u@h", "extra": 1}}',
    '{"at": "2026-12-06T02:00:00Z"}', '{"at": null}', '{"lock_source": true}', '{"confirm": "t1"}',
    '{"name": "copy-1"}', '{"uri": "mysql://root@127.0.0.1:1", "password": "x"}', '{"task": 1, "side": "target"}',
    '{"source": "mysql://root@127.0.0.1:3310?tls=required", "source_password": "pw"}',
    '[]', 'null', '"x"', '{}', '{"a": 1, "a": 2}',
]


def main():
    out = sys.argv[1]
    n = 0
    roots = sys.argv[2:]
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if not f.endswith((".txt", ".md", ".sql")):
                    n += binlog_seeds(out, os.path.join(dirpath, f))
    json_seeds(out)
    for g in GTIDS:
        put(out, "fuzz_gtid", g.encode())
    for i, d in enumerate(DDL):
        put(out, "fuzz_ddl", bytes([i % 4]) + d.encode())
    for u in URIS:
        put(out, "fuzz_uri", u.encode())
    for b in API_BODIES:
        put(out, "fuzz_api_body", b.encode())
    reg = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regress")
    for target in (os.listdir(reg) if os.path.isdir(reg) else []):
        for f in os.listdir(os.path.join(reg, target)):
            put(out, target, open(os.path.join(reg, target, f), "rb").read())
    for t in sorted(os.listdir(out)):
        print(f"{t}: {len(os.listdir(os.path.join(out, t)))} seeds")
    if n == 0:
        print("no binlog fixtures found in " + " ".join(roots) + ": binlog corpora are generated only", file=sys.stderr)


main()
