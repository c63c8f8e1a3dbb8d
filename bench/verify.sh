#!/usr/bin/env bash
# bench/verify.sh: time and peak memory of `hotmig verify` against two anchors, in one run, on the
# same sysbench data held by two local MariaDB servers (the target filled by hotmig migrate).
#
#   pt-table-checksum   Percona Toolkit's chunked checksums (Debian percona-toolkit), run on the
#                       source and on the target at the same time (--recursion-method none, so
#                       each checksums its own tables; it writes percona.checksums on each)
#   CHECKSUM TABLE      both servers' CHECKSUM TABLE of every table, side by side: one full scan
#                       of each server with the server's own row checksum, and nothing else (the
#                       floor; it names no row and cannot tell where tables differ)
#   hotmig              hotmig verify --threads THREADS
#
# Times are wall clock, best of ROUNDS interleaved rounds. Each contender must find the data
# equal (hotmig: exit 0; pt-table-checksum: the same CRCs on both servers, chunk by chunk;
# CHECKSUM TABLE: the same values on both). Beside each time, the CPU time both servers spent
# in that run (mariadbd user + system, from /proc): what the 2 cores had to do. Then, once, a
# reference that is no contender: COUNT(*) of every table with THREADS sessions a server on
# both servers (every row read, nothing computed). Then hotmig verify's peak RSS (GNU time) at
# two data sizes: goal < 64 MB and flat in table size.
#
# usage: bench/verify.sh [--tables N] [--rows N] [--threads N] [--repeat N]
#   defaults: 8 tables x 250000 rows, 2 threads, 2 rounds; the small size for RSS is ROWS/10.
#   About 3 min on 2 cores.
#   HOTMIG=/path/to/hotmig overrides the binary (default build-release/hotmig, built first).
#   Servers live under $HM_BENCH_ROOT (default /tmp/hm-bench-verify), removed after a good run.
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

tables=8 rows=250000 threads=2 repeat=2
usage() { sed -n '/^# usage:/,/^#   About .* min/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --tables) tables=${2:-}; shift 2 || usage ;;
        --rows) rows=${2:-}; shift 2 || usage ;;
        --threads) threads=${2:-}; shift 2 || usage ;;
        --repeat) repeat=${2:-}; shift 2 || usage ;;
        -h|--help) usage ;;
        *) echo "unknown option: $1" >&2; usage ;;
    esac
done
for v in "$tables" "$rows" "$threads" "$repeat"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "--tables/--rows/--threads/--repeat: a number > 0" >&2; exit 2; }
done
small=$((rows / 10))
[ "$small" -ge 1 ] || small=1

# shellcheck source=lib.sh
source bench/lib.sh
bench_binary
command -v pt-table-checksum >/dev/null || die "pt-table-checksum missing (scripts/install-deps.sh installs percona-toolkit)"

export HM_TEST_ROOT=${HM_BENCH_ROOT:-/tmp/hm-bench-verify}
# shellcheck source-path=SCRIPTDIR source=../tests/harness/mariadb.sh
source tests/harness/mariadb.sh
ok=0
cleanup() {
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    hm_srv_stop_all
    if [ "$ok" -eq 1 ]; then rm -rf "$HM_TEST_ROOT"; else say "bench: logs and data: $HM_TEST_ROOT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
hm_srv_start src source || die "source server did not start"
hm_srv_start tgt target || die "target server did not start"
SP=$(hm_port src) PW=$HM_TEST_PASSWORD
WORK=$HM_TEST_ROOT/work
mkdir -p "$WORK"

rev=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
echo "# bench/verify.sh $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, MariaDB $(hm_sql src 'SELECT VERSION()')"
echo "# tools: $(pt-table-checksum --version 2>&1 | head -1), $(sysbench --version)"
echo "# hotmig: $("$HOTMIG" --version), $HOTMIG, git $rev"
echo "# data: sysbench, $tables tables x $rows rows (and x $small for RSS); hotmig --threads $threads;" \
    "$repeat round(s)"

prepare() { # DB ROWS: sysbench tables on the source, copied to the target by hotmig
    say "== prepare: sysbench $tables tables x $2 rows in $1, copied to the target"
    hm_sql src "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1" || die "cannot create $1"
    sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$SP" \
        --mysql-user=root --mysql-password="$PW" --mysql-db="$1" --tables="$tables" \
        --table-size="$2" --threads=2 prepare >"$WORK/prepare-$1.log" 2>&1 \
        || { tail "$WORK/prepare-$1.log" >&2; die "sysbench prepare failed"; }
    "$HOTMIG" migrate --mode full --source "$(hm_uri src)" --target "$(hm_uri tgt)" --include "$1" \
        --progress none >"$WORK/copy-$1.log" 2>&1 || { tail "$WORK/copy-$1.log" >&2; die "copy failed"; }
}
prepare sbtest "$rows"
prepare sbsmall "$small"
tlist() { local s="" i; for i in $(seq 1 "$tables"); do s+="${s:+, }$1.sbtest$i"; done; echo "$s"; }

srv_cpu() { # prints the CPU seconds (user + system) both servers have used so far
    local n t=0
    for n in src tgt; do
        t=$((t + $(awk '{ print $14 + $15 }' "/proc/$(cat "$HM_TEST_ROOT/$n/pid")/stat")))
    done
    awk -v t="$t" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / k }'
}
took() { # T0 T1 C0: prints "seconds server-CPU-seconds"
    echo "$(elapsed "$1" "$2") $(awk -v a="$3" -v b="$(srv_cpu)" 'BEGIN { printf "%.2f", b - a }')"
}

