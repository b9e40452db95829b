# Carrel top-level Makefile.
#
# Non-recursive: every directory that builds something has a module.mk that
# declares its libraries, programs, tests, fuzzers and benchmarks with the
# macros in mk/rules.mk. All output goes under $(O) (build/ by default):
#   build/.config                 the Kconfig selection (make defconfig/menuconfig)
#   build/include/carrel-config.h CONFIG_X as 0/1
#   build/{bin,lib,obj,tests}     the default flavour
#   build/sanitize/...            SANITIZE=1 (ASan+UBSan)
#   build/fuzz/...                make fuzz (clang, libFuzzer)
#
# Targets: all (default), defconfig, menuconfig, olddefconfig, savedefconfig,
# check, check-unit, check-kmod, bench, fuzz, kmod, demo, install, clean,
# distclean, format, deps.

.DEFAULT_GOAL := all
SHELL := /bin/bash
.SUFFIXES:
.DELETE_ON_ERROR:

O ?= build
SANITIZE ?= 0
PYTHON := /usr/bin/python3
V ?= 0

export KCONFIG_CONFIG := $(O)/.config
CONFIG_HEADER := $(O)/include/carrel-config.h
CONFIG_MK := $(O)/config.mk
# Touched once scripts/install-deps found every Debian package present.
DEPS_STAMP := $(O)/.deps-ok
DEFCONFIG ?= configs/defconfig

include mk/config.mk
include mk/toolchain.mk
include mk/rules.mk

# Every module.mk in the tree, outside the build and kernel-module trees.
MODULE_MKS := $(sort $(shell find . -path ./$(O) -prune -o -name module.mk -print | sed 's|^\./||'))
include $(MODULE_MKS)

include mk/targets.mk
