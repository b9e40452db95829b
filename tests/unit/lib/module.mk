# Unit tests for lib/, one per module.
LIB_TEST_LIBS := testutil testhelpers carrel
$(eval $(call carrel_test,tests/unit/lib/test-macro,,$(LIB_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/test-log,,$(LIB_TEST_LIBS),,$(call link_wrap,sd_journal_sendv)))
$(eval $(call carrel_test,tests/unit/lib/test-secmem,,$(LIB_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/test-time-util,,$(LIB_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/test-conf-parser,,$(LIB_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/test-fileio,,$(LIB_TEST_LIBS),,$(call link_wrap,read)))
$(eval $(call carrel_test,tests/unit/lib/test-db,,$(LIB_TEST_LIBS),))
$(eval $(call carrel_test,tests/unit/lib/test-db-inserter,,$(LIB_TEST_LIBS),))
