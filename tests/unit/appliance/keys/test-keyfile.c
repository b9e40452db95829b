/* appliance/keys/keyfile: the two on-disk formats, each with the wrapped
 * volume key. Round trips, strict
 * refusal of every malformation, atomic 0600 writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "appliance/keys/keyfile.h"
#include "tests/unit/test.h"

static char *dir;

static int setup(void **state)
{
        dir = test_tmpdir();
        return dir && secmem_init() == 0 ? 0 : -1;
}

static int teardown(void **state)
{
        test_rmtree(dir);
        free(dir);
        return 0;
}

static void sample_sealed(SealedKeyFile *f)
{
        memset(f, 0, sizeof *f);
        randombytes_buf(f->generation, sizeof f->generation);
        f->created_usec = 1700000000000000ULL;
        f->pcrs = 0x85;
        f->with_pin = true;
        for (int i = 0; i < 3; i++)
                memset(f->pcr_values[i], i + 1, PCR_DIGEST_SIZE);
        assert_int_equal(pcr_policy_digest(f->pcrs, (const uint8_t(*)[PCR_DIGEST_SIZE])f->pcr_values, true,
                                           f->policy_digest),
                         0);
        f->sealed.public_size = 80;
        randombytes_buf(f->sealed.public_blob, 80);
        f->sealed.private_size = 130;
        randombytes_buf(f->sealed.private_blob, 130);
        f->sealed.parent_handle = TPM_PARENT_HANDLE_B;
        f->sealed.parent_name_size = 34;
        randombytes_buf(f->sealed.parent_name, 34);
        randombytes_buf(&f->volume, sizeof f->volume);
}

static void sample_recovery(RecoveryKeyFile *f)
{
        memset(f, 0, sizeof *f);
        randombytes_buf(f, sizeof *f);
        f->opslimit = 2;
        f->memlimit = 64ULL * 1024 * 1024;
}

static void test_sealed_roundtrip(void **state)
{
        SealedKeyFile *f = malloc(sizeof *f), *g = malloc(sizeof *g);
        uint8_t *buf;
        size_t size;

        sample_sealed(f);
        assert_int_equal(sealed_key_file_serialize(f, &buf, &size), 0);
        assert_int_equal(sealed_key_file_parse(buf, size, g), 0);
        assert_memory_equal(f->generation, g->generation, KEY_GENERATION_SIZE);
        assert_int_equal(g->pcrs, 0x85);
        assert_true(g->with_pin);
        assert_int_equal(g->created_usec, f->created_usec);
        assert_memory_equal(f->pcr_values, g->pcr_values, 3 * PCR_DIGEST_SIZE);
        assert_memory_equal(f->policy_digest, g->policy_digest, PCR_DIGEST_SIZE);
        assert_int_equal(g->sealed.public_size, 80);
        assert_memory_equal(f->sealed.public_blob, g->sealed.public_blob, 80);
        assert_int_equal(g->sealed.private_size, 130);
        assert_memory_equal(f->sealed.private_blob, g->sealed.private_blob, 130);
        assert_int_equal(g->sealed.parent_name_size, 34);
        assert_memory_equal(f->sealed.parent_name, g->sealed.parent_name, 34);
        assert_int_equal(g->sealed.parent_handle, TPM_PARENT_HANDLE_B);
        assert_memory_equal(&f->volume, &g->volume, sizeof f->volume);
        free(buf);
        free(f);
        free(g);
}

static void test_sealed_refusals(void **state)
{
        SealedKeyFile *f = malloc(sizeof *f), *g = malloc(sizeof *g);
        uint8_t *buf, *copy;
        size_t size;

        sample_sealed(f);
        assert_int_equal(sealed_key_file_serialize(f, &buf, &size), 0);
        copy = malloc(size + 16);

        /* Every truncation. */
        for (size_t n = 0; n < size; n++)
                assert_int_equal(sealed_key_file_parse(buf, n, g), -EBADMSG);
        /* Trailing junk. */
        memcpy(copy, buf, size);
        copy[size] = 1;
        assert_int_equal(sealed_key_file_parse(copy, size + 1, g), -EBADMSG);
        /* Wrong magic / version. */
        memcpy(copy, buf, size);
        copy[7] = 3;
        assert_int_equal(sealed_key_file_parse(copy, size, g), -EBADMSG);
        /* A recorded PCR value that does not explain the policy. */
        memcpy(copy, buf, size);
        {
                uint8_t *p = memmem(copy, size, f->pcr_values[1], PCR_DIGEST_SIZE);
                assert_non_null(p);
                p[0] ^= 1;
        }
        assert_int_equal(sealed_key_file_parse(copy, size, g), -EBADMSG);
        /* PIN flag flipped: the policy no longer matches either. */
        f->with_pin = false;
        free(buf);
        assert_int_equal(sealed_key_file_serialize(f, &buf, &size), 0);
        assert_int_equal(sealed_key_file_parse(buf, size, g), -EBADMSG);
        /* A duplicated record. */
        f->with_pin = true;
        free(buf);
        assert_int_equal(sealed_key_file_serialize(f, &buf, &size), 0);
        copy = realloc(copy, size + 32);
        memcpy(copy, buf, size);
        memcpy(copy + size, buf + 8, 3 + KEY_GENERATION_SIZE); /* generation again */
        assert_int_equal(sealed_key_file_parse(copy, size + 3 + KEY_GENERATION_SIZE, g), -EBADMSG);
        /* An unknown record. */
        memcpy(copy, buf, size);
        copy[size] = 30, copy[size + 1] = 0, copy[size + 2] = 0;
        assert_int_equal(sealed_key_file_parse(copy, size + 3, g), -EBADMSG);
        /* A parent handle outside Carrel's two. */
        f->sealed.parent_handle = 0x81000001;
        free(buf);
        assert_int_equal(sealed_key_file_serialize(f, &buf, &size), 0);
        assert_int_equal(sealed_key_file_parse(buf, size, g), -EBADMSG);
        f->sealed.parent_handle = TPM_PARENT_HANDLE_A;
        /* Empty PCR selection cannot be serialised. */
        f->pcrs = 0;
        assert_int_equal(sealed_key_file_serialize(f, &copy, &size), -EINVAL);
        free(copy);
        free(buf);
        free(f);
        free(g);
}

