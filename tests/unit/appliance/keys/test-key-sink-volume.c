/* appliance/keys/key-sink-volume: the carrel_blk sink, against link-time
 * mocks of volume_set_key() and volume_clear_key() (-Wl,--wrap), so that no
 * kernel module is needed; tests/kmod/run.sh runs it against carrel_blk. */
#include <errno.h>
#include <string.h>

#include "appliance/keys/key-sink-volume.h"
#include "appliance/volume/volume.h"
#include "tests/unit/test.h"

static struct {
        unsigned set_calls, clear_calls;
        uint32_t index;
        uint8_t key[VOLUME_KEY_SIZE];
        int result; /* what the "kernel" answers */
} mock;

int __wrap_volume_set_key(uint32_t index, const uint8_t key[VOLUME_KEY_SIZE]);
int __wrap_volume_clear_key(uint32_t index);

int __wrap_volume_set_key(uint32_t index, const uint8_t key[VOLUME_KEY_SIZE])
{
        mock.set_calls++;
        mock.index = index;
        memcpy(mock.key, key, VOLUME_KEY_SIZE);
        return mock.result;
}

int __wrap_volume_clear_key(uint32_t index)
{
        mock.clear_calls++;
        mock.index = index;
        return mock.result;
}

static int reset(void **state)
{
        memset(&mock, 0, sizeof mock);
        return 0;
}

/* The keys of AMK seed with VK vk_seed: a rotation keeps vk_seed. */
static KeySet *sample_vk(uint8_t seed, uint8_t vk_seed)
{
        _cleanup_(secret_freep) Secret *amk = NULL, *vk = NULL;
        KeySet *k = NULL;

        assert_int_equal(secret_new(AMK_SIZE, &amk), 0);
        memset(amk->bytes, seed, AMK_SIZE);
        assert_int_equal(secret_new(VOLUME_KEY_SIZE, &vk), 0);
        memset(vk->bytes, vk_seed, VOLUME_KEY_SIZE);
        assert_int_equal(keyset_derive(amk, vk, &k), 0);
        return k;
}

static KeySet *sample(uint8_t seed)
{
        return sample_vk(seed, seed);
}

static void test_set_keys(void **state)
{
        _cleanup_(keyset_freep) KeySet *k = sample(7);
        VolumeSink v = { .index = 3, .error = -EIO };
        KeySink sink;

        key_sink_volume_init(&sink, &v);
        assert_string_equal(sink.name, "carrel_blk");
        assert_int_equal(v.error, 0);
        assert_int_equal(sink.set_keys(sink.userdata, k), 0);
        assert_int_equal(mock.set_calls, 1);
        assert_int_equal(mock.index, 3);
        /* Exactly the volume subkey, none of the others. */
        assert_memory_equal(mock.key, k->volume->bytes, VOLUME_KEY_SIZE);
        assert_int_equal(mock.clear_calls, 0);
}

static void test_clear(void **state)
{
        VolumeSink v = { .index = 0 };
        KeySink sink;

        key_sink_volume_init(&sink, &v);
        assert_int_equal(sink.clear(sink.userdata), 0);
        assert_int_equal(mock.clear_calls, 1);
        assert_int_equal(mock.index, 0);
        assert_int_equal(mock.set_calls, 0);
}

static void test_kernel_refusals(void **state)
{
        _cleanup_(keyset_freep) KeySet *k = sample(1);
        static const int errors[] = { -ENOPKG, -ENODEV, -EPERM };
        VolumeSink v = { .index = 9 };
        KeySink sink;

        key_sink_volume_init(&sink, &v);
        for (size_t i = 0; i < ELEMENTSOF(errors); i++) {
                mock.result = errors[i];
                assert_int_equal(sink.set_keys(sink.userdata, k), errors[i]);
                assert_int_equal(v.error, errors[i]);
                assert_int_equal(sink.clear(sink.userdata), errors[i]);
                assert_int_equal(v.error, errors[i]);
                /* Each has a one-line cause, naming neither key nor index. */
                const char *cause = key_sink_volume_cause(errors[i]);
                assert_non_null(cause);
                assert_null(strchr(cause, '\n'));
        }
        assert_non_null(strstr(key_sink_volume_cause(-ENOPKG), "not loaded"));
        assert_non_null(strstr(key_sink_volume_cause(-ENODEV), "attached"));
        assert_null(key_sink_volume_cause(-EIO));
        mock.result = 0;
        assert_int_equal(sink.set_keys(sink.userdata, k), 0);
        assert_int_equal(v.error, 0);
}

static void test_bad_keyset(void **state)
{
        _cleanup_(keyset_freep) KeySet *k = sample(2);
        _cleanup_(secret_freep) Secret *shorter = NULL;
        VolumeSink v = { .index = 0 };
        KeySink sink;
        Secret *saved;

        key_sink_volume_init(&sink, &v);
        assert_int_equal(sink.set_keys(sink.userdata, NULL), -EINVAL);
        assert_int_equal(secret_new(SUBKEY_SIZE, &shorter), 0);
        saved = k->volume;
        k->volume = shorter;
        assert_int_equal(sink.set_keys(sink.userdata, k), -EINVAL);
        k->volume = saved;
        assert_int_equal(mock.set_calls, 0);
}

static void test_rekey_refused(void **state)
{
        _cleanup_(keyset_freep) KeySet *a = sample(1), *b = sample(2);
        VolumeSink v = { .index = 0 };
        KeySink sink;

        key_sink_volume_init(&sink, &v);
        assert_int_equal(sink.rekey(sink.userdata, a, b), -EOPNOTSUPP);
        assert_int_equal(v.error, -EOPNOTSUPP);
        /* The kernel's key is left alone: data under it stays readable. */
        assert_int_equal(mock.set_calls + mock.clear_calls, 0);
        assert_non_null(strstr(key_sink_volume_cause(-EOPNOTSUPP), "in place"));
        assert_int_equal(sink.rekey(sink.userdata, a, NULL), -EINVAL);
        assert_int_equal(mock.set_calls + mock.clear_calls, 0);
}

static void test_rekey_same_volume_key(void **state)
{
        /* A rotation: new AMK, other subkeys change, VK is the same. */
        _cleanup_(keyset_freep) KeySet *a = sample_vk(1, 9), *b = sample_vk(2, 9);
        VolumeSink v = { .index = 4 };
        KeySink sink;

        assert_memory_not_equal(a->db_wrap->bytes, b->db_wrap->bytes, SUBKEY_SIZE);
        key_sink_volume_init(&sink, &v);
        assert_int_equal(sink.rekey(sink.userdata, a, b), 0);
        assert_int_equal(mock.set_calls, 1);
        assert_int_equal(mock.index, 4);
        assert_memory_equal(mock.key, a->volume->bytes, VOLUME_KEY_SIZE);
        /* Idempotent (a resumed rotation calls it again). */
        assert_int_equal(sink.rekey(sink.userdata, a, b), 0);
        /* The kernel's refusal comes through. */
        mock.result = -ENOPKG;
        assert_int_equal(sink.rekey(sink.userdata, a, b), -ENOPKG);
        assert_int_equal(v.error, -ENOPKG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_set_keys, reset),
                cmocka_unit_test_setup(test_clear, reset),
                cmocka_unit_test_setup(test_kernel_refusals, reset),
                cmocka_unit_test_setup(test_bad_keyset, reset),
                cmocka_unit_test_setup(test_rekey_refused, reset),
                cmocka_unit_test_setup(test_rekey_same_volume_key, reset),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
