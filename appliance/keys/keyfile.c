/* See keyfile.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "appliance/keys/keyfile.h"
#include "lib/fileio.h"

/* Version 2: the wrapped volume key is a required record. */
static const uint8_t sealed_magic[8] = { 'C', 'R', 'L', 'S', 'E', 'A', 'L', 2 };
static const uint8_t recovery_magic[8] = { 'C', 'R', 'L', 'R', 'C', 'V', 'Y', 2 };

enum {
        /* amk.sealed */
        TAG_GENERATION = 1,
        TAG_CREATED = 2,
        TAG_PCRS = 3,
        TAG_WITH_PIN = 4,
        TAG_PCR_VALUES = 5,
        TAG_POLICY = 6,
        TAG_PARENT_NAME = 7,
        TAG_PUBLIC = 8,
        TAG_PRIVATE = 9,
        TAG_PARENT_HANDLE = 10,
        /* amk.recovery */
        TAG_KDF_OPS = 20,
        TAG_KDF_MEM = 21,
        TAG_SALT = 22,
        TAG_NONCE = 23,
        TAG_CIPHERTEXT = 24,
        /* both: the wrapped volume key */
        TAG_VK_NONCE = 25,
        TAG_VK_CIPHERTEXT = 26,
        _TAG_MAX = 32,
};

/* Argon2id cost bounds accepted from a file: the lower ones keep a forged
 * file from making the KDF trivial, the upper ones bound time and memory. */
#define KDF_OPS_MIN 1
#define KDF_OPS_MAX 16
#define KDF_MEM_MIN (8ULL * 1024 * 1024)
#define KDF_MEM_MAX (1024ULL * 1024 * 1024)

typedef struct Writer {
        uint8_t buf[KEYFILE_MAX];
        size_t size;
        bool overflow;
} Writer;

static void put(Writer *w, uint8_t tag, const void *v, size_t n)
{
        if (w->overflow || n > UINT16_MAX || w->size + 3 + n > sizeof w->buf) {
                w->overflow = true;
                return;
        }
        w->buf[w->size++] = tag;
        w->buf[w->size++] = (uint8_t)(n >> 8);
        w->buf[w->size++] = (uint8_t)n;
        memcpy(w->buf + w->size, v, n);
        w->size += n;
}

static void put_u64(Writer *w, uint8_t tag, uint64_t v)
{
        uint8_t b[8];
        for (int i = 0; i < 8; i++)
                b[i] = (uint8_t)(v >> (56 - 8 * i));
        put(w, tag, b, sizeof b);
}

static uint64_t get_u64(const uint8_t *b)
{
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
                v = (v << 8) | b[i];
        return v;
}

static void put_volume(Writer *w, const WrappedVolumeKey *v)
{
        put(w, TAG_VK_NONCE, v->nonce, VOLUME_WRAP_NONCE_SIZE);
        put(w, TAG_VK_CIPHERTEXT, v->ciphertext, VOLUME_WRAP_CIPHERTEXT_SIZE);
}

static int writer_finish(Writer *w, uint8_t **ret, size_t *ret_size)
{
        uint8_t *p;

        if (w->overflow)
                return -EINVAL;
        p = malloc(w->size);
        if (!p)
                return -ENOMEM;
        memcpy(p, w->buf, w->size);
        *ret = p;
        *ret_size = w->size;
        return 0;
}

