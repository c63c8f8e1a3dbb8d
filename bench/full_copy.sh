#!/usr/bin/env bash
# bench/full_copy.sh: end-to-end time and peak memory of `hotmig migrate --mode full` against two
# anchors, in one run, on the same sysbench data and the same pair of local MariaDB servers.
#
#   bulk-load limit    the target's own bulk-load path: CREATE TABLE from SHOW CREATE TABLE, then
#                      per table SELECT * INTO OUTFILE on the source + LOAD DATA INFILE on the
#                      target, THREADS tables at a time
#   mydumper+myloader  mydumper -t THREADS -r 50000 --trx-consistency-only, then myloader
#                      -t THREADS -e (-e: the target binlogs the load, as a managed target must)
#   hotmig             hotmig migrate --mode full --threads THREADS (secondary indexes built
#                      after the data for tables of 100k rows or more: --defer-indexes auto)
#
# Both servers keep the harness's settings throughout: log_bin, binlog_format=ROW, sync_binlog=1,
# innodb_flush_log_at_trx_commit=1 (checked at the start and at the end). Before each contender
# the target's copy is dropped and both servers flush their dirty pages (innodb_max_dirty_pages_pct
# 0 and a high innodb_io_capacity until the buffer pool is clean, then the settings are put back),
# so no contender pays for the writes of the one before. After each contender CHECKSUM TABLE and
# SHOW CREATE TABLE of every table must equal the source's. Times are wall clock, from start to
# last commit. Goals: hotmig <= 0.90x the bulk-load limit and <= 0.70x mydumper+myloader.
# Then a table of many narrow rows (--narrow-rows, three secondary keys on random values: where
# building them after the data matters most), one run of each contender and of hotmig
# --defer-indexes never. Then hotmig's peak RSS (GNU time) at two data sizes: goal < 64 MB and
# not growing with size.
#
# usage: bench/full_copy.sh [--tables N] [--rows N] [--threads N] [--write-method auto|load|insert]
#                           [--defer-indexes auto|always|never] [--narrow-rows N (0: none)]
#                           [--repeat N] [--skip-mydumper] [--rss-only]
#   defaults: 8 tables x 250000 rows, 2 threads, write method auto, 3 rounds (the contenders run
#   interleaved, each on a clean target, the order rotating; the best time of each counts);
#   narrow table 4M rows (its keys outgrow the 256 MB buffer pool). About 20 min on 2 cores.
#   HOTMIG=/path/to/hotmig overrides the binary (default build-release/hotmig, else build/hotmig;
#   build-release is set up and built when neither exists). Servers live under $HM_BENCH_ROOT
#   (default /tmp/hm-bench), removed after a successful run.
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

tables=8 rows=250000 threads=2 method=auto defer=auto narrow=4000000 repeat=3 skip_mydumper=0 rss_only=0
usage() { sed -n '/^# usage:/,/^#   About .* min/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --tables) tables=${2:-}; shift 2 || usage ;;
        --rows) rows=${2:-}; shift 2 || usage ;;
        --threads) threads=${2:-}; shift 2 || usage ;;
        --write-method) method=${2:-}; shift 2 || usage ;;
        --defer-indexes) defer=${2:-}; shift 2 || usage ;;
        --narrow-rows) narrow=${2:-}; shift 2 || usage ;;
        --repeat) repeat=${2:-}; shift 2 || usage ;;
        --skip-mydumper) skip_mydumper=1; shift ;;
        --rss-only) rss_only=1; shift ;;
        -h|--help) usage ;;
        *) echo "unknown option: $1" >&2; usage ;;
    esac
done
for v in "$tables" "$rows" "$threads" "$repeat"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "--tables/--rows/--threads/--repeat: a number > 0" >&2; exit 2; }
done
[[ $narrow =~ ^[0-9]+$ ]] || { echo "--narrow-rows: a number" >&2; exit 2; }

# shellcheck source=lib.sh
source bench/lib.sh

# ---- tools and binary -------------------------------------------------------------------------
bench_binary

# ---- servers -----------------------------------------------------------------------------------
export HM_TEST_ROOT=${HM_BENCH_ROOT:-/tmp/hm-bench}
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
SP=$(hm_port src) TP=$(hm_port tgt) PW=$HM_TEST_PASSWORD
WORK=$HM_TEST_ROOT/work
mkdir -p "$WORK" && chmod 777 "$WORK"

