/* The signer's request table: framing, the strict decoder, the serving loop
 * and the client call (protocol in pki-signer.h). Written by hand because
 * the format is six fixed fields and a general serialisation library would
 * be more parser, not less, in the process that holds the key. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/macro.h"
#include "appliance/pki/pki-signer.h"

static bool role_signable(PeerRole role)
{
        return role == PEER_ROLE_CAMERA || role == PEER_ROLE_DESK || role == PEER_ROLE_HUB;
}

static bool id_chars_valid(const char *id, size_t n, PeerRole role)
{
        const char *prefix = peer_role_to_string(role);
        size_t k = prefix ? strlen(prefix) : 0;

        if (!prefix || n <= k + 1 || n > PKI_ID_MAX)
                return false;
        if (memcmp(id, prefix, k) != 0 || id[k] != '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-", id[i]) || id[i] == 0)
                        return false;
        return true;
}

int pki_signer_request_encode(const PkiSignerRequest *req, uint8_t buf[static PKI_SIGNER_REQUEST_MAX])
{
        size_t n = 0, id_len;

        assert_return(req, -EINVAL);
        if (req->op != PKI_SIGNER_OP_ISSUE)
                return -EINVAL;
        if (!role_signable(req->role))
                return -EPERM;
        id_len = strnlen(req->id, sizeof(req->id));
        if (!id_chars_valid(req->id, id_len, req->role) || req->days < 1 ||
            req->days > PKI_CERT_DAYS_DEFAULT || req->pubkey[0] != 0x04)
                return -EINVAL;

        buf[n++] = PKI_SIGNER_VERSION;
        buf[n++] = req->op;
        buf[n++] = (uint8_t)req->role;
        buf[n++] = req->days >> 8;
        buf[n++] = req->days & 0xff;
        buf[n++] = (uint8_t)id_len;
        memcpy(buf + n, req->id, id_len);
        n += id_len;
        memcpy(buf + n, req->pubkey, PKI_PUBKEY_SIZE);
        n += PKI_PUBKEY_SIZE;
        assert(n <= PKI_SIGNER_REQUEST_MAX);
        return (int)n;
}

int pki_signer_request_decode(const uint8_t *body, size_t size, PkiSignerRequest *ret)
{
        PkiSignerRequest req = {};
        size_t id_len;

        assert_return(ret, -EINVAL);
        if (!body || size < 6 || size > PKI_SIGNER_REQUEST_MAX)
                return -EBADMSG;
        if (body[0] != PKI_SIGNER_VERSION || body[1] != PKI_SIGNER_OP_ISSUE)
                return -EBADMSG;
        req.op = body[1];
        req.role = (PeerRole)body[2];
        if (!role_signable(req.role))
                return -EBADMSG;
        req.days = (unsigned)body[3] << 8 | body[4];
        if (req.days < 1 || req.days > PKI_CERT_DAYS_DEFAULT)
                return -EBADMSG;
        id_len = body[5];
        /* exactly the fields, nothing after them */
        if (size != 6 + id_len + PKI_PUBKEY_SIZE)
                return -EBADMSG;
        if (!id_chars_valid((const char *)body + 6, id_len, req.role))
                return -EBADMSG;
        memcpy(req.id, body + 6, id_len);
        memcpy(req.pubkey, body + 6 + id_len, PKI_PUBKEY_SIZE);
        if (req.pubkey[0] != 0x04)
                return -EBADMSG;
        *ret = req;
        return 0;
}

int pki_signer_frame_read(int fd, uint8_t *buf, size_t max, size_t *ret_size)
{
        uint8_t hdr[4];
        uint32_t len;
        ssize_t k;

        assert_return(fd >= 0 && buf && ret_size, -EINVAL);
        k = read_full(fd, hdr, sizeof(hdr));
        if (k < 0)
                return (int)k;
        if (k == 0)
                return 0;
        if (k < (ssize_t)sizeof(hdr))
                return -EBADMSG;
        len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
        if (len > max)
                return -EMSGSIZE;
        k = read_full(fd, buf, len);
        if (k < 0)
                return (int)k;
        if ((size_t)k < len)
                return -EBADMSG;
        *ret_size = len;
        return 1;
}

int pki_signer_frame_write(int fd, const void *body, size_t size)
{
        uint8_t hdr[4] = { size >> 24, size >> 16, size >> 8, size };
        struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)body, size } };
        size_t left = sizeof(hdr) + size;

        assert_return(fd >= 0 && (body || size == 0) && size <= UINT32_MAX, -EINVAL);
        while (left > 0) {
                struct iovec *v = iov[0].iov_len ? iov : iov + 1;
                ssize_t k = writev(fd, v, iov[0].iov_len ? 2 : 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                left -= k;
                for (size_t i = 0; i < 2 && k > 0; i++) {
                        size_t d = MIN((size_t)k, iov[i].iov_len);
                        iov[i].iov_base = (uint8_t *)iov[i].iov_base + d;
                        iov[i].iov_len -= d;
                        k -= d;
                }
        }
        return 0;
}

