#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# DDL during incremental sync, mixed with row changes: ADD COLUMN (rows written before and after
# it), CREATE TABLE + rows, DROP TABLE, RENAME TABLE (then rows into the new name), TRUNCATE,
# CREATE INDEX, CREATE VIEW, CREATE PROCEDURE, ALTER TABLE ... RENAME, a new database; deletes
# and a key update on a parent whose foreign key cascades to its child (the source's binlog
# does not carry the child rows: the target's cascade must change them), and a child row
# written with foreign_key_checks off on the source; and DDL
# that must be skipped: on an --exclude'd table, in a database not selected, a TEMPORARY table.
# Then hotmig finish. Asserts: SHOW CREATE TABLE and CHECKSUM TABLE equal for every table of the
# selected databases, the same table lists, views and routines equal, and the skipped objects
# absent from the target.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"

hm_sql src "
CREATE DATABASE d1; CREATE DATABASE other; USE d1;
CREATE TABLE d1.a (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE d1.gone (id INT PRIMARY KEY);
CREATE TABLE d1.old_name (id INT PRIMARY KEY, v INT);
CREATE TABLE d1.trunc (id INT PRIMARY KEY);
CREATE TABLE d1.skipme (id INT PRIMARY KEY);
CREATE TABLE other.t (id INT PRIMARY KEY);
CREATE TABLE d1.parent (id INT PRIMARY KEY);
CREATE TABLE d1.child (id INT PRIMARY KEY, pid INT NOT NULL,
    FOREIGN KEY (pid) REFERENCES d1.parent (id) ON DELETE CASCADE ON UPDATE CASCADE);
INSERT INTO d1.parent SELECT seq FROM seq_1_to_20;
INSERT INTO d1.child SELECT seq, 1 + seq % 20 FROM seq_1_to_200;
INSERT INTO d1.a SELECT seq, CONCAT('a', seq) FROM seq_1_to_1000;
INSERT INTO d1.gone SELECT seq FROM seq_1_to_10;
INSERT INTO d1.old_name SELECT seq, seq FROM seq_1_to_100;
INSERT INTO d1.trunc SELECT seq FROM seq_1_to_50;
INSERT INTO d1.skipme VALUES (1);
" || it_fail "setup"

it_sync_start "$D" "$HM_TEST_ROOT/migrate.log" --include 'd?' --exclude 'd1.skipme'
mpid=$IT_MPID

hm_sql src "
INSERT INTO d1.a VALUES (1001, 'before');
ALTER TABLE d1.a ADD COLUMN n INT NOT NULL DEFAULT 7, ADD COLUMN note TEXT;
INSERT INTO d1.a VALUES (1002, 'after', 8, 'with the new columns');
UPDATE d1.a SET n = n + id, note = CONCAT('u', id) WHERE id <= 100;
CREATE TABLE d1.fresh (id INT PRIMARY KEY AUTO_INCREMENT, v JSON);
INSERT INTO d1.fresh (v) VALUES ('{\"x\": 1}'), ('[1, 2]'), (NULL);
DROP TABLE d1.gone;
RENAME TABLE d1.old_name TO d1.new_name;
INSERT INTO d1.new_name VALUES (101, 101);
TRUNCATE TABLE d1.trunc;
INSERT INTO d1.trunc VALUES (7);
CREATE INDEX a_v ON d1.a (v);
ALTER TABLE d1.new_name RENAME TO d1.newer_name, ADD COLUMN w INT;
UPDATE d1.newer_name SET w = id * 2;
CREATE VIEW d1.v_a AS SELECT id, v FROM d1.a WHERE id > 990;
CREATE PROCEDURE d1.p(OUT r INT) SELECT COUNT(*) INTO r FROM d1.a;
CREATE DATABASE d2;
CREATE TABLE d2.t (id INT PRIMARY KEY, s VARCHAR(10));
INSERT INTO d2.t VALUES (1, 'd2');
ALTER TABLE d1.skipme ADD COLUMN x INT;
INSERT INTO d1.skipme VALUES (2, 2);
CREATE TABLE other.t2 (id INT PRIMARY KEY);
ALTER TABLE other.t ADD COLUMN y INT;
CREATE TEMPORARY TABLE d1.tmp (id INT);
DELETE FROM d1.a WHERE id BETWEEN 500 AND 520;
DELETE FROM d1.parent WHERE id <= 5;
UPDATE d1.parent SET id = 100 + id WHERE id = 20;
SET SESSION foreign_key_checks = 0;
INSERT INTO d1.child VALUES (1000, 999);
SET SESSION foreign_key_checks = 1;
" || it_fail "the DDL on the source"

"$HOTMIG" finish --state-dir "$D" --timeout 120 || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "finish failed"; }
wait "$mpid" || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "migrate did not exit 0"; }

tables="SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('d1', 'd2') AND TABLE_NAME <> 'skipme' ORDER BY 1, 2"
it_same "tables" "$tables"
while IFS=$'\t' read -r db t; do
    it_same "definition of $db.$t" "SHOW CREATE TABLE \`$db\`.\`$t\`"
    [ "$t" = v_a ] || it_checksums_equal "$db" "$t"
done < <(hm_sql src "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('d1', 'd2') AND TABLE_NAME <> 'skipme' AND TABLE_TYPE = 'BASE TABLE'")
it_same "views" "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'd1'"
it_same "routines" "SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'd1'"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'other' OR TABLE_NAME IN ('skipme', 'tmp')")" "0" "skipped objects on the target"
echo "all assertions passed"
