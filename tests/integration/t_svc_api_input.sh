#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Bad input to hotmigd's API, through the real daemon process and real MariaDB servers: each
# case is answered with its status (400 / 404 / 405 / 409 / 413) and an error whose message
# names the field; a fuzz loop of random and hostile bodies and raw bytes gets only 4xx answers,
# each a JSON error; the daemon is still serving after all of it and stops cleanly (exit 0:
# no sanitizer report). No password appears in any answer, event, log line or store file.
# The CLI client (hotmig task) answers the same errors with one line and exit 1, usage with 2.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=svc_api_lib.sh
source "$(dirname "$0")/svc_api_lib.sh"
it_start
SECRET_SRC='Src-Secret-7q2Zk'
SECRET_TGT='Tgt-Secret-9w4Xm'
hm_sql src "CREATE USER 'mig'@'127.0.0.1' IDENTIFIED BY '$SECRET_SRC'; GRANT ALL ON *.* TO 'mig'@'127.0.0.1';
CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT); INSERT INTO app.t VALUES (1, 1)" || it_fail setup
hm_sql tgt "CREATE USER 'mig'@'127.0.0.1' IDENTIFIED BY '$SECRET_TGT'; GRANT ALL ON *.* TO 'mig'@'127.0.0.1'" || it_fail setup
SP=$(hm_port src) TP=$(hm_port tgt)
rm -rf "$SVC_DIR"
svc_start

good="{\"name\": \"t1\", \"source\": \"mysql://mig:$SECRET_SRC@127.0.0.1:$SP\", \"target\": \"mysql://mig@127.0.0.1:$TP\", \"target_password\": \"$SECRET_TGT\", \"include\": [\"app\"]}"
api POST /tasks "$good"
expect 201 "a good task"
id=$(jget 'j["id"]')
it_eq "$(jget 'j["state"]')" created "state of the new task"
it_eq "$(jget 'j["source"]["password_set"]')" true "source password_set"
it_eq "$(jget 'j["target"]["password_set"]')" true "target password_set"

# ---- 400, each naming the field ----
api POST /tasks '{"name": "x", "source": '
expect 400 bad_json "not valid JSON" "truncated JSON"
api POST /tasks '["name", "x"]'
expect 400 bad_json "JSON object" "an array body"
api POST /tasks '{"name": "x", "name": "y", "source": "mysql://u@h:1", "target": "mysql://u@h:2"}'
expect 400 bad_json "duplicate" "a duplicated key"
api POST /tasks "$(printf '{"name": "x\\u0000y"}')"
expect 400 bad_json "NUL" "a NUL in a string"
api POST /tasks '{"source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2"}'
expect 400 missing_field '"name"' "no name"
api POST /tasks '{"name": 5, "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2"}'
expect 400 bad_type '"name"' "a name of the wrong type"
api POST /tasks '{"name": "x", "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2", "colour": "red"}'
expect 400 unknown_field '"colour"' "an unknown field"
api POST /tasks '{"name": "x", "source": "http://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2"}'
expect 400 bad_uri '"source"' "a bad URI"
api POST /tasks '{"name": "x", "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2", "include": ["a.b.c"]}'
expect 400 bad_pattern 'include' "a bad pattern"
api POST /tasks '{"name": "x", "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2", "start_at": "tomorrow"}'
expect 400 bad_time '"start_at"' "a bad time"
api POST /tasks '{"name": "x", "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2", "threads": "four"}'
expect 400 bad_type '"threads"' "threads of the wrong type"
api POST /tasks '{"name": "x", "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2", "mode": "fast"}'
expect 400 bad_field '"mode"' "a bad mode"
api POST /tasks '{"name": "../etc", "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2"}'
expect 400 bad_field '"name"' "a bad name"
api GET "/tasks/$id/events?since=abc"
expect 400 bad_field "since" "since not a number"
api GET "/tasks?state=dancing"
expect 400 bad_field "state" "an unknown state filter"
api POST "/tasks/$id/start" '{"at": "soon"}'
expect 400 bad_time '"at"' "start at a bad time"
api POST "/tasks/$id/finish" '{"lock_source": "yes"}'
expect 400 bad_type '"lock_source"' "lock_source of the wrong type"
api POST "/tasks/$id/start" '{"when": 1}'
expect 400 unknown_field '"when"' "an unknown field of start"
api PATCH "/tasks/$id" '{"threads": -3}'
expect 400 "" "threads" "negative threads in a PATCH"
api PATCH "/tasks/$id" '{"apply_threads": 65}'
expect 400 "" "apply_threads" "apply_threads above 64"
api PATCH "/tasks/$id" '{"apply_threads": 3}'
expect 200 "apply_threads 3"
it_eq "$(jget 'j["apply_threads"]')" 3 "apply_threads as PATCHed"
# the CLI client's side: hotmig task create --apply-threads, and its refusal elsewhere
out=$("$HOTMIG" task create --name cli-apply --source "mysql://mig@127.0.0.1:$SP" --target "mysql://mig@127.0.0.1:$TP" \
    --apply-threads 2 --json --server "$SVC_URL" --token-file "$SVC_DIR/token" 2>&1) || it_fail "hotmig task create --apply-threads 2: $out"