durability() { hm_sql "$1" "SELECT CONCAT('log_bin=', @@log_bin, ' binlog_format=', @@binlog_format,
    ' sync_binlog=', @@sync_binlog,
    ' innodb_flush_log_at_trx_commit=', @@innodb_flush_log_at_trx_commit)"; }
want='log_bin=ON binlog_format=ROW sync_binlog=1 innodb_flush_log_at_trx_commit=1'
for s in src tgt; do
    [ "$(durability $s)" = "$want" ] || die "$s is not binlogging and durable: $(durability $s)"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
rev=$(git rev-parse --short HEAD 2>/dev/null)
[ -n "$(git status --porcelain -- src include meson.build 2>/dev/null)" ] && rev="$rev + local changes"
echo "# hotmig full-copy bench, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "# host: $(nproc) cores ($cpu), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server: MariaDB $(hm_sql src 'SELECT VERSION()'), both: $want"
version() { "$1" --version 2>&1 | head -1 | cut -d, -f1; }
echo "# tools: $(version mydumper), $(version myloader), $(version sysbench)"
echo "# hotmig: $("$HOTMIG" --version 2>&1 | head -1), $HOTMIG, git $rev"
echo "# data: sysbench oltp_read_write, $tables tables x $rows rows; threads $threads;" \
    "hotmig --write-method $method --defer-indexes $defer; $repeat round(s); narrow table $narrow rows"

# ---- helpers -----------------------------------------------------------------------------------
prepare() { # DB ROWS: fill the source with sysbench tables
    local t0
    say "== prepare: sysbench $tables tables x $2 rows in $1"
    t0=$(now)
    hm_sql src "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1" || die "cannot create $1 on the source"
    sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$SP" \
        --mysql-user=root --mysql-password="$PW" --mysql-db="$1" --tables="$tables" \
        --table-size="$2" --threads="$threads" prepare >"$WORK/prepare-$1.log" 2>&1 \
        || { tail "$WORK/prepare-$1.log" >&2; die "sysbench prepare failed"; }
    say "   $(elapsed "$t0" "$(now)") s, $(hm_sql src "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH)
        / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1'") MB on disk"
}

prepare_narrow() { # DB ROWS: one table of narrow rows, three secondary keys on random values
    local t0 i step=1000000
    say "== prepare: $2 narrow rows in $1.narrow"
    t0=$(now)
    hm_sql src "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1; CREATE TABLE $1.narrow (
        id INT UNSIGNED NOT NULL PRIMARY KEY, a INT UNSIGNED NOT NULL, b INT UNSIGNED NOT NULL,
        c SMALLINT UNSIGNED NOT NULL, KEY k_a (a), KEY k_b (b), KEY k_ca (c, a)) ENGINE=InnoDB" \
        || die "cannot create $1.narrow on the source"
    for ((i = 0; i < $2; i += step)); do
        hm_sql src "USE $1; INSERT INTO narrow SELECT seq, seq * 2654435761 % 4294967291,
            seq * 40503 % 1000003, seq * 7919 % 65521 FROM seq_$((i + 1))_to_$((i + step < $2 ? i + step : $2))" \
            || die "cannot fill $1.narrow"
    done
    say "   $(elapsed "$t0" "$(now)") s, $(hm_sql src "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH)
        / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1'") MB on disk"
}

declare -A src_sum src_def dbtables
definition() { hm_sql "$1" "SHOW CREATE TABLE $2" | cut -f2-; }
source_checksums() { # DB: remember the source's checksums and definitions (the source is idle from here on)
    local t
    for t in ${dbtables[$1]}; do
        src_sum[$1.$t]=$(hm_sql src "CHECKSUM TABLE $1.$t" | cut -f2)
        [[ ${src_sum[$1.$t]} =~ ^[0-9]+$ ]] || die "no checksum for $1.$t on the source"
        src_def[$1.$t]=$(definition src "$1.$t")
    done
}

verify() { # DB CONTENDER: every table on the target equals the source, data and definition
    local t sum n=0
    for t in ${dbtables[$1]}; do
        sum=$(hm_sql tgt "CHECKSUM TABLE $1.$t" 2>&1 | cut -f2)
        [ "$sum" = "${src_sum[$1.$t]}" ] || die "$2 left $1.$t different on the target:" \
            "CHECKSUM TABLE $sum, source ${src_sum[$1.$t]}"
        [ "$(definition tgt "$1.$t")" = "${src_def[$1.$t]}" ] || die "$2 left $1.$t defined" \
            "differently on the target: $(diff <(echo "${src_def[$1.$t]}") <(definition tgt "$1.$t"))"
        n=$((n + 1))
    done
    say "   target equals source ($n tables, CHECKSUM TABLE and SHOW CREATE TABLE)"
}

