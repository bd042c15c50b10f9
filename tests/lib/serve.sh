# The common start of tests/integration/serve_*.sh; source it after
# tests/lib/tap.sh with TEST_NAME set: root (or a skip), WL (the Tokio 1.24
# workload), T (a temporary folder removed at exit, after every background
# job is stopped) and free_port.
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
WL=$PWD/$BUILD/workloads/bw-workload
T=$(mktemp -d "/tmp/bw-$TEST_NAME.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
require "workloads built ($WL)" test -x "$WL"

# free_port: a TCP port on 127.0.0.1 nobody listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
