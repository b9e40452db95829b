/* appliance/keys/pcr-policy: PCR lists and policy digests. The expected
 * digests were computed independently (Python hashlib, and for PCR 7 = 0 by
 * tpm2_createpolicy against swtpm). */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "appliance/keys/pcr-policy.h"
#include "tests/unit/test.h"

static void hex(const char *h, uint8_t *out, size_t n)
{
        assert_int_equal(sodium_hex2bin(out, n, h, strlen(h), NULL, NULL, NULL), 0);
}

static void test_parse(void **state)
{
        PcrMask m;
        char buf[PCR_MASK_STRING_MAX];

        assert_int_equal(pcr_mask_parse("7", &m), 0);
        assert_int_equal(m, 1U << 7);
        assert_int_equal(pcr_mask_parse("0,2,7", &m), 0);
        assert_int_equal(m, 0x85);
        assert_int_equal(pcr_mask_parse("0-4+7", &m), 0);
        assert_int_equal(m, 0x9f);
        assert_string_equal(pcr_mask_format(m, buf), "0,1,2,3,4,7");
        assert_int_equal(pcr_mask_parse("23", &m), 0);
        assert_int_equal(pcr_mask_count(m), 1);
        assert_string_equal(pcr_mask_format(0, buf), "none");

        m = 42;
        assert_int_equal(pcr_mask_parse("", &m), -EINVAL);
        assert_int_equal(pcr_mask_parse("24", &m), -EINVAL);
        assert_int_equal(pcr_mask_parse("7,", &m), -EINVAL);
        assert_int_equal(pcr_mask_parse("4-2", &m), -EINVAL);
        assert_int_equal(pcr_mask_parse("007", &m), -EINVAL);
        assert_int_equal(pcr_mask_parse("7 ", &m), -EINVAL);
        assert_int_equal(pcr_mask_parse("-1", &m), -EINVAL);
        assert_int_equal(m, 42); /* untouched on failure */
}

static void test_selection_wire(void **state)
{
        uint8_t w[PCR_SELECTION_WIRE_SIZE], e[PCR_SELECTION_WIRE_SIZE];

        pcr_selection_marshal(0x85 | (1U << 23), w);
        hex("00000001000b03850080", e, sizeof e);
        assert_memory_equal(w, e, sizeof e);
}

static void test_policy_digest_kat(void **state)
{
        uint8_t values[3][PCR_DIGEST_SIZE] = { { 0 } }, d[PCR_DIGEST_SIZE], e[PCR_DIGEST_SIZE];

        assert_int_equal(pcr_policy_digest(1U << 7, values, false, d), 0);
        hex("8b5682d81b29435d08d79278150611dc7e5923b2fefcce684a09577b40130a8b", e, sizeof e);
        assert_memory_equal(d, e, sizeof e);

        assert_int_equal(pcr_policy_digest(1U << 7, values, true, d), 0);
        hex("b8db92fae7c1e0c588e7352d2fc10f27c7b384e32f706a520cb10bf7ffee8970", e, sizeof e);
        assert_memory_equal(d, e, sizeof e);

        memset(values[1], 2, PCR_DIGEST_SIZE);
        memset(values[2], 7, PCR_DIGEST_SIZE);
        assert_int_equal(pcr_policy_digest(0x85, values, false, d), 0);
        hex("1b547623d672f2dcee3f28293896f309b63e38d7f1419598ae93b55c41136446", e, sizeof e);
        assert_memory_equal(d, e, sizeof e);

        assert_int_equal(pcr_policy_digest(0, values, false, d), -EINVAL);
        assert_int_equal(pcr_policy_digest(1U << 24, values, false, d), -EINVAL);
}

static void test_differing(void **state)
{
        uint8_t a[3][PCR_DIGEST_SIZE] = { { 0 } }, b[3][PCR_DIGEST_SIZE] = { { 0 } };

        assert_int_equal(pcr_mask_differing(0x85, a, b), 0);
        b[2][31] = 1; /* third selected PCR: 7 */
        assert_int_equal(pcr_mask_differing(0x85, a, b), 1U << 7);
        b[0][0] = 1; /* first: 0 */
        assert_int_equal(pcr_mask_differing(0x85, a, b), (1U << 7) | 1U);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_selection_wire),
                cmocka_unit_test(test_policy_digest_kat),
                cmocka_unit_test(test_differing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
