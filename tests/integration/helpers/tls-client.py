#!/usr/bin/python3
"""Raw HTTPS requests for the transport tests: the things curl will not do on
purpose (truncated bodies, slow headers, oversized headers, held-open
connections, a slow upload across SIGTERM). Prints one result line."""
import argparse
import socket
import ssl
import sys
import time


def connect(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(a.ca)
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
    return ctx.wrap_socket(s, server_hostname="localhost")


def read_response(s):
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ssl.SSLError, ConnectionError, OSError):
        pass
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    return line, data


def status_of(line):
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else "none"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--n", type=int, default=1)
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--delay", type=float, default=0.5)
    a = p.parse_args()

    if a.mode == "truncate":
        # Announce a body, send part of it, close: the server must abort.
        s = connect(a)
        s.sendall(b"PUT /v1/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % a.size)
        s.sendall(b"x" * (a.size // 2))
        s.close()
        print("sent-half")
    elif a.mode == "truncate-chunked":
        s = connect(a)
        s.sendall(b"PUT /v1/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        s.sendall(b"1000\r\n" + b"y" * 4096 + b"\r\n" + b"1000\r\n" + b"y" * 100)
        s.close()
        print("sent-partial-chunks")
    elif a.mode == "slowloris":
        # Dribble header bytes; report how long until the server gave up.
        s = connect(a)
        t0 = time.monotonic()
        s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n")
        line = ""
        try:
            while time.monotonic() - t0 < a.timeout:
                s.sendall(b"X-Slow: a\r\n")
                time.sleep(a.delay)
        except (ssl.SSLError, ConnectionError, OSError):
            pass
        line, _ = read_response(s)
        print("closed-after %.1f status %s" % (time.monotonic() - t0, status_of(line)))
    elif a.mode == "idle":
        s = connect(a)
        t0 = time.monotonic()
        try:
            d = s.recv(1)
        except (ssl.SSLError, ConnectionError, OSError, socket.timeout):
            d = None
        print("closed-after %.1f" % (time.monotonic() - t0))
    elif a.mode == "big-header":
        s = connect(a)
        s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * a.size + b"\r\n\r\n")
        line, _ = read_response(s)
        print(status_of(line))
    elif a.mode == "many-headers":
        s = connect(a)
        hdrs = b"".join(b"X-H%d: v\r\n" % i for i in range(a.n))
        s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n" + hdrs + b"\r\n")
        line, _ = read_response(s)
        print(status_of(line))
    elif a.mode == "big-chunked":
        # A chunked body that grows past the route's limit.
        s = connect(a)
        s.sendall(b"PUT /v1/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        line = ""
        try:
            for _ in range(a.n):
                s.sendall(b"10000\r\n" + b"z" * 65536 + b"\r\n")
        except (ssl.SSLError, ConnectionError, OSError):
            pass
        line, _ = read_response(s)
        print(status_of(line))
    elif a.mode == "hold":
        # Open n connections, then use each: for the per-device cap.
        socks = [connect(a) for _ in range(a.n)]
        out = []
        for s in socks:
            s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n\r\n")
            line, _ = read_response(s)
            out.append(status_of(line))
        print(" ".join(out))
    elif a.mode == "reuse":
        # One request, a pause (the test revokes meanwhile), then another on
        # the same connection.
        s = connect(a)
        out = []
        for i in range(2):
            try:
                s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n\r\n")
                line, _ = read_response(s)
            except (ssl.SSLError, ConnectionError, OSError):
                line = ""
            out.append(status_of(line))
            if i == 0:
                print("first", out[0], flush=True)
                time.sleep(a.delay)
        print("second", out[1], flush=True)
    elif a.mode == "occupy":
        # Hold n finished handshakes open for --delay seconds.
        socks = [connect(a) for _ in range(a.n)]
        print("holding", flush=True)
        time.sleep(a.delay)
        for s in socks:
            s.close()
    elif a.mode == "slow-upload":
        # An upload that takes a while, to span a SIGTERM.
        s = connect(a)
        s.sendall(b"PUT /v1/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % a.size)
        piece = a.size // 10
        for i in range(10):
            s.sendall(b"s" * (piece if i < 9 else a.size - 9 * piece))
            time.sleep(a.delay)
        line, data = read_response(s)
        conn = "close" if b"Connection: close" in data else "keep-alive"
        print("%s %s" % (status_of(line), conn))
    else:
        sys.exit("unknown mode")


if __name__ == "__main__":
    main()
