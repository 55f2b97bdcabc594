# Pontoon build.  `make` builds build/pontoond and build/pontoon;
# `make SAN=1 BUILD=build-asan` builds the same with ASan + UBSan;
# `make check` builds and runs the unit tests.
.DEFAULT_GOAL := all
BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
SAN     ?= 0

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
           -Wformat=2 -fno-strict-aliasing -pthread -Isrc -MMD -MP
LDLIBS  += -lsqlite3 -ljansson -lmnl -lbpf -lelf -lz -pthread
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Layers, lowest first; each is a static library so that a binary pulls in
# only what it uses and the include direction stays visible here.
LAYERS  := util packet switching netdev datapath host db control
define layer_rules
$(1)_SRC := $$(wildcard src/$(1)/*.c)
$(1)_OBJ := $$(patsubst src/%.c,$(BUILD)/obj/%.o,$$($(1)_SRC))
$(BUILD)/lib$(1).a: $$($(1)_OBJ)
	@mkdir -p $$(@D)
	$$(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

# Link order: highest layer first.
LIBS    := $(foreach l,control db host datapath netdev switching packet util,$(BUILD)/lib$(l).a)

CLI_OBJ    := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(filter-out src/cli/pontoon.c,$(wildcard src/cli/*.c)))
DAEMON_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(wildcard src/daemon/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOLS_SRC  := $(wildcard tests/tools/*.c bench/*.c)
TOOLS_BIN  := $(patsubst %.c,$(BUILD)/%,$(notdir $(TOOLS_SRC)))

# The kernel switch (src/datapath/bpf): built with clang for the BPF target,
# kernel uapi headers from linux-libc-dev (+ the multiarch dir for asm/) and
# libbpf-dev's bpf_helpers.h; loaded at run time from $(BUILD)/bpf by
# src/datapath/bpf_switch.c.  SAN=1 does not apply: the verifier checks it.
BPF_CLANG  ?= clang
BPF_ARCH   := $(shell $(CC) -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/$(BPF_ARCH) \
              -Wall -Wextra -Werror -MMD -MP
BPF_SRC    := $(wildcard src/datapath/bpf/*.bpf.c)
BPF_OBJ    := $(patsubst src/datapath/bpf/%.c,$(BUILD)/bpf/%.o,$(BPF_SRC))

all: $(BUILD)/pontoond $(BUILD)/pontoon $(BPF_OBJ)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/bpf/%.bpf.o: src/datapath/bpf/%.bpf.c
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(BUILD)/pontoond: $(DAEMON_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libcli.a: $(CLI_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/pontoon: $(BUILD)/obj/cli/pontoon.o $(BUILD)/libcli.a $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# CLI tests also link the CLI's library; other tests only the layers.
$(BUILD)/tests/test_cli_%: tests/unit/test_cli_%.c $(BUILD)/libcli.a $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcli.a $(LIBS) $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS) -lcmocka

$(BUILD)/%: tests/tools/%.c $(LIBS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/%: bench/%.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

tests: $(UNIT_BIN) $(TOOLS_BIN) $(BPF_OBJ)

# libFuzzer harnesses (clang); `make fuzz` builds them, scripts/test.sh runs
# each briefly.  See tests/fuzz/README.md for longer runs.
FUZZ_SRC := src/netdev/vhost_user_msg.c src/netdev/vhost_mem.c src/netdev/virtqueue.c \
            src/packet/packet.c src/util/log.c
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRC)
	@mkdir -p $(@D)
	clang -g -O1 -std=c11 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(FUZZ_SRC)
# The OVSDB harness takes the database engine whole.
OVSDB_FUZZ_SRC := $(wildcard src/db/*.c) $(wildcard src/util/*.c) src/netdev/tunnel_options.c
$(BUILD)/fuzz/fuzz_ovsdb: tests/fuzz/fuzz_ovsdb.c $(OVSDB_FUZZ_SRC)
	@mkdir -p $(@D)
	clang -g -O1 -std=c11 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(OVSDB_FUZZ_SRC) -lsqlite3 -ljansson -lmnl -pthread
fuzz: $(FUZZ_BIN)

# Runs every unit test; cmocka prints its own summary per binary.
check: all tests
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The README's two commands are scripts/demo.sh and scripts/test.sh (they
# need no make: they install it with the rest); these run the same.
demo:
	scripts/demo.sh

test:
	scripts/test.sh

# What an installed host service needs besides the programs, generated from
# them (the man pages and the completion come from the command tables, so
# they never disagree with --help): pontoon(8), pontoond(8), bash completion,
# and, at install time, the systemd unit (for the sbin directory of PREFIX).
UNITDIR ?= /lib/systemd/system
DIST_FILES := $(BUILD)/man/pontoon.8 $(BUILD)/man/pontoond.8 $(BUILD)/completion/pontoon
$(BUILD)/man/pontoon.8: $(BUILD)/pontoon
	@mkdir -p $(@D)
	$< --man > $@
$(BUILD)/man/pontoond.8: $(BUILD)/pontoond
	@mkdir -p $(@D)
	$< --man > $@
$(BUILD)/completion/pontoon: $(BUILD)/pontoon
	@mkdir -p $(@D)
	$< --bash-completion > $@
dist: $(DIST_FILES)

install: all dist
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(UNITDIR)
	install -m 755 $(BUILD)/pontoon $(DESTDIR)$(PREFIX)/bin/pontoon
	install -m 755 $(BUILD)/pontoond $(DESTDIR)$(PREFIX)/sbin/pontoond
	install -d $(DESTDIR)$(PREFIX)/lib/pontoon/bpf
	install -m 644 $(BPF_OBJ) $(DESTDIR)$(PREFIX)/lib/pontoon/bpf/
	install -m 644 $(BUILD)/man/pontoon.8 $(BUILD)/man/pontoond.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 $(BUILD)/completion/pontoon \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pontoon
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' dist/systemd/pontoond.service.in \
	    > $(DESTDIR)$(UNITDIR)/pontoond.service

# For clients that run the Open vSwitch tools by name (libvirt, os-vif):
# links ovs-vsctl and ovs-appctl to pontoon.  Not part of `install`: it would
# shadow a real Open vSwitch installed beside.
install-ovs-names: install
	ln -sf pontoon $(DESTDIR)$(PREFIX)/bin/ovs-vsctl
	ln -sf pontoon $(DESTDIR)$(PREFIX)/bin/ovs-appctl

clean:
	rm -rf build build-asan

.PHONY: all tests check install install-ovs-names clean demo test fuzz dist
.SECONDARY:
-include $(shell find $(BUILD)/obj $(BUILD)/tests $(BUILD)/bpf -name '*.d' 2>/dev/null)
