#!/bin/bash
# Runs every test and prints "N passed, N failed, N skipped" last.
# Each test program prints TAP lines ("ok - name", "not ok - name",
# "ok - name # SKIP why"); a program that exits non-zero without any
# "not ok" line counts as one failure of its own.
# A skip is only for a capability this machine lacks, and the machine must
# show it lacks it (explained_skip); any other skip (a tool `make deps`
# installs, a build or setup step) fails the run.
# A test file with a line "# tokio-matrix" runs once per Tokio version of the
# matrix (TOKIO_VERSIONS), with BW_TOKIO and WORKLOADS naming that version's
# build of tests/workloads; the runner prints a passed/failed line per version.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD BLOCKWATCH="$PWD/$BUILD/blockwatch"
passed=0 failed=0 skipped=0
# VERSION=WORKLOADS-DIR: Debian's Tokio and the vendored current one (workloads.mk).
TOKIO_VERSIONS=("1.24=$PWD/$BUILD/workloads" "1.49=$PWD/$BUILD/workloads-1.49")
declare -A version_passed version_failed
log_dir="$BUILD/test-logs"
mkdir -p "$log_dir"

# explained_skip WHY: true when this machine really lacks what WHY names.
explained_skip() {
	case $1 in
	"needs root"*) [ "$(id -u)" -ne 0 ] ;;
	"no BTF"*) [ ! -r /sys/kernel/btf/vmlinux ] ;;
	"no uprobes"*) [ ! -d /sys/bus/event_source/devices/uprobe ] ;;
	"cannot mount a tmpfs"*) ! can_mount_tmpfs ;;
	*) false ;;
	esac
}
can_mount_tmpfs() {
	local d rc
	d=$(mktemp -d) || return 1
	mount -t tmpfs -o size=4k tmpfs "$d" 2>/dev/null && umount "$d"
	rc=$?
	rmdir "$d"
	return $rc
}
unexplained=()

run_one() { # name, command...
	local name=$1; shift
	local out="$log_dir/$(basename "$name" | tr -c 'A-Za-z0-9._\n-' _).log"
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
	local line why
	while IFS= read -r line; do
		why=${line#*# SKIP }
		explained_skip "$why" || unexplained+=("$name: ${line#ok - }")
	done < <(grep -E '^ok - .*# SKIP' "$out")
	if [ "$f" -gt 0 ]; then
		echo "   --- log of $name (last 40 lines):"
		tail -n 40 "$out" | sed 's/^/   | /'
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	if [ -n "${BW_TOKIO:-}" ]; then
		version_passed[$BW_TOKIO]=$((${version_passed[$BW_TOKIO]:-0} + p))
		version_failed[$BW_TOKIO]=$((${version_failed[$BW_TOKIO]:-0} + f))
	fi
}

# run_file FILE: once, or once per Tokio version for a "# tokio-matrix" file.
run_file() {
	local t=$1 runner=bash v
	case $t in *.py) runner=python3 ;; esac
	if ! grep -qx '# tokio-matrix' "$t"; then
		run_one "$t" "$runner" "$t"
		return
	fi
	for v in "${TOKIO_VERSIONS[@]}"; do
		BW_TOKIO=${v%%=*} WORKLOADS=${v#*=} run_one "$t [tokio ${v%%=*}]" \
			env BW_TOKIO="${v%%=*}" WORKLOADS="${v#*=}" "$runner" "$t"
	done
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_one "$t" "$t"
done
for t in tests/integration/*.sh tests/e2e/*.sh tests/e2e/*.py; do
	[ -e "$t" ] && run_file "$t"
done

if [ ${#unexplained[@]} -gt 0 ]; then
	echo "== skips this machine does not explain (a missing tool, build or setup step is a failure; see tests/run.sh):"
	printf '   not ok - %s\n' "${unexplained[@]}"
	failed=$((failed + ${#unexplained[@]}))
fi
for v in "${TOKIO_VERSIONS[@]}"; do
	v=${v%%=*}
	echo "tokio $v matrix: ${version_passed[$v]:-0} passed, ${version_failed[$v]:-0} failed"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
