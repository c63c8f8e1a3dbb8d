#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# kill -9 at several moments of a copy (while the tables are created, up to four times while
# chunks are in flight, while views/routines/triggers/events are created), rerun with the same
# arguments each time, and a last run to the end. Asserts: the first kill landed among the
# CREATE TABLEs, at least one mid-data, one among the objects; the last run exits 0 and says it
# resumed and skipped the chunks already done; every table's CHECKSUM TABLE and row count equal
# the source's (no duplicates, no gaps); every object exists with its definition; hotmig_meta
# shows every chunk done; a rerun of a finished copy changes nothing.
# Tables: integer, unsigned, composite string, keyless, MyISAM (non-transactional: chunk ranges
# are cleared before a redo), sparse keys and 60 small ones, about 450k rows on a quiet source;
# 120 procedures and a chain of 120 views, a trigger and an event.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

seq5="SELECT seq AS s FROM seq_1_to_100000"
hm_sql src "
CREATE DATABASE k;
USE k;
CREATE TABLE t_int1 (id INT PRIMARY KEY, v VARCHAR(64), n DOUBLE) ENGINE=InnoDB;
CREATE TABLE t_int2 (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB;
CREATE TABLE t_str (a VARCHAR(60) NOT NULL, b INT NOT NULL, v TEXT, PRIMARY KEY (a, b)) ENGINE=InnoDB;
CREATE TABLE t_nokey (x INT, v VARCHAR(64)) ENGINE=InnoDB;
CREATE TABLE t_myisam (id INT PRIMARY KEY, v VARCHAR(64)) ENGINE=MyISAM;
CREATE TABLE t_sparse (id BIGINT PRIMARY KEY, v CHAR(10)) ENGINE=InnoDB;
INSERT INTO t_int1 SELECT s, SHA1(s), s / 7 FROM ($seq5) q;
INSERT INTO t_int2 SELECT s * 3 + 18000000000000000000, MD5(s) FROM ($seq5) q;
INSERT INTO t_str SELECT CONCAT(CHAR(65 + s % 26 USING utf8mb4), SHA1(s)), s % 5, REPEAT('x', s % 50) FROM ($seq5) q;
INSERT INTO t_nokey SELECT s % 1000, MD5(s) FROM ($seq5) q WHERE s <= 30000;
INSERT INTO t_myisam SELECT s, SHA1(s) FROM ($seq5) q;
INSERT INTO t_sparse SELECT s * 1000000007, 'sparse' FROM ($seq5) q WHERE s <= 20000;
CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, what VARCHAR(64)) ENGINE=InnoDB;
CREATE TRIGGER t_int1_ai AFTER INSERT ON t_int1 FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('int1 ', NEW.id));
CREATE EVENT ev_never ON SCHEDULE EVERY 1 DAY STARTS '2037-01-01 00:00:00' DO DELETE FROM audit WHERE id < 0;
CREATE VIEW v_base AS SELECT id, v FROM t_int1 WHERE id <= 10;
" || it_fail "setup"
# enough tables and objects that creating them takes a while, so that a kill can land among them
objs="USE k;"
for i in $(seq 1 60); do
    objs+=" CREATE TABLE s_$i (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO s_$i VALUES (1, 'one'), ($((i + 1)), 'i');"
done
for i in $(seq 1 120); do
    objs+=" CREATE PROCEDURE p_$i(OUT r INT) SET r = $i;"
    objs+=" CREATE VIEW v_$i AS SELECT id, v, $i AS n FROM v_$((i > 1 ? i - 1 : 0));"
done
objs=${objs//FROM v_0/FROM v_base}
hm_sql src "$objs" || it_fail "setup of the objects"
nobj=$(hm_sql src "SELECT (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA='k') + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='k') + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='k') + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA='k')")
it_eq "$nobj" "243" "objects on the source"

args=(migrate --mode full --source "$SRC" --target "$TGT" --include k --threads 2 --chunk-rows 5000
      --max-rows-per-sec 60000 --progress lines)
meta_state() {
    hm_sql tgt "SELECT CONCAT(IFNULL(SUM(done), 0), ' of ', COUNT(*), ' chunks done, run ',
        IFNULL((SELECT state FROM hotmig_meta.copy_run), '-'), ', objects ',
        (SELECT COUNT(*) FROM hotmig_meta.copy_object)) FROM hotmig_meta.copy_chunk" 2>/dev/null || echo "no hotmig_meta yet"
}
ntables=$(hm_sql src "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='k' AND TABLE_TYPE='BASE TABLE'")
it_eq "$ntables" "67" "tables on the source"

