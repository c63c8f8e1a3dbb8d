#!/usr/bin/env bash
# scripts/demo.sh: hotmig's web console, on a database that is being written to.
#
# Starts two local MariaDB servers (their own data directories and free ports under
# /tmp/hotmig-demo; a server you already run is never touched), fills the source with sysbench
# data and a small shop schema, keeps a write load running on it like an application would, and
# starts hotmigd with a console user and one task ready to go (created and prechecked). Then it
# prints the console's URL and how to sign in, and waits: open the URL, press Start on the task,
# watch it copy and follow the source, Finish it. Ctrl-C stops everything it started.
# The command-line demo (hotmig migrate / status / finish) is scripts/demo-cli.sh.
#
# usage: scripts/demo.sh      (DEMO_PORT=8420 DEMO_TABLES=4 DEMO_ROWS=100000 by default)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tables=${DEMO_TABLES:-4} rows=${DEMO_ROWS:-100000} port=${DEMO_PORT:-8420}

if [ -t 1 ]; then b=$'\e[1m' n=$'\e[0m'; else b='' n=''; fi
step() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
die() { echo "demo: $*" >&2; exit 1; }

# 1. what it needs: packages (apt-get, through sudo when not root) and a build of hotmig
scripts/install-deps.sh || die "could not install the packages (scripts/install-deps.sh)"
BUILD=${DEMO_BUILD:-$PWD/build}
if [ ! -x "$BUILD/hotmigd" ] || [ ! -x "$BUILD/hotmig" ]; then
    step "building hotmig and hotmigd"
    [ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release >/dev/null || die "meson setup failed"
    ninja -C "$BUILD" || die "build failed"
else
    ninja -C "$BUILD" >/dev/null || die "build failed (ninja -C $BUILD)"
fi

# 2. two servers: both keep their binlog and full durability (sync_binlog=1, flush at commit)
export HM_TEST_ROOT=/tmp/hotmig-demo
# shellcheck source-path=SCRIPTDIR source=../tests/harness/mariadb.sh
source tests/harness/mariadb.sh
load_pid= hd_pid=
cleanup() {
    [ -n "$hd_pid" ] && kill "$hd_pid" 2>/dev/null && wait "$hd_pid" 2>/dev/null
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
step "filling the source: sbtest ($tables tables x $rows rows, sysbench), shop and ref (a foreign key between them)"
hm_sql src "CREATE DATABASE sbtest" || die "CREATE DATABASE failed"
sysbench oltp_read_write "${sb[@]}" --threads=2 prepare >"$HM_TEST_ROOT/prepare.log" 2>&1 \
    || { tail "$HM_TEST_ROOT/prepare.log"; die "sysbench prepare failed"; }
hm_sql src "CREATE DATABASE ref; CREATE DATABASE shop;
    CREATE TABLE ref.customers (id INT PRIMARY KEY, name VARCHAR(40));
    CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2),
                              FOREIGN KEY (customer_id) REFERENCES ref.customers(id));
    INSERT INTO ref.customers SELECT seq, CONCAT('customer ', seq) FROM ref.seq_1_to_1000;
    INSERT INTO shop.orders SELECT seq, 1 + seq % 1000, seq % 500 FROM shop.seq_1_to_20000;" || die "shop schema failed"

# 3. the application: up to 200 write transactions a second, until the demo ends
step "starting a live write load on the source (sysbench oltp_write_only, 200 tx/s)"
sysbench oltp_write_only "${sb[@]}" --threads=2 --rate=200 --time=0 run >"$HM_TEST_ROOT/load.log" 2>&1 &
load_pid=$!
sleep 2
kill -0 "$load_pid" 2>/dev/null || { tail "$HM_TEST_ROOT/load.log"; die "the load did not start"; }

# 4. hotmigd: a fresh data directory, a console user, one task created and prechecked
data=$HM_TEST_ROOT/hotmigd
rm -rf "$data"
user=demo
pass=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 12)
printf '%s\n' "$pass" | "$BUILD/hotmigd" --data-dir "$data" --add-user "$user" >/dev/null || die "hotmigd --add-user failed"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken: using a free one"
    port=0
fi
step "starting hotmigd (data in $data)"
"$BUILD/hotmigd" --data-dir "$data" --listen "127.0.0.1:$port" >"$HM_TEST_ROOT/hotmigd.log" 2>&1 &
hd_pid=$!
for _ in $(seq 1 100); do
    grep -q 'listening on' "$HM_TEST_ROOT/hotmigd.log" && break
    kill -0 "$hd_pid" 2>/dev/null || { cat "$HM_TEST_ROOT/hotmigd.log"; die "hotmigd did not start"; }
    sleep 0.1
done
port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$HM_TEST_ROOT/hotmigd.log" | grep -oE '[0-9]+$')
[ -n "$port" ] || die "hotmigd did not say where it listens (log: $HM_TEST_ROOT/hotmigd.log)"
url=http://127.0.0.1:$port
api() { curl -sS -H "Authorization: Bearer $(cat "$data/token")" -H 'Content-Type: application/json' "$@"; }
body=$(jq -n --arg s "mysql://root@127.0.0.1:$(hm_port src)" --arg t "mysql://root@127.0.0.1:$(hm_port tgt)" \
    --arg pw "$HM_TEST_PASSWORD" \
    '{name: "demo-move", source: $s, source_password: $pw, target: $t, target_password: $pw,
      include: ["sbtest", "shop", "ref"], threads: 2}')
id=$(api -X POST "$url/api/v1/tasks" -d "$body" | jq -r '.id // empty')
[ -n "$id" ] || die "could not create the demo task through the API"
api -X POST "$url/api/v1/tasks/$id/check" -d '{}' >/dev/null
for _ in $(seq 1 100); do
    state=$(api "$url/api/v1/tasks/$id" | jq -r .state)
    [ "$state" != checking ] && break
    sleep 0.3
done
echo "task demo-move: $state (precheck $(api "$url/api/v1/tasks/$id/check" | jq -r .result))"

cat <<MSG

${b}The console is at  $url/${n}
Sign in with user ${b}$user${n} and password ${b}$pass${n}
(or the API token in $data/token).

Task demo-move is prechecked and ready: open it, press Start, and watch it copy the source while
the load runs, then follow the source's binlog (lag, trx/s, charts). When you want to cut over,
press Finish. Press Ctrl-C here to stop the demo: hotmigd, the load and both servers.
MSG
wait "$hd_pid"
