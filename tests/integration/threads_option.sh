#!/bin/bash
# --threads REGEX makes a program without a recognised runtime traceable: the
# threads whose name matches are the workers. Ground truth: the C fixture
# (tests/fixtures/c/inline_sleep.c) sleeps once, N seconds, at its MARK-SLEEP
# line, on its main thread. Also --threshold: a sleep below it is not reported.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
FX=$PWD/$BUILD/fixtures/c/inline_sleep
SRC=tests/fixtures/c/inline_sleep.c
T=$(mktemp -d /tmp/bw-threads.XXXXXX)
trap 'rm -rf "$T"' EXIT
TESTS="no_runtime_error threads_worker threads_threshold"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
require "C fixture built ($FX)" test -x "$FX"
line=$(grep -n "MARK-SLEEP" "$SRC" | cut -d: -f1)

"$FX" 30 &
fx=$!
one_line_error "no_runtime_error: without --threads, -p on a program with no runtime is refused, saying what to do" \
	"not running a recognised async runtime.*--threads" "$BLOCKWATCH" trace -p $fx
kill $fx
wait $fx 2>/dev/null

"$BLOCKWATCH" trace -q --threads '^inline_sleep$' -f json -o "$T/w.json" -- "$FX" 1 >/dev/null 2>"$T/w.err"
check "threads_worker: the named thread is a worker, its 1 s sleep reported once at inline_sleep.c:$line" \
	python3 - "$T/w.json" "$line" <<'PY'
import json, sys
rep, line = json.load(open(sys.argv[1])), int(sys.argv[2])
cs = rep["callsites"]
assert len(cs) == 1, cs
c = cs[0]
assert c["file"].endswith("inline_sleep.c") and c["line"] == line, (c["file"], c["line"])
assert c["count"] == 1 and 0.95e9 <= c["total_ns"] <= 1.3e9, (c["count"], c["total_ns"])
assert c["category"] == "sleep", c["category"]
assert [t["role"] for t in rep["threads"]] == ["worker"], rep["threads"]
PY

"$BLOCKWATCH" trace -q --threads '^inline_sleep$' --threshold 2s -f json -o "$T/t.json" -- "$FX" 1 >/dev/null 2>&1
check "threads_threshold: a 1 s sleep under --threshold 2s is not reported, its time still counted" \
	python3 - "$T/t.json" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
assert rep["callsites"] == [], rep["callsites"]
(t,) = rep["threads"]
assert t["blocked_ns"] >= 0.95e9, t
PY
[ "$failures" -eq 0 ]
