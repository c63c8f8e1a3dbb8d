# shellcheck shell=bash
# tests/integration/failover_lib.sh: the servers of the source-failover tests (sourced after lib.sh,
# it_start done): the primary src with two GTID replicas, rep and stale (log_slave_updates), and
# app.audit, app.t1, app.t2 written on src; stale stops replicating once it has caught up.
#   fo_setup          all of the above
#   fo_caught_up R    waits until replica R has everything src has
fo_caught_up() {
    local g
    g=$(hm_sql src "SELECT @@gtid_binlog_pos")
    [ "$(hm_sql "$1" "SELECT MASTER_GTID_WAIT('$g', 60)")" = 0 ] || it_fail "$1 did not catch up with $g"
}

fo_setup() {
    local r
    hm_srv_start rep source --server-id=33 --log-slave-updates=ON || it_fail "replica rep"
    hm_srv_start stale source --server-id=44 --log-slave-updates=ON || it_fail "replica stale"
    for r in rep stale; do
        hm_sql "$r" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$(hm_port src), MASTER_USER='root',
            MASTER_PASSWORD='$HM_TEST_PASSWORD', MASTER_USE_GTID=slave_pos; START SLAVE" || it_fail "replication on $r"
    done
    hm_sql src "CREATE DATABASE app; USE app;
    CREATE TABLE app.audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, w INT NOT NULL, n INT NOT NULL, UNIQUE KEY (w, n));
    CREATE TABLE t1 (id INT PRIMARY KEY, v BIGINT NOT NULL, pad CHAR(100)); INSERT INTO t1 SELECT seq, 0, 'x' FROM seq_1_to_6000;
    CREATE TABLE t2 (id INT PRIMARY KEY, v BIGINT NOT NULL, pad CHAR(100)); INSERT INTO t2 SELECT seq, 0, 'y' FROM seq_1_to_6000;" \
        || it_fail setup
    fo_caught_up stale
    hm_sql stale "STOP SLAVE" || it_fail "stop stale"
}
