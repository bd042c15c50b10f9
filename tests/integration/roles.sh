#!/bin/bash
# tokio-matrix
# Thread roles that change while a program runs. block_in_place hands a worker's
# core to a new thread and blocks by design: nothing it does is a worker stall, and
# the threads whose core moved on are blocking-pool threads afterwards, not workers
# blocked 70-80% of the time. Truth: the workload (its worker count, and no callsite).
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

WL="$WORKLOADS/bw-workload"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$WL" ] || { not_ok "roles: workloads built" "$WL missing (make workloads)"; exit 1; }

for mode in default sys_exit; do
	env_mode=""
	[ "$mode" = sys_exit ] && env_mode="BLOCKWATCH_NO_TASK_WORK=1"
	env $env_mode timeout 60 "$BLOCKWATCH" trace -q -f json -o "$tmp/bip-$mode.json" -- \
		"$WL" --scenario block-in-place --truth "$tmp/bip-$mode.truth" >/dev/null 2>&1
	check "block_in_place ($mode): exits 0 with a report" test -s "$tmp/bip-$mode.json"
	check "block_in_place ($mode): no callsite, no worker blocking at all" python3 - \
		"$tmp/bip-$mode.json" "$tmp/bip-$mode.truth" <<'PY'
import json, sys
rep, truth = (json.load(open(p)) for p in sys.argv[1:3])
assert truth["negative"] and not truth["expected"], truth
bad = [f"callsite {c['file']}:{c['line']} {c['blocking_api']} x{c['count']}" for c in rep["callsites"]]
# the old verdict: every sleep inside the closure counted as the runtime's own blocking
# (59 of 60); a few short internal waits (thread start-up) are allowed, as elsewhere
if rep["runtime_internal"]["count"] > 5:
    bad.append(f"runtime_internal {rep['runtime_internal']}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
	check "block_in_place ($mode): the core holders are the workers, the retired threads are not" \
		python3 - "$tmp/bip-$mode.json" "$tmp/bip-$mode.truth" <<'PY'
import json, sys
rep, truth = (json.load(open(p)) for p in sys.argv[1:3])
pid = truth["pid"]
roles = [t["role"] for t in rep["threads"] if t["pid"] == pid]
workers, pool = roles.count("worker"), roles.count("blocking")
print(f"roles {sorted(roles)}; the runtime has {truth['workers']} cores")
# each block_in_place moved a core to a new thread: more threads than cores ran as
# workers, and all but the last holders went back to the pool
sys.exit(0 if workers == int(truth["workers"]) and pool >= 1 else 1)
PY
done
