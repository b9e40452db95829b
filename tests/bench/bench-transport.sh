#!/bin/bash
# Mutual-TLS HTTPS throughput: carrel-pkid against Debian's nginx, on
# loopback, driven by the same client (carrel-httpload, which presents a
# client certificate; wrk cannot). Both servers use one worker, TLS 1.3
# only, client certificates verified against the same CA and CRL. For each
# server: GET requests/s and 1 MiB PUT uploads in MB/s, with 1 and 64
# concurrent keep-alive connections. One JSON line per figure, carrel as
# value, nginx as peer. Both servers run from a temporary directory and are
# killed by PID.
set -uo pipefail

: "${CARREL_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CARREL_BUILD:=$CARREL_SRCDIR/build}"
B=$CARREL_BUILD
DURATION=${BENCH_DURATION:-3}
T=$(mktemp -d "${TMPDIR:-/tmp}/carrel-bench-transport.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	echo '{"bench":"transport.mtls","skipped":"nginx not installed"}'
	exit 0
fi

export CARREL_PKI_DIR=$T/pki
$B/sbin/carrelctl pki init --site bench --dns localhost --dns 127.0.0.1 >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr \
	-subj /CN=x 2>/dev/null
$B/sbin/carrelctl pki issue --role desk --name bench-client --csr client.csr --out client.crt >/dev/null

$B/sbin/carrel-pkid --pki-dir pki --listen 127.0.0.1:0 --port-file ports --max-per-peer 1000 --max-requests 1000000 \
	--max-body 2000000 >pkid.log 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s ports ] && break; sleep 0.05; done
read -r CARREL_PORT _ <ports

NGINX_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p nginx/logs nginx/tmp
cat >nginx/nginx.conf <<NGINX
daemon off;
master_process off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $T/nginx/tmp;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $T/pki/server.crt;
        ssl_certificate_key $T/pki/server.key;
        ssl_client_certificate $T/pki/ca.crt;
        ssl_crl $T/pki/crl.pem;
        ssl_verify_client on;
        ssl_protocols TLSv1.3;
        ssl_session_tickets off;
        add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
        client_max_body_size 2m;
        location = /v1/whoami { return 200 '{"id":"nginx"}\n'; }
        location = /v1/discard { return 200 '{"bytes":0}\n'; }
    }
}
NGINX
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/logs/error.log" 2>nginx.err &
PIDS+=($!)
for _ in $(seq 100); do
	curl -s -o /dev/null --cacert pki/ca.crt --cert client.crt --key client.key "https://localhost:$NGINX_PORT/v1/whoami" && break
	sleep 0.05
done

load() { # port connections path body-size -> value (rps or MB/s)
	local out
	out=$($B/tests/bench/carrel-httpload --port "$1" --ca pki/ca.crt --cert client.crt --key client.key \
		--connections "$2" --duration "$DURATION" --path "$3" --body-size "$4")
	if [ "$4" -gt 0 ]; then
		echo "$out" | sed 's/.*"mbps":\([0-9.]*\).*/\1/'
	else
		echo "$out" | sed 's/.*"rps":\([0-9.]*\).*/\1/'
	fi
}

for c in 1 64; do
	for kind in get upload; do
		if [ $kind = get ]; then path=/v1/whoami size=0 unit=req/s; else path=/v1/discard size=1048576 unit=MB/s; fi
		ours=$(load "$CARREL_PORT" $c $path $size)
		theirs=$(load "$NGINX_PORT" $c $path $size)
		ratio=$(echo "scale=2; $ours / $theirs" | bc 2>/dev/null || echo null)
		printf '{"bench":"transport.mtls.%s.c%d","value":%s,"unit":"%s","peer":"nginx-1.22","peer_value":%s,"ratio":%s}\n' \
			$kind $c "$ours" "$unit" "$theirs" "$ratio"
	done
done
