# Test-only helpers: fault injection for SQLite (allocations and writes).
$(eval $(call carrel_library,testhelpers,tests/helpers/sqlite-fault.c,sqlite3))
# Test-only view into key custody (tests/integration/test-keys.sh); built by
# `make`, never installed.
ifeq ($(CONFIG_TPM_CUSTODY),y)
$(eval $(call _carrel_link,$(B)/tests/helpers/keys-testtool,tests/helpers/keys-testtool.c,keys carrel,))
ALL_PROGRAMS += $(B)/tests/helpers/keys-testtool
endif
