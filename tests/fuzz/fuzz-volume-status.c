/* libFuzzer target: parsing a carrel_blk GET_STATUS reply (a generic
 * netlink message from the kernel) in appliance/volume. Any input must be
 * accepted with sane fields or refused with -EBADMSG; never a crash or an
 * overread. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/volume/volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        VolumeStatus s;
        /* A private, exactly sized, aligned copy so ASan sees overreads. */
        void *copy = malloc(size ? size : 1);
        int r;

        if (!copy)
                return 0;
        memcpy(copy, data, size);
        r = volume_status_parse(copy, size, &s);
        if (r != 0 && r != -EBADMSG)
                abort();
        if (r == 0 && strnlen(s.disk_name, sizeof s.disk_name) == sizeof s.disk_name)
                abort();
        free(copy);
        return 0;
}
