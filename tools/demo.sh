#!/bin/bash
# `make demo`: run the bundled Tokio demo workload under `blockwatch trace`
# for 10 seconds and print what it finds. The workload blocks its runtime
# the classic ways (std::thread::sleep, std::fs, a contended std Mutex) and
# also does it right (spawn_blocking, tokio::time::sleep), which must stay quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: blockwatch needs root; run: sudo make demo" >&2
	exit 1
fi
exec "$BUILD/blockwatch" trace --duration 10 -- "$BUILD/workloads/bw-workload" --scenario demo --seconds 12
