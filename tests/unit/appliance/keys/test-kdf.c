/* appliance/keys/kdf: subkey derivation (known answers computed with
 * Python's hashlib.blake2b, independently of libsodium), AMK generation and
 * the recovery copy. */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "appliance/keys/kdf.h"
#include "tests/unit/test.h"

static void hex(const char *h, uint8_t *out, size_t n)
{
        assert_int_equal(sodium_hex2bin(out, n, h, strlen(h), NULL, NULL, NULL), 0);
}

static Secret *test_amk(void)
{
        Secret *s = NULL;
        assert_int_equal(secret_new(AMK_SIZE, &s), 0);
        for (int i = 0; i < AMK_SIZE; i++)
                s->bytes[i] = (uint8_t)i;
        return s;
}

static int setup(void **state)
{
        /* Cheapest Argon2id cost the file format accepts: unit tests only. */
        recovery_kdf_opslimit = 1;
        recovery_kdf_memlimit = 8 * 1024 * 1024;
        return secmem_init();
}

static void test_subkeys_kat(void **state)
{
        _cleanup_(secret_freep) Secret *amk = test_amk();
        _cleanup_(keyset_freep) KeySet *k = NULL;
        uint8_t e[VOLUME_KEY_SIZE];

        assert_int_equal(keyset_derive(amk, &k), 0);
        assert_int_equal(k->volume->size, VOLUME_KEY_SIZE);
        assert_int_equal(k->db_wrap->size, SUBKEY_SIZE);
        hex("8d4d5b8f50384b6300565abd103ac043f4632d334a4cbb761775698972775b45"
            "c43d308cb14667e45e0f1349b77d7d5b17df59c5f4cd01411c7b855aa06e0a4a",
            e, VOLUME_KEY_SIZE);
        assert_memory_equal(k->volume->bytes, e, VOLUME_KEY_SIZE);
        hex("766661a48d4b27ed7af417bb3c728f4eaa15e669830a2f6f486c1947fed18e4a", e, SUBKEY_SIZE);
        assert_memory_equal(k->db_wrap->bytes, e, SUBKEY_SIZE);
        hex("85fe417e1eb8f441d9ef29e4933313ae8852d13b88a6b9d01bb5e323f9412413", e, SUBKEY_SIZE);
        assert_memory_equal(k->backup->bytes, e, SUBKEY_SIZE);
        hex("c2bc5fb2db17b48507da81db2d3287892f1e2183fbc72f8f6994bb3e8c5ce4dd", e, SUBKEY_SIZE);
        assert_memory_equal(k->audit_mac->bytes, e, SUBKEY_SIZE);
}

static void test_derive_refuses_wrong_size(void **state)
{
        _cleanup_(secret_freep) Secret *s = NULL;
        KeySet *k = (KeySet *)0x1;

        assert_int_equal(secret_new(16, &s), 0);
        assert_int_equal(keyset_derive(s, &k), -EINVAL);
        assert_ptr_equal(k, (KeySet *)0x1);
        assert_null(keyset_free(NULL));
}

static void test_amk_generate(void **state)
{
        _cleanup_(secret_freep) Secret *a = NULL, *b = NULL;
        uint8_t tpm[32] = { 0 };

        assert_int_equal(amk_generate(tpm, sizeof tpm, &a), 0);
        assert_int_equal(amk_generate(tpm, sizeof tpm, &b), 0);
        assert_int_equal(a->size, AMK_SIZE);
        /* Same TPM input, different local entropy: different keys. */
        assert_memory_not_equal(a->bytes, b->bytes, AMK_SIZE);
        b = secret_free(b);
        assert_int_equal(amk_generate(NULL, 0, &b), 0);
        assert_memory_not_equal(a->bytes, b->bytes, AMK_SIZE);
}

static void test_recovery_wrap_roundtrip(void **state)
{
        _cleanup_(secret_freep) Secret *amk = test_amk(), *back = NULL;
        uint8_t rk[RECOVERY_KEY_BYTES], gen[KEY_GENERATION_SIZE] = { 1, 2, 3 };
        RecoveryKeyFile f, g;

        randombytes_buf(rk, sizeof rk);
        assert_int_equal(recovery_wrap(rk, amk, gen, &f), 0);
        assert_memory_equal(f.generation, gen, sizeof gen);
        /* The ciphertext does not contain the AMK. */
        assert_null(memmem(f.ciphertext, sizeof f.ciphertext, amk->bytes, 8));
        assert_int_equal(recovery_unwrap(rk, &f, &back), 0);
        assert_memory_equal(back->bytes, amk->bytes, AMK_SIZE);
        back = secret_free(back);

        /* Wrong key, altered generation (associated data), altered ciphertext. */
        rk[0] ^= 1;
        assert_int_equal(recovery_unwrap(rk, &f, &back), -EACCES);
        rk[0] ^= 1;
        g = f;
        g.generation[0] ^= 1;
        assert_int_equal(recovery_unwrap(rk, &g, &back), -EACCES);
        g = f;
        g.ciphertext[5] ^= 0x80;
        assert_int_equal(recovery_unwrap(rk, &g, &back), -EACCES);
        assert_null(back);

        /* Fresh salt and nonce every time. */
        assert_int_equal(recovery_wrap(rk, amk, gen, &g), 0);
        assert_memory_not_equal(f.salt, g.salt, sizeof f.salt);
        assert_memory_not_equal(f.nonce, g.nonce, sizeof f.nonce);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_subkeys_kat),
                cmocka_unit_test(test_derive_refuses_wrong_size),
                cmocka_unit_test(test_amk_generate),
                cmocka_unit_test(test_recovery_wrap_roundtrip),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
