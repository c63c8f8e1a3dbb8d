#!/usr/bin/env bash
# bench/service.sh: hotmigd, the service, against its goals, in one run:
#
#   list latency   GET /api/v1/tasks with TASKS tasks in the store (created through the API,
#                  then hotmigd restarted so they come from the store): REQUESTS requests on one
#                  keep-alive connection after 20 warm-up ones, each timed from sending to the
#                  last byte of the answer read. p50 and p99.            goal: p99 < 10 ms
#                  (hotmigd sends the list's kept text while nothing changed; the same list
#                  filtered by state, rendered afresh each time, is printed beside it)
#   idle RSS       VmRSS of hotmigd serving, with the TASKS tasks loaded, nothing running, 7 s
#                  after the latency runs (its connection threads have come and gone).
#                                                                         goal: < 16 MB
#   migration      the same sysbench data (TABLES x ROWS, --threads THREADS, --mode full) copied
#                  to the same target by `hotmig migrate` and by a task of hotmigd: migrate is
#                  timed from start to exit; the task from POST /start to the state finished
#                  (polled every 20 ms; the task was checked before, as start requires; hotmigd
#                  prechecks again when the task leaves the queue, as migrate does before it
#                  copies). Interleaved, ROUNDS rounds, each on a clean target, CHECKSUM TABLE
#                  verified after each; best of each. hotmigd / migrate.  goal: <= 1.05
#
# Both servers are the harness's durable, binlogging MariaDB (log_bin, sync_binlog=1,
# innodb_flush_log_at_trx_commit=1). The binaries are the release build (bench/lib.sh).
#
# usage: bench/service.sh [--tasks N] [--requests N] [--tables N] [--rows N] [--threads N]
#                         [--rounds N]
#   defaults: 1000 tasks, 300 requests, 4 tables x 200000 rows, 2 threads, 3 rounds.
#   About 4 min on 2 cores. Servers live under $HM_BENCH_ROOT (default /tmp/hm-svc-bench),
#   removed after a successful run.
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

ntasks=1000 requests=300 tables=4 rows=200000 threads=2 rounds=3
usage() { sed -n '/^# usage:/,/^#   About/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --tasks) ntasks=${2:-}; shift 2 || usage ;;
        --requests) requests=${2:-}; shift 2 || usage ;;
        --tables) tables=${2:-}; shift 2 || usage ;;
        --rows) rows=${2:-}; shift 2 || usage ;;
        --threads) threads=${2:-}; shift 2 || usage ;;
        --rounds) rounds=${2:-}; shift 2 || usage ;;
        -h|--help) usage ;;
        *) echo "unknown option: $1" >&2; usage ;;
    esac
done
for v in "$ntasks" "$requests" "$tables" "$rows" "$threads" "$rounds"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "every option takes a number > 0" >&2; exit 2; }
done

# shellcheck source=lib.sh
source bench/lib.sh
bench_binary
HOTMIGD=$(dirname "$HOTMIG")/hotmigd
[ -x "$HOTMIGD" ] || die "no hotmigd next to $HOTMIG"

