#!/bin/bash
# blockwatch serve around the edges, without Prometheus: one-line errors
# (bad options, a port in use, a log file that is a symbolic link), -- COMMAND
# (traced from its first instruction: the count is the truth's; serve ends
# with the command's status), -p (ends when the target is gone), --log-file
# reopened on SIGHUP after a rotation, --max-callsites eviction, and a
# hostile service name (quotes, newline, backslash, a terminal escape, bytes
# that are not UTF-8) that the exposition escapes and promtool accepts.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TEST_NAME=serve_lifecycle
. tests/lib/serve.sh
require "promtool installed (make deps)" command -v promtool
PORT=$(free_port)
M=http://127.0.0.1:$PORT/metrics
truth() { python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# metric VALUE of the first sample whose line matches REGEX in FILE
sample() { grep -E "$2" "$1" | head -1 | awk '{print $NF}'; }

# --- one-line errors ----------------------------------------------------------
one_line_error "bad --listen" "bad --listen" "$BLOCKWATCH" serve --listen nowhere
one_line_error "bad --max-callsites" "bad --max-callsites" "$BLOCKWATCH" serve --max-callsites 0
one_line_error "bad --service-label" "bad --service-label" "$BLOCKWATCH" serve --service-label pod
one_line_error "--comm with -p" "not with -p" "$BLOCKWATCH" serve --comm x -p 1
python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", '"$PORT"')); s.listen(); print("listening", flush=True); time.sleep(60)' >"$T/holder" &
holder=$!
require "a process holds port $PORT" wait_line "$T/holder" listening
# (a timeout: were the port free after all, serve would run until stopped)
one_line_error "a port in use" "cannot listen on 127.0.0.1:$PORT: Address already in use" \
	timeout 20 "$BLOCKWATCH" serve --listen "127.0.0.1:$PORT"
kill $holder
wait $holder 2>/dev/null
ln -s /etc/passwd "$T/link.log"
one_line_error "a log file that is a symbolic link is refused" "symbolic link" \
	timeout 20 "$BLOCKWATCH" serve --listen "127.0.0.1:$PORT" --log-file "$T/link.log"

# --- -- COMMAND: from its first instruction; the command's status ------------------
# scrape while it runs, then once more on its way out is not possible: the
# truth's count is compared with the last scrape before it ended, which
# holds every sleep but those of its last second
"$BLOCKWATCH" serve --listen "127.0.0.1:$PORT" --interval 200ms -- \
	"$WL" --scenario attach --seconds 4 --truth "$T/cmd.json" >"$T/cmd.out" 2>"$T/cmd.err" &
bw=$!
last=""
while kill -0 $bw 2>/dev/null; do
	curl -s "$M" >"$T/cmd.scrape" 2>/dev/null && [ -s "$T/cmd.scrape" ] && cp "$T/cmd.scrape" "$T/cmd.last"
	sleep 0.2
done
wait $bw
rc=$?
check "-- COMMAND: serve ends with the command's status (rc=$rc)" test "$rc" -eq 0
got=$(sample "$T/cmd.last" '^blockwatch_blocked_seconds_count\{')
n=$(truth "$T/cmd.json" 't["expected"][0]["count"]')
check "-- COMMAND: the count ($got) is the truth's $n, less its last second at most" \
	python3 -c "import sys; sys.exit(0 if $n - 45 <= ${got:-0} <= $n else 1)"

timeout 30 "$BLOCKWATCH" serve --listen "127.0.0.1:$PORT" -- sh -c 'exit 3' 2>"$T/st.err"
rc=$?
check "-- COMMAND that exits 3: so does serve (rc=$rc)" test "$rc" -eq 3

# --- -p: ends when the target is gone ------------------------------------------------
"$WL" --scenario attach --seconds 3 >"$T/p.out" 2>&1 &
wl=$!
require "the -p target says it is running" wait_line "$T/p.out" running
timeout 30 "$BLOCKWATCH" serve --listen "127.0.0.1:$PORT" -p $wl 2>"$T/p.err"
rc=$?
check "-p: serve stops by itself once the target is gone (rc=$rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q 'every target is gone' '$T/p.err'"
wait $wl

# --- a stuck worker: the gauges BlockwatchWorkerStuck reads -------------------------
# top-fixture blocks a worker in a 3-second std::thread::sleep every 6 s
# (its source says so, tests/integration/top-fixture/src/main.rs)
CARGO=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
require "top-fixture built" env CARGO_TARGET_DIR="$PWD/$BUILD/top-fixture" "$CARGO" build -q --release \
	--manifest-path tests/integration/top-fixture/Cargo.toml
"$BUILD/top-fixture/release/top-fixture" >/dev/null 2>&1 &
fx=$!
"$BLOCKWATCH" serve --listen "127.0.0.1:$PORT" -p $fx --ready-fd 3 3>"$T/stuck.ready" 2>"$T/stuck.err" &
bw=$!
require "serve says it is ready" wait_line "$T/stuck.ready" ready
most=0
end=$((SECONDS + 20))
while [ "$SECONDS" -lt "$end" ]; do
	v=$(curl -s "$M" | awk '/^blockwatch_stuck_seconds\{/ {print $2}')
	most=$(awk -v a="$most" -v b="${v:-0}" 'BEGIN { print (b > a ? b : a) }')
	awk -v m="$most" 'BEGIN { exit !(m > 1) }' && break
	sleep 0.2
done
check "a worker stuck in a 3 s sleep: blockwatch_stuck_seconds passes 1 s (seen $most)" \
	awk -v m="$most" 'BEGIN { exit !(m > 1 && m < 4) }'
kill -TERM $bw
wait $bw
kill $fx
wait $fx 2>/dev/null

# --- --log-file and SIGHUP; --max-callsites; a hostile service name -----------------
evil=$(printf 'evil"svc\\\n\033[2J\xff')
BW_SERVICE=$evil "$WL" --scenario demo --seconds 8 --truth "$T/demo.json" >/dev/null 2>&1 &
wl=$!
"$BLOCKWATCH" serve --listen "127.0.0.1:$PORT" -p $wl --log-file "$T/serve.log" --max-callsites 1 \
	--service-label env:BW_SERVICE --ready-fd 3 3>"$T/ready" &
bw=$!
require "serve says it is ready" wait_line "$T/ready" ready
mv "$T/serve.log" "$T/serve.log.1"
kill -HUP $bw
for _ in $(seq 50); do [ -s "$T/serve.log" ] && break; sleep 0.1; done
check "SIGHUP: a new log file after a rotation, saying so" grep -q "log reopened" "$T/serve.log"
check "the old log holds the start-up line" grep -q "serving http://127.0.0.1:$PORT/metrics" "$T/serve.log.1"
for _ in $(seq 60); do
	curl -s "$M" >"$T/evil.txt"
	[ "$(sample "$T/evil.txt" '^blockwatch_callsites_evicted_total')" -ge 1 ] 2>/dev/null && break
	sleep 0.5
done
check "--max-callsites 1: one series kept, the other evicted and counted" bash -c "
[ \"\$(grep -c '^blockwatch_blocked_seconds_count{' '$T/evil.txt')\" -eq 1 ] &&
[ \"\$(awk '/^blockwatch_callsites_evicted_total/ {print \$2}' '$T/evil.txt')\" -ge 1 ] &&
grep -qx 'blockwatch_callsites 1' '$T/evil.txt'"
check "a hostile service name is escaped (quote, backslash, newline; controls and bad bytes as U+FFFD)" \
	grep -qF 'service="evil\"svc\\\n'$'\xef\xbf\xbd''[2J'$'\xef\xbf\xbd''"' "$T/evil.txt"
check "promtool accepts the exposition with the hostile name" promtool check metrics <"$T/evil.txt"
kill -TERM $bw
wait $bw
rc=$?
check "SIGTERM: status 0 (rc=$rc)" test "$rc" -eq 0
wait $wl
[ "$failures" -eq 0 ]
