# libFuzzer targets; `make check` replays each seed corpus.
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-conf-parser,,carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-policy-parse,,policy carrel,))
ifeq ($(CONFIG_TPM_CUSTODY),y)
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-keyfile,,keys carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-key-frame,,keys carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-recovery-key,,keys carrel,))
endif
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-http-reader,,carrelnet carrel,))
ifeq ($(CONFIG_KMOD),y)
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-volume-status,,volume carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-volume-key,,volume carrel,))
endif
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-signer-request,,carrelpki carrelnet carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-sync-entry,,sync carrel,))
$(eval $(call carrel_fuzzer,tests/fuzz/fuzz-sync-wire,,sync carrel,libzstd))
