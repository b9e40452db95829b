# Sourced by integration tests: TAP output, a private temporary directory
# removed on exit, and processes started by the test killed by PID.
set -uo pipefail

: "${CARREL_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${CARREL_BUILD:=$CARREL_SRCDIR/build}"
TEST_NUM=0
TEST_FAILED=0
TEST_PIDS=()
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/carrel-it.XXXXXX")

test_cleanup() {
	local pid
	for pid in "${TEST_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$TEST_TMP"
}
trap test_cleanup EXIT

# Remember a background process so it is killed at exit.
track_pid() { TEST_PIDS+=("$1"); }

ok() { TEST_NUM=$((TEST_NUM + 1)); echo "ok $TEST_NUM - $*"; }
not_ok() { TEST_NUM=$((TEST_NUM + 1)); TEST_FAILED=$((TEST_FAILED + 1)); echo "not ok $TEST_NUM - $*"; }
skip() { TEST_NUM=$((TEST_NUM + 1)); echo "ok $TEST_NUM # SKIP $*"; }

# check "description" command args...: one TAP line from a command's status.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# check_fails "description" command args...: passes when the command fails.
check_fails() {
	local what=$1; shift
	if "$@"; then not_ok "$what"; else ok "$what"; fi
}

done_testing() {
	echo "1..$TEST_NUM"
	((TEST_FAILED == 0))
}

# secret_leaks HEX PATH...: succeed (exit 0) if the secret given in hex
# appears in any file under the PATHs: as raw bytes, or as hex in either case.
# Use as: check_fails "no key in logs or files" secret_leaks "$key_hex" "$dir" "$log"
secret_leaks() {
	/usr/bin/python3 - "$@" <<'PY'
import os, sys
secret = bytes.fromhex(sys.argv[1])
needles = [secret, secret.hex().encode(), secret.hex().upper().encode()]
for top in sys.argv[2:]:
    paths = [top] if os.path.isfile(top) else [os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs]
    for p in paths:
        try:
            data = open(p, "rb").read()
        except OSError:
            continue
        if any(n in data for n in needles):
            print("# secret found in " + p)
            sys.exit(0)
sys.exit(1)
PY
}
