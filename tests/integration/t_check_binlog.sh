#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmig check, binlog items for --mode full+incremental: source.server_id, source.log_bin,
# source.binlog_format, source.binlog_row_image, source.binlog_compression, source.gtid_mode,
# source.binlog_retention, and source.innodb_stats_on_metadata. Each is made to PASS, then to
# WARNING or FAILED with SET GLOBAL on the real servers (log_bin, not dynamic, with a second
# source started with --skip-log-bin); the fix text is asserted, and where it is a statement it is
# run and the item checked again. --mode full reports the binlog items as not needed.
# shellcheck source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

start_servers src:source tgt:target nobin:source:--skip-log-bin
SRC=$(hm_uri src) TGT=$(hm_uri tgt) NOBIN=$(hm_uri nobin)
for s in src nobin; do
    hm_sql "$s" "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20));
                 INSERT INTO app.t VALUES (1, 'a'), (2, 'b')" || fail setup
done
inc() { check --source "$SRC" --target "$TGT" --mode full+incremental; }
# Runs the "SET GLOBAL var=value" the item's fix names, on the server given.
run_fix_set() { # ITEM SERVER VAR
    local stmt
    stmt=$(fix_of "$1" | grep -Eo "SET GLOBAL $3=[^;]+" | head -1)
    [ -n "$stmt" ] || fail "$1: no SET GLOBAL $3 in the fix: $(fix_of "$1")"
    hm_sql "$2" "$stmt" || fail "$1: the fix statement failed: $stmt"
}

# --- defaults of the harness: everything PASS ---
inc
expect_rc 0 "defaults"
item source.server_id PASS "m:server_id=11 (target 22)"
item source.log_bin PASS "m:log_bin=ON"
item source.binlog_format PASS "m:binlog_format=ROW"
item source.binlog_row_image PASS "m:binlog_row_image=FULL"
item source.binlog_compression PASS "m:log_bin_compress=OFF"
item source.gtid_mode PASS "m:MariaDB GTIDs (gtid_domain_id=0, gtid_strict_mode=OFF)"
item source.binlog_retention PASS "m:binlogs are never purged automatically (binlog_expire_logs_seconds=0)"
item source.innodb_stats_on_metadata PASS "m:innodb_stats_on_metadata=OFF"

# --- binlog_format ---
hm_sql src "SET GLOBAL binlog_format=MIXED"
inc
expect_rc 0 "binlog_format=MIXED is a warning"
item source.binlog_format WARNING "m:binlog_format=MIXED: statements the server deems unsafe are logged as rows" \
    "f:on the source: SET GLOBAL binlog_format=ROW; and add binlog_format=ROW under [mysqld] in its my.cnf" \
    "f:connections already open keep their format until they reconnect"
hm_sql src "SET GLOBAL binlog_format=STATEMENT"
inc
expect_rc 1 "binlog_format=STATEMENT"
item source.binlog_format FAILED "m:binlog_format=STATEMENT: changes are logged as SQL text" \
    "f:SET GLOBAL binlog_format=ROW"
# --mode full needs none of the binlog items, whatever they say
check --source "$SRC" --target "$TGT" --mode full
expect_rc 0 "--mode full with binlog_format=STATEMENT"
for id in server_id log_bin binlog_format binlog_row_image binlog_compression gtid_mode binlog_retention; do
    item "source.$id" PASS "m:not needed for --mode full"
done
inc
run_fix_set source.binlog_format src binlog_format
inc
expect_rc 0 "binlog_format fixed"
item source.binlog_format PASS "m:binlog_format=ROW"

# --- binlog_row_image ---
for image in MINIMAL NOBLOB; do
    hm_sql src "SET GLOBAL binlog_row_image=$image"
    inc
    expect_rc 1 "binlog_row_image=$image"
    item source.binlog_row_image FAILED "m:binlog_row_image=$image: row events lack columns" \
        "f:on the source: SET GLOBAL binlog_row_image=FULL; and add binlog_row_image=FULL under [mysqld] in its my.cnf to keep it after a restart"
done
run_fix_set source.binlog_row_image src binlog_row_image
inc
item source.binlog_row_image PASS "m:binlog_row_image=FULL"