int sealed_key_file_serialize(const SealedKeyFile *f, uint8_t **ret, size_t *ret_size)
{
        _cleanup_free_ Writer *w = calloc(1, sizeof(Writer));
        uint8_t pcrs[4] = { f->pcrs >> 24, f->pcrs >> 16, f->pcrs >> 8, f->pcrs };
        uint8_t pin = f->with_pin;
        unsigned n = pcr_mask_count(f->pcrs);

        if (!w)
                return -ENOMEM;
        if (n == 0 || (f->pcrs >> PCR_COUNT) != 0)
                return -EINVAL;
        memcpy(w->buf, sealed_magic, sizeof sealed_magic);
        w->size = sizeof sealed_magic;
        put(w, TAG_GENERATION, f->generation, KEY_GENERATION_SIZE);
        put_u64(w, TAG_CREATED, f->created_usec);
        put(w, TAG_PCRS, pcrs, sizeof pcrs);
        put(w, TAG_WITH_PIN, &pin, 1);
        put(w, TAG_PCR_VALUES, f->pcr_values, (size_t)n * PCR_DIGEST_SIZE);
        put(w, TAG_POLICY, f->policy_digest, PCR_DIGEST_SIZE);
        uint8_t handle[4] = { f->sealed.parent_handle >> 24, f->sealed.parent_handle >> 16,
                              f->sealed.parent_handle >> 8, f->sealed.parent_handle };
        put(w, TAG_PARENT_HANDLE, handle, sizeof handle);
        put(w, TAG_PARENT_NAME, f->sealed.parent_name, f->sealed.parent_name_size);
        put(w, TAG_PUBLIC, f->sealed.public_blob, f->sealed.public_size);
        put(w, TAG_PRIVATE, f->sealed.private_blob, f->sealed.private_size);
        put_volume(w, &f->volume);
        return writer_finish(w, ret, ret_size);
}

int recovery_key_file_serialize(const RecoveryKeyFile *f, uint8_t **ret, size_t *ret_size)
{
        _cleanup_free_ Writer *w = calloc(1, sizeof(Writer));

        if (!w)
                return -ENOMEM;
        memcpy(w->buf, recovery_magic, sizeof recovery_magic);
        w->size = sizeof recovery_magic;
        put(w, TAG_GENERATION, f->generation, KEY_GENERATION_SIZE);
        put_u64(w, TAG_KDF_OPS, f->opslimit);
        put_u64(w, TAG_KDF_MEM, f->memlimit);
        put(w, TAG_SALT, f->salt, RECOVERY_SALT_SIZE);
        put(w, TAG_NONCE, f->nonce, RECOVERY_NONCE_SIZE);
        put(w, TAG_CIPHERTEXT, f->ciphertext, RECOVERY_CIPHERTEXT_SIZE);
        put_volume(w, &f->volume);
        return writer_finish(w, ret, ret_size);
}

/* Split data into records: rec[tag] points at the value, len[tag] its size.
 * Unknown tags, duplicates, truncation and missing records are refused;
 * -EPROTO for the magic of format version 1. */
typedef struct Records {
        const uint8_t *value[_TAG_MAX];
        size_t len[_TAG_MAX];
        bool seen[_TAG_MAX];
} Records;

static int split_records(const void *data, size_t size, const uint8_t magic[8], const uint8_t *allowed,
                         size_t n_allowed, Records *rec)
{
        const uint8_t *p = data;
        size_t off = 8;

        if (!data || size < 8 || size > KEYFILE_MAX)
                return -EBADMSG;
        if (memcmp(p, magic, 7) == 0 && p[7] == 1)
                return -EPROTO;
        if (memcmp(p, magic, 8) != 0)
                return -EBADMSG;
        memset(rec, 0, sizeof *rec);
        while (off < size) {
                uint8_t tag;
                size_t len;
                bool ok = false;

                if (size - off < 3)
                        return -EBADMSG;
                tag = p[off];
                len = ((size_t)p[off + 1] << 8) | p[off + 2];
                off += 3;
                if (len > size - off)
                        return -EBADMSG;
                for (size_t i = 0; i < n_allowed; i++)
                        ok = ok || allowed[i] == tag;
                if (!ok || rec->seen[tag])
                        return -EBADMSG;
                rec->seen[tag] = true;
                rec->value[tag] = p + off;
                rec->len[tag] = len;
                off += len;
        }
        for (size_t i = 0; i < n_allowed; i++)
                if (!rec->seen[allowed[i]])
                        return -EBADMSG;
        return 0;
}

