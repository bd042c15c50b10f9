#!/bin/bash
# make bench: builds the benchmark's programs under $BUILD/bench/ and runs
# tools/bench/bench.py, which writes $BUILD/bench/results/{results.md,results.json}.
#   BENCH_QUICK=1   ~5 minute version (the full run takes ~15 minutes on a quiet machine)
# Other knobs (BENCH_ROUNDS, BENCH_DURATION, BENCH_CONFIGS, BENCH_PHASES,
# BENCH_UPDATE_DOC) are described at the top of tools/bench/bench.py and in
# docs/PERFORMANCE.md. Needs root, 2+ CPUs, wrk; bpftrace and perf are optional
# peers (skipped when missing). Packages: wrk bpftrace linux-perf librust-hyper-dev.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
export BUILD
out="$BUILD/bench"
mkdir -p "$out"

missing=()
for tool in wrk bpftool taskset python3; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "bench: missing ${missing[*]}: apt-get install wrk bpftool util-linux python3" >&2
	exit 1
fi
if [ ! -d /usr/share/cargo/registry/hyper-0.14.19 ] && ! ls -d /usr/share/cargo/registry/hyper-0.14.* >/dev/null 2>&1; then
	echo "bench: hyper crate sources missing: apt-get install librust-hyper-dev" >&2
	exit 1
fi
for tool in bpftrace perf; do
	command -v "$tool" >/dev/null 2>&1 || echo "bench: $tool not installed; its peer runs are skipped" >&2
done

CARGO=${CARGO:-$(command -v cargo 2>/dev/null || echo "$HOME/.cargo/bin/cargo")}
q=-q
[ "${V:-}" = 1 ] && q=-v
printf '  %-8s %s\n' CARGO "$out/bench-http-server"
CARGO_TARGET_DIR="$root/$out/target" "$CARGO" build $q --release \
	--manifest-path tools/bench/http-server/Cargo.toml
cp "$out/target/release/bench-http-server" "$out/bench-http-server"
# The same service on Tokio 1.49 (vendored beside the project in ../shared/vendor);
# its phases are skipped when that folder is not there. The vendored crates' own
# lint warnings are not ours: they go to a log shown only when the build fails.
if [ -d "$root/../shared/vendor/tokio-1.49.0" ]; then
	printf '  %-8s %s\n' CARGO "$out/bench-http-server-tokio149"
	if ! CARGO_TARGET_DIR="$root/$out/target149" "$CARGO" build $q --release \
		--manifest-path tools/bench/http-server-tokio149/Cargo.toml >"$out/build-tokio149.log" 2>&1; then
		cat "$out/build-tokio149.log" >&2
		exit 1
	fi
	cp "$out/target149/release/bench-http-server-tokio149" "$out/bench-http-server-tokio149"
fi
printf '  %-8s %s\n' CC "$out/switch-storm"
${CC:-cc} -O2 -g -Wall -Wextra -Werror -pthread -o "$out/switch-storm" tools/bench/switch-storm.c

# bpftrace's tracepoints need tracefs (not mounted at boot on some machines).
if [ -d /sys/kernel/tracing ] && [ ! -e /sys/kernel/tracing/events ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi

exec python3 tools/bench/bench.py
