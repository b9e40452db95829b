# Compiler, flags and flavours.

ifeq ($(SANITIZE),1)
FLAVOUR ?= sanitize
endif
ifeq ($(CONFIG_SANITIZERS),y)
FLAVOUR ?= sanitize
endif
FLAVOUR ?= default

ifeq ($(FLAVOUR),default)
B := $(O)
else
B := $(O)/$(FLAVOUR)
endif

ifeq ($(FLAVOUR),fuzz)
CC := clang
endif
CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config

# Warnings: everything in -Wall -Wextra, plus what has caught real bugs in
# daemons like ours: shadowed locals, format strings that are not literals,
# old-style prototypes, VLAs (unbounded stack from peer input), -Wundef
# (a misspelt CONFIG_X must not silently read as 0), implicit fallthrough.
WARNINGS := -Wall -Wextra -Werror \
	-Wshadow -Wformat=2 -Wformat-security -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wvla -Wundef -Wpointer-arith -Wwrite-strings \
	-Wimplicit-fallthrough -Wdate-time -Wno-unused-parameter

HARDENING := -fstack-protector-strong -fstack-clash-protection -fPIE -D_FORTIFY_SOURCE=2 \
	-fno-strict-aliasing -fno-common
LD_HARDENING := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

ifeq ($(CONFIG_DEBUG),y)
OPT := -O0 -g3
else
OPT := -O2 -g
endif

BASE_CFLAGS := -std=gnu11 $(OPT) $(WARNINGS) -MMD -MP -D_GNU_SOURCE \
	-I$(O)/include -I. -include $(CONFIG_HEADER)
BASE_LDFLAGS := $(LD_HARDENING)

ifeq ($(FLAVOUR),sanitize)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BASE_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(BASE_CFLAGS)) $(SAN_FLAGS) -O1
BASE_LDFLAGS += $(SAN_FLAGS)
HARDENING := $(filter-out -D_FORTIFY_SOURCE=2,$(HARDENING))
endif
ifeq ($(FLAVOUR),fuzz)
SAN_FLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer
BASE_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2 -fstack-clash-protection,$(BASE_CFLAGS)) $(SAN_FLAGS) -DFUZZING=1
HARDENING := $(filter-out -D_FORTIFY_SOURCE=2 -fstack-clash-protection,$(HARDENING))
BASE_LDFLAGS += -fsanitize=address,undefined
endif

CFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS = $(BASE_CFLAGS) $(HARDENING) $(CFLAGS)
ALL_LDFLAGS = $(BASE_LDFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif
