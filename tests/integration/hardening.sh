#!/bin/bash
# Hostile inputs, end to end (issue 15): crafted recordings, planted
# symlinks, FIFOs and traversing debuglinks, names full of terminal escapes,
# bad durations and pids. blockwatch runs as root on these: each must give a
# report or one clear stderr line, quickly, never a crash, a hang, or a write
# or open it was not asked for. TAP lines. Env: BLOCKWATCH, BUILD.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
T=$(mktemp -d /tmp/bw-harden.XXXXXX)
chmod 1777 "$T"
trap 'rm -rf "$T"' EXIT
REG=tests/fuzz/regressions/recording
EVIL=$REG/06-evil-names.bw

TESTS="regressions_report dev_zero endless_pipe text_escapes html_escapes json_utf8 planted_symlink report_mode record_keeps_existing kernel_thread bad_threshold_zero bad_threshold_overflow debuglink_traversal debuglink_fifo"
[ -x "$BLOCKWATCH" ] || skip_all "no $BLOCKWATCH (make first)"

# Every regression input of the issue's table: a report (exit 0 or 3), at
# most one stderr line, in a few seconds; never a signal.
bad=
for f in "$REG"/*; do
	for fmt in text json html folded pprof perfetto; do
		timeout 20 "$BLOCKWATCH" report -f "$fmt" -o "$T/out" "$f" 2>"$T/err"
		rc=$?
		lines=$(wc -l <"$T/err")
		case $rc in 0 | 1 | 3) ;; *) bad="$bad $(basename "$f"):$fmt:rc=$rc" ;; esac
		[ "$lines" -le 1 ] || bad="$bad $(basename "$f"):$fmt:$lines-lines"
	done
done
if [ -z "$bad" ]; then ok "regressions_report"; else not_ok "regressions_report" "$bad"; fi

# #5: /dev/zero and an endless pipe stop early with one line.
one_line_error "dev_zero" "not a blockwatch recording" timeout 5 "$BLOCKWATCH" report /dev/zero
one_line_error "endless_pipe" "without a single recording chunk" timeout 60 bash -c \
	"{ printf 'BLOCKWATCH-RECORDING 1.2\n\n'; cat /dev/zero; } | \"$BLOCKWATCH\" report /dev/stdin"

# #7: no raw control character reaches a terminal.
"$BLOCKWATCH" report "$EVIL" >"$T/text" 2>/dev/null
check "text_escapes" python3 - "$T/text" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
assert b"\\x1b]0;owned" in b, "escaped form missing"
bad = [c for c in b if (c < 0x20 and c not in b"\n") or c == 0x7f]
assert not bad, "raw controls: %r" % bad[:5]
assert b"\xc2\x9b" not in b and b"\xff" not in b, "C1 or invalid UTF-8 raw"
PY

# #6: every string of the HTML page escaped.
"$BLOCKWATCH" report -f html -o "$T/page.html" "$EVIL" 2>/dev/null
check "html_escapes" bash -c "! grep -q '<img' '$T/page.html' && grep -q '&lt;img src=x' '$T/page.html'"

# #15: JSON that a strict UTF-8 reader decodes.
"$BLOCKWATCH" report -f json -o "$T/r.json" "$EVIL" 2>/dev/null
check "json_utf8" python3 -c "import json,sys; json.load(open(sys.argv[1], encoding='utf-8', errors='strict'))" "$T/r.json"

# #8: a symlink planted by nobody in a sticky folder is not followed.
echo precious >"$T/victim"
ln -s "$T/victim" "$T/planted.html"
chown -h nobody "$T/planted.html" 2>/dev/null
"$BLOCKWATCH" report -f html -o "$T/planted.html" "$EVIL" 2>"$T/err"
check "planted_symlink" bash -c "grep -qx precious '$T/victim' && grep -q 'symbolic link' '$T/err'"

# #8: the mode is 0644 whatever the umask.
(umask 0 && "$BLOCKWATCH" report -o "$T/m.txt" "$EVIL" 2>/dev/null)
check "report_mode" bash -c "[ \"\$(stat -c %a '$T/m.txt')\" = 644 ]"

# #13 and #14: an untraceable pid leaves an existing -o file alone, says why
# in one line, before loading BPF.
echo precious >"$T/existing.bw"
one_line_error "kernel_thread" "kernel thread" timeout 10 "$BLOCKWATCH" trace -p 2
timeout 10 "$BLOCKWATCH" record -o "$T/existing.bw" -p 2 >/dev/null 2>&1
check "record_keeps_existing" grep -qx precious "$T/existing.bw"

# #12: a threshold of 0 or one past 2^64 ns is refused.
one_line_error "bad_threshold_zero" "bad threshold '0'" timeout 10 "$BLOCKWATCH" trace -t 0 -p 1
one_line_error "bad_threshold_overflow" "bad threshold '2e10s'" timeout 10 "$BLOCKWATCH" trace -t 2e10s -p 1

# #9: a debuglink is a file name only, looked up in the standard places;
# a FIFO there cannot hang us.
if command -v gcc >/dev/null && command -v objcopy >/dev/null; then
	mkdir -p "$T/app/bin"
	printf 'int work(int x) { return x * 3; }\nint main(void) { return work(1); }\n' >"$T/app/s.c"
	gcc -g -O1 "$T/app/s.c" -o "$T/app/full" 2>/dev/null
	objcopy --only-keep-debug "$T/app/full" "$T/app/secret.debug"
	# strip and point .gnu_debuglink at NAME with the right CRC of FILE
	link_to() { # NAME FILE OUT
		python3 - "$1" "$2" "$T/app/link.bin" <<'PY'
import struct, sys, zlib
name, target, out = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
d = name + b"\0"
d += b"\0" * (-len(d) % 4)
crc = zlib.crc32(open(target, "rb").read()) if target != "-" else 0
open(out, "wb").write(d + struct.pack("<I", crc & 0xffffffff))
PY
		objcopy --strip-debug --remove-section=.gnu_debuglink "$T/app/full" "$3.tmp"
		objcopy --add-section .gnu_debuglink="$T/app/link.bin" "$3.tmp" "$3"
	}
	link_to "../secret.debug" "$T/app/secret.debug" "$T/app/bin/app"
	timeout 20 "$BLOCKWATCH" futures "$T/app/bin/app" >"$T/out" 2>"$T/err"
	check "debuglink_traversal" bash -c "grep -q 'no DWARF' '$T/err' && ! grep -q secret '$T/out'"
	mkfifo "$T/app/bin/fifo.debug"
	link_to "fifo.debug" - "$T/app/bin/app2"
	timeout 20 "$BLOCKWATCH" futures "$T/app/bin/app2" >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 124 ] && grep -q 'no DWARF' "$T/err"; then ok "debuglink_fifo"; else not_ok "debuglink_fifo" "rc=$rc $(cat "$T/err")"; fi
else
	skip "debuglink_traversal" "no gcc/objcopy"
	skip "debuglink_fifo" "no gcc/objcopy"
fi
exit $((failures > 0))
