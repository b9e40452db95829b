# Demo: site PKI, pairing a camera with curl, and a mutual-TLS upload, all on
# loopback (sourced by scripts/demo).
pkid=$CARREL_BUILD/sbin/carrel-pkid
step "PKI: create the site CA and enrol a camera (one-time pairing token)"
export CARREL_PKI_DIR=$work/pki
"$ctl" pki init --site demo --dns localhost --dns 127.0.0.1
"$ctl" pki enroll --role camera --name entrance | tee "$work/enroll.out"
token=$(sed -n 's/^token: //p' "$work/enroll.out")

step "carrel-pkid: TLS 1.3 server on loopback (pairing listener + mutual-TLS listener)"
mkdir -p "$work/uploads"
"$pkid" --pki-dir "$work/pki" --listen 127.0.0.1:0 --pair-listen 127.0.0.1:0 \
	--port-file "$work/ports" --upload-dir "$work/uploads" >"$work/pkid.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.05; done
read -r mtls_port pair_port <"$work/ports"
echo "mutual TLS on 127.0.0.1:$mtls_port, pairing on 127.0.0.1:$pair_port"

step "The camera pairs with curl: its own key, a CSR, the token; it gets its certificate"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/cam.key" \
	-out "$work/cam.csr" -subj /CN=camera 2>/dev/null
curl -sS --fail --cacert "$work/pki/ca.crt" -H "Authorization: Bearer $token" \
	--data-binary @"$work/cam.csr" -o "$work/cam.crt" "https://localhost:$pair_port/v1/pair" &&
	openssl x509 -in "$work/cam.crt" -noout -subject -enddate

step "Mutual TLS: who am I, and a chunked upload that is fsynced before the 2xx"
cam=(--cacert "$work/pki/ca.crt" --cert "$work/cam.crt" --key "$work/cam.key")
curl -sS "${cam[@]}" "https://localhost:$mtls_port/v1/whoami"
head -c 1048576 /dev/urandom >"$work/segment.bin"
curl -sS "${cam[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$work/segment.bin" \
	"https://localhost:$mtls_port/v1/echo"
# refused WHAT CURL-ARGS...: the request must fail; say so either way.
refused() {
	local what=$1; shift
	if curl -sS -o /dev/null "$@" 2>"$work/curl.err"; then
		echo "$what: served (unexpected!)"
	else
		echo "$what: refused by the server ($(head -c 120 "$work/curl.err"))"
	fi
}
refused "without a client certificate" --cacert "$work/pki/ca.crt" "https://localhost:$mtls_port/v1/whoami"

step "Revocation: the camera is revoked, its next handshake fails"
"$ctl" pki revoke entrance
sleep 0.5
refused "the revoked camera" "${cam[@]}" "https://localhost:$mtls_port/v1/whoami"
unset CARREL_PKI_DIR
