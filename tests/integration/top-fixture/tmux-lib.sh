# Helpers for tests/integration/top_*.sh: build the fixture, drive
# `blockwatch top` in a private tmux server, read the screen.
# Sourced, not run (it lives here so tests/run.sh does not count it as a test).

. tests/lib/tap.sh
FIXTURE_SRC=tests/integration/top-fixture
FIXTURE=$PWD/$BUILD/top-fixture/release/top-fixture
TMUX_SOCK=bw-top-test-$$
TMUX_CONF=$(mktemp)
STATUS_FILE=$(mktemp) # blockwatch's exit status, written by the pane's shell

# The expected file:line comes from the fixture's marker comments.
marker_line() { grep -n "// $1\$" "$FIXTURE_SRC/src/main.rs" | cut -d: -f1; }

require_env() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	command -v tmux >/dev/null || skip_all "tmux not installed"
	[ -x "$BLOCKWATCH" ] || skip_all "$BLOCKWATCH not built"
	local cargo
	cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
	[ -x "$cargo" ] || skip_all "cargo not installed (needed for the fixture)"
	# fast when up to date; ~15 s the first time
	CARGO_TARGET_DIR=$PWD/$BUILD/top-fixture "$cargo" build -q --release \
		--manifest-path "$FIXTURE_SRC/Cargo.toml" || { not_ok "build top-fixture"; exit 1; }
}

tm() { tmux -L "$TMUX_SOCK" -f "$TMUX_CONF" "$@"; }

top_pid=
cleanup() {
	tm kill-server 2>/dev/null # SIGHUP: top exits and stops its fixture
	# detaching the BPF uprobes takes the tracer a few seconds after the
	# screen is restored; wait, so the next test does not overlap with it
	local i
	for ((i = 0; i < 100 && ${#top_pid} > 0; i++)); do
		kill -0 "$top_pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$TMUX_CONF" "$STATUS_FILE"
}
trap cleanup EXIT

# start_top COLS ROWS ARGS...: blockwatch top in a detached pane of that size
start_top() {
	local cols=$1 rows=$2; shift 2
	cat >"$TMUX_CONF" <<-CONF
	set -g remain-on-exit on
	set -g default-terminal screen-256color
	set -g status off
	CONF
	: >"$STATUS_FILE"
	# The pane's shell records the exit status: tmux 3.3 sometimes leaves a
	# pane's exited process unreaped, so #{pane_dead_status} is not reliable.
	tm new-session -d -s top -x "$cols" -y "$rows" "$BLOCKWATCH top $*; echo \$? >$STATUS_FILE"
	local sh i
	sh=$(pane '#{pane_pid}')
	for ((i = 0; i < 50; i++)); do
		top_pid=$(pgrep -P "$sh" -x blockwatch) && break
		sleep 0.05
	done
}

screen() { tm capture-pane -p -t top; }
pane() { tm display-message -p -t top "$1"; }
pane_dead() { [ "$(pane '#{pane_dead}')" = 1 ]; }

# wait_for REGEX [SECS]: until the screen shows it
wait_for() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		screen | grep -qE -- "$1" && return 0
		pane_dead && break
		sleep 0.1
	done
	echo "# waited for /$1/; screen was:"; screen | sed 's/^/# | /'
	return 1
}

# wait_gone REGEX [SECS]: until the screen no longer shows it
wait_gone() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		screen | grep -qE -- "$1" || return 0
		sleep 0.1
	done
	echo "# still showing /$1/:"; screen | sed 's/^/# | /'
	return 1
}

keys() { tm send-keys -t top "$@"; }

# The first callsite row: the line after the column headings.
first_row() { screen | grep -A1 -E '^ +COUNT +TOTAL' | sed -n 2p; }

# The screen is given back at once (alternate screen left), before the
# tracer's slower teardown.
screen_restored() {
	local i
	for ((i = 0; i < ${1:-1} * 10; i++)); do
		[ "$(pane '#{alternate_on}')" = 0 ] && return 0
		sleep 0.1
	done
	echo "# still on the alternate screen"
	return 1
}

# Exited with status 0 and left the alternate screen (terminal restored).
exited_cleanly() {
	local i st alt
	for ((i = 0; i < ${1:-10} * 10; i++)); do
		st=$(cat "$STATUS_FILE")
		[ -n "$st" ] && break
		sleep 0.1
	done
	alt=$(pane '#{alternate_on}')
	[ "$st" = 0 ] && [ "$alt" = 0 ] || { echo "# status '$st' alternate_on '$alt'"; return 1; }
}

# No fixture process left behind (the tracer kills what it launched).
fixture_gone() {
	local i
	for ((i = 0; i < 30; i++)); do
		pgrep -xf "$FIXTURE" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

finish() { [ "$failures" -eq 0 ]; }
