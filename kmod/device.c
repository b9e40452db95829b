// SPDX-License-Identifier: GPL-2.0
/*
 * carrel_blk devices and their I/O path.
 *
 * The device is bio-based and stacks on the backing device like dm-crypt:
 *  - writes are encrypted in the submitter's context into pages taken from
 *    a per-device mempool, then a clone bio carries the ciphertext down;
 *  - reads go down as a clone sharing the caller's pages; on completion a
 *    work item decrypts them in place (completion runs in interrupt context,
 *    where the cipher may not sleep);
 *  - flushes and discards go down as clones unchanged, so PREFLUSH/FUA
 *    flags and discard ranges reach the backing device as issued.
 * Every clone comes from the device's bio_set and every cipher request from
 * the key's mempool, so the path makes progress under memory pressure. An
 * in-flight counter lets detach wait for the last clone before freeing.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "crypto.h"
#include "device.h"

#define CARREL_BLK_FMODE (FMODE_READ | FMODE_WRITE | FMODE_EXCL)
/* Largest bio we convert at once: one full clone of BIO_MAX_VECS pages. */
#define CARREL_BLK_MAX_SECTORS (BIO_MAX_VECS << (PAGE_SHIFT - SECTOR_SHIFT))
/* Large bios are converted in up to one slice per CPU, each at least
 * CARREL_BLK_CHUNK_MIN bytes: fewer hand-offs than fixed small slices. */
#define CARREL_BLK_CHUNK_MIN (64 * 1024)
#define CARREL_BLK_MAX_CHUNKS 8

struct carrel_blk_device {
	u32 index;
	struct gendisk *disk;
	struct block_device *backing;
	bool dying; /* under disk->open_mutex: no new opens */

	struct rw_semaphore key_lock; /* readers: crypto in progress */
	struct carrel_blk_key *key; /* NULL while unkeyed */

	struct bio_set bs;
	mempool_t *page_pool;
	struct mutex page_alloc_lock; /* serialises the blocking page refill */
	struct workqueue_struct *wq;

	atomic_t inflight;
	wait_queue_head_t inflight_wait;

	atomic64_t stats[__CARREL_BLK_STAT_MAX];
};

struct carrel_blk_io;

/* One slice of a bio's data, converted by one work item (or inline). */
struct carrel_blk_chunk {
	struct work_struct work;
	struct carrel_blk_io *io;
	unsigned int offset, len; /* bytes into the bio's data */
};

/* Per-clone state, in front of the clone in the bio_set's front pad. */
struct carrel_blk_io {
	struct carrel_blk_device *dev;
	struct bio *orig;
	struct bvec_iter iter; /* the original's data as submitted */
	bool encrypt;
	atomic_t pending; /* chunks not yet converted */
	blk_status_t status;
	struct carrel_blk_chunk chunks[CARREL_BLK_MAX_CHUNKS];
	struct bio clone; /* must be last: inline bvecs follow */
};

static DEFINE_MUTEX(carrel_blk_lock); /* the idr, attach and detach */
static DEFINE_IDR(carrel_blk_idr);
static int carrel_blk_major;

static void carrel_blk_stat_add(struct carrel_blk_device *dev, enum carrel_blk_stat s, u64 v)
{
	atomic64_add(v, &dev->stats[s]);
}

static void carrel_blk_fail(struct carrel_blk_device *dev, struct bio *bio, blk_status_t status)
{
	carrel_blk_stat_add(dev, CARREL_BLK_STAT_ERRORS, 1);
	bio->bi_status = status;
	bio_endio(bio);
}