# --- innodb_stats_on_metadata ---
hm_sql src "SET GLOBAL innodb_stats_on_metadata=ON"
inc
expect_rc 0 "innodb_stats_on_metadata=ON is a warning"
item source.innodb_stats_on_metadata WARNING "m:innodb_stats_on_metadata=ON: every information_schema read" \
    "f:on the source: SET GLOBAL innodb_stats_on_metadata=OFF"
run_fix_set source.innodb_stats_on_metadata src innodb_stats_on_metadata
inc
item source.innodb_stats_on_metadata PASS "m:innodb_stats_on_metadata=OFF"

# --- server_id: greater than 1, and not the target's ---
hm_sql src "SET GLOBAL server_id=1"
inc
expect_rc 1 "server_id=1"
item source.server_id FAILED "m:server_id=1 on the source: it must be greater than 1" \
    "f:on the source: SET GLOBAL server_id=2; and add server_id=2 under [mysqld]"
hm_sql src "SET GLOBAL server_id=22"
inc
expect_rc 1 "server_id equal to the target's"
item source.server_id FAILED "m:source and target share server_id=22" "f:on the target: SET GLOBAL server_id=23"
run_fix_set source.server_id tgt server_id
inc
expect_rc 0 "server_id fixed on the target"
item source.server_id PASS "m:server_id=22 (target 23)"
hm_sql src "SET GLOBAL server_id=11"
hm_sql tgt "SET GLOBAL server_id=22"

# --- compression: MariaDB's compressed events are decoded, so ON passes ---
hm_sql src "SET GLOBAL log_bin_compress=ON"
inc
item source.binlog_compression PASS "m:log_bin_compress=ON: hotmig inflates MariaDB's compressed events"
hm_sql src "SET GLOBAL log_bin_compress=OFF"

# --- gtid: a shared domain under strict mode ---
hm_sql src "SET GLOBAL gtid_strict_mode=ON"
inc
expect_rc 0 "shared GTID domain is a warning"
item source.gtid_mode WARNING "m:source and target both use gtid_domain_id=0 with gtid_strict_mode=ON" \
    "f:on the target: SET GLOBAL gtid_domain_id=1"
run_fix_set source.gtid_mode tgt gtid_domain_id
inc
item source.gtid_mode PASS "m:MariaDB GTIDs (gtid_domain_id=0, gtid_strict_mode=ON)"
hm_sql src "SET GLOBAL gtid_strict_mode=OFF"
hm_sql tgt "SET GLOBAL gtid_domain_id=0"

# --- retention: long enough for the estimated copy (at least an hour) ---
hm_sql src "SET GLOBAL binlog_expire_logs_seconds=60"
inc
expect_rc 1 "binlogs kept 60 s"
item source.binlog_retention FAILED "m:binlogs are kept only 60 s" "m:at least 3600 s are needed" \
    "f:on the source: SET GLOBAL binlog_expire_logs_seconds=86400"
run_fix_set source.binlog_retention src binlog_expire_logs_seconds
inc
expect_rc 0 "retention fixed"
item source.binlog_retention PASS "m:binlogs are kept 86400 s" "m:3600 s are needed"
hm_sql src "SET GLOBAL binlog_expire_logs_seconds=0"

# --- log_bin: not dynamic; a source started with --skip-log-bin ---
check --source "$NOBIN" --target "$TGT" --mode full+incremental
expect_rc 1 "log_bin=OFF"
item source.log_bin FAILED "m:log_bin=OFF: the source writes no binlog" \
    "f:log_bin cannot be changed at runtime: on the source add log_bin=mariadb-bin under [mysqld] in my.cnf" \
    "f:then restart the server"
check --source "$NOBIN" --target "$TGT" --mode full
expect_rc 0 "log_bin=OFF with --mode full"
item source.log_bin PASS "m:not needed for --mode full"
# without a binlog the lock-free snapshot is impossible: RELOAD becomes a must
hm_sql nobin "CREATE USER 'c'@'127.0.0.1' IDENTIFIED BY 'cpw'; GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON app.* TO 'c'@'127.0.0.1'"
check --source "mysql://c:cpw@127.0.0.1:$(hm_port nobin)" --target "$TGT" --mode full
expect_rc 1 "no RELOAD without a binlog"
item source.privileges FAILED "m:'c'@'127.0.0.1' lacks RELOAD, which the snapshot lock (BACKUP STAGE) takes" \
    "f:GRANT RELOAD ON *.* TO 'c'@'127.0.0.1'"
verify
echo "all assertions passed"
