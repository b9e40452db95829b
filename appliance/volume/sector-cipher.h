/* A userspace reference implementation of the carrel_blk sector format:
 * XTS-AES-256 per 512-byte sector, tweak = sector number as a 64-bit
 * little-endian integer (dm-crypt aes-xts-plain64, 512-bit key). It uses
 * wolfSSL's AES-XTS, an implementation independent of the kernel's, so the
 * two cross-check each other; it also drives offline recovery. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appliance/volume/volume.h"

typedef struct SectorCipher SectorCipher;

/* Expand key (data key then tweak key) into locked memory. *ret is set on
 * success. -EINVAL for a key wolfSSL refuses, -ENOMEM. */
int sector_cipher_new(const uint8_t key[VOLUME_KEY_SIZE], SectorCipher **ret);
SectorCipher *sector_cipher_free(SectorCipher *c);
static inline void sector_cipher_freep(SectorCipher **c)
{
        sector_cipher_free(*c);
}

/* En- or decrypt size bytes (a multiple of 512) from in to out, the first
 * 512 bytes being sector first_sector. in and out may be equal. -EINVAL
 * for a size that is not a whole number of sectors, -EIO if wolfSSL fails. */
int sector_cipher_encrypt(SectorCipher *c, uint64_t first_sector, const uint8_t *in, uint8_t *out,
                          size_t size);
int sector_cipher_decrypt(SectorCipher *c, uint64_t first_sector, const uint8_t *in, uint8_t *out,
                          size_t size);

/* Decrypt (or encrypt) the image in in_fd from its current offset to EOF into
 * out_fd, sector first_sector first, then fsync out_fd. The input must be
 * a whole number of sectors (-EINVAL otherwise). Returns 0 or -errno. */
int sector_cipher_convert_fd(SectorCipher *c, bool encrypt, int in_fd, int out_fd, uint64_t first_sector);
