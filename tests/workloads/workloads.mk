# Ground-truth workloads (docs/workloads.md), included by the top Makefile.
# One set of sources, built once per Tokio version of the matrix:
#   $(BUILD)/workloads/         Debian's Tokio 1.24 (tests/workloads/Cargo.toml)
#   $(BUILD)/workloads-1.49/    Tokio 1.49 from ../shared/vendor (tests/workloads/tokio-1.49/)
# Each set holds one binary (bw-workload --scenario NAME) built once per profile:
#   bw-workload            release, full debug info (profile.release)
#   bw-workload-lines      release, line tables only (profile.release-lines)
#   bw-workload-stripped   the first one, strip --strip-all
#   split/bw-workload      the first one without debug info + .gnu_debuglink to
#                          split/bw-workload.debug, also at debug/.build-id/xx/rest.debug
#   so-host, so-dlopen-host and libbw_service_lib.so (a runtime inside a shared object)
# Make only reruns cargo when a workload source changed, so `make test` stays fast.
# Outputs are written to a temporary name and renamed, so a workload that is running
# (a test, a demo) does not make the copy fail with "Text file busy".

CARGO     ?= $(shell command -v cargo 2>/dev/null || echo $(HOME)/.cargo/bin/cargo)
WL_SRC    := tests/workloads
WL_INPUTS := $(WL_SRC)/Cargo.toml $(wildcard $(WL_SRC)/Cargo.lock) \
             $(wildcard $(WL_SRC)/*/Cargo.toml $(WL_SRC)/*/src/*.rs $(WL_SRC)/*/src/*/*.rs) \
             $(wildcard $(WL_SRC)/tokio-*/Cargo.toml $(WL_SRC)/tokio-*/*/Cargo.toml)

# workload_set OUT-DIR, MANIFEST-DIR, CARGO-ENV: the rules for one Tokio version.
define workload_set
$(1)_CARGO = CARGO_TARGET_DIR=$(abspath $(1)/target) $(3) $(CARGO) build $$(if $$(filter 1,$$(V)),-v,-q) \
             --manifest-path $(2)/Cargo.toml

$(1)/bw-workload: $(WL_INPUTS)
	$$(call msg,CARGO,$$@)
	$$(Q)mkdir -p $(1)
	$$(Q)$$($(1)_CARGO) -p bw-workload --profile release
	$$(Q)cp $(1)/target/release/bw-workload $$@.tmp && mv -f $$@.tmp $$@

$(1)/bw-workload-lines: $(WL_INPUTS) | $(1)/bw-workload
	$$(call msg,CARGO,$$@)
	$$(Q)$$($(1)_CARGO) -p bw-workload --profile release-lines
	$$(Q)cp $(1)/target/release-lines/bw-workload $$@.tmp && mv -f $$@.tmp $$@

$(1)/bw-workload-stripped: $(1)/bw-workload
	$$(call msg,STRIP,$$@)
	$$(Q)strip --strip-all -o $$@.tmp $$< && mv -f $$@.tmp $$@

# The debug file sits next to the binary (found through .gnu_debuglink) and under the
# build-id layout (what /usr/lib/debug/.build-id looks like), for tools given that dir.
$(1)/split/bw-workload: $(1)/bw-workload
	$$(call msg,SPLIT,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)objcopy --only-keep-debug $$< $$@.debug
	$$(Q)objcopy --strip-debug --add-gnu-debuglink=$$@.debug $$< $$@.tmp && mv -f $$@.tmp $$@
	$$(Q)id=$$$$(readelf -n $$@ | sed -n 's/.*Build ID: *//p'); \
	    test -n "$$$$id" || { echo "blockwatch: $$@ has no build-id (linker without --build-id?)" >&2; exit 1; }; \
	    dir=$(1)/debug/.build-id/$$$$(echo $$$$id | cut -c1-2); \
	    mkdir -p $$$$dir && cp $$@.debug $$$$dir/$$$$(echo $$$$id | cut -c3-).debug

# A runtime inside a shared object, run by a C host without one.
$(1)/so-host: tests/workloads/so-host.c $(WL_INPUTS) | $(1)/bw-workload
	$$(call msg,CARGO,$(1)/libbw_service_lib.so)
	$$(Q)$$($(1)_CARGO) -p bw-service-lib --profile release
	$$(Q)cp $(1)/target/release/libbw_service_lib.so $(1)/libbw_service_lib.so.tmp
	$$(Q)mv $(1)/libbw_service_lib.so.tmp $(1)/libbw_service_lib.so
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) -O2 -Wall -Wextra -Werror $$< -L$(1) -lbw_service_lib -Wl,-rpath,'$$$$ORIGIN' -o $$@

# The same library, loaded with dlopen long after the host started.
$(1)/so-dlopen-host: tests/workloads/so-dlopen-host.c | $(1)/so-host
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) -O2 -Wall -Wextra -Werror $$< -ldl -o $$@

WL_ALL += $(1)/bw-workload $(1)/bw-workload-lines $(1)/bw-workload-stripped \
          $(1)/split/bw-workload $(1)/so-host $(1)/so-dlopen-host
endef

WL_ALL :=
$(eval $(call workload_set,$(BUILD)/workloads,$(WL_SRC),))
# The vendored crates use cfgs this cargo does not know (tokio_unstable, loom, ...):
# hundreds of unexpected_cfgs warnings about code that is not ours.
$(eval $(call workload_set,$(BUILD)/workloads-1.49,$(WL_SRC)/tokio-1.49,RUSTFLAGS=-Aunexpected_cfgs))

workloads: $(WL_ALL)
TEST_PREREQS += workloads
.PHONY: workloads
