# Declaration macros for module.mk files. Each is used as
#   $(eval $(call carrel_library,NAME,SOURCES,PKGS))
#   $(eval $(call carrel_program,bin|sbin|libexec,NAME,SOURCES,LIBS,PKGS))
#   $(eval $(call carrel_test,tests/unit/DIR/test-X,EXTRA_SOURCES,LIBS,PKGS,LDFLAGS))
#   $(eval $(call carrel_fuzzer,tests/fuzz/fuzz-X,EXTRA_SOURCES,LIBS,PKGS))
#   $(eval $(call carrel_bench,tests/bench/bench-X,EXTRA_SOURCES,LIBS,PKGS,LDFLAGS))
# LIBS are Carrel's own static libraries by NAME, in link order (dependents
# first); their PKGS are added automatically. PKGS are pkg-config names.

objs_of = $(patsubst %.c,$(B)/obj/%.o,$(1))

# pkg-config is asked once per package and make run, and only when a recipe
# needs it, so that `make` can install missing dependencies first.
define _pkg_memo
ifeq ($$(origin PKG_$(2)_$(1)),undefined)
PKG_$(2)_$(1) := $$(shell $$(PKG_CONFIG) --$(2) $(1))
endif
endef
pkg_flags = $(foreach p,$(sort $(1)),$(eval $(call _pkg_memo,$(p),$(2)))$(PKG_$(2)_$(p)))

# A library without a pkg-config file: $(call pkg_without_pc,NAME,CFLAGS,LIBS)
# lets NAME be used in PKGS like any other.
define pkg_without_pc
PKG_cflags_$(1) := $(2)
PKG_libs_$(1) := $(3)
endef

define carrel_library
$(1)_PKGS := $(3)
$(1)_OBJS := $$(call objs_of,$(2))
$$($(1)_OBJS): MOD_PKGS := $(3)
$(B)/lib/lib$(1).a: $$($(1)_OBJS)
	@mkdir -p $$(@D)
	@echo "  AR      $$@"
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
ALL_LIBS += $(B)/lib/lib$(1).a
ALL_OBJS += $$($(1)_OBJS)
ALL_PKGS += $(3)
endef

# _carrel_link OUT, SOURCES, LIBS, PKGS, EXTRA_LDFLAGS
define _carrel_link
$(1)_OBJS := $$(call objs_of,$(2))
$$($(1)_OBJS): MOD_PKGS = $(4) $$(foreach l,$(3),$$($$(l)_PKGS))
$(1): MOD_PKGS = $(4) $$(foreach l,$(3),$$($$(l)_PKGS))
$(1): $$($(1)_OBJS) $(foreach l,$(3),$(B)/lib/lib$(l).a)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(filter %.a,$$^) $(5) $$(call pkg_flags,$$(MOD_PKGS),libs)
ALL_OBJS += $$($(1)_OBJS)
ALL_PKGS += $(4)
endef

define carrel_program
$(call _carrel_link,$(B)/$(1)/$(2),$(3),$(4),$(5),)
ALL_PROGRAMS += $(B)/$(1)/$(2)
INSTALL_$(1) += $(B)/$(1)/$(2)
endef

define carrel_test
$(call _carrel_link,$(B)/$(1),$(1).c $(2),$(3),$(4) cmocka,$(5))
UNIT_TESTS += $(B)/$(1)
endef

# In the fuzz flavour a libFuzzer binary; otherwise a replay driver that runs
# the target over its seed corpus (tests/fuzz/corpus/NAME/) in `make check`.
define carrel_fuzzer
ifeq ($(FLAVOUR),fuzz)
$(call _carrel_link,$(B)/$(1),$(1).c $(2),$(3),$(4),-fsanitize=fuzzer)
FUZZERS += $(B)/$(1)
else
$(call _carrel_link,$(B)/$(1)-replay,$(1).c tests/fuzz/replay.c $(2),$(3),$(4),)
FUZZ_REPLAYS += $(B)/$(1)-replay
endif
endef

# A program built with `all` for tests and benchmarks, never installed:
# carrel_tool OUTPUT-PATH-UNDER-BUILD, SOURCES, LIBS, PKGS
define carrel_tool
$(call _carrel_link,$(B)/$(1),$(2),$(3),$(4),)
ALL_PROGRAMS += $(B)/$(1)
endef

define carrel_bench
$(call _carrel_link,$(B)/$(1),$(1).c $(2),$(3),$(4),$(5))
BENCHES += $(B)/$(1)
endef


$(DEPS_STAMP): scripts/install-deps $(wildcard scripts/deps/*.txt)
	@mkdir -p $(@D)
	$(Q)scripts/install-deps --if-missing
	@touch $@

$(B)/obj/%.o: %.c $(CONFIG_HEADER) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(call pkg_flags,$(MOD_PKGS),cflags) -c -o $@ $<

# Link-time mocks at the system-call edge: $(call link_wrap,read write)
# gives -Wl,--wrap=read -Wl,--wrap=write (tests define __wrap_read etc.).
comma := ,
link_wrap = $(foreach f,$(1),-Wl$(comma)--wrap=$(f))
