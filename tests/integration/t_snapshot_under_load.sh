#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Snapshot consistency under load. Three writer sessions commit hundreds of transactions a second
# while hotmig copies with 4 workers in many chunks:
#   transfer: moves an amount between two accounts and records it in `transfers` (one trx)
#   new order: an order plus 1..3 lines, the order row storing its line count (one trx)
#   delete order: an old order and its lines (one trx)
#   move line: one line from an order to another, both counts adjusted (one trx)
# (each is a procedure with an exit handler, so a deadlock rolls back the whole transaction)
# On the TARGET: SUM(balance) is the constant, every account's balance equals the initial one plus
# its transfers, every order has exactly its number of lines and no line lacks its order, and the
# copy holds between the transfers committed before and after it ran: all workers and all chunks
# read one instant. Two copies: --threads 4 --chunk-rows 2000 through LOAD DATA, throttled to
# last about 3 s, and with smaller chunks through INSERT.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
it_start

hm_sql src "
CREATE DATABASE shop;
USE shop;
CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
CREATE TABLE transfers (id INT PRIMARY KEY AUTO_INCREMENT, from_id INT NOT NULL, to_id INT NOT NULL,
  amount INT NOT NULL) ENGINE=InnoDB;
CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, nlines INT NOT NULL, pad CHAR(100) NOT NULL DEFAULT '') ENGINE=InnoDB;
CREATE TABLE order_line (id INT PRIMARY KEY AUTO_INCREMENT, order_id INT NOT NULL, qty INT NOT NULL,
  pad CHAR(100) NOT NULL DEFAULT '', KEY (order_id)) ENGINE=InnoDB;
INSERT INTO accounts SELECT seq, 1000 FROM seq_1_to_200;
INSERT INTO orders (id, nlines, pad) SELECT seq, 1 + seq % 3, SHA1(seq) FROM seq_1_to_50000;
INSERT INTO order_line (order_id, qty, pad) SELECT o.id, k.seq, MD5(o.id) FROM orders o JOIN seq_1_to_3 k ON k.seq <= o.nlines ORDER BY o.id, k.seq;
DELIMITER //
CREATE PROCEDURE transfer(a INT, b INT, x INT)
BEGIN
  DECLARE EXIT HANDLER FOR SQLEXCEPTION ROLLBACK;
  START TRANSACTION;
  UPDATE accounts SET balance = balance - x WHERE id = a;
  UPDATE accounts SET balance = balance + x WHERE id = b;
  INSERT INTO transfers (from_id, to_id, amount) VALUES (a, b, x);
  COMMIT;
END //
CREATE PROCEDURE new_order(n INT)
BEGIN
  DECLARE o INT;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION ROLLBACK;
  START TRANSACTION;
  INSERT INTO orders (nlines, pad) VALUES (n, 'new');
  SET o = LAST_INSERT_ID();
  INSERT INTO order_line (order_id, qty, pad) SELECT o, seq, 'new' FROM seq_1_to_3 WHERE seq <= n;
  COMMIT;
END //
CREATE PROCEDURE del_order(x INT)
BEGIN
  DECLARE EXIT HANDLER FOR SQLEXCEPTION ROLLBACK;
  START TRANSACTION;
  DELETE FROM order_line WHERE order_id = x;
  DELETE FROM orders WHERE id = x;
  COMMIT;
END //
CREATE PROCEDURE move_line(a INT, b INT)
BEGIN
  DECLARE l, ob INT;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION ROLLBACK;
  START TRANSACTION;
  SELECT MIN(id) INTO l FROM order_line WHERE order_id = a FOR UPDATE;
  SELECT COUNT(*) INTO ob FROM orders WHERE id = b FOR UPDATE;
  IF l IS NOT NULL AND ob = 1 THEN
    UPDATE order_line SET order_id = b WHERE id = l;
    UPDATE orders SET nlines = nlines - 1 WHERE id = a;
    UPDATE orders SET nlines = nlines + 1 WHERE id = b;
  END IF;
  COMMIT;
END //
DELIMITER ;
" || it_fail "setup"
it_eq "$(hm_sql src "SELECT SUM(balance), COUNT(*) FROM shop.accounts")" "$(printf '200000\t200')" "initial accounts"
it_eq "$(hm_sql src "SELECT COUNT(*) FROM shop.order_line")" "100001" "initial order lines"

