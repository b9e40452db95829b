/* See sector-cipher.h. wolfSSL's AES-XTS is used (Debian builds it with
 * WOLFSSL_AES_XTS); its *Sector() calls take the tweak as a 64-bit sector
 * number, encoded little endian, which is exactly plain64. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "lib/fileio.h"
#include "lib/secmem.h"
#include "appliance/volume/sector-cipher.h"

#if !defined(WOLFSSL_AES_XTS)
#error "wolfSSL lacks AES-XTS (WOLFSSL_AES_XTS)"
#endif

/* Bytes per read()/write() when converting an image. */
#define CONVERT_CHUNK (1024 * 1024)

struct SectorCipher {
        XtsAes enc, dec;
        bool have_enc, have_dec;
        uint8_t buf[VOLUME_SECTOR_SIZE];
};

SectorCipher *sector_cipher_free(SectorCipher *c)
{
        if (!c)
                return NULL;
        if (c->have_enc)
                (void)wc_AesXtsFree(&c->enc);
        if (c->have_dec)
                (void)wc_AesXtsFree(&c->dec);
        return secmem_free(c); /* wipes the key schedules */
}

int sector_cipher_new(const uint8_t key[VOLUME_KEY_SIZE], SectorCipher **ret)
{
        _cleanup_(sector_cipher_freep) SectorCipher *c = NULL;
        int r;

        assert_return(key && ret, -EINVAL);
        r = secmem_init();
        if (r < 0)
                return r;
        c = secmem_alloc(sizeof(*c));
        if (!c)
                return -ENOMEM;
        /* wolfSSL refuses keys of the wrong length and, like the kernel in
         * FIPS mode, a key whose two halves are equal (XTS requires the
         * data and tweak keys to differ). */
        if (wc_AesXtsSetKey(&c->enc, key, VOLUME_KEY_SIZE, AES_ENCRYPTION, NULL, INVALID_DEVID) != 0)
                return -EINVAL;
        c->have_enc = true;
        if (wc_AesXtsSetKey(&c->dec, key, VOLUME_KEY_SIZE, AES_DECRYPTION, NULL, INVALID_DEVID) != 0)
                return -EINVAL;
        c->have_dec = true;
        *ret = TAKE_PTR(c);
        return 0;
}

static int sector_cipher_run(SectorCipher *c, bool encrypt, uint64_t sector, const uint8_t *in, uint8_t *out,
                             size_t size)
{
        assert_return(c && (in || size == 0) && (out || size == 0), -EINVAL);
        if (size % VOLUME_SECTOR_SIZE != 0)
                return -EINVAL;
        for (size_t off = 0; off < size; off += VOLUME_SECTOR_SIZE, sector++) {
                /* Through a private buffer, so in == out is safe whatever
                 * wolfSSL does internally. */
                int w = encrypt ? wc_AesXtsEncryptSector(&c->enc, c->buf, in + off, VOLUME_SECTOR_SIZE,
                                                         sector)
                                : wc_AesXtsDecryptSector(&c->dec, c->buf, in + off, VOLUME_SECTOR_SIZE,
                                                         sector);
                if (w != 0) {
                        secmem_wipe(c->buf, sizeof c->buf);
                        return -EIO;
                }
                memcpy(out + off, c->buf, VOLUME_SECTOR_SIZE);
        }
        secmem_wipe(c->buf, sizeof c->buf);
        return 0;
}

int sector_cipher_encrypt(SectorCipher *c, uint64_t first_sector, const uint8_t *in, uint8_t *out,
                          size_t size)
{
        return sector_cipher_run(c, true, first_sector, in, out, size);
}

int sector_cipher_decrypt(SectorCipher *c, uint64_t first_sector, const uint8_t *in, uint8_t *out,
                          size_t size)
{
        return sector_cipher_run(c, false, first_sector, in, out, size);
}

int sector_cipher_convert_fd(SectorCipher *c, bool encrypt, int in_fd, int out_fd, uint64_t first_sector)
{
        _cleanup_free_ uint8_t *buf = NULL;
        uint64_t sector = first_sector;
        int r;

        assert_return(c && in_fd >= 0 && out_fd >= 0, -EINVAL);
        buf = malloc(CONVERT_CHUNK);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read_full(in_fd, buf, CONVERT_CHUNK);
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        break;
                if (n % VOLUME_SECTOR_SIZE != 0)
                        return -EINVAL; /* a torn last sector: refuse, not guess */
                r = sector_cipher_run(c, encrypt, sector, buf, buf, (size_t)n);
                if (r < 0)
                        return r;
                r = write_full(out_fd, buf, (size_t)n);
                /* Plaintext in an ordinary heap buffer: wipe it each round. */
                secmem_wipe(buf, (size_t)n);
                if (r < 0)
                        return r;
                sector += (uint64_t)n / VOLUME_SECTOR_SIZE;
                if (n < CONVERT_CHUNK)
                        break;
        }
        return fsync(out_fd) < 0 && errno != EINVAL && errno != EROFS ? -errno : 0;
}
