# `make SANITIZE=1 BUILD=build-san test`: everything (blockwatch, unit tests,
# replays) built with AddressSanitizer and UndefinedBehaviorSanitizer, then
# the whole suite. Use a separate BUILD so sanitized and plain objects never
# mix. Any sanitizer report aborts the program, so the test fails.
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
CFLAGS    += $(SAN_FLAGS)
LDFLAGS   += $(SAN_FLAGS)
export ASAN_OPTIONS ?= detect_leaks=0:abort_on_error=1
endif
