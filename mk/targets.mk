# Top-level goals. Included last, once every module.mk has declared itself.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/carrel
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/carrel
ifeq ($(PREFIX),/usr)
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
else
SYSCONFDIR ?= $(PREFIX)/etc
LOCALSTATEDIR ?= $(PREFIX)/var
endif
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

ALL_OBJS := $(sort $(ALL_OBJS))
-include $(ALL_OBJS:.o=.d)

INTEGRATION_TESTS := $(sort $(wildcard tests/integration/test-*.sh))
BENCH_SCRIPTS := $(sort $(wildcard tests/bench/bench-*.sh))
TEST_TIMEOUT ?= 900

.PHONY: all check check-unit check-kmod bench fuzz kmod demo install clean distclean format deps

all: $(ALL_LIBS) $(ALL_PROGRAMS)

deps: $(DEPS_STAMP)

TEST_ENV = CARREL_SRCDIR=$(CURDIR) CARREL_BUILD=$(CURDIR)/$(B) CARREL_FLAVOUR=$(FLAVOUR) \
	CARREL_KMOD=$(CONFIG_KMOD) CMOCKA_MESSAGE_OUTPUT=TAP

# The whole suite, one closing line: unit tests, seed-corpus replays,
# integration tests and (default flavour only) the qemu kernel-module guest.
CHECK_ITEMS = $(UNIT_TESTS) \
	$(foreach r,$(FUZZ_REPLAYS),$(r):tests/fuzz/corpus/$(patsubst %-replay,%,$(notdir $(r)))) \
	$(INTEGRATION_TESTS) \
	$(if $(and $(filter y,$(CONFIG_KMOD)),$(filter default,$(FLAVOUR))),$(wildcard tests/kmod/run.sh))

check: all $(UNIT_TESTS) $(FUZZ_REPLAYS)
	$(Q)env $(TEST_ENV) scripts/run-tests --logdir $(B)/test-logs --timeout $(TEST_TIMEOUT) $(CHECK_ITEMS)

check-unit: all $(UNIT_TESTS) $(FUZZ_REPLAYS)
	$(Q)env $(TEST_ENV) scripts/run-tests --logdir $(B)/test-logs --timeout $(TEST_TIMEOUT) \
		$(UNIT_TESTS) $(foreach r,$(FUZZ_REPLAYS),$(r):tests/fuzz/corpus/$(patsubst %-replay,%,$(notdir $(r))))

check-kmod: all kmod
	$(Q)env $(TEST_ENV) scripts/run-tests --logdir $(B)/test-logs --timeout $(TEST_TIMEOUT) tests/kmod/run.sh

# Benchmarks print one JSON object per line on stdout; nothing is asserted.
bench: all $(BENCHES)
	$(Q)set -e; for b in $(BENCHES) $(BENCH_SCRIPTS); do env $(TEST_ENV) $$b; done

fuzz:
	$(Q)$(MAKE) --no-print-directory FLAVOUR=fuzz fuzzers

.PHONY: fuzzers
fuzzers: $(FUZZERS)
	@for f in $(FUZZERS); do echo "  FUZZER  $$f  (corpus: tests/fuzz/corpus/$$(basename $$f))"; done

# Kernel headers: the newest /lib/modules/*/build, never `uname -r` (the host
# kernel is not the one the module runs on).
KDIR ?= $(lastword $(sort $(wildcard /lib/modules/*/build)))
kmod:
ifeq ($(CONFIG_KMOD),y)
	$(Q)if [ -z "$(KDIR)" ]; then echo "make kmod: no kernel headers under /lib/modules (install linux-headers-amd64)" >&2; exit 1; fi
	@mkdir -p $(O)/kmod
	$(Q)cp -a kmod/. $(O)/kmod/
	@# Our command-line variables (O=, V=...) mean other things to Kbuild:
	@# start it with a clean MAKEFLAGS.
	$(Q)env -u MAKEFLAGS -u MAKEOVERRIDES -u MAKELEVEL $(MAKE) -C $(KDIR) M=$(abspath $(O))/kmod modules
else
	@echo "make kmod: CONFIG_KMOD is off"
endif

demo: all
	$(Q)env $(TEST_ENV) scripts/demo

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)
	$(if $(INSTALL_bin),install -m 0755 $(INSTALL_bin) $(DESTDIR)$(BINDIR)/)
	$(if $(INSTALL_sbin),install -m 0755 $(INSTALL_sbin) $(DESTDIR)$(SBINDIR)/)
	$(if $(INSTALL_libexec),install -m 0755 $(INSTALL_libexec) $(DESTDIR)$(LIBEXECDIR)/)
	install -d $(DESTDIR)$(SYSCONFDIR)/carrel $(DESTDIR)$(DOCDIR)
	$(if $(INSTALL_conf),install -m 0644 $(INSTALL_conf) $(DESTDIR)$(SYSCONFDIR)/carrel/)
	install -m 0644 README.md $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/
	$(Q)for f in $(wildcard docs/man/*.[1-8]); do \
		s=$${f##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$$s/; done
	$(if $(wildcard appliance/systemd/*.service appliance/systemd/*.socket appliance/systemd/*.target),\
		install -d $(DESTDIR)$(UNITDIR) && install -m 0644 $(wildcard appliance/systemd/*.service appliance/systemd/*.socket appliance/systemd/*.target) $(DESTDIR)$(UNITDIR)/)
	$(if $(wildcard appliance/systemd/sysusers.d/*.conf),\
		install -d $(DESTDIR)$(SYSUSERSDIR) && install -m 0644 $(wildcard appliance/systemd/sysusers.d/*.conf) $(DESTDIR)$(SYSUSERSDIR)/)
	$(if $(wildcard appliance/systemd/tmpfiles.d/*.conf),\
		install -d $(DESTDIR)$(TMPFILESDIR) && install -m 0644 $(wildcard appliance/systemd/tmpfiles.d/*.conf) $(DESTDIR)$(TMPFILESDIR)/)

# Objects and binaries go; the configuration (build/.config) stays.
clean:
	rm -rf $(O)/obj $(O)/bin $(O)/sbin $(O)/libexec $(O)/lib $(O)/tests $(O)/test-logs \
		$(O)/sanitize $(O)/fuzz $(O)/kmod

distclean: clean
	rm -rf $(O)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

.PHONY: check-format
check-format:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)
