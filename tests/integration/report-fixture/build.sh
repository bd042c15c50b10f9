# Sourced by the report tests: builds the Tokio fixture once into
# $BUILD/report-fixture and sets FIXTURE. Without root the whole test skips (a
# capability); a missing cargo or a failed build is a failure (require).
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)"
CARGO=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
FIXTURE=$PWD/$BUILD/report-fixture/release/bw-report-fixture
require "report fixture builds ($CARGO)" env CARGO_TARGET_DIR="$PWD/$BUILD/report-fixture" "$CARGO" build -q --release \
	--manifest-path $HERE/report-fixture/Cargo.toml