static void carrel_blk_io_done(struct carrel_blk_io *io, blk_status_t status)
{
	struct carrel_blk_device *dev = io->dev;
	struct bio *orig = io->orig;

	if (status) {
		carrel_blk_stat_add(dev, CARREL_BLK_STAT_ERRORS, 1);
	} else {
		switch (bio_op(orig)) {
		case REQ_OP_READ:
			carrel_blk_stat_add(dev, CARREL_BLK_STAT_READS, 1);
			carrel_blk_stat_add(dev, CARREL_BLK_STAT_READ_BYTES, io->iter.bi_size);
			break;
		case REQ_OP_WRITE:
			if (io->iter.bi_size) {
				carrel_blk_stat_add(dev, CARREL_BLK_STAT_WRITES, 1);
				carrel_blk_stat_add(dev, CARREL_BLK_STAT_WRITE_BYTES,
						    io->iter.bi_size);
			} else {
				carrel_blk_stat_add(dev, CARREL_BLK_STAT_FLUSHES, 1);
			}
			break;
		case REQ_OP_DISCARD:
			carrel_blk_stat_add(dev, CARREL_BLK_STAT_DISCARDS, 1);
			break;
		default:
			break;
		}
	}
	orig->bi_status = status;
	/* The clone goes back to the bio_set before the count drops, so
	 * detach never destroys the bio_set under a live clone. */
	bio_put(&io->clone);
	bio_endio(orig);
	if (atomic_dec_and_test(&dev->inflight))
		wake_up(&dev->inflight_wait);
}

/* Walk orig (through iter) and dst (through its own iterator) one sector
 * at a time. Segments are 512-byte aligned: the queue's dma_alignment is
 * 511, so a sector never straddles a page. */
static blk_status_t carrel_blk_convert(struct carrel_blk_device *dev, struct bio *orig,
				       struct bvec_iter iter, struct bio *dst,
				       struct bvec_iter dst_iter, bool encrypt)
{
	struct skcipher_request *req;
	sector_t sector = iter.bi_sector;
	blk_status_t status = BLK_STS_OK;

	down_read(&dev->key_lock);
	if (!dev->key) {
		up_read(&dev->key_lock);
		return BLK_STS_IOERR;
	}
	req = carrel_blk_req_alloc(dev->key, GFP_NOIO);
	while (iter.bi_size) {
		struct bio_vec s = bio_iter_iovec(orig, iter);
		struct bio_vec d = bio_iter_iovec(dst, dst_iter);

		if (((s.bv_offset | s.bv_len | d.bv_offset | d.bv_len) &
		     (CARREL_BLK_SECTOR_SIZE - 1)) ||
		    !s.bv_len || !d.bv_len) {
			status = BLK_STS_IOERR;
			break;
		}
		if (carrel_blk_crypt_sector(dev->key, req, s.bv_page, s.bv_offset, d.bv_page,
					    d.bv_offset, sector, encrypt)) {
			status = BLK_STS_IOERR;
			break;
		}
		bio_advance_iter_single(orig, &iter, CARREL_BLK_SECTOR_SIZE);
		bio_advance_iter_single(dst, &dst_iter, CARREL_BLK_SECTOR_SIZE);
		sector++;
	}
	carrel_blk_req_free(dev->key, req);
	up_read(&dev->key_lock);
	return status;
}

static struct carrel_blk_io *carrel_blk_io_of(struct bio *clone)
{
	return container_of(clone, struct carrel_blk_io, clone);
}

static void carrel_blk_clone_end_io(struct bio *clone)
{
	carrel_blk_io_done(carrel_blk_io_of(clone), clone->bi_status);
}

/* Flush and discard: the same bio, aimed at the backing device. */
static void carrel_blk_passthrough(struct carrel_blk_device *dev, struct bio *bio)
{
	struct bio *clone = bio_alloc_clone(dev->backing, bio, GFP_NOIO, &dev->bs);
	struct carrel_blk_io *io = carrel_blk_io_of(clone);

	io->dev = dev;
	io->orig = bio;
	io->iter = bio->bi_iter;
	clone->bi_end_io = carrel_blk_clone_end_io;
	atomic_inc(&dev->inflight);
	submit_bio_noacct(clone);
}

static void carrel_blk_free_pages(struct carrel_blk_device *dev, struct bio *clone);

