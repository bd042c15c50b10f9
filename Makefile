# blockwatch build. Everything generated goes under $(BUILD); V=1 shows commands.
.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

BUILD   ?= build
CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
BTF     ?= /sys/kernel/btf/vmlinux
VERSION := 0.1.0
ARCH    := x86

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -DBW_VERSION='"$(VERSION)"' \
            -Iinclude -Isrc -I$(BUILD) -MMD -MP
LDLIBS   := -Wl,-Bstatic -lbpf -liberty -Wl,-Bdynamic -ldw -lelf -lz -lncursesw -ltinfo -lm -lpthread -lmicrohttpd
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -I$(BUILD) -Ibpf \
              -Wall -Werror

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
SRCS      := $(shell find src -name '*.c' | sort)
OBJS      := $(patsubst %.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/obj/src/main.o,$(OBJS))
LIB       := $(BUILD)/libblockwatch.a
BIN       := $(BUILD)/blockwatch

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

all: $(BIN)

$(BUILD)/vmlinux.h:
	$(Q)test -r $(BTF) || { echo "blockwatch: $(BTF) not found: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y needed)" >&2; exit 1; }
	$(Q)mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(BTF) format c > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h include/blockwatch.h $(wildcard bpf/*.bpf.h)
	$(Q)mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

SYSCALL_HDR ?= /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/syscall_table.h: $(SYSCALL_HDR)
	$(Q)mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q){ printf '#define BW_SYSCALL_TABLE \\\n'; \
	  sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/\t{ "\1", \2 }, \\/p' $<; echo; } > $@

$(BUILD)/obj/%.o: %.c | $(SKELS) $(BUILD)/syscall_table.h
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/obj/src/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/harness.h $(LIB)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB) $(LDLIBS) -o $@

unit-tests: $(UNIT_BINS)

# Test fixtures and workloads add their own targets and append to TEST_PREREQS.
TEST_PREREQS :=
-include $(wildcard tests/*/*.mk)

test: all unit-tests $(TEST_PREREQS)
	$(Q)BUILD=$(BUILD) tests/run.sh

deps:
	$(Q)tools/install-deps.sh

demo: all $(TEST_PREREQS)
	$(Q)tools/demo.sh

bench: all $(TEST_PREREQS)
	$(Q)tools/install-deps.sh --bench
	$(Q)tools/bench/run.sh

# serve for SOAK_SECONDS (default 10 min) under service churn: flat RSS and fds
SOAK_SECONDS ?= 600
soak: all workloads
	$(Q)SOAK_SECONDS=$(SOAK_SECONDS) BUILD=$(BUILD) bash tests/integration/serve_soak.sh

clean:
	$(Q)rm -rf $(BUILD)

.PHONY: all deps test unit-tests demo bench soak clean
-include $(OBJS:.o=.d)
