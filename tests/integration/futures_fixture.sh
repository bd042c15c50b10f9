#!/bin/bash
# tokio-matrix
# `blockwatch futures` against a Rust/Tokio fixture with ground truth
# (tests/integration/futures-fixture): the async fn holding 64 KiB across an
# .await is listed first, flagged, with its name and the line of its marker;
# small async fns are not flagged; missing types, stripped binaries, split
# debug info and non-ELF input each get their one-line answer.
# Prints TAP lines. Env: BLOCKWATCH (binary), BUILD (output folder).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BW=$BLOCKWATCH
SRC=$PWD/tests/integration/futures-fixture
OUT=$PWD/$BUILD/futures-fixture
MANIFEST=$SRC/Cargo.toml
# the Tokio matrix: the same source built against the vendored 1.49
if [ "${BW_TOKIO:-1.24}" != 1.24 ]; then
	MANIFEST=$SRC/tokio-$BW_TOKIO/Cargo.toml
	OUT=$PWD/$BUILD/futures-fixture-$BW_TOKIO
	export RUSTFLAGS=-Aunexpected_cfgs # vendored crates' cfgs (see workloads.mk)
fi
CARGO=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TESTS="huge_future_first small_futures_not_flagged json_output thresholds
	line_tables_only_error stripped_error split_debuglink split_build_id not_elf_error
	missing_file_error"

[ -x "$BW" ] || { echo "not ok - blockwatch binary $BW missing (run make)"; exit 1; }

# Cargo rebuilds only when the fixture changed (a no-op build takes ~0.2 s).
build() { # profile, binary name in $OUT
	CARGO_TARGET_DIR=$OUT/target "$CARGO" build -q --profile "$1" \
		--manifest-path "$MANIFEST" >"$TMP/cargo-$1.log" 2>&1 &&
		cp -p "$OUT/target/$1/futures-fixture" "$OUT/$2"
}
mkdir -p "$OUT"
require "futures fixture builds (release and line-tables-only)" \
	bash -c "$(declare -f build); OUT=$OUT MANIFEST=$MANIFEST CARGO=$CARGO TMP=$TMP; build release futures-fixture && build lines futures-fixture-lines || { tail -20 $TMP/cargo-*.log; exit 1; }"
FULL=$OUT/futures-fixture
LINES=$OUT/futures-fixture-lines

# Ground truth from the fixture's marker comments: each fn is on the next line.
marker_line() { echo $(($(grep -n "BW-MARKER: $1\$" "$SRC/src/main.rs" | cut -d: -f1) + 1)); }

"$BW" futures --format json --top 0 "$FULL" >"$TMP/all.json" 2>"$TMP/all.err"
echo "# exit $?: $(head -c 300 "$TMP/all.err")"

# field NAME KEY: a field of the named future in all.json ("" when absent)
field() {
	python3 - "$TMP/all.json" "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = [f for f in doc["futures"] if f["name"] == sys.argv[2]]
key = sys.argv[3]
if key == "rank":
    print(doc["futures"].index(rows[0]) if rows else "")
elif rows:
    v = rows[0][key]
    print(str(v).lower() if isinstance(v, bool) else v)
PY
}

huge=futures_fixture::handlers::huge_upload
want_line=$(marker_line huge_upload)
got="rank=$(field $huge rank) size=$(field $huge size) big=$(field $huge big) $(field $huge file):$(field $huge line)"
echo "# $huge: $got (want rank 0, size >= 65536, big, $SRC/src/main.rs:$want_line)"
check "huge_future_first" test "$(field $huge rank)" = 0 -a "$(field $huge size)" -ge 65536 \
	-a "$(field $huge big)" = true -a "$(field $huge file)" = "$SRC/src/main.rs" \
	-a "$(field $huge line)" = "$want_line"

small_ok=true
for fn in handlers::small_ping small_sum; do
	name=futures_fixture::$fn
	echo "# $name: size=$(field $name size) big=$(field $name big) line=$(field $name line)"
	[ -n "$(field $name size)" ] && [ "$(field $name size)" -lt 16384 ] &&
		[ "$(field $name big)" = false ] && [ "$(field $name stack)" = false ] &&
		[ "$(field $name line)" = "$(marker_line "${fn##*::}")" ] || small_ok=false
done
check "small_futures_not_flagged" $small_ok

# Text output names the same future first, with a cwd-relative path from the fixture.
(cd "$SRC" && "$BW" futures --top 3 "$FULL") >"$TMP/text" 2>&1
sed 's/^/# /' "$TMP/text"
row=$(grep -m1 -E '^ +[0-9]+ ' "$TMP/text")
# the Tokio release the fixture was built with: its lock file says (ground truth)
tokio_version=$(sed -n '/^name = "tokio"$/{n;s/^version = "\(.*\)"$/\1/p}' "$(dirname "$MANIFEST")/Cargo.lock")
check "json_output" python3 -c "import json; d=json.load(open('$TMP/all.json')); assert d['tokio_version']=='$tokio_version' != '' and d['box_threshold']==16384 and d['stack_size']==2097152 and d['big']>=1" \
	-a -n "$(echo "$row" | grep -F "BIG" | grep -F "$huge" | grep -F "src/main.rs:$want_line")"

# --threshold above the future clears BIG; a small --stack-size makes it STACK.
"$BW" futures -f json -t 128KiB --stack-size 256KiB "$FULL" >"$TMP/all.json" 2>/dev/null
check "thresholds" test "$(field $huge big)" = false -a "$(field $huge stack)" = true

# expect_error NAME PATTERN ARGS...: non-zero exit, one line on stderr matching PATTERN
expect_error() {
	local name=$1 pattern=$2; shift 2
	"$BW" futures "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	echo "# $name: exit $rc: $(cat "$TMP/err")"
	check "$name" test $rc -ne 0 -a "$(wc -l <"$TMP/err")" -eq 1 -a -n "$(grep -E "$pattern" "$TMP/err")"
}
expect_error line_tables_only_error 'no types.*debug = true' "$LINES"
strip --strip-all -o "$TMP/stripped" "$FULL"
expect_error stripped_error 'no DWARF debug info.*build-id [0-9a-f]+.*--debug-dir' "$TMP/stripped"

# Split debug info: next to the binary through .gnu_debuglink, then only under a
# build-id tree given with --debug-dir.
mkdir -p "$TMP/split"
objcopy --only-keep-debug "$FULL" "$TMP/split/app.debug"
objcopy --strip-debug --add-gnu-debuglink="$TMP/split/app.debug" "$FULL" "$TMP/split/app"
"$BW" futures -f json "$TMP/split/app" >"$TMP/all.json" 2>/dev/null
check "split_debuglink" test "$(field $huge rank)" = 0 -a "$(field $huge line)" = "$want_line"
id=$(readelf -n "$TMP/split/app" | sed -n 's/.*Build ID: *//p')
mkdir -p "$TMP/dbg/.build-id/${id:0:2}"
mv "$TMP/split/app.debug" "$TMP/dbg/.build-id/${id:0:2}/${id:2}.debug"
"$BW" futures -f json --debug-dir "$TMP/dbg" "$TMP/split/app" >"$TMP/all.json" 2>/dev/null
check "split_build_id" test -n "$id" -a "$(field $huge rank)" = 0 -a "$(field $huge size)" -ge 65536

expect_error not_elf_error 'is not an ELF file' "$SRC/src/main.rs"
expect_error missing_file_error 'No such file' "$TMP/no-such-binary"
[ $failures -eq 0 ]
