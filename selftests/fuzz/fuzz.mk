# SPDX-License-Identifier: GPL-2.0-only
#
# libFuzzer target over the segmentation core, included by the top
# Makefile (it uses OUTPUT, CLANG, CC, PYTHON, Q and msg from there):
#   make fuzz	.output/fuzz/fuzz_seg, fuzz_seg_break (oracles made to
#		fail, for selftests/fuzz/run.sh) and the seeds
# fuzz_seg.mode says which kind was built: "libfuzzer", or "driver" when
# clang has no fuzzer runtime (libclang-rt-14-dev on Debian 12); the
# driver (gcc, ASan + UBSan) only replays files and directories.
# `make test` builds them too: selftests/run.sh runs selftests/fuzz/run.sh.

FUZZ_OUT	:= $(OUTPUT)/fuzz
FUZZ_SRCS	:= selftests/fuzz/fuzz_seg.c user/seg.c
FUZZ_DEPS	:= $(FUZZ_SRCS) user/seg.h selftests/fuzz/driver.c \
		   selftests/fuzz/fuzz.mk
FUZZ_CFLAGS	:= -g -O1 -Wall -Werror -std=gnu11 -Iinclude -Iuser
FUZZ_SAN	:= -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SAN_GCC	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined

.PHONY: fuzz
fuzz: $(FUZZ_OUT)/fuzz_seg $(FUZZ_OUT)/fuzz_seg_break $(FUZZ_OUT)/seeds/.stamp

test: fuzz

$(FUZZ_OUT) $(FUZZ_OUT)/seeds:
	$(Q)mkdir -p $@

# Recursive, so clang is asked only when a fuzz target is built. The
# core is compiled here with the sanitizers and coverage too: the point.
FUZZ_HAVE_LF	= $(wildcard $(shell $(CLANG) -print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-*.a)
FUZZ_CC		= $(if $(FUZZ_HAVE_LF),$(CLANG) $(FUZZ_SAN),$(CC) $(FUZZ_SAN_GCC))
FUZZ_MAIN	= $(if $(FUZZ_HAVE_LF),,selftests/fuzz/driver.c)
FUZZ_MODE	= $(if $(FUZZ_HAVE_LF),libfuzzer,driver)

$(FUZZ_OUT)/fuzz_seg: $(FUZZ_DEPS) | $(FUZZ_OUT)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SRCS) $(FUZZ_MAIN) -o $@
	$(Q)echo $(FUZZ_MODE) > $@.mode

$(FUZZ_OUT)/fuzz_seg_break: $(FUZZ_DEPS) | $(FUZZ_OUT)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DOG_FUZZ_SELFTEST_BREAK $(FUZZ_SRCS) \
		$(FUZZ_MAIN) -o $@

# Generated, never committed: the script is the source.
$(FUZZ_OUT)/seeds/.stamp: selftests/fuzz/gen_seeds.py | $(FUZZ_OUT)/seeds
	$(call msg,GEN,$(FUZZ_OUT)/seeds)
	$(Q)rm -f $(FUZZ_OUT)/seeds/*
	$(Q)$(PYTHON) selftests/fuzz/gen_seeds.py $(FUZZ_OUT)/seeds
	$(Q)touch $@
