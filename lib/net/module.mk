# lib/net/: the transport every Carrel service and client shares (libcarrelnet.a):
# wolfSSL TLS 1.3 with mutual authentication, an HTTP/1.1 server on sd-event
# (Debian's http-parser), an HTTP client, peer identities from certificates.
#
# Debian's http-parser ships no pkg-config file.
$(eval $(call pkg_without_pc,http_parser,,-lhttp_parser))

CARRELNET_PKGS := wolfssl http_parser libsystemd libsodium
$(eval $(call carrel_library,carrelnet,\
	lib/net/tls.c lib/net/peer.c lib/net/http-request.c lib/net/http-reader.c \
	lib/net/http-server.c lib/net/http-client.c,\
	$(CARRELNET_PKGS)))
