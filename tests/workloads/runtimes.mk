# Ground-truth workloads on runtimes other than Tokio (docs/workloads.md), included by the
# top Makefile: one program (--runtime R --scenario NAME), built once per runtime so that
# each binary links only its own: bw-async-std, bw-smol, bw-custom (cargo feature R), from
# its own workspace (tests/workloads/runtimes/) into $(BUILD)/workloads-runtimes/.
# (Included before workloads.mk: paths are spelled out, $(CARGO) is expanded late.)
# Reruns cargo only when its sources (or the shared truth.rs) changed.

RT_SRC    := tests/workloads/runtimes
RT_OUT    := $(BUILD)/workloads-runtimes
RT_INPUTS := $(RT_SRC)/Cargo.toml $(RT_SRC)/Cargo.lock $(RT_SRC)/bw-runtimes/Cargo.toml \
             $(wildcard $(RT_SRC)/bw-runtimes/src/*.rs $(RT_SRC)/bw-runtimes/src/*/*.rs) \
             tests/workloads/bw-workload/src/truth.rs

# runtime_workload RUNTIME: $(RT_OUT)/bw-RUNTIME, built with cargo feature RUNTIME
define runtime_workload
$(RT_OUT)/bw-$(1): $(RT_INPUTS)
	$$(call msg,CARGO,$$@)
	$$(Q)mkdir -p $(RT_OUT)
	$$(Q)CARGO_TARGET_DIR=$(abspath $(RT_OUT)/target-$(1)) $$(CARGO) build $$(if $$(filter 1,$$(V)),-v,-q) \
	    --manifest-path $(RT_SRC)/Cargo.toml --profile release --features $(1)
	$$(Q)cp $(RT_OUT)/target-$(1)/release/bw-runtimes $$@.tmp && mv -f $$@.tmp $$@

RT_ALL += $(RT_OUT)/bw-$(1)
endef

RT_ALL :=
$(foreach r,async-std smol custom,$(eval $(call runtime_workload,$(r))))

runtime-workloads: $(RT_ALL)
TEST_PREREQS += runtime-workloads
.PHONY: runtime-workloads
