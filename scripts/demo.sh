#!/usr/bin/env bash
# scripts/demo.sh: hotmig copying a database that is being written to.
#
# Starts two local MariaDB servers (their own data directories and free ports under
# /tmp/hotmig-demo; a server you already run is never touched), fills the source with sysbench
# data, keeps a write load running on it like an application would, and copies it to the target
# with `hotmig migrate --mode full`. Everything it started is stopped on exit.
#
# usage: scripts/demo.sh            (DEMO_TABLES=4 DEMO_ROWS=100000 by default)
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
load_pid=
cleanup() {
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

# 4. the copy
SRC=$(hm_uri src) TGT=$(hm_uri tgt)
step "copying, while the load runs"
mask() { echo "${1/:$HM_TEST_PASSWORD@/:***@}"; }
echo "\$ hotmig migrate --source $(mask "$SRC") --target $(mask "$TGT") --mode full"
t0=$EPOCHREALTIME
"$HOTMIG" migrate --source "$SRC" --target "$TGT" --mode full || die "hotmig failed (exit $?)"
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
after=$(gtid)
kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null; load_pid=

step "what happened"
snap=$(hm_sql tgt "SELECT gtid_set FROM hotmig_meta.copy_run WHERE id = 1")
echo "While hotmig copied ($secs s), the application committed" \
    "$(( ${after##*-} - ${before##*-} )) write transactions on the source."
printf '\n%-16s %12s %12s\n' table "source rows" "target rows"
for t in $(seq 1 "$tables"); do
    q="SELECT COUNT(*) FROM sbtest.sbtest$t"
    printf '%-16s %12s %12s\n' "sbtest.sbtest$t" "$(hm_sql src "$q")" "$(hm_sql tgt "$q")"
done
later=$(( ${after##*-} - ${snap##*-} ))
cat <<EOF

The target equals the source as it was at one instant: the snapshot, GTID $snap, taken
without locking the application out; every table was copied from that same snapshot. The
$later transactions the source committed after it (it is at GTID $after now) are in its binlog:
applying them is incremental sync, the next step of a migration (not in this version).
EOF
