#!/bin/bash
# `blockwatch top --iterations N` for scripts: plain-text frames when stdout
# is not a terminal, the dashboard for N refreshes on a terminal, and a
# clear error when neither makes sense.
set -u
cd "$(dirname "$0")/../.."
TEST_NAME=top_plain
. tests/integration/top-fixture/tmux-lib.sh
require_env

slow=$(marker_line TOP-SLOW)
out=$(mktemp)
timeout 20 "$BLOCKWATCH" top --interval 0.4 --iterations 4 -- "$FIXTURE" >"$out" 2>&1
rc=$?
check "not a terminal: --iterations 4 exits 0 by itself" test "$rc" = 0
check "not a terminal: 4 plain-text frames" test "$(grep -c '^ blockwatch top  up ' "$out")" = 4
check "plain frames show the callsite row with main.rs:$slow" grep -qE "std::thread::sleep +main\.rs:$slow " "$out"
check "plain frames have no escape sequences" bash -c "! grep -q $'\e' '$out'"
[ "$failures" = 0 ] || sed 's/^/# | /' "$out"

# --locks: an async lock held across an .await is flagged in the header while
# held, and its acquisition site is a row; lines come from the workload's truth
workload=$PWD/$BUILD/workloads/bw-workload
truth=$(mktemp)
timeout 30 "$BLOCKWATCH" top --locks --interval 0.4 --iterations 4 -- \
	"$workload" --scenario async-lock --truth "$truth" >"$out" 2>&1
hold_line() { # kind: the acquiring line of the truth's first hold of that kind
	python3 -c 'import json,sys; print([h["line"] for h in json.load(open(sys.argv[1]))["lock_holds"] if h["kind"] == sys.argv[2]][0])' "$truth" "$1"
}
mutex=$(hold_line tokio::sync::Mutex)
check "--locks: a lock held across .await is flagged while held" grep -q '^HELD across .await [^:]*: tokio::sync::Mutex ' "$out"
check "--locks: the tokio Mutex held across .await is a row at async_lock.rs:$mutex" \
	grep -qE "async-lock +tokio::sync::Mutex +async_lock\.rs:$mutex " "$out"
[ "$failures" = 0 ] || sed 's/^/# | /' "$out"
rm -f "$truth"

timeout 10 "$BLOCKWATCH" top -- "$FIXTURE" >"$out" 2>&1
rc=$?
check "not a terminal and no --iterations: exit 2 with a hint" \
	bash -c "[ $rc = 2 ] && grep -q 'give --iterations N' '$out'"

start_top 100 30 --interval 0.3 --iterations 3 -- "$FIXTURE"
check "on a terminal, --iterations 3 ends by itself with status 0 and restores it" exited_cleanly 15
check "the launched command is stopped with top" fixture_gone
rm -f "$out"
finish
