#!/bin/bash
# carrel_blk throughput in the qemu guest (TCG, -cpu max, brd backing):
# sequential 1 MiB and random 4 KiB O_DIRECT reads and writes through
# carrel_blk, dm-crypt aes-xts-plain64 and the raw device, reported as JSON
# lines with the ratio to dm-crypt ("ratio") and to raw ("ratio_raw").
# The goal is ratio >= 1.0. Nothing is asserted.
set -uo pipefail
: "${CARREL_SRCDIR:=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}"
: "${CARREL_BUILD:=$CARREL_SRCDIR/build}"
export CARREL_SRCDIR CARREL_BUILD
if [[ ${CARREL_KMOD:-y} != y ]]; then
	exit 0
fi
out=$CARREL_BUILD/bench/kmod.jsonl
rm -f "$out"
if ! "$CARREL_SRCDIR/tests/kmod/run.sh" --bench-only >"$CARREL_BUILD/bench-kmod.log" 2>&1 || [[ ! -s $out ]]; then
	echo "bench-kmod: the guest run failed, see $CARREL_BUILD/bench-kmod.log" >&2
	exit 1
fi
cat "$out"
