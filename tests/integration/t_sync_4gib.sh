#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Binlog positions past 4 GiB. COM_BINLOG_DUMP carries a 32-bit position, so a checkpoint past
# 4 GiB in a binlog file must be resumed from its GTID state. One source transaction writes
# 4.2 GiB of rows into a BLACKHOLE table of an excluded database (rows are binlogged, nothing is
# stored), group-committed together with a small change to a selected table (s1), so that s1
# lies past 4 GiB in binlog.000001 and the file rotates after both.
#   hotmig follows through both (s1 reaches the target), then is stopped. Two crash points are
#   then set up: the checkpoint is put where a crash at that moment leaves it (the same
#   transaction that commits the changes writes it; which of them a real run leaves depends on
#   timing: the group that holds s1 is committed once the ROTATE and the next file's first
#   events were read, so the test places it).
#   A  right after s1 (binlog.000001 past 4 GiB, s1's GTID): resume; the source starts the dump
#      in binlog.000002; a later change s2 arrives.
#   B  between the big transaction and s1 (binlog.000001 at s1's start, past 4 GiB, with the big
#      transaction's GTID; the rows of s1 and s2 taken out of the target). Resume: the source is started
#      from the GTID state, the reader lands on s1 at that 64-bit position; s1 and s2 applied once.
# Then finish; the table equal on both sides, every row once.
# Needs about 9 GB of free disk under $HM_IT_ROOT for the source's binlog and binlog cache.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD
FOUR_GIB=4294967296

free_kb=$(df -Pk "$HM_TEST_ROOT" | awk 'NR == 2 { print $4 }')
[ "${free_kb:-0}" -ge $((10 * 1024 * 1024)) ] || it_fail "needs 10 GB free under $HM_TEST_ROOT (has $((free_kb / 1024)) MB)"

hm_sql src "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL);
    INSERT INTO app.t VALUES (1, 'a'), (2, 'b');
    INSTALL SONAME 'ha_blackhole'; CREATE DATABASE bh;
    CREATE TABLE bh.t (b LONGBLOB) ENGINE=BLACKHOLE" || it_fail "setup on the source failed"

it_sync_start "$D" "$HM_TEST_ROOT/run1.log" --include app
mpid=$IT_MPID

# [big, s1] in one binlog group commit: the big transaction enters the commit queue first, the
# source waits for a second one, s1 joins
hm_sql src "SET GLOBAL binlog_commit_wait_count = 2, binlog_commit_wait_usec = 120000000"
hm_sql src "BEGIN; INSERT INTO bh.t SELECT REPEAT('x', 1048576) FROM test.seq_1_to_4200; COMMIT" \
    >"$HM_TEST_ROOT/big.log" 2>&1 &
bpid=$!
IT_BG_PIDS+=("$bpid")
for _ in $(seq 1 1800); do
    [ "$(hm_sql src "SELECT COUNT(*) FROM information_schema.processlist WHERE info = 'COMMIT'")" = 1 ] && break
    kill -0 "$bpid" 2>/dev/null || { cat "$HM_TEST_ROOT/big.log"; it_fail "the big transaction ended before its COMMIT was seen"; }
    sleep 0.1
done
hm_sql src "INSERT INTO app.t VALUES (1001, 's1')" || it_fail "s1 failed"
wait "$bpid" || { cat "$HM_TEST_ROOT/big.log"; it_fail "the big transaction failed"; }
hm_sql src "SET GLOBAL binlog_commit_wait_count = 0"

# where s1 is: the last two GTID events of binlog.000001 (the big transaction's, then s1's) and
# the ROTATE that ends the file (where s1 ends)
read -r big_gtid s1_pos s1_gtid s1_end <<<"$(python3 - "$HM_TEST_ROOT/src/data/binlog.000001" <<'PY'
import os, struct, sys
f = open(sys.argv[1], "rb")
end, pos, gtids, rotate = os.path.getsize(sys.argv[1]), 4, [], 0
while pos < end:
    f.seek(pos)
    h = f.read(19)
    _, typ, server, size = struct.unpack("<IBII", h[:13])
    if typ == 162:  # MariaDB GTID: seq_no (8), domain (4)
        seq, dom = struct.unpack("<QI", f.read(12))
        gtids.append((pos, "%d-%d-%d" % (dom, server, seq)))
    elif typ == 4:
        rotate = pos
    pos += size
