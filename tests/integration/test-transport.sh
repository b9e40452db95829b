#!/bin/bash
# The secure transport end to end: carrelctl pki + carrel-pkid + real curl,
# openssl and sslscan as peers. Pairing, mutual TLS with valid, missing,
# foreign, revoked and expired certificates, HSTS, TLS 1.3 only, chunked
# bodies, 100-continue, truncated uploads, slowloris, idle connections,
# oversized headers and bodies (with no memory growth), the per-device cap,
# 1000 concurrent connections, and a graceful SIGTERM with sd_notify.
. "$(dirname "$0")/lib.sh"

B=$CARREL_BUILD
CTL=$B/sbin/carrelctl
PKID=$B/sbin/carrel-pkid
LOAD=$B/tests/bench/carrel-httpload
PY=/usr/bin/python3
CLIENT=$CARREL_SRCDIR/tests/integration/helpers/tls-client.py
T=$TEST_TMP
export CARREL_PKI_DIR=$T/pki

cd "$T" || exit 1

# ---- PKI -------------------------------------------------------------------
check "pki init creates the site CA" $CTL pki init --site test --dns localhost --dns 127.0.0.1
check "CA key is 0600" test "$(stat -c %a pki/ca.key)" = 600
check_fails "pki init refuses to overwrite a CA" $CTL pki init --site test

$CTL pki enroll --role camera --name cam-entrance >enroll.out 2>enroll.err
TOKEN=$(sed -n 's/^token: //p' enroll.out)
check "enroll prints a one-time token" test ${#TOKEN} -eq 40
check_fails "enroll refuses an unknown role" $CTL pki enroll --role toaster --name t1
check_fails "enroll refuses a duplicate name" $CTL pki enroll --role camera --name cam-entrance

# ---- the server ---------------------------------------------------------------
mkdir -p uploads
NOTIFY=$T/notify.sock
$PY - "$NOTIFY" >notify.log <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode(), flush=True)
PYEOF
track_pid $!
for _ in $(seq 50); do [ -S "$NOTIFY" ] && break; sleep 0.1; done

start_pkid() {
	rm -f ports
	NOTIFY_SOCKET=$NOTIFY $PKID --pki-dir pki --listen 127.0.0.1:0 --pair-listen 127.0.0.1:0 --port-file ports \
		--upload-dir uploads --max-body 1048576 --header-timeout 2s --idle-timeout 3s --body-timeout 3s \
		--max-per-peer 4 "$@" >>pkid.log 2>&1 &
	PKID_PID=$!
	track_pid $PKID_PID
	for _ in $(seq 100); do [ -s ports ] && break; sleep 0.05; done
	read -r MP PP <ports
	URL=https://localhost:$MP
	PURL=https://localhost:$PP
}
start_pkid
check "carrel-pkid listens" test -n "$MP"

# ---- pairing with curl ------------------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout cam.key -out cam.csr \
	-subj /CN=whatever 2>/dev/null
code=$(curl -sS -o cam.crt -w '%{http_code}' --cacert pki/ca.crt -H "Authorization: Bearer $TOKEN" \
	--data-binary @cam.csr "$PURL/v1/pair")
check "pairing with token + CSR returns a certificate" test "$code" = 200
check "the certificate names the device and role" \
	bash -c "openssl x509 -in cam.crt -noout -subject | grep -q 'OU = camera, CN = camera-'"
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert pki/ca.crt -H "Authorization: Bearer $TOKEN" \
	--data-binary @cam.csr "$PURL/v1/pair")
check "a used token is refused (401)" test "$code" = 401
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert pki/ca.crt \
	-H "Authorization: Bearer 0000000000000000000000000000000000000000" --data-binary @cam.csr "$PURL/v1/pair")
check "an unknown token is refused (401)" test "$code" = 401
$CTL pki enroll --role desk --name desk-1 >enroll2.out
TOKEN2=$(sed -n 's/^token: //p' enroll2.out)
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert pki/ca.crt -H "Authorization: Bearer $TOKEN2" \
	--data-binary 'not a csr' "$PURL/v1/pair")
check "a bad CSR is refused (400) and the token survives" test "$code" = 400
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert pki/ca.crt --cert cam.crt --key cam.key "$PURL/v1/whoami")
check "the pairing listener serves nothing but pairing (403)" test "$code" = 403
check "tokens never reach the server log" bash -c "! grep -q -e '$TOKEN' -e '$TOKEN2' pkid.log"
check "tokens never reach carrelctl's stderr" bash -c "! grep -q '$TOKEN' enroll.err"

