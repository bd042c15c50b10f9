#!/bin/bash
# Damaged recordings and a full disk: cut short (head -c, kill -9), flipped
# bytes, not a recording, a newer format, /dev/full and a tiny tmpfs. Each
# gives one clear stderr line and, when anything is readable, a report of it
# (exit 3). TAP lines. Env: BLOCKWATCH (binary), BUILD (build dir).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
HERE=tests/integration
T=$(mktemp -d /tmp/bw-damage.XXXXXX)
MNT=
cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

TESTS="truncated_head_c truncated_every_format killed_recording corrupted_chunk not_a_recording newer_version empty_file disk_full_at_start disk_full_midway"

# report FILE FORMAT -> sets rc, err (stderr text), out (report path)
report() {
	out="$T/report.$2"
	rm -f "$out"
	"$BLOCKWATCH" report "$1" -f "$2" -o "$out" 2>"$T/stderr"
	rc=$?
	err=$(cat "$T/stderr")
}
# expect NAME RC PATTERN: exit status, one stderr line matching PATTERN
expect() {
	local lines
	lines=$(printf '%s' "$err" | grep -c '')
	if [ "$rc" -eq "$2" ] && [ "$lines" -eq 1 ] && printf '%s' "$err" | grep -Eq "$3"; then
		return 0
	fi
	echo "# $1: exit $rc (want $2), $lines stderr lines: $err"
	return 1
}
json_callsites() { # FILE -> total count of blocked intervals in a JSON report
	python3 -c 'import json,sys; print(sum(c["count"] for c in json.load(open(sys.argv[1]))["callsites"]))' "$1"
}

. $HERE/report-fixture/build.sh

# The recording every damage case starts from: a failure here is a failure,
# not a reason to skip the cases below.
require "blockwatch record of the fixture" bash -c '"$1" record -o "$2" -- "$3" 80 >"$4"' _ \
	"$BLOCKWATCH" "$T/rec.bw" "$FIXTURE" "$T/truth.json"
truth=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["blocking_calls"])' "$T/truth.json")
report "$T/rec.bw" json
full=$(json_callsites "$out" 2>/dev/null || echo -1)
require "the undamaged recording reports all $truth blocking calls (got $full)" test "$rc" -eq 0 -a "$full" -eq "$truth"
size=$(stat -c %s "$T/rec.bw")

# --- cut short with head -c: the complete chunks are still reported --------
# 40 bytes off the end cut only the END chunk, which the writer keeps apart
# from intervals (rec_writer__finish): every interval is still there.
head -c $((size - 40)) "$T/rec.bw" >"$T/cut.bw"
report "$T/cut.bw" json
n=$(json_callsites "$out" 2>/dev/null || echo -1)
if expect truncated 3 "truncated at byte" && [ "$n" -eq "$full" ]; then
	ok truncated_head_c
else
	not_ok truncated_head_c "$n intervals readable, want all $full"
fi

head -c $((size / 2)) "$T/rec.bw" >"$T/half.bw"
all=1
for f in text json folded pprof perfetto html; do
	report "$T/half.bw" $f
	expect "half $f" 3 "reported what was readable" && [ -s "$out" ] || all=0
done
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/report.perfetto" || all=0
[ "$(json_callsites "$T/report.json")" -gt 0 ] || { echo "# nothing readable in the first half"; all=0; }
[ $all -eq 1 ] && ok truncated_every_format || not_ok truncated_every_format

# --- kill -9 while recording -----------------------------------------------
"$BLOCKWATCH" record -o "$T/killed.bw" -- "$FIXTURE" 200 >/dev/null 2>&1 &
bw=$!
# kill once a few chunks are on disk (a loaded machine starts slowly)
for _ in $(seq 200); do
	[ "$(grep -a -o BWCK "$T/killed.bw" 2>/dev/null | wc -l)" -ge 3 ] && break
	sleep 0.1
