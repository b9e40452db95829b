#!/bin/busybox sh
# PID 1 of the kmod test guest: set up /dev, /proc, /sys, load the Debian
# modules the tests need, run the tests and report the verdict through
# qemu's isa-debug-exit port (0xf4): 0x10 all passed, 0x11 something failed.
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp /run/cryptsetup
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/cryptsetup
echo 0 >/proc/sys/kernel/printk_ratelimit 2>/dev/null

verdict() {
	# isa-debug-exit: qemu exits with status (value << 1) | 1.
	printf "\\$(printf '%03o' "$1")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	# Not reached under qemu; keep PID 1 alive otherwise.
	poweroff -f
}

ok=1
while read -r m args; do
	[ -n "$m" ] || continue
	if ! insmod "/modules/$m.ko" $args 2>/tmp/insmod.err; then
		# Already built in or loaded as a dependency is fine.
		grep -q 'File exists' /tmp/insmod.err || { echo "# insmod $m failed: $(cat /tmp/insmod.err)"; ok=0; }
	fi
done </modules/order
[ $ok = 1 ] || echo "not ok - load the Debian modules the tests need"

sh /guest-tests.sh
rc=$?
echo "# guest tests finished rc=$rc"
if [ $rc = 0 ] && [ $ok = 1 ]; then verdict 16; else verdict 17; fi
