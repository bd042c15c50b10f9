# Fuzzing (issue 15). Two builds of each harness tests/fuzz/fuzz_NAME.c:
#   $(BUILD)/fuzz/replay_NAME  ordinary compiler, runs given files once:
#                              `make test` replays the seed corpora and every
#                              regression input (tests/fuzz/corpus, regressions)
#   $(BUILD)/fuzz/fuzz_NAME    clang -fsanitize=fuzzer,address,undefined over a
#                              sanitized build of the library (libFuzzer)
# `make fuzz` runs each libFuzzer target FUZZ_SECONDS (default 60);
# tests/integration/fuzz.sh (in `make test`) runs each FUZZ_TEST_SECONDS.
FUZZ_TARGETS := recording elf maps cli serve profile
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wall -Wno-unused-parameter \
                -std=gnu11 -D_GNU_SOURCE -DBW_VERSION='"$(VERSION)"' -Iinclude -Isrc -I$(BUILD)
FUZZ_LIB_OBJS := $(patsubst $(BUILD)/obj/%.o,$(FUZZ_DIR)/obj/%.o,$(LIB_OBJS))
REPLAY_BINS  := $(addprefix $(FUZZ_DIR)/replay_,$(FUZZ_TARGETS))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))

$(FUZZ_DIR)/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(LIB) $(LDLIBS) -o $@

$(FUZZ_DIR)/gen_seeds: tests/fuzz/gen_seeds.c tests/unit/craft.h $(LIB)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(FUZZ_DIR)/obj/%.o: %.c | $(SKELS) $(BUILD)/syscall_table.h
	$(Q)mkdir -p $(@D)
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/libblockwatch-fuzz.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Built only where clang has libFuzzer; otherwise a note and no binary
# (tests/integration/fuzz.sh then skips the timed runs, not the replays).
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libblockwatch-fuzz.a
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_DIR)/libblockwatch-fuzz.a \
		$(LDLIBS) -o $@ || { echo "fuzz: $(FUZZ_CC) cannot build libFuzzer targets; skipped" >&2; rm -f $@; }

fuzz-build: $(REPLAY_BINS) $(FUZZ_BINS)

# Regenerates the crafted recordings (commit the result).
fuzz-seeds: $(FUZZ_DIR)/gen_seeds
	$(Q)mkdir -p tests/fuzz/corpus/recording tests/fuzz/regressions/recording
	$(Q)$(FUZZ_DIR)/gen_seeds tests/fuzz/corpus/recording tests/fuzz/regressions/recording

fuzz: fuzz-build
	$(Q)FUZZ_TEST_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) bash tests/integration/fuzz.sh

.PHONY: fuzz fuzz-build fuzz-seeds
TEST_PREREQS += $(REPLAY_BINS) $(FUZZ_BINS)