static void test_recovery_roundtrip_and_bounds(void **state)
{
        RecoveryKeyFile f, g;
        uint8_t *buf;
        size_t size;

        sample_recovery(&f);
        assert_int_equal(recovery_key_file_serialize(&f, &buf, &size), 0);
        assert_int_equal(recovery_key_file_parse(buf, size, &g), 0);
        assert_memory_equal(&f.generation, &g.generation, sizeof f.generation);
        assert_memory_equal(f.ciphertext, g.ciphertext, sizeof f.ciphertext);
        assert_int_equal(g.opslimit, 2);
        assert_memory_equal(&f.volume, &g.volume, sizeof f.volume);
        for (size_t n = 0; n < size; n++)
                assert_int_equal(recovery_key_file_parse(buf, n, &g), -EBADMSG);
        free(buf);

        /* A forged file cannot make the KDF trivial nor unbounded. */
        f.memlimit = 1024;
        assert_int_equal(recovery_key_file_serialize(&f, &buf, &size), 0);
        assert_int_equal(recovery_key_file_parse(buf, size, &g), -EBADMSG);
        free(buf);
        f.memlimit = 64ULL * 1024 * 1024 * 1024;
        assert_int_equal(recovery_key_file_serialize(&f, &buf, &size), 0);
        assert_int_equal(recovery_key_file_parse(buf, size, &g), -EBADMSG);
        free(buf);
        f.memlimit = 64ULL * 1024 * 1024;
        f.opslimit = 0;
        assert_int_equal(recovery_key_file_serialize(&f, &buf, &size), 0);
        assert_int_equal(recovery_key_file_parse(buf, size, &g), -EBADMSG);
        free(buf);

        /* One format is not the other. */
        {
                SealedKeyFile *s = malloc(sizeof *s);
                sample_sealed(s);
                assert_int_equal(sealed_key_file_serialize(s, &buf, &size), 0);
                assert_int_equal(recovery_key_file_parse(buf, size, &g), -EBADMSG);
                free(buf);
                free(s);
        }
}

/* Flip one byte of buf[size] at off into a copy and parse it as a sealed
 * (sealed true) or recovery file. */
static int parse_altered(const uint8_t *buf, size_t size, size_t off, uint8_t value, bool sealed)
{
        _cleanup_free_ uint8_t *copy = malloc(size);
        _cleanup_free_ SealedKeyFile *f = malloc(sizeof *f);
        RecoveryKeyFile g;

        assert_non_null(copy);
        assert_non_null(f);
        memcpy(copy, buf, size);
        copy[off] = value;
        return sealed ? sealed_key_file_parse(copy, size, f) : recovery_key_file_parse(copy, size, &g);
}

