#!/bin/bash
# tokio-matrix
# Options that change what is reported, against the sleep workload's truth
# (one line, std::thread::sleep of 10 ms, COUNT calls): trace --stacks prints
# each live line's stack through that line; record --live prints one live line
# per recorded interval (the recording holds exactly as many); --library-crates
# moves the callsite out of the named function to its caller; --stuck flags a
# worker blocked longer than it while it still is (the top fixture blocks one
# worker for 3 s every 6 s, at its TOP-STUCK line), and only that one.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
WL="$WORKLOADS/bw-workload"
T=$(mktemp -d /tmp/bw-options.XXXXXX)
trap 'rm -rf "$T"' EXIT
TEST_NAME=options
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
require "workloads built ($WL)" test -x "$WL"

# truth FILE KEY: a field of the truth's one expected entry (file is the base name)
truth() {
	python3 -c 'import json, os, sys
e = json.load(open(sys.argv[1]))["expected"][0]
print(os.path.basename(e["file"]) if sys.argv[2] == "file" else e[sys.argv[2]])' "$1" "$2"
}

# --- trace --stacks -------------------------------------------------------------
timeout 60 "$BLOCKWATCH" trace --stacks -- "$WL" --scenario sleep --truth "$T/stacks.truth" \
	>"$T/stacks.txt" 2>"$T/stacks.err"
rc=$?
site="$(truth "$T/stacks.truth" file):$(truth "$T/stacks.truth" line)"
count=$(truth "$T/stacks.truth" count)
slack=$(truth "$T/stacks.truth" count_slack)
# Every live line at the site is followed by its stack: frame lines (indented,
# "FUNCTION at FILE:LINE"), one of them at the site, the innermost the sleep
# syscall's libc wrapper. Live lines come for every interval over 1 ms: the
# truth's count (over 1.5 ms) plus its ambiguous 1-1.5 ms calls.
check "trace --stacks: exit 0 (rc=$rc), $count..$((count + slack)) live lines at $site, each with its stack through it" \
	python3 - "$T/stacks.txt" "$site" "$count" "$slack" "$rc" <<'PY'
import re, sys
assert sys.argv[5] == "0", f"exit {sys.argv[5]}"
lines = open(sys.argv[1]).read().splitlines()
site, count, slack = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
live = [i for i, l in enumerate(lines) if l.endswith("]") and f"({site})" in l]
assert count <= len(live) <= count + slack, f"{len(live)} live lines at {site}"
for i in live:
    frames = []
    for l in lines[i + 1:]:
        if not l.startswith("           "):
            break
        frames.append(l.strip())
    assert frames, f"no stack after line {i}: {lines[i]}"
    assert "nanosleep" in frames[0], f"innermost frame {frames[0]}"
    assert any(re.search(r" at \S*/" + re.escape(site) + "$", f) for f in frames), f"no frame at {site}: {frames[:8]}"
PY

# --- record --live ----------------------------------------------------------------
timeout 60 "$BLOCKWATCH" record --live -o "$T/live.bw" -- "$WL" --scenario sleep --truth "$T/live.truth" \
	>/dev/null 2>"$T/live.err"
rc=$?
site="$(truth "$T/live.truth" file):$(truth "$T/live.truth" line)"
"$BLOCKWATCH" report "$T/live.bw" -f json -o "$T/live.json"
check "record --live: exit 0 (rc=$rc), a live line on stderr for every recorded interval at $site, no stack" \
	python3 - "$T/live.err" "$T/live.json" "$site" "$rc" <<'PY'
import json, os, sys
assert sys.argv[4] == "0", f"exit {sys.argv[4]}"
err = open(sys.argv[1]).read().splitlines()
rep = json.load(open(sys.argv[2]))
site = sys.argv[3]
live = [l for l in err if l.endswith("]") and f"({site})" in l]
recorded = sum(c["count"] for c in rep["callsites"]
               if f"{os.path.basename(c['file'] or '')}:{c['line']}" == site)
