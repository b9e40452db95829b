#!/bin/bash
# The carrel_blk qemu harness. Builds the module (make kmod), assembles a
# busybox initramfs with the module, the Debian modules it needs (with their
# dependencies), carrelctl, cryptsetup, dmsetup and the test tools with
# their ldd libraries, boots Debian's kernel under qemu TCG (-cpu max gives
# AES-NI) and relays the guest's TAP. The guest reports its verdict through
# isa-debug-exit; any WARNING/BUG/Oops in its dmesg fails. Then the host
# decrypts the image the guest wrote with the userspace reference cipher.
# With key custody built and swtpm installed, it also enrols (and rotates) an AMK on the
# host (swtpm), puts the recovery copy and carrel-keys into the guest, which
# keys a volume through `carrelctl keys unlock --recovery --volume 0`, and
# checks that the host's volume key (from the key frame) decrypts what the
# guest wrote: the custody volume key is the one carrel_blk used, and a
# `keys rotate` between the two did not change it.
#
#   tests/kmod/run.sh [--bench-only]
# Benchmark lines go to $CARREL_BUILD/bench/kmod.jsonl (JSON, one per line)
# and are echoed as TAP comments.
source "$(dirname "$(readlink -f "$0")")/../integration/lib.sh"

MODE=all
[[ ${1:-} == --bench-only ]] && MODE=bench
SRC=$CARREL_SRCDIR
BUILD=$CARREL_BUILD
: "${KMOD_TIMEOUT:=540}"

