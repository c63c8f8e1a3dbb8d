#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Incremental sync survives a restart of the source server and then of the target server, under a
# write load (paused while the source is down). Asserts: hotmig keeps running through both (the
# status shows reconnects), the load goes on after each restart, hotmig finish --lock-source
# sets the source read-only and cuts over, and CHECKSUM TABLE is equal for every table.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"

it_sysbench_prepare 2 10000
it_load_start 100
it_sync_start "$D" "$HM_TEST_ROOT/migrate.log" --include sbtest
mpid=$IT_MPID
sleep 2

it_load_stop
hm_srv_restart src || it_fail "the source did not restart"
it_load_start 100
sleep 4
kill -0 "$mpid" 2>/dev/null || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "hotmig ended after the source restarted"; }
hm_srv_restart tgt || it_fail "the target did not restart"
sleep 4
kill -0 "$mpid" 2>/dev/null || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "hotmig ended after the target restarted"; }
it_wait_state "$D" syncing 60
reconnects=$(it_status "$D" 's["sync"]["reconnects"]')
echo "reconnects: $reconnects"
[ "${reconnects:-0}" -ge 2 ] || it_fail "status shows $reconnects reconnects, expected at least 2"
it_load_stop
it_eq "$(hm_sql src "SELECT @@read_only")" "0" "read_only on the source before the cut-over"
"$HOTMIG" finish --state-dir "$D" --timeout 120 --lock-source || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "finish failed"; }
wait "$mpid" || { tail -20 "$HM_TEST_ROOT/migrate.log"; it_fail "migrate did not exit 0"; }
it_eq "$(hm_sql src "SELECT @@read_only")" "1" "read_only on the source after finish --lock-source"
grep -q "the source was set read-only" "$HM_TEST_ROOT/migrate.log" || it_fail "migrate did not say the source is read-only"
grep -c "reconnecting" "$HM_TEST_ROOT/migrate.log"
it_checksums_equal sbtest
echo "all assertions passed"
