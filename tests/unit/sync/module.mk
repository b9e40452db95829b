# Unit tests of sync/ (one file per module) and the convergence property test.
SYNC_TEST_HELPERS := tests/unit/sync/sync-test.c
$(eval $(call carrel_test,tests/unit/sync/test-fold,$(SYNC_TEST_HELPERS),sync carrel testutil,libcbor libsodium sqlite3,))
$(eval $(call carrel_test,tests/unit/sync/test-exchange,$(SYNC_TEST_HELPERS),sync carrel testhelpers testutil,libcbor libsodium sqlite3,))
$(eval $(call carrel_test,tests/unit/sync/test-convergence,$(SYNC_TEST_HELPERS),sync carrel testutil,libcbor libsodium sqlite3,))
$(eval $(call carrel_test,tests/unit/sync/test-entry,$(SYNC_TEST_HELPERS),sync carrel testutil,libcbor libsodium sqlite3,))
$(eval $(call carrel_test,tests/unit/sync/test-hlc,,sync carrel,,))
$(eval $(call carrel_test,tests/unit/sync/test-journal,$(SYNC_TEST_HELPERS),sync carrel testutil,libcbor libsodium sqlite3,))
$(eval $(call carrel_test,tests/unit/sync/test-keystore,$(SYNC_TEST_HELPERS),sync carrel testutil,libcbor libsodium sqlite3,))
$(eval $(call carrel_test,tests/unit/sync/test-wire,$(SYNC_TEST_HELPERS),sync carrel testutil,libcbor libsodium libzstd sqlite3,))
