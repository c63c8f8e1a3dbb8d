#!/usr/bin/env bash
# scripts/demo-cli.sh: hotmig migrating a database that is being written to, from the command line.
#
# Starts two local MariaDB servers (their own data directories and free ports under
# /tmp/hotmig-demo; a server you already run is never touched), fills the source with sysbench
# data, keeps a write load running on it like an application would, and copies it to the target
# with `hotmig migrate` (copy, then incremental sync), shows `hotmig status`, stops the load and
# cuts over with `hotmig finish`. Everything it started is stopped on exit.
#
# usage: scripts/demo-cli.sh          (DEMO_TABLES=4 DEMO_ROWS=100000 by default)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tables=${DEMO_TABLES:-4} rows=${DEMO_ROWS:-100000}

if [ -t 1 ]; then b=$'\e[1m' n=$'\e[0m'; else b='' n=''; fi
step() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
die() { echo "demo: $*" >&2; exit 1; }

# 1. what it needs: packages (apt-get, through sudo when not root) and a build of hotmig
scripts/install-deps.sh || die "could not install the packages (scripts/install-deps.sh)"
HOTMIG=${HOTMIG:-$PWD/build/hotmig}
if [ ! -x "$HOTMIG" ]; then
    step "building hotmig"
    [ -d build ] || meson setup build -Dbuildtype=release >/dev/null || die "meson setup failed"
    ninja -C build || die "build failed"
fi

# 2. two servers: both keep their binlog and full durability (sync_binlog=1, flush at commit)
export HM_TEST_ROOT=/tmp/hotmig-demo
# shellcheck source-path=SCRIPTDIR source=../tests/harness/mariadb.sh
source tests/harness/mariadb.sh
load_pid= mig_pid=
cleanup() {
    [ -n "$mig_pid" ] && kill "$mig_pid" 2>/dev/null && wait "$mig_pid" 2>/dev/null
    [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
    hm_srv_stop_all
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step "starting a source and a target MariaDB in $HM_TEST_ROOT"
hm_srv_start src source || die "the source did not start"
hm_srv_start tgt target || die "the target did not start"
echo "source 127.0.0.1:$(hm_port src), target 127.0.0.1:$(hm_port tgt) ($(hm_sql src 'SELECT VERSION()'))"

sb=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$(hm_port src)" --mysql-user=root
    --mysql-password="$HM_TEST_PASSWORD" --mysql-db=sbtest --tables="$tables" --table-size="$rows")

step "filling the source: database sbtest, $tables tables x $rows rows (sysbench)"
hm_sql src "CREATE DATABASE sbtest" || die "CREATE DATABASE failed"
sysbench oltp_read_write "${sb[@]}" --threads=2 prepare >"$HM_TEST_ROOT/prepare.log" 2>&1 \
    || { tail "$HM_TEST_ROOT/prepare.log"; die "sysbench prepare failed"; }

# 3. the application: up to 200 write transactions a second, until we stop it
step "starting a live write load on the source (sysbench oltp_write_only, 200 tx/s)"
sysbench oltp_write_only "${sb[@]}" --threads=2 --rate=200 --time=0 run \
    >"$HM_TEST_ROOT/load.log" 2>&1 &
load_pid=$!
sleep 2
kill -0 "$load_pid" 2>/dev/null || { tail "$HM_TEST_ROOT/load.log"; die "the load did not start"; }
gtid() { hm_sql src "SELECT @@gtid_binlog_pos"; }   # the source's last transaction: 0-11-SEQ
before=$(gtid)

# 4. the migration: copy, then follow the source's binlog while the load goes on
SRC=$(hm_uri src) TGT=$(hm_uri tgt) STATE=$HM_TEST_ROOT/state
rm -rf "$STATE"
step "migrating (copy, then incremental sync), while the load runs"
mask() { echo "${1/:$HM_TEST_PASSWORD@/:***@}"; }
echo "\$ hotmig migrate --source $(mask "$SRC") --target $(mask "$TGT") --state-dir $STATE &"
t0=$EPOCHREALTIME
"$HOTMIG" migrate --source "$SRC" --target "$TGT" --state-dir "$STATE" --progress lines &
mig_pid=$!
for _ in $(seq 1 600); do
    grep -q '"state": "syncing"' "$STATE/status.json" 2>/dev/null && break
    kill -0 "$mig_pid" 2>/dev/null || die "hotmig migrate ended early"
    sleep 0.2
done
sleep "${DEMO_SYNC_SECONDS:-8}"
step "hotmig status (the target follows the source; lag in seconds and binlog bytes)"
"$HOTMIG" status --state-dir "$STATE"

# 5. cut-over: the application stops writing, then finish
step "cut-over: the application stops writing; hotmig finish"
kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null; load_pid=
after=$(gtid)
"$HOTMIG" finish --state-dir "$STATE" || die "hotmig finish failed"
wait "$mig_pid" || die "hotmig migrate exited $?"
mig_pid=
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

step "what happened"
echo "While hotmig ran ($secs s), the application committed" \
    "$(( ${after##*-} - ${before##*-} )) write transactions on the source; all are on the target."
printf '\n%-16s %12s %12s %14s %14s\n' table "source rows" "target rows" "source chksum" "target chksum"
for t in $(seq 1 "$tables"); do
    q="SELECT COUNT(*) FROM sbtest.sbtest$t" c="CHECKSUM TABLE sbtest.sbtest$t"
    printf '%-16s %12s %12s %14s %14s\n' "sbtest.sbtest$t" "$(hm_sql src "$q")" "$(hm_sql tgt "$q")" \
        "$(hm_sql src "$c" | cut -f2)" "$(hm_sql tgt "$c" | cut -f2)"
done
cat <<EOF

The copy came from one consistent snapshot taken without locking the application out; then
the target applied every transaction the source committed after it, exactly once, up to the
source's position at the cut-over (GTID $after). Point the application at the target now.
EOF
