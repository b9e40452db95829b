#!/bin/bash
# Kconfig feature selection: every shipped defconfig and a build with every
# component switched off configure and build cleanly (-Werror), the header
# carries each symbol as 0/1, and switched-off components leave no binary.
. "$(dirname "$0")/lib.sh"
cd "$CARREL_SRCDIR" || exit 1
# A fresh build in its own O=: not the flavour or jobserver of the `make check` that runs us.
unset MAKEFLAGS MAKEOVERRIDES MAKELEVEL MFLAGS SANITIZE FLAVOUR

o=$TEST_TMP/o
mk() { make --no-print-directory -s O="$o" "$@" >>"$TEST_TMP/make.log" 2>&1; }

check "defconfig loads" mk defconfig
check "config header is generated" mk "$o/include/carrel-config.h"
check "header defines CONFIG_HUB as 1" grep -q '^#define CONFIG_HUB 1$' "$o/include/carrel-config.h"
check "every bool in the header is 0 or 1" \
	bash -c "! grep '^#define CONFIG_' '$o/include/carrel-config.h' | grep -Ev ' [01]$'"

check "appliance_defconfig loads" mk appliance_defconfig
check "appliance_defconfig turns the hub off" grep -q '^# CONFIG_HUB is not set' "$o/.config"

# Everything off, the way an operator would in menuconfig.
check "all components can be switched off" \
	mk setconfig SET="TPM_CUSTODY=n RECORDER=n CIRCULATION=n HUB=n DESK_CLIENT=n KMOD=n"
check "olddefconfig keeps the selection" mk olddefconfig
check "minimal build is clean" mk -j2 all
check "header says 0 for switched-off components" \
	grep -q '^#define CONFIG_TPM_CUSTODY 0$' "$o/include/carrel-config.h"
check "carrelctl still builds" test -x "$o/sbin/carrelctl"
check "carrelctl reports the components off" \
	bash -c "'$o/sbin/carrelctl' components | grep -Eq '^tpm-custody +off'"
check_fails "no key-custody objects in the minimal build" \
	bash -c "find '$o/obj/appliance/keys' -name '*.o' 2>/dev/null | grep -q ."
check_fails "no kernel-module control objects in the minimal build" \
	bash -c "find '$o/obj/appliance/volume' -name '*.o' 2>/dev/null | grep -q ."

check "desk_defconfig builds" bash -c "make -s O='$o' desk_defconfig >/dev/null && make -s O='$o' -j2 all >/dev/null 2>&1"

# Key custody without the kernel module: the carrel_blk sink is left out,
# carrel-keys does not link the volume library and refuses --volume.
check "TPM_CUSTODY=y KMOD=n builds" bash -c "make -s O='$o' defconfig >/dev/null && make -s O='$o' setconfig SET='KMOD=n' >/dev/null && make -s O='$o' -j2 all >/dev/null 2>&1"
check_fails "... without the carrel_blk sink" test -e "$o/obj/appliance/keys/key-sink-volume.o"
check "... carrel-keys refuses --volume, naming CONFIG_KMOD" \
	bash -c "'$o/libexec/carrel-keys' unlock --volume 0 2>&1 | grep -q 'CONFIG_KMOD=n'"

if ((TEST_FAILED)); then tail -n 30 "$TEST_TMP/make.log"; fi
done_testing
