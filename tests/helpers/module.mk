# Test-only helpers: fault injection for SQLite (allocations and writes).
$(eval $(call carrel_library,testhelpers,tests/helpers/sqlite-fault.c,sqlite3))