static void test_wrapped_volume_key_records(void **state)
{
        SealedKeyFile *f = malloc(sizeof *f);
        RecoveryKeyFile r;
        uint8_t *sb, *rb;
        size_t ss, rs;
        /* The two VK records are the last ones: {25, 0, 24, nonce} {26, 0, 80, ciphertext}. */
        const size_t tail = 3 + VOLUME_WRAP_NONCE_SIZE + 3 + VOLUME_WRAP_CIPHERTEXT_SIZE;

        sample_sealed(f);
        sample_recovery(&r);
        assert_int_equal(sealed_key_file_serialize(f, &sb, &ss), 0);
        assert_int_equal(recovery_key_file_serialize(&r, &rb, &rs), 0);
        for (int sealed = 0; sealed <= 1; sealed++) {
                const uint8_t *b = sealed ? sb : rb;
                size_t n = sealed ? ss : rs;

                assert_int_equal(b[n - tail], 25);
                assert_int_equal(b[n - tail + 3 + VOLUME_WRAP_NONCE_SIZE], 26);
                /* A file without them (as version 2) is refused: the
                 * truncation at exactly that point, in the loops above too. */
                assert_int_equal(sealed ? sealed_key_file_parse(b, n - tail, f)
                                        : recovery_key_file_parse(b, n - tail, &r),
                                 -EBADMSG);
                /* Wrong lengths (the record framing then breaks or lies). */
                assert_int_equal(parse_altered(b, n, n - tail + 2, VOLUME_WRAP_NONCE_SIZE - 1, sealed),
                                 -EBADMSG);
                assert_int_equal(parse_altered(b, n, n - tail + 2, VOLUME_WRAP_NONCE_SIZE + 1, sealed),
                                 -EBADMSG);
                assert_int_equal(parse_altered(b, n, n - tail + 3 + VOLUME_WRAP_NONCE_SIZE + 2,
                                               VOLUME_WRAP_CIPHERTEXT_SIZE - 1, sealed),
                                 -EBADMSG);
                /* A VK record twice (the nonce tag renamed to the ciphertext's). */
                assert_int_equal(parse_altered(b, n, n - tail, 26, sealed), -EBADMSG);
                /* Format version 1 (before VK was wrapped): its own error,
                 * so that the officer is told to enrol again. */
                assert_int_equal(parse_altered(b, n, 7, 1, sealed), -EPROTO);
                assert_int_equal(parse_altered(b, n, 7, 3, sealed), -EBADMSG);
                assert_int_equal(parse_altered(b, n, 7, 0, sealed), -EBADMSG);
        }
        free(sb);
        free(rb);
        free(f);
}

static void test_save_load(void **state)
{
        SealedKeyFile *f = malloc(sizeof *f), *g = malloc(sizeof *g);
        RecoveryKeyFile r, q;
        char path[512], big[512];
        struct stat st;
        FILE *fp;

        sample_sealed(f);
        snprintf(path, sizeof path, "%s/amk.sealed", dir);
        umask(0);
        assert_int_equal(sealed_key_file_save(path, f), 0);
        umask(022);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(sealed_key_file_load(path, g), 0);
        assert_memory_equal(f->policy_digest, g->policy_digest, PCR_DIGEST_SIZE);

        sample_recovery(&r);
        snprintf(path, sizeof path, "%s/amk.recovery", dir);
        assert_int_equal(recovery_key_file_save(path, &r), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(recovery_key_file_load(path, &q), 0);
        assert_memory_equal(r.nonce, q.nonce, sizeof r.nonce);

        snprintf(path, sizeof path, "%s/missing", dir);
        assert_int_equal(sealed_key_file_load(path, g), -ENOENT);
        /* An oversized file is malformed, not read. */
        snprintf(big, sizeof big, "%s/big", dir);
        fp = fopen(big, "w");
        for (int i = 0; i < KEYFILE_MAX + 10; i++)
                fputc('x', fp);
        fclose(fp);
        assert_int_equal(sealed_key_file_load(big, g), -EBADMSG);
        assert_int_equal(recovery_key_file_load(big, &q), -EBADMSG);
        free(f);
        free(g);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sealed_roundtrip),
                cmocka_unit_test(test_sealed_refusals),
                cmocka_unit_test(test_recovery_roundtrip_and_bounds),
                cmocka_unit_test(test_wrapped_volume_key_records),
                cmocka_unit_test(test_save_load),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
