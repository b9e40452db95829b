/* appliance/keys/recovery-key: text form, checksums, forgiving input. */
#include <errno.h>
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "appliance/keys/recovery-key.h"
#include "tests/unit/test.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void test_roundtrip_and_shape(void **state)
{
        for (int n = 0; n < 200; n++) {
                uint8_t key[RECOVERY_KEY_BYTES], back[RECOVERY_KEY_BYTES];
                char text[RECOVERY_KEY_STRING_SIZE];

                randombytes_buf(key, sizeof key);
                recovery_key_format(key, text);
                assert_int_equal(strlen(text), RECOVERY_KEY_STRING_SIZE - 1);
                for (int i = 0; i < RECOVERY_KEY_STRING_SIZE - 1; i++) {
                        if (i % 6 == 5)
                                assert_int_equal(text[i], '-');
                        else
                                assert_non_null(strchr(alphabet, text[i]));
                }
                assert_int_equal(recovery_key_parse(text, back, NULL), 0);
                assert_memory_equal(key, back, sizeof key);
        }
}

static void test_every_single_typo_is_caught(void **state)
{
        uint8_t key[RECOVERY_KEY_BYTES], back[RECOVERY_KEY_BYTES];
        char text[RECOVERY_KEY_STRING_SIZE], bad[RECOVERY_KEY_STRING_SIZE];

        for (int n = 0; n < 20; n++) {
                randombytes_buf(key, sizeof key);
                recovery_key_format(key, text);
                for (int i = 0; i < RECOVERY_KEY_STRING_SIZE - 1; i++) {
                        if (text[i] == '-')
                                continue;
                        for (int a = 0; a < 32; a++) {
                                unsigned group = 0;
                                if (alphabet[a] == text[i])
                                        continue;
                                memcpy(bad, text, sizeof bad);
                                bad[i] = alphabet[a];
                                assert_int_equal(recovery_key_parse(bad, back, &group), -EBADMSG);
                                assert_int_equal(group, (unsigned)(i / 6 + 1));
                        }
                }
        }
}

static void test_adjacent_swaps_are_caught(void **state)
{
        uint8_t key[RECOVERY_KEY_BYTES], back[RECOVERY_KEY_BYTES];
        char text[RECOVERY_KEY_STRING_SIZE], bad[RECOVERY_KEY_STRING_SIZE];

        for (int n = 0; n < 50; n++) {
                randombytes_buf(key, sizeof key);
                recovery_key_format(key, text);
                for (int i = 0; i + 1 < RECOVERY_KEY_STRING_SIZE - 1; i++) {
                        if (text[i] == '-' || text[i + 1] == '-' || text[i] == text[i + 1])
                                continue;
                        memcpy(bad, text, sizeof bad);
                        bad[i] = text[i + 1];
                        bad[i + 1] = text[i];
                        assert_int_equal(recovery_key_parse(bad, back, NULL), -EBADMSG);
                }
        }
}

static void test_forgiving_input(void **state)
{
        uint8_t key[RECOVERY_KEY_BYTES], back[RECOVERY_KEY_BYTES];
        char text[RECOVERY_KEY_STRING_SIZE], loose[128];
        size_t n = 0;

        /* A key whose text has 0s and 1s, typed as O, I and l, lower case,
         * with spaces instead of dashes and a trailing newline. */
        memset(key, 0, sizeof key);
        key[3] = 0x42;
        recovery_key_format(key, text);
        for (const char *p = text; *p; p++) {
                char c = *p;
                if (c == '-')
                        c = ' ';
                else if (c == '0')
                        c = 'o';
                else if (c == '1')
                        c = (n & 1) ? 'I' : 'l';
                else
                        c = (char)tolower((unsigned char)c);
                loose[n++] = c;
        }
        loose[n++] = '\n';
        loose[n] = '\0';
        assert_int_equal(recovery_key_parse(loose, back, NULL), 0);
        assert_memory_equal(key, back, sizeof key);
}

static void test_garbage(void **state)
{
        uint8_t back[RECOVERY_KEY_BYTES] = { 9 };
        char text[RECOVERY_KEY_STRING_SIZE], longer[RECOVERY_KEY_STRING_SIZE + 8];
        char huge[RECOVERY_KEY_INPUT_MAX + 10];
        uint8_t key[RECOVERY_KEY_BYTES] = { 1, 2, 3 };

        recovery_key_format(key, text);
        assert_int_equal(recovery_key_parse("", back, NULL), -EINVAL);
        assert_int_equal(recovery_key_parse("hello", back, NULL), -EINVAL);
        text[5] = 'U'; /* U is not in Crockford's alphabet */
        assert_int_equal(recovery_key_parse(text, back, NULL), -EINVAL);
        recovery_key_format(key, text);
        snprintf(longer, sizeof longer, "%s-0", text);
        assert_int_equal(recovery_key_parse(longer, back, NULL), -EINVAL);
        text[RECOVERY_KEY_STRING_SIZE - 2] = '\0'; /* one symbol short */
        assert_int_equal(recovery_key_parse(text, back, NULL), -EINVAL);
        memset(huge, ' ', sizeof huge - 1);
        huge[sizeof huge - 1] = '\0';
        assert_int_equal(recovery_key_parse(huge, back, NULL), -EINVAL);
        assert_int_equal(back[0], 9); /* untouched */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip_and_shape),
                cmocka_unit_test(test_every_single_typo_is_caught),
                cmocka_unit_test(test_adjacent_swaps_are_caught),
                cmocka_unit_test(test_forgiving_input),
                cmocka_unit_test(test_garbage),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
