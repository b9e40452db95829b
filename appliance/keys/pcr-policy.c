/* See pcr-policy.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "appliance/keys/pcr-policy.h"

#define TPM_CC_POLICY_PCR 0x0000017fU
#define TPM_CC_POLICY_AUTH_VALUE 0x0000016bU
#define TPM_ALG_SHA256 0x000bU

static int parse_pcr_number(const char **p, unsigned *ret)
{
        unsigned v = 0;
        int digits = 0;

        while (**p >= '0' && **p <= '9') {
                v = v * 10 + (unsigned)(**p - '0');
                (*p)++;
                if (++digits > 2)
                        return -EINVAL;
        }
        if (digits == 0 || v >= PCR_COUNT)
                return -EINVAL;
        *ret = v;
        return 0;
}

int pcr_mask_parse(const char *s, PcrMask *ret)
{
        PcrMask mask = 0;
        const char *p = s;

        if (!s || !ret || strlen(s) > 128)
                return -EINVAL;
        for (;;) {
                unsigned a, b;

                if (parse_pcr_number(&p, &a) < 0)
                        return -EINVAL;
                b = a;
                if (*p == '-') {
                        p++;
                        if (parse_pcr_number(&p, &b) < 0 || b < a)
                                return -EINVAL;
                }
                for (unsigned i = a; i <= b; i++)
                        mask |= 1U << i;
                if (*p == '\0')
                        break;
                if (*p != ',' && *p != '+')
                        return -EINVAL;
                p++;
        }
        *ret = mask;
        return 0;
}

char *pcr_mask_format(PcrMask mask, char buf[static PCR_MASK_STRING_MAX])
{
        size_t n = 0;

        buf[0] = '\0';
        for (unsigned i = 0; i < PCR_COUNT; i++)
                if (mask & (1U << i))
                        n += (size_t)snprintf(buf + n, PCR_MASK_STRING_MAX - n, "%s%u", n ? "," : "", i);
        if (n == 0)
                strcpy(buf, "none");
        return buf;
}

unsigned pcr_mask_count(PcrMask mask)
{
        return (unsigned)__builtin_popcount(mask & ((1U << PCR_COUNT) - 1));
}

void pcr_selection_marshal(PcrMask mask, uint8_t ret[PCR_SELECTION_WIRE_SIZE])
{
        /* TPML_PCR_SELECTION { count = 1, { hash = SHA256, sizeofSelect = 3, pcrSelect } } */
        ret[0] = 0, ret[1] = 0, ret[2] = 0, ret[3] = 1;
        ret[4] = TPM_ALG_SHA256 >> 8, ret[5] = TPM_ALG_SHA256 & 0xff;
        ret[6] = 3;
        ret[7] = mask & 0xff, ret[8] = (mask >> 8) & 0xff, ret[9] = (mask >> 16) & 0xff;
}

static void put_be32(uint8_t *p, uint32_t v)
{
        p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

int pcr_policy_digest(PcrMask mask, const uint8_t values[][PCR_DIGEST_SIZE], bool with_auth,
                      uint8_t ret[PCR_DIGEST_SIZE])
{
        crypto_hash_sha256_state st;
        uint8_t pcr_digest[PCR_DIGEST_SIZE], digest[PCR_DIGEST_SIZE] = { 0 };
        uint8_t sel[PCR_SELECTION_WIRE_SIZE], cc[4];
        unsigned n = pcr_mask_count(mask);

        if (n == 0 || (mask >> PCR_COUNT) != 0)
                return -EINVAL;

        crypto_hash_sha256_init(&st);
        for (unsigned i = 0; i < n; i++)
                crypto_hash_sha256_update(&st, values[i], PCR_DIGEST_SIZE);
        crypto_hash_sha256_final(&st, pcr_digest);

        pcr_selection_marshal(mask, sel);
        put_be32(cc, TPM_CC_POLICY_PCR);
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, digest, sizeof digest);
        crypto_hash_sha256_update(&st, cc, sizeof cc);
        crypto_hash_sha256_update(&st, sel, sizeof sel);
        crypto_hash_sha256_update(&st, pcr_digest, sizeof pcr_digest);
        crypto_hash_sha256_final(&st, digest);

        if (with_auth) {
                put_be32(cc, TPM_CC_POLICY_AUTH_VALUE);
                crypto_hash_sha256_init(&st);
                crypto_hash_sha256_update(&st, digest, sizeof digest);
                crypto_hash_sha256_update(&st, cc, sizeof cc);
                crypto_hash_sha256_final(&st, digest);
        }
        memcpy(ret, digest, PCR_DIGEST_SIZE);
        return 0;
}

PcrMask pcr_mask_differing(PcrMask mask, const uint8_t expected[][PCR_DIGEST_SIZE],
                           const uint8_t current[][PCR_DIGEST_SIZE])
{
        PcrMask differ = 0;
        unsigned k = 0;

        for (unsigned i = 0; i < PCR_COUNT; i++) {
                if (!(mask & (1U << i)))
                        continue;
                if (memcmp(expected[k], current[k], PCR_DIGEST_SIZE) != 0)
                        differ |= 1U << i;
                k++;
        }
        return differ;
}
