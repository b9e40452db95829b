# Benchmarks: tests/bench/bench-*.c (carrel_bench) and bench-*.sh; `make bench`
# runs each, and every line printed is one JSON object.
$(eval $(call carrel_bench,tests/bench/bench-policy,,policy carrel,))
$(eval $(call carrel_bench,tests/bench/bench-tls-ciphers,,carrelnet carrel,))
# The mutual-TLS load client shared by the transport bench and the
# 1k-connection integration test: built with `all`, never installed.
$(eval $(call carrel_tool,tests/bench/carrel-httpload,tests/bench/carrel-httpload.c,carrelnet carrel,))
$(eval $(call carrel_bench,tests/bench/bench-sync,,sync carrel,libzstd,))
