# Benchmarks: tests/bench/bench-*.c (carrel_bench) and bench-*.sh.
# carrel-httpload is the mutual-TLS load client the transport bench and the
# 1k-connection integration test share; it is built with `all`, never installed.
$(eval $(call _carrel_link,$(B)/tests/bench/carrel-httpload,tests/bench/carrel-httpload.c,carrelnet carrel,,))
ALL_PROGRAMS += $(B)/tests/bench/carrel-httpload
$(eval $(call carrel_bench,tests/bench/bench-tls-ciphers,,carrelnet carrel,))
