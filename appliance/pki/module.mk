# appliance/pki/: the site's device PKI (libcarrelpki.a), carrel-pkid, the
# pairing server (server-authenticated TLS for the one-time token + CSR, and
# mutual TLS for everything else), and carrel-pki-signer, the only process of
# the pairing service that holds the CA key (pki-signer.h).
$(eval $(call carrel_library,carrelpki,\
	appliance/pki/pki.c appliance/pki/pki-crl.c appliance/pki/pki-signer.c,\
	wolfssl gnutls libsodium sqlite3))
$(eval $(call carrel_program,sbin,carrel-pkid,appliance/pki/carrel-pkid.c,carrelpki carrelnet carrel,))
$(eval $(call carrel_program,libexec,carrel-pki-signer,appliance/pki/carrel-pki-signer.c,carrelpki carrelnet carrel,))
