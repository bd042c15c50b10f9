#!/bin/bash
# The representative sanitizer run CI does (issue 15): the unit tests (recording
# reader and writers, symbolizer, unwinder, blame, report formats, the hardening
# cases) built with AddressSanitizer and UndefinedBehaviorSanitizer and run; any
# sanitizer report aborts the test program, so it fails. The whole suite under
# sanitizers is `make SANITIZE=1 BUILD=build-san test` (docs/security.md).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
SAN="$BUILD/san"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! nice make -s -j2 SANITIZE=1 BUILD="$SAN" unit-tests >"$log" 2>&1; then
	not_ok "sanitized build of the unit tests" "$(tail -5 "$log")"
	exit 1
fi
n=0
for t in "$SAN"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	name=$(basename "$t")
	if ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
		timeout 600 "$t" >"$log" 2>&1 && ! grep -qE "AddressSanitizer|runtime error:" "$log"; then
		ok "$name under ASan+UBSan"
	else
		not_ok "$name under ASan+UBSan" "$(grep -m3 -E 'AddressSanitizer|runtime error:|not ok' "$log")"
	fi
done
[ "$n" -gt 0 ] || not_ok "sanitized unit tests found in $SAN/tests"