export HM_TEST_ROOT=${HM_BENCH_ROOT:-/tmp/hm-svc-bench}
# shellcheck source-path=SCRIPTDIR source=../tests/harness/mariadb.sh
source tests/harness/mariadb.sh
ok=0 dpid=''
cleanup() {
    [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
    hm_srv_stop_all
    if [ "$ok" -eq 1 ]; then rm -rf "$HM_TEST_ROOT"; else say "bench: logs and data: $HM_TEST_ROOT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$HM_TEST_ROOT"
mkdir -p "$HM_TEST_ROOT"
hm_srv_start src source >/dev/null || die "source server did not start"
hm_srv_start tgt target >/dev/null || die "target server did not start"
DATA=$HM_TEST_ROOT/hotmigd-data
LOG=$HM_TEST_ROOT/hotmigd.log
URL=''

daemon_start() {
    "$HOTMIGD" --data-dir "$DATA" --listen 127.0.0.1:0 2>>"$LOG" &
    dpid=$!
    URL=''
    for _ in $(seq 1 100); do
        URL=$(sed -n 's|.*listening on \(http://[0-9.]*:[0-9]*\)/.*|\1|p' "$LOG" | tail -1)
        [ -n "$URL" ] && break
        sleep 0.1
    done
    [ -n "$URL" ] || die "hotmigd did not start (log: $LOG)"
}
daemon_stop() {
    kill "$dpid" && wait "$dpid" || die "hotmigd did not stop cleanly (log: $LOG)"
    dpid=''
    : >"$LOG"
}

rev=$(git rev-parse --short HEAD 2>/dev/null)
echo "# hotmigd service bench, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "# host: $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server: MariaDB $(hm_sql src 'SELECT VERSION()'); hotmig $HOTMIG, git $rev"
echo "# tasks $ntasks, requests $requests; data: sysbench $tables tables x $rows rows, threads $threads," \
    "mode full, $rounds round(s)"

# ---- list latency and idle RSS -------------------------------------------------------------
daemon_start
TOKEN=$(cat "$DATA/token")
say "== creating $ntasks tasks through the API"
python3 - "$URL" "$TOKEN" "$ntasks" "$(hm_uri src)" "$(hm_uri tgt)" <<'PY' || die "creating the tasks failed"
import http.client, json, sys, urllib.parse
url, token, n, src, tgt = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
for i in range(n):
    body = json.dumps({"name": "bench-%05d" % i, "source": src, "target": tgt, "include": ["db%d" % i, "shared.*"],
                       "exclude": ["db%d.tmp_*" % i], "threads": 4})
    c.request("POST", "/api/v1/tasks", body, {"Authorization": "Bearer " + token})
    r = c.getresponse()
    r.read()
    if r.status != 201:
        sys.exit("POST /tasks answered %d" % r.status)
PY
daemon_stop
daemon_start
say "== GET /api/v1/tasks x $requests with $ntasks tasks in the store"
list_latency() { # PATH REQUESTS: "p50 p99 max bytes" of GET PATH
    python3 - "$URL" "$TOKEN" "$2" "$ntasks" "$1" <<'PY'
import http.client, json, sys, time, urllib.parse
url, token, n, want, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
times, size = [], 0
for i in range(20 + n):
    t0 = time.perf_counter()
    c.request("GET", "/api/v1" + path, headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    data = r.read()
    t1 = time.perf_counter()
    if r.status != 200:
        sys.exit("GET %s answered %d" % (path, r.status))
    if i == 0:
        got = len(json.loads(data)["tasks"])
        if got != want:
            sys.exit("GET /tasks holds %d tasks, not %d" % (got, want))
        size = len(data)
    if i >= 20:
        times.append((t1 - t0) * 1000)
times.sort()
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print("%.2f %.2f %.2f %d" % (p(0.50), p(0.99), times[-1], size))
PY
}
lat=$(list_latency /tasks "$requests") || die "the latency run failed: $lat"
read -r p50 p99 pmax size <<<"$lat"
# the same list filtered by state is never served from the kept text: what a poll costs right
# after a task changed (render and dump every task)
say "== GET /api/v1/tasks?state=created x 100 (rendered every time)"
lat=$(list_latency '/tasks?state=created' 100) || die "the uncached latency run failed: $lat"
read -r u50 u99 umax _ <<<"$lat"
sleep 7 # idle: hotmigd gives free heap pages back after 5 s without a signal
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$dpid/status")
[[ $rss_kb =~ ^[0-9]+$ ]] || die "cannot read hotmigd's RSS"
say "   p50 $p50 ms, p99 $p99 ms, max $pmax ms ($size bytes per answer); idle RSS $rss_kb kB"

# ---- the same migration through hotmig migrate and through hotmigd ---------------------------
say "== prepare: sysbench $tables tables x $rows rows"
hm_sql src "CREATE DATABASE sbtest" || die "cannot create sbtest"
sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$(hm_port src)" \
    --mysql-user=root --mysql-password="$HM_TEST_PASSWORD" --mysql-db=sbtest --tables="$tables" \
    --table-size="$rows" --threads="$threads" prepare >"$HM_TEST_ROOT/prepare.log" 2>&1 \
    || die "sysbench prepare failed ($HM_TEST_ROOT/prepare.log)"
declare -A sum
for t in $(seq 1 "$tables"); do sum[$t]=$(hm_sql src "CHECKSUM TABLE sbtest.sbtest$t" | cut -f2); done
clean_target() {
    hm_sql tgt "DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS hotmig_meta" || die "cannot clean the target"
}
verify() {
    local t s
    for t in $(seq 1 "$tables"); do
        s=$(hm_sql tgt "CHECKSUM TABLE sbtest.sbtest$t" | cut -f2)
        [ "$s" = "${sum[$t]}" ] || die "$1 left sbtest.sbtest$t different on the target ($s, source ${sum[$t]})"
    done
}
run_migrate() {
    local t0
    clean_target
    t0=$(now)
    "$HOTMIG" migrate --source "$(hm_uri src)" --target "$(hm_uri tgt)" --mode full --include sbtest \
        --threads "$threads" --progress none >"$HM_TEST_ROOT/migrate.log" 2>&1 \
        || die "hotmig migrate failed ($HM_TEST_ROOT/migrate.log)"
    last=$(elapsed "$t0" "$(now)")
    verify "hotmig migrate"
    say "   hotmig migrate: $last s"
}
run_service() { # ROUND
    clean_target
    last=$(python3 - "$URL" "$TOKEN" "$1" "$(hm_uri src)" "$(hm_uri tgt)" "$threads" <<'PY'
import http.client, json, sys, time, urllib.parse
url, token, rnd, src, tgt, threads = sys.argv[1:7]
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body=None):
    c.request(method, "/api/v1" + path, json.dumps(body) if body is not None else None,
              {"Authorization": "Bearer " + token})
    r = c.getresponse()
    d = r.read()
    if r.status >= 300:
        sys.exit("%s %s answered %d: %s" % (method, path, r.status, d[:300]))
    return json.loads(d) if d else None
t = call("POST", "/tasks", {"name": "copy-round-%s" % rnd, "source": src, "target": tgt, "include": ["sbtest"],
                            "mode": "full", "threads": int(threads)})
tid = t["id"]
call("POST", "/tasks/%d/check" % tid)
while call("GET", "/tasks/%d" % tid)["state"] == "checking":
    time.sleep(0.05)
t0 = time.perf_counter()
call("POST", "/tasks/%d/start" % tid)
while True:
    st = call("GET", "/tasks/%d" % tid)
    if st["state"] in ("finished", "failed", "terminated"):
        break
    time.sleep(0.02)
t1 = time.perf_counter()
if st["state"] != "finished":
    sys.exit("the task ended %s: %s" % (st["state"], st.get("last_error")))
# where the time went, from the task's events (state changes, with their times)
at = {}
for e in call("GET", "/tasks/%d/events" % tid)["events"]:
    to = (e.get("data") or {}).get("to")
    if e.get("kind") == "state" and to and to not in at:
        at[to] = e["at_ms"]
if "queued" in at and "copying" in at and "finished" in at:
    sys.stderr.write("   (queued -> copying %.2f s: the precheck again; copying -> finished %.2f s)\n"
                     % ((at["copying"] - at["queued"]) / 1000.0, (at["finished"] - at["copying"]) / 1000.0))
print("%.2f" % (t1 - t0))
PY
) || die "the task through hotmigd failed: $last"
    verify "the hotmigd task"
    say "   hotmigd task: $last s"
}
best_m='' best_s='' runs_m='' runs_s=''
better() { [ -z "$2" ] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
for r in $(seq 1 "$rounds"); do
    say "== round $r of $rounds"
    if [ $((r % 2)) -eq 1 ]; then order="m s"; else order="s m"; fi
    for c in $order; do
        if [ "$c" = m ]; then
            run_migrate; runs_m="$runs_m $last"; better "$last" "$best_m" && best_m=$last
        else
            run_service "$r"; runs_s="$runs_s $last"; better "$last" "$best_s" && best_s=$last
        fi
    done
done
daemon_stop

# ---- results ----------------------------------------------------------------------------------
met() { awk "BEGIN { print ($1) ? \"met\" : \"NOT MET\" }"; }
echo
echo "GET /tasks ($ntasks tasks, $size bytes): p50 $p50 ms, p99 $p99 ms, max $pmax ms (goal p99 < 10 ms)" \
    "$(met "$p99 < 10")"
echo "  (rendered afresh, as right after a change: p50 $u50 ms, p99 $u99 ms, max $umax ms)"
echo "hotmigd idle RSS with $ntasks tasks = $(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }') MB" \
    "(goal < 16 MB) $(met "$rss_kb < 16384")"
r=$(ratio "$best_s" "$best_m")
echo "migration: hotmig migrate $best_m s (runs:$runs_m), hotmigd task $best_s s (runs:$runs_s);" \
    "hotmigd/migrate = ${r}x (goal <= 1.05) $(met "$r <= 1.05")"
ok=1
