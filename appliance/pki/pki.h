/* The site's device PKI: a CA that the appliance holds, the certificates it
 * issues to cameras, desks, hubs and itself, one-time pairing tokens, and the
 * CRL.
 *
 * Everything lives in one directory (0700):
 *   ca.key       the CA's EC P-256 private key, PEM, 0600. Until the
 *                key-custody work lands this is a plain file. Only the
 *                officer tool (carrelctl) and carrel-pki-signer read it,
 *                into locked memory; carrel-pkid, which parses network
 *                input, never does (docs/pairing.md, "Processes").
 *   ca.crt       the CA certificate (the only trust anchor of every peer)
 *   crl.pem      the current CRL, signed by the CA
 *   server.crt/.key  the appliance's own TLS identity (role appliance)
 *   registry.db  SQLite: devices, their state, hashed pairing tokens
 *
 * Identities in certificates: CN = device id, OU = role, O = Carrel
 * (lib/net/peer.h). A device's CSR only proves possession of its key; its
 * subject is ignored and the identity comes from the enrolment. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/macro.h"
#include "lib/net/peer.h"

#define PKI_DIR_DEFAULT "/var/lib/carrel/pki"
#define PKI_TOKEN_LIFETIME_DEFAULT_SEC (24 * 3600)
#define PKI_CERT_DAYS_DEFAULT 825
#define PKI_CA_DAYS 3650
#define PKI_CSR_MAX 16384
#define PKI_NAME_MAX 64
#define PKI_ID_MAX 32 /* device ids: "<role>-" and hex */
#define PKI_PUBKEY_SIZE 65 /* an uncompressed P-256 point (X9.63): 04 || X || Y */
#define PKI_SERIAL_HEX 32 /* certificate serials, lowercase hex */
#define PKI_PEM_MAX 8192

/* Create a new site CA, the appliance's own certificate (valid for the DNS
 * names and IP addresses in names, NULL-terminated; may be NULL), an empty
 * CRL and the registry in dir. Refuses with -EEXIST if a CA is there. */
int pki_init(const char *dir, const char *site, char *const *names);

/* Enrol a device: a new device id for role and a one-time pairing token,
 * valid for lifetime_sec seconds. Only the token's hash is stored. name is a
 * label of 1..PKI_NAME_MAX printable characters, unique among devices.
 * Returns 0 with malloc()ed *ret_id and *ret_token, or -EEXIST (name taken),
 * -EINVAL. */
int pki_enroll(const char *dir, PeerRole role, const char *name, uint64_t lifetime_sec, char **ret_id,
               char **ret_token);

/* The CA's private key and certificate, loaded into locked memory. */
typedef struct PkiCa PkiCa;

/* Load ca.key and ca.crt from dir. Returns 0, -ENOENT, -EBADMSG, -ENOMEM. */
int pki_ca_load(const char *dir, PkiCa **ret);

/* Wipe and free; NULL is fine. Returns NULL. */
PkiCa *pki_ca_free(PkiCa *ca);
DEFINE_TRIVIAL_CLEANUP_FUNC(PkiCa *, pki_ca_free);

/* The one signing operation: a certificate for device id (1..PKI_ID_MAX of
 * [a-z0-9-], starting "<role>-") of role, for the P-256 public key pubkey
 * (refused with -EBADMSG unless it is a valid point on the curve), valid
 * days, with subjectAltNames names (NULL-terminated, may be NULL). Returns
 * the serial (PKI_SERIAL_HEX characters) and the PEM, both malloc()ed. */
int pki_ca_issue(PkiCa *ca, const char *id, PeerRole role, const uint8_t pubkey[PKI_PUBKEY_SIZE],
                 unsigned days, char *const *names, char **ret_serial, char **ret_pem);

/* Whoever signs a pairing's certificate: pki_ca_issue() in this process, or
 * carrel-pki-signer through pki_signer_issue() (pki-signer.h). Same
 * contract as pki_ca_issue() without names. */
typedef int (*PkiIssueFunc)(void *userdata, const char *id, PeerRole role,
                            const uint8_t pubkey[PKI_PUBKEY_SIZE], unsigned days, char **ret_serial,
                            char **ret_pem);

/* Redeem a pairing token: check it (unknown, used and expired tokens are all
 * -EACCES, with nothing changed), check the CSR (PEM or DER, an EC P-256
 * key, valid self-signature; else -EBADMSG), have issue sign the device's
 * certificate (issue NULL: with the CA in dir, which this process then
 * reads), and mark the token used and record the certificate in the same
 * transaction, durably, before returning the PEM certificate in *ret_pem
 * (malloc()ed). Any failure of issue is returned as is, nothing changed. */
int pki_pair(const char *dir, const char *token, const void *csr, size_t csr_size, PkiIssueFunc issue,
             void *userdata, char **ret_pem);

/* Issue a certificate directly (appliance or hub servers, and tests): a new
 * device of role and name, valid days, for the CSR's key; names as for
 * pki_init(). Returns the device id and PEM. */
int pki_issue(const char *dir, PeerRole role, const char *name, const void *csr, size_t csr_size,
              unsigned days, char *const *names, char **ret_id, char **ret_pem);

/* Revoke a device by name or id and write a new CRL. -ENOENT if unknown,
 * -EALREADY if already revoked. */
int pki_revoke(const char *dir, const char *name_or_id);

/* Re-sign the CRL with the current revocations (e.g. before it expires). */
int pki_crl_update(const char *dir);

/* Print the registry (id, role, name, state) to stdout. */
int pki_list(const char *dir);

/* The path of a file in dir; malloc()ed, or NULL. */
char *pki_path(const char *dir, const char *file);

/* Write a new CRL listing serials (hex strings) revoked at times (seconds
 * since the epoch), signed with the CA in dir. (pki-crl.c, GnuTLS.) */
int pki_crl_write(const char *dir, char *const *serials, const uint64_t *times, size_t n);
