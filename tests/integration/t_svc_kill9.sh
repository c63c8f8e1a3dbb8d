#!/usr/bin/env bash
# t_svc_kill9.sh: restart safety of hotmigd. One full+incremental task moves sysbench tables under
# a write load; hotmigd is killed with SIGKILL at 5 random moments, 3 during the copy and 2 during
# the sync, and started again each time: the task goes on by itself (nobody asks), and after
# finish the target equals the source (CHECKSUM TABLE and row counts: nothing lost, nothing twice).
# Also: a queued task stays queued across a kill, and hotmigd stops cleanly on SIGTERM at the end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/svc_api_lib.sh"
source "$(dirname "$0")/svc_task_lib.sh"

rm -rf "$SVC_DIR" # a fresh data directory: nothing left from an earlier run
it_start
it_sysbench_prepare 4 15000
hm_sql src "CREATE DATABASE idle; CREATE TABLE idle.t (id INT PRIMARY KEY); INSERT INTO idle.t VALUES (1),(2)"
svc_start --max-copying 1

restart_hard() { # kill -9 hotmigd, start it again on the same data directory
    kill -9 "$SVC_PID"
    wait "$SVC_PID" 2>/dev/null # bash reports the kill: expected
    SVC_PID=''
    svc_start --max-copying 1
}

# the task under test, throttled so that the copy lasts long enough to be killed in
api POST /tasks "{\"name\":\"k9\",\"source\":\"$SRC\",\"target\":\"$TGT\",\"include\":[\"sbtest\"],
  \"threads\":2,\"chunk_rows\":1000,\"max_rows_per_sec\":6000}"
expect 201 "create the task"
id=$(jget 'j["id"]')
# a task that waits in the queue behind it (same target: it may not start while k9 runs)
api POST /tasks "{\"name\":\"waiting\",\"source\":\"$SRC\",\"target\":\"$TGT\",\"include\":[\"idle\"],\"mode\":\"full\"}"
expect 201 "create a second task"
wid=$(jget 'j["id"]')
for t in "$id" "$wid"; do
    api POST "/tasks/$t/check"
    expect 202 "check task $t"
    wait_task "$t" checked 60
done
it_load_start 40
api POST "/tasks/$id/start"
expect 200 "start"
api POST "/tasks/$wid/start"
expect 200 "start the waiting task"

kills=0
for n in 1 2 3; do
    wait_task "$id" copying 60
    sleep "$(python3 -c "import random; print(round(random.uniform(0.5, 2.5), 2))")"
    st=$(task_field "$id" 'j["state"]')
    rows=$(task_field "$id" 'j["progress"]["rows_copied"]')
    echo "kill -9 number $n while $st (rows copied $rows)"
    restart_hard
    kills=$((kills + 1))
    it_eq "$(task_field "$wid" 'j["state"]')" queued "the waiting task after kill $n"
done
for n in 4 5; do
    wait_task "$id" syncing 120
    sleep "$(python3 -c "import random; print(round(random.uniform(0.5, 2.5), 2))")"
    echo "kill -9 number $n while $(task_field "$id" 'j["state"]') (lag $(task_field "$id" 'j["progress"]["lag_s"]') s)"
    restart_hard
    kills=$((kills + 1))
done
it_eq "$kills" 5 "kills"
# the task goes on by itself after the last kill
wait_task "$id" syncing 120
it_eq "$(task_field "$wid" 'j["state"]')" queued "the waiting task while k9 syncs on the same target"
task_field "$wid" 'j["progress"]["phase"]' | grep -q "task k9" || it_fail "the waiting task does not say why: $API_BODY"
sleep 2
it_load_stop
api POST "/tasks/$id/finish" '{"lock_source": false}'
expect 200 "finish"
wait_task "$id" finished 120
api GET "/tasks/$id"
[ -n "$(jget 'j["final"]["file"]')" ] || it_fail "no final position: $API_BODY"
echo "final position: $(jget 'j["final"]["file"]'):$(jget 'j["final"]["pos"]'), $(jget 'j["final"]["trx_applied"]') trx applied"
api GET "/tasks/$id/events"
restarts=$(jget 'len([e for e in j["events"] if "restarted" in e["message"]])')
[ "$restarts" -ge 5 ] || it_fail "the events show $restarts resumptions after restarts, not 5"
it_checksums_equal sbtest
# the waiting task runs once k9 has released the target
wait_task "$wid" finished 60
it_checksums_equal idle
svc_stop
grep -q "$HM_TEST_PASSWORD" "$SVC_DIR/hotmigd.db" && it_fail "a password is in clear in the store file"
echo "PASS: 5 kills -9 across copy and sync; target equal; queued task kept"
