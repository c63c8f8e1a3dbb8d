#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Source failover through the real hotmigd (POST /tasks/{id}/failover). A MariaDB primary (src)
# with two GTID replicas (rep, stale; log_slave_updates); a hotmigd task follows src into tgt
# under writes; stale stops replicating early. The primary dies (kill -9): the task fails, or is
# terminated while it keeps reconnecting.
#   - failover to stale: 409 failover_refused with the engine's sentence (stale lacks
#     transactions the target already has, and what to do); the checkpoint, the task's source
#     and its state unchanged; an event records the refusal and who asked;
#   - bad bodies: 400 naming the field; on a running task: 409;
#   - rep promoted, written to; failover to rep (password beside the URI): 200, queued, the
#     task names rep; it syncs on from the GTID checkpoint, copy_run is untouched and the copy
#     was not run again (no rows copied after the failover), finish ends it finished with
#     checksums equal between rep and tgt and every audit row applied once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/failover_lib.sh"
source "$(dirname "$0")/svc_api_lib.sh"
source "$(dirname "$0")/svc_task_lib.sh"

rm -rf "$SVC_DIR"
it_start
fo_setup

svc_start
id=$(task_create "{\"name\":\"fo\",\"source\":\"$SRC\",\"target\":\"$TGT\",\"include\":[\"app\"],\"threads\":2}")
task_checked "$id"
api POST "/tasks/$id/start"
expect 200 "start"
it_audit_start 2 2
wait_task "$id" syncing 120
api POST "/tasks/$id/failover" "{\"source\": \"$(hm_uri rep)\"}"
expect 409 bad_state "syncing" "failover of a syncing task"
sleep 4
n1=$(it_audit_stop)
g=$(hm_sql src "SELECT @@gtid_binlog_pos")
for _ in $(seq 1 300); do [ "$(hm_sql tgt "SELECT gtid_set FROM hotmig_meta.sync_state")" = "$g" ] && break; sleep 0.1; done
it_eq "$(hm_sql tgt "SELECT gtid_set FROM hotmig_meta.sync_state")" "$g" "hotmigd applied through the primary's last GTID"
fo_caught_up rep
run_before=$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set, state FROM hotmig_meta.copy_run")
api GET "/tasks/$id/events"
copies_before=$(jget 'len([e for e in j["events"] if e["kind"] == "state" and e["data"]["to"] == "copying"])')

# --- the primary dies ---
kill -9 "$(cat "$HM_TEST_ROOT/src/pid")"
st=''
for _ in $(seq 1 100); do
    st=$(task_field "$id" 'j["state"]')
    [ "$st" = failed ] && break
    sleep 0.1
done
echo "10 s after the primary died: $st ($(task_field "$id" 'j["progress"]["phase"]'))"
if [ "$st" != failed ]; then # still reconnecting: the operator stops it
    api POST "/tasks/$id/terminate"
    expect 200 "terminate while the source is gone"
    for _ in $(seq 1 300); do st=$(task_field "$id" 'j["state"]'); [ "$st" = terminated ] && break; sleep 0.1; done
    it_eq "$st" terminated "state after terminate"
fi
api GET "/tasks/$id"
it_eq "$(jget '"failover" in j["actions"]')" true "failover among the actions of a $st task"
ckpt=$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set FROM hotmig_meta.sync_state")

stale_refused() {
    local out
    api POST "/tasks/$id/failover" "{\"source\": \"$(hm_uri stale)\"}"
    expect 409 failover_refused "^failover of task fo to mysql://root@127.0.0.1:$(hm_port stale) refused: new source 127\.0\.0\.1:$(hm_port stale) lacks transactions the target already has: the target applied GTID 0-11-" \
        "failover to the stale replica"
    jget 'j["error"]["message"]' | grep -q "point --source at a server that has them" \
        || it_fail "the refusal does not say what to do: $API_BODY"
    grep -q "$HM_TEST_PASSWORD" <<<"$API_BODY" && it_fail "the refusal shows the password"
    it_eq "$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set FROM hotmig_meta.sync_state")" "$ckpt" \
        "the checkpoint after the refusal"
    it_eq "$(task_field "$id" 'j["source"]["port"]')" "$(hm_port src)" "the task's source after the refusal"
    it_eq "$(task_field "$id" 'j["state"]')" "$st" "the task's state after the refusal"
    api GET "/tasks/$id/events"
    it_eq "$(jget '[e["who"] for e in j["events"] if e["kind"] == "warning" and "failover to" in e["message"]][-1]')" \
        token "who asked for the refused failover (event)"
    # the same through the CLI: one line, exit 1
    out=$("$HOTMIG" task failover fo --source "$(hm_uri stale)" --server "$SVC_URL" --token-file "$SVC_DIR/token" 2>&1)
    it_eq "$?" 1 "hotmig task failover to stale: exit status"
    grep -q "^hotmig: task failover: failover of task fo to mysql://root@127.0.0.1:$(hm_port stale) refused: new source .* lacks transactions the target already has" <<<"$out" \
        || it_fail "hotmig task failover: $out"
    "$HOTMIG" task failover fo --server "$SVC_URL" --token-file "$SVC_DIR/token" >/dev/null 2>&1
    it_eq "$?" 2 "hotmig task failover without --source: exit status"
    it_eq "$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set FROM hotmig_meta.sync_state")" "$ckpt" \
        "the checkpoint after the CLI's refused failover"
}
it_case "stale replica refused" stale_refused