# ---- mutual TLS with curl -------------------------------------------------------
C=(--cacert pki/ca.crt --cert cam.crt --key cam.key)
out=$(curl -sS "${C[@]}" -D headers.txt "$URL/v1/whoami")
check "a valid certificate is served, identity from the certificate" \
	bash -c "echo '$out' | grep -q '\"role\":\"camera\"'"
check "responses carry HSTS" grep -qi '^Strict-Transport-Security: max-age=63072000' headers.txt
check_fails "no client certificate: refused" curl -sSf --cacert pki/ca.crt "$URL/v1/whoami" -o /dev/null
# The refusal must reach the client as a TLS alert, every time: closing with
# the client's early request unread used to reset the connection instead.
alerts=0
for _ in $(seq 20); do
	out=$(curl -sS --cacert pki/ca.crt "$URL/v1/whoami" -o /dev/null 2>&1)
	[[ $out == *"alert certificate required"* ]] && alerts=$((alerts + 1))
done
check "no client certificate: the client reads the 'certificate required' alert ($alerts/20)" test $alerts -eq 20
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout evil-ca.key -out evil-ca.crt \
	-subj "/O=Carrel/CN=evil" -days 30 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout evil.key -out evil.csr \
	-subj "/O=Carrel/OU=camera/CN=camera-evil" 2>/dev/null
openssl x509 -req -in evil.csr -CA evil-ca.crt -CAkey evil-ca.key -CAcreateserial -out evil.crt -days 30 2>/dev/null
check_fails "a certificate from a foreign CA: refused" \
	curl -sSf --cacert pki/ca.crt --cert evil.crt --key evil.key "$URL/v1/whoami" -o /dev/null

# expired: issued "two years ago" for 30 days
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout old.key -out old.csr -subj /CN=x 2>/dev/null
faketime -f '-730d' $CTL pki issue --role camera --name cam-old --csr old.csr --days 30 --out old.crt >/dev/null
check "an expired certificate was made under faketime" \
	bash -c "! openssl x509 -in old.crt -noout -checkend 0 >/dev/null"
check_fails "an expired certificate: refused" \
	curl -sSf --cacert pki/ca.crt --cert old.crt --key old.key "$URL/v1/whoami" -o /dev/null

# revoked: a second camera works, is revoked, then fails (CRL reloaded by inotify)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rev.key -out rev.csr -subj /CN=x 2>/dev/null
$CTL pki issue --role camera --name cam-rev --csr rev.csr --out rev.crt >/dev/null
check "a fresh certificate works before revocation" \
	curl -sSf --cacert pki/ca.crt --cert rev.crt --key rev.key "$URL/v1/whoami" -o /dev/null
$PY $CLIENT reuse --delay 2 --port $MP --ca pki/ca.crt --cert rev.crt --key rev.key >reuse.out &
REUSE=$!
for _ in $(seq 50); do grep -q first reuse.out && break; sleep 0.1; done
check "pki revoke updates the CRL" $CTL pki revoke cam-rev
sleep 0.5
wait $REUSE
check "a revoked device's open keep-alive connection is closed ($(tr '\n' ' ' <reuse.out))" \
	bash -c "grep -qx 'first 200' reuse.out && grep -qx 'second none' reuse.out"
check "the CRL lists the serial" bash -c "openssl crl -in pki/crl.pem -noout -text | grep -qi 'Serial Number'"
check_fails "a revoked certificate: refused" \
	curl -sSf --cacert pki/ca.crt --cert rev.crt --key rev.key "$URL/v1/whoami" -o /dev/null
check "other devices still work after the CRL reload" curl -sSf "${C[@]}" "$URL/v1/whoami" -o /dev/null

# ---- protocol versions and ciphers ----------------------------------------------
check_fails "TLS 1.2 is refused" curl -sSf "${C[@]}" --tlsv1.2 --tls-max 1.2 "$URL/v1/whoami" -o /dev/null
curl -sS "${C[@]}" -o /dev/null -v "$URL/v1/whoami" >curl-v.txt 2>&1
check "ChaCha20-Poly1305 is negotiated first" grep -q 'SSL connection using TLSv1.3 / TLS_CHACHA20_POLY1305_SHA256' curl-v.txt
# sslscan's hand-made TLS 1.3 probe offers a random X25519 key share and
# about half of its runs report TLS 1.3 "disabled" against wolfSSL (most
# likely shares with the top bit set, which no real client sends). Take the first of eight scans that completed the probe. A
# failed probe never makes an older protocol look enabled, so the
# weak-protocol checks hold for any scan. Its random bytes repeat within a
# second, hence the pause. (docs/transport.md)
for _ in 1 2 3 4 5 6 7 8; do
	sslscan --no-colour --no-check-certificate --timeout=10 127.0.0.1:$PP >sslscan.txt 2>&1
	grep -q 'TLSv1.3 *enabled' sslscan.txt && break
	sleep 1.1
