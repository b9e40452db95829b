/* Memory for secrets: keys, unsealed blobs, PINs, recovery keys.
 *
 * Allocations come from libsodium's guarded allocator: locked into RAM (never
 * swapped), surrounded by guard pages, wiped when freed. A process that holds
 * any secret calls secmem_harden_process() first, so that it can never dump
 * core or be ptrace-attached by another user's process. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/macro.h"

/* Initialise libsodium; safe to call more than once. Returns 0 or -EIO. */
int secmem_init(void);

/* Make this process undumpable (PR_SET_DUMPABLE 0) and set RLIMIT_CORE to 0.
 * Returns 0 or -errno. */
int secmem_harden_process(void);

/* Allocate n bytes of locked, guarded, zeroed memory. Returns NULL with errno
 * set on failure (ENOMEM, or the mlock limit). n may be 0. */
void *secmem_alloc(size_t n);

/* Wipe and release memory from secmem_alloc(); NULL is fine. Returns NULL. */
void *secmem_free(void *p);

static inline void secmem_freep(void *p)
{
        secmem_free(*(void **)p);
}
#define _cleanup_secmem_ _cleanup_(secmem_freep)

/* Wipe n bytes in a way the compiler cannot elide. */
void secmem_wipe(void *p, size_t n);

/* Constant-time comparison of two equally long buffers: 0 if equal. */
int secmem_compare(const void *a, const void *b, size_t n);

/* A length-carrying secret buffer, for keys passed between modules. */
typedef struct Secret {
        size_t size;
        uint8_t *bytes; /* secmem_alloc()ed */
} Secret;

/* Allocate a zeroed secret of size bytes into *ret. Returns 0 or -ENOMEM. */
int secret_new(size_t size, Secret **ret);
/* Wipe and free; NULL is fine. Returns NULL. */
Secret *secret_free(Secret *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Secret *, secret_free);
