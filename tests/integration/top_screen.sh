#!/bin/bash
# `blockwatch top` in a real terminal (tmux, 120x40) against the top fixture:
# the callsite row with file:line, the STUCK marker while a worker is stuck,
# sort, filter, detail pane, resize, and a clean exit on q.
set -u
cd "$(dirname "$0")/../.."
TEST_NAME=top_screen
. tests/integration/top-fixture/tmux-lib.sh
require_env

slow=$(marker_line TOP-SLOW)
freq=$(marker_line TOP-FREQUENT)
start_top 120 40 --interval 0.5 -- "$FIXTURE"

check "callsite row shows the blocking file:line (main.rs:$slow)" \
	wait_for "std::thread::sleep +main\.rs:$slow " 10
check "header names the target process and its runtime" \
	wait_for "^targets: [0-9]+ top-fixture tokio" 1
# the fixture blocks one worker for 3 s, 1.5 s after it starts
check "a stuck worker is flagged while it is stuck" \
	wait_for "^ +[0-9]+ tokio-runtime-w +STUCK [0-9.]+m?s in \S" 8
check "the STUCK marker goes away when the worker is back" wait_gone "STUCK" 5

before=$(screen | grep -oE 'sort: [a-z0-9]+')
keys s
check "s cycles the sort key (total -> count)" wait_for "sort: count" 2
[ "$before" = "sort: total" ] || { echo "# sort was '$before'"; not_ok "sort starts at total"; }
check "sorted by count, the most frequent callsite (main.rs:$freq) is first" \
	bash -c "sleep 0.2; $(declare -f first_row screen tm); TMUX_SOCK=$TMUX_SOCK TMUX_CONF=$TMUX_CONF first_row | grep -q 'main\.rs:$freq '"

keys / "main.rs:$freq" Enter
check "/ filter keeps the matching row" wait_for "main\.rs:$freq " 2
check "/ filter hides the rows that do not match (main.rs:$slow)" wait_gone "main\.rs:$slow " 2
check "the title shows the filter" wait_for "filter: main\.rs:$freq" 1
keys Escape
check "Esc clears the filter" wait_for "main\.rs:$slow " 3

keys Enter
check "Enter opens the detail pane with the stack" wait_for "stack \(innermost first\)" 2
check "the detail pane shows the latency histogram" wait_for "latency \(since start, [0-9]+ events\)" 1
check "the detail pane lists symbolized frames with file:line" wait_for " +[0-9]+ (\[inl\] )?top_fixture::.*\(main\.rs:$freq\)" 1
keys v
check "v switches to the last-interval view" wait_for "CALLSITES last interval" 2
keys v Enter

tm resize-window -t top -x 80 -y 24
check "still running and drawing after a resize to 80x24" wait_for "q:quit .*e:export" 3
tm resize-window -t top -x 30 -y 8
check "a too-small terminal gets a notice, not a crash" wait_for "too small" 3
tm resize-window -t top -x 120 -y 40
check "back to 120x40, the table is drawn again" wait_for "main\.rs:$slow " 3

check "the dashboard is on the alternate screen" test "$(pane '#{alternate_on}')" = 1
keys q
check "q gives the terminal back at once" screen_restored 1
check "q exits with status 0 and restores the terminal" exited_cleanly 10
check "the launched command is stopped with top" fixture_gone
finish
