#!/usr/bin/env bash
# bench/sync_catchup.sh: how fast hotmig's incremental sync applies a backlog of source writes, and
# how far it lags behind a steady write load, against MariaDB's own replication, in one run, on
# the same sysbench data, one source and four durable targets on the same machine.
#
#   servers   one source and five targets (T1..T5), all with log_bin, binlog_format=ROW,
#             sync_binlog=1 and innodb_flush_log_at_trx_commit=1; the targets also with
#             log_slave_updates=ON (a native replica binlogs what it applies, as hotmig's target
#             does) and their own server_id (21..25). Checked at the start and at the end.
#   data      sysbench tables in sbtest (TABLES x ROWS), the lag probe's table hb.t, and the
#             hot-row table hot.sbtest1 (10 rows).
#   copies    while the source is quiet, `hotmig migrate --mode full` copies it to T1..T3; each
#             becomes a replica from the copy's snapshot coordinates (hotmig_meta.copy_run) with
#             CHANGE MASTER TO ... MASTER_LOG_FILE/MASTER_LOG_POS. `hotmig migrate --mode
#             full+incremental` copies it to T4 (--apply-threads 1: one connection, in order) and
#             to T5 (--apply-threads APPLY, default 4: parallel apply), each following the source
#             (state "syncing"). A hotmig without --apply-threads: T4 only, without the flag.
#   lag       steady state, LAG_SECONDS: sysbench oltp_write_only --rate=LAG_RATE (4 threads) on
#             the source; T1 (native replica, serial, SQL thread running) and hotmig (T4, T5) follow.
#             Probe: one long-lived client inserts `INSERT INTO hb.t (ts) VALUES (NOW(6))` every
#             20 ms on the source; on each target one long-lived client polls about every 2 ms
#             `SELECT MAX(id), UNIX_TIMESTAMP(NOW(6)) FROM hb.t`. An id's lag is the time of the
#             first poll that sees it (or a later id: commits are in order) minus its ts: an upper
#             bound, within the poll interval. Same machine clock on both sides. p50/p99/max.
#             Afterwards all targets catch up, T1..T3 stop their SQL threads (IO threads go on)
#             and `hotmig stop` stops hotmig (checkpoint kept): every contender starts the
#             backlog from the same source position.
#   hot rows  (--no-hot skips it) sysbench oltp_update_non_index, 4 threads, unthrottled,
#             HOT_SECONDS on hot.sbtest1 of 10 rows: every writer updates the same 10 rows, all
#             transactions conflict. hotmig T4 (1 connection) then T5 (APPLY connections), each
#             from the same checkpoint: `hotmig resume`, timed until the target holds the source's
#             rows (CHECKSUM TABLE) and a marker row written after the backlog, then `hotmig stop`.
#             T1..T3 then apply it too (untimed), so that the backlog below starts level.
#   backlog   sysbench oltp_write_only, 4 threads, unthrottled, BACKLOG_SECONDS on the source;
#             its transactions are counted from the source's GTID sequence number.
#   catch-up  one after the other, each on its own target, every server's dirty pages flushed
#             before each (no contender pays for the writes of the one before):
#               native serial        T1, slave_parallel_threads=0
#               native optimistic    T2, slave_parallel_threads=4, slave_parallel_mode=optimistic
#               native conservative  T3, slave_parallel_threads=4, slave_parallel_mode=conservative
#             each after its IO thread has read the whole backlog: START SLAVE SQL_THREAD, timed
#             until Relay_Master_Log_File:Exec_Master_Log_Pos reaches the source's end (polled
#             every 50 ms);
#               hotmig serial / parallel  T4 / T5: `hotmig resume` in the background, then `hotmig finish`
#                                    once the resumed task runs and is syncing (a finish sent
#                                    before the resume holds the task's lock finds no runner);
#                                    timed from the resume's
#                                    start until finish returns (finish waits until everything up
#                                    to the source's end at the request is applied, then cuts over).
#             Rate = backlog transactions / seconds. After each, CHECKSUM TABLE of every table
#             must equal the source's.
#   goals     (issue 14) hotmig --apply-threads APPLY's catch-up rate >= 2.0x the best native
#             parallel rate; its lag p99 <= the native serial replica's p99 in the same run
#             (ratio <= 1.00); on the hot rows, parallel not slower than one connection (rate
#             ratio >= 1.00). Also printed: hotmig serial's ratios, and lag p99 < 25 ms.
# Exit status 0 when the bench ran (goals met or not), 1 when something broke, 2 on a usage error.
#
# usage: bench/sync_catchup.sh [--tables N] [--rows N] [--backlog-seconds N] [--lag-seconds N]
#                              [--lag-rate N] [--native-only] [--keep] [--apply-threads N]
#                              [--hot-seconds N] [--no-lag] [--no-hot] [--no-serial]
#   defaults: 8 tables x 100000 rows, 60 s backlog, 30 s of lag measurement at 200 trx/s,
#   --apply-threads 4 (0: no parallel contender), 20 s of hot-row backlog.
#   --no-lag, --no-hot: skip the lag measurement, the hot-row workload. --no-serial: no hotmig
#   serial contender (T4) in the lag and catch-up parts (the hot-row part keeps it).
#   --native-only: MariaDB's replication alone (no T4, no hotmig sync). --keep: keep the servers'
#   data and the logs (work/) after a successful run too.
#   HOTMIG=/path/to/hotmig overrides the binary (default build-release/hotmig, else build/hotmig;
#   build-release is set up and built when neither exists). Servers live under $HM_BENCH_ROOT
#   (default /tmp/hm-sync-bench), removed after a successful run.
#   About 8 min on 2 cores with every part (a short run: --backlog-seconds 20 --no-lag).
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