/* Every chunk is converted: reads complete, writes go down. */
static void carrel_blk_convert_done(struct carrel_blk_io *io)
{
	blk_status_t status = READ_ONCE(io->status);

	if (!io->encrypt) {
		carrel_blk_io_done(io, status);
	} else if (status) {
		carrel_blk_free_pages(io->dev, &io->clone);
		carrel_blk_io_done(io, status);
	} else {
		submit_bio_noacct(&io->clone);
	}
}

static void carrel_blk_chunk_run(struct carrel_blk_chunk *c)
{
	struct carrel_blk_io *io = c->io;
	struct bvec_iter src = io->iter, dst;
	struct bio *dst_bio;
	blk_status_t status;

	bio_advance_iter(io->orig, &src, c->offset);
	src.bi_size = c->len;
	if (io->encrypt) {
		dst_bio = &io->clone;
		dst = io->clone.bi_iter;
		bio_advance_iter(dst_bio, &dst, c->offset);
		dst.bi_size = c->len;
	} else {
		dst_bio = io->orig; /* decrypt in place */
		dst = src;
	}
	status = carrel_blk_convert(io->dev, io->orig, src, dst_bio, dst, io->encrypt);
	if (status)
		WRITE_ONCE(io->status, status);
	/* The last chunk finishes the bio; io may be gone after this. */
	if (atomic_dec_and_test(&io->pending))
		carrel_blk_convert_done(io);
}

static void carrel_blk_chunk_work(struct work_struct *work)
{
	carrel_blk_chunk_run(container_of(work, struct carrel_blk_chunk, work));
}

/*
 * Convert io's data in slices spread over the workqueue, one per CPU at
 * most, so one large bio keeps every CPU busy. With inline_first the
 * caller converts the first slice itself (writes: no hand-off for small
 * bios). Completion or submission follows the last slice.
 */
static void carrel_blk_convert_start(struct carrel_blk_io *io, bool encrypt, bool inline_first,
				     unsigned int max_slices)
{
	unsigned int size = io->iter.bi_size, n, per, i;

	io->encrypt = encrypt;
	io->status = BLK_STS_OK;
	if (!size) {
		io->status = BLK_STS_IOERR;
		carrel_blk_convert_done(io);
		return;
	}
	n = min3(max_slices, num_online_cpus(), DIV_ROUND_UP(size, CARREL_BLK_CHUNK_MIN));
	per = round_up(DIV_ROUND_UP(size, max(n, 1U)), CARREL_BLK_SECTOR_SIZE);
	n = DIV_ROUND_UP(size, per);
	atomic_set(&io->pending, n);
	for (i = 0; i < n; i++) {
		struct carrel_blk_chunk *c = &io->chunks[i];

		c->io = io;
		c->offset = i * per;
		c->len = min(per, size - c->offset);
	}
	for (i = inline_first ? 1 : 0; i < n; i++) {
		INIT_WORK(&io->chunks[i].work, carrel_blk_chunk_work);
		queue_work(io->dev->wq, &io->chunks[i].work);
	}
	if (inline_first)
		carrel_blk_chunk_run(&io->chunks[0]);
}

/* True where a bio completion may sleep: a task, preemption on, and not
 * inside an RCU read-side section (blk-mq dispatch holds one around
 * ->queue_rq, and a driver may complete inline there). */
static bool carrel_blk_may_sleep(void)
{
	return in_task() && preemptible() && !rcu_preempt_depth();
}

static void carrel_blk_read_end_io(struct bio *clone)
{
	struct carrel_blk_io *io = carrel_blk_io_of(clone);

	if (clone->bi_status) {
		carrel_blk_io_done(io, clone->bi_status);
		return;
	}
	/* Completion usually runs in interrupt context, where the cipher
	 * must not sleep: decrypt from the workqueue, in parallel slices.
	 * Drivers that complete in a preemptible task context (brd, loop,
	 * zram) get the whole bio decrypted inline, as dm-crypt does with
	 * no_read_workqueue: no hand-off, no wake-up. */
	if (carrel_blk_may_sleep())
		carrel_blk_convert_start(io, false, true, 1);
	else
		carrel_blk_convert_start(io, false, false, CARREL_BLK_MAX_CHUNKS);
}

