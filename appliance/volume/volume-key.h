/* Reading a volume key from an operator or another process: exactly 64 raw
 * bytes, or 128 hexadecimal digits with an optional trailing newline. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "appliance/volume/volume.h"

/* Parse buf (n bytes) into key. -EINVAL for any other length or a non-hex
 * digit; key is untouched (wiped) then. */
int volume_key_parse(const uint8_t *buf, size_t n, uint8_t key[VOLUME_KEY_SIZE]);

/* Read at most 130 bytes from fd until EOF into locked memory and parse
 * them. -EINVAL for a wrong length or format, -errno on read errors. */
int volume_key_read_fd(int fd, uint8_t key[VOLUME_KEY_SIZE]);
