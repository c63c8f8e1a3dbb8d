#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# hotmigd's live feeds, through the real daemon and real MariaDB servers: while a small task is
# checked, started and copied (mode full), an open GET /api/v1/events/stream delivers its state
# changes as server-sent events in order (created ... finished), several open streams block no
# other request, and a client that reconnects with Last-Event-ID gets what came after that id.
# GET /api/v1/metrics is valid Prometheus text (every sample's family has # HELP and # TYPE
# first, labels well-formed, values numbers) and says what the store holds: tasks by state, the
# task's rows copied equal to the source's rows; while a throttled task copies, the per-table
# family (labels task, table) and GET /tables show its rows; terminate stops it within 5 s and
# retry finishes it, target equal. The daemon stops with its streams open.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=svc_api_lib.sh
source "$(dirname "$0")/svc_api_lib.sh"
it_start
hm_sql src "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO app.t SELECT seq, CONCAT('v', seq) FROM mysql.seq_1_to_3000;
CREATE TABLE app.u (id INT PRIMARY KEY); INSERT INTO app.u SELECT seq FROM mysql.seq_1_to_500" || it_fail setup
rm -rf "$SVC_DIR"
svc_start

sse=$HM_TEST_ROOT/sse
for k in 1 2 3; do
    curl -s -N -H "Authorization: Bearer $SVC_TOKEN" "$SVC_URL/api/v1/events/stream" >"$sse.$k" 2>/dev/null &
    IT_BG_PIDS+=("$!")
done
sleep 0.5
grep -q '^retry: ' "$sse.1" || it_fail "the stream did not open: $(cat "$sse.1")"

t0=$EPOCHREALTIME
api GET /tasks
ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
expect 200 "GET /tasks with three event streams open"
[ "$ms" -lt 2000 ] || it_fail "GET /tasks took $ms ms with streams open"

api POST /tasks "{\"name\": \"s1\", \"source\": \"$SRC\", \"target\": \"$TGT\", \"include\": [\"app\"], \"mode\": \"full\"}"
expect 201 "create"
id=$(jget 'j["id"]')
api POST "/tasks/$id/check"
expect 202 "check"
for _ in $(seq 1 300); do
    api GET "/tasks/$id"; [ "$(jget 'j["state"]')" != checking ] && break; sleep 0.2
done
it_eq "$(jget 'j["state"]')" checked "state after the check: $(jget 'j["check"]')"
api POST "/tasks/$id/start"
expect 200 "start"
for _ in $(seq 1 600); do
    api GET "/tasks/$id"; case $(jget 'j["state"]') in finished | failed) break ;; esac; sleep 0.2
done
it_eq "$(jget 'j["state"]')" finished "state after the copy: $(jget 'j["last_error"]')"
sleep 1.5

# ---- what the streams delivered ----
for k in 1 2 3; do
    python3 - "$sse.$k" "$id" <<'PY' || it_fail "stream $k: wrong events (file $sse.$k)"
import json, sys
text = open(sys.argv[1]).read()
tid = int(sys.argv[2])
states, seqs = [], []
for block in text.split("\n\n"):
    ev = {}
    for line in block.split("\n"):
        if line.startswith(":") or not line:
            continue
        k, _, v = line.partition(": ")
        ev[k] = v
    if "data" not in ev:
        continue
    d = json.loads(ev["data"])
    seqs.append(int(ev["id"]))
    t = d.get("task") or {}
    if t.get("id") == tid and (not states or states[-1] != t.get("state")):
        states.append(t.get("state"))
print("states seen:", states)
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "ids not increasing: %s" % seqs
for want in ("created", "checking", "checked", "copying", "finished"):
    assert want in states, "no %s event" % want
order = [states.index(s) for s in ("created", "checking", "checked", "copying", "finished")]
assert order == sorted(order), "out of order: %s" % states
assert "password" not in text.replace("password_set", ""), "a password field in the stream"
PY
done
echo "ok: three streams delivered the task's changes in order"

# ---- Last-Event-ID: a reconnecting client gets what came after ----
mid=$(grep '^id: ' "$sse.1" | sed -n '3p' | cut -d' ' -f2)
[ -n "$mid" ] || it_fail "no third event id in the stream"
timeout 3 curl -s -N -H "Authorization: Bearer $SVC_TOKEN" -H "Last-Event-ID: $mid" \
    "$SVC_URL/api/v1/events/stream" >"$sse.resume" 2>/dev/null
first=$(grep '^id: ' "$sse.resume" | head -1 | cut -d' ' -f2)
[ -n "$first" ] || it_fail "nothing after Last-Event-ID $mid: $(head -c 300 "$sse.resume")"
[ "$first" -gt "$mid" ] || it_fail "after Last-Event-ID $mid the stream restarted at $first"
grep -q "\"state\":\"finished\"" "$sse.resume" || it_fail "the resumed stream misses the finished state"
echo "ok: Last-Event-ID $mid resumed at $first"

