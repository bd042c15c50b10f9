#!/bin/bash
# Fuzzing in `make test` (issue 15): every seed and regression input is
# replayed through each harness (ordinary build, then the sanitized libFuzzer
# build when clang could make it), then each libFuzzer target runs for
# FUZZ_TEST_SECONDS (default 8) from the seed corpus. Any crash, leak,
# sanitizer report or timeout fails; the input is kept in $BUILD/fuzz/crashes
# -- copy it to tests/fuzz/regressions/TARGET/ once fixed.
# `make fuzz` runs the same with FUZZ_SECONDS (default 60) each.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TARGETS="recording elf maps cli serve profile"
SECS=${FUZZ_TEST_SECONDS:-8}
CRASHES=$BUILD/fuzz/crashes
WORK=$(mktemp -d /tmp/bw-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$CRASHES"

inputs() { # TARGET: its seed and regression folders that exist
	local d
	for d in tests/fuzz/corpus/$1 tests/fuzz/regressions/$1; do
		[ -d "$d" ] && echo "$d"
	done
}

for t in $TARGETS; do
	replay=$BUILD/fuzz/replay_$t
	if [ -x "$replay" ]; then
		check "fuzz_replay_$t" timeout 300 "$replay" $(inputs "$t")
	else
		not_ok "fuzz_replay_$t" "$replay not built (make $replay)"
	fi
done

for t in $TARGETS; do
	fz=$BUILD/fuzz/fuzz_$t
	if [ ! -x "$fz" ]; then
		skip "fuzz_asan_replay_$t" "no libFuzzer build ($fz)"
		skip "fuzz_run_$t" "no libFuzzer build ($fz)"
		continue
	fi
	files=$(find $(inputs "$t") -type f | sort)
	# shellcheck disable=SC2086
	check "fuzz_asan_replay_$t" timeout 300 "$fz" -rss_limit_mb=4096 -timeout=60 $files
	mkdir -p "$WORK/$t"
	log=$WORK/$t.log
	if timeout $((SECS + 120)) "$fz" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=3072 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$CRASHES/$t-" \
		"$WORK/$t" $(inputs "$t") >"$log" 2>&1; then
		ok "fuzz_run_$t ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs in ${SECS}s)"
	else
		not_ok "fuzz_run_$t" "crash or timeout; input in $CRASHES (add it to tests/fuzz/regressions/$t)"
		grep -E 'ERROR|SUMMARY|#0 |#1 |#2 |#3 ' "$log" | head -15 | sed 's/^/#   /'
	fi
done
exit $((failures > 0))
