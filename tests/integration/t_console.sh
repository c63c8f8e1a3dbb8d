#!/usr/bin/env bash
# hm-it-timeout: 600
# tests/integration/t_console.sh: the web console in real headless Chromium (Debian's
# /usr/bin/chromium, driven by playwright-core from web/node_modules) against a real hotmigd and
# two real MariaDB servers: web/tests/console.test.mjs goes through issue 10's "done means"
# (login, wizard with FK parents, precheck FAILED then fixed, start under sysbench load to
# syncing, Finish with CHECKSUM TABLE equal, Verify of the finished task (equal), Terminate/Retry,
# a scheduled task, a refused Failover with the engine's sentence in its dialog, screenshots
# and axe-core at 1280 and 390 px, 200 tasks rendered in < 300 ms). Screenshots are kept in
# $HM_IT_ROOT/t_console/screenshots. Needs `npm ci` in web/ (tests/run-all.sh does it).
source "$(dirname "$0")/lib.sh"

HOTMIGD=${HOTMIGD:-$(dirname "$HOTMIG")/hotmigd}
[ -x "$HOTMIGD" ] || it_fail "no hotmigd binary at $HOTMIGD (build it: ninja -C build-asan)"
[ -x /usr/bin/chromium ] || it_fail "no /usr/bin/chromium (scripts/install-deps.sh installs it)"
[ -d "$IT_REPO/web/node_modules/playwright-core" ] || it_fail "web/node_modules is missing: run npm ci in web/"

it_start
# a second target, so that the Terminate/Retry task runs beside the syncing one (hotmigd runs one
# task per target server at a time)
hm_srv_start tgt2 target || it_fail "second target server did not start"
data=$HM_TEST_ROOT/hotmigd
art=$HM_TEST_ROOT/screenshots
rm -rf "$data" "$art"
user=alice userpw='console-pw-7f3e'
printf '%s\n' "$userpw" | "$HOTMIGD" --data-dir "$data" --add-user "$user" >"$HM_TEST_ROOT/add-user.log" 2>&1 \
    || { cat "$HM_TEST_ROOT/add-user.log"; it_fail "hotmigd --add-user failed"; }

hd_pid=
stop_hotmigd() {
    [ -n "$hd_pid" ] || return 0
    kill -TERM "$hd_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$hd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$hd_pid" 2>/dev/null
    hd_pid=
}
trap 'stop_hotmigd; it_cleanup' EXIT

log=$HM_TEST_ROOT/hotmigd.log
"$HOTMIGD" --data-dir "$data" --listen 127.0.0.1:0 --max-copying 2 >"$log" 2>&1 &
hd_pid=$!
IT_BG_PIDS+=("$hd_pid")
port=
for _ in $(seq 1 100); do
    port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$log" | grep -oE '[0-9]+$')
    [ -n "$port" ] && break
    kill -0 "$hd_pid" 2>/dev/null || { cat "$log"; it_fail "hotmigd exited at start"; }
    sleep 0.1
done
[ -n "$port" ] || { cat "$log"; it_fail "hotmigd never said where it listens"; }
echo "hotmigd on 127.0.0.1:$port (log $log)"

export HM_URL=http://127.0.0.1:$port HM_TOKEN HM_USER=$user HM_PASSWORD=$userpw
HM_TOKEN=$(cat "$data/token")
export HM_DB_PASSWORD=$HM_TEST_PASSWORD HM_SRC_PORT=$(hm_port src) HM_TGT_PORT=$(hm_port tgt) HM_TGT2_PORT=$(hm_port tgt2) HM_ARTIFACTS=$art
(cd "$IT_REPO/web" && node --test --test-reporter=spec tests/)
rc=$?
echo "screenshots: $art"
stop_hotmigd
# memory errors fail this test; leaks at hotmigd's exit are the service tests' to catch: shown here
if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$log"; then
    grep -m5 -A8 -E 'ERROR: AddressSanitizer|runtime error:' "$log"
    it_fail "hotmigd reported a sanitizer error (log $log)"
fi
if grep -q 'ERROR: LeakSanitizer' "$log"; then
    echo "NOTE: hotmigd leaked at exit: $(grep -m1 'SUMMARY: AddressSanitizer' "$log") (log $log)"
fi
[ $rc -eq 0 ] || it_fail "browser tests failed (node --test exit $rc)"
echo "PASS t_console"
