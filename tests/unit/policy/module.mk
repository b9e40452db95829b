# Unit tests for policy/, one per module.
POLICY_TEST_LIBS := testutil testhelpers policy carrel
$(eval $(call carrel_test,tests/unit/policy/test-policy-decide,,$(POLICY_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/policy/test-policy-parse,,$(POLICY_TEST_LIBS),,$(call link_wrap,calloc strdup reallocarray)))
$(eval $(call carrel_test,tests/unit/policy/test-grant-store,,$(POLICY_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/policy/test-policy-holder,,$(POLICY_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/policy/test-policy-redact,,$(POLICY_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/policy/test-policy-explain,,$(POLICY_TEST_LIBS),))