print(gtids[-2][1], gtids[-1][0], gtids[-1][1], rotate)
PY
)"
echo "big transaction GTID $big_gtid; s1 $s1_gtid at binlog.000001:$s1_pos..$s1_end"
[ "${s1_pos:-0}" -gt $FOUR_GIB ] || it_fail "s1 is not past 4 GiB (at ${s1_pos:-?}): the group commit did not put it after the big transaction"
[ "${s1_end:-0}" -gt "$s1_pos" ] || it_fail "no ROTATE after s1 in binlog.000001"

# hotmig follows through both
for _ in $(seq 1 1200); do
    [ "$(hm_sql tgt "SELECT COUNT(*) FROM app.t WHERE id = 1001")" = 1 ] && break
    kill -0 "$mpid" 2>/dev/null || { tail -5 "$HM_TEST_ROOT/run1.log"; it_fail "hotmig ended while following the big transaction"; }
    sleep 0.1
done
it_eq "$(hm_sql tgt "SELECT v FROM app.t WHERE id = 1001")" s1 "s1 on the target"
"$HOTMIG" stop --state-dir "$D" >/dev/null || it_fail "hotmig stop failed"
wait "$mpid"
it_eq "$?" 3 "exit status of the stopped task"

# A: a crash right after s1's commit, before the ROTATE was read
hm_sql tgt "UPDATE hotmig_meta.sync_state SET binlog_file = 'binlog.000001', binlog_pos = $s1_end,
    gtid_set = '$s1_gtid' WHERE id = 1" || it_fail "cannot set the checkpoint"
hm_sql src "INSERT INTO app.t VALUES (1002, 's2')"
it_resume "$D" "$HM_TEST_ROOT/run2.log"
mpid=$IT_MPID
for _ in $(seq 1 600); do
    [ "$(hm_sql tgt "SELECT COUNT(*) FROM app.t WHERE id = 1002")" = 1 ] && break
    kill -0 "$mpid" 2>/dev/null || { tail -5 "$HM_TEST_ROOT/run2.log"; it_fail "the resume from binlog.000001:$s1_end ended"; }
    sleep 0.1
done
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM app.t WHERE id = 1002")" 1 "s2 on the target after resuming from binlog.000001:$s1_end"
# with parallel apply the main checkpoint takes what the workers committed at the next idle moment
for _ in $(seq 1 100); do
    [ "$(hm_sql tgt "SELECT binlog_file FROM hotmig_meta.sync_state WHERE id = 1")" = binlog.000002 ] && break
    sleep 0.1
done
it_eq "$(hm_sql tgt "SELECT binlog_file FROM hotmig_meta.sync_state WHERE id = 1")" binlog.000002 "checkpoint file after s2"

# B: the checkpoint a crash between the big transaction and s1 leaves
"$HOTMIG" stop --state-dir "$D" >/dev/null || it_fail "hotmig stop failed"
wait "$mpid"
it_eq "$?" 3 "exit status of the stopped task"
hm_sql tgt "UPDATE hotmig_meta.sync_state SET binlog_file = 'binlog.000001', binlog_pos = $s1_pos,
    gtid_set = '$big_gtid' WHERE id = 1; DELETE FROM app.t WHERE id IN (1001, 1002)" || it_fail "cannot set the checkpoint"
hm_sql src "INSERT INTO app.t VALUES (1003, 's3')"
it_resume "$D" "$HM_TEST_ROOT/run3.log"
mpid=$IT_MPID
it_wait_state "$D" syncing 120
for _ in $(seq 1 600); do
    [ "$(hm_sql tgt "SELECT COUNT(*) FROM app.t WHERE id IN (1001, 1002, 1003)")" = 3 ] && break
    kill -0 "$mpid" 2>/dev/null || { tail -5 "$HM_TEST_ROOT/run3.log"; it_fail "the resume from binlog.000001:$s1_pos ended"; }
    sleep 0.1
done
"$HOTMIG" finish --state-dir "$D" --timeout 120 || { tail -20 "$HM_TEST_ROOT/run3.log"; it_fail "finish failed"; }
wait "$mpid" || { tail -20 "$HM_TEST_ROOT/run3.log"; it_fail "the task did not exit 0"; }
it_same "rows of app.t" "SELECT id, v FROM app.t ORDER BY id"
it_eq "$(hm_sql tgt "SELECT GROUP_CONCAT(id ORDER BY id) FROM app.t")" "1,2,1001,1002,1003" "ids on the target"
it_checksums_equal app
echo "all assertions passed"
