#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hm-it-timeout: 420
# kill -9 of hotmig at 20 moments of a parallel apply (--apply-threads $IT_APPLY_THREADS, default 4),
# under a write load that runs the whole time and mixes conflicting and independent transactions:
#   transfers  4 writers, each transaction moves an amount from one of 100 accounts to another
#              (bank.accounts; the total stays 100000), so transactions conflict on rows;
#   inserts    2 writers, independent of the transfers. Writer 6 inserts a row into bank.items
#              (with a STORED generated column), then one into bank.notes2 that references the
#              newest item by a foreign key (a link only the foreign key makes: applied before
#              its parent, it fails). Writer 5 inserts a row into bank.tags (UNIQUE tag); then,
#              after some rows of bank.notes1, takes that row's tag away (UPDATE); then gives the
#              tag to a new row (INSERT): a link only the unique key's before and after images
#              make (applied first, the INSERT fails);
#   audit      every source transaction also inserts one row (w, n) into the insert-only
#              bank.audit (PRIMARY KEY (w, n)): writer w's n-th transaction.
# The kills come at random delays (0.3 s to 3 s, from a seed printed at the start: IT_SEED=N
# replays the same delays); after each, and 0 to 1.5 s of downtime (so that the next run starts
# with a backlog that its workers apply in parallel), `hotmig resume` goes on from the checkpoint. Then the load
# stops, the last resume runs and hotmig finish cuts over. Asserts:
#   - every run was still running at its kill and had written nothing to stderr (hotmig's errors,
#     ASan's reports); the target's audit count never went back and grew across at least 5 kills;
#     with parallel apply, at least 5 kills left worker rows listing transactions committed above
#     the low-water mark (hotmig_meta.sync_worker.above), so that resumes had to skip them;
#   - every writer is still alive at the end (none hit an error) and its audit rows on the source
#     have no gap (the source committed what the writer sent);
#   - on the target: SUM(balance) = 100000 and 100 accounts; every table of bank equal to the
#     source's row by row (SELECT * ... ORDER BY the key, generated columns included), so every
#     balance equals the source's; audit: the same count as the source, no (w, n) twice, none
#     missing (the ordered dumps are equal), no writer with a gap.
# With IT_APPLY_THREADS empty, hotmig's default; a hotmig without --apply-threads applies serially.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start
D=$HM_TEST_ROOT/state
rm -rf "$D"
KILLS=${IT_KILLS:-20}
SEED=${IT_SEED:-$(( $(date +%s) % 100000 ))}
echo "seed $SEED (IT_SEED=$SEED replays the kill delays and the workload's amounts)"
# resume takes the arguments from the state directory, the passwords from the environment
export HOTMIG_SOURCE_PASSWORD=$HM_TEST_PASSWORD HOTMIG_TARGET_PASSWORD=$HM_TEST_PASSWORD

it_apply_threads

hm_sql src "CREATE DATABASE bank;
CREATE TABLE bank.accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL, moves INT NOT NULL DEFAULT 0);
INSERT INTO bank.accounts (id, balance) SELECT seq, 1000 FROM test.seq_1_to_100;
CREATE TABLE bank.items (id BIGINT PRIMARY KEY, w INT NOT NULL, qty INT NOT NULL,
    total BIGINT AS (qty * 3) STORED, tag VARCHAR(40), UNIQUE KEY (tag));
CREATE TABLE bank.tags (id INT PRIMARY KEY, tag VARCHAR(40) NOT NULL, UNIQUE KEY (tag));
CREATE TABLE bank.notes1 (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(1000) NOT NULL);
CREATE TABLE bank.notes2 (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(1000) NOT NULL,
    item_id BIGINT NULL, FOREIGN KEY (item_id) REFERENCES bank.items (id));
CREATE TABLE bank.audit (w INT NOT NULL, n INT NOT NULL, kind CHAR(1) NOT NULL,
    at DATETIME(6) NOT NULL DEFAULT NOW(6), PRIMARY KEY (w, n))" || it_fail "setup on the source"

