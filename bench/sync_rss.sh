#!/usr/bin/env bash
# bench/sync_rss.sh: the peak memory of hotmig's incremental sync while it applies a large binlog
# backlog, serial and parallel, at several backlog sizes (memory must not grow with the backlog).
#
#   servers   one source, and per backlog size two fresh targets: T1 for hotmig --apply-threads 1,
#             T2 for hotmig --apply-threads APPLY (default 4); all with log_bin, binlog_format=ROW,
#             sync_binlog=1, innodb_flush_log_at_trx_commit=1 (the harness's; checked).
#   data      wide.w (id BIGINT PRIMARY KEY, k INT, pay VARBINARY(4096), KEY (k)) on the source.
#   per size  both hotmig tasks (`migrate --mode full+incremental --include wide`) copy the source
#             and follow it, then `hotmig stop`. The backlog: a procedure on the source commits, in
#             a loop, one transaction inserting 100 rows of 1 to 4 KB payloads and one deleting the
#             rows of two batches before (the table stays small, the binlog grows), until the
#             source's binlog files (SHOW BINARY LOGS) have grown by SIZE MiB; the growth is
#             printed in bytes. Then for each of T1, T2: `/usr/bin/time -v hotmig resume`, and
#             `hotmig finish` once it syncs; the peak RSS is GNU time's "Maximum resident set
#             size" of the resumed hotmig (its whole life: start, catch-up of the backlog, cut-over).
#             wide.w on the target must equal the source's (CHECKSUM TABLE, row count). Then the
#             targets are removed and the source's binlogs purged (disk).
#   goal      peak RSS < 64 MB at every size, serial and parallel; flat across sizes.
# Exit status 0 when the bench ran (goals met or not), 1 when something broke, 2 on a usage error.
#
# usage: bench/sync_rss.sh [--sizes MiB[,MiB...]] [--apply-threads N] [--keep]
#   defaults: --sizes 512,4096 and --apply-threads 4 (0: serial only). Needs about 3x the largest
#   size free on disk under $HM_BENCH_ROOT (default /tmp/hm-rss-bench): the source's binlog and
#   each target's. HOTMIG=/path/to/hotmig overrides the binary (default build-release/hotmig).
#   About 5 min on 2 cores with the defaults (4.2 min measured).
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

bench_t0=$EPOCHREALTIME
sizes=512,4096 apply=4 keep=0
usage() { sed -n '/^# usage:/,/^#   About .* min/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes=${2:-}; shift 2 || usage ;;
        --apply-threads) apply=${2:-}; shift 2 || usage ;;
        --keep) keep=1; shift ;;
        -h|--help) usage ;;
        *) echo "unknown option: $1" >&2; usage ;;
    esac
done
[[ $sizes =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "--sizes: MiB numbers > 0, comma-separated" >&2; exit 2; }
[[ $apply =~ ^[0-9]+$ ]] || { echo "--apply-threads: a number (0: serial only)" >&2; exit 2; }
IFS=, read -ra size_list <<<"$sizes"

# shellcheck source=lib.sh
source bench/lib.sh
bench_binary
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time, package time) is needed"
has_apply=0
"$HOTMIG" migrate --help 2>&1 | grep -q -- --apply-threads && has_apply=1
names=(t1)
declare -A flags
if [ "$has_apply" -eq 1 ]; then
    flags[t1]="--apply-threads 1"
    if [ "$apply" -gt 0 ]; then names+=(t2); flags[t2]="--apply-threads $apply"; fi
else
    say "bench: note: $HOTMIG has no --apply-threads: serial only"
    flags[t1]=""
fi

