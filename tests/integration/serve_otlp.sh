#!/bin/bash
# --otlp-endpoint: serve pushes OTLP/HTTP JSON to a local receiver stub that
# parses every request with the OTLP proto definitions (opentelemetry-proto's
# .proto files in tests/integration/otlp-proto, compiled by protoc; unknown
# fields fail). A workload runs under serve (-- COMMAND: traced from its first
# instruction) with pushes every second: every request is valid, values are
# cumulative, histogram buckets add up to the count, and the last push (made
# on the way out) counts the truth's blocking. A collector that is down is
# logged once, and serve goes on.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TEST_NAME=serve_otlp
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
[ "$failures" -eq 0 ] || sed 's/^/#   /' "$T/serve.err" | tail -5
[ "$failures" -eq 0 ]
