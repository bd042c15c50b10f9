# Shared helpers for the bash tests: TAP lines that tests/run.sh counts.
# Source it from the repository root: . tests/lib/tap.sh
# A test file that may skip as a whole lists its test names in TESTS
# (or sets TEST_NAME) before calling skip_all.

BUILD=${BUILD:-build}
BLOCKWATCH=${BLOCKWATCH:-$PWD/$BUILD/blockwatch}
# The Tokio version's build of tests/workloads: tests/run.sh sets BW_TOKIO and
# WORKLOADS for a file marked "# tokio-matrix"; test names then carry the version.
WORKLOADS=${WORKLOADS:-$PWD/$BUILD/workloads}
LABEL=${BW_TOKIO:+[tokio $BW_TOKIO] }
failures=0

ok() { echo "ok - $LABEL$1"; }
# not_ok NAME [DETAIL]: the detail goes on a "# " line below
not_ok() {
	failures=$((failures + 1))
	echo "not ok - $LABEL$1"
	if [ $# -gt 1 ]; then echo "# $2"; fi
}
# skip NAME WHY: only for a capability the machine lacks (tests/run.sh fails
# the run on any skip the machine does not explain)
skip() { echo "ok - $LABEL$1 # SKIP $2"; }
# require NAME COMMAND...: a build or setup step, not a test: no "ok" line when
# it works (a "# " note), a failure that ends the file when it does not.
require() {
	local name=$1 log
	shift
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		echo "# precondition: $name"
		rm -f "$log"
		return 0
	fi
	not_ok "$name (a build or setup step failed)"
	sed 's/^/#   /' "$log" | tail -20
	rm -f "$log"
	exit 1
}
# skip_all WHY: skips every test of the file and exits
skip_all() {
	local t
	for t in ${TESTS:-${TEST_NAME:-$(basename "$0" .sh)}}; do skip "$t" "$1"; done
	exit 0
}

# check NAME COMMAND...: passes when COMMAND succeeds; its output is shown
# (first 20 lines) only when it fails.
check() {
	local name=$1 log
	shift
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/#   /' "$log" | head -20
	fi
	rm -f "$log"
}

# wait_line FILE LINE [SECONDS]: waits (default 60 s) until FILE has a line
# exactly LINE: readiness by signal (blockwatch --ready-fd, a workload's
# "running"), not by a fixed sleep
wait_line() {
	local i
	for ((i = 0; i < ${3:-60} * 20; i++)); do
		grep -qx -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# no line '$2' in $1 after ${3:-60} s"
	return 1
}

# one_line_error NAME EXPECTED_REGEX COMMAND...: COMMAND must exit non-zero
# and print exactly one line on stderr matching the regex.
one_line_error() {
	local name=$1 re=$2 err rc
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ $err =~ $re ]]; then
		ok "$name"
	else
		not_ok "$name (rc=$rc, stderr: $err)"
	fi
}
