#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmigd's credentials, through the real daemon process: every route but /healthz and the
# console's files answers 401 without a token or with a wrong one; the console's login
# (POST /api/v1/session) refuses a wrong password (401) and is rate-limited per address (429),
# gives on the right one a cookie (HttpOnly, SameSite=Strict, Path=/) and a CSRF token; a
# change through the cookie without the CSRF token or with a wrong one is 403, with it goes
# through and is recorded as done by user:NAME; logout ends the session. Under TLS the cookie
# is Secure. Bad daemon arguments: one line, exit 2; off loopback without TLS: refused.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=svc_api_lib.sh
source "$(dirname "$0")/svc_api_lib.sh"
mkdir -p "$HM_TEST_ROOT"
rm -rf "$SVC_DIR"

# ---- arguments ----
usage_case() { # WHAT REGEX ARGS...
    local what=$1 re=$2 rc lines
    shift 2
    "$HOTMIGD" "$@" >"$HM_TEST_ROOT/out" 2>"$HM_TEST_ROOT/err"
    rc=$?
    it_eq "$rc" 2 "exit status of hotmigd $what"
    lines=$(wc -l <"$HM_TEST_ROOT/err")
    it_eq "$lines" 1 "stderr lines of hotmigd $what"
    grep -Eq "^hotmigd: .*$re" "$HM_TEST_ROOT/err" || it_fail "hotmigd $what: $(cat "$HM_TEST_ROOT/err")"
    echo "ok: hotmigd $what: $(cat "$HM_TEST_ROOT/err")"
}
usage_case "without --data-dir" "--data-dir" --listen 127.0.0.1:0
usage_case "off loopback without TLS" "not a loopback address.*--tls-cert.*--insecure-http" \
    --data-dir "$SVC_DIR" --listen 0.0.0.0:0
usage_case "with a bad --listen" "--listen" --data-dir "$SVC_DIR" --listen 127.0.0.1
usage_case "with --tls-cert alone" "go together" --data-dir "$SVC_DIR" --tls-cert /nonexistent
usage_case "with an unknown option" "unknown or incomplete option" --data-dir "$SVC_DIR" --bogus
usage_case "with --max-copying 0" "--max-copying" --data-dir "$SVC_DIR" --max-copying 0

# ---- a console user, added before the daemon starts ----
printf 'Wonder-land-42\n' >"$HM_TEST_ROOT/alice.pw"
"$HOTMIGD" --data-dir "$SVC_DIR" --add-user alice --password-file "$HM_TEST_ROOT/alice.pw" \
    2>"$HM_TEST_ROOT/err" || it_fail "--add-user failed: $(cat "$HM_TEST_ROOT/err")"
printf 'Bob-pw-from-stdin\n' | "$HOTMIGD" --data-dir "$SVC_DIR" --add-user bob 2>"$HM_TEST_ROOT/err" \
    || it_fail "--add-user from stdin failed: $(cat "$HM_TEST_ROOT/err")"
[ "$(stat -c %a "$SVC_DIR")" = 700 ] || it_fail "the data directory is not 0700"

svc_start
grep -q "token is in $SVC_DIR/token" "$SVC_LOG" || it_fail "hotmigd does not say where the token is"
grep -qF "$SVC_TOKEN" "$SVC_LOG" && it_fail "hotmigd printed the token"
[ "$(stat -c %a "$SVC_DIR/token")" = 600 ] || it_fail "the token file is not 0600"

# ---- no token, wrong token: 401 on every route of the table but the public ones ----
n=0
while read -r method path; do
    p=${path//\{id\}/1}
    case "$method $path" in "GET /healthz" | "POST /session") continue ;; esac
    api_as -- "$method" "$p"
    expect 401 unauthorized "no credentials: $method $path"
    api_as -H "Authorization: Bearer wrong-$SVC_TOKEN" -- "$method" "$p"
    expect 401 unauthorized "wrong token: $method $path"
    api_as -H "Authorization: Basic $SVC_TOKEN" -- "$method" "$p"
    expect 401 unauthorized "not a Bearer token: $method $path"
    api_as -b "hm_session=0000000000000000000000000000000000000000000000000000000000000000" -- "$method" "$p"
    expect 401 unauthorized "an unknown session cookie: $method $path"
    n=$((n + 1))
