# sync/: the journal, HLC, crypto-shredding key store, the circulation fold
# and the anti-entropy exchange. Linked by the desk client, the appliance
# and the hub, so it is always built.
$(eval $(call carrel_library,sync,\
	sync/cbor-cursor.c sync/entry.c sync/hlc.c sync/schema.c sync/journal.c sync/keystore.c \
	sync/fold.c sync/fold-store.c sync/exchange.c sync/store.c sync/wire.c,\
	libcbor libsodium libzstd sqlite3))

# A short walk through the sync core (make demo runs it).
$(eval $(call carrel_program,libexec,carrel-sync-demo,sync/demo/carrel-sync-demo.c,sync carrel,))
