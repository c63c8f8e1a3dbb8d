#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig verify against injected differences, each kind in its own table, all found in one run:
# a changed INT (beside a generated column, which is left out), the last bit of a DOUBLE, one
# byte of a 1 MB BLOB, a trailing space in a VARCHAR under a PAD SPACE collation, a case change
# under a _ci collation, one microsecond of a DATETIME(6), NULL against '', a JSON value change
# (and a JSON key order change that is the same value: equal), a missing row, an extra row, a
# duplicated row in a keyless table, two rows' values swapped, the same ten-minute shift applied
# to four DATETIME rows, bytes moved between two adjacent string columns (and NULL against '' in
# a CHAR beside them), and a missing and an extra parent/child pair under a foreign key.
# Asserts: exit 1, and the differences reported (--json) are exactly those expected, named by
# key and column, nothing else; the source's binlog did not move (verify never writes to it);
# the fix SQL, applied with the mariadb client (foreign key checks on), makes the next verify
# report equal (exit 0) with the data then equal by CHECKSUM TABLE (tables without generated
# columns: CHECKSUM TABLE is not a function of the data for the others on MariaDB 10.11).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

setup="
CREATE DATABASE vf;
USE vf;
CREATE TABLE t_int (id INT PRIMARY KEY, v INT, g INT AS (v * 2) VIRTUAL, f FLOAT);
INSERT INTO t_int (id, v, f) SELECT seq, seq * 10, seq / 3 FROM seq_1_to_100;
CREATE TABLE t_double (id INT PRIMARY KEY, d DOUBLE);
INSERT INTO t_double VALUES (1, 0.1), (2, 1e300), (3, -2.5e-300);
CREATE TABLE t_blob (id INT PRIMARY KEY, b LONGBLOB);
INSERT INTO t_blob VALUES (1, REPEAT('a', 1048576)), (2, REPEAT('b', 1048576));
CREATE TABLE t_pad (id INT PRIMARY KEY, s VARCHAR(20) COLLATE utf8mb4_general_ci);
INSERT INTO t_pad VALUES (1, 'abc'), (2, 'def');
CREATE TABLE t_case (id INT PRIMARY KEY, s VARCHAR(20) COLLATE utf8mb4_general_ci);
INSERT INTO t_case VALUES (1, 'hello'), (2, 'World');
CREATE TABLE t_dt (id INT PRIMARY KEY, t DATETIME(6));
INSERT INTO t_dt VALUES (1, '2024-01-01 10:00:00.000001'), (2, '2024-01-02 00:00:00.5');
CREATE TABLE t_null (id INT PRIMARY KEY, s VARCHAR(10) NULL);
INSERT INTO t_null VALUES (1, NULL), (2, 'NULL'), (3, '');
CREATE TABLE t_json (id INT PRIMARY KEY, j JSON);
INSERT INTO t_json VALUES (1, '{\"a\": 1}'), (2, '{\"a\": 1, \"b\": [1, 2]}');
CREATE TABLE t_missing (id INT PRIMARY KEY, v VARCHAR(10));
INSERT INTO t_missing SELECT seq, 'x' FROM seq_1_to_5;
CREATE TABLE t_extra (id INT PRIMARY KEY, v VARCHAR(10));
INSERT INTO t_extra SELECT seq, 'x' FROM seq_1_to_5;
CREATE TABLE t_keyless (x INT, s VARCHAR(10));
INSERT INTO t_keyless VALUES (1, 'one'), (2, 'two'), (2, 'two'), (3, NULL);
CREATE TABLE t_swap (id INT PRIMARY KEY, v INT);
INSERT INTO t_swap SELECT seq, seq * 100 FROM seq_1_to_6;
CREATE TABLE t_shift (id INT PRIMARY KEY, t DATETIME);
INSERT INTO t_shift SELECT seq, '2024-05-01 12:00:00' + INTERVAL seq HOUR FROM seq_1_to_8;
CREATE TABLE t_move (id INT PRIMARY KEY, a VARCHAR(10) NOT NULL, b CHAR(10) NULL, n INT);
INSERT INTO t_move VALUES (1, 'ab', 'c', 5), (2, 'p,', '7', 1), (3, 'q', NULL, 2), (4, 'r', 's', 3);
CREATE TABLE t_strkey (a VARCHAR(20) NOT NULL, b INT NOT NULL, v TEXT, PRIMARY KEY (a, b));
INSERT INTO t_strkey SELECT CONCAT('k', seq), seq % 3, REPEAT('v', seq) FROM seq_1_to_50;
CREATE TABLE fk_parent (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE fk_child (id INT PRIMARY KEY, parent_id INT NOT NULL,
    FOREIGN KEY (parent_id) REFERENCES fk_parent (id)) ENGINE=InnoDB;
INSERT INTO fk_parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_6;
INSERT INTO fk_child SELECT seq * 10, seq FROM seq_1_to_6;
"
hm_sql src "$setup" || it_fail "setup on the source"
hm_sql tgt "$setup" || it_fail "setup on the target"
hm_sql tgt "
USE vf;
UPDATE t_int SET v = v + 1 WHERE id = 7;
UPDATE t_double SET d = 0.10000000000000002 WHERE id = 1;
UPDATE t_blob SET b = INSERT(b, 524288, 1, 'Z') WHERE id = 1;
UPDATE t_pad SET s = 'abc ' WHERE id = 1;
UPDATE t_case SET s = 'Hello' WHERE id = 1;
UPDATE t_dt SET t = t + INTERVAL 1 MICROSECOND WHERE id = 1;
UPDATE t_null SET s = '' WHERE id = 1;
UPDATE t_json SET j = '{\"a\": 2}' WHERE id = 1;
UPDATE t_json SET j = '{\"b\": [1, 2], \"a\": 1}' WHERE id = 2;
DELETE FROM t_missing WHERE id = 3;
INSERT INTO t_extra VALUES (99, 'new');
INSERT INTO t_keyless VALUES (1, 'one');
UPDATE t_swap SET v = CASE id WHEN 3 THEN 400 WHEN 4 THEN 300 END WHERE id IN (3, 4);
UPDATE t_shift SET t = t + INTERVAL 10 MINUTE WHERE id BETWEEN 2 AND 5;
UPDATE t_move SET a = 'a', b = 'bc' WHERE id = 1;
UPDATE t_move SET a = 'p', b = ',7' WHERE id = 2;
UPDATE t_move SET a = 'q', b = '' WHERE id = 3;
DELETE FROM fk_child WHERE id = 50;
DELETE FROM fk_parent WHERE id = 5;
INSERT INTO fk_parent VALUES (9, 'p9');
INSERT INTO fk_child VALUES (90, 9);
" || it_fail "injecting the differences"
# the same bytes, a PAD SPACE collation and a _ci collation call equal: make sure the servers do
eq=$(hm_sql tgt "SELECT (SELECT s FROM vf.t_pad WHERE id = 1) = 'abc', (SELECT s FROM vf.t_case WHERE id = 1) = 'hello'")
it_eq "$eq" "1	1" "the collations compare the injected strings equal"

pos_before=$(hm_sql src "SHOW MASTER STATUS" | cut -f1,2)
out=$HM_TEST_ROOT/verify1.json
"$HOTMIG" verify --source "$SRC" --target "$TGT" --include vf --threads 3 --json --fix-sql "$HM_TEST_ROOT/fix.sql" \
    >"$out" 2>"$HM_TEST_ROOT/verify1.err"
rc=$?
cat "$HM_TEST_ROOT/verify1.err"
it_eq "$rc" "1" "exit status of verify with differences"
pos_after=$(hm_sql src "SHOW MASTER STATUS" | cut -f1,2)
it_eq "$pos_after" "$pos_before" "the source's binlog position (verify never writes to the source)"

python3 - "$out" <<'PY' || it_fail "the differences reported are not exactly the injected ones"
import json, sys
r = json.load(open(sys.argv[1]))
got = sorted((d["table"], d["kind"], d["key"], d["columns"], d["copies"]) for d in r["diffs"])
want = sorted([
    ("t_int", "changed", "id=7", "v", 1),
    ("t_double", "changed", "id=1", "d", 1),
    ("t_blob", "changed", "id=1", "b", 1),
    ("t_pad", "changed", "id=1", "s", 1),
    ("t_case", "changed", "id=1", "s", 1),
    ("t_dt", "changed", "id=1", "t", 1),
    ("t_null", "changed", "id=1", "s", 1),
    ("t_json", "changed", "id=1", "j", 1),
    ("t_missing", "missing", "id=3", "", 1),
    ("t_extra", "extra", "id=99", "", 1),
    ("t_keyless", "extra", "row ('1', 'one')", "", 1),
    ("t_swap", "changed", "id=3", "v", 1),
    ("t_swap", "changed", "id=4", "v", 1),
    ("t_shift", "changed", "id=2", "t", 1),
    ("t_shift", "changed", "id=3", "t", 1),
    ("t_shift", "changed", "id=4", "t", 1),
    ("t_shift", "changed", "id=5", "t", 1),
    ("t_move", "changed", "id=1", "a, b", 1),
    ("t_move", "changed", "id=2", "a, b", 1),
    ("t_move", "changed", "id=3", "b", 1),
    ("fk_parent", "missing", "id=5", "", 1),
    ("fk_parent", "extra", "id=9", "", 1),
    ("fk_child", "missing", "id=50", "", 1),
    ("fk_child", "extra", "id=90", "", 1),
])
ok = True
for g in got:
    if g not in want:
        print("reported but not injected:", g); ok = False
for w in want:
    if w not in got:
        print("injected but not reported:", w); ok = False
if r["equal"] or r["tables_differ"] != 16 or r["tables"] != 17:
    print("summary:", {k: r[k] for k in ("equal", "tables", "tables_differ")}); ok = False
if r["slow_tables"] != "vf.t_keyless":
    print("slow tables:", r["slow_tables"]); ok = False
print("reported %d differences, all injected ones, nothing else" % len(got) if ok else "")
sys.exit(0 if ok else 1)
PY

# the fix SQL, applied as a user would, with foreign key checks on
grep -q "REPLACE" "$HM_TEST_ROOT/fix.sql" && it_fail "the fix SQL uses REPLACE"
mariadb --no-defaults -h127.0.0.1 -P"$(hm_port tgt)" -uroot -p"$HM_TEST_PASSWORD" <"$HM_TEST_ROOT/fix.sql" \
    || it_fail "applying the fix SQL failed (file: $HM_TEST_ROOT/fix.sql)"
"$HOTMIG" verify --source "$SRC" --target "$TGT" --include vf --progress none >"$HM_TEST_ROOT/verify2.log" 2>&1
rc=$?
cat "$HM_TEST_ROOT/verify2.log"
it_eq "$rc" "0" "exit status of verify after the fix"
grep -q "verify: equal: 17 tables" "$HM_TEST_ROOT/verify2.log" || it_fail "verify after the fix does not say equal"
it_checksums_equal vf t_double t_blob t_pad t_case t_dt t_null t_missing t_extra t_keyless t_swap t_shift t_move t_strkey fk_parent fk_child
it_same "t_int (stored columns)" "SELECT id, v, f FROM vf.t_int ORDER BY id"
it_same "t_json (values)" "SELECT id, JSON_NORMALIZE(j) FROM vf.t_json ORDER BY id"

# a usage error is 2
"$HOTMIG" verify --source "$SRC" --target "$TGT" --write-method load >/dev/null 2>&1
it_eq "$?" "2" "exit status of a usage error"
echo "PASS: every injected difference found by key and column, nothing else; the fix SQL makes the target equal"
