#!/bin/bash
# Installs every Debian package needed to build, test and run the demo
# (--bench: also what `make bench` needs).
# Idempotent and quiet: prints only when something fails.
set -euo pipefail

packages=(
	make gcc clang libclang-rt-14-dev llvm bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
	libiberty-dev libncurses-dev linux-libc-dev pkg-config
	binutils elfutils jq python3 tmux procps util-linux
	librust-tokio-dev librust-futures-executor-dev sccache protobuf-compiler chromium
	libmicrohttpd-dev prometheus curl systemd
	librust-async-std-dev librust-smol-dev
)

# `make bench` adds the load generator, the peer tools and the HTTP server's crates.
if [ "${1:-}" = "--bench" ]; then
	packages+=(wrk bpftrace linux-perf librust-hyper-dev)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	log=$(mktemp)
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		echo "install-deps: apt-get failed for: ${missing[*]}" >&2
		exit 1
	fi
	rm -f "$log"
fi

# Rust workloads are built with cargo; the machine image provides rustup's
# toolchain. Fall back to Debian's when it is missing.
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
	apt-get install -y -qq cargo rustc >/dev/null
fi
# tracefs is not mounted at boot on some machines; uprobes do not need it,
# but tools that read trace_pipe do.
if [ -d /sys/kernel/tracing ] && [ ! -e /sys/kernel/tracing/trace ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi
