# SPDX-License-Identifier: GPL-2.0-only
#
# offguard build. Out of tree into .output/ (libbpf-bootstrap layout):
#   make            BPF objects, skeletons, ./offguard, test binaries
#   make test       every test (unit, prog, net); ends "N passed, N failed"
#   make bench      benchmarks (figures printed, never asserted)
#   make demo       the self-contained showcase (root)
#   make install    honours DESTDIR and PREFIX (SBINDIR, MANDIR,
#                   SYSTEMDUNITDIR, SYSCONFDIR under it)
#   make man        .output/offguard.8 from man/offguard.8.md
#   make readme-cli README.md's CLI section from the same source
# V=1 prints full commands.

OUTPUT		:= .output
CLANG		?= clang
BPFTOOL		?= bpftool
LLVM_STRIP	?= llvm-strip
CC		?= gcc
PKG_CONFIG	?= pkg-config
PYTHON		?= python3
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
# /etc for a distribution-style install (PREFIX=/usr), else under PREFIX
# (GNU habit). The daemon reads /etc/offguard/offguard.conf unless told:
# the unit passes -c $(SYSCONFDIR)/offguard/offguard.conf when they differ.
ifeq ($(PREFIX),/usr)
SYSCONFDIR	?= /etc
else
SYSCONFDIR	?= $(PREFIX)/etc
endif
DAEMON_ARGS	= $(if $(filter /etc,$(SYSCONFDIR)),, -c $(SYSCONFDIR)/offguard/offguard.conf)
VMLINUX_BTF	?= /sys/kernel/btf/vmlinux

ARCH		:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBBPF_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LDLIBS	:= $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)
LIBXDP_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libxdp 2>/dev/null)
LIBXDP_LDLIBS	:= $(shell $(PKG_CONFIG) --libs libxdp 2>/dev/null || echo -lxdp)

