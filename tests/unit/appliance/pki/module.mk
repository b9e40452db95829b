# Unit tests for appliance/pki/.
$(eval $(call carrel_test,tests/unit/appliance/pki/test-pki,,testutil testhelpers carrelpki carrelnet carrel,))