static void carrel_blk_read(struct carrel_blk_device *dev, struct bio *bio)
{
	struct bio *clone = bio_alloc_clone(dev->backing, bio, GFP_NOIO, &dev->bs);
	struct carrel_blk_io *io = carrel_blk_io_of(clone);

	io->dev = dev;
	io->orig = bio;
	io->iter = bio->bi_iter;
	clone->bi_end_io = carrel_blk_read_end_io;
	atomic_inc(&dev->inflight);
	submit_bio_noacct(clone);
}

static void carrel_blk_free_pages(struct carrel_blk_device *dev, struct bio *clone)
{
	struct bvec_iter_all iter_all;
	struct bio_vec *bv;

	bio_for_each_segment_all(bv, clone, iter_all)
		mempool_free(bv->bv_page, dev->page_pool);
	clone->bi_vcnt = 0;
	clone->bi_iter.bi_size = 0;
}

/*
 * Fill the clone with fresh pages for size bytes. A first pass never
 * blocks; if the pool runs dry, everything is returned and one allocator at
 * a time waits for pages (as dm-crypt does), so that concurrent bios each
 * holding part of the pool cannot deadlock each other.
 */
static void carrel_blk_alloc_pages(struct carrel_blk_device *dev, struct bio *clone,
				   unsigned int size)
{
	gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	unsigned int remaining;
	bool locked = false;

retry:
	if (gfp & __GFP_DIRECT_RECLAIM) {
		mutex_lock(&dev->page_alloc_lock);
		locked = true;
	}
	for (remaining = size; remaining;) {
		unsigned int len = min_t(unsigned int, remaining, PAGE_SIZE);
		struct page *page = mempool_alloc(dev->page_pool, gfp);

		if (!page) {
			carrel_blk_free_pages(dev, clone);
			gfp = GFP_NOIO;
			goto retry;
		}
		__bio_add_page(clone, page, len, 0);
		remaining -= len;
	}
	if (locked)
		mutex_unlock(&dev->page_alloc_lock);
}

static void carrel_blk_write_end_io(struct bio *clone)
{
	struct carrel_blk_io *io = carrel_blk_io_of(clone);

	carrel_blk_free_pages(io->dev, clone);
	carrel_blk_io_done(io, clone->bi_status);
}

static void carrel_blk_write(struct carrel_blk_device *dev, struct bio *bio)
{
	unsigned int nr_pages = DIV_ROUND_UP(bio->bi_iter.bi_size, PAGE_SIZE);
	struct carrel_blk_io *io;
	struct bio *clone;

	/* The clone keeps every flag of the original: PREFLUSH, FUA, SYNC. */
	clone = bio_alloc_bioset(dev->backing, nr_pages, bio->bi_opf, GFP_NOIO, &dev->bs);
	io = carrel_blk_io_of(clone);
	io->dev = dev;
	io->orig = bio;
	io->iter = bio->bi_iter;
	clone->bi_iter.bi_sector = bio->bi_iter.bi_sector;
	clone->bi_ioprio = bio->bi_ioprio;
	bio_clone_blkg_association(clone, bio);
	clone->bi_end_io = carrel_blk_write_end_io;
	atomic_inc(&dev->inflight);

	carrel_blk_alloc_pages(dev, clone, bio->bi_iter.bi_size);
	carrel_blk_convert_start(io, true, true, CARREL_BLK_MAX_CHUNKS);
}

static bool carrel_blk_keyed(struct carrel_blk_device *dev)
{
	bool keyed;

	down_read(&dev->key_lock);
	keyed = dev->key;
	up_read(&dev->key_lock);
	return keyed;
}

