/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sector cipher: XTS-AES-256 through the kernel crypto API, one
 * 512-byte sector per request, tweak = plain64(sector). The on-disk format
 * is dm-crypt's aes-xts-plain64 with a 512-bit key.
 */
#ifndef _CARREL_BLK_CRYPTO_H
#define _CARREL_BLK_CRYPTO_H

#include <linux/types.h>

struct page;
struct skcipher_request;
struct carrel_blk_key;

/* Check once at load that the kernel offers "xts(aes)". 0 or -errno. */
int carrel_blk_crypto_init(void);

/*
 * Build a cipher context from a CARREL_BLK_KEY_SIZE-byte raw key. The raw
 * bytes are not kept: the crypto API holds the expanded key, and freeing
 * the context zeroises it. Sleeps (GFP_KERNEL). Returns a key or ERR_PTR.
 */
struct carrel_blk_key *carrel_blk_key_new(const u8 *raw);

/* Free and zeroise a context from carrel_blk_key_new(); NULL is fine. */
void carrel_blk_key_free(struct carrel_blk_key *key);

/*
 * Take a request for up to a whole bio's sectors from the key's mempool.
 * Never fails with GFP_NOIO (it waits for a request to come back).
 */
struct skcipher_request *carrel_blk_req_alloc(struct carrel_blk_key *key, gfp_t gfp);
void carrel_blk_req_free(struct carrel_blk_key *key, struct skcipher_request *req);

/*
 * En- or decrypt one CARREL_BLK_SECTOR_SIZE-byte sector from src to dst
 * (which may be the same), with the tweak derived from sector. Sleeps
 * while an asynchronous implementation works. 0 or -errno.
 */
int carrel_blk_crypt_sector(struct carrel_blk_key *key, struct skcipher_request *req,
			    struct page *src, unsigned int src_off, struct page *dst,
			    unsigned int dst_off, sector_t sector, bool encrypt);

#endif
