#!/bin/bash
# blockwatch record + report, every format checked for real against the
# ground truth a Tokio fixture prints (report-fixture/: 4 tasks x 25 calls of
# std::thread::sleep(10ms) at a known line). TAP lines; skips only when a
# tool is missing. Env: BLOCKWATCH (binary), BUILD (build dir).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
HERE=tests/integration
T=$(mktemp -d /tmp/bw-report.XXXXXX)
trap 'rm -rf "$T"' EXIT

TESTS="record report_text report_json folded pprof perfetto html trace_on_exit runtime_frames async_fn_names"

. $HERE/report-fixture/build.sh

# --- record ---------------------------------------------------------------
"$BLOCKWATCH" record -o "$T/rec.bw" -- "$FIXTURE" >"$T/truth.json" 2>"$T/record.err"
rc=$?
if [ $rc -eq 0 ] && head -c 21 "$T/rec.bw" | grep -q "BLOCKWATCH-RECORDING" && grep -q blocking_calls "$T/truth.json"; then
	ok record
else
	not_ok record "exit $rc: $(tail -3 "$T/record.err")"
fi

# --- text: the summary trace prints -----------------------------------------
line=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["line"])' "$T/truth.json")
"$BLOCKWATCH" report "$T/rec.bw" >"$T/out.txt" 2>"$T/report.err"
check report_text grep -q "main.rs:$line)" "$T/out.txt"

# --- json: the documented schema, and the ground truth --------------------
"$BLOCKWATCH" report "$T/rec.bw" --format json -o "$T/out.json"
check report_json python3 - "$T/out.json" "$T/truth.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
schema = {"version": int, "tool_version": str, "duration_ns": int, "threshold_ns": int,
          "events": int, "degraded": list, "processes": list, "threads": list,
          "callsites": list, "lost": dict}
for k, t in schema.items():
    assert isinstance(d.get(k), t), f"top-level {k} is {type(d.get(k))}, want {t}"
cs_keys = {"function": str, "file": str, "line": int, "blocking_api": str, "category": str,
           "syscall": str, "count": int, "total_ns": int, "p50_ns": int, "p99_ns": int,
           "max_ns": int, "histogram": list, "stack": list}
for c in d["callsites"]:
    for k, t in cs_keys.items():
        assert isinstance(c.get(k), t), f"callsite {k} is {c.get(k)!r}"
    assert sum(h["count"] for h in c["histogram"]) == c["count"]
for th in d["threads"]:
    for k in ("pid", "tid", "comm", "role", "running_ns", "blocked_ns", "parked_ns", "runnable_ns"):
        assert k in th, f"thread lacks {k}"
ours = [c for c in d["callsites"] if c["file"].endswith(truth["file"]) and c["line"] == truth["line"]]
assert len(ours) == 1, f"callsite main.rs:{truth['line']} not found once: {d['callsites']}"
c = ours[0]
n, ns = truth["blocking_calls"], truth["sleep_ns"]
assert c["count"] == n, f"count {c['count']} != {n}"
assert c["blocking_api"] == "std::thread::sleep" and c["category"] == "sleep", c
assert n * ns <= c["total_ns"] <= n * ns * 1.5, f"total {c['total_ns']} for {n} x {ns}"
assert ns <= c["p50_ns"] <= ns * 1.5 and c["max_ns"] >= c["p99_ns"] >= c["p50_ns"]
workers = [t for t in d["threads"] if t["role"] == "worker"]
assert len(workers) == 2, f"{len(workers)} workers"
assert sum(t["blocked_ns"] for t in workers) >= c["total_ns"] * 0.9
PY

# --- folded: lines parse and sum to the recorded blocked time ---------------
"$BLOCKWATCH" report "$T/rec.bw" -f folded -o "$T/out.folded"
check folded python3 - "$T/out.folded" "$T/out.json" <<'PY'
import json, re, sys
total = 0
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no folded lines"
for l in lines:
    m = re.fullmatch(r"(.+) (\d+)", l)
    assert m, f"bad line {l!r}"
    frames = m.group(1).split(";")
    assert all(frames), f"empty frame in {l!r}"
    total += int(m.group(2))
d = json.load(open(sys.argv[2]))
want = sum(c["total_ns"] for c in d["callsites"])
assert total == want, f"folded sums to {total}, callsites to {want}"
assert any("sleep" in l and "bw_report_fixture::" in l for l in lines), "no stack through the fixture"
PY

# --- pprof: gzip'ed profile.proto that protoc decodes, totals match ---------
"$BLOCKWATCH" report "$T/rec.bw" -f pprof -o "$T/out.pprof"
if ! command -v protoc >/dev/null; then
	echo "ok - pprof # SKIP protoc not installed (apt-get install protobuf-compiler)"
