#!/bin/bash
# `blockwatch top` at the 80x24 minimum: everything fits, pause and export
# work, and SIGTERM restores the terminal. The screen is saved to
# $BUILD/test-logs/top-80x24.screen (docs/blockwatch-top.md shows one).
set -u
cd "$(dirname "$0")/../.."
TEST_NAME=top_small
. tests/integration/top-fixture/tmux-lib.sh
require_env

slow=$(marker_line TOP-SLOW)
export_dir=$(mktemp -d)
start_top 80 24 --interval 0.5 --export-dir "$export_dir" -- "$FIXTURE"

check "80x24: the callsite row with main.rs:$slow fits" wait_for "sleep +thread::sleep +main\.rs:$slow " 10
check "80x24: worker rows with their state bar" wait_for "^ +[0-9]+ tokio-runtime-w +\[[-=#~ ]+\] blk" 1
check "80x24: the help line is on the last row" bash -c "$(declare -f screen tm); TMUX_SOCK=$TMUX_SOCK TMUX_CONF=$TMUX_CONF screen | tail -n 1 | grep -q 'q:quit.*e:export'"
mkdir -p "$BUILD/test-logs"
screen >"$BUILD/test-logs/top-80x24.screen"

keys p
check "p pauses (PAUSED in the header)" wait_for "PAUSED" 2
frozen=$(screen | grep -E "main\.rs:$slow ")
sleep 1.2
check "paused: the numbers stay as they were" bash -c "$(declare -f screen tm); TMUX_SOCK=$TMUX_SOCK TMUX_CONF=$TMUX_CONF screen | grep -qF -- '$frozen'"
keys p
check "p again resumes" wait_gone "PAUSED" 2

keys e
check "e reports where the export went" wait_for "exported [0-9]+ callsites to $export_dir/" 2
json=$(ls "$export_dir"/blockwatch-top-*.json 2>/dev/null | head -1)
check "the export is JSON with the callsite on screen" python3 - "$json" "$slow" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert any(c["line"] == int(sys.argv[2]) and c["file"].endswith("main.rs") for c in d["callsites"]), d["callsites"]
PY

keys c
check "c clears the callsites" wait_for "cleared: callsite numbers start again" 2

kill -TERM "$top_pid"
check "SIGTERM gives the terminal back at once" screen_restored 1
check "SIGTERM exits with status 0 and restores the terminal" exited_cleanly 10
check "the launched command is stopped with top" fixture_gone
rm -rf "$export_dir"
finish
