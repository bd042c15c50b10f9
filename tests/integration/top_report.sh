#!/bin/bash
# top --output/--format: the dashboard writes a report of the whole session on
# exit, in any report format, with the callsite the workload's truth names.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

WL="$BUILD/workloads/bw-workload"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$WL" ]; then
	skip "top --output" "workloads not built"
	exit 0
fi

timeout 60 "$BLOCKWATCH" top -n 4 -o "$tmp/top.json" -f json -- \
	"$WL" --scenario sleep --truth "$tmp/truth.json" >/dev/null 2>&1
check "top -o json: exit 0 and a report" test -s "$tmp/top.json"
check "top -o json: the truth's callsite is in it" python3 - "$tmp/top.json" "$tmp/truth.json" <<'PY'
import json, os, sys
rep, truth = (json.load(open(p)) for p in sys.argv[1:3])
e = truth["expected"][0]
want = (os.path.basename(e["file"]), e["line"])
sys.exit(0 if any((os.path.basename(c["file"] or ""), c["line"]) == want for c in rep["callsites"]) else 1)
PY

timeout 60 "$BLOCKWATCH" top -n 4 -o "$tmp/top.trace.json" -f perfetto -- \
	"$WL" --scenario sleep --truth "$tmp/truth2.json" >/dev/null 2>&1
check "top -o perfetto: trace events with blocked intervals" python3 - "$tmp/top.trace.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
events = d["traceEvents"] if isinstance(d, dict) else d
sys.exit(0 if any(ev.get("ph") == "X" for ev in events) else 1)
PY

one_line_error "top: --format without --output" "needs --output" "$BLOCKWATCH" top -f json -n 1
