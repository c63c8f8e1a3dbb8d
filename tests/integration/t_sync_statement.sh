#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Statement-format changes during incremental sync (a session with binlog_format=STATEMENT, as
# MIXED writes deterministic statements): replayed on the target in the source session's
# context. AUTO_INCREMENT ids (INSERT_ID), LAST_INSERT_ID(), user variables of every type
# (utf8mb4 string with a 4-byte emoji, latin1 string, integer, unsigned, decimal, real, NULL),
# the statement's time for DEFAULT CURRENT_TIMESTAMP(6) and NOW(6), RAND() with its seeds,
# sql_mode, multi-row UPDATE/DELETE, INSERT ... SELECT, mixed with row-format transactions.
# Asserts CHECKSUM TABLE equal for every table after hotmig finish.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"

hm_sql src "
CREATE DATABASE st; USE st;
CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(40) CHARACTER SET utf8mb4,
    l VARCHAR(20) CHARACTER SET latin1, n BIGINT, u BIGINT UNSIGNED, d DECIMAL(30, 10), r DOUBLE,
    at DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6), x DOUBLE, ref INT);
CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40), at DATETIME(6));
INSERT INTO t (s, n) SELECT CONCAT('row ', seq), seq FROM seq_1_to_50;
" || it_fail "setup"

it_sync_start "$D" "$HM_TEST_ROOT/migrate.log" --include st
mpid=$IT_MPID

hm_sql src "
SET SESSION binlog_format = 'STATEMENT';
USE st;
SET @s = 'café 😀', @n = -42, @u = 18446744073709551615, @d = CAST('-12345.0123456789' AS DECIMAL(30,10)),
    @r = 1.0 / 3, @z = NULL;
SET @l = CONVERT('Grüße' USING latin1);
INSERT INTO t (s, l, n, u, d, r, x) VALUES (@s, @l, @n, @u, @d, @r, @z);
INSERT INTO log (what, at) VALUES (CONCAT('after ', LAST_INSERT_ID()), NOW(6));
UPDATE t SET ref = LAST_INSERT_ID() WHERE n = -42;
SET SESSION sql_mode = 'PIPES_AS_CONCAT';
UPDATE t SET s = s || ' (piped)' WHERE id BETWEEN 10 AND 20;
SET SESSION sql_mode = DEFAULT;
SET SESSION timestamp = 1700000000.123456;
INSERT INTO t (s) VALUES ('at a fixed time');
SET SESSION timestamp = DEFAULT;
INSERT INTO t (s, x) VALUES ('random', RAND());
DELETE FROM t WHERE id % 7 = 0 AND id < 40;
INSERT INTO log (what, at) SELECT CONCAT('copy ', id), at FROM t WHERE id > 45;
BEGIN; INSERT INTO t (s) VALUES ('in a transaction'); UPDATE log SET what = UPPER(what); COMMIT;
SET SESSION binlog_format = 'ROW';
INSERT INTO t (s) VALUES ('row format again');
" || it_fail "the statements on the source"

"$HOTMIG" finish --state-dir "$D" --timeout 120 || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "finish failed"; }
wait "$mpid" || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "migrate did not exit 0"; }
it_checksums_equal st
it_same "user variables as stored" "SELECT s, HEX(l), n, u, d, r, x FROM st.t WHERE n = -42"
it_same "the fixed time" "SELECT at FROM st.t WHERE s = 'at a fixed time'"
echo "all assertions passed"