bad_bodies() {
    api POST "/tasks/$id/failover" '{}'
    expect 400 missing_field '"source"' "failover without a source"
    api POST "/tasks/$id/failover" '{"source": "mysql://root@127.0.0.1:1", "target": "x"}'
    expect 400 unknown_field '"target"' "failover with a target"
    api POST "/tasks/$id/failover" '{"source": "http://x"}'
    expect 400 bad_uri '"source"' "failover to a non-mysql URI"
    api POST "/tasks/$id/failover" "{\"source\": \"$(hm_uri rep)\", \"source_password\": \"x\"}"
    expect 400 bad_field 'once' "a password twice"
    api POST "/tasks/999999/failover" "{\"source\": \"$(hm_uri rep)\"}"
    expect 404 not_found "failover of no task"
}
it_case "bad bodies" bad_bodies

to_rep() {
    local n a b t
    hm_sql rep "STOP SLAVE; RESET SLAVE ALL" || it_fail "promote rep"
    hm_sql rep "USE app; INSERT INTO audit (w, n) SELECT 3, seq FROM seq_1_to_300; UPDATE t1 SET v = v + 7 WHERE id % 11 = 0" \
        || it_fail "writes on the new primary"
    api POST "/tasks/$id/failover" "{\"source\": \"mysql://root@127.0.0.1:$(hm_port rep)\", \"source_password\": \"$HM_TEST_PASSWORD\"}"
    expect 200 "failover to the promoted replica"
    it_eq "$(jget 'j["state"]')" queued "state after the failover"
    it_eq "$(jget 'j["source"]["port"]')" "$(hm_port rep)" "the task's source"
    it_eq "$(jget 'j["source"]["password_set"]')" true "the new source's password is set"
    grep -q "$HM_TEST_PASSWORD" <<<"$API_BODY" && it_fail "the answer shows the password"
    api GET "/tasks/$id/events"
    it_eq "$(jget '[e["who"] for e in j["events"] if e["kind"] == "action" and e["message"].startswith("failover: the source is now")][-1]')" \
        token "who asked for the failover (event)"
    wait_task "$id" syncing 120
    hm_sql rep "USE app; INSERT INTO audit (w, n) SELECT 3, 300 + seq FROM seq_1_to_200; DELETE FROM t2 WHERE id <= 50" \
        || it_fail "more writes on the new primary"
    sleep 2
    api POST "/tasks/$id/finish" '{"lock_source": false}'
    expect 200 "finish"
    wait_task "$id" finished 120
    it_eq "$(hm_sql tgt "SELECT binlog_file, binlog_pos, gtid_set, state FROM hotmig_meta.copy_run")" "$run_before" \
        "copy_run (the copy was not done again)"
    api GET "/tasks/$id/events"
    it_eq "$(jget '[e["data"]["rows_copied"] for e in j["events"] if "rows_copied" in (e.get("data") or {})][-1]')" 0 \
        "rows copied by the run after the failover"
    echo "copy intervals: $copies_before before the failover, $(jget 'len([e for e in j["events"] if e["kind"] == "state" and e["data"]["to"] == "copying"])') in all (the resumed one found the copy complete)"
    for t in audit t1 t2; do
        a=$(hm_sql rep "CHECKSUM TABLE app.$t EXTENDED" | cut -f2)
        b=$(hm_sql tgt "CHECKSUM TABLE app.$t EXTENDED" | cut -f2)
        it_eq "$b" "$a" "checksum of app.$t (rep, tgt)"
    done
    n=$(hm_sql rep "SELECT COUNT(*) FROM app.audit")
    it_eq "$n" "$((n1 + 500))" "audit rows on the new primary"
    it_audit_equal "$n"
    echo "failover through hotmigd: $n1 audit rows through the old primary, 500 through the new one, each once"
}
it_case "failover to rep" to_rep
it_cases_done
svc_stop
grep -q "$HM_TEST_PASSWORD" "$SVC_DIR/hotmigd.db" && it_fail "a password is in clear in the store file"
echo "PASS: source failover through hotmigd"
