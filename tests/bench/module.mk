# Benchmarks: `make bench` runs each; every line printed is one JSON object.
$(eval $(call carrel_bench,tests/bench/bench-policy,,policy carrel,))
