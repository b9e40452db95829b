/* appliance/volume/sector-cipher: the userspace reference of the carrel_blk
 * sector format, checked against OpenSSL's independent AES-256-XTS with the
 * dm-crypt plain64 tweak (the sector number, little endian, zero-padded).
 * write() is wrapped so that short writes and EINTR are exercised. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "appliance/volume/sector-cipher.h"
#include "lib/macro.h"
#include "tests/unit/test.h"

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

static int write_mode; /* 0 real, 1 EINTR then short writes of 100 bytes */
static unsigned write_calls;

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
        write_calls++;
        if (write_mode == 1) {
                if (write_calls % 2 == 1) {
                        errno = EINTR;
                        return -1;
                }
                return __real_write(fd, buf, n > 100 ? 100 : n);
        }
        return __real_write(fd, buf, n);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
        for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                p[i] = (uint8_t)(seed >> 16);
        }
}

/* OpenSSL: one EVP call per sector, IV = plain64(sector). */
static void openssl_xts(const uint8_t key[64], uint64_t sector, const uint8_t *in, uint8_t *out, size_t size,
                        int enc)
{
        for (size_t off = 0; off < size; off += 512, sector++) {
                uint8_t iv[16] = { 0 };
                int n = 0;
                for (int i = 0; i < 8; i++)
                        iv[i] = (uint8_t)(sector >> (8 * i));
                EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
                assert_non_null(ctx);
                assert_int_equal(EVP_CipherInit_ex(ctx, EVP_aes_256_xts(), NULL, key, iv, enc), 1);
                assert_int_equal(EVP_CipherUpdate(ctx, out + off, &n, in + off, 512), 1);
                assert_int_equal(n, 512);
                EVP_CIPHER_CTX_free(ctx);
        }
}

static void test_matches_openssl(void **state)
{
        _cleanup_(sector_cipher_freep) SectorCipher *c = NULL;
        uint8_t key[64], plain[4096], ours[4096], theirs[4096], back[4096];
        const uint64_t sectors[] = { 0, 1, 255, 0x100000000ULL, UINT64_MAX - 8 };

        fill(key, sizeof key, 1);
        fill(plain, sizeof plain, 2);
        assert_int_equal(sector_cipher_new(key, &c), 0);
        for (size_t i = 0; i < ELEMENTSOF(sectors); i++) {
                assert_int_equal(sector_cipher_encrypt(c, sectors[i], plain, ours, sizeof plain), 0);
                openssl_xts(key, sectors[i], plain, theirs, sizeof plain, 1);
                assert_memory_equal(ours, theirs, sizeof ours);
                assert_memory_not_equal(ours, plain, sizeof ours);
                assert_int_equal(sector_cipher_decrypt(c, sectors[i], theirs, back, sizeof back), 0);
                assert_memory_equal(back, plain, sizeof back);
        }
        /* The tweak really is per sector: sector 1 is not sector 0 shifted. */
        assert_int_equal(sector_cipher_encrypt(c, 0, plain, ours, 1024), 0);
        assert_int_equal(sector_cipher_encrypt(c, 1, plain + 512, theirs, 512), 0);
        assert_memory_equal(ours + 512, theirs, 512);
        assert_int_equal(sector_cipher_encrypt(c, 0, plain + 512, theirs, 512), 0);
        assert_memory_not_equal(ours + 512, theirs, 512);
}

static void test_in_place_and_bounds(void **state)
{
        _cleanup_(sector_cipher_freep) SectorCipher *c = NULL;
        uint8_t key[64], buf[1024], orig[1024], out[1024];

        fill(key, sizeof key, 3);
        fill(buf, sizeof buf, 4);
        memcpy(orig, buf, sizeof buf);
        assert_int_equal(sector_cipher_new(key, &c), 0);
        assert_int_equal(sector_cipher_encrypt(c, 7, buf, buf, sizeof buf), 0);
        assert_int_equal(sector_cipher_decrypt(c, 7, buf, buf, sizeof buf), 0);
        assert_memory_equal(buf, orig, sizeof buf);

        /* Torn sectors are refused and leave the output alone. */
        memset(out, 0xee, sizeof out);
        assert_int_equal(sector_cipher_encrypt(c, 0, buf, out, 511), -EINVAL);
        assert_int_equal(sector_cipher_decrypt(c, 0, buf, out, 513), -EINVAL);
        assert_int_equal(out[0], 0xee);
        assert_int_equal(sector_cipher_encrypt(c, 0, buf, out, 0), 0);
        assert_int_equal(sector_cipher_encrypt(NULL, 0, buf, out, 512), -EINVAL);
}

static void test_bad_keys(void **state)
{
        SectorCipher *c = (SectorCipher *)0x1;
        uint8_t key[64];

        /* XTS needs distinct data and tweak keys; wolfSSL refuses equal
         * halves like the kernel does in FIPS mode. */
        memset(key, 0x11, sizeof key);
        int r = sector_cipher_new(key, &c);
        if (r == 0) {
                /* Some wolfSSL builds accept it; then it must still work. */
                sector_cipher_free(c);
        } else {
                assert_int_equal(r, -EINVAL);
                assert_ptr_equal(c, (SectorCipher *)0x1);
        }
        assert_int_equal(sector_cipher_new(NULL, &c), -EINVAL);
}

static char *tmpdir;

static int setup(void **state)
{
        tmpdir = test_tmpdir();
        return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
        test_rmtree(tmpdir);
        free(tmpdir);
        return 0;
}

static int open_with(const char *name, const void *data, size_t n)
{
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tmpdir, name);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        if (n)
                assert_int_equal(__real_write(fd, data, n), (ssize_t)n);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

static void test_convert_fd(void **state)
{
        _cleanup_(sector_cipher_freep) SectorCipher *c = NULL;
        static uint8_t plain[3 * 1024 * 1024 + 4096], cipher[sizeof plain], got[sizeof plain];
        uint8_t key[64];

        fill(key, sizeof key, 5);
        fill(plain, sizeof plain, 6);
        assert_int_equal(sector_cipher_new(key, &c), 0);
        /* The image starts at sector 100 of the volume: --first-sector. */
        openssl_xts(key, 100, plain, cipher, sizeof plain, 1);

        int in = open_with("image", cipher, sizeof cipher), out = open_with("plain", NULL, 0);
        write_mode = 1;
        assert_int_equal(sector_cipher_convert_fd(c, false, in, out, 100), 0);
        write_mode = 0;
        assert_int_equal(lseek(out, 0, SEEK_SET), 0);
        assert_int_equal(read(out, got, sizeof got), (ssize_t)sizeof got);
        assert_memory_equal(got, plain, sizeof plain);
        close(in);
        close(out);

        /* A torn last sector is refused. */
        in = open_with("torn", cipher, 1000);
        out = open_with("torn.out", NULL, 0);
        assert_int_equal(sector_cipher_convert_fd(c, false, in, out, 0), -EINVAL);
        close(in);
        close(out);

        /* An empty image converts to an empty output. */
        in = open_with("empty", NULL, 0);
        out = open_with("empty.out", NULL, 0);
        assert_int_equal(sector_cipher_convert_fd(c, false, in, out, 0), 0);
        close(in);
        close(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_matches_openssl),
                cmocka_unit_test(test_in_place_and_bounds),
                cmocka_unit_test(test_bad_keys),
                cmocka_unit_test_setup_teardown(test_convert_fd, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