# writer W (1..4 transfers, 5..6 inserts): one client; a transaction every ~5 ms. Both
# accounts are updated in ascending id order (no deadlock: a deadlock would end the client).
WRITER_PIDS=()
writer() {
    local w=$1 n a b amt lo hi
    RANDOM=$((SEED * 10 + w))
    for n in $(seq 1 1000000); do
        if [ "$w" -le 4 ]; then
            a=$((1 + RANDOM % 100)) b=$((1 + RANDOM % 99))
            [ "$b" -ge "$a" ] && b=$((b + 1))
            amt=$((1 + RANDOM % 50))
            if [ "$a" -lt "$b" ]; then lo=$a hi=$b; else lo=$b hi=$a; fi
            echo "BEGIN;
UPDATE bank.accounts SET balance = balance + IF(id = $a, -$amt, $amt), moves = moves + 1 WHERE id = $lo;
UPDATE bank.accounts SET balance = balance + IF(id = $a, -$amt, $amt), moves = moves + 1 WHERE id = $hi;
INSERT INTO bank.audit (w, n, kind) VALUES ($w, $n, 'T');
COMMIT;"
        elif [ "$w" -eq 5 ] && [ $((n % 3)) -eq 1 ]; then
            # rows of notes1 first, then gives up the unique tag of the item just before; the
            # next transaction takes it again
            echo "BEGIN;
INSERT INTO bank.notes1 (body) SELECT CONCAT('n$n-', seq) FROM test.seq_1_to_$((20 + RANDOM % 40));
UPDATE bank.tags SET tag = 'w$w-n$((n - 1))-moved' WHERE id = $((n - 1));
INSERT INTO bank.audit (w, n, kind) VALUES ($w, $n, 'M');
COMMIT;"
        elif [ "$w" -eq 5 ] && [ $((n % 3)) -eq 2 ]; then
            echo "BEGIN;
INSERT INTO bank.tags (id, tag) VALUES ($n, 'w$w-n$((n - 2))');
INSERT INTO bank.audit (w, n, kind) VALUES ($w, $n, 'R');
COMMIT;"
        elif [ "$w" -eq 5 ]; then
            echo "BEGIN;
INSERT INTO bank.tags (id, tag) VALUES ($n, 'w$w-n$n');
INSERT INTO bank.audit (w, n, kind) VALUES ($w, $n, 'G');
COMMIT;"
        elif [ $((n % 2)) -eq 0 ]; then
            echo "BEGIN;
INSERT INTO bank.items (id, w, qty, tag) VALUES ($((w * 10000000 + n)), $w, $((RANDOM % 1000)), 'w$w-n$n');
INSERT INTO bank.audit (w, n, kind) VALUES ($w, $n, 'I');
COMMIT;"
        else
            echo "BEGIN;
INSERT INTO bank.notes2 (body, item_id) VALUES (REPEAT('n$n ', $((1 + RANDOM % 40))),
    (SELECT MAX(id) FROM bank.items));
INSERT INTO bank.audit (w, n, kind) VALUES ($w, $n, 'N');
COMMIT;"
        fi
        sleep 0.005
    done | mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" \
        2>"$HM_TEST_ROOT/writer$w.err"
}
for w in 1 2 3 4 5 6; do
    writer "$w" &
    WRITER_PIDS+=($!)
    IT_BG_PIDS+=($!)
done

RANDOM=$SEED
skipped=0
for k in $(seq 1 "$KILLS"); do
    if [ "$k" -eq 1 ]; then
        "$HOTMIG" migrate --source "$SRC" --target "$TGT" --mode full+incremental --state-dir "$D" \
            --include bank "${IT_APPLY[@]}" --progress lines \
            >"$HM_TEST_ROOT/run$k.log" 2>"$HM_TEST_ROOT/run$k.err" &
    else
        "$HOTMIG" resume --state-dir "$D" --progress lines >"$HM_TEST_ROOT/run$k.log" 2>"$HM_TEST_ROOT/run$k.err" &
    fi
    pid=$!
    IT_BG_PIDS+=("$pid")
    # the first run: let the copy end and the sync start, then the kill's delay
    [ "$k" -eq 1 ] && it_wait_state "$D" syncing 60
    delay=$(( 3 + RANDOM % 28 ))
    sleep "$((delay / 10)).$((delay % 10))"
    it_kill9 "$k" "$pid"
    audit=$(hm_sql tgt "SELECT COUNT(*) FROM bank.audit" 2>/dev/null || echo 0)
    # workers' rows listing transactions committed above the low-water mark: the next start
    # must skip exactly those
    above=$(hm_sql tgt "SELECT COUNT(*) FROM hotmig_meta.sync_worker WHERE id = 1 AND above <> ''" 2>/dev/null || echo 0)
    [ "${above:-0}" -gt 0 ] && skipped=$((skipped + 1))
    # down for 0 to 1.5 s: the next run starts behind, with a backlog its workers share
    down=$(( RANDOM % 16 ))
    echo "kill $k after $((delay / 10)).$((delay % 10)) s: $audit audit rows on the target, $above worker rows above the low-water mark; down $((down / 10)).$((down % 10)) s"
    it_progress "$audit" "the target's audit count"
    sleep "$((down / 10)).$((down % 10))"
