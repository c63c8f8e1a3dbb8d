# tests/harness/mariadb.sh: start and stop real MariaDB servers for tests, benches and the demo.
#
# Sourced by bash scripts. Each server gets its own datadir, socket, pid file and a free TCP port on
# 127.0.0.1 under $HM_TEST_ROOT (default /tmp/hotmig-test.$UID). Servers are stopped by pid, never by
# name, so a developer's own MariaDB is never touched. hm_srv_start may run concurrently (in
# subshells, or in other scripts of the same user): a port being started on is reserved under
# $HM_PORT_DIR (default /tmp/hotmig-ports.$UID) until the server listens, and mariadb-install-db
# keeps its temporary files in the server's own directory.
#
#   hm_srv_start NAME ROLE [extra mariadbd options...]   ROLE: source | target
#       source: log_bin, binlog_format=ROW, binlog_row_image=FULL, server_id=11
#       target: log_bin (a managed target binlogs), server_id=22
#       both durable: sync_binlog=1, innodb_flush_log_at_trx_commit=1
#       sets HM_PORT_<NAME>; account root@127.0.0.1 with password $HM_TEST_PASSWORD
#   hm_srv_stop NAME          stop by pid, wait for exit
#   hm_srv_restart NAME       stop, then start again: same port, data and options
#   hm_srv_stop_all           stop every server this shell started
#   hm_sql NAME SQL...        run SQL (batch mode, no column names) as root over TCP
#   hm_uri NAME               mysql://root:PASS@127.0.0.1:PORT
#   hm_port NAME              the server's port
#   hm_fault_start NAME SERVER    a fault-injecting proxy (faultproxy.py) on a free port in front of
#                             SERVER; hm_fault_uri NAME: mysql://root:PASS@127.0.0.1:PROXYPORT;
#                             hm_fault NAME COMMAND: pass | cut | stall S | trickle BPS S |
#                             chaos SEED S | refuse S (see faultproxy.py); hm_fault_total NAME:
#                             faults injected so far; stopped by hm_fault_stop / hm_srv_stop_all
#   hm_tls_certs DIR          a test PKI made with openssl in DIR: ca.pem (the CA), server.pem /
#                             server-key.pem (names localhost and 127.0.0.1), wrong.pem /
#                             wrong-key.pem (signed by the CA, names only db.example.com),
#                             client.pem / client-key.pem (for REQUIRE X509), other-ca.pem (a CA
#                             that signed nothing here: "untrusted")
#   hm_tls_opts DIR [CERT]    mariadbd options serving DIR/CERT.pem (default server), with
#                             require_secure_transport=ON: every TCP client must use TLS
#                             (the mariadb client of the harness does by default)

HM_TEST_ROOT=${HM_TEST_ROOT:-/tmp/hotmig-test.$(id -u)}
HM_TEST_PASSWORD=${HM_TEST_PASSWORD:-hm-test-pw}
HM_SRV_STARTED=${HM_SRV_STARTED:-}
export HM_TEST_ROOT HM_TEST_PASSWORD

HM_PORT_DIR=${HM_PORT_DIR:-/tmp/hotmig-ports.$(id -u)}