static int reply_status(int fd, int error)
{
        uint8_t body[2] = { PKI_SIGNER_VERSION, (uint8_t)MIN(error, 255) };

        return pki_signer_frame_write(fd, body, sizeof(body));
}

int pki_signer_serve(int fd, PkiCa *ca)
{
        uint8_t body[PKI_SIGNER_REQUEST_MAX];
        _cleanup_free_ uint8_t *reply = malloc(PKI_SIGNER_REPLY_MAX);
        int r;

        assert_return(fd >= 0 && ca, -EINVAL);
        if (!reply)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *serial = NULL, *pem = NULL;
                PkiSignerRequest req;
                size_t size, pem_size;

                r = pki_signer_frame_read(fd, body, sizeof(body), &size);
                if (r <= 0)
                        return r;
                r = pki_signer_request_decode(body, size, &req);
                if (r < 0)
                        return r;
                r = pki_ca_issue(ca, req.id, req.role, req.pubkey, req.days, NULL, &serial, &pem);
                if (r == -EBADMSG) /* not a point on the curve: malformed too */
                        return r;
                if (r < 0) {
                        r = reply_status(fd, -r);
                        if (r < 0)
                                return r;
                        continue;
                }
                pem_size = strlen(pem);
                if (strlen(serial) != PKI_SERIAL_HEX || pem_size == 0 || pem_size >= PKI_PEM_MAX) {
                        r = reply_status(fd, EIO);
                        if (r < 0)
                                return r;
                        continue;
                }
                reply[0] = PKI_SIGNER_VERSION;
                reply[1] = 0;
                memcpy(reply + 2, serial, PKI_SERIAL_HEX);
                memcpy(reply + 2 + PKI_SERIAL_HEX, pem, pem_size);
                r = pki_signer_frame_write(fd, reply, 2 + PKI_SERIAL_HEX + pem_size);
                if (r < 0)
                        return r;
        }
}

static int signer_call(int fd, const PkiSignerRequest *req, char **ret_serial, char **ret_pem)
{
        uint8_t body[PKI_SIGNER_REQUEST_MAX];
        _cleanup_free_ uint8_t *reply = malloc(PKI_SIGNER_REPLY_MAX);
        _cleanup_free_ char *serial = NULL, *pem = NULL;
        size_t size, pem_size;
        int n, r;

        if (!reply)
                return -ENOMEM;
        n = pki_signer_request_encode(req, body);
        if (n < 0)
                return n;
        r = pki_signer_frame_write(fd, body, n);
        if (r < 0)
                return -ENOTCONN;
        r = pki_signer_frame_read(fd, reply, PKI_SIGNER_REPLY_MAX, &size);
        if (r <= 0 || size < 2 || reply[0] != PKI_SIGNER_VERSION)
                return -ENOTCONN;
        if (reply[1] != 0)
                return size == 2 ? -(int)reply[1] : -ENOTCONN;
        if (size <= 2 + PKI_SERIAL_HEX)
                return -ENOTCONN;
        pem_size = size - 2 - PKI_SERIAL_HEX;
        if (pem_size >= PKI_PEM_MAX || memchr(reply + 2 + PKI_SERIAL_HEX, 0, pem_size))
                return -ENOTCONN;
        serial = strndup((const char *)reply + 2, PKI_SERIAL_HEX);
        pem = strndup((const char *)reply + 2 + PKI_SERIAL_HEX, pem_size);
        if (!serial || !pem)
                return -ENOMEM;
        if (strspn(serial, "0123456789abcdef") != PKI_SERIAL_HEX)
                return -ENOTCONN;
        *ret_serial = TAKE_PTR(serial);
        *ret_pem = TAKE_PTR(pem);
        return 0;
}

int pki_signer_issue(void *userdata, const char *id, PeerRole role, const uint8_t pubkey[PKI_PUBKEY_SIZE],
                     unsigned days, char **ret_serial, char **ret_pem)
{
        int *fd = userdata;
        PkiSignerRequest req = { .op = PKI_SIGNER_OP_ISSUE, .role = role, .days = days };
        int r;

        assert_return(fd && id && pubkey && ret_serial && ret_pem, -EINVAL);
        if (*fd < 0)
                return -ENOTCONN;
        if (strlen(id) > PKI_ID_MAX)
                return -EINVAL;
        strcpy(req.id, id);
        memcpy(req.pubkey, pubkey, PKI_PUBKEY_SIZE);

        r = signer_call(*fd, &req, ret_serial, ret_pem);
        if (r == -ENOTCONN)
                /* out of step or gone: the stream cannot be trusted again */
                *fd = safe_close(*fd);
        return r;
}
