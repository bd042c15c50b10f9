#!/bin/bash
# tokio-matrix
# trace end to end around the edges: the raw_tp fallback, a target that exits
# mid-trace, Ctrl-C, system-wide discovery, and JSON that parses. Ground truth
# comes from the workload itself (--truth), never from this script.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

WL="$WORKLOADS/bw-workload"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null' EXIT
require "workloads built ($WL)" test -x "$WL"

# the truth's first expected callsite as "file:line" (file name only)
truth_site() {
	python3 -c 'import json,sys,os; e=json.load(open(sys.argv[1]))["expected"][0]; print(os.path.basename(e["file"])+":"+str(e["line"]))' "$1"
}
# does the JSON report name that file:line as a callsite?
report_has() {
	python3 - "$1" "$2" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2]
sys.exit(0 if any(os.path.basename(c["file"] or "") + ":" + str(c["line"]) == want
                  for c in d["callsites"]) else 1)
PY
}

# 1. raw_tp fallback: same callsite found with the tracepoint flavour forced
BLOCKWATCH_FORCE_RAW_TP=1 "$BLOCKWATCH" check | grep -q "BPF programs.*(raw_tp)" &&
	ok "raw_tp: programs load and attach" || not_ok "raw_tp: programs load and attach"
BLOCKWATCH_FORCE_RAW_TP=1 timeout 60 "$BLOCKWATCH" trace -q -f json -o "$tmp/raw.json" -- \
	"$WL" --scenario sleep --truth "$tmp/raw-truth.json" >/dev/null 2>&1
site=$(truth_site "$tmp/raw-truth.json" 2>/dev/null)
check "raw_tp: the sleep callsite ($site) is reported" report_has "$tmp/raw.json" "$site"

# 2. -p target that exits before --duration: summary still written, exit 0, quickly
"$WL" --scenario attach --seconds 3 --truth "$tmp/exit-truth.json" >"$tmp/exit-wl.out" 2>&1 &
wl=$!
require "the workload says it is running" wait_line "$tmp/exit-wl.out" running
start=$(date +%s)
timeout 60 "$BLOCKWATCH" trace -q -p "$wl" --duration 30 -f json -o "$tmp/exit.json" >/dev/null 2>&1
rc=$?
took=$(( $(date +%s) - start ))
wait "$wl" 2>/dev/null
check "target exits mid-trace: exit 0 (rc=$rc)" test "$rc" -eq 0
check "target exits mid-trace: trace ends with it (${took}s < 15s)" test "$took" -lt 15
site=$(truth_site "$tmp/exit-truth.json" 2>/dev/null)
check "target exits mid-trace: summary has the callsite ($site)" report_has "$tmp/exit.json" "$site"

# 3. Ctrl-C: SIGINT detaches and still prints the summary
"$WL" --scenario attach --seconds 30 --truth "$tmp/int-truth.json" >"$tmp/int-wl.out" 2>&1 &
wl=$!
require "the workload says it is running" wait_line "$tmp/int-wl.out" running
"$BLOCKWATCH" trace -p "$wl" >"$tmp/int.txt" 2>&1 &
bw=$!
# interrupt once live lines show blocking (a loaded machine attaches slowly)
for _ in $(seq 200); do
	grep -q "attach.rs" "$tmp/int.txt" 2>/dev/null && break
	sleep 0.1
done
kill -INT "$bw"
timeout 20 tail --pid="$bw" -f /dev/null
wait "$bw"
rc=$?
kill "$wl" 2>/dev/null; wait "$wl" 2>/dev/null
check "Ctrl-C: exit 0 (rc=$rc)" test "$rc" -eq 0
check "Ctrl-C: summary printed" grep -q "Blocking on runtime worker threads" "$tmp/int.txt"
site=$(truth_site "$tmp/int-truth.json" 2>/dev/null)
check "Ctrl-C: summary names the callsite ($site)" \
	bash -c "sed -n '/^Blocking on/,\$p' '$tmp/int.txt' | grep -q '(${site})'"

# 4. system-wide: a runtime process started after attach is discovered; another
# blockwatch (a copy: not ourselves) carries tokio's thread name but is no runtime
cp "$BLOCKWATCH" "$tmp/other-blockwatch"
timeout 60 "$BLOCKWATCH" trace -q --duration 4 -f json -o "$tmp/sys.json" --ready-fd 3 \
	3>"$tmp/sys.ready" >/dev/null 2>&1 &
bw=$!
check "system-wide: says when its probes are attached (--ready-fd)" wait_line "$tmp/sys.ready" ready
"$tmp/other-blockwatch" check $$ >/dev/null 2>&1 &
"$WL" --scenario sleep --truth "$tmp/sys-truth.json" >/dev/null 2>&1
wait "$bw"
rc=$?
site=$(truth_site "$tmp/sys-truth.json" 2>/dev/null)
check "system-wide: exit 0 (rc=$rc)" test "$rc" -eq 0
check "system-wide: a process started later is traced and its callsite ($site) found" \
	report_has "$tmp/sys.json" "$site"
check "system-wide: another blockwatch is not taken for a runtime" python3 -c '
import json, sys
procs = [p for p in json.load(open(sys.argv[1]))["processes"] if "other-blockwatch" in p["exe"]]
sys.exit(0 if not procs else f"listed: {procs}")' "$tmp/sys.json"