# The newest kernel that has both headers and an image; never `uname -r`.
KVER=
for d in $(ls -d /lib/modules/*/ 2>/dev/null | sort -V); do
	v=$(basename "$d")
	[[ -d $d/build && -f /boot/vmlinuz-$v ]] && KVER=$v
done
if [[ -z $KVER ]]; then
	not_ok "a kernel image and headers under /boot and /lib/modules (install linux-image-amd64 linux-headers-amd64)"
	done_testing
	exit 1
fi
for tool in qemu-system-x86_64 cpio busybox cryptsetup dmsetup; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is installed (scripts/install-deps)"
		done_testing
		exit 1
	fi
done

O_REL=$(realpath --relative-to="$SRC" "$BUILD")
if make -C "$SRC" --no-print-directory O="$O_REL" kmod >"$TEST_TMP/kmod-build.log" 2>&1; then
	ok "make kmod builds carrel_blk.ko against $KVER"
else
	not_ok "make kmod builds carrel_blk.ko against $KVER"
	sed 's/^/# /' "$TEST_TMP/kmod-build.log" | tail -40
	done_testing
	exit 1
fi
KO=$BUILD/kmod/carrel_blk.ko
for t in "$BUILD/sbin/carrelctl" "$BUILD/tests/kmod/nlprobe" "$BUILD/tests/kmod/iobench"; do
	if [[ ! -x $t ]]; then
		not_ok "$t is built (make all)"
		done_testing
		exit 1
	fi
done

ROOT=$TEST_TMP/root
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib64,lib/x86_64-linux-gnu,modules,data,etc,proc,sys,dev,tmp,run}

# Copy a binary and the libraries ldd resolves for it.
copy_with_libs() {
	local bin=$1 dest=$2 lib
	install -m 0755 "$bin" "$ROOT$dest"
	for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
		[[ -e $ROOT$lib ]] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}
cp "$(command -v busybox)" "$ROOT/bin/busybox"
copy_with_libs "$BUILD/sbin/carrelctl" /usr/sbin/carrelctl
copy_with_libs "$BUILD/tests/kmod/nlprobe" /usr/bin/nlprobe
copy_with_libs "$BUILD/tests/kmod/iobench" /usr/bin/iobench
copy_with_libs "$(command -v cryptsetup)" /usr/sbin/cryptsetup
copy_with_libs "$(command -v dmsetup)" /usr/sbin/dmsetup
cp /lib64/ld-linux-x86-64.so.2 "$ROOT/lib64/" 2>/dev/null || true

# Key custody, on the host: enrol an AMK in a throw-away swtpm, keep the
# recovery key, and take the volume key out of the frame a consumer gets
# ("CRLKEY01" op=1 sets=1, then id 1, length 64, the volume key).
KEYS=0
KEYS_HELPER=$BUILD/libexec/carrel-keys
if [[ $MODE == all && -x $KEYS_HELPER ]] && command -v swtpm >/dev/null; then
	TPMDIR=$TEST_TMP/tpm
	if T=$("$SRC/scripts/swtpm-harness" start "$TPMDIR"); then
		track_pid "$(cat "$TPMDIR/swtpm.pid")"
		export CARREL_TCTI=$T CARREL_KEYS_STATE_DIR=$TEST_TMP/keys CARREL_KEYS_HELPER=$KEYS_HELPER TSS2_LOG=all+none
		"$BUILD/sbin/carrelctl" keys init >"$TEST_TMP/keys-init.out" 2>"$TEST_TMP/keys.log"
		RK=$(grep -oE '[0-9A-Z]{5}(-[0-9A-Z]{5}){7}' "$TEST_TMP/keys-init.out")
		rm -f "$TEST_TMP/keys-init.out"
		# The recovery path needs no TPM, like the guest.
		"$BUILD/sbin/carrelctl" keys unlock --recovery --recovery-fd 4 --key-fd 3 \
			4<<<"$RK" 3>"$TEST_TMP/frame" 2>>"$TEST_TMP/keys.log"
		# Then a rotation (new AMK, new recovery key): the guest unlocks
		# with the rotated state, and the volume key taken before the
		# rotation must still read what it writes.
		"$BUILD/sbin/carrelctl" keys rotate --key-fd 5 5>/dev/null >"$TEST_TMP/keys-init.out" 2>>"$TEST_TMP/keys.log"
		"$SRC/scripts/swtpm-harness" stop "$TPMDIR"
		RK2=$(grep -oE '[0-9A-Z]{5}(-[0-9A-Z]{5}){7}' "$TEST_TMP/keys-init.out")
		rm -f "$TEST_TMP/keys-init.out"
		if [[ -n $RK && -n $RK2 && $RK2 != "$RK" && $(head -c 12 "$TEST_TMP/frame" | xxd -p) == 43524c4b4559303101010140 ]]; then
			tail -c +13 "$TEST_TMP/frame" | head -c 64 >"$TEST_TMP/volume.key"
			mkdir -p "$ROOT/keys" "$ROOT/usr/libexec/carrel"
			cp "$TEST_TMP/keys/amk.recovery" "$ROOT/keys/" # amk.sealed is useless without the TPM; amk.recovery holds the wrapped volume key
			printf '%s\n' "$RK2" >"$ROOT/data/recovery-key"
			copy_with_libs "$KEYS_HELPER" /usr/libexec/carrel/carrel-keys
			KEYS=1
			ok "host: key custody enrolled on swtpm and rotated; the volume key taken from the key frame before the rotation"
		else
			not_ok "host: key custody enrolled on swtpm and rotated; the volume key taken from the key frame before the rotation"
			sed 's/^/# /' "$TEST_TMP/keys.log"
		fi
		rm -f "$TEST_TMP/frame"
		unset CARREL_TCTI CARREL_KEYS_STATE_DIR CARREL_KEYS_HELPER
	else
		not_ok "swtpm starts for the key custody check"
	fi
else
	skip "key custody to carrel_blk (needs CONFIG_TPM_CUSTODY and swtpm)"
fi

# Debian modules in dependency order, each after what it depends on.
declare -A seen=()
ORDER=()
add_module() {
	local name=$1 args=${2:-} file deps d
	[[ -n ${seen[$name]:-} ]] && return
	seen[$name]=1
	file=$(modinfo -k "$KVER" -F filename "$name" 2>/dev/null) || return 0
	[[ $file == "(builtin)" || -z $file ]] && return 0
	deps=$(modinfo -k "$KVER" -F depends "$name")
	for d in ${deps//,/ }; do add_module "$d"; done
	local base
	base=$(basename "$file")
	base=${base%%.ko*}
	case $file in
	*.ko.xz) xz -dc "$file" >"$ROOT/modules/$base.ko" ;;
	*.ko.zst) zstd -qdc "$file" >"$ROOT/modules/$base.ko" ;;
	*.ko.gz) gzip -dc "$file" >"$ROOT/modules/$base.ko" ;;
	*) cp "$file" "$ROOT/modules/$base.ko" ;;
	esac
	ORDER+=("$base $args")
}
add_module virtio_pci
add_module virtio_blk
add_module brd "rd_nr=2 rd_size=131072"
add_module loop "max_loop=4"
add_module configfs
add_module null_blk "nr_devices=1 memory_backed=1 irqmode=1 gb=1"
add_module cryptd
add_module crypto_simd
add_module aesni-intel
add_module ecb
add_module xts
add_module af_alg
add_module algif_skcipher
add_module dm-mod
add_module dm-crypt
printf '%s\n' "${ORDER[@]}" >"$ROOT/modules/order"
cp "$KO" "$ROOT/modules/carrel_blk.ko"

install -m 0755 "$SRC/tests/kmod/guest-init.sh" "$ROOT/init"
install -m 0755 "$SRC/tests/kmod/guest-tests.sh" "$ROOT/guest-tests.sh"
if [[ $MODE == bench ]]; then
	sed -i 's|^sh /guest-tests.sh$|sh /guest-tests.sh bench|' "$ROOT/init"
fi
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"

# Test data: two random keys, plaintext with a marker the guest greps for.
head -c 64 /dev/urandom >"$ROOT/data/key1"
head -c 64 /dev/urandom >"$ROOT/data/key2"
od -An -v -tx1 "$ROOT/data/key1" | tr -d ' \n' >"$ROOT/data/key1.hex"
seq -f 'CARREL-PLAINTEXT-MARKER-%08g-0123456789abcdef' 1 110000 | head -c 4194304 >"$ROOT/data/plain.bin"
head -c 1048576 /dev/urandom >"$ROOT/data/plain2.bin"
chmod 0644 "$ROOT"/data/*
[[ $KEYS == 1 ]] && chmod 0600 "$ROOT/data/recovery-key"

(cd "$ROOT" && find . -print0 | cpio --null -o -H newc --quiet) >"$TEST_TMP/initramfs.cpio"
ok "initramfs assembled ($(du -m "$TEST_TMP/initramfs.cpio" | cut -f1) MiB, ${#ORDER[@]} Debian modules)"

# The disk the host reads back: carrel_blk on /dev/vda in the guest.
truncate -s 8M "$TEST_TMP/disk.img"
# The disk keyed through key custody: /dev/vdb.
truncate -s 2M "$TEST_TMP/keys.img"

LOG=$TEST_TMP/console.log
timeout --kill-after=10 "$KMOD_TIMEOUT" qemu-system-x86_64 \
	-machine pc -accel tcg -cpu max -smp 2 -m 1024 \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "/boot/vmlinuz-$KVER" -initrd "$TEST_TMP/initramfs.cpio" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-drive "file=$TEST_TMP/disk.img,format=raw,if=virtio,cache=unsafe" \
	-drive "file=$TEST_TMP/keys.img,format=raw,if=virtio,cache=unsafe" \
	-nic none </dev/null >"$LOG" 2>&1
rc=$?

# Relay the guest's TAP and benchmark lines.
BENCH_RAW=()
while IFS= read -r line; do
	line=${line%$'\r'}
	case $line in
	"ok - "*) ok "guest: ${line#ok - }" ;;
	"not ok - "*) not_ok "guest: ${line#not ok - }" ;;
	"BENCH "*) BENCH_RAW+=("${line#BENCH }") ;;
	"# "*) echo "$line" ;;
	esac
done <"$LOG"

case $rc in
33) ok "guest verdict: all guest tests passed and dmesg is clean" ;;
35) not_ok "guest verdict: a guest test failed" ;;
124 | 137) not_ok "guest timed out after ${KMOD_TIMEOUT}s" ;;
*) not_ok "guest ended without a verdict (qemu status $rc: crash or panic)" ;;
esac
if ((rc != 33)); then
	echo "# ---- last 60 console lines ----"
	tail -n 60 "$LOG" | tr -d '\r' | sed 's/^/# /'
fi

if [[ $MODE == all ]]; then
	# The reference implementation (wolfSSL, userspace) must read what
	# the kernel (crypto API) wrote.
	if "$BUILD/sbin/carrelctl" volume decrypt-image "$TEST_TMP/disk.img" "$TEST_TMP/disk.plain" <"$ROOT/data/key2" &&
		cmp -s <(head -c 4194304 "$TEST_TMP/disk.plain") "$ROOT/data/plain.bin"; then
		ok "host: carrelctl volume decrypt-image recovers the guest-written image byte for byte"
	else
		not_ok "host: carrelctl volume decrypt-image recovers the guest-written image byte for byte"
	fi
	if ! grep -q CARREL-PLAINTEXT "$TEST_TMP/disk.img"; then
		ok "host: the image itself holds no plaintext"
	else
		not_ok "host: the image itself holds no plaintext"
	fi
	check_fails "host: decrypt-image with the wrong key does not recover it" \
		bash -c "'$BUILD/sbin/carrelctl' volume decrypt-image '$TEST_TMP/disk.img' '$TEST_TMP/wrong.plain' <'$ROOT/data/key1' && cmp -s <(head -c 4194304 '$TEST_TMP/wrong.plain') '$ROOT/data/plain.bin'"
	if [[ $KEYS == 1 ]]; then
		# The guest keyed /dev/vdb with `carrelctl keys unlock --recovery
		# --volume 0` after a rotation; the volume key from before the
		# rotation must read it (rotation re-wraps VK, never replaces it).
		if "$BUILD/sbin/carrelctl" volume decrypt-image --key-fd 3 "$TEST_TMP/keys.img" "$TEST_TMP/keys.plain" 3<"$TEST_TMP/volume.key" &&
			cmp -s <(head -c 1048576 "$TEST_TMP/keys.plain") <(head -c 1048576 "$ROOT/data/plain.bin"); then
			ok "host: the volume key from before keys rotate decrypts what the guest wrote after keys unlock --volume 0"
		else
			not_ok "host: the volume key from before keys rotate decrypts what the guest wrote after keys unlock --volume 0"
		fi
		check_fails "host: the custody-keyed image holds no plaintext" grep -q CARREL-PLAINTEXT "$TEST_TMP/keys.img"
	fi
fi

# Benchmark: ratios of carrel_blk to dm-crypt and to the raw device.
if ((${#BENCH_RAW[@]})); then
	mkdir -p "$BUILD/bench"
	printf '%s\n' "${BENCH_RAW[@]}" | awk -v kver="$KVER" '
		($3 + 0 > mbps[$1, $2] + 0) { mbps[$1, $2] = $3; iops[$1, $2] = $4 }
		{ modes[$2] = 1 }
		END {
			for (m in modes) {
				c = mbps["carrel", m]; d = mbps["dmcrypt", m]; r = mbps["raw", m]; n = mbps["dmcryptnowq", m]
				if (c == "" || d == "" || r == "") continue
				printf "{\"bench\":\"kmod.%s\",\"value\":%.2f,\"unit\":\"MB/s\",\"iops\":%d,\"peer\":\"dm-crypt aes-xts-plain64\",\"peer_value\":%.2f,\"ratio\":%.3f,\"peer_nowq_value\":%.2f,\"ratio_nowq\":%.3f,\"raw_value\":%.2f,\"ratio_raw\":%.3f,\"env\":\"qemu TCG -cpu max, brd, 1 job, kernel %s\"}\n", \
					m, c, iops["carrel", m], d, (d > 0 ? c / d : 0), n, (n > 0 ? c / n : 0), r, (r > 0 ? c / r : 0), kver
			}
		}' | sort >"$BUILD/bench/kmod.jsonl"
	sed 's/^/# bench: /' "$BUILD/bench/kmod.jsonl"
fi

done_testing