static void carrel_blk_submit_bio(struct bio *bio)
{
	struct carrel_blk_device *dev = bio->bi_bdev->bd_disk->private_data;

	bio = bio_split_to_limits(bio);
	if (!bio)
		return;

	/* Without a key every request fails, flushes and discards included:
	 * a locked volume is neither readable nor writable nor erasable. */
	if (!carrel_blk_keyed(dev)) {
		carrel_blk_fail(dev, bio, BLK_STS_IOERR);
		return;
	}

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		carrel_blk_read(dev, bio);
		break;
	case REQ_OP_WRITE:
		if (bio->bi_iter.bi_size)
			carrel_blk_write(dev, bio);
		else
			carrel_blk_passthrough(dev, bio); /* empty PREFLUSH */
		break;
	case REQ_OP_DISCARD:
		carrel_blk_passthrough(dev, bio);
		break;
	default:
		/* Write-zeroes cannot pass: zeroes are not the ciphertext of zeroes. */
		carrel_blk_fail(dev, bio, BLK_STS_NOTSUPP);
		break;
	}
}

static int carrel_blk_open(struct block_device *bdev, fmode_t mode)
{
	struct carrel_blk_device *dev = bdev->bd_disk->private_data;

	/* Called under disk->open_mutex, as is detach's check. */
	return dev->dying ? -ENXIO : 0;
}

static const struct block_device_operations carrel_blk_fops = {
	.owner = THIS_MODULE,
	.submit_bio = carrel_blk_submit_bio,
	.open = carrel_blk_open,
};

static void carrel_blk_set_limits(struct carrel_blk_device *dev)
{
	struct request_queue *q = dev->disk->queue;
	struct block_device *b = dev->backing;

	blk_queue_logical_block_size(q,
				     max_t(unsigned int, SECTOR_SIZE, bdev_logical_block_size(b)));
	blk_queue_physical_block_size(q, bdev_physical_block_size(b));
	blk_queue_io_min(q, bdev_io_min(b));
	blk_queue_io_opt(q, bdev_io_opt(b));
	blk_queue_dma_alignment(q, CARREL_BLK_SECTOR_SIZE - 1);
	blk_queue_max_hw_sectors(q, CARREL_BLK_MAX_SECTORS);
	blk_queue_max_segments(q, BIO_MAX_VECS);
	blk_queue_max_segment_size(q, UINT_MAX);
	blk_queue_max_write_zeroes_sectors(q, 0);
	blk_queue_max_discard_sectors(q, bdev_max_discard_sectors(b));
	if (bdev_max_discard_sectors(b))
		q->limits.discard_granularity = bdev_discard_granularity(b);
	/* Advertise a volatile cache with FUA so that flush and FUA reach us
	 * and go down; the backing queue drops them if it has no cache. */
	blk_queue_write_cache(q, true, true);
	if (bdev_nonrot(b))
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
}

/* Free everything but the idr slot. The disk is already deleted or was
 * never added; no clone is in flight. */
static void carrel_blk_device_free(struct carrel_blk_device *dev)
{
	if (dev->disk)
		put_disk(dev->disk);
	if (dev->wq)
		destroy_workqueue(dev->wq);
	mempool_destroy(dev->page_pool);
	bioset_exit(&dev->bs);
	if (dev->backing)
		blkdev_put(dev->backing, CARREL_BLK_FMODE);
	carrel_blk_key_free(dev->key);
	dev->key = NULL;
	kfree(dev);
}

