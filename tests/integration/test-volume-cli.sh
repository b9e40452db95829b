#!/bin/bash
# carrelctl volume on the host, where the carrel_blk module cannot load:
# clean refusals, keys never echoed, and offline recovery (decrypt-image)
# of an image encrypted by an independent AES-XTS (python3-cryptography,
# i.e. OpenSSL) in the dm-crypt aes-xts-plain64 format. The kernel side is
# covered by tests/kmod/run.sh in qemu.
source "$(dirname "$(readlink -f "$0")")/lib.sh"

CTL=$CARREL_BUILD/sbin/carrelctl
T=$TEST_TMP
if [[ ! -x $CTL ]] || ! "$CTL" volume help >/dev/null 2>&1; then
	skip "carrelctl volume is not built (CONFIG_KMOD=n)"
	done_testing
	exit 0
fi

# A key whose hex form is easy to spot if anything prints it.
KEYHEX=$(printf 'c0ffee%.0s' {1..22} | head -c 128)
printf '%s' "$KEYHEX" | xxd -r -p >"$T/key"

# no_secret FILE...: none of the files contains the key, raw or in hex.
no_secret() {
	! grep -qi "c0ffeec0ffee" "$@" && ! grep -qaF "$(head -c 8 "$T/key")" "$@"
}

"$CTL" volume status >"$T/out" 2>"$T/err"
rc=$?
check "status without the module fails" test $rc -ne 0
check "and says so in one line" bash -c "[[ \$(wc -l <'$T/err') == 1 ]] && grep -q 'not loaded' '$T/err'"

"$CTL" volume unlock 0 <"$T/key" >"$T/out" 2>"$T/err"
check "unlock without the module fails cleanly" bash -c "[[ $? -ne 0 ]] && grep -q 'not loaded' '$T/err'"
check "unlock never echoes the key" no_secret "$T/out" "$T/err"

head -c 63 "$T/key" | "$CTL" volume unlock 0 >"$T/out" 2>"$T/err"
check "a 63-byte key is refused before any netlink traffic" grep -q 'exactly 64 bytes' "$T/err"
check "the refusal does not echo the key" no_secret "$T/out" "$T/err"
{ cat "$T/key"; printf 'x'; } | "$CTL" volume unlock 0 >/dev/null 2>"$T/err"
check "a 65-byte key is refused" grep -q 'exactly 64 bytes' "$T/err"
"$CTL" volume unlock 0 "$KEYHEX" >"$T/out" 2>"$T/err" </dev/null
check "a key on the command line is refused" bash -c "grep -q 'expected INDEX' '$T/err'"
check "and not echoed" no_secret "$T/out" "$T/err"
check_fails "an index out of range is refused" "$CTL" volume lock 64
check_fails "a non-numeric index is refused" "$CTL" volume detach 1x
check_fails "--key-fd without a number is refused" "$CTL" volume unlock 0 --key-fd
check_fails "an unknown sub-verb is refused" "$CTL" volume frobnicate

# Offline recovery: an image made by OpenSSL (python3-cryptography), the
# volume's sectors 2048.. (as if cut from the middle of the disk).
/usr/bin/python3 - "$T/key" "$T/plain" "$T/image" <<'PY'
import sys, os, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
key = open(sys.argv[1], 'rb').read()
plain = b''.join(b'CARREL-RECOVERY-%010d\n' % i for i in range(40000))[:512 * 1500]
out = bytearray()
for i in range(len(plain) // 512):
    iv = struct.pack('<QQ', 2048 + i, 0)
    enc = Cipher(algorithms.AES(key), modes.XTS(iv)).encryptor()
    out += enc.update(plain[i * 512:(i + 1) * 512]) + enc.finalize()
open(sys.argv[2], 'wb').write(plain)
open(sys.argv[3], 'wb').write(bytes(out))
PY
check "decrypt-image --first-sector recovers an OpenSSL-made image" bash -c \
	"'$CTL' volume decrypt-image --first-sector 2048 '$T/image' '$T/rec' <'$T/key' && cmp -s '$T/rec' '$T/plain'"
check "the recovered plaintext is private (0600)" bash -c "[[ \$(stat -c %a '$T/rec') == 600 ]]"
check "--key-fd works too" bash -c \
	"'$CTL' volume decrypt-image --key-fd 3 --first-sector 2048 '$T/image' '$T/rec2' 3<'$T/key' </dev/null && cmp -s '$T/rec2' '$T/plain'"
check_fails "the wrong first sector does not recover it" bash -c \
	"'$CTL' volume decrypt-image '$T/image' '$T/rec3' <'$T/key' && cmp -s '$T/rec3' '$T/plain'"
"$CTL" volume decrypt-image "$T/image" "$T/rec" <"$T/key" >"$T/out" 2>"$T/err"
check "an existing output is never overwritten" bash -c "[[ $? -ne 0 ]] && cmp -s '$T/rec' '$T/plain'"
head -c 1000 "$T/image" >"$T/torn"
"$CTL" volume decrypt-image "$T/torn" "$T/torn.out" <"$T/key" >"$T/out" 2>"$T/err"
check "a torn image is refused" bash -c "[[ $? -ne 0 ]] && grep -q 'whole number of 512-byte sectors' '$T/err'"
check "and leaves no partial plaintext behind" test ! -e "$T/torn.out"
check "decrypt-image never prints the key" no_secret "$T/out" "$T/err"
check_fails "a missing image is refused" bash -c "'$CTL' volume decrypt-image '$T/none' '$T/x' <'$T/key'"

done_testing
