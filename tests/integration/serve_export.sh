#!/bin/bash
# What serve exports besides /metrics.
# --otlp-endpoint: serve pushes OTLP/HTTP JSON to a local receiver stub that
# parses every request with the OTLP proto definitions (opentelemetry-proto's
# .proto files in tests/integration/otlp-proto, compiled by protoc; unknown
# fields fail). A workload runs under serve (-- COMMAND: traced from its first
# instruction) with pushes every second: every request is valid, values are
# cumulative, histogram buckets add up to the count, and the last push (made
# on the way out) counts the truth's blocking. A collector that is down is
# logged once, and serve goes on.
# --pprof-dir: one gzip'ed profile.proto per window (protoc decodes each with
# tests/integration/profile.proto), the newest --pprof-keep kept; together
# the windows hold every blocked interval of the truth (the last, partial
# one is written on the way out).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TEST_NAME=serve_export
. tests/lib/serve.sh
require "protoc installed (make deps)" command -v protoc
require "Debian's python3-protobuf installed (make deps)" /usr/bin/python3 -c 'import google.protobuf'
PROTO=tests/integration/otlp-proto
mkdir -p "$T/gen"
require "the OTLP protos compile" protoc -I "$PROTO" --python_out="$T/gen" \
	$(cd "$PROTO" && find . -name '*.proto' | sed 's|^\./||')
RP=$(free_port)
/usr/bin/python3 tests/integration/otlp_receiver.py "$T/gen" "$RP" "$T/pushes" >"$T/receiver.out" 2>&1 &
require "the receiver stub is listening" wait_line "$T/receiver.out" listening

one_line_error "bad --otlp-endpoint (https: no TLS here)" "bad --otlp-endpoint" \
	"$BLOCKWATCH" serve --otlp-endpoint https://127.0.0.1:4318/v1/metrics

"$BLOCKWATCH" serve --listen "127.0.0.1:$(free_port)" --otlp-interval 1s \
	--otlp-endpoint "http://127.0.0.1:$RP/v1/metrics" -- \
	"$WL" --scenario attach --seconds 4 --truth "$T/wl.json" >"$T/serve.out" 2>"$T/serve.err"
rc=$?
check "serve -- COMMAND with pushes ends with status 0 (rc=$rc)" test "$rc" -eq 0
check "every push parses as an ExportMetricsServiceRequest; cumulative, consistent, the truth's count" \
	python3 - "$T/pushes" "$T/wl.json" <<'PY'
import json, sys
pushes = [json.loads(l) for l in open(sys.argv[1])]
truth = json.load(open(sys.argv[2]))["expected"][0]
bad = [p for p in pushes if not p["ok"]]
assert not bad, bad[0]
assert len(pushes) >= 3, f"{len(pushes)} pushes in 4 s at 1 s"
last_counts, starts = {}, set()
for p in pushes:
    m = p["metrics"]
    assert m["_resource"]["service.name"] == "blockwatch", m["_resource"]
    for name in ("blockwatch.blocked", "blockwatch.worker", "blockwatch.workers", "blockwatch.lost_events"):
        assert name in m, f"no {name}"
    assert m["blockwatch.blocked"]["temporality"] == 2 and m["blockwatch.worker"]["monotonic"]
    for pt in m["blockwatch.blocked"]["points"]:
        assert sum(pt["buckets"]) == pt["count"], pt
        assert len(pt["buckets"]) == len(pt["bounds"]) + 1, pt
        assert all(a < b for a, b in zip(pt["bounds"], pt["bounds"][1:])), pt["bounds"]
        assert pt["start"] <= pt["time"]
        starts.add(pt["start"])
        key = pt["attributes"]["line"]
        assert pt["count"] >= last_counts.get(key, 0), "a cumulative count went down"
        last_counts[key] = pt["count"]
assert len(starts) == 1, f"start times {starts}"
pts = [pt for pt in pushes[-1]["metrics"]["blockwatch.blocked"]["points"]
       if pt["attributes"]["line"] == str(truth["line"]) and pt["attributes"]["api"] == truth["blocking_api"]]
assert len(pts) == 1, pushes[-1]["metrics"]["blockwatch.blocked"]["points"]
got, want = pts[0]["count"], truth["count"]
print(f"# last push: count {got}, truth {want}; {len(pushes)} pushes")
assert abs(got - want) <= want * 0.1, (got, want)
blocked = sum(pt["value"] for pt in pushes[-1]["metrics"]["blockwatch.worker"]["points"]
              if pt["attributes"]["state"] == "blocked")
assert abs(blocked - truth["total_ns"] / 1e9) <= truth["total_ns"] / 1e9 * 0.1, (blocked, truth["total_ns"])
PY

# a collector that is not there: one line in the log, not one per push
"$BLOCKWATCH" serve --listen "127.0.0.1:$(free_port)" --otlp-interval 1s \
	--otlp-endpoint "http://127.0.0.1:$(free_port)/v1/metrics" -- \
	"$WL" --scenario attach --seconds 3 >/dev/null 2>"$T/down.err"
rc=$?
n=$(grep -c 'OTLP push' "$T/down.err")
check "a collector that is down: serve goes on (rc=$rc) and logs it once ($n lines)" \
	test "$rc" -eq 0 -a "$n" -eq 1
# --- --pprof-dir -----------------------------------------------------------------
mkdir "$T/all" "$T/two"
"$BLOCKWATCH" serve --listen "127.0.0.1:$(free_port)" --pprof-dir "$T/all" --pprof-interval 1s -- \
	"$WL" --scenario attach --seconds 4 --truth "$T/pp.json" >/dev/null 2>"$T/pp.err"
rc=$?
check "--pprof-dir: serve ends with status 0 (rc=$rc)" test "$rc" -eq 0
for f in "$T"/all/*.pb.gz; do
	gunzip -c "$f" | protoc --decode perftools.profiles.Profile -I tests/integration \
		tests/integration/profile.proto >"$f.txt" 2>>"$T/protoc.err"
done
check "--pprof-dir: one profile a second, each decodes, together they count the truth's intervals" \
	python3 - "$T/all" "$T/pp.json" <<'PY'
import glob, json, re, sys
files = sorted(glob.glob(sys.argv[1] + "/blocked-*.pb.gz"))
truth = json.load(open(sys.argv[2]))["expected"][0]
assert len(files) >= 3, files
total = 0
for f in files:
    text = open(f + ".txt").read()
    assert "blocked_intervals" in text, f
    # each sample's first value is its count of blocked intervals
    total += sum(int(m) for m in re.findall(r"^sample \{\n(?:  location_id: \d+\n)*  value: (\d+)", text, re.M))
print(f"# {len(files)} profiles, {total} intervals, truth {truth['count']}")
assert abs(total - truth["count"]) <= truth["count"] * 0.1, (total, truth["count"])
PY
"$BLOCKWATCH" serve --listen "127.0.0.1:$(free_port)" --pprof-dir "$T/two" --pprof-interval 1s \
	--pprof-keep 2 -- "$WL" --scenario attach --seconds 4 >/dev/null 2>>"$T/pp.err"
n=$(ls "$T/two" | wc -l)
check "--pprof-keep 2: the newest two profiles are kept ($n files)" test "$n" -eq 2
ln -s /etc "$T/link"
one_line_error "--pprof-dir that is a symbolic link is refused" "pprof-dir" \
	"$BLOCKWATCH" serve --pprof-dir "$T/link"
[ "$failures" -eq 0 ] || sed 's/^/#   /' "$T/serve.err" "$T/pp.err" | tail -8
[ "$failures" -eq 0 ]
