#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Source failover: a MariaDB primary (src) with two GTID replicas (rep, stale; log_slave_updates),
# hotmig following src into tgt under writes. stale stops replicating early. The primary dies
# (kill -9) and rep is promoted.
#   - hotmig resume --source STALE is refused: stale lacks transactions the target already has;
#     the message says so and what to do, and the checkpoint is left as it was;
#   - hotmig resume --source REP goes on from the checkpoint's GTID set, without copying again
#     (copy_run unchanged, the target's copied rows not touched twice), applies the writes made on
#     rep after the promotion, and finish ends with checksums equal between rep and tgt and every
#     audit row once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/failover_lib.sh"
it_start
fo_setup
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD
D=$HM_TEST_ROOT/state
rm -rf "$D"

it_audit_start 2 2
it_sync_start "$D" "$HM_TEST_ROOT/migrate.log" --include app --threads 2
sleep 4
n1=$(it_audit_stop)
g=$(hm_sql src "SELECT @@gtid_binlog_pos")
for _ in $(seq 1 300); do [ "$(it_status "$D" 's["sync"]["gtid_set"]')" = "$g" ] && break; sleep 0.1; done
it_eq "$(it_status "$D" 's["sync"]["gtid_set"]')" "$g" "hotmig applied through the primary's last GTID"
fo_caught_up rep
run_before=$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set, state FROM hotmig_meta.copy_run")

# --- the primary dies ---
kill -9 "$(cat "$HM_TEST_ROOT/src/pid")"
"$HOTMIG" stop --state-dir "$D" --timeout 60 >/dev/null
wait "$IT_MPID"
ckpt=$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set FROM hotmig_meta.sync_state")

stale_refused() {
    local out rc
    out=$("$HOTMIG" resume --state-dir "$D" --source "$(hm_uri stale)" --progress none 2>&1)
    rc=$?
    echo "$out"
    it_eq "$rc" 1 "resume on the stale replica: exit status"
    grep -q "^hotmig: failover to the new source refused: new source 127.0.0.1:$(hm_port stale) lacks transactions the target already has: the target applied GTID 0-11-" <<<"$out" \
        || it_fail "the refusal does not say the stale replica lacks transactions"
    grep -q "point --source at a server that has them" <<<"$out" || it_fail "the refusal does not say what to do"
    it_eq "$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set FROM hotmig_meta.sync_state")" "$ckpt" \
        "the checkpoint after the refusal"
    grep -q "127.0.0.1:$(hm_port src)" "$D/task.json" || it_fail "the refused failover changed the task"
}
it_case "stale replica refused" stale_refused

to_rep() {
    local log=$HM_TEST_ROOT/resume.log n a b t
    hm_sql rep "STOP SLAVE; RESET SLAVE ALL" || it_fail "promote rep"
    hm_sql rep "USE app; INSERT INTO audit (w, n) SELECT 3, seq FROM seq_1_to_300; UPDATE t1 SET v = v + 7 WHERE id % 11 = 0" \
        || it_fail "writes on the new primary"
    "$HOTMIG" resume --state-dir "$D" --source "$(hm_uri rep)" --progress lines >"$log" 2>&1 &
    IT_MPID=$!
    IT_BG_PIDS+=("$IT_MPID")
    it_wait_state "$D" syncing 60
    grep -q "^hotmig: failover: the task follows mysql://root@127.0.0.1:$(hm_port rep) from the checkpoint's GTID set" "$log" \
        || it_fail "no failover line: $(head -3 "$log")"
    hm_sql rep "USE app; INSERT INTO audit (w, n) SELECT 3, 300 + seq FROM seq_1_to_200; DELETE FROM t2 WHERE id <= 50" \
        || it_fail "more writes on the new primary"
    sleep 2
    "$HOTMIG" finish --state-dir "$D" --timeout 120 || it_fail "finish: $(tail -3 "$log")"
    wait "$IT_MPID"
    it_eq "$?" 0 "resume exit status"
    it_eq "$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set, state FROM hotmig_meta.copy_run")" "$run_before" \
        "copy_run (the copy was not done again)"
    grep -q "127.0.0.1:$(hm_port rep)" "$D/task.json" || it_fail "the task does not name the new source"
    for t in audit t1 t2; do
        a=$(hm_sql rep "CHECKSUM TABLE app.$t EXTENDED" | cut -f2)
        b=$(hm_sql tgt "CHECKSUM TABLE app.$t EXTENDED" | cut -f2)
        it_eq "$b" "$a" "checksum of app.$t (rep, tgt)"
    done
    n=$(hm_sql rep "SELECT COUNT(*) FROM app.audit")
    it_eq "$n" "$((n1 + 500))" "audit rows on the new primary"
    it_audit_equal "$n"
    echo "failover: $n1 rows through the old primary, 500 through the new one, each once"
}
it_case "failover to rep" to_rep
it_cases_done
echo "PASS: source failover"