done < <("$HOTMIGD" --routes)
[ "$n" -ge 20 ] || it_fail "only $n routes checked"
api_as -- GET /healthz
expect 200 "healthz without credentials"
code=$(curl -s -D "$HM_TEST_ROOT/h" -o "$HM_TEST_ROOT/index" -w '%{http_code}' "$SVC_URL/")
it_eq "$code" 200 "the console's page without credentials"
grep -qi '<html' "$HM_TEST_ROOT/index" || it_fail "GET / is not the console's page"
grep -qi '^Content-Type: text/html' "$HM_TEST_ROOT/h" || it_fail "GET / is not text/html"
grep -qi '^Cache-Control: no-cache' "$HM_TEST_ROOT/h" || it_fail "GET / has no Cache-Control"
grep -qi '^Content-Security-Policy: ' "$HM_TEST_ROOT/h" || it_fail "GET / has no Content-Security-Policy"
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' "$HM_TEST_ROOT/h" | tr -d '\r')
[ -n "$etag" ] || it_fail "GET / has no ETag"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$SVC_URL/index.html")
it_eq "$code" 304 "GET /index.html with its ETag"
curl -s -H 'Accept-Encoding: gzip' -D "$HM_TEST_ROOT/h" -o "$HM_TEST_ROOT/index.gz" "$SVC_URL/"
grep -qi '^Content-Encoding: gzip' "$HM_TEST_ROOT/h" || it_fail "GET / is not gzipped for a client that takes gzip"
gzip -dc "$HM_TEST_ROOT/index.gz" | cmp -s - "$HM_TEST_ROOT/index" || it_fail "the gzipped page differs from the page"
echo "ok: the console's page: 200, ETag/304, gzip"
api GET /tasks
expect 200 "the right token"

# ---- the console's login ----
api_as -- POST /session '{"user": "alice", "password": "wrong"}'
expect 401 login_failed "wrong user name or password" "wrong password"
api_as -- POST /session '{"user": "nobody", "password": "Wonder-land-42"}'
expect 401 login_failed "wrong user name or password" "unknown user"
api_as -- POST /session '{"token": "not-the-token"}'
expect 401 login_failed "wrong API token" "login with a wrong token"
api_as -- POST /session '{"user": "alice"}'
expect 400 bad_field "password" "login without a password"
api_as -- POST /session '{"user": "alice", "password": "x", "admin": true}'
expect 400 unknown_field "admin" "login with an unknown field"