# the report counts intervals over the threshold, as the live lines do
assert recorded > 0 and len(live) == recorded, f"{len(live)} live lines, {recorded} recorded"
assert not any(" at /" in l for l in err), "stack frames without --stacks"
PY

# --- --library-crates -------------------------------------------------------------
# Naming the function that holds the blocking line a library moves the callsite
# to its caller: the same file, an earlier line, another function, every call.
timeout 60 "$BLOCKWATCH" trace -q -f json -o "$T/lib.json" \
	--library-crates bw_workload::scenarios::sleep::load_profile -- \
	"$WL" --scenario sleep --truth "$T/lib.truth" >/dev/null 2>"$T/lib.err"
rc=$?
check "--library-crates: exit 0 (rc=$rc), the callsite moves to the caller of the named function" \
	python3 - "$T/lib.json" "$T/lib.truth" "$rc" <<'PY'
import json, sys
assert sys.argv[3] == "0", f"exit {sys.argv[3]}"
sys.path.insert(0, "tests/e2e/lib")
import bwtest
rep, truth = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
(e,) = truth["expected"]
cs = rep["callsites"]
assert len(cs) == 1, [bwtest.short(c) for c in cs]
c = cs[0]
assert bwtest.same_file(c["file"], e["file"]) and c["line"] < e["line"], bwtest.short(c)
assert "load_profile" not in c["function"], bwtest.short(c)
assert c["category"] == e["category"] and bwtest.api_ok(c["blocking_api"], e["blocking_api"]), bwtest.short(c)
lo, hi = bwtest.count_range(e, bwtest.lost_intervals(rep))
assert lo <= c["count"] <= hi, (bwtest.short(c), lo, hi)
PY
# --- --stuck ----------------------------------------------------------------------
FIX_SRC=tests/integration/top-fixture
FIXTURE=$PWD/$BUILD/top-fixture/release/top-fixture
CARGO=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
require "top fixture builds" env CARGO_TARGET_DIR="$PWD/$BUILD/top-fixture" "$CARGO" build -q --release \
	--manifest-path "$FIX_SRC/Cargo.toml"
stuck_line=$(grep -n '// TOP-STUCK$' "$FIX_SRC/src/main.rs" | cut -d: -f1)
# 4 s: the first 3 s block starts 1.5 s in (see the fixture)
timeout 60 "$BLOCKWATCH" trace --stuck 500ms --duration 4 -- "$FIXTURE" >"$T/stuck.txt" 2>&1
rc=$?
check "--stuck 500ms: exit 0 (rc=$rc), the 3 s block at main.rs:$stuck_line flagged STUCK (0.5-3 s), nothing else" \
	python3 - "$T/stuck.txt" "main.rs:$stuck_line" "$rc" <<'PY'
import re, sys
assert sys.argv[3] == "0", f"exit {sys.argv[3]}"
stuck = [l for l in open(sys.argv[1]).read().splitlines() if " STUCK " in l]
assert stuck, "no STUCK line"
for l in stuck:
    assert f"({sys.argv[2]})" in l, f"STUCK elsewhere: {l}"
    m = re.search(r" ([0-9.]+)(ms|s) STUCK ", l)
    ms = float(m.group(1)) * (1000 if m.group(2) == "s" else 1)
    # flagged once past --stuck, on a ~100 ms check; the block itself lasts 3 s
    assert 500 <= ms < 3000, l
PY
timeout 60 "$BLOCKWATCH" trace --stuck 5s --duration 4 -- "$FIXTURE" >"$T/stuck5.txt" 2>&1
rc=$?
check "--stuck 5s: exit 0 (rc=$rc), a 3 s block is not flagged" \
	bash -c "[ $rc -eq 0 ] && grep -q 'Blocking on' '$T/stuck5.txt' && ! grep -q ' STUCK ' '$T/stuck5.txt'"
[ "$failures" -eq 0 ]
