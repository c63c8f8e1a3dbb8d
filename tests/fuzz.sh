#!/usr/bin/env bash
# tests/fuzz.sh [--minutes N | --seconds N] [TARGET...]: builds the libFuzzer drivers of tests/fuzz
# (clang, ASan + UBSan, in build-fuzz) and runs each target for the given time (default 20 s
# each; tests/run-all.sh runs this default). Seeds come from the binlog fixtures
# (../shared/fixtures, read here, never copied into the repository), the MariaDB binlogs of
# tests/unit/binlog/data, generated values (API bodies among them) and tests/fuzz/regress/<target>/; what libFuzzer finds
# grows build-fuzz/corpus/<target>/ from run to run. Prints one line per target:
#   PASS fuzz_uri: 123456 runs in 20 s (6172 exec/s), cov 812, ft 2201, corpus 95
# and a crash as FAIL with the input's path (build-fuzz/crashes/): fix the bug, then keep the
# input as tests/fuzz/regress/<target>/<name> (it is a seed from then on).
# --seed N: libFuzzer's random seed (tests/run-all.sh gives one, so that a CI run is the same run
# each time and a failure replays; without it each run explores anew, as long runs should).
# Ends with "N passed, N failed"; exit 0 when no target crashed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
secs=20
seed=()
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) secs=$(( $2 * 60 )); shift 2 ;;
        --seconds) secs=$2; shift 2 ;;
        --seed) seed=(-seed="$2"); shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        fuzz_*) targets+=("$1"); shift ;;
        *) echo "usage: tests/fuzz.sh [--minutes N | --seconds N] [--seed N] [fuzz_TARGET...]" >&2; exit 2 ;;
    esac
done
all=(fuzz_binlog_event fuzz_binlog_rows fuzz_binlog_inflate fuzz_binlog_json fuzz_gtid fuzz_ddl fuzz_uri fuzz_api_body)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

command -v clang >/dev/null || scripts/install-deps.sh || { echo "clang missing"; echo "0 passed, 1 failed"; exit 1; }
B=build-fuzz
if [ ! -d "$B" ]; then
    CC=clang meson setup "$B" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debugoptimized >"$B.log" 2>&1 || { tail -20 "$B.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$B" "${targets[@]/#/tests/fuzz/}" >"$B.log" 2>&1; then
    tail -30 "$B.log"; echo "0 passed, 1 failed"; exit 1
fi

seeds=$B/seeds
rm -rf "$seeds"
python3 tests/fuzz/seeds.py "$seeds" ../shared/fixtures tests/unit/binlog/data >/dev/null \
    || { echo "seed generation failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$B/crashes"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
passed=0 failed=0
for t in "${targets[@]}"; do
    corpus=$B/corpus/$t
    mkdir -p "$corpus" "$seeds/$t"
    log=$B/$t.log
    # the first directory receives what libFuzzer finds; the seeds are read only
    "$B/tests/fuzz/$t" "$corpus" "$seeds/$t" -max_total_time="$secs" "${seed[@]}" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$B/crashes/$t-" >"$log" 2>&1
    rc=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' <<<"$done_line" | cut -d' ' -f2)
    corp=$(grep -oE 'corp: [0-9]+' <<<"$done_line" | cut -d' ' -f2)
    runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
    eps=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}')
    if [ $rc -eq 0 ]; then
        echo "PASS $t: ${runs:-?} runs in $secs s (${eps:-?} exec/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
        passed=$((passed + 1))
    else
        crash=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | cut -d' ' -f5)
        echo "FAIL $t (exit $rc): input ${crash:-?}, log $log"
        grep -E "ERROR: |SUMMARY: |runtime error" "$log" | head -5 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
