#!/bin/bash
# Runs every test and prints "N passed, N failed, N skipped" last.
# Each test program prints TAP lines ("ok - name", "not ok - name",
# "ok - name # SKIP why"); a program that exits non-zero without any
# "not ok" line counts as one failure of its own.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD BLOCKWATCH="$PWD/$BUILD/blockwatch"
passed=0 failed=0 skipped=0
log_dir="$BUILD/test-logs"
mkdir -p "$log_dir"

run_one() { # name, command...
	local name=$1; shift
	local out="$log_dir/$(basename "$name").log"
	echo "== $name"
	"$@" >"$out" 2>&1
	local rc=$?
	local p f s
	p=$(grep -cE '^ok - ' "$out" | head -1)
	s=$(grep -cE '^ok - .*# SKIP' "$out" | head -1)
	f=$(grep -cE '^not ok - ' "$out" | head -1)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc" >>"$out"
		f=1
	fi
	grep -E '^(not ok|ok) - ' "$out" | sed 's/^/   /'
	if [ "$f" -gt 0 ]; then
		echo "   --- log of $name (last 40 lines):"
		tail -n 40 "$out" | sed 's/^/   | /'
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_one "$t" "$t"
done
for t in tests/integration/*.sh tests/e2e/*.sh tests/e2e/*.py; do
	[ -e "$t" ] || continue
	case $t in
	*.py) run_one "$t" python3 "$t" ;;
	*) run_one "$t" bash "$t" ;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
