#!/bin/bash
# SIGINT and SIGTERM to trace, record and top, with -p and with -- COMMAND: exit
# status 0, the report still written with the callsite the workload's truth
# names, every BPF link blockwatch held gone afterwards (its link ids, read
# from /proc/PID/fdinfo while it ran, no longer listed by bpftool), a -p
# target left running, a launched command stopped (the workload writes its
# truth only when SIGTERM lets it finish). Then -p A,B (two processes at once)
# and --threshold. Readiness by signal: the workload prints "running",
# blockwatch writes "ready" to --ready-fd; no sleep waits for either.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
WL=$PWD/$BUILD/workloads/bw-workload
T=$(mktemp -d /tmp/bw-signals.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
TEST_NAME=signals
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
require "workloads built ($WL)" test -x "$WL"
require "bpftool lists BPF links" bpftool link show
# The traced window between ready and the signal: the attach workload sleeps
# 10 ms 40 times a second, so ~60 blocked intervals land in it.
WINDOW=1.5

mono() { python3 -c 'import time; print(time.monotonic_ns())'; }

# start_target NAME: an attach workload that said "running"; sets tgt
start_target() {
	"$WL" --scenario attach --seconds 60 --truth "$T/$1.truth" >"$T/$1.wl" 2>&1 &
	tgt=$!
	require "$1: the target says it is running" wait_line "$T/$1.wl" running
}

links_of() { # PID: the BPF link ids its file descriptors hold
	grep -h '^link_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -n | tr '\n' ' '
}
links_gone() { # IDS...: none of them is listed by bpftool any more
	[ $# -gt 0 ] && bpftool link show -j | python3 -c '
import json, sys
have = {l["id"] for l in json.load(sys.stdin)}
left = [a for a in sys.argv[1:] if int(a) in have]
sys.exit(f"still attached: {left}" if left else 0)' "$@"
}

# has_site REPORT.json TRUTH.json MIN: the truth's callsite, its category and
# API right, with at least MIN blocked intervals
has_site() {
	python3 - "$@" <<'PY'
import json, sys
sys.path.insert(0, "tests/e2e/lib")
import bwtest
rep, truth, least = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
(e,) = truth["expected"]
tally, entries, kinds = bwtest.score("signals", "signals", rep["callsites"], [dict(e, count_bounds=[least, 10**9])])
assert tally["found"] == 1 and tally["wrong"] == 0, (tally, [bwtest.short(c) for c in rep["callsites"]])
PY
}

# run_case NAME SIGNAL SUBCOMMAND ARGS...: blockwatch SUBCOMMAND --ready-fd 3
# ARGS; the signal WINDOW seconds after ready. Sets rc and child (the pid the
# command was launched as, when there is one).
run_case() {
	local name=$1 sig=$2 sub=$3 ids
	shift 3
	"$BLOCKWATCH" "$sub" --ready-fd 3 "$@" 3>"$T/$name.ready" >"$T/$name.out" 2>"$T/$name.err" &
	bw=$!
	if ! wait_line "$T/$name.ready" ready; then
		not_ok "$name: blockwatch says it is ready" "$(tail -3 "$T/$name.err")"
		kill -9 $bw
		wait $bw 2>/dev/null
		rc=-1
		return 1
	fi
	child=$(pgrep -P $bw | head -1)
	ids=$(links_of $bw)
	sleep "$WINDOW" # the traced window, not a wait for readiness
	kill -"$sig" $bw
	timeout 20 tail --pid=$bw -f /dev/null
	wait $bw
	rc=$?
	check "$name: SIG$sig ends it with status 0 (rc=$rc)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/$name.err" | tail -5
	# shellcheck disable=SC2086
	check "$name: its BPF links ($(echo $ids | wc -w)) are all detached" links_gone $ids
}

# the -p target outlives blockwatch, then writes its truth on our SIGTERM
end_target() { # NAME
	check "$1: the -p target is left running" kill -0 "$tgt"
	kill -TERM "$tgt"
	wait "$tgt"
}
# the launched command was stopped with SIGTERM (it wrote its truth) and is gone
command_stopped() { # NAME
	check "$1: the launched command was stopped (SIGTERM: it wrote its truth) and reaped" \
		bash -c "[ -n '$child' ] && ! kill -0 '$child' 2>/dev/null && [ -s '$T/$1.truth' ]"
	[ -n "$child" ] || echo "#   no child of blockwatch seen while it ran"
}

# --- trace -------------------------------------------------------------------
start_target trace-p
run_case trace-p TERM trace -q -p "$tgt" -f json -o "$T/trace-p.json"
end_target trace-p
check "trace-p: the report has the truth's callsite" has_site "$T/trace-p.json" "$T/trace-p.truth" 20

run_case trace-cmd INT trace -q -f json -o "$T/trace-cmd.json" -- \
	"$WL" --scenario attach --seconds 60 --truth "$T/trace-cmd.truth"
command_stopped trace-cmd
check "trace-cmd: the report has the truth's callsite" has_site "$T/trace-cmd.json" "$T/trace-cmd.truth" 20

# --- record ------------------------------------------------------------------
start_target record-p
run_case record-p INT record -p "$tgt" -o "$T/record-p.bw"
end_target record-p
check "record-p: the recording is complete (report exit 0)" \
	"$BLOCKWATCH" report "$T/record-p.bw" -f json -o "$T/record-p.json"
check "record-p: the recording has the truth's callsite" has_site "$T/record-p.json" "$T/record-p.truth" 20

run_case record-cmd TERM record -o "$T/record-cmd.bw" -- \
	"$WL" --scenario attach --seconds 60 --truth "$T/record-cmd.truth"
command_stopped record-cmd
check "record-cmd: the recording is complete (report exit 0)" \
	"$BLOCKWATCH" report "$T/record-cmd.bw" -f json -o "$T/record-cmd.json"
check "record-cmd: the recording has the truth's callsite" has_site "$T/record-cmd.json" "$T/record-cmd.truth" 20

# --- top (plain frames: stdout is not a terminal) ------------------------------
start_target top-p
run_case top-p INT top -n 1000 --interval 0.5 -p "$tgt" -f json -o "$T/top-p.json"
end_target top-p
check "top-p: the report has the truth's callsite" has_site "$T/top-p.json" "$T/top-p.truth" 20

run_case top-cmd TERM top -n 1000 --interval 0.5 -f json -o "$T/top-cmd.json" -- \
	"$WL" --scenario attach --seconds 60 --truth "$T/top-cmd.truth"
command_stopped top-cmd
check "top-cmd: the report has the truth's callsite" has_site "$T/top-cmd.json" "$T/top-cmd.truth" 20

# --- -p A,B: two processes in one trace ----------------------------------------
start_target pa
a=$tgt
start_target pb
b=$tgt
start=$(mono)
"$BLOCKWATCH" trace -q -p "$a,$b" -f json -o "$T/two.json" --ready-fd 3 3>"$T/two.ready" 2>"$T/two.err" &
bw=$!
require "-p A,B: blockwatch says it is ready" wait_line "$T/two.ready" ready
ready=$(mono)
sleep "$WINDOW" # the traced window
sig=$(mono)
kill -INT $bw
wait $bw
rc=$?
kill -TERM $a $b
wait $a $b
check "-p A,B: exit 0 (rc=$rc)" test "$rc" -eq 0
# Both processes are traced: each is a tokio runtime with its workers, and the
# callsite (the same line in both) counts the sleeps both made in the window:
# at least those that ended 50 ms after ready (a sleep begun before the
# probes may go unseen), at most those from blockwatch's start to 300 ms after
# SIGINT (the first process is traced while the second one is being set up,
# before "ready"; the loop sees SIGINT within its 100 ms poll).
check "-p A,B: both processes traced, the callsite counts both" python3 - "$T/two.json" "$T/pa.truth" "$T/pb.truth" \
	"$a" "$b" "$ready" "$sig" "$start" <<'PY'
import json, sys
sys.path.insert(0, "tests/e2e/lib")
import bwtest
rep = json.load(open(sys.argv[1]))
truths = [json.load(open(p)) for p in sys.argv[2:4]]
pids = [int(x) for x in sys.argv[4:6]]
ready, sig, start = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
for pid in pids:
    assert any(p["pid"] == pid and p["runtime"] == "tokio" for p in rep["processes"]), (pid, rep["processes"])
    assert any(t["pid"] == pid and t["role"] == "worker" for t in rep["threads"]), f"no worker of {pid}"
ends = [e for t in truths for e in t["event_ends_monotonic_ns"]]
lo = sum(1 for e in ends if ready + 50_000_000 <= e <= sig)
hi = sum(1 for e in ends if start <= e <= sig + 300_000_000)
(e,) = truths[0]["expected"]
tally, _, _ = bwtest.score("two", "signals", rep["callsites"], [dict(e, count_bounds=[lo, hi])])
assert tally["found"] == 1 and tally["wrong"] == 0, (lo, hi, [bwtest.short(c) for c in rep["callsites"]])
PY

# --- --threshold ----------------------------------------------------------------
# The sleep scenario's calls take 10 ms: above a 50 ms threshold none is
# reported, and the report says which threshold it used.
timeout 60 "$BLOCKWATCH" trace -q --threshold 50ms -f json -o "$T/thr.json" -- \
	"$WL" --scenario sleep --truth "$T/thr.truth" >/dev/null 2>"$T/thr.err"
rc=$?
check "--threshold 50ms: exit 0 (rc=$rc), threshold_ns 50000000, no 10 ms sleep reported" python3 - "$T/thr.json" "$rc" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
assert sys.argv[2] == "0"
assert rep["threshold_ns"] == 50_000_000, rep["threshold_ns"]
assert rep["callsites"] == [], rep["callsites"]
PY
# and a threshold below them keeps all of them (the truth counts calls over 1.5 ms)
timeout 60 "$BLOCKWATCH" trace -q --threshold 5ms -f json -o "$T/thr5.json" -- \
	"$WL" --scenario sleep --truth "$T/thr5.truth" >/dev/null 2>"$T/thr5.err"
n=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["expected"][0]["count"])' "$T/thr5.truth" 2>/dev/null)
check "--threshold 5ms: every 10 ms sleep of the truth ($n) is reported" has_site "$T/thr5.json" "$T/thr5.truth" "${n:-1}"
[ "$failures" -eq 0 ]
