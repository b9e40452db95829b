#!/bin/bash
# appliance/systemd/carrel-unlock.service: systemd 252's own verifier
# accepts it without a warning (against a root holding the installed
# binaries), its offline security exposure stays low, the sandbox keeps
# generic netlink reachable (no PrivateNetwork=, AF_NETLINK allowed), and
# the command it runs is one carrelctl accepts.
source "$(dirname "$0")/lib.sh"

UNIT=$CARREL_SRCDIR/appliance/systemd/carrel-unlock.service
CTL=$CARREL_BUILD/sbin/carrelctl
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze missing"
	done_testing
	exit 0
fi

# The root `systemd-analyze verify --root` resolves Exec paths against.
R=$TEST_TMP/root
mkdir -p "$R/usr/lib/systemd/system" "$R/usr/sbin" "$R/etc/carrel"
cp "$UNIT" "$R/usr/lib/systemd/system/"
install -m 0755 "$CTL" "$R/usr/sbin/carrelctl"
echo "CARREL_VOLUME_DEVICE=/dev/null" >"$R/etc/carrel/volume.env"
U=$R/usr/lib/systemd/system/carrel-unlock.service

check "systemd-analyze verify accepts the unit" \
	bash -c "cd '$TEST_TMP' && systemd-analyze verify --root='$R' '$U' >'$TEST_TMP/verify.out' 2>&1"
check "... without a single warning" test ! -s "$TEST_TMP/verify.out"
sed 's/^/# /' "$TEST_TMP/verify.out"
check "offline exposure (systemd-analyze security) is at most 2.5" \
	bash -c "cd '$TEST_TMP' && systemd-analyze security --offline=true --root='$R' --threshold=25 '$U' >/dev/null 2>&1"
check_fails "no PrivateNetwork= (generic netlink must reach the host kernel)" grep -q '^PrivateNetwork=' "$UNIT"
check "address families: AF_UNIX and AF_NETLINK only" grep -qx 'RestrictAddressFamilies=AF_UNIX AF_NETLINK' "$UNIT"
check "the key holder keeps only CAP_NET_ADMIN (and CAP_IPC_LOCK)" \
	grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_IPC_LOCK' "$UNIT"
check "it runs before local file systems are mounted" grep -qx 'Before=local-fs.target shutdown.target' "$UNIT"
check "it unlocks volume 0 through carrelctl keys" \
	grep -qx 'ExecStart=/usr/sbin/carrelctl keys unlock --volume 0' "$UNIT"

if [[ -x $CTL ]] && "$CTL" components | grep -qE '^tpm-custody +on +built'; then
	# The same arguments, against an empty state directory: the options
	# parse and the refusal is the missing AMK, not the command line.
	check "carrelctl accepts the unit's command line" \
		bash -c "CARREL_KEYS_HELPER='$CARREL_BUILD/libexec/carrel-keys' CARREL_KEYS_STATE_DIR='$TEST_TMP/none' \
			CARREL_TCTI='swtpm:path=$TEST_TMP/none.sock' '$CTL' keys unlock --volume 0 2>&1 | grep -q 'no AMK enrolled\|no TPM reachable'"
else
	skip "key custody not built: the unit's command line is not exercised"
fi

done_testing
