#!/usr/bin/env bash
# Snapshot consistency under load: while a writer moves amounts between accounts (total
# constant) and inserts orders with their lines (one transaction each), a 4-thread full copy in
# small chunks must give a target where the total is the constant and every order has exactly
# its lines: all workers and all chunks saw one instant.
source "$(dirname "$0")/lib.sh"
it_start

digits="(SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9)"
hm_sql src "
CREATE DATABASE shop;
USE shop;
CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, nlines INT NOT NULL, pad CHAR(100) NOT NULL DEFAULT '') ENGINE=InnoDB;
CREATE TABLE order_line (id INT PRIMARY KEY AUTO_INCREMENT, order_id INT NOT NULL, qty INT NOT NULL,
  pad CHAR(100) NOT NULL DEFAULT '', KEY (order_id)) ENGINE=InnoDB;
INSERT INTO accounts SELECT a.n*1000+b.n*100+c.n*10+d.n+1, 100 FROM $digits a, $digits b, $digits c, $digits d WHERE a.n < 2;
INSERT INTO orders (id, nlines) SELECT a.n*1000+b.n*100+c.n*10+d.n+1, 2 FROM $digits a, $digits b, $digits c, $digits d WHERE a.n < 8;
INSERT INTO order_line (order_id, qty) SELECT id, 1 FROM orders;
INSERT INTO order_line (order_id, qty) SELECT id, 2 FROM orders;
" || it_fail "setup"
total=$(hm_sql src "SELECT SUM(balance) FROM shop.accounts")
it_eq "$total" "200000" "initial total"

# the writer: one client session fed as fast as it consumes
writer() {
    local i a b x n k
    echo "USE shop;"
    for ((i = 0; ; i++)); do
        a=$((RANDOM % 2000 + 1)); b=$((RANDOM % 2000 + 1)); x=$((RANDOM % 50 + 1))
        echo "START TRANSACTION; UPDATE accounts SET balance = balance - $x WHERE id = $a;"
        echo "UPDATE accounts SET balance = balance + $x WHERE id = $b; COMMIT;"
        n=$((RANDOM % 3 + 1))
        echo "START TRANSACTION; INSERT INTO orders (nlines) VALUES ($n); SET @o = LAST_INSERT_ID();"
        for ((k = 0; k < n; k++)); do echo "INSERT INTO order_line (order_id, qty) VALUES (@o, $k);"; done
        echo "COMMIT;"
    done
}
# three writer sessions, so that commits land between the workers' snapshots if they are not one
writer_pids=()
for _ in 1 2 3; do
    writer 2>/dev/null | mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$HM_TEST_PASSWORD" >/dev/null 2>&1 &
    writer_pids+=($!)
done
sleep 1

check_target() {
    it_eq "$(hm_sql tgt "SELECT SUM(balance) FROM shop.accounts")" "200000" "target total"
    it_eq "$(hm_sql tgt "SELECT COUNT(*) FROM shop.accounts")" "2000" "target accounts"
    bad=$(hm_sql tgt "SELECT COUNT(*) FROM shop.orders o LEFT JOIN (SELECT order_id, COUNT(*) c FROM shop.order_line GROUP BY order_id) l ON l.order_id = o.id WHERE IFNULL(l.c, 0) <> o.nlines")
    it_eq "$bad" "0" "orders whose lines are missing or extra on the target"
    orphans=$(hm_sql tgt "SELECT COUNT(*) FROM shop.order_line l LEFT JOIN shop.orders o ON o.id = l.order_id WHERE o.id IS NULL")
    it_eq "$orphans" "0" "order lines without their order on the target"
}

# three copies, each into a clean target, each with many small chunks spread over 4 workers
for run in 1 2 3; do
    hm_sql tgt "DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS hotmig_meta"
    before=$(hm_sql src "SELECT COUNT(*) FROM shop.orders")
    "$HOTMIG" migrate --source "$SRC" --target "$TGT" --include shop --threads 4 --chunk-rows 100 \
        --progress none
    rc=$?
    after=$(hm_sql src "SELECT COUNT(*) FROM shop.orders")
    [ $rc -eq 0 ] || it_fail "run $run: migrate exited $rc"
    echo "run $run: orders on source $before before the copy, $after after; on target $(hm_sql tgt "SELECT COUNT(*) FROM shop.orders")"
    [ "$after" -gt $((before + 20)) ] || it_fail "the writers did not commit during copy $run ($before -> $after)"
    check_target
done
for p in "${writer_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
it_eq "$(hm_sql src "SELECT SUM(balance) FROM shop.accounts")" "200000" "source total (the writer itself is correct)"
echo "all assertions passed"