# a writer: one client session fed as fast as it consumes; --force so that a failed statement
# (a procedure that rolled back) does not end the session
writer() {
    local i a b
    echo "USE shop;"
    for ((i = 0; ; i++)); do
        a=$((RANDOM % 200 + 1)); b=$((RANDOM % 200 + 1))
        echo "CALL transfer($a, $b, $((RANDOM % 50 + 1)));"
        echo "CALL new_order($((RANDOM % 3 + 1)));"
        if ((i % 4 == 0)); then
            echo "CALL del_order($((RANDOM * 2 % 50000 + 1)));"
            echo "CALL move_line($((RANDOM % 50000 + 1)), $((RANDOM % 50000 + 1)));"
        fi
    done
}
writers_start() {
    local _
    writer_pids=()
    for _ in 1 2 3; do
        writer 2>/dev/null | mariadb --no-defaults --force -h127.0.0.1 -P"$(hm_port src)" -uroot \
            -p"$HM_TEST_PASSWORD" >/dev/null 2>>"$HM_TEST_ROOT/writer.err" &
        writer_pids+=($!)
        IT_BG_PIDS+=($!)
    done
}
writers_stop() {
    local p
    for p in "${writer_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    writer_pids=()
    IT_BG_PIDS=()
}

# the invariants, on a server
check_consistent() {
    local srv=$1 what=$2 got
    it_eq "$(hm_sql "$srv" "SELECT SUM(balance), COUNT(*) FROM shop.accounts")" "$(printf '200000\t200')" "$what: total balance and accounts"
    got=$(hm_sql "$srv" "SELECT COUNT(*) FROM shop.accounts a LEFT JOIN (SELECT acc, SUM(delta) s FROM
          (SELECT from_id acc, -amount delta FROM shop.transfers UNION ALL SELECT to_id, amount FROM shop.transfers) x
          GROUP BY acc) t ON t.acc = a.id WHERE a.balance <> 1000 + IFNULL(t.s, 0)")
    it_eq "$got" "0" "$what: accounts whose balance does not match their transfers"
    got=$(hm_sql "$srv" "SELECT COUNT(*) FROM shop.orders o LEFT JOIN (SELECT order_id, COUNT(*) c FROM shop.order_line GROUP BY order_id) l
          ON l.order_id = o.id WHERE IFNULL(l.c, 0) <> o.nlines")
    it_eq "$got" "0" "$what: orders whose lines are missing or extra"
    got=$(hm_sql "$srv" "SELECT COUNT(*) FROM shop.order_line l LEFT JOIN shop.orders o ON o.id = l.order_id WHERE o.id IS NULL")
    it_eq "$got" "0" "$what: order lines without their order"
}

writers_start
sleep 1
run=0
# the first copy is throttled so that it lasts a few seconds of writes
for opts in "--threads 4 --chunk-rows 2000 --max-rows-per-sec 50000" "--threads 4 --chunk-rows 300 --write-method insert"; do
    run=$((run + 1))
    hm_sql tgt "DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS hotmig_meta" || it_fail "clean target"
    before=$(hm_sql src "SELECT COUNT(*) FROM shop.transfers")
    # shellcheck disable=SC2086 # opts is a list of options
    "$HOTMIG" migrate --mode full --source "$SRC" --target "$TGT" --include shop $opts --progress none \
        >"$HM_TEST_ROOT/run$run.log" 2>&1
    rc=$?
    after=$(hm_sql src "SELECT COUNT(*) FROM shop.transfers")
    cat "$HM_TEST_ROOT/run$run.log"
    [ $rc -eq 0 ] || it_fail "run $run ($opts): migrate exited $rc"
    copied=$(hm_sql tgt "SELECT COUNT(*) FROM shop.transfers")
    echo "run $run ($opts): transfers on the source $before before the copy, $after after; on the target $copied"
    [ "$after" -gt $((before + 50)) ] || it_fail "run $run: the writers committed too little during the copy ($before -> $after)"
    { [ "$copied" -ge "$before" ] && [ "$copied" -le "$after" ]; } ||
        it_fail "run $run: the target holds $copied transfers, outside [$before, $after]: not a snapshot taken during the run"
    check_consistent tgt "run $run, target"
done
writers_stop
check_consistent src "source after the writers (the writer itself is correct)"
if [ -s "$HM_TEST_ROOT/writer.err" ]; then
    echo "writer errors (first 5):"; head -5 "$HM_TEST_ROOT/writer.err"
fi
echo "all assertions passed"
