#!/usr/bin/env bash
# t_svc_queue.sh: hotmigd's queue, through the real daemon. Three full-mode tasks, each to its own
# target, started together (in the order b, a, c) with --max-copying 1: their copy intervals, read
# from the events, never overlap and follow that order. A fourth task started with
# {"at": now + 20 s} stays queued until then and starts within 2 s after. Every table is equal.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/svc_api_lib.sh"
source "$(dirname "$0")/svc_task_lib.sh"

rm -rf "$SVC_DIR"
it_start
hm_srv_start tgt2 target || it_fail "second target did not start"
hm_srv_start tgt3 target || it_fail "third target did not start"
for db in qa qb qc qd; do make_db "$db" 4000; done
svc_start --max-copying 1

declare -A id
tgt_of() { case $1 in qa) hm_uri tgt ;; qb) hm_uri tgt2 ;; qc) hm_uri tgt3 ;; qd) hm_uri tgt ;; esac; }
for db in qa qb qc qd; do
    id[$db]=$(task_create "{\"name\":\"$db\",\"source\":\"$SRC\",\"target\":\"$(tgt_of $db)\",\"include\":[\"$db\"],
        \"mode\":\"full\",\"threads\":2,\"chunk_rows\":500,\"max_rows_per_sec\":3000}")
    task_checked "${id[$db]}"
done
for db in qb qa qc; do
    api POST "/tasks/${id[$db]}/start"
    expect 200 "start $db"
    sleep 0.05
done
at_s=$(( $(date +%s) + 20 ))
at=$(date -u -d "@$at_s" +%Y-%m-%dT%H:%M:%SZ)
api POST "/tasks/${id[qd]}/start" "{\"at\": \"$at\"}"
expect 200 "start qd at $at"
it_eq "$(jget 'j["start_at"]')" "${at%Z}.000Z" "qd's start_at"

prev_to=0
for db in qb qa qc; do
    wait_task "${id[$db]}" finished 120
    read -r from to <<<"$(copy_interval "${id[$db]}")"
    echo "$db copied from $from to $to ($(( to - from )) ms)"
    [ -n "$from" ] && [ -n "$to" ] || it_fail "$db: no copy interval in its events"
    [ "$from" -ge "$prev_to" ] || it_fail "$db began copying at $from, before the previous task ended ($prev_to)"
    prev_to=$to
done
it_eq "$(task_field "${id[qd]}" 'j["state"]')" queued "qd before its start time"
task_field "${id[qd]}" 'j["progress"]["phase"]' | grep -q "start time" || it_fail "qd does not say it waits for its start time"
wait_task "${id[qd]}" finished 60
read -r from to <<<"$(copy_interval "${id[qd]}")"
late=$(( from - at_s * 1000 ))
echo "qd scheduled at ${at_s}000, copy began $from (+$late ms)"
[ "$late" -ge 0 ] || it_fail "qd started $(( -late )) ms before its start time"
[ "$late" -le 2000 ] || it_fail "qd started $late ms after its start time (more than 2 s)"

it_checksums_equal qa
it_checksums_equal qd
for pair in "qb tgt2" "qc tgt3"; do
    read -r db srv <<<"$pair"
    a=$(hm_sql src "CHECKSUM TABLE $db.t" | cut -f2)
    b=$(hm_sql "$srv" "CHECKSUM TABLE $db.t" | cut -f2)
    it_eq "$b" "$a" "checksum of $db.t on $srv"
done
svc_stop
echo "PASS: queue order b, a, c without overlap; scheduled start +$late ms"