# hm__free_port [OWNER_PID]: prints a port on 127.0.0.1 that nothing listens on and that no live
# process has reserved; with OWNER_PID, reserves it for that process (hm__release_port frees it; a
# reservation whose owner has died is taken over). Choosing and reserving happen under a lock, so
# concurrent callers never get the same port. Runs in a subshell: the lock ends with it.
hm__free_port() (
    local p owner lk
    # its own seed: subshells started together inherit the same generator
    RANDOM=$BASHPID
    mkdir -p "$HM_PORT_DIR" || return 1
    exec {lk}>>"$HM_PORT_DIR/.lock" || return 1
    flock "$lk" || return 1
    # below the kernel's range for outgoing connections' local ports, which could take it at any time
    local low=32768
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
    [ "$low" -gt 11000 ] || low=32768
    for _ in $(seq 1 200); do
        p=$(( 10000 + RANDOM % (low - 10000) ))
        if [ -f "$HM_PORT_DIR/$p" ]; then
            owner=$(cat "$HM_PORT_DIR/$p" 2>/dev/null)
            [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
            rm -f "$HM_PORT_DIR/$p"
        fi
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        [ $# -gt 0 ] && echo "$1" >"$HM_PORT_DIR/$p"
        echo "$p"
        return 0
    done
    return 1
)

hm__release_port() { rm -f "$HM_PORT_DIR/$1"; }

hm__mariadbd() {
    local b
    for b in mariadbd /usr/sbin/mariadbd mysqld /usr/sbin/mysqld; do
        command -v "$b" >/dev/null 2>&1 && { command -v "$b"; return 0; }
    done
    echo "mariadbd not found: apt-get install mariadb-server" >&2
    return 1
}

hm_srv_start() {
    local port rc me=$BASHPID try
    for try in 1 2 3; do
        # reserved for this (sub)shell until the server listens on it
        port=$(hm__free_port "$me") || { echo "no free port" >&2; return 1; }
        hm__srv_start_on "$port" "$@"
        rc=$?
        hm__release_port "$port"
        # another program took the port between the choice and the bind: choose again
        [ $rc -ne 0 ] && grep -q "Address already in use" "$HM_TEST_ROOT/$1/error.log" 2>/dev/null || break
        echo "port $port was taken meanwhile (try $try); choosing another" >&2
    done
    return $rc
}

# hm__srv_start_on PORT NAME ROLE [options...]: hm_srv_start on a port reserved for it
hm__srv_start_on() {
    local port=$1 name=$2 role=$3; shift 3
    local dir="$HM_TEST_ROOT/$name" server_id bin
    bin=$(hm__mariadbd) || return 1
    [ -f "$dir/pid" ] && hm_srv_stop "$name"
    rm -rf "$dir"; mkdir -p "$dir/data" "$dir/tmp"
    case "$role" in
        source) server_id=11 ;;
        target) server_id=22 ;;
        *) echo "hm_srv_start: role must be source or target" >&2; return 1 ;;
    esac
    # its own TMPDIR: concurrent mariadb-install-db runs collide in a shared /tmp
    TMPDIR=$dir/tmp mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
        || { echo "mariadb-install-db failed for $name: see $dir/install.log" >&2; return 1; }
    cat >"$dir/init.sql" <<SQL
CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '$HM_TEST_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED BY '$HM_TEST_PASSWORD';
SQL
    local -a cmd=("$bin" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$dir/sock"
        --pid-file="$dir/pid" --port="$port" --bind-address=127.0.0.1 --user="$(id -un)"
        --init-file="$dir/init.sql" --log-error="$dir/error.log"
        --server-id=$server_id --log-bin="$dir/data/binlog" --binlog-format=ROW
        --binlog-row-image=FULL --sync-binlog=1 --innodb-flush-log-at-trx-commit=1
        --innodb-buffer-pool-size=256M --innodb-log-file-size=256M --max-connections=300
        --local-infile=1 --secure-file-priv="" --skip-name-resolve
        --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci "$@")
    # the command line, for hm_srv_restart
    printf '%q ' "${cmd[@]}" >"$dir/cmdline"
    echo "$port" >"$dir/port"
    hm__srv_launch "$name"
}

# hm__srv_launch NAME: starts the server of NAME with its recorded command line, waits until it
# answers
hm__srv_launch() {
    local name=$1 dir="$HM_TEST_ROOT/$1" port
    port=$(cat "$dir/port")
    eval "$(cat "$dir/cmdline")" '>/dev/null 2>&1 &'
    # its pid at once (mariadbd writes the same later): a stop during the start finds it
    echo $! >"$dir/pid"
    local i
    for i in $(seq 1 600); do
        kill -0 "$(cat "$dir/pid")" 2>/dev/null || break # it exited: it will not answer
        if mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -p"$HM_TEST_PASSWORD" -e 'SELECT 1' >/dev/null 2>&1; then
            printf -v "HM_PORT_${name//-/_}" '%s' "$port"
            export "HM_PORT_${name//-/_}"
            echo "$port" >"$dir/port"
            case " $HM_SRV_STARTED " in *" $name "*) ;; *) HM_SRV_STARTED="$HM_SRV_STARTED $name" ;; esac
            return 0
        fi
        sleep 0.1
    done
    echo "server $name did not start: see $dir/error.log" >&2
    tail -20 "$dir/error.log" >&2
    return 1
}

# hm_srv_restart NAME: stops the server (by pid, cleanly) and starts it again on the same port
# with the same data and options
hm_srv_restart() {
    hm_srv_stop "$1"
    hm__srv_launch "$1"
}