export HM_TEST_ROOT=${HM_BENCH_ROOT:-/tmp/hm-rss-bench}
# shellcheck source-path=SCRIPTDIR source=../tests/harness/mariadb.sh
source tests/harness/mariadb.sh
WORK=$HM_TEST_ROOT/work
ok=0 bg=()
cleanup() {
    local p
    for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
    hm_srv_stop_all
    if [ "$ok" -eq 1 ] && [ "$keep" -eq 0 ]; then rm -rf "$HM_TEST_ROOT"; else say "bench: logs and data: $HM_TEST_ROOT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$HM_TEST_ROOT"
mkdir -p "$WORK" || die "cannot create $WORK"
max_mib=0
for s in "${size_list[@]}"; do [ "$s" -gt "$max_mib" ] && max_mib=$s; done
free_kb=$(df -Pk "$HM_TEST_ROOT" | awk 'NR == 2 { print $4 }')
[ "${free_kb:-0}" -ge $(( (max_mib * 3 + 2048) * 1024 )) ] ||
    die "needs $(( max_mib * 3 + 2048 )) MiB free under $HM_TEST_ROOT (has $((free_kb / 1024)) MiB)"

PW=$HM_TEST_PASSWORD
(umask 077 && echo "$PW" >"$WORK/pw") || die "cannot write $WORK/pw"
hm_srv_start src source >/dev/null || die "the source did not start"
want='log_bin=ON binlog_format=ROW sync_binlog=1 innodb_flush_log_at_trx_commit=1'
settings() { hm_sql "$1" "SELECT CONCAT('log_bin=', @@log_bin, ' binlog_format=', @@binlog_format,
    ' sync_binlog=', @@sync_binlog, ' innodb_flush_log_at_trx_commit=', @@innodb_flush_log_at_trx_commit)"; }
binlog_bytes() { hm_sql src "SHOW BINARY LOGS" | awk '{ s += $2 } END { printf "%.0f", s }'; }

hm_sql src "CREATE DATABASE wide;
CREATE TABLE wide.w (id BIGINT PRIMARY KEY, k INT NOT NULL, pay VARBINARY(4096) NOT NULL, KEY (k));
CREATE TABLE wide.seq (n INT PRIMARY KEY);
INSERT INTO wide.seq SELECT seq FROM test.seq_1_to_100" || die "cannot create wide on the source"
mariadb --no-defaults -h127.0.0.1 -P"$(hm_port src)" -uroot -p"$PW" wide <<'SQL' || die "cannot create wide.fill on the source"
DELIMITER //
CREATE PROCEDURE fill(IN first BIGINT, IN rounds INT)
BEGIN
    DECLARE r BIGINT DEFAULT first;
    WHILE r < first + rounds DO
        INSERT INTO wide.w SELECT r * 100 + n, n,
            LEFT(REPEAT(MD5(r * 100 + n), 128), 1024 + (r * 100 + n) * 37 % 3072) FROM wide.seq;
        DELETE FROM wide.w WHERE id BETWEEN (r - 2) * 100 + 1 AND (r - 2) * 100 + 100;
        SET r = r + 1;
    END WHILE;
END //
DELIMITER ;
SQL

echo "# hotmig sync peak RSS bench, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "# host: $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server: MariaDB $(hm_sql src 'SELECT VERSION()'); all: $want"
echo "# hotmig: $("$HOTMIG" --version 2>&1 | head -1), $HOTMIG, git $(git rev-parse --short HEAD 2>/dev/null)"
echo "# backlog: transactions of 100 inserted rows (1-4 KB payloads) and of 100 deleted rows, in turn"

hstatus_state() { "$HOTMIG" status --state-dir "$1" --json 2>/dev/null | sed -n 's/^  "state": "\([^"]*\)",\{0,1\}$/\1/p'; }
wait_syncing() { # DIR PID: the task runs and syncs
    local _i
    for _i in $(seq 1 30000); do
        [ "$(hstatus_state "$1")" = syncing ] && "$HOTMIG" status --state-dir "$1" --json 2>/dev/null |
            grep -q '^  "running": true' && return 0
        kill -0 "$2" 2>/dev/null || { wait "$2"; die "hotmig ($1) exited $? before it synced"; }
        sleep 0.02
    done
    die "hotmig ($1) not syncing within 600 s"
}

round=1
declare -A rss secs bytes
for size in "${size_list[@]}"; do
    say "== backlog of $size MiB: fresh targets ${names[*]}, hotmig tasks following, then stopped"
    for n in "${names[@]}"; do
        hm_srv_stop "$n" 2>/dev/null
        rm -rf "${HM_TEST_ROOT:?}/$n" "$WORK/state-$n"
        hm_srv_start "$n" target >/dev/null || die "target $n did not start"
        [ "$(settings "$n")" = "$want" ] || die "$n: not binlogging and durable: $(settings "$n")"
        # shellcheck disable=SC2086 # flags: words
        "$HOTMIG" migrate --source "mysql://root@127.0.0.1:$(hm_port src)" --target "mysql://root@127.0.0.1:$(hm_port "$n")" \
            --source-password-file "$WORK/pw" --target-password-file "$WORK/pw" --mode full+incremental \
            --include wide ${flags[$n]} --state-dir "$WORK/state-$n" --progress lines >"$WORK/migrate-$n-$size.log" 2>&1 &
        pid=$!
        bg+=("$pid")
        wait_syncing "$WORK/state-$n" "$pid"
        "$HOTMIG" stop --state-dir "$WORK/state-$n" --timeout 120 >/dev/null || die "hotmig stop ($n) failed"
        wait "$pid"
    done
    [ "$(settings src)" = "$want" ] || die "source: not binlogging and durable: $(settings src)"
    b0=$(binlog_bytes)
    goal=$(( b0 + size * 1048576 ))
    t0=$(now)
    while [ "$(binlog_bytes)" -lt "$goal" ]; do
        hm_sql src "CALL wide.fill($round, 40)" || die "the backlog's procedure failed"
        round=$((round + 40))
    done
    b1=$(binlog_bytes)
    bytes[$size]=$((b1 - b0))
    src_sum=$(hm_sql src "CHECKSUM TABLE wide.w" | cut -f2)
    src_rows=$(hm_sql src "SELECT COUNT(*) FROM wide.w")
    say "   backlog: ${bytes[$size]} bytes of binlog in $(elapsed "$t0" "$(now)") s"
    for n in "${names[@]}"; do
        say "== $size MiB: hotmig ${flags[$n]:-(serial)} on $n: resume under /usr/bin/time -v, finish"
        sync
        t0=$(now)
        /usr/bin/time -v -o "$WORK/time-$n-$size" "$HOTMIG" resume --state-dir "$WORK/state-$n" --progress lines \
            >"$WORK/resume-$n-$size.log" 2>&1 &
        pid=$!
        bg+=("$pid")
        wait_syncing "$WORK/state-$n" "$pid"
        "$HOTMIG" finish --state-dir "$WORK/state-$n" --timeout 3600 >"$WORK/finish-$n-$size.out" 2>&1 ||
            { cat "$WORK/finish-$n-$size.out" >&2; die "hotmig finish ($n) failed"; }
        wait "$pid" || { tail -5 "$WORK/resume-$n-$size.log" >&2; die "hotmig resume ($n) did not exit 0"; }
        secs[$n-$size]=$(elapsed "$t0" "$(now)")
        rss[$n-$size]=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$WORK/time-$n-$size")
        [[ ${rss[$n-$size]} =~ ^[0-9]+$ ]] || die "no peak RSS from /usr/bin/time ($WORK/time-$n-$size)"
        if [ "$(hm_sql "$n" "CHECKSUM TABLE wide.w" | cut -f2)" != "$src_sum" ] ||
            [ "$(hm_sql "$n" "SELECT COUNT(*) FROM wide.w")" != "$src_rows" ]; then
            die "$n: wide.w differs from the source's after the catch-up"
        fi
        say "   ${secs[$n-$size]} s, peak RSS ${rss[$n-$size]} KiB; wide.w equals the source"
    done
    for n in "${names[@]}"; do hm_srv_stop "$n"; rm -rf "${HM_TEST_ROOT:?}/$n"; done
    hm_sql src "FLUSH BINARY LOGS; PURGE BINARY LOGS BEFORE NOW() + INTERVAL 1 DAY" >/dev/null 2>&1
done

echo
printf '%-28s %10s %16s %10s %10s %14s\n' hotmig "size MiB" "backlog bytes" seconds "MB/s" "peak RSS MB"
worst=0
for size in "${size_list[@]}"; do
    for n in "${names[@]}"; do
        k=$n-$size
        mb=$(awk -v k="${rss[$k]}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
        awk -v a="$mb" -v b="$worst" 'BEGIN { exit !(a > b) }' && worst=$mb
        printf '%-28s %10s %16s %10s %10s %14s\n' "${flags[$n]:-serial (no flag)}" "$size" "${bytes[$size]}" \
            "${secs[$k]}" "$(awk -v b="${bytes[$size]}" -v s="${secs[$k]}" 'BEGIN { printf "%.1f", b / s / 1e6 }')" "$mb"
    done
done
echo
echo "goal: peak RSS < 64 MB at every size, serial and parallel: worst $worst MB," \
    "$(awk -v a="$worst" 'BEGIN { print (a < 64 ? "met" : "NOT MET") }')"
echo "(bench: $(elapsed "$bench_t0" "$(now)") s in all)"
ok=1
