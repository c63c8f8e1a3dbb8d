#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Incremental sync under a live write load, then the cut-over.
# sysbench oltp_write_only runs on the source (4 tables) while a second writer updates app.acct,
# whose trigger on the source writes app.audit. hotmig migrate --mode full+incremental copies and
# follows. Asserts, during the sync: status says syncing with transactions applied; the target
# has no trigger yet (it would write audit a second time). Then the load stops, hotmig finish
# returns 0 and prints the final position, which is the source's binlog end; migrate exits 0;
# CHECKSUM TABLE equal for every table (audit rows exactly once); the trigger and the event exist
# on the target after finish; hotmig_meta.sync_state says finished; status says finished; a
# second finish answers at once; no password in the state directory. app.notes has no key: its
# changes during the sync (duplicate rows among them) end equal, and hotmig reports it as slow, in
# its progress lines and in status, and no other table.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"

it_sysbench_prepare 4 20000
hm_sql src "
CREATE DATABASE app; USE app;
CREATE TABLE app.acct (id INT PRIMARY KEY, bal BIGINT NOT NULL);
CREATE TABLE app.audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, acct INT, delta BIGINT, at DATETIME(6));
INSERT INTO app.acct SELECT seq, 1000 FROM seq_1_to_100;
CREATE TABLE app.notes (acct INT, note VARCHAR(20));
INSERT INTO app.notes VALUES (1, 'a'), (1, 'a'), (2, NULL);
CREATE TRIGGER app.acct_au AFTER UPDATE ON app.acct FOR EACH ROW
    INSERT INTO app.audit (acct, delta, at) VALUES (NEW.id, NEW.bal - OLD.bal, NOW(6));
CREATE EVENT app.ev_later ON SCHEDULE EVERY 1 DAY STARTS '2037-01-01 00:00:00' DO DELETE FROM app.audit WHERE id < 0;
" || it_fail "setup"

it_load_start 150
# the second writer: one client, an UPDATE every 10 ms
( while :; do echo "UPDATE app.acct SET bal = bal + 1 WHERE id = 1 + FLOOR(RAND() * 100);"; sleep 0.01; done |
    mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" ) &
acct_pid=$!
IT_BG_PIDS+=("$acct_pid")

"$HOTMIG" migrate --source "$SRC" --target "$TGT" --mode full+incremental --state-dir "$D" \
    --include sbtest --include app --threads 2 --progress lines >"$HM_TEST_ROOT/migrate.log" 2>&1 &
mpid=$!
IT_BG_PIDS+=("$mpid")
it_wait_state "$D" syncing 120
sleep 4
"$HOTMIG" status --state-dir "$D"
trx=$(it_status "$D" 's["sync"]["trx_applied"]')
[ "${trx:-0}" -gt 0 ] || it_fail "no transaction applied after 4 s of sync (status: $(cat "$D/status.json"))"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='app'")" "0" \
    "triggers on the target during the sync"
n_audit=$(hm_sql src "SELECT COUNT(*) FROM app.audit")
[ "$n_audit" -gt 50 ] || it_fail "the trigger wrote only $n_audit audit rows on the source"
# changes to the keyless table: one of two equal rows updated, one deleted, a NULL matched
hm_sql src "UPDATE app.notes SET note = 'b' WHERE acct = 1 LIMIT 1; DELETE FROM app.notes WHERE note IS NULL;
INSERT INTO app.notes VALUES (3, 'c'), (3, 'c'); DELETE FROM app.notes WHERE acct = 3 LIMIT 1;" || it_fail "notes"
for _ in $(seq 1 60); do
    [ "$(it_status "$D" 's["sync"]["slow_tables"]')" = "app.notes" ] &&
        grep -q "^hotmig: sync     slow: app.notes: no primary key" "$HM_TEST_ROOT/migrate.log" && break
    sleep 0.5
done
it_eq "$(it_status "$D" 's["sync"]["slow_tables"]')" "app.notes" "slow tables in status.json"
"$HOTMIG" status --state-dir "$D" | grep -q "^slow: app.notes (no primary key" || it_fail "status did not name the slow table"
grep -q "^hotmig: sync     slow: app.notes: no primary key" "$HM_TEST_ROOT/migrate.log" ||
    it_fail "the progress lines did not name the slow table"

it_load_stop
pkill -P "$acct_pid" 2>/dev/null # the client, then the loop feeding it
kill "$acct_pid" 2>/dev/null
wait "$acct_pid" 2>/dev/null
sleep 0.5
end=$(hm_sql src "SHOW MASTER STATUS" | cut -f1,2 | tr '\t' :)
t0=$EPOCHREALTIME
"$HOTMIG" finish --state-dir "$D" --timeout 120 >"$HM_TEST_ROOT/finish.out" 2>&1
rc=$?
cat "$HM_TEST_ROOT/finish.out"
[ $rc -eq 0 ] || it_fail "hotmig finish exited $rc"
echo "finish took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s"
grep -q "final position: $end" "$HM_TEST_ROOT/finish.out" || it_fail "finish did not report the source's end $end"
wait "$mpid"
rc=$?
tail -5 "$HM_TEST_ROOT/migrate.log"
[ $rc -eq 0 ] || it_fail "migrate exited $rc after finish"
grep -q "^hotmig: finished: the target has every change of the source through $end" "$HM_TEST_ROOT/migrate.log" ||
    it_fail "migrate did not print the final position"

it_checksums_equal sbtest
it_checksums_equal app
it_same "audit rows" "SELECT COUNT(*), COUNT(DISTINCT id), SUM(delta) FROM app.audit"
it_same "trigger after finish" "SELECT TRIGGER_NAME, ACTION_STATEMENT, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='app'"
it_same "event after finish" "SELECT EVENT_NAME, STATUS, EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA='app'"
it_eq "$(hm_sql tgt "SELECT phase, CONCAT(final_file, ':', final_pos) FROM hotmig_meta.sync_state")" \
    "$(printf 'finished\t%s' "$end")" "sync_state"
it_eq "$(it_status "$D" 's["state"]')" "finished" "status state"
"$HOTMIG" finish --state-dir "$D" >/dev/null 2>&1 || it_fail "a second finish of a finished task failed"
if grep -rq "$HM_TEST_PASSWORD" "$D"; then it_fail "the password is in the state directory"; fi
# a resume must be given the passwords again; then a finished task answers at once
env -u HOTMIG_SOURCE_PASSWORD -u HOTMIG_TARGET_PASSWORD "$HOTMIG" resume --state-dir "$D" >/dev/null 2>"$HM_TEST_ROOT/resume.err"
it_eq "$?" "2" "resume without passwords"
grep -q "needs the source password again" "$HM_TEST_ROOT/resume.err" || it_fail "resume did not say it needs the password"
HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD "$HOTMIG" resume --state-dir "$D" \
    --progress none >"$HM_TEST_ROOT/resume.out" 2>&1 || { cat "$HM_TEST_ROOT/resume.out"; it_fail "resume of a finished task failed"; }
grep -q "the copy was complete already" "$HM_TEST_ROOT/resume.out" || it_fail "resume did not say the copy was complete"
grep -q "finished: the target has every change of the source through $end" "$HM_TEST_ROOT/resume.out" ||
    it_fail "resume of a finished task did not give the final position"
echo "all assertions passed"
