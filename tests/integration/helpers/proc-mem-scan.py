#!/usr/bin/python3
# proc-mem-scan.py PID KEYFILE: exit 0 if any trace of the EC private key in
# KEYFILE (PEM, SEC1 "EC PRIVATE KEY") is in the readable memory of PID: the
# 32-byte scalar big- or little-endian (wolfCrypt keeps little-endian
# digits), its hex, or a line of the PEM's base64. Exit 1 if none is, 2 if
# the memory could not be read at all or not completely. Prints what it
# scanned. Mappings are read in chunks, so a large one costs no memory.
import base64, re, sys

pid, keyfile = sys.argv[1], sys.argv[2]
pem = open(keyfile).read()
b64_lines = [l for l in pem.splitlines() if l and not l.startswith("-----")]
der = base64.b64decode("".join(b64_lines))
# ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING (32), ... }
i = der.index(b"\x02\x01\x01\x04\x20") + 5
scalar = der[i:i + 32]
assert len(scalar) == 32
needles = [scalar, scalar[::-1], scalar.hex().encode(), scalar.hex().upper().encode()]
needles += [l.encode() for l in b64_lines if len(l) >= 32]

CHUNK = 16 << 20
HUGE = 4 << 30  # larger mappings are address-space reservations (sanitizer shadow)
overlap = max(len(n) for n in needles) - 1
found = scanned = huge = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        if perms[0] != "r" or "[vvar" in line or "[vsyscall]" in line:
            continue
        if end - start > HUGE:
            huge += 1
            continue
        name = line.split()[-1] if len(line.split()) > 5 else "anonymous"
        pos, tail = start, b""
        while pos < end:
            try:
                mem.seek(pos)
                data = mem.read(min(CHUNK, end - pos))
            except (OSError, ValueError, OverflowError):
                break
            scanned += len(data)
            window = tail + data
            if any(n in window for n in needles):
                print(f"# key material found in {name} mapping at {start:#x}")
                found += 1
                break
            tail = window[-overlap:]
            pos += len(data)
print(f"# scanned {scanned} bytes of PID {pid}")
if huge:
    print(f"# {huge} mappings over 4 GiB not scanned: the scan is incomplete")
sys.exit(0 if found else 2 if scanned == 0 or huge else 1)
