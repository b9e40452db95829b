/* See recovery-key.h. Base32 is hand-written (30 lines): libsodium only has
 * hex and base64, and Crockford's alphabet is what makes the key easy to
 * read aloud and type. */
#include <errno.h>
#include <string.h>

#include "appliance/keys/recovery-key.h"
#include "lib/secmem.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int symbol_value(char c)
{
        if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
        switch (c) {
        case 'O':
                return 0;
        case 'I':
        case 'L':
                return 1;
        default:
                break;
        }
        for (int i = 0; i < 32; i++)
                if (alphabet[i] == c)
                        return i;
        return -1;
}

/* GF(2^5) multiplication modulo the primitive polynomial x^5 + x^2 + 1. */
static unsigned gf32_mul(unsigned a, unsigned b)
{
        unsigned r = 0;

        for (int i = 0; i < 5; i++) {
                if (b & 1)
                        r ^= a;
                b >>= 1;
                a <<= 1;
                if (a & 32)
                        a ^= 0x25;
        }
        return r & 31;
}

/* Check symbol of one group: c = k_g + sum(alpha^(i+1) * v_i) over GF(32),
 * with alpha = x and k_g a per-position constant. Changing one symbol by e
 * changes c by alpha^(i+1) * e, never 0 in a field; swapping two adjacent
 * symbols changes it by alpha^(i+1) * (1 + alpha) * (v_i + v_i+1), never 0
 * either. So every single-character typo and every adjacent transposition
 * inside a group is caught, and its group named. */
static unsigned group_check(unsigned group, const uint8_t v[RECOVERY_KEY_GROUP_DATA])
{
        unsigned c = gf32_mul(group + 1, 7), power = 1;

        for (unsigned i = 0; i < RECOVERY_KEY_GROUP_DATA; i++) {
                power = gf32_mul(power, 2);
                c ^= gf32_mul(power, v[i]);
        }
        return c;
}

/* The 32 data symbols are the 160 key bits, 5 at a time, most significant first. */
static void bits_to_symbols(const uint8_t key[RECOVERY_KEY_BYTES], uint8_t sym[32])
{
        for (unsigned i = 0; i < 32; i++) {
                unsigned bit = i * 5, v = 0;
                for (unsigned b = 0; b < 5; b++, bit++)
                        v = (v << 1) | ((key[bit / 8] >> (7 - bit % 8)) & 1);
                sym[i] = (uint8_t)v;
        }
}

static void symbols_to_bits(const uint8_t sym[32], uint8_t key[RECOVERY_KEY_BYTES])
{
        memset(key, 0, RECOVERY_KEY_BYTES);
        for (unsigned i = 0; i < 32; i++)
                for (unsigned b = 0; b < 5; b++) {
                        unsigned bit = i * 5 + b;
                        if (sym[i] & (1U << (4 - b)))
                                key[bit / 8] |= (uint8_t)(1U << (7 - bit % 8));
                }
}

void recovery_key_format(const uint8_t key[RECOVERY_KEY_BYTES], char text[static RECOVERY_KEY_STRING_SIZE])
{
        uint8_t sym[32];
        char *p = text;

        bits_to_symbols(key, sym);
        for (unsigned g = 0; g < RECOVERY_KEY_GROUPS; g++) {
                const uint8_t *v = sym + g * RECOVERY_KEY_GROUP_DATA;
                if (g > 0)
                        *p++ = '-';
                for (unsigned i = 0; i < RECOVERY_KEY_GROUP_DATA; i++)
                        *p++ = alphabet[v[i]];
                *p++ = alphabet[group_check(g, v)];
        }
        *p = '\0';
        secmem_wipe(sym, sizeof sym);
}

int recovery_key_parse(const char *text, uint8_t key[RECOVERY_KEY_BYTES], unsigned *ret_bad_group)
{
        uint8_t sym[RECOVERY_KEY_GROUPS * (RECOVERY_KEY_GROUP_DATA + 1)], data[32];
        size_t n = 0;
        int r = 0;

        if (!text || !key || strnlen(text, RECOVERY_KEY_INPUT_MAX + 1) > RECOVERY_KEY_INPUT_MAX)
                return -EINVAL;
        for (const char *p = text; *p; p++) {
                int v;
                if (*p == '-' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                        continue;
                v = symbol_value(*p);
                if (v < 0 || n >= sizeof sym) {
                        r = -EINVAL;
                        goto finish;
                }
                sym[n++] = (uint8_t)v;
        }
        if (n != sizeof sym) {
                r = -EINVAL;
                goto finish;
        }
        for (unsigned g = 0; g < RECOVERY_KEY_GROUPS; g++) {
                const uint8_t *grp = sym + g * (RECOVERY_KEY_GROUP_DATA + 1);
                if (group_check(g, grp) != grp[RECOVERY_KEY_GROUP_DATA]) {
                        if (ret_bad_group)
                                *ret_bad_group = g + 1;
                        r = -EBADMSG;
                        goto finish;
                }
                memcpy(data + g * RECOVERY_KEY_GROUP_DATA, grp, RECOVERY_KEY_GROUP_DATA);
        }
        symbols_to_bits(data, key);
finish:
        secmem_wipe(sym, sizeof sym);
        secmem_wipe(data, sizeof data);
        return r;
}
