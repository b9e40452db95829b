#!/bin/bash
# `make install DESTDIR=... PREFIX=/usr` lays out an FHS tree, and a build
# into a fresh O= writes nothing into the source tree.
. "$(dirname "$0")/lib.sh"
cd "$CARREL_SRCDIR" || exit 1
# A fresh build in its own O=: not the flavour or jobserver of the `make check` that runs us.
unset MAKEFLAGS MAKEOVERRIDES MAKELEVEL MFLAGS SANITIZE FLAVOUR

o=$TEST_TMP/o
dest=$TEST_TMP/root
touch "$TEST_TMP/stamp"
sleep 1

check "make install succeeds" \
	bash -c "make -s O='$o' -j2 install DESTDIR='$dest' PREFIX=/usr >'$TEST_TMP/install.log' 2>&1"
check "carrelctl in /usr/sbin" test -x "$dest/usr/sbin/carrelctl"
check "installed carrelctl runs" "$dest/usr/sbin/carrelctl" version
check "documentation in /usr/share/doc/carrel" test -f "$dest/usr/share/doc/carrel/README.md"
check "architecture doc installed" test -f "$dest/usr/share/doc/carrel/architecture.md"
check "man page in /usr/share/man/man8" test -f "$dest/usr/share/man/man8/carrelctl.8"
check "configuration directory is /etc/carrel" test -d "$dest/etc/carrel"
check_fails "nothing outside usr/ and etc/" \
	bash -c "ls -A '$dest' | grep -Ev '^(usr|etc)$'"
check_fails "the build wrote nothing into the source tree" \
	bash -c "find . -path ./build -prune -o -newer '$TEST_TMP/stamp' -type f -print | grep -v '^./.git/' | grep -q ."
check "man page renders" bash -c "man -l '$dest/usr/share/man/man8/carrelctl.8' >/dev/null 2>&1 || groff -man -Tutf8 '$dest/usr/share/man/man8/carrelctl.8' >/dev/null"

done_testing
