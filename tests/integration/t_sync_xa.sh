#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# XA transactions of the source (MariaDB 10.11 writes them to its binlog) during incremental sync:
#   - prepared, then hotmig killed (-9), the binlog rotated, the transaction committed on the
#     source while hotmig is down, hotmig resumed: its rows (an INSERT of two rows and an UPDATE)
#     arrive once, and not before the source commits (while prepared, the target holds the
#     transaction prepared, XA RECOVER lists it, its rows are invisible);
#   - prepared then rolled back on the source: nothing arrives, the target's prepared copy is
#     rolled back too;
#   - XA COMMIT ... ONE PHASE: arrives like any transaction;
#   - a second kill right after a prepare was applied: on resume the prepare is not applied twice.
# Before: hotmig check names an XA transaction prepared on the source (WARNING, with the fix).
# Then finish: CHECKSUM TABLE equal, hotmig_meta.sync_xa empty, no prepared XA left on the target.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD

hm_sql src "CREATE DATABASE xa; CREATE TABLE xa.t (id INT PRIMARY KEY, v INT NOT NULL);
            INSERT INTO xa.t VALUES (1, 100), (2, 200)"

# the precheck names an XA transaction prepared on the source before the start
hm_sql src "XA START 'early'; INSERT INTO xa.t VALUES (99, 99); XA END 'early'; XA PREPARE 'early'"
"$HOTMIG" check --source "$SRC" --target "$TGT" --include xa --json >"$HM_TEST_ROOT/check.json" 2>&1
python3 - "$HM_TEST_ROOT/check.json" <<'PY' || it_fail "source.xa_prepared did not name the prepared transaction"
import json, sys
i = {x["id"]: x for x in json.load(open(sys.argv[1]))}["source.xa_prepared"]
assert i["result"] == "WARNING" and "'early'" in i["message"] and "XA ROLLBACK" in i["fix"], i
PY
hm_sql src "XA ROLLBACK 'early'"
it_sync_start "$D" "$HM_TEST_ROOT/run1.log" --include xa

# waits until SQL on the target returns WANT (30 s)
wait_tgt() {
    local sql=$1 want=$2 i got
    for i in $(seq 1 300); do
        got=$(hm_sql tgt "$sql" 2>/dev/null)
        [ "$got" = "$want" ] && return 0
        sleep 0.1
    done
    it_fail "target: '$sql' gave '$got', not '$want' within 30 s (log: $(tail -q -n 3 "$HM_TEST_ROOT"/run*.log | tr '\n' ' '))"
}
xa_on_tgt() { hm_sql tgt "XA RECOVER" | awk -F'\t' '{print $4}' | sort | tr '\n' ' '; }

# --- prepared, kill -9, rotate, commit on the source while hotmig is down, resume ---
hm_sql src "XA START 'xa1'; INSERT INTO xa.t VALUES (10, 1), (11, 2); UPDATE xa.t SET v = v + 1 WHERE id = 1;
            XA END 'xa1'; XA PREPARE 'xa1'"
hm_sql src "INSERT INTO xa.t VALUES (20, 20)"     # a later ordinary transaction
wait_tgt "SELECT COUNT(*) FROM xa.t WHERE id = 20" 1
it_eq "$(xa_on_tgt)" "xa1 " "the target holds the prepared transaction"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM xa.t WHERE id IN (10, 11)")" 0 "prepared rows visible on the target"
it_eq "$(hm_sql tgt "SELECT v FROM xa.t WHERE id = 1")" 100 "prepared update visible on the target"
kill -9 "$IT_MPID"; wait "$IT_MPID" 2>/dev/null
hm_sql src "FLUSH BINARY LOGS; INSERT INTO xa.t VALUES (21, 21); XA COMMIT 'xa1'"
it_resume "$D" "$HM_TEST_ROOT/run2.log"
wait_tgt "SELECT COUNT(*) FROM xa.t WHERE id IN (10, 11)" 2
wait_tgt "SELECT v FROM xa.t WHERE id = 1" 101
it_eq "$(xa_on_tgt)" "" "a prepared transaction left on the target after the commit"
echo "prepared, killed, committed on the source after a rotate: arrived once"