settle() { # empty target, both buffer pools clean: each contender starts from the same state
    local s saved dirty
    hm_sql tgt "DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS sbsmall;
        DROP DATABASE IF EXISTS sbnarrow; DROP DATABASE IF EXISTS hotmig_meta" \
        || die "cannot clean the target"
    rm -rf "${WORK:?}"/outfile "$WORK"/dump
    for s in src tgt; do
        # flush every dirty page now (fast: raised io capacity), then put the settings back
        saved=$(hm_sql $s "SELECT CONCAT(
            'SET GLOBAL innodb_max_dirty_pages_pct = ', @@innodb_max_dirty_pages_pct,
            '; SET GLOBAL innodb_io_capacity = ', @@innodb_io_capacity,
            '; SET GLOBAL innodb_io_capacity_max = ', @@innodb_io_capacity_max)")
        hm_sql $s "SET GLOBAL innodb_io_capacity_max = 100000; SET GLOBAL innodb_io_capacity = 50000;
            SET GLOBAL innodb_max_dirty_pages_pct = 0"
        for _ in $(seq 1 600); do
            dirty=$(hm_sql $s "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
                WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
            [ "${dirty:-0}" -lt 50 ] && break
            sleep 0.2
        done
        hm_sql $s "$saved" || die "cannot restore the flush settings of $s"
    done
    sync
}

# CPU seconds (user + system) a server has used so far
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$(cat "$HM_TEST_ROOT/$1/pid")/stat"; }
cpu_start() { cpu_src=$(cpu src) cpu_tgt=$(cpu tgt); }
cpu_say() { # what the servers used since cpu_start; the target's in $last_tcpu
    last_tcpu=$(elapsed "$cpu_tgt" "$(cpu tgt)")
    say "   CPU: source server $(elapsed "$cpu_src" "$(cpu src)") s, target server $last_tcpu s${1:+, $1}"
}

declare -A rss runs best note tcpu
record() { # CONTENDER SECONDS: keep every run and the best
    runs[$1]="${runs[$1]:-}${runs[$1]:+ }$2"
    if [ -z "${best[$1]:-}" ] || awk -v a="$2" -v b="${best[$1]}" 'BEGIN { exit !(a < b) }'; then
        best[$1]=$2
        return 0
    fi
    return 1
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

run_hotmig() { # DB KEY [DEFER]: one hotmig run; seconds in $last, peak RSS (KB) kept as the max in rss[KEY]
    local t0 t1 kb log=$WORK/hotmig-$2.log d=${3:-$defer}
    say "== hotmig migrate --mode full --threads $threads --write-method $method --defer-indexes $d ($1)"
    t0=$(now)
    /usr/bin/time -v -o "$WORK/time-$2" "$HOTMIG" migrate --source "$(hm_uri src)" \
        --target "$(hm_uri tgt)" --mode full --include "$1" --threads "$threads" \
        --write-method "$method" --defer-indexes "$d" --progress lines >"$log" 2>&1 \
        || { tail -20 "$log" >&2; die "hotmig failed (log: $log)"; }
    t1=$(now)
    last=$(elapsed "$t0" "$t1")
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/time-$2")
    hotmig_cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$WORK/time-$2")
    [[ $kb =~ ^[0-9]+$ ]] || die "no peak RSS from /usr/bin/time for hotmig"
    [ "$kb" -gt "${rss[$2]:-0}" ] && rss[$2]=$kb
    say "   $last s, peak RSS $(mb "$kb") MB"
    grep -E 'copy complete|snapshot' "$log" | sed 's/^/   /' >&2
}

run_limit() { # DB
    local t t0 ddl running=0 failed=0
    say "== bulk-load limit: SELECT INTO OUTFILE + LOAD DATA INFILE, $threads tables at a time ($1)"
    mkdir -p "$WORK/outfile" && chmod 777 "$WORK/outfile"
    t0=$(now)
    hm_sql tgt "CREATE DATABASE $1" || die "limit: CREATE DATABASE failed"
    for t in ${dbtables[$1]}; do
        ddl=$(hm_sql src "SHOW CREATE TABLE $1.$t" | cut -f2- | sed 's/\\n/\n/g')
        hm_sql tgt "USE $1; $ddl" || die "limit: CREATE TABLE $t failed"
    done
    for t in ${dbtables[$1]}; do
        if [ "$running" -ge "$threads" ]; then wait -n || failed=1; running=$((running - 1)); fi
        { hm_sql src "SELECT * INTO OUTFILE '$WORK/outfile/$t' FROM $1.$t" &&
            hm_sql tgt "LOAD DATA INFILE '$WORK/outfile/$t' INTO TABLE $1.$t"; } &
        running=$((running + 1))
    done
    while [ "$running" -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
    last=$(elapsed "$t0" "$(now)")
    [ "$failed" -eq 0 ] || die "limit: a SELECT INTO OUTFILE or LOAD DATA INFILE failed"
    say "   $last s"
}

# mydumper 0.10.0 at its best here: -r 50000 splits each table into ~10 MB files, so both threads
# of both tools work on chunks (measured: about 30% faster than whole-table files on this data);
# --trx-consistency-only holds FTWRL only until the threads' snapshots start (hotmig takes no
# lock); statement size (-s, 1 MB) and myloader -q (1000 statements per transaction) are the
# defaults, other -q values measured no better. No compression.
run_mydumper() { # DB ROWS-PER-FILE
    local t0 t1 t2
    say "== mydumper -t $threads -r $2 --trx-consistency-only, then myloader -t $threads -e ($1)"
    t0=$(now)
    mydumper -h 127.0.0.1 -P "$SP" -u root -p "$PW" -B "$1" -t "$threads" -r "$2" \
        --trx-consistency-only -v 1 -o "$WORK/dump" >"$WORK/mydumper.log" 2>&1 \
        || { tail "$WORK/mydumper.log" >&2; die "mydumper failed"; }
    t1=$(now)
    myloader -h 127.0.0.1 -P "$TP" -u root -p "$PW" -t "$threads" -e -v 1 -d "$WORK/dump" \
        >"$WORK/myloader.log" 2>&1 || { tail "$WORK/myloader.log" >&2; die "myloader failed"; }
    t2=$(now)
    last=$(elapsed "$t0" "$t2")
    mydumper_split="dump $(elapsed "$t0" "$t1") s + load $(elapsed "$t1" "$t2") s,"
    mydumper_split+=" $(find "$WORK/dump" -name '*.sql' ! -name '*schema*' | wc -l) data files"
    say "   $last s ($mydumper_split)"
}

# ---- the three contenders, interleaved, --repeat times; the order rotates from round to round ---
contenders=(limit hotmig)
[ "$skip_mydumper" -eq 0 ] && contenders=(limit mydumper hotmig)
if [ "$rss_only" -eq 0 ]; then
    prepare sbtest "$rows"
    dbtables[sbtest]=$(seq -f 'sbtest%g' 1 "$tables")
    source_checksums sbtest
    for rep in $(seq 1 "$repeat"); do
        [ "$repeat" -gt 1 ] && say "== round $rep of $repeat"
        for i in $(seq 0 $((${#contenders[@]} - 1))); do
            c=${contenders[$(( (i + rep - 1) % ${#contenders[@]} ))]}
            settle
            cpu_start
            case $c in
                limit) run_limit sbtest; cpu_say ;;
                mydumper) run_mydumper sbtest 50000; cpu_say ;;
                hotmig) run_hotmig sbtest big; cpu_say "hotmig $hotmig_cpu s" ;;
            esac
            case $c in
                limit) verify sbtest "the bulk-load limit" ;;
                mydumper) verify sbtest "mydumper+myloader" ;;
                hotmig) verify sbtest hotmig ;;
            esac
            if record "$c" "$last" && [ "$c" = mydumper ]; then note[mydumper]=$mydumper_split; fi
            if [ -z "${tcpu[$c]:-}" ] || awk -v a="$last_tcpu" -v b="${tcpu[$c]}" 'BEGIN { exit !(a < b) }'
            then tcpu[$c]=$last_tcpu; fi
        done
    done
fi

# ---- many narrow rows, one table: one run of each, and hotmig with its indexes built as it loads -
declare -A nbest ncpu
if [ "$rss_only" -eq 0 ] && [ "$narrow" -gt 0 ]; then
    hm_sql src "DROP DATABASE IF EXISTS sbtest" # room on the disk
    prepare_narrow sbnarrow "$narrow"
    dbtables[sbnarrow]=narrow
    source_checksums sbnarrow
    for c in limit mydumper hotmig hotmig-never; do
        [ "$c" = mydumper ] && [ "$skip_mydumper" -eq 1 ] && continue
        settle
        cpu_start
        case $c in
            limit) run_limit sbnarrow; cpu_say; verify sbnarrow "the bulk-load limit" ;;
            mydumper) run_mydumper sbnarrow 500000; cpu_say; verify sbnarrow "mydumper+myloader" ;;
            hotmig) run_hotmig sbnarrow narrow; cpu_say "hotmig $hotmig_cpu s"; verify sbnarrow hotmig ;;
            hotmig-never) run_hotmig sbnarrow narrow never; cpu_say "hotmig $hotmig_cpu s"
                verify sbnarrow "hotmig --defer-indexes never" ;;
        esac
        nbest[$c]=$last ncpu[$c]=$last_tcpu
    done
    hm_sql src "DROP DATABASE IF EXISTS sbnarrow"
fi

# ---- peak RSS at two sizes (the big one is from the runs above when there were any) -------------
small=$(( rows / 10 > 0 ? rows / 10 : 1 ))
prepare sbsmall "$small"
dbtables[sbsmall]=$(seq -f 'sbtest%g' 1 "$tables")
source_checksums sbsmall
settle; run_hotmig sbsmall small; verify sbsmall hotmig
if [ "$rss_only" -eq 1 ]; then
    prepare sbtest "$rows"
    dbtables[sbtest]=$(seq -f 'sbtest%g' 1 "$tables")
    source_checksums sbtest
    settle; run_hotmig sbtest big; verify sbtest hotmig
fi
for s in src tgt; do
    [ "$(durability $s)" = "$want" ] || die "$s no longer binlogging and durable: $(durability $s)"
done

# ---- results ------------------------------------------------------------------------------------
echo
met() { awk -v r="$1" "BEGIN { print ($2 ? \"met\" : \"NOT MET\") }"; }
if [ "$rss_only" -eq 0 ]; then
    note[hotmig]="peak RSS $(mb "${rss[big]}") MB"
    printf '%-18s %8s %9s %8s   %s\n' contender "best s" "vs limit" "tgt CPU" "all runs (s)"
    for c in limit mydumper hotmig; do
        [ -n "${best[$c]:-}" ] || continue
        case $c in
            limit) name="bulk-load limit" ;; mydumper) name="mydumper+myloader" ;; *) name=hotmig ;;
        esac
        printf '%-18s %8.2f %8.2fx %8.2f   %-20s %s\n' "$name" "${best[$c]}" \
            "$(ratio "${best[$c]}" "${best[limit]}")" "${tcpu[$c]}" "${runs[$c]}" "${note[$c]:-}" \
            | sed 's/ *$//'
    done
    echo "(tgt CPU: the target server's CPU seconds, least of the rounds: the work the load cost it,"
    echo " steadier than wall time on a shared machine)"
    echo
    r=$(ratio "${best[hotmig]}" "${best[limit]}")
    echo "hotmig/limit    = ${r}x (goal <= 0.90) $(met "$r" 'r <= 0.90')"
    if [ -n "${best[mydumper]:-}" ]; then
        r=$(ratio "${best[hotmig]}" "${best[mydumper]}")
        echo "hotmig/mydumper = ${r}x (goal <= 0.70) $(met "$r" 'r <= 0.70')"
    fi
