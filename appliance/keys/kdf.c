/* See kdf.h. */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "appliance/keys/kdf.h"

static const char subkey_context[crypto_kdf_CONTEXTBYTES] = { 'C', 'R', 'L', 'K', 'E', 'Y', 'S', '1' };
static const char recovery_ad_label[] = "carrel-amk-recovery-v1";
static const char volume_ad_label[] = "carrel-volume-key-v1";

uint64_t recovery_kdf_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
uint64_t recovery_kdf_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

static int derive(const Secret *amk, SubkeyId id, size_t size, Secret **ret)
{
        _cleanup_(secret_freep) Secret *s = NULL;
        int r;

        r = secret_new(size, &s);
        if (r < 0)
                return r;
        if (crypto_kdf_derive_from_key(s->bytes, size, id, subkey_context, amk->bytes) != 0)
                return -EIO;
        *ret = TAKE_PTR(s);
        return 0;
}

int keyset_derive(const Secret *amk, const Secret *volume_key, KeySet **ret)
{
        _cleanup_(keyset_freep) KeySet *k = NULL;
        int r;

        assert_return(amk && amk->size == crypto_kdf_KEYBYTES && ret, -EINVAL);
        assert_return(volume_key && volume_key->size == VOLUME_KEY_SIZE, -EINVAL);
        if (secmem_init() < 0)
                return -EIO;

        k = calloc(1, sizeof *k);
        if (!k)
                return -ENOMEM;
        r = secret_new(VOLUME_KEY_SIZE, &k->volume);
        if (r < 0)
                return r;
        memcpy(k->volume->bytes, volume_key->bytes, VOLUME_KEY_SIZE);
        if ((r = derive(amk, SUBKEY_DB_WRAP, SUBKEY_SIZE, &k->db_wrap)) < 0 ||
            (r = derive(amk, SUBKEY_BACKUP, SUBKEY_SIZE, &k->backup)) < 0 ||
            (r = derive(amk, SUBKEY_AUDIT_MAC, SUBKEY_SIZE, &k->audit_mac)) < 0)
                return r;
        *ret = TAKE_PTR(k);
        return 0;
}

KeySet *keyset_free(KeySet *k)
{
        if (!k)
                return NULL;
        secret_free(k->volume);
        secret_free(k->db_wrap);
        secret_free(k->backup);
        secret_free(k->audit_mac);
        free(k);
        return NULL;
}

int amk_generate(const uint8_t *tpm_random, size_t tpm_random_size, Secret **ret)
{
        _cleanup_(secret_freep) Secret *amk = NULL;
        _cleanup_secmem_ uint8_t *local = NULL;
        int r;

        assert_return(ret, -EINVAL);
        if (secmem_init() < 0)
                return -EIO;
        r = secret_new(AMK_SIZE, &amk);
        if (r < 0)
                return r;
        local = secmem_alloc(AMK_SIZE);
        if (!local)
                return -ENOMEM;
        randombytes_buf(local, AMK_SIZE);
        if (crypto_generichash(amk->bytes, AMK_SIZE, tpm_random, tpm_random ? tpm_random_size : 0, local,
                               AMK_SIZE) != 0)
                return -EIO;
        *ret = TAKE_PTR(amk);
        return 0;
}

int volume_key_generate(Secret **ret)
{
        _cleanup_(secret_freep) Secret *vk = NULL;
        int r;

        assert_return(ret, -EINVAL);
        if (secmem_init() < 0)
                return -EIO;
        r = secret_new(VOLUME_KEY_SIZE, &vk);
        if (r < 0)
                return r;
        randombytes_buf(vk->bytes, VOLUME_KEY_SIZE);
        *ret = TAKE_PTR(vk);
        return 0;
}

static void volume_ad(const uint8_t generation[KEY_GENERATION_SIZE],
                      uint8_t ad[sizeof volume_ad_label - 1 + KEY_GENERATION_SIZE])
{
        memcpy(ad, volume_ad_label, sizeof volume_ad_label - 1);
        memcpy(ad + sizeof volume_ad_label - 1, generation, KEY_GENERATION_SIZE);
}

int volume_key_wrap(const Secret *amk, const uint8_t generation[KEY_GENERATION_SIZE], const Secret *vk,
                    WrappedVolumeKey *ret)
{
        _cleanup_(secret_freep) Secret *kek = NULL;
        uint8_t ad[sizeof volume_ad_label - 1 + KEY_GENERATION_SIZE];
        WrappedVolumeKey w;
        unsigned long long clen;
        int r;

        assert_return(amk && amk->size == AMK_SIZE && generation && vk && vk->size == VOLUME_KEY_SIZE && ret,
                      -EINVAL);
        if (secmem_init() < 0)
                return -EIO;
        r = derive(amk, SUBKEY_VOLUME_WRAP, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, &kek);
        if (r < 0)
                return r;
        randombytes_buf(w.nonce, sizeof w.nonce);
        volume_ad(generation, ad);
        crypto_aead_xchacha20poly1305_ietf_encrypt(w.ciphertext, &clen, vk->bytes, VOLUME_KEY_SIZE, ad,
                                                   sizeof ad, NULL, w.nonce, kek->bytes);
        if (clen != VOLUME_WRAP_CIPHERTEXT_SIZE)
                return -EIO;
        *ret = w;
        return 0;
}

