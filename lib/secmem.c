/* See secmem.h. */
#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "lib/secmem.h"

int secmem_init(void)
{
        /* sodium_init() returns 1 when already initialised. */
        return sodium_init() < 0 ? -EIO : 0;
}

int secmem_harden_process(void)
{
        struct rlimit rl = { 0, 0 };

        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return negative_errno();
        if (setrlimit(RLIMIT_CORE, &rl) < 0)
                return negative_errno();
        return 0;
}

void *secmem_alloc(size_t n)
{
        void *p;

        if (secmem_init() < 0) {
                errno = EIO;
                return NULL;
        }
        p = sodium_malloc(n);
        if (!p)
                return NULL;
        sodium_memzero(p, n);
        return p;
}

void *secmem_free(void *p)
{
        /* sodium_free() wipes the whole allocation before unmapping it. */
        if (p)
                sodium_free(p);
        return NULL;
}

void secmem_wipe(void *p, size_t n)
{
        if (p && n)
                sodium_memzero(p, n);
}

int secmem_compare(const void *a, const void *b, size_t n)
{
        return sodium_memcmp(a, b, n) == 0 ? 0 : 1;
}

int secret_new(size_t size, Secret **ret)
{
        Secret *s;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->bytes = secmem_alloc(size);
        if (!s->bytes) {
                free(s);
                return -ENOMEM;
        }
        s->size = size;
        *ret = s;
        return 0;
}

Secret *secret_free(Secret *s)
{
        if (!s)
                return NULL;
        secmem_free(s->bytes);
        free(s);
        return NULL;
}