# run 1: killed once 10 of the tables exist on the target
run=1
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run$run.log" 2>&1 &
pid=$!
IT_BG_PIDS+=("$pid")
n=0
for _ in $(seq 1 1000); do
    n=$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='k'")
    [ "$n" -ge 10 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
IT_BG_PIDS=()
n=$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='k'")
echo "run $run killed with $n of $ntables tables created: $(meta_state)"
{ [ "$n" -ge 10 ] && [ "$n" -lt "$ntables" ]; } || it_fail "run 1 was not killed while the tables were created ($n of $ntables)"

mid_data=0
for delay in 1.5 2.5 2.0 1.5; do
    run=$((run + 1))
    "$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run$run.log" 2>&1 &
    pid=$!
    IT_BG_PIDS+=("$pid")
    sleep "$delay"
    if ! kill -9 "$pid" 2>/dev/null; then
        wait "$pid"
        echo "run $run ended (exit $?) before its kill after ${delay}s: $(meta_state)"
        IT_BG_PIDS=()
        break
    fi
    wait "$pid" 2>/dev/null
    IT_BG_PIDS=()
    state=$(meta_state)
    echo "run $run killed after ${delay}s: $state"
    if [[ $state =~ ^([0-9]+)\ of\ ([0-9]+)\ chunks\ done,\ run\ ([a-z]+) ]] &&
        [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[3]}" != "done" ]; then
        mid_data=$((mid_data + 1))
    fi
done
[ $mid_data -ge 1 ] || it_fail "no kill landed while chunks were being copied"

# one more run, killed as soon as it starts creating the views, routines, triggers and events
run=$((run + 1))
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run$run.log" 2>&1 &
pid=$!
IT_BG_PIDS+=("$pid")
for _ in $(seq 1 1200); do
    grep -q '^hotmig: objects' "$HM_TEST_ROOT/run$run.log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
sleep 0.2
if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    echo "run $run killed in the objects stage: $(meta_state)"
else
    wait "$pid"
    echo "run $run ended (exit $?) before its kill in the objects stage: $(meta_state)"
    it_fail "run $run was not killed in the objects stage"
fi
IT_BG_PIDS=()

"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/final.log" 2>&1
rc=$?
cat "$HM_TEST_ROOT/final.log"
[ $rc -eq 0 ] || it_fail "final run exited $rc"
grep -q "resumed an earlier run" "$HM_TEST_ROOT/final.log" || it_fail "final run did not resume"
skipped=$(sed -n 's/.*resumed an earlier run: \([0-9]*\) chunks.*/\1/p' "$HM_TEST_ROOT/final.log")
[ "${skipped:-0}" -gt 0 ] || it_fail "final run skipped no chunk"
it_checksums_equal k
for t in t_int1 t_int2 t_myisam t_sparse; do
    d=$(hm_sql tgt "SELECT COUNT(*) - COUNT(DISTINCT id) FROM k.$t")
    it_eq "$d" "0" "duplicate ids in k.$t"
done
it_eq "$(hm_sql tgt "SELECT COUNT(*) - COUNT(DISTINCT a, b) FROM k.t_str")" "0" "duplicate keys in k.t_str"
it_same "rows of the keyless table" "SELECT x, v, COUNT(*) FROM k.t_nokey GROUP BY x, v ORDER BY x, v"
it_same "views" "SELECT TABLE_NAME, VIEW_DEFINITION, DEFINER, SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA='k' ORDER BY 1"
it_same "routines" "SELECT ROUTINE_NAME, ROUTINE_DEFINITION, SQL_MODE, DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='k' ORDER BY 1"
it_same "triggers" "SELECT TRIGGER_NAME, ACTION_STATEMENT, SQL_MODE, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='k' ORDER BY 1"
it_same "events" "SELECT EVENT_NAME, EVENT_DEFINITION, STARTS, STATUS, DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA='k' ORDER BY 1"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM k.v_120")" "10" "the last view of the chain works on the target"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM k.audit")" "0" "the trigger fired on copied rows"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM hotmig_meta.copy_chunk WHERE done = 0")" "0" "chunks left undone"
it_eq "$(hm_sql tgt "SELECT state FROM hotmig_meta.copy_run")" "done" "run state"
# and a rerun of a finished copy changes nothing
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/again.log" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$HM_TEST_ROOT/again.log"; it_fail "rerun of a finished copy exited $rc"; }
it_checksums_equal k t_int1 t_nokey t_myisam
echo "all assertions passed"
