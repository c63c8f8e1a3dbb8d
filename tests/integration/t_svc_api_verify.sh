#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Verification through the real hotmigd (POST/GET /tasks/{id}/verify, /verify/fix.sql).
# A task syncs sbtest (2 x 5,000 rows plus a table the load never touches) under a sysbench write
# load:
#   - verify at common points with the running sync: equal, common_points > 0, events
#     "verify started" / "verify: equal"; a second POST meanwhile: 409 verify_running;
#   - a direct UPDATE of one row's column on the target: verify names the table, the key and the
#     column, nothing else; the fix SQL downloaded from the API and applied with the mariadb
#     client makes the next verify equal (still under load, at common points);
#   - bad bodies 400, a task not holding data (created) 409 bad_state, no verify yet 404;
#   - finished: the live comparison (mode live) is equal;
#   - terminate cancels a running verify (its result: failed, HM_ECANCELLED), so does hotmigd's stop;
#   - hotmig task verify: prints the difference by key and column (exit 1), then equal (exit 0).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/svc_api_lib.sh"
source "$(dirname "$0")/svc_task_lib.sh"

rm -rf "$SVC_DIR"
it_start
it_sysbench_prepare 2 5000
hm_sql src "CREATE TABLE sbtest.quiet (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20));
    INSERT INTO sbtest.quiet SELECT seq, seq * 3, CONCAT('s', seq) FROM sbtest.seq_1_to_500" || it_fail "quiet table"
svc_start

id=$(task_create "{\"name\":\"vf\",\"source\":\"$SRC\",\"target\":\"$TGT\",\"include\":[\"sbtest\"],\"threads\":2}")
api GET "/tasks/$id/verify"
expect 404 no_verify "not been verified" "verify result before any verify"
api POST "/tasks/$id/verify"
expect 409 bad_state "is created: verify is allowed when" "verify of a created task"
task_checked "$id"
api POST "/tasks/$id/start"
expect 200 "start"
it_load_start 40
wait_task "$id" syncing 120
sleep 2

# verify_wait ID: waits for the running verify's result (state done), leaves it in API_BODY
verify_wait() {
    local st
    for _ in $(seq 1 600); do
        api GET "/tasks/$1/verify"
        st=$(jget 'j["state"]')
        [ "$st" != running ] && break
        sleep 0.1
    done
    it_eq "$st" done "verify state (answer: $API_BODY)"
}

# verify_run ID: POST verify, then verify_wait
verify_run() {
    api POST "/tasks/$1/verify"
    expect 202 "POST verify"
    it_eq "$(jget 'j["state"]')" running "state right after POST verify"
    verify_wait "$1"
}

at_common_points() {
    local acts
    api POST "/tasks/$id/verify" '{"threads": 0}'
    expect 400 bad_field '"threads"' "threads 0"
    api POST "/tasks/$id/verify" '{"speed": 1}'
    expect 400 unknown_field '"speed"' "an unknown field"
    api POST "/tasks/$id/verify" '{"threads": 2}'
    expect 202 "POST verify"
    api POST "/tasks/$id/verify"
    expect 409 verify_running "running already" "a second verify while one runs"
    api GET "/tasks/$id"
    acts=$(jget '"verify" in j["actions"] or "finish" in j["actions"]')
    api GET "/tasks/$id/verify"
    if [ "$(jget 'j["state"]')" = running ]; then # (a fast verify may be over already)
        it_eq "$acts" false "verify or finish among the actions while verifying"
    fi
    verify_wait "$id"
    it_eq "$(jget 'j["equal"]')" true "equal under load at common points"
    it_eq "$(jget 'j["mode"]')" common_points "mode"
    it_eq "$(jget 'j["tables"]')" 3 "tables compared"
    [ "$(jget 'j["common_points"]')" -gt 0 ] || it_fail "no common point: $API_BODY"
    echo "equal at $(jget 'j["common_points"]') common points, sync paused $(jget 'j["pause_ms_max"]') ms at most, $(jget 'j["rows_compared"]') rows"
    api GET "/tasks/$id/events"
    jget '[e["message"] for e in j["events"]]' | grep -q '"verify started (at common points' || it_fail "no 'verify started' event"
    jget '[e["message"] for e in j["events"]]' | grep -q '"verify: equal (3 tables' || it_fail "no 'verify: equal' event"
    it_eq "$(task_field "$id" 'j["state"]')" syncing "the task still syncs"
}
it_case "equal at common points under load" at_common_points