COMMON_WARN	:= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror
CFLAGS		?= -g -O2
CFLAGS		+= $(COMMON_WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP \
		   -Iinclude -Iuser -I$(OUTPUT) $(LIBBPF_CFLAGS) $(LIBXDP_CFLAGS)
LDLIBS		+= $(LIBXDP_LDLIBS) $(LIBBPF_LDLIBS) -lelf -lz

BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		   -MMD -MP -Iinclude -Ibpf -I$(OUTPUT)

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

# Product code. pkt.c is shared with the test tools (packet builder).
USER_SRCS	:= $(wildcard user/*.c)
USER_OBJS	:= $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS	:= $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))

# Test-only BPF programs (no-op baseline, foreign tc program for the
# "detach leaves others alone" test).
TBPF_SRCS	:= $(wildcard selftests/progs/*.bpf.c)
TBPF_OBJS	:= $(patsubst selftests/progs/%.bpf.c,$(OUTPUT)/selftests/%.bpf.o,$(TBPF_SRCS))
TSKELS		:= $(patsubst selftests/progs/%.bpf.c,$(OUTPUT)/selftests/%.skel.h,$(TBPF_SRCS))

TOOL_SRCS	:= $(wildcard selftests/tools/*.c)
TOOLS		:= $(patsubst selftests/tools/%.c,$(OUTPUT)/selftests/%,$(TOOL_SRCS))

TEST_BINS	:= $(OUTPUT)/selftests/unit_tests $(OUTPUT)/selftests/prog_tests \
		   $(OUTPUT)/selftests/bench_prog

VERSION		:= $(shell sed -n 's/^\#define OG_VERSION[[:space:]]*"\(.*\)"$$/\1/p' user/main.c)
MAN8		:= $(OUTPUT)/offguard.8
CONF_EXAMPLE	:= packaging/offguard.conf.example

.PHONY: all clean test bench demo install deps man readme-cli
all: $(SKELS) offguard $(TOOLS) $(TEST_BINS) $(MAN8)

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/selftests:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)test -r $(VMLINUX_BTF) || { echo "Error: $(VMLINUX_BTF) missing: kernel built without CONFIG_DEBUG_INFO_BTF" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

# DWARF is dropped before embedding (BTF stays): skeletons stay small.
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MT $@ -MF $(@:.o=.d) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(OUTPUT)/selftests/%.bpf.o: selftests/progs/%.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)/selftests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MT $@ -MF $(@:.o=.d) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*) > $@.tmp && mv $@.tmp $@

$(OUTPUT)/selftests/%.skel.h: $(OUTPUT)/selftests/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*) > $@.tmp && mv $@.tmp $@

# Every userspace object may include any skeleton: order them first.
$(OUTPUT)/user/%.o: user/%.c | $(SKELS) $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

offguard: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/selftests/%.o: selftests/*/%.c | $(SKELS) $(TSKELS) $(OUTPUT)/selftests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests -I$(OUTPUT)/selftests -c $< -o $@

$(OUTPUT)/selftests/unit_tests: $(OUTPUT)/selftests/unit_tests.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/selftests/prog_tests: $(OUTPUT)/selftests/prog_tests.o \
				$(OUTPUT)/selftests/xdp_tests.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/selftests/bench_prog: $(OUTPUT)/selftests/bench_prog.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -lm -o $@

$(OUTPUT)/selftests/%: $(OUTPUT)/selftests/%.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Debian packages needed to build and test (root; no-op when present).
deps:
	$(Q).ci/deps

test: all
	$(Q)selftests/run.sh

include selftests/fuzz/fuzz.mk

bench: all
	$(Q)selftests/bench/run.sh

demo: offguard
	$(Q)./offguard demo

# The man page and the README's CLI section come from one source
# (man/gen.py says which markdown it takes); python3 only.
man: $(MAN8)

$(MAN8): man/offguard.8.md man/gen.py user/main.c | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(PYTHON) man/gen.py man $< --version "$(VERSION)" > $@.tmp && mv $@.tmp $@

readme-cli:
	$(Q)$(PYTHON) man/gen.py readme man/offguard.8.md README.md --write

# The BPF objects are inside the binary (skeletons): nothing else to ship.
# An existing offguard.conf is never touched; the example is refreshed.
install: offguard $(MAN8)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 offguard $(DESTDIR)$(SBINDIR)/offguard
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/offguard.8
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DAEMON_ARGS@|$(DAEMON_ARGS)|g' \
		packaging/offguard.service > $(DESTDIR)$(SYSTEMDUNITDIR)/offguard.service.tmp
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/offguard.service.tmp
	mv $(DESTDIR)$(SYSTEMDUNITDIR)/offguard.service.tmp \
		$(DESTDIR)$(SYSTEMDUNITDIR)/offguard.service
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		packaging/offguard-segd@.service > $(DESTDIR)$(SYSTEMDUNITDIR)/offguard-segd@.service.tmp
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/offguard-segd@.service.tmp
	mv $(DESTDIR)$(SYSTEMDUNITDIR)/offguard-segd@.service.tmp \
		$(DESTDIR)$(SYSTEMDUNITDIR)/offguard-segd@.service
	@if [ ! -f $(CONF_EXAMPLE) ]; then \
		echo "install: $(CONF_EXAMPLE) is not in this tree: no configuration installed"; \
	else \
		set -e; \
		conf=$(DESTDIR)$(SYSCONFDIR)/offguard/offguard.conf; \
		echo "install -d $(DESTDIR)$(SYSCONFDIR)/offguard"; \
		install -d $(DESTDIR)$(SYSCONFDIR)/offguard; \
		echo "install -m 0644 $(CONF_EXAMPLE) $$conf.example"; \
		install -m 0644 $(CONF_EXAMPLE) $$conf.example; \
		if [ -e $$conf ]; then \
			echo "install: $$conf exists: kept"; \
		else \
			echo "install -m 0644 $(CONF_EXAMPLE) $$conf"; \
			install -m 0644 $(CONF_EXAMPLE) $$conf; \
		fi; \
	fi

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) offguard

.SECONDARY:
-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*.d $(OUTPUT)/selftests/*.d)
