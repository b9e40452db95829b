/* The request table between carrel-pkid (which parses network input and
 * never holds the CA key) and carrel-pki-signer (which holds nothing else).
 *
 * One stream socket, one request at a time. Every message is a frame:
 *
 *   frame    = length:u32 (big endian) body[length]
 *
 * Requests (at most PKI_SIGNER_REQUEST_MAX bytes of body). The table has one
 * entry:
 *
 *   ISSUE    version:u8 = 1
 *            op:u8      = 1
 *            role:u8    = camera (0), desk (1) or hub (3); never appliance
 *            days:u16   = 1..PKI_CERT_DAYS_DEFAULT (big endian)
 *            id_len:u8  = 1..PKI_ID_MAX
 *            id         = id_len bytes of [a-z0-9-], "<role>-" first
 *            pubkey     = PKI_PUBKEY_SIZE bytes: 04 || X || Y on P-256
 *
 *            and nothing after it. The CSR is parsed and its self-signature
 *            checked by carrel-pkid; the signer only imports a point.
 *
 * Replies (at most PKI_SIGNER_REPLY_MAX bytes of body):
 *
 *            version:u8 = 1
 *            status:u8  = 0, or an errno value (1..255) the signing failed with
 *            serial     = PKI_SERIAL_HEX bytes of lowercase hex   } status 0 only
 *            pem        = the rest: the certificate, PEM, 1..PKI_PEM_MAX-1 }
 *
 * Anything else (a frame over the maximum, a truncated frame, another
 * version or op, a field out of range, trailing bytes, a point not on the
 * curve) is not answered: the signer ends the connection and exits. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "appliance/pki/pki.h"

#define PKI_SIGNER_VERSION 1
#define PKI_SIGNER_OP_ISSUE 1
#define PKI_SIGNER_REQUEST_MAX 128
#define PKI_SIGNER_REPLY_MAX (2 + PKI_SERIAL_HEX + PKI_PEM_MAX)
/* The descriptor carrel-pki-signer is given its end of the socket on. */
#define PKI_SIGNER_FD 3

typedef struct PkiSignerRequest {
        uint8_t op;
        PeerRole role;
        unsigned days;
        char id[PKI_ID_MAX + 1];
        uint8_t pubkey[PKI_PUBKEY_SIZE];
} PkiSignerRequest;

/* Encode req as a request body into buf (PKI_SIGNER_REQUEST_MAX bytes).
 * Returns the body size, or -EINVAL if a field is out of range. */
int pki_signer_request_encode(const PkiSignerRequest *req, uint8_t buf[static PKI_SIGNER_REQUEST_MAX]);

/* Decode and range-check a request body of size bytes into *ret. Returns 0,
 * or -EBADMSG for anything the table does not allow (*ret untouched). */
int pki_signer_request_decode(const uint8_t *body, size_t size, PkiSignerRequest *ret);

/* Read one frame of at most max body bytes into buf. Returns 1 with the
 * body size in *ret_size, 0 on end of file before a frame, -EMSGSIZE for a
 * length over max, -EBADMSG for end of file inside a frame, or -errno
 * (-EAGAIN on a receive timeout). */
int pki_signer_frame_read(int fd, uint8_t *buf, size_t max, size_t *ret_size);

/* Write body as one frame. Returns 0 or -errno (-EPIPE: peer gone). */
int pki_signer_frame_write(int fd, const void *body, size_t size);

/* The signer's loop: answer ISSUE requests from fd with ca until the peer
 * closes (returns 0). A request the table does not allow returns -EBADMSG
 * or -EMSGSIZE without a reply: the caller ends the connection. */
int pki_signer_serve(int fd, PkiCa *ca);

/* A PkiIssueFunc: ask the signer at *(int *)userdata. If the signer cannot
 * be reached or answers out of protocol, the descriptor is closed and set
 * to -EBADF, and this and every later call return -ENOTCONN. A refusal by
 * the signer is returned as its -errno. */
int pki_signer_issue(void *userdata, const char *id, PeerRole role, const uint8_t pubkey[PKI_PUBKEY_SIZE],
                     unsigned days, char **ret_serial, char **ret_pem);
