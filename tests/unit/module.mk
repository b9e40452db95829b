# Shared helpers for unit tests.
$(eval $(call carrel_library,testutil,tests/unit/test-util.c,))
