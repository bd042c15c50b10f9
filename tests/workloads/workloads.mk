# Ground-truth workloads (docs/workloads.md), included by the top Makefile.
# One Cargo workspace, one binary (bw-workload --scenario NAME), built once per profile
# into $(BUILD)/workloads/:
#   bw-workload            release, full debug info (profile.release)
#   bw-workload-lines      release, line tables only (profile.release-lines)
#   bw-workload-stripped   the first one, strip --strip-all
#   split/bw-workload      the first one without debug info + .gnu_debuglink to
#                          split/bw-workload.debug, also at debug/.build-id/xx/rest.debug
# Make only reruns cargo when a workload source changed, so `make test` stays fast.
# Outputs are written to a temporary name and renamed, so a workload that is running
# (a test, a demo) does not make the copy fail with "Text file busy".

CARGO     ?= $(shell command -v cargo 2>/dev/null || echo $(HOME)/.cargo/bin/cargo)
WL_SRC    := tests/workloads
WL_OUT    := $(BUILD)/workloads
WL_TARGET := $(abspath $(WL_OUT)/target)
WL_INPUTS := $(WL_SRC)/Cargo.toml $(wildcard $(WL_SRC)/Cargo.lock) \
             $(wildcard $(WL_SRC)/*/Cargo.toml $(WL_SRC)/*/src/*.rs $(WL_SRC)/*/src/*/*.rs)
WL_CARGO  := CARGO_TARGET_DIR=$(WL_TARGET) $(CARGO) build $(if $(filter 1,$(V)),-v,-q) \
             --manifest-path $(WL_SRC)/Cargo.toml -p bw-workload
WL_BINS   := $(WL_OUT)/bw-workload $(WL_OUT)/bw-workload-lines \
             $(WL_OUT)/bw-workload-stripped $(WL_OUT)/split/bw-workload

$(WL_OUT)/bw-workload: $(WL_INPUTS)
	$(call msg,CARGO,$@)
	$(Q)$(WL_CARGO) --profile release
	$(Q)cp $(WL_TARGET)/release/bw-workload $@.tmp && mv -f $@.tmp $@

$(WL_OUT)/bw-workload-lines: $(WL_INPUTS) | $(WL_OUT)/bw-workload
	$(call msg,CARGO,$@)
	$(Q)$(WL_CARGO) --profile release-lines
	$(Q)cp $(WL_TARGET)/release-lines/bw-workload $@.tmp && mv -f $@.tmp $@

$(WL_OUT)/bw-workload-stripped: $(WL_OUT)/bw-workload
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all -o $@.tmp $< && mv -f $@.tmp $@

# The debug file sits next to the binary (found through .gnu_debuglink) and under the
# build-id layout (what /usr/lib/debug/.build-id looks like), for tools given that dir.
$(WL_OUT)/split/bw-workload: $(WL_OUT)/bw-workload
	$(call msg,SPLIT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)objcopy --only-keep-debug $< $@.debug
	$(Q)objcopy --strip-debug --add-gnu-debuglink=$@.debug $< $@.tmp && mv -f $@.tmp $@
	$(Q)id=$$(readelf -n $@ | sed -n 's/.*Build ID: *//p'); \
	    test -n "$$id" || { echo "blockwatch: $@ has no build-id (linker without --build-id?)" >&2; exit 1; }; \
	    dir=$(WL_OUT)/debug/.build-id/$$(echo $$id | cut -c1-2); \
	    mkdir -p $$dir && cp $@.debug $$dir/$$(echo $$id | cut -c3-).debug

# A runtime inside a shared object, run by a C host without one.
$(WL_OUT)/so-host: tests/workloads/so-host.c $(WL_INPUTS) | $(WL_OUT)/bw-workload
	$(call msg,CARGO,$(WL_OUT)/libbw_service_lib.so)
	$(Q)CARGO_TARGET_DIR=$(WL_TARGET) $(CARGO) build $(if $(filter 1,$(V)),-v,-q) \
	    --manifest-path $(WL_SRC)/Cargo.toml -p bw-service-lib --profile release
	$(Q)cp $(WL_TARGET)/release/libbw_service_lib.so $(WL_OUT)/libbw_service_lib.so.tmp
	$(Q)mv $(WL_OUT)/libbw_service_lib.so.tmp $(WL_OUT)/libbw_service_lib.so
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror $< -L$(WL_OUT) -lbw_service_lib -Wl,-rpath,'$$ORIGIN' -o $@

# The same library, loaded with dlopen long after the host started.
$(WL_OUT)/so-dlopen-host: tests/workloads/so-dlopen-host.c | $(WL_OUT)/so-host
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror $< -ldl -o $@

workloads: $(WL_BINS) $(WL_OUT)/so-host $(WL_OUT)/so-dlopen-host
TEST_PREREQS += workloads
.PHONY: workloads
