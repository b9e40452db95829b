# lib/: the shared runtime every Carrel program links (libcarrel.a).
$(eval $(call carrel_library,carrel,\
	lib/log.c lib/secmem.c lib/conf-parser.c lib/time-util.c lib/fileio.c lib/db.c lib/db-inserter.c lib/helper-path.c,\
	libsystemd libsodium sqlite3 inih))
