#!/bin/bash
# tokio-matrix
# top --output/--format: the dashboard writes a report of the whole session on
# exit, in any report format, with the callsite the workload's truth names.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

WL="$WORKLOADS/bw-workload"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
require "workloads built ($WL)" test -x "$WL"

# -n 4 refreshes of 1 s: the workload (~1.5 s) ends inside the session
timeout 60 "$BLOCKWATCH" top -n 4 -o "$tmp/top.json" -f json -- \
	"$WL" --scenario sleep --truth "$tmp/truth.json" >/dev/null 2>"$tmp/top.err"
rc=$?
check "top -o json: exit 0 (rc=$rc) and a report" test "$rc" -eq 0 -a -s "$tmp/top.json"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$tmp/top.err" | tail -5
check "top -o json: the truth's callsite is in it, category, API and count right" python3 - "$tmp/top.json" "$tmp/truth.json" <<'PY'
import json, os, sys
sys.path.insert(0, "tests/e2e/lib")
import bwtest
rep, truth = (json.load(open(p)) for p in sys.argv[1:3])
tally, entries, kinds = bwtest.score("top", "top", rep["callsites"], truth["expected"])
assert tally["found"] == tally["required"] == 1 and tally["wrong"] == 0, tally
PY

timeout 60 "$BLOCKWATCH" top -n 4 -o "$tmp/top.trace.json" -f perfetto -- \
	"$WL" --scenario sleep --truth "$tmp/truth2.json" >/dev/null 2>&1
rc=$?
check "top -o perfetto: exit 0 (rc=$rc), one blocked event per blocking call of the truth" python3 - "$tmp/top.trace.json" "$tmp/truth2.json" "$rc" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
assert sys.argv[3] == "0", f"exit {sys.argv[3]}"
events = d["traceEvents"] if isinstance(d, dict) else d
e = truth["expected"][0]
where = f"{os.path.basename(e['file'])}:{e['line']})"
n = sum(1 for ev in events if ev.get("ph") == "X" and ev.get("cat") == "blocked" and where in ev.get("name", ""))
# the truth counts calls above 1.5 ms; calls of 1-1.5 ms (count_slack) may be there too
assert e["count"] <= n <= e["count"] + e["count_slack"], f"{n} blocked events at {where}, truth {e['count']}"
PY

one_line_error "top: --format without --output" "needs --output" "$BLOCKWATCH" top -f json -n 1
