#!/bin/bash
# Forced loss: a tiny ring buffer (--ring-buffer 64KiB) and a tracer that cannot
# read it for a second (SIGSTOP) while the workload keeps blocking. The events
# that found the buffer full must be counted (lost.ringbuf_full), said in the
# text summary, and account for what is missing: reported + lost covers the
# workload's own count of its sleeps. Truth: the workload (--truth).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
WL="$WORKLOADS/bw-workload"
T=$(mktemp -d /tmp/bw-ring.XXXXXX)
bw=
trap '[ -n "$bw" ] && kill -CONT $bw 2>/dev/null; rm -rf "$T"' EXIT
TESTS="bad_ring_buffer ring_loss_json ring_loss_text"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
require "workloads built ($WL)" test -x "$WL"

one_line_error "bad_ring_buffer: a size that is not a power of two is refused in one line" \
	"ring-buffer" "$BLOCKWATCH" trace --ring-buffer 100KiB -- /bin/true

# starved FORMAT: traces the attach scenario (a 10 ms sleep 40 times a second, 3 s)
# into $T/FORMAT.out, the tracer stopped for 1 s after the workload's first sleep
# (about 40 sleeps; 64 KiB holds 3 or 4 stack-carrying events)
starved() {
	"$BLOCKWATCH" trace --ring-buffer 64KiB -f "$1" -o "$T/$1.out" --ready-fd 3 -- \
		"$WL" --scenario attach --seconds 3 --truth "$T/$1.truth" \
		3>"$T/$1.ready" >"$T/$1.wl" 2>"$T/$1.err" &
	bw=$!
	wait_line "$T/$1.ready" ready 60
	wait_line "$T/$1.wl" running 30
	kill -STOP $bw
	sleep 1 # the outage itself, not a wait for readiness
	kill -CONT $bw
	wait $bw
	echo $? >"$T/$1.rc"
	bw=
}

starved json
check "ring_loss_json: exit 0, ringbuf_full counted, reported + lost covers the truth, and some were lost" \
	python3 - "$T/json.out" "$T/json.truth" "$(cat "$T/json.rc")" <<'PY'
import json, sys
rep, truth, rc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert rc == "0", f"exit {rc}"
(e,) = truth["expected"]
lost = rep["lost"]["ringbuf_full"]
got = sum(c["count"] for c in rep["callsites"])
print(f"truth {e['count']}, reported {got}, lost {lost}")
assert lost >= 10, "a 1 s outage with a 64 KiB buffer must lose events"
assert got < e["count"], "fewer reported than blocked"
# every sleep is reported or counted lost (10%: sleeps near the threshold on a loaded box)
assert got + lost >= e["count"] * 0.9 - 1, "events vanished without being counted"
PY

starved text
check "ring_loss_text: the text summary names the loss" \
	grep -E "ringbuf_full [1-9][0-9]*" "$T/text.out"
[ "$failures" -eq 0 ]
