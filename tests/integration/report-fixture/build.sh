# Sourced by the report tests: builds the Tokio fixture once into
# $BUILD/report-fixture and sets FIXTURE; skips the whole test (skip_all,
# defined by the caller) when root or cargo is missing or the build fails.
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
CARGO=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
[ -x "$CARGO" ] || skip_all "cargo not installed"
FIXTURE=$PWD/$BUILD/report-fixture/release/bw-report-fixture
CARGO_TARGET_DIR=$PWD/$BUILD/report-fixture "$CARGO" build -q --release \
	--manifest-path $HERE/report-fixture/Cargo.toml >"$T/cargo.log" 2>&1 ||
	{ cat "$T/cargo.log"; skip_all "the fixture does not build (see log)"; }
