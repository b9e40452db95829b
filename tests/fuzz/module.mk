# libFuzzer targets; `make check` replays each seed corpus.
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-conf-parser,,carrel,))
ifeq ($(CONFIG_KMOD),y)
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-volume-status,,volume carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-volume-key,,volume carrel,))
endif
