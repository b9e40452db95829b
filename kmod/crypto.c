// SPDX-License-Identifier: GPL-2.0
/*
 * The sector cipher. Each key owns its skcipher transform and a mempool of
 * requests sized for that transform, so the I/O path never allocates from
 * the page allocator without a reserve behind it.
 */
#include <crypto/skcipher.h>
#include <linux/mempool.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <carrel_blk.h>

#include "crypto.h"

#define CARREL_BLK_CIPHER "xts(aes)"
/* Requests in reserve: one per bio being converted concurrently. */
#define CARREL_BLK_REQ_POOL 16

struct carrel_blk_key {
	struct crypto_skcipher *tfm;
	mempool_t *req_pool;
};

int carrel_blk_crypto_init(void)
{
	return crypto_has_skcipher(CARREL_BLK_CIPHER, 0, 0) ? 0 : -ENOENT;
}

struct carrel_blk_key *carrel_blk_key_new(const u8 *raw)
{
	struct carrel_blk_key *key;
	int ret;

	key = kzalloc(sizeof(*key), GFP_KERNEL);
	if (!key)
		return ERR_PTR(-ENOMEM);

	key->tfm = crypto_alloc_skcipher(CARREL_BLK_CIPHER, 0, 0);
	if (IS_ERR(key->tfm)) {
		ret = PTR_ERR(key->tfm);
		key->tfm = NULL;
		goto err;
	}
	/* XTS also refuses a key whose halves are equal in FIPS mode. */
	ret = crypto_skcipher_setkey(key->tfm, raw, CARREL_BLK_KEY_SIZE);
	if (ret)
		goto err;

	key->req_pool = mempool_create_kmalloc_pool(CARREL_BLK_REQ_POOL,
						    sizeof(struct skcipher_request) +
							    crypto_skcipher_reqsize(key->tfm));
	if (!key->req_pool) {
		ret = -ENOMEM;
		goto err;
	}
	return key;

err:
	carrel_blk_key_free(key);
	return ERR_PTR(ret);
}

void carrel_blk_key_free(struct carrel_blk_key *key)
{
	if (!key)
		return;
	mempool_destroy(key->req_pool);
	/* crypto_free_skcipher() frees the transform with kfree_sensitive(),
	 * which wipes the expanded key schedule in its context. */
	crypto_free_skcipher(key->tfm);
	kfree_sensitive(key);
}

struct skcipher_request *carrel_blk_req_alloc(struct carrel_blk_key *key, gfp_t gfp)
{
	struct skcipher_request *req = mempool_alloc(key->req_pool, gfp);

	if (req)
		skcipher_request_set_tfm(req, key->tfm);
	return req;
}

void carrel_blk_req_free(struct carrel_blk_key *key, struct skcipher_request *req)
{
	/* Requests hold the IV pointer and per-request state, never the key;
	 * wipe anyway so no cipher state outlives its bio. */
	memzero_explicit(req, sizeof(*req) + crypto_skcipher_reqsize(key->tfm));
	mempool_free(req, key->req_pool);
}

int carrel_blk_crypt_sector(struct carrel_blk_key *key, struct skcipher_request *req,
			    struct page *src, unsigned int src_off, struct page *dst,
			    unsigned int dst_off, sector_t sector, bool encrypt)
{
	struct scatterlist sg_in, sg_out;
	DECLARE_CRYPTO_WAIT(wait);
	__le64 iv[2];

	/* plain64: the sector number, little endian, zero-padded to 16 bytes. */
	iv[0] = cpu_to_le64((u64)sector);
	iv[1] = 0;

	sg_init_table(&sg_in, 1);
	sg_set_page(&sg_in, src, CARREL_BLK_SECTOR_SIZE, src_off);
	sg_init_table(&sg_out, 1);
	sg_set_page(&sg_out, dst, CARREL_BLK_SECTOR_SIZE, dst_off);

	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg_in, &sg_out, CARREL_BLK_SECTOR_SIZE, iv);
	return crypto_wait_req(
		encrypt ? crypto_skcipher_encrypt(req) : crypto_skcipher_decrypt(req), &wait);
}