else
	gunzip -c "$T/out.pprof" >"$T/out.pb" &&
		protoc --decode perftools.profiles.Profile -I $HERE $HERE/profile.proto <"$T/out.pb" >"$T/pprof.txt" 2>"$T/protoc.err"
	check pprof python3 - "$T/pprof.txt" "$T/out.json" "$T/truth.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2])); truth = json.load(open(sys.argv[3]))
strings = re.findall(r'^string_table: "(.*)"$', text, re.M)
assert strings and strings[0] == "", "string_table[0] must be empty"
samples = re.findall(r"^sample \{\n(.*?)^\}", text, re.M | re.S)
assert samples, "no samples"
count = ns = 0
for s in samples:
    v = [int(x) for x in re.findall(r"^  value: (\d+)$", s, re.M)]
    assert len(v) == 2, f"sample values {v}"
    count += v[0]; ns += v[1]
assert count == sum(c["count"] for c in d["callsites"]), (count, d["callsites"])
assert ns == sum(c["total_ns"] for c in d["callsites"]), ns
types = [strings[int(t)] for t in re.findall(r"^sample_type \{\n  type: (\d+)", text, re.M)]
assert types == ["blocked_intervals", "off_cpu"], types
# file:line locations: the callsite's line in main.rs
assert any(s.endswith("main.rs") for s in strings), "no main.rs in the string table"
assert re.search(r"line \{\n\s+function_id: \d+\n\s+line: %d\n" % truth["line"], text), "no Line at the callsite"
PY
fi