done
sleep 0.5
child=$(pgrep -P $bw)
kill -9 $bw
wait $bw 2>/dev/null
[ -n "$child" ] && kill $child 2>/dev/null
report "$T/killed.bw" json
n=$(json_callsites "$out" 2>/dev/null || echo 0)
if expect killed 3 "incomplete|truncated" && [ "$n" -gt 0 ]; then
	ok killed_recording
else
	not_ok killed_recording "$n intervals readable"
fi

# --- a flipped byte inside the first chunk that holds intervals -------------
# A chunk's intervals are those readable when the recording is cut at its end
# minus those readable when cut at its start. Flipping bytes in that chunk
# must lose exactly those and keep every other chunk's (which chunk is the
# first with intervals depends on how fast the fixture started).
mapfile -t chunks < <(python3 -c 'import re, sys
for m in re.finditer(b"BWCK", open(sys.argv[1], "rb").read()): print(m.start())' "$T/rec.bw")
at=-1 before=0 in_chunk=0
for ((i = 0; i + 1 < ${#chunks[@]}; i++)); do
	head -c "${chunks[i + 1]}" "$T/rec.bw" >"$T/upto.bw"
	report "$T/upto.bw" json
	upto=$(json_callsites "$out" 2>/dev/null || echo -1)
	if [ "$upto" -gt "$before" ]; then
		at=${chunks[i]} in_chunk=$((upto - before))
		break
	fi
	before=$upto
done
python3 - "$T/rec.bw" "$T/flipped.bw" "$at" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
at = int(sys.argv[3]) + 24 + 40  # inside that chunk's compressed payload
d[at] ^= 0xff; d[at + 1] ^= 0x55
open(sys.argv[2], "wb").write(d)
PY
report "$T/flipped.bw" json
n=$(json_callsites "$out" 2>/dev/null || echo -1)
if [ "$at" -ge 0 ] && expect corrupted 3 "corrupted|does not decompress|malformed" &&
	[ "$n" -eq $((full - in_chunk)) ]; then
	ok corrupted_chunk
else
	not_ok corrupted_chunk "chunk at byte $at holds $in_chunk intervals: $n readable, want $((full - in_chunk))"
fi

# --- not a recording, a newer format, an empty file -------------------------
printf 'hello\nworld\n' >"$T/text.txt"
report "$T/text.txt" text
expect not_a_recording 1 "is not a blockwatch recording" && [ ! -s "$out" ] && ok not_a_recording || not_ok not_a_recording
sed '1s/^BLOCKWATCH-RECORDING 1\.[0-9]*/BLOCKWATCH-RECORDING 9.0/' "$T/rec.bw" >"$T/newer.bw"
report "$T/newer.bw" json
expect newer 1 "format 9.0 is newer" && ok newer_version || not_ok newer_version
: >"$T/empty.bw"
report "$T/empty.bw" json
expect empty 1 "not a blockwatch recording" && ok empty_file || not_ok empty_file

# --- a full disk --------------------------------------------------------------
"$BLOCKWATCH" record -o /dev/full -- "$FIXTURE" 1 >/dev/null 2>"$T/stderr"
rc=$?
err=$(cat "$T/stderr")
expect full 1 "No space left on device" && ok disk_full_at_start || not_ok disk_full_at_start

MNT=$T/tiny
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=12k tmpfs "$MNT" 2>/dev/null; then
	MNT=
	echo "ok - disk_full_midway # SKIP cannot mount a tmpfs here"
else
	"$BLOCKWATCH" record -o "$MNT/rec.bw" -- "$FIXTURE" 400 >/dev/null 2>"$T/full.err"
	record_rc=$?
	report "$MNT/rec.bw" json
	n=$(json_callsites "$out" 2>/dev/null || echo 0)
	if [ $record_rc -eq 1 ] && grep -q "No space left on device" "$T/full.err" && [ "$n" -gt 0 ]; then
		ok disk_full_midway
	else
		not_ok disk_full_midway "record exit $record_rc, $n intervals readable: $(cat "$T/full.err")"
	fi
fi
