#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig verify --state-dir at common points with a running sync, under a sysbench write load on
# the source: the source's rows are read inside a snapshot at known binlog coordinates, the
# target's inside a snapshot opened while the applier has committed exactly through them.
# Asserts, 5 times each: verify reports equal (exit 0; no false alarm while rows change), with at
# least one common point and the applier paused briefly; and, after differences injected directly
# on the target (an extra row in a table under load, a changed value in a quiet table), verify
# reports exactly those (exit 1), named by key and column. The load kept running throughout, and
# the sync still follows afterwards (finish: the target then equals the source).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

it_sysbench_prepare 2 5000
hm_sql src "CREATE DATABASE vq; USE vq; CREATE TABLE vq.t (id INT PRIMARY KEY, v INT NOT NULL);
            INSERT INTO vq.t SELECT seq, seq FROM seq_1_to_100" || it_fail "setup"
dir=$HM_TEST_ROOT/state
rm -rf "$dir"   # a state directory left by an earlier run of this test names other servers
it_sync_start "$dir" "$HM_TEST_ROOT/migrate.log" --include sbtest --include vq
it_load_start 100
vargs=(verify --source "$SRC" --target "$TGT" --include sbtest --include vq --state-dir "$dir" --json)

for i in 1 2 3 4 5; do
    # runs 1 and 2 throttled so that they last several batches (a new common point every 2 s)
    throttle=()
    want_points=1
    if [ "$i" -le 2 ]; then throttle=(--max-rows-per-sec 3000); want_points=2; fi
    "$HOTMIG" "${vargs[@]}" "${throttle[@]}" >"$HM_TEST_ROOT/eq$i.json" 2>"$HM_TEST_ROOT/eq$i.err"
    rc=$?
    cat "$HM_TEST_ROOT/eq$i.err"
    python3 - "$HM_TEST_ROOT/eq$i.json" "$i" "$want_points" <<'PY' || it_fail "run $i at the common point: not equal"
import json, sys
r = json.load(open(sys.argv[1]))
print("equal run %s: equal=%s diffs=%s common points=%s longest pause %.1f ms, %s rows" % (
    sys.argv[2], r["equal"], len(r["diffs"]), r["common_points"], r["pause_ms_max"], r["rows_compared"]))
sys.exit(0 if r["equal"] and not r["diffs"] and r["common_points"] >= int(sys.argv[3]) and r["rechecks"] == 0 else 1)
PY
    it_eq "$rc" "0" "exit status of equal run $i"
done

for i in 1 2 3 4 5; do
    hm_sql tgt "INSERT INTO sbtest.sbtest1 (id, k, c, pad) VALUES (90000$i, 1, 'injected', 'x');
                UPDATE vq.t SET v = v + 1000 WHERE id = $i" || it_fail "injecting on the target"
    "$HOTMIG" "${vargs[@]}" >"$HM_TEST_ROOT/diff$i.json" 2>"$HM_TEST_ROOT/diff$i.err"
    rc=$?
    cat "$HM_TEST_ROOT/diff$i.err"
    python3 - "$HM_TEST_ROOT/diff$i.json" "$i" <<'PY' || it_fail "run $i at the common point: the injected differences not found exactly"
import json, sys
r = json.load(open(sys.argv[1])); i = sys.argv[2]
got = sorted((d["db"], d["table"], d["kind"], d["key"], d["columns"]) for d in r["diffs"])
want = sorted([("sbtest", "sbtest1", "extra", "id=90000" + i, ""), ("vq", "t", "changed", "id=" + i, "v")])
print("difference run %s: %s (common points %s, longest pause %.1f ms)" % (i, got, r["common_points"], r["pause_ms_max"]))
sys.exit(0 if got == want else 1)
PY
    it_eq "$rc" "1" "exit status of difference run $i"
    hm_sql tgt "DELETE FROM sbtest.sbtest1 WHERE id = 90000$i; UPDATE vq.t SET v = v - 1000 WHERE id = $i" \
        || it_fail "undoing the injection"
done

kill -0 "$IT_LOAD_PID" 2>/dev/null || it_fail "the write load stopped during the test"
it_load_stop
"$HOTMIG" finish --state-dir "$dir" --timeout 60 >"$HM_TEST_ROOT/finish.log" 2>&1 || { cat "$HM_TEST_ROOT/finish.log"; it_fail "finish"; }
wait "$IT_MPID" 2>/dev/null
it_checksums_equal sbtest
it_checksums_equal vq
echo "PASS: equal 5/5 at common points under load; injected differences found 5/5"
