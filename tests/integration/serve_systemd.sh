#!/bin/bash
# tools/systemd/blockwatch.service: systemd-analyze verifies it, and serve
# works inside what its hardening leaves (this machine's PID 1 is not
# systemd, so the unit's sandbox is rebuilt by hand): the unit's
# CapabilityBoundingSet (read from the file, not repeated here) and
# NoNewPrivileges through setpriv, ProtectSystem=strict as a read-only root
# in a mount namespace of its own, PrivateTmp as an empty /tmp. The traced
# workload's blocking is exported (count against its truth).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TEST_NAME=serve_systemd
. tests/lib/serve.sh
UNIT=tools/systemd/blockwatch.service
require "systemd-analyze installed" command -v systemd-analyze
require "setpriv and unshare installed (util-linux)" command -v setpriv unshare

sed "s|/usr/local/bin/blockwatch|$BLOCKWATCH|" "$UNIT" >"$T/blockwatch.service"
check "systemd-analyze verify accepts the unit" systemd-analyze verify "$T/blockwatch.service"
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
check "the unit sets NoNewPrivileges and ProtectSystem=strict" \
	test "$(unit_value NoNewPrivileges)-$(unit_value ProtectSystem)" = "yes-strict"
# CAP_BPF CAP_PERFMON ... -> -all,+bpf,+perfmon,...
caps=$(unit_value CapabilityBoundingSet | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd,)
check "the unit's bounding set is what src/util/privileges.c keeps (7 capabilities: $caps)" \
	test "$(echo "$caps" | tr ',' '\n' | wc -l)" -eq 7

PORT=$(free_port)
"$WL" --scenario attach --seconds 6 --truth "$T/wl.json" >"$T/wl.out" 2>&1 &
wl=$!
require "the workload says it is running" wait_line "$T/wl.out" running
# the sandbox: a private mount namespace, / read-only, an empty /tmp, then
# the bounding set and no_new_privs, then serve
unshare --mount --propagation private sh -c '
	mount -t tmpfs tmpfs /tmp &&
	mount -o remount,bind,ro / &&
	exec setpriv --no-new-privs --bounding-set "-all,'"$caps"'" -- \
		"$0" serve --listen "127.0.0.1:$1" -p "$2"' \
	"$BLOCKWATCH" "$PORT" "$wl" 2>"$T/serve.err" &
bw=$!
for _ in $(seq 100); do
	curl -s "http://127.0.0.1:$PORT/metrics" >"$T/m.txt" 2>/dev/null &&
		grep -q '^blockwatch_blocked_seconds_count{' "$T/m.txt" && break
	sleep 0.2
done
bnd=$(awk '/^CapBnd/ {print $2}' /proc/$(pgrep -P $bw -x blockwatch || echo $bw)/status 2>/dev/null)
check "serve runs in the sandbox with the unit's bounding set (CapBnd $bnd)" \
	bash -c "[ -n '$bnd' ] && [ \$((0x$bnd)) -eq \$((0x$bnd & 0xc000280026)) ]"
wait $wl
wait $bw
rc=$?
check "serve in the sandbox exports the workload's blocking and ends with status 0 (rc=$rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q '^blockwatch_blocked_seconds_count{' '$T/m.txt'"
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/serve.err" | tail -5
[ "$failures" -eq 0 ]
