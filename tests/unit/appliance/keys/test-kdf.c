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

static Secret *test_vk(uint8_t seed)
{
        Secret *s = NULL;
        assert_int_equal(secret_new(VOLUME_KEY_SIZE, &s), 0);
        for (int i = 0; i < VOLUME_KEY_SIZE; i++)
                s->bytes[i] = (uint8_t)(seed + i);
        return s;
}

static void test_subkeys_kat(void **state)
{
        _cleanup_(secret_freep) Secret *amk = test_amk(), *vk = test_vk(3);
        _cleanup_(keyset_freep) KeySet *k = NULL;
        uint8_t e[VOLUME_KEY_SIZE];

        assert_int_equal(keyset_derive(amk, vk, &k), 0);
        assert_int_equal(k->db_wrap->size, SUBKEY_SIZE);
        /* VK is not derived: it is handed over as given, in its own copy. */
        assert_int_equal(k->volume->size, VOLUME_KEY_SIZE);
        assert_ptr_not_equal(k->volume, vk);
        assert_memory_equal(k->volume->bytes, vk->bytes, VOLUME_KEY_SIZE);
        hex("766661a48d4b27ed7af417bb3c728f4eaa15e669830a2f6f486c1947fed18e4a", e, SUBKEY_SIZE);
        assert_memory_equal(k->db_wrap->bytes, e, SUBKEY_SIZE);
        hex("85fe417e1eb8f441d9ef29e4933313ae8852d13b88a6b9d01bb5e323f9412413", e, SUBKEY_SIZE);
        assert_memory_equal(k->backup->bytes, e, SUBKEY_SIZE);
        hex("c2bc5fb2db17b48507da81db2d3287892f1e2183fbc72f8f6994bb3e8c5ce4dd", e, SUBKEY_SIZE);
        assert_memory_equal(k->audit_mac->bytes, e, SUBKEY_SIZE);
}

static void test_derive_refuses_wrong_size(void **state)
{
        _cleanup_(secret_freep) Secret *s = NULL, *amk = test_amk(), *vk = test_vk(0);
        KeySet *k = (KeySet *)0x1;

        assert_int_equal(secret_new(16, &s), 0);
        assert_int_equal(keyset_derive(s, vk, &k), -EINVAL);
        assert_int_equal(keyset_derive(amk, s, &k), -EINVAL);
        assert_int_equal(keyset_derive(amk, NULL, &k), -EINVAL);
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

static void test_volume_key_wrap_roundtrip(void **state)
{
        _cleanup_(secret_freep) Secret *amk = test_amk(), *vk = NULL, *back = NULL, *other = NULL,
                                       *vk2 = NULL;
        uint8_t gen[KEY_GENERATION_SIZE] = { 4, 5, 6 };
        WrappedVolumeKey w, v;

        assert_int_equal(volume_key_generate(&vk), 0);
        assert_int_equal(vk->size, VOLUME_KEY_SIZE);
        assert_int_equal(volume_key_generate(&vk2), 0);
        assert_memory_not_equal(vk->bytes, vk2->bytes, VOLUME_KEY_SIZE);

        assert_int_equal(volume_key_wrap(amk, gen, vk, &w), 0);
        /* The wrapped form contains no part of VK. */
        assert_null(memmem(w.ciphertext, sizeof w.ciphertext, vk->bytes, 8));
        assert_null(memmem(w.ciphertext, sizeof w.ciphertext, vk->bytes + 32, 8));
        assert_int_equal(volume_key_unwrap(amk, gen, &w, &back), 0);
        assert_memory_equal(back->bytes, vk->bytes, VOLUME_KEY_SIZE);
        back = secret_free(back);

        /* Another AMK (a rotation) wraps the same VK; each opens only its own. */
        assert_int_equal(secret_new(AMK_SIZE, &other), 0);
        memset(other->bytes, 0xaa, AMK_SIZE);
        assert_int_equal(volume_key_wrap(other, gen, vk, &v), 0);
        assert_int_equal(volume_key_unwrap(other, gen, &v, &back), 0);
        assert_memory_equal(back->bytes, vk->bytes, VOLUME_KEY_SIZE);
        back = secret_free(back);
        assert_int_equal(volume_key_unwrap(other, gen, &w, &back), -EACCES);
        assert_int_equal(volume_key_unwrap(amk, gen, &v, &back), -EACCES);

        /* Altered generation (associated data), nonce, every ciphertext byte. */
        gen[0] ^= 1;
        assert_int_equal(volume_key_unwrap(amk, gen, &w, &back), -EACCES);
        gen[0] ^= 1;
        v = w;
        v.nonce[3] ^= 1;
        assert_int_equal(volume_key_unwrap(amk, gen, &v, &back), -EACCES);
        for (size_t i = 0; i < sizeof w.ciphertext; i++) {
                v = w;
                v.ciphertext[i] ^= 0x01;
                assert_int_equal(volume_key_unwrap(amk, gen, &v, &back), -EACCES);
        }
        assert_null(back);

        /* A fresh nonce every time; bad sizes refused. */
        assert_int_equal(volume_key_wrap(amk, gen, vk, &v), 0);
        assert_memory_not_equal(w.nonce, v.nonce, sizeof w.nonce);
        assert_int_equal(volume_key_wrap(amk, gen, amk, &v), -EINVAL);
        assert_int_equal(volume_key_wrap(vk, gen, vk, &v), -EINVAL);
        assert_int_equal(volume_key_unwrap(vk, gen, &w, &back), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_subkeys_kat),
                cmocka_unit_test(test_derive_refuses_wrong_size),
                cmocka_unit_test(test_amk_generate),
                cmocka_unit_test(test_recovery_wrap_roundtrip),
                cmocka_unit_test(test_volume_key_wrap_roundtrip),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
