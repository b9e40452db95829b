/* See volume-key.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/secmem.h"
#include "appliance/volume/volume-key.h"

/* One more than the longest accepted form, to tell "too long" apart. */
#define KEY_INPUT_MAX (2 * VOLUME_KEY_SIZE + 2)

static int unhex(uint8_t c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int volume_key_parse(const uint8_t *buf, size_t n, uint8_t key[VOLUME_KEY_SIZE])
{
        uint8_t tmp[VOLUME_KEY_SIZE];

        assert_return(buf || n == 0, -EINVAL);
        assert_return(key, -EINVAL);
        if (n == VOLUME_KEY_SIZE) {
                memcpy(key, buf, VOLUME_KEY_SIZE);
                return 0;
        }
        if (n == 2 * VOLUME_KEY_SIZE + 1 && buf[n - 1] == '\n')
                n--;
        if (n != 2 * VOLUME_KEY_SIZE)
                return -EINVAL;
        for (size_t i = 0; i < VOLUME_KEY_SIZE; i++) {
                int hi = unhex(buf[2 * i]), lo = unhex(buf[2 * i + 1]);
                if (hi < 0 || lo < 0) {
                        secmem_wipe(tmp, sizeof tmp);
                        return -EINVAL;
                }
                tmp[i] = (uint8_t)(hi << 4 | lo);
        }
        memcpy(key, tmp, VOLUME_KEY_SIZE);
        secmem_wipe(tmp, sizeof tmp);
        return 0;
}

int volume_key_read_fd(int fd, uint8_t key[VOLUME_KEY_SIZE])
{
        _cleanup_secmem_ uint8_t *buf = NULL;
        size_t n;
        ssize_t k;

        assert_return(fd >= 0 && key, -EINVAL);
        if (secmem_init() < 0)
                return -EIO;
        buf = secmem_alloc(KEY_INPUT_MAX);
        if (!buf)
                return -ENOMEM;
        k = read_full(fd, buf, KEY_INPUT_MAX);
        if (k < 0)
                return (int)k;
        n = (size_t)k;
        return volume_key_parse(buf, n, key);
}
