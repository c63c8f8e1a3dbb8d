#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Network faults between hotmig and both servers (tests/harness/faultproxy.py in front of each):
#   - during the copy: connections cut (source, then target), a 3 s stall, a trickle of 4 KiB/s:
#     hotmig retries the copy by itself, from where it stopped;
#   - during the sync: 15 s of chaos on both links (cuts at random moments, stalls of 1-4 s,
#     trickles), from fixed seeds: the sync reconnects by itself from its checkpoint;
# while two writers insert (w, n), n = 1, 2, ... into an insert-only audit table and update rows
# on the source. After finish: checksums equal, the audit rows on the target are exactly the
# source's (a change applied twice would break the UNIQUE key and fail the task; one lost would
# leave a gap), the faults injected and hotmig's recoveries are counted and printed.
source "$(dirname "$0")/lib.sh"
it_start
hm_fault_start ps src || it_fail "source proxy"
hm_fault_start pt tgt || it_fail "target proxy"
D=$HM_TEST_ROOT/state
rm -rf "$D"

hm_sql src "CREATE DATABASE app; USE app;
CREATE TABLE app.audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, w INT NOT NULL, n INT NOT NULL, UNIQUE KEY (w, n));" \
    || it_fail setup
for i in 1 2 3 4 5 6; do
    hm_sql src "USE app; CREATE TABLE t$i (id INT PRIMARY KEY, v BIGINT NOT NULL, pad CHAR(200));
        INSERT INTO t$i SELECT seq, 0, REPEAT('x', 200) FROM seq_1_to_6000" || it_fail "setup t$i"
done

it_audit_start 2 6

"$HOTMIG" migrate --source "$(hm_fault_uri ps)" --target "$(hm_fault_uri pt)" --mode full+incremental \
    --state-dir "$D" --include app --threads 2 --chunk-rows 500 --max-rows-per-sec 3000 \
    --progress lines >"$HM_TEST_ROOT/migrate.log" 2>&1 &
IT_MPID=$!
IT_BG_PIDS+=("$IT_MPID")

# --- faults during the copy (data stage) ---
for _ in $(seq 1 300); do
    [ "$(it_status "$D" 's.get("copy", {}).get("stage")')" = data ] && break
    sleep 0.1
done
[ "$(it_status "$D" 's.get("copy", {}).get("stage")')" = data ] || it_fail "the copy did not reach its data stage"
sleep 0.7
hm_fault ps cut
sleep 2.5
hm_fault pt cut
sleep 2.5
hm_fault ps stall 3
sleep 4
hm_fault pt trickle 4096 2
it_wait_state "$D" syncing 240
kill -0 "$IT_MPID" 2>/dev/null || it_fail "hotmig exited during the copy: $(tail -3 "$HM_TEST_ROOT/migrate.log")"
copy_retries=$(grep -c "^hotmig: copy interrupted" "$HM_TEST_ROOT/migrate.log")
[ "$copy_retries" -ge 1 ] || it_fail "no copy retry although its connections were cut"

# --- faults during the sync ---
sleep 2
hm_fault ps chaos 7 15
hm_fault pt chaos 11 15
sleep 16
hm_fault ps pass
hm_fault pt pass
kill -0 "$IT_MPID" 2>/dev/null || it_fail "hotmig exited during the sync: $(tail -3 "$HM_TEST_ROOT/migrate.log")"
reconnects=$(it_status "$D" 's.get("sync", {}).get("reconnects", 0)')

n=$(it_audit_stop)
[ "$n" -gt 500 ] || it_fail "only $n writes during the test"
"$HOTMIG" finish --state-dir "$D" --timeout 180 || it_fail "finish: $(tail -5 "$HM_TEST_ROOT/migrate.log")"
wait "$IT_MPID"
it_eq "$?" 0 "migrate exit status"
it_checksums_equal app
it_audit_equal "$n"
[ "${reconnects:-0}" -ge 1 ] || it_fail "the sync never reconnected: were the faults injected? ($(hm_fault_total ps))"
echo "faults, source link: $(hm_fault_total ps)"
echo "faults, target link: $(hm_fault_total pt)"
echo "recovered: copy retried $copy_retries time(s), sync reconnected $reconnects time(s); $n audit rows, each once"
echo "PASS: network faults"