done
cp sslscan.txt "${TMPDIR:-/tmp}/carrel-transport-sslscan.txt" 2>/dev/null
if [ "${CARREL_FLAVOUR:-default}" = sanitize ] && ! grep -q 'TLSv1.3 *enabled' sslscan.txt; then
	SSLSCAN_SKIP=1
	skip "sslscan's random X25519 probe key was refused eight times (openssl checks below still run)"
else
	SSLSCAN_SKIP=0
	check "sslscan: TLS 1.3 enabled" grep -q 'TLSv1.3 *enabled' sslscan.txt
fi
check "sslscan: SSLv2/3, TLS 1.0/1.1/1.2 disabled" \
	bash -c "grep -E '^(SSLv2|SSLv3|TLSv1.0|TLSv1.1|TLSv1.2) ' sslscan.txt | grep -v disabled | wc -l | grep -qx 0"
check "sslscan: only the three TLS 1.3 AEAD suites" \
	bash -c "grep -E '^(Preferred|Accepted)' sslscan.txt | grep -vE 'TLS_(CHACHA20_POLY1305_SHA256|AES_256_GCM_SHA384|AES_128_GCM_SHA256)' | wc -l | grep -qx 0"
if [ $SSLSCAN_SKIP = 1 ]; then
	skip "sslscan: ChaCha20 preferred (no TLS 1.3 scan)"
else
	check "sslscan: ChaCha20 preferred" grep -qE '^Preferred.*TLS_CHACHA20_POLY1305_SHA256' sslscan.txt
fi
# sslscan 2.0.7 lists every group for which the server answers with a
# HelloRetryRequest as "supported"; ask openssl, which completes the handshake.
group_ok() { echo | timeout 5 openssl s_client -connect 127.0.0.1:$PP -tls1_3 -groups "$1" 2>&1 | grep -q 'Server Temp Key'; }
check "key exchange with X25519" group_ok X25519
check "key exchange with P-256" group_ok P-256
for g in secp521r1 ffdhe2048 ffdhe8192; do
	check_fails "no key exchange with $g" group_ok $g
done

# ---- bodies ----------------------------------------------------------------------------
head -c 700000 /dev/urandom >body.bin
SUM=$(sha256sum body.bin | cut -d' ' -f1)
out=$(curl -sS "${C[@]}" -T - "$URL/v1/echo" <body.bin)
check "a chunked upload arrives whole" bash -c "echo '$out' | grep -q '\"sha256\":\"$SUM\"'"
out=$(curl -sS "${C[@]}" -v -H 'Expect: 100-continue' -T body.bin "$URL/v1/echo" 2>&1)
check "Expect: 100-continue gets 100 Continue" bash -c "echo \"\$0\" | grep -q 'HTTP/1.1 100 Continue'" "$out"
check "...and the body arrives whole" bash -c "echo \"\$0\" | grep -q '\"sha256\":\"$SUM\"'" "$out"
n_before=$(ls uploads | wc -l)
check "a cut Content-Length upload is sent" $PY $CLIENT truncate --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key --size 200000
check "a cut chunked upload is sent" $PY $CLIENT truncate-chunked --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key
sleep 0.5
check "truncated uploads are reported aborted" test "$(grep -c 'Upload aborted' pkid.log)" -ge 2
check "...and never stored as complete" test "$(ls uploads | wc -l)" -eq "$n_before"
check "...and no partial file is left" bash -c "! ls uploads | grep -q part"
head -c 2000000 /dev/zero >big.bin
code=$(curl -sS "${C[@]}" -o /dev/null -w '%{http_code}' -T big.bin "$URL/v1/echo")
check "an oversized Content-Length body: 413" test "$code" = 413
out=$($PY $CLIENT big-chunked --n 40 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key)
check "an oversized chunked body: 413" test "$out" = 413

# ---- headers and limits ------------------------------------------------------------
out=$($PY $CLIENT big-header --size 20000 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key)
check "oversized headers: 431" test "$out" = 431
out=$($PY $CLIENT many-headers --n 200 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key)
check "too many headers: 431" test "$out" = 431
code=$(curl -sS "${C[@]}" -o /dev/null -w '%{http_code}' "$URL/v1/nope")
check "unknown path: 404" test "$code" = 404
code=$(curl -sS "${C[@]}" -o /dev/null -w '%{http_code}' -X DELETE "$URL/v1/whoami")
check "wrong method: 405" test "$code" = 405
code=$(curl -sS "${C[@]}" -o /dev/null -w '%{http_code}' -H 'Expect: tea' "$URL/v1/whoami")
check "unsupported Expect: 417" test "$code" = 417
out=$(curl -sS "${C[@]}" -w '%{num_connects}' -o /dev/null -o /dev/null "$URL/v1/whoami" "$URL/v1/whoami")
check "keep-alive: two requests, one connection" test "$out" = "10"
out=$(curl -sS "${C[@]}" -D - -o /dev/null -H 'Connection: close' "$URL/v1/whoami" | tr -d '\r')
check "Connection: close is honoured" bash -c "echo \"\$0\" | grep -q '^Connection: close'" "$out"