/* The wrapped-VK records, exact lengths. */
static int parse_volume(const Records *rec, WrappedVolumeKey *ret)
{
        if (rec->len[TAG_VK_NONCE] != VOLUME_WRAP_NONCE_SIZE ||
            rec->len[TAG_VK_CIPHERTEXT] != VOLUME_WRAP_CIPHERTEXT_SIZE)
                return -EBADMSG;
        memcpy(ret->nonce, rec->value[TAG_VK_NONCE], VOLUME_WRAP_NONCE_SIZE);
        memcpy(ret->ciphertext, rec->value[TAG_VK_CIPHERTEXT], VOLUME_WRAP_CIPHERTEXT_SIZE);
        return 0;
}

int sealed_key_file_parse(const void *data, size_t size, SealedKeyFile *ret)
{
        static const uint8_t allowed[] = {
                TAG_GENERATION, TAG_CREATED, TAG_PCRS,          TAG_WITH_PIN,
                TAG_PCR_VALUES, TAG_POLICY,  TAG_PARENT_HANDLE, TAG_PARENT_NAME,
                TAG_PUBLIC,     TAG_PRIVATE, TAG_VK_NONCE,      TAG_VK_CIPHERTEXT
        };
        _cleanup_free_ SealedKeyFile *f = calloc(1, sizeof *f);
        _cleanup_free_ Records *rec = calloc(1, sizeof *rec);
        uint8_t digest[PCR_DIGEST_SIZE];
        const uint8_t *v;
        unsigned n;
        int r;

        if (!f || !rec)
                return -ENOMEM;
        r = split_records(data, size, sealed_magic, allowed, sizeof allowed, rec);
        if (r < 0)
                return r == -EPROTO ? r : -EBADMSG;
        if (parse_volume(rec, &f->volume) < 0)
                return -EBADMSG;

        if (rec->len[TAG_GENERATION] != KEY_GENERATION_SIZE || rec->len[TAG_CREATED] != 8 ||
            rec->len[TAG_PCRS] != 4 || rec->len[TAG_WITH_PIN] != 1 ||
            rec->len[TAG_POLICY] != PCR_DIGEST_SIZE)
                return -EBADMSG;
        memcpy(f->generation, rec->value[TAG_GENERATION], KEY_GENERATION_SIZE);
        f->created_usec = get_u64(rec->value[TAG_CREATED]);
        v = rec->value[TAG_PCRS];
        f->pcrs = (PcrMask)v[0] << 24 | (PcrMask)v[1] << 16 | (PcrMask)v[2] << 8 | v[3];
        n = pcr_mask_count(f->pcrs);
        if (n == 0 || (f->pcrs >> PCR_COUNT) != 0)
                return -EBADMSG;
        if (rec->value[TAG_WITH_PIN][0] > 1)
                return -EBADMSG;
        f->with_pin = rec->value[TAG_WITH_PIN][0];
        if (rec->len[TAG_PCR_VALUES] != (size_t)n * PCR_DIGEST_SIZE)
                return -EBADMSG;
        memcpy(f->pcr_values, rec->value[TAG_PCR_VALUES], rec->len[TAG_PCR_VALUES]);
        memcpy(f->policy_digest, rec->value[TAG_POLICY], PCR_DIGEST_SIZE);

        if (rec->len[TAG_PARENT_HANDLE] != 4)
                return -EBADMSG;
        v = rec->value[TAG_PARENT_HANDLE];
        f->sealed.parent_handle = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
        if (f->sealed.parent_handle != TPM_PARENT_HANDLE_A && f->sealed.parent_handle != TPM_PARENT_HANDLE_B)
                return -EBADMSG;
        if (rec->len[TAG_PARENT_NAME] == 0 || rec->len[TAG_PARENT_NAME] > TPM_NAME_MAX ||
            rec->len[TAG_PUBLIC] == 0 || rec->len[TAG_PUBLIC] > TPM_BLOB_MAX || rec->len[TAG_PRIVATE] == 0 ||
            rec->len[TAG_PRIVATE] > TPM_BLOB_MAX)
                return -EBADMSG;
        memcpy(f->sealed.parent_name, rec->value[TAG_PARENT_NAME], rec->len[TAG_PARENT_NAME]);
        f->sealed.parent_name_size = rec->len[TAG_PARENT_NAME];
        memcpy(f->sealed.public_blob, rec->value[TAG_PUBLIC], rec->len[TAG_PUBLIC]);
        f->sealed.public_size = rec->len[TAG_PUBLIC];
        memcpy(f->sealed.private_blob, rec->value[TAG_PRIVATE], rec->len[TAG_PRIVATE]);
        f->sealed.private_size = rec->len[TAG_PRIVATE];

        /* The recorded PCR values must explain the recorded policy. */
        if (pcr_policy_digest(f->pcrs, (const uint8_t(*)[PCR_DIGEST_SIZE])f->pcr_values, f->with_pin,
                              digest) < 0 ||
            memcmp(digest, f->policy_digest, PCR_DIGEST_SIZE) != 0)
                return -EBADMSG;

        *ret = *f;
        return 0;
}