bench_t0=$EPOCHREALTIME
tables=8 rows=100000 backlog=60 lag_secs=30 lag_rate=200 native_only=0 keep=0
apply=4 hot_secs=20 do_lag=1 do_hot=1 do_serial=1
usage() { sed -n '/^# usage:/,/^#   About .* min/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --tables) tables=${2:-}; shift 2 || usage ;;
        --rows) rows=${2:-}; shift 2 || usage ;;
        --backlog-seconds) backlog=${2:-}; shift 2 || usage ;;
        --lag-seconds) lag_secs=${2:-}; shift 2 || usage ;;
        --lag-rate) lag_rate=${2:-}; shift 2 || usage ;;
        --native-only) native_only=1; shift ;;
        --apply-threads) apply=${2:-}; shift 2 || usage ;;
        --hot-seconds) hot_secs=${2:-}; shift 2 || usage ;;
        --no-lag) do_lag=0; shift ;;
        --no-hot) do_hot=0; shift ;;
        --no-serial) do_serial=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage ;;
        *) echo "unknown option: $1" >&2; usage ;;
    esac
done
for v in "$tables" "$rows" "$backlog" "$lag_secs" "$lag_rate" "$hot_secs"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "--tables/--rows/--backlog-seconds/--lag-seconds/--lag-rate/--hot-seconds: a number > 0" >&2; exit 2; }
done
[[ $apply =~ ^[0-9]+$ ]] || { echo "--apply-threads: a number (0: no parallel contender)" >&2; exit 2; }

# shellcheck source=lib.sh
source bench/lib.sh
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# ---- tools and binary -------------------------------------------------------------------------
bench_binary
if [ "$native_only" -eq 0 ] && ! "$HOTMIG" migrate --help 2>&1 | grep -q -- --state-dir; then
    die "$HOTMIG has no incremental sync (no --state-dir in hotmig migrate --help);" \
        "--native-only measures MariaDB's replication alone"
fi

# ---- servers -----------------------------------------------------------------------------------
export HM_TEST_ROOT=${HM_BENCH_ROOT:-/tmp/hm-sync-bench}
# shellcheck source-path=SCRIPTDIR source=../tests/harness/mariadb.sh
source tests/harness/mariadb.sh
# hotmig's contenders: T4 one connection in order, T5 --apply-threads $apply
has_apply=0
"$HOTMIG" migrate --help 2>&1 | grep -q -- --apply-threads && has_apply=1
htargets=()
declare -A hflags hdir hname hpid
if [ "$native_only" -eq 0 ]; then
    if [ "$has_apply" -eq 0 ]; then
        say "bench: note: $HOTMIG has no --apply-threads: hotmig serial only, no hot-row part"
        apply=0 do_hot=0 do_serial=1
    fi
    [ "$apply" -eq 0 ] && do_hot=0
    if [ "$do_serial" -eq 1 ] || [ "$do_hot" -eq 1 ]; then
        htargets+=(t4)
        hflags[t4]=""
        [ "$has_apply" -eq 1 ] && hflags[t4]="--apply-threads 1"
        hname[t4]="hotmig serial"
    fi
    if [ "$apply" -gt 0 ]; then
        htargets+=(t5)
        hflags[t5]="--apply-threads $apply"
        hname[t5]="hotmig --apply-threads $apply"
    fi
