# Unit tests for appliance/pki/.
$(eval $(call carrel_test,tests/unit/appliance/pki/test-pki,,testutil testhelpers carrelpki carrelnet carrel,))
$(eval $(call carrel_test,tests/unit/appliance/pki/test-pki-signer,,testutil testhelpers carrelpki carrelnet carrel,))