# --- prepared then rolled back ---
hm_sql src "XA START 'xa2'; INSERT INTO xa.t VALUES (30, 3); UPDATE xa.t SET v = 0 WHERE id = 2;
            XA END 'xa2'; XA PREPARE 'xa2'"
hm_sql src "INSERT INTO xa.t VALUES (31, 31)"
wait_tgt "SELECT COUNT(*) FROM xa.t WHERE id = 31" 1
it_eq "$(xa_on_tgt)" "xa2 " "the target holds the second prepared transaction"
# a kill right after the prepare was applied: the resume must not apply it again
kill -9 "$IT_MPID"; wait "$IT_MPID" 2>/dev/null
it_resume "$D" "$HM_TEST_ROOT/run3.log"
hm_sql src "XA ROLLBACK 'xa2'; INSERT INTO xa.t VALUES (32, 32)"
wait_tgt "SELECT COUNT(*) FROM xa.t WHERE id = 32" 1
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM xa.t WHERE id = 30")" 0 "a rolled-back XA transaction arrived"
it_eq "$(hm_sql tgt "SELECT v FROM xa.t WHERE id = 2")" 200 "a rolled-back XA update arrived"
it_eq "$(xa_on_tgt)" "" "the rolled-back transaction is still prepared on the target"
echo "prepared then rolled back: nothing arrived"

# --- one phase ---
hm_sql src "XA START 'xa3'; INSERT INTO xa.t VALUES (40, 4); XA END 'xa3'; XA COMMIT 'xa3' ONE PHASE"
wait_tgt "SELECT COUNT(*) FROM xa.t WHERE id = 40" 1

# --- a prepare the target already holds when a restart re-reads it ---
# (the checkpoint is moved back to before the prepare, as a crash between the target's XA PREPARE
# and the checkpoint's commit would leave it)
hm_sql src "XA START 'xa4'; INSERT INTO xa.t VALUES (50, 5); XA END 'xa4'; XA PREPARE 'xa4'"
wait_tgt "XA RECOVER" "$(printf '1\t3\t0\txa4')"
sleep 1   # the checkpoint past it is committed right after the target's XA PREPARE
kill -9 "$IT_MPID"; wait "$IT_MPID" 2>/dev/null
cp_file=$(hm_sql tgt "SELECT binlog_file FROM hotmig_meta.sync_state")
xa4_pos=$(hm_sql src "SHOW BINLOG EVENTS IN '$cp_file'" | awk -F'\t' '$3 == "Gtid" && $6 ~ /XA START X.786134[^0-9a-f]/ {print $2}')
[ -n "$xa4_pos" ] || it_fail "xa4's GTID event not found in $cp_file: $(hm_sql src "SHOW BINLOG EVENTS IN '$cp_file'" | tail -12)"
echo "checkpoint rewound to $cp_file:$xa4_pos, xa4's first event"
hm_sql tgt "UPDATE hotmig_meta.sync_state SET binlog_pos = $xa4_pos"
it_resume "$D" "$HM_TEST_ROOT/run4.log"
hm_sql src "XA COMMIT 'xa4'; INSERT INTO xa.t VALUES (52, 52)"
wait_tgt "SELECT COUNT(*) FROM xa.t WHERE id = 52" 1
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM xa.t WHERE id = 50")" 1 "xa4's row"
echo "a re-read prepare the target held: applied once"

"$HOTMIG" finish --state-dir "$D" --timeout 120 || it_fail "finish failed"
wait "$IT_MPID" || { tail -20 "$HM_TEST_ROOT/run4.log"; it_fail "the last run did not exit 0"; }
it_checksums_equal xa
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM hotmig_meta.sync_xa")" 0 "markers left in hotmig_meta.sync_xa"
it_eq "$(xa_on_tgt)" "" "prepared transactions left on the target"
for f in "$HM_TEST_ROOT"/run*.log; do
    if grep -q "ERROR: AddressSanitizer\|runtime error" "$f"; then cat "$f"; it_fail "sanitizer report in $f"; fi
done
echo "all assertions passed"
