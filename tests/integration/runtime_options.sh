#!/bin/bash
# Runtime options (trace, top and record share them: src/cli/runtime_args.c):
# --runtime, --worker-threads, --park-symbol, --own-code, --runtime-profile.
# Every mistake is one clear line and a non-zero exit, before anything is
# traced; a hostile profile file (a FIFO, too big, a control byte, a regex
# that costs regcomp seconds) is refused without hanging. The options at work
# on real programs: tests/e2e/70_runtimes.py.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

dir=$(mktemp -d /tmp/bw-runtime-options.XXXXXX)
trap 'rm -rf "$dir"' EXIT

for cmd in trace top record; do
	extra=()
	[ "$cmd" = record ] && extra=(-o "$dir/r.bwrec")
	one_line_error "$cmd: unknown runtime" "unknown --runtime 'glommio' \(tokio, async-std, smol or custom\)" \
		"$BLOCKWATCH" "$cmd" "${extra[@]}" --runtime glommio -- true
	one_line_error "$cmd: custom without a park symbol" "--runtime custom needs --park-symbol" \
		"$BLOCKWATCH" "$cmd" "${extra[@]}" --runtime custom -- true
done
one_line_error "park symbol with another runtime" "describe a custom runtime: use --runtime custom, not smol" \
	"$BLOCKWATCH" trace --runtime smol --park-symbol a::park -- true
one_line_error "bad park symbol" "--park-symbol: bad park symbol 'a b'" "$BLOCKWATCH" trace --park-symbol 'a b' -- true
one_line_error "own code alone" "--own-code describes a custom runtime" "$BLOCKWATCH" trace --own-code my_rt -- true
one_line_error "bad own code" "bad own-code 'a::'" "$BLOCKWATCH" trace --park-symbol p --own-code 'a::' -- true
one_line_error "costly worker regex" "bad worker-threads regex" "$BLOCKWATCH" trace --worker-threads 'a{99}{99}' -- true

printf 'name = in-house\npark-symbol = rt::wait\ncolour = red\n' >"$dir/unknown.conf"
one_line_error "profile: unknown key, with its line" "unknown.conf:3: unknown key" \
	"$BLOCKWATCH" trace --runtime-profile "$dir/unknown.conf" -- true
printf 'park-symbol = rt::wait\nworker-threads\n' >"$dir/noeq.conf"
one_line_error "profile: a line without =" "noeq.conf:2: expected key = value" \
	"$BLOCKWATCH" trace --runtime-profile "$dir/noeq.conf" -- true
printf 'name = a\x01b\npark-symbol = x\n' >"$dir/ctl.conf"
one_line_error "profile: a control byte in a name" "ctl.conf:1: bad name" \
	"$BLOCKWATCH" trace --runtime-profile "$dir/ctl.conf" -- true
printf 'name = x\n' >"$dir/nopark.conf"
one_line_error "profile: no park symbol" "nopark.conf: no park-symbol line" \
	"$BLOCKWATCH" trace --runtime-profile "$dir/nopark.conf" -- true
head -c 70000 /dev/zero | tr '\0' '#' >"$dir/big.conf"
one_line_error "profile: larger than 64 KiB" "big.conf: larger than 64 KiB" \
	"$BLOCKWATCH" trace --runtime-profile "$dir/big.conf" -- true
mkfifo "$dir/fifo.conf"
one_line_error "profile: a FIFO is not read (no hang)" "fifo.conf: not a regular file" \
	timeout 10 "$BLOCKWATCH" trace --runtime-profile "$dir/fifo.conf" -- true
one_line_error "profile: missing file" "nothere.conf: No such file" \
	"$BLOCKWATCH" trace --runtime-profile "$dir/nothere.conf" -- true
check "help lists the runtime options" bash -c \
	"'$BLOCKWATCH' trace --help | grep -q -- '--runtime-profile' && '$BLOCKWATCH' top --help | grep -q -- '--park-symbol'"

[ "$failures" -eq 0 ]