run_hotmig() { # DB: prints seconds and server CPU seconds; peak RSS in $WORK/rss-DB
    local t0 t1 c0 rc
    c0=$(srv_cpu)
    t0=$(now)
    /usr/bin/time -f %M -o "$WORK/rss-$1" "$HOTMIG" verify --source "$(hm_uri src)" --target "$(hm_uri tgt)" \
        --include "$1" --threads "$threads" --progress none >"$WORK/verify-$1.log" 2>&1
    rc=$?
    t1=$(now)
    [ "$rc" -eq 0 ] || { cat "$WORK/verify-$1.log" >&2; die "hotmig verify did not find the copy equal"; }
    took "$t0" "$t1" "$c0"
}
run_pt() { # prints seconds and server CPU seconds: pt-table-checksum on both servers at once
    local t0 t1 c0 a b
    hm_sql src "DROP DATABASE IF EXISTS percona" && hm_sql tgt "DROP DATABASE IF EXISTS percona"
    c0=$(srv_cpu)
    t0=$(now)
    for s in src tgt; do
        PTDEBUG=0 pt-table-checksum --no-check-binlog-format --no-check-replication-filters \
            --recursion-method=none --replicate=percona.checksums --databases=sbtest \
            --no-version-check "h=127.0.0.1,P=$(hm_port "$s"),u=root,p=$PW" >"$WORK/pt-$s.log" 2>&1 &
    done
    wait
    t1=$(now)
    a=$(hm_sql src "SELECT CONCAT(tbl, ' ', chunk, ' ', this_crc, ' ', this_cnt) FROM percona.checksums ORDER BY 1")
    b=$(hm_sql tgt "SELECT CONCAT(tbl, ' ', chunk, ' ', this_crc, ' ', this_cnt) FROM percona.checksums ORDER BY 1")
    [ -n "$a" ] || { cat "$WORK/pt-src.log" >&2; die "pt-table-checksum wrote no checksums"; }
    [ "$a" = "$b" ] || say "note: pt-table-checksum's chunks differ between the servers (chunking is per server)"
    took "$t0" "$t1" "$c0"
}
run_floor() { # prints seconds and server CPU seconds: CHECKSUM TABLE of every table, both servers side by side
    local t0 t1 c0 l
    l=$(tlist sbtest)
    c0=$(srv_cpu)
    t0=$(now)
    hm_sql src "CHECKSUM TABLE $l" >"$WORK/ck-src" &
    hm_sql tgt "CHECKSUM TABLE $l" >"$WORK/ck-tgt" &
    wait
    t1=$(now)
    cmp -s "$WORK/ck-src" "$WORK/ck-tgt" || die "CHECKSUM TABLE differs between the servers"
    took "$t0" "$t1" "$c0"
}
run_scan() { # prints seconds and server CPU seconds: COUNT(*) of every table, THREADS sessions a server
    local t0 t1 c0 n i k q
    c0=$(srv_cpu)
    t0=$(now)
    for n in src tgt; do
        for ((k = 0; k < threads; k++)); do
            q=""
            for ((i = k + 1; i <= tables; i += threads)); do
                q+="SELECT COUNT(*) FROM sbtest.sbtest$i FORCE INDEX (PRIMARY) WHERE id > 0;"
            done
            [ -z "$q" ] || hm_sql "$n" "$q" >/dev/null &
        done
    done
    wait
    t1=$(now)
    took "$t0" "$t1" "$c0"
}
# BEST "T C" "T C": the pair with the smaller time
best() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); print (a == "" || y[1] < x[1]) ? b : a }'; }
show() { echo "${1% *} s (servers' CPU ${1#* } s)"; }

b_h="" b_p="" b_f=""
for r in $(seq 1 "$repeat"); do
    say "== round $r"
    t=$(run_floor) || exit 1; say "   CHECKSUM TABLE side by side: $(show "$t")"; b_f=$(best "$b_f" "$t")
    t=$(run_hotmig sbtest) || exit 1; say "   hotmig verify: $(show "$t")"; b_h=$(best "$b_h" "$t")
    t=$(run_pt) || exit 1; say "   pt-table-checksum on both: $(show "$t")"; b_p=$(best "$b_p" "$t")
done
scan=$(run_scan) || exit 1
rss_big=$(cat "$WORK/rss-sbtest")
run_hotmig sbsmall >/dev/null || exit 1
rss_small=$(cat "$WORK/rss-sbsmall")

echo "CHECKSUM TABLE (floor)      $(show "$b_f")"
echo "pt-table-checksum           $(show "$b_p")"
echo "hotmig verify               $(show "$b_h")"
echo "reference: COUNT(*) only    $(show "$scan"), $threads sessions a server (every row read, nothing computed)"
b_f=${b_f% *} b_p=${b_p% *} b_h=${b_h% *}
echo "hotmig vs pt-table-checksum $(ratio "$b_p" "$b_h")x faster   (goal >= 3x)"
echo "hotmig / floor              $(ratio "$b_h" "$b_f")x          (goal <= 1.5x)"
echo "hotmig peak RSS             $(awk -v k="$rss_small" 'BEGIN{printf "%.1f", k/1024}') MB at $tables x $small rows," \
    "$(awk -v k="$rss_big" 'BEGIN{printf "%.1f", k/1024}') MB at $tables x $rows rows (goal < 64 MB, flat)"
ok=1
