#!/bin/bash
# trace -- COMMAND when the command is a wrapper: a shell that forks the service,
# one that execs it, and two shells deep. The service is traced from its exec
# (its blocking counted in full, the wrapper's own waits never reported), named
# by its own program, not the wrapper's. Truth: the workload (--truth).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
WL="$WORKLOADS/bw-workload"
T=$(mktemp -d /tmp/bw-follow.XXXXXX)
trap 'rm -rf "$T"' EXIT
TESTS="forks execs two_deep"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
require "workloads built ($WL)" test -x "$WL"

# wrapped NAME SHELL-COMMAND: the attach scenario (a 10 ms sleep 40 times a
# second for 2 s) run by the shell command; checks the report against its truth
wrapped() {
	local name=$1
	"$BLOCKWATCH" trace -q -f json -o "$T/$name.json" -- sh -c "$2" >/dev/null 2>"$T/$name.err"
	check "$name: exit 0, the service traced from its exec, every sleep counted, nothing else" \
		python3 - "$T/$name.json" "$T/truth.json" "$?" <<'PY'
import json, sys
sys.path.insert(0, "tests/e2e/lib")
import bwtest
rep, truth, rc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert rc == "0", f"exit {rc}"
tally, entries, kinds = bwtest.score("follow", "follow", rep["callsites"], truth["expected"],
                                     lost=bwtest.lost_intervals(rep))
assert tally["found"] == tally["required"] == 1, (tally, [bwtest.short(c) for c in rep["callsites"]])
assert tally["wrong"] == 0, tally["wrong_at"]
svc = [p for p in rep["processes"] if p["pid"] == truth["pid"]]
assert svc and svc[0]["comm"] == "bw-workload" and svc[0]["runtime"] == "tokio", rep["processes"]
PY
}

wrapped forks "$WL --scenario attach --seconds 2 --truth $T/truth.json; true"
wrapped execs "exec $WL --scenario attach --seconds 2 --truth $T/truth.json"
wrapped two_deep "bash -c '$WL --scenario attach --seconds 2 --truth $T/truth.json; true'; true"
[ "$failures" -eq 0 ]
