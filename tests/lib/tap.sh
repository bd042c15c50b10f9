# Shared helpers for bash integration tests: TAP lines that tests/run.sh counts.
# Source it: . "$(dirname "$0")/../lib/tap.sh"

BLOCKWATCH=${BLOCKWATCH:-$PWD/build/blockwatch}
BUILD=${BUILD:-build}

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; }

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
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
