#!/usr/bin/env bash
# kill -9 at several moments of a copy (while the schema is created, while chunks are in
# flight), rerun with the same arguments each time, and a last run to the end: every table's
# CHECKSUM TABLE and row count must equal the source's, and the runs after the first must say
# they resumed and skipped the chunks already done. Covers integer, composite string, keyless
# and MyISAM (non-transactional: chunk ranges are cleared before a redo) tables.
source "$(dirname "$0")/lib.sh"
it_start

digits="(SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9)"
seq5="SELECT a.n*10000+b.n*1000+c.n*100+d.n*10+e.n+1 AS s FROM $digits a, $digits b, $digits c, $digits d, $digits e"
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
" || it_fail "setup"

args=(migrate --source "$SRC" --target "$TGT" --include k --threads 2 --chunk-rows 5000
      --max-rows-per-sec 60000 --progress lines)
run=0
for delay in 0.3 1.5 2.5 2.0; do
    run=$((run + 1))
    "$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run$run.log" 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    done_chunks=$(hm_sql tgt "SELECT IFNULL(SUM(done),0) FROM hotmig_meta.copy_chunk" 2>/dev/null)
    echo "run $run killed after ${delay}s: chunks done so far: ${done_chunks:-none}"
done
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
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM hotmig_meta.copy_chunk WHERE done = 0")" "0" "chunks left undone"
it_eq "$(hm_sql tgt "SELECT state FROM hotmig_meta.copy_run")" "done" "run state"
# and a rerun of a finished copy changes nothing
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/again.log" 2>&1 || it_fail "rerun of a finished copy exited $?"
it_checksums_equal k t_int1 t_myisam
echo "all assertions passed"
