#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# kill -9 of hotmig at 20 moments of a full+incremental migration, under a write load that runs
# the whole time: the first kills land in the copy (throttled so that it lasts), the others in
# the sync, at random delays. After each kill `hotmig resume` goes on from the checkpoint. Then
# the load stops and hotmig finish cuts over. Asserts: kills landed both in the copy and in the
# sync; every run was still running at its kill and had written nothing to stderr (where hotmig's
# errors and ASan's reports go); the sync moved on between kills (the applied transaction count
# grew across at least 5 of them); CHECKSUM TABLE and row counts equal for every table;
# no duplicate key (sysbench's ids are the primary key, so a change applied twice or lost shows
# in the checksums); the transaction count in sync_state only grew.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"
KILLS=${IT_KILLS:-20}
# resume takes the arguments from the state directory, the passwords from the environment
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD

it_sysbench_prepare 4 25000
it_load_start 200

in_copy=0 in_sync=0
RANDOM=$$
for k in $(seq 1 "$KILLS"); do
    if [ "$k" -eq 1 ]; then
        "$HOTMIG" migrate --source "$SRC" --target "$TGT" --mode full+incremental --state-dir "$D" \
            --include sbtest --threads 2 --max-rows-per-sec 25000 --progress lines \
            >"$HM_TEST_ROOT/run$k.log" 2>"$HM_TEST_ROOT/run$k.err" &
    else
        "$HOTMIG" resume --state-dir "$D" --progress lines >"$HM_TEST_ROOT/run$k.log" 2>"$HM_TEST_ROOT/run$k.err" &
    fi
    pid=$!
    IT_BG_PIDS+=("$pid")
    # the first four within the copy (about 4 s at 25k rows/s), the rest anywhere from 0.3 s to 3 s
    if [ "$k" -le 4 ]; then delay=$(( 5 + RANDOM % 10 )); else delay=$(( 3 + RANDOM % 28 )); fi
    sleep "$((delay / 10)).$((delay % 10))"
    it_kill9 "$k" "$pid"
    trx=$(hm_sql tgt "SELECT IFNULL((SELECT trx_applied FROM hotmig_meta.sync_state), 0)" 2>/dev/null || echo 0)
    # where it was: the copy's record says whether the copy had finished
    state=$(hm_sql tgt "SELECT IF(state = 'done', 'syncing', 'copying') FROM hotmig_meta.copy_run" 2>/dev/null)
    state=${state:-copying}
    echo "kill $k after $((delay / 10)).$((delay % 10)) s: state '$state', sync trx applied $trx"
    case "$state" in
        copying) in_copy=$((in_copy + 1)) ;;
        syncing) in_sync=$((in_sync + 1)) ;;
    esac
    it_progress "$trx" "the applied transaction count"
done
echo "kills: $in_copy in the copy, $in_sync in the sync"
[ $in_copy -ge 3 ] || it_fail "fewer than 3 kills landed in the copy"
[ $in_sync -ge 8 ] || it_fail "fewer than 8 kills landed in the sync"
echo "the applied transaction count grew across $IT_GREW kills"
[ "$IT_GREW" -ge 5 ] || it_fail "the sync moved on across only $IT_GREW of the kills"

it_load_stop
"$HOTMIG" resume --state-dir "$D" --progress lines >"$HM_TEST_ROOT/final.log" 2>&1 &
pid=$!
IT_BG_PIDS+=("$pid")
it_wait_state "$D" syncing 120
"$HOTMIG" finish --state-dir "$D" --timeout 300 || it_fail "finish failed"
wait "$pid" || { tail -20 "$HM_TEST_ROOT/final.log"; it_fail "the last run did not exit 0"; }
it_checksums_equal sbtest
for t in $(seq 1 4); do
    it_eq "$(hm_sql tgt "SELECT COUNT(*) - COUNT(DISTINCT id) FROM sbtest.sbtest$t")" "0" "duplicate ids in sbtest$t"
done
echo "all assertions passed"