rss() { curl -sS "${C[@]}" "$URL/v1/status" | sed 's/.*"rss_kib":\([0-9]*\).*/\1/'; }
for _ in $(seq 20); do $PY $CLIENT big-header --size 20000 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key >/dev/null; done
rss0=$(rss)
for _ in $(seq 100); do $PY $CLIENT big-header --size 20000 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key >/dev/null; done
for _ in $(seq 40); do curl -sS "${C[@]}" -o /dev/null -T big.bin "$URL/v1/echo"; done
rss1=$(rss)
if [ "${CARREL_FLAVOUR:-default}" = sanitize ]; then
	# ASan's quarantine holds freed memory on purpose; LeakSanitizer at exit
	# (carrel-pkid must exit 0 below) is the check in that build.
	skip "RSS growth is not meaningful under ASan ($rss0 -> $rss1 KiB)"
else
	check "no memory growth over 140 refused requests ($rss0 -> $rss1 KiB)" test $((rss1 - rss0)) -lt 2048
fi

# ---- timeouts ------------------------------------------------------------------------
out=$($PY $CLIENT slowloris --timeout 15 --delay 0.3 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key)
secs=$(echo "$out" | awk '{print $2}')
check "slowloris headers are cut off at the header timeout ($out)" \
	bash -c "echo '$out' | grep -q 'status 408' && [ \"\$(echo '$secs < 6' | bc)\" = 1 ]"
out=$($PY $CLIENT idle --timeout 15 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key)
secs=$(echo "$out" | awk '{print $2}')
check "idle connections are closed ($out)" bash -c "[ \"\$(echo '$secs < 8' | bc)\" = 1 ]"

# ---- per-device cap ---------------------------------------------------------------------
out=$($PY $CLIENT hold --n 5 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key)
check "the per-device connection cap answers 429 ($out)" test "$out" = "200 200 200 200 429"

# ---- the connection limit -----------------------------------------------------------
kill $PKID_PID; wait $PKID_PID 2>/dev/null
start_pkid --max-connections 3 --idle-timeout 60s
$PY $CLIENT occupy --n 3 --delay 3 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key >occupy.out &
OCC=$!
for _ in $(seq 50); do grep -q holding occupy.out && break; sleep 0.1; done
check_fails "at the connection limit a new client is not served" \
	curl -sSf "${C[@]}" --max-time 1.5 "$URL/v1/whoami" -o /dev/null
wait $OCC
check "once connections close, new clients are served again" \
	curl -sSf "${C[@]}" --max-time 5 "$URL/v1/whoami" -o /dev/null

# ---- 1000 concurrent connections ---------------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout load.key -out load.csr -subj /CN=x 2>/dev/null
$CTL pki issue --role desk --name load --csr load.csr --out load.crt >/dev/null
kill $PKID_PID; wait $PKID_PID 2>/dev/null
start_pkid --max-per-peer 2000 --idle-timeout 60s  # the first handshakes wait for the last
out=$($LOAD --port $MP --ca pki/ca.crt --cert load.crt --key load.key --connections 1000 --hold --path /v1/whoami)
check "1000 connections held at once are all answered ($out)" bash -c "echo '$out' | grep -q '\"ok\":1000,'"
peak=$(curl -sS "${C[@]}" "$URL/v1/status" | sed 's/.*"peak_connections":\([0-9]*\).*/\1/')
check "the server saw them concurrently (peak $peak)" test "$peak" -ge 1000

# ---- graceful SIGTERM ------------------------------------------------------------------------
$PY $CLIENT slow-upload --size 500000 --delay 0.2 --port $MP --ca pki/ca.crt --cert cam.crt --key cam.key >slow.out &
SLOW=$!
sleep 0.7
kill -TERM $PKID_PID
wait $SLOW
check "an upload in flight at SIGTERM completes ($(cat slow.out))" grep -qx '200 close' slow.out
wait $PKID_PID
check "carrel-pkid exits 0 after SIGTERM" test $? -eq 0
check "sd_notify READY=1 was sent" grep -q 'READY=1' notify.log
check "sd_notify STOPPING=1 was sent" grep -q 'STOPPING=1' notify.log
check_fails "nothing listens after shutdown" curl -sS "${C[@]}" --max-time 2 "$URL/v1/whoami" -o /dev/null

done_testing
