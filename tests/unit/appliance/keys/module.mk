# Unit tests for appliance/keys, one per module. custody.c and the TPM
# commands run against swtpm in tests/integration/test-keys.sh.
ifeq ($(CONFIG_TPM_CUSTODY),y)
KEYS_TEST_LIBS := testutil keys carrel
$(eval $(call carrel_test,tests/unit/appliance/keys/test-pcr-policy,,$(KEYS_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/appliance/keys/test-recovery-key,,$(KEYS_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/appliance/keys/test-kdf,,$(KEYS_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/appliance/keys/test-keyfile,,$(KEYS_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/appliance/keys/test-key-sink,,$(KEYS_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/appliance/keys/test-tpm,,$(KEYS_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/appliance/keys/test-ask-secret,,$(KEYS_TEST_LIBS),,$(call link_wrap,read)))
endif
# The carrel_blk sink, with volume_set_key/volume_clear_key mocked at link time.
ifeq ($(CONFIG_TPM_CUSTODY)$(CONFIG_KMOD),yy)
$(eval $(call carrel_test,tests/unit/appliance/keys/test-key-sink-volume,,$(KEYS_TEST_LIBS),,\
	$(call link_wrap,volume_set_key volume_clear_key)))
endif
