#!/bin/bash
# Privilege separation of the pairing service: carrel-pkid parses the
# network and never opens, maps or holds the CA key; carrel-pki-signer, its
# child, signs. Pairing works end to end with curl through the signer (under
# strace, which shows which process opens ca.key); the memory of carrel-pkid
# holds no byte of the CA private key (the same scan finds it in the signer
# and finds pkid's own TLS key in pkid, so the scan can see; in the signer
# only in locked memory, never on its heap or stack); killing the
# signer makes pairing answer 503 with a reason, spends no token, and leaves
# carrel-pkid serving.
. "$(dirname "$0")/lib.sh"

B=$CARREL_BUILD
CTL=$B/sbin/carrelctl
PKID=$B/sbin/carrel-pkid
SIGNER=$B/libexec/carrel-pki-signer
PY=/usr/bin/python3
SCAN=$CARREL_SRCDIR/tests/integration/helpers/proc-mem-scan.py
T=$TEST_TMP
export CARREL_PKI_DIR=$T/pki
cd "$T" || exit 1

$CTL pki init --site sep --dns localhost >/dev/null
enroll() { $CTL pki enroll --role camera --name "$1" | sed -n 's/^token: //p'; }
TOKEN=$(enroll cam-1)
TOKEN2=$(enroll cam-2)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout cam.key -out cam.csr \
	-subj /CN=x 2>/dev/null

check_fails "the signer refuses to run without its socket on fd 3" bash -c "$SIGNER --pki-dir pki 2>/dev/null"

# strace -ff: one trace file per process, so each open is attributed.
HAVE_STRACE=0
command -v strace >/dev/null && HAVE_STRACE=1
if ((HAVE_STRACE)); then
	strace -ff -qq -e trace=open,openat,openat2 -o "$T/trace" \
		$PKID --pki-dir pki --listen 127.0.0.1:0 --pair-listen 127.0.0.1:0 --port-file ports >pkid.log 2>&1 &
else
	$PKID --pki-dir pki --listen 127.0.0.1:0 --pair-listen 127.0.0.1:0 --port-file ports >pkid.log 2>&1 &
fi
track_pid $!
for _ in $(seq 100); do [ -s ports ] && break; sleep 0.05; done
read -r MP PP <ports
check "carrel-pkid listens" test -n "$PP"
# the pkid process: under strace, strace's child
PKID_PID=$(pgrep -n -f "^$PKID --pki-dir pki")
track_pid "$PKID_PID"
SIGNER_PID=$(pgrep -P "$PKID_PID")
check "carrel-pkid has started one child, carrel-pki-signer" \
	test "$(readlink /proc/$SIGNER_PID/exe)" = "$(readlink -f $SIGNER)"

code=$(curl -sS -o cam.crt -w '%{http_code}' --cacert pki/ca.crt -H "Authorization: Bearer $TOKEN" \
	--data-binary @cam.csr "https://localhost:$PP/v1/pair")
check "pairing with curl works through the signer (200)" test "$code" = 200
check "the certificate is the CA's, for the enrolled camera" \
	bash -c "openssl verify -CAfile pki/ca.crt cam.crt >/dev/null &&
		openssl x509 -in cam.crt -noout -subject | grep -q 'OU = camera, CN = camera-'"
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert pki/ca.crt -H "Authorization: Bearer $TOKEN" \
	--data-binary @cam.csr "https://localhost:$PP/v1/pair")
check "the token is spent with the certificate recorded (401 the second time)" test "$code" = 401
check "the paired certificate works for mutual TLS" \
	curl -sSf --cacert pki/ca.crt --cert cam.crt --key cam.key "https://localhost:$MP/v1/whoami" -o /dev/null

# ---- what carrel-pkid holds -----------------------------------------------------
check_fails "carrel-pkid has no descriptor on ca.key" \
	bash -c "ls -l /proc/$PKID_PID/fd | grep -q 'ca\.key'"
check_fails "carrel-pkid has nothing of ca.key mapped" grep -q 'ca\.key' /proc/$PKID_PID/maps
if ((HAVE_STRACE)); then
	check "strace shows the signer opening ca.key" grep -q 'ca\.key' "$T/trace.$SIGNER_PID"
	check_fails "strace shows carrel-pkid never opening ca.key" grep -q 'ca\.key' "$T/trace.$PKID_PID"
else
	skip "strace not installed"
	skip "strace not installed"
fi
$PY $SCAN "$PKID_PID" pki/ca.key >scan-pkid.out
rc=$?
if ((rc == 2)); then
	# Under ASan the heap sits in terabyte-sized reservations that cannot be
	# walked; the default build runs the scan.
	for what in "no CA key bytes in carrel-pkid" "the scan sees carrel-pkid's TLS key" \
		"the scan sees the CA key in the signer" "the signer keeps it off heap and stack"; do
		skip "$what: carrel-pkid's memory could not be scanned completely ($(tail -1 scan-pkid.out | tr -d '#'))"
	done
else
	check "no byte of the CA private key in carrel-pkid's memory ($(tail -1 scan-pkid.out | tr -d '#'))" \
		test $rc -eq 1
	check "the scan sees keys in carrel-pkid: its own TLS key is found" \
		$PY $SCAN "$PKID_PID" pki/server.key
	$PY $SCAN "$SIGNER_PID" pki/ca.key >scan-signer.out
	check "the scan sees the CA key in the signer" test $? -eq 0
	check_fails "which keeps it in locked memory only: not on its heap or stack" \
		grep -q -e '\[heap\]' -e '\[stack\]' scan-signer.out
fi

# ---- the signer is gone ------------------------------------------------------------
kill -KILL "$SIGNER_PID"
for _ in $(seq 50); do grep -q 'killed by signal' pkid.log && break; sleep 0.1; done
body=$(curl -sS -w ' %{http_code}' --cacert pki/ca.crt -H "Authorization: Bearer $TOKEN2" \
	--data-binary @cam.csr "https://localhost:$PP/v1/pair")
check "without the signer pairing answers 503 with a reason ($body)" \
	bash -c "[[ '$body' == *'signing service unavailable'*' 503' ]]"
check "carrel-pkid is still running" kill -0 "$PKID_PID"
check "and still serves mutual TLS" \
	curl -sSf --cacert pki/ca.crt --cert cam.crt --key cam.key "https://localhost:$MP/v1/whoami" -o /dev/null
check "the failed pairing spent no token (cam-2 still enrolled)" \
	bash -c "$CTL pki list | grep -q 'enrolled *cam-2'"
check "the log says why, and no token reaches it" \
	bash -c "grep -q 'signer is not running' pkid.log && ! grep -q -e '$TOKEN' -e '$TOKEN2' pkid.log"

kill -TERM "$PKID_PID"
for _ in $(seq 100); do kill -0 "$PKID_PID" 2>/dev/null || break; sleep 0.05; done
check_fails "carrel-pkid stops on SIGTERM" bash -c "kill -0 $PKID_PID 2>/dev/null"

done_testing
