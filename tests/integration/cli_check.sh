#!/bin/bash
# Foundation: the binary's CLI and `check` against the real kernel.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

check "version prints" bash -c "'$BLOCKWATCH' --version | grep -q '^blockwatch [0-9]'"
check "help lists commands" bash -c "'$BLOCKWATCH' --help | grep -q 'trace' && '$BLOCKWATCH' trace --help | grep -q -- '--threshold'"

# A busy process: a shell loop that sleeps briefly, so it switches often.
bash -c 'while :; do sleep 0.001; done' &
busy=$!
out=$("$BLOCKWATCH" check "$busy" 2>&1)
kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null
switches=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) context switches.*/\1/p')
if [ -n "$switches" ] && [ "$switches" -gt 10 ]; then
	ok "check counts context switches of a busy pid ($switches)"
else
	not_ok "check counts context switches of a busy pid: $out"
fi
for f in BTF tp_btf "ring buffer" uprobes task_pt_regs; do
	check "check reports $f support" bash -c "printf '%s\n' \"\$1\" | grep -qE '^  $f +(yes|no)'" _ "$out"
done

# Error cases: one clear line each, non-zero exit.
one_line_error "no such pid" "pid 999999 not found" "$BLOCKWATCH" check 999999
one_line_error "not root" "must run as root" setpriv --reuid=65534 --regid=65534 --clear-groups "$BLOCKWATCH" check
one_line_error "no BTF" "BTF not found" env BLOCKWATCH_BTF=/nonexistent/vmlinux "$BLOCKWATCH" check
one_line_error "trace: no such pid" "pid 999999 not found" "$BLOCKWATCH" trace -p 999999
one_line_error "trace: bad threshold" "bad threshold" "$BLOCKWATCH" trace --threshold 5 -p 1
one_line_error "trace: bad duration" "bad duration" "$BLOCKWATCH" trace --duration abc -p 1
one_line_error "trace: unknown flag" "unrecognized option|invalid option" "$BLOCKWATCH" trace --no-such-flag
sleep 30 &
sleeper=$!
one_line_error "trace: not a runtime" "not running a recognised async runtime.*--threads" "$BLOCKWATCH" trace -p "$sleeper" --duration 1
kill "$sleeper"
one_line_error "trace: command not found" "command not found" "$BLOCKWATCH" trace -- /nonexistent/program
one_line_error "unknown command" "unknown command" "$BLOCKWATCH" frobnicate