int carrel_blk_device_attach(const char *path, dev_t devt, u32 *ret_index)
{
	struct carrel_blk_device *dev;
	int index, ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	init_rwsem(&dev->key_lock);
	mutex_init(&dev->page_alloc_lock);
	atomic_set(&dev->inflight, 0);
	init_waitqueue_head(&dev->inflight_wait);

	dev->backing = path ? blkdev_get_by_path(path, CARREL_BLK_FMODE, dev)
			    : blkdev_get_by_dev(devt, CARREL_BLK_FMODE, dev);
	if (IS_ERR(dev->backing)) {
		ret = PTR_ERR(dev->backing);
		dev->backing = NULL;
		goto err;
	}

	ret = bioset_init(&dev->bs, BIO_POOL_SIZE, offsetof(struct carrel_blk_io, clone),
			  BIOSET_NEED_BVECS);
	if (ret)
		goto err;
	ret = -ENOMEM;
	dev->page_pool = mempool_create_page_pool(BIO_MAX_VECS, 0);
	if (!dev->page_pool)
		goto err;

	mutex_lock(&carrel_blk_lock);
	index = idr_alloc(&carrel_blk_idr, NULL, 0, CARREL_BLK_MAX_DEVICES, GFP_KERNEL);
	mutex_unlock(&carrel_blk_lock);
	if (index < 0) {
		ret = index;
		goto err;
	}
	dev->index = index;

	dev->wq = alloc_workqueue("carrelblk%u", WQ_MEM_RECLAIM | WQ_UNBOUND | WQ_HIGHPRI,
				  num_online_cpus(), dev->index);
	if (!dev->wq)
		goto err_idr;

	dev->disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!dev->disk)
		goto err_idr;
	dev->disk->major = carrel_blk_major;
	dev->disk->first_minor = dev->index;
	dev->disk->minors = 1;
	dev->disk->flags |= GENHD_FL_NO_PART;
	dev->disk->fops = &carrel_blk_fops;
	dev->disk->private_data = dev;
	snprintf(dev->disk->disk_name, DISK_NAME_LEN, "carrelblk%u", dev->index);
	set_capacity(dev->disk, bdev_nr_sectors(dev->backing));
	carrel_blk_set_limits(dev);

	ret = add_disk(dev->disk);
	if (ret)
		goto err_idr;

	mutex_lock(&carrel_blk_lock);
	idr_replace(&carrel_blk_idr, dev, dev->index);
	mutex_unlock(&carrel_blk_lock);
	*ret_index = dev->index;
	return 0;

err_idr:
	mutex_lock(&carrel_blk_lock);
	idr_remove(&carrel_blk_idr, dev->index);
	mutex_unlock(&carrel_blk_lock);
err:
	carrel_blk_device_free(dev);
	return ret;
}

/* Delete the disk, wait for the last clone and free. The caller has taken
 * dev out of the idr and made sure it is not open. */
static void carrel_blk_device_destroy(struct carrel_blk_device *dev)
{
	/* No submit_bio runs after del_gendisk(); clones may still be in
	 * flight below us. */
	del_gendisk(dev->disk);
	wait_event(dev->inflight_wait, !atomic_read(&dev->inflight));
	flush_workqueue(dev->wq);
	down_write(&dev->key_lock);
	carrel_blk_key_free(dev->key);
	dev->key = NULL;
	up_write(&dev->key_lock);
	carrel_blk_device_free(dev);
}

/* Mark dev dying unless it is open. Serialised with carrel_blk_open(). */
static int carrel_blk_device_claim_for_removal(struct carrel_blk_device *dev)
{
	int ret = 0;

	mutex_lock(&dev->disk->open_mutex);
	if (disk_openers(dev->disk))
		ret = -EBUSY;
	else
		dev->dying = true;
	mutex_unlock(&dev->disk->open_mutex);
	return ret;
}

int carrel_blk_device_detach(u32 index)
{
	struct carrel_blk_device *dev;
	int ret;

	mutex_lock(&carrel_blk_lock);
	dev = idr_find(&carrel_blk_idr, index);
	if (!dev) {
		mutex_unlock(&carrel_blk_lock);
		return -ENODEV;
	}
	ret = carrel_blk_device_claim_for_removal(dev);
	if (ret) {
		mutex_unlock(&carrel_blk_lock);
		return ret;
	}
	idr_remove(&carrel_blk_idr, index);
	mutex_unlock(&carrel_blk_lock);

	carrel_blk_device_destroy(dev);
	return 0;
}

