#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hm-it-timeout: 400
# Parallel apply (--apply-threads 4) under concurrent writes: sysbench oltp_write_only on 4 tables
# and 4 audit writers (insert-only app.audit, each insert numbered per writer, plus updates of
# app.t1/t2), DDL mid-stream (ADD COLUMN on a table being written, CREATE TABLE then rows, an index,
# a keyless table's rows, a parent/child pair with a cascading foreign key), one kill -9 of hotmig
# during the parallel apply and a resume, a second kill -9 and a resume with --apply-threads 1,
# then hotmig finish. Asserts: the target holds one
# hotmig_meta.sync_worker row per worker (the parallel path ran); CHECKSUM TABLE and row counts
# equal for every table; SHOW CREATE TABLE equal for the tables DDL changed; every audit row of the
# source exactly once on the target (a change applied twice fails on its unique key, a lost one
# leaves a gap).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD

it_sysbench_prepare 4 5000
hm_sql src "
CREATE DATABASE app; USE app;
CREATE TABLE app.audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, w INT NOT NULL, n INT NOT NULL, UNIQUE KEY (w, n));
CREATE TABLE app.t1 (id INT PRIMARY KEY, v INT NOT NULL);
CREATE TABLE app.t2 (id INT PRIMARY KEY, v INT NOT NULL);
INSERT INTO app.t1 SELECT seq, 0 FROM seq_1_to_6000;
INSERT INTO app.t2 SELECT seq, 0 FROM seq_1_to_6000;
CREATE TABLE app.nokey (a INT, b VARCHAR(10));
CREATE TABLE app.parent (id INT PRIMARY KEY, v INT NOT NULL);
CREATE TABLE app.child (id INT PRIMARY KEY, pid INT NOT NULL, v INT NOT NULL,
    FOREIGN KEY (pid) REFERENCES app.parent (id) ON DELETE CASCADE ON UPDATE CASCADE);
INSERT INTO app.parent SELECT seq, 0 FROM seq_1_to_50;
INSERT INTO app.child SELECT seq, 1 + seq % 50, 0 FROM seq_1_to_500;
" || it_fail "setup"

it_sync_start "$D" "$HM_TEST_ROOT/run1.log" --include sbtest --include app --apply-threads 4
for _ in $(seq 1 100); do
    [ "$(hm_sql tgt "SELECT COUNT(*) FROM hotmig_meta.sync_worker" 2>/dev/null)" = 4 ] && break
    sleep 0.1
done
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM hotmig_meta.sync_worker")" 4 "worker checkpoint rows"
it_load_start 0 4
it_audit_start 4 2
sleep 2
hm_sql src "
USE app;
ALTER TABLE sbtest.sbtest1 ADD COLUMN extra INT NOT NULL DEFAULT 5;
ALTER TABLE app.t2 ADD UNIQUE KEY (id, v);
INSERT INTO app.nokey VALUES (1, 'a'), (2, 'b'), (1, 'a');
UPDATE app.parent SET v = v + 1 WHERE id <= 10;
UPDATE app.child SET v = v + 1 WHERE pid <= 10;
DELETE FROM app.parent WHERE id = 50;
UPDATE app.parent SET id = 150 WHERE id = 49;
" || it_fail "DDL and changes on the source (1)"
sleep 2
# kill -9 while the workers apply
kill -9 "$IT_MPID" 2>/dev/null || { tail -20 "$HM_TEST_ROOT/run1.log"; it_fail "hotmig ended by itself before its kill"; }
wait "$IT_MPID" 2>/dev/null
echo "killed; the workers' rows (worker, low-water mark, committed above it):"
hm_sql tgt "SELECT worker, lwm_file, lwm_pos, LEFT(above, 120) FROM hotmig_meta.sync_worker ORDER BY worker"
hm_sql src "
USE app;
ALTER TABLE app.t1 ADD INDEX v_idx (v);
DELETE FROM app.nokey WHERE a = 2;
INSERT INTO app.child SELECT 1000 + seq, 1 + seq % 40, 1 FROM seq_1_to_100;
ALTER TABLE sbtest.sbtest2 ADD COLUMN note VARCHAR(30) NULL;
" || it_fail "DDL and changes on the source (2)"
it_resume "$D" "$HM_TEST_ROOT/run2.log"
it_wait_state "$D" syncing 60
sleep 3
# a second kill -9, then a resume with one worker: the skip set left by four workers is honoured
# by a run of one (and its rows replace theirs)
kill -9 "$IT_MPID" 2>/dev/null || { tail -20 "$HM_TEST_ROOT/run2.log"; it_fail "hotmig ended by itself before its second kill"; }
wait "$IT_MPID" 2>/dev/null
echo "second kill; the workers' rows:"
hm_sql tgt "SELECT worker, lwm_file, lwm_pos, LEFT(above, 120) FROM hotmig_meta.sync_worker ORDER BY worker"
"$HOTMIG" resume --state-dir "$D" --progress lines --apply-threads 1 >"$HM_TEST_ROOT/run3.log" 2>&1 &
IT_MPID=$!
IT_BG_PIDS+=("$IT_MPID")
it_wait_state "$D" syncing 60
# (a table created before a restart would fail the resume: hotmig resume compares the copy's table
# list; see the README's known limits)
hm_sql src "
USE app;
CREATE TABLE app.fresh (id INT PRIMARY KEY, s VARCHAR(20) NOT NULL, UNIQUE KEY (s));
INSERT INTO app.fresh SELECT seq, CONCAT('s', seq) FROM seq_1_to_300;
UPDATE app.fresh SET s = CONCAT('t', id) WHERE id <= 100;
" || it_fail "DDL and changes on the source (3)"
sleep 3
it_load_stop
n=$(it_audit_stop)
echo "audit rows written: $n"
[ "$n" -gt 100 ] || it_fail "the audit writers wrote only $n rows"
"$HOTMIG" finish --state-dir "$D" --timeout 180 || { tail -20 "$HM_TEST_ROOT/run3.log"; it_fail "finish failed"; }
wait "$IT_MPID" || { tail -20 "$HM_TEST_ROOT/run3.log"; it_fail "the resumed run did not exit 0"; }
grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$HM_TEST_ROOT"/run*.log && it_fail "sanitizer report in a run's log"

it_checksums_equal sbtest
it_checksums_equal app
for t in sbtest.sbtest1 sbtest.sbtest2 app.t1 app.fresh app.child; do
    it_same "SHOW CREATE TABLE $t" "SHOW CREATE TABLE $t"
done
it_audit_equal "$n"
echo "all assertions passed"