int recovery_key_file_parse(const void *data, size_t size, RecoveryKeyFile *ret)
{
        static const uint8_t allowed[] = { TAG_GENERATION, TAG_KDF_OPS,    TAG_KDF_MEM,  TAG_SALT,
                                           TAG_NONCE,      TAG_CIPHERTEXT, TAG_VK_NONCE, TAG_VK_CIPHERTEXT };
        RecoveryKeyFile f = { 0 };
        _cleanup_free_ Records *rec = calloc(1, sizeof *rec);
        int r;

        if (!rec)
                return -ENOMEM;
        r = split_records(data, size, recovery_magic, allowed, sizeof allowed, rec);
        if (r < 0)
                return r == -EPROTO ? r : -EBADMSG;
        if (parse_volume(rec, &f.volume) < 0)
                return -EBADMSG;
        if (rec->len[TAG_GENERATION] != KEY_GENERATION_SIZE || rec->len[TAG_KDF_OPS] != 8 ||
            rec->len[TAG_KDF_MEM] != 8 || rec->len[TAG_SALT] != RECOVERY_SALT_SIZE ||
            rec->len[TAG_NONCE] != RECOVERY_NONCE_SIZE ||
            rec->len[TAG_CIPHERTEXT] != RECOVERY_CIPHERTEXT_SIZE)
                return -EBADMSG;
        memcpy(f.generation, rec->value[TAG_GENERATION], KEY_GENERATION_SIZE);
        f.opslimit = get_u64(rec->value[TAG_KDF_OPS]);
        f.memlimit = get_u64(rec->value[TAG_KDF_MEM]);
        if (f.opslimit < KDF_OPS_MIN || f.opslimit > KDF_OPS_MAX || f.memlimit < KDF_MEM_MIN ||
            f.memlimit > KDF_MEM_MAX)
                return -EBADMSG;
        memcpy(f.salt, rec->value[TAG_SALT], RECOVERY_SALT_SIZE);
        memcpy(f.nonce, rec->value[TAG_NONCE], RECOVERY_NONCE_SIZE);
        memcpy(f.ciphertext, rec->value[TAG_CIPHERTEXT], RECOVERY_CIPHERTEXT_SIZE);
        *ret = f;
        return 0;
}

int sealed_key_file_save(const char *path, const SealedKeyFile *f)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = sealed_key_file_serialize(f, &buf, &size);
        if (r < 0)
                return r;
        return write_file_atomic(path, buf, size, 0600);
}

int recovery_key_file_save(const char *path, const RecoveryKeyFile *f)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = recovery_key_file_serialize(f, &buf, &size);
        if (r < 0)
                return r;
        return write_file_atomic(path, buf, size, 0600);
}

int sealed_key_file_load(const char *path, SealedKeyFile *ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = read_file_bounded(path, KEYFILE_MAX, &buf, &size);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return sealed_key_file_parse(buf, size, ret);
}

int recovery_key_file_load(const char *path, RecoveryKeyFile *ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = read_file_bounded(path, KEYFILE_MAX, &buf, &size);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return recovery_key_file_parse(buf, size, ret);
}
