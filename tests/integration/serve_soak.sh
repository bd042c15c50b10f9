#!/bin/bash
# Soak: serve runs system-wide (--comm) for SOAK_SECONDS (60 in `make test`,
# `make soak` gives 600) while services keep starting and stopping: each
# turn runs a workload under a name from a rotating set of SOAK_NAMES (each
# name is a service of its own, so its callsites are new series), scraped as
# Prometheus would. A small --max-callsites keeps evicting. After a warm-up
# (the first third), serve's RSS and open file descriptors must stay flat
# (the mean of the last fifth of the samples within 5% of the mean of the
# first fifth after warm-up, fds within 2), and no event may be lost for a
# real reason.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TEST_NAME=serve_soak
. tests/lib/serve.sh
SECS=${SOAK_SECONDS:-60}
SOAK_NAMES=${SOAK_NAMES:-24}
# one copy, many names (hard links): comm and the exe's name differ, the
# disk use does not
cp "$WL" "$T/bwsoak-0"
for i in $(seq 1 $((SOAK_NAMES - 1))); do ln "$T/bwsoak-0" "$T/bwsoak-$i"; done
PORT=$(free_port)
M=http://127.0.0.1:$PORT/metrics

"$BLOCKWATCH" serve --listen "127.0.0.1:$PORT" --comm '^bwsoak-[0-9]+$' --max-callsites 8 \
	--ready-fd 3 3>"$T/ready" 2>"$T/serve.log" &
bw=$!
require "serve says it is ready" wait_line "$T/ready" ready 60

# The churn, one service at a time (a restart every few seconds: far more
# than a fleet sees), names rotating, scenarios with one and with several
# callsites in turn. After each one exits and two scrapes showed it gone
# (serve forgets it then), serve's RSS and descriptors are sampled: every
# sample is taken in the same state, so growth between them is a leak, not
# the process being traced at that moment.
scenarios=("attach --seconds 3" "demo --seconds 3")
end=$((SECONDS + SECS))
i=0
while [ "$SECONDS" -lt "$end" ] && kill -0 $bw 2>/dev/null; do
	# shellcheck disable=SC2086
	"$T/bwsoak-$((i % SOAK_NAMES))" --scenario ${scenarios[$((i % 2))]} --dir "$T" >/dev/null 2>&1
	for _ in 1 2; do
		sleep 1.1
		curl -s -o /dev/null "$M"
	done
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$bw/status 2>/dev/null)
	fds=$(ls /proc/$bw/fd 2>/dev/null | wc -l)
	echo "$SECONDS ${rss:-0} $fds" >>"$T/samples"
	i=$((i + 1))
done
curl -s "$M" >"$T/final.txt"
kill -TERM $bw
wait $bw
rc=$?
check "serve ran ${SECS}s of churn and ended with status 0 on SIGTERM (rc=$rc)" test "$rc" -eq 0
services=$(grep -c '^blockwatch_workers{' "$T/final.txt")
check "services came and went ($services series of blockwatch_workers)" test "$services" -ge 2
check "flat RSS and file descriptors after warm-up" python3 - "$T/samples" <<'PY'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 3]
rows = rows[len(rows) // 3:]  # after warm-up
k = max(1, len(rows) // 5)
first, last = rows[:k], rows[-k:]
mean = lambda xs: sum(xs) / len(xs)
rss0, rss1 = mean([r[1] for r in first]), mean([r[1] for r in last])
fd0, fd1 = mean([r[2] for r in first]), mean([r[2] for r in last])
print(f"# RSS {rss0:.0f} -> {rss1:.0f} KiB ({(rss1 / rss0 - 1) * 100:+.1f}%), fds {fd0:.1f} -> {fd1:.1f}, {len(rows)} samples after warm-up")
assert len(rows) >= 5, "too few samples"
assert rss1 <= rss0 * 1.05, "RSS grew more than 5%"
assert fd1 <= fd0 + 2, "file descriptors grew"
PY
python3 - "$T/samples" <<'PY'
import sys
for l in open(sys.argv[1]).read().split("\n")[::5]:
    if l: print("# sample (s, RSS KiB, fds):", l)
PY
check "no event lost for a real reason" python3 - "$T/final.txt" <<'PY'
import re, sys
real = {"ringbuf_full", "threads_map_full", "stack_copy_failed", "lock_holds_map_full",
        "bpf_runs_skipped", "syscall_end_unqueued", "bad_ring_buffer_record"}
lost = {m.group(1): float(m.group(2)) for m in
        re.finditer(r'^blockwatch_lost_events_total\{reason="([^"]+)"\} (\S+)$', open(sys.argv[1]).read(), re.M)}
assert real <= set(lost), f"reasons missing: {real - set(lost)}"
bad = {r: v for r, v in lost.items() if r in real and v}
assert not bad, bad
PY
evicted=$(awk '/^blockwatch_callsites_evicted_total/ {print $2}' "$T/final.txt")
check "callsite series stayed capped (evicted ${evicted:-none}, kept $(awk '/^blockwatch_callsites / {print $2}' "$T/final.txt") of 8)" \
	bash -c "[ \"\$(awk '/^blockwatch_callsites / {print \$2}' '$T/final.txt')\" -le 8 ] && [ \"${evicted:-0}\" -ge 1 ]"
[ "$failures" -eq 0 ] || tail -5 "$T/serve.log" | sed 's/^/#   /'
[ "$failures" -eq 0 ]