API_BODY=$out
it_eq "$(jget 'j["apply_threads"]')" 2 "hotmig task create --apply-threads 2: the task's apply_threads"
"$HOTMIG" task delete cli-apply --server "$SVC_URL" --token-file "$SVC_DIR/token" >/dev/null || it_fail "delete cli-apply"
out=$("$HOTMIG" task start "$id" --apply-threads 2 --server "$SVC_URL" --token-file "$SVC_DIR/token" 2>&1)
it_eq "$?" 2 "--apply-threads on task start: a usage error"
api PATCH "/tasks/$id"
expect 400 bad_field "PATCH" "PATCH without a body"
api POST /connections/test '{"uri": 17}'
expect 400 bad_type '"uri"' "connections/test with a bad uri"
api POST /catalog '{"uri": "mysql://mig@127.0.0.1:1", "pasword": "x"}'
expect 400 unknown_field '"pasword"' "catalog with an unknown field"

# ---- 404 ----
api GET /tasks/987654
expect 404 not_found "987654" "an unknown task id"
api GET /tasks/abc
expect 404 not_found "task" "a task id that is not a number"
api GET /tasks/99999999999999999999999
expect 404 not_found "task" "a task id out of range"
api DELETE /tasks/987654
expect 404 not_found "987654" "deleting an unknown task"
api POST /tasks/987654/start
expect 404 not_found "987654" "starting an unknown task"
api GET /nothing/here
expect 404 no_route "/api/v1/nothing/here" "an unknown route"
api GET "/tasks/$id/frobnicate"
expect 404 no_route "frobnicate" "an unknown action"
code=$(curl -s -o "$HM_TEST_ROOT/page" -w '%{http_code}' "$SVC_URL/no/such/page.html")
it_eq "$code" 404 "an unknown console page"

# ---- 405 ----
api PUT /tasks '{}'
expect 405 method_not_allowed "GET, POST" "PUT /tasks"
api DELETE /tasks
expect 405 method_not_allowed "allowed" "DELETE /tasks"
api POST "/tasks/$id/events" '{}'
expect 405 method_not_allowed "GET" "POST events"
api GET "/tasks/$id/start"
expect 405 method_not_allowed "POST" "GET start"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$SVC_URL/index.html")
it_eq "$code" 405 "POST to a console page"

# ---- 409, naming the state or the items ----
api POST /tasks "$good"
expect 409 name_taken "t1" "a name already taken"
api POST "/tasks/$id/start"
expect 409 bad_state "created" "start before any precheck"
api POST "/tasks/$id/finish"
expect 409 bad_state "created" "finish a created task"
api POST "/tasks/$id/clean-target" '{"confirm": "t1"}'
expect 409 bad_state "created" "clean-target on a created task"
api POST "/tasks/$id/retry"
expect 409 bad_state "created" "retry a created task"
api POST "/tasks/$id/terminate"
expect 409 bad_state "created" "terminate a created task"

# ---- 413 ----
big=$HM_TEST_ROOT/big.json
python3 -c 'import sys; sys.stdout.write("{\"name\": \"" + "x" * (1024 * 1024) + "\"}")' >"$big"
API_STATUS=$(curl -s -o "$HM_TEST_ROOT/api.out" -w '%{http_code}' -H "Authorization: Bearer $SVC_TOKEN" \
    --data-binary @"$big" "$SVC_URL/api/v1/tasks")
