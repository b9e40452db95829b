# Unit tests for lib/net/, one per module.
NET_TEST_LIBS := testutil testhelpers carrelnet carrel
$(eval $(call carrel_test,tests/unit/lib/net/test-peer,,$(NET_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/net/test-http-reader,,$(NET_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/net/test-tls,,$(NET_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/net/test-http-server,,testutil testhelpers carrelpki carrelnet carrel,))