jar=$HM_TEST_ROOT/cookies
hdrs=$HM_TEST_ROOT/headers
api_as -c "$jar" -D "$hdrs" -- POST /session '{"user": "alice", "password": "Wonder-land-42"}'
expect 200 "login as alice"
it_eq "$(jget 'j["user"]')" alice "user of the session"
csrf=$(jget 'j["csrf_token"]')
[ ${#csrf} -ge 32 ] || it_fail "no CSRF token in $API_BODY"
cookie=$(grep -i '^Set-Cookie: hm_session=' "$hdrs" | tr -d '\r')
[ -n "$cookie" ] || it_fail "no session cookie: $(cat "$hdrs")"
for attr in HttpOnly SameSite=Strict Path=/; do
    grep -q "; $attr" <<<"$cookie" || it_fail "the cookie lacks $attr: $cookie"
done
grep -q Secure <<<"$cookie" && it_fail "a plain-HTTP cookie marked Secure: $cookie"
grep -qF "$SVC_TOKEN" <<<"$cookie$API_BODY" && it_fail "the token travels in the session"

api_as -b "$jar" -- GET /session
expect 200 "GET /session with the cookie"
it_eq "$(jget 'j["csrf_token"]')" "$csrf" "the session's CSRF token"
api_as -b "$jar" -- GET /tasks
expect 200 "GET /tasks with the cookie (no CSRF needed to read)"
api_as -b "$jar" -- POST /tasks '{"name": "by-alice", "source": "mysql://u@127.0.0.1:3306", "target": "mysql://u@127.0.0.1:3307"}'
expect 403 csrf "X-CSRF-Token" "a change through the cookie without the CSRF token"
api_as -b "$jar" -H "X-CSRF-Token: ${csrf}00" -- POST /tasks '{"name": "by-alice", "source": "mysql://u@127.0.0.1:3306", "target": "mysql://u@127.0.0.1:3307"}'
expect 403 csrf "wrong" "a change through the cookie with a wrong CSRF token"
api GET /tasks
it_eq "$(jget 'len(j["tasks"])')" 0 "tasks after the refused changes"
api_as -b "$jar" -H "X-CSRF-Token: $csrf" -- POST /tasks '{"name": "by-alice", "source": "mysql://u@127.0.0.1:3306", "target": "mysql://u@127.0.0.1:3307"}'
expect 201 "a change through the cookie with the CSRF token"
id=$(jget 'j["id"]')
api GET "/tasks/$id/events"
expect 200 "the task's events"
jget '[e.get("who") for e in j["events"]]' | grep -q 'user:alice' || it_fail "the events do not say user:alice did it: $API_BODY"
api_as -b "$jar" -- DELETE /session
expect 403 csrf "logout without the CSRF token"
api_as -b "$jar" -H "X-CSRF-Token: $csrf" -- DELETE /session
expect 204 "logout"
api_as -b "$jar" -- GET /session
expect 401 unauthorized "the session after logout"
api_as -b "$jar" -- GET /tasks
expect 401 unauthorized "GET /tasks with the ended session"

# a session opened with the token, and bob's password read from stdin
api_as -- POST /session "{\"token\": \"$SVC_TOKEN\"}"
expect 200 "login with the API token"
api_as -- POST /session '{"user": "bob", "password": "Bob-pw-from-stdin"}'
expect 200 "login as bob (password given on stdin)"

# ---- the failed-login limiter ----
for i in 1 2 3 4 5; do
    api_as -- POST /session '{"user": "alice", "password": "guess'"$i"'"}'
    expect 401 login_failed "failed login $i"
done
api_as -D "$hdrs" -- POST /session '{"user": "alice", "password": "Wonder-land-42"}'
expect 429 too_many_attempts "try again in" "a login after 5 failures, right password included"
wait_s=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$hdrs")
[ -n "$wait_s" ] && [ "$wait_s" -ge 1 ] && [ "$wait_s" -le 5 ] || it_fail "Retry-After is not 1..5 s: $(cat "$hdrs")"
api GET /tasks
expect 200 "the API token still works while logins wait"
sleep $((wait_s + 1))
api_as -- POST /session '{"user": "alice", "password": "Wonder-land-42"}'
expect 200 "the right password once the wait is over"
svc_stop
grep -q "stopped" "$SVC_LOG" || it_fail "hotmigd did not say it stopped"
grep -qE 'Wonder-land-42|Bob-pw-from-stdin' "$SVC_LOG" && it_fail "a password in hotmigd's log"
if grep -rqaF -e 'Wonder-land-42' -e 'Bob-pw-from-stdin' "$SVC_DIR"; then it_fail "a user's password in clear in $SVC_DIR"; fi

# ---- TLS: the cookie is Secure ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$HM_TEST_ROOT/key.pem" -out "$HM_TEST_ROOT/cert.pem" \
    -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1 || it_fail "openssl could not make a certificate"
svc_start --tls-cert "$HM_TEST_ROOT/cert.pem" --tls-key "$HM_TEST_ROOT/key.pem"
case $SVC_URL in https://*) ;; *) it_fail "hotmigd with TLS says $SVC_URL" ;; esac
api_as -k -D "$hdrs" -- POST /session "{\"token\": \"$SVC_TOKEN\"}"
expect 200 "login over HTTPS"
grep -i '^Set-Cookie: hm_session=' "$hdrs" | grep -q '; Secure' || it_fail "the HTTPS cookie is not Secure: $(cat "$hdrs")"
api_as -k -H "Authorization: Bearer $SVC_TOKEN" -- GET /tasks
expect 200 "the API over HTTPS"
code=$(curl -s -o /dev/null -w '%{http_code}' "${SVC_URL/https/http}/api/v1/healthz")
[ "$code" = 200 ] && it_fail "plain HTTP answered on the TLS port"
svc_stop
echo "PASS"