fi
targets=(t1 t2 t3 "${htargets[@]}")
WORK=$HM_TEST_ROOT/work
for n in "${htargets[@]}"; do hdir[$n]=$HM_TEST_ROOT/hotmig-state-$n; done
ok=0 bg=()
cleanup() {
    local p
    rm -f "$WORK"/run-*
    for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
    hm_srv_stop_all
    if [ "$ok" -eq 1 ] && [ "$keep" -eq 0 ]; then rm -rf "$HM_TEST_ROOT"; else say "bench: logs and data: $HM_TEST_ROOT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$HM_TEST_ROOT"
mkdir -p "$WORK" || die "cannot create $WORK"

say "== starting the source and ${#targets[@]} targets"
# started concurrently (the harness allows it), each in a subshell: the names go into
# HM_SRV_STARTED here so that cleanup stops them whatever happens
HM_SRV_STARTED="src ${targets[*]}"
pids=()
( hm_srv_start src source >/dev/null ) & pids+=($!)
for i in "${!targets[@]}"; do
    ( hm_srv_start "${targets[$i]}" target --log-slave-updates=ON --server-id=$((21 + i)) >/dev/null ) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || die "a server did not start (see $HM_TEST_ROOT/*/error.log)"; done
SP=$(hm_port src) PW=$HM_TEST_PASSWORD

settings() { hm_sql "$1" "SELECT CONCAT('log_bin=', @@log_bin, ' binlog_format=', @@binlog_format,
    ' sync_binlog=', @@sync_binlog, ' innodb_flush_log_at_trx_commit=', @@innodb_flush_log_at_trx_commit,
    IF('$1' = 'src', '', CONCAT(' log_slave_updates=', @@log_slave_updates)), ' server_id=', @@server_id)"; }
want='log_bin=ON binlog_format=ROW sync_binlog=1 innodb_flush_log_at_trx_commit=1'
check_settings() { # WHEN
    local s i=0 got
    got=$(settings src)
    [ "$got" = "$want server_id=11" ] || die "source $1: not binlogging and durable: $got"
    for s in "${targets[@]}"; do
        got=$(settings "$s")
        [ "$got" = "$want log_slave_updates=ON server_id=$((21 + i))" ] ||
            die "target $s $1: not binlogging, durable, log_slave_updates with its own server_id: $got"
        i=$((i + 1))
    done
}
check_settings "at the start"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
rev=$(git rev-parse --short HEAD 2>/dev/null)
[ -n "$(git status --porcelain -- src include meson.build 2>/dev/null)" ] && rev="$rev + local changes"
echo "# hotmig sync catch-up bench, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "# host: $(nproc) cores ($cpu), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server: MariaDB $(hm_sql src 'SELECT VERSION()'); all: $want;" \
    "targets also log_slave_updates=ON; server_id source 11, targets 21.."$((20 + ${#targets[@]}))
echo "# tools: $(sysbench --version 2>&1 | head -1)"
echo "# hotmig: $("$HOTMIG" --version 2>&1 | head -1), $HOTMIG, git $rev"
echo "# data: sysbench $tables tables x $rows rows; backlog: oltp_write_only 4 threads" \
    "unthrottled for $backlog s; lag: oltp_write_only --rate=$lag_rate for $lag_secs s," \
    "probe every 20 ms, polled every ~2 ms"

# ---- helpers -----------------------------------------------------------------------------------
client() { # NAME [options]: a long-lived client reading SQL from stdin
    local n=$1; shift
    mariadb --no-defaults -h127.0.0.1 -P"$(hm_port "$n")" -uroot -p"$PW" --batch --skip-column-names "$@"
}
sb() { # sysbench oltp_write_only on the source with the given options
    sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$SP" \
        --mysql-user=root --mysql-password="$PW" --mysql-db=sbtest --tables="$tables" \
        --table-size="$rows" "$@"
}
hotsb() { # WORKLOAD options: sysbench on hot.sbtest1, 10 rows
    local w=$1; shift
    sysbench "$w" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$SP" --mysql-user=root \
        --mysql-password="$PW" --mysql-db=hot --tables=1 --table-size=10 "$@"
}
src_end() { hm_sql src "SHOW MASTER STATUS" | cut -f1,2; }           # FILE<TAB>POS
gtid_seq() { # the source's own GTID sequence number (domain 0, server 11)
    hm_sql src "SELECT @@gtid_binlog_pos" | tr ',' '\n' | sed -n 's/^0-11-//p'
}
pos_ge() { # FILE1 POS1 FILE2 POS2: is FILE1:POS1 at or past FILE2:POS2?
    awk -v f1="${1##*.}" -v p1="$2" -v f2="${3##*.}" -v p2="$4" \
        'BEGIN { exit !(f1 + 0 > f2 + 0 || (f1 + 0 == f2 + 0 && p1 + 0 >= p2 + 0)) }'
}
slave() { # NAME: "Relay_Master_Log_File Exec_Master_Log_Pos Master_Log_File Read_Master_Log_Pos
          #        Slave_SQL_Running Last_SQL_Errno Slave_IO_Running Last_IO_Errno"
    mariadb --no-defaults -h127.0.0.1 -P"$(hm_port "$1")" -uroot -p"$PW" -E -e "SHOW SLAVE STATUS" |
        awk '{ sub(/^ +/, "") } { v[$1] = $2 }
             END { print v["Relay_Master_Log_File:"], v["Exec_Master_Log_Pos:"], v["Master_Log_File:"],
                   v["Read_Master_Log_Pos:"], v["Slave_SQL_Running:"], v["Last_SQL_Errno:"],
                   v["Slave_IO_Running:"], v["Last_IO_Errno:"] }'
}
slave_error() {
    mariadb --no-defaults -h127.0.0.1 -P"$(hm_port "$1")" -uroot -p"$PW" -E -e "SHOW SLAVE STATUS" |
    grep -E 'Last_(SQL|IO)_Error:' | sed 's/^ *//' | tr '\n' ' '; }
wait_applied() { # NAME FILE POS SECONDS: the SQL thread has executed up to FILE:POS (polled every
                 # 50 ms; the time of the first poll that sees it in $caught)
    local f p t0 s
    t0=$(now)
    while :; do
        read -r f p _ _ s _ _ _ <<<"$(slave "$1")"
        if [ -n "$f" ] && pos_ge "$f" "$p" "$2" "$3"; then caught=$(now); return 0; fi
        [ "$s" = Yes ] || die "$1: the SQL thread stopped: $(slave_error "$1")"
        awk -v a="$t0" -v b="$(now)" -v l="$4" 'BEGIN { exit !(b - a > l) }' &&
            die "$1: not at $2:$3 within $4 s (at $f:$p)"
        sleep 0.05
    done
}
wait_read() { # NAME FILE POS SECONDS: the IO thread has read up to FILE:POS
    local f p io i
    for i in $(seq 1 $(($4 * 5))); do
        read -r _ _ f p _ _ io _ <<<"$(slave "$1")"
        if [ -n "$f" ] && pos_ge "$f" "$p" "$2" "$3"; then return 0; fi
        [ "$io" = Yes ] || [ "$io" = Connecting ] || die "$1: the IO thread stopped: $(slave_error "$1")"
        sleep 0.2
    done
    die "$1: the IO thread did not read up to $2:$3 within $4 s (at $f:$p)"
}

hstatus() { "$HOTMIG" status --state-dir "${hdir[$1]}" --json 2>/dev/null; }   # NAME (JSON_INDENT(2))
hstate() { hstatus "$1" | sed -n 's/^  "state": "\([^"]*\)",\{0,1\}$/\1/p'; }
wait_hstate() { # NAME STATE SECONDS PID: hotmig's task on NAME (run by PID) is in STATE and running
    local i st out n=$1 hlog=$WORK/hotmig-$1.log
    shift
    for i in $(seq 1 $(($2 * 50))); do
        out=$(hstatus "$n")
        st=$(sed -n 's/^  "state": "\([^"]*\)",\{0,1\}$/\1/p' <<<"$out")
        [ "$st" = "$1" ] && grep -q '^  "running": true' <<<"$out" && return 0
        kill -0 "$3" 2>/dev/null || { wait "$3"; die "hotmig exited ($?) before its task was $1 (state '$st'): $(tail -5 "$hlog")"; }
        [ "$st" = failed ] && die "hotmig's task failed: $(sed -n 's/^  "error": //p' <<<"$out")"
        sleep 0.02
    done
    die "hotmig's task was not $1 within $2 s (state '$st')"
}
hstart() { # NAME WHAT: `hotmig WHAT` (resume) of NAME's task in the background (pid in hpid[NAME])
    "$HOTMIG" "$2" --state-dir "${hdir[$1]}" --progress lines >>"$WORK/hotmig-$1.log" 2>&1 &
    hpid[$1]=$!
    bg+=("$!")
}
hstop() { # NAME: hotmig stop of NAME's task; its run exits
    "$HOTMIG" stop --state-dir "${hdir[$1]}" --timeout 120 >"$WORK/stop-$1.out" 2>&1 ||
        { cat "$WORK/stop-$1.out" >&2; die "hotmig stop ($1) failed"; }
    wait "${hpid[$1]}"
    local rc=$?
    [ "$rc" -eq 3 ] || say "   note: hotmig on $1 exited $rc after hotmig stop (documented: 3)"
    [ "$(hstate "$1")" = stopped ] || die "hotmig's task on $1 is '$(hstate "$1")' after hotmig stop, not 'stopped'"
}

declare -A src_sum
all_tables() { local t; for t in $(seq 1 "$tables"); do echo "sbtest.sbtest$t"; done; echo hb.t; echo hot.sbtest1; }
source_checksums() { # remember the source's checksums (the source is quiet)
    local t
    for t in $(all_tables); do
        src_sum[$t]=$(hm_sql src "CHECKSUM TABLE $t" | cut -f2)
        [[ ${src_sum[$t]} =~ ^[0-9]+$ ]] || die "no checksum for $t on the source"
    done
}
verify() { # NAME CONTENDER: every table on the target equals the source
    local t sum
    for t in $(all_tables); do
        sum=$(hm_sql "$1" "CHECKSUM TABLE $t" 2>&1 | cut -f2)
        [ "$sum" = "${src_sum[$t]}" ] || die "$2 left $t different on $1:" \
            "CHECKSUM TABLE $sum, source ${src_sum[$t]}"
    done
    say "   $1 equals the source ($((tables + 2)) tables, CHECKSUM TABLE)"
}
equal_now() { # NAME TABLE...: do these tables on NAME equal the source's now?
    local n=$1 t
    shift
    for t in "$@"; do
        [ "$(hm_sql "$n" "CHECKSUM TABLE $t" 2>/dev/null | cut -f2)" = "${src_sum[$t]}" ] || return 1
    done
}
wait_equal() { # NAME SECONDS: until every table on NAME equals the source (quiet)
    local i all
    mapfile -t all < <(all_tables)
    for i in $(seq 1 "$2"); do equal_now "$1" "${all[@]}" && return 0; sleep 1; done
    die "$1 did not reach the source's data within $2 s"
}

settle() { # every server's buffer pool clean: no contender pays for the writes of the one before
    local s saved dirty
    for s in src "${targets[@]}"; do
        saved=$(hm_sql "$s" "SELECT CONCAT(
            'SET GLOBAL innodb_max_dirty_pages_pct = ', @@innodb_max_dirty_pages_pct,
            '; SET GLOBAL innodb_io_capacity = ', @@innodb_io_capacity,
            '; SET GLOBAL innodb_io_capacity_max = ', @@innodb_io_capacity_max)")
        hm_sql "$s" "SET GLOBAL innodb_io_capacity_max = 100000; SET GLOBAL innodb_io_capacity = 50000;
            SET GLOBAL innodb_max_dirty_pages_pct = 0"
        for _ in $(seq 1 600); do
            dirty=$(hm_sql "$s" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
                WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
            [ "${dirty:-0}" -lt 50 ] && break
            sleep 0.2
        done
        hm_sql "$s" "$saved" || die "cannot restore the flush settings of $s"
    done
    sync
}

# A sleep that forks nothing (read times out on a FIFO no one writes): the probe loops run 50 and
# 500 times a second and must not load the machine with sleep processes.
mkfifo "$WORK/nap" || die "mkfifo failed"
exec {NAP}<>"$WORK/nap"
nap() { read -rt "$1" -u "$NAP" || :; }

probe_writer() { # FLAG: INSERT INTO hb.t every 20 ms on the source while FLAG exists
    { echo "SET time_zone = '+00:00';"
      while [ -e "$1" ]; do echo "INSERT INTO hb.t (ts) VALUES (NOW(6));"; nap 0.02; done
    } | client src
}
probe_poller() { # NAME FLAG OUT: the newest id of hb.t and the time, about every 2 ms
    { echo "SET time_zone = '+00:00';"
      while [ -e "$2" ]; do echo "SELECT MAX(id), UNIX_TIMESTAMP(NOW(6)) FROM hb.t;"; nap 0.002; done
    } | client "$1" >"$3"
}
lag_stats() { # TS_FILE POLL_FILE FIRST_ID LAST_ID: "p50 p99 max n skipped" in ms
    # TS_FILE: id, ts (source); POLL_FILE: max id, time. An id first seen behind a later id (two
    # ids applied between two polls, or a skipped poll) gets the time of that poll as well.
    awk -F'\t' -v lo="$3" -v hi="$4" '
        FNR == NR { ts[$1] = $2; next }
        BEGIN { seen = lo - 1 }
        $1 == "NULL" { next }
        { m = $1 + 0; if (m > hi) m = hi
          while (seen < m) { seen++; if (seen < lo) continue
                             printf "L %.3f\n", ($2 - ts[seen]) * 1000; if (seen < m) skipped++ } }
        END { printf "S %d %d\n", skipped + 0, seen }' "$1" "$2" |
    sort -k1,1 -k2,2n | awk -v lo="$3" -v hi="$4" '
        $1 == "L" { v[++n] = $2 }
        $1 == "S" { sk = $2; last = $3 }
        function pct(p,   k) { k = int(p * n + 0.999999); if (k < 1) k = 1; return v[k] }
        END { if (n == 0) { print "- - - 0 0"; exit }
              if (last < hi) sk = sk " (ids " last + 1 ".." hi " never seen)"
              printf "%.1f %.1f %.1f %d %s\n", pct(0.50), pct(0.99), v[n], n, sk }'
}

# ---- data and copies ---------------------------------------------------------------------------
say "== prepare: hb.t and sysbench $tables tables x $rows rows in sbtest"
t0=$(now)
hm_sql src "CREATE DATABASE hb; CREATE TABLE hb.t (id BIGINT AUTO_INCREMENT PRIMARY KEY,
    ts DATETIME(6) NOT NULL) ENGINE=InnoDB; INSERT INTO hb.t (ts) VALUES (NOW(6));
    CREATE DATABASE sbtest" || die "cannot create hb and sbtest on the source"
sb --threads=2 prepare >"$WORK/prepare.log" 2>&1 || { tail "$WORK/prepare.log" >&2; die "sysbench prepare failed"; }
hm_sql src "CREATE DATABASE hot" || die "cannot create hot on the source"
hotsb oltp_update_non_index --threads=1 prepare >"$WORK/prepare-hot.log" 2>&1 ||
    { tail "$WORK/prepare-hot.log" >&2; die "sysbench prepare (hot) failed"; }
say "   $(elapsed "$t0" "$(now)") s"

for n in t1 t2 t3; do
    say "== hotmig migrate --mode full to $n, then a native replica from the copy's snapshot"
    t0=$(now)
    "$HOTMIG" migrate --source "$(hm_uri src)" --target "$(hm_uri $n)" --mode full --include sbtest \
        --include hb --include hot --progress none >"$WORK/copy-$n.log" 2>&1 \
        || { tail -5 "$WORK/copy-$n.log" >&2; die "hotmig migrate --mode full to $n failed"; }
    read -r file pos <<<"$(hm_sql $n "SELECT binlog_file, binlog_pos FROM hotmig_meta.copy_run WHERE id = 1")"
    [[ -n $file && $pos =~ ^[0-9]+$ ]] || die "$n: no snapshot coordinates in hotmig_meta.copy_run"
    hm_sql $n "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $SP, MASTER_USER = 'root',
        MASTER_PASSWORD = '$PW', MASTER_LOG_FILE = '$file', MASTER_LOG_POS = $pos, MASTER_USE_GTID = no" ||
        die "$n: CHANGE MASTER TO failed"
    # T1 follows during the lag measurement; T2 and T3 only read until their turn
    if [ $n = t1 ]; then hm_sql $n "START SLAVE"; else hm_sql $n "START SLAVE IO_THREAD"; fi ||
        die "$n: START SLAVE failed"
    say "   copy $(elapsed "$t0" "$(now)") s, replica from $file:$pos"
done
(umask 077 && echo "$PW" >"$WORK/pw") || die "cannot write $WORK/pw"
for n in "${htargets[@]}"; do
    say "== hotmig migrate --mode full+incremental ${hflags[$n]} to $n"
    t0=$(now)
    # the passwords by file: the state directory keeps no password, and hotmig resume replays the
    # task's arguments, the password files and --apply-threads included
    # shellcheck disable=SC2086 # hflags: words
    "$HOTMIG" migrate --source "mysql://root@127.0.0.1:$SP" --target "mysql://root@127.0.0.1:$(hm_port $n)" \
        --source-password-file "$WORK/pw" --target-password-file "$WORK/pw" --mode full+incremental \
        --include sbtest --include hb --include hot ${hflags[$n]} --state-dir "${hdir[$n]}" --progress lines \
        >"$WORK/hotmig-$n.log" 2>&1 &
    hpid[$n]=$!
    bg+=("$!")
    wait_hstate "$n" syncing 600 "${hpid[$n]}"
    say "   syncing after $(elapsed "$t0" "$(now)") s"
done

# ---- steady-state lag ---------------------------------------------------------------------------
lagging=(t1)
for n in "${htargets[@]}"; do [ "$n" = t4 ] && [ "$do_serial" -eq 0 ] || lagging+=("$n"); done
declare -A lag
if [ "$do_lag" -eq 1 ]; then
say "== lag: sysbench oltp_write_only --rate=$lag_rate for $lag_secs s; probe on ${lagging[*]}"
read -r file pos <<<"$(src_end)"
wait_applied t1 "$file" "$pos" 60
settle   # the copies' dirty pages flushed: their writes do not land in the lag window
first=$(( $(hm_sql src "SELECT MAX(id) FROM hb.t") + 1 ))
touch "$WORK/run-poll" "$WORK/run-write"
sb --threads=4 --rate="$lag_rate" --time=$((lag_secs + 2)) run >"$WORK/lag-load.log" 2>&1 &
lpid=$!
bg+=("$lpid")
declare -A ppid
for n in "${lagging[@]}"; do
    probe_poller "$n" "$WORK/run-poll" "$WORK/poll-$n" &
    ppid[$n]=$!
    bg+=("$!")
done
nap 1
probe_writer "$WORK/run-write" &
wpid=$!
bg+=("$wpid")
nap "$lag_secs"
rm -f "$WORK/run-write"
wait "$wpid" || die "the probe writer failed"
last=$(hm_sql src "SELECT MAX(id) FROM hb.t")
for n in "${lagging[@]}"; do
    for _ in $(seq 1 600); do
        [ "$(hm_sql "$n" "SELECT MAX(id) FROM hb.t")" -ge "$last" ] && break
        sleep 0.1
    done
done
rm -f "$WORK/run-poll"
for n in "${lagging[@]}"; do wait "${ppid[$n]}" || die "the probe poller on $n failed"; done
wait "$lpid" || { tail "$WORK/lag-load.log" >&2; die "sysbench (lag load) failed"; }
lag_tps=$(sed -n 's/.*transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' "$WORK/lag-load.log")
hm_sql src "SET time_zone = '+00:00'; SELECT id, UNIX_TIMESTAMP(ts) FROM hb.t WHERE id >= $first" >"$WORK/probe-ts"
for n in "${lagging[@]}"; do
    lag[$n]=$(lag_stats "$WORK/probe-ts" "$WORK/poll-$n" "$first" "$last")
    say "   $n: p50 p99 max (ms) n skipped: ${lag[$n]}; $(wc -l <"$WORK/poll-$n") polls"
done
fi

# ---- all targets at the same position; hotmig stopped ------------------------------------------
say "== every target catches up to the source; T1..T3 stop their SQL threads, hotmig stops"
read -r file pos <<<"$(src_end)"
wait_applied t1 "$file" "$pos" 120
for n in t2 t3; do hm_sql $n "START SLAVE SQL_THREAD" || die "$n: START SLAVE SQL_THREAD failed"; done
wait_applied t2 "$file" "$pos" 300
wait_applied t3 "$file" "$pos" 300
for n in t1 t2 t3; do hm_sql $n "STOP SLAVE SQL_THREAD" || die "$n: STOP SLAVE SQL_THREAD failed"; done
source_checksums
for n in "${htargets[@]}"; do
    wait_equal "$n" 300
    hstop "$n"
done
for n in "${targets[@]}"; do verify "$n" "the lag phase"; done

# ---- hot rows: every writer on the same 10 rows -------------------------------------------------
declare -A hot_secs_of
if [ "$do_hot" -eq 1 ]; then
    say "== hot rows: sysbench oltp_update_non_index on hot.sbtest1 (10 rows), 4 threads, $hot_secs s"
    hseq0=$(gtid_seq)
    hotsb oltp_update_non_index --threads=4 --time="$hot_secs" run >"$WORK/hot.log" 2>&1 ||
        { tail "$WORK/hot.log" >&2; die "sysbench (hot rows) failed"; }
    hm_sql src "INSERT INTO hb.t (ts) VALUES (NOW(6))"   # the marker, after the backlog
    hot_trx=$(($(gtid_seq) - hseq0))
    marker=$(hm_sql src "SELECT MAX(id) FROM hb.t")
    say "   $hot_trx transactions ($(rate "$hot_trx" "$hot_secs") trx/s on the source)"
    source_checksums
    for n in t4 t5; do
        say "== hot rows: ${hname[$n]} ($n): resume, timed until the target holds the source's rows"
        settle
        t0=$(now)
        hstart "$n" resume
        while :; do
            if [ "$(hm_sql "$n" "SELECT MAX(id) FROM hb.t")" -ge "$marker" ] && equal_now "$n" hot.sbtest1; then break; fi
            kill -0 "${hpid[$n]}" 2>/dev/null || die "hotmig on $n ended during the hot-row catch-up: $(tail -3 "$WORK/hotmig-$n.log")"
            awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 1800) }' && die "$n: no catch-up of the hot rows in 1800 s"
            nap 0.05
        done
        hot_secs_of[$n]=$(elapsed "$t0" "$(now)")
        say "   ${hot_secs_of[$n]} s, $(rate "$hot_trx" "${hot_secs_of[$n]}") trx/s"
        wait_hstate "$n" syncing 60 "${hpid[$n]}"
        hstop "$n"
        verify "$n" "${hname[$n]} (hot rows)"
    done
    read -r file pos <<<"$(src_end)"
    for n in t1 t2 t3; do
        hm_sql $n "START SLAVE SQL_THREAD" || die "$n: START SLAVE SQL_THREAD failed"
        wait_applied $n "$file" "$pos" 600
        hm_sql $n "STOP SLAVE SQL_THREAD" || die "$n: STOP SLAVE SQL_THREAD failed"
    done
fi

# ---- backlog ------------------------------------------------------------------------------------
say "== backlog: sysbench oltp_write_only, 4 threads, unthrottled, $backlog s"
seq0=$(gtid_seq)
sb --threads=4 --time="$backlog" run >"$WORK/backlog.log" 2>&1 ||
    { tail "$WORK/backlog.log" >&2; die "sysbench (backlog) failed"; }
seq1=$(gtid_seq)
[[ $seq0 =~ ^[0-9]+$ && $seq1 =~ ^[0-9]+$ ]] || die "no GTID sequence from the source (@@gtid_binlog_pos)"
trx=$((seq1 - seq0))
read -r end_file end_pos <<<"$(src_end)"
say "   $trx transactions ($(rate "$trx" "$backlog") trx/s on the source), source end $end_file:$end_pos"
source_checksums

# ---- catch-up -----------------------------------------------------------------------------------
declare -A secs
native() { # NAME KEY THREADS MODE
    say "== native $2: $1, slave_parallel_threads=$3 slave_parallel_mode=$4"
    wait_read "$1" "$end_file" "$end_pos" 300
    settle
    hm_sql "$1" "SET GLOBAL slave_parallel_threads = $3; SET GLOBAL slave_parallel_mode = '$4'" ||
        die "$1: cannot set the parallel mode"
    local t0
    t0=$(now)
    hm_sql "$1" "START SLAVE SQL_THREAD" || die "$1: START SLAVE SQL_THREAD failed"
    wait_applied "$1" "$end_file" "$end_pos" 1800
    secs[$2]=$(elapsed "$t0" "$caught")
    hm_sql "$1" "STOP SLAVE" || die "$1: STOP SLAVE failed"
    say "   ${secs[$2]} s, $(rate "$trx" "${secs[$2]}") trx/s"
    verify "$1" "native $2"
}
native t1 serial 0 optimistic
native t2 optimistic 4 optimistic
native t3 conservative 4 conservative
hotmig_catchup() { # NAME: resume, then finish at once
    local n=$1 t0 t1 t_sync rc
    say "== ${hname[$n]}: resume, then finish at once ($n)"
    settle
    t0=$(now)
    hstart "$n" resume
    # finish signals the running hotmig: it must be running (and past its start) to take it
    wait_hstate "$n" syncing 300 "${hpid[$n]}"
    t_sync=$(elapsed "$t0" "$(now)")
    "$HOTMIG" finish --state-dir "${hdir[$n]}" --timeout 1800 >"$WORK/finish-$n.out" 2>&1 ||
        { cat "$WORK/finish-$n.out" >&2; die "hotmig finish ($n) failed"; }
    t1=$(now)
    secs[$n]=$(elapsed "$t0" "$t1")
    wait "${hpid[$n]}"
    rc=$?
    [ "$rc" -eq 0 ] || { tail -5 "$WORK/hotmig-$n.log" >&2; die "hotmig resume ($n) exited $rc after hotmig finish"; }
    grep -q "final position: $end_file:$end_pos" "$WORK/finish-$n.out" ||
        say "   note: hotmig finish did not report the source's end $end_file:$end_pos: $(grep 'final' "$WORK/finish-$n.out")"
    say "   ${secs[$n]} s (syncing after $t_sync s, finish sent then), $(rate "$trx" "${secs[$n]}") trx/s"
    verify "$n" "${hname[$n]}"
}
for n in "${htargets[@]}"; do
    [ "$n" = t4 ] && [ "$do_serial" -eq 0 ] && continue
    hotmig_catchup "$n"
done
check_settings "at the end"

# ---- results ------------------------------------------------------------------------------------
echo
met() { awk "BEGIN { print ($1 ? \"met\" : \"NOT MET\") }"; }
best_par=$(awk -v a="$(rate "$trx" "${secs[optimistic]}")" -v b="$(rate "$trx" "${secs[conservative]}")" \
    'BEGIN { print (a > b ? a : b) }')
echo "backlog: $trx transactions written in $backlog s ($(rate "$trx" "$backlog") trx/s on the source)"
printf '%-38s %8s %8s %10s\n' contender seconds trx/s "vs best parallel native"
for c in serial optimistic conservative t4 t5; do
    [ -n "${secs[$c]:-}" ] || continue
    case $c in
        serial) name="native serial (T1)" ;;
        optimistic) name="native 4 threads optimistic (T2)" ;;
        conservative) name="native 4 threads conservative (T3)" ;;
        t4|t5) name="${hname[$c]} (${c^^})" ;;
    esac
    r=$(rate "$trx" "${secs[$c]}")
    printf '%-38s %8.2f %8s %9.2fx\n' "$name" "${secs[$c]}" "$r" "$(ratio "$r" "$best_par")"
