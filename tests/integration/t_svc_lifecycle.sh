#!/usr/bin/env bash
# t_svc_lifecycle.sh: a task's life through the real hotmigd. The precheck FAILS on the source's
# binlog_row_image=MINIMAL and start is refused naming that item; fixed on the server, checked
# again, started: it copies, syncs under a sysbench write load, and finish ends it `finished` with
# the final position, CHECKSUM TABLE equal. Then a task terminated mid-copy stops within 5 s, and
# retry resumes it (chunks skipped > 0), equal; and clean-target of a third, terminated task drops
# its objects and its hotmig_meta rows and nothing else.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/svc_api_lib.sh"
source "$(dirname "$0")/svc_task_lib.sh"

rm -rf "$SVC_DIR"
it_start
it_sysbench_prepare 4 10000
hm_sql src "SET GLOBAL binlog_row_image = 'MINIMAL'"
svc_start

# --- the lifecycle ---
id=$(task_create "{\"name\":\"shop\",\"source\":\"$SRC\",\"target\":\"$TGT\",\"include\":[\"sbtest\"],\"threads\":2}")
task_checked "$id"
api GET "/tasks/$id/check"
it_eq "$(jget 'j["result"]')" failed "the precheck's result"
it_eq "$(jget '[i["result"] for i in j["items"] if i["id"] == "source.binlog_row_image"][0]')" FAILED "binlog_row_image item"
api POST "/tasks/$id/start"
expect 409 check_failed "source\.binlog_row_image" "start refused while binlog_row_image FAILS"
hm_sql src "SET GLOBAL binlog_row_image = 'FULL'"
task_checked "$id"
api GET "/tasks/$id/check"
[ "$(jget 'j["result"]')" != failed ] || it_fail "the precheck still fails: $API_BODY"
api POST "/tasks/$id/start"
expect 200 "start"
it_load_start 50
wait_task "$id" syncing 120
sleep 3
echo "syncing: lag $(task_field "$id" 'j["progress"]["lag_s"]') s, $(task_field "$id" 'j["progress"]["trx_applied"]') trx applied"
it_load_stop
api POST "/tasks/$id/finish" '{"lock_source": false}'
expect 200 "finish"
wait_task "$id" finished 120
api GET "/tasks/$id"
file=$(jget 'j["final"]["file"]') pos=$(jget 'j["final"]["pos"]')
[ -n "$file" ] && [ "$pos" -gt 4 ] || it_fail "no final position: $API_BODY"
echo "finished at $file:$pos"
it_checksums_equal sbtest

# --- terminate mid-copy, retry ---
make_db big 30000
big=$(task_create "{\"name\":\"big\",\"source\":\"$SRC\",\"target\":\"$TGT\",\"include\":[\"big\"],\"mode\":\"full\",
    \"threads\":2,\"chunk_rows\":1000,\"max_rows_per_sec\":8000}")
task_checked "$big"
api POST "/tasks/$big/start"
expect 200 "start big"
wait_task "$big" copying 60
for _ in $(seq 1 300); do [ "$(task_field "$big" 'j["progress"]["rows_copied"]')" -ge 6000 ] && break; sleep 0.05; done
t0=$(date +%s%N)
api POST "/tasks/$big/terminate"
expect 200 "terminate big"
wait_task "$big" terminated 5
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "terminated in $ms ms"
[ "$ms" -le 5000 ] || it_fail "terminate took $ms ms"
api POST "/tasks/$big/retry"
expect 200 "retry big"
wait_task "$big" finished 120
skipped=$(copy_skipped "$big")
echo "retry skipped $skipped chunks"
[ "${skipped:-0}" -gt 0 ] || it_fail "the retry copied every chunk again"
it_checksums_equal big

# --- clean-target ---
make_db cl 20000
hm_sql tgt "CREATE DATABASE keep; CREATE TABLE keep.k (id INT PRIMARY KEY); INSERT INTO keep.k VALUES (1)"
cl=$(task_create "{\"name\":\"cl\",\"source\":\"$SRC\",\"target\":\"$TGT\",\"include\":[\"cl\"],\"mode\":\"full\",
    \"threads\":2,\"chunk_rows\":1000,\"max_rows_per_sec\":5000}")
task_checked "$cl"
api POST "/tasks/$cl/start"
wait_task "$cl" copying 60
sleep 1
api POST "/tasks/$cl/terminate"
wait_task "$cl" terminated 5
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='cl'")" 1 "cl on the target before clean-target"
api POST "/tasks/$cl/clean-target" '{"confirm": "not-cl"}'
expect 400 bad_confirm "name" "clean-target with the wrong name"
api POST "/tasks/$id/clean-target" '{"confirm": "shop"}'
expect 409 bad_state "finished" "clean-target of a finished task"
api POST "/tasks/$cl/clean-target" '{"confirm": "cl"}'
expect 200 "clean-target cl"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='cl'")" 0 "cl after clean-target"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM hotmig_meta.copy_run")" 0 "hotmig_meta.copy_run after clean-target"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM keep.k")" 1 "keep.k after clean-target"
it_checksums_equal sbtest
it_checksums_equal big
svc_stop
grep -q "$HM_TEST_PASSWORD" "$SVC_DIR/hotmigd.db" && it_fail "a password is in clear in the store file"
echo "PASS: lifecycle, terminate/retry, clean-target"