done
echo "the target's audit count grew across $IT_GREW of $KILLS kills"
[ "$IT_GREW" -ge 5 ] || it_fail "the sync moved on across only $IT_GREW of the kills"
echo "$skipped of $KILLS kills left transactions committed above the low-water mark (resume skips them)"
if [ ${#IT_APPLY[@]} -gt 0 ] && [ "${IT_APPLY[1]}" -gt 1 ]; then
    [ "$skipped" -ge 5 ] || it_fail "only $skipped kills left work above the low-water mark: the skip path is barely tested"
fi

for w in "${!WRITER_PIDS[@]}"; do
    kill -0 "${WRITER_PIDS[$w]}" 2>/dev/null ||
        it_fail "writer $((w + 1)) ended early: $(cat "$HM_TEST_ROOT/writer$((w + 1)).err")"
done
# stop the writers: the loop first (its pipe closes, the client ends after its last statement)
for p in "${WRITER_PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
wait "${WRITER_PIDS[@]}" 2>/dev/null
for w in 1 2 3 4 5 6; do
    grep -v '^$' "$HM_TEST_ROOT/writer$w.err" | grep -qv 'Terminated' &&
        it_fail "writer $w: $(cat "$HM_TEST_ROOT/writer$w.err")"
done
n_src=$(hm_sql src "SELECT COUNT(*) FROM bank.audit")
echo "the source committed $n_src transactions: $(hm_sql src "SELECT GROUP_CONCAT(CONCAT(kind, ':', c) ORDER BY kind) FROM (SELECT kind, COUNT(*) c FROM bank.audit GROUP BY kind) x")"
it_eq "$(hm_sql src "SELECT COUNT(*) FROM (SELECT w FROM bank.audit GROUP BY w HAVING MAX(n) <> COUNT(*)) x")" 0 \
    "writers with a gap on the source (an open transaction cut by the stop?)"
it_eq "$(hm_sql src "SELECT SUM(balance) FROM bank.accounts")" 100000 "the source's total"
[ "$(hm_sql src "SELECT COUNT(item_id) FROM bank.notes2")" -ge 100 ] || it_fail "too few rows of notes2 reference an item"
[ "$(hm_sql src "SELECT COUNT(*) FROM bank.tags WHERE tag LIKE '%-moved'")" -ge 100 ] || it_fail "too few unique tags moved"

"$HOTMIG" resume --state-dir "$D" --progress lines >"$HM_TEST_ROOT/final.log" 2>&1 &
pid=$!
IT_BG_PIDS+=("$pid")
it_wait_state "$D" syncing 120
"$HOTMIG" finish --state-dir "$D" --timeout 300 || { tail -20 "$HM_TEST_ROOT/final.log"; it_fail "finish failed"; }
wait "$pid" || { tail -20 "$HM_TEST_ROOT/final.log"; it_fail "the last run did not exit 0"; }

it_eq "$(hm_sql tgt "SELECT COUNT(*), SUM(balance) FROM bank.accounts")" "$(printf '100\t100000')" \
    "accounts and total on the target"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM bank.audit")" "$n_src" "audit rows on the target (each source transaction once)"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM (SELECT w, n FROM bank.audit GROUP BY w, n HAVING COUNT(*) > 1) x")" 0 \
    "audit ids twice on the target"
it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM (SELECT w FROM bank.audit GROUP BY w HAVING MAX(n) <> COUNT(*)) x")" 0 \
    "writers with a gap on the target"
it_same "audit ids" "SELECT w, n, kind, at FROM bank.audit ORDER BY w, n"
it_same "accounts" "SELECT * FROM bank.accounts ORDER BY id"
it_same "items (generated column included)" "SELECT * FROM bank.items ORDER BY id"
it_same "notes1" "SELECT * FROM bank.notes1 ORDER BY id"
it_same "tags" "SELECT * FROM bank.tags ORDER BY id"
it_same "notes2" "SELECT * FROM bank.notes2 ORDER BY id"
it_same "tables of bank" "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bank' ORDER BY 1"
echo "all assertions passed"