finds_and_fixes() {
    local fix=$HM_TEST_ROOT/fix.sql out
    hm_sql tgt "UPDATE sbtest.quiet SET v = v + 1 WHERE id = 77" || it_fail "tamper the target"
    verify_run "$id"
    it_eq "$(jget 'j["equal"]')" false "a changed row is found"
    it_eq "$(jget 'len(j["diffs"])')" 1 "differences listed ($API_BODY)"
    it_eq "$(jget '[[d["table"], d["kind"], d["key"], d["columns"]] for d in j["diffs"]][0]')" '["quiet", "changed", "id=77", "v"]' \
        "the difference by table, kind, key, column"
    it_eq "$(jget 'j["changed"]')" 1 "changed rows"
    api GET "/tasks/$id/events"
    jget '[e["message"] for e in j["events"]]' | grep -q '"verify: 1 differences' || it_fail "no 'verify: 1 differences' event"
    out=$("$HOTMIG" task verify vf --server "$SVC_URL" --token-file "$SVC_DIR/token" 2>&1)
    it_eq "$?" 1 "hotmig task verify of a differing target: exit status"
    grep -qx "differs: sbtest.quiet id=77: changed v" <<<"$out" || it_fail "hotmig task verify: $out"
    curl -s -f -o "$fix" -H "Authorization: Bearer $SVC_TOKEN" "$SVC_URL/api/v1/tasks/$id/verify/fix.sql" \
        || it_fail "download the fix SQL"
    grep -q 'UPDATE `sbtest`.`quiet`' "$fix" || it_fail "the fix SQL: $(cat "$fix")"
    mariadb --no-defaults -h127.0.0.1 -P"$(hm_port tgt)" -uroot -p"$HM_TEST_PASSWORD" <"$fix" || it_fail "apply the fix SQL"
    it_eq "$(hm_sql tgt "SELECT v FROM sbtest.quiet WHERE id = 77")" 231 "the row after the fix"
    verify_run "$id"
    it_eq "$(jget 'j["equal"]')" true "equal after the fix ($API_BODY)"
}
it_case "a direct UPDATE found by key and column, fixed by the fix SQL" finds_and_fixes

terminate_cancels() {
    api POST "/tasks/$id/verify" '{"max_rows_per_sec": 500, "threads": 1}'
    expect 202 "a slow verify"
    sleep 1
    api POST "/tasks/$id/terminate"
    expect 200 "terminate while verifying"
    wait_task "$id" terminated 20
    for _ in $(seq 1 100); do
        api GET "/tasks/$id/verify"
        [ "$(jget 'j["state"]')" != running ] && break
        sleep 0.1
    done
    it_eq "$(jget 'j["state"]')" failed "verify state after terminate"
    it_eq "$(jget 'j["code"]')" HM_ECANCELLED "verify code after terminate ($API_BODY)"
    api POST "/tasks/$id/retry"
    expect 200 "retry"
    wait_task "$id" syncing 120
}
it_case "terminate cancels a running verify" terminate_cancels

finished_live() {
    it_load_stop
    api POST "/tasks/$id/finish" '{"lock_source": false}'
    expect 200 "finish"
    wait_task "$id" finished 120
    verify_run "$id"
    it_eq "$(jget 'j["mode"]')" live "mode of a finished task"
    it_eq "$(jget 'j["equal"]')" true "finished: equal"
    out=$("$HOTMIG" task verify vf --threads 2 --server "$SVC_URL" --token-file "$SVC_DIR/token" 2>&1)
    it_eq "$?" 0 "hotmig task verify of the finished task: exit status"
    grep -q "^verify: equal: 3 tables, [0-9]* rows compared (live tables)$" <<<"$out" || it_fail "hotmig task verify: $out"
    it_eq "$(jget 'j["rows_compared"]')" "$(hm_sql src "SELECT (SELECT COUNT(*) FROM sbtest.sbtest1) + (SELECT COUNT(*) FROM sbtest.sbtest2) + 500")" "rows compared"
}
it_case "finished: live comparison" finished_live

# hotmigd's stop cancels a running verify (exit 0 within 10 s: svc_stop); the result is kept in
# the store; a verified task deletes (its ended verify holds nothing)
api POST "/tasks/$id/verify" '{"max_rows_per_sec": 500, "threads": 1}'
expect 202 "a slow verify before the daemon stops"
sleep 1
grep -q "$HM_TEST_PASSWORD" "$SVC_ANSWERS" && it_fail "an answer shows the password"
svc_stop
svc_start
api GET "/tasks/$id/verify"
expect 200 "the verify result after a restart"
it_eq "$(jget 'j["state"]')" failed "the verify stopped by the restart"
api DELETE "/tasks/$id"
expect 204 "delete the verified task"
svc_stop
it_cases_done
