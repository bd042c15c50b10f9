#!/bin/bash
# blockwatch serve under a real Prometheus (Debian's 2.42, scraping every
# second with its OpenMetrics-first Accept header): a workload with known
# blocking (the attach scenario; counts and times from its --truth, never
# from here) runs three times:
#   1. the count, windowed increase() of count, sum and worker blocked
#      seconds, and the p99 bucket match the truth; promtool accepts the text
#      exposition; the alert rules evaluate and the blocked-share one goes
#      pending; every query of the Grafana dashboard returns data;
#   2. the target restarts (a new process, same service): the series go on,
#      no counter reset, the counts add up;
#   3. the exporter restarts (SIGTERM: exit 0): Prometheus sees one counter
#      reset and the new counts start from zero.
# The workload runs under a name of its own (copied), and serve traces only
# that name (--comm): other tests' workloads on this machine do not count.
# A process that execs is traced once serve has read its symbols and the
# stacks of its threads (a second or two on a loaded machine; blocking before
# that is not seen: docs/blockwatch-serve.md), so totals are checked between
# the truth less its first DISCOVERY seconds and the truth, and rates in
# windows that start after that.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TEST_NAME=serve_prometheus
. tests/lib/serve.sh
require "prometheus installed (make deps)" command -v prometheus
require "promtool installed (make deps)" command -v promtool
NAME=bwsvc-$$
cp "$WL" "$T/$NAME"
export DISCOVERY=3 T NAME

SP=$(free_port)
PP=$(free_port)
export URL=http://127.0.0.1:$PP

# phase NAME [ARGS]: the Prometheus side of a phase, one python run (its
# start-up costs a second on a loaded machine); its TAP lines count here too
phase() {
	python3 tests/integration/serve_prometheus.py "$@" || failures=$((failures + 1))
}

start_serve() { # N
	"$BLOCKWATCH" serve --listen "127.0.0.1:$SP" --comm "^$NAME\$" --ready-fd 3 \
		3>"$T/ready.$1" 2>>"$T/serve.log" &
	serve=$!
	require "serve $1 says it is ready" wait_line "$T/ready.$1" ready 60
}

# run N SECONDS: the workload in the foreground; $T/runN.clock holds the
# CLOCK_MONOTONIC and wall-clock times of its start
run() {
	python3 -c 'import time; print(time.monotonic_ns(), time.time())' >"$T/run$1.clock"
	"$T/$NAME" --scenario attach --seconds "$2" --truth "$T/run$1.json" >"$T/run$1.out" 2>&1
	require "run $1 wrote its truth" test -s "$T/run$1.json"
}

cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $PWD/tools/prometheus/blockwatch.rules.yml
scrape_configs:
  - job_name: blockwatch
    scrape_timeout: 900ms
    static_configs:
      - targets: ['127.0.0.1:$SP']
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PP" --log.level=warn >"$T/prometheus.log" 2>&1 &
require "prometheus is ready" python3 tests/lib/prom.py ready "$URL" 60

start_serve 1
phase up 1 "prometheus scrapes serve"

# --- 1. one run: numbers against the truth ------------------------------------
run 1 16
phase run1
curl -s "http://127.0.0.1:$SP/metrics" >"$T/metrics.txt"
check "promtool check metrics accepts the text exposition" promtool check metrics <"$T/metrics.txt"
check "the text exposition is 0.0.4, OpenMetrics when asked" bash -c "
curl -sI http://127.0.0.1:$SP/metrics | grep -qi '^content-type: text/plain; version=0.0.4' &&
curl -s -H 'Accept: application/openmetrics-text;version=1.0.0' -D - http://127.0.0.1:$SP/metrics |
	grep -qi '^content-type: application/openmetrics-text; version=1.0.0' &&
curl -s -H 'Accept: application/openmetrics-text;version=1.0.0' http://127.0.0.1:$SP/metrics | tail -1 | grep -qx '# EOF'"
check "only /metrics and /healthz: others 404, POST 405" bash -c "
[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$SP/) = 404 ] &&
[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$SP/metrics/../etc) = 404 ] &&
[ \$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 http://127.0.0.1:$SP/metrics) = 405 ] &&
[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$SP/healthz) = 200 ]"
check "the rules file passes promtool check rules" promtool check rules tools/prometheus/blockwatch.rules.yml

# --- 2. the target restarts: same service, the series go on ----------------------
run 2 10
phase run2

# --- 3. the exporter restarts: counters start again -----------------------------
kill -TERM "$serve"
wait "$serve"
rc=$?
check "serve: SIGTERM ends it with status 0 (rc=$rc)" test "$rc" -eq 0
phase up 0 "serve is down for Prometheus"
start_serve 2
phase up 1 "prometheus scrapes the new serve"
run 3 10
phase run3
kill -TERM "$serve"
wait "$serve"
if [ "$failures" -gt 0 ]; then
	echo "# serve log:"
	tail -20 "$T/serve.log" | sed 's/^/#   /'
	echo "# prometheus log:"
	tail -10 "$T/prometheus.log" | sed 's/^/#   /'
fi
[ "$failures" -eq 0 ]
