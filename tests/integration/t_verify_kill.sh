#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# kill -9 during hotmig verify, then the same command again: it goes on after the chunks already
# compared (it says it resumed, and skipped them) and gives the same answer as a run from the
# start. Tables: an integer key (arithmetic chunks), a composite string key (walked chunks) and a
# keyless table, with differences in early and late chunks of each.
# Asserts: the kill landed after some chunks were recorded and before the end; the resumed run
# exits 1 with exactly the injected differences; a later full run (the previous one ended, so it
# starts afresh) reports the same differences and compares every chunk again.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

setup="
CREATE DATABASE vk;
USE vk;
CREATE TABLE t_int (id INT PRIMARY KEY, v VARCHAR(40), n DOUBLE);
INSERT INTO t_int SELECT seq, SHA1(seq), seq / 7 FROM seq_1_to_120000;
CREATE TABLE t_str (a VARCHAR(60) NOT NULL, b INT NOT NULL, v TEXT, PRIMARY KEY (a, b));
INSERT INTO t_str SELECT CONCAT(CHAR(65 + seq % 26), SHA1(seq)), seq % 5, REPEAT('x', seq % 40) FROM seq_1_to_40000;
CREATE TABLE t_nokey (x INT, v VARCHAR(40));
INSERT INTO t_nokey SELECT seq % 1000, MD5(seq) FROM seq_1_to_20000;
"
hm_sql src "$setup" || it_fail "setup on the source"
hm_sql tgt "$setup" || it_fail "setup on the target"
hm_sql tgt "
USE vk;
UPDATE t_int SET v = 'changed' WHERE id IN (10, 119990);
DELETE FROM t_int WHERE id = 60000;
INSERT INTO t_int VALUES (500000, 'extra', 0);
UPDATE t_str SET v = 'changed' WHERE (a, b) IN (SELECT * FROM (SELECT a, b FROM t_str ORDER BY a, b LIMIT 1) q);
DELETE FROM t_str WHERE (a, b) IN (SELECT * FROM (SELECT a, b FROM t_str ORDER BY a DESC, b DESC LIMIT 1) q);
DELETE FROM t_nokey WHERE x = 7 LIMIT 1;
" || it_fail "injecting the differences"

args=(verify --source "$SRC" --target "$TGT" --include vk --threads 2 --chunk-rows 4000 --json)
"$HOTMIG" "${args[@]}" --max-rows-per-sec 30000 >"$HM_TEST_ROOT/run1.json" 2>&1 &
pid=$!
IT_BG_PIDS+=("$pid")
n=0
for _ in $(seq 1 600); do
    n=$(hm_sql tgt "SELECT IFNULL(SUM(chunks), 0) FROM hotmig_meta.verify_table" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 8 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
IT_BG_PIDS=()
state=$(hm_sql tgt "SELECT state FROM hotmig_meta.verify_run")
echo "run 1 killed with $n chunks recorded, run state $state"
[ "${n:-0}" -ge 8 ] || it_fail "run 1 was not killed after some chunks were compared ($n)"
it_eq "$state" "running" "the run's state after the kill"

"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run2.json" 2>"$HM_TEST_ROOT/run2.err"
rc=$?
cat "$HM_TEST_ROOT/run2.err"
it_eq "$rc" "1" "exit status of the resumed run"
"$HOTMIG" "${args[@]}" >"$HM_TEST_ROOT/run3.json" 2>"$HM_TEST_ROOT/run3.err"
rc=$?
cat "$HM_TEST_ROOT/run3.err"
it_eq "$rc" "1" "exit status of the full run"

python3 - "$HM_TEST_ROOT/run2.json" "$HM_TEST_ROOT/run3.json" <<'PY' || it_fail "the resumed run's answer is not the full run's"
import json, sys
r2 = json.load(open(sys.argv[1])); r3 = json.load(open(sys.argv[2]))
key = lambda r: sorted((d["table"], d["kind"], d["key"], d["columns"], d["copies"]) for d in r["diffs"])
ok = True
if not r2["resumed"] or r2["chunks_skipped"] < 8:
    print("run 2 did not resume:", r2["resumed"], r2["chunks_skipped"]); ok = False
if r3["resumed"] or r3["chunks_skipped"] != 0:
    print("run 3 resumed:", r3["resumed"], r3["chunks_skipped"]); ok = False
if key(r2) != key(r3):
    print("run 2:", key(r2)); print("run 3:", key(r3)); ok = False
kinds = sorted((d[0], d[1]) for d in key(r3))
want = sorted([("t_int", "changed"), ("t_int", "changed"), ("t_int", "missing"), ("t_int", "extra"),
               ("t_str", "changed"), ("t_str", "missing"), ("t_nokey", "missing")])
if kinds != want:
    print("differences:", key(r3)); ok = False
if r2["rows_compared"] != r3["rows_compared"]:
    print("rows compared:", r2["rows_compared"], r3["rows_compared"]); ok = False
print("resumed after %d chunks; same %d differences as a full run" % (r2["chunks_skipped"], len(key(r3))) if ok else "")
sys.exit(0 if ok else 1)
PY
echo "PASS: killed, resumed, same answer"
