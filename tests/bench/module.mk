# Benchmarks (make bench): JSON lines, nothing asserted.
$(eval $(call carrel_bench,tests/bench/bench-sync,,sync carrel,,))
