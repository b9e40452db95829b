# Unit tests for appliance/volume, one per module.
ifeq ($(CONFIG_KMOD),y)
VOLUME_TEST_LIBS := testutil volume carrel
# OpenSSL's AES-XTS is an independent implementation to check wolfSSL's
# sector format against (test only).
$(eval $(call carrel_test,tests/unit/appliance/volume/test-sector-cipher,,$(VOLUME_TEST_LIBS),libcrypto,$(call link_wrap,write)))
$(eval $(call carrel_test,tests/unit/appliance/volume/test-volume-key,,$(VOLUME_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/appliance/volume/test-volume,,$(VOLUME_TEST_LIBS),))
endif
