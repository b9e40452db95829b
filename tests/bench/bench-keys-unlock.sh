#!/bin/bash
# Unlock latency of TPM key custody on swtpm: wall-clock time of a whole
# `carrelctl keys unlock` (exec of carrel-keys, TCTI setup, storage primary
# recreation, salted policy session, unseal, subkey derivation, hand-over to
# a consumer fd), p50 and p95 over N runs, without and with a PIN; plus the
# recovery-key path (Argon2id, 64 MiB). One JSON object per line.
#
# Peer: systemd-cryptenroll/systemd-cryptsetup logs about 1.35 s for a TPM2
# unlock on real TPMs. ratio = our value / peer value (lower is better).
# swtpm answers far faster than a discrete TPM (no LPC/SPI bus, no slow ECC
# engine), so the ratio says how much of the budget is ours, not the TPM's.
set -uo pipefail

: "${CARREL_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CARREL_BUILD:=$CARREL_SRCDIR/build}"
N=${BENCH_KEYS_RUNS:-40}
PEER_MS=1350
CTL=$CARREL_BUILD/sbin/carrelctl
HARNESS=$CARREL_SRCDIR/scripts/swtpm-harness
[[ -x $CTL ]] && command -v swtpm >/dev/null && "$CTL" components | grep -qE '^tpm-custody +on +built' || { echo '{"bench":"keys.unlock","skipped":"swtpm or carrelctl missing"}'; exit 0; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/carrel-bench-keys.XXXXXX")
T=$("$HARNESS" start "$TMP/tpm") || exit 1
trap '"$HARNESS" stop "$TMP/tpm"; rm -rf "$TMP"' EXIT
export CARREL_TCTI=$T CARREL_KEYS_STATE_DIR=$TMP/keys CARREL_LOG_LEVEL=err TSS2_LOG=all+none
export CARREL_KEYS_HELPER=$CARREL_BUILD/libexec/carrel-keys

now_us() { echo $(($(date +%s%N) / 1000)); }

# measure NAME N COMMAND...: run N times, print p50/p95 JSON lines.
measure() {
	local name=$1 n=$2; shift 2
	local samples=() i t0 t1
	"$@" >/dev/null 2>&1 || { echo "{\"bench\":\"$name\",\"error\":\"command failed\"}"; return; }
	for ((i = 0; i < n; i++)); do
		t0=$(now_us)
		"$@" >/dev/null 2>&1
		t1=$(now_us)
		samples+=($((t1 - t0)))
	done
	printf '%s\n' "${samples[@]}" | sort -n | /usr/bin/python3 -c '
import sys
name, peer = sys.argv[1], float(sys.argv[2])
v = [int(x) for x in sys.stdin.read().split()]
def pct(p):
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k] / 1000.0
for p in (50, 95):
    ms = pct(p)
    print("{\"bench\":\"%s.p%d\",\"value\":%.2f,\"unit\":\"ms\",\"runs\":%d,\"peer\":\"systemd-cryptenroll TPM2 unlock (real TPM, logged)\",\"peer_value\":%d,\"ratio\":%.4f,\"better\":\"lower\",\"tpm\":\"swtpm\"}" % (name, p, ms, len(v), peer, ms / peer))
' "$name" "$PEER_MS"
}

unlock_fd() { "$CTL" keys unlock --key-fd 3 "$@" 3>/dev/null; }
with_pin() { unlock_fd --pin-fd 4 4<<<"482916"; }
with_recovery() { echo "$RK" | unlock_fd --recovery; }

"$CTL" keys init --pcrs 7 >/dev/null 2>&1
measure keys.unlock.tpm "$N" unlock_fd
"$CTL" keys init --force --pcrs 0,2,4,7 --pin-fd 3 3<<<"482916" >"$TMP/out" 2>/dev/null
RK=$(grep -oE '[0-9A-Z]{5}(-[0-9A-Z]{5}){7}' "$TMP/out")
rm -f "$TMP/out"
measure keys.unlock.tpm_pin_4pcrs "$N" with_pin
measure keys.unlock.recovery 10 with_recovery