# ---- /metrics ----
api GET /metrics
expect 200 "metrics"
rows=$(hm_sql src "SELECT (SELECT COUNT(*) FROM app.t) + (SELECT COUNT(*) FROM app.u)")
python3 - "$API_BODY" "$rows" <<'PY' || it_fail "/metrics is not valid or not right: $API_BODY"
import re, sys
text, rows = sys.argv[1], int(sys.argv[2])
help_, type_, samples = set(), {}, {}
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label_re = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample_re = re.compile(r"^(%s)(\{(%s(?:,%s)*)?\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$" % (name_re, label_re, label_re))
for line in text.strip("\n").split("\n"):
    if line.startswith("# HELP "):
        help_.add(line.split()[2])
        continue
    if line.startswith("# TYPE "):
        _, _, n, t = line.split(" ", 3)
        assert t in ("gauge", "counter", "untyped"), line
        assert n in help_, "TYPE before HELP: " + line
        type_[n] = t
        continue
    m = sample_re.match(line)
    assert m, "bad sample line: %r" % line
    n = m.group(1)
    assert n in type_ and n in help_, "sample without HELP/TYPE first: " + line
    float(m.group(4))
    samples[(n, m.group(2) or "")] = float(m.group(4))
assert samples[("hotmig_up", "")] == 1
assert samples[("hotmig_tasks", '{state="finished"}')] == 1, samples
assert samples[("hotmig_tasks", '{state="created"}')] == 0, samples
rc = [v for (n, l), v in samples.items() if n == "hotmig_task_rows_copied" and 'task="s1"' in l]
assert rc == [rows], "rows copied %s, source rows %d" % (rc, rows)
print("metrics: %d samples, %d families; rows copied %d" % (len(samples), len(type_), rows))
PY
# ---- per-table metrics and GET /tables while a (throttled) copy runs; terminate, retry ----
hm_sql src "CREATE DATABASE app2; CREATE TABLE app2.big (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO app2.big SELECT seq, CONCAT('v', seq) FROM mysql.seq_1_to_12000" || it_fail "setup app2"
api POST /tasks "{\"name\": \"s2\", \"source\": \"$SRC\", \"target\": \"$TGT\", \"include\": [\"app2\"], \"mode\": \"full\", \"max_rows_per_sec\": 1000, \"chunk_rows\": 250}"
expect 201 "create a throttled task"
id2=$(jget 'j["id"]')
api POST "/tasks/$id2/check"
for _ in $(seq 1 300); do
    api GET "/tasks/$id2"; [ "$(jget 'j["state"]')" != checking ] && break; sleep 0.2
done
api POST "/tasks/$id2/start"
expect 200 "start the throttled task"
for _ in $(seq 1 300); do
    api GET "/tasks/$id2/tables"
    [ "$(jget 'sum(t.get("rows_copied") or 0 for t in j["tables"] if t["table"] == "big")')" -gt 0 ] 2>/dev/null && break
    sleep 0.1
done
expect 200 "GET /tables while copying"
it_eq "$(jget '[t["table"] for t in j["tables"]]')" '["big"]' "the task's tables"
api GET /metrics
expect 200 "metrics while copying"
grep -q '^# TYPE hotmig_table_rows_copied gauge$' <<<"$API_BODY" || it_fail "no per-table family while copying: $API_BODY"
grep -Eq '^hotmig_table_rows_copied\{task="s2",table="app2.big"\} [1-9][0-9]*$' <<<"$API_BODY" \
    || it_fail "no rows copied for app2.big in /metrics: $(grep hotmig_table "$API_BODY" <<<"$API_BODY")"
grep -q 'hotmig_tasks{state="copying"} 1' <<<"$API_BODY" || it_fail "not one task copying in /metrics"
echo "ok: per-table metrics while copying"
t0=$(date +%s)
api POST "/tasks/$id2/terminate"
expect 200 "terminate"
for _ in $(seq 1 100); do
    api GET "/tasks/$id2"; [ "$(jget 'j["state"]')" = terminated ] && break; sleep 0.1
done
it_eq "$(jget 'j["state"]')" terminated "state after terminate"
[ $(($(date +%s) - t0)) -le 6 ] || it_fail "terminate took more than 5 s"
api POST "/tasks/$id2/retry"
expect 200 "retry"
for _ in $(seq 1 600); do
    api GET "/tasks/$id2"; case $(jget 'j["state"]') in finished | failed) break ;; esac; sleep 0.2
done
it_eq "$(jget 'j["state"]')" finished "state after retry: $(jget 'j["last_error"]')"
it_checksums_equal app2
api GET "/tasks/$id2/events"
jget '" | ".join(e["message"] for e in j["events"])' | grep -q 'terminat' || it_fail "no terminate in the events: $API_BODY"

# a task name that needs escaping in a label
api POST /tasks "{\"name\": \"odd-name_1.x\", \"source\": \"$SRC\", \"target\": \"$TGT\"}"
expect 201 "a second task"
api GET /metrics
grep -q 'hotmig_tasks{state="created"} 1' <<<"$API_BODY" || it_fail "tasks by state not updated: $API_BODY"
grep -q 'hotmig_tasks{state="finished"} 2' <<<"$API_BODY" || it_fail "not two tasks finished: $API_BODY"
svc_stop
echo "PASS"
