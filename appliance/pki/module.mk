# appliance/pki/: the site's device PKI (libcarrelpki.a) and carrel-pkid, the
# pairing server (server-authenticated TLS for the one-time token + CSR, and
# mutual TLS for everything else).
$(eval $(call carrel_library,carrelpki,\
	appliance/pki/pki.c appliance/pki/pki-crl.c,\
	wolfssl gnutls libsodium sqlite3))
$(eval $(call carrel_program,sbin,carrel-pkid,appliance/pki/carrel-pkid.c,carrelpki carrelnet carrel,))