API_BODY=$(cat "$HM_TEST_ROOT/api.out")
expect 413 body_too_large "1 MiB" "a body over 1 MiB"
API_STATUS=$(curl -s -o "$HM_TEST_ROOT/api.out" -w '%{http_code}' -H "Authorization: Bearer $SVC_TOKEN" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$big" "$SVC_URL/api/v1/tasks")
API_BODY=$(cat "$HM_TEST_ROOT/api.out")
expect 413 body_too_large "1 MiB" "a chunked body over 1 MiB"
head -c 1000000 /dev/zero | tr '\0' ' ' >"$HM_TEST_ROOT/spaces"
printf '{"name": "t-spaces", "source": "mysql://u@127.0.0.1:1", "target": "mysql://u@127.0.0.1:2"}' >>"$HM_TEST_ROOT/spaces"
API_STATUS=$(curl -s -o "$HM_TEST_ROOT/api.out" -w '%{http_code}' -H "Authorization: Bearer $SVC_TOKEN" \
    --data-binary @"$HM_TEST_ROOT/spaces" "$SVC_URL/api/v1/tasks")
API_BODY=$(cat "$HM_TEST_ROOT/api.out")
expect 201 "a body just under 1 MiB"

# ---- fuzz: random and hostile bodies on every route that takes one, raw bytes on the socket ----
python3 - "$SVC_URL" "$SVC_TOKEN" "$id" <<'PY' || it_fail "the fuzz loop found a bad answer"
import http.client, json, random, socket, sys, urllib.parse
url, token, tid = sys.argv[1], sys.argv[2], sys.argv[3]
u = urllib.parse.urlparse(url)
rnd = random.Random(9)
routes = [("POST", "/tasks"), ("PATCH", "/tasks/%s" % tid), ("POST", "/tasks/%s/clone" % tid),
          ("POST", "/tasks/%s/start" % tid), ("POST", "/tasks/%s/finish" % tid),
          ("POST", "/tasks/%s/clean-target" % tid), ("POST", "/tasks/%s/terminate" % tid),
          ("POST", "/session"), ("POST", "/connections/test"), ("POST", "/catalog"),
          ("GET", "/tasks?state=%ff%00"), ("GET", "/tasks/%s/samples?since=-1" % tid)]
atoms = ['"name"', '"source"', '"target"', '"include"', '"threads"', '"start_at"', '"mode"', '"uri"',
         '"password"', '"confirm"', '"lock_source"', '"at"', 'null', 'true', '1e999', '-0', '"\\ud800"',
         '"mysql://a@b:99999"', '"mysql://@:"', '"*.*.*"', '[]', '{}', '"' + 'A' * 5000 + '"', '9' * 40]
def body():
    k = rnd.randrange(6)
    if k == 0:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
    if k == 1:
        return b"[" * rnd.randrange(1, 200000)
    if k == 2:
        return ('{' + ', '.join('%s: %s' % (rnd.choice(atoms[:12]), rnd.choice(atoms)) for _ in range(rnd.randrange(1, 8))) + '}').encode()
    if k == 3:
        d = {"name": "f%d" % rnd.randrange(10**6), "source": rnd.choice(atoms), "target": rnd.choice(atoms)}
        return json.dumps(d).encode()
    if k == 4:
        return b'{"name": "\xff\xfe", "source": "mysql://u@h:1"}'
    return ('{"a": ' * 3000 + '1' + '}' * 3000).encode()
bad = 0
for i in range(400):
    method, path = rnd.choice(routes)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    b = body()
    c.request(method, "/api/v1" + path, body=b, headers={"Authorization": "Bearer " + token,
                                                          "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    ok = r.status in (200, 201, 202, 400, 401, 404, 409, 413, 429)
    try:
        j = json.loads(data)
        if r.status >= 400:
            ok = ok and isinstance(j["error"]["code"], str) and isinstance(j["error"]["message"], str)
    except Exception:
        ok = False
    if not ok:
        bad += 1
        print("BAD %s %s -> %d %r (body %r)" % (method, path, r.status, data[:200], b[:80]))
# raw garbage on the socket, and a request that never ends its headers
for junk in [b"\x00\x01\x02garbage\r\n\r\n", b"GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + b"X-A: " + b"a" * 100000 + b"\r\n\r\n",
             b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
             b"GET /%%%%%zz HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /api/v1/tasks HTTP/9.9\r\n\r\n"]:
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    try:
        s.sendall(junk)
        s.recv(4096)
    except OSError:
        pass
    s.close()
half = socket.create_connection((u.hostname, u.port), timeout=10)
half.sendall(b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"na")
# while that one hangs, the daemon keeps answering others
c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
c.request("GET", "/api/v1/healthz")
r = c.getresponse()
r.read()
if r.status != 200:
    bad += 1
    print("healthz during a half-sent request:", r.status)
half.close()
print("fuzz: 400 requests and 5 raw ones, %d bad answers" % bad)
sys.exit(1 if bad else 0)
PY
api GET /healthz
expect 200 "the daemon still serves after the fuzz loop"
api GET /tasks
expect 200 "GET /tasks after the fuzz loop"
python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert {"t1","t-spaces"} <= {t["name"] for t in j["tasks"]}' "$API_BODY" \
    || it_fail "the tasks created before the fuzz loop are not all there: $API_BODY"

# ---- servers: connection test, catalog; a password given beside the URI ----
api POST /connections/test "{\"uri\": \"mysql://mig@127.0.0.1:$SP\", \"password\": \"$SECRET_SRC\"}"
expect 200 "connection test"
it_eq "$(jget 'j["ok"]')" true "connection test ok: $API_BODY"
jget 'j["version"]' | grep -q MariaDB || it_fail "no server version in $API_BODY"
api POST /connections/test "{\"uri\": \"mysql://mig@127.0.0.1:$SP\", \"password\": \"wrong-$SECRET_SRC\"}"
expect 200 "connection test with a wrong password"
it_eq "$(jget 'j["ok"]')" false "connection test with a wrong password"
[ -n "$(jget 'j["message"]')" ] || it_fail "no reason in $API_BODY"
# TLS settings in the URI are used (the test servers offer no TLS: required is refused) and kept
api POST /connections/test "{\"uri\": \"mysql://mig@127.0.0.1:$SP?tls=required\", \"password\": \"$SECRET_SRC\"}"
expect 200 "connection test with tls=required"
it_eq "$(jget 'j["ok"]')" false "connection test with tls=required against a server without TLS: $API_BODY"
jget 'j["message"]' | grep -Eqi 'tls|ssl' || it_fail "the refusal does not name TLS: $API_BODY"
api POST /tasks "{\"name\": \"t-tls\", \"source\": \"mysql://mig:$SECRET_SRC@127.0.0.1:$SP?tls=required\", \"target\": \"mysql://mig@127.0.0.1:$TP?tls=disabled\"}"
expect 201 "a task with TLS settings"
it_eq "$(jget 'j["source"]["tls"]')" required "the source's TLS mode kept: $API_BODY"
it_eq "$(jget 'j["target"]["tls"]')" disabled "the target's TLS mode kept: $API_BODY"
api POST "/tasks/$(jget 'j["id"]')/check"
expect 202 "check of the TLS task"
tls_id=$(jget 'j["id"]')
for _ in $(seq 1 300); do
    api GET "/tasks/$tls_id/check"
    [ "$API_STATUS" = 200 ] && break
    sleep 0.2
done
jget '[i["message"] for i in j["items"] if i["id"] == "source.connect" and i["result"] == "FAILED"][0]' | grep -Eqi 'tls|ssl' \
    || it_fail "the precheck did not refuse the source for TLS: $API_BODY"
api DELETE "/tasks/$tls_id"
expect 204 "delete the TLS task"
# the same server as source and target (the same URI): the precheck's first item
# fails, no target item is judged (so no DROP is offered on what is the source), start refused
api POST /tasks "{\"name\": \"t-same\", \"source\": \"mysql://mig:$SECRET_SRC@127.0.0.1:$SP\", \"target\": \"mysql://mig:$SECRET_SRC@127.0.0.1:$SP\", \"include\": [\"app\"]}"
expect 201 "a task whose target is its source"
same_id=$(jget 'j["id"]')
api POST "/tasks/$same_id/check"
expect 202 "check of the same-server task"
for _ in $(seq 1 300); do
    api GET "/tasks/$same_id/check"
    [ "$API_STATUS" = 200 ] && break
    sleep 0.2
done
it_eq "$(jget '[i["result"] for i in j["items"] if i["id"] == "servers.distinct"][0]')" FAILED "servers.distinct: $API_BODY"
it_eq "$(jget '[i["result"] for i in j["items"] if i["id"] == "target.conflicts"][0]')" SKIPPED "target.conflicts: $API_BODY"
jget '[i["fix"] for i in j["items"]]' | grep -qi 'DROP' && it_fail "a DROP offered on a server that is the source: $API_BODY"
api POST "/tasks/$same_id/start"
expect 409 check_failed "servers.distinct" "start of the same-server task"
api DELETE "/tasks/$same_id"
expect 204 "delete the same-server task"
api POST /catalog "{\"task\": $id}"
expect 200 "catalog of the task's source"
jget '[t["name"] for d in j["databases"] if d["name"] == "app" for t in d["tables"]]' | grep -q '"t"' \
    || it_fail "app.t not in the catalog: $API_BODY"
api POST "/tasks/$id/check"
expect 202 "check"
for _ in $(seq 1 300); do
    api GET "/tasks/$id"
    [ "$(jget 'j["state"]')" != checking ] && break
    sleep 0.2
done
it_eq "$(jget 'j["state"]')" checked "state after the check"
api POST "/tasks/$id/clone" '{"name": "t1-copy"}'
expect 201 "clone"
it_eq "$(jget 'j["source"]["password_set"]')" true "the clone keeps the source password"

# ---- the CLI client: the same errors, one line, exit codes ----
export HOTMIG_SERVER=$SVC_URL HOTMIG_TOKEN_FILE=$SVC_DIR/token
cli_case() { # WANT_EXIT REGEX WHAT -- ARGS
    local want=$1 re=$2 what=$3 rc
    shift 4
    "$HOTMIG" task "$@" >"$HM_TEST_ROOT/out" 2>"$HM_TEST_ROOT/err"
    rc=$?
    it_eq "$rc" "$want" "exit status of hotmig task $what"
    if [ "$want" != 0 ]; then
        it_eq "$(wc -l <"$HM_TEST_ROOT/err")" 1 "stderr lines of hotmig task $what"
        grep -Eq "^hotmig: .*$re" "$HM_TEST_ROOT/err" || it_fail "hotmig task $what: $(cat "$HM_TEST_ROOT/err")"
    else
        grep -Eq "$re" "$HM_TEST_ROOT/out" || it_fail "hotmig task $what: $(cat "$HM_TEST_ROOT/out")"
    fi
    echo "ok: hotmig task $what"
}
cli_case 0 't1 +checked' "list" -- list
cli_case 0 '"name": "t1"' "list --json" -- list --json
printf '%s\n' "$SECRET_TGT" >"$HM_TEST_ROOT/tgt.pw"
cli_case 0 'task t2 created' "create" -- create --name t2 --source "mysql://mig@127.0.0.1:$SP" \
    --target "mysql://mig@127.0.0.1:$TP" --target-password-file "$HM_TEST_ROOT/tgt.pw" --include app --mode full
cli_case 0 'password_set: true' "show" -- show t2
cli_case 1 'name_taken|exists already' "create with a taken name" -- create --name t2 \
    --source "mysql://mig@127.0.0.1:$SP" --target "mysql://mig@127.0.0.1:$TP"
cli_case 1 't2 is created' "start before the check" -- start t2
cli_case 1 "no task named 'nope'" "show an unknown task" -- show nope
cli_case 1 'no task 987654' "show an unknown id" -- show 987654
cli_case 2 'unknown subcommand' "with a bad subcommand" -- fly t2
cli_case 2 'needs --name' "create without a name" -- create --source x --target y
cli_case 2 'confirm' "clean-target without --confirm" -- clean-target t2
HOTMIG_SERVER=http://127.0.0.1:1 cli_case 1 'cannot reach hotmigd' "with no daemon there" -- list
HOTMIG_TOKEN_FILE=$HM_TEST_ROOT/tgt.pw cli_case 1 'wrong API token' "with a wrong token" -- list
cli_case 0 'task t2 deleted' "delete" -- delete t2

# ---- no password anywhere ----
api GET /tasks
for i in $(jget '" ".join(str(t["id"]) for t in j["tasks"])'); do
    api GET "/tasks/$i"
    api GET "/tasks/$i/events"
    api GET "/tasks/$i/samples"
    api GET "/tasks/$i/tables"
done
api GET "/tasks/$id/check"
svc_stop
for s in "$SECRET_SRC" "$SECRET_TGT"; do
    grep -qF "$s" "$SVC_ANSWERS" && it_fail "a password in an API answer: $(grep -F "$s" "$SVC_ANSWERS" | head -2)"
    grep -qF "$s" "$SVC_LOG" && it_fail "a password in hotmigd's log"
    grep -rqaF "$s" "$SVC_DIR" && it_fail "a password in clear in the data directory: $(grep -rlaF "$s" "$SVC_DIR")"
done
[ "$(wc -l <"$SVC_ANSWERS")" -ge 50 ] || it_fail "too few answers recorded for the password check"
echo "PASS"