int carrel_blk_device_set_key(u32 index, const u8 *raw)
{
	struct carrel_blk_device *dev;
	struct carrel_blk_key *key, *old;

	/* Expand the key before taking any lock: it sleeps. */
	key = carrel_blk_key_new(raw);
	if (IS_ERR(key))
		return PTR_ERR(key);

	mutex_lock(&carrel_blk_lock);
	dev = idr_find(&carrel_blk_idr, index);
	if (!dev) {
		mutex_unlock(&carrel_blk_lock);
		carrel_blk_key_free(key);
		return -ENODEV;
	}
	if (dev->key)
		(void)sync_blockdev(dev->disk->part0);
	down_write(&dev->key_lock);
	old = dev->key;
	dev->key = key;
	up_write(&dev->key_lock);
	/* Pages cached under another key (or failed reads) are stale. */
	invalidate_bdev(dev->disk->part0);
	mutex_unlock(&carrel_blk_lock);

	carrel_blk_key_free(old);
	return 0;
}

int carrel_blk_device_clear_key(u32 index)
{
	struct carrel_blk_device *dev;
	struct carrel_blk_key *old;

	mutex_lock(&carrel_blk_lock);
	dev = idr_find(&carrel_blk_idr, index);
	if (!dev) {
		mutex_unlock(&carrel_blk_lock);
		return -ENODEV;
	}
	/* Buffered writes already acknowledged go down under the old key
	 * first; a lock must not lose them. */
	(void)sync_blockdev(dev->disk->part0);
	/* down_write waits for every reader, i.e. every sector conversion
	 * in progress; after it no I/O can use the old key. */
	down_write(&dev->key_lock);
	old = dev->key;
	dev->key = NULL;
	up_write(&dev->key_lock);
	/* Drop cached plaintext: a locked volume must not be readable from
	 * the page cache either. */
	invalidate_bdev(dev->disk->part0);
	mutex_unlock(&carrel_blk_lock);

	carrel_blk_key_free(old);
	return 0;
}

int carrel_blk_device_status_next(u32 *pos, struct carrel_blk_status *ret)
{
	struct carrel_blk_device *dev;
	int id = *pos, i;

	mutex_lock(&carrel_blk_lock);
	/* Skips slots reserved (as NULL) by an attach in progress. */
	dev = idr_get_next(&carrel_blk_idr, &id);
	if (!dev) {
		mutex_unlock(&carrel_blk_lock);
		return -ENOENT;
	}
	memset(ret, 0, sizeof(*ret));
	ret->index = dev->index;
	strscpy(ret->disk_name, dev->disk->disk_name, sizeof(ret->disk_name));
	ret->backing_major = MAJOR(dev->backing->bd_dev);
	ret->backing_minor = MINOR(dev->backing->bd_dev);
	ret->sectors = get_capacity(dev->disk);
	ret->keyed = carrel_blk_keyed(dev);
	for (i = 0; i < __CARREL_BLK_STAT_MAX; i++)
		ret->stats[i] = atomic64_read(&dev->stats[i]);
	mutex_unlock(&carrel_blk_lock);
	*pos = ret->index + 1;
	return 0;
}

int carrel_blk_device_init(void)
{
	carrel_blk_major = register_blkdev(0, "carrel_blk");
	return carrel_blk_major < 0 ? carrel_blk_major : 0;
}

void carrel_blk_device_uninit(void)
{
	struct carrel_blk_device *dev;
	int id;

	/* Netlink is gone by now, so nothing attaches concurrently; an open
	 * device holds a module reference, so none is open. */
	mutex_lock(&carrel_blk_lock);
	idr_for_each_entry(&carrel_blk_idr, dev, id) {
		idr_remove(&carrel_blk_idr, id);
		dev->dying = true;
		carrel_blk_device_destroy(dev);
	}
	mutex_unlock(&carrel_blk_lock);
	idr_destroy(&carrel_blk_idr);
	unregister_blkdev(carrel_blk_major, "carrel_blk");
}