# --- perfetto: parses, one track per worker, no overlap on a track ----------
"$BLOCKWATCH" report "$T/rec.bw" -f perfetto -o "$T/out.perfetto.json"
check perfetto python3 - "$T/out.perfetto.json" "$T/out.json" "$T/truth.json" <<'PY'
import json, sys
from collections import defaultdict
p = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2])); truth = json.load(open(sys.argv[3]))
ev = p["traceEvents"]
tracks = {(e["pid"], e["tid"]) for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
workers = {(t["pid"], t["tid"]) for t in d["threads"] if t["role"] == "worker"}
assert tracks == workers, f"tracks {tracks} != workers {workers}"
by = defaultdict(list)
for e in ev:
    if e["ph"] == "X":
        assert (e["pid"], e["tid"]) in tracks, f"event off the worker tracks: {e}"
        assert e["dur"] > 0
        by[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"], e["name"], e["cat"]))
for k, v in by.items():
    v.sort()
    for a, b in zip(v, v[1:]):
        assert a[1] <= b[0], f"overlap on {k}: {a} {b}"
named = [x for v in by.values() for x in v if x[3] == "blocked" and f"main.rs:{truth['line']})" in x[2]]
assert len(named) == truth["blocking_calls"], f"{len(named)} blocked intervals named by the callsite"
cats = {x[3] for v in by.values() for x in v}
assert {"blocked", "parked", "running"} <= cats, cats
PY

# --- html: renders in headless Chromium without errors ---------------------
"$BLOCKWATCH" report "$T/rec.bw" -f html -o "$T/out.html"
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
	echo "ok - html # SKIP chromium not installed (apt-get install chromium)"
else
	flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
	       --disable-component-update --disable-sync --no-first-run --enable-logging=stderr --v=0)
	timeout 60 "$CHROME" "${flags[@]}" --user-data-dir="$(mktemp -d "$T/chr.XXXX")" \
		--virtual-time-budget=5000 --dump-dom "file://$T/out.html" >"$T/dom.html" 2>"$T/chrome-dom.log"
	timeout 60 "$CHROME" "${flags[@]}" --user-data-dir="$(mktemp -d "$T/chr.XXXX")" \
		--window-size=1400,1600 --screenshot="$T/shot.png" "file://$T/out.html" >/dev/null 2>"$T/chrome-shot.log"
	check html python3 - "$T/dom.html" "$T/truth.json" "$T/shot.png" "$T/chrome-dom.log" "$T/chrome-shot.log" <<'PY'
import json, os, re, sys
dom = open(sys.argv[1]).read(); truth = json.load(open(sys.argv[2]))
assert re.search(r'<body[^>]*data-bw-rendered="ok"', dom), "the page script did not finish"
body = re.search(r"<body[^>]*>", dom).group(0)
assert "data-bw-error" not in body, body
assert f"main.rs:{truth['line']})" in dom, "callsite text not in the DOM"
assert dom.count("<rect") > 50, "flame graph / timeline not drawn"
assert os.path.getsize(sys.argv[3]) > 10000, "no screenshot"
for log in sys.argv[4:]:
    for l in open(log, errors="replace"):
        assert not re.search(r"CONSOLE|Uncaught|SyntaxError|TypeError", l), f"console error: {l}"
PY
fi

# --- names users read: async fns, the runtime's frames as one ---------------
# The fixture's slow_lookup and task are async fns (legacy symbols call their
# bodies {{closure}}); every output names them "(async fn)", the JSON keeps
# the symbolized name. Stacks collapse tokio's frames into "[tokio runtime]"
# unless --runtime-frames full.
"$BLOCKWATCH" report "$T/rec.bw" -f folded --runtime-frames full -o "$T/full.folded"
"$BLOCKWATCH" report "$T/rec.bw" -f pprof --runtime-frames full -o "$T/full.pprof"
"$BLOCKWATCH" report "$T/rec.bw" -f pprof -o "$T/coll.pprof"
"$BLOCKWATCH" report "$T/rec.bw" -f html -o "$T/coll.html"
"$BLOCKWATCH" report "$T/rec.bw" -f perfetto -o "$T/coll.perfetto.json"
"$BLOCKWATCH" report "$T/rec.bw" --runtime-frames some >/dev/null 2>"$T/bad.err"
bad=$?
check runtime_frames python3 - "$T/out.folded" "$T/full.folded" "$T/full.pprof" "$T/coll.pprof" \
	"$T/coll.html" "$T/coll.perfetto.json" "$bad" <<'PY'
import gzip, json, sys
def folded(path):
    out = {}
    for l in open(path).read().splitlines():
        stack, ns = l.rsplit(" ", 1)
        out[stack] = out.get(stack, 0) + int(ns)
    return out
coll, full = folded(sys.argv[1]), folded(sys.argv[2])
assert sum(coll.values()) == sum(full.values()), "collapsing changed the blocked time"
for stack in coll:
    frames = stack.split(";")
    assert not any(f.startswith(("tokio::", "<tokio::")) for f in frames), f"tokio frame left: {stack}"
    assert frames.count("[tokio runtime]") == 1, f"not one runtime frame: {stack}"
    at = frames.index("[tokio runtime]")
    assert frames[at + 1] == "bw_report_fixture::task (async fn)", f"after the runtime: {frames[at + 1:]}"
    assert "bw_report_fixture::slow_lookup (async fn)" in frames[at + 1:], stack
    assert frames[at - 1].startswith("std::"), f"thread start glue before the runtime: {frames[:at]}"
for stack in full:
    assert "[tokio runtime]" not in stack
    assert "tokio::runtime::scheduler::multi_thread::worker::run" in stack, stack
full_pb, coll_pb = gzip.open(sys.argv[3]).read(), gzip.open(sys.argv[4]).read()
assert b"[tokio runtime]" in coll_pb and b"tokio::runtime::task::harness" not in coll_pb
assert b"[tokio runtime]" not in full_pb and b"tokio::runtime::task::harness" in full_pb
html = open(sys.argv[5]).read()
assert "[tokio runtime]" in html and "tokio::runtime::task::harness" not in html
pf = json.load(open(sys.argv[6]))
stacks = [e["args"]["stack"] for e in pf["traceEvents"] if e.get("cat") == "blocked" and "args" in e]
assert stacks and all("[tokio runtime]" in s for s in stacks), "perfetto stacks not collapsed"
assert sys.argv[7] == "2", f"a bad --runtime-frames exits {sys.argv[7]}, want 2"
PY

check async_fn_names python3 - "$T/out.txt" "$T/out.json" "$T/truth.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read(); d = json.load(open(sys.argv[2])); truth = json.load(open(sys.argv[3]))
assert f"bw_report_fixture::slow_lookup (async fn) (main.rs:{truth['line']})" in text, text
assert "{{closure}}" not in text and "{async_fn" not in text, text
(c,) = [c for c in d["callsites"] if c["line"] == truth["line"]]
assert c["function"] == "bw_report_fixture::slow_lookup (async fn)", c["function"]
assert c["symbol"] == "bw_report_fixture::slow_lookup::{async_fn#0}", c["symbol"]
names = [f["function"] for f in c["stack"]]
assert "bw_report_fixture::task (async fn)" in names, names
assert any(n.startswith("tokio::runtime::") for n in names), "the JSON stack keeps every frame"
PY

# --- trace --format on exit writes the same kinds of report ----------------
"$BLOCKWATCH" trace -q -f pprof -o "$T/trace.pprof" -- "$FIXTURE" 3 >/dev/null 2>"$T/trace.err"
rc=$?
"$BLOCKWATCH" trace -q -f folded --runtime-frames full -o "$T/trace.folded" -- "$FIXTURE" 3 >/dev/null 2>>"$T/trace.err"
check trace_on_exit bash -c "[ $rc -eq 0 ] && gunzip -t '$T/trace.pprof' &&
	awk '{ s += \$NF } END { exit !(NR > 0 && s >= 12 * 9500000) }' '$T/trace.folded' &&
	grep -q 'tokio::runtime::' '$T/trace.folded' && ! grep -q 'tokio runtime]' '$T/trace.folded'"