int volume_key_unwrap(const Secret *amk, const uint8_t generation[KEY_GENERATION_SIZE],
                      const WrappedVolumeKey *w, Secret **ret_vk)
{
        _cleanup_(secret_freep) Secret *kek = NULL, *vk = NULL;
        uint8_t ad[sizeof volume_ad_label - 1 + KEY_GENERATION_SIZE];
        unsigned long long mlen;
        int r;

        assert_return(amk && amk->size == AMK_SIZE && generation && w && ret_vk, -EINVAL);
        if (secmem_init() < 0)
                return -EIO;
        r = derive(amk, SUBKEY_VOLUME_WRAP, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, &kek);
        if (r < 0)
                return r;
        r = secret_new(VOLUME_KEY_SIZE, &vk);
        if (r < 0)
                return r;
        volume_ad(generation, ad);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(vk->bytes, &mlen, NULL, w->ciphertext,
                                                       VOLUME_WRAP_CIPHERTEXT_SIZE, ad, sizeof ad, w->nonce,
                                                       kek->bytes) != 0 ||
            mlen != VOLUME_KEY_SIZE)
                return -EACCES;
        *ret_vk = TAKE_PTR(vk);
        return 0;
}

static void recovery_ad(const uint8_t generation[KEY_GENERATION_SIZE],
                        uint8_t ad[sizeof recovery_ad_label - 1 + KEY_GENERATION_SIZE])
{
        memcpy(ad, recovery_ad_label, sizeof recovery_ad_label - 1);
        memcpy(ad + sizeof recovery_ad_label - 1, generation, KEY_GENERATION_SIZE);
}

static int recovery_kek(const uint8_t rk[RECOVERY_KEY_BYTES], const uint8_t salt[RECOVERY_SALT_SIZE],
                        uint64_t opslimit, uint64_t memlimit, uint8_t **ret)
{
        _cleanup_secmem_ uint8_t *kek = secmem_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

        if (!kek)
                return -ENOMEM;
        /* 16-byte salt is what crypto_pwhash expects. */
        if (crypto_pwhash(kek, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, (const char *)rk,
                          RECOVERY_KEY_BYTES, salt, opslimit, (size_t)memlimit,
                          crypto_pwhash_ALG_ARGON2ID13) != 0)
                return -ENOMEM; /* the only documented failure: out of memory */
        *ret = TAKE_PTR(kek);
        return 0;
}

int recovery_wrap(const uint8_t rk[RECOVERY_KEY_BYTES], const Secret *amk,
                  const uint8_t generation[KEY_GENERATION_SIZE], RecoveryKeyFile *ret)
{
        _cleanup_secmem_ uint8_t *kek = NULL;
        uint8_t ad[sizeof recovery_ad_label - 1 + KEY_GENERATION_SIZE];
        RecoveryKeyFile f = { 0 };
        unsigned long long clen;
        int r;

        assert_return(rk && amk && amk->size == AMK_SIZE && generation && ret, -EINVAL);
        if (secmem_init() < 0)
                return -EIO;

        memcpy(f.generation, generation, KEY_GENERATION_SIZE);
        f.opslimit = recovery_kdf_opslimit;
        f.memlimit = recovery_kdf_memlimit;
        randombytes_buf(f.salt, sizeof f.salt);
        randombytes_buf(f.nonce, sizeof f.nonce);
        r = recovery_kek(rk, f.salt, f.opslimit, f.memlimit, &kek);
        if (r < 0)
                return r;
        recovery_ad(generation, ad);
        crypto_aead_xchacha20poly1305_ietf_encrypt(f.ciphertext, &clen, amk->bytes, AMK_SIZE, ad, sizeof ad,
                                                   NULL, f.nonce, kek);
        if (clen != RECOVERY_CIPHERTEXT_SIZE)
                return -EIO;
        *ret = f;
        return 0;
}

int recovery_unwrap(const uint8_t rk[RECOVERY_KEY_BYTES], const RecoveryKeyFile *f, Secret **ret_amk)
{
        _cleanup_secmem_ uint8_t *kek = NULL;
        _cleanup_(secret_freep) Secret *amk = NULL;
        uint8_t ad[sizeof recovery_ad_label - 1 + KEY_GENERATION_SIZE];
        unsigned long long mlen;
        int r;

        assert_return(rk && f && ret_amk, -EINVAL);
        if (secmem_init() < 0)
                return -EIO;

        r = recovery_kek(rk, f->salt, f->opslimit, f->memlimit, &kek);
        if (r < 0)
                return r;
        r = secret_new(AMK_SIZE, &amk);
        if (r < 0)
                return r;
        recovery_ad(f->generation, ad);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(amk->bytes, &mlen, NULL, f->ciphertext,
                                                       RECOVERY_CIPHERTEXT_SIZE, ad, sizeof ad, f->nonce,
                                                       kek) != 0 ||
            mlen != AMK_SIZE)
                return -EACCES;
        *ret_amk = TAKE_PTR(amk);
        return 0;
}
