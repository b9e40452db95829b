/* The measurement behind TLS_CIPHER_LIST (lib/net/tls.h): seal 16 KiB
 * records (the TLS record size) with each TLS 1.3 AEAD in Debian's wolfCrypt,
 * which is built without AES-NI, and print MB/s per suite and the ratio of
 * ChaCha20-Poly1305 to each AES-GCM. */
#include <stdio.h>
#include <string.h>

#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>

#include "lib/time-util.h"

#define RECORD 16384
#define RUN_USEC (USEC_PER_SEC / 2)

static uint8_t in[RECORD], out[RECORD], tag[16], key[32], iv[12], aad[13];

static double run_gcm(int key_size)
{
        Aes aes;
        usec_t t0 = now_monotonic_usec(), t;
        uint64_t n = 0;

        wc_AesInit(&aes, NULL, INVALID_DEVID);
        wc_AesGcmSetKey(&aes, key, key_size);
        do {
                for (int i = 0; i < 16; i++, n++)
                        wc_AesGcmEncrypt(&aes, out, in, RECORD, iv, sizeof(iv), tag, sizeof(tag), aad,
                                         sizeof(aad));
                t = now_monotonic_usec() - t0;
        } while (t < RUN_USEC);
        wc_AesFree(&aes);
        return (double)n * RECORD / ((double)t / USEC_PER_SEC) / 1e6;
}

static double run_chacha(void)
{
        usec_t t0 = now_monotonic_usec(), t;
        uint64_t n = 0;

        do {
                for (int i = 0; i < 16; i++, n++)
                        wc_ChaCha20Poly1305_Encrypt(key, iv, aad, sizeof(aad), in, RECORD, out, tag);
                t = now_monotonic_usec() - t0;
        } while (t < RUN_USEC);
        return (double)n * RECORD / ((double)t / USEC_PER_SEC) / 1e6;
}

int main(void)
{
        double chacha, aes128, aes256;

        memset(in, 0xa5, sizeof(in));
        memset(key, 0x11, sizeof(key));
        chacha = run_chacha();
        aes128 = run_gcm(16);
        aes256 = run_gcm(32);
        printf("{\"bench\":\"tls.aead.chacha20-poly1305\",\"value\":%.1f,\"unit\":\"MB/s\"}\n", chacha);
        printf("{\"bench\":\"tls.aead.aes-128-gcm\",\"value\":%.1f,\"unit\":\"MB/"
               "s\",\"peer\":\"chacha20-poly1305\","
               "\"peer_value\":%.1f,\"ratio\":%.2f}\n",
               aes128, chacha, aes128 / chacha);
        printf("{\"bench\":\"tls.aead.aes-256-gcm\",\"value\":%.1f,\"unit\":\"MB/"
               "s\",\"peer\":\"chacha20-poly1305\","
               "\"peer_value\":%.1f,\"ratio\":%.2f}\n",
               aes256, chacha, aes256 / chacha);
        return 0;
}
