# libFuzzer targets; `make check` replays each seed corpus.
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-conf-parser,,carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-sync-entry,,sync carrel,))