done
echo
if [ "$do_lag" -eq 1 ]; then
    echo "lag at ${lag_tps:-?} write trx/s (target $lag_rate) + 50 probe trx/s, $lag_secs s (ms, upper bounds within ~2 ms):"
    for n in "${lagging[@]}"; do
        read -r p50 p99 mx cnt sk <<<"${lag[$n]}"
        case $n in t1) name="native serial replica (T1)" ;; *) name="${hname[$n]} (${n^^})" ;; esac
        printf '%-34s p50 %6s  p99 %6s  max %7s  (%s ids; %s first seen behind a later id)\n' \
            "$name" "$p50" "$p99" "$mx" "$cnt" "$sk"
    done
    echo
fi
if [ "$do_hot" -eq 1 ]; then
    echo "hot rows: $hot_trx transactions on 10 rows (oltp_update_non_index, 4 threads, $hot_secs s), same backlog for both:"
    for n in t4 t5; do
        printf '%-34s %8.2f s %8s trx/s\n' "${hname[$n]} (${n^^})" "${hot_secs_of[$n]}" "$(rate "$hot_trx" "${hot_secs_of[$n]}")"
    done
    echo
fi
goal_lag() { # NAME GOAL?: the lag lines of hotmig on NAME
    local p99 np99 r
    read -r _ p99 _ <<<"${lag[$1]}"
    read -r _ np99 _ <<<"${lag[t1]}"
    if [ "$p99" = - ]; then echo "goal: ${hname[$1]} lag p99 < 25 ms: no id seen, NOT MET"; return; fi
    echo "goal: ${hname[$1]} lag p99 < 25 ms: $p99 ms, $(met "$p99 < 25")"
    # the machine's fsync stalls move both; the ratio in the same run says what hotmig adds
    [ "$np99" != - ] || return
    r=$(ratio "$p99" "$np99")
    if [ "$2" = goal ]; then
        echo "goal: ${hname[$1]} lag p99 / native serial replica's p99 <= 1.00, same run: ${r}x, $(met "$r <= 1.00")"
    else
        echo "lag p99 ${hname[$1]} / native serial replica, same run: ${r}x"
    fi
}
if [ "$native_only" -eq 0 ]; then
    if [ -n "${secs[t4]:-}" ]; then
        r=$(ratio "$(rate "$trx" "${secs[t4]}")" "$best_par")
        echo "hotmig serial vs best parallel native: ${r}x"
    fi
    if [ -n "${secs[t5]:-}" ]; then
        r=$(ratio "$(rate "$trx" "${secs[t5]}")" "$best_par")
        echo "goal: ${hname[t5]} >= 2.0x best parallel native: ${r}x, $(met "$r >= 2.0")"
    else
        echo "goal: hotmig parallel >= 2.0x best parallel native: not measured (no parallel contender)"
    fi
    if [ "$do_lag" -eq 1 ]; then
        for n in "${lagging[@]}"; do
            case $n in t4) goal_lag t4 info ;; t5) goal_lag t5 goal ;; esac
        done
    else
        echo "goal: lag p99 <= native serial's: not measured (--no-lag)"
    fi
    if [ "$do_hot" -eq 1 ]; then
        r=$(ratio "${hot_secs_of[t4]}" "${hot_secs_of[t5]}")
        echo "goal: hot rows, ${hname[t5]} not slower than one connection (rate ratio >= 1.00): ${r}x, $(met "$r >= 1.00")"
    else
        echo "goal: hot rows: not measured (--no-hot, or no parallel contender)"
    fi
else
    echo "goal: hotmig >= 2.0x best parallel native: not measured (--native-only)"
    echo "goal: hotmig lag p99 <= native serial's: not measured (--native-only)"
fi
echo "(bench: $(elapsed "$bench_t0" "$(now)") s in all)"
ok=1