fi
if [ -n "${nbest[limit]:-}" ]; then
    echo
    echo "narrow rows: 1 table x $narrow rows, 3 secondary keys on random values, one run each"
    printf '%-30s %8s %9s %8s\n' contender "s" "vs limit" "tgt CPU"
    for c in limit mydumper hotmig hotmig-never; do
        [ -n "${nbest[$c]:-}" ] || continue
        case $c in
            limit) name="bulk-load limit" ;; mydumper) name="mydumper+myloader" ;;
            hotmig) name="hotmig (--defer-indexes $defer)" ;; *) name="hotmig --defer-indexes never" ;;
        esac
        printf '%-30s %8.2f %8.2fx %8.2f\n' "$name" "${nbest[$c]}" "$(ratio "${nbest[$c]}" "${nbest[limit]}")" \
            "${ncpu[$c]}"
    done
fi
# "not growing": at most 10% or 2 MB more at 10x the rows
grow=$(ratio "${rss[big]}" "${rss[small]}")
echo "hotmig peak RSS = $(mb "${rss[small]}") MB at $tables x $small rows, $(mb "${rss[big]}") MB" \
    "at $tables x $rows rows (goal < 64 MB, not growing) $(met "$grow" "${rss[big]} < 65536 &&
    ${rss[small]} < 65536 && (r <= 1.10 || ${rss[big]} - ${rss[small]} <= 2048)")"
ok=1