# hm__stop_pidfile FILE TENTHS: TERM to the pid in FILE, KILL after TENTHS/10 s, FILE removed
hm__stop_pidfile() {
    local pid i
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null
    for i in $(seq 1 "$2"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    rm -f "$1"
}

hm_srv_stop() { hm__stop_pidfile "$HM_TEST_ROOT/$1/pid" 300; }

hm_srv_stop_all() {
    local n
    for n in $HM_FAULT_STARTED; do hm_fault_stop "$n" >/dev/null; done
    HM_FAULT_STARTED=
    for n in $HM_SRV_STARTED; do hm_srv_stop "$n"; done
    HM_SRV_STARTED=
}

hm_port() { cat "$HM_TEST_ROOT/$1/port"; }

hm_sql() {
    local name=$1; shift
    mariadb --no-defaults -h127.0.0.1 -P"$(hm_port "$name")" -uroot -p"$HM_TEST_PASSWORD" \
        --default-character-set=utf8mb4 --batch --skip-column-names -e "$*"
}

hm_uri() { echo "mysql://root:$HM_TEST_PASSWORD@127.0.0.1:$(hm_port "$1")"; }

hm_tls_certs() {
    local d=$1 n
    mkdir -p "$d" || return 1
    (
        cd "$d" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hotmig test CA" \
            -keyout ca-key.pem -out ca.pem 2>/dev/null || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hotmig other CA" \
            -keyout other-ca-key.pem -out other-ca.pem 2>/dev/null || exit 1
        for n in server:"DNS:localhost,IP:127.0.0.1" wrong:"DNS:db.example.com" client:"DNS:hotmig-client"; do
            local name=${n%%:*} san=${n#*:}
            openssl req -newkey rsa:2048 -nodes -subj "/CN=${san#DNS:}" -keyout "$name-key.pem" \
                -out "$name.csr" 2>/dev/null || exit 1
            printf 'subjectAltName=%s\n' "$san" >"$name.ext"
            openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
                -extfile "$name.ext" -out "$name.pem" 2>/dev/null || exit 1
        done
    )
}

hm_tls_opts() {
    local d=$1 c=${2:-server}
    echo "--ssl-ca=$d/ca.pem --ssl-cert=$d/$c.pem --ssl-key=$d/$c-key.pem --require-secure-transport=ON"
}

HM_FAULT_STARTED=${HM_FAULT_STARTED:-}
hm_fault_start() {
    local name=$1 server=$2 dir="$HM_TEST_ROOT/fault-$1" port i
    mkdir -p "$dir"
    port=$(hm__free_port "$BASHPID") || return 1
    echo pass >"$dir/control"
    : >"$dir/log"
    python3 "$(dirname "${BASH_SOURCE[0]}")/faultproxy.py" --listen "$port" --to "$(hm_port "$server")" \
        --control "$dir/control" --log "$dir/log" >"$dir/out" 2>&1 &
    echo $! >"$dir/pid"
    echo "$port" >"$dir/port"
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    hm__release_port "$port"
    HM_FAULT_STARTED="$HM_FAULT_STARTED $name"
}
hm_fault_uri() { echo "mysql://root:$HM_TEST_PASSWORD@127.0.0.1:$(cat "$HM_TEST_ROOT/fault-$1/port")"; }
hm_fault() {
    local dir="$HM_TEST_ROOT/fault-$1"
    shift
    # a new file each time, with a serial, so that the same command twice is seen twice
    echo "$* # $RANDOM$RANDOM" >"$dir/control.new" && mv "$dir/control.new" "$dir/control"
}
hm_fault_total() {
    local log="$HM_TEST_ROOT/fault-$1/log"
    printf 'cut %s (%s connections) stall %s trickle %s\n' "$(grep -c ' cut ' "$log")" \
        "$(awk '$2 == "cut" { n += $3 } END { print n + 0 }' "$log")" "$(grep -c ' stall ' "$log")" \
        "$(grep -c ' trickle ' "$log")"
}
hm_fault_stop() {
    [ -f "$HM_TEST_ROOT/fault-$1/pid" ] || return 0
    hm__stop_pidfile "$HM_TEST_ROOT/fault-$1/pid" 30
    tail -1 "$HM_TEST_ROOT/fault-$1/log"
}
