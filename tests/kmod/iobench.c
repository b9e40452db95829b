/* iobench: O_DIRECT throughput of a block device for the kmod guest bench
 * (fio's Debian build would drag ~60 libraries into the initramfs).
 *
 *   iobench DEVICE seqread|seqwrite|randread|randwrite|dsyncwrite SECONDS [REGION_MB]
 * Sequential modes use 1 MiB requests, random modes 4 KiB requests at
 * offsets from a fixed-seed xorshift, all within the first REGION_MB
 * (default 64) of the device. Prints "MODE MB_PER_S IOPS". */
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
        if (argc < 4) {
                fprintf(stderr, "usage: iobench DEVICE MODE SECONDS [REGION_MB]\n");
                return 2;
        }
        const char *mode = argv[2];
        bool rnd = strncmp(mode, "rand", 4) == 0;
        bool wr = strstr(mode, "write") != NULL;
        double secs = atof(argv[3]);
        uint64_t region = (uint64_t)(argc > 4 ? atoi(argv[4]) : 64) << 20;
        size_t bs = rnd ? 4096 : 1 << 20;
        uint64_t x = 0x9e3779b97f4a7c15ULL, off = 0, ops = 0;
        void *buf;
        /* dsyncwrite: every write is FUA (O_DSYNC on a write-cache device). */
        bool dsync = strncmp(mode, "dsync", 5) == 0;
        int fd = open(argv[1], (wr ? O_WRONLY : O_RDONLY) | (dsync ? O_DSYNC : 0) | O_DIRECT | O_CLOEXEC);

        if (fd < 0 || posix_memalign(&buf, 4096, bs) != 0) {
                perror("iobench");
                return 1;
        }
        memset(buf, 0xa5, bs);
        double start = now(), end = start + secs, t;
        do {
                for (int k = 0; k < 16; k++) {
                        if (rnd) {
                                x ^= x << 13;
                                x ^= x >> 7;
                                x ^= x << 17;
                                off = (x % (region / bs)) * bs;
                        }
                        ssize_t n = wr ? pwrite(fd, buf, bs, (off_t)off) : pread(fd, buf, bs, (off_t)off);
                        if (n != (ssize_t)bs) {
                                perror("iobench: I/O");
                                return 1;
                        }
                        ops++;
                        if (!rnd)
                                off = (off + bs) % region;
                }
                t = now();
        } while (t < end);
        if (wr && fdatasync(fd) < 0) {
                perror("iobench: fdatasync");
                return 1;
        }
        t = now() - start;
        printf("%s %.2f %.0f\n", mode, (double)ops * (double)bs / t / 1e6, (double)ops / t);
        close(fd);
        return 0;
}
